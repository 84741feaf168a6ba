//! The state arrays of the objects of a network: one contiguous array per
//! variable (structure of arrays), in the element type the kernels use.

/// One contiguous array of values.
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    F64(Vec<f64>),
    F32(Vec<f32>),
    I32(Vec<i32>),
    U8(Vec<u8>),
}

impl Array {
    pub fn len(&self) -> usize {
        match self {
            Array::F64(v) => v.len(),
            Array::F32(v) => v.len(),
            Array::I32(v) => v.len(),
            Array::U8(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn ptr(&mut self) -> *mut u8 {
        match self {
            Array::F64(v) => v.as_mut_ptr() as *mut u8,
            Array::F32(v) => v.as_mut_ptr() as *mut u8,
            Array::I32(v) => v.as_mut_ptr() as *mut u8,
            Array::U8(v) => v.as_mut_ptr(),
        }
    }

    pub fn get(&self, k: usize) -> f64 {
        match self {
            Array::F64(v) => v[k],
            Array::F32(v) => f64::from(v[k]),
            Array::I32(v) => f64::from(v[k]),
            Array::U8(v) => f64::from(v[k]),
        }
    }

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
