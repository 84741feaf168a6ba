//! What the Brian2-comparison tests share: running the CLI on a model file and
//! comparing npz outputs with Brian2's (integers and booleans exactly, floats
//! within a relative tolerance). Each test crate uses a part of it.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{ArrayD, IxDyn, OwnedRepr};
use ndarray_npy::NpzReader;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the CLI with `args` (colours off) and returns what it did.
pub fn spikejit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("spikejit runs")
}

/// An empty temporary directory for the test `tag` of this process.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-dir-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

/// Runs `spikejit run FILE --out TMP --quiet EXTRA...` and returns TMP.
pub fn run_file(file: &Path, tag: &str, extra: &[&str]) -> PathBuf {
    let out = std::env::temp_dir().join(format!("spikejit-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("spikejit runs");
    assert!(
        o.status.success(),
        "spikejit run {} failed:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

pub enum Arr {
    F(ArrayD<f64>),
    I(ArrayD<i32>),
    B(ArrayD<bool>),
}

pub fn read_all(path: &Path) -> Vec<(String, Arr)> {
    let mut r = NpzReader::new(File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("npz");
    let names = r.names().expect("names");
    let mut out = Vec::new();
    for n in names {
        let key = n.trim_end_matches(".npy").to_string();
        if let Ok(a) = r.by_name::<OwnedRepr<f64>, IxDyn>(&n) {
            out.push((key, Arr::F(a)));
        } else if let Ok(a) = r.by_name::<OwnedRepr<f32>, IxDyn>(&n) {
            out.push((key, Arr::F(a.mapv(f64::from))));
        } else if let Ok(a) = r.by_name::<OwnedRepr<i32>, IxDyn>(&n) {
            out.push((key, Arr::I(a)));
        } else if let Ok(a) = r.by_name::<OwnedRepr<bool>, IxDyn>(&n) {
            out.push((key, Arr::B(a)));
        } else if let Ok(a) = r.by_name::<OwnedRepr<u8>, IxDyn>(&n) {
            out.push((key, Arr::B(a.mapv(|x| x != 0))));
        } else if let Ok(a) = r.by_name::<OwnedRepr<i64>, IxDyn>(&n) {
            out.push((key, Arr::I(a.mapv(|x| x as i32))));
        } else {
            panic!("{}: cannot read array {n}", path.display());
        }
    }
    out
}

/// Compares every array of `want` (Brian2) with the same array of `got`:
/// integers and booleans exactly, floats within rtol (1e-9 unless `rtol` names
/// the array) with an absolute floor of 1e-12 * max|want|.
pub fn compare_file(want: &Path, got: &Path, rtol: &dyn Fn(&str) -> f64) -> Vec<String> {
    let mut problems = Vec::new();
    if !got.exists() {
        return vec![format!("missing {}", got.display())];
    }
    let w = read_all(want);
    let g = read_all(got);
    for (name, wa) in &w {
        let Some((_, ga)) = g.iter().find(|(n, _)| n == name) else {
            problems.push(format!("{}: array '{name}' missing", got.display()));
            continue;
        };
        let ctx = format!("{} [{name}]", got.display());
        match (wa, ga) {
            (Arr::F(a), Arr::F(b)) => {
                if a.shape() != b.shape() {
                    problems.push(format!("{ctx}: shape {:?} != Brian2's {:?}", b.shape(), a.shape()));
                    continue;
                }
                let tol = rtol(name);
                let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                let bad: Vec<_> = a
                    .iter()
                    .zip(b.iter())
                    .enumerate()
                    .filter(|(_, (x, y))| {
                        !((*x - *y).abs() <= tol * x.abs() + 1e-12 * scale || (x.is_nan() && y.is_nan()))
                    })
                    .collect();
                if let Some((k, (x, y))) = bad.first() {
                    problems.push(format!(
                        "{ctx}: {} elements differ, first {k}: spikejit {y} vs Brian2 {x}",
                        bad.len()
                    ));
                }
            }
            (Arr::I(a), Arr::I(b)) => {
                if a != b {
                    problems.push(format!("{ctx}: spikejit {b} vs Brian2 {a}"));
                }
            }
            (Arr::B(a), Arr::B(b)) => {
                if a != b {
                    problems.push(format!("{ctx}: spikejit {b} vs Brian2 {a}"));
                }
            }
            (Arr::F(a), Arr::I(b)) | (Arr::I(b), Arr::F(a)) if a.shape() == b.shape() => {
                if a.iter().zip(b.iter()).any(|(x, y)| *x != f64::from(*y)) {
                    problems.push(format!("{ctx}: values differ"));
                }
            }
            _ => problems.push(format!("{ctx}: different array type")),
        }
    }
    problems
}
