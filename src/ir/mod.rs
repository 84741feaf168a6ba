//! The kernel IR: what the backends compile. It knows nothing of Brian2, units or
//! equations; the backends know nothing of anything above it.
//!
//! A kernel is a function of one argument, a [`KernelArgs`] struct: pointers to
//! its arrays, its scalar inputs, an RNG stream and a runtime context. Its body is
//! structured code (`For`, `While`, `If`, stores to arrays and assignments to
//! mutable locals) over typed scalar expressions. Loops are part of the kernel:
//! there is no per-element call into the kernel.
//!
//! Typing rules (checked by [`Kernel::validate`]):
//! * arithmetic (`Add Sub Mul Div FloorDiv Mod Pow`) takes two operands of the
//!   same numeric type (`F64`, `F32` or `I64`) and returns that type; `Div` and
//!   `Pow` need floats (the lowering casts integers first); `FloorDiv` and `Mod`
//!   have Python semantics (floor; result has the divisor's sign); integer
//!   `FloorDiv`/`Mod` by zero give 0 and never trap;
//! * comparisons take two operands of the same type and return `Bool`; float
//!   comparisons are ordered (NaN compares false, except `Ne`);
//! * `And`/`Or` take and return `Bool` (both sides are evaluated);
//! * `Cast` converts anything to anything: float to int truncates toward zero
//!   (saturating, NaN gives 0), bool to number gives 0/1, number to bool is `!= 0`;
//! * array loads convert the element type to its value type ([`ElemTy::value_ty`]);
//!   stores convert back (`I64` to `i32` truncates, `Bool` to `u8` gives 0/1).

pub mod fuse;
pub mod parallel;
pub mod passes;
pub mod print;

pub use crate::syntax::ast::BinOp;

/// The type of a value in IR code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    F64,
    F32,
    I64,
    Bool,
}

impl Ty {
    pub fn is_float(self) -> bool {
        matches!(self, Ty::F64 | Ty::F32)
    }

    pub fn name(self) -> &'static str {
        match self {
            Ty::F64 => "f64",
            Ty::F32 => "f32",
            Ty::I64 => "i64",
            Ty::Bool => "bool",
        }
    }
}

/// How array elements are stored in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElemTy {
    F64,
    F32,
    I32,
    I64,
    /// A boolean stored as one byte, 0 or 1.
    U8,
}

impl ElemTy {
    /// The IR type a load of this element gives.
    pub fn value_ty(self) -> Ty {
        match self {
            ElemTy::F64 => Ty::F64,
            ElemTy::F32 => Ty::F32,
            ElemTy::I32 | ElemTy::I64 => Ty::I64,
            ElemTy::U8 => Ty::Bool,
        }
    }

    pub fn size(self) -> usize {
        match self {
            ElemTy::F64 | ElemTy::I64 => 8,
            ElemTy::F32 | ElemTy::I32 => 4,
            ElemTy::U8 => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ElemTy::F64 => "f64",
            ElemTy::F32 => "f32",
            ElemTy::I32 => "i32",
            ElemTy::I64 => "i64",
            ElemTy::U8 => "u8",
        }
    }
}

/// Index of an array parameter: `KernelArgs::arrays[id]`.
pub type ArrayId = usize;
/// Index of a scalar parameter: `KernelArgs::scalars[id]`.
pub type ScalarId = usize;
/// Index of a mutable local variable.
pub type LocalId = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct ArrayDecl {
    pub name: String,
    pub elem: ElemTy,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScalarDecl {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// Arithmetic negation of a number.
    Neg,
    /// Logical negation of a `Bool`.
    Not,
}

/// Functions a kernel can call: math functions (on `F64` or `F32`, by the type of
/// their arguments) and runtime functions (random numbers, connect helpers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    Exp,
    Log,
    Log10,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Sinh,
    Cosh,
    Tanh,
    Asin,
    Acos,
    Atan,
    Expm1,
    Log1p,
    Abs,
    Floor,
    Ceil,
    /// `(exp(x)-1)/x` with Brian2's C semantics at 0 and for large x.
    Exprel,
    /// `pow(x, y)`.
    Pow,
    /// Uniform in [0, 1) from the kernel's RNG stream: `() -> F64`.
    Rand,
    /// Standard normal from the kernel's RNG stream: `() -> F64`.
    Randn,
    /// Poisson-distributed count with mean `l`: `(F64) -> I64`.
    Poisson,
    /// Binomial count `(n: I64, p: F64) -> I64`.
    Binomial,
    /// Number of elements to skip before the next success of a Bernoulli(p) sequence
    /// (geometric jump for `sample(..., p=...)`): `(p: F64) -> I64`.
    GeometricSkip,
    /// `sample(low, high, step, size=...)`: draws `size` distinct elements of the
    /// range into the runtime context's sample buffer, sorted ascending, and
    /// returns how many there are: `(low, high, step, size, skip_if_invalid: I64) -> I64`
    /// (negative on error; the context records the error).
    SampleSize,
    /// The `k`-th element of the sample buffer: `(k: I64) -> I64`.
    SampleGet,
    /// Appends `n` synapses `(i, j)` to the runtime context: `(i, j, n: I64) -> I64`
    /// (returns 0, or a negative value after recording an error).
    PushSynapse,
    /// Records an error in the runtime context (an index out of range, a negative
    /// count): `(code, a, b: I64) -> I64`. Returns 0.
    ReportError,
}

/// The signature of a [`Func`] for one value type of its float arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncSig {
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// The first native argument is `KernelArgs::rng`.
    pub rng: bool,
    /// The first native argument (after the RNG, if any) is `KernelArgs::ctx`.
    pub ctx: bool,
}

impl Func {
    pub const MATH1: [Func; 19] = [
        Func::Exp,
        Func::Log,
        Func::Log10,
        Func::Sqrt,
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Asin,
        Func::Acos,
        Func::Atan,
        Func::Expm1,
        Func::Log1p,
        Func::Abs,
        Func::Floor,
        Func::Ceil,
        Func::Exprel,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Log10 => "log10",
            Func::Sqrt => "sqrt",
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Asin => "arcsin",
            Func::Acos => "arccos",
            Func::Atan => "arctan",
            Func::Expm1 => "expm1",
            Func::Log1p => "log1p",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Exprel => "exprel",
            Func::Pow => "pow",
            Func::Rand => "rand",
            Func::Randn => "randn",
            Func::Poisson => "poisson",
            Func::Binomial => "binomial",
            Func::GeometricSkip => "geometric_skip",
            Func::SampleSize => "sample_size",
            Func::SampleGet => "sample_get",
            Func::PushSynapse => "push_synapse",
            Func::ReportError => "report_error",
        }
    }

    /// The signature when the float arguments are of type `float` (`F64` or `F32`).
    pub fn sig(self, float: Ty) -> FuncSig {
        let plain = |params: Vec<Ty>, ret: Ty| FuncSig {
            params,
            ret,
            rng: false,
            ctx: false,
        };
        match self {
            Func::Pow => plain(vec![float, float], float),
            Func::Rand | Func::Randn => FuncSig {
                params: vec![],
                ret: Ty::F64,
                rng: true,
                ctx: false,
            },
            Func::Poisson => FuncSig {
                params: vec![Ty::F64],
                ret: Ty::I64,
                rng: true,
                ctx: false,
            },
            Func::Binomial => FuncSig {
                params: vec![Ty::I64, Ty::F64],
                ret: Ty::I64,
                rng: true,
                ctx: false,
            },
            Func::GeometricSkip => FuncSig {
                params: vec![Ty::F64],
                ret: Ty::I64,
                rng: true,
                ctx: false,
            },
            Func::SampleSize => FuncSig {
                params: vec![Ty::I64; 5],
                ret: Ty::I64,
                rng: true,
                ctx: true,
            },
            Func::SampleGet => FuncSig {
                params: vec![Ty::I64],
                ret: Ty::I64,
                rng: false,
                ctx: true,
            },
            Func::PushSynapse | Func::ReportError => FuncSig {
                params: vec![Ty::I64; 3],
                ret: Ty::I64,
                rng: false,
                ctx: true,
            },
            _ => plain(vec![float], float),
        }
    }
}

/// A typed scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    F64(f64),
    F32(f32),
    I64(i64),
    Bool(bool),
    Local(LocalId),
    Scalar(ScalarId),
    /// `array[index]`, `index` of type `I64`.
    Load(ArrayId, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cast(Ty, Box<Expr>),
    /// `if c { a } else { b }` (both evaluated).
    Select(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

impl Expr {
    pub fn load(array: ArrayId, index: Expr) -> Expr {
        Expr::Load(array, Box::new(index))
    }

    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    pub fn cast(ty: Ty, e: Expr) -> Expr {
        Expr::Cast(ty, Box::new(e))
    }

    pub fn logical_not(e: Expr) -> Expr {
        Expr::Unary(UnOp::Not, Box::new(e))
    }

    pub fn select(c: Expr, a: Expr, b: Expr) -> Expr {
        Expr::Select(Box::new(c), Box::new(a), Box::new(b))
    }

    /// Calls `f` on each direct operand (the one traversal the passes share).
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match self {
            Expr::Load(_, a) | Expr::Unary(_, a) | Expr::Cast(_, a) => f(a),
            Expr::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            Expr::Select(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            Expr::Call(_, args) => args.iter().for_each(f),
            Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Local(_) | Expr::Scalar(_) => {}
        }
    }

    /// Calls `f` on each direct operand, mutably.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        match self {
            Expr::Load(_, a) | Expr::Unary(_, a) | Expr::Cast(_, a) => f(a),
            Expr::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            Expr::Select(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            Expr::Call(_, args) => args.iter_mut().for_each(f),
            Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Local(_) | Expr::Scalar(_) => {}
        }
    }

    /// The type of the expression in `kernel`.
    pub fn ty(&self, k: &Kernel) -> Ty {
        match self {
            Expr::F64(_) => Ty::F64,
            Expr::F32(_) => Ty::F32,
            Expr::I64(_) => Ty::I64,
            Expr::Bool(_) => Ty::Bool,
            Expr::Local(l) => k.locals[*l].ty,
            Expr::Scalar(s) => k.scalars[*s].ty,
            Expr::Load(a, _) => k.arrays[*a].elem.value_ty(),
            Expr::Unary(UnOp::Neg, e) => e.ty(k),
            Expr::Unary(UnOp::Not, _) => Ty::Bool,
            Expr::Binary(op, a, _) => {
                if op.is_comparison() || op.is_logical() {
                    Ty::Bool
                } else {
                    a.ty(k)
                }
            }
            Expr::Cast(t, _) => *t,
            Expr::Select(_, a, _) => a.ty(k),
            Expr::Call(f, args) => {
                let float = args.iter().map(|a| a.ty(k)).find(|t| *t == Ty::F32).unwrap_or(Ty::F64);
                f.sig(float).ret
            }
        }
    }
}

/// A statement of a kernel body.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `local = value` (locals are mutable; the value has the local's type).
    Assign(LocalId, Expr),
    /// `array[index] = value`.
    Store { array: ArrayId, index: Expr, value: Expr },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// `for var in start..end` (ascending, step 1, `I64`; `end` is evaluated once).
    For {
        var: LocalId,
        start: Expr,
        end: Expr,
        body: Vec<Stmt>,
    },
    /// `while cond { body }`.
    While { cond: Expr, body: Vec<Stmt> },
    /// Evaluates an expression for its side effects (a runtime call) and drops the value.
    Eval(Expr),
}

/// A compiled unit: one native function `extern "C" fn(*const KernelArgs)`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Kernel {
    pub name: String,
    pub arrays: Vec<ArrayDecl>,
    pub scalars: Vec<ScalarDecl>,
    pub locals: Vec<LocalDecl>,
    pub body: Vec<Stmt>,
}

/// The one argument of every kernel. Scalars are 8-byte slots holding the bits of
/// an `f64` (for `F64` and `F32` scalars: an `F32` scalar is stored as `f64`),
/// an `i64`, or 0/1 for `Bool`.
#[repr(C)]
#[derive(Debug)]
pub struct KernelArgs {
    pub arrays: *const *mut u8,
    pub scalars: *const u64,
    pub rng: *mut spikejit_runtime::Rng,
    pub ctx: *mut spikejit_runtime::Context,
}

impl Kernel {
    pub fn new(name: impl Into<String>) -> Kernel {
        Kernel {
            name: name.into(),
            ..Kernel::default()
        }
    }

    pub fn array(&mut self, name: impl Into<String>, elem: ElemTy) -> ArrayId {
        self.arrays.push(ArrayDecl {
            name: name.into(),
            elem,
        });
        self.arrays.len() - 1
    }

    pub fn scalar(&mut self, name: impl Into<String>, ty: Ty) -> ScalarId {
        self.scalars.push(ScalarDecl { name: name.into(), ty });
        self.scalars.len() - 1
    }

    pub fn local(&mut self, name: impl Into<String>, ty: Ty) -> LocalId {
        self.locals.push(LocalDecl { name: name.into(), ty });
        self.locals.len() - 1
    }
}
