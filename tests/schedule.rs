//! The schedule against Brian2's: for every model of examples/ and
//! tests/reference/models/, the objects spikejit runs in a time step, in the
//! order it runs them, with their slots, orders, clocks, names and classes, are
//! those Brian2's `Network.scheduling_summary()` lists for the same model file
//! (tests/reference/expected/schedules.json, made by
//! tests/reference/schedules.py). Objects of the same slot and order run by
//! name (brian2-semantics.md §4.2), so names decide results: a summed variable
//! written into a subgroup is updated after the target group's state update
//! when the synapses' name sorts after the group's.
//!
//! A custom schedule (`Network::set_schedule`, `[simulation] schedule`) is
//! checked against Brian2's `Network.schedule = [...]` on
//! tests/reference/custom_schedule/custom_schedule.toml (its outputs and
//! its scheduling summary, made by brian2_schedule.py next to it).

mod common;

use std::process::Command;

use serde_json::Value;

/// One object of a schedule: (when, order, dt, name, class).
type Row = (String, i64, f64, String, String);

/// Brian2's schedule of each model: (path, rows in running order).
fn expected() -> Vec<(String, Vec<Row>)> {
    let path = common::root().join("tests/reference/expected/schedules.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("schedules.json is JSON");
    let models = doc.as_object().expect("an object of models");
    models
        .iter()
        .map(|(model, rows)| {
            let rows = rows
                .as_array()
                .expect("a list of rows")
                .iter()
                .map(|r| {
                    let r = r.as_array().expect("a row");
                    (
                        r[0].as_str().expect("when").to_string(),
                        r[1].as_i64().expect("order"),
                        r[2].as_f64().expect("dt"),
                        r[3].as_str().expect("name").to_string(),
                        r[4].as_str().expect("class").to_string(),
                    )
                })
                .collect();
            (model.clone(), rows)
        })
        .collect()
}

#[test]
fn every_model_runs_in_brian2s_order() {
    let want = expected();
    // Every model of examples/ and tests/reference/models/ is in the fixture.
    let mut files: Vec<String> = Vec::new();
    for dir in ["examples", "tests/reference/models", "tests/reference/models/examples"] {
        for e in std::fs::read_dir(common::root().join(dir))
            .expect("model directory")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.sort();
    let listed: Vec<String> = want.iter().map(|(m, _)| m.clone()).collect();
    assert_eq!(files, listed, "regenerate tests/reference/expected/schedules.json");

    let mut failures = Vec::new();
    for (model, rows) in &want {
        let got = match spikejit::io::model_file_schedule(&common::root().join(model)) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{model}: {e:?}"));
                continue;
            }
        };
        let got: Vec<Row> = got
            .into_iter()
            .map(|e| (e.when.to_string(), i64::from(e.order), e.dt, e.name, e.class))
            .collect();
        let same = got.len() == rows.len()
            && got
                .iter()
                .zip(rows)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1 && (a.2 - b.2).abs() <= 1e-12 * b.2 && a.3 == b.3 && a.4 == b.4);
        if !same {
            let show = |rs: &[Row]| {
                rs.iter()
                    .map(|r| format!("    {} {} {} {} ({})", r.0, r.1, r.2, r.3, r.4))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            failures.push(format!(
                "{model}:\n  spikejit:\n{}\n  Brian2:\n{}",
                show(&got),
                show(rows)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} schedules differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `spikejit check FILE --schedule` prints the schedule as a table, one row per
/// object in running order.
#[test]
fn check_prints_the_schedule() {
    let file = common::root().join("tests/reference/models/plasticity.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(["check", "--schedule"])
        .arg(&file)
        .output()
        .expect("spikejit runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<Vec<&str>> = text.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    let first: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        first,
        [
            "trace_T",
            "trace_w",
            "cond_summed_variable_I_syn_post",
            "gap_summed_variable_I_gap_post",
            "D_stateupdater",
            "T_stateupdater",
            "cond_stateupdater",
            "D_spike_thresholder",
            "T_spike_thresholder",
            "spikes_T",
            "cond_pre",
            "stdp_pre",
            "stdp_post",
            "D_spike_resetter",
            "T_spike_resetter",
        ]
    );
    assert_eq!(
        rows[2],
        [
            "cond_summed_variable_I_syn_post",
            "(SummedVariableUpdater)",
            "0.1",
            "ms",
            "groups",
            "-1"
        ]
    );
    assert_eq!(
        rows[12],
        ["stdp_post", "(SynapticPathway)", "0.1", "ms", "synapses", "1"]
    );
}

/// Brian2's rows of a schedule.json list.
fn rows_of(path: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    doc.as_array()
        .expect("a list of rows")
        .iter()
        .map(|r| {
            let r = r.as_array().expect("a row");
            (
                r[0].as_str().expect("when").to_string(),
                r[1].as_i64().expect("order"),
                r[2].as_f64().expect("dt"),
                r[3].as_str().expect("name").to_string(),
                r[4].as_str().expect("class").to_string(),
            )
        })
        .collect()
}

/// Resets before thresholds and synapses before both: spikes, v and what
/// the synapses deliver are Brian2's, and so is the listing of the schedule.
#[test]
fn custom_schedule_matches_brian2() {
    let file = common::root().join("tests/reference/custom_schedule/custom_schedule.toml");
    let expected = common::root().join("tests/reference/expected/custom_schedule");
    let got: Vec<Row> = spikejit::io::model_file_schedule(&file)
        .expect("the schedule")
        .into_iter()
        .map(|e| (e.when.to_string(), i64::from(e.order), e.dt, e.name, e.class))
        .collect();
    assert_eq!(got, rows_of(&expected.join("schedule.json")));
    let out = common::run_file(&file, "custom-schedule", &[]);
    let mut problems = Vec::new();
    for f in ["spikes.npz", "trace.npz", "received.npz"] {
        problems.extend(common::compare_file(&expected.join(f), &out.join(f), &|_| 1e-9));
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(problems.is_empty(), "differs from Brian2:\n  {}", problems.join("\n  "));
}

/// The same schedule through the Rust API; a schedule without a slot that
/// an object runs in, and bad slot names, are errors.
#[test]
fn set_schedule_orders_and_refuses() {
    use spikejit::sim::{Network, NeuronGroup, SpikeMonitor};
    let mut net = Network::new();
    let g = net
        .add_neurons(
            NeuronGroup::new(1, "dv/dt = 2000*Hz : 1")
                .threshold("v > 1")
                .reset("v = 0")
                .method("euler")
                .name("G"),
        )
        .unwrap();
    let m = net.add_spike_monitor(SpikeMonitor::new(g)).unwrap();
    assert_eq!(
        net.schedule_slots(),
        ["start", "groups", "thresholds", "synapses", "resets", "end"]
    );
    net.set_schedule(&["start", "groups", "synapses", "resets", "thresholds", "end"])
        .unwrap();
    let names: Vec<String> = net.schedule().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "G_stateupdater",
            "G_spike_resetter",
            "G_spike_thresholder",
            "spikemonitor"
        ]
    );
    net.run(2e-3).unwrap();
    // v crosses 1 after 6 steps (at 0.5 ms); the reset comes a step later,
    // so the next spike is 7 steps later (Brian2 gives the same spikes for
    // custom_schedule.toml's first neuron)
    let t = net.spike_monitor(m).unwrap().t;
    let steps: Vec<i64> = t.iter().map(|t| (t / 1e-4).round() as i64).collect();
    assert_eq!(steps, [5, 12, 19]);

    let bad = |net: &mut Network, slots: &[&str]| net.set_schedule(slots).unwrap_err().to_string();
    let e = bad(
        &mut net,
        &["start", "groups", "thresholds", "synapses", "resets", "end", "extra"],
    );
    assert!(e.contains("unknown schedule slot 'extra'"), "{e}");
    let e = bad(&mut net, &["start", "before_groups", "groups"]);
    assert!(e.contains("may not start with 'before_' or 'after_'"), "{e}");
    let e = bad(&mut net, &["start", "groups", "start"]);
    assert!(e.contains("the slot 'start' is in the schedule twice"), "{e}");
    // the schedule is what it was
    assert_eq!(
        net.schedule_slots(),
        ["start", "groups", "synapses", "resets", "thresholds", "end"]
    );
    net.set_schedule(&["start", "groups", "thresholds", "end"]).unwrap();
    let e = net.schedule().unwrap_err().to_string();
    assert!(
        e.contains("'G_spike_resetter' runs in the slot 'resets'")
            && e.contains("which the schedule [start, groups, thresholds, end] does not have"),
        "{e}"
    );
    assert!(net.run(1e-3).is_err());
}
