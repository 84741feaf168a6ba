//! The loops `spikejit bench --probe` times: STREAM's four kernels, chains of
//! multiply-adds, and calls of `exp` (`spikejit_exp`) as scalar JIT code makes them.
//!
//! On x86-64 the STREAM kernels load and store 16 bytes at a time (SSE2
//! `movupd`, the width of the JIT's two-lane loops) and the flop chains are
//! written instruction by instruction, so that the compiler can neither turn
//! a copy into `memcpy` nor pack twelve scalar chains into vectors: each
//! figure is the rate of the instructions its name says.

use serde::{Deserialize, Serialize};

/// STREAM's scalar `q` (`scale`: b = q·c, `triad`: a = b + q·c). One round
/// of STREAM's four kernels multiplies the arrays' values by q·(2 + q) = 15;
/// repeating one of them changes nothing (its destination is not its
/// source), and `update` averages: no value overflows or goes subnormal in
/// the probe's rounds.
pub const Q: f64 = 3.0;

/// STREAM's four kernels over three arrays `a`, `b`, `c`, and an update in
/// place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKernel {
    /// c = a
    Copy,
    /// b = q·c
    Scale,
    /// c = a + b
    Add,
    /// a = b + q·c
    Triad,
    /// a, b, c = (a + b)/2, (b + c)/2, (c + a)/2, in place: every array read
    /// and written, every line written after it was read, so no store first
    /// reads its line (write-allocate), as in a state update (CUBA reads and
    /// writes `v`, `ge`, `gi`). Not STREAM's; its bytes are the memory's
    /// traffic, where copy, scale, add and triad move a third to a half more
    /// than they count.
    Update,
}

impl StreamKernel {
    /// STREAM's four in STREAM's order, then the update.
    pub const ALL: [StreamKernel; 5] = [
        StreamKernel::Copy,
        StreamKernel::Scale,
        StreamKernel::Add,
        StreamKernel::Triad,
        StreamKernel::Update,
    ];

    /// The kernel's name, as STREAM prints it (lower case).
    pub fn name(self) -> &'static str {
        match self {
            StreamKernel::Copy => "copy",
            StreamKernel::Scale => "scale",
            StreamKernel::Add => "add",
            StreamKernel::Triad => "triad",
            StreamKernel::Update => "update",
        }
    }

    /// Bytes per element as STREAM counts them: every array the kernel reads
    /// once, and the one it writes once. The cache line a store first reads
    /// (write-allocate) is not counted, as STREAM does not.
    pub fn bytes_per_element(self) -> u64 {
        match self {
            StreamKernel::Copy | StreamKernel::Scale => 2 * 8,
            StreamKernel::Add | StreamKernel::Triad => 3 * 8,
            StreamKernel::Update => 6 * 8,
        }
    }

    /// Floating-point operations per element (a multiply-add counts two).
    pub fn flops_per_element(self) -> u64 {
        match self {
            StreamKernel::Copy => 0,
            StreamKernel::Scale | StreamKernel::Add => 1,
            StreamKernel::Triad => 2,
            StreamKernel::Update => 6,
        }
    }
}

/// Two f64 on a 16-byte boundary: the unit the STREAM kernels load and store.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(16))]
pub struct Pair(pub [f64; 2]);

/// STREAM's three arrays, of one thread's share of the elements.
pub struct StreamArrays {
    a: Vec<Pair>,
    b: Vec<Pair>,
    c: Vec<Pair>,
}

impl StreamArrays {
    /// Three arrays of `n` elements (rounded down to an even number, for the
    /// 16-byte loads), with STREAM's initial values a = 1, b = 2, c = 0,
    /// written here so that the pages belong to the thread that makes them.
    pub fn new(n: usize) -> StreamArrays {
        let pairs = n / 2;
        StreamArrays {
            a: vec![Pair([1.0; 2]); pairs],
            b: vec![Pair([2.0; 2]); pairs],
            c: vec![Pair([0.0; 2]); pairs],
        }
    }

    /// Elements per array.
    pub fn len(&self) -> usize {
        2 * self.a.len()
    }

    /// True when the arrays have no element.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// One pass of `kernel` over the arrays.
    pub fn run(&mut self, kernel: StreamKernel) {
        let StreamArrays { a, b, c } = self;
        match kernel {
            StreamKernel::Copy => copy(a, c),
            StreamKernel::Scale => scale(c, b),
            StreamKernel::Add => add(a, b, c),
            StreamKernel::Triad => triad(b, c, a),
            StreamKernel::Update => update(a, b, c),
        }
    }

    /// The arrays `a`, `b`, `c` (to check the kernels, and to hide the
    /// results from the optimiser).
    pub fn arrays(&self) -> [&[Pair]; 3] {
        [&self.a, &self.b, &self.c]
    }
}

#[cfg(target_arch = "x86_64")]
mod stream {
    use super::Pair;
    use std::arch::x86_64::{__m128d, _mm_add_pd, _mm_mul_pd, _mm_set1_pd};

    // Volatile, so that LLVM keeps each load and store one 16-byte `movapd`:
    // no `memcpy` for the copy, no wider vectors.
    #[target_feature(enable = "sse2")]
    #[inline]
    fn load(p: &Pair) -> __m128d {
        // SAFETY: a Pair is 16 bytes on a 16-byte boundary, as __m128d.
        unsafe { std::ptr::read_volatile(std::ptr::from_ref(p).cast::<__m128d>()) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn store(p: &mut Pair, x: __m128d) {
        // SAFETY: as in `load`.
        unsafe { std::ptr::write_volatile(std::ptr::from_mut(p).cast::<__m128d>(), x) }
    }

    #[target_feature(enable = "sse2")]
    fn copy_sse2(src: &[Pair], dst: &mut [Pair]) {
        for (d, s) in dst.iter_mut().zip(src) {
            store(d, load(s));
        }
    }

    #[target_feature(enable = "sse2")]
    fn scale_sse2(src: &[Pair], dst: &mut [Pair]) {
        let q = _mm_set1_pd(super::Q);
        for (d, s) in dst.iter_mut().zip(src) {
            store(d, _mm_mul_pd(q, load(s)));
        }
    }

    #[target_feature(enable = "sse2")]
    fn add_sse2(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        for ((d, x), y) in dst.iter_mut().zip(x).zip(y) {
            store(d, _mm_add_pd(load(x), load(y)));
        }
    }

    #[target_feature(enable = "sse2")]
    fn triad_sse2(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        let q = _mm_set1_pd(super::Q);
        for ((d, x), y) in dst.iter_mut().zip(x).zip(y) {
            store(d, _mm_add_pd(load(x), _mm_mul_pd(q, load(y))));
        }
    }

    #[target_feature(enable = "sse2")]
    fn update_sse2(a: &mut [Pair], b: &mut [Pair], c: &mut [Pair]) {
        let half = _mm_set1_pd(0.5);
        for ((a, b), c) in a.iter_mut().zip(b.iter_mut()).zip(c.iter_mut()) {
            let (x, y, z) = (load(a), load(b), load(c));
            store(a, _mm_mul_pd(half, _mm_add_pd(x, y)));
            store(b, _mm_mul_pd(half, _mm_add_pd(y, z)));
            store(c, _mm_mul_pd(half, _mm_add_pd(z, x)));
        }
    }

    // SAFETY (the five below): every x86-64 CPU has SSE2.
    pub fn copy(src: &[Pair], dst: &mut [Pair]) {
        unsafe { copy_sse2(src, dst) }
    }
    pub fn scale(src: &[Pair], dst: &mut [Pair]) {
        unsafe { scale_sse2(src, dst) }
    }
    pub fn add(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        unsafe { add_sse2(x, y, dst) }
    }
    pub fn triad(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        unsafe { triad_sse2(x, y, dst) }
    }
    pub fn update(a: &mut [Pair], b: &mut [Pair], c: &mut [Pair]) {
        unsafe { update_sse2(a, b, c) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod stream {
    use super::{Pair, Q};

    pub fn copy(src: &[Pair], dst: &mut [Pair]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
    pub fn scale(src: &[Pair], dst: &mut [Pair]) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = Pair(s.0.map(|v| Q * v));
        }
    }
    pub fn add(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        for ((d, x), y) in dst.iter_mut().zip(x).zip(y) {
            *d = Pair([x.0[0] + y.0[0], x.0[1] + y.0[1]]);
        }
    }
    pub fn triad(x: &[Pair], y: &[Pair], dst: &mut [Pair]) {
        for ((d, x), y) in dst.iter_mut().zip(x).zip(y) {
            *d = Pair([x.0[0] + Q * y.0[0], x.0[1] + Q * y.0[1]]);
        }
    }
    pub fn update(a: &mut [Pair], b: &mut [Pair], c: &mut [Pair]) {
        for ((a, b), c) in a.iter_mut().zip(b.iter_mut()).zip(c.iter_mut()) {
            let (x, y, z) = (*a, *b, *c);
            *a = Pair([0.5 * (x.0[0] + y.0[0]), 0.5 * (x.0[1] + y.0[1])]);
            *b = Pair([0.5 * (y.0[0] + z.0[0]), 0.5 * (y.0[1] + z.0[1])]);
            *c = Pair([0.5 * (z.0[0] + x.0[0]), 0.5 * (z.0[1] + x.0[1])]);
        }
    }
}

use stream::{add, copy, scale, triad, update};

/// Independent chains per flop kernel: enough to cover the latency of a
/// multiply followed by an add (8 cycles) at two of each per cycle, within
/// the 16 vector registers of x86-64.
pub const CHAINS: usize = 12;

/// A kind of floating-point instruction the probe times: each chain step is
/// x ← x·m + c on every lane, or for divisions x ← x / m / c (two
/// divisions: with c = 1/m the values stay near where they start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlopKind {
    /// `mulsd` then `addsd`: scalar code, as the JIT's scalar loops.
    ScalarMulAdd,
    /// `mulpd` then `addpd` on f64x2 (SSE2): the JIT's two-lane loops.
    F64x2MulAdd,
    /// `vfmadd…pd` on f64x2 (FMA3): what a contracting compiler emits.
    F64x2Fma,
    /// `vfmadd…pd` on f64x4 (AVX2 + FMA3): what g++ -O3 -march=native reaches.
    F64x4Fma,
    /// `divsd`: COBAHH's divisions by non-constants.
    ScalarDiv,
    /// `divpd` on f64x2 (SSE2).
    F64x2Div,
}

impl FlopKind {
    /// Every kind, multiply-adds narrowest first, then divisions.
    pub const ALL: [FlopKind; 6] = [
        FlopKind::ScalarMulAdd,
        FlopKind::F64x2MulAdd,
        FlopKind::F64x2Fma,
        FlopKind::F64x4Fma,
        FlopKind::ScalarDiv,
        FlopKind::F64x2Div,
    ];

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            FlopKind::ScalarMulAdd => "scalar mul+add (mulsd, addsd)",
            FlopKind::F64x2MulAdd => "f64x2 mul+add (SSE2 mulpd, addpd)",
            FlopKind::F64x2Fma => "f64x2 FMA (FMA3, xmm)",
            FlopKind::F64x4Fma => "f64x4 FMA (AVX2 + FMA3, ymm)",
            FlopKind::ScalarDiv => "scalar division (divsd)",
            FlopKind::F64x2Div => "f64x2 division (SSE2 divpd)",
        }
    }

    /// f64 lanes per instruction.
    pub fn lanes(self) -> usize {
        match self {
            FlopKind::ScalarMulAdd | FlopKind::ScalarDiv => 1,
            FlopKind::F64x2MulAdd | FlopKind::F64x2Fma | FlopKind::F64x2Div => 2,
            FlopKind::F64x4Fma => 4,
        }
    }

    /// Flops of one step of all chains: a multiply and an add per lane (a
    /// fused multiply-add counting two), or two divisions.
    pub fn flops_per_step(self) -> u64 {
        (CHAINS * self.lanes() * 2) as u64
    }

    /// Whether the kind divides (a step of its chains is x ← x / m / c).
    pub fn divides(self) -> bool {
        matches!(self, FlopKind::ScalarDiv | FlopKind::F64x2Div)
    }

    /// The steps of one timed sample when multiply-adds take `steps`: an
    /// eighth for divisions, which run about a tenth as fast.
    pub fn sample_steps(self, steps: u64) -> u64 {
        if self.divides() { (steps / 8).max(1) } else { steps }
    }

    /// Whether this CPU runs the kind.
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                FlopKind::ScalarMulAdd | FlopKind::F64x2MulAdd | FlopKind::ScalarDiv | FlopKind::F64x2Div => true,
                FlopKind::F64x2Fma => is_x86_feature_detected!("fma"),
                FlopKind::F64x4Fma => is_x86_feature_detected!("fma") && is_x86_feature_detected!("avx2"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Runs `steps` steps of the [`CHAINS`] chains, lane `l` of chain `j`
    /// starting from `x[j * lanes + l]`, and leaves the results in `x`
    /// (`CHAINS * lanes` values). Does nothing where the kind is not
    /// [`available`](Self::available).
    pub fn run(self, steps: u64, x: &mut [f64], m: f64, c: f64) {
        assert_eq!(x.len(), CHAINS * self.lanes(), "one value per chain and lane");
        if steps == 0 || !self.available() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        match self {
            FlopKind::ScalarMulAdd => flops::scalar_mul_add(steps, x, m, c),
            FlopKind::ScalarDiv => flops::scalar_div(steps, x, m, c),
            // SAFETY: every x86-64 CPU has SSE2.
            FlopKind::F64x2MulAdd => unsafe { flops::f64x2_mul_add(steps, x, m, c) },
            // SAFETY: as above.
            FlopKind::F64x2Div => unsafe { flops::f64x2_div(steps, x, m, c) },
            // SAFETY: available() checked the CPU's features.
            FlopKind::F64x2Fma => unsafe { flops::f64x2_fma(steps, x, m, c) },
            // SAFETY: as above.
            FlopKind::F64x4Fma => unsafe { flops::f64x4_fma(steps, x, m, c) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod flops {
    use super::CHAINS;
    use std::arch::asm;
    use std::arch::x86_64::*;

    /// Twelve scalar chains of two instructions per step (`$first x, m`
    /// then `$second x, c`), written out so that LLVM cannot pack them into
    /// vectors (its SLP vectoriser would). `steps` > 0.
    macro_rules! scalar_chains {
        ($(#[$doc:meta])* $name:ident: $first:literal, $second:literal) => {
            $(#[$doc])*
            pub fn $name(steps: u64, x: &mut [f64], m: f64, c: f64) {
                let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6, mut a7, mut a8, mut a9, mut a10, mut a11] =
                    <[f64; CHAINS]>::try_from(&x[..]).unwrap_or([0.0; CHAINS]);
                // SAFETY: register arithmetic only; the loop runs `steps` > 0 times.
                unsafe {
                    asm!(
                        "2:",
                        concat!($first, " {a0}, {m}"), concat!($second, " {a0}, {c}"),
                        concat!($first, " {a1}, {m}"), concat!($second, " {a1}, {c}"),
                        concat!($first, " {a2}, {m}"), concat!($second, " {a2}, {c}"),
                        concat!($first, " {a3}, {m}"), concat!($second, " {a3}, {c}"),
                        concat!($first, " {a4}, {m}"), concat!($second, " {a4}, {c}"),
                        concat!($first, " {a5}, {m}"), concat!($second, " {a5}, {c}"),
                        concat!($first, " {a6}, {m}"), concat!($second, " {a6}, {c}"),
                        concat!($first, " {a7}, {m}"), concat!($second, " {a7}, {c}"),
                        concat!($first, " {a8}, {m}"), concat!($second, " {a8}, {c}"),
                        concat!($first, " {a9}, {m}"), concat!($second, " {a9}, {c}"),
                        concat!($first, " {a10}, {m}"), concat!($second, " {a10}, {c}"),
                        concat!($first, " {a11}, {m}"), concat!($second, " {a11}, {c}"),
                        "dec {n}",
                        "jnz 2b",
                        n = inout(reg) steps => _,
                        m = in(xmm_reg) m,
                        c = in(xmm_reg) c,
                        a0 = inout(xmm_reg) a0, a1 = inout(xmm_reg) a1, a2 = inout(xmm_reg) a2,
                        a3 = inout(xmm_reg) a3, a4 = inout(xmm_reg) a4, a5 = inout(xmm_reg) a5,
                        a6 = inout(xmm_reg) a6, a7 = inout(xmm_reg) a7, a8 = inout(xmm_reg) a8,
                        a9 = inout(xmm_reg) a9, a10 = inout(xmm_reg) a10, a11 = inout(xmm_reg) a11,
                        options(pure, nomem, nostack),
                    );
                }
                x.copy_from_slice(&[a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]);
            }
        };
    }

    scalar_chains!(
        /// x ← x·m + c.
        scalar_mul_add: "mulsd", "addsd"
    );
    scalar_chains!(
        /// x ← x / m / c.
        scalar_div: "divsd", "divsd"
    );

    /// Twelve chains of `f64x2` values, `$step` each step (with `$a` the
    /// chain's value, `$m` and `$c` the two operands on both lanes).
    macro_rules! f64x2_chains {
        ($name:ident, $feature:literal, |$a:ident, $m:ident, $c:ident| $step:expr) => {
            #[target_feature(enable = $feature)]
            pub unsafe fn $name(steps: u64, x: &mut [f64], m: f64, c: f64) {
                let ($m, $c) = (_mm_set1_pd(m), _mm_set1_pd(c));
                let mut acc = [_mm_setzero_pd(); CHAINS];
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = _mm_set_pd(x[2 * j + 1], x[2 * j]);
                }
                for _ in 0..steps {
                    for a in acc.iter_mut() {
                        let $a = *a;
                        *a = $step;
                    }
                }
                for (j, a) in acc.iter().enumerate() {
                    let mut out = [0.0; 2];
                    // SAFETY: out holds two f64.
                    unsafe { _mm_storeu_pd(out.as_mut_ptr(), *a) };
                    x[2 * j..2 * j + 2].copy_from_slice(&out);
                }
            }
        };
    }

    f64x2_chains!(f64x2_div, "sse2", |a, m, c| _mm_div_pd(_mm_div_pd(a, m), c));
    f64x2_chains!(f64x2_mul_add, "sse2", |a, m, c| _mm_add_pd(_mm_mul_pd(a, m), c));
    f64x2_chains!(f64x2_fma, "fma", |a, m, c| _mm_fmadd_pd(a, m, c));

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn f64x4_fma(steps: u64, x: &mut [f64], m: f64, c: f64) {
        let (mv, cv) = (_mm256_set1_pd(m), _mm256_set1_pd(c));
        let mut acc = [_mm256_setzero_pd(); CHAINS];
        for (j, a) in acc.iter_mut().enumerate() {
            *a = _mm256_set_pd(x[4 * j + 3], x[4 * j + 2], x[4 * j + 1], x[4 * j]);
        }
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_pd(*a, mv, cv);
            }
        }
        for (j, a) in acc.iter().enumerate() {
            let mut out = [0.0; 4];
            // SAFETY: out holds four f64.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), *a) };
            x[4 * j..4 * j + 4].copy_from_slice(&out);
        }
    }
}

/// `out[i] = f(xs[i])` through a function pointer the compiler cannot see
/// through, as JIT code calls `exp`: independent calls, so the figure is
/// the throughput.
pub fn call_each(f: extern "C" fn(f64) -> f64, xs: &[f64], out: &mut [f64]) {
    let f = std::hint::black_box(f);
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = f(x);
    }
}

/// `n` calls x ← f(-x) from `x0`, each waiting for the one before: the
/// latency of a call (with one negation). For `exp` it converges to the
/// omega constant, 0.567…
pub fn call_chain(f: extern "C" fn(f64) -> f64, x0: f64, n: u64) -> f64 {
    let f = std::hint::black_box(f);
    let mut x = x0;
    for _ in 0..n {
        x = f(-x);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_accounting() {
        use StreamKernel::*;
        let bytes: Vec<u64> = StreamKernel::ALL.iter().map(|k| k.bytes_per_element()).collect();
        assert_eq!(bytes, [16, 16, 24, 24, 48]);
        let flops: Vec<u64> = StreamKernel::ALL.iter().map(|k| k.flops_per_element()).collect();
        assert_eq!(flops, [0, 1, 1, 2, 6]);
        assert_eq!(
            [Copy.name(), Scale.name(), Add.name(), Triad.name(), Update.name()],
            ["copy", "scale", "add", "triad", "update"]
        );
    }

    #[test]
    fn stream_kernels_compute_what_stream_does() {
        // an odd length is rounded down to even
        let mut s = StreamArrays::new(11);
        assert_eq!(s.len(), 10);
        for k in StreamKernel::ALL {
            s.run(k);
        }
        // STREAM's check: c = a = 1, b = 3c = 3, c = a + b = 4, a = b + 3c = 15;
        // then a, b, c = (15 + 3)/2, (3 + 4)/2, (4 + 15)/2
        let [a, b, c] = s.arrays();
        assert!(a.iter().all(|&x| x == Pair([9.0; 2])), "{a:?}");
        assert!(b.iter().all(|&x| x == Pair([3.5; 2])), "{b:?}");
        assert!(c.iter().all(|&x| x == Pair([9.5; 2])), "{c:?}");
        // a STREAM kernel repeated changes nothing: a = 3.5 + 3·9.5
        s.run(StreamKernel::Triad);
        s.run(StreamKernel::Triad);
        assert!(s.arrays()[0].iter().all(|&x| x == Pair([32.0; 2])));
        // the update tends to the mean
        for _ in 0..200 {
            s.run(StreamKernel::Update);
        }
        let mean = (32.0 + 3.5 + 9.5) / 3.0;
        assert!(
            s.arrays()
                .iter()
                .all(|v| v.iter().all(|x| (x.0[0] - mean).abs() < 1e-9))
        );
    }

    #[test]
    fn flop_chains_compute_their_recurrence() {
        let steps = 1000;
        for kind in FlopKind::ALL {
            let divides = kind.divides();
            let (m, c) = if divides { (0.75, 1.0 / 0.75) } else { (0.75, 0.125) };
            assert_eq!(kind.flops_per_step(), (CHAINS * kind.lanes() * 2) as u64);
            if !kind.available() {
                continue;
            }
            let start: Vec<f64> = (0..CHAINS * kind.lanes()).map(|k| 1.0 + k as f64 / 8.0).collect();
            let mut x = start.clone();
            kind.run(steps, &mut x, m, c);
            let fused = matches!(kind, FlopKind::F64x2Fma | FlopKind::F64x4Fma);
            for (got, &x0) in x.iter().zip(&start) {
                let mut want = x0;
                for _ in 0..steps {
                    want = if divides {
                        want / m / c
                    } else if fused {
                        want.mul_add(m, c)
                    } else {
                        want * m + c
                    };
                }
                assert_eq!(got.to_bits(), want.to_bits(), "{kind:?} from {x0}");
            }
            // zero steps leave the values
            let mut y = start.clone();
            kind.run(0, &mut y, m, c);
            assert_eq!(y, start);
        }
    }

    #[test]
    fn exp_calls_are_the_runtimes() {
        let xs = [-1.0, 0.0, 0.5];
        let mut out = [0.0; 3];
        call_each(spikejit_runtime::spikejit_exp, &xs, &mut out);
        assert_eq!(out, xs.map(f64::exp));
        let w = call_chain(spikejit_runtime::spikejit_exp, 1.0, 200);
        assert!((w - 0.567_143_290_409_783_8).abs() < 1e-12, "{w}");
    }
}
