//! Spatial neurons in model files (Brian2's `SpatialNeuron`): the `morphology`
//! of a `[[neurons]]` table (a tree of sections, or an SWC file), its `Cm`,
//! `Ri` and `threshold_location`, and the `section` of its `init` steps.
//! Morphologies are read when the file is loaded: their values may use units
//! and the file's `[constants]`.

use std::sync::Arc;

use super::keys::*;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;
use crate::diag::{Diagnostic, Source, Span};
use crate::morphology::{FlatMorphology, Morphology};
use crate::units::Dim;

/// Evaluates the values of a morphology: numbers are metres, strings quantities.
struct Values {
    net: crate::sim::Network,
}

impl Values {
    /// A length: a number (metres) or a string evaluating to a length.
    fn length(&self, l: &mut Loader, n: &Node, w: &str) -> Option<f64> {
        match &n.v {
            V::Int(i) => Some(*i as f64),
            V::Float(x) => Some(*x),
            V::Str(s) => match self.net.eval_constant(&s.code(), w) {
                Ok((v, d)) if d.same(Dim::METRE) => Some(v),
                Ok((_, d)) => {
                    l.err(
                        "unit-mismatch",
                        s.inner_span(),
                        format!("{w}: {:?} is not a length (its unit is {d})", s.text.trim()),
                    );
                    None
                }
                Err(e) => {
                    l.errors.extend(e.0);
                    None
                }
            },
            _ => {
                l.err(
                    "wrong-type",
                    n.span,
                    format!(
                        "{w}: expected a length (a string such as \"10*um\", or metres), got {}",
                        got(n)
                    ),
                );
                None
            }
        }
    }

    /// A list of lengths (`what`: "n + 1 = 4 values").
    fn lengths(&self, l: &mut Loader, n: &Node, w: &str) -> Option<Vec<f64>> {
        let V::Array(items) = &n.v else {
            l.err(
                "wrong-type",
                n.span,
                format!("{w}: expected a list of lengths, got {}", got(n)),
            );
            return None;
        };
        let vals: Vec<Option<f64>> = items
            .iter()
            .enumerate()
            .map(|(k, x)| self.length(l, x, &format!("{w}[{k}]")))
            .collect();
        vals.into_iter().collect()
    }
}

impl Loader {
    /// The spatial keys of a `[[neurons]]` table (`init`: its steps, whose
    /// `section`s are checked against the morphology). `Cm`, `Ri`,
    /// `threshold_location` and `section` without a `morphology` are errors.
    pub(super) fn spatial(&mut self, es: &[Entry], w: &str, init: &[InitSpec]) -> Option<SpatialSpec> {
        let cm = self.opt_str(es, "Cm", w, "a string such as \"1*uF/cm**2\"");
        let ri = self.opt_str(es, "Ri", w, "a string such as \"100*ohm*cm\"");
        let threshold_location = self.typed(
            es,
            "threshold_location",
            w,
            "a compartment index or a location string such as \"axon[30*um]\"",
            |n| match &n.v {
                V::Int(i) => Some(ThresholdLocationSpec::Index(*i, n.span)),
                V::Str(s) => Some(ThresholdLocationSpec::Location(s.clone())),
                _ => None,
            },
        );
        let Some(me) = get(es, "morphology") else {
            for key in ["Cm", "Ri", "threshold_location"] {
                if let Some(e) = get(es, key) {
                    self.err_help(
                        "bad-key",
                        e.span,
                        format!("{w}: '{key}' is a key of spatial neurons, and this group has no 'morphology'"),
                        "give the group a `morphology` (a table of sections or { file = \"cell.swc\" })",
                    );
                }
            }
            self.refuse_sections(init, "the group has no 'morphology'");
            return None;
        };
        let mw = format!("{w}.morphology");
        let morphology = match &me.node.v {
            V::Table(t) if get(t, "file").is_some() => self.swc_morphology(&me.node, &mw),
            V::Table(_) => {
                let values = Values {
                    net: self.constants_network(),
                };
                self.morphology_section(&me.node, &mw, &values)
            }
            _ => {
                self.err(
                    "wrong-type",
                    me.node.span,
                    format!(
                        "{mw}: expected a table of sections or {{ file = \"cell.swc\" }}, got {}",
                        got(&me.node)
                    ),
                );
                None
            }
        }?;
        let flat = morphology.flatten();
        match &threshold_location {
            Some(ThresholdLocationSpec::Index(i, span)) if *i < 0 || *i as usize >= flat.n => {
                self.err(
                    "bad-value",
                    *span,
                    format!(
                        "{w}.threshold_location: compartment {i} does not exist (the morphology has {} compartments)",
                        flat.n
                    ),
                );
            }
            Some(ThresholdLocationSpec::Location(s)) => {
                if let Some(r) = self.location(&flat, s, &format!("{w}.threshold_location"))
                    && r.len() != 1
                {
                    self.err(
                        "bad-value",
                        s.inner_span(),
                        format!(
                            "{w}.threshold_location: {:?} names {} compartments, not one",
                            s.text,
                            r.len()
                        ),
                    );
                }
            }
            _ => {}
        }
        for step in init {
            if let Some(s) = &step.section {
                self.location(&flat, s, &format!("{}.section", step.context));
            }
        }
        Some(SpatialSpec {
            morphology,
            morphology_span: me.node.span,
            cm,
            ri,
            threshold_location,
        })
    }

    /// An error at each `section` of `init` steps where there is no morphology (`why`).
    pub(super) fn refuse_sections(&mut self, init: &[InitSpec], why: &str) {
        for step in init {
            if let Some(s) = &step.section {
                self.err_help(
                    "bad-key",
                    s.span,
                    format!(
                        "{}: 'section' selects compartments of a spatial neuron, and {why}",
                        step.context
                    ),
                    "use 'index' to select elements",
                );
            }
        }
    }

    /// The compartments a location string names; an error at the string when it names none.
    fn location(&mut self, flat: &FlatMorphology, s: &Str, w: &str) -> Option<std::ops::Range<usize>> {
        match flat.locate(&s.text) {
            Ok(r) => Some(r),
            Err((at, msg)) => {
                let end = (at + 1).min(s.text.len()).max(at);
                self.err("bad-location", s.sub_span(at, end), format!("{w}: {msg}"));
                None
            }
        }
    }

    /// A network holding the file's constants, to evaluate morphology values
    /// with (a constant that does not evaluate is reported by the build).
    fn constants_network(&self) -> crate::sim::Network {
        let mut net = crate::sim::Network::new();
        for c in &self.constants {
            let value = match &c.value {
                ConstantValue::Number(x) => Some((*x, Dim::ONE, crate::model::scope::ValTy::Float)),
                ConstantValue::Int(i) => Some((*i as f64, Dim::ONE, crate::model::scope::ValTy::Int)),
                ConstantValue::Expr(s) => net.eval_constant_typed(&s.code(), &c.name).ok(),
            };
            if let Some((v, d, ty)) = value {
                let _ = net.constant_typed(&c.name, v, d, ty);
            }
        }
        net
    }

    /// `morphology = { file = "cell.swc", spherical_soma = true }`.
    fn swc_morphology(&mut self, n: &Node, w: &str) -> Option<Morphology> {
        let es = self.table(n, w, MORPHOLOGY_FILE_KEYS, &["file"])?;
        let file = self.opt_str(es, "file", w, "a path (relative to the model file)")?;
        let spherical_soma = self
            .typed(es, "spherical_soma", w, "a boolean", as_bool)
            .unwrap_or(true);
        let (text, origin) = self.read_text(&file, &format!("{w}.file"))?;
        let source = Arc::new(Source {
            name: file.text.clone(),
            text: text.clone(),
            origin: Some(origin),
        });
        match Morphology::from_swc(&text, source, spherical_soma) {
            Ok(m) => Some(m),
            Err(e) => {
                self.errors.extend(e.0);
                None
            }
        }
    }

    /// One section of a morphology table and, recursively, its children (its sub-tables).
    fn morphology_section(&mut self, n: &Node, w: &str, values: &Values) -> Option<Morphology> {
        let V::Table(es) = &n.v else { return None };
        for e in es {
            if !matches!(e.node.v, V::Table(_)) && !MORPHOLOGY_KEYS.contains(&e.key.as_str()) {
                let help = match crate::model::scope::suggest(&e.key, MORPHOLOGY_KEYS.iter().copied()) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => format!(
                        "the keys of a section are: {} (a sub-table is a child section)",
                        MORPHOLOGY_KEYS.join(", ")
                    ),
                };
                self.errors.push(
                    Diagnostic::at(
                        "unknown-key",
                        &self.file,
                        e.span,
                        format!("{w}: unknown key '{}'", e.key),
                    )
                    .with_label("unknown key")
                    .with_help(help),
                );
            }
        }
        let shape = self.opt_str(es, "shape", w, "\"soma\", \"cylinder\" or \"section\"");
        if get(es, "shape").is_none() {
            self.err(
                "missing-key",
                n.span,
                format!("{w}: missing key 'shape' (\"soma\", \"cylinder\" or \"section\")"),
            );
        }
        let own = self.section_shape(es, w, n.span, shape, values);
        let mut children = vec![];
        for e in es.iter().filter(|e| matches!(e.node.v, V::Table(_))) {
            let child = self.morphology_section(&e.node, &format!("{w}.{}", e.key), values);
            children.push((e, child));
        }
        let mut m = own?;
        let mut ok = true;
        for (e, child) in children {
            match child {
                Some(c) => {
                    if let Err(msg) = m.add_child(&e.key, c) {
                        self.err("bad-morphology", e.span, format!("{w}: {msg}"));
                        ok = false;
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(m)
    }

    /// A section made, or an error at `span` saying why not.
    fn made(&mut self, r: Result<Morphology, String>, span: Span, w: &str) -> Option<Morphology> {
        r.map_err(|m| self.err("bad-morphology", span, format!("{w}: {m}")))
            .ok()
    }

    /// The section itself (without children) from its keys.
    fn section_shape(
        &mut self,
        es: &[Entry],
        w: &str,
        span: Span,
        shape: Option<Str>,
        values: &Values,
    ) -> Option<Morphology> {
        let shape = shape?;
        let kind = shape.text.as_str();
        if !["soma", "cylinder", "section"].contains(&kind) {
            self.err_help(
                "bad-morphology",
                shape.inner_span(),
                format!("{w}.shape: unknown shape {:?}", shape.text),
                "a section is a \"soma\", a \"cylinder\" or a \"section\" (truncated cones)",
            );
            return None;
        }
        let at = |key: &str| get(es, key);
        let coords: Vec<&Entry> = ["x", "y", "z"].iter().filter_map(|k| at(k)).collect();
        let fail = |l: &mut Loader, at: Span, msg: String| {
            l.err("bad-morphology", at, format!("{w}: {msg}"));
            None::<Morphology>
        };
        if kind == "soma" {
            for key in ["n", "length"] {
                if let Some(e) = at(key) {
                    return fail(
                        self,
                        e.span,
                        format!("a soma has one compartment and no '{key}' (its diameter sets its size)"),
                    );
                }
            }
            let Some(d) = at("diameter") else {
                return fail(self, span, "missing key 'diameter'".into());
            };
            let d = values.length(self, &d.node, &format!("{w}.diameter"))?;
            let mut xyz = [None; 3];
            for (k, key) in ["x", "y", "z"].iter().enumerate() {
                if let Some(e) = at(key) {
                    xyz[k] = Some(values.length(self, &e.node, &format!("{w}.{key}"))?);
                }
            }
            return self.made(Morphology::soma_at(d, xyz[0], xyz[1], xyz[2]), span, w);
        }
        let n = match at("n") {
            None => 1,
            Some(e) => match as_int(&e.node) {
                Some(i) if i >= 1 => i as usize,
                _ => {
                    return fail(
                        self,
                        e.node.span,
                        format!(
                            "n: expected the number of compartments (at least 1), got {}",
                            got(&e.node)
                        ),
                    );
                }
            },
        };
        if let (Some(_), Some(c)) = (at("length"), coords.first()) {
            return fail(
                self,
                c.span,
                "give either 'length' or coordinates (x, y, z), not both".into(),
            );
        }
        if at("length").is_none() && coords.is_empty() {
            return fail(self, span, "missing key 'length' (or the coordinates x, y, z)".into());
        }
        let Some(de) = at("diameter") else {
            return fail(self, span, "missing key 'diameter'".into());
        };
        let dw = format!("{w}.diameter");
        if kind == "cylinder" {
            let d = values.length(self, &de.node, &dw)?;
            if let Some(l) = at("length") {
                let length = values.length(self, &l.node, &format!("{w}.length"))?;
                return self.made(Morphology::cylinder(n, d, length), l.node.span, w);
            }
            let mut ends = [None; 3];
            for (k, key) in ["x", "y", "z"].iter().enumerate() {
                if let Some(e) = at(key) {
                    let v = values.lengths(self, &e.node, &format!("{w}.{key}"))?;
                    let [a, b] = v[..] else {
                        return fail(
                            self,
                            e.node.span,
                            format!(
                                "{key}: a cylinder's coordinates are [start, end], got {} values",
                                v.len()
                            ),
                        );
                    };
                    ends[k] = Some([a, b]);
                }
            }
            return self.made(Morphology::cylinder_between(n, d, ends[0], ends[1], ends[2]), span, w);
        }
        // a section of truncated cones: n + 1 diameters, n lengths or n + 1 points
        let diameters = values.lengths(self, &de.node, &dw)?;
        if diameters.len() != n + 1 {
            return fail(
                self,
                de.node.span,
                format!(
                    "diameter: a section of n = {n} compartments needs n + 1 = {} diameters (at its start, then at the end of each compartment), got {}",
                    n + 1,
                    diameters.len()
                ),
            );
        }
        if let Some(l) = at("length") {
            let lengths = values.lengths(self, &l.node, &format!("{w}.length"))?;
            if lengths.len() != n {
                return fail(
                    self,
                    l.node.span,
                    format!(
                        "length: a section of n = {n} compartments needs {n} lengths, got {}",
                        lengths.len()
                    ),
                );
            }
            return self.made(Morphology::section(diameters, lengths), l.node.span, w);
        }
        let mut pts: [Option<Vec<f64>>; 3] = [None, None, None];
        for (k, key) in ["x", "y", "z"].iter().enumerate() {
            if let Some(e) = at(key) {
                let v = values.lengths(self, &e.node, &format!("{w}.{key}"))?;
                if v.len() != n + 1 {
                    return fail(
                        self,
                        e.node.span,
                        format!(
                            "{key}: a section of n = {n} compartments needs n + 1 = {} points, got {}",
                            n + 1,
                            v.len()
                        ),
                    );
                }
                pts[k] = Some(v);
            }
        }
        let [x, y, z] = pts;
        self.made(Morphology::section_through(diameters, x, y, z), span, w)
    }
}
