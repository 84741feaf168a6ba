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
        ExprKind::Call(f, args) => {
            let x = eval(&args[0], vars);
            match f.as_str() {
                "exp" => x.exp(),
                "sqrt" => x.sqrt(),
                "sin" => x.sin(),
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

/// Compares our update of `model` with `method` against Brian2's golden code.
fn check(model: &[(&str, &str)], method: Method, golden: &str, values: &[(&str, f64)]) {
    let consts: HashMap<String, f64> = values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let env = Consts(consts.clone());
    let (m, ours) = integrate(&eqs(model), &[method], &env).unwrap();
    assert_eq!(m, method);
    let mut a = consts.clone();
    exec(&ours, &mut a);
    let golden = parse_statements(&Source::new("golden", golden)).unwrap();
    let mut b = consts.clone();
    exec(&golden, &mut b);
    for (v, _) in model {
        let key = format!("_{v}");
        let (x, y) = (a[&key], b[&key]);
        assert!(
            (x - y).abs() <= 1e-12 * y.abs().max(1e-300),
            "{method:?} {v}: ours {x} vs Brian2 {y}"
        );
    }
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
    assert!(Method::parse("milstein").unwrap_err().contains("not supported yet"));
}
