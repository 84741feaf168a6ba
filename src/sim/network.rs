//! The [`Network`]: what it holds, its settings, and the lookups every other
//! room uses (objects by handle, neuron ranges, clocks, the arrays derived
//! from synapse indices). Above the data rooms (`spec`, `objects`, ...),
//! below every room that adds, builds or runs something.

use std::collections::HashMap;
use std::sync::Arc;

use super::arrays::{Array, Store};
use super::control::{PendingRun, RunControl, RunStats};
use super::findings::{Finding, NanCheck};
use super::objects::{Group, GroupRange, Object, Regular, Snapshot, Syn};
use super::schedule::ClockRef;
use super::spec::{Code, Handle};
use super::team;
use crate::codegen::{Backend, Compiler};
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::integrate::Method;
use crate::ir::ElemTy;
use crate::model::equations::{Equations, VarDef};
use crate::model::scope::{ArrayKey, ValTy};
use crate::units::Dim;

/// A network: its objects, their arrays, the clocks and the compiler (Brian2's
/// `Network` with `defaultclock`, `seed()` and the namespace).
///
/// Objects are added with `add_*` methods, each returning a [`Handle`];
/// kernels are compiled at the first [`Network::run`] (or by
/// [`Network::check`]) and again only when an object was added since.
///
/// How to connect synapses, set variables and run is in the module's guide:
/// [`sim`](crate::sim#synapses-and-connect).
pub struct Network {
    pub(crate) objects: Vec<Object>,
    pub(crate) store: Store,
    pub(crate) constants: HashMap<String, (f64, Dim)>,
    /// The network operations ([`Network::network_operation`]), in the order added.
    pub(crate) operations: Vec<NetworkOp>,
    /// A network operation asked the run to stop after this step.
    pub(crate) operation_stop: bool,
    /// What the network operation that failed in the last run returned.
    pub(crate) operation_failed: Option<Errors>,
    /// The user's functions ([`Network::add_function`]), by name.
    pub(crate) externs: HashMap<String, crate::model::scope::ExternDecl>,
    pub(crate) dt: f64,
    pub(crate) seed: u64,
    pub(crate) float32: bool,
    /// Divisions by constants as multiplications ([`Network::set_fast_math`]).
    pub(crate) fast_math: bool,
    pub(crate) compiler: Compiler,
    /// The current time step of each clock (by dt bits).
    pub(crate) clock_steps: HashMap<u64, i64>,
    /// The named clocks ([`Network::add_clock`]): (name, dt).
    pub(crate) named_clocks: Vec<(String, f64)>,
    /// Clocks whose dt changed since the last run, with the dt they had
    /// then: (clock, old dt), checked against the time at the next run.
    pub(crate) retimed: Vec<(ClockRef, f64)>,
    pub(crate) t: f64,
    pub(crate) rng_streams: u64,
    pub(crate) stats: RunStats,
    pub(crate) control: RunControl,
    pub(crate) regular: Vec<Regular>,
    pub(crate) snapshots: HashMap<String, Box<Snapshot>>,
    pub(crate) constant_types: HashMap<String, crate::model::scope::ValTy>,
    /// The run stopped early, to continue ([`Network::continue_run`]).
    pub(crate) pending: Option<PendingRun>,
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
    /// Whether runs time each op ([`Network::set_profiling`]).
    pub(crate) profiling: bool,
    pub(crate) team: Option<std::sync::Arc<team::Team>>,
    /// The ranks this network is one of ([`Network::set_ranks`]), when more
    /// than one: it integrates only the neurons it owns and holds only the
    /// synapses onto them.
    pub(crate) ranks: Option<Box<dyn super::partition::Exchange>>,
    /// The synapses of each synapses object over all ranks, and the global
    /// index of each this rank holds (partitioned networks only).
    pub(crate) global_synapses: HashMap<usize, super::partition::GlobalSynapses>,
    /// The last run stopped because another rank failed.
    pub(crate) failed_elsewhere: bool,
    /// On a partitioned network, the exchanges of the thresholds whose
    /// events `on_pre` pathways read (kept from run to run: a pathway that
    /// runs before its emitter's threshold reads the last step's events).
    pub(crate) event_exchanges: Vec<super::partition::EventExchange>,
    /// The run's epoch: the steps between two exchanges of events (1 unless
    /// every `on_pre` pathway's delay allows more; see `Network::epoch_of`).
    pub(crate) epoch: usize,
    /// Whether the ranks exchange their events (and agree on stopping) in
    /// this step: the last of an epoch, or of the run.
    pub(crate) exchange_now: bool,
    /// Rank 0 gathered the ranks' state ([`Network::gather_to_root`]): it
    /// holds the whole model, and is not run again.
    pub(crate) gathered: bool,
    /// The linked variables, by (object, variable), and what they read.
    pub(crate) links: HashMap<(usize, String), super::objects::Link>,
    /// The schedule's slots in their order, as indices into Brian2's default
    /// [`SLOTS`](super::schedule::SLOTS) ([`Network::set_schedule`]); `None`:
    /// the default schedule.
    pub(crate) schedule: Option<Vec<usize>>,
    /// Warnings found while checking code (see [`Network::warnings`]), each once.
    warnings: std::sync::Mutex<Vec<Diagnostic>>,
}

/// A network operation's code as the network keeps it (`operations.rs`
/// wraps the user's closure): called with the network and the time at each
/// tick of its clock.
pub(crate) trait OperationCode: Send {
    fn call(&mut self, net: &mut Network, t: f64) -> Result<()>;
}

/// A network operation: its place in the schedule and its code (taken out
/// while it runs, so that it can be given the network).
pub(crate) struct NetworkOp {
    pub name: String,
    /// Its clock's dt (the network's when `None`).
    pub dt: Option<f64>,
    /// Its slot's rank in the schedule and its order in the slot.
    pub when: i32,
    pub order: i32,
    pub code: Option<Box<dyn OperationCode>>,
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

/// Brian2's check of `method_options` against the options of the method
/// chosen (`extract_method_options`): each must be one it takes.
pub(crate) fn check_method_options(options: &[(String, bool)], method: Method, ctx: &str) -> Result<()> {
    let takes = method.options();
    match options.iter().find(|(name, _)| !takes.contains(&name.as_str())) {
        None => Ok(()),
        Some((name, _)) => {
            let which = if takes.is_empty() {
                "it takes no options".to_string()
            } else {
                format!("its options are: {}", takes.join(", "))
            };
            Err(err(
                "bad-method-option",
                &format!("{ctx}.method_options"),
                format!("'{name}' is not an option of the method '{}': {which}", method.name()),
            ))
        }
    }
}

/// The span of `text` without its leading and trailing blanks (a whole
/// one-word value such as a method name).
pub(crate) fn trimmed(text: &str) -> crate::diag::Span {
    let start = text.len() - text.trim_start().len();
    crate::diag::Span::new(start, text.trim_end().len().max(start))
}

/// The integration methods of an object whose `method` is given (named
/// `what`, as `neurons 'G'.method`) or not (Brian2's defaults, tried in
/// turn), with the method's source; an unknown method is added to `errors`.
pub(crate) fn integration_methods(
    method: Option<&Code>,
    what: String,
    errors: &mut Vec<Diagnostic>,
) -> (Option<Arc<Source>>, Vec<Method>) {
    let method_src = method.map(|m| m.source(what));
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
    (method_src, methods)
}

/// The element type of variable `v`'s array: a float variable's as `dtype`
/// gives it (by name, else `"*"`, else `float`), 32-bit integers, bytes for
/// booleans.
pub(crate) fn storage_type(v: &VarDef, dtype: &[(String, ElemTy)], float: ElemTy) -> ElemTy {
    match v.ty {
        ValTy::Float => dtype
            .iter()
            .find(|(n, _)| n == v.name())
            .or_else(|| dtype.iter().find(|(n, _)| n == "*"))
            .map_or(float, |(_, e)| *e),
        ValTy::Int => ElemTy::I32,
        ValTy::Bool => ElemTy::U8,
    }
}

pub(crate) fn err(code: &'static str, context: &str, msg: impl Into<String>) -> Errors {
    Errors::one(Diagnostic::new(code, msg).with_context(context))
}

impl Network {
    /// Makes this network one of several ranks that run one model together
    /// (under `mpirun`, or [`partition::LocalRanks`](super::partition::LocalRanks)
    /// in one process): it integrates only the neurons it owns
    /// ([`partition::owned`](super::partition::owned)) and makes and holds only
    /// the synapses onto them; events are exchanged every step, and rank 0
    /// gathers what the outputs need. Every rank must be given the same
    /// model, in the same order of calls, and this must come before the first
    /// object is added. One rank changes nothing.
    pub fn set_ranks(&mut self, ranks: Box<dyn super::partition::Exchange>) -> Result<()> {
        if !self.objects.is_empty() {
            return Err(err(
                "ranks-too-late",
                "ranks",
                "the ranks must be set before the first object is added",
            ));
        }
        self.ranks = (ranks.size() > 1).then_some(ranks);
        Ok(())
    }

    /// This network's rank (0 when it runs alone).
    pub fn rank(&self) -> usize {
        self.ranks.as_ref().map_or(0, |r| r.rank())
    }

    /// The number of ranks running the model (1 when it runs alone).
    pub fn rank_count(&self) -> usize {
        self.ranks.as_ref().map_or(1, |r| r.size())
    }

    /// The part of elements `start..end` of group `group` this rank owns, as
    /// a range (empty, at `start`, when it owns none of them); all of them
    /// for a synapses object (the source or target of other synapses).
    pub(crate) fn owned_part(&self, group: usize, start: usize, end: usize) -> (usize, usize) {
        let Some(Object::Group(g)) = self.objects.get(group) else {
            return (start, end);
        };
        let owned = self.owned(g.n);
        let (a, b) = (start.max(owned.start), end.min(owned.end));
        if a < b { (a, b) } else { (start, start) }
    }

    /// The elements of a group of `n` this rank integrates (all of them when
    /// it runs alone).
    pub(crate) fn owned(&self, n: usize) -> std::ops::Range<usize> {
        match &self.ranks {
            Some(r) => super::partition::owned(n, r.rank(), r.size()),
            None => 0..n,
        }
    }
}

impl Network {
    /// An empty network: default clock dt 0.1 ms, seed 0, float64, the JIT
    /// backend, time 0.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#network).
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
            named_clocks: Vec::new(),
            retimed: Vec::new(),
            t: 0.0,
            rng_streams: 0,
            stats: RunStats::default(),
            control: RunControl::default(),
            regular: Vec::new(),
            externs: HashMap::new(),
            operations: Vec::new(),
            operation_stop: false,
            operation_failed: None,
            snapshots: HashMap::new(),
            constant_types: HashMap::new(),
            pending: None,
            nan_check: NanCheck::default(),
            findings: Vec::new(),
            nan_since: None,
            nan_failed: false,
            recording_failed: None,
            threads: 1,
            profiling: false,
            team: None,
            ranks: None,
            global_synapses: HashMap::new(),
            failed_elsewhere: false,
            event_exchanges: Vec::new(),
            epoch: 1,
            exchange_now: true,
            gathered: false,
            links: HashMap::new(),
            schedule: None,
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
    /// An example is in the module's guide: [`sim`](crate::sim#network).
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

    /// The default clock's time step in seconds (Brian2's `defaultclock.dt =
    /// ...`): the dt of the objects added from now on without a `dt` or clock
    /// of their own, and of those already added on it. Between runs, as in
    /// Brian2: the next run starts at the current time on the new dt (an
    /// error there when that time is no multiple of it) and the spikes queued
    /// keep their delivery times, to the nearest new step (see
    /// [`Network::set_clock_dt`]).
    pub fn set_dt(&mut self, dt: f64) {
        self.retime(ClockRef::Default, self.dt, dt);
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

    /// Times each object of the schedule in the runs that follow (Brian2's
    /// `run(..., profile=True)`): [`RunStats::profile`] then holds the wall
    /// time and the steps of each, summed over the runs. Off by default: a
    /// step then reads no clock.
    pub fn set_profiling(&mut self, on: bool) {
        self.profiling = on;
    }

    /// Whether divisions by constants are compiled as multiplications
    /// ([`Network::set_fast_math`]).
    pub fn fast_math(&self) -> bool {
        self.fast_math
    }

    /// The current simulation time in seconds.
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Statistics of the runs so far (compile and run seconds, kernels).
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }

    pub(crate) fn unique_name(&self, wanted: Option<&str>, prefix: &str) -> Result<String> {
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

    pub(crate) fn syn_mut(&mut self, id: usize) -> &mut Syn {
        match &mut self.objects[id] {
            Object::Synapses(s) => s,
            _ => panic!("object {id} is not synapses"),
        }
    }

    /// The number of elements of a group, subgroup or synapses.
    pub fn size_of(&self, h: Handle) -> Result<usize> {
        match self.objects.get(h.0) {
            // On several ranks, the synapses of all ranks.
            Some(Object::Synapses(s)) => Ok(match self.global_synapses.get(&h.0) {
                Some(g) if self.ranks.is_some() && !self.gathered => g.total as usize,
                _ => s.n,
            }),
            _ => Ok(self.range(h)?.len()),
        }
    }

    /// The clock of the group, subgroup or synapses `h` (what an object on
    /// the same clock as `h` runs on).
    pub(crate) fn clock_ref_of(&self, h: Handle) -> ClockRef {
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => s.clock,
            _ => self
                .range(h)
                .map(|r| self.group(r.group).clock)
                .unwrap_or(ClockRef::Default),
        }
    }

    pub(crate) fn clock_of(&self, h: Handle) -> f64 {
        match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => s.dt,
            _ => self.range(h).map(|r| self.group(r.group).dt).unwrap_or(self.dt),
        }
    }

    pub(crate) fn next_rng(&mut self) -> spikejit_runtime::Rng {
        self.rng_streams += 1;
        spikejit_runtime::Rng::seed(self.seed, self.rng_streams)
    }

    /// The next stream ([`Network::next_rng`]) of a kernel over the elements
    /// of object `id`: on a partitioned network, a synapses object's
    /// synapses are keyed by their index among all ranks' synapses.
    pub(crate) fn next_rng_of(&mut self, id: usize) -> spikejit_runtime::Rng {
        let mut rng = self.next_rng();
        if matches!(self.objects.get(id), Some(Object::Synapses(_))) {
            // A rank holds synapses one by one, not in runs of elements.
            rng.set_runs(false);
            if self.ranks.is_some()
                && let Some(g) = self.global_synapses.get(&id)
            {
                rng.set_element_map(Some(g.local.as_slice().into()));
            }
        }
        rng
    }

    /// `N_incoming` or `N_outgoing` of synapses `id`, one value per synapse (the
    /// number of synapses onto that synapse's target, or out of its source),
    /// computed from the synapse indices; `None` for any other name.
    pub(crate) fn per_synapse_counts(&self, id: usize, var: &str) -> Option<Vec<i32>> {
        let s = self.syn(id)?;
        let (index, range) = match var {
            "N_incoming" => ("_post", &s.target),
            "N_outgoing" => ("_pre", &s.source),
            _ => return None,
        };
        let Some(Array::I32(v)) = self.store.get(&ArrayKey::new(id, index)) else {
            return None;
        };
        let off = range.start as i32;
        // On a partitioned network, a source's synapses are on the ranks of
        // their targets: their number is the ranks' sum, counted at connect.
        if var == "N_outgoing"
            && self.ranks.is_some()
            && let Some(g) = self.global_synapses.get(&id)
        {
            let of = |x: i32| g.outgoing.get((x - off) as usize).map_or(0, |&c| c as i32);
            return Some(v.iter().map(|&x| of(x)).collect());
        }
        let mut count = vec![0i32; range.len()];
        for &x in v {
            count[(x - off) as usize] += 1;
        }
        Some(v.iter().map(|&x| count[(x - off) as usize]).collect())
    }

    /// Makes the per-synapse counts `key` names if they are not in the store:
    /// called wherever a kernel binds arrays.
    pub(crate) fn materialise_synapse_counts(&mut self, key: &ArrayKey) {
        if SYNAPSE_COUNTS.contains(&key.var.as_str())
            && self.store.get(key).is_none()
            && let Some(v) = self.per_synapse_counts(key.object, &key.var)
        {
            self.store.insert(key.clone(), Array::I32(v));
        }
    }
}

/// The per-synapse counts: derived from the synapse indices, so they are not
/// kept from connect on but made when a kernel, a monitor or a user first reads
/// them (synapses that never do cost 8 bytes less each).
pub(crate) const SYNAPSE_COUNTS: [&str; 2] = ["N_incoming", "N_outgoing"];
