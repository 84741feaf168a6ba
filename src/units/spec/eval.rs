//! Evaluation of a unit specification with Python's and Brian2's results:
//! unit objects and their names, quantities, plain numbers, and the errors
//! (with their messages) that Brian2 raises.

use super::syntax::{Ast, Num, NumKind, Span2};
use crate::units::registry::{UnitName, UnitRegistry};
use crate::units::{Dim, base_entry, py_float_repr};

/// A Brian2 `Unit` (scale 1) with its name.
#[derive(Clone, Debug)]
pub(super) struct UnitVal {
    pub(super) dim: Dim,
    pub(super) name: String,
    pub(super) disp: String,
    compound: bool,
}

#[derive(Clone, Debug)]
pub(super) enum Value {
    Unit(UnitVal),
    Num(Num),
    Quantity { dim: Dim, v: f64 },
}

impl Value {
    fn dim(&self) -> Dim {
        match self {
            Value::Unit(u) => u.dim,
            Value::Num(_) => Dim::ONE,
            Value::Quantity { dim, .. } => *dim,
        }
    }
    fn val(&self) -> f64 {
        match self {
            Value::Unit(_) => 1.0,
            Value::Num(n) => n.v,
            Value::Quantity { v, .. } => *v,
        }
    }
    fn truthy(&self) -> bool {
        self.val() != 0.0
    }
    /// Roughly Brian2's `_short_str`: `V`, `2`, `2. V`.
    fn short_str(&self) -> String {
        match self {
            Value::Unit(u) => u.disp.clone(),
            Value::Num(n) => n.repr(),
            Value::Quantity { dim, v } => format!("{} {}", np_num_str(*v), dim.brian_display()),
        }
    }
}

/// The compound units an evaluation created, in order (Brian2 registers them).
type CreatedUnits = Vec<(Dim, UnitName)>;

/// The value of a specification's expression, with the compound units its
/// evaluation created (in order).
pub(super) fn evaluate(ast: &Ast) -> Result<(Value, CreatedUnits), (String, Span2)> {
    let mut ev = Evaluator { created: Vec::new() };
    let value = ev.eval(ast)?;
    Ok((value, ev.created))
}

struct Evaluator {
    created: CreatedUnits,
}

type EResult = Result<Value, (String, Span2)>;

impl Evaluator {
    fn make_unit(&mut self, dim: Dim, name: String, disp: String) -> Value {
        self.created.push((
            dim,
            UnitName {
                repr: name.clone(),
                display: disp.clone(),
            },
        ));
        Value::Unit(UnitVal {
            dim,
            name,
            disp,
            compound: true,
        })
    }

    fn eval(&mut self, ast: &Ast) -> EResult {
        match ast {
            Ast::Name(n, sp) => match base_entry(n) {
                Some(e) => Ok(Value::Unit(base_unit_val(e))),
                None => Err((format!("name '{n}' is not defined"), *sp)),
            },
            Ast::Num(n, _) => Ok(Value::Num(*n)),
            Ast::Not(a, _) => {
                let v = self.eval(a)?;
                Ok(Value::Num(Num {
                    v: if v.truthy() { 0.0 } else { 1.0 },
                    kind: NumKind::Bool,
                }))
            }
            Ast::BoolOp(op, a, b, _) => {
                let l = self.eval(a)?;
                let short = if *op == "and" { !l.truthy() } else { l.truthy() };
                if short { Ok(l) } else { self.eval(b) }
            }
            Ast::Unary(op, a, sp) => {
                let v = self.eval(a)?;
                let x = if *op == "-" { -v.val() } else { v.val() };
                Ok(match v {
                    Value::Num(n) if n.kind == NumKind::Complex => {
                        return Err(("complex numbers are not supported".into(), *sp));
                    }
                    Value::Num(n) => Value::Num(Num {
                        v: x,
                        kind: if n.kind == NumKind::Bool { NumKind::Int } else { n.kind },
                    }),
                    other if other.dim().is_one() => Value::Num(Num::float(x)),
                    other => Value::Quantity { dim: other.dim(), v: x },
                })
            }
            Ast::Binary(op, a, b, sp) => {
                let l = self.eval(a)?;
                let r = self.eval(b)?;
                self.binary(op, l, r, *sp)
            }
        }
    }

    fn binary(&mut self, op: &str, l: Value, r: Value, sp: Span2) -> EResult {
        if let (Value::Num(x), Value::Num(y)) = (&l, &r) {
            return num_binary(op, *x, *y).map(Value::Num).map_err(|m| (m, sp));
        }
        for v in [&l, &r] {
            if let Value::Num(n) = v
                && n.kind == NumKind::Complex
            {
                let msg = if op == "**" && matches!(l, Value::Unit(_)) {
                    "float() argument must be a string or a real number, not 'complex'"
                } else {
                    "complex numbers are not supported"
                };
                return Err((msg.into(), sp));
            }
        }
        // numpy hands back a plain float for a dimensionless quantity.
        let quantity = |dim: Dim, v: f64| {
            Ok(if dim.is_one() {
                Value::Num(Num::float(v))
            } else {
                Value::Quantity { dim, v }
            })
        };
        // The dimension of the result of a dimension-preserving operation: that
        // of the first operand that is a quantity (Python's `__radd__` etc.).
        let self_dim = if matches!(l, Value::Num(_)) { r.dim() } else { l.dim() };
        match op {
            "*" => match (&l, &r) {
                (Value::Unit(a), Value::Unit(b)) => Ok(self.make_unit(
                    a.dim.mul(b.dim),
                    format!("{} * {}", a.name, b.name),
                    format!("{} {}", a.disp, b.disp),
                )),
                (Value::Unit(u), Value::Num(_)) | (Value::Num(_), Value::Unit(u)) if u.dim.is_one() => {
                    Ok(Value::Num(Num::np_float64(l.val() * r.val())))
                }
                _ => quantity(l.dim().mul(r.dim()), l.val() * r.val()),
            },
            "/" => match (&l, &r) {
                (Value::Unit(a), Value::Unit(b)) => {
                    let (n1, d1) = paren(a);
                    let (n2, d2) = paren(b);
                    Ok(self.make_unit(a.dim.div(b.dim), format!("{n1} / {n2}"), format!("{d1}/{d2}")))
                }
                (x, Value::Unit(b)) if x.dim().is_one() && x.val() == 1.0 => Ok(self.reciprocal(b)),
                (Value::Unit(u), Value::Num(_)) | (Value::Num(_), Value::Unit(u)) if u.dim.is_one() => {
                    Ok(Value::Num(Num::np_float64(l.val() / r.val())))
                }
                _ => quantity(l.dim().div(r.dim()), l.val() / r.val()),
            },
            "+" | "-" | "%" => {
                let ufunc = match op {
                    "+" => "add",
                    "-" => "subtract",
                    _ => "remainder",
                };
                let zero = |v: &Value| v.dim().is_one() && v.val() == 0.0;
                if !l.dim().same(r.dim()) && !zero(&l) && !zero(&r) {
                    // Brian2 names the dimensions with the units registered so far.
                    let mut reg = UnitRegistry::new();
                    reg.register_all(&self.created);
                    let units = if matches!(r, Value::Unit(_)) {
                        format!("unit is {}", reg.get_unit_for_display(l.dim()))
                    } else {
                        format!(
                            "units are {} and {}",
                            reg.get_unit_for_display(l.dim()),
                            reg.get_unit_for_display(r.dim())
                        )
                    };
                    return Err((
                        format!(
                            "Cannot calculate {} {ufunc} {}, the units do not match ({units}).",
                            l.short_str(),
                            r.short_str()
                        ),
                        sp,
                    ));
                }
                let v = match op {
                    "+" => l.val() + r.val(),
                    "-" => l.val() - r.val(),
                    _ => py_mod(l.val(), r.val()),
                };
                quantity(self_dim, v)
            }
            "//" => quantity(l.dim().div(r.dim()), (l.val() / r.val()).floor()),
            "**" => match (&l, &r) {
                (Value::Unit(u), Value::Num(e)) => self.unit_pow(u, *e, sp),
                (Value::Num(n), Value::Unit(u)) if u.dim.is_one() => Err((
                    format!("'{}' object has no attribute 'iscompound'", n.kind.py_name()),
                    sp,
                )),
                (Value::Quantity { dim, v }, Value::Num(e)) if e.v == 0.0 => Err((
                    format!(
                        "operand type(s) all returned NotImplemented from __array_ufunc__(<ufunc '_ones_like'>, '__call__', {} * {}): 'Quantity'",
                        np_num_str(*v),
                        dim.brian_repr()
                    ),
                    sp,
                )),
                _ if r.dim().is_one() => quantity(l.dim().powf(r.val()), l.val().powf(r.val())),
                // A dimensionful quantity as exponent is refused...
                (_, Value::Quantity { dim, .. }) => Err((
                    format!(
                        "The exponent for a power operation has to be dimensionless but was {} (unit is {}).",
                        r.short_str(),
                        dim.brian_display()
                    ),
                    sp,
                )),
                // ... but a dimensionful unit gives Brian2 some quantity.
                (Value::Num(_), _) => Ok(Value::Quantity {
                    dim: r.dim(),
                    v: l.val().powf(r.val()),
                }),
                _ => Ok(Value::Quantity {
                    dim: l.dim(),
                    v: l.val(),
                }),
            },
            _ => Err(("invalid syntax".into(), sp)),
        }
    }

    /// `1/unit` (numpy's reciprocal).
    fn reciprocal(&mut self, b: &UnitVal) -> Value {
        let (n, d) = paren(b);
        self.make_unit(b.dim.recip(), format!("{n} ** -1"), format!("{d}^-1"))
    }

    /// `unit ** e`, with numpy's fast paths for the exponents -1, 0, 0.5, 1, 2.
    fn unit_pow(&mut self, u: &UnitVal, e: Num, sp: Span2) -> EResult {
        let (n, d) = paren(u);
        if !e.v.is_finite() {
            return Err(("Unit value has to be 10**scale (scale=nan, value=nan)".into(), sp));
        }
        match e.v {
            0.0 => Err((
                format!(
                    "operand type(s) all returned NotImplemented from __array_ufunc__(<ufunc '_ones_like'>, '__call__', {}): 'Unit'",
                    u.name
                ),
                sp,
            )),
            // numpy's `positive`: a plain quantity (a float if dimensionless).
            1.0 if u.dim.is_one() => Ok(Value::Num(Num::float(1.0))),
            1.0 => Ok(Value::Quantity { dim: u.dim, v: 1.0 }),
            -1.0 => Ok(self.reciprocal(u)),
            2.0 => Ok(self.make_unit(u.dim.powf(2.0), format!("{n} ** 2"), format!("{d}^2"))),
            0.5 => Ok(self.make_unit(u.dim.powf(0.5), format!("{n} ** 0.5"), format!("{d}^0.5"))),
            x => {
                let r = e.repr();
                Ok(self.make_unit(u.dim.powf(x), format!("{n} ** {r}"), format!("{d}^{r}")))
            }
        }
    }
}

/// A base unit as a value, named as Brian2 names the object (`mM` is the
/// `mmolar` object; `meter` is its own object named `meter`).
fn base_unit_val(e: (&str, &str, &str, [i8; 7])) -> UnitVal {
    UnitVal {
        dim: Dim::from_ints(e.3),
        name: e.1.to_string(),
        disp: e.2.to_string(),
        compound: false,
    }
}

/// A float as numpy prints it in a 0-d array, roughly: `2.`, `2.5`.
fn np_num_str(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{}.", v as i64)
    } else {
        py_float_repr(v)
    }
}

/// Name and display of a unit operand, parenthesised when compound.
fn paren(u: &UnitVal) -> (String, String) {
    if u.compound {
        (format!("({})", u.name), format!("({})", u.disp))
    } else {
        (u.name.clone(), u.disp.clone())
    }
}

fn py_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) { r + b } else { r }
}

/// Python arithmetic on two numbers.
fn num_binary(op: &str, x: Num, y: Num) -> Result<Num, String> {
    use NumKind::*;
    if x.kind == Complex || y.kind == Complex {
        return Err("complex numbers are not supported".into());
    }
    let is_int = |k: NumKind| matches!(k, Int | Bool);
    let both_int = is_int(x.kind) && is_int(y.kind);
    let fk = if x.kind == NpFloat64 || y.kind == NpFloat64 {
        NpFloat64
    } else {
        Float
    };
    let k = if both_int { Int } else { fk };
    // Python's ZeroDivisionError, whose message depends on the operand types.
    let nonzero_divisor = |int_message: &str, float_message: &str| -> Result<(), String> {
        if y.v == 0.0 {
            Err(if both_int { int_message } else { float_message }.into())
        } else {
            Ok(())
        }
    };
    Ok(match op {
        "+" => Num { v: x.v + y.v, kind: k },
        "-" => Num { v: x.v - y.v, kind: k },
        "*" => Num { v: x.v * y.v, kind: k },
        "/" => {
            nonzero_divisor("division by zero", "float division by zero")?;
            Num { v: x.v / y.v, kind: fk }
        }
        "//" => {
            nonzero_divisor("integer division or modulo by zero", "float floor division by zero")?;
            Num {
                v: (x.v / y.v).floor(),
                kind: k,
            }
        }
        "%" => {
            nonzero_divisor("integer modulo by zero", "float modulo")?;
            Num {
                v: py_mod(x.v, y.v),
                kind: k,
            }
        }
        "**" => {
            if x.v == 0.0 && y.v < 0.0 {
                return Err("0.0 cannot be raised to a negative power".into());
            }
            if both_int && y.v >= 0.0 {
                Num {
                    v: x.v.powf(y.v),
                    kind: Int,
                }
            } else if x.v < 0.0 && y.v.fract() != 0.0 {
                Num {
                    v: f64::NAN,
                    kind: Complex,
                }
            } else {
                Num {
                    v: x.v.powf(y.v),
                    kind: fk,
                }
            }
        }
        _ => return Err("invalid syntax".into()),
    })
}
