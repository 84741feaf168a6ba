//! Python values to spikejit's and back: values to set, connect arguments,
//! dimensions (Brian2's seven exponents), numpy arrays.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use spikejit::sim::{Count, Indices, Prob, Value};
use spikejit::units::Dim;

/// A float64 numpy array (or anything numpy turns into one) as a Vec.
pub(crate) fn f64_vec(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    if let Ok(a) = obj.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(a.as_array().to_vec());
    }
    let np = obj.py().import("numpy")?;
    let a = np.call_method1("ascontiguousarray", (obj, "float64"))?;
    let a: PyReadonlyArray1<'_, f64> = a
        .extract()
        .map_err(|_| PyTypeError::new_err("expected a one-dimensional array of numbers"))?;
    Ok(a.as_array().to_vec())
}

/// Integers (a numpy array or a sequence) as a Vec of i64.
pub(crate) fn i64_vec(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let np = obj.py().import("numpy")?;
    let a = np.call_method1("asarray", (obj,))?;
    let kind: String = a.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "i" | "u" | "b") {
        return Err(PyTypeError::new_err(format!(
            "expected integer indices, got an array of dtype kind '{kind}'"
        )));
    }
    let a = np.call_method1("ascontiguousarray", (a, "int64"))?;
    let a: PyReadonlyArray1<'_, i64> = a
        .extract()
        .map_err(|_| PyTypeError::new_err("expected a one-dimensional array of integers"))?;
    Ok(a.as_array().to_vec())
}

/// A value to set: a string is an expression, a number one value for all,
/// anything else an array with one value per element.
pub(crate) fn value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Value::Expr(s.into()));
    }
    if let Ok(x) = obj.extract::<f64>() {
        return Ok(Value::Scalar(x));
    }
    let np = obj.py().import("numpy")?;
    let ndim: usize = np.call_method1("ndim", (obj,))?.extract()?;
    if ndim == 0 {
        let x: f64 = np
            .call_method1("asarray", (obj, "float64"))?
            .call_method0("item")?
            .extract()?;
        return Ok(Value::Scalar(x));
    }
    Ok(Value::Array(f64_vec(obj)?))
}

/// `i=`/`j=` of connect: a generator expression (string) or indices.
pub(crate) fn indices(obj: &Bound<'_, PyAny>) -> PyResult<Indices> {
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Indices::Generator(s.into()));
    }
    if let Ok(k) = obj.extract::<i64>() {
        return Ok(Indices::Array(vec![k]));
    }
    Ok(Indices::Array(i64_vec(obj)?))
}

pub(crate) fn prob(obj: &Bound<'_, PyAny>) -> PyResult<Prob> {
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Prob::Expr(s.into()));
    }
    Ok(Prob::Value(obj.extract::<f64>()?))
}

pub(crate) fn count(obj: &Bound<'_, PyAny>) -> PyResult<Count> {
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Count::Expr(s.into()));
    }
    Ok(Count::Value(obj.extract::<i64>()?))
}

/// Brian2's dimension exponents (metre, kilogram, second, amp, kelvin, mole,
/// candela) as spikejit's; `None` is dimensionless.
pub(crate) fn dim(exponents: Option<Vec<f64>>) -> PyResult<Dim> {
    match exponents {
        None => Ok(Dim::ONE),
        Some(e) => {
            let e: [f64; 7] = e.try_into().map_err(|e: Vec<f64>| {
                PyValueError::new_err(format!("a dimension has 7 exponents, got {}", e.len()))
            })?;
            Ok(Dim(e))
        }
    }
}

pub(crate) fn dim_exponents(d: Dim) -> Vec<f64> {
    d.0.to_vec()
}

/// A float64 ndarray handed to numpy without a copy.
pub(crate) fn to_numpy<'py, T: numpy::Element>(py: Python<'py>, a: ndarray::Array1<T>) -> Bound<'py, PyArray1<T>> {
    PyArray1::from_owned_array(py, a)
}

/// A two-dimensional ndarray handed to numpy without a copy.
pub(crate) fn to_numpy2<'py>(py: Python<'py>, a: ndarray::Array2<f64>) -> Bound<'py, numpy::PyArray2<f64>> {
    numpy::PyArray2::from_owned_array(py, a)
}
