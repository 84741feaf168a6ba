//! Brian2's CUBA example (brian-team/brian2 examples/CUBA.py) through the Rust
//! string-model API: 4000 LIF neurons, 3200 excitatory and 800 inhibitory,
//! connected with p = 0.02, 1 second. Run with
//! `cargo run --release --example cuba`.

use spikejit::sim::{Connect, Network, NeuronGroup, Selection, SpikeMonitor, Synapses, Value};
use spikejit::units::Dim;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ms = 1e-3;
    let mv = 1e-3;
    let mut net = Network::new();
    net.set_seed(42);
    for (name, value, dim) in [
        ("taum", 20.0 * ms, Dim::SECOND),
        ("taue", 5.0 * ms, Dim::SECOND),
        ("taui", 10.0 * ms, Dim::SECOND),
        ("Vt", -50.0 * mv, Dim::VOLT),
        ("Vr", -60.0 * mv, Dim::VOLT),
        ("El", -49.0 * mv, Dim::VOLT),
        ("we", 60.0 * 0.27 / 10.0 * mv, Dim::VOLT),
        ("wi", -20.0 * 4.5 / 10.0 * mv, Dim::VOLT),
    ] {
        net.constant(name, value, dim)?;
    }
    let p = net.add_neurons(
        NeuronGroup::new(
            4000,
            "dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
             dge/dt = -ge/taue : volt
             dgi/dt = -gi/taui : volt",
        )
        .name("P")
        .threshold("v>Vt")
        .reset("v = Vr")
        .refractory("5*ms")
        .method("exact"),
    )?;
    net.set(p, "v", Value::Expr("Vr + rand() * (Vt - Vr)".into()), Selection::All)?;
    let pe = net.subgroup(p, 0, 3200, Some("Pe"))?;
    let pi = net.subgroup(p, 3200, 4000, Some("Pi"))?;
    let ce = net.add_synapses(Synapses::new(pe, p, "").name("Ce").on_pre("ge += we"))?;
    let ci = net.add_synapses(Synapses::new(pi, p, "").name("Ci").on_pre("gi += wi"))?;
    net.connect(ce, Connect::p(0.02))?;
    net.connect(ci, Connect::p(0.02))?;
    let m = net.add_spike_monitor(SpikeMonitor::new(p).name("spikes"))?;
    net.run(1.0)?;
    let spikes = net.spike_monitor(m).ok_or("no monitor")?;
    let synapses: usize = net.synapse_counts().iter().map(|(_, n)| n).sum();
    println!(
        "CUBA: {} spikes ({:.2} Hz), {} synapses; compile {:.4} s, run {:.4} s",
        spikes.t.len(),
        spikes.t.len() as f64 / 4000.0,
        synapses,
        net.stats().compile_seconds,
        net.stats().run_seconds
    );
    Ok(())
}
