//! Lowering checked model code (AST + [`Scope`]) to kernel IR, and the kernel
//! skeletons: one Rust function per operation owns the loop shape (state update,
//! threshold, reset, pathway, connect, set-by-expression); the model code is only
//! what happens to one element.

mod connect;
mod operators;
mod skeleton;

use std::collections::HashMap;
use std::sync::Arc;

use crate::diag::{Source, Span};
use crate::ir::{self, ArrayId, BinOp, ElemTy, Func, Kernel, LocalId, ScalarId, Stmt, Ty};
use crate::model::equations::Equations;
use crate::model::scope::{ArrayKey, IndexSel, NameRef, Scope, TableFn, ValTy};
use crate::syntax::ast::{AssignOp, Expr, ExprKind, Statement, UnOp};
pub use connect::{ConnectKernel, ConnectLocals, SCALAR_TARGETS_END, SCALAR_TARGETS_START, connect};
pub use skeleton::*;

/// What a kernel checks as it runs, and where its code comes from (for the
/// reports). Without it ([`KernelBuilder::check_faults`] not called) a kernel
/// has no checks and costs nothing more.
#[derive(Clone, Debug)]
pub struct FaultChecks {
    /// The object whose code it is (whose elements the kernel's loop runs over).
    pub object: usize,
    /// The text the statements and conditions were parsed from.
    pub source: Option<Arc<Source>>,
    /// The equations that generated statements come from (integration, the
    /// updates of `(constant over dt)` subexpressions): such a statement is
    /// located at the equation of the variable it updates.
    pub equations: Option<Equations>,
    /// Also check that values stored to float variables are finite (a
    /// compare and a branch per store; off for state updates, whose values
    /// the periodic check finds and attributes to their equations).
    pub finite_stores: bool,
}

/// One check of a kernel: the statement it is in. Checks are numbered by their
/// order in [`KernelBuilder::sites`] (the `site` argument of the checked call).
#[derive(Clone, Debug)]
pub struct FaultSite {
    /// The object whose code the statement is.
    pub object: usize,
    /// The variable the statement assigns, as written (`v_post`, or a
    /// temporary); empty for a condition (a threshold, an event).
    pub target: String,
    /// The statement's text and span in it, when known.
    pub origin: Option<(Arc<Source>, Span)>,
    /// For a check of stored values: the array stored to (its element is the
    /// check's element).
    pub array: Option<ArrayKey>,
    /// The checked operation.
    pub check: Func,
}

/// The interval of values of an integer expression, in `i128` so that the
/// bounds of a sum or product of `i64` bounds are exact.
type Range = (i128, i128);

const I64_RANGE: Range = (i64::MIN as i128, i64::MAX as i128);
const I32_RANGE: Range = (i32::MIN as i128, i32::MAX as i128);

fn within(r: Range, bounds: Range) -> bool {
    r.0 >= bounds.0 && r.1 <= bounds.1
}

/// The values of `a // b` (Python's floor division; 0 for a zero divisor) for
/// `a` and `b` in the given ranges. For divisors of one sign the quotient is
/// monotone in each operand, so its extremes are at the corners of the
/// divisor's negative and positive parts.
fn floor_div_range(a: Range, b: Range) -> Range {
    let floor_div = |x: i128, y: i128| {
        let (q, r) = (x / y, x % y);
        if r != 0 && ((r < 0) != (y < 0)) { q - 1 } else { q }
    };
    let mut lo = i128::MAX;
    let mut hi = i128::MIN;
    let mut add = |q: i128| {
        lo = lo.min(q);
        hi = hi.max(q);
    };
    for part in [(b.0, b.1.min(-1)), (b.0.max(1), b.1)] {
        if part.0 <= part.1 {
            for (x, y) in [(a.0, part.0), (a.0, part.1), (a.1, part.0), (a.1, part.1)] {
                add(floor_div(x, y));
            }
        }
    }
    if b.0 <= 0 && b.1 >= 0 {
        add(0);
    }
    (lo, hi)
}

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
    /// Rewrite small powers as products on finishing ([`KernelBuilder::small_powers`]).
    small_powers: bool,
    /// The checks to make, if any ([`KernelBuilder::check_faults`]).
    checks: Option<FaultChecks>,
    /// The checks made so far, by site number.
    pub sites: Vec<FaultSite>,
    /// The statement being lowered: its target and span (for new sites).
    statement: (String, Span),
    /// The value range of integer locals, as last assigned.
    local_ranges: HashMap<LocalId, Range>,
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
            small_powers: false,
            checks: None,
            sites: Vec::new(),
            statement: (String::new(), Span::default()),
            local_ranges: HashMap::new(),
        }
    }

    /// Makes the kernel check, as it runs, its integer arithmetic (division and
    /// modulo by zero, overflow), its float-to-integer conversions, the values
    /// stored to integer variables and, with `finite_stores`, to float ones
    /// (see `ir::Func::is_check`). Only operations that can fail are checked:
    /// `n // 2` or `n * 1000` of a 32-bit `n` are not (the interval of values
    /// each integer expression can take is known from its operands).
    pub fn check_faults(&mut self, checks: Option<FaultChecks>) {
        self.checks = checks;
    }

    /// Sets the statement that the expressions lowered next belong to (for the
    /// reports of their checks): its target (empty for a condition) and span.
    pub fn at_statement(&mut self, target: &str, span: Span) {
        self.statement = (target.to_string(), span);
    }

    /// A new check site in the current statement; `None` when the kernel makes
    /// no checks.
    fn site(&mut self, check: Func, array: Option<ArrayKey>) -> Option<ir::Expr> {
        let checks = self.checks.as_ref()?;
        let (target, span) = self.statement.clone();
        let origin = if span != Span::default() {
            checks.source.clone().map(|s| (s, span))
        } else {
            // A generated statement (integration `_v = ...`, `v = _v`, stages
            // `__k_1_v`, subexpression updates): its variable's equation, the
            // longest name that the target ends with.
            checks.equations.as_ref().and_then(|eqs| {
                eqs.vars
                    .iter()
                    .filter(|v| target == v.name() || target.ends_with(&format!("_{}", v.name())))
                    .max_by_key(|v| v.name().len())
                    .map(|v| (eqs.source.clone(), v.eq.span))
            })
        };
        self.sites.push(FaultSite {
            object: checks.object,
            target,
            origin,
            array,
            check,
        });
        Some(ir::Expr::I64(self.sites.len() as i64 - 1))
    }

    /// `f(args..., site, element)`, the element being the current one; `plain`
    /// when the kernel makes no checks.
    fn checked_call(&mut self, f: Func, args: Vec<ir::Expr>, plain: ir::Expr) -> ir::Expr {
        match self.site(f, None) {
            Some(site) => {
                let mut args = args;
                args.push(site);
                args.push(ir::Expr::Local(self.item));
                ir::Expr::Call(f, args)
            }
            None => plain,
        }
    }

    /// The values an `I64` expression can take (all of `i64` where unknown):
    /// 32-bit loads, booleans, constants and element indices are bounded, and
    /// so is arithmetic on them that is not checked.
    fn int_range(&self, e: &ir::Expr) -> Range {
        let r = match e {
            ir::Expr::I64(c) => (*c as i128, *c as i128),
            ir::Expr::Load(a, _) => match self.kernel.arrays[*a].elem {
                ElemTy::I32 => I32_RANGE,
                ElemTy::U8 => (0, 1),
                _ => I64_RANGE,
            },
            // Element indices fit in 32 bits (spike spaces and synapse index
            // arrays are `i32`).
            ir::Expr::Local(l) if *l == self.item => (0, i32::MAX as i128),
            ir::Expr::Local(l) => self.local_ranges.get(l).copied().unwrap_or(I64_RANGE),
            ir::Expr::Cast(Ty::I64, x) if x.ty(&self.kernel) == Ty::Bool => (0, 1),
            ir::Expr::Unary(ir::UnOp::Neg, x) => {
                let (lo, hi) = self.int_range(x);
                (-hi, -lo)
            }
            ir::Expr::Binary(op, a, b) => self.binary_range(*op, a, b),
            // A checked `%` gives what `%` gives; a checked `//` too, but for
            // `i64::MIN // -1`, which wraps.
            ir::Expr::Call(Func::CheckedMod, args) => self.binary_range(BinOp::Mod, &args[0], &args[1]),
            ir::Expr::Call(Func::CheckedFloorDiv, args) => {
                let r = self.binary_range(BinOp::FloorDiv, &args[0], &args[1]);
                if within(r, I64_RANGE) { r } else { I64_RANGE }
            }
            ir::Expr::Select(_, a, b) => {
                let (a, b) = (self.int_range(a), self.int_range(b));
                (a.0.min(b.0), a.1.max(b.1))
            }
            _ => I64_RANGE,
        };
        (r.0.max(I64_RANGE.0), r.1.min(I64_RANGE.1))
    }

    /// The values of `a op b` for the values its operands can take (not
    /// clamped: outside the `i64` range where the operation can overflow).
    fn binary_range(&self, op: BinOp, a: &ir::Expr, b: &ir::Expr) -> Range {
        let (a, b) = (self.int_range(a), self.int_range(b));
        let magnitude = |r: Range| r.0.abs().max(r.1.abs());
        match op {
            BinOp::Add => (a.0 + b.0, a.1 + b.1),
            BinOp::Sub => (a.0 - b.1, a.1 - b.0),
            BinOp::Mul => {
                let p = [a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1];
                (
                    p.iter().copied().min().unwrap_or(0),
                    p.iter().copied().max().unwrap_or(0),
                )
            }
            BinOp::FloorDiv => floor_div_range(a, b),
            // |a % b| < |b| (0 for a zero divisor).
            BinOp::Mod => {
                let m = (magnitude(b) - 1).max(0);
                (-m, m)
            }
            _ => I64_RANGE,
        }
    }

    /// `e` (of type `ty`, as [`KernelBuilder::binary`] made it) with its
    /// integer operation checked where it can fail.
    fn check_arith(&mut self, e: ir::Expr, ty: Ty) -> ir::Expr {
        if self.checks.is_none() || ty != Ty::I64 {
            return e;
        }
        match e {
            ir::Expr::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b) => {
                let plain = ir::Expr::Binary(op, a.clone(), b.clone());
                if within(self.binary_range(op, &a, &b), I64_RANGE) {
                    return plain;
                }
                let f = match op {
                    BinOp::Add => Func::CheckedAdd,
                    BinOp::Sub => Func::CheckedSub,
                    _ => Func::CheckedMul,
                };
                self.checked_call(f, vec![*a, *b], plain)
            }
            ir::Expr::Binary(op @ (BinOp::FloorDiv | BinOp::Mod), a, b) => {
                let (ra, rb) = (self.int_range(&a), self.int_range(&b));
                let zero = rb.0 <= 0 && rb.1 >= 0;
                let min_by_m1 = op == BinOp::FloorDiv && rb.0 <= -1 && rb.1 >= -1 && ra.0 == i64::MIN as i128;
                let plain = ir::Expr::Binary(op, a.clone(), b.clone());
                if !zero && !min_by_m1 {
                    return plain;
                }
                let f = if op == BinOp::FloorDiv {
                    Func::CheckedFloorDiv
                } else {
                    Func::CheckedMod
                };
                self.checked_call(f, vec![*a, *b], plain)
            }
            // int ** int: the float power converted.
            ir::Expr::Cast(Ty::I64, x) if x.ty(&self.kernel).is_float() => self.checked_int(*x),
            e => e,
        }
    }

    /// A float converted to `I64`, checked for NaN, infinities and values out of range.
    fn checked_int(&mut self, x: ir::Expr) -> ir::Expr {
        let plain = ir::Expr::cast(Ty::I64, x.clone());
        let constant = match x {
            ir::Expr::F64(v) => Some(v),
            ir::Expr::F32(v) => Some(f64::from(v)),
            _ => None,
        };
        if constant.is_some_and(|v| (-ir::I64_FLOAT_LIMIT..ir::I64_FLOAT_LIMIT).contains(&v)) {
            return plain;
        }
        self.checked_call(Func::CheckedToInt, vec![x], plain)
    }

    /// `-x` on `I64`, checked where `x` may be `i64::MIN`.
    fn checked_neg(&mut self, x: ir::Expr) -> ir::Expr {
        let plain = ir::Expr::Unary(ir::UnOp::Neg, Box::new(x.clone()));
        if self.checks.is_none() || self.int_range(&x).0 > i64::MIN as i128 {
            return plain;
        }
        self.checked_call(Func::CheckedNeg, vec![x], plain)
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
            IndexSel::Offset(inner, offset) => match self.index_expr(inner) {
                ir::Expr::I64(k) => ir::Expr::I64(k + offset),
                inner => ir::Expr::bin(BinOp::Add, inner, ir::Expr::I64(*offset)),
            },
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
                            ir::Expr::I64(v) if v != i64::MIN => (ir::Expr::I64(-v), tx),
                            x if tx == Ty::I64 => (self.checked_neg(x), tx),
                            x => (ir::Expr::Unary(ir::UnOp::Neg, Box::new(x)), tx),
                        }
                    }
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (x, tx) = self.expr(a, scope);
                let (y, ty) = self.expr(b, scope);
                let (e, t) = self.binary(*op, x, tx, y, ty);
                (self.check_arith(e, t), t)
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
    /// in float, `/` and `**` always in float; integer `**` truncated); returns the expression and its type. `op` is
    /// the IR's operator or Brian2's (mapped by its `From`).
    pub fn binary(&mut self, op: impl Into<BinOp>, x: ir::Expr, tx: Ty, y: ir::Expr, ty: Ty) -> (ir::Expr, Ty) {
        let op = op.into();
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
        if let Some(x) = scope.externs.get(f) {
            // A user's function takes and returns f64, whatever the kernel's float.
            let arity = u8::try_from(x.args.len()).unwrap_or(u8::MAX);
            let args = lowered.into_iter().map(|(e, t)| self.cast(e, t, Ty::F64)).collect();
            let call = ir::Expr::Call(Func::Extern(ir::ExternFn { addr: x.addr, arity }), args);
            return (self.cast(call, Ty::F64, self.float), self.float);
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
                    let neg = self.checked_neg(x.clone());
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
                if t.is_float() && self.checks.is_some() {
                    return (self.checked_int(x), Ty::I64);
                }
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
        let value = if target == Ty::I64 && vty.is_float() && self.checks.is_some() {
            self.checked_int(value)
        } else {
            self.cast(value, vty, target)
        };
        let idx = self.index_expr(index);
        let value = self.checked_store(a, array, value, &idx);
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

    /// The value stored to `array[index]` (id `a`), checked where the kernel
    /// makes checks: to fit a 32-bit integer variable, and to be finite in a
    /// float one with `finite_stores` where the value can leave the finite
    /// numbers ([`can_leave_the_finite`]).
    fn checked_store(&mut self, a: ArrayId, key: &ArrayKey, value: ir::Expr, index: &ir::Expr) -> ir::Expr {
        let Some(checks) = &self.checks else { return value };
        match self.kernel.arrays[a].elem {
            ElemTy::I32 if !within(self.int_range(&value), I32_RANGE) => {
                self.checked_call(Func::CheckedI32, vec![value.clone()], value)
            }
            ElemTy::F64 | ElemTy::F32 if checks.finite_stores && can_leave_the_finite(&value) => {
                match self.site(Func::CheckFinite, Some(key.clone())) {
                    Some(site) => ir::Expr::Call(Func::CheckFinite, vec![value, site, index.clone()]),
                    None => value,
                }
            }
            _ => value,
        }
    }

    /// Lowers a block of statements (sequential semantics; new names are temporaries).
    pub fn statements(&mut self, stmts: &[Statement], scope: &Scope) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in stmts {
            self.at_statement(&s.target, s.span);
            let (rhs, rty) = self.expr(&s.expr, scope);
            let temp = self.temps.get(&s.target).copied();
            let target = if temp.is_some() { None } else { scope.resolve(&s.target) };
            match (temp, target) {
                (None, Some(r)) => {
                    let value = match s.op.binop() {
                        None => (rhs, rty),
                        Some(op) => {
                            let (cur, cty) = self.name_ref(&r, scope);
                            let (e, t) = self.binary(op, cur, cty, rhs, rty);
                            (self.check_arith(e, t), t)
                        }
                    };
                    out.extend(self.store(&r, value.0, value.1));
                }
                (Some((l, _)), _) => {
                    let lty = self.kernel.locals[l].ty;
                    let value = match s.op.binop() {
                        None => (rhs, rty),
                        Some(op) => {
                            let (e, t) = self.binary(op, ir::Expr::Local(l), lty, rhs, rty);
                            (self.check_arith(e, t), t)
                        }
                    };
                    let v = if lty == Ty::I64 && value.1.is_float() && self.checks.is_some() {
                        self.checked_int(value.0)
                    } else {
                        self.cast(value.0, value.1, lty)
                    };
                    if lty == Ty::I64 {
                        let r = self.int_range(&v);
                        self.local_ranges.insert(l, r);
                    }
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
                    if rty == Ty::I64 {
                        let r = self.int_range(&rhs);
                        self.local_ranges.insert(l, r);
                    }
                    out.push(Stmt::Assign(l, rhs));
                }
            }
        }
        out
    }

    /// Forgets the temporaries of the last block.
    pub fn clear_temps(&mut self) {
        self.temps.clear();
        self.local_ranges.clear();
    }

    /// Divisions by constants become multiplications by their reciprocals
    /// ([`ir::passes::reciprocal_division`], Brian2's `-ffast-math`).
    pub fn fast_math(mut self, on: bool) -> Self {
        self.fast_math = on;
        self
    }

    /// `x**2` to `x**4` of a simple value become products
    /// ([`ir::passes::small_powers_as_products`]).
    pub fn small_powers(mut self, on: bool) -> Self {
        self.small_powers = on;
        self
    }

    /// Finishes the kernel: folds constants and lifts loop invariants.
    pub fn finish(mut self) -> (Kernel, Vec<ArrayKey>) {
        if self.small_powers {
            ir::passes::small_powers_as_products(&mut self.kernel);
        }
        ir::passes::optimise(&mut self.kernel);
        if self.fast_math {
            ir::passes::reciprocal_division(&mut self.kernel);
        }
        (self.kernel, self.bindings)
    }
}

/// Whether `e` can be NaN or infinite when every value it reads (loads,
/// scalars) is finite: through a division, a power, a modulo or a function
/// that leaves the finite numbers (`log`, `sqrt`, `exp`, ...), or a local,
/// whose definition is not looked at here. `+`, `-` and `*` of finite values
/// leave them only by overflowing past 1.8e308, which the periodic scan of
/// the state variables still finds (naming the variable, not the statement);
/// so the `v_post += w` of every synaptic event runs without a check (it cost
/// 5-8 % of Brunel's run).
fn can_leave_the_finite(e: &ir::Expr) -> bool {
    use ir::Expr as E;
    match e {
        E::F64(_) | E::F32(_) | E::I64(_) | E::Bool(_) | E::Scalar(_) | E::Load(..) => false,
        E::Local(_) => true,
        E::Unary(_, a) | E::Cast(_, a) => can_leave_the_finite(a),
        E::Binary(op, a, b) => {
            matches!(op, BinOp::Div | BinOp::FloorDiv | BinOp::Mod | BinOp::Pow)
                || can_leave_the_finite(a)
                || can_leave_the_finite(b)
        }
        E::Select(_, a, b) => can_leave_the_finite(a) || can_leave_the_finite(b),
        E::Call(f, args) => {
            let finite_of_finite = matches!(
                f,
                Func::Abs
                    | Func::Floor
                    | Func::Ceil
                    | Func::Sin
                    | Func::Cos
                    | Func::Tanh
                    | Func::Atan
                    | Func::Rand
                    | Func::Randn
                    | Func::Poisson
                    | Func::Binomial
            );
            !finite_of_finite || args.iter().any(can_leave_the_finite)
        }
    }
}

#[cfg(test)]
mod tests;
