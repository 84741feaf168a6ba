//! Kernel skeletons: the loop shape of each operation.

use super::KernelBuilder;
use crate::ir::{self, BinOp, ElemTy, Func, LocalId, Stmt, Ty};
use crate::model::scope::{ArrayKey, Scope};
use crate::syntax::ast::{Expr, Statement};
use spikejit_runtime::rng::JUMP_BLOCK;

/// Scalar slots for loop ranges and counts (filled by the simulator by name).
pub const SCALAR_START: &str = "_start";
/// The end (exclusive) of the loop range, see [`SCALAR_START`].
pub const SCALAR_END: &str = "_end";
/// The number of entries in an event list.
pub const SCALAR_COUNT: &str = "_count";

/// Whether `stmts` draw from the element stream (see [`Func::draws_for_element`]).
pub fn draws_for_element(stmts: &[Stmt]) -> bool {
    ir::fuse::calls(stmts, Func::draws_for_element)
}

/// `body`, its draws keyed by the element `(a, b)` when it draws: a number an
/// element draws then depends on the element, never on the elements run
/// before it (on the same thread or rank) or on how the range was split.
pub fn keyed_by(a: ir::Expr, b: ir::Expr, body: Vec<Stmt>) -> Vec<Stmt> {
    keyed_with(ir::Expr::Call(Func::RngAt, vec![a, b]), body)
}

/// `body` after the keying call `key`, when it draws from the element stream.
fn keyed_with(key: ir::Expr, body: Vec<Stmt>) -> Vec<Stmt> {
    if !draws_for_element(&body) {
        return body;
    }
    let mut keyed = vec![Stmt::Eval(key)];
    keyed.extend(body);
    keyed
}

/// `for item in _start.._end { body }`, the draws of each item keyed by it
/// (in runs of [`JUMP_BLOCK`] items: `Rng::at_in_range`).
pub fn range_loop(b: &mut KernelBuilder, body: Vec<Stmt>) -> Stmt {
    let start = b.scalar(SCALAR_START, Ty::I64);
    let end = b.scalar(SCALAR_END, Ty::I64);
    let body = keyed_with(ir::Expr::Call(Func::RngAtInRange, vec![ir::Expr::Local(b.item)]), body);
    Stmt::For {
        var: b.item,
        start,
        end,
        body,
    }
}

/// A loop over a list of indices: `for k in 0.._count { item = list[k]; body }`,
/// the draws of each item keyed by it.
pub fn list_loop(b: &mut KernelBuilder, list: ArrayKey, count: ir::Expr, body: Vec<Stmt>) -> Stmt {
    let arr = b.raw_array(list, ElemTy::I32);
    let k = b.kernel.local("_k", Ty::I64);
    let mut inner = vec![Stmt::Assign(b.item, ir::Expr::load(arr, ir::Expr::Local(k)))];
    inner.extend(keyed_by(ir::Expr::Local(b.item), ir::Expr::I64(0), body));
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
            body: keyed_by(ir::Expr::I64(spikejit_runtime::rng::SHARED), ir::Expr::I64(0), body),
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
/// ascending, to `space[0..count]` and `count` to `space[_end - _start]` (Brian2's
/// spikespace, at `space[n]` when it runs over the whole group). With refractoriness, only non-refractory elements may spike and a
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
    let (c, bernoulli) = match bernoulli_probability(&c, &b.kernel) {
        Some(p) => (ir::Expr::Bool(true), Some(p)),
        None => (c, None),
    };
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
    match bernoulli {
        Some(p) => skip_to_candidates(b, p, c, on_spike),
        None => {
            let body = vec![Stmt::If {
                cond: c,
                then: on_spike,
                els: vec![],
            }];
            let l = range_loop(b, body);
            b.kernel.body.push(l);
        }
    }
    // The count after the elements' entries: at `_end - _start`, so that a
    // rank's event space holds its own elements' events (from 0) and their
    // count in `_end - _start + 1` entries; `n + 1` when it runs alone.
    let end = b.scalar(SCALAR_END, Ty::I64);
    let start = b.scalar(SCALAR_START, Ty::I64);
    b.kernel.body.push(Stmt::Store {
        array: ss,
        index: ir::Expr::bin(BinOp::Sub, end, start),
        value: ir::Expr::Local(count),
    });
}

/// `P` as an `f64` when the lowered threshold `cond` is `rand() < P` (a
/// Poisson group's `rand() < rates*dt`; under `float32` either side may carry
/// a cast) and `P` draws nothing, so that it may be evaluated twice.
fn bernoulli_probability(cond: &ir::Expr, k: &ir::Kernel) -> Option<ir::Expr> {
    fn uncast(e: &ir::Expr) -> &ir::Expr {
        match e {
            ir::Expr::Cast(_, x) => uncast(x),
            e => e,
        }
    }
    fn draws(e: &ir::Expr) -> bool {
        let mut found = matches!(e, ir::Expr::Call(f, _) if f.sig(Ty::F64).rng);
        e.for_each_child(|c| found |= draws(c));
        found
    }
    let ir::Expr::Binary(BinOp::Lt, r, p) = cond else {
        return None;
    };
    if !matches!(uncast(r), ir::Expr::Call(Func::Rand, args) if args.is_empty()) || draws(p) {
        return None;
    }
    match p.ty(k) {
        Ty::F64 => Some((**p).clone()),
        Ty::F32 => Some(ir::Expr::cast(Ty::F64, (**p).clone())),
        _ => None,
    }
}

/// A threshold `rand() < P` without drawing for every element (issue 16: a
/// Poisson group's threshold drew 1000 numbers a step for ~1.5 spikes).
/// Each element spikes with probability `P` clamped to [0, 1], independently,
/// as when each draws `rand() < P`; only the random stream differs.
///
/// Block by block of [`JUMP_BLOCK`] elements (numbered from element 0, so that
/// a range split at multiples of it runs the same blocks): `pmax`, the
/// largest `P` of the block (at most 1), picks candidates by geometric jumps
/// from the block's jump stream (each element is one with probability
/// `pmax`), and a candidate spikes when `rand() * pmax < P` (probability
/// `P / pmax`), drawn from its own element stream, and `refractory_ok` holds:
/// a step costs one pass computing `P` and a draw or two per block and per
/// candidate, and what an element does depends only on its block.
fn skip_to_candidates(b: &mut KernelBuilder, p: ir::Expr, refractory_ok: ir::Expr, on_spike: Vec<Stmt>) {
    let local = ir::Expr::Local;
    let int = ir::Expr::I64;
    let bin = ir::Expr::bin;
    let item = b.item;
    let pmax = b.kernel.local("_pmax", Ty::F64);
    let p_l = b.kernel.local("_p", Ty::F64);
    let skip = b.kernel.local("_skip", Ty::I64);
    let block = b.kernel.local("_block", Ty::I64);
    let lo = b.kernel.local("_block_start", Ty::I64);
    let hi = b.kernel.local("_block_end", Ty::I64);
    let start = b.scalar(SCALAR_START, Ty::I64);
    let end = b.scalar(SCALAR_END, Ty::I64);
    let width = JUMP_BLOCK as i64;
    let min = |x: ir::Expr, y: ir::Expr| ir::Expr::select(bin(BinOp::Lt, x.clone(), y.clone()), x, y);
    let max = |x: ir::Expr, y: ir::Expr| ir::Expr::select(bin(BinOp::Gt, x.clone(), y.clone()), x, y);
    // pmax over the block, on two independent chains (elements at even and
    // odd offsets from its start, then the last one when the count is odd):
    // twice as fast as one chain of dependent comparisons. Starting from +0.0,
    // each chain only ever holds +0.0 or a positive P (NaN and P <= 0 never
    // compare greater), so the result is the block's maximum, bit for bit,
    // whatever the order.
    let odd_max = b.kernel.local("_pmax_odd", Ty::F64);
    let pair = b.kernel.local("_pair", Ty::I64);
    let raise = |acc: LocalId| {
        Stmt::Assign(
            acc,
            ir::Expr::select(bin(BinOp::Gt, local(p_l), local(acc)), local(p_l), local(acc)),
        )
    };
    let count_of = bin(BinOp::Sub, local(hi), local(lo));
    let mut per_block = vec![
        Stmt::Assign(lo, max(bin(BinOp::Mul, local(block), int(width)), start.clone())),
        Stmt::Assign(
            hi,
            min(
                bin(BinOp::Mul, bin(BinOp::Add, local(block), int(1)), int(width)),
                end.clone(),
            ),
        ),
        Stmt::Assign(pmax, ir::Expr::F64(0.0)),
        Stmt::Assign(odd_max, ir::Expr::F64(0.0)),
        Stmt::For {
            var: pair,
            start: int(0),
            end: bin(BinOp::FloorDiv, count_of.clone(), int(2)),
            body: vec![
                Stmt::Assign(item, bin(BinOp::Add, local(lo), bin(BinOp::Mul, local(pair), int(2)))),
                Stmt::Assign(p_l, p.clone()),
                raise(pmax),
                Stmt::Assign(item, bin(BinOp::Add, local(item), int(1))),
                Stmt::Assign(p_l, p.clone()),
                raise(odd_max),
            ],
        },
        Stmt::If {
            cond: bin(BinOp::Ne, bin(BinOp::Mod, count_of, int(2)), int(0)),
            then: vec![
                Stmt::Assign(item, bin(BinOp::Sub, local(hi), int(1))),
                Stmt::Assign(p_l, p.clone()),
                raise(pmax),
            ],
            els: vec![],
        },
        Stmt::Assign(p_l, local(odd_max)),
        raise(pmax),
        Stmt::Assign(
            pmax,
            ir::Expr::select(
                bin(BinOp::Gt, local(pmax), ir::Expr::F64(1.0)),
                ir::Expr::F64(1.0),
                local(pmax),
            ),
        ),
    ];
    // item = from + skip, or the block's end when the jump leaves it (a jump
    // can be i64::MAX: compared with the room left, never added to).
    let jump = |from: ir::Expr| {
        vec![
            Stmt::Assign(skip, ir::Expr::Call(Func::GeometricSkip, vec![local(pmax)])),
            Stmt::Assign(
                item,
                ir::Expr::select(
                    bin(BinOp::Lt, local(skip), bin(BinOp::Sub, local(hi), from.clone())),
                    bin(BinOp::Add, from, local(skip)),
                    local(hi),
                ),
            ),
        ]
    };
    let draw = bin(
        BinOp::Lt,
        bin(BinOp::Mul, ir::Expr::Call(Func::Rand, vec![]), local(pmax)),
        p,
    );
    let mut body = keyed_by(
        local(item),
        int(0),
        vec![Stmt::If {
            cond: match refractory_ok {
                ir::Expr::Bool(true) => draw,
                ok => bin(BinOp::And, draw, ok),
            },
            then: on_spike,
            els: vec![],
        }],
    );
    body.extend(jump(bin(BinOp::Add, local(item), int(1))));
    let mut then = vec![Stmt::Eval(ir::Expr::Call(Func::RngJumpAt, vec![local(block), int(0)]))];
    then.extend(jump(local(lo)));
    then.push(Stmt::While {
        cond: bin(BinOp::Lt, local(item), local(hi)),
        body,
    });
    per_block.push(Stmt::If {
        cond: bin(BinOp::Gt, local(pmax), ir::Expr::F64(0.0)),
        then,
        els: vec![],
    });
    // Blocks [block*width, (block+1)*width) meeting the range _start.._end.
    b.kernel.body.push(Stmt::For {
        var: block,
        start: bin(BinOp::FloorDiv, start, int(width)),
        end: bin(BinOp::FloorDiv, bin(BinOp::Add, end, int(width - 1)), int(width)),
        body: per_block,
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
