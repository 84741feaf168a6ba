//! `[[monitors]]` in the network (spike, event, state and rate monitors), the
//! check of the variables they record, and of the memory their recordings
//! take over the protocol.

use std::collections::HashMap;

use super::protocol::Step;
use super::{Builder, Kind, locate, locate_with};
use crate::diag::{Diagnostic, Errors, Result, Span};
use crate::io::model_file::*;
use crate::sim::{Handle, Record, SpikeMonitor, StateMonitor};

impl Builder<'_> {
    pub(super) fn monitor(&mut self, m: &MonitorSpec) {
        self.keep(&m.name, Kind::Monitor, |b| b.add_monitor(m));
    }

    fn add_monitor(&mut self, m: &MonitorSpec) -> Result<Handle> {
        let ctx = format!("monitors '{}'", m.name);
        match &m.kind {
            MonitorKind::Rate { schedule } => {
                let source = self.group(&m.source, &format!("{ctx}.source"), false)?;
                let when = schedule.when.as_ref().map(|w| w.0.clone());
                let order = match &schedule.order {
                    Some(_) => self.order(&schedule.order, &ctx)?,
                    None => 0,
                };
                self.net
                    .add_rate_monitor_at(source, Some(&m.name), when.as_deref(), order)
                    .map_err(|e| locate(e, self.file(), m.source.inner_span(), &ctx))
            }
            MonitorKind::Spike {
                record,
                event,
                event_span,
                variables,
                schedule,
            } => {
                let source = self.group(&m.source, &format!("{ctx}.source"), false)?;
                self.check_variables(source, variables, &m.source, &ctx)?;
                let mut spec = SpikeMonitor::new(source).name(&m.name);
                spec.record = *record;
                spec.event = event.clone();
                spec.variables = variables.iter().map(|v| v.0.clone()).collect();
                spec.when = schedule.when.as_ref().map(|w| w.0.clone());
                spec.order = match &schedule.order {
                    Some(_) => Some(self.order(&schedule.order, &ctx)?),
                    None => None,
                };
                let hints = [(".event", *event_span), (".when", schedule.when.as_ref().map(|w| w.1))];
                self.net
                    .add_spike_monitor(spec)
                    .map_err(|e| locate_with(e, self.file(), m.source.inner_span(), &ctx, &hints))
            }
            MonitorKind::State {
                variables,
                all_variables,
                record,
                schedule,
            } => {
                let source = self.group(&m.source, &format!("{ctx}.source"), true)?;
                let record_span = match record {
                    RecordSpec::Indices(_, span) => Some(*span),
                    RecordSpec::All => None,
                };
                let record = match record {
                    RecordSpec::All => Record::All,
                    RecordSpec::Indices(v, span) => Record::Indices(
                        v.iter()
                            .map(|&k| {
                                usize::try_from(k).map_err(|_| {
                                    self.error("bad-index", *span, format!("{ctx}.record: index {k} is negative"))
                                })
                            })
                            .collect::<Result<Vec<usize>>>()?,
                    ),
                };
                self.check_variables(source, variables, &m.source, &ctx)?;
                let vars: Vec<&str> = variables.iter().map(|v| v.0.as_str()).collect();
                let mut spec = StateMonitor::new(source, &vars, record).name(&m.name);
                if *all_variables {
                    spec.variables = self.net.all_variables(source)?;
                }
                (spec.dt, spec.clock) = self.clock(schedule, &ctx)?;
                spec.when = schedule.when.as_ref().map(|w| w.0.clone());
                spec.order = self.order(&schedule.order, &ctx)?;
                let when_span = schedule.when.as_ref().map(|w| w.1);
                self.net.add_state_monitor(spec).map_err(|mut e| {
                    for d in e.0.iter_mut().filter(|d| d.source.is_none()) {
                        let hint = match d.code {
                            "bad-index" => record_span,
                            "bad-slot" => when_span,
                            _ => None,
                        };
                        d.source = Some(self.file().clone());
                        d.span = hint.unwrap_or(m.span);
                        d.context.get_or_insert_with(|| ctx.clone());
                    }
                    e
                })
            }
        }
    }

    /// The variable of `h` closest to the unknown name `v`, if one is close.
    pub(super) fn suggest_variable(&self, h: Handle, v: &str) -> Option<String> {
        let scope = self.net.scope_for_object(h).ok()?;
        // the model's own variables, not the indices and clock names every group has
        let special = ["i", "j", "t", "dt", "N", "t_in_timesteps"];
        let names: Vec<&str> = scope
            .known_names()
            .filter(|n| !special.contains(n) && self.net.has_variable(h, n))
            .collect();
        crate::model::scope::suggest(v, names.into_iter())
    }

    /// Every recorded variable must exist (the error points at its name in the list).
    fn check_variables(&self, source: Handle, variables: &[(String, Span)], src: &Str, ctx: &str) -> Result<()> {
        for (v, span) in variables {
            if !self.net.has_variable(source, v) {
                let mut d = Diagnostic::at(
                    "unknown-variable",
                    self.file(),
                    *span,
                    format!("{ctx}.variables: '{v}' is not a variable of '{}'", src.text.trim()),
                );
                if let Some(s) = self.suggest_variable(source, v) {
                    d = d.with_help(format!("did you mean '{s}'?"));
                }
                return Err(Errors::one(d));
            }
        }
        Ok(())
    }

    /// Refuses, before any run, monitors whose recordings over the protocol
    /// would outgrow the memory (the error at the monitor): the runs' time
    /// added up, a `restore` going back to the time of its `store`.
    pub(super) fn check_recording(&self, steps: &[Step]) -> Result<()> {
        let (mut t, mut peak) = (0.0_f64, 0.0_f64);
        let mut stored: HashMap<&str, f64> = HashMap::new();
        for st in steps {
            match st {
                Step::Run { duration, .. } => {
                    t += duration;
                    peak = peak.max(t);
                }
                Step::Store {
                    name,
                    restore: false,
                    file: None,
                    ..
                } => {
                    stored.insert(name, t);
                }
                Step::Store {
                    name,
                    restore: true,
                    file: None,
                    ..
                } => t = stored.get(name.as_str()).copied().unwrap_or(t),
                // A change of dt is checked by the runs themselves (each
                // checks its recordings before it starts); a state restored
                // from a file is at a time known only when the file is read.
                Step::Store { file: Some(_), .. }
                | Step::Set { .. }
                | Step::SetConstant { .. }
                | Step::SetDt { .. }
                | Step::SetSpikes { .. } => {}
            }
        }
        let hints: Vec<(String, Option<Span>)> = self
            .model
            .monitors
            .iter()
            .map(|m| (format!("monitors '{}'", m.name), Some(m.span)))
            .collect();
        let hints: Vec<(&str, Option<Span>)> = hints.iter().map(|(c, s)| (c.as_str(), *s)).collect();
        self.net
            .check_recording(peak)
            .map_err(|e| locate_with(e, self.file(), Span::default(), "monitors", &hints))
    }
}
