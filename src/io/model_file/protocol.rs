//! The `[[protocol]]` section: the steps a model file asks for (`run`,
//! `store`, `restore`, `set`, `set_dt`, `set_spikes`), each op with its own
//! keys.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;

impl Loader {
    pub(super) fn protocol(&mut self, n: Option<&Node>) -> Vec<StepSpec> {
        let w = |_: &Node, k: usize| format!("protocol[{k}]");
        self.tables(Self::items(n), w, PROTOCOL_KEYS, &["op"], Self::protocol_step)
    }

    /// One table of `[[protocol]]` (`w`: where it is, for messages).
    fn protocol_step(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<StepSpec> {
        let not_allowed = |key: &str, op: &str| format!("{w}: key '{key}' does not apply to op '{op}'");
        let (op, mut ok) = self.variant(
            es,
            "op",
            &w,
            &PROTOCOL_OPS,
            "run, store, restore, set, set_dt, set_spikes",
            not_allowed,
        )?;
        let need: &[&str] = match op.as_str() {
            "run" => &["duration"],
            "set" => &["target", "var", "value"],
            "set_dt" => &["dt"],
            "set_spikes" => &["target", "indices", "times"],
            _ => &[],
        };
        for key in need {
            if get(es, key).is_none() {
                self.err(
                    "missing-key",
                    item.span,
                    format!("{w}: missing key '{key}' (needed by op '{op}')"),
                );
                ok = false;
            }
        }
        let [duration, name, target, var, dt, clock, period] =
            ["duration", "name", "target", "var", "dt", "clock", "period"]
                .map(|key| self.opt_str(es, key, &w, "a string"));
        let spikes = if op == "set_spikes" {
            self.spike_list(es, &w, item.span)
        } else {
            None
        };
        let value = match get(es, "value") {
            Some(e) if matches!(e.node.v, V::Table(_)) => self
                .data_values(&e.node, &format!("{w}.value"), &super::data::VALUES)
                .map(|d| ValueSpec::Data(Box::new(d))),
            _ => self.typed(
                es,
                "value",
                &w,
                "a string expression, a number, a list of numbers or a { file = \"...\" } table",
                as_value,
            ),
        };
        let index = self.typed(
            es,
            "index",
            &w,
            "a condition string or a synapse view ([i, j], [\"0:3\", \":\"], [i, j, k])",
            as_index,
        );
        let file = self.opt_str(es, "file", &w, "a path (relative to the model file)");
        let file_span = file.as_ref().map(Str::inner_span);
        let file = file.map(|f| self.resolve(&f.text));
        let random_state = self.typed(es, "random_state", &w, "a boolean", as_bool);
        if !ok {
            return None;
        }
        match op.as_str() {
            "run" => Some(StepSpec::Run {
                duration: duration?,
                context: w,
                span: item.span,
            }),
            "set" => Some(StepSpec::Set {
                target: target?,
                var: var?,
                value: value?,
                index,
                value_span: get(es, "value").map_or(item.span, |e| value_span(&e.node)),
                context: w,
                span: item.span,
            }),
            "set_dt" => Some(StepSpec::SetDt {
                dt: dt?,
                clock,
                context: w,
                span: item.span,
            }),
            "set_spikes" => {
                let spikes = spikes?;
                Some(StepSpec::SetSpikes {
                    target: target?,
                    indices: spikes.indices,
                    index_spans: spikes.index_spans,
                    indices_file: spikes.indices_file,
                    times: spikes.times,
                    period,
                    context: w,
                    span: item.span,
                })
            }
            _ => Some(StepSpec::Store {
                name_span: name.as_ref().map(Str::inner_span),
                name: name.map_or_else(|| "default".to_string(), |n| n.text),
                restore: op == "restore",
                file,
                file_span,
                random_state: random_state.unwrap_or(false),
                context: w,
                span: item.span,
            }),
        }
    }
}
