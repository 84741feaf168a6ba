//! Brian2's binary operators as the IR's: the one place where the IR's
//! [`BinOp`] meets the syntax's, so that `src/ir` knows nothing of Brian2's
//! syntax and the lowering converts at its door.

use crate::ir::BinOp;
use crate::syntax::ast;

/// Brian2's operators as the IR's: the same operation under the same name.
/// The AST's meaning (Python's) is kept by [`KernelBuilder::binary`](super::KernelBuilder::binary), which
/// converts the operands first (`/` and `**` in float, mixed types to the
/// wider one).
impl From<ast::BinOp> for BinOp {
    fn from(op: ast::BinOp) -> BinOp {
        match op {
            ast::BinOp::Add => BinOp::Add,
            ast::BinOp::Sub => BinOp::Sub,
            ast::BinOp::Mul => BinOp::Mul,
            ast::BinOp::Div => BinOp::Div,
            ast::BinOp::FloorDiv => BinOp::FloorDiv,
            ast::BinOp::Mod => BinOp::Mod,
            ast::BinOp::Pow => BinOp::Pow,
            ast::BinOp::Lt => BinOp::Lt,
            ast::BinOp::Le => BinOp::Le,
            ast::BinOp::Gt => BinOp::Gt,
            ast::BinOp::Ge => BinOp::Ge,
            ast::BinOp::Eq => BinOp::Eq,
            ast::BinOp::Ne => BinOp::Ne,
            ast::BinOp::And => BinOp::And,
            ast::BinOp::Or => BinOp::Or,
        }
    }
}
