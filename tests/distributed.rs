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

/// Runs `model` on `k` ranks (threads) into `out` (written by rank 0): what
/// each rank returned, in rank order.
fn results_on(model: &Path, out: &Path, k: usize) -> Vec<Result<(), spikejit::diag::Errors>> {
    let handles = LocalRanks::new(k);
    std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|h| s.spawn(move || run_model_file(model, out, options(Some(Box::new(h)))).map(|_| ())))
            .collect();
        joins.into_iter().map(|j| j.join().expect("a rank thread")).collect()
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

/// A NaN stored in a neuron of rank 1 (of 3) with `--nan=error`: that rank
/// reports it, the others fail quietly, and rank 0 still writes what the
/// monitors recorded, every rank's spikes, as one rank writes the
/// recordings of a failed run.
#[test]
fn a_failed_check_on_one_rank_is_reported_once_and_the_recordings_written() {
    let dir = ranks::temp_dir("ranks", "nan_on_one_rank");
    let model = dir.join("model.toml");
    std::fs::write(
        &model,
        r#"
[simulation]
duration = "3*ms"

[[neurons]]
name = "G"
N = 300
model = "dv/dt = (1 + 0.001*i)/(1*ms) : 1"
threshold = "v > 1.2"
reset = "v = (i - 250) / (i - 250)"

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"
"#,
    )
    .expect("model written");
    let out = dir.join("ranks3");
    let handles = LocalRanks::new(3);
    let results: Vec<_> = std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|h| {
                let (model, out) = (&model, &out);
                s.spawn(move || {
                    let opts = RunOptions {
                        nan: spikejit::sim::NanCheck {
                            mode: spikejit::sim::NanMode::Error,
                            every: 1,
                        },
                        ..options(Some(Box::new(h)))
                    };
                    run_model_file(model, out, opts).map(|_| ())
                })
            })
            .collect();
        joins.into_iter().map(|j| j.join().expect("a rank thread")).collect()
    });
    let found = results[1].as_ref().expect_err("rank 1 fails");
    assert_eq!(found.0[0].code, "non-finite", "{found:?}");
    assert!(found.0[0].message.contains("'G'.v[250]"), "{found:?}");
    for r in [0, 2] {
        let e = results[r].as_ref().expect_err("every rank fails");
        assert!(spikejit::sim::partition::is_failed_elsewhere(e), "rank {r}: {e:?}");
    }
    let spikes = std::fs::read(out.join("spikes.npz")).expect("rank 0 wrote the spike monitor");
    assert!(spikes.len() > 100, "{} bytes", spikes.len());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap_or_default())
            .unwrap_or_default();
    // The ranks stop at the end of an epoch (no pathway: the longest, here
    // past the run's end): every neuron spiked by then (the slowest, 0, at
    // step 12), on all three ranks.
    assert!(
        summary["spike_counts"]["G"].as_u64().is_some_and(|n| n >= 300),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&dir);
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
