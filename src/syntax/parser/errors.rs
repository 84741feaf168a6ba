//! pest's errors as diagnostics: what was expected in words ("a name", "an
//! operator"), what was found (a whole token), and where (the head of an
//! equation, the end of the line that lacks its unit); and the nesting limit
//! checked before pest, whose parser recurses once per parenthesis.

use std::sync::Arc;

use super::Rule;
use crate::diag::{Diagnostic, Errors, Source, Span};

fn rule_name(r: &Rule) -> &'static str {
    match r {
        Rule::ident => "a name",
        Rule::expr | Rule::primary => "an expression",
        Rule::float | Rule::int => "a number",
        Rule::call => "a function call",
        Rule::paren => "'('",
        Rule::neg | Rule::sub => "'-'",
        Rule::not => "'not'",
        Rule::prefix => "'-', '+' or 'not'",
        Rule::infix => "an operator",
        Rule::or => "'or'",
        Rule::and => "'and'",
        Rule::add => "'+'",
        Rule::mul => "'*'",
        Rule::div => "'/'",
        Rule::pow => "'**'",
        Rule::EOI => "the end of the text",
        Rule::unit_spec => "a unit (such as 'volt' or '1')",
        Rule::flags => "flags in parentheses",
        Rule::flag => "a flag name",
        Rule::diff_lhs => "'dx/dt'",
        Rule::diff_eq | Rule::subexpr | Rule::param => "an equation",
        Rule::assign_op => "an assignment operator ('=', '+=', '-=', '*=', '/=', '%=')",
        Rule::gen_for => "'for'",
        Rule::gen_if => "'if'",
        Rule::gen_iter => "'range(...)' or 'sample(...)'",
        Rule::call_args => "arguments",
        Rule::kwarg => "a keyword argument",
        _ => "more input",
    }
}

/// The deepest parenthesis nesting accepted (Python's parser stops at 200 too);
/// deeper text is refused before pest sees it, whose parser recurses per level.
const MAX_NESTING: usize = 200;

/// An error at the first parenthesis of `text` (at `offset` in `src`) nested
/// deeper than [`MAX_NESTING`].
pub(super) fn nesting_error(src: &Arc<Source>, offset: usize, text: &str) -> Result<(), Errors> {
    let mut depth = 0usize;
    for (k, c) in text.char_indices() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Errors::one(
                        Diagnostic::at(
                            "syntax",
                            src,
                            Span::new(offset + k, offset + k + 1),
                            format!("parentheses are nested more than {MAX_NESTING} deep"),
                        )
                        .with_label("too deep")
                        .with_help("split the expression into subexpressions"),
                    ));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The infix operators: "expected '+' or '-' or ... or '%'" is written "an operator".
fn is_operator(r: &Rule) -> bool {
    matches!(
        r,
        Rule::or
            | Rule::and
            | Rule::le
            | Rule::ge
            | Rule::eq
            | Rule::ne
            | Rule::lt
            | Rule::gt
            | Rule::add
            | Rule::sub
            | Rule::pow
            | Rule::mul
            | Rule::floordiv
            | Rule::div
            | Rule::modulo
            | Rule::bitand
            | Rule::bitor
            | Rule::bitxor
            | Rule::infix
    )
}

/// The token at the start of `rest`, as an error message names it: a whole word
/// or number ('volt', 'if', '10'), else one character.
pub(super) fn found_token(rest: &str) -> String {
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    if !word.is_empty() {
        return format!("'{word}'");
    }
    match rest.chars().next() {
        None => "the end of the text".to_string(),
        Some('\n') | Some('\r') => "a line break".to_string(),
        Some(c) => format!("'{c}'"),
    }
}

/// The byte length of the token [`found_token`] names (at least 1 unless `rest` is empty).
pub(super) fn token_len(rest: &str) -> usize {
    let word = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        .map_or(rest.len(), |(k, _)| k);
    if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    }
}

/// Turns a pest error into a diagnostic pointing at the failing position.
/// `src.text[offset..offset + len]` is what pest parsed.
pub(super) fn pest_error(
    src: &Arc<Source>,
    offset: usize,
    len: usize,
    e: pest::error::Error<Rule>,
    what: &str,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((a, b)) => (a, b),
    };
    let text = src.text.get(offset..offset + len).unwrap_or("");
    let rest = text.get(start.min(text.len())..).unwrap_or("");
    let found = if rest.is_empty() && what == "the statement" {
        "the end of the statement".to_string()
    } else {
        found_token(rest)
    };
    let mut operator = false;
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            operator = positives.iter().any(is_operator);
            let mut names: Vec<&str> = positives
                .iter()
                .filter(|r| !is_operator(r))
                .map(rule_name)
                .filter(|n| *n != "more input")
                .collect();
            if operator {
                names.insert(0, "an operator");
                // an expression may end here: at a ')' inside parentheses, else at
                // the ':' of an equation's unit
                let before = text.get(..start.min(text.len())).unwrap_or("");
                let depth = before.matches('(').count() as i64 - before.matches(')').count() as i64;
                if depth > 0 {
                    names.push("')'");
                } else if what == "the model equations" {
                    names.push("':' and the unit");
                }
            }
            names.dedup();
            let mut seen = Vec::new();
            names.retain(|n| {
                let new = !seen.contains(n);
                seen.push(*n);
                new
            });
            match names.len() {
                0 => "valid syntax".to_string(),
                1 => names[0].to_string(),
                n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = if end > start {
        end
    } else {
        (start + token_len(rest)).min(text.len()).max(start)
    };
    let mut d = Diagnostic::at(
        "syntax",
        src,
        Span::new(start, end).shift(offset),
        format!("syntax error in {what}: expected {expected}, found {found}"),
    )
    .with_label(format!("expected {expected}"));
    if operator && (found == "'if'" || found == "'else'") {
        d = d.with_help(
            "conditional expressions ('a if c else b') are not supported: \
             write 'int(c)*a + (1 - int(c))*b'",
        );
    }
    d
}

/// When only blanks and at least one line break come between the last text
/// before `pos` and `pos`, the end of that text (the end of the line an error
/// at `pos` belongs to).
pub(super) fn end_of_previous_line(text: &str, pos: usize) -> Option<usize> {
    let before = text.get(..pos)?;
    let end = before.trim_end().len();
    (end > 0 && before[end..].contains('\n')).then_some(end)
}

/// The length of the identifier at the start of `s` (0 if there is none).
fn ident_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(s.len(), |(k, _)| k)
}

/// `k` advanced over spaces and tabs in `s`.
fn skip_blanks(s: &str, mut k: usize) -> usize {
    while matches!(s.as_bytes().get(k), Some(b' ' | b'\t')) {
        k += 1;
    }
    k
}

/// Where pest gave up at the start of an equation, says what is wrong with its head:
/// `dv/dt` not followed by '=', or a name followed by neither '=' nor ':'.
/// Returns the position of the offending token and the message.
pub(super) fn equation_head_error(text: &str, pos: usize) -> Option<(usize, String, String)> {
    let rest = text.get(pos..)?;
    // d NAME / dt
    if let Some(r) = rest.strip_prefix('d') {
        let a = skip_blanks(r, 0);
        let n = ident_len(&r[a..]);
        let b = skip_blanks(r, a + n);
        if n > 0 && r[b..].starts_with('/') {
            let c = skip_blanks(r, b + 1);
            if r[c..].starts_with("dt")
                && ident_len(&r[c + 2..]) == 0
                && !r[c + 2..].starts_with(|ch: char| ch.is_ascii_digit())
            {
                let lhs_end = 1 + c + 2;
                let k = skip_blanks(rest, lhs_end);
                if rest[k..].starts_with('=') {
                    return None;
                }
                let lhs = rest[..lhs_end].to_string();
                return Some((
                    pos + k,
                    format!("expected '=' after '{lhs}'"),
                    format!("a differential equation is written '{lhs} = expression : unit'"),
                ));
            }
        }
    }
    let n = ident_len(rest);
    if n == 0 {
        return None;
    }
    let k = skip_blanks(rest, n);
    if rest[k..].starts_with('=') || rest[k..].starts_with(':') {
        return None;
    }
    let name = &rest[..n];
    Some((
        pos + k,
        format!("expected '=' or ':' after '{name}'"),
        format!(
            "a parameter is written '{name} : unit', a subexpression '{name} = expression : unit' \
             and a differential equation 'd{name}/dt = expression : unit'"
        ),
    ))
}
