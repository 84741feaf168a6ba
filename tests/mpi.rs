//! The MPI layer (`src/dist`) over real ranks: `spikejit-mpi-selftest` under
//! `mpirun -np 1, 2, 3 --oversubscribe` checks every collective with
//! rank-dependent inputs; a failure on one rank is reported once and stops
//! every rank, and an abort on one rank stops the ranks waiting for it.
//! Models under `mpirun -np 1-4` write the bytes of one process of the build
//! without the feature (`SPIKEJIT_WITHOUT_MPI`, set by `.ci/run`; this build
//! without mpirun otherwise).
//! Compiled with the feature `mpi` only; needs OpenMPI's `mpirun` on PATH
//! (Debian: `apt-get install libopenmpi-dev openmpi-bin`).
#![cfg(feature = "mpi")]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Longer than any run of the self-test takes (about a second): a hang in a collective fails the test instead.
const TIMEOUT: Duration = Duration::from_secs(120);

fn mpirun() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("mpirun"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "mpirun is not on PATH: the tests of the feature `mpi` need OpenMPI \
                 (Debian: apt-get install libopenmpi-dev openmpi-bin)"
            )
        })
}

/// Runs the self-test on `ranks` ranks (more than this machine's cores if need be).
fn selftest(ranks: usize, args: &[&str]) -> Output {
    let mut command = Command::new(mpirun());
    command
        .args(["-np", &ranks.to_string(), "--oversubscribe"])
        .arg(env!("CARGO_BIN_EXE_spikejit-mpi-selftest"))
        .args(args);
    output_within_timeout(command)
}

/// The command's output, or a failed test if it does not finish in [`TIMEOUT`].
fn output_within_timeout(mut command: Command) -> Output {
    command
        // OpenMPI refuses to run as root without these (CI's containers run as root).
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = format!("{command:?}");
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{shown} does not start: {e}"));
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match finished.recv_timeout(TIMEOUT) {
        Ok(output) => output.unwrap_or_else(|e| panic!("{shown}: {e}")),
        Err(_) => {
            // SIGTERM: mpirun then stops the ranks it started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
            panic!("{shown} did not finish in {TIMEOUT:?}");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_collective_is_exact_on_one_two_and_three_ranks() {
    for ranks in [1, 2, 3] {
        let out = selftest(ranks, &[]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "{ranks} ranks: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        );
        let ok: Vec<&str> = stdout.lines().filter(|l| l.starts_with("ok: ")).collect();
        assert_eq!(ok.len(), 1, "{ranks} ranks: one ok line, from rank 0:\n{stdout}");
        assert!(
            ok[0].contains(&format!("on each of {ranks} ranks")),
            "{ranks} ranks: {}",
            ok[0]
        );
    }
}

#[test]
fn a_failure_on_one_rank_is_reported_once_and_stops_every_rank() {
    for failing in [0, 2] {
        let out = selftest(3, &["--fail-on-rank", &failing.to_string()]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            !out.status.success(),
            "rank {failing} failed, yet mpirun succeeded:\n{stdout}"
        );
        let reports: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(
            reports,
            [format!(
                "error: rank {failing} of 3: failed on purpose (--fail-on-rank {failing})"
            )],
            "stderr:\n{stderr}"
        );
        assert!(!stdout.contains("ok: "), "stdout:\n{stdout}");
    }
}

#[test]
fn an_abort_on_one_rank_stops_the_ranks_waiting_for_it() {
    // Rank 1 aborts while ranks 0 and 2 wait for it in a collective; without
    // the abort they would wait forever (the test's timeout).
    let out = selftest(3, &["--abort-on-rank", "1"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // mpirun exits with the code given to MPI_Abort.
    assert_eq!(out.status.code(), Some(3), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("rank 1 of 3: aborting on purpose"), "stderr:\n{stderr}");
    assert!(!stdout.contains("ok: "), "stdout:\n{stdout}");
}

#[test]
fn a_launcher_that_counts_other_ranks_than_mpi_is_an_error() {
    // As when MPICH's mpiexec (which sets PMI_SIZE) starts a spikejit built on
    // Open MPI: each process would be a world of one and run the whole model.
    let mut command = Command::new(env!("CARGO_BIN_EXE_spikejit-mpi-selftest"));
    command.env("PMI_SIZE", "3").env_remove("OMPI_COMM_WORLD_SIZE");
    let out = output_within_timeout(command);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(
        stderr.contains("error: MPI counts 1 rank(s) but the launcher started 3"),
        "stderr:\n{stderr}"
    );
}

#[path = "common/ranks.rs"]
mod ranks;

/// The spikejit that runs a model alone, the reference of the runs under
/// mpirun: the build without the feature `mpi` when `SPIKEJIT_WITHOUT_MPI`
/// names it (`.ci/run` keeps a copy), else this build, without mpirun.
fn spikejit_alone() -> std::ffi::OsString {
    std::env::var_os("SPIKEJIT_WITHOUT_MPI").unwrap_or_else(|| env!("CARGO_BIN_EXE_spikejit").into())
}

/// `spikejit run MODEL --out OUT -q --dump-state` on `k` ranks under mpirun
/// (`None`: without mpirun, one process of [`spikejit_alone`]).
fn spikejit(k: Option<usize>, model: &std::path::Path, out: &std::path::Path) -> Output {
    let exe = env!("CARGO_BIN_EXE_spikejit");
    let mut command = match k {
        Some(k) => {
            let mut c = Command::new(mpirun());
            c.args(["-np", &k.to_string(), "--oversubscribe", exe]);
            c
        }
        None => Command::new(spikejit_alone()),
    };
    command
        .arg("run")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(["-q", "--dump-state"]);
    output_within_timeout(command)
}

/// `text` under mpirun on 1, 2, 3 and 4 ranks writes the bytes of one
/// process without mpirun.
fn same_under_mpirun(tag: &str, text: &str) {
    let dir = ranks::temp_dir("mpi", tag);
    let model = dir.join("model.toml");
    std::fs::write(&model, text).expect("model written");
    let alone = dir.join("alone");
    let o = spikejit(None, &model, &alone);
    assert!(o.status.success(), "{tag} alone: {}", text_of(&o));
    for k in [1, 2, 3, 4] {
        let out = dir.join(format!("np{k}"));
        let o = spikejit(Some(k), &model, &out);
        assert!(o.status.success(), "{tag} on {k} ranks: {}", text_of(&o));
        ranks::assert_same_outputs(tag, &alone, &out, &format!("mpirun -np {k}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn text_of(o: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    )
}

#[test]
fn cuba_under_mpirun() {
    same_under_mpirun("cuba", &ranks::cuba());
}

#[test]
fn delays_and_noise_under_mpirun() {
    same_under_mpirun("cuba_delays_noise", &ranks::cuba_with_delays_and_noise());
}

#[test]
fn epochs_of_several_steps_under_mpirun() {
    same_under_mpirun("cuba_epochs", &ranks::cuba_with_epochs());
}

#[test]
fn stdp_with_on_post_under_mpirun() {
    same_under_mpirun("stdp", &ranks::stdp_with_on_post());
}

#[test]
fn poisson_input_under_mpirun() {
    same_under_mpirun("brunel", &ranks::brunel_with_poisson_input());
}

#[test]
fn generators_under_mpirun() {
    same_under_mpirun("generators", ranks::GENERATORS);
}

/// Connect conditions and synaptic values reading `x_pre`: whole copies of
/// the neurons' arrays all-gathered through MPI.
#[test]
fn spatial_connect_under_mpirun() {
    same_under_mpirun("spatial", &ranks::spatial());
}

/// An error found on every rank is printed once, and every rank exits non-zero.
#[test]
fn a_refused_model_fails_once_under_mpirun() {
    let dir = ranks::temp_dir("mpi", "pre");
    let model = dir.join("model.toml");
    std::fs::write(&model, ranks::PRESYNAPTIC_READ).expect("model written");
    let o = spikejit(Some(3), &model, &dir.join("out"));
    assert!(!o.status.success(), "{}", text_of(&o));
    let stderr = text(&o.stderr);
    assert_eq!(stderr.matches("not-supported-distributed").count(), 1, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every example model under `mpirun -np 2`, its first 500 steps: the npz
/// files (monitors and `--dump-state`) of one process, byte for byte, and the
/// same exit status; the three examples whose synapses read their source
/// (`_pre` in a summed variable) are refused with `not-supported-distributed`.
#[test]
fn every_example_under_mpirun() {
    const REFUSED: [&str; 5] = [
        "continuous_interaction",
        "gapjunctions",
        "izhikevich_2007",
        "stimberg_2018_coba_with_astro",
        "stimberg_2018_gchi_astrocyte",
    ];
    let exe = env!("CARGO_BIN_EXE_spikejit");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut models: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    models.sort();
    assert!(models.len() >= 25, "{models:?}");
    let dir = ranks::temp_dir("mpi", "examples");
    let args = |out: &std::path::Path| -> Vec<String> {
        [
            "run",
            "--out",
            &out.to_string_lossy(),
            "-q",
            "--dump-state",
            "--stop-after-steps",
            "500",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for model in &models {
        let name = model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (alone, two) = (dir.join(format!("{name}-alone")), dir.join(format!("{name}-np2")));
        let one = output_within_timeout({
            let mut c = Command::new(spikejit_alone());
            c.args(args(&alone)).arg(model);
            c
        });
        let both = output_within_timeout({
            let mut c = Command::new(mpirun());
            c.args(["-np", "2", "--oversubscribe", exe]).args(args(&two)).arg(model);
            c
        });
        if REFUSED.contains(&name.as_str()) {
            assert!(!both.status.success(), "{name}: {}", text_of(&both));
            // Each refused piece of code once (one rank reports them).
            let stderr = text(&both.stderr);
            let mut errors: Vec<&str> = stderr
                .lines()
                .filter(|l| l.starts_with("error[not-supported-distributed]"))
                .collect();
            let n = errors.len();
            errors.sort();
            errors.dedup();
            assert!(n >= 1 && errors.len() == n, "{name}: {stderr}");
            continue;
        }
        assert_eq!(
            one.status.code(),
            both.status.code(),
            "{name}: {}\n{}",
            text_of(&one),
            text_of(&both)
        );
        ranks::assert_same_outputs(&name, &alone, &two, "mpirun -np 2");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
