//! Numerical integration: differential equations → update statements
//! (brian2-semantics.md §5).
//!
//! Explicit methods are recipes, as in Brian2's `explicit.py`: the right-hand
//! sides are substituted into the scheme. `exact` is an analysis pass: the system
//! is written as `dX/dt = M X + c`; when `M` is known when compiling (constants and
//! `dt`), `X_new = A X + F c` with `A = expm(M dt)` and `F = ∫₀^dt expm(M s) ds`
//! computed numerically; when `M` is diagonal but depends on per-element values,
//! each variable gets the closed form `x_new = (x + b/a)·exp(a·dt) − b/a`.
//! `exponential_euler` applies that closed form to conditionally linear systems,
//! with coefficients taken at the old state.
//!
//! Stochastic equations (`xi`, `xi_*`) are split into `f + Σ g_k·xi_k`
//! (`stochastic.rs`); `euler` (additive noise), `heun` and `milstein` integrate
//! them, the other methods reject them.

mod cable;
mod linear;
mod stochastic;

use crate::syntax::ast::{AssignOp, BinOp, Expr, ExprKind, Statement};
pub use cable::split_membrane_current;
pub use linear::{LinearForm, eval_const, linear_form};
use stochastic::Split;
pub use stochastic::{is_noise_name, noise_names, split_stochastic};

/// An integration method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `exact` (alias `linear`): the analytic solution of linear systems (matrix exponential, or the closed form of a
    /// diagonal system whose coefficients vary per element).
    Exact,
    /// `euler`: forward Euler (Euler–Maruyama for additive noise).
    Euler,
    /// `rk2`: second-order Runge–Kutta (midpoint method).
    Rk2,
    /// `rk4`: classical fourth-order Runge–Kutta.
    Rk4,
    /// `heun`: Brian2's stochastic Heun scheme (allows multiplicative noise); forward Euler without noise.
    Heun,
    /// `exponential_euler`: each variable's closed form with coefficients taken at the old state (for conditionally
    /// linear systems such as Hodgkin–Huxley).
    ExponentialEuler,
    /// `milstein`: Brian2's derivative-free Milstein scheme; forward Euler without noise.
    Milstein,
}

impl Method {
    /// Brian2's name of the method (`exact`, `exponential_euler`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Euler => "euler",
            Method::Rk2 => "rk2",
            Method::Rk4 => "rk4",
            Method::Heun => "heun",
            Method::ExponentialEuler => "exponential_euler",
            Method::Milstein => "milstein",
        }
    }

    /// The options Brian2's state updater of the method takes
    /// (`method_options`): `exact`'s `simplify` (whether sympy simplifies
    /// the matrix exponential; spikejit computes it numerically, so either
    /// value gives the same update); the others take none.
    pub fn options(self) -> &'static [&'static str] {
        match self {
            Method::Exact => &["simplify"],
            _ => &[],
        }
    }

    /// Parses a method name; `Err` explains an unknown or unsupported one.
    pub fn parse(name: &str) -> Result<Method, String> {
        Ok(match name.trim() {
            "exact" | "linear" => Method::Exact,
            "euler" => Method::Euler,
            "rk2" => Method::Rk2,
            "rk4" => Method::Rk4,
            "heun" => Method::Heun,
            "exponential_euler" => Method::ExponentialEuler,
            "milstein" => Method::Milstein,
            "independent" | "gsl" | "gsl_rk2" | "gsl_rk4" | "gsl_rkf45" | "gsl_rkck" | "gsl_rk8pd" => {
                return Err(format!(
                    "the integration method '{name}' is not supported yet by spikejit"
                ));
            }
            other => {
                return Err(format!(
                    "no integration method with the name '{other}' is known (known: exact, linear, euler, rk2, rk4, heun, exponential_euler, milstein)"
                ));
            }
        })
    }
}

/// The default choice of Brian2: the first method that applies.
pub const DEFAULT_METHODS: [Method; 3] = [Method::Exact, Method::Euler, Method::Heun];

/// One differential equation, subexpressions already substituted.
#[derive(Clone, Debug)]
pub struct DiffEq {
    /// The variable `x` of `dx/dt`.
    pub var: String,
    /// The right-hand side `f`, with subexpressions inlined (units per second of `x`'s unit).
    pub rhs: Expr,
}

/// What the integrator needs to know about names.
pub trait Env {
    /// The value of a name known when compiling (constants, units, `dt`).
    fn constant(&self, name: &str) -> Option<f64>;
    /// Whether a name changes within a time step (`t`): coefficients using it are
    /// not constant over `dt`.
    fn is_time(&self, name: &str) -> bool {
        name == "t" || name == "t_in_timesteps"
    }
    /// Whether a function of `t` is constant over a time step (a TimedArray whose
    /// dt is at least the group's): calls to it keep `exact` applicable.
    fn locally_constant(&self, _function: &str) -> bool {
        false
    }
}

fn name(n: &str) -> Expr {
    Expr::name(n)
}

fn mul(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Mul, a, b)
}

fn add(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Add, a, b)
}

fn div(a: Expr, b: Expr) -> Expr {
    Expr::bin(BinOp::Div, a, b)
}

fn assign(target: &str, e: Expr) -> Statement {
    Statement {
        target: target.to_string(),
        target_span: Default::default(),
        op: AssignOp::Set,
        expr: e,
        span: Default::default(),
    }
}

/// Substitutes `x → x + k·scale` for every state variable and `t → t + dt·tfrac`.
fn shifted(rhs: &Expr, eqs: &[DiffEq], k_names: Option<&[String]>, scale: f64, tfrac: f64) -> Expr {
    rhs.substitute(&|n| {
        if let Some(ks) = k_names
            && let Some(pos) = eqs.iter().position(|e| e.var == n)
        {
            let k = name(&ks[pos]);
            let k = if scale == 1.0 { k } else { mul(Expr::float(scale), k) };
            return Some(add(name(n), k));
        }
        if n == "t" && tfrac != 0.0 {
            return Some(add(name("t"), mul(Expr::float(tfrac), name("dt"))));
        }
        None
    })
}

/// Update statements for deterministic `eqs` with an explicit method.
fn explicit(eqs: &[DiffEq], method: Method) -> Vec<Statement> {
    let mut out = Vec::new();
    let dt = || name("dt");
    match method {
        Method::Euler | Method::Heun | Method::Milstein => {
            // Without noise, Brian2's heun and milstein reduce to euler: x + dt*f(x, t).
            for e in eqs {
                out.push(assign(
                    &format!("_{}", e.var),
                    add(name(&e.var), mul(dt(), e.rhs.clone())),
                ));
            }
        }
        Method::Rk2 => {
            let ks: Vec<String> = eqs.iter().map(|e| format!("__k_{}", e.var)).collect();
            for (e, k) in eqs.iter().zip(&ks) {
                out.push(assign(k, mul(dt(), e.rhs.clone())));
            }
            for e in eqs {
                let f = shifted(&e.rhs, eqs, Some(&ks), 0.5, 0.5);
                out.push(assign(&format!("_{}", e.var), add(name(&e.var), mul(dt(), f))));
            }
        }
        Method::Rk4 => {
            let stage = |s: usize| -> Vec<String> { eqs.iter().map(|e| format!("__k_{s}_{}", e.var)).collect() };
            let (k1, k2, k3, k4) = (stage(1), stage(2), stage(3), stage(4));
            for (e, k) in eqs.iter().zip(&k1) {
                out.push(assign(k, mul(dt(), e.rhs.clone())));
            }
            for (e, k) in eqs.iter().zip(&k2) {
                out.push(assign(k, mul(dt(), shifted(&e.rhs, eqs, Some(&k1), 0.5, 0.5))));
            }
            for (e, k) in eqs.iter().zip(&k3) {
                out.push(assign(k, mul(dt(), shifted(&e.rhs, eqs, Some(&k2), 0.5, 0.5))));
            }
            for (e, k) in eqs.iter().zip(&k4) {
                out.push(assign(k, mul(dt(), shifted(&e.rhs, eqs, Some(&k3), 1.0, 1.0))));
            }
            for (n, e) in eqs.iter().enumerate() {
                let sum = add(
                    add(name(&k1[n]), mul(Expr::float(2.0), name(&k2[n]))),
                    add(mul(Expr::float(2.0), name(&k3[n])), name(&k4[n])),
                );
                out.push(assign(
                    &format!("_{}", e.var),
                    add(name(&e.var), div(sum, Expr::float(6.0))),
                ));
            }
        }
        // Not recipes; `integrate` handles them separately.
        Method::Exact | Method::ExponentialEuler => {}
    }
    out
}

/// Exponential Euler for conditionally linear systems: each variable linear in
/// itself, `dx/dt = A*x + B`, with `A` and `B` (which may depend non-linearly on the
/// other variables) taken at the old state.
fn exponential_euler(eqs: &[DiffEq], env: &dyn Env) -> Result<Vec<Statement>, String> {
    // A coefficient that is numerically zero when compiling counts as absent.
    let nonzero = |c: Option<Expr>| c.filter(|c| eval_const(c, env) != Some(0.0));
    let mut out = Vec::new();
    for e in eqs {
        let vars = [e.var.clone()];
        // Unlike Brian2, which drops non-linear self-terms (`v**2`), refuse them.
        let form = linear_form(&e.rhs, &vars).ok_or_else(|| {
            format!(
                "Can only solve conditionally linear systems with this state updater \
                 (the equation for '{}' is not linear in '{}')",
                e.var, e.var
            )
        })?;
        let a = nonzero(form.coeffs.into_iter().next().flatten());
        let b = nonzero(form.constant);
        let x = name(&e.var);
        let update = match (a, b) {
            (None, None) => x,
            (None, Some(b)) => add(x, mul(name("dt"), b)),
            (Some(a), None) => mul(x, Expr::call("exp", vec![mul(a, name("dt"))])),
            (Some(a), Some(b)) => {
                let ba = format!("_BA_{}", e.var);
                out.push(assign(&ba, div(b, a.clone())));
                Expr::bin(
                    BinOp::Add,
                    Expr::negate(name(&ba)),
                    mul(add(x, name(&ba)), Expr::call("exp", vec![mul(a, name("dt"))])),
                )
            }
        };
        out.push(assign(&format!("_{}", e.var), update));
    }
    Ok(out)
}

/// Whether an expression is constant over a time step (no `t`, no random function).
fn constant_over_dt(e: &Expr, env: &dyn Env) -> bool {
    match &e.kind {
        ExprKind::Name(n) => !env.is_time(n),
        ExprKind::Call(f, args) => {
            if matches!(f.as_str(), "rand" | "randn" | "poisson") {
                false
            } else if env.locally_constant(f) {
                true
            } else {
                args.iter().all(|a| constant_over_dt(a, env))
            }
        }
        ExprKind::Unary(_, a) => constant_over_dt(a, env),
        ExprKind::Binary(_, a, b) => constant_over_dt(a, env) && constant_over_dt(b, env),
        _ => true,
    }
}

/// Update statements with the exact method, or why it does not apply.
fn exact(eqs: &[DiffEq], env: &dyn Env) -> Result<Vec<Statement>, String> {
    let vars: Vec<String> = eqs.iter().map(|e| e.var.clone()).collect();
    let n = vars.len();
    let mut forms = Vec::with_capacity(n);
    for e in eqs {
        let f = linear_form(&e.rhs, &vars).ok_or_else(|| {
            format!(
                "the equation for '{}' could not be separated into linear components",
                e.var
            )
        })?;
        for c in f.coeffs.iter().flatten().chain(f.constant.iter()) {
            if !constant_over_dt(c, env) {
                return Err(format!(
                    "the coefficients of the equation for '{}' are not constant over a time step",
                    e.var
                ));
            }
        }
        forms.push(f);
    }
    // Event-driven updates have no constant dt: they take the closed form below.
    let dt = env.constant("dt");
    // M numeric?
    let mut m = vec![vec![0.0; n]; n];
    let mut numeric = true;
    for (r, f) in forms.iter().enumerate() {
        for (c, coef) in f.coeffs.iter().enumerate() {
            if let Some(coef) = coef {
                match eval_const(coef, env) {
                    Some(v) => m[r][c] = v,
                    None => numeric = false,
                }
            }
        }
    }
    let mut out = Vec::new();
    if let (true, Some(dt)) = (numeric, dt) {
        linear::check_solvable(&m)?;
        let (a, fmat) = linear::propagators(&m, dt);
        for r in 0..n {
            let mut terms: Vec<Expr> = Vec::new();
            for c in 0..n {
                if a[r][c] != 0.0 {
                    terms.push(if a[r][c] == 1.0 {
                        name(&vars[c])
                    } else {
                        mul(Expr::float(a[r][c]), name(&vars[c]))
                    });
                }
            }
            for c in 0..n {
                if let Some(cst) = &forms[c].constant
                    && fmat[r][c] != 0.0
                {
                    terms.push(mul(Expr::float(fmat[r][c]), cst.clone()));
                }
            }
            let e = terms.into_iter().reduce(add).unwrap_or_else(|| Expr::float(0.0));
            out.push(assign(&format!("_{}", vars[r]), e));
        }
        return Ok(out);
    }
    // Per-element coefficients: only a diagonal system has a closed form here.
    for (r, f) in forms.iter().enumerate() {
        for (c, coef) in f.coeffs.iter().enumerate() {
            if c != r && coef.is_some() {
                return Err("the coupled linear system has coefficients that are not constants".into());
            }
        }
        let Some(a) = f.coeffs[r].clone() else {
            return Err(format!(
                "the equation for '{}' does not depend on '{}' (singular system)",
                vars[r], vars[r]
            ));
        };
        let x = name(&vars[r]);
        let decay = Expr::call("exp", vec![mul(a.clone(), name("dt"))]);
        let e = match &f.constant {
            None => mul(x, decay),
            Some(b) => {
                let ba = div(b.clone(), a);
                Expr::bin(BinOp::Sub, mul(add(x, ba.clone()), decay), ba)
            }
        };
        out.push(assign(&format!("_{}", vars[r]), e));
    }
    Ok(out)
}

/// Integrates `eqs` (in the order they are given; Brian2 sorts them
/// alphabetically) with the first applicable method of `methods`. Returns the
/// chosen method and the statements: temporaries `_x` for every variable, then
/// `x = _x`.
pub fn integrate(eqs: &[DiffEq], methods: &[Method], env: &dyn Env) -> Result<(Method, Vec<Statement>), String> {
    // A noise symbol entering non-linearly is an error whatever the method.
    let split = Split::new(eqs)?;
    let stochastic = split.is_stochastic();
    let mut reasons = Vec::new();
    for &m in methods {
        let body = match m {
            Method::Exact | Method::ExponentialEuler if stochastic => {
                Err("Cannot solve stochastic equations with this state updater.".to_string())
            }
            Method::Rk2 | Method::Rk4 if stochastic => {
                Err("Cannot integrate stochastic equations with this state updater.".to_string())
            }
            Method::Exact => exact(eqs, env),
            Method::ExponentialEuler => exponential_euler(eqs, env),
            Method::Euler if stochastic => stochastic::euler(eqs, &split, env),
            Method::Heun if stochastic => Ok(stochastic::heun(eqs, &split)),
            Method::Milstein if stochastic => stochastic::milstein(eqs, &split),
            other => Ok(explicit(eqs, other)),
        };
        match body {
            Ok(mut stmts) => {
                for e in eqs {
                    stmts.push(assign(&e.var, name(&format!("_{}", e.var))));
                }
                return Ok((m, stmts));
            }
            Err(why) => reasons.push(format!("{}: {why}", m.name())),
        }
    }
    Err(if methods.len() == 1 {
        format!(
            "the method '{}' cannot integrate these equations ({})",
            methods[0].name(),
            reasons.join("; ")
        )
    } else {
        format!(
            "no integration method suitable for these equations was found ({})",
            reasons.join("; ")
        )
    })
}

#[cfg(test)]
mod tests;
