//! Pictures of a run's monitors, drawn from the npz files `spikejit run` wrote:
//! a raster plot per spike or event monitor (Brian2's `plot(M.t/ms, M.i, '.')`),
//! traces per state monitor variable (`plot(M.t/ms, M.v[k])`) and the rate of
//! each rate monitor (`plot(R.t/ms, R.rate/Hz)`), each as PNG and SVG.

use std::fs::File;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayD, Ix2};
use ndarray_npy::NpzReader;
use plotters::prelude::*;

use super::{FONT, err, titled_chart};

/// What one monitor's npz file holds, as plain f64 arrays.
enum Recording {
    Spikes {
        t: Vec<f64>,
        i: Vec<f64>,
    },
    Traces {
        t: Vec<f64>,
        vars: Vec<(String, Array2<f64>)>,
        /// For a spatial neuron's compartments: the distance of each
        /// recorded one from the root (`_distance`).
        distance: Option<Vec<f64>>,
    },
    Rate {
        t: Vec<f64>,
        rate: Vec<f64>,
    },
    /// A spike monitor with `record = false`: counts only, nothing to draw over time.
    CountsOnly,
}

/// Reads any numeric or boolean array of an npz file as f64.
fn read_any(npz: &mut NpzReader<File>, name: &str) -> Result<ArrayD<f64>, String> {
    macro_rules! try_as {
        ($t:ty, $f:expr) => {
            if let Ok(a) = npz.by_name::<ndarray::OwnedRepr<$t>, ndarray::IxDyn>(name) {
                return Ok(a.mapv($f));
            }
        };
    }
    try_as!(f64, |x| x);
    try_as!(f32, |x| x as f64);
    try_as!(i32, |x| x as f64);
    try_as!(i64, |x| x as f64);
    try_as!(u64, |x| x as f64);
    try_as!(bool, |x| if x { 1.0 } else { 0.0 });
    Err(format!("array '{name}' has a type that cannot be drawn"))
}

fn read(path: &Path) -> Result<Recording, String> {
    let f = File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let mut npz = NpzReader::new(f).map_err(|e| format!("'{}' is not an npz file: {e}", path.display()))?;
    let names: Vec<String> = npz
        .names()
        .map_err(err)?
        .into_iter()
        .map(|n| n.trim_end_matches(".npy").to_string())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let vec1 = |a: ArrayD<f64>| -> Vec<f64> { a.iter().copied().collect() };
    if has("rate") && has("t") {
        return Ok(Recording::Rate {
            t: vec1(read_any(&mut npz, "t")?),
            rate: vec1(read_any(&mut npz, "rate")?),
        });
    }
    if has("count") {
        if has("i") && has("t") {
            return Ok(Recording::Spikes {
                t: vec1(read_any(&mut npz, "t")?),
                i: vec1(read_any(&mut npz, "i")?),
            });
        }
        return Ok(Recording::CountsOnly);
    }
    if has("t") {
        let t = vec1(read_any(&mut npz, "t")?);
        let distance = if has(DISTANCE) {
            Some(vec1(read_any(&mut npz, DISTANCE)?))
        } else {
            None
        };
        let mut vars = Vec::new();
        for n in names.iter().filter(|n| n.as_str() != "t" && n.as_str() != DISTANCE) {
            let a = read_any(&mut npz, n)?;
            if let Ok(a2) = a.into_dimensionality::<Ix2>() {
                vars.push((n.clone(), a2));
            }
        }
        return Ok(Recording::Traces { t, vars, distance });
    }
    Err(format!("'{}' is not a monitor's npz file", path.display()))
}

/// Draws every monitor npz file in `dir` as `NAME.png` and `NAME.svg` (state
/// monitors: `NAME_VAR.png`/`.svg` per variable). Returns the files written.
pub fn plot_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut npzs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read '{}': {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("npz"))
        .collect();
    npzs.sort();
    if npzs.is_empty() {
        return Err(format!(
            "'{}' holds no monitor files (NAME.npz); run a model with `spikejit run FILE --out {}` first",
            dir.display(),
            dir.display()
        ));
    }
    let mut written = Vec::new();
    for p in npzs {
        let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("monitor").to_string();
        match read(&p)? {
            Recording::Spikes { t, i } => {
                for ext in ["png", "svg"] {
                    let out = dir.join(format!("{name}.{ext}"));
                    raster(&out, &name, &t, &i)?;
                    written.push(out);
                }
            }
            Recording::Rate { t, rate } => {
                for ext in ["png", "svg"] {
                    let out = dir.join(format!("{name}.{ext}"));
                    let title = format!("{name}: population rate");
                    lines(
                        &out,
                        &title,
                        "rate (Hz)",
                        &t,
                        &[("rate".into(), Array1::from(rate.clone()))],
                    )?;
                    written.push(out);
                }
            }
            Recording::Traces { t, vars, distance } => {
                for (var, a) in vars {
                    if let Some(d) = distance.as_ref().filter(|d| d.len() == a.nrows()) {
                        for ext in ["png", "svg"] {
                            let out = dir.join(format!("{name}_{var}_distance.{ext}"));
                            profile(&out, &format!("{name}: {var} along the neuron"), &var, &t, d, &a)?;
                            written.push(out);
                        }
                    }
                    // One line per recorded index (rows), at most 10 so the figure stays readable.
                    let rows: Vec<(String, Array1<f64>)> = a
                        .outer_iter()
                        .take(10)
                        .enumerate()
                        .map(|(k, r)| (format!("{var}[{k}]"), r.to_owned()))
                        .collect();
                    for ext in ["png", "svg"] {
                        let out = dir.join(format!("{name}_{var}.{ext}"));
                        lines(&out, &format!("{name}: {var}"), &format!("{var} (SI units)"), &t, &rows)?;
                        written.push(out);
                    }
                }
            }
            Recording::CountsOnly => {}
        }
    }
    Ok(written)
}

fn range(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs.filter(|x| x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1e-300) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// The npz array of a state monitor of a spatial neuron that holds each
/// recorded compartment's distance from the root, in metres.
pub const DISTANCE: &str = "_distance";

/// A variable against the distance along a spatial neuron (Brian2's
/// `plot(neuron.distance/um, neuron.v/mV)`): one set of dots per time, at
/// four times from the first recorded to the last and the time where the
/// variable varies most along the neuron (a spike on its way).
fn profile(path: &Path, title: &str, var: &str, t: &[f64], distance: &[f64], a: &Array2<f64>) -> Result<(), String> {
    let far = distance
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let (scale, unit) = if far >= 1e-3 { (1e3, "mm") } else { (1e6, "um") };
    let (x0, x1) = range(distance.iter().map(|x| x * scale));
    let (y0, y1) = range(a.iter().copied());
    let nt = a.ncols();
    let spread = |c: usize| {
        let col = a.column(c);
        let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        hi - lo
    };
    let widest = (0..nt).max_by(|&p, &q| spread(p).total_cmp(&spread(q))).unwrap_or(0);
    let mut times: Vec<usize> = (0..4).map(|k| k * nt.saturating_sub(1) / 3).chain([widest]).collect();
    times.sort_unstable();
    times.dedup();
    figure!(path, (900, 500), |root| {
        let mut chart = titled_chart(&root, title, (44, 80))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(format!("distance from the root ({unit})"))
            .y_desc(format!("{var} (SI units)"))
            .x_label_formatter(&|x| format!("{x}"))
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        for (k, &col) in times.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            let label = format!("t = {} ms", t.get(col).copied().unwrap_or(0.0) * 1e3);
            chart
                .draw_series(
                    distance
                        .iter()
                        .zip(a.column(col))
                        .map(|(&x, &y)| Circle::new((x * scale, y), 2, color.filled())),
                )
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 9, y), 3, color.filled()));
        }
        draw_legend(&mut chart)?;
        Ok(())
    })
}

/// A raster plot: one dot per spike at (time in ms, neuron index).
fn raster(path: &Path, name: &str, t: &[f64], i: &[f64]) -> Result<(), String> {
    let (t0, t1) = range(t.iter().map(|x| x * 1e3));
    let (i0, i1) = range(i.iter().copied());
    let title = format!("{name}: {} spikes", t.len());
    // Dots shrink with the number of spikes so dense rasters stay legible.
    let radius = if t.len() > 20_000 { 1 } else { 2 };
    figure!(path, (900, 500), |root| {
        let mut chart = titled_chart(&root, &title, (44, 60))
            .build_cartesian_2d(t0..t1, i0..i1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("time (ms)")
            .y_desc("neuron index")
            // Neuron indices are integers: a tick between two (a raster of
            // a few neurons) gets no label rather than a rounded duplicate.
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-9 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                t.iter()
                    .zip(i)
                    .map(|(&t, &i)| Circle::new((t * 1e3, i), radius, BLACK.filled())),
            )
            .map_err(err)?;
        Ok(())
    })
}

/// Lines against time in ms, one per series.
fn lines(path: &Path, title: &str, y_desc: &str, t: &[f64], series: &[(String, Array1<f64>)]) -> Result<(), String> {
    let (t0, t1) = range(t.iter().map(|x| x * 1e3));
    let (y0, y1) = range(series.iter().flat_map(|s| s.1.iter().copied()));
    let legend = series.len() > 1;
    figure!(path, (900, 500), |root| {
        let mut chart = titled_chart(&root, title, (44, 80))
            .build_cartesian_2d(t0..t1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (ms)")
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        for (k, (label, ys)) in series.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            let s = chart
                .draw_series(LineSeries::new(
                    t.iter().zip(ys.iter()).map(|(&t, &y)| (t * 1e3, y)),
                    color.stroke_width(1),
                ))
                .map_err(err)?;
            if legend {
                s.label(label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            }
        }
        if legend {
            draw_legend(&mut chart)?;
        }
        Ok(())
    })
}

/// The legend box of a chart's labelled series, as every figure here draws it.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}
