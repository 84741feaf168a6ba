//! The schedule and the run loop (brian2-semantics.md §4).

use std::collections::HashMap;

/// What the runs of a network cost and produced.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    /// Seconds spent building kernels (unit checks, integration, lowering, JIT).
    pub compile_seconds: f64,
    /// Seconds spent in the time-step loop.
    pub run_seconds: f64,
    /// Kernels compiled, and the JIT time of each (name, seconds).
    pub kernels: Vec<(String, f64)>,
    /// Spikes per group over all runs.
    pub spikes: HashMap<String, u64>,
    /// Time steps simulated (of the default clock).
    pub steps: u64,
    /// Seconds spent creating synapses (`connect`), kernels included.
    pub connect_seconds: f64,
    /// Synaptic events delivered by all pathways (one per synapse and event).
    pub synaptic_events: u64,
    /// The kernels that ran split over threads ([`Network::set_threads`]).
    pub threaded_kernels: Vec<String>,
}

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// How a caller watches and stops runs (a progress bar, Ctrl-C).
#[derive(Default)]
pub struct RunControl {
    /// Checked after every time step: when set, the run stops at the end of the
    /// step, as if its duration had ended there ([`Network::interrupted`]).
    pub stop: Option<Arc<AtomicBool>>,
    /// Called about every 0.1 s of wall time with the simulated time (seconds).
    pub progress: Option<Box<dyn FnMut(f64) + Send>>,
    /// Whether the last run stopped early.
    pub interrupted: bool,
    /// Stops the run, as `stop` does, once this many time steps have been
    /// simulated in all ([`RunStats::steps`], counted over every run of the
    /// network, and over the runs before a checkpoint it was loaded from).
    pub max_steps: Option<u64>,
    /// Called with each finding of the run-time checks in
    /// [`NanMode::Warn`](super::NanMode::Warn), as a warning to show (the CLI
    /// renders it with the statement's place); without it, warnings are
    /// printed to stderr as one line each.
    pub on_warning: Option<WarningHandler>,
}

/// What shows a warning of the run-time checks ([`RunControl::on_warning`]).
pub type WarningHandler = Box<dyn FnMut(&crate::diag::Diagnostic) + Send>;

/// What a run stopped early needs to go on exactly as if it had not stopped
/// ([`Network::continue_run`]): where it was to end, and its kernels' random
/// streams.
#[derive(Clone, Debug)]
pub(crate) struct PendingRun {
    /// The time the run was to end at.
    pub t_end: f64,
    /// The kernels of the run, in schedule order (`when/order/name`).
    pub keys: Vec<String>,
    /// Their random streams where the run stopped.
    pub rngs: Vec<spikejit_runtime::Rng>,
    /// The network's stream counter after the run's kernels took theirs.
    pub streams: u64,
}

impl std::fmt::Debug for RunControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("stop", &self.stop)
            .field("progress", &self.progress.is_some())
            .field("interrupted", &self.interrupted)
            .field("max_steps", &self.max_steps)
            .field("on_warning", &self.on_warning.is_some())
            .finish()
    }
}

/// Steps between two looks at the wall clock for progress reports.
const PROGRESS_STEPS: u64 = 64;

use super::build::Prepared;
use super::build::{SCALAR_ZEND, SCALAR_ZSTART};
use super::memory;
use super::nan::NanMode;
use super::queue::{BySource, MAX_DELAY_STEPS, SpikeQueue, delay_steps};
use super::{Array, Errors, GroupRange, Network, Object, Result, err, slot_name, slot_rank};
use crate::lower;
use crate::model::scope::ArrayKey;

enum OpKind {
    /// A kernel over `start..end` with extra scalar slots (synaptic state updates,
    /// summed variables).
    Range {
        start: usize,
        end: usize,
        extra: Vec<(&'static str, u64)>,
    },
    StateUpdate {
        group: usize,
        n: usize,
    },
    Threshold {
        group: usize,
        n: usize,
        /// `spike` for the threshold (its spikes are counted), else a custom event.
        event: String,
    },
    Reset {
        n: usize,
    },
    Pathway {
        event: String,
        syn: usize,
        p: usize,
        emitter: GroupRange,
        queue: SpikeQueue,
        by_source: BySource,
    },
    /// A SpikeGeneratorGroup's spikes for this step.
    Generator {
        group: usize,
        n: usize,
    },
    RateMon {
        mon: usize,
        range: GroupRange,
    },
    SpikeMon {
        mon: usize,
        group: usize,
        range: GroupRange,
        event: String,
        /// Arrays of the recorded variables (shared ones have one element).
        vars: Vec<ArrayKey>,
    },
    StateMon {
        mon: usize,
        /// The monitor's recording buffers (`_rec_VAR`), one per variable.
        rec_keys: Vec<ArrayKey>,
    },
    /// An object Brian2 schedules that has nothing to do here (a state updater
    /// without equations, synapses without pathways): listed by
    /// [`Network::schedule`], dropped before a run.
    Idle,
}

struct Op {
    kind: OpKind,
    kernel: Option<Prepared>,
    /// The kernel's array pointers, resolved when the run starts.
    bound: Option<Bound>,
    /// How the kernel runs on several threads, when it does.
    split: Option<SplitPlan>,
    /// The event space this op reads (its group's elements + 1 entries), resolved
    /// when the run starts: spikes are read without a lookup on every step.
    space: (*const i32, usize),
    ctx: spikejit_runtime::Context,
    dt: f64,
    /// (slot rank, order, name): Brian2's sort key.
    key: (i32, i32, String),
    rng: spikejit_runtime::Rng,
    /// Brian2's class of the object this op stands for (`StateUpdater`,
    /// `SynapticPathway`, ...), for [`Network::schedule`].
    class: &'static str,
}

impl Op {
    /// An [`OpKind::Idle`] op. Its random stream is never drawn from, and it
    /// takes none of the network's streams, so that listing it changes no
    /// other op's stream.
    fn idle(dt: f64, key: (i32, i32, String), class: &'static str) -> Op {
        Op::new(OpKind::Idle, None, dt, key, class, spikejit_runtime::Rng::seed(0, 0))
    }

    /// An op as `before_run` makes it: nothing bound yet.
    fn new(
        kind: OpKind,
        kernel: Option<Prepared>,
        dt: f64,
        key: (i32, i32, String),
        class: &'static str,
        rng: spikejit_runtime::Rng,
    ) -> Op {
        Op {
            kind,
            kernel,
            bound: None,
            split: None,
            space: (std::ptr::null(), 0),
            ctx: spikejit_runtime::Context::new(),
            dt,
            key,
            rng,
            class,
        }
    }
}

/// One object of the schedule ([`Network::schedule`]), in Brian2's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    /// The slot (`start`, `groups`, `after_thresholds`, ...).
    pub when: &'static str,
    /// The order within the slot.
    pub order: i32,
    /// The dt of the object's clock, in seconds.
    pub dt: f64,
    /// Brian2's name of the object: `G_stateupdater`, `S_pre`,
    /// `S_summed_variable_I_post`, a monitor's own name, ...
    pub name: String,
    /// Brian2's class of the object: `StateUpdater`, `Thresholder`,
    /// `SynapticPathway`, `SpikeMonitor`, ...
    pub class: String,
}

/// An op's schedule key as a checkpoint keeps it.
fn op_key(op: &Op) -> String {
    format!("{}/{}/{}", op.key.0, op.key.1, op.key.2)
}

/// `timestep` of a time on a clock: Brian2 rounds to the nearest step when the time
/// is within 1e-4 dt of it, and up otherwise.
fn to_step(t: f64, dt: f64) -> i64 {
    let x = t / dt;
    let r = x.round();
    if (x - r).abs() < 1e-4 {
        r as i64
    } else {
        x.ceil() as i64
    }
}

/// What is wrong with a pathway's delay `d` (seconds) that no step count of
/// `dt` holds: negative, not finite, or longer than a spike queue takes.
pub(crate) fn delay_message(pathway: &str, d: f64, dt: f64) -> String {
    let d_text = crate::units::py_float_repr(d);
    if d >= 0.0 && d.is_finite() {
        format!(
            "pathway '{pathway}' has a delay of {d_text} s, {} steps of dt = {} s: more than a spike queue holds (2^53 = {MAX_DELAY_STEPS} steps)",
            crate::units::py_float_repr((d / dt).round()),
            crate::units::py_float_repr(dt),
        )
    } else {
        format!("pathway '{pathway}' has a negative or non-finite delay ({d_text} s)")
    }
}

/// The error of [`delay_message`], about synapses `syn`.
pub(crate) fn delay_error(syn: &str, pathway: &str, d: f64, dt: f64) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::new("bad-delay", delay_message(pathway, d, dt))
        .with_context(format!("synapses '{syn}'.delay"))
}

/// Per-synapse delays (seconds) in steps of `dt`: `(vec![], d)` when all are
/// `d` (the queue's homogeneous path), else one per synapse; an error at the
/// first delay no step count holds, or when the steps do not fit in memory.
/// The delays are read in place: a copy of millions of them would be the
/// peak of the run's memory.
fn delays_in_steps(a: &Array, dt: f64, syn: &str, pathway: &str) -> Result<(Vec<u64>, u64)> {
    let n = a.len();
    let step = |k: usize| delay_steps(a.get(k), dt).ok_or_else(|| Errors::one(delay_error(syn, pathway, a.get(k), dt)));
    let d0 = if n > 0 { step(0)? } else { 0 };
    let mut k = 1;
    while k < n && step(k)? == d0 {
        k += 1;
    }
    if k == n {
        return Ok((Vec::new(), d0));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        err(
            "out-of-memory",
            &format!("synapses '{syn}'.delay"),
            format!(
                "pathway '{pathway}': the delays of {n} synapses in steps ({}) do not fit in memory",
                memory::show_bytes(8.0 * n as f64)
            ),
        )
    })?;
    for k in 0..n {
        v.push(step(k)?);
    }
    Ok((v, 0))
}

impl Network {
    /// Builds every kernel (unit checks included) without running: Brian2's
    /// `before_run`. All errors are reported together.
    pub fn check(&mut self) -> Result<()> {
        let ops = self.before_run()?;
        self.restore_queues(ops);
        Ok(())
    }

    /// Whether the last run was stopped early through [`RunControl::stop`].
    pub fn interrupted(&self) -> bool {
        self.control.interrupted
    }

    /// Lets a caller watch runs and stop them (see [`RunControl`]).
    pub fn set_control(&mut self, control: RunControl) {
        self.control = control;
    }

    fn restore_queues(&mut self, ops: Vec<Op>) {
        for op in ops {
            if let OpKind::Pathway { syn, p, queue, .. } = op.kind
                && let Some(Object::Synapses(s)) = self.objects.get_mut(syn)
            {
                s.pathways[p].queue = queue;
            }
        }
    }

    /// Builds every kernel and the ops of a run (Brian2's `before_run`), fuses
    /// what can be fused: what a run executes, in schedule order.
    fn before_run(&mut self) -> Result<Vec<Op>> {
        let t0 = Instant::now();
        let mut ops = self.scheduled_ops()?;
        ops.retain(|op| !matches!(op.kind, OpKind::Idle));
        self.fuse_thresholds(&mut ops);
        self.stats.compile_seconds += t0.elapsed().as_secs_f64();
        Ok(ops)
    }

    /// The schedule of the next run: every object that runs in a time step, in
    /// the order it runs (Brian2's `Network.scheduling_summary()`). It builds
    /// every kernel, so it reports the errors [`Network::check`] reports.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup};
    /// let mut net = Network::new();
    /// net.add_neurons(NeuronGroup::new(10, "dv/dt = -v/(10*ms) : 1").threshold("v > 1").reset("v = 0").name("G"))?;
    /// let names: Vec<String> = net.schedule()?.into_iter().map(|e| e.name).collect();
    /// assert_eq!(names, ["G_stateupdater", "G_spike_thresholder", "G_spike_resetter"]);
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn schedule(&mut self) -> Result<Vec<ScheduleEntry>> {
        let streams = self.rng_streams;
        let ops = self.scheduled_ops();
        self.rng_streams = streams;
        let ops = ops?;
        let entries = ops
            .iter()
            .map(|op| ScheduleEntry {
                when: slot_name(op.key.0),
                order: op.key.1,
                dt: op.dt,
                name: op.key.2.clone(),
                class: op.class.to_string(),
            })
            .collect();
        self.restore_queues(ops);
        Ok(entries)
    }

    /// Whether a constant's value reaches code that runs: whether the kernels
    /// of the next run would differ if the constant had the value `value`
    /// (in SI units) instead of its own. Brian2 reads the namespace at every
    /// run, so a constant changed between runs changes the code that reads
    /// it; values computed from it when the model was built (delays, initial
    /// values, a Poisson rate given as a quantity) keep what they got then.
    /// False for an unknown constant or an equal value. Errors of the kernels
    /// are those of [`Network::check`].
    pub fn constant_changes_code(&mut self, name: &str, value: f64) -> Result<bool> {
        let Some(&(old, dim)) = self.constants.get(name) else {
            return Ok(false);
        };
        if old.to_bits() == value.to_bits() {
            return Ok(false);
        }
        let streams = self.rng_streams;
        let before = self.kernel_texts();
        self.constants.insert(name.to_string(), (value, dim));
        let after = self.kernel_texts();
        self.constants.insert(name.to_string(), (old, dim));
        // Building kernels takes random streams; a check must not shift those
        // of the runs.
        self.rng_streams = streams;
        Ok(before? != after?)
    }

    /// The printed IR of every kernel of the next run, in schedule order.
    fn kernel_texts(&mut self) -> Result<Vec<String>> {
        let ops = self.scheduled_ops()?;
        let texts = ops
            .iter()
            .filter_map(|op| op.kernel.as_ref().map(|k| k.kernel.to_string()))
            .collect();
        self.restore_queues(ops);
        Ok(texts)
    }

    /// The ops of a run, unfused, sorted by Brian2's key (slot, order, name).
    fn scheduled_ops(&mut self) -> Result<Vec<Op>> {
        let mut ops = Vec::new();
        let mut errors = Vec::new();
        let groups_rank = slot_rank("groups").unwrap_or(4);
        let thr_rank = slot_rank("thresholds").unwrap_or(7);
        let syn_rank = slot_rank("synapses").unwrap_or(10);
        let reset_rank = slot_rank("resets").unwrap_or(13);
        // Synapses with nothing to run: Brian2 lists them as objects of their own.
        let mut empty_synapses = Vec::new();
        for id in 0..self.objects.len() {
            let ops_before = ops.len();
            match &self.objects[id] {
                Object::Group(g) => {
                    let (name, n, dt, order, when) = (g.name.clone(), g.n, g.dt, g.order, g.when);
                    match self.group_state_update(id) {
                        Ok(Some(k)) => ops.push(Op::new(
                            OpKind::StateUpdate { group: id, n },
                            Some(k),
                            dt,
                            (when, order, format!("{name}_stateupdater")),
                            "StateUpdater",
                            self.next_rng(),
                        )),
                        // Brian2 lists a neuron group's state updater even when
                        // it has nothing to integrate.
                        Ok(None) if matches!(self.group(id).kind, super::GroupKind::Neurons) => ops.push(Op::idle(
                            dt,
                            (when, order, format!("{name}_stateupdater")),
                            "StateUpdater",
                        )),
                        Ok(None) => {}
                        Err(e) => errors.extend(e.0),
                    }
                    let cur = to_step(self.t, dt);
                    let next = match &self.group(id).kind {
                        super::GroupKind::Generator(gs) => {
                            // Start with the first spike not before the current step.
                            let local = if gs.period > 0 { cur % gs.period } else { cur };
                            Some(gs.steps.iter().position(|&st| st >= local).unwrap_or(gs.steps.len()))
                        }
                        _ => None,
                    };
                    if let Some(next) = next {
                        if let Object::Group(g) = &mut self.objects[id]
                            && let super::GroupKind::Generator(gs) = &mut g.kind
                        {
                            gs.next = next;
                        }
                        ops.push(Op::new(
                            OpKind::Generator { group: id, n },
                            None,
                            dt,
                            (thr_rank, order, name.clone()),
                            "SpikeGeneratorGroup",
                            self.next_rng(),
                        ));
                    }
                    match self.group_threshold(id) {
                        Ok(Some(k)) => ops.push(Op::new(
                            OpKind::Threshold {
                                group: id,
                                n,
                                event: "spike".to_string(),
                            },
                            Some(k),
                            dt,
                            (thr_rank, order, format!("{name}_spike_thresholder")),
                            "Thresholder",
                            self.next_rng(),
                        )),
                        Ok(None) => {}
                        Err(e) => errors.extend(e.0),
                    }
                    match self.group_events(id) {
                        Ok(list) => {
                            let after_thr = slot_rank("after_thresholds").unwrap_or(8);
                            let after_reset = slot_rank("after_resets").unwrap_or(14);
                            for (ev, k, is_code) in list {
                                let (slot, suffix) = if is_code {
                                    (after_reset, "resetter")
                                } else {
                                    (after_thr, "thresholder")
                                };
                                ops.push(Op::new(
                                    OpKind::Threshold {
                                        group: id,
                                        n,
                                        event: ev.clone(),
                                    },
                                    Some(k),
                                    dt,
                                    (slot, order, format!("{name}_{ev}_{suffix}")),
                                    if is_code { "Resetter" } else { "Thresholder" },
                                    self.next_rng(),
                                ));
                            }
                        }
                        Err(e) => errors.extend(e.0),
                    }
                    match self.group_reset(id) {
                        Ok(Some(k)) => ops.push(Op::new(
                            OpKind::Reset { n },
                            Some(k),
                            dt,
                            (reset_rank, order, format!("{name}_spike_resetter")),
                            "Resetter",
                            self.next_rng(),
                        )),
                        Ok(None) => {}
                        Err(e) => errors.extend(e.0),
                    }
                    let _ = groups_rank;
                }
                Object::Synapses(s) => {
                    let (sname, sdt, sorder, nsyn, swhen) = (s.name.clone(), s.dt, s.order, s.n, s.when);
                    match self.synapse_state_update(id) {
                        Ok(Some(k)) => ops.push(Op::new(
                            OpKind::Range {
                                start: 0,
                                end: nsyn,
                                extra: vec![],
                            },
                            Some(k),
                            sdt,
                            (swhen, sorder, format!("{sname}_stateupdater")),
                            "StateUpdater",
                            self.next_rng(),
                        )),
                        Ok(None) => {}
                        Err(e) => errors.extend(e.0),
                    }
                    match self.summed_kernels(id) {
                        Ok(list) => {
                            for (k, tgt, var) in list {
                                // Brian2's `target.order - 1`, where the target is the
                                // synapses' source or target as given: a subgroup's
                                // order is its group's + 1.
                                let (gdt, _) = self.dt_order_of(tgt.group);
                                let gorder = match self.syn(id) {
                                    Some(s) if var.ends_with("_pre") => s.source_order,
                                    Some(s) => s.target_order,
                                    None => 0,
                                };
                                ops.push(Op::new(
                                    OpKind::Range {
                                        start: 0,
                                        end: nsyn,
                                        extra: vec![(SCALAR_ZSTART, tgt.start as u64), (SCALAR_ZEND, tgt.stop as u64)],
                                    },
                                    Some(k),
                                    gdt,
                                    (groups_rank, gorder - 1, format!("{sname}_summed_variable_{var}")),
                                    "SummedVariableUpdater",
                                    self.next_rng(),
                                ));
                            }
                        }
                        Err(e) => errors.extend(e.0),
                    }
                    let Some(s) = self.syn(id) else { continue };
                    if !s.pathways.is_empty() && !s.connected {
                        errors.push(
                            crate::diag::Diagnostic::new(
                                "not-connected",
                                format!(
                                    "synapses '{}' do nothing: connect was never called (add a 'connect' entry)",
                                    s.name
                                ),
                            )
                            .with_context(format!("synapses '{}'", s.name)),
                        );
                        continue;
                    }
                    let npath = s.pathways.len();
                    for p in 0..npath {
                        let Some(s) = self.syn(id) else { continue };
                        let path = &s.pathways[p];
                        let emitter = if path.is_post { s.target } else { s.source };
                        let path_event = path.event.clone();
                        let dt = self.group(emitter.group).dt;
                        let order = if path.is_post { 1 } else { -1 };
                        let name = format!("{}_{}", s.name, path.name);
                        let key_arr = if path.is_post { "_post" } else { "_pre" };
                        let by_source = match self.store.get(&ArrayKey::new(id, key_arr)) {
                            Some(Array::I32(v)) => BySource::build(v, emitter.start, emitter.len()),
                            _ => BySource::build(&[], emitter.start, emitter.len()),
                        };
                        let Ok(by_source) = by_source else {
                            errors.extend(
                                err(
                                    "out-of-memory",
                                    &format!("synapses '{}'", s.name),
                                    format!(
                                        "pathway '{}': no memory to group the {} synapses by source neuron",
                                        path.name, s.n
                                    ),
                                )
                                .0,
                            );
                            continue;
                        };
                        // Delays in steps of the emitter's clock, rounded half up.
                        let delays = match path.scalar_delay {
                            Some(d) => delay_steps(d, dt)
                                .map(|h| (Vec::new(), h))
                                .ok_or_else(|| Errors::one(delay_error(&s.name, &path.name, d, dt))),
                            None => match self.store.get(&ArrayKey::new(id, format!("{}.delay", path.name))) {
                                Some(a) => delays_in_steps(a, dt, &s.name, &path.name),
                                None => Ok((Vec::new(), 0)),
                            },
                        };
                        let (delays, homog) = match delays {
                            Ok(d) => d,
                            Err(e) => {
                                errors.extend(e.0);
                                continue;
                            }
                        };
                        let path = &mut self.syn_mut(id).pathways[p];
                        let mut queue = std::mem::take(&mut path.queue);
                        queue.prepare(delays, homog);
                        match self.pathway_kernel(id, p) {
                            Ok(k) => ops.push(Op::new(
                                OpKind::Pathway {
                                    event: path_event.clone(),
                                    syn: id,
                                    p,
                                    emitter,
                                    queue,
                                    by_source,
                                },
                                Some(k),
                                dt,
                                (syn_rank, order, name),
                                "SynapticPathway",
                                self.next_rng(),
                            )),
                            Err(e) => {
                                self.syn_mut(id).pathways[p].queue = queue;
                                errors.extend(e.0)
                            }
                        }
                    }
                }
                Object::SpikeMon(m) => {
                    let g = self.group(m.source.group);
                    ops.push(Op::new(
                        OpKind::SpikeMon {
                            mon: id,
                            group: m.source.group,
                            range: m.source,
                            event: m.event.clone(),
                            vars: m
                                .variables
                                .iter()
                                .map(|v| ArrayKey::new(m.source.group, v.clone()))
                                .collect(),
                        },
                        None,
                        g.dt,
                        (m.when, m.order, m.name.clone()),
                        if m.event == "spike" {
                            "SpikeMonitor"
                        } else {
                            "EventMonitor"
                        },
                        self.next_rng(),
                    ));
                }
                Object::StateMon(m) => {
                    let (dt, key) = (m.dt, (m.when, m.order, m.name.clone()));
                    let rec_keys: Vec<ArrayKey> = m
                        .variables
                        .iter()
                        .map(|v| ArrayKey::new(id, format!("_rec_{v}")))
                        .collect();
                    match self.recorder_kernel(id) {
                        Ok(k) => ops.push(Op::new(
                            OpKind::StateMon { mon: id, rec_keys },
                            Some(k),
                            dt,
                            key,
                            "StateMonitor",
                            self.next_rng(),
                        )),
                        Err(e) => errors.extend(e.0),
                    }
                }
                Object::RateMon(m) => {
                    let g = self.group(m.source.group);
                    ops.push(Op::new(
                        OpKind::RateMon {
                            mon: id,
                            range: m.source,
                        },
                        None,
                        g.dt,
                        (m.when, m.order, m.name.clone()),
                        "PopulationRateMonitor",
                        self.next_rng(),
                    ));
                }
                Object::PoissonInput(_) => match self.poisson_input_kernel(id) {
                    Ok((k, start, end, dt, order, name)) => ops.push(Op::new(
                        OpKind::Range {
                            start,
                            end,
                            extra: vec![],
                        },
                        Some(k),
                        dt,
                        (syn_rank, order, name),
                        "PoissonInput",
                        self.next_rng(),
                    )),
                    Err(e) => errors.extend(e.0),
                },
                Object::Subgroup { .. } | Object::TimedArray(_) => {}
            }
            if matches!(self.objects[id], Object::Synapses(_)) && ops.len() == ops_before {
                empty_synapses.push(id);
            }
        }
        for id in 0..self.objects.len() {
            if !matches!(self.objects[id], Object::Group(_) | Object::Synapses(_)) {
                continue;
            }
            match self.subexpression_updater(id) {
                Ok(Some((k, start, end))) => {
                    empty_synapses.retain(|&e| e != id);
                    let (dt, order) = self.dt_order_of(id);
                    let name = format!("{}_subexpression_update", self.objects[id].name());
                    ops.push(Op::new(
                        OpKind::Range {
                            start,
                            end,
                            extra: vec![],
                        },
                        Some(k),
                        dt,
                        (slot_rank("before_start").unwrap_or(0), order, name),
                        "SubexpressionUpdater",
                        self.next_rng(),
                    ));
                }
                Ok(None) => {}
                Err(e) => errors.extend(e.0),
            }
        }
        for r in 0..self.regular.len() {
            match self.regular_kernel(r) {
                Ok((k, start, end)) => {
                    let reg = &self.regular[r];
                    empty_synapses.retain(|&e| e != reg.owner.0);
                    let (dt, key) = (reg.dt, (reg.when, reg.order, reg.name.clone()));
                    ops.push(Op::new(
                        OpKind::Range {
                            start,
                            end,
                            extra: vec![],
                        },
                        Some(k),
                        dt,
                        key,
                        "CodeRunner",
                        self.next_rng(),
                    ));
                }
                Err(e) => errors.extend(e.0),
            }
        }
        for id in empty_synapses {
            let (dt, order) = self.dt_order_of(id);
            let key = (
                slot_rank("start").unwrap_or(1),
                order,
                self.objects[id].name().to_string(),
            );
            ops.push(Op::idle(dt, key, "Synapses"));
        }
        if !errors.is_empty() {
            self.restore_queues(ops);
            return Err(Errors(errors));
        }
        ops.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(ops)
    }

    /// Fuses each group's state update with its spike threshold when nothing
    /// that could see the difference runs between them (only other groups'
    /// state updates): one pass over the neurons per step instead of two.
    /// `ir::fuse` refuses whenever the result could differ.
    fn fuse_thresholds(&mut self, ops: &mut Vec<Op>) {
        if std::env::var_os("SPIKEJIT_NO_FUSION").is_some() {
            return;
        }
        let mut i = 0;
        while i < ops.len() {
            let OpKind::StateUpdate { group, n } = ops[i].kind else {
                i += 1;
                continue;
            };
            let j = (i + 1..ops.len()).find(|&j| match &ops[j].kind {
                OpKind::StateUpdate { group: g, .. } => *g == group,
                OpKind::Threshold { group: g, event, .. } => *g == group && event == "spike",
                _ => true,
            });
            let Some(j) = j else { break };
            let fusible = matches!(&ops[j].kind, OpKind::Threshold { group: g, event, .. } if *g == group && event == "spike")
                && ops[i].dt == ops[j].dt
                && ops[i + 1..j]
                    .iter()
                    .all(|o| matches!(o.kind, OpKind::StateUpdate { .. }));
            if fusible && let (Some(ka), Some(kb)) = (&ops[i].kernel, &ops[j].kernel) {
                let same: Vec<Option<usize>> = kb
                    .bindings
                    .iter()
                    .map(|key| ka.bindings.iter().position(|x| x == key))
                    .collect();
                let name = format!("{}+threshold", ka.kernel.name);
                if let Some((mut kernel, map)) =
                    crate::ir::fuse::fuse_element_loops(&ka.kernel, &kb.kernel, &same, &name)
                {
                    // The threshold reads what the update just stored.
                    crate::ir::passes::forward_elements(&mut kernel);
                    let mut bindings = ka.bindings.clone();
                    for (k, key) in kb.bindings.iter().enumerate() {
                        if map[k] >= bindings.len() {
                            bindings.push(key.clone());
                        }
                    }
                    let scalars: Vec<String> = kernel.scalars.iter().map(|s| s.name.clone()).collect();
                    if let Ok(p) = self.compile_kernel(kernel, bindings, scalars) {
                        let threshold = ops.remove(j);
                        let op = &mut ops[i];
                        op.kernel = Some(p);
                        op.kind = threshold.kind;
                        let _ = n;
                    }
                }
            }
            i += 1;
        }
    }

    pub(crate) fn syn_mut(&mut self, id: usize) -> &mut super::Syn {
        match &mut self.objects[id] {
            Object::Synapses(s) => s,
            _ => panic!("object {id} is not synapses"),
        }
    }

    /// Runs the network for `duration` seconds (Brian2's `Network.run`).
    ///
    /// A run stopped early through [`RunControl`] (Ctrl-C, a step limit) can be
    /// finished with [`Network::continue_run`]; a new `run` forgets it.
    pub fn run(&mut self, duration: f64) -> Result<()> {
        if !(duration >= 0.0 && duration.is_finite()) {
            return Err(err(
                "bad-duration",
                "run",
                format!("the duration must be a non-negative, finite time, got {duration} s"),
            ));
        }
        super::check_dt(self.dt, "the default clock")?;
        self.pending = None;
        let t_end = self.t + duration;
        self.run_to(t_end, None)
    }

    /// Finishes the run that was stopped early (see [`RunControl`]): runs to the
    /// time it was to end at, with its kernels' random streams where they
    /// stopped, so that the results are those of the run never stopped. It
    /// works after [`Network::load_checkpoint`] too. An error when no run was
    /// stopped early (or a `run` came since).
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, RunControl, Selection, SpikeMonitor, Value};
    ///
    /// let build = || -> Result<_, spikejit::diag::Errors> {
    ///     let mut net = Network::new();
    ///     net.set_seed(3);
    ///     let g = net.add_neurons(NeuronGroup::new(20, "dv/dt = (1.2 - v)/(10*ms) + 0.5*xi/sqrt(ms) : 1").threshold("v > 1").reset("v = rand()"))?;
    ///     net.set(g, "v", Value::Expr("rand()".into()), Selection::All)?;
    ///     let m = net.add_spike_monitor(SpikeMonitor::new(g))?;
    ///     Ok((net, m))
    /// };
    /// let (mut whole, m) = build()?;
    /// whole.run(0.05)?;
    ///
    /// let (mut parts, _) = build()?;
    /// parts.set_control(RunControl { max_steps: Some(123), ..RunControl::default() });
    /// parts.run(0.05)?;
    /// assert!(parts.interrupted());
    /// assert!(parts.run_left().is_some_and(|left| (left - 0.0377).abs() < 1e-12)); // 123 steps of 0.1 ms done
    /// parts.set_control(RunControl::default());
    /// parts.continue_run()?;
    /// assert_eq!(parts.t(), whole.t());
    /// let (a, b) = (whole.spike_monitor(m).ok_or("no monitor")?, parts.spike_monitor(m).ok_or("no monitor")?);
    /// assert_eq!((a.i, a.t), (b.i, b.t));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn continue_run(&mut self) -> Result<()> {
        let Some(p) = self.pending.take() else {
            return Err(err(
                "no-stopped-run",
                "continue_run",
                "there is no run stopped early to continue",
            ));
        };
        let t_end = p.t_end;
        self.run_to(t_end, Some(p))
    }

    /// The simulated seconds left of the run stopped early, if there is one to
    /// continue ([`Network::continue_run`]).
    pub fn run_left(&self) -> Option<f64> {
        self.pending.as_ref().map(|p| p.t_end - self.t)
    }

    /// Whether the run should stop before its next step (Ctrl-C, a step limit).
    fn stop_requested(&self) -> bool {
        self.control.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
            || self.control.max_steps.is_some_and(|m| self.stats.steps >= m)
    }

    fn run_to(&mut self, t_end: f64, resume: Option<PendingRun>) -> Result<()> {
        let resuming = resume.is_some();
        let mut ops = self.before_run()?;
        if let Err(e) = self.check_recording(t_end) {
            self.restore_queues(ops);
            return Err(e);
        }
        self.recording_failed = None;
        if let Some(p) = resume {
            let keys: Vec<String> = ops.iter().map(op_key).collect();
            if keys != p.keys {
                return Err(err(
                    "checkpoint-mismatch",
                    "continue_run",
                    format!(
                        "the run to continue had other kernels ({}) than this network has ({})",
                        p.keys.join(", "),
                        keys.join(", ")
                    ),
                ));
            }
            for (op, rng) in ops.iter_mut().zip(p.rngs) {
                op.rng = rng;
            }
            self.rng_streams = p.streams;
        }
        // Arrays do not move during a run: resolve every pointer once.
        for op in ops.iter_mut() {
            if let Some(k) = &op.kernel {
                let bound = self.bind(k);
                op.split = match op.kind {
                    OpKind::StateUpdate { n, .. } | OpKind::Threshold { n, .. } if self.threads > 1 => {
                        SplitPlan::new(k, &bound, n, self.threads)
                    }
                    _ => None,
                };
                if op.split.is_some() && !self.stats.threaded_kernels.contains(&k.kernel.name) {
                    self.stats.threaded_kernels.push(k.kernel.name.clone());
                }
                op.bound = Some(bound);
            }
            let read = match &op.kind {
                OpKind::Threshold { group, event, .. } | OpKind::SpikeMon { group, event, .. } => {
                    Some((*group, event.as_str()))
                }
                OpKind::Pathway { emitter, event, .. } => Some((emitter.group, event.as_str())),
                OpKind::RateMon { range, .. } => Some((range.group, "spike")),
                _ => None,
            };
            if let Some((group, event)) = read
                && let Some(Array::I32(v)) = self.store.get(&ArrayKey::new(group, super::space_key(event)))
            {
                op.space = (v.as_ptr(), v.len() - 1);
            }
        }
        let t0 = Instant::now();
        // Clocks: dt → (current step, end step).
        let mut clocks: Vec<(f64, i64, i64)> = Vec::new();
        for op in &ops {
            if !clocks.iter().any(|c| c.0 == op.dt) {
                let cur = *self
                    .clock_steps
                    .get(&op.dt.to_bits())
                    .unwrap_or(&to_step(self.t, op.dt));
                let cur = cur.max(to_step(self.t, op.dt));
                clocks.push((op.dt, cur, to_step(t_end, op.dt)));
            }
        }
        let min_dt = clocks.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
        let mut active = vec![false; clocks.len()];
        let op_clock: Vec<usize> = ops
            .iter()
            .map(|op| clocks.iter().position(|c| c.0 == op.dt).unwrap_or(0))
            .collect();
        let mut spikes: std::collections::HashMap<usize, u64> = std::collections::HashMap::new();
        let mut interrupted_at: Option<f64> = None;
        let mut last_report = Instant::now();
        let nan_every = self.nan_check.every.max(1);
        let mut nan_targets = match self.nan_check.mode {
            NanMode::Off => Vec::new(),
            _ => self.nan_targets(),
        };
        let mut nan_failed = false;
        let first_finding = self.findings.len();
        // Values set before the run are found now, not blamed on the first
        // state update (a run that goes on was checked when it stopped).
        if !nan_targets.is_empty() && !resuming {
            let cur = clocks.iter().map(|c| c.1 as f64 * c.0).fold(f64::INFINITY, f64::min);
            if cur.is_finite()
                && self.check_non_finite(&mut nan_targets, (to_step(cur, min_dt), cur), true)
                && self.nan_check.mode == NanMode::Error
            {
                nan_failed = true;
            }
        }
        // The finest clock's step and time of the last step simulated.
        let mut last: Option<(i64, f64)> = None;
        loop {
            if nan_failed {
                interrupted_at = Some(self.t);
                break;
            }
            let mut tmin = f64::INFINITY;
            for c in &clocks {
                if c.1 < c.2 {
                    tmin = tmin.min(c.1 as f64 * c.0);
                }
            }
            if !tmin.is_finite() {
                break;
            }
            if self.stop_requested() {
                interrupted_at = Some(tmin);
                break;
            }
            for (k, c) in clocks.iter().enumerate() {
                active[k] = c.1 < c.2 && ((c.1 as f64 * c.0) - tmin).abs() / min_dt < 1e-4;
            }
            let mut faulted = false;
            for (oi, op) in ops.iter_mut().enumerate() {
                let ck = op_clock[oi];
                if !active[ck] {
                    continue;
                }
                let step = clocks[ck].1;
                let t = step as f64 * clocks[ck].0;
                self.run_op(op, t, step, &mut spikes);
                // A failed check in the kernel (none without checks: one
                // length test per call).
                if !op.ctx.faults.is_empty()
                    && let Some(k) = &op.kernel
                {
                    faulted |= self.record_faults(&k.sites, &mut op.ctx, (to_step(tmin, min_dt), tmin));
                }
            }
            for (k, c) in clocks.iter_mut().enumerate() {
                if active[k] {
                    c.1 += 1;
                }
            }
            self.stats.steps += 1;
            if faulted && self.nan_check.mode == NanMode::Error {
                nan_failed = true;
                interrupted_at = Some(tmin + min_dt);
                break;
            }
            if self.recording_failed.is_some() {
                interrupted_at = Some(tmin + min_dt);
                break;
            }
            if !nan_targets.is_empty() {
                let now = (to_step(tmin, min_dt), tmin);
                self.nan_since.get_or_insert(now);
                last = Some(now);
                if self.stats.steps.is_multiple_of(nan_every)
                    && self.check_non_finite(&mut nan_targets, now, false)
                    && self.nan_check.mode == NanMode::Error
                {
                    nan_failed = true;
                    interrupted_at = Some(tmin + min_dt);
                    break;
                }
            }
            if self.control.progress.is_some() && self.stats.steps.is_multiple_of(PROGRESS_STEPS) {
                let now = Instant::now();
                if now.duration_since(last_report).as_secs_f64() >= 0.1 {
                    last_report = now;
                    if let Some(p) = self.control.progress.as_mut() {
                        p(tmin + min_dt);
                    }
                }
            }
        }
        // The end of a run is checked too (not of one stopped early: it goes on later).
        if interrupted_at.is_none()
            && let Some(now) = last
            && self.nan_since.is_some()
            && self.check_non_finite(&mut nan_targets, now, false)
            && self.nan_check.mode == NanMode::Error
        {
            nan_failed = true;
        }
        for c in &clocks {
            self.clock_steps.insert(c.0.to_bits(), c.1);
        }
        self.control.interrupted = interrupted_at.is_some() && !nan_failed && self.recording_failed.is_none();
        self.t = interrupted_at.map_or(t_end, |t| t.min(t_end));
        if let Some(p) = self.control.progress.as_mut() {
            p(self.t);
        }
        for (g, n) in spikes {
            let name = self.group(g).name.clone();
            *self.stats.spikes.entry(name).or_insert(0) += n;
        }
        self.stats.run_seconds += t0.elapsed().as_secs_f64();
        if self.control.interrupted {
            self.pending = Some(PendingRun {
                t_end,
                keys: ops.iter().map(op_key).collect(),
                rngs: ops.iter().map(|op| op.rng.clone()).collect(),
                streams: self.rng_streams,
            });
        }
        self.restore_queues(ops);
        self.nan_failed = nan_failed;
        if let Some(d) = &self.recording_failed {
            return Err(Errors::one(d.clone()));
        }
        if nan_failed {
            // What the step where the run stopped found.
            let found = self.findings[first_finding.min(self.findings.len())..]
                .iter()
                .map(|f| {
                    f.diagnostic().with_help(if f.before_run {
                        "the run did not start; in warn mode (`--nan=warn`) it is reported and the run goes on"
                    } else {
                        "the run stopped at the end of that step; in warn mode (`--nan=warn`) it is reported and the run goes on"
                    })
                })
                .collect();
            return Err(Errors(found));
        }
        Ok(())
    }

    /// Whether the last run stopped on a finding of the run-time checks
    /// ([`NanMode::Error`]).
    pub fn check_failed(&self) -> bool {
        self.nan_failed
    }

    /// Whether the last run stopped because a monitor's recording could not
    /// grow (no memory left): it stopped after that step, with the
    /// recordings made before it, and returned the error.
    pub fn recording_failed(&self) -> bool {
        self.recording_failed.is_some()
    }

    fn run_op(&mut self, op: &mut Op, t: f64, step: i64, spikes: &mut std::collections::HashMap<usize, u64>) {
        // SAFETY: `op.space` points at a live event space of `n + 1` entries (or is
        // null); arrays do not move during a run.
        let events = unsafe { event_slice(op.space.0, op.space.1) };
        let mut vals = SlotValues {
            t,
            step,
            start: 0,
            end: 0,
            count: 0,
            extra: &[],
        };
        match &mut op.kind {
            // Dropped before a run (see `before_run`).
            OpKind::Idle => {}
            OpKind::Range { start, end, extra } => {
                if let (Some(k), Some(b)) = (&op.kernel, &mut op.bound) {
                    vals.start = *start;
                    vals.end = *end;
                    vals.extra = extra;
                    call(k, b, &vals, &mut op.rng, &mut op.ctx, std::ptr::null_mut());
                }
            }
            OpKind::StateUpdate { n, .. } | OpKind::Reset { n } | OpKind::Threshold { n, .. } => {
                if let (Some(k), Some(b)) = (&op.kernel, &mut op.bound) {
                    vals.end = *n;
                    call_elements(
                        k,
                        b,
                        op.split.as_mut(),
                        self.team.as_deref(),
                        &vals,
                        &mut op.rng,
                        &mut op.ctx,
                    );
                }
                if let OpKind::Threshold { group, event, .. } = &op.kind
                    && event == "spike"
                {
                    // Read after the kernel wrote this step's count.
                    // SAFETY: as for `events` above.
                    let c = unsafe { event_slice(op.space.0, op.space.1) }.len() as u64;
                    *spikes.entry(*group).or_insert(0) += c;
                }
            }
            OpKind::Pathway {
                emitter,
                queue,
                by_source,
                ..
            } => {
                queue.advance();
                let (start, stop) = (emitter.start, emitter.stop);
                queue.push(
                    events
                        .iter()
                        .map(|&x| x as usize)
                        .filter(|&x| x >= start && x < stop)
                        .map(|x| x - start),
                    by_source,
                );
                let events = queue.current();
                if !events.is_empty()
                    && let (Some(k), Some(b)) = (&op.kernel, &mut op.bound)
                {
                    vals.count = events.len();
                    self.stats.synaptic_events += events.len() as u64;
                    let ptr = events.as_mut_ptr() as *mut u8;
                    call(k, b, &vals, &mut op.rng, &mut op.ctx, ptr);
                }
            }
            OpKind::Generator { group, n } => {
                let (group, n) = (*group, *n);
                let mut fired: Vec<i32> = Vec::new();
                if let Object::Group(g) = &mut self.objects[group]
                    && let super::GroupKind::Generator(gs) = &mut g.kind
                {
                    let local = if gs.period > 0 { step % gs.period } else { step };
                    if gs.period > 0 && local == 0 {
                        gs.next = 0;
                    }
                    while gs.next < gs.steps.len() && gs.steps[gs.next] <= local {
                        fired.push(gs.indices[gs.next]);
                        gs.next += 1;
                    }
                }
                if let Some(Array::I32(ss)) = self.store.get_mut(&ArrayKey::new(group, "_spikespace")) {
                    for (k, &x) in fired.iter().enumerate() {
                        ss[k] = x;
                    }
                    ss[n] = fired.len() as i32;
                }
                *spikes.entry(group).or_insert(0) += fired.len() as u64;
            }
            OpKind::RateMon { mon, range } => {
                let (start, stop) = (range.start, range.stop);
                let count = events
                    .iter()
                    .filter(|&&x| (x as usize) >= start && (x as usize) < stop)
                    .count();
                let dt = op.dt;
                if let Object::RateMon(m) = &mut self.objects[*mon] {
                    if !memory::make_room(&mut m.t, 1) || !memory::make_room(&mut m.rate, 1) {
                        let held = 16 * m.t.len();
                        self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                        return;
                    }
                    m.t.push(t);
                    m.rate.push(count as f64 / ((stop - start) as f64 * dt));
                }
            }
            OpKind::SpikeMon { mon, range, vars, .. } => {
                let ss = events;
                let store = &self.store;
                if let Object::SpikeMon(m) = &mut self.objects[*mon] {
                    let in_range = |x: &&i32| (**x as usize) >= range.start && (**x as usize) < range.stop;
                    if m.record && !ss.is_empty() {
                        // Room for this step's events first: a buffer that cannot grow
                        // stops the run with what was recorded, never aborts.
                        let k = ss.iter().filter(in_range).count();
                        let room = memory::make_room(&mut m.i, k)
                            && memory::make_room(&mut m.t, k)
                            && m.values.iter_mut().all(|d| memory::make_room(d, k));
                        if !room {
                            let held = 12 * m.i.len() + m.values.iter().map(|d| 8 * d.len()).sum::<usize>();
                            self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                            return;
                        }
                    }
                    if m.record {
                        // Appends the recorded values in place: no per-step buffers.
                        for (d, key) in m.values.iter_mut().zip(vars.iter()) {
                            if let Some(a) = store.get(key) {
                                let shared = a.len() == 1;
                                d.extend(
                                    ss.iter()
                                        .filter(in_range)
                                        .map(|&x| a.get(if shared { 0 } else { x as usize })),
                                );
                            }
                        }
                    }
                    for &x in ss {
                        let x = x as usize;
                        if x >= range.start && x < range.stop {
                            let r = x - range.start;
                            m.count[r] += 1;
                            if m.record {
                                m.i.push(r as i32);
                                m.t.push(t);
                            }
                        }
                    }
                }
            }
            OpKind::StateMon { mon, rec_keys } => {
                let n = match &self.objects[*mon] {
                    Object::StateMon(m) => m.indices.len(),
                    _ => return,
                };
                if let (Some(k), Some(b)) = (&op.kernel, &mut op.bound) {
                    vals.count = n;
                    call(k, b, &vals, &mut op.rng, &mut op.ctx, std::ptr::null_mut());
                }
                // Appends the recording buffers in place: no per-step copies.
                let store = &self.store;
                if let Object::StateMon(m) = &mut self.objects[*mon] {
                    let room = memory::make_room(&mut m.t, 1)
                        && m.data
                            .iter_mut()
                            .zip(rec_keys.iter())
                            .all(|(d, key)| memory::make_room(d, store.get(key).map_or(0, |a| a.len())));
                    if !room {
                        let held = 8 * (m.t.len() + m.data.iter().map(Vec::len).sum::<usize>());
                        self.recording_failed = Some(memory::recording_failed(&m.name, held, t));
                        return;
                    }
                    m.t.push(t);
                    for (d, key) in m.data.iter_mut().zip(rec_keys.iter()) {
                        if let Some(a) = store.get(key) {
                            d.extend((0..a.len()).map(|k| a.get(k)));
                        }
                    }
                }
            }
        }
    }
}

/// The values of the scalar slots of a kernel call.
#[derive(Clone, Copy)]
pub(crate) struct SlotValues<'a> {
    pub t: f64,
    pub step: i64,
    pub start: usize,
    pub end: usize,
    pub count: usize,
    pub extra: &'a [(&'static str, u64)],
}

/// A kernel's arguments resolved for a run.
pub(crate) struct Bound {
    ptrs: Vec<*mut u8>,
    dynamic: Vec<usize>,
    slots: Vec<Slot>,
    scalars: Vec<u64>,
}

enum Slot {
    T,
    TStep,
    Start,
    End,
    Count,
    Extra(String),
}

impl Network {
    /// Resolves a kernel's array pointers (valid until arrays are resized).
    pub(crate) fn bind(&mut self, k: &Prepared) -> Bound {
        let mut ptrs = Vec::with_capacity(k.bindings.len());
        let mut dynamic = Vec::new();
        for (n, key) in k.bindings.iter().enumerate() {
            if key.var == super::build::DYNAMIC {
                dynamic.push(n);
                ptrs.push(std::ptr::null_mut());
            } else {
                self.materialise_synapse_counts(key);
                ptrs.push(self.store.get_mut(key).map(|a| a.ptr()).unwrap_or(std::ptr::null_mut()));
            }
        }
        let slots: Vec<Slot> = k
            .scalars
            .iter()
            .map(|s| match s.as_str() {
                lower::SCALAR_T => Slot::T,
                lower::SCALAR_TSTEP => Slot::TStep,
                lower::SCALAR_START => Slot::Start,
                lower::SCALAR_END => Slot::End,
                lower::SCALAR_COUNT => Slot::Count,
                other => Slot::Extra(other.to_string()),
            })
            .collect();
        let scalars = vec![0; slots.len()];
        Bound {
            ptrs,
            dynamic,
            slots,
            scalars,
        }
    }
}

/// Elements below which a kernel is not split over threads: handing ranges to
/// other threads and waiting for them costs microseconds per call.
const MIN_SPLIT: usize = 16384;

/// A kernel split over contiguous element ranges, one per thread (see
/// [`crate::ir::parallel`]): each range has its own copy of the arguments, and,
/// for a threshold, its own event space, whose lists are concatenated in range
/// order after the call (the order one call over all elements writes).
struct SplitPlan {
    /// Contiguous ranges covering all elements, in order.
    ranges: Vec<RangeCall>,
    /// The real event space the kernel appends to (`n + 1` entries for `n`
    /// elements), if it does.
    space: Option<*mut i32>,
}

struct RangeCall {
    start: usize,
    end: usize,
    ptrs: Vec<*mut u8>,
    scalars: Vec<u64>,
    /// This range's event space (`n + 1` entries), when the kernel appends.
    scratch: Vec<i32>,
}

impl RangeCall {
    fn run(&mut self, k: &Prepared, slots: &[Slot], v: &SlotValues) {
        let v = SlotValues {
            start: self.start,
            end: self.end,
            ..*v
        };
        fill_scalars(slots, &v, &mut self.scalars);
        let args = crate::ir::KernelArgs {
            arrays: self.ptrs.as_ptr(),
            scalars: self.scalars.as_ptr(),
            rng: std::ptr::null_mut(),
            ctx: std::ptr::null_mut(),
        };
        // SAFETY: as in `call`; the kernel draws no random numbers and makes no
        // runtime calls (checked by `ir::parallel`), so it never touches `rng`
        // or `ctx`, and it writes only its range's elements and its own scratch
        // event space.
        unsafe { k.exe.run(&args) };
    }
}

impl SplitPlan {
    fn new(k: &Prepared, b: &Bound, n: usize, threads: usize) -> Option<SplitPlan> {
        if n < MIN_SPLIT || threads < 2 {
            return None;
        }
        let split = crate::ir::parallel::element_parallel(&k.kernel, lower::SCALAR_START, lower::SCALAR_END)?;
        // The kernel's arrays are bound in declaration order.
        let ranges = (0..threads)
            .map(|r| {
                let mut ptrs = b.ptrs.clone();
                let mut scratch = Vec::new();
                if let Some(a) = split.append {
                    scratch = vec![0i32; n + 1];
                    ptrs[a] = scratch.as_mut_ptr() as *mut u8;
                }
                RangeCall {
                    start: n * r / threads,
                    end: n * (r + 1) / threads,
                    ptrs,
                    scalars: vec![0; b.scalars.len()],
                    scratch,
                }
            })
            .collect();
        let space = split.append.map(|a| b.ptrs[a] as *mut i32);
        Some(SplitPlan { ranges, space })
    }

    /// Runs the kernel over every range on `pool` and, for a threshold, gathers
    /// the ranges' events into the real event space.
    fn call(&mut self, team: &super::team::Team, k: &Prepared, slots: &[Slot], v: &SlotValues) {
        #[derive(Clone, Copy)]
        struct Ranges(*mut RangeCall, usize);
        // SAFETY: each part index is handed to exactly one thread, which is the
        // only one to touch that range during the call; a range's pointers
        // address the network's arrays (only its own elements are written, as
        // `ir::parallel` checked) or its own scratch space, and the arrays
        // outlive the call, which waits for every part.
        unsafe impl Sync for Ranges {}
        let ranges = Ranges(self.ranges.as_mut_ptr(), self.ranges.len());
        let ranges = &ranges;
        team.run(&|part| {
            let Ranges(first, len) = *ranges;
            if part < len {
                // SAFETY: `part` is in bounds and no other thread has this range.
                unsafe { (*first.add(part)).run(k, slots, v) };
            }
        });
        if let Some(space) = self.space {
            let n = self.ranges.last().map_or(0, |r| r.end);
            let mut total = 0usize;
            for r in &self.ranges {
                let count = (r.scratch[r.end].max(0) as usize).min(r.end - r.start);
                // SAFETY: `space` is the live event space of `n + 1` entries, and the
                // ranges' counts add up to at most `n`.
                unsafe { std::ptr::copy_nonoverlapping(r.scratch.as_ptr(), space.add(total), count) };
                total += count;
            }
            // SAFETY: as above; entry `n` holds the count.
            unsafe { *space.add(n) = total as i32 };
        }
    }
}

fn fill_scalars(slots: &[Slot], v: &SlotValues, out: &mut [u64]) {
    for (slot, out) in slots.iter().zip(out.iter_mut()) {
        *out = match slot {
            Slot::T => v.t.to_bits(),
            Slot::TStep => v.step as u64,
            Slot::Start => v.start as u64,
            Slot::End => v.end as u64,
            Slot::Count => v.count as u64,
            Slot::Extra(name) => v.extra.iter().find(|(n, _)| n == name).map(|(_, x)| *x).unwrap_or(0),
        };
    }
}

/// Calls a kernel over elements `0..v.end`: split over the team's threads where
/// the op has a plan, else in one call on this thread.
fn call_elements(
    k: &Prepared,
    b: &mut Bound,
    split: Option<&mut SplitPlan>,
    team: Option<&super::team::Team>,
    v: &SlotValues,
    rng: &mut spikejit_runtime::Rng,
    ctx: &mut spikejit_runtime::Context,
) {
    match (split, team) {
        (Some(plan), Some(team)) => plan.call(team, k, &b.slots, v),
        _ => call(k, b, v, rng, ctx, std::ptr::null_mut()),
    }
}

/// Calls a bound kernel.
pub(crate) fn call(
    k: &Prepared,
    b: &mut Bound,
    v: &SlotValues,
    rng: &mut spikejit_runtime::Rng,
    ctx: &mut spikejit_runtime::Context,
    events: *mut u8,
) {
    for &d in &b.dynamic {
        b.ptrs[d] = events;
    }
    fill_scalars(&b.slots, v, &mut b.scalars);
    let args = crate::ir::KernelArgs {
        arrays: b.ptrs.as_ptr(),
        scalars: b.scalars.as_ptr(),
        rng,
        ctx,
    };
    // SAFETY: the pointers were resolved from the network's arrays when the run
    // started and arrays are not resized during a run; the kernel was lowered
    // against these bindings and only indexes within them.
    unsafe { k.exe.run(&args) };
}

/// The events of this step from an event space of `n + 1` entries.
///
/// # Safety
/// `space` must point at a live `i32` array of `n + 1` entries.
unsafe fn event_slice<'a>(space: *const i32, n: usize) -> &'a [i32] {
    if space.is_null() {
        return &[];
    }
    // SAFETY: per the contract, `space[0..=n]` is readable.
    let all = unsafe { std::slice::from_raw_parts(space, n + 1) };
    let count = (all[n].max(0) as usize).min(n);
    &all[..count]
}
