//! Element loops on two lanes at a time (`f64x2`: SSE2 on x86-64), unless
//! `SPIKEJIT_NO_SIMD=1` (issue 16; the figures are in docs/performance.md).
//!
//! A `for` loop qualifies when its body starts with a straight-line part `P`
//! of assignments and stores that only touch `f64` and `bool` values, reach
//! arrays only at the loop index, and read no local that an earlier iteration
//! could have set; what follows `P` must be nothing, or one `if` without `else`
//! whose condition is of the same kind (a threshold). Then each vector
//! iteration runs `P` for elements `i` and `i + 1` in `f64x2` (the same IEEE
//! operations, lane by lane, as the scalar code: no FMA, nothing reassociated),
//! tests the `if`'s condition on both lanes and, only when a lane needs it, runs
//! the `if` as scalar code for lane `i` and then for lane `i + 1` with the
//! lanes' values of `P`'s locals. A scalar loop does the last, odd element.
//!
//! Running `P(i + 1)` before the `if` of element `i` is what the scalar loop
//! does as long as the `if` cannot see the difference: `P` touches element
//! `i + 1` only, and the `if` reaches an array at another index than the loop
//! index only when its elements are neither `f64` nor `bool` (so whatever the
//! bindings, never an array that `P` touches: a threshold's spike list). The
//! interpreter runs the same IR, element by element; `tests/jit_vs_interp.rs`
//! compares the two.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, Value, types};

use super::Translator;
use crate::ir::fuse::walk_block;
use crate::ir::{BinOp, ElemTy, Expr, Func, Kernel, LocalId, Stmt, Ty, UnOp};

/// `SPIKEJIT_LANE_GROUPS` (1, 2, 4 or 8), for timing: the pairs of elements
/// every vector loop takes per iteration, instead of [`Plan::groups`]'s choice.
static GROUPS_ENV: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

fn groups_override() -> Option<usize> {
    *GROUPS_ENV.get_or_init(|| {
        std::env::var("SPIKEJIT_LANE_GROUPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|g| [1, 2, 4, 8].contains(g))
    })
}

/// Expression nodes in `P` above which an iteration takes four pairs rather
/// than two: a long body (COBAHH's 10 `exp` and 8 divisions, ~400 nodes) is
/// latency-bound, and more independent chains side by side fill the
/// out-of-order window (COBAHH-4000: 1.35 s with one pair, 1.24 with two,
/// 1.09 with four, 1.09–1.14 with eight at twice the compile time); a short
/// one (CUBA's update, ~40 nodes) is bound by memory and loses with four
/// (CUBA-64000: 0.96, 0.82, 0.92 s).
const LONG_BODY: usize = 150;

/// Whether loops are vectorised: yes, unless `SPIKEJIT_NO_SIMD` is set (to
/// time or debug the scalar code; read when a [`super::Jit`] is made).
pub(super) fn enabled() -> bool {
    std::env::var_os("SPIKEJIT_NO_SIMD").is_none()
}

/// How a loop body is split for two lanes.
pub(super) struct Plan {
    /// `body[..split]` runs on both lanes at once.
    split: usize,
    /// `body[split]` is an `if` whose condition is tested on both lanes.
    masked_if: bool,
    /// Pairs of elements per iteration of the main vector loop (2 or 4).
    groups: usize,
}

/// The plan for `for var in .. { body }`, or `None` when it must stay scalar.
/// `exp_on_lanes`: whether `exp` of an `f64` can run on two lanes (the CPU has
/// FMA, see `exp.rs`).
pub(super) fn plan(k: &Kernel, var: LocalId, body: &[Stmt], exp_on_lanes: bool) -> Option<Plan> {
    let mut assigned = HashSet::new();
    assigned_locals(body, &mut assigned);
    if assigned.contains(&var) {
        return None;
    }
    let check = Check {
        k,
        var,
        assigned,
        exp_on_lanes,
    };
    let mut defined = HashSet::new();
    let mut split = 0;
    for s in body {
        let ok = match s {
            Stmt::Assign(l, e) => {
                let ty = k.locals[*l].ty;
                matches!(ty, Ty::F64 | Ty::Bool) && check.ty(e, &defined) == Some(ty)
            }
            Stmt::Store { array, index, value } => {
                let elem = k.arrays[*array].elem;
                matches!(elem, ElemTy::F64 | ElemTy::U8)
                    && check.is_index(index)
                    && check.ty(value, &defined) == Some(elem.value_ty())
            }
            _ => false,
        };
        if !ok {
            break;
        }
        if let Stmt::Assign(l, _) = s {
            defined.insert(*l);
        }
        split += 1;
    }
    if split == 0 {
        return None;
    }
    let masked_if = match &body[split..] {
        [] => false,
        [Stmt::If { cond, then, els }] if els.is_empty() && check.ty(cond, &defined) == Some(Ty::Bool) => {
            if !check.scalar_part_keeps_order(then) {
                return None;
            }
            true
        }
        _ => return None,
    };
    let mut nodes = 0;
    for s in &body[..split] {
        if let Stmt::Assign(_, e) | Stmt::Store { value: e, .. } = s {
            count_nodes(e, &mut nodes);
        }
    }
    let groups = groups_override().unwrap_or(if nodes > LONG_BODY { 4 } else { 2 });
    Some(Plan {
        split,
        masked_if,
        groups,
    })
}

fn count_nodes(e: &Expr, n: &mut usize) {
    *n += 1;
    e.for_each_child(|c| count_nodes(c, n));
}

/// Every local assigned anywhere in `b`.
fn assigned_locals(b: &[Stmt], out: &mut HashSet<LocalId>) {
    for s in b {
        match s {
            Stmt::Assign(l, _) => {
                out.insert(*l);
            }
            Stmt::If { then, els, .. } => {
                assigned_locals(then, out);
                assigned_locals(els, out);
            }
            Stmt::For { var, body, .. } => {
                out.insert(*var);
                assigned_locals(body, out);
            }
            Stmt::While { body, .. } => assigned_locals(body, out),
            Stmt::Store { .. } | Stmt::Eval(_) => {}
        }
    }
}

struct Check<'a> {
    k: &'a Kernel,
    var: LocalId,
    /// Locals the loop body assigns (its loop variable excluded).
    assigned: HashSet<LocalId>,
    exp_on_lanes: bool,
}

impl Check<'_> {
    fn is_index(&self, e: &Expr) -> bool {
        matches!(e, Expr::Local(l) if *l == self.var)
    }

    /// The type of `e` when it can run on two lanes (`F64` or `Bool`), given
    /// the locals `defined` earlier in the same iteration.
    fn ty(&self, e: &Expr, defined: &HashSet<LocalId>) -> Option<Ty> {
        let lane_ty = |t: Ty| matches!(t, Ty::F64 | Ty::Bool).then_some(t);
        match e {
            Expr::F64(_) => Some(Ty::F64),
            Expr::Bool(_) => Some(Ty::Bool),
            // A local set by an earlier iteration (or by the `if`) would carry
            // a value from one lane to the next.
            Expr::Local(l) if *l != self.var && (defined.contains(l) || !self.assigned.contains(l)) => {
                lane_ty(self.k.locals[*l].ty)
            }
            Expr::Scalar(s) => lane_ty(self.k.scalars[*s].ty),
            Expr::Load(a, index) if self.is_index(index) => match self.k.arrays[*a].elem {
                ElemTy::F64 => Some(Ty::F64),
                ElemTy::U8 => Some(Ty::Bool),
                _ => None,
            },
            Expr::Unary(UnOp::Neg, x) => (self.ty(x, defined)? == Ty::F64).then_some(Ty::F64),
            Expr::Unary(UnOp::Not, x) => (self.ty(x, defined)? == Ty::Bool).then_some(Ty::Bool),
            Expr::Binary(op, a, b) => {
                let (ta, tb) = (self.ty(a, defined)?, self.ty(b, defined)?);
                match (op, ta, tb) {
                    (op, Ty::F64, Ty::F64) if op.is_comparison() => Some(Ty::Bool),
                    (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, Ty::F64, Ty::F64) => Some(Ty::F64),
                    (BinOp::And | BinOp::Or, Ty::Bool, Ty::Bool) => Some(Ty::Bool),
                    _ => None,
                }
            }
            Expr::Cast(to, x) => {
                let from = self.ty(x, defined)?;
                lane_ty(*to).filter(|to| from == *to || matches!((from, to), (Ty::Bool, Ty::F64) | (Ty::F64, Ty::Bool)))
            }
            Expr::Select(c, a, b) => {
                let t = self.ty(a, defined)?;
                (self.ty(c, defined)? == Ty::Bool && self.ty(b, defined)? == t).then_some(t)
            }
            Expr::Call(Func::Abs | Func::Sqrt, args) if args.len() == 1 => {
                (self.ty(&args[0], defined)? == Ty::F64).then_some(Ty::F64)
            }
            Expr::Call(Func::Exp, args) if self.exp_on_lanes && args.len() == 1 => {
                (self.ty(&args[0], defined)? == Ty::F64).then_some(Ty::F64)
            }
            _ => None,
        }
    }

    /// Whether `b`, run for element `i` after the lanes' part of element
    /// `i + 1`, does what it does in the scalar loop: it reaches arrays of
    /// `f64` or `bool` (which the lanes' part may touch) only at the loop index.
    fn scalar_part_keeps_order(&self, b: &[Stmt]) -> bool {
        let ok = Cell::new(true);
        let visit = |array: usize, index: &Expr| {
            if !self.is_index(index) && matches!(self.k.arrays[array].elem, ElemTy::F64 | ElemTy::U8) {
                ok.set(false);
            }
        };
        walk_block(
            b,
            &mut |e| {
                if let Expr::Load(a, i) = e {
                    visit(*a, i);
                }
            },
            &mut |a, i| visit(a, i),
        );
        ok.get()
    }
}

/// Vector loads and stores: not `aligned` (element `i` of an `f64` array is
/// only 8-byte aligned), so that no SSE instruction takes them as a 16-byte
/// aligned memory operand.
fn vector_mem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

impl Translator<'_> {
    /// `for var in start .. end { body }` as planned: `groups` pairs of
    /// elements at a time (see [`LONG_BODY`]), then single pairs, then the scalar
    /// loop for what is left.
    pub(super) fn vector_for(
        &mut self,
        var: LocalId,
        start: Value,
        end: Value,
        body: &[Stmt],
        plan: &Plan,
    ) -> Result<(), String> {
        self.vector_loops += 1;
        let mut from = start;
        if plan.groups > 1 {
            from = self.lane_loop(var, from, end, body, plan, plan.groups)?;
        }
        let from = self.lane_loop(var, from, end, body, plan, 1)?;
        self.scalar_for(var, from, end, body)
    }

    /// A loop over `groups` pairs of elements per iteration from `start`, as
    /// long as a whole iteration fits before `end`; returns where it stopped.
    /// `P` runs statement by statement for each pair in turn (independent
    /// chains side by side, for the out-of-order core), then the `if` for each
    /// pair in element order.
    fn lane_loop(
        &mut self,
        var: LocalId,
        start: Value,
        end: Value,
        body: &[Stmt],
        plan: &Plan,
        groups: usize,
    ) -> Result<Value, String> {
        let step = 2 * groups as i64;
        let vbody = self.b.create_block();
        let rest = self.b.create_block();
        let i = self.b.append_block_param(vbody, types::I64);
        let j = self.b.append_block_param(rest, types::I64);
        // The iterations end at start + step * floor((end - start) / step)
        // (step is a power of two); none when fewer elements are left.
        let n = self.b.ins().isub(end, start);
        let whole = self.b.ins().band_imm_s(n, -step);
        let vend = self.b.ins().iadd(start, whole);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, start, vend);
        self.b.ins().brif(go, vbody, &[start.into()], rest, &[start.into()]);

        self.b.switch_to_block(vbody);
        let idx: Vec<Value> = (0..groups)
            .map(|g| {
                if g == 0 {
                    i
                } else {
                    self.b.ins().iadd_imm_s(i, 2 * g as i64)
                }
            })
            .collect();
        let mut lanes: Vec<HashMap<LocalId, Value>> = vec![HashMap::new(); groups];
        for s in &body[..plan.split] {
            for g in 0..groups {
                match s {
                    Stmt::Assign(l, e) => {
                        let v = self.vexpr(e, idx[g], &lanes[g])?;
                        lanes[g].insert(*l, v);
                    }
                    Stmt::Store { array, value, .. } => {
                        let v = self.vexpr(value, idx[g], &lanes[g])?;
                        self.vstore(*array, idx[g], v);
                    }
                    _ => return Err("a vector plan holds only assignments and stores".into()),
                }
            }
        }
        if plan.masked_if {
            let Stmt::If { cond, .. } = &body[plan.split] else {
                return Err("a vector plan's tail is an `if`".into());
            };
            for g in 0..groups {
                let mask = self.vexpr(cond, idx[g], &lanes[g])?;
                // Both lanes' values first: the `if` may change them on either.
                self.enter_lane(var, idx[g], &lanes[g], 1);
                let any = self.b.ins().vany_true(mask);
                let slow = self.b.create_block();
                let cont = self.b.create_block();
                self.b.ins().brif(any, slow, &[], cont, &[]);
                self.b.set_cold_block(slow);
                self.b.switch_to_block(slow);
                for lane in 0..2u8 {
                    self.enter_lane(var, idx[g], &lanes[g], lane);
                    self.block(&body[plan.split..])?;
                }
                self.b.ins().jump(cont, &[]);
                self.b.switch_to_block(cont);
            }
        } else {
            // What the scalar loop leaves in the locals after the last element
            // (unused values are removed by Cranelift).
            self.enter_lane(var, idx[groups - 1], &lanes[groups - 1], 1);
        }
        let next = self.b.ins().iadd_imm_s(i, step);
        let again = self.b.ins().icmp(IntCC::SignedLessThan, next, vend);
        self.b.ins().brif(again, vbody, &[next.into()], rest, &[next.into()]);

        self.b.switch_to_block(rest);
        Ok(j)
    }

    /// Sets the loop variable and `P`'s locals to their values for one lane.
    fn enter_lane(&mut self, var: LocalId, i: Value, lanes: &HashMap<LocalId, Value>, lane: u8) {
        let idx = self.b.ins().iadd_imm_s(i, i64::from(lane));
        self.b.def_var(self.locals[var], idx);
        for (&l, &v) in lanes {
            let x = self.b.ins().extractlane(v, lane);
            let x = match self.k.locals[l].ty {
                Ty::Bool => self.b.ins().icmp_imm_u(IntCC::NotEqual, x, 0),
                _ => x,
            };
            self.b.def_var(self.locals[l], x);
        }
    }

    /// A scalar on both lanes: an `f64` as `f64x2`, a bool (0/1 byte) as an
    /// `i64x2` mask (all ones for true).
    fn splat(&mut self, v: Value, t: Ty) -> Value {
        match t {
            Ty::Bool => {
                let wide = self.b.ins().uextend(types::I64, v);
                let mask = self.b.ins().ineg(wide);
                self.b.ins().splat(types::I64X2, mask)
            }
            _ => self.b.ins().splat(types::F64X2, v),
        }
    }

    fn vstore(&mut self, array: usize, i: Value, v: Value) {
        let addr = self.address(array, i);
        match self.k.arrays[array].elem {
            ElemTy::U8 => {
                // Each lane's mask as the byte 0 or 1, as the scalar code
                // stores: the two sign bits (movmskpd) spread to two bytes,
                // one 16-bit store (x86 is little-endian: lane 0 first).
                let bits = self.b.ins().vhigh_bits(types::I64, v);
                let low = self.b.ins().band_imm_s(bits, 1);
                let high = self.b.ins().band_imm_s(bits, 2);
                let high = self.b.ins().ishl_imm_u(high, 7);
                let both = self.b.ins().bor(low, high);
                let pair = self.b.ins().ireduce(types::I16, both);
                self.b
                    .ins()
                    .store(vector_mem().with_endianness(Endianness::Little), pair, addr, 0);
            }
            _ => {
                self.b.ins().store(vector_mem(), v, addr, 0);
            }
        }
    }

    /// `e` for elements `i` and `i + 1`: `f64x2`, or an `i64x2` mask for bools.
    fn vexpr(&mut self, e: &Expr, i: Value, lanes: &HashMap<LocalId, Value>) -> Result<Value, String> {
        Ok(match e {
            Expr::F64(x) => {
                let c = self.b.ins().f64const(Ieee64::with_bits(x.to_bits()));
                self.b.ins().splat(types::F64X2, c)
            }
            Expr::Bool(x) => {
                let c = self.b.ins().iconst(types::I64, -i64::from(*x));
                self.b.ins().splat(types::I64X2, c)
            }
            Expr::Local(l) => match lanes.get(l) {
                Some(v) => *v,
                None => {
                    let v = self.b.use_var(self.locals[*l]);
                    self.splat(v, self.k.locals[*l].ty)
                }
            },
            Expr::Scalar(s) => self.splat(self.scalars[*s], self.k.scalars[*s].ty),
            Expr::Load(a, _) => {
                let addr = self.address(*a, i);
                match self.k.arrays[*a].elem {
                    ElemTy::U8 => {
                        let mut v = None;
                        for lane in 0..2u8 {
                            let byte = self.b.ins().uload8(types::I64, vector_mem(), addr, i32::from(lane));
                            // Any nonzero byte is true, as in the scalar code.
                            let nonzero = self.b.ins().icmp_imm_u(IntCC::NotEqual, byte, 0);
                            let wide = self.b.ins().uextend(types::I64, nonzero);
                            let mask = self.b.ins().ineg(wide);
                            v = Some(match v {
                                None => self.b.ins().scalar_to_vector(types::I64X2, mask),
                                Some(v) => self.b.ins().insertlane(v, mask, lane),
                            });
                        }
                        v.ok_or("no lanes")?
                    }
                    _ => self.b.ins().load(types::F64X2, vector_mem(), addr, 0),
                }
            }
            Expr::Unary(UnOp::Neg, x) => {
                let x = self.vexpr(x, i, lanes)?;
                self.b.ins().fneg(x)
            }
            Expr::Unary(UnOp::Not, x) => {
                let x = self.vexpr(x, i, lanes)?;
                self.b.ins().bnot(x)
            }
            Expr::Binary(op, a, b) => {
                let x = self.vexpr(a, i, lanes)?;
                let y = self.vexpr(b, i, lanes)?;
                let ins = self.b.ins();
                match op {
                    BinOp::Add => ins.fadd(x, y),
                    BinOp::Sub => ins.fsub(x, y),
                    BinOp::Mul => ins.fmul(x, y),
                    BinOp::Div => ins.fdiv(x, y),
                    BinOp::And => ins.band(x, y),
                    BinOp::Or => ins.bor(x, y),
                    BinOp::Lt => ins.fcmp(FloatCC::LessThan, x, y),
                    BinOp::Le => ins.fcmp(FloatCC::LessThanOrEqual, x, y),
                    BinOp::Gt => ins.fcmp(FloatCC::GreaterThan, x, y),
                    BinOp::Ge => ins.fcmp(FloatCC::GreaterThanOrEqual, x, y),
                    BinOp::Eq => ins.fcmp(FloatCC::Equal, x, y),
                    BinOp::Ne => ins.fcmp(FloatCC::NotEqual, x, y),
                    _ => return Err(format!("no {op:?} on two lanes")),
                }
            }
            Expr::Cast(to, x) => {
                let v = self.vexpr(x, i, lanes)?;
                let from = if self.b.func.dfg.value_type(v) == types::F64X2 {
                    Ty::F64
                } else {
                    Ty::Bool
                };
                match (from, to) {
                    (Ty::Bool, Ty::F64) => {
                        // 1.0 where the mask is set, +0.0 elsewhere.
                        let one = self.vexpr(&Expr::F64(1.0), i, lanes)?;
                        let bits = self.b.ins().bitcast(types::F64X2, lanes_flags(), v);
                        self.b.ins().band(bits, one)
                    }
                    (Ty::F64, Ty::Bool) => {
                        let zero = self.vexpr(&Expr::F64(0.0), i, lanes)?;
                        self.b.ins().fcmp(FloatCC::NotEqual, v, zero)
                    }
                    _ => v,
                }
            }
            Expr::Select(c, a, b) => {
                let c = self.vexpr(c, i, lanes)?;
                let x = self.vexpr(a, i, lanes)?;
                let y = self.vexpr(b, i, lanes)?;
                let c = if self.b.func.dfg.value_type(x) == types::F64X2 {
                    self.b.ins().bitcast(types::F64X2, lanes_flags(), c)
                } else {
                    c
                };
                self.b.ins().bitselect(c, x, y)
            }
            Expr::Call(Func::Abs, args) => {
                let x = self.vexpr(&args[0], i, lanes)?;
                self.b.ins().fabs(x)
            }
            Expr::Call(Func::Sqrt, args) => {
                let x = self.vexpr(&args[0], i, lanes)?;
                self.b.ins().sqrt(x)
            }
            Expr::Call(Func::Exp, args) => {
                let x = self.vexpr(&args[0], i, lanes)?;
                self.vexp(x)?
            }
            _ => return Err("an expression the vector plan does not take".into()),
        })
    }
}

/// Flags of a bitcast between vector types (lane order: little-endian).
fn lanes_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}
