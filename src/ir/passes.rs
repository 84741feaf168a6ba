//! IR passes: constant folding, loop-invariant lifting, common subexpression
//! elimination, forwarding of elements within element loops, and (opt-in)
//! reciprocal division.
//!
//! Cranelift does not hoist calls out of loops (`v *= exp(-dt/tau)` with the
//! `exp` in the loop is 11× slower), so, like Brian2's optimiser, the pure
//! sub-expressions of a loop body that do not depend on the element are computed
//! once before the loop.

use super::{BinOp, Expr, Func, Kernel, Stmt, Ty, UnOp};

/// Folds constants, lifts loop invariants out of the top-level loops, computes
/// repeated subexpressions once, then forwards elements stored or loaded in an
/// element loop to where they are read again ([`forward_elements`]).
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
    eliminate_common_subexpressions(k);
    forward_elements(k);
}

/// Whether a call has an effect or reads state (random streams, the runtime
/// context, the fault records of checked operations): such calls are not
/// lifted, merged or dropped.
fn is_random(f: Func) -> bool {
    f.is_check()
        || matches!(
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
                | Func::ReportValue
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
    e.for_each_child_mut(|a| lift_expr(a, k, lifted));
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

/// Forwards, within the body of each top-level element loop (`for i in ..`),
/// the element `a[i]` from where it is first loaded or stored to where it is
/// read again, so that a fused state update and threshold keeps `v` and
/// `not_refractory` in registers instead of storing and reloading them (the
/// backends keep no value across a store). A conditional store of an element
/// whose value is known (`if c { a[i] = x }`) becomes `a[i] = select(c, x, a[i])`,
/// which writes the same bits when `c` is false. Only elements whose store and
/// load round-trip exactly are forwarded (not `I32`, whose stores truncate);
/// a store to `a` at another index, a nested loop, or an assignment to the
/// loop variable ends what is known.
pub fn forward_elements(k: &mut Kernel) {
    let mut body = std::mem::take(&mut k.body);
    for s in body.iter_mut() {
        if let Stmt::For { var, body, .. } = s {
            let var = *var;
            if !assigns_local(body, var) {
                let old = std::mem::take(body);
                *body = forward_body(k, var, old);
            }
        }
    }
    k.body = body;
}

fn assigns_local(b: &[Stmt], l: usize) -> bool {
    b.iter().any(|s| match s {
        Stmt::Assign(x, _) => *x == l,
        Stmt::If { then, els, .. } => assigns_local(then, l) || assigns_local(els, l),
        Stmt::For { var, body, .. } => *var == l || assigns_local(body, l),
        Stmt::While { body, .. } => assigns_local(body, l),
        Stmt::Store { .. } | Stmt::Eval(_) => false,
    })
}

/// The arrays stored to anywhere in `b`.
fn stored_arrays(b: &[Stmt], out: &mut Vec<usize>) {
    for s in b {
        match s {
            Stmt::Store { array, .. } => out.push(*array),
            Stmt::If { then, els, .. } => {
                stored_arrays(then, out);
                stored_arrays(els, out);
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => stored_arrays(body, out),
            Stmt::Assign(..) | Stmt::Eval(_) => {}
        }
    }
}

/// Whether a stored element reads back as the stored value (`I32` stores
/// truncate the `I64` value).
fn round_trips(k: &Kernel, array: usize) -> bool {
    k.arrays[array].elem != super::ElemTy::I32
}

fn forward_body(k: &mut Kernel, var: usize, body: Vec<Stmt>) -> Vec<Stmt> {
    use std::collections::HashMap;
    let at_var = |e: &Expr| matches!(e, Expr::Local(l) if *l == var);
    // array -> the local holding a[var]
    let mut known: HashMap<usize, usize> = HashMap::new();
    let mut out = Vec::with_capacity(body.len() + 8);
    // Replaces the loads a[var] of `e` by known locals, first loading into a
    // new local those not known yet (before the statement being rewritten).
    fn rewrite(e: &mut Expr, k: &mut Kernel, var: usize, known: &mut HashMap<usize, usize>, pre: &mut Vec<Stmt>) {
        if let Expr::Load(a, idx) = e
            && matches!(**idx, Expr::Local(l) if l == var)
            && round_trips(k, *a)
        {
            let a = *a;
            let l = match known.get(&a) {
                Some(&l) => l,
                None => {
                    let ty = k.arrays[a].elem.value_ty();
                    let l = k.local(fwd_name(k, a), ty);
                    pre.push(Stmt::Assign(l, std::mem::replace(e, Expr::Bool(false))));
                    known.insert(a, l);
                    l
                }
            };
            *e = Expr::Local(l);
            return;
        }
        // Every part of a top-level statement's expression is evaluated (the
        // backends do not short-circuit `and`/`or` or `select`), so a load
        // moved before the statement runs whenever it did.
        e.for_each_child_mut(|c| rewrite(c, k, var, known, pre));
    }
    for s in body {
        let mut pre = Vec::new();
        match s {
            mut s @ (Stmt::Assign(..) | Stmt::Eval(_)) => {
                if let Stmt::Assign(_, e) | Stmt::Eval(e) = &mut s {
                    rewrite(e, k, var, &mut known, &mut pre);
                }
                out.extend(pre);
                out.push(s);
            }
            Stmt::Store {
                array,
                mut index,
                mut value,
            } => {
                rewrite(&mut index, k, var, &mut known, &mut pre);
                rewrite(&mut value, k, var, &mut known, &mut pre);
                out.extend(pre);
                if at_var(&index) && round_trips(k, array) {
                    let l = k.local(fwd_name(k, array), k.arrays[array].elem.value_ty());
                    out.push(Stmt::Assign(l, value));
                    out.push(Stmt::Store {
                        array,
                        index,
                        value: Expr::Local(l),
                    });
                    known.insert(array, l);
                } else {
                    known.remove(&array);
                    out.push(Stmt::Store { array, index, value });
                }
            }
            Stmt::If { mut cond, then, els } => {
                rewrite(&mut cond, k, var, &mut known, &mut pre);
                out.extend(pre);
                // `if c { a[var] = x }` with a[var] known: a select.
                // The value is then computed whether or not `c` holds: only
                // for values without loads or calls (nothing can fault, draw
                // or read out of bounds).
                if els.is_empty()
                    && let [Stmt::Store { array, index, value }] = then.as_slice()
                    && at_var(index)
                    && round_trips(k, *array)
                    && let Some(&old) = known.get(array)
                    && plain(value)
                {
                    let value = value.clone();
                    let array = *array;
                    let l = k.local(fwd_name(k, array), k.arrays[array].elem.value_ty());
                    out.push(Stmt::Assign(
                        l,
                        Expr::Select(Box::new(cond), Box::new(value), Box::new(Expr::Local(old))),
                    ));
                    out.push(Stmt::Store {
                        array,
                        index: Expr::Local(var),
                        value: Expr::Local(l),
                    });
                    known.insert(array, l);
                    continue;
                }
                // Inside the branches the known values hold (they run after
                // everything before); after the if, what either branch stores
                // is unknown.
                let then = forward_nested(var, then, known.clone());
                let els = forward_nested(var, els, known.clone());
                let mut stored = Vec::new();
                stored_arrays(&then, &mut stored);
                stored_arrays(&els, &mut stored);
                for a in stored {
                    known.remove(&a);
                }
                out.push(Stmt::If { cond, then, els });
            }
            s @ (Stmt::For { .. } | Stmt::While { .. }) => {
                // Nested loops: not analysed; nothing known survives them.
                known.clear();
                out.push(s);
            }
        }
    }
    out
}

/// A fresh local's name: unique, since the printed IR is the compile cache's key.
fn fwd_name(k: &Kernel, array: usize) -> String {
    format!("_fwd{}_{}", k.locals.len(), k.arrays[array].name)
}

/// An expression without loads or calls.
fn plain(e: &Expr) -> bool {
    let mut ok = !matches!(e, Expr::Load(..) | Expr::Call(..));
    e.for_each_child(|a| ok &= plain(a));
    ok
}

/// A branch of an `if` in an element loop: loads are replaced by what is known
/// before the `if`; stores there only end what they overwrite.
fn forward_nested(var: usize, b: Vec<Stmt>, mut known: std::collections::HashMap<usize, usize>) -> Vec<Stmt> {
    fn replace_known(e: &mut Expr, var: usize, known: &std::collections::HashMap<usize, usize>) {
        if let Expr::Load(a, idx) = e
            && matches!(**idx, Expr::Local(l) if l == var)
            && let Some(&l) = known.get(a)
        {
            *e = Expr::Local(l);
            return;
        }
        e.for_each_child_mut(|c| replace_known(c, var, known));
    }
    let mut out = Vec::with_capacity(b.len());
    for mut s in b {
        let mut stored = Vec::new();
        match &mut s {
            Stmt::Assign(_, e) | Stmt::Eval(e) => replace_known(e, var, &known),
            Stmt::Store { index, value, .. } => {
                replace_known(index, var, &known);
                replace_known(value, var, &known);
            }
            Stmt::If { cond, .. } => replace_known(cond, var, &known),
            Stmt::For { .. } | Stmt::While { .. } => known.clear(),
        }
        stored_arrays(std::slice::from_ref(&s), &mut stored);
        for a in stored {
            known.remove(&a);
        }
        out.push(s);
    }
    out
}

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

fn fold_block(b: &mut [Stmt]) {
    each_root_expr(b, &mut fold);
}

/// Calls `f` on every statement-level expression of `b` (conditions, bounds,
/// values, indices), nested blocks included; `f` walks the expression itself.
fn each_root_expr(b: &mut [Stmt], f: &mut impl FnMut(&mut Expr)) {
    for s in b.iter_mut() {
        match s {
            Stmt::Assign(_, e) | Stmt::Eval(e) => f(e),
            Stmt::Store { index, value, .. } => {
                f(index);
                f(value);
            }
            Stmt::If { cond, then, els } => {
                f(cond);
                each_root_expr(then, f);
                each_root_expr(els, f);
            }
            Stmt::For { start, end, body, .. } => {
                f(start);
                f(end);
                each_root_expr(body, f);
            }
            Stmt::While { cond, body } => {
                f(cond);
                each_root_expr(body, f);
            }
        }
    }
}

fn f64_bin(op: BinOp, x: f64, y: f64) -> Option<Expr> {
    Some(match op {
        BinOp::Add => Expr::F64(x + y),
        BinOp::Sub => Expr::F64(x - y),
        BinOp::Mul => Expr::F64(x * y),
        BinOp::Div => Expr::F64(x / y),
        BinOp::Pow => Expr::F64(x.powf(y)),
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
        // What the backends compute (`i64::MIN // -1` wraps, a zero divisor gives 0).
        BinOp::FloorDiv => Expr::I64(super::int_floor_div(x, y)),
        BinOp::Mod => Expr::I64(super::int_mod(x, y)),
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
                    Func::Exp => Some(x.exp()),
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
        Expr::Unary(super::UnOp::Neg, a) => float_ty(a),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Common subexpression elimination
// ---------------------------------------------------------------------------
//
// Integrated equations repeat whole subexpressions: COBAHH's exponential-Euler
// update evaluates `exp((13 mV - v + 63 mV)/4 mV)` twice per gate, 19 `exp` per
// neuron where 10 differ. Cranelift merges pure arithmetic, but neither calls
// nor loads (the arrays are written in the same loop), so the IR does it: in
// each straight-line block, an expression evaluated at least twice between two
// writes to anything it reads is computed once into a fresh local, just before
// the statement that first evaluates it. Only expressions every path evaluates
// are candidates (an `If`'s condition, not its branches, whose blocks are
// treated on their own), so nothing is evaluated speculatively.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// At most this many rewrites per block (each removes at least one evaluation).
const CSE_MAX_ROUNDS: usize = 256;

/// Applies CSE to every block of the kernel.
pub fn eliminate_common_subexpressions(k: &mut Kernel) {
    let mut body = std::mem::take(&mut k.body);
    cse_nested(&mut body, k);
    k.body = body;
}

fn cse_nested(block: &mut Vec<Stmt>, k: &mut Kernel) {
    for s in block.iter_mut() {
        match s {
            Stmt::If { then, els, .. } => {
                cse_nested(then, k);
                cse_nested(els, k);
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => cse_nested(body, k),
            _ => {}
        }
    }
    for _ in 0..CSE_MAX_ROUNDS {
        if !cse_round(block, k) {
            break;
        }
    }
}

/// What an expression reads, for invalidation.
#[derive(Default)]
struct Reads {
    locals: Vec<usize>,
    loads: bool,
}

/// What a statement writes (recursively).
#[derive(Default)]
struct Writes {
    locals: Vec<usize>,
    /// Any store: loads are invalidated by any store (conservative about aliasing).
    stores: bool,
}

fn writes_of(s: &Stmt, w: &mut Writes) {
    match s {
        Stmt::Assign(l, _) => w.locals.push(*l),
        Stmt::Store { .. } => w.stores = true,
        Stmt::If { then, els, .. } => then.iter().chain(els).for_each(|s| writes_of(s, w)),
        Stmt::For { var, body, .. } => {
            w.locals.push(*var);
            body.iter().for_each(|s| writes_of(s, w));
        }
        Stmt::While { body, .. } => body.iter().for_each(|s| writes_of(s, w)),
        Stmt::Eval(_) => {}
    }
}

fn reads_of(e: &Expr, r: &mut Reads) {
    match e {
        Expr::Local(l) => r.locals.push(*l),
        Expr::Load(..) => r.loads = true,
        _ => {}
    }
    e.for_each_child(|a| reads_of(a, r));
}

fn hash_expr(e: &Expr, h: &mut impl Hasher) {
    std::mem::discriminant(e).hash(h);
    match e {
        Expr::F64(x) => x.to_bits().hash(h),
        Expr::F32(x) => x.to_bits().hash(h),
        Expr::I64(x) => x.hash(h),
        Expr::Bool(x) => x.hash(h),
        Expr::Local(l) => l.hash(h),
        Expr::Scalar(s) => s.hash(h),
        Expr::Load(a, i) => {
            a.hash(h);
            hash_expr(i, h);
        }
        Expr::Unary(op, a) => {
            op.hash(h);
            hash_expr(a, h);
        }
        Expr::Cast(t, a) => {
            t.hash(h);
            hash_expr(a, h);
        }
        Expr::Binary(op, a, b) => {
            std::mem::discriminant(op).hash(h);
            hash_expr(a, h);
            hash_expr(b, h);
        }
        Expr::Select(c, a, b) => {
            hash_expr(c, h);
            hash_expr(a, h);
            hash_expr(b, h);
        }
        Expr::Call(f, args) => {
            std::mem::discriminant(f).hash(h);
            args.iter().for_each(|a| hash_expr(a, h));
        }
    }
}

fn expr_key(e: &Expr) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_expr(e, &mut h);
    h.finish()
}

/// Whether `e` may be computed once for several uses: pure (no random or
/// context-dependent call anywhere inside).
fn pure(e: &Expr) -> bool {
    let mut ok = !matches!(e, Expr::Call(f, _) if is_random(*f));
    e.for_each_child(|a| ok &= pure(a));
    ok
}

fn size(e: &Expr) -> usize {
    let mut n = 1;
    e.for_each_child(|a| n += size(a));
    n
}

/// The always-evaluated expressions of a statement.
fn evaluated(s: &Stmt) -> Vec<&Expr> {
    match s {
        Stmt::Assign(_, e) | Stmt::Eval(e) => vec![e],
        Stmt::Store { index, value, .. } => vec![index, value],
        Stmt::If { cond, .. } => vec![cond],
        Stmt::For { start, end, .. } => vec![start, end],
        // The condition is evaluated again after the body: not a candidate.
        Stmt::While { .. } => vec![],
    }
}

fn evaluated_mut(s: &mut Stmt) -> Vec<&mut Expr> {
    match s {
        Stmt::Assign(_, e) | Stmt::Eval(e) => vec![e],
        Stmt::Store { index, value, .. } => vec![index, value],
        Stmt::If { cond, .. } => vec![cond],
        Stmt::For { start, end, .. } => vec![start, end],
        Stmt::While { .. } => vec![],
    }
}

/// Every non-leaf pure subexpression of `e`, with its key.
fn candidates<'a>(e: &'a Expr, out: &mut Vec<(u64, &'a Expr)>) {
    if !is_leaf(e) && pure(e) {
        out.push((expr_key(e), e));
    }
    e.for_each_child(|a| candidates(a, out));
}

struct Window {
    expr: Expr,
    first: usize,
    last: usize,
    count: usize,
    /// When it was first met: ties of gain go to the earliest, so that the
    /// result does not depend on the hash map's order (the printed IR, and
    /// with it the kernel cache's key, is the same in every run).
    seq: usize,
}

/// One rewrite: finds the most profitable repeated expression and computes it
/// once. Returns whether anything changed.
fn cse_round(block: &mut Vec<Stmt>, k: &mut Kernel) -> bool {
    let mut open: HashMap<u64, Window> = HashMap::new();
    let mut met = 0;
    let mut best: Option<(usize, Window)> = None;
    let consider = |w: Window, best: &mut Option<(usize, Window)>| {
        if w.count >= 2 {
            let gain = size(&w.expr) * (w.count - 1);
            if best
                .as_ref()
                .is_none_or(|(g, b)| gain > *g || (gain == *g && w.seq < b.seq))
            {
                *best = Some((gain, w));
            }
        }
    };
    for (si, s) in block.iter().enumerate() {
        let mut cands = Vec::new();
        for e in evaluated(s) {
            candidates(e, &mut cands);
        }
        for (key, e) in cands {
            match open.get_mut(&key) {
                Some(w) if w.expr == *e => {
                    w.count += 1;
                    w.last = si;
                }
                Some(_) => {} // a hash collision: leave the second expression alone
                None => {
                    open.insert(
                        key,
                        Window {
                            expr: e.clone(),
                            first: si,
                            last: si,
                            count: 1,
                            seq: met,
                        },
                    );
                    met += 1;
                }
            }
        }
        let mut w = Writes::default();
        writes_of(s, &mut w);
        if w.locals.is_empty() && !w.stores {
            continue;
        }
        let dead: Vec<u64> = open
            .iter()
            .filter(|(_, win)| {
                let mut r = Reads::default();
                reads_of(&win.expr, &mut r);
                (r.loads && w.stores) || r.locals.iter().any(|l| w.locals.contains(l))
            })
            .map(|(k, _)| *k)
            .collect();
        for key in dead {
            if let Some(win) = open.remove(&key) {
                consider(win, &mut best);
            }
        }
    }
    for (_, win) in open.drain() {
        consider(win, &mut best);
    }
    let Some((_, win)) = best else { return false };
    let ty = win.expr.ty(k);
    let l = k.local(format!("_cse_{}", k.locals.len()), ty);
    for s in &mut block[win.first..=win.last] {
        for e in evaluated_mut(s) {
            replace(e, &win.expr, l);
        }
    }
    block.insert(win.first, Stmt::Assign(l, win.expr));
    true
}

fn replace(e: &mut Expr, target: &Expr, l: usize) {
    if e == target {
        *e = Expr::Local(l);
        return;
    }
    e.for_each_child_mut(|a| replace(a, target, l));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArrayId, ElemTy};

    /// Candidates of equal gain: the one met first is taken, whatever the
    /// hash map's order, so the printed IR (the kernel cache's key) is the
    /// same every time (each map below has its own random hash seed).
    #[test]
    fn cse_is_deterministic() {
        let mut base = Kernel::new("t");
        let x: Vec<usize> = (0..4).map(|n| base.local(format!("x{n}"), Ty::F64)).collect();
        let y = base.local("y", Ty::F64);
        let mul = |a: usize, b: usize| Expr::bin(BinOp::Mul, Expr::Local(a), Expr::Local(b));
        let add = |a: Expr, b: Expr| Expr::bin(BinOp::Add, a, b);
        base.body = vec![
            Stmt::Assign(y, add(mul(x[0], x[1]), mul(x[2], x[3]))),
            Stmt::Assign(y, add(mul(x[2], x[3]), mul(x[0], x[1]))),
        ];
        let printed = |mut k: Kernel| {
            eliminate_common_subexpressions(&mut k);
            k.to_string()
        };
        let first = printed(base.clone());
        assert!(first.contains("_cse_"), "{first}");
        for _ in 0..50 {
            assert_eq!(printed(base.clone()), first);
        }
    }

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

    fn exp_of(a: ArrayId, idx: usize) -> Expr {
        Expr::Call(
            Func::Exp,
            vec![Expr::bin(BinOp::Div, Expr::load(a, Expr::Local(idx)), Expr::F64(0.004))],
        )
    }

    fn count_exp(e: &Expr) -> usize {
        let mut n = usize::from(matches!(e, Expr::Call(Func::Exp, _)));
        e.for_each_child(|a| n += count_exp(a));
        n
    }

    fn count_block(b: &[Stmt]) -> usize {
        b.iter()
            .map(|s| match s {
                Stmt::Assign(_, e) | Stmt::Eval(e) => count_exp(e),
                Stmt::Store { index, value, .. } => count_exp(index) + count_exp(value),
                Stmt::If { cond, then, els } => count_exp(cond) + count_block(then) + count_block(els),
                Stmt::For { body, .. } | Stmt::While { body, .. } => count_block(body),
            })
            .sum()
    }

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

    /// `m = (m + exp(v/4mV)) * exp(v/4mV); v = ...; out = exp(v/4mV)`: the first
    /// two merge, the third follows a store to `v` and must stay.
    #[test]
    fn repeated_calls_merge_until_a_store() {
        let mut k = Kernel::default();
        let v = k.array("v", ElemTy::F64);
        let m = k.array("m", ElemTy::F64);
        let i = k.local("_idx", Ty::I64);
        let x = k.local("x", Ty::F64);
        let body = vec![
            Stmt::Assign(
                x,
                Expr::bin(
                    BinOp::Mul,
                    Expr::bin(BinOp::Add, Expr::load(m, Expr::Local(i)), exp_of(v, i)),
                    exp_of(v, i),
                ),
            ),
            Stmt::Store {
                array: v,
                index: Expr::Local(i),
                value: Expr::Local(x),
            },
            Stmt::Store {
                array: m,
                index: Expr::Local(i),
                value: exp_of(v, i),
            },
        ];
        k.body = vec![Stmt::For {
            var: i,
            start: Expr::I64(0),
            end: Expr::I64(10),
            body,
        }];
        assert_eq!(count_block(&k.body), 3);
        optimise(&mut k);
        assert_eq!(k.validate(), Ok(()), "{k}");
        assert_eq!(count_block(&k.body), 2, "{k}");
    }
}
