//! `exp` on two lanes, inlined into vectorised loops (issue 16: COBAHH's state
//! update spends 70 % of its time in `exp`, ten calls per neuron and step).
//!
//! The sequence is that of `spikejit_runtime::exp` (Arm optimized-routines'
//! algorithm, glibc's `__exp_fma`), FMA for FMA, on `f64x2`: each lane gets the
//! bits the scalar function returns, so a vectorised loop, its scalar
//! remainder and the interpreter agree. Only arguments in the fast range
//! (`2^-54 <= |x| < 512`) take the inline path; a pair with any other lane
//! (overflow, underflow, tiny, NaN) calls the scalar function for both lanes.
//! It needs the CPU's FMA (and AVX, for its encoding): without them
//! [`Translator::has_fma`] is false and loops calling `exp` stay scalar.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use cranelift_module::Module;
use spikejit_runtime::exp as rt;

use super::Translator;
use crate::ir::Ty;

impl Translator<'_> {
    /// Whether Cranelift emits `fma` as one instruction on this CPU (it then
    /// needs AVX and FMA, as its x64 backend's `use_fma`).
    pub(super) fn has_fma(&self) -> bool {
        let flags = self.module.isa().isa_flags();
        let on = |name: &str| flags.iter().any(|f| f.name == name && f.as_bool() == Some(true));
        on("has_avx") && on("has_fma")
    }

    /// `exp` of both lanes of the `f64x2` `x`.
    pub(super) fn vexp(&mut self, x: Value) -> Result<Value, String> {
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let result = self.b.append_block_param(done, types::F64X2);

        let abs = self.b.ins().fabs(x);
        let min = self.splat_f64(rt::FAST_MIN);
        let end = self.splat_f64(rt::FAST_END);
        // Ordered comparisons: a NaN lane fails both, so it leaves.
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, abs, min);
        let below = self.b.ins().fcmp(FloatCC::LessThan, abs, end);
        let inside = self.b.ins().band(above, below);
        let both = self.b.ins().vall_true(inside);
        self.b.ins().brif(both, fast, &[], slow, &[]);

        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        let fref = self.func_ref("spikejit_exp", &[Ty::F64], Some(Ty::F64), false, false)?;
        let mut v = x;
        for lane in 0..2u8 {
            let xl = self.b.ins().extractlane(x, lane);
            let call = self.b.ins().call(fref, &[xl]);
            let y = self.b.inst_results(call)[0];
            v = self.b.ins().insertlane(v, y, lane);
        }
        self.b.ins().jump(done, &[v.into()]);

        self.b.switch_to_block(fast);
        let y = self.vexp_fast(x);
        self.b.ins().jump(done, &[y.into()]);

        self.b.switch_to_block(done);
        Ok(result)
    }

    /// The fast path, for lanes in the fast range: `exp_fma` of the runtime,
    /// operation for operation.
    fn vexp_fast(&mut self, x: Value) -> Value {
        let inv_ln2_n = self.splat_f64(rt::INV_LN2_N);
        let shift = self.splat_f64(rt::SHIFT);
        let kd = self.b.ins().fma(x, inv_ln2_n, shift);
        let ki = self.b.ins().bitcast(types::I64X2, lanes(), kd);
        let kd = self.b.ins().fsub(kd, shift);
        let hi = self.splat_f64(rt::NEG_LN2_HI_N);
        let r = self.b.ins().fma(kd, hi, x);
        let lo = self.splat_f64(rt::NEG_LN2_LO_N);
        let r = self.b.ins().fma(kd, lo, r);

        // Each lane's table entry: the 16 bytes (tail, scale bits) at
        // EXP_TABLE[2 (ki % 128)], read by address (the table is a static of
        // the runtime, which outlives every compiled kernel).
        let table = self.b.ins().iconst(types::I64, rt::EXP_TABLE.as_ptr() as i64);
        let (t0, s0) = self.table_entry(table, ki, 0);
        let (t1, s1) = self.table_entry(table, ki, 1);
        let tail = self.b.ins().scalar_to_vector(types::F64X2, t0);
        let tail = self.b.ins().insertlane(tail, t1, 1);
        let sbase = self.b.ins().scalar_to_vector(types::I64X2, s0);
        let sbase = self.b.ins().insertlane(sbase, s1, 1);
        let top = self.b.ins().ishl_imm_u(ki, 45);
        let sbits = self.b.ins().iadd(sbase, top);
        let scale = self.b.ins().bitcast(types::F64X2, lanes(), sbits);

        let c2 = self.splat_f64(rt::C2);
        let c3 = self.splat_f64(rt::C3);
        let c4 = self.splat_f64(rt::C4);
        let c5 = self.splat_f64(rt::C5);
        let r2 = self.b.ins().fmul(r, r);
        let p23 = self.b.ins().fma(r, c3, c2);
        let r_tail = self.b.ins().fadd(r, tail);
        let tmp = self.b.ins().fma(r2, p23, r_tail);
        let r4 = self.b.ins().fmul(r2, r2);
        let p45 = self.b.ins().fma(r, c5, c4);
        let tmp = self.b.ins().fma(r4, p45, tmp);
        self.b.ins().fma(scale, tmp, scale)
    }

    /// Lane `lane`'s `(tail, scale bits)` from the table.
    fn table_entry(&mut self, table: Value, ki: Value, lane: u8) -> (Value, Value) {
        let k = self.b.ins().extractlane(ki, lane);
        let idx = self.b.ins().band_imm_s(k, 127);
        let off = self.b.ins().ishl_imm_u(idx, 4);
        let addr = self.b.ins().iadd(table, off);
        let tail = self.b.ins().load(types::F64, table_mem(), addr, 0);
        let sbase = self.b.ins().load(types::I64, table_mem(), addr, 8);
        (tail, sbase)
    }

    fn splat_f64(&mut self, x: f64) -> Value {
        let c = self.b.ins().f64const(Ieee64::with_bits(x.to_bits()));
        self.b.ins().splat(types::F64X2, c)
    }
}

/// Lane order of bitcasts between vector types.
fn lanes() -> MemFlagsData {
    MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little)
}

/// The table never changes and is always there.
fn table_mem() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}
