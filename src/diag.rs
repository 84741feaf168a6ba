//! Diagnostics as data: every check returns errors with spans into the text they
//! came from; only the CLI renders them.
//!
//! A model string can come from Rust code or from a model file. [`Source`] keeps
//! the text and, for a string read from a file, the map from the string's byte
//! offsets to the file's, so that a caret lands on the right character of the file.

use std::fmt;
use std::sync::Arc;

/// A byte range `[start, end)` in one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte (`start == end` for an empty span).
    pub end: usize,
}

impl Span {
    /// The span `[start, end)`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        if self == Span::default() {
            return other;
        }
        if other == Span::default() {
            return self;
        }
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Shifts a span by `offset` bytes (for a piece parsed out of a larger string).
    pub fn shift(self, offset: usize) -> Span {
        Span::new(self.start + offset, self.end + offset)
    }
}

/// Where a model string lives in a file.
#[derive(Clone, Debug)]
pub struct FileOrigin {
    /// The model file's path, as given on the command line (shown in rendered errors).
    pub path: String,
    /// The whole file's text, shared by every string read from it (rendered errors quote its lines).
    pub file_text: Arc<String>,
    /// `offsets[k]` is the file byte offset of byte `k` of the decoded string;
    /// one extra entry for the end.
    pub offsets: Vec<usize>,
}

/// A piece of model text with a human-readable name ("neurons 'P'.model").
#[derive(Clone, Debug)]
pub struct Source {
    /// Human-readable name of the piece of text, e.g. `neurons 'P'.model`.
    pub name: String,
    /// The decoded text that was parsed; spans index into it.
    pub text: String,
    /// Where the text lives in a model file, when it came from one; `None` for strings given in Rust code.
    pub origin: Option<Arc<FileOrigin>>,
}

impl Source {
    /// A source with no file origin (text given directly, e.g. from the Rust API).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: text.into(),
            origin: None,
        })
    }

    /// The span mapped into the file the text came from, if any.
    pub fn file_span(&self, span: Span) -> Option<(&FileOrigin, Span)> {
        let o = self.origin.as_deref()?;
        let last = o.offsets.len().checked_sub(1)?;
        let at = |k: usize| o.offsets[k.min(last)];
        Some((o, Span::new(at(span.start), at(span.end))))
    }
}

/// A secondary label: another place that explains the error.
#[derive(Clone, Debug)]
pub struct Note {
    /// The text the note's span points into; `None` makes the note a plain `note:` line without a location.
    pub source: Option<Arc<Source>>,
    /// Byte range of the note in `source`.
    pub span: Span,
    /// What this other place says about the error (e.g. "first defined here").
    pub message: String,
}

/// Whether a diagnostic stops the model (an error) or only reports something
/// that is likely a mistake (a warning: the model still runs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The model cannot be built or run.
    #[default]
    Error,
    /// The model runs, but this part of it probably does not do what was meant.
    Warning,
}

/// One error or warning, with the text it points into.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// A stable short code such as `unit-mismatch`, for tests and tools.
    pub code: &'static str,
    /// An error, or a warning (rendered as `warning[code]`; it does not stop the model).
    pub severity: Severity,
    /// The headline, one sentence about what is wrong.
    pub message: String,
    /// The object and key this error is about ("neurons 'P'.model"), when there is no source.
    pub context: Option<String>,
    /// The text the error points into; `None` for errors about whole objects or keys (then `context` names them).
    pub source: Option<Arc<Source>>,
    /// Byte range of the offending text in `source` (the caret).
    pub span: Span,
    /// The label under the caret (what was expected).
    pub label: String,
    /// Secondary places that explain the error, rendered as extra labels or `note:` lines.
    pub notes: Vec<Note>,
    /// A suggestion of how to fix it, rendered as a `help:` line.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a code and a message and nothing else (no source, span, label, notes or help).
    pub fn new(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            context: None,
            source: None,
            span: Span::default(),
            label: String::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// An error pointing at `span` in `source`.
    pub fn at(code: &'static str, source: &Arc<Source>, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            source: Some(source.clone()),
            span,
            ..Diagnostic::new(code, message)
        }
    }

    /// Makes it a warning: reported, but the model still runs.
    pub fn warning(mut self) -> Diagnostic {
        self.severity = Severity::Warning;
        self
    }

    /// Whether it is a warning rather than an error.
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// Sets the label under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Adds a `help:` suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Names the object and key the error is about (used when it has no source text).
    pub fn with_context(mut self, context: impl Into<String>) -> Diagnostic {
        self.context = Some(context.into());
        self
    }

    /// Adds a secondary note; with a source it points at `span` in that text, without one it is a plain message.
    pub fn with_note(mut self, source: Option<Arc<Source>>, span: Span, msg: impl Into<String>) -> Diagnostic {
        self.notes.push(Note {
            source,
            span,
            message: msg.into(),
        });
        self
    }

    /// (line, column), 1-based, of the error in its file (or its string).
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let src = self.source.as_ref()?;
        let (text, offset): (&str, usize) = match src.file_span(self.span) {
            Some((o, s)) => (o.file_text.as_str(), s.start),
            None => (src.text.as_str(), self.span.start),
        };
        Some(line_col(text, offset))
    }

    /// The file (or source name) the error is in.
    pub fn location_name(&self) -> Option<String> {
        let src = self.source.as_ref()?;
        Some(match &src.origin {
            Some(o) => o.path.clone(),
            None => src.name.clone(),
        })
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = match before.rfind('\n') {
        Some(k) => before[k + 1..].chars().count() + 1,
        None => before.chars().count() + 1,
    };
    (line, col)
}

fn floor_char_boundary(s: &str, mut k: usize) -> usize {
    while k > 0 && !s.is_char_boundary(k) {
        k -= 1;
    }
    k
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(name), Some((l, c))) = (self.location_name(), self.line_col()) {
            write!(f, "{name}:{l}:{c}: ")?;
        } else if let Some(ctx) = &self.context {
            write!(f, "{ctx}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(src) = &self.source
            && src.origin.is_some()
        {
            write!(f, " (in {})", src.name)?;
        }
        Ok(())
    }
}

/// A list of diagnostics returned as one error value.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub Vec<Diagnostic>);

impl Errors {
    /// A list holding the single diagnostic `d`.
    pub fn one(d: Diagnostic) -> Errors {
        Errors(vec![d])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, d) in self.0.iter().enumerate() {
            if k > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl From<Diagnostic> for Errors {
    fn from(d: Diagnostic) -> Errors {
        Errors(vec![d])
    }
}

/// A result whose error is one or more [`Diagnostic`]s.
pub type Result<T> = std::result::Result<T, Errors>;

/// Levenshtein distance (in characters), for "did you mean" suggestions: the
/// names of a model (`model::scope::suggest`) and the base units of a unit
/// specification share it.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "volt"), 4);
        assert_eq!(edit_distance("volt", ""), 4);
        assert_eq!(edit_distance("tau_m", "tau_m"), 0);
        assert_eq!(edit_distance("siemens", "siemen"), 1);
        // Characters, not bytes: one substitution.
        assert_eq!(edit_distance("µm", "um"), 1);
    }
}
