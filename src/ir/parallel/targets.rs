//! Pathways split over ranges of their targets (issue 16: CUBA's pathways are
//! a third of its run, and they ran on one thread).
//!
//! A pathway kernel runs its code for each synapse of a step's event list, in
//! list order (Brian2's sequential semantics: a neuron receiving two events in
//! a step adds them in that order). When every array the code writes is a
//! synapse's own (written at the synapse index) or its target's (written at
//! `owner[synapse]`, `owner` the `_post` or `_pre` array), and arrays written
//! are read only at the same index, two synapses with different targets never
//! see each other's effects. Then each thread may take the whole event list
//! and run the code only for the synapses whose target is in its range: every
//! target's events still arrive in list order, on one thread, so the results
//! are those of one thread, bit for bit, for any number of ranges. Nothing may
//! draw random numbers or call the runtime (one stream, one context).

use std::collections::HashSet;

use super::super::fuse::{parts, uses_random, walk_expr};
use super::super::passes::each_root_expr;
use super::super::{ArrayId, BinOp, Expr, Kernel, LocalId, Stmt, Ty};

/// How a pathway kernel splits over ranges of its targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSplit {
    /// The array of each synapse's target (`_post` for `on_pre`).
    pub owner: ArrayId,
    /// The arrays written at the target: the ranges cover their elements.
    pub written: Vec<ArrayId>,
}

/// How `k` may be split over ranges of its targets, or `None`. `k` must be one
/// loop over an event list, `for _k in 0.._count { syn = events[_k]; ... }`.
pub fn target_parallel(k: &Kernel) -> Option<TargetSplit> {
    let p = parts(k)?;
    if !p.pre.is_empty() || !p.post.is_empty() || uses_random(k) || !matches!(p.start, Expr::I64(0)) {
        return None;
    }
    let (syn, events, rest) = match p.body {
        [Stmt::Assign(syn, Expr::Load(events, at)), rest @ ..] if matches!(**at, Expr::Local(l) if l == p.var) => {
            (*syn, *events, rest)
        }
        _ => return None,
    };
    let owner = owner_array(rest, syn)?;
    let mut c = Check {
        syn,
        owner,
        owner_locals: HashSet::new(),
        assigned: HashSet::new(),
        at_target: HashSet::new(),
        at_synapse: HashSet::new(),
        ok: true,
    };
    c.collect(rest);
    let reserved = [owner, events];
    if !c.ok || c.at_target.is_empty() || c.at_target.iter().chain(&c.at_synapse).any(|a| reserved.contains(a)) {
        return None;
    }
    if c.at_target.iter().any(|a| c.at_synapse.contains(a)) || c.assigned.contains(&syn) || c.assigned.contains(&p.var)
    {
        return None;
    }
    let mut defined = HashSet::new();
    defined.insert(syn);
    c.block(rest, &mut defined);
    let mut written: Vec<ArrayId> = c.at_target.iter().copied().collect();
    written.sort_unstable();
    c.ok.then_some(TargetSplit { owner, written })
}

/// The kernel that runs `k`'s code only for synapses whose target `owner[syn]`
/// is in `[lo, hi)`, the scalars `lo` and `hi` appended (named as given).
pub fn restricted_to_targets(k: &Kernel, split: &TargetSplit, lo: &str, hi: &str) -> Option<Kernel> {
    let mut r = k.clone();
    r.name = format!("{}@targets", k.name);
    let lo = Expr::Scalar(r.scalar(lo, Ty::I64));
    let hi = Expr::Scalar(r.scalar(hi, Ty::I64));
    let target = r.local("_target", Ty::I64);
    let pos = r.body.iter().position(|s| matches!(s, Stmt::For { .. }))?;
    let Stmt::For { body, .. } = &mut r.body[pos] else {
        return None;
    };
    let Some(Stmt::Assign(syn, _)) = body.first() else {
        return None;
    };
    let syn = *syn;
    let mut rest = body.split_off(1);
    // The code reads the target from `_target`, loaded once for the test.
    let owner_load = Expr::load(split.owner, Expr::Local(syn));
    fn replace(e: &mut Expr, from: &Expr, to: &Expr) {
        if e == from {
            *e = to.clone();
        } else {
            e.for_each_child_mut(|c| replace(c, from, to));
        }
    }
    each_root_expr(&mut rest, &mut |e| replace(e, &owner_load, &Expr::Local(target)));
    body.push(Stmt::Assign(target, owner_load));
    body.push(Stmt::If {
        cond: Expr::bin(
            BinOp::And,
            Expr::bin(BinOp::Ge, Expr::Local(target), lo),
            Expr::bin(BinOp::Lt, Expr::Local(target), hi),
        ),
        then: rest,
        els: vec![],
    });
    Some(r)
}

/// The one array `X` whose `X[syn]` indexes a store (directly or through a
/// local assigned `X[syn]`), or `None` when there are several or none.
fn owner_array(b: &[Stmt], syn: LocalId) -> Option<ArrayId> {
    let mut via_locals: Vec<(LocalId, ArrayId)> = Vec::new();
    let mut found: HashSet<ArrayId> = HashSet::new();
    fn visit(b: &[Stmt], syn: LocalId, via: &mut Vec<(LocalId, ArrayId)>, found: &mut HashSet<ArrayId>) {
        for s in b {
            match s {
                Stmt::Assign(l, Expr::Load(a, i)) if matches!(**i, Expr::Local(x) if x == syn) => via.push((*l, *a)),
                Stmt::Store { index, .. } => match index {
                    Expr::Load(a, i) if matches!(**i, Expr::Local(x) if x == syn) => {
                        found.insert(*a);
                    }
                    Expr::Local(l) => {
                        if let Some((_, a)) = via.iter().find(|(v, _)| v == l) {
                            found.insert(*a);
                        }
                    }
                    _ => {}
                },
                Stmt::If { then, els, .. } => {
                    visit(then, syn, via, found);
                    visit(els, syn, via, found);
                }
                _ => {}
            }
        }
    }
    visit(b, syn, &mut via_locals, &mut found);
    (found.len() == 1).then(|| found.into_iter().next()).flatten()
}

struct Check {
    syn: LocalId,
    owner: ArrayId,
    /// Locals assigned `owner[syn]` (once).
    owner_locals: HashSet<LocalId>,
    /// Every local the body assigns.
    assigned: HashSet<LocalId>,
    /// Arrays stored at the target, and at the synapse.
    at_target: HashSet<ArrayId>,
    at_synapse: HashSet<ArrayId>,
    ok: bool,
}

impl Check {
    fn is_target(&self, i: &Expr) -> bool {
        match i {
            Expr::Load(a, x) => *a == self.owner && matches!(**x, Expr::Local(l) if l == self.syn),
            Expr::Local(l) => self.owner_locals.contains(l),
            _ => false,
        }
    }

    fn is_synapse(&self, i: &Expr) -> bool {
        matches!(i, Expr::Local(l) if *l == self.syn)
    }

    /// Which arrays are stored where, and which locals hold the target.
    fn collect(&mut self, b: &[Stmt]) {
        for s in b {
            match s {
                // A local assigned `owner[syn]` once, anywhere: wherever it is
                // read after its assignment (as `block` checks) it holds the
                // target.
                Stmt::Assign(l, e) => {
                    let first = self.assigned.insert(*l);
                    let holds_target = self.is_target(e) && !matches!(e, Expr::Local(_));
                    if first && holds_target {
                        self.owner_locals.insert(*l);
                    } else {
                        // Assigned twice: not a target index.
                        self.owner_locals.remove(l);
                    }
                }
                Stmt::Store { array, index, .. } => {
                    if self.is_target(index) {
                        self.at_target.insert(*array);
                    } else if self.is_synapse(index) {
                        self.at_synapse.insert(*array);
                    } else {
                        self.ok = false;
                    }
                }
                Stmt::If { then, els, .. } => {
                    self.collect(then);
                    self.collect(els);
                }
                Stmt::For { .. } | Stmt::While { .. } | Stmt::Eval(_) => self.ok = false,
            }
        }
    }

    /// Arrays written are read only where they are written; a local the body
    /// assigns is read only after this iteration assigned it.
    fn expr(&mut self, e: &Expr, defined: &HashSet<LocalId>) {
        let mut ok = true;
        walk_expr(e, &mut |x| match x {
            Expr::Load(a, i) if self.at_target.contains(a) && !self.is_target(i) => ok = false,
            Expr::Load(a, i) if self.at_synapse.contains(a) && !self.is_synapse(i) => ok = false,
            Expr::Local(l) if self.assigned.contains(l) && !defined.contains(l) => ok = false,
            _ => {}
        });
        self.ok &= ok;
    }

    fn block(&mut self, b: &[Stmt], defined: &mut HashSet<LocalId>) {
        for s in b {
            match s {
                Stmt::Assign(l, e) => {
                    self.expr(e, defined);
                    defined.insert(*l);
                }
                Stmt::Store { index, value, .. } => {
                    self.expr(index, defined);
                    self.expr(value, defined);
                }
                Stmt::If { cond, then, els } => {
                    self.expr(cond, defined);
                    self.block(then, &mut defined.clone());
                    self.block(els, &mut defined.clone());
                }
                Stmt::For { .. } | Stmt::While { .. } | Stmt::Eval(_) => self.ok = false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ElemTy;

    /// `for _k in 0.._count { syn = events[_k]; body(syn, target arrays) }`.
    fn pathway(body: impl FnOnce(&mut Kernel, LocalId) -> Vec<Stmt>) -> Kernel {
        let mut k = Kernel::new("S_pre");
        let events = k.array("@events", ElemTy::I32);
        let count = k.scalar("_count", Ty::I64);
        let kk = k.local("_k", Ty::I64);
        let syn = k.local("_idx", Ty::I64);
        let mut b = vec![Stmt::Assign(syn, Expr::load(events, Expr::Local(kk)))];
        b.extend(body(&mut k, syn));
        k.body.push(Stmt::For {
            var: kk,
            start: Expr::I64(0),
            end: Expr::Scalar(count),
            body: b,
        });
        k
    }

    fn add_at(array: ArrayId, index: Expr, x: f64) -> Stmt {
        Stmt::Store {
            array,
            index: index.clone(),
            value: Expr::bin(BinOp::Add, Expr::load(array, index), Expr::F64(x)),
        }
    }

    /// CUBA's `ge_post += we`, through a local and directly; STDP-like synapse
    /// variables beside it.
    #[test]
    fn target_writes_split() {
        let cuba = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let ge = k.array("ge", ElemTy::F64);
            let t = k.local("_cse", Ty::I64);
            vec![
                Stmt::Assign(t, Expr::load(post, Expr::Local(syn))),
                add_at(ge, Expr::Local(t), 1.5),
            ]
        });
        let split = target_parallel(&cuba).expect("splits");
        assert_eq!(split.owner, 1);
        assert_eq!(split.written, vec![2]);
        let direct = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let ge = k.array("ge", ElemTy::F64);
            let w = k.array("w", ElemTy::F64);
            vec![
                add_at(w, Expr::Local(syn), 0.1),
                Stmt::Store {
                    array: ge,
                    index: Expr::load(post, Expr::Local(syn)),
                    value: Expr::load(w, Expr::Local(syn)),
                },
            ]
        });
        assert!(target_parallel(&direct).is_some());
        let r = restricted_to_targets(&cuba, &split, "_start", "_end").expect("restricts");
        assert_eq!(r.validate(), Ok(()));
    }

    /// Brunel's `v_post += J` under the target's refractoriness test: the
    /// target's index is loaded inside the `if`.
    #[test]
    fn target_index_inside_a_branch_splits() {
        let brunel = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let v = k.array("v", ElemTy::F64);
            let nr = k.array("not_refractory", ElemTy::U8);
            let t = k.local("_cse", Ty::I64);
            vec![Stmt::If {
                cond: Expr::load(nr, Expr::load(post, Expr::Local(syn))),
                then: vec![
                    Stmt::Assign(t, Expr::load(post, Expr::Local(syn))),
                    add_at(v, Expr::Local(t), 0.1),
                ],
                els: vec![],
            }]
        });
        assert!(target_parallel(&brunel).is_some());
    }

    /// Reading the target group's array at the source (`v_pre` where pre and
    /// post are one group), writing the source, or drawing: no split.
    #[test]
    fn interactions_between_targets_do_not_split() {
        let reads_pre = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let pre = k.array("_pre", ElemTy::I32);
            let v = k.array("v", ElemTy::F64);
            vec![Stmt::Store {
                array: v,
                index: Expr::load(post, Expr::Local(syn)),
                value: Expr::load(v, Expr::load(pre, Expr::Local(syn))),
            }]
        });
        assert_eq!(target_parallel(&reads_pre), None);
        let writes_both = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let pre = k.array("_pre", ElemTy::I32);
            let v = k.array("v", ElemTy::F64);
            let u = k.array("u", ElemTy::F64);
            vec![
                add_at(v, Expr::load(post, Expr::Local(syn)), 1.0),
                add_at(u, Expr::load(pre, Expr::Local(syn)), 1.0),
            ]
        });
        assert_eq!(target_parallel(&writes_both), None);
        let draws = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let v = k.array("v", ElemTy::F64);
            vec![Stmt::Store {
                array: v,
                index: Expr::load(post, Expr::Local(syn)),
                value: Expr::Call(crate::ir::Func::Rand, vec![]),
            }]
        });
        assert_eq!(target_parallel(&draws), None);
        // A local carried from the previous event.
        let carries = pathway(|k, syn| {
            let post = k.array("_post", ElemTy::I32);
            let v = k.array("v", ElemTy::F64);
            let acc = k.local("acc", Ty::F64);
            vec![
                Stmt::Store {
                    array: v,
                    index: Expr::load(post, Expr::Local(syn)),
                    value: Expr::Local(acc),
                },
                Stmt::Assign(acc, Expr::F64(2.0)),
            ]
        });
        assert_eq!(target_parallel(&carries), None);
    }
}
