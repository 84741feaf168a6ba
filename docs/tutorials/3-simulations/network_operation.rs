//! Part 3, "Changing things during a run", the third way: a network
//! operation (Brian2's `@network_operation(dt=10*ms)`), Rust code that runs
//! every 10 ms of the run, in the `start` slot of the schedule, and sets the
//! input current of the Hodgkin-Huxley neuron to a new random amplitude.
//!
//! The notebook draws the amplitude with numpy's `rand()` inside the
//! operation; here the five amplitudes are drawn before the run from the
//! network's own generator (`Network::eval_per_entry` with `rand()`), so a
//! seed makes them, and the operation picks the one of its tick.
//!
//! Draws `network_operation_v.png` and `network_operation_I.png` into the
//! directory given (default `out/tutorial_3`):
//!
//! ```text
//! cargo run --release --example tutorial_3_network_operation -- docs/tutorials/3-simulations
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::Path;

use spikejit::sim::{Handle, Network, NetworkOperation, NeuronGroup, Record, Selection, StateMonitor, Value};
use spikejit::units::Dim;

#[path = "../figures.rs"]
mod figures;

pub const PERIOD: f64 = 10e-3;
pub const PERIODS: usize = 5;
pub const NA: f64 = 1e-9;

/// The Hodgkin-Huxley neuron of the notebook (`eqs_HH`), its parameters as
/// constants, `v` starting at `El`; returns the group and its state monitor.
pub fn hh_neuron(net: &mut Network) -> Result<(Handle, Handle), Box<dyn Error>> {
    let area = 20000e-12; // 20000*umetre**2
    let per_cm2 = 1e4; // cm**-2 in m**-2
    for (name, value, dim) in [
        ("Cm", 1e-6 * per_cm2 * area, Dim::FARAD),
        ("gl", 5e-5 * per_cm2 * area, Dim::SIEMENS),
        ("El", -65e-3, Dim::VOLT),
        ("EK", -90e-3, Dim::VOLT),
        ("ENa", 50e-3, Dim::VOLT),
        ("g_na", 100e-3 * per_cm2 * area, Dim::SIEMENS),
        ("g_kd", 30e-3 * per_cm2 * area, Dim::SIEMENS),
        ("VT", -63e-3, Dim::VOLT),
    ] {
        net.constant(name, value, dim)?;
    }
    let group = net.add_neurons(
        NeuronGroup::new(
            1,
            "dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
             dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/
                 (exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)-0.28*(mV**-1)*(v-VT-40.*mV)/
                 (exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1
             dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/
                 (exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
             dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
             I : amp",
        )
        .name("group")
        .threshold("v > -40*mV")
        .refractory("v > -40*mV")
        .method("exponential_euler"),
    )?;
    net.set(group, "v", Value::Expr("El".into()), Selection::All)?;
    let statemon = net.add_state_monitor(StateMonitor::new(group, &["v", "I"], Record::All).name("statemon"))?;
    Ok((group, statemon))
}

/// A run: the time, v and I of the neuron, and the amplitudes drawn.
pub struct Recording {
    pub t: Vec<f64>,
    pub v: Vec<f64>,
    pub i: Vec<f64>,
    pub amplitudes: Vec<f64>,
}

fn recording(net: &Network, statemon: Handle, amplitudes: Vec<f64>) -> Result<Recording, Box<dyn Error>> {
    let data = net.state_monitor(statemon).ok_or("statemon is not a state monitor")?;
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
        amplitudes,
    })
}

/// The five amplitudes, `rand()*50*nA` each, from the network's generator.
fn amplitudes(net: &mut Network) -> Result<Vec<f64>, Box<dyn Error>> {
    let draws = net.eval_per_entry(&"rand()".into(), PERIODS, "amplitudes")?;
    Ok(draws.iter().map(|x| x * 50.0 * NA).collect())
}

/// One run of 50 ms; a network operation every 10 ms sets `I`.
pub fn with_network_operation(seed: u64) -> Result<Recording, Box<dyn Error>> {
    let mut net = Network::new();
    net.set_seed(seed);
    let (group, statemon) = hh_neuron(&mut net)?;
    let amplitudes = amplitudes(&mut net)?;
    let drawn = amplitudes.clone();
    // @network_operation(dt=10*ms)
    // def change_I():
    //     group.I = rand()*50*nA
    net.network_operation(
        NetworkOperation {
            dt: Some(PERIOD),
            name: Some("change_I".into()),
            ..Default::default()
        },
        move |state| {
            let tick = (state.t() / PERIOD).round() as usize;
            let amplitude = drawn.get(tick).copied().ok_or("a tick after the last amplitude")?;
            state.view_mut(group, "I")?.fill(amplitude);
            Ok(())
        },
    )?;
    net.run(PERIOD * PERIODS as f64)?;
    recording(&net, statemon, amplitudes)
}

/// The notebook's first way, for comparison: five runs of 10 ms, `I` set
/// before each (`for l in range(5): group.I = rand()*50*nA; run(10*ms)`).
pub fn with_a_loop_of_runs(seed: u64) -> Result<Recording, Box<dyn Error>> {
    let mut net = Network::new();
    net.set_seed(seed);
    let (group, statemon) = hh_neuron(&mut net)?;
    let amplitudes = amplitudes(&mut net)?;
    for &amplitude in &amplitudes {
        net.set(group, "I", Value::Scalar(amplitude), Selection::All)?;
        net.run(PERIOD)?;
    }
    recording(&net, statemon, amplitudes)
}

pub fn run(out: &Path) -> Result<Recording, Box<dyn Error>> {
    std::fs::create_dir_all(out)?;
    let r = with_network_operation(1)?;
    let ms = |y: &[f64], scale: f64| {
        r.t.iter()
            .zip(y)
            .map(|(&t, &y)| (t * 1e3, y / scale))
            .collect::<Vec<_>>()
    };
    figures::chart(
        &out.join("network_operation_v.png"),
        "a network operation sets I every 10 ms",
        "Time (ms)",
        "v (mV)",
        &[figures::Line::new("v", ms(&r.v, 1e-3))],
        false,
    )?;
    figures::chart(
        &out.join("network_operation_I.png"),
        "the input current",
        "Time (ms)",
        "I (nA)",
        &[figures::Line::new("I", ms(&r.i, NA))],
        false,
    )?;
    Ok(r)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_3".into());
    let r = run(Path::new(&out))?;
    let amplitudes: Vec<String> = r.amplitudes.iter().map(|a| format!("{:.2}", a / NA)).collect();
    println!(
        "I = {} nA, one every 10 ms; v from {:.1} to {:.1} mV",
        amplitudes.join(", "),
        r.v.iter().copied().fold(f64::INFINITY, f64::min) * 1e3,
        r.v.iter().copied().fold(f64::NEG_INFINITY, f64::max) * 1e3
    );
    Ok(())
}
