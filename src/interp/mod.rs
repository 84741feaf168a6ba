//! A direct interpreter of the kernel IR with the same ABI as the JIT.
//!
//! It is the oracle of the differential tests, so it favours being obviously
//! right: one `match` per construct, every operation spelled out as the typing
//! rules in `ir` state it. Math and random functions are the runtime's, the very
//! functions JIT code calls, so both backends give bit-identical results.

use spikejit_runtime as rt;

use crate::ir::{BinOp, ElemTy, Expr, Func, Kernel, KernelArgs, Stmt, Ty, UnOp, int_floor_div, int_mod};

/// A value of an IR type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A double-precision float.
    F64(f64),
    /// A single-precision float.
    F32(f32),
    /// A 64-bit integer (also the value of `I32` array elements).
    I64(i64),
    /// A boolean (also the value of `U8` array elements).
    Bool(bool),
}

impl Value {
    fn zero(t: Ty) -> Value {
        match t {
            Ty::F64 => Value::F64(0.0),
            Ty::F32 => Value::F32(0.0),
            Ty::I64 => Value::I64(0),
            Ty::Bool => Value::Bool(false),
        }
    }

    // The accessors below are only called on values of the right type: the
    // kernel was validated. A wrong type is a bug in this module, hence panics.
    fn f64(self) -> f64 {
        match self {
            Value::F64(x) => x,
            v => panic!("interpreter: expected f64, got {v:?}"),
        }
    }

    fn i64(self) -> i64 {
        match self {
            Value::I64(x) => x,
            v => panic!("interpreter: expected i64, got {v:?}"),
        }
    }

    fn bool(self) -> bool {
        match self {
            Value::Bool(x) => x,
            v => panic!("interpreter: expected bool, got {v:?}"),
        }
    }
}

/// Accesses the interpreter refused because they fell outside the elements
/// an array holds ([`crate::ir::ArrayDecl::held`]), since the process started.
static OUTSIDE_HELD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many loads and stores the interpreter refused, since the process
/// started, because they fell outside the elements an array holds
/// ([`crate::ir::ArrayDecl::held`]: on several ranks, a neuron array holds
/// the rank's neurons only). The tests run the ranks' kernels on the
/// interpreter and check that this stays 0.
pub fn accesses_outside_held() -> usize {
    OUTSIDE_HELD.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs `kernel` on `args`, as its compiled form would.
///
/// # Safety
/// As `CompiledKernel::run`: `args` must match the kernel (valid array pointers
/// of the declared element types, long enough for every index used; one slot
/// per scalar; valid `rng`/`ctx` where the kernel uses them). The kernel must
/// be valid (`Kernel::validate`); an invalid one may panic.
pub unsafe fn run(kernel: &Kernel, args: &KernelArgs) {
    let arrays = (0..kernel.arrays.len())
        .map(|a| unsafe { *args.arrays.add(a) })
        .collect();
    let scalars = kernel
        .scalars
        .iter()
        .enumerate()
        .map(|(s, d)| {
            let bits = unsafe { *args.scalars.add(s) };
            match d.ty {
                Ty::F64 => Value::F64(f64::from_bits(bits)),
                // F32 scalars travel as f64.
                Ty::F32 => Value::F32(f64::from_bits(bits) as f32),
                Ty::I64 => Value::I64(bits as i64),
                Ty::Bool => Value::Bool(bits != 0),
            }
        })
        .collect();
    let mut m = Machine {
        k: kernel,
        arrays,
        scalars,
        locals: kernel.locals.iter().map(|d| Value::zero(d.ty)).collect(),
        rng: args.rng,
        ctx: args.ctx,
    };
    unsafe { m.block(&kernel.body) };
}

struct Machine<'k> {
    k: &'k Kernel,
    arrays: Vec<*mut u8>,
    scalars: Vec<Value>,
    locals: Vec<Value>,
    rng: *mut rt::Rng,
    ctx: *mut rt::Context,
}

impl Machine<'_> {
    /// Whether element `i` of array `a` is outside the elements it holds
    /// (counted, and the access skipped: it would reach past the array).
    fn outside_held(&self, a: usize, i: i64) -> bool {
        match self.k.arrays[a].held {
            Some((lo, hi)) if i < lo || i >= hi => {
                OUTSIDE_HELD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    unsafe fn block(&mut self, body: &[Stmt]) {
        for s in body {
            unsafe { self.stmt(s) };
        }
    }

    unsafe fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Assign(l, e) => {
                let v = unsafe { self.expr(e) };
                self.locals[*l] = v;
            }
            Stmt::Store { array, index, value } => {
                let i = unsafe { self.expr(index) }.i64();
                let v = unsafe { self.expr(value) };
                if self.outside_held(*array, i) {
                    return;
                }
                let base = self.arrays[*array];
                let elem = self.k.arrays[*array].elem;
                // SAFETY: the caller guarantees the index is in bounds.
                unsafe {
                    match elem {
                        ElemTy::F64 => *(base as *mut f64).offset(i as isize) = v.f64(),
                        ElemTy::F32 => {
                            let Value::F32(x) = v else {
                                panic!("interpreter: expected f32, got {v:?}")
                            };
                            *(base as *mut f32).offset(i as isize) = x;
                        }
                        ElemTy::I64 => *(base as *mut i64).offset(i as isize) = v.i64(),
                        // Truncates, as the typing rules say.
                        ElemTy::I32 => *(base as *mut i32).offset(i as isize) = v.i64() as i32,
                        ElemTy::U8 => *base.offset(i as isize) = u8::from(v.bool()),
                    }
                }
            }
            Stmt::If { cond, then, els } => {
                if unsafe { self.expr(cond) }.bool() {
                    unsafe { self.block(then) };
                } else {
                    unsafe { self.block(els) };
                }
            }
            Stmt::For { var, start, end, body } => {
                let start = unsafe { self.expr(start) }.i64();
                let end = unsafe { self.expr(end) }.i64();
                // The counter is separate from `var`: the body may assign `var`
                // without changing the trip count (the JIT does the same).
                let mut i = start;
                while i < end {
                    self.locals[*var] = Value::I64(i);
                    unsafe { self.block(body) };
                    i += 1;
                }
            }
            Stmt::While { cond, body } => {
                while unsafe { self.expr(cond) }.bool() {
                    unsafe { self.block(body) };
                }
            }
            Stmt::Eval(e) => {
                unsafe { self.expr(e) };
            }
        }
    }

    unsafe fn expr(&mut self, e: &Expr) -> Value {
        match e {
            Expr::F64(x) => Value::F64(*x),
            Expr::F32(x) => Value::F32(*x),
            Expr::I64(x) => Value::I64(*x),
            Expr::Bool(x) => Value::Bool(*x),
            Expr::Local(l) => self.locals[*l],
            Expr::Scalar(s) => self.scalars[*s],
            Expr::Load(a, index) => {
                let i = unsafe { self.expr(index) }.i64() as isize;
                if self.outside_held(*a, i as i64) {
                    return Value::zero(self.k.arrays[*a].elem.value_ty());
                }
                let base = self.arrays[*a];
                // SAFETY: the caller guarantees the index is in bounds.
                unsafe {
                    match self.k.arrays[*a].elem {
                        ElemTy::F64 => Value::F64(*(base as *const f64).offset(i)),
                        ElemTy::F32 => Value::F32(*(base as *const f32).offset(i)),
                        ElemTy::I64 => Value::I64(*(base as *const i64).offset(i)),
                        ElemTy::I32 => Value::I64(i64::from(*(base as *const i32).offset(i))),
                        ElemTy::U8 => Value::Bool(*base.offset(i) != 0),
                    }
                }
            }
            Expr::Unary(op, x) => match (op, unsafe { self.expr(x) }) {
                (UnOp::Not, v) => Value::Bool(!v.bool()),
                (UnOp::Neg, Value::F64(x)) => Value::F64(-x),
                (UnOp::Neg, Value::F32(x)) => Value::F32(-x),
                (UnOp::Neg, Value::I64(x)) => Value::I64(x.wrapping_neg()),
                (UnOp::Neg, v) => panic!("interpreter: cannot negate {v:?}"),
            },
            Expr::Binary(op, a, b) => {
                let x = unsafe { self.expr(a) };
                let y = unsafe { self.expr(b) };
                binary(*op, x, y)
            }
            Expr::Cast(to, x) => cast(unsafe { self.expr(x) }, *to),
            Expr::Select(c, a, b) => {
                // Both sides are evaluated, as in compiled code.
                let c = unsafe { self.expr(c) }.bool();
                let x = unsafe { self.expr(a) };
                let y = unsafe { self.expr(b) };
                if c { x } else { y }
            }
            Expr::Call(f, args) if f.is_check() => unsafe { self.checked(*f, args) },
            Expr::Call(f, args) => {
                // No function takes more than 5 arguments (validated); a fixed
                // array avoids an allocation per call.
                let mut vals = [Value::I64(0); 5];
                for (slot, a) in vals.iter_mut().zip(args) {
                    *slot = unsafe { self.expr(a) };
                }
                unsafe { self.call(*f, &vals[..args.len().min(5)]) }
            }
        }
    }

    /// A checked operation (see `ir`): the plain result, and the fault recorded
    /// in the context when there is no exact one. The site and element are
    /// evaluated only then, as in compiled code.
    unsafe fn checked(&mut self, f: Func, args: &[Expr]) -> Value {
        use rt::fault_code as code;
        let x = unsafe { self.expr(&args[0]) };
        let (result, fault) = match f {
            Func::CheckedAdd | Func::CheckedSub | Func::CheckedMul | Func::CheckedFloorDiv | Func::CheckedMod => {
                let (a, b) = (x.i64(), unsafe { self.expr(&args[1]) }.i64());
                let (r, overflow) = match f {
                    Func::CheckedAdd => a.overflowing_add(b),
                    Func::CheckedSub => a.overflowing_sub(b),
                    Func::CheckedMul => a.overflowing_mul(b),
                    Func::CheckedFloorDiv => (int_floor_div(a, b), a == i64::MIN && b == -1),
                    _ => (int_mod(a, b), false),
                };
                let fault = match f {
                    Func::CheckedFloorDiv if b == 0 => Some((code::DIVISION_BY_ZERO, a)),
                    Func::CheckedMod if b == 0 => Some((code::MODULO_BY_ZERO, a)),
                    Func::CheckedFloorDiv => overflow.then_some((code::OVERFLOW, a)),
                    _ => overflow.then_some((code::OVERFLOW, r)),
                };
                (Value::I64(r), fault)
            }
            Func::CheckedNeg => {
                let a = x.i64();
                (
                    Value::I64(a.wrapping_neg()),
                    (a == i64::MIN).then_some((code::OVERFLOW, a)),
                )
            }
            Func::CheckedI32 => {
                let a = x.i64();
                (
                    Value::I64(a),
                    (i32::try_from(a).is_err()).then_some((code::OVERFLOW, a)),
                )
            }
            Func::CheckedToInt => {
                let v = match x {
                    Value::F32(v) => f64::from(v),
                    v => v.f64(),
                };
                let limit = crate::ir::I64_FLOAT_LIMIT;
                let bad = !(-limit..limit).contains(&v);
                let r = cast(x, Ty::I64);
                (r, bad.then_some((code::INVALID_CONVERSION, v.to_bits() as i64)))
            }
            Func::CheckFinite => {
                let v = match x {
                    Value::F32(v) => f64::from(v),
                    v => v.f64(),
                };
                (x, (!v.is_finite()).then_some((code::NON_FINITE, v.to_bits() as i64)))
            }
            other => panic!("interpreter: {} is not a checked operation", other.name()),
        };
        if let Some((c, value)) = fault {
            let n = args.len();
            let site = unsafe { self.expr(&args[n - 2]) }.i64();
            let elem = unsafe { self.expr(&args[n - 1]) }.i64();
            // SAFETY: a kernel with checks is run with a valid context.
            unsafe { rt::spikejit_fault(self.ctx, c, site, elem, value) };
        }
        result
    }

    unsafe fn call(&mut self, f: Func, v: &[Value]) -> Value {
        // SAFETY (all runtime calls): the caller guarantees `rng`/`ctx` are valid
        // for kernels that use them.
        unsafe {
            match f {
                Func::Rand => Value::F64(rt::spikejit_rand(self.rng)),
                Func::Randn => Value::F64(rt::spikejit_randn(self.rng)),
                Func::Poisson => Value::I64(rt::spikejit_poisson(self.rng, v[0].f64())),
                Func::Binomial => Value::I64(rt::spikejit_binomial(self.rng, v[0].i64(), v[1].f64())),
                Func::GeometricSkip => Value::I64(rt::spikejit_geometric_skip(self.rng, v[0].f64())),
                Func::RngAt => Value::I64(rt::spikejit_rng_at(self.rng, v[0].i64(), v[1].i64())),
                Func::RngAtInRange => Value::I64(rt::spikejit_rng_at_in_range(self.rng, v[0].i64())),
                Func::RngJumpAt => Value::I64(rt::spikejit_rng_jump_at(self.rng, v[0].i64(), v[1].i64())),
                Func::SampleSize => Value::I64(rt::spikejit_sample_size(
                    self.rng,
                    self.ctx,
                    v[0].i64(),
                    v[1].i64(),
                    v[2].i64(),
                    v[3].i64(),
                    v[4].i64(),
                )),
                Func::SampleGet => Value::I64(rt::spikejit_sample_get(self.ctx, v[0].i64())),
                Func::PushSynapse => {
                    Value::I64(rt::spikejit_push_synapse(self.ctx, v[0].i64(), v[1].i64(), v[2].i64()))
                }
                Func::ReportError => {
                    Value::I64(rt::spikejit_report_error(self.ctx, v[0].i64(), v[1].i64(), v[2].i64()))
                }
                Func::ReportValue => Value::I64(rt::spikejit_report_value(
                    self.ctx,
                    v[0].i64(),
                    v[1].i64(),
                    v[2].i64(),
                    v[3].f64(),
                )),
                Func::Pow => match (v[0], v[1]) {
                    (Value::F32(x), Value::F32(y)) => Value::F32(rt::spikejit_powf(x, y)),
                    (x, y) => Value::F64(rt::spikejit_pow(x.f64(), y.f64())),
                },
                Func::Extern(x) => Value::F64(call_extern(x, v)),
                _ => match v[0] {
                    Value::F32(x) => Value::F32(math_f32(f, x)),
                    x => Value::F64(math_f64(f, x.f64())),
                },
            }
        }
    }
}

/// A user's function called at its address, as the JIT calls it.
///
/// # Safety
/// `x.addr` is an `extern "C" fn` of `x.arity` `f64` arguments returning an
/// `f64` (the network registers only such functions), and `v` holds its arguments.
unsafe fn call_extern(x: crate::ir::ExternFn, v: &[Value]) -> f64 {
    type F0 = extern "C" fn() -> f64;
    type F1 = extern "C" fn(f64) -> f64;
    type F2 = extern "C" fn(f64, f64) -> f64;
    type F3 = extern "C" fn(f64, f64, f64) -> f64;
    type F4 = extern "C" fn(f64, f64, f64, f64) -> f64;
    let a = |k: usize| v[k].f64();
    let p = x.addr as *const ();
    // SAFETY: the caller's guarantee: the address is a function of this signature.
    unsafe {
        match x.arity {
            0 => std::mem::transmute::<*const (), F0>(p)(),
            1 => std::mem::transmute::<*const (), F1>(p)(a(0)),
            2 => std::mem::transmute::<*const (), F2>(p)(a(0), a(1)),
            3 => std::mem::transmute::<*const (), F3>(p)(a(0), a(1), a(2)),
            _ => std::mem::transmute::<*const (), F4>(p)(a(0), a(1), a(2), a(3)),
        }
    }
}

/// One-argument math in f64. Abs, floor, ceil and sqrt are exact IEEE
/// operations (the JIT emits instructions for them); the rest are the runtime's.
fn math_f64(f: Func, x: f64) -> f64 {
    match f {
        Func::Exp => rt::spikejit_exp(x),
        Func::Log => rt::spikejit_log(x),
        Func::Log10 => rt::spikejit_log10(x),
        Func::Sqrt => x.sqrt(),
        Func::Sin => rt::spikejit_sin(x),
        Func::Cos => rt::spikejit_cos(x),
        Func::Tan => rt::spikejit_tan(x),
        Func::Sinh => rt::spikejit_sinh(x),
        Func::Cosh => rt::spikejit_cosh(x),
        Func::Tanh => rt::spikejit_tanh(x),
        Func::Asin => rt::spikejit_asin(x),
        Func::Acos => rt::spikejit_acos(x),
        Func::Atan => rt::spikejit_atan(x),
        Func::Expm1 => rt::spikejit_expm1(x),
        Func::Log1p => rt::spikejit_log1p(x),
        Func::Abs => x.abs(),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Exprel => rt::spikejit_exprel(x),
        other => panic!("interpreter: {} is not a one-argument math function", other.name()),
    }
}

/// One-argument math in f32 (see [`math_f64`]).
fn math_f32(f: Func, x: f32) -> f32 {
    match f {
        Func::Exp => rt::spikejit_expf(x),
        Func::Log => rt::spikejit_logf(x),
        Func::Log10 => rt::spikejit_log10f(x),
        Func::Sqrt => x.sqrt(),
        Func::Sin => rt::spikejit_sinf(x),
        Func::Cos => rt::spikejit_cosf(x),
        Func::Tan => rt::spikejit_tanf(x),
        Func::Sinh => rt::spikejit_sinhf(x),
        Func::Cosh => rt::spikejit_coshf(x),
        Func::Tanh => rt::spikejit_tanhf(x),
        Func::Asin => rt::spikejit_asinf(x),
        Func::Acos => rt::spikejit_acosf(x),
        Func::Atan => rt::spikejit_atanf(x),
        Func::Expm1 => rt::spikejit_expm1f(x),
        Func::Log1p => rt::spikejit_log1pf(x),
        Func::Abs => x.abs(),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Exprel => rt::spikejit_exprelf(x),
        other => panic!("interpreter: {} is not a one-argument math function", other.name()),
    }
}

fn compare<T: PartialOrd>(op: BinOp, x: T, y: T) -> bool {
    match op {
        BinOp::Lt => x < y,
        BinOp::Le => x <= y,
        BinOp::Gt => x > y,
        BinOp::Ge => x >= y,
        BinOp::Eq => x == y,
        _ => x != y,
    }
}

fn binary(op: BinOp, x: Value, y: Value) -> Value {
    use BinOp::*;
    match (x, y) {
        (Value::F64(a), Value::F64(b)) => match op {
            Add => Value::F64(a + b),
            Sub => Value::F64(a - b),
            Mul => Value::F64(a * b),
            Div => Value::F64(a / b),
            FloorDiv => Value::F64((a / b).floor()),
            Mod => Value::F64(a - b * (a / b).floor()),
            Pow => Value::F64(rt::spikejit_pow(a, b)),
            _ if op.is_comparison() => Value::Bool(compare(op, a, b)),
            _ => panic!("interpreter: {op:?} on f64"),
        },
        (Value::F32(a), Value::F32(b)) => match op {
            Add => Value::F32(a + b),
            Sub => Value::F32(a - b),
            Mul => Value::F32(a * b),
            Div => Value::F32(a / b),
            FloorDiv => Value::F32((a / b).floor()),
            Mod => Value::F32(a - b * (a / b).floor()),
            Pow => Value::F32(rt::spikejit_powf(a, b)),
            _ if op.is_comparison() => Value::Bool(compare(op, a, b)),
            _ => panic!("interpreter: {op:?} on f32"),
        },
        (Value::I64(a), Value::I64(b)) => match op {
            Add => Value::I64(a.wrapping_add(b)),
            Sub => Value::I64(a.wrapping_sub(b)),
            Mul => Value::I64(a.wrapping_mul(b)),
            FloorDiv => Value::I64(int_floor_div(a, b)),
            Mod => Value::I64(int_mod(a, b)),
            _ if op.is_comparison() => Value::Bool(compare(op, a, b)),
            _ => panic!("interpreter: {op:?} on i64"),
        },
        (Value::Bool(a), Value::Bool(b)) => match op {
            And => Value::Bool(a && b),
            Or => Value::Bool(a || b),
            // False < True, as bytes.
            _ if op.is_comparison() => Value::Bool(compare(op, a, b)),
            _ => panic!("interpreter: {op:?} on bool"),
        },
        (x, y) => panic!("interpreter: {op:?} on {x:?} and {y:?}"),
    }
}

/// `Cast` as the typing rules define it (Rust's `as` for numbers: float to int
/// truncates and saturates, NaN gives 0).
fn cast(v: Value, to: Ty) -> Value {
    match (v, to) {
        (Value::F64(x), Ty::F64) => Value::F64(x),
        (Value::F64(x), Ty::F32) => Value::F32(x as f32),
        (Value::F64(x), Ty::I64) => Value::I64(x as i64),
        (Value::F64(x), Ty::Bool) => Value::Bool(x != 0.0),
        (Value::F32(x), Ty::F64) => Value::F64(f64::from(x)),
        (Value::F32(x), Ty::F32) => Value::F32(x),
        (Value::F32(x), Ty::I64) => Value::I64(x as i64),
        (Value::F32(x), Ty::Bool) => Value::Bool(x != 0.0),
        (Value::I64(x), Ty::F64) => Value::F64(x as f64),
        (Value::I64(x), Ty::F32) => Value::F32(x as f32),
        (Value::I64(x), Ty::I64) => Value::I64(x),
        (Value::I64(x), Ty::Bool) => Value::Bool(x != 0),
        (Value::Bool(x), Ty::F64) => Value::F64(f64::from(u8::from(x))),
        (Value::Bool(x), Ty::F32) => Value::F32(f32::from(u8::from(x))),
        (Value::Bool(x), Ty::I64) => Value::I64(i64::from(x)),
        (Value::Bool(x), Ty::Bool) => Value::Bool(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_floor_div_and_mod() {
        // Values from Python 3.
        let cases = [
            (7, 2, 3, 1),
            (-7, 2, -4, 1),
            (7, -2, -4, -1),
            (-7, -2, 3, -1),
            (6, 3, 2, 0),
            (-6, 3, -2, 0),
            (0, 5, 0, 0),
            (5, 0, 0, 0),
            (i64::MIN, -1, i64::MIN, 0),
            (i64::MIN, 1, i64::MIN, 0),
            (i64::MAX, -1, -i64::MAX, 0),
            (i64::MIN, 2, i64::MIN / 2, 0),
            (i64::MIN, 3, -3074457345618258603, 1),
        ];
        for (a, b, q, r) in cases {
            assert_eq!(int_floor_div(a, b), q, "{a} // {b}");
            assert_eq!(int_mod(a, b), r, "{a} % {b}");
        }
    }

    #[test]
    fn python_float_floor_div_and_mod() {
        let f = |op, a: f64, b: f64| match binary(op, Value::F64(a), Value::F64(b)) {
            Value::F64(x) => x,
            v => panic!("{v:?}"),
        };
        assert_eq!(f(BinOp::FloorDiv, 7.5, 2.0), 3.0);
        assert_eq!(f(BinOp::FloorDiv, -7.5, 2.0), -4.0);
        assert_eq!(f(BinOp::Mod, -7.5, 2.0), 0.5);
        assert_eq!(f(BinOp::Mod, 7.5, -2.0), -0.5);
        assert_eq!(f(BinOp::Mod, 5.0, 2.5), 0.0);
    }

    #[test]
    fn casts() {
        assert_eq!(cast(Value::F64(-2.7), Ty::I64), Value::I64(-2));
        assert_eq!(cast(Value::F64(f64::NAN), Ty::I64), Value::I64(0));
        assert_eq!(cast(Value::F64(1e300), Ty::I64), Value::I64(i64::MAX));
        assert_eq!(cast(Value::F64(f64::NAN), Ty::Bool), Value::Bool(true));
        assert_eq!(cast(Value::Bool(true), Ty::F32), Value::F32(1.0));
        assert_eq!(cast(Value::I64(-3), Ty::Bool), Value::Bool(true));
    }

    #[test]
    fn accesses_outside_the_held_elements_are_counted_and_skipped() {
        // x[k + 3] = x[k] + 1 for k in 0..4, on an array holding elements 0..4
        // only: the stores to 4..7 are refused, the loads in range go through.
        let mut k = Kernel::new("held");
        let x = k.array("x", ElemTy::F64);
        k.arrays[x].held = Some((0, 4));
        let i = k.local("k", Ty::I64);
        k.body.push(Stmt::For {
            var: i,
            start: Expr::I64(0),
            end: Expr::I64(4),
            body: vec![Stmt::Store {
                array: x,
                index: Expr::bin(BinOp::Add, Expr::Local(i), Expr::I64(3)),
                value: Expr::bin(BinOp::Add, Expr::load(x, Expr::Local(i)), Expr::F64(1.0)),
            }],
        });
        let mut data = [1.0f64, 2.0, 3.0, 4.0];
        let arrays = [data.as_mut_ptr() as *mut u8];
        let args = KernelArgs {
            arrays: arrays.as_ptr(),
            scalars: std::ptr::null(),
            rng: std::ptr::null_mut(),
            ctx: std::ptr::null_mut(),
        };
        let before = accesses_outside_held();
        // SAFETY: every access is within `data` or refused.
        unsafe { run(&k, &args) };
        assert_eq!(data, [1.0, 2.0, 3.0, 2.0]);
        assert!(accesses_outside_held() >= before + 3);
    }
}
