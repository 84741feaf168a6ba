//! Loop-invariant lifting: the pure sub-expressions of a top-level loop's body
//! that have the same value for every element are computed once, into locals
//! assigned just before the loop (Cranelift does not hoist calls).

use super::{has_effect, is_leaf};
use crate::ir::{Expr, Kernel, Stmt};

/// Lifts the invariant sub-expressions of each top-level `for` loop out of it.
pub(super) fn lift_loop_invariants(k: &mut Kernel) {
    let body = std::mem::take(&mut k.body);
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

/// Whether an expression has the same value for every iteration of a loop.
fn invariant(e: &Expr) -> bool {
    match e {
        Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Scalar(_) => true,
        Expr::Local(_) | Expr::Load(..) => false,
        Expr::Unary(_, a) | Expr::Cast(_, a) => invariant(a),
        Expr::Binary(_, a, b) => invariant(a) && invariant(b),
        Expr::Select(c, a, b) => invariant(c) && invariant(a) && invariant(b),
        Expr::Call(f, args) => !has_effect(*f) && args.iter().all(invariant),
    }
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
