//! Random inputs and noise, checked by their statistics (the values Brian2's
//! implementations are built to give): PoissonGroup rates, PoissonInput counts
//! (binomial and its normal approximation), white noise `xi` (the stationary
//! variance of an Ornstein–Uhlenbeck process), `rand()`/`randn()` in initial
//! values, and `connect(p=...)`. Bands are 5 standard errors wide.

use spikejit::sim::{
    Connect, Network, NeuronGroup, PoissonGroup, PoissonInput, Selection, SpikeMonitor, Synapses, Value,
};
use spikejit::units::Dim;

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n)
}

#[test]
fn poisson_group_rate() {
    let mut net = Network::new();
    net.set_seed(3);
    let p = net
        .add_poisson_group(PoissonGroup {
            name: Some("P".into()),
            n: 1000,
            rates: "20*Hz".into(),
        })
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(p)).unwrap();
    net.run(1.0).unwrap();
    let n = net.spike_monitor(m).unwrap().t.len() as f64;
    // 20 000 expected, Poisson: sd 141.
    assert!((n - 20_000.0).abs() < 5.0 * 141.0, "{n} spikes");
}

#[test]
fn poisson_group_rate_expression() {
    let mut net = Network::new();
    net.set_seed(4);
    let p = net
        .add_poisson_group(PoissonGroup {
            name: Some("P".into()),
            n: 200,
            rates: "(10 + 0.2*i)*Hz".into(),
        })
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(p)).unwrap();
    net.run(2.0).unwrap();
    let count = net.spike_monitor(m).unwrap().count;
    let low: i32 = count.iter().take(100).sum();
    let high: i32 = count.iter().skip(100).sum();
    // expected 2 s × Σ rates: 2*(1000 + 0.2*4950) = 3980 and 2*(1000 + 0.2*14950) = 7980
    assert!((f64::from(low) - 3980.0).abs() < 5.0 * 3980f64.sqrt(), "{low}");
    assert!((f64::from(high) - 7980.0).abs() < 5.0 * 7980f64.sqrt(), "{high}");
}

fn poisson_input_counts(n: usize, rate: f64, steps: usize) -> Vec<f64> {
    let mut net = Network::new();
    net.set_seed(5);
    let g = net.add_neurons(NeuronGroup::new(2000, "x : 1")).unwrap();
    net.add_poisson_input(PoissonInput {
        name: None,
        target: g,
        var: "x".into(),
        n,
        rate,
        weight: "1".into(),
    })
    .unwrap();
    net.run(steps as f64 * 1e-4).unwrap();
    net.get(g, "x").unwrap().to_vec()
}

#[test]
fn poisson_input_binomial() {
    // N p = 1000 * 2 Hz * 0.1 ms = 0.2 per step: binomial draws
    let steps = 100;
    let x = poisson_input_counts(1000, 2.0, steps);
    let (m, v) = mean_var(&x);
    let p = 2.0 * 1e-4;
    let (em, ev) = (steps as f64 * 1000.0 * p, steps as f64 * 1000.0 * p * (1.0 - p));
    assert!((m - em).abs() < 5.0 * (ev / 2000.0).sqrt(), "mean {m} vs {em}");
    assert!((v - ev).abs() < 0.15 * ev, "variance {v} vs {ev}");
    assert!(x.iter().all(|c| c.fract() == 0.0), "binomial counts are integers");
}

#[test]
fn poisson_input_normal_approximation() {
    // N p = 1000 * 100 Hz * 0.1 ms = 10 > 5: Brian2's normal approximation
    let steps = 50;
    let x = poisson_input_counts(1000, 100.0, steps);
    let (m, v) = mean_var(&x);
    let p = 100.0 * 1e-4;
    let (em, ev) = (steps as f64 * 1000.0 * p, steps as f64 * 1000.0 * p * (1.0 - p));
    assert!((m - em).abs() < 5.0 * (ev / 2000.0).sqrt(), "mean {m} vs {em}");
    assert!((v - ev).abs() < 0.15 * ev, "variance {v} vs {ev}");
}

#[test]
fn white_noise_ornstein_uhlenbeck_variance() {
    let mut net = Network::new();
    net.set_seed(6);
    net.constant("tau", 10e-3, Dim::SECOND).unwrap();
    net.constant("sigma", 0.5, Dim::ONE).unwrap();
    let g = net
        .add_neurons(NeuronGroup::new(4000, "dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1"))
        .unwrap();
    net.run(0.1).unwrap();
    let (m, v) = mean_var(&net.get(g, "v").unwrap().to_vec());
    // stationary: mean 0, variance sigma**2 = 0.25 (euler: 0.25/(1 - dt/(2 tau)) ≈ 0.2506)
    assert!(m.abs() < 5.0 * (0.25f64 / 4000.0).sqrt(), "mean {m}");
    assert!((v - 0.25).abs() < 0.025, "variance {v}");
}

#[test]
fn rand_and_randn_initial_values() {
    let mut net = Network::new();
    net.set_seed(7);
    let g = net.add_neurons(NeuronGroup::new(20_000, "u : 1\nz : 1")).unwrap();
    net.set(g, "u", Value::Expr("rand()".into()), Selection::All).unwrap();
    net.set(g, "z", Value::Expr("2 + 3*randn()".into()), Selection::All)
        .unwrap();
    let u = net.get(g, "u").unwrap().to_vec();
    assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
    let (m, v) = mean_var(&u);
    assert!((m - 0.5).abs() < 0.01 && (v - 1.0 / 12.0).abs() < 0.005, "{m} {v}");
    let (m, v) = mean_var(&net.get(g, "z").unwrap().to_vec());
    assert!((m - 2.0).abs() < 0.1 && (v - 9.0).abs() < 0.5, "{m} {v}");
}

#[test]
fn connect_probability() {
    let mut net = Network::new();
    net.set_seed(8);
    let g = net.add_neurons(NeuronGroup::new(1000, "v : 1")).unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
    net.connect(s, Connect::p(0.05)).unwrap();
    let n = net.synapse_counts()[0].1 as f64;
    // 50 000 expected, binomial sd 218
    assert!((n - 50_000.0).abs() < 5.0 * 218.0, "{n}");
    // Row-major order: presynaptic indices never decrease, postsynaptic ones
    // increase within a row.
    let i = net.get(s, "_pre").unwrap().to_vec();
    let j = net.get(s, "_post").unwrap().to_vec();
    for k in 1..i.len() {
        assert!(i[k] > i[k - 1] || (i[k] == i[k - 1] && j[k] > j[k - 1]));
    }
}

/// A threshold `rand() < p` (drawn by geometric jumps between candidates, not
/// once per neuron): each neuron spikes with probability p clamped to [0, 1],
/// whatever the other neurons' p; p <= 0 never, p >= 1 every step.
#[test]
fn bernoulli_threshold_per_neuron() {
    let mut net = Network::new();
    net.set_seed(11);
    let g = net
        .add_neurons(NeuronGroup::new(7, "p : 1").name("G").threshold("rand() < p"))
        .unwrap();
    net.set(
        g,
        "p",
        Value::Array(vec![0.0, -0.5, 0.05, 0.3, 1.0, 2.5, 0.001]),
        Selection::All,
    )
    .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    let steps = 20_000.0;
    net.run(steps * 1e-4).unwrap();
    let count = &net.spike_monitor(m).unwrap().count;
    assert_eq!(
        (count[0], count[1], count[4], count[5]),
        (0, 0, 20_000, 20_000),
        "{count:?}"
    );
    for (k, p) in [(2, 0.05), (3, 0.3), (6, 0.001)] {
        let sd = (steps * p * (1.0 - p)).sqrt();
        let got = f64::from(count[k]);
        assert!((got - steps * p).abs() < 5.0 * sd, "neuron {k} (p = {p}): {got} spikes");
    }
}

/// `rand() < p` with refractoriness: no spike within the refractory period,
/// and after it the wait is geometric (p = 0.5: one step on average).
#[test]
fn bernoulli_threshold_with_refractoriness() {
    let mut net = Network::new();
    net.set_seed(12);
    let g = net
        .add_neurons(
            NeuronGroup::new(50, "")
                .name("G")
                .threshold("rand() < 0.5")
                .refractory("2*ms"),
        )
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    net.run(2.0).unwrap();
    let mon = net.spike_monitor(m).unwrap();
    let mut intervals = vec![];
    for k in 0..50 {
        let t: Vec<f64> = mon
            .i
            .iter()
            .zip(&mon.t)
            .filter(|(i, _)| **i == k)
            .map(|(_, t)| *t)
            .collect();
        intervals.extend(t.windows(2).map(|w| ((w[1] - w[0]) / 1e-4).round()));
    }
    assert!(
        intervals.iter().all(|&d| d >= 20.0),
        "a spike within the refractory period"
    );
    // 20 steps of refractoriness, then a wait of Geometric(0.5) failures: 21 on average, sd 1.41.
    let (mean, _) = mean_var(&intervals);
    let se = 2f64.sqrt() / (intervals.len() as f64).sqrt();
    assert!(
        (mean - 21.0).abs() < 5.0 * se,
        "mean interval {mean} steps over {}",
        intervals.len()
    );
}
