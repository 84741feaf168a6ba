//! `--profile` / `Network::set_profiling`: the time of each object of the
//! schedule, as Brian2's `profiling_summary()` lists it. The names are the
//! schedule's (checked against Brian2's `scheduling_summary()` by
//! tests/schedule.rs), each object is timed at every step of its clock, and
//! the times fit in the run's.

mod common;

use std::process::Command;

use spikejit::io::{RunOptions, model_file_schedule, run_model_file};

/// Runs `model` with profiling and checks its profile against its schedule.
fn check_profile(model: &str) {
    let path = common::root().join(model);
    let out = std::env::temp_dir().join(format!(
        "spikejit-profile-{}-{}",
        std::process::id(),
        model.replace('/', "_")
    ));
    let opts = RunOptions {
        profile: true,
        ..Default::default()
    };
    let summary = run_model_file(&path, &out, opts).expect("the model runs");
    let schedule = model_file_schedule(&path).expect("its schedule");
    assert!(!summary.profile.is_empty(), "{model}: no profile");
    // In schedule order, each name (or the two of a fused update and
    // threshold) an object of the schedule, with its class.
    let mut last = 0;
    for p in &summary.profile {
        let parts: Vec<&str> = p.name.split('+').collect();
        let at: Vec<usize> = parts
            .iter()
            .map(|n| {
                schedule
                    .iter()
                    .position(|e| e.name == *n)
                    .unwrap_or_else(|| panic!("{model}: {n} is not in the schedule"))
            })
            .collect();
        assert!(at[0] >= last, "{model}: {} out of schedule order", p.name);
        last = at[0];
        let entry = &schedule[at[0]];
        assert_eq!(p.class, entry.class, "{model}: {}", p.name);
        // Every step of the object's clock over [0, t_end).
        let steps = (summary.t_end / entry.dt - 1e-9).ceil() as u64;
        assert_eq!(p.calls, steps, "{model}: steps of {} (dt {})", p.name, entry.dt);
        assert!(p.seconds >= 0.0);
    }
    let in_ops: f64 = summary.profile.iter().map(|p| p.seconds).sum();
    assert!(
        in_ops <= summary.run_seconds,
        "{model}: {in_ops} s in the objects, {} s in the run",
        summary.run_seconds
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn profile_names_every_object_at_every_step_of_its_clock() {
    // A state update fused with its threshold, pathways, monitors.
    check_profile("examples/cuba.toml");
    // Clocks of three time steps (run_regularly at 0.3 and 0.7 ms).
    check_profile("tests/reference/models/schedule_order.toml");
}

#[test]
fn fused_update_and_threshold_are_named_together() {
    let path = common::root().join("examples/cuba.toml");
    let out = std::env::temp_dir().join(format!("spikejit-profile-fused-{}", std::process::id()));
    let summary = run_model_file(
        &path,
        &out,
        RunOptions {
            profile: true,
            ..Default::default()
        },
    )
    .expect("cuba runs");
    let names: Vec<&str> = summary.profile.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"P_stateupdater+P_spike_thresholder"), "{names:?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn without_profile_nothing_is_timed() {
    let out = common::run_file(&common::root().join("examples/cuba.toml"), "noprofile", &[]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json")).expect("json");
    assert!(summary.get("profile").is_none(), "profile written without --profile");
}

#[test]
fn cli_prints_the_table_and_writes_the_profile() {
    let out = std::env::temp_dir().join(format!("spikejit-profile-cli-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(["run", "examples/cuba.toml", "--quiet", "--profile", "--out"])
        .arg(&out)
        .current_dir(common::root())
        .output()
        .expect("spikejit runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.starts_with("Profiling summary (run "), "{stdout}");
    for row in [
        "Ce_pre (SynapticPathway)",
        "P_spike_resetter (Resetter)",
        "(run loop, checks, set steps)",
    ] {
        assert!(stdout.contains(row), "no row {row}:\n{stdout}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json")).expect("json");
    let profile = summary["profile"].as_array().expect("profile in summary.json");
    assert!(
        profile.iter().any(|p| p["name"] == "spikes" && p["calls"] == 10000),
        "{profile:?}"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_network_adds_up_its_runs_and_times_only_when_asked() {
    let model = spikejit::io::load_model(common::root().join("examples/cuba.toml")).expect("cuba loads");
    let (mut net, _) = spikejit::io::build(&model, &spikejit::io::BuildOptions::default()).expect("cuba builds");
    net.run(0.01).expect("runs");
    assert!(net.stats().profile.is_empty(), "timed without set_profiling");
    net.set_profiling(true);
    net.run(0.01).expect("runs");
    net.run(0.005).expect("runs");
    let reset = net
        .stats()
        .profile
        .iter()
        .find(|p| p.name == "P_spike_resetter")
        .expect("the resetter is timed");
    // 100 + 50 steps of 0.1 ms, the first run's not counted.
    assert_eq!(reset.calls, 150);
}
