//! Synapses as the source or target of other Synapses (brian2-semantics.md
//! §2.11): a pathway writing a synaptic variable of another Synapses object
//! (Izhikevich_2007's dopamine), and a summed variable onto a synaptic parameter
//! (Stimberg et al. 2018). Expected values from Brian2 2.9.0 (numpy target) for
//! the same network.

use spikejit::sim::{Connect, Count, Network, NeuronGroup, Selection, SpikeGeneratorGroup, Synapses, Value};

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

// ---- Brian2's test_synapses.py, tests of Synapses of Synapses -----------------------
// Each Brian2 test through the Rust API, then the same network as a model file
// (Brian2's asserted values; the model files run unchanged on Brian2 through
// the runner of the shared specs).

const MS: f64 = 1e-3;

fn generator(net: &mut Network, n: usize, indices: Vec<i64>, times_ms: &[f64], period: f64) -> spikejit::sim::Handle {
    net.add_spike_generator(SpikeGeneratorGroup {
        name: None,
        n,
        indices,
        times: times_ms.iter().map(|t| t * MS).collect(),
        period,
    })
    .unwrap()
}

/// Builds a model file given as text and runs its protocol.
fn run_model(text: &str) -> Network {
    let model =
        spikejit::io::parse_model("synapses_of_synapses.toml", text.to_string()).unwrap_or_else(|e| panic!("{e:?}"));
    let (mut net, protocol) =
        spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    protocol.run(&mut net).unwrap_or_else(|e| panic!("{e:?}"));
    net
}

fn values(net: &Network, name: &str, var: &str) -> Vec<f64> {
    let h = net.handle(name).unwrap_or_else(|| panic!("no object '{name}'"));
    net.get(h, var).unwrap_or_else(|e| panic!("{e:?}")).to_vec()
}

/// The network of test_synapses_to_synapses with the modulatory synapses
/// connected by `modulatory`: a generator spiking every 2 ms drives `v +=
/// w`; the modulator's spikes at 1 and 3 ms raise `w` of the synapses they
/// target.
fn synapses_to_synapses(conn: Connect, modulatory: Connect) -> Vec<f64> {
    let mut net = Network::new();
    let source = generator(&mut net, 3, vec![0, 1, 2], &[0.0, 0.0, 0.0], 2.0 * MS);
    let modulator = generator(&mut net, 3, vec![0, 2], &[1.0, 3.0], 0.0);
    let target = net.add_neurons(NeuronGroup::new(3, "v : integer")).unwrap();
    let c = net
        .add_synapses(Synapses::new(source, target, "w : integer").on_pre("v += w"))
        .unwrap();
    net.connect(c, conn).unwrap();
    net.set(c, "w", Value::Scalar(1.0), Selection::All).unwrap();
    let m = net
        .add_synapses(Synapses::new(modulator, c, "").on_pre("w += 1"))
        .unwrap();
    net.connect(m, modulatory).unwrap();
    net.run(5.0 * MS).unwrap();
    net.get(target, "v").unwrap().to_vec()
}

/// The model file of test_synapses_to_synapses, with the connect tables given.
fn synapses_to_synapses_file(conn: &str, modulatory: &str) -> String {
    format!(
        r#"
[simulation]
duration = "5*ms"

[[spike_generators]]
name = "source"
N = 3
indices = [0, 1, 2]
times = ["0*ms", "0*ms", "0*ms"]
period = "2*ms"

[[spike_generators]]
name = "modulator"
N = 3
indices = [0, 2]
times = ["1*ms", "3*ms"]

[[neurons]]
name = "target"
N = 3
model = "v : integer"

[[synapses]]
name = "conn"
source = "source"
target = "target"
model = "w : integer"
on_pre = "v += w"
connect = [ {conn} ]
init = {{ w = 1 }}

[[synapses]]
name = "modulatory_conn"
source = "modulator"
target = "conn"
on_pre = "w += 1"
connect = [ {modulatory} ]
"#
    )
}

// The first synapse's weight is 2 after the modulator's first spike, the third's
// after its second spike.
const SYNAPSES_TO_SYNAPSES_V: [f64; 3] = [5.0, 3.0, 4.0];

#[test]
fn test_synapses_to_synapses() {
    let v = synapses_to_synapses(Connect::j("i"), Connect::j("i"));
    assert_eq!(v, SYNAPSES_TO_SYNAPSES_V);
    let net = run_model(&synapses_to_synapses_file(r#"{ j = "i" }"#, r#"{ j = "i" }"#));
    assert_eq!(values(&net, "target", "v"), SYNAPSES_TO_SYNAPSES_V);
}

#[test]
fn test_synapses_to_synapses_connection_array() {
    let v = synapses_to_synapses(
        Connect::arrays(vec![0, 1, 2], vec![0, 1, 2]),
        Connect::arrays(vec![0, 1, 2], vec![0, 1, 2]),
    );
    assert_eq!(v, SYNAPSES_TO_SYNAPSES_V);
    let net = run_model(&synapses_to_synapses_file(
        "{ i = [0, 1, 2], j = [0, 1, 2] }",
        "{ i = [0, 1, 2], j = [0, 1, 2] }",
    ));
    assert_eq!(values(&net, "target", "v"), SYNAPSES_TO_SYNAPSES_V);
}

#[test]
fn test_synapses_to_synapses_rule_and_array() {
    let v = synapses_to_synapses(Connect::j("i"), Connect::arrays(vec![0, 1, 2], vec![0, 1, 2]));
    assert_eq!(v, SYNAPSES_TO_SYNAPSES_V);
    let net = run_model(&synapses_to_synapses_file(
        r#"{ j = "i" }"#,
        "{ i = [0, 1, 2], j = [0, 1, 2] }",
    ));
    assert_eq!(values(&net, "target", "v"), SYNAPSES_TO_SYNAPSES_V);
}

/// Indices into a synapses object that does not have them: `j` of the
/// modulatory synapses indexes `conn`'s 3 synapses.
#[test]
fn synapses_to_synapses_index_out_of_range() {
    let mut net = Network::new();
    let g = net
        .add_neurons(NeuronGroup::new(3, "v : 1").threshold("v > 1"))
        .unwrap();
    let c = net.add_synapses(Synapses::new(g, g, "w : 1")).unwrap();
    net.connect(c, Connect::j("i")).unwrap();
    let m = net.add_synapses(Synapses::new(g, c, "").on_pre("w += 1")).unwrap();
    let err = net.connect(m, Connect::arrays(vec![0], vec![3])).unwrap_err();
    assert!(err.to_string().contains('3'), "{err}");
}

fn i_j_of(net: &Network, h: spikejit::sim::Handle) -> (Vec<f64>, Vec<f64>) {
    // `i` and `j` are read from the state dump (`get` reads model variables)
    let name = net.name_of(h).to_string();
    let dump = net.state_dump();
    let (_, vars) = dump
        .iter()
        .find(|(n, _)| *n == name)
        .expect("the synapses are in the state dump");
    let get = |k: &str| -> Vec<f64> {
        vars.iter()
            .find(|v| v.0 == k)
            .unwrap_or_else(|| panic!("no '{k}' in the dump"))
            .1
            .to_f64()
            .to_vec()
    };
    (get("i"), get("j"))
}

fn range(a: usize, b: usize) -> Vec<f64> {
    (a..b).map(|x| x as f64).collect()
}

fn repeat(v: Vec<f64>, n: usize) -> Vec<f64> {
    v.into_iter().flat_map(|x| std::iter::repeat_n(x, n)).collect()
}

/// `i`, `j` of synapses onto and from a synapses object index its synapses;
/// `i_post`, `j_post` (`i_pre`, `j_pre`) are the indices of that object's
/// synapses (read through stored copies: the API reads stored variables).
fn check_statevar_access(net: &Network) {
    let m2c = net.handle("modulator_to_conn").unwrap();
    let c2m = net.handle("conn_to_modulator").unwrap();
    let (i, j) = i_j_of(net, m2c);
    assert_eq!(i, range(0, 40));
    assert_eq!(j, repeat(range(0, 20), 2));
    assert_eq!(net.get(m2c, "ip").unwrap().to_vec(), repeat(range(0, 10), 4));
    assert_eq!(net.get(m2c, "jp").unwrap().to_vec(), repeat(range(0, 10), 4));
    let (i, j) = i_j_of(net, c2m);
    assert_eq!(i, [range(0, 20), range(0, 20)].concat());
    let pre = [repeat(range(0, 10), 2), repeat(range(0, 10), 2)].concat();
    assert_eq!(net.get(c2m, "ip").unwrap().to_vec(), pre);
    assert_eq!(net.get(c2m, "jp").unwrap().to_vec(), pre);
    assert_eq!(j, range(0, 40));
}

#[test]
fn test_synapses_to_synapses_statevar_access() {
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(10, "v : 1")).unwrap();
    let modulator = net.add_neurons(NeuronGroup::new(40, "")).unwrap();
    let target = net.add_neurons(NeuronGroup::new(10, "v : 1")).unwrap();
    let conn = net
        .add_synapses(Synapses::new(source, target, "").name("conn"))
        .unwrap();
    net.connect(
        conn,
        Connect {
            n: Some(Count::Value(2)),
            ..Connect::j("i")
        },
    )
    .unwrap();
    let m2c = net
        .add_synapses(Synapses::new(modulator, conn, "ip : integer\njp : integer").name("modulator_to_conn"))
        .unwrap();
    net.connect(m2c, Connect::j("int(i/2)")).unwrap();
    let c2m = net
        .add_synapses(Synapses::new(conn, modulator, "ip : integer\njp : integer").name("conn_to_modulator"))
        .unwrap();
    net.connect(c2m, Connect::j("i")).unwrap();
    net.connect(c2m, Connect::j("i + 20")).unwrap();
    for (h, side) in [(m2c, "post"), (c2m, "pre")] {
        net.set(h, "ip", Value::Expr(format!("i_{side}").into()), Selection::All)
            .unwrap();
        net.set(h, "jp", Value::Expr(format!("j_{side}").into()), Selection::All)
            .unwrap();
    }
    net.run(0.0).unwrap();
    check_statevar_access(&net);

    let net = run_model(
        r#"
[simulation]
duration = "0*ms"

[[neurons]]
name = "source"
N = 10
model = "v : 1"

[[neurons]]
name = "modulator"
N = 40
model = ""

[[neurons]]
name = "target"
N = 10
model = "v : 1"

[[synapses]]
name = "conn"
source = "source"
target = "target"
connect = [ { j = "i", n = 2 } ]

[[synapses]]
name = "modulator_to_conn"
source = "modulator"
target = "conn"
model = "ip : integer\njp : integer"
connect = [ { j = "int(i/2)" } ]
init = { ip = "i_post", jp = "j_post" }

[[synapses]]
name = "conn_to_modulator"
source = "conn"
target = "modulator"
model = "ip : integer\njp : integer"
connect = [ { j = "i" }, { j = "i + 20" } ]
init = { ip = "i_pre", jp = "j_pre" }
"#,
    );
    check_statevar_access(&net);
}

#[test]
fn test_synapses_to_synapses_different_sizes() {
    let expected = range(0, 100).into_iter().map(|x| 2.0 * x).collect::<Vec<_>>();
    let mut net = Network::new();
    let source = net
        .add_neurons(NeuronGroup::new(100, "v : 1").threshold("False"))
        .unwrap();
    net.set(source, "v", Value::Expr("i".into()), Selection::All).unwrap();
    let modulator = net
        .add_neurons(NeuronGroup::new(1, "v : 1").threshold("False"))
        .unwrap();
    let target = net.add_neurons(NeuronGroup::new(100, "v : 1")).unwrap();
    net.set(target, "v", Value::Expr("i + 100".into()), Selection::All)
        .unwrap();
    let mut spec = Synapses::new(source, target, "w : 1");
    spec.multisynaptic_index = Some("k".into());
    let conn = net.add_synapses(spec).unwrap();
    net.connect(
        conn,
        Connect {
            n: Some(Count::Value(2)),
            ..Connect::j("i")
        },
    )
    .unwrap();
    net.set(conn, "w", Value::Expr("i + j".into()), Selection::All).unwrap();
    // only the second synapse of each pair is targeted
    let m = net.add_synapses(Synapses::new(modulator, conn, "wp : 1")).unwrap();
    net.connect(m, Connect::condition("k_post == 1")).unwrap();
    net.set(m, "wp", Value::Expr("w_post".into()), Selection::All).unwrap();
    net.run(0.0).unwrap();
    assert_eq!(net.get(m, "wp").unwrap().to_vec(), expected);

    let net = run_model(
        r#"
[simulation]
duration = "0*ms"

[[neurons]]
name = "source"
N = 100
model = "v : 1"
threshold = "False"
init = { v = "i" }

[[neurons]]
name = "modulator"
N = 1
model = "v : 1"
threshold = "False"

[[neurons]]
name = "target"
N = 100
model = "v : 1"
init = { v = "i + 100" }

[[synapses]]
name = "conn"
source = "source"
target = "target"
model = "w : 1"
multisynaptic_index = "k"
connect = [ { j = "i", n = 2 } ]
init = { w = "i + j" }

[[synapses]]
name = "modulatory_conn"
source = "modulator"
target = "conn"
model = "wp : 1\nkp : integer"
connect = [ { condition = "k_post == 1" } ]
init = { wp = "w_post", kp = "k_post" }
"#,
    );
    assert_eq!(values(&net, "modulatory_conn", "wp"), expected);
    assert_eq!(values(&net, "modulatory_conn", "kp"), vec![1.0; 100]);
}

#[test]
fn test_synapses_to_synapses_summed_variable() {
    let expected = [10.0, 10.0, 9.0, 7.0, 4.0];
    let mut net = Network::new();
    let source = net.add_neurons(NeuronGroup::new(5, "")).unwrap();
    let target = net.add_neurons(NeuronGroup::new(5, "")).unwrap();
    let conn = net.add_synapses(Synapses::new(source, target, "w : integer")).unwrap();
    net.connect(conn, Connect::j("i")).unwrap();
    net.set(conn, "w", Value::Scalar(1.0), Selection::All).unwrap();
    let summed = net
        .add_synapses(Synapses::new(
            source,
            conn,
            "w_post = x : integer (summed)\nx : integer",
        ))
        .unwrap();
    net.connect(summed, Connect::condition("i>=j")).unwrap();
    net.set(summed, "x", Value::Expr("i".into()), Selection::All).unwrap();
    net.run(1e-4).unwrap();
    assert_eq!(net.get(conn, "w").unwrap().to_vec(), expected);

    let net = run_model(
        r#"
[simulation]
duration = "0.1*ms"

[[neurons]]
name = "source"
N = 5
model = ""

[[neurons]]
name = "target"
N = 5
model = ""

[[synapses]]
name = "conn"
source = "source"
target = "target"
model = "w : integer"
connect = [ { j = "i" } ]
init = { w = 1 }

[[synapses]]
name = "summed_conn"
source = "source"
target = "conn"
model = '''
w_post = x : integer (summed)
x : integer
'''
connect = [ { condition = "i>=j" } ]
init = { x = "i" }
"#,
    );
    assert_eq!(values(&net, "conn", "w"), expected);
}
