//! The spikejit command line: `spikejit run MODEL.toml --out DIR`,
//! `spikejit check MODEL.toml`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use spikejit::diag::Errors;
use spikejit::io;

/// Brian2's string-model language, JIT-compiled with Cranelift.
#[derive(Parser, Debug)]
#[command(name = "spikejit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build and run a model file, write its outputs
    ///
    /// Writes DIR/NAME.npz per monitor (spike: i, t, count; state: t and one
    /// (indices x times) array per variable), DIR/summary.json and, with
    /// --dump-state, DIR/state/GROUP.npz for every neuron group and synapses.
    Run {
        /// The model file (TOML)
        file: PathBuf,
        /// Output directory (created if needed)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write DIR/state/GROUP.npz with every state variable at the end
        #[arg(long)]
        dump_state: bool,
        /// Random seed (overrides simulation.seed)
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Print nothing on success
        #[arg(long, short)]
        quiet: bool,
    },
    /// Build a model file and compile every kernel without running it
    ///
    /// Reports every error (unknown keys, unit mismatches, ...) with its file,
    /// line and column; exit code 1 if there is any.
    Check {
        /// The model file (TOML)
        file: PathBuf,
    },
}

fn report(errors: &Errors) -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", io::render(errors, color));
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run {
            file,
            out,
            dump_state,
            seed,
            quiet,
        } => match io::run_model_file(&file, &out, &io::RunOptions { seed, dump_state }) {
            Ok(s) => {
                if !quiet {
                    println!(
                        "{}: {} spikes, {} synapses; parse {:.3} s, compile {:.3} s, run {:.3} s -> {}",
                        file.display(),
                        s.total_spikes(),
                        s.total_synapses(),
                        s.parse_seconds,
                        s.compile_seconds,
                        s.run_seconds,
                        out.display()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => report(&e),
        },
        Cmd::Check { file } => match io::check_model_file(&file) {
            Ok(()) => {
                println!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => report(&e),
        },
    }
}
