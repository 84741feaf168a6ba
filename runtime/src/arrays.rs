//! The state arrays of the objects of a network: one contiguous array per
//! variable (structure of arrays), in the element type the kernels use.

/// One contiguous array of values.
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    /// Double-precision floats: the default for state variables (Brian2's `float64`).
    F64(Vec<f64>),
    /// Single-precision floats, for variables declared with `dtype = float32`.
    F32(Vec<f32>),
    /// 32-bit integers: integer variables and synapse indices (`_pre`, `_post`, `N_incoming`, ...);
    /// 64-bit integers of the IR are stored here too, as Brian2 does.
    I32(Vec<i32>),
    /// Booleans as 0/1 bytes (e.g. `not_refractory`).
    U8(Vec<u8>),
}

impl Array {
    /// The bytes of one element.
    pub fn elem_bytes(&self) -> usize {
        match self {
            Array::F64(_) => 8,
            Array::F32(_) | Array::I32(_) => 4,
            Array::U8(_) => 1,
        }
    }

    /// The number of elements (not bytes).
    pub fn len(&self) -> usize {
        match self {
            Array::F64(v) => v.len(),
            Array::F32(v) => v.len(),
            Array::I32(v) => v.len(),
            Array::U8(v) => v.len(),
        }
    }

    /// True when the array has no elements (e.g. synapse arrays before `connect`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The untyped base pointer of the elements, as bound into the kernel arguments (`KernelArgs::arrays`);
    /// the kernel knows the element type. Valid until the array is resized or dropped.
    pub fn ptr(&mut self) -> *mut u8 {
        match self {
            Array::F64(v) => v.as_mut_ptr() as *mut u8,
            Array::F32(v) => v.as_mut_ptr() as *mut u8,
            Array::I32(v) => v.as_mut_ptr() as *mut u8,
            Array::U8(v) => v.as_mut_ptr(),
        }
    }

    /// Element `k` converted to f64 (booleans read as 0.0/1.0). Panics if `k` is out of bounds.
    pub fn get(&self, k: usize) -> f64 {
        match self {
            Array::F64(v) => v[k],
            Array::F32(v) => f64::from(v[k]),
            Array::I32(v) => f64::from(v[k]),
            Array::U8(v) => f64::from(v[k]),
        }
    }

    /// Stores `x` at element `k`, converted to the element type: floats are rounded to `f32`, integers
    /// truncated toward zero (saturating), booleans become 1 for any non-zero value. Panics if `k` is out of bounds.
    pub fn set(&mut self, k: usize, x: f64) {
        match self {
            Array::F64(v) => v[k] = x,
            Array::F32(v) => v[k] = x as f32,
            Array::I32(v) => v[k] = x as i32,
            Array::U8(v) => v[k] = u8::from(x != 0.0),
        }
    }

    /// Grows (or shrinks) to `n` elements, new ones 0.
    pub fn resize(&mut self, n: usize) {
        match self {
            Array::F64(v) => v.resize(n, 0.0),
            Array::F32(v) => v.resize(n, 0.0),
            Array::I32(v) => v.resize(n, 0),
            Array::U8(v) => v.resize(n, 0),
        }
    }

    /// Sets every element to `x`, converted as [`Array::set`] does.
    pub fn fill(&mut self, x: f64) {
        for k in 0..self.len() {
            self.set(k, x);
        }
    }

    /// All values as f64 (for monitors and dumps of float arrays).
    pub fn to_f64(&self) -> Vec<f64> {
        (0..self.len()).map(|k| self.get(k)).collect()
    }
}
