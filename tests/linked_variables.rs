//! Linked variables (Brian2's `(linked)` flag and `linked_var`): the
//! linked-variable tests of Brian2's `brian2/tests/test_neurongroup.py`
//! (Brian2 2.9.0) ported to the Rust API, and the model file
//! `tests/linked/linked.toml` (links with an index array, an index
//! variable in synapses, a group of one neuron; `variables = "all"`)
//! against Brian2's run of the same network (`tests/linked/linked_brian2.py`
//! wrote `linked_expected.json`; the Brian2 runner has no `links` key).
//!
//! Not ported: test_linked_subexpression_2 and test_linked_subexpression_3
//! (linking to a subexpression is refused: "not supported yet");
//! test_linked_variable_incorrect's `linked_var(G1.x, 'x')` and
//! `linked_var(G1)` (Python argument forms the Rust API cannot express).

use spikejit::diag::{Errors, Result};
use spikejit::sim::{Handle, LinkIndex, Network, NeuronGroup, Record, Selection, StateMonitor, Value};

mod common;

fn group(net: &mut Network, n: usize, model: &str) -> Handle {
    net.add_neurons(NeuronGroup::new(n, model)).unwrap()
}

fn get(net: &Network, h: Handle, var: &str) -> Vec<f64> {
    net.get(h, var).unwrap_or_else(|e| panic!("get '{var}': {e}")).to_vec()
}

fn set(net: &mut Network, h: Handle, var: &str, values: Vec<f64>) {
    net.set(h, var, Value::Array(values), Selection::All).unwrap();
}

fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(Errors(ds)) => ds
            .iter()
            .map(|d| format!("[{}] {d}", d.code))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert!((a - b).abs() <= 1e-12 + 1e-9 * b.abs(), "{got:?} vs {want:?}");
    }
}

fn arange(n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|k| k as f64 * scale).collect()
}

fn repeat2(v: &[usize]) -> Vec<usize> {
    v.iter().flat_map(|&k| [k, k]).collect()
}

#[test]
fn test_linked_variable_correct() {
    let mut net = Network::new();
    net.constant("tau", 10e-3, spikejit::units::Dim::SECOND).unwrap();
    let g1 = group(&mut net, 10, "dv/dt = -v / tau : volt");
    set(&mut net, g1, "v", (0..10).map(|k| k as f64 * 20e-3 / 9.0).collect());
    let g2 = group(&mut net, 10, "v : volt (linked)");
    net.link(g2, "v", g1, "v").unwrap();
    let m1 = net
        .add_state_monitor(StateMonitor::new(g1, &["v"], Record::All))
        .unwrap();
    let m2 = net
        .add_state_monitor(StateMonitor::new(g2, &["v"], Record::All))
        .unwrap();
    net.run(10e-3).unwrap();
    let (a, b) = (net.state_monitor(m1).unwrap(), net.state_monitor(m2).unwrap());
    assert_eq!(a.values[0].1, b.values[0].1);
    assert!(a.values[0].1[[9, 99]] < a.values[0].1[[9, 0]]);
}

#[test]
fn test_linked_variable_incorrect() {
    let mut net = Network::new();
    let g1 = group(&mut net, 10, "x : volt\ny : 1");
    let g2 = group(&mut net, 20, "x : volt");
    let g3 = group(&mut net, 10, "l : volt (linked)\nnot_linked : volt");
    // incorrect unit (Brian2: DimensionMismatchError)
    let e = err_text(net.link(g3, "l", g1, "y"));
    assert!(
        e.contains("[unit-mismatch]") && e.contains("does not match its link target"),
        "{e}"
    );
    // incorrect group size (ValueError)
    let e = err_text(net.link(g3, "l", g2, "x"));
    assert!(
        e.contains("the size of the target group does not match (10 != 20)"),
        "{e}"
    );
    // not a linked variable (TypeError)
    let e = err_text(net.link(g3, "not_linked", g1, "x"));
    assert!(
        e.contains("has to be marked as a linked variable with '(linked)'"),
        "{e}"
    );
    // setting a linked variable directly (ValueError)
    net.link(g3, "l", g1, "x").unwrap();
    let e = err_text(net.set(g3, "l", Value::Scalar(1.0), Selection::All));
    assert!(e.contains("cannot set the linked variable 'l'"), "{e}");
}

#[test]
fn test_linked_variable_scalar() {
    let mut net = Network::new();
    let g1 = group(&mut net, 1, "dx/dt = -x / (10*ms) : 1");
    let g2 = group(&mut net, 10, "dy/dt = (-y + x) / (20*ms) : 1\nx : 1 (linked)");
    set(&mut net, g1, "x", vec![1.0]);
    set(&mut net, g2, "y", (0..10).map(|k| k as f64 / 9.0).collect());
    net.link(g2, "x", g1, "x").unwrap();
    let m = net
        .add_state_monitor(StateMonitor::new(g2, &["y"], Record::All))
        .unwrap();
    net.run(1e-4).unwrap();
    assert_eq!(net.state_monitor(m).unwrap().t.len(), 1);
    // one value (np.isscalar(G2.x[:])), and the same through subgroups
    assert_eq!(get(&net, g2, "x").len(), 1);
    let (sg1, sg2) = (
        net.subgroup(g2, 0, 5, None).unwrap(),
        net.subgroup(g2, 5, 10, None).unwrap(),
    );
    assert_eq!(get(&net, sg1, "x"), get(&net, g2, "x"));
    assert_eq!(get(&net, sg2, "x"), get(&net, g2, "x"));
}

#[test]
fn test_linked_variable_indexed() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "x : 1\ny : 1 (linked)");
    set(&mut net, g, "x", arange(10, 0.1));
    net.link_indexed(g, "y", g, "x", LinkIndex::Array((0..10).rev().collect()))
        .unwrap();
    close(
        &get(&net, g, "y"),
        &(0..10).rev().map(|k| k as f64 * 0.1).collect::<Vec<_>>(),
    );
}

#[test]
fn test_linked_variable_index_variable() {
    let mut net = Network::new();
    let g = group(
        &mut net,
        10,
        "x : 1\nindex_var : integer\nnot_an_index_var : 1\ny : 1 (linked)",
    );
    set(&mut net, g, "x", arange(10, 0.1));
    let e = err_text(net.link_indexed(g, "y", g, "x", LinkIndex::Var("not_an_index_var".into())));
    assert!(e.contains("should be an integer parameter"), "{e}");
    net.link_indexed(g, "y", g, "x", LinkIndex::Var("index_var".into()))
        .unwrap();
    set(&mut net, g, "index_var", (0..10).rev().map(|k| k as f64).collect());
    close(
        &get(&net, g, "y"),
        &(0..10).rev().map(|k| k as f64 * 0.1).collect::<Vec<_>>(),
    );
    // an index outside the group linked to: an error where it is read, not a wild read
    set(&mut net, g, "index_var", vec![10.0; 10]);
    let e = err_text(net.get(g, "y"));
    assert!(
        e.contains("[bad-link-index]") && e.contains("whose value 10 is outside that group"),
        "{e}"
    );
    let e = err_text(net.run(1e-4));
    assert!(e.contains("[bad-link-index]"), "{e}");
}

#[test]
fn test_linked_variable_repeat() {
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "w : 1");
    let g2 = group(&mut net, 10, "v : 1 (linked)");
    net.link_indexed(g2, "v", g1, "w", LinkIndex::Array(repeat2(&[0, 1, 2, 3, 4])))
        .unwrap();
    set(&mut net, g1, "w", arange(5, 0.1));
    close(&get(&net, g2, "v"), &[0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]);
}

#[test]
fn test_linked_double_linked() {
    // 1: no indices
    let mut net = Network::new();
    let g1 = group(&mut net, 10, "x : 1");
    let g2 = group(&mut net, 10, "y : 1 (linked)");
    net.link(g2, "y", g1, "x").unwrap();
    let g3 = group(&mut net, 10, "z : 1 (linked)");
    net.link(g3, "z", g2, "y").unwrap();
    set(&mut net, g1, "x", arange(10, 1.0));
    close(&get(&net, g3, "z"), &arange(10, 1.0));
    // 2: first without, second with indices
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "x : 1");
    let g2 = group(&mut net, 5, "y : 1 (linked)");
    net.link(g2, "y", g1, "x").unwrap();
    let g3 = group(&mut net, 10, "z : 1 (linked)");
    net.link_indexed(g3, "z", g2, "y", LinkIndex::Array(repeat2(&[0, 1, 2, 3, 4])))
        .unwrap();
    set(&mut net, g1, "x", arange(5, 0.1));
    close(&get(&net, g3, "z"), &[0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]);
    // 3: first with, second without
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "x : 1");
    let g2 = group(&mut net, 10, "y : 1 (linked)");
    net.link_indexed(g2, "y", g1, "x", LinkIndex::Array(repeat2(&[0, 1, 2, 3, 4])))
        .unwrap();
    let g3 = group(&mut net, 10, "z : 1 (linked)");
    net.link(g3, "z", g2, "y").unwrap();
    set(&mut net, g1, "x", arange(5, 0.1));
    close(&get(&net, g3, "z"), &[0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]);
    // 4: both with indices
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "x : 1");
    let g2 = group(&mut net, 10, "y : 1 (linked)");
    net.link_indexed(g2, "y", g1, "x", LinkIndex::Array(repeat2(&[0, 1, 2, 3, 4])))
        .unwrap();
    let g3 = group(&mut net, 10, "z : 1 (linked)");
    net.link_indexed(g3, "z", g2, "y", LinkIndex::Array((0..10).rev().collect()))
        .unwrap();
    set(&mut net, g1, "x", arange(5, 0.1));
    close(&get(&net, g3, "z"), &[0.4, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.0, 0.0]);
}

#[test]
fn test_linked_triple_linked() {
    let mut net = Network::new();
    let g1 = group(&mut net, 2, "a : 1");
    let g2 = group(&mut net, 4, "b : 1 (linked)");
    net.link_indexed(g2, "b", g1, "a", LinkIndex::Array(repeat2(&[0, 1])))
        .unwrap();
    let g3 = group(&mut net, 4, "c : 1 (linked)");
    net.link_indexed(g3, "c", g2, "b", LinkIndex::Array(vec![3, 2, 1, 0]))
        .unwrap();
    let g4 = group(&mut net, 8, "d : 1 (linked)");
    net.link_indexed(g4, "d", g3, "c", LinkIndex::Array(repeat2(&[0, 1, 2, 3])))
        .unwrap();
    set(&mut net, g1, "a", arange(2, 0.1));
    close(&get(&net, g4, "d"), &[0.1, 0.1, 0.1, 0.1, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn test_linked_subgroup() {
    let mut net = Network::new();
    let g1 = group(&mut net, 10, "x : 1");
    set(&mut net, g1, "x", arange(10, 0.1));
    let g2 = net.subgroup(g1, 3, 8, None).unwrap();
    let g3 = group(&mut net, 5, "y : 1 (linked)");
    net.link(g3, "y", g2, "x").unwrap();
    close(&get(&net, g3, "y"), &[0.3, 0.4, 0.5, 0.6, 0.7]);
    // test_linked_subgroup2: with an index
    let g4 = group(&mut net, 10, "y : 1 (linked)");
    net.link_indexed(g4, "y", g2, "x", LinkIndex::Array(repeat2(&[0, 1, 2, 3, 4])))
        .unwrap();
    close(&get(&net, g4, "y"), &[0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6, 0.7, 0.7]);
}

#[test]
fn test_linked_subexpression() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(2, "dv/dt = 100*Hz : 1").threshold("v>1").reset("v=0"))
        .unwrap();
    set(&mut net, g, "v", vec![0.0, 0.5]);
    let g2 = group(&mut net, 10, "I = clip(x, 0, inf) : 1\nx : 1 (linked)");
    let index: Vec<usize> = [0, 1].iter().flat_map(|&k| [k; 5]).collect();
    net.link_indexed(g2, "x", g, "v", LinkIndex::Array(index)).unwrap();
    let m = net
        .add_state_monitor(StateMonitor::new(g2, &["I"], Record::All))
        .unwrap();
    net.run(5e-3).unwrap();
    let d = net.state_monitor(m).unwrap();
    let i = &d.values[0].1;
    for k in 0..5 {
        assert_eq!(i.row(k), i.row(0));
        assert_eq!(i.row(k + 5), i.row(5));
    }
    assert_ne!(i.row(0), i.row(5));
}

#[test]
fn links_are_refused_on_a_subexpression_and_on_several_ranks() {
    let mut net = Network::new();
    let g1 = group(&mut net, 3, "x : 1\ns = 2*x : 1");
    let g2 = group(&mut net, 3, "y : 1 (linked)");
    let e = err_text(net.link(g2, "y", g1, "s"));
    assert!(e.contains("[not-supported]") && e.contains("subexpression"), "{e}");
    // a run with a linked variable that is not linked
    let e = err_text(net.run(1e-4));
    assert!(e.contains("[link-unset]"), "{e}");
    let ranks = spikejit::sim::partition::LocalRanks::new(2);
    let mut nets: Vec<Network> = ranks
        .into_iter()
        .map(|r| {
            let mut n = Network::new();
            n.set_ranks(Box::new(r)).unwrap();
            n
        })
        .collect();
    let net = &mut nets[0];
    let a = group(net, 4, "x : 1");
    let b = group(net, 4, "y : 1 (linked)");
    let e = err_text(net.link(b, "y", a, "x"));
    assert!(e.contains("[not-supported-distributed]"), "{e}");
}

/// `tests/linked/linked.toml` against Brian2's run of the same network.
#[test]
fn linked_model_file_matches_brian2() {
    let dir = common::root().join("tests/linked");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("linked_expected.json")).unwrap()).unwrap();
    let model = spikejit::io::load_model(dir.join("linked.toml")).expect("loads");
    let (mut net, _) = spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).expect("builds");
    net.run(5e-3).unwrap();
    let rows = |v: &serde_json::Value| -> Vec<Vec<f64>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
            .collect()
    };
    let all = net.state_monitor(net.handle("all").unwrap()).unwrap();
    let mut names: Vec<&str> = all.values.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    let want_names: Vec<&str> = expected["all_variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(names, want_names);
    for (name, values) in &all.values {
        let want = rows(&expected["all"][name.as_str()]);
        for (k, row) in want.iter().enumerate() {
            close(&values.row(k).to_vec(), row);
        }
    }
    let x = net.state_monitor(net.handle("target").unwrap()).unwrap();
    for (k, row) in rows(&expected["x"]).iter().enumerate() {
        close(&x.values[0].1.row(k).to_vec(), row);
    }
    let sp = net.spike_monitor(net.handle("spikes").unwrap()).unwrap();
    let want_i: Vec<i64> = expected["spike_i"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    assert_eq!(sp.i.iter().map(|&i| i as i64).collect::<Vec<_>>(), want_i);
    let want_t: Vec<f64> = expected["spike_t"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() * 1e-3)
        .collect();
    close(&sp.t.to_vec(), &want_t);
}
