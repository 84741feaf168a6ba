//! `(constant over dt)` subexpressions: evaluated once per time step into
//! arrays of their own (Brian2's SubexpressionUpdater), for neuron groups
//! and synapses alike.

use super::network::Network;
use super::objects::Object;
use super::ops::{Op, OpKind};
use super::schedule::slot_rank;
use crate::diag::{Errors, Result};
use crate::lower;
use crate::model::equations::VarFlag;
use crate::model::scope::IndexSel;
use crate::syntax::ast::{AssignOp, EquationKind, Statement};

impl Network {
    /// The updater of `(constant over dt)` subexpressions (Brian2's
    /// SubexpressionUpdater, slot `before_start`): each is evaluated once per time
    /// step into its own array. Its op, if the object has such subexpressions.
    pub(crate) fn subexpression_op(&mut self, id: usize) -> Result<Option<Op>> {
        let is_syn = self.syn(id).is_some();
        let (eqs, name, n) = match &self.objects[id] {
            Object::Synapses(s) => (s.eqs.clone(), s.name.clone(), s.n),
            Object::Group(g) => (g.eqs.clone(), g.name.clone(), g.n),
            _ => return Ok(None),
        };
        let stmts: Vec<Statement> = eqs
            .vars
            .iter()
            .filter(|v| v.kind() == EquationKind::Subexpression && v.has_flag(VarFlag::ConstantOverDt))
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
            .any(|s| eqs.get(&s.target).is_some_and(|v| v.has_flag(VarFlag::Shared)));
        let errors = self.check_block(&scope, &eqs.source, &stmts, true);
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let mut b = self.builder(&format!("{name}_subexpression_update"));
        // Generated from the equations: located there.
        b.check_faults(self.fault_checks(id, None, Some(&eqs), true));
        lower::block_over_range(&mut b, &stmts, &scope);
        // On several ranks, a group's neurons this rank owns.
        let (start, end) = match () {
            _ if shared && stmts.len() == 1 => (0, 1),
            _ if is_syn => (0, n),
            _ => self.owned_part(id, 0, n),
        };
        let kernel = self.compile(b)?;
        let (dt, order) = self.dt_order_of(id);
        Ok(Some(Op::new(
            OpKind::Range {
                start,
                end,
                extra: vec![],
            },
            Some(kernel),
            dt,
            (
                slot_rank("before_start").unwrap_or(0),
                order,
                format!("{name}_subexpression_update"),
            ),
            "SubexpressionUpdater",
            self.next_rng(),
        )))
    }
}
