//! `mpirun -np K spikejit-mpi-selftest [--fail-on-rank R]`: checks every
//! collective of spikejit's MPI layer (`spikejit::dist`) over the ranks it is
//! started on, each rank comparing what it receives with what it must be
//! (`dist::selftest`). Rank 0 prints one `ok` line and every rank exits 0; or
//! the first rank that found a mismatch prints what it found and every rank
//! exits 1. `--fail-on-rank R` makes rank R fail on purpose, to check that a
//! failure is reported once and stops every rank; `--abort-on-rank R` makes
//! rank R abort (`Ranks::abort`, exit status 3) while the others wait in a
//! collective, to check that an abort stops them.

use std::process::ExitCode;

use spikejit::dist::{Ranks, selftest};

const USAGE: &str = "usage: mpirun -np K spikejit-mpi-selftest [--fail-on-rank R | --abort-on-rank R]";

/// What a rank is told to do wrong on purpose.
enum Fault {
    Fail,
    Abort,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fault = match args.as_slice() {
        [] => None,
        [flag, rank] if flag == "--fail-on-rank" || flag == "--abort-on-rank" => match rank.parse::<usize>() {
            Ok(r) => Some((
                if flag == "--fail-on-rank" {
                    Fault::Fail
                } else {
                    Fault::Abort
                },
                r,
            )),
            Err(_) => {
                eprintln!("error: {flag} takes a rank (0, 1, ...), not '{rank}'\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("error: unexpected arguments {args:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut ranks = match Ranks::world() {
        Ok(ranks) => ranks,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (rank, size) = (ranks.rank(), ranks.size());
    let report = selftest::check_collectives(&mut ranks);
    let mut failure = (!report.mismatches.is_empty()).then(|| report.mismatches.join("\n"));
    match fault {
        Some((Fault::Fail, r)) if r == rank => failure = Some(format!("failed on purpose (--fail-on-rank {rank})")),
        Some((Fault::Abort, r)) if r == rank => {
            eprintln!("rank {rank} of {size}: aborting on purpose (--abort-on-rank {rank})");
            ranks.abort(3);
        }
        _ => {}
    }
    match ranks.agree_on_failure(failure) {
        None => {
            if ranks.is_root() {
                println!(
                    "ok: {} checks of the collectives passed on each of {size} ranks ({:.3} ms in exchange on rank 0)",
                    report.checks,
                    ranks.exchange_time().as_secs_f64() * 1e3
                );
            }
            ExitCode::SUCCESS
        }
        Some((failed, message)) => {
            if failed == rank {
                eprintln!("error: rank {failed} of {size}: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
