//! The `[[protocol]]` section: the steps a model file asks for (`run`,
//! `store`, `restore`, `set`), each op with its own keys.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;

impl Loader {
    pub(super) fn protocol(&mut self, n: Option<&Node>) -> Vec<StepSpec> {
        let mut out = Vec::new();
        for (k, item) in Self::items(n).iter().enumerate() {
            let w = format!("protocol[{k}]");
            let Some(es) = self.table(item, &w, PROTOCOL_KEYS, &["op"]) else {
                continue;
            };
            let Some(op_e) = get(es, "op") else { continue };
            let op = as_str(&op_e.node).map(|s| s.text).unwrap_or_default();
            let Some(&(_, keys)) = PROTOCOL_OPS.iter().find(|o| o.0 == op) else {
                self.err(
                    "bad-value",
                    op_e.node.span,
                    format!(
                        "{w}.op: expected one of run, store, restore, set, got {}",
                        got(&op_e.node)
                    ),
                );
                continue;
            };
            let mut ok = true;
            for e in es {
                if !keys.contains(&e.key.as_str()) {
                    self.err(
                        "unknown-key",
                        e.span,
                        format!("{w}: key '{}' does not apply to op '{op}'", e.key),
                    );
                    ok = false;
                }
            }
            let need: &[&str] = match op.as_str() {
                "run" => &["duration"],
                "set" => &["target", "var", "value"],
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
            let [duration, name, target, var] =
                ["duration", "name", "target", "var"].map(|key| self.opt_str(es, key, &w, "a string"));
            let value = self.typed(
                es,
                "value",
                &w,
                "a string expression, a number or a list of numbers",
                as_value,
            );
            let index = self.typed(es, "index", &w, "a condition string or an [i, j] pair", as_index);
            match op.as_str() {
                "run" => {
                    if let (true, Some(duration)) = (ok, duration) {
                        out.push(StepSpec::Run {
                            duration,
                            context: w,
                            span: item.span,
                        });
                    }
                }
                "set" => {
                    if let (true, Some(target), Some(var), Some(value)) = (ok, target, var, value) {
                        let value_span = get(es, "value").map_or(item.span, |e| match &e.node.v {
                            V::Str(s) => s.inner_span(),
                            _ => e.node.span,
                        });
                        out.push(StepSpec::Set {
                            target,
                            var,
                            value,
                            index,
                            value_span,
                            context: w,
                            span: item.span,
                        });
                    }
                }
                _ => {
                    if ok {
                        out.push(StepSpec::Store {
                            name_span: name.as_ref().map(Str::inner_span),
                            name: name.map_or_else(|| "default".to_string(), |n| n.text),
                            restore: op == "restore",
                            context: w,
                            span: item.span,
                        });
                    }
                }
            }
        }
        out
    }
}
