//! Model files (DESIGN.md, "Model files (the contract)"): TOML read with byte
//! spans, its shape checked exactly as the contract's executable reference
//! (`brian2-runner/spikejit_brian2.py`, `validate()`) checks it, into a typed
//! [`LoadedModel`] whose every string remembers where it is in the file.
//!
//! The rooms: `spec` (the typed model file, one type per section: what this
//! module gives the builder), `tree` (the TOML values with their byte spans),
//! `keys` (the keys the contract allows in each table), `loader` (the checks
//! every table shares, and the top level: the sections, `[simulation]`,
//! `[constants]`), then one file per kind of section, as `io::build` has:
//! `groups` (neurons, spike generators, Poisson groups and inputs, subgroups,
//! timed arrays), `synapses` (with their `connect` lists), `monitors`,
//! `protocol`.

mod data;
mod groups;
mod keys;
mod loader;
mod monitors;
mod protocol;
mod spatial;
mod spec;
mod synapses;
mod tree;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use toml::de::DeTable;

pub use keys::contract_keys;
use loader::Loader;
pub use spec::*;

use crate::diag::{Diagnostic, Errors, Result, Source, Span};

/// Reads and checks a model file.
pub fn load_model(path: impl AsRef<Path>) -> Result<LoadedModel> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Errors::one(Diagnostic::new("io", format!("cannot read '{name}': {e}")).with_context(name.clone()))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Errors::one(
            Diagnostic::new(
                "io",
                format!(
                    "'{name}' is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_context(name.clone()),
        )
    })?;
    parse_model(&name, text)
}

/// Checks a model file given as text (`path` names it in messages).
pub fn parse_model(path: &str, text: String) -> Result<LoadedModel> {
    let file_text = Arc::new(text);
    let file = Arc::new(Source {
        name: path.to_string(),
        text: (*file_text).clone(),
        origin: None,
    });
    let root = match DeTable::parse(&file_text) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().map(|r| Span::new(r.start, r.end)).unwrap_or_default();
            let msg = e.message().trim().to_string();
            return Err(Errors::one(
                Diagnostic::at("toml", &file, span, format!("invalid TOML: {msg}")).with_label(msg.clone()),
            ));
        }
    };
    let mut l = Loader {
        file,
        file_text: file_text.clone(),
        path: path.to_string(),
        base: Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default(),
        errors: Vec::new(),
        names: HashMap::new(),
        constants: Vec::new(),
    };
    let span = root.span();
    let root = l.table_node(root.get_ref(), Span::new(span.start, span.end));
    let model = l.model(&root);
    if l.errors.is_empty() {
        Ok(model)
    } else {
        Err(Errors(l.errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> std::result::Result<LoadedModel, Errors> {
        parse_model("m.toml", text.to_string())
    }

    fn messages(text: &str) -> Vec<String> {
        match load(text) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    const MIN: &str = "[simulation]\nduration = \"1*ms\"\n";

    /// The file text at the string's byte `k`.
    fn at(m: &Str, k: usize) -> &str {
        let o = m.origin.offsets[k];
        &m.origin.file_text[o..]
    }

    #[test]
    fn string_kinds_map_to_file_offsets() {
        let text = format!(
            "{MIN}[[neurons]]\nname = 'A'\nN = 1\nmodel = '''\ndv/dt = -v/tau : volt\n'''\nthreshold = \"v > \\\"x\\\"\"\nreset = 'v = 0*mV'\nrefractory = \"\"\"\n2*ms\"\"\"\n"
        );
        let m = load(&text).unwrap_or_else(|e| panic!("{e}"));
        let g = &m.neurons[0];
        // '''...''' : the newline after the opening delimiter is trimmed
        assert_eq!(g.model.text, "dv/dt = -v/tau : volt\n");
        assert!(at(&g.model, 0).starts_with("dv/dt = -v/tau"));
        assert!(at(&g.model, 11).starts_with("tau : volt"));
        let (line, col) = crate::diag::line_col(&g.model.origin.file_text, g.model.origin.offsets[11]);
        assert_eq!((line, col), (7, 12));
        // "..." with escapes: the escape's bytes map to its backslash
        let th = g.threshold.as_ref().unwrap_or_else(|| panic!("no threshold"));
        assert_eq!(th.text, "v > \"x\"");
        assert!(at(th, 4).starts_with("\\\"x"));
        assert!(at(th, 5).starts_with("x\\\""));
        // '...'
        let r = g.reset.as_ref().unwrap_or_else(|| panic!("no reset"));
        assert!(at(r, 4).starts_with("0*mV'"));
        // """...""" with a trimmed first newline
        let rf = g.refractory.as_ref().unwrap_or_else(|| panic!("no refractory"));
        assert_eq!(rf.text, "2*ms");
        assert!(at(rf, 0).starts_with("2*ms\"\"\""));
        assert_eq!(rf.inner_span().end - rf.inner_span().start, 4);
    }

    #[test]
    fn unknown_key_names_the_key() {
        let m = messages(&format!(
            "foo = 1\n{MIN}[[neurons]]\nname = 'A'\nN = 1\nmodel = 'v : 1'\nthreshhold = 'v > 1'\n"
        ));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("m.toml:1:1: unknown key 'foo'"), "{m:?}");
        assert!(
            m[1].contains("m.toml:8:1: neurons 'A': unknown key 'threshhold'"),
            "{m:?}"
        );
    }

    #[test]
    fn wrong_types_and_missing_keys() {
        let m = messages("[simulation]\ndt = 0.1\n[[neurons]]\nname = 'A'\nN = 0\nmodel = 3\n");
        assert!(
            m.iter().any(|s| s.contains("simulation.dt: expected a string")),
            "{m:?}"
        );
        assert!(m.iter().any(|s| s.contains("missing key 'duration'")), "{m:?}");
        assert!(
            m.iter().any(|s| s.contains("neurons 'A'.N: must be at least 1, got 0")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|s| s.contains("neurons 'A'.model: expected a string, got an integer 3")),
            "{m:?}"
        );
    }

    #[test]
    fn duplicate_names_and_reserved_constants() {
        let m = messages(&format!(
            "{MIN}[constants]\nmV = '1'\ntau = '1*ms'\n[[neurons]]\nname = 'tau'\nN = 1\nmodel = 'v : 1'\n[[neurons]]\nname = '2x'\nN = 1\nmodel = 'v : 1'\n"
        ));
        assert!(m.iter().any(|s| s.contains("'mV' is a unit name")), "{m:?}");
        assert!(
            m.iter()
                .any(|s| s.contains("the name 'tau' is already used by the constant 'tau'")),
            "{m:?}"
        );
        assert!(m.iter().any(|s| s.contains("expected an identifier")), "{m:?}");
    }

    #[test]
    fn init_forms_and_connect() {
        let text = format!(
            "{MIN}[[neurons]]\nname = 'A'\nN = 'NE + 1'\nmodel = 'v : volt'\ninit = {{ v = [1.0, 2], w = '1*mV', pre.delay = 2 }}\n[[synapses]]\nname = 'S'\nsource = 'A[0:1]'\ntarget = 'A'\non_pre = {{ a = 'v += 1*mV', b = 'v -= 1*mV' }}\ndelay = {{ a = '1*ms' }}\nconnect = [ {{ p = 0.5, i = [0], j = 'k for k in range(2)' }}, {{}} ]\ninit = [ {{ var = 'w', value = 1, index = [0, 1] }}, {{ var = 'a.delay', value = 'rand()*ms', index = 'i > j' }} ]\n"
        );
        let m = load(&text).unwrap_or_else(|e| panic!("{e}"));
        let vars: Vec<&str> = m.neurons[0].init.iter().map(|i| i.var.as_str()).collect();
        assert_eq!(vars, ["v", "w", "pre.delay"]);
        let s = &m.synapses[0];
        assert_eq!(s.on_pre.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.connect.len(), 2);
        assert!(matches!(s.init[0].index, Some(IndexSpec::View(_, _))));
        assert!(matches!(s.init[1].index, Some(IndexSpec::Where(_))));
    }

    #[test]
    fn toml_syntax_error_has_a_position() {
        let m = messages("[simulation\nduration = 1");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("m.toml:1:"), "{m:?}");
        assert!(m[0].contains("invalid TOML"), "{m:?}");
    }
}
