//! Stochastic differential equations (brian2-semantics.md §1.11, §5.2): the
//! split `f + Σ g_k·xi_k` and Brian2's `euler`, `heun` and `milstein` recipes
//! (`stateupdaters/explicit.py`).
//!
//! Noise symbols are `xi` and `xi_<name>`, white noise of dimension
//! `second**-0.5`. Each distinct name becomes one draw `xi_k = dt**.5*randn()`
//! per element and step, the first statements of the update; the same name in
//! two equations is the same realisation.

use std::collections::{BTreeMap, BTreeSet};

use super::{DiffEq, Env, add, assign, div, linear_form, mul, name};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Statement};

/// Whether a name is a noise symbol (`xi`, `xi_*`).
pub fn is_noise_name(n: &str) -> bool {
    n == "xi" || n.starts_with("xi_")
}

/// The noise symbols an expression uses, sorted.
pub fn noise_names(e: &Expr) -> Vec<String> {
    let mut out = BTreeSet::new();
    e.for_each_name(&mut |n, _| {
        if is_noise_name(n) {
            out.insert(n.to_string());
        }
    });
    out.into_iter().collect()
}

/// Removes the `·1` factors that separating into linear components leaves.
fn tidy(e: Expr) -> Expr {
    let one = |x: &Expr| match x.kind {
        ExprKind::Float(v) => v == 1.0,
        ExprKind::Int(v) => v == 1,
        _ => false,
    };
    let span = e.span;
    match e.kind {
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (tidy(*a), tidy(*b));
            match op {
                BinOp::Mul if one(&b) => a,
                BinOp::Mul if one(&a) => b,
                BinOp::Div if one(&b) => a,
                _ => Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span),
            }
        }
        ExprKind::Unary(op, a) => Expr::new(ExprKind::Unary(op, Box::new(tidy(*a))), span),
        ExprKind::Call(f, args) => Expr::new(ExprKind::Call(f, args.into_iter().map(tidy).collect()), span),
        k => Expr::new(k, span),
    }
}

/// Brian2's `Expression.split_stochastic`: `rhs = f + Σ g_k·xi_k`. Returns the
/// deterministic part `f` (`None` when there is none: the rhs is pure noise) and
/// the factor `g_k` of each noise symbol. `Err` when a noise symbol does not
/// enter linearly (`xi**2`, `exp(xi)`, `1/xi`, `xi*xi_2`).
pub fn split_stochastic(rhs: &Expr) -> Result<(Option<Expr>, BTreeMap<String, Expr>), String> {
    let noise = noise_names(rhs);
    if noise.is_empty() {
        return Ok((Some(rhs.clone()), BTreeMap::new()));
    }
    let form = linear_form(rhs, &noise).ok_or_else(|| {
        format!(
            "the expression '{rhs}' cannot be separated into stochastic and non-stochastic terms: \
             the noise {} must enter linearly, as in 'f + g*xi'",
            if noise.len() == 1 {
                format!("symbol '{}'", noise[0])
            } else {
                format!(
                    "symbols {}",
                    noise.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                )
            }
        )
    })?;
    let g = noise
        .into_iter()
        .zip(form.coeffs)
        .filter_map(|(n, c)| c.map(|c| (n, tidy(c))))
        .collect();
    Ok((form.constant, g))
}

/// A system of equations split into drift and noise.
pub(super) struct Split {
    /// The drift `f` of each equation (`None`: zero).
    pub f: Vec<Option<Expr>>,
    /// The noise factors of each equation, by noise name.
    pub g: Vec<BTreeMap<String, Expr>>,
    /// Every noise name of the system, sorted.
    pub noise: Vec<String>,
}

impl Split {
    pub fn new(eqs: &[DiffEq]) -> Result<Split, String> {
        let mut f = Vec::with_capacity(eqs.len());
        let mut g = Vec::with_capacity(eqs.len());
        let mut noise = BTreeSet::new();
        for e in eqs {
            let (fe, ge) = split_stochastic(&e.rhs).map_err(|why| format!("equation for '{}': {why}", e.var))?;
            noise.extend(ge.keys().cloned());
            f.push(fe);
            g.push(ge);
        }
        Ok(Split {
            f,
            g,
            noise: noise.into_iter().collect(),
        })
    }

    pub fn is_stochastic(&self) -> bool {
        !self.noise.is_empty()
    }

    /// Brian2's `_get_stochastic_type`: the noise is multiplicative when a noise
    /// factor depends on a differential variable or on `t`.
    pub fn is_multiplicative(&self, eqs: &[DiffEq], env: &dyn Env) -> bool {
        self.g.iter().flat_map(|g| g.values()).any(|factor| {
            let mut dep = false;
            factor.for_each_name(&mut |n, _| dep |= env.is_time(n) || eqs.iter().any(|e| e.var == n));
            dep
        })
    }

    /// `x + dt*f` (or `x` without drift).
    fn drift_step(&self, eqs: &[DiffEq], k: usize) -> Expr {
        let x = name(&eqs[k].var);
        match &self.f[k] {
            Some(f) => add(x, mul(name("dt"), f.clone())),
            None => x,
        }
    }
}

/// The noise draws `xi_k = dt**.5 * randn()`, one per distinct name.
fn draws(sys: &Split) -> Vec<Statement> {
    sys.noise
        .iter()
        .map(|xi| {
            assign(
                xi,
                mul(
                    Expr::bin(BinOp::Pow, name("dt"), Expr::float(0.5)),
                    Expr::call("randn", vec![]),
                ),
            )
        })
        .collect()
}

fn support_name(what: &str, var: &str, xi: &str) -> String {
    format!("__{what}_{var}_{xi}")
}

/// Euler–Maruyama: `x_new = x + dt*f + Σ g_k*xi_k`, additive noise only.
pub(super) fn euler(eqs: &[DiffEq], sys: &Split, env: &dyn Env) -> Result<Vec<Statement>, String> {
    if sys.is_multiplicative(eqs, env) {
        return Err("Cannot integrate equations with multiplicative noise with this state updater.".into());
    }
    let mut out = draws(sys);
    for (k, e) in eqs.iter().enumerate() {
        let mut rhs = sys.drift_step(eqs, k);
        for (xi, g) in &sys.g[k] {
            rhs = add(rhs, mul(g.clone(), name(xi)));
        }
        out.push(assign(&format!("_{}", e.var), rhs));
    }
    Ok(out)
}

/// The differential variables a set of expressions mentions.
fn mentioned_vars<'a>(eqs: &'a [DiffEq], exprs: impl Iterator<Item = &'a Expr>) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for e in exprs {
        e.for_each_name(&mut |n, _| {
            if let Some(k) = eqs.iter().position(|d| d.var == n) {
                out.insert(k);
            }
        });
    }
    out
}

/// Stochastic Heun (Stratonovich), for any noise:
/// `x_support = x + g(x,t)*dW; g_support = g(x_support, t+dt);
///  x_new = x + dt*f(x,t) + .5*dW*(g(x,t) + g_support)`, for every noise variable.
pub(super) fn heun(eqs: &[DiffEq], sys: &Split) -> Vec<Statement> {
    let mut out = draws(sys);
    for xi in &sys.noise {
        // The supports of the variables some factor of this noise depends on
        // (for a variable without this noise, the support is the variable itself).
        let users = mentioned_vars(eqs, sys.g.iter().filter_map(|g| g.get(xi)));
        let mut support: Vec<Option<String>> = vec![None; eqs.len()];
        for k in users {
            if let Some(g) = sys.g[k].get(xi) {
                let s = support_name("x_support", &eqs[k].var, xi);
                out.push(assign(&s, add(name(&eqs[k].var), mul(g.clone(), name(xi)))));
                support[k] = Some(s);
            }
        }
        for (k, e) in eqs.iter().enumerate() {
            let Some(g) = sys.g[k].get(xi) else { continue };
            let g_support = g.substitute(&|n| {
                if n == "t" {
                    return Some(add(name("t"), name("dt")));
                }
                let j = eqs.iter().position(|d| d.var == n)?;
                support[j].as_deref().map(name)
            });
            out.push(assign(&support_name("g_support", &e.var, xi), g_support));
        }
    }
    for (k, e) in eqs.iter().enumerate() {
        let mut rhs = sys.drift_step(eqs, k);
        for (xi, g) in &sys.g[k] {
            let both = add(g.clone(), name(&support_name("g_support", &e.var, xi)));
            rhs = add(rhs, mul(mul(Expr::float(0.5), name(xi)), both));
        }
        out.push(assign(&format!("_{}", e.var), rhs));
    }
    out
}

/// Brian2's derivative-free Milstein, for diagonal noise (each equation at most
/// one noise variable, none shared):
/// `x_support = x + dt*f(x,t) + dt**.5*g(x,t); g_support = g(x_support, t);
///  k = 1/(2*dt**.5)*(g_support - g(x,t))*dW**2; x_new = x + dt*f(x,t) + g(x,t)*dW + k`.
pub(super) fn milstein(eqs: &[DiffEq], sys: &Split) -> Result<Vec<Statement>, String> {
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, g) in sys.g.iter().enumerate() {
        if g.len() > 1 {
            return Err(
                "Cannot integrate stochastic equations with non-diagonal noise with this state updater.".into(),
            );
        }
        for xi in g.keys() {
            if owner.insert(xi, k).is_some() {
                return Err(
                    "Cannot integrate stochastic equations with non-diagonal noise with this state updater.".into(),
                );
            }
        }
    }
    let sqrt_dt = || Expr::bin(BinOp::Pow, name("dt"), Expr::float(0.5));
    let mut out = draws(sys);
    for (xi, &k) in &owner {
        let Some(g) = sys.g[k].get(*xi) else { continue };
        // Every variable the factor depends on gets its support
        // `w + dt*f_w + dt**.5*g_w` (with `g_w = 0` for the others' noise).
        let users = mentioned_vars(eqs, std::iter::once(g));
        let mut support: Vec<Option<String>> = vec![None; eqs.len()];
        for j in users {
            let s = support_name("x_support", &eqs[j].var, xi);
            let mut e = sys.drift_step(eqs, j);
            if let Some(gj) = sys.g[j].get(*xi) {
                e = add(e, mul(sqrt_dt(), gj.clone()));
            }
            out.push(assign(&s, e));
            support[j] = Some(s);
        }
        let g_support = g.substitute(&|n| {
            let j = eqs.iter().position(|d| d.var == n)?;
            support[j].as_deref().map(name)
        });
        let var = &eqs[k].var;
        let gs = support_name("g_support", var, xi);
        out.push(assign(&gs, g_support));
        let diff = Expr::bin(BinOp::Sub, name(&gs), g.clone());
        out.push(assign(
            &support_name("k", var, xi),
            div(mul(diff, mul(name(xi), name(xi))), mul(Expr::float(2.0), sqrt_dt())),
        ));
    }
    for (k, e) in eqs.iter().enumerate() {
        let mut rhs = sys.drift_step(eqs, k);
        for (xi, g) in &sys.g[k] {
            rhs = add(rhs, mul(g.clone(), name(xi)));
            rhs = add(rhs, name(&support_name("k", &e.var, xi)));
        }
        out.push(assign(&format!("_{}", e.var), rhs));
    }
    Ok(out)
}
