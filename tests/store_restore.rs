//! `store` and `restore` with the random state and to a file (Brian2's
//! `net.store(name, filename=...)` and `net.restore(name, filename=...,
//! restore_random_state=True)`), through the Rust API and model files.
//!
//! A stochastic model (white noise `xi`, `rand()` in the threshold, the reset
//! and a synapse's `on_pre`) goes on after a restore with the random state
//! exactly as it did after the store, and differently without it; a state
//! stored to a file and restored by another process goes on exactly as the
//! process that stored it did.

use std::path::Path;

mod common;
use common::{spikejit, temp_dir};
use spikejit::sim::{Connect, Handle, Network, NeuronGroup, SpikeMonitor, Synapses};

const MS: f64 = 1e-3;

fn build() -> (Network, Handle, Handle, Handle) {
    let mut net = Network::new();
    net.set_seed(11);
    let g = net
        .add_neurons(
            NeuronGroup::new(40, "dv/dt = (0.8 - v)/(10*ms) + 0.4*xi/sqrt(ms) : 1")
                .threshold("v > 1 or rand() < 0.002")
                .reset("v = 0.2*rand()")
                .method("euler"),
        )
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += 0.05*rand()"))
        .unwrap();
    net.connect(s, Connect::p(0.1)).unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    (net, g, s, m)
}

/// (v of every neuron, spike indices, spike times) now.
fn state(net: &Network, g: Handle, m: Handle) -> (Vec<f64>, Vec<i32>, Vec<f64>) {
    let d = net.spike_monitor(m).unwrap();
    (net.get(g, "v").unwrap().to_vec(), d.i.to_vec(), d.t.to_vec())
}

#[test]
fn restore_with_random_state_repeats_a_stochastic_run() {
    let (mut net, g, _, m) = build();
    net.run(10.0 * MS).unwrap();
    net.store("mid").unwrap();
    net.run(100.0 * MS).unwrap();
    let first = state(&net, g, m);
    assert!(first.1.len() > 100, "the model spikes: {} spikes", first.1.len());

    net.restore_with_random_state("mid").unwrap();
    net.run(100.0 * MS).unwrap();
    assert_eq!(state(&net, g, m), first, "with the random state: the same continuation");

    // Brian2's default: the random numbers after a restore are new ones
    net.restore("mid").unwrap();
    net.run(100.0 * MS).unwrap();
    let other = state(&net, g, m);
    assert_ne!(other.0, first.0, "without the random state: another continuation");
    assert_ne!(other.1, first.1);

    // and the random state once more, after the other continuation drew numbers
    net.restore_with_random_state("mid").unwrap();
    net.run(100.0 * MS).unwrap();
    assert_eq!(state(&net, g, m), first);
}

#[test]
fn a_state_stored_to_a_file_continues_in_another_network() {
    let dir = temp_dir("api");
    let path = dir.join("state.bin");
    let (mut net, g, _, m) = build();
    net.run(10.0 * MS).unwrap();
    net.store_to_file("mid", &path).unwrap();
    net.run(5.0 * MS).unwrap();
    net.store_to_file("later", &path).unwrap(); // a second name in the same file
    net.run(95.0 * MS).unwrap();
    let first = state(&net, g, m);

    let (mut other, g2, _, m2) = build();
    other.set_seed(99); // the random state comes from the file
    other.restore_from_file("mid", &path, true).unwrap();
    assert!((other.t() - 10.0 * MS).abs() < 1e-12, "t = {}", other.t());
    // the same runs (each run draws its own random streams)
    other.run(5.0 * MS).unwrap();
    other.run(95.0 * MS).unwrap();
    assert_eq!(state(&other, g2, m2), first);

    // the state stored under the other name is still there
    other.restore_from_file("later", &path, true).unwrap();
    assert!((other.t() - 15.0 * MS).abs() < 1e-12, "t = {}", other.t());
    other.run(95.0 * MS).unwrap();
    assert_eq!(state(&other, g2, m2), first);

    // without the random state: another continuation
    other.restore_from_file("later", &path, false).unwrap();
    other.run(95.0 * MS).unwrap();
    assert_ne!(state(&other, g2, m2).0, first.0);
}

#[test]
fn bad_state_files_are_errors_that_change_nothing() {
    let dir = temp_dir("bad");
    let path = dir.join("state.bin");
    let (mut net, g, _, _) = build();
    net.run(2.0 * MS).unwrap();
    let v = net.get(g, "v").unwrap().to_vec();
    let err = |r: spikejit::diag::Result<()>| r.expect_err("an error").to_string();

    let e = err(net.restore_from_file("mid", dir.join("missing.bin"), true));
    assert!(
        e.contains("cannot read the checkpoint") && e.contains("missing.bin"),
        "{e}"
    );

    std::fs::write(&path, b"not a state at all").unwrap();
    let e = err(net.restore_from_file("mid", &path, true));
    assert!(e.contains("not a spikejit checkpoint"), "{e}");
    // a file that is not one of stored states is not overwritten
    let e = err(net.store_to_file("mid", &path));
    assert!(e.contains("not a spikejit checkpoint"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), b"not a state at all");

    std::fs::remove_file(&path).unwrap();
    net.store_to_file("mid", &path).unwrap();
    let e = err(net.restore_from_file("other", &path, true));
    assert!(
        e.contains("nothing was stored under the name 'other'") && e.contains("'mid'"),
        "{e}"
    );

    // a corrupt byte in the data
    let mut bytes = std::fs::read(&path).unwrap();
    let k = bytes.len() - 10;
    bytes[k] ^= 0x40;
    let corrupt = dir.join("corrupt.bin");
    std::fs::write(&corrupt, &bytes).unwrap();
    let e = err(net.restore_from_file("mid", &corrupt, true));
    assert!(e.contains("corrupt"), "{e}");

    // a file of another network
    let mut small = Network::new();
    small.add_neurons(NeuronGroup::new(3, "v : 1")).unwrap();
    let e = err(small.restore_from_file("mid", &path, true));
    assert!(e.contains("of another network"), "{e}");
    let e = err(small.store_to_file("mid", &path));
    assert!(e.contains("of another network"), "{e}");

    assert_eq!(net.get(g, "v").unwrap().to_vec(), v, "nothing changed");
}

// ---------------------------------------------------------------------------
// Model files
// ---------------------------------------------------------------------------

const MODEL: &str = r#"
[simulation]
dt = "0.1*ms"
seed = 5

[[neurons]]
name = "G"
N = 30
model = "dv/dt = (0.8 - v)/(10*ms) + 0.4*xi/sqrt(ms) : 1"
threshold = "v > 1 or rand() < 0.002"
reset = "v = 0.2*rand()"
method = "euler"

[[synapses]]
name = "S"
source = "G"
target = "G"
model = "w : 1"
on_pre = "v_post += 0.05*rand()"
connect = [ { p = 0.1 } ]

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"
"#;

/// Writes `MODEL` with `protocol` to `dir/name.toml` and runs it with
/// `--dump-state` into `dir/name`: (exit code, stderr).
fn run_model(dir: &Path, name: &str, protocol: &str) -> (i32, String) {
    let model = dir.join(format!("{name}.toml"));
    std::fs::write(&model, format!("{MODEL}\n{protocol}")).unwrap();
    let out = dir.join(name);
    let o = spikejit(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--dump-state",
    ]);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["spikes.npz", "state/G.npz"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")),
            )
        })
        .collect()
}

const STORE_THEN_RUN: &str = r#"
[[protocol]]
op = "run"
duration = "10*ms"

[[protocol]]
op = "store"
name = "mid"
file = "state.bin"

[[protocol]]
op = "run"
duration = "100*ms"
"#;

fn restore_then_run(random_state: bool) -> String {
    format!(
        r#"
[[protocol]]
op = "restore"
name = "mid"
file = "state.bin"
random_state = {random_state}

[[protocol]]
op = "run"
duration = "100*ms"
"#
    )
}

#[test]
fn model_files_store_to_a_file_and_restore_in_another_process() {
    let dir = temp_dir("cli");
    let (code, err) = run_model(&dir, "first", STORE_THEN_RUN);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("state.bin").is_file());
    let (code, err) = run_model(&dir, "again", &restore_then_run(true));
    assert_eq!(code, 0, "{err}");
    // monitors hold what they recorded before the store too
    assert_eq!(outputs(&dir.join("again")), outputs(&dir.join("first")));
    let (code, err) = run_model(&dir, "new-noise", &restore_then_run(false));
    assert_eq!(code, 0, "{err}");
    assert_ne!(outputs(&dir.join("new-noise"))[1], outputs(&dir.join("first"))[1]);

    // in memory, within one protocol
    let in_memory = |random_state: bool, file: &str| {
        format!(
            r#"
[[protocol]]
op = "store"
{file}

[[protocol]]
op = "run"
duration = "20*ms"

[[protocol]]
op = "restore"
random_state = {random_state}
{file}

[[protocol]]
op = "run"
duration = "20*ms"
"#
        )
    };
    let once = r#"
[[protocol]]
op = "run"
duration = "20*ms"
"#;
    let (code, err) = run_model(&dir, "once", once);
    assert_eq!(code, 0, "{err}");
    // and through a file one step writes and a later one reads
    for file in ["", "file = \"within.bin\""] {
        let (code, err) = run_model(&dir, "twice", &in_memory(true, file));
        assert_eq!(code, 0, "{err}");
        assert_eq!(outputs(&dir.join("twice"))[1], outputs(&dir.join("once"))[1], "{file}");
        let (code, err) = run_model(&dir, "twice-new", &in_memory(false, file));
        assert_eq!(code, 0, "{err}");
        assert_ne!(
            outputs(&dir.join("twice-new"))[1],
            outputs(&dir.join("once"))[1],
            "{file}"
        );
    }
}

#[test]
fn model_files_refuse_a_state_file_of_another_model() {
    let dir = temp_dir("other");
    let (code, err) = run_model(&dir, "first", STORE_THEN_RUN);
    assert_eq!(code, 0, "{err}");
    // another model (10 neurons, not 30) in the same directory
    let model = dir.join("other.toml");
    let text = format!("{MODEL}\n{}", restore_then_run(true)).replace("N = 30", "N = 10");
    std::fs::write(&model, text).unwrap();
    let o = spikejit(&["check", model.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[checkpoint]") && err.contains("of another network"),
        "{err}"
    );
    assert!(err.contains("other.toml:"), "points into the model file: {err}");
}

/// A state stored before the first run has no arrays of monitors (they are
/// made when a run starts): restoring it from a file after a run goes on as
/// restoring it from memory does.
#[test]
fn a_file_stored_before_the_first_run_restores_as_memory_does() {
    let dir = temp_dir("first");
    let text = r#"[simulation]
dt = "0.1*ms"

[[neurons]]
name = "G"
N = 5
model = """
dv/dt = (1.2 - v)/(10*ms) + I/(10*ms) : 1 (unless refractory)
I = 0.1*sin(t/ms) : 1 (constant over dt)
"""
threshold = "v > 1"
reset = "v = 0"
refractory = "2*ms"
method = "euler"

[[synapses]]
name = "S"
source = "G"
target = "G"
model = "dw/dt = -w/(5*ms) : 1 (event-driven)"
on_pre = "v_post += 0.01*w"
connect = [ { p = 1.0 } ]
delay = "1*ms"

[[monitors]]
name = "trace"
kind = "state"
source = "G"
variables = ["v"]
record = true

[[monitors]]
name = "r"
kind = "rate"
source = "G"

[[protocol]]
op = "store"
file = "c.bin"

[[protocol]]
op = "run"
duration = "20*ms"

[[protocol]]
op = "restore"
file = "c.bin"

[[protocol]]
op = "run"
duration = "20*ms"
"#;
    let outputs = |name: &str, text: &str| {
        let model = dir.join(format!("{name}.toml"));
        std::fs::write(&model, text).unwrap();
        let out = dir.join(name);
        let o = spikejit(&[
            "run",
            model.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--dump-state",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        ["trace.npz", "r.npz", "state/G.npz", "state/S.npz"].map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let in_file = outputs("in-file", text);
    let in_memory = outputs("in-memory", &text.replace("file = \"c.bin\"\n", ""));
    assert_eq!(in_file, in_memory);
}
