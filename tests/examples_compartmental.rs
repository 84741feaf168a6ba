//! Brian2's multicompartment examples as model files
//! (`examples/compartmental/*.toml`: compartmental/rall, infinite_cable,
//! cylinder, bipolar_cell, morphotest, spike_initiation, hodgkin_huxley_1952,
//! hh_with_spikes, lfp and frompapers/Brette_2012 Fig1, Fig3AB, Fig3CF, Fig4,
//! Fig5A), run through the CLI and compared with what Brian2 2.9.0 does
//! (`tests/reference/spatial/expected/NAME.npz`, made by
//! `tests/reference/spatial/generate.sh`; its README maps each array to a
//! monitor):
//!
//! - the deterministic examples: every array (`MONITOR.VAR` against
//!   `DIR/MONITOR.npz`, `state.VAR` against `DIR/state/neuron.npz`), spikes
//!   and indices exactly, traces within rtol 1e-6 with a floor of 1e-6 of the
//!   array's largest value (traces cross zero);
//! - what the examples show: the theory curves of rall, cylinder and
//!   infinite_cable (as close as Brian2 is), hh_with_spikes' conduction
//!   velocity;
//! - the stochastic Fig5A by statistics over seeds (Brian2's seeds 1..5,
//!   `brette_2012_fig5a_stats.py`).

use std::path::{Path, PathBuf};

mod common;
use common::{Arr, read_all, root, run_file};

fn expected(name: &str) -> Vec<(String, Arr)> {
    read_all(
        &root()
            .join("tests/reference/spatial/expected")
            .join(format!("{name}.npz")),
    )
}

fn floats(a: &Arr) -> Vec<f64> {
    match a {
        Arr::F(a) => a.iter().copied().collect(),
        Arr::I(a) => a.iter().map(|x| f64::from(*x)).collect(),
        Arr::B(a) => a.iter().map(|x| f64::from(u8::from(*x))).collect(),
    }
}

fn shape(a: &Arr) -> Vec<usize> {
    match a {
        Arr::F(a) => a.shape().to_vec(),
        Arr::I(a) => a.shape().to_vec(),
        Arr::B(a) => a.shape().to_vec(),
    }
}

/// The output file and array of a fixture array `MONITOR.VAR` / `state.VAR`.
fn output_of(out: &Path, key: &str) -> (PathBuf, String) {
    let (mon, var) = key.split_once('.').expect("MONITOR.VAR");
    let file = if mon == "state" {
        out.join("state").join("neuron.npz")
    } else {
        out.join(format!("{mon}.npz"))
    };
    (file, var.to_string())
}

/// Runs example `name` and compares every array of its fixture (not the
/// `extra.` ones); returns the outputs' directory and the fixture.
fn check_example(name: &str) -> (PathBuf, Vec<(String, Arr)>) {
    check_model(&root().join("examples/compartmental").join(format!("{name}.toml")))
}

/// Runs model file `file` and compares every array of the fixture of its name.
fn check_model(file: &Path) -> (PathBuf, Vec<(String, Arr)>) {
    let name = file.file_stem().and_then(|s| s.to_str()).expect("a file name");
    let out = run_file(file, name, &["--dump-state"]);
    let want = expected(name);
    let mut problems = Vec::new();
    for (key, w) in want.iter().filter(|(k, _)| !k.starts_with("extra.")) {
        let (path, var) = output_of(&out, key);
        let got = read_all(&path);
        let Some((_, g)) = got.iter().find(|(n, _)| *n == var) else {
            problems.push(format!("{key}: no array '{var}' in {}", path.display()));
            continue;
        };
        if shape(g) != shape(w) {
            problems.push(format!("{key}: shape {:?} vs Brian2's {:?}", shape(g), shape(w)));
            continue;
        }
        let (gv, wv) = (floats(g), floats(w));
        let exact = !matches!(w, Arr::F(_)) || var == "i" || var == "count";
        let scale = wv
            .iter()
            .fold(0.0f64, |m, x| if x.is_finite() { m.max(x.abs()) } else { m });
        let bad = gv.iter().zip(&wv).position(|(g, w)| {
            if exact {
                g != w
            } else {
                !((g - w).abs() <= 1e-6 * (w.abs() + scale) || (g.is_nan() && w.is_nan()))
            }
        });
        if let Some(k) = bad {
            problems.push(format!("{key}[{k}]: spikejit {} vs Brian2 {}", gv[k], wv[k]));
        }
    }
    assert!(
        problems.is_empty(),
        "{name} differs from Brian2:\n  {}",
        problems.join("\n  ")
    );
    (out, want)
}

fn extra(want: &[(String, Arr)], name: &str) -> Vec<f64> {
    let key = format!("extra.{name}");
    floats(
        &want
            .iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .1,
    )
}

fn output(out: &Path, key: &str) -> Vec<f64> {
    let (path, var) = output_of(out, key);
    floats(
        &read_all(&path)
            .into_iter()
            .find(|(n, _)| *n == var)
            .unwrap_or_else(|| panic!("no {key}"))
            .1,
    )
}

/// v along the neuron against the example's cable theory, within `atol` volts.
fn against_theory(out: &Path, want: &[(String, Arr)], v_key: &str, el: f64, atol: f64) {
    let v = output(out, v_key);
    let theory = extra(want, "theory");
    assert_eq!(v.len(), theory.len());
    for (k, (v, t)) in v.iter().zip(&theory).enumerate() {
        assert!((v - el - (t - el)).abs() <= atol, "compartment {k}: {v} vs theory {t}");
    }
}

#[test]
fn rall() {
    let (out, want) = check_example("rall");
    // The example's plot: v along the tree against Rall's equivalent cylinder.
    against_theory(&out, &want, "state.v", -70e-3, 2e-6);
}

#[test]
fn cylinder() {
    let (out, want) = check_example("cylinder");
    against_theory(&out, &want, "state.v", -70e-3, 2e-6);
}

#[test]
fn infinite_cable() {
    let (out, want) = check_example("infinite_cable");
    // The Green's function of an infinite cable, away from the injection
    // (the last recorded compartment is 10 from it) and from t = 0.
    let v = output(&out, "mon.v");
    let theory = extra(&want, "theory");
    let cols = v.len() / 13;
    for r in 0..12 {
        for c in cols / 10..cols {
            let (a, b) = (v[r * cols + c], theory[r * cols + c]);
            assert!((a - b).abs() <= 5e-5, "row {r}, sample {c}: {a} vs {b}");
        }
    }
}

#[test]
fn bipolar_cell() {
    check_example("bipolar_cell");
}

#[test]
fn morphotest() {
    check_example("morphotest");
}

#[test]
fn spike_initiation() {
    check_example("spike_initiation");
}

#[test]
fn hodgkin_huxley_1952() {
    check_example("hodgkin_huxley_1952");
}

#[test]
fn hh_with_spikes() {
    let (out, want) = check_example("hh_with_spikes");
    // The example fits the spike's position against time: the conduction velocity.
    let (i, t) = (output(&out, "spikes.i"), output(&out, "spikes.t"));
    let x: Vec<f64> = i.iter().map(|k| (k + 0.5) * 0.1 / 1000.0).collect();
    let n = x.len() as f64;
    let (mt, mx) = (t.iter().sum::<f64>() / n, x.iter().sum::<f64>() / n);
    let cov: f64 = t.iter().zip(&x).map(|(t, x)| (t - mt) * (x - mx)).sum();
    let var: f64 = t.iter().map(|t| (t - mt).powi(2)).sum();
    let velocity = cov / var;
    let brian2 = extra(&want, "velocity")[0];
    assert!(
        (velocity - brian2).abs() <= 1e-3 * brian2,
        "{velocity} m/s vs Brian2's {brian2}"
    );
}

#[test]
fn lfp() {
    check_example("lfp");
}

#[test]
fn brette_2012_fig1() {
    check_example("brette_2012_fig1");
}

#[test]
fn brette_2012_fig3ab() {
    check_example("brette_2012_fig3ab");
}

#[test]
fn brette_2012_fig3cf() {
    check_example("brette_2012_fig3cf");
}

#[test]
fn brette_2012_fig4() {
    check_example("brette_2012_fig4");
}

/// Synapses onto compartments: three synapses objects whose targets are
/// locations along a dendrite (tests/reference/spatial/models/synaptic_input.toml).
#[test]
fn synapses_onto_compartments() {
    check_model(&root().join("tests/reference/spatial/models/synaptic_input.toml"));
}

/// Mean of `key` over Brian2's seeds in a statistics file of tests/reference/spatial/expected.
fn brian2_mean(file: &str, key: &str) -> f64 {
    let stats: serde_json::Value = serde_json::from_reader(
        std::fs::File::open(root().join("tests/reference/spatial/expected").join(file)).expect("stats"),
    )
    .expect("json");
    let list = stats.as_array().expect("list");
    list.iter().map(|s| s[key].as_f64().expect("number")).sum::<f64>() / list.len() as f64
}

/// Runs `file` with seeds 1..5 (its `seed = 1` replaced); per seed, the
/// values `measure` takes of the outputs' directory, averaged.
fn over_seeds<const K: usize>(file: &Path, measure: impl Fn(&Path) -> [f64; K]) -> [f64; K] {
    let text = std::fs::read_to_string(file).expect("model file");
    let original = text
        .lines()
        .find(|l| l.starts_with("seed = "))
        .expect("a seed line")
        .to_string();
    let mut sum = [0.0; K];
    for seed in 1..=5 {
        let seeded = file.with_file_name(format!("seeded-{}-{seed}.toml", std::process::id()));
        std::fs::write(&seeded, text.replace(&original, &format!("seed = {seed}"))).expect("write");
        let out = run_file(&seeded, &format!("seeded-{seed}"), &["--dump-state"]);
        for (s, x) in sum.iter_mut().zip(measure(&out)) {
            *s += x / 5.0;
        }
        let _ = std::fs::remove_dir_all(out);
        let _ = std::fs::remove_file(seeded);
    }
    sum
}

/// The soma's mean and standard deviation of v, in mV, from a state monitor's output.
fn mean_sd_mv(v: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = v.iter().map(|v| v * 1e3).collect();
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt(),
    )
}

/// A PoissonGroup driving compartments of a dendrite
/// (tests/reference/spatial/models/poisson_input.toml), against Brian2's
/// seeds 1..5: the synapses made, the spikes and the soma's v.
#[test]
fn poisson_inputs_to_compartments() {
    let file = root().join("tests/reference/spatial/models/poisson_input.toml");
    let [synapses, spikes, mean, sd] = over_seeds(&file, |out| {
        let summary: serde_json::Value =
            serde_json::from_reader(std::fs::File::open(out.join("summary.json")).expect("summary")).expect("json");
        let (m, s) = mean_sd_mv(&output(out, "soma.v"));
        [
            summary["synapse_counts"]["S"].as_f64().expect("synapses of S"),
            output(out, "spikes.i").len() as f64,
            m,
            s,
        ]
    });
    let stats = "poisson_input_stats.json";
    // 10 000 pairs at p = 0.05: 500 ± 22 synapses per seed, ± 10 over five.
    assert!(
        (synapses - brian2_mean(stats, "synapses")).abs() < 40.0,
        "{synapses} synapses"
    );
    assert!((spikes - brian2_mean(stats, "spikes")).abs() < 4.0, "{spikes} spikes");
    assert!(
        (mean - brian2_mean(stats, "v_mean_mV")).abs() < 2.0,
        "soma v mean {mean} mV"
    );
    assert!((sd - brian2_mean(stats, "v_sd_mV")).abs() < 3.0, "soma v sd {sd} mV");
}

/// The Ornstein–Uhlenbeck input makes Fig5A random: spikejit's seeds 1..5
/// against Brian2's (the spike count, the soma's mean and spread of v).
#[test]
fn brette_2012_fig5a_statistics() {
    let stats: serde_json::Value = serde_json::from_reader(
        std::fs::File::open(root().join("tests/reference/spatial/expected/brette_2012_fig5a_stats.json"))
            .expect("stats"),
    )
    .expect("json");
    let brian2 = stats.as_array().expect("list");
    let mean_of = |key: &str| brian2.iter().map(|s| s[key].as_f64().unwrap()).sum::<f64>() / brian2.len() as f64;
    let (b_spikes, b_mean, b_sd) = (mean_of("spikes"), mean_of("v_mean_mV"), mean_of("v_sd_mV"));
    let file = root().join("examples/compartmental/brette_2012_fig5a.toml");
    let text = std::fs::read_to_string(&file).expect("example");
    let (mut spikes, mut means, mut sds) = (0.0, 0.0, 0.0);
    for seed in 1..=5 {
        let seeded = std::env::temp_dir().join(format!("spikejit-fig5a-{}-{seed}.toml", std::process::id()));
        std::fs::write(&seeded, text.replace("seed = 19", &format!("seed = {seed}"))).expect("write");
        // The copy runs from the temp directory: its `params` are all inline.
        let out = run_file(&seeded, &format!("fig5a-{seed}"), &[]);
        let v: Vec<f64> = output(&out, "M.v").iter().map(|v| v * 1e3).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        spikes += output(&out, "S.i").len() as f64 / 5.0;
        means += m / 5.0;
        sds += (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt() / 5.0;
        let _ = std::fs::remove_dir_all(out);
        let _ = std::fs::remove_file(seeded);
    }
    assert!(
        (means - b_mean).abs() < 1.0,
        "soma v mean {means} mV vs Brian2's {b_mean}"
    );
    assert!(
        (sds - b_sd).abs() < 0.15 * b_sd,
        "soma v sd {sds} mV vs Brian2's {b_sd}"
    );
    assert!(
        (spikes - b_spikes).abs() <= 3.0 + 0.5 * b_spikes,
        "{spikes} spikes vs Brian2's {b_spikes}"
    );
}
