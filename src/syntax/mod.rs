//! Parsing Brian2's string language into the AST. The only module that sees pest.
//!
//! Four entry points, one per kind of string: [`parse_expression`] (thresholds,
//! conditions, quantities), [`parse_equations`] (models), [`parse_statements`]
//! (reset, on_pre, on_post, run_regularly) and [`parse_generator`] (connect).

pub mod ast;
mod parser;

pub use parser::{parse_equations, parse_expression, parse_expression_at, parse_generator, parse_statements};
