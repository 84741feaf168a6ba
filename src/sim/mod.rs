//! The simulator and the Rust string-model API: objects (neuron groups,
//! synapses, inputs, monitors), the network schedule and the run loop.
//!
//! A model is built as in Brian2: model equations, thresholds, resets,
//! `on_pre`/`on_post` code and `connect` conditions are strings in Brian2's
//! syntax, unit-checked and compiled to native code when the network first
//! runs. Numbers passed from Rust are in SI units (seconds, volts, ...); the
//! unit constants of [`crate::units::si`] (`20.0 * ms`) give them with units.
//!
//! - [`Network`] owns every object; `add_*` methods return a [`Handle`].
//! - Specifications: [`NeuronGroup`], [`Synapses`] (then [`Network::connect`]
//!   with a [`Connect`]), [`PoissonGroup`], [`SpikeGeneratorGroup`],
//!   [`TimedArray`], [`PoissonInput`], [`RunRegularly`], [`SpikeMonitor`]
//!   (also an EventMonitor), [`StateMonitor`], and rate monitors
//!   ([`Network::add_rate_monitor`]).
//! - Variables are set with [`Network::set`] (a [`Value`] on a [`Selection`])
//!   and read with [`Network::get`]; recordings come back as `ndarray`
//!   arrays ([`SpikeData`], [`StateData`], [`Network::rate_monitor`]).
//! - [`Network::run`] runs; [`Network::store`] and [`Network::restore`] save
//!   and bring back the whole state.
//!
//! Every error is an [`Errors`] value (a list of
//! diagnostics), never a panic.
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, Record, Selection, SpikeMonitor, StateMonitor, Synapses, Value};
//! use spikejit::units::si::*;
//!
//! let mut net = Network::new();
//! net.set_seed(1);
//! let tau = 10.0 * ms;
//! net.constant("tau", tau.value, tau.dim)?;
//! let g = net.add_neurons(
//!     NeuronGroup::new(100, "dv/dt = (1.1 - v)/tau : 1 (unless refractory)")
//!         .threshold("v > 1")
//!         .reset("v = 0")
//!         .refractory("2*ms"),
//! )?;
//! net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
//! let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w").delay((1.0 * ms).value))?;
//! net.connect(s, Connect::p(0.1))?;
//! net.set(s, "w", Value::Scalar(0.01), Selection::All)?;
//! let spikes = net.add_spike_monitor(SpikeMonitor::new(g))?;
//! let trace = net.add_state_monitor(StateMonitor::new(g, &["v"], Record::Indices(vec![0, 1])))?;
//! net.run((100.0 * ms).value)?;
//!
//! let sp = net.spike_monitor(spikes).ok_or("no such spike monitor")?;
//! println!("{} spikes, first at {:?} s", sp.t.len(), sp.t.first());
//! let st = net.state_monitor(trace).ok_or("no such state monitor")?;
//! assert_eq!(st.values[0].1.shape(), &[2, 1000]); // v: (recorded neurons, time steps)
//! # assert!(sp.t.len() > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Inputs: a Poisson group, a spike generator, a timed array, a Poisson input
//! and code run regularly.
//!
//! ```
//! use spikejit::sim::{Connect, Network, NeuronGroup, PoissonGroup, PoissonInput, RunRegularly, SpikeGeneratorGroup, Synapses, TimedArray};
//! use spikejit::units::Dim;
//!
//! let mut net = Network::new();
//! // TimedArray([0, 1, 2]*nA, dt=10*ms): a function stim(t) of every expression
//! net.add_timed_array(TimedArray {
//!     name: "stim".into(),
//!     values: vec![0.0, 1e-9, 2e-9],
//!     cols: None, // Some(n) for a 2-D array called as stim(t, i)
//!     dt: 10e-3,
//!     dim: Dim::AMP,
//! })?;
//! let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = (stim(t)*10*Mohm - v)/(10*ms) : volt"))?;
//! // PoissonGroup(20, rates='10*Hz + i*Hz')
//! let noise = net.add_poisson_group(PoissonGroup { name: Some("noise".into()), n: 20, rates: "10*Hz + i*Hz".into() })?;
//! // SpikeGeneratorGroup(2, [0, 1], [1, 2]*ms, period=5*ms)
//! let generator = net.add_spike_generator(SpikeGeneratorGroup {
//!     name: None,
//!     n: 2,
//!     indices: vec![0, 1],
//!     times: vec![1e-3, 2e-3],
//!     period: 5e-3,
//! })?;
//! for source in [noise, generator] {
//!     let s = net.add_synapses(Synapses::new(source, g, "").on_pre("v_post += 0.5*mV"))?;
//!     net.connect(s, Connect::p(0.5))?;
//! }
//! // PoissonInput(g, 'v', N=100, rate=5*Hz, weight=0.1*mV)
//! net.add_poisson_input(PoissonInput { name: None, target: g, var: "v".into(), n: 100, rate: 5.0, weight: "0.1*mV".into() })?;
//! // g.run_regularly('v = v*0.9', dt=1*ms)
//! net.run_regularly(g, RunRegularly { code: "v = v*0.9".into(), dt: Some(1e-3), when: None, order: 0 })?;
//! net.run(0.05)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Runs check what they compute ([`Network::set_nan_check`]): an integer
//! division or modulo by zero, an integer overflow, and a NaN or infinity
//! are found with the element, the step and the statement.
//!
//! ```
//! use spikejit::sim::{Fault, NanCheck, NanMode, Network, NeuronGroup, Selection, Value};
//!
//! let mut net = Network::new();
//! net.set_nan_check(NanCheck { mode: NanMode::Error, every: 100 });
//! let g = net.add_neurons(
//!     NeuronGroup::new(3, "dv/dt = 1/ms : 1\nn : integer")
//!         .threshold("v > 0.45")
//!         .reset("v = 0\nn = n*1000 + 1"),
//! )?;
//! net.set(g, "n", Value::Expr("i + 1".into()), Selection::All)?;
//! let e = net.run(0.002).err().ok_or("expected an error")?;
//! assert_eq!(e.0[0].code, "integer-overflow");
//! let found = &net.findings()[0];
//! assert_eq!((found.fault, found.index, found.step), (Fault::Overflow, 2, 14));
//! assert_eq!(found.value, "-1293966295"); // wrapped, as numpy's int32
//! let s = found.statement.as_ref().ok_or("no statement")?;
//! assert_eq!((s.code.as_str(), s.line, s.column), ("n = n*1000 + 1", 2, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod arrays;
mod build;
mod checkpoint;
mod connect;
mod inputs;
mod memory;
mod nan;
mod run;
mod team;

use std::collections::HashMap;
use std::sync::Arc;

pub use arrays::{Array, ArrayExt, Store};
pub use checkpoint::Checkpoint;
pub use connect::{Connect, Count, Indices, Prob};
pub use inputs::{PoissonInput, RunRegularly, TimedArray};
pub(crate) use memory::check_memory;
pub use nan::{Fault, Finding, NanCheck, NanMode, StatementRef};
pub(crate) use run::delay_message;
pub use run::{RunControl, RunStats, ScheduleEntry, WarningHandler};
pub use spikejit_runtime::queue;

use crate::codegen::{Backend, Compiler};
use crate::diag::{Diagnostic, Errors, FileOrigin, Result, Source};
use crate::integrate::Method;
use crate::model::equations::{Equations, Owner};
use crate::model::scope::ArrayKey;
use crate::syntax::ast::{Expr, Statement};
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
/// that returned it; [`Network::name_of`] gives the object's name and
/// [`Network::handle`] finds a handle by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle(pub usize);

/// A NeuronGroup, as Brian2's `NeuronGroup(N, model, threshold=..., reset=..., ...)`:
/// the specification [`Network::add_neurons`] builds. Build it with
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
}

impl NeuronGroup {
    /// `n` neurons with the model equations `model` (no threshold, reset or
    /// refractoriness; the default method and clock).
    ///
    /// ```
    /// use spikejit::sim::NeuronGroup;
    ///
    /// let lif = NeuronGroup::new(
    ///     100,
    ///     "dv/dt = (v0 - v)/(10*ms) : volt (unless refractory)
    ///      v0 : volt",
    /// )
    /// .name("G")
    /// .threshold("v > -50*mV")
    /// .reset("v = -60*mV")
    /// .refractory("5*ms")
    /// .method("exact");
    /// assert_eq!(lif.n, 100);
    /// ```
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
            order: 0,
            when: None,
            events: Vec::new(),
            run_on_event: Vec::new(),
            namespace: Vec::new(),
            dtype: Vec::new(),
        }
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
    /// The order within the schedule slot (Brian2's `order=`).
    pub fn order(mut self, o: i32) -> Self {
        self.order = o;
        self
    }
}

/// Synapses, as Brian2's `Synapses(source, target, model, on_pre=..., delay=...)`:
/// the specification [`Network::add_synapses`] builds. The synapses themselves
/// are made by [`Network::connect`].
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
}

impl Synapses {
    /// Synapses from `source` to `target` with the synaptic model `model`
    /// (`""` for none), no pathways and no delay. `source` and `target` are
    /// handles of groups, subgroups or (for synapses on synapses) other
    /// synapses.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Synapses};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(10, "v : volt"))?;
    /// // Synapses(G, G, 'w : volt', on_pre='v_post += w', delay=2*ms)
    /// let spec = Synapses::new(g, g, "w : volt").on_pre("v_post += w").delay(2e-3);
    /// // two named pathways, one on presynaptic and one on postsynaptic spikes
    /// let stdp = Synapses::new(g, g, "w : 1\ndapre/dt = -apre/(20*ms) : 1 (event-driven)")
    ///     .pathway("pre", "apre += 0.01; w += apre", false)
    ///     .pathway("post", "w -= 0.01", true);
    /// assert_eq!(stdp.pathways.len(), 2);
    /// # let _ = spec;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
            order: 0,
            on_event: Vec::new(),
            multisynaptic_index: None,
            when: None,
            namespace: Vec::new(),
            dtype: Vec::new(),
        }
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
}

/// A SpikeMonitor (Brian2's `SpikeMonitor(G, variables=..., record=...)`), or
/// an EventMonitor when `event` names a custom event: the specification
/// [`Network::add_spike_monitor`] builds.
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
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(
    ///     NeuronGroup::new(5, "dv/dt = 100*Hz : 1").threshold("v > 1").reset("v = 0").event("half", "v > 0.5"),
    /// )?;
    /// let spikes = net.add_spike_monitor(SpikeMonitor::new(g).name("spikes"))?;
    /// // SpikeMonitor(G, record=False): only the counts
    /// let mut counts = SpikeMonitor::new(g).name("counts");
    /// counts.record = false;
    /// net.add_spike_monitor(counts)?;
    /// // EventMonitor(G, 'half', variables=['v'])
    /// let mut half = SpikeMonitor::new(g).name("half");
    /// half.event = "half".into();
    /// half.variables = vec!["v".into()];
    /// let half = net.add_spike_monitor(half)?;
    /// net.run(0.1)?;
    /// assert_eq!(net.spike_monitor(spikes).ok_or("no monitor")?.count.to_vec(), vec![10; 5]);
    /// let v_at_half = &net.spike_monitor_values(half)[0];
    /// assert_eq!(v_at_half.0, "v");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
/// the specification [`Network::add_state_monitor`] builds.
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
    /// The schedule slot (`start` when `None`).
    pub when: Option<String>,
    /// The order in the slot.
    pub order: i32,
}

impl StateMonitor {
    /// Records `variables` of the elements `record` of `source`, every time step
    /// of the source's clock.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Record, StateMonitor};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = -v/(10*ms) : 1\nI = 2*v : 1"))?;
    /// let all = net.add_state_monitor(StateMonitor::new(g, &["v", "I"], Record::All))?;
    /// // StateMonitor(G, 'v', record=[0, 5], dt=1*ms)
    /// let mut spec = StateMonitor::new(g, &["v"], Record::Indices(vec![0, 5])).name("every_ms");
    /// spec.dt = Some(1e-3);
    /// let coarse = net.add_state_monitor(spec)?;
    /// net.run(0.01)?;
    /// assert_eq!(net.state_monitor(all).ok_or("no monitor")?.values[1].1.shape(), &[10, 100]);
    /// assert_eq!(net.state_monitor(coarse).ok_or("no monitor")?.t.len(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(source: Handle, variables: &[&str], record: Record) -> StateMonitor {
        StateMonitor {
            name: None,
            source,
            variables: variables.iter().map(|s| s.to_string()).collect(),
            record,
            dt: None,
            when: None,
            order: 0,
        }
    }
    /// The monitor's name (unique in the network; the npz file's name in model files).
    pub fn name(mut self, n: &str) -> Self {
        self.name = Some(n.to_string());
        self
    }
}

/// A value to set a variable to (see [`Network::set`]).
#[derive(Clone, Debug)]
pub enum Value {
    /// One value for all (in SI units).
    Scalar(f64),
    /// One value per element (SI units).
    Array(Vec<f64>),
    /// A string expression evaluated per element.
    Expr(Code),
}

/// Which elements to set (see [`Network::set`]).
#[derive(Clone, Debug)]
pub enum Selection {
    /// Every element (Brian2's `G.v = ...`).
    All,
    /// Elements where a boolean string expression holds (`'i > j'`).
    Where(Code),
    /// The synapses from `i` to `j`.
    Pair(usize, usize),
}

/// The schedule slots of Brian2's default schedule.
pub const SLOTS: [&str; 6] = ["start", "groups", "thresholds", "synapses", "resets", "end"];

/// The slot at a position of the schedule ([`slot_rank`]'s inverse).
pub fn slot_name(rank: i32) -> &'static str {
    const NAMES: [&str; 18] = [
        "before_start",
        "start",
        "after_start",
        "before_groups",
        "groups",
        "after_groups",
        "before_thresholds",
        "thresholds",
        "after_thresholds",
        "before_synapses",
        "synapses",
        "after_synapses",
        "before_resets",
        "resets",
        "after_resets",
        "before_end",
        "end",
        "after_end",
    ];
    usize::try_from(rank)
        .ok()
        .and_then(|k| NAMES.get(k))
        .copied()
        .unwrap_or("?")
}

/// Position of a slot (`before_X`, `X`, `after_X`) in the schedule.
pub fn slot_rank(when: &str) -> Option<i32> {
    let (pre, base) = if let Some(b) = when.strip_prefix("before_") {
        (0, b)
    } else if let Some(b) = when.strip_prefix("after_") {
        (2, b)
    } else {
        (1, when)
    };
    SLOTS.iter().position(|s| *s == base).map(|k| k as i32 * 3 + pre)
}

pub(crate) struct Group {
    pub name: String,
    pub n: usize,
    pub eqs: Equations,
    pub threshold: Option<(Arc<Source>, Expr)>,
    pub reset: Option<(Arc<Source>, Vec<Statement>)>,
    pub refractory: Option<(Arc<Source>, Expr)>,
    pub methods: Vec<Method>,
    /// The method as given (integration errors point at it); `None` when chosen automatically.
    pub method_src: Option<Arc<Source>>,
    pub dt: f64,
    pub order: i32,
    pub when: i32,
    pub kind: GroupKind,
    pub namespace: Vec<(String, f64, Dim)>,
    /// Custom events (name, source, condition) and their code (event, source, statements).
    pub events: Vec<(String, Arc<Source>, Expr)>,
    pub event_code: Vec<(String, Arc<Source>, Vec<Statement>)>,
}

/// What kind of group a [`Group`] is: neurons, or an input that behaves like one.
pub(crate) enum GroupKind {
    Neurons,
    /// A PoissonGroup: a group whose threshold is `rand() < rates*dt`.
    Poisson,
    /// A SpikeGeneratorGroup: spikes from a list.
    Generator(Box<GeneratorState>),
}

/// The spikes of a SpikeGeneratorGroup, sorted by (step, index).
#[derive(Clone, Debug, Default)]
pub(crate) struct GeneratorState {
    pub steps: Vec<i64>,
    pub indices: Vec<i32>,
    /// The period in steps (0: no period).
    pub period: i64,
    pub next: usize,
}

impl Group {
    /// Whether the group emits spikes (has a threshold or is a spike source).
    pub fn spikes(&self) -> bool {
        self.threshold.is_some() || matches!(self.kind, GroupKind::Generator(_))
    }

    /// Whether the group emits `event`.
    pub fn has_event(&self, event: &str) -> bool {
        if event == "spike" {
            self.spikes()
        } else {
            self.events.iter().any(|e| e.0 == event)
        }
    }
}

/// The array holding the indices of the elements that had `event` this step.
pub(crate) fn space_key(event: &str) -> String {
    if event == "spike" {
        "_spikespace".to_string()
    } else {
        format!("_{event}space")
    }
}

pub(crate) struct Pathway {
    pub name: String,
    pub code: Arc<Source>,
    pub stmts: Vec<Statement>,
    pub is_post: bool,
    /// Scalar delay in seconds, or `None` for per-synapse delays (array `NAME.delay`).
    pub scalar_delay: Option<f64>,
    pub queue: queue::SpikeQueue,
    /// The event of the emitting group this pathway reacts to.
    pub event: String,
}

pub(crate) struct Syn {
    pub namespace: Vec<(String, f64, Dim)>,
    pub multisynaptic_index: Option<String>,
    pub when: i32,
    pub name: String,
    pub source: GroupRange,
    pub target: GroupRange,
    /// Brian2's `order` of the source and of the target as given (a subgroup's
    /// is its group's + 1): summed variables are updated at the order before.
    pub source_order: i32,
    pub target_order: i32,
    pub eqs: Equations,
    pub pathways: Vec<Pathway>,
    pub connected: bool,
    pub n: usize,
    pub methods: Vec<Method>,
    /// The method as given (integration errors point at it); `None` when chosen automatically.
    pub method_src: Option<Arc<Source>>,
    pub dt: f64,
    pub order: i32,
}

/// A contiguous range of a neuron group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupRange {
    /// The index of the group among the network's objects.
    pub group: usize,
    /// The first neuron of the range.
    pub start: usize,
    /// One past the last neuron of the range.
    pub stop: usize,
}

impl GroupRange {
    /// The number of neurons in the range.
    pub fn len(&self) -> usize {
        self.stop - self.start
    }
    /// Whether the range holds no neuron.
    pub fn is_empty(&self) -> bool {
        self.stop == self.start
    }
}

pub(crate) struct SpikeMon {
    pub name: String,
    pub source: GroupRange,
    pub record: bool,
    pub event: String,
    pub variables: Vec<String>,
    pub values: Vec<Vec<f64>>,
    pub when: i32,
    pub order: i32,
    pub i: Vec<i32>,
    pub t: Vec<f64>,
    pub count: Vec<i32>,
}

pub(crate) struct StateMon {
    pub name: String,
    pub source: Handle,
    pub variables: Vec<String>,
    pub indices: Vec<usize>,
    pub dt: f64,
    pub when: i32,
    pub order: i32,
    pub t: Vec<f64>,
    /// Per variable: time-major samples (`t.len() × indices.len()`).
    pub data: Vec<Vec<f64>>,
}

pub(crate) enum Object {
    Group(Group),
    Subgroup { name: String, range: GroupRange },
    Synapses(Box<Syn>),
    SpikeMon(SpikeMon),
    StateMon(StateMon),
    RateMon(RateMon),
    TimedArray(inputs::TimedArrayObj),
    PoissonInput(inputs::PoissonInputObj),
}

impl Object {
    fn name(&self) -> &str {
        match self {
            Object::Group(g) => &g.name,
            Object::Subgroup { name, .. } => name,
            Object::Synapses(s) => &s.name,
            Object::SpikeMon(m) => &m.name,
            Object::StateMon(m) => &m.name,
            Object::RateMon(m) => &m.name,
            Object::TimedArray(t) => &t.name,
            Object::PoissonInput(p) => &p.name,
        }
    }
}

/// Recorded spikes of a SpikeMonitor (or events of an EventMonitor), as
/// Brian2's `M.i`, `M.t` and `M.count`.
#[derive(Clone, Debug)]
pub struct SpikeData {
    /// The index of the neuron of each spike (relative to the recorded group
    /// or subgroup), in the order of recording.
    pub i: ndarray::Array1<i32>,
    /// The time of each spike in seconds.
    pub t: ndarray::Array1<f64>,
    /// The number of spikes of each neuron.
    pub count: ndarray::Array1<i32>,
}

/// Recorded values of a StateMonitor: `values` holds, per variable in the
/// monitor's order, its name and a 2-D array of shape (recorded indices, time
/// points) in SI units; `t` the time points in seconds.
#[derive(Clone, Debug)]
pub struct StateData {
    /// The recording times in seconds.
    pub t: ndarray::Array1<f64>,
    /// (variable, values of shape (recorded indices, times)).
    pub values: Vec<(String, ndarray::Array2<f64>)>,
}

/// A network: its objects, their arrays, the clocks and the compiler (Brian2's
/// `Network` with `defaultclock`, `seed()` and the namespace).
///
/// Objects are added with `add_*` methods, each returning a [`Handle`];
/// kernels are compiled at the first [`Network::run`] (or by
/// [`Network::check`]) and again only when an object was added since.
///
/// # Connecting synapses
///
/// [`Network::connect`] takes a [`Connect`]: all-to-all, a probability, a
/// condition, index arrays, a generator expression, or any combination of
/// the fields (as Brian2's `S.connect(condition, i=, j=, p=, n=, skip_if_invalid=)`).
///
/// ```
/// use spikejit::sim::{Connect, Count, Network, NeuronGroup, Prob, Synapses};
///
/// let mut net = Network::new();
/// let g = net.add_neurons(NeuronGroup::new(10, "v : 1"))?;
/// let s = net.add_synapses(Synapses::new(g, g, "w : 1"))?;
/// // every call adds synapses, as repeated S.connect(...) calls do
/// net.connect(s, Connect::all())?; // S.connect()
/// net.connect(s, Connect::p(0.1))?; // S.connect(p=0.1)
/// net.connect(s, Connect::condition("i != j"))?; // S.connect('i != j')
/// net.connect(s, Connect::arrays(vec![0, 1], vec![2, 3]))?; // S.connect(i=[0, 1], j=[2, 3])
/// net.connect(s, Connect::j("k for k in range(i-3, i+4) if k >= 0 and k < N_post"))?;
/// // S.connect('abs(i-j) < 3', p=0.5, n=2)
/// let c = Connect {
///     condition: Some("abs(i - j) < 3".into()),
///     p: Some(Prob::Value(0.5)),
///     n: Some(Count::Value(2)),
///     ..Connect::default()
/// };
/// net.connect(s, c)?;
/// // S2.connect(j='i+1', skip_if_invalid=True): the last neuron has no i+1
/// let chain = net.add_synapses(Synapses::new(g, g, ""))?;
/// net.connect(chain, Connect { skip_if_invalid: true, ..Connect::j("i+1") })?;
/// assert_eq!(net.size_of(chain)?, 9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Setting variables
///
/// [`Network::set`] writes a [`Value`] (a number, one number per element or
/// a string expression) to the elements a [`Selection`] picks, as Brian2's
/// `G.v = ...`, `S.w['i > j'] = ...` and `S.w[i, j] = ...`. Numbers are SI
/// values. Synaptic variables can be set only after `connect`; a pathway's
/// delay is the variable `delay` (`pre`) or `NAME.delay`.
///
/// ```
/// use spikejit::sim::{Connect, Network, NeuronGroup, Selection, Synapses, Value};
///
/// let mut net = Network::new();
/// let g = net.add_neurons(NeuronGroup::new(4, "v : volt\nI : amp").threshold("v > 0*mV"))?;
/// net.set(g, "v", Value::Scalar(-0.07), Selection::All)?; // G.v = -70*mV
/// net.set(g, "I", Value::Array(vec![0.0, 1e-9, 2e-9, 3e-9]), Selection::All)?; // G.I = [0, 1, 2, 3]*nA
/// net.set(g, "v", Value::Expr("-60*mV + i*mV".into()), Selection::Where("i >= 2".into()))?; // G.v['i >= 2'] = ...
/// let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w*mV"))?;
/// net.connect(s, Connect::all())?;
/// net.set(s, "w", Value::Expr("rand()".into()), Selection::All)?; // S.w = 'rand()'
/// net.set(s, "w", Value::Scalar(0.0), Selection::Where("i == j".into()))?; // S.w['i == j'] = 0
/// net.set(s, "w", Value::Scalar(2.0), Selection::Pair(0, 1))?; // S.w[0, 1] = 2
/// net.set(s, "delay", Value::Expr("(1 + j)*ms".into()), Selection::All)?; // S.delay = '(1 + j)*ms'
/// let v = net.get(g, "v")?;
/// assert!((v[3] + 0.057).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Running
///
/// [`Network::run`] advances the network by a duration in seconds; runs
/// continue one another, as consecutive `run()` calls in Brian2.
///
/// ```
/// use spikejit::sim::{Network, NeuronGroup};
///
/// let mut net = Network::new();
/// net.set_dt(0.05e-3); // defaultclock.dt = 0.05*ms
/// let g = net.add_neurons(NeuronGroup::new(1, "dv/dt = 1/(10*ms) : 1").threshold("v > 1").reset("v = 0"))?;
/// net.run(0.02)?; // run(20*ms)
/// net.run(0.01)?; // and 10 ms more
/// assert!((net.t() - 0.03).abs() < 1e-12);
/// assert_eq!(net.stats().steps, 600);
/// # let _ = g;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Network {
    pub(crate) objects: Vec<Object>,
    pub(crate) store: Store,
    pub(crate) constants: HashMap<String, (f64, Dim)>,
    pub(crate) dt: f64,
    pub(crate) seed: u64,
    pub(crate) float32: bool,
    /// Divisions by constants as multiplications ([`Network::set_fast_math`]).
    pub(crate) fast_math: bool,
    pub(crate) compiler: Compiler,
    /// The current time step of each clock (by dt bits).
    pub(crate) clock_steps: HashMap<u64, i64>,
    pub(crate) t: f64,
    pub(crate) rng_streams: u64,
    pub(crate) stats: RunStats,
    pub(crate) control: RunControl,
    pub(crate) regular: Vec<inputs::Regular>,
    snapshots: HashMap<String, Box<Snapshot>>,
    pub(crate) constant_types: HashMap<String, crate::model::scope::ValTy>,
    /// The run stopped early, to continue ([`Network::continue_run`]).
    pub(crate) pending: Option<run::PendingRun>,
    pub(crate) nan_check: NanCheck,
    /// What the run-time checks found.
    pub(crate) findings: Vec<Finding>,
    /// The first step (of the finest clock) and its time since the last check.
    pub(crate) nan_since: Option<(i64, f64)>,
    /// Whether the last run stopped on a finding of the checks ([`NanMode::Error`]).
    pub(crate) nan_failed: bool,
    /// Why the last run stopped when a monitor's buffer could not grow.
    pub(crate) recording_failed: Option<Diagnostic>,
    /// Threads for the kernels that split over element ranges (1: none).
    pub(crate) threads: usize,
    pub(crate) team: Option<std::sync::Arc<team::Team>>,
    /// Warnings found while checking code (see [`Network::warnings`]), each once.
    warnings: std::sync::Mutex<Vec<Diagnostic>>,
}

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

/// A clock's dt (`ctx` names it) must be a positive, finite time in seconds.
pub(crate) fn check_dt(dt: f64, ctx: &str) -> Result<()> {
    if dt > 0.0 && dt.is_finite() {
        return Ok(());
    }
    Err(err(
        "bad-dt",
        ctx,
        format!("dt must be a positive, finite time, got {dt} s"),
    ))
}

/// The span of `text` without its leading and trailing blanks (a whole
/// one-word value such as a method name).
pub(crate) fn trimmed(text: &str) -> crate::diag::Span {
    let start = text.len() - text.trim_start().len();
    crate::diag::Span::new(start, text.trim_end().len().max(start))
}

pub(crate) fn err(code: &'static str, context: &str, msg: impl Into<String>) -> Errors {
    Errors::one(Diagnostic::new(code, msg).with_context(context))
}

/// Refuses, before anything is allocated, `count` elements (`what`: "neurons",
/// "synapses") of `bytes_each` bytes when they cannot fit: more than the 32-bit
/// indices spikejit uses (as Brian2 does) can address, or more bytes than the
/// memory available ([`memory::available_memory`]). `ctx` names the object
/// and key (`neurons 'P'.N`).
pub(crate) fn check_size(code: &'static str, ctx: &str, what: &str, count: f64, bytes_each: f64) -> Result<()> {
    let max_index = f64::from(i32::MAX);
    let shown = memory::show_count(count);
    if let Err(mut e) = memory::check_memory(code, ctx, what, count, bytes_each) {
        if count > max_index {
            for d in &mut e.0 {
                d.help = Some(format!(
                    "spikejit indexes {what} with 32-bit integers, as Brian2 does: at most {}",
                    i32::MAX
                ));
            }
        }
        return Err(e);
    }
    if count > max_index {
        return Err(Errors::one(
            Diagnostic::new(
                code,
                format!(
                    "{shown} {what} are too many: spikejit indexes {what} with 32-bit integers, as Brian2 does (at most {})",
                    i32::MAX
                ),
            )
            .with_context(ctx),
        ));
    }
    Ok(())
}

impl Network {
    /// An empty network: default clock dt 0.1 ms, seed 0, float64, the JIT
    /// backend, time 0.
    ///
    /// ```
    /// use spikejit::sim::Network;
    /// use spikejit::units::Dim;
    ///
    /// let mut net = Network::new();
    /// net.set_dt(0.1e-3); // defaultclock.dt = 0.1*ms (in seconds)
    /// net.set_seed(42); // seed(42)
    /// net.constant("tau", 10e-3, Dim::SECOND)?; // tau = 10*ms, for every model string
    /// assert_eq!(net.t(), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Network {
        Network {
            objects: Vec::new(),
            store: Store::default(),
            constants: HashMap::new(),
            dt: 1e-4,
            seed: 0,
            float32: false,
            fast_math: false,
            compiler: Compiler::new(Backend::Jit),
            clock_steps: HashMap::new(),
            t: 0.0,
            rng_streams: 0,
            stats: RunStats::default(),
            control: RunControl::default(),
            regular: Vec::new(),
            snapshots: HashMap::new(),
            constant_types: HashMap::new(),
            pending: None,
            nan_check: NanCheck::default(),
            findings: Vec::new(),
            nan_since: None,
            nan_failed: false,
            recording_failed: None,
            threads: 1,
            team: None,
            warnings: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Warnings about the model's code, found when its kernels were built
    /// (by [`Network::check`] or a run): an assignment to a name that is no
    /// variable and that nothing reads (`u = 5` where the model has no `u`: it
    /// makes a temporary, as in Brian2, and so does nothing), a float value
    /// stored into an integer variable (truncated toward zero). The model runs
    /// as written; each warning is reported once.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    ///
    /// let mut net = Network::new();
    /// net.add_neurons(NeuronGroup::new(2, "dv/dt = 1/ms : 1").threshold("v > 1").reset("v = 0; u = 5"))?;
    /// net.check()?;
    /// let w = net.warnings();
    /// assert_eq!(w.len(), 1);
    /// assert_eq!(w[0].code, "unused-temporary");
    /// assert!(w[0].message.contains("'u' is not a variable"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// Keeps warnings not reported before (a kernel built again finds them again).
    pub(crate) fn warn(&self, found: Vec<Diagnostic>) {
        if found.is_empty() {
            return;
        }
        let Ok(mut kept) = self.warnings.lock() else { return };
        for w in found {
            let same = |k: &Diagnostic| {
                k.code == w.code
                    && k.span == w.span
                    && k.message == w.message
                    && k.source.as_ref().map(|s| &s.name) == w.source.as_ref().map(|s| &s.name)
            };
            if !kept.iter().any(same) {
                kept.push(w);
            }
        }
    }

    /// Runs on `n` threads (0: one per core of the machine). Results do not
    /// depend on the number: only kernels whose elements are independent and
    /// that draw no random numbers (a neuron group's state update and threshold)
    /// are split, each over contiguous element ranges, and spikes are collected
    /// in element order. Groups under 16384 elements stay on one thread (the
    /// hand-over would cost more than it saves).
    ///
    /// ```
    /// # use spikejit::sim::Network;
    /// let mut net = Network::new();
    /// net.set_threads(2);
    /// assert_eq!(net.threads(), 2);
    /// ```
    pub fn set_threads(&mut self, n: usize) {
        let n = if n == 0 {
            std::thread::available_parallelism().map_or(1, |c| c.get())
        } else {
            n
        };
        self.team = if n > 1 {
            team::Team::new(n).map(std::sync::Arc::new)
        } else {
            None
        };
        self.threads = self.team.as_ref().map_or(1, |t| t.size());
    }

    /// The number of threads runs use ([`Network::set_threads`]).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Uses the interpreter instead of the JIT (slow; for testing).
    pub fn set_backend(&mut self, b: Backend) {
        self.compiler = Compiler::new(b);
    }

    /// The default clock's time step in seconds.
    pub fn set_dt(&mut self, dt: f64) {
        self.dt = dt;
    }

    /// The seed of every random number drawn (`rand()`, `randn()`, connect,
    /// Poisson inputs), as Brian2's `seed()`: the same seed gives the same
    /// results. Set it before adding objects whose `set` or `connect` draws.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// Runs every kernel in single precision (Brian2's `float32` default dtype).
    pub fn set_float32(&mut self, on: bool) {
        self.float32 = on;
    }

    /// Compiles kernels compiled from now on as Brian2's C++ targets do under
    /// their default `-ffast-math` in one respect: a division by a constant
    /// (`v/(4*mV)`, `x/tau` with `tau` a constant) becomes a multiplication by
    /// its reciprocal. Faster where a state update divides a lot (COBAHH-type
    /// models); results can differ from exact IEEE division (and from Brian2's
    /// numpy target) by an ulp per division. Off by default. Set it before
    /// adding objects.
    ///
    /// ```
    /// use spikejit::sim::Network;
    ///
    /// let mut net = Network::new();
    /// net.set_fast_math(true);
    /// assert!(net.fast_math());
    /// ```
    pub fn set_fast_math(&mut self, on: bool) {
        self.fast_math = on;
    }

    /// Whether divisions by constants are compiled as multiplications
    /// ([`Network::set_fast_math`]).
    pub fn fast_math(&self) -> bool {
        self.fast_math
    }

    /// Adds a named constant with its type (an integer constant stays an integer
    /// in expressions, as a Python int does in Brian2).
    pub fn constant_typed(&mut self, name: &str, value: f64, dim: Dim, ty: crate::model::scope::ValTy) -> Result<()> {
        self.constant(name, value, dim)?;
        if ty != crate::model::scope::ValTy::Float {
            self.constant_types.insert(name.to_string(), ty);
        }
        Ok(())
    }

    /// Adds a named constant (its value in SI units and its dimension).
    pub fn constant(&mut self, name: &str, value: f64, dim: Dim) -> Result<()> {
        if let Some(what) = crate::model::scope::is_reserved_builtin(name) {
            return Err(err(
                "bad-name",
                "constants",
                format!("'{name}' is {what} and cannot be redefined as a constant"),
            ));
        }
        self.constants.insert(name.to_string(), (value, dim));
        Ok(())
    }

    /// A constant's value (SI units) and dimension, if it is defined.
    pub fn constant_value(&self, name: &str) -> Option<(f64, Dim)> {
        self.constants.get(name).copied()
    }

    /// Whether a constant was defined as an integer ([`Network::constant_typed`]).
    pub fn constant_is_integer(&self, name: &str) -> bool {
        self.constant_types.get(name) == Some(&crate::model::scope::ValTy::Int)
    }

    /// Adds a named constant given as a quantity: `net.constant_q("taum", 20.0 * ms)`.
    ///
    /// ```
    /// use spikejit::sim::Network;
    /// use spikejit::units::si::*;
    /// let mut net = Network::new();
    /// net.constant_q("taum", 20.0 * ms).unwrap();
    /// net.constant_q("Vt", -50.0 * mV).unwrap();
    /// ```
    pub fn constant_q(&mut self, name: &str, q: crate::units::Quantity) -> Result<()> {
        self.constant(name, q.value, q.dim)
    }

    /// The current simulation time in seconds.
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Statistics of the runs so far (compile and run seconds, kernels).
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }

    fn unique_name(&self, wanted: Option<&str>, prefix: &str) -> Result<String> {
        match wanted {
            Some(n) => {
                if self.objects.iter().any(|o| o.name() == n) {
                    return Err(err(
                        "duplicate",
                        n,
                        format!("the name '{n}' is already used by another object"),
                    ));
                }
                Ok(n.to_string())
            }
            None => {
                let mut k = 0;
                loop {
                    let n = if k == 0 {
                        prefix.to_string()
                    } else {
                        format!("{prefix}_{k}")
                    };
                    if !self.objects.iter().any(|o| o.name() == n) {
                        return Ok(n);
                    }
                    k += 1;
                }
            }
        }
    }

    /// The object with this name.
    pub fn handle(&self, name: &str) -> Option<Handle> {
        self.objects.iter().position(|o| o.name() == name).map(Handle)
    }

    /// The name of an object (`"?"` for a handle of no object).
    pub fn name_of(&self, h: Handle) -> &str {
        self.objects.get(h.0).map(|o| o.name()).unwrap_or("?")
    }

    pub(crate) fn float_elem(&self) -> crate::ir::ElemTy {
        if self.float32 {
            crate::ir::ElemTy::F32
        } else {
            crate::ir::ElemTy::F64
        }
    }

    /// Adds a NeuronGroup; its variables start at 0 (`not_refractory` True,
    /// `lastspike` -10000 s). The model strings are parsed now (syntax and
    /// structure errors are returned here); units are checked when kernels
    /// are built.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Selection, Value};
    /// use spikejit::units::si::*;
    ///
    /// let mut net = Network::new();
    /// let tau = 10.0 * ms;
    /// net.constant("tau", tau.value, tau.dim)?;
    /// let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = (1.1 - v)/tau : 1").threshold("v > 1").reset("v = 0"))?;
    /// net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
    /// assert_eq!(net.size_of(g)?, 10);
    /// assert_eq!(net.name_of(g), "neurongroup");
    /// // a subgroup, as G[0:4]
    /// let first = net.subgroup(g, 0, 4, Some("first"))?;
    /// assert_eq!(net.get(first, "v")?.len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_neurons(&mut self, spec: NeuronGroup) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "neurongroup")?;
        check_dt(spec.dt.unwrap_or(self.dt), &format!("neurons '{name}'.dt"))?;
        if spec.n == 0 {
            return Err(err(
                "bad-size",
                &format!("neurons '{name}'"),
                "a neuron group needs at least 1 neuron, got 0",
            ));
        }
        let model_src = spec.model.source(format!("neurons '{name}'.model"));
        let eqs = Equations::parse(model_src, Owner::NeuronGroup)?;
        let mut errors = Vec::new();
        let threshold = match &spec.threshold {
            Some(c) => {
                let src = c.source(format!("neurons '{name}'.threshold"));
                match crate::syntax::parse_expression(&src) {
                    Ok(e) => Some((src, e)),
                    Err(e) => {
                        errors.extend(e.0);
                        None
                    }
                }
            }
            None => None,
        };
        let reset = match &spec.reset {
            Some(c) => {
                let src = c.source(format!("neurons '{name}'.reset"));
                match crate::syntax::parse_statements(&src) {
                    Ok(s) => Some((src, s)),
                    Err(e) => {
                        errors.extend(e.0);
                        None
                    }
                }
            }
            None => None,
        };
        let refractory = match &spec.refractory {
            Some(c) => {
                let src = c.source(format!("neurons '{name}'.refractory"));
                match crate::syntax::parse_expression(&src) {
                    Ok(e) => Some((src, e)),
                    Err(e) => {
                        errors.extend(e.0);
                        None
                    }
                }
            }
            None => None,
        };
        let method_src = spec
            .method
            .as_ref()
            .map(|m| m.source(format!("neurons '{name}'.method")));
        let methods = match &method_src {
            Some(src) => match Method::parse(src.text.trim()) {
                Ok(m) => vec![m],
                Err(msg) => {
                    errors.push(Diagnostic::at("bad-method", src, trimmed(&src.text), msg));
                    vec![]
                }
            },
            None => crate::integrate::DEFAULT_METHODS.to_vec(),
        };
        let when = match &spec.when {
            Some(w) => match slot_rank(w) {
                Some(r) => r,
                None => {
                    errors.push(
                        Diagnostic::new("bad-slot", format!("unknown schedule slot '{w}'"))
                            .with_context(format!("neurons '{name}'.when")),
                    );
                    0
                }
            },
            None => slot_rank("groups").unwrap_or(4),
        };
        let mut events = Vec::new();
        for (ev, c) in &spec.events {
            let src = c.source(format!("neurons '{name}'.events.{ev}"));
            if ev == "spike" {
                errors.push(
                    Diagnostic::new(
                        "bad-event",
                        "'spike' is the threshold's event: give it as 'threshold', not in 'events'",
                    )
                    .with_context(format!("neurons '{name}'.events")),
                );
                continue;
            }
            if crate::model::equations::check_identifier(ev, Owner::NeuronGroup, false).is_err()
                || !ev.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            {
                errors.push(
                    Diagnostic::new("bad-event", format!("'{ev}' is not a valid event name"))
                        .with_context(format!("neurons '{name}'.events")),
                );
                continue;
            }
            match crate::syntax::parse_expression(&src) {
                Ok(e) => events.push((ev.clone(), src, e)),
                Err(e) => errors.extend(e.0),
            }
        }
        let mut event_code = Vec::new();
        for (ev, c) in &spec.run_on_event {
            let src = c.source(format!("neurons '{name}'.run_on_event.{ev}"));
            let known = (ev == "spike" && threshold.is_some())
                || events.iter().any(|e: &(String, Arc<Source>, Expr)| &e.0 == ev);
            if !known {
                errors.push(
                    Diagnostic::new("bad-event", format!("unknown event '{ev}'"))
                        .with_context(format!("neurons '{name}'.run_on_event")),
                );
                continue;
            }
            match crate::syntax::parse_statements(&src) {
                Ok(st) => event_code.push((ev.clone(), src, st)),
                Err(e) => errors.extend(e.0),
            }
        }
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let fl = self.float_elem();
        // the bytes per neuron of the arrays allocated below, checked before any is
        let elem_size = |e: crate::ir::ElemTy| match e {
            crate::ir::ElemTy::F64 => 8.0,
            crate::ir::ElemTy::U8 => 1.0,
            _ => 4.0,
        };
        let per_neuron = eqs
            .vars
            .iter()
            .filter(|v| !v.has_flag("shared"))
            .filter(|v| v.kind() != crate::syntax::ast::EquationKind::Subexpression || v.has_flag("constant over dt"))
            .map(|v| match v.ty {
                crate::model::scope::ValTy::Float => elem_size(fl),
                crate::model::scope::ValTy::Int => 4.0,
                crate::model::scope::ValTy::Bool => 1.0,
            })
            .sum::<f64>()
            + 4.0 * (events.len() + usize::from(threshold.is_some())) as f64
            + if refractory.is_some() { 9.0 } else { 0.0 };
        check_size(
            "too-large",
            &format!("neurons '{name}'.N"),
            "neurons",
            spec.n as f64,
            per_neuron.max(1.0),
        )?;
        let id = self.objects.len();
        for (ev, _, _) in &events {
            self.store.insert(
                ArrayKey::new(id, space_key(ev)),
                Array::zeros(crate::ir::ElemTy::I32, spec.n + 1),
            );
        }
        for v in &eqs.vars {
            if v.kind() == crate::syntax::ast::EquationKind::Subexpression && !v.has_flag("constant over dt") {
                continue;
            }
            let len = if v.has_flag("shared") { 1 } else { spec.n };
            let elem = match v.ty {
                crate::model::scope::ValTy::Float => spec
                    .dtype
                    .iter()
                    .find(|(n, _)| n == v.name())
                    .or_else(|| spec.dtype.iter().find(|(n, _)| n == "*"))
                    .map_or(fl, |(_, e)| *e),
                crate::model::scope::ValTy::Int => crate::ir::ElemTy::I32,
                crate::model::scope::ValTy::Bool => crate::ir::ElemTy::U8,
            };
            self.store.insert(ArrayKey::new(id, v.name()), Array::zeros(elem, len));
        }
        if refractory.is_some() {
            let mut ls = Array::zeros(crate::ir::ElemTy::F64, spec.n);
            ls.fill(-1e4);
            self.store.insert(ArrayKey::new(id, "lastspike"), ls);
            let mut nr = Array::zeros(crate::ir::ElemTy::U8, spec.n);
            nr.fill(1.0);
            self.store.insert(ArrayKey::new(id, "not_refractory"), nr);
        }
        if threshold.is_some() {
            self.store.insert(
                ArrayKey::new(id, "_spikespace"),
                Array::zeros(crate::ir::ElemTy::I32, spec.n + 1),
            );
        }
        self.objects.push(Object::Group(Group {
            name,
            n: spec.n,
            eqs,
            threshold,
            reset,
            refractory,
            methods,
            method_src,
            dt: spec.dt.unwrap_or(self.dt),
            order: spec.order,
            when,
            kind: GroupKind::Neurons,
            events,
            event_code,
            namespace: spec.namespace.clone(),
        }));
        Ok(Handle(id))
    }

    /// A contiguous slice `[start, stop)` of a group (or of a subgroup), as Brian2's `G[start:stop]`.
    pub fn subgroup(&mut self, of: Handle, start: usize, stop: usize, name: Option<&str>) -> Result<Handle> {
        let base = self.range(of)?;
        if start >= stop || stop > base.len() {
            return Err(err(
                "bad-slice",
                self.name_of(of),
                format!(
                    "slice [{start}:{stop}] is out of range for '{}' of size {}",
                    self.name_of(of),
                    base.len()
                ),
            ));
        }
        let name = self.unique_name(name, &format!("{}_subgroup", self.name_of(of)))?;
        let range = GroupRange {
            group: base.group,
            start: base.start + start,
            stop: base.start + stop,
        };
        self.objects.push(Object::Subgroup { name, range });
        Ok(Handle(self.objects.len() - 1))
    }

    /// Brian2's `order` of what a handle designates: a group's or synapses'
    /// own, and for a subgroup its group's + 1 (Brian2's `Subgroup` is a
    /// `SpikeSource` scheduled right after its group's threshold).
    pub(crate) fn view_order(&self, h: Handle) -> i32 {
        match self.objects.get(h.0) {
            Some(Object::Subgroup { range, .. }) => self.view_order(Handle(range.group)) + 1,
            Some(Object::Synapses(s)) => s.order,
            Some(Object::Group(g)) => g.order,
            _ => 0,
        }
    }

    /// Like [`Network::range`], but a Synapses object is also accepted (as the
    /// source or target of other synapses: its elements are its synapses).
    pub(crate) fn range_any(&self, h: Handle) -> Result<GroupRange> {
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => Ok(GroupRange {
                group: h.0,
                start: 0,
                stop: s.n,
            }),
            _ => self.range(h),
        }
    }

    /// The model equations of a neuron group or synapses object.
    pub(crate) fn eqs_of(&self, id: usize) -> &Equations {
        match &self.objects[id] {
            Object::Synapses(s) => &s.eqs,
            _ => &self.group(id).eqs,
        }
    }

    /// The clock dt and schedule order of a neuron group or synapses object.
    pub(crate) fn dt_order_of(&self, id: usize) -> (f64, i32) {
        match &self.objects[id] {
            Object::Synapses(s) => (s.dt, s.order),
            _ => {
                let g = self.group(id);
                (g.dt, g.order)
            }
        }
    }

    /// The neuron range a handle designates (a group or a subgroup).
    pub(crate) fn range(&self, h: Handle) -> Result<GroupRange> {
        match self.objects.get(h.0) {
            Some(Object::Group(g)) => Ok(GroupRange {
                group: h.0,
                start: 0,
                stop: g.n,
            }),
            Some(Object::Subgroup { range, .. }) => Ok(*range),
            Some(o) => Err(err(
                "not-a-group",
                o.name(),
                format!("'{}' is not a neuron group", o.name()),
            )),
            None => Err(err("not-a-group", "?", "unknown object")),
        }
    }

    pub(crate) fn group(&self, id: usize) -> &Group {
        match &self.objects[id] {
            Object::Group(g) => g,
            _ => panic!("object {id} is not a neuron group"),
        }
    }

    /// The clock dt of the group emitting the events of the pathway whose
    /// delay is the variable `var` (`delay`: `pre`; `NAME.delay`) of synapses `id`.
    pub(crate) fn delay_dt(&self, id: usize, var: &str) -> Option<f64> {
        let pname = if var == "delay" {
            "pre"
        } else {
            var.strip_suffix(".delay")?
        };
        let s = self.syn(id)?;
        let p = s.pathways.iter().find(|p| p.name == pname)?;
        Some(self.group(if p.is_post { s.target.group } else { s.source.group }).dt)
    }

    pub(crate) fn syn(&self, id: usize) -> Option<&Syn> {
        match &self.objects[id] {
            Object::Synapses(s) => Some(s),
            _ => None,
        }
    }

    /// Adds Synapses between two groups (or subgroups, or synapses); it has no
    /// synapse until [`Network::connect`].
    ///
    /// ```
    /// use spikejit::sim::{Connect, Network, NeuronGroup, Selection, Synapses, Value};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(10, "v : 1").threshold("v > 1"))?;
    /// let s = net.add_synapses(Synapses::new(g, g, "w : 1").on_pre("v_post += w").delay(1e-3))?;
    /// net.connect(s, Connect::condition("i != j"))?;
    /// net.set(s, "w", Value::Expr("0.1*rand()".into()), Selection::All)?;
    /// assert_eq!(net.size_of(s)?, 90);
    /// assert_eq!(net.get(s, "w")?.len(), 90); // one weight per synapse
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_synapses(&mut self, spec: Synapses) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "synapses")?;
        check_dt(spec.dt.unwrap_or(self.dt), &format!("synapses '{name}'.dt"))?;
        let source = self.range_any(spec.source)?;
        let target = self.range_any(spec.target)?;
        let (source_order, target_order) = (self.view_order(spec.source), self.view_order(spec.target));
        let model_src = spec.model.source(format!("synapses '{name}'.model"));
        let eqs = Equations::parse(model_src, Owner::Synapses)?;
        let mut errors = Vec::new();
        let mut summed_targets: Vec<(usize, String, usize, usize, crate::diag::Span)> = Vec::new();
        for v in &eqs.vars {
            if v.has_flag("summed") {
                match self.check_summed(v, source, target, &eqs.source) {
                    Ok((g, var)) => {
                        let r = if v.name().ends_with("_post") { target } else { source };
                        if summed_targets.iter().any(|(g2, v2, ..)| *g2 == g && *v2 == var) {
                            errors.push(Diagnostic::at(
                                "summed-conflict",
                                &eqs.source,
                                v.eq.name_span,
                                format!("the target variable '{var}' is already updated by another summed variable"),
                            ));
                        }
                        summed_targets.push((g, var, r.start, r.stop, v.eq.name_span));
                    }
                    Err(d) => errors.push(d),
                }
                continue;
            }
            for (grp, suffix) in [(source.group, "pre"), (target.group, "post")] {
                if self.eqs_of(grp).get(v.name()).is_some() {
                    errors.push(Diagnostic::at(
                        "bad-name",
                        &eqs.source,
                        v.eq.name_span,
                        format!(
                            "the {suffix}synaptic group has a variable '{0}' too; rename the synaptic variable (for example to '{0}_syn') to avoid confusion",
                            v.name()
                        ),
                    ));
                }
            }
        }
        errors.extend(check_synaptic_dependencies(&eqs));
        for (g, var, start, stop, at) in &summed_targets {
            // Brian2 rejects two summed variables writing the same elements (overlapping
            // subgroups included); disjoint subgroups of one group are fine.
            if self
                .summed_targets()
                .iter()
                .any(|(g2, v2, s2, e2)| g2 == g && v2 == var && s2 < stop && start < e2)
            {
                let others: Vec<&str> = self
                    .objects
                    .iter()
                    .filter_map(|o| match o {
                        Object::Synapses(s2) => Some(s2),
                        _ => None,
                    })
                    .filter(|s2| {
                        s2.eqs.vars.iter().any(|v2| {
                            let n = v2.name();
                            v2.has_flag("summed")
                                && ((n.strip_suffix("_post") == Some(var.as_str()) && s2.target.group == *g)
                                    || (n.strip_suffix("_pre") == Some(var.as_str()) && s2.source.group == *g))
                        })
                    })
                    .map(|s2| s2.name.as_str())
                    .collect();
                errors.push(
                    Diagnostic::at(
                        "summed-conflict",
                        &eqs.source,
                        *at,
                        format!(
                            "several summed variables target the variable '{var}' of group '{}'{}",
                            self.objects[*g].name(),
                            if others.is_empty() {
                                String::new()
                            } else {
                                format!(" (already targeted by synapses '{}')", others.join("', '"))
                            }
                        ),
                    )
                    .with_label(format!("'{var}' is already the target of another summed variable"))
                    .with_help(format!(
                        "use one target variable per synapses object (e.g. '{var}_a', '{var}_b') and add them in the target group"
                    )),
                );
            }
        }
        let mut pathways = Vec::new();
        for (pname, code, is_post) in &spec.pathways {
            let src = code.source(format!(
                "synapses '{name}'.on_{}",
                if *is_post { "post" } else { "pre" }
            ));
            match crate::syntax::parse_statements(&src) {
                Ok(stmts) => pathways.push(Pathway {
                    name: pname.clone(),
                    code: src,
                    stmts,
                    is_post: *is_post,
                    // Brian2: without a delay argument, delays are per synapse (all 0).
                    scalar_delay: None,
                    queue: queue::SpikeQueue::default(),
                    event: "spike".to_string(),
                }),
                Err(e) => errors.extend(e.0),
            }
        }
        for (pname, d) in &spec.delays {
            match pathways.iter_mut().find(|p| &p.name == pname) {
                Some(p) => {
                    let dt = self.group(if p.is_post { target.group } else { source.group }).dt;
                    if *d < 0.0 || !d.is_finite() {
                        errors.push(
                            Diagnostic::new("bad-delay", format!("the delay must be a non-negative time, got {d} s"))
                                .with_context(format!("synapses '{name}'.delay")),
                        );
                    } else if queue::delay_steps(*d, dt).is_none() {
                        errors.push(run::delay_error(&name, pname, *d, dt));
                    }
                    p.scalar_delay = Some(*d);
                }
                None => errors.push(
                    Diagnostic::new(
                        "bad-delay",
                        format!("cannot set the delay for pathway '{pname}': unknown pathway"),
                    )
                    .with_context(format!("synapses '{name}'.delay")),
                ),
            }
        }
        for (pname, ev) in &spec.on_event {
            match pathways.iter_mut().find(|p| &p.name == pname) {
                Some(p) => p.event = ev.clone(),
                None => errors.push(
                    Diagnostic::new(
                        "unknown-pathway",
                        format!("on_event names the pathway '{pname}', which does not exist"),
                    )
                    .with_context(format!("synapses '{name}'.on_event")),
                ),
            }
        }
        for p in &pathways {
            let emitter = if p.is_post { target.group } else { source.group };
            if self.syn(emitter).is_some() {
                errors.push(
                    Diagnostic::new(
                        "no-event",
                        format!(
                            "the {} '{}' is a synapses object, which emits no events for pathway '{}'",
                            if p.is_post { "target" } else { "source" },
                            self.objects[emitter].name(),
                            p.name
                        ),
                    )
                    .with_context(format!("synapses '{name}'")),
                );
                continue;
            }
            if p.event != "spike" {
                if !self.group(emitter).has_event(&p.event) {
                    errors.push(
                        Diagnostic::new(
                            "no-event",
                            format!(
                                "the group '{}' does not define an event '{}' for pathway '{}'",
                                self.group(emitter).name,
                                p.event,
                                p.name
                            ),
                        )
                        .with_context(format!("synapses '{name}'.on_event"))
                        .with_help({
                            let g = self.group(emitter);
                            let mut evs: Vec<&str> = g.events.iter().map(|e| e.0.as_str()).collect();
                            if g.spikes() {
                                evs.insert(0, "spike");
                            }
                            if evs.is_empty() {
                                format!("'{}' defines no events: give it a threshold or `events`", g.name)
                            } else {
                                format!("the events of '{}' are: {}", g.name, evs.join(", "))
                            }
                        }),
                    );
                }
                continue;
            }
            if !self.group(emitter).spikes() {
                errors.push(
                    Diagnostic::new(
                        "no-event",
                        format!(
                            "the {} group '{}' does not define an event 'spike' for pathway '{}'",
                            if p.is_post { "target" } else { "source" },
                            self.group(emitter).name,
                            p.name
                        ),
                    )
                    .with_context(format!(
                        "synapses '{name}'.{}",
                        if p.is_post { "target" } else { "source" }
                    ))
                    .with_help(format!(
                        "did you forget to set a 'threshold' on '{}'?",
                        self.group(emitter).name
                    )),
                );
            }
        }
        let method_src = spec
            .method
            .as_ref()
            .map(|m| m.source(format!("synapses '{name}'.method")));
        let methods = match &method_src {
            Some(src) => match Method::parse(src.text.trim()) {
                Ok(m) => vec![m],
                Err(msg) => {
                    errors.push(Diagnostic::at("bad-method", src, trimmed(&src.text), msg));
                    vec![]
                }
            },
            None => crate::integrate::DEFAULT_METHODS.to_vec(),
        };
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let syn_when = match &spec.when {
            Some(w) => match slot_rank(w) {
                Some(r) => r,
                None => {
                    return Err(err(
                        "bad-slot",
                        &format!("synapses '{name}'.when"),
                        format!("unknown schedule slot '{w}'"),
                    ));
                }
            },
            None => slot_rank("groups").unwrap_or(4),
        };
        if let Some(k) = &spec.multisynaptic_index {
            if let Err(msg) = crate::model::equations::check_identifier(k, Owner::Synapses, false) {
                return Err(err("bad-name", &format!("synapses '{name}'.multisynaptic_index"), msg));
            }
            if eqs.get(k).is_some() {
                return Err(err(
                    "duplicate",
                    &format!("synapses '{name}'.multisynaptic_index"),
                    format!("'{k}' is already defined in the model"),
                ));
            }
        }
        let id = self.objects.len();
        let fl = self.float_elem();
        if let Some(k) = &spec.multisynaptic_index {
            self.store
                .insert(ArrayKey::new(id, k.clone()), Array::zeros(crate::ir::ElemTy::I32, 0));
        }
        for v in &eqs.vars {
            if v.kind() == crate::syntax::ast::EquationKind::Subexpression && !v.has_flag("constant over dt") {
                continue;
            }
            let shared = v.has_flag("shared");
            let elem = match v.ty {
                crate::model::scope::ValTy::Float => spec
                    .dtype
                    .iter()
                    .find(|(n, _)| n == v.name())
                    .or_else(|| spec.dtype.iter().find(|(n, _)| n == "*"))
                    .map_or(fl, |(_, e)| *e),
                crate::model::scope::ValTy::Int => crate::ir::ElemTy::I32,
                crate::model::scope::ValTy::Bool => crate::ir::ElemTy::U8,
            };
            self.store
                .insert(ArrayKey::new(id, v.name()), Array::zeros(elem, usize::from(shared)));
        }
        for k in ["_pre", "_post"] {
            self.store
                .insert(ArrayKey::new(id, k), Array::zeros(crate::ir::ElemTy::I32, 0));
        }
        if eqs.vars.iter().any(|v| v.has_flag("event-driven")) && eqs.get("lastupdate").is_none() {
            self.store
                .insert(ArrayKey::new(id, "lastupdate"), Array::zeros(crate::ir::ElemTy::F64, 0));
        }
        for p in &pathways {
            if p.scalar_delay.is_none() {
                self.store.insert(
                    ArrayKey::new(id, format!("{}.delay", p.name)),
                    Array::zeros(crate::ir::ElemTy::F64, 0),
                );
            }
        }
        self.objects.push(Object::Synapses(Box::new(Syn {
            name,
            source,
            target,
            source_order,
            target_order,
            eqs,
            pathways,
            connected: false,
            n: 0,
            methods,
            method_src,
            dt: spec.dt.unwrap_or(self.dt),
            order: spec.order,
            multisynaptic_index: spec.multisynaptic_index.clone(),
            namespace: spec.namespace.clone(),
            when: syn_when,
        })));
        Ok(Handle(id))
    }

    /// Adds a SpikeMonitor (or, for a custom event, an EventMonitor) on a group or subgroup.
    pub fn add_spike_monitor(&mut self, spec: SpikeMonitor) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "spikemonitor")?;
        let ctx = format!("monitors '{name}'");
        let source = self.range(spec.source)?;
        let g = self.group(source.group);
        if !g.has_event(&spec.event) {
            // a custom event is named by the monitor's `event`; `spike` by its source
            let at = if spec.event == "spike" {
                ctx.clone()
            } else {
                format!("{ctx}.event")
            };
            return Err(err(
                "no-event",
                &at,
                format!(
                    "the recorded group '{}' does not define an event '{}'{}",
                    self.name_of(spec.source),
                    spec.event,
                    if spec.event == "spike" {
                        " (did you forget to set a 'threshold'?)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let scope = self.group_view(source.group, crate::model::scope::IndexSel::Item, source.start as i64);
        for v in &spec.variables {
            match scope.resolve(v) {
                Some(crate::model::scope::NameRef::Var { .. })
                    if crate::units::lookup(v).is_none() || scope.names.contains_key(v) => {}
                _ => {
                    return Err(err(
                        "unknown-variable",
                        &ctx,
                        format!("'{v}' is not a state variable of '{}'", self.name_of(spec.source)),
                    ));
                }
            }
        }
        // Brian2 schedules a monitor right after what detects its event: the
        // group's thresholder for that event, or for a subgroup (which has no
        // thresholder) the subgroup itself, in `thresholds` at its order + 1,
        // even for a custom event, whose thresholder comes later
        // (`after_thresholds`): such a monitor records the events of the step
        // before, as Brian2's does.
        let is_subgroup = matches!(self.objects.get(spec.source.0), Some(Object::Subgroup { .. }));
        let (base_when, base_order) = if spec.event == "spike" || is_subgroup {
            (slot_rank("thresholds").unwrap_or(7), self.view_order(spec.source) + 1)
        } else {
            (slot_rank("after_thresholds").unwrap_or(8), g.order + 1)
        };
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &ctx, format!("unknown schedule slot '{w}'")))?,
            None => base_when,
        };
        let nvars = spec.variables.len();
        self.objects.push(Object::SpikeMon(SpikeMon {
            name,
            source,
            record: spec.record,
            event: spec.event,
            variables: spec.variables,
            values: vec![Vec::new(); nvars],
            when,
            order: spec.order.unwrap_or(if spec.when.is_some() { 0 } else { base_order }),
            i: Vec::new(),
            t: Vec::new(),
            count: vec![0; source.len()],
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The values recorded by a spike or event monitor with `variables`.
    pub fn spike_monitor_values(&self, h: Handle) -> Vec<(String, ndarray::Array1<f64>)> {
        match self.objects.get(h.0) {
            Some(Object::SpikeMon(m)) => m
                .variables
                .iter()
                .zip(&m.values)
                .map(|(n, v)| (n.clone(), ndarray::Array1::from(v.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Adds a StateMonitor.
    pub fn add_state_monitor(&mut self, spec: StateMonitor) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "statemonitor")?;
        let ctx = format!("monitors '{name}'");
        if let Some(dt) = spec.dt {
            check_dt(dt, &format!("{ctx}.dt"))?;
        }
        let size = self.size_of(spec.source)?;
        // The indices (8 bytes), their 32-bit copy for the recorder and a value
        // per variable of each recorded element, before the recording itself.
        let recorded = match &spec.record {
            Record::All => size,
            Record::Indices(v) => v.len(),
        };
        check_size(
            "too-large",
            &ctx,
            "recorded elements",
            recorded as f64,
            12.0 + 8.0 * spec.variables.len() as f64,
        )?;
        let indices = match &spec.record {
            Record::All => (0..size).collect(),
            Record::Indices(v) => {
                if let Some(bad) = v.iter().find(|&&k| k >= size) {
                    return Err(err(
                        "bad-index",
                        &ctx,
                        format!(
                            "the index {bad} to record is outside the range [0, {}] of '{}'",
                            size.saturating_sub(1),
                            self.name_of(spec.source)
                        ),
                    ));
                }
                v.clone()
            }
        };
        for v in &spec.variables {
            if !self.has_variable(spec.source, v) {
                return Err(err(
                    "unknown-variable",
                    &ctx,
                    format!("'{v}' is not a variable of '{}'", self.name_of(spec.source)),
                ));
            }
        }
        let dt = spec.dt.unwrap_or_else(|| self.clock_of(spec.source));
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &ctx, format!("unknown schedule slot '{w}'")))?,
            None => slot_rank("start").unwrap_or(1),
        };
        let nvars = spec.variables.len();
        self.objects.push(Object::StateMon(StateMon {
            name,
            source: spec.source,
            variables: spec.variables,
            indices,
            dt,
            when,
            order: spec.order,
            t: Vec::new(),
            data: vec![Vec::new(); nvars],
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The number of elements of a group, subgroup or synapses.
    pub fn size_of(&self, h: Handle) -> Result<usize> {
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => Ok(s.n),
            _ => Ok(self.range(h)?.len()),
        }
    }

    pub(crate) fn clock_of(&self, h: Handle) -> f64 {
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => s.dt,
            _ => self.range(h).map(|r| self.group(r.group).dt).unwrap_or(self.dt),
        }
    }

    /// Whether an object has a (readable) variable of this name.
    pub fn has_variable(&self, h: Handle, var: &str) -> bool {
        self.scope_for_object(h)
            .map(|s| s.resolve(var).is_some() && crate::units::lookup(var).is_none())
            .unwrap_or(false)
    }

    /// The spikes recorded by a SpikeMonitor (`None` if `h` is not one).
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Selection, SpikeMonitor, Value};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = rate : 1\nrate : hertz").threshold("v > 1").reset("v = 0"))?;
    /// net.set(g, "rate", Value::Expr("(10 + 10*i)*Hz".into()), Selection::All)?;
    /// let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
    /// net.run(1.0)?;
    /// let spikes = net.spike_monitor(m).ok_or("not a spike monitor")?;
    /// assert_eq!(spikes.i.len(), spikes.t.len());
    /// assert_eq!(spikes.count.len(), 10);
    /// assert_eq!(spikes.count.sum() as usize, spikes.i.len());
    /// assert!(spikes.count[9] > spikes.count[0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spike_monitor(&self, h: Handle) -> Option<SpikeData> {
        match self.objects.get(h.0) {
            Some(Object::SpikeMon(m)) => Some(SpikeData {
                i: ndarray::Array1::from(m.i.clone()),
                t: ndarray::Array1::from(m.t.clone()),
                count: ndarray::Array1::from(m.count.clone()),
            }),
            _ => None,
        }
    }

    /// Whether a SpikeMonitor keeps `i` and `t`.
    pub fn spike_monitor_records(&self, h: Handle) -> bool {
        matches!(self.objects.get(h.0), Some(Object::SpikeMon(m)) if m.record)
    }

    /// The values recorded by a StateMonitor (`None` if `h` is not one).
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Record, Selection, StateMonitor, Value};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(10, "dv/dt = -v/(10*ms) : volt"))?;
    /// net.set(g, "v", Value::Scalar(0.01), Selection::All)?;
    /// let m = net.add_state_monitor(StateMonitor::new(g, &["v"], Record::Indices(vec![0, 5])))?;
    /// net.run(0.01)?;
    /// let data = net.state_monitor(m).ok_or("not a state monitor")?;
    /// let (name, v) = &data.values[0];
    /// assert_eq!(name, "v");
    /// assert_eq!(v.shape(), &[2, data.t.len()]); // (recorded indices, time points)
    /// assert_eq!(data.t.len(), 100); // every 0.1 ms step of 10 ms
    /// assert_eq!(v[[0, 0]], 0.01); // recorded at the start of the first step
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state_monitor(&self, h: Handle) -> Option<StateData> {
        match self.objects.get(h.0) {
            Some(Object::StateMon(m)) => {
                let nt = m.t.len();
                let ni = m.indices.len();
                let values = m
                    .variables
                    .iter()
                    .zip(&m.data)
                    .map(|(v, d)| {
                        let a = ndarray::Array2::from_shape_fn((ni, nt), |(r, c)| d[c * ni + r]);
                        (v.clone(), a)
                    })
                    .collect();
                Some(StateData {
                    t: ndarray::Array1::from(m.t.clone()),
                    values,
                })
            }
            _ => None,
        }
    }

    /// The names of all monitors, with their kind ("spike", "state").
    pub fn monitors(&self) -> Vec<(Handle, &'static str)> {
        self.objects
            .iter()
            .enumerate()
            .filter_map(|(k, o)| match o {
                Object::SpikeMon(_) => Some((Handle(k), "spike")),
                Object::StateMon(_) => Some((Handle(k), "state")),
                Object::RateMon(_) => Some((Handle(k), "rate")),
                _ => None,
            })
            .collect()
    }

    /// Spike counts per group that spikes (for summaries).
    pub fn spike_counts(&self) -> Vec<(String, u64)> {
        self.objects
            .iter()
            .filter_map(|o| match o {
                Object::Group(g) if g.spikes() => Some((g.name.clone(), 0)),
                _ => None,
            })
            .map(|(n, _)| {
                let c = self.stats.spikes.get(&n).copied().unwrap_or(0);
                (n, c)
            })
            .collect()
    }

    /// Synapse counts per synapses object.
    pub fn synapse_counts(&self) -> Vec<(String, usize)> {
        self.objects
            .iter()
            .filter_map(|o| match o {
                Object::Synapses(s) => Some((s.name.clone(), s.n)),
                _ => None,
            })
            .collect()
    }

    /// Every state variable of every neuron group and synapses object, as Brian2's
    /// `--dump-state` writes them: (object, [(name, values, is_scalar)]).
    pub fn state_dump(&self) -> Vec<StateDump> {
        let mut out = Vec::new();
        for (id, o) in self.objects.iter().enumerate() {
            let (name, eqs) = match o {
                Object::Group(g) if matches!(g.kind, GroupKind::Neurons) => (&g.name, &g.eqs),
                Object::Synapses(s) => (&s.name, &s.eqs),
                _ => continue,
            };
            let mut vars: Vec<(String, Array, bool)> = Vec::new();
            for v in &eqs.vars {
                if v.kind() == crate::syntax::ast::EquationKind::Subexpression && !v.has_flag("constant over dt") {
                    continue;
                }
                if let Some(a) = self.store.get(&ArrayKey::new(id, v.name())) {
                    vars.push((v.name().to_string(), a.clone(), v.has_flag("shared")));
                }
            }
            if let Object::Synapses(s) = o
                && let Some(k) = &s.multisynaptic_index
                && let Some(a) = self.store.get(&ArrayKey::new(id, k.clone()))
            {
                vars.push((k.clone(), a.clone(), false));
            }
            for extra in ["lastspike", "not_refractory", "lastupdate"] {
                if let Some(a) = self.store.get(&ArrayKey::new(id, extra)) {
                    vars.push((extra.to_string(), a.clone(), false));
                }
            }
            if let Object::Synapses(s) = o {
                let rel = |key: &str, off: usize| -> Array {
                    match self.store.get(&ArrayKey::new(id, key)) {
                        Some(Array::I32(v)) => Array::I32(v.iter().map(|x| x - off as i32).collect()),
                        _ => Array::I32(vec![]),
                    }
                };
                vars.push(("i".into(), rel("_pre", s.source.start), false));
                vars.push(("j".into(), rel("_post", s.target.start), false));
                for k in connect::SYNAPSE_COUNTS {
                    if let Some(v) = self.per_synapse_counts(id, k) {
                        vars.push((k.into(), Array::I32(v), false));
                    }
                }
                for p in &s.pathways {
                    match p.scalar_delay {
                        Some(d) => vars.push((format!("{}.delay", p.name), Array::F64(vec![d]), true)),
                        None => {
                            if let Some(a) = self.store.get(&ArrayKey::new(id, format!("{}.delay", p.name))) {
                                vars.push((format!("{}.delay", p.name), a.clone(), false));
                            }
                        }
                    }
                }
            }
            vars.sort_by(|a, b| a.0.cmp(&b.0));
            out.push((name.clone(), vars));
        }
        out
    }

    /// The values of a variable of a group, subgroup or synapses, in SI units
    /// (one value for a `(shared)` variable), as Brian2's `G.v[:]`. The
    /// synapses' indices `i` and `j` are not variables here; they are in
    /// [`Network::state_dump`].
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Selection, Value};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = -v/(10*ms) : volt"))?;
    /// net.set(g, "v", Value::Array(vec![0.01, 0.02, 0.03]), Selection::All)?;
    /// net.run(0.01)?;
    /// let v = net.get(g, "v")?; // ndarray::Array1<f64>, in volts
    /// assert!((v[0] - 0.01 * (-1.0f64).exp()).abs() < 1e-9);
    /// assert!(net.get(g, "w").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, h: Handle, var: &str) -> Result<ndarray::Array1<f64>> {
        let (id, start, stop) = match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => (h.0, 0, s.n),
            _ => {
                let r = self.range(h)?;
                (r.group, r.start, r.stop)
            }
        };
        let key = ArrayKey::new(id, var);
        let counts = self.per_synapse_counts(id, var).map(Array::I32);
        let a = counts.as_ref().or_else(|| self.store.get(&key)).ok_or_else(|| {
            err(
                "unknown-variable",
                self.name_of(h),
                format!("'{var}' is not a variable of '{}'", self.name_of(h)),
            )
        })?;
        if a.len() == 1 && stop - start != 1 {
            return Ok(ndarray::Array1::from(vec![a.get(0)]));
        }
        Ok(ndarray::Array1::from(
            (start..stop).map(|k| a.get(k)).collect::<Vec<_>>(),
        ))
    }
}

impl Network {
    /// Evaluates a constant expression (a quantity string such as `"20*ms"` or
    /// `"(60*0.27/10)*mV"`, using units and the constants defined so far) to its
    /// SI value and dimension.
    pub fn eval_constant(&self, code: &Code, what: &str) -> Result<(f64, Dim)> {
        let src = code.source(what.to_string());
        let e = crate::syntax::parse_expression(&src)?;
        let scope = self.constants_scope();
        let mut c = crate::model::check::Checker::new(&scope, &src);
        let t = c.expr(&e);
        if !c.errors.is_empty() {
            return Err(Errors(c.errors));
        }
        let Some(t) = t else {
            return Err(err("bad-constant", what, "invalid constant expression"));
        };
        match c.const_value(&e) {
            Some(v) => Ok((v, t.dim)),
            None => Err(Errors::one(
                Diagnostic::at(
                    "not-constant",
                    &src,
                    e.span,
                    format!("'{}' is not a constant expression", code.text.trim()),
                )
                .with_help("only numbers, units, functions of them and constants defined earlier can be used here"),
            )),
        }
    }

    /// [`Network::eval_constant`] with the type of the value (integer for
    /// integer arithmetic on integer constants and `int(...)`).
    pub fn eval_constant_typed(&self, code: &Code, what: &str) -> Result<(f64, Dim, crate::model::scope::ValTy)> {
        let src = code.source(what.to_string());
        let e = crate::syntax::parse_expression(&src)?;
        let scope = self.constants_scope();
        let mut c = crate::model::check::Checker::new(&scope, &src);
        let t = c.expr(&e);
        if !c.errors.is_empty() {
            return Err(Errors(c.errors));
        }
        let (v, d) = self.eval_constant(code, what)?;
        let ty = t.map(|t| t.ty).unwrap_or(crate::model::scope::ValTy::Float);
        let ty = if ty == crate::model::scope::ValTy::Bool {
            crate::model::scope::ValTy::Float
        } else {
            ty
        };
        Ok((v, d, ty))
    }

    pub(crate) fn constants_scope(&self) -> crate::model::scope::Scope {
        let mut s = crate::model::scope::Scope::default();
        for (k, (v, d)) in &self.constants {
            let ty = self
                .constant_types
                .get(k)
                .copied()
                .unwrap_or(crate::model::scope::ValTy::Float);
            s.insert(
                k.clone(),
                crate::model::scope::NameRef::Const { value: *v, dim: *d, ty },
            );
        }
        for o in &self.objects {
            if let Object::TimedArray(t) = o {
                s.functions.insert(t.name.clone(), t.table.clone());
            }
        }
        s
    }
}

/// Brian2's `verify_dependencies`: event-driven equations must not depend on
/// clock-driven variables; clock-driven equations and summed variables must not
/// depend on event-driven ones.
fn check_synaptic_dependencies(eqs: &Equations) -> Vec<Diagnostic> {
    use crate::syntax::ast::EquationKind;
    let mut out = Vec::new();
    let event: Vec<&str> = eqs
        .vars
        .iter()
        .filter(|v| v.kind() == EquationKind::Differential && v.has_flag("event-driven"))
        .map(|v| v.name())
        .collect();
    let clock: Vec<&str> = eqs
        .vars
        .iter()
        .filter(|v| v.kind() == EquationKind::Differential && !v.has_flag("event-driven"))
        .map(|v| v.name())
        .collect();
    for v in &eqs.vars {
        let Some(rhs) = v.rhs() else { continue };
        let rhs = eqs.substitute_subexpressions(rhs);
        let names = rhs.names();
        let (bad, what): (&[&str], &str) = if v.has_flag("event-driven") {
            (&clock, "clock-driven")
        } else if v.kind() == EquationKind::Differential || v.has_flag("summed") {
            (&event, "event-driven")
        } else {
            continue;
        };
        if let Some(b) = names.iter().find(|n| bad.contains(&n.as_str())) {
            let kind = if v.has_flag("event-driven") {
                "event-driven"
            } else if v.has_flag("summed") {
                "summed"
            } else {
                "clock-driven"
            };
            // point at the use of the variable (inside a subexpression if it comes from one)
            let mut at = None;
            rhs.for_each_name(&mut |n, s| {
                if n == b.as_str() && at.is_none() {
                    at = Some(s);
                }
            });
            out.push(
                Diagnostic::at(
                    "bad-dependency",
                    &eqs.source,
                    at.unwrap_or(v.eq.span),
                    format!(
                        "the {kind} variable '{}' should not depend on the {what} variable '{b}'",
                        v.name()
                    ),
                )
                .with_label(format!("'{b}' is {what}"))
                .with_help(if kind == "event-driven" {
                    format!("make '{}' clock-driven too, or '{b}' event-driven", v.name())
                } else {
                    format!("make '{b}' clock-driven, or compute the term in on_pre/on_post")
                }),
            );
        }
    }
    out
}

impl Network {
    /// Checks a summed variable `x_post = ... (summed)`; returns its target (group, variable).
    // The error is built once per model, never on a hot path.
    #[allow(clippy::result_large_err)]
    fn check_summed(
        &self,
        v: &crate::model::equations::VarDef,
        source: GroupRange,
        target: GroupRange,
        src: &Arc<Source>,
    ) -> std::result::Result<(usize, String), Diagnostic> {
        let name = v.name();
        let (group, var) = if let Some(x) = name.strip_suffix("_post") {
            (target.group, x)
        } else if let Some(x) = name.strip_suffix("_pre") {
            (source.group, x)
        } else {
            return Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!("the summed variable '{name}' does not end in '_pre' or '_post'"),
            ));
        };
        let gname = self.objects[group].name().to_string();
        match self.eqs_of(group).get(var) {
            Some(t) if t.kind() == crate::syntax::ast::EquationKind::Parameter => {
                if !t.dim.same(v.dim) {
                    return Err(Diagnostic::at(
                        "unit-mismatch",
                        src,
                        v.eq.unit_span,
                        format!(
                            "the summed variable '{name}' has unit {}, but '{var}' of group '{}' has unit {}",
                            v.dim, gname, t.dim
                        ),
                    ));
                }
                Ok((group, var.to_string()))
            }
            Some(_) => Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!(
                    "the summed variable '{name}' needs a corresponding parameter '{var}' in group '{}' (it is not a parameter there)",
                    gname
                ),
            )),
            None => Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!(
                    "the summed variable '{name}' does not refer to any variable of group '{}'",
                    gname
                ),
            )
            .with_help(format!("declare '{var} : {}' in the model of '{}'", v.eq.unit, gname))),
        }
    }

    /// The (group, variable) pairs written by summed variables so far.
    pub(crate) fn summed_targets(&self) -> Vec<(usize, String, usize, usize)> {
        let mut out = Vec::new();
        for o in &self.objects {
            if let Object::Synapses(s) = o {
                for v in &s.eqs.vars {
                    if v.has_flag("summed") {
                        let n = v.name();
                        if let Some(x) = n.strip_suffix("_post") {
                            out.push((s.target.group, x.to_string(), s.target.start, s.target.stop));
                        } else if let Some(x) = n.strip_suffix("_pre") {
                            out.push((s.source.group, x.to_string(), s.source.start, s.source.stop));
                        }
                    }
                }
            }
        }
        out
    }
}

/// A PoissonGroup: `n` independent Poisson spike sources (Brian2's
/// `PoissonGroup(N, rates)`), added by [`Network::add_poisson_group`]. It
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
/// [`Network::add_spike_generator`]. Spike `k` is neuron `indices[k]` at
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

impl Network {
    /// Adds a PoissonGroup (Brian2's `PoissonGroup(N, rates)`).
    pub fn add_poisson_group(&mut self, spec: PoissonGroup) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "poissongroup")?;
        let ctx = format!("poisson '{name}'");
        if spec.n == 0 {
            return Err(err("bad-size", &ctx, "a Poisson group needs at least 1 neuron, got 0"));
        }
        // A constant rate is a parameter; an expression is a subexpression.
        let constant = self.eval_constant(&spec.rates, &format!("{ctx}.rates")).ok();
        let model = match constant {
            Some((_, d)) if !d.same(Dim::HERTZ) => {
                return Err(err(
                    "unit-mismatch",
                    &ctx,
                    format!(
                        "the rates must have unit hertz, but '{}' has unit {d}",
                        spec.rates.text.trim()
                    ),
                ));
            }
            Some(_) => Code::from("rates : hertz"),
            None => Code {
                text: format!("rates = {} : hertz", spec.rates.text.trim().replace('\n', " ")),
                origin: None,
            },
        };
        let h = self.add_neurons(
            NeuronGroup::new(spec.n, model)
                .name(&name)
                .threshold("rand() < rates*dt"),
        )?;
        if let Object::Group(g) = &mut self.objects[h.0] {
            g.kind = GroupKind::Poisson;
        }
        if let Some((v, _)) = constant {
            self.set(h, "rates", Value::Scalar(v), Selection::All)?;
        } else {
            // Unit-check the expression now, with the group's names.
            let scope = self.group_view(h.0, crate::model::scope::IndexSel::Item, 0);
            let src = spec.rates.source(format!("{ctx}.rates"));
            let e = crate::syntax::parse_expression(&src)?;
            let mut c = crate::model::check::Checker::new(&scope, &src);
            if c.expect_dim(&e, Dim::HERTZ, "the Poisson rates").is_none() {
                self.objects.pop();
                return Err(Errors(c.errors));
            }
        }
        Ok(h)
    }

    /// Adds a SpikeGeneratorGroup (Brian2's `SpikeGeneratorGroup(N, indices, times, period)`).
    pub fn add_spike_generator(&mut self, spec: SpikeGeneratorGroup) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "spikegeneratorgroup")?;
        let ctx = format!("spike_generators '{name}'");
        check_dt(self.dt, "the default clock")?;
        if spec.n == 0 {
            return Err(err(
                "bad-size",
                &ctx,
                "a spike generator needs at least 1 neuron, got 0",
            ));
        }
        if spec.indices.len() != spec.times.len() {
            return Err(err(
                "bad-length",
                &ctx,
                format!(
                    "'indices' has {} entries but 'times' has {}",
                    spec.indices.len(),
                    spec.times.len()
                ),
            ));
        }
        if let Some((k, bad)) = spec
            .indices
            .iter()
            .enumerate()
            .find(|(_, k)| **k < 0 || **k as usize >= spec.n)
        {
            return Err(err(
                "bad-index",
                &format!("{ctx}.indices[{k}]"),
                format!("indices[{k}]: index {bad} is outside the group [0, {})", spec.n),
            ));
        }
        // Errors about one spike name it by its place in `times` (`.times[k]`).
        if let Some((k, bad)) = spec
            .times
            .iter()
            .enumerate()
            .find(|(_, t)| !(**t >= 0.0 && t.is_finite()))
        {
            return Err(err(
                "bad-time",
                &format!("{ctx}.times[{k}]"),
                format!("times[{k}]: a spike time must be a non-negative, finite time, got {bad} s"),
            ));
        }
        if !(spec.period >= 0.0 && spec.period.is_finite()) {
            return Err(err(
                "bad-period",
                &format!("{ctx}.period"),
                format!("the period must be a non-negative, finite time, got {} s", spec.period),
            ));
        }
        let dt = self.dt;
        let step_of = |t: f64| ((t + 1e-3 * dt) / dt) as i64;
        // Brian2 sorts the spikes by (time, index): within one step, an earlier spike
        // comes first whatever its index.
        let mut order: Vec<usize> = (0..spec.times.len()).collect();
        order.sort_by(|&a, &b| {
            spec.times[a]
                .total_cmp(&spec.times[b])
                .then(spec.indices[a].cmp(&spec.indices[b]))
        });
        let spikes: Vec<(i64, i32)> = order
            .iter()
            .map(|&k| (step_of(spec.times[k]), spec.indices[k] as i32))
            .collect();
        let mut seen = std::collections::HashMap::new();
        for (&(step, idx), &k) in spikes.iter().zip(&order) {
            if let Some(first) = seen.insert((step, idx), k) {
                // the later of the two in the list
                let (first, k) = (first.min(k), first.max(k));
                return Err(err(
                    "double-spike",
                    &format!("{ctx}.times[{k}]"),
                    format!(
                        "neuron {idx} spikes more than once in the time step {step} (dt = {dt} s): \
                         times[{first}] and times[{k}]"
                    ),
                ));
            }
        }
        let period = if spec.period > 0.0 {
            let p = spec.period / dt;
            if (p - p.round()).abs() > 1e-6 {
                return Err(err(
                    "bad-period",
                    &format!("{ctx}.period"),
                    format!("the period ({} s) must be a multiple of dt ({dt} s)", spec.period),
                ));
            }
            let p = p.round() as i64;
            if let Some(&(last, _)) = spikes.last()
                && p <= last
            {
                return Err(err(
                    "bad-period",
                    &format!("{ctx}.period"),
                    "the period has to be greater than the last spike time",
                ));
            }
            p
        } else {
            0
        };
        // The group has no variables: its spike space (4 bytes a neuron) is its size.
        check_size("too-large", &format!("{ctx}.N"), "neurons", spec.n as f64, 4.0)?;
        let h = self.add_neurons(NeuronGroup::new(spec.n, "").name(&name))?;
        self.store.insert(
            ArrayKey::new(h.0, "_spikespace"),
            Array::zeros(crate::ir::ElemTy::I32, spec.n + 1),
        );
        if let Object::Group(g) = &mut self.objects[h.0] {
            g.kind = GroupKind::Generator(Box::new(GeneratorState {
                steps: spikes.iter().map(|s| s.0).collect(),
                indices: spikes.iter().map(|s| s.1).collect(),
                period,
                next: 0,
            }));
        }
        Ok(h)
    }

    /// Adds a PopulationRateMonitor (slot `end`, order 0).
    pub fn add_rate_monitor(&mut self, source: Handle, name: Option<&str>) -> Result<Handle> {
        self.add_rate_monitor_at(source, name, None, 0)
    }

    /// Adds a PopulationRateMonitor in another schedule slot or order.
    pub fn add_rate_monitor_at(
        &mut self,
        source: Handle,
        name: Option<&str>,
        when: Option<&str>,
        order: i32,
    ) -> Result<Handle> {
        let name = self.unique_name(name, "ratemonitor")?;
        let when = match when {
            Some(w) => slot_rank(w).ok_or_else(|| {
                err(
                    "bad-slot",
                    &format!("monitors '{name}'"),
                    format!("unknown schedule slot '{w}'"),
                )
            })?,
            None => slot_rank("end").unwrap_or(16),
        };
        let range = self.range(source)?;
        if !self.group(range.group).spikes() {
            return Err(err(
                "no-event",
                &format!("monitors '{name}'"),
                format!(
                    "the recorded group '{}' does not spike (did you forget to set a 'threshold'?)",
                    self.name_of(source)
                ),
            ));
        }
        self.objects.push(Object::RateMon(RateMon {
            name,
            source: range,
            when,
            order,
            t: Vec::new(),
            rate: Vec::new(),
        }));
        Ok(Handle(self.objects.len() - 1))
    }

    /// The recorded rates of a PopulationRateMonitor: (t, rate in Hz).
    pub fn rate_monitor(&self, h: Handle) -> Option<(ndarray::Array1<f64>, ndarray::Array1<f64>)> {
        match self.objects.get(h.0) {
            Some(Object::RateMon(m)) => Some((
                ndarray::Array1::from(m.t.clone()),
                ndarray::Array1::from(m.rate.clone()),
            )),
            _ => None,
        }
    }
}

pub(crate) struct RateMon {
    pub name: String,
    pub source: GroupRange,
    pub when: i32,
    pub order: i32,
    pub t: Vec<f64>,
    pub rate: Vec<f64>,
}

/// A spike monitor's recorded data: (object, i, t, count, values).
type SpikeMonState = (usize, Vec<i32>, Vec<f64>, Vec<i32>, Vec<Vec<f64>>);

/// One object's state dump: (name, [(variable, values, is_scalar)]).
pub type StateDump = (String, Vec<(String, Array, bool)>);

/// A stored network state (Brian2's `Network.store()`).
#[derive(Clone)]
struct Snapshot {
    arrays: HashMap<ArrayKey, Array>,
    spike_mons: Vec<SpikeMonState>,
    state_mons: Vec<(usize, Vec<f64>, Vec<Vec<f64>>)>,
    rate_mons: Vec<(usize, Vec<f64>, Vec<f64>)>,
    queues: Vec<(usize, usize, queue::SpikeQueue)>,
    generators: Vec<(usize, usize)>,
    t: f64,
    clock_steps: HashMap<u64, i64>,
    spikes: HashMap<String, u64>,
}

impl Network {
    /// Stores the whole state under `name` (variables, spike queues, monitors,
    /// time), as Brian2's `store(name)`. Random number generators are not
    /// stored (as Brian2's default `restore_random_state=False`).
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Selection, Value};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(3, "dv/dt = (1 - v)/(10*ms) : 1"))?;
    /// net.set(g, "v", Value::Array(vec![0.0, 0.5, 0.9]), Selection::All)?;
    /// net.store("initial")?;
    /// net.run(0.02)?;
    /// let first = net.get(g, "v")?;
    /// net.restore("initial")?;
    /// assert_eq!(net.t(), 0.0);
    /// net.run(0.02)?;
    /// assert_eq!(net.get(g, "v")?, first); // the same deterministic trajectory
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// An error, with nothing stored, when the copy would not fit in the
    /// memory available.
    pub fn store(&mut self, name: &str) -> Result<()> {
        memory::check_state_copy(&format!("store '{name}'"), self.state_bytes())?;
        let snap = self.snapshot();
        self.snapshots.insert(name.to_string(), Box::new(snap));
        Ok(())
    }

    /// The state [`Network::store`] stores.
    fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            arrays: self.store.arrays.clone(),
            spike_mons: Vec::new(),
            state_mons: Vec::new(),
            rate_mons: Vec::new(),
            queues: Vec::new(),
            generators: Vec::new(),
            t: self.t,
            clock_steps: self.clock_steps.clone(),
            spikes: self.stats.spikes.clone(),
        };
        for (id, o) in self.objects.iter().enumerate() {
            match o {
                Object::SpikeMon(m) => {
                    snap.spike_mons
                        .push((id, m.i.clone(), m.t.clone(), m.count.clone(), m.values.clone()))
                }
                Object::StateMon(m) => snap.state_mons.push((id, m.t.clone(), m.data.clone())),
                Object::RateMon(m) => snap.rate_mons.push((id, m.t.clone(), m.rate.clone())),
                Object::Synapses(s) => {
                    for (k, p) in s.pathways.iter().enumerate() {
                        snap.queues.push((id, k, p.queue.clone()));
                    }
                }
                Object::Group(g) => {
                    if let GroupKind::Generator(gs) = &g.kind {
                        snap.generators.push((id, gs.next));
                    }
                }
                _ => {}
            }
        }
        snap
    }

    /// Restores the state stored under `name` (Brian2's `restore(name)`); an
    /// error if nothing was stored under it. Objects added after the store
    /// keep their state.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(1, "dv/dt = 200*Hz : 1").threshold("v > 1").reset("v = 0"))?;
    /// let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
    /// net.store("default")?;
    /// let mut spikes = Vec::new();
    /// for _trial in 0..3 {
    ///     net.restore("default")?; // every trial starts from the stored state
    ///     net.run(0.1)?;
    ///     spikes.push(net.spike_monitor(m).ok_or("no monitor")?.t.len());
    /// }
    /// assert_eq!(spikes, [20, 20, 20]); // the monitor was restored too
    /// assert!(net.restore("missing").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restore(&mut self, name: &str) -> Result<()> {
        let Some(stored) = self.snapshots.get(name) else {
            return Err(err(
                "restore",
                "restore",
                format!("nothing was stored under the name '{name}'"),
            ));
        };
        // The stored state is kept (it may be restored again): it is copied.
        memory::check_state_copy(&format!("restore '{name}'"), memory::snapshot_bytes(stored))?;
        let snap = stored.clone();
        self.apply_snapshot(*snap);
        Ok(())
    }

    /// Brings back the state of a [`Snapshot`].
    fn apply_snapshot(&mut self, snap: Snapshot) {
        self.store.arrays = snap.arrays;
        self.t = snap.t;
        self.clock_steps = snap.clock_steps;
        self.stats.spikes = snap.spikes;
        for (id, i, t, count, values) in snap.spike_mons {
            if let Object::SpikeMon(m) = &mut self.objects[id] {
                (m.i, m.t, m.count, m.values) = (i, t, count, values);
            }
        }
        for (id, t, data) in snap.state_mons {
            if let Object::StateMon(m) = &mut self.objects[id] {
                (m.t, m.data) = (t, data);
            }
        }
        for (id, t, rate) in snap.rate_mons {
            if let Object::RateMon(m) = &mut self.objects[id] {
                (m.t, m.rate) = (t, rate);
            }
        }
        for (id, k, q) in snap.queues {
            if let Object::Synapses(s) = &mut self.objects[id] {
                s.pathways[k].queue = q;
            }
        }
        for (id, next) in snap.generators {
            if let Object::Group(g) = &mut self.objects[id]
                && let GroupKind::Generator(gs) = &mut g.kind
            {
                gs.next = next;
            }
        }
    }
}

impl Network {
    /// The element type of each variable a state or spike monitor records (the
    /// float type for subexpressions of float type).
    pub fn monitor_elem_types(&self, h: Handle) -> Vec<crate::ir::ElemTy> {
        let (source, vars): (usize, Vec<String>) = match self.objects.get(h.0) {
            Some(Object::StateMon(m)) => {
                let id = match self.objects.get(m.source.0) {
                    Some(Object::Synapses(_)) => m.source.0,
                    _ => self.range(m.source).map(|r| r.group).unwrap_or(0),
                };
                (id, m.variables.clone())
            }
            Some(Object::SpikeMon(m)) => (m.source.group, m.variables.clone()),
            _ => return Vec::new(),
        };
        vars.iter()
            .map(|v| match self.store.get(&ArrayKey::new(source, v.clone())) {
                Some(a) => a.elem(),
                None if connect::SYNAPSE_COUNTS.contains(&v.as_str()) => crate::ir::ElemTy::I32,
                None => {
                    let ty = self.eqs_of(source).get(v).map(|d| d.ty);
                    match ty {
                        Some(crate::model::scope::ValTy::Int) => crate::ir::ElemTy::I32,
                        Some(crate::model::scope::ValTy::Bool) => crate::ir::ElemTy::U8,
                        _ => self.float_elem(),
                    }
                }
            })
            .collect()
    }
}

/// The window of [`Network::smooth_rate`] (Brian2's `smooth_rate(window, width)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Window {
    /// A Gaussian with standard deviation `width`, truncated at ±2 widths.
    Gaussian,
    /// A flat window `width` wide (rounded to an odd number of steps).
    Flat,
}

impl Network {
    /// The population rate smoothed with a window (Brian2's
    /// `PopulationRateMonitor.smooth_rate`): the window is normalised to sum 1 and
    /// convolved in numpy's `'same'` mode.
    pub fn smooth_rate(&self, h: Handle, window: Window, width: f64) -> Result<ndarray::Array1<f64>> {
        let Some(Object::RateMon(m)) = self.objects.get(h.0) else {
            return Err(err(
                "not-a-monitor",
                self.name_of(h),
                "smooth_rate needs a rate monitor",
            ));
        };
        let dt = self.group(m.source.group).dt;
        let out = smooth(&m.rate, dt, window, width);
        Ok(ndarray::Array1::from(out))
    }
}

/// Smooths a rate sampled every `dt` (see [`Network::smooth_rate`]).
pub fn smooth(r: &[f64], dt: f64, window: Window, width: f64) -> Vec<f64> {
    let w: Vec<f64> = match window {
        Window::Gaussian => {
            let half = (2.0 * width / dt).round() as i64;
            (-half..=half)
                .map(|k| {
                    let x = k as f64 * dt;
                    (-x * x / (2.0 * width * width)).exp()
                })
                .collect()
        }
        Window::Flat => {
            let mut n = (width / dt).round() as i64;
            if n % 2 == 0 {
                n += 1;
            }
            vec![1.0; n.max(1) as usize]
        }
    };
    let total: f64 = w.iter().sum();
    let w: Vec<f64> = w.iter().map(|x| x / total).collect();
    let (n, k) = (r.len() as i64, w.len() as i64);
    let half = (k - 1) / 2;
    (0..n)
        .map(|i| {
            let mut s = 0.0;
            for (j, wj) in w.iter().enumerate() {
                let idx = i + half - j as i64;
                if idx >= 0 && idx < n {
                    s += wj * r[idx as usize];
                }
            }
            s
        })
        .collect()
}
