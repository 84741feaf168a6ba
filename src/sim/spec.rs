//! What users build: the specifications of the objects of a network
//! ([`NeuronGroup`], [`Synapses`], monitors, inputs, the arguments of
//! [`Connect`]) and the model text they hold ([`Code`]), as Brian2's
//! constructor arguments, with builder methods. They are plain data: a
//! network checks and compiles them when they are added. A room of its own
//! so that what a user writes stays apart from what the network makes of it
//! (`objects`).

use std::sync::Arc;

use crate::diag::{Diagnostic, Errors, FileOrigin, Source};
use crate::units::Dim;

/// A piece of model text (equations, a condition, statements), from Rust code
/// or from a model file. `&str` and `String` convert into it, so every method
/// that takes `impl Into<Code>` takes a string.
#[derive(Clone, Debug)]
pub struct Code {
    /// The text, in Brian2's syntax.
    pub text: String,
    /// Where the text lies in a model file (for error positions); `None` for
    /// text from Rust code.
    pub origin: Option<Arc<FileOrigin>>,
}

impl From<&str> for Code {
    fn from(s: &str) -> Code {
        Code {
            text: s.to_string(),
            origin: None,
        }
    }
}

impl From<String> for Code {
    fn from(s: String) -> Code {
        Code { text: s, origin: None }
    }
}

impl Code {
    /// The code parsed by `parse`, with its source named `name` (as for
    /// [`Code::source`]); `None` when it does not parse, its errors added to
    /// `errors`.
    pub(crate) fn parse_into<T>(
        &self,
        name: String,
        parse: impl Fn(&Arc<Source>) -> Result<T, Errors>,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<(Arc<Source>, T)> {
        let src = self.source(name);
        match parse(&src) {
            Ok(x) => Some((src, x)),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        }
    }

    /// The text as a named source for diagnostics (`name` says what it is, as
    /// `neurons 'P'.model`).
    pub fn source(&self, name: impl Into<String>) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: self.text.clone(),
            origin: self.origin.clone(),
        })
    }
}

/// A handle to an object of a network (a group, a subgroup, synapses, a monitor,
/// an input), returned by the `add_*` methods. It is an index into the network
/// that returned it; [`Network::name_of`](crate::sim::Network::name_of) gives the object's name and
/// [`Network::handle`](crate::sim::Network::handle) finds a handle by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle(pub usize);

/// A NeuronGroup, as Brian2's `NeuronGroup(N, model, threshold=..., reset=..., ...)`:
/// the specification [`Network::add_neurons`](crate::sim::Network::add_neurons) builds. Build it with
/// [`NeuronGroup::new`] and the builder methods, or set the fields.
#[derive(Clone, Debug)]
pub struct NeuronGroup {
    /// The name (`neurongroup`, `neurongroup_1`, ... when `None`).
    pub name: Option<String>,
    /// The number of neurons (at least 1).
    pub n: usize,
    /// The model equations (differential equations, subexpressions, parameters).
    pub model: Code,
    /// The spike condition (`"v > Vt"`); without one the group never spikes.
    pub threshold: Option<Code>,
    /// Statements run on each spiking neuron (`"v = Vr"`).
    pub reset: Option<Code>,
    /// The refractory period: a time (`"5*ms"`), a time expression or a
    /// boolean condition.
    pub refractory: Option<Code>,
    /// The integration method (`exact`, `euler`, `rk2`, `rk4`, `heun`,
    /// `exponential_euler`, `milstein`); `None` chooses as Brian2 does (exact,
    /// else euler, else heun). A method that cannot integrate the equations is
    /// an error pointing at it.
    pub method: Option<Code>,
    /// The group's own time step in seconds (`None`: the network's default clock).
    pub dt: Option<f64>,
    /// A named clock of the network ([`Network::add_clock`](crate::sim::Network::add_clock))
    /// the group runs on, instead of `dt` (Brian2's `clock=`).
    pub clock: Option<String>,
    /// The order within the schedule slot (Brian2's `order=`).
    pub order: i32,
    /// The schedule slot of the state update (`"groups"` when `None`; `start`,
    /// `before_thresholds`, ...).
    pub when: Option<String>,
    /// Custom events: (name, condition).
    pub events: Vec<(String, Code)>,
    /// Code run on custom events: (event, statements).
    pub run_on_event: Vec<(String, Code)>,
    /// Names only this group sees (Brian2's `namespace=`): (name, SI value, dimension).
    pub namespace: Vec<(String, f64, Dim)>,
    /// Storage types of variables (Brian2's `dtype=`): (variable, type); the
    /// variable `"*"` sets the type of every float variable.
    pub dtype: Vec<(String, crate::ir::ElemTy)>,
    /// Options of the integration method (Brian2's `method_options=`):
    /// `exact` takes `simplify`, the other methods none; an option the
    /// method chosen does not take is an error of the next run.
    pub method_options: Vec<(String, bool)>,
}

impl NeuronGroup {
    /// `n` neurons with the model equations `model` (no threshold, reset or
    /// refractoriness; the default method and clock).
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#neurongroup).
    pub fn new(n: usize, model: impl Into<Code>) -> NeuronGroup {
        NeuronGroup {
            name: None,
            n,
            model: model.into(),
            threshold: None,
            reset: None,
            refractory: None,
            method: None,
            dt: None,
            clock: None,
            order: 0,
            when: None,
            events: Vec::new(),
            run_on_event: Vec::new(),
            namespace: Vec::new(),
            dtype: Vec::new(),
            method_options: Vec::new(),
        }
    }
    /// An option of the integration method (Brian2's `method_options={name: value}`).
    pub fn method_option(mut self, name: &str, value: bool) -> Self {
        self.method_options.push((name.to_string(), value));
        self
    }
    /// A name only this group sees (Brian2's `namespace=`), in SI units.
    pub fn namespace(mut self, name: &str, value: f64, dim: Dim) -> Self {
        self.namespace.push((name.to_string(), value, dim));
        self
    }
    /// The storage type of a variable (`"*"`: every float variable), as Brian2's `dtype=`.
    pub fn dtype(mut self, var: &str, elem: crate::ir::ElemTy) -> Self {
        self.dtype.push((var.to_string(), elem));
        self
    }
    /// The group's name (unique in the network).
    pub fn name(mut self, n: &str) -> Self {
        self.name = Some(n.to_string());
        self
    }
    /// A custom event (Brian2's `events={'name': 'condition'}`).
    pub fn event(mut self, name: &str, condition: impl Into<Code>) -> Self {
        self.events.push((name.to_string(), condition.into()));
        self
    }
    /// Code run when a custom event occurs (Brian2's `run_on_event`).
    pub fn run_on_event(mut self, event: &str, code: impl Into<Code>) -> Self {
        self.run_on_event.push((event.to_string(), code.into()));
        self
    }
    /// The spike condition (Brian2's `threshold=`).
    pub fn threshold(mut self, c: impl Into<Code>) -> Self {
        self.threshold = Some(c.into());
        self
    }
    /// Statements run on each neuron that spiked (Brian2's `reset=`).
    pub fn reset(mut self, c: impl Into<Code>) -> Self {
        self.reset = Some(c.into());
        self
    }
    /// A refractory period: a time expression (`"5*ms"`) or a boolean condition.
    pub fn refractory(mut self, c: impl Into<Code>) -> Self {
        self.refractory = Some(c.into());
        self
    }
    /// The integration method (Brian2's `method=`).
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.into());
        self
    }
    /// The group's own time step in seconds (Brian2's `dt=`).
    pub fn dt(mut self, dt: f64) -> Self {
        self.dt = Some(dt);
        self
    }
    /// Runs the group on the named clock `name` (Brian2's `clock=`; see
    /// [`Network::add_clock`](crate::sim::Network::add_clock)).
    pub fn clock(mut self, name: &str) -> Self {
        self.clock = Some(name.to_string());
        self
    }
    /// The order within the schedule slot (Brian2's `order=`).
    pub fn order(mut self, o: i32) -> Self {
        self.order = o;
        self
    }
}

/// Synapses, as Brian2's `Synapses(source, target, model, on_pre=..., delay=...)`:
/// the specification [`Network::add_synapses`](crate::sim::Network::add_synapses) builds. The synapses themselves
/// are made by [`Network::connect`](crate::sim::Network::connect).
#[derive(Clone, Debug)]
pub struct Synapses {
    /// The name (`synapses`, `synapses_1`, ... when `None`).
    pub name: Option<String>,
    /// The presynaptic group or subgroup (or other synapses).
    pub source: Handle,
    /// The postsynaptic group or subgroup (or other synapses).
    pub target: Handle,
    /// The synaptic model equations (may be empty); flags `(event-driven)`,
    /// `(clock-driven)`, `(summed)`, `(constant)`, `(shared)`.
    pub model: Code,
    /// Pathways: (name, code, is_post). A single `on_pre` string is the pathway `pre`.
    pub pathways: Vec<(String, Code, bool)>,
    /// Scalar delays per pathway (seconds).
    pub delays: Vec<(String, f64)>,
    /// The integration method of clock-driven equations.
    pub method: Option<Code>,
    /// The own time step in seconds (`None`: the default clock).
    pub dt: Option<f64>,
    /// A named clock of the network, instead of `dt` (Brian2's `clock=`).
    pub clock: Option<String>,
    /// The order within the schedule slot.
    pub order: i32,
    /// The event each pathway reacts to (default `spike`): (pathway, event).
    pub on_event: Vec<(String, String)>,
    /// The name of the multisynaptic index variable, if any.
    pub multisynaptic_index: Option<String>,
    /// Moves the clock-driven state update to another slot.
    pub when: Option<String>,
    /// Names only these synapses see (Brian2's `namespace=`).
    pub namespace: Vec<(String, f64, Dim)>,
    /// Storage types of variables (`"*"`: every float variable).
    pub dtype: Vec<(String, crate::ir::ElemTy)>,
    /// Options of the integration method of clock-driven equations (Brian2's
    /// `method_options=`; see [`NeuronGroup::method_options`]).
    pub method_options: Vec<(String, bool)>,
    /// The slot of a summed variable's updater (Brian2's
    /// `S.summed_updaters['v_post'].when = 'after_groups'`): (summed
    /// variable, slot). Without one it runs in `groups`, before its target's
    /// state update.
    pub summed_when: Vec<(String, String)>,
}

impl Synapses {
    /// Synapses from `source` to `target` with the synaptic model `model`
    /// (`""` for none), no pathways and no delay. `source` and `target` are
    /// handles of groups, subgroups or (for synapses on synapses) other
    /// synapses.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#synapses-and-connect).
    pub fn new(source: Handle, target: Handle, model: impl Into<Code>) -> Synapses {
        Synapses {
            name: None,
            source,
            target,
            model: model.into(),
            pathways: Vec::new(),
            delays: Vec::new(),
            method: None,
            dt: None,
            clock: None,
            order: 0,
            on_event: Vec::new(),
            multisynaptic_index: None,
            when: None,
            namespace: Vec::new(),
            dtype: Vec::new(),
            method_options: Vec::new(),
            summed_when: Vec::new(),
        }
    }
    /// The slot of summed variable `var`'s updater (Brian2's
    /// `S.summed_updaters[var].when = when`).
    pub fn summed_when(mut self, var: &str, when: &str) -> Self {
        self.summed_when.push((var.to_string(), when.to_string()));
        self
    }
    /// An option of the integration method (Brian2's `method_options={name: value}`).
    pub fn method_option(mut self, name: &str, value: bool) -> Self {
        self.method_options.push((name.to_string(), value));
        self
    }
    /// A name only these synapses see (Brian2's `namespace=`), in SI units.
    pub fn namespace(mut self, name: &str, value: f64, dim: Dim) -> Self {
        self.namespace.push((name.to_string(), value, dim));
        self
    }
    /// The storage type of a variable (`"*"`: every float variable), as Brian2's `dtype=`.
    pub fn dtype(mut self, var: &str, elem: crate::ir::ElemTy) -> Self {
        self.dtype.push((var.to_string(), elem));
        self
    }
    /// The name of the synapses object (unique in the network).
    pub fn name(mut self, n: &str) -> Self {
        self.name = Some(n.to_string());
        self
    }
    /// A named pathway (`on_pre={'name': code}` or `on_post`).
    pub fn pathway(mut self, name: &str, code: impl Into<Code>, is_post: bool) -> Self {
        self.pathways.push((name.to_string(), code.into(), is_post));
        self
    }
    /// The event a pathway reacts to (`on_event`).
    pub fn on_event(mut self, pathway: &str, event: &str) -> Self {
        self.on_event.push((pathway.to_string(), event.to_string()));
        self
    }
    /// Statements run for each synapse of a presynaptic spike (the pathway `pre`).
    pub fn on_pre(mut self, c: impl Into<Code>) -> Self {
        self.pathways.push(("pre".into(), c.into(), false));
        self
    }
    /// Statements run for each synapse of a postsynaptic spike (the pathway `post`).
    pub fn on_post(mut self, c: impl Into<Code>) -> Self {
        self.pathways.push(("post".into(), c.into(), true));
        self
    }
    /// The scalar delay of the `pre` pathway, in seconds.
    pub fn delay(mut self, d: f64) -> Self {
        self.delays.push(("pre".into(), d));
        self
    }
    /// Runs the synapses' clock-driven updates on the named clock `name`
    /// (Brian2's `clock=`; see [`Network::add_clock`](crate::sim::Network::add_clock)).
    pub fn clock(mut self, name: &str) -> Self {
        self.clock = Some(name.to_string());
        self
    }
}

/// A SpikeMonitor (Brian2's `SpikeMonitor(G, variables=..., record=...)`), or
/// an EventMonitor when `event` names a custom event: the specification
/// [`Network::add_spike_monitor`](crate::sim::Network::add_spike_monitor) builds.
#[derive(Clone, Debug)]
pub struct SpikeMonitor {
    /// The name (`spikemonitor`, ... when `None`).
    pub name: Option<String>,
    /// The recorded group or subgroup.
    pub source: Handle,
    /// Keep `i` and `t` (false: only the per-neuron counts).
    pub record: bool,
    /// The event recorded (`spike`, or a custom event: an EventMonitor).
    pub event: String,
    /// Variables recorded at each event.
    pub variables: Vec<String>,
    /// The schedule slot (`thresholds` for spikes, `after_thresholds` for
    /// custom events, when `None`).
    pub when: Option<String>,
    /// The order in the slot (`None`: right after what detects the event, at
    /// its order + 1, or 0 when `when` names a slot, as in Brian2).
    pub order: Option<i32>,
}

impl SpikeMonitor {
    /// Records every spike of `source` (`i`, `t` and the per-neuron `count`).
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#monitors).
    pub fn new(source: Handle) -> SpikeMonitor {
        SpikeMonitor {
            name: None,
            source,
            record: true,
            event: "spike".to_string(),
            variables: Vec::new(),
            when: None,
            order: None,
        }
    }
    /// The monitor's name (unique in the network; the npz file's name in model files).
    pub fn name(mut self, n: &str) -> Self {
        self.name = Some(n.to_string());
        self
    }
}

/// Which indices a StateMonitor records.
#[derive(Clone, Debug)]
pub enum Record {
    /// Every element (Brian2's `record=True`).
    All,
    /// These elements (indices relative to the source), in this order.
    Indices(Vec<usize>),
}

/// A StateMonitor (Brian2's `StateMonitor(G, variables, record=..., dt=...)`):
/// the specification [`Network::add_state_monitor`](crate::sim::Network::add_state_monitor) builds.
#[derive(Clone, Debug)]
pub struct StateMonitor {
    /// The name (`statemonitor`, ... when `None`).
    pub name: Option<String>,
    /// The recorded group, subgroup or synapses.
    pub source: Handle,
    /// The recorded variables (state variables or subexpressions).
    pub variables: Vec<String>,
    /// The recorded elements.
    pub record: Record,
    /// The sampling step in seconds (`None`: the source's clock).
    pub dt: Option<f64>,
    /// A named clock of the network to sample on, instead of `dt`.
    pub clock: Option<String>,
    /// The schedule slot (`start` when `None`).
    pub when: Option<String>,
    /// The order in the slot.
    pub order: i32,
}

impl StateMonitor {
    /// Records `variables` of the elements `record` of `source`, every time step
    /// of the source's clock.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#monitors).
    pub fn new(source: Handle, variables: &[&str], record: Record) -> StateMonitor {
        StateMonitor {
            name: None,
            source,
            variables: variables.iter().map(|s| s.to_string()).collect(),
            record,
            dt: None,
            clock: None,
            when: None,
            order: 0,
        }
    }
    /// The monitor's name (unique in the network; the npz file's name in model files).
    pub fn name(mut self, n: &str) -> Self {
        self.name = Some(n.to_string());
        self
    }
    /// Samples on the named clock `name` (Brian2's `clock=`; see
    /// [`Network::add_clock`](crate::sim::Network::add_clock)).
    pub fn clock(mut self, name: &str) -> Self {
        self.clock = Some(name.to_string());
        self
    }
}

/// A value to set a variable to (see [`Network::set`](crate::sim::Network::set)).
#[derive(Clone, Debug)]
pub enum Value {
    /// One value for all (in SI units).
    Scalar(f64),
    /// One value per element (SI units).
    Array(Vec<f64>),
    /// A string expression evaluated per element.
    Expr(Code),
}

/// The index of a linked variable (see [`Network::link_indexed`](crate::sim::Network::link_indexed)),
/// Brian2's `linked_var(..., index=...)`.
#[derive(Clone, Debug)]
pub enum LinkIndex {
    /// Element k reads element `index[k]` of the group linked to (relative
    /// to it); one entry per element, for neuron groups.
    Array(Vec<usize>),
    /// Element k reads the element that this integer variable of the
    /// linking group or synapses holds at k.
    Var(String),
}

/// Which elements to set (see [`Network::set`](crate::sim::Network::set)).
#[derive(Clone, Debug)]
pub enum Selection {
    /// Every element (Brian2's `G.v = ...`).
    All,
    /// Elements where a boolean string expression holds (`'i > j'`).
    Where(Code),
    /// The synapses from `i` to `j` (the same as a [`Selection::Synapses`]
    /// view with `pre: Slice::At(i), post: Slice::At(j), k: Slice::All`).
    Pair(usize, usize),
    /// A view of synapses, as Brian2's `S.w[pre, post]` and
    /// `S.w[pre, post, k]`: every synapse whose presynaptic neuron is in
    /// `pre`, whose postsynaptic neuron is in `post` and, unless `k` is
    /// [`Slice::All`], whose multisynaptic index is in `k` (which needs the
    /// synapses' `multisynaptic_index`). Neuron indices are relative to the
    /// source and the target (as `i` and `j` are) and must lie in them.
    Synapses {
        /// The presynaptic neurons (Brian2's first index).
        pre: Slice,
        /// The postsynaptic neurons (the second index).
        post: Slice,
        /// The multisynaptic indices (the third index).
        k: Slice,
    },
}

/// One index of a synapse view ([`Selection::Synapses`]): Python's `:`,
/// `n` or `start:stop:step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slice {
    /// Every index (`:`).
    All,
    /// One index (`n`).
    At(usize),
    /// `start:stop:step`: the indices from `start` (inclusive) to `stop`
    /// (exclusive; the end when `None`) in steps of `step` (at least 1).
    Range {
        /// The first index.
        start: usize,
        /// One past the last index; `None`: up to the end.
        stop: Option<usize>,
        /// The step (Python's default is 1).
        step: usize,
    },
}

impl Slice {
    /// `start:stop` (step 1).
    pub fn range(start: usize, stop: usize) -> Slice {
        Slice::Range {
            start,
            stop: Some(stop),
            step: 1,
        }
    }
}

/// A PoissonGroup: `n` independent Poisson spike sources (Brian2's
/// `PoissonGroup(N, rates)`), added by [`Network::add_poisson_group`](crate::sim::Network::add_poisson_group). It
/// is a group like any other: a source of synapses and monitors.
#[derive(Clone, Debug)]
pub struct PoissonGroup {
    /// The name (`poissongroup`, ... when `None`).
    pub name: Option<String>,
    /// The number of sources (at least 1).
    pub n: usize,
    /// A rate (`"10*Hz"`) or an expression per neuron that may use `i` and `t`.
    pub rates: Code,
}

/// A SpikeGeneratorGroup: spikes at given times (Brian2's
/// `SpikeGeneratorGroup(N, indices, times, period=...)`), added by
/// [`Network::add_spike_generator`](crate::sim::Network::add_spike_generator). Spike `k` is neuron `indices[k]` at
/// `times[k]`; a neuron may spike at most once per time step.
#[derive(Clone, Debug)]
pub struct SpikeGeneratorGroup {
    /// The name (`spikegeneratorgroup`, ... when `None`).
    pub name: Option<String>,
    /// The number of neurons.
    pub n: usize,
    /// The neuron of each spike.
    pub indices: Vec<i64>,
    /// Spike times in seconds.
    pub times: Vec<f64>,
    /// Repeat period in seconds (0: none).
    pub period: f64,
}

/// A TimedArray: values over time (1-D), or over time and element (2-D,
/// `values[t][i]`, called as `name(t, i)`).
#[derive(Clone, Debug)]
pub struct TimedArray {
    /// The name code calls it by.
    pub name: String,
    /// Row-major values in SI units: `len` rows of `cols` values (`cols` 1 for 1-D).
    pub values: Vec<f64>,
    /// Values per row for a 2-D array (`None`: 1-D).
    pub cols: Option<usize>,
    /// The time between rows, in seconds.
    pub dt: f64,
    /// The unit of the values.
    pub dim: Dim,
}

/// A PoissonInput: `n` independent Poisson sources at `rate` added to `var` of
/// every element of `target`, without synapses.
#[derive(Clone, Debug)]
pub struct PoissonInput {
    /// The object's name (generated when absent).
    pub name: Option<String>,
    /// The group whose variable receives the input.
    pub target: Handle,
    /// The variable increased by `weight` per input spike.
    pub var: String,
    /// The number of independent sources per target element.
    pub n: usize,
    /// Rate in Hz.
    pub rate: f64,
    /// A quantity or an expression evaluated per target element.
    pub weight: Code,
}

/// Code run regularly on a group or synapses (Brian2's `run_regularly`).
#[derive(Clone, Debug)]
pub struct RunRegularly {
    /// The statements to run.
    pub code: Code,
    /// How often, in seconds (the object's own clock when absent).
    pub dt: Option<f64>,
    /// The schedule slot (`start` by default, as in Brian2).
    pub when: Option<String>,
    /// Order within the slot.
    pub order: i32,
}

/// Indices given to `connect(i=..., j=...)`.
#[derive(Clone, Debug)]
pub enum Indices {
    /// Explicit indices (broadcast against the other side).
    Array(Vec<i64>),
    /// A generator expression (`'k for k in range(i+1)'`, `'i'`).
    Generator(Code),
}

/// A probability: a number or a string expression.
#[derive(Clone, Debug)]
pub enum Prob {
    /// The same probability for every pair.
    Value(f64),
    /// An expression of the pair (`'exp(-(x_pre-x_post)**2)'`).
    Expr(Code),
}

/// The number of synapses per pair: a number or a string expression.
#[derive(Clone, Debug)]
pub enum Count {
    /// The same count for every pair.
    Value(i64),
    /// An expression of the pair.
    Expr(Code),
}

/// The arguments of one `connect` call.
#[derive(Clone, Debug, Default)]
pub struct Connect {
    /// Which pairs to connect (`'i != j'`); all pairs when absent.
    pub condition: Option<Code>,
    /// Presynaptic indices, or a generator of them for each `j`.
    pub i: Option<Indices>,
    /// Postsynaptic indices, or a generator of them for each `i`.
    pub j: Option<Indices>,
    /// Probability of connecting each candidate pair.
    pub p: Option<Prob>,
    /// Synapses per connected pair (Brian2's `n`, default 1).
    pub n: Option<Count>,
    /// Drop generated indices outside the target group instead of failing.
    pub skip_if_invalid: bool,
}

impl Connect {
    /// All-to-all (`connect()`).
    pub fn all() -> Connect {
        Connect::default()
    }
    /// `connect(p=p)`.
    pub fn p(p: f64) -> Connect {
        Connect {
            p: Some(Prob::Value(p)),
            ..Connect::default()
        }
    }
    /// `connect(condition)`.
    pub fn condition(c: impl Into<Code>) -> Connect {
        Connect {
            condition: Some(c.into()),
            ..Connect::default()
        }
    }
    /// `connect(i=..., j=...)` with index arrays.
    pub fn arrays(i: Vec<i64>, j: Vec<i64>) -> Connect {
        Connect {
            i: Some(Indices::Array(i)),
            j: Some(Indices::Array(j)),
            ..Connect::default()
        }
    }
    /// `connect(j='...')`.
    pub fn j(generator: impl Into<Code>) -> Connect {
        Connect {
            j: Some(Indices::Generator(generator.into())),
            ..Connect::default()
        }
    }
}

/// The address of a user's function of 0 to 4 `f64` arguments, as
/// [`UserFunction`] takes it. Each `extern "C" fn(f64, ...) -> f64` converts
/// into it (`f as extern "C" fn(f64) -> f64`).
#[derive(Clone, Copy, Debug)]
pub enum ExternFnPtr {
    /// No argument.
    Args0(extern "C" fn() -> f64),
    /// One argument.
    Args1(extern "C" fn(f64) -> f64),
    /// Two arguments.
    Args2(extern "C" fn(f64, f64) -> f64),
    /// Three arguments.
    Args3(extern "C" fn(f64, f64, f64) -> f64),
    /// Four arguments.
    Args4(extern "C" fn(f64, f64, f64, f64) -> f64),
}

impl ExternFnPtr {
    /// The number of arguments.
    pub fn arity(self) -> usize {
        match self {
            ExternFnPtr::Args0(_) => 0,
            ExternFnPtr::Args1(_) => 1,
            ExternFnPtr::Args2(_) => 2,
            ExternFnPtr::Args3(_) => 3,
            ExternFnPtr::Args4(_) => 4,
        }
    }

    /// The function's address.
    pub(crate) fn addr(self) -> usize {
        match self {
            ExternFnPtr::Args0(f) => f as usize,
            ExternFnPtr::Args1(f) => f as usize,
            ExternFnPtr::Args2(f) => f as usize,
            ExternFnPtr::Args3(f) => f as usize,
            ExternFnPtr::Args4(f) => f as usize,
        }
    }
}

impl From<extern "C" fn() -> f64> for ExternFnPtr {
    fn from(f: extern "C" fn() -> f64) -> Self {
        ExternFnPtr::Args0(f)
    }
}
impl From<extern "C" fn(f64) -> f64> for ExternFnPtr {
    fn from(f: extern "C" fn(f64) -> f64) -> Self {
        ExternFnPtr::Args1(f)
    }
}
impl From<extern "C" fn(f64, f64) -> f64> for ExternFnPtr {
    fn from(f: extern "C" fn(f64, f64) -> f64) -> Self {
        ExternFnPtr::Args2(f)
    }
}
impl From<extern "C" fn(f64, f64, f64) -> f64> for ExternFnPtr {
    fn from(f: extern "C" fn(f64, f64, f64) -> f64) -> Self {
        ExternFnPtr::Args3(f)
    }
}
impl From<extern "C" fn(f64, f64, f64, f64) -> f64> for ExternFnPtr {
    fn from(f: extern "C" fn(f64, f64, f64, f64) -> f64) -> Self {
        ExternFnPtr::Args4(f)
    }
}

/// A Rust function callable from model strings (Brian2's `Function` with a
/// C++ implementation and `@check_units`): its name, the dimensions of its
/// arguments and of its result, and the function. Arguments and result are
/// in SI units, as floats. It must be pure, like Brian2's default
/// `stateless=True`: the kernels may call it on several threads at once,
/// in any order, once for equal arguments, or out of a loop whose
/// iterations give it the same arguments.
#[derive(Clone, Debug)]
pub struct UserFunction {
    /// The name model strings call it by.
    pub name: String,
    /// The dimension of each argument (as many as the function takes).
    pub args: Vec<Dim>,
    /// The dimension of the result.
    pub result: Dim,
    /// The function.
    pub ptr: ExternFnPtr,
}

impl UserFunction {
    /// `name(args...) -> result`, computed by `f`.
    pub fn new(name: impl Into<String>, args: &[Dim], result: Dim, f: impl Into<ExternFnPtr>) -> UserFunction {
        UserFunction {
            name: name.into(),
            args: args.to_vec(),
            result,
            ptr: f.into(),
        }
    }
}
