//! The flattened morphology (Brian2's `FlatMorphology`): every compartment of
//! the tree in one array per quantity, sections in Brian2's depth-first order
//! (a section, then each child's subtree in the order they were added), and
//! [`FlatMorphology::locate`], Brian2's `neuron.axon[10*um:50*um]` addressing.

use super::Morphology;
use super::derived::{ParentEnd, SectionValues};
use std::ops::Range;

/// The compartments' coordinates (Brian2's `start_x`, `x`, `end_x`, ...), NaN in
/// sections without coordinates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlatCoordinates {
    /// x at the start of each compartment.
    pub start_x: Vec<f64>,
    /// y at the start of each compartment.
    pub start_y: Vec<f64>,
    /// z at the start of each compartment.
    pub start_z: Vec<f64>,
    /// x at the midpoint of each compartment.
    pub x: Vec<f64>,
    /// y at the midpoint of each compartment.
    pub y: Vec<f64>,
    /// z at the midpoint of each compartment.
    pub z: Vec<f64>,
    /// x at the end of each compartment.
    pub end_x: Vec<f64>,
    /// y at the end of each compartment.
    pub end_y: Vec<f64>,
    /// z at the end of each compartment.
    pub end_z: Vec<f64>,
}

/// One section of a flattened morphology.
#[derive(Clone, Debug, PartialEq)]
pub struct FlatSection {
    /// The path of child names from the root: `""` for the root, `"axon"`,
    /// `"axon.L"`, `"dend.1"` (an unnamed child by its number).
    pub path: String,
    /// Its first compartment.
    pub start: usize,
    /// One past its last compartment.
    pub end: usize,
    /// Its parent (an index into `sections`); `None` for the root.
    pub parent: Option<usize>,
    /// The distance from the root at its end (Brian2's `end_distance`).
    pub end_distance: f64,
    /// The sections of its subtree are `sections[k..subtree_end]` (it comes first).
    pub subtree_end: usize,
    /// Every name each child answers to (its given name, its number, `L`/`R`
    /// of an SWC file) with the child's index into `sections`.
    pub children: Vec<(String, usize)>,
}

/// All compartments of a morphology (Brian2's `FlatMorphology`); values in SI units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlatMorphology {
    /// The number of compartments.
    pub n: usize,
    /// Length of each compartment.
    pub length: Vec<f64>,
    /// Distance from the root to each compartment's midpoint.
    pub distance: Vec<f64>,
    /// Membrane area of each compartment.
    pub area: Vec<f64>,
    /// Diameter at each compartment's midpoint.
    pub diameter: Vec<f64>,
    /// Volume of each compartment.
    pub volume: Vec<f64>,
    /// Geometry term of the conductance from the start to the midpoint (divide by `Ri`).
    pub r_length_1: Vec<f64>,
    /// Geometry term of the conductance from the midpoint to the end (divide by `Ri`).
    pub r_length_2: Vec<f64>,
    /// Coordinates; `None` when no section has any (then `x`, `y`, `z` are no variables).
    pub coordinates: Option<FlatCoordinates>,
    /// The depth of each compartment's section in the tree (0 for the root).
    pub depth: Vec<u32>,
    /// The sections, in Brian2's order.
    pub sections: Vec<FlatSection>,
}

/// A section waiting to be flattened: the section, its parent's index into
/// `sections`, its parent and its place among the parent's children, the
/// parent's values, its depth and its path.
type Pending<'a> = (
    &'a Morphology,
    Option<usize>,
    Option<(&'a Morphology, usize)>,
    Option<ParentEnd>,
    u32,
    String,
);

impl Morphology {
    /// The flattened morphology (Brian2's `FlatMorphology(morphology)`).
    pub fn flatten(&self) -> FlatMorphology {
        let mut flat = FlatMorphology::default();
        let mut coords = FlatCoordinates::default();
        let mut any_coordinates = false;
        // Depth-first with an explicit stack: SWC trees can be deep.
        let mut stack: Vec<Pending> = vec![(self, None, None, None, 0, String::new())];
        while let Some((m, parent, from, pend, depth, path)) = stack.pop() {
            let v: SectionValues = m.section_values(pend);
            let start = flat.length.len();
            let n = m.n();
            let k = flat.sections.len();
            flat.sections.push(FlatSection {
                path: path.clone(),
                start,
                end: start + n,
                parent,
                end_distance: v.end_distance,
                subtree_end: k + m.total_sections(),
                children: vec![],
            });
            if let (Some(p), Some((pm, c))) = (parent, from) {
                for (name, _) in pm.names.iter().filter(|(_, ci)| *ci == c) {
                    flat.sections[p].children.push((name.clone(), k));
                }
            }
            flat.depth.extend(std::iter::repeat_n(depth, n));
            match &v.points {
                Some(p) => {
                    any_coordinates = true;
                    for (dst, src) in coords_mut(&mut coords).into_iter().zip([
                        &p.start[0],
                        &p.start[1],
                        &p.start[2],
                        &p.mid[0],
                        &p.mid[1],
                        &p.mid[2],
                        &p.end[0],
                        &p.end[1],
                        &p.end[2],
                    ]) {
                        dst.extend_from_slice(src);
                    }
                }
                None => {
                    for dst in coords_mut(&mut coords) {
                        dst.extend(std::iter::repeat_n(f64::NAN, n));
                    }
                }
            }
            let as_parent = v.as_parent();
            flat.length.extend(v.length);
            flat.distance.extend(v.distance);
            flat.area.extend(v.area);
            flat.diameter.extend(v.diameter);
            flat.volume.extend(v.volume);
            flat.r_length_1.extend(v.r_length_1);
            flat.r_length_2.extend(v.r_length_2);
            for c in (0..m.children.len()).rev() {
                let label = m.child_label(c);
                let child_path = if path.is_empty() {
                    label
                } else {
                    format!("{path}.{label}")
                };
                stack.push((
                    &m.children[c].morphology,
                    Some(k),
                    Some((m, c)),
                    Some(as_parent),
                    depth + 1,
                    child_path,
                ));
            }
        }
        flat.n = flat.length.len();
        flat.coordinates = any_coordinates.then_some(coords);
        flat
    }
}

fn coords_mut(c: &mut FlatCoordinates) -> [&mut Vec<f64>; 9] {
    [
        &mut c.start_x,
        &mut c.start_y,
        &mut c.start_z,
        &mut c.x,
        &mut c.y,
        &mut c.z,
        &mut c.end_x,
        &mut c.end_y,
        &mut c.end_z,
    ]
}

/// A bound of a location's index: a compartment index or a length (metres).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bound {
    Index(i64),
    Length(f64),
}

/// Parses `"3"`, `"-1"`, `"10*um"`, `"10 * um"` (`at`: its offset in the whole string).
fn bound(text: &str, at: usize) -> Result<Bound, (usize, String)> {
    let t = text.trim();
    let at = at + (text.len() - text.trim_start().len());
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Bound::Index(i));
    }
    let bad = || {
        (
            at,
            format!("expected a compartment index or a length such as '10*um', got '{t}'"),
        )
    };
    let (num, unit) = t.split_once('*').ok_or_else(bad)?;
    let value: f64 = num.trim().parse().map_err(|_| bad())?;
    let unit = unit.trim();
    let Some((scale, dim)) = crate::units::lookup(unit) else {
        return Err(bad());
    };
    if !dim.same(crate::units::Dim::METRE) {
        return Err((at, format!("'{t}' is not a length (its unit is {dim})")));
    }
    if !value.is_finite() {
        return Err(bad());
    }
    Ok(Bound::Length(value * scale))
}

/// NumPy's `searchsorted(sorted, x)` (side "left").
fn searchsorted(sorted: &[f64], x: f64) -> usize {
    sorted.partition_point(|&p| p < x)
}

/// NumPy's `argmin(|x - values|)` and that minimum.
fn nearest(values: &[f64], x: f64) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (k, v) in values.iter().enumerate() {
        let d = (x - v).abs();
        if d < best.1 {
            best = (k, d);
        }
    }
    best
}

impl FlatMorphology {
    /// The compartments a location names (Brian2's `neuron.PATH...` addressing),
    /// as one string: `"axon"` (the section and all its descendants, Brian2's
    /// `neuron.axon`), `"axon.L"` (paths of child names; `"LR"`, numbers as in
    /// Brian2), `"main"` (the root section only; `"axon.main"` the axon section
    /// only), `""` (the whole neuron), then optionally an index: `"axon[3]"`,
    /// `"axon[2:5]"` (compartment indices from the start of the subtree, as
    /// Brian2's `neuron.axon[2:5]`; slice bounds may be negative, a single index
    /// may not), `"axon[10*um]"` (the compartment at that distance along the
    /// section), `"axon[10*um:50*um]"` (Brian2's slicing of the section by length:
    /// the compartments from the one containing the start to the one containing
    /// the end). Returns the compartments, an absolute range; the error carries
    /// the byte offset in `spec` where the problem is, and a message.
    pub fn locate(&self, spec: &str) -> Result<Range<usize>, (usize, String)> {
        let (path, item) = match spec.find('[') {
            Some(b) => {
                let rest = &spec[b + 1..];
                let Some(inner) = rest.strip_suffix(']') else {
                    return Err((spec.len(), format!("'{spec}': expected ']' at the end")));
                };
                (&spec[..b], Some((inner, b + 1)))
            }
            None => (spec, None),
        };
        let (mut k, main) = self.resolve(path)?;
        if self.sections.is_empty() {
            return Err((0, "the morphology has no sections".into()));
        }
        k = k.min(self.sections.len() - 1);
        let sec = &self.sections[k];
        let whole = if main {
            sec.start..sec.end
        } else {
            sec.start
                ..self
                    .sections
                    .get(sec.subtree_end.wrapping_sub(1))
                    .map_or(sec.end, |s| s.end)
        };
        let Some((inner, at)) = item else {
            return Ok(whole);
        };
        // (a FlatMorphology made by hand may be inconsistent: no panic on it)
        let lengths = self.length.get(sec.start..sec.end).unwrap_or(&[]);
        let total: f64 = lengths.iter().sum();
        let mut pos = Vec::with_capacity(lengths.len());
        let mut sum = 0.0;
        for l in lengths {
            sum += l;
            pos.push(sum);
        }
        let section_length = pos.last().copied().unwrap_or(0.0);
        let n_whole = (whole.end - whole.start) as i64;
        let empty = |i: usize, j: usize| {
            (
                at,
                format!(
                    "'{}' selects no compartment (from {} to {} of {})",
                    inner.trim(),
                    i,
                    j,
                    whole.end - whole.start
                ),
            )
        };
        match inner.split_once(':') {
            None => match bound(inner, at)? {
                Bound::Index(i) => {
                    if i < 0 || i >= n_whole {
                        return Err((
                            at,
                            format!("index {i} is out of range: the location has {n_whole} compartments"),
                        ));
                    }
                    let i = whole.start + i as usize;
                    Ok(i..i + 1)
                }
                Bound::Length(q) => {
                    if q < 0.0 || q > (1.0 + 1e-12) * section_length {
                        return Err((
                            at,
                            format!(
                                "{} um is outside the section, which is {} um long",
                                q * 1e6,
                                section_length * 1e6
                            ),
                        ));
                    }
                    let mut pos0 = vec![0.0];
                    pos0.extend_from_slice(&pos);
                    let (arg, d) = nearest(&pos0, q);
                    let i = if d < 1e-12 * section_length {
                        arg
                    } else {
                        searchsorted(&pos0, q).saturating_sub(1)
                    };
                    // Brian2 would answer the compartment after the section for its very end.
                    let i = sec.start + i.min(lengths.len().saturating_sub(1));
                    Ok(i..i + 1)
                }
            },
            Some((a, b)) => {
                let b_at = at + a.len() + 1;
                if b.contains(':') {
                    return Err((at, "a step cannot be given: use 'start:stop'".into()));
                }
                let parse = |t: &str, at: usize| {
                    if t.trim().is_empty() {
                        Ok(None)
                    } else {
                        bound(t, at).map(Some)
                    }
                };
                let (lo, hi) = (parse(a, at)?, parse(b, b_at)?);
                match (lo, hi) {
                    (Some(Bound::Length(_)), Some(Bound::Index(_)))
                    | (Some(Bound::Index(_)), Some(Bound::Length(_))) => {
                        Err((at, "both bounds must be indices or both lengths".into()))
                    }
                    (Some(Bound::Length(_)), _) | (_, Some(Bound::Length(_))) => {
                        let q = |b: Option<Bound>| match b {
                            Some(Bound::Length(q)) => Some(q),
                            _ => None,
                        };
                        let i = match q(lo) {
                            None => 0,
                            Some(x) => {
                                let (arg, d) = nearest(&pos, x);
                                if d < 1e-12 * total {
                                    arg + 1
                                } else {
                                    searchsorted(&pos, x)
                                }
                            }
                        };
                        let j = match q(hi) {
                            None => pos.len(),
                            Some(x) => {
                                let (arg, d) = nearest(&pos, x);
                                if d < 1e-12 * total {
                                    arg + 1
                                } else {
                                    searchsorted(&pos, x) + 1
                                }
                            }
                        };
                        // A stop past the section's end ends at the section's end (Brian2 runs on
                        // into the next section there).
                        let j = j.min(lengths.len());
                        if i >= j {
                            return Err(empty(i, j));
                        }
                        Ok(sec.start + i..sec.start + j)
                    }
                    _ => {
                        // Python's slice.indices(N).
                        let clamp = |b: Option<Bound>, default: i64| match b {
                            Some(Bound::Index(x)) if x < 0 => (x + n_whole).max(0),
                            Some(Bound::Index(x)) => x.min(n_whole),
                            _ => default,
                        };
                        let (i, j) = (clamp(lo, 0), clamp(hi, n_whole));
                        if i >= j {
                            return Err(empty(i.max(0) as usize, j.max(0) as usize));
                        }
                        Ok(whole.start + i as usize..whole.start + j as usize)
                    }
                }
            }
        }
    }

    /// The section a path names and whether it ends in `main` (the section
    /// without its subtree).
    fn resolve(&self, path: &str) -> Result<(usize, bool), (usize, String)> {
        if path.trim().is_empty() {
            return Ok((0, false));
        }
        let mut k = 0;
        let mut offset = 0;
        let parts: Vec<&str> = path.split('.').collect();
        for (p, part) in parts.iter().enumerate() {
            let name = part.trim();
            let at = offset + (part.len() - part.trim_start().len());
            offset += part.len() + 1;
            if name == "main" {
                if p + 1 != parts.len() {
                    return Err((at, "'main' (the section itself) must come last".into()));
                }
                return Ok((k, true));
            }
            k = match self.child_of(k, name) {
                Some(c) => c,
                None => {
                    let here = if k == 0 {
                        "the root section".to_string()
                    } else {
                        format!("'{}'", self.sections[k].path)
                    };
                    // each child by one name: its given name, else its number
                    let mut names: Vec<(usize, &str)> = vec![];
                    for (n, c) in self.sections.get(k).map_or(&[][..], |s| &s.children[..]) {
                        let numeric = n.chars().all(|ch| ch.is_ascii_digit());
                        match names.iter_mut().find(|(d, _)| d == c) {
                            Some(e) if !numeric && e.1.chars().all(|ch| ch.is_ascii_digit()) => e.1 = n,
                            Some(_) => {}
                            None => names.push((*c, n)),
                        }
                    }
                    let names: Vec<&str> = names.into_iter().map(|(_, n)| n).collect();
                    let known = if names.is_empty() {
                        "it has no children".to_string()
                    } else {
                        format!("its children are {}", names.join(", "))
                    };
                    return Err((at, format!("no section '{name}' under {here} ({known})")));
                }
            };
        }
        Ok((k, false))
    }

    /// The child of section `k` named `name` (compound names `LRL` walk down).
    fn child_of(&self, k: usize, name: &str) -> Option<usize> {
        let sec = self.sections.get(k)?;
        if let Some(&(_, c)) = sec.children.iter().find(|(n, _)| n == name) {
            return Some(c);
        }
        if super::is_compound(name) {
            let (first, rest) = name.split_at(1);
            let c = self.child_of(k, first)?;
            return self.child_of(c, rest);
        }
        None
    }
}
