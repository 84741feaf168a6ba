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
//! generated C++; sampling helpers use the `libm` crate.

#![warn(missing_docs)]

use rand::Rng as _;
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};
use rand_pcg::Pcg64Mcg;

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

/// One random-number stream. Value-stable: the same `(seed, stream)` gives the
/// same numbers on every machine and in every backend.
///
/// Besides the generator it caches the set-up of the last binomial and Poisson
/// distribution, because kernels typically draw many numbers with the same
/// parameters (PoissonInput draws `binomial(N, p)` for every target, every step)
/// and the set-up costs a `pow`/`log`. The cache does not change the numbers.
#[derive(Clone, Debug)]
pub struct Rng {
    pcg: Pcg64Mcg,
    binomial: Option<(i64, u64, Binomial)>,
    poisson: Option<(u64, Poisson<f64>)>,
}

/// SplitMix64's output function: a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl Rng {
    /// The stream `stream` of seed `seed`. Streams of one seed are independent for
    /// practical purposes: the 128-bit state is derived from both numbers through
    /// SplitMix64, so neighbouring seeds or streams give unrelated states.
    pub fn seed(seed: u64, stream: u64) -> Rng {
        let a = mix64(seed.wrapping_add(GOLDEN));
        let b = mix64(a ^ stream.wrapping_mul(GOLDEN).wrapping_add(0x632b_e59b_d9b4_e019));
        let c = mix64(b.wrapping_add(GOLDEN));
        let state = (u128::from(b) << 64) | u128::from(c);
        Rng {
            pcg: Pcg64Mcg::new(state),
            binomial: None,
            poisson: None,
        }
    }

    /// 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.pcg.next_u64()
    }

    /// Uniform in [0, 1), with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (unbiased; Lemire's multiply-and-reject). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// Standard normal (ziggurat method from `rand_distr`).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.pcg)
    }

    /// Poisson count with mean `l`. `l <= 0` or NaN gives 0; means too large for
    /// the sampler (> 1.8e19, or infinite) give `l` saturated to `i64`.
    pub fn poisson(&mut self, l: f64) -> i64 {
        if l.is_nan() || l <= 0.0 {
            return 0;
        }
        let dist = match self.poisson {
            Some((bits, d)) if bits == l.to_bits() => d,
            _ => match Poisson::new(l) {
                Ok(d) => {
                    self.poisson = Some((l.to_bits(), d));
                    d
                }
                Err(_) => return l as i64,
            },
        };
        dist.sample(&mut self.pcg) as i64
    }

    /// Binomial count of `n` trials with probability `p`. `n <= 0`, `p <= 0` or
    /// NaN give 0; `p >= 1` gives `n`.
    pub fn binomial(&mut self, n: i64, p: f64) -> i64 {
        if n <= 0 || p.is_nan() || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let dist = match self.binomial {
            Some((cn, bits, d)) if cn == n && bits == p.to_bits() => d,
            _ => match Binomial::new(n as u64, p) {
                Ok(d) => {
                    self.binomial = Some((n, p.to_bits(), d));
                    d
                }
                // Unreachable: p is in (0, 1) here.
                Err(_) => return 0,
            },
        };
        dist.sample(&mut self.pcg) as i64
    }

    /// The number of failures before the next success in a sequence of
    /// Bernoulli(`p`) trials: `floor(log(U) / log(1-p))` with `U` in (0, 1].
    /// `p >= 1` gives 0; `p <= 0` or NaN give `i64::MAX` (never).
    pub fn geometric_skip(&mut self, p: f64) -> i64 {
        if p >= 1.0 {
            return 0;
        }
        if p.is_nan() || p <= 0.0 {
            return i64::MAX;
        }
        // 1 - U is in (0, 1], so the log is finite.
        let u = 1.0 - self.uniform();
        // Saturating cast: a huge quotient means "no success within i64".
        libm::floor(libm::log(u) / libm::log1p(-p)) as i64
    }
}

// ---------------------------------------------------------------------------
// Connect context
// ---------------------------------------------------------------------------

pub mod arrays;
pub mod checkpoint;
pub mod queue;

/// Error codes recorded in a [`Context`]. Runtime functions use the first few;
/// generated code may record any of them with `report_error`.
pub mod error_code {
    /// `sample(..., size=a)` with `a` larger than the population `b`.
    pub const SAMPLE_SIZE_TOO_LARGE: i64 = 1;
    /// `sample(..., size=a)` with a negative `a`.
    pub const SAMPLE_SIZE_NEGATIVE: i64 = 2;
    /// `sample`/`range` with step 0.
    pub const ZERO_STEP: i64 = 3;
    /// `sample_get(a)` with `a` outside the sample buffer of length `b`.
    pub const SAMPLE_INDEX: i64 = 4;
    /// `push_synapse` with a negative count `a` (for presynaptic index `b`).
    pub const NEGATIVE_COUNT: i64 = 5;
    /// `push_synapse` with an index `a` that does not fit in `i32`.
    pub const INDEX_TOO_LARGE: i64 = 6;
    /// A postsynaptic index `a` outside `0..b` (reported by generated code).
    pub const POST_INDEX_OUT_OF_RANGE: i64 = 7;
    /// A presynaptic index `a` outside `0..b` (reported by generated code).
    pub const PRE_INDEX_OUT_OF_RANGE: i64 = 8;
    /// `push_synapse` past [`Context::max_synapses`](crate::Context::max_synapses)
    /// `b` (`a`: the count the push would have reached).
    pub const TOO_MANY_SYNAPSES: i64 = 9;
    /// A connection probability [`ConnectError::value`] outside `[0, 1]` for the
    /// pair `(a, b)` (-1 for a side it does not depend on; reported by generated code).
    pub const PROBABILITY_OUT_OF_RANGE: i64 = 10;
    /// A negative number of synapses [`ConnectError::value`] for the pair `(a, b)`
    /// (reported by generated code).
    pub const NEGATIVE_N: i64 = 11;
    /// First code free for other uses by generated code.
    pub const FIRST_USER: i64 = 100;
}

/// What a checked operation of a running kernel found (see [`Context::report_fault`]):
/// integer arithmetic that has no exact result, a float that does not convert to
/// an integer, a NaN or infinity stored to a state variable.
pub mod fault_code {
    /// An integer `a // 0` (the result is 0, as numpy gives).
    pub const DIVISION_BY_ZERO: i64 = 1;
    /// An integer `a % 0` (the result is 0, as numpy gives).
    pub const MODULO_BY_ZERO: i64 = 2;
    /// An integer result outside the 64-bit range, or a value stored to a 32-bit
    /// integer variable outside its range (the result wraps, as in numpy and C).
    pub const OVERFLOW: i64 = 3;
    /// A float converted to an integer that is NaN, infinite or outside the 64-bit
    /// range (the result saturates; NaN gives 0).
    pub const INVALID_CONVERSION: i64 = 4;
    /// A NaN or an infinity stored to a floating-point state variable.
    pub const NON_FINITE: i64 = 5;
}

/// One fault recorded by a checked operation: which check of the kernel failed,
/// for which element, and the value involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// One of the [`fault_code`] constants.
    pub code: i64,
    /// The check in the kernel (numbered by whoever generated the kernel).
    pub site: i64,
    /// The element the kernel was at: for an arithmetic fault the element its
    /// loop runs over, for a stored value the index it was stored at.
    pub elem: i64,
    /// The value involved, by code: the dividend ([`fault_code::DIVISION_BY_ZERO`],
    /// [`fault_code::MODULO_BY_ZERO`]), the full result before it wraps
    /// ([`fault_code::OVERFLOW`] of a 32-bit store; the wrapped result for
    /// 64-bit arithmetic), or the bits of the float as an `f64`
    /// ([`fault_code::INVALID_CONVERSION`], [`fault_code::NON_FINITE`]).
    pub value: i64,
}

/// An error recorded while a kernel ran: a code from [`error_code`] and two
/// numbers whose meaning depends on the code, and for some codes the offending
/// value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConnectError {
    /// One of the [`error_code`] constants (or a code of generated code, `>= FIRST_USER`).
    pub code: i64,
    /// First detail: usually the offending value (a size, an index, a count).
    pub a: i64,
    /// Second detail: usually the bound it broke (population size, index range) or the presynaptic index.
    pub b: i64,
    /// The offending value of a code reported with [`Context::report_value`]
    /// (a probability, a count).
    pub value: Option<f64>,
}

impl ConnectError {
    /// A message for the codes the runtime knows (Brian2's wording where it has one).
    pub fn message(&self) -> String {
        let ConnectError { code, a, b, value } = *self;
        let value = value.unwrap_or(f64::NAN);
        let pair = || match (a, b) {
            (-1, -1) => String::new(),
            (i, -1) => format!(" for i = {i}"),
            (-1, j) => format!(" for j = {j}"),
            (i, j) => format!(" for the pair i = {i}, j = {j}"),
        };
        match code {
            error_code::SAMPLE_SIZE_TOO_LARGE => {
                format!("Requested sample size {a} is bigger than the population size {b}.")
            }
            error_code::SAMPLE_SIZE_NEGATIVE => format!("Requested sample size {a} is negative."),
            error_code::ZERO_STEP => "range() step must not be zero".to_string(),
            error_code::SAMPLE_INDEX => {
                format!("sample index {a} outside the sample of size {b}")
            }
            error_code::NEGATIVE_COUNT => {
                format!("negative number of synapses ({a}) for presynaptic index {b}")
            }
            error_code::INDEX_TOO_LARGE => format!("index {a} does not fit in 32 bits"),
            error_code::POST_INDEX_OUT_OF_RANGE => {
                format!("tried to create synapse to neuron j={a} outside range 0 to {}", b - 1)
            }
            error_code::PRE_INDEX_OUT_OF_RANGE => {
                format!("tried to create synapse from neuron i={a} outside range 0 to {}", b - 1)
            }
            error_code::TOO_MANY_SYNAPSES => {
                format!("the connect would make more than {b} synapses (at least {a}), more than fit in memory")
            }
            error_code::PROBABILITY_OUT_OF_RANGE => {
                format!("the connection probability p is {value}{}, outside [0, 1]", pair())
            }
            error_code::NEGATIVE_N => {
                format!("the number of synapses n is {value}{}: it must not be negative", pair())
            }
            _ => format!("kernel error {code} ({a}, {b})"),
        }
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ConnectError {}

/// What connect kernels write to: the synapses they create, the sample buffer
/// of `sample(..., size=...)`, and the first error.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Presynaptic (source) neuron index of each synapse created so far, in creation order.
    pub pre: Vec<i32>,
    /// Postsynaptic (target) neuron index of each synapse, parallel to `pre`.
    pub post: Vec<i32>,
    /// The current `sample(..., size=...)` result, read element by element with `sample_get`.
    pub sample: Vec<i64>,
    /// The first error reported while the kernel ran; later ones are dropped (see [`Context::report`]).
    pub error: Option<ConnectError>,
    /// Scratch set for Floyd's sampling; kept to reuse its allocation.
    seen: std::collections::HashSet<i64>,
    /// The most synapses pushes may make (`None`: no limit): a connect whose
    /// count is only known as it runs (a condition, a generator) stops with
    /// [`error_code::TOO_MANY_SYNAPSES`] instead of exhausting memory.
    pub max_synapses: Option<usize>,
    /// The first fault of each (site, code) since the caller last emptied the
    /// list (see [`Context::report_fault`]); empty unless a check failed, so
    /// the caller tests `is_empty()` after each call.
    pub faults: Vec<Fault>,
    /// The first connection probability outside `[0, 1]` (not NaN) that a
    /// connect met: not an error, since Brian2 connects every pair for
    /// `p > 1` and none for `p < 0` (its own examples rely on it), but the
    /// caller warns about it.
    pub clipped_probability: Option<ConnectError>,
}

impl Context {
    /// An empty context: no synapses, no sample, no error.
    pub fn new() -> Context {
        Context::default()
    }

    /// Forgets synapses, sample and error (keeps the allocations).
    pub fn clear(&mut self) {
        self.pre.clear();
        self.post.clear();
        self.sample.clear();
        self.error = None;
        self.faults.clear();
        self.clipped_probability = None;
    }

    /// Makes room for `n` synapses (a connect that knows how many it makes, on
    /// average, avoids growing its lists by doubling).
    pub fn reserve(&mut self, n: usize) {
        self.pre.reserve_exact(n);
        self.post.reserve_exact(n);
    }

    /// The synapses pushed so far, as `(pre, post)`, leaving the context empty.
    pub fn take_synapses(&mut self) -> (Vec<i32>, Vec<i32>) {
        (std::mem::take(&mut self.pre), std::mem::take(&mut self.post))
    }

    /// The recorded error, if any, leaving none.
    pub fn take_error(&mut self) -> Option<ConnectError> {
        self.error.take()
    }

    /// Records `(code, a, b)` unless an error is already recorded: the first
    /// error is the one the user should see.
    pub fn report(&mut self, code: i64, a: i64, b: i64) {
        if self.error.is_none() {
            self.error = Some(ConnectError {
                code,
                a,
                b,
                value: None,
            });
        }
    }

    /// As [`Context::report`], with the offending value (a probability, a
    /// count). A probability above 1 or below 0 is no error: it is kept in
    /// [`Context::clipped_probability`] (the first one) and the connect goes
    /// on, as Brian2's does; a NaN probability is an error.
    pub fn report_value(&mut self, code: i64, a: i64, b: i64, value: f64) {
        if code == error_code::PROBABILITY_OUT_OF_RANGE && !value.is_nan() {
            if self.clipped_probability.is_none() {
                self.clipped_probability = Some(ConnectError {
                    code,
                    a,
                    b,
                    value: Some(value),
                });
            }
            return;
        }
        if self.error.is_none() {
            self.error = Some(ConnectError {
                code,
                a,
                b,
                value: Some(value),
            });
        }
    }

    /// Records a fault unless one with the same site and code is recorded
    /// already: the first occurrence is the one to report, and a fault that
    /// repeats for every element must not grow the list.
    pub fn report_fault(&mut self, code: i64, site: i64, elem: i64, value: i64) {
        if !self.faults.iter().any(|f| f.site == site && f.code == code) {
            self.faults.push(Fault {
                code,
                site,
                elem,
                value,
            });
        }
    }

    /// Appends `n` synapses `(i, j)`. Returns 0, or -1 after recording an error.
    pub fn push(&mut self, i: i64, j: i64, n: i64) -> i64 {
        if n < 0 {
            self.report(error_code::NEGATIVE_COUNT, n, i);
            return -1;
        }
        let (Ok(i32i), Ok(i32j)) = (i32::try_from(i), i32::try_from(j)) else {
            let bad = if i32::try_from(i).is_err() { i } else { j };
            self.report(error_code::INDEX_TOO_LARGE, bad, 0);
            return -1;
        };
        let n = n as usize;
        if let Some(max) = self.max_synapses
            && self.pre.len().saturating_add(n) > max
        {
            let reached = i64::try_from(self.pre.len().saturating_add(n)).unwrap_or(i64::MAX);
            self.report(error_code::TOO_MANY_SYNAPSES, reached, max as i64);
            return -1;
        }
        self.pre.extend(std::iter::repeat_n(i32i, n));
        self.post.extend(std::iter::repeat_n(i32j, n));
        0
    }

    /// `sample(low, high, step, size=size)`: fills the sample buffer with `size`
    /// distinct elements of `range(low, high, step)` chosen uniformly, in the
    /// range's iteration order (ascending for a positive step), and returns how
    /// many there are. Too large a size is an error, or is clipped to the
    /// population with `skip_if_invalid`; a negative size is an error, or gives
    /// an empty sample with `skip_if_invalid`. Errors return -1.
    pub fn sample_size(
        &mut self,
        rng: &mut Rng,
        low: i64,
        high: i64,
        step: i64,
        size: i64,
        skip_if_invalid: bool,
    ) -> i64 {
        self.sample.clear();
        if step == 0 {
            self.report(error_code::ZERO_STEP, low, high);
            return -1;
        }
        let population = range_len(low, high, step);
        let mut size = size;
        if size < 0 {
            if skip_if_invalid {
                return 0;
            }
            self.report(error_code::SAMPLE_SIZE_NEGATIVE, size, population as i64);
            return -1;
        }
        if size as u64 > population {
            if !skip_if_invalid {
                self.report(error_code::SAMPLE_SIZE_TOO_LARGE, size, population as i64);
                return -1;
            }
            size = population as i64;
        }
        let size = size as u64;
        if size == 0 {
            return 0;
        }
        // Selection sampling (Knuth's algorithm S) walks the whole population:
        // best when the sample is a sizeable part of it. Floyd's algorithm costs
        // O(size) draws (plus a sort) whatever the population.
        if size.saturating_mul(16) >= population {
            let mut needed = size;
            for idx in 0..population {
                if rng.below(population - idx) < needed {
                    self.sample.push(range_elem(low, step, idx));
                    needed -= 1;
                    if needed == 0 {
                        break;
                    }
                }
            }
        } else {
            self.seen.clear();
            for j in population - size..population {
                let t = rng.below(j + 1);
                let pick = if self.seen.insert(t as i64) { t } else { j };
                if pick == j {
                    self.seen.insert(j as i64);
                }
                self.sample.push(pick as i64);
            }
            self.sample.sort_unstable();
            for x in &mut self.sample {
                *x = range_elem(low, step, *x as u64);
            }
        }
        self.sample.len() as i64
    }

    /// The `k`-th element of the sample buffer, or -1 after recording an error.
    pub fn sample_get(&mut self, k: i64) -> i64 {
        match usize::try_from(k).ok().and_then(|k| self.sample.get(k)) {
            Some(&x) => x,
            None => {
                self.report(error_code::SAMPLE_INDEX, k, self.sample.len() as i64);
                -1
            }
        }
    }
}

/// The number of elements of Python's `range(low, high, step)`, `step != 0`.
fn range_len(low: i64, high: i64, step: i64) -> u64 {
    // i128 because high - low can overflow i64.
    let (low, high, step) = (i128::from(low), i128::from(high), i128::from(step));
    let n = if step > 0 {
        (high - low + step - 1) / step
    } else {
        (low - high - step - 1) / -step
    };
    n.max(0) as u64
}

/// Element `idx` of `range(low, _, step)` (in range by construction).
fn range_elem(low: i64, step: i64, idx: u64) -> i64 {
    (i128::from(low) + i128::from(idx) * i128::from(step)) as i64
}

// ---------------------------------------------------------------------------
// extern "C" functions called by generated code
// ---------------------------------------------------------------------------

/// `(exp(x) - 1) / x` with Brian2's C semantics: 1 near 0, +inf for large x.
pub extern "C" fn spikejit_exprel(x: f64) -> f64 {
    if x.abs() < 1e-16 {
        1.0
    } else if x > 717.0 {
        f64::INFINITY
    } else {
        x.exp_m1() / x
    }
}

/// `exprel` in single precision (same thresholds as the f64 version).
pub extern "C" fn spikejit_exprelf(x: f32) -> f32 {
    if x.abs() < 1e-16 {
        1.0
    } else if x > 717.0 {
        f32::INFINITY
    } else {
        x.exp_m1() / x
    }
}

/// Wraps math functions as `extern "C"` so JIT code can call them.
///
/// `std`'s methods (the platform's C library: glibc's `exp` is about 4× faster
/// than the `libm` crate's here, and it is what Brian2's generated C++ calls).
/// JIT code and the interpreter call these same wrappers, so the two backends
/// stay bit-identical.
macro_rules! math_wrappers {
    ($( $name:ident = $method:ident : $t:ty ),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($t), "::", stringify!($method), "` with the C ABI.")]
            pub extern "C" fn $name(x: $t) -> $t {
                x.$method()
            }
        )*
    };
}

math_wrappers! {
    spikejit_exp = exp: f64, spikejit_expf = exp: f32,
    spikejit_log = ln: f64, spikejit_logf = ln: f32,
    spikejit_log10 = log10: f64, spikejit_log10f = log10: f32,
    spikejit_sqrt = sqrt: f64, spikejit_sqrtf = sqrt: f32,
    spikejit_sin = sin: f64, spikejit_sinf = sin: f32,
    spikejit_cos = cos: f64, spikejit_cosf = cos: f32,
    spikejit_tan = tan: f64, spikejit_tanf = tan: f32,
    spikejit_sinh = sinh: f64, spikejit_sinhf = sinh: f32,
    spikejit_cosh = cosh: f64, spikejit_coshf = cosh: f32,
    spikejit_tanh = tanh: f64, spikejit_tanhf = tanh: f32,
    spikejit_asin = asin: f64, spikejit_asinf = asin: f32,
    spikejit_acos = acos: f64, spikejit_acosf = acos: f32,
    spikejit_atan = atan: f64, spikejit_atanf = atan: f32,
    spikejit_expm1 = exp_m1: f64, spikejit_expm1f = exp_m1: f32,
    spikejit_log1p = ln_1p: f64, spikejit_log1pf = ln_1p: f32,
    spikejit_abs = abs: f64, spikejit_absf = abs: f32,
    spikejit_floor = floor: f64, spikejit_floorf = floor: f32,
    spikejit_ceil = ceil: f64, spikejit_ceilf = ceil: f32,
}

/// `f64::powf` (C's `pow`) with the C ABI.
pub extern "C" fn spikejit_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// `f32::powf` with the C ABI.
pub extern "C" fn spikejit_powf(x: f32, y: f32) -> f32 {
    x.powf(y)
}

/// `libm::fma` with the C ABI (Cranelift's fallback libcall for `fma`).
pub extern "C" fn spikejit_fma(x: f64, y: f64, z: f64) -> f64 {
    libm::fma(x, y, z)
}

/// `libm::fmaf` with the C ABI.
pub extern "C" fn spikejit_fmaf(x: f32, y: f32, z: f32) -> f32 {
    libm::fmaf(x, y, z)
}

/// Uniform in [0, 1).
///
/// # Safety
/// `rng` points to a live [`Rng`] that nothing else accesses during the call.
pub unsafe extern "C" fn spikejit_rand(rng: *mut Rng) -> f64 {
    unsafe { (*rng).uniform() }
}

/// Standard normal.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_randn(rng: *mut Rng) -> f64 {
    unsafe { (*rng).normal() }
}

/// Poisson count with mean `l`.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_poisson(rng: *mut Rng, l: f64) -> i64 {
    unsafe { (*rng).poisson(l) }
}

/// Binomial count.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_binomial(rng: *mut Rng, n: i64, p: f64) -> i64 {
    unsafe { (*rng).binomial(n, p) }
}

/// Geometric skip for `sample(..., p=p)`.
///
/// # Safety
/// As [`spikejit_rand`].
pub unsafe extern "C" fn spikejit_geometric_skip(rng: *mut Rng, p: f64) -> i64 {
    unsafe { (*rng).geometric_skip(p) }
}

/// [`Context::sample_size`]; `skip_if_invalid` is nonzero for true.
///
/// # Safety
/// `rng` and `ctx` point to a live [`Rng`] and [`Context`] that nothing else
/// accesses during the call.
pub unsafe extern "C" fn spikejit_sample_size(
    rng: *mut Rng,
    ctx: *mut Context,
    low: i64,
    high: i64,
    step: i64,
    size: i64,
    skip_if_invalid: i64,
) -> i64 {
    unsafe { (*ctx).sample_size(&mut *rng, low, high, step, size, skip_if_invalid != 0) }
}

/// [`Context::sample_get`].
///
/// # Safety
/// `ctx` points to a live [`Context`] that nothing else accesses during the call.
pub unsafe extern "C" fn spikejit_sample_get(ctx: *mut Context, k: i64) -> i64 {
    unsafe { (*ctx).sample_get(k) }
}

/// [`Context::push`].
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_push_synapse(ctx: *mut Context, i: i64, j: i64, n: i64) -> i64 {
    unsafe { (*ctx).push(i, j, n) }
}

/// [`Context::report`]; returns 0.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_report_error(ctx: *mut Context, code: i64, a: i64, b: i64) -> i64 {
    unsafe { (*ctx).report(code, a, b) };
    0
}

/// [`Context::report_fault`]: the slow path of a failed check in generated code.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_fault(ctx: *mut Context, code: i64, site: i64, elem: i64, value: i64) {
    unsafe { (*ctx).report_fault(code, site, elem, value) };
}

/// The symbol of [`spikejit_fault`], which code generators call directly (it is
/// not a function of the language).
pub const FAULT_SYMBOL: &str = "spikejit_fault";

/// [`Context::report_value`]; returns 0.
///
/// # Safety
/// As [`spikejit_sample_get`].
pub unsafe extern "C" fn spikejit_report_value(ctx: *mut Context, code: i64, a: i64, b: i64, value: f64) -> i64 {
    unsafe { (*ctx).report_value(code, a, b, value) };
    0
}

// ---------------------------------------------------------------------------
// Symbol table
// ---------------------------------------------------------------------------

/// A function that generated code may call: its symbol and address.
#[derive(Clone, Copy, Debug)]
pub struct Symbol {
    /// The linker name generated code imports (e.g. `spikejit_exp`, `spikejit_expf`).
    pub name: &'static str,
    /// The address of the `extern "C"` function that the JIT binds the name to.
    pub addr: *const u8,
}

/// `(function name as the IR spells it, f64 symbol, f32 symbol)`. Functions
/// without float arguments have the same symbol in both columns.
const NAMES: &[(&str, &str, &str)] = &[
    ("exp", "spikejit_exp", "spikejit_expf"),
    ("log", "spikejit_log", "spikejit_logf"),
    ("log10", "spikejit_log10", "spikejit_log10f"),
    ("sqrt", "spikejit_sqrt", "spikejit_sqrtf"),
    ("sin", "spikejit_sin", "spikejit_sinf"),
    ("cos", "spikejit_cos", "spikejit_cosf"),
    ("tan", "spikejit_tan", "spikejit_tanf"),
    ("sinh", "spikejit_sinh", "spikejit_sinhf"),
    ("cosh", "spikejit_cosh", "spikejit_coshf"),
    ("tanh", "spikejit_tanh", "spikejit_tanhf"),
    ("arcsin", "spikejit_asin", "spikejit_asinf"),
    ("arccos", "spikejit_acos", "spikejit_acosf"),
    ("arctan", "spikejit_atan", "spikejit_atanf"),
    ("expm1", "spikejit_expm1", "spikejit_expm1f"),
    ("log1p", "spikejit_log1p", "spikejit_log1pf"),
    ("abs", "spikejit_abs", "spikejit_absf"),
    ("floor", "spikejit_floor", "spikejit_floorf"),
    ("ceil", "spikejit_ceil", "spikejit_ceilf"),
    ("exprel", "spikejit_exprel", "spikejit_exprelf"),
    ("pow", "spikejit_pow", "spikejit_powf"),
    ("rand", "spikejit_rand", "spikejit_rand"),
    ("randn", "spikejit_randn", "spikejit_randn"),
    ("poisson", "spikejit_poisson", "spikejit_poisson"),
    ("binomial", "spikejit_binomial", "spikejit_binomial"),
    ("geometric_skip", "spikejit_geometric_skip", "spikejit_geometric_skip"),
    ("sample_size", "spikejit_sample_size", "spikejit_sample_size"),
    ("sample_get", "spikejit_sample_get", "spikejit_sample_get"),
    ("push_synapse", "spikejit_push_synapse", "spikejit_push_synapse"),
    ("report_error", "spikejit_report_error", "spikejit_report_error"),
    ("report_value", "spikejit_report_value", "spikejit_report_value"),
];

/// The symbol generated code calls for function `func` (the IR's name, e.g.
/// `"exp"`, `"arcsin"`, `"rand"`) when its float arguments are `f32` (`f32 ==
/// true`) or `f64`. `None` for an unknown name.
pub fn symbol_name(func: &str, f32: bool) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(name, _, _)| *name == func)
        .map(|&(_, s64, s32)| if f32 { s32 } else { s64 })
}

/// Every symbol generated code may call, to register with the JIT.
///
/// Includes the C names `floor`, `ceil`, `floorf`, `ceilf`, `fma`, `fmaf`, which
/// Cranelift calls when the CPU lacks an instruction for them, so that no symbol
/// is resolved from the platform's C library.
pub fn symbols() -> Vec<Symbol> {
    macro_rules! table {
        ($( $name:literal => $f:expr ),* $(,)?) => {
            vec![$( Symbol { name: $name, addr: $f as *const u8 } ),*]
        };
    }
    table![
        "spikejit_exp" => spikejit_exp as extern "C" fn(f64) -> f64,
        "spikejit_expf" => spikejit_expf as extern "C" fn(f32) -> f32,
        "spikejit_log" => spikejit_log as extern "C" fn(f64) -> f64,
        "spikejit_logf" => spikejit_logf as extern "C" fn(f32) -> f32,
        "spikejit_log10" => spikejit_log10 as extern "C" fn(f64) -> f64,
        "spikejit_log10f" => spikejit_log10f as extern "C" fn(f32) -> f32,
        "spikejit_sqrt" => spikejit_sqrt as extern "C" fn(f64) -> f64,
        "spikejit_sqrtf" => spikejit_sqrtf as extern "C" fn(f32) -> f32,
        "spikejit_sin" => spikejit_sin as extern "C" fn(f64) -> f64,
        "spikejit_sinf" => spikejit_sinf as extern "C" fn(f32) -> f32,
        "spikejit_cos" => spikejit_cos as extern "C" fn(f64) -> f64,
        "spikejit_cosf" => spikejit_cosf as extern "C" fn(f32) -> f32,
        "spikejit_tan" => spikejit_tan as extern "C" fn(f64) -> f64,
        "spikejit_tanf" => spikejit_tanf as extern "C" fn(f32) -> f32,
        "spikejit_sinh" => spikejit_sinh as extern "C" fn(f64) -> f64,
        "spikejit_sinhf" => spikejit_sinhf as extern "C" fn(f32) -> f32,
        "spikejit_cosh" => spikejit_cosh as extern "C" fn(f64) -> f64,
        "spikejit_coshf" => spikejit_coshf as extern "C" fn(f32) -> f32,
        "spikejit_tanh" => spikejit_tanh as extern "C" fn(f64) -> f64,
        "spikejit_tanhf" => spikejit_tanhf as extern "C" fn(f32) -> f32,
        "spikejit_asin" => spikejit_asin as extern "C" fn(f64) -> f64,
        "spikejit_asinf" => spikejit_asinf as extern "C" fn(f32) -> f32,
        "spikejit_acos" => spikejit_acos as extern "C" fn(f64) -> f64,
        "spikejit_acosf" => spikejit_acosf as extern "C" fn(f32) -> f32,
        "spikejit_atan" => spikejit_atan as extern "C" fn(f64) -> f64,
        "spikejit_atanf" => spikejit_atanf as extern "C" fn(f32) -> f32,
        "spikejit_expm1" => spikejit_expm1 as extern "C" fn(f64) -> f64,
        "spikejit_expm1f" => spikejit_expm1f as extern "C" fn(f32) -> f32,
        "spikejit_log1p" => spikejit_log1p as extern "C" fn(f64) -> f64,
        "spikejit_log1pf" => spikejit_log1pf as extern "C" fn(f32) -> f32,
        "spikejit_abs" => spikejit_abs as extern "C" fn(f64) -> f64,
        "spikejit_absf" => spikejit_absf as extern "C" fn(f32) -> f32,
        "spikejit_floor" => spikejit_floor as extern "C" fn(f64) -> f64,
        "spikejit_floorf" => spikejit_floorf as extern "C" fn(f32) -> f32,
        "spikejit_ceil" => spikejit_ceil as extern "C" fn(f64) -> f64,
        "spikejit_ceilf" => spikejit_ceilf as extern "C" fn(f32) -> f32,
        "spikejit_exprel" => spikejit_exprel as extern "C" fn(f64) -> f64,
        "spikejit_exprelf" => spikejit_exprelf as extern "C" fn(f32) -> f32,
        "spikejit_pow" => spikejit_pow as extern "C" fn(f64, f64) -> f64,
        "spikejit_powf" => spikejit_powf as extern "C" fn(f32, f32) -> f32,
        "spikejit_rand" => spikejit_rand as unsafe extern "C" fn(*mut Rng) -> f64,
        "spikejit_randn" => spikejit_randn as unsafe extern "C" fn(*mut Rng) -> f64,
        "spikejit_poisson" => spikejit_poisson as unsafe extern "C" fn(*mut Rng, f64) -> i64,
        "spikejit_binomial" => spikejit_binomial as unsafe extern "C" fn(*mut Rng, i64, f64) -> i64,
        "spikejit_geometric_skip" => spikejit_geometric_skip as unsafe extern "C" fn(*mut Rng, f64) -> i64,
        "spikejit_sample_size" => spikejit_sample_size
            as unsafe extern "C" fn(*mut Rng, *mut Context, i64, i64, i64, i64, i64) -> i64,
        "spikejit_sample_get" => spikejit_sample_get as unsafe extern "C" fn(*mut Context, i64) -> i64,
        "spikejit_push_synapse" => spikejit_push_synapse
            as unsafe extern "C" fn(*mut Context, i64, i64, i64) -> i64,
        "spikejit_report_error" => spikejit_report_error
            as unsafe extern "C" fn(*mut Context, i64, i64, i64) -> i64,
        "spikejit_fault" => spikejit_fault as unsafe extern "C" fn(*mut Context, i64, i64, i64, i64),
        "spikejit_report_value" => spikejit_report_value
            as unsafe extern "C" fn(*mut Context, i64, i64, i64, f64) -> i64,
        "floor" => spikejit_floor as extern "C" fn(f64) -> f64,
        "floorf" => spikejit_floorf as extern "C" fn(f32) -> f32,
        "ceil" => spikejit_ceil as extern "C" fn(f64) -> f64,
        "ceilf" => spikejit_ceilf as extern "C" fn(f32) -> f32,
        "fma" => spikejit_fma as extern "C" fn(f64, f64, f64) -> f64,
        "fmaf" => spikejit_fmaf as extern "C" fn(f32, f32, f32) -> f32,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: Vec<u64> = {
            let mut r = Rng::seed(42, 0);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::seed(42, 0);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::seed(42, 1);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let d: Vec<u64> = {
            let mut r = Rng::seed(43, 0);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn uniform_range_and_mean() {
        let mut r = Rng::seed(1, 2);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        let mean = sum / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::seed(7, 0);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
    }

    #[test]
    fn poisson_and_binomial_means() {
        let mut r = Rng::seed(3, 0);
        let n = 50_000;
        for l in [0.5, 5.0, 50.0] {
            let m = (0..n).map(|_| r.poisson(l)).sum::<i64>() as f64 / n as f64;
            assert!((m - l).abs() < 0.05 * l.max(1.0), "poisson {l}: {m}");
        }
        for (trials, p) in [(10, 0.3), (1000, 0.01), (1000, 0.9)] {
            let m = (0..n).map(|_| r.binomial(trials, p)).sum::<i64>() as f64 / n as f64;
            let e = trials as f64 * p;
            assert!((m - e).abs() < 0.05 * e.max(1.0), "binomial {trials} {p}: {m}");
        }
        assert_eq!(r.poisson(0.0), 0);
        assert_eq!(r.poisson(-1.0), 0);
        assert_eq!(r.poisson(f64::NAN), 0);
        assert_eq!(r.binomial(0, 0.5), 0);
        assert_eq!(r.binomial(-3, 0.5), 0);
        assert_eq!(r.binomial(7, 1.0), 7);
        assert_eq!(r.binomial(7, 0.0), 0);
        assert_eq!(r.binomial(7, f64::NAN), 0);
    }

    #[test]
    fn extreme_parameters_do_not_panic() {
        let mut r = Rng::seed(4, 4);
        for n in [1, 2, 1 << 20, 1 << 40, i64::MAX / 2, i64::MAX] {
            for p in [1e-300, 1e-10, 0.3, 0.5, 0.7, 1.0 - 1e-16, f64::MIN_POSITIVE] {
                let x = r.binomial(n, p);
                assert!((0..=n).contains(&x), "binomial({n}, {p}) = {x}");
            }
        }
        for l in [
            1e-300,
            1e-10,
            11.99,
            12.0,
            1e6,
            1e18,
            1.8e19,
            1e19,
            1e300,
            f64::INFINITY,
        ] {
            assert!(r.poisson(l) >= 0, "poisson({l})");
        }
        for p in [1e-300, f64::MIN_POSITIVE, 1e-10, 0.999_999] {
            assert!(r.geometric_skip(p) >= 0);
        }
    }

    #[test]
    fn binomial_cache_does_not_change_values() {
        let mut a = Rng::seed(9, 9);
        let mut b = Rng::seed(9, 9);
        for k in 0..100 {
            let x = a.binomial(100, 0.2);
            // Force a fresh set-up each time in `b`.
            b.binomial = None;
            let y = b.binomial(100, 0.2);
            assert_eq!(x, y, "draw {k}");
        }
    }

    #[test]
    fn geometric_skip_edges_and_mean() {
        let mut r = Rng::seed(5, 5);
        assert_eq!(r.geometric_skip(1.0), 0);
        assert_eq!(r.geometric_skip(2.0), 0);
        assert_eq!(r.geometric_skip(0.0), i64::MAX);
        assert_eq!(r.geometric_skip(-0.5), i64::MAX);
        assert_eq!(r.geometric_skip(f64::NAN), i64::MAX);
        let p = 0.1;
        let n = 100_000;
        let m = (0..n).map(|_| r.geometric_skip(p)).sum::<i64>() as f64 / n as f64;
        // Mean number of failures before a success: (1-p)/p = 9.
        assert!((m - 9.0).abs() < 0.2, "{m}");
    }

    #[test]
    fn below_is_in_range() {
        let mut r = Rng::seed(0, 0);
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..1000 {
                assert!(r.below(n) < n);
            }
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn range_len_matches_python() {
        assert_eq!(range_len(0, 10, 1), 10);
        assert_eq!(range_len(0, 10, 3), 4);
        assert_eq!(range_len(10, 0, 1), 0);
        assert_eq!(range_len(10, 0, -3), 4);
        assert_eq!(range_len(0, 10, -1), 0);
        assert_eq!(range_len(i64::MIN, i64::MAX, 1), u64::MAX);
    }

    fn sample(
        ctx: &mut Context,
        rng: &mut Rng,
        low: i64,
        high: i64,
        step: i64,
        size: i64,
        skip: bool,
    ) -> (i64, Vec<i64>) {
        let n = ctx.sample_size(rng, low, high, step, size, skip);
        (n, ctx.sample.clone())
    }

    #[test]
    fn sample_size_is_distinct_and_ordered() {
        let mut rng = Rng::seed(11, 0);
        let mut ctx = Context::new();
        // Both algorithms: dense (selection) and sparse (Floyd).
        for (low, high, step, size) in [
            (0, 10, 1, 5),
            (0, 10, 1, 10),
            (0, 1000, 1, 7),
            (5, 100, 3, 4),
            (100, 0, -7, 3),
            (100, 0, -1, 90),
        ] {
            let (n, s) = sample(&mut ctx, &mut rng, low, high, step, size, false);
            assert_eq!(n, size);
            assert_eq!(s.len() as i64, size);
            let all: Vec<i64> = if step > 0 {
                (low..high).step_by(step as usize).collect()
            } else {
                (high + 1..=low).rev().step_by((-step) as usize).collect()
            };
            for x in &s {
                assert!(all.contains(x), "{x} not in range({low}, {high}, {step})");
            }
            for w in s.windows(2) {
                if step > 0 {
                    assert!(w[0] < w[1], "{s:?}");
                } else {
                    assert!(w[0] > w[1], "{s:?}");
                }
            }
        }
        assert_eq!(ctx.error, None);
    }

    #[test]
    fn sample_size_is_uniform() {
        // Each element of range(0, 40) should be picked with probability 5/40.
        let mut rng = Rng::seed(12, 0);
        let mut ctx = Context::new();
        let mut counts = [0u32; 40];
        let reps = 20_000;
        for _ in 0..reps {
            ctx.sample_size(&mut rng, 0, 40, 1, 2, false);
            for &x in &ctx.sample {
                counts[x as usize] += 1;
            }
        }
        let expected = reps as f64 * 2.0 / 40.0;
        for c in counts {
            assert!((f64::from(c) - expected).abs() < 0.1 * expected, "{counts:?}");
        }
    }

    #[test]
    fn sample_size_errors() {
        let mut rng = Rng::seed(13, 0);
        let mut ctx = Context::new();
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 1, 5, false), -1);
        assert_eq!(
            ctx.take_error(),
            Some(ConnectError {
                code: error_code::SAMPLE_SIZE_TOO_LARGE,
                a: 5,
                b: 4,
                value: None
            })
        );
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 1, 5, true), 4);
        assert_eq!(ctx.sample, vec![0, 1, 2, 3]);
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 1, -2, false), -1);
        let e = ctx.take_error().map(|e| e.message());
        assert_eq!(e.as_deref(), Some("Requested sample size -2 is negative."));
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 1, -2, true), 0);
        assert!(ctx.sample.is_empty());
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 0, 1, true), -1);
        assert_eq!(ctx.take_error().map(|e| e.code), Some(error_code::ZERO_STEP));
        assert_eq!(ctx.sample_size(&mut rng, 0, 4, 1, 0, false), 0);
        assert_eq!(ctx.error, None);
    }

    #[test]
    fn push_and_report() {
        let mut ctx = Context::new();
        assert_eq!(ctx.push(1, 2, 3), 0);
        assert_eq!(ctx.push(4, 5, 0), 0);
        assert_eq!(ctx.pre, vec![1, 1, 1]);
        assert_eq!(ctx.post, vec![2, 2, 2]);
        assert_eq!(ctx.push(1, 2, -1), -1);
        assert_eq!(ctx.push(1, i64::MAX, 1), -1);
        // The first error wins.
        assert_eq!(ctx.error.map(|e| e.code), Some(error_code::NEGATIVE_COUNT));
        unsafe {
            spikejit_report_error(&mut ctx, 99, 1, 2);
        }
        assert_eq!(ctx.error.map(|e| e.code), Some(error_code::NEGATIVE_COUNT));
        ctx.clear();
        unsafe {
            spikejit_report_error(&mut ctx, 99, 1, 2);
        }
        assert_eq!(
            ctx.error,
            Some(ConnectError {
                code: 99,
                a: 1,
                b: 2,
                value: None
            })
        );
        let (pre, post) = ctx.take_synapses();
        assert!(pre.is_empty() && post.is_empty());
        assert_eq!(ctx.sample_get(0), -1);
    }

    #[test]
    fn reports_keep_the_offending_value() {
        let mut ctx = Context::new();
        // SAFETY: a valid context.
        unsafe { spikejit_report_value(&mut ctx, error_code::NEGATIVE_N, 3, 7, -1.0) };
        ctx.report_value(error_code::NEGATIVE_N, 0, 0, -5.0);
        let e = ctx.take_error();
        assert_eq!(e.and_then(|e| e.value), Some(-1.0));
        assert_eq!(
            e.map(|e| e.message()).as_deref(),
            Some("the number of synapses n is -1 for the pair i = 3, j = 7: it must not be negative")
        );
        ctx.report_value(error_code::NEGATIVE_N, 2, -1, -2.0);
        assert_eq!(
            ctx.take_error().map(|e| e.message()).as_deref(),
            Some("the number of synapses n is -2 for i = 2: it must not be negative")
        );
    }

    /// A probability outside [0, 1] goes on (Brian2's p > 1 is "always"),
    /// the first one kept for a warning; a NaN one is an error.
    #[test]
    fn out_of_range_probabilities_are_kept_not_errors() {
        let mut ctx = Context::new();
        ctx.report_value(error_code::PROBABILITY_OUT_OF_RANGE, 3, 7, 1.5);
        ctx.report_value(error_code::PROBABILITY_OUT_OF_RANGE, 4, 1, -0.5);
        assert_eq!(ctx.take_error(), None);
        let w = ctx.clipped_probability.take();
        assert_eq!(
            w.map(|e| e.message()).as_deref(),
            Some("the connection probability p is 1.5 for the pair i = 3, j = 7, outside [0, 1]")
        );
        ctx.report_value(error_code::PROBABILITY_OUT_OF_RANGE, 0, 1, f64::NAN);
        assert!(ctx.take_error().is_some_and(|e| e.value.is_some_and(f64::is_nan)));
    }

    #[test]
    fn pushes_stop_at_max_synapses() {
        let mut ctx = Context {
            max_synapses: Some(5),
            ..Context::default()
        };
        assert_eq!(ctx.push(0, 1, 3), 0);
        assert_eq!(ctx.push(0, 2, 2), 0);
        assert_eq!(ctx.push(0, 3, 1), -1);
        assert_eq!(ctx.pre.len(), 5);
        assert_eq!(
            ctx.take_error(),
            Some(ConnectError {
                code: error_code::TOO_MANY_SYNAPSES,
                a: 6,
                b: 5,
                value: None
            })
        );
    }

    #[test]
    fn exprel_c_semantics() {
        assert_eq!(spikejit_exprel(0.0), 1.0);
        assert_eq!(spikejit_exprel(1e-17), 1.0);
        assert_eq!(spikejit_exprel(718.0), f64::INFINITY);
        assert_eq!(spikejit_exprel(1.0), 1.0f64.exp_m1());
        assert!((spikejit_exprel(-1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-15);
        assert_eq!(spikejit_exprelf(0.0), 1.0);
        assert_eq!(spikejit_exprelf(100.0), f32::INFINITY);
        assert!(spikejit_exprel(f64::NAN).is_nan());
    }

    #[test]
    fn symbol_table_is_complete() {
        let syms = symbols();
        for &(func, s64, s32) in NAMES {
            assert!(syms.iter().any(|s| s.name == s64), "{func}: {s64}");
            assert!(syms.iter().any(|s| s.name == s32), "{func}: {s32}");
            assert_eq!(symbol_name(func, false), Some(s64));
            assert_eq!(symbol_name(func, true), Some(s32));
        }
        assert_eq!(symbol_name("nope", false), None);
        let mut names: Vec<&str> = syms.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), syms.len(), "duplicate symbols");
    }
}
