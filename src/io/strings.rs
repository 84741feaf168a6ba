//! TOML string literals with a byte map: every byte of the decoded string is
//! mapped back to the byte of the file it came from, so that an error inside a
//! model string points at the right line and column of the file.

/// Decodes the TOML string literal at `file[start..end]` (delimiters included):
/// `'literal'`, `"basic"` with escapes, `'''multi-line literal'''` and
/// `"""multi-line basic"""` (a newline right after the opening delimiter is
/// trimmed; a backslash at the end of a line trims the following whitespace).
///
/// Returns the decoded text and, for each of its bytes, the file offset of that
/// byte (one extra entry for the end: the offset of the closing delimiter).
/// The bytes of an escape sequence all map to its backslash. `None` when the
/// range is not a string literal this function understands.
pub fn decode_toml_string(file: &str, start: usize, end: usize) -> Option<(String, Vec<usize>)> {
    let raw = file.get(start..end)?;
    let (multi, literal, q) = if raw.starts_with("'''") {
        (true, true, 3)
    } else if raw.starts_with("\"\"\"") {
        (true, false, 3)
    } else if raw.starts_with('\'') {
        (false, true, 1)
    } else if raw.starts_with('"') {
        (false, false, 1)
    } else {
        return None;
    };
    if raw.len() < 2 * q {
        return None;
    }
    let stop = end - q;
    let mut k = start + q;
    let body = file.get(k..stop)?;
    if multi {
        if body.starts_with("\r\n") {
            k += 2;
        } else if body.starts_with('\n') {
            k += 1;
        }
    }
    let bytes = file.as_bytes();
    let mut out = String::with_capacity(stop.saturating_sub(k));
    let mut offsets = Vec::with_capacity(stop.saturating_sub(k) + 1);
    while k < stop {
        let c = file.get(k..stop)?.chars().next()?;
        if literal || c != '\\' {
            push(&mut out, &mut offsets, c, k, true);
            k += c.len_utf8();
            continue;
        }
        let e = file.get(k + 1..stop)?.chars().next()?;
        let simple = match e {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(ch) = simple {
            push(&mut out, &mut offsets, ch, k, false);
            k += 2;
            continue;
        }
        let hex = match e {
            'x' => Some(2),
            'u' => Some(4),
            'U' => Some(8),
            _ => None,
        };
        if let Some(n) = hex {
            let digits = file.get(k + 2..k + 2 + n)?;
            let code = u32::from_str_radix(digits, 16).ok()?;
            let ch = char::from_u32(code)?;
            push(&mut out, &mut offsets, ch, k, false);
            k += 2 + n;
            continue;
        }
        if multi && matches!(e, ' ' | '\t' | '\r' | '\n') {
            // a line-ending backslash: skip the whitespace and newlines that follow
            let mut j = k + 1;
            while j < stop && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                j += 1;
            }
            k = j;
            continue;
        }
        return None;
    }
    offsets.push(stop);
    Some((out, offsets))
}

/// Appends `c`, its bytes mapped to `at..` (`per_byte`) or all to `at` (an escape).
fn push(out: &mut String, offsets: &mut Vec<usize>, c: char, at: usize, per_byte: bool) {
    out.push(c);
    for b in 0..c.len_utf8() {
        offsets.push(if per_byte { at + b } else { at });
    }
}

#[cfg(test)]
mod tests {
    use super::decode_toml_string;

    /// Decodes the first string literal of `line` (after `= `) and checks that
    /// each decoded byte maps to the same character of the file.
    fn check(file: &str, expect: &str) -> Vec<usize> {
        let start = file.find("= ").map(|k| k + 2).unwrap_or(0);
        let end = file.trim_end_matches('\n').len();
        let (text, offs) = decode_toml_string(file, start, end).unwrap_or_default();
        assert_eq!(text, expect);
        assert_eq!(offs.len(), text.len() + 1);
        offs
    }

    #[test]
    fn literal() {
        let f = "a = 'v > 1*mV'\n";
        let o = check(f, "v > 1*mV");
        assert_eq!(o[0], 5);
        assert_eq!(&f[o[4]..o[4] + 1], "1");
        assert_eq!(o[8], 13);
    }

    #[test]
    fn basic_with_escapes() {
        let f = "a = \"x\\t\\\"y\\u00e9z\"\n";
        let o = check(f, "x\t\"y\u{e9}z");
        assert_eq!(&f[o[1]..o[1] + 2], "\\t");
        assert_eq!(&f[o[3]..o[3] + 1], "y");
        // both bytes of é map to the backslash of \u00e9
        assert_eq!(&f[o[4]..o[4] + 2], "\\u");
        assert_eq!(o[4], o[5]);
        assert_eq!(&f[o[6]..o[6] + 1], "z");
    }

    #[test]
    fn multi_line_literal_trims_first_newline() {
        let f = "a = '''\ndv/dt = -v : volt\n'''\n";
        let o = check(f, "dv/dt = -v : volt\n");
        assert_eq!(o[0], 8);
        assert_eq!(&f[o[13]..o[13] + 4], "volt");
    }

    #[test]
    fn multi_line_basic_with_line_continuation() {
        let f = "a = \"\"\"\nx = \\\n    y\\n\"\"\"\n";
        let o = check(f, "x = y\n");
        assert_eq!(&f[o[4]..o[4] + 1], "y");
        assert_eq!(&f[o[5]..o[5] + 2], "\\n");
    }

    #[test]
    fn crlf_in_multi_line() {
        let f = "a = '''\r\nv\r\nw'''\n";
        // the toml crate keeps CRLF inside the string (only the first newline is trimmed)
        let o = check(f, "v\r\nw");
        assert_eq!(&f[o[3]..o[3] + 1], "w");
    }

    #[test]
    fn not_a_string() {
        assert!(decode_toml_string("a = 3", 4, 5).is_none());
        assert!(decode_toml_string("a = '", 4, 5).is_none());
        assert!(decode_toml_string("a", 4, 5).is_none());
    }
}
