//! The schedule against Brian2's: for every model of examples/ and
//! tests/reference/models/, the objects spikejit runs in a time step, in the
//! order it runs them, with their slots, orders, clocks, names and classes, are
//! those Brian2's `Network.scheduling_summary()` lists for the same model file
//! (tests/reference/expected/schedules.json, made by
//! tests/reference/schedules.py). Objects of the same slot and order run by
//! name (brian2-semantics.md §4.2), so names decide results: a summed variable
//! written into a subgroup is updated after the target group's state update
//! when the synapses' name sorts after the group's.

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
