//! spikejit: Brian2's string-model language, JIT-compiled with Cranelift.
//!
//! The pipeline (see ARCHITECTURE.md): text ─pest─▶ AST ─resolve+units─▶ checked
//! model ─integrate─▶ update statements ─lower─▶ kernel IR ─▶ Cranelift JIT or
//! interpreter ─▶ runtime.

#![warn(missing_docs)]

pub mod bench;
pub mod codegen;
pub mod diag;
pub mod dist;
mod fs;
#[doc(hidden)]
pub mod fuzz;
pub mod integrate;
pub mod interp;
pub mod io;
pub mod ir;
pub mod lower;
pub mod model;
pub mod morphology;
pub mod plot;
pub mod sim;
pub mod syntax;
pub mod units;
