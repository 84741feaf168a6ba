//! The models run on several ranks by `tests/distributed.rs` (ranks as
//! threads) and `tests/mpi.rs` (ranks under `mpirun`): each must write the
//! bytes of a run on one rank.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The text of `examples/NAME`.
pub fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// CUBA (4000 neurons, two pathways from subgroups), 100 ms.
pub fn cuba() -> String {
    example("cuba.toml").replace("duration = \"1*second\"", "duration = \"100*ms\"")
}

/// CUBA with heterogeneous random delays on one pathway and noise in the
/// state update (split over ranks, each neuron's draws its own), with a
/// state monitor of neurons on every rank and one of synapses.
pub fn cuba_with_delays_and_noise() -> String {
    let text = example("cuba.toml")
        .replace("duration = \"1*second\"", "duration = \"60*ms\"")
        .replace(
            "dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)",
            "dv/dt  = (ge+gi-(v-El))/taum + 0.5*mV*xi/sqrt(taum) : volt (unless refractory)",
        )
        .replace("method = \"exact\"", "method = \"euler\"")
        .replace(
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]",
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]\ninit = { delay = \"rand()*3*ms\" }",
        )
        + r#"
[[monitors]]
name = "trace"
kind = "state"
source = "P"
variables = ["v", "ge"]
record = [0, 100, 1500, 2500, 3999]

[[monitors]]
name = "delays"
kind = "state"
source = "Ce"
variables = ["delay"]
record = [0, 5, 100000, 200000]
"#;
    assert!(text.contains("rand()*3*ms") && text.contains("xi/sqrt"), "{text}");
    text
}

/// CUBA with delays on both pathways (heterogeneous, at least 1 ms, on
/// one), so that the ranks exchange events once per epoch of several steps,
/// over runs of lengths that are no multiple of it, with a `store`, a
/// `restore` and a change of delays (a shorter epoch) between runs; spike,
/// state and rate monitors.
pub fn cuba_with_epochs() -> String {
    let text = example("cuba.toml")
        .replace("duration = \"1*second\"", "duration = \"60*ms\"")
        .replace(
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]",
            "on_pre = \"ge += we\"\nconnect = [ { p = 0.02 } ]\ninit = { delay = \"1*ms + rand()*2*ms\" }",
        )
        .replace(
            "on_pre = \"gi += wi\"\nconnect = [ { p = 0.02 } ]",
            "on_pre = \"gi += wi\"\nconnect = [ { p = 0.02 } ]\ninit = { delay = \"1.5*ms\" }",
        )
        + r#"
[[monitors]]
name = "trace"
kind = "state"
source = "P"
variables = ["v", "ge", "gi"]
record = [0, 100, 1500, 2500, 3999]

[[monitors]]
name = "rate"
kind = "rate"
source = "P"

[[protocol]]
op = "run"
duration = "23.7*ms"

[[protocol]]
op = "store"

[[protocol]]
op = "run"
duration = "20*ms"

[[protocol]]
op = "restore"

[[protocol]]
op = "set"
target = "Ci"
var = "delay"
value = "0.8*ms"

[[protocol]]
op = "run"
duration = "17.3*ms"
"#;
    assert!(text.contains("1*ms + rand()*2*ms") && text.contains("1.5*ms"), "{text}");
    text
}

/// A spike generator of 150 neurons (on three ranks' blocks) whose spikes of
/// a step are not in the order of the neurons, onto a group through a delay
/// (epochs of several steps), with spike and rate monitors of both.
pub const SPIKE_GENERATOR: &str = r#"
[simulation]
dt = "0.1*ms"
duration = "20*ms"

[[neurons]]
name = "G"
N = 200
model = "dv/dt = -v/(5*ms) : 1"
threshold = "v > 1"
reset = "v = 0"

[[spike_generators]]
name = "input"
N = 150
indices = [140, 3, 70, 129, 2, 66, 149, 0, 65, 130, 1, 64, 100, 20, 140, 3]
times = [1e-3, 1e-3, 1e-3, 1e-3, 2e-3, 2e-3, 2e-3, 2e-3, 2e-3, 5e-3, 5e-3, 5e-3, 5e-3, 5e-3, 9e-3, 9e-3]

[[synapses]]
name = "S"
source = "input"
target = "G"
on_pre = "v += 0.6"
delay = "0.5*ms"
connect = [ { j = "k for k in range(i % 10, N_post, 7)" } ]

[[monitors]]
name = "input_spikes"
kind = "spike"
source = "input"

[[monitors]]
name = "input_rate"
kind = "rate"
source = "input"

[[monitors]]
name = "G_spikes"
kind = "spike"
source = "G"

[[monitors]]
name = "G_rate"
kind = "rate"
source = "G"
"#;

/// Brian2's STDP example with 300 target neurons (so that synapses and their
/// post-synaptic spikes are on every rank): Poisson inputs (a `rand() < P`
/// threshold by blocks), `on_pre` and `on_post`, random initial weights, a
/// state monitor of synapses.
pub fn stdp_with_on_post() -> String {
    let text = example("stdp.toml")
        .replace("duration = \"1*second\"", "duration = \"200*ms\"")
        .replace("name = \"neurons\"\nN = 1\n", "name = \"neurons\"\nN = 300\n")
        .replace("connect = [ {} ]", "connect = [ { p = 0.2 } ]")
        .replace("F = \"15*Hz\"", "F = \"40*Hz\"")
        .replace("record = [0, 1]", "record = [0, 1, 30000, 59000]");
    assert!(text.contains("N = 300") && text.contains("p = 0.2"), "{text}");
    text
}

/// Brunel (2000): Poisson input onto every neuron (PoissonInput, a binomial
/// per target and step), a rate monitor, two populations in one group.
pub fn brunel_with_poisson_input() -> String {
    example("brunel_2000.toml").replace("duration = \"150*ms\"", "duration = \"30*ms\"")
}

/// Generators that a rank restricts to its targets (generators over sources,
/// `i = ...`, run over the rank's targets onto a subgroup; elements offset
/// from their variable, `i + k`, `k - 3`; `N_outgoing`, a count over all
/// ranks' synapses; `range` with candidates
/// out of range skipped at the ends, `sample(p=...)`, a step of 7, two
/// connects on one object), noise and `rand()` in `init` on a group of 300
/// (5 blocks of 64, so that 2-4 ranks each hold some).
pub const GENERATORS: &str = r#"
[simulation]
dt = "0.1*ms"
duration = "40*ms"
seed = 7

[[neurons]]
name = "G"
N = 300
model = "dv/dt = (1.1 - v)/(10*ms) + 0.3*xi/sqrt(10*ms) : 1"
threshold = "v > 1"
reset = "v = 0"
method = "euler"
init = { v = "rand()" }

[[synapses]]
name = "ring"
source = "G"
target = "G"
model = "w : 1"
on_pre = "v += w"
connect = [ { j = "k for k in range(i-3, i+4) if k != i", skip_if_invalid = true } ]
init = { w = "0.02*rand()" }

[[synapses]]
name = "random"
source = "G"
target = "G"
on_pre = "v -= 0.01"
connect = [ { j = "k for k in sample(N_post, p=0.05)" }, { j = "k for k in range(0, N_post, 7)" } ]

[[synapses]]
name = "shifted"
source = "G"
target = "G"
on_pre = "v += 0.001"
connect = [
  { j = "i + k for k in range(-2, 3) if k != 0", skip_if_invalid = true },
  { j = "k - 3 for k in sample(N_post, p=0.05)", skip_if_invalid = true },
  { j = "i // 2 + k for k in range(0, 40, 9)", skip_if_invalid = true },
]

[[synapses]]
name = "from_sources"
source = "G"
target = "G[50:250]"
model = "w : 1"
on_pre = "v += w"
connect = [
  { i = "k for k in sample(N_pre, p=0.04)" },
  { i = "k for k in sample(N_pre, size=3)" },
  { i = "k for k in range(j-2, j+3) if k != j", skip_if_invalid = true },
]
init = { w = "0.01*rand() + 0.002/N_outgoing + 0.0001*N_incoming" }

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"

[[monitors]]
name = "trace"
kind = "state"
source = "G"
variables = ["v"]
record = [0, 70, 299]
"#;

/// Synapse code reading its source neuron (`v_pre`): refused on several ranks.
pub const PRESYNAPTIC_READ: &str = r#"
[simulation]
dt = "0.1*ms"
duration = "1*ms"

[[neurons]]
name = "G"
N = 200
model = "dv/dt = -v/(10*ms) : 1"
threshold = "v > 1"
reset = "v = 0"

[[neurons]]
name = "H"
N = 200
model = "dv/dt = -v/(10*ms) : 1"

[[synapses]]
name = "S"
source = "G"
target = "H"
model = "w : 1"
on_pre = "v_post += w*v_pre"
connect = [ { j = "i" } ]
"#;

/// A fresh directory for test `tag` of crate `krate`.
pub fn temp_dir(krate: &str, tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikejit-{krate}-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

/// The npz files of an output directory (monitors and `state/`), relative to it, sorted.
pub fn npz_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("state")] {
        if let Ok(entries) = std::fs::read_dir(&sub) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "npz") {
                    out.push(e.path().strip_prefix(dir).map(Path::to_path_buf).unwrap_or(e.path()));
                }
            }
        }
    }
    out.sort();
    out
}

/// The summary's spike counts, synapse counts and synaptic events.
pub fn counts(dir: &Path) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    (
        v["spike_counts"].clone(),
        v["synapse_counts"].clone(),
        v["synaptic_events"].clone(),
    )
}

/// Every npz file of `run` is byte for byte `alone`'s, and so are the counts.
pub fn assert_same_outputs(tag: &str, alone: &Path, run: &Path, what: &str) {
    let reference = npz_files(alone);
    assert!(reference.len() >= 2, "{tag}: {reference:?}");
    assert_eq!(npz_files(run), reference, "{tag}: files {what}");
    for f in &reference {
        let a = std::fs::read(alone.join(f)).unwrap_or_default();
        let b = std::fs::read(run.join(f)).unwrap_or_default();
        assert!(a == b, "{tag}: {} differs between one rank and {what}", f.display());
    }
    assert_eq!(counts(run), counts(alone), "{tag}: summary counts {what}");
}

/// Neurons on a grid (20 × 15), connected by their distance: connect
/// conditions and probabilities reading `x_pre`, `y_pre`, `x_post` and
/// `y_post` (any source and candidate target, on any rank), synaptic values
/// set from the source's variables (`drive_pre`, `v_pre` after a run, in the
/// index too) and from a list for a subgroup (each rank taking its own part).
pub fn spatial() -> String {
    let drive: Vec<String> = (0..100).map(|k| format!("{}", 1.0 + f64::from(k % 7) * 0.03)).collect();
    r#"
[simulation]
dt = "0.1*ms"
seed = 11

[[neurons]]
name = "G"
N = 300
model = """
dv/dt = (drive - v)/(10*ms) : 1
drive : 1
x : 1
y : 1
"""
threshold = "v > 1"
reset = "v = 0"
init = { x = "i % 20", y = "i // 20", v = "rand()", drive = "1 + 0.2*rand()" }

[[subgroups]]
name = "middle"
of = "G"
start = 100
stop = 200

[[synapses]]
name = "near"
source = "G"
target = "G"
model = "w : 1"
on_pre = "v_post += w"
connect = [ { condition = "i != j and (x_pre - x_post)**2 + (y_pre - y_post)**2 < 5" } ]
init = { w = "0.01*(1 + y_pre/15) - 0.002*x_post/20" }

[[synapses]]
name = "far"
source = "middle"
target = "G"
model = "w : 1"
on_pre = "v_post -= w"
connect = [ { p = "0.2*exp(-((x_pre - x_post)**2 + (y_pre - y_post)**2)/50)" } ]
init = { w = "0.003*drive_pre + 0.001*y_post" }

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"
variables = ["v", "x"]

[[monitors]]
name = "trace"
kind = "state"
source = "middle"
variables = ["v", "drive"]
record = [0, 27, 64, 99]

[[protocol]]
op = "set"
target = "middle"
var = "drive"
value = [DRIVE]

[[protocol]]
op = "run"
duration = "20*ms"

[[protocol]]
op = "set"
target = "far"
var = "w"
value = "0.002*v_pre + 0.001*v_post + 0.0001*drive_pre"
index = "v_pre > 0.5"

[[protocol]]
op = "run"
duration = "20*ms"
"#
    .replace("DRIVE", &drive.join(", "))
}

/// A group large enough (40,000 neurons) that, on 2 ranks of 2 threads, each
/// rank's share of its state update and of its pathway's targets splits over
/// threads; a `(constant over dt)` subexpression, `run_regularly` with
/// `randn()`, state monitors on both ranks' neurons.
pub const LARGE_GROUP: &str = r#"
[simulation]
dt = "0.1*ms"
duration = "8*ms"
seed = 3

[[neurons]]
name = "G"
N = 40000
model = """
dv/dt = (I - v)/(10*ms) : 1
I = 1.2 + 0.1*sin(2*pi*i/1000) + 0.1*g : 1 (constant over dt)
g : 1
"""
threshold = "v > 1"
reset = "v = 0"
method = "euler"
init = { v = "rand()" }
run_regularly = [ { code = "g = 0.5*g + randn()", dt = "1*ms" } ]

[[synapses]]
name = "S"
source = "G"
target = "G"
model = "w : 1"
on_pre = "v += w"
connect = [ { p = 0.0005 } ]
init = { w = "0.02*rand()" }

[[monitors]]
name = "spikes"
kind = "spike"
source = "G"

[[monitors]]
name = "trace"
kind = "state"
source = "G"
variables = ["v", "I", "g"]
record = [0, 19999, 20000, 39999]
"#;
