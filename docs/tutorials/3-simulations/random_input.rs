//! Part 3, "Adding input": a TimedArray holding a "recorded" current that no
//! formula makes: 100 times, a random level held for 100 time steps from a
//! random start. The random numbers come from the network's own generator
//! (`Network::eval_per_entry` with `rand()`), so a seed makes the array.
//!
//! Draws `random_input.png` (v and I) into the directory given (default
//! `out/tutorial_3`):
//!
//! ```text
//! cargo run --release --example tutorial_3_random_input -- docs/tutorials/3-simulations
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;

use spikejit::sim::{Network, NeuronGroup, Record, StateMonitor, TimedArray};
use spikejit::units::Dim;

#[path = "../figures.rs"]
mod figures;

pub const DT: f64 = 0.1e-3;
pub const DURATION: f64 = 0.2;
pub const A: f64 = 2.5;
pub const TAU: f64 = 5e-3;

/// The recording: the times, v and I of the neuron, and the TimedArray's values.
pub struct Recording {
    pub t: Vec<f64>,
    pub v: Vec<f64>,
    pub i: Vec<f64>,
    pub values: Vec<f64>,
}

pub fn simulate(seed: u64) -> Result<Recording, Box<dyn Error>> {
    let mut net = Network::new();
    net.set_seed(seed);
    net.set_dt(DT);
    let num_samples = (DURATION / DT).round() as usize;
    // I_arr = zeros(num_samples); 100 times: I_arr[a:a+100] = rand() with a = randint(num_samples)
    let draws = net.eval_per_entry(&"rand()".into(), 200, "I_arr")?;
    let mut i_arr = vec![0.0; num_samples];
    for pair in draws.chunks(2) {
        let a = ((pair[0] * num_samples as f64) as usize).min(num_samples - 1);
        let end = (a + 100).min(num_samples);
        i_arr[a..end].fill(pair[1]);
    }
    let values: Vec<f64> = i_arr.iter().map(|x| A * x).collect();
    net.add_timed_array(TimedArray {
        name: "I_recorded".into(),
        values: values.clone(),
        cols: None,
        dt: DT,
        dim: Dim::ONE,
    })?;
    net.constant("tau", TAU, Dim::SECOND)?;
    let g = net.add_neurons(
        NeuronGroup::new(1, "dv/dt = (I-v)/tau : 1\nI = I_recorded(t) : 1")
            .name("G")
            .threshold("v>1")
            .reset("v=0")
            .method("exact"),
    )?;
    let m = net.add_state_monitor(StateMonitor::new(g, &["v", "I"], Record::All).name("M"))?;
    net.run(DURATION)?;
    let data = net.state_monitor(m).ok_or("M is not a state monitor")?;
    let row = |name: &str| -> Result<Vec<f64>, Box<dyn Error>> {
        Ok(data
            .variable(name)
            .ok_or("a variable was not recorded")?
            .row(0)
            .to_vec())
    };
    Ok(Recording {
        t: data.t.to_vec(),
        v: row("v")?,
        i: row("I")?,
        values,
    })
}

pub fn run(out: &Path) -> Result<Recording, Box<dyn Error>> {
    std::fs::create_dir_all(out)?;
    let r = simulate(1)?;
    let ms = |y: &[f64]| r.t.iter().zip(y).map(|(&t, &y)| (t * 1e3, y)).collect::<Vec<_>>();
    figures::chart(
        &out.join("random_input.png"),
        "a recorded current no formula makes",
        "Time (ms)",
        "v",
        &[figures::Line::new("v", ms(&r.v)), figures::Line::new("I", ms(&r.i))],
        false,
    )?;
    Ok(r)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_3".into());
    let r = run(Path::new(&out))?;
    let spikes = r.v.windows(2).filter(|w| w[1] < w[0] && w[1] == 0.0).count();
    println!(
        "{} samples, {spikes} resets, I from {:.3} to {:.3}",
        r.t.len(),
        r.i.iter().copied().fold(f64::INFINITY, f64::min),
        r.i.iter().copied().fold(0.0, f64::max)
    );
    Ok(())
}
