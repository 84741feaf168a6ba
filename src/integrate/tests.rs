//! The integrators against Brian2 2.9.0's golden update code
//! (brian2-semantics.md §5.2): both are evaluated on the same values and must
//! agree to rounding.

use std::collections::HashMap;

use super::*;
use crate::diag::Source;
use crate::syntax::ast::{ExprKind, UnOp};
use crate::syntax::{parse_expression, parse_statements};

struct Consts(HashMap<String, f64>);

impl Env for Consts {
    fn constant(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }
}

fn eval(e: &Expr, vars: &HashMap<String, f64>) -> f64 {
    match &e.kind {
        ExprKind::Int(v) => *v as f64,
        ExprKind::Float(v) => *v,
        ExprKind::Bool(b) => f64::from(u8::from(*b)),
        ExprKind::Name(n) => *vars.get(n).unwrap_or_else(|| panic!("no value for {n}")),
        ExprKind::Unary(UnOp::Neg, a) => -eval(a, vars),
        ExprKind::Unary(_, a) => eval(a, vars),
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (eval(a, vars), eval(b, vars));
            match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Pow => x.powf(y),
                _ => panic!("unexpected operator"),
            }
        }
        // A mocked standard normal number: `__randn` when given, else 1.
        ExprKind::Call(f, args) if args.is_empty() && f == "randn" => vars.get("__randn").copied().unwrap_or(1.0),
        ExprKind::Call(f, args) => {
            let x = eval(&args[0], vars);
            match f.as_str() {
                "exp" => x.exp(),
                "sqrt" => x.sqrt(),
                "sin" => x.sin(),
                "cos" => x.cos(),
                "exprel" => {
                    if x == 0.0 {
                        1.0
                    } else {
                        x.exp_m1() / x
                    }
                }
                _ => panic!("unexpected function {f}"),
            }
        }
    }
}

/// Runs statements sequentially on `vars`.
fn exec(stmts: &[Statement], vars: &mut HashMap<String, f64>) {
    for s in stmts {
        let v = eval(&s.expr, vars);
        vars.insert(s.target.clone(), v);
    }
}

fn eqs(model: &[(&str, &str)]) -> Vec<DiffEq> {
    model
        .iter()
        .map(|(v, rhs)| DiffEq {
            var: v.to_string(),
            rhs: parse_expression(&Source::new("rhs", *rhs)).unwrap(),
        })
        .collect()
}

/// Runs statements on `vars`; a statement drawing noise (`xi = dt**.5*randn()`)
/// takes the value `fixed` gives for it instead, after checking that it is
/// `sqrt(dt)` times the (mocked, 1) normal number.
fn exec_fixed(stmts: &[Statement], vars: &mut HashMap<String, f64>, fixed: &[(&str, f64)]) {
    for s in stmts {
        let mut v = eval(&s.expr, vars);
        if let Some((_, x)) = fixed.iter().find(|(k, _)| *k == s.target) {
            let want = vars["dt"].sqrt();
            assert!(
                (v - want).abs() <= 1e-15 * want,
                "{}: noise draw {v}, not sqrt(dt)",
                s.target
            );
            v = *x;
        }
        vars.insert(s.target.clone(), v);
    }
}

/// Compares our update of `model` with `method` against Brian2's golden code,
/// the noise symbols fixed to the values of `fixed`.
fn check_noise(model: &[(&str, &str)], method: Method, golden: &str, values: &[(&str, f64)], fixed: &[(&str, f64)]) {
    let consts: HashMap<String, f64> = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let env = Consts(consts.clone());
    let (m, ours) = integrate(&eqs(model), &[method], &env).unwrap();
    assert_eq!(m, method);
    // The draws come first, one per noise symbol.
    for (k, s) in ours.iter().enumerate() {
        assert_eq!(
            k < fixed.len(),
            fixed.iter().any(|(n, _)| *n == s.target),
            "statement {k} ({}) out of place",
            s.target
        );
    }
    let mut a = consts.clone();
    exec_fixed(&ours, &mut a, fixed);
    let golden = parse_statements(&Source::new("golden", golden)).unwrap();
    let mut b = consts.clone();
    exec_fixed(&golden, &mut b, fixed);
    for (v, _) in model {
        let key = format!("_{v}");
        let (x, y) = (a[&key], b[&key]);
        assert!(
            (x - y).abs() <= 1e-12 * y.abs().max(1e-300),
            "{method:?} {v}: ours {x} vs Brian2 {y}"
        );
        // And the final assignment.
        assert_eq!(a[*v], x);
    }
}

/// Compares our update of `model` with `method` against Brian2's golden code.
fn check(model: &[(&str, &str)], method: Method, golden: &str, values: &[(&str, f64)]) {
    check_noise(model, method, golden, values, &[]);
}

const LIF: &[(&str, f64)] = &[("v", 0.7), ("tau", 0.01), ("dt", 1e-4), ("El", -0.06), ("t", 0.0)];

#[test]
fn exact_lif() {
    check(&[("v", "-v/tau")], Method::Exact, "_v = v*exp(-dt/tau)", LIF);
    check(
        &[("v", "(El - v)/tau")],
        Method::Exact,
        "_v = El - El*exp(-dt/tau) + v*exp(-dt/tau)",
        LIF,
    );
}

#[test]
fn explicit_methods_lif() {
    check(&[("v", "-v/tau")], Method::Euler, "_v = -dt*v/tau + v", LIF);
    check(
        &[("v", "-v/tau")],
        Method::Rk2,
        "__k_v = -dt*v/tau\n_v = -dt*(__k_v/2 + v)/tau + v",
        LIF,
    );
    check(
        &[("v", "-v/tau")],
        Method::Rk4,
        "__k_1_v = -dt*v/tau\n__k_2_v = -dt*(__k_1_v/2 + v)/tau\n__k_3_v = -dt*(__k_2_v/2 + v)/tau\n\
         __k_4_v = -dt*(__k_3_v + v)/tau\n_v = __k_1_v/6 + __k_2_v/3 + __k_3_v/3 + __k_4_v/6 + v",
        LIF,
    );
    // Without noise, Brian2's heun is euler.
    check(&[("v", "-v/tau")], Method::Heun, "_v = -dt*v/tau + v", LIF);
}

#[test]
fn exact_cuba_coupled() {
    let values = [
        ("v", -0.055),
        ("ge", 0.002),
        ("gi", -0.003),
        ("taum", 0.02),
        ("taue", 0.005),
        ("taui", 0.01),
        ("El", -0.049),
        ("dt", 1e-4),
        ("t", 0.0),
    ];
    let golden = "_ge = ge*exp(-dt/taue)\n_gi = gi*exp(-dt/taui)\n\
        _v = El - El*exp(-dt/taum) + ge*taue*(-exp(dt/taue) + exp(dt/taum))*exp(-dt/taue)*exp(-dt/taum)/(taue - taum) \
        + gi*taui*(-exp(dt/taui) + exp(dt/taum))*exp(-dt/taui)*exp(-dt/taum)/(taui - taum) + v*exp(-dt/taum)";
    check(
        &[("ge", "-ge/taue"), ("gi", "-gi/taui"), ("v", "(ge+gi-(v-El))/taum")],
        Method::Exact,
        golden,
        &values,
    );
}

#[test]
fn exact_alpha_jordan_block() {
    let values = [("v", 0.3), ("x", 1.2), ("tau", 0.01), ("dt", 1e-4), ("t", 0.0)];
    check(
        &[("v", "(x - v)/tau"), ("x", "-x/tau")],
        Method::Exact,
        "_v = dt*x*exp(-dt/tau)/tau + v*exp(-dt/tau)\n_x = x*exp(-dt/tau)",
        &values,
    );
}

#[test]
fn method_choice() {
    let env = Consts(
        [("tau".to_string(), 0.01), ("dt".to_string(), 1e-4)]
            .into_iter()
            .collect(),
    );
    // Linear: exact.
    let (m, _) = integrate(&eqs(&[("v", "-v/tau")]), &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Exact);
    // Non-linear: euler.
    let (m, _) = integrate(&eqs(&[("v", "-v**2/tau")]), &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Euler);
    // Time-dependent coefficients: euler.
    let (m, _) = integrate(&eqs(&[("v", "-v*t/tau**2")]), &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Euler);
    // Singular (dv/dt = 1/tau): euler, as Brian2.
    let (m, _) = integrate(&eqs(&[("v", "1/tau")]), &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Euler);
    // Complex eigenvalues (an oscillator): euler, as Brian2.
    let (m, _) = integrate(&eqs(&[("x", "-y/tau"), ("y", "x/tau")]), &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Euler);
    // exact alone on a non-linear system is an error.
    assert!(integrate(&eqs(&[("v", "-v**2/tau")]), &[Method::Exact], &env).is_err());
}

#[test]
fn exact_with_per_element_coefficients() {
    // `tau` unknown at compile time (a per-neuron parameter): closed form per variable.
    let env = Consts([("dt".to_string(), 1e-4)].into_iter().collect());
    let (m, stmts) = integrate(&eqs(&[("v", "(I - v)/tau")]), &[Method::Exact], &env).unwrap();
    assert_eq!(m, Method::Exact);
    let mut vars: HashMap<String, f64> = [("v", 0.2), ("I", 1.5), ("tau", 0.02), ("dt", 1e-4)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    exec(&stmts, &mut vars);
    let want = 1.5 + (0.2 - 1.5) * (-1e-4f64 / 0.02).exp();
    assert!((vars["v"] - want).abs() < 1e-14);
}

#[test]
fn methods_parse() {
    assert_eq!(Method::parse("linear"), Ok(Method::Exact));
    assert!(Method::parse("foo").unwrap_err().contains("no integration method"));
    assert_eq!(Method::parse("milstein"), Ok(Method::Milstein));
    assert_eq!(Method::parse("exponential_euler"), Ok(Method::ExponentialEuler));
    assert!(Method::parse("gsl_rk4").unwrap_err().contains("not supported yet"));
    assert!(Method::parse("independent").unwrap_err().contains("not supported yet"));
    for m in [
        Method::Exact,
        Method::Euler,
        Method::Rk2,
        Method::Rk4,
        Method::Heun,
        Method::ExponentialEuler,
        Method::Milstein,
    ] {
        assert_eq!(Method::parse(m.name()), Ok(m));
    }
}

// ---------------------------------------------------------------------------
// exponential_euler

#[test]
fn exponential_euler_golden() {
    check(&[("v", "-v/tau")], Method::ExponentialEuler, "_v = v*exp(-dt/tau)", LIF);
    check(
        &[("v", "(El - v)/tau")],
        Method::ExponentialEuler,
        "_BA_v = -El\n_v = -_BA_v + (_BA_v + v)*exp(-dt/tau)",
        LIF,
    );
}

#[test]
fn exponential_euler_conditionally_linear() {
    // A gating variable: linear in itself, non-linear in v; v is linear in itself
    // and non-linear in m. A, B of both come from the old state. (Derived from
    // Brian2's recipe: A = -(alpha + beta), B = alpha.)
    let values = [
        ("v", -0.055),
        ("m", 0.3),
        ("tau", 0.01),
        ("dt", 1e-4),
        ("El", -0.07),
        ("mV", 1e-3),
        ("ms", 1e-3),
        ("t", 0.0),
    ];
    check(
        &[
            ("m", "exp(v/(10*mV))/ms*(1 - m) - m*exp(-v/(20*mV))/ms"),
            ("v", "(El - v)/tau*m**3 + sin(m)*mV/ms"),
        ],
        Method::ExponentialEuler,
        "_BA_m = -exp(v/(10*mV))/(exp(v/(10*mV)) + exp(-v/(20*mV)))\n\
         _m = -_BA_m + (_BA_m + m)*exp(-dt*(exp(v/(10*mV)) + exp(-v/(20*mV)))/ms)\n\
         _BA_v = (El*m**3/tau + sin(m)*mV/ms)/(-m**3/tau)\n\
         _v = -_BA_v + (_BA_v + v)*exp(-dt*m**3/tau)",
        &values,
    );
    // A == 0 (no self-dependence): x + dt*B.
    check(
        &[("v", "-v/tau"), ("x", "sin(v)/tau")],
        Method::ExponentialEuler,
        "_v = v*exp(-dt/tau)\n_x = x + dt*sin(v)/tau",
        &[("v", 0.3), ("x", 0.1), ("tau", 0.01), ("dt", 1e-4), ("t", 0.0)],
    );
}

#[test]
fn exponential_euler_rejects_nonlinear_self_dependence() {
    let env = Consts(
        [("tau".to_string(), 0.01), ("dt".to_string(), 1e-4)]
            .into_iter()
            .collect(),
    );
    // Brian2 drops the v**2 term and integrates (-v)/tau: we refuse.
    for rhs in ["(v**2 - v)/tau", "-v*v/tau", "exp(-v)/tau", "-v/(tau + v)"] {
        let err = integrate(&eqs(&[("v", rhs)]), &[Method::ExponentialEuler], &env).unwrap_err();
        assert!(err.contains("conditionally linear"), "{rhs}: {err}");
        let (m, _) = integrate(&eqs(&[("v", rhs)]), &[Method::ExponentialEuler, Method::Euler], &env).unwrap();
        assert_eq!(m, Method::Euler);
    }
    // Stochastic equations are not for exponential_euler.
    let err = integrate(
        &eqs(&[("v", "-v/tau + xi/sqrt(tau)")]),
        &[Method::ExponentialEuler],
        &env,
    )
    .unwrap_err();
    assert!(err.contains("stochastic"), "{err}");
}

/// COBAHH (brian2 examples/COBAHH.py, the `exprel` version).
const COBAHH: &str = "
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms : Hz
beta_h = 4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5.*mV))/ms : Hz
beta_n = .5*exp((10.*mV-v+VT)/(40.*mV))/ms : Hz
";

fn cobahh_constants(dt: f64) -> HashMap<String, f64> {
    let area = 20000e-12;
    [
        ("Cm", 1e-6 * 1e4 * area),
        ("gl", 5e-5 * 1e4 * area),
        ("El", -60e-3),
        ("EK", -90e-3),
        ("ENa", 50e-3),
        ("g_na", 100e-3 * 1e4 * area),
        ("g_kd", 30e-3 * 1e4 * area),
        ("VT", -63e-3),
        ("taue", 5e-3),
        ("taui", 10e-3),
        ("Ee", 0.0),
        ("Ei", -80e-3),
        ("mV", 1e-3),
        ("ms", 1e-3),
        ("dt", dt),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn cobahh_eqs() -> Vec<DiffEq> {
    use crate::model::equations::{Equations, Owner};
    let model = Equations::parse(Source::new("COBAHH", COBAHH), Owner::NeuronGroup).unwrap();
    model
        .differential()
        .iter()
        .map(|v| DiffEq {
            var: v.name().to_string(),
            rhs: model.substitute_subexpressions(v.rhs().unwrap()),
        })
        .collect()
}

/// `v` after `duration` of COBAHH from a fixed state, with `method`, and the
/// largest `v` on the way.
fn cobahh_run(method: Method, dt: f64, duration: f64) -> (f64, f64) {
    let consts = cobahh_constants(dt);
    let (m, stmts) = integrate(&cobahh_eqs(), &[method], &Consts(consts.clone())).unwrap();
    assert_eq!(m, method);
    let mut vars = consts;
    for (k, v) in [
        ("v", -0.062),
        ("m", 0.05),
        ("n", 0.3),
        ("h", 0.6),
        ("ge", 40e-9),
        ("gi", 20e-9),
        ("t", 0.0),
    ] {
        vars.insert(k.to_string(), v);
    }
    let steps = (duration / dt).round() as usize;
    let mut peak = f64::NEG_INFINITY;
    for _ in 0..steps {
        exec(&stmts, &mut vars);
        peak = peak.max(vars["v"]);
    }
    (vars["v"], peak)
}

#[test]
fn cobahh_integrates_with_exponential_euler() {
    let env = Consts(cobahh_constants(1e-4));
    let eqs = cobahh_eqs();
    assert_eq!(eqs.len(), 6);
    let (m, _) = integrate(&eqs, &[Method::ExponentialEuler], &env).unwrap();
    assert_eq!(m, Method::ExponentialEuler);
    // The default list: not linear, so euler.
    let (m, _) = integrate(&eqs, &DEFAULT_METHODS, &env).unwrap();
    assert_eq!(m, Method::Euler);
    // The strong excitation makes the neuron spike within 5 ms: exponential Euler
    // at 0.01 ms follows an RK4 reference at 1 µs to first order.
    let (reference, peak) = cobahh_run(Method::Rk4, 1e-6, 5e-3);
    let (coarse, coarse_peak) = cobahh_run(Method::ExponentialEuler, 1e-5, 5e-3);
    let (fine, _) = cobahh_run(Method::ExponentialEuler, 5e-6, 5e-3);
    let (e1, e2) = ((coarse - reference).abs(), (fine - reference).abs());
    eprintln!("COBAHH v(5 ms): reference {reference} (peak {peak}), errors {e1:e} (0.01 ms), {e2:e} (5 µs)");
    assert!(peak > 0.0 && coarse_peak > 0.0, "no spike: peaks {peak}, {coarse_peak}");
    assert!(reference.is_finite() && reference > -0.1 && reference < 0.0);
    assert!(e1 < 2e-3, "{e1}");
    assert!(e2 < 0.6 * e1, "not first order: {e1:e}, {e2:e}");
}

// ---------------------------------------------------------------------------
// Stochastic equations

const OU: &[(&str, f64)] = &[("v", 0.7), ("tau", 0.01), ("dt", 1e-4), ("sigma", 0.3), ("t", 0.0)];

#[test]
fn stochastic_euler_golden() {
    check_noise(
        &[("v", "-v/tau + sigma*sqrt(2/tau)*xi")],
        Method::Euler,
        "xi = dt**.5 * randn()\n_v = -dt*v/tau + sigma*xi*sqrt(2/tau) + v",
        OU,
        &[("xi", 0.0123)],
    );
    // Pure noise, no drift.
    check_noise(
        &[("v", "sigma*xi/sqrt(tau)")],
        Method::Euler,
        "xi = dt**.5 * randn()\n_v = sigma*xi/sqrt(tau) + v",
        OU,
        &[("xi", -0.0071)],
    );
}

#[test]
fn stochastic_heun_golden() {
    // Additive noise.
    check_noise(
        &[("v", "-v/tau + sigma*sqrt(2/tau)*xi")],
        Method::Heun,
        "xi = dt**.5*randn()\n__x_support_v_xi = sigma*xi*sqrt(2/tau) + v\n__g_support_v_xi = sigma*sqrt(2/tau)\n\
         _v = 0.5*__g_support_v_xi*xi - dt*v/tau + 0.5*sigma*xi*sqrt(2/tau) + v",
        OU,
        &[("xi", 0.0123)],
    );
    // Multiplicative noise.
    check_noise(
        &[("v", "-v/tau + v*xi/sqrt(tau)")],
        Method::Heun,
        "xi = dt**.5 * randn()\n__x_support_v_xi = v*xi/sqrt(tau) + v\n__g_support_v_xi = __x_support_v_xi/sqrt(tau)\n\
         _v = 0.5*__g_support_v_xi*xi - dt*v/tau + 0.5*v*xi/sqrt(tau) + v",
        OU,
        &[("xi", -0.0091)],
    );
}

#[test]
fn stochastic_heun_coupled_and_shared_noise() {
    // xi_a drives both equations (one realisation), xi_b only y; each noise has its
    // own supports (Brian2's recipe, written out by hand). g depends on t: t+dt.
    let values = [
        ("x", 0.4),
        ("y", -0.2),
        ("tau", 0.01),
        ("dt", 1e-4),
        ("s", 0.5),
        ("t", 0.003),
        ("ms", 1e-3),
    ];
    check_noise(
        &[
            ("x", "-x/tau + y*xi_a/sqrt(tau)"),
            ("y", "-y/tau + x*xi_a/sqrt(tau) + s*(1 + t/ms)*xi_b"),
        ],
        Method::Heun,
        "xi_a = dt**.5*randn()\nxi_b = dt**.5*randn()\n\
         __x_support_x_xi_a = x + y*xi_a/sqrt(tau)\n__x_support_y_xi_a = y + x*xi_a/sqrt(tau)\n\
         __g_support_x_xi_a = __x_support_y_xi_a/sqrt(tau)\n__g_support_y_xi_a = __x_support_x_xi_a/sqrt(tau)\n\
         __g_support_y_xi_b = s*(1 + (t + dt)/ms)\n\
         _x = x - dt*x/tau + 0.5*xi_a*(y/sqrt(tau) + __g_support_x_xi_a)\n\
         _y = y - dt*y/tau + 0.5*xi_a*(x/sqrt(tau) + __g_support_y_xi_a) + 0.5*xi_b*(s*(1 + t/ms) + __g_support_y_xi_b)",
        &values,
        &[("xi_a", 0.013), ("xi_b", -0.004)],
    );
    // Additive shared noise with euler: the same realisation in both equations.
    check_noise(
        &[("x", "-x/tau + s*xi_1"), ("y", "-y/tau + 2*s*xi_1 + xi_2*s")],
        Method::Euler,
        "xi_1 = dt**.5*randn()\nxi_2 = dt**.5*randn()\n_x = x - dt*x/tau + s*xi_1\n\
         _y = y - dt*y/tau + 2*s*xi_1 + s*xi_2",
        &values,
        &[("xi_1", 0.011), ("xi_2", 0.007)],
    );
}

#[test]
fn stochastic_milstein_golden() {
    // Brian2's derivative-free Milstein recipe, written out.
    check_noise(
        &[("v", "-v/tau + v*xi/sqrt(tau)")],
        Method::Milstein,
        "xi = dt**.5*randn()\n__x_support_v_xi = v - dt*v/tau + dt**.5*v/sqrt(tau)\n\
         __g_support_v_xi = __x_support_v_xi/sqrt(tau)\n\
         __k_v_xi = 1/(2*dt**.5)*(__g_support_v_xi - v/sqrt(tau))*(xi**2)\n\
         _v = v - dt*v/tau + v*xi/sqrt(tau) + __k_v_xi",
        OU,
        &[("xi", 0.0093)],
    );
    // A deterministic variable next to a noisy one uses its drift in the support.
    check_noise(
        &[("v", "-v/tau + w*xi_1/sqrt(tau)"), ("w", "(1 - w)/tau")],
        Method::Milstein,
        "xi_1 = dt**.5*randn()\n__x_support_w_xi_1 = w + dt*(1 - w)/tau\n\
         __g_support_v_xi_1 = __x_support_w_xi_1/sqrt(tau)\n\
         __k_v_xi_1 = 1/(2*dt**.5)*(__g_support_v_xi_1 - w/sqrt(tau))*(xi_1**2)\n\
         _v = v - dt*v/tau + w*xi_1/sqrt(tau) + __k_v_xi_1\n_w = w + dt*(1 - w)/tau",
        &[("v", 0.7), ("w", 0.2), ("tau", 0.01), ("dt", 1e-4), ("t", 0.0)],
        &[("xi_1", -0.012)],
    );
}

#[test]
fn stochastic_method_choice() {
    let env = Consts(
        [
            ("tau".to_string(), 0.01),
            ("dt".to_string(), 1e-4),
            ("sigma".to_string(), 0.3),
        ]
        .into_iter()
        .collect(),
    );
    let run = |model: &[(&str, &str)], methods: &[Method]| integrate(&eqs(model), methods, &env);
    // Additive: euler.
    let (m, _) = run(&[("v", "-v/tau + sigma*sqrt(2/tau)*xi")], &DEFAULT_METHODS).unwrap();
    assert_eq!(m, Method::Euler);
    // Multiplicative (state or time in the factor): heun.
    for model in [
        [("v", "-v/tau + v*xi/sqrt(tau)")],
        [("v", "-v/tau + sigma*t/tau**1.5*xi")],
    ] {
        let (m, _) = run(&model, &DEFAULT_METHODS).unwrap();
        assert_eq!(m, Method::Heun);
        let err = run(&model, &[Method::Euler]).unwrap_err();
        assert!(
            err.contains("Cannot integrate equations with multiplicative noise"),
            "{err}"
        );
    }
    // Noise on another variable: multiplicative too.
    let (m, _) = run(&[("v", "-v/tau + w*xi/sqrt(tau)"), ("w", "-w/tau")], &DEFAULT_METHODS).unwrap();
    assert_eq!(m, Method::Heun);
    // Linear deterministic: exact.
    let (m, _) = run(&[("v", "-v/tau")], &DEFAULT_METHODS).unwrap();
    assert_eq!(m, Method::Exact);
    // exact, rk2, rk4, exponential_euler refuse noise.
    for method in [Method::Exact, Method::Rk2, Method::Rk4, Method::ExponentialEuler] {
        let err = run(&[("v", "-v/tau + sigma*xi/sqrt(tau)")], &[method]).unwrap_err();
        assert!(err.contains("stochastic equations"), "{method:?}: {err}");
    }
    // milstein: diagonal noise only.
    for model in [
        &[("x", "-x/tau + sigma*xi_1/sqrt(tau) + sigma*xi_2/sqrt(tau)")][..],
        &[
            ("x", "-x/tau + sigma*xi_1/sqrt(tau)"),
            ("y", "-y/tau + sigma*xi_1/sqrt(tau)"),
        ][..],
    ] {
        let err = run(model, &[Method::Milstein]).unwrap_err();
        assert!(err.contains("non-diagonal"), "{err}");
        let (m, _) = run(model, &[Method::Milstein, Method::Heun]).unwrap();
        assert_eq!(m, Method::Heun);
    }
    // Noise entering non-linearly is an error whatever the method.
    for rhs in [
        "-v/tau + sigma*xi**2",
        "-v/tau + sigma*exp(xi)/sqrt(tau)",
        "sigma/xi",
        "xi_1*xi_2*sigma*tau**0.5",
    ] {
        let err = run(&[("v", rhs)], &[Method::Heun]).unwrap_err();
        assert!(
            err.contains("cannot be separated into stochastic and non-stochastic"),
            "{rhs}: {err}"
        );
    }
}

#[test]
fn split_into_drift_and_noise() {
    let parse = |s: &str| parse_expression(&Source::new("rhs", s)).unwrap();
    let (f, g) = split_stochastic(&parse("(-v + sigma*sqrt(tau)*xi)/tau + xi_b*s - xi_b*s2")).unwrap();
    let vals: HashMap<String, f64> = [("v", 0.5), ("sigma", 2.0), ("tau", 0.25), ("s", 3.0), ("s2", 1.0)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert!((eval(&f.unwrap(), &vals) - (-2.0)).abs() < 1e-15);
    assert_eq!(g.keys().collect::<Vec<_>>(), ["xi", "xi_b"]);
    assert!((eval(&g["xi"], &vals) - 4.0).abs() < 1e-15);
    assert!((eval(&g["xi_b"], &vals) - 2.0).abs() < 1e-15);
    // No drift.
    let (f, g) = split_stochastic(&parse("xi")).unwrap();
    assert!(f.is_none());
    assert_eq!(g["xi"].to_string(), "1.0");
    assert!(split_stochastic(&parse("v*xi*xi")).is_err());
}

// ---------------------------------------------------------------------------
// Convergence: global error at two step sizes against the exact solution.

/// `v(T)` integrating `model` (one variable `v`, `v(0) = 1`) with step `h`.
fn integrate_to(model: &str, method: Method, h: f64, t_end: f64) -> f64 {
    let mut consts: HashMap<String, f64> = [("tau", 0.01), ("dt", h)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let (m, stmts) = integrate(&eqs(&[("v", model)]), &[method], &Consts(consts.clone())).unwrap();
    assert_eq!(m, method);
    consts.insert("v".into(), 1.0);
    let steps = (t_end / h).round() as usize;
    for k in 0..steps {
        consts.insert("t".into(), k as f64 * h);
        exec(&stmts, &mut consts);
    }
    consts["v"]
}

#[test]
fn convergence_orders() {
    let t_end = 0.02;
    // dv/dt = -v/tau: v(T) = exp(-T/tau).
    let decay = (-t_end / 0.01f64).exp();
    // dv/dt = (cos(t/tau) - v)/tau: v = (cos s + sin s)/2 + (v0 - 1/2) exp(-s), s = t/tau.
    let s = t_end / 0.01;
    let forced = (s.cos() + s.sin()) / 2.0 + 0.5 * (-s).exp();
    for (model, exact) in [("-v/tau", decay), ("(cos(t/tau) - v)/tau", forced)] {
        for (method, order) in [
            (Method::Euler, 1),
            (Method::Heun, 1),
            (Method::Milstein, 1),
            (Method::Rk2, 2),
            (Method::Rk4, 4),
        ] {
            let e1 = (integrate_to(model, method, 1e-3, t_end) - exact).abs();
            let e2 = (integrate_to(model, method, 5e-4, t_end) - exact).abs();
            let observed = (e1 / e2).log2();
            assert!(
                (observed - f64::from(order)).abs() < 0.15,
                "{model} {method:?}: errors {e1:e}, {e2:e}, order {observed}"
            );
        }
        // exponential_euler: first order with a time-dependent forcing.
        if model.contains("cos") {
            let e1 = (integrate_to(model, Method::ExponentialEuler, 1e-3, t_end) - exact).abs();
            let e2 = (integrate_to(model, Method::ExponentialEuler, 5e-4, t_end) - exact).abs();
            let observed = (e1 / e2).log2();
            assert!((observed - 1.0).abs() < 0.15, "exponential_euler order {observed}");
        }
    }
    // exponential_euler (and exact) are exact for linear equations with constant coefficients.
    for method in [Method::ExponentialEuler, Method::Exact] {
        for model in ["-v/tau", "(0.3 - v)/tau"] {
            let want = if model == "-v/tau" { decay } else { 0.3 + 0.7 * decay };
            let got = integrate_to(model, method, 1e-3, t_end);
            assert!((got - want).abs() < 1e-14, "{method:?} {model}: {got} vs {want}");
        }
    }
}

// ---------------------------------------------------------------------------
// Stochastic semantics, statistically: Brian2's heun and milstein integrate the
// Stratonovich SDE. For dx = sigma*x ∘ dW, x(T) = x0*exp(sigma*W(T)) and
// E[x(T)] = x0*exp(sigma²T/2); the Itô reading would give x0.

/// xorshift64* with Box–Muller: a small deterministic normal generator.
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn sample(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Mean and standard error of x(T) over `paths` paths of `model` with `method`.
fn monte_carlo(model: &str, method: Method, paths: usize) -> (f64, f64) {
    let (h, steps) = (1e-3, 100);
    let mut consts: HashMap<String, f64> = [("sigma", 0.5f64.sqrt() / 0.1f64.sqrt()), ("dt", h), ("t", 0.0)]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let (m, stmts) = integrate(&eqs(&[("x", model)]), &[method], &Consts(consts.clone())).unwrap();
    assert_eq!(m, method);
    let mut rng = Normal(0x1234_5678_9ABC_DEF1);
    let (mut sum, mut sum2) = (0.0, 0.0);
    for _ in 0..paths {
        consts.insert("x".into(), 1.0);
        for _ in 0..steps {
            consts.insert("__randn".into(), rng.sample());
            exec(&stmts, &mut consts);
        }
        let x = consts["x"];
        sum += x;
        sum2 += x * x;
    }
    let mean = sum / paths as f64;
    let var = sum2 / paths as f64 - mean * mean;
    (mean, (var / paths as f64).sqrt())
}

#[test]
fn stratonovich_geometric_noise() {
    // sigma² T = 0.5 → E[x(T)] = exp(0.25).
    let want = 0.25f64.exp();
    for method in [Method::Heun, Method::Milstein] {
        let (mean, se) = monte_carlo("sigma*x*xi", method, 20000);
        assert!(
            (mean - want).abs() < 4.0 * se + 0.005,
            "{method:?}: mean {mean} ± {se}, want {want}"
        );
    }
    // Additive noise with euler: E[x(T)] = x0, Var = sigma² T.
    let (mean, se) = monte_carlo("sigma*xi", Method::Euler, 20000);
    assert!((mean - 1.0).abs() < 4.0 * se, "euler: mean {mean} ± {se}");
    assert!(
        (se * 20000f64.sqrt() - 0.5f64.sqrt()).abs() < 0.03,
        "euler: sd {}",
        se * 20000f64.sqrt()
    );
}
