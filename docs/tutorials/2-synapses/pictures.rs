//! Part 2's pictures that are not monitor plots: the connectivity of the
//! model files `04`–`08` (the notebook's `visualise_connectivity`), the
//! distance-dependent weights of `09`, the STDP window W(Δt) and the weight
//! change Δw(Δt) that `12_stdp_curve.toml` simulates. Runs the model files as
//! `spikejit run --dump-state` does and draws from the state dumps, into the
//! directory given (default `out/tutorial_2`):
//!
//! ```text
//! cargo run --release --example tutorial_2_pictures -- docs/tutorials/2-synapses
//! ```

// Built twice: as a cargo example (main) and as a module of tests/tutorials.rs
// (which calls `run` and more); each uses parts the other does not.
#![allow(dead_code)]

use std::error::Error;
use std::path::{Path, PathBuf};

#[path = "../figures.rs"]
mod figures;

use figures::{Line, read_npz};

/// The model files of this part.
pub fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/tutorials/2-synapses")
        .join(name)
}

/// Runs a model file into `out/STEM/` with a state dump; returns that directory.
pub fn run_file(file: &str, out: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let dir = out.join(file.trim_end_matches(".toml"));
    let opts = spikejit::io::RunOptions {
        dump_state: true,
        ..Default::default()
    };
    spikejit::io::run_model_file(&model(file), &dir, opts).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// The (i, j) pairs of the synapses `name` in a state dump.
pub fn pairs(dir: &Path, name: &str) -> Result<Vec<(i64, i64)>, Box<dyn Error>> {
    let npz = dir.join(format!("state/{name}.npz"));
    let (i, j) = (read_npz(&npz, "i")?, read_npz(&npz, "j")?);
    Ok(i.iter().zip(&j).map(|(&a, &b)| (a as i64, b as i64)).collect())
}

/// The synapses of one picture: the model file, the synapses' name and their (i, j) pairs.
pub type Connectivity = (String, String, Vec<(i64, i64)>);

/// What the tests compare: the synapses of each connectivity picture, the
/// distance weights and the STDP curve.
pub struct Pictures {
    /// (file, synapses name, its (i, j) pairs).
    pub connectivity: Vec<Connectivity>,
    /// (x_pre, x_post, w) of `09_distance`, in metres.
    pub distance: Vec<(f64, f64, f64)>,
    /// (Δt = t_post - t_pre in seconds, Δw) of `12_stdp_curve`.
    pub stdp: Vec<(f64, f64)>,
}

/// The STDP window of the notebook: A_pre e^(-Δt/τ_pre) for Δt > 0, A_post e^(Δt/τ_post) otherwise.
pub fn stdp_window(dt: f64) -> f64 {
    let (tau_pre, tau_post, a_pre) = (20e-3, 20e-3, 0.01);
    let a_post = -a_pre * 1.05;
    if dt > 0.0 {
        a_pre * (-dt / tau_pre).exp()
    } else {
        a_post * (dt / tau_post).exp()
    }
}

pub fn run(out: &Path) -> Result<Pictures, Box<dyn Error>> {
    let mut connectivity = Vec::new();
    let files: [(&str, &[&str]); 5] = [
        ("04_connectivity.toml", &["S"]),
        ("05_connection_probability.toml", &["S_p01", "S_p05", "S_p1"]),
        ("06_neighbours.toml", &["S"]),
        ("07_generator.toml", &["S"]),
        ("08_one_to_one.toml", &["S"]),
    ];
    for (file, names) in files {
        let dir = run_file(file, out)?;
        let stem = file.trim_end_matches(".toml");
        for name in names {
            let p = pairs(&dir, name)?;
            let (png, title) = match *name {
                "S" => (format!("{stem}.png"), stem.to_string()),
                _ => (format!("{stem}_{name}.png"), format!("{stem}: {name}")),
            };
            figures::connectivity(&out.join(png), &title, 10, 10, &p)?;
            connectivity.push((file.to_string(), name.to_string(), p));
        }
    }

    let dir = run_file("09_distance.toml", out)?;
    let x = read_npz(&dir.join("state/G.npz"), "x")?;
    let w = read_npz(&dir.join("state/S.npz"), "w")?;
    let p = pairs(&dir, "S")?;
    let distance: Vec<(f64, f64, f64)> = p
        .iter()
        .zip(&w)
        .map(|(&(i, j), &w)| (x[i as usize], x[j as usize], w))
        .collect();
    let dots: Vec<(f64, f64, f64)> = distance
        .iter()
        .map(|&(a, b, w)| (a * 1e6, b * 1e6, (w * 20.0).sqrt()))
        .collect();
    figures::sized_dots(
        &out.join("09_distance.png"),
        "weight against positions (marker area ∝ w)",
        "Source neuron position (um)",
        "Target neuron position (um)",
        &dots,
    )?;

    let window: Vec<(f64, f64)> = (0..100)
        .map(|k| -50.0 + 100.0 * k as f64 / 99.0)
        .map(|t| (t, stdp_window(t * 1e-3)))
        .collect();
    figures::chart(
        &out.join("stdp_window.png"),
        "STDP window",
        "Δt (ms)",
        "W",
        &[Line::new("", window)],
        true,
    )?;

    let dir = run_file("12_stdp_curve.toml", out)?;
    let t_pre = read_npz(&dir.join("state/G.npz"), "tspike")?;
    let t_post = read_npz(&dir.join("state/H.npz"), "tspike")?;
    let w = read_npz(&dir.join("state/S.npz"), "w")?;
    let stdp: Vec<(f64, f64)> = pairs(&dir, "S")?
        .iter()
        .zip(&w)
        .map(|(&(i, j), &w)| (t_post[j as usize] - t_pre[i as usize], w))
        .collect();
    let ms: Vec<(f64, f64)> = stdp.iter().map(|&(t, w)| (t * 1e3, w)).collect();
    figures::chart(
        &out.join("12_stdp_curve.png"),
        "Δw simulated",
        "Δt (ms)",
        "Δw",
        &[Line::new("", ms)],
        true,
    )?;
    Ok(Pictures {
        connectivity,
        distance,
        stdp,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out/tutorial_2".into());
    let p = run(Path::new(&out))?;
    for (file, name, pairs) in &p.connectivity {
        println!("{file} {name}: {} synapses", pairs.len());
    }
    println!(
        "12_stdp_curve: {} synapses, Δw from {:.5} to {:.5}",
        p.stdp.len(),
        p.stdp.iter().map(|x| x.1).fold(f64::INFINITY, f64::min),
        p.stdp.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max)
    );
    Ok(())
}
