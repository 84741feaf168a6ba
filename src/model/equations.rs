//! Model equations after the structural checks Brian2 does at construction
//! (brian2-semantics.md §1.1–1.4): identifiers, flags, duplicates, unit specs,
//! subexpression order. Unit checks of right-hand sides need a scope and happen
//! when the owning object builds its kernels.

use std::collections::HashMap;
use std::sync::Arc;

use super::scope::{ValTy, is_reserved_builtin};
use crate::diag::{Diagnostic, Errors, Source};
use crate::integrate::{is_noise_name, split_stochastic};
use crate::syntax::ast::{Equation, EquationKind, Expr};
use crate::syntax::parse_equations;
use crate::units::{Dim, VarType, parse_unit_spec};

/// Which object owns the equations (the allowed flags differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A NeuronGroup (`unless refractory`, `constant`, `shared`, `linked`, `constant over dt` flags).
    NeuronGroup,
    /// A Synapses object (also `event-driven`, `clock-driven`, `summed`).
    Synapses,
    /// A SpatialNeuron (`point current`, no `unless refractory`).
    SpatialNeuron,
}

/// One checked model equation.
#[derive(Clone, Debug)]
pub struct VarDef {
    /// The parsed equation.
    pub eq: Equation,
    /// The dimension of its unit specification.
    pub dim: Dim,
    /// Its value type (`boolean`, `integer`, or float for a unit).
    pub ty: ValTy,
    /// Its flags, as parsed from the equation's (those Brian2 knows).
    pub flags: Vec<VarFlag>,
}

/// A flag of a model equation, in parentheses after its unit (Brian2's
/// flags): parsed once, when the equations are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarFlag {
    /// `unless refractory`: a differential equation held while refractory.
    UnlessRefractory,
    /// `constant`: a parameter no code may write.
    Constant,
    /// `shared`: one value for the whole group.
    Shared,
    /// `linked`: a parameter that reads another group's variable (Brian2's
    /// `linked_var`): it has no array of its own.
    Linked,
    /// `constant over dt`: a subexpression evaluated once per time step, into
    /// an array of its own.
    ConstantOverDt,
    /// `event-driven`: a synaptic equation integrated when an event arrives.
    EventDriven,
    /// `clock-driven`: a synaptic equation integrated at every time step.
    ClockDriven,
    /// `summed`: a synaptic subexpression summed into a variable of the
    /// pre- or post-synaptic group.
    Summed,
    /// `point current`: a current in amp into a compartment of a spatial
    /// neuron, added to its membrane current `Im` divided by the area.
    PointCurrent,
}

impl VarFlag {
    /// Every flag Brian2 knows.
    pub const ALL: [VarFlag; 9] = [
        VarFlag::UnlessRefractory,
        VarFlag::Constant,
        VarFlag::Shared,
        VarFlag::Linked,
        VarFlag::ConstantOverDt,
        VarFlag::EventDriven,
        VarFlag::ClockDriven,
        VarFlag::Summed,
        VarFlag::PointCurrent,
    ];

    /// The flag as a model writes it.
    pub fn name(self) -> &'static str {
        match self {
            VarFlag::UnlessRefractory => "unless refractory",
            VarFlag::Constant => "constant",
            VarFlag::Shared => "shared",
            VarFlag::Linked => "linked",
            VarFlag::ConstantOverDt => "constant over dt",
            VarFlag::EventDriven => "event-driven",
            VarFlag::ClockDriven => "clock-driven",
            VarFlag::Summed => "summed",
            VarFlag::PointCurrent => "point current",
        }
    }

    /// The flag written `name`, if Brian2 has one.
    pub fn parse(name: &str) -> Option<VarFlag> {
        VarFlag::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The names of `flags`, separated by commas.
fn flag_names(flags: &[VarFlag]) -> String {
    flags.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

impl VarDef {
    /// The defined variable's name.
    pub fn name(&self) -> &str {
        &self.eq.name
    }

    /// Differential equation, subexpression or parameter.
    pub fn kind(&self) -> EquationKind {
        self.eq.kind
    }

    /// True if the equation carries the flag `f` (e.g. [`VarFlag::Constant`]).
    pub fn has_flag(&self, f: VarFlag) -> bool {
        self.flags.contains(&f)
    }

    /// Whether the variable has an array of its own: all but linked variables and the
    /// subexpressions, which are computed where they are read (except those
    /// `constant over dt`, evaluated once per step into their array).
    pub fn is_stored(&self) -> bool {
        if self.has_flag(VarFlag::Linked) {
            // a linked variable reads the array of the variable it links to
            return false;
        }
        self.kind() != EquationKind::Subexpression || self.has_flag(VarFlag::ConstantOverDt)
    }

    /// The right-hand side; `None` for a parameter.
    pub fn rhs(&self) -> Option<&Expr> {
        self.eq.rhs.as_ref()
    }
}

/// The equations of a NeuronGroup or Synapses.
#[derive(Clone, Debug)]
pub struct Equations {
    /// The model string the equations were parsed from.
    pub source: Arc<Source>,
    /// The equations in the order written, except that subexpressions are sorted so that each comes after those it
    /// uses.
    pub vars: Vec<VarDef>,
}

fn allowed_flags(owner: Owner, kind: EquationKind) -> &'static [VarFlag] {
    use VarFlag::*;
    match (owner, kind) {
        (Owner::NeuronGroup, EquationKind::Differential) => &[UnlessRefractory],
        (Owner::NeuronGroup, EquationKind::Parameter) => &[Constant, Shared, Linked],
        (Owner::NeuronGroup, EquationKind::Subexpression) => &[Shared, ConstantOverDt],
        (Owner::Synapses, EquationKind::Differential) => &[EventDriven, ClockDriven],
        (Owner::Synapses, EquationKind::Parameter) => &[Constant, Shared, Linked],
        (Owner::Synapses, EquationKind::Subexpression) => &[Summed, Shared, ConstantOverDt],
        (Owner::SpatialNeuron, EquationKind::Differential) => &[PointCurrent],
        (Owner::SpatialNeuron, EquationKind::Parameter) => &[Constant, Shared, Linked, PointCurrent],
        (Owner::SpatialNeuron, EquationKind::Subexpression) => &[Shared, PointCurrent, ConstantOverDt],
    }
}

fn kind_name(k: EquationKind) -> &'static str {
    match k {
        EquationKind::Differential => "differential equation",
        EquationKind::Subexpression => "subexpression",
        EquationKind::Parameter => "parameter",
    }
}

/// Checks a name a model may define (§1.3).
pub fn check_identifier(name: &str, owner: Owner, summed: bool) -> Result<(), String> {
    if name.starts_with('_') {
        return Err(format!(
            "variable '{name}' starts with an underscore, which is reserved for internal variables"
        ));
    }
    if matches!(name, "t" | "dt" | "t_in_timesteps" | "xi" | "i" | "N") || name.starts_with("xi_") {
        return Err(format!(
            "'{name}' has a special meaning in equations and cannot be used as a variable name"
        ));
    }
    if let Some(what) = is_reserved_builtin(name) {
        return Err(format!(
            "'{name}' is the name of {what} and cannot be used as a variable name"
        ));
    }
    if matches!(name, "not_refractory" | "refractory" | "refractory_until") {
        return Err(format!(
            "the name '{name}' is used by the refractoriness mechanism and cannot be used as a variable name"
        ));
    }
    if owner == Owner::Synapses && matches!(name, "j" | "delay" | "N_incoming" | "N_outgoing" | "N_pre" | "N_post") {
        return Err(format!(
            "'{name}' is a reserved name in synapses and cannot be used as a variable name"
        ));
    }
    if !summed && (name.ends_with("_pre") || name.ends_with("_post")) {
        return Err(format!(
            "'{name}' cannot be used as a variable name: the '_pre' and '_post' suffixes refer to the source and target groups' variables"
        ));
    }
    Ok(())
}

/// Brian2's rules for white noise (§1.11): `xi`/`xi_*` only in differential
/// equations, entering linearly (`f + g*xi`), and plain `xi` in at most one
/// equation (the same `xi_name` in several equations is the same noise).
fn check_noise(
    eq: &Equation,
    rhs: &Expr,
    source: &Arc<Source>,
    plain_xi: &mut Option<(String, crate::diag::Span)>,
    errors: &mut Vec<Diagnostic>,
) {
    let mut first: Option<(String, crate::diag::Span)> = None;
    let mut xi_span = None;
    rhs.for_each_name(&mut |n, span| {
        if is_noise_name(n) && first.is_none() {
            first = Some((n.to_string(), span));
        }
        if n == "xi" && xi_span.is_none() {
            xi_span = Some(span);
        }
    });
    let Some((noise, span)) = first else { return };
    if eq.kind != EquationKind::Differential {
        errors.push(
            Diagnostic::at(
                "bad-noise",
                source,
                span,
                format!(
                    "the equation defining '{}' contains the symbol '{noise}' but is not a differential equation",
                    eq.name
                ),
            )
            .with_help("white noise (xi, xi_*) can only appear in differential equations"),
        );
        return;
    }
    if let Err(msg) = split_stochastic(rhs) {
        errors.push(Diagnostic::at("bad-noise", source, rhs.span, msg));
    }
    if let Some(span) = xi_span {
        match plain_xi {
            Some((prev, prev_span)) => errors.push(
                Diagnostic::at(
                    "bad-noise",
                    source,
                    span,
                    format!(
                        "the equation defining '{}' contains the symbol 'xi', but it is already used in the \
                         equation defining '{prev}'",
                        eq.name
                    ),
                )
                .with_note(Some(source.clone()), *prev_span, "'xi' first used here")
                .with_help(
                    "use xi_name: rename the noise variables to 'xi_...', the same name for the same noise \
                     and different names for independent noise",
                ),
            ),
            None => *plain_xi = Some((eq.name.clone(), span)),
        }
    }
}

impl Equations {
    /// Parses and checks a model string.
    pub fn parse(source: Arc<Source>, owner: Owner) -> Result<Equations, Errors> {
        let eqs = parse_equations(&source)?;
        let mut errors = Vec::new();
        let mut vars: Vec<VarDef> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        // The equation that uses plain `xi`, if any (§1.11).
        let mut plain_xi: Option<(String, crate::diag::Span)> = None;
        for eq in eqs {
            let summed = eq.has_flag(VarFlag::Summed.name());
            if let Err(msg) = check_identifier(&eq.name, owner, summed) {
                errors.push(Diagnostic::at("bad-name", &source, eq.name_span, msg));
            }
            if let Some(&prev) = seen.get(&eq.name) {
                errors.push(
                    Diagnostic::at(
                        "duplicate",
                        &source,
                        eq.name_span,
                        format!("duplicate definition of variable '{}'", eq.name),
                    )
                    .with_note(Some(source.clone()), vars[prev].eq.name_span, "first defined here"),
                );
            }
            let allowed = allowed_flags(owner, eq.kind);
            let mut flags = Vec::new();
            for f in &eq.flags {
                let flag = VarFlag::parse(&f.name);
                if let Some(flag) = flag {
                    flags.push(flag);
                }
                if flag.is_none() {
                    let mut d = Diagnostic::at("bad-flag", &source, f.span, format!("unknown flag '{}'", f.name))
                        .with_label("not a flag");
                    d = match crate::model::scope::suggest(&f.name, allowed.iter().map(|f| f.name()))
                        .or_else(|| crate::model::scope::suggest(&f.name, VarFlag::ALL.iter().map(|f| f.name())))
                    {
                        Some(s) => d.with_help(format!("did you mean '{s}'?")),
                        None if allowed.is_empty() => {
                            d.with_help(format!("a {} takes no flags here", kind_name(eq.kind)))
                        }
                        None => d.with_help(format!(
                            "the flags of a {} are: {}",
                            kind_name(eq.kind),
                            flag_names(allowed)
                        )),
                    };
                    errors.push(d);
                } else if let Some(flag) = flag
                    && !allowed.contains(&flag)
                {
                    let owner_name = match owner {
                        Owner::NeuronGroup => "a neuron group",
                        Owner::Synapses => "synapses",
                        Owner::SpatialNeuron => "a spatial neuron",
                    };
                    errors.push(
                        Diagnostic::at(
                            "bad-flag",
                            &source,
                            f.span,
                            format!(
                                "a {} of {owner_name} cannot have the flag '{}'",
                                kind_name(eq.kind),
                                f.name
                            ),
                        )
                        .with_help(if allowed.is_empty() {
                            "no flags are allowed here".to_string()
                        } else {
                            format!("allowed flags: {}", flag_names(allowed))
                        }),
                    );
                }
            }
            if flags.contains(&VarFlag::EventDriven) && flags.contains(&VarFlag::ClockDriven) {
                errors.push(Diagnostic::at(
                    "bad-flag",
                    &source,
                    eq.span,
                    "flag 'event-driven' cannot be combined with flag 'clock-driven'",
                ));
            }
            if flags.contains(&VarFlag::Linked) && eq.flags.len() > 1 {
                errors.push(Diagnostic::at(
                    "bad-flag",
                    &source,
                    eq.span,
                    "flag 'linked' cannot be combined with other flags",
                ));
            }
            if summed && eq.flags.len() > 1 {
                errors.push(Diagnostic::at(
                    "bad-flag",
                    &source,
                    eq.span,
                    "flag 'summed' cannot be combined with other flags",
                ));
            }
            let (dim, ty) = match parse_unit_spec(&eq.unit) {
                Ok(VarType::Float(d)) => (d, ValTy::Float),
                Ok(VarType::Boolean) => (Dim::ONE, ValTy::Bool),
                Ok(VarType::Integer) => (Dim::ONE, ValTy::Int),
                Err(e) => {
                    let s = crate::diag::Span::new(
                        eq.unit_span.start + e.start,
                        eq.unit_span.start + e.end.max(e.start + 1).min(eq.unit.len()),
                    );
                    let mut d = Diagnostic::at("bad-unit", &source, s, e.message);
                    if let Some(h) = e.help {
                        d = d.with_help(h);
                    }
                    errors.push(d);
                    (Dim::ONE, ValTy::Float)
                }
            };
            if eq.kind == EquationKind::Differential && ty != ValTy::Float {
                errors.push(Diagnostic::at(
                    "bad-unit",
                    &source,
                    eq.unit_span,
                    "differential equations can only define floating-point variables",
                ));
            }
            if let Some(rhs) = &eq.rhs {
                check_noise(&eq, rhs, &source, &mut plain_xi, &mut errors);
            }
            seen.insert(eq.name.clone(), vars.len());
            vars.push(VarDef { eq, dim, ty, flags });
        }
        let mut me = Equations { source, vars };
        if errors.is_empty()
            && let Err(d) = me.sort_subexpressions()
        {
            errors.push(*d);
        }
        if errors.is_empty() { Ok(me) } else { Err(Errors(errors)) }
    }

    /// The equation defining `name`, if any.
    pub fn get(&self, name: &str) -> Option<&VarDef> {
        self.vars.iter().find(|v| v.eq.name == name)
    }

    /// Orders the subexpressions again after equations were added (a
    /// spatial neuron's); a cycle is an error.
    pub fn resort(&mut self) -> Result<(), Box<Diagnostic>> {
        self.sort_subexpressions()
    }

    /// Orders subexpressions so that each comes after those it uses; a cycle is an error.
    fn sort_subexpressions(&mut self) -> Result<(), Box<Diagnostic>> {
        let subs: Vec<usize> = (0..self.vars.len())
            .filter(|&k| self.vars[k].kind() == EquationKind::Subexpression)
            .collect();
        let names: HashMap<&str, usize> = subs.iter().map(|&k| (self.vars[k].name(), k)).collect();
        let mut state: HashMap<usize, u8> = HashMap::new(); // 1 visiting, 2 done
        let mut order = Vec::new();
        /// Depth-first; on a cycle returns the subexpressions on it, in order.
        fn visit(
            k: usize,
            vars: &[VarDef],
            names: &HashMap<&str, usize>,
            state: &mut HashMap<usize, u8>,
            order: &mut Vec<usize>,
            stack: &mut Vec<usize>,
        ) -> Result<(), Vec<usize>> {
            match state.get(&k) {
                Some(2) => return Ok(()),
                Some(1) => {
                    let from = stack.iter().position(|&s| s == k).unwrap_or(0);
                    return Err(stack[from..].to_vec());
                }
                _ => {}
            }
            state.insert(k, 1);
            stack.push(k);
            if let Some(rhs) = vars[k].rhs() {
                for n in rhs.names() {
                    if let Some(&d) = names.get(n.as_str()) {
                        visit(d, vars, names, state, order, stack)?;
                    }
                }
            }
            stack.pop();
            state.insert(k, 2);
            order.push(k);
            Ok(())
        }
        for &k in &subs {
            if let Err(cycle) = visit(k, &self.vars, &names, &mut state, &mut order, &mut Vec::new()) {
                let first = cycle.first().copied().unwrap_or(k);
                let v = &self.vars[first];
                let mut path: Vec<&str> = cycle.iter().map(|&c| self.vars[c].name()).collect();
                path.push(v.name());
                let message = if cycle.len() == 1 {
                    format!(
                        "cannot resolve the dependencies between subexpressions: '{}' is defined by itself",
                        v.name()
                    )
                } else {
                    format!(
                        "cannot resolve the dependencies between subexpressions, they form a cycle: {}",
                        path.join(" -> ")
                    )
                };
                let mut d = Diagnostic::at("cycle", &self.source, v.eq.name_span, message)
                    .with_label(format!("'{}' uses '{}'", v.name(), path[1]))
                    .with_help("a subexpression may only use subexpressions that do not use it in turn");
                for idx in 1..cycle.len() {
                    let (x, y) = (&self.vars[cycle[idx]], &self.vars[cycle[(idx + 1) % cycle.len()]]);
                    d = d.with_note(
                        Some(self.source.clone()),
                        x.eq.name_span,
                        format!("'{}' uses '{}'", x.name(), y.name()),
                    );
                }
                return Err(Box::new(d));
            }
        }
        // Keep the non-subexpressions in place and the subexpressions in dependency order.
        let mut sorted = self.vars.clone();
        let slots: Vec<usize> = subs.clone();
        for (slot, k) in slots.into_iter().zip(order) {
            sorted[slot] = self.vars[k].clone();
        }
        self.vars = sorted;
        Ok(())
    }

    /// `expr` with every subexpression (of these equations) replaced by its definition.
    pub fn substitute_subexpressions(&self, e: &Expr) -> Expr {
        let mut cur = e.clone();
        // Subexpressions may use each other; substitute until no name is left (the
        // dependency graph is acyclic, so this terminates).
        for _ in 0..=self.vars.len() {
            let mut changed = false;
            let next = cur.substitute(&|n| {
                self.get(n)
                    .filter(|v| {
                        v.kind() == EquationKind::Subexpression
                            && !v.has_flag(VarFlag::Summed)
                            && !v.has_flag(VarFlag::ConstantOverDt)
                    })
                    .and_then(|v| v.rhs().cloned())
            });
            if next != cur {
                changed = true;
            }
            cur = next;
            if !changed {
                break;
            }
        }
        cur
    }

    /// The differential equations, in alphabetical order (Brian2's statement order).
    pub fn differential(&self) -> Vec<&VarDef> {
        let mut v: Vec<&VarDef> = self
            .vars
            .iter()
            .filter(|v| v.kind() == EquationKind::Differential)
            .collect();
        v.sort_by(|a, b| a.name().cmp(b.name()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(model: &str) -> Vec<(String, &'static str, String)> {
        let src = Source::new("model", model);
        match Equations::parse(src.clone(), Owner::NeuronGroup) {
            Ok(_) => vec![],
            Err(Errors(ds)) => ds
                .into_iter()
                .map(|d| (src.text[d.span.start..d.span.end].to_string(), d.code, d.message))
                .collect(),
        }
    }

    #[test]
    fn stochastic_equations_are_accepted() {
        for model in [
            "dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : volt",
            "dv/dt = -v/tau + v*xi/sqrt(tau) : 1",
            "dx/dt = -x/tau + s*xi_1 : 1\ndy/dt = -y/tau + s*xi_1 + s*xi_2 : 1",
            "dx/dt = -x/tau + s*xi : 1\ndy/dt = -y/tau + s*xi_y : 1\nI = 2*x : 1",
        ] {
            assert_eq!(errors(model), vec![], "{model}");
        }
    }

    #[test]
    fn noise_only_in_differential_equations() {
        let e = errors("dv/dt = (I - v)/tau : 1\nI = sigma*xi : 1");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "xi");
        assert_eq!(e[0].1, "bad-noise");
        assert!(
            e[0].2
                .contains("the equation defining 'I' contains the symbol 'xi' but is not a differential equation"),
            "{}",
            e[0].2
        );
        let e = errors("dv/dt = (I - v)/tau : 1\nI = sigma*xi_2 : 1");
        assert!(e[0].2.contains("symbol 'xi_2'"), "{e:?}");
    }

    #[test]
    fn plain_xi_in_one_equation_only() {
        let e = errors("dx/dt = -x/tau + s*xi : 1\ndy/dt = -y/tau + s*xi : 1");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "xi");
        assert!(
            e[0].2.contains("already used in the equation defining 'x'"),
            "{}",
            e[0].2
        );
        let src = Source::new("model", "dx/dt = -x/tau + s*xi : 1\ndy/dt = -y/tau + s*xi : 1");
        let Err(Errors(ds)) = Equations::parse(src, Owner::NeuronGroup) else {
            panic!("accepted")
        };
        assert!(
            ds[0].help.as_deref().unwrap_or("").contains("xi_name"),
            "{:?}",
            ds[0].help
        );
    }

    #[test]
    fn noise_must_enter_linearly() {
        for model in [
            "dv/dt = -v/tau + s*xi**2 : 1",
            "dv/dt = -v/tau + exp(xi)/tau : 1",
            "dv/dt = xi_a*xi_b : 1",
        ] {
            let e = errors(model);
            assert_eq!(e.len(), 1, "{model}: {e:?}");
            assert!(e[0].2.contains("cannot be separated"), "{}", e[0].2);
        }
    }

    #[test]
    fn noise_names_are_not_variable_names() {
        for model in ["xi : 1", "dxi_1/dt = -xi_1/tau : 1"] {
            let e = errors(model);
            assert!(e.iter().any(|d| d.1 == "bad-name"), "{model}: {e:?}");
        }
    }
}
