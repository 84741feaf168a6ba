//! The values of a model file as the builder evaluates them: constant
//! expressions, quantities of a dimension (times, rates), counts and orders,
//! each checked with an error at the string; and the values given to
//! variables (`init` lists, `set` steps: the value and which elements).

use super::synapses::check_delays;
use super::{Builder, locate};
use crate::diag::{Result, Span};
use crate::io::model_file::*;
use crate::sim::{Handle, Selection, Slice, Value};
use crate::units::Dim;

impl Builder<'_> {
    /// A constant expression: its SI value and dimension.
    pub(super) fn eval(&self, s: &Str, what: &str) -> Result<(f64, Dim)> {
        self.net.eval_constant(&s.code(), what)
    }

    /// A quantity of dimension `dim` (`what`: "a time", "a rate").
    pub(super) fn quantity(&self, s: &Str, ctx: &str, dim: Dim, what: &str) -> Result<f64> {
        let (v, d) = self.eval(s, ctx)?;
        if !d.same(dim) {
            return Err(self.error(
                "unit-mismatch",
                s.inner_span(),
                format!("{ctx}: {:?} is not {what} (its unit is {d})", s.text.trim()),
            ));
        }
        Ok(v)
    }

    pub(super) fn time(&self, s: &Str, ctx: &str) -> Result<f64> {
        self.quantity(s, ctx, Dim::SECOND, "a time")
    }

    pub(super) fn positive_time(&self, s: &Str, ctx: &str) -> Result<f64> {
        self.finite_time(s, ctx, false)
    }

    pub(super) fn non_negative_time(&self, s: &Str, ctx: &str) -> Result<f64> {
        self.finite_time(s, ctx, true)
    }

    /// A finite time that is positive, or with `zero_allowed` not negative.
    fn finite_time(&self, s: &Str, ctx: &str, zero_allowed: bool) -> Result<f64> {
        let v = self.time(s, ctx)?;
        let in_range = if zero_allowed { v >= 0.0 } else { v > 0.0 };
        if !(in_range && v.is_finite()) {
            let what = if !v.is_finite() {
                "must be a finite time"
            } else if zero_allowed {
                "must not be negative"
            } else {
                "must be positive"
            };
            return Err(self.error(
                "bad-value",
                s.inner_span(),
                format!("{ctx}: {what}, got {:?}", s.text.trim()),
            ));
        }
        Ok(v)
    }

    /// A count: an integer, or a dimensionless integral constant expression, at least `least`.
    pub(super) fn count(&self, c: &CountSpec, ctx: &str, least: i64) -> Result<usize> {
        let (v, span) = match c {
            CountSpec::Int(i, span) => (*i, *span),
            CountSpec::Expr(s) => {
                let (x, d) = self.eval(s, ctx)?;
                if !d.is_one() {
                    return Err(self.error(
                        "unit-mismatch",
                        s.inner_span(),
                        format!(
                            "{ctx}: {:?} is not dimensionless (its unit is {d}); a count must be an integer",
                            s.text.trim()
                        ),
                    ));
                }
                let integral = x.is_finite() && x.fract() == 0.0;
                if !(integral && x.abs() < 9.0e15) {
                    let (code, what) = if integral {
                        ("too-large", "far too large for a count")
                    } else {
                        ("bad-value", "not an integer")
                    };
                    return Err(self.error(
                        code,
                        s.inner_span(),
                        format!(
                            "{ctx}: {:?} evaluates to {}, {what}",
                            s.text.trim(),
                            crate::units::py_float_repr(x)
                        ),
                    ));
                }
                (x as i64, s.inner_span())
            }
        };
        if v < least {
            let what = if least == 1 { "positive" } else { "non-negative" };
            return Err(self.error("bad-value", span, format!("{ctx}: must be {what}, got {v}")));
        }
        usize::try_from(v).map_err(|_| self.error("bad-value", span, format!("{ctx}: {v} is too large")))
    }

    pub(super) fn order(&self, o: &Option<(i64, Span)>, ctx: &str) -> Result<i32> {
        match o {
            None => Ok(0),
            Some((v, span)) => i32::try_from(*v)
                .map_err(|_| self.error("bad-value", *span, format!("{ctx}.order: {v} is out of range"))),
        }
    }

    /// The value given to `var` of `h` as the network takes it: numbers from a
    /// file scaled to SI units by their `unit`, whose dimension must be the variable's.
    pub(super) fn value(&self, v: &ValueSpec, h: Handle, var: &str, ctx: &str) -> Result<Value> {
        Ok(match v {
            ValueSpec::Number(x) => Value::Scalar(*x),
            ValueSpec::List(xs) => Value::Array(xs.clone()),
            ValueSpec::Expr(s) => Value::Expr(s.code()),
            ValueSpec::Data(d) => {
                let Some(unit) = &d.unit else {
                    return Ok(Value::Array(d.values.clone()));
                };
                let (scale, dim) = self.eval(unit, &format!("{ctx}.unit"))?;
                if let Some(want) = self.net.variable_dim(h, var)
                    && !want.same(dim)
                {
                    return Err(self.error(
                        "unit-mismatch",
                        unit.inner_span(),
                        format!(
                            "{ctx}.unit: '{var}' has unit {want}, but {:?} has unit {dim}",
                            unit.text.trim()
                        ),
                    ));
                }
                Value::Array(d.values.iter().map(|x| x * scale).collect())
            }
        })
    }

    pub(super) fn selection(
        &self,
        h: Handle,
        index: &Option<IndexSpec>,
        synapses: bool,
        ctx: &str,
    ) -> Result<Selection> {
        match index {
            None => Ok(Selection::All),
            Some(IndexSpec::Where(s)) => Ok(Selection::Where(s.code())),
            Some(IndexSpec::View(view, span)) => {
                if !synapses {
                    return Err(self.error(
                        "bad-index",
                        *span,
                        format!("{ctx}.index: an [i, j] pair indexes synapses; for a group use a condition string"),
                    ));
                }
                let slices = view
                    .iter()
                    .map(|x| self.view_index(x, ctx))
                    .collect::<Result<Vec<Slice>>>()?;
                let (pre, post) = (slices[0], slices[1]);
                let k = slices.get(2).copied().unwrap_or(Slice::All);
                self.net
                    .check_view(h, pre, post, k)
                    .map_err(|e| locate(e, self.file(), *span, &format!("{ctx}.index")))?;
                Ok(Selection::Synapses { pre, post, k })
            }
        }
    }

    /// One index of a synapse view: a number, or a Python slice string
    /// (`":"`, `"0:3"`, `"2:"`, `"::2"`, `"4"`).
    fn view_index(&self, x: &ViewIndex, ctx: &str) -> Result<Slice> {
        let (text, span) = match x {
            ViewIndex::Int(n, span) => {
                return usize::try_from(*n).map(Slice::At).map_err(|_| {
                    self.error(
                        "bad-index",
                        *span,
                        format!("{ctx}.index: {n}: indices must be non-negative"),
                    )
                });
            }
            ViewIndex::Slice(s) => (s.text.trim(), s.inner_span()),
        };
        let bad = |why: &str| {
            self.error(
                "bad-index",
                span,
                format!("{ctx}.index: {text:?} {why} (expected a slice \"start:stop\", \"start:stop:step\", \":\" or an index)"),
            )
        };
        let number = |part: &str| -> Result<Option<usize>> {
            let part = part.trim();
            if part.is_empty() {
                return Ok(None);
            }
            part.parse::<usize>()
                .map(Some)
                .map_err(|_| bad(&format!("has {part:?}, which is not a non-negative integer")))
        };
        let parts: Vec<&str> = text.split(':').collect();
        match parts[..] {
            [one] => number(one)?.map(Slice::At).ok_or_else(|| bad("is empty")),
            [start, stop] | [start, stop, _] => {
                let step = match parts.get(2) {
                    Some(step) => number(step)?.unwrap_or(1),
                    None => 1,
                };
                if step == 0 {
                    return Err(bad("has a step of 0"));
                }
                let (start, stop) = (number(start)?, number(stop)?);
                Ok(match (start, stop, step) {
                    (None, None, 1) => Slice::All,
                    (start, stop, step) => Slice::Range {
                        start: start.unwrap_or(0),
                        stop,
                        step,
                    },
                })
            }
            _ => Err(bad("has more than two ':'")),
        }
    }

    /// Applies `init` entries to an object, in order.
    pub(super) fn init(&mut self, h: Handle, entries: &[InitSpec], synapses: bool) {
        for e in entries {
            // `section`: the compartments of a spatial neuron at a location.
            let h = match &e.section {
                Some(sec) => match self.location(h, sec) {
                    Ok(part) => part,
                    Err(err) => {
                        self.push(Err(err));
                        continue;
                    }
                },
                None => h,
            };
            let value = self.value(&e.value, h, &e.var, &e.context);
            let r = self.selection(h, &e.index, synapses, &e.context).and_then(|sel| {
                self.net.set(h, &e.var, value?, sel).map_err(|mut err| {
                    // an error about the value (its length, its type) points at it,
                    // one about the variable at its name
                    for d in err.0.iter_mut().filter(|d| d.source.is_none()) {
                        if matches!(d.code, "bad-length" | "type") {
                            d.source = Some(self.file().clone());
                            d.span = e.value_span;
                            d.message = format!("{}: {}", e.context, d.message);
                            if let ValueSpec::Data(data) = &e.value {
                                d.message +=
                                    &format!(" ({} holds {})", data.file.describe(), data.file.info.describe());
                            }
                        }
                    }
                    locate(err, self.file(), e.var_span, &e.context)
                })
            });
            let r = r.and_then(|()| {
                if synapses {
                    check_delays(&self.net, h, &e.var, self.file(), e.value_span, &e.context)
                } else {
                    Ok(())
                }
            });
            self.push(r);
        }
    }
}

impl Builder<'_> {
    /// The compartments of spatial neuron `h` at location `at` (a subgroup
    /// named `NEURON.LOCATION`, made once).
    pub(super) fn location(&mut self, h: Handle, at: &Str) -> Result<Handle> {
        let name = format!("{}.{}", self.net.name_of(h), at.text.trim());
        if let Some(part) = self.net.handle(&name) {
            return Ok(part);
        }
        self.net.spatial_subgroup(h, at.code(), Some(&name))
    }
}

pub(super) fn count_span(c: &CountSpec) -> Span {
    match c {
        CountSpec::Int(_, span) => *span,
        CountSpec::Expr(s) => s.inner_span(),
    }
}
