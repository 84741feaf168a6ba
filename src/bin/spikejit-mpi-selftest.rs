//! `mpirun -np K spikejit-mpi-selftest [--fail-on-rank R]`: checks every
//! collective of spikejit's MPI layer (`spikejit::dist`) over the ranks it is
//! started on, each rank comparing what it receives with what it must be
//! (`dist::selftest`). Rank 0 prints one `ok` line and every rank exits 0; or
//! the first rank that found a mismatch prints what it found and every rank
//! exits 1. `--fail-on-rank R` makes rank R fail on purpose, to check that a
//! failure is reported once and stops every rank; `--abort-on-rank R` makes
//! rank R abort (`Ranks::abort`, exit status 3) while the others wait in a
//! collective, to check that an abort stops them. It also checks that an
//! all-gather repeated as a run repeats it every step allocates nothing once
//! its buffers have grown, and prints the time one takes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spikejit::dist::{Gathered, Ranks, selftest};

/// The allocator of the system, counting the allocations of this process's Rust code.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on unchanged to the system's allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// All-gathers of up to 100 spike indices per rank, as a run makes one every
/// step: the allocations after the first call (there must be none) and the
/// mean time in exchange per call.
fn repeated_all_gather(ranks: &mut Ranks) -> (usize, Duration) {
    const CALLS: u32 = 1000;
    let rank = ranks.rank();
    let spikes: Vec<u32> = (0..100).map(|k| (1000 * rank + k) as u32).collect();
    let mut gathered = Gathered::new();
    ranks.all_gather(&spikes, &mut gathered);
    let (allocations, time) = (ALLOCATIONS.load(Ordering::Relaxed), ranks.exchange_time());
    for step in 0..CALLS as usize {
        ranks.all_gather(&spikes[..(7 * step + rank) % 101], &mut gathered);
    }
    (
        ALLOCATIONS.load(Ordering::Relaxed) - allocations,
        (ranks.exchange_time() - time) / CALLS,
    )
}

const USAGE: &str = "usage: mpirun -np K spikejit-mpi-selftest [--fail-on-rank R | --abort-on-rank R]";

/// What a rank is told to do wrong on purpose.
enum Fault {
    Fail,
    Abort,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fault = match args.as_slice() {
        [] => None,
        [flag, rank] if flag == "--fail-on-rank" || flag == "--abort-on-rank" => match rank.parse::<usize>() {
            Ok(r) => Some((
                if flag == "--fail-on-rank" {
                    Fault::Fail
                } else {
                    Fault::Abort
                },
                r,
            )),
            Err(_) => {
                eprintln!("error: {flag} takes a rank (0, 1, ...), not '{rank}'\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut ranks = match Ranks::world() {
        Ok(ranks) => ranks,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (rank, size) = (ranks.rank(), ranks.size());
    let report = selftest::check_collectives(&mut ranks);
    let mut mismatches = report.mismatches;
    let (allocations, per_call) = repeated_all_gather(&mut ranks);
    if allocations > 0 {
        mismatches.push(format!(
            "1000 all-gathers no larger than the first made {allocations} allocations"
        ));
    }
    let mut failure = (!mismatches.is_empty()).then(|| mismatches.join("\n"));
    match fault {
        Some((Fault::Fail, r)) if r == rank => failure = Some(format!("failed on purpose (--fail-on-rank {rank})")),
        Some((Fault::Abort, r)) if r == rank => {
            eprintln!("rank {rank} of {size}: aborting on purpose (--abort-on-rank {rank})");
            ranks.abort(3);
        }
        _ => {}
    }
    match ranks.agree_on_failure(failure) {
        None => {
            if ranks.is_root() {
                println!(
                    "ok: {} checks of the collectives passed on each of {size} ranks; an all-gather of up to \
                     100 indices per rank took {:.2} µs on rank 0, allocating nothing",
                    report.checks + 1,
                    per_call.as_secs_f64() * 1e6
                );
            }
            ExitCode::SUCCESS
        }
        Some((failed, message)) => {
            if failed == rank {
                eprintln!("error: rank {failed} of {size}: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
