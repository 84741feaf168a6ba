//! Abstract code (reset, on_pre, on_post, run_regularly): one statement a
//! line or `;`, each parsed on its own so that every bad line is reported.

use std::sync::Arc;

use pest::Parser;

use super::errors::{nesting_error, pest_error};
use super::{BrianParser, Lower, Rule};
use crate::diag::{Errors, Source};
use crate::syntax::ast::*;

/// Splits abstract code into lines on newlines and ';' (as Brian2 does), dropping
/// comments and blank lines; returns byte ranges.
fn statement_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut k = 0;
    let mut in_comment = false;
    while k <= bytes.len() {
        let c = if k < bytes.len() { bytes[k] } else { b'\n' };
        if c == b'#' {
            in_comment = true;
        }
        if c == b'\n' || (c == b';' && !in_comment) {
            let line = &text[start..k];
            let code_end = line.find('#').map(|h| start + h).unwrap_or(k);
            if !text[start..code_end].trim().is_empty() {
                out.push((start, code_end));
            }
            if c == b'\n' {
                in_comment = false;
            }
            start = k + 1;
        }
        k += 1;
    }
    out
}

/// Parses a block of abstract code (reset, on_pre, ...).
pub fn parse_statements(src: &Arc<Source>) -> Result<Vec<Statement>, Errors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (start, end) in statement_lines(&src.text) {
        let text = &src.text[start..end];
        if let Err(e) = nesting_error(src, start, text) {
            errors.extend(e.0);
            continue;
        }
        let pairs = match BrianParser::parse(Rule::statement, text) {
            Ok(p) => p,
            Err(e) => {
                let mut d = pest_error(src, start, end - start, e, "the statement");
                if text.trim_start().starts_with("if ") || text.trim_start().starts_with("for ") {
                    d = d.with_help(
                        "abstract code has no 'if' or loops: write conditions with booleans, \
                         e.g. 'v = v*int(v <= 0)' or 'clip(...)'",
                    );
                }
                errors.push(d);
                continue;
            }
        };
        let mut lower = Lower::new(src, start);
        let Some(stmt) = pairs.into_iter().next() else { continue };
        let span = lower.span(&stmt);
        let mut it = stmt.into_inner();
        let (Some(target), Some(op), Some(e)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let target_span = lower.span(&target);
        let aop = match op.as_str() {
            "=" => AssignOp::Set,
            "+=" => AssignOp::Add,
            "-=" => AssignOp::Sub,
            "*=" => AssignOp::Mul,
            "/=" => AssignOp::Div,
            "%=" => AssignOp::Mod,
            other => {
                let s = lower.span(&op);
                lower.error(
                    s,
                    format!("the operator '{other}' is not supported: use '=', '+=', '-=', '*=', '/=' or '%='"),
                );
                AssignOp::Set
            }
        };
        let expr = lower.expr(e);
        errors.append(&mut lower.errors);
        out.push(Statement {
            target: target.as_str().to_string(),
            target_span,
            op: aop,
            expr,
            span,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Errors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        let src = Source::new("c", "v = 0; g = 0;\n  ge += w # c\n\nx %= 2");
        let st = parse_statements(&src).unwrap();
        assert_eq!(st.len(), 4);
        assert_eq!(st[2].op, AssignOp::Add);
        assert_eq!(&src.text[st[2].target_span.start..st[2].target_span.end], "ge");
        assert!(parse_statements(&Source::new("c", "if v > 0: v = 0")).is_err());
        assert!(parse_statements(&Source::new("c", "v **= 2")).is_err());
        assert!(parse_statements(&Source::new("c", "v == 2")).is_err());
    }
}
