//! Dimensions: seven SI exponents, their arithmetic, and Brian2's ways of
//! printing one.

use std::fmt;
use std::ops;

use super::registry::{UnitRegistry, registered_in};
use super::{py_float_repr, table};

/// Tolerance used when comparing exponents.
const EPS: f64 = 1e-9;

/// SI dimension exponents (metre, kilogram, second, ampere, kelvin, mole, candela);
/// float because Brian2 allows e.g. `second**-0.5`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dim(pub [f64; 7]);

/// Brian2's short labels (`_ilabel`), used by [`Dim::base_form`].
const SHORT_LABELS: [&str; 7] = ["m", "kg", "s", "A", "K", "mol", "cd"];
/// Brian2's unit names for the base dimensions (`_iclass_label`), used by
/// [`Dim::python_form`].
const LONG_LABELS: [&str; 7] = ["metre", "kilogram", "second", "amp", "kelvin", "mole", "candle"];

impl Dim {
    /// Dimensionless.
    pub const ONE: Dim = Dim::from_ints([0, 0, 0, 0, 0, 0, 0]);
    /// Length: `metre`.
    pub const METRE: Dim = Dim::from_ints([1, 0, 0, 0, 0, 0, 0]);
    /// Mass: `kilogram`.
    pub const KILOGRAM: Dim = Dim::from_ints([0, 1, 0, 0, 0, 0, 0]);
    /// Time: `second`.
    pub const SECOND: Dim = Dim::from_ints([0, 0, 1, 0, 0, 0, 0]);
    /// Electric current: `amp`.
    pub const AMP: Dim = Dim::from_ints([0, 0, 0, 1, 0, 0, 0]);
    /// Temperature: `kelvin`.
    pub const KELVIN: Dim = Dim::from_ints([0, 0, 0, 0, 1, 0, 0]);
    /// Amount of substance: `mole`.
    pub const MOLE: Dim = Dim::from_ints([0, 0, 0, 0, 0, 1, 0]);
    /// Luminous intensity: `candle` (candela).
    pub const CANDELA: Dim = Dim::from_ints([0, 0, 0, 0, 0, 0, 1]);
    /// second⁻¹ (`hertz`, `Hz`, `becquerel`).
    pub const HERTZ: Dim = Dim::from_ints([0, 0, -1, 0, 0, 0, 0]);
    /// m² kg s⁻³ A⁻¹.
    pub const VOLT: Dim = Dim::from_ints([2, 1, -3, -1, 0, 0, 0]);
    /// m⁻² kg⁻¹ s³ A².
    pub const SIEMENS: Dim = Dim::from_ints([-2, -1, 3, 2, 0, 0, 0]);
    /// m² kg s⁻³ A⁻².
    pub const OHM: Dim = Dim::from_ints([2, 1, -3, -2, 0, 0, 0]);
    /// m⁻² kg⁻¹ s⁴ A².
    pub const FARAD: Dim = Dim::from_ints([-2, -1, 4, 2, 0, 0, 0]);
    /// s A.
    pub const COULOMB: Dim = Dim::from_ints([0, 0, 1, 1, 0, 0, 0]);
    /// m² kg s⁻².
    pub const JOULE: Dim = Dim::from_ints([2, 1, -2, 0, 0, 0, 0]);
    /// m² kg s⁻³.
    pub const WATT: Dim = Dim::from_ints([2, 1, -3, 0, 0, 0, 0]);
    /// m kg s⁻².
    pub const NEWTON: Dim = Dim::from_ints([1, 1, -2, 0, 0, 0, 0]);
    /// m⁻¹ kg s⁻².
    pub const PASCAL: Dim = Dim::from_ints([-1, 1, -2, 0, 0, 0, 0]);
    /// kg s⁻² A⁻¹.
    pub const TESLA: Dim = Dim::from_ints([0, 1, -2, -1, 0, 0, 0]);
    /// m² kg s⁻² A⁻¹.
    pub const WEBER: Dim = Dim::from_ints([2, 1, -2, -1, 0, 0, 0]);
    /// m² kg s⁻² A⁻².
    pub const HENRY: Dim = Dim::from_ints([2, 1, -2, -2, 0, 0, 0]);
    /// s⁻¹ mol.
    pub const KATAL: Dim = Dim::from_ints([0, 0, -1, 0, 0, 1, 0]);
    /// m² s⁻² (`gray`, `sievert`).
    pub const GRAY: Dim = Dim::from_ints([2, 0, -2, 0, 0, 0, 0]);
    /// m⁻² cd.
    pub const LUX: Dim = Dim::from_ints([-2, 0, 0, 0, 0, 0, 1]);
    /// Concentration, m⁻³ mol: Brian2's base unit for it is `mmolar` (`mM`),
    /// i.e. mol/m³ = 1 mM; `molar` is 1000 times that.
    pub const MMOLAR: Dim = Dim::from_ints([-3, 0, 0, 0, 0, 1, 0]);

    /// A dimension from integer exponents.
    pub const fn from_ints(e: [i8; 7]) -> Dim {
        Dim([
            e[0] as f64,
            e[1] as f64,
            e[2] as f64,
            e[3] as f64,
            e[4] as f64,
            e[5] as f64,
            e[6] as f64,
        ])
    }

    /// Product of two dimensions (exponents add).
    #[allow(clippy::should_implement_trait)]
    pub fn mul(self, o: Dim) -> Dim {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(o.0) {
            *x += y;
        }
        Dim(r)
    }

    /// Quotient of two dimensions (exponents subtract).
    #[allow(clippy::should_implement_trait)]
    pub fn div(self, o: Dim) -> Dim {
        let mut r = self.0;
        for (x, y) in r.iter_mut().zip(o.0) {
            *x -= y;
        }
        Dim(r)
    }

    /// Power (exponents scale).
    pub fn powf(self, e: f64) -> Dim {
        let mut r = self.0;
        for x in r.iter_mut() {
            *x *= e;
            if *x == 0.0 {
                *x = 0.0; // no negative zeros
            }
        }
        Dim(r)
    }

    /// The reciprocal dimension.
    pub fn recip(self) -> Dim {
        Dim::ONE.div(self)
    }

    /// Whether this is dimensionless (within 1e-9 on each exponent).
    pub fn is_one(self) -> bool {
        self.same(Dim::ONE)
    }

    /// Equality with a tolerance of 1e-9 on each exponent.
    pub fn same(self, o: Dim) -> bool {
        self.0.iter().zip(o.0).all(|(x, y)| (x - y).abs() <= EPS)
    }

    /// Whether all exponents are integers (within 1e-9).
    pub fn is_integral(self) -> bool {
        self.0.iter().all(|x| (x - x.round()).abs() <= EPS)
    }

    /// Brian2's `str(Dimension)`: `"m^2 kg s^-3 A^-1"`, `"s^-0.5"`, `"1"`.
    ///
    /// Brian2 prints an exponent with Python's `str`, so an exponent that came
    /// out of a float power can show as `s^-2.0` there; here integral exponents
    /// always print as integers.
    pub fn base_form(self) -> String {
        self.product_form(&SHORT_LABELS, "^", " ", "1")
    }

    /// Brian2's `repr(Dimension)` (its Python-code form), which is also the name
    /// of an unregistered unit: `"metre ** 5 * amp"`, `"second ** -0.5"`.
    /// Dimensionless gives `"Dimension()"`, as in Brian2.
    pub fn python_form(self) -> String {
        self.product_form(&LONG_LABELS, " ** ", " * ", "Dimension()")
    }

    /// The non-zero exponents as `label` (exponent 1) or `label POW exponent`,
    /// joined by `times`; `one` when dimensionless. [`Dim::base_form`] and
    /// [`Dim::python_form`] differ only in these words.
    fn product_form(self, labels: &[&str; 7], pow: &str, times: &str, one: &str) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, x)| x.abs() > EPS)
            .map(|(i, &x)| {
                if (x - 1.0).abs() <= EPS {
                    labels[i].to_string()
                } else {
                    format!("{}{pow}{}", labels[i], fmt_exponent(x))
                }
            })
            .collect();
        if parts.is_empty() {
            one.to_string()
        } else {
            parts.join(times)
        }
    }

    /// The registered unscaled unit of this dimension in Brian2's standard or
    /// additional register (the user register aside, see [`UnitRegistry`]):
    /// `(repr, str)`, e.g. `("volt", "V")`, `("joule / kelvin", "J/K")`,
    /// `("radian", "rad")` for dimensionless.
    pub fn registered_unit(self) -> Option<(&'static str, &'static str)> {
        registered_in(&table::REGISTERED_STANDARD, self).or_else(|| registered_in(&table::REGISTERED_ADDITIONAL, self))
    }

    /// `repr(get_unit(d))` with an empty user register: `"volt"`,
    /// `"radian"` for dimensionless, `"metre ** 5 * amp"` for an unregistered
    /// dimension. Brian2 prints this in "Expression ... does not have the
    /// expected unit volt". Prefer [`UnitRegistry::get_unit_repr`] when the
    /// model's unit specifications are known.
    pub fn brian_repr(self) -> String {
        UnitRegistry::EMPTY.get_unit_repr(self)
    }

    /// `get_unit_for_display(d)` with an empty user register: `"V"`, `"1"`,
    /// `"m^5 A"`. Brian2 prints this in most dimension-mismatch messages.
    pub fn brian_display(self) -> String {
        UnitRegistry::EMPTY.get_unit_for_display(self)
    }
}

/// An exponent as Brian2 prints it: integers without a decimal point, other
/// values with Python's float repr.
fn fmt_exponent(x: f64) -> String {
    if (x - x.round()).abs() <= EPS && x.abs() < 1e15 {
        format!("{}", x.round() as i64)
    } else {
        py_float_repr(x)
    }
}

impl ops::Mul for Dim {
    type Output = Dim;
    fn mul(self, o: Dim) -> Dim {
        Dim::mul(self, o)
    }
}

impl ops::Div for Dim {
    type Output = Dim;
    fn div(self, o: Dim) -> Dim {
        Dim::div(self, o)
    }
}

/// `"1"` for dimensionless; the name of Brian2's registered unscaled unit when
/// there is one (`"volt"`, `"siemens"`, `"hertz"`, `"mmolar"`, `"metre2"`,
/// `"joule / kelvin"`); otherwise the base form (`"m^-4 kg^-1 s^3 A^2"`,
/// `"s^-0.5"`).
impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_one() {
            return f.write_str("1");
        }
        match self.registered_unit() {
            Some((name, _)) => f.write_str(name),
            None => f.write_str(&self.base_form()),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::VarType;

    #[test]
    fn display_forms() {
        assert_eq!(Dim::VOLT.to_string(), "volt");
        assert_eq!(Dim::AMP.to_string(), "amp");
        assert_eq!(Dim::SIEMENS.to_string(), "siemens");
        assert_eq!(Dim::SECOND.to_string(), "second");
        assert_eq!(Dim::HERTZ.to_string(), "hertz");
        assert_eq!(Dim::FARAD.to_string(), "farad");
        assert_eq!(Dim::OHM.to_string(), "ohm");
        assert_eq!(Dim::METRE.to_string(), "metre");
        assert_eq!(Dim::MOLE.to_string(), "mole");
        assert_eq!(Dim::MMOLAR.to_string(), "mmolar");
        assert_eq!(Dim::ONE.to_string(), "1");
        assert_eq!(Dim::METRE.powf(2.0).to_string(), "metre2");
        assert_eq!(Dim::JOULE.div(Dim::KELVIN).to_string(), "joule / kelvin");
        let sm2 = Dim::SIEMENS.div(Dim::METRE.powf(2.0));
        assert_eq!(sm2.to_string(), "m^-4 kg^-1 s^3 A^2");
        assert_eq!(Dim::SECOND.powf(-0.5).to_string(), "s^-0.5");

        assert_eq!(Dim::VOLT.base_form(), "m^2 kg s^-3 A^-1");
        assert_eq!(Dim::AMP.base_form(), "A");
        assert_eq!(Dim::ONE.base_form(), "1");
        assert_eq!(Dim::MMOLAR.base_form(), "m^-3 mol");
        assert_eq!(Dim::VOLT.powf(0.5).base_form(), "m kg^0.5 s^-1.5 A^-0.5");
        assert_eq!(Dim::VOLT.brian_display(), "V");
        assert_eq!(Dim::ONE.brian_display(), "1");
        assert_eq!(sm2.brian_display(), "m^-4 kg^-1 s^3 A^2");
        assert_eq!(Dim::VOLT.brian_repr(), "volt");
        assert_eq!(Dim::ONE.brian_repr(), "radian");
        assert_eq!(Dim::SECOND.powf(-0.5).brian_repr(), "second ** -0.5");
        assert_eq!(Dim::METRE.powf(5.0).mul(Dim::AMP).python_form(), "metre ** 5 * amp");
    }

    #[test]
    fn dimension_arithmetic() {
        assert!(Dim::VOLT.div(Dim::OHM).same(Dim::AMP));
        assert_eq!(Dim::SIEMENS.mul(Dim::VOLT), Dim::AMP);
        assert!(Dim::OHM.mul(Dim::SIEMENS).is_one());
        assert_eq!(Dim::FARAD.mul(Dim::OHM), Dim::SECOND);
        assert_eq!(Dim::COULOMB.div(Dim::SECOND), Dim::AMP);
        assert_eq!(Dim::SECOND.recip(), Dim::HERTZ);
        assert_eq!(Dim::VOLT * Dim::AMP, Dim::WATT);
        assert_eq!(Dim::JOULE / Dim::SECOND, Dim::WATT);
        let half = Dim::SECOND.powf(-0.5);
        assert_eq!(half.0[2], -0.5);
        assert!(half.powf(2.0).same(Dim::HERTZ));
        assert!(!half.is_integral() && Dim::VOLT.is_integral());
        assert!(Dim::VOLT.powf(0.0).is_one());
        let near = Dim([2.0 + 1e-12, 1.0, -3.0, -1.0, 0.0, 0.0, 1e-12]);
        assert!(near.same(Dim::VOLT) && near != Dim::VOLT);
        assert!(!Dim::VOLT.same(Dim::AMP));
        assert!(!Dim([0.0, 0.0, 1e-3, 0.0, 0.0, 0.0, 0.0]).is_one());
        assert_eq!(VarType::Boolean.dim(), Dim::ONE);
    }
}
