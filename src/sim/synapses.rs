//! Adding synapses, and Brian2's rules about them: a summed variable has one
//! target of its unit, event-driven and clock-driven equations do not depend
//! on each other, pathways react to events their group emits, delays fit a
//! spike queue. Connecting them is in `connect`; what synapses do in a time
//! step is in `synapse_steps`.

use std::sync::Arc;

use spikejit_runtime::queue;

use super::arrays::{Array, ArrayExt};
use super::network::{Network, check_method_options, err, integration_methods, storage_type};
use super::objects::{GroupRange, Object, Pathway, Syn};
use super::schedule::slot_rank;
use super::spec::{Handle, Synapses};
use crate::diag::{Diagnostic, Errors, Result, Source};
use crate::model::equations::{Equations, Owner, VarFlag};
use crate::model::scope::ArrayKey;
use queue::MAX_DELAY_STEPS;

impl Network {
    /// Adds Synapses between two groups (or subgroups, or synapses); it has no
    /// synapse until [`Network::connect`].
    ///
    /// An example is in the module's guide: [`sim`](crate::sim#synapses-and-connect).
    pub fn add_synapses(&mut self, spec: Synapses) -> Result<Handle> {
        let name = self.unique_name(spec.name.as_deref(), "synapses")?;
        let (dt, clock) = self.resolve_clock(spec.dt, spec.clock.as_deref(), &format!("synapses '{name}'"))?;
        let source = self.range_any(spec.source)?;
        let target = self.range_any(spec.target)?;
        let (source_order, target_order) = (self.view_order(spec.source), self.view_order(spec.target));
        let model_src = spec.model.source(format!("synapses '{name}'.model"));
        let eqs = Equations::parse(model_src, Owner::Synapses)?;
        let mut errors = Vec::new();
        let mut summed_when = Vec::new();
        for (var, when) in &spec.summed_when {
            let ctx = format!("synapses '{name}'.summed_when");
            if !eqs.get(var).is_some_and(|v| v.has_flag(VarFlag::Summed)) {
                errors.push(
                    Diagnostic::new(
                        "unknown-variable",
                        format!("'{var}' is not a summed variable of these synapses"),
                    )
                    .with_context(ctx),
                );
            } else if let Some(r) = super::schedule::slot_rank(when) {
                summed_when.push((var.clone(), r));
            } else {
                errors.push(Diagnostic::new("bad-slot", format!("unknown schedule slot '{when}'")).with_context(ctx));
            }
        }
        let mut summed_targets: Vec<(usize, String, usize, usize, crate::diag::Span)> = Vec::new();
        for v in &eqs.vars {
            if v.has_flag(VarFlag::Summed) {
                match self.check_summed(v, source, target, &eqs.source) {
                    Ok((g, var)) => {
                        let r = if v.name().ends_with("_post") { target } else { source };
                        if summed_targets.iter().any(|(g2, v2, ..)| *g2 == g && *v2 == var) {
                            errors.push(Diagnostic::at(
                                "summed-conflict",
                                &eqs.source,
                                v.eq.name_span,
                                format!("the target variable '{var}' is already updated by another summed variable"),
                            ));
                        }
                        summed_targets.push((g, var, r.start, r.stop, v.eq.name_span));
                    }
                    Err(d) => errors.push(d),
                }
                continue;
            }
            for (grp, suffix) in [(source.group, "pre"), (target.group, "post")] {
                if self.eqs_of(grp).get(v.name()).is_some() {
                    errors.push(Diagnostic::at(
                        "bad-name",
                        &eqs.source,
                        v.eq.name_span,
                        format!(
                            "the {suffix}synaptic group has a variable '{0}' too; rename the synaptic variable (for example to '{0}_syn') to avoid confusion",
                            v.name()
                        ),
                    ));
                }
            }
        }
        errors.extend(check_synaptic_dependencies(&eqs));
        for (g, var, start, stop, at) in &summed_targets {
            // Brian2 rejects two summed variables writing the same elements (overlapping
            // subgroups included); disjoint subgroups of one group are fine.
            if self
                .summed_targets()
                .iter()
                .any(|(g2, v2, s2, e2)| g2 == g && v2 == var && s2 < stop && start < e2)
            {
                let others: Vec<&str> = self
                    .objects
                    .iter()
                    .filter_map(|o| match o {
                        Object::Synapses(s2) => Some(s2),
                        _ => None,
                    })
                    .filter(|s2| {
                        s2.eqs.vars.iter().any(|v2| {
                            let n = v2.name();
                            v2.has_flag(VarFlag::Summed)
                                && ((n.strip_suffix("_post") == Some(var.as_str()) && s2.target.group == *g)
                                    || (n.strip_suffix("_pre") == Some(var.as_str()) && s2.source.group == *g))
                        })
                    })
                    .map(|s2| s2.name.as_str())
                    .collect();
                errors.push(
                    Diagnostic::at(
                        "summed-conflict",
                        &eqs.source,
                        *at,
                        format!(
                            "several summed variables target the variable '{var}' of group '{}'{}",
                            self.objects[*g].name(),
                            if others.is_empty() {
                                String::new()
                            } else {
                                format!(" (already targeted by synapses '{}')", others.join("', '"))
                            }
                        ),
                    )
                    .with_label(format!("'{var}' is already the target of another summed variable"))
                    .with_help(format!(
                        "use one target variable per synapses object (e.g. '{var}_a', '{var}_b') and add them in the target group"
                    )),
                );
            }
        }
        let mut pathways = Vec::new();
        for (pname, code, is_post) in &spec.pathways {
            let src = code.source(format!(
                "synapses '{name}'.on_{}",
                if *is_post { "post" } else { "pre" }
            ));
            match crate::syntax::parse_statements(&src) {
                Ok(stmts) => pathways.push(Pathway {
                    name: pname.clone(),
                    code: src,
                    stmts,
                    is_post: *is_post,
                    // Brian2: without a delay argument, delays are per synapse (all 0).
                    scalar_delay: None,
                    queue: queue::SpikeQueue::default(),
                    event: "spike".to_string(),
                }),
                Err(e) => errors.extend(e.0),
            }
        }
        for (pname, d) in &spec.delays {
            match pathways.iter_mut().find(|p| &p.name == pname) {
                Some(p) => {
                    let dt = self.group(if p.is_post { target.group } else { source.group }).dt;
                    if *d < 0.0 || !d.is_finite() {
                        errors.push(
                            Diagnostic::new("bad-delay", format!("the delay must be a non-negative time, got {d} s"))
                                .with_context(format!("synapses '{name}'.delay")),
                        );
                    } else if queue::delay_steps(*d, dt).is_none() {
                        errors.push(delay_error(&name, pname, *d, dt));
                    }
                    p.scalar_delay = Some(*d);
                }
                None => errors.push(
                    Diagnostic::new(
                        "bad-delay",
                        format!("cannot set the delay for pathway '{pname}': unknown pathway"),
                    )
                    .with_context(format!("synapses '{name}'.delay")),
                ),
            }
        }
        for (pname, ev) in &spec.on_event {
            match pathways.iter_mut().find(|p| &p.name == pname) {
                Some(p) => p.event = ev.clone(),
                None => errors.push(
                    Diagnostic::new(
                        "unknown-pathway",
                        format!("on_event names the pathway '{pname}', which does not exist"),
                    )
                    .with_context(format!("synapses '{name}'.on_event")),
                ),
            }
        }
        for p in &pathways {
            let emitter = if p.is_post { target.group } else { source.group };
            if self.syn(emitter).is_some() {
                errors.push(
                    Diagnostic::new(
                        "no-event",
                        format!(
                            "the {} '{}' is a synapses object, which emits no events for pathway '{}'",
                            if p.is_post { "target" } else { "source" },
                            self.objects[emitter].name(),
                            p.name
                        ),
                    )
                    .with_context(format!(
                        "synapses '{name}'.{}",
                        if p.is_post { "target" } else { "source" }
                    ))
                    .with_help(
                        "only a group with a threshold or events triggers a pathway; synapses of a \
                         synapses object can still read and write its variables (_pre, _post, summed)",
                    ),
                );
                continue;
            }
            if p.event != "spike" {
                if !self.group(emitter).has_event(&p.event) {
                    errors.push(
                        Diagnostic::new(
                            "no-event",
                            format!(
                                "the group '{}' does not define an event '{}' for pathway '{}'",
                                self.group(emitter).name,
                                p.event,
                                p.name
                            ),
                        )
                        .with_context(format!("synapses '{name}'.on_event"))
                        .with_help({
                            let g = self.group(emitter);
                            let mut evs: Vec<&str> = g.events.iter().map(|e| e.0.as_str()).collect();
                            if g.spikes() {
                                evs.insert(0, "spike");
                            }
                            if evs.is_empty() {
                                format!("'{}' defines no events: give it a threshold or `events`", g.name)
                            } else {
                                format!("the events of '{}' are: {}", g.name, evs.join(", "))
                            }
                        }),
                    );
                }
                continue;
            }
            if !self.group(emitter).spikes() {
                errors.push(
                    Diagnostic::new(
                        "no-event",
                        format!(
                            "the {} group '{}' does not define an event 'spike' for pathway '{}'",
                            if p.is_post { "target" } else { "source" },
                            self.group(emitter).name,
                            p.name
                        ),
                    )
                    .with_context(format!(
                        "synapses '{name}'.{}",
                        if p.is_post { "target" } else { "source" }
                    ))
                    .with_help(format!(
                        "did you forget to set a 'threshold' on '{}'?",
                        self.group(emitter).name
                    )),
                );
            }
        }
        let (method_src, methods) =
            integration_methods(spec.method.as_ref(), format!("synapses '{name}'.method"), &mut errors);
        // A method given: its options are checked now (else at the run, against the one chosen).
        if let (Some(_), [m]) = (&spec.method, methods.as_slice())
            && let Err(e) = check_method_options(&spec.method_options, *m, &format!("synapses '{name}'"))
        {
            errors.extend(e.0);
        }
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
        let syn_when = match &spec.when {
            Some(w) => match slot_rank(w) {
                Some(r) => r,
                None => {
                    return Err(err(
                        "bad-slot",
                        &format!("synapses '{name}'.when"),
                        format!("unknown schedule slot '{w}'"),
                    ));
                }
            },
            None => slot_rank("groups").unwrap_or(4),
        };
        if let Some(k) = &spec.multisynaptic_index {
            if let Err(msg) = crate::model::equations::check_identifier(k, Owner::Synapses, false) {
                return Err(err("bad-name", &format!("synapses '{name}'.multisynaptic_index"), msg));
            }
            if eqs.get(k).is_some() {
                return Err(err(
                    "duplicate",
                    &format!("synapses '{name}'.multisynaptic_index"),
                    format!("'{k}' is already defined in the model"),
                ));
            }
        }
        let id = self.objects.len();
        let fl = self.float_elem();
        if let Some(k) = &spec.multisynaptic_index {
            self.store
                .insert(ArrayKey::new(id, k.clone()), Array::zeros(crate::ir::ElemTy::I32, 0));
        }
        for v in &eqs.vars {
            if !v.is_stored() {
                continue;
            }
            let shared = v.has_flag(VarFlag::Shared);
            let elem = storage_type(v, &spec.dtype, fl);
            self.store
                .insert(ArrayKey::new(id, v.name()), Array::zeros(elem, usize::from(shared)));
        }
        for k in ["_pre", "_post"] {
            self.store
                .insert(ArrayKey::new(id, k), Array::zeros(crate::ir::ElemTy::I32, 0));
        }
        if eqs.vars.iter().any(|v| v.has_flag(VarFlag::EventDriven)) && eqs.get("lastupdate").is_none() {
            self.store
                .insert(ArrayKey::new(id, "lastupdate"), Array::zeros(crate::ir::ElemTy::F64, 0));
        }
        for p in &pathways {
            if p.scalar_delay.is_none() {
                self.store.insert(
                    ArrayKey::new(id, format!("{}.delay", p.name)),
                    Array::zeros(crate::ir::ElemTy::F64, 0),
                );
            }
        }
        self.objects.push(Object::Synapses(Box::new(Syn {
            name,
            source,
            target,
            source_order,
            target_order,
            summed_when,
            eqs,
            pathways,
            connected: false,
            n: 0,
            methods,
            method_src,
            dt,
            clock,
            order: spec.order,
            multisynaptic_index: spec.multisynaptic_index.clone(),
            namespace: spec.namespace.clone(),
            method_options: spec.method_options.clone().into_boxed_slice(),
            when: syn_when,
        })));
        Ok(Handle(id))
    }

    /// Synapse counts per synapses object.
    pub fn synapse_counts(&self) -> Vec<(String, usize)> {
        self.objects
            .iter()
            .enumerate()
            .filter_map(|(id, o)| match o {
                // On several ranks, the synapses of all ranks.
                Object::Synapses(s) => Some((
                    s.name.clone(),
                    match self.global_synapses.get(&id) {
                        Some(g) if self.ranks.is_some() && !self.gathered => g.total as usize,
                        _ => s.n,
                    },
                )),
                _ => None,
            })
            .collect()
    }
}

/// Brian2's `verify_dependencies`: event-driven equations must not depend on
/// clock-driven variables; clock-driven equations and summed variables must not
/// depend on event-driven ones.
fn check_synaptic_dependencies(eqs: &Equations) -> Vec<Diagnostic> {
    use crate::syntax::ast::EquationKind;
    let mut out = Vec::new();
    let event: Vec<&str> = eqs
        .vars
        .iter()
        .filter(|v| v.kind() == EquationKind::Differential && v.has_flag(VarFlag::EventDriven))
        .map(|v| v.name())
        .collect();
    let clock: Vec<&str> = eqs
        .vars
        .iter()
        .filter(|v| v.kind() == EquationKind::Differential && !v.has_flag(VarFlag::EventDriven))
        .map(|v| v.name())
        .collect();
    for v in &eqs.vars {
        let Some(rhs) = v.rhs() else { continue };
        let rhs = eqs.substitute_subexpressions(rhs);
        let names = rhs.names();
        let (bad, what): (&[&str], &str) = if v.has_flag(VarFlag::EventDriven) {
            (&clock, "clock-driven")
        } else if v.kind() == EquationKind::Differential || v.has_flag(VarFlag::Summed) {
            (&event, "event-driven")
        } else {
            continue;
        };
        if let Some(b) = names.iter().find(|n| bad.contains(&n.as_str())) {
            let kind = if v.has_flag(VarFlag::EventDriven) {
                "event-driven"
            } else if v.has_flag(VarFlag::Summed) {
                "summed"
            } else {
                "clock-driven"
            };
            // point at the use of the variable (inside a subexpression if it comes from one)
            let mut at = None;
            rhs.for_each_name(&mut |n, s| {
                if n == b.as_str() && at.is_none() {
                    at = Some(s);
                }
            });
            out.push(
                Diagnostic::at(
                    "bad-dependency",
                    &eqs.source,
                    at.unwrap_or(v.eq.span),
                    format!(
                        "the {kind} variable '{}' should not depend on the {what} variable '{b}'",
                        v.name()
                    ),
                )
                .with_label(format!("'{b}' is {what}"))
                .with_help(if kind == "event-driven" {
                    format!("make '{}' clock-driven too, or '{b}' event-driven", v.name())
                } else {
                    format!("make '{b}' clock-driven, or compute the term in on_pre/on_post")
                }),
            );
        }
    }
    out
}

impl Network {
    /// Checks a summed variable `x_post = ... (summed)`; returns its target (group, variable).
    // The error is built once per model, never on a hot path.
    #[allow(clippy::result_large_err)]
    fn check_summed(
        &self,
        v: &crate::model::equations::VarDef,
        source: GroupRange,
        target: GroupRange,
        src: &Arc<Source>,
    ) -> std::result::Result<(usize, String), Diagnostic> {
        let name = v.name();
        let (group, var) = if let Some(x) = name.strip_suffix("_post") {
            (target.group, x)
        } else if let Some(x) = name.strip_suffix("_pre") {
            (source.group, x)
        } else {
            return Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!("the summed variable '{name}' does not end in '_pre' or '_post'"),
            ));
        };
        let gname = self.objects[group].name().to_string();
        match self.eqs_of(group).get(var) {
            Some(t) if t.has_flag(VarFlag::Linked) => Err(Diagnostic::at(
                "not-supported",
                src,
                v.eq.name_span,
                format!(
                    "the summed variable '{name}' targets '{var}' of group '{gname}', a linked variable: spikejit does not write through linked variables"
                ),
            )
            .with_help(format!("target the variable that '{var}' is linked to"))),
            Some(t) if t.kind() == crate::syntax::ast::EquationKind::Parameter => {
                if !t.dim.same(v.dim) {
                    return Err(Diagnostic::at(
                        "unit-mismatch",
                        src,
                        v.eq.unit_span,
                        format!(
                            "the summed variable '{name}' has unit {}, but '{var}' of group '{}' has unit {}",
                            v.dim, gname, t.dim
                        ),
                    ));
                }
                Ok((group, var.to_string()))
            }
            Some(_) => Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!(
                    "the summed variable '{name}' needs a corresponding parameter '{var}' in group '{}' (it is not a parameter there)",
                    gname
                ),
            )),
            None => Err(Diagnostic::at(
                "bad-summed",
                src,
                v.eq.name_span,
                format!(
                    "the summed variable '{name}' does not refer to any variable of group '{}'",
                    gname
                ),
            )
            .with_help(format!("declare '{var} : {}' in the model of '{}'", v.eq.unit, gname))),
        }
    }

    /// The number of synapses onto each neuron of the target (Brian2's
    /// `S.N_incoming_post`), indexed by the target neuron (relative to the
    /// target group or subgroup); an error when `h` is not a synapses object.
    ///
    /// ```
    /// use spikejit::sim::{Connect, Network, NeuronGroup, Synapses};
    ///
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(3, "v : 1"))?;
    /// let s = net.add_synapses(Synapses::new(g, g, ""))?;
    /// net.connect(s, Connect::arrays(vec![0, 1, 2, 2], vec![1, 1, 0, 1]))?;
    /// assert_eq!(net.synapses_per_target(s)?, [1, 3, 0]);
    /// assert_eq!(net.synapses_per_source(s)?, [1, 1, 2]);
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn synapses_per_target(&self, h: Handle) -> Result<Vec<usize>> {
        self.synapses_per_neuron(h, "_post")
    }

    /// The number of synapses out of each neuron of the source (Brian2's
    /// `S.N_outgoing_pre`), indexed by the source neuron (relative to the
    /// source group or subgroup); see [`Network::synapses_per_target`].
    pub fn synapses_per_source(&self, h: Handle) -> Result<Vec<usize>> {
        self.synapses_per_neuron(h, "_pre")
    }

    fn synapses_per_neuron(&self, h: Handle, index: &str) -> Result<Vec<usize>> {
        let Some(s) = self.objects.get(h.0).and_then(|_| self.syn(h.0)) else {
            return Err(err(
                "not-synapses",
                self.name_of(h),
                format!("'{}' is not a synapses object", self.name_of(h)),
            ));
        };
        let range = if index == "_pre" { s.source } else { s.target };
        // On several ranks, a source's synapses are on its targets' ranks:
        // their number was summed over the ranks at each connect.
        if index == "_pre"
            && self.ranks.is_some()
            && let Some(g) = self.global_synapses.get(&h.0)
        {
            return Ok(g.outgoing.iter().map(|&c| c as usize).collect());
        }
        if self.ranks.is_some() && !self.gathered {
            return Err(err(
                "not-on-this-rank",
                self.name_of(h),
                "on several ranks, a rank holds the synapses onto its own neurons only: count them on rank 0 after gather_to_root(true)",
            ));
        }
        let mut count = vec![0usize; range.len()];
        if let Some(Array::I32(v)) = self.store.get(&ArrayKey::new(h.0, index)) {
            for &x in v {
                if let Some(c) = (x as usize).checked_sub(range.start).and_then(|k| count.get_mut(k)) {
                    *c += 1;
                }
            }
        }
        Ok(count)
    }

    /// The (group, variable) pairs written by summed variables so far.
    pub(crate) fn summed_targets(&self) -> Vec<(usize, String, usize, usize)> {
        let mut out = Vec::new();
        for o in &self.objects {
            if let Object::Synapses(s) = o {
                for v in &s.eqs.vars {
                    if v.has_flag(VarFlag::Summed) {
                        let n = v.name();
                        if let Some(x) = n.strip_suffix("_post") {
                            out.push((s.target.group, x.to_string(), s.target.start, s.target.stop));
                        } else if let Some(x) = n.strip_suffix("_pre") {
                            out.push((s.source.group, x.to_string(), s.source.start, s.source.stop));
                        }
                    }
                }
            }
        }
        out
    }
}

/// What is wrong with a pathway's delay `d` (seconds) that no step count of
/// `dt` holds: negative, not finite, or longer than a spike queue takes.
pub(crate) fn delay_message(pathway: &str, d: f64, dt: f64) -> String {
    let d_text = crate::units::py_float_repr(d);
    if d >= 0.0 && d.is_finite() {
        format!(
            "pathway '{pathway}' has a delay of {d_text} s, {} steps of dt = {} s: more than a spike queue holds (2^53 = {MAX_DELAY_STEPS} steps)",
            crate::units::py_float_repr((d / dt).round()),
            crate::units::py_float_repr(dt),
        )
    } else {
        format!("pathway '{pathway}' has a negative or non-finite delay ({d_text} s)")
    }
}

/// The error of [`delay_message`], about synapses `syn`.
pub(crate) fn delay_error(syn: &str, pathway: &str, d: f64, dt: f64) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::new("bad-delay", delay_message(pathway, d, dt))
        .with_context(format!("synapses '{syn}'.delay"))
}
