//! The `spikejit` command line: model-file errors (file, line, column, caret),
//! exit codes, and the outputs of a small run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn write_model(tag: &str, text: &str) -> PathBuf {
    let p = temp_dir(tag).join("model.toml");
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

fn spikejit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("spikejit runs")
}

fn check(path: &Path) -> (i32, String) {
    let o = spikejit(&["check", path.to_str().unwrap_or_default()]);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `--> file:line:col` location codespan prints.
fn loc(path: &Path, line: usize, col: usize) -> String {
    format!("{}:{line}:{col}", path.display())
}

const GROUP: &str = r#"
[[neurons]]
name = "G"
N = 3
model = "dv/dt = -v/tau : volt"
"#;

#[test]
fn unknown_key_is_named_with_its_position() {
    let p = write_model(
        "unknown",
        &format!("[simulation]\nduration = \"1*ms\"\ndurration = \"2*ms\"\n[constants]\ntau = \"10*ms\"\n{GROUP}"),
    );
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("simulation: unknown key 'durration'"), "{err}");
    assert!(err.contains(&loc(&p, 3, 1)), "{err}");
    assert!(err.contains("did you mean 'duration'?"), "{err}");
    assert!(err.contains("^^^^^^^^^"), "{err}");
}

#[test]
fn wrong_type_names_the_key() {
    let p = write_model(
        "type",
        "[simulation]\nduration = \"1*ms\"\n[[neurons]]\nname = \"G\"\nN = \"3\"\nmodel = 5\n",
    );
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("neurons 'G'.model: expected a string, got an integer 5"),
        "{err}"
    );
    assert!(err.contains(&loc(&p, 6, 9)), "{err}");
}

#[test]
fn missing_duration() {
    let p = write_model(
        "duration",
        &format!("[simulation]\ndt = \"0.1*ms\"\n[constants]\ntau = \"10*ms\"\n{GROUP}"),
    );
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("simulation: missing key 'duration'"), "{err}");
}

#[test]
fn duplicate_name() {
    let p = write_model(
        "dup",
        &format!(
            "[simulation]\nduration = \"1*ms\"\n[constants]\ntau = \"10*ms\"\n{GROUP}\n[[monitors]]\nname = \"G\"\nkind = \"spike\"\nsource = \"G\"\n"
        ),
    );
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the name 'G' is already used by neurons 'G'"), "{err}");
    assert!(err.contains("first used here"), "{err}");
}

#[test]
fn not_supported_yet_is_an_error() {
    let text = format!(
        "[simulation]\nduration = \"1*ms\"\n[constants]\ntau = \"10*ms\"\n{GROUP}\n[[neurons]]\nname = \"H\"\nN = 1\nmodel = \"dx/dt = -x/tau : 1\"\nmethod = \"gsl\"\n"
    );
    let p = write_model("unsupported", &text);
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is not supported yet by spikejit"), "{err}");
    let line = text.lines().position(|l| l.contains("gsl")).map_or(0, |k| k + 1);
    assert!(err.contains(&loc(&p, line, 11)), "{err}");
}

#[test]
fn toml_syntax_error() {
    let p = write_model("syntax", "[simulation\nduration = \"1*ms\"\n");
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
    assert!(err.contains(&loc(&p, 1, 12)), "{err}");
}

#[test]
fn unit_mismatch_in_a_model_string_points_into_the_file() {
    // `dv/dt = -v : volt` is volt = volt/second: the error is on line 7 of the
    // file, inside the multi-line string
    let text =
        "[simulation]\nduration = \"1*ms\"\n\n[[neurons]]\nname = \"G\"\nN = 3\nmodel = '''\ndv/dt = -v : volt\n'''\n";
    let p = write_model("units", text);
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[unit-mismatch]"), "{err}");
    assert!(err.contains(&loc(&p, 8, 9)), "{err}");
    // the offending line of the file, with a caret under `-v`
    assert!(err.contains("8 | dv/dt = -v : volt"), "{err}");
    assert!(err.contains("|         ^^"), "{err}");
}

#[test]
fn missing_file_and_usage_errors() {
    let (code, err) = check(Path::new("/nonexistent/model.toml"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read"), "{err}");
    // clap: a usage error is exit code 2
    let o = spikejit(&["run", "model.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = spikejit(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = spikejit(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
    for sub in ["run", "check"] {
        let o = spikejit(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0));
    }
}

#[test]
fn run_writes_outputs() {
    let text = r#"
[simulation]
dt = "0.1*ms"
duration = "5*ms"

[constants]
tau = "10*ms"

[[neurons]]
name = "G"
N = 4
model = '''
dv/dt = (I - v)/tau : 1
I : 1
'''
threshold = "v > 1"
reset = "v = 0"
refractory = "1*ms"
method = "exact"
init = { I = [20.0, 0.0, 30.0, 0.0], v = "0.1*i" }

[[synapses]]
name = "S"
source = "G[0:2]"
target = "G"
model = "w : 1"
on_pre = "v_post += w"
delay = "0.5*ms"
connect = [ { i = [0, 1], j = [1, 3] } ]
init = { w = 0.5 }

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"

[[monitors]]
name = "trace"
kind = "state"
source = "G"
variables = ["v"]
record = [0, 1]
"#;
    let p = write_model("run", text);
    let out = p.parent().map(|d| d.join("out")).unwrap_or_default();
    let o = spikejit(&[
        "run",
        p.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--dump-state",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("spikes"));
    for f in ["spikes.npz", "trace.npz", "summary.json", "state/G.npz", "state/S.npz"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap_or_default();
    assert_eq!(v["synapse_counts"]["S"], 2, "{summary}");
    assert!(v["spike_counts"]["G"].as_u64().is_some_and(|n| n > 0), "{summary}");
    for k in ["parse_seconds", "compile_seconds", "run_seconds"] {
        assert!(v[k].as_f64().is_some(), "{k}: {summary}");
    }
    use ndarray_npy::NpzReader;
    let mut r = NpzReader::new(std::fs::File::open(out.join("trace.npz")).expect("trace.npz")).expect("npz");
    let vt: ndarray::Array2<f64> = r.by_name("v.npy").expect("v");
    assert_eq!(vt.shape(), &[2, 50]);
    let mut r = NpzReader::new(std::fs::File::open(out.join("state/G.npz")).expect("G.npz")).expect("npz");
    let nr: ndarray::Array1<bool> = r.by_name("not_refractory.npy").expect("not_refractory is bool");
    assert_eq!(nr.len(), 4);
    let mut r = NpzReader::new(std::fs::File::open(out.join("state/S.npz")).expect("S.npz")).expect("npz");
    let d: ndarray::Array0<f64> = r.by_name("pre.delay.npy").expect("a scalar delay is 0-d");
    assert!((d[()] - 0.5e-3).abs() < 1e-15, "{d}");
    let i: ndarray::Array1<i32> = r.by_name("i.npy").expect("i");
    assert_eq!(i.to_vec(), [0, 1]);
}

#[test]
fn generators_poisson_and_rate_monitors() {
    let text = r#"
[simulation]
duration = "20*ms"
seed = 3

[[spike_generators]]
name = "inp"
N = 3
indices = [0, 1, 2, 0]
times = ["1*ms", "2*ms", 0.003, "10*ms"]
period = "15*ms"

[[poisson]]
name = "noise"
N = 20
rates = "100*Hz"

[[monitors]]
name = "gen"
kind = "spike"
source = "inp"

[[monitors]]
name = "rate"
kind = "rate"
source = "noise"
"#;
    let p = write_model("generators", text);
    let out = p.parent().map(|d| d.join("out")).unwrap_or_default();
    let o = spikejit(&[
        "run",
        p.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    use ndarray_npy::NpzReader;
    let mut r = NpzReader::new(std::fs::File::open(out.join("gen.npz")).expect("gen.npz")).expect("npz");
    let i: ndarray::Array1<i32> = r.by_name("i.npy").expect("i");
    // 4 spikes, then the first 3 again after the 15 ms period
    assert_eq!(i.to_vec(), [0, 1, 2, 0, 0, 1, 2]);
    let mut r = NpzReader::new(std::fs::File::open(out.join("rate.npz")).expect("rate.npz")).expect("npz");
    let rate: ndarray::Array1<f64> = r.by_name("rate.npy").expect("rate");
    assert_eq!(rate.len(), 200);
    // a spike generator cannot be sliced
    let p = write_model(
        "generator-slice",
        &format!("{text}\n[[monitors]]\nname = \"m\"\nkind = \"spike\"\nsource = \"inp[0:2]\"\n"),
    );
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("'inp' is a spike generator, which cannot be sliced"),
        "{err}"
    );
}

#[test]
fn timed_arrays_poisson_inputs_and_run_regularly() {
    let text = r#"
[simulation]
duration = "30*ms"

[[timed_arrays]]
name = "stim"
values = [[0.0, 1.0], [2.0, 3.0]]
unit = "mV"
dt = "10*ms"

[[neurons]]
name = "G"
N = 2
model = """
dv/dt = -v/(10*ms) : volt
x : volt
c : 1
"""
run_regularly = [ { code = "x = stim(t, i)", dt = "1*ms" }, { code = "c += 1", dt = "2*ms", when = "end" } ]

[[poisson_inputs]]
name = "ext"
target = "G[1:2]"
target_var = "v"
N = 10
rate = "100*Hz"
weight = "0.1*mV"
"#;
    let p = write_model("inputs", text);
    let out = p.parent().map(|d| d.join("out")).unwrap_or_default();
    let o = spikejit(&[
        "run",
        p.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--dump-state",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    use ndarray_npy::NpzReader;
    let mut r = NpzReader::new(std::fs::File::open(out.join("state/G.npz")).expect("G.npz")).expect("npz");
    let x: ndarray::Array1<f64> = r.by_name("x.npy").expect("x");
    assert_eq!(x.to_vec(), [2e-3, 3e-3]);
    let c: ndarray::Array1<f64> = r.by_name("c.npy").expect("c");
    assert_eq!(c.to_vec(), [15.0, 15.0]);
    let v: ndarray::Array1<f64> = r.by_name("v.npy").expect("v");
    assert_eq!(v[0], 0.0);
    assert!(v[1] > 0.0, "{v}");
    // timed-array values as an expression: one value per entry, a 1-D table
    let p = write_model(
        "inputs-expr",
        &text
            .replace("values = [[0.0, 1.0], [2.0, 3.0]]", "values = \"2 + i\"\nlength = 5")
            .replace("x = stim(t, i)", "x = stim(t)"),
    );
    let o = spikejit(&[
        "run",
        p.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--dump-state",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = NpzReader::new(std::fs::File::open(out.join("state/G.npz")).expect("G.npz")).expect("npz");
    let x: ndarray::Array1<f64> = r.by_name("x.npy").expect("x");
    // t = 29 ms at the last update: entry 2, value (2 + 2) mV
    assert!((x[0] - 4e-3).abs() < 1e-15 && (x[1] - 4e-3).abs() < 1e-15, "{x}");
}

#[test]
fn events_event_monitors_and_store_restore() {
    let text = r#"
[simulation]
dt = "0.1*ms"

[[neurons]]
name = "D"
N = 2
model = """
dv/dt = rate : 1
rate : Hz
c : 1
"""
threshold = "v > 1"
reset = "v = 0"
method = "euler"
events = { up = "v > 0.5" }
run_on_event = { up = "c += 1" }
init = { rate = [1000.0, 500.0] }

[[monitors]]
name = "ev"
kind = "event"
source = "D"
event = "up"
variables = ["v", "c"]

[[protocol]]
op = "store"
name = "start"

[[protocol]]
op = "run"
duration = "5*ms"

[[protocol]]
op = "restore"
name = "start"

[[protocol]]
op = "run"
duration = "3*ms"
"#;
    let p = write_model("events", text);
    let out = p.parent().map(|d| d.join("out")).unwrap_or_default();
    let o = spikejit(&[
        "run",
        p.to_str().unwrap_or_default(),
        "--out",
        out.to_str().unwrap_or_default(),
        "--dump-state",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    use ndarray_npy::NpzReader;
    let mut r = NpzReader::new(std::fs::File::open(out.join("ev.npz")).expect("ev.npz")).expect("npz");
    let t: ndarray::Array1<f64> = r.by_name("t.npy").expect("t");
    // the run after the restore starts again at t = 0 and lasts 3 ms
    assert!(!t.is_empty() && t.iter().all(|&x| x < 3e-3), "{t}");
    let count: ndarray::Array1<i32> = r.by_name("count.npy").expect("count");
    assert_eq!(count.sum() as usize, t.len());
    let v: ndarray::Array1<f64> = r.by_name("v.npy").expect("v recorded at each event");
    assert_eq!(v.len(), t.len());
    assert!(v.iter().all(|&x| x > 0.5), "{v}");
    // 'spike' is the threshold's event
    let bad = text.replace("events = { up", "events = { spike = \"v > 0.2\", up");
    let p = write_model("events-bad", &bad);
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("'spike' is the event of the threshold"), "{err}");
    // restoring a name never stored is an error found by `check`
    let bad = text.replacen("name = \"start\"", "name = \"other\"", 1);
    let p = write_model("events-restore", &bad);
    let (code, err) = check(&p);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was stored under the name 'start'"), "{err}");
}

/// `spikejit bench --dry-run`: each repetition runs every model's spikejit runs
/// then its Brian2 runs, rather than all of one side then all of the other.
#[test]
fn bench_dry_run_alternates_spikejit_and_brian2() {
    // `DEVICES` picks Brian2's devices, as bench/brian2/run.sh reads it
    let dry_run = |devices: Option<&str>, args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spikejit"));
        c.arg("bench").args(args).arg("--dry-run").env("NO_COLOR", "1");
        match devices {
            Some(d) => c.env("DEVICES", d),
            None => c.env_remove("DEVICES"),
        };
        c.output().expect("spikejit runs")
    };
    let o = dry_run(
        None,
        &["cuba_4000", "stdp", "--reps", "2", "--threads", "1,2", "--compare"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let steps: Vec<&str> = out.lines().skip(1).collect();
    let mut want = Vec::new();
    for rep in 1..=2 {
        for (name, brian2) in [("cuba_4000", "cuba:4000"), ("stdp", "stdp:1000")] {
            // each thread count on both sides; cython and numpy on one thread, once
            want.push(format!("rep {rep}: spikejit {name} --threads 1"));
            want.push(format!(
                "rep {rep}: brian2 {brian2} cpp_standalone (1 thread, no OpenMP), cython (1 thread), numpy (1 thread) (bench/brian2/run.sh)"
            ));
            want.push(format!("rep {rep}: spikejit {name} --threads 2"));
            want.push(format!(
                "rep {rep}: brian2 {brian2} cpp_standalone (2 OpenMP threads) (bench/brian2/run.sh)"
            ));
        }
    }
    want.push(
        "(bench/brian2/run.sh runs cython and numpy on its SLOW configurations, by default cuba:256000, \
         stdp:1000 and compartmental_net:16, in the first REPS_SLOW repetitions only, by default 1)"
            .to_string(),
    );
    assert_eq!(steps, want, "{out}");
    assert!(out.starts_with("spikejit bench --dry-run: 16 steps"), "{out}");
    // cpp_standalone alone, two threads only
    let o = dry_run(
        Some("cpp_standalone"),
        &["cuba_64000", "--reps", "1", "--threads", "2", "--compare"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        vec![
            "rep 1: spikejit cuba_64000 --threads 2",
            "rep 1: brian2 cuba:64000 cpp_standalone (2 OpenMP threads) (bench/brian2/run.sh)"
        ],
        "{out}"
    );
    // an unknown device; a thread count of 0
    let o = dry_run(Some("cpp numpy"), &["stdp", "--compare"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("DEVICES: unknown Brian2 device 'cpp'"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = dry_run(None, &["stdp", "--threads", "0,1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a thread count must be 1 or more"));
    // without --compare: spikejit alone
    let o = spikejit(&["bench", "stdp", "--reps", "2", "--dry-run"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("brian2"));
    // a threshold that is no number of cores
    let o = spikejit(&["bench", "stdp", "--busy-threshold=-1", "--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--busy-threshold must be a number of cores"));
}

/// A `spikejit.json` with one STDP run beside `other_cores` of other load.
fn bench_json(other_cores: f64) -> String {
    let stat = r#"{"median":0.5,"min":0.5,"max":0.5}"#;
    let busy = other_cores - 0.03 > 0.2;
    format!(
        r#"{{"spikejit_version":"0.1.0","machine":{{"cpu":"test","cores":2,"memory_gib":1.0,"os":"linux",
"date":"2026-12-07 00:00 UTC","load_start":0.1,"load_end":0.1}},"command":"spikejit bench stdp","busy_threshold_cores":0.2,
"results":[{{"name":"stdp","model":"stdp","N":1000,"threads":1,"reps":1,"synapses":1000,"spikes":10,
"synaptic_events":100,"duration":10.0,"parse_s":{stat},"jit_s":{stat},"connect_s":{stat},"build_s":{stat},
"run_s":{stat},"total_s":{stat},"peak_memory_bytes":{stat},"events_per_s":200.0,"kernels":[],
"runs":[{{"rep":0,"total_s":1.0,"run_s":0.5,"busy":{busy},"load":{{"wall_s":1.0,"machine_cpu_s":{m},
"own_cpu_s":1.0,"other_cpu_s":{other_cores},"other_cores":{other_cores},"load1_before":0.5,"load1_after":0.6}}}}]}}]}}"#,
        m = 1.0 + other_cores
    )
}

/// The comparison report is refused when a run was busy, written with a
/// warning under --allow-busy, and written plainly on a quiet machine.
#[test]
fn bench_report_refuses_busy_runs_unless_allowed() {
    let dir = temp_dir("bench-busy");
    let out = dir.to_str().unwrap_or_default();
    let report = dir.join("report.md");
    let report_s = report.to_str().unwrap_or_default();
    let write = |text: String| std::fs::write(dir.join("spikejit.json"), text).expect("write spikejit.json");
    write(bench_json(0.8));
    let o = spikejit(&["bench", "--report-only", "--out", out, "--report", report_s]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("stdp (N = 1000): 1 of 1 spikejit runs"), "{err}");
    assert!(err.contains("not written: the machine was busy"), "{err}");
    assert!(err.contains("--report-only --allow-busy"), "{err}");
    assert!(!report.exists());

    let o = spikejit(&[
        "bench",
        "--report-only",
        "--allow-busy",
        "--out",
        out,
        "--report",
        report_s,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(md.contains("**Warning: the machine was busy.** 1 of 1 runs"), "{md}");
    assert!(md.contains("| stdp ⚠ busy | 1000 |"), "{md}");
    // a higher threshold: the same run is quiet
    let o = spikejit(&[
        "bench",
        "--report-only",
        "--busy-threshold",
        "1",
        "--out",
        out,
        "--report",
        report_s,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    write(bench_json(0.05));
    let o = spikejit(&["bench", "--report-only", "--out", out, "--report", report_s]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(!md.contains('⚠') && md.contains("| 0.05 |"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `spikejit bench --probe` measures the machine (one thread here, to keep
/// the test short), prints its tables and writes DIR/probe.json; it runs no
/// model, so model names and the comparison's options are refused with it.
#[test]
fn bench_probe_prints_and_writes_the_machines_limits() {
    let dir = temp_dir("bench-probe");
    let out = dir.to_str().unwrap_or_default();
    let o = spikejit(&["bench", "--probe", "--threads", "1", "--out", out]);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    for needle in [
        "| CUBA-4000's state | 129 KiB |",
        "| DRAM |",
        "| copy | scale | add | triad | update |",
        "| instructions | 1 thread |",
        "x ← exp(-x) (latency)",
        "Other load beside the probe",
    ] {
        assert!(stdout.contains(needle), "{needle} not in\n{stdout}");
    }
    assert!(!stdout.contains("2 threads"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("probe.json")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("probe.json: {e}"));
    // four working sets by five kernels, each with a rate
    let bw = json["bandwidth"].as_array().map_or(0, |b| b.len());
    assert_eq!(bw, 20, "{json}");
    assert!(
        json["bandwidth"][0]["gb_per_s"].as_f64().is_some_and(|x| x > 0.0),
        "{json}"
    );
    assert_eq!(json["exp"].as_array().map(|e| e.len()), Some(2), "{json}");
    assert!(
        json["byte_counting"]
            .as_str()
            .is_some_and(|s| s.contains("write-allocate"))
    );
    for args in [
        &["bench", "--probe", "stdp"][..],
        &["bench", "--probe", "--compare"],
        &["bench", "--probe", "--reps", "2"],
    ] {
        let o = spikejit(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("cannot be used with"),
            "{args:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
