//! The figures of the tutorials that the monitors' own plots (`spikejit run
//! --plot`) do not draw: curves of one quantity against another, error bars,
//! connectivity pictures. Each tutorial program includes this file as a
//! module; PNG through plotters with spikejit's embedded font.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use spikejit::plot::{FONT, err, write_png};

/// One line (or set of points) of a chart: its legend entry and its points.
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Points as dots instead of a line.
    pub dots: bool,
}

impl Line {
    pub fn new(label: &str, points: Vec<(f64, f64)>) -> Line {
        Line {
            label: label.into(),
            points,
            dots: false,
        }
    }

    pub fn dots(label: &str, points: Vec<(f64, f64)>) -> Line {
        Line {
            label: label.into(),
            points,
            dots: true,
        }
    }
}

/// The smallest and largest finite value, widened by 5 % (and made a range
/// when all values are equal).
fn range(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs.filter(|x| x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
    (lo - pad, hi + pad)
}

/// Lines and dots on one chart; `zero_line` draws y = 0 as the notebooks' `axhline(0)`.
pub fn chart(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
    zero_line: bool,
) -> Result<(), String> {
    write_png(path, (800, 500), |root| {
        draw_chart(&root, title, x_desc, y_desc, lines, zero_line)
    })
}

fn draw_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
    zero_line: bool,
) -> Result<(), String> {
    let (x0, x1) = range(lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)));
    let (y0, y1) = range(
        lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(zero_line.then_some(0.0)),
    );
    let mut c = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    c.configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 14))
        .draw()
        .map_err(err)?;
    if zero_line {
        c.draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK))
            .map_err(err)?;
    }
    for (k, l) in lines.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let drawn = if l.dots {
            c.draw_series(l.points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(err)?
        } else {
            c.draw_series(LineSeries::new(l.points.iter().copied(), color.stroke_width(2)))
                .map_err(err)?
        };
        if !l.label.is_empty() {
            drawn
                .label(l.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
    }
    if lines.iter().any(|l| !l.label.is_empty()) {
        c.configure_series_labels()
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Points (x, mean) with error bars of ± std, joined by a line (matplotlib's `errorbar`).
pub fn error_bars(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(f64, f64, f64)],
) -> Result<(), String> {
    let ok: Vec<(f64, f64, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    write_png(path, (800, 500), |root| {
        let (x0, x1) = range(ok.iter().map(|p| p.0));
        let (y0, y1) = range(ok.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]));
        let mut c = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        let color = Palette99::pick(0).to_rgba();
        c.draw_series(LineSeries::new(ok.iter().map(|p| (p.0, p.1)), color.stroke_width(2)))
            .map_err(err)?;
        // each bar a vertical line from mean - std to mean + std (plotters' ErrorBar
        // needs a feature the crate does not enable)
        c.draw_series(
            ok.iter()
                .map(|&(x, m, s)| PathElement::new(vec![(x, m - s), (x, m + s)], color.stroke_width(1))),
        )
        .map_err(err)?;
        c.draw_series(ok.iter().map(|&(x, m, _)| Circle::new((x, m), 3, color.filled())))
            .map_err(err)?;
        Ok(())
    })
}

/// The notebook's `visualise_connectivity(S)`: on the left, sources and
/// targets as two columns of circles joined by a line per synapse; on the
/// right, a dot per synapse at (source index, target index).
pub fn connectivity(
    path: &Path,
    title: &str,
    n_source: usize,
    n_target: usize,
    pairs: &[(i64, i64)],
) -> Result<(), String> {
    write_png(path, (1000, 430), |root| {
        let root = root.titled(title, (FONT, 20)).map_err(err)?;
        let (left, right) = root.split_horizontally(500);
        let top = n_source.max(n_target) as f64;
        let mut c = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.1f64..1.1, -1.0f64..top)
            .map_err(err)?;
        c.configure_mesh()
            .disable_mesh()
            .x_labels(2)
            .x_label_formatter(&|x| match x.round() as i64 {
                0 => "Source".into(),
                1 => "Target".into(),
                _ => String::new(),
            })
            .y_desc("Neuron index")
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        for &(i, j) in pairs {
            c.draw_series(LineSeries::new([(0.0, i as f64), (1.0, j as f64)], BLACK))
                .map_err(err)?;
        }
        let dots = (0..n_source)
            .map(|k| (0.0, k as f64))
            .chain((0..n_target).map(|k| (1.0, k as f64)));
        c.draw_series(dots.map(|p| Circle::new(p, 7, BLACK.filled())))
            .map_err(err)?;
        let mut c = ChartBuilder::on(&right)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-1.0f64..n_source as f64, -1.0f64..n_target as f64)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc("Source neuron index")
            .y_desc("Target neuron index")
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        c.draw_series(
            pairs
                .iter()
                .map(|&(i, j)| Circle::new((i as f64, j as f64), 5, BLACK.filled())),
        )
        .map_err(err)?;
        Ok(())
    })
}

/// A scatter of (x, y) points, each drawn with its own radius in pixels.
pub fn sized_dots(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(f64, f64, f64)],
) -> Result<(), String> {
    write_png(path, (600, 550), |root| {
        let (x0, x1) = range(points.iter().map(|p| p.0));
        let (y0, y1) = range(points.iter().map(|p| p.1));
        let mut c = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        let color = Palette99::pick(0).to_rgba();
        c.draw_series(
            points
                .iter()
                .map(|&(x, y, r)| Circle::new((x, y), r.max(0.5), color.filled())),
        )
        .map_err(err)?;
        Ok(())
    })
}

/// Reads one array of an npz file that `spikejit run` wrote, as f64 whatever
/// its stored type (`i`, `j`, `count` are integers).
pub fn read_npz(path: &Path, name: &str) -> Result<Vec<f64>, String> {
    use ndarray::ArrayD;
    use ndarray_npy::NpzReader;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let mut npz = NpzReader::new(file).map_err(|e| format!("'{}': {e}", path.display()))?;
    let key = format!("{name}.npy");
    if let Ok(a) = npz.by_name::<ndarray::OwnedRepr<f64>, ndarray::IxDyn>(&key) {
        return Ok(a.iter().copied().collect());
    }
    if let Ok(a) = npz.by_name::<ndarray::OwnedRepr<i32>, ndarray::IxDyn>(&key) {
        return Ok(a.iter().map(|&x| f64::from(x)).collect());
    }
    let a: ArrayD<i64> = npz
        .by_name(&key)
        .map_err(|e| format!("'{}': no array '{name}' of a known type: {e}", path.display()))?;
    Ok(a.iter().map(|&x| x as f64).collect())
}
