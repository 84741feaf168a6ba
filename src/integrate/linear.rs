//! The small symbolic layer behind `exact`: separating an expression into linear
//! components, evaluating constant coefficients, and the matrix exponential.

use super::Env;
use crate::syntax::ast::{BinOp, Expr, ExprKind, UnOp};

/// `f(X) = Σ coeffs[k]·X[k] + constant`; `None` entries are zero.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearForm {
    /// The coefficient of each variable of the system, in the order given to [`linear_form`].
    pub coeffs: Vec<Option<Expr>>,
    /// The part that mentions none of the variables.
    pub constant: Option<Expr>,
}

fn mentions_any(e: &Expr, vars: &[String]) -> bool {
    let mut found = false;
    e.for_each_name(&mut |n, _| found |= vars.iter().any(|v| v == n));
    found
}

fn opt_add(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Expr::bin(BinOp::Add, a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn opt_neg(a: Option<Expr>) -> Option<Expr> {
    a.map(Expr::negate)
}

impl LinearForm {
    fn zero(n: usize) -> LinearForm {
        LinearForm {
            coeffs: vec![None; n],
            constant: None,
        }
    }

    fn map(self, f: impl Fn(Expr) -> Expr) -> LinearForm {
        LinearForm {
            coeffs: self.coeffs.into_iter().map(|c| c.map(&f)).collect(),
            constant: self.constant.map(&f),
        }
    }
}

/// Separates `e` into linear components in `vars`, or `None` when it is not linear.
pub fn linear_form(e: &Expr, vars: &[String]) -> Option<LinearForm> {
    let n = vars.len();
    if !mentions_any(e, vars) {
        let mut f = LinearForm::zero(n);
        f.constant = Some(e.clone());
        return Some(f);
    }
    match &e.kind {
        ExprKind::Name(v) => {
            let mut f = LinearForm::zero(n);
            let k = vars.iter().position(|x| x == v)?;
            f.coeffs[k] = Some(Expr::float(1.0));
            Some(f)
        }
        ExprKind::Unary(UnOp::Neg, a) => {
            let f = linear_form(a, vars)?;
            Some(LinearForm {
                coeffs: f.coeffs.into_iter().map(opt_neg).collect(),
                constant: opt_neg(f.constant),
            })
        }
        ExprKind::Unary(UnOp::Pos, a) => linear_form(a, vars),
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
            let fa = linear_form(a, vars)?;
            let mut fb = linear_form(b, vars)?;
            if *op == BinOp::Sub {
                fb = LinearForm {
                    coeffs: fb.coeffs.into_iter().map(opt_neg).collect(),
                    constant: opt_neg(fb.constant),
                };
            }
            Some(LinearForm {
                coeffs: fa
                    .coeffs
                    .into_iter()
                    .zip(fb.coeffs)
                    .map(|(x, y)| opt_add(x, y))
                    .collect(),
                constant: opt_add(fa.constant, fb.constant),
            })
        }
        ExprKind::Binary(BinOp::Mul, a, b) => {
            if !mentions_any(a, vars) {
                let s = (**a).clone();
                Some(linear_form(b, vars)?.map(|x| Expr::bin(BinOp::Mul, s.clone(), x)))
            } else if !mentions_any(b, vars) {
                let s = (**b).clone();
                Some(linear_form(a, vars)?.map(|x| Expr::bin(BinOp::Mul, x, s.clone())))
            } else {
                None
            }
        }
        ExprKind::Binary(BinOp::Div, a, b) if !mentions_any(b, vars) => {
            let s = (**b).clone();
            Some(linear_form(a, vars)?.map(|x| Expr::bin(BinOp::Div, x, s.clone())))
        }
        _ => None,
    }
}

/// The value of an expression made of numbers, constants and pure math functions.
pub fn eval_const(e: &Expr, env: &dyn Env) -> Option<f64> {
    Some(match &e.kind {
        ExprKind::Int(v) => *v as f64,
        ExprKind::Float(v) => *v,
        ExprKind::Bool(b) => f64::from(u8::from(*b)),
        ExprKind::Name(n) => env.constant(n)?,
        ExprKind::Unary(UnOp::Neg, a) => -eval_const(a, env)?,
        ExprKind::Unary(UnOp::Pos, a) => eval_const(a, env)?,
        ExprKind::Unary(UnOp::Not, _) => return None,
        ExprKind::Binary(op, a, b) => {
            let (x, y) = (eval_const(a, env)?, eval_const(b, env)?);
            match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Pow => libm::pow(x, y),
                BinOp::FloorDiv => libm::floor(x / y),
                BinOp::Mod => x - y * libm::floor(x / y),
                _ => return None,
            }
        }
        ExprKind::Call(f, args) if args.len() == 1 => {
            let x = eval_const(&args[0], env)?;
            match f.as_str() {
                "exp" => libm::exp(x),
                "log" => libm::log(x),
                "log10" => libm::log10(x),
                "sqrt" => libm::sqrt(x),
                "sin" => libm::sin(x),
                "cos" => libm::cos(x),
                "tan" => libm::tan(x),
                "sinh" => libm::sinh(x),
                "cosh" => libm::cosh(x),
                "tanh" => libm::tanh(x),
                "abs" => x.abs(),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Brian2's conditions on the system matrix: invertible, real eigenvalues.
pub fn check_solvable(m: &[Vec<f64>]) -> Result<(), String> {
    let n = m.len();
    // Singular? (Gaussian elimination with partial pivoting.)
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let scale = m
        .iter()
        .flatten()
        .fold(0.0f64, |s, x| s.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        if a[piv][col].abs() <= 1e-12 * scale {
            return Err("the linear system is singular".into());
        }
        a.swap(col, piv);
        for r in col + 1..n {
            let (top, bottom) = a.split_at_mut(r);
            let (pivot, row) = (&top[col], &mut bottom[0]);
            let f = row[col] / pivot[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot[col..]) {
                *x -= f * p;
            }
        }
    }
    // Complex eigenvalues? A system whose coupling graph has no cycle is triangular up
    // to a permutation and has the (real) diagonal as eigenvalues. For coupled 2×2
    // blocks, look at the discriminant; larger cyclic systems are accepted.
    if n == 2 && m[0][1] != 0.0 && m[1][0] != 0.0 {
        let tr = m[0][0] + m[1][1];
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        if tr * tr - 4.0 * det < 0.0 {
            return Err("the solution of the linear system contains complex values".into());
        }
    }
    Ok(())
}

fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut c = vec![vec![0.0; n]; n];
    for i in 0..n {
        for k in 0..n {
            if a[i][k] == 0.0 {
                continue;
            }
            for j in 0..n {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

/// `expm(m)` by scaling and squaring of a Taylor series.
fn expm(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = m.len();
    let norm = m
        .iter()
        .map(|r| r.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let mut s = 0;
    while norm / f64::from(1u32 << s.min(30)) > 0.25 && s < 60 {
        s += 1;
    }
    let factor = 0.5f64.powi(s);
    let scaled: Vec<Vec<f64>> = m.iter().map(|r| r.iter().map(|x| x * factor).collect()).collect();
    let mut result: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut term = result.clone();
    for k in 1..30 {
        term = matmul(&term, &scaled);
        let inv = 1.0 / k as f64;
        for row in term.iter_mut() {
            for x in row.iter_mut() {
                *x *= inv;
            }
        }
        for i in 0..n {
            for j in 0..n {
                result[i][j] += term[i][j];
            }
        }
    }
    for _ in 0..s {
        result = matmul(&result, &result);
    }
    result
}

/// `(A, F)` with `A = expm(M·dt)` and `F = ∫₀^dt expm(M·s) ds`, so that
/// `X(t+dt) = A·X(t) + F·c` for `dX/dt = M·X + c`.
pub fn propagators(m: &[Vec<f64>], dt: f64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let n = m.len();
    let diagonal = (0..n).all(|i| (0..n).all(|j| i == j || m[i][j] == 0.0));
    if diagonal {
        // Exact scalar formulas, so that `dv/dt = -v/tau` gives `v*exp(-dt/tau)`.
        let mut a = vec![vec![0.0; n]; n];
        let mut f = vec![vec![0.0; n]; n];
        for i in 0..n {
            let x = m[i][i] * dt;
            a[i][i] = libm::exp(x);
            f[i][i] = if m[i][i] == 0.0 { dt } else { libm::expm1(x) / m[i][i] };
        }
        return (a, f);
    }
    // Augmented matrix [[M dt, I dt], [0, 0]]: its exponential holds A and F.
    let mut big = vec![vec![0.0; 2 * n]; 2 * n];
    for i in 0..n {
        for j in 0..n {
            big[i][j] = m[i][j] * dt;
        }
        big[i][n + i] = dt;
    }
    let e = expm(&big);
    let a = (0..n).map(|i| e[i][..n].to_vec()).collect();
    let f = (0..n).map(|i| e[i][n..].to_vec()).collect();
    (a, f)
}
