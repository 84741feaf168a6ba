//! What the run-time checks find, as data: each [`Finding`] (the element,
//! the step, the statement), its kind ([`Fault`]) and the modes of the
//! checks ([`NanCheck`]). The network keeps the findings
//! ([`Network::findings`](super::Network::findings)) and hands each warning
//! to [`RunControl::on_warning`](super::RunControl::on_warning): the library
//! never prints, the command line renders them. The checks themselves are in
//! `nan`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use spikejit_runtime::fault_code;

use crate::diag::{Diagnostic, Source, Span};

/// What the run loop does about what its checks find: NaN or infinities in
/// state variables, integer division or modulo by zero, integer overflow, and
/// float-to-integer conversions of NaN, infinities or values out of range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NanMode {
    /// No check (the kernels are compiled without them).
    Off,
    /// Reports each finding once per variable and kind (a warning through
    /// [`RunControl::on_warning`](super::RunControl::on_warning) when set, and
    /// [`Network::findings`](crate::sim::Network::findings)) and goes on.
    #[default]
    Warn,
    /// Stops the run at the end of the step where something is found;
    /// [`Network::run`](crate::sim::Network::run) returns an error (the code of the [`Fault`]).
    Error,
}

/// How often and how strictly the run loop checks (see [`Network::set_nan_check`](crate::sim::Network::set_nan_check)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanCheck {
    /// What to do about a finding.
    pub mode: NanMode,
    /// Check the float state variables after every `every` time steps (counted
    /// over all runs) and at the end of each run; 1 names the exact step. 0
    /// counts as 1. (The checked operations in the kernels find their faults
    /// at the exact step whatever this is.)
    pub every: u64,
}

impl Default for NanCheck {
    /// Warn, checking every 100 steps.
    fn default() -> Self {
        NanCheck {
            mode: NanMode::Warn,
            every: 100,
        }
    }
}

/// The kind of a [`Finding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fault {
    /// A float state variable holding NaN or an infinity.
    #[serde(rename = "non-finite")]
    NonFinite,
    /// An integer `a // 0` (taken as 0, as numpy does).
    #[serde(rename = "division-by-zero")]
    DivisionByZero,
    /// An integer `a % 0` (taken as 0, as numpy does).
    #[serde(rename = "modulo-by-zero")]
    ModuloByZero,
    /// An integer result that does not fit: in 64 bits (arithmetic), or in the
    /// 32 bits of an integer variable (it wraps, as in numpy and C).
    #[serde(rename = "integer-overflow")]
    Overflow,
    /// A float converted to an integer that is NaN, infinite or out of range.
    #[serde(rename = "invalid-conversion")]
    InvalidConversion,
}

impl Fault {
    /// The code of the diagnostic (`non-finite`, `division-by-zero`,
    /// `modulo-by-zero`, `integer-overflow`, `invalid-conversion`).
    pub fn code(self) -> &'static str {
        match self {
            Fault::NonFinite => "non-finite",
            Fault::DivisionByZero => "division-by-zero",
            Fault::ModuloByZero => "modulo-by-zero",
            Fault::Overflow => "integer-overflow",
            Fault::InvalidConversion => "invalid-conversion",
        }
    }

    pub(crate) fn of_code(code: i64) -> Fault {
        match code {
            fault_code::DIVISION_BY_ZERO => Fault::DivisionByZero,
            fault_code::MODULO_BY_ZERO => Fault::ModuloByZero,
            fault_code::INVALID_CONVERSION => Fault::InvalidConversion,
            fault_code::NON_FINITE => Fault::NonFinite,
            _ => Fault::Overflow,
        }
    }
}

/// The statement a finding names, as text and place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatementRef {
    /// The statement (or equation, or condition) as written.
    pub code: String,
    /// The model file, or the name of the model string without one
    /// (`neurons 'G'.reset`).
    pub file: String,
    /// 1-based line in `file`.
    pub line: usize,
    /// 1-based column (in characters) in `file`.
    pub column: usize,
}

/// The text and span of a statement, kept in memory to render the finding
/// with a caret (not saved in checkpoints: [`StatementRef`] is).
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub source: Arc<Source>,
    pub span: Span,
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        Arc::ptr_eq(&self.source, &other.source) && self.span == other.span
    }
}

/// What a check found: a state variable holding NaN or an infinity, or an
/// integer fault of a statement, with the element, the step and, where one
/// statement made it, that statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What was found.
    pub fault: Fault,
    /// `neurons`, `poisson` or `synapses`.
    pub kind: String,
    /// The group or synapses object.
    pub object: String,
    /// For [`Fault::NonFinite`], the state variable. For the integer faults,
    /// the variable the statement assigns, as written there (`n`, `v_post`);
    /// empty for a condition (a threshold, an event).
    pub variable: String,
    /// The element: the neuron, or the synapse (for a value stored through
    /// `v_post`, the postsynaptic neuron of `variable`'s group).
    pub index: usize,
    /// For synapses: the indices `i` and `j` of the synapse.
    pub pair: Option<(i64, i64)>,
    /// The value: `NaN`, `inf` or `-inf`; for an integer fault, the result the
    /// operation gave (`0` for a division by zero, the wrapped value of an overflow).
    pub value: String,
    /// What happened: for an integer fault, the operation and its result
    /// (`integer division by zero: 5 // 0 is taken as 0`); for NaN or an
    /// infinity, what made it: `stored by a statement`, `made by the state
    /// update` (named after the differential equation), `set before the run`,
    /// or empty (unknown: a variable without an equation).
    pub detail: String,
    /// The first step (of the finest clock) since the previous check, and its time in seconds.
    pub first_step: i64,
    /// The time of `first_step`, in seconds.
    pub first_t: f64,
    /// The step after which the value was found, and its time in seconds.
    pub step: i64,
    /// The time of `step`, in seconds.
    pub t: f64,
    /// Found before the first step of a run: set so before it.
    pub before_run: bool,
    /// The statement that made the value, where one did: the statement of a
    /// failed check, or the differential equation of a variable the periodic
    /// check found.
    pub statement: Option<StatementRef>,
    #[serde(skip)]
    pub(crate) origin: Option<Origin>,
}

/// A time in seconds as milliseconds, without float noise (`12.3 ms`).
pub(crate) fn ms(t: f64) -> String {
    let s = format!("{:.6}", t * 1e3);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} ms")
}

impl Finding {
    /// `neurons 'P'.v[17] is NaN at t = 12.3 ms (step 123)` (or `... between
    /// step 101 (t = 10.1 ms) and step 200 (t = 20 ms)` when the periodic
    /// checks are further apart than a step), `neurons 'G'.n[2]: integer
    /// division by zero (7 // 0 is taken as 0) at t = 0.5 ms (step 5)`.
    pub fn message(&self) -> String {
        let pair = self
            .pair
            .map(|(i, j)| format!(" (i = {i}, j = {j})"))
            .unwrap_or_default();
        let when = if self.before_run {
            format!("at the start of a run (t = {}), before step {}", ms(self.t), self.step)
        } else if self.first_step == self.step {
            format!("at t = {} (step {})", ms(self.t), self.step)
        } else {
            format!(
                "between step {} (t = {}) and step {} (t = {})",
                self.first_step,
                ms(self.first_t),
                self.step,
                ms(self.t)
            )
        };
        let var = if self.variable.is_empty() {
            String::new()
        } else {
            format!(".{}", self.variable)
        };
        let place = format!("{} '{}'{var}[{}]{pair}", self.kind, self.object, self.index);
        match self.fault {
            Fault::NonFinite => format!("{place} is {} {when}", self.value),
            _ => format!("{place}: {} {when}", self.detail),
        }
    }

    /// The finding as a diagnostic (code [`Fault::code`]), pointing at the
    /// statement where one made the value.
    pub fn diagnostic(&self) -> Diagnostic {
        let mut d = match &self.origin {
            Some(o) => {
                let label = match self.fault {
                    Fault::NonFinite if self.detail == INTEGRATED => "made by this equation",
                    Fault::NonFinite => "stored by this statement",
                    _ if self.variable.is_empty() => "in this condition",
                    _ => "in this statement",
                };
                Diagnostic::at(self.fault.code(), &o.source, o.span, self.message()).with_label(label)
            }
            None => Diagnostic::new(self.fault.code(), self.message()),
        };
        d = d.with_context(format!("{} '{}'", self.kind, self.object));
        if self.origin.is_none()
            && let Some(s) = &self.statement
        {
            d = d.with_note(
                None,
                Span::default(),
                format!("in '{}' at {}:{}:{}", s.code, s.file, s.line, s.column),
            );
        }
        d
    }
}

/// The `detail` of NaN or an infinity found by the periodic check during a
/// run, in a variable with a differential equation.
pub(crate) const INTEGRATED: &str = "made by the state update";
/// The `detail` of NaN or an infinity found where a statement stored it.
pub(crate) const STORED: &str = "stored by a statement";
/// The `detail` of NaN or an infinity found before a run's first step.
pub(crate) const BEFORE_RUN: &str = "set before the run";

impl std::fmt::Display for Finding {
    /// The message, and the statement with its place where there is one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())?;
        if let Some(s) = &self.statement {
            write!(f, "; in '{}' at {}:{}:{}", s.code, s.file, s.line, s.column)?;
        }
        Ok(())
    }
}

/// The statement at `span` of `source`: its first line, and its place in the
/// file (or the string).
pub(crate) fn statement_ref(source: &Arc<Source>, span: Span) -> StatementRef {
    let d = Diagnostic::at("", source, span, "");
    let (line, column) = d.line_col().unwrap_or((1, 1));
    let text = source.text.get(span.start..span.end).unwrap_or("");
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string();
    StatementRef {
        code,
        file: d.location_name().unwrap_or_default(),
        line,
        column,
    }
}
