//! `[[synapses]]` in the network: the object, its `connect` list, `init`
//! and `run_regularly`; and the check of the delays `init` or a `set` step
//! gives.

use std::sync::Arc;

use super::{Builder, Kind, locate_with};
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use crate::io::model_file::*;
use crate::sim::{Connect, Count, Handle, Indices, Network, Prob, Synapses};

impl Builder<'_> {
    fn add_synapses(&mut self, s: &SynapsesSpec) -> Result<Handle> {
        let ctx = format!("synapses '{}'", s.name);
        let source = self.end(s, &s.source, &format!("{ctx}.source"))?;
        let target = self.end(s, &s.target, &format!("{ctx}.target"))?;
        let model = s.model.as_ref().map(Str::code).unwrap_or_else(|| "".into());
        let mut spec = Synapses::new(source, target, model).name(&s.name);
        for (name, code) in &s.on_pre {
            spec.pathways.push((name.clone(), code.code(), false));
        }
        for (name, code) in &s.on_post {
            spec.pathways.push((name.clone(), code.code(), true));
        }
        match &s.delay {
            Some(DelaySpec::Scalar(d)) => spec.delays.push(("pre".into(), self.time(d, &format!("{ctx}.delay"))?)),
            Some(DelaySpec::PerPathway(ds)) => {
                for (pw, d) in ds {
                    spec.delays
                        .push((pw.clone(), self.time(d, &format!("{ctx}.delay.{pw}"))?));
                }
            }
            None => {}
        }
        spec.method = s.method.as_ref().map(Str::code);
        (spec.dt, spec.clock) = self.clock(&s.schedule, &ctx)?;
        (spec.namespace, spec.dtype, spec.method_options) = self.settings(&s.settings, &ctx)?;
        spec.order = self.order(&s.schedule.order, &ctx)?;
        spec.when = s.schedule.when.as_ref().map(|w| w.0.clone());
        spec.on_event = s.on_event.clone();
        spec.summed_when = s
            .summed_when
            .iter()
            .map(|(v, w)| (v.clone(), w.text.trim().to_string()))
            .collect();
        spec.multisynaptic_index = s.multisynaptic_index.as_ref().map(|m| m.text.trim().to_string());
        let delay_span = match &s.delay {
            Some(DelaySpec::Scalar(d)) => Some(d.inner_span()),
            Some(DelaySpec::PerPathway(ds)) => ds.first().map(|d| d.1.inner_span()),
            None => None,
        };
        let hints = [
            (".method", s.method.as_ref().map(Str::inner_span)),
            (".method_options", s.settings.method_options.first().map(|o| o.2)),
            (".delay", delay_span),
            (".on_event", s.on_event_span),
            (".summed_when", s.summed_when.first().map(|w| w.1.inner_span())),
            (".source", Some(s.source.inner_span())),
            (".target", Some(s.target.inner_span())),
            (".when", s.schedule.when.as_ref().map(|w| w.1)),
            (
                ".multisynaptic_index",
                s.multisynaptic_index.as_ref().map(Str::inner_span),
            ),
        ];
        self.net
            .add_synapses(spec)
            .map_err(|e| locate_with(e, self.file(), s.span, &ctx, &hints))
    }

    /// The source or target of synapses `s`: a group or a synapses object
    /// listed earlier (Brian2's Synapses of Synapses). One listed later, or
    /// `s` itself, is not built yet: Brian2 needs the object (and its
    /// connections) before synapses onto or from it can be created.
    fn end(&mut self, s: &SynapsesSpec, end: &Str, ctx: &str) -> Result<Handle> {
        self.group(end, ctx, true).map_err(|mut e| {
            let name = end.text.trim();
            for d in &mut e.0 {
                if d.code != "unknown-group" {
                    continue;
                }
                if name == s.name {
                    d.help = Some(format!(
                        "a synapses object cannot connect to or from itself; make another [[synapses]] for \
                         the synapses onto or from '{name}'"
                    ));
                } else if let Some(later) = self.model.synapses.iter().position(|o| o.name == name)
                    && self.model.synapses.iter().position(|o| o.name == s.name) < Some(later)
                {
                    d.help = Some(format!(
                        "'{name}' is a [[synapses]] listed after '{}': list it first (synapses onto or \
                         from a synapses object are connected after it, as in Brian2)",
                        s.name
                    ));
                }
            }
            e
        })
    }

    pub(super) fn synapses(&mut self, s: &SynapsesSpec) {
        let Some(h) = self.keep(&s.name, Kind::Synapses, |b| b.add_synapses(s)) else {
            return;
        };
        self.check_dtype_names(h, &s.settings, &format!("synapses '{}'", s.name));
        self.links(h, &s.links);
        for c in &s.connect {
            // an error about one key (`.p`) or list element (`.i[1]`) points at it
            let keys: Vec<String> = c.value_spans.iter().map(|(k, _)| format!(".{k}")).collect();
            let hints: Vec<(&str, Option<Span>)> = keys
                .iter()
                .zip(&c.value_spans)
                .map(|(k, (_, span))| (k.as_str(), Some(*span)))
                .collect();
            let r = self
                .net
                .connect(h, connect_of(c))
                .map_err(|e| self.point_into_files(e, c))
                .map_err(|e| locate_with(e, self.file(), c.span, &c.context, &hints));
            if r.is_err() {
                // later connects and the init list would only repeat the error
                self.push(r);
                return;
            }
        }
        self.init(h, &s.init, true);
        self.run_regularly(h, &s.run_regularly, &s.schedule);
    }
}

impl Builder<'_> {
    /// An error about one index of `i` or `j` (`.i[5]`) that came from a file
    /// points at the file and names the entry.
    fn point_into_files(&self, mut e: Errors, c: &ConnectSpec) -> Errors {
        for d in e.0.iter_mut().filter(|d| d.source.is_none()) {
            let Some(ctx) = d.context.as_deref() else { continue };
            for (key, file) in &c.files {
                let mark = format!(".{key}[");
                let Some(k) = ctx
                    .rfind(&mark)
                    .and_then(|at| ctx[at + mark.len()..].strip_suffix(']'))
                    .filter(|k| k.chars().all(|c| c.is_ascii_digit()))
                else {
                    continue;
                };
                d.source = Some(self.file().clone());
                d.span = file.span;
                d.message += &format!(" (entry {k} of {})", file.describe());
            }
        }
        e
    }
}

/// After setting per-synapse delays (`init`, a protocol `set` of `delay` or
/// `PATHWAY.delay`): a negative or non-finite delay is an error here, at the
/// value that set it (Brian2 never checks; the run would refuse it without
/// saying where it came from).
pub(super) fn check_delays(
    net: &Network,
    h: Handle,
    var: &str,
    file: &Arc<Source>,
    at: Span,
    context: &str,
) -> Result<()> {
    let array = match var.trim() {
        "delay" => "pre.delay".to_string(),
        v if v.ends_with(".delay") => v.to_string(),
        _ => return Ok(()),
    };
    let Ok(values) = net.get(h, &array) else {
        return Ok(());
    };
    // A delay longer than a spike queue can count in steps of its clock.
    if let Some(dt) = net.delay_dt(h.0, &array)
        && let Some((k, d)) = values
            .iter()
            .enumerate()
            .find(|(_, d)| **d >= 0.0 && crate::sim::queue::delay_steps(**d, dt).is_none())
    {
        let pathway = array.trim_end_matches(".delay");
        return Err(Errors::one(
            Diagnostic::at(
                "bad-delay",
                file,
                at,
                format!("{context}: synapse {k}: {}", crate::sim::delay_message(pathway, *d, dt)),
            )
            .with_label(if values.len() > 1 {
                "too long for some synapses"
            } else {
                "too long"
            })
            .with_help("a spike queue counts delays in steps of dt"),
        ));
    }
    let Some((k, d)) = values.iter().enumerate().find(|(_, d)| **d < 0.0 || !d.is_finite()) else {
        return Ok(());
    };
    let value = if d.is_finite() {
        format!("{} ms", crate::units::py_float_repr(d * 1e3))
    } else {
        crate::units::py_float_repr(*d)
    };
    Err(Errors::one(
        Diagnostic::at(
            "bad-delay",
            file,
            at,
            format!("{context}: synapse {k} gets the delay {value}: delays must be non-negative times"),
        )
        .with_label(if values.len() > 1 {
            "negative for some synapses"
        } else {
            "negative"
        })
        .with_help("a negative delay would deliver a spike before it happens"),
    ))
}

fn indices(i: &IndicesSpec) -> Indices {
    match i {
        IndicesSpec::Int(k) => Indices::Array(vec![*k]),
        IndicesSpec::List(v) => Indices::Array(v.clone()),
        IndicesSpec::Expr(s) => Indices::Generator(s.code()),
    }
}

fn connect_of(c: &ConnectSpec) -> Connect {
    Connect {
        condition: c.condition.as_ref().map(Str::code),
        i: c.i.as_ref().map(indices),
        j: c.j.as_ref().map(indices),
        p: c.p.as_ref().map(|p| match p {
            ProbSpec::Number(x, _) => Prob::Value(*x),
            ProbSpec::Expr(s) => Prob::Expr(s.code()),
        }),
        n: c.n.as_ref().map(|n| match n {
            NSpec::Int(k, _) => Count::Value(*k),
            NSpec::Expr(s) => Count::Expr(s.code()),
        }),
        skip_if_invalid: c.skip_if_invalid,
    }
}
