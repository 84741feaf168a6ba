//! `--threads N`: a run on several threads writes the very bytes of a run on
//! one (monitors and `--dump-state`), for models whose state update is split
//! over element ranges (noise included: what a neuron draws is keyed by the
//! neuron and the step) and for models whose kernels must stay whole.

#[path = "common/ranks.rs"]
mod ranks;

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-threads-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

/// Runs `model` with `--threads threads` into `dir/tN`; returns the output dir
/// and the summary's `threaded_kernels`.
fn run(model: &Path, dir: &Path, threads: usize) -> (PathBuf, String) {
    let out = dir.join(format!("t{threads}"));
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(["run", model.to_str().unwrap_or_default(), "--out"])
        .arg(&out)
        .args(["-q", "--dump-state", "--threads", &threads.to_string()])
        .output()
        .expect("spikejit runs");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap_or_default();
    assert_eq!(v["threads"], threads, "{summary}");
    (out, v["threaded_kernels"].to_string())
}

/// Runs `text` on 1, 2 and 3 threads and compares every npz file byte for byte.
/// Returns the threaded kernels of the 2-thread run.
fn same_on_any_thread_count(tag: &str, text: &str) -> String {
    let dir = temp_dir(tag);
    let model = dir.join("model.toml");
    std::fs::write(&model, text).expect("model written");
    let (one, none) = run(&model, &dir, 1);
    assert_eq!(none, "[]");
    let reference = ranks::npz_files(&one);
    assert!(reference.len() >= 3, "{reference:?}");
    let mut threaded = String::new();
    for threads in [2, 3] {
        let (many, kernels) = run(&model, &dir, threads);
        assert_eq!(ranks::npz_files(&many), reference);
        for f in &reference {
            let a = std::fs::read(one.join(f)).unwrap_or_default();
            let b = std::fs::read(many.join(f)).unwrap_or_default();
            assert!(a == b, "{tag}: {} differs between 1 and {threads} threads", f.display());
        }
        if threads == 2 {
            threaded = kernels;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    threaded
}

/// The benchmark's CUBA at 64000 neurons, run for 30 ms, with a state monitor.
fn cuba() -> String {
    const BENCH: &str = include_str!("../bench/models/cuba_64000.toml");
    assert!(BENCH.contains("duration = \"1*second\""));
    BENCH.replace("duration = \"1*second\"", "duration = \"30*ms\"")
        + r#"
[[monitors]]
name = "trace"
kind = "state"
source = "P"
variables = ["v", "ge"]
record = [0, 17000, 63999]
"#
}

/// CUBA at 64000 neurons: the fused state update and threshold is split, and
/// the spikes of the ranges are gathered in neuron order.
#[test]
fn cuba_splits_and_matches_one_thread() {
    let threaded = same_on_any_thread_count("cuba", &cuba());
    assert!(threaded.contains("P_stateupdate"), "{threaded}");
    // The pathways write only their targets: split by target range.
    assert!(threaded.contains("Ce_pre") && threaded.contains("Ci_pre"), "{threaded}");
}

/// Pathways with synaptic variables, reading the source's `v` (written by no
/// pathway) are split; one that also writes its source is not. Both match one
/// thread.
#[test]
fn pathways_split_by_target_unless_they_write_the_source() {
    let plastic = cuba()
        .replace(
            "on_pre = \"ge += we\"",
            "model = \"w : volt\\ncount : 1\"\non_pre = \"ge += w + 0.001*(v_pre - Vr)\\nw = w*0.999 + 0.001*we\\ncount += 1\"",
        )
        .replace("connect = [ { p = 0.00125 } ]\n\n[[synapses]]", "connect = [ { p = 0.00125 } ]\ninit = { w = \"we\" }\n\n[[synapses]]");
    assert!(
        plastic.contains("count += 1") && plastic.contains("init = { w"),
        "{plastic}"
    );
    let threaded = same_on_any_thread_count("plastic", &plastic);
    assert!(threaded.contains("Ce_pre") && threaded.contains("Ci_pre"), "{threaded}");
    let writes_source = cuba().replace("on_pre = \"gi += wi\"", "on_pre = \"gi += wi\\ngi_pre -= 0.01*wi\"");
    assert!(writes_source.contains("gi_pre"));
    let threaded = same_on_any_thread_count("writes_source", &writes_source);
    assert!(
        threaded.contains("Ce_pre") && !threaded.contains("Ci_pre"),
        "{threaded}"
    );
}

/// Noise in the state update: each neuron's draws are keyed by the neuron and
/// the step, so that kernel splits too, and the results still match.
#[test]
fn noisy_state_update_splits_and_matches() {
    let text = cuba()
        .replace(
            "dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)",
            "dv/dt  = (ge+gi-(v-El))/taum + 2*mV*xi/sqrt(taum) : volt (unless refractory)",
        )
        .replace("method = \"exact\"", "method = \"euler\"");
    let threaded = same_on_any_thread_count("noisy", &text);
    assert!(threaded.contains("P_stateupdate"), "{threaded}");
}
