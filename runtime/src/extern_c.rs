//! The `extern "C"` functions generated code calls: math functions (the
//! platform C library's, through `std`, as Brian2's generated C++ calls them)
//! and entry points into the [`Rng`] and the [`Context`]. JIT code and the
//! interpreter call these same functions, so the two backends stay
//! bit-identical.

use crate::{Context, Rng};

/// `exprel` for one float type: the same thresholds in single and double
/// precision, as Brian2's C code has.
macro_rules! exprel {
    ($name:ident: $t:ident, $doc:literal) => {
        #[doc = $doc]
        pub extern "C" fn $name(x: $t) -> $t {
            if x.abs() < 1e-16 {
                1.0
            } else if x > 717.0 {
                $t::INFINITY
            } else {
                x.exp_m1() / x
            }
        }
    };
}

exprel!(spikejit_exprel: f64, "`(exp(x) - 1) / x` with Brian2's C semantics: 1 near 0, +inf for large x.");
exprel!(spikejit_exprelf: f32, "`exprel` in single precision (same thresholds as the f64 version).");

/// Wraps math functions as `extern "C"` so JIT code can call them.
///
/// `std`'s methods (the platform's C library: glibc's `exp` is about 4× faster
/// than the `libm` crate's here, and it is what Brian2's generated C++ calls).
/// JIT code and the interpreter call these same wrappers, so the two backends
/// stay bit-identical.
macro_rules! math_wrappers {
    ($( $name:ident = $method:ident : $t:ty ),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($t), "::", stringify!($method), "` with the C ABI.")]
            pub extern "C" fn $name(x: $t) -> $t {
                x.$method()
            }
        )*
    };
}

math_wrappers! {
    spikejit_expf = exp: f32,
    spikejit_log = ln: f64, spikejit_logf = ln: f32,
    spikejit_log10 = log10: f64, spikejit_log10f = log10: f32,
    spikejit_sqrt = sqrt: f64, spikejit_sqrtf = sqrt: f32,
    spikejit_sin = sin: f64, spikejit_sinf = sin: f32,
    spikejit_cos = cos: f64, spikejit_cosf = cos: f32,
    spikejit_tan = tan: f64, spikejit_tanf = tan: f32,
    spikejit_sinh = sinh: f64, spikejit_sinhf = sinh: f32,
    spikejit_cosh = cosh: f64, spikejit_coshf = cosh: f32,
    spikejit_tanh = tanh: f64, spikejit_tanhf = tanh: f32,
    spikejit_asin = asin: f64, spikejit_asinf = asin: f32,
    spikejit_acos = acos: f64, spikejit_acosf = acos: f32,
    spikejit_atan = atan: f64, spikejit_atanf = atan: f32,
    spikejit_expm1 = exp_m1: f64, spikejit_expm1f = exp_m1: f32,
    spikejit_log1p = ln_1p: f64, spikejit_log1pf = ln_1p: f32,
    spikejit_abs = abs: f64, spikejit_absf = abs: f32,
    spikejit_floor = floor: f64, spikejit_floorf = floor: f32,
    spikejit_ceil = ceil: f64, spikejit_ceilf = ceil: f32,
}

/// `exp` in double precision with the C ABI: [`crate::exp::exp`], glibc's result
/// (computed by spikejit where the CPU has FMA, so that the JIT's inlined
/// two-lane `exp` gives the same bits).
pub extern "C" fn spikejit_exp(x: f64) -> f64 {
    crate::exp::exp(x)
}

/// `f64::powf` (C's `pow`) with the C ABI.
pub extern "C" fn spikejit_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// `f32::powf` with the C ABI.
pub extern "C" fn spikejit_powf(x: f32, y: f32) -> f32 {
    x.powf(y)
}

/// `libm::fma` with the C ABI (Cranelift's fallback libcall for `fma`).
pub extern "C" fn spikejit_fma(x: f64, y: f64, z: f64) -> f64 {
    libm::fma(x, y, z)
}

/// `libm::fmaf` with the C ABI.
pub extern "C" fn spikejit_fmaf(x: f32, y: f32, z: f32) -> f32 {
    libm::fmaf(x, y, z)
}

/// Uniform in [0, 1).
///
/// # Safety
/// `rng` points to a live [`Rng`] that nothing else accesses during the call.
pub unsafe extern "C" fn spikejit_rand(rng: *mut Rng) -> f64 {
    unsafe { (*rng).uniform() }
}

/// Standard normal.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_randn(rng: *mut Rng) -> f64 {
    unsafe { (*rng).normal() }
}

/// Poisson count with mean `l`.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_poisson(rng: *mut Rng, l: f64) -> i64 {
    unsafe { (*rng).poisson(l) }
}

/// Binomial count.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_binomial(rng: *mut Rng, n: i64, p: f64) -> i64 {
    unsafe { (*rng).binomial(n, p) }
}

/// Geometric skip for `sample(..., p=p)`.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_geometric_skip(rng: *mut Rng, p: f64) -> i64 {
    unsafe { (*rng).geometric_skip(p) }
}

/// Keys the draws that follow by the element `(a, b)` ([`Rng::at`]); returns 0.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_rng_at(rng: *mut Rng, a: i64, b: i64) -> i64 {
    unsafe { (*rng).at(a, b) };
    0
}

/// Keys the draws of element `a` of a range loop ([`Rng::at_in_range`]); returns 0.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_rng_at_in_range(rng: *mut Rng, a: i64) -> i64 {
    unsafe { (*rng).at_in_range(a) };
    0
}

/// Keys the geometric skips that follow by the block `(a, b)` ([`Rng::jump_at`]); returns 0.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_rng_jump_at(rng: *mut Rng, a: i64, b: i64) -> i64 {
    unsafe { (*rng).jump_at(a, b) };
    0
}

/// [`Context::sample_size`]; `skip_if_invalid` is nonzero for true.
///
/// # Safety
/// `rng` and `ctx` point to a live [`Rng`] and [`Context`] that nothing else
/// accesses during the call.
pub unsafe extern "C" fn spikejit_sample_size(
    rng: *mut Rng,
    ctx: *mut Context,
    low: i64,
    high: i64,
    step: i64,
    size: i64,
    skip_if_invalid: i64,
) -> i64 {
    unsafe { (*ctx).sample_size(&mut *rng, low, high, step, size, skip_if_invalid != 0) }
}

/// [`Context::sample_get`].
///
/// # Safety
/// `ctx` points to a live [`Context`] that nothing else accesses during the call.
pub unsafe extern "C" fn spikejit_sample_get(ctx: *mut Context, k: i64) -> i64 {
    unsafe { (*ctx).sample_get(k) }
}

/// [`Context::push`].
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_push_synapse(ctx: *mut Context, i: i64, j: i64, n: i64) -> i64 {
    unsafe { (*ctx).push(i, j, n) }
}

/// [`Context::report`]; returns 0.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_report_error(ctx: *mut Context, code: i64, a: i64, b: i64) -> i64 {
    unsafe { (*ctx).report(code, a, b) };
    0
}

/// [`Context::report_fault`]: the slow path of a failed check in generated code.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_fault(ctx: *mut Context, code: i64, site: i64, elem: i64, value: i64) {
    unsafe { (*ctx).report_fault(code, site, elem, value) };
}

/// The symbol of [`spikejit_fault`], which code generators call directly (it is
/// not a function of the language).
pub const FAULT_SYMBOL: &str = "spikejit_fault";

/// [`Context::report_value`]; returns 0.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_report_value(ctx: *mut Context, code: i64, a: i64, b: i64, value: f64) -> i64 {
    unsafe { (*ctx).report_value(code, a, b, value) };
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exprel_c_semantics() {
        assert_eq!(spikejit_exprel(0.0), 1.0);
        assert_eq!(spikejit_exprel(1e-17), 1.0);
        assert_eq!(spikejit_exprel(718.0), f64::INFINITY);
        assert_eq!(spikejit_exprel(1.0), 1.0f64.exp_m1());
        assert!((spikejit_exprel(-1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-15);
        assert_eq!(spikejit_exprelf(0.0), 1.0);
        assert_eq!(spikejit_exprelf(100.0), f32::INFINITY);
        assert!(spikejit_exprel(f64::NAN).is_nan());
    }
}
