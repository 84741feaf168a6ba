//! The `[[monitors]]` section: the keys of each kind of monitor (spike, event,
//! state, rate) and what each kind needs.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;

impl Loader {
    pub(super) fn monitors(&mut self, n: Option<&Node>) -> Vec<MonitorSpec> {
        self.section(
            n,
            "monitors",
            MONITOR_KEYS,
            &["name", "kind", "source"],
            Self::monitors_table,
        )
    }

    /// One table of `[[monitors]]` (`w`: where it is, for messages).
    fn monitors_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<MonitorSpec> {
        let not_allowed = |key: &str, kind: &str| {
            let why = if key == "dt" {
                " (it runs on the clock of its source)"
            } else {
                ""
            };
            format!("{w}: key '{key}' does not apply to a {kind} monitor{why}")
        };
        let (kind, ok) = self.variant(es, "kind", &w, &MONITOR_KINDS, "spike, state, rate, event", not_allowed)?;
        let name = self.name(es, &w, "monitors");
        let source = self.opt_str(es, "source", &w, "a group name");
        // `variables = "all"` (Brian2's `variables=True`): state monitors only
        let all_variables =
            kind == "state" && get(es, "variables").is_some_and(|e| as_str(&e.node).is_some_and(|s| s.text == "all"));
        let what = if kind == "state" {
            "a list of variable names or \"all\""
        } else {
            "a list of variable names"
        };
        let variables = self.typed(es, "variables", &w, what, |n| match &n.v {
            V::Array(items) => items
                .iter()
                .map(|x| as_str(x).map(|s| (s.text, s.span)))
                .collect::<Option<Vec<_>>>(),
            _ if all_variables => Some(Vec::new()),
            _ => None,
        });
        let record_e = get(es, "record");
        let record = if kind == "spike" {
            self.typed(es, "record", &w, "true or false", |n| {
                matches!(n.v, V::Bool(_)).then_some(RecordSpec::All)
            })
        } else {
            self.typed(es, "record", &w, "true, false or a list of indices", |n| match &n.v {
                V::Bool(true) => Some(RecordSpec::All),
                V::Bool(false) => Some(RecordSpec::Indices(vec![], n.span)),
                V::Int(i) => Some(RecordSpec::Indices(vec![*i], n.span)),
                _ => as_int_list(n).map(|v| RecordSpec::Indices(v, n.span)),
            })
        };
        let record_bool = record_e.and_then(|e| as_bool(&e.node));
        let has_vars = variables.as_ref().is_some_and(|v| !v.is_empty());
        if kind == "spike" && record_bool == Some(false) && has_vars {
            self.err(
                "bad-value",
                item.span,
                format!(
                    "{w}: 'variables' cannot be recorded with record = false (it keeps only the per-neuron counts)"
                ),
            );
        }
        let schedule = self.schedule(es, &w);
        self.opt_str(es, "event", &w, "an event name");
        if kind == "state" {
            for key in ["variables", "record"] {
                if get(es, key).is_none() {
                    self.err(
                        "missing-key",
                        item.span,
                        format!("{w}: missing key '{key}' (needed by a state monitor)"),
                    );
                }
            }
        }
        if kind == "event" && get(es, "event").is_none() {
            self.err(
                "missing-key",
                item.span,
                format!("{w}: missing key 'event' (needed by an event monitor)"),
            );
        }
        // what spikejit does not implement yet
        let spec_kind = match kind.as_str() {
            "spike" | "event" => {
                let event = if kind == "event" {
                    get(es, "event")
                        .and_then(|e| as_str(&e.node))
                        .map(|s| s.text.trim().to_string())
                } else {
                    Some("spike".to_string())
                };
                let event_span = get(es, "event").map(|e| value_span(&e.node));
                event.map(|event| MonitorKind::Spike {
                    record: record_bool.unwrap_or(true),
                    event,
                    event_span,
                    variables: variables.unwrap_or_default(),
                    schedule,
                })
            }
            "state" => match (variables, record) {
                (Some(variables), Some(record)) => Some(MonitorKind::State {
                    variables,
                    all_variables,
                    record,
                    schedule,
                }),
                _ => None,
            },
            "rate" => Some(MonitorKind::Rate { schedule }),
            _ => {
                self.unsupported(
                    get(es, "kind").map_or(item.span, |e| e.node.span),
                    &w,
                    &format!("'{kind}' monitors"),
                );
                None
            }
        };
        let (true, Some(name), Some(source), Some(kind)) = (ok, name, source, spec_kind) else {
            return None;
        };
        Some(MonitorSpec {
            name,
            span: item.span,
            source,
            kind,
        })
    }
}
