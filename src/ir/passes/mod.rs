//! IR passes, one file a pass (as Arbor's modcc keeps one visitor a pass):
//! constant folding (`fold.rs`), loop-invariant lifting (`lift.rs`), common
//! subexpression elimination (`cse.rs`), forwarding of elements within element
//! loops (`forward.rs`), and (opt-in) reciprocal division (`reciprocal.rs`)
//! and small powers as products (`powers.rs`).
//! This file runs them in order ([`optimise`]) and holds what more than one of
//! them asks of an expression or a block.
//!
//! Cranelift does not hoist calls out of loops (`v *= exp(-dt/tau)` with the
//! `exp` in the loop is 11× slower), so, like Brian2's optimiser, the pure
//! sub-expressions of a loop body that do not depend on the element are computed
//! once before the loop.

mod cse;
mod fold;
mod forward;
mod lift;
mod powers;
mod reciprocal;

use crate::ir::{Expr, Func, Kernel, Stmt};

pub use cse::eliminate_common_subexpressions;
pub use fold::fold;
pub use forward::forward_elements;
pub use powers::small_powers_as_products;
pub use reciprocal::reciprocal_division;

/// Folds constants, lifts loop invariants out of the top-level loops, computes
/// repeated subexpressions once, then forwards elements stored or loaded in an
/// element loop to where they are read again ([`forward_elements`]).
pub fn optimise(k: &mut Kernel) {
    each_root_expr(&mut k.body, &mut fold);
    lift::lift_loop_invariants(k);
    eliminate_common_subexpressions(k);
    forward_elements(k);
}

/// Whether a call has an effect or reads state (random streams, the runtime
/// context, the fault records of checked operations): such calls are not
/// lifted, merged or dropped.
fn has_effect(f: Func) -> bool {
    f.is_check()
        || matches!(
            f,
            Func::Rand
                | Func::Randn
                | Func::Poisson
                | Func::Binomial
                | Func::GeometricSkip
                | Func::RngAt
                | Func::RngAtInRange
                | Func::RngJumpAt
                | Func::SampleSize
                | Func::SampleGet
                | Func::PushSynapse
                | Func::ReportError
                | Func::ReportValue
        )
}

fn is_leaf(e: &Expr) -> bool {
    matches!(
        e,
        Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Scalar(_) | Expr::Local(_)
    )
}

/// Whether `e` may be computed once for several uses: pure (no random or
/// context-dependent call anywhere inside).
fn pure(e: &Expr) -> bool {
    let mut ok = !matches!(e, Expr::Call(f, _) if has_effect(*f));
    e.for_each_child(|a| ok &= pure(a));
    ok
}

/// Calls `f` on every statement-level expression of `b` (conditions, bounds,
/// values, indices), nested blocks included; `f` walks the expression itself.
pub(in crate::ir) fn each_root_expr(b: &mut [Stmt], f: &mut impl FnMut(&mut Expr)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArrayId, BinOp, ElemTy, Ty};

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
