//! The user's own code in a network: Rust functions called from model
//! strings (`Network::add_function`, Brian2's `Function` with `@check_units`)
//! and network operations (`Network::network_operation`, Brian2's
//! `@network_operation`), checked against Brian2 running the same network
//! (tests/reference/user_code/brian2_user_code.py wrote expected.json), on
//! both backends (bit for bit the same) and on threads; and the errors of
//! bad calls and bad uses.

use std::sync::{Arc, Mutex};

use spikejit::codegen::Backend;
use spikejit::sim::{
    Connect, Handle, Network, NetworkOperation, NeuronGroup, Record, Selection, SpikeMonitor, StateMonitor, Synapses,
    UserFunction, Value,
};
use spikejit::units::Dim;

extern "C" fn i_of(v: f64) -> f64 {
    0.5 * 1e-9 / (1.0 + (-(v + 55.0 * 1e-3) / (4.0 * 1e-3)).exp())
}
extern "C" fn shift(x: f64, y: f64) -> f64 {
    x.sin() * y
}
extern "C" fn pair(x: f64, y: f64) -> f64 {
    (x + 2.0 * y).cos()
}
extern "C" fn half() -> f64 {
    0.5
}
extern "C" fn sum3(a: f64, b: f64, c: f64) -> f64 {
    a + 2.0 * b + 3.0 * c
}
extern "C" fn sum4(a: f64, b: f64, c: f64, d: f64) -> f64 {
    a - b + c * d
}

fn functions(net: &mut Network) {
    let one = Dim::ONE;
    net.add_function(UserFunction::new(
        "I_of",
        &[Dim::VOLT],
        Dim::AMP,
        i_of as extern "C" fn(f64) -> f64,
    ))
    .expect("I_of");
    net.add_function(UserFunction::new(
        "shift",
        &[one, one],
        one,
        shift as extern "C" fn(f64, f64) -> f64,
    ))
    .expect("shift");
    net.add_function(UserFunction::new(
        "pair",
        &[one, one],
        one,
        pair as extern "C" fn(f64, f64) -> f64,
    ))
    .expect("pair");
    net.add_function(UserFunction::new("half", &[], one, half as extern "C" fn() -> f64))
        .expect("half");
}

struct Run {
    syn: (Vec<f64>, Vec<f64>, Vec<f64>),
    spikes: (Vec<f64>, Vec<f64>),
    v: ndarray::Array2<f64>,
    mean_v: Vec<(f64, f64)>,
    i_ext: Vec<f64>,
}

/// The network of brian2_user_code.py, run for 60 ms.
fn run(backend: Backend, threads: usize) -> Run {
    const N: usize = 5;
    let mut net = Network::new();
    net.set_backend(backend);
    net.set_threads(threads);
    functions(&mut net);
    let g = net
        .add_neurons(
            NeuronGroup::new(
                N,
                "dv/dt = (-65*mV - v + 20*Mohm*(I_in + I_ext))/(10*ms) : volt
                 I_in = I_of(v) : amp
                 I_ext : amp",
            )
            .name("G")
            .threshold("v > -50*mV + shift(i*1.0, 2.0)*mV")
            .reset("v = -65*mV + half()*shift(i*1.0, 4.0)*mV")
            .method("euler"),
        )
        .expect("G");
    net.set(g, "v", Value::Expr("-65*mV + i*mV".into()), Selection::All)
        .expect("v");
    let s = net
        .add_synapses(
            Synapses::new(g, g, "w : volt")
                .name("S")
                .on_pre("v_post += w*shift(i*1.0, 1.0)"),
        )
        .expect("S");
    net.connect(s, Connect::condition("pair(i*1.0, j*1.0) > 0"))
        .expect("connect");
    net.set(s, "w", Value::Expr("pair(i*1.0, j*1.0)*2*mV".into()), Selection::All)
        .expect("w");
    net.network_operation(
        NetworkOperation {
            dt: Some(10e-3),
            ..Default::default()
        },
        move |state| {
            let k = (state.t() / 0.01).round();
            let mut i_ext = state.view_mut(g, "I_ext")?;
            for (n, x) in i_ext.iter_mut().enumerate() {
                *x = 0.4 * 1e-9 * (k % 3.0) * (1.0 + 0.1 * n as f64);
            }
            Ok(())
        },
    )
    .expect("step_input");
    let mean_v = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&mean_v);
    net.network_operation(
        NetworkOperation {
            dt: Some(2e-3),
            when: Some("end".into()),
            ..Default::default()
        },
        move |state| {
            let v = state.get(g, "v")?;
            record.lock().expect("lock").push((state.t(), v.sum() / v.len() as f64));
            Ok(())
        },
    )
    .expect("record_mean");
    let sm = net.add_spike_monitor(SpikeMonitor::new(g)).expect("spikes");
    let st = net
        .add_state_monitor(StateMonitor::new(g, &["v"], Record::All))
        .expect("state");
    net.run(60e-3).expect("run");
    let spikes = net.spike_monitor(sm).expect("spike monitor");
    let state = net.state_monitor(st).expect("state monitor");
    let mean_v = mean_v.lock().expect("lock").clone();
    let get = |h: Handle, var: &str| net.get(h, var).expect(var).to_vec();
    // The synapses' indices are in the state dump.
    let dump = net.state_dump();
    let syn_vars = &dump.iter().find(|(name, _)| name == "S").expect("S in the dump").1;
    let index = |var: &str| -> Vec<f64> {
        let (_, a, _) = syn_vars.iter().find(|(v, _, _)| v == var).expect(var);
        (0..a.len()).map(|k| a.get(k)).collect()
    };
    let state_v = state.values[0].1.clone();
    Run {
        syn: (index("i"), index("j"), get(s, "w")),
        spikes: (spikes.i.iter().map(|&x| x as f64).collect(), spikes.t.to_vec()),
        v: state_v,
        mean_v,
        i_ext: get(g, "I_ext"),
    }
}

fn expected() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/user_code/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json")
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: {} values, Brian2 has {}",
        got.len(),
        want.len()
    );
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1e-3),
            "{what}[{k}]: {a} here, {b} in Brian2"
        );
    }
}

#[test]
fn user_functions_and_network_operations_match_brian2() {
    let want = expected();
    let jit = run(Backend::Jit, 1);
    // Synapses from a condition that calls a user function, weights set by one.
    let syn_i: Vec<f64> = floats(&want["syn_i"]);
    let syn_j: Vec<f64> = floats(&want["syn_j"]);
    let mut pairs: Vec<(f64, f64, f64)> = (0..jit.syn.0.len())
        .map(|k| (jit.syn.0[k], jit.syn.1[k], jit.syn.2[k]))
        .collect();
    pairs.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
    let mut want_pairs: Vec<(f64, f64, f64)> = (0..syn_i.len())
        .map(|k| (syn_i[k], syn_j[k], floats(&want["w"])[k]))
        .collect();
    want_pairs.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
    assert_eq!(pairs.len(), want_pairs.len(), "synapses");
    for (a, b) in pairs.iter().zip(&want_pairs) {
        assert_eq!((a.0, a.1), (b.0, b.1), "synapse");
        close("w", &[a.2], &[b.2], 1e-12);
    }
    // The spikes, exactly (times to the step).
    assert_eq!(jit.spikes.0, floats(&want["spike_i"]), "spike indices");
    close("spike t", &jit.spikes.1, &floats(&want["spike_t"]), 1e-9);
    assert!(
        jit.spikes.0.len() >= 10,
        "the network spikes ({} spikes)",
        jit.spikes.0.len()
    );
    // The membrane potentials at every step.
    let rows = want["v"].as_array().expect("v");
    assert_eq!(jit.v.nrows(), rows.len());
    for (n, row) in rows.iter().enumerate() {
        close(&format!("v[{n}]"), &jit.v.row(n).to_vec(), &floats(row), 1e-9);
    }
    // The operation on its own clock in the `end` slot: its times and what it saw.
    let means = want["mean_v"].as_array().expect("mean_v");
    assert_eq!(jit.mean_v.len(), means.len(), "calls of the 2 ms operation");
    for ((t, m), w) in jit.mean_v.iter().zip(means) {
        let w = floats(w);
        close("operation t", &[*t], &[w[0]], 1e-12);
        close("mean v", &[*m], &[w[1]], 1e-9);
    }
    close("I_ext", &jit.i_ext, &floats(&want["I_ext_end"]), 1e-12);

    // The interpreter calls the same functions: the same bits.
    let interp = run(Backend::Interpreter, 1);
    assert_eq!(interp.v, jit.v, "interpreter and JIT");
    assert_eq!(interp.spikes, jit.spikes);
    assert_eq!(interp.mean_v, jit.mean_v);
    // On threads (the kernels that call the functions split over them).
    let threads = run(Backend::Jit, 3);
    assert_eq!(threads.v, jit.v, "3 threads and 1");
    assert_eq!(threads.spikes, jit.spikes);
    assert_eq!(threads.mean_v, jit.mean_v);
}

/// Functions of 3 and 4 arguments, both backends alike, in float32 mode too.
#[test]
fn functions_of_three_and_four_arguments() {
    for float32 in [false, true] {
        let mut results = Vec::new();
        for backend in [Backend::Jit, Backend::Interpreter] {
            let mut net = Network::new();
            net.set_backend(backend);
            net.set_float32(float32);
            let one = Dim::ONE;
            net.add_function(UserFunction::new(
                "f3",
                &[one, Dim::SECOND, one],
                one,
                sum3 as extern "C" fn(f64, f64, f64) -> f64,
            ))
            .expect("f3");
            net.add_function(UserFunction::new(
                "f4",
                &[one; 4],
                Dim::VOLT,
                sum4 as extern "C" fn(f64, f64, f64, f64) -> f64,
            ))
            .expect("f4");
            let g = net
                .add_neurons(NeuronGroup::new(4, "x : 1\ny : volt").name("G"))
                .expect("G");
            net.set(g, "x", Value::Expr("f3(i, t + 2*ms, 0.5)".into()), Selection::All)
                .expect("x");
            net.set(g, "y", Value::Expr("f4(i, 1, x, 3)".into()), Selection::All)
                .expect("y");
            let x = net.get(g, "x").expect("x").to_vec();
            let y = net.get(g, "y").expect("y").to_vec();
            for (k, (&x, &y)) in x.iter().zip(&y).enumerate() {
                let want_x = k as f64 + 2.0 * 2e-3 + 1.5;
                assert!((x - want_x).abs() < 1e-6 * want_x, "x[{k}] = {x}, not {want_x}");
                let want_y = k as f64 - 1.0 + want_x * 3.0;
                assert!(
                    (y - want_y).abs() < 1e-5 * want_y.abs().max(1.0),
                    "y[{k}] = {y}, not {want_y}"
                );
            }
            results.push((x, y));
        }
        assert_eq!(results[0], results[1], "JIT and interpreter (float32: {float32})");
    }
}

fn message(e: spikejit::diag::Errors) -> String {
    e.0.iter()
        .map(|d| format!("[{}] {}", d.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The error of building a group whose threshold is `threshold`, with the
/// functions of `functions` and a variable `f`; where it points.
fn threshold_error(threshold: &str) -> (String, Option<(usize, usize)>) {
    let mut net = Network::new();
    functions(&mut net);
    let e = net
        .add_neurons(NeuronGroup::new(2, "dv/dt = -v/(10*ms) : volt\nshift2 : 1").threshold(threshold))
        .map(|_| ())
        .and_then(|()| net.check());
    let e = e.expect_err(threshold);
    let span = e.0.first().map(|d| (d.span.start, d.span.end));
    (message(e), span)
}

#[test]
fn bad_calls_of_user_functions_are_errors_with_spans() {
    // Wrong units of an argument: the argument is pointed at.
    let (m, span) = threshold_error("I_of(5) > 0*amp");
    assert!(
        m.contains("[unit-mismatch] argument 1 of function 'I_of' must have unit volt, but '5' has unit 1"),
        "{m}"
    );
    assert_eq!(span, Some((5, 6)), "{m}");
    // The result has the declared unit.
    let (m, _) = threshold_error("I_of(v) > 0*mV");
    assert!(m.contains("unit"), "{m}");
    // Wrong arity.
    let (m, _) = threshold_error("shift(1) > 0");
    assert!(
        m.contains("[arity] function 'shift' was called with 1 argument, needs 2"),
        "{m}"
    );
    let (m, _) = threshold_error("half(1) > 0");
    assert!(m.contains("called with 1 argument, needs 0"), "{m}");
    // Unknown, with the user's functions among the suggestions.
    let (m, _) = threshold_error("shfit(1, 2) > 0");
    assert!(m.contains("[unknown-function] unknown function 'shfit'"), "{m}");
    // A function used as a variable.
    let (m, _) = threshold_error("half > 0");
    assert!(
        m.contains("[function-as-variable] 'half' was used like a variable"),
        "{m}"
    );
}

#[test]
fn a_user_function_with_a_variable_of_its_name_is_an_error() {
    let mut net = Network::new();
    functions(&mut net);
    let e = net
        .add_neurons(NeuronGroup::new(2, "dv/dt = -v/(10*ms) : volt\nhalf : 1").threshold("half() > 0"))
        .map(|_| ())
        .and_then(|()| net.check())
        .expect_err("clash");
    assert!(message(e).contains("[name-clash] 'half' is both a variable of this code and a user function"));
}

#[test]
fn registering_a_bad_function_is_an_error() {
    let f = shift as extern "C" fn(f64, f64) -> f64;
    let mut net = Network::new();
    for (name, args, want) in [
        (
            "exp",
            vec![Dim::ONE; 2],
            "[bad-name] 'exp' is a function and cannot name a user function",
        ),
        ("mV", vec![Dim::ONE; 2], "[bad-name] 'mV' is a unit"),
        ("pi", vec![Dim::ONE; 2], "[bad-name] 'pi' is a constant"),
        ("2f", vec![Dim::ONE; 2], "[bad-name] '2f' is not a name"),
        (
            "g",
            vec![Dim::ONE; 1],
            "[arity] 1 argument unit is declared for a function of 2 arguments",
        ),
    ] {
        let e = net
            .add_function(UserFunction::new(name, &args, Dim::ONE, f))
            .expect_err(name);
        assert!(message(e.clone()).contains(want), "{}", message(e));
    }
    net.add_function(UserFunction::new("g", &[Dim::ONE; 2], Dim::ONE, f))
        .expect("g");
    let e = net
        .add_function(UserFunction::new("g", &[Dim::ONE; 2], Dim::ONE, f))
        .expect_err("twice");
    assert!(message(e).contains("[duplicate] the name 'g' is already used"));
    let e = net.constant("g", 1.0, Dim::ONE).expect_err("constant");
    assert!(message(e).contains("'g' is a user function"));
}

/// A network operation in Brian2's schedule: `start` by default, its own
/// slot and order otherwise; it can stop the run, and its error stops it.
#[test]
fn network_operations_in_the_schedule() {
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(3, "dv/dt = -v/(10*ms) : 1")
                .threshold("v > 1")
                .reset("v = 0")
                .name("G"),
        )
        .expect("G");
    net.network_operation(NetworkOperation::default(), |_| Ok(()))
        .expect("first");
    net.network_operation(
        NetworkOperation {
            when: Some("after_thresholds".into()),
            order: -1,
            dt: Some(1e-3),
            ..Default::default()
        },
        |_| Ok(()),
    )
    .expect("second");
    let e = net
        .network_operation(
            NetworkOperation {
                when: Some("middle".into()),
                ..Default::default()
            },
            |_| Ok(()),
        )
        .expect_err("slot");
    assert!(message(e).contains("unknown schedule slot 'middle'"));
    let schedule: Vec<(String, &str, i32, String)> = net
        .schedule()
        .expect("schedule")
        .into_iter()
        .map(|e| (e.name, e.when, e.order, e.class))
        .collect();
    let row = |n: &str, w, o, c: &str| (n.to_string(), w, o, c.to_string());
    assert_eq!(
        schedule,
        [
            row("networkoperation", "start", 0, "NetworkOperation"),
            row("G_stateupdater", "groups", 0, "StateUpdater"),
            row("G_spike_thresholder", "thresholds", 0, "Thresholder"),
            row("networkoperation_1", "after_thresholds", -1, "NetworkOperation"),
            row("G_spike_resetter", "resets", 0, "Resetter"),
        ]
    );

    // Stopping: the run ends after the step, and can be continued.
    let mut net = Network::new();
    let g2 = net
        .add_neurons(NeuronGroup::new(1, "dv/dt = 1/second : 1").name("G"))
        .expect("G");
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    net.network_operation(NetworkOperation::default(), move |state| {
        *counted.lock().expect("lock") += 1;
        if state.t() >= 0.5e-3 {
            state.stop();
        }
        Ok(())
    })
    .expect("stopper");
    net.run(1e-3).expect("run");
    assert!(net.interrupted());
    assert!((net.t() - 0.6e-3).abs() < 1e-12, "stopped at {}", net.t());
    assert_eq!(*calls.lock().expect("lock"), 6);
    assert!((net.get(g2, "v").expect("v")[0] - 0.6e-3).abs() < 1e-12);

    // An error of the closure ends the run with it.
    let mut net = Network::new();
    let g3 = net
        .add_neurons(NeuronGroup::new(2, "x : 1\nflag : boolean\nn : integer").name("G"))
        .expect("G");
    net.network_operation(NetworkOperation::default(), move |state| {
        state.set_values(g3, "n", &[3.7])?;
        state.set_values(g3, "flag", &[0.0, 2.0])?;
        state.view_mut(g3, "N")?;
        Ok(())
    })
    .expect("bad operation");
    let e = net.run(1e-3).expect_err("read-only");
    assert!(message(e).contains("[read-only] 'N' of 'G' is read-only"));
    assert!(!net.interrupted());
    assert_eq!(net.get(g3, "n").expect("n").to_vec(), [3.0, 3.0]);
    assert_eq!(net.get(g3, "flag").expect("flag").to_vec(), [0.0, 1.0]);

    // Any other error of the closure, with the operation's name and the time.
    let mut net = Network::new();
    net.add_neurons(NeuronGroup::new(1, "x : 1").name("G")).expect("G");
    net.network_operation(
        NetworkOperation {
            name: Some("protocol".into()),
            ..Default::default()
        },
        |state| {
            if state.t() > 0.25e-3 {
                return Err("the protocol ran out of stimuli".into());
            }
            Ok(())
        },
    )
    .expect("protocol");
    let e = net.run(1e-3).expect_err("closure's error");
    assert_eq!(
        message(e),
        "[network-operation-failed] network operation 'protocol' failed at t = 0.3 ms: the protocol ran out of stimuli"
    );
    assert!(
        (net.t() - 0.4e-3).abs() < 1e-12,
        "stopped after the step, at {}",
        net.t()
    );
    let _ = g;
}

/// On several ranks a rank holds its own neurons only: a run with a network
/// operation is refused, on every rank, with a clear error.
#[test]
fn network_operations_are_refused_on_several_ranks() {
    let handles = spikejit::sim::partition::LocalRanks::new(2);
    let results: Vec<String> = std::thread::scope(|s| {
        let joins: Vec<_> = handles
            .into_iter()
            .map(|h| {
                s.spawn(move || {
                    let mut net = Network::new();
                    net.set_ranks(Box::new(h)).expect("ranks");
                    net.add_neurons(NeuronGroup::new(4, "dv/dt = -v/(10*ms) : 1").name("G"))
                        .expect("G");
                    net.network_operation(NetworkOperation::default(), |_| Ok(()))
                        .expect("operation");
                    message(net.run(1e-3).expect_err("refused"))
                })
            })
            .collect();
        joins.into_iter().map(|j| j.join().expect("rank")).collect()
    });
    for m in results {
        assert!(
            m.contains("[not-supported-distributed] network operation 'networkoperation' cannot run on several ranks"),
            "{m}"
        );
    }
}
