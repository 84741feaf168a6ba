//! Part 3, "Multiple runs", the fastest way: one output neuron per value of
//! tau, tau a parameter of the group, one run. Then the mean and standard
//! deviation of each neuron's interspike intervals, from
//! `SpikeData::spike_trains()` (Brian2's `M.spike_trains()`).
//!
//! Draws `rates_per_neuron.png` and `isi.png` into the directory given
//! (default `out/tutorial_3`):
//!
//! ```text
//! cargo run --release --example tutorial_3_tau_per_neuron -- docs/tutorials/3-simulations
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;

use spikejit::sim::{
    Connect, Network, NeuronGroup, PoissonGroup, Selection, SpikeGeneratorGroup, SpikeMonitor, Synapses, Value,
};
use spikejit::units::Dim;

#[path = "../figures.rs"]
mod figures;

pub const NUM_INPUTS: usize = 100;
pub const DURATION: f64 = 1.0;

/// `linspace(1, 10, 30)*ms`, in seconds.
pub fn tau_range() -> Vec<f64> {
    (0..30).map(|k| (1.0 + 9.0 * k as f64 / 29.0) * 1e-3).collect()
}

/// What drives the output neurons.
pub enum Input<'a> {
    /// A PoissonGroup of `NUM_INPUTS` at 10 Hz, with this seed.
    Poisson(u64),
    /// Recorded spikes (indices, times in seconds), replayed by a SpikeGeneratorGroup.
    Spikes(&'a [i64], &'a [f64]),
}

/// Per value of tau: the output rate and, for a neuron with at least three
/// spikes, the mean and standard deviation of its interspike intervals (NaN otherwise).
pub struct PerNeuron {
    pub rates: Vec<f64>,
    pub isi_mean: Vec<f64>,
    pub isi_std: Vec<f64>,
}

pub fn simulate(input: Input) -> Result<PerNeuron, Box<dyn Error>> {
    let taus = tau_range();
    let mut net = Network::new();
    net.constant("weight", 0.1, Dim::ONE)?;
    let source = match input {
        Input::Poisson(seed) => {
            net.set_seed(seed);
            net.add_poisson_group(PoissonGroup {
                name: Some("P".into()),
                n: NUM_INPUTS,
                rates: "10*Hz".into(),
            })?
        }
        Input::Spikes(indices, times) => net.add_spike_generator(SpikeGeneratorGroup {
            name: Some("SGG".into()),
            n: NUM_INPUTS,
            indices: indices.to_vec(),
            times: times.to_vec(),
            period: 0.0,
        })?,
    };
    // tau is a parameter of the group, one output neuron per value
    let g = net.add_neurons(
        NeuronGroup::new(taus.len(), "dv/dt = -v/tau : 1\ntau : second")
            .name("G")
            .threshold("v>1")
            .reset("v=0")
            .method("exact"),
    )?;
    net.set(g, "tau", Value::Array(taus.clone()), Selection::All)?; // G.tau = tau_range
    let s = net.add_synapses(Synapses::new(source, g, "").name("S").on_pre("v += weight"))?;
    net.connect(s, Connect::all())?;
    let m = net.add_spike_monitor(SpikeMonitor::new(g).name("M"))?;
    net.run(DURATION)?; // one run, no loop
    let spikes = net.spike_monitor(m).ok_or("M is not a spike monitor")?;
    let rates = spikes.count.iter().map(|&c| f64::from(c) / DURATION).collect();
    let (mut isi_mean, mut isi_std) = (Vec::new(), Vec::new());
    for train in spikes.spike_trains() {
        let isi: Vec<f64> = train.windows(2).into_iter().map(|w| w[1] - w[0]).collect();
        if isi.len() > 1 {
            let mean = isi.iter().sum::<f64>() / isi.len() as f64;
            let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64;
            isi_mean.push(mean);
            isi_std.push(var.sqrt()); // numpy's std: the population deviation
        } else {
            isi_mean.push(f64::NAN);
            isi_std.push(f64::NAN);
        }
    }
    Ok(PerNeuron {
        rates,
        isi_mean,
        isi_std,
    })
}

pub fn run(out: &Path) -> Result<PerNeuron, Box<dyn Error>> {
    std::fs::create_dir_all(out)?;
    let r = simulate(Input::Poisson(1))?;
    let taus_ms: Vec<f64> = tau_range().iter().map(|t| t * 1e3).collect();
    let rates = taus_ms.iter().zip(&r.rates).map(|(&t, &x)| (t, x)).collect();
    figures::chart(
        &out.join("rates_per_neuron.png"),
        "one neuron per tau, one run",
        "tau (ms)",
        "Firing rate (sp/s)",
        &[figures::Line::new("", rates)],
        false,
    )?;
    let bars: Vec<(f64, f64, f64)> = taus_ms
        .iter()
        .zip(r.isi_mean.iter().zip(&r.isi_std))
        .map(|(&t, (&m, &s))| (t, m * 1e3, s * 1e3))
        .collect();
    figures::error_bars(
        &out.join("isi.png"),
        "interspike intervals",
        "tau (ms)",
        "Interspike interval (ms)",
        &bars,
    )?;
    Ok(r)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_3".into());
    let r = run(Path::new(&out))?;
    for (k, tau) in tau_range().iter().enumerate() {
        println!(
            "tau {:5.2} ms: {:4.0} sp/s, ISI {:6.2} ± {:5.2} ms",
            tau * 1e3,
            r.rates[k],
            r.isi_mean[k] * 1e3,
            r.isi_std[k] * 1e3
        );
    }
    Ok(())
}
