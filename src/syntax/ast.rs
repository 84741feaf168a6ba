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
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`: always floating-point division.
    Div,
    /// `//`: floor division (Python semantics).
    FloorDiv,
    /// `%`: Python modulo (the result has the sign of the divisor).
    Mod,
    /// `**`: power, right-associative.
    Pow,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `and`: logical conjunction of two booleans.
    And,
    /// `or`: logical disjunction of two booleans.
    Or,
}

impl BinOp {
    /// The operator as written in Brian2 code (`+`, `//`, `**`, `and`, ...), used when printing expressions.
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

    /// True for `<`, `<=`, `>`, `>=`, `==`, `!=` (they give a boolean).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        )
    }

    /// True for `and` and `or`.
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
    /// `-x`.
    Neg,
    /// `+x` (no effect on the value).
    Pos,
    /// `not x` (on a boolean).
    Not,
}

/// An expression node with its source span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// The bytes of the source text the node covers (empty for synthesized nodes).
    pub span: Span,
}

/// The kinds of expression nodes.
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
    /// A unary operation (`-x`, `+x`, `not x`).
    Unary(UnOp, Box<Expr>),
    /// A binary operation (`a + b`, `a < b`, `a and b`, ...).
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// A node with the given kind and span.
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

    /// A synthesized identifier reference.
    pub fn name(n: &str) -> Expr {
        Expr::synth(ExprKind::Name(n.to_string()))
    }

    /// A synthesized float literal.
    pub fn float(x: f64) -> Expr {
        Expr::synth(ExprKind::Float(x))
    }

    /// A synthesized integer literal.
    pub fn int(x: i64) -> Expr {
        Expr::synth(ExprKind::Int(x))
    }

    /// `a op b`, spanning both operands.
    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        let span = a.span.cover(b.span);
        Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
    }

    /// A synthesized call `f(args...)`.
    pub fn call(f: &str, args: Vec<Expr>) -> Expr {
        Expr::synth(ExprKind::Call(f.to_string(), args))
    }

    /// `-a`, with `a`'s span.
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
    /// The flag with whitespace normalized (`unless refractory`, `constant`, `shared`, `event-driven`, `summed`, ...).
    pub name: String,
    /// Where the flag is in the model string.
    pub span: Span,
}

/// One line (or multi-line entry) of a model string.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    /// Differential equation, subexpression or parameter.
    pub kind: EquationKind,
    /// The defined variable (for `dx/dt`, `x`).
    pub name: String,
    /// Where the variable's name is in the model string.
    pub name_span: Span,
    /// The right-hand side; `None` for a parameter.
    pub rhs: Option<Expr>,
    /// The unit specification as written (`volt`, `siemens/meter**2`, `1`, `boolean`).
    pub unit: String,
    /// Where the unit specification is.
    pub unit_span: Span,
    /// The flags in parentheses after the unit, in order.
    pub flags: Vec<Flag>,
    /// The whole equation.
    pub span: Span,
}

impl Equation {
    /// True if the equation carries the flag `f` (e.g. `"unless refractory"`).
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x.name == f)
    }
}

/// The assignment operator of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`.
    Set,
    /// `+=`.
    Add,
    /// `-=`.
    Sub,
    /// `*=`.
    Mul,
    /// `/=`.
    Div,
    /// `%=`.
    Mod,
}

impl AssignOp {
    /// The operator as written (`=`, `+=`, ...).
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
    /// The assigned variable (a state variable, a `_pre`/`_post` variable of synapses, or a new temporary).
    pub target: String,
    /// Where the target name is.
    pub target_span: Span,
    /// Plain or augmented assignment.
    pub op: AssignOp,
    /// The right-hand side.
    pub expr: Expr,
    /// The whole statement.
    pub span: Span,
}

/// The iterator of a connect generator expression.
#[derive(Clone, Debug, PartialEq)]
pub enum GenIter {
    /// `range(low, high, step)`; `low` defaults to 0 and `step` to 1.
    Range {
        /// The first element; `None` for 0.
        low: Option<Expr>,
        /// The end of the range (exclusive).
        high: Expr,
        /// The step; `None` for 1.
        step: Option<Expr>,
    },
    /// `sample(low, high, step, p=...)`.
    SampleP {
        /// The first element; `None` for 0.
        low: Option<Expr>,
        /// The end of the range (exclusive).
        high: Expr,
        /// The step; `None` for 1.
        step: Option<Expr>,
        /// The probability of taking each element of the range independently.
        p: Expr,
    },
    /// `sample(low, high, step, size=...)`.
    SampleSize {
        /// The first element; `None` for 0.
        low: Option<Expr>,
        /// The end of the range (exclusive).
        high: Expr,
        /// The step; `None` for 1.
        step: Option<Expr>,
        /// How many distinct elements to draw (uniformly, without replacement).
        size: Expr,
    },
}

/// `ELEMENT for VAR in ITER if COND`.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    /// The index produced for each accepted `VAR` (e.g. `k`, or `i` for the short form); `0` when absent.
    pub element: Expr,
    /// The loop variable (`_` in the short forms `ELEMENT` and `ELEMENT if COND`).
    pub var: String,
    /// Where the loop variable is.
    pub var_span: Span,
    /// What the variable runs over; the short forms run once (`range(1)`).
    pub iter: GenIter,
    /// Where the iterator is.
    pub iter_span: Span,
    /// `if COND`: elements for which it is false are skipped.
    pub cond: Option<Expr>,
    /// The whole generator string.
    pub span: Span,
}
