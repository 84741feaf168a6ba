//! SWC files (Brian2's `Morphology.from_swc_file` and `from_points`): points
//! `index type x y z radius parent` in micrometres, merged into sections where
//! the tree does not branch and the type does not change, a three-point soma
//! replaced by a sphere, sections named by type (`soma`, `axon`, `dend`,
//! `apic`) and by `L`/`R` (one or two children) or `1`, `2`, `3`... Every
//! error points at the line and column of the SWC text.

use super::Morphology;
use crate::diag::{Diagnostic, Errors, Result, Source, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// Brian2's `um`: SWC values are micrometres.
const UM: f64 = 1e-6;

/// One point of the file (Brian2's `Node`), values in micrometres.
struct Point {
    index: i64,
    name: Option<&'static str>,
    xyz: [f64; 3],
    diameter: f64,
    parent: Option<usize>,
    children: Vec<usize>,
    /// The line, for errors about the point.
    line: Span,
}

fn err(source: &Arc<Source>, span: Span, msg: impl Into<String>) -> Errors {
    Errors::one(Diagnostic::at("bad-swc", source, span, msg))
}

/// The whitespace-separated fields of a line, with their spans in the text.
fn fields(line: &str, offset: usize) -> Vec<(&str, Span)> {
    let mut out = vec![];
    let mut start = None;
    for (k, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((&line[s..k], Span::new(offset + s, offset + k)));
                start = None;
            }
            (false, None) => start = Some(k),
            _ => {}
        }
    }
    out
}

impl Morphology {
    /// Loads a morphology from the text of an SWC file (Brian2's
    /// `Morphology.from_swc_file(filename, spherical_soma)`): `text` is
    /// `source.text`, and errors point into `source`. With `spherical_soma`, a
    /// soma of one point becomes a [`Shape::Soma`](super::Shape::Soma) and a three-point soma (the
    /// NeuroMorpho convention) one sphere.
    pub fn from_swc(text: &str, source: Arc<Source>, spherical_soma: bool) -> Result<Morphology> {
        let src = &source;
        let mut points: Vec<Point> = vec![];
        let mut by_index: HashMap<i64, usize> = HashMap::new();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let line_start = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let line_span = Span::new(
                line_start + (line.len() - line.trim_start().len()),
                line_start + line.trim_end().len(),
            );
            let f = fields(line, line_start);
            if f.len() != 7 {
                let span = f.get(7).map_or(Span::new(line_span.end, line_span.end), |x| x.1);
                return Err(err(
                    src,
                    span,
                    format!(
                        "each line of an SWC file has 7 entries (index type x y z radius parent), this one has {}",
                        f.len()
                    ),
                ));
            }
            let int = |k: usize, what: &str| -> Result<i64> {
                f[k].0
                    .parse::<i64>()
                    .map_err(|_| err(src, f[k].1, format!("the {what} must be an integer, got '{}'", f[k].0)))
            };
            let float = |k: usize, what: &str| -> Result<f64> {
                match f[k].0.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(err(
                        src,
                        f[k].1,
                        format!("the {what} must be a finite number, got '{}'", f[k].0),
                    )),
                }
            };
            let index = int(0, "index")?;
            let name = match f[1].0 {
                "1" => Some("soma"),
                "2" => Some("axon"),
                "3" => Some("dend"),
                "4" => Some("apic"),
                _ => None,
            };
            let xyz = [
                float(2, "x coordinate")?,
                float(3, "y coordinate")?,
                float(4, "z coordinate")?,
            ];
            let radius = float(5, "radius")?;
            if radius < 0.0 {
                return Err(err(
                    src,
                    f[5].1,
                    format!("the radius must not be negative, got {radius}"),
                ));
            }
            let parent_index = int(6, "parent index")?;
            if by_index.contains_key(&index) {
                return Err(err(src, f[0].1, format!("two points have the index {index}")));
            }
            if parent_index == index {
                return Err(err(src, f[6].1, format!("point {index} names itself as its parent")));
            }
            let parent = if points.is_empty() && parent_index == -1 {
                None
            } else {
                match by_index.get(&parent_index) {
                    Some(&p) => Some(p),
                    None if points.is_empty() => {
                        return Err(err(
                            src,
                            f[6].1,
                            format!("the first point must be the root, with parent -1, not {parent_index}"),
                        ));
                    }
                    None if parent_index == -1 => {
                        return Err(err(
                            src,
                            f[6].1,
                            "a second root point (parent -1): an SWC file describes one tree",
                        ));
                    }
                    None => {
                        return Err(err(
                            src,
                            f[6].1,
                            format!(
                                "point {index} names {parent_index} as its parent, which is not listed before it \
                                 (parents must come before their children)"
                            ),
                        ));
                    }
                }
            };
            let k = points.len();
            by_index.insert(index, k);
            points.push(Point {
                index,
                name,
                xyz,
                diameter: 2.0 * radius,
                parent,
                children: vec![],
                line: line_span,
            });
            if let Some(p) = parent {
                points[p].children.push(k);
            }
        }
        if points.is_empty() {
            return Err(err(src, Span::new(0, 0), "the SWC file has no points"));
        }
        if spherical_soma {
            replace_three_point_soma(&mut points, src)?;
        }
        sections(&points, spherical_soma, src)
    }
}

/// Brian2's `_replace_three_point_soma`: a root soma point with two soma children
/// that have no children of their own, each one radius away, is one sphere.
fn replace_three_point_soma(points: &mut [Point], src: &Arc<Source>) -> Result<()> {
    let root = &points[0];
    let somas: Vec<usize> = root
        .children
        .iter()
        .copied()
        .filter(|&c| points[c].name == Some("soma"))
        .collect();
    if !(root.name == Some("soma") && somas.len() == 2 && somas.iter().all(|&c| points[c].children.is_empty())) {
        return Ok(());
    }
    let d = root.diameter;
    if somas.iter().any(|&c| (points[c].diameter - d).abs() >= 1e-15) {
        let lines: Vec<String> = [0, somas[0], somas[1]]
            .iter()
            .map(|&c| points[c].index.to_string())
            .collect();
        return Err(err(
            src,
            points[somas[0]].line,
            format!(
                "found a three-point soma (points {}), but not all its diameters are the same",
                lines.join(", ")
            ),
        ));
    }
    let dist = |c: usize| {
        let (p, q) = (points[0].xyz, points[c].xyz);
        ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) + (q[2] - p[2]).powi(2)).sqrt()
    };
    let (l1, l2) = (dist(somas[0]), dist(somas[1]));
    if (l1 - d / 2.0).abs() > 0.1 || (l2 - d / 2.0).abs() > 0.1 {
        let bad = if (l1 - d / 2.0).abs() > 0.1 { somas[0] } else { somas[1] };
        return Err(err(
            src,
            points[bad].line,
            format!(
                "cannot replace the three-point soma by a sphere: the second and third points should be one radius \
                 away from the first; distances are {l1:.3}um and {l2:.3}um, the radius is {:.3}um",
                d / 2.0
            ),
        ));
    }
    points[0].children.retain(|c| !somas.contains(c));
    Ok(())
}

/// Brian2's `_compartments_to_sections` and the naming of `from_points`.
fn sections(points: &[Point], spherical_soma: bool, src: &Arc<Source>) -> Result<Morphology> {
    // Built bottom-up after a top-down walk: each section's points, its parent
    // section and its name, in Brian2's order (depth first).
    struct Sec {
        points: Vec<usize>,
        parent: Option<usize>,
        morphology: Option<Morphology>,
    }
    let mut secs: Vec<Sec> = vec![];
    let mut section_of_last: HashMap<usize, usize> = HashMap::new();
    let mut stack = vec![0usize];
    while let Some(first) = stack.pop() {
        let mut chain = vec![first];
        let mut c = first;
        while points[c].children.len() == 1 && points[points[c].children[0]].name == points[c].name {
            c = points[c].children[0];
            chain.push(c);
        }
        let parent = points[first].parent.map(|p| section_of_last[&p]);
        let m = make_section(points, &chain, spherical_soma, src)?;
        section_of_last.insert(c, secs.len());
        secs.push(Sec {
            points: chain,
            parent,
            morphology: Some(m),
        });
        stack.extend(points[c].children.iter().rev());
    }
    // Children in Brian2's order: the order sections were made. Each child is
    // added under its type name (made unique: dend, dend2...), then also
    // answers to L/R (one or two children) or its number.
    let mut kids: Vec<Vec<usize>> = vec![vec![]; secs.len()];
    for (k, s) in secs.iter().enumerate() {
        if let Some(p) = s.parent {
            kids[p].push(k);
        }
    }
    for k in (0..secs.len()).rev() {
        let mut m = secs[k]
            .morphology
            .take()
            .ok_or_else(|| err(src, Span::new(0, 0), "internal: section built twice"))?;
        let count = kids[k].len();
        for (nth, &c) in kids[k].iter().enumerate() {
            let child = secs[c]
                .morphology
                .take()
                .ok_or_else(|| err(src, Span::new(0, 0), "internal: section built twice"))?;
            let last = secs[c].points[secs[c].points.len() - 1];
            let given = points[last].name.map(|base| {
                let mut name = base.to_string();
                let mut counter = 1;
                while m.lookup(&name).is_some() {
                    counter += 1;
                    name = format!("{base}{counter}");
                }
                name
            });
            let at = m.push_child(given, child);
            let alias = if count <= 2 {
                if nth == 0 { "L".to_string() } else { "R".to_string() }
            } else {
                (nth + 1).to_string()
            };
            m.set_name(alias, at);
        }
        secs[k].morphology = Some(m);
    }
    secs[0]
        .morphology
        .take()
        .ok_or_else(|| err(src, Span::new(0, 0), "internal: no root section"))
}

/// Brian2's `_create_section`: a soma sphere, or a section through the points
/// (starting at the end of the parent point, at its diameter unless that is a soma).
fn make_section(points: &[Point], chain: &[usize], spherical_soma: bool, src: &Arc<Source>) -> Result<Morphology> {
    let first = &points[chain[0]];
    let last = &points[chain[chain.len() - 1]];
    let fail = |e: String| err(src, first.line, format!("point {}: {e}", first.index));
    if spherical_soma && chain.len() == 1 && first.name == Some("soma") {
        let [x, y, z] = first.xyz.map(|c| c * UM);
        return Morphology::soma_at(first.diameter * UM, Some(x), Some(y), Some(z)).map_err(fail);
    }
    // (diameter, point) of the section's start and of each compartment's end, in um
    let mut ends: Vec<(f64, [f64; 3])> = vec![];
    match first.parent.map(|p| &points[p]) {
        Some(parent) => {
            let start = if parent.name == Some("soma") {
                first.diameter
            } else {
                parent.diameter
            };
            ends.push((start, [0.0; 3]));
            for &c in chain {
                let p = &points[c];
                ends.push((p.diameter, std::array::from_fn(|a| p.xyz[a] - parent.xyz[a])));
            }
        }
        None => {
            if chain.len() < 2 {
                return Err(err(
                    src,
                    first.line,
                    "the tree's root is a single point that is not a soma: a section needs at least two points",
                ));
            }
            ends.extend(chain.iter().map(|&c| (points[c].diameter, points[c].xyz)));
        }
    }
    let d: Vec<f64> = ends.iter().map(|e| e.0).collect();
    let xyz: [Vec<f64>; 3] = std::array::from_fn(|a| ends.iter().map(|e| e.1[a]).collect());
    let [x, y, z] = xyz.map(|c| c.into_iter().map(|v| v * UM).collect::<Vec<f64>>());
    let d: Vec<f64> = d.into_iter().map(|v| v * UM).collect();
    let m = Morphology::section_through(d, Some(x), Some(y), Some(z)).map_err(fail)?;
    Ok(match last.name {
        Some(n) => m.with_type(n),
        None => m,
    })
}
