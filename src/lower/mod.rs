//! Lowering checked model code (AST + [`Scope`]) to kernel IR, and the kernel
//! skeletons: one Rust function per operation owns the loop shape (state update,
//! threshold, reset, pathway, connect, set-by-expression); the model code is only
//! what happens to one element.

mod skeleton;

use std::collections::HashMap;

use crate::ir::{self, ArrayId, ElemTy, Func, Kernel, LocalId, ScalarId, Stmt, Ty};
use crate::model::scope::{ArrayKey, IndexSel, NameRef, Scope, TableFn, ValTy};
use crate::syntax::ast::{AssignOp, BinOp, Expr, ExprKind, Statement, UnOp};
pub use skeleton::*;

/// Builds one kernel: keeps the order in which runtime arrays are bound.
pub struct KernelBuilder {
    /// The kernel being built.
    pub kernel: Kernel,
    /// The float type of model variables (`F64`, or `F32` in float32 mode).
    pub float: Ty,
    /// Runtime arrays in `KernelArgs::arrays` order.
    pub bindings: Vec<ArrayKey>,
    ids: HashMap<ArrayKey, ArrayId>,
    elem: Box<dyn Fn(&ArrayKey) -> ElemTy>,
    t: Option<ScalarId>,
    tstep: Option<ScalarId>,
    /// The current element (neuron or synapse index, absolute).
    pub item: LocalId,
    temps: HashMap<String, (LocalId, ValTy)>,
    /// Rewrite divisions by constants on finishing ([`KernelBuilder::fast_math`]).
    fast_math: bool,
}

/// Scalar slots every kernel may read; the simulator fills `KernelArgs::scalars`
/// in this order for the ones a kernel declares (see [`KernelBuilder::scalar_names`]).
pub const SCALAR_T: &str = "t";
/// The scalar slot of the current time step of the kernel's clock (`I64`, Brian2's `t_in_timesteps`).
pub const SCALAR_TSTEP: &str = "t_in_timesteps";

impl KernelBuilder {
    /// A builder for kernel `name`, whose model floats are of type `float` and whose runtime arrays store elements of
    /// the type `elem` gives for each key. Declares the element-index local `_idx` ([`KernelBuilder::item`]).
    pub fn new(name: &str, float: Ty, elem: Box<dyn Fn(&ArrayKey) -> ElemTy>) -> KernelBuilder {
        let mut kernel = Kernel::new(name);
        let item = kernel.local("_idx", Ty::I64);
        KernelBuilder {
            kernel,
            float,
            bindings: Vec::new(),
            ids: HashMap::new(),
            elem,
            t: None,
            tstep: None,
            item,
            temps: HashMap::new(),
            fast_math: false,
        }
    }

    /// The id of a runtime array in this kernel (declared on first use).
    pub fn array(&mut self, key: &ArrayKey) -> ArrayId {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let elem = (self.elem)(key);
        let id = self.kernel.array(format!("{}#{}", key.var, key.object), elem);
        self.ids.insert(key.clone(), id);
        self.bindings.push(key.clone());
        id
    }

    /// Declares an array that is not a model variable (spike buffers, event lists).
    pub fn raw_array(&mut self, key: ArrayKey, elem: ElemTy) -> ArrayId {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.kernel.array(format!("{}#{}", key.var, key.object), elem);
        self.ids.insert(key.clone(), id);
        self.bindings.push(key);
        id
    }

    /// The current time `t` in seconds (declares the `t` scalar slot on first use); always `F64`, as Brian2's clock.
    pub fn time(&mut self) -> ir::Expr {
        let id = *self.t.get_or_insert_with(|| self.kernel.scalar(SCALAR_T, Ty::F64));
        ir::Expr::Scalar(id)
    }

    /// The current time step (declares the `t_in_timesteps` scalar slot on first use).
    pub fn time_step(&mut self) -> ir::Expr {
        let id = *self
            .tstep
            .get_or_insert_with(|| self.kernel.scalar(SCALAR_TSTEP, Ty::I64));
        ir::Expr::Scalar(id)
    }

    /// A scalar input that is not `t` (loop bounds, counts).
    pub fn scalar(&mut self, name: &str, ty: Ty) -> ir::Expr {
        if let Some(k) = self.kernel.scalars.iter().position(|s| s.name == name) {
            return ir::Expr::Scalar(k);
        }
        ir::Expr::Scalar(self.kernel.scalar(name, ty))
    }

    /// The names of the scalar slots, in `KernelArgs::scalars` order.
    pub fn scalar_names(&self) -> Vec<String> {
        self.kernel.scalars.iter().map(|s| s.name.clone()).collect()
    }

    /// The IR type of a model value type (floats in the builder's precision).
    pub fn ty_of(&self, v: ValTy) -> Ty {
        match v {
            ValTy::Float => self.float,
            ValTy::Int => Ty::I64,
            ValTy::Bool => Ty::Bool,
        }
    }

    fn index_expr(&mut self, sel: &IndexSel) -> ir::Expr {
        match sel {
            IndexSel::Item => ir::Expr::Local(self.item),
            IndexSel::Zero => ir::Expr::I64(0),
            IndexSel::Via(key) => {
                let a = self.array(key);
                ir::Expr::load(a, ir::Expr::Local(self.item))
            }
            IndexSel::Local { local, offset } => {
                if *offset == 0 {
                    ir::Expr::Local(*local)
                } else {
                    ir::Expr::bin(BinOp::Add, ir::Expr::Local(*local), ir::Expr::I64(*offset))
                }
            }
            IndexSel::Load(key, inner) => {
                let inner = self.index_expr(inner);
                let a = self.array(key);
                ir::Expr::load(a, inner)
            }
        }
    }

    fn cast(&self, e: ir::Expr, from: Ty, to: Ty) -> ir::Expr {
        if from == to {
            return e;
        }
        match e {
            ir::Expr::I64(v) if to.is_float() => {
                if to == Ty::F64 {
                    ir::Expr::F64(v as f64)
                } else {
                    ir::Expr::F32(v as f32)
                }
            }
            ir::Expr::F64(v) if to == Ty::F32 => ir::Expr::F32(v as f32),
            e => ir::Expr::cast(to, e),
        }
    }

    /// Lowers an expression checked against `scope`; returns the IR and its type.
    pub fn expr(&mut self, e: &Expr, scope: &Scope) -> (ir::Expr, Ty) {
        match &e.kind {
            ExprKind::Int(v) => (ir::Expr::I64(*v), Ty::I64),
            ExprKind::Float(v) => self.float_const(*v),
            ExprKind::Bool(b) => (ir::Expr::Bool(*b), Ty::Bool),
            ExprKind::Name(n) => self.name(n, scope),
            ExprKind::Unary(op, a) => {
                let (x, tx) = self.expr(a, scope);
                match op {
                    UnOp::Not => (ir::Expr::logical_not(x), Ty::Bool),
                    UnOp::Pos => {
                        if tx == Ty::Bool {
                            (self.cast(x, Ty::Bool, Ty::I64), Ty::I64)
                        } else {
                            (x, tx)
                        }
                    }
                    UnOp::Neg => {
                        let (x, tx) = if tx == Ty::Bool {
                            (self.cast(x, Ty::Bool, Ty::I64), Ty::I64)
                        } else {
                            (x, tx)
                        };
                        match x {
                            ir::Expr::F64(v) => (ir::Expr::F64(-v), tx),
                            ir::Expr::F32(v) => (ir::Expr::F32(-v), tx),
                            ir::Expr::I64(v) => (ir::Expr::I64(v.wrapping_neg()), tx),
                            x => (ir::Expr::Unary(ir::UnOp::Neg, Box::new(x)), tx),
                        }
                    }
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (x, tx) = self.expr(a, scope);
                let (y, ty) = self.expr(b, scope);
                self.binary(*op, x, tx, y, ty)
            }
            ExprKind::Call(f, args) => self.call(f, args, scope),
        }
    }

    fn float_const(&self, v: f64) -> (ir::Expr, Ty) {
        if self.float == Ty::F32 {
            (ir::Expr::F32(v as f32), Ty::F32)
        } else {
            (ir::Expr::F64(v), Ty::F64)
        }
    }

    fn promote_num(t: Ty) -> Ty {
        if t == Ty::Bool { Ty::I64 } else { t }
    }

    fn common(a: Ty, b: Ty) -> Ty {
        let (a, b) = (Self::promote_num(a), Self::promote_num(b));
        if a == Ty::F64 || b == Ty::F64 {
            Ty::F64
        } else if a == Ty::F32 || b == Ty::F32 {
            Ty::F32
        } else {
            Ty::I64
        }
    }

    /// `x op y` with operands converted to a common type as Brian2's generated C does (mixed integer/float arithmetic
    /// in float, `/` and `**` always in float; integer `**` truncated); returns the expression and its type.
    pub fn binary(&mut self, op: BinOp, x: ir::Expr, tx: Ty, y: ir::Expr, ty: Ty) -> (ir::Expr, Ty) {
        match op {
            BinOp::And | BinOp::Or => (ir::Expr::bin(op, x, y), Ty::Bool),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                let c = if tx == Ty::Bool && ty == Ty::Bool {
                    Ty::Bool
                } else {
                    Self::common(tx, ty)
                };
                let (x, y) = (self.cast(x, tx, c), self.cast(y, ty, c));
                (ir::Expr::bin(op, x, y), Ty::Bool)
            }
            BinOp::Pow if Self::common(tx, ty) == Ty::I64 => {
                // int ** int: computed in f64 and truncated, as numpy's integer power
                // gives for the exponents that occur (2**-1 == 0).
                let (x, y) = (self.cast(x, tx, Ty::F64), self.cast(y, ty, Ty::F64));
                (ir::Expr::cast(Ty::I64, ir::Expr::bin(op, x, y)), Ty::I64)
            }
            BinOp::Div | BinOp::Pow => {
                let c = Self::common(tx, ty);
                let c = if c == Ty::I64 { self.float } else { c };
                let (x, y) = (self.cast(x, tx, c), self.cast(y, ty, c));
                (ir::Expr::bin(op, x, y), c)
            }
            _ => {
                let c = Self::common(tx, ty);
                let (x, y) = (self.cast(x, tx, c), self.cast(y, ty, c));
                (ir::Expr::bin(op, x, y), c)
            }
        }
    }

    fn name(&mut self, n: &str, scope: &Scope) -> (ir::Expr, Ty) {
        if let Some(&(l, _)) = self.temps.get(n) {
            return (ir::Expr::Local(l), self.kernel.locals[l].ty);
        }
        let Some(r) = scope.resolve(n) else {
            // The checker reports unknown names before lowering runs.
            return (ir::Expr::F64(f64::NAN), Ty::F64);
        };
        self.name_ref(&r, scope)
    }

    /// The IR reading the value a resolved name refers to in `scope`, with its type (subexpressions are inlined).
    pub fn name_ref(&mut self, r: &NameRef, scope: &Scope) -> (ir::Expr, Ty) {
        match r {
            NameRef::Const { value, ty, .. } => match ty {
                ValTy::Float => self.float_const(*value),
                ValTy::Int => (ir::Expr::I64(*value as i64), Ty::I64),
                ValTy::Bool => (ir::Expr::Bool(*value != 0.0), Ty::Bool),
            },
            NameRef::Var { array, index, .. } => {
                let idx = self.index_expr(index);
                let a = self.array(array);
                let t = self.kernel.arrays[a].elem.value_ty();
                (ir::Expr::load(a, idx), t)
            }
            NameRef::Index { index, offset } => {
                let idx = self.index_expr(index);
                if *offset == 0 {
                    (idx, Ty::I64)
                } else {
                    (ir::Expr::bin(BinOp::Sub, idx, ir::Expr::I64(*offset)), Ty::I64)
                }
            }
            NameRef::Time => {
                let t = self.time();
                (self.cast(t, Ty::F64, self.float), self.float)
            }
            NameRef::TimeStep => (self.time_step(), Ty::I64),
            NameRef::Subexpr { expr, scope: own, .. } => match own {
                Some(s) => self.expr(expr, s),
                None => self.expr(expr, scope),
            },
        }
    }

    fn call(&mut self, f: &str, args: &[Expr], scope: &Scope) -> (ir::Expr, Ty) {
        let mut lowered: Vec<(ir::Expr, Ty)> = args.iter().map(|a| self.expr(a, scope)).collect();
        if let Some(tf) = scope.functions.get(f).cloned() {
            return self.timed_array(&tf, lowered, scope);
        }
        if f == "_binomial" && lowered.len() == 2 {
            // PoissonInput's draw (internal; not a Brian2 function).
            let (p, pt) = lowered.pop().unwrap_or((ir::Expr::F64(0.0), Ty::F64));
            let (n, nt) = lowered.pop().unwrap_or((ir::Expr::I64(0), Ty::I64));
            let p = self.cast(p, pt, Ty::F64);
            let n = self.cast(n, nt, Ty::I64);
            return (ir::Expr::Call(Func::Binomial, vec![n, p]), Ty::I64);
        }
        let fl = self.float;
        let to_float = |b: &Self, (e, t): (ir::Expr, Ty)| -> ir::Expr {
            let target = if t.is_float() { t } else { fl };
            b.cast(e, t, target)
        };
        let math = |func: Func| -> Option<Func> { Some(func) };
        let func = match f {
            "exp" => math(Func::Exp),
            "log" => math(Func::Log),
            "log10" => math(Func::Log10),
            "sqrt" => math(Func::Sqrt),
            "sin" => math(Func::Sin),
            "cos" => math(Func::Cos),
            "tan" => math(Func::Tan),
            "sinh" => math(Func::Sinh),
            "cosh" => math(Func::Cosh),
            "tanh" => math(Func::Tanh),
            "arcsin" => math(Func::Asin),
            "arccos" => math(Func::Acos),
            "arctan" => math(Func::Atan),
            "expm1" => math(Func::Expm1),
            "log1p" => math(Func::Log1p),
            "floor" => math(Func::Floor),
            "ceil" => math(Func::Ceil),
            "exprel" => math(Func::Exprel),
            _ => None,
        };
        if let Some(func) = func {
            let Some(a) = lowered.pop() else {
                return (ir::Expr::F64(f64::NAN), Ty::F64);
            };
            let x = to_float(self, a);
            let t = x.ty(&self.kernel);
            return (ir::Expr::Call(func, vec![x]), t);
        }
        match f {
            "abs" => {
                let Some((x, t)) = lowered.pop() else {
                    return (ir::Expr::F64(f64::NAN), Ty::F64);
                };
                if t.is_float() {
                    (ir::Expr::Call(Func::Abs, vec![x]), t)
                } else {
                    let x = self.cast(x, t, Ty::I64);
                    let neg = ir::Expr::Unary(ir::UnOp::Neg, Box::new(x.clone()));
                    (
                        ir::Expr::select(ir::Expr::bin(BinOp::Lt, x.clone(), ir::Expr::I64(0)), neg, x),
                        Ty::I64,
                    )
                }
            }
            "sign" => {
                let Some((x, t0)) = lowered.pop() else {
                    return (ir::Expr::F64(f64::NAN), Ty::F64);
                };
                let t = Self::promote_num(t0);
                let x = self.cast(x, t0, t);
                let zero = if t == Ty::I64 {
                    ir::Expr::I64(0)
                } else if t == Ty::F32 {
                    ir::Expr::F32(0.0)
                } else {
                    ir::Expr::F64(0.0)
                };
                let pos = ir::Expr::cast(Ty::I64, ir::Expr::bin(BinOp::Lt, zero.clone(), x.clone()));
                let neg = ir::Expr::cast(Ty::I64, ir::Expr::bin(BinOp::Lt, x, zero));
                let s = ir::Expr::bin(BinOp::Sub, pos, neg);
                if t == Ty::I64 {
                    (s, Ty::I64)
                } else {
                    (ir::Expr::cast(t, s), t)
                }
            }
            "int" => {
                let Some((x, t)) = lowered.pop() else {
                    return (ir::Expr::I64(0), Ty::I64);
                };
                (self.cast(x, t, Ty::I64), Ty::I64)
            }
            "rand" | "randn" => {
                let func = if f == "rand" { Func::Rand } else { Func::Randn };
                let call = ir::Expr::Call(func, vec![]);
                (self.cast(call, Ty::F64, self.float), self.float)
            }
            "poisson" => {
                let Some(a) = lowered.pop() else {
                    return (ir::Expr::I64(0), Ty::I64);
                };
                let x = self.cast(a.0, a.1, Ty::F64);
                (ir::Expr::Call(Func::Poisson, vec![x]), Ty::I64)
            }
            "clip" => {
                if lowered.len() != 3 {
                    return (ir::Expr::F64(f64::NAN), Ty::F64);
                }
                let c = lowered.iter().fold(Ty::Bool, |acc, (_, t)| {
                    if acc == Ty::Bool {
                        Self::promote_num(*t)
                    } else {
                        Self::common(acc, *t)
                    }
                });
                let mut it = lowered.into_iter().map(|(e, t)| self.cast(e, t, c));
                let (Some(a), Some(lo), Some(hi)) = (it.next(), it.next(), it.next()) else {
                    return (ir::Expr::F64(f64::NAN), Ty::F64);
                };
                let upper = ir::Expr::select(ir::Expr::bin(BinOp::Gt, a.clone(), hi.clone()), hi, a.clone());
                (ir::Expr::select(ir::Expr::bin(BinOp::Lt, a, lo.clone()), lo, upper), c)
            }
            "timestep" => {
                if lowered.len() != 2 {
                    return (ir::Expr::I64(0), Ty::I64);
                }
                let dt = lowered
                    .pop()
                    .map(|(e, t)| self.cast(e, t, Ty::F64))
                    .unwrap_or(ir::Expr::F64(1.0));
                let tt = lowered
                    .pop()
                    .map(|(e, t)| self.cast(e, t, Ty::F64))
                    .unwrap_or(ir::Expr::F64(0.0));
                let eps = ir::Expr::bin(BinOp::Mul, ir::Expr::F64(1e-3), dt.clone());
                let q = ir::Expr::bin(BinOp::Div, ir::Expr::bin(BinOp::Add, tt, eps), dt);
                (ir::Expr::cast(Ty::I64, q), Ty::I64)
            }
            _ => (ir::Expr::F64(f64::NAN), Ty::F64),
        }
    }

    /// A TimedArray lookup (brian2-semantics.md §6.7): a tolerant `floor(t/dt)`,
    /// clipped to the table, then the column for a 2-D table.
    fn timed_array(&mut self, tf: &TableFn, mut args: Vec<(ir::Expr, Ty)>, scope: &Scope) -> (ir::Expr, Ty) {
        let dt_group = match scope.resolve("dt") {
            Some(NameRef::Const { value, .. }) => value,
            _ => tf.dt,
        };
        let k = (2f64).powf((8.0 * tf.dt / dt_group).log2().ceil()).max(1.0);
        let eps = tf.dt / k;
        let col = if args.len() == 2 {
            let (c, ct) = args.pop().unwrap_or((ir::Expr::I64(0), Ty::I64));
            Some(self.cast(c, ct, Ty::I64))
        } else {
            None
        };
        let (t, tt) = args.pop().unwrap_or((ir::Expr::F64(0.0), Ty::F64));
        let t = self.cast(t, tt, Ty::F64);
        let q = ir::Expr::bin(
            BinOp::Div,
            ir::Expr::bin(
                BinOp::Add,
                ir::Expr::bin(BinOp::Div, t, ir::Expr::F64(eps)),
                ir::Expr::F64(0.5),
            ),
            ir::Expr::F64(k),
        );
        let idx = ir::Expr::cast(Ty::I64, q);
        let last = ir::Expr::I64(tf.len as i64 - 1);
        let idx = ir::Expr::select(
            ir::Expr::bin(BinOp::Lt, idx.clone(), ir::Expr::I64(0)),
            ir::Expr::I64(0),
            ir::Expr::select(ir::Expr::bin(BinOp::Gt, idx.clone(), last.clone()), last, idx),
        );
        let idx = match (col, tf.cols) {
            (Some(c), Some(cols)) => ir::Expr::bin(
                BinOp::Add,
                ir::Expr::bin(BinOp::Mul, idx, ir::Expr::I64(cols as i64)),
                c,
            ),
            _ => idx,
        };
        let a = self.array(&tf.array);
        let et = self.kernel.arrays[a].elem.value_ty();
        let v = ir::Expr::load(a, idx);
        (self.cast(v, et, self.float), self.float)
    }

    /// The IR storing `value` into a variable, honouring its write mask.
    fn store(&mut self, r: &NameRef, value: ir::Expr, vty: Ty) -> Vec<Stmt> {
        let NameRef::Var {
            array,
            index,
            write_mask,
            ..
        } = r
        else {
            return Vec::new();
        };
        let a = self.array(array);
        let target = self.kernel.arrays[a].elem.value_ty();
        let value = self.cast(value, vty, target);
        let idx = self.index_expr(index);
        let store = Stmt::Store {
            array: a,
            index: idx.clone(),
            value,
        };
        match write_mask {
            Some(mask) => {
                let m = self.array(mask);
                vec![Stmt::If {
                    cond: ir::Expr::load(m, idx),
                    then: vec![store],
                    els: vec![],
                }]
            }
            None => vec![store],
        }
    }

    /// Lowers a block of statements (sequential semantics; new names are temporaries).
    pub fn statements(&mut self, stmts: &[Statement], scope: &Scope) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in stmts {
            let (rhs, rty) = self.expr(&s.expr, scope);
            let temp = self.temps.get(&s.target).copied();
            let target = if temp.is_some() { None } else { scope.resolve(&s.target) };
            match (temp, target) {
                (None, Some(r)) => {
                    let value = match s.op.binop() {
                        None => (rhs, rty),
                        Some(op) => {
                            let (cur, cty) = self.name_ref(&r, scope);
                            self.binary(op, cur, cty, rhs, rty)
                        }
                    };
                    out.extend(self.store(&r, value.0, value.1));
                }
                (Some((l, _)), _) => {
                    let lty = self.kernel.locals[l].ty;
                    let value = match s.op.binop() {
                        None => (rhs, rty),
                        Some(op) => self.binary(op, ir::Expr::Local(l), lty, rhs, rty),
                    };
                    let v = self.cast(value.0, value.1, lty);
                    out.push(Stmt::Assign(l, v));
                }
                (None, None) => {
                    // A new temporary, typed by its first value.
                    let l = self.kernel.local(s.target.clone(), rty);
                    let v = match rty {
                        Ty::Bool => ValTy::Bool,
                        Ty::I64 => ValTy::Int,
                        _ => ValTy::Float,
                    };
                    self.temps.insert(s.target.clone(), (l, v));
                    debug_assert!(s.op == AssignOp::Set);
                    out.push(Stmt::Assign(l, rhs));
                }
            }
        }
        out
    }

    /// Forgets the temporaries of the last block.
    pub fn clear_temps(&mut self) {
        self.temps.clear();
    }

    /// Divisions by constants become multiplications by their reciprocals
    /// ([`ir::passes::reciprocal_division`], Brian2's `-ffast-math`).
    pub fn fast_math(mut self, on: bool) -> Self {
        self.fast_math = on;
        self
    }

    /// Finishes the kernel: folds constants and lifts loop invariants.
    pub fn finish(mut self) -> (Kernel, Vec<ArrayKey>) {
        ir::passes::optimise(&mut self.kernel);
        if self.fast_math {
            ir::passes::reciprocal_division(&mut self.kernel);
        }
        (self.kernel, self.bindings)
    }
}
