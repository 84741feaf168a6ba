//! Calls of a user's function (`Func::Extern`): an indirect call at the
//! function's address, which the kernel holds as a constant; no symbol is
//! registered or resolved.

use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, Value};
use cranelift_module::Module;

use super::{Translator, clif_ty};
use crate::ir::{ExternFn, FuncSig};

impl Translator<'_> {
    /// The result of calling `x` (of signature `sig`) on `args`.
    pub(super) fn extern_call(&mut self, x: ExternFn, sig: &FuncSig, args: &[Value]) -> Value {
        let mut clif_sig: Signature = self.module.make_signature();
        clif_sig.params = sig.params.iter().map(|p| AbiParam::new(clif_ty(*p))).collect();
        clif_sig.returns.push(AbiParam::new(clif_ty(sig.ret)));
        let sig_ref = self.b.import_signature(clif_sig);
        let callee = self.b.ins().iconst(self.ptr, x.addr as i64);
        let call = self.b.ins().call_indirect(sig_ref, callee, args);
        self.b.inst_results(call)[0]
    }
}
