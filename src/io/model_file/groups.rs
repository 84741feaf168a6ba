//! The sections of groups and inputs: `[[neurons]]` (with their
//! `run_regularly` lists), `[[timed_arrays]]`, `[[poisson_inputs]]`,
//! `[[spike_generators]]`, `[[poisson]]` and `[[subgroups]]`.

use super::data::{TIMED_VALUES, TIMES};
use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;
use crate::diag::{Diagnostic, Span};

/// The spikes of a spike generator or a `set_spikes` step, as written.
pub(super) struct SpikeList {
    /// The neuron of each spike.
    pub(super) indices: Vec<i64>,
    /// Where each index is (none when they come from a file).
    pub(super) index_spans: Vec<Span>,
    /// The file the indices come from, when they do.
    pub(super) indices_file: Option<DataFile>,
    /// The time of each spike.
    pub(super) times: SpikeTimes,
}

impl Loader {
    pub(super) fn neurons(&mut self, n: Option<&Node>) -> Vec<NeuronSpec> {
        self.section(n, "neurons", NEURON_KEYS, &["name", "model"], Self::neurons_table)
    }

    /// One table of `[[neurons]]` (`w`: where it is, for messages).
    fn neurons_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<NeuronSpec> {
        let name = self.name(es, &w, "neurons");
        let count = match (get(es, "N"), get(es, "morphology")) {
            (Some(n), Some(_)) => {
                self.err_help(
                    "bad-key",
                    n.span,
                    format!("{w}: give either 'N' or 'morphology', not both"),
                    "a spatial neuron has one element per compartment of its morphology",
                );
                None
            }
            (None, None) => {
                self.err(
                    "missing-key",
                    item.span,
                    format!("{w}: missing key 'N' (or 'morphology' for a spatial neuron)"),
                );
                None
            }
            (Some(_), None) => self.count(es, "N", &w, 1),
            (None, Some(_)) => None,
        };
        let model = self.code(es, "model", &w);
        let [threshold, reset, refractory, method] =
            ["threshold", "reset", "refractory", "method"].map(|key| self.opt_str(es, key, &w, "a string"));
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
        let (init, schedule, run_regularly) = self.init_schedule_run_regularly(es, &w);
        let settings = self.object_settings(es, &w);
        let links = self.links(es, &w);
        let spatial = self.spatial(es, &w, &init);
        let count = match &spatial {
            Some(s) => Some(CountSpec::Int(
                s.morphology.total_compartments() as i64,
                s.morphology_span,
            )),
            None => count,
        };
        let (Some(name), Some(n), Some(model)) = (name, count, model) else {
            return None;
        };
        Some(NeuronSpec {
            name,
            span: item.span,
            n,
            model,
            threshold,
            reset,
            refractory,
            method,
            init,
            links,
            schedule,
            run_regularly,
            events,
            run_on_event,
            settings,
            spatial,
        })
    }

    pub(super) fn run_regularly(&mut self, es: &[Entry], w: &str) -> Vec<RunRegularlySpec> {
        self.list_of_tables(
            es,
            "run_regularly",
            w,
            RUN_REGULARLY_KEYS,
            &["code"],
            |l, rw, item, res| {
                let code = l.opt_str(res, "code", &rw, "a string");
                let sched = l.schedule(res, &rw);
                Some(RunRegularlySpec {
                    code: code?,
                    dt: sched.dt,
                    when: sched.when,
                    context: rw,
                    span: item.span,
                })
            },
        )
    }

    pub(super) fn timed_arrays(&mut self, n: Option<&Node>) -> Vec<TimedArraySpec> {
        self.section(
            n,
            "timed_arrays",
            TIMED_ARRAY_KEYS,
            &["name", "values", "dt"],
            Self::timed_arrays_table,
        )
    }

    /// One table of `[[timed_arrays]]` (`w`: where it is, for messages).
    fn timed_arrays_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<TimedArraySpec> {
        let name = self.name(es, &w, "timed_arrays");
        let unit = self.opt_str(es, "unit", &w, "a string");
        let dt = self.opt_str(es, "dt", &w, "a string");
        let ve = get(es, "values")?;
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
            V::Table(_) => {
                if let Some(l) = get(es, "length") {
                    self.err(
                        "unknown-key",
                        l.span,
                        format!("{w}.length: only with an expression for 'values' (a file gives its own length)"),
                    );
                }
                let vw = format!("{w}.values");
                self.data_file(&ve.node, &vw, &TIMED_VALUES)
                    .and_then(|(data, file, _)| {
                        let cols = (file.info.shape.len() == 2).then(|| file.info.shape[1]);
                        if file.info.is_empty() {
                            self.err(
                                "bad-shape",
                                file.span,
                                format!("{vw}: {} holds no values", file.describe()),
                            );
                            return None;
                        }
                        match data.into_f64() {
                            Ok(values) => Some(TimedValues::Data { values, cols, file }),
                            Err(e) => {
                                self.err(e.code, file.span, format!("{vw}: {}: {}", file.describe(), e.message));
                                None
                            }
                        }
                    })
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
                            "{w}.values: expected a non-empty list of numbers, a rectangular list of lists of numbers, a string expression (with 'length') or a {{ file = \"...\" }} table"
                        ),
                    );
                }
                v
            }
        };
        let (Some(name), Some(values), Some(dt)) = (name, values, dt) else {
            return None;
        };
        Some(TimedArraySpec {
            name,
            span: item.span,
            values,
            unit,
            dt,
        })
    }

    pub(super) fn poisson_inputs(&mut self, n: Option<&Node>) -> Vec<PoissonInputSpec> {
        self.section(
            n,
            "poisson_inputs",
            POISSON_INPUT_KEYS,
            POISSON_INPUT_KEYS,
            Self::poisson_inputs_table,
        )
    }

    /// One table of `[[poisson_inputs]]` (`w`: where it is, for messages).
    fn poisson_inputs_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<PoissonInputSpec> {
        let name = self.name(es, &w, "poisson_inputs");
        let target = self.opt_str(es, "target", &w, "a group name");
        let target_var = self.opt_str(es, "target_var", &w, "a variable name");
        let count = self.count(es, "N", &w, 1);
        let rate = self.opt_str(es, "rate", &w, "a string such as \"10*Hz\"");
        let weight = self.opt_str(es, "weight", &w, "a string (a quantity or an expression)");
        let (Some(name), Some(target), Some(target_var), Some(n), Some(rate), Some(weight)) =
            (name, target, target_var, count, rate, weight)
        else {
            return None;
        };
        Some(PoissonInputSpec {
            name,
            span: item.span,
            target,
            target_var,
            n,
            rate,
            weight,
        })
    }

    pub(super) fn spike_generators(&mut self, n: Option<&Node>) -> Vec<GeneratorSpec> {
        self.section(
            n,
            "spike_generators",
            GENERATOR_KEYS,
            &["name", "N", "indices", "times"],
            Self::spike_generators_table,
        )
    }

    /// One table of `[[spike_generators]]` (`w`: where it is, for messages).
    fn spike_generators_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<GeneratorSpec> {
        let name = self.name(es, &w, "spike_generators");
        let count = self.count(es, "N", &w, 1);
        let spikes = self.spike_list(es, &w, item.span);
        let period = self.opt_str(es, "period", &w, "a string");
        let (Some(name), Some(n), Some(spikes)) = (name, count, spikes) else {
            return None;
        };
        Some(GeneratorSpec {
            name,
            span: item.span,
            n,
            indices: spikes.indices,
            index_spans: spikes.index_spans,
            indices_file: spikes.indices_file,
            times: spikes.times,
            period,
        })
    }

    /// The `indices` and `times` of a spike generator or a `set_spikes` step
    /// (`w`: where, `span`: its table), each a list or a `{ file = ... }`
    /// table: one time per index, each checked; the file of the indices when
    /// they come from one.
    pub(super) fn spike_list(&mut self, es: &[Entry], w: &str, item_span: Span) -> Option<SpikeList> {
        let mut indices_file = None;
        let indices = match get(es, "indices") {
            Some(e) if matches!(e.node.v, V::Table(_)) => {
                self.data_indices(&e.node, &format!("{w}.indices")).map(|(v, file)| {
                    indices_file = Some(file);
                    v
                })
            }
            _ => self.typed(
                es,
                "indices",
                w,
                "a list of integers or a { file = \"...\" } table",
                as_int_list,
            ),
        };
        let times_file = match get(es, "times") {
            Some(e) if matches!(e.node.v, V::Table(_)) => {
                Some(self.data_values(&e.node, &format!("{w}.times"), &TIMES))
            }
            _ => None,
        };
        let times = if times_file.is_some() {
            None
        } else {
            self.typed(
                es,
                "times",
                w,
                "a list of strings with units or numbers in seconds, or a { file = \"...\" } table",
                |n| matches!(n.v, V::Array(_)).then_some(()),
            )
        };
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
            ok.then_some(SpikeTimes::List(out))
        });
        let times = match times_file {
            Some(data) => data.map(SpikeTimes::Data),
            None => times,
        };
        let spans_of = |key: &str| match get(es, key).map(|e| &e.node.v) {
            Some(V::Array(items)) => items.iter().map(|x| x.span).collect(),
            _ => Vec::new(),
        };
        let index_spans: Vec<Span> = spans_of("indices");
        let times_len = |t: &SpikeTimes| match t {
            SpikeTimes::List(l) => l.len(),
            SpikeTimes::Data(d) => d.values.len(),
        };
        if let (Some(i), Some(t)) = (&indices, &times)
            && i.len() != times_len(t)
        {
            let t_len = times_len(t);
            let at = get(es, "times").map_or(item_span, |e| value_span(&e.node));
            let first = get(es, "indices").map(|e| value_span(&e.node));
            let mut d = Diagnostic::at(
                "bad-length",
                &self.file,
                at,
                format!("{w}: 'indices' has {} entries but 'times' has {t_len}", i.len()),
            )
            .with_label(format!("{t_len} times"))
            .with_help("give one time per index: spike k is neuron indices[k] at times[k]");
            if let Some(f) = first {
                d = d.with_note(Some(self.file.clone()), f, format!("{} indices", i.len()));
            }
            self.errors.push(d);
            return None;
        }
        Some(SpikeList {
            indices: indices?,
            index_spans,
            indices_file,
            times: times?,
        })
    }

    pub(super) fn poisson(&mut self, n: Option<&Node>) -> Vec<PoissonSpec> {
        self.section(n, "poisson", POISSON_KEYS, POISSON_KEYS, Self::poisson_table)
    }

    /// One table of `[[poisson]]` (`w`: where it is, for messages).
    fn poisson_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<PoissonSpec> {
        let name = self.name(es, &w, "poisson");
        let count = self.count(es, "N", &w, 1);
        let rates = self.opt_str(es, "rates", &w, "a string (a quantity or an expression)");
        let (Some(name), Some(n), Some(rates)) = (name, count, rates) else {
            return None;
        };
        Some(PoissonSpec {
            name,
            span: item.span,
            n,
            rates,
        })
    }

    pub(super) fn subgroups(&mut self, n: Option<&Node>) -> Vec<SubgroupSpec> {
        self.section(n, "subgroups", SUBGROUP_KEYS, SUBGROUP_KEYS, Self::subgroups_table)
    }

    /// One table of `[[subgroups]]` (`w`: where it is, for messages).
    fn subgroups_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<SubgroupSpec> {
        let name = self.name(es, &w, "subgroups");
        let of = self.opt_str(es, "of", &w, "a group name");
        let start = self.count(es, "start", &w, 0);
        let stop = self.count(es, "stop", &w, 0);
        let (Some(name), Some(of), Some(start), Some(stop)) = (name, of, start, stop) else {
            return None;
        };
        Some(SubgroupSpec {
            name,
            span: item.span,
            of,
            start,
            stop,
        })
    }
}
