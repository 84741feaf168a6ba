//! Small powers as products (asked for by the kernel builder): `x**2`,
//! `x**3` and `x**4` of a value that costs nothing to read again (a constant,
//! a local, a scalar, an element) become `x*x`, `x*x*x`, `x*x*x*x`.
//!
//! `pow` is a library call: in a spatial neuron's membrane current
//! (`gNa*m**3*h`, `gK*n**4`, evaluated for every compartment at every step)
//! it was the most costly part of the step. The products differ from `pow`
//! by an ulp or two, so kernels whose results Brian2's `pow` defines keep it;
//! Brian2's C++, built with `-ffast-math`, multiplies as well.

use super::each_root_expr;
use crate::ir::{BinOp, Expr, Kernel, Ty};

/// Rewrites the small powers of `k` (run before the optimiser, so that the
/// repeated reads of the base are merged as any others).
pub fn small_powers_as_products(k: &mut Kernel) {
    fn expr(e: &mut Expr) {
        e.for_each_child_mut(expr);
        let Expr::Binary(BinOp::Pow, base, exponent) = e else {
            return;
        };
        let simple = matches!(
            **base,
            Expr::F64(_) | Expr::F32(_) | Expr::Local(_) | Expr::Scalar(_) | Expr::Load(..)
        );
        let k = match &**exponent {
            Expr::F64(x) if x.fract() == 0.0 => Some(*x as i64),
            Expr::I64(k) => Some(*k),
            Expr::Cast(Ty::F64, a) => match **a {
                Expr::I64(k) => Some(k),
                _ => None,
            },
            _ => None,
        };
        if let (true, Some(k @ 2..=4)) = (simple, k) {
            let b = (**base).clone();
            let mut p = b.clone();
            for _ in 1..k {
                p = Expr::bin(BinOp::Mul, p, b.clone());
            }
            *e = p;
        }
    }
    each_root_expr(&mut k.body, &mut expr);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Stmt;

    /// `m**3` is `m*m*m`; a power of a larger base, or a larger or
    /// fractional exponent, stays a power.
    #[test]
    fn small_powers_of_simple_bases_only() {
        let mut k = Kernel::new("t");
        let m = k.local("m", Ty::F64);
        let n = k.local("n", Ty::F64);
        let y = k.local("y", Ty::F64);
        let pow = |a: Expr, b: Expr| Expr::bin(BinOp::Pow, a, b);
        let (lm, ln) = (Expr::Local(m), Expr::Local(n));
        k.body = vec![
            Stmt::Assign(y, pow(lm.clone(), Expr::F64(3.0))),
            Stmt::Assign(y, pow(ln.clone(), Expr::Cast(Ty::F64, Box::new(Expr::I64(4))))),
            Stmt::Assign(y, pow(Expr::bin(BinOp::Mul, lm.clone(), ln.clone()), Expr::F64(2.0))),
            Stmt::Assign(y, pow(lm.clone(), Expr::F64(5.0))),
            Stmt::Assign(y, pow(lm.clone(), Expr::F64(2.5))),
        ];
        small_powers_as_products(&mut k);
        let mul = |a: Expr, b: Expr| Expr::bin(BinOp::Mul, a, b);
        let at = |i: usize| match &k.body[i] {
            Stmt::Assign(_, e) => e.clone(),
            _ => unreachable!(),
        };
        assert_eq!(at(0), mul(mul(lm.clone(), lm.clone()), lm.clone()));
        assert_eq!(at(1), mul(mul(mul(ln.clone(), ln.clone()), ln.clone()), ln.clone()));
        for i in 2..5 {
            assert!(matches!(at(i), Expr::Binary(BinOp::Pow, _, _)), "{:?}", at(i));
        }
    }
}
