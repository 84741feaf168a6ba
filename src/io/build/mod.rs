//! Builds a [`Network`] from a [`LoadedModel`] in the contract's build order:
//! constants, simulation settings, neuron groups (each with its `init`),
//! subgroups, synapses (`connect` list, then `init` list), monitors; then
//! resolves the protocol.
//!
//! The rooms: this file (the build order, the builder, constants and
//! `[simulation]`), `values` (constant expressions, quantities, counts, and
//! the values `init` gives variables), then one file per kind of section, as
//! `io::model_file` has: `groups` (names of groups and slices, neurons, spike
//! generators, Poisson groups and inputs, subgroups, timed arrays,
//! `run_regularly`), `synapses` (with `connect` and the check of delays),
//! `monitors`, `protocol` (the resolved steps and how they run).

mod groups;
mod monitors;
mod protocol;
mod synapses;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

pub use protocol::{Protocol, RunTimes, Step};

use super::model_file::*;
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use crate::ir::ElemTy;
use crate::model::scope::ValTy;
use crate::sim::{Handle, Network};
use crate::units::Dim;

/// Options of a build that the command line may override.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Overrides `simulation.seed`.
    pub seed: Option<u64>,
}

/// Gives errors that do not point anywhere the place (and the object) they are about.
pub(crate) fn locate(e: Errors, file: &Arc<Source>, span: Span, context: &str) -> Errors {
    locate_with(e, file, span, context, &[])
}

/// As [`locate`], but an error whose context ends with one of the `hints`'
/// suffixes (".method") points at that hint's span.
pub(crate) fn locate_with(
    mut e: Errors,
    file: &Arc<Source>,
    span: Span,
    context: &str,
    hints: &[(&str, Option<Span>)],
) -> Errors {
    for d in &mut e.0 {
        if d.source.is_none() {
            let hint = d.context.as_deref().and_then(|c| {
                hints
                    .iter()
                    .find_map(|(suffix, s)| if c.ends_with(suffix) { *s } else { None })
            });
            d.source = Some(file.clone());
            d.span = hint.unwrap_or(span);
            if d.context.is_none() {
                d.context = Some(context.to_string());
            }
        }
    }
    e
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Neurons,
    Subgroup,
    Synapses,
    Monitor,
    Generator,
    Poisson,
    PoissonInput,
    TimedArray,
}

pub(super) struct Builder<'m> {
    pub(super) model: &'m LoadedModel,
    pub(super) net: Network,
    pub(super) objects: HashMap<String, (Handle, Kind)>,
    pub(super) errors: Vec<Diagnostic>,
}

/// Builds the network of a model file and resolves its protocol.
pub fn build(model: &LoadedModel, opts: &BuildOptions) -> Result<(Network, Protocol)> {
    let mut net = Network::new();
    let protocol = build_in(&mut net, model, opts)?;
    Ok((net, protocol))
}

/// [`build`] into `net`, a network without objects (one whose ranks are set,
/// [`Network::set_ranks`]); on an error, `net` holds what was built (and its
/// ranks, which must agree on the failure).
pub fn build_in(net: &mut Network, model: &LoadedModel, opts: &BuildOptions) -> Result<Protocol> {
    let mut b = Builder {
        model,
        net: std::mem::take(net),
        objects: HashMap::new(),
        errors: Vec::new(),
    };
    let protocol = build_steps(&mut b, opts);
    *net = b.net;
    protocol
}

/// The steps of [`build_in`].
fn build_steps(b: &mut Builder, opts: &BuildOptions) -> Result<Protocol> {
    let model = b.model;
    b.constants()?;
    let (dt, seed, duration) = b.simulation()?;
    b.clocks()?;
    // the seed before any object: `init` and `connect` may draw random numbers
    let seed = opts.seed.or(seed);
    if let Some(s) = seed {
        b.net.set_seed(s);
    }
    b.add_all(&model.timed_arrays, Builder::timed_array);
    b.stage()?;
    b.add_all(&model.neurons, Builder::neurons);
    b.stage()?;
    b.add_all(&model.spike_generators, Builder::spike_generator);
    b.add_all(&model.poisson, Builder::poisson);
    b.stage()?;
    b.add_all(&model.subgroups, Builder::subgroup);
    b.stage()?;
    b.add_all(&model.synapses, Builder::synapses);
    b.stage()?;
    b.add_all(&model.poisson_inputs, Builder::poisson_input);
    b.stage()?;
    b.add_all(&model.monitors, Builder::monitor);
    b.stage()?;
    b.check_schedule()?;
    let steps = b.protocol(duration);
    b.stage()?;
    b.check_recording(&steps)?;
    let protocol = Protocol {
        steps,
        file: model.file.clone(),
        seed,
        dt,
        float32: model.simulation.float32,
    };
    Ok(protocol)
}

impl Builder<'_> {
    /// With a custom schedule, every object's slot must be in it: what the
    /// run would refuse is refused here, at the schedule. This builds the
    /// kernels once more (only for models with a `schedule`); their other
    /// errors are left to the check or run that follows.
    fn check_schedule(&mut self) -> Result<()> {
        let Some(slots) = &self.model.simulation.schedule else {
            return Ok(());
        };
        let span = match (slots.first(), slots.last()) {
            (Some(a), Some(z)) => Span::new(a.span.start, z.span.end),
            _ => return Ok(()),
        };
        match self.net.schedule() {
            Err(e) if e.0.iter().any(|d| d.code == "not-in-schedule") => {
                let missing = e.0.into_iter().filter(|d| d.code == "not-in-schedule").collect();
                Err(locate(Errors(missing), self.file(), span, "simulation.schedule"))
            }
            _ => Ok(()),
        }
    }

    pub(super) fn file(&self) -> &Arc<Source> {
        &self.model.file
    }

    /// Ends a stage: later stages depend on this one, so stop at its errors
    /// (on several ranks, at any rank's).
    fn stage(&mut self) -> Result<()> {
        let r = if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Errors(std::mem::take(&mut self.errors)))
        };
        self.net.agree(r)
    }

    /// Adds the objects of one section, each with `add`, in the file's order.
    fn add_all<T>(&mut self, specs: &[T], add: impl Fn(&mut Self, &T)) {
        for spec in specs {
            add(self, spec);
        }
    }

    /// Adds an object with `add` and keeps it under `name` (for the sections
    /// that name it later); its handle, or `None` with its errors kept.
    pub(super) fn keep(
        &mut self,
        name: &str,
        kind: Kind,
        add: impl FnOnce(&mut Self) -> Result<Handle>,
    ) -> Option<Handle> {
        match add(self) {
            Ok(h) => {
                self.objects.insert(name.to_string(), (h, kind));
                Some(h)
            }
            Err(e) => {
                self.errors.extend(e.0);
                None
            }
        }
    }

    pub(super) fn push(&mut self, r: Result<()>) {
        if let Err(e) = r {
            self.errors.extend(e.0);
        }
    }

    pub(super) fn error(&self, code: &'static str, span: Span, msg: impl Into<String>) -> Errors {
        Errors::one(Diagnostic::at(code, self.file(), span, msg))
    }

    pub(super) fn constants(&mut self) -> Result<()> {
        for c in &self.model.constants {
            let ctx = format!("constants.{}", c.name);
            let (v, d, ty) = match &c.value {
                ConstantValue::Number(x) => (*x, Dim::ONE, ValTy::Float),
                ConstantValue::Int(i) => (*i as f64, Dim::ONE, ValTy::Int),
                ConstantValue::Expr(s) => self.net.eval_constant_typed(&s.code(), &ctx)?,
            };
            self.net
                .constant_typed(&c.name, v, d, ty)
                .map_err(|e| locate(e, self.file(), c.span, &ctx))?;
        }
        Ok(())
    }

    /// `[clocks]`: each added to the network under its name.
    fn clocks(&mut self) -> Result<()> {
        for c in &self.model.clocks {
            let ctx = format!("clocks.{}", c.name);
            let dt = self.positive_time(&c.dt, &format!("{ctx}.dt"))?;
            self.net
                .add_clock(&c.name, dt)
                .map_err(|e| locate(e, self.file(), c.span, &ctx))?;
        }
        Ok(())
    }

    /// The `dt` (a clock of the object's own) or `clock` (one of `[clocks]`)
    /// of an object (`ctx`); an unknown clock is an error at its name.
    pub(super) fn clock(&self, schedule: &ScheduleSpec, ctx: &str) -> Result<(Option<f64>, Option<String>)> {
        let dt = match &schedule.dt {
            Some(dt) => Some(self.positive_time(dt, &format!("{ctx}.dt"))?),
            None => None,
        };
        let Some(c) = &schedule.clock else {
            return Ok((dt, None));
        };
        let name = c.text.trim();
        if self.net.clock_dt(name).is_none() {
            let names = self.model.clocks.iter().map(|c| c.name.as_str());
            let help = match crate::model::scope::suggest(name, names) {
                Some(s) => format!("did you mean '{s}'?"),
                None => "add it as [clocks.NAME] with a `dt`, or give the object a `dt` of its own".to_string(),
            };
            return Err(Errors::one(
                Diagnostic::at(
                    "unknown-clock",
                    self.file(),
                    c.inner_span(),
                    format!("{ctx}.clock: unknown clock '{name}'"),
                )
                .with_label("not in [clocks]")
                .with_help(help),
            ));
        }
        Ok((dt, Some(name.to_string())))
    }

    /// An object's `namespace` (each name evaluated as a constant is, with
    /// the file's constants in scope), `dtype` and `method_options`.
    #[allow(clippy::type_complexity)]
    pub(super) fn settings(
        &mut self,
        settings: &ObjectSettings,
        ctx: &str,
    ) -> Result<(Vec<(String, f64, Dim)>, Vec<(String, ElemTy)>, Vec<(String, bool)>)> {
        let mut namespace = Vec::new();
        for c in &settings.namespace {
            let cctx = format!("{ctx}.namespace.{}", c.name);
            let (v, d) = match &c.value {
                ConstantValue::Number(x) => (*x, Dim::ONE),
                ConstantValue::Int(i) => (*i as f64, Dim::ONE),
                ConstantValue::Expr(s) => {
                    let (v, d, _) = self.net.eval_constant_typed(&s.code(), &cctx)?;
                    (v, d)
                }
            };
            namespace.push((c.name.clone(), v, d));
        }
        let dtype = settings
            .dtype
            .iter()
            .map(|(var, ty, _)| (var.clone(), if ty == "float32" { ElemTy::F32 } else { ElemTy::F64 }))
            .collect();
        let options = settings
            .method_options
            .iter()
            .map(|(k, v, _)| (k.clone(), *v))
            .collect();
        Ok((namespace, dtype, options))
    }

    /// Each variable named in `dtype` must be one of the object `h`'s (Brian2
    /// ignores other names; here they are an error at the name's value).
    pub(super) fn check_dtype_names(&mut self, h: Handle, settings: &ObjectSettings, ctx: &str) {
        for (var, _, span) in &settings.dtype {
            if var != "*" && !self.net.has_variable(h, var) {
                let e = self.error(
                    "unknown-variable",
                    *span,
                    format!("{ctx}.dtype: '{var}' is not a variable of the model"),
                );
                self.errors.extend(e.0);
            }
        }
    }

    /// dt, float32; returns (dt, seed, duration).
    pub(super) fn simulation(&mut self) -> Result<(f64, Option<u64>, Option<f64>)> {
        let sim = &self.model.simulation;
        let dt = match &sim.dt {
            Some(s) => self.positive_time(s, "simulation.dt")?,
            None => 1e-4,
        };
        self.net.set_dt(dt);
        self.net.set_float32(sim.float32);
        self.net.set_fast_math(sim.fast_math);
        if let Some(slots) = &sim.schedule {
            let names: Vec<&str> = slots.iter().map(|s| s.text.as_str()).collect();
            if let Err(e) = self.net.set_schedule(&names) {
                // the message names the slot: point at it
                let at = slots
                    .iter()
                    .find(|s| e.0.iter().any(|d| d.message.contains(&format!("'{}'", s.text))));
                if let Some(at) = at.or(slots.first()) {
                    return Err(locate(e, self.file(), at.inner_span(), "simulation.schedule"));
                }
                return Err(e);
            }
        }
        let seed = match sim.seed {
            Some((s, span)) => Some(u64::try_from(s).map_err(|_| {
                self.error(
                    "bad-value",
                    span,
                    format!("simulation.seed: must be non-negative, got {s}"),
                )
            })?),
            None => None,
        };
        let duration = match &sim.duration {
            Some(s) => Some(self.non_negative_time(s, "simulation.duration")?),
            None => None,
        };
        Ok((dt, seed, duration))
    }
}
