//! Common subexpression elimination.
//!
//! Integrated equations repeat whole subexpressions: COBAHH's exponential-Euler
//! update evaluates `exp((13 mV - v + 63 mV)/4 mV)` twice per gate, 19 `exp` per
//! neuron where 10 differ. Cranelift merges pure arithmetic, but neither calls
//! nor loads (the arrays are written in the same loop), so the IR does it: in
//! each straight-line block, an expression evaluated at least twice between two
//! writes to anything it reads is computed once into a fresh local, just before
//! the statement that first evaluates it. Only expressions every path evaluates
//! are candidates (an `If`'s condition, not its branches, whose blocks are
//! treated on their own), so nothing is evaluated speculatively.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::{is_leaf, pure};
use crate::ir::{Expr, Kernel, Stmt};

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

fn size(e: &Expr) -> usize {
    let mut n = 1;
    e.for_each_child(|a| n += size(a));
    n
}

/// The always-evaluated expressions of a statement, mutable because the
/// rewrite replaces in them (the search reads them through the same list).
fn evaluated(s: &mut Stmt) -> Vec<&mut Expr> {
    match s {
        Stmt::Assign(_, e) | Stmt::Eval(e) => vec![e],
        Stmt::Store { index, value, .. } => vec![index, value],
        Stmt::If { cond, .. } => vec![cond],
        Stmt::For { start, end, .. } => vec![start, end],
        // The condition is evaluated again after the body: not a candidate.
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
    for (si, s) in block.iter_mut().enumerate() {
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
        for e in evaluated(s) {
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
    use crate::ir::{BinOp, Ty};

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
}
