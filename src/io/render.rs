//! Renders diagnostics for a terminal with codespan-reporting: the file, line
//! and column, the offending line with a caret under the span, the label, notes
//! and help. A model string read from a file is shown in the whole file.

use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars, Config, termcolor::Buffer};

use crate::diag::{Diagnostic, Errors, Source, Span};

/// Renders every diagnostic (with ANSI colours when `color`), each ending in a
/// newline: errors as `error[code]`, warnings as `warning[code]`.
pub fn render(errors: &Errors, color: bool) -> String {
    render_list(&errors.0, color)
}

/// Renders warnings as [`render`] does (`warning[code]: ...`, the location and a
/// caret), with a count when there are several.
pub fn render_warnings(warnings: &[Diagnostic], color: bool) -> String {
    let mut out = render_list(warnings, color);
    if warnings.len() > 1 {
        out.push_str(&format!("warning: {} warnings\n", warnings.len()));
    }
    out
}

/// Renders one diagnostic as a warning (`warning[code]: ...`, the place and
/// the caret as for errors), ending in a newline: a finding of the run-time
/// checks is an error under `--nan=error` and this warning under `--nan=warn`.
pub fn render_warning(d: &Diagnostic, color: bool) -> String {
    render_one(&d.clone().warning(), color)
}

/// Diagnostics shown in full; a count stands for the rest.
const MAX_RENDERED: usize = 50;

/// The first [`MAX_RENDERED`] diagnostics, each as its severity says, then a
/// count of those left out and of the errors.
fn render_list(diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics.iter().take(MAX_RENDERED) {
        out.push_str(&render_one(d, color));
    }
    if diagnostics.len() > MAX_RENDERED {
        out.push_str(&format!(
            "note: {} more errors not shown\n",
            diagnostics.len() - MAX_RENDERED
        ));
    }
    let count = diagnostics.iter().filter(|d| !d.is_warning()).count();
    if count > 1 {
        out.push_str(&format!("error: {count} errors\n"));
    }
    out
}

/// Files shown by one diagnostic, each added once.
#[derive(Default)]
struct Files {
    files: SimpleFiles<String, String>,
    /// (name, address of its text) -> file id
    ids: Vec<((String, usize), usize)>,
}

impl Files {
    fn id(&mut self, name: &str, text: &str) -> usize {
        let key = (name.to_string(), text.as_ptr() as usize);
        if let Some((_, id)) = self.ids.iter().find(|(k, _)| *k == key) {
            return *id;
        }
        let id = self.files.add(name.to_string(), text.to_string());
        self.ids.push((key, id));
        id
    }

    /// The file and byte range to show for `span` of `src`: in the whole file when the
    /// text came from one, else in the text itself.
    fn place(&mut self, src: &Source, span: Span) -> (usize, Range<usize>) {
        if let Some(o) = &src.origin
            && let Some(&last) = o.offsets.last()
        {
            let at = |k: usize| o.offsets.get(k).copied().unwrap_or(last);
            let (a, b) = (at(span.start), at(span.end.max(span.start)));
            let id = self.id(&o.path, &o.file_text);
            return (id, clamp(&o.file_text, a, b));
        }
        let id = self.id(&src.name, &src.text);
        (id, clamp(&src.text, span.start, span.end))
    }
}

/// `a..b` inside `text`, on character boundaries, never reversed.
fn clamp(text: &str, a: usize, b: usize) -> Range<usize> {
    let mut a = a.min(text.len());
    let mut b = b.max(a).min(text.len());
    while a > 0 && !text.is_char_boundary(a) {
        a -= 1;
    }
    while b < text.len() && !text.is_char_boundary(b) {
        b += 1;
    }
    a..b
}

/// One diagnostic, as an error or a warning as its severity says.
fn render_one(d: &Diagnostic, color: bool) -> String {
    let mut files = Files::default();
    let severity = if d.is_warning() {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut cs = CsDiagnostic::new(severity).with_code(d.code);
    let mut notes = Vec::new();
    match &d.source {
        Some(src) => {
            cs = cs.with_message(d.message.clone());
            let (id, range) = files.place(src, d.span);
            cs = cs.with_labels(vec![Label::primary(id, range).with_message(d.label.clone())]);
            if src.origin.is_some() {
                notes.push(format!("in {}", src.name));
            } else if let Some(ctx) = &d.context
                && !d.message.contains(ctx.as_str())
            {
                notes.push(format!("in {ctx}"));
            }
        }
        None => {
            let msg = match &d.context {
                Some(ctx) if !d.message.contains(ctx.as_str()) => format!("{ctx}: {}", d.message),
                _ => d.message.clone(),
            };
            cs = cs.with_message(msg);
        }
    }
    for n in &d.notes {
        match &n.source {
            Some(src) => {
                let (id, range) = files.place(src, n.span);
                cs.labels
                    .push(Label::secondary(id, range).with_message(n.message.clone()));
            }
            None => notes.push(format!("note: {}", n.message)),
        }
    }
    if let Some(h) = &d.help {
        notes.push(format!("help: {h}"));
    }
    cs = cs.with_notes(notes);
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let rendered = if color {
        let mut buf = Buffer::ansi();
        term::emit_to_write_style(&mut buf, &config, &files.files, &cs)
            .ok()
            .map(|_| String::from_utf8_lossy(buf.as_slice()).into_owned())
    } else {
        let mut s = String::new();
        term::emit_to_string(&mut s, &config, &files.files, &cs).ok().map(|_| s)
    };
    let head = if severity == Severity::Warning {
        "warning"
    } else {
        "error"
    };
    rendered.unwrap_or_else(|| format!("{head}[{}]: {d}\n", d.code))
}

/// A source for a whole file, for diagnostics about it.
pub fn file_source(path: &str, text: &str) -> Arc<Source> {
    Arc::new(Source {
        name: path.to_string(),
        text: text.to_string(),
        origin: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileOrigin;

    #[test]
    fn renders_against_the_file() {
        let file = Arc::new("[x]\nmodel = '''\ndv/dt = -v : volt\n'''\n".to_string());
        let start = file.find("dv").unwrap_or(0);
        let offsets: Vec<usize> = (0..=18).map(|k| start + k).collect();
        let origin = Arc::new(FileOrigin {
            path: "m.toml".into(),
            file_text: file.clone(),
            offsets,
        });
        let src = Arc::new(Source {
            name: "neurons 'P'.model".into(),
            text: "dv/dt = -v : volt\n".into(),
            origin: Some(origin),
        });
        let d = Diagnostic::at("unit-mismatch", &src, Span::new(8, 10), "units do not match")
            .with_label("this is volt")
            .with_help("fix it");
        let s = render(&Errors::one(d), false);
        assert!(s.contains("error[unit-mismatch]: units do not match"), "{s}");
        assert!(s.contains("m.toml:3:9"), "{s}");
        assert!(s.contains("^^ this is volt"), "{s}");
        assert!(s.contains("in neurons 'P'.model"), "{s}");
        assert!(s.contains("help: fix it"), "{s}");
    }

    #[test]
    fn never_panics_on_bad_spans() {
        let src = Source::new("s", "abc\u{e9}");
        for (a, b) in [(0, 0), (5, 2), (4, 5), (100, 200), (3, 100)] {
            let d = Diagnostic::at("x", &src, Span::new(a, b), "m");
            let s = render(&Errors::one(d), true);
            assert!(s.contains("m"), "{s}");
        }
        let origin = Arc::new(FileOrigin {
            path: "f".into(),
            file_text: Arc::new(String::new()),
            offsets: vec![],
        });
        let src = Arc::new(Source {
            name: "n".into(),
            text: "abc".into(),
            origin: Some(origin),
        });
        let d = Diagnostic::at("x", &src, Span::new(1, 2), "m");
        assert!(render(&Errors::one(d), false).contains("m"));
        let d = Diagnostic::new("x", "no source").with_context("neurons 'P'");
        assert!(render(&Errors::one(d), false).contains("neurons 'P': no source"));
    }

    #[test]
    fn renders_warnings_as_warnings() {
        let src = Source::new("neurons 'G'.reset", "v = 0\nu = 5");
        let w = Diagnostic::at("unused-temporary", &src, Span::new(6, 7), "'u' is not a variable").warning();
        let s = render_warnings(&[w.clone(), w], false);
        assert!(s.starts_with("warning[unused-temporary]: 'u' is not a variable"), "{s}");
        assert!(s.contains("neurons 'G'.reset:2:1"), "{s}");
        assert!(s.contains("warning: 2 warnings") && !s.contains("error"), "{s}");
    }

    #[test]
    fn render_warning_shows_an_error_as_a_warning() {
        // a finding of the run-time checks is an error; under --nan=warn it is shown as a warning
        let src = Source::new("neurons 'G'.reset", "v = 1/0");
        let e = Diagnostic::at("non-finite", &src, Span::new(4, 7), "v is inf");
        let s = render_warning(&e, false);
        assert!(s.starts_with("warning[non-finite]: v is inf"), "{s}");
        assert!(render(&Errors::one(e), false).starts_with("error[non-finite]: v is inf"));
    }
}
