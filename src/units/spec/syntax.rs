//! The syntax of a unit specification: Python's tokens and the part of its
//! expression grammar Brian2's `eval` of a specification can meet, with
//! CPython's error messages.

use crate::units::py_float_repr;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Num(Num),
    Op(&'static str),
    LParen,
    RParen,
    End,
}

/// A byte range in the specification: `(start, end)`.
pub(super) type Span2 = (usize, usize);
type PResult<T> = Result<T, (String, Span2)>;

/// The expression of a specification (`trimmed`, not empty) as a tree.
pub(super) fn parse(text: &str) -> PResult<Ast> {
    let tokens = tokenize(text)?;
    Parser {
        toks: &tokens,
        pos: 0,
        src: text,
    }
    .parse()
}

fn tokenize(s: &str) -> PResult<Vec<(Tok, Span2)>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b' ' | b'\t' | 0x0c => {
                i += 1;
                continue;
            }
            b'\n' | b'\r' if depth > 0 => {
                i += 1;
                continue;
            }
            b'(' => {
                depth += 1;
                out.push((Tok::LParen, (i, i + 1)));
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return Err(("unmatched ')'".into(), (i, i + 1)));
                }
                depth -= 1;
                out.push((Tok::RParen, (i, i + 1)));
                i += 1;
            }
            b'*' | b'/' => {
                let double = b.get(i + 1) == Some(&c);
                let op = match (c, double) {
                    (b'*', true) => "**",
                    (b'*', false) => "*",
                    (_, true) => "//",
                    (_, false) => "/",
                };
                i += op.len();
                out.push((Tok::Op(op), (start, i)));
            }
            b'+' | b'-' | b'%' => {
                let op = match c {
                    b'+' => "+",
                    b'-' => "-",
                    _ => "%",
                };
                i += 1;
                out.push((Tok::Op(op), (start, i)));
            }
            b'0'..=b'9' | b'.' => {
                let (num, end) = lex_number(s, i)?;
                i = end;
                out.push((Tok::Num(num), (start, i)));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &s[start..i];
                if i < b.len() && !b[i].is_ascii() {
                    let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
                    return Err(("invalid character".into(), (i, i + ch_len)));
                }
                out.push((Tok::Name(word.to_string()), (start, i)));
            }
            _ => {
                let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
                return Err(("invalid syntax".into(), (i, i + ch_len)));
            }
        }
    }
    out.push((Tok::End, (b.len(), b.len())));
    Ok(out)
}

/// A Python numeric literal starting at `i`: decimal integer, or float with an
/// optional exponent.
fn lex_number(s: &str, i: usize) -> PResult<(Num, usize)> {
    let b = s.as_bytes();
    let mut j = i;
    let digits = |j: &mut usize| {
        let st = *j;
        while *j < b.len() && b[*j].is_ascii_digit() {
            *j += 1;
        }
        *j - st
    };
    let int_digits = digits(&mut j);
    let mut is_float = false;
    if j < b.len() && b[j] == b'.' {
        is_float = true;
        j += 1;
        let frac = digits(&mut j);
        if int_digits == 0 && frac == 0 {
            return Err(("invalid syntax".into(), (i, j)));
        }
    }
    if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
        let mut k = j + 1;
        if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
            k += 1;
        }
        let st = k;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        if k > st {
            is_float = true;
            j = k;
        }
    }
    // Python still splits `1and x`, `2or y` (deprecated): a number may be
    // followed directly by one of these keywords.
    let keyword_follows = ["and", "else", "for", "if", "in", "is", "not", "or"]
        .iter()
        .any(|k| s[j..].starts_with(k));
    if j < b.len() && !keyword_follows && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || !b[j].is_ascii()) {
        let next = s[j..].chars().next().map_or(1, char::len_utf8);
        return Err(("invalid decimal literal".into(), (i, j + next)));
    }
    let text = &s[i..j];
    if !is_float && text.len() > 1 && text.starts_with('0') && text.bytes().any(|c| c != b'0') {
        return Err((
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers".into(),
            (i, j),
        ));
    }
    let v: f64 = text.parse().map_err(|_| ("invalid syntax".to_string(), (i, j)))?;
    let kind = if is_float { NumKind::Float } else { NumKind::Int };
    Ok((Num { v, kind }, j))
}

#[derive(Clone, Debug)]
pub(super) enum Ast {
    Name(String, Span2),
    Num(Num, Span2),
    Unary(&'static str, Box<Ast>, Span2),
    Binary(&'static str, Box<Ast>, Box<Ast>, Span2),
    Not(Box<Ast>, Span2),
    BoolOp(&'static str, Box<Ast>, Box<Ast>, Span2),
}

impl Ast {
    pub(super) fn span(&self) -> Span2 {
        match self {
            Ast::Name(_, s)
            | Ast::Num(_, s)
            | Ast::Unary(_, _, s)
            | Ast::Binary(_, _, _, s)
            | Ast::Not(_, s)
            | Ast::BoolOp(_, _, _, s) => *s,
        }
    }
}

/// `Some(kw)` when the token is the keyword `kw` (`and`, `or`).
fn keyword(t: &Tok, kw: &'static str) -> Option<&'static str> {
    matches!(t, Tok::Name(n) if n == kw).then_some(kw)
}

/// The operator of the token when it is one of `ops`.
fn operator_in(t: &Tok, ops: &[&'static str]) -> Option<&'static str> {
    match t {
        Tok::Op(op) if ops.contains(op) => Some(op),
        _ => None,
    }
}

struct Parser<'a> {
    toks: &'a [(Tok, Span2)],
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].0
    }
    fn span(&self) -> Span2 {
        self.toks[self.pos.min(self.toks.len() - 1)].1
    }
    fn bump(&mut self) -> Span2 {
        let sp = self.span();
        self.pos += 1;
        sp
    }
    fn error<T>(&self) -> PResult<T> {
        if *self.peek() == Tok::End
            && let Some(open) = self.unclosed()
        {
            return Err(("'(' was never closed".into(), open));
        }
        let sp = self.span();
        let sp = if sp.0 == sp.1 {
            (sp.0.saturating_sub(1), self.src.len())
        } else {
            sp
        };
        Err(("invalid syntax".into(), sp))
    }
    /// The innermost unclosed parenthesis, if any.
    fn unclosed(&self) -> Option<Span2> {
        let mut open = Vec::new();
        for (t, sp) in self.toks {
            match t {
                Tok::LParen => open.push(*sp),
                Tok::RParen => {
                    open.pop();
                }
                _ => {}
            }
        }
        open.pop()
    }

    fn is_name(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == kw)
    }

    fn parse(&mut self) -> PResult<Ast> {
        let e = self.or_test()?;
        if *self.peek() != Tok::End {
            return self.error();
        }
        Ok(e)
    }

    fn or_test(&mut self) -> PResult<Ast> {
        self.left_assoc(|t| keyword(t, "or"), Self::and_test, Ast::BoolOp)
    }

    fn and_test(&mut self) -> PResult<Ast> {
        self.left_assoc(|t| keyword(t, "and"), Self::not_test, Ast::BoolOp)
    }

    /// `operand (operator operand)*`, grouped to the left: `operator` says
    /// which of this level's operators the next token is, if any, and `node`
    /// makes the tree of one operation.
    fn left_assoc(
        &mut self,
        operator: impl Fn(&Tok) -> Option<&'static str>,
        operand: fn(&mut Self) -> PResult<Ast>,
        node: fn(&'static str, Box<Ast>, Box<Ast>, Span2) -> Ast,
    ) -> PResult<Ast> {
        let mut l = operand(self)?;
        while let Some(op) = operator(self.peek()) {
            self.bump();
            let r = operand(self)?;
            let sp = (l.span().0, r.span().1);
            l = node(op, Box::new(l), Box::new(r), sp);
        }
        Ok(l)
    }

    fn not_test(&mut self) -> PResult<Ast> {
        if self.is_name("not") {
            let st = self.bump().0;
            let e = self.not_test()?;
            let sp = (st, e.span().1);
            return Ok(Ast::Not(Box::new(e), sp));
        }
        self.arith()
    }

    fn arith(&mut self) -> PResult<Ast> {
        self.left_assoc(|t| operator_in(t, &["+", "-"]), Self::term, Ast::Binary)
    }

    fn term(&mut self) -> PResult<Ast> {
        self.left_assoc(|t| operator_in(t, &["*", "/", "//", "%"]), Self::factor, Ast::Binary)
    }

    fn factor(&mut self) -> PResult<Ast> {
        if let Tok::Op(op @ ("+" | "-")) = *self.peek() {
            let st = self.bump().0;
            let e = self.factor()?;
            let sp = (st, e.span().1);
            return Ok(Ast::Unary(op, Box::new(e), sp));
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Ast> {
        let base = self.atom()?;
        if *self.peek() == Tok::Op("**") {
            self.bump();
            let exp = self.factor()?;
            let sp = (base.span().0, exp.span().1);
            return Ok(Ast::Binary("**", Box::new(base), Box::new(exp), sp));
        }
        Ok(base)
    }

    fn atom(&mut self) -> PResult<Ast> {
        match self.peek().clone() {
            Tok::Name(n) if !["and", "or", "not"].contains(&n.as_str()) => {
                let sp = self.bump();
                match n.as_str() {
                    "True" | "False" => Ok(Ast::Num(
                        Num {
                            v: if n == "True" { 1.0 } else { 0.0 },
                            kind: NumKind::Bool,
                        },
                        sp,
                    )),
                    _ => Ok(Ast::Name(n, sp)),
                }
            }
            Tok::Num(v) => {
                let sp = self.bump();
                Ok(Ast::Num(v, sp))
            }
            Tok::LParen => {
                let st = self.bump().0;
                let e = self.or_test()?;
                if *self.peek() != Tok::RParen {
                    return self.error();
                }
                let en = self.bump().1;
                // Parentheses do not change names or values; widen the span.
                Ok(match e {
                    Ast::Name(n, _) => Ast::Name(n, (st, en)),
                    Ast::Num(v, _) => Ast::Num(v, (st, en)),
                    Ast::Unary(o, a, _) => Ast::Unary(o, a, (st, en)),
                    Ast::Binary(o, a, b, _) => Ast::Binary(o, a, b, (st, en)),
                    Ast::Not(a, _) => Ast::Not(a, (st, en)),
                    Ast::BoolOp(o, a, b, _) => Ast::BoolOp(o, a, b, (st, en)),
                })
            }
            _ => self.error(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum NumKind {
    Bool,
    Int,
    Float,
    /// numpy's float64 (what `2*radian` gives): a float, named differently.
    NpFloat64,
    Complex,
}

impl NumKind {
    pub(super) fn py_name(self) -> &'static str {
        match self {
            NumKind::Bool => "bool",
            NumKind::Int => "int",
            NumKind::Float => "float",
            NumKind::NpFloat64 => "numpy.float64",
            NumKind::Complex => "complex",
        }
    }
}

/// A Python number (ints kept as f64: exact for the sizes met here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Num {
    pub(super) v: f64,
    pub(super) kind: NumKind,
}

impl Num {
    pub(super) fn float(v: f64) -> Num {
        Num {
            v,
            kind: NumKind::Float,
        }
    }
    pub(super) fn np_float64(v: f64) -> Num {
        Num {
            v,
            kind: NumKind::NpFloat64,
        }
    }
    /// Python's repr (for exponents in unit names).
    pub(super) fn repr(self) -> String {
        match self.kind {
            NumKind::Int | NumKind::Bool => format!("{}", self.v as i64),
            _ => py_float_repr(self.v),
        }
    }
}
