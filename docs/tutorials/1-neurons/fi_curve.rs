//! Part 1, "Parameters" and "Stochastic neurons": the firing rate of each
//! neuron against its drive `v0`, the right-hand panel of the notebook's
//! figures (the f–I curve). Runs the model files `09_parameters.toml` and
//! `10_stochastic.toml` as `spikejit run` does, reads `v0` from the state
//! dump and the spike counts from the monitor `M`, and draws
//! `09_parameters_rate.png` and `10_stochastic_rate.png` into the directory
//! given (default `out/tutorial_1`):
//!
//! ```text
//! cargo run --release --example tutorial_1_fi_curve -- docs/tutorials/1-neurons
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::{Path, PathBuf};

#[path = "../figures.rs"]
mod figures;

/// (v0, firing rate in spikes per second) of each neuron, in neuron order.
pub type Curve = Vec<(f64, f64)>;

/// The model files of this part.
pub fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/tutorials/1-neurons")
        .join(name)
}

/// Runs one model file into `out/STEM/` and returns its f–I curve; draws it as `out/STEM_rate.png`.
pub fn fi_curve(file: &str, out: &Path) -> Result<Curve, Box<dyn Error>> {
    let stem = file.trim_end_matches(".toml");
    let dir = out.join(stem);
    let opts = spikejit::io::RunOptions {
        dump_state: true,
        ..Default::default()
    };
    let summary = spikejit::io::run_model_file(&model(file), &dir, opts).map_err(|e| e.to_string())?;
    let duration = summary.t_end;
    let v0 = figures::read_npz(&dir.join("state/G.npz"), "v0")?;
    let count = figures::read_npz(&dir.join("M.npz"), "count")?;
    let curve: Curve = v0.iter().zip(&count).map(|(&v, &c)| (v, c / duration)).collect();
    figures::chart(
        &out.join(format!("{stem}_rate.png")),
        &format!("{stem}: firing rate against v0"),
        "v0",
        "Firing rate (sp/s)",
        &[figures::Line::new("", curve.clone())],
        false,
    )?;
    Ok(curve)
}

/// The curves without noise (`09_parameters`) and with it (`10_stochastic`).
pub fn run(out: &Path) -> Result<(Curve, Curve), Box<dyn Error>> {
    Ok((
        fi_curve("09_parameters.toml", out)?,
        fi_curve("10_stochastic.toml", out)?,
    ))
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_1".into());
    let (plain, noisy) = run(Path::new(&out))?;
    for (name, c) in [("09_parameters", plain), ("10_stochastic", noisy)] {
        let silent = c.iter().filter(|p| p.1 == 0.0).count();
        println!(
            "{name}: {} neurons, {silent} silent, the fastest at {:.1} sp/s",
            c.len(),
            c.iter().map(|p| p.1).fold(0.0, f64::max)
        );
    }
    Ok(())
}
