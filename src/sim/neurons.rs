//! Adding neuron groups and subgroups: their code parsed and checked, their
//! arrays allocated. What a group does in a time step is in `neuron_steps`.

use std::sync::Arc;

use super::arrays::{Array, ArrayExt};
use super::memory::check_size;
use super::network::{Network, check_method_options, err, integration_methods, storage_type};
use super::objects::{Group, GroupKind, GroupRange, Object, space_key};
use super::schedule::slot_rank;
use super::spec::{Handle, NeuronGroup};
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::model::equations::{Equations, Owner, VarFlag};
use crate::model::scope::ArrayKey;
use crate::syntax::ast::Expr;

impl Network {
    /// Adds a NeuronGroup; its variables start at 0 (`not_refractory` True,
    /// `lastspike` -10000 s). The model strings are parsed now (syntax and
    /// structure errors are returned here); units are checked when kernels
    /// are built.
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#neurongroup).
    pub fn add_neurons(&mut self, spec: NeuronGroup) -> Result<Handle> {
        self.add_neuron_group(spec, "neurongroup", |src| Equations::parse(src, Owner::NeuronGroup))
    }

    /// Adds a neuron group whose equations `equations` makes of its model
    /// (a spatial neuron adds its own variables); `default_name` names it
    /// when the spec does not.
    pub(crate) fn add_neuron_group(
        &mut self,
        spec: NeuronGroup,
        default_name: &str,
        equations: impl FnOnce(Arc<Source>) -> Result<Equations>,
    ) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), default_name)?;
        let (dt, clock) = self.resolve_clock(spec.dt, spec.clock.as_deref(), &format!("neurons '{name}'"))?;
        if spec.n == 0 {
            return Err(err(
                "bad-size",
                &format!("neurons '{name}'"),
                "a neuron group needs at least 1 neuron, got 0",
            ));
        }
        let model_src = spec.model.source(format!("neurons '{name}'.model"));
        let eqs = equations(model_src)?;
        let mut errors = Vec::new();
        let threshold = spec.threshold.as_ref().and_then(|c| {
            c.parse_into(
                format!("neurons '{name}'.threshold"),
                crate::syntax::parse_expression,
                &mut errors,
            )
        });
        let reset = spec.reset.as_ref().and_then(|c| {
            c.parse_into(
                format!("neurons '{name}'.reset"),
                crate::syntax::parse_statements,
                &mut errors,
            )
        });
        let refractory = spec.refractory.as_ref().and_then(|c| {
            c.parse_into(
                format!("neurons '{name}'.refractory"),
                crate::syntax::parse_expression,
                &mut errors,
            )
        });
        let (method_src, methods) =
            integration_methods(spec.method.as_ref(), format!("neurons '{name}'.method"), &mut errors);
        // A method given: its options are checked now (else at the run, against the one chosen).
        if let (Some(_), [m]) = (&spec.method, methods.as_slice())
            && let Err(e) = check_method_options(&spec.method_options, *m, &format!("neurons '{name}'"))
        {
            errors.extend(e.0);
        }
        let when = match &spec.when {
            Some(w) => match slot_rank(w) {
                Some(r) => r,
                None => {
                    errors.push(
                        Diagnostic::new("bad-slot", format!("unknown schedule slot '{w}'"))
                            .with_context(format!("neurons '{name}'.when")),
                    );
                    0
                }
            },
            None => slot_rank("groups").unwrap_or(4),
        };
        let mut events = Vec::new();
        for (ev, c) in &spec.events {
            if ev == "spike" {
                errors.push(
                    Diagnostic::new(
                        "bad-event",
                        "'spike' is the threshold's event: give it as 'threshold', not in 'events'",
                    )
                    .with_context(format!("neurons '{name}'.events")),
                );
                continue;
            }
            if crate::model::equations::check_identifier(ev, Owner::NeuronGroup, false).is_err()
                || !ev.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            {
                errors.push(
                    Diagnostic::new("bad-event", format!("'{ev}' is not a valid event name"))
                        .with_context(format!("neurons '{name}'.events")),
                );
                continue;
            }
            let what = format!("neurons '{name}'.events.{ev}");
            if let Some((src, e)) = c.parse_into(what, crate::syntax::parse_expression, &mut errors) {
                events.push((ev.clone(), src, e));
            }
        }
        let mut event_code = Vec::new();
        for (ev, c) in &spec.run_on_event {
            let known = (ev == "spike" && threshold.is_some())
                || events.iter().any(|e: &(String, Arc<Source>, Expr)| &e.0 == ev);
            if !known {
                errors.push(
                    Diagnostic::new("bad-event", format!("unknown event '{ev}'"))
                        .with_context(format!("neurons '{name}'.run_on_event")),
                );
                continue;
            }
            let what = format!("neurons '{name}'.run_on_event.{ev}");
            if let Some((src, st)) = c.parse_into(what, crate::syntax::parse_statements, &mut errors) {
                event_code.push((ev.clone(), src, st));
            }
        }
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let fl = self.float_elem();
        // the bytes per neuron of the arrays allocated below, checked before any is
        let elem_size = |e: crate::ir::ElemTy| match e {
            crate::ir::ElemTy::F64 => 8.0,
            crate::ir::ElemTy::U8 => 1.0,
            _ => 4.0,
        };
        let own_state = eqs
            .vars
            .iter()
            .filter(|v| !v.has_flag(VarFlag::Shared))
            .filter(|v| v.is_stored())
            .map(|v| match v.ty {
                crate::model::scope::ValTy::Float => elem_size(fl),
                crate::model::scope::ValTy::Int => 4.0,
                crate::model::scope::ValTy::Bool => 1.0,
            })
            .sum::<f64>()
            + if refractory.is_some() { 9.0 } else { 0.0 };
        // On several ranks, the state and the event spaces of the rank's own
        // neurons.
        let owned = self.owned(spec.n);
        let share = owned.len() as f64 / spec.n as f64;
        let per_neuron = (own_state + 4.0 * (events.len() + usize::from(threshold.is_some())) as f64) * share;
        check_size(
            "too-large",
            &format!("neurons '{name}'.N"),
            "neurons",
            spec.n as f64,
            per_neuron.max(1.0),
        )?;
        let id = self.objects.len();
        // A threshold's event space holds the events of the neurons it runs
        // over (the rank's own), then their count: `owned + 1` entries.
        let space_len = owned.len() + 1;
        for (ev, _, _) in &events {
            self.store.insert(
                ArrayKey::new(id, space_key(ev)),
                Array::zeros(crate::ir::ElemTy::I32, space_len),
            );
        }
        // On several ranks, a per-neuron array holds the neurons this rank
        // owns (the store records where they start); shared variables stay
        // whole.
        let partitioned = self.ranks.is_some();
        let insert_per_neuron = |store: &mut super::arrays::Store, var: &str, a: Array| {
            let key = ArrayKey::new(id, var);
            if partitioned {
                store.insert_local(key, owned.start, a);
            } else {
                store.insert(key, a);
            }
        };
        for v in &eqs.vars {
            if !v.is_stored() {
                continue;
            }
            let elem = storage_type(v, &spec.dtype, fl);
            if v.has_flag(VarFlag::Shared) {
                self.store.insert(ArrayKey::new(id, v.name()), Array::zeros(elem, 1));
            } else {
                insert_per_neuron(&mut self.store, v.name(), Array::zeros(elem, owned.len()));
            }
        }
        if refractory.is_some() {
            let mut ls = Array::zeros(crate::ir::ElemTy::F64, owned.len());
            ls.fill(-1e4);
            insert_per_neuron(&mut self.store, "lastspike", ls);
            let mut nr = Array::zeros(crate::ir::ElemTy::U8, owned.len());
            nr.fill(1.0);
            insert_per_neuron(&mut self.store, "not_refractory", nr);
        }
        if threshold.is_some() {
            self.store.insert(
                ArrayKey::new(id, "_spikespace"),
                Array::zeros(crate::ir::ElemTy::I32, space_len),
            );
        }
        self.objects.push(Object::Group(Group {
            name,
            n: spec.n,
            eqs,
            threshold,
            reset,
            refractory,
            methods,
            method_src,
            dt,
            clock,
            order: spec.order,
            when,
            kind: GroupKind::Neurons,
            events,
            event_code,
            namespace: spec.namespace.clone(),
            method_options: spec.method_options.clone().into_boxed_slice(),
            spatial: None,
        }));
        Ok(Handle(id))
    }

    /// A contiguous slice `[start, stop)` of a group (or of a subgroup), as Brian2's `G[start:stop]`.
    pub fn subgroup(&mut self, of: Handle, start: usize, stop: usize, name: Option<&str>) -> Result<Handle> {
        let base = self.range(of)?;
        if start >= stop || stop > base.len() {
            return Err(err(
                "bad-slice",
                self.name_of(of),
                format!(
                    "slice [{start}:{stop}] is out of range for '{}' of size {}",
                    self.name_of(of),
                    base.len()
                ),
            ));
        }
        let name = self.unique_name(name, &format!("{}_subgroup", self.name_of(of)))?;
        let range = GroupRange {
            group: base.group,
            start: base.start + start,
            stop: base.start + stop,
        };
        self.objects.push(Object::Subgroup { name, range });
        Ok(Handle(self.objects.len() - 1))
    }
}
