//! pest pairs → AST: the grammar, the expressions every kind of string is
//! made of, and the limits that keep a hostile string from overflowing the
//! stack. The only files that see pest are this one and its submodules, one a
//! kind of string (equations, statements, generators) and one for turning
//! pest's errors into diagnostics.

mod equations;
mod errors;
mod generator;
mod statements;

use std::sync::{Arc, OnceLock};

use pest::Parser;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest_derive::Parser;

use super::ast::*;
use crate::diag::{Diagnostic, Errors, Source, Span};
use errors::{nesting_error, pest_error};

pub use equations::parse_equations;
pub use generator::parse_generator;
pub use statements::parse_statements;

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
    /// A lowering of pairs parsed from `src.text[offset..]`, without errors yet.
    fn new(src: &'a Arc<Source>, offset: usize) -> Lower<'a> {
        Lower {
            src,
            offset,
            errors: Vec::new(),
            level: 0,
        }
    }

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
    let mut lower = Lower::new(src, start);
    let top = pairs.next().and_then(|p| p.into_inner().next());
    let e = match top {
        Some(p) => lower.expr(p),
        None => Expr::int(0),
    };
    lower.finish(e)
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
}
