//! pest pairs → AST. The only file that sees pest.

use std::sync::{Arc, OnceLock};

use pest::Parser;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest_derive::Parser;

use super::ast::*;
use crate::diag::{Diagnostic, Errors, Source, Span};

#[derive(Parser)]
#[grammar = "../grammar/expr.pest"]
#[grammar = "../grammar/equations.pest"]
#[grammar = "../grammar/statements.pest"]
#[grammar = "../grammar/generator.pest"]
struct BrianParser;

fn pratt() -> &'static PrattParser<Rule> {
    static P: OnceLock<PrattParser<Rule>> = OnceLock::new();
    P.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::prefix(Rule::not))
            .op(Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left)
                | Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left))
            .op(Op::infix(Rule::bitor, Assoc::Left))
            .op(Op::infix(Rule::bitxor, Assoc::Left))
            .op(Op::infix(Rule::bitand, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::floordiv, Assoc::Left)
                | Op::infix(Rule::modulo, Assoc::Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos))
            .op(Op::infix(Rule::pow, Assoc::Right))
    })
}

fn span_of(p: &Pair<Rule>) -> Span {
    Span::new(p.as_span().start(), p.as_span().end())
}

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

/// The deepest expression tree accepted: every later pass (unit checks,
/// integration, lowering) walks trees recursively.
const MAX_DEPTH: usize = 400;
/// Syntax errors kept per string; more are dropped as noise.
const MAX_ERRORS: usize = 10;
/// Prefix operators (`-`, `+`, `not`) allowed in a row.
const MAX_PREFIX: usize = 100;

/// The depth of an expression tree, without recursion.
fn tree_depth(e: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        match &e.kind {
            ExprKind::Call(_, args) => stack.extend(args.iter().map(|a| (a, d + 1))),
            ExprKind::Unary(_, a) => stack.push((a, d + 1)),
            ExprKind::Binary(_, a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            _ => {}
        }
    }
    deepest
}

/// An error at the first parenthesis of `text` (at `offset` in `src`) nested
/// deeper than [`MAX_NESTING`].
fn nesting_error(src: &Arc<Source>, offset: usize, text: &str) -> Result<(), Errors> {
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
fn found_token(rest: &str) -> String {
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
fn token_len(rest: &str) -> usize {
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
fn pest_error(src: &Arc<Source>, offset: usize, len: usize, e: pest::error::Error<Rule>, what: &str) -> Diagnostic {
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
fn end_of_previous_line(text: &str, pos: usize) -> Option<usize> {
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
fn equation_head_error(text: &str, pos: usize) -> Option<(usize, String, String)> {
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

/// The parser of one source text: spans are relative to `src.text`, with pieces
/// parsed at `offset` into it.
struct Lower<'a> {
    src: &'a Arc<Source>,
    offset: usize,
    errors: Vec<Diagnostic>,
    /// How many `expr` calls are open (0: lowering a whole expression).
    level: usize,
}

impl<'a> Lower<'a> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        span_of(p).shift(self.offset)
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        // A garbled string can produce an error per token; past a few the rest
        // say nothing new (and rendering each costs time: found by fuzzing).
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(Diagnostic::at("syntax", self.src, span, msg));
        }
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        debug_assert_eq!(pair.as_rule(), Rule::expr);
        // The Pratt parser recurses once per prefix operator: a run of thousands
        // (`- - - ... 1`) would overflow the stack before the depth check below
        // (found by fuzzing).
        let mut run = 0usize;
        for p in pair.clone().into_inner() {
            if matches!(p.as_rule(), Rule::neg | Rule::pos | Rule::not) {
                run += 1;
                if run > MAX_PREFIX {
                    let span = self.span(&p);
                    self.error(
                        span,
                        format!("more than {MAX_PREFIX} signs or 'not's in a row: simplify the expression"),
                    );
                    return Expr::new(ExprKind::Int(0), span);
                }
            } else {
                run = 0;
            }
        }
        self.level += 1;
        let e = self.pratt(pair.into_inner()).0;
        self.level -= 1;
        if self.level == 0 && tree_depth(&e) > MAX_DEPTH {
            self.error(
                e.span,
                format!(
                    "this expression is nested too deeply (more than {MAX_DEPTH} levels of operators and \
                     parentheses): split it into subexpressions"
                ),
            );
            return Expr::new(ExprKind::Int(0), e.span);
        }
        e
    }

    /// Returns the expression and whether it is a bare comparison (for the
    /// chained-comparison check).
    fn pratt(&mut self, pairs: Pairs<Rule>) -> (Expr, bool) {
        // The Pratt parser's closures cannot borrow `self` mutably more than once, so
        // errors are collected through a RefCell.
        let this = std::cell::RefCell::new(self);
        pratt()
            .map_primary(|p| (this.borrow_mut().primary(p), false))
            .map_prefix(|op, (rhs, _)| {
                let span = span_of(&op).shift(this.borrow().offset).cover(rhs.span);
                let uop = match op.as_rule() {
                    Rule::neg => UnOp::Neg,
                    Rule::pos => UnOp::Pos,
                    _ => UnOp::Not,
                };
                (Expr::new(ExprKind::Unary(uop, Box::new(rhs)), span), false)
            })
            .map_infix(|(lhs, lhs_cmp), op, (rhs, _)| {
                let op_span = span_of(&op).shift(this.borrow().offset);
                let bop = match op.as_rule() {
                    Rule::or => BinOp::Or,
                    Rule::and => BinOp::And,
                    Rule::lt => BinOp::Lt,
                    Rule::le => BinOp::Le,
                    Rule::gt => BinOp::Gt,
                    Rule::ge => BinOp::Ge,
                    Rule::eq => BinOp::Eq,
                    Rule::ne => BinOp::Ne,
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    Rule::div => BinOp::Div,
                    Rule::floordiv => BinOp::FloorDiv,
                    Rule::modulo => BinOp::Mod,
                    Rule::pow => BinOp::Pow,
                    r => {
                        let instead = match r {
                            Rule::bitand => "use 'and' instead",
                            Rule::bitor => "use 'or' instead",
                            _ => "use '**' for powers",
                        };
                        this.borrow_mut().error(
                            op_span,
                            format!("the operator '{}' is not supported: {instead}", op.as_str()),
                        );
                        BinOp::And
                    }
                };
                if bop.is_comparison() && lhs_cmp {
                    this.borrow_mut().error(
                        lhs.span.cover(rhs.span),
                        "chained comparisons such as 'a < b < c' are not supported: write 'a < b and b < c'",
                    );
                }
                (Expr::bin(bop, lhs, rhs), bop.is_comparison())
            })
            .parse(pairs)
    }

    fn primary(&mut self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::int => match p.as_str().parse::<i64>() {
                Ok(v) => Expr::new(ExprKind::Int(v), span),
                Err(_) => {
                    // Too large for an integer: Python would keep it exact, we use a float.
                    Expr::new(ExprKind::Float(p.as_str().parse().unwrap_or(f64::INFINITY)), span)
                }
            },
            Rule::float => Expr::new(ExprKind::Float(p.as_str().parse().unwrap_or(f64::NAN)), span),
            Rule::true_lit => Expr::new(ExprKind::Bool(true), span),
            Rule::false_lit => Expr::new(ExprKind::Bool(false), span),
            Rule::ident => Expr::new(ExprKind::Name(p.as_str().to_string()), span),
            Rule::paren => {
                let inner = p.into_inner().next();
                match inner {
                    Some(e) => {
                        let mut e = self.expr(e);
                        e.span = span;
                        e
                    }
                    None => Expr::new(ExprKind::Int(0), span),
                }
            }
            Rule::call => {
                let mut it = p.into_inner();
                let name = it.next().map(|n| n.as_str().to_string()).unwrap_or_default();
                let mut args = Vec::new();
                if let Some(a) = it.next() {
                    for arg in a.into_inner() {
                        match arg.as_rule() {
                            Rule::kwarg => {
                                let s = self.span(&arg);
                                self.error(s, format!("keyword arguments are not supported in a call to '{name}'"));
                            }
                            _ => args.push(self.expr(arg)),
                        }
                    }
                }
                Expr::new(ExprKind::Call(name, args), span)
            }
            Rule::expr => self.expr(p),
            _ => Expr::new(ExprKind::Int(0), span),
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Errors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Errors(self.errors))
        }
    }
}

/// Parses a whole string as one expression.
pub fn parse_expression(src: &Arc<Source>) -> Result<Expr, Errors> {
    parse_expression_at(src, 0, src.text.len())
}

/// Parses `src.text[start..end]` as one expression (spans relative to the whole text).
pub fn parse_expression_at(src: &Arc<Source>, start: usize, end: usize) -> Result<Expr, Errors> {
    let text = &src.text[start..end];
    nesting_error(src, start, text)?;
    let mut pairs = BrianParser::parse(Rule::expression, text)
        .map_err(|e| Errors::one(pest_error(src, start, end - start, e, "the expression")))?;
    let mut lower = Lower {
        src,
        offset: start,
        errors: Vec::new(),
        level: 0,
    };
    let top = pairs.next().and_then(|p| p.into_inner().next());
    let e = match top {
        Some(p) => lower.expr(p),
        None => Expr::int(0),
    };
    lower.finish(e)
}

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
    let mut lower = Lower {
        src,
        offset: 0,
        errors: Vec::new(),
        level: 0,
    };
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
        let mut lower = Lower {
            src,
            offset: start,
            errors: Vec::new(),
            level: 0,
        };
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

/// Parses a connect generator expression (or the short forms `ELEMENT` and
/// `ELEMENT if COND`, which become `ELEMENT for _ in range(1) [if COND]`).
pub fn parse_generator(src: &Arc<Source>) -> Result<Generator, Errors> {
    nesting_error(src, 0, &src.text)?;
    let pairs = BrianParser::parse(Rule::generator, &src.text).map_err(|e| {
        Errors::one(pest_error(src, 0, src.text.len(), e, "the generator expression").with_help(
            "generator syntax is e.g. 'k for k in range(i-10, i+10) if k != i' or 'k for k in sample(N_post, p=0.1)'",
        ))
    })?;
    let mut lower = Lower {
        src,
        offset: 0,
        errors: Vec::new(),
        level: 0,
    };
    let top = pairs.into_iter().next();
    let span = Span::new(0, src.text.len());
    let mut element = None;
    let mut var = "_".to_string();
    let mut var_span = Span::default();
    let mut iter = None;
    let mut iter_span = Span::default();
    let mut cond = None;
    for part in top.into_iter().flat_map(|t| t.into_inner()) {
        match part.as_rule() {
            Rule::expr => element = Some(lower.expr(part)),
            Rule::gen_for => {
                let mut it = part.into_inner();
                if let Some(v) = it.next() {
                    var = v.as_str().to_string();
                    var_span = lower.span(&v);
                }
                if let Some(g) = it.next() {
                    iter_span = lower.span(&g);
                    iter = Some(lower.gen_iter(g));
                }
            }
            Rule::gen_if => {
                if let Some(c) = part.into_inner().next() {
                    cond = Some(lower.expr(c));
                }
            }
            _ => {}
        }
    }
    let iter = match iter {
        Some(Some(it)) => it,
        Some(None) => GenIter::Range {
            low: None,
            high: Expr::int(1),
            step: None,
        },
        None => GenIter::Range {
            low: None,
            high: Expr::int(1),
            step: None,
        },
    };
    let element = element.unwrap_or_else(|| Expr::int(0));
    let g = Generator {
        element,
        var,
        var_span,
        iter,
        iter_span,
        cond,
        span,
    };
    lower.finish(g)
}

impl<'a> Lower<'a> {
    fn gen_iter(&mut self, p: Pair<Rule>) -> Option<GenIter> {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name_pair = it.next()?;
        let name = name_pair.as_str().to_string();
        let mut positional = Vec::new();
        let mut keywords: Vec<(String, Expr, Span)> = Vec::new();
        if let Some(args) = it.next() {
            for a in args.into_inner() {
                match a.as_rule() {
                    Rule::kwarg => {
                        let s = self.span(&a);
                        let mut kv = a.into_inner();
                        let k = kv.next().map(|k| k.as_str().to_string()).unwrap_or_default();
                        let v = kv.next().map(|v| self.expr(v)).unwrap_or_else(|| Expr::int(0));
                        keywords.push((k, v, s));
                    }
                    _ => positional.push(self.expr(a)),
                }
            }
        }
        let nargs = positional.len();
        let (low, high, step) = match nargs {
            1 => (None, positional.pop(), None),
            2 => {
                let high = positional.pop();
                (positional.pop(), high, None)
            }
            3 => {
                let step = positional.pop();
                let high = positional.pop();
                (positional.pop(), high, step)
            }
            _ => {
                self.error(
                    span,
                    format!("'{name}' takes 1 to 3 positional arguments (low, high, step), got {nargs}"),
                );
                return None;
            }
        };
        let high = high?;
        match name.as_str() {
            "range" => {
                if let Some((k, _, s)) = keywords.first() {
                    self.error(*s, format!("'range' takes no keyword argument '{k}'"));
                    return None;
                }
                Some(GenIter::Range { low, high, step })
            }
            "sample" => {
                if keywords.len() != 1 {
                    self.error(
                        span,
                        "'sample' needs exactly one keyword argument: 'p=...' or 'size=...'",
                    );
                    return None;
                }
                let (k, v, s) = keywords.pop()?;
                match k.as_str() {
                    "p" => Some(GenIter::SampleP { low, high, step, p: v }),
                    "size" => Some(GenIter::SampleSize {
                        low,
                        high,
                        step,
                        size: v,
                    }),
                    _ => {
                        self.error(s, format!("'sample' takes 'p=' or 'size=', not '{k}='"));
                        None
                    }
                }
            }
            _ => {
                let s = self.span(&name_pair);
                self.error(
                    s,
                    format!("the iterator must be 'range(...)' or 'sample(...)', not '{name}(...)'"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str) -> String {
        parse_expression(&Source::new("t", s))
            .map(|e| e.to_string())
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn precedence() {
        assert_eq!(ex("-x**2"), "-x ** 2");
        assert_eq!(ex("2**-1"), "2 ** (-1)");
        assert_eq!(ex("a + b * c"), "a + b * c");
        assert_eq!(ex("(a + b) * c"), "(a + b) * c");
        assert_eq!(ex("a ** b ** c"), "a ** b ** c");
        assert_eq!(ex("(a ** b) ** c"), "(a ** b) ** c");
        assert_eq!(ex("not a == b and c"), "not a == b and c");
        assert_eq!(ex("a - b - c"), "a - b - c");
        assert_eq!(ex("a - (b - c)"), "a - (b - c)");
        assert_eq!(ex("v>-50*mV"), "v > -50 * mV");
        assert_eq!(ex("1e-3 + .5 + 3."), "0.001 + 0.5 + 3.0");
        assert_eq!(ex("a//b % c"), "a // b % c");
        assert_eq!(ex("f(x, y)"), "f(x, y)");
        assert_eq!(ex("True or False"), "True or False");
    }

    #[test]
    fn rejects() {
        assert!(ex("a < b < c").starts_with("ERR"));
        assert!(ex("a & b").starts_with("ERR"));
        assert!(ex("f(x=1)").starts_with("ERR"));
        assert!(ex("a +").starts_with("ERR"));
        assert!(!ex("(a < b) < c").starts_with("ERR"));
    }

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

    #[test]
    fn generators() {
        let g = parse_generator(&Source::new("g", "k for k in sample(N_post, p=0.1) if k != i")).unwrap();
        assert!(matches!(g.iter, GenIter::SampleP { .. }));
        assert_eq!(g.var, "k");
        assert!(g.cond.is_some());
        let g = parse_generator(&Source::new("g", "i")).unwrap();
        assert_eq!(g.var, "_");
        let g = parse_generator(&Source::new("g", "i if i < 3")).unwrap();
        assert!(g.cond.is_some());
        let g = parse_generator(&Source::new("g", "i+(-1)**k for k in range(2)")).unwrap();
        assert!(matches!(g.iter, GenIter::Range { .. }));
        assert!(parse_generator(&Source::new("g", "k for k in foo(3)")).is_err());
        assert!(parse_generator(&Source::new("g", "k for k in sample(3, q=2)")).is_err());
        let g = parse_generator(&Source::new("g", "k for k in range(1, 10, 2)")).unwrap();
        assert!(matches!(
            g.iter,
            GenIter::Range {
                low: Some(_),
                step: Some(_),
                ..
            }
        ));
    }
}
