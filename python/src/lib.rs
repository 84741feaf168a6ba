//! `spikejit._core`: the Python extension module. It exposes spikejit's Rust
//! string-model API ([`spikejit::sim::Network`]) with handles as integers and
//! arrays as numpy arrays, and the model-file runner. The Brian2-like classes
//! (`spikejit.NeuronGroup`, ...) and the Brian2 device are Python code in
//! `python/spikejit/` on top of it.
//!
//! Every spikejit error becomes a `spikejit.SpikejitError` whose message is
//! the CLI's rendering (the place in the model string or file, a caret, what
//! was expected). Runs release the GIL; Ctrl-C (a pending `KeyboardInterrupt`)
//! stops a run at the end of the time step and raises in Python.

mod convert;
mod network;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;
use spikejit::io::{RunOptions, run_model_file};

pyo3::create_exception!(
    spikejit,
    SpikejitError,
    pyo3::exceptions::PyException,
    "An error of spikejit: a model string or file that does not parse or check, a bad value, a failed run. \
     The message is the rendered diagnostic; `codes` lists the diagnostics' codes."
);

/// A Python exception of spikejit's errors: the rendered text (as the CLI
/// prints it) and the diagnostics' codes as `codes`.
pub(crate) fn to_py_err(errors: spikejit::diag::Errors) -> PyErr {
    let text = spikejit::io::render::render(&errors, false);
    let codes: Vec<&'static str> = errors.0.iter().map(|d| d.code).collect();
    let err = SpikejitError::new_err(text.trim_end().to_string());
    Python::attach(|py| {
        // Setting an attribute on a fresh exception cannot fail in practice;
        // if it did, the error still carries its message.
        let _ = err.value(py).setattr("codes", codes);
    });
    err
}

/// Runs `f` with the GIL released, while a watcher polls Python's signal
/// handlers about ten times a second (through `progress`): a pending
/// KeyboardInterrupt sets `stop`, and is returned after `f` ends.
pub(crate) fn without_gil<T: Send>(
    py: Python<'_>,
    stop: Arc<AtomicBool>,
    f: impl FnOnce(Box<dyn FnMut() + Send>) -> T + Send,
) -> (T, Option<PyErr>) {
    let pending: Arc<std::sync::Mutex<Option<PyErr>>> = Arc::new(std::sync::Mutex::new(None));
    let seen = Arc::clone(&pending);
    let poll = Box::new(move || {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            stop.store(true, Ordering::Relaxed);
            if let Ok(mut slot) = seen.lock() {
                *slot = Some(e);
            }
        }
    });
    let out = py.detach(move || f(poll));
    let err = pending.lock().ok().and_then(|mut slot| slot.take());
    (out, err)
}

/// Runs a model file (the contract of `spikejit run`): writes its outputs into
/// `out` and returns the summary (`summary.json`'s fields) as a JSON string.
#[pyfunction]
#[pyo3(signature = (path, out, seed=None, dump_state=false, threads=None))]
fn run_file(
    py: Python<'_>,
    path: PathBuf,
    out: PathBuf,
    seed: Option<u64>,
    dump_state: bool,
    threads: Option<usize>,
) -> PyResult<String> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let (result, interrupt) = without_gil(py, stop, move |mut poll| {
        let opts = RunOptions {
            seed,
            dump_state,
            stop: Some(flag),
            progress: Some(Box::new(move |_, _| poll())),
            threads,
            ..RunOptions::default()
        };
        run_model_file(&path, &out, opts)
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    let summary = result.map_err(to_py_err)?;
    serde_json::to_string(&summary).map_err(|e| SpikejitError::new_err(format!("summary: {e}")))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SpikejitError", m.py().get_type::<SpikejitError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run_file, m)?)?;
    m.add_class::<network::PyNetwork>()?;
    Ok(())
}
