//! Network operations (Brian2's `@network_operation`): Rust closures run at
//! each tick of their clock, in a schedule slot like any other object, with
//! read and write access to the state variables through an
//! [`OperationState`]. Above the network; the run loop calls them through
//! [`OperationCode`].

use ndarray::{Array1, ArrayViewMut1};

use super::arrays::Array;
use super::findings::ms;
use super::network::{Network, NetworkOp, OperationCode, check_dt, err};
use super::objects::Object;
use super::schedule::slot_rank;
use super::spec::Handle;
use crate::diag::Result;
use crate::model::scope::{ArrayKey, IndexSel, NameRef};

/// Where and how often a network operation runs (the arguments of Brian2's
/// `@network_operation(dt=..., when=..., order=...)`).
#[derive(Clone, Debug, Default)]
pub struct NetworkOperation {
    /// How often, in seconds (the network's dt when absent, as Brian2's
    /// `defaultclock`).
    pub dt: Option<f64>,
    /// The schedule slot (`start` when absent, as in Brian2).
    pub when: Option<String>,
    /// The order within the slot.
    pub order: i32,
    /// Its name in the schedule and the profile (`networkoperation`,
    /// `networkoperation_1`, ... when absent, as Brian2 names them).
    pub name: Option<String>,
}

/// What a network operation sees when it runs: the time, and the state
/// variables of the network's objects to read and write (in SI units, as
/// Brian2's `G.v[:]`). Each access looks the variable up: a closure that
/// runs every step over large arrays pays that once per call, not per element.
pub struct OperationState<'a> {
    net: &'a mut Network,
    t: f64,
}

impl OperationState<'_> {
    /// The time of this tick of the operation's clock, in seconds (the `t`
    /// Brian2 passes to an operation that takes it).
    pub fn t(&self) -> f64 {
        self.t
    }

    /// The handle of an object by name.
    pub fn handle(&self, name: &str) -> Option<Handle> {
        self.net.handle(name)
    }

    /// The values of a variable (a copy), as [`Network::get`].
    pub fn get(&self, h: Handle, var: &str) -> Result<Array1<f64>> {
        self.net.get(h, var)
    }

    /// The values of a stored `float64` variable of a group, subgroup or
    /// synapses, to write in place (one value for a `(shared)` one). A
    /// variable stored otherwise (an integer, a boolean, float32 mode) is
    /// written with [`OperationState::set_values`].
    pub fn view_mut(&mut self, h: Handle, var: &str) -> Result<ArrayViewMut1<'_, f64>> {
        let (key, start, stop) = self.writable(h, var)?;
        let name = self.net.name_of(h).to_string();
        match self.net.store.get_mut(&key) {
            Some(Array::F64(v)) => Ok(ArrayViewMut1::from(&mut v[start..stop])),
            Some(other) => Err(err(
                "not-float64",
                &name,
                format!(
                    "'{var}' of '{name}' is stored as {}, not float64: write it with set_values",
                    crate::sim::ArrayExt::elem(other).name()
                ),
            )),
            None => Err(unknown(&name, var)),
        }
    }

    /// Writes the values of a stored variable: one value for every element
    /// (or one value for all), converted to the variable's type as Brian2
    /// converts an assignment (an integer truncated, a boolean true when not 0).
    pub fn set_values(&mut self, h: Handle, var: &str, values: &[f64]) -> Result<()> {
        let (key, start, stop) = self.writable(h, var)?;
        let name = self.net.name_of(h).to_string();
        let n = stop - start;
        if values.len() != n && values.len() != 1 {
            return Err(err(
                "bad-length",
                &name,
                format!("'{var}' of '{name}' has {n} values, {} were given", values.len()),
            ));
        }
        let value = |k: usize| values[if values.len() == 1 { 0 } else { k }];
        match self.net.store.get_mut(&key) {
            Some(Array::F64(v)) => v[start..stop].iter_mut().enumerate().for_each(|(k, x)| *x = value(k)),
            Some(Array::F32(v)) => v[start..stop]
                .iter_mut()
                .enumerate()
                .for_each(|(k, x)| *x = value(k) as f32),
            Some(Array::I32(v)) => v[start..stop]
                .iter_mut()
                .enumerate()
                .for_each(|(k, x)| *x = value(k) as i32),
            Some(Array::U8(v)) => v[start..stop]
                .iter_mut()
                .enumerate()
                .for_each(|(k, x)| *x = u8::from(value(k) != 0.0)),
            None => return Err(unknown(&name, var)),
        }
        Ok(())
    }

    /// Stops the run at the end of this time step (Brian2's `stop()` in a
    /// network operation); [`Network::interrupted`] tells it, and
    /// [`Network::continue_run`] finishes the run.
    pub fn stop(&mut self) {
        self.net.operation_stop = true;
    }

    /// The array, and its elements, that writing variable `var` of `h` writes.
    fn writable(&self, h: Handle, var: &str) -> Result<(ArrayKey, usize, usize)> {
        let name = self.net.name_of(h);
        let scope = self.net.scope_for_object(h)?;
        match scope.names.get(var) {
            Some(NameRef::Var {
                array,
                index,
                read_only: false,
                shared,
                ..
            }) if *shared || *index == IndexSel::Item => {
                let (start, stop) = if *shared {
                    (0, 1)
                } else if let Some(Object::Synapses(s)) = self.net.objects.get(h.0) {
                    (0, s.n)
                } else {
                    let r = self.net.range(h)?;
                    (r.start, r.stop)
                };
                Ok((array.clone(), start, stop))
            }
            Some(NameRef::Var { read_only: false, .. }) => Err(err(
                "not-own-variable",
                name,
                format!("'{var}' is not a variable of '{name}' itself: write it through its own object's handle"),
            )),
            Some(NameRef::Subexpr { .. }) => Err(err(
                "read-only",
                name,
                format!("'{var}' of '{name}' is a subexpression, not a stored variable"),
            )),
            Some(_) => Err(err("read-only", name, format!("'{var}' of '{name}' is read-only"))),
            None => Err(unknown(name, var)),
        }
    }
}

fn unknown(name: &str, var: &str) -> crate::diag::Errors {
    err(
        "unknown-variable",
        name,
        format!("'{var}' is not a variable of '{name}'"),
    )
}

/// What a network operation returns: nothing, or why the run must stop
/// (any error: the state's own, or the closure's).
pub type OperationResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A user's closure as the network keeps it, with its name for its errors.
struct Closure<F> {
    f: F,
    name: String,
}

impl<F> OperationCode for Closure<F>
where
    F: FnMut(&mut OperationState<'_>) -> OperationResult + Send,
{
    fn call(&mut self, net: &mut Network, t: f64) -> Result<()> {
        (self.f)(&mut OperationState { net, t }).map_err(|e| match e.downcast::<crate::diag::Errors>() {
            Ok(errors) => *errors,
            Err(other) => err(
                "network-operation-failed",
                &self.name,
                format!("network operation '{}' failed at t = {}: {other}", self.name, ms(t)),
            ),
        })
    }
}

impl Network {
    /// Adds a network operation (Brian2's `@network_operation`): `f` runs at
    /// each tick of its clock (every `spec.dt`, or every step of the
    /// network's dt), in its schedule slot (`start` by default), with the
    /// time and the state variables ([`OperationState`]). An error it returns
    /// stops the run, which returns it (an error of the state as it is, any
    /// other as a `network-operation-failed` diagnostic). It runs on the thread that runs the
    /// network, between the kernels (with `--threads` too); on several ranks
    /// a run with network operations is refused, as a rank holds only its
    /// own neurons.
    ///
    /// ```
    /// use spikejit::sim::{Network, NetworkOperation, NeuronGroup, StateMonitor, Record};
    /// let mut net = Network::new();
    /// let g = net.add_neurons(NeuronGroup::new(2, "dv/dt = (I - v)/(10*ms) : 1\nI : 1"))?;
    /// // Every 10 ms, the input steps up by 0.1 (Brian2:
    /// // @network_operation(dt=10*ms) def step(t): G.I = 0.1*(t/(10*ms) + 1)).
    /// net.network_operation(NetworkOperation { dt: Some(0.01), ..Default::default() }, move |state| {
    ///     let step = (state.t() / 0.01).round();
    ///     state.view_mut(g, "I")?.fill(0.1 * (step + 1.0));
    ///     Ok(())
    /// })?;
    /// net.run(0.03)?;
    /// assert_eq!(net.get(g, "I")?[0], 0.1 * 3.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn network_operation<F>(&mut self, spec: NetworkOperation, f: F) -> Result<()>
    where
        F: FnMut(&mut OperationState<'_>) -> OperationResult + Send + 'static,
    {
        let name = match spec.name {
            Some(n) => n,
            None => (0..)
                .map(|k| {
                    if k == 0 {
                        "networkoperation".to_string()
                    } else {
                        format!("networkoperation_{k}")
                    }
                })
                .find(|n| !self.operations.iter().any(|o| &o.name == n))
                .unwrap_or_default(),
        };
        if self.operations.iter().any(|o| o.name == name) || self.handle(&name).is_some() {
            return Err(err(
                "duplicate",
                &name,
                format!("the name '{name}' is already used in this network"),
            ));
        }
        let when = match &spec.when {
            Some(w) => slot_rank(w).ok_or_else(|| err("bad-slot", &name, format!("unknown schedule slot '{w}'")))?,
            None => slot_rank("start").unwrap_or(1),
        };
        if let Some(dt) = spec.dt {
            check_dt(dt, &format!("{name}.dt"))?;
        }
        self.operations.push(NetworkOp {
            name: name.clone(),
            dt: spec.dt,
            when,
            order: spec.order,
            code: Some(Box::new(Closure { f, name: name.clone() })),
        });
        Ok(())
    }
}
