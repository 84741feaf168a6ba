//! Quantities for the Rust API: a value in SI units with its dimension, so
//! that Rust code can write `20.0 * ms` as Brian2 code does.
//!
//! ```
//! use spikejit::units::si::*;
//! use spikejit::units::{Dim, Quantity};
//!
//! let tau = 20.0 * ms;
//! assert_eq!(tau.value, 0.02); // stored in SI units (seconds)
//! assert!(tau.dim.same(Dim::SECOND));
//! assert!((tau.in_unit(ms)? - 20.0).abs() < 1e-12);
//!
//! let g = 10.0 * nS;
//! let v = 15.0 * mV;
//! let i: Quantity = g * v; // siemens * volt = amp
//! assert!(i.dim.same(Dim::AMP));
//! assert!((i.in_unit(pA)? - 150.0).abs() < 1e-9);
//!
//! let rate = 1.0 / (5.0 * ms); // f64 / Quantity
//! assert!(rate.dim.same(Dim::HERTZ));
//! assert_eq!(rate.to_string(), "200.0 Hz");
//!
//! // Addition and subtraction check dimensions and return a Result.
//! let vt = (-50.0 * mV).checked_add(5.0 * mV)?;
//! assert!((vt.in_unit(mV)? + 45.0).abs() < 1e-12);
//! assert!((1.0 * mV).checked_add(1.0 * ms).is_err());
//! # Ok::<(), spikejit::units::DimensionMismatch>(())
//! ```
//!
//! A quantity goes into the [`Network`](crate::sim::Network) as its SI value
//! and dimension: `net.constant("tau", tau.value, tau.dim)`, and times such as
//! a delay or a run duration as `tau.value` (seconds).

use std::cmp::Ordering;
use std::fmt;
use std::ops;

use super::{Dim, py_float_repr};

/// A value in SI base units with its dimension (Brian2's `Quantity`).
///
/// Multiplication and division (by another quantity or by an `f64`, on either
/// side) combine the dimensions. Addition and subtraction need equal
/// dimensions, so they are methods that return a [`Result`]:
/// [`Quantity::checked_add`] and [`Quantity::checked_sub`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantity {
    /// The value in SI base units (seconds, volts, amperes, ...).
    pub value: f64,
    /// The physical dimension.
    pub dim: Dim,
}

/// The error of an operation on quantities whose dimensions do not match.
#[derive(Clone, Debug, PartialEq)]
pub struct DimensionMismatch {
    op: &'static str,
    /// (left, right), boxed to keep the error small.
    dims: Box<(Dim, Dim)>,
}

impl DimensionMismatch {
    /// What was attempted (`"addition"`, `"subtraction"`, `"conversion"`).
    pub fn op(&self) -> &'static str {
        self.op
    }

    /// The dimension of the left-hand quantity.
    pub fn left(&self) -> Dim {
        self.dims.0
    }

    /// The dimension of the right-hand quantity (or of the unit converted to).
    pub fn right(&self) -> Dim {
        self.dims.1
    }
}

impl fmt::Display for DimensionMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dimension mismatch in {}: {} and {}",
            self.op,
            self.left().brian_display(),
            self.right().brian_display()
        )
    }
}

impl std::error::Error for DimensionMismatch {}

impl Quantity {
    /// A quantity from its SI value and its dimension.
    pub const fn new(value: f64, dim: Dim) -> Quantity {
        Quantity { value, dim }
    }

    /// A dimensionless quantity.
    pub const fn dimensionless(value: f64) -> Quantity {
        Quantity { value, dim: Dim::ONE }
    }

    /// Whether the quantity is dimensionless.
    pub fn is_dimensionless(self) -> bool {
        self.dim.is_one()
    }

    /// Whether the quantity has the same dimension as `other` (a quantity or a unit).
    pub fn same_dim(self, other: Quantity) -> bool {
        self.dim.same(other.dim)
    }

    /// The value expressed in `unit`: `(20.0 * ms).in_unit(ms)` is `20.0`;
    /// an error if the dimensions differ.
    pub fn in_unit(self, unit: Quantity) -> Result<f64, DimensionMismatch> {
        self.check(unit, "conversion")?;
        Ok(self.value / unit.value)
    }

    /// `self + other`, an error if the dimensions differ.
    pub fn checked_add(self, other: Quantity) -> Result<Quantity, DimensionMismatch> {
        self.check(other, "addition")?;
        Ok(Quantity::new(self.value + other.value, self.dim))
    }

    /// `self - other`, an error if the dimensions differ.
    pub fn checked_sub(self, other: Quantity) -> Result<Quantity, DimensionMismatch> {
        self.check(other, "subtraction")?;
        Ok(Quantity::new(self.value - other.value, self.dim))
    }

    /// `self ** n`.
    pub fn powi(self, n: i32) -> Quantity {
        Quantity::new(self.value.powi(n), self.dim.powf(n as f64))
    }

    /// `self ** e` (fractional exponents give fractional dimensions, as in Brian2).
    pub fn powf(self, e: f64) -> Quantity {
        Quantity::new(self.value.powf(e), self.dim.powf(e))
    }

    /// The square root (`sqrt(ms)` has dimension `second ** 0.5`).
    pub fn sqrt(self) -> Quantity {
        self.powf(0.5)
    }

    /// `1 / self`.
    pub fn recip(self) -> Quantity {
        Quantity::new(1.0 / self.value, self.dim.recip())
    }

    /// The absolute value.
    pub fn abs(self) -> Quantity {
        Quantity::new(self.value.abs(), self.dim)
    }

    fn check(self, other: Quantity, op: &'static str) -> Result<(), DimensionMismatch> {
        if self.dim.same(other.dim) {
            Ok(())
        } else {
            Err(DimensionMismatch {
                op,
                dims: Box::new((self.dim, other.dim)),
            })
        }
    }
}

impl From<f64> for Quantity {
    /// A dimensionless quantity.
    fn from(value: f64) -> Quantity {
        Quantity::dimensionless(value)
    }
}

/// Quantities of the same dimension compare by value; of different
/// dimensions they are unordered (`partial_cmp` is `None`).
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        if self.dim.same(other.dim) {
            self.value.partial_cmp(&other.value)
        } else {
            None
        }
    }
}

impl ops::Mul for Quantity {
    type Output = Quantity;
    fn mul(self, o: Quantity) -> Quantity {
        Quantity::new(self.value * o.value, self.dim.mul(o.dim))
    }
}

impl ops::Div for Quantity {
    type Output = Quantity;
    fn div(self, o: Quantity) -> Quantity {
        Quantity::new(self.value / o.value, self.dim.div(o.dim))
    }
}

impl ops::Mul<f64> for Quantity {
    type Output = Quantity;
    fn mul(self, x: f64) -> Quantity {
        Quantity::new(self.value * x, self.dim)
    }
}

impl ops::Div<f64> for Quantity {
    type Output = Quantity;
    fn div(self, x: f64) -> Quantity {
        Quantity::new(self.value / x, self.dim)
    }
}

impl ops::Mul<Quantity> for f64 {
    type Output = Quantity;
    fn mul(self, q: Quantity) -> Quantity {
        Quantity::new(self * q.value, q.dim)
    }
}

impl ops::Div<Quantity> for f64 {
    type Output = Quantity;
    fn div(self, q: Quantity) -> Quantity {
        Quantity::new(self / q.value, q.dim.recip())
    }
}

impl ops::Neg for Quantity {
    type Output = Quantity;
    fn neg(self) -> Quantity {
        Quantity::new(-self.value, self.dim)
    }
}

/// The SI value and the short name of Brian2's registered unscaled unit
/// (`"0.02 s"`, `"-0.07 V"`, `"1e-09 A"`, `"200.0 Hz"`); the base form for a
/// dimension without a registered unit (`"2.0 m^-4 kg^-1 s^3 A^2"`); the bare
/// number when dimensionless. A precision (`{:.3}`) applies to the number.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = match f.precision() {
            Some(p) => format!("{:.*}", p, self.value),
            None => py_float_repr(self.value),
        };
        if self.dim.is_one() {
            return f.write_str(&number);
        }
        let unit = match self.dim.registered_unit() {
            Some((_, short)) => short.to_string(),
            None => self.dim.base_form(),
        };
        write!(f, "{number} {unit}")
    }
}

/// Defines the unit constants and the list [`si::ALL`] of them.
macro_rules! units {
    ($($name:ident = $value:literal * $dim:expr;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`: ", stringify!($value), " × ", stringify!($dim), ".")]
            pub const $name: Quantity = Quantity::new($value, $dim);
        )*
        /// Every unit constant of this module, with its name (as Brian2 spells it).
        pub const ALL: &[(&str, Quantity)] = &[$((stringify!($name), $name)),*];
    };
}

/// Unit constants, named as in Brian2 (`ms`, `mV`, `nS`, `pF`, `Hz`, `Mohm`,
/// ...): `use spikejit::units::si::*;` then `20.0 * ms`. Each one is a
/// [`Quantity`] whose value is the unit's size in SI base units; every one is
/// also a unit name in model strings, with the same meaning.
#[allow(non_upper_case_globals)]
pub mod si {
    use super::Quantity;
    use crate::units::Dim;

    const METRE2: Dim = Dim::from_ints([2, 0, 0, 0, 0, 0, 0]);
    const METRE3: Dim = Dim::from_ints([3, 0, 0, 0, 0, 0, 0]);

    units! {
        // dimensionless
        radian = 1.0 * Dim::ONE;
        // time
        second = 1.0 * Dim::SECOND;
        ms = 1e-3 * Dim::SECOND;
        msecond = 1e-3 * Dim::SECOND;
        us = 1e-6 * Dim::SECOND;
        usecond = 1e-6 * Dim::SECOND;
        nsecond = 1e-9 * Dim::SECOND;
        // frequency
        Hz = 1.0 * Dim::HERTZ;
        hertz = 1.0 * Dim::HERTZ;
        kHz = 1e3 * Dim::HERTZ;
        khertz = 1e3 * Dim::HERTZ;
        MHz = 1e6 * Dim::HERTZ;
        // voltage
        volt = 1.0 * Dim::VOLT;
        mV = 1e-3 * Dim::VOLT;
        mvolt = 1e-3 * Dim::VOLT;
        uvolt = 1e-6 * Dim::VOLT;
        // current
        amp = 1.0 * Dim::AMP;
        mA = 1e-3 * Dim::AMP;
        uA = 1e-6 * Dim::AMP;
        nA = 1e-9 * Dim::AMP;
        namp = 1e-9 * Dim::AMP;
        pA = 1e-12 * Dim::AMP;
        pamp = 1e-12 * Dim::AMP;
        // conductance
        siemens = 1.0 * Dim::SIEMENS;
        msiemens = 1e-3 * Dim::SIEMENS;
        uS = 1e-6 * Dim::SIEMENS;
        usiemens = 1e-6 * Dim::SIEMENS;
        nS = 1e-9 * Dim::SIEMENS;
        nsiemens = 1e-9 * Dim::SIEMENS;
        psiemens = 1e-12 * Dim::SIEMENS;
        // resistance
        ohm = 1.0 * Dim::OHM;
        kohm = 1e3 * Dim::OHM;
        Mohm = 1e6 * Dim::OHM;
        Gohm = 1e9 * Dim::OHM;
        // capacitance
        farad = 1.0 * Dim::FARAD;
        uF = 1e-6 * Dim::FARAD;
        ufarad = 1e-6 * Dim::FARAD;
        nF = 1e-9 * Dim::FARAD;
        nfarad = 1e-9 * Dim::FARAD;
        pF = 1e-12 * Dim::FARAD;
        pfarad = 1e-12 * Dim::FARAD;
        // charge, energy, power
        coulomb = 1.0 * Dim::COULOMB;
        joule = 1.0 * Dim::JOULE;
        watt = 1.0 * Dim::WATT;
        // length, area, volume
        metre = 1.0 * Dim::METRE;
        meter = 1.0 * Dim::METRE;
        cm = 1e-2 * Dim::METRE;
        mm = 1e-3 * Dim::METRE;
        um = 1e-6 * Dim::METRE;
        nmetre = 1e-9 * Dim::METRE;
        metre2 = 1.0 * METRE2;
        meter2 = 1.0 * METRE2;
        cm2 = 1e-4 * METRE2;
        mm2 = 1e-6 * METRE2;
        um2 = 1e-12 * METRE2;
        metre3 = 1.0 * METRE3;
        meter3 = 1.0 * METRE3;
        liter = 1e-3 * METRE3;
        litre = 1e-3 * METRE3;
        // mass, amount, concentration, temperature
        kilogram = 1.0 * Dim::KILOGRAM;
        kgram = 1.0 * Dim::KILOGRAM;
        gram = 1e-3 * Dim::KILOGRAM;
        mole = 1.0 * Dim::MOLE;
        mmolar = 1.0 * Dim::MMOLAR;
        mM = 1.0 * Dim::MMOLAR;
        umolar = 1e-3 * Dim::MMOLAR;
        uM = 1e-3 * Dim::MMOLAR;
        molar = 1e3 * Dim::MMOLAR;
        kelvin = 1.0 * Dim::KELVIN;
        candle = 1.0 * Dim::CANDELA;
    }
}

#[cfg(test)]
mod tests {
    use super::si::*;
    use super::*;

    #[test]
    fn every_constant_matches_brians_unit_table() {
        for (name, q) in ALL {
            let Some((scale, dim)) = crate::units::lookup(name) else {
                panic!("'{name}' is not one of Brian2's unit names");
            };
            assert!(
                (q.value - scale).abs() <= 1e-12 * scale.abs(),
                "{name}: {} != {scale}",
                q.value
            );
            assert!(q.dim.same(dim), "{name}: {} != {dim}", q.dim);
        }
    }

    #[test]
    fn arithmetic_combines_dimensions() {
        let i = 10.0 * nS * (15.0 * mV);
        assert!(i.dim.same(Dim::AMP));
        assert!((i.value - 150e-12).abs() < 1e-24);
        let tau = 200.0 * Mohm * (100.0 * pF);
        assert!(tau.dim.same(Dim::SECOND));
        assert!((tau.in_unit(ms).unwrap_or(0.0) - 20.0).abs() < 1e-9);
        assert!((1.0 / (5.0 * ms)).dim.same(Dim::HERTZ));
        assert!((mV / 2.0).value == 0.5e-3);
        assert!((-(3.0 * mV)).value == -3e-3);
        assert!((4.0 * cm2).sqrt().same_dim(cm));
        assert_eq!(cm.powi(2).dim, cm2.dim);
        assert_eq!((2.0 * ms).recip().value, 500.0);
        assert!(Quantity::from(3.0).is_dimensionless());
    }

    #[test]
    fn addition_checks_dimensions() {
        let v = (-70.0 * mV).checked_add(5.0 * mV).map(|q| q.value);
        assert!(matches!(v, Ok(x) if (x + 0.065).abs() < 1e-15));
        let e = (1.0 * mV).checked_sub(1.0 * ms);
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("dimension mismatch in subtraction: V and s".to_string())
        );
        assert!((1.0 * mV).in_unit(second).is_err());
        assert!(1.0 * mV < 2.0 * mV);
        assert_eq!((1.0 * mV).partial_cmp(&(1.0 * ms)), None);
    }

    #[test]
    fn display() {
        assert_eq!((20.0 * ms).to_string(), "0.02 s");
        assert_eq!((-70.0 * mV).to_string(), "-0.07 V");
        assert_eq!((1.0 * nA).to_string(), "1e-09 A");
        assert_eq!(format!("{:.3}", 20.0 * ms), "0.020 s");
        assert_eq!(Quantity::dimensionless(0.5).to_string(), "0.5");
        assert_eq!((2.0 * siemens / metre2).to_string(), "2.0 m^-4 kg^-1 s^3 A^2");
    }
}
