//! Linked variables (Brian2's `(linked)` flag and `linked_var`): a
//! parameter declared `(linked)` has no array of its own; code that reads it
//! reads the variable it is linked to, in the other group's array, through
//! an index when one is given. Kernels load that array directly (through
//! the index array or index variable where there is one): nothing is copied
//! and nothing is dispatched per element.

use super::arrays::{Array, Store};
use super::network::{Network, err};
use super::objects::{Link, Object};
use super::spec::{Handle, LinkIndex};
use crate::diag::{Diagnostic, Errors, Result};
use crate::model::equations::VarFlag;
use crate::model::scope::{ArrayKey, IndexSel, NameRef, Scope, ValTy};
use crate::syntax::ast::EquationKind;

/// The element `sel` designates for item `item`, read from the arrays of
/// `store`; `None` when an index read is outside its array.
pub(crate) fn element_of(store: &Store, sel: &IndexSel, item: usize) -> Option<usize> {
    let at = |key: &ArrayKey, k: usize| -> Option<usize> {
        let a = store.get(key)?;
        let k = k.checked_sub(store.first(key))?;
        (k < a.len())
            .then(|| a.get(k))
            .and_then(|x| (x >= 0.0).then_some(x as usize))
    };
    match sel {
        IndexSel::Item => Some(item),
        IndexSel::Zero => Some(0),
        IndexSel::Via(key) => at(key, item),
        IndexSel::Load(key, inner) => at(key, element_of(store, inner, item)?),
        IndexSel::Offset(inner, o) => usize::try_from(element_of(store, inner, item)? as i64 + o).ok(),
        IndexSel::Local { .. } => None,
    }
}

fn unset_message(var: &str, owner: &str) -> String {
    format!(
        "'{var}' of '{owner}' is a linked variable that is not linked to any variable: link it with \
         Network::link (in a model file: links = {{ {var} = \"GROUP.VAR\" }})"
    )
}

impl Network {
    /// Links the `(linked)` variable `var` of group or synapses `h` to
    /// variable `target_var` of group or subgroup `target` (Brian2's
    /// `G.var = linked_var(target, 'target_var')`): code that reads `var`
    /// reads `target_var`. Without an index, `target` has the size of `h`
    /// (element k reads element k), or is a group of one neuron, or
    /// `target_var` is `(shared)` (then every element reads that one
    /// value). Units must match.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, Record, StateMonitor};
    ///
    /// let mut net = Network::new();
    /// let g1 = net.add_neurons(NeuronGroup::new(3, "dv/dt = -v/(10*ms) : volt"))?;
    /// let g2 = net.add_neurons(NeuronGroup::new(3, "v : volt (linked)\nw = 2*v : volt"))?;
    /// net.link(g2, "v", g1, "v")?; // G2.v = linked_var(G1, 'v')
    /// net.set(g1, "v", spikejit::sim::Value::Array(vec![0.01, 0.02, 0.03]), spikejit::sim::Selection::All)?;
    /// assert_eq!(net.get(g2, "v")?.to_vec(), [0.01, 0.02, 0.03]);
    /// let m = net.add_state_monitor(StateMonitor::new(g2, &["w"], Record::All))?;
    /// net.run(0.001)?;
    /// # let _ = m;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn link(&mut self, h: Handle, var: &str, target: Handle, target_var: &str) -> Result<()> {
        self.link_with(h, var, target, target_var, None)
    }

    /// Links as [`Network::link`], through an index (Brian2's
    /// `linked_var(target, 'target_var', index=...)`): element k of `h`
    /// reads element `index[k]` of `target` ([`LinkIndex::Array`], one
    /// index per element, for neuron groups), or the element that the
    /// integer variable of `h` named by [`LinkIndex::Var`] holds (its value
    /// may change; it is checked against the size of `target` before each
    /// run and each use outside a run).
    ///
    /// ```
    /// use spikejit::sim::{LinkIndex, Network, NeuronGroup, Selection, Value};
    ///
    /// let mut net = Network::new();
    /// let g1 = net.add_neurons(NeuronGroup::new(5, "w : 1"))?;
    /// let g2 = net.add_neurons(NeuronGroup::new(10, "v : 1 (linked)"))?;
    /// // G2.v = linked_var(G1.w, index=np.arange(5).repeat(2))
    /// let repeat: Vec<usize> = (0..5).flat_map(|k| [k, k]).collect();
    /// net.link_indexed(g2, "v", g1, "w", LinkIndex::Array(repeat))?;
    /// net.set(g1, "w", Value::Expr("i*0.1".into()), Selection::All)?;
    /// assert_eq!(net.get(g2, "v")?[3], 0.1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn link_indexed(
        &mut self,
        h: Handle,
        var: &str,
        target: Handle,
        target_var: &str,
        index: LinkIndex,
    ) -> Result<()> {
        self.link_with(h, var, target, target_var, Some(index))
    }

    fn link_with(
        &mut self,
        h: Handle,
        var: &str,
        target: Handle,
        target_var: &str,
        index: Option<LinkIndex>,
    ) -> Result<()> {
        let ctx = format!("link '{var}' of '{}'", self.name_of(h));
        if self.ranks.is_some() {
            return Err(Errors::one(
                Diagnostic::new(
                    "not-supported-distributed",
                    "linked variables are not supported on several ranks: the element linked to may be another rank's",
                )
                .with_context(ctx)
                .with_help("run on one rank"),
            ));
        }
        // the linking object: a neuron group or synapses (its own equations)
        let (me, my_n, is_syn) = match self.objects.get(h.0) {
            Some(Object::Group(g)) => (h.0, g.n, false),
            Some(Object::Synapses(s)) => (h.0, s.n, true),
            Some(Object::Subgroup { range, .. }) => {
                return Err(err(
                    "bad-link",
                    &ctx,
                    format!(
                        "'{}' is a subgroup: link the variable of its group '{}'",
                        self.name_of(h),
                        self.objects[range.group].name()
                    ),
                ));
            }
            _ => return Err(err("bad-link", &ctx, format!("'{}' has no variables", self.name_of(h)))),
        };
        let owner = self.name_of(h).to_string();
        let Some(def) = self.eqs_of(me).get(var) else {
            return Err(err(
                "unknown-variable",
                &ctx,
                format!("'{owner}' has no variable '{var}'"),
            ));
        };
        if !def.has_flag(VarFlag::Linked) {
            return Err(err(
                "bad-link",
                &ctx,
                format!(
                    "cannot link variable '{var}': it has to be marked as a linked variable with '(linked)' in the model equations"
                ),
            ));
        }
        let my_dim = def.dim;
        // the target: a neuron group or subgroup and one of its variables
        let range = match self.objects.get(target.0) {
            Some(Object::Group(_) | Object::Subgroup { .. }) => self.range(target)?,
            _ => {
                return Err(err(
                    "bad-link",
                    &ctx,
                    format!(
                        "'{}' is not a neuron group: a linked variable links to a variable of a neuron group or subgroup",
                        self.name_of(target)
                    ),
                ));
            }
        };
        let shown = format!("{}.{target_var}", self.name_of(target));
        let tdef = self.group(range.group).eqs.get(target_var).cloned();
        let Some(tdef) = tdef else {
            let mut d = Diagnostic::new(
                "unknown-variable",
                format!("'{}' has no variable '{target_var}'", self.name_of(target)),
            )
            .with_context(ctx.clone());
            let names = self.group(range.group).eqs.vars.iter().map(|v| v.name());
            if let Some(s) = crate::model::scope::suggest(target_var, names) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            return Err(Errors::one(d));
        };
        if tdef.kind() == EquationKind::Subexpression {
            return Err(err(
                "not-supported",
                &ctx,
                format!(
                    "linking to the subexpression '{shown}' is not supported yet by spikejit: link to a state variable"
                ),
            ));
        }
        if !tdef.dim.same(my_dim) {
            return Err(err(
                "unit-mismatch",
                &ctx,
                format!(
                    "the unit of variable '{var}' ({my_dim}) does not match its link target '{shown}' ({})",
                    tdef.dim
                ),
            ));
        }
        let target_shared = tdef.has_flag(VarFlag::Shared);
        // the element of the target group's array for element k of `h`
        let start = range.start as i64;
        let at_start = |sel: IndexSel| {
            if start == 0 {
                sel
            } else {
                IndexSel::Offset(Box::new(sel), start)
            }
        };
        let mut index_var = None;
        let sel = match index {
            _ if target_shared => IndexSel::Zero,
            // a whole group of one neuron (not a subgroup of one, as in Brian2)
            None if self.group(range.group).n == 1 && my_n != 1 => IndexSel::Zero,
            None => {
                if is_syn {
                    return Err(err(
                        "bad-link",
                        &ctx,
                        format!(
                            "cannot link the synaptic variable '{var}' to '{shown}' without an index: the number of synapses is not fixed; give an integer synaptic variable as the index"
                        ),
                    ));
                }
                if range.len() != my_n {
                    return Err(err(
                        "bad-link",
                        &ctx,
                        format!(
                            "cannot link variable '{var}' to '{shown}': the size of the target group does not match ({my_n} != {}); give an index to link groups of different sizes",
                            range.len()
                        ),
                    ));
                }
                at_start(IndexSel::Item)
            }
            Some(LinkIndex::Array(ix)) => {
                if is_syn {
                    return Err(err(
                        "bad-link",
                        &ctx,
                        "cannot link a synaptic variable with an index array (the number of synapses is not fixed): use an integer synaptic variable as the index",
                    ));
                }
                if ix.len() != my_n {
                    return Err(err(
                        "bad-link",
                        &ctx,
                        format!(
                            "the index array for linked variable '{var}' must have one entry per element of '{owner}' ({my_n}), but has {}",
                            ix.len()
                        ),
                    ));
                }
                if let Some(bad) = ix.iter().find(|&&k| k >= range.len()) {
                    return Err(err(
                        "bad-link",
                        &ctx,
                        format!(
                            "the index array for linked variable '{var}' contains {bad}, outside the valid range [0, {}) of '{}'",
                            range.len(),
                            self.name_of(target)
                        ),
                    ));
                }
                let key = ArrayKey::new(me, format!("_{var}_link_index"));
                let values: Vec<i32> = ix.iter().map(|&k| (k + range.start) as i32).collect();
                self.store.insert(key.clone(), Array::I32(values));
                IndexSel::Via(key)
            }
            Some(LinkIndex::Var(name)) => {
                let ok = self.eqs_of(me).get(&name).map(|v| {
                    (
                        v.kind() == EquationKind::Parameter
                            && v.ty == ValTy::Int
                            && !v.has_flag(VarFlag::Shared)
                            && !v.has_flag(VarFlag::Linked),
                        v.ty,
                    )
                });
                match ok {
                    None => {
                        return Err(err(
                            "bad-link",
                            &ctx,
                            format!("index variable '{name}' not found: it must be an integer parameter of '{owner}'"),
                        ));
                    }
                    Some((false, _)) => {
                        return Err(err(
                            "bad-link",
                            &ctx,
                            format!(
                                "index variable '{name}' should be an integer parameter of '{owner}' (declared '{name} : integer')"
                            ),
                        ));
                    }
                    Some((true, _)) => {}
                }
                index_var = Some(name.clone());
                at_start(IndexSel::Via(ArrayKey::new(me, name)))
            }
        };
        // A link to a linked variable reads what that one reads.
        let link = if tdef.has_flag(VarFlag::Linked) {
            let Some(t) = self.links.get(&(range.group, target_var.to_string())) else {
                return Err(err(
                    "link-unset",
                    &ctx,
                    unset_message(target_var, self.objects[range.group].name()),
                ));
            };
            Link {
                array: t.array.clone(),
                index: t.index.at(&sel),
                len: t.len,
                dim: t.dim,
                ty: t.ty,
                shown,
                index_var,
            }
        } else {
            Link {
                array: ArrayKey::new(range.group, target_var),
                index: sel,
                len: if target_shared { 1 } else { self.group(range.group).n },
                dim: tdef.dim,
                ty: tdef.ty,
                shown,
                index_var,
            }
        };
        self.links.insert((me, var.to_string()), link);
        Ok(())
    }

    /// An error at each `(linked)` variable of group or synapses `h` that
    /// is not linked (in its model equations): a model file links them
    /// where it defines the object.
    pub(crate) fn check_linked(&self, h: Handle) -> Result<()> {
        let Some(Object::Group(_) | Object::Synapses(_)) = self.objects.get(h.0) else {
            return Ok(());
        };
        let eqs = self.eqs_of(h.0);
        let errors: Vec<Diagnostic> = eqs
            .vars
            .iter()
            .filter(|v| v.has_flag(VarFlag::Linked) && !self.links.contains_key(&(h.0, v.name().to_string())))
            .map(|v| {
                Diagnostic::at(
                    "link-unset",
                    &eqs.source,
                    v.eq.name_span,
                    unset_message(v.name(), self.name_of(h)),
                )
                .with_label("never linked")
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(Errors(errors)) }
    }

    /// How code reads linked variable `var` of object `object` whose
    /// element is `index`; `None` when it is not linked yet.
    pub(crate) fn linked_ref(&self, object: usize, var: &str, index: &IndexSel) -> Option<NameRef> {
        let l = self.links.get(&(object, var.to_string()))?;
        let index = l.index.at(index);
        Some(NameRef::Var {
            array: l.array.clone(),
            shared: !index.per_item(),
            index,
            dim: l.dim,
            ty: l.ty,
            read_only: true,
            write_mask: None,
        })
    }

    /// Puts the linked variables of `object` into `scope` (as `NAME{suffix}`),
    /// read through `index`, with why code may not write them or their index
    /// variables.
    pub(crate) fn linked_names(&self, scope: &mut Scope, object: usize, index: &IndexSel, suffix: &str) {
        let owner = self.objects[object].name();
        for v in &self.eqs_of(object).vars {
            if !v.has_flag(VarFlag::Linked) {
                continue;
            }
            let name = format!("{}{suffix}", v.name());
            match self.linked_ref(object, v.name(), index) {
                Some(r) => {
                    let l = &self.links[&(object, v.name().to_string())];
                    scope.unwritable.insert(
                        name.clone(),
                        format!(
                            "'{name}' is a linked variable (linked to '{}'): spikejit does not write through linked variables; write to '{}'",
                            l.shown, l.shown
                        ),
                    );
                    if let Some(ix) = &l.index_var {
                        scope.unwritable.insert(
                            format!("{ix}{suffix}"),
                            format!(
                                "'{ix}{suffix}' is the index of the linked variable '{name}': code may not change it while a run reads through it (set it between runs)"
                            ),
                        );
                    }
                    scope.insert(name, r);
                }
                None => {
                    scope.forbidden.insert(name, unset_message(v.name(), owner));
                }
            }
        }
    }

    /// Checks that each element a linked variable reads is inside the array
    /// it reads (index variables may have been set since the link was made),
    /// and, with `all_linked` (before a run), that every linked variable is
    /// linked. Called before each run and before code runs outside a run.
    pub(crate) fn check_links(&self, all_linked: bool) -> Result<()> {
        let mut errors = Vec::new();
        for (id, o) in self.objects.iter().enumerate() {
            let (n, eqs) = match o {
                Object::Group(g) => (g.n, &g.eqs),
                Object::Synapses(s) => (s.n, &s.eqs),
                _ => continue,
            };
            for v in eqs.vars.iter().filter(|v| v.has_flag(VarFlag::Linked)) {
                let Some(l) = self.links.get(&(id, v.name().to_string())) else {
                    if !all_linked {
                        continue;
                    }
                    errors
                        .push(Diagnostic::new("link-unset", unset_message(v.name(), o.name())).with_context(o.name()));
                    continue;
                };
                let Some(ix) = &l.index_var else { continue };
                if let Some(k) = (0..n).find(|&k| element_of(&self.store, &l.index, k).is_none_or(|e| e >= l.len)) {
                    let held = self.store.get(&ArrayKey::new(id, ix.clone())).map(|a| a.get(k));
                    errors.push(
                        Diagnostic::new(
                            "bad-link-index",
                            format!(
                                "element {k} of '{}' reads '{}' through the index variable '{ix}', whose value {} is outside that group",
                                o.name(),
                                l.shown,
                                held.map_or("?".to_string(), |x| x.to_string())
                            ),
                        )
                        .with_context(format!("linked variable '{}' of '{}'", v.name(), o.name())),
                    );
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(Errors(errors)) }
    }

    /// The values of linked variable `var` of object `object` for its
    /// elements `start..stop` (one value when it reads one element for
    /// all), as [`Network::get`] gives them; `None` when `var` is not linked.
    pub(crate) fn get_linked(&self, object: usize, var: &str, start: usize, stop: usize) -> Option<Result<Vec<f64>>> {
        let l = self.links.get(&(object, var.to_string()))?;
        if let Err(e) = self.check_links(false) {
            return Some(Err(e));
        }
        let a = self.store.get(&l.array)?;
        let range = if l.index.per_item() { start..stop } else { 0..1 };
        Some(Ok(range
            .map(|k| element_of(&self.store, &l.index, k).map_or(f64::NAN, |e| a.get(e)))
            .collect()))
    }
}
