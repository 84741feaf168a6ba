//! IR passes: constant folding and loop-invariant lifting.
//!
//! Cranelift does not hoist calls out of loops (`v *= exp(-dt/tau)` with the
//! `exp` in the loop is 11× slower), so, like Brian2's optimiser, the pure
//! sub-expressions of a loop body that do not depend on the element are computed
//! once before the loop.

use super::{BinOp, Expr, Func, Kernel, Stmt, Ty, UnOp};

/// Folds constants, then lifts loop invariants out of the top-level loops.
pub fn optimise(k: &mut Kernel) {
    let mut body = std::mem::take(&mut k.body);
    fold_block(&mut body);
    let mut out = Vec::with_capacity(body.len());
    for s in body {
        match s {
            Stmt::For {
                var,
                start,
                end,
                body: mut inner,
            } => {
                let mut lifted: Vec<(Expr, usize)> = Vec::new();
                for st in inner.iter_mut() {
                    lift_stmt(st, k, &mut lifted);
                }
                for (e, l) in lifted {
                    out.push(Stmt::Assign(l, e));
                }
                out.push(Stmt::For {
                    var,
                    start,
                    end,
                    body: inner,
                });
            }
            other => out.push(other),
        }
    }
    k.body = out;
}

fn is_random(f: Func) -> bool {
    matches!(
        f,
        Func::Rand
            | Func::Randn
            | Func::Poisson
            | Func::Binomial
            | Func::GeometricSkip
            | Func::SampleSize
            | Func::SampleGet
            | Func::PushSynapse
            | Func::ReportError
    )
}

/// Whether an expression has the same value for every iteration of a loop.
fn invariant(e: &Expr) -> bool {
    match e {
        Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Scalar(_) => true,
        Expr::Local(_) | Expr::Load(..) => false,
        Expr::Unary(_, a) | Expr::Cast(_, a) => invariant(a),
        Expr::Binary(_, a, b) => invariant(a) && invariant(b),
        Expr::Select(c, a, b) => invariant(c) && invariant(a) && invariant(b),
        Expr::Call(f, args) => !is_random(*f) && args.iter().all(invariant),
    }
}

fn is_leaf(e: &Expr) -> bool {
    matches!(
        e,
        Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Scalar(_) | Expr::Local(_)
    )
}

fn lift_expr(e: &mut Expr, k: &mut Kernel, lifted: &mut Vec<(Expr, usize)>) {
    if !is_leaf(e) && invariant(e) {
        let l = match lifted.iter().find(|(x, _)| x == e) {
            Some((_, l)) => *l,
            None => {
                let ty = e.ty(k);
                let l = k.local(format!("_lio_{}", lifted.len() + 1), ty);
                lifted.push((e.clone(), l));
                l
            }
        };
        *e = Expr::Local(l);
        return;
    }
    match e {
        Expr::Load(_, a) | Expr::Unary(_, a) | Expr::Cast(_, a) => lift_expr(a, k, lifted),
        Expr::Binary(_, a, b) => {
            lift_expr(a, k, lifted);
            lift_expr(b, k, lifted);
        }
        Expr::Select(c, a, b) => {
            lift_expr(c, k, lifted);
            lift_expr(a, k, lifted);
            lift_expr(b, k, lifted);
        }
        Expr::Call(_, args) => args.iter_mut().for_each(|a| lift_expr(a, k, lifted)),
        _ => {}
    }
}

fn lift_stmt(s: &mut Stmt, k: &mut Kernel, lifted: &mut Vec<(Expr, usize)>) {
    match s {
        Stmt::Assign(_, e) | Stmt::Eval(e) => lift_expr(e, k, lifted),
        Stmt::Store { index, value, .. } => {
            lift_expr(index, k, lifted);
            lift_expr(value, k, lifted);
        }
        Stmt::If { cond, then, els } => {
            lift_expr(cond, k, lifted);
            then.iter_mut().for_each(|s| lift_stmt(s, k, lifted));
            els.iter_mut().for_each(|s| lift_stmt(s, k, lifted));
        }
        Stmt::For { start, end, body, .. } => {
            lift_expr(start, k, lifted);
            lift_expr(end, k, lifted);
            body.iter_mut().for_each(|s| lift_stmt(s, k, lifted));
        }
        Stmt::While { cond, body } => {
            lift_expr(cond, k, lifted);
            body.iter_mut().for_each(|s| lift_stmt(s, k, lifted));
        }
    }
}

fn fold_block(b: &mut [Stmt]) {
    for s in b.iter_mut() {
        match s {
            Stmt::Assign(_, e) | Stmt::Eval(e) => fold(e),
            Stmt::Store { index, value, .. } => {
                fold(index);
                fold(value);
            }
            Stmt::If { cond, then, els } => {
                fold(cond);
                fold_block(then);
                fold_block(els);
            }
            Stmt::For { start, end, body, .. } => {
                fold(start);
                fold(end);
                fold_block(body);
            }
            Stmt::While { cond, body } => {
                fold(cond);
                fold_block(body);
            }
        }
    }
}

fn floor_div_i(a: i64, b: i64) -> i64 {
    if b == 0 || (a == i64::MIN && b == -1) {
        return 0;
    }
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) { q - 1 } else { q }
}

fn mod_i(a: i64, b: i64) -> i64 {
    if b == 0 || (a == i64::MIN && b == -1) {
        return 0;
    }
    let r = a % b;
    if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r }
}

fn f64_bin(op: BinOp, x: f64, y: f64) -> Option<Expr> {
    Some(match op {
        BinOp::Add => Expr::F64(x + y),
        BinOp::Sub => Expr::F64(x - y),
        BinOp::Mul => Expr::F64(x * y),
        BinOp::Div => Expr::F64(x / y),
        BinOp::Pow => Expr::F64(libm::pow(x, y)),
        BinOp::FloorDiv => Expr::F64(libm::floor(x / y)),
        BinOp::Mod => Expr::F64(x - y * libm::floor(x / y)),
        BinOp::Lt => Expr::Bool(x < y),
        BinOp::Le => Expr::Bool(x <= y),
        BinOp::Gt => Expr::Bool(x > y),
        BinOp::Ge => Expr::Bool(x >= y),
        BinOp::Eq => Expr::Bool(x == y),
        BinOp::Ne => Expr::Bool(x != y),
        _ => return None,
    })
}

fn i64_bin(op: BinOp, x: i64, y: i64) -> Option<Expr> {
    Some(match op {
        BinOp::Add => Expr::I64(x.wrapping_add(y)),
        BinOp::Sub => Expr::I64(x.wrapping_sub(y)),
        BinOp::Mul => Expr::I64(x.wrapping_mul(y)),
        BinOp::FloorDiv => Expr::I64(floor_div_i(x, y)),
        BinOp::Mod => Expr::I64(mod_i(x, y)),
        BinOp::Lt => Expr::Bool(x < y),
        BinOp::Le => Expr::Bool(x <= y),
        BinOp::Gt => Expr::Bool(x > y),
        BinOp::Ge => Expr::Bool(x >= y),
        BinOp::Eq => Expr::Bool(x == y),
        BinOp::Ne => Expr::Bool(x != y),
        _ => return None,
    })
}

/// Folds an expression in place where all its operands are constants. Only
/// operations whose compile-time result is bit-identical to the run-time one are
/// folded (f64 and i64 arithmetic, f64 libm calls).
pub fn fold(e: &mut Expr) {
    match e {
        Expr::Load(_, a) | Expr::Unary(_, a) | Expr::Cast(_, a) => fold(a),
        Expr::Binary(_, a, b) => {
            fold(a);
            fold(b);
        }
        Expr::Select(c, a, b) => {
            fold(c);
            fold(a);
            fold(b);
        }
        Expr::Call(_, args) => args.iter_mut().for_each(fold),
        _ => return,
    }
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
            return;
        }
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
        Expr::Select(c, a, b) => match **c {
            Expr::Bool(true) => Some((**a).clone()),
            Expr::Bool(false) => Some((**b).clone()),
            _ => None,
        },
        Expr::Call(f, args) if args.len() == 1 => match args[0] {
            Expr::F64(x) => {
                let v = match f {
                    Func::Exp => Some(libm::exp(x)),
                    Func::Log => Some(libm::log(x)),
                    Func::Log10 => Some(libm::log10(x)),
                    Func::Sqrt => Some(libm::sqrt(x)),
                    Func::Sin => Some(libm::sin(x)),
                    Func::Cos => Some(libm::cos(x)),
                    Func::Tan => Some(libm::tan(x)),
                    Func::Sinh => Some(libm::sinh(x)),
                    Func::Cosh => Some(libm::cosh(x)),
                    Func::Tanh => Some(libm::tanh(x)),
                    Func::Expm1 => Some(libm::expm1(x)),
                    Func::Log1p => Some(libm::log1p(x)),
                    Func::Abs => Some(x.abs()),
                    Func::Floor => Some(libm::floor(x)),
                    Func::Ceil => Some(libm::ceil(x)),
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

/// The float type of an expression, when it is evidently a float (without a kernel
/// at hand: literals, casts and arithmetic on them; loads are not known here).
fn float_ty(e: &Expr) -> Option<Ty> {
    match e {
        Expr::F64(_) => Some(Ty::F64),
        Expr::F32(_) => Some(Ty::F32),
        Expr::Cast(t, _) if t.is_float() => Some(*t),
        Expr::Binary(op, a, b) if !op.is_comparison() && !op.is_logical() => float_ty(a).or_else(|| float_ty(b)),
        Expr::Unary(super::UnOp::Neg, a) => float_ty(a),
        _ => None,
    }
}
