//! A stimulus protocol and a Rust function in a network, through the Rust
//! API: Brian2's `@network_operation` and a `Function` with a C++
//! implementation. 100 LIF neurons get an input current that a network
//! operation switches on and off every 50 ms (a stimulus protocol, with a
//! step up at each new pulse); their input is shaped by a sigmoid written in
//! Rust (`gain`), called from the equations. Run with
//! `cargo run --release --example network_operation`; `cargo test` runs it too.

use std::sync::{Arc, Mutex};

use spikejit::sim::{Network, NetworkOperation, NeuronGroup, Selection, SpikeMonitor, UserFunction, Value};
use spikejit::units::Dim;

/// The input's gain: a sigmoid of the membrane potential (volt -> 1).
extern "C" fn gain(v: f64) -> f64 {
    1.0 / (1.0 + (-(v + 0.055) / 0.004).exp())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net = Network::new();
    net.set_seed(1);
    // Brian2: @implementation('cpp', ...) @check_units(v=volt, result=1) def gain(v): ...
    net.add_function(UserFunction::new(
        "gain",
        &[Dim::VOLT],
        Dim::ONE,
        gain as extern "C" fn(f64) -> f64,
    ))?;
    let g = net.add_neurons(
        NeuronGroup::new(
            100,
            "dv/dt = (-65*mV - v + (0.5 + gain(v))*R*I)/(10*ms) : volt (unless refractory)
             R : ohm
             I : amp",
        )
        .name("G")
        .threshold("v > -50*mV")
        .reset("v = -65*mV")
        .refractory("2*ms")
        .method("euler"),
    )?;
    net.set(g, "v", Value::Expr("-65*mV + 10*mV*rand()".into()), Selection::All)?;
    net.set(g, "R", Value::Expr("(80 + 0.4*i)*Mohm".into()), Selection::All)?;

    // Brian2: @network_operation(dt=50*ms) def protocol(t): G.I = ... if the pulse is on.
    let pulses = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&pulses);
    net.network_operation(
        NetworkOperation {
            dt: Some(50e-3),
            ..Default::default()
        },
        move |state| {
            let k = (state.t() / 50e-3).round() as usize;
            let on = k % 2 == 1;
            let amplitude = if on { 0.15e-9 * (1.0 + k as f64 / 4.0) } else { 0.0 };
            state.view_mut(g, "I")?.fill(amplitude);
            log.lock().map_err(|_| "poisoned")?.push((state.t(), amplitude));
            Ok(())
        },
    )?;
    let m = net.add_spike_monitor(SpikeMonitor::new(g).name("spikes"))?;
    net.run(0.4)?;

    let spikes = net.spike_monitor(m).ok_or("no monitor")?;
    println!("pulse start   current   spikes in the 50 ms after it");
    let pulses = pulses.lock().map_err(|_| "poisoned")?;
    let mut pulse_spikes = 0;
    for &(t0, amplitude) in pulses.iter() {
        let n = spikes.t.iter().filter(|&&t| t >= t0 && t < t0 + 50e-3).count();
        println!("{:>8.0} ms {:>7.3} nA {n:>8}", t0 * 1e3, amplitude * 1e9);
        if amplitude > 0.0 {
            pulse_spikes += n;
        } else {
            assert_eq!(n, 0, "no spike without input");
        }
    }
    assert!(pulse_spikes > 0, "the pulses make spikes");
    Ok(())
}

#[test]
fn runs() {
    if let Err(e) = main() {
        panic!("{e}");
    }
}
