//! The threads a run splits kernels over (`--threads`, [`Network::set_threads`]).
//!
//! A step of a 64000-neuron group is about 150 µs of work per thread, and
//! there are tens of thousands of steps: the threads must already be awake
//! when the next step hands them their ranges. A rayon pool parks its workers
//! between steps, and waking them cost more than the halved work saved (1.18
//! cores busy out of 2 and 27 000 context switches in 10 000 steps of CUBA),
//! so the team's workers spin on an epoch counter for a while after each job
//! and only then park; the thread that runs the network takes range 0 itself.
//!
//! [`Network::set_threads`]: super::Network::set_threads

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins before it parks: longer than the serial part
/// of a step (pathways, monitors) of the models that are worth splitting.
const SPIN: Duration = Duration::from_micros(500);

/// A job: called with the index of the part to do (0 on the calling thread).
type Job = dyn Fn(usize) + Sync + 'static;

struct Shared {
    /// Bumped for each job; workers run the job when they see it change.
    epoch: AtomicU64,
    /// Workers that finished the current job.
    done: AtomicUsize,
    /// The current job, valid from an epoch bump until every worker is done.
    job: UnsafeCell<Option<*const Job>>,
    shutdown: AtomicBool,
}

// SAFETY: `job` is written only by the team's owner while no job is running
// (every worker is done, or has not seen the new epoch whose Release store
// publishes it), and read by workers only between the epoch they saw and their
// `done` increment.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// Worker threads that run one job at a time together with the caller.
pub(crate) struct Team {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Team {
    /// A team of `threads` in all: the caller and `threads - 1` workers.
    /// `None` if a thread could not be started.
    pub(crate) fn new(threads: usize) -> Option<Team> {
        let shared = Arc::new(Shared {
            epoch: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            job: UnsafeCell::new(None),
            shutdown: AtomicBool::new(false),
        });
        let mut workers = Vec::new();
        for part in 1..threads.max(1) {
            let s = shared.clone();
            let w = std::thread::Builder::new()
                .name(format!("spikejit-{part}"))
                .spawn(move || work(&s, part))
                .ok()?;
            workers.push(w);
        }
        Some(Team { shared, workers })
    }

    /// The number of parts a job is split into (the caller's and the workers').
    pub(crate) fn size(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `job(part)` for every part in `0..size()`, part 0 on this thread,
    /// and returns when all are done.
    pub(crate) fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        let s = &*self.shared;
        // SAFETY: no job is running (the previous `run` waited for every
        // worker), so no worker reads `job` now; the lifetime is erased
        // because workers only use it before this call returns.
        unsafe {
            let erased: *const Job = std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job);
            *s.job.get() = Some(erased);
        }
        s.done.store(0, Ordering::Relaxed);
        s.epoch.fetch_add(1, Ordering::Release);
        for w in &self.workers {
            w.thread().unpark();
        }
        job(0);
        let mut spins = 0u32;
        while s.done.load(Ordering::Acquire) < self.workers.len() {
            spins = spins.wrapping_add(1);
            // Yielding now and then lets a worker that shares this core (more
            // threads than cores) finish its part.
            if spins.is_multiple_of(64) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Release);
        for w in &self.workers {
            w.thread().unpark();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn work(s: &Shared, part: usize) {
    let mut seen = 0u64;
    loop {
        let mut idle_since: Option<Instant> = None;
        let mut spins = 0u32;
        loop {
            if s.shutdown.load(Ordering::Acquire) {
                return;
            }
            let e = s.epoch.load(Ordering::Acquire);
            if e != seen {
                seen = e;
                break;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) {
                let now = Instant::now();
                if now.duration_since(*idle_since.get_or_insert(now)) > SPIN {
                    // `run` unparks every worker after bumping the epoch; the
                    // timeout only bounds the cost of a missed wake-up.
                    std::thread::park_timeout(Duration::from_millis(1));
                } else {
                    std::thread::yield_now();
                }
            } else {
                std::hint::spin_loop();
            }
        }
        // SAFETY: the epoch's Acquire load saw the Release bump made after the
        // job was stored; the job stays valid until `done` counts this worker.
        if let Some(job) = unsafe { *s.job.get() } {
            unsafe { (*job)(part) };
        }
        s.done.fetch_add(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part runs exactly once per job, over many jobs in a row.
    #[test]
    fn every_part_runs_once_per_job() {
        let team = Team::new(3).expect("threads start");
        assert_eq!(team.size(), 3);
        let counts: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
        for _ in 0..2000 {
            team.run(&|p| {
                counts[p].fetch_add(1, Ordering::Relaxed);
            });
        }
        // Long enough for the workers to park, then more jobs.
        std::thread::sleep(Duration::from_millis(5));
        team.run(&|p| {
            counts[p].fetch_add(1, Ordering::Relaxed);
        });
        for c in &counts {
            assert_eq!(c.load(Ordering::Relaxed), 2001);
        }
    }
}
