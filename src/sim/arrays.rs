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
///
/// On a partitioned network (several ranks), a neuron group's per-neuron
/// arrays are rank-local: they hold only the neurons the rank owns,
/// `first..first + len`, element `k` of the array being neuron `first + k`
/// ([`Store::first`]). Shared variables (one value) stay whole. A
/// threshold's event space holds the rank's own events from its start, then
/// their count: `owned + 1` entries, not indexed by neuron (no `first`).
#[derive(Clone, Debug, Default)]
pub struct Store {
    /// Every array by (object, variable).
    pub arrays: HashMap<ArrayKey, Array>,
    /// The first element of each rank-local array (absent: the array is
    /// whole, its first element is element 0).
    pub(crate) first: HashMap<ArrayKey, usize>,
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

    /// The element the array of `key` starts at: the first neuron a rank
    /// owns for a rank-local array, 0 for a whole one.
    pub fn first(&self, key: &ArrayKey) -> usize {
        self.first.get(key).copied().unwrap_or(0)
    }

    /// Adds a rank-local array holding elements `first..first + a.len()`.
    pub(crate) fn insert_local(&mut self, key: ArrayKey, first: usize, a: Array) {
        self.first.insert(key.clone(), first);
        self.arrays.insert(key, a);
    }

    /// A reader of the array of `key` by element index of the whole object
    /// (looked up once, read for many elements): the element's value if
    /// this store holds it, a shared array's one value for any index.
    pub(crate) fn reader(&self, key: &ArrayKey) -> Option<impl Fn(usize) -> Option<f64> + '_> {
        let a = self.arrays.get(key)?;
        let first = self.first.get(key).copied();
        let shared = first.is_none() && a.len() == 1;
        let first = first.unwrap_or(0);
        Some(move |index: usize| {
            if shared {
                return Some(a.get(0));
            }
            let k = index.checked_sub(first)?;
            (k < a.len()).then(|| a.get(k))
        })
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
