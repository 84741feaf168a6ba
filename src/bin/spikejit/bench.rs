//! `spikejit bench`: the command-line side of the benchmark harness
//! (spikejit::bench does the measuring and the reports).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use spikejit::bench::{self, BenchOptions, report};

/// Where the Brian2 side lives, relative to the working directory (the repository).
const BRIAN2_SCRIPT: &str = "bench/brian2/run.sh";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error[bench]: {msg}");
    ExitCode::from(1)
}

pub fn main(
    models: &[String],
    reps: usize,
    out: &Path,
    compare: bool,
    report_path: &Path,
    report_only: bool,
    threads: &[usize],
) -> ExitCode {
    let selected = match bench::select_models(models) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let json = out.join("spikejit.json");
    let brian2_file = out.join("brian2.jsonl");
    let run = if report_only {
        match bench::read_json(&json) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    } else {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot find this executable: {e}")),
        };
        let command = std::iter::once("spikejit".to_string())
            .chain(std::env::args().skip(1))
            .collect::<Vec<_>>()
            .join(" ");
        let opts = BenchOptions {
            exe,
            models: selected.clone(),
            reps,
            work_dir: out.join("work"),
            command,
            threads: threads.to_vec(),
        };
        let total = selected.len() * reps.max(1) * threads.len().max(1);
        let mut done = 0;
        eprintln!(
            "spikejit bench: {} models x {} repetitions, {}",
            selected.len(),
            reps.max(1),
            bench::utc_now()
        );
        let run = bench::run(&opts, |name, rep, wall| {
            done += 1;
            eprintln!("  [{done}/{total}] {name} (rep {}): {wall:.3} s", rep + 1);
        });
        let run = match run {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
        if let Err(e) = bench::write_json(&run, &json) {
            return fail(e);
        }
        let md = report::spikejit_table(&run);
        if let Err(e) = spikejit::io::write_atomic(&out.join("spikejit.md"), md.as_bytes()) {
            return fail(format!("{e:?}"));
        }
        println!("{md}");
        println!("written: {} and {}", json.display(), out.join("spikejit.md").display());
        run
    };
    if !compare && !report_only {
        return ExitCode::SUCCESS;
    }
    let mut note = String::new();
    if compare {
        match run_brian2(&selected, reps, &brian2_file) {
            Ok(()) => {}
            Err(msg) => {
                eprintln!("{msg}");
                note = format!("**Brian2 side skipped:** {msg}");
            }
        }
    }
    let lines = match std::fs::read_to_string(&brian2_file) {
        Ok(text) => match report::parse_brian2(&text) {
            Ok(l) => l,
            Err(e) => return fail(format!("{}: {e}", brian2_file.display())),
        },
        Err(_) => {
            if note.is_empty() {
                note = format!("**Brian2 side missing:** no results in `{}`.", brian2_file.display());
            }
            Vec::new()
        }
    };
    let agg = report::aggregate_brian2(&lines);
    let plot = report_path.with_file_name(format!(
        "{}-scaling.svg",
        report_path.file_stem().and_then(|s| s.to_str()).unwrap_or("benchmarks")
    ));
    let plot_name = plot.file_name().and_then(|s| s.to_str()).map(str::to_string);
    let has_cuba = run.results.iter().any(|r| r.model == "cuba");
    let plot_ref = if has_cuba {
        if let Some(parent) = plot.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        // The SVG for the report, and a PNG of the same figure for viewers without SVG.
        let png = plot.with_extension("png");
        match bench::scaling_plot(&run, &agg, &plot).and_then(|()| bench::scaling_plot(&run, &agg, &png)) {
            Ok(()) => plot_name.as_deref(),
            Err(e) => return fail(format!("scaling plot: {e}")),
        }
    } else {
        None
    };
    let md = report::comparison(&run, &agg, &note, plot_ref);
    if let Some(parent) = report_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = spikejit::io::write_atomic(report_path, md.as_bytes()) {
        return fail(format!("{e:?}"));
    }
    println!("written: {}", report_path.display());
    ExitCode::SUCCESS
}

/// Runs Brian2's side for the selected models; `Err` says why it was skipped.
fn run_brian2(models: &[bench::BenchModel], reps: usize, out: &Path) -> Result<(), String> {
    let script = PathBuf::from(BRIAN2_SCRIPT);
    if !script.exists() {
        return Err(format!(
            "{BRIAN2_SCRIPT} not found (run `spikejit bench --compare` from the repository's root)"
        ));
    }
    let _ = std::fs::remove_file(out);
    let list = models
        .iter()
        .map(|m| format!("{}:{}", m.model, m.n))
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("Brian2 side: {BRIAN2_SCRIPT} ({list})");
    let status = Command::new("bash")
        .arg(&script)
        .arg(out)
        .env("MODELS", &list)
        .env("REPS", reps.max(1).to_string())
        .status()
        .map_err(|e| format!("cannot start bash for {BRIAN2_SCRIPT}: {e}"))?;
    if !status.success() {
        return Err(format!("{BRIAN2_SCRIPT} failed ({status})"));
    }
    if !out.exists() {
        return Err("Brian2 wrote no results (see the message above: Python or Brian2 unavailable)".into());
    }
    Ok(())
}
