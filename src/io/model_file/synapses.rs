//! The `[[synapses]]` section: pathways, delays, events, and the `connect`
//! list of each synapses object.

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;

impl Loader {
    pub(super) fn synapses(&mut self, n: Option<&Node>) -> Vec<SynapsesSpec> {
        self.section(
            n,
            "synapses",
            SYNAPSE_KEYS,
            &["name", "source", "target"],
            Self::synapses_table,
        )
    }

    /// One table of `[[synapses]]` (`w`: where it is, for messages).
    fn synapses_table(&mut self, w: String, item: &Node, es: &[Entry]) -> Option<SynapsesSpec> {
        let name = self.name(es, &w, "synapses");
        let model = self.code(es, "model", &w);
        let [source, target, method, msi] =
            ["source", "target", "method", "multisynaptic_index"].map(|key| self.opt_str(es, key, &w, "a string"));
        let what = "a string or a table of strings per pathway";
        let pathways = |default: &str| {
            let default = default.to_string();
            move |n: &Node| match &n.v {
                V::Str(s) if s.text.is_empty() => Some(vec![]),
                V::Str(s) => Some(vec![(default.clone(), s.clone())]),
                _ => as_str_table(n),
            }
        };
        let on_pre = self.typed(es, "on_pre", &w, what, pathways("pre")).unwrap_or_default();
        let on_post = self
            .typed(es, "on_post", &w, what, pathways("post"))
            .unwrap_or_default();
        let delay = self.typed(es, "delay", &w, what, |n| match &n.v {
            V::Str(s) => Some(DelaySpec::Scalar(s.clone())),
            _ => as_str_table(n).map(DelaySpec::PerPathway),
        });
        let on_event = self.typed(es, "on_event", &w, what, |n| match &n.v {
            V::Str(s) => Some(vec![(String::new(), s.clone())]),
            _ => as_str_table(n),
        });
        let names: Vec<&str> = on_pre.iter().chain(&on_post).map(|p| p.0.as_str()).collect();
        let mut pathway_events = Vec::new();
        if let (Some(events), Some(e)) = (on_event, get(es, "on_event")) {
            for (pw, ev) in &events {
                if pw.is_empty() {
                    // one event for every pathway
                    pathway_events.extend(names.iter().map(|n| (n.to_string(), ev.text.trim().to_string())));
                } else if !names.contains(&pw.as_str()) {
                    let list = if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    };
                    self.err(
                        "unknown-pathway",
                        e.node.span,
                        format!("{w}.on_event: unknown pathway '{pw}' (pathways: {list})"),
                    );
                } else {
                    pathway_events.push((pw.clone(), ev.text.trim().to_string()));
                }
            }
        }
        let summed_when = self
            .typed(
                es,
                "summed_when",
                &w,
                "a table of slots per summed variable",
                as_str_table,
            )
            .unwrap_or_default();
        let connect = self.connect(es, &w);
        let (init, schedule, run_regularly) = self.init_schedule_run_regularly(es, &w);
        self.refuse_sections(&init, "synapses have no morphology");
        let settings = self.object_settings(es, &w);
        let links = self.links(es, &w);
        let (Some(name), Some(source), Some(target)) = (name, source, target) else {
            return None;
        };
        Some(SynapsesSpec {
            name,
            span: item.span,
            source,
            target,
            model,
            on_pre,
            on_post,
            delay,
            method,
            connect,
            init,
            links,
            schedule,
            run_regularly,
            on_event: pathway_events,
            on_event_span: get(es, "on_event").map(|e| value_span(&e.node)),
            multisynaptic_index: msi,
            summed_when,
            settings,
        })
    }

    pub(super) fn connect(&mut self, es: &[Entry], w: &str) -> Vec<ConnectSpec> {
        self.list_of_tables(es, "connect", w, CONNECT_KEYS, &[], Self::connect_table)
    }

    /// One table of a `connect` list (`cw`: where it is, for messages).
    fn connect_table(&mut self, cw: String, item: &Node, ces: &[Entry]) -> Option<ConnectSpec> {
        let condition = self.opt_str(ces, "condition", &cw, "a string");
        let p = self.typed(ces, "p", &cw, "a number or a string", |n| match &n.v {
            V::Str(s) => Some(ProbSpec::Expr(s.clone())),
            _ => as_num(n).map(|x| ProbSpec::Number(x, n.span)),
        });
        let nn = self.typed(ces, "n", &cw, "an integer or a string", |n| match &n.v {
            V::Str(s) => Some(NSpec::Expr(s.clone())),
            _ => as_int(n).map(|k| NSpec::Int(k, n.span)),
        });
        let indices = |n: &Node| match &n.v {
            V::Str(s) => Some(IndicesSpec::Expr(s.clone())),
            V::Int(i) => Some(IndicesSpec::Int(*i)),
            _ => as_int_list(n).map(IndicesSpec::List),
        };
        let what = "an integer, a list of integers, a string or a { file = \"...\" } table";
        let mut files = Vec::new();
        let [i, j] = ["i", "j"].map(|key| match get(ces, key) {
            Some(e) if matches!(e.node.v, V::Table(_)) => {
                self.data_indices(&e.node, &format!("{cw}.{key}")).map(|(v, file)| {
                    files.push((key.to_string(), file));
                    IndicesSpec::List(v)
                })
            }
            _ => self.typed(ces, key, &cw, what, indices),
        });
        let skip = self.typed(ces, "skip_if_invalid", &cw, "a boolean", as_bool);
        let mut value_spans = Vec::new();
        for e in ces {
            value_spans.push((e.key.clone(), value_span(&e.node)));
            match &e.node.v {
                V::Array(items) => {
                    value_spans.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(k, x)| (format!("{}[{k}]", e.key), x.span)),
                    );
                }
                // one index stands for a list of one
                V::Int(_) => value_spans.push((format!("{}[0]", e.key), e.node.span)),
                _ => {}
            }
        }
        Some(ConnectSpec {
            context: cw,
            span: item.span,
            condition,
            p,
            n: nn,
            i,
            j,
            skip_if_invalid: skip.unwrap_or(false),
            value_spans,
            files,
        })
    }
}
