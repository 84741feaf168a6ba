//! Unit tests of the lowering's integer range analysis.

use super::*;

/// Every quotient of values in the ranges is in the computed range (the
/// range decides which divisions are checked: a range too small would
/// drop a needed check).
#[test]
fn floor_div_range_holds_every_quotient() {
    let ranges: Vec<Range> = (-6i128..=6).flat_map(|lo| (lo..=6).map(move |hi| (lo, hi))).collect();
    for &a in &ranges {
        for &b in &ranges {
            let r = floor_div_range(a, b);
            for x in a.0..=a.1 {
                for y in b.0..=b.1 {
                    let q = if y == 0 {
                        0
                    } else {
                        i128::from(ir::int_floor_div(x as i64, y as i64))
                    };
                    assert!(r.0 <= q && q <= r.1, "{x} // {y} = {q} outside {r:?} of {a:?} // {b:?}");
                }
            }
        }
    }
    // The one quotient that does not fit in 64 bits is in range, above it.
    let min = i64::MIN as i128;
    assert_eq!(floor_div_range((min, min), (-1, -1)), (-min, -min));
    // A 32-bit variable halved fits in 32 bits; divided by a 32-bit one, not.
    assert!(within(floor_div_range(I32_RANGE, (2, 2)), I32_RANGE));
    assert!(!within(floor_div_range(I32_RANGE, I32_RANGE), I32_RANGE));
}
