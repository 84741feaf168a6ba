//! Kernel skeletons: the loop shape of each operation.

use super::KernelBuilder;
use crate::ir::{self, BinOp, ElemTy, Stmt, Ty};
use crate::model::scope::{ArrayKey, Scope};
use crate::syntax::ast::{Expr, Statement};

/// Scalar slots for loop ranges and counts (filled by the simulator by name).
pub const SCALAR_START: &str = "_start";
/// The end (exclusive) of the loop range, see [`SCALAR_START`].
pub const SCALAR_END: &str = "_end";
/// The number of entries in an event list.
pub const SCALAR_COUNT: &str = "_count";

/// `for item in _start.._end { body }`.
pub fn range_loop(b: &mut KernelBuilder, body: Vec<Stmt>) -> Stmt {
    let start = b.scalar(SCALAR_START, Ty::I64);
    let end = b.scalar(SCALAR_END, Ty::I64);
    Stmt::For {
        var: b.item,
        start,
        end,
        body,
    }
}

/// A loop over a list of indices: `for k in 0.._count { item = list[k]; body }`.
pub fn list_loop(b: &mut KernelBuilder, list: ArrayKey, count: ir::Expr, body: Vec<Stmt>) -> Stmt {
    let arr = b.raw_array(list, ElemTy::I32);
    let k = b.kernel.local("_k", Ty::I64);
    let mut inner = vec![Stmt::Assign(b.item, ir::Expr::load(arr, ir::Expr::Local(k)))];
    inner.extend(body);
    Stmt::For {
        var: k,
        start: ir::Expr::I64(0),
        end: count,
        body: inner,
    }
}

/// State update (or any statement block) over a range of elements.
pub fn block_over_range(b: &mut KernelBuilder, stmts: &[Statement], scope: &Scope) {
    let body = b.statements(stmts, scope);
    let l = range_loop(b, body);
    b.kernel.body.push(l);
}

/// Statements run once (writes to shared variables), then statements run for
/// each element of the range; temporaries of the first part are visible in the
/// second.
pub fn scalar_then_range(b: &mut KernelBuilder, scalar: &[Statement], vector: &[Statement], scope: &Scope) {
    if !scalar.is_empty() {
        let body = b.statements(scalar, scope);
        b.kernel.body.push(Stmt::For {
            var: b.item,
            start: ir::Expr::I64(0),
            end: ir::Expr::I64(1),
            body,
        });
    }
    if !vector.is_empty() {
        let body = b.statements(vector, scope);
        let l = range_loop(b, body);
        b.kernel.body.push(l);
    }
}

/// A statement block run for each element where `cond` holds (setting values with a
/// string index, `S.w['i>j'] = ...`).
pub fn block_over_range_if(b: &mut KernelBuilder, cond: &Expr, stmts: &[Statement], scope: &Scope) {
    let (c, _) = b.expr(cond, scope);
    let then = b.statements(stmts, scope);
    let body = vec![Stmt::If {
        cond: c,
        then,
        els: vec![],
    }];
    let l = range_loop(b, body);
    b.kernel.body.push(l);
}

/// The spike (or event) detector of a group: writes the indices where `cond` holds,
/// ascending, to `space[0..count]` and `count` to `space[_end]` (Brian2's
/// spikespace). With refractoriness, only non-refractory elements may spike and a
/// spike sets `not_refractory = False`, `lastspike = t`.
pub fn threshold(
    b: &mut KernelBuilder,
    cond: &Expr,
    scope: &Scope,
    space: ArrayKey,
    refractory: Option<(ArrayKey, ArrayKey)>,
) {
    let ss = b.raw_array(space, ElemTy::I32);
    let count = b.kernel.local("_count", Ty::I64);
    b.kernel.body.push(Stmt::Assign(count, ir::Expr::I64(0)));
    b.at_statement("", cond.span);
    let (c, _) = b.expr(cond, scope);
    let item = ir::Expr::Local(b.item);
    let mut on_spike = vec![
        Stmt::Store {
            array: ss,
            index: ir::Expr::Local(count),
            value: item.clone(),
        },
        Stmt::Assign(
            count,
            ir::Expr::bin(BinOp::Add, ir::Expr::Local(count), ir::Expr::I64(1)),
        ),
    ];
    let c = match refractory {
        Some((nr, ls)) => {
            let nr = b.array(&nr);
            let ls = b.array(&ls);
            let t = b.time();
            let lty = b.kernel.arrays[ls].elem.value_ty();
            let t = if lty == Ty::F64 { t } else { ir::Expr::cast(lty, t) };
            on_spike.push(Stmt::Store {
                array: nr,
                index: item.clone(),
                value: ir::Expr::Bool(false),
            });
            on_spike.push(Stmt::Store {
                array: ls,
                index: item.clone(),
                value: t,
            });
            ir::Expr::bin(BinOp::And, c, ir::Expr::load(nr, item))
        }
        None => c,
    };
    let body = vec![Stmt::If {
        cond: c,
        then: on_spike,
        els: vec![],
    }];
    let l = range_loop(b, body);
    b.kernel.body.push(l);
    let end = b.scalar(SCALAR_END, Ty::I64);
    b.kernel.body.push(Stmt::Store {
        array: ss,
        index: end,
        value: ir::Expr::Local(count),
    });
}

/// A statement block run for each index of a list (the spikes of a group for a
/// reset; the synapses receiving events for a pathway). `count` is the number of
/// entries: for a spikespace, its entry at `_end`.
pub fn block_over_list(b: &mut KernelBuilder, list: ArrayKey, count_in_list: bool, stmts: &[Statement], scope: &Scope) {
    let body = b.statements(stmts, scope);
    let count = if count_in_list {
        let arr = b.raw_array(list.clone(), ElemTy::I32);
        let end = b.scalar(SCALAR_END, Ty::I64);
        ir::Expr::load(arr, end)
    } else {
        b.scalar(SCALAR_COUNT, Ty::I64)
    };
    let l = list_loop(b, list, count, body);
    b.kernel.body.push(l);
}
