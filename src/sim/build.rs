//! Scopes and kernels of the objects: what each name means in each kind of code,
//! and the compiled kernels (state update, threshold, reset, pathways, setters).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::{Errors, Handle, Network, Object, Result, Selection, Value, err};
use crate::codegen::Executable;
use crate::diag::{Diagnostic, Source, Span};
use crate::integrate::{self, DiffEq, Env};
use crate::ir::{ElemTy, Ty};
use crate::lower::{self, KernelBuilder};
use crate::model::check::Checker;
use crate::model::equations::Equations;
use crate::model::scope::{ArrayKey, IndexSel, NameRef, Scope, ValTy};
use crate::syntax::ast::{AssignOp, EquationKind, Expr, Statement};
use crate::units::Dim;

/// A compiled kernel with the arrays and scalars it takes.
#[derive(Clone)]
pub(crate) struct Prepared {
    pub exe: Executable,
    pub bindings: Vec<ArrayKey>,
    pub scalars: Vec<String>,
    /// The IR it was compiled from (kept for loop fusion in the run loop).
    pub kernel: crate::ir::Kernel,
    /// Its run-time checks, by site number (see `lower::FaultChecks`).
    pub sites: Vec<lower::FaultSite>,
}

/// The target range zeroed by a summed-variable kernel.
pub(crate) const SCALAR_ZSTART: &str = "_zero_start";
pub(crate) const SCALAR_ZEND: &str = "_zero_end";

/// Marks an array binding whose pointer is given at each call (event lists).
pub(crate) const DYNAMIC: &str = "@events";

/// A scope in which `dt` is not a constant (event-driven updates use the time
/// since the last update instead).
struct NoDt<'a>(&'a Scope);

impl Env for NoDt<'_> {
    fn constant(&self, name: &str) -> Option<f64> {
        if name == "dt" { None } else { self.0.constant(name) }
    }
    fn locally_constant(&self, function: &str) -> bool {
        self.0.locally_constant(function)
    }
}

impl Env for Scope {
    fn constant(&self, name: &str) -> Option<f64> {
        match self.resolve(name)? {
            NameRef::Const { value, .. } => Some(value),
            _ => None,
        }
    }
    fn locally_constant(&self, function: &str) -> bool {
        let dt = self.constant("dt").unwrap_or(f64::INFINITY);
        // Brian2's TimedArray.is_locally_constant: dt <= the table's dt and an exact
        // integer ratio of the two (as floats: 7 ms / 0.1 ms is not one).
        self.functions.get(function).is_some_and(|f| {
            let ratio = f.dt / dt;
            dt <= f.dt && ratio.floor() == ratio
        })
    }
}

fn dim_ty(v: &crate::model::equations::VarDef) -> (Dim, ValTy) {
    (v.dim, v.ty)
}

impl Network {
    /// The names of a neuron group seen through `index`, with `suffix` (`_pre`,
    /// `_post` or none); `i` is relative to `offset`.
    pub(crate) fn group_names(&self, scope: &mut Scope, group: usize, index: IndexSel, suffix: &str, offset: i64) {
        if self.syn(group).is_some() {
            return self.synapse_object_names(scope, group, index, suffix);
        }
        let g = self.group(group);
        let own = self.group_view(group, index.clone(), offset);
        let own = Rc::new(own);
        for v in &g.eqs.vars {
            let (dim, ty) = dim_ty(v);
            let name = format!("{}{suffix}", v.name());
            let r = match v.kind() {
                EquationKind::Subexpression if !v.has_flag("constant over dt") => NameRef::Subexpr {
                    expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
                    dim,
                    ty,
                    scope: Some(own.clone()),
                },
                _ => {
                    let shared = v.has_flag("shared");
                    NameRef::Var {
                        array: ArrayKey::new(group, v.name()),
                        index: if shared { IndexSel::Zero } else { index.clone() },
                        dim,
                        ty,
                        read_only: false,
                        write_mask: (v.has_flag("unless refractory") && g.refractory.is_some())
                            .then(|| ArrayKey::new(group, "not_refractory")),
                        shared,
                    }
                }
            };
            scope.insert(name, r);
        }
        if g.refractory.is_some() {
            for (n, d, t) in [
                ("lastspike", Dim::SECOND, ValTy::Float),
                ("not_refractory", Dim::ONE, ValTy::Bool),
            ] {
                scope.insert(
                    format!("{n}{suffix}"),
                    NameRef::Var {
                        array: ArrayKey::new(group, n),
                        index: index.clone(),
                        dim: d,
                        ty: t,
                        read_only: false,
                        write_mask: None,
                        shared: false,
                    },
                );
            }
        }
        scope.insert(format!("i{suffix}"), NameRef::Index { index, offset });
    }

    /// The variables of a Synapses object used as the source or target of other
    /// synapses (Brian2 §2.11): its own variables through `index`, with `suffix`.
    fn synapse_object_names(&self, scope: &mut Scope, id: usize, index: IndexSel, suffix: &str) {
        let Some(s) = self.syn(id) else { return };
        let mut own = self.constants_scope();
        for v in &s.eqs.vars {
            if v.has_flag("summed") {
                continue;
            }
            let (dim, ty) = dim_ty(v);
            let shared = v.has_flag("shared");
            let r = match v.kind() {
                EquationKind::Subexpression if !v.has_flag("constant over dt") => NameRef::Subexpr {
                    expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
                    dim,
                    ty,
                    scope: None,
                },
                _ => NameRef::Var {
                    array: ArrayKey::new(id, v.name()),
                    index: if shared { IndexSel::Zero } else { index.clone() },
                    dim,
                    ty,
                    read_only: false,
                    write_mask: None,
                    shared,
                },
            };
            own.insert(v.name(), r);
        }
        // `i` and `j` of a synapse are its pre- and postsynaptic neurons.
        own.insert(
            "i",
            NameRef::Index {
                index: IndexSel::Load(ArrayKey::new(id, "_pre"), Box::new(index.clone())),
                offset: s.source.start as i64,
            },
        );
        own.insert(
            "j",
            NameRef::Index {
                index: IndexSel::Load(ArrayKey::new(id, "_post"), Box::new(index.clone())),
                offset: s.target.start as i64,
            },
        );
        let own = Rc::new(own);
        for (name, r) in own.names.iter() {
            if self.constants.contains_key(name) {
                continue;
            }
            let r = match r {
                NameRef::Subexpr { expr, dim, ty, .. } => NameRef::Subexpr {
                    expr: expr.clone(),
                    dim: *dim,
                    ty: *ty,
                    scope: Some(own.clone()),
                },
                other => other.clone(),
            };
            scope.insert(format!("{name}{suffix}"), r);
        }
    }

    /// A neuron group's own names (no suffix), with constants and clock names.
    pub(crate) fn group_view(&self, group: usize, index: IndexSel, offset: i64) -> Scope {
        let mut s = self.constants_scope();
        let g = self.group(group);
        for (n, v, d) in &g.namespace {
            s.insert(n.clone(), NameRef::constant(*v, *d));
        }
        // Subexpressions resolve in this same scope (scope: None).
        for v in &g.eqs.vars {
            let (dim, ty) = dim_ty(v);
            let r = match v.kind() {
                EquationKind::Subexpression if !v.has_flag("constant over dt") => NameRef::Subexpr {
                    expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
                    dim,
                    ty,
                    scope: None,
                },
                _ => {
                    let shared = v.has_flag("shared");
                    NameRef::Var {
                        array: ArrayKey::new(group, v.name()),
                        index: if shared { IndexSel::Zero } else { index.clone() },
                        dim,
                        ty,
                        read_only: false,
                        write_mask: (v.has_flag("unless refractory") && g.refractory.is_some())
                            .then(|| ArrayKey::new(group, "not_refractory")),
                        shared,
                    }
                }
            };
            s.insert(v.name(), r);
        }
        if g.refractory.is_some() {
            for (n, d, t) in [
                ("lastspike", Dim::SECOND, ValTy::Float),
                ("not_refractory", Dim::ONE, ValTy::Bool),
            ] {
                s.insert(
                    n,
                    NameRef::Var {
                        array: ArrayKey::new(group, n),
                        index: index.clone(),
                        dim: d,
                        ty: t,
                        read_only: false,
                        write_mask: None,
                        shared: false,
                    },
                );
            }
        }
        s.insert("i", NameRef::Index { index, offset });
        s.insert(
            "N",
            NameRef::Const {
                value: g.n as f64,
                dim: Dim::ONE,
                ty: ValTy::Int,
            },
        );
        s.insert("t", NameRef::Time);
        s.insert("t_in_timesteps", NameRef::TimeStep);
        s.insert(
            "dt",
            NameRef::Const {
                value: g.dt,
                dim: Dim::SECOND,
                ty: ValTy::Float,
            },
        );
        s
    }

    /// The scope of synaptic code (pathways, setters, clock-driven updates).
    pub(crate) fn synapse_scope(&self, id: usize) -> Scope {
        let Some(s) = self.syn(id) else { return Scope::default() };
        let mut scope = self.constants_scope();
        for (n, v, d) in &s.namespace {
            scope.insert(n.clone(), NameRef::constant(*v, *d));
        }
        let pre = ArrayKey::new(id, "_pre");
        let post = ArrayKey::new(id, "_post");
        // Post names without suffix first, so that the synapses' own names win.
        self.group_names(
            &mut scope,
            s.target.group,
            IndexSel::Via(post.clone()),
            "",
            s.target.start as i64,
        );
        scope.names.remove("i");
        self.group_names(
            &mut scope,
            s.target.group,
            IndexSel::Via(post.clone()),
            "_post",
            s.target.start as i64,
        );
        self.group_names(
            &mut scope,
            s.source.group,
            IndexSel::Via(pre.clone()),
            "_pre",
            s.source.start as i64,
        );
        if self.store.get(&ArrayKey::new(id, "lastupdate")).is_some() && s.eqs.get("lastupdate").is_none() {
            scope.insert(
                "lastupdate",
                NameRef::Var {
                    array: ArrayKey::new(id, "lastupdate"),
                    index: IndexSel::Item,
                    dim: Dim::SECOND,
                    ty: ValTy::Float,
                    read_only: false,
                    write_mask: None,
                    shared: false,
                },
            );
        }
        if let Some(k) = &s.multisynaptic_index {
            scope.insert(
                k.clone(),
                NameRef::Var {
                    array: ArrayKey::new(id, k.clone()),
                    index: IndexSel::Item,
                    dim: Dim::ONE,
                    ty: ValTy::Int,
                    read_only: false,
                    write_mask: None,
                    shared: false,
                },
            );
        }
        for v in &s.eqs.vars {
            if v.has_flag("summed") {
                continue;
            }
            let (dim, ty) = dim_ty(v);
            let r = match v.kind() {
                EquationKind::Subexpression if !v.has_flag("constant over dt") => NameRef::Subexpr {
                    expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
                    dim,
                    ty,
                    scope: None,
                },
                _ => {
                    let shared = v.has_flag("shared");
                    NameRef::Var {
                        array: ArrayKey::new(id, v.name()),
                        index: if shared { IndexSel::Zero } else { IndexSel::Item },
                        dim,
                        ty,
                        read_only: false,
                        write_mask: None,
                        shared,
                    }
                }
            };
            scope.insert(v.name(), r);
        }
        scope.insert(
            "i",
            NameRef::Index {
                index: IndexSel::Via(pre),
                offset: s.source.start as i64,
            },
        );
        scope.insert(
            "j",
            NameRef::Index {
                index: IndexSel::Via(post),
                offset: s.target.start as i64,
            },
        );
        for k in ["N_incoming", "N_outgoing"] {
            scope.insert(
                k,
                NameRef::Var {
                    array: ArrayKey::new(id, k),
                    index: IndexSel::Item,
                    dim: Dim::ONE,
                    ty: ValTy::Int,
                    read_only: true,
                    write_mask: None,
                    shared: false,
                },
            );
        }
        for p in &s.pathways {
            if p.scalar_delay.is_none() {
                let key = ArrayKey::new(id, format!("{}.delay", p.name));
                let r = NameRef::Var {
                    array: key,
                    index: IndexSel::Item,
                    dim: Dim::SECOND,
                    ty: ValTy::Float,
                    read_only: false,
                    write_mask: None,
                    shared: false,
                };
                if p.name == "pre" {
                    scope.insert("delay", r.clone());
                }
                scope.insert(format!("{}.delay", p.name), r);
            } else if let Some(d) = p.scalar_delay {
                let r = NameRef::Const {
                    value: d,
                    dim: Dim::SECOND,
                    ty: ValTy::Float,
                };
                if p.name == "pre" {
                    scope.insert("delay", r.clone());
                }
            }
        }
        scope.insert(
            "N",
            NameRef::Const {
                value: s.n as f64,
                dim: Dim::ONE,
                ty: ValTy::Int,
            },
        );
        scope.insert(
            "N_pre",
            NameRef::Const {
                value: s.source.len() as f64,
                dim: Dim::ONE,
                ty: ValTy::Int,
            },
        );
        scope.insert(
            "N_post",
            NameRef::Const {
                value: s.target.len() as f64,
                dim: Dim::ONE,
                ty: ValTy::Int,
            },
        );
        scope.insert("t", NameRef::Time);
        scope.insert("t_in_timesteps", NameRef::TimeStep);
        scope.insert(
            "dt",
            NameRef::Const {
                value: s.dt,
                dim: Dim::SECOND,
                ty: ValTy::Float,
            },
        );
        scope
    }

    /// The scope for setting or recording variables of an object.
    pub(crate) fn scope_for_object(&self, h: Handle) -> Result<Scope> {
        match self.objects.get(h.0) {
            Some(Object::Synapses(_)) => Ok(self.synapse_scope(h.0)),
            Some(Object::Group(_)) | Some(Object::Subgroup { .. }) => {
                let r = self.range(h)?;
                Ok(self.group_view(r.group, IndexSel::Item, r.start as i64))
            }
            _ => Err(err(
                "not-a-group",
                self.name_of(h),
                format!("'{}' has no variables", self.name_of(h)),
            )),
        }
    }

    pub(crate) fn builder(&self, name: &str) -> KernelBuilder {
        let elems: HashMap<ArrayKey, ElemTy> = self.store.elems();
        let float = if self.float32 { Ty::F32 } else { Ty::F64 };
        KernelBuilder::new(
            name,
            float,
            Box::new(move |k: &ArrayKey| {
                if k.var == DYNAMIC
                    || k.var == "_spikespace"
                    || k.var == "_pre"
                    || k.var == "_post"
                    || super::connect::SYNAPSE_COUNTS.contains(&k.var.as_str())
                {
                    return ElemTy::I32;
                }
                elems.get(k).copied().unwrap_or(ElemTy::F64)
            }),
        )
        .fast_math(self.fast_math)
    }

    pub(crate) fn compile(&mut self, mut b: KernelBuilder) -> Result<Prepared> {
        let scalars = b.scalar_names();
        let sites = std::mem::take(&mut b.sites);
        let (kernel, bindings) = b.finish();
        if std::env::var_os("SPIKEJIT_DUMP_IR").is_some() {
            eprintln!("{kernel}");
        }
        let mut p = self.compile_kernel(kernel, bindings, scalars)?;
        p.sites = sites;
        Ok(p)
    }

    /// Compiles an IR kernel whose arrays are `bindings` and scalar slots `scalars`.
    pub(crate) fn compile_kernel(
        &mut self,
        kernel: crate::ir::Kernel,
        bindings: Vec<ArrayKey>,
        scalars: Vec<String>,
    ) -> Result<Prepared> {
        let exe = self.compiler.compile(&kernel).map_err(|e| {
            err(
                "codegen",
                &kernel.name,
                format!("internal error while compiling kernel '{}': {e}", kernel.name),
            )
        })?;
        if !exe.from_cache() {
            self.stats
                .kernels
                .push((kernel.name.clone(), exe.compile_time().as_secs_f64()));
        }
        Ok(Prepared {
            exe,
            bindings,
            scalars,
            kernel,
            sites: Vec::new(),
        })
    }

    /// Runs a kernel. `scalar` gives the value bits of each named scalar slot.
    /// Runs a one-off kernel (setters, connect, input values) over
    /// `elements` at time `t`: bound once, then the run loop's call path.
    pub(crate) fn exec(
        &mut self,
        k: &Prepared,
        elements: std::ops::Range<usize>,
        t: f64,
        rng: &mut spikejit_runtime::Rng,
        ctx: &mut spikejit_runtime::Context,
    ) {
        self.exec_in_chunks(k, elements, usize::MAX, t, rng, ctx);
    }

    /// [`Network::exec`] in calls of at most `chunk` elements, stopping after
    /// a call that recorded an error in `ctx` (the first error is the one
    /// reported, so the elements after it need not run). The kernel runs at
    /// least once; its random stream runs on from call to call.
    pub(crate) fn exec_in_chunks(
        &mut self,
        k: &Prepared,
        elements: std::ops::Range<usize>,
        chunk: usize,
        t: f64,
        rng: &mut spikejit_runtime::Rng,
        ctx: &mut spikejit_runtime::Context,
    ) {
        let mut b = self.bind(k);
        let mut start = elements.start;
        loop {
            let end = start.saturating_add(chunk).min(elements.end).max(start);
            let v = super::run::SlotValues {
                t,
                step: 0,
                start,
                end,
                count: 0,
                extra: &[],
            };
            super::run::call(k, &mut b, &v, rng, ctx, std::ptr::null_mut());
            start = end;
            if start >= elements.end || ctx.error.is_some() {
                break;
            }
        }
    }

    pub(crate) fn next_rng(&mut self) -> spikejit_runtime::Rng {
        self.rng_streams += 1;
        spikejit_runtime::Rng::seed(self.seed, self.rng_streams)
    }

    /// Checks that a statement block may write its targets.
    pub(crate) fn check_block(
        &self,
        scope: &Scope,
        src: &Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Vec<Diagnostic> {
        self.checked_block(scope, src, stmts, allow_shared).errors
    }

    /// As [`Network::check_block`], for code a user wrote as a block (a reset,
    /// a pathway, `run_regularly`, `run_on_event`): its warnings (an assignment
    /// that does nothing, a float truncated into an integer) are kept for
    /// [`Network::warnings`].
    pub(crate) fn check_code(
        &self,
        scope: &Scope,
        src: &Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Vec<Diagnostic> {
        let c = self.checked_block(scope, src, stmts, allow_shared);
        if c.errors.is_empty() {
            self.warn(c.warnings);
        }
        c.errors
    }

    fn checked_block<'a>(
        &self,
        scope: &'a Scope,
        src: &'a Arc<Source>,
        stmts: &[Statement],
        allow_shared: bool,
    ) -> Checker<'a> {
        let mut c = Checker::new(scope, src);
        c.statements(stmts, &|name, r| match r {
            NameRef::Var { read_only: true, .. } => Err(format!("variable '{name}' is read-only")),
            NameRef::Var { shared: true, .. } if !allow_shared => Err(format!(
                "writing to the shared variable '{name}' is not allowed in this code"
            )),
            NameRef::Var { .. } => Ok(()),
            NameRef::Subexpr { .. } => Err(format!("cannot write to subexpression '{name}'")),
            NameRef::Index { .. } => Err(format!("'{name}' is an index and cannot be written")),
            NameRef::Time | NameRef::TimeStep => Err(format!("'{name}' is the clock's time and cannot be written")),
            NameRef::Const { .. } => Err(format!("'{name}' is a constant and cannot be written")),
        });
        c
    }

    /// The state update kernel of a neuron group (refractoriness, integration).
    pub(crate) fn group_state_update(&mut self, id: usize) -> Result<Option<Prepared>> {
        let g = self.group(id);
        let name = g.name.clone();
        let scope = self.group_view(id, IndexSel::Item, 0);
        let mut stmts: Vec<Statement> = Vec::new();
        let mut errors = Vec::new();
        if let Some((src, e)) = g.refractory.clone() {
            let mut c = Checker::new(&scope, &src);
            match c.expr(&e) {
                Some(t) if t.dim.same(Dim::SECOND) && t.ty != ValTy::Bool => {
                    // not_refractory = timestep(t - lastspike, dt) >= timestep(REF, dt)
                    let ts = |a: Expr| Expr::call("timestep", vec![a, Expr::name("dt")]);
                    let cond = Expr::bin(
                        crate::syntax::ast::BinOp::Ge,
                        ts(Expr::bin(
                            crate::syntax::ast::BinOp::Sub,
                            Expr::name("t"),
                            Expr::name("lastspike"),
                        )),
                        ts(e.clone()),
                    );
                    stmts.push(Statement {
                        target: "not_refractory".into(),
                        target_span: Default::default(),
                        op: AssignOp::Set,
                        expr: cond,
                        span: Default::default(),
                    });
                }
                Some(t) if t.ty == ValTy::Bool => {
                    // not_refractory = not_refractory or not (COND)
                    let cond = Expr::bin(
                        crate::syntax::ast::BinOp::Or,
                        Expr::name("not_refractory"),
                        Expr::synth(crate::syntax::ast::ExprKind::Unary(
                            crate::syntax::ast::UnOp::Not,
                            Box::new(e.clone()),
                        )),
                    );
                    stmts.push(Statement {
                        target: "not_refractory".into(),
                        target_span: Default::default(),
                        op: AssignOp::Set,
                        expr: cond,
                        span: Default::default(),
                    });
                }
                Some(t) => errors.push(
                    Diagnostic::at(
                        "unit-mismatch",
                        &src,
                        e.span,
                        format!(
                            "the refractory period must be a time or a boolean condition, but it has unit {}",
                            t.dim
                        ),
                    )
                    .with_help("write e.g. '5*ms' or 'v > -40*mV'"),
                ),
                None => errors.extend(c.errors),
            }
        }
        let eqs = g.eqs.clone();
        let methods = g.methods.clone();
        let method_src = g.method_src.clone();
        errors.extend(self.check_equations(&eqs, &scope));
        let diff: Vec<DiffEq> = eqs
            .differential()
            .iter()
            .map(|v| DiffEq {
                var: v.name().to_string(),
                rhs: eqs.substitute_subexpressions(v.rhs().unwrap_or(&Expr::float(0.0))),
            })
            .collect();
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        if !diff.is_empty() {
            match integrate::integrate(&diff, &methods, &scope) {
                Ok((_m, mut update)) => stmts.append(&mut update),
                Err(msg) => {
                    return Err(Errors::one(integration_error(
                        msg,
                        &eqs,
                        method_src.as_ref(),
                        &format!("neurons '{name}'"),
                    )));
                }
            }
        }
        if stmts.is_empty() {
            return Ok(None);
        }
        let mut b = self.builder(&format!("{name}_stateupdate"));
        // Its statements are generated: located at their equations.
        b.check_faults(self.fault_checks(id, None, Some(&eqs), false));
        lower::block_over_range(&mut b, &stmts, &scope);
        Ok(Some(self.compile(b)?))
    }

    /// Unit checks of every equation of a model against its scope.
    pub(crate) fn check_equations(&self, eqs: &Equations, scope: &Scope) -> Vec<Diagnostic> {
        // White noise `xi`, `xi_*` has the dimension second**-0.5 (§1.11).
        let mut with_noise = scope.clone();
        for v in &eqs.vars {
            if let Some(rhs) = v.rhs() {
                rhs.for_each_name(&mut |n, _| {
                    if n == "xi" || n.starts_with("xi_") {
                        with_noise.insert(
                            n,
                            NameRef::Const {
                                value: 0.0,
                                dim: Dim::SECOND.powf(-0.5),
                                ty: ValTy::Float,
                            },
                        );
                    }
                });
            }
        }
        let scope = &with_noise;
        let mut c = Checker::new(scope, &eqs.source);
        for v in &eqs.vars {
            if v.kind() != EquationKind::Subexpression || !v.has_flag("shared") {
                continue;
            }
            let Some(rhs) = v.rhs() else { continue };
            for n in rhs.names() {
                let per_element = match scope.resolve(&n) {
                    Some(NameRef::Var { shared, .. }) => !shared,
                    Some(NameRef::Index { .. }) => true,
                    Some(NameRef::Subexpr { .. }) => eqs.get(&n).is_some_and(|d| !d.has_flag("shared")),
                    _ => false,
                };
                if per_element {
                    c.errors.push(Diagnostic::at(
                        "shared-subexpression",
                        &eqs.source,
                        rhs.span,
                        format!(
                            "the shared subexpression '{}' refers to the non-shared variable '{n}'",
                            v.name()
                        ),
                    ));
                }
            }
        }
        for v in &eqs.vars {
            let Some(rhs) = v.rhs() else { continue };
            if v.has_flag("summed") {
                continue;
            }
            let want = match v.kind() {
                EquationKind::Differential => v.dim.div(Dim::SECOND),
                _ => v.dim,
            };
            let want_name = match v.kind() {
                EquationKind::Differential if v.dim.is_one() => "1/second".to_string(),
                EquationKind::Differential => format!("{}/second", v.dim),
                _ => format!("{}", v.dim),
            };
            if let Some(t) = c.expr(rhs) {
                if !t.dim.same(want) {
                    let what = match v.kind() {
                        EquationKind::Differential => format!("the differential equation defining '{}'", v.name()),
                        _ => format!("the subexpression '{}'", v.name()),
                    };
                    let d = Diagnostic::at(
                        "unit-mismatch",
                        &eqs.source,
                        rhs.span,
                        format!(
                            "inconsistent units in {what}: the right-hand side has unit {}, but {} was expected",
                            t.dim, want_name
                        ),
                    )
                    .with_label(format!("this has unit {}", t.dim))
                    .with_help(if v.kind() == EquationKind::Differential {
                        format!(
                            "the right-hand side of d{}/dt must have the unit of '{}' ({}) divided by second",
                            v.name(),
                            v.name(),
                            v.dim
                        )
                    } else {
                        "the expression must have the unit declared after ':'".to_string()
                    });
                    c.errors.push(d);
                } else if v.kind() == EquationKind::Subexpression
                    && !v.has_flag("constant over dt")
                    && crate::model::check::is_stateful(rhs)
                {
                    c.errors.push(Diagnostic::at(
                        "stateful-subexpression",
                        &eqs.source,
                        rhs.span,
                        format!("the subexpression '{}' calls a random function: add the flag '(constant over dt)' so that it is drawn once per time step", v.name()),
                    ));
                }
            }
        }
        c.errors
    }

    /// The threshold kernel of a neuron group.
    pub(crate) fn group_threshold(&mut self, id: usize) -> Result<Option<Prepared>> {
        let g = self.group(id);
        let Some((src, cond)) = g.threshold.clone() else {
            return Ok(None);
        };
        let name = g.name.clone();
        let refr = g.refractory.is_some();
        let scope = self.group_view(id, IndexSel::Item, 0);
        let mut c = Checker::new(&scope, &src);
        if !c.condition(&cond, "the threshold condition") {
            return Err(Errors(c.errors));
        }
        let mut b = self.builder(&format!("{name}_thresholder"));
        b.check_faults(self.fault_checks(id, Some(src.clone()), None, false));
        let refractory = refr.then(|| (ArrayKey::new(id, "not_refractory"), ArrayKey::new(id, "lastspike")));
        lower::threshold(&mut b, &cond, &scope, ArrayKey::new(id, "_spikespace"), refractory);
        Ok(Some(self.compile(b)?))
    }

    /// The reset kernel of a neuron group.
    pub(crate) fn group_reset(&mut self, id: usize) -> Result<Option<Prepared>> {
        let g = self.group(id);
        let Some((src, stmts)) = g.reset.clone() else {
            return Ok(None);
        };
        let name = g.name.clone();
        let mut scope = self.group_view(id, IndexSel::Item, 0);
        // The reset is not subject to `(unless refractory)`.
        for r in scope.names.values_mut() {
            if let NameRef::Var { write_mask, .. } = r {
                *write_mask = None;
            }
        }
        let errors = self.check_code(&scope, &src, &stmts, false);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let mut b = self.builder(&format!("{name}_resetter"));
        b.check_faults(self.fault_checks(id, Some(src.clone()), None, true));
        lower::block_over_list(&mut b, ArrayKey::new(id, "_spikespace"), true, &stmts, &scope);
        Ok(Some(self.compile(b)?))
    }

    /// The kernel of one synaptic pathway: the pathway code for each synapse in the event list.
    pub(crate) fn pathway_kernel(&mut self, id: usize, p: usize) -> Result<Prepared> {
        let scope = self.synapse_scope(id);
        let Some(s) = self.syn(id) else {
            return Err(err("internal", "pathway", "not synapses"));
        };
        let path = &s.pathways[p];
        let (src, stmts) = (path.code.clone(), path.stmts.clone());
        let name = format!("{}_{}", s.name, path.name);
        let eqs = s.eqs.clone();
        let errors = self.check_code(&scope, &src, &stmts, false);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        // Event-driven variables: every pathway first brings all of them up to date
        // (exact solution over t - lastupdate), runs its code, then sets lastupdate.
        let event: Vec<DiffEq> = eqs
            .differential()
            .iter()
            .filter(|v| v.has_flag("event-driven"))
            .map(|v| DiffEq {
                var: v.name().to_string(),
                rhs: eqs.substitute_subexpressions(v.rhs().unwrap_or(&Expr::float(0.0))),
            })
            .collect();
        let mut all: Vec<Statement> = Vec::new();
        if !event.is_empty() {
            let env = NoDt(&scope);
            let update = integrate::integrate(&event, &[integrate::Method::Exact], &env).map_err(|msg| {
                Errors::one(
                    Diagnostic::at(
                        "event-driven",
                        &eqs.source,
                        Default::default(),
                        format!("cannot solve the event-driven equations exactly ({msg}); use (clock-driven) instead"),
                    )
                    .with_context(format!("synapses '{}'", self.name_of(Handle(id)))),
                )
            })?;
            let elapsed = Expr::bin(
                crate::syntax::ast::BinOp::Sub,
                Expr::name("t"),
                Expr::name("lastupdate"),
            );
            for st in update.1 {
                let expr = st.expr.substitute(&|n| (n == "dt").then(|| elapsed.clone()));
                all.push(Statement { expr, ..st });
            }
        }
        all.extend(stmts);
        if !event.is_empty() {
            all.push(Statement {
                target: "lastupdate".into(),
                target_span: Default::default(),
                op: AssignOp::Set,
                expr: Expr::name("t"),
                span: Default::default(),
            });
        }
        let mut b = self.builder(&name);
        // The event-driven updates are generated: located at their equations.
        b.check_faults(self.fault_checks(id, Some(src.clone()), Some(&eqs), true));
        lower::block_over_list(&mut b, ArrayKey::new(id, DYNAMIC), false, &all, &scope);
        self.compile(b)
    }

    /// Sets a variable of a group, subgroup or synapses (Brian2's `G.v = ...`,
    /// `S.w['i>j'] = ...`, `S.w[i, j] = ...`).
    pub fn set(&mut self, h: Handle, var: &str, value: Value, sel: Selection) -> Result<()> {
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
        let scope = self.scope_for_object(h)?;
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
            Selection::Pair(i, j) => {
                if !is_syn {
                    return Err(err(
                        "bad-index",
                        &ctx,
                        "an [i, j] index selects synapses; for a group use a condition string",
                    ));
                }
                let e = Expr::bin(
                    crate::syntax::ast::BinOp::And,
                    Expr::bin(crate::syntax::ast::BinOp::Eq, Expr::name("i"), Expr::int(*i as i64)),
                    Expr::bin(crate::syntax::ast::BinOp::Eq, Expr::name("j"), Expr::int(*j as i64)),
                );
                (Some(e), None)
            }
        };
        let _ = cond_src;
        match value {
            Value::Scalar(_) | Value::Array(_) if cond.is_none() => {
                let key = match &r {
                    NameRef::Var { array, .. } => array.clone(),
                    _ => unreachable!(),
                };
                let n = end - start;
                let vals: Vec<f64> = match value {
                    Value::Scalar(_) => vec![x_of(&value); n],
                    Value::Array(v) => {
                        if v.len() != n {
                            return Err(err("bad-length", &ctx, format!("expected {n} values, got {}", v.len())));
                        }
                        v
                    }
                    Value::Expr(_) => unreachable!(),
                };
                if ty == ValTy::Bool && vals.iter().any(|v| *v != 0.0 && *v != 1.0) {
                    return Err(err("type", &ctx, format!("'{var}' is boolean: give true/false (1/0)")));
                }
                let _ = dim;
                let a = self
                    .store
                    .get_mut(&key)
                    .ok_or_else(|| err("internal", &ctx, "missing array"))?;
                for (k, v) in vals.into_iter().enumerate() {
                    a.set(start + k, v);
                }
                Ok(())
            }
            Value::Array(_) => Err(err(
                "bad-value",
                &ctx,
                "when setting a variable with a string index, the value must be a string expression or a single number",
            )),
            Value::Scalar(x) => {
                let e = if ty == ValTy::Bool {
                    Expr::synth(crate::syntax::ast::ExprKind::Bool(x != 0.0))
                } else {
                    Expr::float(x)
                };
                // A number is given in SI units: bypass the unit check by typing it with the variable's unit.
                self.set_by_expr(h, var, &scope, e, None, cond, start, end, &ctx, Some(dim))
            }
            Value::Expr(code) => {
                let src = code.source(ctx.clone());
                let e = crate::syntax::parse_expression(&src)?;
                self.set_by_expr(h, var, &scope, e, Some(src), cond, start, end, &ctx, None)
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
        let mut b = self.builder(&format!("{}_set_{}", self.name_of(h), var.replace('.', "_")));
        // Values set from Python-side expressions are computed in double precision
        // and stored in the variable's type, as Brian2 does in float32 mode.
        b.float = Ty::F64;
        match &cond {
            Some(c) => lower::block_over_range_if(&mut b, c, std::slice::from_ref(&stmt), &scope),
            None => lower::block_over_range(&mut b, std::slice::from_ref(&stmt), &scope),
        }
        let k = self.compile(b)?;
        let mut rng = self.next_rng();
        let mut cx = spikejit_runtime::Context::new();
        let t = self.t;
        self.exec(&k, start..end, t, &mut rng, &mut cx);
        Ok(())
    }

    /// A pathway with a scalar delay (given with the synapses) keeps it scalar, as
    /// in Brian2: it can be set to another constant, not per synapse. Returns
    /// whether the value was taken.
    fn set_scalar_delay(&mut self, id: usize, var: &str, value: &Value, sel: &Selection) -> Result<bool> {
        let pname = if var == "delay" {
            "pre"
        } else if let Some(p) = var.strip_suffix(".delay") {
            p
        } else {
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
            && super::queue::delay_steps(d, dt).is_none()
        {
            return Err(Errors::one(
                super::run::delay_error(&sname, pname, d, dt).with_context(ctx),
            ));
        }
        self.syn_mut(id).pathways[p].scalar_delay = Some(d);
        Ok(true)
    }
}

fn x_of(v: &Value) -> f64 {
    match v {
        Value::Scalar(x) => *x,
        _ => 0.0,
    }
}

impl Network {
    /// The kernel of a StateMonitor: evaluates each recorded variable (a state
    /// variable or a subexpression) at each recorded index into a buffer.
    pub(crate) fn recorder_kernel(&mut self, mon: usize) -> Result<Prepared> {
        let Some(Object::StateMon(m)) = self.objects.get(mon) else {
            return Err(err("internal", "monitor", "not a state monitor"));
        };
        let (src, vars, indices, name) = (m.source, m.variables.clone(), m.indices.clone(), m.name.clone());
        let scope = self.scope_for_object(src)?;
        let offset = match self.objects.get(src.0) {
            Some(Object::Synapses(_)) => 0,
            _ => self.range(src)?.start,
        };
        let n = indices.len();
        self.store.insert(
            ArrayKey::new(mon, "_rec_idx"),
            super::Array::I32(indices.iter().map(|&k| (k + offset) as i32).collect()),
        );
        for v in &vars {
            self.store
                .insert(ArrayKey::new(mon, format!("_rec_{v}")), super::Array::F64(vec![0.0; n]));
        }
        let mut b = self.builder(&format!("{name}_record"));
        // Recorded subexpressions are located at their equations.
        let (owner, eqs) = match self.objects.get(src.0) {
            Some(Object::Synapses(s)) => (src.0, Some(s.eqs.clone())),
            _ => {
                let g = self.range(src)?.group;
                (g, Some(self.group(g).eqs.clone()))
            }
        };
        b.check_faults(self.fault_checks(owner, None, eqs.as_ref(), false));
        let idx = b.raw_array(ArrayKey::new(mon, "_rec_idx"), ElemTy::I32);
        let k = b.kernel.local("_k", Ty::I64);
        let mut body = vec![crate::ir::Stmt::Assign(
            b.item,
            crate::ir::Expr::load(idx, crate::ir::Expr::Local(k)),
        )];
        for v in &vars {
            let out = b.raw_array(ArrayKey::new(mon, format!("_rec_{v}")), ElemTy::F64);
            b.at_statement(v, Default::default());
            let e = Expr::name(v);
            let (val, t) = b.expr(&e, &scope);
            let val = if t == Ty::F64 {
                val
            } else {
                crate::ir::Expr::cast(Ty::F64, val)
            };
            body.push(crate::ir::Stmt::Store {
                array: out,
                index: crate::ir::Expr::Local(k),
                value: val,
            });
        }
        let count = b.scalar(lower::SCALAR_COUNT, Ty::I64);
        b.kernel.body.push(crate::ir::Stmt::For {
            var: k,
            start: crate::ir::Expr::I64(0),
            end: count,
            body,
        });
        self.compile(b)
    }
}

impl Network {
    /// The clock-driven state update of synapses (every step, over all synapses).
    pub(crate) fn synapse_state_update(&mut self, id: usize) -> Result<Option<Prepared>> {
        let scope = self.synapse_scope(id);
        let Some(s) = self.syn(id) else { return Ok(None) };
        let eqs = s.eqs.clone();
        let methods = s.methods.clone();
        let method_src = s.method_src.clone();
        let name = s.name.clone();
        let mut errors = self.check_equations(&eqs, &scope);
        let diff: Vec<DiffEq> = eqs
            .differential()
            .iter()
            .filter(|v| !v.has_flag("event-driven"))
            .map(|v| DiffEq {
                var: v.name().to_string(),
                rhs: eqs.substitute_subexpressions(v.rhs().unwrap_or(&Expr::float(0.0))),
            })
            .collect();
        if !errors.is_empty() {
            return Err(Errors(std::mem::take(&mut errors)));
        }
        if diff.is_empty() {
            return Ok(None);
        }
        let stmts = integrate::integrate(&diff, &methods, &scope).map_err(|msg| {
            Errors::one(integration_error(
                msg,
                &eqs,
                method_src.as_ref(),
                &format!("synapses '{name}'"),
            ))
        })?;
        let mut b = self.builder(&format!("{name}_stateupdate"));
        b.check_faults(self.fault_checks(id, None, Some(&eqs), false));
        lower::block_over_range(&mut b, &stmts.1, &scope);
        Ok(Some(self.compile(b)?))
    }

    /// One kernel per summed variable: zero the target range, then add each
    /// synapse's value to its target. Returns (kernel, target range, variable).
    pub(crate) fn summed_kernels(&mut self, id: usize) -> Result<Vec<(Prepared, super::GroupRange, String)>> {
        let scope = self.synapse_scope(id);
        let Some(s) = self.syn(id) else { return Ok(vec![]) };
        let summed: Vec<_> = s.eqs.vars.iter().filter(|v| v.has_flag("summed")).cloned().collect();
        let (source, target, name, src) = (s.source, s.target, s.name.clone(), s.eqs.source.clone());
        let mut out = Vec::new();
        for v in summed {
            let Some(rhs) = v.rhs() else { continue };
            let mut c = Checker::new(&scope, &src);
            if c.expect_dim(rhs, v.dim, &format!("the summed variable '{}'", v.name()))
                .is_none()
            {
                return Err(Errors(c.errors));
            }
            let (range, group_var, via) = match v.name().strip_suffix("_post") {
                Some(x) => (target, x.to_string(), "_post"),
                None => (source, v.name().trim_end_matches("_pre").to_string(), "_pre"),
            };
            let mut b = self.builder(&format!("{name}_summed_{}", v.name()));
            let eqs = self.syn(id).map(|s| s.eqs.clone());
            b.check_faults(self.fault_checks(id, None, eqs.as_ref(), false));
            b.at_statement(v.name(), Default::default());
            let arr = b.array(&ArrayKey::new(range.group, group_var.clone()));
            let item = b.item;
            let zs = b.scalar(SCALAR_ZSTART, Ty::I64);
            let ze = b.scalar(SCALAR_ZEND, Ty::I64);
            let elem = b.kernel.arrays[arr].elem.value_ty();
            let zero = match elem {
                Ty::F32 => crate::ir::Expr::F32(0.0),
                Ty::I64 => crate::ir::Expr::I64(0),
                Ty::Bool => crate::ir::Expr::Bool(false),
                Ty::F64 => crate::ir::Expr::F64(0.0),
            };
            b.kernel.body.push(crate::ir::Stmt::For {
                var: item,
                start: zs,
                end: ze,
                body: vec![crate::ir::Stmt::Store {
                    array: arr,
                    index: crate::ir::Expr::Local(item),
                    value: zero,
                }],
            });
            let (val, vt) = b.expr(rhs, &scope);
            let idx_arr = b.array(&ArrayKey::new(id, via));
            let index = crate::ir::Expr::load(idx_arr, crate::ir::Expr::Local(item));
            let cur = crate::ir::Expr::load(arr, index.clone());
            let (sum, st) = b.binary(crate::syntax::ast::BinOp::Add, cur, elem, val, vt);
            let sum = if st == elem {
                sum
            } else {
                crate::ir::Expr::cast(elem, sum)
            };
            let body = vec![crate::ir::Stmt::Store {
                array: arr,
                index,
                value: sum,
            }];
            let l = lower::range_loop(&mut b, body);
            b.kernel.body.push(l);
            out.push((self.compile(b)?, range, v.name().to_string()));
        }
        Ok(out)
    }
}

impl Network {
    /// The detectors of a group's custom events and the code run on events:
    /// (event, kernel, is_code).
    pub(crate) fn group_events(&mut self, id: usize) -> Result<Vec<(String, Prepared, bool)>> {
        let g = self.group(id);
        let name = g.name.clone();
        let events = g.events.clone();
        let code = g.event_code.clone();
        let scope = self.group_view(id, IndexSel::Item, 0);
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (ev, src, cond) in events {
            let mut c = Checker::new(&scope, &src);
            if !c.condition(&cond, &format!("the condition of event '{ev}'")) {
                errors.extend(c.errors);
                continue;
            }
            let mut b = self.builder(&format!("{name}_{ev}_thresholder"));
            b.check_faults(self.fault_checks(id, Some(src.clone()), None, false));
            lower::threshold(&mut b, &cond, &scope, ArrayKey::new(id, super::space_key(&ev)), None);
            out.push((ev, self.compile(b)?, false));
        }
        for (ev, src, stmts) in code {
            let errs = self.check_code(&scope, &src, &stmts, false);
            if !errs.is_empty() {
                errors.extend(errs);
                continue;
            }
            let mut b = self.builder(&format!("{name}_{ev}_run_on_event"));
            b.check_faults(self.fault_checks(id, Some(src.clone()), None, true));
            lower::block_over_list(&mut b, ArrayKey::new(id, super::space_key(&ev)), true, &stmts, &scope);
            out.push((ev, self.compile(b)?, true));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Errors(errors))
        }
    }
}

impl Network {
    /// The updater of `(constant over dt)` subexpressions (Brian2's
    /// SubexpressionUpdater, slot `before_start`): each is evaluated once per time
    /// step into its own array. Returns the kernel and the element range.
    pub(crate) fn subexpression_updater(&mut self, id: usize) -> Result<Option<(Prepared, usize, usize)>> {
        let is_syn = self.syn(id).is_some();
        let (eqs, name, n) = match &self.objects[id] {
            Object::Synapses(s) => (s.eqs.clone(), s.name.clone(), s.n),
            Object::Group(g) => (g.eqs.clone(), g.name.clone(), g.n),
            _ => return Ok(None),
        };
        let stmts: Vec<Statement> = eqs
            .vars
            .iter()
            .filter(|v| v.kind() == EquationKind::Subexpression && v.has_flag("constant over dt"))
            .filter_map(|v| {
                Some(Statement {
                    target: v.name().to_string(),
                    target_span: Default::default(),
                    op: AssignOp::Set,
                    expr: v.rhs()?.clone(),
                    span: Default::default(),
                })
            })
            .collect();
        if stmts.is_empty() {
            return Ok(None);
        }
        let scope = if is_syn {
            self.synapse_scope(id)
        } else {
            self.group_view(id, IndexSel::Item, 0)
        };
        let shared = stmts
            .iter()
            .any(|s| eqs.get(&s.target).is_some_and(|v| v.has_flag("shared")));
        let errors = self.check_block(&scope, &eqs.source, &stmts, true);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let mut b = self.builder(&format!("{name}_subexpression_update"));
        // Generated from the equations: located there.
        b.check_faults(self.fault_checks(id, None, Some(&eqs), true));
        lower::block_over_range(&mut b, &stmts, &scope);
        let end = if shared && stmts.len() == 1 { 1 } else { n };
        Ok(Some((self.compile(b)?, 0, end)))
    }
}

/// Equations the integration method cannot integrate: the error points at the
/// method when it was given (with the equations as a second place), else at
/// the equations (the automatic choice found no method that fits).
fn integration_error(msg: String, eqs: &Equations, method: Option<&Arc<Source>>, ctx: &str) -> Diagnostic {
    let equations = eqs
        .differential()
        .iter()
        .map(|v| v.eq.span)
        .reduce(Span::cover)
        .unwrap_or_default();
    match method {
        Some(src) => Diagnostic::at("integration", src, super::trimmed(&src.text), msg)
            .with_label("this method cannot integrate the equations")
            .with_note(Some(eqs.source.clone()), equations, "the equations")
            .with_context(ctx),
        None => Diagnostic::at("integration", &eqs.source, equations, msg).with_context(ctx),
    }
}
