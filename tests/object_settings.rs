//! Per-object settings (`namespace`, `dtype`, `method_options`, a clock
//! shared by name) and what changes between runs (a clock's dt, a spike
//! generator's spikes), from a model file and from the Rust API, against
//! Brian2 2.9.0 (tests/reference/settings/brian2_reference.py made the
//! expected outputs; the contract's runner has none of these keys).

mod common;

use spikejit::sim::{
    Network, NeuronGroup, Selection, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, Value,
};

const MS: f64 = 1e-3;

/// The float array `name` of a fixture.
fn floats(path: &std::path::Path, name: &str) -> Vec<f64> {
    match common::read_all(path).into_iter().find(|(n, _)| n == name) {
        Some((_, common::Arr::F(a))) => a.iter().copied().collect(),
        _ => panic!("{}: no float array '{name}'", path.display()),
    }
}

#[test]
fn model_file_matches_brian2() {
    let file = common::root().join("tests/reference/settings/settings.toml");
    let out = common::run_file(&file, "object-settings", &[]);
    let expected = common::root().join("tests/reference/expected/settings");
    let mut problems = Vec::new();
    for f in ["spikes.npz", "input_spikes.npz", "trace.npz", "fine.npz"] {
        // `v` is stored in single precision, on both sides.
        problems.extend(common::compare_file(&expected.join(f), &out.join(f), &|_| 1e-6));
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(problems.is_empty(), "differs from Brian2:\n  {}", problems.join("\n  "));
}

/// The same network through the Rust API: the spikes of the generator, the
/// trace of the group on the named clock (its samples every 0.5 ms, then
/// every 1 ms).
#[test]
fn rust_api_named_clock_and_changes_between_runs() {
    let mut net = Network::new();
    net.add_clock("slow", 0.5 * MS).unwrap();
    net.constant("tau", 10.0 * MS, spikejit::units::Dim::SECOND).unwrap();
    let h = net
        .add_neurons(NeuronGroup::new(2, "dx/dt = -x/tau : 1").method("exact").clock("slow"))
        .unwrap();
    net.set(h, "x", Value::Scalar(1.0), Selection::All).unwrap();
    let input = net
        .add_spike_generator(SpikeGeneratorGroup {
            name: None,
            n: 2,
            indices: vec![0, 1, 1],
            times: vec![1.0 * MS, 2.0 * MS, 4.4 * MS],
            period: 0.0,
        })
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(input, h, "").on_pre("x_post += 0.5").delay(3.0 * MS))
        .unwrap();
    net.connect(s, spikejit::sim::Connect::arrays(vec![0, 1], vec![0, 1]))
        .unwrap();
    let spikes = net.add_spike_monitor(SpikeMonitor::new(input)).unwrap();
    let trace = net
        .add_state_monitor(StateMonitor::new(h, &["x"], spikejit::sim::Record::All))
        .unwrap();
    net.run(5.0 * MS).unwrap();
    net.set_dt(0.2 * MS);
    net.set_clock_dt("slow", 1.0 * MS).unwrap();
    net.set_spikes(input, vec![1, 0], vec![6.0 * MS, 7.6 * MS], 0.0)
        .unwrap();
    net.run(6.0 * MS).unwrap();
    let expected = common::root().join("tests/reference/expected/settings");
    let close = |got: &[f64], want: &[f64], what: &str| {
        assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-3), "{what}: {got:?} vs {want:?}");
        }
    };
    let got = net.spike_monitor(spikes).unwrap();
    close(
        &got.t.to_vec(),
        &floats(&expected.join("input_spikes.npz"), "t"),
        "spike times",
    );
    let data = net.state_monitor(trace).unwrap();
    close(
        &data.t.to_vec(),
        &floats(&expected.join("trace.npz"), "t"),
        "sample times",
    );
    let x: Vec<f64> = data.values[0].1.iter().copied().collect();
    close(&x, &floats(&expected.join("trace.npz"), "x"), "x");
}

#[test]
fn a_time_that_is_no_step_of_the_new_dt_is_an_error_of_the_run() {
    let mut net = Network::new();
    net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1")).unwrap();
    net.run(0.3 * MS).unwrap();
    net.set_dt(0.2 * MS);
    let e = net.run(1.0 * MS).unwrap_err().to_string();
    assert!(e.contains("not a multiple of"), "{e}");
}

#[test]
fn clock_errors() {
    let mut net = Network::new();
    let e = net
        .add_neurons(NeuronGroup::new(1, "v : 1").clock("slow"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no clock named 'slow'"), "{e}");
    net.add_clock("slow", 1.0 * MS).unwrap();
    assert!(net.add_clock("slow", 2.0 * MS).is_err());
    let e = net
        .add_neurons(NeuronGroup::new(1, "v : 1").clock("slow").dt(0.1 * MS))
        .unwrap_err()
        .to_string();
    assert!(e.contains("either a dt or a clock"), "{e}");
    assert!(net.set_clock_dt("fast", 1.0 * MS).is_err());
}

#[test]
fn method_options_are_those_of_the_method() {
    let mut net = Network::new();
    net.add_neurons(
        NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1")
            .method("exact")
            .method_option("simplify", false),
    )
    .unwrap();
    net.check().unwrap();
    // A method given: checked when the group is added.
    let mut net = Network::new();
    let e = net
        .add_neurons(
            NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1")
                .method("euler")
                .method_option("simplify", true),
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'simplify' is not an option of the method 'euler': it takes no options"),
        "{e}"
    );
    // Chosen as Brian2 does: checked against the method chosen, exact for a
    // linear equation, euler for a nonlinear one.
    let mut net = Network::new();
    net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1").method_option("simplify", true))
        .unwrap();
    net.check().unwrap();
    let mut net = Network::new();
    net.add_neurons(NeuronGroup::new(1, "dv/dt = -v**2/(10*ms) : 1").method_option("simplify", true))
        .unwrap();
    let e = net.check().unwrap_err().to_string();
    assert!(e.contains("not an option of the method 'euler'"), "{e}");
}

#[test]
fn set_spikes_needs_a_spike_generator() {
    let mut net = Network::new();
    let g = net.add_neurons(NeuronGroup::new(2, "v : 1")).unwrap();
    let e = net.set_spikes(g, vec![0], vec![1.0 * MS], 0.0).unwrap_err().to_string();
    assert!(e.contains("is not a spike generator"), "{e}");
}
