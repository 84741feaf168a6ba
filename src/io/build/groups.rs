//! Groups and inputs in the network: the name of a group, subgroup or slice
//! `G[a:b]` resolved to its handle; `[[neurons]]` (with `run_regularly`),
//! `[[spike_generators]]`, `[[poisson]]`, `[[subgroups]]`,
//! `[[timed_arrays]]` and `[[poisson_inputs]]` added to it.

use super::values::count_span;
use super::{Builder, Kind, locate, locate_with};
use crate::diag::{Diagnostic, Errors, Result, Span};
use crate::io::model_file::*;
use crate::sim::{
    Handle, LinkIndex, NeuronGroup, PoissonGroup, PoissonInput, RunRegularly, SpatialNeuron, SpikeGeneratorGroup,
    ThresholdLocation, TimedArray,
};
use crate::units::Dim;

impl Builder<'_> {
    /// A group, named subgroup, slice `G[a:b]` or (optionally) synapses, by name.
    pub(super) fn group(&mut self, s: &Str, ctx: &str, allow_synapses: bool) -> Result<Handle> {
        let text = s.text.trim();
        if let Some((base, location)) = text.split_once('.')
            && let Some(&(h, Kind::Neurons)) = self.objects.get(base.trim())
            && self.net.morphology(h).is_some()
        {
            // A location in a spatial neuron: `neuron.axon[10*um:50*um]`.
            if let Some(h) = self.net.handle(text) {
                return Ok(h);
            }
            // Errors in the location point at it in the file.
            let at = s.text.find(text).unwrap_or(0) + base.len() + 1;
            let lead = location.len() - location.trim_start().len();
            let offset = at + lead;
            let location = location.trim();
            return self.net.spatial_subgroup(h, location, Some(text)).map_err(|mut e| {
                for d in &mut e.0 {
                    if d.source.take_if(|src| src.text == location).is_some() {
                        d.span = s.sub_span(offset + d.span.start, offset + d.span.end.max(d.span.start));
                        d.source = Some(self.file().clone());
                        d.context.get_or_insert_with(|| ctx.to_string());
                    }
                }
                locate(e, self.file(), s.inner_span(), ctx)
            });
        }
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

    pub(super) fn neurons(&mut self, g: &NeuronSpec) {
        if let Some(h) = self.keep(&g.name, Kind::Neurons, |b| b.add_neurons(g)) {
            self.check_dtype_names(h, &g.settings, &format!("neurons '{}'", g.name));
            self.links(h, &g.links);
            self.run_regularly(h, &g.run_regularly, &g.schedule);
            self.init(h, &g.init, false);
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
        (spec.dt, spec.clock) = self.clock(&g.schedule, &ctx)?;
        (spec.namespace, spec.dtype, spec.method_options) = self.settings(&g.settings, &ctx)?;
        spec.order = self.order(&g.schedule.order, &ctx)?;
        spec.when = g.schedule.when.as_ref().map(|w| w.0.clone());
        spec.events = g.events.iter().map(|(n, c)| (n.clone(), c.code())).collect();
        spec.run_on_event = g.run_on_event.iter().map(|(n, c)| (n.clone(), c.code())).collect();
        let span_of = |s: &Option<Str>| s.as_ref().map(Str::inner_span);
        let hints = [
            (".events", g.events.first().map(|e| e.1.inner_span())),
            (".run_on_event", g.run_on_event.first().map(|e| e.1.inner_span())),
            (".method", span_of(&g.method)),
            (".method_options", g.settings.method_options.first().map(|o| o.2)),
            (".when", g.schedule.when.as_ref().map(|w| w.1)),
            (".refractory", span_of(&g.refractory)),
            (".threshold", span_of(&g.threshold)),
            (".reset", span_of(&g.reset)),
            (".N", Some(count_span(&g.n))),
        ];
        let Some(sp) = &g.spatial else {
            return self
                .net
                .add_neurons(spec)
                .map_err(|e| locate_with(e, self.file(), g.span, &ctx, &hints));
        };
        let per_area = Dim::METRE * Dim::METRE;
        let cm = match &sp.cm {
            Some(c) => self.quantity(c, &format!("{ctx}.Cm"), Dim::FARAD / per_area, "a capacitance per area")?,
            None => crate::sim::DEFAULT_CM,
        };
        let ri = match &sp.ri {
            Some(r) => self.quantity(r, &format!("{ctx}.Ri"), Dim::OHM * Dim::METRE, "a resistivity")?,
            None => crate::sim::DEFAULT_RI,
        };
        let threshold_location = sp.threshold_location.as_ref().map(|t| match t {
            ThresholdLocationSpec::Index(k, _) => {
                ThresholdLocation::Compartment(usize::try_from(*k).unwrap_or(usize::MAX))
            }
            ThresholdLocationSpec::Location(s) => ThresholdLocation::At(s.code()),
        });
        let mut neuron = SpatialNeuron::new(sp.morphology.clone(), g.model.code()).cm(cm).ri(ri);
        neuron.group = spec;
        neuron.threshold_location = threshold_location;
        let location_span = sp.threshold_location.as_ref().map(|t| match t {
            ThresholdLocationSpec::Index(_, span) => *span,
            ThresholdLocationSpec::Location(s) => s.inner_span(),
        });
        let hints: Vec<(&str, Option<Span>)> = hints
            .into_iter()
            .chain([
                (".threshold_location", location_span),
                (".morphology", Some(sp.morphology_span)),
            ])
            .collect();
        self.net
            .add_spatial_neuron(neuron)
            .map_err(|e| locate_with(e, self.file(), g.span, &ctx, &hints))
    }

    /// Links the `(linked)` variables of `h` (`links`), in order.
    pub(super) fn links(&mut self, h: Handle, links: &[LinkSpec]) {
        for l in links {
            let r = self.add_link(h, l);
            self.push(r);
        }
        let r = self.net.check_linked(h);
        self.push(r);
    }

    fn add_link(&mut self, h: Handle, l: &LinkSpec) -> Result<()> {
        let to = l.to.text.trim();
        let Some((group, var)) = to
            .rsplit_once('.')
            .filter(|(g, v)| !g.trim().is_empty() && !v.trim().is_empty())
        else {
            return Err(self.error(
                "bad-link",
                l.to.inner_span(),
                format!(
                    "{}: expected the variable linked to as \"GROUP.VAR\", got \"{to}\"",
                    l.context
                ),
            ));
        };
        let group_str = Str {
            text: group.trim().to_string(),
            ..l.to.clone()
        };
        let target = self.group(&group_str, &l.context, false)?;
        let r = match &l.index {
            None => self.net.link(h, &l.var, target, var.trim()),
            Some(LinkIndexSpec::List(ix, _)) => {
                let ix = ix.iter().map(|&k| k as usize).collect();
                self.net
                    .link_indexed(h, &l.var, target, var.trim(), LinkIndex::Array(ix))
            }
            Some(LinkIndexSpec::Var(s)) => {
                self.net
                    .link_indexed(h, &l.var, target, var.trim(), LinkIndex::Var(s.text.trim().to_string()))
            }
        };
        r.map_err(|mut e| {
            // an error about the index points at it, one about the linked variable at its key
            let index_span = match &l.index {
                Some(LinkIndexSpec::List(_, span)) => Some(*span),
                Some(LinkIndexSpec::Var(s)) => Some(s.inner_span()),
                None => None,
            };
            for d in e.0.iter_mut().filter(|d| d.source.is_none()) {
                let span = if d.message.contains("index") {
                    index_span
                } else if d.message.contains("(linked)") {
                    Some(l.var_span)
                } else {
                    None
                };
                d.source = Some(self.file().clone());
                d.span = span.unwrap_or_else(|| l.to.inner_span());
                d.message = format!("{}: {}", l.context, d.message);
            }
            e
        })
    }

    pub(super) fn spike_generator(&mut self, g: &GeneratorSpec) {
        self.keep(&g.name, Kind::Generator, |b| b.add_spike_generator(g));
    }

    fn add_spike_generator(&mut self, g: &GeneratorSpec) -> Result<Handle> {
        let ctx = format!("spike_generators '{}'", g.name);
        let n = self.count(&g.n, &format!("{ctx}.N"), 1)?;
        let list = match &g.times {
            SpikeTimes::List(list) => list.as_slice(),
            SpikeTimes::Data(_) => &[],
        };
        let time_spans = time_spans(list);
        let times = match &g.times {
            SpikeTimes::List(list) => self.spike_times(list, &ctx)?,
            SpikeTimes::Data(d) => self.spike_times_of_file(d, &ctx)?,
        };
        let period = match &g.period {
            Some(p) => self.non_negative_time(p, &format!("{ctx}.period"))?,
            None => 0.0,
        };
        self.check_spike_indices(&g.indices, &g.index_spans, g.indices_file.as_ref(), n, &ctx, g.span)?;
        let spec = SpikeGeneratorGroup {
            name: Some(g.name.clone()),
            n,
            indices: g.indices.clone(),
            times,
            period,
        };
        // errors about one spike point at its time (`.times[k]`), or at the file of the times
        let time_keys: Vec<String> = (0..time_spans.len()).map(|k| format!(".times[{k}]")).collect();
        let mut hints = vec![
            (".period", g.period.as_ref().map(Str::inner_span)),
            (".N", Some(count_span(&g.n))),
        ];
        hints.extend(time_keys.iter().zip(&time_spans).map(|(k, s)| (k.as_str(), Some(*s))));
        let whole = match &g.times {
            SpikeTimes::Data(d) => d.file.span,
            SpikeTimes::List(_) => g.span,
        };
        self.net
            .add_spike_generator(spec)
            .map_err(|e| locate_with(e, self.file(), whole, &ctx, &hints))
    }

    /// The times of a spike list in seconds, each a non-negative, finite
    /// time (an error points at the one that is not).
    pub(super) fn spike_times(&self, times: &[TimeSpec], ctx: &str) -> Result<Vec<f64>> {
        let time_spans = time_spans(times);
        times
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
            .collect::<Result<Vec<f64>>>()
    }

    /// Each index of a spike list must be one of the `n` neurons (an error
    /// points at the one that is not, or at the file that holds it; `span`
    /// when its place is unknown).
    pub(super) fn check_spike_indices(
        &self,
        indices: &[i64],
        index_spans: &[Span],
        file: Option<&DataFile>,
        n: usize,
        ctx: &str,
        span: Span,
    ) -> Result<()> {
        if let Some((k, bad)) = indices
            .iter()
            .enumerate()
            .find(|(_, x)| **x < 0 || **x as u64 >= n as u64)
        {
            let (at, entry) = match file {
                Some(f) => (f.span, format!(" (entry {k} of {})", f.describe())),
                None => (index_spans.get(k).copied().unwrap_or(span), String::new()),
            };
            return Err(self.error(
                "bad-index",
                at,
                format!(
                    "{ctx}.indices[{k}]: index {bad}{entry} is outside the range [0, {}] of the group's {n} neurons",
                    n - 1
                ),
            ));
        }
        Ok(())
    }

    /// The times of a file, in seconds: scaled by their `unit` (a time), each
    /// checked, an error naming the entry.
    pub(super) fn spike_times_of_file(&self, d: &DataValues, ctx: &str) -> Result<Vec<f64>> {
        let scale = match &d.unit {
            Some(u) => self.quantity(u, &format!("{ctx}.times.unit"), Dim::SECOND, "a time")?,
            None => 1.0,
        };
        let times: Vec<f64> = d.values.iter().map(|x| x * scale).collect();
        if let Some((k, x)) = times.iter().enumerate().find(|(_, x)| !(**x >= 0.0 && x.is_finite())) {
            let why = if *x < 0.0 { "negative" } else { "not a finite time" };
            return Err(Errors::one(
                Diagnostic::at(
                    "bad-time",
                    self.file(),
                    d.file.span,
                    format!(
                        "{ctx}.times[{k}]: a spike time must be a non-negative, finite time, got {} s (entry {k} of {})",
                        crate::units::py_float_repr(*x),
                        d.file.describe()
                    ),
                )
                .with_label(why),
            ));
        }
        Ok(times)
    }

    pub(super) fn poisson(&mut self, p: &PoissonSpec) {
        self.keep(&p.name, Kind::Poisson, |b| b.add_poisson(p));
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

    pub(super) fn subgroup(&mut self, s: &SubgroupSpec) {
        self.keep(&s.name, Kind::Subgroup, |b| b.add_subgroup(s));
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

    /// `run_regularly` entries of a group or synapses (their order is the owner's).
    pub(super) fn run_regularly(&mut self, owner: Handle, entries: &[RunRegularlySpec], schedule: &ScheduleSpec) {
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

    pub(super) fn timed_array(&mut self, t: &TimedArraySpec) {
        self.keep(&t.name, Kind::TimedArray, |b| b.add_timed_array(t));
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
            TimedValues::Data { values, cols, .. } => (values.iter().map(|x| x * scale).collect(), *cols),
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

    pub(super) fn poisson_input(&mut self, p: &PoissonInputSpec) {
        self.keep(&p.name, Kind::PoissonInput, |b| b.add_poisson_input(p));
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

/// Where each time of a spike list is in the file.
fn time_spans(times: &[TimeSpec]) -> Vec<Span> {
    times
        .iter()
        .map(|t| match t {
            TimeSpec::Seconds(_, span) => *span,
            TimeSpec::Expr(s) => s.inner_span(),
        })
        .collect()
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
