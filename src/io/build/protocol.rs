//! The protocol: the steps of `[[protocol]]` resolved against the built
//! network (objects, variables, constants, values checked before any run,
//! so that `spikejit check` reports them), and [`Protocol::run`], which runs
//! them in order.

use std::sync::Arc;

use super::synapses::check_delays;
use super::{Builder, Kind, locate};
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use crate::io::model_file::*;
use crate::sim::{Handle, Network, Selection, Value};
use crate::units::Dim;

/// One resolved protocol step.
#[derive(Clone, Debug)]
pub enum Step {
    /// Runs for a duration in seconds.
    Run {
        /// How long to run, in seconds.
        duration: f64,
        /// Where the step is, for messages (`protocol[2]`, or `simulation.duration` without a protocol).
        context: String,
        /// The step's table (or the `duration` key) in the model file.
        span: Span,
    },
    /// Stores (`restore: false`) or restores the state of the network under a name.
    Store {
        /// The name of the stored state (`"default"` unless the step names one).
        name: String,
        /// True for `restore`, false for `store`.
        restore: bool,
        /// The file the state is stored in or restored from; none: in memory.
        file: Option<std::path::PathBuf>,
        /// For `restore`: the random state is restored too.
        random_state: bool,
        /// Where the step is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the model file.
        span: Span,
    },
    /// Changes a constant of `[constants]` (`target = "constants"`): the code
    /// of the runs after it reads the new value, as Brian2 reads its
    /// namespace at every run.
    SetConstant {
        /// The constant.
        name: String,
        /// Its new value in SI units (its dimension is unchanged).
        value: f64,
        /// Its dimension.
        dim: Dim,
        /// Where the step is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the model file.
        span: Span,
    },
    /// Sets a variable of a group, subgroup or synapses.
    Set {
        /// The group, subgroup or synapses object whose variable is set.
        target: Handle,
        /// The variable (for synapses also `delay` or `PATHWAY.delay`).
        var: String,
        /// The value: one for all elements, one per element, or an expression per element.
        value: Value,
        /// Which elements are set (all, a condition, or the synapses of an `[i, j]` pair).
        selection: Selection,
        /// The step's `value` in the model file (where errors about the value point).
        value_span: Span,
        /// Where the step is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the model file.
        span: Span,
    },
    /// Sets the dt of a clock (Brian2's `clock.dt = ...` between runs).
    SetDt {
        /// The clock: `defaultclock` or a clock of `[clocks]`.
        clock: String,
        /// The new dt in seconds.
        dt: f64,
        /// Where the step is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the model file.
        span: Span,
    },
    /// Replaces the spikes of a spike generator (Brian2's `set_spikes`).
    SetSpikes {
        /// The spike generator.
        target: Handle,
        /// The neuron of each spike.
        indices: Vec<i64>,
        /// The time of each spike, in seconds.
        times: Vec<f64>,
        /// The repeat period in seconds (0: none).
        period: f64,
        /// Where the step is, for messages (`protocol[2]`).
        context: String,
        /// The step's table in the model file.
        span: Span,
    },
}

/// What a model file asks to do once its network is built.
#[derive(Clone, Debug)]
pub struct Protocol {
    /// The steps in file order; without a `[[protocol]]`, one run of `simulation.duration`.
    pub steps: Vec<Step>,
    /// The model file (where errors of a step point).
    pub file: Arc<Source>,
    /// The seed used (after `--seed`), if any.
    pub seed: Option<u64>,
    /// The default clock's dt in seconds.
    pub dt: f64,
    /// True when the model runs in single precision (`dtype = "float32"`).
    pub float32: bool,
}

/// Seconds spent by [`Protocol::run`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RunTimes {
    /// Kernel building during the runs.
    pub compile_seconds: f64,
    /// Everything else (the time-step loops, `set` steps).
    pub run_seconds: f64,
    /// Whether a run was stopped early ([`crate::sim::RunControl::stop`]); the
    /// steps after it were not done.
    pub interrupted: bool,
    /// The run step that was stopped early (its index in [`Protocol::steps`]),
    /// if one was.
    pub stopped_at: Option<usize>,
}

impl Protocol {
    /// The total simulated duration in seconds.
    pub fn duration(&self) -> f64 {
        self.steps
            .iter()
            .map(|s| {
                if let Step::Run { duration, .. } = s {
                    *duration
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// Runs every step in order.
    pub fn run(&self, net: &mut Network) -> Result<RunTimes> {
        self.run_from(net, 0, false)
    }

    /// Runs the steps from `start` (an index in [`Protocol::steps`]) on; with
    /// `continue_first`, step `start` is a run stopped early that
    /// [`Network::continue_run`] finishes (after
    /// [`Network::restore_checkpoint`]). A run stopped early stops the
    /// protocol: [`RunTimes::stopped_at`] says which.
    pub fn run_from(&self, net: &mut Network, start: usize, continue_first: bool) -> Result<RunTimes> {
        let c0 = net.stats().compile_seconds;
        let t0 = std::time::Instant::now();
        let mut interrupted = false;
        let mut stopped_at = None;
        for (k, step) in self.steps.iter().enumerate().skip(start) {
            match step {
                Step::Run {
                    duration,
                    context,
                    span,
                } => {
                    let done = if k == start && continue_first {
                        net.continue_run()
                    } else {
                        net.run(*duration)
                    };
                    done.map_err(|e| locate(e, &self.file, *span, context))?;
                    if net.interrupted() {
                        interrupted = true;
                        stopped_at = Some(k);
                        break;
                    }
                }
                Step::Set {
                    target,
                    var,
                    value,
                    selection,
                    value_span,
                    context,
                    span: _,
                } => {
                    net.set(*target, var, value.clone(), selection.clone())
                        .map_err(|e| locate(e, &self.file, *value_span, context))?;
                    check_delays(net, *target, var, &self.file, *value_span, context)?;
                }
                Step::SetConstant {
                    name,
                    value,
                    dim,
                    context,
                    span,
                } => {
                    net.constant(name, *value, *dim)
                        .map_err(|e| locate(e, &self.file, *span, context))?;
                }
                Step::Store {
                    name,
                    restore,
                    file,
                    random_state,
                    context,
                    span,
                } => {
                    let r = match (restore, file) {
                        (false, None) => net.store(name),
                        (false, Some(path)) => net.store_to_file(name, path),
                        (true, None) if *random_state => net.restore_with_random_state(name),
                        (true, None) => net.restore(name),
                        (true, Some(path)) => net.restore_from_file(name, path, *random_state),
                    };
                    r.map_err(|e| locate(e, &self.file, *span, context))?;
                }
                Step::SetDt {
                    clock,
                    dt,
                    context,
                    span,
                } => {
                    net.set_clock_dt(clock, *dt)
                        .map_err(|e| locate(e, &self.file, *span, context))?;
                }
                Step::SetSpikes {
                    target,
                    indices,
                    times,
                    period,
                    context,
                    span,
                } => {
                    net.set_spikes(*target, indices.clone(), times.clone(), *period)
                        .map_err(|e| locate(e, &self.file, *span, context))?;
                }
            }
        }
        let total = t0.elapsed().as_secs_f64();
        let compile = (net.stats().compile_seconds - c0).max(0.0);
        Ok(RunTimes {
            compile_seconds: compile,
            run_seconds: (total - compile).max(0.0),
            interrupted,
            stopped_at,
        })
    }
}

impl Builder<'_> {
    pub(super) fn protocol(&mut self, duration: Option<f64>) -> Vec<Step> {
        let Some(steps) = &self.model.protocol else {
            return match duration {
                Some(d) => vec![Step::Run {
                    duration: d,
                    context: "simulation.duration".into(),
                    span: self
                        .model
                        .simulation
                        .duration
                        .as_ref()
                        .map(Str::inner_span)
                        .unwrap_or_default(),
                }],
                None => vec![],
            };
        };
        let mut out = Vec::new();
        let mut stored: Vec<&str> = Vec::new();
        // (name, file) of the states stored in files by the steps.
        let mut stored_files: Vec<(&str, &std::path::PathBuf)> = Vec::new();
        // The time the steps reach (a restore goes back to its store's) and
        // the dt of each clock they change: a change of dt the time does not
        // allow is an error of `spikejit check` too.
        let mut t = 0.0;
        let mut stored_t: Vec<(String, f64)> = Vec::new();
        let mut dts: Vec<(String, f64)> = Vec::new();
        // Constants as set steps leave them (the later steps' expressions see
        // the new values); put back once the protocol is resolved.
        let mut changed: Vec<(String, f64, Dim)> = Vec::new();
        for st in steps {
            let r = match st {
                StepSpec::Store {
                    name,
                    name_span,
                    restore,
                    file,
                    file_span,
                    random_state,
                    context,
                    span,
                } => {
                    if !restore {
                        match file {
                            None => stored.push(name),
                            Some(f) => stored_files.push((name, f)),
                        }
                    }
                    // A file no step before writes was written by another
                    // run: it is read and checked now.
                    let checked = match file {
                        Some(f) if *restore && !stored_files.iter().any(|(n, g)| *n == name && *g == f) => self
                            .net
                            .check_state_file(name, f)
                            .map_err(|e| locate(e, self.file(), file_span.unwrap_or(*span), context)),
                        _ => Ok(()),
                    };
                    if *restore && file.is_none() && !stored.contains(&name.as_str()) {
                        Err(self.error(
                            "bad-restore",
                            name_span.unwrap_or(*span),
                            format!("{context}: nothing was stored under the name '{name}' before this step"),
                        ))
                    } else if let Err(e) = checked {
                        Err(e)
                    } else {
                        Ok(Step::Store {
                            name: name.clone(),
                            restore: *restore,
                            file: file.clone(),
                            random_state: *random_state,
                            context: context.clone(),
                            span: *span,
                        })
                    }
                }
                StepSpec::Run {
                    duration,
                    context,
                    span,
                } => self
                    .non_negative_time(duration, &format!("{context}.duration"))
                    .map(|d| Step::Run {
                        duration: d,
                        context: context.clone(),
                        span: *span,
                    }),
                StepSpec::Set {
                    target,
                    var,
                    value,
                    index,
                    value_span,
                    context,
                    span,
                } => {
                    // `constants` names the namespace unless an object has that name.
                    if target.text.trim() == "constants" && !self.objects.contains_key("constants") {
                        self.constant_step(var, (value, *value_span), index, context, *span, &mut changed)
                    } else {
                        self.set_step(target, var, (value, *value_span), index, context, *span)
                    }
                }
                StepSpec::SetDt {
                    dt,
                    clock,
                    context,
                    span,
                } => self.set_dt_step(dt, clock.as_ref(), context, *span),
                StepSpec::SetSpikes {
                    target,
                    indices,
                    index_spans,
                    indices_file,
                    times,
                    period,
                    context,
                    span,
                } => self.set_spikes_step(
                    target,
                    (indices, index_spans, indices_file.as_ref()),
                    times,
                    period.as_ref(),
                    context,
                    *span,
                ),
            };
            let r = r.and_then(|s| {
                match &s {
                    Step::Run { duration, .. } => t += duration,
                    Step::Store {
                        name,
                        restore: false,
                        file: None,
                        ..
                    } => stored_t.push((name.clone(), t)),
                    Step::Store {
                        name,
                        restore: true,
                        file: None,
                        ..
                    } => {
                        t = stored_t.iter().rev().find(|(n, _)| n == name).map_or(t, |s| s.1)
                    }
                    Step::SetDt {
                        clock,
                        dt,
                        context,
                        span,
                    } => {
                        let old = match dts.iter().find(|(c, _)| c == clock) {
                            Some(&(_, d)) => d,
                            None => self.net.clock_dt(clock).unwrap_or(*dt),
                        };
                        if !crate::sim::dt_change_fits(t, old, *dt) {
                            return Err(self.error(
                                "bad-dt",
                                *span,
                                format!(
                                    "{context}: cannot set dt from {old} s to {dt} s: the time {t} s is not a multiple of {dt} s"
                                ),
                            ));
                        }
                        dts.retain(|(c, _)| c != clock);
                        dts.push((clock.clone(), *dt));
                    }
                    _ => {}
                }
                Ok(s)
            });
            match r {
                Ok(s) => out.push(s),
                Err(e) => self.errors.extend(e.0),
            }
        }
        for (name, value, dim) in changed.into_iter().rev() {
            let r = self.net.constant(&name, value, dim);
            self.push(r);
        }
        out
    }

    /// `op = "set_dt"`: the clock (default: `defaultclock`) must be one of
    /// `[clocks]`, the dt a positive time.
    fn set_dt_step(&mut self, dt: &Str, clock: Option<&Str>, context: &str, span: Span) -> Result<Step> {
        let dt = self.positive_time(dt, &format!("{context}.dt"))?;
        let clock = match clock {
            None => "defaultclock".to_string(),
            Some(c) => {
                let name = c.text.trim();
                if self.net.clock_dt(name).is_none() {
                    let names = self.model.clocks.iter().map(|c| c.name.as_str());
                    let help = match crate::model::scope::suggest(name, names) {
                        Some(s) => format!("did you mean '{s}'?"),
                        None => "name a clock of [clocks], or leave 'clock' out for the default clock".to_string(),
                    };
                    return Err(Errors::one(
                        Diagnostic::at(
                            "unknown-clock",
                            self.file(),
                            c.inner_span(),
                            format!("{context}.clock: unknown clock '{name}'"),
                        )
                        .with_label("not in [clocks]")
                        .with_help(help),
                    ));
                }
                name.to_string()
            }
        };
        Ok(Step::SetDt {
            clock,
            dt,
            context: context.to_string(),
            span,
        })
    }

    /// `op = "set_spikes"`: the target must be a spike generator; the times
    /// and indices are checked as the generator's own (the checks that
    /// depend on the dt of the run, a neuron twice in a step or a period
    /// that is no multiple of dt, are the step's errors when it runs).
    fn set_spikes_step(
        &mut self,
        target: &Str,
        (indices, index_spans, indices_file): (&[i64], &[Span], Option<&DataFile>),
        times: &SpikeTimes,
        period: Option<&Str>,
        context: &str,
        span: Span,
    ) -> Result<Step> {
        let name = target.text.trim();
        let Some(&(h, Kind::Generator)) = self.objects.get(name) else {
            return Err(Errors::one(
                Diagnostic::at(
                    "not-a-generator",
                    self.file(),
                    target.inner_span(),
                    format!("{context}.target: '{name}' is not a spike generator"),
                )
                .with_help("set_spikes replaces the spikes of a [[spike_generators]] entry"),
            ));
        };
        let n = self.net.size_of(h)?;
        let times = match times {
            SpikeTimes::List(list) => self.spike_times(list, context)?,
            SpikeTimes::Data(d) => self.spike_times_of_file(d, context)?,
        };
        self.check_spike_indices(indices, index_spans, indices_file, n, context, span)?;
        let period = match period {
            Some(p) => self.non_negative_time(p, &format!("{context}.period"))?,
            None => 0.0,
        };
        Ok(Step::SetSpikes {
            target: h,
            indices: indices.to_vec(),
            times,
            period,
            context: context.to_string(),
            span,
        })
    }

    /// `op = "set"`, `target = "constants"`: a new value for a constant of
    /// `[constants]`, with its unit, that changes code the runs execute (a
    /// change that no code reads, such as a constant used only in a delay or
    /// an initial value computed when the model was built, is an error rather
    /// than nothing). Applies the value to the network for the steps after
    /// it; `changed` gets the value before, the first time.
    fn constant_step(
        &mut self,
        var: &Str,
        (value, value_span): (&ValueSpec, Span),
        index: &Option<IndexSpec>,
        context: &str,
        span: Span,
        changed: &mut Vec<(String, f64, Dim)>,
    ) -> Result<Step> {
        let name = var.text.trim();
        let Some((old, dim)) = self.net.constant_value(name) else {
            let mut d = Diagnostic::at(
                "unknown-name",
                self.file(),
                var.inner_span(),
                format!("{context}.var: '{name}' is not a constant of [constants]"),
            );
            let names: Vec<String> = self.model.constants.iter().map(|c| c.name.clone()).collect();
            if let Some(s) = crate::model::scope::suggest(name, names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            return Err(Errors::one(d));
        };
        if index.is_some() {
            return Err(self.error(
                "bad-index",
                span,
                format!("{context}.index: a constant has one value; 'index' does not apply to it"),
            ));
        }
        let (new, new_dim, at) = match value {
            ValueSpec::Number(x) => (*x, dim, value_span),
            ValueSpec::Expr(e) => {
                let (v, d) = self.eval(e, &format!("{context}.value"))?;
                (v, d, e.inner_span())
            }
            ValueSpec::List(_) | ValueSpec::Data(_) => {
                return Err(self.error(
                    "wrong-type",
                    value_span,
                    format!("{context}.value: a constant takes one value, not a list"),
                ));
            }
        };
        if !new_dim.same(dim) {
            return Err(self.error(
                "unit-mismatch",
                at,
                format!("{context}.value: the constant '{name}' has unit {dim}, but the new value has unit {new_dim}"),
            ));
        }
        if self.net.constant_is_integer(name) && new.fract() != 0.0 {
            return Err(self.error(
                "wrong-type",
                at,
                format!(
                    "{context}.value: the constant '{name}' is an integer, but the new value is {}",
                    crate::units::py_float_repr(new)
                ),
            ));
        }
        if !new.is_finite() {
            return Err(self.error(
                "bad-value",
                at,
                format!("{context}.value: the new value of '{name}' is not finite"),
            ));
        }
        if !self.net.constant_changes_code(name, new)? && old.to_bits() != new.to_bits() {
            return Err(Errors::one(
                Diagnostic::at(
                    "no-effect",
                    self.file(),
                    at,
                    format!("{context}: setting the constant '{name}' has no effect: no code of the runs reads it"),
                )
                .with_help(
                    "values computed from constants when the model is built (delays, initial values, \
                     connect, a rate or weight given as a quantity, dt) keep the value they got then; \
                     only model code (equations, threshold, reset, on_pre/on_post, run_regularly, \
                     expressions evaluated per step) reads constants at every run",
                ),
            ));
        }
        if !changed.iter().any(|(n, ..)| n == name) {
            changed.push((name.to_string(), old, dim));
        }
        self.net
            .constant(name, new, dim)
            .map_err(|e| locate(e, self.file(), span, context))?;
        Ok(Step::SetConstant {
            name: name.to_string(),
            value: new,
            dim,
            context: context.to_string(),
            span,
        })
    }

    /// A delay a protocol `set` step gives, checked before the protocol runs
    /// where it is known before (a number, a list, a constant expression), so
    /// that `spikejit check` reports it; others are checked when the step runs.
    fn check_set_delay(&self, value: &ValueSpec, si: &Value, at: Span, context: &str) -> Result<()> {
        let known: Vec<f64> = match (value, si) {
            (ValueSpec::Data(_), Value::Array(xs)) => xs.clone(),
            (ValueSpec::Data(_), _) => vec![],
            (ValueSpec::Number(x), _) => vec![*x],
            (ValueSpec::List(xs), _) => xs.clone(),
            (ValueSpec::Expr(e), _) => match self.net.eval_constant(&e.code(), context) {
                Ok((x, d)) if d.same(Dim::SECOND) => vec![x],
                _ => vec![],
            },
        };
        let Some(d) = known.into_iter().find(|d| !(*d >= 0.0 && d.is_finite())) else {
            return Ok(());
        };
        let shown = if d.is_finite() {
            format!("{} ms", crate::units::py_float_repr(d * 1e3))
        } else {
            crate::units::py_float_repr(d)
        };
        Err(Errors::one(
            Diagnostic::at(
                "bad-delay",
                self.file(),
                at,
                format!("{context}: the delay {shown} is not a non-negative time"),
            )
            .with_label(if d < 0.0 { "negative" } else { "not finite" })
            .with_help("a negative delay would deliver a spike before it happens"),
        ))
    }

    fn set_step(
        &mut self,
        target: &Str,
        var: &Str,
        (value, value_span): (&ValueSpec, Span),
        index: &Option<IndexSpec>,
        context: &str,
        span: Span,
    ) -> Result<Step> {
        let h = self.group(target, &format!("{context}.target"), true)?;
        let synapses = matches!(self.objects.get(target.text.trim()), Some((_, Kind::Synapses)));
        let v = var.text.trim();
        let is_delay = synapses && (v == "delay" || v.ends_with(".delay"));
        if !is_delay && !self.net.has_variable(h, v) {
            let mut d = Diagnostic::at(
                "unknown-variable",
                self.file(),
                var.inner_span(),
                format!("{context}.var: '{v}' is not a variable of '{}'", target.text.trim()),
            );
            if let Some(s) = self.suggest_variable(h, v) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            return Err(Errors::one(d));
        }
        // What `Network::set` checks when the step runs, checked now, so that
        // `spikejit check` reports it (and a run fails before it starts).
        if synapses
            && !is_delay
            && let Some(s) = self.net.syn(h.0)
            && !s.connected
        {
            return Err(Errors::one(
                Diagnostic::at(
                    "not-connected",
                    self.file(),
                    target.inner_span(),
                    format!(
                        "{context}: cannot write to synaptic variable '{v}' of '{}': it has no synapses, \
                         since it has no `connect`",
                        s.name
                    ),
                )
                .with_label("never connected")
                .with_help(format!("add e.g. `connect = [{{ p = 0.1 }}]` to synapses '{}'", s.name)),
            ));
        }
        if !is_delay && let ValueSpec::Expr(e) = value {
            let scope = self.net.scope_for_object(h)?;
            let src = e.code().source(context.to_string());
            let expr = crate::syntax::parse_expression(&src)?;
            let stmt = crate::syntax::ast::Statement {
                target: v.to_string(),
                target_span: Default::default(),
                op: crate::syntax::ast::AssignOp::Set,
                expr,
                span: Default::default(),
            };
            let errors = self.net.check_block(&scope, &src, std::slice::from_ref(&stmt), true);
            if !errors.is_empty() {
                return Err(Errors(errors));
            }
        }
        let si = self.value(value, h, v, context)?;
        if is_delay {
            self.check_set_delay(value, &si, value_span, context)?;
        }
        // A list gives one value per element: its length is known now (as
        // `Network::set` checks it when the step runs).
        let given = match value {
            ValueSpec::List(xs) => Some((xs.len(), String::new())),
            ValueSpec::Data(d) => Some((
                d.values.len(),
                format!(" ({} holds {})", d.file.describe(), d.file.info.describe()),
            )),
            _ => None,
        };
        if let (Some((len, holds)), None) = (given, index) {
            let n = self.net.size_of(h)?;
            if len != n {
                return Err(Errors::one(
                    Diagnostic::at(
                        "bad-length",
                        self.file(),
                        value_span,
                        format!(
                            "{context}.value: expected {n} values, one per element of '{}', got {len}{holds}",
                            target.text.trim(),
                        ),
                    )
                    .with_label(format!("{len} values")),
                ));
            }
        }
        let selection = self.selection(h, index, synapses, context)?;
        Ok(Step::Set {
            target: h,
            var: v.to_string(),
            value: si,
            selection,
            value_span,
            context: context.to_string(),
            span,
        })
    }
}
