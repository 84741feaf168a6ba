//! Builds a [`Network`] from a [`LoadedModel`] in the contract's build order:
//! constants, simulation settings, neuron groups (each with its `init`),
//! subgroups, synapses (`connect` list, then `init` list), monitors; then
//! resolves the protocol.

use std::collections::HashMap;
use std::sync::Arc;

use super::model_file::*;
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use crate::model::scope::ValTy;
use crate::sim::{
    Connect, Count, Handle, Indices, Network, NeuronGroup, PoissonGroup, PoissonInput, Prob, Record, RunRegularly,
    Selection, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray, Value,
};
use crate::units::Dim;

/// Options of a build that the command line may override.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Overrides `simulation.seed`.
    pub seed: Option<u64>,
}

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
                    restore: false,
                    context,
                    span,
                } => {
                    net.store(name).map_err(|e| locate(e, &self.file, *span, context))?;
                }
                Step::Store {
                    name,
                    restore: true,
                    context,
                    span,
                } => {
                    net.restore(name).map_err(|e| locate(e, &self.file, *span, context))?;
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
enum Kind {
    Neurons,
    Subgroup,
    Synapses,
    Monitor,
    Generator,
    Poisson,
    PoissonInput,
    TimedArray,
}

struct Builder<'m> {
    model: &'m LoadedModel,
    net: Network,
    objects: HashMap<String, (Handle, Kind)>,
    errors: Vec<Diagnostic>,
}

/// Builds the network of a model file and resolves its protocol.
pub fn build(model: &LoadedModel, opts: &BuildOptions) -> Result<(Network, Protocol)> {
    let mut b = Builder {
        model,
        net: Network::new(),
        objects: HashMap::new(),
        errors: Vec::new(),
    };
    b.constants()?;
    let (dt, seed, duration) = b.simulation()?;
    // the seed before any object: `init` and `connect` may draw random numbers
    let seed = opts.seed.or(seed);
    if let Some(s) = seed {
        b.net.set_seed(s);
    }
    for t in &model.timed_arrays {
        b.timed_array(t);
    }
    b.stage()?;
    for g in &model.neurons {
        b.neurons(g);
    }
    b.stage()?;
    for g in &model.spike_generators {
        b.spike_generator(g);
    }
    for p in &model.poisson {
        b.poisson(p);
    }
    b.stage()?;
    for s in &model.subgroups {
        b.subgroup(s);
    }
    b.stage()?;
    for s in &model.synapses {
        b.synapses(s);
    }
    b.stage()?;
    for p in &model.poisson_inputs {
        b.poisson_input(p);
    }
    b.stage()?;
    for m in &model.monitors {
        b.monitor(m);
    }
    b.stage()?;
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
    Ok((b.net, protocol))
}

impl Builder<'_> {
    fn file(&self) -> &Arc<Source> {
        &self.model.file
    }

    /// Ends a stage: later stages depend on this one, so stop at its errors.
    fn stage(&mut self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Errors(std::mem::take(&mut self.errors)))
        }
    }

    fn push(&mut self, r: Result<()>) {
        if let Err(e) = r {
            self.errors.extend(e.0);
        }
    }

    fn error(&self, code: &'static str, span: Span, msg: impl Into<String>) -> Errors {
        Errors::one(Diagnostic::at(code, self.file(), span, msg))
    }

    // ---- values ---------------------------------------------------------------------

    /// A constant expression: its SI value and dimension.
    fn eval(&self, s: &Str, what: &str) -> Result<(f64, Dim)> {
        self.net.eval_constant(&s.code(), what)
    }

    /// A quantity of dimension `dim` (`what`: "a time", "a rate").
    fn quantity(&self, s: &Str, ctx: &str, dim: Dim, what: &str) -> Result<f64> {
        let (v, d) = self.eval(s, ctx)?;
        if !d.same(dim) {
            return Err(self.error(
                "unit-mismatch",
                s.inner_span(),
                format!("{ctx}: {:?} is not {what} (its unit is {d})", s.text.trim()),
            ));
        }
        Ok(v)
    }

    fn time(&self, s: &Str, ctx: &str) -> Result<f64> {
        self.quantity(s, ctx, Dim::SECOND, "a time")
    }

    fn positive_time(&self, s: &Str, ctx: &str) -> Result<f64> {
        let v = self.time(s, ctx)?;
        if !(v > 0.0 && v.is_finite()) {
            let what = if v.is_nan() || v.is_infinite() {
                "must be a finite time"
            } else {
                "must be positive"
            };
            return Err(self.error(
                "bad-value",
                s.inner_span(),
                format!("{ctx}: {what}, got {:?}", s.text.trim()),
            ));
        }
        Ok(v)
    }

    /// A count: an integer, or a dimensionless integral constant expression, at least `least`.
    fn count(&self, c: &CountSpec, ctx: &str, least: i64) -> Result<usize> {
        let (v, span) = match c {
            CountSpec::Int(i, span) => (*i, *span),
            CountSpec::Expr(s) => {
                let (x, d) = self.eval(s, ctx)?;
                if !d.is_one() {
                    return Err(self.error(
                        "unit-mismatch",
                        s.inner_span(),
                        format!(
                            "{ctx}: {:?} is not dimensionless (its unit is {d}); a count must be an integer",
                            s.text.trim()
                        ),
                    ));
                }
                if x.is_finite() && x.fract() == 0.0 && x.abs() >= 9.0e15 {
                    return Err(self.error(
                        "too-large",
                        s.inner_span(),
                        format!(
                            "{ctx}: {:?} evaluates to {}, far too large for a count",
                            s.text.trim(),
                            crate::units::py_float_repr(x)
                        ),
                    ));
                }
                if !(x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15) {
                    return Err(self.error(
                        "bad-value",
                        s.inner_span(),
                        format!(
                            "{ctx}: {:?} evaluates to {}, not an integer",
                            s.text.trim(),
                            crate::units::py_float_repr(x)
                        ),
                    ));
                }
                (x as i64, s.inner_span())
            }
        };
        if v < least {
            let what = if least == 1 { "positive" } else { "non-negative" };
            return Err(self.error("bad-value", span, format!("{ctx}: must be {what}, got {v}")));
        }
        usize::try_from(v).map_err(|_| self.error("bad-value", span, format!("{ctx}: {v} is too large")))
    }

    fn order(&self, o: &Option<(i64, Span)>, ctx: &str) -> Result<i32> {
        match o {
            None => Ok(0),
            Some((v, span)) => i32::try_from(*v)
                .map_err(|_| self.error("bad-value", *span, format!("{ctx}.order: {v} is out of range"))),
        }
    }

    fn value(v: &ValueSpec) -> Value {
        match v {
            ValueSpec::Number(x) => Value::Scalar(*x),
            ValueSpec::List(xs) => Value::Array(xs.clone()),
            ValueSpec::Expr(s) => Value::Expr(s.code()),
        }
    }

    fn selection(&self, index: &Option<IndexSpec>, synapses: bool, ctx: &str) -> Result<Selection> {
        match index {
            None => Ok(Selection::All),
            Some(IndexSpec::Where(s)) => Ok(Selection::Where(s.code())),
            Some(IndexSpec::Pair(i, j, span)) => {
                if !synapses {
                    return Err(self.error(
                        "bad-index",
                        *span,
                        format!("{ctx}.index: an [i, j] pair indexes synapses; for a group use a condition string"),
                    ));
                }
                match (usize::try_from(*i), usize::try_from(*j)) {
                    (Ok(i), Ok(j)) => Ok(Selection::Pair(i, j)),
                    _ => Err(self.error(
                        "bad-index",
                        *span,
                        format!("{ctx}.index: [{i}, {j}]: indices must be non-negative"),
                    )),
                }
            }
        }
    }

    /// Applies `init` entries to an object, in order.
    fn init(&mut self, h: Handle, entries: &[InitSpec], synapses: bool) {
        for e in entries {
            let r = self.selection(&e.index, synapses, &e.context).and_then(|sel| {
                self.net.set(h, &e.var, Self::value(&e.value), sel).map_err(|mut err| {
                    // an error about the value (its length, its type) points at it,
                    // one about the variable at its name
                    for d in err.0.iter_mut().filter(|d| d.source.is_none()) {
                        if matches!(d.code, "bad-length" | "type") {
                            d.source = Some(self.file().clone());
                            d.span = e.value_span;
                            d.message = format!("{}: {}", e.context, d.message);
                        }
                    }
                    locate(err, self.file(), e.var_span, &e.context)
                })
            });
            let r = r.and_then(|()| {
                if synapses {
                    check_delays(&self.net, h, &e.var, self.file(), e.value_span, &e.context)
                } else {
                    Ok(())
                }
            });
            self.push(r);
        }
    }

    // ---- objects --------------------------------------------------------------------

    /// A group, named subgroup, slice `G[a:b]` or (optionally) synapses, by name.
    fn group(&mut self, s: &Str, ctx: &str, allow_synapses: bool) -> Result<Handle> {
        let text = s.text.trim();
        if let Some((base, a, b)) = parse_slice(text) {
            let base_str = Str {
                text: base.to_string(),
                ..s.clone()
            };
            let h = self.group(&base_str, ctx, false)?;
            if matches!(self.objects.get(base), Some((_, Kind::Generator))) {
                return Err(self.error(
                    "bad-slice",
                    s.inner_span(),
                    format!("{ctx}: '{base}' is a spike generator, which cannot be sliced"),
                ));
            }
            let n = self.net.size_of(h)?;
            let parse = |x: &str, default: usize| -> Option<usize> {
                if x.is_empty() { Some(default) } else { x.parse().ok() }
            };
            let (start, stop) = match (parse(a, 0), parse(b, n)) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    return Err(self.error(
                        "bad-slice",
                        s.inner_span(),
                        format!("{ctx}: slice bounds of '{text}' are too large"),
                    ));
                }
            };
            if !(start < stop && stop <= n) {
                return Err(Errors::one(
                    Diagnostic::at(
                        "bad-slice",
                        self.file(),
                        s.inner_span(),
                        format!("{ctx}: slice [{start}:{stop}] is out of range for '{base}' of size {n}"),
                    )
                    .with_help(format!(
                        "a slice G[a:b] needs 0 <= a < b <= {n} (bounds may be omitted: G[a:], G[:b])"
                    )),
                ));
            }
            let name = format!("{base}[{start}:{stop}]");
            if let Some(h) = self.net.handle(&name) {
                return Ok(h);
            }
            return self
                .net
                .subgroup(h, start, stop, Some(&name))
                .map_err(|e| locate(e, self.file(), s.inner_span(), ctx));
        }
        match self.objects.get(text) {
            Some(&(h, Kind::Neurons | Kind::Subgroup | Kind::Generator | Kind::Poisson)) => Ok(h),
            Some(&(h, Kind::Synapses)) if allow_synapses => Ok(h),
            Some((_, Kind::Synapses)) => Err(self.error(
                "not-a-group",
                s.inner_span(),
                format!("{ctx}: '{text}' is a synapses object, not a group"),
            )),
            Some((_, Kind::Monitor)) => Err(self.error(
                "not-a-group",
                s.inner_span(),
                format!("{ctx}: '{text}' is a monitor, not a group"),
            )),
            Some((_, Kind::PoissonInput)) => Err(self.error(
                "not-a-group",
                s.inner_span(),
                format!("{ctx}: '{text}' is a Poisson input, not a group"),
            )),
            Some((_, Kind::TimedArray)) => Err(self.error(
                "not-a-group",
                s.inner_span(),
                format!("{ctx}: '{text}' is a timed array, not a group"),
            )),
            None => {
                let names = self
                    .objects
                    .iter()
                    .filter(|(_, (_, k))| *k != Kind::Monitor)
                    .map(|(n, _)| n.as_str());
                let mut d = Diagnostic::at(
                    "unknown-group",
                    self.file(),
                    s.inner_span(),
                    format!("{ctx}: unknown group '{text}'"),
                )
                .with_label("not defined");
                if let Some(sug) = crate::model::scope::suggest(text, names) {
                    d = d.with_help(format!("did you mean '{sug}'?"));
                }
                Err(Errors::one(d))
            }
        }
    }

    fn constants(&mut self) -> Result<()> {
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

    /// dt, float32; returns (dt, seed, duration).
    fn simulation(&mut self) -> Result<(f64, Option<u64>, Option<f64>)> {
        let sim = &self.model.simulation;
        let dt = match &sim.dt {
            Some(s) => self.positive_time(s, "simulation.dt")?,
            None => 1e-4,
        };
        self.net.set_dt(dt);
        self.net.set_float32(sim.float32);
        self.net.set_fast_math(sim.fast_math);
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

    fn non_negative_time(&self, s: &Str, ctx: &str) -> Result<f64> {
        let v = self.time(s, ctx)?;
        if !(v >= 0.0 && v.is_finite()) {
            let what = if v.is_nan() || v.is_infinite() {
                "must be a finite time"
            } else {
                "must not be negative"
            };
            return Err(self.error(
                "bad-value",
                s.inner_span(),
                format!("{ctx}: {what}, got {:?}", s.text.trim()),
            ));
        }
        Ok(v)
    }

    fn neurons(&mut self, g: &NeuronSpec) {
        match self.add_neurons(g) {
            Ok(h) => {
                self.objects.insert(g.name.clone(), (h, Kind::Neurons));
                self.run_regularly(h, &g.run_regularly, &g.schedule);
                self.init(h, &g.init, false);
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_neurons(&mut self, g: &NeuronSpec) -> Result<Handle> {
        let ctx = format!("neurons '{}'", g.name);
        let n = self.count(&g.n, &format!("{ctx}.N"), 1)?;
        let mut spec = NeuronGroup::new(n, g.model.code()).name(&g.name);
        spec.threshold = g.threshold.as_ref().map(Str::code);
        spec.reset = g.reset.as_ref().map(Str::code);
        spec.refractory = g.refractory.as_ref().map(Str::code);
        spec.method = g.method.as_ref().map(Str::code);
        if let Some(dt) = &g.schedule.dt {
            spec.dt = Some(self.positive_time(dt, &format!("{ctx}.dt"))?);
        }
        spec.order = self.order(&g.schedule.order, &ctx)?;
        spec.when = g.schedule.when.as_ref().map(|w| w.0.clone());
        spec.events = g.events.iter().map(|(n, c)| (n.clone(), c.code())).collect();
        spec.run_on_event = g.run_on_event.iter().map(|(n, c)| (n.clone(), c.code())).collect();
        let span_of = |s: &Option<Str>| s.as_ref().map(Str::inner_span);
        let hints = [
            (".events", g.events.first().map(|e| e.1.inner_span())),
            (".run_on_event", g.run_on_event.first().map(|e| e.1.inner_span())),
            (".method", span_of(&g.method)),
            (".when", g.schedule.when.as_ref().map(|w| w.1)),
            (".refractory", span_of(&g.refractory)),
            (".threshold", span_of(&g.threshold)),
            (".reset", span_of(&g.reset)),
            (".N", Some(count_span(&g.n))),
        ];
        self.net
            .add_neurons(spec)
            .map_err(|e| locate_with(e, self.file(), g.span, &ctx, &hints))
    }

    fn spike_generator(&mut self, g: &GeneratorSpec) {
        match self.add_spike_generator(g) {
            Ok(h) => {
                self.objects.insert(g.name.clone(), (h, Kind::Generator));
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_spike_generator(&mut self, g: &GeneratorSpec) -> Result<Handle> {
        let ctx = format!("spike_generators '{}'", g.name);
        let n = self.count(&g.n, &format!("{ctx}.N"), 1)?;
        let time_spans: Vec<Span> = g
            .times
            .iter()
            .map(|t| match t {
                TimeSpec::Seconds(_, span) => *span,
                TimeSpec::Expr(s) => s.inner_span(),
            })
            .collect();
        let times = g
            .times
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let x = match t {
                    TimeSpec::Seconds(x, _) => *x,
                    TimeSpec::Expr(s) => self.time(s, &format!("{ctx}.times[{k}]"))?,
                };
                if !(x >= 0.0 && x.is_finite()) {
                    let shown = match t {
                        TimeSpec::Seconds(..) => format!("{} s", crate::units::py_float_repr(x)),
                        TimeSpec::Expr(s) => format!("{:?}", s.text.trim()),
                    };
                    let why = if x < 0.0 { "negative" } else { "not a finite time" };
                    return Err(Errors::one(
                        Diagnostic::at(
                            "bad-time",
                            self.file(),
                            time_spans[k],
                            format!("{ctx}.times[{k}]: a spike time must be a non-negative, finite time, got {shown}"),
                        )
                        .with_label(why),
                    ));
                }
                Ok(x)
            })
            .collect::<Result<Vec<f64>>>()?;
        let period = match &g.period {
            Some(p) => self.non_negative_time(p, &format!("{ctx}.period"))?,
            None => 0.0,
        };
        if let Some((k, bad)) = g
            .indices
            .iter()
            .enumerate()
            .find(|(_, x)| **x < 0 || **x as u64 >= n as u64)
        {
            return Err(self.error(
                "bad-index",
                g.index_spans.get(k).copied().unwrap_or(g.span),
                format!(
                    "{ctx}.indices[{k}]: index {bad} is outside the range [0, {}] of the group's {n} neurons",
                    n - 1
                ),
            ));
        }
        let spec = SpikeGeneratorGroup {
            name: Some(g.name.clone()),
            n,
            indices: g.indices.clone(),
            times,
            period,
        };
        // errors about one spike point at its time (`.times[k]`)
        let time_keys: Vec<String> = (0..time_spans.len()).map(|k| format!(".times[{k}]")).collect();
        let mut hints = vec![
            (".period", g.period.as_ref().map(Str::inner_span)),
            (".N", Some(count_span(&g.n))),
        ];
        hints.extend(time_keys.iter().zip(&time_spans).map(|(k, s)| (k.as_str(), Some(*s))));
        self.net
            .add_spike_generator(spec)
            .map_err(|e| locate_with(e, self.file(), g.span, &ctx, &hints))
    }

    fn poisson(&mut self, p: &PoissonSpec) {
        match self.add_poisson(p) {
            Ok(h) => {
                self.objects.insert(p.name.clone(), (h, Kind::Poisson));
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_poisson(&mut self, p: &PoissonSpec) -> Result<Handle> {
        let ctx = format!("poisson '{}'", p.name);
        let n = self.count(&p.n, &format!("{ctx}.N"), 1)?;
        let spec = PoissonGroup {
            name: Some(p.name.clone()),
            n,
            rates: p.rates.code(),
        };
        self.net
            .add_poisson_group(spec)
            .map_err(|e| locate(e, self.file(), p.rates.inner_span(), &ctx))
    }

    fn subgroup(&mut self, s: &SubgroupSpec) {
        match self.add_subgroup(s) {
            Ok(h) => {
                self.objects.insert(s.name.clone(), (h, Kind::Subgroup));
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_subgroup(&mut self, s: &SubgroupSpec) -> Result<Handle> {
        let ctx = format!("subgroups '{}'", s.name);
        let of = self.group(&s.of, &format!("{ctx}.of"), false)?;
        let start = self.count(&s.start, &format!("{ctx}.start"), 0)?;
        let stop = self.count(&s.stop, &format!("{ctx}.stop"), 0)?;
        let n = self.net.size_of(of)?;
        if !(start < stop && stop <= n) {
            // point at the bound that is wrong
            let at = if stop > n || start < stop {
                count_span(&s.stop)
            } else {
                count_span(&s.start)
            };
            return Err(Errors::one(
                Diagnostic::at(
                    "bad-slice",
                    self.file(),
                    at,
                    format!(
                        "{ctx}: slice [{start}:{stop}] is out of range for '{}' of size {n}",
                        s.of.text.trim()
                    ),
                )
                .with_help(format!("a subgroup needs 0 <= start < stop <= {n}")),
            ));
        }
        self.net
            .subgroup(of, start, stop, Some(&s.name))
            .map_err(|e| locate(e, self.file(), s.span, &ctx))
    }

    fn add_synapses(&mut self, s: &SynapsesSpec) -> Result<Handle> {
        let ctx = format!("synapses '{}'", s.name);
        let source = self.group(&s.source, &format!("{ctx}.source"), false)?;
        let target = self.group(&s.target, &format!("{ctx}.target"), false)?;
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
        if let Some(dt) = &s.schedule.dt {
            spec.dt = Some(self.positive_time(dt, &format!("{ctx}.dt"))?);
        }
        spec.order = self.order(&s.schedule.order, &ctx)?;
        spec.when = s.schedule.when.as_ref().map(|w| w.0.clone());
        spec.on_event = s.on_event.clone();
        spec.multisynaptic_index = s.multisynaptic_index.as_ref().map(|m| m.text.trim().to_string());
        let delay_span = match &s.delay {
            Some(DelaySpec::Scalar(d)) => Some(d.inner_span()),
            Some(DelaySpec::PerPathway(ds)) => ds.first().map(|d| d.1.inner_span()),
            None => None,
        };
        let hints = [
            (".method", s.method.as_ref().map(Str::inner_span)),
            (".delay", delay_span),
            (".on_event", s.on_event_span),
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

    fn synapses(&mut self, s: &SynapsesSpec) {
        let h = match self.add_synapses(s) {
            Ok(h) => h,
            Err(e) => {
                self.errors.extend(e.0);
                return;
            }
        };
        self.objects.insert(s.name.clone(), (h, Kind::Synapses));
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

    /// `run_regularly` entries of a group or synapses (their order is the owner's).
    fn run_regularly(&mut self, owner: Handle, entries: &[RunRegularlySpec], schedule: &ScheduleSpec) {
        for e in entries {
            let r = self.add_run_regularly(owner, e, schedule);
            self.push(r);
        }
    }

    fn add_run_regularly(&mut self, owner: Handle, e: &RunRegularlySpec, _schedule: &ScheduleSpec) -> Result<()> {
        let dt = match &e.dt {
            Some(dt) => Some(self.positive_time(dt, &format!("{}.dt", e.context))?),
            None => None,
        };
        let spec = RunRegularly {
            code: e.code.code(),
            dt,
            when: e.when.as_ref().map(|w| w.0.clone()),
            // Brian2's run_regularly has its own order (0), not the group's.
            order: 0,
        };
        let hints = [(".when", e.when.as_ref().map(|w| w.1))];
        self.net
            .run_regularly(owner, spec)
            .map_err(|err| locate_with(err, self.file(), e.span, &e.context, &hints))
    }

    fn timed_array(&mut self, t: &TimedArraySpec) {
        match self.add_timed_array(t) {
            Ok(h) => {
                self.objects.insert(t.name.clone(), (h, Kind::TimedArray));
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_timed_array(&mut self, t: &TimedArraySpec) -> Result<Handle> {
        let ctx = format!("timed_arrays '{}'", t.name);
        let (scale, dim) = match &t.unit {
            Some(u) => self.eval(u, &format!("{ctx}.unit"))?,
            None => (1.0, Dim::ONE),
        };
        let dt = self.positive_time(&t.dt, &format!("{ctx}.dt"))?;
        let (values, cols) = match &t.values {
            TimedValues::OneD(v) => (v.iter().map(|x| x * scale).collect(), None),
            TimedValues::TwoD(rows) => (
                rows.iter().flatten().map(|x| x * scale).collect(),
                rows.first().map(Vec::len),
            ),
            TimedValues::Expr(s, length, length_span) => {
                // The values drawn and the copies they pass through (read out,
                // scaled) before they are the table: 24 bytes an entry at the peak.
                crate::sim::check_memory("too-large", &format!("{ctx}.length"), "entries", *length as f64, 24.0)
                    .map_err(|e| locate(e, self.file(), *length_span, &ctx))?;
                let n = usize::try_from(*length).unwrap_or(0);
                let v = self
                    .net
                    .eval_per_entry(&s.code(), n, &format!("{ctx}.values"))
                    .map_err(|e| locate(e, self.file(), s.span, &ctx))?;
                (v.into_iter().map(|x| x * scale).collect(), None)
            }
        };
        let spec = TimedArray {
            name: t.name.clone(),
            values,
            cols,
            dt,
            dim,
        };
        self.net
            .add_timed_array(spec)
            .map_err(|e| locate(e, self.file(), t.span, &ctx))
    }

    fn poisson_input(&mut self, p: &PoissonInputSpec) {
        match self.add_poisson_input(p) {
            Ok(h) => {
                self.objects.insert(p.name.clone(), (h, Kind::PoissonInput));
            }
            Err(e) => self.errors.extend(e.0),
        }
    }

    fn add_poisson_input(&mut self, p: &PoissonInputSpec) -> Result<Handle> {
        let ctx = format!("poisson_inputs '{}'", p.name);
        let target = self.group(&p.target, &format!("{ctx}.target"), false)?;
        let rate = self.quantity(&p.rate, &format!("{ctx}.rate"), Dim::HERTZ, "a rate")?;
        let n = self.count(&p.n, &format!("{ctx}.N"), 1)?;
        let spec = PoissonInput {
            name: Some(p.name.clone()),
            target,
            var: p.target_var.text.trim().to_string(),
            n,
            rate,
            weight: p.weight.code(),
        };
        self.net
            .add_poisson_input(spec)
            .map_err(|e| locate(e, self.file(), p.target_var.inner_span(), &ctx))
    }

    fn monitor(&mut self, m: &MonitorSpec) {
        match self.add_monitor(m) {
            Ok(h) => {
                self.objects.insert(m.name.clone(), (h, Kind::Monitor));
            }
            Err(e) => self.errors.extend(e.0),
        }
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
                if let Some(dt) = &schedule.dt {
                    spec.dt = Some(self.positive_time(dt, &format!("{ctx}.dt"))?);
                }
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
    fn suggest_variable(&self, h: Handle, v: &str) -> Option<String> {
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

    fn protocol(&mut self, duration: Option<f64>) -> Vec<Step> {
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
        // Constants as set steps leave them (the later steps' expressions see
        // the new values); put back once the protocol is resolved.
        let mut changed: Vec<(String, f64, Dim)> = Vec::new();
        for st in steps {
            let r = match st {
                StepSpec::Store {
                    name,
                    name_span,
                    restore,
                    context,
                    span,
                } => {
                    if !restore {
                        stored.push(name);
                    }
                    if *restore && !stored.contains(&name.as_str()) {
                        Err(self.error(
                            "bad-restore",
                            name_span.unwrap_or(*span),
                            format!("{context}: nothing was stored under the name '{name}' before this step"),
                        ))
                    } else {
                        Ok(Step::Store {
                            name: name.clone(),
                            restore: *restore,
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
            };
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
            ValueSpec::List(_) => {
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
    fn check_set_delay(&self, value: &ValueSpec, at: Span, context: &str) -> Result<()> {
        let known: Vec<f64> = match value {
            ValueSpec::Number(x) => vec![*x],
            ValueSpec::List(xs) => xs.clone(),
            ValueSpec::Expr(e) => match self.net.eval_constant(&e.code(), context) {
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

    /// Refuses, before any run, monitors whose recordings over the protocol
    /// would outgrow the memory (the error at the monitor): the runs' time
    /// added up, a `restore` going back to the time of its `store`.
    fn check_recording(&self, steps: &[Step]) -> Result<()> {
        let (mut t, mut peak) = (0.0_f64, 0.0_f64);
        let mut stored: HashMap<&str, f64> = HashMap::new();
        for st in steps {
            match st {
                Step::Run { duration, .. } => {
                    t += duration;
                    peak = peak.max(t);
                }
                Step::Store {
                    name, restore: false, ..
                } => {
                    stored.insert(name, t);
                }
                Step::Store {
                    name, restore: true, ..
                } => t = stored.get(name.as_str()).copied().unwrap_or(t),
                Step::Set { .. } | Step::SetConstant { .. } => {}
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
        if is_delay {
            self.check_set_delay(value, value_span, context)?;
        }
        // A list gives one value per element: its length is known now (as
        // `Network::set` checks it when the step runs).
        if let (ValueSpec::List(xs), None) = (value, index) {
            let n = self.net.size_of(h)?;
            if xs.len() != n {
                return Err(Errors::one(
                    Diagnostic::at(
                        "bad-length",
                        self.file(),
                        value_span,
                        format!(
                            "{context}.value: expected {n} values, one per element of '{}', got {}",
                            target.text.trim(),
                            xs.len()
                        ),
                    )
                    .with_label(format!("{} values", xs.len())),
                ));
            }
        }
        let selection = self.selection(index, synapses, context)?;
        Ok(Step::Set {
            target: h,
            var: v.to_string(),
            value: Self::value(value),
            selection,
            value_span,
            context: context.to_string(),
            span,
        })
    }
}

/// After setting per-synapse delays (`init`, a protocol `set` of `delay` or
/// `PATHWAY.delay`): a negative or non-finite delay is an error here, at the
/// value that set it (Brian2 never checks; the run would refuse it without
/// saying where it came from).
fn check_delays(net: &Network, h: Handle, var: &str, file: &Arc<Source>, at: Span, context: &str) -> Result<()> {
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

fn count_span(c: &CountSpec) -> Span {
    match c {
        CountSpec::Int(_, span) => *span,
        CountSpec::Expr(s) => s.inner_span(),
    }
}

/// `G[a:b]` (bounds optional) → (G, a, b).
fn parse_slice(s: &str) -> Option<(&str, &str, &str)> {
    let s = s.trim();
    let open = s.find('[')?;
    let inner = s.strip_suffix(']')?.get(open + 1..)?;
    let base = s[..open].trim();
    let (a, b) = inner.split_once(':')?;
    let (a, b) = (a.trim(), b.trim());
    let ident = base.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    (ident && digits(a) && digits(b)).then_some((base, a, b))
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

#[cfg(test)]
mod tests {
    use super::parse_slice;

    #[test]
    fn slices() {
        assert_eq!(parse_slice("P[0:3200]"), Some(("P", "0", "3200")));
        assert_eq!(parse_slice(" P [ 5 : ] "), Some(("P", "5", "")));
        assert_eq!(parse_slice("P[:]"), Some(("P", "", "")));
        assert_eq!(parse_slice("P"), None);
        assert_eq!(parse_slice("P[-1:2]"), None);
        assert_eq!(parse_slice("1P[0:2]"), None);
    }
}
