//! A check of every collective of [`Ranks`] with rank-dependent inputs, whose
//! results each rank compares with what they must be: run on one rank by the
//! unit tests, and on several by `spikejit-mpi-selftest` under `mpirun`
//! (`tests/mpi.rs`), which also checks an installation's MPI for users.
//!
//! Rank `r` of `K` contributes `r + 1` values `100 r + k` to the first
//! all-gather, nothing (rank 0) or a few values to the second, and so on; the
//! expected results are computed here from `r` and `K` alone. Every check runs
//! twice: in one MPI call per collective, and with the largest call lowered to
//! 3 elements, so that the rounds of large exchanges are exercised too.

use std::fmt::Debug;
use std::time::Duration;

use super::{Gathered, Ranks};

/// What a run of the checks found on this rank.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The number of results compared.
    pub checks: usize,
    /// One line for each result that was not what it must be.
    pub mismatches: Vec<String>,
}

impl Report {
    fn check<T: PartialEq + Debug>(&mut self, what: &str, got: T, want: T) {
        self.checks += 1;
        if got != want {
            self.mismatches.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    }

    /// Compares two sequences, naming the first difference rather than printing them whole.
    fn check_slice<T: PartialEq + Debug>(&mut self, what: &str, got: &[T], want: &[T]) {
        self.checks += 1;
        if got.len() != want.len() {
            self.mismatches
                .push(format!("{what}: got {} values, want {}", got.len(), want.len()));
        } else if let Some(k) = (0..got.len()).find(|&k| got[k] != want[k]) {
            let (g, w) = (&got[k], &want[k]);
            self.mismatches
                .push(format!("{what}: value {k} of {} is {g:?}, want {w:?}", got.len()));
        }
    }
}

/// Runs every collective with rank-dependent inputs and compares each result;
/// every rank of `ranks` must call it. Leaves the largest MPI call at MPI's limit.
pub fn check_collectives(ranks: &mut Ranks) -> Report {
    let mut report = Report::default();
    for (limit, max_count) in [("one call", usize::MAX), ("rounds of 3 elements", 3)] {
        ranks.set_max_count(max_count);
        let before = report.mismatches.len();
        check_all(ranks, &mut report);
        for m in &mut report.mismatches[before..] {
            *m = format!("{limit}: {m}");
        }
    }
    ranks.set_max_count(usize::MAX);
    let time = ranks.exchange_time();
    if ranks.size() > 1 {
        report.check("time in exchange is counted", time > Duration::ZERO, true);
    } else {
        report.check("no time in exchange on one rank", time, Duration::ZERO);
    }
    report
}

/// The values rank `r` contributes to an all-gather of `u32`s: `r + 1` values `100 r + k`.
fn spikes(r: usize) -> Vec<u32> {
    (0..=r).map(|k| (100 * r + k) as u32).collect()
}

/// A second all-gather into the same buffers: fewer values, none on rank 0.
fn fewer_spikes(r: usize) -> Vec<u32> {
    (0..(2 * r) % 3).map(|k| (7_000_000 + 10 * r + k) as u32).collect()
}

/// `f64`s whose bits must come through unchanged: signed zero, a subnormal, infinities, large and fractional values.
fn reals(r: usize) -> Vec<f64> {
    (0..r + 2)
        .map(|k| match k % 4 {
            0 if r.is_multiple_of(2) => -0.0,
            0 => f64::MIN_POSITIVE / 3.0,
            1 => (100 * r + k) as f64 / 3.0,
            2 if r.is_multiple_of(2) => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            _ => -1e300 * (r + 1) as f64,
        })
        .collect()
}

fn text(r: usize) -> Vec<u8> {
    format!("rank {r} says hello{}", "!".repeat(r)).into_bytes()
}

/// Every rank's part, concatenated in rank order, and the parts' lengths.
fn expected<T>(size: usize, part: impl Fn(usize) -> Vec<T>) -> (Vec<T>, Vec<usize>) {
    let parts: Vec<Vec<T>> = (0..size).map(part).collect();
    let counts = parts.iter().map(Vec::len).collect();
    (parts.into_iter().flatten().collect(), counts)
}

fn check_all(ranks: &mut Ranks, report: &mut Report) {
    let (r, size) = (ranks.rank(), ranks.size());
    let sum_to = |n: usize| (n * (n + 1) / 2) as u64;

    // All-gather of spike indices, twice into the same buffers.
    let mut gathered = Gathered::new();
    for (what, part) in [
        ("all-gather u32", spikes as fn(usize) -> Vec<u32>),
        ("all-gather u32 again", fewer_spikes),
    ] {
        ranks.all_gather(&part(r), &mut gathered);
        let (values, counts) = expected(size, part);
        report.check_slice(what, gathered.values(), &values);
        report.check(
            &format!("{what}, counts"),
            gathered.counts().collect::<Vec<_>>(),
            counts,
        );
        if size > 1 {
            report.check(&format!("{what}, rank 1's part"), gathered.part(1), &part(1)[..]);
        }
    }

    let mut reals_gathered = Gathered::new();
    ranks.all_gather(&reals(r), &mut reals_gathered);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    report.check_slice(
        "all-gather f64, bit for bit",
        &bits(reals_gathered.values()),
        &bits(&expected(size, reals).0),
    );

    let mut bytes = Gathered::new();
    ranks.all_gather(&text(r), &mut bytes);
    report.check_slice("all-gather bytes", bytes.values(), &expected(size, text).0);

    // Gather to rank 0 only.
    ranks.gather_to_root(&text(r), &mut bytes);
    if ranks.is_root() {
        let (values, counts) = expected(size, text);
        report.check_slice("gather bytes to rank 0", bytes.values(), &values);
        report.check(
            "gather bytes to rank 0, counts",
            bytes.counts().collect::<Vec<_>>(),
            counts,
        );
    } else {
        report.check(
            "gather bytes: nothing off rank 0",
            (bytes.parts(), bytes.values().len()),
            (0, 0),
        );
    }
    let many = |q: usize| {
        (0..1000 * (q + 1))
            .map(|k| (q as u64) << 32 | k as u64)
            .collect::<Vec<u64>>()
    };
    let mut many_gathered = Gathered::new();
    ranks.gather_to_root(&many(r), &mut many_gathered);
    if ranks.is_root() {
        report.check_slice("gather u64 to rank 0", many_gathered.values(), &expected(size, many).0);
    }

    // Reductions.
    let mut sums = [
        r as u64 + 1,
        1000 * (r as u64 + 1),
        (1 << 40) + r as u64,
        u64::MAX - r as u64,
    ];
    ranks.sum_u64(&mut sums);
    let wrapped = (0..size as u64).fold(0u64, |acc, q| acc.wrapping_add(u64::MAX - q));
    let want = [
        sum_to(size),
        1000 * sum_to(size),
        ((size as u64) << 40) + sum_to(size - 1),
        wrapped,
    ];
    report.check("sum u64", sums, want);

    let mut maxima = [r as u64, (size - 1 - r) as u64, 5];
    ranks.max_u64(&mut maxima);
    report.check("max u64", maxima, [(size - 1) as u64, (size - 1) as u64, 5]);

    let mut real_maxima = [
        r as f64 - 10.5,
        -(r as f64) - 0.5,
        f64::NEG_INFINITY,
        1e-310 * (r + 1) as f64,
    ];
    ranks.max_f64(&mut real_maxima);
    let want = [(size - 1) as f64 - 10.5, -0.5, f64::NEG_INFINITY, 1e-310 * size as f64];
    report.check("max f64", real_maxima, want);

    let mut prefix = [r as u64 + 1, 1, 0, u64::MAX];
    ranks.exclusive_sum_u64(&mut prefix);
    let want = [
        sum_to(r),
        r as u64,
        0,
        (0..r as u64).fold(0u64, |acc, _| acc.wrapping_add(u64::MAX)),
    ];
    report.check("exclusive sum u64", prefix, want);

    // Broadcast from rank 0: longer, shorter and empty on the other ranks before.
    let message = b"from rank 0: the model failed to load".to_vec();
    let mut received = if ranks.is_root() {
        message.clone()
    } else {
        vec![r as u8; 100 * r]
    };
    ranks.broadcast_bytes(&mut received);
    report.check_slice("broadcast bytes", &received, &message);
    let mut received = if ranks.is_root() { Vec::new() } else { vec![1; r] };
    ranks.broadcast_bytes(&mut received);
    report.check("broadcast no bytes", received.len(), 0);

    // Agreement on failure: none, then every rank from size / 2 on.
    report.check("no rank failed", ranks.agree_on_failure(None), None);
    let failing = size / 2;
    let failure = |q: usize| format!("rank {q} failed: {}", "x".repeat(q));
    let local = (r >= failing).then(|| failure(r));
    report.check(
        "the first failing rank",
        ranks.agree_on_failure(local),
        Some((failing, failure(failing))),
    );

    ranks.barrier();
}
