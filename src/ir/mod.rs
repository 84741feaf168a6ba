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
//!
//! Checked operations ([`Func::is_check`]) compute what the plain operation
//! computes and, where that has no exact result, record a fault in the runtime
//! context (`spikejit_runtime::Context::report_fault`): integer `+ - * //  %`
//! and negation, float-to-integer conversion, a value stored to a 32-bit
//! integer, a NaN or infinity stored to a float. Their last two arguments are
//! the check's site (an `I64` constant: the lowering numbers its checks) and
//! the element to report (a pure `I64` expression, evaluated only when the
//! check fails). The passes treat them as having an effect: they are not
//! lifted out of loops, merged or dropped.

pub mod fuse;
pub mod parallel;
pub mod passes;
pub mod print;

/// A binary operator of IR code. The names and printed symbols are those of
/// Brian2's (Python's) operators, which the lowering maps one to one, but the
/// meaning is the IR's own (see the typing rules above): the IR knows nothing
/// of the syntax it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`: float division (both operands floats).
    Div,
    /// `//`: floor division (Python semantics; integer division by zero gives 0).
    FloorDiv,
    /// `%`: Python modulo (the result has the sign of the divisor; integer modulo by zero gives 0).
    Mod,
    /// `**`: power (both operands floats).
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
    /// `and`: both booleans, both sides evaluated.
    And,
    /// `or`: both booleans, both sides evaluated.
    Or,
}

impl BinOp {
    /// The operator as the IR printer writes it (`+`, `//`, `**`, `and`, ...).
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

/// The type of a value in IR code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A double-precision float (the default for model variables).
    F64,
    /// A single-precision float (model variables in float32 mode).
    F32,
    /// A 64-bit signed integer (indices, counts, integer variables); arrays may store it as `i32`.
    I64,
    /// A boolean (conditions; stored in arrays as a `u8` 0/1).
    Bool,
}

impl Ty {
    /// True for `F64` and `F32`.
    pub fn is_float(self) -> bool {
        matches!(self, Ty::F64 | Ty::F32)
    }

    /// The name the IR printer uses (`f64`, `f32`, `i64`, `bool`).
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
    /// 8-byte IEEE double.
    F64,
    /// 4-byte IEEE single.
    F32,
    /// 4-byte signed integer, loaded as `I64` (how Brian2 stores indices and integer variables).
    I32,
    /// 8-byte signed integer.
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

    /// The element size in bytes (the stride of the array in memory).
    pub fn size(self) -> usize {
        match self {
            ElemTy::F64 | ElemTy::I64 => 8,
            ElemTy::F32 | ElemTy::I32 => 4,
            ElemTy::U8 => 1,
        }
    }

    /// The name the IR printer uses (`f64`, `f32`, `i32`, `i64`, `u8`).
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

/// A kernel's array parameter: one runtime array bound by pointer in `KernelArgs::arrays`.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayDecl {
    /// Name for the printed IR (the lowering uses `var#object`, e.g. `v#P`); the backends ignore it.
    pub name: String,
    /// How the elements are stored; loads give [`ElemTy::value_ty`].
    pub elem: ElemTy,
    /// The elements the bound array holds, `lo..hi`, where the caller wants
    /// every access checked against them (a rank's neuron array holds only
    /// the rank's neurons): the interpreter counts an access outside
    /// ([`crate::interp::accesses_outside_held`]) and skips it; the JIT and
    /// the printed IR ignore it.
    pub held: Option<(i64, i64)>,
}

/// A kernel's scalar parameter: one 8-byte slot of `KernelArgs::scalars`, read-only for the kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarDecl {
    /// The slot's name; the simulator fills slots by name (`t`, `t_in_timesteps`, loop bounds, counts).
    pub name: String,
    /// The value type the slot holds.
    pub ty: Ty,
}

/// A mutable local variable of a kernel (loop variables, temporaries, the current element index).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalDecl {
    /// Name for the printed IR; not seen by the backends.
    pub name: String,
    /// The local's type; every assignment must have it.
    pub ty: Ty,
}

/// A unary operator.
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
    /// `exp(x)`.
    Exp,
    /// Natural logarithm.
    Log,
    /// Base-10 logarithm.
    Log10,
    /// Square root.
    Sqrt,
    /// Sine (radians).
    Sin,
    /// Cosine (radians).
    Cos,
    /// Tangent (radians).
    Tan,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Hyperbolic tangent.
    Tanh,
    /// Arcsine (Brian2's `arcsin`).
    Asin,
    /// Arccosine (Brian2's `arccos`).
    Acos,
    /// Arctangent (Brian2's `arctan`).
    Atan,
    /// `exp(x) - 1`, accurate for small `x`.
    Expm1,
    /// `log(1 + x)`, accurate for small `x`.
    Log1p,
    /// Absolute value of a float.
    Abs,
    /// Largest integral value not above `x` (a float, not a cast).
    Floor,
    /// Smallest integral value not below `x` (a float, not a cast).
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
    /// Keys the kernel's draws that follow by the element `(a, b)` of this
    /// step (`Rng::at`): `(a, b: I64) -> I64`, returns 0.
    RngAt,
    /// Keys the draws of element `a` of a range loop, continuing the stream
    /// within runs of `JUMP_BLOCK` elements (`Rng::at_in_range`):
    /// `(a: I64) -> I64`, returns 0.
    RngAtInRange,
    /// Keys the geometric skips that follow by the block `(a, b)` of this step
    /// (`Rng::jump_at`): `(a, b: I64) -> I64`, returns 0.
    RngJumpAt,
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
    /// `a + b` on `I64`, wrapping; an overflow is a fault: `(a, b, site, elem) -> I64`.
    CheckedAdd,
    /// `a - b` on `I64`, wrapping; an overflow is a fault: `(a, b, site, elem) -> I64`.
    CheckedSub,
    /// `a * b` on `I64`, wrapping; an overflow is a fault: `(a, b, site, elem) -> I64`.
    CheckedMul,
    /// `a // b` on `I64` (as `FloorDiv`); `b == 0` and `i64::MIN // -1` are
    /// faults: `(a, b, site, elem) -> I64`.
    CheckedFloorDiv,
    /// `a % b` on `I64` (as `Mod`); `b == 0` is a fault: `(a, b, site, elem) -> I64`.
    CheckedMod,
    /// `-a` on `I64`, wrapping; `-i64::MIN` is a fault: `(a, site, elem) -> I64`.
    CheckedNeg,
    /// `x` as `I64` (as `Cast`: truncating, saturating, NaN gives 0); NaN, an
    /// infinity or a value outside the `i64` range is a fault:
    /// `(x: float, site, elem) -> I64`.
    CheckedToInt,
    /// `a` unchanged; a value outside the `i32` range is a fault (the value of
    /// a store to an `I32` array, which keeps its low 32 bits): `(a, site, elem) -> I64`.
    CheckedI32,
    /// `x` unchanged; NaN or an infinity is a fault (the value of a store to a
    /// float array, `elem` its index): `(x: float, site, elem) -> float`.
    CheckFinite,
    /// Records an error with the offending value (a connection probability
    /// outside `[0, 1]`, a negative count): `(code, a, b: I64, value: F64) -> I64`.
    /// Returns 0.
    ReportValue,
    /// A function of the user's, called through its address: `(F64, ...) -> F64`.
    Extern(ExternFn),
}

/// A user's `extern "C"` function of `arity` `f64` arguments returning an
/// `f64`, at address `addr` (which the printed IR, and so the kernel cache's
/// key, shows). It is assumed pure: it may be called in any order, on any
/// thread, merged with an equal call or lifted out of a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternFn {
    /// The function's address.
    pub addr: usize,
    /// The number of its `f64` arguments (at most [`ExternFn::MAX_ARITY`]).
    pub arity: u8,
}

impl ExternFn {
    /// The most arguments a user's function may take.
    pub const MAX_ARITY: usize = 4;
}

/// The signature of a [`Func`] for one value type of its float arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncSig {
    /// The types of the IR-level arguments, in order (the RNG and context pointers are not counted).
    pub params: Vec<Ty>,
    /// The result type.
    pub ret: Ty,
    /// The first native argument is `KernelArgs::rng`.
    pub rng: bool,
    /// The first native argument (after the RNG, if any) is `KernelArgs::ctx`.
    pub ctx: bool,
}

impl Func {
    /// Whether the function draws from the kernel's element stream (all that
    /// draw but the geometric skips, which have a stream of their own): such
    /// a draw is keyed by the element that makes it (`RngAt`).
    pub fn draws_for_element(self) -> bool {
        matches!(
            self,
            Func::Rand | Func::Randn | Func::Poisson | Func::Binomial | Func::SampleSize
        )
    }

    /// The one-argument math functions, `(float) -> float` in either precision (the functions with a `<name>`/`<name>f`
    /// symbol pair in the runtime).
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

    /// The name the IR printer and the runtime's symbol table use (Brian2's spelling: `arcsin`, not `asin`).
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
            Func::RngAt => "rng_at",
            Func::RngAtInRange => "rng_at_in_range",
            Func::RngJumpAt => "rng_jump_at",
            Func::SampleSize => "sample_size",
            Func::SampleGet => "sample_get",
            Func::PushSynapse => "push_synapse",
            Func::ReportError => "report_error",
            Func::CheckedAdd => "checked_add",
            Func::CheckedSub => "checked_sub",
            Func::CheckedMul => "checked_mul",
            Func::CheckedFloorDiv => "checked_floordiv",
            Func::CheckedMod => "checked_mod",
            Func::CheckedNeg => "checked_neg",
            Func::CheckedToInt => "checked_int",
            Func::CheckedI32 => "checked_i32",
            Func::CheckFinite => "check_finite",
            Func::ReportValue => "report_value",
            Func::Extern(_) => "extern",
        }
    }

    /// Whether `self` is a checked operation (see the module docs): the backends
    /// compile it inline, with a call into the runtime only when the check fails.
    pub fn is_check(self) -> bool {
        matches!(
            self,
            Func::CheckedAdd
                | Func::CheckedSub
                | Func::CheckedMul
                | Func::CheckedFloorDiv
                | Func::CheckedMod
                | Func::CheckedNeg
                | Func::CheckedToInt
                | Func::CheckedI32
                | Func::CheckFinite
        )
    }

    /// The signature when the float arguments are of type `float` (`F64` or `F32`).
    pub fn sig(self, float: Ty) -> FuncSig {
        let plain = |params: Vec<Ty>, ret: Ty| FuncSig {
            params,
            ret,
            rng: false,
            ctx: false,
        };
        // Functions that draw from the kernel's RNG stream.
        let rng = |params: Vec<Ty>, ret: Ty| FuncSig {
            rng: true,
            ..plain(params, ret)
        };
        // Functions that write to (or read from) the runtime context.
        let ctx = |params: Vec<Ty>, ret: Ty| FuncSig {
            ctx: true,
            ..plain(params, ret)
        };
        match self {
            Func::Pow => plain(vec![float, float], float),
            Func::Rand | Func::Randn => rng(vec![], Ty::F64),
            Func::Poisson => rng(vec![Ty::F64], Ty::I64),
            Func::Binomial => rng(vec![Ty::I64, Ty::F64], Ty::I64),
            Func::GeometricSkip => rng(vec![Ty::F64], Ty::I64),
            Func::RngAt | Func::RngJumpAt => rng(vec![Ty::I64, Ty::I64], Ty::I64),
            Func::RngAtInRange => rng(vec![Ty::I64], Ty::I64),
            Func::SampleSize => FuncSig {
                ctx: true,
                ..rng(vec![Ty::I64; 5], Ty::I64)
            },
            Func::SampleGet => ctx(vec![Ty::I64], Ty::I64),
            Func::PushSynapse | Func::ReportError => ctx(vec![Ty::I64; 3], Ty::I64),
            Func::ReportValue => ctx(vec![Ty::I64, Ty::I64, Ty::I64, Ty::F64], Ty::I64),
            Func::CheckedAdd | Func::CheckedSub | Func::CheckedMul | Func::CheckedFloorDiv | Func::CheckedMod => {
                ctx(vec![Ty::I64; 4], Ty::I64)
            }
            Func::CheckedNeg | Func::CheckedI32 => ctx(vec![Ty::I64; 3], Ty::I64),
            Func::CheckedToInt => ctx(vec![float, Ty::I64, Ty::I64], Ty::I64),
            Func::CheckFinite => ctx(vec![float, Ty::I64, Ty::I64], float),
            Func::Extern(f) => plain(vec![Ty::F64; usize::from(f.arity)], Ty::F64),
            _ => plain(vec![float], float),
        }
    }
}

/// Python's `a // b` on i64 as both backends compute it: 0 for a zero divisor;
/// `i64::MIN // -1` wraps to `i64::MIN`.
pub fn int_floor_div(a: i64, b: i64) -> i64 {
    match b {
        0 => 0,
        -1 => a.wrapping_neg(),
        _ => {
            let (q, r) = (a / b, a % b);
            if r != 0 && ((r < 0) != (b < 0)) { q - 1 } else { q }
        }
    }
}

/// Python's `a % b` on i64 (the sign of the divisor) as both backends compute
/// it: 0 for a zero divisor.
pub fn int_mod(a: i64, b: i64) -> i64 {
    match b {
        0 | -1 => 0,
        _ => {
            let r = a % b;
            if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r }
        }
    }
}

/// 2^63: the floats `f` that convert to `i64` exactly (truncated) are those
/// with `-2^63 <= f < 2^63` (`Func::CheckedToInt`).
pub const I64_FLOAT_LIMIT: f64 = -(i64::MIN as f64);

/// A typed scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// An `f64` constant.
    F64(f64),
    /// An `f32` constant.
    F32(f32),
    /// An `i64` constant.
    I64(i64),
    /// A boolean constant.
    Bool(bool),
    /// The current value of a mutable local.
    Local(LocalId),
    /// The value of a scalar parameter (`KernelArgs::scalars[id]`).
    Scalar(ScalarId),
    /// `array[index]`, `index` of type `I64`.
    Load(ArrayId, Box<Expr>),
    /// A unary operation (`-x`, `not x`).
    Unary(UnOp, Box<Expr>),
    /// A binary operation; see the module docs for the typing of each operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A conversion to the given type (see the module docs for the rules).
    Cast(Ty, Box<Expr>),
    /// `if c { a } else { b }` (both evaluated).
    Select(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A call of a math or runtime function; the float type of the arguments picks the `f64` or `f32` variant.
    Call(Func, Vec<Expr>),
}

/// The body of [`Expr::for_each_child`] and [`Expr::for_each_child_mut`],
/// which differ only in the kind of reference (`iter` or `iter_mut` over a
/// call's arguments).
macro_rules! for_each_operand {
    ($e:expr, $f:ident, $iter:ident) => {
        match $e {
            Expr::Load(_, a) | Expr::Unary(_, a) | Expr::Cast(_, a) => $f(a),
            Expr::Binary(_, a, b) => {
                $f(a);
                $f(b);
            }
            Expr::Select(c, a, b) => {
                $f(c);
                $f(a);
                $f(b);
            }
            Expr::Call(_, args) => args.$iter().for_each($f),
            Expr::F64(_) | Expr::F32(_) | Expr::I64(_) | Expr::Bool(_) | Expr::Local(_) | Expr::Scalar(_) => {}
        }
    };
}

impl Expr {
    /// `array[index]`.
    pub fn load(array: ArrayId, index: Expr) -> Expr {
        Expr::Load(array, Box::new(index))
    }

    /// `a op b`.
    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    /// `ty(e)`.
    pub fn cast(ty: Ty, e: Expr) -> Expr {
        Expr::Cast(ty, Box::new(e))
    }

    /// `not e` (for a `Bool` operand).
    pub fn logical_not(e: Expr) -> Expr {
        Expr::Unary(UnOp::Not, Box::new(e))
    }

    /// `if c { a } else { b }`, both sides evaluated.
    pub fn select(c: Expr, a: Expr, b: Expr) -> Expr {
        Expr::Select(Box::new(c), Box::new(a), Box::new(b))
    }

    /// Calls `f` on each direct operand (the one traversal the passes share).
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        for_each_operand!(self, f, iter)
    }

    /// Calls `f` on each direct operand, mutably.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        for_each_operand!(self, f, iter_mut)
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
    Store {
        /// The array stored to.
        array: ArrayId,
        /// The `I64` element index.
        index: Expr,
        /// The value, of the array's value type; converted to the element type on store.
        value: Expr,
    },
    /// `if cond { then } else { els }`; only the taken branch runs.
    If {
        /// The `Bool` condition.
        cond: Expr,
        /// Statements run when the condition holds.
        then: Vec<Stmt>,
        /// Statements run otherwise (often empty).
        els: Vec<Stmt>,
    },
    /// `for var in start..end` (ascending, step 1, `I64`; `end` is evaluated once).
    For {
        /// The `I64` loop variable; it holds the current index in the body.
        var: LocalId,
        /// The first index (inclusive).
        start: Expr,
        /// One past the last index; evaluated once, before the first iteration.
        end: Expr,
        /// Statements run for each index.
        body: Vec<Stmt>,
    },
    /// `while cond { body }`.
    While {
        /// The `Bool` condition, evaluated before each iteration.
        cond: Expr,
        /// Statements run while the condition holds.
        body: Vec<Stmt>,
    },
    /// Evaluates an expression for its side effects (a runtime call) and drops the value.
    Eval(Expr),
}

/// A compiled unit: one native function `extern "C" fn(*const KernelArgs)`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Kernel {
    /// The kernel's name (the native symbol, and the first line of the printed IR).
    pub name: String,
    /// Array parameters, indexed by [`ArrayId`]; the caller binds them in this order.
    pub arrays: Vec<ArrayDecl>,
    /// Scalar parameters, indexed by [`ScalarId`].
    pub scalars: Vec<ScalarDecl>,
    /// Mutable locals, indexed by [`LocalId`].
    pub locals: Vec<LocalDecl>,
    /// The statements run once per call, loops included.
    pub body: Vec<Stmt>,
}

impl Kernel {
    /// Whether the kernel draws random numbers (its stream is then keyed by
    /// the step before each call, `Rng::begin_step`).
    pub fn draws(&self) -> bool {
        fuse::calls(&self.body, |f| f.sig(Ty::F64).rng)
    }
}

/// The one argument of every kernel. Scalars are 8-byte slots holding the bits of
/// an `f64` (for `F64` and `F32` scalars: an `F32` scalar is stored as `f64`),
/// an `i64`, or 0/1 for `Bool`.
#[repr(C)]
#[derive(Debug)]
pub struct KernelArgs {
    /// `arrays[id]` is the base pointer of array `id` (see [`Kernel::arrays`] for the element types).
    pub arrays: *const *mut u8,
    /// `scalars[id]` is the bits of scalar `id`, as described above.
    pub scalars: *const u64,
    /// The random-number stream of `rand()`, `randn()` and the sampling functions.
    pub rng: *mut spikejit_runtime::Rng,
    /// The runtime context: the synapses connect kernels push, the `sample` buffer and the first recorded error.
    pub ctx: *mut spikejit_runtime::Context,
}

impl Kernel {
    /// An empty kernel named `name`.
    pub fn new(name: impl Into<String>) -> Kernel {
        Kernel {
            name: name.into(),
            ..Kernel::default()
        }
    }

    /// Declares an array parameter and returns its id (the next index of `KernelArgs::arrays`).
    pub fn array(&mut self, name: impl Into<String>, elem: ElemTy) -> ArrayId {
        self.arrays.push(ArrayDecl {
            name: name.into(),
            elem,
            held: None,
        });
        self.arrays.len() - 1
    }

    /// Declares a scalar parameter and returns its id (the next index of `KernelArgs::scalars`).
    pub fn scalar(&mut self, name: impl Into<String>, ty: Ty) -> ScalarId {
        self.scalars.push(ScalarDecl { name: name.into(), ty });
        self.scalars.len() - 1
    }

    /// Declares a mutable local and returns its id.
    pub fn local(&mut self, name: impl Into<String>, ty: Ty) -> LocalId {
        self.locals.push(LocalDecl { name: name.into(), ty });
        self.locals.len() - 1
    }
}
