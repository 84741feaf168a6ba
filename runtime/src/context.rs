//! What connect kernels write to and report through: the [`Context`] with the
//! synapses they create, the sample buffer of `sample(..., size=...)`, the
//! first error ([`ConnectError`], [`error_code`]) and the faults of checked
//! operations ([`Fault`], [`fault_code`]). Its own room because it is the
//! state a kernel shares with its caller, apart from the numbers it draws.

use crate::Rng;

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
    /// A connection probability [`ConnectError::value`](crate::ConnectError::value) outside `[0, 1]` for the
    /// pair `(a, b)` (-1 for a side it does not depend on; reported by generated code).
    pub const PROBABILITY_OUT_OF_RANGE: i64 = 10;
    /// A negative number of synapses [`ConnectError::value`](crate::ConnectError::value) for the pair `(a, b)`
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
    /// On a rank of a partitioned network: the target (post) indices, as
    /// pushed, of the synapses this rank keeps (`lo..hi`); the others are
    /// counted, not stored.
    pub keep_post: Option<(i64, i64)>,
    /// The synapses pushed so far, kept or not: with `keep_post`, the next
    /// synapse's index among all that the connect makes.
    pub pushed: u64,
    /// With `keep_post`: the index of each kept synapse among all that the
    /// connect makes.
    pub kept: Vec<u64>,
    /// When set (a rank that visits only the candidates onto its targets):
    /// the synapses kept for each source (pre) index, in place of `kept`.
    pub kept_by_source: Option<Vec<u64>>,
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
        if let Some((lo, hi)) = self.keep_post {
            let first = self.pushed;
            self.pushed += n as u64;
            if j < lo || j >= hi {
                return 0;
            }
            match &mut self.kept_by_source {
                Some(by) => {
                    if let Some(c) = usize::try_from(i).ok().and_then(|i| by.get_mut(i)) {
                        *c += n as u64;
                    }
                }
                None => self.kept.extend(first..first + n as u64),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{spikejit_report_error, spikejit_report_value};

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
}
