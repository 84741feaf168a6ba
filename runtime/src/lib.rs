//! What spikejit's compiled kernels touch while running: the random-number
//! streams, the connect context, and the `extern "C"` functions that JIT code
//! calls (math and runtime helpers).
//!
//! This crate knows nothing of the parser, the IR or the code generator. Code
//! generators refer to its functions by symbol name (see [`symbols`] and
//! [`symbol_name`]); the interpreter calls the very same Rust functions, so the
//! two backends give bit-identical results.
//!
//! Math functions are the platform C library's (through `std`), as in Brian2's
//! generated C++, except `exp` in double precision: glibc's algorithm computed
//! here ([`exp`]), so that the JIT's inlined two-lane `exp` has its bits;
//! sampling helpers use the `libm` crate.
//!
//! One file a concern: the random-number streams (`rng.rs`), the connect
//! context with its error and fault codes (`context.rs`), the `extern "C"`
//! functions (`extern_c.rs`) and the symbol table that names them
//! (`symbols.rs`); all are re-exported here. Arrays, spike queues and
//! checkpoint state are public modules of their own.

#![warn(missing_docs)]

mod context;
pub mod exp;
mod exp_table;
mod extern_c;
pub mod rng;
mod symbols;

pub mod arrays;
pub mod cable;
pub mod checkpoint;
pub mod queue;

pub use context::{ConnectError, Context, Fault, error_code, fault_code};
pub use extern_c::*;
pub use rng::Rng;
pub use symbols::{Symbol, symbol_name, symbols};
