//! The connect kernel of a generator (`j for j in range(...) if cond`): for
//! each outer element, the candidates of the generator's iterator (a range,
//! a sample with probability p, a sample of a given size), the element and
//! the condition of each, the pairs pushed as synapses through the runtime,
//! the indices out of range and the bad values reported. A skeleton like
//! those of `skeleton`, in a room of its own for its size.

use super::KernelBuilder;
use crate::ir::{self, BinOp, Func, LocalId, Stmt, Ty};
use crate::model::scope::Scope;
use crate::syntax::ast::{Expr, ExprKind, GenIter, Generator};
use spikejit_runtime::rng;

/// The locals of a connect kernel, made before the scope that names them.
#[derive(Clone, Copy)]
pub struct ConnectLocals {
    /// The outer element (the builder's item).
    pub outer: LocalId,
    /// The iterator variable.
    pub inner: LocalId,
    /// The result index of a candidate.
    pub result: LocalId,
}

impl ConnectLocals {
    /// The locals of the connect kernel built by `b` for a generator whose
    /// iterator variable is `var`.
    pub fn new(b: &mut KernelBuilder, var: &str) -> ConnectLocals {
        let outer = b.item;
        let inner = b.kernel.local(format!("{var}_gen"), Ty::I64);
        let result = b.kernel.local("_result", Ty::I64);
        ConnectLocals { outer, inner, result }
    }
}

/// A generator to lower, with what the simulator found about it (which
/// names it reads, checked before).
pub struct ConnectKernel<'a> {
    /// The generator, its subexpressions expanded.
    pub generator: &'a Generator,
    /// The kernel's locals, as the scopes name them.
    pub locals: ConnectLocals,
    /// The generator runs over pre-synaptic indices (`i for i in ...`): the
    /// result is `i`, the outer element `j`.
    pub over_pre: bool,
    /// The number of valid result indices.
    pub n_result: usize,
    /// The names of connect code.
    pub scope: &'a Scope,
    /// The names of the generator's element (the result name is not known
    /// there).
    pub element_scope: &'a Scope,
    /// The number of synapses per pair.
    pub n: &'a Expr,
    /// `n` is an expression, checked for each pair it is evaluated for (a
    /// constant was checked before).
    pub n_per_pair: bool,
    /// A per-pair probability: `condition and rand() < p`.
    pub pair_p: Option<&'a Expr>,
    /// The condition is tested for each candidate (else once per outer
    /// element).
    pub cond_per_pair: bool,
    /// The condition reads variables of the result side (the range check
    /// then comes first).
    pub cond_reads_result_vars: bool,
    /// A sampling p depends on the outer element (its error names it).
    pub p_names_outer: bool,
    /// Candidates out of range are skipped, not reported.
    pub skip_if_invalid: bool,
    /// Only the candidates in `_targets_start.._targets_end` are made (a
    /// rank's targets): the generator's element is its variable, its step a
    /// positive constant, and the result side is the target. Candidates
    /// outside these bounds are not visited at all.
    pub restrict_targets: bool,
    /// With `restrict_targets`: the element is the variable plus this
    /// (evaluated once per outer element), so the variable's values visited
    /// are the targets' bounds minus it.
    pub target_offset: Option<&'a Expr>,
}

/// The scalar holding the first candidate a restricted connect makes (see
/// [`ConnectKernel::restrict_targets`]).
pub const SCALAR_TARGETS_START: &str = "_targets_start";
/// One past the last candidate a restricted connect makes.
pub const SCALAR_TARGETS_END: &str = "_targets_end";

/// The connect kernel of `spec`: for each outer element of `_start.._end`,
/// its candidates pushed as synapses.
pub fn connect(b: &mut KernelBuilder, spec: &ConnectKernel) {
    let g = spec.generator;
    let (scope, el_scope) = (spec.scope, spec.element_scope);
    let (over_pre, n_result) = (spec.over_pre, spec.n_result);
    let ConnectLocals { outer, inner, result } = spec.locals;
    let (low, high, step) = match &g.iter {
        GenIter::Range { low, high, step }
        | GenIter::SampleP { low, high, step, .. }
        | GenIter::SampleSize { low, high, step, .. } => (low, high, step),
    };
    // Kernel body.
    let skip = spec.skip_if_invalid;
    let mut body: Vec<Stmt> = Vec::new();
    let (low_ir, high_ir, step_ir) = {
        let lo = low
            .as_ref()
            .map(|e| b.expr(e, scope))
            .map(|(e, t)| cast_i(e, t))
            .unwrap_or(ir::Expr::I64(0));
        let (hi, ht) = b.expr(high, scope);
        let st = step
            .as_ref()
            .map(|e| b.expr(e, scope))
            .map(|(e, t)| cast_i(e, t))
            .unwrap_or(ir::Expr::I64(1));
        (lo, cast_i(hi, ht), st)
    };
    let lo_l = b.kernel.local("_low", Ty::I64);
    let hi_l = b.kernel.local("_high", Ty::I64);
    let st_l = b.kernel.local("_step", Ty::I64);
    body.push(Stmt::Assign(lo_l, low_ir));
    body.push(Stmt::Assign(hi_l, high_ir));
    body.push(Stmt::Assign(st_l, step_ir));
    // Per candidate: element, condition, range check, push.
    let mut cand: Vec<Stmt> = Vec::new();
    let (el, et) = b.expr(&g.element, el_scope);
    cand.push(Stmt::Assign(result, cast_i(el, et)));
    let in_range = ir::Expr::bin(
        BinOp::And,
        ir::Expr::bin(BinOp::Ge, ir::Expr::Local(result), ir::Expr::I64(0)),
        ir::Expr::bin(BinOp::Lt, ir::Expr::Local(result), ir::Expr::I64(n_result as i64)),
    );
    let code = if over_pre {
        spikejit_runtime::error_code::PRE_INDEX_OUT_OF_RANGE
    } else {
        spikejit_runtime::error_code::POST_INDEX_OUT_OF_RANGE
    };
    let report = Stmt::Eval(ir::Expr::Call(
        Func::ReportError,
        vec![
            ir::Expr::I64(code),
            ir::Expr::Local(result),
            ir::Expr::I64(n_result as i64),
        ],
    ));
    let (n_ir, nt) = b.expr(spec.n, scope);
    let n_ir = cast_i(n_ir, nt);
    let (pi, pj) = if over_pre {
        (ir::Expr::Local(result), ir::Expr::Local(outer))
    } else {
        (ir::Expr::Local(outer), ir::Expr::Local(result))
    };
    // An expression for n is checked for each pair it is evaluated for (a
    // constant was checked before).
    let push: Vec<Stmt> = if spec.n_per_pair {
        let n_l = b.kernel.local("_n", Ty::I64);
        vec![
            Stmt::Assign(n_l, n_ir),
            Stmt::If {
                cond: ir::Expr::bin(BinOp::Lt, ir::Expr::Local(n_l), ir::Expr::I64(0)),
                then: vec![Stmt::Eval(ir::Expr::Call(
                    Func::ReportValue,
                    vec![
                        ir::Expr::I64(spikejit_runtime::error_code::NEGATIVE_N),
                        pi.clone(),
                        pj.clone(),
                        ir::Expr::cast(Ty::F64, ir::Expr::Local(n_l)),
                    ],
                ))],
                els: vec![],
            },
            Stmt::Eval(ir::Expr::Call(Func::PushSynapse, vec![pi, pj, ir::Expr::Local(n_l)])),
        ]
    } else {
        vec![Stmt::Eval(ir::Expr::Call(Func::PushSynapse, vec![pi, pj, n_ir]))]
    };
    let on_valid = |b: &mut KernelBuilder, cond: Option<&Expr>| -> Vec<Stmt> {
        match cond {
            Some(e) => {
                let (ce, _) = b.expr(e, scope);
                vec![Stmt::If {
                    cond: ce,
                    then: push.clone(),
                    els: vec![],
                }]
            }
            None => push.clone(),
        }
    };
    let invalid = if skip { vec![] } else { vec![report] };
    if let Some(p) = spec.pair_p {
        // `condition and rand() < p` (the condition path: j runs over
        // range(N_post), always in range), evaluated in that order as the
        // expression was, with p kept to check it for the pairs the
        // condition selects: one compare per candidate.
        let cond_l = g.cond.as_ref().map(|e| {
            let (ce, _) = b.expr(e, scope);
            let l = b.kernel.local("_cond", Ty::Bool);
            cand.push(Stmt::Assign(l, ce));
            l
        });
        let (r, rt) = b.expr(&Expr::call("rand", vec![]), scope);
        let r_l = b.kernel.local("_r", rt);
        cand.push(Stmt::Assign(r_l, r));
        let (pe, pt) = b.expr(p, scope);
        let p_l = b.kernel.local("_p", pt);
        cand.push(Stmt::Assign(p_l, pe));
        let (lt, _) = b.binary(BinOp::Lt, ir::Expr::Local(r_l), rt, ir::Expr::Local(p_l), pt);
        let p64 = if pt == Ty::F64 {
            ir::Expr::Local(p_l)
        } else {
            ir::Expr::cast(Ty::F64, ir::Expr::Local(p_l))
        };
        // One compare per candidate the condition selects: |p - 1/2| <= 1/2
        // holds for p in [0, 1] and fails for NaN (a negative p smaller
        // than 3e-17 in magnitude passes, and connects nothing, as 0 does).
        let p_ok = ir::Expr::bin(
            BinOp::Le,
            ir::Expr::Call(
                Func::Abs,
                vec![ir::Expr::bin(BinOp::Sub, p64.clone(), ir::Expr::F64(0.5))],
            ),
            ir::Expr::F64(0.5),
        );
        let mut selected = vec![
            Stmt::If {
                cond: ir::Expr::logical_not(p_ok),
                then: vec![report_probability(ir::Expr::Local(outer), ir::Expr::Local(result), p64)],
                els: vec![],
            },
            Stmt::If {
                cond: lt,
                then: push.clone(),
                els: vec![],
            },
        ];
        if let Some(l) = cond_l {
            selected = vec![Stmt::If {
                cond: ir::Expr::Local(l),
                then: selected,
                els: vec![],
            }];
        }
        cand.push(Stmt::If {
            cond: in_range,
            then: selected,
            els: invalid,
        });
    } else if spec.cond_per_pair && !spec.cond_reads_result_vars {
        // Condition first (no result-side variables), then the range check.
        let (ce, _) = b.expr(g.cond.as_ref().map_or(&Expr::synth(ExprKind::Bool(true)), |e| e), scope);
        cand.push(Stmt::If {
            cond: ce,
            then: vec![Stmt::If {
                cond: in_range,
                then: push.clone(),
                els: invalid,
            }],
            els: vec![],
        });
    } else {
        let then = on_valid(b, if spec.cond_per_pair { g.cond.as_ref() } else { None });
        cand.push(Stmt::If {
            cond: in_range,
            then,
            els: invalid,
        });
    }
    // Each candidate's draws keyed by (outer, candidate).
    let cand = super::skeleton::keyed_by(ir::Expr::Local(outer), ir::Expr::Local(inner), cand);
    // Iteration.
    let k = ir::Expr::Local(inner);
    let step_pos = ir::Expr::bin(BinOp::Gt, ir::Expr::Local(st_l), ir::Expr::I64(0));
    let in_iter = |k: ir::Expr| {
        ir::Expr::select(
            step_pos.clone(),
            ir::Expr::bin(BinOp::Lt, k.clone(), ir::Expr::Local(hi_l)),
            ir::Expr::bin(BinOp::Gt, k, ir::Expr::Local(hi_l)),
        )
    };
    let advance = |extra: Option<ir::Expr>| {
        let stepn = match extra {
            Some(s) => ir::Expr::bin(
                BinOp::Mul,
                ir::Expr::Local(st_l),
                ir::Expr::bin(BinOp::Add, ir::Expr::I64(1), s),
            ),
            None => ir::Expr::Local(st_l),
        };
        Stmt::Assign(inner, ir::Expr::bin(BinOp::Add, k.clone(), stepn))
    };
    let zero_step = Stmt::If {
        cond: ir::Expr::bin(BinOp::Eq, ir::Expr::Local(st_l), ir::Expr::I64(0)),
        then: vec![
            Stmt::Eval(ir::Expr::Call(
                Func::ReportError,
                vec![
                    ir::Expr::I64(spikejit_runtime::error_code::ZERO_STEP),
                    ir::Expr::I64(0),
                    ir::Expr::I64(0),
                ],
            )),
            Stmt::Assign(st_l, ir::Expr::I64(1)),
            Stmt::Assign(hi_l, ir::Expr::Local(lo_l)),
        ],
        els: vec![],
    };
    body.push(zero_step);
    // The candidates' ordinals a restricted connect makes: from the first at
    // or after _targets_start to the last before _targets_end (the step is a
    // positive constant there).
    let bounds = spec.restrict_targets.then(|| {
        let ts = b.scalar(SCALAR_TARGETS_START, Ty::I64);
        let te = b.scalar(SCALAR_TARGETS_END, Ty::I64);
        let (c_lo, c_hi) = (
            b.kernel.local("_first_candidate", Ty::I64),
            b.kernel.local("_end_candidate", Ty::I64),
        );
        let bin = ir::Expr::bin;
        // With an offset: the variable's bounds are the targets' minus it
        // (a rank's unbounded end stays unbounded).
        let (ts, te) = match spec.target_offset {
            Some(off) => {
                let (oe, ot) = b.expr(off, spec.element_scope);
                let oe = if ot == Ty::I64 { oe } else { ir::Expr::cast(Ty::I64, oe) };
                let off_l = b.kernel.local("_target_offset", Ty::I64);
                body.push(Stmt::Assign(off_l, oe));
                let shifted = |bound: ir::Expr, unbounded: i64| {
                    ir::Expr::select(
                        bin(BinOp::Eq, bound.clone(), ir::Expr::I64(unbounded)),
                        ir::Expr::I64(unbounded),
                        bin(BinOp::Sub, bound, ir::Expr::Local(off_l)),
                    )
                };
                (shifted(ts, i64::MIN), shifted(te, i64::MAX))
            }
            None => (ts, te),
        };
        let (low, high, st) = (ir::Expr::Local(lo_l), ir::Expr::Local(hi_l), ir::Expr::Local(st_l));
        let max = |x: ir::Expr, y: ir::Expr| ir::Expr::select(bin(BinOp::Gt, x.clone(), y.clone()), x, y);
        let min = |x: ir::Expr, y: ir::Expr| ir::Expr::select(bin(BinOp::Lt, x.clone(), y.clone()), x, y);
        // ceil((x - low) / step) for x >= low.
        let ordinal = |x: ir::Expr| {
            bin(
                BinOp::FloorDiv,
                bin(
                    BinOp::Add,
                    bin(BinOp::Sub, x, low.clone()),
                    bin(BinOp::Sub, st.clone(), ir::Expr::I64(1)),
                ),
                st.clone(),
            )
        };
        body.push(Stmt::Assign(c_lo, ordinal(max(ts, low.clone()))));
        body.push(Stmt::Assign(c_hi, ordinal(max(min(te, high), low.clone()))));
        (c_lo, c_hi)
    });
    match &g.iter {
        GenIter::Range { .. } => {
            let mut lb = cand.clone();
            lb.push(advance(None));
            match bounds {
                Some((c_lo, c_hi)) => {
                    let at = |c: LocalId| {
                        ir::Expr::bin(
                            BinOp::Add,
                            ir::Expr::Local(lo_l),
                            ir::Expr::bin(BinOp::Mul, ir::Expr::Local(st_l), ir::Expr::Local(c)),
                        )
                    };
                    body.push(Stmt::Assign(inner, at(c_lo)));
                    let end = b.kernel.local("_end_value", Ty::I64);
                    body.push(Stmt::Assign(end, at(c_hi)));
                    body.push(Stmt::While {
                        cond: ir::Expr::bin(BinOp::Lt, k.clone(), ir::Expr::Local(end)),
                        body: lb,
                    });
                }
                None => {
                    body.push(Stmt::Assign(inner, ir::Expr::Local(lo_l)));
                    body.push(Stmt::While {
                        cond: in_iter(k.clone()),
                        body: lb,
                    });
                }
            }
        }
        GenIter::SampleP { p, .. } => {
            let (pe, pt) = b.expr(p, scope);
            let pe = if pt == Ty::F64 { pe } else { ir::Expr::cast(Ty::F64, pe) };
            let p_l = b.kernel.local("_p", Ty::F64);
            body.push(Stmt::Assign(p_l, pe));
            // p is the same for every candidate of an outer element: checked
            // once per outer element, naming it when p depends on it.
            let at = if spec.p_names_outer {
                ir::Expr::Local(outer)
            } else {
                ir::Expr::I64(-1)
            };
            let (pi, pj) = if over_pre {
                (ir::Expr::I64(-1), at)
            } else {
                (at, ir::Expr::I64(-1))
            };
            body.push(Stmt::If {
                cond: out_of_unit_range(ir::Expr::Local(p_l)),
                then: vec![report_probability(pi, pj, ir::Expr::Local(p_l))],
                els: vec![],
            });
            body.push(Stmt::If {
                cond: ir::Expr::bin(BinOp::Gt, ir::Expr::Local(p_l), ir::Expr::F64(0.0)),
                then: sample_by_blocks(b, outer, inner, (lo_l, hi_l, st_l), p_l, bounds, cand.clone()),
                els: vec![],
            });
        }
        GenIter::SampleSize { size, .. } => {
            let (se, st) = b.expr(size, scope);
            let cnt = b.kernel.local("_nsample", Ty::I64);
            let m = b.kernel.local("_m", Ty::I64);
            body.push(Stmt::Assign(
                cnt,
                ir::Expr::Call(
                    Func::SampleSize,
                    vec![
                        ir::Expr::Local(lo_l),
                        ir::Expr::Local(hi_l),
                        ir::Expr::Local(st_l),
                        cast_i(se, st),
                        ir::Expr::I64(i64::from(skip)),
                    ],
                ),
            ));
            let mut lb = vec![Stmt::Assign(
                inner,
                ir::Expr::Call(Func::SampleGet, vec![ir::Expr::Local(m)]),
            )];
            lb.extend(cand.clone());
            body.push(Stmt::For {
                var: m,
                start: ir::Expr::I64(0),
                end: ir::Expr::Local(cnt),
                body: lb,
            });
        }
    }
    // An outer condition (depends only on the outer index): tested once.
    let body = match (&g.cond, spec.cond_per_pair) {
        (Some(e), false) => {
            let (ce, _) = b.expr(e, scope);
            vec![Stmt::If {
                cond: ce,
                then: body,
                els: vec![],
            }]
        }
        _ => body,
    };
    let l = ir::Stmt::For {
        var: outer,
        start: b.scalar(super::skeleton::SCALAR_START, Ty::I64),
        end: b.scalar(super::skeleton::SCALAR_END, Ty::I64),
        body: super::skeleton::keyed_by(ir::Expr::Local(outer), ir::Expr::I64(rng::OUTER), body),
    };
    b.kernel.body.push(l);
}

/// The candidates of `sample(low, high, step, p=p)` (`p > 0`) for one outer
/// element: candidate `c` (from 0) is `low + step*c`; each is taken with
/// probability `p`, by geometric jumps within blocks of
/// [`rng::CANDIDATE_BLOCK`] candidates, each block's jumps from the stream
/// keyed by (outer, block), so that one block's candidates are made without
/// the others'.
fn sample_by_blocks(
    b: &mut KernelBuilder,
    outer: LocalId,
    inner: LocalId,
    (low, high, step): (LocalId, LocalId, LocalId),
    p: LocalId,
    bounds: Option<(LocalId, LocalId)>,
    cand: Vec<Stmt>,
) -> Vec<Stmt> {
    let local = ir::Expr::Local;
    let int = ir::Expr::I64;
    let bin = ir::Expr::bin;
    let width = rng::CANDIDATE_BLOCK as i64;
    let count = b.kernel.local("_candidates", Ty::I64);
    let block = b.kernel.local("_block", Ty::I64);
    let block_end = b.kernel.local("_block_end", Ty::I64);
    let c = b.kernel.local("_candidate", Ty::I64);
    let skip = b.kernel.local("_skip", Ty::I64);
    let positive = bin(BinOp::Gt, local(step), int(0));
    let span = ir::Expr::select(
        positive.clone(),
        bin(BinOp::Sub, local(high), local(low)),
        bin(BinOp::Sub, local(low), local(high)),
    );
    let stride = ir::Expr::select(positive, local(step), ir::Expr::bin(BinOp::Sub, int(0), local(step)));
    // c = from + skip, or the block's end when the jump leaves it (a jump can
    // be i64::MAX: compared with the room left, never added to).
    let jump = |from: ir::Expr| {
        vec![
            Stmt::Assign(skip, ir::Expr::Call(Func::GeometricSkip, vec![local(p)])),
            Stmt::Assign(
                c,
                ir::Expr::select(
                    bin(BinOp::Lt, local(skip), bin(BinOp::Sub, local(block_end), from.clone())),
                    bin(BinOp::Add, from, local(skip)),
                    local(block_end),
                ),
            ),
        ]
    };
    let mut made = vec![Stmt::Assign(
        inner,
        bin(BinOp::Add, local(low), bin(BinOp::Mul, local(step), local(c))),
    )];
    made.extend(cand);
    // Restricted: the candidates of the first block before the first made
    // are jumped over, not made (the jumps are the block's, wherever made).
    let mut each = match bounds {
        Some((c_lo, _)) => vec![Stmt::If {
            cond: bin(BinOp::Ge, local(c), local(c_lo)),
            then: made,
            els: vec![],
        }],
        None => made,
    };
    each.extend(jump(bin(BinOp::Add, local(c), int(1))));
    // The candidates made: all (0..count), or a restricted connect's.
    let last = b.kernel.local("_last_candidates", Ty::I64);
    let mut per_block = vec![
        Stmt::Assign(
            block_end,
            ir::Expr::select(
                bin(
                    BinOp::Lt,
                    bin(BinOp::Sub, local(last), bin(BinOp::Mul, local(block), int(width))),
                    int(width),
                ),
                local(last),
                bin(BinOp::Mul, bin(BinOp::Add, local(block), int(1)), int(width)),
            ),
        ),
        Stmt::Eval(ir::Expr::Call(Func::RngJumpAt, vec![local(outer), local(block)])),
    ];
    per_block.extend(jump(bin(BinOp::Mul, local(block), int(width))));
    per_block.push(Stmt::While {
        cond: bin(BinOp::Lt, local(c), local(block_end)),
        body: each,
    });
    vec![
        // The number of candidates: ceil(span / |step|), none for an empty range.
        Stmt::Assign(
            count,
            ir::Expr::select(
                bin(BinOp::Gt, span.clone(), int(0)),
                bin(
                    BinOp::FloorDiv,
                    bin(BinOp::Add, span, bin(BinOp::Sub, stride.clone(), int(1))),
                    stride,
                ),
                int(0),
            ),
        ),
        Stmt::Assign(
            last,
            match bounds {
                Some((_, c_hi)) => {
                    ir::Expr::select(bin(BinOp::Lt, local(c_hi), local(count)), local(c_hi), local(count))
                }
                None => local(count),
            },
        ),
        Stmt::For {
            var: block,
            start: match bounds {
                Some((c_lo, _)) => bin(BinOp::FloorDiv, local(c_lo), int(width)),
                None => int(0),
            },
            end: bin(
                BinOp::FloorDiv,
                bin(BinOp::Add, local(last), int(width - 1)),
                int(width),
            ),
            body: per_block,
        },
    ]
}

/// `!(0 <= p <= 1)` of an `F64` (true for NaN).
fn out_of_unit_range(p: ir::Expr) -> ir::Expr {
    ir::Expr::logical_not(ir::Expr::bin(
        BinOp::And,
        ir::Expr::bin(BinOp::Ge, p.clone(), ir::Expr::F64(0.0)),
        ir::Expr::bin(BinOp::Le, p, ir::Expr::F64(1.0)),
    ))
}

/// Records a probability `p` (`F64`) out of range for the pair `(i, j)` (-1: not named).
fn report_probability(i: ir::Expr, j: ir::Expr, p: ir::Expr) -> Stmt {
    Stmt::Eval(ir::Expr::Call(
        Func::ReportValue,
        vec![
            ir::Expr::I64(spikejit_runtime::error_code::PROBABILITY_OUT_OF_RANGE),
            i,
            j,
            p,
        ],
    ))
}

fn cast_i(e: ir::Expr, t: Ty) -> ir::Expr {
    if t == Ty::I64 { e } else { ir::Expr::cast(Ty::I64, e) }
}
