//! The state arrays of all objects (structure of arrays), keyed by object and name.

use std::collections::HashMap;

use crate::ir::ElemTy;
use crate::model::scope::ArrayKey;

pub use spikejit_runtime::arrays::Array;

/// What the simulator adds to the runtime's arrays: creation and the element type
/// in the IR's terms.
pub trait ArrayExt {
    /// `n` zeros stored as `elem` (64-bit integers are stored as `i32`, as Brian2 does).
    fn zeros(elem: ElemTy, n: usize) -> Array;
    /// How the elements are stored.
    fn elem(&self) -> ElemTy;
}

impl ArrayExt for Array {
    fn zeros(elem: ElemTy, n: usize) -> Array {
        match elem {
            ElemTy::F64 => Array::F64(vec![0.0; n]),
            ElemTy::F32 => Array::F32(vec![0.0; n]),
            ElemTy::I32 | ElemTy::I64 => Array::I32(vec![0; n]),
            ElemTy::U8 => Array::U8(vec![0; n]),
        }
    }

    fn elem(&self) -> ElemTy {
        match self {
            Array::F64(_) => ElemTy::F64,
            Array::F32(_) => ElemTy::F32,
            Array::I32(_) => ElemTy::I32,
            Array::U8(_) => ElemTy::U8,
        }
    }
}

/// All arrays of a network.
#[derive(Clone, Debug, Default)]
pub struct Store {
    /// Every array by (object, variable).
    pub arrays: HashMap<ArrayKey, Array>,
}

impl Store {
    /// Adds or replaces an array.
    pub fn insert(&mut self, key: ArrayKey, a: Array) {
        self.arrays.insert(key, a);
    }

    /// The array of `key`, if any.
    pub fn get(&self, key: &ArrayKey) -> Option<&Array> {
        self.arrays.get(key)
    }

    /// The array of `key` for writing, if any.
    pub fn get_mut(&mut self, key: &ArrayKey) -> Option<&mut Array> {
        self.arrays.get_mut(key)
    }

    /// How the array of `key` stores its elements (`F64` when it does not exist yet).
    pub fn elem(&self, key: &ArrayKey) -> ElemTy {
        self.arrays.get(key).map(|a| a.elem()).unwrap_or(ElemTy::F64)
    }

    /// The element type of every array (what kernel lowering needs).
    pub fn elems(&self) -> HashMap<ArrayKey, ElemTy> {
        self.arrays.iter().map(|(k, a)| (k.clone(), a.elem())).collect()
    }
}
