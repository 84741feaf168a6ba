//! Synapses as the source or target of other Synapses (brian2-semantics.md
//! §2.11): a pathway writing a synaptic variable of another Synapses object
//! (Izhikevich_2007's dopamine), and a summed variable onto a synaptic parameter
//! (Stimberg et al. 2018). Expected values from Brian2 2.9.0 (numpy target) for
//! the same network.

use spikejit::sim::{Connect, Network, NeuronGroup, Selection, Synapses, Value};

#[test]
fn synapses_as_pathway_and_summed_targets() {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(3, "dv/dt = rate : 1\nrate : hertz")
                .threshold("v>1")
                .reset("v=0"),
        )
        .unwrap();
    net.set(g, "rate", Value::Array(vec![500.0, 300.0, 200.0]), Selection::All)
        .unwrap();
    let h = net.add_neurons(NeuronGroup::new(2, "x : 1")).unwrap();
    let s = net
        .add_synapses(Synapses::new(g, h, "w : 1\nacc : 1").on_pre("x_post += w"))
        .unwrap();
    net.connect(s, Connect::all()).unwrap();
    net.set(s, "w", Value::Expr("i + 0.5*j".into()), Selection::All)
        .unwrap();
    let d = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = 400*Hz : 1").threshold("v>1").reset("v=0"))
        .unwrap();
    let m = net
        .add_synapses(Synapses::new(d, s, "").on_pre("acc_post += 1 + i_post"))
        .unwrap();
    net.connect(m, Connect::all()).unwrap();
    let s2 = net.add_synapses(Synapses::new(g, h, "y : 1")).unwrap();
    net.connect(s2, Connect::j("0")).unwrap();
    let q2 = net
        .add_synapses(Synapses::new(g, s2, "y_post = v_pre : 1 (summed)"))
        .unwrap();
    net.connect(q2, Connect::condition("i == j")).unwrap();
    net.run(0.01).unwrap();
    assert_eq!(net.get(s, "acc").unwrap().to_vec(), [4.0, 4.0, 8.0, 8.0, 12.0, 12.0]);
    assert_eq!(net.get(h, "x").unwrap().to_vec(), [6.0, 10.5]);
    let y = net.get(s2, "y").unwrap().to_vec();
    for (a, b) in y
        .iter()
        .zip([0.9500000000000003, 0.9300000000000006, 0.9800000000000005])
    {
        assert!((a - b).abs() < 1e-12, "{y:?}");
    }
}

#[test]
fn synapses_cannot_emit_spikes() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(2, "v : 1").threshold("v > 1"))
        .unwrap();
    let s = net.add_synapses(Synapses::new(g, g, "w : 1")).unwrap();
    let err = net
        .add_synapses(Synapses::new(s, g, "").on_pre("v_post += 1"))
        .unwrap_err();
    assert!(err.to_string().contains("emits no events"), "{err}");
}
