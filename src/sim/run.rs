//! The schedule and the run loop (brian2-semantics.md §4).

use std::sync::atomic::Ordering;
use std::time::Instant;

use spikejit_runtime::queue::{BySource, delay_steps};

use super::arrays::Array;
use super::control::{PendingRun, RunControl};
use super::exec::{SlotValues, SplitPlan, call, call_elements, event_slice};
use super::findings::NanMode;
use super::memory;
use super::network::{Network, check_dt, err};
use super::objects::{GroupKind, Object, space_key};
use super::ops::{Op, OpKind, op_key};
use super::schedule::{ScheduleEntry, slot_name, slot_rank, to_step};
use super::synapse_steps::{SCALAR_ZEND, SCALAR_ZSTART, delays_in_steps};
use super::synapses::delay_error;
use crate::diag::{Errors, Result};
use crate::model::scope::ArrayKey;

/// Steps between two looks at the wall clock for progress reports.
const PROGRESS_STEPS: u64 = 64;

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
                        Ok(None) if matches!(self.group(id).kind, GroupKind::Neurons) => ops.push(Op::idle(
                            dt,
                            (when, order, format!("{name}_stateupdater")),
                            "StateUpdater",
                        )),
                        Ok(None) => {}
                        Err(e) => errors.extend(e.0),
                    }
                    let cur = to_step(self.t, dt);
                    let next = match &self.group(id).kind {
                        GroupKind::Generator(gs) => {
                            // Start with the first spike not before the current step.
                            let local = if gs.period > 0 { cur % gs.period } else { cur };
                            Some(gs.steps.iter().position(|&st| st >= local).unwrap_or(gs.steps.len()))
                        }
                        _ => None,
                    };
                    if let Some(next) = next {
                        if let Object::Group(g) = &mut self.objects[id]
                            && let GroupKind::Generator(gs) = &mut g.kind
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
                && let Some(Array::I32(v)) = self.store.get(&ArrayKey::new(group, space_key(event)))
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
                    && let GroupKind::Generator(gs) = &mut g.kind
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
