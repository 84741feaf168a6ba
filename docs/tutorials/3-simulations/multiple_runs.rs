//! Part 3, "Multiple runs": the firing rate of a leaky integrate-and-fire
//! neuron driven by 100 Poisson inputs, against its membrane time constant
//! tau, three ways:
//!
//! 1. a new network for each tau (`rebuild_each_time`);
//! 2. one network, `store` before the loop and `restore` at the start of each
//!    run, tau a constant changed between runs (`store_restore`);
//! 3. the Poisson spikes recorded once and replayed by a SpikeGeneratorGroup
//!    in each run (`record_poisson`, `replayed_input`): the input is the same
//!    every time, so the curve shows the effect of tau alone.
//!
//! Draws `rates_rebuilt.png`, `rates_store_restore.png` and
//! `rates_replayed.png` into the directory given (default `out/tutorial_3`):
//!
//! ```text
//! cargo run --release --example tutorial_3_multiple_runs -- docs/tutorials/3-simulations
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;

use spikejit::sim::{Connect, Handle, Network, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses};
use spikejit::units::Dim;

#[path = "../figures.rs"]
mod figures;

pub const NUM_INPUTS: usize = 100;
pub const INPUT_RATE: &str = "10*Hz";
pub const WEIGHT: f64 = 0.1;
pub const DURATION: f64 = 1.0;

/// `linspace(1, 10, 30)*ms`, in seconds.
pub fn tau_range() -> Vec<f64> {
    (0..30).map(|k| (1.0 + 9.0 * k as f64 / 29.0) * 1e-3).collect()
}

/// The output neuron, its synapses from `input` and its spike monitor; tau is
/// the network's constant `tau`.
fn add_output(net: &mut Network, input: Handle) -> Result<Handle, Box<dyn Error>> {
    net.constant("weight", WEIGHT, Dim::ONE)?;
    let g = net.add_neurons(
        NeuronGroup::new(1, "dv/dt = -v/tau : 1")
            .name("G")
            .threshold("v>1")
            .reset("v=0")
            .method("exact"),
    )?;
    let s = net.add_synapses(Synapses::new(input, g, "").name("S").on_pre("v += weight"))?;
    net.connect(s, Connect::all())?;
    Ok(net.add_spike_monitor(SpikeMonitor::new(g).name("M"))?)
}

fn poisson(net: &mut Network) -> Result<Handle, Box<dyn Error>> {
    let p = PoissonGroup {
        name: Some("P".into()),
        n: NUM_INPUTS,
        rates: INPUT_RATE.into(),
    };
    Ok(net.add_poisson_group(p)?)
}

fn num_spikes(net: &Network, m: Handle) -> Result<usize, Box<dyn Error>> {
    Ok(net.spike_monitor(m).ok_or("M is not a spike monitor")?.t.len())
}

/// Way 1: the network built anew for each tau (each with its own seed, as each of
/// Brian2's runs draws new random numbers): output rates in spikes per second.
pub fn rebuild_each_time(seed: u64) -> Result<Vec<f64>, Box<dyn Error>> {
    let mut rates = Vec::new();
    for (k, tau) in tau_range().into_iter().enumerate() {
        let mut net = Network::new();
        net.set_seed(seed + k as u64);
        net.constant("tau", tau, Dim::SECOND)?;
        let p = poisson(&mut net)?;
        let m = add_output(&mut net, p)?;
        net.run(DURATION)?;
        rates.push(num_spikes(&net, m)? as f64 / DURATION);
    }
    Ok(rates)
}

/// Way 2: one network, stored once and restored before each run. The random
/// numbers are not restored, so each run sees new Poisson spikes.
pub fn store_restore(seed: u64) -> Result<Vec<f64>, Box<dyn Error>> {
    let taus = tau_range();
    let mut net = Network::new();
    net.set_seed(seed);
    net.constant("tau", taus[0], Dim::SECOND)?;
    let p = poisson(&mut net)?;
    let m = add_output(&mut net, p)?;
    net.store("default")?;
    let mut rates = Vec::new();
    for tau in taus {
        net.restore("default")?;
        net.constant("tau", tau, Dim::SECOND)?; // read by the next run's kernels
        net.run(DURATION)?;
        rates.push(num_spikes(&net, m)? as f64 / DURATION);
    }
    Ok(rates)
}

/// Way 3, first: the Poisson group alone, run once: its spikes as (indices, times).
pub fn record_poisson(seed: u64) -> Result<(Vec<i64>, Vec<f64>), Box<dyn Error>> {
    let mut net = Network::new();
    net.set_seed(seed);
    let p = poisson(&mut net)?;
    let mp = net.add_spike_monitor(SpikeMonitor::new(p).name("MP"))?;
    net.run(DURATION)?;
    let spikes = net.spike_monitor(mp).ok_or("MP is not a spike monitor")?;
    Ok((spikes.i.iter().map(|&i| i64::from(i)).collect(), spikes.t.to_vec()))
}

/// Way 3, then: the recorded spikes replayed by a SpikeGeneratorGroup in every run of
/// one stored network.
pub fn replayed_input(indices: &[i64], times: &[f64]) -> Result<Vec<f64>, Box<dyn Error>> {
    let taus = tau_range();
    let mut net = Network::new();
    net.constant("tau", taus[0], Dim::SECOND)?;
    let sgg = net.add_spike_generator(SpikeGeneratorGroup {
        name: Some("SGG".into()),
        n: NUM_INPUTS,
        indices: indices.to_vec(),
        times: times.to_vec(),
        period: 0.0,
    })?;
    let m = add_output(&mut net, sgg)?;
    net.store("default")?;
    let mut rates = Vec::new();
    for tau in taus {
        net.restore("default")?;
        net.constant("tau", tau, Dim::SECOND)?;
        net.run(DURATION)?;
        rates.push(num_spikes(&net, m)? as f64 / DURATION);
    }
    Ok(rates)
}

/// The three curves: rebuilt, stored and restored, replayed.
pub struct Rates {
    pub rebuilt: Vec<f64>,
    pub store_restore: Vec<f64>,
    pub replayed: Vec<f64>,
}

fn draw(out: &Path, file: &str, title: &str, rates: &[f64]) -> Result<(), String> {
    let points = tau_range().iter().zip(rates).map(|(&t, &r)| (t * 1e3, r)).collect();
    figures::chart(
        &out.join(file),
        title,
        "tau (ms)",
        "Firing rate (sp/s)",
        &[figures::Line::new("", points)],
        false,
    )
}

pub fn run(out: &Path) -> Result<Rates, Box<dyn Error>> {
    std::fs::create_dir_all(out)?;
    let rebuilt = rebuild_each_time(1)?;
    draw(out, "rates_rebuilt.png", "a new network for each tau", &rebuilt)?;
    let restored = store_restore(1)?;
    draw(
        out,
        "rates_store_restore.png",
        "store() once, restore() before each run",
        &restored,
    )?;
    let (indices, times) = record_poisson(1)?;
    let replayed = replayed_input(&indices, &times)?;
    draw(
        out,
        "rates_replayed.png",
        "the same recorded input spikes in each run",
        &replayed,
    )?;
    Ok(Rates {
        rebuilt,
        store_restore: restored,
        replayed,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_3".into());
    let r = run(Path::new(&out))?;
    let show = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(" ");
    println!("rates (sp/s) for tau = 1 ... 10 ms:");
    println!("  rebuilt:       {}", show(&r.rebuilt));
    println!("  store/restore: {}", show(&r.store_restore));
    println!("  replayed:      {}", show(&r.replayed));
    Ok(())
}
