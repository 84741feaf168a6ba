//! Figures drawn with plotters, as PNG and SVG: the benchmark scaling plot and
//! the pictures of a run's monitors (`spikejit run --plot`, `spikejit plot DIR`).
//!
//! Text is laid out with a font compiled into the binary (DejaVu Sans,
//! `assets/fonts/`), so figures look the same on machines without fonts.

/// Draws the figure that `$draw` draws on `$root` and writes it to `$path`,
/// as PNG or SVG by its extension ([`Format::of`], [`write_png`],
/// [`write_svg`]): a macro because the drawing code is the same for both
/// backends, and a closure cannot be generic over them.
macro_rules! figure {
    ($path:expr, $size:expr, |$root:ident| $draw:block) => {
        match $crate::plot::Format::of($path)? {
            $crate::plot::Format::Png => $crate::plot::write_png($path, $size, |$root| $draw),
            $crate::plot::Format::Svg => $crate::plot::write_svg($path, $size, |$root| $draw),
        }
    };
}

pub mod monitors;

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

/// The family name the embedded font is registered under.
pub const FONT: &str = "sans-serif";

static FONT_INIT: Once = Once::new();

/// Registers the embedded font with plotters (once per process).
pub fn init_font() {
    FONT_INIT.call_once(|| {
        // The bytes are a valid TrueType font checked into the repository; a
        // failure would only mean figures without text, so it is not fatal.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
    });
}

/// A figure's output format, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A raster image (`.png`).
    Png,
    /// A vector image (`.svg`).
    Svg,
}

impl Format {
    /// The format of `path` by its extension; any other extension is an error naming the path.
    pub fn of(path: &Path) -> Result<Format, String> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(format!("'{}': a figure must end in .png or .svg", path.display())),
        }
    }
}

/// A plotting error as text (plotters' error types are generic over backends).
pub fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A chart in the style every figure shares (its title above, the same font
/// and margin), with `label_areas` (x, y) pixels beside the axes for their
/// labels.
fn titled_chart<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    label_areas: (u32, u32),
) -> ChartBuilder<'a, 'b, DB> {
    let mut chart = ChartBuilder::on(root);
    chart
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(label_areas.0)
        .y_label_area_size(label_areas.1);
    chart
}

/// One line of the scaling figure: (synapses, run seconds) points.
pub struct Series {
    /// The legend entry (`spikejit`, `Brian2 cython`, ...).
    pub label: String,
    /// (synapses, run seconds) points, in order along the line.
    pub points: Vec<(f64, f64)>,
}

/// Run time against the number of synapses, log-log, one line per series.
pub fn scaling(path: &Path, title: &str, series: &[Series]) -> Result<(), String> {
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).collect();
    if all.is_empty() {
        return Err("nothing to plot".into());
    }
    let (x0, x1) = bounds(all.iter().map(|p| p.0));
    let (y0, y1) = bounds(all.iter().map(|p| p.1));
    figure!(path, (900, 600), |root| {
        let mut chart = titled_chart(&root, title, (48, 64))
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("synapses")
            .y_desc("run time per simulated second (s)")
            .label_style((FONT, 14))
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y}"))
            .draw()
            .map_err(err)?;
        for (k, s) in series.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
                .map_err(err)?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

/// The range of positive values, widened a little for a log axis.
fn bounds(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for x in xs.filter(|x| *x > 0.0 && x.is_finite()) {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        return (0.1, 1.0);
    }
    (lo / 1.5, hi * 1.5)
}

/// Draws a PNG figure and writes it atomically.
pub fn write_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
) -> Result<(), String> {
    init_font();
    let tmp = tmp_path(path);
    paint(BitMapBackend::new(&tmp, size).into_drawing_area(), draw)?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

/// Draws an SVG figure and writes it atomically.
pub fn write_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
) -> Result<(), String> {
    init_font();
    let mut text = String::new();
    paint(SVGBackend::with_string(&mut text, size).into_drawing_area(), draw)?;
    let tmp = tmp_path(path);
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write '{}': {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write '{}': {e}", path.display()))
}

/// A figure on `root`, whatever its backend: a white page, what `draw` draws,
/// then the page finished (written out); `root` is dropped before it returns,
/// so the backend has let go of its file or string.
fn paint<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    draw: impl FnOnce(DrawingArea<DB, Shift>) -> Result<(), String>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    draw(root.clone())?;
    root.present().map_err(err)
}

/// `fig.png` → `fig.tmp.png`: the bitmap encoder picks its format by extension.
fn tmp_path(path: &Path) -> std::path::PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("figure");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("png");
    path.with_file_name(format!(".{stem}.tmp.{ext}"))
}
