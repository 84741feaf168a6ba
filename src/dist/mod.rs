//! One model over several processes: the communicator of the ranks that
//! `mpirun` starts, and the collectives a partitioned simulation needs.
//!
//! [`Ranks`] is the group of processes. With the cargo feature `mpi`,
//! [`Ranks::world`] is MPI's world communicator (rsmpi over the system's MPI);
//! without it, or for [`Ranks::single`], it is one rank, and every collective
//! is a copy that calls nothing. Each collective is exact and puts its parts in
//! rank order, so that what a rank receives never depends on timing; there is
//! no floating-point sum (its result would depend on the order of the ranks'
//! contributions, hence on their number).
//!
//! Every rank calls the same collectives in the same order with the same
//! element types. Sizes are exchanged before data, so every rank knows every
//! count and makes the same decisions: an exchange larger than MPI's count
//! limit (2³¹−1 elements in one call) is split into rounds on every rank
//! alike, so no rank is ever left waiting in a call the others skipped.
//!
//! A failure is agreed on by every rank ([`Ranks::agree_on_failure`]) so
//! that all stop together; one that cannot wait for that stops them all
//! ([`Ranks::abort`]).
//!
//! The time spent in MPI calls is added up ([`Ranks::exchange_time`]): the run
//! summary reports it per rank. [`block_range`] is the partition of `n`
//! elements into contiguous blocks.

#[cfg(any(feature = "mpi", test))]
mod rounds;
pub mod selftest;
#[cfg(test)]
mod tests;
#[cfg(feature = "mpi")]
mod wire;

use std::ops::Range;
use std::time::Duration;

use crate::diag::Diagnostic;

/// What can go wrong in setting up the ranks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DistError {
    /// MPI was finalized before [`Ranks::world`] was called (by code outside
    /// spikejit), and cannot be initialized again.
    #[error("MPI was already finalized in this process and cannot be initialized again")]
    Finalized,
    /// The C library refused to register the function that finalizes MPI at exit.
    #[error("could not register MPI_Finalize to run at exit (atexit failed)")]
    AtExit,
    /// Started as one of several ranks by a launcher, but built without the
    /// feature `mpi`: each rank would run the whole model alone.
    #[error(
        "started as one of {launched} ranks (by mpirun or srun), but this spikejit was built without MPI: \
         each rank would run the whole model alone; build with `cargo build --release --features mpi`, \
         or run without mpirun"
    )]
    NotBuiltWithMpi {
        /// The number of ranks the launcher started.
        launched: usize,
    },
    /// MPI counts another number of ranks than the launcher started: the MPI
    /// library spikejit was built with is not the launcher's.
    #[error(
        "MPI counts {mpi} rank(s) but the launcher started {launched}: spikejit was built with another MPI \
         library than the one whose mpirun (or srun) started it; rebuild it against that MPI, or use its mpirun"
    )]
    WrongMpi {
        /// The number of ranks MPI's world communicator has.
        mpi: usize,
        /// The number of ranks the launcher started.
        launched: usize,
    },
}

/// The number of ranks a launcher started this process among, from the
/// variables it sets (`var` reads one): Open MPI's `mpirun` sets
/// `OMPI_COMM_WORLD_SIZE`; MPICH's (Hydra) and Slurm's PMI set `PMI_SIZE`.
/// `None` when neither is set: started without a launcher.
fn launched_ranks(var: impl Fn(&str) -> Option<String>) -> Option<usize> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
        .iter()
        .find_map(|name| var(name)?.trim().parse().ok())
}

/// Whether a world of `size` ranks (1 without MPI) is the one the launcher
/// started: a run with a wrong one would not fail but give wrong results.
fn check_launch(launched: Option<usize>, size: usize, with_mpi: bool) -> Result<(), DistError> {
    match launched {
        Some(launched) if !with_mpi && launched > 1 => Err(DistError::NotBuiltWithMpi { launched }),
        Some(launched) if with_mpi && launched != size => Err(DistError::WrongMpi { mpi: size, launched }),
        _ => Ok(()),
    }
}

impl From<DistError> for Diagnostic {
    fn from(e: DistError) -> Diagnostic {
        let code = match e {
            DistError::Finalized => "mpi-finalized",
            DistError::AtExit => "mpi-atexit",
            DistError::NotBuiltWithMpi { .. } => "mpi-not-built",
            DistError::WrongMpi { .. } => "mpi-mismatch",
        };
        Diagnostic::new(code, e.to_string()).with_context("MPI")
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The element types the collectives move: plain numbers and bytes that MPI
/// knows as built-in datatypes.
#[cfg(feature = "mpi")]
pub trait Element: Copy + Default + Send + Sync + 'static + sealed::Sealed + mpi::traits::Equivalence {}
/// The element types the collectives move: plain numbers and bytes that MPI
/// knows as built-in datatypes.
#[cfg(not(feature = "mpi"))]
pub trait Element: Copy + Default + Send + Sync + 'static + sealed::Sealed {}

macro_rules! elements {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {}
    )*};
}
elements!(u8, u32, u64, f64);

/// The result of a variable-count gather: every rank's part, concatenated in
/// rank order, and where each part starts. Kept by the caller between calls so
/// that its buffers are reused: a gather allocates only when a result is larger
/// than every earlier one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gathered<T> {
    values: Vec<T>,
    /// `offsets[r]..offsets[r + 1]` is rank `r`'s part of `values`; empty when nothing was received.
    offsets: Vec<usize>,
}

impl<T> Gathered<T> {
    /// An empty result, to be filled by [`Ranks::all_gather`] or [`Ranks::gather_to_root`].
    pub fn new() -> Gathered<T> {
        Gathered {
            values: Vec::new(),
            offsets: Vec::new(),
        }
    }

    /// All parts, concatenated in rank order.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The number of parts (the number of ranks; 0 on a rank that received nothing, e.g. not the root of a gather).
    pub fn parts(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Rank `r`'s part. Panics if `r >= self.parts()`.
    pub fn part(&self, r: usize) -> &[T] {
        &self.values[self.offsets[r]..self.offsets[r + 1]]
    }

    /// The length of each rank's part, in rank order.
    pub fn counts(&self) -> impl Iterator<Item = usize> + '_ {
        self.offsets.windows(2).map(|w| w[1] - w[0])
    }
}

impl<T: Element> Gathered<T> {
    /// Empties the result, keeping its buffers.
    #[cfg(feature = "mpi")]
    fn clear(&mut self) {
        self.values.clear();
        self.offsets.clear();
    }

    /// Sets the parts' lengths (`counts`, in rank order) and makes room for the
    /// values, which the caller then writes (`values` has the total length).
    #[cfg(feature = "mpi")]
    fn shape(&mut self, counts: impl Iterator<Item = usize>) {
        self.offsets.clear();
        self.offsets.push(0);
        let mut total = 0;
        for c in counts {
            total += c;
            self.offsets.push(total);
        }
        self.values.clear();
        self.values.resize(total, T::default());
    }

    /// One part, the caller's own: the result of a collective over one rank.
    fn set_single(&mut self, local: &[T]) {
        self.offsets.clear();
        self.offsets.extend([0, local.len()]);
        self.values.clear();
        self.values.extend_from_slice(local);
    }
}

/// The partition of `n` elements over `size` ranks into contiguous blocks:
/// rank `rank` holds `block_range(n, rank, size)`. The first `n % size` ranks
/// hold `n / size + 1` elements, the others `n / size`; the blocks are in rank
/// order and cover `0..n` exactly once. Panics if `rank >= size`.
pub fn block_range(n: usize, rank: usize, size: usize) -> Range<usize> {
    assert!(rank < size, "rank {rank} out of a group of {size}");
    let (base, extra) = (n / size, n % size);
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

/// The processes that run one model together, and the collectives among them.
///
/// Every collective must be called by every rank, in the same order, with the
/// same element type; each is a plain copy, with no MPI call, when there is
/// one rank. Calls through one `Ranks` are serialised by `&mut self`; MPI is
/// initialised asking for one thread at a time (`MPI_THREAD_SERIALIZED`), so
/// threads inside a rank may compute, but only one of them at a time may exchange.
#[derive(Debug)]
pub struct Ranks {
    rank: usize,
    size: usize,
    exchange_time: Duration,
    /// What the MPI calls keep between calls (limits and scratch buffers).
    #[cfg(feature = "mpi")]
    wire: wire::Buffers,
}

impl Ranks {
    /// One rank, never MPI: for tests, for library users, and for a run without `mpirun`.
    pub fn single() -> Ranks {
        Ranks {
            rank: 0,
            size: 1,
            exchange_time: Duration::ZERO,
            #[cfg(feature = "mpi")]
            wire: wire::Buffers::default(),
        }
    }

    /// The ranks this process was started among. With the feature `mpi`, MPI
    /// is initialised on the first call (once per process; it stays initialised
    /// until the process exits, when it is finalised) and this is MPI's world
    /// communicator: the ranks of `mpirun -np K`, or one rank for a process
    /// started without `mpirun` (MPI's singleton mode). Without the feature,
    /// one rank. An error when the launcher's count of ranks (its environment
    /// variables) says otherwise: started by `mpirun -np K` with `K > 1` but
    /// built without the feature, or with an MPI library that is not the
    /// launcher's (each rank would run the whole model alone).
    ///
    /// MPI's finalisation at exit waits for every rank: a rank must not exit
    /// while the others may still call a collective (agree on the failure
    /// first, or [`abort`](Ranks::abort)).
    pub fn world() -> Result<Ranks, DistError> {
        let launched = launched_ranks(|name| std::env::var(name).ok());
        #[cfg(feature = "mpi")]
        {
            let (rank, size) = wire::init_world()?;
            check_launch(launched, size, true)?;
            Ok(Ranks {
                rank,
                size,
                ..Ranks::single()
            })
        }
        #[cfg(not(feature = "mpi"))]
        {
            check_launch(launched, 1, false)?;
            Ok(Ranks::single())
        }
    }

    /// [`Ranks::world`] when a launcher (`mpirun`, `srun`) started this
    /// process, else one rank without starting MPI (its singleton mode
    /// costs a third of a second for nothing).
    pub fn launched() -> Result<Ranks, DistError> {
        match launched_ranks(|name| std::env::var(name).ok()) {
            Some(_) => Ranks::world(),
            None => Ok(Ranks::single()),
        }
    }

    /// This process's rank, `0..size()`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is rank 0, which gathers results and writes outputs.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// Whether the collectives go through MPI: more than one rank.
    #[cfg(feature = "mpi")]
    fn exchanges(&self) -> bool {
        self.size > 1
    }

    /// The time spent in MPI calls by this rank's collectives so far (zero with one rank).
    pub fn exchange_time(&self) -> Duration {
        self.exchange_time
    }

    /// Sets the largest count of elements moved in one MPI call (at least 1;
    /// at most, and by default, MPI's limit of 2³¹−1); larger exchanges are
    /// split into rounds. Every rank must set the same value. For tests of the
    /// rounds, which would otherwise need gigabytes.
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))] // one rank: no MPI call to split
    pub fn set_max_count(&mut self, n: usize) {
        #[cfg(feature = "mpi")]
        {
            self.wire.max_count = n.clamp(1, wire::MPI_MAX_COUNT);
        }
    }

    /// All-gather: every rank contributes `local` (any length, its own) and
    /// every rank receives all contributions, concatenated in rank order, in
    /// `into` (its buffers are reused).
    pub fn all_gather<T: Element>(&mut self, local: &[T], into: &mut Gathered<T>) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            return self.timed(|r| r.mpi_gather(local, into, None));
        }
        into.set_single(local);
    }

    /// Gather to rank 0: every rank contributes `local`; rank 0 receives all
    /// contributions in rank order in `into`, the other ranks an empty `into`
    /// (no parts). For outputs that rank 0 writes, such as monitor records as bytes.
    pub fn gather_to_root<T: Element>(&mut self, local: &[T], into: &mut Gathered<T>) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            return self.timed(|r| r.mpi_gather(local, into, Some(0)));
        }
        into.set_single(local);
    }

    /// Element-wise sum over the ranks, in place: afterwards `values[k]` is the
    /// sum of every rank's `values[k]` on every rank (wrapping at 2⁶⁴). Every
    /// rank passes the same length.
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))] // one rank: already the result
    pub fn sum_u64(&mut self, values: &mut [u64]) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            self.timed(|r| r.mpi_reduce_u64(values, wire::Reduction::Sum));
        }
    }

    /// Element-wise maximum over the ranks, in place. Every rank passes the same length.
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))] // one rank: already the result
    pub fn max_u64(&mut self, values: &mut [u64]) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            self.timed(|r| r.mpi_reduce_u64(values, wire::Reduction::Max));
        }
    }

    /// Element-wise maximum over the ranks, in place. Every rank passes the
    /// same length. The maximum of values that include a NaN is not specified
    /// (MPI's `MPI_MAX` compares with `>`): check for NaN before.
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables))] // one rank: already the result
    pub fn max_f64(&mut self, values: &mut [f64]) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            self.timed(|r| r.mpi_max_f64(values));
        }
    }

    /// Element-wise exclusive prefix sum, in place: afterwards `values[k]` on
    /// rank `r` is the sum of `values[k]` over the ranks below `r` (0 on rank 0),
    /// wrapping at 2⁶⁴. Every rank passes the same length. For the global index
    /// of a rank's first local element.
    pub fn exclusive_sum_u64(&mut self, values: &mut [u64]) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            return self.timed(|r| r.mpi_exclusive_sum_u64(values));
        }
        values.fill(0);
    }

    /// Broadcast from rank 0: afterwards `bytes` on every rank is rank 0's
    /// `bytes` (its length included; what the others held is replaced).
    // One rank: already the result. (A `Vec`, not a slice: its length becomes rank 0's.)
    #[cfg_attr(not(feature = "mpi"), allow(unused_variables, clippy::ptr_arg))]
    pub fn broadcast_bytes(&mut self, bytes: &mut Vec<u8>) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            self.timed(|r| r.mpi_broadcast_bytes(bytes, 0));
        }
    }

    /// Whether any rank failed, agreed by all: each rank passes its own
    /// failure (`None` when it has none) and every rank receives the failure of
    /// the lowest failing rank, with that rank, or `None` when no rank failed.
    /// So the error is reported once (by the rank it names, or by rank 0) and
    /// every rank can stop with a non-zero exit, none left waiting for the others.
    pub fn agree_on_failure(&mut self, local: Option<String>) -> Option<(usize, String)> {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            // The maximum of `size - rank` over the failing ranks names the lowest one.
            let mut first = [local.as_ref().map_or(0, |_| (self.size - self.rank) as u64)];
            self.max_u64(&mut first);
            if first[0] == 0 {
                return None;
            }
            let failed = self.size - first[0] as usize;
            let mut message = local.map(String::into_bytes).unwrap_or_default();
            self.timed(|r| r.mpi_broadcast_bytes(&mut message, failed));
            return Some((failed, String::from_utf8_lossy(&message).into_owned()));
        }
        local.map(|message| (0, message))
    }

    /// Waits until every rank has called it.
    pub fn barrier(&mut self) {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            self.timed(|r| r.mpi_barrier());
        }
    }

    /// Stops every rank now, with exit status `code`: for a failure that
    /// cannot wait for [`agree_on_failure`](Ranks::agree_on_failure) (a
    /// panic, an error between two collectives). A rank that exited alone
    /// would leave the others waiting in their next collective, and itself in
    /// MPI's finalisation, which waits for them. With one rank, exits.
    pub fn abort(&self, code: i32) -> ! {
        #[cfg(feature = "mpi")]
        if self.exchanges() {
            wire::abort(code);
        }
        std::process::exit(code)
    }

    /// Runs `f` (MPI calls) and adds the time it took to the exchange time.
    #[cfg(feature = "mpi")]
    fn timed<R>(&mut self, f: impl FnOnce(&mut Ranks) -> R) -> R {
        let start = std::time::Instant::now();
        let out = f(self);
        self.exchange_time += start.elapsed();
        out
    }
}
