//! The symbol table: which `extern "C"` function generated code calls for
//! each function of the language, by name and by address, for the JIT to bind
//! and the code generators to name.

use crate::extern_c::*;
use crate::{Context, Rng};

/// A function that generated code may call: its symbol and address.
#[derive(Clone, Copy, Debug)]
pub struct Symbol {
    /// The linker name generated code imports (e.g. `spikejit_exp`, `spikejit_expf`).
    pub name: &'static str,
    /// The address of the `extern "C"` function that the JIT binds the name to.
    pub addr: *const u8,
}

/// `(function name as the IR spells it, f64 symbol, f32 symbol)`. Functions
/// without float arguments have the same symbol in both columns.
const NAMES: &[(&str, &str, &str)] = &[
    ("exp", "spikejit_exp", "spikejit_expf"),
    ("log", "spikejit_log", "spikejit_logf"),
    ("log10", "spikejit_log10", "spikejit_log10f"),
    ("sqrt", "spikejit_sqrt", "spikejit_sqrtf"),
    ("sin", "spikejit_sin", "spikejit_sinf"),
    ("cos", "spikejit_cos", "spikejit_cosf"),
    ("tan", "spikejit_tan", "spikejit_tanf"),
    ("sinh", "spikejit_sinh", "spikejit_sinhf"),
    ("cosh", "spikejit_cosh", "spikejit_coshf"),
    ("tanh", "spikejit_tanh", "spikejit_tanhf"),
    ("arcsin", "spikejit_asin", "spikejit_asinf"),
    ("arccos", "spikejit_acos", "spikejit_acosf"),
    ("arctan", "spikejit_atan", "spikejit_atanf"),
    ("expm1", "spikejit_expm1", "spikejit_expm1f"),
    ("log1p", "spikejit_log1p", "spikejit_log1pf"),
    ("abs", "spikejit_abs", "spikejit_absf"),
    ("floor", "spikejit_floor", "spikejit_floorf"),
    ("ceil", "spikejit_ceil", "spikejit_ceilf"),
    ("exprel", "spikejit_exprel", "spikejit_exprelf"),
    ("pow", "spikejit_pow", "spikejit_powf"),
    ("rand", "spikejit_rand", "spikejit_rand"),
    ("randn", "spikejit_randn", "spikejit_randn"),
    ("poisson", "spikejit_poisson", "spikejit_poisson"),
    ("binomial", "spikejit_binomial", "spikejit_binomial"),
    ("geometric_skip", "spikejit_geometric_skip", "spikejit_geometric_skip"),
    ("rng_at", "spikejit_rng_at", "spikejit_rng_at"),
    (
        "rng_at_in_range",
        "spikejit_rng_at_in_range",
        "spikejit_rng_at_in_range",
    ),
    ("rng_jump_at", "spikejit_rng_jump_at", "spikejit_rng_jump_at"),
    ("sample_size", "spikejit_sample_size", "spikejit_sample_size"),
    ("sample_get", "spikejit_sample_get", "spikejit_sample_get"),
    ("push_synapse", "spikejit_push_synapse", "spikejit_push_synapse"),
    ("report_error", "spikejit_report_error", "spikejit_report_error"),
    ("report_value", "spikejit_report_value", "spikejit_report_value"),
];

/// The symbol generated code calls for function `func` (the IR's name, e.g.
/// `"exp"`, `"arcsin"`, `"rand"`) when its float arguments are `f32` (`f32 ==
/// true`) or `f64`. `None` for an unknown name.
pub fn symbol_name(func: &str, f32: bool) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(name, _, _)| *name == func)
        .map(|&(_, s64, s32)| if f32 { s32 } else { s64 })
}

/// Every symbol generated code may call, to register with the JIT.
///
/// Includes the C names `floor`, `ceil`, `floorf`, `ceilf`, `fma`, `fmaf`, which
/// Cranelift calls when the CPU lacks an instruction for them, so that no symbol
/// is resolved from the platform's C library.
pub fn symbols() -> Vec<Symbol> {
    macro_rules! table {
        ($( $name:literal => $f:expr ),* $(,)?) => {
            vec![$( Symbol { name: $name, addr: $f as *const u8 } ),*]
        };
    }
    table![
        "spikejit_exp" => spikejit_exp as extern "C" fn(f64) -> f64,
        "spikejit_expf" => spikejit_expf as extern "C" fn(f32) -> f32,
        "spikejit_log" => spikejit_log as extern "C" fn(f64) -> f64,
        "spikejit_logf" => spikejit_logf as extern "C" fn(f32) -> f32,
        "spikejit_log10" => spikejit_log10 as extern "C" fn(f64) -> f64,
        "spikejit_log10f" => spikejit_log10f as extern "C" fn(f32) -> f32,
        "spikejit_sqrt" => spikejit_sqrt as extern "C" fn(f64) -> f64,
        "spikejit_sqrtf" => spikejit_sqrtf as extern "C" fn(f32) -> f32,
        "spikejit_sin" => spikejit_sin as extern "C" fn(f64) -> f64,
        "spikejit_sinf" => spikejit_sinf as extern "C" fn(f32) -> f32,
        "spikejit_cos" => spikejit_cos as extern "C" fn(f64) -> f64,
        "spikejit_cosf" => spikejit_cosf as extern "C" fn(f32) -> f32,
        "spikejit_tan" => spikejit_tan as extern "C" fn(f64) -> f64,
        "spikejit_tanf" => spikejit_tanf as extern "C" fn(f32) -> f32,
        "spikejit_sinh" => spikejit_sinh as extern "C" fn(f64) -> f64,
        "spikejit_sinhf" => spikejit_sinhf as extern "C" fn(f32) -> f32,
        "spikejit_cosh" => spikejit_cosh as extern "C" fn(f64) -> f64,
        "spikejit_coshf" => spikejit_coshf as extern "C" fn(f32) -> f32,
        "spikejit_tanh" => spikejit_tanh as extern "C" fn(f64) -> f64,
        "spikejit_tanhf" => spikejit_tanhf as extern "C" fn(f32) -> f32,
        "spikejit_asin" => spikejit_asin as extern "C" fn(f64) -> f64,
        "spikejit_asinf" => spikejit_asinf as extern "C" fn(f32) -> f32,
        "spikejit_acos" => spikejit_acos as extern "C" fn(f64) -> f64,
        "spikejit_acosf" => spikejit_acosf as extern "C" fn(f32) -> f32,
        "spikejit_atan" => spikejit_atan as extern "C" fn(f64) -> f64,
        "spikejit_atanf" => spikejit_atanf as extern "C" fn(f32) -> f32,
        "spikejit_expm1" => spikejit_expm1 as extern "C" fn(f64) -> f64,
        "spikejit_expm1f" => spikejit_expm1f as extern "C" fn(f32) -> f32,
        "spikejit_log1p" => spikejit_log1p as extern "C" fn(f64) -> f64,
        "spikejit_log1pf" => spikejit_log1pf as extern "C" fn(f32) -> f32,
        "spikejit_abs" => spikejit_abs as extern "C" fn(f64) -> f64,
        "spikejit_absf" => spikejit_absf as extern "C" fn(f32) -> f32,
        "spikejit_floor" => spikejit_floor as extern "C" fn(f64) -> f64,
        "spikejit_floorf" => spikejit_floorf as extern "C" fn(f32) -> f32,
        "spikejit_ceil" => spikejit_ceil as extern "C" fn(f64) -> f64,
        "spikejit_ceilf" => spikejit_ceilf as extern "C" fn(f32) -> f32,
        "spikejit_exprel" => spikejit_exprel as extern "C" fn(f64) -> f64,
        "spikejit_exprelf" => spikejit_exprelf as extern "C" fn(f32) -> f32,
        "spikejit_pow" => spikejit_pow as extern "C" fn(f64, f64) -> f64,
        "spikejit_powf" => spikejit_powf as extern "C" fn(f32, f32) -> f32,
        "spikejit_rand" => spikejit_rand as unsafe extern "C" fn(*mut Rng) -> f64,
        "spikejit_randn" => spikejit_randn as unsafe extern "C" fn(*mut Rng) -> f64,
        "spikejit_poisson" => spikejit_poisson as unsafe extern "C" fn(*mut Rng, f64) -> i64,
        "spikejit_binomial" => spikejit_binomial as unsafe extern "C" fn(*mut Rng, i64, f64) -> i64,
        "spikejit_geometric_skip" => spikejit_geometric_skip as unsafe extern "C" fn(*mut Rng, f64) -> i64,
        "spikejit_rng_at" => spikejit_rng_at as unsafe extern "C" fn(*mut Rng, i64, i64) -> i64,
        "spikejit_rng_at_in_range" => spikejit_rng_at_in_range as unsafe extern "C" fn(*mut Rng, i64) -> i64,
        "spikejit_rng_jump_at" => spikejit_rng_jump_at as unsafe extern "C" fn(*mut Rng, i64, i64) -> i64,
        "spikejit_sample_size" => spikejit_sample_size
            as unsafe extern "C" fn(*mut Rng, *mut Context, i64, i64, i64, i64, i64) -> i64,
        "spikejit_sample_get" => spikejit_sample_get as unsafe extern "C" fn(*mut Context, i64) -> i64,
        "spikejit_push_synapse" => spikejit_push_synapse
            as unsafe extern "C" fn(*mut Context, i64, i64, i64) -> i64,
        "spikejit_report_error" => spikejit_report_error
            as unsafe extern "C" fn(*mut Context, i64, i64, i64) -> i64,
        "spikejit_fault" => spikejit_fault as unsafe extern "C" fn(*mut Context, i64, i64, i64, i64),
        "spikejit_report_value" => spikejit_report_value
            as unsafe extern "C" fn(*mut Context, i64, i64, i64, f64) -> i64,
        "floor" => spikejit_floor as extern "C" fn(f64) -> f64,
        "floorf" => spikejit_floorf as extern "C" fn(f32) -> f32,
        "ceil" => spikejit_ceil as extern "C" fn(f64) -> f64,
        "ceilf" => spikejit_ceilf as extern "C" fn(f32) -> f32,
        "fma" => spikejit_fma as extern "C" fn(f64, f64, f64) -> f64,
        "fmaf" => spikejit_fmaf as extern "C" fn(f32, f32, f32) -> f32,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_table_is_complete() {
        let syms = symbols();
        for &(func, s64, s32) in NAMES {
            assert!(syms.iter().any(|s| s.name == s64), "{func}: {s64}");
            assert!(syms.iter().any(|s| s.name == s32), "{func}: {s32}");
            assert_eq!(symbol_name(func, false), Some(s64));
            assert_eq!(symbol_name(func, true), Some(s32));
        }
        assert_eq!(symbol_name("nope", false), None);
        let mut names: Vec<&str> = syms.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), syms.len(), "duplicate symbols");
    }
}
