//! Named constants (Brian2's namespace) and constant expressions: the names
//! every scope starts from.

use super::network::{Network, err};
use super::objects::Object;
use super::spec::Code;
use crate::diag::{Diagnostic, Errors, Result};
use crate::units::Dim;

impl Network {
    /// Adds a named constant with its type (an integer constant stays an integer
    /// in expressions, as a Python int does in Brian2).
    pub fn constant_typed(&mut self, name: &str, value: f64, dim: Dim, ty: crate::model::scope::ValTy) -> Result<()> {
        self.constant(name, value, dim)?;
        if ty != crate::model::scope::ValTy::Float {
            self.constant_types.insert(name.to_string(), ty);
        }
        Ok(())
    }

    /// Adds a named constant (its value in SI units and its dimension).
    pub fn constant(&mut self, name: &str, value: f64, dim: Dim) -> Result<()> {
        if let Some(what) = crate::model::scope::is_reserved_builtin(name) {
            return Err(err(
                "bad-name",
                "constants",
                format!("'{name}' is {what} and cannot be redefined as a constant"),
            ));
        }
        self.constants.insert(name.to_string(), (value, dim));
        Ok(())
    }

    /// A constant's value (SI units) and dimension, if it is defined.
    pub fn constant_value(&self, name: &str) -> Option<(f64, Dim)> {
        self.constants.get(name).copied()
    }

    /// Whether a constant was defined as an integer ([`Network::constant_typed`]).
    pub fn constant_is_integer(&self, name: &str) -> bool {
        self.constant_types.get(name) == Some(&crate::model::scope::ValTy::Int)
    }

    /// Adds a named constant given as a quantity: `net.constant_q("taum", 20.0 * ms)`.
    ///
    /// ```
    /// use spikejit::sim::Network;
    /// use spikejit::units::si::*;
    /// let mut net = Network::new();
    /// net.constant_q("taum", 20.0 * ms).unwrap();
    /// net.constant_q("Vt", -50.0 * mV).unwrap();
    /// ```
    pub fn constant_q(&mut self, name: &str, q: crate::units::Quantity) -> Result<()> {
        self.constant(name, q.value, q.dim)
    }

    /// Evaluates a constant expression (a quantity string such as `"20*ms"` or
    /// `"(60*0.27/10)*mV"`, using units and the constants defined so far) to its
    /// SI value and dimension.
    pub fn eval_constant(&self, code: &Code, what: &str) -> Result<(f64, Dim)> {
        self.eval_constant_typed(code, what).map(|(v, d, _)| (v, d))
    }

    /// [`Network::eval_constant`] with the type of the value (integer for
    /// integer arithmetic on integer constants and `int(...)`).
    pub fn eval_constant_typed(&self, code: &Code, what: &str) -> Result<(f64, Dim, crate::model::scope::ValTy)> {
        let src = code.source(what.to_string());
        let e = crate::syntax::parse_expression(&src)?;
        let scope = self.constants_scope();
        let mut c = crate::model::check::Checker::new(&scope, &src);
        let t = c.expr(&e);
        if !c.errors.is_empty() {
            return Err(Errors(c.errors));
        }
        let Some(t) = t else {
            return Err(err("bad-constant", what, "invalid constant expression"));
        };
        let Some(v) = c.const_value(&e) else {
            return Err(Errors::one(
                Diagnostic::at(
                    "not-constant",
                    &src,
                    e.span,
                    format!("'{}' is not a constant expression", code.text.trim()),
                )
                .with_help("only numbers, units, functions of them and constants defined earlier can be used here"),
            ));
        };
        let ty = if t.ty == crate::model::scope::ValTy::Bool {
            crate::model::scope::ValTy::Float
        } else {
            t.ty
        };
        Ok((v, t.dim, ty))
    }

    pub(crate) fn constants_scope(&self) -> crate::model::scope::Scope {
        let mut s = crate::model::scope::Scope::default();
        for (k, (v, d)) in &self.constants {
            let ty = self
                .constant_types
                .get(k)
                .copied()
                .unwrap_or(crate::model::scope::ValTy::Float);
            s.insert(
                k.clone(),
                crate::model::scope::NameRef::Const { value: *v, dim: *d, ty },
            );
        }
        for o in &self.objects {
            if let Object::TimedArray(t) = o {
                s.functions.insert(t.name.clone(), t.table.clone());
            }
        }
        s
    }
}
