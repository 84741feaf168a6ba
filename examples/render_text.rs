//! Renders a text file (a terminal transcript) as a PNG, the way the error
//! screenshot in the docs was made:
//!
//! ```text
//! spikejit check model.toml 2> err.txt
//! cargo run --release --example render_text -- err.txt docs/error-message.png [FONT.ttf]
//! ```
//!
//! The font defaults to DejaVu Sans Mono from the system's fonts (a monospace
//! font keeps the carets under the right characters).

use plotters::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        return Err("usage: render_text INPUT.txt OUTPUT.png [FONT.ttf]".into());
    };
    let font_path = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf".into());
    let font: &'static [u8] = Box::leak(std::fs::read(&font_path)?.into_boxed_slice());
    plotters::style::register_font("mono", FontStyle::Normal, font).map_err(|_| "not a TrueType font")?;
    let text = std::fs::read_to_string(input)?;
    let lines: Vec<&str> = text.lines().collect();
    let (size, line_h, char_w) = (16u32, 21u32, 10u32);
    let width = 40 + char_w * lines.iter().map(|l| l.chars().count() as u32).max().unwrap_or(1);
    let height = 40 + line_h * lines.len() as u32;
    let root = BitMapBackend::new(output, (width, height)).into_drawing_area();
    root.fill(&RGBColor(30, 30, 30))?;
    for (k, line) in lines.iter().enumerate() {
        let is_error = line.starts_with("error") || (line.trim_start().starts_with('|') && line.contains('^'));
        let color = if is_error {
            RGBColor(255, 110, 110)
        } else if line.starts_with('$') {
            RGBColor(140, 220, 140)
        } else if line.contains("-->") || line.trim_start().starts_with('=') {
            RGBColor(120, 170, 255)
        } else {
            RGBColor(230, 230, 230)
        };
        root.draw(&Text::new(
            line.to_string(),
            (20, 20 + k as i32 * line_h as i32),
            ("mono", size).into_font().color(&color),
        ))?;
    }
    root.present()?;
    Ok(())
}
