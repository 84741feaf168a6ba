//! Forwarding of elements within element loops: `a[i]`, once loaded or
//! stored in a loop over `i`, is read from a local after that (the backends
//! keep no value across a store).

use std::collections::HashMap;

use crate::ir::{ElemTy, Expr, Kernel, Stmt};

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
    k.arrays[array].elem != ElemTy::I32
}

fn forward_body(k: &mut Kernel, var: usize, body: Vec<Stmt>) -> Vec<Stmt> {
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
fn forward_nested(var: usize, b: Vec<Stmt>, mut known: HashMap<usize, usize>) -> Vec<Stmt> {
    fn replace_known(e: &mut Expr, var: usize, known: &HashMap<usize, usize>) {
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
