//! Constants between runs: Brian2 reads the namespace at every `run`, so a
//! constant changed between two runs takes effect in the second, in every kind
//! of code (state update, threshold, reset, refractoriness, pathways,
//! run_regularly), through the Rust API (`Network::constant`) and a model
//! file's `[[protocol]]` (`op = "set"`, `target = "constants"`), compared with
//! Brian2 (tests/reference/constants/brian2_reference.py).

mod common;

use spikejit::sim::{Network, NeuronGroup, Selection, Value};
use spikejit::units::Dim;

#[test]
fn model_file_protocol_matches_brian2() {
    let file = common::root().join("tests/reference/constants/protocol.toml");
    let out = common::run_file(&file, "constants-protocol", &[]);
    let expected = common::root().join("tests/reference/expected/constants_protocol");
    let mut problems = Vec::new();
    for f in ["spikes.npz", "trace.npz"] {
        problems.extend(common::compare_file(&expected.join(f), &out.join(f), &|_| 1e-9));
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(problems.is_empty(), "differs from Brian2:\n  {}", problems.join("\n  "));
}

#[test]
fn rust_api_state_update_reads_the_new_value() {
    let mut net = Network::new();
    net.constant("tau", 10e-3, Dim::SECOND).unwrap();
    let g = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = -v/tau : 1").method("exact"))
        .unwrap();
    net.set(g, "v", Value::Scalar(1.0), Selection::All).unwrap();
    net.run(1e-3).unwrap();
    let v1 = net.get(g, "v").unwrap()[0];
    assert!((v1 - (-0.1f64).exp()).abs() < 1e-12, "{v1}");
    net.constant("tau", 5e-3, Dim::SECOND).unwrap();
    net.run(1e-3).unwrap();
    let v2 = net.get(g, "v").unwrap()[0];
    assert!((v2 - (-0.3f64).exp()).abs() < 1e-12, "{v2}");
}

/// A constant with another unit than the code expects is an error of the next
/// run, as every unit error of the code is.
#[test]
fn rust_api_unit_change_is_an_error_of_the_next_run() {
    let mut net = Network::new();
    net.constant("tau", 10e-3, Dim::SECOND).unwrap();
    net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/tau : 1")).unwrap();
    net.run(1e-3).unwrap();
    net.constant("tau", 10e-3, Dim::ONE).unwrap();
    let e = net.run(1e-3).unwrap_err();
    assert!(format!("{e:?}").contains("unit-mismatch"), "{e:?}");
}

/// Whether a new value reaches code that runs ([`Network::constant_changes_code`]).
#[test]
fn what_reads_a_constant() {
    let mut net = Network::new();
    net.constant("tau", 10e-3, Dim::SECOND).unwrap();
    net.constant("unused", 1.0, Dim::ONE).unwrap();
    net.add_neurons(NeuronGroup::new(2, "dv/dt = -v/tau : 1")).unwrap();
    assert!(net.constant_changes_code("tau", 5e-3).unwrap());
    assert!(!net.constant_changes_code("tau", 10e-3).unwrap());
    assert!(!net.constant_changes_code("unused", 2.0).unwrap());
    assert!(!net.constant_changes_code("nothing", 2.0).unwrap());
    // The check leaves the value as it was.
    assert_eq!(net.constant_value("tau"), Some((10e-3, Dim::SECOND)));
}
