//! Dimension and type checking of expressions and statements (brian2-semantics.md
//! §1.5, §1.6, §1.10). Errors point at the offending sub-expression and name both
//! units.

use std::collections::HashMap;
use std::sync::Arc;

use super::scope::{ExternDecl, NameRef, Scope, ValTy, builtin_function_arity, suggest};
use crate::diag::{Diagnostic, Source, Span};
use crate::syntax::ast::{AssignOp, BinOp, Expr, ExprKind, Statement, UnOp};
use crate::units::Dim;

/// The result of checking an expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Typed {
    /// The expression's physical dimension.
    pub dim: Dim,
    /// The expression's value type (boolean, integer or float).
    pub ty: ValTy,
}

/// Checks expressions of one source text against a scope, collecting errors.
pub struct Checker<'a> {
    /// What names mean in the checked code.
    pub scope: &'a Scope,
    /// The text the checked code comes from (errors point into it).
    pub source: &'a Arc<Source>,
    /// Every error found so far, in the order found; checking continues after an error.
    pub errors: Vec<Diagnostic>,
    /// Temporaries created by earlier statements of a block.
    pub temps: HashMap<String, Typed>,
    /// Things that are allowed but are probably mistakes (an assignment that
    /// does nothing, a float truncated into an integer), as warnings.
    pub warnings: Vec<Diagnostic>,
}

/// A dimension as messages show it: the registered unit's name (`volt`, `siemens`) or the base form, `1` when
/// dimensionless.
pub fn fmt_dim(d: Dim) -> String {
    format!("{d}")
}

impl<'a> Checker<'a> {
    /// A checker of code from `source` against `scope`, with no errors and no temporaries yet.
    pub fn new(scope: &'a Scope, source: &'a Arc<Source>) -> Checker<'a> {
        Checker {
            scope,
            source,
            errors: Vec::new(),
            temps: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::at(code, self.source, span, msg)
    }

    fn push(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    fn text(&self, span: Span) -> &str {
        self.source.text.get(span.start..span.end).unwrap_or("").trim()
    }

    /// Describes an expression for a message: its text when it has one.
    fn show(&self, e: &Expr) -> String {
        let t = self.text(e.span);
        if t.is_empty() { e.to_string() } else { t.to_string() }
    }

    /// Resolves a name (temporaries first).
    pub fn resolve(&self, name: &str) -> Option<NameRef> {
        if let Some(t) = self.temps.get(name) {
            return Some(NameRef::Const {
                value: 0.0,
                dim: t.dim,
                ty: t.ty,
            });
        }
        self.scope.resolve(name)
    }

    fn unknown_name(&mut self, name: &str, span: Span) {
        if let Some(why) = self.scope.forbidden.get(name) {
            let d = self.err("unknown-name", span, why.clone());
            self.push(d);
            return;
        }
        let mut d = self
            .err(
                "unknown-name",
                span,
                format!("the identifier '{name}' could not be resolved"),
            )
            .with_label("unknown name");
        let cands = self.scope.known_names().chain(self.temps.keys().map(|s| s.as_str()));
        // units only for longer names: every one- or two-letter name is one edit
        // away from some unit
        let unit = || {
            (name.chars().count() >= 4)
                .then(|| suggest(name, crate::units::unit_names()))
                .flatten()
        };
        if let Some(s) = suggest(name, cands).or_else(unit) {
            d = d.with_help(format!("did you mean '{s}'?"));
        } else if builtin_function_arity(name).is_some()
            || self.scope.functions.contains_key(name)
            || self.scope.externs.contains_key(name)
        {
            d = d.with_help(format!("'{name}' is a function: call it as '{name}(...)'"));
        } else {
            d = d.with_help("define it as a variable in the model or as a constant");
        }
        self.push(d);
    }

    /// The numeric value of an expression made only of constants, if it is one.
    pub fn const_value(&self, e: &Expr) -> Option<f64> {
        Some(match &e.kind {
            ExprKind::Int(v) => *v as f64,
            ExprKind::Float(v) => *v,
            ExprKind::Bool(b) => f64::from(u8::from(*b)),
            ExprKind::Name(n) => match self.resolve(n)? {
                NameRef::Const { value, .. } if !self.temps.contains_key(n) => value,
                _ => return None,
            },
            ExprKind::Unary(UnOp::Neg, a) => -self.const_value(a)?,
            ExprKind::Unary(UnOp::Pos, a) => self.const_value(a)?,
            ExprKind::Binary(op, a, b) => {
                let (x, y) = (self.const_value(a)?, self.const_value(b)?);
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::Pow => x.powf(y),
                    BinOp::FloorDiv => (x / y).floor(),
                    BinOp::Mod => x - y * (x / y).floor(),
                    _ => return None,
                }
            }
            ExprKind::Call(f, args) => {
                let v: Vec<f64> = args.iter().map(|a| self.const_value(a)).collect::<Option<_>>()?;
                match (f.as_str(), v.as_slice()) {
                    ("int", [x]) => x.trunc(),
                    ("sqrt", [x]) => libm::sqrt(*x),
                    ("exp", [x]) => libm::exp(*x),
                    ("log", [x]) => libm::log(*x),
                    ("log10", [x]) => libm::log10(*x),
                    ("sin", [x]) => libm::sin(*x),
                    ("cos", [x]) => libm::cos(*x),
                    ("tan", [x]) => libm::tan(*x),
                    ("sinh", [x]) => libm::sinh(*x),
                    ("cosh", [x]) => libm::cosh(*x),
                    ("tanh", [x]) => libm::tanh(*x),
                    ("arcsin", [x]) => libm::asin(*x),
                    ("arccos", [x]) => libm::acos(*x),
                    ("arctan", [x]) => libm::atan(*x),
                    ("expm1", [x]) => libm::expm1(*x),
                    ("log1p", [x]) => libm::log1p(*x),
                    ("abs", [x]) => x.abs(),
                    ("floor", [x]) => x.floor(),
                    ("ceil", [x]) => x.ceil(),
                    ("sign", [x]) => f64::from(u8::from(*x > 0.0)) - f64::from(u8::from(*x < 0.0)),
                    ("exprel", [x]) => {
                        if x.abs() < 1e-16 {
                            1.0
                        } else if *x > 717.0 {
                            f64::INFINITY
                        } else {
                            libm::expm1(*x) / x
                        }
                    }
                    ("clip", [a, lo, hi]) => a.max(*lo).min(*hi),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// Checks an expression; `None` after an error in it (already reported).
    pub fn expr(&mut self, e: &Expr) -> Option<Typed> {
        let t = |dim, ty| Some(Typed { dim, ty });
        match &e.kind {
            ExprKind::Int(_) => t(Dim::ONE, ValTy::Int),
            ExprKind::Float(_) => t(Dim::ONE, ValTy::Float),
            ExprKind::Bool(_) => t(Dim::ONE, ValTy::Bool),
            ExprKind::Name(n) => match self.resolve(n) {
                Some(r) => {
                    let (dim, ty) = r.dim_ty();
                    t(dim, ty)
                }
                None => {
                    if self.scope.externs.contains_key(n) {
                        let d = self
                            .err(
                                "function-as-variable",
                                e.span,
                                format!("'{n}' was used like a variable or constant, but it is a function"),
                            )
                            .with_help(format!("call it: '{n}(...)'"));
                        self.push(d);
                    } else if self.scope.functions.contains_key(n) {
                        let d = self
                            .err(
                                "function-as-variable",
                                e.span,
                                format!("'{n}' was used like a variable or constant, but it is a function"),
                            )
                            .with_help(format!("call it: '{n}(t)'"));
                        self.push(d);
                    } else {
                        self.unknown_name(n, e.span);
                    }
                    None
                }
            },
            ExprKind::Unary(op, a) => {
                let ta = self.expr(a)?;
                match op {
                    UnOp::Not => {
                        if ta.ty != ValTy::Bool {
                            let d = self.err(
                                "not-boolean",
                                a.span,
                                format!(
                                    "'not' needs a boolean operand, but '{}' is {}",
                                    self.show(a),
                                    ta.ty.name()
                                ),
                            );
                            self.push(d);
                            return None;
                        }
                        t(Dim::ONE, ValTy::Bool)
                    }
                    _ => t(ta.dim, if ta.ty == ValTy::Bool { ValTy::Int } else { ta.ty }),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b),
            ExprKind::Call(name, args) => self.call(e, name, args),
        }
    }

    fn binary(&mut self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Option<Typed> {
        let ta = self.expr(a);
        let tb = self.expr(b);
        let (ta, tb) = (ta?, tb?);
        let num = |x: ValTy| if x == ValTy::Bool { ValTy::Int } else { x };
        let highest = num(ta.ty).max(num(tb.ty));
        match op {
            BinOp::And | BinOp::Or => {
                for (x, tx) in [(a, ta), (b, tb)] {
                    if tx.ty != ValTy::Bool {
                        let d = self.err(
                            "not-boolean",
                            x.span,
                            format!(
                                "'{}' needs boolean operands, but '{}' is {}",
                                op.symbol(),
                                self.show(x),
                                tx.ty.name()
                            ),
                        );
                        self.push(d);
                        return None;
                    }
                }
                Some(Typed {
                    dim: Dim::ONE,
                    ty: ValTy::Bool,
                })
            }
            BinOp::Add | BinOp::Sub | BinOp::Mod => {
                if !ta.dim.same(tb.dim) {
                    let d = self
                        .err(
                            "unit-mismatch",
                            e.span,
                            format!(
                                "expression '{}' uses inconsistent units ('{}' has unit {}; '{}' has unit {})",
                                self.show(e),
                                self.show(a),
                                fmt_dim(ta.dim),
                                self.show(b),
                                fmt_dim(tb.dim)
                            ),
                        )
                        .with_label(format!("{} {} {}", fmt_dim(ta.dim), op.symbol(), fmt_dim(tb.dim)));
                    self.push(d);
                    return None;
                }
                Some(Typed {
                    dim: ta.dim,
                    ty: highest,
                })
            }
            BinOp::Mul => Some(Typed {
                dim: ta.dim.mul(tb.dim),
                ty: highest,
            }),
            BinOp::Div => Some(Typed {
                dim: ta.dim.div(tb.dim),
                ty: ValTy::Float,
            }),
            BinOp::FloorDiv => {
                if !ta.dim.is_one() || !tb.dim.is_one() {
                    let d = self.err(
                        "unit-mismatch",
                        e.span,
                        format!(
                            "floor division can only be used on dimensionless values ('{}' has unit {}, '{}' has unit {})",
                            self.show(a),
                            fmt_dim(ta.dim),
                            self.show(b),
                            fmt_dim(tb.dim)
                        ),
                    );
                    self.push(d);
                    return None;
                }
                Some(Typed {
                    dim: Dim::ONE,
                    ty: highest,
                })
            }
            BinOp::Pow => {
                if ta.dim.is_one() && tb.dim.is_one() {
                    // Python: an integer to an integer power is an integer.
                    return Some(Typed {
                        dim: Dim::ONE,
                        ty: if highest == ValTy::Int {
                            ValTy::Int
                        } else {
                            ValTy::Float
                        },
                    });
                }
                if !tb.dim.is_one() {
                    let d = self.err(
                        "unit-mismatch",
                        b.span,
                        format!(
                            "the exponent '{}' must be dimensionless, but has unit {}",
                            self.show(b),
                            fmt_dim(tb.dim)
                        ),
                    );
                    self.push(d);
                    return None;
                }
                match self.const_value(b) {
                    Some(x) => Some(Typed {
                        dim: ta.dim.powf(x),
                        ty: ValTy::Float,
                    }),
                    None => {
                        let d = self.err(
                            "unit-mismatch",
                            b.span,
                            format!(
                                "'{}' has unit {}, so its exponent must be a constant number, but '{}' is not constant",
                                self.show(a),
                                fmt_dim(ta.dim),
                                self.show(b)
                            ),
                        );
                        self.push(d);
                        None
                    }
                }
            }
            _ => {
                // comparisons
                if !ta.dim.same(tb.dim) {
                    let d = self
                        .err(
                            "unit-mismatch",
                            e.span,
                            format!(
                                "comparison of expressions with different units: '{}' has unit {}, '{}' has unit {}",
                                self.show(a),
                                fmt_dim(ta.dim),
                                self.show(b),
                                fmt_dim(tb.dim)
                            ),
                        )
                        .with_label(format!("{} {} {}", fmt_dim(ta.dim), op.symbol(), fmt_dim(tb.dim)));
                    self.push(d);
                    return None;
                }
                Some(Typed {
                    dim: Dim::ONE,
                    ty: ValTy::Bool,
                })
            }
        }
    }

    /// A call of a user's function: as many arguments as it declares, each of
    /// its declared dimension; the result a float of its declared dimension.
    fn extern_call(&mut self, e: &Expr, name: &str, args: &[Expr], f: &ExternDecl) -> Option<Typed> {
        if let Some(NameRef::Var { .. } | NameRef::Subexpr { .. }) = self.scope.names.get(name) {
            let d = self
                .err(
                    "name-clash",
                    e.span,
                    format!("'{name}' is both a variable of this code and a user function"),
                )
                .with_help("rename the variable or register the function under another name");
            self.push(d);
            return None;
        }
        let want = f.args.len();
        if args.len() != want {
            let d = self.err(
                "arity",
                e.span,
                format!(
                    "function '{name}' was called with {} argument{}, needs {want}",
                    args.len(),
                    if args.len() == 1 { "" } else { "s" }
                ),
            );
            self.push(d);
            return None;
        }
        let mut ok = true;
        for (k, (a, &dim)) in args.iter().zip(&f.args).enumerate() {
            let Some(ta) = self.expr(a) else {
                ok = false;
                continue;
            };
            if !ta.dim.same(dim) {
                let d = self.err(
                    "unit-mismatch",
                    a.span,
                    format!(
                        "argument {} of function '{name}' must have unit {}, but '{}' has unit {}",
                        k + 1,
                        fmt_dim(dim),
                        self.show(a),
                        fmt_dim(ta.dim)
                    ),
                );
                self.push(d);
                ok = false;
            }
        }
        ok.then_some(Typed {
            dim: f.result,
            ty: ValTy::Float,
        })
    }

    fn call(&mut self, e: &Expr, name: &str, args: &[Expr]) -> Option<Typed> {
        if let Some(f) = self.scope.functions.get(name).cloned() {
            let want = if f.cols.is_some() { 2 } else { 1 };
            if args.len() != want {
                let d = self.err(
                    "arity",
                    e.span,
                    format!(
                        "function '{name}' was called with {} arguments, needs {want}",
                        args.len()
                    ),
                );
                self.push(d);
                return None;
            }
            let tt = self.expr(&args[0])?;
            if !tt.dim.same(Dim::SECOND) {
                let d = self.err(
                    "unit-mismatch",
                    args[0].span,
                    format!(
                        "the argument of '{name}' must be a time, but '{}' has unit {}",
                        self.show(&args[0]),
                        fmt_dim(tt.dim)
                    ),
                );
                self.push(d);
                return None;
            }
            if want == 2 {
                let ti = self.expr(&args[1])?;
                if !ti.dim.is_one() || ti.ty == ValTy::Float {
                    let d = self.err(
                        "type",
                        args[1].span,
                        format!(
                            "the second argument of '{name}' must be an integer index, got '{}'",
                            self.show(&args[1])
                        ),
                    );
                    self.push(d);
                    return None;
                }
            }
            return Some(Typed {
                dim: f.dim,
                ty: ValTy::Float,
            });
        }
        if let Some(f) = self.scope.externs.get(name).cloned() {
            return self.extern_call(e, name, args, &f);
        }
        let Some(arity) = builtin_function_arity(name) else {
            let mut d = self.err("unknown-function", e.span, format!("unknown function '{name}'"));
            let cands = [
                "sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "log10", "expm1", "log1p", "arcsin",
                "arccos", "arctan", "sqrt", "abs", "sign", "floor", "ceil", "int", "exprel", "poisson", "rand",
                "randn", "clip", "timestep",
            ];
            let fnames: Vec<&str> = self
                .scope
                .functions
                .keys()
                .chain(self.scope.externs.keys())
                .map(|s| s.as_str())
                .collect();
            if let Some(s) = suggest(name, cands.iter().copied().chain(fnames)) {
                d = d.with_help(format!("did you mean '{s}'?"));
            }
            self.push(d);
            return None;
        };
        if args.len() != arity {
            let d = self.err(
                "arity",
                e.span,
                format!(
                    "function '{name}' was called with {} argument{}, needs {arity}",
                    args.len(),
                    if args.len() == 1 { "" } else { "s" }
                ),
            );
            self.push(d);
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push(self.expr(a));
        }
        let typed: Vec<Typed> = typed.into_iter().collect::<Option<_>>()?;
        let dimless = |c: &mut Checker, k: usize| -> bool {
            if typed[k].dim.is_one() {
                true
            } else {
                let d = c.err(
                    "unit-mismatch",
                    args[k].span,
                    format!(
                        "argument {} of function '{name}' must be dimensionless, but '{}' has unit {}",
                        k + 1,
                        c.show(&args[k]),
                        fmt_dim(typed[k].dim)
                    ),
                );
                c.push(d);
                false
            }
        };
        let float = ValTy::Float;
        match name {
            "rand" | "randn" => Some(Typed {
                dim: Dim::ONE,
                ty: float,
            }),
            "sqrt" => Some(Typed {
                dim: typed[0].dim.powf(0.5),
                ty: float,
            }),
            "abs" => Some(Typed {
                dim: typed[0].dim,
                ty: if typed[0].ty == ValTy::Bool {
                    ValTy::Int
                } else {
                    typed[0].ty
                },
            }),
            "sign" => Some(Typed {
                dim: Dim::ONE,
                ty: if typed[0].ty == ValTy::Float { float } else { ValTy::Int },
            }),
            "floor" | "ceil" => Some(Typed {
                dim: typed[0].dim,
                ty: float,
            }),
            "int" => dimless(self, 0).then_some(Typed {
                dim: Dim::ONE,
                ty: ValTy::Int,
            }),
            "poisson" => dimless(self, 0).then_some(Typed {
                dim: Dim::ONE,
                ty: ValTy::Int,
            }),
            "clip" => {
                for k in 1..3 {
                    if !typed[k].dim.same(typed[0].dim) {
                        let d = self.err(
                            "unit-mismatch",
                            args[k].span,
                            format!(
                                "the bounds of 'clip' must have the unit of its first argument ({}), but '{}' has unit {}",
                                fmt_dim(typed[0].dim),
                                self.show(&args[k]),
                                fmt_dim(typed[k].dim)
                            ),
                        );
                        self.push(d);
                        return None;
                    }
                }
                let num = |x: ValTy| if x == ValTy::Bool { ValTy::Int } else { x };
                let ty = typed.iter().map(|t| num(t.ty)).max().unwrap_or(float);
                Some(Typed { dim: typed[0].dim, ty })
            }
            "timestep" => {
                for k in 0..2 {
                    if !typed[k].dim.same(Dim::SECOND) {
                        let d = self.err(
                            "unit-mismatch",
                            args[k].span,
                            format!(
                                "the arguments of 'timestep' must be times, but '{}' has unit {}",
                                self.show(&args[k]),
                                fmt_dim(typed[k].dim)
                            ),
                        );
                        self.push(d);
                        return None;
                    }
                }
                Some(Typed {
                    dim: Dim::ONE,
                    ty: ValTy::Int,
                })
            }
            _ => dimless(self, 0).then_some(Typed {
                dim: Dim::ONE,
                ty: float,
            }),
        }
    }

    /// Checks that `e` is a boolean condition (thresholds, events, conditions).
    pub fn condition(&mut self, e: &Expr, what: &str) -> bool {
        match self.expr(e) {
            Some(t) if t.ty == ValTy::Bool => true,
            Some(t) => {
                let d = self
                    .err(
                        "not-boolean",
                        e.span,
                        format!(
                            "{what} '{}' is not a boolean expression (it is {} with unit {})",
                            self.show(e),
                            t.ty.name(),
                            fmt_dim(t.dim)
                        ),
                    )
                    .with_help("write a comparison, e.g. 'v > 1*mV'");
                self.push(d);
                false
            }
            None => false,
        }
    }

    /// Checks that `e` has dimension `want` (and is not boolean where a number is wanted).
    pub fn expect_dim(&mut self, e: &Expr, want: Dim, what: &str) -> Option<Typed> {
        let t = self.expr(e)?;
        if !t.dim.same(want) {
            let d = self
                .err(
                    "unit-mismatch",
                    e.span,
                    format!(
                        "{what}: expression '{}' has unit {}, but {} was expected",
                        self.show(e),
                        fmt_dim(t.dim),
                        fmt_dim(want)
                    ),
                )
                .with_label(format!("this has unit {}", fmt_dim(t.dim)));
            self.push(d);
            return None;
        }
        Some(t)
    }

    /// Checks a block of statements; `writable(name)` says whether a name may be
    /// assigned, returning an explanation when it may not.
    pub fn statements(&mut self, stmts: &[Statement], writable: &dyn Fn(&str, &NameRef) -> Result<(), String>) {
        for s in stmts {
            let rhs = self.expr(&s.expr);
            let target = if self.temps.contains_key(&s.target) {
                None
            } else {
                self.scope.resolve(&s.target)
            };
            match target {
                Some(r) => {
                    if let Err(why) = writable(&s.target, &r) {
                        let d = self.err("read-only", s.target_span, why);
                        self.push(d);
                        continue;
                    }
                    let (dim, ty) = r.dim_ty();
                    let Some(rhs) = rhs else { continue };
                    if !rhs.dim.same(dim) {
                        let shown = match s.op {
                            AssignOp::Set => format!("{} = {}", s.target, self.show(&s.expr)),
                            op => format!("{} {} {}", s.target, op.symbol(), self.show(&s.expr)),
                        };
                        let d = self
                            .err(
                                "unit-mismatch",
                                s.expr.span,
                                format!(
                                    "the right-hand side of '{shown}' has unit {}, but '{}' has unit {}",
                                    fmt_dim(rhs.dim),
                                    s.target,
                                    fmt_dim(dim)
                                ),
                            )
                            .with_label(format!("this has unit {}", fmt_dim(rhs.dim)));
                        self.push(d);
                        continue;
                    }
                    if ty == ValTy::Bool && rhs.ty != ValTy::Bool && s.op == AssignOp::Set {
                        let d = self.err(
                            "type",
                            s.expr.span,
                            format!(
                                "'{}' is boolean, but '{}' is not a boolean expression",
                                s.target,
                                self.show(&s.expr)
                            ),
                        );
                        self.push(d);
                    } else if ty == ValTy::Bool && s.op != AssignOp::Set {
                        let d = self.err(
                            "type",
                            s.span,
                            format!(
                                "'{}' is boolean and cannot be updated with '{}'",
                                s.target,
                                s.op.symbol()
                            ),
                        );
                        self.push(d);
                    } else if ty == ValTy::Int {
                        self.warn_truncation(s, rhs);
                    }
                }
                None => {
                    // A new name creates a temporary (Brian2 semantics).
                    if let Some(t) = self.temps.get(&s.target).copied() {
                        if let Some(rhs) = rhs
                            && !rhs.dim.same(t.dim)
                        {
                            let d = self.err(
                                "unit-mismatch",
                                s.expr.span,
                                format!(
                                    "the right-hand side has unit {}, but the temporary '{}' has unit {}",
                                    fmt_dim(rhs.dim),
                                    s.target,
                                    fmt_dim(t.dim)
                                ),
                            );
                            self.push(d);
                        }
                        continue;
                    }
                    if s.op != AssignOp::Set {
                        self.unknown_name(&s.target, s.target_span);
                        continue;
                    }
                    if let Some(rhs) = rhs {
                        self.temps.insert(s.target.clone(), rhs);
                    }
                }
            }
        }
        self.warn_unread_temporaries(stmts);
    }

    /// A float value stored into an integer variable is truncated toward zero
    /// (as Brian2's generated code casts it): a warning, unless the value is a
    /// whole number known at compile time (`n = 2.0`, `n += 1.0`).
    fn warn_truncation(&mut self, s: &Statement, rhs: Typed) {
        let float_result = rhs.ty == ValTy::Float || s.op == AssignOp::Div;
        if !float_result {
            return;
        }
        let whole = self.const_value(&s.expr).is_some_and(|x| x.fract() == 0.0);
        if whole && matches!(s.op, AssignOp::Set | AssignOp::Add | AssignOp::Sub | AssignOp::Mul) {
            return;
        }
        let shown = match s.op {
            AssignOp::Set => self.show(&s.expr),
            op => format!(
                "{} {} {}",
                s.target,
                op.symbol().trim_end_matches('='),
                self.show(&s.expr)
            ),
        };
        let d = Diagnostic::at(
            "truncation",
            self.source,
            s.span,
            format!(
                "'{}' is an integer variable: the float value of '{shown}' is truncated toward zero when it is stored",
                s.target
            ),
        )
        .with_label("truncated to an integer")
        .with_help(format!(
            "write 'int(...)' (or use '//') to make the rounding explicit, or declare '{}' as a float variable",
            s.target
        ))
        .warning();
        self.warnings.push(d);
    }

    /// An assignment to a name that is no variable makes a temporary (Brian2
    /// semantics); one that no later statement of the block reads does nothing,
    /// which is almost always a misspelt or undeclared variable.
    fn warn_unread_temporaries(&mut self, stmts: &[Statement]) {
        for (k, s) in stmts.iter().enumerate() {
            if s.op != AssignOp::Set || !self.temps.contains_key(&s.target) {
                continue;
            }
            let read_later = stmts[k + 1..].iter().any(|later| {
                let mut reads = later.target == s.target && later.op != AssignOp::Set;
                later.expr.for_each_name(&mut |n, _| reads |= n == s.target);
                reads
            });
            if read_later {
                continue;
            }
            let variables = self.scope.names.iter().filter_map(|(n, r)| match r {
                NameRef::Var { read_only: false, .. } => Some(n.as_str()),
                _ => None,
            });
            let help = match suggest(&s.target, variables) {
                Some(v) => format!(
                    "did you mean '{v}'? To keep a value, declare '{}' in the model's equations (e.g. '{} : 1')",
                    s.target, s.target
                ),
                None => format!(
                    "to keep a value, declare '{}' in the model's equations (e.g. '{} : 1'); a temporary only \
                     passes a value to later statements of the same code",
                    s.target, s.target
                ),
            };
            let d = Diagnostic::at(
                "unused-temporary",
                self.source,
                s.target_span,
                format!(
                    "'{}' is not a variable: '{} = {}' makes a temporary that nothing reads, so it does nothing",
                    s.target,
                    s.target,
                    self.show(&s.expr)
                ),
            )
            .with_label("not a variable of the model")
            .with_help(help)
            .warning();
            self.warnings.push(d);
        }
    }
}

/// Whether an expression calls a stateful (random) function.
pub fn is_stateful(e: &Expr) -> bool {
    let mut found = false;
    e.for_each_call(&mut |n, _| {
        if matches!(n, "rand" | "randn" | "poisson") {
            found = true;
        }
    });
    found
}
