//! The `[[monitors]]` section: the keys of each kind of monitor (spike, event,
//! state, rate) and what each kind needs.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;

impl Loader {
    pub(super) fn monitors(&mut self, n: Option<&Node>) -> Vec<MonitorSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = Self::where_of(item, "monitors", k);
            let Some(es) = self.table(item, &w, MONITOR_KEYS, &["name", "kind", "source"]) else {
                continue;
            };
            let Some(kind_e) = get(es, "kind") else { continue };
            let kind = as_str(&kind_e.node).map(|s| s.text).unwrap_or_default();
            let Some(&(_, keys)) = MONITOR_KINDS.iter().find(|m| m.0 == kind) else {
                self.err(
                    "bad-value",
                    kind_e.node.span,
                    format!(
                        "{w}.kind: expected one of spike, state, rate, event, got {}",
                        got(&kind_e.node)
                    ),
                );
                continue;
            };
            let mut ok = true;
            for e in es {
                if !keys.contains(&e.key.as_str()) {
                    let why = if e.key == "dt" {
                        " (it runs on the clock of its source)"
                    } else {
                        ""
                    };
                    self.err(
                        "unknown-key",
                        e.span,
                        format!("{w}: key '{}' does not apply to a {kind} monitor{why}", e.key),
                    );
                    ok = false;
                }
            }
            let name = self.name(es, &w, "monitors");
            let source = self.opt_str(es, "source", &w, "a group name");
            let variables = self.typed(es, "variables", &w, "a list of variable names", |n| match &n.v {
                V::Array(items) => items
                    .iter()
                    .map(|x| as_str(x).map(|s| (s.text, s.span)))
                    .collect::<Option<Vec<_>>>(),
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
            let record_bool = record_e.and_then(|e| match e.node.v {
                V::Bool(b) => Some(b),
                _ => None,
            });
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
                    let event_span = get(es, "event").map(|e| match &e.node.v {
                        V::Str(s) => s.inner_span(),
                        _ => e.node.span,
                    });
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
                        record,
                        schedule,
                    }),
                    _ => None,
                },
                "rate" => Some(MonitorKind::Rate { schedule }),
                _ => {
                    self.unsupported(kind_e.node.span, &w, &format!("'{kind}' monitors"));
                    None
                }
            };
            if let (true, Some(name), Some(source), Some(kind)) = (ok, name, source, spec_kind) {
                out.push(MonitorSpec {
                    name,
                    span: item.span,
                    source,
                    kind,
                });
            }
        }
        out
    }
}
