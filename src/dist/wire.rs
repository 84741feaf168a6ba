//! The MPI calls behind [`Ranks`] (feature `mpi`): MPI's life in the process,
//! and each collective over more than one rank. The only file that names rsmpi.

use std::sync::{Mutex, PoisonError};

use mpi::Threading;
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::{Process, SimpleCommunicator};
use mpi::traits::{Communicator, CommunicatorCollectives, Root};

use super::{DistError, Element, Gathered, Ranks, rounds};

/// The largest count of elements in one MPI call (MPI's counts are C `int`s).
pub(super) const MPI_MAX_COUNT: usize = i32::MAX as usize;

/// What the collectives keep between calls, so that a collective called every
/// step allocates nothing once its buffers have grown.
#[derive(Debug)]
pub(super) struct Buffers {
    /// The largest count of elements in one MPI call; larger exchanges go in rounds.
    pub(super) max_count: usize,
    /// Each rank's count in a variable-count gather, as exchanged.
    counts: Vec<u64>,
    /// The counts and displacements of one variable-count MPI call.
    call_counts: Vec<i32>,
    call_displs: Vec<i32>,
    /// The send buffers of the reductions (rsmpi has no in-place reduction).
    send_u64: Vec<u64>,
    send_f64: Vec<f64>,
}

impl Default for Buffers {
    fn default() -> Buffers {
        Buffers {
            max_count: MPI_MAX_COUNT,
            counts: Vec::new(),
            call_counts: Vec::new(),
            call_displs: Vec::new(),
            send_u64: Vec::new(),
            send_f64: Vec::new(),
        }
    }
}

/// MPI's universe, held from the first [`Ranks::world`] until the process
/// exits; dropping it calls `MPI_Finalize`, which `mpirun` expects of every rank.
static UNIVERSE: Mutex<Option<Universe>> = Mutex::new(None);

/// Finalizes MPI when the process exits (returning from `main` or `std::process::exit`).
extern "C" fn finalize_at_exit() {
    let universe = UNIVERSE.lock().unwrap_or_else(PoisonError::into_inner).take();
    drop(universe);
}

/// Initialises MPI on the first call in the process; this rank and the number of ranks.
pub(super) fn init_world() -> Result<(usize, usize), DistError> {
    let mut universe = UNIVERSE.lock().unwrap_or_else(PoisonError::into_inner);
    if mpi::environment::is_finalized() {
        return Err(DistError::Finalized);
    }
    if universe.is_none() {
        // `None` when MPI was initialised in this process by other code, which then finalises it.
        if let Some((initialised, _level)) = mpi::initialize_with_threading(Threading::Serialized) {
            *universe = Some(initialised);
            // SAFETY: `atexit` stores a pointer to a function that lives as long as the program.
            if unsafe { libc::atexit(finalize_at_exit) } != 0 {
                return Err(DistError::AtExit);
            }
        }
    }
    let world = SimpleCommunicator::world();
    // MPI's rank and size are non-negative C ints.
    Ok((world.rank() as usize, world.size() as usize))
}

/// `MPI_Abort` on the world communicator: every rank stops.
pub(super) fn abort(code: i32) -> ! {
    SimpleCommunicator::world().abort(code)
}

/// An element-wise reduction MPI computes itself.
#[derive(Clone, Copy, Debug)]
pub(super) enum Reduction {
    Sum,
    Max,
}

impl Reduction {
    fn operation(self) -> SystemOperation {
        match self {
            Reduction::Sum => SystemOperation::sum(),
            Reduction::Max => SystemOperation::max(),
        }
    }
}

/// Reduces `values` element-wise over the ranks, in place, in calls of at most `max_count` elements.
fn all_reduce<T: Element>(values: &mut [T], send: &mut Vec<T>, max_count: usize, op: Reduction) {
    let world = SimpleCommunicator::world();
    for chunk in values.chunks_mut(max_count) {
        send.clear();
        send.extend_from_slice(chunk);
        world.all_reduce_into(&send[..], chunk, op.operation());
    }
}

impl Ranks {
    /// Variable-count gather over several ranks: to every rank (`root` `None`) or to `root`.
    pub(super) fn mpi_gather<T: Element>(&mut self, local: &[T], into: &mut Gathered<T>, root: Option<usize>) {
        let world = SimpleCommunicator::world();
        let (rank, size) = (self.rank, self.size);
        let b = &mut self.wire;
        // Every rank learns every count, so that every rank takes the same path below.
        b.counts.resize(size, 0);
        world.all_gather_into(&(local.len() as u64), &mut b.counts[..]);
        let receives = root.is_none_or(|r| r == rank);
        if receives {
            into.shape(b.counts.iter().map(|&c| c as usize));
        } else {
            into.clear();
        }
        let total: usize = b.counts.iter().map(|&c| c as usize).sum();
        let root = root.map(|r| world.process_at_rank(r as i32));
        if total <= b.max_count {
            // One call, straight into the result (every count and offset fits MPI's `int`).
            b.call_counts.clear();
            b.call_displs.clear();
            let mut at = 0;
            for &c in &b.counts {
                b.call_counts.push(c as i32);
                b.call_displs.push(at as i32);
                at += c as usize;
            }
            call_gather(&world, root, local, receives.then_some(&mut into.values[..]), b);
            return;
        }
        // Rounds, each into a scratch buffer, its pieces then copied to their places.
        let quota = rounds::quota(b.max_count, size);
        let mut scratch: Vec<T> = Vec::new();
        for round in 0..rounds::count(b.counts.iter().map(|&c| c as usize), quota) {
            b.call_counts.clear();
            b.call_displs.clear();
            let mut at = 0;
            for &c in &b.counts {
                let piece = rounds::piece(c as usize, quota, round).len();
                b.call_counts.push(piece as i32);
                b.call_displs.push(at as i32);
                at += piece;
            }
            let mine = &local[rounds::piece(local.len(), quota, round)];
            if !receives {
                call_gather(&world, root, mine, None, b);
                continue;
            }
            scratch.clear();
            scratch.resize(at, T::default());
            call_gather(&world, root, mine, Some(&mut scratch[..]), b);
            for (r, &c) in b.counts.iter().enumerate() {
                let piece = rounds::piece(c as usize, quota, round);
                let from = b.call_displs[r] as usize;
                let to = into.offsets[r] + piece.start;
                into.values[to..to + piece.len()].copy_from_slice(&scratch[from..from + piece.len()]);
            }
        }
    }

    /// Element-wise reduction of `u64`s over several ranks, in place.
    pub(super) fn mpi_reduce_u64(&mut self, values: &mut [u64], op: Reduction) {
        all_reduce(values, &mut self.wire.send_u64, self.wire.max_count, op);
    }

    /// Element-wise maximum of `f64`s over several ranks, in place.
    pub(super) fn mpi_max_f64(&mut self, values: &mut [f64]) {
        all_reduce(values, &mut self.wire.send_f64, self.wire.max_count, Reduction::Max);
    }

    /// Element-wise exclusive prefix sum of `u64`s over several ranks, in place.
    pub(super) fn mpi_exclusive_sum_u64(&mut self, values: &mut [u64]) {
        let world = SimpleCommunicator::world();
        let b = &mut self.wire;
        for chunk in values.chunks_mut(b.max_count) {
            b.send_u64.clear();
            b.send_u64.extend_from_slice(chunk);
            world.exclusive_scan_into(&b.send_u64[..], chunk, SystemOperation::sum());
        }
        // MPI_Exscan leaves rank 0's result undefined; the sum over no rank is 0.
        if self.rank == 0 {
            values.fill(0);
        }
    }

    /// Broadcast of bytes from `root` over several ranks: its length, then its bytes.
    pub(super) fn mpi_broadcast_bytes(&mut self, bytes: &mut Vec<u8>, root: usize) {
        let world = SimpleCommunicator::world();
        let from = world.process_at_rank(root as i32);
        let mut len = bytes.len() as u64;
        from.broadcast_into(&mut len);
        if self.rank != root {
            bytes.clear();
            bytes.resize(len as usize, 0);
        }
        for chunk in bytes.chunks_mut(self.wire.max_count) {
            from.broadcast_into(chunk);
        }
    }

    /// Barrier over several ranks.
    pub(super) fn mpi_barrier(&mut self) {
        SimpleCommunicator::world().barrier();
    }
}

/// One `MPI_Allgatherv` (no `root`) or `MPI_Gatherv` with the counts and
/// displacements in `b`; `recv` is the receive buffer on every rank that receives.
fn call_gather<T: Element>(
    world: &SimpleCommunicator,
    root: Option<Process<'_>>,
    send: &[T],
    recv: Option<&mut [T]>,
    b: &Buffers,
) {
    match (root, recv) {
        (None, Some(recv)) => {
            let mut into = PartitionMut::new(recv, &b.call_counts[..], &b.call_displs[..]);
            world.all_gather_varcount_into(send, &mut into);
        }
        (Some(root), Some(recv)) => {
            let mut into = PartitionMut::new(recv, &b.call_counts[..], &b.call_displs[..]);
            root.gather_varcount_into_root(send, &mut into);
        }
        (Some(root), None) => root.gather_varcount_into(send),
        (None, None) => unreachable!("an all-gather receives on every rank"),
    }
}
