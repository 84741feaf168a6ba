//! Python's `repr(float)`, which Brian2's messages and unit names print
//! numbers with.

/// Python's `repr(float)`: the shortest string that round-trips, `"0.001"`,
/// `"1e-12"`, `"1000.0"`, `"1e+16"`, `"-0.5"`, `"inf"`, `"nan"`.
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.5e-7", "-1e3".
    let s = format!("{:e}", x);
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mant) = match mant.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            if n > exp + 1 {
                let (a, b) = digits.split_at((exp + 1) as usize);
                format!("{a}.{b}")
            } else {
                format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let m = if n > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{esign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_repr() {
        let cases = [
            (0.001, "0.001"),
            (1e-12, "1e-12"),
            (1000.0, "1000.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (-0.5, "-0.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5e300, "1.5e+300"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
        ];
        for (x, s) in cases {
            assert_eq!(py_float_repr(x), s);
        }
    }
}
