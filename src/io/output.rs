//! What `spikejit run` writes (DESIGN.md, "Model files (the contract)"):
//! `DIR/NAME.npz` per monitor, `DIR/summary.json`, and with `--dump-state`
//! `DIR/state/GROUP.npz`. Every file is written to a temporary name in its
//! directory and renamed, so a reader never sees half a file.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ndarray::{Array0, Array1};
use ndarray_npy::{NpzWriter, WriteNpyExt};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::diag::{Diagnostic, Errors, Result};
use crate::sim::{Array, Network};

/// Seconds spent in each phase, for `summary.json`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Reading and checking the model file.
    pub parse_seconds: f64,
    /// Building the objects (connect and init included) and every kernel.
    pub compile_seconds: f64,
    /// The runs, kernel building excluded.
    pub run_seconds: f64,
    /// Whether the runs were stopped early (Ctrl-C); `t_end` says where.
    pub interrupted: bool,
}

/// A map that keeps its insertion order when serialised.
#[derive(Clone, Debug, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One compiled kernel and the seconds its compilation took.
#[derive(Clone, Debug, Serialize)]
pub struct KernelTime {
    /// The kernel's name (the object and the operation it runs, e.g. a state update or a pathway).
    pub name: String,
    /// Seconds of JIT compilation (kernels found in the compile cache are not listed).
    pub seconds: f64,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Spikes per group that spikes (neuron groups, Poisson groups, spike generators), in network order.
    pub spike_counts: Ordered<u64>,
    /// Synapses per synapses object, in network order.
    pub synapse_counts: Ordered<usize>,
    /// Seconds reading and checking the model file.
    pub parse_seconds: f64,
    /// Seconds building the network: objects, `connect` and `init`, unit checks and every kernel's JIT compilation.
    pub compile_seconds: f64,
    /// Seconds in the time-step loop (kernel building excluded).
    pub run_seconds: f64,
    /// The version of spikejit that ran the model.
    pub spikejit_version: String,
    /// The model file, as given on the command line.
    pub model: String,
    /// The default clock's step, in seconds.
    pub dt: f64,
    /// The seed of the random streams; `None` (`null`) when the model gave none and seed 0 was used.
    pub seed: Option<u64>,
    /// The precision of floating-point variables: `"float64"` or `"float32"`.
    pub dtype: &'static str,
    /// The simulated time at the end, in seconds.
    pub t_end: f64,
    /// Time steps of the default clock.
    pub steps: u64,
    /// How many kernels were JIT-compiled (compile-cache hits not counted).
    pub kernel_count: usize,
    /// Sum of the kernels' compile times.
    pub kernel_compile_seconds: f64,
    /// Each compiled kernel with its compile time, in compile order.
    pub kernels: Vec<KernelTime>,
    /// Seconds spent creating synapses (part of `compile_seconds`).
    pub connect_seconds: f64,
    /// Synaptic events delivered over all runs (one per synapse and event).
    pub synaptic_events: u64,
    /// The process's peak resident memory so far, in bytes (Linux; absent elsewhere).
    pub peak_memory_bytes: Option<u64>,
    /// The runs were stopped early (Ctrl-C, `--stop-after-steps`, a finding
    /// of the checks with `--nan=error`): the outputs hold what was recorded until `t_end`.
    pub interrupted: bool,
    /// What the run-time checks found (state variables holding NaN or an
    /// infinity, integer division or modulo by zero, overflow, invalid
    /// conversions), one entry per variable and kind, in the order found.
    pub findings: Vec<crate::sim::Finding>,
    /// Threads the runs used (`--threads`).
    pub threads: usize,
    /// The kernels that ran split over those threads.
    pub threaded_kernels: Vec<String>,
    /// Warnings about the model's code ([`Network::warnings`]); in
    /// `summary.json` as one line each (`FILE:LINE:COL: message (in ...)`).
    #[serde(serialize_with = "diagnostics_as_lines")]
    pub warnings: Vec<crate::diag::Diagnostic>,
    /// With `--profile`: the seconds and steps of each object of the
    /// schedule over all runs, in schedule order (absent without it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<crate::sim::OpTime>,
    /// On several ranks (`mpirun`): what each rank held and the time it
    /// spent exchanging, in rank order (absent on one rank).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranks: Vec<crate::sim::partition::RankSummary>,
}

fn diagnostics_as_lines<S: serde::Serializer>(
    ds: &[crate::diag::Diagnostic],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(ds.iter().map(|d| d.to_string()))
}

impl Summary {
    /// The summary of a network after its runs.
    pub fn new(net: &Network, model: &str, protocol: &super::Protocol, timings: &Timings) -> Summary {
        let stats = net.stats();
        let kernels: Vec<KernelTime> = stats
            .kernels
            .iter()
            .map(|(n, s)| KernelTime {
                name: n.clone(),
                seconds: *s,
            })
            .collect();
        Summary {
            spike_counts: Ordered(net.spike_counts()),
            synapse_counts: Ordered(net.synapse_counts()),
            parse_seconds: timings.parse_seconds,
            compile_seconds: timings.compile_seconds,
            run_seconds: timings.run_seconds,
            spikejit_version: env!("CARGO_PKG_VERSION").to_string(),
            model: model.to_string(),
            dt: protocol.dt,
            seed: protocol.seed,
            dtype: if protocol.float32 { "float32" } else { "float64" },
            t_end: net.t(),
            steps: stats.steps,
            kernel_count: kernels.len(),
            kernel_compile_seconds: kernels.iter().map(|k| k.seconds).sum(),
            kernels,
            connect_seconds: stats.connect_seconds,
            synaptic_events: stats.synaptic_events,
            peak_memory_bytes: peak_memory_bytes(),
            interrupted: timings.interrupted,
            findings: net.findings().to_vec(),
            threads: net.threads(),
            threaded_kernels: stats.threaded_kernels.clone(),
            warnings: net.warnings(),
            profile: stats.profile.clone(),
            ranks: Vec::new(),
        }
    }

    /// All spikes of all groups together.
    pub fn total_spikes(&self) -> u64 {
        self.spike_counts.0.iter().map(|x| x.1).sum()
    }

    /// All synapses of all synapses objects together.
    pub fn total_synapses(&self) -> usize {
        self.synapse_counts.0.iter().map(|x| x.1).sum()
    }
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`).
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn io_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Errors {
    Errors::one(
        Diagnostic::new("io", format!("cannot {what} '{}': {e}", path.display()))
            .with_context(path.display().to_string()),
    )
}

/// Writes `bytes` to `path` whole or not at all: through a temporary file in
/// the same directory, flushed to the disk and renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fs::write_atomic(path, bytes).map_err(|e| io_error(path, "write", e))
}

/// An npz file, streamed to a temporary file beside its path and renamed into
/// place when complete: writing a monitor needs no second copy of its data
/// in memory (a recording may take most of it).
struct Npz {
    w: Option<NpzWriter<BufWriter<File>>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl Npz {
    fn new(path: PathBuf) -> Result<Npz> {
        let tmp = crate::fs::tmp_path(&path);
        let f = File::create(&tmp).map_err(|e| io_error(&path, "write", e))?;
        Ok(Npz {
            w: Some(NpzWriter::new(BufWriter::new(f))),
            tmp,
            path,
        })
    }

    fn add<T: WriteNpyExt + ?Sized>(&mut self, name: &str, a: &T) -> Result<()> {
        let Some(w) = self.w.as_mut() else { return Ok(()) };
        w.add_array(name, a)
            .map_err(|e| io_error(&self.path, &format!("write array '{name}' of"), e))
    }

    /// A state array: 0-d for a scalar, with numpy's dtype for its element type
    /// (float64, float32, int32, bool).
    fn add_state(&mut self, name: &str, a: &Array, scalar: bool) -> Result<()> {
        fn put<T: Clone + ndarray_npy::WritableElement>(
            npz: &mut Npz,
            name: &str,
            v: &[T],
            scalar: bool,
        ) -> Result<()> {
            match (scalar, v.first()) {
                (true, Some(x)) => npz.add(name, &Array0::from_elem((), x.clone())),
                _ => npz.add(name, &Array1::from(v.to_vec())),
            }
        }
        match a {
            Array::F64(v) => put(self, name, v, scalar),
            Array::F32(v) => put(self, name, v, scalar),
            Array::I32(v) => put(self, name, v, scalar),
            Array::U8(v) => {
                let b: Vec<bool> = v.iter().map(|&x| x != 0).collect();
                put(self, name, &b, scalar)
            }
        }
    }

    fn finish(mut self) -> Result<()> {
        let Some(w) = self.w.take() else { return Ok(()) };
        let done = w
            .finish()
            .map_err(|e| e.to_string())
            .and_then(|b| b.into_inner().map_err(|e| e.to_string()))
            .and_then(|f| crate::fs::commit(f, &self.tmp, &self.path).map_err(|e| e.to_string()));
        done.map_err(|e| io_error(&self.path, "write", e))
    }
}

impl Drop for Npz {
    /// An npz file not finished (an error while writing it) leaves no temporary file.
    fn drop(&mut self) {
        if self.w.is_some() || self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "create the directory", e))
}

/// Writes recorded values with the dtype of the variable they come from
/// (float32, int32 or bool, as Brian2's monitors record them).
fn add_typed<D: ndarray::Dimension>(
    npz: &mut Npz,
    name: &str,
    values: ndarray::Array<f64, D>,
    elem: Option<crate::ir::ElemTy>,
) -> Result<()>
where
    ndarray::Array<f64, D>: WriteNpyExt,
    ndarray::Array<f32, D>: WriteNpyExt,
    ndarray::Array<i32, D>: WriteNpyExt,
    ndarray::Array<bool, D>: WriteNpyExt,
{
    use crate::ir::ElemTy;
    match elem {
        Some(ElemTy::F32) => npz.add(name, &values.mapv(|x| x as f32)),
        Some(ElemTy::I32 | ElemTy::I64) => npz.add(name, &values.mapv(|x| x as i32)),
        Some(ElemTy::U8) => npz.add(name, &values.mapv(|x| x != 0.0)),
        _ => npz.add(name, &values),
    }
}

/// Writes `DIR/NAME.npz` for every monitor of the network.
pub fn write_monitors(net: &Network, dir: &Path) -> Result<()> {
    create_dir(dir)?;
    for (h, kind) in net.monitors() {
        let name = net.name_of(h).to_string();
        let mut npz = Npz::new(dir.join(format!("{name}.npz")))?;
        match kind {
            "spike" => {
                let Some(d) = net.spike_monitor(h) else { continue };
                if net.spike_monitor_records(h) {
                    npz.add("i", &d.i)?;
                    npz.add("t", &d.t)?;
                }
                npz.add("count", &d.count)?;
                let types = net.monitor_elem_types(h);
                for (k, (var, values)) in net.spike_monitor_values(h).into_iter().enumerate() {
                    if !matches!(var.as_str(), "i" | "t" | "count") {
                        add_typed(&mut npz, &var, values, types.get(k).copied())?;
                    }
                }
            }
            "state" => {
                let Some(d) = net.state_monitor(h) else { continue };
                npz.add("t", &d.t)?;
                if let Some(distance) = net.state_monitor_distance(h) {
                    npz.add(crate::plot::monitors::DISTANCE, &distance)?;
                }
                let types = net.monitor_elem_types(h);
                for (k, (var, values)) in d.values.into_iter().enumerate() {
                    add_typed(&mut npz, &var, values, types.get(k).copied())?;
                }
            }
            "rate" => {
                let Some((t, rate)) = net.rate_monitor(h) else { continue };
                npz.add("t", &t)?;
                npz.add("rate", &rate)?;
            }
            _ => continue,
        }
        npz.finish()?;
    }
    Ok(())
}

/// Writes `DIR/state/GROUP.npz` for every neuron group and synapses object.
pub fn write_state(net: &Network, dir: &Path) -> Result<()> {
    let sdir = dir.join("state");
    create_dir(&sdir)?;
    for (name, vars) in net.state_dump() {
        let mut npz = Npz::new(sdir.join(format!("{name}.npz")))?;
        for (var, a, scalar) in &vars {
            npz.add_state(var, a, *scalar)?;
        }
        npz.finish()?;
    }
    Ok(())
}

/// Writes `DIR/summary.json`.
pub fn write_summary(summary: &Summary, dir: &Path) -> Result<()> {
    create_dir(dir)?;
    let path = dir.join("summary.json");
    let mut text = serde_json::to_string_pretty(summary).map_err(|e| io_error(&path, "write", e))?;
    text.push('\n');
    write_atomic(&path, text.as_bytes())
}

/// Writes every output of a run into `dir`: the monitors, `summary.json` and
/// (with `dump_state`) the final state. Returns the summary.
pub fn write_outputs(
    net: &Network,
    protocol: &super::Protocol,
    model: &str,
    dir: &Path,
    dump_state: bool,
    timings: &Timings,
) -> Result<Summary> {
    write_monitors(net, dir)?;
    if dump_state {
        write_state(net, dir)?;
    }
    let summary = Summary::new(net, model, protocol, timings);
    write_summary(&summary, dir)?;
    Ok(summary)
}
