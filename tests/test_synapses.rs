//! Brian2's `brian2/tests/test_synapses.py` (Brian2 2.9.0), ported to the Rust
//! API. Each test is named after the Brian2 test it ports (a suffix where one
//! Brian2 test became several). Expected values are the ones Brian2's test
//! asserts; where the test computes them at run time, the numbers come from
//! running the same network with Brian2 2.9.0 (numpy target) and are marked so.
//! `test_creation_order` is not a Brian2 test: it pins the exact order in which
//! Brian2 2.9.0 creates synapses for every form of `connect`.
//!
//! Tests marked `` fail because of a spikejit
//! bug (run them with `cargo test --release --test test_synapses -- --ignored`).
//!
//! Brian2 tests NOT ported, and why:
//! - test_creation_errors: Python keyword-argument errors (`connect=True`,
//!   `pre=` with `on_pre=`); the Rust API cannot express them.
//! - test_summed_variables_linked_variables is ported with spikejit's error:
//!   a summed variable onto a linked variable is refused when the synapses
//!   are added (Brian2 refuses two summed variables onto one variable at run).
//! - test_synapses_to_synapses, test_synapses_to_synapses_connection_array,
//!   test_synapses_to_synapses_rule_and_array,
//!   test_synapses_to_synapses_statevar_access,
//!   test_synapses_to_synapses_different_sizes,
//!   test_synapses_to_synapses_summed_variable: ported in
//!   tests/synapses_of_synapses.rs (Rust API and model file), with the other
//!   tests of Synapses of Synapses.
//! - test_repr, test_variables_by_owner, test_permutation_analysis,
//!   check_permutation_code: Python/sympy internals (string representations,
//!   `Variable` objects, the permutation analysis of the code generator).
//! - The numpy specifics of test_ufunc_at_vectorisation and
//!   test_fallback_loop_and_stateless_func (numpy's `ufunc.at` code generation
//!   and its log messages); their network results are ported.
//! - test_synaptic_subgroups is ported by setting a marker through the
//!   synapse view (`Selection::Synapses`, Brian2's `syn[3, :]`) and reading
//!   which synapses it marked: a view is a selection for `set`, not an object.
//! - Parts of ported tests that read through Brian2's indexing syntax
//!   (`S.w[0:3, :]`, `S.w[:, :, 0]`) are checked by setting through the same
//!   view, or by reading all values and filtering by `i`, `j` and the
//!   multisynaptic index; `N_outgoing_pre` and
//!   `N_incoming_post` are `Network::synapses_per_source`/`_per_target`.
//! - The parts of the random-connectivity tests that are statistical (beyond
//!   "every synapse satisfies the condition" and size bounds) are not ported.

// Test names follow Brian2's (test_vectorisation_STDP_like, ...).
#![allow(non_snake_case)]

use spikejit::diag::{Errors, Result};
use spikejit::sim::{
    Connect, Count, Handle, Indices, LinkIndex, Network, NeuronGroup, Prob, Record, RunRegularly, Selection, Slice,
    SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, Value,
};
use spikejit::units::Dim;

const MS: f64 = 1e-3;
const MV: f64 = 1e-3;
const DT: f64 = 1e-4;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn group(net: &mut Network, n: usize, model: &str) -> Handle {
    net.add_neurons(NeuronGroup::new(n, model)).unwrap()
}

fn syn(net: &mut Network, source: Handle, target: Handle, model: &str) -> Handle {
    net.add_synapses(Synapses::new(source, target, model)).unwrap()
}

fn ig(generator: &str) -> Connect {
    Connect {
        i: Some(Indices::Generator(generator.into())),
        ..Connect::default()
    }
}

fn with_n(c: Connect, n: i64) -> Connect {
    Connect {
        n: Some(Count::Value(n)),
        ..c
    }
}

fn with_n_expr(c: Connect, n: &str) -> Connect {
    Connect {
        n: Some(Count::Expr(n.into())),
        ..c
    }
}

fn with_p(c: Connect, p: f64) -> Connect {
    Connect {
        p: Some(Prob::Value(p)),
        ..c
    }
}

fn skip_invalid(c: Connect) -> Connect {
    Connect {
        skip_if_invalid: true,
        ..c
    }
}

/// Every diagnostic of an error, with code, message, help and notes.
fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(Errors(ds)) => ds
            .iter()
            .map(|d| {
                let notes: Vec<&str> = d.notes.iter().map(|n| n.message.as_str()).collect();
                format!(
                    "[{}] {d} | help: {} | notes: {}",
                    d.code,
                    d.help.clone().unwrap_or_default(),
                    notes.join("; ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The synapses' `i` and `j` (relative to source and target), in creation order.
fn ij(net: &Network, s: Handle) -> (Vec<i64>, Vec<i64>) {
    let name = net.name_of(s).to_string();
    let dump = net.state_dump();
    let (_, vars) = dump
        .iter()
        .find(|(n, _)| *n == name)
        .expect("the synapses are in the state dump");
    let get = |k: &str| -> Vec<i64> {
        let a = &vars
            .iter()
            .find(|v| v.0 == k)
            .unwrap_or_else(|| panic!("no '{k}' in the dump"))
            .1;
        a.to_f64().iter().map(|x| *x as i64).collect()
    };
    (get("i"), get("j"))
}

/// The delays of a pathway, one per synapse (a scalar delay: one value).
fn delays(net: &Network, s: Handle, pathway: &str) -> Vec<f64> {
    let name = net.name_of(s).to_string();
    let dump = net.state_dump();
    let (_, vars) = dump
        .iter()
        .find(|(n, _)| *n == name)
        .expect("the synapses are in the state dump");
    let key = format!("{pathway}.delay");
    vars.iter()
        .find(|v| v.0 == key)
        .unwrap_or_else(|| panic!("no '{key}' in the dump"))
        .1
        .to_f64()
}

fn get(net: &Network, h: Handle, var: &str) -> Vec<f64> {
    net.get(h, var).unwrap_or_else(|e| panic!("get '{var}': {e}")).to_vec()
}

fn len(net: &Network, s: Handle) -> usize {
    net.size_of(s).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length (got {got:?}, want {want:?})");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}[{k}]: got {g}, want {w} (all: got {got:?}, want {want:?})"
        );
    }
}

fn assert_all(got: &[f64], want: f64, what: &str) {
    assert_close(got, &vec![want; got.len()], 1e-12, 1e-15, what);
}

/// Brian2's `_compare`: the connection matrix (counting multiple synapses),
/// and `N_incoming`/`N_outgoing` of each synapse.
fn compare(net: &Network, s: Handle, n_pre: usize, n_post: usize, expected: impl Fn(usize, usize) -> i64) {
    let (i, j) = ij(net, s);
    let mut m = vec![vec![0i64; n_post]; n_pre];
    for (a, b) in i.iter().zip(&j) {
        m[*a as usize][*b as usize] += 1;
    }
    for (a, row) in m.iter().enumerate() {
        for (b, &got) in row.iter().enumerate() {
            assert_eq!(got, expected(a, b), "number of synapses from {a} to {b}");
        }
    }
    let incoming: Vec<i64> = (0..n_post).map(|b| (0..n_pre).map(|a| m[a][b]).sum()).collect();
    let outgoing: Vec<i64> = (0..n_pre).map(|a| m[a].iter().sum()).collect();
    if i.is_empty() {
        return;
    }
    let nin = get(net, s, "N_incoming");
    let nout = get(net, s, "N_outgoing");
    assert_eq!(nin.len(), i.len(), "N_incoming has one value per synapse");
    for k in 0..i.len() {
        assert_eq!(nout[k] as i64, outgoing[i[k] as usize], "N_outgoing of synapse {k}");
        assert_eq!(nin[k] as i64, incoming[j[k] as usize], "N_incoming of synapse {k}");
    }
}

/// Brian2's `N_outgoing_pre`: the number of synapses of each source neuron.
fn outgoing_pre(net: &Network, s: Handle, n_pre: usize) -> Vec<i64> {
    let out: Vec<i64> = net
        .synapses_per_source(s)
        .unwrap()
        .into_iter()
        .map(|n| n as i64)
        .collect();
    assert_eq!(out.len(), n_pre);
    out
}

/// Brian2's creation order for `j` generators and conditions: by source
/// neuron, then in the order of the inner iteration (ascending for `range`).
fn assert_pre_major(net: &Network, s: Handle) {
    let (i, j) = ij(net, s);
    let pairs: Vec<(i64, i64)> = i.into_iter().zip(j).collect();
    assert!(
        pairs.windows(2).all(|w| w[0] <= w[1]),
        "synapses not in (i, j) order: {pairs:?}"
    );
}

/// The creation order of `i` generators: by target neuron, then source.
fn assert_post_major(net: &Network, s: Handle) {
    let (i, j) = ij(net, s);
    let pairs: Vec<(i64, i64)> = j.into_iter().zip(i).collect();
    assert!(
        pairs.windows(2).all(|w| w[0] <= w[1]),
        "synapses not in (j, i) order: {pairs:?}"
    );
}

fn state_monitor_end(net: &mut Network, h: Handle, vars: &[&str], record: Record) -> Handle {
    net.add_state_monitor(StateMonitor {
        when: Some("end".into()),
        ..StateMonitor::new(h, vars, record)
    })
    .unwrap()
}

/// The trace of `var` of the `k`-th recorded element.
fn trace(net: &Network, m: Handle, var: &str, k: usize) -> Vec<f64> {
    let d = net.state_monitor(m).unwrap();
    d.variable(var).expect("recorded variable").row(k).to_vec()
}

fn generator(net: &mut Network, n: usize, indices: Vec<i64>, times: Vec<f64>) -> Handle {
    net.add_spike_generator(SpikeGeneratorGroup {
        name: None,
        n,
        indices,
        times,
        period: 0.0,
    })
    .unwrap()
}

/// The index of the first sample equal to `x` (the sample where a step occurs).
fn first_index_of(v: &[f64], x: f64) -> Option<usize> {
    v.iter().position(|y| *y == x)
}

/// `0` before sample `k`, `x` from sample `k` on.
fn assert_step(v: &[f64], k: usize, x: f64, what: &str) {
    let want: Vec<f64> = (0..v.len()).map(|n| if n < k { 0.0 } else { x }).collect();
    assert_eq!(v, &want[..], "{what}");
}

// ---------------------------------------------------------------------------
// Creation and connect
// ---------------------------------------------------------------------------

#[test]
fn test_creation() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(42, "v: 1").threshold("False"))
        .unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "w:1").on_pre("v+=w")).unwrap();
    assert_eq!(len(&net, s), 0);
    assert_eq!(ij(&net, s), (vec![], vec![]));
}

#[test]
fn test_connect_errors() {
    let mut net = Network::new();
    let g = group(&mut net, 42, "");
    let s = syn(&mut net, g, g, "");
    // Not a boolean condition (Brian2: TypeError)
    assert!(net.connect(s, Connect::condition("i*2")).is_err());
    // Unit error (DimensionMismatchError)
    assert!(net.connect(s, Connect::condition("i > 3*mV")).is_err());
    // Syntax error (SyntaxError: sin takes one argument)
    assert!(net.connect(s, Connect::condition("sin(3, 4) > 1")).is_err());
    // A quantity as the condition (TypeError)
    assert!(net.connect(s, Connect::condition("1*mV")).is_err());
    // Syntax error in the p argument
    let c = Connect {
        p: Some(Prob::Expr("sin(3, 4)".into())),
        ..Connect::default()
    };
    assert!(net.connect(s, c).is_err());
    // Nothing was created by the failed calls
    assert_eq!(len(&net, s), 0);
}

#[test]
fn test_name_clashes() {
    let mut net = Network::new();
    let g1 = group(&mut net, 1, "a : 1");
    let g2 = group(&mut net, 1, "b : 1");
    // The same name as a pre- or postsynaptic variable
    assert!(net.add_synapses(Synapses::new(g1, g2, "a : 1")).is_err());
    assert!(net.add_synapses(Synapses::new(g1, g2, "b : 1")).is_err());
    // `_pre` and `_post` suffixes are reserved
    for m in ["x_pre : 1", "x_post : 1", "x_pre = 1 : 1", "x_post = 1 : 1"] {
        assert!(net.add_synapses(Synapses::new(g1, g2, m)).is_err(), "Synapses '{m}'");
        assert!(net.add_neurons(NeuronGroup::new(1, m)).is_err(), "NeuronGroup '{m}'");
    }
    // These are fine
    for m in ["c : 1", "a_syn : 1", "b_syn : 1"] {
        net.add_synapses(Synapses::new(g1, g2, m)).unwrap();
    }
}

#[test]
fn test_incoming_outgoing() {
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "");
    let g2 = group(&mut net, 5, "");
    let s = syn(&mut net, g1, g2, "");
    net.connect(s, Connect::arrays(vec![0, 0, 0, 1, 1, 2], vec![0, 1, 2, 1, 2, 3]))
        .unwrap();
    net.run(0.0).unwrap();
    // Source 0 has 3 outgoing synapses, 1 has 2, 2 has 1.
    assert_eq!(get(&net, s, "N_outgoing"), vec![3.0, 3.0, 3.0, 2.0, 2.0, 1.0]);
    assert_eq!(outgoing_pre(&net, s, 5), vec![3, 2, 1, 0, 0]);
    // Target 0 receives 1, targets 1 and 2 receive 2, target 3 receives 1.
    assert_eq!(get(&net, s, "N_incoming"), vec![1.0, 2.0, 2.0, 2.0, 2.0, 1.0]);
    // S.N_outgoing_pre, S.N_incoming_post
    assert_eq!(net.synapses_per_source(s).unwrap(), vec![3, 2, 1, 0, 0]);
    assert_eq!(net.synapses_per_target(s).unwrap(), vec![1, 2, 2, 1, 0]);
    assert!(net.synapses_per_target(g1).is_err());
}

/// `N_incoming`/`N_outgoing` read by code: the values after every connect
/// (they are made from the indices when first read, and again after a connect).
#[test]
fn test_incoming_outgoing_in_code() {
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "");
    let g2 = group(&mut net, 5, "");
    let s = syn(&mut net, g1, g2, "w : 1\nu : 1");
    net.connect(s, Connect::arrays(vec![0, 0, 1], vec![0, 1, 1])).unwrap();
    net.set(s, "w", Value::Expr("N_incoming + 10*N_outgoing".into()), Selection::All)
        .unwrap();
    assert_eq!(get(&net, s, "w"), vec![21.0, 22.0, 12.0]);
    net.connect(s, Connect::arrays(vec![0, 2], vec![1, 1])).unwrap();
    net.set(s, "u", Value::Expr("N_incoming + 10*N_outgoing".into()), Selection::All)
        .unwrap();
    assert_eq!(get(&net, s, "u"), vec![31.0, 34.0, 14.0, 34.0, 14.0]);
    assert_eq!(get(&net, s, "N_incoming"), vec![1.0, 4.0, 4.0, 4.0, 4.0]);
    let m = net
        .add_state_monitor(StateMonitor::new(s, &["N_outgoing"], Record::All))
        .unwrap();
    net.run(0.0002).unwrap();
    let rec = net.state_monitor(m).unwrap();
    assert_eq!(rec.values[0].1.shape(), &[5, 2]);
    assert_eq!(rec.values[0].1.column(1).to_vec(), vec![3.0, 3.0, 1.0, 3.0, 1.0]);
}

#[test]
fn test_connection_arrays() {
    let mut net = Network::new();
    let g = group(&mut net, 42, "");
    let g2 = group(&mut net, 17, "");
    // one-to-one
    let s1 = syn(&mut net, g2, g2, "");
    let r: Vec<i64> = (0..17).collect();
    net.connect(s1, Connect::arrays(r.clone(), r)).unwrap();
    // full (meshgrid order: X.flatten(), Y.flatten())
    let s2 = syn(&mut net, g, g2, "");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for b in 0..17 {
        for a in 0..42 {
            x.push(a);
            y.push(b);
        }
    }
    net.connect(s2, Connect::arrays(x.clone(), y.clone())).unwrap();
    // multiple synapses
    let s3 = syn(&mut net, g, g2, "");
    net.connect(s3, Connect::arrays(vec![3, 3], vec![3, 3])).unwrap();
    net.run(0.0).unwrap();
    compare(&net, s1, 17, 17, |a, b| i64::from(a == b));
    compare(&net, s2, 42, 17, |_, _| 1);
    compare(&net, s3, 42, 17, |a, b| if a == 3 && b == 3 { 2 } else { 0 });
    // Index arrays keep the given order
    assert_eq!(ij(&net, s2), (x, y));

    // Incorrect usage
    let s = syn(&mut net, g, g2, "");
    // i array with a j string (TypeError)
    let c = Connect {
        i: Some(Indices::Array(vec![1, 2])),
        j: Some(Indices::Generator("string".into())),
        ..Connect::default()
    };
    assert!(net.connect(s, c).is_err());
    // n as a string with arrays (TypeError)
    assert!(
        net.connect(s, with_n_expr(Connect::arrays(vec![1, 2], vec![1, 2]), "i"))
            .is_err()
    );
    // Different lengths (ValueError)
    assert!(net.connect(s, Connect::arrays(vec![1, 2, 3], vec![1, 2])).is_err());
    // Indices out of range (IndexError)
    let e = err_text(net.connect(s, Connect::arrays(vec![41, 42], vec![0, 1])));
    assert!(e.contains("42"), "{e}");
    let e = err_text(net.connect(s, Connect::arrays(vec![0, 1], vec![16, 17])));
    assert!(e.contains("17"), "{e}");
    let e = err_text(net.connect(s, Connect::arrays(vec![0, -1], vec![0, 1])));
    assert!(e.contains("-1"), "{e}");
    let e = err_text(net.connect(s, Connect::arrays(vec![0, 1], vec![0, -1])));
    assert!(e.contains("-1"), "{e}");
    // A condition together with j (ValueError)
    let c = Connect {
        condition: Some("i==j".into()),
        j: Some(Indices::Array((0..10).collect())),
        ..Connect::default()
    };
    assert!(net.connect(s, c).is_err());
    assert_eq!(len(&net, s), 0);
}

#[test]
fn test_connection_string_deterministic_full() {
    let mut net = Network::new();
    let g = group(&mut net, 17, "");
    let g2 = group(&mut net, 4, "");
    // S1.connect(True)
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, Connect::all()).unwrap();
    // S2.connect("True")
    let s2 = syn(&mut net, g, g2, "");
    net.connect(s2, Connect::condition("True")).unwrap();
    net.run(0.0).unwrap();
    for s in [s1, s2] {
        compare(&net, s, 17, 4, |_, _| 1);
        assert_pre_major(&net, s);
    }
}

#[test]
fn test_connection_string_deterministic_full_no_self() {
    let mut net = Network::new();
    let g = group(&mut net, 17, "v : 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 4, "v : 1");
    net.set(g2, "v", Value::Expr("17 + i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g, "");
    net.connect(s1, Connect::condition("i != j")).unwrap();
    let s2 = syn(&mut net, g, g, "");
    net.connect(s2, Connect::condition("v_pre != v_post")).unwrap();
    let s3 = syn(&mut net, g, g, "");
    net.connect(
        s3,
        Connect {
            condition: Some("i != j".into()),
            ..Connect::default()
        },
    )
    .unwrap();
    net.run(0.0).unwrap();
    for s in [s1, s2, s3] {
        compare(&net, s, 17, 17, |a, b| i64::from(a != b));
        assert_pre_major(&net, s);
    }
}

#[test]
fn test_connection_string_deterministic_full_one_to_one() {
    let mut net = Network::new();
    let g = group(&mut net, 17, "v : 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 4, "v : 1");
    net.set(g2, "v", Value::Expr("17 + i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g, "");
    net.connect(s1, Connect::condition("i == j")).unwrap();
    let s2 = syn(&mut net, g, g, "");
    net.connect(s2, Connect::condition("v_pre == v_post")).unwrap();
    let s4 = syn(&mut net, g, g, "");
    net.connect(s4, Connect::j("i")).unwrap();
    net.run(0.0).unwrap();
    for s in [s1, s2, s4] {
        compare(&net, s, 17, 17, |a, b| i64::from(a == b));
    }
}

/// The part of test_connection_string_deterministic_full_one_to_one that uses
/// synaptic subexpressions (of pre/post variables) in the condition.
#[test]

fn test_connection_string_deterministic_full_one_to_one_subexpressions() {
    let mut net = Network::new();
    let g = group(&mut net, 17, "v : 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let s3 = syn(&mut net, g, g, "sub_1 = v_pre : 1\nsub_2 = v_post : 1\nw:1");
    net.connect(s3, Connect::condition("sub_1 == sub_2")).unwrap();
    net.run(0.0).unwrap();
    compare(&net, s3, 17, 17, |a, b| i64::from(a == b));
}

#[test]
fn test_connection_string_deterministic_full_custom() {
    let mut net = Network::new();
    let g = group(&mut net, 17, "");
    let _g2 = group(&mut net, 4, "");
    // Everything except for the upper [2, 2] quadrant
    net.constant("number", 2.0, Dim::ONE).unwrap();
    let s1 = syn(&mut net, g, g, "");
    net.connect(s1, Connect::condition("(i >= number) or (j >= number)"))
        .unwrap();
    // Brian2's `namespace={'explicit_number': number}`: another constant
    net.constant("explicit_number", 2.0, Dim::ONE).unwrap();
    let s2 = syn(&mut net, g, g, "");
    net.connect(
        s2,
        Connect::condition("(i >= explicit_number) or (j >= explicit_number)"),
    )
    .unwrap();
    // A generator given as the condition (ValueError)
    assert!(net.connect(s2, Connect::condition("k for k in range(1)")).is_err());
    // Connecting to a target outside the group (IndexError)
    let e = err_text(net.connect(s2, Connect::j("20")));
    assert!(e.contains("20"), "{e}");
    net.run(0.0).unwrap();
    for s in [s1, s2] {
        compare(&net, s, 17, 17, |a, b| i64::from(a >= 2 || b >= 2));
        assert_pre_major(&net, s);
    }
}

#[test]
fn test_connection_string_deterministic_multiple_and() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "");
    let s = syn(&mut net, g, g, "");
    net.connect(s, Connect::condition("i>=5 and i<10 and j>=5")).unwrap();
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s), 25);
}

#[test]
fn test_connection_random_with_condition() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let mk = |net: &mut Network, c: &str, p: f64| {
        let s = syn(net, g, g, "");
        net.connect(s, with_p(Connect::condition(c), p)).unwrap();
        s
    };
    let s1 = mk(&mut net, "i!=j", 0.0);
    let s2 = mk(&mut net, "i!=j", 1.0);
    let s3 = mk(&mut net, "i>=2", 0.0);
    let s4 = mk(&mut net, "i>=2", 1.0);
    let s5 = mk(&mut net, "j<2", 0.0);
    let s6 = mk(&mut net, "j<2", 1.0);
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 4, |a, b| i64::from(a != b));
    assert_eq!(len(&net, s3), 0);
    compare(&net, s4, 4, 4, |a, _| i64::from(a >= 2));
    assert_eq!(len(&net, s5), 0);
    compare(&net, s6, 4, 4, |_, b| i64::from(b < 2));
}

#[test]
fn test_connection_random_with_condition_2() {
    let mut net = Network::new();
    net.set_seed(2);
    let g = group(&mut net, 4, "");
    let mut made = Vec::new();
    for (c, p) in [
        ("i!=j", 0.01),
        ("i!=j", 0.03),
        ("i!=j", 0.3),
        ("i>=2", 0.01),
        ("i>=2", 0.03),
        ("i>=2", 0.3),
        ("j>=2", 0.01),
        ("j>=2", 0.03),
        ("j>=2", 0.3),
    ] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, with_p(Connect::condition(c), p)).unwrap();
        made.push((c, s));
    }
    let s16 = syn(&mut net, g, g, "");
    net.connect(
        s16,
        Connect {
            p: Some(Prob::Expr("i*0.1".into())),
            ..Connect::condition("i!=j")
        },
    )
    .unwrap();
    let s17 = syn(&mut net, g, g, "");
    net.connect(
        s17,
        Connect {
            p: Some(Prob::Expr("j*0.1".into())),
            ..Connect::condition("i!=j")
        },
    )
    .unwrap();
    // Forces the use of the "jump algorithm"
    let big = group(&mut net, 10000, "");
    let s18 = syn(&mut net, big, big, "");
    net.connect(s18, with_p(Connect::condition("i != j"), 0.001)).unwrap();
    // Brian2 issue #835
    let s19 = syn(&mut net, big, big, "");
    net.connect(s19, with_p(Connect::condition("i < int(N_post*0.5)"), 0.001))
        .unwrap();
    net.run(0.0).unwrap();
    for (c, s) in made {
        let (i, j) = ij(&net, s);
        for (a, b) in i.iter().zip(&j) {
            let ok = match c {
                "i!=j" => a != b,
                "i>=2" => *a >= 2,
                _ => *b >= 2,
            };
            assert!(ok, "synapse ({a}, {b}) violates '{c}'");
        }
    }
    let (i, j) = ij(&net, s16);
    assert!(i.iter().zip(&j).all(|(a, b)| a != b && *a != 0));
    let (i, j) = ij(&net, s17);
    assert!(i.iter().zip(&j).all(|(a, b)| a != b && *b != 0));
    let (i, j) = ij(&net, s18);
    assert!(i.iter().zip(&j).all(|(a, b)| a != b));
    // About 10000*9999*0.001 = 99990 synapses
    assert!((90_000..110_000).contains(&i.len()), "{} synapses", i.len());
    let (i, _) = ij(&net, s19);
    assert!(i.iter().all(|a| *a < 5000));
    assert!((45_000..55_000).contains(&i.len()), "{} synapses", i.len());
    assert_pre_major(&net, s18);
}

#[test]
fn test_connection_random_with_indices() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let g2 = group(&mut net, 7, "");
    let s2 = syn(&mut net, g, g2, "");
    net.connect(s2, with_p(Connect::arrays(vec![0], vec![0]), 1.0)).unwrap();
    let s3 = syn(&mut net, g, g2, "");
    net.connect(s3, with_p(Connect::arrays(vec![0, 1], vec![0, 2]), 1.0))
        .unwrap();
    net.run(0.0).unwrap();
    compare(&net, s2, 4, 7, |a, b| i64::from(a == 0 && b == 0));
    compare(&net, s3, 4, 7, |a, b| i64::from((a, b) == (0, 0) || (a, b) == (1, 2)));
}

/// The parts of test_connection_random_with_indices with `p < 1`.
#[test]
#[ignore = "spikejit lacks p < 1 with i/j index arrays ('not supported yet')"]
fn test_connection_random_with_indices_p_below_1() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let g2 = group(&mut net, 7, "");
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, with_p(Connect::arrays(vec![0], vec![0]), 0.0)).unwrap();
    let mut bounded = Vec::new();
    for p in [0.01, 0.03, 0.3] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, with_p(Connect::arrays(vec![0], vec![0]), p)).unwrap();
        bounded.push((s, 1));
        let s = syn(&mut net, g, g, "");
        net.connect(s, with_p(Connect::arrays(vec![0, 1], vec![0, 2]), p))
            .unwrap();
        bounded.push((s, 2));
    }
    net.run(0.0).unwrap();
    compare(&net, s1, 4, 7, |_, _| 0);
    for (s, max) in bounded {
        assert!(len(&net, s) <= max);
    }
}

#[test]
fn test_connection_random_without_condition() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "v: 1\nx : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "v: 1\ny : 1");
    net.set(g2, "y", Value::Expr("1.0*i/N".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, with_p(Connect::all(), 0.0)).unwrap();
    let s2 = syn(&mut net, g, g2, "");
    net.connect(s2, with_p(Connect::all(), 1.0)).unwrap();
    let s3 = syn(&mut net, g, g2, "");
    net.connect(s3, with_p(Connect::all(), 0.3)).unwrap();
    // "Stochastic" connections that are deterministic
    let s4 = syn(&mut net, g, g2, "");
    net.connect(
        s4,
        Connect {
            p: Some(Prob::Expr("int(x_pre==2)*1.0".into())),
            ..Connect::all()
        },
    )
    .unwrap();
    let s5 = syn(&mut net, g, g2, "");
    net.connect(
        s5,
        Connect {
            p: Some(Prob::Expr("int(x_pre==2 and y_post > 0.5)*1.0".into())),
            ..Connect::all()
        },
    )
    .unwrap();
    net.run(0.0).unwrap();
    compare(&net, s1, 4, 7, |_, _| 0);
    compare(&net, s2, 4, 7, |_, _| 1);
    assert!(len(&net, s3) <= 28);
    assert_eq!(ij(&net, s4), (vec![2; 7], (0..7).collect()));
    assert_eq!(ij(&net, s5), (vec![2; 3], vec![4, 5, 6]));
}

#[test]
fn test_connection_multiple_synapses() {
    let mut net = Network::new();
    let g = group(&mut net, 42, "v: 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 17, "v: 1");
    net.set(g2, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, with_n(Connect::all(), 0)).unwrap();
    let s2 = syn(&mut net, g, g2, "");
    net.connect(s2, with_n(Connect::all(), 2)).unwrap();
    let s3 = syn(&mut net, g, g2, "");
    net.connect(s3, with_n_expr(Connect::all(), "j")).unwrap();
    let s4 = syn(&mut net, g, g2, "");
    net.connect(s4, with_n_expr(Connect::all(), "i")).unwrap();
    let s5 = syn(&mut net, g, g2, "");
    net.connect(s5, with_n_expr(Connect::all(), "int(i>j)*2")).unwrap();
    let s6 = syn(&mut net, g, g2, "");
    net.connect(s6, with_n_expr(Connect::all(), "int(v_pre>v_post)*2"))
        .unwrap();
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 42, 17, |_, _| 2);
    compare(&net, s3, 42, 17, |_, b| b as i64);
    compare(&net, s4, 42, 17, |a, _| a as i64);
    compare(&net, s5, 42, 17, |a, b| if b < a { 2 } else { 0 });
    compare(&net, s6, 42, 17, |a, b| if b < a { 2 } else { 0 });
    for s in [s2, s3, s4, s5, s6] {
        assert_pre_major(&net, s);
    }
}

/// Not a Brian2 test: the exact creation order of Brian2 2.9.0 (numpy target)
/// for each form of `connect`, several calls and subgroups included. All
/// numbers come from Brian2 2.9.0.
#[test]
fn test_creation_order() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "v:1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g3 = group(&mut net, 3, "v:1");
    net.set(g3, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g4 = group(&mut net, 4, "");
    let mut cases: Vec<(&str, Handle, Vec<i64>, Vec<i64>)> = Vec::new();
    let mut add = |net: &mut Network, name: &'static str, src, tgt, calls: Vec<Connect>, i: Vec<i64>, j: Vec<i64>| {
        let s = syn(net, src, tgt, "");
        for c in calls {
            net.connect(s, c).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        cases.push((name, s, i, j));
    };
    add(
        &mut net,
        "n2",
        g3,
        g4,
        vec![with_n(Connect::all(), 2)],
        vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2],
        vec![0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3],
    );
    add(
        &mut net,
        "n_j",
        g3,
        g4,
        vec![with_n_expr(Connect::all(), "j")],
        vec![0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
        vec![1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3],
    );
    add(
        &mut net,
        "i generator",
        g3,
        g4,
        vec![ig("k for k in range(N_pre)")],
        vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2],
        vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
    );
    add(
        &mut net,
        "i generator, reversed",
        g3,
        g4,
        vec![ig("k for k in range(N_pre-1, -1, -1)")],
        vec![2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0],
        vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
    );
    add(
        &mut net,
        "j generator, reversed",
        g3,
        g4,
        vec![Connect::j("k for k in range(N_post-1, -1, -1)")],
        vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
        vec![3, 2, 1, 0, 3, 2, 1, 0, 3, 2, 1, 0],
    );
    add(
        &mut net,
        "arrays",
        g3,
        g4,
        vec![Connect::arrays(vec![2, 0, 1, 0], vec![3, 1, 0, 1])],
        vec![2, 0, 1, 0],
        vec![3, 1, 0, 1],
    );
    add(
        &mut net,
        "arrays, n=2",
        g3,
        g4,
        vec![with_n(Connect::arrays(vec![2, 0], vec![3, 1]), 2)],
        vec![2, 2, 0, 0],
        vec![3, 3, 1, 1],
    );
    add(
        &mut net,
        "p=1, n=2",
        g3,
        g4,
        vec![with_n(with_p(Connect::all(), 1.0), 2)],
        vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2],
        vec![0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3],
    );
    add(
        &mut net,
        "ring, skip_if_invalid",
        g,
        g,
        vec![skip_invalid(Connect::j("i + 1 - 2*k for k in range(2)"))],
        vec![0, 1, 1, 2, 2, 3],
        vec![1, 2, 0, 3, 1, 2],
    );
    add(
        &mut net,
        "condition",
        g,
        g,
        vec![Connect::condition("i != j")],
        vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
        vec![1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2],
    );
    add(
        &mut net,
        "condition on variables",
        g,
        g,
        vec![Connect::condition("v_pre > v_post")],
        vec![1, 2, 2, 3, 3, 3],
        vec![0, 0, 1, 0, 1, 2],
    );
    add(
        &mut net,
        "j generator with if",
        g,
        g,
        vec![Connect::j("k for k in range(N_post) if k != i")],
        vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
        vec![1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2],
    );
    add(
        &mut net,
        "i generator with if",
        g,
        g,
        vec![ig("k for k in range(N_pre) if k != j")],
        vec![1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2],
        vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
    );
    add(
        &mut net,
        "sample(size=N_post)",
        g,
        g,
        vec![Connect::j("k for k in sample(N_post, size=N_post)")],
        vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
        vec![0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],
    );
    add(
        &mut net,
        "sample(size=2) of 2 with a negative step",
        g,
        g,
        vec![Connect::j("k for k in sample(N_post-1, 0, -2, size=2)")],
        vec![0, 0, 1, 1, 2, 2, 3, 3],
        vec![3, 1, 3, 1, 3, 1, 3, 1],
    );
    add(
        &mut net,
        "i sample(p=1)",
        g,
        g,
        vec![ig("k for k in sample(N_pre, p=1)")],
        vec![0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],
        vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3],
    );
    add(
        &mut net,
        "n as an expression",
        g3,
        g4,
        vec![with_n_expr(Connect::j("i"), "i+1")],
        vec![0, 1, 1, 2, 2, 2],
        vec![0, 1, 1, 2, 2, 2],
    );
    add(
        &mut net,
        "triangle",
        g,
        g,
        vec![Connect::j("k for k in range(i, N_post)")],
        vec![0, 0, 0, 0, 1, 1, 1, 2, 2, 3],
        vec![0, 1, 2, 3, 1, 2, 3, 2, 3, 3],
    );
    add(
        &mut net,
        "p=1 with a condition",
        g,
        g,
        vec![with_p(Connect::condition("i >= 2"), 1.0)],
        vec![2, 2, 2, 2, 3, 3, 3, 3],
        vec![0, 1, 2, 3, 0, 1, 2, 3],
    );
    for (name, s, i, j) in &cases {
        assert_eq!(ij(&net, *s), (i.clone(), j.clone()), "{name}");
    }

    // Several connect calls append, and the multisynaptic index counts the
    // earlier synapses of the same pair across calls.
    let s = net
        .add_synapses(Synapses {
            multisynaptic_index: Some("k".into()),
            ..Synapses::new(g3, g4, "")
        })
        .unwrap();
    net.connect(s, with_n(Connect::all(), 2)).unwrap();
    net.connect(s, Connect::arrays(vec![2, 0, 0], vec![1, 3, 3])).unwrap();
    net.connect(s, Connect::condition("i == j")).unwrap();
    let (i, j) = ij(&net, s);
    assert_eq!(
        i,
        vec![
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 1, 2
        ]
    );
    assert_eq!(
        j,
        vec![
            0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 1, 3, 3, 0, 1, 2
        ]
    );
    let k: Vec<f64> = vec![
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 3, 2, 2, 2,
    ]
    .into_iter()
    .map(f64::from)
    .collect();
    assert_eq!(get(&net, s, "k"), k);

    // Subgroups: i and j are relative to the subgroups.
    let pre = net.subgroup(g, 1, 4, None).unwrap();
    let post = net.subgroup(g, 0, 2, None).unwrap();
    let s = syn(&mut net, pre, post, "");
    net.connect(s, Connect::all()).unwrap();
    assert_eq!(ij(&net, s), (vec![0, 0, 1, 1, 2, 2], vec![0, 1, 0, 1, 0, 1]));
    let s = syn(&mut net, pre, post, "");
    net.connect(s, Connect::j("k for k in range(N_post) if i + k < 3"))
        .unwrap();
    assert_eq!(ij(&net, s), (vec![0, 0, 1, 1, 2], vec![0, 1, 0, 1, 0]));
    let pre = net.subgroup(g, 1, 3, None).unwrap();
    let post = net.subgroup(g, 2, 4, None).unwrap();
    let s = syn(&mut net, pre, post, "");
    net.connect(s, Connect::condition("v_pre < v_post")).unwrap();
    assert_eq!(ij(&net, s), (vec![0, 0, 1], vec![0, 1, 1]));
}

// ---------------------------------------------------------------------------
// State variables
// ---------------------------------------------------------------------------

#[test]
fn test_state_variable_assignment() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "v: volt");
    net.set(g, "v", Value::Expr("i*mV".into()), Selection::All).unwrap();
    let s = syn(&mut net, g, g, "w:volt");
    net.connect(s, Connect::all()).unwrap();
    let (i, j) = ij(&net, s);
    let i: Vec<f64> = i.iter().map(|x| *x as f64).collect();
    let j: Vec<f64> = j.iter().map(|x| *x as f64).collect();
    let with_units: Vec<(Value, Vec<f64>)> = vec![
        (Value::Scalar(5.0 * MV), vec![5.0 * MV; 100]),
        (Value::Scalar(7.0 * MV), vec![7.0 * MV; 100]),
        (
            Value::Array(i.iter().map(|x| x * MV).collect()),
            i.iter().map(|x| x * MV).collect(),
        ),
        (Value::Expr("5*mV".into()), vec![5.0 * MV; 100]),
        (Value::Expr("i*mV".into()), i.iter().map(|x| x * MV).collect()),
        (
            Value::Expr("i*mV +j*mV".into()),
            i.iter().zip(&j).map(|(a, b)| a * MV + b * MV).collect(),
        ),
        // pre- and postsynaptic state variables
        (Value::Expr("v_pre".into()), i.iter().map(|x| x * MV).collect()),
        (Value::Expr("v_post".into()), j.iter().map(|x| x * MV).collect()),
    ];
    for (value, expected) in with_units {
        net.set(s, "w", Value::Scalar(0.0), Selection::All).unwrap();
        net.set(s, "w", value.clone(), Selection::All).unwrap();
        assert_close(&get(&net, s, "w"), &expected, 1e-12, 0.0, &format!("w = {value:?}"));
    }
    // Without unit checking (Brian2's `S.w_ = 5`): a number in SI units
    net.set(s, "w", Value::Scalar(5.0), Selection::All).unwrap();
    assert_all(&get(&net, s, "w"), 5.0, "w_ = 5");
    // A dimensionless expression for a voltage is a unit error
    assert!(net.set(s, "w", Value::Expr("5".into()), Selection::All).is_err());
    assert!(net.set(s, "w", Value::Expr("i".into()), Selection::All).is_err());
}

#[test]
fn test_state_variable_indexing() {
    let mut net = Network::new();
    let g1 = group(&mut net, 5, "v:volt");
    net.set(g1, "v", Value::Expr("i*mV".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "v:volt");
    net.set(g2, "v", Value::Expr("10*mV + i*mV".into()), Selection::All)
        .unwrap();
    let s = net
        .add_synapses(Synapses {
            multisynaptic_index: Some("k".into()),
            ..Synapses::new(g1, g2, "w:1")
        })
        .unwrap();
    net.connect(s, with_n(Connect::all(), 2)).unwrap();
    // S.w[:, :, 0] = '5*i + j'; S.w[:, :, 1] = '35 + 5*i + j'
    net.set(s, "w", Value::Expr("5*i + j".into()), Selection::Where("k == 0".into()))
        .unwrap();
    net.set(
        s,
        "w",
        Value::Expr("35 + 5*i + j".into()),
        Selection::Where("k == 1".into()),
    )
    .unwrap();
    assert_eq!(len(&net, s), 5 * 7 * 2);
    let (i, j) = ij(&net, s);
    let k = get(&net, s, "k");
    let w = get(&net, s, "w");
    for n in 0..w.len() {
        assert_eq!(w[n], (5 * i[n] + j[n]) as f64 + 35.0 * k[n], "synapse {n}");
    }
    // String indices select the same synapses as Brian2's slices:
    // S.w[0:3, :] == S.w['i<3'] == S.w['v_pre < 2.5*mV'],
    // S.w[:, 0:3] == S.w['j<3'] == S.w['v_post < 12.5*mV'], S.w[:, :, 0] == S.w['k == 0'].
    let selected = |net: &mut Network, sel: &str| -> Vec<bool> {
        net.set(s, "w", Value::Scalar(0.0), Selection::All).unwrap();
        net.set(s, "w", Value::Scalar(1.0), Selection::Where(sel.into()))
            .unwrap();
        get(net, s, "w").iter().map(|x| *x == 1.0).collect()
    };
    let by_i: Vec<bool> = i.iter().map(|a| *a < 3).collect();
    let by_j: Vec<bool> = j.iter().map(|b| *b < 3).collect();
    let by_k: Vec<bool> = k.iter().map(|x| *x == 0.0).collect();
    assert_eq!(selected(&mut net, "i<3"), by_i);
    assert_eq!(selected(&mut net, "v_pre < 2.5*mV"), by_i);
    assert_eq!(selected(&mut net, "j<3"), by_j);
    assert_eq!(selected(&mut net, "v_post < 12.5*mV"), by_j);
    assert_eq!(selected(&mut net, "k == 0"), by_k);
    // The same through views: S.w[0:3, :], S.w[:, 0:3], S.w[:, :, 0]
    let viewed = |net: &mut Network, pre: Slice, post: Slice, k: Slice| -> Vec<bool> {
        net.set(s, "w", Value::Scalar(0.0), Selection::All).unwrap();
        net.set(s, "w", Value::Scalar(1.0), Selection::Synapses { pre, post, k })
            .unwrap();
        get(net, s, "w").iter().map(|x| *x == 1.0).collect()
    };
    assert_eq!(viewed(&mut net, Slice::range(0, 3), Slice::All, Slice::All), by_i);
    assert_eq!(viewed(&mut net, Slice::All, Slice::range(0, 3), Slice::All), by_j);
    assert_eq!(viewed(&mut net, Slice::All, Slice::All, Slice::At(0)), by_k);
    // Slicing: the number of synapses each view selects
    let count = |net: &mut Network, pre: Slice, post: Slice, k: Slice| -> usize {
        viewed(net, pre, post, k).iter().filter(|x| **x).count()
    };
    let from = |start: usize, stop: Option<usize>, step: usize| Slice::Range { start, stop, step };
    let (n1, n2) = (5, 7);
    let all = Slice::All;
    assert_eq!(count(&mut net, all, all, all), n1 * n2 * 2);
    assert_eq!(
        count(&mut net, from(0, None, 1), from(0, None, 1), from(0, None, 1)),
        n1 * n2 * 2
    );
    assert_eq!(count(&mut net, from(0, None, 2), from(0, None, 1), all), 3 * n2 * 2);
    assert_eq!(count(&mut net, Slice::At(0), all, all), n2 * 2);
    assert_eq!(count(&mut net, Slice::range(0, 2), all, all), 2 * n2 * 2);
    assert_eq!(count(&mut net, from(0, Some(4), 2), all, all), 2 * n2 * 2);
    assert_eq!(count(&mut net, all, Slice::At(0), all), n1 * 2);
    assert_eq!(count(&mut net, all, Slice::range(0, 2), all), 2 * n1 * 2);
    assert_eq!(count(&mut net, all, from(0, Some(4), 2), all), 2 * n1 * 2);
    assert_eq!(count(&mut net, all, all, Slice::At(0)), n1 * n2);
    assert_eq!(count(&mut net, all, all, Slice::range(0, 2)), n1 * n2 * 2);
    assert_eq!(count(&mut net, all, all, from(0, Some(2), 2)), n1 * n2);
    // S.w[1, 2]: both synapses of the pair
    net.set(s, "w", Value::Scalar(0.0), Selection::All).unwrap();
    net.set(s, "w", Value::Scalar(3.0), Selection::Pair(1, 2)).unwrap();
    let w = get(&net, s, "w");
    for n in 0..w.len() {
        let want = if (i[n], j[n]) == (1, 2) { 3.0 } else { 0.0 };
        assert_eq!(w[n], want, "synapse {n}");
    }
    // An index condition must use known names (Brian2: KeyError)
    assert!(
        net.set(s, "w", Value::Scalar(1.0), Selection::Where("q > 1".into()))
            .is_err()
    );
}

#[test]
fn test_indices() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "v : 1");
    let s = syn(&mut net, g, g, "marker : 1");
    net.connect(s, Connect::all()).unwrap();
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    assert_eq!(len(&net, s), 100);
    let (i, j) = ij(&net, s);
    assert_eq!(i, (0..100).map(|n| n / 10).collect::<Vec<_>>());
    assert_eq!(j, (0..100).map(|n| n % 10).collect::<Vec<_>>());
    // S.indices['v_pre >=5'] == S.indices[5:, :] (v was set after connect)
    net.set(s, "marker", Value::Scalar(1.0), Selection::Where("v_pre >=5".into()))
        .unwrap();
    let m = get(&net, s, "marker");
    assert_eq!(
        m.iter().map(|x| *x == 1.0).collect::<Vec<_>>(),
        i.iter().map(|a| *a >= 5).collect::<Vec<_>>()
    );
    net.set(s, "marker", Value::Scalar(0.0), Selection::All).unwrap();
    net.set(s, "marker", Value::Scalar(1.0), Selection::Where("j >=5".into()))
        .unwrap();
    let m = get(&net, s, "marker");
    assert_eq!(
        m.iter().map(|x| *x == 1.0).collect::<Vec<_>>(),
        j.iter().map(|b| *b >= 5).collect::<Vec<_>>()
    );
}

#[test]
fn test_subexpression_references() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "v : 1\nv2 = 2*v : 1");
    net.set(g, "v", Value::Array((0..10).map(f64::from).collect()), Selection::All)
        .unwrap();
    let s = syn(&mut net, g, g, "w : 1\nu = v2_post + 1 : 1\nx = v2_pre + 1 : 1");
    net.connect(s, Connect::condition("i==(10-1-j)")).unwrap();
    // Brian2 reads S.u[:] and S.x[:] directly; here a StateMonitor reads them.
    let m = net
        .add_state_monitor(StateMonitor::new(s, &["u", "x"], Record::All))
        .unwrap();
    net.run(DT).unwrap();
    let u: Vec<f64> = (0..10).map(|k| trace(&net, m, "u", k)[0]).collect();
    let x: Vec<f64> = (0..10).map(|k| trace(&net, m, "x", k)[0]).collect();
    assert_eq!(u, (0..10).rev().map(|a| f64::from(a) * 2.0 + 1.0).collect::<Vec<_>>());
    assert_eq!(x, (0..10).map(|a| f64::from(a) * 2.0 + 1.0).collect::<Vec<_>>());
}

#[test]
fn test_nested_subexpression_references() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1\nv2 = 2*v : 1\nv3 = 1.5*v2 : 1").threshold("v>=5"))
        .unwrap();
    let g2 = group(&mut net, 10, "v : 1");
    net.set(g, "v", Value::Array((0..10).map(f64::from).collect()), Selection::All)
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g2, "").on_pre("v_post += v3_pre"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.run(DT).unwrap();
    let v = get(&net, g2, "v");
    assert_all(&v[..5], 0.0, "v[:5]");
    assert_close(
        &v[5..],
        &(5..10).map(|a| f64::from(a) * 3.0).collect::<Vec<_>>(),
        1e-12,
        0.0,
        "v[5:]",
    );
}

#[test]
fn test_equations_unit_check() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(1, "v : volt").threshold("True"))
        .unwrap();
    // sub2 = sub1 + 1*mV adds a number and a voltage (DimensionMismatchError)
    let r = net.add_synapses(Synapses::new(g, g, "sub1 = 3 : 1\nsub2 = sub1 + 1*mV : volt").on_pre("v += sub2"));
    let r = r.and_then(|s| {
        net.connect(s, Connect::all())?;
        net.run(0.0)
    });
    assert!(r.is_err());
}

#[test]
fn test_constant_variable_subexpression_in_synapses() {
    let mut net = Network::new();
    let g = group(&mut net, 10, "");
    let s = net
        .add_synapses(Synapses {
            method: Some("rk2".into()),
            ..Synapses::new(
                g,
                g,
                "dv1/dt = -v1**2 / (10*ms) : 1 (clock-driven)
dv2/dt = -v_const**2 / (10*ms) : 1 (clock-driven)
dv3/dt = -v_var**2 / (10*ms) : 1 (clock-driven)
dv4/dt = -v_noflag**2 / (10*ms) : 1 (clock-driven)
v_const = v2 : 1 (constant over dt)
v_var = v3 : 1
v_noflag = v4 : 1",
            )
        })
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    for v in ["v1", "v2", "v3", "v4"] {
        net.set(s, v, Value::Expr("1.0*i/N".into()), Selection::All).unwrap();
    }
    net.run(10.0 * MS).unwrap();
    let v1 = get(&net, s, "v1");
    // "variable over dt" subexpressions are inserted into the equation
    assert_close(&get(&net, s, "v3"), &v1, 1e-7, 0.0, "v3");
    assert_close(&get(&net, s, "v4"), &v1, 1e-7, 0.0, "v4");
    // a "constant over dt" subexpression keeps its value over the time step:
    // a multi-step method gives a slightly different result
    let v2 = get(&net, s, "v2");
    let diff: f64 = v2.iter().zip(&v1).map(|(a, b)| (a - b).powi(2)).sum();
    assert!(diff > 1e-10, "sum((v2 - v1)**2) = {diff}");
}

#[test]
fn test_sim_with_constant_subexpression() {
    let mut net = Network::new();
    let inp = generator(&mut net, 2, vec![0, 1], vec![0.0, 0.0]);
    let out = group(&mut net, 2, "v : 1");
    let syn = net
        .add_synapses(Synapses::new(inp, out, "w : 1\ns = 5 : 1 (constant over dt)").on_pre("v += s + w"))
        .unwrap();
    net.connect(syn, Connect::j("i")).unwrap();
    net.set(syn, "w", Value::Array(vec![1.0, 2.0]), Selection::All).unwrap();
    net.run(2.0 * DT).unwrap();
    assert_close(&get(&net, out, "v"), &[6.0, 7.0], 1e-7, 0.0, "out.v");
}

// ---------------------------------------------------------------------------
// Delays
// ---------------------------------------------------------------------------

#[test]
fn test_delay_specification() {
    let mut net = Network::new();
    // (Brian2's group has no `v`; its on_pre code is never run. Here `v` exists
    // so that the code is valid.)
    let g = net
        .add_neurons(NeuronGroup::new(10, "x : meter\nv : 1").threshold("False"))
        .unwrap();
    net.set(g, "x", Value::Expr("i*mmeter".into()), Selection::All).unwrap();
    net.constant("velocity", 1.0, Dim::METRE / Dim::SECOND).unwrap();
    // Per-synapse delays
    let s = net.add_synapses(Synapses::new(g, g, "w:1").on_pre("v+=w")).unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    assert_eq!(get(&net, s, "pre.delay").len(), 10);
    assert_eq!(delays(&net, s, "pre").len(), 10);
    net.set(s, "delay", Value::Expr("i*ms".into()), Selection::All).unwrap();
    assert_close(
        &delays(&net, s, "pre"),
        &(0..10).map(|a| f64::from(a) * MS).collect::<Vec<_>>(),
        1e-12,
        0.0,
        "delay = i*ms",
    );
    net.set(
        s,
        "delay",
        Value::Expr("abs(x_pre - (N_post-j)*mmeter)/velocity".into()),
        Selection::All,
    )
    .unwrap();
    assert_close(
        &delays(&net, s, "pre"),
        &(0..10)
            .map(|a| (f64::from(a) - f64::from(10 - a)).abs() * 1e-3)
            .collect::<Vec<_>>(),
        1e-12,
        1e-18,
        "delay from distances",
    );
    net.set(s, "delay", Value::Scalar(5.0 * MS), Selection::All).unwrap();
    assert_all(&delays(&net, s, "pre"), 5.0 * MS, "delay = 5*ms");
    // Without units (S.delay_ = float(7*ms))
    net.set(s, "delay", Value::Scalar(7.0 * MS), Selection::All).unwrap();
    assert_all(&delays(&net, s, "pre"), 7.0 * MS, "delay_ = 0.007");

    // A scalar delay
    let s = net
        .add_synapses(Synapses::new(g, g, "w:1").on_pre("v+=w").delay(5.0 * MS))
        .unwrap();
    assert_close(&delays(&net, s, "pre"), &[5.0 * MS], 1e-12, 0.0, "scalar delay");
    net.connect(s, Connect::j("i")).unwrap();
    net.set(s, "delay", Value::Expr("3*ms".into()), Selection::All).unwrap();
    assert_close(&delays(&net, s, "pre"), &[3.0 * MS], 1e-12, 0.0, "delay = '3*ms'");
    net.set(s, "delay", Value::Scalar(10.0 * MS), Selection::All).unwrap();
    assert_close(&delays(&net, s, "pre"), &[10.0 * MS], 1e-12, 0.0, "delay = 10*ms");
    net.set(s, "delay", Value::Scalar(20.0 * MS), Selection::All).unwrap();
    assert_close(&delays(&net, s, "pre"), &[20.0 * MS], 1e-12, 0.0, "delay_ = 0.02");
    // A scalar delay cannot become per-synapse (Brian2: an error too)
    assert!(net.set(s, "delay", Value::Expr("i*ms".into()), Selection::All).is_err());

    // Invalid arguments. (delay=5*mV and delay=object() cannot be written with
    // the typed API.) A delay without a pathway (ValueError):
    let bad = Synapses {
        delays: vec![("pre".into(), 5.0 * MS)],
        ..Synapses::new(g, g, "w:1")
    };
    assert!(net.add_synapses(bad).is_err());
    // A delay for a pathway that does not exist (ValueError)
    let bad = Synapses {
        delays: vec![("post".into(), 5.0 * MS)],
        ..Synapses::new(g, g, "w:1").on_pre("v+=w")
    };
    let e = err_text(net.add_synapses(bad));
    assert!(e.contains("post"), "{e}");
    // A per-synapse delay must be a time
    let s = net.add_synapses(Synapses::new(g, g, "w:1").on_pre("v+=w")).unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    assert!(net.set(s, "delay", Value::Expr("5*mV".into()), Selection::All).is_err());
}

#[test]
fn test_delays_pathways() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "x: meter\nv : 1").threshold("False"))
        .unwrap();
    net.set(g, "x", Value::Expr("i*mmeter".into()), Selection::All).unwrap();
    net.constant("velocity", 1.0, Dim::METRE / Dim::SECOND).unwrap();
    let spec = Synapses::new(g, g, "w:1")
        .pathway("pre1", "v+=w", false)
        .pathway("pre2", "v+=w", false)
        .on_post("v-=w");
    // Per-synapse delays
    let s = net.add_synapses(spec.clone()).unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    for p in ["pre1", "pre2", "post"] {
        assert_eq!(delays(&net, s, p).len(), 10, "{p}.delay");
    }
    net.set(s, "pre1.delay", Value::Expr("i*ms".into()), Selection::All)
        .unwrap();
    net.set(s, "pre2.delay", Value::Expr("j*ms".into()), Selection::All)
        .unwrap();
    net.set(
        s,
        "post.delay",
        Value::Expr("abs(x_pre - (N_post-j)*mmeter)/velocity".into()),
        Selection::All,
    )
    .unwrap();
    let ramp: Vec<f64> = (0..10).map(|a| f64::from(a) * MS).collect();
    assert_close(&delays(&net, s, "pre1"), &ramp, 1e-12, 0.0, "pre1.delay");
    assert_close(&delays(&net, s, "pre2"), &ramp, 1e-12, 0.0, "pre2.delay");
    assert_close(
        &delays(&net, s, "post"),
        &(0..10)
            .map(|a| (f64::from(a) - f64::from(10 - a)).abs() * 1e-3)
            .collect::<Vec<_>>(),
        1e-12,
        1e-18,
        "post.delay",
    );
    net.set(s, "pre1.delay", Value::Scalar(5.0 * MS), Selection::All)
        .unwrap();
    net.set(s, "pre2.delay", Value::Scalar(10.0 * MS), Selection::All)
        .unwrap();
    net.set(s, "post.delay", Value::Scalar(1.0 * MS), Selection::All)
        .unwrap();
    assert_all(&delays(&net, s, "pre1"), 5.0 * MS, "pre1.delay");
    assert_all(&delays(&net, s, "pre2"), 10.0 * MS, "pre2.delay");
    assert_all(&delays(&net, s, "post"), 1.0 * MS, "post.delay");
    // Indexing: S.pre1.delay['j<5'], S.post.delay[[3, 4], :], S.pre2.delay[:, 7]
    let (i, j) = ij(&net, s);
    let pick = |v: &[f64], f: &dyn Fn(i64, i64) -> bool| -> Vec<f64> {
        (0..v.len()).filter(|&n| f(i[n], j[n])).map(|n| v[n]).collect()
    };
    let d = pick(&delays(&net, s, "pre1"), &|_, b| b < 5);
    assert_eq!(d.len(), 5);
    assert_all(&d, 5.0 * MS, "pre1.delay['j<5']");
    let d = pick(&delays(&net, s, "post"), &|a, _| a == 3 || a == 4);
    assert_eq!(d.len(), 2);
    assert_all(&d, 1.0 * MS, "post.delay[[3, 4], :]");
    let d = pick(&delays(&net, s, "pre2"), &|_, b| b == 7);
    assert_eq!(d.len(), 1);
    assert_all(&d, 10.0 * MS, "pre2.delay[:, 7]");
    // Setting with a string index and with [i, j]
    net.set(s, "pre1.delay", Value::Scalar(2.0 * MS), Selection::Where("j<5".into()))
        .unwrap();
    net.set(s, "pre1.delay", Value::Scalar(3.0 * MS), Selection::Pair(7, 7))
        .unwrap();
    let want: Vec<f64> = (0..10)
        .map(|b| match b {
            0..5 => 2.0 * MS,
            7 => 3.0 * MS,
            _ => 5.0 * MS,
        })
        .collect();
    assert_close(
        &delays(&net, s, "pre1"),
        &want,
        1e-12,
        0.0,
        "pre1.delay after indexed sets",
    );

    // Scalar delays for some pathways
    let spec = Synapses {
        delays: vec![("pre1".into(), 5.0 * MS), ("post".into(), 1.0 * MS)],
        ..spec
    };
    let s = net.add_synapses(spec).unwrap();
    assert_close(&delays(&net, s, "pre1"), &[5.0 * MS], 1e-12, 0.0, "pre1.delay");
    assert_close(&delays(&net, s, "post"), &[1.0 * MS], 1e-12, 0.0, "post.delay");
    net.connect(s, Connect::j("i")).unwrap();
    assert_eq!(delays(&net, s, "pre2").len(), 10);
    net.set(s, "pre1.delay", Value::Scalar(10.0 * MS), Selection::All)
        .unwrap();
    assert_close(&delays(&net, s, "pre1"), &[10.0 * MS], 1e-12, 0.0, "pre1.delay");
    net.set(s, "post.delay", Value::Expr("3*ms".into()), Selection::All)
        .unwrap();
    assert_close(&delays(&net, s, "post"), &[3.0 * MS], 1e-12, 0.0, "post.delay");
}

#[test]
fn test_delays_pathways_subgroups() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "x: meter\nv : 1").threshold("False"))
        .unwrap();
    net.set(g, "x", Value::Expr("i*mmeter".into()), Selection::All).unwrap();
    net.constant("velocity", 1.0, Dim::METRE / Dim::SECOND).unwrap();
    let lo = net.subgroup(g, 0, 5, None).unwrap();
    let hi = net.subgroup(g, 5, 10, None).unwrap();
    let s = net
        .add_synapses(
            Synapses::new(lo, hi, "w:1")
                .pathway("pre1", "v+=w", false)
                .pathway("pre2", "v+=w", false)
                .on_post("v-=w"),
        )
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    for p in ["pre1", "pre2", "post"] {
        assert_eq!(delays(&net, s, p).len(), 5, "{p}.delay");
    }
    net.set(s, "pre1.delay", Value::Expr("i*ms".into()), Selection::All)
        .unwrap();
    net.set(s, "pre2.delay", Value::Expr("j*ms".into()), Selection::All)
        .unwrap();
    net.set(
        s,
        "post.delay",
        Value::Expr("abs(x_pre - (N_post-j)*mmeter)/velocity".into()),
        Selection::All,
    )
    .unwrap();
    let ramp: Vec<f64> = (0..5).map(|a| f64::from(a) * MS).collect();
    assert_close(&delays(&net, s, "pre1"), &ramp, 1e-12, 0.0, "pre1.delay");
    assert_close(&delays(&net, s, "pre2"), &ramp, 1e-12, 0.0, "pre2.delay");
    // abs(G[:5].x - (5 - G[:5].i)*mmeter)/velocity
    assert_close(
        &delays(&net, s, "post"),
        &(0..5)
            .map(|a| (f64::from(a) - f64::from(5 - a)).abs() * 1e-3)
            .collect::<Vec<_>>(),
        1e-12,
        1e-18,
        "post.delay",
    );
    net.set(s, "pre1.delay", Value::Scalar(5.0 * MS), Selection::All)
        .unwrap();
    net.set(s, "pre2.delay", Value::Scalar(10.0 * MS), Selection::All)
        .unwrap();
    net.set(s, "post.delay", Value::Scalar(1.0 * MS), Selection::All)
        .unwrap();
    assert_all(&delays(&net, s, "pre1"), 5.0 * MS, "pre1.delay");
    assert_all(&delays(&net, s, "pre2"), 10.0 * MS, "pre2.delay");
    assert_all(&delays(&net, s, "post"), 1.0 * MS, "post.delay");
}

// ---------------------------------------------------------------------------
// Pathways and transmission
// ---------------------------------------------------------------------------

#[test]
fn test_pre_before_post() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(1, "x : 1\ny : 1").threshold("True"))
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "").on_pre("x=1; y=1").on_post("x=2"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.run(DT).unwrap();
    // Both pathways ran; post ran last
    assert_eq!(get(&net, g, "x"), vec![2.0]);
    assert_eq!(get(&net, g, "y"), vec![1.0]);
}

#[test]
fn test_pre_post_simple() {
    let mut net = Network::new();
    let g1 = generator(&mut net, 1, vec![0], vec![1.0 * MS]);
    let g2 = generator(&mut net, 1, vec![0], vec![2.0 * MS]);
    let s = net
        .add_synapses(
            Synapses::new(g1, g2, "pre_value : 1\npost_value : 1")
                .on_pre("pre_value +=1")
                .on_post("post_value +=2"),
        )
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    let m = state_monitor_end(&mut net, s, &["pre_value", "post_value"], Record::Indices(vec![0]));
    net.run(3.0 * MS).unwrap();
    // Brian2 2.9.0: 30 samples, pre_value is 1 from sample 10 (1 ms) on,
    // post_value is 2 from sample 20 (2 ms) on (propagation offset 0).
    let pre = trace(&net, m, "pre_value", 0);
    let post = trace(&net, m, "post_value", 0);
    assert_eq!(pre.len(), 30);
    assert_step(&pre, 10, 1.0, "pre_value");
    assert_step(&post, 20, 2.0, "post_value");
}

#[test]
fn test_transmission_simple() {
    let mut net = Network::new();
    let source = generator(&mut net, 2, vec![0, 1], vec![2.0 * MS, 1.0 * MS]);
    let target = group(&mut net, 2, "v : 1");
    let s = net
        .add_synapses(Synapses::new(source, target, "").on_pre("v += 1"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(2.5 * MS).unwrap();
    // Brian2 2.9.0: 25 samples; v[0] is 1 from sample 20 on, v[1] from sample 10 on
    let v0 = trace(&net, m, "v", 0);
    assert_eq!(v0.len(), 25);
    assert_step(&v0, 20, 1.0, "v[0]");
    assert_step(&trace(&net, m, "v", 1), 10, 1.0, "v[1]");
}

#[test]
fn test_transmission_custom_event() {
    let mut net = Network::new();
    let source = net
        .add_neurons(NeuronGroup::new(2, "").event(
            "custom",
            "timestep(t,dt)>=timestep((2-i)*ms, dt) and timestep(t,dt)<timestep((2-i)*ms + dt, dt)",
        ))
        .unwrap();
    let target = group(&mut net, 2, "v : 1");
    let s = net
        .add_synapses(
            Synapses::new(source, target, "")
                .on_pre("v += 1")
                .on_event("pre", "custom"),
        )
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(2.5 * MS).unwrap();
    assert_step(&trace(&net, m, "v", 0), 20, 1.0, "v[0]");
    assert_step(&trace(&net, m, "v", 1), 10, 1.0, "v[1]");
}

#[test]
fn test_transmission_custom_event_complex() {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(3, "v:1")
                .threshold("v>1 and v<2")
                .event("over_2", "v>2"),
        )
        .unwrap();
    net.set(g, "v", Value::Array(vec![0.0, 1.5, 2.5]), Selection::All)
        .unwrap();
    let s = net
        .add_synapses(
            Synapses::new(g, g, "a:integer\nb:integer\nc:integer\nd:integer")
                .pathway("path_a", "a+=1", false)
                .pathway("path_b", "b+=1", false)
                .pathway("path_c", "c+=1", true)
                .pathway("path_d", "d+=1", true)
                .on_event("path_a", "spike")
                .on_event("path_b", "over_2")
                .on_event("path_c", "spike")
                .on_event("path_d", "over_2"),
        )
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.run(DT).unwrap();
    let ints = |v: Vec<f64>| v.into_iter().map(|x| x as i64).collect::<Vec<_>>();
    assert_eq!(ints(get(&net, s, "a")), vec![0, 0, 0, 1, 1, 1, 0, 0, 0]);
    assert_eq!(ints(get(&net, s, "b")), vec![0, 0, 0, 0, 0, 0, 1, 1, 1]);
    assert_eq!(ints(get(&net, s, "c")), vec![0, 1, 0, 0, 1, 0, 0, 1, 0]);
    assert_eq!(ints(get(&net, s, "d")), vec![0, 0, 1, 0, 0, 1, 0, 0, 1]);
}

#[test]
fn test_invalid_custom_event() {
    let mut net = Network::new();
    let g1 = net
        .add_neurons(NeuronGroup::new(2, "v : 1").event(
            "custom",
            "timestep(t,dt)>=timesteep((2-i)*ms,dt) and timestep(t, dt)<timestep((2-i)*ms + dt, dt)",
        ))
        .unwrap();
    let g2 = net.add_neurons(NeuronGroup::new(2, "v : 1").threshold("v>1")).unwrap();
    // A pathway on spikes of a group without threshold: the error mentions the threshold
    let e = err_text(net.add_synapses(Synapses::new(g1, g1, "").on_pre("v+=1")));
    assert!(e.contains("threshold"), "{e}");
    // A pathway on an event the group does not define
    let e = err_text(net.add_synapses(Synapses::new(g2, g2, "").on_pre("v+=1").on_event("pre", "custom")));
    assert!(e.contains("custom"), "{e}");
}

#[test]
fn test_transmission() {
    // Brian2 2.9.0 (numpy): spike times in ms of the source and the target neurons
    let source_times: [&[f64]; 4] = [
        &[19.6, 39.3],
        &[9.9, 19.9, 29.9, 39.9, 49.9],
        &[9.9, 19.9, 29.9, 39.9, 49.9],
        &[19.6, 39.3],
    ];
    let cases: [([f64; 4], [&[f64]; 4]); 5] = [
        (
            [0.0, 0.0, 0.0, 0.0],
            [
                &[19.7, 39.4],
                &[10.0, 20.0, 30.0, 40.0, 50.0],
                &[10.0, 20.0, 30.0, 40.0, 50.0],
                &[19.7, 39.4],
            ],
        ),
        (
            [1.0, 1.0, 1.0, 0.0],
            [
                &[20.7, 40.4],
                &[11.0, 21.0, 31.0, 41.0, 51.0],
                &[11.0, 21.0, 31.0, 41.0, 51.0],
                &[19.7, 39.4],
            ],
        ),
        (
            [0.0, 1.0, 2.0, 3.0],
            [
                &[19.7, 39.4],
                &[11.0, 21.0, 31.0, 41.0, 51.0],
                &[12.0, 22.0, 32.0, 42.0, 52.0],
                &[22.7, 42.4],
            ],
        ),
        (
            [2.0, 2.0, 0.0, 0.0],
            [
                &[21.7, 41.4],
                &[12.0, 22.0, 32.0, 42.0, 52.0],
                &[10.0, 20.0, 30.0, 40.0, 50.0],
                &[19.7, 39.4],
            ],
        ),
        (
            [2.0, 1.0, 0.0, 1.0],
            [
                &[21.7, 41.4],
                &[11.0, 21.0, 31.0, 41.0, 51.0],
                &[10.0, 20.0, 30.0, 40.0, 50.0],
                &[20.7, 40.4],
            ],
        ),
    ];
    for (delay, target_times) in cases {
        let mut net = Network::new();
        let source = net
            .add_neurons(
                NeuronGroup::new(4, "dv/dt = rate : 1\nrate : Hz")
                    .threshold("v>1")
                    .reset("v=0"),
            )
            .unwrap();
        net.set(
            source,
            "rate",
            Value::Array(vec![51.0, 101.0, 101.0, 51.0]),
            Selection::All,
        )
        .unwrap();
        let target = net
            .add_neurons(NeuronGroup::new(4, "v:1").threshold("v>1").reset("v=0"))
            .unwrap();
        let sm = net.add_spike_monitor(SpikeMonitor::new(source)).unwrap();
        let tm = net.add_spike_monitor(SpikeMonitor::new(target)).unwrap();
        let s = net
            .add_synapses(Synapses::new(source, target, "").on_pre("v+=1.1"))
            .unwrap();
        net.connect(s, Connect::j("i")).unwrap();
        net.set(
            s,
            "delay",
            Value::Array(delay.iter().map(|d| d * MS).collect()),
            Selection::All,
        )
        .unwrap();
        let max = delay.iter().cloned().fold(0.0, f64::max);
        net.run(50.0 * MS + DT + max * MS).unwrap();
        let src = net.spike_monitor(sm).unwrap();
        let tgt = net.spike_monitor(tm).unwrap();
        for d in 0..4 {
            let st: Vec<f64> = (0..src.i.len())
                .filter(|&k| src.i[k] == d as i32)
                .map(|k| src.t[k])
                .collect();
            let tt: Vec<f64> = (0..tgt.i.len())
                .filter(|&k| tgt.i[k] == d as i32)
                .map(|k| tgt.t[k])
                .collect();
            let ctx = format!("delays {delay:?}, neuron {d}");
            assert_close(
                &st,
                &source_times[d].iter().map(|t| t * MS).collect::<Vec<_>>(),
                1e-9,
                0.0,
                &ctx,
            );
            assert_close(
                &tt,
                &target_times[d].iter().map(|t| t * MS).collect::<Vec<_>>(),
                1e-9,
                0.0,
                &ctx,
            );
            // Brian2's own check: each target spike follows its source spike by delay + dt
            let shifted: Vec<f64> = tt.iter().map(|t| t - DT - delay[d] * MS).collect();
            assert_close(&st, &shifted, 1e-9, 1e-12, &ctx);
        }
    }
}

#[test]
fn test_transmission_all_to_one_heterogeneous_delays() {
    let mut net = Network::new();
    let source = generator(
        &mut net,
        6,
        vec![0, 1, 4, 5, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5],
        [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
            .iter()
            .map(|k| f64::from(*k) * DT)
            .collect(),
    );
    let target = group(&mut net, 1, "v : 1");
    let s = net
        .add_synapses(Synapses::new(source, target, "w : 1").on_pre("v_post += w"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "w", Value::Array(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), Selection::All)
        .unwrap();
    net.set(
        s,
        "delay",
        Value::Array([0.0, 0.0, 0.0, 1.0, 2.0, 1.0].iter().map(|k| k * DT).collect()),
        Selection::All,
    )
    .unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(4.0 * DT).unwrap();
    assert_eq!(trace(&net, m, "v", 0), vec![3.0, 12.0, 33.0, 48.0]);
}

#[test]
fn test_transmission_one_to_all_heterogeneous_delays() {
    let mut net = Network::new();
    let source = generator(&mut net, 1, vec![0, 0], vec![0.0, 2.0 * DT]);
    let target = group(&mut net, 6, "v:integer");
    let s = net
        .add_synapses(Synapses::new(source, target, "").on_pre("v_post += 1"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(
        s,
        "delay",
        Value::Array([1.0, 1.0, 2.0, 4.0, 3.0, 2.0].iter().map(|k| k * DT).collect()),
        Selection::All,
    )
    .unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(5.0 * DT).unwrap();
    let want: [[f64; 5]; 6] = [
        [0.0, 1.0, 1.0, 2.0, 2.0],
        [0.0, 1.0, 1.0, 2.0, 2.0],
        [0.0, 0.0, 1.0, 1.0, 2.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 1.0, 1.0],
        [0.0, 0.0, 1.0, 1.0, 2.0],
    ];
    for (k, w) in want.iter().enumerate() {
        assert_eq!(trace(&net, m, "v", k), w.to_vec(), "v[{k}]");
    }
}

/// Not in Brian2's file: delays that are not multiples of dt are rounded to
/// the nearest step, halves up (Brian2 2.9.0's numbers).
#[test]
fn test_transmission_one_to_all_heterogeneous_delays_rounding() {
    let mut net = Network::new();
    let source = generator(&mut net, 1, vec![0], vec![0.0]);
    let target = group(&mut net, 8, "v:integer");
    let s = net
        .add_synapses(Synapses::new(source, target, "").on_pre("v_post += 1"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(
        s,
        "delay",
        Value::Array(
            [0.25, 0.75, 1.4, 1.6, 2.999, 0.5, 1.5, 2.5]
                .iter()
                .map(|k| k * DT)
                .collect(),
        ),
        Selection::All,
    )
    .unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(5.0 * DT).unwrap();
    // Brian2 2.9.0: the step at which each target first has v == 1
    let first: Vec<Option<usize>> = (0..8).map(|k| first_index_of(&trace(&net, m, "v", k), 1.0)).collect();
    let want = [0, 1, 1, 2, 3, 1, 2, 3];
    assert_eq!(first, want.iter().map(|k| Some(*k)).collect::<Vec<_>>());
    for (k, w) in want.iter().enumerate() {
        assert_step(&trace(&net, m, "v", k), *w, 1.0, &format!("v[{k}]"));
    }
}

#[test]
fn test_transmission_scalar_delay() {
    let mut net = Network::new();
    let inp = generator(&mut net, 2, vec![0, 1], vec![0.0, 1.0 * MS]);
    let target = group(&mut net, 2, "v:1");
    let s = net
        .add_synapses(Synapses::new(inp, target, "").on_pre("v+=1").delay(0.5 * MS))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(2.0 * MS).unwrap();
    let v0 = trace(&net, m, "v", 0);
    assert_eq!(v0.len(), 20);
    assert_step(&v0, 5, 1.0, "v[0]");
    assert_step(&trace(&net, m, "v", 1), 15, 1.0, "v[1]");
}

/// The source runs on a 0.5 ms clock, the target on 0.1 ms. (Brian2's test
/// uses a SpikeGeneratorGroup with its own dt, which spikejit's does not have;
/// here a NeuronGroup with dt = 0.5 ms spikes at 0 and 1 ms. Brian2 2.9.0 gives
/// the same traces for this network.)
#[test]
fn test_transmission_scalar_delay_different_clocks() {
    let mut net = Network::new();
    let inp = net
        .add_neurons(
            NeuronGroup::new(2, "")
                .threshold("abs(t - i*ms) < 0.25*ms")
                .dt(0.5 * MS),
        )
        .unwrap();
    let target = net.add_neurons(NeuronGroup::new(2, "v:1").dt(0.1 * MS)).unwrap();
    let s = net
        .add_synapses(Synapses::new(inp, target, "").on_pre("v+=1").delay(0.5 * MS))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(2.0 * MS).unwrap();
    let v0 = trace(&net, m, "v", 0);
    assert_eq!(v0.len(), 20);
    assert_step(&v0, 5, 1.0, "v[0]");
    assert_step(&trace(&net, m, "v", 1), 15, 1.0, "v[1]");
}

#[test]
fn test_transmission_boolean_variable() {
    let mut net = Network::new();
    let source = generator(
        &mut net,
        4,
        vec![0, 1, 2, 3],
        vec![2.0 * MS, 1.0 * MS, 2.0 * MS, 1.0 * MS],
    );
    let target = group(&mut net, 4, "v : 1");
    let s = net
        .add_synapses(Synapses::new(source, target, "use : boolean (constant)").on_pre("v += int(use)"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.set(s, "use", Value::Expr("i<2".into()), Selection::All).unwrap();
    let m = state_monitor_end(&mut net, target, &["v"], Record::All);
    net.run(2.5 * MS).unwrap();
    assert_step(&trace(&net, m, "v", 0), 20, 1.0, "v[0]");
    assert_step(&trace(&net, m, "v", 1), 10, 1.0, "v[1]");
    assert_all(&trace(&net, m, "v", 2), 0.0, "v[2]");
    assert_all(&trace(&net, m, "v", 3), 0.0, "v[3]");
}

#[test]
fn test_clocks() {
    // Brian2 checks the clock objects of each pathway; here, what they give:
    // the schedule's dt of each pathway is its emitter's (pre: the source's,
    // post: the target's), and the synapses' own dt is their objects' (a
    // state monitor of them records on it, as Brian2's default clock of a
    // monitor is its source's).
    let (source_dt, target_dt, synapse_dt) = (0.05 * MS, 0.1 * MS, 0.2 * MS);
    let mut net = Network::new();
    let source = net
        .add_neurons(
            NeuronGroup::new(1, "v:1")
                .name("source")
                .dt(source_dt)
                .threshold("False"),
        )
        .unwrap();
    let target = net
        .add_neurons(
            NeuronGroup::new(1, "v:1")
                .name("target")
                .dt(target_dt)
                .threshold("False"),
        )
        .unwrap();
    let s = net
        .add_synapses(Synapses {
            dt: Some(synapse_dt),
            ..Synapses::new(source, target, "w:1")
                .name("synapse")
                .on_pre("v+=1")
                .on_post("v+=1")
        })
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.add_state_monitor(StateMonitor::new(s, &["w"], Record::All).name("mon"))
        .unwrap();
    let schedule = net.schedule().unwrap();
    let dt_of = |name: &str| {
        schedule
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("{name} is not in the schedule: {schedule:?}"))
            .dt
    };
    assert_eq!(dt_of("synapse_pre"), source_dt);
    assert_eq!(dt_of("synapse_post"), target_dt);
    assert_eq!(dt_of("mon"), synapse_dt);
}

#[test]
fn test_equations_with_clocks() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(1, "v:1").dt(0.1 * MS).threshold("False"))
        .unwrap();
    let s = net
        .add_synapses(Synapses {
            dt: Some(1.0 * MS),
            method: Some("euler".into()),
            ..Synapses::new(g, g, "dw/dt = 1/ms : 1 (clock-driven)")
        })
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "w", Value::Scalar(0.0), Selection::All).unwrap();
    net.run(1.0 * MS).unwrap();
    assert_close(&get(&net, s, "w"), &[1.0], 1e-12, 0.0, "w");
}

#[test]
fn test_no_synapses() {
    // A pathway but no connect call (Brian2: TypeError at run time)
    let mut net = Network::new();
    let g1 = net.add_neurons(NeuronGroup::new(1, "").threshold("True")).unwrap();
    let g2 = group(&mut net, 1, "v:1");
    net.add_synapses(Synapses::new(g1, g2, "").on_pre("v+=1")).unwrap();
    assert!(net.run(0.0).is_err());
}

#[test]
fn test_no_synapses_variable_write() {
    let mut net = Network::new();
    let g1 = net.add_neurons(NeuronGroup::new(1, "").threshold("True")).unwrap();
    let g2 = group(&mut net, 1, "v:1");
    let s = net.add_synapses(Synapses::new(g1, g2, "w : 1").on_pre("v+=w")).unwrap();
    // Setting synaptic variables before connect is not allowed
    let e = err_text(net.set(s, "w", Value::Scalar(1.0), Selection::All));
    assert!(e.contains("connect"), "{e}");
    let e = err_text(net.set(s, "delay", Value::Scalar(1.0 * MS), Selection::All));
    assert!(e.contains("connect"), "{e}");
}

// ---------------------------------------------------------------------------
// Summed variables
// ---------------------------------------------------------------------------

#[test]
fn test_summed_variable() {
    let mut net = Network::new();
    let source = net
        .add_neurons(NeuronGroup::new(2, "v : volt").threshold("v>1*volt").reset("v=0*volt"))
        .unwrap();
    net.set(source, "v", Value::Scalar(1.1), Selection::All).unwrap();
    let target = group(&mut net, 2, "v : volt");
    let s = net
        .add_synapses(Synapses {
            multisynaptic_index: Some("k".into()),
            ..Synapses::new(source, target, "w : volt\nx : volt\nv_post = 2*x : volt (summed)").on_pre("x+=w")
        })
        .unwrap();
    net.connect(s, with_n(Connect::condition("i==j"), 2)).unwrap();
    net.set(s, "w", Value::Expr("i*volt".into()), Selection::Where("k == 0".into()))
        .unwrap();
    net.set(
        s,
        "w",
        Value::Expr("(i + 0.5)*volt".into()),
        Selection::Where("k == 1".into()),
    )
    .unwrap();
    net.run(1.0 * MS).unwrap();
    assert_close(&get(&net, target, "v"), &[1.0, 5.0], 1e-12, 0.0, "target.v");
}

#[test]
fn test_summed_variable_pre_and_post() {
    let mut net = Network::new();
    let model = "neuron_var : 1\nsyn_sum : 1\nneuron_sum : 1";
    let g1 = group(&mut net, 4, model);
    net.set(g1, "neuron_var", Value::Expr("i".into()), Selection::All)
        .unwrap();
    let g2 = group(&mut net, 4, model);
    net.set(g2, "neuron_var", Value::Expr("i+4".into()), Selection::All)
        .unwrap();
    let s = syn(
        &mut net,
        g1,
        g2,
        "syn_var : 1
         neuron_sum_pre = neuron_var_post : 1 (summed)
         syn_sum_pre = syn_var : 1 (summed)
         neuron_sum_post = neuron_var_pre : 1 (summed)
         syn_sum_post = syn_var : 1 (summed)",
    );
    net.connect(s, Connect::arrays(vec![0, 1, 2, 3, 3, 3], vec![0, 0, 0, 1, 2, 3]))
        .unwrap();
    net.set(
        s,
        "syn_var",
        Value::Array(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        Selection::All,
    )
    .unwrap();
    net.run(DT).unwrap();
    assert_eq!(get(&net, g1, "syn_sum"), vec![0.0, 1.0, 2.0, 12.0]);
    assert_eq!(get(&net, g1, "neuron_sum"), vec![4.0, 4.0, 4.0, 18.0]);
    assert_eq!(get(&net, g2, "syn_sum"), vec![3.0, 3.0, 4.0, 5.0]);
    assert_eq!(get(&net, g2, "neuron_sum"), vec![3.0, 3.0, 3.0, 3.0]);
}

#[test]
fn test_summed_variable_differing_group_size() {
    let mut net = Network::new();
    let g1 = net.add_neurons(NeuronGroup::new(2, "var : 1").name("G1")).unwrap();
    let g2 = net.add_neurons(NeuronGroup::new(10, "var : 1").name("G2")).unwrap();
    net.set(g2, "var", Value::Scalar(1.0), Selection::Where("i < 5".into()))
        .unwrap();
    net.set(g2, "var", Value::Scalar(10.0), Selection::Where("i >= 5".into()))
        .unwrap();
    let s1 = syn(
        &mut net,
        g1,
        g2,
        "syn_var : 1\nvar_pre = syn_var + var_post : 1 (summed)",
    );
    net.connect(s1, Connect::arrays(vec![0], vec![0, 1, 2, 3, 4])).unwrap();
    net.connect(s1, Connect::arrays(vec![1], vec![5, 6, 7, 8, 9])).unwrap();
    net.set(
        s1,
        "syn_var",
        Value::Array((0..10).map(f64::from).collect()),
        Selection::All,
    )
    .unwrap();
    // The same in the other direction
    let g3 = net.add_neurons(NeuronGroup::new(10, "var : 1").name("G3")).unwrap();
    let g4 = net.add_neurons(NeuronGroup::new(2, "var : 1").name("G4")).unwrap();
    net.set(g3, "var", Value::Scalar(1.0), Selection::Where("i < 5".into()))
        .unwrap();
    net.set(g3, "var", Value::Scalar(10.0), Selection::Where("i >= 5".into()))
        .unwrap();
    let s2 = syn(
        &mut net,
        g3,
        g4,
        "syn_var : 1\nvar_post = syn_var + var_pre : 1 (summed)",
    );
    net.connect(s2, Connect::arrays(vec![0, 1, 2, 3, 4], vec![0])).unwrap();
    net.connect(s2, Connect::arrays(vec![5, 6, 7, 8, 9], vec![1])).unwrap();
    net.set(
        s2,
        "syn_var",
        Value::Array((0..10).map(f64::from).collect()),
        Selection::All,
    )
    .unwrap();
    net.run(DT).unwrap();
    let want = [5.0 + 10.0, 50.0 + 35.0];
    assert_eq!(get(&net, g1, "var"), want.to_vec());
    assert_eq!(get(&net, g4, "var"), want.to_vec());
}

/// Each Brian2 error case: the Synapses must be rejected when created, or at
/// the latest when the network is run.
fn rejected(net: &mut Network, spec: Synapses) -> String {
    let model = spec.model.text.clone();
    let r = net.add_synapses(spec).and_then(|s| {
        net.connect(s, Connect::all())?;
        net.run(0.0)
    });
    assert!(r.is_err(), "the synapses with model {model:?} were accepted");
    err_text(r)
}

/// A fresh network with Brian2's group `G` of test_summed_variable_errors,
/// and the Synapses G → G with `model` (and `on_pre`) checked by [`rejected`].
fn summed_error_case(model: &str, on_pre: Option<&str>) -> String {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(10, "dv/dt = -v / (10*ms) : volt\nsub = 2*v : volt\np : volt")
                .threshold("False")
                .reset(""),
        )
        .unwrap();
    let mut spec = Synapses::new(g, g, model);
    if let Some(c) = on_pre {
        spec = spec.on_pre(c);
    }
    rejected(&mut net, spec)
}

#[test]
fn test_summed_variable_errors() {
    // (summed) on a differential equation or a parameter
    summed_error_case("dp_post/dt = -p_post / (10*ms) : volt (summed)", None);
    summed_error_case("p_post : volt (summed)", None);
    // No _pre or _post suffix
    summed_error_case("p = 3*volt : volt (summed)", None);
    // A variable that does not exist
    let e = summed_error_case("q_post = 3*volt : volt (summed)", None);
    assert!(e.contains("'q"), "{e}");
    // The target is not a parameter
    summed_error_case("sub_post = 3*volt : volt (summed)", None);
    summed_error_case("v_post = 3*volt : volt (summed)", None);
    // Unit mismatch between synapses and target
    summed_error_case("p_post = 3*second : second (summed)", None);
    // (Two summed variables of one Synapses targeting the same variable: see
    // test_summed_variable_errors_same_target.)
    // A summed variable referring to an event-driven variable
    let e = summed_error_case(
        "ds/dt = -s/(3*ms) : volt (event-driven)\np_post = s : volt (summed)",
        Some("s += 1*mV"),
    );
    assert!(e.contains("'p_post'") && e.contains("'s'"), "{e}");
    // Indirectly, through subexpressions
    let e = summed_error_case(
        "ds/dt = -s/(3*ms) : volt (event-driven)\nx = s : volt\ny = x : volt\np_post = y : 1 (summed)",
        Some("s += 1*mV"),
    );
    assert!(e.contains("'p_post'") && e.contains("'s'"), "{e}");
    // The summed expression has the wrong unit (Brian2: at run time)
    summed_error_case("y : siemens\np_post = y : volt (summed)", None);
}

/// The case of test_summed_variable_errors where one Synapses object (G → G)
/// has two summed variables targeting the same variable `p` of `G`.
#[test]

fn test_summed_variable_errors_same_target() {
    summed_error_case("p_post = 3*volt : volt (summed)\np_pre = 3*volt : volt (summed)", None);
}

/// The indirect-dependency message of Brian2 also names the subexpressions
/// ('x' and 'y') through which p_post depends on s.
#[test]
#[ignore = "diagnostic: the path through subexpressions is not named (Brian2 names 'x' and 'y')"]
fn test_summed_variable_errors_indirect_names() {
    let e = summed_error_case(
        "ds/dt = -s/(3*ms) : volt (event-driven)\nx = s : volt\ny = x : volt\np_post = y : 1 (summed)",
        Some("s += 1*mV"),
    );
    assert!(e.contains("'x'") && e.contains("'y'"), "{e}");
}

#[test]
fn test_multiple_summed_variables() {
    // Two Synapses objects summing into the same variable (Brian2:
    // NotImplementedError at run time)
    let mut net = Network::new();
    let source = group(&mut net, 1, "");
    let target = group(&mut net, 10, "v : 1");
    let s1 = syn(&mut net, source, target, "v_post = 1 : 1 (summed)");
    net.connect(s1, Connect::all()).unwrap();
    rejected(&mut net, Synapses::new(source, target, "v_post = 1 : 1 (summed)"));
}

#[test]

fn test_summed_variables_subgroups() {
    let mut net = Network::new();
    let source = group(&mut net, 1, "");
    let target = group(&mut net, 10, "v : 1");
    let sub1 = net.subgroup(target, 0, 6, None).unwrap();
    let sub2 = net.subgroup(target, 6, 10, None).unwrap();
    let s1 = syn(&mut net, source, sub1, "v_post = 1 : 1 (summed)");
    net.connect(s1, with_n(Connect::all(), 2)).unwrap();
    let s2 = syn(&mut net, source, sub2, "v_post = 1 : 1 (summed)");
    net.connect(s2, Connect::all()).unwrap();
    net.run(DT).unwrap();
    let v = get(&net, target, "v");
    assert_all(&v[..6], 2.0, "v[:6]");
    assert_all(&v[6..], 1.0, "v[6:]");
}

#[test]
fn test_summed_variables_overlapping_subgroups() {
    let mut net = Network::new();
    let source = group(&mut net, 1, "");
    let target = group(&mut net, 10, "v : 1");
    let sub1 = net.subgroup(target, 0, 7, None).unwrap();
    let sub2 = net.subgroup(target, 6, 10, None).unwrap();
    let s1 = syn(&mut net, source, sub1, "v_post = 1 : 1 (summed)");
    net.connect(s1, with_n(Connect::all(), 2)).unwrap();
    rejected(&mut net, Synapses::new(source, sub2, "v_post = 1 : 1 (summed)"));
}

// ---------------------------------------------------------------------------
// Shared variables, subexpressions, external constants
// ---------------------------------------------------------------------------

#[test]
fn test_scalar_parameter_access() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1\nscalar : Hz (shared)").threshold("False"))
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "w : 1\ns : Hz (shared)\nnumber : 1 (shared)").on_pre("v+=w*number"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "s", Value::Scalar(100.0), Selection::All).unwrap();
    assert_eq!(get(&net, s, "s"), vec![100.0]);
    net.set(s, "s", Value::Scalar(200.0), Selection::All).unwrap();
    assert_eq!(get(&net, s, "s"), vec![200.0]);
    net.set(s, "s", Value::Expr("s - 50*Hz + number*Hz".into()), Selection::All)
        .unwrap();
    assert_eq!(get(&net, s, "s"), vec![150.0]);
    net.set(s, "s", Value::Expr("50*Hz".into()), Selection::All).unwrap();
    assert_eq!(get(&net, s, "s"), vec![50.0]);
    // A postsynaptic shared variable, through the synapses
    net.set(s, "scalar_post", Value::Scalar(100.0), Selection::All).unwrap();
    assert_eq!(get(&net, g, "scalar"), vec![100.0]);
    // Several values for a shared variable (ValueError)
    assert!(net.set(s, "s", Value::Array(vec![0.0, 1.0]), Selection::All).is_err());
    assert_eq!(get(&net, s, "s"), vec![50.0]);
}

/// The IndexError of test_scalar_parameter_access: a shared variable cannot be
/// set conditionally (Brian2: "Cannot conditionally set the scalar variable 's'").
#[test]

fn test_scalar_parameter_access_string_index() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1").threshold("False"))
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "w : 1\ns : Hz (shared)").on_pre("v+=w"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "s", Value::Scalar(50.0), Selection::All).unwrap();
    let e = err_text(net.set(s, "s", Value::Scalar(100.0), Selection::Where("i>5".into())));
    assert!(e.contains("'s'"), "{e}");
    assert_eq!(get(&net, s, "s"), vec![50.0]);
}

#[test]
fn test_scalar_subexpression() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1\nnumber : 1 (shared)").threshold("False"))
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "s : 1 (shared)\nsub = number_post + s : 1 (shared)").on_pre("v+=s"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "s", Value::Scalar(100.0), Selection::All).unwrap();
    net.set(g, "number", Value::Scalar(50.0), Selection::All).unwrap();
    // Brian2 reads S.sub directly; here a StateMonitor reads it.
    let m = net
        .add_state_monitor(StateMonitor::new(s, &["sub"], Record::Indices(vec![0])))
        .unwrap();
    net.run(DT).unwrap();
    assert_eq!(trace(&net, m, "sub", 0), vec![150.0]);
}

/// The SyntaxError of test_scalar_subexpression: "Shared subexpression 'sub'
/// refers to non-shared variable 'v_post'."
#[test]

fn test_scalar_subexpression_non_shared_reference() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1\nnumber : 1 (shared)").threshold("False"))
        .unwrap();
    let e = rejected(
        &mut net,
        Synapses::new(g, g, "s : 1 (shared)\nsub = v_post + s : 1 (shared)").on_pre("v+=s"),
    );
    assert!(e.contains("v_post"), "{e}");
}

#[test]
fn test_sim_with_scalar_variable() {
    let mut net = Network::new();
    let inp = generator(&mut net, 2, vec![0, 1], vec![0.0, 0.0]);
    let out = group(&mut net, 2, "v : 1");
    let s = net
        .add_synapses(Synapses::new(inp, out, "w : 1\ns : 1 (shared)").on_pre("v += s + w"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.set(s, "w", Value::Array(vec![1.0, 2.0]), Selection::All).unwrap();
    net.set(s, "s", Value::Scalar(5.0), Selection::All).unwrap();
    net.run(2.0 * DT).unwrap();
    assert_eq!(get(&net, out, "v"), vec![6.0, 7.0]);
}

#[test]
fn test_sim_with_scalar_subexpression() {
    let mut net = Network::new();
    let inp = generator(&mut net, 2, vec![0, 1], vec![0.0, 0.0]);
    let out = group(&mut net, 2, "v : 1");
    let s = net
        .add_synapses(Synapses::new(inp, out, "w : 1\ns = 5 : 1 (shared)").on_pre("v += s + w"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.set(s, "w", Value::Array(vec![1.0, 2.0]), Selection::All).unwrap();
    net.run(2.0 * DT).unwrap();
    assert_eq!(get(&net, out, "v"), vec![6.0, 7.0]);
}

#[test]
fn test_external_variables() {
    let mut net = Network::new();
    net.constant("w_var", 1.0, Dim::ONE).unwrap();
    net.constant("amplitude", 2.0, Dim::ONE).unwrap();
    let source = generator(&mut net, 1, vec![0], vec![0.0]);
    let target = group(&mut net, 1, "v:1");
    let s = net
        .add_synapses(Synapses::new(source, target, "w=w_var : 1").on_pre("v+=amplitude*w"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.run(DT).unwrap();
    assert_eq!(get(&net, target, "v"), vec![2.0]);
}

// ---------------------------------------------------------------------------
// Event-driven variables
// ---------------------------------------------------------------------------

#[test]
fn test_event_driven() {
    let mut net = Network::new();
    let model = "dv/dt = rate : 1\nrate : Hz";
    let pre = net
        .add_neurons(NeuronGroup::new(2, model).threshold("v>1").reset("v=0"))
        .unwrap();
    net.set(pre, "rate", Value::Array(vec![1000.0, 1500.0]), Selection::All)
        .unwrap();
    let post = net
        .add_neurons(NeuronGroup::new(2, model).threshold("v>1").reset("v=0"))
        .unwrap();
    net.set(post, "rate", Value::Array(vec![1100.0, 1400.0]), Selection::All)
        .unwrap();
    let taupre = 20.0 * MS;
    let gmax = 0.01;
    let d_apre = 0.01 * gmax;
    let d_apost = -0.01 * 1.05 * gmax;
    net.constant("taupre", taupre, Dim::SECOND).unwrap();
    net.constant("taupost", taupre, Dim::SECOND).unwrap();
    net.constant("gmax", gmax, Dim::ONE).unwrap();
    net.constant("dApre", d_apre, Dim::ONE).unwrap();
    net.constant("dApost", d_apost, Dim::ONE).unwrap();
    // event-driven
    let s1 = net
        .add_synapses(
            Synapses::new(
                pre,
                post,
                "w : 1
                 dApre/dt = -Apre/taupre : 1 (event-driven)
                 dApost/dt = -Apost/taupost : 1 (event-driven)",
            )
            .on_pre("Apre += dApre\nw = clip(w+Apost, 0, gmax)")
            .on_post("Apost += dApost\nw = clip(w+Apre, 0, gmax)"),
        )
        .unwrap();
    net.connect(s1, Connect::j("i")).unwrap();
    // not event-driven
    let s2 = net
        .add_synapses(
            Synapses::new(pre, post, "w : 1\nApre : 1\nApost : 1\nlastupdate : second")
                .on_pre(
                    "Apre=Apre*exp((lastupdate-t)/taupre)+dApre
                     Apost=Apost*exp((lastupdate-t)/taupost)
                     w = clip(w+Apost, 0, gmax)
                     lastupdate = t",
                )
                .on_post(
                    "Apre=Apre*exp((lastupdate-t)/taupre)
                     Apost=Apost*exp((lastupdate-t)/taupost) +dApost
                     w = clip(w+Apre, 0, gmax)
                     lastupdate = t",
                ),
        )
        .unwrap();
    net.connect(s2, Connect::j("i")).unwrap();
    net.set(s1, "w", Value::Scalar(0.5 * gmax), Selection::All).unwrap();
    net.set(s2, "w", Value::Scalar(0.5 * gmax), Selection::All).unwrap();
    net.run(25.0 * MS).unwrap();
    let w1 = get(&net, s1, "w");
    let w2 = get(&net, s2, "w");
    // The two formulations agree (Brian2's check) ...
    assert_close(&w1, &w2, 1e-7, 0.0, "S1.w vs S2.w");
    // ... and give Brian2 2.9.0's values
    let want = [0.0050093785412570445, 0.0047183261391772965];
    assert_close(&w1, &want, 1e-9, 0.0, "S1.w");
    assert_close(&w2, &want, 1e-9, 0.0, "S2.w");
}

#[test]
fn test_event_driven_dependency_checks() {
    let mut net = Network::new();
    let dummy = net
        .add_neurons(NeuronGroup::new(1, "").threshold("False").reset(""))
        .unwrap();
    // Dependency on a parameter
    let s1 = net
        .add_synapses(Synapses::new(dummy, dummy, "da/dt = (a-b) / (5*ms): 1 (event-driven)\nb : 1").on_pre("b+=1"))
        .unwrap();
    net.connect(s1, Connect::all()).unwrap();
    // Dependency on a parameter through a subexpression
    let s2 = net
        .add_synapses(
            Synapses::new(
                dummy,
                dummy,
                "da/dt = (a-b) / (5*ms): 1 (event-driven)\nb = c : 1\nc : 1",
            )
            .on_pre("c+=1"),
        )
        .unwrap();
    net.connect(s2, Connect::all()).unwrap();
    net.run(0.0).unwrap();
}

fn periodic_stim(net: &mut Network) -> Handle {
    net.add_spike_generator(SpikeGeneratorGroup {
        name: None,
        n: 1,
        indices: vec![0],
        times: vec![0.0],
        period: 5.0 * MS,
    })
    .unwrap()
}

#[test]
fn test_event_driven_dependency_error() {
    // Coupled event-driven equations (Brian2: UnsupportedEquationsException at run time)
    let mut net = Network::new();
    let stim = periodic_stim(&mut net);
    rejected(
        &mut net,
        Synapses::new(
            stim,
            stim,
            "da/dt = -a / (5*ms) : 1 (event-driven)
             db/dt = -b / (5*ms) : 1 (event-driven)
             dc/dt = a*b / (5*ms) : 1 (event-driven)",
        )
        .on_pre("a+=1"),
    );
}

/// A fresh network with a periodic spike source and Synapses source → source
/// with `model` and `on_pre`, checked by [`rejected`].
fn event_driven_error_case(model: &str, on_pre: &str) -> String {
    let mut net = Network::new();
    let stim = periodic_stim(&mut net);
    rejected(&mut net, Synapses::new(stim, stim, model).on_pre(on_pre))
}

#[test]
fn test_event_driven_dependency_error2() {
    let e = event_driven_error_case(
        "da/dt = -a / (5*ms) : 1 (clock-driven)
         db/dt = -b / (5*ms) : 1 (clock-driven)
         dc/dt = a*b / (5*ms) : 1 (event-driven)",
        "a+=1",
    );
    assert!(e.contains("'c'") && (e.contains("'a'") || e.contains("'b'")), "{e}");
    // Indirect dependency (Brian2 also names 'b'; see
    // test_summed_variable_errors_indirect_names)
    let e = event_driven_error_case(
        "da/dt = -a / (5*ms) : 1 (clock-driven)
         b = a : 1
         dc/dt = b / (5*ms) : 1 (event-driven)",
        "a+=1",
    );
    assert!(e.contains("'c'") && e.contains("'a'"), "{e}");
}

#[test]
fn test_event_driven_dependency_error3() {
    let case = |model: &str| {
        let mut net = Network::new();
        let p = group(&mut net, 10, "dv/dt = -v/(10*ms) : volt");
        rejected(&mut net, Synapses::new(p, p, model).on_pre("s += 1"))
    };
    let e = case(
        "ds/dt = -s/(3*ms) : 1 (event-driven)
         df/dt = f*s/(5*ms) : 1 (clock-driven)",
    );
    assert!(e.contains("'s'") && e.contains("'f'"), "{e}");
    // Indirect dependency (Brian2 also names 'x' and 'y')
    let e = case(
        "ds/dt = -s/(3*ms) : 1 (event-driven)
         x = s : 1
         y = x : 1
         df/dt = f*y/(5*ms) : 1 (clock-driven)",
    );
    assert!(e.contains("'s'") && e.contains("'f'"), "{e}");
}

#[test]
fn test_pre_post_variables() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1").threshold("False"))
        .unwrap();
    let g2 = net
        .add_neurons(NeuronGroup::new(10, "v : 1\nw : 1").threshold("False"))
        .unwrap();
    let s = syn(&mut net, g, g2, "x : 1");
    for var in [
        "v_pre",
        "v",
        "v_post",
        "w",
        "w_post",
        "x",
        "N_pre",
        "N_post",
        "N_incoming",
        "N_outgoing",
        "i",
        "j",
        "t",
        "dt",
    ] {
        assert!(net.has_variable(s, var), "'{var}' is a variable of the synapses");
    }
    for var in ["_spikespace_pre", "_spikespace", "_spikespace_post"] {
        assert!(!net.has_variable(s, var), "'{var}' is internal");
    }
    // Postsynaptic variables without suffix are the postsynaptic ones
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "v", Value::Expr("j".into()), Selection::All).unwrap();
    assert_eq!(get(&net, g2, "v"), (0..10).map(f64::from).collect::<Vec<_>>());
    assert_eq!(get(&net, g, "v"), vec![0.0; 10]);
}

// ---------------------------------------------------------------------------
// Vectorisation (several synapses writing to the same neuron)
// ---------------------------------------------------------------------------

#[test]
fn test_vectorisation() {
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(10, "v : 1").threshold("v>1")).unwrap();
    let target = group(&mut net, 10, "x : 1\ny : 1");
    let s = net
        .add_synapses(Synapses::new(source, target, "w_syn : 1").on_pre("v_pre += w_syn\nx_post = y_post"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "w_syn", Value::Scalar(1.0), Selection::All).unwrap();
    net.set(source, "v", Value::Scalar(2.0), Selection::Where("i<5".into()))
        .unwrap();
    net.set(target, "y", Value::Expr("i".into()), Selection::All).unwrap();
    net.run(DT).unwrap();
    let v = get(&net, source, "v");
    assert_all(&v[..5], 12.0, "source.v[:5]");
    assert_all(&v[5..], 0.0, "source.v[5:]");
    assert_eq!(get(&net, target, "x"), get(&net, target, "y"));
}

#[test]
fn test_vectorisation_STDP_like() {
    let mut net = Network::new();
    net.constant("w_max", 10.0, Dim::ONE).unwrap();
    let neurons = net
        .add_neurons(
            NeuronGroup::new(6, "dv/dt = rate : 1\nge : 1\nrate : Hz\ndA/dt = -A/(1*ms) : 1")
                .threshold("v>1")
                .reset("v=0"),
        )
        .unwrap();
    let pre = net.subgroup(neurons, 0, 3, None).unwrap();
    let post = net.subgroup(neurons, 3, 6, None).unwrap();
    let s = net
        .add_synapses(
            Synapses::new(pre, post, "w_dep : 1\nw_fac : 1")
                .on_pre(
                    "ge_post += w_dep - w_fac
                     A_pre += 1
                     w_dep = clip(w_dep + A_post, 0, w_max)",
                )
                .on_post(
                    "A_post += 1
                     w_fac = clip(w_fac + A_pre, 0, w_max)",
                ),
        )
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(neurons, "rate", Value::Scalar(1000.0), Selection::All).unwrap();
    net.set(neurons, "v", Value::Expr("abs(3-i)*0.1 + 0.7".into()), Selection::All)
        .unwrap();
    net.run(2.0 * MS).unwrap();
    // Synapses are created in (i, j) order, so no sorting is needed
    assert_pre_major(&net, s);
    // The values of Brian2's test (atol 1e-4) ...
    assert_close(
        &get(&net, s, "w_dep"),
        &[
            1.29140162, 1.16226149, 1.04603529, 1.16226149, 1.04603529, 0.94143176, 1.04603529, 0.94143176, 6.2472887,
        ],
        0.0,
        1e-4,
        "w_dep",
    );
    assert_close(
        &get(&net, s, "w_fac"),
        &[
            5.06030369, 5.62256002, 6.2472887, 5.62256002, 6.2472887, 6.941432, 6.2472887, 6.941432, 1.04603529,
        ],
        0.0,
        1e-4,
        "w_fac",
    );
    assert_close(
        &get(&net, neurons, "A"),
        &[1.69665715, 1.88517461, 2.09463845, 2.32737606, 2.09463845, 1.88517461],
        0.0,
        1e-4,
        "A",
    );
    assert_close(
        &get(&net, neurons, "ge"),
        &[0.0, 0.0, 0.0, -7.31700015, -8.13000011, -4.04603529],
        0.0,
        1e-4,
        "ge",
    );
    // ... and to full precision, Brian2 2.9.0's numbers
    assert_close(
        &get(&net, s, "w_dep"),
        &[
            1.2914016300000002,
            1.1622614670000002,
            1.0460353203000001,
            1.1622614670000002,
            1.0460353203000001,
            0.9414317882700001,
            1.0460353203000001,
            0.9414317882700001,
            6.247288609443,
        ],
        1e-9,
        0.0,
        "w_dep (Brian2 2.9.0)",
    );
    assert_close(
        &get(&net, s, "w_fac"),
        &[
            5.0603037736488305,
            5.6225597484987,
            6.247288609443,
            5.6225597484987,
            6.247288609443,
            6.94143178827,
            6.247288609443,
            6.94143178827,
            1.0460353203000001,
        ],
        1e-9,
        0.0,
        "w_fac (Brian2 2.9.0)",
    );
    assert_close(
        &get(&net, neurons, "A"),
        &[
            1.6966571453018977,
            1.8851746058909975,
            2.094638450989997,
            2.3273760566555524,
            2.094638450989997,
            1.8851746058909975,
        ],
        1e-9,
        0.0,
        "A (Brian2 2.9.0)",
    );
    assert_close(
        &get(&net, neurons, "ge"),
        &[0.0, 0.0, 0.0, -7.317000000000001, -8.13, -4.0460353203],
        1e-9,
        0.0,
        "ge (Brian2 2.9.0)",
    );
}

#[test]
fn test_synaptic_equations() {
    let mut net = Network::new();
    net.constant("tau", 10.0 * MS, Dim::SECOND).unwrap();
    let g = group(&mut net, 10, "");
    let s = syn(&mut net, g, g, "dw/dt = -w / tau : 1 (clock-driven)");
    net.connect(s, Connect::j("i")).unwrap();
    net.set(s, "w", Value::Expr("i".into()), Selection::All).unwrap();
    net.run(10.0 * MS).unwrap();
    let want: Vec<f64> = (0..10).map(|a| f64::from(a) * (-1.0f64).exp()).collect();
    assert_close(&get(&net, s, "w"), &want, 1e-7, 0.0, "w");
}

#[test]
fn test_synapse_with_run_regularly() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(10, "v : 1").threshold("False"))
        .unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v += w")).unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.run_regularly(
        s,
        RunRegularly {
            code: "w = i".into(),
            dt: None,
            when: None,
            order: 0,
        },
    )
    .unwrap();
    net.run(DT).unwrap();
    assert_eq!(get(&net, s, "w"), (0..10).map(f64::from).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// test_ufunc_at_vectorisation
// ---------------------------------------------------------------------------

/// One of Brian2's `permutation_analysis_good_examples`: on_pre code whose
/// result does not depend on the order of the synapses.
struct UfuncCase {
    code: &'static str,
    src: &'static [&'static str],
    tgt: &'static [&'static str],
    syn: &'static [&'static str],
    shared: &'static [&'static str],
    /// Brian2 2.9.0's values after one step: ("group.variable", values).
    fin: &'static [(&'static str, &'static [f64])],
}

/// Brian2's test_ufunc_at_vectorisation runs every "good" example of the
/// permutation analysis (3 source neurons that always spike, 3 targets, all
/// to all) with random initial values and checks that numpy's vectorised and
/// loop versions agree. Here the initial values are fixed (variable `k` of a
/// group: `0.5 + 0.25*m + 0.125*k` for element `m`; shared variable `k`:
/// `0.75 + 0.5*k`; `c` is the constant 42) and the results are Brian2 2.9.0's
/// for the same values. They come from the cython target: it agrees with the
/// numpy target on all cases but `w = a; a += ...`, where Brian2 2.9.0's numpy
/// code aliases `w` to the array of `a` (w ends up as the new a, e.g.
/// [1.5, 1.75, ...] instead of the old a [0.5, 0.75, ...]); statements run in
/// order, so the cython result is Brian2's documented semantics.
#[test]
fn test_ufunc_at_vectorisation() {
    for case in UFUNC_CASES {
        let mut net = Network::new();
        net.constant("c", 42.0, Dim::ONE).unwrap();
        let model = |vars: &[&str], shared: &[&str]| {
            let mut m: Vec<String> = vars.iter().map(|v| format!("{v}:1")).collect();
            m.extend(shared.iter().map(|v| format!("{v}:1 (shared)")));
            m.join("\n")
        };
        let src = net
            .add_neurons(NeuronGroup::new(3, model(case.src, &[])).threshold("True").name("src"))
            .unwrap();
        let tgt = net
            .add_neurons(NeuronGroup::new(3, model(case.tgt, &[])).name("tgt"))
            .unwrap();
        let s = net
            .add_synapses(
                Synapses::new(src, tgt, model(case.syn, case.shared))
                    .on_pre(case.code)
                    .name("syn"),
            )
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.code));
        net.connect(s, Connect::all()).unwrap();
        for (h, vars, n) in [(src, case.src, 3), (tgt, case.tgt, 3), (s, case.syn, 9)] {
            for (k, v) in vars.iter().enumerate() {
                let vals = (0..n).map(|m| 0.5 + 0.25 * m as f64 + 0.125 * k as f64).collect();
                net.set(h, v, Value::Array(vals), Selection::All).unwrap();
            }
        }
        for (k, v) in case.shared.iter().enumerate() {
            net.set(s, v, Value::Scalar(0.75 + 0.5 * k as f64), Selection::All)
                .unwrap();
        }
        net.run(DT).unwrap_or_else(|e| panic!("{:?}: {e}", case.code));
        for (key, want) in case.fin {
            let (obj, var) = key.split_once('.').unwrap();
            let h = match obj {
                "src" => src,
                "tgt" => tgt,
                _ => s,
            };
            assert_close(
                &get(&net, h, var),
                want,
                1e-12,
                1e-12,
                &format!("{:?}: {key}", case.code),
            );
        }
    }
}

const UFUNC_CASES: &[UfuncCase] = &[
    UfuncCase {
        code: "v_post += w",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[4.25, 5.25, 6.25]),
        ],
    },
    UfuncCase {
        code: "v_post *= w",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[0.625, 1.8984375, 4.375]),
        ],
    },
    UfuncCase {
        code: "v_post = v_post + w",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[4.25, 5.25, 6.25]),
        ],
    },
    UfuncCase {
        code: "v_post = v_post * w",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[0.625, 1.8984375, 4.375]),
        ],
    },
    UfuncCase {
        code: "v_post = w * v_post",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[0.625, 1.8984375, 4.375]),
        ],
    },
    UfuncCase {
        code: "v_post += 1",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[3.5, 3.75, 4.0])],
    },
    UfuncCase {
        code: "v_post = 1",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[1.0, 1.0, 1.0])],
    },
    UfuncCase {
        code: "v_post = c",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[42.0, 42.0, 42.0])],
    },
    UfuncCase {
        code: "v_post = x",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &["x"],
        fin: &[("tgt.v", &[0.75, 0.75, 0.75])],
    },
    UfuncCase {
        code: "v_post += v_post # NOT_UFUNC_AT_VECTORISABLE",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[4.0, 6.0, 8.0])],
    },
    UfuncCase {
        code: "v_post += c",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[126.5, 126.75, 127.0])],
    },
    UfuncCase {
        code: "v_post += x",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &["x"],
        fin: &[("tgt.v", &[2.75, 3.0, 3.25])],
    },
    UfuncCase {
        code: "v_post += sin(-v_post) # NOT_UFUNC_AT_VECTORISABLE",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[(
            "tgt.v",
            &[5.097020760102752e-19, 2.514085267009067e-14, 4.861123201020667e-11],
        )],
    },
    UfuncCase {
        code: "v_post += u_post",
        src: &[],
        tgt: &["u", "v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.u", &[0.5, 0.75, 1.0]), ("tgt.v", &[2.125, 3.125, 4.125])],
    },
    UfuncCase {
        code: "v_post += w*v_pre",
        src: &["v"],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("src.v", &[0.5, 0.75, 1.0]),
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[3.6875, 4.5, 5.3125]),
        ],
    },
    UfuncCase {
        code: "v_post += sin(-v_post) # NOT_UFUNC_AT_VECTORISABLE",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[(
            "tgt.v",
            &[5.097020760102752e-19, 2.514085267009067e-14, 4.861123201020667e-11],
        )],
    },
    UfuncCase {
        code: "v_post -= sin(v_post) # NOT_UFUNC_AT_VECTORISABLE",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[(
            "tgt.v",
            &[5.097020760102752e-19, 2.514085267009067e-14, 4.861123201020667e-11],
        )],
    },
    UfuncCase {
        code: "v_post += v_pre",
        src: &["v"],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("src.v", &[0.5, 0.75, 1.0]), ("tgt.v", &[2.75, 3.0, 3.25])],
    },
    UfuncCase {
        code: "v_pre += v_post",
        src: &["v"],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("src.v", &[2.75, 3.0, 3.25]), ("tgt.v", &[0.5, 0.75, 1.0])],
    },
    UfuncCase {
        code: "v_pre += c",
        src: &["v"],
        tgt: &[],
        syn: &[],
        shared: &[],
        fin: &[("src.v", &[126.5, 126.75, 127.0])],
    },
    UfuncCase {
        code: "v_pre += x",
        src: &["v"],
        tgt: &[],
        syn: &[],
        shared: &["x"],
        fin: &[("src.v", &[2.75, 3.0, 3.25])],
    },
    UfuncCase {
        code: "w = v_pre",
        src: &["v"],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("src.v", &[0.5, 0.75, 1.0]),
            ("syn.w", &[0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 1.0, 1.0, 1.0]),
        ],
    },
    UfuncCase {
        code: "w = a",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
        ],
    },
    UfuncCase {
        code: "w += a",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.w",
                &[1.125, 1.625, 2.125, 2.625, 3.125, 3.625, 4.125, 4.625, 5.125],
            ),
        ],
    },
    UfuncCase {
        code: "w *= a",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.w",
                &[0.3125, 0.65625, 1.125, 1.71875, 2.4375, 3.28125, 4.25, 5.34375, 6.5625],
            ),
        ],
    },
    UfuncCase {
        code: "w -= a",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.w",
                &[0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125],
            ),
        ],
    },
    UfuncCase {
        code: "w /= a",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.w",
                &[
                    1.25,
                    1.1666666666666667,
                    1.125,
                    1.1,
                    1.0833333333333333,
                    1.0714285714285714,
                    1.0625,
                    1.0555555555555556,
                    1.05,
                ],
            ),
        ],
    },
    UfuncCase {
        code: "w += 1",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[("syn.w", &[1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5])],
    },
    UfuncCase {
        code: "w += c",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[("syn.w", &[42.5, 42.75, 43.0, 43.25, 43.5, 43.75, 44.0, 44.25, 44.5])],
    },
    UfuncCase {
        code: "w += x",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &["x"],
        fin: &[("syn.w", &[1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25])],
    },
    UfuncCase {
        code: "w *= 2",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[("syn.w", &[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0])],
    },
    UfuncCase {
        code: "w *= c",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[("syn.w", &[21.0, 31.5, 42.0, 52.5, 63.0, 73.5, 84.0, 94.5, 105.0])],
    },
    UfuncCase {
        code: "w *= x",
        src: &[],
        tgt: &[],
        syn: &["w"],
        shared: &["x"],
        fin: &[(
            "syn.w",
            &[0.375, 0.5625, 0.75, 0.9375, 1.125, 1.3125, 1.5, 1.6875, 1.875],
        )],
    },
    UfuncCase {
        code: "w = a\na += 1",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5]),
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
        ],
    },
    UfuncCase {
        code: "w = a\na += c",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &[],
        fin: &[
            ("syn.a", &[42.5, 42.75, 43.0, 43.25, 43.5, 43.75, 44.0, 44.25, 44.5]),
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
        ],
    },
    UfuncCase {
        code: "w = a\na += x",
        src: &[],
        tgt: &[],
        syn: &["a", "w"],
        shared: &["x"],
        fin: &[
            ("syn.a", &[1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25]),
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
        ],
    },
    UfuncCase {
        code: "v_post *= 2",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[4.0, 6.0, 8.0])],
    },
    UfuncCase {
        code: "v_post *= w",
        src: &[],
        tgt: &["v"],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("syn.w", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            ("tgt.v", &[0.625, 1.8984375, 4.375]),
        ],
    },
    UfuncCase {
        code: "v_pre = 0\nw = v_pre",
        src: &["v"],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("src.v", &[0.0, 0.0, 0.0]),
            ("syn.w", &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        ],
    },
    UfuncCase {
        code: "v_pre = c\nw = v_pre",
        src: &["v"],
        tgt: &[],
        syn: &["w"],
        shared: &[],
        fin: &[
            ("src.v", &[42.0, 42.0, 42.0]),
            ("syn.w", &[42.0, 42.0, 42.0, 42.0, 42.0, 42.0, 42.0, 42.0, 42.0]),
        ],
    },
    UfuncCase {
        code: "v_pre = x\nw = v_pre",
        src: &["v"],
        tgt: &[],
        syn: &["w"],
        shared: &["x"],
        fin: &[
            ("src.v", &[0.75, 0.75, 0.75]),
            ("syn.w", &[0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75]),
        ],
    },
    UfuncCase {
        code: "ge += w\nApre += 3\nw = clip(w + Apost, 0, 10)",
        src: &[],
        tgt: &[],
        syn: &["Apost", "Apre", "ge", "w"],
        shared: &[],
        fin: &[
            ("syn.Apost", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.Apre",
                &[3.625, 3.875, 4.125, 4.375, 4.625, 4.875, 5.125, 5.375, 5.625],
            ),
            (
                "syn.ge",
                &[1.625, 2.125, 2.625, 3.125, 3.625, 4.125, 4.625, 5.125, 5.625],
            ),
            (
                "syn.w",
                &[1.375, 1.875, 2.375, 2.875, 3.375, 3.875, 4.375, 4.875, 5.375],
            ),
        ],
    },
    UfuncCase {
        code: "ge += w\nApre += c\nw = clip(w + Apost, 0, 10)",
        src: &[],
        tgt: &[],
        syn: &["Apost", "Apre", "ge", "w"],
        shared: &[],
        fin: &[
            ("syn.Apost", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.Apre",
                &[42.625, 42.875, 43.125, 43.375, 43.625, 43.875, 44.125, 44.375, 44.625],
            ),
            (
                "syn.ge",
                &[1.625, 2.125, 2.625, 3.125, 3.625, 4.125, 4.625, 5.125, 5.625],
            ),
            (
                "syn.w",
                &[1.375, 1.875, 2.375, 2.875, 3.375, 3.875, 4.375, 4.875, 5.375],
            ),
        ],
    },
    UfuncCase {
        code: "ge += w\nApre += x\nw = clip(w + Apost, 0, 10)",
        src: &[],
        tgt: &[],
        syn: &["Apost", "Apre", "ge", "w"],
        shared: &["x"],
        fin: &[
            ("syn.Apost", &[0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5]),
            (
                "syn.Apre",
                &[1.375, 1.625, 1.875, 2.125, 2.375, 2.625, 2.875, 3.125, 3.375],
            ),
            (
                "syn.ge",
                &[1.625, 2.125, 2.625, 3.125, 3.625, 4.125, 4.625, 5.125, 5.625],
            ),
            (
                "syn.w",
                &[1.375, 1.875, 2.375, 2.875, 3.375, 3.875, 4.375, 4.875, 5.375],
            ),
        ],
    },
    UfuncCase {
        code: "a = v_pre\nv_post += a",
        src: &["v"],
        tgt: &["v"],
        syn: &["a"],
        shared: &[],
        fin: &[
            ("src.v", &[0.5, 0.75, 1.0]),
            ("syn.a", &[0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 1.0, 1.0, 1.0]),
            ("tgt.v", &[2.75, 3.0, 3.25]),
        ],
    },
    UfuncCase {
        code: "v_post += v_post # NOT_UFUNC_AT_VECTORISABLE\nv_post += v_post",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[32.0, 48.0, 64.0])],
    },
    UfuncCase {
        code: "v_post += 1\nx = v_post",
        src: &[],
        tgt: &["v"],
        syn: &[],
        shared: &[],
        fin: &[("tgt.v", &[3.5, 3.75, 4.0])],
    },
];

/// The part of Brian2's test that is not numpy-specific: random numbers in
/// on_pre code together with a postsynaptic update run.
#[test]
fn test_fallback_loop_and_stateless_func() {
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(2, "").threshold("True")).unwrap();
    let target = group(&mut net, 1, "v : 1");
    let s = net
        .add_synapses(Synapses::new(source, target, "x : 1").on_pre("x = rand()\nv_post += 0.5*(1-v_post)"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.run(DT).unwrap();
    // Both synapses run sequentially: v = 0.5, then 0.75
    assert_close(&get(&net, target, "v"), &[0.75], 1e-12, 0.0, "v");
    assert!(get(&net, s, "x").iter().all(|x| (0.0..1.0).contains(x)));
}

// ---------------------------------------------------------------------------
// Generator syntax
// ---------------------------------------------------------------------------

#[test]
fn test_synapse_generator_syntax() {
    let mut net = Network::new();
    let g = group(&mut net, 30, "");
    // Valid generators (Brian2 parses them; here they are connected, with
    // p = 1 and N_post for Brian2's free names p and N)
    let s = syn(&mut net, g, g, "");
    net.connect(s, Connect::j("k for k in sample(1, N_post, p=1) if abs(i-k)<10"))
        .unwrap();
    compare(&net, s, 30, 30, |a, b| {
        i64::from(b >= 1 && (a as i64 - b as i64).abs() < 10)
    });
    // Brian2 2.9.0: 470 synapses
    assert_eq!(len(&net, s), 470);
    let s = syn(&mut net, g, g, "");
    net.connect(s, Connect::j("k for k in sample(N_post, size=5) if abs(i-k)<10"))
        .unwrap();
    let (i, j) = ij(&net, s);
    assert!(i.iter().zip(&j).all(|(a, b)| (a - b).abs() < 10));
    assert!(outgoing_pre(&net, s, 30).iter().all(|n| *n <= 5));
    let s = syn(&mut net, g, g, "");
    net.connect(s, skip_invalid(Connect::j("k+1 for k in range(i-100, i+100, 2)")))
        .unwrap();
    // Brian2 2.9.0: 450 synapses, j = 1, 3, ..., 29 for i = 0, j = 0, 2, ... for i = 1
    assert_eq!(len(&net, s), 450);
    compare(&net, s, 30, 30, |a, b| i64::from((a + b) % 2 == 1));
    assert_pre_major(&net, s);
    // Invalid generators (SyntaxError)
    for bad in [
        "mad rubbish",
        "k+1",
        "k for k in range()",
        "k for k in range(1,2,3,4)",
        "k for k in range(1,2,3) if ",
        "k[1:3] for k in range(1,2,3)",
        "k for k in x",
        "k for k in x[1:5]",
        "k for k in sample()",
        "k for k in sample(N_post, p=0.1, size=5)",
        "k for k in sample(N_post, q=0.1)",
    ] {
        let s = syn(&mut net, g, g, "");
        assert!(net.connect(s, Connect::j(bad)).is_err(), "j='{bad}'");
        assert_eq!(len(&net, s), 0);
    }
}

#[test]
fn test_synapse_generator_out_of_range() {
    let mut net = Network::new();
    let g = group(&mut net, 16, "v : 1");
    let g2 = group(&mut net, 4, "v : 1");
    net.set(g2, "v", Value::Expr("16 + i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g2, "");
    assert!(net.connect(s1, Connect::j("k for k in range(0, N_post*2)")).is_err());
    assert_eq!(len(&net, s1), 0);
    // These are fine
    let expected = |a: usize, b: usize| i64::from(b >= a && b < a + 5 && a < 12);
    let s2 = syn(&mut net, g, g, "");
    net.connect(s2, Connect::j("i+k for k in range(0, 5) if i <= N_post-5"))
        .unwrap();
    compare(&net, s2, 16, 16, expected);
    let s2b = syn(&mut net, g, g, "");
    net.connect(
        s2b,
        Connect::j("i+k for k in range(0, 5) if i <= N_post-5 and rand() <= 1"),
    )
    .unwrap();
    compare(&net, s2b, 16, 16, expected);
    // The condition needs v_post for a target outside the group (IndexError,
    // "outside allowed range")
    let s3 = syn(&mut net, g, g, "");
    let e = err_text(net.connect(
        s3,
        Connect::j("i+k for k in range(0, 5) if i <= N_post-5 and v_post >= 0"),
    ));
    assert!(e.contains("range"), "{e}");
}

#[test]
fn test_synapse_generator_deterministic() {
    let mut net = Network::new();
    let g = group(&mut net, 16, "v : 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 4, "v : 1");
    net.set(g2, "v", Value::Expr("16 + i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, Connect::j("k for k in range(N_post)")).unwrap();
    let mut no_self = Vec::new();
    for c in [
        "k for k in range(N_post) if k != i",
        "k for k in range(N_post) if j != i",
        "k for k in range(N_post) if v_post != v_pre",
    ] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, Connect::j(c)).unwrap();
        no_self.push(s);
    }
    let mut one_to_one = Vec::new();
    for c in [
        "k for k in range(N_post) if k == i",
        "k for k in range(N_post) if j == i",
        "k for k in range(N_post) if v_pre == v_post",
        "i for _ in range(1)",
        "i",
    ] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, Connect::j(c)).unwrap();
        one_to_one.push(s);
    }
    net.run(0.0).unwrap();
    compare(&net, s1, 16, 4, |_, _| 1);
    assert_pre_major(&net, s1);
    for s in no_self {
        compare(&net, s, 16, 16, |a, b| i64::from(a != b));
        assert_pre_major(&net, s);
    }
    for s in one_to_one {
        compare(&net, s, 16, 16, |a, b| i64::from(a == b));
    }
}

#[test]
fn test_synapse_generator_deterministic_over_postsynaptic() {
    let mut net = Network::new();
    let g = group(&mut net, 16, "v : 1");
    net.set(g, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 4, "v : 1");
    net.set(g2, "v", Value::Expr("16 + i".into()), Selection::All).unwrap();
    let s1 = syn(&mut net, g, g2, "");
    net.connect(s1, ig("k for k in range(N_pre)")).unwrap();
    let mut no_self = Vec::new();
    for c in [
        ig("k for k in range(N_pre) if k != j"),
        ig("k for k in range(N_pre) if i != j"),
        // (sic: Brian2's test uses j= here)
        Connect::j("k for k in range(N_pre) if v_pre != v_post"),
    ] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, c).unwrap();
        no_self.push(s);
    }
    let mut one_to_one = Vec::new();
    for c in [
        "k for k in range(N_pre) if k == j",
        "k for k in range(N_pre) if i == j",
        "k for k in range(N_pre) if v_pre == v_post",
        "j for _ in range(1)",
        "j",
    ] {
        let s = syn(&mut net, g, g, "");
        net.connect(s, ig(c)).unwrap();
        one_to_one.push(s);
    }
    net.run(0.0).unwrap();
    compare(&net, s1, 16, 4, |_, _| 1);
    assert_post_major(&net, s1);
    for (n, s) in no_self.into_iter().enumerate() {
        compare(&net, s, 16, 16, |a, b| i64::from(a != b));
        if n < 2 {
            assert_post_major(&net, s);
        } else {
            assert_pre_major(&net, s);
        }
    }
    for s in one_to_one {
        compare(&net, s, 16, 16, |a, b| i64::from(a == b));
    }
}

#[test]
fn test_synapse_generator_deterministic_2() {
    let mut net = Network::new();
    let g = group(&mut net, 16, "");
    let g2 = group(&mut net, 4, "");
    // Ring structure. Brian2 writes it `(i + (-1)**k) % N_post`, which
    // spikejit rejects (see test_synapse_generator_deterministic_2_power); the
    // same ring without the power also checks that `%` is Python's (floored)
    // modulo: (0 - 1) % 16 == 15.
    let s10 = syn(&mut net, g, g, "");
    net.connect(s10, Connect::j("(i + 1 - 2*k) % N_post for k in range(2)"))
        .unwrap();
    // Diverging connection pattern
    let s11 = syn(&mut net, g2, g, "");
    net.connect(s11, Connect::j("i*4 + k for k in range(4)")).unwrap();
    // Diverging within the population, no self-connections
    let s11b = syn(&mut net, g2, g2, "");
    net.connect(s11b, skip_invalid(Connect::j("k for k in range(i-3, i+4) if i!=k")))
        .unwrap();
    // Converging connection pattern
    let s12 = syn(&mut net, g, g2, "");
    net.connect(s12, Connect::j("int(i/4)")).unwrap();
    // skip if invalid (Brian2: `i+(-1)**k`, see the _power test)
    let s13 = syn(&mut net, g2, g2, "");
    net.connect(s13, skip_invalid(Connect::j("i + 1 - 2*k for k in range(2)")))
        .unwrap();
    // Converging with restriction
    let s14 = syn(&mut net, g, g2, "");
    net.connect(s14, Connect::j("int(i/4) if i % 2 == 0")).unwrap();
    // Connecting to post indices >= source index
    let s15 = syn(&mut net, g, g, "");
    net.connect(s15, Connect::j("i + k for k in range(0, N_post-i)"))
        .unwrap();
    let s15b = syn(&mut net, g, g, "");
    net.connect(s15b, skip_invalid(Connect::j("i + k for k in range(0, N_post)")))
        .unwrap();
    let s15c = syn(&mut net, g, g, "");
    net.connect(s15c, Connect::j("i + k for k in range(0, N_post) if j < N_post"))
        .unwrap();
    let s15d = syn(&mut net, g, g, "");
    net.connect(s15d, Connect::j("i + k for k in range(0, N_post) if i + k < N_post"))
        .unwrap();
    net.run(0.0).unwrap();
    compare(&net, s10, 16, 16, |a, b| {
        i64::from((a + 1) % 16 == b || (b + 1) % 16 == a)
    });
    compare(&net, s11, 4, 16, |a, b| i64::from(b / 4 == a));
    compare(&net, s11b, 4, 4, |a, b| i64::from(a != b));
    compare(&net, s12, 16, 4, |a, b| i64::from(a / 4 == b));
    compare(&net, s13, 4, 4, |a, b| i64::from(a + 1 == b || b + 1 == a));
    compare(&net, s14, 16, 4, |a, b| i64::from(a / 4 == b && a % 2 == 0));
    for s in [s15, s15b, s15c, s15d] {
        compare(&net, s, 16, 16, |a, b| i64::from(b >= a));
        assert_pre_major(&net, s);
    }
}

/// The two connections of test_synapse_generator_deterministic_2 written with
/// `(-1)**k`, as in Brian2.
#[test]

fn test_synapse_generator_deterministic_2_power() {
    let mut net = Network::new();
    let g = group(&mut net, 16, "");
    let g2 = group(&mut net, 4, "");
    let s10 = syn(&mut net, g, g, "");
    net.connect(s10, Connect::j("(i + (-1)**k) % N_post for k in range(2)"))
        .unwrap();
    let s13 = syn(&mut net, g2, g2, "");
    net.connect(s13, skip_invalid(Connect::j("i+(-1)**k for k in range(2)")))
        .unwrap();
    net.run(0.0).unwrap();
    compare(&net, s10, 16, 16, |a, b| {
        i64::from((a + 1) % 16 == b || (b + 1) % 16 == a)
    });
    compare(&net, s13, 4, 4, |a, b| i64::from(a + 1 == b || b + 1 == a));
    // Brian2 2.9.0's order for the second one
    assert_eq!(ij(&net, s13), (vec![0, 1, 1, 2, 2, 3], vec![1, 2, 0, 3, 1, 2]));
}

#[test]
fn test_synapse_generator_random() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_post, p=0)");
    let s2 = mk(&mut net, "k for k in sample(N_post, p=1)");
    let s3 = mk(&mut net, "k for k in sample(N_post, p=0.3)");
    let s4 = mk(&mut net, "k for k in sample(N_post, p=int(x_pre==2)*1.0)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, _| 1);
    assert!(len(&net, s3) <= 28);
    assert_pre_major(&net, s3);
    assert_eq!(ij(&net, s4), (vec![2; 7], (0..7).collect()));
}

#[test]
fn test_synapse_generator_random_over_postsynaptic() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let g2 = group(&mut net, 7, "y : 1");
    net.set(g2, "y", Value::Expr("i".into()), Selection::All).unwrap();
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, ig(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_pre, p=0)");
    let s2 = mk(&mut net, "k for k in sample(N_pre, p=1)");
    let s3 = mk(&mut net, "k for k in sample(N_pre, p=0.3)");
    let s4 = mk(&mut net, "k for k in sample(N_pre, p=int(y_post==2)*1.0)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, _| 1);
    assert!(len(&net, s3) <= 28);
    assert_post_major(&net, s3);
    assert_eq!(ij(&net, s4), ((0..4).collect(), vec![2; 4]));
}

fn stepped_checks(net: &Network, s: Handle, max: usize) {
    let (_, j) = ij(net, s);
    assert!(j.len() <= max);
    assert!(j.iter().all(|b| b % 2 == 0 && *b >= 2), "{j:?}");
}

#[test]
fn test_synapse_generator_random_positive_steps() {
    let mut net = Network::new();
    net.set_seed(3);
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(2, N_post, 2, p=0)");
    let s2 = mk(&mut net, "k for k in sample(2, N_post, 2, p=1)");
    let s3 = mk(&mut net, "k for k in sample(2, N_post, 2, p=0.2)");
    let s3b = mk(&mut net, "k for k in sample(2, N_post, 2, p=0.3)");
    let s4 = mk(&mut net, "k for k in sample(2, N_post, 2, p=int(x_pre==2)*1.0)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, b| i64::from(b >= 2 && b % 2 == 0));
    stepped_checks(&net, s3, 12);
    stepped_checks(&net, s3b, 12);
    assert_eq!(ij(&net, s4), (vec![2; 3], vec![2, 4, 6]));
}

#[test]
fn test_synapse_generator_random_negative_steps() {
    let mut net = Network::new();
    net.set_seed(4);
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, p=0)");
    let s2 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, p=1)");
    let s3 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, p=0.2)");
    let s3b = mk(&mut net, "k for k in sample(N_post-1, 0, -2, p=0.3)");
    let s4 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, p=int(x_pre==2)*1.0)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, b| i64::from(b >= 2 && b % 2 == 0));
    stepped_checks(&net, s3, 12);
    stepped_checks(&net, s3b, 12);
    assert_eq!(ij(&net, s4), (vec![2; 3], vec![6, 4, 2]));
}

/// Each source's targets are sorted and unique (Brian2: "Synapses should be
/// sorted and unique").
fn sorted_unique_per_source(net: &Network, s: Handle, n_pre: usize, per_source: usize) {
    let (i, j) = ij(net, s);
    for a in 0..n_pre as i64 {
        let t: Vec<i64> = (0..i.len()).filter(|&k| i[k] == a).map(|k| j[k]).collect();
        assert_eq!(t.len(), per_source, "targets of {a}: {t:?}");
        assert!(
            t.windows(2).all(|w| w[0] < w[1]),
            "targets of {a} not sorted/unique: {t:?}"
        );
    }
}

#[test]
fn test_synapse_generator_fixed_random() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_post, size=0)");
    let s2 = mk(&mut net, "k for k in sample(N_post, size=N_post)");
    let s3 = mk(&mut net, "k for k in sample(N_post, size=3)");
    let s4 = mk(&mut net, "k for k in sample(N_post, size=int(x_pre==2)*N_post)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, _| 1);
    assert_eq!(outgoing_pre(&net, s3, 4), vec![3; 4]);
    sorted_unique_per_source(&net, s3, 4, 3);
    assert_eq!(ij(&net, s4), (vec![2; 7], (0..7).collect()));
}

#[test]
fn test_synapse_generator_fixed_random_over_postsynaptic() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let g2 = group(&mut net, 7, "y : integer");
    net.set(g2, "y", Value::Expr("i".into()), Selection::All).unwrap();
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, ig(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_pre, size=0)");
    let s2 = mk(&mut net, "k for k in sample(N_pre, size=N_pre)");
    let s3 = mk(&mut net, "k for k in sample(N_pre, size=3)");
    let s4 = mk(&mut net, "k for k in sample(N_pre, size=int(y_post==2)*N_pre)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, _| 1);
    // Each target has 3 incoming synapses, sorted and unique
    let (i, j) = ij(&net, s3);
    for b in 0..7 {
        let src: Vec<i64> = (0..j.len()).filter(|&k| j[k] == b).map(|k| i[k]).collect();
        assert_eq!(src.len(), 3, "sources of {b}: {src:?}");
        assert!(src.windows(2).all(|w| w[0] < w[1]), "sources of {b}: {src:?}");
    }
    assert_eq!(ij(&net, s4), ((0..4).collect(), vec![2; 4]));
}

#[test]
fn test_synapse_generator_fixed_random_positive_steps() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g2, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(2, N_post, 2, size=0)");
    let s2 = mk(&mut net, "k for k in sample(2, N_post, 2, size=3)");
    let s3 = mk(&mut net, "k for k in sample(2, N_post, 2, size=2)");
    let s4 = mk(&mut net, "k for k in sample(2, N_post, 2, size=int(x_pre==2)*3)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, b| i64::from(b >= 2 && b % 2 == 0));
    assert_eq!(len(&net, s3), 8);
    assert_eq!(outgoing_pre(&net, s3, 4), vec![2; 4]);
    stepped_checks(&net, s3, 8);
    sorted_unique_per_source(&net, s3, 4, 2);
    assert_eq!(ij(&net, s4), (vec![2; 3], vec![2, 4, 6]));
}

#[test]
fn test_synapse_generator_fixed_random_negative_steps() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "x : integer");
    net.set(g, "x", Value::Expr("i".into()), Selection::All).unwrap();
    let g2 = group(&mut net, 7, "");
    let mk = |net: &mut Network, c: &str, model: &str| {
        let s = syn(net, g, g2, model);
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, size=0)", "");
    let s2 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, size=3)", "");
    let s3 = mk(&mut net, "k for k in sample(N_post-1, 0, -2, size=2)", "");
    let s4 = mk(
        &mut net,
        "k for k in sample(N_post-1, 0, -2, size=int(x_pre==2)*3)",
        "w:1",
    );
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 7, |_, b| i64::from(b >= 2 && b % 2 == 0));
    assert_eq!(len(&net, s3), 8);
    assert_eq!(outgoing_pre(&net, s3, 4), vec![2; 4]);
    stepped_checks(&net, s3, 8);
    let (i, j) = ij(&net, s3);
    for a in 0..4 {
        let t: Vec<i64> = (0..i.len()).filter(|&k| i[k] == a).map(|k| j[k]).collect();
        assert!(t.windows(2).all(|w| w[0] > w[1]), "targets of {a} (descending): {t:?}");
    }
    assert_eq!(ij(&net, s4), (vec![2; 3], vec![6, 4, 2]));
}

#[test]
fn test_synapse_generator_fixed_random_error1() {
    let mut net = Network::new();
    let g = group(&mut net, 5, "");
    let g2 = group(&mut net, 7, "");
    let s = syn(&mut net, g, g2, "");
    // size > N_post for i = 4
    assert!(
        net.connect(s, Connect::j("k for k in sample(N_post, size=i+4)"))
            .is_err()
    );
}

#[test]
fn test_synapse_generator_fixed_random_error2() {
    let mut net = Network::new();
    let g = group(&mut net, 5, "");
    let g2 = group(&mut net, 7, "");
    let s = syn(&mut net, g, g2, "");
    // size < 0 for i = 4
    assert!(
        net.connect(s, Connect::j("k for k in sample(N_post, size=3-i)"))
            .is_err()
    );
}

#[test]
fn test_synapse_generator_fixed_random_skip_if_invalid() {
    let mut net = Network::new();
    let g = group(&mut net, 5, "");
    let g2 = group(&mut net, 7, "");
    let s1 = syn(&mut net, g, g2, "");
    let s2 = syn(&mut net, g, g2, "");
    net.connect(s1, skip_invalid(Connect::j("k for k in sample(N_post, size=i+4)")))
        .unwrap();
    net.connect(s2, skip_invalid(Connect::j("k for k in sample(N_post, size=3-i)")))
        .unwrap();
    net.run(0.0).unwrap();
    assert_eq!(outgoing_pre(&net, s1, 5), vec![4, 5, 6, 7, 7]);
    assert_eq!(outgoing_pre(&net, s2, 5), vec![3, 2, 1, 0, 0]);
}

#[test]
fn test_synapse_generator_random_with_condition() {
    let mut net = Network::new();
    let g = group(&mut net, 4, "");
    let mk = |net: &mut Network, c: &str| {
        let s = syn(net, g, g, "");
        net.connect(s, Connect::j(c)).unwrap();
        s
    };
    let s1 = mk(&mut net, "k for k in sample(N_post, p=0) if i != k");
    let s2 = mk(&mut net, "k for k in sample(N_post, p=1) if i != k");
    let s3 = mk(&mut net, "k for k in sample(N_post, p=0) if i >= 2");
    let s4 = mk(&mut net, "k for k in sample(N_post, p=1.0) if i >= 2");
    let s5 = mk(&mut net, "k for k in sample(N_post, p=0) if j < 2");
    let s6 = mk(&mut net, "k for k in sample(2, p=0)");
    let s7 = mk(&mut net, "k for k in sample(N_post, p=1.0) if j < 2");
    let s8 = mk(&mut net, "k for k in sample(2, p=1.0)");
    net.run(0.0).unwrap();
    assert_eq!(len(&net, s1), 0);
    compare(&net, s2, 4, 4, |a, b| i64::from(a != b));
    assert_eq!(len(&net, s3), 0);
    compare(&net, s4, 4, 4, |a, _| i64::from(a >= 2));
    assert_eq!(len(&net, s5), 0);
    assert_eq!(len(&net, s6), 0);
    compare(&net, s7, 4, 4, |_, b| i64::from(b < 2));
    compare(&net, s8, 4, 4, |_, b| i64::from(b < 2));
}

#[test]
fn test_synapse_generator_random_with_condition_2() {
    let mut net = Network::new();
    net.set_seed(5);
    let g = group(&mut net, 4, "");
    let mut checks: Vec<(Handle, &str)> = Vec::new();
    for p in ["0.001", "0.03", "0.1", "0.9"] {
        for (cond, what) in [
            ("k for k in sample(N_post, p={p}) if i != k", "i!=j"),
            ("k for k in sample(N_post, p={p}) if i >= 2", "i>=2"),
            ("k for k in sample(N_post, p={p}) if j < 2", "j<2"),
            ("k for k in sample(2, p={p})", "j<2"),
        ] {
            let s = syn(&mut net, g, g, "");
            net.connect(s, Connect::j(cond.replace("{p}", p))).unwrap();
            checks.push((s, what));
        }
    }
    let s25 = syn(&mut net, g, g, "");
    net.connect(s25, Connect::j("i+1 for _ in sample(1, p=0.5) if i < N_post-1"))
        .unwrap();
    let s26 = syn(&mut net, g, g, "");
    net.connect(s26, Connect::j("i+k for k in sample(N_post-i, p=0.5)"))
        .unwrap();
    net.run(0.0).unwrap();
    for (s, what) in checks {
        let (i, j) = ij(&net, s);
        assert!(i.len() <= 12);
        for (a, b) in i.iter().zip(&j) {
            let ok = match what {
                "i!=j" => a != b,
                "i>=2" => *a >= 2,
                _ => *b < 2,
            };
            assert!(ok, "synapse ({a}, {b}) violates {what}");
        }
    }
    let (i, j) = ij(&net, s25);
    assert!(i.len() <= 4);
    assert!(i.iter().zip(&j).all(|(a, b)| *b == a + 1));
    let (i, j) = ij(&net, s26);
    assert!(i.len() <= 10);
    assert!(i.iter().zip(&j).all(|(a, b)| b >= a));
}

#[test]
fn test_synapses_refractory() {
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(10, "").threshold("True")).unwrap();
    let target = net
        .add_neurons(
            NeuronGroup::new(10, "dv/dt = 0/second : 1 (unless refractory)")
                .threshold("i>=5")
                .refractory("0.1*ms"),
        )
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(source, target, "").on_pre("v += 1"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.run(DT).unwrap();
    let v = get(&net, target, "v");
    assert_all(&v[..5], 1.0, "v[:5]");
    assert_all(&v[5..], 0.0, "v[5:]");
}

#[test]
fn test_synapses_refractory_rand() {
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(10, "").threshold("True")).unwrap();
    let target = net
        .add_neurons(
            NeuronGroup::new(10, "dv/dt = 0/second : 1 (unless refractory)")
                .threshold("i>=5")
                .refractory("0.1*ms"),
        )
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(source, target, "").on_pre("v += rand()"))
        .unwrap();
    net.connect(s, Connect::j("i")).unwrap();
    net.run(DT).unwrap();
    let v = get(&net, target, "v");
    assert!(v[..5].iter().all(|x| *x > 0.0), "{v:?}");
    assert_all(&v[5..], 0.0, "v[5:]");
}

#[test]
fn test_synapse_generator_range_noint() {
    let mut net = Network::new();
    let g = group(&mut net, 42, "");
    let s = syn(&mut net, g, g, "");
    // Brian2: "The '<arg>' argument of the range function was ..., but it needs
    // to be an integer."
    for (gen_, arg) in [
        ("k for k in range(42.0)", "high"),
        ("k for k in range(0.0, 42)", "low"),
        ("k for k in range(0, 42.0)", "high"),
        ("k for k in range(0, 42, 1.0)", "step"),
    ] {
        let e = err_text(net.connect(s, Connect::j(gen_)));
        assert!(
            e.contains(&format!("'{arg}' argument")) && e.contains("integer"),
            "{gen_}: {e}"
        );
    }
    assert_eq!(len(&net, s), 0);
}

/// The three cases of test_synapse_generator_range_noint with `True`: booleans
/// are not integers for `range` either.
#[test]

fn test_synapse_generator_range_noint_bool() {
    let mut net = Network::new();
    let g = group(&mut net, 42, "");
    let s = syn(&mut net, g, g, "");
    for (gen_, arg) in [
        ("k for k in range(True, 42)", "low"),
        ("k for k in range(0, True)", "high"),
        ("k for k in range(0, 42, True)", "step"),
    ] {
        let e = err_text(net.connect(s, Connect::j(gen_)));
        assert!(
            e.contains(&format!("'{arg}' argument")) && e.contains("integer"),
            "{gen_}: {e}"
        );
    }
    assert_eq!(len(&net, s), 0);
}

#[test]
fn test_missing_lastupdate_error_syn_pathway() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(1, "v : 1").threshold("False"))
        .unwrap();
    let e = rejected(&mut net, Synapses::new(g, g, "").on_pre("v += exp(-lastupdate/dt)"));
    assert!(e.contains("lastupdate"), "{e}");
}

#[test]
fn test_missing_lastupdate_error_run_regularly() {
    let mut net = Network::new();
    let g = group(&mut net, 1, "v : 1");
    let s = syn(&mut net, g, g, "");
    net.connect(s, Connect::all()).unwrap();
    // (sic: Brian2's code also lacks the closing parenthesis)
    let r = net
        .run_regularly(
            s,
            RunRegularly {
                code: "v += exp(-lastupdate/dt".into(),
                dt: None,
                when: None,
                order: 0,
            },
        )
        .and_then(|_| net.run(0.0));
    assert!(r.is_err());
    // And with the parenthesis: lastupdate does not exist
    let mut net = Network::new();
    let g = group(&mut net, 1, "v : 1");
    let s = syn(&mut net, g, g, "");
    net.connect(s, Connect::all()).unwrap();
    let r = net
        .run_regularly(
            s,
            RunRegularly {
                code: "v += exp(-lastupdate/dt)".into(),
                dt: None,
                when: None,
                order: 0,
            },
        )
        .and_then(|_| net.run(0.0));
    let e = err_text(r);
    assert!(e.contains("lastupdate"), "{e}");
}

#[test]
fn test_incorrect_connect_N_incoming_outgoing() {
    let mut net = Network::new();
    let source = group(&mut net, 5, "");
    let target = group(&mut net, 3, "");
    let s = syn(&mut net, source, target, "");
    let e = err_text(net.connect(s, Connect::condition("N_incoming < 5")));
    assert!(e.contains("N_incoming"), "{e}");
    let e = err_text(net.connect(s, Connect::condition("N_outgoing < 5")));
    assert!(e.contains("N_outgoing"), "{e}");
}

/// Brian2's `syn[pre, post]` views, as a selection: the synapses a view
/// marks, as (i, j) pairs.
fn view_pairs(net: &mut Network, s: Handle, pre: Slice, post: Slice) -> Vec<(i64, i64)> {
    net.set(s, "marker", Value::Scalar(0.0), Selection::All).unwrap();
    net.set(
        s,
        "marker",
        Value::Scalar(1.0),
        Selection::Synapses {
            pre,
            post,
            k: Slice::All,
        },
    )
    .unwrap();
    let (i, j) = ij(net, s);
    let m = get(net, s, "marker");
    (0..m.len()).filter(|&n| m[n] == 1.0).map(|n| (i[n], j[n])).collect()
}

#[test]
fn test_synaptic_subgroups() {
    let mut net = Network::new();
    let source = group(&mut net, 5, "");
    let target = group(&mut net, 3, "");
    let s = syn(&mut net, source, target, "marker : 1");
    net.connect(s, Connect::all()).unwrap();
    assert_eq!(len(&net, s), 15);
    // from_3 = syn[3, :]
    let from_3 = view_pairs(&mut net, s, Slice::At(3), Slice::All);
    assert_eq!(from_3, vec![(3, 0), (3, 1), (3, 2)]);
    // to_2 = syn[:, 2]
    let to_2 = view_pairs(&mut net, s, Slice::All, Slice::At(2));
    assert_eq!(to_2, (0..5).map(|i| (i, 2)).collect::<Vec<_>>());
    // mixed = syn[1:3, :2]
    let mixed = view_pairs(
        &mut net,
        s,
        Slice::range(1, 3),
        Slice::Range {
            start: 0,
            stop: Some(2),
            step: 1,
        },
    );
    assert_eq!(mixed, vec![(1, 0), (1, 1), (2, 0), (2, 1)]);
}

#[test]
fn test_setting_from_weight_matrix() {
    let weights = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let mut net = Network::new();
    let source = group(&mut net, 2, "");
    let target = group(&mut net, 3, "");
    let s = syn(&mut net, source, target, "w : 1");
    net.connect(s, Connect::all()).unwrap();
    net.set(
        s,
        "w",
        Value::Array(weights.iter().flatten().cloned().collect()),
        Selection::All,
    )
    .unwrap();
    let (i, j) = ij(&net, s);
    let w = get(&net, s, "w");
    for k in 0..w.len() {
        assert_eq!(w[k], weights[i[k] as usize][j[k] as usize]);
    }
    // S.w[i, j] = ... writes exactly that synapse
    net.set(s, "w", Value::Scalar(60.0), Selection::Pair(1, 2)).unwrap();
    let w = get(&net, s, "w");
    assert_eq!(w, vec![1.0, 2.0, 3.0, 4.0, 5.0, 60.0]);
}

#[test]
fn test_changed_dt_spikes_in_queue() {
    // defaultclock.dt changes twice between runs; spikes in the queue keep
    // their delivery times (delays 0, 1, 2, ... ms, each triggering a spike
    // one dt later).
    let mut net = Network::new();
    net.set_dt(0.5 * MS);
    let g1 = net
        .add_neurons(NeuronGroup::new(1, "v:1").threshold("v>1").reset("v=0"))
        .unwrap();
    net.set(g1, "v", Value::Scalar(1.1), Selection::All).unwrap();
    let g2 = net
        .add_neurons(NeuronGroup::new(10, "v:1").threshold("v>1").reset("v=0"))
        .unwrap();
    let s = net.add_synapses(Synapses::new(g1, g2, "").on_pre("v+=1.1")).unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "delay", Value::Expr("j*ms".into()), Selection::All).unwrap();
    let mon = net.add_spike_monitor(SpikeMonitor::new(g2)).unwrap();
    net.run(5.0 * MS).unwrap();
    net.set_dt(1.0 * MS);
    net.run(3.0 * MS).unwrap();
    net.set_dt(0.1 * MS);
    net.run(2.0 * MS).unwrap();
    let t = net.spike_monitor(mon).unwrap().t.to_vec();
    let expected: Vec<f64> = [0.5, 1.5, 2.5, 3.5, 4.5, 6.0, 7.0, 8.0, 8.1, 9.1]
        .iter()
        .map(|x| x * MS)
        .collect();
    assert_close(&t, &expected, 1e-7, 0.0, "spike times");
}

// ---------------------------------------------------------------------------
// Linked variables
// ---------------------------------------------------------------------------

#[test]
fn test_summed_variables_linked_variables() {
    // Brian2 raises NotImplementedError at run: the two "independent" summed
    // variables target one variable through the link. spikejit refuses a
    // summed variable onto a linked variable when the synapses are added
    // (it does not write through linked variables).
    let mut net = Network::new();
    let source = group(&mut net, 1, "");
    let target1 = group(&mut net, 10, "v : 1");
    let target2 = group(&mut net, 10, "v : 1 (linked)");
    net.link(target2, "v", target1, "v").unwrap();
    let syn1 = syn(&mut net, source, target1, "v_post = 1 : 1 (summed)");
    net.connect(syn1, Connect::all()).unwrap();
    let e = err_text(net.add_synapses(Synapses::new(source, target2, "v_post = 1 : 1 (summed)")));
    assert!(e.contains("[not-supported]") && e.contains("linked variable"), "{e}");
}

#[test]
fn test_linked_to_shared_variables() {
    let mut net = Network::new();
    net.set_seed(1);
    let source1 = group(&mut net, 1, "dx/dt = -x / (10*ms) : 1");
    net.set(source1, "x", Value::Expr("rand()".into()), Selection::All)
        .unwrap();
    let source2 = group(&mut net, 10, "x : 1 (shared)");
    net.set(source2, "x", Value::Expr("rand()".into()), Selection::All)
        .unwrap();
    let mon = net
        .add_state_monitor(StateMonitor::new(source1, &["x"], Record::All))
        .unwrap();
    let g = group(&mut net, 10, "");
    let s = syn(&mut net, g, g, "x1 : 1 (linked)\nx2 : 1 (linked)");
    net.link(s, "x1", source1, "x").unwrap();
    net.link(s, "x2", source2, "x").unwrap();
    net.connect(s, Connect::arrays(vec![0, 5], vec![3, 6])).unwrap();
    let mon_syn = net
        .add_state_monitor(StateMonitor::new(s, &["x1", "x2"], Record::All))
        .unwrap();
    net.run(2.0 * DT).unwrap();
    let x = trace(&net, mon, "x", 0);
    assert!(x[0] > 0.0 && x[1] < x[0], "{x:?}");
    assert_eq!(trace(&net, mon_syn, "x1", 0), x);
    assert_eq!(trace(&net, mon_syn, "x1", 1), x);
    let shared = get(&net, source2, "x");
    assert_eq!(shared.len(), 1);
    assert_eq!(trace(&net, mon_syn, "x2", 0), vec![shared[0]; 2]);
    assert_eq!(trace(&net, mon_syn, "x2", 1), vec![shared[0]; 2]);
}

#[test]
fn test_linked_to_non_shared_variables() {
    let mut net = Network::new();
    net.set_seed(2);
    let source = group(&mut net, 10, "dx/dt = -x / (10*ms) : 1");
    net.set(source, "x", Value::Expr("rand()".into()), Selection::All)
        .unwrap();
    let mon = net
        .add_state_monitor(StateMonitor::new(source, &["x"], Record::All))
        .unwrap();
    let g = group(&mut net, 10, "y: 1");
    let s = syn(&mut net, g, g, "x : 1 (linked)\nx_ind : integer\nnot_an_index : 1");
    net.connect(s, Connect::arrays(vec![0, 5], vec![3, 6])).unwrap();
    // Brian2: TypeError (an index array for synapses), ValueError (no such
    // variable; not the synapses' own index), TypeError (not an integer)
    let e = err_text(net.link_indexed(s, "x", source, "x", LinkIndex::Array(vec![0, 1])));
    assert!(e.contains("index array"), "{e}");
    let e = err_text(net.link_indexed(s, "x", source, "x", LinkIndex::Var("does_not_exist".into())));
    assert!(e.contains("not found"), "{e}");
    let e = err_text(net.link_indexed(s, "x", source, "x", LinkIndex::Var("y_post".into())));
    assert!(e.contains("not found"), "{e}");
    let e = err_text(net.link_indexed(s, "x", source, "x", LinkIndex::Var("not_an_index".into())));
    assert!(e.contains("integer parameter"), "{e}");
    net.link_indexed(s, "x", source, "x", LinkIndex::Var("x_ind".into()))
        .unwrap();
    net.set(s, "x_ind", Value::Array(vec![3.0, 5.0]), Selection::All)
        .unwrap();
    let mon_syn = net
        .add_state_monitor(StateMonitor::new(s, &["x"], Record::All))
        .unwrap();
    net.run(2.0 * DT).unwrap();
    assert_eq!(trace(&net, mon, "x", 3), trace(&net, mon_syn, "x", 0));
    assert_eq!(trace(&net, mon, "x", 5), trace(&net, mon_syn, "x", 1));
    assert_ne!(trace(&net, mon, "x", 3), trace(&net, mon, "x", 5));
}
