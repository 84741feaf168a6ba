//! Brian2's synapse examples as model files (`examples/*.toml`, made from
//! brian-team/brian2 `examples/synapses/*.py` and `examples/advanced/custom_events.py`),
//! run through the CLI and compared with what Brian2 2.9.0 does
//! (`tests/reference/expected/examples/`, made by `tests/reference/examples.sh`):
//!
//! - deterministic examples (gapjunctions, nonlinear, continuous_interaction) and the
//!   deterministic variants of `tests/reference/models/examples/` (custom_events and
//!   spike_based_homeostasis with their Poisson inputs replaced by fixed spike trains):
//!   every array Brian2 wrote, spikes and integers exactly, traces and state within
//!   rtol 1e-9 (as `tests/brian_reference.rs`);
//! - random examples: statistics within bands around Brian2's values over seeds 1..12
//!   (`NAME_stats.json`, definitions in `tests/reference/examples_stats.py`), plus the
//!   parts of each that are not random, exactly (connectivity by a formula, weights,
//!   delays, and relations between recorded variables that hold whatever the draws).

use std::fs::File;
use std::path::{Path, PathBuf};

use ndarray::ArrayD;

mod common;
use common::{Arr, compare_file, read_all, root, run_file};

/// Runs `spikejit run FILE --out TMP --quiet --dump-state EXTRA...` and returns TMP.
fn run_dumped(file: &Path, tag: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["--dump-state"];
    args.extend_from_slice(extra);
    run_file(file, tag, &args)
}

fn example(name: &str) -> PathBuf {
    root().join("examples").join(format!("{name}.toml"))
}

fn run_example(name: &str, seed: u64) -> PathBuf {
    let s = seed.to_string();
    run_dumped(&example(name), &format!("{name}-{seed}"), &["--seed", &s])
}

/// Array `name` of the npz file `dir/file` as f64 (integers and booleans converted).
fn arr(dir: &Path, file: &str, name: &str) -> ArrayD<f64> {
    let path = dir.join(file);
    let all = read_all(&path);
    let (_, a) = all
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("{}: no array '{name}'", path.display()));
    match a {
        Arr::F(x) => x,
        Arr::I(x) => x.mapv(f64::from),
        Arr::B(x) => x.mapv(|b| if b { 1.0 } else { 0.0 }),
    }
}

/// A 1-D array as a Vec.
fn vec1(dir: &Path, file: &str, name: &str) -> Vec<f64> {
    arr(dir, file, name).iter().copied().collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_reader(File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary_count(out: &Path, section: &str, name: &str) -> f64 {
    let s = json(&out.join("summary.json"));
    s[section][name]
        .as_f64()
        .unwrap_or_else(|| panic!("summary.json: no {section}.{name}"))
}

/// A deterministic model file against everything Brian2 wrote for it in
/// `tests/reference/expected/examples/NAME/`.
fn check_exact(file: &Path, name: &str) {
    let out = run_dumped(file, name, &[]);
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
        let rel = f.strip_prefix(&expected).expect("prefix");
        problems.extend(compare_file(&f, &out.join(rel), &|_| 1e-9));
    }
    let want = json(&expected.join("summary.json"));
    let got = json(&out.join("summary.json"));
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

/// Brian2's statistics of a random example (`NAME_stats.json`).
struct Stats(serde_json::Value);

impl Stats {
    fn load(name: &str) -> Stats {
        Stats(json(
            &root()
                .join("tests/reference/expected/examples")
                .join(format!("{name}_stats.json")),
        ))
    }

    fn get(&self, what: &str, key: &str) -> f64 {
        self.0[what][key]
            .as_f64()
            .unwrap_or_else(|| panic!("stats: no {what}.{key}"))
    }

    /// Brian2's mean over its seeds +- k standard deviations (over its seeds), widened to
    /// include every seed's value and by `slack` on each side.
    fn band(&self, key: &str, k: f64, slack: f64) -> (f64, f64) {
        let (m, s) = (self.get("mean", key), self.get("std", key));
        let lo = (m - k * s).min(self.get("min", key)) - slack;
        let hi = (m + k * s).max(self.get("max", key)) + slack;
        (lo, hi)
    }

    /// The closed-form expected value and standard deviation.
    fn analytic(&self, key: &str) -> (f64, f64) {
        let a = &self.0["analytic"][key];
        (
            a[0].as_f64().unwrap_or_else(|| panic!("stats: no analytic.{key}")),
            a[1].as_f64().unwrap_or_else(|| panic!("stats: no analytic.{key}")),
        )
    }
}

/// Collects band violations instead of stopping at the first.
#[derive(Default)]
struct Checks(Vec<String>);

impl Checks {
    fn within(&mut self, what: &str, x: f64, (lo, hi): (f64, f64)) {
        if !(x >= lo && x <= hi) {
            self.0.push(format!("{what} = {x} outside Brian2's band [{lo}, {hi}]"));
        }
    }

    fn close(&mut self, what: &str, got: f64, want: f64) {
        if (got - want).abs() > 1e-9 * want.abs() + 1e-300 {
            self.0.push(format!("{what}: spikejit {got} vs expected {want}"));
        }
    }

    fn that(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn done(self, name: &str) {
        assert!(self.0.is_empty(), "{name}:\n  {}", self.0.join("\n  "));
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn std0(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64).sqrt()
}

// ------------------------------------------------------------------------------------
// deterministic examples and variants: exact
// ------------------------------------------------------------------------------------

#[test]
fn gapjunctions() {
    check_exact(&example("gapjunctions"), "gapjunctions");
}

#[test]
fn nonlinear() {
    check_exact(&example("nonlinear"), "nonlinear");
}

#[test]
fn continuous_interaction() {
    check_exact(&example("continuous_interaction"), "continuous_interaction");
}

#[test]
fn custom_events_deterministic() {
    let f = root().join("tests/reference/models/examples/custom_events_det.toml");
    check_exact(&f, "custom_events_det");
}

#[test]
fn spike_based_homeostasis_deterministic() {
    let f = root().join("tests/reference/models/examples/spike_based_homeostasis_det.toml");
    check_exact(&f, "spike_based_homeostasis_det");
}

// ------------------------------------------------------------------------------------
// random examples: statistics, and the parts that are not random exactly
// ------------------------------------------------------------------------------------

/// STDP: input and output spike counts, mean and spread of the final weights.
#[test]
fn stdp() {
    let st = Stats::load("stdp");
    let mut c = Checks::default();
    let (m, s) = st.analytic("input_spikes");
    for seed in [1, 2, 3] {
        let out = run_example("stdp", seed);
        let inp = vec1(&out, "s_mon.npz", "i").len() as f64;
        let outp = vec1(&out, "out_spikes.npz", "i").len() as f64;
        let w: Vec<f64> = vec1(&out, "state/S.npz", "w").iter().map(|x| x / 0.01).collect();
        c.within(&format!("seed {seed}: input spikes"), inp, (m - 5.0 * s, m + 5.0 * s));
        c.within(
            &format!("seed {seed}: output spikes"),
            outp,
            st.band("output_spikes", 5.0, 3.0),
        );
        c.within(
            &format!("seed {seed}: mean w/gmax"),
            mean(&w),
            st.band("w_mean", 5.0, 0.005),
        );
        c.within(
            &format!("seed {seed}: std w/gmax"),
            std0(&w),
            st.band("w_std", 5.0, 0.005),
        );
        c.that(w.len() == 1000, || {
            format!("seed {seed}: {} synapses, want 1000", w.len())
        });
        c.that(w.iter().all(|x| (0.0..=1.0).contains(x)), || {
            format!("seed {seed}: a weight outside [0, gmax]")
        });
        let mw = arr(&out, "mon.npz", "w");
        c.that(mw.shape() == [2, 10000], || {
            format!("seed {seed}: mon.w shape {:?}", mw.shape())
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    c.done("stdp");
}

/// Jeffress: spike counts and the place code (the mean index of the active detector
/// moves up as the source turns); the interaural delay trace and the delay lines are
/// not random and are checked against their formulas.
#[test]
fn jeffress() {
    let st = Stats::load("jeffress");
    let mut c = Checks::default();
    let max_delay = 0.2 / 300.0;
    let dt = 0.02e-3;
    for seed in [1, 2, 3] {
        let out = run_example("jeffress", seed);
        let i = vec1(&out, "spikes.npz", "i");
        let t = vec1(&out, "spikes.npz", "t");
        let ears = vec1(&out, "ear_spikes.npz", "i").len() as f64;
        let early: Vec<f64> = i.iter().zip(&t).filter(|(_, t)| **t < 0.05).map(|(i, _)| *i).collect();
        let late: Vec<f64> = i.iter().zip(&t).filter(|(_, t)| **t >= 0.1).map(|(i, _)| *i).collect();
        // the detector count varies from seed to seed more than 20 seeds show (Brian2's
        // standard deviation over 70 seeds is 15, spikejit's 18): 30 spikes of slack
        c.within(
            &format!("seed {seed}: detector spikes"),
            i.len() as f64,
            st.band("spikes", 5.0, 30.0),
        );
        c.within(
            &format!("seed {seed}: ear spikes"),
            ears,
            st.band("ear_spikes", 5.0, 5.0),
        );
        c.within(
            &format!("seed {seed}: mean index t<50ms"),
            mean(&early),
            st.band("idx_early", 5.0, 1.0),
        );
        c.within(
            &format!("seed {seed}: mean index t>=100ms"),
            mean(&late),
            st.band("idx_late", 5.0, 1.0),
        );
        // delay = distance*sin(theta), theta integrated by euler from 0
        let d = arr(&out, "traces.npz", "delay");
        c.that(d.shape() == [2, 7500], || {
            format!("seed {seed}: traces.delay shape {:?}", d.shape())
        });
        if d.shape() == [2, 7500] {
            let mut theta = 0.0f64;
            for n in 0..7500 {
                for (k, dist) in [-0.5 * max_delay, 0.5 * max_delay].iter().enumerate() {
                    let want = dist * theta.sin();
                    let got = d[[k, n]];
                    if (got - want).abs() > 1e-9 * want.abs() + 1e-18 {
                        c.0.push(format!("seed {seed}: traces.delay[{k}, {n}] = {got}, want {want}"));
                    }
                }
                theta += dt * 2.0 * std::f64::consts::PI;
            }
        }
        // the delay lines
        let si = vec1(&out, "state/synapses.npz", "i");
        let sj = vec1(&out, "state/synapses.npz", "j");
        let sd = vec1(&out, "state/synapses.npz", "pre.delay");
        c.that(si.len() == 60, || {
            format!("seed {seed}: {} synapses, want 60", si.len())
        });
        for ((i, j), d) in si.iter().zip(&sj).zip(&sd) {
            let want = if *i == 0.0 { *j } else { 29.0 - *j } / 29.0 * 1.1 * max_delay;
            c.close(&format!("seed {seed}: delay of synapse {i}->{j}"), *d, want);
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    c.done("jeffress");
}

/// Spatial connections: the deterministic synapses are the pairs closer than 120 um, in
/// Brian2's order; the random ones have the expected count, no self-connections, and
/// every pair with probability >= 1 connected.
#[test]
fn spatial_connections() {
    let st = Stats::load("spatial_connections");
    let mut c = Checks::default();
    let g = 25e-6;
    let pos = |k: usize| ((k / 20) as f64 * g - 10.0 * g, (k % 20) as f64 * g - 10.0 * g);
    let d2 = |a: usize, b: usize| {
        let ((xa, ya), (xb, yb)) = (pos(a), pos(b));
        (xa - xb).powi(2) + (ya - yb).powi(2)
    };
    let mut want_i = Vec::new();
    let mut want_j = Vec::new();
    for a in 0..400 {
        for b in 0..400 {
            if d2(a, b).sqrt() < 120e-6 {
                want_i.push(a as f64);
                want_j.push(b as f64);
            }
        }
    }
    let (m, s) = st.analytic("stoch_synapses");
    let mut total = 0.0;
    let seeds = [1, 2, 3];
    for seed in seeds {
        let out = run_example("spatial_connections", seed);
        let det = summary_count(&out, "synapse_counts", "S_deterministic");
        c.that(det == st.get("mean", "det_synapses"), || {
            format!(
                "seed {seed}: {det} deterministic synapses, Brian2 {}",
                st.get("mean", "det_synapses")
            )
        });
        let (di, dj) = (
            vec1(&out, "state/S_deterministic.npz", "i"),
            vec1(&out, "state/S_deterministic.npz", "j"),
        );
        c.that(di == want_i && dj == want_j, || {
            format!("seed {seed}: S_deterministic i, j differ from the pairs closer than 120 um")
        });
        let x = vec1(&out, "state/G.npz", "x");
        c.that((0..400).all(|k| (x[k] - pos(k).0).abs() <= 1e-9 * g), || {
            format!("seed {seed}: G.x")
        });
        let stoch = summary_count(&out, "synapse_counts", "S_stochastic");
        total += stoch;
        c.within(
            &format!("seed {seed}: stochastic synapses"),
            stoch,
            (m - 5.0 * s, m + 5.0 * s),
        );
        let (si, sj) = (
            vec1(&out, "state/S_stochastic.npz", "i"),
            vec1(&out, "state/S_stochastic.npz", "j"),
        );
        c.that(si.iter().zip(&sj).all(|(a, b)| a != b), || {
            format!("seed {seed}: a self-connection")
        });
        let mut have = vec![false; 400 * 400];
        for (a, b) in si.iter().zip(&sj) {
            have[*a as usize * 400 + *b as usize] = true;
        }
        let sure = 2.0 * (60e-6f64).powi(2) * 1.5f64.ln();
        let missing = (0..400)
            .flat_map(|a| (0..400).map(move |b| (a, b)))
            .filter(|&(a, b)| a != b && d2(a, b) < sure * (1.0 - 1e-9) && !have[a * 400 + b])
            .count();
        c.that(missing == 0, || {
            format!("seed {seed}: {missing} pairs with p >= 1 not connected")
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    let n = seeds.len() as f64;
    c.within(
        "mean stochastic synapses",
        total / n,
        (m - 4.0 * s / n.sqrt(), m + 4.0 * s / n.sqrt()),
    );
    c.done("spatial_connections");
}

/// State variables: the weights set by a string expression with a condition index are
/// exact; v (with randn()) is checked by its residual statistics.
#[test]
fn state_variables() {
    let st = Stats::load("state_variables");
    let mut c = Checks::default();
    let (m, s) = st.analytic("v_resid_mean");
    for seed in [1, 2, 3] {
        let out = run_example("state_variables", seed);
        let (i, j, w) = (
            vec1(&out, "state/S.npz", "i"),
            vec1(&out, "state/S.npz", "j"),
            vec1(&out, "state/S.npz", "w"),
        );
        c.that(w.len() == 10000, || format!("seed {seed}: {} synapses", w.len()));
        for k in 0..w.len() {
            let want = if i[k] > j[k] {
                (-(i[k] - j[k]).powi(2) / 200.0).exp() * 1e-3
            } else {
                0.0
            };
            if (w[k] - want).abs() > 1e-9 * want.abs() {
                c.0.push(format!(
                    "seed {seed}: w[{k}] ({}->{}) = {}, want {want}",
                    i[k], j[k], w[k]
                ));
                break;
            }
        }
        c.close(
            &format!("seed {seed}: sum of w"),
            w.iter().sum(),
            st.get("mean", "w_sum"),
        );
        let v = vec1(&out, "state/G.npz", "v");
        let r: Vec<f64> = v
            .iter()
            .enumerate()
            .map(|(k, v)| v / 1e-3 - (2.0 * std::f64::consts::PI * k as f64 / 100.0).sin() + 70.0)
            .collect();
        c.within(
            &format!("seed {seed}: mean v residual (mV)"),
            mean(&r),
            (m - 5.0 * s, m + 5.0 * s),
        );
        c.within(
            &format!("seed {seed}: std v residual (mV)"),
            std0(&r),
            st.band("v_resid_std", 5.0, 0.01),
        );
        let spikes = summary_count(&out, "spike_counts", "G");
        c.that(spikes == 0.0, || format!("seed {seed}: {spikes} spikes, Brian2 none"));
        let _ = std::fs::remove_dir_all(&out);
    }
    c.done("state_variables");
}

/// synapses.py: the connection count and the delays are random; given each synapse's
/// delay, its weight (event-driven decay until the spike arrives), lastupdate and its
/// target's final v are determined exactly.
#[test]
fn synapses() {
    let st = Stats::load("synapses");
    let mut c = Checks::default();
    let dt = 1e-4;
    let (mut n_syn, mut resid) = (0.0, Vec::new());
    // Twelve seeds (~90 delays): the band on the mean squared residual is a
    // normal approximation of a scaled chi-square, whose upper tail is longer;
    // with six (~45 delays) an unlucky draw falls outside it more often than
    // 5 sigma says (seeds 1-6 of the keyed streams of issue 17 did).
    let seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    for seed in seeds {
        let out = run_example("synapses", seed);
        let f = "state/syn.npz";
        let (i, j, d, w, lu) = (
            vec1(&out, f, "i"),
            vec1(&out, f, "j"),
            vec1(&out, f, "pre.delay"),
            vec1(&out, f, "w"),
            vec1(&out, f, "lastupdate"),
        );
        let v2 = vec1(&out, "state/G2.npz", "v");
        let spikes = summary_count(&out, "spike_counts", "G1");
        c.that(spikes == 10.0, || {
            format!("seed {seed}: G1 fired {spikes} times, want 10")
        });
        n_syn += i.len() as f64;
        c.that(i == j, || format!("seed {seed}: a synapse with i != j"));
        let mut want_v = [0.0f64; 10];
        for k in 0..i.len() {
            resid.push((d[k] - (1e-3 + i[k] * 1e-3)) / 1e-3);
            // G1 fires at step 0; the spike arrives at step round(delay/dt)
            let steps = (d[k] / dt).round();
            let t_arr = steps * dt;
            let want_w = (-t_arr / 50e-3).exp();
            c.close(&format!("seed {seed}: w of synapse {k}"), w[k], want_w);
            c.close(&format!("seed {seed}: lastupdate of synapse {k}"), lu[k], t_arr);
            // v of G2 decays (exact) over the 199 - steps updates after the arrival
            want_v[j[k] as usize] = want_w * (-(199.0 - steps) * dt / 10e-3).exp();
        }
        for (n, want) in want_v.iter().enumerate() {
            if (v2[n] - want).abs() > 1e-9 * want.abs() + 1e-15 {
                c.0.push(format!("seed {seed}: G2.v[{n}] = {}, want {want}", v2[n]));
            }
        }
        let mv = arr(&out, "mon.npz", "v");
        c.that(mv.shape() == [10, 200], || {
            format!("seed {seed}: mon.v shape {:?}", mv.shape())
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    // Binomial(10*seeds, 0.75) connections; delay residuals N(0, 0.25 ms)
    let n = seeds.len() as f64;
    let (m, s) = st.analytic("synapses");
    c.within(
        "synapses over the seeds",
        n_syn,
        (n * m - 5.0 * s * n.sqrt(), n * m + 5.0 * s * n.sqrt()),
    );
    let k = resid.len() as f64;
    c.within(
        "mean delay residual (ms)",
        mean(&resid),
        (-5.0 * 0.25 / k.sqrt(), 5.0 * 0.25 / k.sqrt()),
    );
    let sq = resid.iter().map(|r| r * r).sum::<f64>() / k;
    let sd_sq = 2f64.sqrt() * 0.0625 / k.sqrt();
    c.within(
        "mean squared delay residual (ms^2)",
        sq,
        (0.0625 - 5.0 * sd_sq, 0.0625 + 5.0 * sd_sq),
    );
    c.done("synapses");
}

/// Spike-based homeostasis: spike counts, the plastic weight per stimulus phase; the
/// neuron without homeostasis is silent while its only input is off.
#[test]
fn spike_based_homeostasis() {
    let st = Stats::load("spike_based_homeostasis");
    let mut c = Checks::default();
    for seed in [1, 2, 3] {
        let out = run_example("spike_based_homeostasis", seed);
        for (key, group) in [
            ("steady", "steady_poisson"),
            ("varying", "varying_poisson"),
            ("with", "neuron_with_homeostasis"),
            ("without", "neuron_without_homeostasis"),
        ] {
            let n = summary_count(&out, "spike_counts", group);
            c.within(&format!("seed {seed}: spikes of {group}"), n, st.band(key, 5.0, 3.0));
        }
        let wf = vec1(&out, "state/plastic_synapse.npz", "w")[0];
        c.within(&format!("seed {seed}: final w"), wf, st.band("w_final", 5.0, 0.1));
        let (w, t) = (arr(&out, "M2.npz", "w"), vec1(&out, "M2.npz", "t"));
        c.that(w.shape() == [1, 4000], || {
            format!("seed {seed}: M2.w shape {:?}", w.shape())
        });
        c.that(w.iter().all(|x| (0.0..=2.0).contains(x)), || {
            format!("seed {seed}: w outside [0, w_max]")
        });
        for k in 0..5 {
            let (a, b) = (0.4 * k as f64 - 1e-9, 0.4 * (k + 1) as f64 - 1e-9);
            let sel: Vec<f64> = t
                .iter()
                .enumerate()
                .filter(|(_, t)| **t >= a && **t < b)
                .map(|(n, _)| w[[0, n]])
                .collect();
            c.within(
                &format!("seed {seed}: mean w in phase {k}"),
                mean(&sel),
                st.band(&format!("w_phase{k}"), 5.0, 0.1),
            );
        }
        let (r, rt) = (
            vec1(&out, "M_rate_neuron_without_homeostasis.npz", "rate"),
            vec1(&out, "M_rate_neuron_without_homeostasis.npz", "t"),
        );
        let silent = r
            .iter()
            .zip(&rt)
            .filter(|(_, t)| (**t >= 0.81 && **t < 1.2) || **t >= 1.61)
            .all(|(r, _)| *r == 0.0);
        c.that(silent, || {
            format!("seed {seed}: the neuron without homeostasis fires without input")
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    c.done("spike_based_homeostasis");
}

/// Custom events: counts of input spikes, spikes and gspike events; every recorded
/// gspike has g > 1 and every spike v > 1; H's x and y jump exactly once per spike and
/// per gspike event (the two pathways on their events).
#[test]
fn custom_events() {
    let st = Stats::load("custom_events");
    let mut c = Checks::default();
    let (m, s) = st.analytic("inp_spikes");
    for seed in [1, 2, 3] {
        let out = run_example("custom_events", seed);
        let inp = summary_count(&out, "spike_counts", "inp");
        c.within(&format!("seed {seed}: input spikes"), inp, (m - 5.0 * s, m + 5.0 * s));
        let gs = summary_count(&out, "spike_counts", "G");
        c.within(&format!("seed {seed}: spikes of G"), gs, st.band("g_spikes", 5.0, 2.0));
        let (et, eg) = (vec1(&out, "Mgspike.npz", "t"), vec1(&out, "Mgspike.npz", "g"));
        c.within(
            &format!("seed {seed}: gspike events"),
            et.len() as f64,
            st.band("gspike_events", 5.0, 3.0),
        );
        c.that(eg.iter().all(|g| *g > 1.0), || {
            format!("seed {seed}: a gspike event with g <= 1")
        });
        let (spt, spv) = (vec1(&out, "Mspike.npz", "t"), vec1(&out, "Mspike.npz", "v"));
        c.that(spv.iter().all(|v| *v > 1.0), || {
            format!("seed {seed}: a spike with v <= 1")
        });
        let (x, y) = (arr(&out, "MHstate.npz", "x"), arr(&out, "MHstate.npz", "y"));
        let jumps = |a: &ArrayD<f64>| (1..a.shape()[1]).filter(|&n| a[[0, n]] > a[[0, n - 1]]).count();
        // an event in the last step (t = 499.9 ms) shows in no recorded column
        let last = 0.5 - 1.5e-4;
        let want_x = spt.iter().filter(|t| **t < last).count();
        let want_y = et.iter().filter(|t| **t < last).count();
        c.that(jumps(&x) == want_x, || {
            format!("seed {seed}: x jumps {} times, G spiked {want_x} times", jumps(&x))
        });
        c.that(jumps(&y) == want_y, || {
            format!("seed {seed}: y jumps {} times, {want_y} gspike events", jumps(&y))
        });
        let _ = std::fs::remove_dir_all(&out);
    }
    c.done("custom_events");
}
