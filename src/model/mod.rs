//! The semantic layer: name resolution, dimension checking and the structural
//! checks of model equations. No code generation here.

pub mod check;
pub mod equations;
pub mod scope;
pub mod spatial;
