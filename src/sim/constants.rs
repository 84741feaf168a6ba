//! Named constants (Brian2's namespace) and constant expressions: the names
//! every scope starts from.

use super::network::{Network, err};
use super::objects::Object;
use super::spec::{Code, UserFunction};
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
        if self.externs.contains_key(name) {
            return Err(err(
                "bad-name",
                "constants",
                format!("'{name}' is a user function and cannot be redefined as a constant"),
            ));
        }
        self.constants.insert(name.to_string(), (value, dim));
        // A name defined again is a float unless `constant_typed` says otherwise
        // (Brian2 reads the namespace at every run: an int may become a float).
        self.constant_types.remove(name);
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
        s.externs = self.externs.clone();
        s
    }

    /// Registers a Rust function that model strings can call (Brian2's
    /// `Function` with a C++ implementation and `@check_units`): calls are
    /// checked against its declared units, and the kernels call it at its
    /// address (the JIT directly, the interpreter too). Register it before
    /// adding the objects whose code calls it. Its name must not be one of
    /// Brian2's functions, constants or units, nor a constant, timed array,
    /// object or function of the network; a variable of the same name in code
    /// that calls it is an error there. A model file cannot name a Rust
    /// function: this is the Rust API only.
    ///
    /// ```
    /// use spikejit::sim::{Network, NeuronGroup, UserFunction};
    /// use spikejit::units::Dim;
    ///
    /// extern "C" fn sigmoid_current(v: f64) -> f64 {
    ///     1e-9 / (1.0 + (-(v + 0.05) / 0.005).exp())
    /// }
    /// let mut net = Network::new();
    /// net.add_function(UserFunction::new("I_of", &[Dim::VOLT], Dim::AMP, sigmoid_current as extern "C" fn(f64) -> f64))?;
    /// let g = net.add_neurons(NeuronGroup::new(1, "dv/dt = (-70*mV - v)/(10*ms) + I_of(v)/(100*pF) : volt"))?;
    /// net.run(0.01)?;
    /// # Ok::<(), spikejit::diag::Errors>(())
    /// ```
    pub fn add_function(&mut self, f: UserFunction) -> Result<()> {
        let ctx = format!("function '{}'", f.name);
        let identifier = f.name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && f.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return Err(err(
                "bad-name",
                &ctx,
                format!(
                    "'{}' is not a name model strings can call (letters, digits and '_', a letter first)",
                    f.name
                ),
            ));
        }
        if let Some(what) = crate::model::scope::is_reserved_builtin(&f.name) {
            return Err(err(
                "bad-name",
                &ctx,
                format!("'{}' is {what} and cannot name a user function", f.name),
            ));
        }
        if self.externs.contains_key(&f.name) || self.constants.contains_key(&f.name) || self.handle(&f.name).is_some()
        {
            return Err(err(
                "duplicate",
                &ctx,
                format!("the name '{}' is already used in this network", f.name),
            ));
        }
        if f.args.len() != f.ptr.arity() {
            return Err(err(
                "arity",
                &ctx,
                format!(
                    "{} argument unit{} declared for a function of {} argument{}",
                    f.args.len(),
                    if f.args.len() == 1 { " is" } else { "s are" },
                    f.ptr.arity(),
                    if f.ptr.arity() == 1 { "" } else { "s" }
                ),
            ));
        }
        self.externs.insert(
            f.name,
            crate::model::scope::ExternDecl {
                args: f.args,
                result: f.result,
                addr: f.ptr.addr(),
            },
        );
        Ok(())
    }
}
