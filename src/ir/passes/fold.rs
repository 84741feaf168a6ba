//! Constant folding, and the rewrites of comparisons that save a conversion or
//! a division per element (`int(x) >= K`, `x / c >= k`), all exact: a folded
//! result is bit-identical to what the backends compute at run time.

use super::pure;
use crate::ir::{BinOp, Expr, Func, Ty, UnOp};

/// A comparison of two constants, as the backends compute it (a float
/// comparison with a NaN is false, except `!=`); `None` for other operators.
fn compare<T: PartialOrd>(op: BinOp, x: T, y: T) -> Option<bool> {
    Some(match op {
        BinOp::Lt => x < y,
        BinOp::Le => x <= y,
        BinOp::Gt => x > y,
        BinOp::Ge => x >= y,
        BinOp::Eq => x == y,
        BinOp::Ne => x != y,
        _ => return None,
    })
}

fn f64_bin(op: BinOp, x: f64, y: f64) -> Option<Expr> {
    if let Some(b) = compare(op, x, y) {
        return Some(Expr::Bool(b));
    }
    Some(match op {
        BinOp::Add => Expr::F64(x + y),
        BinOp::Sub => Expr::F64(x - y),
        BinOp::Mul => Expr::F64(x * y),
        BinOp::Div => Expr::F64(x / y),
        BinOp::Pow => Expr::F64(x.powf(y)),
        BinOp::FloorDiv => Expr::F64(libm::floor(x / y)),
        BinOp::Mod => Expr::F64(x - y * libm::floor(x / y)),
        _ => return None,
    })
}

fn i64_bin(op: BinOp, x: i64, y: i64) -> Option<Expr> {
    if let Some(b) = compare(op, x, y) {
        return Some(Expr::Bool(b));
    }
    Some(match op {
        BinOp::Add => Expr::I64(x.wrapping_add(y)),
        BinOp::Sub => Expr::I64(x.wrapping_sub(y)),
        BinOp::Mul => Expr::I64(x.wrapping_mul(y)),
        // What the backends compute (`i64::MIN // -1` wraps, a zero divisor gives 0).
        BinOp::FloorDiv => Expr::I64(crate::ir::int_floor_div(x, y)),
        BinOp::Mod => Expr::I64(crate::ir::int_mod(x, y)),
        _ => return None,
    })
}

/// Folds an expression in place where all its operands are constants. Only
/// operations whose compile-time result is bit-identical to the run-time one are
/// folded (f64 and i64 arithmetic, f64 math calls, with the runtime's functions).
pub fn fold(e: &mut Expr) {
    if matches!(
        e,
        Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Local(_) | Expr::Scalar(_)
    ) {
        return;
    }
    e.for_each_child_mut(fold);
    // `int(x) >= K` for a float x and an integer K >= 1 is `x >= K` (truncation
    // toward zero cannot move a value across K >= 1; NaN compares false both
    // ways): saves the saturating conversion in the refractoriness test.
    if let Expr::Binary(BinOp::Ge, a, b) = &*e
        && let (Expr::Cast(Ty::I64, x), Expr::I64(k)) = (&**a, &**b)
        && *k >= 1
        && *k < (1 << 52)
        && let Some(ft) = float_ty(x)
    {
        let kf = if ft == Ty::F32 {
            Expr::F32(*k as f32)
        } else {
            Expr::F64(*k as f64)
        };
        if ft == Ty::F64 || (*k as f32) as i64 == *k {
            *e = Expr::Binary(BinOp::Ge, x.clone(), Box::new(kf));
        }
    }
    if let Some(n) = division_free_comparison(e) {
        *e = n;
        return;
    }
    let new = match &*e {
        Expr::Unary(UnOp::Neg, a) => match **a {
            Expr::F64(x) => Some(Expr::F64(-x)),
            Expr::I64(x) => Some(Expr::I64(x.wrapping_neg())),
            _ => None,
        },
        Expr::Unary(UnOp::Not, a) => match **a {
            Expr::Bool(x) => Some(Expr::Bool(!x)),
            _ => None,
        },
        Expr::Binary(op, a, b) => match (&**a, &**b) {
            (Expr::F64(x), Expr::F64(y)) => f64_bin(*op, *x, *y),
            (Expr::I64(x), Expr::I64(y)) => i64_bin(*op, *x, *y),
            // `x * 1.0`, `1.0 * x` and `x / 1.0` are `x` exactly, in IEEE
            // arithmetic (signed zeros, infinities and NaN included): the
            // integrators write such products (COBAHH: 8 per neuron and step).
            (x, Expr::F64(one)) if *one == 1.0 && matches!(op, BinOp::Mul | BinOp::Div) => Some(x.clone()),
            (Expr::F64(one), x) if *one == 1.0 && *op == BinOp::Mul => Some(x.clone()),
            (Expr::Bool(x), Expr::Bool(y)) => match op {
                BinOp::And => Some(Expr::Bool(*x && *y)),
                BinOp::Or => Some(Expr::Bool(*x || *y)),
                BinOp::Eq => Some(Expr::Bool(x == y)),
                BinOp::Ne => Some(Expr::Bool(x != y)),
                _ => None,
            },
            _ => None,
        },
        Expr::Cast(ty, a) => match (ty, &**a) {
            (Ty::F64, Expr::I64(x)) => Some(Expr::F64(*x as f64)),
            (Ty::F64, Expr::Bool(x)) => Some(Expr::F64(f64::from(u8::from(*x)))),
            (Ty::I64, Expr::Bool(x)) => Some(Expr::I64(i64::from(*x))),
            (Ty::I64, Expr::F64(x)) => Some(Expr::I64(if x.is_nan() { 0 } else { *x as i64 })),
            (Ty::F32, Expr::F64(x)) => Some(Expr::F32(*x as f32)),
            (Ty::F32, Expr::I64(x)) => Some(Expr::F32(*x as f32)),
            _ => None,
        },
        // Both sides are evaluated: the dropped one must have no effect.
        Expr::Select(c, a, b) => match **c {
            Expr::Bool(true) if pure(b) => Some((**a).clone()),
            Expr::Bool(false) if pure(a) => Some((**b).clone()),
            _ => None,
        },
        Expr::Call(f, args) if args.len() == 1 => match args[0] {
            Expr::F64(x) => {
                let v = match f {
                    // The kernels' own `exp`, so that folding changes no bit.
                    Func::Exp => Some(spikejit_runtime::exp::exp(x)),
                    Func::Log => Some(x.ln()),
                    Func::Log10 => Some(x.log10()),
                    Func::Sqrt => Some(x.sqrt()),
                    Func::Sin => Some(x.sin()),
                    Func::Cos => Some(x.cos()),
                    Func::Tan => Some(x.tan()),
                    Func::Sinh => Some(x.sinh()),
                    Func::Cosh => Some(x.cosh()),
                    Func::Tanh => Some(x.tanh()),
                    Func::Expm1 => Some(x.exp_m1()),
                    Func::Log1p => Some(x.ln_1p()),
                    Func::Abs => Some(x.abs()),
                    Func::Floor => Some(x.floor()),
                    Func::Ceil => Some(x.ceil()),
                    _ => None,
                };
                v.map(Expr::F64)
            }
            _ => None,
        },
        _ => None,
    };
    if let Some(n) = new {
        *e = n;
    }
}

/// `x / c CMP k` with f64 constants `c > 0` and `k` as a comparison of `x` with a
/// threshold, without the division (the refractoriness test `(t - lastspike)/dt >=
/// steps` runs for every neuron on every step). Exact, not approximate: division
/// by a positive constant, correctly rounded, is monotone in `x`, so `{x : x/c >=
/// k}` is `{x : x >= T}` for the least such `T`, which is found here by stepping
/// through neighbouring floats; NaN compares false on both sides.
fn division_free_comparison(e: &Expr) -> Option<Expr> {
    let Expr::Binary(op, a, b) = e else { return None };
    // Normalise to `x / c OP k`.
    let (op, quotient, k) = match (&**a, &**b) {
        (q @ Expr::Binary(BinOp::Div, ..), Expr::F64(k)) => (*op, q, *k),
        (Expr::F64(k), q @ Expr::Binary(BinOp::Div, ..)) => (
            match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                _ => return None,
            },
            q,
            *k,
        ),
        _ => return None,
    };
    let Expr::Binary(_, x, c) = quotient else { return None };
    let Expr::F64(c) = **c else { return None };
    if !(c > 0.0 && c.is_finite() && k.is_finite()) {
        return None;
    }
    // `x / c >= k` is `x >= ge`; `x / c > k` is `x >= gt`.
    let ge = least_float(|x| x / c >= k, k * c)?;
    let gt = least_float(|x| x / c > k, k * c)?;
    let (op, t) = match op {
        BinOp::Ge => (BinOp::Ge, ge),
        BinOp::Lt => (BinOp::Lt, ge),
        BinOp::Gt => (BinOp::Ge, gt),
        BinOp::Le => (BinOp::Lt, gt),
        _ => return None,
    };
    Some(Expr::Binary(op, x.clone(), Box::new(Expr::F64(t))))
}

/// The least float `x` for which the monotone predicate `holds` is true, searched
/// from `guess` (within a few ulps of the answer); `None` when not found nearby.
fn least_float(holds: impl Fn(f64) -> bool, guess: f64) -> Option<f64> {
    if !guess.is_finite() {
        return None;
    }
    let mut x = guess;
    for _ in 0..64 {
        match (holds(x), holds(x.next_down())) {
            (true, false) => return Some(x),
            (true, true) => x = x.next_down(),
            (false, _) => x = x.next_up(),
        }
        if !x.is_finite() {
            return None;
        }
    }
    None
}

/// The float type of an expression, when it is evidently a float (without a kernel
/// at hand: literals, casts and arithmetic on them; loads are not known here).
fn float_ty(e: &Expr) -> Option<Ty> {
    match e {
        Expr::F64(_) => Some(Ty::F64),
        Expr::F32(_) => Some(Ty::F32),
        Expr::Cast(t, _) if t.is_float() => Some(*t),
        Expr::Binary(op, a, b) if !op.is_comparison() && !op.is_logical() => float_ty(a).or_else(|| float_ty(b)),
        Expr::Unary(UnOp::Neg, a) => float_ty(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The division-free comparison agrees with the division for every operator,
    /// both operand orders, and values at, around and far from the threshold.
    #[test]
    fn comparisons_lose_their_division_exactly() {
        let mut rng = spikejit_runtime::Rng::seed(7, 0);
        let mut within = |a: f64, b: f64| a + (b - a) * rng.uniform();
        let mut rewritten = 0;
        let ops = [BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge];
        let divisors = [1e-4, 0.1e-3, 3.7, 1.0 / 3.0, 1e-300, 7e250];
        let bounds = [50.0, 0.5, 20.0, -3.0, 0.0, 1.0 / 7.0, 12345.678];
        for &c in &divisors {
            for &kk in &bounds {
                for &op in &ops {
                    for flipped in [false, true] {
                        let x = Expr::Scalar(0);
                        let q = Expr::bin(BinOp::Div, x, Expr::F64(c));
                        let e = if flipped {
                            Expr::bin(op, Expr::F64(kk), q)
                        } else {
                            Expr::bin(op, q, Expr::F64(kk))
                        };
                        let Some(Expr::Binary(nop, _, t)) = division_free_comparison(&e) else {
                            continue;
                        };
                        rewritten += 1;
                        let Expr::F64(t) = *t else {
                            panic!("threshold is not a constant")
                        };
                        let cmp = |op: BinOp, a: f64, b: f64| match op {
                            BinOp::Lt => a < b,
                            BinOp::Le => a <= b,
                            BinOp::Gt => a > b,
                            _ => a >= b,
                        };
                        let mut xs = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, t];
                        let (mut up, mut down) = (t, t);
                        for _ in 0..8 {
                            up = up.next_up();
                            down = down.next_down();
                            xs.extend([up, down]);
                        }
                        for _ in 0..2000 {
                            xs.push(kk * c * (1.0 + within(-1e-3, 1e-3)));
                            xs.push(within(-1.0, 1.0) * (kk.abs() + 1.0) * c * 10.0);
                        }
                        for x in xs {
                            let want = if flipped {
                                cmp(op, kk, x / c)
                            } else {
                                cmp(op, x / c, kk)
                            };
                            assert_eq!(cmp(nop, x, t), want, "x={x:e} c={c:e} k={kk} {op:?} flipped={flipped}");
                        }
                    }
                }
            }
        }
        // All but `k = 0` with the huge divisor, where the threshold (about -c·2^-1075,
        // the negative floats whose quotient rounds to -0) is far from the guess k·c = 0:
        // those keep their division.
        assert_eq!(rewritten, divisors.len() * bounds.len() * ops.len() * 2 - ops.len() * 2);
        // The refractoriness test of every LIF model loses its division.
        let e = Expr::bin(
            BinOp::Ge,
            Expr::bin(BinOp::Div, Expr::Scalar(0), Expr::F64(0.0001)),
            Expr::F64(50.0),
        );
        assert!(matches!(
            division_free_comparison(&e),
            Some(Expr::Binary(BinOp::Ge, _, _))
        ));
    }
}
