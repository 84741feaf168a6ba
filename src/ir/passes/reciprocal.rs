//! Reciprocal division (opt-in, Brian2's `-ffast-math`): division by a
//! constant as multiplication by its reciprocal.

use super::each_root_expr;
use crate::ir::{BinOp, Expr, Kernel};

/// Brian2's C++ targets compile with `-ffast-math`, under which a division by a
/// constant becomes a multiplication by its reciprocal; with `fast_math` on,
/// spikejit does the same: `x / c` for a finite, non-zero constant `c` becomes
/// `x * (1/c)`. That can move a result by an ulp (exact when `c` is a power of
/// two), so it is opt-in; both backends see the rewritten kernel.
pub fn reciprocal_division(k: &mut Kernel) {
    fn expr(e: &mut Expr) {
        e.for_each_child_mut(expr);
        let recip = match e {
            Expr::Binary(BinOp::Div, _, c) => match **c {
                Expr::F64(c) if c.is_finite() && c != 0.0 && (1.0 / c).is_finite() => Some(Expr::F64(1.0 / c)),
                Expr::F32(c) if c.is_finite() && c != 0.0 && (1.0 / c).is_finite() => Some(Expr::F32(1.0 / c)),
                _ => None,
            },
            _ => None,
        };
        if let (Some(r), Expr::Binary(op, _, c)) = (recip, e) {
            *op = BinOp::Mul;
            **c = r;
        }
    }
    each_root_expr(&mut k.body, &mut expr);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Stmt, Ty};

    #[test]
    fn reciprocal_division_of_constants_only() {
        let mut k = Kernel::new("t");
        let x = k.local("x", Ty::F64);
        let y = k.local("y", Ty::F64);
        let div = |a: Expr, b: Expr| Expr::bin(BinOp::Div, a, b);
        k.body = vec![
            Stmt::Assign(y, div(Expr::Local(x), Expr::F64(0.004))),
            Stmt::Assign(y, div(Expr::Local(x), Expr::Local(y))),
            Stmt::Assign(y, div(Expr::Local(x), Expr::F64(0.0))),
            Stmt::Assign(y, div(Expr::Local(x), Expr::F64(1e-310))),
        ];
        reciprocal_division(&mut k);
        let Stmt::Assign(_, e) = &k.body[0] else { panic!() };
        assert_eq!(*e, Expr::bin(BinOp::Mul, Expr::Local(x), Expr::F64(1.0 / 0.004)));
        for s in &k.body[1..] {
            let Stmt::Assign(_, e) = s else { panic!() };
            assert!(matches!(e, Expr::Binary(BinOp::Div, _, _)), "{e:?}");
        }
    }
}
