//! The run-time checks on small models: integer division and modulo by zero,
//! 32-bit overflow, an invalid conversion and a NaN stored by a reset, a
//! division by zero in a threshold and in a pathway. Each is found at its step,
//! for its element, with the statement's line and column, through the CLI (in
//! warn and error mode: stderr, exit code, summary.json) and the Rust API.

use std::path::{Path, PathBuf};
use std::process::Command;

use spikejit::sim::{Fault, Finding, NanCheck, NanMode};

/// Three neurons spiking together every 5 steps (steps 4, 9, 14, ...), `n`
/// starting at `i + 1` and `m` at 0; THRESHOLD and RESET are filled in. The
/// reset's second statement is at line 16, column 1; the threshold's text
/// starts at line 13, column 14.
const MODEL: &str = r#"# integer faults in a reset
[simulation]
duration = "2*ms"

[[neurons]]
name = "G"
N = 3
model = '''
dv/dt = 1/(1*ms) : 1
n : integer
m : integer
'''
threshold = "THRESHOLD"
reset = '''
v = 0
RESET
'''
init = { n = "i + 1" }

[[synapses]]
name = "S"
source = "G"
target = "G"
model = "k : integer"
on_pre = "ON_PRE"
connect = [ { i = [1], j = [2] } ]
"#;

/// One model and what its checks must find.
struct Case {
    threshold: &'static str,
    reset: &'static str,
    on_pre: &'static str,
    fault: Fault,
    /// `kind 'object'.variable[index]` as the message starts.
    place: &'static str,
    step: i64,
    /// A phrase of the message after the place.
    phrase: &'static str,
    line: usize,
    column: usize,
    label: &'static str,
}

const CASES: &[Case] = &[
    Case {
        threshold: "v > 0.45",
        reset: "n = n // m",
        on_pre: "k = 1",
        fault: Fault::DivisionByZero,
        place: "neurons 'G'.n[0]",
        step: 4,
        phrase: "integer division by zero: 1 // 0 is taken as 0 at t = 0.4 ms (step 4)",
        line: 16,
        column: 1,
        label: "in this statement",
    },
    Case {
        threshold: "v > 0.45",
        reset: "n = n % 0",
        on_pre: "k = 1",
        fault: Fault::ModuloByZero,
        place: "neurons 'G'.n[0]",
        step: 4,
        phrase: "integer modulo by zero: 1 % 0 is taken as 0 at t = 0.4 ms (step 4)",
        line: 16,
        column: 1,
        label: "in this statement",
    },
    Case {
        threshold: "v > 0.45",
        reset: "n = n*1000 + 1",
        on_pre: "k = 1",
        fault: Fault::Overflow,
        // n[2]: 3, 3001, 3001001, then 3001001001 at the third spike.
        place: "neurons 'G'.n[2]",
        step: 14,
        phrase: "integer overflow: 3001001001 does not fit in the 32 bits of 'n' and wraps to -1293966295 at t = 1.4 ms (step 14)",
        line: 16,
        column: 1,
        label: "in this statement",
    },
    Case {
        threshold: "v > 0.45",
        reset: "v = 1/(v - v)",
        on_pre: "k = 1",
        fault: Fault::NonFinite,
        place: "neurons 'G'.v[0]",
        step: 4,
        phrase: "is inf at t = 0.4 ms (step 4)",
        line: 16,
        column: 1,
        label: "stored by this statement",
    },
    Case {
        threshold: "v > 0.45",
        reset: "n = int(v/(v - v))",
        on_pre: "k = 1",
        fault: Fault::InvalidConversion,
        place: "neurons 'G'.n[0]",
        step: 4,
        phrase: "NaN converted to an integer gives 0 at t = 0.4 ms (step 4)",
        line: 16,
        column: 1,
        label: "in this statement",
    },
    Case {
        threshold: "v > 0.45 and n // m >= 0",
        reset: "n = n",
        on_pre: "k = 1",
        fault: Fault::DivisionByZero,
        // A condition assigns nothing: no variable.
        place: "neurons 'G'[0]",
        step: 0,
        phrase: "integer division by zero: 1 // 0 is taken as 0 at t = 0 ms (step 0)",
        line: 13,
        column: 14,
        label: "in this condition",
    },
    Case {
        threshold: "v > 0.45",
        reset: "n = n",
        on_pre: "n_post = n_post // k",
        fault: Fault::DivisionByZero,
        place: "synapses 'S'.n_post[0] (i = 1, j = 2)",
        step: 4,
        phrase: "integer division by zero: 3 // 0 is taken as 0 at t = 0.4 ms (step 4)",
        line: 25,
        column: 11,
        label: "in this statement",
    },
];

fn model_text(c: &Case) -> String {
    MODEL
        .replace("THRESHOLD", c.threshold)
        .replace("RESET", c.reset)
        .replace("ON_PRE", c.on_pre)
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-run-faults-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

fn spikejit(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("spikejit runs");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn summary(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// What is wrong with the CLI's report of case `c` in `mode` (empty: nothing).
fn cli_problems(c: &Case, file: &Path, out: &Path, mode: &str) -> Vec<String> {
    let f = file.to_string_lossy();
    let o = out.to_string_lossy();
    let (code, stderr) = spikejit(&["run", &f, "--out", &o, "-q", "--nan", mode]);
    let mut p = Vec::new();
    let error = mode == "error";
    if code != Some(if error { 1 } else { 0 }) {
        p.push(format!("exit code {code:?}"));
    }
    if stderr.contains("panicked") {
        p.push("panicked".into());
    }
    let sep = if c.fault == Fault::NonFinite { " " } else { ": " };
    let head = format!(
        "{}[{}]: {}{sep}{}",
        if error { "error" } else { "warning" },
        c.fault.code(),
        c.place,
        c.phrase
    );
    if stderr.lines().next() != Some(head.as_str()) {
        p.push(format!("the first line is not {head:?}"));
    }
    let at = format!("--> {f}:{}:{}", c.line, c.column);
    if stderr
        .lines()
        .find(|l| l.trim_start().starts_with("--> "))
        .map(str::trim)
        != Some(at.as_str())
    {
        p.push(format!("no {at:?}"));
    }
    if !stderr.contains(c.label) {
        p.push(format!("no label {:?}", c.label));
    }
    // Once per variable and kind: the faults repeat at every spike.
    if stderr.matches(c.fault.code()).count() != 1 {
        p.push("reported more than once".into());
    }
    let sum = summary(out);
    let found = &sum["findings"][0];
    if found["fault"] != c.fault.code() || found["step"] != c.step {
        p.push(format!("summary.json: {found}"));
    }
    if found["statement"]["line"] != c.line || found["statement"]["column"] != c.column {
        p.push(format!("summary.json statement: {}", found["statement"]));
    }
    // Error mode stops at the end of the step; warn mode runs on.
    let steps = if error { c.step + 1 } else { 20 };
    if sum["steps"] != steps || sum["interrupted"] != error {
        p.push(format!("steps {} interrupted {}", sum["steps"], sum["interrupted"]));
    }
    if !p.is_empty() {
        p.push(stderr);
    }
    p
}

#[test]
fn integer_faults_and_stored_nan_through_the_cli() {
    let dir = temp_dir();
    let mut failures = Vec::new();
    for (k, c) in CASES.iter().enumerate() {
        let file = dir.join(format!("case{k}.toml"));
        std::fs::write(&file, model_text(c)).unwrap_or_else(|e| panic!("{e}"));
        for mode in ["warn", "error"] {
            let out = dir.join(format!("out{k}{mode}"));
            let p = cli_problems(c, &file, &out, mode);
            if !p.is_empty() {
                failures.push(format!("{} ({mode}):\n{}", c.reset, p.join("\n")));
            }
        }
        // Off: no checks, nothing said.
        let out = dir.join(format!("out{k}off"));
        let (code, stderr) = spikejit(&[
            "run",
            &file.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "-q",
            "--nan=off",
        ]);
        if code != Some(0) || !stderr.is_empty() || summary(&out)["findings"] != serde_json::json!([]) {
            failures.push(format!("{} (off): {code:?} {stderr}", c.reset));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The same models through the Rust API: the findings, with every field.
#[test]
fn integer_faults_and_stored_nan_through_the_api() {
    for c in CASES {
        for mode in [NanMode::Warn, NanMode::Error] {
            let model = spikejit::io::parse_model("faults.toml", model_text(c)).unwrap_or_else(|e| panic!("{e:?}"));
            let (mut net, _) =
                spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
            net.set_nan_check(NanCheck { mode, every: 100 });
            let r = net.run(0.002);
            let found: &Finding = net
                .findings()
                .first()
                .unwrap_or_else(|| panic!("{}: nothing found", c.reset));
            assert_eq!(found.fault, c.fault, "{}", c.reset);
            assert!(found.message().starts_with(c.place), "{}", found.message());
            assert!(found.message().ends_with(c.phrase), "{}", found.message());
            assert_eq!((found.step, found.first_step), (c.step, c.step), "{}", c.reset);
            let s = found
                .statement
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no statement", c.reset));
            assert_eq!((s.line, s.column, s.file.as_str()), (c.line, c.column, "faults.toml"));
            let text = [c.reset, c.threshold, c.on_pre];
            assert!(text.contains(&s.code.as_str()), "{}: statement {:?}", c.reset, s.code);
            match mode {
                NanMode::Error => {
                    let e = r.err().unwrap_or_else(|| panic!("{}: no error", c.reset));
                    assert_eq!(e.0[0].code, c.fault.code());
                    assert_eq!(e.0[0].line_col(), Some((c.line, c.column)));
                    assert!(net.check_failed());
                    assert!((net.t() - (c.step + 1) as f64 * 1e-4).abs() < 1e-12, "{}", net.t());
                }
                _ => {
                    assert!(r.is_ok(), "{r:?}");
                    assert_eq!(net.findings().len(), 1, "{:?}", net.findings());
                }
            }
        }
    }
}

/// Values set before a run are not blamed on a statement: found before the
/// first step, without one.
#[test]
fn values_set_before_a_run_are_found_at_its_start() {
    let text = MODEL
        .replace("THRESHOLD", "v > 0.45")
        .replace("RESET", "n = n")
        .replace("ON_PRE", "k = 1")
        .replace("init = { n = \"i + 1\" }", "init = { v = \"1/(i - 1)\" }");
    let model = spikejit::io::parse_model("faults.toml", text).unwrap_or_else(|e| panic!("{e:?}"));
    let (mut net, _) =
        spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    net.set_nan_check(NanCheck {
        mode: NanMode::Error,
        every: 100,
    });
    let e = net.run(0.002).err().unwrap_or_else(|| panic!("no error"));
    assert_eq!(e.0[0].code, "non-finite");
    let found = &net.findings()[0];
    assert!(found.before_run);
    assert_eq!(found.statement, None);
    assert_eq!(
        found.message(),
        "neurons 'G'.v[1] is inf at the start of a run (t = 0 ms), before step 0"
    );
    assert_eq!(net.t(), 0.0);
}

/// Only operations that can fail are checked: the kernels of a model show
/// which (`SPIKEJIT_DUMP_IR` prints them). A 32-bit `n` halved, taken modulo
/// 10 or times 1000 plus 1 cannot fail in 64 bits; `n*1000 + 1` can overflow
/// the 32 bits of `k`; `n // m` can divide by zero, and `MIN // -1` does not
/// fit in 32 bits; `n % m` can divide by zero but always fits; a float stored
/// by a reset is checked where it can leave the finite numbers (a division),
/// not where only an overflow could (`v * 2`: the periodic scan finds that),
/// and a constant not. The
/// state update and the threshold have no checks, and stay fused.
#[test]
fn only_operations_that_can_fail_are_checked() {
    let text = r#"
[simulation]
duration = "1*ms"

[[neurons]]
name = "G"
N = 3
model = '''
dv/dt = 1/(1*ms) : 1
n : integer
m : integer
k : integer
'''
threshold = "v > 0.45"
reset = '''
n = n // 2
n = n % 10
k = n * 1000 + 1
n = n // m
n = n % m
v = v * 2
v = v / 3
v = 0
'''
"#;
    let dir = temp_dir().join("costs");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("costs.toml");
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args([
            "run",
            &file.to_string_lossy(),
            "--out",
            &dir.join("out").to_string_lossy(),
            "-q",
        ])
        .env("SPIKEJIT_DUMP_IR", "1")
        .output()
        .expect("spikejit runs");
    let ir = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{ir}");
    let kernel = |name: &str| {
        let start = ir
            .find(&format!("kernel {name} {{"))
            .unwrap_or_else(|| panic!("no kernel {name}:\n{ir}"));
        let end = ir[start..].find("\n}").map_or(ir.len(), |e| start + e);
        ir[start..end].to_string()
    };
    let reset = kernel("G_resetter");
    let lines: Vec<&str> = reset.lines().filter(|l| l.contains("_idx] =")).map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "n#0[_idx] = n#0[_idx] // 2",
            "n#0[_idx] = n#0[_idx] % 10",
            "k#0[_idx] = checked_i32(n#0[_idx] * 1000 + 1, 0, _idx)",
            "n#0[_idx] = checked_i32(checked_floordiv(n#0[_idx], m#0[_idx], 1, _idx), 2, _idx)",
            "n#0[_idx] = checked_mod(n#0[_idx], m#0[_idx], 3, _idx)",
            "v#0[_idx] = v#0[_idx] * 2.0",
            "v#0[_idx] = check_finite(v#0[_idx] / 3.0, 4, _idx)",
            "v#0[_idx] = 0.0",
        ],
        "{reset}"
    );
    for name in ["G_stateupdate", "G_thresholder"] {
        let k = kernel(name);
        assert!(!k.contains("check"), "{k}");
    }
    let kernels = summary(&dir.join("out"))["kernels"].to_string();
    assert!(kernels.contains("G_stateupdate+threshold"), "not fused: {kernels}");
    let _ = std::fs::remove_dir_all(&dir);
}
