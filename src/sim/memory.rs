//! How much memory a network may use, and the checks that refuse, before it
//! is allocated, what a model asks for beyond it (an allocation that fails
//! aborts the process: a size that comes from the model is checked first).

use crate::diag::{Diagnostic, Errors, Result};

/// The memory a network may still allocate, in bytes, and what bounds it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Available {
    pub bytes: f64,
    /// True when an address-space limit (`ulimit -v`, `RLIMIT_AS`) bounds it
    /// rather than the machine's memory.
    pub by_limit: bool,
}

impl Available {
    /// "this machine has (24 GiB)", for messages.
    pub fn describe(&self) -> String {
        if self.by_limit {
            format!(
                "the address-space limit (ulimit -v) leaves this process ({})",
                show_bytes(self.bytes)
            )
        } else {
            format!("this machine has ({})", show_bytes(self.bytes))
        }
    }
}

/// The memory this process may still allocate: the machine's physical memory
/// (`MemTotal` of /proc/meminfo) less what the process holds (`VmRSS`), or,
/// under an address-space limit (`RLIMIT_AS`, as a fuzzer or `ulimit -v`
/// sets), what the limit leaves beyond the address space in use (`VmSize`),
/// if that is less. `None` where neither is known (not Linux).
pub(crate) fn available_memory() -> Option<Available> {
    let own = |key: &str| kib_field("/proc/self/status", key).unwrap_or(0.0) * 1024.0;
    let machine = kib_field("/proc/meminfo", "MemTotal:").map(|k| (k * 1024.0 - own("VmRSS:")).max(0.0));
    let left = address_space_limit().map(|limit| (limit - own("VmSize:")).max(0.0));
    match (machine, left) {
        (Some(m), Some(l)) if l < m => Some(Available {
            bytes: l,
            by_limit: true,
        }),
        (Some(m), _) => Some(Available {
            bytes: m,
            by_limit: false,
        }),
        (None, Some(l)) => Some(Available {
            bytes: l,
            by_limit: true,
        }),
        (None, None) => None,
    }
}

/// Makes room for `extra` more values in a monitor's recording buffer: false,
/// with nothing allocated, when growing it would leave no memory to read or
/// write the recording out (a copy of it), or the allocation fails. Memory is
/// only looked at when the buffer must grow (a doubling).
pub(crate) fn make_room<T>(v: &mut Vec<T>, extra: usize) -> bool {
    if v.capacity() - v.len() >= extra {
        return true;
    }
    let size = std::mem::size_of::<T>() as f64;
    let len = v.len().saturating_add(extra);
    let grown = len.max(v.capacity().saturating_mul(2)) as f64 * size;
    if let Some(avail) = available_memory()
        && grown + len as f64 * size > avail.bytes
    {
        return false;
    }
    v.try_reserve(extra).is_ok()
}

/// The number (in kB) of the line starting with `key` in a /proc file.
fn kib_field(path: &str, key: &str) -> Option<f64> {
    let info = std::fs::read_to_string(path).ok()?;
    let line = info.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The soft address-space limit in bytes (`Max address space` of
/// /proc/self/limits), if there is one.
fn address_space_limit() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Refuses, before they are allocated, `count` things (`what`: "timed-array
/// entries") of `bytes_each` bytes when they need more memory than is
/// available ([`available_memory`]); the error says how much, and `ctx`
/// names the object and key (`timed_arrays 'I'.length`).
pub(crate) fn check_memory(code: &'static str, ctx: &str, what: &str, count: f64, bytes_each: f64) -> Result<()> {
    let bytes = count * bytes_each;
    match available_memory() {
        Some(mem) if bytes > mem.bytes => Err(Errors::one(
            Diagnostic::new(
                code,
                format!(
                    "{} {what} would need {} of memory, more than {}",
                    show_count(count),
                    show_bytes(bytes),
                    mem.describe()
                ),
            )
            .with_context(ctx),
        )),
        _ => Ok(()),
    }
}

/// A count for messages: digits up to 10^15, then `1e15`.
pub(crate) fn show_count(count: f64) -> String {
    if count >= 1e15 {
        format!("{count:e}")
    } else {
        format!("{count:.0}")
    }
}

/// Bytes for messages, rounded up: "3 GiB", "120 MiB", "4 KiB".
pub(crate) fn show_bytes(b: f64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut x = b / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if x < 1024.0 {
            break;
        }
        x /= 1024.0;
        unit = u;
    }
    if x >= 1e6 {
        format!("{x:.1e} {unit}")
    } else {
        format!("{:.0} {unit}", x.ceil())
    }
}

/// Refuses, before anything is allocated, `count` elements (`what`: "neurons",
/// "synapses") of `bytes_each` bytes when they cannot fit: more than the 32-bit
/// indices spikejit uses (as Brian2 does) can address, or more bytes than the
/// memory available ([`memory::available_memory`]). `ctx` names the object
/// and key (`neurons 'P'.N`).
pub(crate) fn check_size(code: &'static str, ctx: &str, what: &str, count: f64, bytes_each: f64) -> Result<()> {
    let max_index = f64::from(i32::MAX);
    let shown = show_count(count);
    if let Err(mut e) = check_memory(code, ctx, what, count, bytes_each) {
        if count > max_index {
            for d in &mut e.0 {
                d.help = Some(format!(
                    "spikejit indexes {what} with 32-bit integers, as Brian2 does: at most {}",
                    i32::MAX
                ));
            }
        }
        return Err(e);
    }
    if count > max_index {
        return Err(Errors::one(
            Diagnostic::new(
                code,
                format!(
                    "{shown} {what} are too many: spikejit indexes {what} with 32-bit integers, as Brian2 does (at most {})",
                    i32::MAX
                ),
            )
            .with_context(ctx),
        ));
    }
    Ok(())
}

/// Refuses a copy of a network's state of `bytes` (a `store`, a `restore`)
/// that does not fit in the memory available; `ctx` names the step.
pub(crate) fn check_state_copy(ctx: &str, bytes: f64) -> Result<()> {
    match available_memory() {
        Some(mem) if bytes > mem.bytes => Err(Errors::one(
            Diagnostic::new(
                "too-large",
                format!(
                    "{ctx}: a copy of the network's state ({}) needs more memory than {}",
                    show_bytes(bytes),
                    mem.describe()
                ),
            )
            .with_context(ctx)
            .with_help("store fewer states (a name stored again replaces its state), or a smaller network"),
        )),
        _ => Ok(()),
    }
}

/// The error of a recording buffer that could not grow during a run: the run
/// stops after the step, with what was recorded before it.
pub(crate) fn recording_failed(monitor: &str, held: usize, t: f64) -> Diagnostic {
    Diagnostic::new(
        "out-of-memory",
        format!(
            "monitors '{monitor}': no memory to record the step at t = {} s ({} recorded so far); the run stopped after that step",
            crate::units::py_float_repr(t),
            show_bytes(held as f64)
        ),
    )
    .with_context(format!("monitors '{monitor}'"))
    .with_help("record fewer elements or variables, or a shorter run")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Network;
    use crate::sim::objects::Object;

    #[test]
    fn bytes_are_shown_rounded_up() {
        assert_eq!(show_bytes(1.0), "1 KiB");
        assert_eq!(show_bytes(3.5 * 1024.0 * 1024.0), "4 MiB");
        assert_eq!(show_bytes(24.0 * (1u64 << 30) as f64), "24 GiB");
        assert_eq!(show_bytes(8e14), "728 TiB");
        assert_eq!(show_bytes(1e40), "8.7e21 EiB");
    }

    use crate::sim::queue::RING_CAP;
    use crate::sim::{Checkpoint, NeuronGroup, Selection, Synapses, Value};

    /// 10 neurons that spike at t = 0, and synapses from each to one of 3
    /// targets with delay `delay` seconds.
    fn spiking_once(delay: f64) -> (Network, crate::sim::Handle, crate::sim::Handle) {
        let mut net = Network::new();
        let g = net
            .add_neurons(NeuronGroup::new(10, "v : 1").threshold("v > 1").reset("v = 0"))
            .unwrap();
        net.set(g, "v", Value::Scalar(2.0), Selection::All).unwrap();
        let h = net.add_neurons(NeuronGroup::new(3, "x : 1")).unwrap();
        let s = net
            .add_synapses(Synapses::new(g, h, "").on_pre("x_post += 1").delay(delay))
            .unwrap();
        net.connect(s, crate::sim::Connect::j("i % 3")).unwrap();
        (net, s, h)
    }

    fn queue_of(net: &Network, s: crate::sim::Handle) -> &crate::sim::queue::SpikeQueue {
        match &net.objects[s.0] {
            Object::Synapses(x) => &x.pathways[0].queue,
            _ => panic!("not synapses"),
        }
    }

    /// A spike due long after the run (10^6 s at dt = 0.1 ms: 10^10 steps)
    /// costs its events, not a bucket per step of delay; a checkpoint keeps it.
    #[test]
    fn a_spike_due_after_the_run_costs_no_memory_per_step() {
        let (mut net, s, h) = spiking_once(1e6);
        net.run(1e-3).unwrap();
        let q = queue_of(&net, s);
        let pending = q.pending();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].0, 10_000_000_000 - 9);
        assert_eq!(pending[0].1.len(), 10);
        assert!(q.ring_len() <= RING_CAP);
        assert!(q.heap_bytes() < (RING_CAP + 100) * 24, "{} bytes", q.heap_bytes());
        assert_eq!(net.get(h, "x").unwrap().to_vec(), vec![0.0; 3]);
        let ck = Checkpoint::from_bytes(&net.checkpoint().to_bytes()).unwrap();
        let (mut later, s2, _) = spiking_once(1e6);
        later.restore_checkpoint(ck).unwrap();
        assert_eq!(queue_of(&later, s2).pending(), pending);
    }

    /// A delay just beyond the ring (its cap plus 5 steps) delivers at its step.
    #[test]
    fn a_delay_beyond_the_ring_delivers_at_its_step() {
        let dt = 1e-4;
        let steps = RING_CAP + 5;
        let (mut net, s, h) = spiking_once(steps as f64 * dt);
        net.run(steps as f64 * dt).unwrap();
        assert_eq!(queue_of(&net, s).ring_len(), RING_CAP);
        assert_eq!(net.get(h, "x").unwrap().to_vec(), vec![0.0; 3]);
        net.run(dt).unwrap();
        assert_eq!(net.get(h, "x").unwrap().to_vec(), vec![4.0, 3.0, 3.0]);
    }

    #[test]
    fn memory_is_known_on_linux() {
        if cfg!(target_os = "linux") {
            let a = available_memory().expect("/proc is readable");
            assert!(a.bytes > 0.0);
        }
    }
}
