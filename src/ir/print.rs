//! The text form of a kernel (for humans, snapshot tests and the kernel cache)
//! and the type checker of the IR.
//!
//! The text form is deterministic: the same kernel always prints the same text,
//! and two kernels that differ in anything a backend looks at print differently
//! (floats print in Rust's round-trip form, parentheses follow precedence).

use std::fmt::{self, Display, Write};

use super::{BinOp, ElemTy, Expr, Func, Kernel, Stmt, Ty, UnOp};

/// How references to arrays, scalars and locals are spelled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Names {
    /// By their declared names (readable).
    Declared,
    /// By kind and index (`a0`, `s1`, `l2`): the text then depends only on what
    /// the backends see, not on how the lowering named things.
    Ids,
}

struct Printer<'k> {
    k: &'k Kernel,
    names: Names,
}

/// Binding power of a unary operator for the printer (see `BinOp::precedence`):
/// `-x` binds tighter than `*` but looser than `**`; `not x` binds looser than
/// comparisons, as in Python.
fn unary_precedence(op: UnOp) -> u8 {
    match op {
        UnOp::Neg => 7,
        UnOp::Not => 3,
    }
}

/// Binding power of an expression as an operand; atoms bind tightest.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary(op, _, _) => op.precedence(),
        Expr::Unary(op, _) => unary_precedence(*op),
        // A negative literal prints with a leading minus: treat it like `-x`.
        Expr::F64(x) if x.is_sign_negative() => 7,
        Expr::F32(x) if x.is_sign_negative() => 7,
        Expr::I64(x) if *x < 0 => 7,
        _ => u8::MAX,
    }
}

impl Printer<'_> {
    fn array(&self, f: &mut impl Write, id: usize) -> fmt::Result {
        match (self.names, self.k.arrays.get(id)) {
            (Names::Declared, Some(a)) => f.write_str(&a.name),
            _ => write!(f, "a{id}"),
        }
    }

    fn scalar(&self, f: &mut impl Write, id: usize) -> fmt::Result {
        match (self.names, self.k.scalars.get(id)) {
            (Names::Declared, Some(s)) => f.write_str(&s.name),
            _ => write!(f, "s{id}"),
        }
    }

    fn local(&self, f: &mut impl Write, id: usize) -> fmt::Result {
        match (self.names, self.k.locals.get(id)) {
            (Names::Declared, Some(l)) => f.write_str(&l.name),
            _ => write!(f, "l{id}"),
        }
    }

    /// Prints `e` as an operand that needs a binding power of at least `min`.
    fn operand(&self, f: &mut impl Write, e: &Expr, min: u8) -> fmt::Result {
        if precedence(e) < min {
            f.write_char('(')?;
            self.expr(f, e)?;
            f.write_char(')')
        } else {
            self.expr(f, e)
        }
    }

    fn expr(&self, f: &mut impl Write, e: &Expr) -> fmt::Result {
        match e {
            // `{:?}` is the shortest text that reads back to the same bits
            // (and keeps a `.0` on integral values); NaN payloads are lost, which
            // no backend distinguishes.
            Expr::F64(x) => write!(f, "{x:?}"),
            Expr::F32(x) => write!(f, "{x:?}f32"),
            Expr::I64(x) => write!(f, "{x}"),
            Expr::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Expr::Local(l) => self.local(f, *l),
            Expr::Scalar(s) => self.scalar(f, *s),
            Expr::Load(a, i) => {
                self.array(f, *a)?;
                f.write_char('[')?;
                self.expr(f, i)?;
                f.write_char(']')
            }
            Expr::Unary(op, x) => {
                let p = unary_precedence(*op);
                f.write_str(match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "not ",
                })?;
                // `- -x` would read as a decrement in some eyes; parenthesise
                // nested unary operators and negative literals.
                let min = if matches!(**x, Expr::Unary(..)) || precedence(x) == 7 {
                    u8::MAX
                } else {
                    p
                };
                self.operand(f, x, min)
            }
            Expr::Binary(op, a, b) => {
                let p = op.precedence();
                // Left-associative operators need parentheses around a right
                // operand of equal power; `**` (right-associative) around a left
                // one; comparisons (which chain in Python) around both.
                let (lmin, rmin) = if *op == BinOp::Pow {
                    (p + 1, p)
                } else if op.is_comparison() {
                    (p + 1, p + 1)
                } else {
                    (p, p + 1)
                };
                self.operand(f, a, lmin)?;
                write!(f, " {} ", op.symbol())?;
                self.operand(f, b, rmin)
            }
            Expr::Cast(t, x) => {
                write!(f, "{}(", t.name())?;
                self.expr(f, x)?;
                f.write_char(')')
            }
            Expr::Select(c, a, b) => {
                f.write_str("select(")?;
                self.expr(f, c)?;
                f.write_str(", ")?;
                self.expr(f, a)?;
                f.write_str(", ")?;
                self.expr(f, b)?;
                f.write_char(')')
            }
            Expr::Call(func, args) => {
                match func {
                    Func::Extern(x) => write!(f, "extern@{:#x}(", x.addr)?,
                    _ => write!(f, "{}(", func.name())?,
                }
                for (n, a) in args.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    self.expr(f, a)?;
                }
                f.write_char(')')
            }
        }
    }

    fn block(&self, f: &mut impl Write, body: &[Stmt], depth: usize) -> fmt::Result {
        for s in body {
            self.stmt(f, s, depth)?;
        }
        Ok(())
    }

    /// ` {`, the statements one level deeper, and `}` at this level.
    fn braced(&self, f: &mut impl Write, body: &[Stmt], depth: usize) -> fmt::Result {
        f.write_str(" {\n")?;
        self.block(f, body, depth + 1)?;
        Self::indent(f, depth)?;
        f.write_char('}')
    }

    fn indent(f: &mut impl Write, depth: usize) -> fmt::Result {
        for _ in 0..depth {
            f.write_str("    ")?;
        }
        Ok(())
    }

    fn stmt(&self, f: &mut impl Write, s: &Stmt, depth: usize) -> fmt::Result {
        Self::indent(f, depth)?;
        match s {
            Stmt::Assign(l, e) => {
                self.local(f, *l)?;
                f.write_str(" = ")?;
                self.expr(f, e)?;
                f.write_char('\n')
            }
            Stmt::Store { array, index, value } => {
                self.array(f, *array)?;
                f.write_char('[')?;
                self.expr(f, index)?;
                f.write_str("] = ")?;
                self.expr(f, value)?;
                f.write_char('\n')
            }
            Stmt::If { cond, then, els } => {
                f.write_str("if ")?;
                self.expr(f, cond)?;
                self.braced(f, then, depth)?;
                if !els.is_empty() {
                    f.write_str(" else")?;
                    self.braced(f, els, depth)?;
                }
                f.write_char('\n')
            }
            Stmt::For { var, start, end, body } => {
                f.write_str("for ")?;
                self.local(f, *var)?;
                f.write_str(" in ")?;
                self.expr(f, start)?;
                f.write_str(" .. ")?;
                self.expr(f, end)?;
                self.braced(f, body, depth)?;
                f.write_char('\n')
            }
            Stmt::While { cond, body } => {
                f.write_str("while ")?;
                self.expr(f, cond)?;
                self.braced(f, body, depth)?;
                f.write_char('\n')
            }
            Stmt::Eval(e) => {
                f.write_str("eval ")?;
                self.expr(f, e)?;
                f.write_char('\n')
            }
        }
    }

    fn kernel(&self, f: &mut impl Write) -> fmt::Result {
        let k = self.k;
        match self.names {
            Names::Declared => writeln!(f, "kernel {} {{", k.name)?,
            Names::Ids => writeln!(f, "kernel {{")?,
        }
        for (id, a) in k.arrays.iter().enumerate() {
            f.write_str("    array ")?;
            self.array(f, id)?;
            writeln!(f, ": [{}]", a.elem.name())?;
        }
        for (id, s) in k.scalars.iter().enumerate() {
            f.write_str("    scalar ")?;
            self.scalar(f, id)?;
            writeln!(f, ": {}", s.ty.name())?;
        }
        for (id, l) in k.locals.iter().enumerate() {
            f.write_str("    local ")?;
            self.local(f, id)?;
            writeln!(f, ": {}", l.ty.name())?;
        }
        if !(k.arrays.is_empty() && k.scalars.is_empty() && k.locals.is_empty()) {
            f.write_char('\n')?;
        }
        self.block(f, &k.body, 1)?;
        f.write_str("}\n")
    }
}

/// The readable text form: a header, one declaration per line, then the body,
/// indented by four spaces per level.
///
/// ```text
/// kernel decay {
///     array v: [f64]
///     scalar N: i64
///     scalar factor: f64
///     local i: i64
///
///     for i in 0 .. N {
///         v[i] = v[i] * factor
///     }
/// }
/// ```
impl Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Printer {
            k: self,
            names: Names::Declared,
        }
        .kernel(f)
    }
}

impl Kernel {
    /// The text that identifies what the kernel computes: the text form with
    /// arrays, scalars and locals spelled by index (`a0`, `s1`, `l2`) and without
    /// the kernel's name. Two kernels with the same key compile to the same code,
    /// so the JIT caches compiled kernels by it.
    pub fn cache_key(&self) -> String {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = Printer {
            k: self,
            names: Names::Ids,
        }
        .kernel(&mut s);
        s
    }

    /// Checks ids and types against the typing rules of the IR (see the module
    /// documentation). The error names the statement and what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let v = Validator { k: self };
        v.block(&self.body, "body")
    }
}

/// Declaration `id` of one of a kernel's lists, or the error that names it as
/// the printer does (`l3`, `a0`, `s1`) and says how many there are.
fn declared<'d, D>(list: &'d [D], what: &str, prefix: char, id: usize) -> Result<&'d D, String> {
    list.get(id)
        .ok_or_else(|| format!("{what} {prefix}{id} is not declared ({} {what}s)", list.len()))
}

struct Validator<'k> {
    k: &'k Kernel,
}

impl Validator<'_> {
    fn local_ty(&self, l: usize) -> Result<Ty, String> {
        declared(&self.k.locals, "local", 'l', l).map(|d| d.ty)
    }

    fn array_elem(&self, a: usize) -> Result<ElemTy, String> {
        declared(&self.k.arrays, "array", 'a', a).map(|d| d.elem)
    }

    fn text(&self, e: &Expr) -> String {
        let mut s = String::new();
        let _ = Printer {
            k: self.k,
            names: Names::Declared,
        }
        .expr(&mut s, e);
        s
    }

    fn expect(&self, e: &Expr, want: Ty, what: &str) -> Result<(), String> {
        let got = self.expr(e)?;
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "{what} `{}` has type {}, expected {}",
                self.text(e),
                got.name(),
                want.name()
            ))
        }
    }

    /// The type of `e`, or why it is ill-typed.
    fn expr(&self, e: &Expr) -> Result<Ty, String> {
        match e {
            Expr::F64(_) => Ok(Ty::F64),
            Expr::F32(_) => Ok(Ty::F32),
            Expr::I64(_) => Ok(Ty::I64),
            Expr::Bool(_) => Ok(Ty::Bool),
            Expr::Local(l) => self.local_ty(*l),
            Expr::Scalar(s) => declared(&self.k.scalars, "scalar", 's', *s).map(|d| d.ty),
            Expr::Load(a, i) => {
                let elem = self.array_elem(*a)?;
                self.expect(i, Ty::I64, "array index")?;
                Ok(elem.value_ty())
            }
            Expr::Unary(UnOp::Neg, x) => {
                let t = self.expr(x)?;
                if t == Ty::Bool {
                    return Err(format!("`-` applied to bool `{}`", self.text(x)));
                }
                Ok(t)
            }
            Expr::Unary(UnOp::Not, x) => {
                self.expect(x, Ty::Bool, "operand of `not`")?;
                Ok(Ty::Bool)
            }
            Expr::Binary(op, a, b) => {
                let ta = self.expr(a)?;
                let tb = self.expr(b)?;
                if op.is_logical() {
                    if ta != Ty::Bool || tb != Ty::Bool {
                        return Err(format!(
                            "operands of `{}` must be bool, not {} and {}, in `{}`",
                            op.symbol(),
                            ta.name(),
                            tb.name(),
                            self.text(e)
                        ));
                    }
                    return Ok(Ty::Bool);
                }
                if ta != tb {
                    return Err(format!(
                        "operands of `{}` have different types ({} and {}) in `{}`",
                        op.symbol(),
                        ta.name(),
                        tb.name(),
                        self.text(e)
                    ));
                }
                if op.is_comparison() {
                    return Ok(Ty::Bool);
                }
                if ta == Ty::Bool {
                    return Err(format!("arithmetic `{}` on bool in `{}`", op.symbol(), self.text(e)));
                }
                if matches!(op, BinOp::Div | BinOp::Pow) && !ta.is_float() {
                    return Err(format!(
                        "`{}` needs float operands, not {}, in `{}`",
                        op.symbol(),
                        ta.name(),
                        self.text(e)
                    ));
                }
                Ok(ta)
            }
            Expr::Cast(t, x) => {
                self.expr(x)?;
                Ok(*t)
            }
            Expr::Select(c, a, b) => {
                self.expect(c, Ty::Bool, "select condition")?;
                let ta = self.expr(a)?;
                let tb = self.expr(b)?;
                if ta != tb {
                    return Err(format!(
                        "select branches have different types ({} and {}) in `{}`",
                        ta.name(),
                        tb.name(),
                        self.text(e)
                    ));
                }
                Ok(ta)
            }
            Expr::Call(func, args) => {
                let tys = args.iter().map(|a| self.expr(a)).collect::<Result<Vec<_>, _>>()?;
                let float = if tys.contains(&Ty::F32) { Ty::F32 } else { Ty::F64 };
                let sig = func.sig(float);
                if sig.params != tys {
                    let names = |ts: &[Ty]| ts.iter().map(|t| t.name()).collect::<Vec<_>>();
                    return Err(format!(
                        "`{}` takes ({}), got ({}) in `{}`",
                        func.name(),
                        names(&sig.params).join(", "),
                        names(&tys).join(", "),
                        self.text(e)
                    ));
                }
                // Guard the assumption the backends make: only these functions
                // exist in an f32 variant.
                if float == Ty::F32
                    && !(Func::MATH1.contains(func)
                        || matches!(func, Func::Pow | Func::CheckedToInt | Func::CheckFinite))
                {
                    return Err(format!("`{}` has no f32 variant", func.name()));
                }
                // A check's site is a constant, and its element is evaluated
                // only when the check fails: it must have no effect.
                if func.is_check() {
                    let (site, elem) = (&args[args.len() - 2], &args[args.len() - 1]);
                    if !matches!(site, Expr::I64(s) if *s >= 0) {
                        return Err(format!(
                            "the site of `{}` is not a constant in `{}`",
                            func.name(),
                            self.text(e)
                        ));
                    }
                    let mut calls = false;
                    crate::ir::fuse::walk_expr(elem, &mut |x| calls |= matches!(x, Expr::Call(..)));
                    if calls {
                        return Err(format!(
                            "the element of `{}` calls a function in `{}`",
                            func.name(),
                            self.text(e)
                        ));
                    }
                }
                Ok(sig.ret)
            }
        }
    }

    fn block(&self, body: &[Stmt], path: &str) -> Result<(), String> {
        for (n, s) in body.iter().enumerate() {
            self.stmt(s, &format!("{path}[{n}]"))?;
        }
        Ok(())
    }

    /// Checks one statement; errors start with `path`, the statement's place
    /// in the kernel (`body[2].then[0]`).
    fn stmt(&self, s: &Stmt, path: &str) -> Result<(), String> {
        let here = |r: Result<(), String>| r.map_err(|e| format!("{path}: {e}"));
        match s {
            Stmt::Assign(l, e) => here(self.local_ty(*l).and_then(|t| self.expect(e, t, "assigned value"))),
            Stmt::Store { array, index, value } => here(self.array_elem(*array).and_then(|elem| {
                self.expect(index, Ty::I64, "array index")?;
                self.expect(value, elem.value_ty(), "stored value")
            })),
            Stmt::If { cond, then, els } => {
                here(self.expect(cond, Ty::Bool, "if condition"))?;
                self.block(then, &format!("{path}.then"))?;
                self.block(els, &format!("{path}.else"))
            }
            Stmt::For { var, start, end, body } => {
                here(self.local_ty(*var).and_then(|t| {
                    if t != Ty::I64 {
                        return Err("for variable must be an i64 local".to_string());
                    }
                    self.expect(start, Ty::I64, "loop start")?;
                    self.expect(end, Ty::I64, "loop end")
                }))?;
                self.block(body, &format!("{path}.body"))
            }
            Stmt::While { cond, body } => {
                here(self.expect(cond, Ty::Bool, "while condition"))?;
                self.block(body, &format!("{path}.body"))
            }
            Stmt::Eval(e) => here(self.expr(e).map(|_| ())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ElemTy;

    fn decay() -> Kernel {
        let mut k = Kernel::new("decay");
        let v = k.array("v", ElemTy::F64);
        let n = k.scalar("N", Ty::I64);
        let dt = k.scalar("dt", Ty::F64);
        let tau = k.scalar("tau", Ty::F64);
        let i = k.local("i", Ty::I64);
        k.body.push(Stmt::For {
            var: i,
            start: Expr::I64(0),
            end: Expr::Scalar(n),
            body: vec![Stmt::Store {
                array: v,
                index: Expr::Local(i),
                value: Expr::bin(
                    BinOp::Mul,
                    Expr::load(v, Expr::Local(i)),
                    Expr::Call(
                        Func::Exp,
                        vec![Expr::bin(
                            BinOp::Div,
                            Expr::Unary(UnOp::Neg, Box::new(Expr::Scalar(dt))),
                            Expr::Scalar(tau),
                        )],
                    ),
                ),
            }],
        });
        k
    }

    #[test]
    fn prints_readably() {
        let k = decay();
        let expected = "\
kernel decay {
    array v: [f64]
    scalar N: i64
    scalar dt: f64
    scalar tau: f64
    local i: i64

    for i in 0 .. N {
        v[i] = v[i] * exp(-dt / tau)
    }
}
";
        assert_eq!(k.to_string(), expected);
        assert!(k.validate().is_ok());
        let key = k.cache_key();
        assert!(key.starts_with("kernel {\n    array a0: [f64]\n"), "{key}");
        assert!(key.contains("a0[l0] = a0[l0] * exp(-s1 / s2)"), "{key}");
        let mut renamed = k.clone();
        renamed.name = "other".into();
        renamed.arrays[0].name = "w".into();
        assert_eq!(renamed.cache_key(), key);
        assert_ne!(renamed.to_string(), k.to_string());
    }

    fn show(e: Expr) -> String {
        let k = Kernel::new("t");
        let mut s = String::new();
        Printer {
            k: &k,
            names: Names::Declared,
        }
        .expr(&mut s, &e)
        .unwrap();
        s
    }

    #[test]
    fn parenthesises_by_precedence() {
        let (a, b, c) = (Expr::F64(1.0), Expr::F64(2.0), Expr::F64(3.0));
        let sub = |x: Expr, y: Expr| Expr::bin(BinOp::Sub, x, y);
        let pow = |x: Expr, y: Expr| Expr::bin(BinOp::Pow, x, y);
        assert_eq!(show(sub(sub(a.clone(), b.clone()), c.clone())), "1.0 - 2.0 - 3.0");
        assert_eq!(show(sub(a.clone(), sub(b.clone(), c.clone()))), "1.0 - (2.0 - 3.0)");
        assert_eq!(show(pow(a.clone(), pow(b.clone(), c.clone()))), "1.0 ** 2.0 ** 3.0");
        assert_eq!(show(pow(pow(a.clone(), b.clone()), c.clone())), "(1.0 ** 2.0) ** 3.0");
        assert_eq!(
            show(pow(Expr::Unary(UnOp::Neg, Box::new(a.clone())), b.clone())),
            "(-1.0) ** 2.0"
        );
        assert_eq!(
            show(Expr::Unary(UnOp::Neg, Box::new(pow(a.clone(), b.clone())))),
            "-1.0 ** 2.0"
        );
        assert_eq!(show(pow(Expr::F64(-1.0), b.clone())), "(-1.0) ** 2.0");
        assert_eq!(show(Expr::Unary(UnOp::Neg, Box::new(Expr::I64(-3)))), "-(-3)");
        assert_eq!(
            show(Expr::bin(
                BinOp::Lt,
                Expr::bin(BinOp::Lt, a.clone(), b.clone()),
                Expr::Bool(true)
            )),
            "(1.0 < 2.0) < True"
        );
        assert_eq!(
            show(Expr::logical_not(Expr::bin(
                BinOp::And,
                Expr::Bool(true),
                Expr::Bool(false)
            ))),
            "not (True and False)"
        );
        assert_eq!(show(Expr::F32(0.1)), "0.1f32");
        assert_eq!(show(Expr::F64(-0.0)), "-0.0");
        assert_eq!(show(Expr::F64(1e300)), "1e300");
    }

    #[test]
    fn prints_statements() {
        let mut k = Kernel::new("ctl");
        let x = k.local("x", Ty::I64);
        let b = k.array("b", ElemTy::U8);
        k.body = vec![
            Stmt::While {
                cond: Expr::bin(BinOp::Lt, Expr::Local(x), Expr::I64(3)),
                body: vec![Stmt::Assign(x, Expr::bin(BinOp::Add, Expr::Local(x), Expr::I64(1)))],
            },
            Stmt::If {
                cond: Expr::load(b, Expr::I64(0)),
                then: vec![Stmt::Eval(Expr::Call(
                    Func::PushSynapse,
                    vec![Expr::I64(0), Expr::Local(x), Expr::I64(1)],
                ))],
                els: vec![Stmt::Store {
                    array: b,
                    index: Expr::I64(0),
                    value: Expr::Bool(true),
                }],
            },
        ];
        let expected = "\
kernel ctl {
    array b: [u8]
    local x: i64

    while x < 3 {
        x = x + 1
    }
    if b[0] {
        eval push_synapse(0, x, 1)
    } else {
        b[0] = True
    }
}
";
        assert_eq!(k.to_string(), expected);
        assert_eq!(k.validate(), Ok(()));
    }

    #[test]
    fn validate_rejects_ill_typed() {
        let mut k = decay();
        // Storing an f32 into an f64 array.
        k.body.push(Stmt::Store {
            array: 0,
            index: Expr::I64(0),
            value: Expr::F32(1.0),
        });
        let e = k.validate().unwrap_err();
        assert!(e.contains("body[1]") && e.contains("f32"), "{e}");

        let cases: Vec<Expr> = vec![
            Expr::bin(BinOp::Add, Expr::I64(1), Expr::F64(1.0)),
            Expr::bin(BinOp::Div, Expr::I64(1), Expr::I64(1)),
            Expr::bin(BinOp::Pow, Expr::I64(1), Expr::I64(1)),
            Expr::bin(BinOp::Add, Expr::Bool(true), Expr::Bool(true)),
            Expr::bin(BinOp::And, Expr::I64(1), Expr::Bool(true)),
            Expr::Unary(UnOp::Neg, Box::new(Expr::Bool(true))),
            Expr::logical_not(Expr::I64(0)),
            Expr::select(Expr::I64(1), Expr::F64(0.0), Expr::F64(1.0)),
            Expr::select(Expr::Bool(true), Expr::F64(0.0), Expr::F32(1.0)),
            Expr::Call(Func::Exp, vec![Expr::I64(1)]),
            Expr::Call(Func::Exp, vec![]),
            Expr::Call(Func::Pow, vec![Expr::F32(1.0), Expr::F64(1.0)]),
            Expr::Call(Func::Binomial, vec![Expr::F64(1.0), Expr::F64(1.0)]),
            Expr::Call(Func::Poisson, vec![Expr::F32(1.0)]),
            Expr::Local(99),
            Expr::Scalar(99),
            Expr::load(99, Expr::I64(0)),
            Expr::load(0, Expr::F64(0.0)),
        ];
        for e in cases {
            let mut k = decay();
            k.body = vec![Stmt::Eval(e.clone())];
            assert!(k.validate().is_err(), "accepted {e:?}");
        }
        let mut k = decay();
        k.body = vec![Stmt::For {
            var: 0,
            start: Expr::F64(0.0),
            end: Expr::I64(1),
            body: vec![],
        }];
        assert!(k.validate().is_err());
        k.body = vec![Stmt::If {
            cond: Expr::Bool(true),
            then: vec![Stmt::Assign(0, Expr::F64(1.0))],
            els: vec![],
        }];
        let e = k.validate().unwrap_err();
        assert!(e.starts_with("body[0].then[0]: "), "{e}");
    }

    #[test]
    fn validate_accepts_f32_math() {
        let mut k = Kernel::new("f");
        let x = k.local("x", Ty::F32);
        k.body = vec![Stmt::Assign(
            x,
            Expr::Call(
                Func::Pow,
                vec![Expr::Call(Func::Exp, vec![Expr::F32(1.0)]), Expr::F32(2.0)],
            ),
        )];
        assert_eq!(k.validate(), Ok(()));
    }
}
