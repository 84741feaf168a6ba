//! Constructor options of the Rust API that model files do not have:
//! per-object `namespace` and `dtype`, and `connect(i=..., j=..., p=...)`.

use spikejit::ir::ElemTy;
use spikejit::sim::{Array, Connect, Network, NeuronGroup, Prob, Selection, Synapses, Value};
use spikejit::units::Dim;

#[test]
fn namespace_per_object() {
    let mut net = Network::new();
    // Each group sees its own `tau`; the synapses see their own `wmax`.
    let a = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = (1 - v)/tau : 1").namespace("tau", 10e-3, Dim::SECOND))
        .unwrap();
    let b = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = (1 - v)/tau : 1").namespace("tau", 20e-3, Dim::SECOND))
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(a, b, "w : 1").namespace("wmax", 0.5, Dim::ONE))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "w", Value::Expr("wmax*2".into()), Selection::All).unwrap();
    net.run(0.01).unwrap();
    let (va, vb) = (net.get(a, "v").unwrap()[0], net.get(b, "v").unwrap()[0]);
    assert!((va - (1.0 - (-1.0f64).exp())).abs() < 1e-12, "{va}");
    assert!((vb - (1.0 - (-0.5f64).exp())).abs() < 1e-12, "{vb}");
    assert_eq!(net.get(s, "w").unwrap()[0], 1.0);
    // Without the namespace the name is unknown.
    assert!(net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/tau : 1")).is_ok());
    assert!(net.run(0.001).is_err());
}

#[test]
fn dtype_per_variable() {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(2, "x : 1\ny : 1\nn : integer")
                .dtype("x", ElemTy::F32)
                .name("G"),
        )
        .unwrap();
    net.set(g, "x", Value::Scalar(0.1), Selection::All).unwrap();
    net.set(g, "y", Value::Scalar(0.1), Selection::All).unwrap();
    let dump = net.state_dump();
    let vars = &dump.iter().find(|(n, _)| n == "G").unwrap().1;
    let find = |name: &str| vars.iter().find(|(n, ..)| n == name).unwrap().1.clone();
    assert!(matches!(find("x"), Array::F32(v) if v[0] == 0.1f32));
    assert!(matches!(find("y"), Array::F64(v) if v[0] == 0.1));
    assert!(matches!(find("n"), Array::I32(_)));
}

#[test]
fn connect_arrays_with_p() {
    let mut net = Network::new();
    net.set_seed(11);
    let g = net.add_neurons(NeuronGroup::new(100, "v : 1")).unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "")).unwrap();
    let i: Vec<i64> = (0..10_000).map(|k| k % 100).collect();
    let j: Vec<i64> = (0..10_000).map(|k| k / 100).collect();
    net.connect(
        s,
        Connect {
            p: Some(Prob::Value(0.3)),
            ..Connect::arrays(i, j)
        },
    )
    .unwrap();
    let n = net.synapse_counts()[0].1 as f64;
    // 3000 expected, binomial sd 46
    assert!((n - 3000.0).abs() < 5.0 * 46.0, "{n}");
}

/// `Network::evaluate`: Brian2's `G.I_syn[:]` for a subexpression, or any
/// expression of a group's variables, on a group or a subgroup (`i`
/// relative to it); booleans as 0/1; errors located in the expression.
#[test]
fn evaluate_subexpressions_and_expressions() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(4, "v : volt\nI_syn = (v + 1*mV)/(2*ohm) : amp"))
        .unwrap();
    net.set(g, "v", Value::Expr("i*mV".into()), Selection::All).unwrap();
    let i_syn = net.evaluate(g, "I_syn").unwrap();
    let want: Vec<f64> = (0..4).map(|k| (k as f64 * 1e-3 + 1e-3) / 2.0).collect();
    for (a, b) in i_syn.iter().zip(&want) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    let part = net.subgroup(g, 2, 4, None).unwrap();
    assert_eq!(net.evaluate(part, "i").unwrap().to_vec(), vec![0.0, 1.0]);
    assert_eq!(net.evaluate(part, "v > 2.5*mV").unwrap().to_vec(), vec![0.0, 1.0]);
    let e = net.evaluate(g, "v + 1").expect_err("volt + 1").to_string();
    assert!(e.contains("inconsistent units") || e.contains("unit"), "{e}");
    // Nothing of the call is left: the group's variables are as before.
    assert_eq!(net.get(g, "v").unwrap().len(), 4);
    assert!(net.get(g, "_evaluate").is_err());
}

/// `Network::unit_of`: the dimension of a stored variable, as the Python
/// package needs it to give values with Brian2's units.
#[test]
fn unit_of_variables() {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(2, "dv/dt = -v/(10*ms) : volt\ng : siemens\nn : integer")
                .threshold("v > 1*mV")
                .refractory("1*ms"),
        )
        .unwrap();
    let s = net
        .add_synapses(Synapses::new(g, g, "w : amp").on_pre("v_post += 1*mV"))
        .unwrap();
    assert!(net.unit_of(g, "v").unwrap().same(Dim::VOLT));
    assert!(net.unit_of(g, "g").unwrap().same(Dim::SIEMENS));
    assert!(net.unit_of(g, "n").unwrap().same(Dim::ONE));
    assert!(net.unit_of(g, "lastspike").unwrap().same(Dim::SECOND));
    assert!(net.unit_of(s, "w").unwrap().same(Dim::AMP));
    assert!(net.unit_of(s, "delay").unwrap().same(Dim::SECOND));
    let e = net.unit_of(g, "u").expect_err("no variable u");
    assert_eq!(e.0[0].code, "unknown-variable");
}

/// `get` of a synapses' `i`, `j` (relative to source and target) and of a
/// delay shared by every synapse (Brian2's `S.i[:]`, `S.delay[:]`), and
/// `elem_type_of`.
#[test]
fn synapse_indices_delays_and_types() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(4, "v : volt\nn : integer\nb : boolean").threshold("v > 1*mV"))
        .unwrap();
    let (a, b) = (
        net.subgroup(g, 0, 2, None).unwrap(),
        net.subgroup(g, 2, 4, None).unwrap(),
    );
    let s = net
        .add_synapses(Synapses::new(a, b, "w : 1").on_pre("v_post += 1*mV").delay(2e-3))
        .unwrap();
    net.connect(s, Connect::arrays(vec![0, 1, 1], vec![1, 0, 1])).unwrap();
    assert_eq!(net.get(s, "i").unwrap().to_vec(), vec![0.0, 1.0, 1.0]);
    assert_eq!(net.get(s, "j").unwrap().to_vec(), vec![1.0, 0.0, 1.0]);
    assert_eq!(net.get(s, "delay").unwrap().to_vec(), vec![2e-3; 3]);
    assert_eq!(net.get(s, "pre.delay").unwrap().to_vec(), vec![2e-3; 3]);
    let t = net
        .add_synapses(Synapses::new(g, g, "").on_pre("v_post += 1*mV"))
        .unwrap();
    net.connect(t, Connect::arrays(vec![0, 3], vec![1, 2])).unwrap();
    net.set(t, "delay", Value::Array(vec![1e-3, 3e-3]), Selection::All)
        .unwrap();
    assert_eq!(net.get(t, "delay").unwrap().to_vec(), vec![1e-3, 3e-3]);
    assert_eq!(net.elem_type_of(g, "v").unwrap(), ElemTy::F64);
    assert_eq!(net.elem_type_of(g, "n").unwrap(), ElemTy::I32);
    assert_eq!(net.elem_type_of(g, "b").unwrap(), ElemTy::U8);
    assert_eq!(net.elem_type_of(s, "i").unwrap(), ElemTy::I32);
    assert_eq!(net.elem_type_of(s, "delay").unwrap(), ElemTy::F64);
    assert!(net.elem_type_of(g, "u").is_err());
    assert!(net.elem_type_of(s, "foo.delay").is_err());
    assert_eq!(net.elem_type_of(s, "N_incoming").unwrap(), ElemTy::I32);
}

/// A constant defined as an integer and then as a float is a float (Brian2
/// reads its namespace at every run).
#[test]
fn constant_redefined_as_float() {
    use spikejit::model::scope::ValTy;
    let mut net = Network::new();
    let g = net.add_neurons(NeuronGroup::new(1, "v : 1")).unwrap();
    net.constant_typed("q", 3.0, Dim::ONE, ValTy::Int).unwrap();
    assert_eq!(net.evaluate(g, "q").unwrap().to_vec(), vec![3.0]);
    net.constant("q", 2.5, Dim::ONE).unwrap();
    assert!(!net.constant_is_integer("q"));
    assert_eq!(net.evaluate(g, "q").unwrap().to_vec(), vec![2.5]);
}
