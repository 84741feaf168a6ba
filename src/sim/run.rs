//! The run loop (brian2-semantics.md §4): the ops of a run built and
//! sorted by Brian2's schedule (each kind of object makes its own, in its
//! room), then walked step by step.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::arrays::Array;
use super::control::{OpTime, PendingRun, RunControl};
use super::exec::{EventSpace, SlotValues};
use super::findings::NanMode;
use super::network::{Network, check_dt, err};
use super::objects::{Object, space_key};
use super::ops::{Op, OpKind};
use super::schedule::{Clocks, ScheduleEntry, slot_name, slot_rank};
use crate::diag::{Diagnostic, Errors, Result};
use crate::model::scope::ArrayKey;

/// Steps between two looks at the wall clock for progress reports.
const PROGRESS_STEPS: u64 = 64;

/// The longest epoch of a partitioned run (steps between two exchanges of
/// events): the ranks agree on stopping at the end of an epoch, so a Ctrl-C
/// waits at most this many steps.
const MAX_EPOCH: usize = 256;

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
            if let OpKind::Pathway(path) = op.kind
                && let Some(Object::Synapses(s)) = self.objects.get_mut(path.syn)
            {
                s.pathways[path.p].queue = *path.queue;
            }
        }
    }

    /// Builds every kernel and the ops of a run (Brian2's `before_run`), fuses
    /// what can be fused: what a run executes, in schedule order.
    fn before_run(&mut self) -> Result<Vec<Op>> {
        let t0 = Instant::now();
        self.check_links(true)?;
        let mut ops = self.scheduled_ops()?;
        ops.retain(|op| !matches!(op.kind, OpKind::Idle));
        if self.ranks.is_some() {
            self.check_distributable(&ops)?;
        }
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
                when: match &self.schedule {
                    Some(schedule) => super::schedule::custom_slot_name(schedule, op.key.0),
                    None => slot_name(op.key.0),
                },
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
            .filter_map(|op| op.call.kernel.as_ref().map(|k| k.kernel.to_string()))
            .collect();
        self.restore_queues(ops);
        Ok(texts)
    }

    /// The ops of a run, unfused, sorted by Brian2's key (slot, order, name).
    fn scheduled_ops(&mut self) -> Result<Vec<Op>> {
        let mut ops = Vec::new();
        let mut errors = Vec::new();
        // Objects with something to run: synapses with nothing are listed
        // as objects of their own, as Brian2 does.
        let mut busy = vec![false; self.objects.len()];
        for (id, busy) in busy.iter_mut().enumerate() {
            let before = ops.len();
            match &self.objects[id] {
                Object::Group(_) => self.group_ops(id, &mut ops, &mut errors),
                Object::Synapses(_) => self.synapse_ops(id, &mut ops, &mut errors),
                Object::SpikeMon(_) | Object::StateMon(_) | Object::RateMon(_) => {
                    self.monitor_ops(id, &mut ops, &mut errors)
                }
                Object::PoissonInput(_) => match self.poisson_input_op(id) {
                    Ok(op) => ops.push(op),
                    Err(e) => errors.extend(e.0),
                },
                Object::Subgroup { .. } | Object::TimedArray(_) => {}
            }
            *busy = ops.len() > before;
        }
        for (id, busy) in busy.iter_mut().enumerate() {
            match self.subexpression_op(id) {
                Ok(Some(op)) => {
                    *busy = true;
                    ops.push(op);
                }
                Ok(None) => {}
                Err(e) => errors.extend(e.0),
            }
        }
        for r in 0..self.regular.len() {
            match self.regular_op(r) {
                Ok(op) => {
                    busy[self.regular[r].owner.0] = true;
                    ops.push(op);
                }
                Err(e) => errors.extend(e.0),
            }
        }
        for (index, o) in self.operations.iter().enumerate() {
            // No random stream is taken: adding an operation changes no other op's.
            ops.push(Op::new(
                OpKind::Operation { index },
                None,
                o.dt.unwrap_or(self.dt),
                (o.when, o.order, o.name.clone()),
                "NetworkOperation",
                spikejit_runtime::Rng::seed(0, 0),
            ));
        }
        for (id, _) in busy.iter().enumerate().filter(|(_, busy)| !**busy) {
            if matches!(self.objects[id], Object::Synapses(_)) {
                let (dt, order) = self.dt_order_of(id);
                let key = (
                    slot_rank("start").unwrap_or(1),
                    order,
                    self.objects[id].name().to_string(),
                );
                ops.push(Op::idle(dt, key, "Synapses"));
            }
        }
        // A custom schedule: the default slot ranks become the schedule's;
        // an object in a slot the schedule lacks cannot run (Brian2: KeyError).
        if let Some(schedule) = &self.schedule {
            let mut missing: Vec<(i32, Vec<String>)> = Vec::new();
            for op in &mut ops {
                match super::schedule::reorder_rank(schedule, op.key.0) {
                    Some(rank) => op.key.0 = rank,
                    None => match missing.iter_mut().find(|(base, _)| *base == op.key.0 / 3) {
                        Some((_, names)) => names.push(op.key.2.clone()),
                        None => missing.push((op.key.0 / 3, vec![op.key.2.clone()])),
                    },
                }
            }
            for (base, names) in missing {
                let slot = super::schedule::SLOTS[base as usize];
                errors.push(
                    Diagnostic::new(
                        "not-in-schedule",
                        format!(
                            "{} {} in the slot '{slot}' (or before_/after_{slot}), which the schedule [{}] does not have",
                            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
                            if names.len() == 1 { "runs" } else { "run" },
                            self.schedule_slots().join(", ")
                        ),
                    )
                    .with_help(format!("add '{slot}' to the schedule")),
                );
            }
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
            let OpKind::StateUpdate { group, .. } = ops[i].kind else {
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
            if fusible && let (Some(ka), Some(kb)) = (&ops[i].call.kernel, &ops[j].call.kernel) {
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
                        op.call.kernel = Some(p);
                        op.kind = threshold.kind;
                        op.fused = Some(threshold.key.2);
                    }
                }
            }
            i += 1;
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
        check_dt(self.dt, "the default clock")?;
        self.check_retimed()?;
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
            || self.operation_stop
    }

    /// Runs to `t_end`: the ops built (Brian2's `before_run`), bound to the
    /// arrays, then walked in schedule order at each time step of their
    /// clocks, until the end, a stop, a failed check or a recording that
    /// cannot grow.
    fn run_to(&mut self, t_end: f64, resume: Option<PendingRun>) -> Result<()> {
        let resuming = resume.is_some();
        // Ranks start the run together, or none does.
        let ops = self.before_run();
        let mut ops = self.agree(ops)?;
        let recording = self.check_recording(t_end);
        if let Err(e) = self.agree(recording) {
            self.restore_queues(ops);
            return Err(e);
        }
        self.recording_failed = None;
        self.operation_stop = false;
        self.operation_failed = None;
        if let Some(p) = resume {
            self.resume_streams(&mut ops, p)?;
        }
        self.bind_ops(&mut ops);
        let t0 = Instant::now();
        let dts: Vec<f64> = ops.iter().map(|op| op.dt).collect();
        let mut clocks = Clocks::new(&dts, &self.clock_steps, self.t, t_end);
        let mut spikes: HashMap<usize, u64> = HashMap::new();
        let mut interrupted_at: Option<f64> = None;
        let mut last_report = Instant::now();
        let mut checks = self.start_checks(&clocks, resuming);
        // With profiling, each op's (nanoseconds, calls); without, no clock is read.
        let mut op_times: Vec<(u64, u64)> = vec![(0, 0); if self.profiling { ops.len() } else { 0 }];
        // On several ranks: the steps of the epoch so far, and the failures
        // found in it (the ranks stop together at its end).
        let (mut epoch_step, mut fault_pending, mut check_pending) = (0, false, false);
        self.exchange_now = true;
        loop {
            if checks.failed {
                interrupted_at = Some(self.t);
                break;
            }
            let Some(tmin) = clocks.next() else { break };
            // Several ranks stop together, at the end of a step (below).
            if self.ranks.is_none() && self.stop_requested() {
                interrupted_at = Some(tmin);
                break;
            }
            if self.ranks.is_some() {
                // The last step of an epoch, of the run, or before a step
                // limit (which every rank reaches at the same step).
                epoch_step += 1;
                self.exchange_now = epoch_step >= self.epoch
                    || clocks.is_last()
                    || self.control.max_steps.is_some_and(|m| self.stats.steps + 1 >= m);
            }
            let mut faulted = false;
            for (oi, op) in ops.iter_mut().enumerate() {
                let Some((step, t)) = clocks.tick(oi) else { continue };
                if let Some((ns, calls)) = op_times.get_mut(oi) {
                    let start = Instant::now();
                    self.run_op(op, t, step, &mut spikes);
                    *ns += start.elapsed().as_nanos() as u64;
                    *calls += 1;
                } else {
                    self.run_op(op, t, step, &mut spikes);
                }
                // A failed check in the kernel (none without checks: one
                // length test per call).
                if op.call.faulted() {
                    faulted |= self.record_kernel_faults(&mut op.call, (clocks.finest_step(tmin), tmin));
                }
            }
            clocks.advance();
            self.stats.steps += 1;
            let next = tmin + clocks.min_dt;
            let fault_stop = faulted && self.nan_check.mode == NanMode::Error;
            let check_stop = !fault_stop
                && (self.recording_failed.is_some()
                    || self.operation_failed.is_some()
                    || self.periodic_check(&mut checks, &clocks, tmin));
            // Ranks stop at the same step, the end of an epoch: when one
            // stops (a finding, a recording that cannot grow, Ctrl-C, a step
            // limit), all do. Until then a rank that found a failure goes on
            // (its outputs are not written), so that no rank waits in an
            // exchange it left.
            let (fault_stop, check_stop) = match self.ranks.as_mut() {
                Some(ranks) => {
                    fault_pending |= fault_stop;
                    check_pending |= check_stop;
                    if !self.exchange_now {
                        self.report_progress(&mut last_report, next);
                        continue;
                    }
                    epoch_step = 0;
                    self.stats.exchange_steps += 1;
                    // A stop asked for counts only when a step is left (as on
                    // one rank, where it is checked before the next step).
                    let stop = clocks.has_next()
                        && (self.control.stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed))
                            || self.control.max_steps.is_some_and(|m| self.stats.steps >= m));
                    let failed = fault_pending || check_pending;
                    if ranks.any(failed || stop) && !failed {
                        interrupted_at = Some(next);
                        // A failure on another rank (not a stop, which is
                        // told to every rank alike) fails this rank's run too.
                        self.failed_elsewhere = !stop;
                        break;
                    }
                    (fault_pending, check_pending)
                }
                None => (fault_stop, check_stop),
            };
            if fault_stop {
                checks.failed = true;
                interrupted_at = Some(next);
                break;
            }
            if check_stop {
                interrupted_at = Some(next);
                break;
            }
            self.report_progress(&mut last_report, next);
        }
        // The end of a run is checked too (not of one stopped early: it goes on later).
        if interrupted_at.is_none() {
            self.final_check(&mut checks);
        }
        clocks.save(&mut self.clock_steps);
        self.control.interrupted = interrupted_at.is_some()
            && !checks.failed
            && self.recording_failed.is_none()
            && self.operation_failed.is_none()
            && !self.failed_elsewhere;
        self.t = interrupted_at.map_or(t_end, |t| t.min(t_end));
        if let Some(p) = self.control.progress.as_mut() {
            p(self.t);
        }
        for (g, n) in spikes {
            let name = self.group(g).name.clone();
            *self.stats.spikes.entry(name).or_insert(0) += n;
        }
        self.stats.run_seconds += t0.elapsed().as_secs_f64();
        self.add_to_profile(&ops, &op_times);
        if self.control.interrupted {
            self.pending = Some(PendingRun {
                t_end,
                keys: ops.iter().map(Op::key_text).collect(),
                rngs: ops.iter().map(|op| op.call.rng.clone()).collect(),
                streams: self.rng_streams,
            });
        }
        self.restore_queues(ops);
        self.nan_failed = checks.failed;
        if let Some(d) = &self.recording_failed {
            return Err(Errors::one(d.clone()));
        }
        if let Some(e) = self.operation_failed.take() {
            return Err(e);
        }
        if checks.failed {
            return Err(self.stop_error(&checks));
        }
        if std::mem::take(&mut self.failed_elsewhere) {
            return Err(super::partition::failed_elsewhere());
        }
        Ok(())
    }

    /// Adds the time of each op of a run to the profile (by name: a later run
    /// adds to the same entry, and a new object's entry comes last).
    fn add_to_profile(&mut self, ops: &[Op], op_times: &[(u64, u64)]) {
        for (op, (ns, calls)) in ops.iter().zip(op_times) {
            let name = op.profile_name();
            let profile = &mut self.stats.profile;
            let k = match profile.iter().position(|e| e.name == name) {
                Some(k) => k,
                None => {
                    profile.push(OpTime {
                        name,
                        class: op.class.to_string(),
                        seconds: 0.0,
                        calls: 0,
                    });
                    profile.len() - 1
                }
            };
            profile[k].seconds += *ns as f64 * 1e-9;
            profile[k].calls += calls;
        }
    }

    /// The random streams of the run stopped early `p` given back to its
    /// ops, which must be those it had.
    fn resume_streams(&mut self, ops: &mut [Op], p: PendingRun) -> Result<()> {
        let keys: Vec<String> = ops.iter().map(Op::key_text).collect();
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
            op.call.rng = rng;
        }
        self.rng_streams = p.streams;
        Ok(())
    }

    /// Arrays do not move during a run: every pointer of the ops resolved
    /// once, their kernels' arguments and the event spaces they read. On a
    /// partitioned network, the exchanges of events and the run's epoch too.
    fn bind_ops(&mut self, ops: &mut [Op]) {
        for op in ops.iter_mut() {
            if matches!(op.kind, OpKind::Pathway(_)) {
                self.bind_pathway_call(&mut op.call);
            } else {
                let splittable = op.splittable_elements();
                self.bind_call(&mut op.call, splittable);
            }
            if let Some((group, event)) = op.reads_events()
                && let Some(Array::I32(v)) = self.store.get(&ArrayKey::new(group, space_key(event)))
            {
                op.space = EventSpace::of(v);
            }
        }
        self.epoch = 1;
        if self.ranks.is_some() {
            self.bind_exchanges(ops);
            self.stats.longest_epoch = self.stats.longest_epoch.max(self.epoch as u64);
        }
    }

    /// On a partitioned network: each threshold writes its rank's events
    /// only, which is what its resets, monitors and `on_post` pathways read.
    /// An `on_pre` pathway reads every rank's, from the threshold's exchange
    /// (`partition::EventExchange`), which the ranks make once per epoch: the
    /// steps between two exchanges, as many as the shortest delay of an
    /// `on_pre` pathway over all ranks plus one (an event pushed that many
    /// steps late is still on time; NEST's and Arbor's minimum-delay epoch).
    /// Epochs are one step when the ops run on several clocks, or when a
    /// pathway runs before its emitter's threshold in a step.
    fn bind_exchanges(&mut self, ops: &mut [Op]) {
        let thresholds: Vec<(usize, usize, String)> = ops
            .iter()
            .enumerate()
            .filter_map(|(k, op)| match &op.kind {
                // Not the code run on a custom event (a `Resetter`): it reads
                // the events, it does not find them.
                OpKind::Threshold { group, event, .. } if op.class != "Resetter" => Some((k, *group, event.clone())),
                _ => None,
            })
            .collect();
        let mut shortest = u64::MAX;
        let mut one_step = ops.iter().any(|op| op.dt.to_bits() != ops[0].dt.to_bits());
        for k in 0..ops.len() {
            let OpKind::Pathway(path) = &ops[k].kind else { continue };
            if path.is_post {
                continue;
            }
            let (group, event) = (path.emitter.group, path.event.clone());
            let Some(&(t, _, _)) = thresholds.iter().find(|(_, g, e)| *g == group && *e == event) else {
                // A spike generator: every rank makes all its spikes.
                continue;
            };
            let x = match self
                .event_exchanges
                .iter()
                .position(|ex| ex.group == group && ex.event == event)
            {
                Some(x) => x,
                None => {
                    self.event_exchanges
                        .push(super::partition::EventExchange::new(group, &event));
                    self.event_exchanges.len() - 1
                }
            };
            one_step |= k < t;
            if let OpKind::Pathway(path) = &mut ops[k].kind {
                path.exchange = Some(x);
                if path.by_source.offsets.last().is_some_and(|&n| n > 0) {
                    shortest = shortest.min(path.queue.min_delay());
                }
            }
            ops[t].exchange = Some(x);
        }
        // The shortest delay over all ranks: the largest of its complement.
        let mut complement = [u64::MAX - shortest];
        if let Some(ranks) = self.ranks.as_mut() {
            ranks.max_u64(&mut complement);
        }
        let shortest = u64::MAX - complement[0];
        self.epoch = if one_step {
            1
        } else {
            usize::try_from(shortest.saturating_add(1)).map_or(MAX_EPOCH, |e| e.min(MAX_EPOCH))
        };
    }

    /// Reports the time `t` reached to the progress callback, at most every
    /// 0.1 s of wall time (the clock read every [`PROGRESS_STEPS`] steps).
    #[inline]
    fn report_progress(&mut self, last_report: &mut Instant, t: f64) {
        if self.control.progress.is_some() && self.stats.steps.is_multiple_of(PROGRESS_STEPS) {
            let now = Instant::now();
            if now.duration_since(*last_report).as_secs_f64() >= 0.1 {
                *last_report = now;
                if let Some(p) = self.control.progress.as_mut() {
                    p(t);
                }
            }
        }
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

    /// One op's step at time `t` (step `step` of its clock): the room of
    /// its kind does it. `spikes` counts the spikes of each group.
    #[inline]
    fn run_op(&mut self, op: &mut Op, t: f64, step: i64, spikes: &mut HashMap<usize, u64>) {
        if op.call.draws {
            // What the kernel draws in this step depends on the step, not on
            // the draws of steps before (`Rng::begin_step`).
            op.call.rng.begin_step(step as u64);
        }
        let v = SlotValues {
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
            OpKind::Operation { index } => {
                let index = *index;
                if let Some(mut code) = self.operations[index].code.take() {
                    let result = code.call(self, t);
                    self.operations[index].code = Some(code);
                    if let Err(e) = result
                        && self.operation_failed.is_none()
                    {
                        self.operation_failed = Some(e);
                    }
                }
            }
            OpKind::Range { start, end, extra } => {
                let v = SlotValues {
                    start: *start,
                    end: *end,
                    extra,
                    ..v
                };
                op.call.run(&v, std::ptr::null_mut());
            }
            OpKind::Cable { group, cable } => {
                let end = cable.len();
                op.call.run(&SlotValues { start: 0, end, ..v }, std::ptr::null_mut());
                self.cable_step(*group, cable, op.dt);
            }
            OpKind::Reset { n } => op.call.run_elements(self.team.as_deref(), &SlotValues { end: *n, ..v }),
            OpKind::StateUpdate { owned, .. } | OpKind::Threshold { owned, .. } => {
                let (start, end) = *owned;
                op.call
                    .run_elements(self.team.as_deref(), &SlotValues { start, end, ..v });
                if let Some(x) = op.exchange
                    && let Some(ex) = self.event_exchanges.get_mut(x)
                {
                    ex.record(op.space.events());
                    if self.exchange_now
                        && let Some(ranks) = self.ranks.as_mut()
                    {
                        ex.exchange(ranks.as_mut(), step);
                    }
                }
                if let OpKind::Threshold { group, event, .. } = &op.kind
                    && event == "spike"
                {
                    // Read after the kernel wrote this step's count.
                    *spikes.entry(*group).or_insert(0) += op.space.events().len() as u64;
                }
            }
            OpKind::Pathway(path) => {
                let due = match path.exchange.and_then(|x| self.event_exchanges.get(x)) {
                    Some(ex) => path.due_exchanged(ex, step, self.epoch),
                    None => path.due(op.space.events()),
                };
                let count = due.len();
                if count > 0
                    && op.call.run_events(
                        self.team.as_deref(),
                        &SlotValues { count, ..v },
                        due.as_mut_ptr() as *mut u8,
                    )
                {
                    self.stats.synaptic_events += count as u64;
                }
            }
            OpKind::Generator { group, n } => {
                let mut fired = self.generator_step(*group, *n, step);
                if self.rank() != 0 {
                    // Every rank makes all the spikes; rank 0 counts them
                    // (the ranks' counts are summed for the outputs).
                    fired = 0;
                }
                *spikes.entry(*group).or_insert(0) += fired;
            }
            OpKind::RateMon { mon, range } => self.record_rate(*mon, *range, op.space.events(), t, op.dt),
            OpKind::SpikeMon { mon, range, vars, .. } => self.record_spikes(*mon, *range, vars, op.space.events(), t),
            OpKind::StateMon { mon, rec_keys } => {
                let Some(count) = self.recorded_elements(*mon) else {
                    return;
                };
                op.call.run(&SlotValues { count, ..v }, std::ptr::null_mut());
                self.record_state(*mon, rec_keys, t);
            }
        }
    }
}
