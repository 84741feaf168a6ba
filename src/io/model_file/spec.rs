//! The typed model file: one type per section and per kind of entry
//! (`[[neurons]]` is a [`NeuronSpec`], a `connect` entry a [`ConnectSpec`]),
//! every string a [`Str`] that remembers where it is in the file. It is what
//! the loader makes and the builder reads, and the public face of a checked
//! model file (`spikejit::io::model_file::*`), so it has its own room.

use std::sync::Arc;

use crate::diag::{FileOrigin, Source, Span};
use crate::sim::Code;

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

/// An array a model file takes from a NumPy file (`{ file = "rates.npy" }`,
/// `{ file = "data.npz", array = "rates" }`), its path relative to the model file.
#[derive(Clone, Debug)]
pub struct DataFile {
    /// The path as the model file writes it (messages name it so).
    pub path: String,
    /// The array of an `.npz` archive.
    pub array: Option<String>,
    /// The `file = ...` string in the model file (errors about the data point there).
    pub span: Span,
    /// The shape and dtype the file holds.
    pub info: crate::io::data_file::ArrayInfo,
}

impl DataFile {
    /// "'rates.npy'", or "array 'rates' of 'data.npz'".
    pub fn describe(&self) -> String {
        match &self.array {
            Some(a) => format!("array '{a}' of '{}'", self.path),
            None => format!("'{}'", self.path),
        }
    }
}

/// Numbers read from a file, with the unit they are in (`unit = "mV"`; `None`: SI units).
#[derive(Clone, Debug)]
pub struct DataValues {
    /// The numbers, row-major, as the file holds them (not yet scaled by `unit`).
    pub values: Vec<f64>,
    /// `unit`: what one of the numbers is (`"mV"`, `"ms"`); `None` for SI units, as a TOML list.
    pub unit: Option<Str>,
    /// Where they come from.
    pub file: DataFile,
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
    /// One number per element read from a file (`{ file = "v0.npy", unit = "mV" }`).
    Data(Box<DataValues>),
}

/// Which elements an `init` or `set` step applies to.
#[derive(Clone, Debug)]
pub enum IndexSpec {
    /// A condition string (`"i > j"`).
    Where(Str),
    /// `[pre, post]` or `[pre, post, k]`: a view of synapses (Brian2's
    /// `S.w[0, 1]`, `S.w[0:3, :]`, `S.w[0, 1, 0]`); the span is the list's.
    View(Vec<ViewIndex>, Span),
}

/// One index of a synapse view: a number or a Python slice string.
#[derive(Clone, Debug)]
pub enum ViewIndex {
    /// A neuron (or multisynaptic) index.
    Int(i64, Span),
    /// A slice, `":"`, `"0:3"`, `"2:"`, `"0:10:2"` (or a number as a string).
    Slice(Str),
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
    /// `section`: the compartments of a spatial neuron to set, a location
    /// ([`crate::morphology::FlatMorphology::locate`]: `"axon[0*um:30*um]"`); `None` for all.
    pub section: Option<Str>,
}

/// One entry of `links` (neurons and synapses): a `(linked)` variable and
/// the variable it reads (Brian2's `G.var = linked_var(...)`).
#[derive(Clone, Debug)]
pub struct LinkSpec {
    /// The linked variable (the entry's key).
    pub var: String,
    /// The entry's key in the file.
    pub var_span: Span,
    /// `to`: the variable linked to, `GROUP.VAR` (`GROUP` a group, a slice `G[a:b]` or itself).
    pub to: Str,
    /// `index`: a list of indices into the group linked to (one per neuron), or the
    /// name of an integer variable of the linking object.
    pub index: Option<LinkIndexSpec>,
    /// Where it is, for messages (`neurons 'G'.links.v`).
    pub context: String,
}

/// The `index` of a link.
#[derive(Clone, Debug)]
pub enum LinkIndexSpec {
    /// A list of non-negative integers, with its span.
    List(Vec<i64>, Span),
    /// The name of an integer variable of the linking object.
    Var(Str),
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
    /// `schedule`: the order of the slots of a time step (Brian2's
    /// `Network.schedule`); `None`: the default schedule.
    pub schedule: Option<Vec<Str>>,
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
    /// `clock`: the name of a clock of `[clocks]` to run on, instead of `dt`.
    pub clock: Option<Str>,
}

/// One clock of `[clocks]` (`[clocks.slow]`): a clock objects share by name
/// (Brian2's `Clock(dt, name=...)`, given as `clock=`).
#[derive(Clone, Debug)]
pub struct ClockSpec {
    /// The clock's name (the table's key), unique among the file's names.
    pub name: String,
    /// The key in the file.
    pub span: Span,
    /// `dt`: the clock's step.
    pub dt: Str,
}

/// The per-object settings of neurons and synapses: Brian2's `namespace=`,
/// `dtype=` and `method_options=`.
#[derive(Clone, Debug, Default)]
pub struct ObjectSettings {
    /// `namespace`: names only this object sees (they hide constants of the
    /// same name), each as a `[constants]` entry.
    pub namespace: Vec<ConstantSpec>,
    /// `dtype`: (variable, `float32`/`float64`, where the value is); `"*"`
    /// for the string form (every float variable).
    pub dtype: Vec<(String, String, Span)>,
    /// `method_options`: (option, value, where the key is).
    pub method_options: Vec<(String, bool, Span)>,
}

/// `[[neurons]]`.
#[derive(Clone, Debug)]
pub struct NeuronSpec {
    /// The group's name, unique across the file.
    pub name: String,
    /// The group's `[[neurons]]` table in the file.
    pub span: Span,
    /// `N`: the number of neurons (at least 1); for a spatial neuron (`morphology`)
    /// the number of compartments, as a literal at the `morphology` value.
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
    /// `links`: its linked variables, linked before `init` is applied.
    pub links: Vec<LinkSpec>,
    /// `dt`, `when` and `order` of the group (the `when` of the state update).
    pub schedule: ScheduleSpec,
    /// `run_regularly`: code run at regular intervals on the group.
    pub run_regularly: Vec<RunRegularlySpec>,
    /// Custom events: (name, condition).
    pub events: Vec<(String, Str)>,
    /// Code run on an event: (event, code).
    pub run_on_event: Vec<(String, Str)>,
    /// `namespace`, `dtype` and `method_options`.
    pub settings: ObjectSettings,
    /// A spatial neuron (Brian2's `SpatialNeuron`): `morphology` and its keys;
    /// `None` for a plain group of `N` neurons.
    pub spatial: Option<SpatialSpec>,
}

/// The keys of a spatial neuron (a `[[neurons]]` table with `morphology`).
#[derive(Clone, Debug)]
pub struct SpatialSpec {
    /// The morphology: a tree of `[neurons.morphology]` sections or an SWC file.
    pub morphology: crate::morphology::Morphology,
    /// The `morphology` value in the file.
    pub morphology_span: Span,
    /// `Cm`: the specific membrane capacitance; `None` for Brian2's 0.9*uF/cm**2.
    pub cm: Option<Str>,
    /// `Ri`: the intracellular resistivity; `None` for Brian2's 150*ohm*cm.
    pub ri: Option<Str>,
    /// `threshold_location`: the compartment where the threshold is checked.
    pub threshold_location: Option<ThresholdLocationSpec>,
}

/// `threshold_location`: a compartment index or a location of one compartment.
#[derive(Clone, Debug)]
pub enum ThresholdLocationSpec {
    /// A compartment index (checked to be below the number of compartments), with its span.
    Index(i64, Span),
    /// A location naming one compartment (`"axon[30*um]"`).
    Location(Str),
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
    /// A 1-d or 2-d array of a file (in the timed array's `unit`), row-major.
    Data {
        /// The values, `rows x cols` of them.
        values: Vec<f64>,
        /// Values per row of a 2-d array; `None` for a 1-d array.
        cols: Option<usize>,
        /// Where they come from.
        file: DataFile,
    },
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

/// A spike generator's `times`.
#[derive(Clone, Debug)]
pub enum SpikeTimes {
    /// A TOML list, each time on its own.
    List(Vec<TimeSpec>),
    /// A 1-d array of a file, in seconds or in its `unit`.
    Data(DataValues),
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
    /// The file span of each entry of `indices` (none when they come from a file).
    pub index_spans: Vec<Span>,
    /// The file `indices` come from, when they do.
    pub indices_file: Option<DataFile>,
    /// `times`: the time of each spike, as many as `indices`.
    pub times: SpikeTimes,
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
    /// The keys (`i`, `j`) whose indices come from a file, with the file.
    pub files: Vec<(String, DataFile)>,
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
    /// `links`: its linked variables, linked before `connect`.
    pub links: Vec<LinkSpec>,
    /// `dt`, `when` and `order` of the clock-driven state update.
    pub schedule: ScheduleSpec,
    /// `run_regularly`: code run at regular intervals on the synapses.
    pub run_regularly: Vec<RunRegularlySpec>,
    /// The event of each pathway that does not use `spike`: (pathway, event).
    pub on_event: Vec<(String, String)>,
    /// Where `on_event` is in the file (its string, or its table).
    pub on_event_span: Option<Span>,
    /// `summed_when`: the slot of a summed variable's updater, per summed variable.
    pub summed_when: Vec<(String, Str)>,
    /// `multisynaptic_index`: the name of a variable that numbers the synapses of each (i, j) pair (0, 1, ...).
    pub multisynaptic_index: Option<Str>,
    /// `namespace`, `dtype` and `method_options`.
    pub settings: ObjectSettings,
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
        /// `variables` with the file span of each name (none for `"all"`).
        variables: Vec<(String, Span)>,
        /// `variables = "all"`: every variable of the source (Brian2's `variables=True`).
        all_variables: bool,
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
    /// `op = "set_dt"`: set the dt of a clock between runs (Brian2's `clock.dt = ...`).
    SetDt {
        /// `dt`: the new step.
        dt: Str,
        /// `clock`: a clock of `[clocks]`; `None` for the default clock (`simulation.dt`).
        clock: Option<Str>,
        /// Where it is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the file.
        span: Span,
    },
    /// `op = "set_spikes"`: replace a spike generator's spikes between runs
    /// (Brian2's `SpikeGeneratorGroup.set_spikes`).
    SetSpikes {
        /// `target`: the spike generator.
        target: Str,
        /// `indices`: the neuron of each spike, with the span of each.
        indices: Vec<i64>,
        /// Where each index is (none when they come from a file).
        index_spans: Vec<Span>,
        /// The file `indices` come from, when they do.
        indices_file: Option<DataFile>,
        /// `times`: the time of each spike.
        times: SpikeTimes,
        /// `period`: the repeat period (none when absent).
        period: Option<Str>,
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
        /// `file`: the file the state is stored in or restored from (its
        /// path relative to the model file's directory); none: in memory.
        file: Option<std::path::PathBuf>,
        /// Where `file` is in the model file, when it is given.
        file_span: Option<Span>,
        /// `random_state` of `restore`: the random state is restored too.
        random_state: bool,
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
    /// `[clocks]`, in file order.
    pub clocks: Vec<ClockSpec>,
}
