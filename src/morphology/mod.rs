//! Neuronal morphologies (Brian2's `brian2.spatialneuron.morphology`): a tree of
//! unbranched sections (a spherical [`Shape::Soma`], a [`Shape::Cylinder`] of
//! equal compartments, a [`Shape::Section`] of truncated cones), each with its
//! named children; loaded from SWC files ([`Morphology::from_swc`]); given or
//! generated coordinates; and flattened ([`Morphology::flatten`]) into the
//! per-compartment arrays a spatial neuron is simulated on, computed exactly as
//! Brian2 computes them. All values are SI (metres).
//!
//! This module knows only `diag` and `units`: the simulator and the model files
//! build on it.
//!
//! ```
//! use spikejit::morphology::Morphology;
//! const UM: f64 = 1e-6;
//! let mut soma = Morphology::soma(30.0 * UM).unwrap();
//! soma.add_child("axon", Morphology::cylinder(10, 1.0 * UM, 100.0 * UM).unwrap()).unwrap();
//! let flat = soma.flatten();
//! assert_eq!(flat.n, 11);
//! // Brian2's neuron.axon[10*um:50*um]: compartments 2 to 5 of the neuron
//! assert_eq!(flat.locate("axon[10*um:50*um]"), Ok(2..6));
//! assert_eq!(flat.distance[1], 5.0 * UM);
//! ```

mod coords;
mod derived;
mod flat;
mod swc;

pub use flat::{FlatCoordinates, FlatMorphology, FlatSection};

/// The geometry of one section.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A sphere: one compartment, iso-potential (Brian2's `Soma`).
    Soma {
        /// The sphere's diameter.
        diameter: f64,
    },
    /// `n` equal compartments of one diameter (Brian2's `Cylinder`).
    Cylinder {
        /// The diameter of every compartment.
        diameter: f64,
        /// The section's total length (the compartments' lengths added up).
        length: f64,
    },
    /// `n` truncated cones (Brian2's `Section`).
    Section {
        /// `n + 1` diameters: at the start of the first compartment, then at the end of each.
        diameters: Vec<f64>,
        /// `n` lengths, one per compartment.
        lengths: Vec<f64>,
    },
}

/// Coordinates of a section as given (Brian2's `_x`, `_y`, `_z`): one point for
/// a soma (absolute), `n + 1` points for a cylinder or section, relative to the
/// end of the parent section when that has coordinates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Points {
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) z: Vec<f64>,
}

/// A child section and the names it answers to.
#[derive(Clone, Debug)]
struct Child {
    /// The name it was added under (Brian2's `Children.name(child)`); `None` for
    /// unnamed sections of an SWC file.
    given: Option<String>,
    morphology: Morphology,
}

/// One section and its subtree (Brian2's `Morphology`).
#[derive(Clone, Debug)]
pub struct Morphology {
    shape: Shape,
    /// Per-compartment lengths (Brian2's `length`; for a soma its diameter).
    lengths: Vec<f64>,
    points: Option<Points>,
    /// Brian2's `type` (`"soma"`, `"axon"`, `"dend"`...).
    kind: Option<String>,
    children: Vec<Child>,
    /// Brian2's `Children._named_children`: each name (given names and the
    /// automatic `"1"`, `"2"`, ...) and the index of its child, later entries
    /// replacing earlier ones of the same name.
    names: Vec<(String, usize)>,
}

fn check_values(what: &str, values: &[f64]) -> Result<(), String> {
    match values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        Some(v) => Err(format!("{what} must be finite and not negative, got {v}")),
        None => Ok(()),
    }
}

fn check_coordinates(values: &[f64]) -> Result<(), String> {
    match values.iter().find(|v| !v.is_finite()) {
        Some(v) => Err(format!("coordinates must be finite, got {v}")),
        None => Ok(()),
    }
}

/// NumPy's `linspace(a, b, num)` (`num >= 2`), value for value.
fn linspace(a: f64, b: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = b - a;
    let step = delta / div;
    let mut v: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                i as f64 / div * delta + a
            } else {
                i as f64 * step + a
            }
        })
        .collect();
    v[num - 1] = b;
    v
}

/// Compartment lengths from `n + 1` points, as Brian2 computes them.
fn lengths_of(p: &Points) -> Vec<f64> {
    (0..p.x.len() - 1)
        .map(|i| {
            let (dx, dy, dz) = (p.x[i + 1] - p.x[i], p.y[i + 1] - p.y[i], p.z[i + 1] - p.z[i]);
            (dx * dx + dy * dy + dz * dz).sqrt()
        })
        .collect()
}

/// The three coordinate lists of a section: at least one given, the others zero.
fn fill_points(x: Option<Vec<f64>>, y: Option<Vec<f64>>, z: Option<Vec<f64>>, len: usize) -> Result<Points, String> {
    if x.is_none() && y.is_none() && z.is_none() {
        return Err("no length given: need a length or at least one of the coordinates x, y, z".into());
    }
    let take = |name: &str, v: Option<Vec<f64>>| -> Result<Vec<f64>, String> {
        match v {
            None => Ok(vec![0.0; len]),
            Some(v) if v.len() != len => Err(format!("'{name}' needs {len} values, got {}", v.len())),
            Some(v) => {
                check_coordinates(&v)?;
                Ok(v)
            }
        }
    };
    Ok(Points {
        x: take("x", x)?,
        y: take("y", y)?,
        z: take("z", z)?,
    })
}

impl Morphology {
    fn new(shape: Shape, lengths: Vec<f64>, points: Option<Points>, kind: Option<&str>) -> Morphology {
        Morphology {
            shape,
            lengths,
            points,
            kind: kind.map(str::to_string),
            children: vec![],
            names: vec![],
        }
    }

    /// A spherical soma (Brian2's `Soma(diameter)`), without coordinates.
    pub fn soma(diameter: f64) -> Result<Morphology, String> {
        Morphology::soma_at(diameter, None, None, None)
    }

    /// A soma at a point (Brian2's `Soma(diameter, x=, y=, z=)`; coordinates not
    /// given are 0 when any is given). A soma's coordinates are absolute.
    pub fn soma_at(diameter: f64, x: Option<f64>, y: Option<f64>, z: Option<f64>) -> Result<Morphology, String> {
        check_values("the diameter", &[diameter])?;
        let points = if x.is_some() || y.is_some() || z.is_some() {
            let [x, y, z] = [x, y, z].map(|c| c.unwrap_or(0.0));
            check_coordinates(&[x, y, z])?;
            Some(Points {
                x: vec![x],
                y: vec![y],
                z: vec![z],
            })
        } else {
            None
        };
        Ok(Morphology::new(
            Shape::Soma { diameter },
            vec![diameter],
            points,
            Some("soma"),
        ))
    }

    /// `n` cylindrical compartments making up a cylinder of `length` (Brian2's
    /// `Cylinder(diameter, n=, length=)`).
    pub fn cylinder(n: usize, diameter: f64, length: f64) -> Result<Morphology, String> {
        check_n(n)?;
        check_values("the diameter", &[diameter])?;
        check_values("the length", &[length])?;
        let lengths = vec![length / n as f64; n];
        Ok(Morphology::new(
            Shape::Cylinder { diameter, length },
            lengths,
            None,
            None,
        ))
    }

    /// A cylinder between two points (Brian2's `Cylinder(diameter, n=, x=[a, b], y=, z=)`):
    /// each given coordinate is `[start, end]` relative to the end of the parent
    /// section, the others 0; the compartments are equally spaced along it.
    pub fn cylinder_between(
        n: usize,
        diameter: f64,
        x: Option<[f64; 2]>,
        y: Option<[f64; 2]>,
        z: Option<[f64; 2]>,
    ) -> Result<Morphology, String> {
        check_n(n)?;
        check_values("the diameter", &[diameter])?;
        let spread = |c: Option<[f64; 2]>| c.map(|[a, b]| linspace(a, b, n + 1));
        let points = fill_points(spread(x), spread(y), spread(z), n + 1)?;
        let lengths = lengths_of(&points);
        let length = lengths.iter().sum();
        Ok(Morphology::new(
            Shape::Cylinder { diameter, length },
            lengths,
            Some(points),
            None,
        ))
    }

    /// Truncated cones (Brian2's `Section(diameter, n=, length=)`): `n + 1`
    /// diameters (at the start, then at the end of each compartment) and `n` lengths.
    pub fn section(diameters: Vec<f64>, lengths: Vec<f64>) -> Result<Morphology, String> {
        let n = lengths.len();
        check_n(n)?;
        if diameters.len() != n + 1 {
            return Err(format!(
                "a section of {n} compartments needs {} diameters, got {}",
                n + 1,
                diameters.len()
            ));
        }
        check_values("the diameters", &diameters)?;
        check_values("the lengths", &lengths)?;
        let shape = Shape::Section {
            diameters,
            lengths: lengths.clone(),
        };
        Ok(Morphology::new(shape, lengths, None, None))
    }

    /// Truncated cones through points (Brian2's `Section(diameter, n=, x=, y=, z=)`):
    /// `n + 1` diameters and, for each given coordinate, `n + 1` values (the start
    /// point, then the end of each compartment) relative to the end of the parent.
    pub fn section_through(
        diameters: Vec<f64>,
        x: Option<Vec<f64>>,
        y: Option<Vec<f64>>,
        z: Option<Vec<f64>>,
    ) -> Result<Morphology, String> {
        let n = diameters.len().saturating_sub(1);
        check_n(n).map_err(|_| "a section needs at least 2 diameters (n + 1 for n compartments)".to_string())?;
        check_values("the diameters", &diameters)?;
        let points = fill_points(x, y, z, n + 1)?;
        let lengths = lengths_of(&points);
        let shape = Shape::Section {
            diameters,
            lengths: lengths.clone(),
        };
        Ok(Morphology::new(shape, lengths, Some(points), None))
    }

    /// The same section with Brian2's `type` set (`"axon"`, `"dend"`...).
    pub fn with_type(mut self, kind: &str) -> Morphology {
        self.kind = Some(kind.to_string());
        self
    }

    /// The section's shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Brian2's `type` of the section (`"soma"` for a soma, the SWC type of a loaded section).
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// The number of compartments of this section.
    pub fn n(&self) -> usize {
        self.lengths.len()
    }

    /// Whether the section has coordinates.
    pub fn has_coordinates(&self) -> bool {
        self.points.is_some()
    }

    /// The children in order, each with the name it was added under (`None` for
    /// an unnamed section of an SWC file, which answers to its number only).
    pub fn children(&self) -> impl Iterator<Item = (Option<&str>, &Morphology)> {
        self.children.iter().map(|c| (c.given.as_deref(), &c.morphology))
    }

    /// The name a child answers to in paths: its given name, or else its number (`"1"`, `"2"`...).
    fn child_label(&self, k: usize) -> String {
        self.children[k].given.clone().unwrap_or_else(|| (k + 1).to_string())
    }

    /// Adds a child section (Brian2's `morpho.axon = ...`, `morpho.L = ...`,
    /// `morpho["1"] = ...`). A name of several of the characters `LR123456789`
    /// (`"LR"`, `"12"`) walks down the tree as Brian2 does: `"RL"` is the child
    /// `L` of the child `R`. Besides its name, the child answers to its number
    /// (`"1"` for the first child, `"2"`...).
    pub fn add_child(&mut self, name: &str, child: Morphology) -> Result<(), String> {
        if is_compound(name) {
            let (first, rest) = name.split_at(1);
            let Some(k) = self.lookup(first) else {
                return Err(format!("cannot add '{name}': the subtree '{first}' does not exist"));
            };
            return self.children[k].morphology.add_child(rest, child);
        }
        if !is_child_name(name) {
            return Err(format!(
                "'{name}' is not a valid section name (use a name such as 'axon', 'L', 'R' or a number)"
            ));
        }
        if self.lookup(name).is_some() {
            return Err(format!("the name '{name}' is already used for a subtree"));
        }
        self.push_child(Some(name.to_string()), child);
        Ok(())
    }

    /// Brian2's `Children.add(name, subtree)` for a new subtree.
    fn push_child(&mut self, given: Option<String>, child: Morphology) -> usize {
        let k = self.children.len();
        self.children.push(Child {
            given: given.clone(),
            morphology: child,
        });
        self.set_name((k + 1).to_string(), k);
        if let Some(g) = given {
            self.set_name(g, k);
        }
        k
    }

    fn set_name(&mut self, name: String, k: usize) {
        match self.names.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = k,
            None => self.names.push((name, k)),
        }
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|&(_, k)| k)
    }

    /// The index of the child that a path component names (Brian2's `morpho[name]`
    /// for one level, compound names such as `"LR"` walking further).
    fn resolve(&self, name: &str) -> Option<Vec<usize>> {
        if let Some(k) = self.lookup(name) {
            return Some(vec![k]);
        }
        if is_compound(name) {
            let (first, rest) = name.split_at(1);
            let k = self.lookup(first)?;
            let mut tail = self.children[k].morphology.resolve(rest)?;
            tail.insert(0, k);
            return Some(tail);
        }
        None
    }

    /// The child indices along a path (`"axon"`, `"dend.L"`, `"LR"`, `"1.2"`).
    pub(crate) fn resolve_path(&self, path: &str) -> Option<Vec<usize>> {
        let mut at = self;
        let mut out = vec![];
        for part in path.split('.') {
            let ks = at.resolve(part)?;
            for &k in &ks {
                at = &at.children[k].morphology;
            }
            out.extend(ks);
        }
        Some(out)
    }

    /// The subtree at a path of child names: `"axon"`, `"dend.L"`, `"L"`, `"1"`,
    /// and Brian2's compound names (`"LRL"`, `"12"`).
    pub fn child(&self, path: &str) -> Option<&Morphology> {
        let ks = self.resolve_path(path)?;
        Some(ks.iter().fold(self, |m, &k| &m.children[k].morphology))
    }

    /// The number of compartments of this section and all below it.
    pub fn total_compartments(&self) -> usize {
        self.n()
            + self
                .children
                .iter()
                .map(|c| c.morphology.total_compartments())
                .sum::<usize>()
    }

    /// The number of sections of this subtree, this one included.
    pub fn total_sections(&self) -> usize {
        1 + self
            .children
            .iter()
            .map(|c| c.morphology.total_sections())
            .sum::<usize>()
    }
}

fn check_n(n: usize) -> Result<(), String> {
    if n == 0 {
        return Err("the number of compartments n has to be at least 1".into());
    }
    Ok(())
}

/// Brian2's test for a name that walks down the tree: several of `LR123456789`.
fn is_compound(name: &str) -> bool {
    name.len() > 1 && name.chars().all(|c| "LR123456789".contains(c))
}

/// A name a child can be added under: an identifier or a number.
fn is_child_name(name: &str) -> bool {
    let mut c = name.chars();
    let ident = matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
    let number = !name.is_empty() && name.chars().all(|ch| ch.is_ascii_digit()) && !name.starts_with('0');
    (ident && name != "main") || number
}
