//! Brian2's network examples as model files (`examples/*.toml`, made from
//! brian-team/brian2 `examples/`: COBAHH, adaptive_threshold,
//! advanced/float_32_64_benchmark, frompapers/Brunel_2000, Brunel_Hakim_1999,
//! Brunel_Wang_2001, Diesmann_et_al_1999, Graupner_Brunel_2012, Izhikevich_2003,
//! Izhikevich_2007, Sturzl_et_al_2000, Vogels_et_al_2011, Stimberg_et_al_2018
//! examples 2 and 6, synapses/licklider, standalone/STDP_standalone and
//! standalone/cuba_openmp), run through the CLI and compared with what Brian2
//! 2.9.0 does (`tests/reference/expected/examples/`, made by
//! `tests/reference/examples_models.sh`):
//!
//! - the deterministic example (izhikevich_2007) and the deterministic variants
//!   of `tests/reference/models/examples/NAME_det.toml` (the noise multiplied by
//!   0, rand() and p replaced by expressions of i and conditions): every array
//!   Brian2 wrote, spikes and integers exactly, traces and state within rtol
//!   1e-9 (as `tests/brian_reference.rs`);
//! - every random example: statistics within bands around Brian2's values over
//!   seeds 1..5 (`NAME_stats.json`, definitions in
//!   `tests/reference/examples_models_stats.py`, computed the same way here).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use ndarray::ArrayD;

mod common;
use common::{Arr, compare_file, read_all, root, run_file};

fn example(name: &str) -> PathBuf {
    root().join("examples").join(format!("{name}.toml"))
}

/// Runs a deterministic model file (with `--dump-state`) and compares every
/// file Brian2 wrote to `expected/examples/NAME/` and the spike and synapse
/// counts of summary.json. `rtol` may loosen the tolerance of named arrays.
fn check_deterministic(file: &Path, rtol: &dyn Fn(&str, &str) -> f64) {
    let name = file.file_stem().unwrap().to_str().unwrap().to_string();
    check_against(file, &name, &name, rtol);
}

/// Runs `file` into output `out_name` and compares with Brian2's outputs of
/// model `name`.
fn check_against(file: &Path, name: &str, out_name: &str, rtol: &dyn Fn(&str, &str) -> f64) {
    let out = run_file(file, out_name, &["--dump-state"]);
    let expected = root().join("tests/reference/expected/examples").join(name);
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
    assert!(!files.is_empty(), "no expected files for {name}");
    for f in files {
        let rel = f.strip_prefix(&expected).expect("prefix").to_path_buf();
        let rel_s = rel.to_string_lossy().to_string();
        problems.extend(compare_file(&f, &out.join(&rel), &|arr| rtol(&rel_s, arr)));
    }
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
        "{name} differs from Brian2:\n  {}",
        problems.join("\n  ")
    );
}

fn variant(name: &str) -> PathBuf {
    root()
        .join("tests/reference/models/examples")
        .join(format!("{name}.toml"))
}

fn exact(_: &str, _: &str) -> f64 {
    1e-9
}

// ---- reading outputs for the statistics ------------------------------------------

struct Out(PathBuf);

impl Out {
    fn arrays(&self, file: &str) -> Vec<(String, Arr)> {
        read_all(&self.0.join(format!("{file}.npz")))
    }
    fn f(&self, file: &str, arr: &str) -> ArrayD<f64> {
        self.arrays(file)
            .into_iter()
            .find_map(|(k, a)| match a {
                Arr::F(x) if k == arr => Some(x),
                Arr::I(x) if k == arr => Some(x.mapv(f64::from)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{file}.npz: no array {arr}"))
    }
    fn i(&self, file: &str, arr: &str) -> Vec<i64> {
        self.arrays(file)
            .into_iter()
            .find_map(|(k, a)| match a {
                Arr::I(x) if k == arr => Some(x.iter().map(|v| i64::from(*v)).collect()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{file}.npz: no integer array {arr}"))
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::from_reader(File::open(self.0.join("summary.json")).expect("summary")).expect("json")
    }
    fn spikes(&self, group: &str) -> f64 {
        self.summary()["spike_counts"][group]
            .as_f64()
            .unwrap_or_else(|| panic!("no spike count for {group}"))
    }
    fn synapses(&self, obj: &str) -> f64 {
        self.summary()["synapse_counts"][obj]
            .as_f64()
            .unwrap_or_else(|| panic!("no synapse count for {obj}"))
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mean(x: impl IntoIterator<Item = f64>) -> f64 {
    let v: Vec<f64> = x.into_iter().collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// population standard deviation (numpy's ddof = 0)
fn sd(x: impl IntoIterator<Item = f64>) -> f64 {
    let v: Vec<f64> = x.into_iter().collect();
    let m = mean(v.iter().copied());
    (v.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / v.len() as f64).sqrt()
}

fn window(t: &[f64], a: f64, b: f64) -> f64 {
    t.iter().filter(|&&x| x >= a && x < b).count() as f64
}

/// mean over neurons with >= 3 spikes of std(isi, ddof=0)/mean(isi)
fn mean_cv(i: &[i64], t: &[f64]) -> f64 {
    let mut trains: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (n, tt) in i.iter().zip(t) {
        trains.entry(*n).or_default().push(*tt);
    }
    let mut cvs = Vec::new();
    for tr in trains.values_mut() {
        if tr.len() >= 3 {
            tr.sort_by(f64::total_cmp);
            let isi: Vec<f64> = tr.windows(2).map(|w| w[1] - w[0]).collect();
            cvs.push(sd(isi.iter().copied()) / mean(isi.iter().copied()));
        }
    }
    mean(cvs)
}

/// std/mean (ddof = 0) of the spike counts in bins [t0 + k*width, t0 + (k+1)*width)
fn binned_cv(t: &[f64], t0: f64, t1: f64, width: f64) -> f64 {
    let nbins = ((t1 - t0) / width).round() as usize;
    let mut c = vec![0.0; nbins];
    for &x in t {
        let k = ((x - t0) / width + 1e-9).floor();
        if k >= 0.0 && (k as usize) < nbins {
            c[k as usize] += 1.0;
        }
    }
    sd(c.iter().copied()) / mean(c.iter().copied())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// One statistic and how far outside Brian2's range over its seeds it may fall:
/// [min - m, max + m] with m = max(widen*(max - min), rel*|mean of min and max|, abs).
struct Band {
    stat: &'static str,
    widen: f64,
    rel: f64,
    abs: f64,
}

const fn band(stat: &'static str, widen: f64, rel: f64, abs: f64) -> Band {
    Band { stat, widen, rel, abs }
}

/// Runs examples/NAME.toml with each seed, computes `stats` from the outputs and
/// checks every band against `NAME_stats.json`.
fn check_statistics(
    name: &str,
    seeds: &[u64],
    dump: bool,
    bands: &[Band],
    stats: &dyn Fn(&Out) -> BTreeMap<String, f64>,
) {
    let json: serde_json::Value = serde_json::from_reader(
        File::open(root().join(format!("tests/reference/expected/examples/{name}_stats.json"))).expect("stats"),
    )
    .expect("json");
    let mut problems = Vec::new();
    for &seed in seeds {
        let s = seed.to_string();
        let mut extra = vec!["--seed", s.as_str()];
        if dump {
            extra.push("--dump-state");
        }
        let out = Out(run_file(&example(name), &format!("{name}-{seed}"), &extra));
        let got = stats(&out);
        for b in bands {
            let v = *got
                .get(b.stat)
                .unwrap_or_else(|| panic!("{name}: statistic {} not computed", b.stat));
            let lo = json["min"][b.stat]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}_stats.json: no {}", b.stat));
            let hi = json["max"][b.stat].as_f64().unwrap();
            let m = (b.widen * (hi - lo)).max(b.rel * (0.5 * (lo + hi)).abs()).max(b.abs);
            if !(v >= lo - m && v <= hi + m) {
                problems.push(format!(
                    "seed {seed}: {} = {v} outside [{}, {}] (Brian2 over its seeds: [{lo}, {hi}])",
                    b.stat,
                    lo - m,
                    hi + m
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{name} differs from Brian2:\n  {}",
        problems.join("\n  ")
    );
}

fn stats_of(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

// ---- deterministic --------------------------------------------------------------

/// Izhikevich (2007) reward-modulated STDP: deterministic (spike generators),
/// with a [[protocol]] that switches `mode` between two runs.
#[test]
fn izhikevich_2007() {
    check_deterministic(&example("izhikevich_2007"), &exact);
}

/// COBAHH's Hodgkin-Huxley network (exponential Euler) on 200 neurons with a
/// deterministic initial state and connectivity.
#[test]
fn cobahh_deterministic() {
    check_deterministic(&variant("cobahh_det"), &exact);
}

/// The same with `fast_math = true` (divisions by constants as multiplications
/// by their reciprocals, as Brian2's C++ targets compile them): Brian2's
/// (numpy, exact division) spikes, traces and state within rtol 1e-9.
#[test]
fn cobahh_deterministic_fast_math() {
    let text = std::fs::read_to_string(variant("cobahh_det")).expect("model");
    assert!(text.contains("[simulation]\n"));
    let dir = std::env::temp_dir().join(format!("spikejit-fast-math-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("cobahh_det_fast_math.toml");
    std::fs::write(
        &file,
        text.replace("[simulation]\n", "[simulation]\nfast_math = true\n"),
    )
    .expect("written");
    check_against(&file, "cobahh_det", "cobahh_det_fast_math", &exact);
    // and the option took effect: the traces are not those of exact division
    let fast = run_file(&file, "cobahh_det_fast_math", &[]);
    let ieee = run_file(&variant("cobahh_det"), "cobahh_det_ieee", &[]);
    let read = |d: &Path| std::fs::read(d.join("trace.npz")).expect("trace.npz");
    assert!(read(&fast) != read(&ieee), "fast_math changed nothing");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Graupner & Brunel (2012) with sigma = 0: the calcium-based rule under Heun
/// with (constant, shared) parameters and a pre-side delay.
#[test]
fn graupner_brunel_2012_deterministic() {
    check_deterministic(&variant("graupner_brunel_2012_det"), &exact);
}

/// Licklider without noise: per-synapse delays set by an expression, a
/// sound with an explicit t, coincidence detection.
#[test]
fn licklider_deterministic() {
    check_deterministic(&variant("licklider_det"), &exact);
}

/// Stimberg et al. (2018) Fig. 2 with both astrocytes deterministic: the
/// G-ChI model under Milstein, fed by a clock-driven synapse through a summed
/// variable.
#[test]
fn stimberg_2018_gchi_astrocyte_deterministic() {
    check_deterministic(&variant("stimberg_2018_gchi_astrocyte_det"), &exact);
}

/// Sturzl et al. (2000) without noise: a TimedArray read at t - d (d per
/// neuron), a condition with % and N_post, an inhibitory delay. The command
/// neurons' exact update has nearly equal time constants (1 ms and 1.001 ms):
/// Brian2's symbolic solution loses about 8 digits to cancellation there
/// (spikejit agrees with a 50-digit matrix exponential to 1e-15), so v, x of
/// the command neurons are compared at rtol 1e-6; spikes exactly.
#[test]
fn sturzl_et_al_2000_deterministic() {
    check_deterministic(&variant("sturzl_det"), &|file, arr| {
        if file.ends_with("neurons.npz") && (arr == "v" || arr == "x") {
            1e-6
        } else {
            1e-9
        }
    });
}

/// Brunel (2000), panel C, with connections by a condition and the PoissonInput
/// replaced by a hash of (i, step): 12500 neurons and 15.6 million synapses,
/// the synchronous start-up wave and the recurrent dynamics after it, spike for
/// spike (the deterministic side of tests/reference/brunel_study.md).
#[test]
fn brunel_2000_deterministic() {
    check_deterministic(&variant("brunel_2000_det"), &exact);
}

/// Diesmann et al. (1999) without noise and with V from an expression of i:
/// the synfire chain's generator connect and the input volley.
#[test]
fn diesmann_et_al_1999_deterministic() {
    check_deterministic(&variant("diesmann_et_al_1999_det"), &exact);
}

// ---- random: statistics ------------------------------------------------------------

#[test]
fn adaptive_threshold() {
    check_statistics(
        "adaptive_threshold",
        &[101, 102, 103],
        false,
        &[
            band("if_spikes", 0.5, 0.1, 0.0),
            band("pg_spikes", 0.5, 0.05, 0.0),
            band("v_cross_mv", 0.5, 0.02, 0.0),
            band("vt_mean_mv", 0.5, 0.02, 0.0),
        ],
        &|o| {
            stats_of(&[
                ("if_spikes", o.spikes("IF")),
                ("pg_spikes", o.spikes("PG")),
                ("v_cross_mv", mean(o.f("M_crossings", "v").iter().copied()) * 1e3),
                ("vt_mean_mv", mean(o.f("Mvt", "vt").iter().copied()) * 1e3),
            ])
        },
    );
}

fn cuba_like(o: &Out, monitor: &str) -> BTreeMap<String, f64> {
    let i = o.i(monitor, "i");
    let t: Vec<f64> = o.f(monitor, "t").iter().copied().collect();
    stats_of(&[
        ("rate_hz", i.len() as f64 / (4000.0 * 0.5)),
        ("cv", mean_cv(&i, &t)),
        ("synapses", o.synapses("Ce") + o.synapses("Ci")),
    ])
}

const CUBA_BANDS: [Band; 3] = [
    band("rate_hz", 0.5, 0.15, 0.0),
    band("cv", 0.5, 0.0, 0.05),
    band("synapses", 0.0, 0.0, 3000.0),
];

/// cuba_openmp: CUBA with (unless refractory) on ge and gi too, method 'linear'.
#[test]
fn cuba_openmp() {
    check_statistics("cuba_openmp", &[101, 102], false, &CUBA_BANDS, &|o| {
        cuba_like(o, "s_mon")
    });
}

/// float_32_64_benchmark: the CUBA network in float32.
#[test]
fn float_32_64_benchmark() {
    check_statistics("float_32_64_benchmark", &[101, 102], false, &CUBA_BANDS, &|o| {
        cuba_like(o, "spikes")
    });
}

#[test]
fn cobahh() {
    check_statistics(
        "cobahh",
        &[101],
        false,
        &[
            band("rate_hz", 0.5, 0.15, 0.0),
            band("active", 0.5, 0.1, 0.0),
            band("v_mean_mv", 1.0, 0.05, 0.0),
            band("synapses", 0.0, 0.0, 3000.0),
        ],
        &|o| {
            let i = o.i("spikes", "i");
            let mut u = i.clone();
            u.sort_unstable();
            u.dedup();
            stats_of(&[
                ("rate_hz", i.len() as f64 / (4000.0 * 0.1)),
                ("active", u.len() as f64),
                ("v_mean_mv", mean(o.f("trace", "v").iter().copied()) * 1e3),
                ("synapses", o.synapses("Ce") + o.synapses("Ci")),
            ])
        },
    );
}

#[test]
fn brunel_2000() {
    check_statistics(
        "brunel_2000",
        &[101],
        false,
        &[
            band("rate_hz", 0.5, 0.15, 0.0),
            band("first50_spikes", 0.5, 0.3, 0.0),
            band("pop_rate_late_hz", 0.5, 0.15, 0.0),
            band("pop_rate_late_sd_hz", 0.5, 0.2, 0.0),
            band("synapses", 0.0, 0.0, 20000.0),
        ],
        &|o| {
            let t: Vec<f64> = o.f("rate_monitor", "t").iter().copied().collect();
            let r: Vec<f64> = o.f("rate_monitor", "rate").iter().copied().collect();
            let late: Vec<f64> = t
                .iter()
                .zip(&r)
                .filter(|(tt, _)| **tt >= 0.05 - 1e-9)
                .map(|(_, x)| *x)
                .collect();
            stats_of(&[
                ("rate_hz", o.spikes("neurons") / (12500.0 * 0.15)),
                ("first50_spikes", o.i("spike_monitor", "i").len() as f64),
                ("pop_rate_late_hz", mean(late.iter().copied())),
                ("pop_rate_late_sd_hz", sd(late.iter().copied())),
                ("synapses", o.synapses("exc_synapses") + o.synapses("inhib_synapses")),
            ])
        },
    );
}

#[test]
fn brunel_hakim_1999() {
    check_statistics(
        "brunel_hakim_1999",
        &[101],
        false,
        &[
            band("rate_hz", 0.5, 0.1, 0.0),
            band("late_rate_hz", 0.5, 0.1, 0.0),
            band("late_binned_cv", 0.5, 0.1, 0.0),
            band("synapses", 0.0, 0.0, 10000.0),
        ],
        &|o| {
            let t: Vec<f64> = o.f("M", "t").iter().copied().collect();
            stats_of(&[
                ("rate_hz", o.spikes("group") / (5000.0 * 0.1)),
                ("late_rate_hz", window(&t, 0.05, 0.1) / (5000.0 * 0.05)),
                ("late_binned_cv", binned_cv(&t, 0.05, 0.1, 1e-3)),
                ("synapses", o.synapses("conn")),
            ])
        },
    );
}

#[test]
fn diesmann_et_al_1999() {
    check_statistics(
        "diesmann_et_al_1999",
        &[101, 102],
        false,
        &[
            band("spikes", 0.5, 0.1, 0.0),
            band("early_spikes", 0.5, 0.2, 0.0),
            band("group9_volley", 0.5, 0.1, 0.0),
            band("group9_median_ms", 0.5, 0.0, 0.3),
        ],
        &|o| {
            let i = o.i("Mgp", "i");
            let t: Vec<f64> = o.f("Mgp", "t").iter().copied().collect();
            let last: Vec<f64> = i
                .iter()
                .zip(&t)
                .filter(|(n, tt)| **n >= 900 && **tt >= 0.045 && **tt < 0.07)
                .map(|(_, tt)| *tt)
                .collect();
            stats_of(&[
                ("spikes", i.len() as f64),
                ("early_spikes", window(&t, 0.0, 0.045)),
                ("group9_volley", last.len() as f64),
                ("group9_median_ms", median(last) * 1e3),
            ])
        },
    );
}

#[test]
fn graupner_brunel_2012() {
    check_statistics(
        "graupner_brunel_2012",
        &[101, 102],
        true,
        &[
            band("rho_down_mean", 0.5, 0.1, 0.0),
            band("rho_down_sd", 0.5, 0.1, 0.0),
            band("rho_up_mean", 0.5, 0.01, 0.0),
            band("rho_up_sd", 0.5, 0.1, 0.0),
        ],
        &|o| {
            let rho: Vec<f64> = o.f("state/synapses", "rho").iter().copied().collect();
            let j = o.i("state/synapses", "j");
            let down: Vec<f64> = rho
                .iter()
                .zip(&j)
                .filter(|(_, jj)| **jj < 250)
                .map(|(r, _)| *r)
                .collect();
            let up: Vec<f64> = rho
                .iter()
                .zip(&j)
                .filter(|(_, jj)| **jj >= 250)
                .map(|(r, _)| *r)
                .collect();
            stats_of(&[
                ("rho_down_mean", mean(down.iter().copied())),
                ("rho_down_sd", sd(down.iter().copied())),
                ("rho_up_mean", mean(up.iter().copied())),
                ("rho_up_sd", sd(up.iter().copied())),
            ])
        },
    );
}

#[test]
fn izhikevich_2003() {
    check_statistics(
        "izhikevich_2003",
        &[101, 102],
        false,
        &[
            band("exc_rate_hz", 0.5, 0.1, 0.0),
            band("inh_rate_hz", 0.5, 0.1, 0.0),
            band("exc_binned_cv", 0.5, 0.8, 0.0),
        ],
        &|o| {
            let t: Vec<f64> = o.f("spikemon_exc", "t").iter().copied().collect();
            stats_of(&[
                ("exc_rate_hz", o.spikes("N_exc") / 800.0),
                ("inh_rate_hz", o.spikes("N_inh") / 200.0),
                ("exc_binned_cv", binned_cv(&t, 0.1, 1.0, 10e-3)),
            ])
        },
    );
}

#[test]
fn sturzl_et_al_2000() {
    check_statistics(
        "sturzl_et_al_2000",
        &[101, 102, 103],
        false,
        &[
            band("legs_spikes", 0.5, 0.03, 0.0),
            band("neurons_spikes", 0.5, 0.1, 0.0),
            band("phi_est_deg", 0.5, 0.0, 5.0),
        ],
        &|o| {
            let c: Vec<f64> = o.f("spikes", "count").iter().copied().collect();
            let (mut s, mut co) = (0.0, 0.0);
            for (k, n) in c.iter().enumerate() {
                let g = (22.5 + 45.0 * k as f64) * 2.0 * std::f64::consts::PI / 360.0;
                s += n * g.sin();
                co += n * g.cos();
            }
            stats_of(&[
                ("legs_spikes", o.spikes("legs")),
                ("neurons_spikes", o.spikes("neurons")),
                ("phi_est_deg", s.atan2(co).to_degrees()),
            ])
        },
    );
}

#[test]
fn vogels_et_al_2011() {
    check_statistics(
        "vogels_et_al_2011",
        &[101],
        true,
        &[
            band("rate_before_hz", 0.5, 0.05, 0.0),
            band("rate_end_hz", 0.5, 0.15, 0.0),
            band("w_mean", 0.5, 0.15, 0.0),
        ],
        &|o| {
            let t: Vec<f64> = o.f("sm", "t").iter().copied().collect();
            stats_of(&[
                ("rate_before_hz", window(&t, 0.0, 0.2) / (800.0 * 0.2)),
                ("rate_end_hz", window(&t, 0.6, 0.8) / (800.0 * 0.2)),
                ("w_mean", mean(o.f("state/con_ie", "w").iter().copied())),
            ])
        },
    );
}

#[test]
fn licklider() {
    check_statistics(
        "licklider",
        &[101, 102],
        false,
        &[
            band("neuron_spikes", 0.5, 0.1, 0.0),
            band("receptor_spikes", 0.5, 0.05, 0.0),
            band("index_mean", 0.5, 0.05, 0.0),
        ],
        &|o| {
            stats_of(&[
                ("neuron_spikes", o.spikes("neurons")),
                ("receptor_spikes", o.spikes("receptors")),
                ("index_mean", mean(o.i("spikes", "i").iter().map(|x| *x as f64))),
            ])
        },
    );
}

#[test]
fn stdp_standalone() {
    check_statistics(
        "stdp_standalone",
        &[101, 102],
        true,
        &[
            band("out_spikes", 0.5, 0.2, 0.0),
            band("in_spikes", 0.5, 0.02, 0.0),
            band("w_mean", 0.5, 0.05, 0.0),
            band("w_sd", 0.5, 0.05, 0.0),
        ],
        &|o| {
            let w: Vec<f64> = o.f("state/S", "w").iter().map(|x| x / 0.01).collect();
            stats_of(&[
                ("out_spikes", o.spikes("neurons")),
                ("in_spikes", o.spikes("input")),
                ("w_mean", mean(w.iter().copied())),
                ("w_sd", sd(w.iter().copied())),
            ])
        },
    );
}

#[test]
fn stimberg_2018_gchi_astrocyte() {
    check_statistics(
        "stimberg_2018_gchi_astrocyte",
        &[101, 102, 103],
        false,
        &[
            band("C1_mean_um", 0.5, 0.1, 0.0),
            band("C1_max_um", 0.5, 0.1, 0.0),
            band("I1_mean_um", 0.5, 0.1, 0.0),
            band("h1_mean", 0.5, 0.05, 0.0),
        ],
        &|o| {
            let row1 = |v: &str| -> Vec<f64> {
                let a = o.f("astro_mon", v);
                a.index_axis(ndarray::Axis(0), 1).iter().copied().collect()
            };
            let c = row1("C");
            stats_of(&[
                ("C1_mean_um", mean(c.iter().copied()) * 1e3),
                ("C1_max_um", c.iter().copied().fold(f64::MIN, f64::max) * 1e3),
                ("I1_mean_um", mean(row1("I")) * 1e3),
                ("h1_mean", mean(row1("h"))),
            ])
        },
    );
}

#[test]
fn stimberg_2018_coba_with_astro() {
    check_statistics(
        "stimberg_2018_coba_with_astro",
        &[101],
        true,
        &[
            band("exc_rate_phase1_hz", 0.5, 0.2, 0.0),
            band("exc_rate_phase2_hz", 0.5, 0.2, 0.0),
            band("exc_rate_phase3_hz", 0.5, 0.1, 0.0),
            band("exc_rate_phase4_hz", 0.5, 0.15, 0.0),
            band("inh_rate_hz", 0.5, 0.1, 0.0),
            band("astro_C_mean_um", 0.5, 0.05, 0.0),
            band("astro_I_mean_um", 0.5, 0.05, 0.0),
            band("astro_Gamma_A_mean", 0.5, 0.1, 0.0),
        ],
        &|o| {
            let te: Vec<f64> = o.f("exc_mon", "t").iter().copied().collect();
            let ti = o.f("inh_mon", "t");
            let mut s = BTreeMap::new();
            for k in 0..4 {
                let a = 0.3 * k as f64;
                s.insert(
                    format!("exc_rate_phase{}_hz", k + 1),
                    window(&te, a, a + 0.3) / (400.0 * 0.3),
                );
            }
            s.insert("inh_rate_hz".into(), ti.len() as f64 / (100.0 * 1.2));
            s.insert(
                "astro_C_mean_um".into(),
                mean(o.f("state/astrocytes", "C").iter().copied()) * 1e3,
            );
            s.insert(
                "astro_I_mean_um".into(),
                mean(o.f("state/astrocytes", "I").iter().copied()) * 1e3,
            );
            s.insert(
                "astro_Gamma_A_mean".into(),
                mean(o.f("state/astrocytes", "Gamma_A").iter().copied()),
            );
            s
        },
    );
}

#[test]
fn brunel_wang_2001() {
    check_statistics(
        "brunel_wang_2001",
        &[101],
        false,
        &[
            band("sel1_stim_hz", 0.5, 0.15, 0.0),
            band("sel1_after_hz", 0.5, 0.3, 3.0),
            band("sel2_stim_hz", 0.5, 0.15, 0.0),
            band("nonsel_hz", 0.5, 0.2, 0.5),
            band("inh_hz", 0.5, 0.1, 0.0),
            band("reset_exc_hz", 0.5, 0.15, 0.0),
        ],
        &|o| {
            let i = o.i("sp_E", "i");
            let t: Vec<f64> = o.f("sp_E", "t").iter().copied().collect();
            let sel = |a: i64, b: i64| -> Vec<f64> {
                i.iter()
                    .zip(&t)
                    .filter(|(n, _)| **n >= a && **n < b)
                    .map(|(_, x)| *x)
                    .collect()
            };
            let (s1, s2) = (sel(80, 96), sel(96, 112));
            stats_of(&[
                ("sel1_stim_hz", window(&s1, 0.25, 0.3) / (16.0 * 0.05)),
                ("sel1_after_hz", window(&s1, 0.3, 0.5) / (16.0 * 0.2)),
                ("sel2_stim_hz", window(&s2, 0.5, 0.55) / (16.0 * 0.05)),
                ("nonsel_hz", i.iter().filter(|n| **n < 80).count() as f64 / 80.0),
                ("inh_hz", o.f("sp_I", "t").len() as f64 / 40.0),
                ("reset_exc_hz", window(&t, 0.75, 0.8) / (160.0 * 0.05)),
            ])
        },
    );
}
