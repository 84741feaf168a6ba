//! Name resolution: what each identifier in a model string refers to, for one
//! kind of code (a state update, a threshold, a synaptic pathway, ...).
//!
//! A [`Scope`] maps names to [`NameRef`]s. The simulator builds one per kernel;
//! the checker reads dimensions and types from it and the lowering reads how to
//! load each value. Names not in the scope fall back to Brian2's constants
//! (`pi`, `e`, `inf`) and units (`mV`, `nS`, ...), as Brian2 resolves them.

use std::collections::HashMap;
use std::rc::Rc;

use crate::syntax::ast::Expr;
use crate::units::Dim;

/// Kept at this path for callers from before it moved to `diag`.
pub use crate::diag::edit_distance;

/// The type of a value, as Brian2's `boolean < integer < float`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValTy {
    /// `boolean`: stored as a byte, 0 or 1.
    Bool,
    /// `integer`: a 64-bit integer in code (stored as `i32`).
    Int,
    /// `float`: `f64`, or `f32` in float32 mode.
    Float,
}

impl ValTy {
    /// Brian2's name of the type (`boolean`, `integer`, `float`), for messages.
    pub fn name(self) -> &'static str {
        match self {
            ValTy::Bool => "boolean",
            ValTy::Int => "integer",
            ValTy::Float => "float",
        }
    }
}

/// Identifies one runtime array: an object's variable (or an internal array such as
/// the synapses' `_pre` index array).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArrayKey {
    /// The owning object's id in the network (the index behind its handle).
    pub object: usize,
    /// The variable's name (`v`, `w`, `lastspike`) or internal array name (`_pre`, `_post`, `N_incoming`, ...).
    pub var: String,
}

impl ArrayKey {
    /// The array of variable `var` of object `object`.
    pub fn new(object: usize, var: impl Into<String>) -> ArrayKey {
        ArrayKey {
            object,
            var: var.into(),
        }
    }
}

/// How the element index of a variable is computed from the kernel's current item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexSel {
    /// The kernel's item itself (a neuron for group code, a synapse for synaptic code).
    Item,
    /// `array[item]` (a synapse's presynaptic or postsynaptic neuron, absolute).
    Via(ArrayKey),
    /// Element 0 (a shared variable).
    Zero,
    /// A local variable of the kernel plus an offset (connect kernels).
    Local {
        /// The kernel local holding the (relative) index, e.g. the generator's `k`.
        local: usize,
        /// Added to the local to get the absolute element index (the group's start).
        offset: i64,
    },
    /// `array[inner]`: an index array read at another index (the presynaptic
    /// neuron of a synapse that is itself the target of other synapses).
    Load(ArrayKey, Box<IndexSel>),
    /// `inner + offset`: an element of a subgroup (a linked variable that
    /// reads a subgroup's variable reads its group's array past the start).
    Offset(Box<IndexSel>, i64),
}

impl IndexSel {
    /// This selection read at `inner` instead of at the kernel's item: the
    /// element of an array indexed by `self` for the element `inner` of
    /// the object `self` is relative to (`Item` becomes `inner`, `Via(a)`
    /// becomes `a[inner]`).
    pub fn at(&self, inner: &IndexSel) -> IndexSel {
        match self {
            IndexSel::Item => inner.clone(),
            IndexSel::Zero | IndexSel::Local { .. } => self.clone(),
            IndexSel::Via(a) => IndexSel::Load(a.clone(), Box::new(inner.clone())),
            IndexSel::Load(a, x) => IndexSel::Load(a.clone(), Box::new(x.at(inner))),
            IndexSel::Offset(x, o) => match x.at(inner) {
                IndexSel::Offset(y, p) => IndexSel::Offset(y, o + p),
                y => IndexSel::Offset(Box::new(y), *o),
            },
        }
    }

    /// Whether the element depends on the kernel's item (not: one element for all).
    pub fn per_item(&self) -> bool {
        match self {
            IndexSel::Item | IndexSel::Via(_) | IndexSel::Local { .. } => true,
            IndexSel::Zero => false,
            IndexSel::Load(_, x) | IndexSel::Offset(x, _) => x.per_item(),
        }
    }
}

/// What a name refers to.
#[derive(Clone, Debug)]
pub enum NameRef {
    /// A value known when the kernel is compiled (constants, units, `dt`, `N`).
    Const {
        /// The value in SI units.
        value: f64,
        /// Its physical dimension.
        dim: Dim,
        /// Its value type (integer constants stay integers, as in Brian2).
        ty: ValTy,
    },
    /// An element of an array.
    Var {
        /// The array that holds the variable.
        array: ArrayKey,
        /// Which element of `array` the current item reads.
        index: IndexSel,
        /// The variable's physical dimension.
        dim: Dim,
        /// The variable's value type.
        ty: ValTy,
        /// Writes are not allowed (`i`, `N_incoming`, `lastspike` ...).
        read_only: bool,
        /// Writes happen only where this boolean array is true at the same index
        /// (`(unless refractory)`: the owner's `not_refractory`).
        write_mask: Option<ArrayKey>,
        /// A `(shared)` variable.
        shared: bool,
    },
    /// An index: `item - offset` (`i` of a neuron group), or `array[item] - offset`
    /// (`i`, `j` of synapses).
    Index {
        /// Where the absolute index comes from (the item itself, or the synapse's `_pre`/`_post` array).
        index: IndexSel,
        /// The start of the (sub)group, subtracted to make the index relative to it.
        offset: i64,
    },
    /// The current time `t` of the kernel's clock (a scalar slot).
    Time,
    /// The current time step (integer).
    TimeStep,
    /// A subexpression, inlined; resolved in `scope`, or in the referencing code's
    /// scope when `None`.
    Subexpr {
        /// The subexpression's right-hand side, as written.
        expr: Expr,
        /// The declared dimension of the subexpression.
        dim: Dim,
        /// The declared value type of the subexpression.
        ty: ValTy,
        /// The scope the expression's names are resolved in (e.g. the neuron group's, for a `v_post`-style reference
        /// from synaptic code); `None` for the referencing code's own scope.
        scope: Option<Rc<Scope>>,
    },
}

impl NameRef {
    /// A float constant of dimension `dim`.
    pub fn constant(value: f64, dim: Dim) -> NameRef {
        NameRef::Const {
            value,
            dim,
            ty: ValTy::Float,
        }
    }

    /// Dimension and type of the value.
    pub fn dim_ty(&self) -> (Dim, ValTy) {
        match self {
            NameRef::Const { dim, ty, .. } => (*dim, *ty),
            NameRef::Var { dim, ty, .. } => (*dim, *ty),
            NameRef::Index { .. } => (Dim::ONE, ValTy::Int),
            NameRef::Time => (Dim::SECOND, ValTy::Float),
            NameRef::TimeStep => (Dim::ONE, ValTy::Int),
            NameRef::Subexpr { dim, ty, .. } => (*dim, *ty),
        }
    }
}

/// A user-defined function value (a TimedArray).
#[derive(Clone, Debug)]
pub struct TableFn {
    /// The array holding the table's values, row-major by time (`values[t][i]` at `t*cols + i`).
    pub array: ArrayKey,
    /// Number of time points and, for a 2-D table, of columns.
    pub len: usize,
    /// Number of columns (elements) of a 2-D table `name(t, i)`; `None` for a 1-D table `name(t)`.
    pub cols: Option<usize>,
    /// Time between entries, in seconds: `name(t)` reads entry `floor(t/dt)`, clamped to the last.
    pub dt: f64,
    /// The dimension of the values (the table's `unit`).
    pub dim: Dim,
}

/// A user's function (a Rust `extern "C"` function registered on the
/// network): its declared units and its address. Its arguments and result
/// are floats.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternDecl {
    /// The dimension of each argument, in order.
    pub args: Vec<Dim>,
    /// The dimension of the result.
    pub result: Dim,
    /// The address of the `extern "C" fn(f64, ...) -> f64`.
    pub addr: usize,
}

/// The names visible to one piece of code.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// What each plain name means in this code.
    pub names: HashMap<String, NameRef>,
    /// The user-defined functions (TimedArrays) callable in this code, by name.
    pub functions: HashMap<String, TableFn>,
    /// The user's functions (Rust `extern "C"` functions) callable in this code, by name.
    pub externs: HashMap<String, ExternDecl>,
    /// Why a name is not available here, for a better error ("'N_incoming' cannot be
    /// used in a connect statement").
    pub forbidden: HashMap<String, String>,
    /// Why code may not write a name it may read (a linked variable, the
    /// index variable of one), for the error.
    pub unwritable: HashMap<String, String>,
}

impl Scope {
    /// Adds (or replaces) the meaning of `name`.
    pub fn insert(&mut self, name: impl Into<String>, r: NameRef) {
        self.names.insert(name.into(), r);
    }

    /// Resolves a name: the scope's own names first, then Brian2's constants, then units.
    pub fn resolve(&self, name: &str) -> Option<NameRef> {
        if let Some(r) = self.names.get(name) {
            return Some(r.clone());
        }
        builtin_name(name)
    }

    /// All names this scope knows (for "did you mean").
    pub fn known_names(&self) -> impl Iterator<Item = &str> {
        self.names.keys().map(|s| s.as_str())
    }
}

/// Brian2's default constants and units.
pub fn builtin_name(name: &str) -> Option<NameRef> {
    match name {
        "pi" => return Some(NameRef::constant(std::f64::consts::PI, Dim::ONE)),
        "e" => return Some(NameRef::constant(std::f64::consts::E, Dim::ONE)),
        "inf" => return Some(NameRef::constant(f64::INFINITY, Dim::ONE)),
        _ => {}
    }
    crate::units::lookup(name).map(|(scale, dim)| NameRef::constant(scale, dim))
}

/// The default functions of Brian2 (§1.7) by name, with their argument count.
pub fn builtin_function_arity(name: &str) -> Option<usize> {
    Some(match name {
        "sin" | "cos" | "tan" | "sinh" | "cosh" | "tanh" | "exp" | "log" | "log10" | "expm1" | "log1p" | "arcsin"
        | "arccos" | "arctan" | "sqrt" | "abs" | "sign" | "floor" | "ceil" | "int" | "exprel" | "poisson" => 1,
        "rand" | "randn" => 0,
        "clip" => 3,
        "timestep" => 2,
        _ => return None,
    })
}

/// Whether a name is one of Brian2's functions, constants or units (and so cannot
/// name a variable or a constant).
pub fn is_reserved_builtin(name: &str) -> Option<&'static str> {
    if builtin_function_arity(name).is_some() {
        Some("a function")
    } else if matches!(name, "pi" | "e" | "inf" | "True" | "False") {
        Some("a constant")
    } else if crate::units::is_unit_name(name) {
        Some("a unit")
    } else {
        None
    }
}

/// The closest of `candidates` to `name`, if close enough to be a plausible typo.
/// A candidate that differs only in case (`V` for `v`) is preferred to any other.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.starts_with('_') || c == name {
            continue;
        }
        // twice the distance, minus one when only the case differs, so that a
        // difference in case alone beats one edit
        let d = if c.to_lowercase() == lower {
            1
        } else {
            2 * edit_distance(name, c)
        };
        // on a tie, a name of the same case ('v' rather than 'N' for 'u'), then the first
        let same_case =
            |x: &str| x.chars().next().map(char::is_lowercase) == name.chars().next().map(char::is_lowercase);
        if best.is_none_or(|(bd, bc)| d < bd || (d == bd && (same_case(c), bc) > (same_case(bc), c))) {
            best = Some((d, c));
        }
    }
    let limit = if name.chars().count() <= 3 { 2 } else { 4 };
    best.filter(|(d, _)| *d <= limit).map(|(_, c)| c.to_string())
}
