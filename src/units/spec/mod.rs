//! Unit specifications: the type after the colon of an equation (`volt`,
//! `1`, `boolean`, `siemens/meter**2`), checked and evaluated with Brian2's
//! rules and messages. The expression is read by `syntax.rs` and evaluated
//! with Python's and Brian2's results by `eval.rs`.

mod eval;
mod syntax;

use std::fmt;

use super::registry::{UnitName, UnitRegistry};
use super::{Dim, base_unit, lookup, table};
use crate::diag::edit_distance;
use eval::Value;

/// The type declared after the colon of an equation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VarType {
    /// A floating-point variable with this dimension (`volt`, `1`, `siemens/meter**2`).
    Float(Dim),
    /// `boolean`.
    Boolean,
    /// `integer` (dimensionless).
    Integer,
}

impl VarType {
    /// The dimension (dimensionless for booleans and integers).
    pub fn dim(self) -> Dim {
        match self {
            VarType::Float(d) => d,
            VarType::Boolean | VarType::Integer => Dim::ONE,
        }
    }
}

/// What went wrong in a unit specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitSpecErrorKind {
    /// A known unit that is not a base unit (`mV`, `gram`, `um2`).
    NotBaseUnit,
    /// A name that is no unit at all (`foo`, `V`, `kg`).
    UnknownName,
    /// `bool` instead of `boolean` (a `TypeError` in Brian2).
    Bool,
    /// The specification evaluates to a quantity (`2*volt`, `-volt`, `volt**1`).
    Quantity,
    /// The specification evaluates to a plain number (`2`, `1.0`, `1*1`).
    NotAUnit,
    /// Syntax or evaluation error ("Could not interpret ... as a unit specification").
    Invalid,
}

/// An error in a unit specification. `message` is Brian2's message (without
/// the "Error parsing the unit specification for variable 'v': " prefix that
/// Brian2's `EquationError` adds, except for [`UnitSpecErrorKind::Bool`], which
/// Brian2 raises as a bare `TypeError`). `start..end` is the byte range within
/// the specification string that is at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitSpecError {
    /// Brian2's message.
    pub message: String,
    /// Start of the faulty part, as a byte offset into the specification string.
    pub start: usize,
    /// End (exclusive) of the faulty part.
    pub end: usize,
    /// A suggestion of how to fix it, when there is one (not part of Brian2's message).
    pub help: Option<String>,
    /// What went wrong, as a category.
    pub kind: UnitSpecErrorKind,
}

impl UnitSpecError {
    /// The Python exception class Brian2's `dimensions_and_type_from_string`
    /// raises: `"TypeError"` for `bool`, else `"ValueError"` (which Brian2's
    /// `Equations` wraps in an `EquationError`).
    pub fn brian_exception(&self) -> &'static str {
        match self.kind {
            UnitSpecErrorKind::Bool => "TypeError",
            _ => "ValueError",
        }
    }
}

impl fmt::Display for UnitSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnitSpecError {}

/// A parsed unit specification with what Brian2's evaluation of it leaves behind.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedUnitSpec {
    /// The declared type: a float with a dimension, `boolean` or `integer`.
    pub ty: VarType,
    /// For a float type given as an expression: the name of the `Unit` object
    /// it evaluates to (`volt`, `siemens / (metre ** 2)`). `None` for `1`,
    /// `boolean` and `integer`.
    pub name: Option<UnitName>,
    /// Every compound unit created while evaluating, in order: Brian2 registers
    /// them all (see [`UnitRegistry`]).
    pub created: Vec<(Dim, UnitName)>,
}

/// Parses a unit specification (`"volt"`, `"1"`, `"boolean"`, `"integer"`,
/// `"siemens/meter**2"`, `"metre**-2"`, `"amp*second"`, `"(volt/second)**0.5"`)
/// with Brian2's rules: only base units ([`base_unit`]), numbers, `*`, `/`,
/// `**`, parentheses (and the rest of Python's arithmetic, with Python's and
/// Brian2's results), and the result must be a unit.
pub fn parse_unit_spec(spec: &str) -> Result<VarType, UnitSpecError> {
    parse_unit_spec_full(spec).map(|p| p.ty)
}

/// [`parse_unit_spec`], also returning the unit's Brian2 name and the compound
/// units Brian2 registers while evaluating it.
pub fn parse_unit_spec_full(spec: &str) -> Result<ParsedUnitSpec, UnitSpecError> {
    let trimmed = spec.trim();
    let off = spec.len() - spec.trim_start().len();
    let whole = (off, off + trimmed.len());
    let simple = |ty| {
        Ok(ParsedUnitSpec {
            ty,
            name: None,
            created: Vec::new(),
        })
    };
    match trimmed {
        "1" => return simple(VarType::Float(Dim::ONE)),
        "boolean" => return simple(VarType::Boolean),
        "integer" => return simple(VarType::Integer),
        "bool" => {
            return Err(UnitSpecError {
                message: "Use 'boolean' not 'bool' as the unit for a boolean variable.".into(),
                start: whole.0,
                end: whole.1,
                help: None,
                kind: UnitSpecErrorKind::Bool,
            });
        }
        _ => {}
    }

    // Brian2 first checks every identifier (in set order; here in text order),
    // then evaluates.
    for (s, e) in identifiers(trimmed) {
        let name = &trimmed[s..e];
        if PY_KEYWORDS.contains(&name) || base_unit(name).is_some() {
            continue;
        }
        let (start, end) = (off + s, off + e);
        if let Some((_, d)) = lookup(name) {
            let suggestion = base_unit_suggestion(d);
            return Err(UnitSpecError {
                message: format!(
                    "Unit specification refers to '{name}', but this is not a base unit. Use '{suggestion}' instead."
                ),
                start,
                end,
                help: Some(format!(
                    "a unit specification uses unscaled base units; write '{suggestion}' here \
                     ('{name}' can be used in expressions and values, which are stored in SI units)"
                )),
                kind: UnitSpecErrorKind::NotBaseUnit,
            });
        }
        return Err(UnitSpecError {
            message: format!(
                "Unit specification refers to '{name}', but this is not a base unit. The following base units are allowed: {}.",
                table::BASE_UNITS_ALLOWED
            ),
            start,
            end,
            help: did_you_mean(name).map(|b| format!("did you mean '{b}'?")),
            kind: UnitSpecErrorKind::UnknownName,
        });
    }

    let invalid = |msg: String, span: (usize, usize)| UnitSpecError {
        message: format!("Could not interpret '{trimmed}' as a unit specification: {msg}"),
        start: off + span.0,
        end: off + span.1,
        help: None,
        kind: UnitSpecErrorKind::Invalid,
    };
    if trimmed.is_empty() {
        let mut e = invalid("invalid syntax (<string>, line 0)".into(), (0, 0));
        (e.start, e.end) = (0, spec.len());
        return Err(e);
    }
    let ast = syntax::parse(trimmed).map_err(|(m, sp)| invalid(format!("{m} (<string>, line 1)"), sp))?;
    let (value, created) = eval::evaluate(&ast).map_err(|(m, sp)| invalid(m, sp))?;
    match value {
        Value::Unit(u) => Ok(ParsedUnitSpec {
            ty: VarType::Float(u.dim),
            name: Some(UnitName {
                repr: u.name,
                display: u.disp,
            }),
            created,
        }),
        Value::Quantity { .. } => Err(UnitSpecError {
            message: format!(
                "'{trimmed}' does not evaluate to a unit but to a quantity -- make sure to only use units, e.g. 'siemens/metre**2' and not '1 * siemens/metre**2'"
            ),
            start: whole.0,
            end: whole.1,
            help: Some("a unit specification names a unit, not a value: remove numeric factors and signs".into()),
            kind: UnitSpecErrorKind::Quantity,
        }),
        Value::Num(n) => Err(UnitSpecError {
            message: format!(
                "'{trimmed}' does not evaluate to a unit, the result has type <class '{}'> instead.",
                n.kind.py_name()
            ),
            start: whole.0,
            end: whole.1,
            help: Some("write '1' for a dimensionless variable".into()),
            kind: UnitSpecErrorKind::NotAUnit,
        }),
    }
}

/// Brian2's `get_identifiers` keywords, which are not checked against the base units.
const PY_KEYWORDS: [&str; 5] = ["and", "or", "not", "True", "False"];

/// Byte ranges of the matches of Python's `\b[A-Za-z_][A-Za-z0-9_]*\b`.
fn identifiers(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if !is_word_char(c) {
            continue;
        }
        // A maximal run of word characters; the regex can only match it whole.
        let mut end = i + c.len_utf8();
        let mut ascii_ident = c.is_ascii_alphabetic() || c == '_';
        while let Some(&(j, d)) = it.peek() {
            if !is_word_char(d) {
                break;
            }
            if !(d.is_ascii_alphanumeric() || d == '_') {
                ascii_ident = false;
            }
            end = j + d.len_utf8();
            it.next();
        }
        if ascii_ident {
            out.push((i, end));
        }
    }
    out
}

/// Python's `\w` (Unicode word characters).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// What Brian2 suggests for a scaled unit of dimension `d`: `get_unit(d)` if it
/// is a base unit, else the Python-code form of the dimension (`metre ** 3`).
fn base_unit_suggestion(d: Dim) -> String {
    let repr = UnitRegistry::EMPTY.get_unit_repr(d);
    if base_unit(&repr).is_some() {
        repr
    } else if d.is_one() {
        "Unit(1)".to_string()
    } else {
        d.python_form()
    }
}

const SI_PREFIXES: [&str; 21] = [
    "da", "y", "z", "a", "f", "p", "n", "u", "m", "c", "d", "h", "k", "M", "G", "T", "P", "E", "Z", "Y", "",
];

/// A base unit close to an unknown name: a unit symbol (`V` → `volt`), a
/// prefixed base unit Brian2 lacks (`cmetre` → `metre`), or a near miss in
/// spelling (`siemen` → `siemens`).
fn did_you_mean(name: &str) -> Option<String> {
    let by_symbol = |n: &str| -> Option<String> {
        table::REGISTERED_STANDARD
            .iter()
            .find(|(_, r, s)| *s == n && base_unit(r).is_some())
            .map(|(_, r, _)| r.to_string())
            .or_else(|| base_unit(n).map(|_| n.to_string()))
    };
    if let Some(b) = by_symbol(name) {
        return Some(b);
    }
    let lower = name.to_ascii_lowercase();
    if let Some(b) = table::BASE_UNITS
        .iter()
        .map(|e| e.0)
        .find(|b| b.to_ascii_lowercase() == lower)
    {
        return Some(b.to_string());
    }
    for p in SI_PREFIXES {
        if let Some(rest) = name.strip_prefix(p)
            && !p.is_empty()
            && !rest.is_empty()
        {
            let rest = rest.trim_end_matches(['2', '3']);
            if let Some(b) = by_symbol(rest) {
                return Some(b);
            }
        }
    }
    if name.len() < 4 {
        return None;
    }
    table::BASE_UNITS
        .iter()
        .map(|e| (edit_distance(&lower, &e.0.to_ascii_lowercase()), e.0))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, b)| b.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::base_units_allowed;

    fn err(spec: &str) -> UnitSpecError {
        match parse_unit_spec(spec) {
            Ok(t) => panic!("{spec:?} should fail, got {t:?}"),
            Err(e) => e,
        }
    }

    fn float(spec: &str) -> Dim {
        match parse_unit_spec(spec) {
            Ok(VarType::Float(d)) => d,
            other => panic!("{spec:?} should be a float unit, got {other:?}"),
        }
    }

    #[test]
    fn spec_valid() {
        assert_eq!(parse_unit_spec("volt"), Ok(VarType::Float(Dim::VOLT)));
        assert_eq!(parse_unit_spec("1"), Ok(VarType::Float(Dim::ONE)));
        assert_eq!(parse_unit_spec("  1 "), Ok(VarType::Float(Dim::ONE)));
        assert_eq!(parse_unit_spec("boolean"), Ok(VarType::Boolean));
        assert_eq!(parse_unit_spec("integer"), Ok(VarType::Integer));
        let sm2 = Dim::SIEMENS.div(Dim::METRE.powf(2.0));
        assert_eq!(float("siemens/meter**2"), sm2);
        assert_eq!(float("siemens / metre ** 2"), sm2);
        assert_eq!(float("metre**-2"), Dim::METRE.powf(-2.0));
        assert_eq!(float("amp*second"), Dim::COULOMB);
        assert_eq!(float("second**-0.5"), Dim::SECOND.powf(-0.5));
        assert!(float("(volt/second)**0.5").same(Dim::VOLT.div(Dim::SECOND).powf(0.5)));
        assert_eq!(float("1/second"), Dim::HERTZ);
        assert_eq!(float("Hz"), Dim::HERTZ);
        assert_eq!(float("mM"), Dim::MMOLAR);
        assert_eq!(float("mmolar/second"), Dim::MMOLAR.div(Dim::SECOND));
        assert_eq!(float("kgram"), Dim::KILOGRAM);
        assert_eq!(float("radian"), Dim::ONE);
        assert_eq!(float("volt/volt"), Dim::ONE);
        assert_eq!(float("ohm*meter"), Dim::OHM.mul(Dim::METRE));
        assert_eq!(float("volt**2**2"), Dim::VOLT.powf(4.0));
        assert_eq!(float("metre**-1**2"), Dim::METRE.recip());
        assert_eq!(float("volt ** - 2"), Dim::VOLT.powf(-2.0));
        assert_eq!(float("metre**(1/2)"), Dim::METRE.powf(0.5));
    }

    #[test]
    fn spec_scaled_unit() {
        let e = err("mV");
        assert_eq!(
            e.message,
            "Unit specification refers to 'mV', but this is not a base unit. Use 'volt' instead."
        );
        assert_eq!((e.start, e.end), (0, 2));
        assert_eq!(e.kind, UnitSpecErrorKind::NotBaseUnit);
        assert_eq!(e.brian_exception(), "ValueError");
        assert!(e.help.is_some());

        let e = err("  siemens/cm**2");
        assert_eq!((e.start, e.end), (10, 12));
        assert!(e.message.ends_with("Use 'metre' instead."), "{}", e.message);

        assert!(err("gram").message.ends_with("Use 'kilogram' instead."));
        assert!(err("um2").message.ends_with("Use 'metre ** 2' instead."));
        assert!(err("liter").message.ends_with("Use 'metre ** 3' instead."));
        assert!(err("molar").message.ends_with("Use 'mmolar' instead."));
        assert!(err("Mohm").message.ends_with("Use 'ohm' instead."));
        assert!(err("second2").message.ends_with("Use 'second ** 2' instead."));
        assert!(err("mradian").message.ends_with("Use 'radian' instead."));
        assert!(
            err("molar2")
                .message
                .ends_with("Use 'metre ** -6 * mole ** 2' instead.")
        );
    }

    #[test]
    fn spec_unknown_name() {
        let e = err("volt*foo");
        assert_eq!(
            e.message,
            format!(
                "Unit specification refers to 'foo', but this is not a base unit. The following base units are allowed: {}.",
                base_units_allowed()
            )
        );
        assert!(base_units_allowed().starts_with("amp (ampere), candle (lumen), coulomb, farad"));
        assert!(base_units_allowed().contains("hertz (Hz, becquerel)"));
        assert!(base_units_allowed().contains("mmolar (mM)"));
        assert_eq!((e.start, e.end), (5, 8));
        assert_eq!(e.kind, UnitSpecErrorKind::UnknownName);
        assert_eq!(e.help, None);
        assert_eq!(err("V").help.as_deref(), Some("did you mean 'volt'?"));
        assert_eq!(err("kg").help.as_deref(), Some("did you mean 'kilogram'?"));
        assert_eq!(err("siemen").help.as_deref(), Some("did you mean 'siemens'?"));
        assert_eq!(err("cmetre").help.as_deref(), Some("did you mean 'metre'?"));
        assert_eq!(err("Volt").help.as_deref(), Some("did you mean 'volt'?"));
        // `float` and `Integer` are no type names either.
        assert_eq!(err("float").kind, UnitSpecErrorKind::UnknownName);
        assert_eq!(err("Integer").kind, UnitSpecErrorKind::UnknownName);
    }

    #[test]
    fn spec_bool_quantity_number() {
        let e = err(" bool ");
        assert_eq!(
            e.message,
            "Use 'boolean' not 'bool' as the unit for a boolean variable."
        );
        assert_eq!((e.start, e.end), (1, 5));
        assert_eq!(e.brian_exception(), "TypeError");

        let quantity = "'2*volt' does not evaluate to a unit but to a quantity -- make sure to only use units, e.g. 'siemens/metre**2' and not '1 * siemens/metre**2'";
        let e = err("2*volt");
        assert_eq!(e.message, quantity);
        assert_eq!((e.start, e.end), (0, 6));
        assert_eq!(e.kind, UnitSpecErrorKind::Quantity);
        for spec in ["volt*2", "-volt", "volt**1", "volt/2", "2/second", "volt+volt"] {
            assert_eq!(err(spec).kind, UnitSpecErrorKind::Quantity, "{spec}");
        }

        assert_eq!(
            err("1*1").message,
            "'1*1' does not evaluate to a unit, the result has type <class 'int'> instead."
        );
        assert!(err("1.0").message.contains("<class 'float'>"));
        assert!(err("1/1").message.contains("<class 'float'>"));
        assert!(err("not volt").message.contains("<class 'bool'>"));
        assert_eq!(err("2").kind, UnitSpecErrorKind::NotAUnit);
    }

    #[test]
    fn spec_invalid() {
        let e = err("volt volt");
        assert_eq!(
            e.message,
            "Could not interpret 'volt volt' as a unit specification: invalid syntax (<string>, line 1)"
        );
        assert_eq!((e.start, e.end), (5, 9));
        assert_eq!(e.kind, UnitSpecErrorKind::Invalid);
        assert_eq!(err("").kind, UnitSpecErrorKind::Invalid);
        assert_eq!(err("   ").kind, UnitSpecErrorKind::Invalid);
        let e = err("(volt");
        assert!(e.message.contains("'(' was never closed"));
        assert_eq!((e.start, e.end), (0, 1));
        assert_eq!(err("volt**").kind, UnitSpecErrorKind::Invalid);
        assert_eq!(err("2volt").kind, UnitSpecErrorKind::Invalid);
        assert_eq!(err("volt)").kind, UnitSpecErrorKind::Invalid);
        let e = err("volt**0");
        assert!(e.message.contains("'_ones_like'"), "{}", e.message);
        assert!(err("volt + metre").message.contains("the units do not match"));
        assert!(err("1/0").message.ends_with("division by zero"));
    }

    #[test]
    fn spec_names_and_registry() {
        let p = parse_unit_spec_full("siemens/meter**2").unwrap_or_else(|e| panic!("{e}"));
        let name = p.name.clone().unwrap_or_else(|| panic!("named"));
        assert_eq!(name.repr, "siemens / (meter ** 2)");
        assert_eq!(name.display, "S/(m^2)");
        assert_eq!(p.created.len(), 2);
        assert_eq!(p.created[0].1.repr, "meter ** 2");

        let sm2 = Dim::SIEMENS.div(Dim::METRE.powf(2.0));
        let mut reg = UnitRegistry::new();
        assert_eq!(
            reg.get_unit_repr(sm2),
            "metre ** -4 * kilogram ** -1 * second ** 3 * amp ** 2"
        );
        assert_eq!(reg.get_unit_for_display(sm2), "m^-4 kg^-1 s^3 A^2");
        reg.register_all(&p.created);
        assert_eq!(reg.get_unit_repr(sm2), "siemens / (meter ** 2)");
        assert_eq!(reg.get_unit_for_display(sm2), "S/(m^2)");
        // The standard register wins over user units.
        assert_eq!(reg.get_unit_repr(Dim::METRE.powf(2.0)), "metre2");
        // The additional register comes after user units.
        let jk = Dim::JOULE.div(Dim::KELVIN);
        assert_eq!(reg.get_unit_repr(jk), "joule / kelvin");
        reg.register(
            jk,
            UnitName {
                repr: "joule / kelvin2".into(),
                display: "x".into(),
            },
        );
        assert_eq!(reg.get_unit_repr(jk), "joule / kelvin2");

        let name = |s: &str| parse_unit_spec_full(s).ok().and_then(|p| p.name).map(|n| n.repr);
        assert_eq!(name("volt").as_deref(), Some("volt"));
        assert_eq!(name("mM").as_deref(), Some("mmolar"));
        assert_eq!(name("1/second").as_deref(), Some("second ** -1"));
        assert_eq!(name("(volt/second)**0.5").as_deref(), Some("(volt / second) ** 0.5"));
        assert_eq!(name("volt*second/metre").as_deref(), Some("(volt * second) / metre"));
        assert_eq!(name("volt**3.0").as_deref(), Some("volt ** 3.0"));
        assert_eq!(name("volt**2.0").as_deref(), Some("volt ** 2"));
        assert_eq!(name("1"), None);
    }
}
