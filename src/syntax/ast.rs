//! The surface AST of Brian2's string language: expressions, model equations,
//! abstract-code statements and connect generator expressions.
//!
//! Every node keeps the byte span of the text it came from, so that every later
//! error can point at the offending characters. The AST carries no semantics:
//! names are not resolved and units are not checked here.

use crate::diag::Span;

/// A binary operator, in Brian2's (Python's) meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// `/`: always floating-point division.
    Div,
    /// `//`: floor division (Python semantics).
    FloorDiv,
    /// `%`: Python modulo (the result has the sign of the divisor).
    Mod,
    /// `**`: power, right-associative.
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }

    pub fn is_logical(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or)
    }

    /// Binding power used by the printer to decide on parentheses (higher binds tighter).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => 6,
            BinOp::Pow => 8,
        }
    }
}

/// A unary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
}

/// An expression node with its source span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal (`3`).
    Int(i64),
    /// A floating-point literal (`3.0`, `1e-3`, `.5`).
    Float(f64),
    /// `True` / `False`.
    Bool(bool),
    /// An identifier: a variable, a unit, a constant.
    Name(String),
    /// A function call with positional arguments.
    Call(String, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// A node that comes from no source text (integrators, rewrites).
    pub fn synth(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    pub fn name(n: &str) -> Expr {
        Expr::synth(ExprKind::Name(n.to_string()))
    }

    pub fn float(x: f64) -> Expr {
        Expr::synth(ExprKind::Float(x))
    }

    pub fn int(x: i64) -> Expr {
        Expr::synth(ExprKind::Int(x))
    }

    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        let span = a.span.cover(b.span);
        Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
    }

    pub fn call(f: &str, args: Vec<Expr>) -> Expr {
        Expr::synth(ExprKind::Call(f.to_string(), args))
    }

    pub fn negate(a: Expr) -> Expr {
        let span = a.span;
        Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(a)), span)
    }

    /// Visits every identifier (not function names) in the expression.
    pub fn for_each_name(&self, f: &mut impl FnMut(&str, Span)) {
        match &self.kind {
            ExprKind::Name(n) => f(n, self.span),
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.for_each_name(f)),
            ExprKind::Unary(_, a) => a.for_each_name(f),
            ExprKind::Binary(_, a, b) => {
                a.for_each_name(f);
                b.for_each_name(f);
            }
            _ => {}
        }
    }

    /// The set of identifiers used (not function names), in first-use order.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        self.for_each_name(&mut |n, _| {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        });
        out
    }

    /// Visits every function call name.
    pub fn for_each_call(&self, f: &mut impl FnMut(&str, Span)) {
        match &self.kind {
            ExprKind::Call(name, args) => {
                f(name, self.span);
                args.iter().for_each(|a| a.for_each_call(f));
            }
            ExprKind::Unary(_, a) => a.for_each_call(f),
            ExprKind::Binary(_, a, b) => {
                a.for_each_call(f);
                b.for_each_call(f);
            }
            _ => {}
        }
    }

    /// Replaces identifiers by expressions (`f` returns `None` to keep a name).
    pub fn substitute(&self, f: &impl Fn(&str) -> Option<Expr>) -> Expr {
        let kind = match &self.kind {
            ExprKind::Name(n) => match f(n) {
                Some(e) => return e,
                None => ExprKind::Name(n.clone()),
            },
            ExprKind::Call(name, args) => ExprKind::Call(name.clone(), args.iter().map(|a| a.substitute(f)).collect()),
            ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(a.substitute(f))),
            ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, Box::new(a.substitute(f)), Box::new(b.substitute(f))),
            k => k.clone(),
        };
        Expr::new(kind, self.span)
    }
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn go(e: &Expr, parent: u8, right: bool, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match &e.kind {
                ExprKind::Int(x) => write!(f, "{x}"),
                ExprKind::Float(x) => {
                    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
                        write!(f, "{x:.1}")
                    } else {
                        write!(f, "{x:?}")
                    }
                }
                ExprKind::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
                ExprKind::Name(n) => write!(f, "{n}"),
                ExprKind::Call(n, args) => {
                    write!(f, "{n}(")?;
                    for (k, a) in args.iter().enumerate() {
                        if k > 0 {
                            write!(f, ", ")?;
                        }
                        go(a, 0, false, f)?;
                    }
                    write!(f, ")")
                }
                ExprKind::Unary(op, a) => {
                    let (s, p) = match op {
                        UnOp::Neg => ("-", 7),
                        UnOp::Pos => ("+", 7),
                        UnOp::Not => ("not ", 3),
                    };
                    if p < parent {
                        write!(f, "(")?;
                    }
                    write!(f, "{s}")?;
                    go(a, p, false, f)?;
                    if p < parent {
                        write!(f, ")")?;
                    }
                    Ok(())
                }
                ExprKind::Binary(op, a, b) => {
                    let p = op.precedence();
                    // Left-associative operators need parentheses for an equal-precedence right
                    // operand; `**` is right-associative.
                    let paren = p < parent || (p == parent && (right != (*op == BinOp::Pow)));
                    if paren {
                        write!(f, "(")?;
                    }
                    go(a, p, false, f)?;
                    write!(f, " {} ", op.symbol())?;
                    go(b, p, true, f)?;
                    if paren {
                        write!(f, ")")?;
                    }
                    Ok(())
                }
            }
        }
        go(self, 0, false, f)
    }
}

/// What a model equation defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EquationKind {
    /// `dx/dt = f : unit`
    Differential,
    /// `x = f : unit`
    Subexpression,
    /// `x : unit`
    Parameter,
}

/// A flag in parentheses after the unit, such as `unless refractory`.
#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    pub name: String,
    pub span: Span,
}

/// One line (or multi-line entry) of a model string.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub kind: EquationKind,
    pub name: String,
    pub name_span: Span,
    pub rhs: Option<Expr>,
    /// The unit specification as written (`volt`, `siemens/meter**2`, `1`, `boolean`).
    pub unit: String,
    pub unit_span: Span,
    pub flags: Vec<Flag>,
    pub span: Span,
}

impl Equation {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x.name == f)
    }
}

/// The assignment operator of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl AssignOp {
    pub fn symbol(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
            AssignOp::Mul => "*=",
            AssignOp::Div => "/=",
            AssignOp::Mod => "%=",
        }
    }

    /// The binary operator an augmented assignment applies, if any.
    pub fn binop(self) -> Option<BinOp> {
        match self {
            AssignOp::Set => None,
            AssignOp::Add => Some(BinOp::Add),
            AssignOp::Sub => Some(BinOp::Sub),
            AssignOp::Mul => Some(BinOp::Mul),
            AssignOp::Div => Some(BinOp::Div),
            AssignOp::Mod => Some(BinOp::Mod),
        }
    }
}

/// One abstract-code statement: `x op= expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub target: String,
    pub target_span: Span,
    pub op: AssignOp,
    pub expr: Expr,
    pub span: Span,
}

/// The iterator of a connect generator expression.
#[derive(Clone, Debug, PartialEq)]
pub enum GenIter {
    /// `range(low, high, step)`; `low` defaults to 0 and `step` to 1.
    Range {
        low: Option<Expr>,
        high: Expr,
        step: Option<Expr>,
    },
    /// `sample(low, high, step, p=...)`.
    SampleP {
        low: Option<Expr>,
        high: Expr,
        step: Option<Expr>,
        p: Expr,
    },
    /// `sample(low, high, step, size=...)`.
    SampleSize {
        low: Option<Expr>,
        high: Expr,
        step: Option<Expr>,
        size: Expr,
    },
}

/// `ELEMENT for VAR in ITER if COND`.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    pub element: Expr,
    pub var: String,
    pub var_span: Span,
    pub iter: GenIter,
    pub iter_span: Span,
    pub cond: Option<Expr>,
    pub span: Span,
}
