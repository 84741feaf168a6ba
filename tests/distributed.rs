//! A model on several ranks writes the very bytes of a run on one rank
//! (issue 17): the ranks here are threads of one process
//! ([`LocalRanks`]), with the exchange `mpirun` ranks do through MPI
//! (`tests/mpi.rs` runs the same models under `mpirun`).

use std::path::{Path, PathBuf};

use spikejit::io::{RunOptions, run_model_file};
use spikejit::sim::partition::{Exchange, LocalRanks};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-ranks-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn options(ranks: Option<Box<dyn Exchange>>) -> RunOptions {
    RunOptions {
        dump_state: true,
        ranks,
        ..Default::default()
    }
}

/// Runs `model` on `k` ranks (threads) into `out` (written by rank 0).
fn run_on(model: &Path, out: &Path, k: usize) {
    let handles = LocalRanks::new(k);
    std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|h| {
                s.spawn(move || {
                    let rank = h.rank();
                    let r = run_model_file(model, out, options(Some(Box::new(h))));
                    (rank, r.map(|_| ()).map_err(|e| format!("{e:?}")))
                })
            })
            .collect();
        for j in joins {
            let (rank, r) = j.join().expect("a rank thread");
            if let Err(e) = r {
                panic!("rank {rank} of {k}: {e}");
            }
        }
    });
}

fn npz_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("state")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "npz") {
                    out.push(e.path().strip_prefix(dir).map(Path::to_path_buf).unwrap_or(e.path()));
                }
            }
        }
    }
    out.sort();
    out
}

fn counts(dir: &Path) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    (
        v["spike_counts"].clone(),
        v["synapse_counts"].clone(),
        v["synaptic_events"].clone(),
    )
}

/// Runs `text` alone and on 2, 3 and 4 ranks; every npz file (monitors and
/// `--dump-state`) and the summary's counts must be the same.
fn same_on_any_rank_count(tag: &str, text: &str) {
    let dir = temp_dir(tag);
    let model = dir.join("model.toml");
    std::fs::write(&model, text).expect("model written");
    let alone = dir.join("alone");
    run_model_file(&model, &alone, options(None)).unwrap_or_else(|e| panic!("{tag} alone: {e:?}"));
    let reference = npz_files(&alone);
    assert!(reference.len() >= 2, "{tag}: {reference:?}");
    for k in [2, 3, 4] {
        let out = dir.join(format!("ranks{k}"));
        run_on(&model, &out, k);
        assert_eq!(npz_files(&out), reference, "{tag}: files on {k} ranks");
        for f in &reference {
            let a = std::fs::read(alone.join(f)).unwrap_or_default();
            let b = std::fs::read(out.join(f)).unwrap_or_default();
            assert!(a == b, "{tag}: {} differs between 1 and {k} ranks", f.display());
        }
        assert_eq!(counts(&out), counts(&alone), "{tag}: summary counts on {k} ranks");
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(summary["ranks"].as_array().map(Vec::len), Some(k), "{tag}: {summary}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn cuba_on_ranks() {
    let text = example("cuba.toml").replace("duration = \"1*second\"", "duration = \"100*ms\"");
    same_on_any_rank_count("cuba", &text);
}

/// CUBA with heterogeneous random delays on one pathway and noise in the
/// state update (split over ranks, each neuron's draws its own), with a
/// state monitor of neurons on every rank and one of synapses.
#[test]
fn cuba_with_delays_and_noise_on_ranks() {
    let text = example("cuba.toml")
        .replace("duration = \"1*second\"", "duration = \"60*ms\"")
        .replace(
            "dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)",
            "dv/dt  = (ge+gi-(v-El))/taum + 0.5*mV*xi/sqrt(taum) : volt (unless refractory)",
        )
        .replace("method = \"exact\"", "method = \"euler\"")
        .replace(
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]",
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]\ninit = { delay = \"rand()*3*ms\" }",
        )
        + r#"
[[monitors]]
name = "trace"
kind = "state"
source = "P"
variables = ["v", "ge"]
record = [0, 100, 1500, 2500, 3999]

[[monitors]]
name = "delays"
kind = "state"
source = "Ce"
variables = ["delay"]
record = [0, 5, 100000, 200000]
"#;
    assert!(text.contains("rand()*3*ms") && text.contains("xi/sqrt"), "{text}");
    same_on_any_rank_count("cuba_delays_noise", &text);
}

/// Brian2's STDP example with 300 target neurons (so that synapses and their
/// post-synaptic spikes are on every rank): Poisson inputs (a `rand() < P`
/// threshold by blocks), `on_pre` and `on_post`, random initial weights, a
/// state monitor of synapses.
#[test]
fn stdp_with_on_post_on_ranks() {
    let text = example("stdp.toml")
        .replace("duration = \"1*second\"", "duration = \"200*ms\"")
        .replace("name = \"neurons\"\nN = 1\n", "name = \"neurons\"\nN = 300\n")
        .replace("connect = [ {} ]", "connect = [ { p = 0.2 } ]")
        .replace("F = \"15*Hz\"", "F = \"40*Hz\"")
        .replace("record = [0, 1]", "record = [0, 1, 30000, 59000]");
    assert!(text.contains("N = 300") && text.contains("p = 0.2"), "{text}");
    same_on_any_rank_count("stdp", &text);
}

/// Brunel (2000): Poisson input onto every neuron (PoissonInput, a binomial
/// per target and step), a rate monitor, two populations in one group.
#[test]
fn brunel_with_poisson_input_on_ranks() {
    let text = example("brunel_2000.toml").replace("duration = \"150*ms\"", "duration = \"30*ms\"");
    same_on_any_rank_count("brunel", &text);
}

/// Synapse code reading its source neuron (`v_pre`) is refused on several
/// ranks, by the first rank, the others failing quietly.
#[test]
fn presynaptic_reads_are_refused_on_ranks() {
    let dir = temp_dir("pre");
    let model = dir.join("model.toml");
    let text = r#"
[simulation]
dt = "0.1*ms"
duration = "1*ms"

[[neurons]]
name = "G"
N = 200
model = "dv/dt = -v/(10*ms) : 1"
threshold = "v > 1"
reset = "v = 0"

[[neurons]]
name = "H"
N = 200
model = "dv/dt = -v/(10*ms) : 1"

[[synapses]]
name = "S"
source = "G"
target = "H"
model = "w : 1"
on_pre = "v_post += w*v_pre"
connect = [ { j = "i" } ]
"#;
    std::fs::write(&model, text).expect("model written");
    let handles = LocalRanks::new(3);
    let errors: Vec<Result<(), spikejit::diag::Errors>> = std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|h| {
                let (model, out) = (model.clone(), dir.join("out"));
                s.spawn(move || run_model_file(&model, &out, options(Some(Box::new(h)))).map(|_| ()))
            })
            .collect();
        joins.into_iter().map(|j| j.join().expect("rank thread")).collect()
    });
    let first = errors[0].as_ref().expect_err("rank 0 fails");
    assert_eq!(first.0[0].code, "not-supported-distributed", "{first:?}");
    assert!(first.0[0].message.contains("'v'"), "{first:?}");
    for e in &errors[1..] {
        let e = e.as_ref().expect_err("every rank fails");
        assert!(spikejit::sim::partition::is_failed_elsewhere(e), "{e:?}");
    }
    // One rank alone runs it.
    run_model_file(&model, &dir.join("alone"), options(None)).expect("one rank runs it");
    let _ = std::fs::remove_dir_all(&dir);
}
