//! What synapses do in a time step: the kernels of their pathways (each
//! with the event-driven updates), of their clock-driven equations and of
//! their summed variables, the delays of their spike queues; the ops of
//! synapses and a pathway's step.

use spikejit_runtime::queue::{BySource, delay_steps};

use super::arrays::Array;
use super::exec::{DYNAMIC, Prepared};
use super::kernels::integration_error;
use super::memory;
use super::network::{Network, check_method_options, err};
use super::objects::GroupRange;
use super::ops::{Op, OpKind, PathwayStep};
use super::partition::EventExchange;
use super::schedule::slot_rank;
use super::scopes::NoDt;
use super::spec::Handle;
use super::synapses::delay_error;
use crate::diag::{Diagnostic, Errors, Result};
use crate::integrate::{self, DiffEq};
use crate::ir::Ty;
use crate::lower;
use crate::model::check::Checker;
use crate::model::equations::VarFlag;
use crate::model::scope::ArrayKey;
use crate::syntax::ast::{AssignOp, Expr, Statement};

/// The target range zeroed by a summed-variable kernel.
pub(crate) const SCALAR_ZSTART: &str = "_zero_start";
pub(crate) const SCALAR_ZEND: &str = "_zero_end";

impl Network {
    /// The ops of synapses `id`: their state update, their summed variables
    /// and their pathways (each with its spike queue, taken from the pathway
    /// for the run). Errors go to `errors`, the ops that could be built to
    /// `ops`.
    pub(crate) fn synapse_ops(&mut self, id: usize, ops: &mut Vec<Op>, errors: &mut Vec<Diagnostic>) {
        let Some(s) = self.syn(id) else { return };
        let (sname, sdt, sorder, nsyn, swhen) = (s.name.clone(), s.dt, s.order, s.n, s.when);
        match self.synapse_state_update(id) {
            Ok(Some(k)) => ops.push(Op::new(
                OpKind::Range {
                    start: 0,
                    end: nsyn,
                    extra: vec![],
                },
                Some(k),
                sdt,
                (swhen, sorder, format!("{sname}_stateupdater")),
                "StateUpdater",
                self.next_rng_of(id),
            )),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
        match self.summed_kernels(id) {
            Ok(list) => {
                let groups_rank = slot_rank("groups").unwrap_or(4);
                for (k, tgt, var) in list {
                    // Brian2's `target.order - 1`, where the target is the
                    // synapses' source or target as given: a subgroup's
                    // order is its group's + 1.
                    let (gdt, _) = self.dt_order_of(tgt.group);
                    let when = self
                        .syn(id)
                        .and_then(|s| s.summed_when.iter().find(|(v, _)| *v == var))
                        .map_or(groups_rank, |(_, r)| *r);
                    let gorder = match self.syn(id) {
                        Some(s) if var.ends_with("_pre") => s.source_order,
                        Some(s) => s.target_order,
                        None => 0,
                    };
                    // On several ranks, the targets this rank owns (the
                    // others are theirs to zero and sum).
                    let (zstart, zend) = self.owned_part(tgt.group, tgt.start, tgt.stop);
                    ops.push(Op::new(
                        OpKind::Range {
                            start: 0,
                            end: nsyn,
                            extra: vec![(SCALAR_ZSTART, zstart as u64), (SCALAR_ZEND, zend as u64)],
                        },
                        Some(k),
                        gdt,
                        (when, gorder - 1, format!("{sname}_summed_variable_{var}")),
                        "SummedVariableUpdater",
                        self.next_rng_of(id),
                    ));
                }
            }
            Err(e) => errors.extend(e.0),
        }
        let Some(s) = self.syn(id) else { return };
        if !s.pathways.is_empty() && !s.connected {
            errors.push(
                Diagnostic::new(
                    "not-connected",
                    format!(
                        "synapses '{}' do nothing: connect was never called (add a 'connect' entry)",
                        s.name
                    ),
                )
                .with_context(format!("synapses '{}'", s.name)),
            );
            return;
        }
        let npath = s.pathways.len();
        for p in 0..npath {
            match self.pathway_op(id, p) {
                Ok(op) => ops.push(op),
                Err(e) => errors.extend(e.0),
            }
        }
    }

    /// The op of pathway `p` of synapses `id`: its synapses grouped by
    /// emitting element, its queue prepared with the delays in steps of the
    /// emitter's clock, its kernel.
    fn pathway_op(&mut self, id: usize, p: usize) -> Result<Op> {
        let Some(s) = self.syn(id) else {
            return Err(err("internal", "pathway", "not synapses"));
        };
        let path = &s.pathways[p];
        let is_post = path.is_post;
        let emitter = if is_post { s.target } else { s.source };
        let event = path.event.clone();
        let dt = self.group(emitter.group).dt;
        let order = if path.is_post { 1 } else { -1 };
        let name = format!("{}_{}", s.name, path.name);
        let key_arr = if path.is_post { "_post" } else { "_pre" };
        let by_source = match self.store.get(&ArrayKey::new(id, key_arr)) {
            Some(Array::I32(v)) => BySource::build(v, emitter.start, emitter.len()),
            _ => BySource::build(&[], emitter.start, emitter.len()),
        };
        let Ok(by_source) = by_source else {
            return Err(err(
                "out-of-memory",
                &format!("synapses '{}'", s.name),
                format!(
                    "pathway '{}': no memory to group the {} synapses by source neuron",
                    path.name, s.n
                ),
            ));
        };
        // Delays in steps of the emitter's clock, rounded half up.
        let (delays, homog) = match path.scalar_delay {
            Some(d) => delay_steps(d, dt)
                .map(|h| (Vec::new(), h))
                .ok_or_else(|| Errors::one(delay_error(&s.name, &path.name, d, dt)))?,
            None => match self.store.get(&ArrayKey::new(id, format!("{}.delay", path.name))) {
                Some(a) => delays_in_steps(a, dt, &s.name, &path.name)?,
                None => (Vec::new(), 0),
            },
        };
        let path = &mut self.syn_mut(id).pathways[p];
        let mut queue = std::mem::take(&mut path.queue);
        // The emitter's clock may have changed dt since the last run: the
        // events queued keep their delivery times (Brian2's `prepare`).
        queue.bin_for(dt);
        queue.prepare(delays, homog);
        match self.pathway_kernel(id, p) {
            Ok(k) => Ok(Op::new(
                OpKind::Pathway(PathwayStep {
                    event,
                    syn: id,
                    p,
                    emitter,
                    queue: Box::new(queue),
                    by_source,
                    is_post,
                    exchange: None,
                }),
                Some(k),
                dt,
                (slot_rank("synapses").unwrap_or(10), order, name),
                "SynapticPathway",
                self.next_rng_of(id),
            )),
            Err(e) => {
                self.syn_mut(id).pathways[p].queue = queue;
                Err(e)
            }
        }
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
            .filter(|v| v.has_flag(VarFlag::EventDriven))
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
            .filter(|v| !v.has_flag(VarFlag::EventDriven))
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
        if let Some(s) = self.syn(id) {
            check_method_options(&s.method_options, stmts.0, &format!("synapses '{name}'"))?;
        }
        let mut b = self.builder(&format!("{name}_stateupdate"));
        b.check_faults(self.fault_checks(id, None, Some(&eqs), false));
        lower::block_over_range(&mut b, &stmts.1, &scope);
        Ok(Some(self.compile(b)?))
    }

    /// One kernel per summed variable: zero the target range, then add each
    /// synapse's value to its target. Returns (kernel, target range, variable).
    pub(crate) fn summed_kernels(&mut self, id: usize) -> Result<Vec<(Prepared, GroupRange, String)>> {
        let scope = self.synapse_scope(id);
        let Some(s) = self.syn(id) else { return Ok(vec![]) };
        let summed: Vec<_> = s
            .eqs
            .vars
            .iter()
            .filter(|v| v.has_flag(VarFlag::Summed))
            .cloned()
            .collect();
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

impl PathwayStep {
    /// A step of the pathway: its queue advanced, this step's events of its
    /// emitter (`events`, those outside its range left out) pushed; the
    /// synapses whose spikes are due now.
    #[inline]
    pub(crate) fn due(&mut self, events: &[i32]) -> &mut [i32] {
        self.queue.advance();
        self.push_late(events, 0);
        self.queue.current()
    }

    /// A step of an `on_pre` pathway on a partitioned network, at step
    /// `step`, its emitter's events exchanged by `ex` once per epoch of
    /// `epoch` steps: every call of an exchange made this step pushed with
    /// the lag since it was made (none in the other steps of the epoch).
    /// With epochs of one step (no delay long enough, or a pathway that runs
    /// before its emitter's threshold), the last exchange's events are
    /// pushed, as [`PathwayStep::due`] pushes the last events of the
    /// emitter's event space. The synapses whose spikes are due now.
    #[inline]
    pub(crate) fn due_exchanged(&mut self, ex: &EventExchange, step: i64, epoch: usize) -> &mut [i32] {
        self.queue.advance();
        let calls = ex.calls();
        if epoch <= 1 {
            if calls > 0 {
                self.push_late(ex.call(calls - 1), 0);
            }
        } else if ex.exchanged_at == Some(step) {
            for c in 0..calls {
                self.push_late(ex.call(c), (calls - 1 - c) as u64);
            }
        }
        self.queue.current()
    }

    /// The events `events` of the emitter (those outside its range left
    /// out) pushed as they would have been `lag` steps ago.
    #[inline]
    fn push_late(&mut self, events: &[i32], lag: u64) {
        let (start, stop) = (self.emitter.start, self.emitter.stop);
        self.queue.push_late(
            events
                .iter()
                .map(|&x| x as usize)
                .filter(|&x| x >= start && x < stop)
                .map(|x| x - start),
            &self.by_source,
            lag,
        );
    }
}

/// Per-synapse delays (seconds) in steps of `dt`: `(vec![], d)` when all are
/// `d` (the queue's homogeneous path), else one per synapse; an error at the
/// first delay no step count holds, or when the steps do not fit in memory.
/// The delays are read in place: a copy of millions of them would be the
/// peak of the run's memory.
pub(crate) fn delays_in_steps(a: &Array, dt: f64, syn: &str, pathway: &str) -> Result<(Vec<u64>, u64)> {
    let n = a.len();
    let step = |k: usize| delay_steps(a.get(k), dt).ok_or_else(|| Errors::one(delay_error(syn, pathway, a.get(k), dt)));
    let d0 = if n > 0 { step(0)? } else { 0 };
    let mut k = 1;
    while k < n && step(k)? == d0 {
        k += 1;
    }
    if k == n {
        return Ok((Vec::new(), d0));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        err(
            "out-of-memory",
            &format!("synapses '{syn}'.delay"),
            format!(
                "pathway '{pathway}': the delays of {n} synapses in steps ({}) do not fit in memory",
                memory::show_bytes(8.0 * n as f64)
            ),
        )
    })?;
    for k in 0..n {
        v.push(step(k)?);
    }
    Ok((v, 0))
}
