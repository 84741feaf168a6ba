//! Models that ask for more memory than there is, run under an address-space
//! limit (`ulimit -v`, as a machine with little memory): each ends with an
//! error (exit code 1) that says what did not fit, never with an abort
//! ("memory allocation of N bytes failed", signal 6).
#![cfg(target_os = "linux")]

use std::path::PathBuf;
use std::process::Command;

/// Runs `spikejit ARGS` under `ulimit -v KIB`; returns (exit code, stderr).
fn spikejit_limited(kib: u64, args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("sh runs");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-memory-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

const LIMIT_KIB: u64 = 1 << 20; // 1 GiB

/// Each `store` copies the state (160 MB here): the copy that does not fit is
/// an error at its protocol step.
#[test]
fn stores_beyond_the_memory_are_an_error() {
    let dir = temp("store");
    let mut model = String::from(
        "[simulation]\nduration = \"1*ms\"\n\n[[neurons]]\nname = \"G\"\nN = 20000000\nmodel = \"v : 1\"\n",
    );
    for k in 0..10 {
        model.push_str(&format!("\n[[protocol]]\nop = \"store\"\nname = \"s{k}\"\n"));
    }
    let file = dir.join("stores.toml");
    std::fs::write(&file, model).expect("write the model");
    let out = dir.join("out");
    let (code, stderr) = spikejit_limited(
        LIMIT_KIB,
        &["run", file.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error[too-large]: store 's"), "{stderr}");
    assert!(
        stderr.contains("a copy of the network's state (153 MiB) needs more memory than the address-space limit"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A spike monitor grows with the spikes: when a step's spikes no longer
/// fit, the run stops with an error and what was recorded is written.
#[test]
fn a_spike_monitor_out_of_memory_stops_the_run_with_its_outputs() {
    let dir = temp("spikes");
    let file = dir.join("spikes.toml");
    std::fs::write(
        &file,
        "[simulation]\nduration = \"100*second\"\n\n[[neurons]]\nname = \"G\"\nN = 1000\nmodel = \"v : 1\"\nthreshold = \"v >= 0\"\n\n\
         [[monitors]]\nname = \"spikes\"\nkind = \"spike\"\nsource = \"G\"\n",
    )
    .expect("write the model");
    let out = dir.join("out");
    let (code, stderr) = spikejit_limited(
        LIMIT_KIB,
        &["run", file.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[out-of-memory]: monitors 'spikes': no memory to record the step at t = "),
        "{stderr}"
    );
    let npz = std::fs::metadata(out.join("spikes.npz")).expect("the recording is written");
    assert!(npz.len() > 10_000_000, "{} bytes", npz.len());
    assert!(out.join("summary.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A state monitor that the machine could hold but the limit cannot is
/// refused before the run, at the monitor, by `check` as by `run`.
#[test]
fn a_state_monitor_beyond_the_limit_is_refused_at_the_monitor() {
    let dir = temp("state");
    let file = dir.join("state.toml");
    std::fs::write(
        &file,
        "[simulation]\nduration = \"1*second\"\n\n[[neurons]]\nname = \"G\"\nN = 10000\nmodel = \"dv/dt = -v/(10*ms) : 1\"\n\n\
         [[monitors]]\nname = \"trace\"\nkind = \"state\"\nsource = \"G\"\nvariables = [\"v\"]\nrecord = true\n",
    )
    .expect("write the model");
    let out = dir.join("out");
    let f = file.to_str().unwrap();
    for args in [vec!["check", f], vec!["run", f, "--out", out.to_str().unwrap()]] {
        let (code, stderr) = spikejit_limited(LIMIT_KIB, &args);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("error[too-large]: monitors 'trace': recording 1 variable of 10000 elements every 0.0001 s until t = 1.0 s (10001 samples) would need 2 GiB of memory"),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("--> {f}:9:1")), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
