//! `exp` for f64 as straight-line arithmetic and one table load, so that the
//! JIT can inline it into a state update (COBAHH-type models call `exp` about
//! ten times per neuron and step; a call into the C library costs more than
//! the arithmetic around it).
//!
//! The method is that of ARM's optimized-routines `exp` (the one glibc ships):
//! x = k·ln2/128 + r with |r| ≤ ln2/256, exp(x) = 2^(k/128)·exp(r), 2^(k/128)
//! from a 128-entry table ([`EXP_TABLE`], made by `runtime/tools/exp_table.py`),
//! exp(r) − 1 by a degree-5 polynomial. Its error is below 0.52 ULP; most results
//! are the correctly rounded ones, and the rest differ by one ULP.
//!
//! [`exp`] here and the JIT's inline expansion (`codegen`) do the same IEEE
//! operations in the same order (no fused multiply-add), so both backends and
//! constant folding give bit-identical results. Outside the fast range
//! (|x| ≥ 512, NaN) both fall back to the C library's `exp`.

pub use crate::exp_table::EXP_TABLE;

/// Below this |x| the fast path holds (no overflow, underflow or subnormal
/// results); NaN fails the comparison and takes the fallback.
pub const FAST_LIMIT: f64 = 512.0;
/// 128/ln 2.
pub const INV_LN2_N: f64 = f64::from_bits(0x40671547652b82fe);
/// −ln2/128, high part (its low bits are zero, so `k·NEG_LN2_HI_N` is exact).
pub const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf762e42fefa0000);
/// −ln2/128, low part.
pub const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0cf79abc9e3b3a);
/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
pub const SHIFT: f64 = f64::from_bits(0x4338000000000000);
/// The polynomial's coefficients for r², r³, r⁴, r⁵.
pub const C2: f64 = f64::from_bits(0x3fdffffffffffdbd);
/// See [`C2`].
pub const C3: f64 = f64::from_bits(0x3fc555555555543c);
/// See [`C2`].
pub const C4: f64 = f64::from_bits(0x3fa55555cf172b91);
/// See [`C2`].
pub const C5: f64 = f64::from_bits(0x3f81111167a4d017);

/// e^x (see the module documentation).
#[inline]
pub fn exp(x: f64) -> f64 {
    if x.abs() < FAST_LIMIT { exp_fast(x) } else { x.exp() }
}

/// The fast path of [`exp`], for |x| < [`FAST_LIMIT`]. The JIT emits exactly
/// these operations.
#[inline]
pub fn exp_fast(x: f64) -> f64 {
    let z = INV_LN2_N * x;
    let kd = z + SHIFT;
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = x + kd * NEG_LN2_HI_N + kd * NEG_LN2_LO_N;
    let idx = 2 * (ki & 127) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(EXP_TABLE[idx]);
    let sbits = EXP_TABLE[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5);
    let scale = f64::from_bits(sbits);
    scale + scale * tmp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        let key = |x: f64| {
            let b = x.to_bits() as i64;
            if b < 0 { i64::MIN - b } else { b }
        };
        key(a).abs_diff(key(b))
    }

    #[test]
    fn within_one_ulp_of_the_c_library_and_mostly_equal() {
        // A fixed pseudo-random sweep over the fast range, plus the values
        // state updates use most (small arguments).
        let mut s: u64 = 0x9e3779b97f4a7c15;
        let mut differ = 0usize;
        let n = 2_000_000;
        for k in 0..n {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            let x = if k % 2 == 0 {
                (u - 0.5) * 1023.0
            } else {
                (u - 0.5) * 4.0
            };
            let (a, b) = (exp(x), x.exp());
            let d = ulps(a, b);
            assert!(d <= 1, "exp({x:e}) = {a:e}, C library {b:e}");
            differ += usize::from(d != 0);
        }
        assert!(differ < n / 1000, "{differ} of {n} differ from the C library");
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(exp(1e-300), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert_eq!(exp(1.0), std::f64::consts::E);
        assert_eq!(exp(511.9), 511.9f64.exp());
    }
}
