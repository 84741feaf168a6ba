//! `Synapses.connect`: every form is turned into one generator kernel
//! (brian2-semantics.md §2.3): an outer loop over presynaptic indices (or
//! postsynaptic ones for `i='...'`), an inner `range`/`sample` iteration, the
//! element expression, the condition and the count `n`. This room checks
//! the arguments, rewrites a condition and `p` into a generator, and
//! appends the synapses made; `connect_kernel` builds and runs the kernel.

use std::sync::Arc;

use super::arrays::Array;
use super::memory::check_size;
use super::network::{Network, SYNAPSE_COUNTS, err};
use super::objects::Object;
use super::spec::{Code, Connect, Count, Handle, Indices, Prob};
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::model::check::Checker;
use crate::model::equations::VarFlag;
use crate::model::scope::ArrayKey;
use crate::syntax::ast::{Expr, ExprKind, GenIter, Generator};
use crate::units::Dim;

/// Whether an expression uses any of `names`, or a random function.
pub(crate) fn uses(e: &Expr, names: &dyn Fn(&str) -> bool) -> bool {
    let mut found = false;
    e.for_each_name(&mut |n, _| found |= names(n));
    found
}

pub(crate) fn uses_rand(e: &Expr) -> bool {
    crate::model::check::is_stateful(e)
}

impl Network {
    /// `S.connect(...)`: creates synapses in Brian2's order and appends them.
    pub fn connect(&mut self, h: Handle, c: Connect) -> Result<()> {
        let t0 = std::time::Instant::now();
        let before = self.syn(h.0).map_or(0, |s| s.n);
        let r = self.check_links(false).and_then(|()| self.connect_timed(h, c));
        // Ranks go on together: a connect that failed on one fails on all.
        let r = self.agree(r);
        if r.is_ok() && self.ranks.is_some() {
            self.count_outgoing(h.0, before);
        }
        self.stats.connect_seconds += t0.elapsed().as_secs_f64();
        r
    }

    /// On a partitioned network, after a connect: the synapses it made out
    /// of each source (from this rank's synapses from `before` on) summed
    /// over the ranks into `GlobalSynapses::outgoing`, since a source's
    /// synapses are on its targets' ranks. Every rank calls it.
    fn count_outgoing(&mut self, id: usize, before: usize) {
        let Some(s) = self.syn(id) else { return };
        let (first, n_source) = (s.source.start, s.source.len());
        let mut made = vec![0u64; n_source];
        if let Some(Array::I32(pre)) = self.store.get(&ArrayKey::new(id, "_pre")) {
            for &i in pre.get(before..).unwrap_or(&[]) {
                if let Some(c) = (i as usize).checked_sub(first).and_then(|k| made.get_mut(k)) {
                    *c += 1;
                }
            }
        }
        if let Some(ranks) = self.ranks.as_mut() {
            ranks.sum_u64(&mut made);
        }
        let g = self.global_synapses.entry(id).or_default();
        g.outgoing.resize(n_source, 0);
        for (o, m) in g.outgoing.iter_mut().zip(made) {
            *o += m;
        }
        // Made again, from the new counts, where they are read.
        self.store.arrays.remove(&ArrayKey::new(id, "N_outgoing"));
    }

    /// The candidates a restricted connect visits on this rank (relative to
    /// the synapses' target range, see `lower::ConnectKernel::restrict_targets`):
    /// those onto its targets, and on the ranks holding a group's first or
    /// last neuron, those below or above the group, which are errors (or
    /// skipped) that one rank reports.
    pub(crate) fn visited_targets(&self, id: usize) -> (i64, i64) {
        let Some((lo, hi)) = self.kept_targets(id) else {
            return (i64::MIN, i64::MAX);
        };
        let Some(s) = self.syn(id) else { return (lo, hi) };
        let n = self.group(s.target.group).n;
        let owned = self.owned(n);
        (
            if owned.start == 0 { i64::MIN } else { lo },
            if owned.end == n { i64::MAX } else { hi },
        )
    }

    /// On a rank of a partitioned network, the target indices (relative to
    /// the synapses' target range) of the synapses this rank holds: those
    /// onto the neurons it owns.
    pub(crate) fn kept_targets(&self, id: usize) -> Option<(i64, i64)> {
        self.ranks.as_ref()?;
        let s = self.syn(id)?;
        let owned = self.owned(self.group(s.target.group).n);
        let start = s.target.start as i64;
        Some((owned.start as i64 - start, owned.end as i64 - start))
    }

    fn connect_timed(&mut self, h: Handle, c: Connect) -> Result<()> {
        let Some(Object::Synapses(s)) = self.objects.get(h.0) else {
            return Err(err(
                "not-synapses",
                self.name_of(h),
                format!("'{}' is not a synapses object", self.name_of(h)),
            ));
        };
        let ctx = format!("synapses '{}'.connect", s.name);
        // A rank holds the synapses onto its own neurons; synapses whose
        // source or target is a synapses object have no such split yet.
        if self.ranks.is_some() {
            for (end, range) in [("source", &s.source), ("target", &s.target)] {
                if let Some(Object::Synapses(other)) = self.objects.get(range.group) {
                    return Err(Errors::one(
                        Diagnostic::new(
                            "not-supported-distributed",
                            format!(
                                "synapses '{}' have the synapses object '{}' as their {end}: synapses of \
                                 synapses cannot be split over several ranks yet",
                                s.name, other.name
                            ),
                        )
                        .with_context(ctx)
                        .with_help("run a model with synapses of synapses on one rank (with --threads for speed)"),
                    ));
                }
            }
        }
        let (n_pre, n_post) = (s.source.len() as i64, s.target.len() as i64);
        if let Some(Prob::Value(p)) = &c.p
            && !(0.0..=1.0).contains(p)
        {
            return Err(Errors::one(
                Diagnostic::new(
                    "bad-probability",
                    format!("the connection probability p must be between 0 and 1, got {p}"),
                )
                .with_context(format!("{ctx}.p"))
                .with_help(P_HELP),
            ));
        }
        if let Some(Count::Value(n)) = &c.n
            && *n < 0
        {
            return Err(Errors::one(
                Diagnostic::new(
                    "bad-count",
                    format!("the number of synapses per pair n must not be negative, got {n}"),
                )
                .with_context(format!("{ctx}.n")),
            ));
        }
        let made = match (&c.condition, &c.i, &c.j) {
            (Some(_), i, j) if i.is_some() || j.is_some() => {
                let key = if i.is_some() { "i" } else { "j" };
                return Err(err(
                    "bad-connect",
                    &format!("{ctx}.{key}"),
                    "cannot combine a condition with i or j",
                ));
            }
            (_, Some(Indices::Array(i)), Some(Indices::Array(j))) => {
                if c.skip_if_invalid {
                    return Err(err(
                        "bad-connect",
                        &format!("{ctx}.skip_if_invalid"),
                        "skip_if_invalid can only be used with generator (string) syntax",
                    ));
                }
                // With index arrays, `p` keeps each pair with probability p (one draw
                // per pair, Brian2's `rand(len) < p`) and must be a number.
                let keep_p = match &c.p {
                    None => 1.0,
                    Some(Prob::Value(p)) => *p,
                    Some(Prob::Expr(_)) => {
                        return Err(err(
                            "bad-connect",
                            &format!("{ctx}.p"),
                            "with i/j index arrays, p must be a number",
                        ));
                    }
                };
                // An index out of range is named by its place in the list given (`.i[1]`).
                if let Some((k, bad)) = i.iter().enumerate().find(|(_, x)| **x < 0 || **x >= n_pre) {
                    return Err(err(
                        "bad-index",
                        &format!("{ctx}.i[{k}]"),
                        format!(
                            "the source index {bad} is outside the range [0, {}] of the source group",
                            n_pre - 1
                        ),
                    ));
                }
                if let Some((k, bad)) = j.iter().enumerate().find(|(_, x)| **x < 0 || **x >= n_post) {
                    return Err(err(
                        "bad-index",
                        &format!("{ctx}.j[{k}]"),
                        format!(
                            "the target index {bad} is outside the range [0, {}] of the target group",
                            n_post - 1
                        ),
                    ));
                }
                let (i, j) = broadcast(i, j).ok_or_else(|| {
                    err(
                        "bad-connect",
                        &format!("{ctx}.j"),
                        format!("i ({}) and j ({}) cannot be broadcast together", i.len(), j.len()),
                    )
                })?;
                let n = match &c.n {
                    None => 1,
                    Some(Count::Value(n)) => *n,
                    Some(Count::Expr(_)) => {
                        return Err(err(
                            "not-supported",
                            &ctx,
                            "'n' as an expression with i/j arrays is not supported yet by spikejit",
                        ));
                    }
                };
                // `n` synapses per pair at most, and the two index lists they are made from.
                let most = i.len() as f64 * n as f64;
                check_size("too-large", &ctx, "synapses", most, self.bytes_per_synapse(h.0) + 8.0)?;
                let mut pre = Vec::new();
                let mut post = Vec::new();
                let keep = self.kept_targets(h.0);
                let (mut pushed, mut kept) = (0u64, Vec::new());
                let mut rng = (keep_p < 1.0).then(|| self.next_rng());
                for (pair, (a, b)) in i.iter().zip(&j).enumerate() {
                    // Each pair's draw keyed by the pair (the same whichever
                    // pairs are made elsewhere).
                    if let Some(r) = rng.as_mut() {
                        r.at(pair as i64, 0);
                        if r.uniform() >= keep_p {
                            continue;
                        }
                    }
                    if let Some((lo, hi)) = keep {
                        let first = pushed;
                        pushed += n as u64;
                        if *b < lo || *b >= hi {
                            continue;
                        }
                        kept.extend(first..first + n as u64);
                    }
                    for _ in 0..n {
                        pre.push(*a as i32);
                        post.push(*b as i32);
                    }
                }
                Made {
                    pre,
                    post,
                    global: keep.map(|_| (kept, pushed)),
                }
            }
            (_, Some(Indices::Array(_)), _) | (_, _, Some(Indices::Array(_))) => {
                return Err(err(
                    "bad-connect",
                    &ctx,
                    "i and j must both be index arrays (or one of them a generator expression)",
                ));
            }
            (_, Some(Indices::Generator(_)), Some(_)) => {
                return Err(err(
                    "bad-connect",
                    &format!("{ctx}.j"),
                    "a generator for i cannot be combined with j",
                ));
            }
            (_, Some(Indices::Generator(g)), None) | (_, None, Some(Indices::Generator(g))) => {
                if c.p.is_some() {
                    return Err(err(
                        "bad-connect",
                        &format!("{ctx}.p"),
                        "generator syntax cannot be combined with the p argument",
                    ));
                }
                // A generator for i runs over the presynaptic indices.
                let over_pre = c.i.is_some();
                let src = g.source(format!("{ctx}.{}", if over_pre { "i" } else { "j" }));
                let gen_ = crate::syntax::parse_generator(&src)?;
                self.run_generator(h.0, &src, &gen_, over_pre, &c, None, &ctx)?
            }
            (cond, None, None) => {
                // without a condition, the number of synapses is known (on average)
                // before any is made: refuse what cannot fit
                if let Some(mean) = self.expected_synapses(h.0, &c) {
                    check_size("too-large", &ctx, "synapses", mean, self.bytes_per_synapse(h.0))?;
                }
                let (src, gen_, p_check) = self.condition_generator(h.0, cond.as_ref(), c.p.as_ref(), &ctx)?;
                match gen_ {
                    Some(g) => self.run_generator(h.0, &src, &g, false, &c, p_check.as_ref(), &ctx)?,
                    None => Made {
                        pre: Vec::new(),
                        post: Vec::new(),
                        global: self.ranks.is_some().then(|| (Vec::new(), 0)),
                    },
                }
            }
        };
        if let Some((mut kept, pushed)) = made.global {
            let g = self.global_synapses.entry(h.0).or_default();
            let base = g.total;
            kept.iter_mut().for_each(|k| *k += base);
            // Moved, not copied, for the first connect: no second list at the peak.
            if g.local.is_empty() {
                g.local = kept;
            } else {
                g.local.extend_from_slice(&kept);
            }
            g.total += pushed;
        }
        self.append_synapses(h.0, made.pre, made.post);
        Ok(())
    }

    /// The mean number of synapses a connect makes, where it is known before any
    /// is made: no condition, no generator, and constant `p` and `n`.
    pub(crate) fn expected_synapses(&self, id: usize, c: &Connect) -> Option<f64> {
        if c.condition.is_some() || c.i.is_some() || c.j.is_some() {
            return None;
        }
        let p = match &c.p {
            None => 1.0,
            Some(Prob::Value(p)) => p.clamp(0.0, 1.0),
            Some(Prob::Expr(_)) => return None,
        };
        let n = match &c.n {
            None => 1.0,
            Some(Count::Value(n)) => *n as f64,
            Some(Count::Expr(_)) => return None,
        };
        self.syn(id)
            .map(|s| s.source.len() as f64 * s.target.len() as f64 * p * n)
    }

    /// Brian2's rewrite of `condition` + `p` into a generator over `j`; with
    /// `p` an expression, also where it is checked for values outside [0, 1].
    fn condition_generator(
        &self,
        id: usize,
        cond: Option<&Code>,
        p: Option<&Prob>,
        ctx: &str,
    ) -> Result<(Arc<Source>, Option<Generator>, Option<ProbCheck>)> {
        let cond_src = cond.map(|c| c.source(format!("{ctx}.condition")));
        let cond_expr = match &cond_src {
            Some(src) => {
                let t = src.text.trim();
                if t == "False" {
                    return Ok((src.clone(), None, None));
                }
                if t.contains(" for ") {
                    return Err(err(
                        "bad-connect",
                        ctx,
                        "a generator expression was given as the condition: use j='...' instead",
                    ));
                }
                Some(crate::syntax::parse_expression(src)?)
            }
            None => None,
        };
        let scope = self.connect_scope(id, None);
        if let (Some(src), Some(e)) = (&cond_src, &cond_expr) {
            let mut c = Checker::new(&scope, src);
            if !c.condition(e, "the connection condition") {
                return Err(Errors(c.errors));
            }
        }
        let mut p_src = None;
        let p_expr = match p {
            None => Expr::float(1.0),
            Some(Prob::Value(v)) => Expr::float(*v),
            Some(Prob::Expr(code)) => {
                let src = code.source(format!("{ctx}.p"));
                let e = crate::syntax::parse_expression(&src)?;
                let mut c = Checker::new(&scope, &src);
                c.expect_dim(&e, Dim::ONE, "the connection probability p")
                    .ok_or_else(|| Errors(c.errors.clone()))?;
                // A constant outside [0, 1] is an error now, without a pair.
                if let Some(v) = c.const_value(&e)
                    && !(0.0..=1.0).contains(&v)
                {
                    return Err(Errors::one(
                        Diagnostic::at(
                            "bad-probability",
                            &src,
                            e.span,
                            format!("{ctx}: the connection probability p must be between 0 and 1, but it is {v}"),
                        )
                        .with_label(format!("this is {v}"))
                        .with_help(P_HELP),
                    ));
                }
                p_src = Some(src);
                e
            }
        };
        let src = cond_src.clone().unwrap_or_else(|| Source::new(ctx.to_string(), ""));
        let n_post = Expr::name("N_post");
        let post_dep = |e: &Expr| {
            uses(e, &|n: &str| {
                n == "j" || n.ends_with("_post") || self.is_post_name(id, n)
            })
        };
        let always = matches!(&p_expr.kind, ExprKind::Float(v) if *v >= 1.0);
        let per_pair = !always && (post_dep(&p_expr) || uses_rand(&p_expr));
        let p_check = p_src.map(|src| ProbCheck {
            src,
            expr: p_expr.clone(),
            per_pair,
        });
        let (iter, cond) = if always {
            (
                GenIter::Range {
                    low: None,
                    high: n_post,
                    step: None,
                },
                cond_expr,
            )
        } else if per_pair {
            // `condition and rand() < p`, with `rand() < p` made by the kernel
            // (see `ProbCheck`), which checks p on the way.
            (
                GenIter::Range {
                    low: None,
                    high: n_post,
                    step: None,
                },
                cond_expr,
            )
        } else {
            (
                GenIter::SampleP {
                    low: None,
                    high: n_post,
                    step: None,
                    p: p_expr,
                },
                cond_expr,
            )
        };
        Ok((
            src,
            Some(Generator {
                element: Expr::name("j"),
                var: "j".into(),
                var_span: Default::default(),
                iter,
                iter_span: Default::default(),
                cond,
                span: Default::default(),
            }),
            p_check,
        ))
    }

    /// The memory a synapse of `id` holds: its two indices and one 8-byte
    /// element per per-synapse array.
    pub(crate) fn bytes_per_synapse(&self, id: usize) -> f64 {
        8.0 + 8.0 * self.synaptic_arrays(id) as f64
    }

    /// The number of per-synapse arrays of a synapses object (its non-shared
    /// variables and per-synapse delays), for memory estimates.
    fn synaptic_arrays(&self, id: usize) -> usize {
        let Some(s) = self.syn(id) else { return 0 };
        s.eqs
            .vars
            .iter()
            .filter(|v| !v.has_flag(VarFlag::Shared))
            .filter(|v| v.kind() != crate::syntax::ast::EquationKind::Subexpression)
            .count()
            + s.pathways.len()
    }

    pub(crate) fn is_post_name(&self, id: usize, n: &str) -> bool {
        let Some(s) = self.syn(id) else { return false };
        self.eqs_of(s.target.group).get(n).is_some() && s.eqs.get(n).is_none()
    }

    /// Appends synapses (relative indices) and updates the per-synapse arrays.
    fn append_synapses(&mut self, id: usize, pre: Vec<i32>, post: Vec<i32>) {
        let Some(Object::Synapses(s)) = self.objects.get_mut(id) else {
            return;
        };
        let (soff, toff) = (s.source.start as i32, s.target.start as i32);
        s.connected = true;
        let old = s.n;
        let new = old + pre.len();
        s.n = new;
        let keys: Vec<ArrayKey> = self
            .store
            .arrays
            .keys()
            .filter(|k| {
                k.object == id
                    && !["_pre", "_post"].contains(&k.var.as_str())
                    && !SYNAPSE_COUNTS.contains(&k.var.as_str())
            })
            .cloned()
            .collect();
        for k in keys {
            let shared = self
                .syn(id)
                .and_then(|s| s.eqs.get(&k.var))
                .map(|v| v.has_flag(VarFlag::Shared))
                .unwrap_or(false);
            if let Some(a) = self.store.get_mut(&k)
                && !shared
            {
                a.resize(new);
            }
        }
        // The counts no longer hold: they are made again when next used.
        for key in SYNAPSE_COUNTS {
            self.store.arrays.remove(&ArrayKey::new(id, key));
        }
        // The new indices move into the (usually empty) index arrays: a copy
        // here would be the peak of memory use for millions of synapses.
        for (key, mut new, off) in [("_pre", pre, soff), ("_post", post, toff)] {
            if let Some(Array::I32(v)) = self.store.get_mut(&ArrayKey::new(id, key)) {
                if off != 0 {
                    new.iter_mut().for_each(|x| *x += off);
                }
                if v.is_empty() {
                    new.shrink_to_fit();
                    *v = new;
                } else {
                    v.extend_from_slice(&new);
                }
            }
        }
        // multisynaptic_index: the number of earlier synapses with the same pair.
        let multi = self.syn(id).and_then(|s| s.multisynaptic_index.clone());
        if let Some(k) = multi {
            let (Some(Array::I32(pv)), Some(Array::I32(qv))) = (
                self.store.get(&ArrayKey::new(id, "_pre")),
                self.store.get(&ArrayKey::new(id, "_post")),
            ) else {
                return;
            };
            let mut seen: std::collections::HashMap<(i32, i32), i32> = std::collections::HashMap::new();
            let idx: Vec<i32> = pv
                .iter()
                .zip(qv)
                .map(|(&a, &b)| {
                    let c = seen.entry((a, b)).or_insert(0);
                    let r = *c;
                    *c += 1;
                    r
                })
                .collect();
            self.store.insert(ArrayKey::new(id, k), Array::I32(idx));
        }
    }
}

/// The synapses a connect made (indices relative to the synapses' source and
/// target ranges), in the order made; on a rank of a partitioned network only
/// those onto its targets, with, for each, its index among all the connect
/// made, and how many that is.
pub(crate) struct Made {
    pub pre: Vec<i32>,
    pub post: Vec<i32>,
    pub global: Option<(Vec<u64>, u64)>,
}

/// Where a connect's probability expression is checked while the connect
/// kernel runs: a value outside [0, 1] (or NaN) is an error at the expression,
/// with the value and the pair (Brian2 silently connects every pair for
/// p > 1 and none for p < 0).
pub(crate) struct ProbCheck {
    /// The text of `p` (errors point into it).
    pub src: Arc<Source>,
    /// The expression of `p`.
    pub expr: Expr,
    /// `p` differs between pairs of one presynaptic neuron (it reads `j`,
    /// postsynaptic variables or random numbers): checked per pair, as the
    /// kernel draws `rand() < p`; else once per presynaptic neuron, as
    /// `sample(N_post, p=p)` uses it.
    pub per_pair: bool,
}

/// The help of every error about a connection probability.
pub(crate) const P_HELP: &str = "p is the probability that each candidate pair is connected, between 0 and 1 \
     (Brian2 connects every pair for p > 1 and none for p < 0, without a word); \
     to do that, write 'clip(..., 0, 1)'";

/// numpy broadcasting of two 1-D index arrays.
fn broadcast(i: &[i64], j: &[i64]) -> Option<(Vec<i64>, Vec<i64>)> {
    match (i.len(), j.len()) {
        (a, b) if a == b => Some((i.to_vec(), j.to_vec())),
        (1, b) => Some((vec![i[0]; b], j.to_vec())),
        (a, 1) => Some((i.to_vec(), vec![j[0]; a])),
        _ => None,
    }
}
