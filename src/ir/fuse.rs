//! Loop fusion: two kernels that each run one loop over the same element range
//! become one kernel with one loop whose body is the first body followed by the
//! second. The state of each element then streams through the cache once per
//! step instead of twice (a neuron group's state update followed by its
//! threshold: Brian2 spends 30–38 % of CUBA in the separate threshold pass).
//!
//! Fusing is only done when it cannot change results: the element loops must
//! have the same bounds and only touch each other's arrays at the loop index
//! (so element `k` of the second body sees what the first body left in
//! element `k`, as it would after the whole first loop), nothing before the
//! second loop may read arrays, and neither kernel may draw random numbers
//! (each kernel owns its random stream).

use super::{ArrayId, Expr, Func, Kernel, Stmt};

/// The shape both kernels must have: statements before one top-level `For`.
pub(super) struct Parts<'a> {
    pub pre: &'a [Stmt],
    pub var: usize,
    pub start: &'a Expr,
    pub end: &'a Expr,
    pub body: &'a [Stmt],
    pub post: &'a [Stmt],
}

pub(super) fn parts(k: &Kernel) -> Option<Parts<'_>> {
    let pos = k.body.iter().position(|s| matches!(s, Stmt::For { .. }))?;
    if k.body[pos + 1..]
        .iter()
        .any(|s| matches!(s, Stmt::For { .. } | Stmt::While { .. }))
    {
        return None;
    }
    let Stmt::For { var, start, end, body } = &k.body[pos] else {
        return None;
    };
    Some(Parts {
        pre: &k.body[..pos],
        var: *var,
        start,
        end,
        body,
        post: &k.body[pos + 1..],
    })
}

/// Every subexpression of `e`, outermost first.
pub fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    e.for_each_child(|a| walk_expr(a, f));
}

/// Whether `block` (recursively) calls a function for which `pred` holds.
pub fn calls(block: &[Stmt], pred: impl Fn(Func) -> bool) -> bool {
    let mut found = false;
    walk_block(
        block,
        &mut |e| found |= matches!(e, Expr::Call(f, _) if pred(*f)),
        &mut |_, _| {},
    );
    found
}

/// Every statement of a block, nested ones included (a statement before
/// those it holds).
pub fn walk_stmts(b: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
    for s in b {
        f(s);
        match s {
            Stmt::If { then, els, .. } => {
                walk_stmts(then, f);
                walk_stmts(els, f);
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => walk_stmts(body, f),
            _ => {}
        }
    }
}

/// Every expression of a block (recursively) and every store's (array, index).
pub fn walk_block(b: &[Stmt], e: &mut dyn FnMut(&Expr), store: &mut dyn FnMut(ArrayId, &Expr)) {
    for s in b {
        match s {
            Stmt::Assign(_, x) | Stmt::Eval(x) => walk_expr(x, e),
            Stmt::Store { array, index, value } => {
                store(*array, index);
                walk_expr(index, e);
                walk_expr(value, e);
            }
            Stmt::If { cond, then, els } => {
                walk_expr(cond, e);
                walk_block(then, e, store);
                walk_block(els, e, store);
            }
            Stmt::For { start, end, body, .. } => {
                walk_expr(start, e);
                walk_expr(end, e);
                walk_block(body, e, store);
            }
            Stmt::While { cond, body } => {
                walk_expr(cond, e);
                walk_block(body, e, store);
            }
        }
    }
}

pub(super) fn has_loop(b: &[Stmt]) -> bool {
    b.iter().any(|s| match s {
        Stmt::For { .. } | Stmt::While { .. } => true,
        Stmt::If { then, els, .. } => has_loop(then) || has_loop(els),
        _ => false,
    })
}

pub(super) fn uses_random(k: &Kernel) -> bool {
    calls(&k.body, |f| {
        let sig = f.sig(super::Ty::F64);
        sig.rng || sig.ctx
    })
}

/// Accesses of a loop body: (array, index is the loop variable, is a store).
fn accesses(body: &[Stmt], var: usize) -> Vec<(ArrayId, bool, bool)> {
    let mut out = Vec::new();
    let at_var = |i: &Expr| matches!(i, Expr::Local(l) if *l == var);
    let mut loads = Vec::new();
    let mut stores = Vec::new();
    walk_block(
        body,
        &mut |e| {
            if let Expr::Load(a, i) = e {
                loads.push((*a, at_var(i)));
            }
        },
        &mut |a, i| stores.push((a, at_var(i))),
    );
    out.extend(loads.into_iter().map(|(a, v)| (a, v, false)));
    out.extend(stores.into_iter().map(|(a, v)| (a, v, true)));
    out
}

fn remap_expr(e: &mut Expr, arrays: &[ArrayId], scalars: &[usize], locals: &dyn Fn(usize) -> usize) {
    match e {
        Expr::Local(l) => *l = locals(*l),
        Expr::Scalar(s) => *s = scalars[*s],
        Expr::Load(a, _) => *a = arrays[*a],
        _ => {}
    }
    e.for_each_child_mut(|a| remap_expr(a, arrays, scalars, locals));
}

fn remap_block(b: &mut [Stmt], arrays: &[ArrayId], scalars: &[usize], locals: &dyn Fn(usize) -> usize) {
    for s in b {
        match s {
            Stmt::Assign(l, e) => {
                *l = locals(*l);
                remap_expr(e, arrays, scalars, locals);
            }
            Stmt::Eval(e) => remap_expr(e, arrays, scalars, locals),
            Stmt::Store { array, index, value } => {
                *array = arrays[*array];
                remap_expr(index, arrays, scalars, locals);
                remap_expr(value, arrays, scalars, locals);
            }
            Stmt::If { cond, then, els } => {
                remap_expr(cond, arrays, scalars, locals);
                remap_block(then, arrays, scalars, locals);
                remap_block(els, arrays, scalars, locals);
            }
            Stmt::For { var, start, end, body } => {
                *var = locals(*var);
                remap_expr(start, arrays, scalars, locals);
                remap_expr(end, arrays, scalars, locals);
                remap_block(body, arrays, scalars, locals);
            }
            Stmt::While { cond, body } => {
                remap_expr(cond, arrays, scalars, locals);
                remap_block(body, arrays, scalars, locals);
            }
        }
    }
}

/// The fusion of `a` then `b`, or `None` when it could change results.
///
/// `same` gives, for each array of `b`, the array of `a` that is the same
/// memory (the caller knows the bindings). Returns the fused kernel and, for
/// each array of `b`, its id in the fused kernel (the arrays of `a` keep theirs;
/// the others are appended in order). Scalars are merged by name.
pub fn fuse_element_loops(
    a: &Kernel,
    b: &Kernel,
    same: &[Option<ArrayId>],
    name: &str,
) -> Option<(Kernel, Vec<ArrayId>)> {
    let pa = parts(a)?;
    let pb = parts(b)?;
    if !pa.post.is_empty() || has_loop(pa.body) || has_loop(pb.body) || uses_random(a) || uses_random(b) {
        return None;
    }
    // Loop bounds must be the same scalars (by name) or the same constants.
    let bound = |k: &Kernel, e: &Expr| match e {
        Expr::Scalar(s) => Some(format!("scalar:{}", k.scalars[*s].name)),
        Expr::I64(x) => Some(format!("const:{x}")),
        _ => None,
    };
    if bound(a, pa.start)? != bound(b, pb.start)? || bound(a, pa.end)? != bound(b, pb.end)? {
        return None;
    }
    // What runs before the second loop must not read arrays (it moves before
    // the first loop).
    for s in pb.pre {
        let Stmt::Assign(_, e) = s else { return None };
        let mut loads = false;
        walk_expr(e, &mut |x| loads |= matches!(x, Expr::Load(..)));
        if loads {
            return None;
        }
    }
    // Shared arrays: every access in both bodies at the loop index.
    let acc_a = accesses(pa.body, pa.var);
    let acc_b: Vec<(ArrayId, bool, bool)> = accesses(pb.body, pb.var)
        .into_iter()
        .map(|(arr, v, st)| (same.get(arr).copied().flatten().map_or(usize::MAX - arr, |x| x), v, st))
        .collect();
    let shared: Vec<ArrayId> = acc_a
        .iter()
        .map(|x| x.0)
        .filter(|arr| acc_b.iter().any(|y| y.0 == *arr))
        .collect();
    for arr in shared {
        let all = acc_a.iter().chain(&acc_b).filter(|x| x.0 == arr);
        let written = all.clone().any(|x| x.2);
        if written && all.clone().any(|x| !x.1) {
            return None;
        }
    }
    // Merge declarations.
    let mut k = a.clone();
    k.name = name.to_string();
    let mut array_map = Vec::with_capacity(b.arrays.len());
    for (i, decl) in b.arrays.iter().enumerate() {
        match same.get(i).copied().flatten() {
            Some(x) => {
                if a.arrays.get(x).map(|d| d.elem) != Some(decl.elem) {
                    return None;
                }
                array_map.push(x);
            }
            None => array_map.push(k.array(decl.name.clone(), decl.elem)),
        }
    }
    let mut scalar_map = Vec::with_capacity(b.scalars.len());
    for decl in &b.scalars {
        match k.scalars.iter().position(|s| s.name == decl.name) {
            Some(x) if k.scalars[x].ty == decl.ty => scalar_map.push(x),
            Some(_) => return None,
            None => {
                k.scalars.push(decl.clone());
                scalar_map.push(k.scalars.len() - 1);
            }
        }
    }
    let offset = k.locals.len();
    k.locals.extend(b.locals.iter().cloned());
    let (var_a, var_b) = (pa.var, pb.var);
    let locals = move |l: usize| if l == var_b { var_a } else { l + offset };
    let mut b_pre = pb.pre.to_vec();
    let mut b_body = pb.body.to_vec();
    let mut b_post = pb.post.to_vec();
    remap_block(&mut b_pre, &array_map, &scalar_map, &locals);
    remap_block(&mut b_body, &array_map, &scalar_map, &locals);
    remap_block(&mut b_post, &array_map, &scalar_map, &locals);
    let mut body: Vec<Stmt> = pa.pre.to_vec();
    body.extend(b_pre);
    let mut loop_body = pa.body.to_vec();
    loop_body.extend(b_body);
    body.push(Stmt::For {
        var: var_a,
        start: pa.start.clone(),
        end: pa.end.clone(),
        body: loop_body,
    });
    body.extend(b_post);
    k.body = body;
    k.validate().ok()?;
    Some((k, array_map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{BinOp, ElemTy, LocalId, Ty};

    /// `for _idx in _start.._end { store(_idx) }` as the body of `k`.
    fn element_loop(k: &mut Kernel, store: impl FnOnce(LocalId) -> Stmt) {
        let start = Expr::Scalar(k.scalar("_start", Ty::I64));
        let end = Expr::Scalar(k.scalar("_end", Ty::I64));
        let var = k.local("_idx", Ty::I64);
        k.body = vec![Stmt::For {
            var,
            start,
            end,
            body: vec![store(var)],
        }];
    }

    /// `for i in _start.._end { x[i] = x[i] * 2 }` (a) and a second loop
    /// reading `x` at `read_at` and writing `y[i]` (b).
    fn pair(read_at_neighbour: bool) -> (Kernel, Kernel) {
        let mut a = Kernel::default();
        let x = a.array("x", ElemTy::F64);
        element_loop(&mut a, |i| Stmt::Store {
            array: x,
            index: Expr::Local(i),
            value: Expr::bin(BinOp::Mul, Expr::load(x, Expr::Local(i)), Expr::F64(2.0)),
        });
        let mut b = Kernel::default();
        let y = b.array("y", ElemTy::F64);
        let bx = b.array("x", ElemTy::F64);
        element_loop(&mut b, |j| Stmt::Store {
            array: y,
            index: Expr::Local(j),
            value: Expr::load(
                bx,
                if read_at_neighbour {
                    Expr::bin(BinOp::Add, Expr::Local(j), Expr::I64(1))
                } else {
                    Expr::Local(j)
                },
            ),
        });
        (a, b)
    }

    #[test]
    fn elementwise_loops_fuse() {
        let (a, b) = pair(false);
        let (k, map) = fuse_element_loops(&a, &b, &[None, Some(0)], "ab").expect("fusible");
        assert_eq!(map, vec![1, 0]);
        assert_eq!(k.arrays.len(), 2);
        assert_eq!(k.scalars.len(), 2);
        let Some(Stmt::For { body, .. }) = k.body.last() else {
            panic!("one loop expected:\n{k}")
        };
        assert_eq!(body.len(), 2, "{k}");
    }

    /// Reading a neighbour's element that the first loop writes would see the
    /// old value once fused: refused.
    #[test]
    fn neighbour_reads_are_not_fused() {
        let (a, b) = pair(true);
        assert!(fuse_element_loops(&a, &b, &[None, Some(0)], "ab").is_none());
    }

    /// Different memory (no shared array): fusible whatever the indices.
    #[test]
    fn unrelated_arrays_fuse() {
        let (a, b) = pair(true);
        assert!(fuse_element_loops(&a, &b, &[None, None], "ab").is_some());
    }
}
