//! The contract's keys (`spikejit_brian2.py`): the sections of a model file and
//! the keys each of its tables accepts, which the loader checks (any other key
//! is an error naming it) and [`contract_keys`] lists for the documentation.
//! One room, so that the contract's word list reads in one place.

pub(super) const SECTIONS: [(&str, bool); 12] = [
    ("simulation", true),
    ("constants", true),
    ("clocks", true),
    ("timed_arrays", false),
    ("neurons", false),
    ("subgroups", false),
    ("spike_generators", false),
    ("poisson", false),
    ("poisson_inputs", false),
    ("synapses", false),
    ("monitors", false),
    ("protocol", false),
];
pub(super) const SIMULATION_KEYS: &[&str] = &["dt", "duration", "seed", "dtype", "fast_math", "schedule"];
pub(super) const NEURON_KEYS: &[&str] = &[
    "name",
    "N",
    "model",
    "threshold",
    "reset",
    "refractory",
    "method",
    "events",
    "run_on_event",
    "init",
    "run_regularly",
    "dt",
    "when",
    "order",
    "clock",
    "namespace",
    "dtype",
    "method_options",
    "links",
    "morphology",
    "Cm",
    "Ri",
    "threshold_location",
];
/// The keys of a section of `[neurons.morphology]` (any sub-table is a child section).
pub(super) const MORPHOLOGY_KEYS: &[&str] = &["shape", "n", "diameter", "length", "x", "y", "z"];
/// `morphology = { file = "cell.swc", spherical_soma = true }`.
pub(super) const MORPHOLOGY_FILE_KEYS: &[&str] = &["file", "spherical_soma"];
pub(super) const SUBGROUP_KEYS: &[&str] = &["name", "of", "start", "stop"];
pub(super) const SYNAPSE_KEYS: &[&str] = &[
    "name",
    "source",
    "target",
    "model",
    "on_pre",
    "on_post",
    "delay",
    "on_event",
    "method",
    "multisynaptic_index",
    "summed_when",
    "connect",
    "init",
    "run_regularly",
    "dt",
    "when",
    "order",
    "clock",
    "namespace",
    "dtype",
    "method_options",
    "links",
];
pub(super) const CONNECT_KEYS: &[&str] = &["condition", "p", "n", "i", "j", "skip_if_invalid"];
pub(super) const INIT_KEYS: &[&str] = &["var", "value", "index", "section"];
pub(super) const RUN_REGULARLY_KEYS: &[&str] = &["code", "dt", "when"];
pub(super) const LINK_KEYS: &[&str] = &["to", "index"];
pub(super) const MONITOR_KINDS: [(&str, &[&str]); 4] = [
    (
        "spike",
        &["name", "kind", "source", "variables", "record", "when", "order"],
    ),
    (
        "event",
        &["name", "kind", "source", "event", "variables", "when", "order"],
    ),
    (
        "state",
        &[
            "name",
            "kind",
            "source",
            "variables",
            "record",
            "dt",
            "when",
            "order",
            "clock",
        ],
    ),
    ("rate", &["name", "kind", "source", "when", "order"]),
];
pub(super) const MONITOR_KEYS: &[&str] = &[
    "name",
    "kind",
    "source",
    "variables",
    "record",
    "dt",
    "when",
    "order",
    "event",
    "clock",
];
/// The keys of a clock of `[clocks]` (`[clocks.slow]`).
pub(super) const CLOCK_KEYS: &[&str] = &["dt"];
pub(super) const PROTOCOL_OPS: [(&str, &[&str]); 6] = [
    ("run", &["op", "duration"]),
    ("store", &["op", "name", "file"]),
    ("restore", &["op", "name", "file", "random_state"]),
    ("set", &["op", "target", "var", "value", "index"]),
    ("set_dt", &["op", "dt", "clock"]),
    ("set_spikes", &["op", "target", "indices", "times", "period"]),
];
pub(super) const PROTOCOL_KEYS: &[&str] = &[
    "op",
    "duration",
    "name",
    "target",
    "var",
    "value",
    "index",
    "dt",
    "clock",
    "indices",
    "times",
    "period",
    "file",
    "random_state",
];
/// A value read from a NumPy file (`{ file = "x.npz", array = "a", unit = "mV" }`;
/// `unit` only where the numbers are given to a variable or are times).
pub(super) const FILE_KEYS: &[&str] = &["file", "array", "unit"];
pub(super) const TIMED_ARRAY_KEYS: &[&str] = &["name", "values", "length", "unit", "dt"];
pub(super) const GENERATOR_KEYS: &[&str] = &["name", "N", "indices", "times", "period"];
pub(super) const POISSON_KEYS: &[&str] = &["name", "N", "rates"];
pub(super) const POISSON_INPUT_KEYS: &[&str] = &["name", "target", "target_var", "N", "rate", "weight"];

/// Every table of a model file with the keys the loader accepts in it (the
/// contract's keys; any other key is an error naming it), for documentation
/// and its tests.
///
/// The names: `""` is the top level (the sections), then `simulation`,
/// `timed_arrays`, `neurons`, `subgroups`, `spike_generators`, `poisson`,
/// `poisson_inputs`, `synapses`; `connect` (an entry of a synapses' `connect`
/// list), `init` (an entry of an `init` list, neurons or synapses),
/// `run_regularly` (an entry of a `run_regularly` list); `links` (the table
/// form of an entry of `links`); `monitors` (every key
/// of any kind) and `monitors.KIND` per kind (`spike`, `event`, `state`,
/// `rate`); `protocol` (every key of any op) and `protocol.OP` per op (`run`,
/// `store`, `restore`, `set`). `[constants]` and the table forms of `init`,
/// `events`, `run_on_event`, `on_pre`, `on_post`, `delay` and `on_event` take
/// names chosen by the model, so they are not listed.
///
/// ```
/// let keys = spikejit::io::model_file::contract_keys();
/// let neurons = keys.iter().find(|(name, _)| *name == "neurons").unwrap().1;
/// assert!(neurons.contains(&"threshold"));
/// ```
pub fn contract_keys() -> Vec<(&'static str, &'static [&'static str])> {
    static TOP: [&str; SECTIONS.len()] = {
        let mut names = [""; SECTIONS.len()];
        let mut k = 0;
        while k < SECTIONS.len() {
            names[k] = SECTIONS[k].0;
            k += 1;
        }
        names
    };
    let mut out: Vec<(&'static str, &'static [&'static str])> = vec![
        ("", &TOP),
        ("simulation", SIMULATION_KEYS),
        ("clocks", CLOCK_KEYS),
        ("timed_arrays", TIMED_ARRAY_KEYS),
        ("neurons", NEURON_KEYS),
        ("morphology", MORPHOLOGY_KEYS),
        ("morphology_file", MORPHOLOGY_FILE_KEYS),
        ("subgroups", SUBGROUP_KEYS),
        ("spike_generators", GENERATOR_KEYS),
        ("poisson", POISSON_KEYS),
        ("poisson_inputs", POISSON_INPUT_KEYS),
        ("synapses", SYNAPSE_KEYS),
        ("connect", CONNECT_KEYS),
        ("init", INIT_KEYS),
        ("run_regularly", RUN_REGULARLY_KEYS),
        ("links", LINK_KEYS),
        ("file", FILE_KEYS),
        ("monitors", MONITOR_KEYS),
    ];
    for (kind, keys) in MONITOR_KINDS {
        let name = match kind {
            "spike" => "monitors.spike",
            "event" => "monitors.event",
            "state" => "monitors.state",
            "rate" => "monitors.rate",
            _ => "monitors.(unnamed kind)",
        };
        out.push((name, keys));
    }
    out.push(("protocol", PROTOCOL_KEYS));
    for (op, keys) in PROTOCOL_OPS {
        let name = match op {
            "run" => "protocol.run",
            "store" => "protocol.store",
            "restore" => "protocol.restore",
            "set" => "protocol.set",
            "set_dt" => "protocol.set_dt",
            "set_spikes" => "protocol.set_spikes",
            _ => "protocol.(unnamed op)",
        };
        out.push((name, keys));
    }
    out
}
