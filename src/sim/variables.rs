//! Setting and reading the variables of groups, subgroups and synapses
//! (Brian2's `G.v = ...`, `S.w['i > j'] = ...`, `S.w[i, j] = ...`, `G.v[:]`).

use std::sync::Arc;

use spikejit_runtime::queue;

use super::arrays::{Array, ArrayExt};
use super::network::{Network, err};
use super::objects::Object;
use super::spec::{Handle, Selection, Slice, Value};
use super::synapses::delay_error;
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::ir::Ty;
use crate::lower;
use crate::model::check::Checker;
use crate::model::scope::{ArrayKey, NameRef, Scope, ValTy};
use crate::syntax::ast::{AssignOp, BinOp, Expr, Statement};
use crate::units::Dim;

impl Network {
    /// Sets a variable of a group, subgroup or synapses (Brian2's `G.v = ...`,
    /// `S.w['i>j'] = ...`, `S.w[i, j] = ...`).
    pub fn set(&mut self, h: Handle, var: &str, value: Value, sel: Selection) -> Result<()> {
        let r = self.set_values(h, var, value, sel);
        self.agree(r)
    }

    fn set_values(&mut self, h: Handle, var: &str, value: Value, sel: Selection) -> Result<()> {
        let ctx = format!("set '{}' of '{}'", var, self.name_of(h));
        let is_syn = matches!(self.objects.get(h.0), Some(Object::Synapses(_)));
        if is_syn {
            if self.set_scalar_delay(h.0, var, &value, &sel)? {
                return Ok(());
            }
            if let Some(s) = self.syn(h.0)
                && !s.connected
            {
                return Err(err(
                    "not-connected",
                    &ctx,
                    format!(
                        "cannot write to synaptic variable '{var}' of '{}': call connect first",
                        s.name
                    ),
                ));
            }
        }
        let mut scope = self.scope_for_object(h)?;
        if let Some(Object::Group(_) | Object::Subgroup { .. } | Object::Synapses(_)) = self.objects.get(h.0) {
            let owner = match self.objects.get(h.0) {
                Some(Object::Subgroup { range, .. }) => range.group,
                _ => h.0,
            };
            if self.links.contains_key(&(owner, var.to_string())) || scope.forbidden.contains_key(var) {
                return Err(err(
                    "read-only",
                    &ctx,
                    format!(
                        "cannot set the linked variable '{var}': it reads the variable it is linked to (set that one instead)"
                    ),
                ));
            }
        }
        // Index variables of links may be set here (they are checked when code reads through them).
        scope
            .unwritable
            .retain(|name, _| matches!(scope.names.get(name), Some(NameRef::Var { read_only: true, .. })));
        let Some(r) = scope
            .resolve(var)
            .filter(|_| crate::units::lookup(var).is_none() || scope.names.contains_key(var))
        else {
            let mut d = Diagnostic::new(
                "unknown-variable",
                format!("'{}' has no variable '{var}'", self.name_of(h)),
            )
            .with_context(ctx.clone());
            if let Some(s) = crate::model::scope::suggest(var, scope.known_names()) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            return Err(Errors::one(d));
        };
        let NameRef::Var { dim, ty, read_only, .. } = &r else {
            return Err(err(
                "read-only",
                &ctx,
                format!("'{var}' cannot be set (it is not a state variable)"),
            ));
        };
        if *read_only {
            return Err(err("read-only", &ctx, format!("variable '{var}' is read-only")));
        }
        let (dim, ty) = (*dim, *ty);
        // The element range of the loop: absolute indices.
        let (start, end) = match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => (0usize, s.n),
            _ => {
                let r = self.range(h)?;
                (r.start, r.stop)
            }
        };
        let shared = matches!(r, NameRef::Var { shared: true, .. });
        if shared && !matches!(sel, Selection::All) {
            return Err(err(
                "shared-index",
                &ctx,
                format!(
                    "cannot conditionally set the shared (scalar) variable '{var}': it has one value for all elements"
                ),
            ));
        }
        let (start, end) = if shared { (0, 1) } else { (start, end) };
        // The part this rank writes: on several ranks, the group's neurons
        // it owns (its arrays hold only those); a synapses object's own.
        let (own_start, own_end) = match self.objects.get(h.0) {
            Some(Object::Group(_) | Object::Subgroup { .. }) if !shared => {
                let r = self.range(h)?;
                self.owned_part(r.group, start, end)
            }
            _ => (start, end),
        };
        // Selection → a condition expression (or an explicit list for [i, j]).
        let (cond, cond_src): (Option<Expr>, Option<Arc<Source>>) = match &sel {
            Selection::All => (None, None),
            Selection::Where(code) => {
                let src = code.source(format!("{ctx} (index)"));
                let e = crate::syntax::parse_expression(&src)?;
                let mut c = Checker::new(&scope, &src);
                if !c.condition(&e, "the index condition") {
                    return Err(Errors(c.errors));
                }
                (Some(e), Some(src))
            }
            Selection::Pair(i, j) => (
                Some(self.view_condition(h, &ctx, Slice::At(*i), Slice::At(*j), Slice::All)?),
                None,
            ),
            Selection::Synapses { pre, post, k } => (Some(self.view_condition(h, &ctx, *pre, *post, *k)?), None),
        };
        let _ = cond_src;
        match value {
            Value::Scalar(_) | Value::Array(_) if cond.is_none() => {
                let key = match &r {
                    NameRef::Var { array, .. } => array.clone(),
                    _ => unreachable!(),
                };
                let n = end - start;
                // On several ranks, a synapses object's values are given for
                // all ranks' synapses, in their order: this rank's are picked.
                let held = match (&self.ranks, self.global_synapses.get(&h.0)) {
                    (Some(_), Some(g)) if is_syn && !shared => Some(g),
                    _ => None,
                };
                let vals: Vec<f64> = match value {
                    Value::Scalar(_) => vec![x_of(&value); n],
                    Value::Array(v) => match held {
                        Some(g) => {
                            if v.len() as u64 != g.total {
                                return Err(err(
                                    "bad-length",
                                    &ctx,
                                    format!("expected {} values, got {}", g.total, v.len()),
                                ));
                            }
                            g.local.iter().map(|&k| v[k as usize]).collect()
                        }
                        None => {
                            if v.len() != n {
                                return Err(err("bad-length", &ctx, format!("expected {n} values, got {}", v.len())));
                            }
                            v
                        }
                    },
                    Value::Expr(_) => unreachable!(),
                };
                if ty == ValTy::Bool && vals.iter().any(|v| *v != 0.0 && *v != 1.0) {
                    return Err(err("type", &ctx, format!("'{var}' is boolean: give true/false (1/0)")));
                }
                let _ = dim;
                let first = self.store.first(&key);
                let a = self
                    .store
                    .get_mut(&key)
                    .ok_or_else(|| err("internal", &ctx, "missing array"))?;
                for (k, v) in vals
                    .into_iter()
                    .enumerate()
                    .take(own_end - start)
                    .skip(own_start - start)
                {
                    a.set(start + k - first, v);
                }
                Ok(())
            }
            Value::Array(_) => Err(err(
                "bad-value",
                &ctx,
                "when setting a variable with an index (a condition or a synapse view), the value must be a string expression or a single number",
            )),
            Value::Scalar(x) => {
                let e = if ty == ValTy::Bool {
                    Expr::synth(crate::syntax::ast::ExprKind::Bool(x != 0.0))
                } else {
                    Expr::float(x)
                };
                // A number is given in SI units: bypass the unit check by typing it with the variable's unit.
                self.set_by_expr(h, var, &scope, e, None, cond, own_start, own_end, &ctx, Some(dim))
            }
            Value::Expr(code) => {
                let src = code.source(ctx.clone());
                let e = crate::syntax::parse_expression(&src)?;
                self.set_by_expr(h, var, &scope, e, Some(src), cond, own_start, own_end, &ctx, None)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn set_by_expr(
        &mut self,
        h: Handle,
        var: &str,
        scope: &Scope,
        e: Expr,
        src: Option<Arc<Source>>,
        cond: Option<Expr>,
        start: usize,
        end: usize,
        ctx: &str,
        si_dim: Option<Dim>,
    ) -> Result<()> {
        let src = src.unwrap_or_else(|| Source::new(ctx.to_string(), ""));
        let stmt = Statement {
            target: var.to_string(),
            target_span: Default::default(),
            op: AssignOp::Set,
            expr: e,
            span: Default::default(),
        };
        if si_dim.is_none() {
            let errors = self.check_block(scope, &src, std::slice::from_ref(&stmt), true);
            if !errors.is_empty() {
                return Err(Errors(errors));
            }
        }
        let mut scope = scope.clone();
        for r in scope.names.values_mut() {
            if let NameRef::Var { write_mask, .. } = r {
                *write_mask = None;
            }
        }
        self.check_links(false)?;
        let mut b = self.builder(&format!("{}_set_{}", self.name_of(h), var.replace('.', "_")));
        // Values set from Python-side expressions are computed in double precision
        // and stored in the variable's type, as Brian2 does in float32 mode.
        b.float = Ty::F64;
        match &cond {
            Some(c) => lower::block_over_range_if(&mut b, c, std::slice::from_ref(&stmt), &scope),
            None => lower::block_over_range(&mut b, std::slice::from_ref(&stmt), &scope),
        }
        let k = self.compile(b)?;
        let mut rng = self.next_rng_of(h.0);
        let mut cx = spikejit_runtime::Context::new();
        let t = self.t;
        if self.syn(h.0).is_some() {
            // A synapse's value may read any source neuron (`x_pre`), which
            // another rank may own: such reads go to whole copies.
            self.with_whole_arrays(&k, |net, k| net.exec(k, start..end, t, &mut rng, &mut cx));
        } else {
            // A group's set reads only the neurons it writes: the rank's own.
            self.exec(&k, start..end, t, &mut rng, &mut cx);
        }
        Ok(())
    }

    /// The value of the expression `code` for each element of group or
    /// subgroup `h`, in SI units, as Brian2 reads a subexpression
    /// (`neuron.space_constant[:]`, `G.I_syn[:]`) or evaluates a string on a
    /// group: the group's variables, subexpressions, constants, `i`, `t`.
    /// Booleans come back as 0 and 1. Synapses' variables are read with
    /// [`Network::get`]; on several ranks this is refused.
    pub fn evaluate(&mut self, h: Handle, code: impl Into<super::spec::Code>) -> Result<ndarray::Array1<f64>> {
        let ctx = format!("{}.evaluate", self.name_of(h));
        if self.syn(h.0).is_some() || self.ranks.is_some() {
            return Err(err(
                if self.ranks.is_some() {
                    "not-supported-distributed"
                } else {
                    "not-supported"
                },
                &ctx,
                "evaluate reads the elements of a neuron group or subgroup in one process; read synapses' \
                 variables with get",
            ));
        }
        let r = self.range(h)?;
        let src = code.into().source(ctx.clone());
        let e = crate::syntax::parse_expression(&src)?;
        let mut scope = self.scope_for_object(h)?;
        let mut c = Checker::new(&scope, &src);
        let Some(typed) = c.expr(&e) else {
            return Err(Errors(c.errors));
        };
        // The values go to an array of the group's own for the call, removed after it.
        let key = ArrayKey::new(r.group, "_evaluate");
        let elem = match typed.ty {
            ValTy::Float => crate::ir::ElemTy::F64,
            ValTy::Int => crate::ir::ElemTy::I32,
            ValTy::Bool => crate::ir::ElemTy::U8,
        };
        self.store
            .insert(key.clone(), Array::zeros(elem, self.group(r.group).n));
        scope.insert(
            "_evaluate",
            NameRef::Var {
                array: key.clone(),
                index: crate::model::scope::IndexSel::Item,
                dim: typed.dim,
                ty: typed.ty,
                read_only: false,
                write_mask: None,
                shared: false,
            },
        );
        let stmt = Statement {
            target: "_evaluate".into(),
            target_span: Default::default(),
            op: AssignOp::Set,
            expr: e,
            span: Default::default(),
        };
        let result = (|| {
            let errors = self.check_block(&scope, &src, std::slice::from_ref(&stmt), true);
            if !errors.is_empty() {
                return Err(Errors(errors));
            }
            let mut b = self.builder(&format!("{}_evaluate", self.name_of(h)));
            b.float = Ty::F64;
            lower::block_over_range(&mut b, std::slice::from_ref(&stmt), &scope);
            let k = self.compile(b)?;
            let mut rng = self.next_rng_of(h.0);
            let mut cx = spikejit_runtime::Context::new();
            let t = self.t;
            self.exec(&k, r.start..r.stop, t, &mut rng, &mut cx);
            let a = self
                .store
                .get(&key)
                .ok_or_else(|| err("internal", &ctx, "missing array"))?;
            Ok(ndarray::Array1::from(
                (r.start..r.stop).map(|k| a.get(k)).collect::<Vec<_>>(),
            ))
        })();
        self.store.arrays.remove(&key);
        result
    }

    /// A pathway with a scalar delay (given with the synapses) keeps it scalar, as
    /// in Brian2: it can be set to another constant, not per synapse. Returns
    /// whether the value was taken.
    /// Checks a synapse view of `h` (as [`Network::set`] would) without
    /// setting anything: model files check their views when they are read.
    pub(crate) fn check_view(&self, h: Handle, pre: Slice, post: Slice, k: Slice) -> Result<()> {
        self.view_condition(h, &format!("index of '{}'", self.name_of(h)), pre, post, k)
            .map(|_| ())
    }

    /// The condition a synapse view (Brian2's `S.w[pre, post, k]`) stands
    /// for: `i` in `pre`, `j` in `post`, the multisynaptic index in `k`.
    /// Neuron indices out of the source or target and empty slices are
    /// refused (Brian2 quietly selects nothing, or cuts a slice that goes
    /// beyond), as is a `k` without a multisynaptic index.
    fn view_condition(&self, h: Handle, ctx: &str, pre: Slice, post: Slice, k: Slice) -> Result<Expr> {
        let Some(s) = self.syn(h.0) else {
            return Err(err(
                "bad-index",
                ctx,
                "an [i, j] index selects synapses; for a group use a condition string",
            ));
        };
        let mut conds = Vec::new();
        for (slice, name, what, side, n) in [
            (pre, "i", "presynaptic", "source", s.source.len()),
            (post, "j", "postsynaptic", "target", s.target.len()),
        ] {
            let (start, stop, step) = match slice {
                Slice::All => continue,
                Slice::At(x) => (x, x.saturating_add(1), 1),
                Slice::Range { start, stop, step } => (start, stop.unwrap_or(n), step),
            };
            if step == 0 {
                return Err(err("bad-index", ctx, format!("the {what} slice has a step of 0")));
            }
            let last = n.saturating_sub(1);
            let problem = match slice {
                Slice::At(x) if x >= n => Some(format!("the {what} index {x} is outside the range [0, {last}]")),
                _ if stop > n => Some(format!(
                    "the {what} slice {start}:{stop} goes beyond the range [0, {last}]"
                )),
                _ if start >= stop => Some(format!("the {what} slice {start}:{stop} selects no neuron")),
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(err("bad-index", ctx, format!("{problem} (the {side} of '{}')", s.name)));
            }
            conds.push(range_condition(Expr::name(name), start, stop, step));
        }
        match (k, &s.multisynaptic_index) {
            (Slice::All, _) => {}
            (_, None) => {
                return Err(err(
                    "bad-index",
                    ctx,
                    format!(
                        "indexing by the third dimension (the multisynaptic index) needs the multisynaptic_index of '{}' to be set",
                        s.name
                    ),
                ));
            }
            (Slice::At(x), Some(var)) => conds.push(range_condition(Expr::name(var), x, x.saturating_add(1), 1)),
            (Slice::Range { start, stop, step }, Some(var)) => {
                if step == 0 {
                    return Err(err("bad-index", ctx, "the multisynaptic-index slice has a step of 0"));
                }
                conds.push(range_condition(
                    Expr::name(var),
                    start,
                    stop.unwrap_or(usize::MAX),
                    step,
                ));
            }
        }
        Ok(conds
            .into_iter()
            .reduce(|a, b| Expr::bin(BinOp::And, a, b))
            .unwrap_or_else(|| Expr::synth(crate::syntax::ast::ExprKind::Bool(true))))
    }

    fn set_scalar_delay(&mut self, id: usize, var: &str, value: &Value, sel: &Selection) -> Result<bool> {
        let Some(pname) = delay_pathway(var) else {
            return Ok(false);
        };
        let Some(s) = self.syn(id) else { return Ok(false) };
        let sname = s.name.clone();
        let Some(p) = s.pathways.iter().position(|p| p.name == pname) else {
            return Err(err(
                "unknown-pathway",
                &format!("synapses '{sname}'"),
                format!("there is no pathway '{pname}' whose delay could be set"),
            ));
        };
        if s.pathways[p].scalar_delay.is_none() {
            return Ok(false);
        }
        let ctx = format!("set '{var}' of '{sname}'");
        let d = match (value, sel) {
            (Value::Scalar(x), Selection::All) => *x,
            (Value::Expr(code), Selection::All) => {
                let (v, dim) = self.eval_constant(code, &ctx).map_err(|_| {
                    err("scalar-delay", &ctx, format!("the delay of pathway '{pname}' was given as one value for all synapses, so it can only be set to a constant time, not per synapse"))
                })?;
                if !dim.same(Dim::SECOND) {
                    return Err(err(
                        "unit-mismatch",
                        &ctx,
                        format!("a delay must be a time, but '{}' has unit {dim}", code.text.trim()),
                    ));
                }
                v
            }
            _ => {
                return Err(err(
                    "scalar-delay",
                    &ctx,
                    format!(
                        "the delay of pathway '{pname}' was given as one value for all synapses, so it cannot be set per synapse"
                    ),
                ));
            }
        };
        if d < 0.0 || !d.is_finite() {
            return Err(err(
                "bad-delay",
                &ctx,
                format!("a delay must be a non-negative time, got {d} s"),
            ));
        }
        if let Some(dt) = self.delay_dt(id, var)
            && queue::delay_steps(d, dt).is_none()
        {
            return Err(Errors::one(delay_error(&sname, pname, d, dt).with_context(ctx)));
        }
        self.syn_mut(id).pathways[p].scalar_delay = Some(d);
        Ok(true)
    }

    /// Whether an object has a (readable) variable of this name.
    pub fn has_variable(&self, h: Handle, var: &str) -> bool {
        self.scope_for_object(h)
            .map(|s| {
                (s.resolve(var).is_some() && crate::units::lookup(var).is_none())
                    // a linked variable, readable once linked
                    || s.forbidden.contains_key(var) && self.declares_linked(h, var)
            })
            .unwrap_or(false)
    }

    /// Whether the equations of the group (of a subgroup) or synapses `h`
    /// declare `var` as `(linked)`.
    pub(crate) fn declares_linked(&self, h: Handle, var: &str) -> bool {
        let id = match self.objects.get(h.0) {
            Some(Object::Subgroup { range, .. }) => range.group,
            Some(Object::Group(_) | Object::Synapses(_)) => h.0,
            _ => return false,
        };
        self.eqs_of(id)
            .get(var)
            .is_some_and(|v| v.has_flag(crate::model::equations::VarFlag::Linked))
    }

    /// The unit of a state variable of an object (a delay is a time); `None`
    /// when it has no such variable.
    pub(crate) fn variable_dim(&self, h: Handle, var: &str) -> Option<Dim> {
        if matches!(self.objects.get(h.0), Some(Object::Synapses(_))) && (var == "delay" || var.ends_with(".delay")) {
            return Some(Dim::SECOND);
        }
        match self.scope_for_object(h).ok()?.resolve(var)? {
            NameRef::Var { dim, .. } => Some(dim),
            _ => None,
        }
    }

    /// The unit of a stored variable of a group, subgroup or synapses (a
    /// delay is a time), as the dimension of the values [`Network::get`]
    /// returns.
    pub fn unit_of(&self, h: Handle, var: &str) -> Result<Dim> {
        self.variable_dim(h, var).ok_or_else(|| {
            err(
                "unknown-variable",
                self.name_of(h),
                format!("'{var}' is not a variable of '{}'", self.name_of(h)),
            )
        })
    }

    /// The element type of a stored variable (`float64`, `int32`, a boolean
    /// as `U8`, ...): what Brian2's `G.var[:]` gives as its dtype.
    pub fn elem_type_of(&self, h: Handle, var: &str) -> Result<crate::ir::ElemTy> {
        let id = match self.objects.get(h.0) {
            Some(Object::Synapses(_)) => h.0,
            _ => self.range(h)?.group,
        };
        if matches!(var, "i" | "j") && matches!(self.objects.get(id), Some(Object::Synapses(_))) {
            return Ok(crate::ir::ElemTy::I32);
        }
        if let Some(Object::Synapses(s)) = self.objects.get(id)
            && let Some(p) = delay_pathway(var)
            && s.pathways.iter().any(|q| q.name == p)
        {
            return Ok(crate::ir::ElemTy::F64);
        }
        if self.per_synapse_counts(id, var).is_some() {
            return Ok(crate::ir::ElemTy::I32);
        }
        let key = ArrayKey::new(id, var);
        if self.store.get(&key).is_none() {
            return Err(err(
                "unknown-variable",
                self.name_of(h),
                format!("'{var}' is not a variable of '{}'", self.name_of(h)),
            ));
        }
        Ok(self.store.elem(&key))
    }

    /// Brian2's `S.i[:]` and `S.j[:]` (relative to the source and target, as
    /// floats), and a pathway's delay when all its synapses share one
    /// (`S.delay[:]`, `S.post.delay[:]`: that value per synapse). `None`
    /// for any other variable, or a delay stored per synapse.
    fn synapse_indices_or_delay(&self, id: usize, var: &str) -> Option<Vec<f64>> {
        let Some(Object::Synapses(s)) = self.objects.get(id) else {
            return None;
        };
        match var {
            "i" | "j" => {
                let (key, offset) = if var == "i" {
                    ("_pre", s.source.start)
                } else {
                    ("_post", s.target.start)
                };
                match self.store.get(&ArrayKey::new(id, key)) {
                    Some(Array::I32(v)) => Some(v.iter().map(|&x| f64::from(x) - offset as f64).collect()),
                    _ => None,
                }
            }
            _ => {
                let pathway = delay_pathway(var)?;
                let p = s.pathways.iter().find(|p| p.name == pathway)?;
                p.scalar_delay.map(|d| vec![d; s.n])
            }
        }
    }

    /// The values of a variable of a group, subgroup or synapses, in SI units
    /// (one value for a `(shared)` variable), as Brian2's `G.v[:]`. The
    /// synapses' indices `i` and `j` are not variables here; they are in
    /// [`Network::state_dump`].
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#setting-and-reading-variables).
    pub fn get(&self, h: Handle, var: &str) -> Result<ndarray::Array1<f64>> {
        let (id, start, stop) = match self.objects.get(h.0) {
            Some(Object::Synapses(s)) => (h.0, 0, s.n),
            _ => {
                let r = self.range(h)?;
                (r.group, r.start, r.stop)
            }
        };
        if let Some(values) = self.get_linked(id, var, start, stop) {
            return Ok(ndarray::Array1::from(values?));
        }
        if let Some(values) = self.synapse_indices_or_delay(id, var) {
            return Ok(ndarray::Array1::from(values));
        }
        // `S.delay` is the `pre` pathway's delay.
        let var = if var == "delay" && matches!(self.objects.get(id), Some(Object::Synapses(_))) {
            "pre.delay"
        } else {
            var
        };
        let key = ArrayKey::new(id, var);
        let counts = self.per_synapse_counts(id, var).map(Array::I32);
        let a = counts.as_ref().or_else(|| self.store.get(&key)).ok_or_else(|| {
            err(
                "unknown-variable",
                self.name_of(h),
                format!("'{var}' is not a variable of '{}'", self.name_of(h)),
            )
        })?;
        let first = self.store.first(&key);
        if a.len() == 1 && stop - start != 1 && !self.store.first.contains_key(&key) {
            return Ok(ndarray::Array1::from(vec![a.get(0)]));
        }
        // On several ranks, a rank holds its own neurons only.
        let held = first..first + a.len();
        if let Some(k) = (start..stop).find(|k| !held.contains(k)) {
            let owner = super::partition::owner(k, self.group(id).n, self.rank_count());
            return Err(Errors::one(
                Diagnostic::new(
                    "not-on-this-rank",
                    format!(
                        "neuron {} of '{}' is held by rank {owner}, not by this rank ({}): on several ranks, \
                     a rank holds the state of the neurons it owns only",
                        k - start,
                        self.name_of(h),
                        self.rank()
                    ),
                )
                .with_context(self.name_of(h))
                .with_help("read it on its rank, or on rank 0 after gather_to_root(true)"),
            ));
        }
        Ok(ndarray::Array1::from(
            (start..stop).map(|k| a.get(k - first)).collect::<Vec<_>>(),
        ))
    }
}

/// The pathway whose delay a synapses' variable name is: `delay` is the
/// `pre` pathway's (Brian2's `S.delay`), `NAME.delay` pathway `NAME`'s.
fn delay_pathway(var: &str) -> Option<&str> {
    if var == "delay" {
        Some("pre")
    } else {
        var.strip_suffix(".delay")
    }
}

fn x_of(v: &Value) -> f64 {
    match v {
        Value::Scalar(x) => *x,
        _ => 0.0,
    }
}

/// `x` in `start:stop:step` as a condition (`stop` `usize::MAX`: no end).
fn range_condition(x: Expr, start: usize, stop: usize, step: usize) -> Expr {
    let int = |v: usize| Expr::int(i64::try_from(v).unwrap_or(i64::MAX));
    if stop == start.saturating_add(1) {
        return Expr::bin(BinOp::Eq, x, int(start));
    }
    let mut c = Expr::bin(BinOp::Ge, x.clone(), int(start));
    if stop != usize::MAX {
        c = Expr::bin(BinOp::And, c, Expr::bin(BinOp::Lt, x.clone(), int(stop)));
    }
    if step > 1 {
        let on_step = Expr::bin(
            BinOp::Eq,
            Expr::bin(BinOp::Mod, Expr::bin(BinOp::Sub, x, int(start)), int(step)),
            Expr::int(0),
        );
        c = Expr::bin(BinOp::And, c, on_step);
    }
    c
}
