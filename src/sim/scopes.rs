//! What each name means in each kind of code: the scope of a neuron group's
//! code, of synaptic code (with the names of the pre- and postsynaptic
//! groups), and of setting or recording the variables of an object. The
//! kernels of every kind are lowered in these scopes.

use std::rc::Rc;

use super::network::{Network, err};
use super::objects::Object;
use super::spec::Handle;
use crate::diag::Result;
use crate::integrate::Env;
use crate::model::equations::{VarDef, VarFlag};
use crate::model::scope::{ArrayKey, IndexSel, NameRef, Scope, ValTy};
use crate::syntax::ast::Expr;
use crate::units::Dim;

/// A scope in which `dt` is not a constant (event-driven updates use the time
/// since the last update instead).
pub(crate) struct NoDt<'a>(pub &'a Scope);

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

fn dim_ty(v: &VarDef) -> (Dim, ValTy) {
    (v.dim, v.ty)
}

/// An array of the object's own, read and written at the current element
/// (`lastupdate`, a pathway's delays, the multisynaptic index).
fn item_array(array: ArrayKey, dim: Dim, ty: ValTy) -> NameRef {
    NameRef::Var {
        array,
        index: IndexSel::Item,
        dim,
        ty,
        read_only: false,
        write_mask: None,
        shared: false,
    }
}

/// A count (`N`, `N_pre`, `N_post`): a constant integer.
pub(crate) fn count(n: usize) -> NameRef {
    NameRef::Const {
        value: n as f64,
        dim: Dim::ONE,
        ty: ValTy::Int,
    }
}

/// How code names variable `v` of object `object`: a subexpression is
/// computed where it is read (its names resolved in `sub_scope`, or in the
/// scope that reads it); a stored variable is its array, read through
/// `index` (element 0 when shared), its writes masked by `write_mask`.
fn var_ref(
    v: &VarDef,
    object: usize,
    index: &IndexSel,
    write_mask: Option<ArrayKey>,
    sub_scope: Option<Rc<Scope>>,
) -> NameRef {
    let (dim, ty) = dim_ty(v);
    if !v.is_stored() {
        return NameRef::Subexpr {
            expr: v.rhs().cloned().unwrap_or_else(|| Expr::int(0)),
            dim,
            ty,
            scope: sub_scope,
        };
    }
    let shared = v.has_flag(VarFlag::Shared);
    NameRef::Var {
        array: ArrayKey::new(object, v.name()),
        index: if shared { IndexSel::Zero } else { index.clone() },
        dim,
        ty,
        read_only: false,
        write_mask,
        shared,
    }
}

impl Network {
    /// The names of a neuron group seen through `index`, with `suffix` (`_pre`,
    /// `_post` or none); `i` is relative to `offset`.
    pub(crate) fn group_names(&self, scope: &mut Scope, group: usize, index: IndexSel, suffix: &str, offset: i64) {
        if self.syn(group).is_some() {
            return self.synapse_object_names(scope, group, index, suffix);
        }
        let own = Rc::new(self.group_view(group, index.clone(), offset));
        self.group_variables(scope, group, &index, suffix, Some(own));
        scope.insert(format!("i{suffix}"), NameRef::Index { index, offset });
    }

    /// The variables of a Synapses object used as the source or target of other
    /// synapses (Brian2 §2.11): its own variables through `index`, with `suffix`.
    fn synapse_object_names(&self, scope: &mut Scope, id: usize, index: IndexSel, suffix: &str) {
        let Some(s) = self.syn(id) else { return };
        let mut own = self.constants_scope();
        for v in &s.eqs.vars {
            if v.has_flag(VarFlag::Summed) || v.has_flag(VarFlag::Linked) {
                continue;
            }
            let r = var_ref(v, id, &index, None, None);
            own.insert(v.name(), r);
        }
        // its multisynaptic index (`k_post`), read-only as in Brian2
        if let Some(k) = &s.multisynaptic_index {
            own.insert(
                k.clone(),
                NameRef::Var {
                    array: ArrayKey::new(id, k.clone()),
                    index: index.clone(),
                    dim: Dim::ONE,
                    ty: ValTy::Int,
                    read_only: true,
                    write_mask: None,
                    shared: false,
                },
            );
        }
        self.linked_names(&mut own, id, &index, "");
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

    /// The variables of neuron group `group` seen through `index`, with
    /// `suffix` (refractoriness's `lastspike` and `not_refractory`
    /// included); its subexpressions resolve their names in `sub_scope`
    /// (see [`var_ref`]).
    fn group_variables(
        &self,
        scope: &mut Scope,
        group: usize,
        index: &IndexSel,
        suffix: &str,
        sub_scope: Option<Rc<Scope>>,
    ) {
        let g = self.group(group);
        self.linked_names(scope, group, index, suffix);
        for v in &g.eqs.vars {
            if v.has_flag(VarFlag::Linked) {
                continue;
            }
            let write_mask = (v.has_flag(VarFlag::UnlessRefractory) && g.refractory.is_some())
                .then(|| ArrayKey::new(group, "not_refractory"));
            let r = var_ref(v, group, index, write_mask, sub_scope.clone());
            scope.insert(format!("{}{suffix}", v.name()), r);
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
    }

    /// A neuron group's own names (no suffix), with constants and clock names.
    pub(crate) fn group_view(&self, group: usize, index: IndexSel, offset: i64) -> Scope {
        let mut s = self.constants_scope();
        let g = self.group(group);
        for (n, v, d) in &g.namespace {
            s.insert(n.clone(), NameRef::constant(*v, *d));
        }
        // Subexpressions resolve in this same scope.
        self.group_variables(&mut s, group, &index, "", None);
        s.insert("i", NameRef::Index { index, offset });
        s.insert("N", count(g.n));
        s.insert("t", NameRef::Time);
        s.insert("t_in_timesteps", NameRef::TimeStep);
        s.insert("dt", NameRef::constant(g.dt, Dim::SECOND));
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
        // Post names without suffix first, so that the synapses' own names
        // win; their `i` is the synapses' own.
        for (suffix, range, via) in [
            ("", s.target, &post),
            ("_post", s.target, &post),
            ("_pre", s.source, &pre),
        ] {
            self.group_names(
                &mut scope,
                range.group,
                IndexSel::Via(via.clone()),
                suffix,
                range.start as i64,
            );
            if suffix.is_empty() {
                scope.names.remove("i");
            }
        }
        if self.store.get(&ArrayKey::new(id, "lastupdate")).is_some() && s.eqs.get("lastupdate").is_none() {
            scope.insert(
                "lastupdate",
                item_array(ArrayKey::new(id, "lastupdate"), Dim::SECOND, ValTy::Float),
            );
        }
        if let Some(k) = &s.multisynaptic_index {
            scope.insert(
                k.clone(),
                item_array(ArrayKey::new(id, k.clone()), Dim::ONE, ValTy::Int),
            );
        }
        for v in &s.eqs.vars {
            if v.has_flag(VarFlag::Summed) || v.has_flag(VarFlag::Linked) {
                continue;
            }
            let r = var_ref(v, id, &IndexSel::Item, None, None);
            scope.insert(v.name(), r);
        }
        self.linked_names(&mut scope, id, &IndexSel::Item, "");
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
                let r = item_array(key, Dim::SECOND, ValTy::Float);
                if p.name == "pre" {
                    scope.insert("delay", r.clone());
                }
                scope.insert(format!("{}.delay", p.name), r);
            } else if let Some(d) = p.scalar_delay {
                let r = NameRef::constant(d, Dim::SECOND);
                if p.name == "pre" {
                    scope.insert("delay", r.clone());
                }
            }
        }
        scope.insert("N", count(s.n));
        scope.insert("N_pre", count(s.source.len()));
        scope.insert("N_post", count(s.target.len()));
        scope.insert("t", NameRef::Time);
        scope.insert("t_in_timesteps", NameRef::TimeStep);
        scope.insert("dt", NameRef::constant(s.dt, Dim::SECOND));
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
}
