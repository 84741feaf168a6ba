//! Data and equations from files (`{ file = "x.npy" }`, `model = { file = "lif.eqs" }`):
//! `tests/reference/files/model.toml` takes every array (timed arrays 1-d and
//! 2-d, `init`, a protocol `set`, spike generator indices and times, connect
//! `i`/`j`) from NumPy files and both models' equations from `.eqs` files;
//! spikejit must reproduce what Brian2 did with the same arrays
//! (`tests/reference/files/brian2_reference.py` inlines them for the
//! contract's runner), and read the files relative to the model file, not the
//! working directory.

use std::fs::File;
use std::path::Path;
use std::process::Command;

mod common;
use common::{compare_file, root, run_file};

#[test]
fn data_and_equation_files_give_brians_results() {
    let model = root().join("tests/reference/files/model.toml");
    let out = run_file(&model, "data-files", &["--dump-state"]);
    let expected = root().join("tests/reference/expected/files");
    let mut problems = Vec::new();
    for rel in ["spikes.npz", "trace.npz", "state/G.npz", "state/S.npz"] {
        problems.extend(compare_file(&expected.join(rel), &out.join(rel), &|_| 1e-9));
    }
    let json = |p: &Path| -> serde_json::Value {
        serde_json::from_reader(File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let (want, got) = (json(&expected.join("summary.json")), json(&out.join("summary.json")));
    for key in ["spike_counts", "synapse_counts"] {
        if want[key] != got[key] {
            problems.push(format!("{key}: spikejit {} vs Brian2 {}", got[key], want[key]));
        }
    }
    // the model spikes, so that the comparison says something
    assert_eq!(want["spike_counts"]["G"], 29);
    let _ = std::fs::remove_dir_all(&out);
    assert!(problems.is_empty(), "differs from Brian2:\n  {}", problems.join("\n  "));
}

/// Run from another directory, with the model named relative to it: the data
/// and equation files are found beside the model file.
#[test]
fn paths_are_relative_to_the_model_file() {
    let cwd = root().join("tests/reference");
    let out = std::env::temp_dir().join(format!("spikejit-test-{}-relative", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .current_dir(&cwd)
        .args(["run", "files/model.toml", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("spikejit runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("spikes.npz").is_file());
    let _ = std::fs::remove_dir_all(&out);
    // the same model text in a directory without its files: an error naming the file
    let alone = std::env::temp_dir().join(format!("spikejit-test-{}-alone", std::process::id()));
    std::fs::create_dir_all(&alone).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(cwd.join("files/model.toml"), alone.join("model.toml")).unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .current_dir(cwd.join("files"))
        .arg("check")
        .arg(alone.join("model.toml"))
        .env("NO_COLOR", "1")
        .output()
        .expect("spikejit runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let _ = std::fs::remove_dir_all(&alone);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("'data.npz': cannot read it"), "{stderr}");
    assert!(stderr.contains("cannot read 'lif.eqs'"), "{stderr}");
}

/// The Rust API reads the same arrays through `io::data_file`, and a file value
/// gives what the same numbers written as a list give.
#[test]
fn rust_api_reads_the_same_arrays() {
    use spikejit::io::data_file::{Dtype, read_array};
    let dir = root().join("tests/reference/files");
    let stim = read_array(&dir.join("data.npz"), Some("stim")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stim.info.shape, vec![20, 5]);
    let drive = read_array(&dir.join("drive.npy"), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(drive.info.dtype, Dtype::F32);
    let spike_i = read_array(&dir.join("data.npz"), Some("spike_i")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spike_i.info.dtype, Dtype::I32);
    assert_eq!(spike_i.into_i64(), Some(vec![0, 2, 1, 0, 2, 1, 0]));
    let v0 = read_array(&dir.join("v0.npy"), None)
        .and_then(|a| a.into_f64())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v0, vec![-65.0, -60.0, -55.5, -52.0, -70.0]);
}
