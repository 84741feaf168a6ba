//! The loader: walks the tree of a model file, checks each table's keys and
//! each value's type as the contract's reference does, keeps every error (not
//! only the first), and makes the typed model. Here: the loader's errors, the
//! checks every table shares (keys, types, counts, names, schedules, `init`
//! lists), the top level (the sections, `[simulation]`, `[constants]`) and the
//! building of the spanned tree; each kind of section has its own file.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::data::VALUES;
use super::keys::*;
use super::spec::*;
use super::tree::*;
use crate::diag::{Diagnostic, FileOrigin, Source, Span};
use crate::io::strings::decode_toml_string;

const POSITIVE_COUNT: &str = "a positive integer or a string expression of constants";
const NON_NEGATIVE_COUNT: &str = "a non-negative integer or a string expression of constants";

// -------------------------------------------------------------------------------------
// the loader
// -------------------------------------------------------------------------------------

pub(super) struct Loader {
    pub(super) file: Arc<Source>,
    pub(super) file_text: Arc<String>,
    pub(super) path: String,
    /// The model file's directory: data and equation files are relative to it.
    pub(super) base: PathBuf,
    pub(super) errors: Vec<Diagnostic>,
    /// Names used so far: name -> (what, where).
    pub(super) names: HashMap<String, (String, Span)>,
    /// `[constants]`, once read: morphologies are evaluated at load time with them.
    pub(super) constants: Vec<ConstantSpec>,
}

impl Loader {
    // ---- errors ---------------------------------------------------------------------

    pub(super) fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.errors.push(Diagnostic::at(code, &self.file, span, msg));
    }

    pub(super) fn err_help(&mut self, code: &'static str, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(code, &self.file, span, msg).with_help(help));
    }

    /// `what` (quoted by the caller: "'events'", "'rate' monitors") is in the
    /// contract but not implemented yet.
    pub(super) fn unsupported(&mut self, span: Span, w: &str, what: &str) {
        self.errors.push(
            Diagnostic::at(
                "not-supported",
                &self.file,
                span,
                format!("{}{what} is not supported yet by spikejit", prefix(w)),
            )
            .with_label("not supported yet"),
        );
    }

    // ---- shape helpers --------------------------------------------------------------

    /// `n` must be a table whose keys are all in `allowed`, with every key of `required`.
    pub(super) fn table<'a>(
        &mut self,
        n: &'a Node,
        w: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'a [Entry]> {
        let V::Table(es) = &n.v else {
            self.err(
                "wrong-type",
                n.span,
                format!("{}expected a table, got {}", prefix(w), got(n)),
            );
            return None;
        };
        for e in es {
            if !allowed.contains(&e.key.as_str()) {
                let help = match crate::model::scope::suggest(&e.key, allowed.iter().copied()) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => format!(
                        "the keys of {} are: {}",
                        if w.is_empty() { "a model file" } else { w },
                        allowed.join(", ")
                    ),
                };
                self.errors.push(
                    Diagnostic::at(
                        "unknown-key",
                        &self.file,
                        e.span,
                        format!("{}unknown key '{}'", prefix(w), e.key),
                    )
                    .with_label("unknown key")
                    .with_help(help),
                );
            }
        }
        for r in required {
            if get(es, r).is_none() {
                self.err("missing-key", n.span, format!("{}missing key '{r}'", prefix(w)));
            }
        }
        Some(es)
    }

    /// The value of `key` converted by `f`; an error naming the key when it has the wrong type.
    pub(super) fn typed<T>(
        &mut self,
        es: &[Entry],
        key: &str,
        w: &str,
        what: &str,
        f: impl Fn(&Node) -> Option<T>,
    ) -> Option<T> {
        let e = get(es, key)?;
        let r = f(&e.node);
        if r.is_none() {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{}: expected {what}, got {}", dotted(w, key), got(&e.node)),
            );
        }
        r
    }

    pub(super) fn opt_str(&mut self, es: &[Entry], key: &str, w: &str, what: &str) -> Option<Str> {
        self.typed(es, key, w, what, as_str)
    }

    pub(super) fn count(&mut self, es: &[Entry], key: &str, w: &str, least: i64) -> Option<CountSpec> {
        let what = if least >= 1 { POSITIVE_COUNT } else { NON_NEGATIVE_COUNT };
        if let Some(e) = get(es, key)
            && let V::Int(i) = e.node.v
            && i < least
        {
            let must = if least == 1 {
                "at least 1".to_string()
            } else if least == 0 {
                "non-negative".to_string()
            } else {
                format!("at least {least}")
            };
            self.err_help(
                "bad-value",
                e.node.span,
                format!("{}: must be {must}, got {i}", dotted(w, key)),
                if key == "N" && least >= 1 {
                    "a group needs at least one element"
                } else {
                    "a count cannot be negative"
                },
            );
            return None;
        }
        self.typed(es, key, w, what, |n| match &n.v {
            V::Int(i) if *i >= least => Some(CountSpec::Int(*i, n.span)),
            V::Str(s) if !s.text.trim().is_empty() => Some(CountSpec::Expr(s.clone())),
            _ => None,
        })
    }

    /// The object's `name`: an identifier not used before.
    pub(super) fn name(&mut self, es: &[Entry], w: &str, what: &str) -> Option<String> {
        let e = get(es, "name")?;
        let Some(s) = as_str(&e.node).filter(|s| is_ident(&s.text)) else {
            self.err(
                "bad-name",
                e.node.span,
                format!("{w}.name: expected an identifier, got {}", got(&e.node)),
            );
            return None;
        };
        self.claim(&s.text, e.node.span, what)?;
        Some(s.text)
    }

    fn claim(&mut self, name: &str, span: Span, what: &str) -> Option<()> {
        if let Some((other, at)) = self.names.get(name).cloned() {
            self.errors.push(
                Diagnostic::at(
                    "duplicate-name",
                    &self.file,
                    span,
                    format!("the name '{name}' is already used by {other}"),
                )
                .with_label("used again here")
                .with_note(Some(self.file.clone()), at, "first used here")
                .with_help(
                    "names of constants, groups, subgroups, synapses and monitors must be unique in a model file",
                ),
            );
            return None;
        }
        self.names.insert(name.to_string(), (format!("{what} '{name}'"), span));
        Some(())
    }

    /// "neurons 'P'" when the table has a usable name, else "neurons[0]".
    pub(super) fn where_of(item: &Node, section: &str, k: usize) -> String {
        let es = match &item.v {
            V::Table(es) => Some(es.as_slice()),
            _ => None,
        };
        match es.and_then(|es| get(es, "name")).and_then(|e| as_str(&e.node)) {
            Some(s) if is_ident(&s.text) => format!("{section} '{}'", s.text),
            _ => format!("{section}[{k}]"),
        }
    }

    /// The keys neuron groups and synapses share, read in this order: `init`,
    /// their schedule (`dt`, `when`, `order`) and `run_regularly`.
    pub(super) fn init_schedule_run_regularly(
        &mut self,
        es: &[Entry],
        w: &str,
    ) -> (Vec<InitSpec>, ScheduleSpec, Vec<RunRegularlySpec>) {
        let init = get(es, "init")
            .map(|e| self.init(&e.node, &format!("{w}.init")))
            .unwrap_or_default();
        let schedule = self.schedule(es, w);
        let run_regularly = self.run_regularly(es, w);
        (init, schedule, run_regularly)
    }

    /// `links = { v = "G.v", y = { to = "G.x", index = [1, 0] }, x = { to = "G.x", index = "k" } }`.
    pub(super) fn links(&mut self, es: &[Entry], w: &str) -> Vec<LinkSpec> {
        let Some(e) = get(es, "links") else { return Vec::new() };
        let w = format!("{w}.links");
        let V::Table(entries) = &e.node.v else {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{w}: expected a table of links (`v = \"G.v\"`), got {}", got(&e.node)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for le in entries {
            let lw = format!("{w}.{}", le.key);
            let (to, index) = match &le.node.v {
                V::Str(s) => (Some(s.clone()), None),
                V::Table(_) => {
                    let Some(ts) = self.table(&le.node, &lw, LINK_KEYS, &["to"]) else {
                        continue;
                    };
                    let to = self.opt_str(ts, "to", &lw, "a string \"GROUP.VAR\"");
                    let index = self.typed(
                        ts,
                        "index",
                        &lw,
                        "a list of non-negative integers or an integer variable's name",
                        |n| match &n.v {
                            V::Str(s) => Some(LinkIndexSpec::Var(s.clone())),
                            _ => as_int_list(n)
                                .filter(|v| v.iter().all(|&k| k >= 0))
                                .map(|v| LinkIndexSpec::List(v, n.span)),
                        },
                    );
                    (to, index)
                }
                _ => {
                    self.err(
                        "wrong-type",
                        le.node.span,
                        format!(
                            "{lw}: expected a string \"GROUP.VAR\" or a table with 'to' (and 'index'), got {}",
                            got(&le.node)
                        ),
                    );
                    continue;
                }
            };
            if let Some(to) = to {
                out.push(LinkSpec {
                    var: le.key.clone(),
                    var_span: le.span,
                    to,
                    index,
                    context: lw,
                });
            }
        }
        out
    }

    pub(super) fn schedule(&mut self, es: &[Entry], w: &str) -> ScheduleSpec {
        let dt = self.opt_str(es, "dt", w, "a string such as \"0.1*ms\"");
        let when = self.typed(es, "when", w, &format!("a schedule slot ({})", slots()), |n| {
            as_str(n).filter(|s| is_slot(&s.text)).map(|s| (s.text, n.span))
        });
        let order = self.typed(es, "order", w, "an integer", |n| as_int(n).map(|i| (i, n.span)));
        let clock = self.opt_str(es, "clock", w, "the name of a clock of [clocks]");
        if let (Some(_), Some(c)) = (&dt, &clock) {
            self.err_help(
                "dt-and-clock",
                c.span,
                format!("{}give either 'dt' or 'clock', not both", prefix(w)),
                "'dt' gives the object a clock of its own; 'clock' names a clock of [clocks] it shares",
            );
        }
        ScheduleSpec { dt, when, order, clock }
    }

    /// `namespace`, `dtype` and `method_options` of neurons or synapses.
    pub(super) fn object_settings(&mut self, es: &[Entry], w: &str) -> ObjectSettings {
        let mut out = ObjectSettings::default();
        if let Some(e) = get(es, "namespace") {
            match &e.node.v {
                V::Table(ns) => out.namespace = self.constant_entries(ns, &format!("{w}.namespace"), false),
                _ => self.err(
                    "wrong-type",
                    e.node.span,
                    format!(
                        "{w}.namespace: expected a table of names and values, got {}",
                        got(&e.node)
                    ),
                ),
            }
        }
        const DTYPES: &str = "\"float64\" or \"float32\"";
        let is_dtype = |n: &Node| as_str(n).filter(|s| s.text == "float64" || s.text == "float32");
        if let Some(e) = get(es, "dtype") {
            match &e.node.v {
                V::Str(_) => {
                    if let Some(s) = is_dtype(&e.node) {
                        out.dtype.push(("*".to_string(), s.text, e.node.span));
                    } else {
                        self.err(
                            "bad-value",
                            e.node.span,
                            format!("{w}.dtype: expected {DTYPES}, or a table of them per variable"),
                        );
                    }
                }
                V::Table(vars) => {
                    for v in vars {
                        match is_dtype(&v.node) {
                            Some(s) => out.dtype.push((v.key.clone(), s.text, v.node.span)),
                            None => self.err(
                                "bad-value",
                                v.node.span,
                                format!("{w}.dtype.{}: expected {DTYPES}, got {}", v.key, got(&v.node)),
                            ),
                        }
                    }
                }
                _ => self.err(
                    "wrong-type",
                    e.node.span,
                    format!(
                        "{w}.dtype: expected {DTYPES}, or a table of them per variable, got {}",
                        got(&e.node)
                    ),
                ),
            }
        }
        if let Some(e) = get(es, "method_options") {
            match &e.node.v {
                V::Table(opts) => {
                    for o in opts {
                        match as_bool(&o.node) {
                            Some(b) => out.method_options.push((o.key.clone(), b, o.span)),
                            None => self.err(
                                "wrong-type",
                                o.node.span,
                                format!("{w}.method_options.{}: expected a boolean, got {}", o.key, got(&o.node)),
                            ),
                        }
                    }
                }
                _ => self.err(
                    "wrong-type",
                    e.node.span,
                    format!("{w}.method_options: expected a table of options, got {}", got(&e.node)),
                ),
            }
        }
        out
    }

    /// `[clocks]`: each entry a table with `dt`.
    pub(super) fn clocks(&mut self, n: Option<&Node>) -> Vec<ClockSpec> {
        let mut out = Vec::new();
        let Some(V::Table(es)) = n.map(|n| &n.v) else {
            return out;
        };
        for e in es {
            let w = format!("clocks.{}", e.key);
            if !is_ident(&e.key) {
                self.err("bad-name", e.span, format!("clocks: '{}' is not an identifier", e.key));
                continue;
            }
            if e.key == "defaultclock" {
                self.err_help(
                    "bad-name",
                    e.span,
                    "clocks: 'defaultclock' is the default clock, set by simulation.dt",
                    "choose another name, or set `dt` in [simulation]",
                );
                continue;
            }
            let Some(ces) = self.table(&e.node, &w, CLOCK_KEYS, &["dt"]) else {
                continue;
            };
            let dt = self.opt_str(ces, "dt", &w, "a string such as \"1*ms\"");
            if self.claim(&e.key, e.span, "the clock").is_none() {
                continue;
            }
            if let Some(dt) = dt {
                out.push(ClockSpec {
                    name: e.key.clone(),
                    span: e.span,
                    dt,
                });
            }
        }
        out
    }

    pub(super) fn items(n: Option<&Node>) -> &[Node] {
        match n.map(|n| &n.v) {
            Some(V::Array(items)) => items,
            _ => &[],
        }
    }

    /// Each of `items` checked as a table (its keys in `allowed`, every key of
    /// `required`), then read by `read` with where it is (`w(item, k)`, for
    /// messages) and its entries, in order; what `read` gives is kept. An item
    /// that is not such a table is left out (its errors kept).
    pub(super) fn tables<T>(
        &mut self,
        items: &[Node],
        w: impl Fn(&Node, usize) -> String,
        allowed: &[&str],
        required: &[&str],
        mut read: impl FnMut(&mut Self, String, &Node, &[Entry]) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let w = w(item, k);
            if let Some(es) = self.table(item, &w, allowed, required) {
                out.extend(read(self, w, item, es));
            }
        }
        out
    }

    /// The tables of an array-of-tables section (`[[neurons]]`), as
    /// [`Loader::tables`], each where [`Loader::where_of`] says.
    pub(super) fn section<T>(
        &mut self,
        n: Option<&Node>,
        section: &str,
        allowed: &[&str],
        required: &[&str],
        read: impl FnMut(&mut Self, String, &Node, &[Entry]) -> Option<T>,
    ) -> Vec<T> {
        let w = |item: &Node, k: usize| Self::where_of(item, section, k);
        self.tables(Self::items(n), w, allowed, required, read)
    }

    /// The tables of the list `key` of a table (`run_regularly`, `connect`),
    /// as [`Loader::tables`], each at `w.key[m]`; an error when it is not a list.
    pub(super) fn list_of_tables<T>(
        &mut self,
        es: &[Entry],
        key: &str,
        w: &str,
        allowed: &[&str],
        required: &[&str],
        read: impl FnMut(&mut Self, String, &Node, &[Entry]) -> Option<T>,
    ) -> Vec<T> {
        let Some(e) = get(es, key) else { return Vec::new() };
        let V::Array(items) = &e.node.v else {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{w}.{key}: expected a list of tables, got {}", got(&e.node)),
            );
            return Vec::new();
        };
        self.tables(items, |_, m| format!("{w}.{key}[{m}]"), allowed, required, read)
    }

    /// Which variant of a table its key `key` names (a monitor's `kind`, a
    /// protocol step's `op`), one of `variants` (each with the keys it allows;
    /// `expected` lists them for the error about another value), and whether
    /// every key of the table applies to it (each that does not is an error,
    /// as `not_allowed(key, variant)` words it).
    pub(super) fn variant(
        &mut self,
        es: &[Entry],
        key: &str,
        w: &str,
        variants: &[(&str, &[&str])],
        expected: &str,
        not_allowed: impl Fn(&str, &str) -> String,
    ) -> Option<(String, bool)> {
        let e = get(es, key)?;
        let name = as_str(&e.node).map(|s| s.text).unwrap_or_default();
        let Some(&(_, keys)) = variants.iter().find(|v| v.0 == name) else {
            self.err(
                "bad-value",
                e.node.span,
                format!("{w}.{key}: expected one of {expected}, got {}", got(&e.node)),
            );
            return None;
        };
        let mut ok = true;
        for e in es {
            if !keys.contains(&e.key.as_str()) {
                self.err("unknown-key", e.span, not_allowed(&e.key, &name));
                ok = false;
            }
        }
        Some((name, ok))
    }

    // ---- init -----------------------------------------------------------------------

    pub(super) fn init(&mut self, n: &Node, w: &str) -> Vec<InitSpec> {
        match &n.v {
            V::Table(_) => {
                let mut out = Vec::new();
                self.init_table(n, "", w, &mut out);
                out
            }
            V::Array(items) => self.tables(
                items,
                |_, k| format!("{w}[{k}]"),
                INIT_KEYS,
                &["var", "value"],
                |l, iw, e, es| {
                    let var = l.opt_str(es, "var", &iw, "a string");
                    let index = l.typed(
                        es,
                        "index",
                        &iw,
                        "a condition string or a synapse view ([i, j], [\"0:3\", \":\"], [i, j, k])",
                        as_index,
                    );
                    let section = l.opt_str(es, "section", &iw, "a location string such as \"axon[0*um:30*um]\"");
                    let value_e = get(es, "value");
                    let value = value_e.and_then(|v| l.value(&v.node, &iw));
                    let (Some(var), Some(value), Some(value_e)) = (var, value, value_e) else {
                        return None;
                    };
                    Some(InitSpec {
                        var_span: var.inner_span(),
                        value_span: value_span(&value_e.node),
                        var: var.text,
                        value,
                        index,
                        context: iw,
                        span: e.span,
                        section,
                    })
                },
            ),
            _ => {
                self.err(
                    "wrong-type",
                    n.span,
                    format!("{w}: expected a table or a list of tables, got {}", got(n)),
                );
                Vec::new()
            }
        }
    }

    fn init_table(&mut self, n: &Node, prefix: &str, w: &str, out: &mut Vec<InitSpec>) {
        let V::Table(es) = &n.v else { return };
        for e in es {
            let var = format!("{prefix}{}", e.key);
            if let V::Table(inner) = &e.node.v
                && get(inner, "file").is_none()
            {
                // a dotted key written without quotes: pre_b.delay = ...
                // (a table with `file` is a value: `v = { file = "v0.npy" }`)
                self.init_table(&e.node, &format!("{var}."), w, out);
                continue;
            }
            let iw = format!("{w}.{var}");
            if let Some(value) = self.value(&e.node, &iw) {
                out.push(InitSpec {
                    var,
                    value,
                    index: None,
                    context: iw,
                    span: e.span,
                    var_span: e.span,
                    value_span: value_span(&e.node),
                    section: None,
                });
            }
        }
    }

    pub(super) fn value(&mut self, n: &Node, w: &str) -> Option<ValueSpec> {
        if matches!(n.v, V::Table(_)) {
            return self.data_values(n, w, &VALUES).map(|d| ValueSpec::Data(Box::new(d)));
        }
        let v = as_value(n);
        if v.is_none() {
            self.err(
                "wrong-type",
                n.span,
                format!(
                    "{w}: expected a string expression, a number, a list of numbers or a {{ file = \"...\" }} table, got {}",
                    got(n)
                ),
            );
        }
        v
    }

    // ---- sections -------------------------------------------------------------------

    pub(super) fn model(&mut self, root: &Node) -> LoadedModel {
        let mut sections: HashMap<&str, &Node> = HashMap::new();
        if let Some(es) = self.table(root, "", &SECTIONS.map(|s| s.0), &[]) {
            for e in es {
                let Some(&(name, is_table)) = SECTIONS.iter().find(|s| s.0 == e.key) else {
                    continue;
                };
                let ok = matches!((&e.node.v, is_table), (V::Table(_), true) | (V::Array(_), false));
                if !ok {
                    let shape = if is_table {
                        format!("a table [{name}]")
                    } else {
                        format!("an array of tables [[{name}]]")
                    };
                    self.err(
                        "wrong-type",
                        e.span,
                        format!("'{name}': expected {shape}, got {}", got(&e.node)),
                    );
                    continue;
                }
                sections.insert(name, &e.node);
            }
        }
        let has_protocol = matches!(sections.get("protocol").map(|n| &n.v), Some(V::Array(a)) if !a.is_empty());
        let simulation = self.simulation(sections.get("simulation").copied(), has_protocol, root.span);
        let constants = self.constants(sections.get("constants").copied());
        self.constants = constants.clone();
        let clocks = self.clocks(sections.get("clocks").copied());
        let timed_arrays = self.timed_arrays(sections.get("timed_arrays").copied());
        let neurons = self.neurons(sections.get("neurons").copied());
        let spike_generators = self.spike_generators(sections.get("spike_generators").copied());
        let poisson = self.poisson(sections.get("poisson").copied());
        let poisson_inputs = self.poisson_inputs(sections.get("poisson_inputs").copied());
        let subgroups = self.subgroups(sections.get("subgroups").copied());
        let synapses = self.synapses(sections.get("synapses").copied());
        let monitors = self.monitors(sections.get("monitors").copied());
        let protocol = self.protocol(sections.get("protocol").copied());
        LoadedModel {
            path: self.path.clone(),
            file: self.file.clone(),
            simulation,
            constants,
            timed_arrays,
            neurons,
            spike_generators,
            poisson,
            poisson_inputs,
            subgroups,
            synapses,
            monitors,
            protocol: if has_protocol { Some(protocol) } else { None },
            clocks,
        }
    }

    pub(super) fn simulation(&mut self, n: Option<&Node>, has_protocol: bool, root_span: Span) -> SimulationSpec {
        let mut sim = SimulationSpec::default();
        let span = n.map(|n| n.span).unwrap_or(root_span);
        let es = match n {
            Some(n) => self.table(n, "simulation", SIMULATION_KEYS, &[]).unwrap_or(&[]),
            None => &[],
        };
        sim.dt = self.opt_str(es, "dt", "simulation", "a string such as \"0.1*ms\"");
        sim.duration = self.opt_str(es, "duration", "simulation", "a string such as \"1*second\"");
        sim.seed = self.typed(es, "seed", "simulation", "an integer", |n| {
            as_int(n).map(|i| (i, n.span))
        });
        let dtype = self.typed(es, "dtype", "simulation", "\"float64\" or \"float32\"", |n| {
            as_str(n).filter(|s| s.text == "float64" || s.text == "float32")
        });
        sim.float32 = dtype.is_some_and(|s| s.text == "float32");
        sim.fast_math = self
            .typed(es, "fast_math", "simulation", "a boolean", as_bool)
            .unwrap_or(false);
        sim.schedule = self.typed(
            es,
            "schedule",
            "simulation",
            "a non-empty list of schedule slot names",
            |n| match &n.v {
                V::Array(items) if !items.is_empty() => items.iter().map(as_str).collect(),
                _ => None,
            },
        );
        if get(es, "duration").is_none() && !has_protocol {
            self.err_help(
                "missing-key",
                span,
                "simulation: missing key 'duration' (needed without a [[protocol]])",
                "add `duration = \"1*second\"` to [simulation], or give [[protocol]] steps",
            );
        }
        sim
    }

    pub(super) fn constants(&mut self, n: Option<&Node>) -> Vec<ConstantSpec> {
        match n.map(|n| &n.v) {
            Some(V::Table(es)) => self.constant_entries(es, "constants", true),
            _ => Vec::new(),
        }
    }

    /// The entries of `[constants]` (`claim`: their names are the file's)
    /// or of an object's `namespace` (`w` names the table, for messages).
    fn constant_entries(&mut self, es: &[Entry], w: &str, claim: bool) -> Vec<ConstantSpec> {
        let mut out = Vec::new();
        for e in es {
            if !is_ident(&e.key) {
                self.err("bad-name", e.span, format!("{w}: '{}' is not an identifier", e.key));
                continue;
            }
            if let Some(what) = crate::model::scope::is_reserved_builtin(&e.key) {
                self.err_help(
                    "bad-name",
                    e.span,
                    format!(
                        "{w}.{}: '{}' is {what} name and cannot be redefined as a constant",
                        e.key, e.key
                    ),
                    "choose another name (Brian2 would silently use its own)",
                );
                continue;
            }
            let value = match &e.node.v {
                V::Str(s) => Some(ConstantValue::Expr(s.clone())),
                V::Int(i) => Some(ConstantValue::Int(*i)),
                V::Float(x) => Some(ConstantValue::Number(*x)),
                V::Bool(b) => Some(ConstantValue::Number(if *b { 1.0 } else { 0.0 })),
                _ => {
                    let msg = format!(
                        "{w}.{}: expected a string expression or a number, got {}",
                        e.key,
                        got(&e.node)
                    );
                    self.err("wrong-type", e.node.span, msg);
                    None
                }
            };
            if claim && self.claim(&e.key, e.span, "the constant").is_none() {
                continue;
            }
            if let Some(value) = value {
                out.push(ConstantSpec {
                    name: e.key.clone(),
                    span: e.span,
                    value,
                });
            }
        }
        out
    }
}

// ---- the spanned tree, from toml's spanned parse (its errors are the loader's) ----

impl Loader {
    pub(super) fn table_node(&mut self, t: &DeTable<'_>, span: Span) -> Node {
        let mut entries = Vec::with_capacity(t.len());
        for (k, v) in t.iter() {
            let ks = k.span();
            entries.push(Entry {
                key: k.get_ref().to_string(),
                span: Span::new(ks.start, ks.end),
                node: self.node(v),
            });
        }
        Node {
            span,
            v: V::Table(entries),
        }
    }

    pub(super) fn node(&mut self, v: &Spanned<DeValue<'_>>) -> Node {
        let r = v.span();
        let span = Span::new(r.start, r.end);
        let v = match v.get_ref() {
            DeValue::String(s) => V::Str(self.string(s, span)),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(x) => V::Int(x),
                Err(_) => {
                    self.err("wrong-type", span, format!("the integer {i} is out of range"));
                    V::Int(0)
                }
            },
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                // `1e400` reads as infinity: a number too large, not the `inf` it never says
                Ok(x) if x.is_infinite() && !f.as_str().contains("inf") => {
                    self.err(
                        "wrong-type",
                        span,
                        format!(
                            "the number {} is out of range (the largest is about 1.8e308)",
                            f.as_str()
                        ),
                    );
                    V::Float(x)
                }
                Ok(x) => V::Float(x),
                Err(_) => {
                    self.err("wrong-type", span, format!("the number {f} is out of range"));
                    V::Float(0.0)
                }
            },
            DeValue::Boolean(b) => V::Bool(*b),
            DeValue::Datetime(_) => V::Datetime,
            DeValue::Array(a) => V::Array(a.iter().map(|x| self.node(x)).collect()),
            DeValue::Table(t) => return self.table_node(t, span),
        };
        Node { span, v }
    }

    pub(super) fn string(&self, value: &str, span: Span) -> Str {
        let offsets = match decode_toml_string(&self.file_text, span.start, span.end) {
            Some((text, offsets)) if text == value => offsets,
            // not a literal this module decodes: every byte points at the literal
            _ => vec![span.start; value.len() + 1],
        };
        let origin = Arc::new(FileOrigin {
            path: self.path.clone(),
            file_text: self.file_text.clone(),
            offsets,
        });
        Str {
            text: value.to_string(),
            span,
            origin,
        }
    }
}
