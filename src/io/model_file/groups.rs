//! The sections of groups and inputs: `[[neurons]]` (with their
//! `run_regularly` lists), `[[timed_arrays]]`, `[[poisson_inputs]]`,
//! `[[spike_generators]]`, `[[poisson]]` and `[[subgroups]]`.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;
use crate::diag::{Diagnostic, Span};

impl Loader {
    pub(super) fn neurons(&mut self, n: Option<&Node>) -> Vec<NeuronSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "neurons", k);
            let Some(es) = self.table(item, &w, NEURON_KEYS, &["name", "N", "model"]) else {
                continue;
            };
            let name = self.name(es, &w, "neurons");
            let count = self.count(es, "N", &w, 1);
            let [model, threshold, reset, refractory, method] = ["model", "threshold", "reset", "refractory", "method"]
                .map(|key| self.opt_str(es, key, &w, "a string"));
            let [events, run_on_event] = ["events", "run_on_event"].map(|key| {
                self.typed(es, key, &w, "a table of strings", as_str_table)
                    .unwrap_or_default()
            });
            if let Some(e) = get(es, "events")
                && let V::Table(ees) = &e.node.v
                && let Some(spike) = get(ees, "spike")
            {
                self.err_help(
                    "bad-name",
                    spike.span,
                    format!("{w}.events: 'spike' is the event of the threshold and cannot be redefined"),
                    "`events` names custom events only; the `threshold` defines the 'spike' event",
                );
            }
            let init = get(es, "init")
                .map(|e| self.init(&e.node, &format!("{w}.init")))
                .unwrap_or_default();
            let schedule = self.schedule(es, &w);
            let run_regularly = self.run_regularly(es, &w);
            if let (Some(name), Some(n), Some(model)) = (name, count, model) {
                out.push(NeuronSpec {
                    name,
                    span: item.span,
                    n,
                    model,
                    threshold,
                    reset,
                    refractory,
                    method,
                    init,
                    schedule,
                    run_regularly,
                    events,
                    run_on_event,
                });
            }
        }
        out
    }

    pub(super) fn run_regularly(&mut self, es: &[Entry], w: &str) -> Vec<RunRegularlySpec> {
        let mut out = Vec::new();
        let Some(e) = get(es, "run_regularly") else { return out };
        let V::Array(items) = &e.node.v else {
            self.err(
                "wrong-type",
                e.node.span,
                format!("{w}.run_regularly: expected a list of tables, got {}", got(&e.node)),
            );
            return out;
        };
        for (m, item) in items.iter().enumerate() {
            let rw = format!("{w}.run_regularly[{m}]");
            if let Some(res) = self.table(item, &rw, RUN_REGULARLY_KEYS, &["code"]) {
                let code = self.opt_str(res, "code", &rw, "a string");
                let sched = self.schedule(res, &rw);
                if let Some(code) = code {
                    out.push(RunRegularlySpec {
                        code,
                        dt: sched.dt,
                        when: sched.when,
                        context: rw,
                        span: item.span,
                    });
                }
            }
        }
        out
    }

    pub(super) fn timed_arrays(&mut self, n: Option<&Node>) -> Vec<TimedArraySpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "timed_arrays", k);
            let Some(es) = self.table(item, &w, TIMED_ARRAY_KEYS, &["name", "values", "dt"]) else {
                continue;
            };
            let name = self.name(es, &w, "timed_arrays");
            let unit = self.opt_str(es, "unit", &w, "a string");
            let dt = self.opt_str(es, "dt", &w, "a string");
            let Some(ve) = get(es, "values") else { continue };
            let values = match &ve.node.v {
                V::Str(s) => {
                    let length = match get(es, "length") {
                        None => {
                            self.err(
                                "missing-key",
                                item.span,
                                format!("{w}: missing key 'length' (needed when 'values' is an expression)"),
                            );
                            None
                        }
                        Some(l) => {
                            let span = l.node.span;
                            self.typed(es, "length", &w, "a positive integer", |n| as_int(n).filter(|&x| x > 0))
                                .map(|x| (x, span))
                        }
                    };
                    if s.text.trim().is_empty() {
                        self.err(
                            "bad-value",
                            ve.node.span,
                            format!("{w}.values: expected a non-empty expression"),
                        );
                        None
                    } else {
                        length.map(|(l, span)| TimedValues::Expr(s.clone(), l, span))
                    }
                }
                _ => {
                    if let Some(l) = get(es, "length") {
                        self.err(
                            "unknown-key",
                            l.span,
                            format!("{w}.length: only with an expression for 'values' (a list gives its own length)"),
                        );
                    }
                    let v = timed_values(&ve.node);
                    if v.is_none() {
                        self.err(
                            "wrong-type",
                            ve.node.span,
                            format!(
                                "{w}.values: expected a non-empty list of numbers, a rectangular list of lists of numbers or a string expression (with 'length')"
                            ),
                        );
                    }
                    v
                }
            };
            if let (Some(name), Some(values), Some(dt)) = (name, values, dt) {
                out.push(TimedArraySpec {
                    name,
                    span: item.span,
                    values,
                    unit,
                    dt,
                });
            }
        }
        out
    }

    pub(super) fn poisson_inputs(&mut self, n: Option<&Node>) -> Vec<PoissonInputSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "poisson_inputs", k);
            let Some(es) = self.table(item, &w, POISSON_INPUT_KEYS, POISSON_INPUT_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "poisson_inputs");
            let target = self.opt_str(es, "target", &w, "a group name");
            let target_var = self.opt_str(es, "target_var", &w, "a variable name");
            let count = self.count(es, "N", &w, 1);
            let rate = self.opt_str(es, "rate", &w, "a string such as \"10*Hz\"");
            let weight = self.opt_str(es, "weight", &w, "a string (a quantity or an expression)");
            if let (Some(name), Some(target), Some(target_var), Some(n), Some(rate), Some(weight)) =
                (name, target, target_var, count, rate, weight)
            {
                out.push(PoissonInputSpec {
                    name,
                    span: item.span,
                    target,
                    target_var,
                    n,
                    rate,
                    weight,
                });
            }
        }
        out
    }

    pub(super) fn spike_generators(&mut self, n: Option<&Node>) -> Vec<GeneratorSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "spike_generators", k);
            let Some(es) = self.table(item, &w, GENERATOR_KEYS, &["name", "N", "indices", "times"]) else {
                continue;
            };
            let name = self.name(es, &w, "spike_generators");
            let count = self.count(es, "N", &w, 1);
            let indices = self.typed(es, "indices", &w, "a list of integers", as_int_list);
            let times = self.typed(
                es,
                "times",
                &w,
                "a list of strings with units or numbers in seconds",
                |n| matches!(n.v, V::Array(_)).then_some(()),
            );
            // each time on its own: an error points at the one that is wrong
            let times = times.and_then(|()| {
                let items = Self::items(get(es, "times").map(|e| &e.node));
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (k, x) in items.iter().enumerate() {
                    match &x.v {
                        V::Str(s) => out.push(TimeSpec::Expr(s.clone())),
                        _ => match as_num(x) {
                            Some(t) => out.push(TimeSpec::Seconds(t, x.span)),
                            None => {
                                self.err(
                                    "wrong-type",
                                    x.span,
                                    format!(
                                        "{w}.times[{k}]: expected a string with units or a number in seconds, got {}",
                                        got(x)
                                    ),
                                );
                                ok = false;
                            }
                        },
                    }
                }
                ok.then_some(out)
            });
            let period = self.opt_str(es, "period", &w, "a string");
            let spans_of = |key: &str| match get(es, key).map(|e| &e.node.v) {
                Some(V::Array(items)) => items.iter().map(|x| x.span).collect(),
                _ => Vec::new(),
            };
            let index_spans: Vec<Span> = spans_of("indices");
            if let (Some(i), Some(t)) = (&indices, &times)
                && i.len() != t.len()
            {
                let at = get(es, "times").map_or(item.span, |e| e.node.span);
                let first = get(es, "indices").map(|e| e.node.span);
                let mut d = Diagnostic::at(
                    "bad-length",
                    &self.file,
                    at,
                    format!("{w}: 'indices' has {} entries but 'times' has {}", i.len(), t.len()),
                )
                .with_label(format!("{} times", t.len()))
                .with_help("give one time per index: spike k is neuron indices[k] at times[k]");
                if let Some(f) = first {
                    d = d.with_note(Some(self.file.clone()), f, format!("{} indices", i.len()));
                }
                self.errors.push(d);
                continue;
            }
            if let (Some(name), Some(n), Some(indices), Some(times)) = (name, count, indices, times) {
                out.push(GeneratorSpec {
                    name,
                    span: item.span,
                    n,
                    indices,
                    index_spans,
                    times,
                    period,
                });
            }
        }
        out
    }

    pub(super) fn poisson(&mut self, n: Option<&Node>) -> Vec<PoissonSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "poisson", k);
            let Some(es) = self.table(item, &w, POISSON_KEYS, POISSON_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "poisson");
            let count = self.count(es, "N", &w, 1);
            let rates = self.opt_str(es, "rates", &w, "a string (a quantity or an expression)");
            if let (Some(name), Some(n), Some(rates)) = (name, count, rates) {
                out.push(PoissonSpec {
                    name,
                    span: item.span,
                    n,
                    rates,
                });
            }
        }
        out
    }

    pub(super) fn subgroups(&mut self, n: Option<&Node>) -> Vec<SubgroupSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "subgroups", k);
            let Some(es) = self.table(item, &w, SUBGROUP_KEYS, SUBGROUP_KEYS) else {
                continue;
            };
            let name = self.name(es, &w, "subgroups");
            let of = self.opt_str(es, "of", &w, "a group name");
            let start = self.count(es, "start", &w, 0);
            let stop = self.count(es, "stop", &w, 0);
            if let (Some(name), Some(of), Some(start), Some(stop)) = (name, of, start, stop) {
                out.push(SubgroupSpec {
                    name,
                    span: item.span,
                    of,
                    start,
                    stop,
                });
            }
        }
        out
    }
}
