//! Random numbers: value-stable streams keyed by `(seed, stream)` and, within
//! a kernel, by the step and the element that draws, with the sampling helpers
//! kernels call (uniform, normal, Poisson, binomial, geometric skips). Its own
//! room because every backend and the checkpoint draw on it, whatever the
//! kernel.
//!
//! Why keyed (issue 17): a number an element draws must not depend on which
//! thread or which MPI rank runs the element, nor on the elements run before
//! it. A kernel therefore re-keys its stream at each element
//! ([`Rng::at`]) from the step key ([`Rng::begin_step`]), and a draw is a pure
//! function of (seed, stream, step, element, draws before it by that element
//! in that step). Geometric jumps over a sequence of elements come from a
//! second stream keyed by a fixed block of elements ([`Rng::jump_at`]), so
//! that the jumps do not depend on how the elements are split either.

use rand::Rng as _;
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};
use rand_pcg::Pcg64Mcg;

/// One random-number stream. Value-stable: the same `(seed, stream)` gives the
/// same numbers on every machine and in every backend.
///
/// Besides the generator it caches the set-up of the last binomial and Poisson
/// distribution, because kernels typically draw many numbers with the same
/// parameters (PoissonInput draws `binomial(N, p)` for every target, every step)
/// and the set-up costs a `pow`/`log` (for a binomial of small mean, a table of
/// its distribution function). How a number is drawn depends only on the
/// parameters, never on the cache: it does not change the numbers.
#[derive(Clone, Debug)]
pub struct Rng {
    // Crate-visible for the checkpoint's `Rng::state`/`Rng::from_state`.
    /// The stream uniform, normal, Poisson and binomial draws come from.
    pub(crate) pcg: Pcg64Mcg,
    /// The stream geometric skips come from.
    pub(crate) jumps: Pcg64Mcg,
    /// The key of `(seed, stream)`.
    pub(crate) key: u64,
    /// The key of `(seed, stream)` and the current step.
    pub(crate) step_key: u64,
    /// Element numbers as keyed by [`Rng::at`]: `map[a]` for element `a`
    /// (a rank's synapses, numbered as all ranks' are), else `a` itself.
    pub(crate) map: Option<std::sync::Arc<[u64]>>,
    /// The element [`Rng::at_in_range`] would continue the current run with
    /// (`i64::MIN`: no run).
    pub(crate) next: i64,
    /// Whether [`Rng::at_in_range`] continues runs (a neuron group's
    /// kernels; not a synapses object's, whose elements a rank does not hold
    /// in runs of [`JUMP_BLOCK`]).
    pub(crate) runs: bool,
    pub(crate) binomial: Option<BinomialSetup>,
    pub(crate) poisson: Option<(u64, Poisson<f64>)>,
}

/// The largest mean `n·p` sampled from a table of the distribution function
/// (with `p <= 0.5`): the search then takes at most a few comparisons, and
/// `(1-p)^n >= e^-11` keeps every term of the table far from underflow.
const TABLE_MAX_MEAN: f64 = 8.0;

/// The set-up of a binomial's parameters `(n, p)`, kept for the next draw.
#[derive(Clone, Debug)]
pub(crate) struct BinomialSetup {
    n: i64,
    p_bits: u64,
    method: BinomialMethod,
}

/// How a binomial is drawn: which one depends only on `(n, p)`, so that the
/// same parameters give the same numbers whatever was drawn before.
#[derive(Clone, Debug)]
enum BinomialMethod {
    /// Inversion of a table of the distribution function: one uniform draw and
    /// a search from 0, about `n·p + 1` comparisons (PoissonInput's
    /// `binomial(N, rate·dt)`: N·p is 2 in Brunel's network). `cdf[k]` is
    /// P(X <= k), the last entry set to 1 where the terms left are below
    /// 2^-56 of it.
    Table(Vec<f64>),
    /// rand_distr's sampler (BTPE for large means).
    Sampler(Binomial),
}

impl BinomialMethod {
    /// The method for `(n, p)` with `0 < p < 1`, reusing the table's memory
    /// of `old` (no allocation on the hot path once it has grown).
    fn new(n: i64, p: f64, old: Option<BinomialMethod>) -> Option<BinomialMethod> {
        if p > 0.5 || n as f64 * p > TABLE_MAX_MEAN {
            return Binomial::new(n as u64, p).ok().map(BinomialMethod::Sampler);
        }
        let mut cdf = match old {
            Some(BinomialMethod::Table(v)) => v,
            _ => Vec::new(),
        };
        cdf.clear();
        let mean = n as f64 * p;
        let ratio = p / (1.0 - p);
        // P(X = 0) = (1-p)^n, then P(X = k+1) = P(X = k)·(n-k)/(k+1)·p/(1-p).
        let mut pmf = libm::exp(n as f64 * libm::log1p(-p));
        let mut sum = 0.0;
        let mut k: i64 = 0;
        loop {
            sum += pmf;
            cdf.push(sum);
            // Past the mean the terms fall geometrically: stop once the rest
            // cannot reach one draw's resolution.
            if k == n || (k as f64 > mean && pmf < sum * f64::EPSILON / 16.0) {
                break;
            }
            pmf *= (n - k) as f64 / (k + 1) as f64 * ratio;
            k += 1;
        }
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        Some(BinomialMethod::Table(cdf))
    }
}

/// A uniform draw in [0, 1): the top 53 bits of the next output.
#[inline]
fn unit(pcg: &mut Pcg64Mcg) -> f64 {
    (pcg.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// SplitMix64's output function: a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Mixed into the key of a jump stream, so that it never equals an element
/// stream of the same numbers.
const JUMP_SALT: u64 = 0x5851_f42d_4c95_7f2d;

/// The element that keys the draws a kernel makes outside any element (a
/// shared variable's update): no element has this index.
pub const SHARED: i64 = -1;

/// The number of elements whose geometric jumps come from one jump stream
/// (a `rand() < P` threshold jumps block by block): elements are split over
/// threads and ranks at multiples of it, so that every block is run whole by
/// one thread of one rank.
pub const JUMP_BLOCK: usize = 64;

/// The number of candidates of a connect's `sample(..., p=...)` whose
/// geometric jumps come from one jump stream, keyed by the outer element and
/// the block: the candidates of one block may be made without those of the
/// others (a rank makes only the synapses onto its targets).
pub const CANDIDATE_BLOCK: usize = 4096;

/// The second number of the key of an outer element's own draws in a connect
/// (`sample(..., size=...)`), whose candidates key theirs by `(outer,
/// candidate)`: no candidate has this value.
pub const OUTER: i64 = i64::MIN;

/// The PCG generator keyed by `key` and the pair `(a, b)`: unrelated states for
/// neighbouring keys and pairs (`a` and then `b` pass through SplitMix64's
/// mixer; the low half of the 128-bit state is the high half times an odd
/// constant, so that the multiplicative generator's first outputs mix both).
/// Kernels key every element that draws, so this is on their hot path: two
/// mixes, not three (a PoissonInput's binomial per target: 3 ns a target
/// with three).
#[inline]
fn keyed(key: u64, a: i64, b: i64) -> Pcg64Mcg {
    let x = mix64(key ^ (a as u64).wrapping_mul(GOLDEN));
    let y = mix64(x ^ (b as u64).wrapping_add(0x632b_e59b_d9b4_e019).wrapping_mul(GOLDEN));
    Pcg64Mcg::new((u128::from(y) << 64) | u128::from(y.wrapping_mul(0xd1b5_4a32_d192_ed03) ^ key))
}

impl Rng {
    /// The stream `stream` of seed `seed`, at step 0 ([`Rng::begin_step`]).
    /// Streams of one seed are independent for practical purposes: the keys are
    /// derived from both numbers through SplitMix64, so neighbouring seeds or
    /// streams give unrelated states.
    pub fn seed(seed: u64, stream: u64) -> Rng {
        let a = mix64(seed.wrapping_add(GOLDEN));
        let key = mix64(a ^ stream.wrapping_mul(GOLDEN).wrapping_add(0x632b_e59b_d9b4_e019));
        let mut r = Rng {
            pcg: Pcg64Mcg::new(0),
            jumps: Pcg64Mcg::new(0),
            key,
            step_key: 0,
            map: None,
            next: i64::MIN,
            runs: true,
            binomial: None,
            poisson: None,
        };
        r.begin_step(0);
        r
    }

    /// Keys the stream by `step` (a kernel's draws in one time step): the draws
    /// that follow, until [`Rng::at`], are those of the element [`SHARED`] in
    /// that step.
    #[inline]
    pub fn begin_step(&mut self, step: u64) {
        self.step_key = mix64(self.key ^ mix64(step.wrapping_add(GOLDEN)));
        self.next = i64::MIN;
        self.pcg = keyed(self.step_key, SHARED, 0);
        self.jumps = keyed(self.step_key ^ JUMP_SALT, SHARED, 0);
    }

    /// Keys the draws that follow by the element `(a, b)` of the current step:
    /// an element of a group or a synapse `(i, 0)`, a candidate pair of a
    /// connect `(i, j)`. Only the generator changes: cached distribution
    /// set-ups stay, as they never change the numbers.
    #[inline]
    pub fn at(&mut self, a: i64, b: i64) {
        let a = match &self.map {
            Some(m) if a >= 0 => m.get(a as usize).map_or(a, |&g| g as i64),
            _ => a,
        };
        self.pcg = keyed(self.step_key, a, b);
        self.next = i64::MIN;
    }

    /// Keys the draws of element `a` of a range loop (`for a in start..end`,
    /// every element in turn): the element that starts a run of
    /// [`JUMP_BLOCK`] (a multiple of it, or the first of the range) is keyed
    /// as [`Rng::at`]`(a, 0)` does, and the others of its run continue its
    /// stream, so that keying costs one derivation per run instead of one per
    /// element. What an element draws then depends on the elements before it
    /// in its run: ranges are split over threads and ranks at multiples of
    /// [`JUMP_BLOCK`], so that every run is drawn whole, in order, by one of
    /// them. Without runs ([`Rng::set_runs`]), as [`Rng::at`].
    #[inline]
    pub fn at_in_range(&mut self, a: i64) {
        if self.runs && a == self.next && a & (JUMP_BLOCK as i64 - 1) != 0 {
            self.next = a + 1;
            return;
        }
        self.at(a, 0);
        self.next = a + 1;
    }

    /// Whether [`Rng::at_in_range`] continues runs of elements (on by
    /// default; off for the kernels of a synapses object, whose synapses a
    /// rank holds one by one, not in runs).
    pub fn set_runs(&mut self, runs: bool) {
        self.runs = runs;
    }

    /// Numbers the elements [`Rng::at`] keys by `map` (element `a` keys as
    /// `map[a]`): a rank's synapses keyed by their index among all ranks',
    /// so that a synapse draws the same numbers on any rank.
    pub fn set_element_map(&mut self, map: Option<std::sync::Arc<[u64]>>) {
        self.map = map;
    }

    /// Keys the geometric skips that follow by the block `(a, b)` of the
    /// current step (for a threshold, the block of [`JUMP_BLOCK`] elements; for
    /// a connect, the outer element and the block of candidates).
    #[inline]
    pub fn jump_at(&mut self, a: i64, b: i64) {
        self.jumps = keyed(self.step_key ^ JUMP_SALT, a, b);
    }

    /// 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.pcg.next_u64()
    }

    /// Uniform in [0, 1), with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        unit(&mut self.pcg)
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
        let current = matches!(&self.binomial, Some(b) if b.n == n && b.p_bits == p.to_bits());
        if !current {
            let old = self.binomial.take().map(|b| b.method);
            // Unreachable: p is in (0, 1) here.
            let Some(method) = BinomialMethod::new(n, p, old) else {
                return 0;
            };
            self.binomial = Some(BinomialSetup {
                n,
                p_bits: p.to_bits(),
                method,
            });
        }
        let Rng { pcg, binomial, .. } = self;
        match binomial.as_ref().map(|b| &b.method) {
            Some(BinomialMethod::Table(cdf)) => {
                let u = unit(pcg);
                // The first k with u < P(X <= k) is the number of entries
                // <= u (the table ascends; its last entry is 1 > u). Counted
                // over the whole table without a branch: where the search
                // ends is random, and a loop that exits there mispredicts
                // about once a draw (16 ns against 1 ns for the uniform).
                cdf.iter().map(|&c| usize::from(c <= u)).sum::<usize>() as i64
            }
            Some(BinomialMethod::Sampler(d)) => d.sample(pcg) as i64,
            None => 0,
        }
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
        let u = 1.0 - unit(&mut self.jumps);
        // Saturating cast: a huge quotient means "no success within i64".
        libm::floor(libm::log(u) / libm::log1p(-p)) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let draws = |seed, stream| -> Vec<u64> {
            let mut r = Rng::seed(seed, stream);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let (a, b, c, d) = (draws(42, 0), draws(42, 0), draws(42, 1), draws(43, 0));
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
    fn binomial_draws_do_not_depend_on_the_parameters_before() {
        // Alternating parameters (a table, rand_distr's sampler, another
        // table) give what fresh set-ups give.
        let params = [(1000, 0.002), (100, 0.2), (10, 0.3), (1000, 0.002), (40, 0.5)];
        let mut a = Rng::seed(3, 1);
        let mut b = Rng::seed(3, 1);
        for k in 0..1000 {
            let (n, p) = params[k % params.len()];
            b.binomial = None;
            assert_eq!(a.binomial(n, p), b.binomial(n, p), "draw {k}");
        }
    }

    /// P(X = k) of Binomial(n, p), from log-gamma (independent of the table's
    /// recurrence).
    fn binomial_pmf(n: i64, p: f64, k: i64) -> f64 {
        let (n, k) = (n as f64, k as f64);
        let log_choose = libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0);
        libm::exp(log_choose + k * libm::log(p) + (n - k) * libm::log1p(-p))
    }

    #[test]
    fn binomial_tables_draw_the_binomial_distribution() {
        // Pearson's chi-square of 10^6 draws against the exact probabilities,
        // cells of expected count below 20 pooled into the last: at a p-value
        // of 1e-6 the statistic stays below ~50 for up to 20 cells.
        for (n, p) in [(1000, 0.002), (10, 0.3), (20, 0.4), (1, 0.25), (16, 0.5)] {
            let draws = 1_000_000;
            let mut r = Rng::seed(11, n as u64);
            let mut counts = vec![0u64; n as usize + 1];
            for _ in 0..draws {
                counts[r.binomial(n, p) as usize] += 1;
            }
            let (mut chi2, mut cells) = (0.0, 0);
            let (mut pooled_obs, mut pooled_exp) = (0.0, 0.0);
            for (k, &c) in counts.iter().enumerate() {
                let e = draws as f64 * binomial_pmf(n, p, k as i64);
                if e < 20.0 {
                    pooled_obs += c as f64;
                    pooled_exp += e;
                } else {
                    chi2 += (c as f64 - e).powi(2) / e;
                    cells += 1;
                }
            }
            if pooled_exp > 0.0 {
                chi2 += (pooled_obs - pooled_exp).powi(2) / pooled_exp.max(1e-300);
                cells += 1;
            }
            assert!((2..=21).contains(&cells), "binomial({n}, {p}): {cells} cells");
            assert!(
                chi2 < 50.0,
                "binomial({n}, {p}): chi-square {chi2} over {cells} cells, counts {counts:?}"
            );
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
}
