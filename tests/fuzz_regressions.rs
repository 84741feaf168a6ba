//! Inputs the fuzzers found interesting (crashes fixed since, and hand-written
//! edge cases: empty input, unclosed brackets, deep nesting, huge numbers,
//! NUL and non-ASCII characters) replayed through the fuzz targets' entry
//! points (`spikejit::fuzz`): none may panic. The fuzzers themselves are in
//! `fuzz/` (docs/fuzzing.md); each input that crashed one is added to
//! `fuzz/regressions/TARGET/`. `model_run` replays its inputs under the same
//! address-space limit as its fuzz target, so that an allocation a model
//! sizes without a check fails here too (an abort ends the test binary).

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    let mut failed = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path).expect("readable input");
        if std::panic::catch_unwind(|| f(&data)).is_err() {
            failed.push(path.display().to_string());
        }
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
    assert!(failed.is_empty(), "panicked on: {failed:?}");
}

#[test]
fn equations() {
    replay("equations", spikejit::fuzz::equations);
}

#[test]
fn statements() {
    replay("statements", spikejit::fuzz::statements);
}

#[test]
fn expression() {
    replay("expression", spikejit::fuzz::expression);
}

#[test]
fn generator() {
    replay("generator", spikejit::fuzz::generator);
}

#[test]
fn model_file() {
    replay("model_file", spikejit::fuzz::model_file);
}

#[test]
fn model_run() {
    assert!(spikejit::fuzz::limit_address_space(
        spikejit::fuzz::MODEL_RUN_ADDRESS_SPACE
    ));
    replay("model_run", spikejit::fuzz::model_run);
}
