//! Native code for kernels, with Cranelift. This is the only module that
//! imports Cranelift; its API changes between releases, so the rest of the crate
//! sees only [`Jit`], [`CompiledKernel`], [`Compiler`] and [`Executable`].
//!
//! A kernel becomes one function `extern "C" fn(*const KernelArgs)`. Its loops
//! are native loops and its arithmetic is inline; the only calls are to the
//! math and runtime functions of `spikejit_runtime`, registered by symbol so
//! nothing is resolved from the platform's C library.

use std::collections::HashMap;
use std::mem::offset_of;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Type, Value, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};

use crate::ir::{BinOp, ElemTy, Expr, Func, Kernel, KernelArgs, Stmt, Ty, UnOp};

mod exp;
mod extern_fn;
mod simd;

/// Why a kernel could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The kernel breaks the IR's typing rules (a bug in the lowering).
    #[error("invalid kernel `{kernel}`: {message}")]
    Invalid {
        /// The kernel's name.
        kernel: String,
        /// What the validator found ([`Kernel::validate`]).
        message: String,
    },
    /// The host CPU is not supported by Cranelift, or a flag was rejected.
    #[error("cannot set up the JIT for this machine: {0}")]
    Isa(String),
    /// Cranelift failed to compile or link the kernel (a bug in this module).
    #[error("Cranelift failed on kernel `{kernel}`: {message}")]
    Cranelift {
        /// The kernel's name.
        kernel: String,
        /// Cranelift's error, as text.
        message: String,
    },
}

/// The native entry point of a compiled kernel.
type KernelFn = unsafe extern "C" fn(*const KernelArgs);

struct Native {
    f: KernelFn,
    compile_time: Duration,
}

/// A compiled kernel: a handle to native code. Cloning is cheap.
///
/// The code stays valid for the life of the process: the JIT module never
/// frees its code memory, so a `CompiledKernel` may outlive its [`Jit`].
#[derive(Clone)]
pub struct CompiledKernel {
    native: Arc<Native>,
    from_cache: bool,
}

impl CompiledKernel {
    /// Runs the kernel.
    ///
    /// # Safety
    /// `args` must match the kernel it was compiled from: one valid pointer per
    /// array, of the declared element type and long enough for every index the
    /// kernel touches; one 8-byte slot per scalar; a valid `rng` if the kernel
    /// draws random numbers and a valid `ctx` if it calls connect functions.
    pub unsafe fn run(&self, args: &KernelArgs) {
        unsafe { (self.native.f)(args) }
    }

    /// How long Cranelift took to compile this kernel (translation, code
    /// generation and linking). A cache hit returns the original compile time:
    /// to add up compile times, skip handles that are [`from_cache`](Self::from_cache)
    /// or use [`Jit::total_compile_time`].
    pub fn compile_time(&self) -> Duration {
        self.native.compile_time
    }

    /// Whether [`Jit::compile`] answered from its cache (an identical kernel
    /// was compiled before).
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }
}

impl std::fmt::Debug for CompiledKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledKernel")
            .field("compile_time", &self.native.compile_time)
            .field("from_cache", &self.from_cache)
            .finish_non_exhaustive()
    }
}

/// What the JIT needs once it compiles anything; created on first use so that
/// [`Jit::new`] costs nothing.
struct JitState {
    module: JITModule,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    /// Runtime functions declared in the module, by symbol.
    imports: HashMap<&'static str, FuncId>,
}

/// Compiles kernels to native code, once per distinct kernel.
#[derive(Default)]
pub struct Jit {
    state: Option<JitState>,
    /// Compiled kernels by [`Kernel::cache_key`].
    cache: HashMap<String, CompiledKernel>,
    compiled: usize,
    hits: usize,
    vector_loops: usize,
    total: Duration,
    /// Keeps the machine code of each kernel compiled, as text, for
    /// [`Jit::take_asm`].
    pub keep_asm: bool,
    asm: Vec<String>,
    /// Runs element loops two elements at a time (`f64x2`) where the results
    /// cannot differ (see `simd.rs`). On in [`Jit::new`] unless the
    /// environment has `SPIKEJIT_NO_SIMD`; set it before the first compile.
    pub simd: bool,
}

impl Jit {
    /// An empty JIT. Cheap: Cranelift is set up on the first compile.
    pub fn new() -> Jit {
        Jit {
            simd: simd::enabled(),
            ..Jit::default()
        }
    }

    /// Native code for `k`, compiled now or taken from the cache when an
    /// identical kernel (up to names) was compiled before.
    pub fn compile(&mut self, k: &Kernel) -> Result<CompiledKernel, CodegenError> {
        k.validate().map_err(|message| CodegenError::Invalid {
            kernel: k.name.clone(),
            message,
        })?;
        let key = k.cache_key();
        if let Some(c) = self.cache.get(&key) {
            self.hits += 1;
            return Ok(CompiledKernel {
                native: c.native.clone(),
                from_cache: true,
            });
        }
        let state = match &mut self.state {
            Some(s) => s,
            None => self.state.insert(JitState::new()?),
        };
        let start = Instant::now();
        let listed = self.asm.len();
        let asm = self.keep_asm.then_some(&mut self.asm);
        let mut f = state.compile(k, asm, self.simd);
        if f.is_err() && self.simd {
            // A CPU whose Cranelift backend lacks a vector instruction the
            // lanes need still runs the kernel, one element at a time.
            self.asm.truncate(listed);
            let asm = self.keep_asm.then_some(&mut self.asm);
            f = state.compile(k, asm, false);
        }
        let (f, vector_loops) = f.map_err(|message| CodegenError::Cranelift {
            kernel: k.name.clone(),
            message,
        })?;
        self.vector_loops += vector_loops;
        let compile_time = start.elapsed();
        let c = CompiledKernel {
            native: Arc::new(Native { f, compile_time }),
            from_cache: false,
        };
        self.cache.insert(key, c.clone());
        self.compiled += 1;
        self.total += compile_time;
        Ok(c)
    }

    /// The machine code of the kernels compiled since the last call (with
    /// [`Jit::keep_asm`]): `; kernel NAME` and Cranelift's listing.
    pub fn take_asm(&mut self) -> Vec<String> {
        std::mem::take(&mut self.asm)
    }

    /// How many element loops of the kernels compiled run on two lanes
    /// ([`Jit::simd`]).
    pub fn vector_loops(&self) -> usize {
        self.vector_loops
    }

    /// How many kernels were compiled (cache misses).
    pub fn kernels_compiled(&self) -> usize {
        self.compiled
    }

    /// How many compile requests the cache answered.
    pub fn cache_hits(&self) -> usize {
        self.hits
    }

    /// Total time spent compiling (cache misses only).
    pub fn total_compile_time(&self) -> Duration {
        self.total
    }
}

impl JitState {
    fn new() -> Result<JitState, CodegenError> {
        let isa_err = |e: &dyn std::fmt::Display| CodegenError::Isa(e.to_string());
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| isa_err(&e))?;
        // The verifier catches bugs in this module; it costs compile time, so
        // only debug builds (tests included) run it.
        flags
            .set("enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })
            .map_err(|e| isa_err(&e))?;
        flags.set("is_pic", "false").map_err(|e| isa_err(&e))?;
        flags.set("use_colocated_libcalls", "false").map_err(|e| isa_err(&e))?;
        let isa = cranelift_native::builder()
            .map_err(|e| isa_err(&e))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| isa_err(&e))?;
        let mut jb = JITBuilder::with_isa(isa, default_libcall_names());
        for s in spikejit_runtime::symbols() {
            jb.symbol(s.name, s.addr);
        }
        let module = JITModule::new(jb);
        Ok(JitState {
            ctx: module.make_context(),
            module,
            fctx: FunctionBuilderContext::new(),
            imports: HashMap::new(),
        })
    }

    /// Compiles `k`; its machine code as text goes to `asm` when given. Also
    /// returns how many of its loops run on two lanes.
    fn compile(&mut self, k: &Kernel, asm: Option<&mut Vec<String>>, simd: bool) -> Result<(KernelFn, usize), String> {
        let ptr = self.module.target_config().pointer_type();
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(ptr));
        let id = self
            .module
            .declare_anonymous_function(&sig)
            .map_err(|e| e.to_string())?;
        self.module.clear_context(&mut self.ctx);
        self.ctx.func.signature = sig;

        // The machine code as text (`SPIKEJIT_DUMP_ASM`, for profiling).
        self.ctx.set_disasm(asm.is_some());
        let result = self.translate(k, ptr, simd).and_then(|vector_loops| {
            self.module
                .define_function(id, &mut self.ctx)
                .map_err(|e| format!("{e:?}"))
                .map(|_| vector_loops)
        });
        if let Some(asm) = asm
            && let Some(code) = self.ctx.compiled_code()
        {
            asm.push(format!("; kernel {}\n{}", k.name, code.vcode.as_deref().unwrap_or("")));
        }
        self.module.clear_context(&mut self.ctx);
        let vector_loops = result?;
        self.module.finalize_definitions().map_err(|e| e.to_string())?;
        let code = self.module.get_finalized_function(id);
        // SAFETY: `code` is the entry of the function just defined with the
        // signature `(pointer) -> ()` in the platform's C calling convention.
        Ok((
            unsafe { std::mem::transmute::<*const u8, KernelFn>(code) },
            vector_loops,
        ))
    }

    /// Builds the function of `k`; returns how many loops run on two lanes.
    fn translate(&mut self, k: &Kernel, ptr: Type, simd: bool) -> Result<usize, String> {
        let tcfg = self.module.target_config();
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let argp = b.block_params(entry)[0];
        let mem = MemFlagsData::trusted();
        let field = |off: usize| off as i32;

        // Everything the kernel reads from its argument is loaded once, here.
        let arrays_p = b.ins().load(ptr, mem, argp, field(offset_of!(KernelArgs, arrays)));
        let scalars_p = b.ins().load(ptr, mem, argp, field(offset_of!(KernelArgs, scalars)));
        let rng = b.ins().load(ptr, mem, argp, field(offset_of!(KernelArgs, rng)));
        let ctx = b.ins().load(ptr, mem, argp, field(offset_of!(KernelArgs, ctx)));
        let arrays = (0..k.arrays.len())
            .map(|a| b.ins().load(ptr, mem, arrays_p, (8 * a) as i32))
            .collect();
        let scalars = k
            .scalars
            .iter()
            .enumerate()
            .map(|(s, d)| {
                let off = (8 * s) as i32;
                match d.ty {
                    Ty::F64 => b.ins().load(types::F64, mem, scalars_p, off),
                    Ty::F32 => {
                        // F32 scalars travel as f64 (see KernelArgs).
                        let x = b.ins().load(types::F64, mem, scalars_p, off);
                        b.ins().fdemote(types::F32, x)
                    }
                    Ty::I64 => b.ins().load(types::I64, mem, scalars_p, off),
                    Ty::Bool => {
                        let x = b.ins().load(types::I64, mem, scalars_p, off);
                        b.ins().icmp_imm_u(IntCC::NotEqual, x, 0)
                    }
                }
            })
            .collect();
        // Locals start at zero so that both backends agree even on a read
        // before the first assignment.
        let locals = k
            .locals
            .iter()
            .map(|d| {
                let var = b.declare_var(clif_ty(d.ty));
                let zero = zero(&mut b, d.ty);
                b.def_var(var, zero);
                var
            })
            .collect();

        let mut t = Translator {
            b,
            k,
            module: &mut self.module,
            imports: &mut self.imports,
            func_refs: HashMap::new(),
            arrays,
            scalars,
            locals,
            rng,
            ctx,
            ptr,
            mem,
            simd,
            vector_loops: 0,
        };
        t.block(&k.body)?;
        t.b.ins().return_(&[]);
        t.b.seal_all_blocks();
        t.b.finalize(tcfg);
        Ok(t.vector_loops)
    }
}

fn clif_ty(t: Ty) -> Type {
    match t {
        Ty::F64 => types::F64,
        Ty::F32 => types::F32,
        Ty::I64 => types::I64,
        // Bools are bytes holding 0 or 1: what comparisons produce.
        Ty::Bool => types::I8,
    }
}

fn zero(b: &mut FunctionBuilder, t: Ty) -> Value {
    match t {
        Ty::F64 => b.ins().f64const(0.0),
        Ty::F32 => b.ins().f32const(0.0),
        Ty::I64 => b.ins().iconst(types::I64, 0),
        Ty::Bool => b.ins().iconst(types::I8, 0),
    }
}

/// Translates one kernel body into the function being built.
struct Translator<'a> {
    b: FunctionBuilder<'a>,
    k: &'a Kernel,
    module: &'a mut JITModule,
    imports: &'a mut HashMap<&'static str, FuncId>,
    func_refs: HashMap<&'static str, FuncRef>,
    /// Base pointer of every array.
    arrays: Vec<Value>,
    /// Value of every scalar, already in its IR type.
    scalars: Vec<Value>,
    locals: Vec<Variable>,
    rng: Value,
    ctx: Value,
    ptr: Type,
    mem: MemFlagsData,
    /// Whether loops that can are vectorised (`simd`).
    simd: bool,
    /// How many loops were.
    vector_loops: usize,
}

impl Translator<'_> {
    fn block(&mut self, body: &[Stmt]) -> Result<(), String> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), String> {
        match s {
            Stmt::Assign(l, e) => {
                let (v, _) = self.expr(e)?;
                self.b.def_var(self.locals[*l], v);
            }
            Stmt::Store { array, index, value } => {
                let (i, _) = self.expr(index)?;
                let (v, _) = self.expr(value)?;
                let elem = self.k.arrays[*array].elem;
                let addr = self.address(*array, i);
                let v = match elem {
                    // Stores convert back to the element type.
                    ElemTy::I32 => self.b.ins().ireduce(types::I32, v),
                    _ => v,
                };
                self.b.ins().store(self.mem, v, addr, 0);
            }
            Stmt::If { cond, then, els } => {
                let (c, _) = self.expr(cond)?;
                let then_b = self.b.create_block();
                let merge = self.b.create_block();
                let else_b = if els.is_empty() { merge } else { self.b.create_block() };
                self.b.ins().brif(c, then_b, &[], else_b, &[]);
                self.b.switch_to_block(then_b);
                self.block(then)?;
                self.b.ins().jump(merge, &[]);
                if !els.is_empty() {
                    self.b.switch_to_block(else_b);
                    self.block(els)?;
                    self.b.ins().jump(merge, &[]);
                }
                self.b.switch_to_block(merge);
            }
            Stmt::For { var, start, end, body } => {
                let (start, _) = self.expr(start)?;
                let (end, _) = self.expr(end)?;
                match self
                    .simd
                    .then(|| simd::plan(self.k, *var, body, self.has_fma()))
                    .flatten()
                {
                    Some(plan) => self.vector_for(*var, start, end, body, &plan)?,
                    None => self.scalar_for(*var, start, end, body)?,
                }
            }
            Stmt::While { cond, body } => {
                let header = self.b.create_block();
                let body_b = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let (c, _) = self.expr(cond)?;
                self.b.ins().brif(c, body_b, &[], exit, &[]);
                self.b.switch_to_block(body_b);
                self.block(body)?;
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(exit);
            }
            Stmt::Eval(e) => {
                self.expr(e)?;
            }
        }
        Ok(())
    }

    /// `for var in start .. end { body }`, one element an iteration.
    ///
    /// Rotated loop: one test before the first iteration, then one
    /// compare-and-branch per iteration at the bottom. The counter is a block
    /// parameter, copied to `var` at the top of each iteration (the body may
    /// assign `var` without changing the trip).
    fn scalar_for(&mut self, var: usize, start: Value, end: Value, body: &[Stmt]) -> Result<(), String> {
        let body_b = self.b.create_block();
        let exit = self.b.create_block();
        let i = self.b.append_block_param(body_b, types::I64);
        let go = self.b.ins().icmp(IntCC::SignedLessThan, start, end);
        self.b.ins().brif(go, body_b, &[start.into()], exit, &[]);
        self.b.switch_to_block(body_b);
        self.b.def_var(self.locals[var], i);
        self.block(body)?;
        let next = self.b.ins().iadd_imm_s(i, 1);
        let again = self.b.ins().icmp(IntCC::SignedLessThan, next, end);
        self.b.ins().brif(again, body_b, &[next.into()], exit, &[]);
        self.b.switch_to_block(exit);
        Ok(())
    }

    /// The address of `array[index]`.
    fn address(&mut self, array: usize, index: Value) -> Value {
        let elem = self.k.arrays[array].elem;
        let shift = elem.size().trailing_zeros();
        let off = if shift == 0 {
            index
        } else {
            self.b.ins().ishl_imm_u(index, i64::from(shift))
        };
        self.b.ins().iadd(self.arrays[array], off)
    }

    /// The value of `e` and its IR type.
    fn expr(&mut self, e: &Expr) -> Result<(Value, Ty), String> {
        Ok(match e {
            Expr::F64(x) => (self.b.ins().f64const(Ieee64::with_bits(x.to_bits())), Ty::F64),
            Expr::F32(x) => (self.b.ins().f32const(Ieee32::with_bits(x.to_bits())), Ty::F32),
            Expr::I64(x) => (self.b.ins().iconst(types::I64, *x), Ty::I64),
            Expr::Bool(x) => (self.b.ins().iconst(types::I8, i64::from(*x)), Ty::Bool),
            Expr::Local(l) => (self.b.use_var(self.locals[*l]), self.k.locals[*l].ty),
            Expr::Scalar(s) => (self.scalars[*s], self.k.scalars[*s].ty),
            Expr::Load(a, index) => {
                let (i, _) = self.expr(index)?;
                let addr = self.address(*a, i);
                let mem = self.mem;
                let elem = self.k.arrays[*a].elem;
                let v = match elem {
                    ElemTy::F64 => self.b.ins().load(types::F64, mem, addr, 0),
                    ElemTy::F32 => self.b.ins().load(types::F32, mem, addr, 0),
                    ElemTy::I64 => self.b.ins().load(types::I64, mem, addr, 0),
                    ElemTy::I32 => self.b.ins().sload32(mem, addr, 0),
                    ElemTy::U8 => {
                        // Any nonzero byte is true, so that a bool is always 0/1.
                        let byte = self.b.ins().load(types::I8, mem, addr, 0);
                        self.b.ins().icmp_imm_u(IntCC::NotEqual, byte, 0)
                    }
                };
                (v, elem.value_ty())
            }
            Expr::Unary(op, x) => {
                let (v, t) = self.expr(x)?;
                let r = match (op, t) {
                    (UnOp::Not, _) => self.b.ins().icmp_imm_u(IntCC::Equal, v, 0),
                    (UnOp::Neg, Ty::I64) => self.b.ins().ineg(v),
                    (UnOp::Neg, _) => self.b.ins().fneg(v),
                };
                (r, t_of_unary(*op, t))
            }
            Expr::Binary(op, a, b) => {
                let (x, t) = self.expr(a)?;
                let (y, _) = self.expr(b)?;
                self.binary(*op, t, x, y)?
            }
            Expr::Cast(to, x) => {
                let (v, from) = self.expr(x)?;
                (self.cast(v, from, *to), *to)
            }
            Expr::Select(c, a, b) => {
                let (c, _) = self.expr(c)?;
                let (x, t) = self.expr(a)?;
                let (y, _) = self.expr(b)?;
                (self.b.ins().select(c, x, y), t)
            }
            Expr::Call(f, args) if f.is_check() => self.checked(*f, args)?,
            Expr::Call(f, args) => self.call(*f, args)?,
        })
    }

    /// A checked operation (see `ir`): the plain result inline, and a branch,
    /// taken only when the check fails, to a cold block that evaluates the site
    /// and element and records the fault through the runtime.
    fn checked(&mut self, f: Func, args: &[Expr]) -> Result<(Value, Ty), String> {
        use spikejit_runtime::fault_code as code;
        let (x, tx) = self.expr(&args[0])?;
        let second = match f {
            Func::CheckedAdd | Func::CheckedSub | Func::CheckedMul | Func::CheckedFloorDiv | Func::CheckedMod => {
                Some(self.expr(&args[1])?.0)
            }
            _ => None,
        };
        let y = second.unwrap_or(x);
        // The bits of a float operand as an f64, for the fault record.
        let float_bits = |b: &mut FunctionBuilder, x: Value| {
            let x = if tx == Ty::F32 {
                b.ins().fpromote(types::F64, x)
            } else {
                x
            };
            (x, b.ins().bitcast(types::I64, MemFlagsData::new(), x))
        };
        let b = &mut self.b;
        // (result, its type, failed, the divisor's zero test of `//`, value to record)
        let (result, ty, failed, zero_divisor, value) = match f {
            Func::CheckedAdd | Func::CheckedSub | Func::CheckedMul => {
                let (r, overflow) = match f {
                    Func::CheckedAdd => b.ins().sadd_overflow(x, y),
                    Func::CheckedSub => b.ins().ssub_overflow(x, y),
                    _ => b.ins().smul_overflow(x, y),
                };
                (r, Ty::I64, overflow, None, r)
            }
            Func::CheckedFloorDiv => {
                let (q, _) = int_floor_div_mod(b, x, y);
                let zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let m1 = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let min = b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                let overflow = b.ins().band(m1, min);
                let failed = b.ins().bor(zero, overflow);
                (q, Ty::I64, failed, Some(zero), x)
            }
            Func::CheckedMod => {
                let (_, r) = int_floor_div_mod(b, x, y);
                let zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                (r, Ty::I64, zero, None, x)
            }
            Func::CheckedNeg => {
                let r = b.ins().ineg(x);
                let min = b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                (r, Ty::I64, min, None, x)
            }
            Func::CheckedI32 => {
                let low = b.ins().ireduce(types::I32, x);
                let back = b.ins().sextend(types::I64, low);
                let failed = b.ins().icmp(IntCC::NotEqual, back, x);
                (x, Ty::I64, failed, None, x)
            }
            Func::CheckedToInt => {
                let r = b.ins().fcvt_to_sint_sat(types::I64, x);
                let (wide, bits) = float_bits(b, x);
                // `i64` holds [-2^63, 2^63); NaN is unordered.
                let hi = b.ins().f64const(crate::ir::I64_FLOAT_LIMIT);
                let lo = b.ins().f64const(-crate::ir::I64_FLOAT_LIMIT);
                let above = b.ins().fcmp(FloatCC::UnorderedOrGreaterThanOrEqual, wide, hi);
                let below = b.ins().fcmp(FloatCC::LessThan, wide, lo);
                let failed = b.ins().bor(above, below);
                (r, Ty::I64, failed, None, bits)
            }
            Func::CheckFinite => {
                let (wide, bits) = float_bits(b, x);
                let abs = b.ins().fabs(wide);
                let inf = b.ins().f64const(f64::INFINITY);
                let failed = b.ins().fcmp(FloatCC::UnorderedOrEqual, abs, inf);
                (x, tx, failed, None, bits)
            }
            other => return Err(format!("`{}` is not a checked operation", other.name())),
        };
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(failed, cold, &[], cont, &[]);
        self.b.set_cold_block(cold);
        self.b.switch_to_block(cold);
        let c = match f {
            Func::CheckedFloorDiv => {
                let div = self.b.ins().iconst(types::I64, code::DIVISION_BY_ZERO);
                let over = self.b.ins().iconst(types::I64, code::OVERFLOW);
                let zero = zero_divisor.unwrap_or(failed);
                self.b.ins().select(zero, div, over)
            }
            Func::CheckedMod => self.b.ins().iconst(types::I64, code::MODULO_BY_ZERO),
            Func::CheckedToInt => self.b.ins().iconst(types::I64, code::INVALID_CONVERSION),
            Func::CheckFinite => self.b.ins().iconst(types::I64, code::NON_FINITE),
            _ => self.b.ins().iconst(types::I64, code::OVERFLOW),
        };
        let n = args.len();
        let (site, _) = self.expr(&args[n - 2])?;
        let (elem, _) = self.expr(&args[n - 1])?;
        let fault = self.func_ref(spikejit_runtime::FAULT_SYMBOL, &[Ty::I64; 4], None, false, true)?;
        let ctx = self.ctx;
        self.b.ins().call(fault, &[ctx, c, site, elem, value]);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        Ok((result, ty))
    }

    fn binary(&mut self, op: BinOp, t: Ty, x: Value, y: Value) -> Result<(Value, Ty), String> {
        use BinOp::*;
        let b = &mut self.b;
        if op.is_comparison() {
            let v = if t.is_float() {
                let cc = match op {
                    Lt => FloatCC::LessThan,
                    Le => FloatCC::LessThanOrEqual,
                    Gt => FloatCC::GreaterThan,
                    Ge => FloatCC::GreaterThanOrEqual,
                    Eq => FloatCC::Equal,
                    // Unordered or not equal: NaN != x is true, as in C and Rust.
                    _ => FloatCC::NotEqual,
                };
                b.ins().fcmp(cc, x, y)
            } else {
                // Bools compare as unsigned bytes (False < True).
                let signed = t == Ty::I64;
                let cc = match (op, signed) {
                    (Lt, true) => IntCC::SignedLessThan,
                    (Le, true) => IntCC::SignedLessThanOrEqual,
                    (Gt, true) => IntCC::SignedGreaterThan,
                    (Ge, true) => IntCC::SignedGreaterThanOrEqual,
                    (Lt, false) => IntCC::UnsignedLessThan,
                    (Le, false) => IntCC::UnsignedLessThanOrEqual,
                    (Gt, false) => IntCC::UnsignedGreaterThan,
                    (Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
                    (Eq, _) => IntCC::Equal,
                    _ => IntCC::NotEqual,
                };
                b.ins().icmp(cc, x, y)
            };
            return Ok((v, Ty::Bool));
        }
        // x64 folds a constant-pool operand into the instruction only on the
        // right: `c * x` would load `c` into a register through a GPR (two extra
        // instructions in every iteration). Float add and mul commute (NaN
        // payloads aside, which the language does not observe).
        let (x, y) = if matches!(op, Add | Mul) && t.is_float() && is_const(b, x) && !is_const(b, y) {
            (y, x)
        } else {
            (x, y)
        };
        let v = match (op, t) {
            (And, _) => b.ins().band(x, y),
            (Or, _) => b.ins().bor(x, y),
            (Add, Ty::I64) => b.ins().iadd(x, y),
            (Sub, Ty::I64) => b.ins().isub(x, y),
            (Mul, Ty::I64) => b.ins().imul(x, y),
            (FloorDiv, Ty::I64) => int_floor_div_mod(b, x, y).0,
            (Mod, Ty::I64) => int_floor_div_mod(b, x, y).1,
            (Add, _) => b.ins().fadd(x, y),
            (Sub, _) => b.ins().fsub(x, y),
            (Mul, _) => b.ins().fmul(x, y),
            (Div, _) => b.ins().fdiv(x, y),
            (FloorDiv, _) => {
                let q = b.ins().fdiv(x, y);
                b.ins().floor(q)
            }
            (Mod, _) => {
                // a - b*floor(a/b): the result has the divisor's sign.
                let q = b.ins().fdiv(x, y);
                let q = b.ins().floor(q);
                let p = b.ins().fmul(y, q);
                b.ins().fsub(x, p)
            }
            (Pow, _) => {
                let sym = runtime_symbol(Func::Pow, t)?;
                let f = self.func_ref(sym, &[t, t], Some(t), false, false)?;
                let call = self.b.ins().call(f, &[x, y]);
                self.b.inst_results(call)[0]
            }
            _ => return Err(format!("no {op:?} on {}", t.name())),
        };
        let rt = if op.is_logical() { Ty::Bool } else { t };
        Ok((v, rt))
    }

    fn cast(&mut self, v: Value, from: Ty, to: Ty) -> Value {
        let b = &mut self.b;
        match (from, to) {
            _ if from == to => v,
            (Ty::F64, Ty::F32) => b.ins().fdemote(types::F32, v),
            (Ty::F32, Ty::F64) => b.ins().fpromote(types::F64, v),
            // Truncates toward zero, saturating; NaN gives 0 (as Rust's `as`).
            (Ty::F64 | Ty::F32, Ty::I64) => b.ins().fcvt_to_sint_sat(types::I64, v),
            (Ty::F64, Ty::Bool) => {
                let z = b.ins().f64const(0.0);
                b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            (Ty::F32, Ty::Bool) => {
                let z = b.ins().f32const(0.0);
                b.ins().fcmp(FloatCC::NotEqual, v, z)
            }
            (Ty::I64, Ty::Bool) => b.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            (Ty::I64, _) => b.ins().fcvt_from_sint(clif_ty(to), v),
            (Ty::Bool, Ty::I64) => b.ins().uextend(types::I64, v),
            (Ty::Bool, _) => {
                let wide = b.ins().uextend(types::I64, v);
                b.ins().fcvt_from_sint(clif_ty(to), wide)
            }
            // All pairs are covered above; same-type casts return early.
            (_, _) => v,
        }
    }

    fn call(&mut self, f: Func, args: &[Expr]) -> Result<(Value, Ty), String> {
        let mut vals = Vec::with_capacity(args.len() + 2);
        let mut tys = Vec::with_capacity(args.len());
        for a in args {
            let (v, t) = self.expr(a)?;
            vals.push(v);
            tys.push(t);
        }
        let float = if tys.contains(&Ty::F32) { Ty::F32 } else { Ty::F64 };
        let sig = f.sig(float);
        // Exact IEEE operations that the CPU does in one instruction; a user's function.
        let inline = match f {
            Func::Extern(x) => Some(self.extern_call(x, &sig, &vals)),
            Func::Abs => Some(self.b.ins().fabs(vals[0])),
            Func::Floor => Some(self.b.ins().floor(vals[0])),
            Func::Ceil => Some(self.b.ins().ceil(vals[0])),
            Func::Sqrt => Some(self.b.ins().sqrt(vals[0])),
            _ => None,
        };
        if let Some(v) = inline {
            return Ok((v, sig.ret));
        }
        let sym = runtime_symbol(f, float)?;
        let fref = self.func_ref(sym, &sig.params, Some(sig.ret), sig.rng, sig.ctx)?;
        let mut native = Vec::with_capacity(vals.len() + 2);
        if sig.rng {
            native.push(self.rng);
        }
        if sig.ctx {
            native.push(self.ctx);
        }
        native.extend(vals);
        let call = self.b.ins().call(fref, &native);
        let ret = self.b.inst_results(call)[0];
        Ok((ret, sig.ret))
    }

    /// A reference, usable in this function, to the runtime function `sym`.
    fn func_ref(
        &mut self,
        sym: &'static str,
        params: &[Ty],
        ret: Option<Ty>,
        rng: bool,
        ctx: bool,
    ) -> Result<FuncRef, String> {
        if let Some(r) = self.func_refs.get(sym) {
            return Ok(*r);
        }
        let id = match self.imports.get(sym) {
            Some(id) => *id,
            None => {
                let mut sig: Signature = self.module.make_signature();
                for _ in 0..(usize::from(rng) + usize::from(ctx)) {
                    sig.params.push(AbiParam::new(self.ptr));
                }
                for p in params {
                    sig.params.push(AbiParam::new(clif_ty(*p)));
                }
                if let Some(r) = ret {
                    sig.returns.push(AbiParam::new(clif_ty(r)));
                }
                let id = self
                    .module
                    .declare_function(sym, Linkage::Import, &sig)
                    .map_err(|e| e.to_string())?;
                self.imports.insert(sym, id);
                id
            }
        };
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.func_refs.insert(sym, r);
        Ok(r)
    }
}

/// Whether `v` is a float constant (`f64const`/`f32const`).
fn is_const(b: &FunctionBuilder, v: Value) -> bool {
    use cranelift_codegen::ir::{InstructionData, Opcode, ValueDef};
    match b.func.dfg.value_def(v) {
        ValueDef::Result(inst, _) => matches!(
            b.func.dfg.insts[inst],
            InstructionData::UnaryIeee64 {
                opcode: Opcode::F64const,
                ..
            } | InstructionData::UnaryIeee32 {
                opcode: Opcode::F32const,
                ..
            }
        ),
        _ => false,
    }
}

fn t_of_unary(op: UnOp, t: Ty) -> Ty {
    match op {
        UnOp::Not => Ty::Bool,
        UnOp::Neg => t,
    }
}

fn runtime_symbol(f: Func, float: Ty) -> Result<&'static str, String> {
    spikejit_runtime::symbol_name(f.name(), float == Ty::F32)
        .ok_or_else(|| format!("the runtime has no function `{}`", f.name()))
}

/// Python's `a // b` and `a % b` on i64, without traps: a zero divisor gives 0
/// for both, and `i64::MIN // -1` wraps to `i64::MIN`.
fn int_floor_div_mod(b: &mut FunctionBuilder, x: Value, y: Value) -> (Value, Value) {
    let is_zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
    let is_m1 = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
    let bad = b.ins().bor(is_zero, is_m1);
    // Divide by 1 instead of 0 or -1 (the two divisors that trap); both cases
    // are patched below.
    let one = b.ins().iconst(types::I64, 1);
    let d = b.ins().select(bad, one, y);
    let q = b.ins().sdiv(x, d);
    let r = b.ins().srem(x, d);
    // Truncating division rounds toward zero; floor needs one step down when
    // the remainder is nonzero and its sign differs from the divisor's.
    let r_nonzero = b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
    let sign_differs = {
        let xor = b.ins().bxor(r, d);
        b.ins().icmp_imm_s(IntCC::SignedLessThan, xor, 0)
    };
    let adjust = b.ins().band(r_nonzero, sign_differs);
    let q_adj = b.ins().iadd_imm_s(q, -1);
    let q = b.ins().select(adjust, q_adj, q);
    let r_adj = b.ins().iadd(r, d);
    let r = b.ins().select(adjust, r_adj, r);
    // y == -1: quotient -x (wrapping), remainder 0 (already, since d == 1).
    let neg = b.ins().ineg(x);
    let q = b.ins().select(is_m1, neg, q);
    // y == 0: both 0.
    let zero = b.ins().iconst(types::I64, 0);
    let q = b.ins().select(is_zero, zero, q);
    (q, r)
}

/// Which backend runs kernels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Native code from Cranelift.
    #[default]
    Jit,
    /// The IR interpreter (the test oracle; slow).
    Interpreter,
}

/// A runnable kernel from either backend.
#[derive(Clone, Debug)]
pub enum Executable {
    /// Native code compiled by Cranelift.
    Native(CompiledKernel),
    /// A validated kernel that the IR interpreter walks on every call.
    Interpreted(Arc<Kernel>),
}

impl Executable {
    /// Runs the kernel.
    ///
    /// # Safety
    /// As [`CompiledKernel::run`].
    pub unsafe fn run(&self, args: &KernelArgs) {
        match self {
            Executable::Native(c) => unsafe { c.run(args) },
            Executable::Interpreted(k) => unsafe { crate::interp::run(k, args) },
        }
    }

    /// Compile time (zero for the interpreter; see [`CompiledKernel::compile_time`]).
    pub fn compile_time(&self) -> Duration {
        match self {
            Executable::Native(c) => c.compile_time(),
            Executable::Interpreted(_) => Duration::ZERO,
        }
    }

    /// Whether the JIT's cache supplied the code (always false for the interpreter).
    pub fn from_cache(&self) -> bool {
        match self {
            Executable::Native(c) => c.from_cache(),
            Executable::Interpreted(_) => false,
        }
    }
}

/// Turns kernels into [`Executable`]s with the chosen backend, so that the
/// simulator switches backends with one flag.
#[derive(Default)]
pub struct Compiler {
    /// The backend that [`Compiler::compile`] targets.
    pub backend: Backend,
    /// The JIT and its cache of compiled kernels (unused by the interpreter backend).
    pub jit: Jit,
}

impl Compiler {
    /// A compiler for `backend`, with an empty JIT cache.
    pub fn new(backend: Backend) -> Compiler {
        Compiler {
            backend,
            jit: Jit::new(),
        }
    }

    /// Validates `k` and prepares it for the backend.
    pub fn compile(&mut self, k: &Kernel) -> Result<Executable, CodegenError> {
        match self.backend {
            Backend::Jit => self.jit.compile(k).map(Executable::Native),
            Backend::Interpreter => {
                k.validate().map_err(|message| CodegenError::Invalid {
                    kernel: k.name.clone(),
                    message,
                })?;
                Ok(Executable::Interpreted(Arc::new(k.clone())))
            }
        }
    }
}
