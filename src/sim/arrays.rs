//! The state arrays of all objects (structure of arrays), keyed by object and name.

use std::collections::HashMap;

use crate::ir::ElemTy;
use crate::model::scope::ArrayKey;

pub use spikejit_runtime::arrays::Array;

/// What the simulator adds to the runtime's arrays: creation and the element type
/// in the IR's terms.
pub trait ArrayExt {
    fn zeros(elem: ElemTy, n: usize) -> Array;
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
    pub arrays: HashMap<ArrayKey, Array>,
}

impl Store {
    pub fn insert(&mut self, key: ArrayKey, a: Array) {
        self.arrays.insert(key, a);
    }

    pub fn get(&self, key: &ArrayKey) -> Option<&Array> {
        self.arrays.get(key)
    }

    pub fn get_mut(&mut self, key: &ArrayKey) -> Option<&mut Array> {
        self.arrays.get_mut(key)
    }

    pub fn elem(&self, key: &ArrayKey) -> ElemTy {
        self.arrays.get(key).map(|a| a.elem()).unwrap_or(ElemTy::F64)
    }

    pub fn elems(&self) -> HashMap<ArrayKey, ElemTy> {
        self.arrays.iter().map(|(k, a)| (k.clone(), a.elem())).collect()
    }
}
