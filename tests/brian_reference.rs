//! spikejit against Brian2 2.9.0: each model of `tests/reference/models/` is run
//! through the CLI and every array Brian2 wrote (`tests/reference/expected/`,
//! made by `tests/reference/generate.sh`) must be reproduced: spikes and integers
//! exactly, traces and state within rtol 1e-9. CUBA (random) is compared by its
//! statistics over Brian2's seeds.

use std::fs::File;
use std::path::PathBuf;

mod common;
use common::{Arr, compare_file, read_all, root, run_file};

fn run_model(model: &str, extra: &[&str]) -> PathBuf {
    let file = root().join("tests/reference/models").join(format!("{model}.toml"));
    run_file(&file, model, extra)
}

fn check_model(model: &str) {
    check_model_rtol(model, 1e-9);
}

fn check_model_rtol(model: &str, rtol: f64) {
    let out = run_model(model, &["--dump-state"]);
    let expected = root().join("tests/reference/expected").join(model);
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for dir in [expected.clone(), expected.join("state")] {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "npz") {
                    files.push(p);
                }
            }
        }
    }
    assert!(!files.is_empty(), "no expected files for {model}");
    for f in files {
        let rel = f.strip_prefix(&expected).expect("prefix");
        problems.extend(compare_file(&f, &out.join(rel), &|_| rtol));
    }
    // Spike and synapse counts of summary.json.
    let want: serde_json::Value =
        serde_json::from_reader(File::open(expected.join("summary.json")).expect("summary")).expect("json");
    let got: serde_json::Value =
        serde_json::from_reader(File::open(out.join("summary.json")).expect("our summary")).expect("json");
    for key in ["spike_counts", "synapse_counts"] {
        if want[key] != got[key] {
            problems.push(format!("{key}: spikejit {} vs Brian2 {}", got[key], want[key]));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        problems.is_empty(),
        "{model} differs from Brian2:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn lif_chain() {
    check_model("lif_chain");
}

#[test]
fn cuba_refractory() {
    check_model("cuba_refractory");
}

#[test]
fn integrators() {
    check_model("integrators");
}

#[test]
fn synaptic_semantics() {
    check_model("synaptic_semantics");
}

/// CUBA: rate and ISI CV within the spread of Brian2's five seeds
/// (definitions in tests/reference/cuba_stats.py).
#[test]
fn cuba_statistics() {
    let stats: serde_json::Value =
        serde_json::from_reader(File::open(root().join("tests/reference/expected/cuba_stats.json")).expect("stats"))
            .expect("json");
    let (rmin, rmax) = (
        stats["min"]["rate_hz"].as_f64().unwrap(),
        stats["max"]["rate_hz"].as_f64().unwrap(),
    );
    let (cmin, cmax) = (
        stats["min"]["cv"].as_f64().unwrap(),
        stats["max"]["cv"].as_f64().unwrap(),
    );
    for seed in ["1", "2", "3"] {
        let out = run_model("cuba", &["--seed", seed]);
        let arrays = read_all(&out.join("spikes.npz"));
        let get_f = |n: &str| {
            arrays
                .iter()
                .find_map(|(k, a)| match a {
                    Arr::F(x) if k == n => Some(x.clone()),
                    _ => None,
                })
                .expect(n)
        };
        let get_i = |n: &str| {
            arrays
                .iter()
                .find_map(|(k, a)| match a {
                    Arr::I(x) if k == n => Some(x.clone()),
                    _ => None,
                })
                .expect(n)
        };
        let (i, t) = (get_i("i"), get_f("t"));
        let rate = i.len() as f64 / (4000.0 * 1.0);
        let mut trains = vec![Vec::new(); 4000];
        for (n, tt) in i.iter().zip(t.iter()) {
            trains[*n as usize].push(*tt);
        }
        let mut cvs = Vec::new();
        for tr in &trains {
            if tr.len() >= 3 {
                let isi: Vec<f64> = tr.windows(2).map(|w| w[1] - w[0]).collect();
                let m = isi.iter().sum::<f64>() / isi.len() as f64;
                let var = isi.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / isi.len() as f64;
                cvs.push(var.sqrt() / m);
            }
        }
        let cv = cvs.iter().sum::<f64>() / cvs.len() as f64;
        let summary: serde_json::Value =
            serde_json::from_reader(File::open(out.join("summary.json")).unwrap()).unwrap();
        let syn = summary["synapse_counts"]["Ce"].as_u64().unwrap() + summary["synapse_counts"]["Ci"].as_u64().unwrap();
        let _ = std::fs::remove_dir_all(&out);
        assert!(
            rate >= 0.85 * rmin && rate <= 1.15 * rmax,
            "seed {seed}: rate {rate} Hz outside Brian2's band [{rmin}, {rmax}]"
        );
        assert!(
            cv >= cmin - 0.05 && cv <= cmax + 0.05,
            "seed {seed}: CV {cv} outside Brian2's band [{cmin}, {cmax}]"
        );
        assert!((317_000..=323_000).contains(&syn), "seed {seed}: {syn} synapses");
    }
}

#[test]
fn plasticity() {
    check_model("plasticity");
}

#[test]
fn inputs_and_events() {
    check_model("inputs");
}

#[test]
fn connect_forms() {
    check_model("connect_forms");
}

#[test]
fn protocol() {
    check_model("protocol");
}

#[test]
fn language() {
    check_model("language");
}

/// Single precision: Brian2's numpy target mixes float64 and float32 arithmetic in
/// ways a compiled kernel does not reproduce bit for bit (one ulp in initial
/// values); the same spikes and traces within float32 precision.
#[test]
fn float32() {
    check_model_rtol("float32", 1e-6);
}

/// Brian2's order within a slot: summed variables into subgroups, run_regularly
/// before a state monitor by name, monitors on subgroups (see the model's
/// header).
#[test]
fn schedule_order() {
    check_model("schedule_order");
}

/// Scheduling keys (`order`, `when`) on groups, synapses and monitors, and
/// Brian2's defaults around them (see the model's header).
#[test]
fn schedule_keys() {
    check_model("schedule_keys");
}

/// `SpikeData::spike_trains` and `Network::spike_monitor_values_per_neuron`
/// (Brian2's `SpikeMonitor.spike_trains()` and `values('g')`): on the
/// `inputs` model run through the Rust API, every neuron's spike times and
/// values of `g` at its spikes are those of Brian2's recording taken neuron
/// by neuron, in order; a neuron without spikes has an empty train.
#[test]
fn spike_trains_and_values_per_neuron_are_brians() {
    let path = root().join("tests/reference/models/inputs.toml");
    let text = std::fs::read_to_string(&path).expect("inputs.toml");
    let model = spikejit::io::parse_model(path.to_string_lossy().as_ref(), text).unwrap_or_else(|e| panic!("{e:?}"));
    let (mut net, _) =
        spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    net.run(0.04).unwrap_or_else(|e| panic!("{e:?}"));
    let h = net.handle("G_spikes").expect("the monitor G_spikes");
    let data = net.spike_monitor(h).expect("a spike monitor");
    let trains = data.spike_trains();
    let g = net.spike_monitor_values_per_neuron(h, "g").expect("g is recorded");
    assert!(net.spike_monitor_values_per_neuron(h, "v").is_none());

    let expected = read_all(&root().join("tests/reference/expected/inputs/G_spikes.npz"));
    let get = |name: &str| {
        expected
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
            .unwrap_or_else(|| panic!("no '{name}' in Brian2's recording"))
    };
    let (Arr::I(i), Arr::F(t), Arr::F(gv), Arr::I(count)) = (get("i"), get("t"), get("g"), get("count")) else {
        panic!("unexpected array types");
    };
    assert_eq!(trains.len(), count.len());
    assert_eq!(g.len(), count.len());
    let mut empty = 0;
    for k in 0..count.len() {
        let picked = |a: &ndarray::ArrayD<f64>| -> Vec<f64> {
            i.iter()
                .zip(a.iter())
                .filter(|(n, _)| **n as usize == k)
                .map(|(_, x)| *x)
                .collect()
        };
        let (want_t, want_g) = (picked(t), picked(gv));
        assert_eq!(trains[k].len(), want_t.len(), "neuron {k}");
        empty += usize::from(want_t.is_empty());
        for (a, b) in trains[k].iter().zip(&want_t) {
            assert!((a - b).abs() <= 1e-12, "neuron {k}: spike at {a} s, Brian2 {b} s");
        }
        for (a, b) in g[k].iter().zip(&want_g) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                "neuron {k}: g {a}, Brian2 {b}"
            );
        }
    }
    assert!(empty < count.len(), "some neuron spiked");
}
