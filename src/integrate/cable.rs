//! The membrane current of a spatial neuron, split for the cable equation's
//! implicit step: `Im = -gtot*v + I0`, with `gtot = -dIm/dv` and
//! `I0 = Im - dIm/dv * v` (Brian2 differentiates `Im` with sympy). A current
//! linear in `v`, as channel models are, is split by its linear form; any
//! other by the derivative of the functions below.

use super::linear::linear_form;
use crate::syntax::ast::{BinOp, Expr, ExprKind, UnOp};

/// `(gtot, I0)` of the membrane current `im` (its subexpressions
/// substituted), or why `v` cannot be taken out of it.
pub fn split_membrane_current(im: &Expr) -> Result<(Expr, Expr), String> {
    let v = "v".to_string();
    if let Some(form) = linear_form(im, std::slice::from_ref(&v)) {
        let gtot = match form.coeffs.into_iter().next().flatten() {
            Some(c) => Expr::negate(c),
            None => zero_conductance(),
        };
        let i0 = form.constant.unwrap_or_else(zero_current);
        return Ok((gtot, i0));
    }
    match derivative(im, &v)? {
        Some(d) => {
            let gtot = Expr::negate(d.clone());
            let i0 = Expr::bin(BinOp::Sub, im.clone(), Expr::bin(BinOp::Mul, d, Expr::name("v")));
            Ok((gtot, i0))
        }
        None => Ok((zero_conductance(), im.clone())),
    }
}

/// `0*siemens/meter**2`, as Brian2 writes a zero conductance.
fn zero_conductance() -> Expr {
    per_square_metre(Expr::bin(BinOp::Mul, Expr::float(0.0), Expr::name("siemens")))
}

/// `0*amp/meter**2`.
fn zero_current() -> Expr {
    per_square_metre(Expr::bin(BinOp::Mul, Expr::float(0.0), Expr::name("amp")))
}

fn per_square_metre(e: Expr) -> Expr {
    Expr::bin(BinOp::Div, e, Expr::bin(BinOp::Pow, Expr::name("meter"), Expr::int(2)))
}

fn mentions(e: &Expr, v: &str) -> bool {
    let mut found = false;
    e.for_each_name(&mut |n, _| found |= n == v);
    found
}

/// `d e / d v`, symbolically; `None` where it is zero (a literal 0 would
/// carry no unit into the sums it is part of).
fn derivative(e: &Expr, v: &str) -> Result<Option<Expr>, String> {
    if !mentions(e, v) {
        return Ok(None);
    }
    let d = |x: &Expr| derivative(x, v);
    let mul = |a: Expr, b: Expr| Expr::bin(BinOp::Mul, a, b);
    // `a·b` with `a` (or nothing) in place of the derivative
    let times = |a: Option<Expr>, b: Expr| a.map(|a| mul(a, b));
    let sum = |a: Option<Expr>, b: Option<Expr>, op: BinOp| match (a, b) {
        (Some(a), Some(b)) => Some(Expr::bin(op, a, b)),
        (Some(a), None) => Some(a),
        (None, Some(b)) if op == BinOp::Sub => Some(Expr::negate(b)),
        (None, b) => b,
    };
    Ok(match &e.kind {
        ExprKind::Name(_) => Some(Expr::float(1.0)),
        ExprKind::Unary(UnOp::Neg, a) => d(a)?.map(Expr::negate),
        ExprKind::Unary(UnOp::Pos, a) => d(a)?,
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => sum(d(a)?, d(b)?, *op),
        ExprKind::Binary(BinOp::Mul, a, b) => sum(
            times(d(a)?, (**b).clone()),
            d(b)?.map(|db| mul((**a).clone(), db)),
            BinOp::Add,
        ),
        ExprKind::Binary(BinOp::Div, a, b) => {
            // a'/b - a·b'/b²
            let first = d(a)?.map(|da| Expr::bin(BinOp::Div, da, (**b).clone()));
            let second =
                d(b)?.map(|db| Expr::bin(BinOp::Div, mul((**a).clone(), db), mul((**b).clone(), (**b).clone())));
            sum(first, second, BinOp::Sub)
        }
        ExprKind::Binary(BinOp::Pow, a, b) if !mentions(b, v) => {
            // b·a^(b-1)·a'
            let exp = Expr::bin(BinOp::Sub, (**b).clone(), Expr::float(1.0));
            d(a)?.map(|da| mul(mul((**b).clone(), Expr::bin(BinOp::Pow, (**a).clone(), exp)), da))
        }
        ExprKind::Binary(BinOp::Pow, a, b) if !mentions(a, v) => {
            // a^b·log(a)·b'
            d(b)?.map(|db| mul(mul(e.clone(), Expr::call("log", vec![(**a).clone()])), db))
        }
        ExprKind::Call(f, args) if args.len() == 1 => {
            let a = &args[0];
            let outer = match f.as_str() {
                "exp" => e.clone(),
                "log" => Expr::bin(BinOp::Div, Expr::float(1.0), a.clone()),
                "sqrt" => Expr::bin(BinOp::Div, Expr::float(0.5), e.clone()),
                "sin" => Expr::call("cos", vec![a.clone()]),
                "cos" => Expr::negate(Expr::call("sin", vec![a.clone()])),
                "sinh" => Expr::call("cosh", vec![a.clone()]),
                "cosh" => Expr::call("sinh", vec![a.clone()]),
                "tanh" => Expr::bin(BinOp::Sub, Expr::float(1.0), mul(e.clone(), e.clone())),
                "expm1" => Expr::call("exp", vec![a.clone()]),
                "log1p" => Expr::bin(
                    BinOp::Div,
                    Expr::float(1.0),
                    Expr::bin(BinOp::Add, Expr::float(1.0), a.clone()),
                ),
                other => return Err(cannot(&format!("the function '{other}'"))),
            };
            d(a)?.map(|da| mul(outer, da))
        }
        ExprKind::Call(f, _) => return Err(cannot(&format!("the function '{f}'"))),
        _ => return Err(cannot("this expression")),
    })
}

fn cannot(what: &str) -> String {
    format!("cannot take the derivative of the membrane current 'Im' with respect to v: {what} of v has none here")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::integrate::{Env, eval_const};

    struct At(f64);
    impl Env for At {
        fn constant(&self, name: &str) -> Option<f64> {
            match name {
                "v" => Some(self.0),
                "g" => Some(2.0),
                "E" => Some(-0.07),
                _ => None,
            }
        }
    }

    fn expr(s: &str) -> Expr {
        crate::syntax::parse_expression(&Source::new("t", s)).unwrap()
    }

    /// Both ways of splitting give `Im(v) = -gtot(v)·v + I0(v)` and `gtot = -dIm/dv`.
    #[test]
    fn split_recombines_to_the_current() {
        for text in [
            "g*(E - v)",
            "g*(E - v) + 3*v*v",
            "g*exp(v/0.01)",
            "-v/(1 + v*v)",
            "g*sqrt(1 + v**2)",
        ] {
            let im = expr(text);
            let (gtot, i0) = split_membrane_current(&im).unwrap();
            for x in [-0.07, 0.0, 0.03] {
                let env = At(x);
                let f = |e: &Expr| eval_const(e, &env).unwrap();
                let back = -f(&gtot) * x + f(&i0);
                assert!((back - f(&im)).abs() < 1e-12, "{text} at {x}");
                let h = 1e-6;
                let num = (eval_const(&im, &At(x + h)).unwrap() - eval_const(&im, &At(x - h)).unwrap()) / (2.0 * h);
                assert!(
                    (f(&gtot) + num).abs() < 1e-5 * (1.0 + num.abs()),
                    "{text} at {x}: {} vs {num}",
                    f(&gtot)
                );
            }
        }
        assert!(split_membrane_current(&expr("g*abs(v)")).is_err());
    }
}
