//! The connect kernel of a generator: the scope of connect code, the checks
//! of the generator's parts, what the kernel's skeleton
//! ([`lower::connect`]) needs to know of the names they read, and its run
//! in chunks of source neurons, with the errors it reports pointed back at
//! the text.

use std::sync::Arc;

use super::connect::{Made, ProbCheck, uses, uses_rand};
use super::exec::SlotValues;
use super::memory;
use super::network::{Network, err};
use super::scopes::count;
use super::spec::{Connect, Count};
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::lower;
use crate::model::check::Checker;
use crate::model::equations::VarFlag;
use crate::model::scope::{IndexSel, NameRef, Scope, ValTy};
use crate::syntax::ast::{Expr, ExprKind, GenIter, Generator};
use crate::units::Dim;

impl Network {
    /// The scope of connect code: the outer index, the inner variable and the result
    /// are locals of the kernel; pre/post variables are read through them.
    pub(crate) fn connect_scope(&self, id: usize, locals: Option<(usize, usize, usize, bool)>) -> Scope {
        let Some(s) = self.syn(id) else { return Scope::default() };
        let mut scope = self.constants_scope();
        // (outer local, inner local, result local, over_pre)
        let (outer, inner, result, i_gen) = locals.unwrap_or((0, 0, 0, false));
        let (pre_l, post_l) = if i_gen { (result, outer) } else { (outer, result) };
        let pre_sel = IndexSel::Local {
            local: pre_l,
            offset: s.source.start as i64,
        };
        let post_sel = IndexSel::Local {
            local: post_l,
            offset: s.target.start as i64,
        };
        self.group_names(&mut scope, s.target.group, post_sel.clone(), "", 0);
        self.group_names(&mut scope, s.target.group, post_sel, "_post", 0);
        self.group_names(&mut scope, s.source.group, pre_sel, "_pre", 0);
        scope.insert(
            "i",
            NameRef::Index {
                index: IndexSel::Local {
                    local: pre_l,
                    offset: 0,
                },
                offset: 0,
            },
        );
        scope.insert(
            "j",
            NameRef::Index {
                index: IndexSel::Local {
                    local: post_l,
                    offset: 0,
                },
                offset: 0,
            },
        );
        let _ = inner;
        scope.insert("N_pre", count(s.source.len()));
        scope.insert("N_post", count(s.target.len()));
        scope.insert("t", NameRef::Time);
        scope.insert("dt", NameRef::constant(s.dt, Dim::SECOND));
        for n in ["N_incoming", "N_outgoing"] {
            scope
                .forbidden
                .insert(n.into(), format!("a connect statement cannot refer to '{n}'"));
        }
        // The synapses' own subexpressions (of pre/post variables) may be used.
        for v in &s.eqs.vars {
            if v.kind() == crate::syntax::ast::EquationKind::Subexpression && !v.has_flag(VarFlag::Summed) {
                scope.insert(
                    v.name(),
                    NameRef::Subexpr {
                        expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
                        dim: v.dim,
                        ty: v.ty,
                        scope: None,
                    },
                );
            }
        }
        scope
    }

    /// Builds and runs the connect kernel of a generator; returns the new (i, j)
    /// pairs, relative to source and target.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_generator(
        &mut self,
        id: usize,
        src: &Arc<Source>,
        g: &Generator,
        over_pre: bool,
        c: &Connect,
        p_check: Option<&ProbCheck>,
        ctx: &str,
    ) -> Result<Made> {
        let Some(s) = self.syn(id) else {
            return Err(err("internal", ctx, "not synapses"));
        };
        let (n_outer, n_result) = if over_pre {
            (s.target.len(), s.source.len())
        } else {
            (s.source.len(), s.target.len())
        };
        let sname = s.name.clone();
        // The synapses' subexpressions are expanded first, so that the analysis of
        // what the condition depends on sees the pre/post variables they use.
        let expanded;
        let g = if g.cond.is_some() {
            let mut e = g.clone();
            e.cond = g.cond.as_ref().map(|c| s.eqs.substitute_subexpressions(c));
            expanded = e;
            &expanded
        } else {
            g
        };
        // On several ranks, a generator whose element is its variable, with a
        // positive constant step, onto targets, visits only the candidates
        // onto this rank's targets (and the first and last ranks those out of
        // range, whose errors one rank alone reports).
        let positive_step = |s: &Option<Expr>| match s {
            None => true,
            Some(e) => matches!(e.kind, ExprKind::Int(k) if k > 0),
        };
        let target_offset = element_offset(&g.element, &g.var);
        let restrict = self.ranks.is_some()
            && !over_pre
            && target_offset.is_some()
            && match &g.iter {
                GenIter::Range { step, .. } | GenIter::SampleP { step, .. } => positive_step(step),
                GenIter::SampleSize { .. } => false,
            };
        let mut b = self.builder(&format!("{sname}_connect"));
        let locals = lower::ConnectLocals::new(&mut b, &g.var);
        let (outer, inner, result) = (locals.outer, locals.inner, locals.result);
        let mut scope = self.connect_scope(id, Some((outer, inner, result, over_pre)));
        let result_name = if over_pre { "i" } else { "j" };
        // The inner variable (if it has its own name).
        if g.var != result_name && g.var != "_" {
            scope.insert(
                g.var.clone(),
                NameRef::Index {
                    index: IndexSel::Local {
                        local: inner,
                        offset: 0,
                    },
                    offset: 0,
                },
            );
        }
        // Checks.
        let mut ck = Checker::new(&scope, src);
        let int_check = |ck: &mut Checker, e: &Expr, what: &str| {
            if let Some(t) = ck.expr(e)
                && (t.ty != ValTy::Int || !t.dim.is_one())
            {
                let d = Diagnostic::at(
                    "type",
                    src,
                    e.span,
                    format!("the '{what}' argument of the iterator was '{e}', but it needs to be an integer"),
                )
                .with_help("use int(...) or // to get an integer");
                ck.errors.push(d);
            }
        };
        let (low, high, step) = match &g.iter {
            GenIter::Range { low, high, step }
            | GenIter::SampleP { low, high, step, .. }
            | GenIter::SampleSize { low, high, step, .. } => (low, high, step),
        };
        let dep_names = |n: &str| {
            n == result_name
                || n == g.var
                || (n != "N_post" && n.ends_with("_post") && !over_pre)
                || (n != "N_pre" && n.ends_with("_pre") && over_pre)
        };
        for (e, what) in [(low.as_ref(), "low"), (Some(high), "high"), (step.as_ref(), "step")] {
            if let Some(e) = e {
                int_check(&mut ck, e, what);
                if uses(e, &dep_names) {
                    ck.errors.push(Diagnostic::at(
                        "bad-connect",
                        src,
                        e.span,
                        format!("the iterator argument '{e}' depends on the result index or the iterator variable"),
                    ));
                }
            }
        }
        match &g.iter {
            GenIter::SampleP { p, .. } => {
                ck.expect_dim(p, Dim::ONE, "p");
                if uses(p, &dep_names) {
                    ck.errors.push(Diagnostic::at(
                        "bad-connect",
                        src,
                        p.span,
                        "p depends on the result index or the iterator variable",
                    ));
                }
            }
            GenIter::SampleSize { size, .. } => int_check(&mut ck, size, "size"),
            _ => {}
        }
        // The element: evaluated with the inner variable bound; the result name is
        // not yet known there.
        let el_scope = {
            let mut sc = scope.clone();
            sc.names.remove(result_name);
            if g.var == result_name {
                sc.insert(
                    result_name,
                    NameRef::Index {
                        index: IndexSel::Local {
                            local: inner,
                            offset: 0,
                        },
                        offset: 0,
                    },
                );
            }
            sc
        };
        {
            let mut ek = Checker::new(&el_scope, src);
            if let Some(t) = ek.expr(&g.element)
                && (t.ty == ValTy::Float || !t.dim.is_one())
            {
                ek.errors.push(Diagnostic::at(
                    "type",
                    src,
                    g.element.span,
                    format!("the generator element '{}' must be an integer index", g.element),
                ));
            }
            ck.errors.extend(ek.errors);
        }
        if let Some(cond) = &g.cond {
            ck.condition(cond, "the generator condition");
        }
        let mut n_src = None;
        let n_expr = match &c.n {
            None => Expr::int(1),
            Some(Count::Value(v)) => Expr::int(*v),
            Some(Count::Expr(code)) => {
                let src = code.source(format!("{ctx}.n"));
                let e = crate::syntax::parse_expression(&src)?;
                let mut nk = Checker::new(&scope, &src);
                if let Some(t) = nk.expr(&e)
                    && (t.ty == ValTy::Float || !t.dim.is_one())
                {
                    nk.errors
                        .push(Diagnostic::at("type", &src, e.span, "n must be an integer expression"));
                }
                if let Some(v) = nk.const_value(&e)
                    && v < 0.0
                {
                    nk.errors.push(
                        Diagnostic::at(
                            "bad-count",
                            &src,
                            e.span,
                            format!("{ctx}: the number of synapses per pair n must not be negative, but it is {v}"),
                        )
                        .with_label(format!("this is {v}")),
                    );
                }
                ck.errors.extend(nk.errors);
                n_src = Some(src);
                e
            }
        };
        // A per-pair p (made into `rand() < p` here) and what it depends on.
        let pair_p = p_check.filter(|pc| pc.per_pair).map(|pc| s_expand(self, id, &pc.expr));
        if !ck.errors.is_empty() {
            return Err(Errors(ck.errors));
        }
        // Does the condition need the result (or post/pre variables of the result side)?
        let result_var = |n: &str| {
            (n != "N_post" && n != "N_pre" && n.ends_with(if over_pre { "_pre" } else { "_post" }))
                || (!over_pre && self.is_post_name(id, n))
        };
        let cond_per_pair = g
            .cond
            .as_ref()
            .map(|e| uses(e, &|n| dep_names(n) || result_var(n)) || uses_rand(e))
            .unwrap_or(false)
            || pair_p.is_some();
        let cond_reads_result_vars = g.cond.as_ref().map(|e| uses(e, &result_var)).unwrap_or(false)
            || pair_p.as_ref().is_some_and(|p| uses(p, &result_var));
        let p_names_outer = match &g.iter {
            GenIter::SampleP { p, .. } => {
                uses(p, &|n| {
                    if over_pre {
                        n == "j" || (n != "N_post" && n.ends_with("_post")) || self.is_post_name(id, n)
                    } else {
                        n == "i" || (n != "N_pre" && n.ends_with("_pre"))
                    }
                }) || uses_rand(p)
                    || uses(p, &|n| self.syn(id).and_then(|s| s.eqs.get(n)).is_some())
            }
            _ => false,
        };
        lower::connect(
            &mut b,
            &lower::ConnectKernel {
                generator: g,
                locals,
                over_pre,
                n_result,
                scope: &scope,
                element_scope: &el_scope,
                n: &n_expr,
                n_per_pair: n_src.is_some(),
                pair_p: pair_p.as_ref(),
                cond_per_pair,
                cond_reads_result_vars,
                p_names_outer,
                skip_if_invalid: c.skip_if_invalid,
                restrict_targets: restrict,
                target_offset: target_offset.flatten().as_ref(),
            },
        );
        let kern = self.compile(b)?;
        let mut rng = self.next_rng();
        let mut cx = spikejit_runtime::Context::new();
        // A rank keeps the synapses onto the targets it owns.
        cx.keep_post = self.kept_targets(id);
        // Room for all the synapses a random connect makes (its mean and six
        // standard deviations): growing by doubling would hold up to twice the
        // memory, and copy it, at the peak.
        let expected = self.expected_synapses(id, c);
        let reserved = expected.filter(|m| m.is_finite() && *m > 0.0);
        if let Some(mean) = reserved {
            // A rank holds about its share.
            let mean = mean / self.rank_count() as f64;
            cx.reserve((mean + 6.0 * mean.sqrt() + 1024.0) as usize);
        }
        // A connect whose count shows only as it runs (a condition, a
        // generator) stops with an error before the synapses outgrow the
        // machine's memory (with room for the lists' doubling when nothing was
        // reserved) or 32-bit indices, instead of being killed for memory.
        let per_synapse = self.bytes_per_synapse(id) + if reserved.is_some() { 0.0 } else { 8.0 };
        let by_memory = memory::available_memory().map_or(f64::INFINITY, |m| m.bytes / per_synapse);
        let existing = self.syn(id).map_or(0, |s| s.n);
        cx.max_synapses = Some((by_memory.min(f64::from(i32::MAX)) as usize).saturating_sub(existing));
        // In chunks of outer elements, so that an error ends the connect
        // without visiting the remaining pairs.
        let t = self.t;
        // A generator over sources (`i = ...`) runs over the targets: a rank
        // runs it over its own, whose synapses are the rank's, in the order
        // one rank alone makes them (each outer element's draws are keyed by
        // it, whichever rank runs it).
        let outer_own = if over_pre {
            self.kept_targets(id).map(|(lo, hi)| {
                (
                    lo.clamp(0, n_outer as i64) as usize,
                    hi.clamp(0, n_outer as i64) as usize,
                )
            })
        } else {
            None
        };
        let outer_range = outer_own.map_or(0..n_outer, |(lo, hi)| lo..hi.max(lo));
        let bounds = if restrict { self.visited_targets(id) } else { (0, 0) };
        if restrict {
            cx.kept_by_source = Some(vec![0; n_outer]);
        }
        let extra = [
            (lower::SCALAR_TARGETS_START, bounds.0 as u64),
            (lower::SCALAR_TARGETS_END, bounds.1 as u64),
        ];
        // A condition may read any source and candidate target, which
        // another rank may own: such reads go to whole copies.
        self.with_whole_arrays(&kern, |net, kern| {
            net.exec_in_chunks(kern, outer_range, 1024, SlotValues::at(t, &extra), &mut rng, &mut cx)
        });
        // A restricted connect numbers its synapses with the others' counts:
        // the ranks agree that none failed first.
        if (restrict || outer_own.is_some())
            && let Some(ranks) = self.ranks.as_mut()
            && ranks.any(cx.error.is_some())
            && cx.error.is_none()
        {
            return Err(super::partition::failed_elsewhere());
        }
        let whole = {
            let t = &src.text;
            let start = t.len() - t.trim_start().len();
            crate::diag::Span::new(start, t.trim_end().len().max(start))
        };
        let known = |s: crate::diag::Span| if s == crate::diag::Span::default() { whole } else { s };
        let p_place = || match (p_check, &g.iter) {
            (Some(pc), _) => (&pc.src, pc.expr.span),
            (None, GenIter::SampleP { p, .. }) => (src, known(p.span)),
            (None, _) => (src, whole),
        };
        if let Some(e) = cx.clipped_probability.take() {
            // Brian2's own examples rely on p > 1 meaning "always" (e.g.
            // spatial_connections' 1.5*exp(-d**2/...)), so the connect is
            // Brian2's, and the value is told.
            let (p_src, p_span) = p_place();
            let value = e.value.unwrap_or(f64::NAN);
            let (label, means) = if value > 1.0 {
                (
                    format!("this is {value}"),
                    "every such pair was connected, as with p = 1",
                )
            } else {
                (format!("this is {value}"), "no such pair was connected, as with p = 0")
            };
            self.warn(vec![
                Diagnostic::at("probability-clipped", p_src, p_span, format!("{ctx}: {}", e.message()))
                    .with_label(label)
                    .with_help(format!(
                        "{means} (Brian2's behaviour); write 'clip(..., 0, 1)' to say so, \
                         or check the expression: p is the probability that a candidate pair is connected"
                    ))
                    .warning(),
            ]);
        }
        if let Some(e) = cx.take_error() {
            use spikejit_runtime::error_code as ec;
            if e.code == ec::PROBABILITY_OUT_OF_RANGE {
                let (p_src, p_span) = p_place();
                // Only NaN is an error here (see `Context::report_value`).
                let value = e.value.unwrap_or(f64::NAN);
                return Err(Errors::one(
                    Diagnostic::at("bad-probability", p_src, p_span, format!("{ctx}: {}", e.message()))
                        .with_label(format!("this is {value}"))
                        .with_help(
                            "p must be a number between 0 and 1; NaN comes from an undefined operation \
                             such as the log or square root of a negative number",
                        ),
                ));
            }
            if (e.code == ec::NEGATIVE_N || e.code == ec::NEGATIVE_COUNT)
                && let Some(n_src) = &n_src
            {
                let whole_n = {
                    let t = &n_src.text;
                    let start = t.len() - t.trim_start().len();
                    crate::diag::Span::new(start, t.trim_end().len().max(start))
                };
                return Err(Errors::one(
                    Diagnostic::at("bad-count", n_src, whole_n, format!("{ctx}: {}", e.message()))
                        .with_label("negative for this pair")
                        .with_help("n is the number of synapses made for each chosen pair: 0 or more"),
                ));
            }
            let index_error = e.code == ec::POST_INDEX_OUT_OF_RANGE || e.code == ec::PRE_INDEX_OUT_OF_RANGE;
            let span = if index_error {
                known(g.element.span)
            } else if e.code == ec::SAMPLE_SIZE_TOO_LARGE
                || e.code == ec::SAMPLE_SIZE_NEGATIVE
                || e.code == ec::ZERO_STEP
            {
                known(g.iter_span)
            } else {
                whole
            };
            let mut d = Diagnostic::at("connect", src, span, format!("{ctx}: {}", e.message()));
            if index_error {
                d = d
                    .with_label("this index is out of range")
                    .with_help("add skip_if_invalid = true to skip the synapses whose index is out of range");
            }
            return Err(Errors::one(d));
        }
        let (pre, post) = cx.take_synapses();
        let global = match (cx.kept_by_source.take(), self.ranks.as_mut()) {
            (Some(by_source), Some(ranks)) => Some(number_by_source(ranks.as_mut(), &by_source)),
            // The ranks' synapses follow one another in rank order: as many
            // from one source.
            (None, Some(ranks)) if outer_own.is_some() => Some(number_by_source(ranks.as_mut(), &[pre.len() as u64])),
            _ => cx
                .keep_post
                .is_some()
                .then(|| (std::mem::take(&mut cx.kept), cx.pushed)),
        };
        Ok(Made { pre, post, global })
    }
}

/// The offset of a generator's element from its variable `var`, when the
/// element is `var` (`Some(None)`), or `var` plus or minus an expression
/// that neither reads `var` nor draws (`i + k`, `k - 3`, `N_post//2 + k`):
/// the element then grows with the variable, and a rank can visit only the
/// values of the variable whose element falls among its targets.
fn element_offset(element: &Expr, var: &str) -> Option<Option<Expr>> {
    use crate::syntax::ast::{BinOp, UnOp};
    let is_var = |e: &Expr| matches!(&e.kind, ExprKind::Name(n) if n == var);
    let free = |e: &Expr| !uses(e, &|n| n == var) && !uses_rand(e);
    match &element.kind {
        ExprKind::Name(n) if n == var => Some(None),
        ExprKind::Binary(BinOp::Add, a, b) if is_var(a) && free(b) => Some(Some((**b).clone())),
        ExprKind::Binary(BinOp::Add, a, b) if is_var(b) && free(a) => Some(Some((**a).clone())),
        ExprKind::Binary(BinOp::Sub, a, b) if is_var(a) && free(b) => {
            Some(Some(Expr::new(ExprKind::Unary(UnOp::Neg, b.clone()), b.span)))
        }
        _ => None,
    }
}

/// `e` with the synapses' subexpressions expanded (as the condition is, for the
/// analysis of what it depends on).
fn s_expand(net: &Network, id: usize, e: &Expr) -> Expr {
    match net.syn(id) {
        Some(s) => s.eqs.substitute_subexpressions(e),
        None => e.clone(),
    }
}

/// The numbers of a rank's synapses among all ranks' when each rank made
/// those onto its own targets, `by_source[i]` of them from source `i`, in
/// source order (and, within a source, ascending targets, so the ranks' in
/// rank order): all synapses of the sources before `i`, then those of `i` on
/// the ranks before, then this rank's. Also how many synapses all ranks made.
fn number_by_source(ranks: &mut dyn super::partition::Exchange, by_source: &[u64]) -> (Vec<u64>, u64) {
    let mut totals = by_source.to_vec();
    ranks.sum_u64(&mut totals);
    let mut below = by_source.to_vec();
    ranks.exclusive_sum_u64(&mut below);
    let mut numbers = Vec::with_capacity(by_source.iter().sum::<u64>() as usize);
    let mut before = 0u64;
    for ((&mine, &total), &lower) in by_source.iter().zip(&totals).zip(&below) {
        let first = before + lower;
        numbers.extend(first..first + mine);
        before += total;
    }
    (numbers, before)
}
