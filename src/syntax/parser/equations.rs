//! Model equations (`dv/dt = ... : volt (flags)`, subexpressions, parameters).

use std::sync::Arc;

use pest::Parser;

use super::errors::{end_of_previous_line, equation_head_error, found_token, nesting_error, pest_error, token_len};
use super::{BrianParser, Lower, Rule};
use crate::diag::{Diagnostic, Errors, Source, Span};
use crate::syntax::ast::*;

/// Parses model equations.
pub fn parse_equations(src: &Arc<Source>) -> Result<Vec<Equation>, Errors> {
    nesting_error(src, 0, &src.text)?;
    let pairs = BrianParser::parse(Rule::equations, &src.text).map_err(|e| {
        // pest gives up at the start of an equation whose head is wrong ("dv/dt -v...",
        // "v volt"): say what the head lacks, at the character where it goes wrong.
        let at_equation = match &e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => positives
                .iter()
                .any(|r| matches!(r, Rule::equations | Rule::diff_eq | Rule::subexpr | Rule::param)),
            _ => false,
        };
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
        };
        if at_equation && let Some((k, expected, help)) = equation_head_error(&src.text, pos) {
            let found = found_token(&src.text[k..]);
            let end = (k + token_len(&src.text[k..])).min(src.text.len());
            return Errors::one(
                Diagnostic::at(
                    "syntax",
                    src,
                    Span::new(k, end),
                    format!("syntax error in the model equations: {expected}, found {found}"),
                )
                .with_label(expected)
                .with_help(help),
            );
        }
        let mut d = pest_error(src, 0, src.text.len(), e, "the model equations");
        // What an equation lacks at its end (its unit, a closing parenthesis) is
        // found only at the next line, or at the end of the text: the closing
        // quotes in a file. Point at the end of the line that lacks it.
        if let Some(end) = end_of_previous_line(&src.text, d.span.start) {
            d.span = Span::new(end, end);
        }
        Errors::one(d)
    })?;
    let mut lower = Lower::new(src, 0);
    let mut out = Vec::new();
    for p in pairs.flatten() {
        let kind = match p.as_rule() {
            Rule::diff_eq => EquationKind::Differential,
            Rule::subexpr => EquationKind::Subexpression,
            Rule::param => EquationKind::Parameter,
            _ => continue,
        };
        // without the line breaks and blanks pest's implicit whitespace adds at the end
        let full = lower.span(&p);
        let span = Span::new(full.start, full.start + p.as_str().trim_end().len());
        let mut name = String::new();
        let mut name_span = Span::default();
        let mut rhs = None;
        let mut unit = String::new();
        let mut unit_span = Span::default();
        let mut flags = Vec::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::diff_lhs => {
                    if let Some(id) = part.into_inner().find(|q| q.as_rule() == Rule::ident) {
                        name = id.as_str().to_string();
                        name_span = lower.span(&id);
                    }
                }
                Rule::ident => {
                    name = part.as_str().to_string();
                    name_span = lower.span(&part);
                }
                Rule::expr => rhs = Some(lower.expr(part)),
                Rule::unit_spec => {
                    let s = lower.span(&part);
                    let raw = part.as_str();
                    let trimmed = raw.trim_end();
                    unit = trimmed.to_string();
                    unit_span = Span::new(s.start, s.start + trimmed.len());
                }
                Rule::flags => {
                    for f in part.into_inner() {
                        let s = lower.span(&f);
                        let raw = f.as_str();
                        let trimmed = raw.trim_end();
                        flags.push(Flag {
                            name: trimmed.split_whitespace().collect::<Vec<_>>().join(" "),
                            span: Span::new(s.start, s.start + trimmed.len()),
                        });
                    }
                }
                _ => {}
            }
        }
        out.push(Equation {
            kind,
            name,
            name_span,
            rhs,
            unit,
            unit_span,
            flags,
            span,
        });
    }
    lower.finish(out)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equations() {
        let src = Source::new(
            "m",
            "dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\n\
             dge/dt = -ge/taue : volt # comment\n\
             I = ge +\n   gi : volt\n\
             tau : second (constant, shared)\n\
             d x / dt = -x/tau : 1",
        );
        let eqs = parse_equations(&src).unwrap();
        assert_eq!(eqs.len(), 5);
        assert_eq!(eqs[0].kind, EquationKind::Differential);
        assert_eq!(eqs[0].name, "v");
        assert_eq!(eqs[0].unit, "volt");
        assert_eq!(eqs[0].flags[0].name, "unless refractory");
        assert_eq!(eqs[2].kind, EquationKind::Subexpression);
        assert_eq!(eqs[2].rhs.as_ref().unwrap().to_string(), "ge + gi");
        assert_eq!(eqs[3].kind, EquationKind::Parameter);
        assert_eq!(eqs[3].flags.len(), 2);
        assert_eq!(eqs[4].name, "x");
        assert!(parse_equations(&Source::new("m", "")).unwrap().is_empty());
        assert!(parse_equations(&Source::new("m", "dv/dt -v/tau : 1")).is_err());
    }
}
