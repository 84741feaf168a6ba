//! What a neuron group does in a time step: the kernels of its state update
//! (refractoriness included), its threshold and reset, its custom events and
//! the code run on them; the ops of a group (a spike generator's included).

use super::exec::Prepared;
use super::inputs::generator_table;
use super::kernels::integration_error;
use super::network::{Network, check_method_options};
use super::objects::{GroupKind, Object, space_key};
use super::ops::{Op, OpKind};
use super::schedule::{slot_rank, to_step};
use crate::diag::{Diagnostic, Errors, Result};
use crate::integrate::{self, DiffEq};
use crate::lower;
use crate::model::check::Checker;
use crate::model::scope::{ArrayKey, IndexSel, NameRef, ValTy};
use crate::syntax::ast::{AssignOp, Expr, Statement};
use crate::units::Dim;

impl Network {
    /// The ops of neuron group `id` (a Poisson group and a spike generator
    /// are neuron groups too): its state update, a generator's spikes, its
    /// threshold, custom events and reset. Errors go to `errors`, the ops
    /// that could be built to `ops`.
    pub(crate) fn group_ops(&mut self, id: usize, ops: &mut Vec<Op>, errors: &mut Vec<Diagnostic>) {
        let thr_rank = slot_rank("thresholds").unwrap_or(7);
        let g = self.group(id);
        let (name, n, dt, order, when) = (g.name.clone(), g.n, g.dt, g.order, g.when);
        let owned = self.owned(n);
        // A threshold's event space holds this rank's events, then their
        // count (all of them, and `n`, when it runs alone).
        let own = owned.len();
        let owned = (owned.start, owned.end);
        match self.group_state_update(id) {
            Ok(Some(k)) => ops.push(Op::new(
                OpKind::StateUpdate { group: id, owned },
                Some(k),
                dt,
                (when, order, format!("{name}_stateupdater")),
                "StateUpdater",
                self.next_rng(),
            )),
            // Brian2 lists a neuron group's state updater even when
            // it has nothing to integrate.
            Ok(None) if matches!(self.group(id).kind, GroupKind::Neurons) => ops.push(Op::idle(
                dt,
                (when, order, format!("{name}_stateupdater")),
                "StateUpdater",
            )),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
        match self.cable_op(id) {
            Ok(Some(op)) => ops.push(op),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
        let cur = to_step(self.t, dt);
        if let Object::Group(g) = &mut self.objects[id]
            && let GroupKind::Generator(gs) = &mut g.kind
        {
            // The clock's dt changed since the table was made: count the
            // spikes in steps of the new one (Brian2 does at `before_run`).
            if gs.dt.to_bits() != dt.to_bits() {
                let ctx = format!("spike_generators '{name}'");
                let (indices, times, period) = &gs.spikes;
                match generator_table(&ctx, n, indices, times, *period, dt) {
                    Ok(table) => **gs = table,
                    Err(e) => errors.extend(e.0),
                }
            }
            // Start with the first spike not before the current step.
            let local = if gs.period > 0 { cur % gs.period } else { cur };
            gs.next = gs.steps.iter().position(|&st| st >= local).unwrap_or(gs.steps.len());
            ops.push(Op::new(
                OpKind::Generator { group: id, n },
                None,
                dt,
                (thr_rank, order, name.clone()),
                "SpikeGeneratorGroup",
                self.next_rng(),
            ));
        }
        match self.group_threshold(id) {
            Ok(Some(k)) => ops.push(Op::new(
                OpKind::Threshold {
                    group: id,
                    owned,
                    event: "spike".to_string(),
                },
                Some(k),
                dt,
                (thr_rank, order, format!("{name}_spike_thresholder")),
                "Thresholder",
                self.next_rng(),
            )),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
        match self.group_events(id) {
            Ok(list) => {
                let after_thr = slot_rank("after_thresholds").unwrap_or(8);
                let after_reset = slot_rank("after_resets").unwrap_or(14);
                for (ev, k, is_code) in list {
                    let (slot, suffix) = if is_code {
                        (after_reset, "resetter")
                    } else {
                        (after_thr, "thresholder")
                    };
                    ops.push(Op::new(
                        OpKind::Threshold {
                            group: id,
                            // The code run on the events reads the whole
                            // list: this rank's events, their count at `own`.
                            owned: if is_code { (0, own) } else { owned },
                            event: ev.clone(),
                        },
                        Some(k),
                        dt,
                        (slot, order, format!("{name}_{ev}_{suffix}")),
                        if is_code { "Resetter" } else { "Thresholder" },
                        self.next_rng(),
                    ));
                }
            }
            Err(e) => errors.extend(e.0),
        }
        match self.group_reset(id) {
            Ok(Some(k)) => ops.push(Op::new(
                // The count of the rank's own events is at `own`.
                OpKind::Reset { n: own },
                Some(k),
                dt,
                (
                    slot_rank("resets").unwrap_or(13),
                    order,
                    format!("{name}_spike_resetter"),
                ),
                "Resetter",
                self.next_rng(),
            )),
            Ok(None) => {}
            Err(e) => errors.extend(e.0),
        }
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
                Ok((m, mut update)) => {
                    check_method_options(&self.group(id).method_options, m, &format!("neurons '{name}'"))?;
                    stmts.append(&mut update)
                }
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
            lower::threshold(&mut b, &cond, &scope, ArrayKey::new(id, space_key(&ev)), None);
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
            lower::block_over_list(&mut b, ArrayKey::new(id, space_key(&ev)), true, &stmts, &scope);
            out.push((ev, self.compile(b)?, true));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Errors(errors))
        }
    }
}
