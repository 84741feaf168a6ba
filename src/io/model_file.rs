//! Model files (DESIGN.md, "Model files (the contract)"): TOML read with byte
//! spans, its shape checked exactly as the contract's executable reference
//! (`brian2-runner/spikejit_brian2.py`, `validate()`) checks it, into a typed
//! [`LoadedModel`] whose every string remembers where it is in the file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::strings::decode_toml_string;
use crate::diag::{Diagnostic, Errors, FileOrigin, Result, Source, Span};
use crate::sim::Code;

// -------------------------------------------------------------------------------------
// the typed model file
// -------------------------------------------------------------------------------------

/// A string of the model file, with its place in the file.
#[derive(Clone, Debug)]
pub struct Str {
    /// The decoded string value (TOML escapes resolved), i.e. the code or quantity as Brian2 would see it.
    pub text: String,
    /// The literal in the file, delimiters included.
    pub span: Span,
    /// Maps each byte of `text` to its byte in the file.
    pub origin: Arc<FileOrigin>,
}

impl Str {
    /// The string as model code whose errors point into the file.
    pub fn code(&self) -> Code {
        Code {
            text: self.text.clone(),
            origin: Some(self.origin.clone()),
        }
    }

    /// The file span of the string's content (without its delimiters).
    pub fn inner_span(&self) -> Span {
        let o = &self.origin.offsets;
        match (o.first(), o.last()) {
            (Some(&a), Some(&b)) if a <= b => Span::new(a, b),
            _ => self.span,
        }
    }

    /// The file span of `text[start..end]`.
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        let o = &self.origin.offsets;
        if o.is_empty() {
            return self.span;
        }
        let at = |k: usize| o[k.min(o.len() - 1)];
        Span::new(at(start), at(end.max(start)))
    }
}

/// A count (`N`, a subgroup's `start`/`stop`): an integer or a string expression of
/// constants.
#[derive(Clone, Debug)]
pub enum CountSpec {
    /// A TOML integer, with the file span of the value.
    Int(i64, Span),
    /// A string expression of constants that must evaluate to an integer (`"NE + NI"`).
    Expr(Str),
}

/// A value given to a variable (`init`, protocol `set`): numbers are SI values.
#[derive(Clone, Debug)]
pub enum ValueSpec {
    /// One number for every element, in SI units (a boolean reads as 1 or 0).
    Number(f64),
    /// One number per element, in SI units; the length must match the number of elements.
    List(Vec<f64>),
    /// A string expression evaluated per element (`"rand()*we"`, `"i*mV"`).
    Expr(Str),
}

/// Which elements an `init` or `set` step applies to.
#[derive(Clone, Debug)]
pub enum IndexSpec {
    /// A condition string (`"i > j"`).
    Where(Str),
    /// `[i, j]`: the synapses from i to j.
    Pair(i64, i64, Span),
}

/// One step of an `init` list (or one entry of an `init` table).
#[derive(Clone, Debug)]
pub struct InitSpec {
    /// The variable to set; for synapses also `delay` (the `pre` pathway) or `PATHWAY.delay`.
    pub var: String,
    /// The value: one for all, one per element, or an expression.
    pub value: ValueSpec,
    /// Which elements to set; `None` for all of them.
    pub index: Option<IndexSpec>,
    /// Where it is, for messages (`neurons 'P'.init.v`).
    pub context: String,
    /// The key (table form) or the step's table (list form), for errors about the step as a whole.
    pub span: Span,
    /// Where the variable is named: the key (table form) or `var`'s value (list form).
    pub var_span: Span,
    /// Where the value is (errors about the value, such as a list of the wrong length, point there).
    pub value_span: Span,
}

/// `[simulation]`.
#[derive(Clone, Debug, Default)]
pub struct SimulationSpec {
    /// `dt`: the default clock's step (Brian2's `defaultclock.dt`); `None` means 0.1 ms.
    pub dt: Option<Str>,
    /// `duration`: how long to run without a `[[protocol]]` (required then, ignored otherwise).
    pub duration: Option<Str>,
    /// `seed`: the seed of every random stream, with its span; `None` runs with seed 0 (and reports `null`).
    pub seed: Option<(i64, Span)>,
    /// True for `dtype = "float32"`: every floating-point variable and kernel in single precision.
    pub float32: bool,
    /// `fast_math = true`: divisions by constants compiled as multiplications
    /// by their reciprocals, as under Brian2's C++ `-ffast-math`.
    pub fast_math: bool,
}

/// A constant's value: a plain number (dimensionless) or an expression.
#[derive(Clone, Debug)]
pub enum ConstantValue {
    /// A TOML float or boolean (1.0 or 0.0): a dimensionless constant.
    Number(f64),
    /// A TOML integer: an integer constant (Brian2 keeps Python ints as ints).
    Int(i64),
    /// A string expression (a quantity such as `"20*ms"`, or an expression of earlier constants).
    Expr(Str),
}

/// One entry of `[constants]`: a name usable in every string of the file (Brian2's namespace).
#[derive(Clone, Debug)]
pub struct ConstantSpec {
    /// The constant's name (the TOML key): an identifier that is not a unit or function name.
    pub name: String,
    /// The key in the file.
    pub span: Span,
    /// The value, evaluated in file order so that it may use the constants above it.
    pub value: ConstantValue,
}

/// The optional `dt`, `when` and `order` of a group, synapses or monitor.
#[derive(Clone, Debug, Default)]
pub struct ScheduleSpec {
    /// `dt`: the object's own clock step; `None` uses the default clock (`simulation.dt`).
    pub dt: Option<Str>,
    /// `when`: the schedule slot (`start`, `groups`, `thresholds`, `synapses`, `resets`, `end`, or `before_`/`after_`
    /// one of them), with its span; `None` for the object's default slot.
    pub when: Option<(String, Span)>,
    /// `order`: the order within the slot, with its span; `None` for the default (usually 0).
    pub order: Option<(i64, Span)>,
}

/// `[[neurons]]`.
#[derive(Clone, Debug)]
pub struct NeuronSpec {
    /// The group's name, unique across the file.
    pub name: String,
    /// The group's `[[neurons]]` table in the file.
    pub span: Span,
    /// `N`: the number of neurons (at least 1).
    pub n: CountSpec,
    /// `model`: the equations (differential equations, subexpressions, parameters, with units and flags).
    pub model: Str,
    /// `threshold`: the spike condition (`"v > Vt"`); `None` means the group never spikes.
    pub threshold: Option<Str>,
    /// `reset`: statements run on each neuron that spiked.
    pub reset: Option<Str>,
    /// `refractory`: a time, a time expression per neuron, or a boolean condition.
    pub refractory: Option<Str>,
    /// `method`: the integration method (`exact`, `euler`, `rk4`, ...); `None` lets Brian2's automatic choice decide.
    pub method: Option<Str>,
    /// `init`: initial values, applied in order after the group is built.
    pub init: Vec<InitSpec>,
    /// `dt`, `when` and `order` of the group (the `when` of the state update).
    pub schedule: ScheduleSpec,
    /// `run_regularly`: code run at regular intervals on the group.
    pub run_regularly: Vec<RunRegularlySpec>,
    /// Custom events: (name, condition).
    pub events: Vec<(String, Str)>,
    /// Code run on an event: (event, code).
    pub run_on_event: Vec<(String, Str)>,
}

/// One entry of `run_regularly` (neurons and synapses).
#[derive(Clone, Debug)]
pub struct RunRegularlySpec {
    /// `code`: the statements to run.
    pub code: Str,
    /// `dt`: the interval; `None` uses the owner's clock.
    pub dt: Option<Str>,
    /// `when`: the schedule slot, with its span; `None` for `start`.
    pub when: Option<(String, Span)>,
    /// Where it is, for messages (`neurons 'G'.run_regularly[0]`).
    pub context: String,
    /// The entry's table in the file.
    pub span: Span,
}

/// The values of a timed array.
#[derive(Clone, Debug)]
pub enum TimedValues {
    /// `values[t]`.
    OneD(Vec<f64>),
    /// `values[t][i]`, rectangular.
    TwoD(Vec<Vec<f64>>),
    /// An expression drawn once per entry, `length` entries (and where `length` is).
    Expr(Str, i64, Span),
}

/// `[[timed_arrays]]`.
#[derive(Clone, Debug)]
pub struct TimedArraySpec {
    /// The name of the function that expressions call (`name(t)` or `name(t, i)`).
    pub name: String,
    /// The `[[timed_arrays]]` table in the file.
    pub span: Span,
    /// `values` (with `length` for an expression): the entries, one per `dt`.
    pub values: TimedValues,
    /// The unit of the numbers (default dimensionless).
    pub unit: Option<Str>,
    /// `dt`: the time between entries; the value at `t` is entry `floor(t/dt)` (the last one after the end).
    pub dt: Str,
}

/// `[[poisson_inputs]]`.
#[derive(Clone, Debug)]
pub struct PoissonInputSpec {
    /// The input's name.
    pub name: String,
    /// The `[[poisson_inputs]]` table in the file.
    pub span: Span,
    /// `target`: the neuron group, named subgroup or slice (`"P[80:]"`) that receives the input.
    pub target: Str,
    /// `target_var`: the variable incremented by `X*weight` each step.
    pub target_var: Str,
    /// `N`: the number of independent Poisson sources per target element.
    pub n: CountSpec,
    /// `rate`: the rate of each source (a constant quantity in hertz).
    pub rate: Str,
    /// `weight`: the increment per source spike, in the unit of `target_var`, or an expression per element.
    pub weight: Str,
}

/// A spike time: a number in seconds or a string with units.
#[derive(Clone, Debug)]
pub enum TimeSpec {
    /// A TOML number: the time in seconds, with the file span of the number.
    Seconds(f64, Span),
    /// A string with units (`"1*ms"`).
    Expr(Str),
}

/// `[[spike_generators]]`.
#[derive(Clone, Debug)]
pub struct GeneratorSpec {
    /// The group's name.
    pub name: String,
    /// The `[[spike_generators]]` table in the file.
    pub span: Span,
    /// `N`: the number of neurons of the group.
    pub n: CountSpec,
    /// `indices`: the neuron of each spike, in `[0, N)`; parallel to `times`.
    pub indices: Vec<i64>,
    /// The file span of each entry of `indices`.
    pub index_spans: Vec<Span>,
    /// `times`: the time of each spike, as many as `indices`.
    pub times: Vec<TimeSpec>,
    /// `period`: repeat all spikes with this period (a multiple of dt, after the last spike); `None` for no repetition.
    pub period: Option<Str>,
}

/// `[[poisson]]`.
#[derive(Clone, Debug)]
pub struct PoissonSpec {
    /// The group's name.
    pub name: String,
    /// The `[[poisson]]` table in the file.
    pub span: Span,
    /// `N`: the number of neurons; each spikes in a step with probability `rates*dt`.
    pub n: CountSpec,
    /// A rate or an expression per neuron (may use `i` and `t`).
    pub rates: Str,
}

/// `[[subgroups]]`.
#[derive(Clone, Debug)]
pub struct SubgroupSpec {
    /// The subgroup's name, usable wherever a group is expected.
    pub name: String,
    /// The `[[subgroups]]` table in the file.
    pub span: Span,
    /// `of`: the group (or subgroup, or slice) it is a part of.
    pub of: Str,
    /// `start`: the first index, from 0.
    pub start: CountSpec,
    /// `stop`: one past the last index (`0 <= start < stop <= size`).
    pub stop: CountSpec,
}

/// A synapses object's `delay`.
#[derive(Clone, Debug)]
pub enum DelaySpec {
    /// One delay for the `pre` pathway.
    Scalar(Str),
    /// A delay per pathway.
    PerPathway(Vec<(String, Str)>),
}

/// Connect indices `i` / `j`.
#[derive(Clone, Debug)]
pub enum IndicesSpec {
    /// One index.
    Int(i64),
    /// A list of indices; `i` and `j` lists give the pairs `(i[k], j[k])`.
    List(Vec<i64>),
    /// A generator expression such as `"k for k in range(i + 1, N_post)"` (indices of one side for each index of the
    /// other).
    Expr(Str),
}

/// Connect `p`.
#[derive(Clone, Debug)]
pub enum ProbSpec {
    /// A fixed probability for every pair, with the file span of the number.
    Number(f64, Span),
    /// An expression of `i`, `j` and pre/post variables, evaluated per pair.
    Expr(Str),
}

/// Connect `n`.
#[derive(Clone, Debug)]
pub enum NSpec {
    /// A fixed number of synapses per chosen pair, with the file span of the number.
    Int(i64, Span),
    /// An expression of `i` and `j`, evaluated per pair.
    Expr(Str),
}

/// One entry of a synapses object's `connect` list.
#[derive(Clone, Debug)]
pub struct ConnectSpec {
    /// Where it is, for messages (`synapses 'S'.connect[0]`).
    pub context: String,
    /// The entry's table in the file.
    pub span: Span,
    /// `condition`: a boolean expression of `i`, `j` and `x_pre`/`x_post`; `None` for every pair.
    pub condition: Option<Str>,
    /// `p`: the probability of each pair; `None` means 1.
    pub p: Option<ProbSpec>,
    /// `n`: synapses per chosen pair; `None` means 1.
    pub n: Option<NSpec>,
    /// `i`: presynaptic indices (a list, paired with `j`, or a generator for each `j`).
    pub i: Option<IndicesSpec>,
    /// `j`: postsynaptic indices (a list, paired with `i`, or a generator for each `i`).
    pub j: Option<IndicesSpec>,
    /// `skip_if_invalid`: drop generated indices outside the target (or clip a too large sample) instead of failing.
    pub skip_if_invalid: bool,
    /// Where each key's value is in the file (`p`, `i`, ...), and each element
    /// of a list (`i[1]`): errors about one point there.
    pub value_spans: Vec<(String, Span)>,
}

/// `[[synapses]]`.
#[derive(Clone, Debug)]
pub struct SynapsesSpec {
    /// The synapses' name.
    pub name: String,
    /// The `[[synapses]]` table in the file.
    pub span: Span,
    /// `source`: the presynaptic group, named subgroup or slice.
    pub source: Str,
    /// `target`: the postsynaptic group, named subgroup or slice.
    pub target: Str,
    /// `model`: the synaptic equations; `None` for none (synapses without variables).
    pub model: Option<Str>,
    /// Pathways run on presynaptic spikes (`pre` for a single string), in file order.
    pub on_pre: Vec<(String, Str)>,
    /// Pathways run on postsynaptic spikes (`post` for a single string).
    pub on_post: Vec<(String, Str)>,
    /// `delay`: the delay of the `pre` pathway, or one per pathway; `None` for 0.
    pub delay: Option<DelaySpec>,
    /// `method`: the integration method of clock-driven equations; `None` for the automatic choice.
    pub method: Option<Str>,
    /// `connect`: the `S.connect(...)` calls, in order; their synapses accumulate.
    pub connect: Vec<ConnectSpec>,
    /// `init`: variable settings, applied after all `connect` entries.
    pub init: Vec<InitSpec>,
    /// `dt`, `when` and `order` of the clock-driven state update.
    pub schedule: ScheduleSpec,
    /// `run_regularly`: code run at regular intervals on the synapses.
    pub run_regularly: Vec<RunRegularlySpec>,
    /// The event of each pathway that does not use `spike`: (pathway, event).
    pub on_event: Vec<(String, String)>,
    /// Where `on_event` is in the file (its string, or its table).
    pub on_event_span: Option<Span>,
    /// `multisynaptic_index`: the name of a variable that numbers the synapses of each (i, j) pair (0, 1, ...).
    pub multisynaptic_index: Option<Str>,
}

/// What a state monitor records.
#[derive(Clone, Debug)]
pub enum RecordSpec {
    /// `record = true`: every element.
    All,
    /// The recorded indices (`record = false` gives an empty list), with the span of the value.
    Indices(Vec<i64>, Span),
}

/// What kind of monitor a `[[monitors]]` table describes (its `kind`), with the keys that apply to that kind.
#[derive(Clone, Debug)]
pub enum MonitorKind {
    /// A PopulationRateMonitor (`t`, `rate`).
    Rate {
        /// The `when`/`order` the rate monitor runs at (default slot `end`); it runs on its source's clock.
        schedule: ScheduleSpec,
    },
    /// A SpikeMonitor, or an EventMonitor when `event` is not `spike`.
    Spike {
        /// `record`: false keeps only the per-neuron spike counts.
        record: bool,
        /// The event recorded: `spike`, or a custom event defined in the source's `events`.
        event: String,
        /// Where `event` is in the file (an event monitor's `event` value).
        event_span: Option<Span>,
        /// Variables recorded at each event, with their file spans.
        variables: Vec<(String, Span)>,
        /// The monitor's `when`/`order` (default slot `thresholds` for spikes, `after_thresholds` for events).
        schedule: ScheduleSpec,
    },
    /// A StateMonitor: samples variables of the recorded elements every `dt`.
    State {
        /// `variables` with the file span of each name.
        variables: Vec<(String, Span)>,
        /// `record`: which elements are sampled.
        record: RecordSpec,
        /// The sampling `dt` (default: the source's clock), `when` (default `start`) and `order`.
        schedule: ScheduleSpec,
    },
}

/// `[[monitors]]`.
#[derive(Clone, Debug)]
pub struct MonitorSpec {
    /// The monitor's name, also the name of its output file (`NAME.npz`).
    pub name: String,
    /// The `[[monitors]]` table in the file.
    pub span: Span,
    /// `source`: the recorded group, named subgroup or slice (state monitors may also record synapses).
    pub source: Str,
    /// The kind, with the keys that apply to it.
    pub kind: MonitorKind,
}

/// One `[[protocol]]` step.
#[derive(Clone, Debug)]
pub enum StepSpec {
    /// `op = "run"`: run the network for a while (runs continue one another).
    Run {
        /// `duration`: how long to run.
        duration: Str,
        /// Where it is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the file.
        span: Span,
    },
    /// `op = "set"`: set a variable of an object between runs.
    Set {
        /// `target`: the group, subgroup, slice or synapses whose variable is set.
        target: Str,
        /// `var`: the variable (for synapses also `delay`, `PATHWAY.delay`).
        var: Str,
        /// `value`: as in `init`.
        value: ValueSpec,
        /// `index`: which elements (`None` for all), as in `init`.
        index: Option<IndexSpec>,
        /// Where `value` is in the file (errors about the value point there).
        value_span: Span,
        /// Where it is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the file.
        span: Span,
    },
    /// `store` (`restore: false`) or `restore` the state under a name ("default").
    Store {
        /// `name`: the name of the stored state.
        name: String,
        /// Where `name` is in the file, when it is given.
        name_span: Option<Span>,
        /// True for `restore`, false for `store`.
        restore: bool,
        /// Where it is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the file.
        span: Span,
    },
}

/// A model file, its shape checked.
#[derive(Clone, Debug)]
pub struct LoadedModel {
    /// The file's path as given (used in messages and in `summary.json`).
    pub path: String,
    /// The whole file as a source (for errors about keys and values).
    pub file: Arc<Source>,
    /// `[simulation]`: clock, duration, seed and precision.
    pub simulation: SimulationSpec,
    /// `[constants]`, in file order.
    pub constants: Vec<ConstantSpec>,
    /// `[[timed_arrays]]`, in file order.
    pub timed_arrays: Vec<TimedArraySpec>,
    /// `[[neurons]]`, in file order.
    pub neurons: Vec<NeuronSpec>,
    /// `[[spike_generators]]`, in file order.
    pub spike_generators: Vec<GeneratorSpec>,
    /// `[[poisson]]` groups, in file order.
    pub poisson: Vec<PoissonSpec>,
    /// `[[poisson_inputs]]`, in file order.
    pub poisson_inputs: Vec<PoissonInputSpec>,
    /// `[[subgroups]]`, in file order.
    pub subgroups: Vec<SubgroupSpec>,
    /// `[[synapses]]`, in file order.
    pub synapses: Vec<SynapsesSpec>,
    /// `[[monitors]]`, in file order.
    pub monitors: Vec<MonitorSpec>,
    /// `None` without a (non-empty) `[[protocol]]`: one run of `simulation.duration`.
    pub protocol: Option<Vec<StepSpec>>,
}

/// Reads and checks a model file.
pub fn load_model(path: impl AsRef<Path>) -> Result<LoadedModel> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Errors::one(Diagnostic::new("io", format!("cannot read '{name}': {e}")).with_context(name.clone()))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Errors::one(
            Diagnostic::new(
                "io",
                format!(
                    "'{name}' is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_context(name.clone()),
        )
    })?;
    parse_model(&name, text)
}

/// Checks a model file given as text (`path` names it in messages).
pub fn parse_model(path: &str, text: String) -> Result<LoadedModel> {
    let file_text = Arc::new(text);
    let file = Arc::new(Source {
        name: path.to_string(),
        text: (*file_text).clone(),
        origin: None,
    });
    let root = match DeTable::parse(&file_text) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().map(|r| Span::new(r.start, r.end)).unwrap_or_default();
            let msg = e.message().trim().to_string();
            return Err(Errors::one(
                Diagnostic::at("toml", &file, span, format!("invalid TOML: {msg}")).with_label(msg.clone()),
            ));
        }
    };
    let mut l = Loader {
        file,
        file_text: file_text.clone(),
        path: path.to_string(),
        errors: Vec::new(),
        names: HashMap::new(),
    };
    let span = root.span();
    let root = l.table_node(root.get_ref(), Span::new(span.start, span.end));
    let model = l.model(&root);
    if l.errors.is_empty() {
        Ok(model)
    } else {
        Err(Errors(l.errors))
    }
}

// -------------------------------------------------------------------------------------
// the spanned tree
// -------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Node {
    span: Span,
    v: V,
}

#[derive(Clone, Debug)]
enum V {
    Str(Str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    span: Span,
    node: Node,
}

fn tname(n: &Node) -> &'static str {
    match n.v {
        V::Str(_) => "a string",
        V::Int(_) => "an integer",
        V::Float(_) => "a number",
        V::Bool(_) => "a boolean",
        V::Datetime => "a date-time",
        V::Array(_) => "a list",
        V::Table(_) => "a table",
    }
}

/// "a string \"abc\"", "an integer 3", "a list", as the reference words it.
fn got(n: &Node) -> String {
    match &n.v {
        V::Str(s) => format!("a string {:?}", s.text),
        V::Int(i) => format!("an integer {i}"),
        V::Float(x) => format!("a number {}", crate::units::py_float_repr(*x)),
        V::Bool(b) => format!("a boolean {b}"),
        _ => tname(n).to_string(),
    }
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn get<'a>(es: &'a [Entry], key: &str) -> Option<&'a Entry> {
    es.iter().find(|e| e.key == key)
}

fn dotted(w: &str, key: &str) -> String {
    if w.is_empty() {
        key.to_string()
    } else {
        format!("{w}.{key}")
    }
}

fn prefix(w: &str) -> String {
    if w.is_empty() { String::new() } else { format!("{w}: ") }
}

fn as_str(n: &Node) -> Option<Str> {
    match &n.v {
        V::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn as_int(n: &Node) -> Option<i64> {
    match n.v {
        V::Int(i) => Some(i),
        _ => None,
    }
}

fn as_num(n: &Node) -> Option<f64> {
    match n.v {
        V::Int(i) => Some(i as f64),
        V::Float(x) => Some(x),
        _ => None,
    }
}

fn as_int_list(n: &Node) -> Option<Vec<i64>> {
    match &n.v {
        V::Array(items) => items.iter().map(as_int).collect(),
        _ => None,
    }
}

/// An init / set value: a string expression, a number or boolean, or a flat list of them.
fn as_value(n: &Node) -> Option<ValueSpec> {
    let scalar = |n: &Node| match n.v {
        V::Int(i) => Some(i as f64),
        V::Float(x) => Some(x),
        V::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => None,
    };
    match &n.v {
        V::Str(s) => Some(ValueSpec::Expr(s.clone())),
        V::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<f64>>>()
            .map(ValueSpec::List),
        _ => scalar(n).map(ValueSpec::Number),
    }
}

/// Where a value is: a string's content, or the value as written.
fn value_span(n: &Node) -> Span {
    match &n.v {
        V::Str(s) => s.inner_span(),
        _ => n.span,
    }
}

fn as_index(n: &Node) -> Option<IndexSpec> {
    match &n.v {
        V::Str(s) => Some(IndexSpec::Where(s.clone())),
        V::Array(items) if items.len() == 2 => Some(IndexSpec::Pair(as_int(&items[0])?, as_int(&items[1])?, n.span)),
        _ => None,
    }
}

fn as_str_table(n: &Node) -> Option<Vec<(String, Str)>> {
    match &n.v {
        V::Table(es) => es.iter().map(|e| as_str(&e.node).map(|s| (e.key.clone(), s))).collect(),
        _ => None,
    }
}

/// A non-empty list of numbers, or a non-empty rectangular list of non-empty lists of numbers.
fn timed_values(n: &Node) -> Option<TimedValues> {
    let V::Array(items) = &n.v else { return None };
    if items.is_empty() {
        return None;
    }
    if let Some(v) = items.iter().map(as_num).collect::<Option<Vec<f64>>>() {
        return Some(TimedValues::OneD(v));
    }
    let rows = items
        .iter()
        .map(|r| match &r.v {
            V::Array(xs) if !xs.is_empty() => xs.iter().map(as_num).collect::<Option<Vec<f64>>>(),
            _ => None,
        })
        .collect::<Option<Vec<Vec<f64>>>>()?;
    let cols = rows[0].len();
    rows.iter().all(|r| r.len() == cols).then_some(TimedValues::TwoD(rows))
}

fn is_slot(s: &str) -> bool {
    crate::sim::slot_rank(s).is_some()
}

fn slots() -> String {
    crate::sim::SLOTS
        .iter()
        .map(|s| format!("before_{s}, {s}, after_{s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// -------------------------------------------------------------------------------------
// the contract's keys (spikejit_brian2.py)
// -------------------------------------------------------------------------------------

const SECTIONS: [(&str, bool); 11] = [
    ("simulation", true),
    ("constants", true),
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
const SIMULATION_KEYS: &[&str] = &["dt", "duration", "seed", "dtype", "fast_math"];
const NEURON_KEYS: &[&str] = &[
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
];
const SUBGROUP_KEYS: &[&str] = &["name", "of", "start", "stop"];
const SYNAPSE_KEYS: &[&str] = &[
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
    "connect",
    "init",
    "run_regularly",
    "dt",
    "when",
    "order",
];
const CONNECT_KEYS: &[&str] = &["condition", "p", "n", "i", "j", "skip_if_invalid"];
const INIT_KEYS: &[&str] = &["var", "value", "index"];
const RUN_REGULARLY_KEYS: &[&str] = &["code", "dt", "when"];
const MONITOR_KINDS: [(&str, &[&str]); 4] = [
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
        &["name", "kind", "source", "variables", "record", "dt", "when", "order"],
    ),
    ("rate", &["name", "kind", "source", "when", "order"]),
];
const MONITOR_KEYS: &[&str] = &[
    "name",
    "kind",
    "source",
    "variables",
    "record",
    "dt",
    "when",
    "order",
    "event",
];
const PROTOCOL_OPS: [(&str, &[&str]); 4] = [
    ("run", &["op", "duration"]),
    ("store", &["op", "name"]),
    ("restore", &["op", "name"]),
    ("set", &["op", "target", "var", "value", "index"]),
];
const PROTOCOL_KEYS: &[&str] = &["op", "duration", "name", "target", "var", "value", "index"];
const TIMED_ARRAY_KEYS: &[&str] = &["name", "values", "length", "unit", "dt"];
const GENERATOR_KEYS: &[&str] = &["name", "N", "indices", "times", "period"];
const POISSON_KEYS: &[&str] = &["name", "N", "rates"];
const POISSON_INPUT_KEYS: &[&str] = &["name", "target", "target_var", "N", "rate", "weight"];

const POSITIVE_COUNT: &str = "a positive integer or a string expression of constants";
const NON_NEGATIVE_COUNT: &str = "a non-negative integer or a string expression of constants";

// -------------------------------------------------------------------------------------
// the loader
// -------------------------------------------------------------------------------------

struct Loader {
    file: Arc<Source>,
    file_text: Arc<String>,
    path: String,
    errors: Vec<Diagnostic>,
    /// Names used so far: name -> (what, where).
    names: HashMap<String, (String, Span)>,
}

impl Loader {
    // ---- the tree -------------------------------------------------------------------

    fn table_node(&mut self, t: &DeTable<'_>, span: Span) -> Node {
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

    fn node(&mut self, v: &Spanned<DeValue<'_>>) -> Node {
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

    fn string(&self, value: &str, span: Span) -> Str {
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

    // ---- errors ---------------------------------------------------------------------

    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.errors.push(Diagnostic::at(code, &self.file, span, msg));
    }

    fn err_help(&mut self, code: &'static str, span: Span, msg: impl Into<String>, help: impl Into<String>) {
        self.errors
            .push(Diagnostic::at(code, &self.file, span, msg).with_help(help));
    }

    /// `what` (quoted by the caller: "'events'", "'rate' monitors") is in the
    /// contract but not implemented yet.
    fn unsupported(&mut self, span: Span, w: &str, what: &str) {
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
    fn table<'a>(&mut self, n: &'a Node, w: &str, allowed: &[&str], required: &[&str]) -> Option<&'a [Entry]> {
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
    fn typed<T>(&mut self, es: &[Entry], key: &str, w: &str, what: &str, f: impl Fn(&Node) -> Option<T>) -> Option<T> {
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

    fn opt_str(&mut self, es: &[Entry], key: &str, w: &str, what: &str) -> Option<Str> {
        self.typed(es, key, w, what, as_str)
    }

    fn count(&mut self, es: &[Entry], key: &str, w: &str, least: i64) -> Option<CountSpec> {
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
    fn name(&mut self, es: &[Entry], w: &str, what: &str) -> Option<String> {
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
    fn where_of(item: &Node, section: &str, k: usize) -> String {
        let es = match &item.v {
            V::Table(es) => Some(es.as_slice()),
            _ => None,
        };
        match es.and_then(|es| get(es, "name")).and_then(|e| as_str(&e.node)) {
            Some(s) if is_ident(&s.text) => format!("{section} '{}'", s.text),
            _ => format!("{section}[{k}]"),
        }
    }

    fn schedule(&mut self, es: &[Entry], w: &str) -> ScheduleSpec {
        let dt = self.opt_str(es, "dt", w, "a string such as \"0.1*ms\"");
        let when = self.typed(es, "when", w, &format!("a schedule slot ({})", slots()), |n| {
            as_str(n).filter(|s| is_slot(&s.text)).map(|s| (s.text, n.span))
        });
        let order = self.typed(es, "order", w, "an integer", |n| as_int(n).map(|i| (i, n.span)));
        ScheduleSpec { dt, when, order }
    }

    fn items(n: Option<&Node>) -> &[Node] {
        match n.map(|n| &n.v) {
            Some(V::Array(items)) => items,
            _ => &[],
        }
    }

    // ---- init -----------------------------------------------------------------------

    fn init(&mut self, n: &Node, w: &str) -> Vec<InitSpec> {
        let mut out = Vec::new();
        match &n.v {
            V::Table(_) => self.init_table(n, "", w, &mut out),
            V::Array(items) => {
                for (k, e) in items.iter().enumerate() {
                    let iw = format!("{w}[{k}]");
                    let Some(es) = self.table(e, &iw, INIT_KEYS, &["var", "value"]) else {
                        continue;
                    };
                    let var = self.opt_str(es, "var", &iw, "a string");
                    let index = self.typed(es, "index", &iw, "a condition string or an [i, j] pair", as_index);
                    let value_e = get(es, "value");
                    let value = value_e.and_then(|v| self.value(&v.node, &iw));
                    if let (Some(var), Some(value), Some(value_e)) = (var, value, value_e) {
                        out.push(InitSpec {
                            var_span: var.inner_span(),
                            value_span: value_span(&value_e.node),
                            var: var.text,
                            value,
                            index,
                            context: iw,
                            span: e.span,
                        });
                    }
                }
            }
            _ => self.err(
                "wrong-type",
                n.span,
                format!("{w}: expected a table or a list of tables, got {}", got(n)),
            ),
        }
        out
    }

    fn init_table(&mut self, n: &Node, prefix: &str, w: &str, out: &mut Vec<InitSpec>) {
        let V::Table(es) = &n.v else { return };
        for e in es {
            let var = format!("{prefix}{}", e.key);
            if matches!(e.node.v, V::Table(_)) {
                // a dotted key written without quotes: pre_b.delay = ...
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
                });
            }
        }
    }

    fn value(&mut self, n: &Node, w: &str) -> Option<ValueSpec> {
        let v = as_value(n);
        if v.is_none() {
            self.err(
                "wrong-type",
                n.span,
                format!(
                    "{w}: expected a string expression, a number or a list of numbers, got {}",
                    got(n)
                ),
            );
        }
        v
    }

    // ---- sections -------------------------------------------------------------------

    fn model(&mut self, root: &Node) -> LoadedModel {
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
        }
    }

    fn simulation(&mut self, n: Option<&Node>, has_protocol: bool, root_span: Span) -> SimulationSpec {
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
            .typed(es, "fast_math", "simulation", "a boolean", |n| match n.v {
                V::Bool(b) => Some(b),
                _ => None,
            })
            .unwrap_or(false);
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

    fn constants(&mut self, n: Option<&Node>) -> Vec<ConstantSpec> {
        let mut out = Vec::new();
        let Some(V::Table(es)) = n.map(|n| &n.v) else {
            return out;
        };
        for e in es {
            if !is_ident(&e.key) {
                self.err(
                    "bad-name",
                    e.span,
                    format!("constants: '{}' is not an identifier", e.key),
                );
                continue;
            }
            if let Some(what) = crate::model::scope::is_reserved_builtin(&e.key) {
                self.err_help(
                    "bad-name",
                    e.span,
                    format!(
                        "constants.{}: '{}' is {what} name and cannot be redefined as a constant",
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
                        "constants.{}: expected a string expression or a number, got {}",
                        e.key,
                        got(&e.node)
                    );
                    self.err("wrong-type", e.node.span, msg);
                    None
                }
            };
            if self.claim(&e.key, e.span, "the constant").is_none() {
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

    fn neurons(&mut self, n: Option<&Node>) -> Vec<NeuronSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "neurons", k);
            let Some(es) = self.table(item, &w, NEURON_KEYS, &["name", "N", "model"]) else {
                continue;
            };
            let name = self.name(es, &w, "neurons");
            let count = self.count(es, "N", &w, 1);
            let [model, threshold, reset, refractory, method] = ["model", "threshold", "reset", "refractory", "method"]
                .map(|key| self.opt_str(es, key, &w, "a string"));
            let [events, run_on_event] = ["events", "run_on_event"].map(|key| {
                self.typed(es, key, &w, "a table of strings", as_str_table)
                    .unwrap_or_default()
            });
            if let Some(e) = get(es, "events")
                && let V::Table(ees) = &e.node.v
                && let Some(spike) = get(ees, "spike")
            {
                self.err_help(
                    "bad-name",
                    spike.span,
                    format!("{w}.events: 'spike' is the event of the threshold and cannot be redefined"),
                    "`events` names custom events only; the `threshold` defines the 'spike' event",
                );
            }
            let init = get(es, "init")
                .map(|e| self.init(&e.node, &format!("{w}.init")))
                .unwrap_or_default();
            let schedule = self.schedule(es, &w);
            let run_regularly = self.run_regularly(es, &w);
            if let (Some(name), Some(n), Some(model)) = (name, count, model) {
                out.push(NeuronSpec {
                    name,
                    span: item.span,
                    n,
                    model,
                    threshold,
                    reset,
                    refractory,
                    method,
                    init,
                    schedule,
                    run_regularly,
                    events,
                    run_on_event,
                });
            }
        }
        out
    }

    fn run_regularly(&mut self, es: &[Entry], w: &str) -> Vec<RunRegularlySpec> {
        let mut out = Vec::new();
        let Some(e) = get(es, "run_regularly") else { return out };
        let V::Array(items) = &e.node.v else {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{w}.run_regularly: expected a list of tables, got {}", got(&e.node)),
            );
            return out;
        };
        for (m, item) in items.iter().enumerate() {
            let rw = format!("{w}.run_regularly[{m}]");
            if let Some(res) = self.table(item, &rw, RUN_REGULARLY_KEYS, &["code"]) {
                let code = self.opt_str(res, "code", &rw, "a string");
                let sched = self.schedule(res, &rw);
                if let Some(code) = code {
                    out.push(RunRegularlySpec {
                        code,
                        dt: sched.dt,
                        when: sched.when,
                        context: rw,
                        span: item.span,
                    });
                }
            }
        }
        out
    }

    fn timed_arrays(&mut self, n: Option<&Node>) -> Vec<TimedArraySpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "timed_arrays", k);
            let Some(es) = self.table(item, &w, TIMED_ARRAY_KEYS, &["name", "values", "dt"]) else {
                continue;
            };
            let name = self.name(es, &w, "timed_arrays");
            let unit = self.opt_str(es, "unit", &w, "a string");
            let dt = self.opt_str(es, "dt", &w, "a string");
            let Some(ve) = get(es, "values") else { continue };
            let values = match &ve.node.v {
                V::Str(s) => {
                    let length = match get(es, "length") {
                        None => {
                            self.err(
                                "missing-key",
                                item.span,
                                format!("{w}: missing key 'length' (needed when 'values' is an expression)"),
                            );
                            None
                        }
                        Some(l) => {
                            let span = l.node.span;
                            self.typed(es, "length", &w, "a positive integer", |n| as_int(n).filter(|&x| x > 0))
                                .map(|x| (x, span))
                        }
                    };
                    if s.text.trim().is_empty() {
                        self.err(
                            "bad-value",
                            ve.node.span,
                            format!("{w}.values: expected a non-empty expression"),
                        );
                        None
                    } else {
                        length.map(|(l, span)| TimedValues::Expr(s.clone(), l, span))
                    }
                }
                _ => {
                    if let Some(l) = get(es, "length") {
                        self.err(
                            "unknown-key",
                            l.span,
                            format!("{w}.length: only with an expression for 'values' (a list gives its own length)"),
                        );
                    }
                    let v = timed_values(&ve.node);
                    if v.is_none() {
                        self.err(
                            "wrong-type",
                            ve.node.span,
                            format!(
                                "{w}.values: expected a non-empty list of numbers, a rectangular list of lists of numbers or a string expression (with 'length')"
                            ),
                        );
                    }
                    v
                }
            };
            if let (Some(name), Some(values), Some(dt)) = (name, values, dt) {
                out.push(TimedArraySpec {
                    name,
                    span: item.span,
                    values,
                    unit,
                    dt,
                });
            }
        }
        out
    }

    fn poisson_inputs(&mut self, n: Option<&Node>) -> Vec<PoissonInputSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "poisson_inputs", k);
            let Some(es) = self.table(item, &w, POISSON_INPUT_KEYS, POISSON_INPUT_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "poisson_inputs");
            let target = self.opt_str(es, "target", &w, "a group name");
            let target_var = self.opt_str(es, "target_var", &w, "a variable name");
            let count = self.count(es, "N", &w, 1);
            let rate = self.opt_str(es, "rate", &w, "a string such as \"10*Hz\"");
            let weight = self.opt_str(es, "weight", &w, "a string (a quantity or an expression)");
            if let (Some(name), Some(target), Some(target_var), Some(n), Some(rate), Some(weight)) =
                (name, target, target_var, count, rate, weight)
            {
                out.push(PoissonInputSpec {
                    name,
                    span: item.span,
                    target,
                    target_var,
                    n,
                    rate,
                    weight,
                });
            }
        }
        out
    }

    fn spike_generators(&mut self, n: Option<&Node>) -> Vec<GeneratorSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "spike_generators", k);
            let Some(es) = self.table(item, &w, GENERATOR_KEYS, &["name", "N", "indices", "times"]) else {
                continue;
            };
            let name = self.name(es, &w, "spike_generators");
            let count = self.count(es, "N", &w, 1);
            let indices = self.typed(es, "indices", &w, "a list of integers", as_int_list);
            let times = self.typed(
                es,
                "times",
                &w,
                "a list of strings with units or numbers in seconds",
                |n| matches!(n.v, V::Array(_)).then_some(()),
            );
            // each time on its own: an error points at the one that is wrong
            let times = times.and_then(|()| {
                let items = Self::items(get(es, "times").map(|e| &e.node));
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (k, x) in items.iter().enumerate() {
                    match &x.v {
                        V::Str(s) => out.push(TimeSpec::Expr(s.clone())),
                        _ => match as_num(x) {
                            Some(t) => out.push(TimeSpec::Seconds(t, x.span)),
                            None => {
                                self.err(
                                    "wrong-type",
                                    x.span,
                                    format!(
                                        "{w}.times[{k}]: expected a string with units or a number in seconds, got {}",
                                        got(x)
                                    ),
                                );
                                ok = false;
                            }
                        },
                    }
                }
                ok.then_some(out)
            });
            let period = self.opt_str(es, "period", &w, "a string");
            let spans_of = |key: &str| match get(es, key).map(|e| &e.node.v) {
                Some(V::Array(items)) => items.iter().map(|x| x.span).collect(),
                _ => Vec::new(),
            };
            let index_spans: Vec<Span> = spans_of("indices");
            if let (Some(i), Some(t)) = (&indices, &times)
                && i.len() != t.len()
            {
                let at = get(es, "times").map_or(item.span, |e| e.node.span);
                let first = get(es, "indices").map(|e| e.node.span);
                let mut d = Diagnostic::at(
                    "bad-length",
                    &self.file,
                    at,
                    format!("{w}: 'indices' has {} entries but 'times' has {}", i.len(), t.len()),
                )
                .with_label(format!("{} times", t.len()))
                .with_help("give one time per index: spike k is neuron indices[k] at times[k]");
                if let Some(f) = first {
                    d = d.with_note(Some(self.file.clone()), f, format!("{} indices", i.len()));
                }
                self.errors.push(d);
                continue;
            }
            if let (Some(name), Some(n), Some(indices), Some(times)) = (name, count, indices, times) {
                out.push(GeneratorSpec {
                    name,
                    span: item.span,
                    n,
                    indices,
                    index_spans,
                    times,
                    period,
                });
            }
        }
        out
    }

    fn poisson(&mut self, n: Option<&Node>) -> Vec<PoissonSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "poisson", k);
            let Some(es) = self.table(item, &w, POISSON_KEYS, POISSON_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "poisson");
            let count = self.count(es, "N", &w, 1);
            let rates = self.opt_str(es, "rates", &w, "a string (a quantity or an expression)");
            if let (Some(name), Some(n), Some(rates)) = (name, count, rates) {
                out.push(PoissonSpec {
                    name,
                    span: item.span,
                    n,
                    rates,
                });
            }
        }
        out
    }

    fn subgroups(&mut self, n: Option<&Node>) -> Vec<SubgroupSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "subgroups", k);
            let Some(es) = self.table(item, &w, SUBGROUP_KEYS, SUBGROUP_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "subgroups");
            let of = self.opt_str(es, "of", &w, "a group name");
            let start = self.count(es, "start", &w, 0);
            let stop = self.count(es, "stop", &w, 0);
            if let (Some(name), Some(of), Some(start), Some(stop)) = (name, of, start, stop) {
                out.push(SubgroupSpec {
                    name,
                    span: item.span,
                    of,
                    start,
                    stop,
                });
            }
        }
        out
    }

    fn synapses(&mut self, n: Option<&Node>) -> Vec<SynapsesSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "synapses", k);
            let Some(es) = self.table(item, &w, SYNAPSE_KEYS, &["name", "source", "target"]) else {
                continue;
            };
            let name = self.name(es, &w, "synapses");
            let [source, target, model, method, msi] = ["source", "target", "model", "method", "multisynaptic_index"]
                .map(|key| self.opt_str(es, key, &w, "a string"));
            let what = "a string or a table of strings per pathway";
            let pathways = |default: &str| {
                let default = default.to_string();
                move |n: &Node| match &n.v {
                    V::Str(s) if s.text.is_empty() => Some(vec![]),
                    V::Str(s) => Some(vec![(default.clone(), s.clone())]),
                    _ => as_str_table(n),
                }
            };
            let on_pre = self.typed(es, "on_pre", &w, what, pathways("pre")).unwrap_or_default();
            let on_post = self
                .typed(es, "on_post", &w, what, pathways("post"))
                .unwrap_or_default();
            let delay = self.typed(es, "delay", &w, what, |n| match &n.v {
                V::Str(s) => Some(DelaySpec::Scalar(s.clone())),
                _ => as_str_table(n).map(DelaySpec::PerPathway),
            });
            let on_event = self.typed(es, "on_event", &w, what, |n| match &n.v {
                V::Str(s) => Some(vec![(String::new(), s.clone())]),
                _ => as_str_table(n),
            });
            let names: Vec<&str> = on_pre.iter().chain(&on_post).map(|p| p.0.as_str()).collect();
            let mut pathway_events = Vec::new();
            if let (Some(events), Some(e)) = (on_event, get(es, "on_event")) {
                for (pw, ev) in &events {
                    if pw.is_empty() {
                        // one event for every pathway
                        pathway_events.extend(names.iter().map(|n| (n.to_string(), ev.text.trim().to_string())));
                    } else if !names.contains(&pw.as_str()) {
                        let list = if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        };
                        self.err(
                            "unknown-pathway",
                            e.node.span,
                            format!("{w}.on_event: unknown pathway '{pw}' (pathways: {list})"),
                        );
                    } else {
                        pathway_events.push((pw.clone(), ev.text.trim().to_string()));
                    }
                }
            }
            let connect = self.connect(es, &w);
            let init = get(es, "init")
                .map(|e| self.init(&e.node, &format!("{w}.init")))
                .unwrap_or_default();
            let schedule = self.schedule(es, &w);
            let run_regularly = self.run_regularly(es, &w);
            if let (Some(name), Some(source), Some(target)) = (name, source, target) {
                out.push(SynapsesSpec {
                    name,
                    span: item.span,
                    source,
                    target,
                    model,
                    on_pre,
                    on_post,
                    delay,
                    method,
                    connect,
                    init,
                    schedule,
                    run_regularly,
                    on_event: pathway_events,
                    on_event_span: get(es, "on_event").map(|e| match &e.node.v {
                        V::Str(s) => s.inner_span(),
                        _ => e.node.span,
                    }),
                    multisynaptic_index: msi,
                });
            }
        }
        out
    }

    fn connect(&mut self, es: &[Entry], w: &str) -> Vec<ConnectSpec> {
        let mut out = Vec::new();
        let Some(e) = get(es, "connect") else { return out };
        let V::Array(items) = &e.node.v else {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{w}.connect: expected a list of tables, got {}", got(&e.node)),
            );
            return out;
        };
        for (m, item) in items.iter().enumerate() {
            let cw = format!("{w}.connect[{m}]");
            let Some(ces) = self.table(item, &cw, CONNECT_KEYS, &[]) else {
                continue;
            };
            let condition = self.opt_str(ces, "condition", &cw, "a string");
            let p = self.typed(ces, "p", &cw, "a number or a string", |n| match &n.v {
                V::Str(s) => Some(ProbSpec::Expr(s.clone())),
                _ => as_num(n).map(|x| ProbSpec::Number(x, n.span)),
            });
            let nn = self.typed(ces, "n", &cw, "an integer or a string", |n| match &n.v {
                V::Str(s) => Some(NSpec::Expr(s.clone())),
                _ => as_int(n).map(|k| NSpec::Int(k, n.span)),
            });
            let indices = |n: &Node| match &n.v {
                V::Str(s) => Some(IndicesSpec::Expr(s.clone())),
                V::Int(i) => Some(IndicesSpec::Int(*i)),
                _ => as_int_list(n).map(IndicesSpec::List),
            };
            let what = "an integer, a list of integers or a string";
            let i = self.typed(ces, "i", &cw, what, indices);
            let j = self.typed(ces, "j", &cw, what, indices);
            let skip = self.typed(ces, "skip_if_invalid", &cw, "a boolean", |n| match n.v {
                V::Bool(b) => Some(b),
                _ => None,
            });
            let mut value_spans = Vec::new();
            for e in ces {
                value_spans.push((
                    e.key.clone(),
                    match &e.node.v {
                        V::Str(s) => s.inner_span(),
                        _ => e.node.span,
                    },
                ));
                match &e.node.v {
                    V::Array(items) => {
                        value_spans.extend(
                            items
                                .iter()
                                .enumerate()
                                .map(|(k, x)| (format!("{}[{k}]", e.key), x.span)),
                        );
                    }
                    // one index stands for a list of one
                    V::Int(_) => value_spans.push((format!("{}[0]", e.key), e.node.span)),
                    _ => {}
                }
            }
            out.push(ConnectSpec {
                context: cw,
                span: item.span,
                condition,
                p,
                n: nn,
                i,
                j,
                skip_if_invalid: skip.unwrap_or(false),
                value_spans,
            });
        }
        out
    }

    fn monitors(&mut self, n: Option<&Node>) -> Vec<MonitorSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "monitors", k);
            let Some(es) = self.table(item, &w, MONITOR_KEYS, &["name", "kind", "source"]) else {
                continue;
            };
            let Some(kind_e) = get(es, "kind") else { continue };
            let kind = as_str(&kind_e.node).map(|s| s.text).unwrap_or_default();
            let Some(&(_, keys)) = MONITOR_KINDS.iter().find(|m| m.0 == kind) else {
                self.err(
                    "bad-value",
                    kind_e.node.span,
                    format!(
                        "{w}.kind: expected one of spike, state, rate, event, got {}",
                        got(&kind_e.node)
                    ),
                );
                continue;
            };
            let mut ok = true;
            for e in es {
                if !keys.contains(&e.key.as_str()) {
                    let why = if e.key == "dt" {
                        " (it runs on the clock of its source)"
                    } else {
                        ""
                    };
                    self.err(
                        "unknown-key",
                        e.span,
                        format!("{w}: key '{}' does not apply to a {kind} monitor{why}", e.key),
                    );
                    ok = false;
                }
            }
            let name = self.name(es, &w, "monitors");
            let source = self.opt_str(es, "source", &w, "a group name");
            let variables = self.typed(es, "variables", &w, "a list of variable names", |n| match &n.v {
                V::Array(items) => items
                    .iter()
                    .map(|x| as_str(x).map(|s| (s.text, s.span)))
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            });
            let record_e = get(es, "record");
            let record = if kind == "spike" {
                self.typed(es, "record", &w, "true or false", |n| {
                    matches!(n.v, V::Bool(_)).then_some(RecordSpec::All)
                })
            } else {
                self.typed(es, "record", &w, "true, false or a list of indices", |n| match &n.v {
                    V::Bool(true) => Some(RecordSpec::All),
                    V::Bool(false) => Some(RecordSpec::Indices(vec![], n.span)),
                    V::Int(i) => Some(RecordSpec::Indices(vec![*i], n.span)),
                    _ => as_int_list(n).map(|v| RecordSpec::Indices(v, n.span)),
                })
            };
            let record_bool = record_e.and_then(|e| match e.node.v {
                V::Bool(b) => Some(b),
                _ => None,
            });
            let has_vars = variables.as_ref().is_some_and(|v| !v.is_empty());
            if kind == "spike" && record_bool == Some(false) && has_vars {
                self.err(
                    "bad-value",
                    item.span,
                    format!(
                        "{w}: 'variables' cannot be recorded with record = false (it keeps only the per-neuron counts)"
                    ),
                );
            }
            let schedule = self.schedule(es, &w);
            self.opt_str(es, "event", &w, "an event name");
            if kind == "state" {
                for key in ["variables", "record"] {
                    if get(es, key).is_none() {
                        self.err(
                            "missing-key",
                            item.span,
                            format!("{w}: missing key '{key}' (needed by a state monitor)"),
                        );
                    }
                }
            }
            if kind == "event" && get(es, "event").is_none() {
                self.err(
                    "missing-key",
                    item.span,
                    format!("{w}: missing key 'event' (needed by an event monitor)"),
                );
            }
            // what spikejit does not implement yet
            let spec_kind = match kind.as_str() {
                "spike" | "event" => {
                    let event = if kind == "event" {
                        get(es, "event")
                            .and_then(|e| as_str(&e.node))
                            .map(|s| s.text.trim().to_string())
                    } else {
                        Some("spike".to_string())
                    };
                    let event_span = get(es, "event").map(|e| match &e.node.v {
                        V::Str(s) => s.inner_span(),
                        _ => e.node.span,
                    });
                    event.map(|event| MonitorKind::Spike {
                        record: record_bool.unwrap_or(true),
                        event,
                        event_span,
                        variables: variables.unwrap_or_default(),
                        schedule,
                    })
                }
                "state" => match (variables, record) {
                    (Some(variables), Some(record)) => Some(MonitorKind::State {
                        variables,
                        record,
                        schedule,
                    }),
                    _ => None,
                },
                "rate" => Some(MonitorKind::Rate { schedule }),
                _ => {
                    self.unsupported(kind_e.node.span, &w, &format!("'{kind}' monitors"));
                    None
                }
            };
            if let (true, Some(name), Some(source), Some(kind)) = (ok, name, source, spec_kind) {
                out.push(MonitorSpec {
                    name,
                    span: item.span,
                    source,
                    kind,
                });
            }
        }
        out
    }

    fn protocol(&mut self, n: Option<&Node>) -> Vec<StepSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = format!("protocol[{k}]");
            let Some(es) = self.table(item, &w, PROTOCOL_KEYS, &["op"]) else {
                continue;
            };
            let Some(op_e) = get(es, "op") else { continue };
            let op = as_str(&op_e.node).map(|s| s.text).unwrap_or_default();
            let Some(&(_, keys)) = PROTOCOL_OPS.iter().find(|o| o.0 == op) else {
                self.err(
                    "bad-value",
                    op_e.node.span,
                    format!(
                        "{w}.op: expected one of run, store, restore, set, got {}",
                        got(&op_e.node)
                    ),
                );
                continue;
            };
            let mut ok = true;
            for e in es {
                if !keys.contains(&e.key.as_str()) {
                    self.err(
                        "unknown-key",
                        e.span,
                        format!("{w}: key '{}' does not apply to op '{op}'", e.key),
                    );
                    ok = false;
                }
            }
            let need: &[&str] = match op.as_str() {
                "run" => &["duration"],
                "set" => &["target", "var", "value"],
                _ => &[],
            };
            for key in need {
                if get(es, key).is_none() {
                    self.err(
                        "missing-key",
                        item.span,
                        format!("{w}: missing key '{key}' (needed by op '{op}')"),
                    );
                    ok = false;
                }
            }
            let [duration, name, target, var] =
                ["duration", "name", "target", "var"].map(|key| self.opt_str(es, key, &w, "a string"));
            let value = self.typed(
                es,
                "value",
                &w,
                "a string expression, a number or a list of numbers",
                as_value,
            );
            let index = self.typed(es, "index", &w, "a condition string or an [i, j] pair", as_index);
            match op.as_str() {
                "run" => {
                    if let (true, Some(duration)) = (ok, duration) {
                        out.push(StepSpec::Run {
                            duration,
                            context: w,
                            span: item.span,
                        });
                    }
                }
                "set" => {
                    if let (true, Some(target), Some(var), Some(value)) = (ok, target, var, value) {
                        let value_span = get(es, "value").map_or(item.span, |e| match &e.node.v {
                            V::Str(s) => s.inner_span(),
                            _ => e.node.span,
                        });
                        out.push(StepSpec::Set {
                            target,
                            var,
                            value,
                            index,
                            value_span,
                            context: w,
                            span: item.span,
                        });
                    }
                }
                _ => {
                    if ok {
                        out.push(StepSpec::Store {
                            name_span: name.as_ref().map(Str::inner_span),
                            name: name.map_or_else(|| "default".to_string(), |n| n.text),
                            restore: op == "restore",
                            context: w,
                            span: item.span,
                        });
                    }
                }
            }
        }
        out
    }
}

/// Every table of a model file with the keys the loader accepts in it (the
/// contract's keys; any other key is an error naming it), for documentation
/// and its tests.
///
/// The names: `""` is the top level (the sections), then `simulation`,
/// `timed_arrays`, `neurons`, `subgroups`, `spike_generators`, `poisson`,
/// `poisson_inputs`, `synapses`; `connect` (an entry of a synapses' `connect`
/// list), `init` (an entry of an `init` list, neurons or synapses),
/// `run_regularly` (an entry of a `run_regularly` list); `monitors` (every key
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
        ("timed_arrays", TIMED_ARRAY_KEYS),
        ("neurons", NEURON_KEYS),
        ("subgroups", SUBGROUP_KEYS),
        ("spike_generators", GENERATOR_KEYS),
        ("poisson", POISSON_KEYS),
        ("poisson_inputs", POISSON_INPUT_KEYS),
        ("synapses", SYNAPSE_KEYS),
        ("connect", CONNECT_KEYS),
        ("init", INIT_KEYS),
        ("run_regularly", RUN_REGULARLY_KEYS),
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
            _ => "protocol.(unnamed op)",
        };
        out.push((name, keys));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> std::result::Result<LoadedModel, Errors> {
        parse_model("m.toml", text.to_string())
    }

    fn messages(text: &str) -> Vec<String> {
        match load(text) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    const MIN: &str = "[simulation]\nduration = \"1*ms\"\n";

    /// The file text at the string's byte `k`.
    fn at(m: &Str, k: usize) -> &str {
        let o = m.origin.offsets[k];
        &m.origin.file_text[o..]
    }

    #[test]
    fn string_kinds_map_to_file_offsets() {
        let text = format!(
            "{MIN}[[neurons]]\nname = 'A'\nN = 1\nmodel = '''\ndv/dt = -v/tau : volt\n'''\nthreshold = \"v > \\\"x\\\"\"\nreset = 'v = 0*mV'\nrefractory = \"\"\"\n2*ms\"\"\"\n"
        );
        let m = load(&text).unwrap_or_else(|e| panic!("{e}"));
        let g = &m.neurons[0];
        // '''...''' : the newline after the opening delimiter is trimmed
        assert_eq!(g.model.text, "dv/dt = -v/tau : volt\n");
        assert!(at(&g.model, 0).starts_with("dv/dt = -v/tau"));
        assert!(at(&g.model, 11).starts_with("tau : volt"));
        let (line, col) = crate::diag::line_col(&g.model.origin.file_text, g.model.origin.offsets[11]);
        assert_eq!((line, col), (7, 12));
        // "..." with escapes: the escape's bytes map to its backslash
        let th = g.threshold.as_ref().unwrap_or_else(|| panic!("no threshold"));
        assert_eq!(th.text, "v > \"x\"");
        assert!(at(th, 4).starts_with("\\\"x"));
        assert!(at(th, 5).starts_with("x\\\""));
        // '...'
        let r = g.reset.as_ref().unwrap_or_else(|| panic!("no reset"));
        assert!(at(r, 4).starts_with("0*mV'"));
        // """...""" with a trimmed first newline
        let rf = g.refractory.as_ref().unwrap_or_else(|| panic!("no refractory"));
        assert_eq!(rf.text, "2*ms");
        assert!(at(rf, 0).starts_with("2*ms\"\"\""));
        assert_eq!(rf.inner_span().end - rf.inner_span().start, 4);
    }

    #[test]
    fn unknown_key_names_the_key() {
        let m = messages(&format!(
            "foo = 1\n{MIN}[[neurons]]\nname = 'A'\nN = 1\nmodel = 'v : 1'\nthreshhold = 'v > 1'\n"
        ));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("m.toml:1:1: unknown key 'foo'"), "{m:?}");
        assert!(
            m[1].contains("m.toml:8:1: neurons 'A': unknown key 'threshhold'"),
            "{m:?}"
        );
    }

    #[test]
    fn wrong_types_and_missing_keys() {
        let m = messages("[simulation]\ndt = 0.1\n[[neurons]]\nname = 'A'\nN = 0\nmodel = 3\n");
        assert!(
            m.iter().any(|s| s.contains("simulation.dt: expected a string")),
            "{m:?}"
        );
        assert!(m.iter().any(|s| s.contains("missing key 'duration'")), "{m:?}");
        assert!(
            m.iter().any(|s| s.contains("neurons 'A'.N: must be at least 1, got 0")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|s| s.contains("neurons 'A'.model: expected a string, got an integer 3")),
            "{m:?}"
        );
    }

    #[test]
    fn duplicate_names_and_reserved_constants() {
        let m = messages(&format!(
            "{MIN}[constants]\nmV = '1'\ntau = '1*ms'\n[[neurons]]\nname = 'tau'\nN = 1\nmodel = 'v : 1'\n[[neurons]]\nname = '2x'\nN = 1\nmodel = 'v : 1'\n"
        ));
        assert!(m.iter().any(|s| s.contains("'mV' is a unit name")), "{m:?}");
        assert!(
            m.iter()
                .any(|s| s.contains("the name 'tau' is already used by the constant 'tau'")),
            "{m:?}"
        );
        assert!(m.iter().any(|s| s.contains("expected an identifier")), "{m:?}");
    }

    #[test]
    fn init_forms_and_connect() {
        let text = format!(
            "{MIN}[[neurons]]\nname = 'A'\nN = 'NE + 1'\nmodel = 'v : volt'\ninit = {{ v = [1.0, 2], w = '1*mV', pre.delay = 2 }}\n[[synapses]]\nname = 'S'\nsource = 'A[0:1]'\ntarget = 'A'\non_pre = {{ a = 'v += 1*mV', b = 'v -= 1*mV' }}\ndelay = {{ a = '1*ms' }}\nconnect = [ {{ p = 0.5, i = [0], j = 'k for k in range(2)' }}, {{}} ]\ninit = [ {{ var = 'w', value = 1, index = [0, 1] }}, {{ var = 'a.delay', value = 'rand()*ms', index = 'i > j' }} ]\n"
        );
        let m = load(&text).unwrap_or_else(|e| panic!("{e}"));
        let vars: Vec<&str> = m.neurons[0].init.iter().map(|i| i.var.as_str()).collect();
        assert_eq!(vars, ["v", "w", "pre.delay"]);
        let s = &m.synapses[0];
        assert_eq!(s.on_pre.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.connect.len(), 2);
        assert!(matches!(s.init[0].index, Some(IndexSpec::Pair(0, 1, _))));
        assert!(matches!(s.init[1].index, Some(IndexSpec::Where(_))));
    }

    #[test]
    fn toml_syntax_error_has_a_position() {
        let m = messages("[simulation\nduration = 1");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("m.toml:1:"), "{m:?}");
        assert!(m[0].contains("invalid TOML"), "{m:?}");
    }
}
