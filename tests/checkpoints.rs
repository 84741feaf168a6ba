//! Checkpoints (`spikejit run --checkpoint CK`, `--resume CK`) and the checks
//! for NaN and infinities (`--nan`, `--nan-check-every`).
//!
//! A run stopped after k steps (`--stop-after-steps k --checkpoint CK`, exit
//! 130) and resumed (`--resume CK`) must write the very bytes of an
//! uninterrupted run: every npz file (monitors and `--dump-state`), and the
//! same counts in `summary.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-ck-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn spikejit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("spikejit runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// `spikejit run MODEL --out DIR -q --dump-state EXTRA...`: (exit code, output).
fn run(model: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["run", s(model), "--out", s(out), "-q", "--dump-state"];
    args.extend_from_slice(extra);
    let o = spikejit(&args);
    (o.status.code().unwrap_or(-1), text(&o))
}

/// Every npz file under `dir` (relative paths), sorted.
fn npz_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(d) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.extension().is_some_and(|x| x == "npz") {
                out.push(p.strip_prefix(base).map(Path::to_path_buf).unwrap_or(p));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn summary(dir: &Path) -> serde_json::Value {
    let p = dir.join("summary.json");
    let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The outputs of `a` and `b` are the same: every npz byte for byte, and the
/// counts, time and findings of summary.json.
fn assert_same_outputs(a: &Path, b: &Path, what: &str) {
    let files = npz_files(a);
    assert!(!files.is_empty(), "{what}: no npz in {}", a.display());
    assert_eq!(files, npz_files(b), "{what}: npz files");
    for f in &files {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        let (x, y) = (x.unwrap_or_default(), y.unwrap_or_default());
        assert!(!x.is_empty(), "{what}: {} is empty", f.display());
        assert!(x == y, "{what}: {} differs", f.display());
    }
    let (sa, sb) = (summary(a), summary(b));
    for key in [
        "spike_counts",
        "synapse_counts",
        "t_end",
        "steps",
        "synaptic_events",
        "findings",
        "seed",
        "interrupted",
    ] {
        assert_eq!(sa[key], sb[key], "{what}: summary.json '{key}'");
    }
    assert_eq!(sb["interrupted"], false, "{what}");
}

/// Runs `model` whole, then stopped after each of `stops` steps and resumed
/// (and, for the last two stops, stopped twice: resumed up to the second stop
/// with a new checkpoint, then resumed again; they must differ), and compares the outputs.
fn check_resume(tag: &str, model: &Path, stops: &[u64], extra: &[&str]) {
    let dir = temp_dir(tag);
    let whole = dir.join("whole");
    let (code, out) = run(model, &whole, extra);
    assert_eq!(code, 0, "{out}");
    for &k in stops {
        let ck = dir.join(format!("ck{k}"));
        let first = dir.join(format!("first{k}"));
        let (code, out) = run(
            model,
            &first,
            &[extra, &["--stop-after-steps", &k.to_string(), "--checkpoint", s(&ck)]].concat(),
        );
        assert_eq!(code, 130, "{tag}, stop after {k}: {out}");
        assert_eq!(summary(&first)["interrupted"], true, "{tag}, stop after {k}");
        assert_eq!(summary(&first)["steps"], k, "{tag}, stop after {k}");
        let resumed = dir.join(format!("resumed{k}"));
        let (code, out) = run(model, &resumed, &[extra, &["--resume", s(&ck)]].concat());
        assert_eq!(code, 0, "{tag}, resume after {k}: {out}");
        assert_same_outputs(&whole, &resumed, &format!("{tag}, stopped after {k} steps"));
    }
    if let [.., k1, k2] = stops {
        let (k1, k2) = (*k1.min(k2), *k1.max(k2));
        let ck1 = dir.join("twice1");
        let ck2 = dir.join("twice2");
        let (code, out) = run(
            model,
            &dir.join("twice_a"),
            &[extra, &["--stop-after-steps", &k1.to_string(), "--checkpoint", s(&ck1)]].concat(),
        );
        assert_eq!(code, 130, "{out}");
        let (code, out) = run(
            model,
            &dir.join("twice_b"),
            &[
                extra,
                &[
                    "--resume",
                    s(&ck1),
                    "--stop-after-steps",
                    &k2.to_string(),
                    "--checkpoint",
                    s(&ck2),
                ],
            ]
            .concat(),
        );
        assert_eq!(code, 130, "{out}");
        let resumed = dir.join("twice_c");
        let (code, out) = run(model, &resumed, &[extra, &["--resume", s(&ck2)]].concat());
        assert_eq!(code, 0, "{out}");
        assert_same_outputs(&whole, &resumed, &format!("{tag}, stopped after {k1} and {k2} steps"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cuba_resumes_identically() {
    // Random connectivity and initial values; 10000 steps.
    check_resume("cuba", &root().join("examples/cuba.toml"), &[1, 3333, 9999], &[]);
}

/// A spatial neuron (the cable solver's per-run coefficients are made again
/// on resume) through a protocol of three runs with `set` steps between.
#[test]
fn spatial_neuron_resumes_identically() {
    let model = root().join("examples/compartmental/spike_initiation.toml");
    check_resume("spatial", &model, &[1000, 3000], &[]);
}

#[test]
fn stdp_resumes_identically() {
    // Event-driven plasticity, Poisson input (random numbers drawn every step).
    check_resume("stdp", &root().join("examples/stdp.toml"), &[2500, 7001], &[]);
}

#[test]
fn heterogeneous_delays_resume_with_spikes_in_flight() {
    // All of G1 fires at t = 0 and arrives 1 ms + i ms + 0.25 ms*randn() later:
    // after 30 steps (3 ms) most spikes are still in the queue.
    check_resume("synapses", &root().join("examples/synapses.toml"), &[1, 30, 75], &[]);
}

/// A protocol of several runs, set, store and restore steps, with random
/// numbers in every part: a Poisson group, `rand()` in a reset and in a set
/// step, noise (`xi`), per-synapse delays, an STDP-like pathway on both sides,
/// and spike, state and rate monitors.
const PROTOCOL: &str = r#"
[simulation]
dt = "0.1*ms"
seed = 7

[constants]
tau = "10*ms"

[[poisson]]
name = "P"
N = 40
rates = "50*Hz + i*Hz"

[[neurons]]
name = "G"
N = 25
model = """
dv/dt = (I - v)/tau + 0.3*xi*tau**-0.5 : 1
I : 1
"""
threshold = "v > 1"
reset = "v = 0.2*rand()"
refractory = "2*ms"
init = { v = "rand()", I = "0.8 + 0.01*i" }

[[synapses]]
name = "S"
source = "P"
target = "G"
model = """
w : 1
dapre/dt = -apre/(20*ms) : 1 (event-driven)
dapost/dt = -apost/(20*ms) : 1 (event-driven)
"""
on_pre = "v_post += w; apre += 0.01; w = clip(w + apost, 0, 0.3)"
on_post = "apost -= 0.012; w = clip(w + apre, 0, 0.3)"
connect = [ { p = 0.3 } ]
init = [
  { var = "w", value = "0.2*rand()" },
  { var = "delay", value = "0.5*ms + 4*ms*rand()" },
]

[[synapses]]
name = "R"
source = "G"
target = "G"
model = "c : 1"
on_pre = "v_post -= c"
connect = [ { condition = "i != j", p = 0.2 } ]
init = [ { var = "c", value = "0.05*rand()" } ]
delay = "1.5*ms"

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"

[[monitors]]
name = "input"
kind = "spike"
source = "P"

[[monitors]]
name = "trace"
kind = "state"
source = "G"
variables = ["v"]
record = [0, 3, 24]

[[monitors]]
name = "weights"
kind = "state"
source = "S"
variables = ["w"]
record = [0, 1, 2]

[[monitors]]
name = "rate"
kind = "rate"
source = "G"

[[protocol]]
op = "run"
duration = "20*ms"

[[protocol]]
op = "store"
name = "mid"

[[protocol]]
op = "run"
duration = "15*ms"

[[protocol]]
op = "set"
target = "G"
var = "I"
value = "0.9 + 0.3*rand()"

[[protocol]]
op = "run"
duration = "10*ms"

[[protocol]]
op = "restore"
name = "mid"

[[protocol]]
op = "run"
duration = "12.5*ms"
"#;

#[test]
fn multi_step_protocol_resumes_identically() {
    let dir = temp_dir("protocol-model");
    let model = dir.join("protocol.toml");
    std::fs::write(&model, PROTOCOL).unwrap_or_else(|e| panic!("{e}"));
    // Steps 200 | 350 | 450 | 575 end the runs: stops inside each run, at the
    // boundaries (the next run stops before its first step), and one before.
    check_resume(
        "protocol",
        &model,
        &[1, 137, 199, 200, 201, 333, 350, 351, 420, 450, 451, 574],
        &[],
    );
}

#[test]
fn checkpoint_of_a_finished_run_resumes_to_the_same_outputs() {
    let dir = temp_dir("finished");
    let model = root().join("examples/synapses.toml");
    let ck = dir.join("ck");
    let (code, out) = run(&model, &dir.join("a"), &["--checkpoint", s(&ck)]);
    assert_eq!(code, 0, "{out}");
    assert!(ck.is_file());
    let (code, out) = run(&model, &dir.join("b"), &["--resume", s(&ck)]);
    assert_eq!(code, 0, "{out}");
    assert_same_outputs(&dir.join("a"), &dir.join("b"), "finished");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seed_override_is_kept_and_checked() {
    let dir = temp_dir("seed");
    let model = root().join("examples/synapses.toml");
    let ck = dir.join("ck");
    let (code, out) = run(&model, &dir.join("whole"), &["--seed", "5"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(
        &model,
        &dir.join("a"),
        &["--seed", "5", "--stop-after-steps", "40", "--checkpoint", s(&ck)],
    );
    assert_eq!(code, 130, "{out}");
    // Without --seed the checkpoint's seed is used...
    let (code, out) = run(&model, &dir.join("b"), &["--resume", s(&ck)]);
    assert_eq!(code, 0, "{out}");
    assert_same_outputs(&dir.join("whole"), &dir.join("b"), "seed 5");
    // ... and another one is refused.
    let (code, out) = run(&model, &dir.join("c"), &["--resume", s(&ck), "--seed", "6"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--seed 6 differs from the seed the checkpoint was written with (5)"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn resume_with_another_model_file_is_an_error() {
    let dir = temp_dir("other-model");
    let model = root().join("examples/synapses.toml");
    let ck = dir.join("ck");
    let (code, out) = run(
        &model,
        &dir.join("a"),
        &["--stop-after-steps", "40", "--checkpoint", s(&ck)],
    );
    assert_eq!(code, 130, "{out}");
    // Another model, and the same model with one character changed.
    let edited = dir.join("edited.toml");
    let text = std::fs::read_to_string(&model).unwrap_or_default();
    std::fs::write(&edited, text.replace("N = 10", "N = 10 ")).unwrap_or_else(|e| panic!("{e}"));
    for other in [root().join("examples/cuba.toml"), edited] {
        let (code, out) = run(&other, &dir.join("b"), &["--resume", s(&ck)]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("error[checkpoint]"), "{out}");
        assert!(
            out.contains("the checkpoint was written by a run of another model file"),
            "{out}"
        );
        assert!(out.contains("examples/synapses.toml"), "{out}");
        assert!(!out.contains("panicked"), "{out}");
        assert!(!dir.join("b").join("summary.json").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_or_truncated_checkpoints_are_errors() {
    let dir = temp_dir("corrupt");
    let model = root().join("examples/synapses.toml");
    let ck = dir.join("ck");
    let (code, out) = run(
        &model,
        &dir.join("a"),
        &["--stop-after-steps", "40", "--checkpoint", s(&ck)],
    );
    assert_eq!(code, 130, "{out}");
    let bytes = std::fs::read(&ck).unwrap_or_default();
    assert!(bytes.len() > 100);
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 0x55;
    let mut bad_length = bytes.clone();
    bad_length[12] ^= 0x01;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            bytes[..bytes.len() - 7].to_vec(),
            "the checkpoint is truncated",
        ),
        ("header only", bytes[..10].to_vec(), "the checkpoint is truncated"),
        ("flipped", flipped, "the checkpoint is corrupt"),
        ("length", bad_length, "the checkpoint is"),
        ("empty", Vec::new(), "not a spikejit checkpoint"),
        (
            "text",
            b"[simulation]\nduration = \"1*ms\"\n".to_vec(),
            "not a spikejit checkpoint",
        ),
    ];
    for (what, content, expected) in cases {
        let bad = dir.join(format!("bad-{}", what.replace(' ', "-")));
        std::fs::write(&bad, content).unwrap_or_else(|e| panic!("{e}"));
        let (code, out) = run(&model, &dir.join("b"), &["--resume", s(&bad)]);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(out.contains("error[checkpoint]"), "{what}: {out}");
        assert!(out.contains(expected), "{what}: {out}");
        assert!(out.contains(s(&bad)), "{what}: {out}");
        assert!(!out.contains("panicked"), "{what}: {out}");
    }
    let (code, out) = run(&model, &dir.join("b"), &["--resume", s(&dir.join("missing"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cannot read the checkpoint"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `P.v[1]` grows as exp(t/1 ms) from 1 and overflows to inf near 710 ms;
/// `Q` fires at 10 ms and its reset `sqrt(-i)` makes NaN for i > 0.
const BLOW_UP: &str = r#"
[simulation]
duration = "1*second"

[[neurons]]
name = "P"
N = 3
model = "dv/dt = v/(1*ms) : 1"
init = { v = "i % 2" }

[[neurons]]
name = "Q"
N = 4
model = "dv/dt = 1/(10*ms) : 1"
threshold = "v > 1"
reset = "v = sqrt(-1.0*i)"

[[monitors]]
name = "mon"
kind = "state"
source = "P"
variables = ["v"]
record = [1]
"#;

fn blow_up_model(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let model = dir.join("blow_up.toml");
    std::fs::write(&model, BLOW_UP).unwrap_or_else(|e| panic!("{e}"));
    (dir, model)
}

/// Where `P.v[1]` first overflows: the first step after which v is infinite.
fn overflow_step() -> i64 {
    // The network's own trajectory: run step by step through the Rust API.
    use spikejit::sim::{NanCheck, NanMode, Network, NeuronGroup, Selection, Value};
    let mut net = Network::new();
    net.set_nan_check(NanCheck {
        mode: NanMode::Off,
        every: 1,
    });
    let g = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = v/(1*ms) : 1"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    net.set(g, "v", Value::Scalar(1.0), Selection::All)
        .unwrap_or_else(|e| panic!("{e:?}"));
    for step in 0..10_000 {
        net.run(1e-4).unwrap_or_else(|e| panic!("{e:?}"));
        let v = net.get(g, "v").unwrap_or_else(|e| panic!("{e:?}"))[0];
        if !v.is_finite() {
            return step;
        }
    }
    panic!("v never overflowed");
}

#[test]
fn non_finite_values_are_reported_with_variable_index_and_step() {
    let (dir, model) = blow_up_model("nan-warn");
    let step = overflow_step();
    assert!((7000..7200).contains(&step), "{step}");

    // Default: every 100 steps, warnings, exit 0. The reset's NaN is found
    // where it is stored, at its step and with its statement; the integrated
    // infinity by the periodic check, with its equation.
    let o = spikejit(&["run", s(&model), "--out", s(&dir.join("a")), "-q"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    let q = "warning[non-finite]: neurons 'Q'.v[1] is NaN at t = 9.9 ms (step 99)\n";
    let at = |line: usize, col: usize| format!("--> {}:{line}:{col}\n", model.display());
    assert!(err.contains(&format!("{q}   {}", at(16, 10))), "{err}");
    assert!(err.contains("^^^^^^^^^^^^^^^^ stored by this statement"), "{err}");
    let lo = step / 100 * 100;
    let window = format!(
        "warning[non-finite]: neurons 'P'.v[1] is inf between step {lo} (t = {} ms) and step {} (t = {} ms)",
        lo / 10,
        lo + 99,
        f64::from((lo + 99) as i32) / 10.0
    );
    assert!(
        err.contains(&format!("{window}\n  {}", at(8, 10))),
        "{err}\nexpected: {window}"
    );
    assert!(err.contains("made by this equation"), "{err}");
    assert_eq!(
        err.matches("warning[non-finite]").count(),
        2,
        "once per variable: {err}"
    );
    let sum = summary(&dir.join("a"));
    let found = sum["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(found.len(), 2, "{sum}");
    assert_eq!(found[1]["fault"], "non-finite");
    assert_eq!(found[1]["object"], "P");
    assert_eq!(found[1]["variable"], "v");
    assert_eq!(found[1]["index"], 1);
    assert_eq!(found[1]["value"], "inf");
    assert_eq!(found[1]["step"], lo + 99);
    assert_eq!(found[1]["first_step"], lo);
    assert_eq!(found[1]["statement"]["code"], "dv/dt = v/(1*ms) : 1");
    assert_eq!(found[1]["statement"]["line"], 8);
    assert_eq!(found[0]["value"], "NaN");
    assert_eq!(found[0]["step"], 99);
    assert_eq!(found[0]["first_step"], 99);
    assert_eq!(found[0]["statement"]["code"], "v = sqrt(-1.0*i)");
    assert_eq!(found[0]["statement"]["column"], 10);

    // Every step: the exact step.
    let o = spikejit(&[
        "run",
        s(&model),
        "--out",
        s(&dir.join("b")),
        "-q",
        "--nan-check-every",
        "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning[non-finite]: neurons 'Q'.v[1] is NaN at t = 9.9 ms (step 99)"),
        "{err}"
    );
    let exact = format!(
        "warning[non-finite]: neurons 'P'.v[1] is inf at t = {} ms (step {step})",
        f64::from(step as i32) / 10.0
    );
    assert!(err.contains(&exact), "{err}\nexpected: {exact}");

    // Off: nothing.
    let o = spikejit(&["run", s(&model), "--out", s(&dir.join("c")), "-q", "--nan=off"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(summary(&dir.join("c"))["findings"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nan_error_stops_with_exit_1_and_writes_the_outputs() {
    let (dir, model) = blow_up_model("nan-error");
    let out = dir.join("out");
    let o = spikejit(&[
        "run",
        s(&model),
        "--out",
        s(&out),
        "--nan=error",
        "--nan-check-every",
        "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[non-finite]: neurons 'Q'.v[1] is NaN at t = 9.9 ms (step 99)"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
    // What was recorded until then is written: 100 steps.
    assert!(out.join("mon.npz").is_file());
    let sum = summary(&out);
    assert_eq!(sum["steps"], 100, "{sum}");
    assert_eq!(sum["interrupted"], true, "{sum}");
    assert_eq!(sum["findings"][0]["object"], "Q", "{sum}");

    // With the default every-100-steps check the reset's NaN is found where it
    // is stored too: at step 99, with the reset.
    let o = spikejit(&["run", s(&model), "--out", s(&dir.join("d")), "--nan", "error"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[non-finite]: neurons 'Q'.v[1] is NaN at t = 9.9 ms (step 99)"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {}:16:10", model.display())), "{err}");

    // The integrated infinity of P stops the run (with Q's reset made harmless).
    let finite = dir.join("finite_reset.toml");
    let text = BLOW_UP.replace("v = sqrt(-1.0*i)", "v = 0");
    std::fs::write(&finite, text).unwrap_or_else(|e| panic!("{e}"));
    let o = spikejit(&["run", s(&finite), "--out", s(&dir.join("f")), "--nan", "error"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[non-finite]: neurons 'P'.v[1] is inf between step"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {}:8:10", finite.display())), "{err}");
    assert!(err.contains("made by this equation"), "{err}");

    // A bad --nan value or check interval is a usage error.
    for bad in [&["--nan", "maybe"][..], &["--nan-check-every", "0"][..]] {
        let o = spikejit(&[&["run", s(&model), "--out", s(&dir.join("e"))][..], bad].concat());
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_finite_findings_survive_a_checkpoint() {
    let (dir, model) = blow_up_model("nan-resume");
    let (code, out) = run(&model, &dir.join("whole"), &["--nan-check-every", "7"]);
    assert_eq!(code, 0, "{out}");
    let ck = dir.join("ck");
    // Stopped between two checks (the findings before and the range after).
    for k in ["50", "7050"] {
        let (code, out) = run(
            &model,
            &dir.join("a"),
            &[
                "--nan-check-every",
                "7",
                "--stop-after-steps",
                k,
                "--checkpoint",
                s(&ck),
            ],
        );
        assert_eq!(code, 130, "{out}");
        let (code, out) = run(&model, &dir.join("b"), &["--nan-check-every", "7", "--resume", s(&ck)]);
        assert_eq!(code, 0, "{out}");
        assert_same_outputs(
            &dir.join("whole"),
            &dir.join("b"),
            &format!("non-finite, stopped at {k}"),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Rust API: a checkpoint in memory, between two networks built alike.
#[test]
fn api_checkpoint_continues_a_stopped_run() {
    use spikejit::sim::{
        Checkpoint, Connect, Network, NeuronGroup, RunControl, Selection, SpikeMonitor, Synapses, Value,
    };
    let build = || -> Result<_, spikejit::diag::Errors> {
        let mut net = Network::new();
        net.set_seed(11);
        let g = net.add_neurons(
            NeuronGroup::new(50, "dv/dt = (1.1 - v)/(10*ms) : 1")
                .threshold("v > 1")
                .reset("v = rand()*0.5"),
        )?;
        net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
        let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w"))?;
        net.connect(s, Connect::p(0.2))?;
        net.set(s, "w", Value::Expr("0.05*rand()".into()), Selection::All)?;
        net.set(s, "delay", Value::Expr("rand()*5*ms".into()), Selection::All)?;
        let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
        Ok((net, m))
    };
    let (mut whole, m) = build().unwrap_or_else(|e| panic!("{e:?}"));
    whole.run(0.1).unwrap_or_else(|e| panic!("{e:?}"));
    let (mut first, _) = build().unwrap_or_else(|e| panic!("{e:?}"));
    first.set_control(RunControl {
        max_steps: Some(321),
        ..RunControl::default()
    });
    first.run(0.1).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(first.interrupted());
    let bytes = first.checkpoint().to_bytes();
    let ck = Checkpoint::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(ck.run_left().is_some_and(|left| (left - (0.1 - 0.0321)).abs() < 1e-12));
    let (mut second, _) = build().unwrap_or_else(|e| panic!("{e:?}"));
    second.restore_checkpoint(ck).unwrap_or_else(|e| panic!("{e:?}"));
    second.continue_run().unwrap_or_else(|e| panic!("{e:?}"));
    let (a, b) = (whole.spike_monitor(m), second.spike_monitor(m));
    let (a, b) = (
        a.unwrap_or_else(|| panic!("monitor")),
        b.unwrap_or_else(|| panic!("monitor")),
    );
    assert!(a.i.len() > 50, "{}", a.i.len());
    assert_eq!((a.i, a.t, a.count), (b.i, b.t, b.count));
    assert_eq!(whole.stats().steps, second.stats().steps);
    assert!(second.continue_run().is_err(), "nothing left to continue");

    // A network built otherwise refuses the checkpoint and keeps its state.
    let mut other = Network::new();
    other
        .add_neurons(NeuronGroup::new(49, "dv/dt = (1.1 - v)/(10*ms) : 1"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let e = other
        .restore_checkpoint(Checkpoint::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e:?}")))
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert!(
        e.0[0].message.contains("the checkpoint is of another network"),
        "{:?}",
        e.0[0].message
    );
    assert_eq!(other.t(), 0.0);
}
