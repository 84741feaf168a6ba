//! `exp` in double precision, the same bits everywhere a kernel can compute
//! it: the interpreter, JIT code calling [`spikejit_exp`](crate::spikejit_exp)
//! and the two-lane version the JIT inlines in vectorised loops
//! (src/codegen/exp.rs, issue 16).
//!
//! The algorithm is Arm's optimized-routines `exp` (math/exp.c), which glibc
//! uses since 2.28 and Brian2's generated C++ calls: `x = k ln2/128 + r`,
//! `exp(x) = 2^(k/128) (1 + tail + r + C2 r² + ... + C5 r⁵)`, with the
//! 128-entry table of `2^(i/128)` in [`EXP_TABLE`]. On a CPU with fused
//! multiply-add the operations below, FMA for FMA, are those of glibc's
//! `__exp_fma` (the variant its `exp` runs there), so the result is glibc's
//! to the bit (tests compare it with `f64::exp` over 10⁷ arguments); the JIT
//! emits the same sequence on `f64x2`. Arguments outside `[2^-54, 512)` in
//! magnitude (and NaN) go to the C library's `exp`, which handles overflow,
//! underflow and specials. A CPU without FMA uses the C library's `exp` for
//! everything, and the JIT then calls it instead of inlining.

pub use crate::exp_table::EXP_TABLE;

/// `128 / ln 2`.
pub const INV_LN2_N: f64 = f64::from_bits(0x4067_1547_652b_82fe);
/// `-ln 2 / 128`, high part (its last bits zero, so `k * NEG_LN2_HI_N` is exact).
pub const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf76_2e42_fefa_0000);
/// `-ln 2 / 128`, low part.
pub const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0c_f79a_bc9e_3b3a);
/// `1.5 * 2^52`: adding it rounds to an integer held in the low mantissa bits.
pub const SHIFT: f64 = f64::from_bits(0x4338_0000_0000_0000);
/// The polynomial's coefficients of `r²`, `r³`, `r⁴` and `r⁵`.
pub const C2: f64 = f64::from_bits(0x3fdf_ffff_ffff_fdbd);
/// See [`C2`].
pub const C3: f64 = f64::from_bits(0x3fc5_5555_5555_543c);
/// See [`C2`].
pub const C4: f64 = f64::from_bits(0x3fa5_5555_cf17_2b91);
/// See [`C2`].
pub const C5: f64 = f64::from_bits(0x3f81_1111_67a4_d017);
/// `|x|` below this goes to the C library (`exp(x)` is `1 + x` there).
pub const FAST_MIN: f64 = f64::from_bits(0x3c90_0000_0000_0000); // 2^-54
/// `|x|` at or above this goes to the C library (overflow, underflow).
pub const FAST_END: f64 = 512.0;

/// `exp(x)`: glibc's result, computed here when the CPU has FMA.
#[inline]
pub fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has FMA, the only feature `exp_fma` is compiled for.
        return unsafe { exp_fma(x) };
    }
    x.exp()
}

/// The fast path with hardware FMA (each `mul_add` one `vfmadd`, where
/// glibc's compiler put one).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
unsafe fn exp_fma(x: f64) -> f64 {
    let abs = x.abs();
    // NaN is in no range, so it leaves too.
    if !(FAST_MIN..FAST_END).contains(&abs) {
        return x.exp();
    }
    let kd = x.mul_add(INV_LN2_N, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = kd.mul_add(NEG_LN2_HI_N, x);
    let r = kd.mul_add(NEG_LN2_LO_N, r);
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(EXP_TABLE[idx]);
    let sbits = EXP_TABLE[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = r2.mul_add(r.mul_add(C3, C2), r + tail);
    let tmp = (r2 * r2).mul_add(r.mul_add(C5, C4), tmp);
    let scale = f64::from_bits(sbits);
    scale.mul_add(tmp, scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The same bits as the C library's `exp` (glibc ≥ 2.28 on a CPU with
    /// FMA, where this test runs) over the fast range and across its edges.
    #[test]
    fn equals_the_c_library_bit_for_bit() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let check = |x: f64| {
            let (a, b) = (exp(x), x.exp());
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "exp({x:e}): {a:e} != {b:e}"
            );
        };
        for _ in 0..10_000_000 {
            check(rng.random_range(-40.0..40.0));
        }
        for _ in 0..1_000_000 {
            check(rng.random_range(-745.0..710.0));
            // Small magnitudes, through every binade down to the fast range's edge.
            let e = rng.random_range(-60.0..0.0);
            check(2f64.powf(e) * if rng.random_bool(0.5) { 1.0 } else { -1.0 });
        }
        for x in [
            0.0,
            -0.0,
            FAST_MIN,
            -FAST_MIN,
            FAST_MIN / 2.0,
            511.999_999,
            512.0,
            -512.0,
            709.7,
            710.0,
            -745.2,
            -746.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ] {
            check(x);
        }
    }
}
