//! A model on several ranks writes the very bytes of a run on one rank
//! (issue 17): the ranks here are threads of one process
//! ([`LocalRanks`]), with the exchange `mpirun` ranks do through MPI
//! (`tests/mpi.rs` runs the same models under `mpirun`).

#[path = "common/ranks.rs"]
mod ranks;

use std::path::Path;

use spikejit::io::{RunOptions, run_model_file};
use spikejit::sim::partition::{Exchange, LocalRanks};

fn options(ranks: Option<Box<dyn Exchange>>) -> RunOptions {
    RunOptions {
        dump_state: true,
        ranks,
        ..Default::default()
    }
}

/// [`options`] with `threads` threads in each rank.
fn threaded(ranks: Option<Box<dyn Exchange>>, threads: usize) -> RunOptions {
    RunOptions {
        threads: Some(threads),
        ..options(ranks)
    }
}

/// Runs `rank(handle)` for each of `k` ranks, each on a thread of its own
/// with its handle: what each returned, in rank order.
fn on_ranks<T: Send>(k: usize, rank: impl Fn(LocalRanks) -> T + Sync) -> Vec<T> {
    let handles = LocalRanks::new(k);
    let rank = &rank;
    std::thread::scope(|s| {
        let joins: Vec<_> = handles.into_iter().map(|h| s.spawn(move || rank(h))).collect();
        joins.into_iter().map(|j| j.join().expect("a rank thread")).collect()
    })
}

/// Runs `model` on `k` ranks (threads) into `out` (written by rank 0): what
/// each rank returned, in rank order.
fn results_on(model: &Path, out: &Path, k: usize) -> Vec<Result<(), spikejit::diag::Errors>> {
    on_ranks(k, |h| {
        run_model_file(model, out, options(Some(Box::new(h)))).map(|_| ())
    })
}

/// Runs `model` on `k` ranks, every one of which must succeed.
fn run_on(model: &Path, out: &Path, k: usize) {
    for (rank, r) in results_on(model, out, k).into_iter().enumerate() {
        if let Err(e) = r {
            panic!("rank {rank} of {k}: {e:?}");
        }
    }
}

/// The first rank's error on 3 ranks has `code` and mentions `phrase`; the
/// others fail quietly.
fn fails_once(model: &Path, out: &Path, code: &str, phrase: &str) {
    let results = results_on(model, out, 3);
    let first = results[0].as_ref().expect_err("rank 0 fails");
    assert_eq!(first.0[0].code, code, "{first:?}");
    assert!(first.0[0].message.contains(phrase), "{first:?}");
    for e in &results[1..] {
        let e = e.as_ref().expect_err("every rank fails");
        assert!(spikejit::sim::partition::is_failed_elsewhere(e), "{e:?}");
    }
}

/// Runs `text` alone and on 2, 3 and 4 ranks; every npz file (monitors and
/// `--dump-state`) and the summary's counts must be the same.
fn same_on_any_rank_count(tag: &str, text: &str) {
    same_on_any_rank_count_with_epoch(tag, text, 1);
}

/// [`same_on_any_rank_count`], the ranks exchanging events once per
/// `epoch` steps at most (the longest epoch of the runs).
fn same_on_any_rank_count_with_epoch(tag: &str, text: &str, epoch: u64) {
    let dir = ranks::temp_dir("ranks", tag);
    let model = dir.join("model.toml");
    std::fs::write(&model, text).expect("model written");
    let alone = dir.join("alone");
    run_model_file(&model, &alone, options(None)).unwrap_or_else(|e| panic!("{tag} alone: {e:?}"));
    for k in [2, 3, 4] {
        let out = dir.join(format!("ranks{k}"));
        run_on(&model, &out, k);
        ranks::assert_same_outputs(tag, &alone, &out, &format!("{k} ranks"));
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(summary["ranks"].as_array().map(Vec::len), Some(k), "{tag}: {summary}");
        assert_eq!(
            summary["ranks"][0]["epoch_steps"].as_u64(),
            Some(epoch),
            "{tag}: {summary}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cuba_on_ranks() {
    same_on_any_rank_count("cuba", &ranks::cuba());
}

#[test]
fn cuba_with_delays_and_noise_on_ranks() {
    same_on_any_rank_count("cuba_delays_noise", &ranks::cuba_with_delays_and_noise());
}

/// Delays of 1 ms and more: the ranks exchange events once per epoch of 11
/// steps (the shortest delay, 10 steps, plus one), the last epoch of each
/// run shorter; after a restore and shorter delays, once per 9 steps.
#[test]
fn cuba_with_epochs_on_ranks() {
    same_on_any_rank_count_with_epoch("cuba_epochs", &ranks::cuba_with_epochs(), 11);
}

/// A spike generator's spikes (made whole on every rank, not in the order
/// of its neurons within a step) are monitored as on one rank. No pathway
/// reads another rank's events (every rank makes all the generator's, and
/// the group's go nowhere): the ranks meet only to agree on stopping, once
/// per longest epoch (256 steps).
#[test]
fn spike_generator_on_ranks() {
    same_on_any_rank_count_with_epoch("spike_generator", ranks::SPIKE_GENERATOR, 256);
}

#[test]
fn stdp_with_on_post_on_ranks() {
    same_on_any_rank_count("stdp", &ranks::stdp_with_on_post());
}

#[test]
fn brunel_with_poisson_input_on_ranks() {
    // A delay of 1.5 ms: 15 steps, an epoch of 16.
    same_on_any_rank_count_with_epoch("brunel", &ranks::brunel_with_poisson_input(), 16);
}

#[test]
fn restricted_generators_on_ranks() {
    same_on_any_rank_count("generators", ranks::GENERATORS);
}

/// Runs `text` on 3 ranks with `--nan=error`: rank 1 must report a
/// non-finite value naming `place`, the others fail quietly, and rank 0
/// writes the spikes; the summary.
fn nan_on_rank_1(tag: &str, text: &str, place: &str) -> serde_json::Value {
    let dir = ranks::temp_dir("ranks", tag);
    let model = dir.join("model.toml");
    std::fs::write(&model, text).expect("model written");
    let out = dir.join("ranks3");
    let results = on_ranks(3, |h| {
        let opts = RunOptions {
            nan: spikejit::sim::NanCheck {
                mode: spikejit::sim::NanMode::Error,
                every: 1,
            },
            ..options(Some(Box::new(h)))
        };
        run_model_file(&model, &out, opts).map(|_| ())
    });
    let found = results[1].as_ref().expect_err("rank 1 fails");
    assert_eq!(found.0[0].code, "non-finite", "{found:?}");
    assert!(found.0[0].message.contains(place), "{found:?}");
    for r in [0, 2] {
        let e = results[r].as_ref().expect_err("every rank fails");
        assert!(spikejit::sim::partition::is_failed_elsewhere(e), "rank {r}: {e:?}");
    }
    let spikes = std::fs::read(out.join("spikes.npz")).expect("rank 0 wrote the spike monitor");
    assert!(spikes.len() > 100, "{} bytes", spikes.len());
    let summary = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap_or_default())
        .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    summary
}

/// 300 neurons, each spiking once between 0.9 and 1.2 ms; RESET and the
/// synapses (SYNAPSES) filled in.
const SPIKING_ONCE: &str = r#"
[simulation]
duration = "3*ms"

[[neurons]]
name = "G"
N = 300
model = "dv/dt = (1 + 0.001*i)/(1*ms) : 1"
threshold = "v > 1.2"
reset = "RESET"

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"
SYNAPSES"#;

/// A NaN stored in a neuron of rank 1 (of 3) with `--nan=error`: that rank
/// reports it, the others fail quietly, and rank 0 still writes what the
/// monitors recorded, every rank's spikes, as one rank writes the
/// recordings of a failed run.
#[test]
fn a_failed_check_on_one_rank_is_reported_once_and_the_recordings_written() {
    let text = SPIKING_ONCE
        .replace("RESET", "v = (i - 250) / (i - 250)")
        .replace("SYNAPSES", "");
    let summary = nan_on_rank_1("nan_neuron", &text, "'G'.v[250]");
    // The ranks stop at the end of an epoch (no pathway: the longest, here
    // past the run's end): every neuron spiked by then (the slowest, 0, at
    // step 12), on all three ranks.
    assert!(
        summary["spike_counts"]["G"].as_u64().is_some_and(|n| n >= 300),
        "{summary}"
    );
}

/// A NaN stored in a synapse held by rank 1 names the synapse by its index
/// among all ranks' (200), as one rank does, not among rank 1's own.
#[test]
fn a_synapse_found_on_a_rank_is_named_by_its_global_index() {
    let text = SPIKING_ONCE.replace("RESET", "v = 0").replace(
        "SYNAPSES",
        r#"
[[synapses]]
name = "S"
source = "G"
target = "G"
model = "w : 1"
on_pre = "w = (i - 200) / (i - 200)"
connect = [ { j = "k for k in range(i, i + 1)" } ]
"#,
    );
    nan_on_rank_1("nan_synapse", &text, "'S'.w[200]");
}

/// A connect error found by two ranks (candidates below and above the
/// group, each visited by one rank): the first reports it, the others fail
/// quietly.
#[test]
fn a_connect_error_is_reported_by_one_rank() {
    let dir = ranks::temp_dir("ranks", "connect_error");
    let model = dir.join("model.toml");
    let text = ranks::GENERATORS.replace(", skip_if_invalid = true", "");
    assert!(!text.contains("skip_if_invalid"));
    std::fs::write(&model, text).expect("model written");
    fails_once(&model, &dir.join("out"), "connect", "j=-3");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Synapse code reading its source neuron (`v_pre`) is refused on several
/// ranks, by the first rank, the others failing quietly.
#[test]
fn presynaptic_reads_are_refused_on_ranks() {
    let dir = ranks::temp_dir("ranks", "pre");
    let model = dir.join("model.toml");
    std::fs::write(&model, ranks::PRESYNAPTIC_READ).expect("model written");
    fails_once(&model, &dir.join("out"), "not-supported-distributed", "'v'");
    // One rank alone runs it.
    run_model_file(&model, &dir.join("alone"), options(None)).expect("one rank runs it");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Brian2's nonlinear example: synaptic values set from a list (given for all
/// ranks' synapses, in their order), clock-driven synapses summed into their
/// target, groups smaller than a block (some ranks hold none of them).
#[test]
fn nonlinear_on_ranks() {
    same_on_any_rank_count("nonlinear", &ranks::example("nonlinear.toml"));
}

/// Connect conditions and probabilities reading the source's and the
/// candidate target's variables, and synaptic values set from the source's
/// variables (before a run and after one): every rank reads whole copies of
/// the neurons' arrays for these, and makes what one rank makes.
#[test]
fn spatial_connect_and_presynaptic_sets_on_ranks() {
    same_on_any_rank_count("spatial", &ranks::spatial());
}

/// A rank holds the state of its own neurons only: the bytes of a
/// neuron-heavy model's arrays on each rank are its neurons' (8 bytes a
/// float variable) and their event space (4 bytes a neuron, and the count),
/// plus its few synapses'.
#[test]
fn neuron_state_per_rank_falls_with_the_ranks() {
    use spikejit::sim::{Connect, Network, NeuronGroup, Synapses};
    let n = 64 * 150 + 17;
    let vars = 6;
    let model = "dv/dt = (a - v)/(10*ms) : 1\ndu/dt = (b - u)/(20*ms) : 1\na : 1\nb : 1\nc : 1\nd : 1";
    let mut whole_per_rank = Vec::new();
    for k in [2, 3, 4] {
        let summaries = on_ranks(k, |h| {
            let mut net = Network::new();
            net.set_ranks(Box::new(h))?;
            let g = net.add_neurons(NeuronGroup::new(n, model).threshold("v > 1").reset("v = 0"))?;
            let syn = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v += w"))?;
            net.connect(syn, Connect::condition("j == i and i % 1000 == 0"))?;
            net.run(0.001)?;
            Ok::<_, spikejit::diag::Errors>(net.rank_summaries(None))
        });
        let at_root = summaries[0].as_ref().expect("rank 0 runs");
        assert_eq!(at_root.len(), k);
        for r in at_root {
            let owned = spikejit::sim::partition::owned(n, r.rank, k).len() as u64;
            let neurons = 8 * vars * owned + 4 * (owned + 1);
            assert_eq!(r.neurons, owned);
            // The synapses: `_pre`, `_post`, `w`, and 8 bytes for the global index (not in the store).
            assert!(
                r.array_bytes >= neurons && r.array_bytes <= neurons + 16 * r.synapses + 64,
                "{k} ranks, rank {}: {} bytes, {neurons} for its neurons, {} synapses",
                r.rank,
                r.array_bytes,
                r.synapses
            );
        }
        whole_per_rank.push(at_root.iter().map(|r| r.array_bytes).max().unwrap_or(0));
    }
    // From 2 to 4 ranks, the per-neuron state (all 52 bytes a neuron) halves.
    let (two, four) = (whole_per_rank[0] as f64, whole_per_rank[2] as f64);
    assert!(four < 0.52 * two, "{whole_per_rank:?}");
}

/// Two ranks of two threads each write the bytes of one rank on one thread:
/// each rank's state update and pathway split over its own neurons (a group
/// of 40,000: 20,000 a rank, above the size from which kernels split).
#[test]
fn threads_within_ranks() {
    let dir = ranks::temp_dir("ranks", "threads");
    let model = dir.join("model.toml");
    std::fs::write(&model, ranks::LARGE_GROUP).expect("model written");
    let alone = dir.join("alone");
    run_model_file(&model, &alone, options(None)).expect("one rank runs it");
    let out = dir.join("ranks2");
    let results = on_ranks(2, |h| run_model_file(&model, &out, threaded(Some(Box::new(h)), 2)));
    for (rank, r) in results.iter().enumerate() {
        let summary = r.as_ref().unwrap_or_else(|e| panic!("rank {rank}: {e:?}"));
        // The state update (fused with the threshold) and the pathway split.
        assert!(
            summary.threaded_kernels.len() >= 2,
            "rank {rank}: {:?}",
            summary.threaded_kernels
        );
    }
    ranks::assert_same_outputs("threads", &alone, &out, "2 ranks of 2 threads");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `Network::get` on a rank reads the neurons it holds; a range with another
/// rank's neuron is an error, and after `gather_to_root(true)` rank 0 reads
/// them all, as one rank would. A rank's checkpoint fits no network.
#[test]
fn reading_another_ranks_neuron_is_an_error() {
    use spikejit::sim::{Network, NeuronGroup, Selection, Value};
    let build = |net: &mut Network| -> Result<_, spikejit::diag::Errors> {
        let g = net.add_neurons(NeuronGroup::new(200, "v : 1\nc : 1 (shared)").name("G"))?;
        net.set(g, "v", Value::Expr("i * 0.5".into()), Selection::All)?;
        net.set(g, "c", Value::Scalar(3.0), Selection::All)?;
        let first = net.subgroup(g, 0, 64, None)?;
        let last = net.subgroup(g, 192, 200, None)?;
        net.run(0.0001)?;
        Ok((g, first, last))
    };
    on_ranks(2, |h| {
        let mut net = Network::new();
        net.set_ranks(Box::new(h)).expect("ranks set");
        let (g, first, last) = build(&mut net).expect("built and run");
        let rank = net.rank();
        // Rank 0 owns neurons 0..128, rank 1 128..200.
        let (mine, theirs) = if rank == 0 { (first, last) } else { (last, first) };
        let held = net.get(mine, "v").expect("own neurons read");
        let start = if rank == 0 { 0.0 } else { 192.0 };
        assert_eq!(held[0], start * 0.5, "rank {rank}");
        let e = net.get(theirs, "v").expect_err("another rank's neurons");
        assert_eq!(e.0[0].code, "not-on-this-rank", "rank {rank}: {e:?}");
        assert!(net.get(g, "v").is_err(), "rank {rank}: the whole group");
        assert_eq!(net.get(g, "c").expect("shared").to_vec(), [3.0]);
        // A rank's checkpoint holds its own neurons: no network
        // of the same model takes it, on ranks or alone.
        let ck = net.checkpoint();
        let e = net.restore_checkpoint(ck.clone()).expect_err("refused on ranks");
        assert_eq!(e.0[0].code, "not-supported-distributed", "{e:?}");
        let mut alone = Network::new();
        build(&mut alone).expect("built alone");
        let e = alone.restore_checkpoint(ck).expect_err("a rank's arrays do not fit");
        assert!(e.0[0].message.contains("elements there"), "{e:?}");
        net.gather_to_root(true);
        if rank == 0 {
            let all = net.get(g, "v").expect("rank 0 holds all after the gather");
            assert_eq!(all.len(), 200);
            assert!(all.iter().enumerate().all(|(k, &x)| x == k as f64 * 0.5));
        }
    });
}

/// No kernel of a rank reads or writes a neuron outside those the rank holds
/// (its arrays start at its first neuron, and kernels reach them at a
/// virtual base): the models above, on 2 and 3 ranks, run on the
/// interpreter, which checks every access to a rank's neuron arrays.
#[test]
fn no_kernel_reaches_past_a_ranks_neurons() {
    use spikejit::io::{BuildOptions, build_in, load_model};
    use spikejit::sim::Network;
    let shorter = |text: String| text.replace("duration = \"100*ms\"", "duration = \"10*ms\"");
    let models = [
        ("cuba", shorter(ranks::cuba())),
        (
            "delays_noise",
            ranks::cuba_with_delays_and_noise().replace("\"60*ms\"", "\"10*ms\""),
        ),
        ("stdp", ranks::stdp_with_on_post().replace("\"200*ms\"", "\"20*ms\"")),
        (
            "brunel",
            ranks::brunel_with_poisson_input().replace("\"30*ms\"", "\"5*ms\""),
        ),
        ("generators", ranks::GENERATORS.replace("\"40*ms\"", "\"10*ms\"")),
        ("nonlinear", ranks::example("nonlinear.toml")),
        ("spatial", ranks::spatial()),
    ];
    let dir = ranks::temp_dir("ranks", "held");
    let before = spikejit::interp::accesses_outside_held();
    for (tag, text) in models {
        let path = dir.join(format!("{tag}.toml"));
        std::fs::write(&path, text).expect("model written");
        let model = load_model(&path).unwrap_or_else(|e| panic!("{tag}: {e:?}"));
        for k in [2, 3] {
            let model = &model;
            let results = on_ranks(k, |h| -> Result<(), spikejit::diag::Errors> {
                let mut net = Network::new();
                net.set_backend(spikejit::codegen::Backend::Interpreter);
                net.set_ranks(Box::new(h))?;
                let protocol = build_in(&mut net, model, &BuildOptions::default())?;
                protocol.run(&mut net)?;
                net.gather_to_root(true);
                Ok(())
            });
            for (rank, r) in results.into_iter().enumerate() {
                if let Err(e) = r {
                    panic!("{tag} on {k} ranks, rank {rank}: {e:?}");
                }
            }
            let outside = spikejit::interp::accesses_outside_held() - before;
            assert_eq!(outside, 0, "{tag} on {k} ranks: accesses outside a rank's neurons");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A spatial neuron is one cable whose solve couples all its compartments:
/// on several ranks it is refused when it is added, on every rank alike.
#[test]
fn spatial_neurons_are_refused_on_ranks() {
    on_ranks(2, |h| {
        let mut net = spikejit::sim::Network::new();
        net.set_ranks(Box::new(h)).expect("ranks set");
        let morpho = spikejit::morphology::Morphology::cylinder(10, 1e-6, 1e-4).expect("cylinder");
        let e = net
            .add_spatial_neuron(spikejit::sim::SpatialNeuron::new(
                morpho,
                "Im = -v*siemens/meter**2 : amp/meter**2",
            ))
            .expect_err("refused on ranks");
        assert_eq!(e.0[0].code, "not-supported-distributed", "{e:?}");
    });
}
