//! Which kernels may be split over element ranges and run on several threads
//! with exactly the results of one call over the whole range (a neuron group's
//! state update and threshold, fused or not).
//!
//! A kernel splits when it is one loop over `_start.._end` whose iterations are
//! independent: every array the loop writes is only touched at the loop index,
//! no local carries a value from one iteration to the next, nothing calls the
//! runtime context, and the loop draws random numbers only from its element's
//! keyed stream (it starts by keying the stream by its element, `RngAt(i, _)`,
//! and never jumps), so that what an element draws does not depend on the
//! elements run before it.
//! The one exception is the threshold's append (`space[count] = i; count += 1`
//! in the loop, `space[_end] = count` after it): each range then appends to its
//! own scratch list, and the caller concatenates the lists in range order, which
//! is the order one call would have written.

use std::collections::HashSet;

mod targets;
pub use targets::{TargetSplit, restricted_to_targets, target_parallel};

use super::fuse::{has_loop, parts, walk_block, walk_expr};
use super::{ArrayId, BinOp, Expr, Func, Kernel, LocalId, Stmt};

/// How a kernel that may be split over ranges is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// The event space the kernel appends to, if any: each range must be given
    /// its own copy, of the full length, and the copies' lists concatenated.
    pub append: Option<ArrayId>,
}

/// Whether `k` calls the runtime context (a connect's lists, the checks'
/// fault records): one context per kernel, not per range.
pub(super) fn uses_context(k: &Kernel) -> bool {
    super::fuse::calls(&k.body, |f| f.sig(super::Ty::F64).ctx)
}

/// Whether the loop body `body` over `var` draws nothing, or draws only after
/// keying its stream by its element: its first statement is `RngAt(var, _)`
/// and nothing else in it keys a stream or jumps.
pub(super) fn draws_keyed_by(var: LocalId, body: &[Stmt]) -> bool {
    let mut draws = false;
    let mut keys = false;
    let mut scan = |b: &[Stmt]| {
        walk_block(
            b,
            &mut |e| {
                if let Expr::Call(f, _) = e {
                    draws |= f.sig(super::Ty::F64).rng;
                    keys |= matches!(
                        f,
                        Func::RngAt | Func::RngAtInRange | Func::RngJumpAt | Func::GeometricSkip
                    );
                }
            },
            &mut |_, _| {},
        )
    };
    match body {
        [
            Stmt::Eval(Expr::Call(Func::RngAt | Func::RngAtInRange, args)),
            rest @ ..,
        ] if matches!(args.first(), Some(Expr::Local(l)) if *l == var) => {
            scan(rest);
            !keys
        }
        _ => {
            scan(body);
            !draws
        }
    }
}

/// How `k` may be split over element ranges, or `None` when a split could
/// change its results. `start` and `end` name the scalars that bound its loop
/// (the caller sets them for each range).
pub fn element_parallel(k: &Kernel, start: &str, end: &str) -> Option<Split> {
    let p = parts(k)?;
    if has_loop(p.body) || uses_context(k) || !draws_keyed_by(p.var, p.body) {
        return None;
    }
    let named = |e: &Expr, n: &str| matches!(e, Expr::Scalar(s) if k.scalars[*s].name == n);
    if !named(p.start, start) || !named(p.end, end) {
        return None;
    }
    // After the loop: nothing, or the count of the append, stored after
    // the range's entries (`space[_end - _start]`).
    let count_index = |e: &Expr| matches!(e, Expr::Binary(BinOp::Sub, a, b) if named(a, end) && named(b, start));
    let (append, count) = match p.post {
        [] => (None, None),
        [
            Stmt::Store {
                array,
                index,
                value: Expr::Local(c),
            },
        ] if count_index(index) => (Some(*array), Some(*c)),
        _ => return None,
    };
    let mut check = Check {
        var: p.var,
        append,
        count,
        stored: HashSet::new(),
        assigned: HashSet::new(),
        ok: true,
    };
    check.collect(p.body);
    if let Some(a) = append {
        check.stored.insert(a);
    }
    // Before the loop (run once per range): assignments that read nothing the
    // loop writes; the count starts at zero.
    for s in p.pre {
        match s {
            Stmt::Assign(l, Expr::I64(0)) if Some(*l) == count => {}
            Stmt::Assign(l, e) if Some(*l) != count && !check.assigned.contains(l) => {
                if check.reads_written(e) {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let mut defined = HashSet::new();
    check.block(p.body, &mut defined);
    check.ok.then_some(Split { append })
}

struct Check {
    var: LocalId,
    append: Option<ArrayId>,
    count: Option<LocalId>,
    /// Arrays the loop stores to.
    stored: HashSet<ArrayId>,
    /// Locals the loop assigns.
    assigned: HashSet<LocalId>,
    ok: bool,
}

impl Check {
    fn collect(&mut self, b: &[Stmt]) {
        for s in b {
            match s {
                Stmt::Assign(l, _) => {
                    self.assigned.insert(*l);
                }
                Stmt::Store { array, .. } => {
                    self.stored.insert(*array);
                }
                Stmt::If { then, els, .. } => {
                    self.collect(then);
                    self.collect(els);
                }
                Stmt::Eval(Expr::Call(Func::RngAt | Func::RngAtInRange, _)) => {}
                _ => self.ok = false,
            }
        }
    }

    /// Whether `e` loads an array the loop writes, at any index.
    fn reads_written(&self, e: &Expr) -> bool {
        let mut found = false;
        walk_expr(e, &mut |x| {
            found |= matches!(x, Expr::Load(a, _) if self.stored.contains(a))
        });
        found
    }

    /// Checks an expression evaluated in an iteration where the locals in
    /// `defined` already hold this iteration's values.
    fn expr(&mut self, e: &Expr, defined: &HashSet<LocalId>) {
        let at_var = |i: &Expr| matches!(i, Expr::Local(l) if *l == self.var);
        let mut ok = true;
        walk_expr(e, &mut |x| match x {
            // Arrays the loop writes are only read at the loop index.
            Expr::Load(a, i) if self.stored.contains(a) && (Some(*a) == self.append || !at_var(i)) => ok = false,
            // A local the loop assigns, read before this iteration assigned it,
            // would carry a value across iterations (and across ranges).
            Expr::Local(l) if Some(*l) == self.count || (self.assigned.contains(l) && !defined.contains(l)) => {
                ok = false
            }
            _ => {}
        });
        self.ok &= ok;
    }

    fn block(&mut self, b: &[Stmt], defined: &mut HashSet<LocalId>) {
        for s in b {
            match s {
                // The append: `space[count] = value; count = count + 1`.
                Stmt::Store {
                    array,
                    index: Expr::Local(c),
                    value,
                } if Some(*array) == self.append && Some(*c) == self.count => self.expr(value, defined),
                Stmt::Assign(l, Expr::Binary(BinOp::Add, a, one))
                    if Some(*l) == self.count
                        && matches!(**a, Expr::Local(c) if Some(c) == self.count)
                        && matches!(**one, Expr::I64(1)) => {}
                Stmt::Assign(l, e) => {
                    self.expr(e, defined);
                    if Some(*l) == self.count {
                        self.ok = false;
                    }
                    defined.insert(*l);
                }
                Stmt::Store { array, index, value } => {
                    if Some(*array) == self.append || !matches!(index, Expr::Local(l) if *l == self.var) {
                        self.ok = false;
                    }
                    self.expr(index, defined);
                    self.expr(value, defined);
                }
                Stmt::If { cond, then, els } => {
                    self.expr(cond, defined);
                    // Assignments inside a branch do not define a local after it.
                    self.block(then, &mut defined.clone());
                    self.block(els, &mut defined.clone());
                }
                // Keying the stream by the element (`draws_keyed_by` checked
                // where it stands).
                Stmt::Eval(e @ Expr::Call(Func::RngAt | Func::RngAtInRange, _)) => self.expr(e, defined),
                Stmt::For { .. } | Stmt::While { .. } | Stmt::Eval(_) => self.ok = false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ElemTy, Ty};

    fn element_parallel_(k: &Kernel) -> Option<Split> {
        element_parallel(k, "_start", "_end")
    }

    fn skeleton(k: &mut Kernel) -> (LocalId, Expr, Expr) {
        let start = k.scalar("_start", Ty::I64);
        let end = k.scalar("_end", Ty::I64);
        (k.local("_idx", Ty::I64), Expr::Scalar(start), Expr::Scalar(end))
    }

    fn looped(k: &mut Kernel, var: LocalId, start: Expr, end: Expr, body: Vec<Stmt>) {
        k.body.push(Stmt::For { var, start, end, body });
    }

    /// `x = v[i] * 2; v[i] = x`: splits; reading a neighbour `v[i+1]` or carrying
    /// `x` from the previous iteration does not.
    #[test]
    fn element_loops_split_unless_iterations_interact() {
        let build = |neighbour: bool, carried: bool| {
            let mut k = Kernel::new("k");
            let v = k.array("v", ElemTy::F64);
            let (i, start, end) = skeleton(&mut k);
            let x = k.local("x", Ty::F64);
            let idx = if neighbour {
                Expr::bin(BinOp::Add, Expr::Local(i), Expr::I64(1))
            } else {
                Expr::Local(i)
            };
            let mut body = vec![];
            if carried {
                body.push(Stmt::Store {
                    array: v,
                    index: Expr::Local(i),
                    value: Expr::Local(x),
                });
            }
            body.push(Stmt::Assign(
                x,
                Expr::bin(BinOp::Mul, Expr::load(v, idx), Expr::F64(2.0)),
            ));
            body.push(Stmt::Store {
                array: v,
                index: Expr::Local(i),
                value: Expr::Local(x),
            });
            looped(&mut k, i, start, end, body);
            k
        };
        assert_eq!(element_parallel_(&build(false, false)), Some(Split { append: None }));
        assert_eq!(element_parallel_(&build(true, false)), None);
        assert_eq!(element_parallel_(&build(false, true)), None);
    }

    /// The threshold's append splits; a count read anywhere else does not.
    #[test]
    fn threshold_append_splits() {
        let build = |leak: bool| {
            let mut k = Kernel::new("k");
            let v = k.array("v", ElemTy::F64);
            let ss = k.array("_spikespace", ElemTy::I32);
            let (i, start, end) = skeleton(&mut k);
            let c = k.local("_count", Ty::I64);
            k.body.push(Stmt::Assign(c, Expr::I64(0)));
            let mut then = vec![
                Stmt::Store {
                    array: ss,
                    index: Expr::Local(c),
                    value: Expr::Local(i),
                },
                Stmt::Assign(c, Expr::bin(BinOp::Add, Expr::Local(c), Expr::I64(1))),
            ];
            if leak {
                then.push(Stmt::Store {
                    array: v,
                    index: Expr::Local(i),
                    value: Expr::cast(Ty::F64, Expr::Local(c)),
                });
            }
            let cond = Expr::bin(BinOp::Gt, Expr::load(v, Expr::Local(i)), Expr::F64(1.0));
            looped(
                &mut k,
                i,
                start.clone(),
                end.clone(),
                vec![Stmt::If {
                    cond,
                    then,
                    els: vec![],
                }],
            );
            k.body.push(Stmt::Store {
                array: ss,
                index: Expr::bin(BinOp::Sub, end, start),
                value: Expr::Local(c),
            });
            k
        };
        assert_eq!(element_parallel_(&build(false)), Some(Split { append: Some(1) }));
        assert_eq!(element_parallel_(&build(true)), None);
    }

    /// A loop that draws without keying its stream by its element would draw
    /// what the elements before it left: no split. Keyed by its element at
    /// the top of the body, it splits; keyed by anything else, or jumping,
    /// it does not.
    #[test]
    fn random_kernels_split_only_when_keyed_by_the_element() {
        type Key = fn(LocalId) -> Expr;
        let build = |key: Option<Key>, jump: bool| {
            let mut k = Kernel::new("k");
            let v = k.array("v", ElemTy::F64);
            let (i, start, end) = skeleton(&mut k);
            let mut body = Vec::new();
            if let Some(e) = key {
                body.push(Stmt::Eval(Expr::Call(crate::ir::Func::RngAt, vec![e(i), Expr::I64(0)])));
            }
            let value = if jump {
                Expr::cast(
                    Ty::F64,
                    Expr::Call(crate::ir::Func::GeometricSkip, vec![Expr::F64(0.5)]),
                )
            } else {
                Expr::Call(crate::ir::Func::Rand, vec![])
            };
            body.push(Stmt::Store {
                array: v,
                index: Expr::Local(i),
                value,
            });
            looped(&mut k, i, start, end, body);
            k
        };
        let element: Key = Expr::Local;
        let constant: Key = |_| Expr::I64(3);
        assert_eq!(element_parallel_(&build(None, false)), None);
        assert_eq!(
            element_parallel_(&build(Some(element), false)),
            Some(Split { append: None })
        );
        assert_eq!(element_parallel_(&build(Some(constant), false)), None);
        assert_eq!(element_parallel_(&build(Some(element), true)), None);
    }
}
