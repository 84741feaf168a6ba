//! Running compiled kernels: a kernel's arguments bound to the network's
//! arrays once per run ([`Bound`]), the scalar slots filled at each call, a
//! kernel split over threads, and the one-off runs of setters and connect.
//! The simulator's `unsafe` (raw pointers into the arrays, handed to native
//! code) lives here and in `team`.

use super::network::Network;
use super::team::Team;
use crate::codegen::Executable;
use crate::lower;
use crate::model::scope::ArrayKey;

/// A compiled kernel with the arrays and scalars it takes.
#[derive(Clone)]
pub(crate) struct Prepared {
    pub exe: Executable,
    pub bindings: Vec<ArrayKey>,
    pub scalars: Vec<String>,
    /// The IR it was compiled from (kept for loop fusion in the run loop).
    pub kernel: crate::ir::Kernel,
    /// Its run-time checks, by site number (see `lower::FaultChecks`).
    pub sites: Vec<lower::FaultSite>,
}

/// Marks an array binding whose pointer is given at each call (event lists).
pub(crate) const DYNAMIC: &str = "@events";

/// A kernel as the run loop calls it: compiled, its arguments bound when the
/// run starts, how it splits over threads, its random stream and its runtime
/// context (where its checks report).
pub(crate) struct KernelCall {
    pub kernel: Option<Prepared>,
    /// The kernel's array pointers, resolved when the run starts.
    pub bound: Option<Bound>,
    /// How the kernel runs on several threads, when it does.
    pub split: Option<SplitPlan>,
    /// How a pathway's kernel runs on several threads, when it does.
    pub targets: Option<TargetPlan>,
    pub rng: spikejit_runtime::Rng,
    /// The kernel draws random numbers: its stream is keyed by the step
    /// before each call.
    pub draws: bool,
    pub ctx: spikejit_runtime::Context,
}

impl KernelCall {
    /// A kernel (or none) and its random stream, nothing bound yet.
    pub(crate) fn new(kernel: Option<Prepared>, mut rng: spikejit_runtime::Rng) -> KernelCall {
        if !kernel.as_ref().is_some_and(|k| k.kernel.draws()) {
            // A rank's map of synapse numbers serves only draws.
            rng.set_element_map(None);
        }
        KernelCall {
            draws: kernel.as_ref().is_some_and(|k| k.kernel.draws()),
            kernel,
            bound: None,
            split: None,
            targets: None,
            rng,
            ctx: spikejit_runtime::Context::new(),
        }
    }

    /// Calls the bound kernel with the slot values `v` and the event list
    /// `events` (a pathway's synapses; null for other kernels). False when
    /// there is no kernel to call.
    #[inline]
    pub(crate) fn run(&mut self, v: &SlotValues, events: *mut u8) -> bool {
        match (&self.kernel, &mut self.bound) {
            (Some(k), Some(b)) => {
                call(k, b, v, &mut self.rng, &mut self.ctx, events);
                true
            }
            _ => false,
        }
    }

    /// Calls a pathway's bound kernel on the event list `events` (`v.count`
    /// synapses), split over the team's threads by target where it has a plan
    /// and the list is long enough to pay for it.
    #[inline]
    pub(crate) fn run_events(&mut self, team: Option<&Team>, v: &SlotValues, events: *mut u8) -> bool {
        if let (Some(plan), Some(team)) = (self.targets.as_mut(), team)
            && v.count >= MIN_SPLIT_EVENTS
        {
            plan.call(team, v, events);
            return true;
        }
        self.run(v, events)
    }

    /// Calls the bound kernel over elements `0..v.end`, split over the team's
    /// threads where it has a plan.
    #[inline]
    pub(crate) fn run_elements(&mut self, team: Option<&Team>, v: &SlotValues) {
        if let (Some(k), Some(b)) = (&self.kernel, &mut self.bound) {
            call_elements(k, b, self.split.as_mut(), team, v, &mut self.rng, &mut self.ctx);
        }
    }

    /// Whether the kernel's checks recorded faults (read and emptied by
    /// [`Network::record_faults`]): one length test per call.
    #[inline]
    pub(crate) fn faulted(&self) -> bool {
        !self.ctx.faults.is_empty()
    }
}

/// The event space of a group that an op reads: `n + 1` entries of the
/// group's array for the `n` elements its threshold runs over (the group's,
/// or a rank's own: the indices of this step's events, then their count),
/// resolved when a run starts so that a step reads its events without a
/// lookup.
#[derive(Clone, Copy)]
pub(crate) struct EventSpace {
    first: *const i32,
    n: usize,
}

impl EventSpace {
    /// No event space: no events.
    pub(crate) const NONE: EventSpace = EventSpace {
        first: std::ptr::null(),
        n: 0,
    };

    /// The event space held by `space` (`n + 1` entries). It stays valid while
    /// that array is neither dropped nor resized, as the network's arrays are
    /// not during a run (an op lives from the start of a run to its end).
    pub(crate) fn of(space: &[i32]) -> EventSpace {
        EventSpace {
            first: space.as_ptr(),
            n: space.len() - 1,
        }
    }

    /// This step's events.
    #[inline]
    pub(crate) fn events<'a>(self) -> &'a [i32] {
        // SAFETY: `first` is null or points at a live event space of `n + 1`
        // entries (see `EventSpace::of`).
        unsafe { event_slice(self.first, self.n) }
    }
}

/// The values of the scalar slots of a kernel call.
#[derive(Clone, Copy)]
pub(crate) struct SlotValues<'a> {
    pub t: f64,
    pub step: i64,
    pub start: usize,
    pub end: usize,
    pub count: usize,
    pub extra: &'a [(&'static str, u64)],
}

/// A kernel's arguments resolved for a run.
pub(crate) struct Bound {
    ptrs: Vec<*mut u8>,
    dynamic: Vec<usize>,
    slots: Vec<Slot>,
    scalars: Vec<u64>,
}

enum Slot {
    T,
    TStep,
    Start,
    End,
    Count,
    Extra(String),
}

impl<'a> SlotValues<'a> {
    /// The values of a one-off call at time `t` with the extra scalars
    /// `extra` (start and end set for each call).
    pub(crate) fn at(t: f64, extra: &'a [(&'static str, u64)]) -> SlotValues<'a> {
        SlotValues {
            t,
            step: 0,
            start: 0,
            end: 0,
            count: 0,
            extra,
        }
    }
}

impl Network {
    /// Resolves a kernel's array pointers (valid until arrays are resized).
    ///
    /// A rank-local array (a neuron group's per-neuron array on several
    /// ranks, holding neurons `first..end`; see [`super::arrays::Store`]) is
    /// bound at its *virtual base*, `first` elements before its first
    /// element, so that the kernel's unchanged `base + index * size` with a
    /// neuron's index in the whole group addresses that neuron's element.
    /// This is sound only because no kernel reads or writes such an array
    /// outside `first..end`. Every kernel over a group's neurons runs over
    /// (a part of) the owned range (state updates, thresholds,
    /// `run_regularly`, PoissonInput, setters, summed variables' zeroing,
    /// `(constant over dt)` subexpressions); resets, code run on events and
    /// spike monitors read the rank's own events; synapses hold only
    /// synapses onto owned targets and may not reach their source's arrays
    /// (`check_distributable`); state monitors record only owned neurons
    /// (`owned_columns`); and the one-off kernels that read any neuron
    /// (`connect`, a set of synapses) run on whole copies
    /// ([`Network::with_whole_arrays`]).
    pub(crate) fn bind(&mut self, k: &Prepared) -> Bound {
        let mut ptrs = Vec::with_capacity(k.bindings.len());
        let mut dynamic = Vec::new();
        for (n, key) in k.bindings.iter().enumerate() {
            if key.var == DYNAMIC {
                dynamic.push(n);
                ptrs.push(std::ptr::null_mut());
            } else {
                self.materialise_synapse_counts(key);
                let first = self.store.first(key);
                ptrs.push(
                    self.store
                        .get_mut(key)
                        .map(|a| a.ptr().wrapping_sub(first * a.elem_bytes()))
                        .unwrap_or(std::ptr::null_mut()),
                );
            }
        }
        let slots: Vec<Slot> = k
            .scalars
            .iter()
            .map(|s| match s.as_str() {
                lower::SCALAR_T => Slot::T,
                lower::SCALAR_TSTEP => Slot::TStep,
                lower::SCALAR_START => Slot::Start,
                lower::SCALAR_END => Slot::End,
                lower::SCALAR_COUNT => Slot::Count,
                other => Slot::Extra(other.to_string()),
            })
            .collect();
        let scalars = vec![0; slots.len()];
        Bound {
            ptrs,
            dynamic,
            slots,
            scalars,
        }
    }
}

impl Network {
    /// Binds a kernel of the run loop to the arrays (they do not move during
    /// a run), split over threads where it runs over `splittable` elements
    /// and the network has several.
    pub(crate) fn bind_call(&mut self, call: &mut KernelCall, splittable: Option<(usize, usize)>) {
        if let Some(k) = &call.kernel {
            let bound = self.bind(k);
            call.split = match splittable {
                Some(range) if self.threads > 1 => SplitPlan::new(k, &bound, range, self.threads, &call.rng),
                _ => None,
            };
            if call.split.is_some() && !self.stats.threaded_kernels.contains(&k.kernel.name) {
                self.stats.threaded_kernels.push(k.kernel.name.clone());
            }
            call.bound = Some(bound);
        }
    }

    /// Binds a pathway's kernel (as [`Network::bind_call`]) and, on several
    /// threads, prepares its split by target where `ir::parallel` allows it
    /// and the targets are many (its kernel restricted to a range of targets
    /// is compiled once, here).
    pub(crate) fn bind_pathway_call(&mut self, call: &mut KernelCall) {
        self.bind_call(call, None);
        call.targets = None;
        let Some(k) = call.kernel.clone() else {
            return;
        };
        // The restriction adds the scalars `_start` and `_end`: a kernel that
        // has them already keeps its own meaning of them, whole.
        let named_range = k
            .scalars
            .iter()
            .any(|s| s == lower::SCALAR_START || s == lower::SCALAR_END);
        if self.threads < 2 || named_range {
            return;
        }
        let Some(split) = crate::ir::parallel::target_parallel(&k.kernel) else {
            return;
        };
        // The targets the written arrays hold (on several ranks, those the
        // rank owns: `first..first + len`).
        let (lo, hi) = split
            .written
            .iter()
            .filter_map(|&a| {
                let key = &k.bindings[a];
                let first = self.store.first(key);
                self.store.get(key).map(|x| (first, first + x.len()))
            })
            .fold((usize::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
        let n = hi.saturating_sub(lo);
        // As for the neuron kernels: a smaller target group's state update
        // runs on one thread, and splitting its pathways would move its
        // arrays' cache lines from core to core at every step (CUBA-16000 on
        // two threads: 0.16 -> 0.26 s). From this size on, the update's
        // neuron ranges and the pathways' target ranges are the same.
        if n < MIN_SPLIT {
            return;
        }
        let Some(restricted) =
            crate::ir::parallel::restricted_to_targets(&k.kernel, &split, lower::SCALAR_START, lower::SCALAR_END)
        else {
            return;
        };
        let mut scalars = k.scalars.clone();
        scalars.extend([lower::SCALAR_START.to_string(), lower::SCALAR_END.to_string()]);
        // A kernel that does not compile is run whole, on one thread.
        let Ok(p) = self.compile_kernel(restricted, k.bindings.clone(), scalars) else {
            return;
        };
        let bound = self.bind(&p);
        let threads = self.threads;
        let ranges = (0..threads)
            .map(|r| RangeCall {
                start: lo + n * r / threads,
                end: lo + n * (r + 1) / threads,
                ptrs: bound.ptrs.clone(),
                scalars: vec![0; bound.scalars.len()],
                scratch: Vec::new(),
                rng: None,
            })
            .collect();
        if !self.stats.threaded_kernels.contains(&k.kernel.name) {
            self.stats.threaded_kernels.push(k.kernel.name.clone());
        }
        call.targets = Some(TargetPlan {
            dynamic: bound.dynamic.clone(),
            slots: bound.slots,
            kernel: p,
            ranges,
        });
    }

    /// Runs a one-off kernel (setters, connect, input values) over
    /// `elements` at time `t`: bound once, then the run loop's call path.
    pub(crate) fn exec(
        &mut self,
        k: &Prepared,
        elements: std::ops::Range<usize>,
        t: f64,
        rng: &mut spikejit_runtime::Rng,
        ctx: &mut spikejit_runtime::Context,
    ) {
        self.exec_in_chunks(k, elements, usize::MAX, SlotValues::at(t, &[]), rng, ctx);
    }

    /// [`Network::exec`] in calls of at most `chunk` elements, stopping after
    /// a call that recorded an error in `ctx` (the first error is the one
    /// reported, so the elements after it need not run). The kernel runs at
    /// least once; its random stream runs on from call to call.
    pub(crate) fn exec_in_chunks(
        &mut self,
        k: &Prepared,
        elements: std::ops::Range<usize>,
        chunk: usize,
        v: SlotValues,
        rng: &mut spikejit_runtime::Rng,
        ctx: &mut spikejit_runtime::Context,
    ) {
        let mut b = self.bind(k);
        let mut start = elements.start;
        loop {
            let end = start.saturating_add(chunk).min(elements.end).max(start);
            let v = SlotValues { start, end, ..v };
            call(k, &mut b, &v, rng, ctx, std::ptr::null_mut());
            start = end;
            if start >= elements.end || ctx.error.is_some() {
                break;
            }
        }
    }
}

/// Elements below which a kernel is not split over threads: handing ranges to
/// other threads and waiting for them costs microseconds per call.
const MIN_SPLIT: usize = 16384;

/// A kernel split over contiguous element ranges, one per thread (see
/// [`crate::ir::parallel`]): each range has its own copy of the arguments, and,
/// for a threshold, its own event space, whose lists are concatenated in range
/// order after the call (the order one call over all elements writes).
pub(crate) struct SplitPlan {
    /// Contiguous ranges covering all elements, in order.
    ranges: Vec<RangeCall>,
    /// The real event space the kernel appends to (`n + 1` entries for `n`
    /// elements), if it does.
    space: Option<*mut i32>,
}

struct RangeCall {
    start: usize,
    end: usize,
    ptrs: Vec<*mut u8>,
    scalars: Vec<u64>,
    /// This range's event space (`n + 1` entries), when the kernel appends.
    scratch: Vec<i32>,
    /// This range's random stream, when the kernel draws: a copy of the
    /// kernel's, keyed by the step at each call. Every draw of the loop is
    /// keyed by its element (`ir::parallel` checked), so the copies draw what
    /// the one stream would.
    rng: Option<spikejit_runtime::Rng>,
}

impl RangeCall {
    fn run(&mut self, k: &Prepared, slots: &[Slot], v: &SlotValues) {
        let v = SlotValues {
            start: self.start,
            end: self.end,
            ..*v
        };
        fill_scalars(slots, &v, &mut self.scalars);
        let rng = match self.rng.as_mut() {
            Some(r) => {
                r.begin_step(v.step as u64);
                r as *mut spikejit_runtime::Rng
            }
            None => std::ptr::null_mut(),
        };
        let args = crate::ir::KernelArgs {
            arrays: self.ptrs.as_ptr(),
            scalars: self.scalars.as_ptr(),
            rng,
            ctx: std::ptr::null_mut(),
        };
        // SAFETY: as in `call`; the kernel makes no calls on the runtime
        // context (checked by `ir::parallel`), so it never touches `ctx`; it
        // draws only when it was given this range's own stream; and it writes
        // only what its range owns (its elements, or a pathway's targets and
        // their synapses) and its own scratch event space.
        unsafe { k.exe.run(&args) };
    }
}

/// Runs `k` over each of `ranges` on the team's threads, one range a thread,
/// and returns when all are done.
fn run_ranges(team: &Team, ranges: &mut [RangeCall], k: &Prepared, slots: &[Slot], v: &SlotValues) {
    #[derive(Clone, Copy)]
    struct Ranges(*mut RangeCall, usize);
    // SAFETY: each part index is handed to exactly one thread, which is the
    // only one to touch that range during the call; a range's pointers
    // address the network's arrays (only what that range owns is written, as
    // `ir::parallel` checked) or its own scratch space, and the arrays
    // outlive the call, which waits for every part.
    unsafe impl Sync for Ranges {}
    let ranges = Ranges(ranges.as_mut_ptr(), ranges.len());
    let ranges = &ranges;
    team.run(&|part| {
        let Ranges(first, len) = *ranges;
        if part < len {
            // SAFETY: `part` is in bounds and no other thread has this range.
            unsafe { (*first.add(part)).run(k, slots, v) };
        }
    });
}

impl SplitPlan {
    pub(crate) fn new(
        k: &Prepared,
        b: &Bound,
        (first, last): (usize, usize),
        threads: usize,
        rng: &spikejit_runtime::Rng,
    ) -> Option<SplitPlan> {
        let n = last.saturating_sub(first);
        if n < MIN_SPLIT || threads < 2 {
            return None;
        }
        let split = crate::ir::parallel::element_parallel(&k.kernel, lower::SCALAR_START, lower::SCALAR_END)?;
        // Ranges meet at multiples of JUMP_BLOCK, as ranks' do: a run of
        // elements keyed together (`Rng::at_in_range`) is one thread's.
        let block = spikejit_runtime::rng::JUMP_BLOCK;
        let boundary = |r: usize| match r {
            0 => first,
            r if r >= threads => last,
            r => ((first + n * r / threads) / block * block).clamp(first, last),
        };
        // The kernel's arrays are bound in declaration order.
        let ranges = (0..threads)
            .map(|r| {
                let mut ptrs = b.ptrs.clone();
                let mut scratch = Vec::new();
                if let Some(a) = split.append {
                    // The range's events, then their count.
                    scratch = vec![0i32; boundary(r + 1) - boundary(r) + 1];
                    ptrs[a] = scratch.as_mut_ptr() as *mut u8;
                }
                RangeCall {
                    start: boundary(r),
                    end: boundary(r + 1),
                    ptrs,
                    scalars: vec![0; b.scalars.len()],
                    scratch,
                    rng: None,
                }
            })
            .collect::<Vec<_>>();
        let draws = k.kernel.draws();
        let ranges = ranges
            .into_iter()
            .map(|r| RangeCall {
                rng: draws.then(|| rng.clone()),
                ..r
            })
            .collect();
        let space = split.append.map(|a| b.ptrs[a] as *mut i32);
        Some(SplitPlan { ranges, space })
    }

    /// Runs the kernel over every range on `pool` and, for a threshold, gathers
    /// the ranges' events into the real event space.
    fn call(&mut self, team: &Team, k: &Prepared, slots: &[Slot], v: &SlotValues) {
        run_ranges(team, &mut self.ranges, k, slots, v);
        if let Some(space) = self.space {
            // The elements the call ran over (the rank's own), whose events
            // and count the event space holds.
            let first = self.ranges.first().map_or(0, |r| r.start);
            let n = self.ranges.last().map_or(0, |r| r.end) - first;
            let mut total = 0usize;
            for r in &self.ranges {
                let count = (r.scratch[r.end - r.start].max(0) as usize).min(r.end - r.start);
                // SAFETY: `space` is the live event space of (at least) `n + 1`
                // entries, and the ranges' counts add up to at most `n`.
                unsafe { std::ptr::copy_nonoverlapping(r.scratch.as_ptr(), space.add(total), count) };
                total += count;
            }
            // SAFETY: as above; entry `n` holds the count.
            unsafe { *space.add(n) = total as i32 };
        }
    }
}

/// Events below which a pathway runs on one thread (waking the team and
/// scanning the list on each thread costs a few microseconds).
const MIN_SPLIT_EVENTS: usize = 256;

/// A pathway's kernel split over ranges of its targets (see
/// [`crate::ir::parallel::target_parallel`]): every thread scans the whole
/// event list and runs the code for the synapses whose target is in its range,
/// so each target receives its events in list order, as on one thread.
pub(crate) struct TargetPlan {
    /// The pathway's kernel restricted to targets in `[_start, _end)`.
    kernel: Prepared,
    /// Where its event list goes among its arrays.
    dynamic: Vec<usize>,
    slots: Vec<Slot>,
    /// Contiguous target ranges covering the written arrays, one per thread
    /// (no scratch: a pathway appends to no event space).
    ranges: Vec<RangeCall>,
}

impl TargetPlan {
    fn call(&mut self, team: &Team, v: &SlotValues, events: *mut u8) {
        for r in &mut self.ranges {
            for &d in &self.dynamic {
                r.ptrs[d] = events;
            }
        }
        // The kernel writes only its range's targets and their synapses, which
        // no other range writes or reads (`ir::parallel::target_parallel`).
        run_ranges(team, &mut self.ranges, &self.kernel, &self.slots, v);
    }
}

fn fill_scalars(slots: &[Slot], v: &SlotValues, out: &mut [u64]) {
    for (slot, out) in slots.iter().zip(out.iter_mut()) {
        *out = match slot {
            Slot::T => v.t.to_bits(),
            Slot::TStep => v.step as u64,
            Slot::Start => v.start as u64,
            Slot::End => v.end as u64,
            Slot::Count => v.count as u64,
            Slot::Extra(name) => v.extra.iter().find(|(n, _)| n == name).map(|(_, x)| *x).unwrap_or(0),
        };
    }
}

/// Calls a kernel over elements `0..v.end`: split over the team's threads where
/// the op has a plan, else in one call on this thread.
#[inline]
fn call_elements(
    k: &Prepared,
    b: &mut Bound,
    split: Option<&mut SplitPlan>,
    team: Option<&Team>,
    v: &SlotValues,
    rng: &mut spikejit_runtime::Rng,
    ctx: &mut spikejit_runtime::Context,
) {
    match (split, team) {
        (Some(plan), Some(team)) => plan.call(team, k, &b.slots, v),
        _ => call(k, b, v, rng, ctx, std::ptr::null_mut()),
    }
}

/// Calls a bound kernel.
#[inline]
fn call(
    k: &Prepared,
    b: &mut Bound,
    v: &SlotValues,
    rng: &mut spikejit_runtime::Rng,
    ctx: &mut spikejit_runtime::Context,
    events: *mut u8,
) {
    for &d in &b.dynamic {
        b.ptrs[d] = events;
    }
    fill_scalars(&b.slots, v, &mut b.scalars);
    let args = crate::ir::KernelArgs {
        arrays: b.ptrs.as_ptr(),
        scalars: b.scalars.as_ptr(),
        rng,
        ctx,
    };
    // SAFETY: the pointers were resolved from the network's arrays when the run
    // started and arrays are not resized during a run; the kernel was lowered
    // against these bindings and only indexes within them.
    unsafe { k.exe.run(&args) };
}

/// The events of this step from an event space of `n + 1` entries.
///
/// # Safety
/// `space` must point at a live `i32` array of `n + 1` entries.
unsafe fn event_slice<'a>(space: *const i32, n: usize) -> &'a [i32] {
    if space.is_null() {
        return &[];
    }
    // SAFETY: per the contract, `space[0..=n]` is readable.
    let all = unsafe { std::slice::from_raw_parts(space, n + 1) };
    let count = (all[n].max(0) as usize).min(n);
    &all[..count]
}
