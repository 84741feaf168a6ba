//! Out-of-range values and code that does nothing, through the Rust API (the
//! model-file side is in `bad_inputs.rs`): a connection probability given
//! outside [0, 1] or NaN (an expression's value outside [0, 1] is Brian2's
//! clipping and a warning), a negative number of synapses, negative or non-finite durations and
//! time steps are errors (never a panic, never a silent result); an assignment
//! to a name that is no variable and a float truncated into an integer are
//! warnings ([`Network::warnings`]).

use spikejit::codegen::Backend;
use spikejit::diag::Errors;
use spikejit::sim::{
    Connect, Count, Network, NeuronGroup, Prob, RunRegularly, SpikeGeneratorGroup, StateMonitor, Synapses,
};

fn first(e: &Errors) -> (&'static str, String, String) {
    let d = &e.0[0];
    (d.code, d.message.clone(), d.context.clone().unwrap_or_default())
}

/// Two groups of 3 neurons (`x` per neuron: 0, 1, 2) and synapses between them.
fn pair(backend: Backend) -> (Network, spikejit::sim::Handle) {
    let mut net = Network::new();
    net.set_backend(backend);
    let a = net.add_neurons(NeuronGroup::new(3, "x : 1").name("A")).unwrap();
    let b = net.add_neurons(NeuronGroup::new(3, "x : 1").name("B")).unwrap();
    for g in [a, b] {
        net.set(
            g,
            "x",
            spikejit::sim::Value::Expr("i".into()),
            spikejit::sim::Selection::All,
        )
        .unwrap();
    }
    let s = net.add_synapses(Synapses::new(a, b, "").name("S")).unwrap();
    (net, s)
}

fn connect_error(c: Connect) -> (&'static str, String, String) {
    let mut out = None;
    for backend in [Backend::Jit, Backend::Interpreter] {
        let (mut net, s) = pair(backend);
        let e = net.connect(s, c.clone()).expect_err("the connect should fail");
        let got = first(&e);
        if let Some(prev) = &out {
            assert_eq!(prev, &got, "JIT and interpreter disagree");
        }
        out = Some(got);
    }
    out.unwrap_or_default()
}

#[test]
fn a_probability_outside_0_1_is_an_error() {
    for p in [1.5, -0.5, f64::NAN] {
        let (code, msg, ctx) = connect_error(Connect::p(p));
        assert_eq!(code, "bad-probability");
        assert!(msg.contains("must be between 0 and 1"), "{msg}");
        assert_eq!(ctx, "synapses 'S'.connect.p");
    }
    // a constant expression: now, at the expression
    let (code, msg, _) = connect_error(Connect {
        p: Some(Prob::Expr("2*0.9".into())),
        ..Connect::default()
    });
    assert_eq!(code, "bad-probability");
    assert!(msg.contains("it is 1.8"), "{msg}");
    // NaN for a pair
    let (code, msg, _) = connect_error(Connect {
        p: Some(Prob::Expr("log(x_pre - 1)".into())),
        ..Connect::default()
    });
    assert_eq!(code, "bad-probability");
    assert!(msg.contains("p is NaN for i = 0"), "{msg}");
}

/// An expression's value outside [0, 1] connects as Brian2 does (every pair
/// for p > 1, none for p < 0) and is a warning naming the first such value.
fn clipped(c: Connect) -> (usize, String) {
    let mut out = None;
    for backend in [Backend::Jit, Backend::Interpreter] {
        let (mut net, s) = pair(backend);
        net.connect(s, c.clone()).expect("the connect goes on");
        let w = net.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].code, "probability-clipped");
        assert!(w[0].is_warning());
        let got = (net.synapse_counts()[0].1, w[0].message.clone());
        if let Some(prev) = &out {
            assert_eq!(prev, &got, "JIT and interpreter disagree");
        }
        out = Some(got);
    }
    out.unwrap_or_default()
}

#[test]
fn a_probability_expression_outside_0_1_connects_as_brian2_with_a_warning() {
    // depending on i only: checked once per presynaptic neuron; i = 2 (p = 1.3)
    // connects to every target
    let (n, msg) = clipped(Connect {
        p: Some(Prob::Expr("0.8*x_pre - 0.3".into())),
        ..Connect::default()
    });
    assert!(msg.contains("p is -0.3 for i = 0, outside [0, 1]"), "{msg}");
    assert!(n >= 3, "{n}");
    // depending on j: checked per pair the condition selects; p < 0 for j >= 1
    let (n, msg) = clipped(Connect {
        condition: Some("i != j".into()),
        p: Some(Prob::Expr("1 - 1.5*j".into())),
        ..Connect::default()
    });
    assert!(msg.contains("p is -0.5 for the pair i = 0, j = 1"), "{msg}");
    assert_eq!(n, 2, "only the pairs (1, 0) and (2, 0) have p = 1");
    // in a generator's sample(): p = 2 - i is 2 for i = 0 (all), 1, then 0
    let (n, msg) = clipped(Connect::j("k for k in sample(N_post, p=2 - i)"));
    assert!(msg.contains("p is 2 for i = 0"), "{msg}");
    assert_eq!(n, 6);
}

#[test]
fn a_probability_is_checked_only_where_the_condition_holds() {
    for backend in [Backend::Jit, Backend::Interpreter] {
        // p is infinite for i == j, which the condition excludes
        let (mut net, s) = pair(backend);
        net.connect(
            s,
            Connect {
                condition: Some("i != j".into()),
                p: Some(Prob::Expr("1/abs(i - j) + 0*x_post".into())),
                ..Connect::default()
            },
        )
        .unwrap();
        // |i - j| == 1 always connects: (0,1), (1,0), (1,2), (2,1) at least
        assert!(net.synapse_counts()[0].1 >= 4);
    }
}

#[test]
fn a_negative_number_of_synapses_is_an_error() {
    let (code, msg, ctx) = connect_error(Connect {
        n: Some(Count::Value(-1)),
        ..Connect::default()
    });
    assert_eq!((code, ctx.as_str()), ("bad-count", "synapses 'S'.connect.n"));
    assert!(msg.contains("must not be negative, got -1"), "{msg}");
    let (code, msg, _) = connect_error(Connect {
        n: Some(Count::Expr("1 - i".into())),
        ..Connect::default()
    });
    assert_eq!(code, "bad-count");
    assert!(msg.contains("n is -1 for the pair i = 2, j = 0"), "{msg}");
    // with index arrays too
    let (code, _, _) = connect_error(Connect {
        n: Some(Count::Value(-2)),
        ..Connect::arrays(vec![0], vec![1])
    });
    assert_eq!(code, "bad-count");
}

#[test]
fn durations_and_time_steps_must_be_positive_and_finite() {
    let mut net = Network::new();
    net.add_neurons(NeuronGroup::new(1, "dv/dt = -v/(10*ms) : 1")).unwrap();
    for d in [f64::NAN, -1e-3, f64::INFINITY] {
        let e = net.run(d).expect_err("a bad duration");
        assert_eq!(first(&e).0, "bad-duration", "{d}");
    }
    net.run(1e-3).unwrap();

    let mut net = Network::new();
    net.set_dt(-1e-4);
    let e = net
        .add_neurons(NeuronGroup::new(1, "v : 1"))
        .expect_err("a negative dt");
    assert_eq!(first(&e).0, "bad-dt");
    net.set_dt(f64::NAN);
    assert_eq!(first(&net.run(1e-3).expect_err("NaN dt")).0, "bad-dt");

    let mut net = Network::new();
    let mut g = NeuronGroup::new(1, "v : 1");
    g.dt = Some(f64::INFINITY);
    assert_eq!(first(&net.add_neurons(g).expect_err("inf dt")).0, "bad-dt");
    let g = net.add_neurons(NeuronGroup::new(2, "v : 1")).unwrap();
    let mut m = StateMonitor::new(g, &["v"], spikejit::sim::Record::All);
    m.dt = Some(0.0);
    assert_eq!(first(&net.add_state_monitor(m).expect_err("zero dt")).0, "bad-dt");
    let rr = RunRegularly {
        code: "v = 1".into(),
        dt: Some(-1e-3),
        when: None,
        order: 0,
    };
    assert_eq!(first(&net.run_regularly(g, rr).expect_err("negative dt")).0, "bad-dt");

    let generator = |times: Vec<f64>, period: f64| SpikeGeneratorGroup {
        name: Some("inp".into()),
        n: 2,
        indices: vec![0; times.len()],
        times,
        period,
    };
    let e = net
        .add_spike_generator(generator(vec![1e-3, -2e-3], 0.0))
        .expect_err("a negative time");
    assert_eq!(
        (first(&e).0, first(&e).2.as_str()),
        ("bad-time", "spike_generators 'inp'.times[1]")
    );
    let e = net
        .add_spike_generator(generator(vec![1e-3], f64::NAN))
        .expect_err("a NaN period");
    assert_eq!(first(&e).0, "bad-period");
}

fn warnings_of(reset: &str) -> Vec<(String, String)> {
    let mut net = Network::new();
    net.add_neurons(
        NeuronGroup::new(2, "dv/dt = 1/ms : 1\nn : integer")
            .threshold("v > 0.5")
            .reset(reset)
            .name("G"),
    )
    .unwrap();
    net.check().unwrap();
    net.run(2e-3).unwrap();
    net.warnings()
        .iter()
        .map(|w| {
            assert!(w.is_warning());
            (w.code.to_string(), w.message.clone())
        })
        .collect()
}

#[test]
fn assignments_that_do_nothing_are_warnings() {
    // reported once, though the kernel was built by check() and by run()
    let w = warnings_of("v = 0; u = 5");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].0, "unused-temporary");
    assert!(w[0].1.contains("'u' is not a variable"), "{w:?}");
    // a temporary that a later statement reads is fine (Brian2 allows it)
    assert_eq!(warnings_of("x = v*2\nv = x - 1"), vec![]);
    // an augmented assignment reads it too
    assert_eq!(warnings_of("x = 1\nx += v\nv = x - 2"), vec![]);
    // assigned again after its last read: that assignment does nothing
    let w = warnings_of("x = 0.1\nv = x\nx = 2");
    assert_eq!(w.len(), 1, "{w:?}");
}

#[test]
fn floats_truncated_into_integers_are_warnings() {
    for reset in [
        "v = 0; n = n + 0.5",
        "v = 0; n += 0.5",
        "v = 0; n = v*3",
        "v = 0; n /= 2",
    ] {
        let w = warnings_of(reset);
        assert_eq!(w.len(), 1, "{reset}: {w:?}");
        assert_eq!(w[0].0, "truncation", "{reset}");
        assert!(w[0].1.contains("'n' is an integer variable"), "{w:?}");
    }
    // integer values, or whole numbers known at compile time, are fine
    for reset in [
        "v = 0; n = n + 1",
        "v = 0; n = 2.0",
        "v = 0; n += 1.0",
        "v = 0; n = int(v*3)",
        "v = 0; n = n // 2",
    ] {
        assert_eq!(warnings_of(reset), vec![], "{reset}");
    }
}
