//! `spikejit._core.Network`: [`spikejit::sim::Network`] for Python. Objects
//! are integer handles; numbers are SI values; arrays are numpy arrays. The
//! Brian2-like classes of `spikejit/__init__.py` and the Brian2 device call
//! these methods; users normally do not.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use numpy::PyArray1;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use spikejit::ir::ElemTy;
use spikejit::sim::{self, Connect, Handle, LinkIndex, Network, Record, RunControl, RunRegularly, Selection, Window};

use crate::convert::{self, dim, dim_exponents, to_numpy, to_numpy2};
use crate::{to_py_err, without_gil};

type Pairs = Vec<(String, String)>;
/// A rate monitor's `(t, rate)`.
type RateArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);
/// One object of the schedule: (name, class, when, order, dt).
type ScheduleRow = (String, String, String, i32, f64);
type Constants = Vec<(String, f64, Option<Vec<f64>>)>;

#[pyclass(name = "Network", module = "spikejit._core")]
pub(crate) struct PyNetwork {
    // A network is Send but not Sync (its JIT module); a Python object may
    // be shared between threads, so the network sits behind a lock.
    net: Mutex<Network>,
    /// Timed arrays made for per-neuron Poisson rates so far (their names' numbers).
    rate_tables: usize,
}

fn handle(h: usize) -> Handle {
    Handle(h)
}

fn elem_ty(name: &str) -> PyResult<ElemTy> {
    match name {
        "float64" | "double" => Ok(ElemTy::F64),
        "float32" | "single" => Ok(ElemTy::F32),
        "int32" => Ok(ElemTy::I32),
        "int64" => Ok(ElemTy::I64),
        "bool" | "uint8" => Ok(ElemTy::U8),
        other => Err(PyValueError::new_err(format!(
            "unknown dtype '{other}' (float64, float32, int32, int64, bool)"
        ))),
    }
}

fn dtypes(list: Pairs) -> PyResult<Vec<(String, ElemTy)>> {
    list.into_iter().map(|(v, t)| Ok((v, elem_ty(&t)?))).collect()
}

fn constants(list: Constants) -> PyResult<Vec<(String, f64, spikejit::units::Dim)>> {
    list.into_iter().map(|(n, v, d)| Ok((n, v, dim(d)?))).collect()
}

#[pymethods]
impl PyNetwork {
    #[new]
    fn new() -> Self {
        PyNetwork {
            net: Mutex::new(Network::new()),
            rate_tables: 0,
        }
    }

    /// `seed(n)`: the seed of every random number the network draws.
    fn set_seed(&mut self, seed: u64) {
        self.net_mut().set_seed(seed);
    }

    /// `defaultclock.dt = dt` (seconds).
    fn set_dt(&mut self, dt: f64) {
        self.net_mut().set_dt(dt);
    }

    /// `prefs.core.default_float_dtype = float32` when true.
    fn set_float32(&mut self, on: bool) {
        self.net_mut().set_float32(on);
    }

    /// Threads for the state updates and thresholds of large groups (0: one per core).
    fn set_threads(&mut self, n: usize) {
        self.net_mut().set_threads(n);
    }

    /// The current time in seconds.
    #[getter]
    fn t(&self) -> f64 {
        self.lock().t()
    }

    /// A name of every model string: a value in SI units with Brian2's
    /// dimension exponents (None: dimensionless). `integer`: the value is a
    /// Python int (integer division and `%` stay integer, as in Brian2).
    #[pyo3(signature = (name, value, dim=None, integer=false))]
    fn constant(&mut self, name: &str, value: f64, dim: Option<Vec<f64>>, integer: bool) -> PyResult<()> {
        let dim = convert::dim(dim)?;
        let net = self.net_mut();
        if integer {
            net.constant_typed(name, value, dim, spikejit::model::scope::ValTy::Int)
        } else {
            net.constant(name, value, dim)
        }
        .map_err(to_py_err)
    }

    /// The dt of a clock (`"defaultclock"` or one added by `add_clock`), in seconds.
    #[pyo3(signature = (name="defaultclock"))]
    fn clock_dt(&self, name: &str) -> PyResult<f64> {
        self.lock()
            .clock_dt(name)
            .ok_or_else(|| PyKeyError::new_err(format!("no clock named '{name}'")))
    }

    /// A clock shared by name (`Clock(dt, name=...)`).
    fn add_clock(&mut self, name: &str, dt: f64) -> PyResult<()> {
        self.net_mut().add_clock(name, dt).map_err(to_py_err)
    }

    /// `clock.dt = dt` for the clock of this name.
    fn set_clock_dt(&mut self, name: &str, dt: f64) -> PyResult<()> {
        self.net_mut().set_clock_dt(name, dt).map_err(to_py_err)
    }

    /// `NeuronGroup(n, model, ...)`; returns its handle.
    #[pyo3(signature = (n, model, threshold=None, reset=None, refractory=None, method=None, name=None,
                        dt=None, clock=None, order=0, when=None, events=Vec::new(), run_on_event=Vec::new(),
                        namespace=Vec::new(), dtype=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn add_neurons(
        &mut self,
        n: usize,
        model: String,
        threshold: Option<String>,
        reset: Option<String>,
        refractory: Option<String>,
        method: Option<String>,
        name: Option<String>,
        dt: Option<f64>,
        clock: Option<String>,
        order: i32,
        when: Option<String>,
        events: Pairs,
        run_on_event: Pairs,
        namespace: Constants,
        dtype: Pairs,
    ) -> PyResult<usize> {
        let mut spec = sim::NeuronGroup::new(n, model);
        spec.threshold = threshold.map(Into::into);
        spec.reset = reset.map(Into::into);
        spec.refractory = refractory.map(Into::into);
        spec.method = method.map(Into::into);
        spec.name = name;
        spec.dt = dt;
        spec.clock = clock;
        spec.order = order;
        spec.when = when;
        spec.events = events.into_iter().map(|(e, c)| (e, c.into())).collect();
        spec.run_on_event = run_on_event.into_iter().map(|(e, c)| (e, c.into())).collect();
        spec.namespace = constants(namespace)?;
        spec.dtype = dtypes(dtype)?;
        Ok(self.net_mut().add_neurons(spec).map_err(to_py_err)?.0)
    }

    /// `G[start:stop]`; returns the subgroup's handle.
    #[pyo3(signature = (of, start, stop, name=None))]
    fn subgroup(&mut self, of: usize, start: usize, stop: usize, name: Option<String>) -> PyResult<usize> {
        Ok(self
            .net_mut()
            .subgroup(handle(of), start, stop, name.as_deref())
            .map_err(to_py_err)?
            .0)
    }

    /// `Synapses(source, target, model, on_pre=..., ...)`. `pathways` is a
    /// list of (name, code, on_post); `delays` (pathway, seconds).
    #[pyo3(signature = (source, target, model, pathways=Vec::new(), delays=Vec::new(), method=None, name=None,
                        dt=None, clock=None, order=0, when=None, on_event=Vec::new(), multisynaptic_index=None,
                        namespace=Vec::new(), dtype=Vec::new(), summed_when=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn add_synapses(
        &mut self,
        source: usize,
        target: usize,
        model: String,
        pathways: Vec<(String, String, bool)>,
        delays: Vec<(String, f64)>,
        method: Option<String>,
        name: Option<String>,
        dt: Option<f64>,
        clock: Option<String>,
        order: i32,
        when: Option<String>,
        on_event: Pairs,
        multisynaptic_index: Option<String>,
        namespace: Constants,
        dtype: Pairs,
        summed_when: Pairs,
    ) -> PyResult<usize> {
        let mut spec = sim::Synapses::new(handle(source), handle(target), model);
        spec.pathways = pathways.into_iter().map(|(n, c, post)| (n, c.into(), post)).collect();
        spec.delays = delays;
        spec.method = method.map(Into::into);
        spec.name = name;
        spec.dt = dt;
        spec.clock = clock;
        spec.order = order;
        spec.when = when;
        spec.on_event = on_event;
        spec.multisynaptic_index = multisynaptic_index;
        spec.namespace = constants(namespace)?;
        spec.dtype = dtypes(dtype)?;
        spec.summed_when = summed_when;
        Ok(self.net_mut().add_synapses(spec).map_err(to_py_err)?.0)
    }

    /// `S.connect(condition, i=, j=, p=, n=, skip_if_invalid=)`.
    #[pyo3(signature = (h, condition=None, i=None, j=None, p=None, n=None, skip_if_invalid=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        &mut self,
        h: usize,
        condition: Option<String>,
        i: Option<Bound<'_, PyAny>>,
        j: Option<Bound<'_, PyAny>>,
        p: Option<Bound<'_, PyAny>>,
        n: Option<Bound<'_, PyAny>>,
        skip_if_invalid: bool,
    ) -> PyResult<()> {
        let c = Connect {
            condition: condition.map(Into::into),
            i: i.as_ref().map(convert::indices).transpose()?,
            j: j.as_ref().map(convert::indices).transpose()?,
            p: p.as_ref().map(convert::prob).transpose()?,
            n: n.as_ref().map(convert::count).transpose()?,
            skip_if_invalid,
        };
        self.net_mut().connect(handle(h), c).map_err(to_py_err)
    }

    /// `G.var = value` (a number, an array, or an expression string), or
    /// `G.var[where] = value` with a condition string.
    #[pyo3(signature = (h, var, value, r#where=None))]
    fn set(&mut self, h: usize, var: &str, value: Bound<'_, PyAny>, r#where: Option<String>) -> PyResult<()> {
        let sel = match r#where {
            Some(c) => Selection::Where(c.into()),
            None => Selection::All,
        };
        let v = convert::value(&value)?;
        self.net_mut().set(handle(h), var, v, sel).map_err(to_py_err)
    }

    /// The values of a stored variable, in SI units (float64).
    fn get<'py>(&self, py: Python<'py>, h: usize, var: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(to_numpy(py, self.lock().get(handle(h), var).map_err(to_py_err)?))
    }

    /// Any expression of a group's variables, per element.
    fn evaluate<'py>(&mut self, py: Python<'py>, h: usize, expr: String) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(to_numpy(
            py,
            self.net_mut().evaluate(handle(h), expr).map_err(to_py_err)?,
        ))
    }

    /// The dimension exponents of a variable (Brian2's order).
    fn unit_of(&self, h: usize, var: &str) -> PyResult<Vec<f64>> {
        Ok(dim_exponents(self.lock().unit_of(handle(h), var).map_err(to_py_err)?))
    }

    /// The dtype of a stored variable: "float64", "float32", "int32", "int64" or "bool".
    fn elem_type_of(&self, h: usize, var: &str) -> PyResult<&'static str> {
        Ok(match self.lock().elem_type_of(handle(h), var).map_err(to_py_err)? {
            ElemTy::F64 => "float64",
            ElemTy::F32 => "float32",
            ElemTy::I32 => "int32",
            ElemTy::I64 => "int64",
            ElemTy::U8 => "bool",
        })
    }

    /// The state variables of a group or synapses (what `StateMonitor(G, True)` records).
    fn all_variables(&self, h: usize) -> PyResult<Vec<String>> {
        self.lock().all_variables(handle(h)).map_err(to_py_err)
    }

    fn size_of(&self, h: usize) -> PyResult<usize> {
        self.lock().size_of(handle(h)).map_err(to_py_err)
    }

    fn name_of(&self, h: usize) -> String {
        self.lock().name_of(handle(h)).to_string()
    }

    /// The handle of the object of this name.
    fn handle(&self, name: &str) -> PyResult<usize> {
        self.lock()
            .handle(name)
            .map(|h| h.0)
            .ok_or_else(|| PyKeyError::new_err(format!("no object named '{name}'")))
    }

    /// `G2.var = linked_var(G1, var)`, optionally with `index` (an array, or
    /// the name of an integer variable of the linking object).
    #[pyo3(signature = (h, var, target, target_var, index=None))]
    fn link(
        &mut self,
        h: usize,
        var: &str,
        target: usize,
        target_var: &str,
        index: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let r = match index {
            None => self.lock().link(handle(h), var, handle(target), target_var),
            Some(ix) => {
                let li = match ix.extract::<String>() {
                    Ok(name) => LinkIndex::Var(name),
                    Err(_) => LinkIndex::Array(
                        convert::i64_vec(&ix)?
                            .into_iter()
                            .map(|k| usize::try_from(k).map_err(|_| PyValueError::new_err("negative link index")))
                            .collect::<PyResult<_>>()?,
                    ),
                };
                self.lock().link_indexed(handle(h), var, handle(target), target_var, li)
            }
        };
        r.map_err(to_py_err)
    }

    /// `PoissonGroup(n, rates)`: `rates` is an expression string (in Hz
    /// units), or one rate per neuron in Hz (an array), which becomes a
    /// one-row timed array called with the neuron's index, as a model file
    /// writes per-neuron rates (`rates = "r(t, i)"`).
    #[pyo3(signature = (n, rates, name=None))]
    fn add_poisson_group(&mut self, n: usize, rates: Bound<'_, PyAny>, name: Option<String>) -> PyResult<usize> {
        let rates = match rates.extract::<String>() {
            Ok(code) => code,
            Err(_) => {
                let values = convert::f64_vec(&rates)?;
                if values.len() != n {
                    return Err(PyValueError::new_err(format!("{} rates for {n} neurons", values.len())));
                }
                let table = format!("spikejit_poisson_rates_{}", self.rate_tables);
                self.rate_tables += 1;
                let spec = sim::TimedArray {
                    name: table.clone(),
                    values,
                    cols: Some(n),
                    dt: 1.0,
                    dim: spikejit::units::Dim::HERTZ,
                };
                self.net_mut().add_timed_array(spec).map_err(to_py_err)?;
                format!("{table}(t, i)")
            }
        };
        let spec = sim::PoissonGroup {
            name,
            n,
            rates: rates.into(),
        };
        Ok(self.net_mut().add_poisson_group(spec).map_err(to_py_err)?.0)
    }

    /// `SpikeGeneratorGroup(n, indices, times, period)` (seconds).
    #[pyo3(signature = (n, indices, times, period=0.0, name=None))]
    fn add_spike_generator(
        &mut self,
        n: usize,
        indices: Bound<'_, PyAny>,
        times: Bound<'_, PyAny>,
        period: f64,
        name: Option<String>,
    ) -> PyResult<usize> {
        let spec = sim::SpikeGeneratorGroup {
            name,
            n,
            indices: convert::i64_vec(&indices)?,
            times: convert::f64_vec(&times)?,
            period,
        };
        Ok(self.net_mut().add_spike_generator(spec).map_err(to_py_err)?.0)
    }

    /// `G.set_spikes(indices, times, period)`.
    #[pyo3(signature = (h, indices, times, period=0.0))]
    fn set_spikes(
        &mut self,
        h: usize,
        indices: Bound<'_, PyAny>,
        times: Bound<'_, PyAny>,
        period: f64,
    ) -> PyResult<()> {
        self.net_mut()
            .set_spikes(
                handle(h),
                convert::i64_vec(&indices)?,
                convert::f64_vec(&times)?,
                period,
            )
            .map_err(to_py_err)
    }

    /// `name = TimedArray(values, dt)`: values in SI units, row-major; `cols`
    /// for a two-dimensional array (called as `name(t, i)`).
    #[pyo3(signature = (name, values, dt, dim=None, cols=None))]
    fn add_timed_array(
        &mut self,
        name: String,
        values: Bound<'_, PyAny>,
        dt: f64,
        dim: Option<Vec<f64>>,
        cols: Option<usize>,
    ) -> PyResult<usize> {
        let spec = sim::TimedArray {
            name,
            values: convert::f64_vec(&values)?,
            cols,
            dt,
            dim: convert::dim(dim)?,
        };
        Ok(self.net_mut().add_timed_array(spec).map_err(to_py_err)?.0)
    }

    /// `PoissonInput(target, var, N, rate, weight)` (rate in Hz, weight an expression).
    #[pyo3(signature = (target, var, n, rate, weight, name=None))]
    fn add_poisson_input(
        &mut self,
        target: usize,
        var: String,
        n: usize,
        rate: f64,
        weight: String,
        name: Option<String>,
    ) -> PyResult<usize> {
        let spec = sim::PoissonInput {
            name,
            target: handle(target),
            var,
            n,
            rate,
            weight: weight.into(),
        };
        Ok(self.net_mut().add_poisson_input(spec).map_err(to_py_err)?.0)
    }

    /// `G.run_regularly(code, dt=, when=, order=)`.
    #[pyo3(signature = (h, code, dt=None, when=None, order=0))]
    fn run_regularly(
        &mut self,
        h: usize,
        code: String,
        dt: Option<f64>,
        when: Option<String>,
        order: i32,
    ) -> PyResult<()> {
        let spec = RunRegularly {
            code: code.into(),
            dt,
            when,
            order,
        };
        self.net_mut().run_regularly(handle(h), spec).map_err(to_py_err)
    }

    /// `SpikeMonitor(source, variables, record)` or, with another event, an EventMonitor.
    #[pyo3(signature = (source, event="spike".to_string(), record=true, variables=Vec::new(), when=None, order=None, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_spike_monitor(
        &mut self,
        source: usize,
        event: String,
        record: bool,
        variables: Vec<String>,
        when: Option<String>,
        order: Option<i32>,
        name: Option<String>,
    ) -> PyResult<usize> {
        let mut spec = sim::SpikeMonitor::new(handle(source));
        spec.event = event;
        spec.record = record;
        spec.variables = variables;
        spec.when = when;
        spec.order = order;
        spec.name = name;
        Ok(self.net_mut().add_spike_monitor(spec).map_err(to_py_err)?.0)
    }

    /// `StateMonitor(source, variables, record)`: `record` is True (all) or indices.
    #[pyo3(signature = (source, variables, record, dt=None, clock=None, when=None, order=0, name=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_state_monitor(
        &mut self,
        source: usize,
        variables: Vec<String>,
        record: Bound<'_, PyAny>,
        dt: Option<f64>,
        clock: Option<String>,
        when: Option<String>,
        order: i32,
        name: Option<String>,
    ) -> PyResult<usize> {
        let record = match record.extract::<bool>() {
            Ok(true) => Record::All,
            Ok(false) => Record::Indices(Vec::new()),
            Err(_) => Record::Indices(
                convert::i64_vec(&record)?
                    .into_iter()
                    .map(|k| usize::try_from(k).map_err(|_| PyValueError::new_err("negative index to record")))
                    .collect::<PyResult<_>>()?,
            ),
        };
        let names: Vec<&str> = variables.iter().map(String::as_str).collect();
        let mut spec = sim::StateMonitor::new(handle(source), &names, record);
        spec.dt = dt;
        spec.clock = clock;
        spec.when = when;
        spec.order = order;
        spec.name = name;
        Ok(self.net_mut().add_state_monitor(spec).map_err(to_py_err)?.0)
    }

    /// `PopulationRateMonitor(source)`.
    #[pyo3(signature = (source, name=None, when=None, order=0))]
    fn add_rate_monitor(
        &mut self,
        source: usize,
        name: Option<String>,
        when: Option<String>,
        order: i32,
    ) -> PyResult<usize> {
        Ok(self
            .net_mut()
            .add_rate_monitor_at(handle(source), name.as_deref(), when.as_deref(), order)
            .map_err(to_py_err)?
            .0)
    }

    /// A spike monitor's recording: `{"i", "t", "count"}` and the recorded variables.
    fn spike_monitor<'py>(&self, py: Python<'py>, h: usize) -> PyResult<Bound<'py, PyDict>> {
        let data = self.lock().spike_monitor(handle(h)).ok_or_else(|| {
            PyValueError::new_err(format!("'{}' is not a spike monitor", self.lock().name_of(handle(h))))
        })?;
        let d = PyDict::new(py);
        d.set_item("i", to_numpy(py, data.i))?;
        d.set_item("t", to_numpy(py, data.t))?;
        d.set_item("count", to_numpy(py, data.count))?;
        for (name, values) in self.lock().spike_monitor_values(handle(h)) {
            d.set_item(name, to_numpy(py, values))?;
        }
        Ok(d)
    }

    /// A state monitor's recording: `{"t": ..., var: (indices, times) array}`.
    fn state_monitor<'py>(&self, py: Python<'py>, h: usize) -> PyResult<Bound<'py, PyDict>> {
        let data = self.lock().state_monitor(handle(h)).ok_or_else(|| {
            PyValueError::new_err(format!("'{}' is not a state monitor", self.lock().name_of(handle(h))))
        })?;
        let d = PyDict::new(py);
        d.set_item("t", to_numpy(py, data.t))?;
        for (name, values) in data.values {
            d.set_item(name, to_numpy2(py, values))?;
        }
        Ok(d)
    }

    /// A rate monitor's recording: `(t, rate)`.
    fn rate_monitor<'py>(&self, py: Python<'py>, h: usize) -> PyResult<RateArrays<'py>> {
        let (t, rate) = self.lock().rate_monitor(handle(h)).ok_or_else(|| {
            PyValueError::new_err(format!("'{}' is not a rate monitor", self.lock().name_of(handle(h))))
        })?;
        Ok((to_numpy(py, t), to_numpy(py, rate)))
    }

    /// `M.smooth_rate(window, width)`: window "gaussian" or "flat", width in seconds.
    fn smooth_rate<'py>(
        &self,
        py: Python<'py>,
        h: usize,
        window: &str,
        width: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let w = match window {
            "gaussian" => Window::Gaussian,
            "flat" => Window::Flat,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown window '{other}' (gaussian, flat)"
                )));
            }
        };
        Ok(to_numpy(
            py,
            self.lock().smooth_rate(handle(h), w, width).map_err(to_py_err)?,
        ))
    }

    /// Runs for `duration` seconds with the GIL released. `report`, when
    /// given, is called with the simulated time about ten times a second.
    /// Ctrl-C stops the run at the end of a time step and raises
    /// KeyboardInterrupt; `continue_run()` would finish it.
    #[pyo3(signature = (duration, report=None))]
    fn run(&mut self, py: Python<'_>, duration: f64, report: Option<Py<PyAny>>) -> PyResult<()> {
        self.with_control(py, report, move |net| net.run(duration))
    }

    /// Finishes a run stopped early (by Ctrl-C).
    #[pyo3(signature = (report=None))]
    fn continue_run(&mut self, py: Python<'_>, report: Option<Py<PyAny>>) -> PyResult<()> {
        self.with_control(py, report, Network::continue_run)
    }

    fn store(&mut self, name: &str) -> PyResult<()> {
        self.net_mut().store(name).map_err(to_py_err)
    }

    /// `restore(name, restore_random_state=...)`.
    #[pyo3(signature = (name, random_state=false))]
    fn restore(&mut self, name: &str, random_state: bool) -> PyResult<()> {
        if random_state {
            self.net_mut().restore_with_random_state(name)
        } else {
            self.net_mut().restore(name)
        }
        .map_err(to_py_err)
    }

    fn store_to_file(&mut self, name: &str, path: std::path::PathBuf) -> PyResult<()> {
        self.net_mut().store_to_file(name, path).map_err(to_py_err)
    }

    #[pyo3(signature = (name, path, random_state=false))]
    fn restore_from_file(&mut self, name: &str, path: std::path::PathBuf, random_state: bool) -> PyResult<()> {
        self.net_mut()
            .restore_from_file(name, path, random_state)
            .map_err(to_py_err)
    }

    /// What runs in a time step: (name, class, when, order, dt) per object, in order.
    fn schedule(&mut self) -> PyResult<Vec<ScheduleRow>> {
        Ok(self
            .net_mut()
            .schedule()
            .map_err(to_py_err)?
            .into_iter()
            .map(|e| (e.name, e.class, e.when.to_string(), e.order, e.dt))
            .collect())
    }

    /// `Network.schedule = [...]`.
    fn set_schedule(&mut self, slots: Vec<String>) -> PyResult<()> {
        let s: Vec<&str> = slots.iter().map(String::as_str).collect();
        self.net_mut().set_schedule(&s).map_err(to_py_err)
    }

    /// Builds every kernel without running (errors and warnings now).
    fn check(&mut self) -> PyResult<()> {
        self.net_mut().check().map_err(to_py_err)
    }

    /// The warnings of the checks of the model's code, rendered.
    fn warnings(&self) -> Vec<String> {
        self.lock()
            .warnings()
            .iter()
            .map(|w| spikejit::io::render::render_warning(w, false).trim_end().to_string())
            .collect()
    }

    /// Counts and timings so far: compile and run seconds, steps, synaptic events.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let net = self.lock();
        let s = net.stats();
        let d = PyDict::new(py);
        d.set_item("compile_seconds", s.compile_seconds)?;
        d.set_item("run_seconds", s.run_seconds)?;
        d.set_item("connect_seconds", s.connect_seconds)?;
        d.set_item("steps", s.steps)?;
        d.set_item("synaptic_events", s.synaptic_events)?;
        Ok(d)
    }
}

impl PyNetwork {
    fn lock(&self) -> MutexGuard<'_, Network> {
        self.net.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn net_mut(&mut self) -> &mut Network {
        self.net.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the network with the GIL released, a stop flag Ctrl-C sets
    /// and `report` called with the simulated time.
    fn with_control(
        &mut self,
        py: Python<'_>,
        report: Option<Py<PyAny>>,
        f: impl FnOnce(&mut Network) -> spikejit::diag::Result<()> + Send,
    ) -> PyResult<()> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let net = self.net_mut();
        let (result, interrupt) = without_gil(py, stop, move |mut poll| {
            let progress: Box<dyn FnMut(f64) + Send> = Box::new(move |t| {
                poll();
                if let Some(cb) = &report {
                    // An exception of the callback is shown, not raised: the
                    // run goes on as Brian2's report does.
                    Python::attach(|py| {
                        if let Err(e) = cb.call1(py, (t,)) {
                            e.print(py);
                        }
                    });
                }
            });
            net.set_control(RunControl {
                stop: Some(flag),
                progress: Some(progress),
                ..RunControl::default()
            });
            let r = f(net);
            net.set_control(RunControl::default());
            r
        });
        if let Some(e) = interrupt {
            return Err(e);
        }
        result.map_err(to_py_err)
    }
}
