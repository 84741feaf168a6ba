//! Connect generator expressions (`k for k in range(...) if ...`,
//! `sample(..., p=...)`) and their short forms.

use std::sync::Arc;

use pest::Parser;
use pest::iterators::Pair;

use super::errors::{nesting_error, pest_error};
use super::{BrianParser, Lower, Rule};
use crate::diag::{Errors, Source, Span};
use crate::syntax::ast::*;

/// Parses a connect generator expression (or the short forms `ELEMENT` and
/// `ELEMENT if COND`, which become `ELEMENT for _ in range(1) [if COND]`).
pub fn parse_generator(src: &Arc<Source>) -> Result<Generator, Errors> {
    nesting_error(src, 0, &src.text)?;
    let pairs = BrianParser::parse(Rule::generator, &src.text).map_err(|e| {
        Errors::one(pest_error(src, 0, src.text.len(), e, "the generator expression").with_help(
            "generator syntax is e.g. 'k for k in range(i-10, i+10) if k != i' or 'k for k in sample(N_post, p=0.1)'",
        ))
    })?;
    let mut lower = Lower::new(src, 0);
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
