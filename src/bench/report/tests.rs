//! Tests of the report writers (tables, comparisons, JSON).

use super::*;

#[test]
fn brian2_lines_aggregate_by_device() {
    let text = r#"{"model":"cuba","N":4000,"device":"numpy","rep":0,"synapses":10,"spikes":5,"timings":{"build_s":1,"run_s":2,"total_s":4}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":0,"synapses":10,"spikes":5,"timings":{"build_s":1,"run_s":0.1,"total_s":9}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":1,"synapses":10,"spikes":7,"timings":{"build_s":1,"run_s":0.3,"total_s":11}}
"#;
    let lines = parse_brian2(text).unwrap_or_default();
    let agg = aggregate_brian2(&lines, 0.2);
    let v = &agg[&("cuba".to_string(), 4000)];
    assert_eq!(v[0].device, "cpp_standalone");
    assert_eq!(v[0].reps, 2);
    assert!((v[0].run_s.median - 0.2).abs() < 1e-12);
    assert_eq!(v[1].device, "numpy");
    assert!(parse_brian2("{not json").is_err());
}

fn result(name: &str, model: &str, n: usize, loads: &[Option<LoadSample>], threshold: f64) -> BenchResult {
    let runs: Vec<super::super::RunRecord> = loads
        .iter()
        .enumerate()
        .map(|(rep, &load)| super::super::RunRecord {
            rep,
            total_s: 1.0,
            run_s: 0.5,
            busy: load.is_some_and(|l| l.is_busy(threshold)),
            load,
        })
        .collect();
    BenchResult {
        name: name.into(),
        model: model.into(),
        n,
        threads: 1,
        reps: runs.len(),
        synapses: 100,
        spikes: 10,
        synaptic_events: 1000,
        duration: 1.0,
        parse_s: Stat::default(),
        jit_s: Stat::default(),
        connect_s: Stat::default(),
        build_s: Stat::default(),
        run_s: Stat::of(&[0.5]),
        total_s: Stat::of(&[1.0]),
        peak_memory_bytes: Stat::default(),
        events_per_s: 2000.0,
        kernels: Vec::new(),
        runs,
    }
}

fn bench_run(results: Vec<BenchResult>) -> BenchRun {
    BenchRun {
        spikejit_version: "0".into(),
        machine: super::super::machine(),
        command: "spikejit bench".into(),
        results,
        busy_threshold_cores: Some(0.2),
    }
}

const QUIET: Option<LoadSample> = Some(LoadSample {
    wall_s: 1.0,
    machine_cpu_s: 1.05,
    own_cpu_s: 1.0,
    other_cpu_s: 0.05,
    other_cores: 0.05,
    load1_before: None,
    load1_after: None,
});

#[test]
fn busy_runs_are_marked_per_model() {
    let busy = Some(LoadSample::new(1.0, 1.9, 1.0)); // 0.9 cores of others
    let run = bench_run(vec![
        result("cuba_4000", "cuba", 4000, &[QUIET, busy, QUIET], 0.2),
        result("stdp", "stdp", 1000, &[QUIET, QUIET, QUIET], 0.2),
    ]);
    // Brian2: stdp's cpp_standalone run busy in its simulation loop only
    let text = r#"{"model":"stdp","N":1000,"device":"cpp_standalone","rep":0,"timings":{"run_s":0.4,"total_s":9},"load":{"wall_s":9,"machine_cpu_s":9.1,"own_cpu_s":9,"other_cpu_s":0.1,"other_cores":0.011},"load_run":{"wall_s":0.5,"machine_cpu_s":1.0,"own_cpu_s":0.5,"other_cpu_s":0.5,"other_cores":1.0}}
{"model":"cuba","N":4000,"device":"cpp_standalone","rep":0,"timings":{"run_s":0.1,"total_s":9}}
"#;
    let lines = parse_brian2(text).unwrap_or_default();
    assert!(lines[0].is_busy(0.2) && !lines[0].is_busy(1.0) && !lines[1].is_busy(0.0));
    let agg = aggregate_brian2(&lines, 0.2);
    let busy = busy_models(&run, &agg, 0.2);
    assert_eq!(
        busy,
        vec![
            "cuba (N = 4000): 1 of 3 spikejit runs".to_string(),
            "stdp (N = 1000): 1 of 1 Brian2 cpp_standalone runs".to_string()
        ]
    );
    // a higher threshold: nothing busy
    assert!(busy_models(&run, &aggregate_brian2(&lines, 1.0), 1.0).is_empty());

    let md = comparison(&run, &agg, "", None, 0.2);
    assert!(md.contains("**Warning: the machine was busy.** 2 of 8 runs"), "{md}");
    assert!(md.contains("> - cuba (N = 4000): 1 of 3 spikejit runs"), "{md}");
    assert!(md.contains("| cuba ⚠ busy | 4000 |"), "{md}");
    assert!(md.contains("| stdp ⚠ busy | 1000 |"), "{md}");
    assert!(
        md.contains("⚠ **Busy machine:** 1 of 3 spikejit runs ran beside"),
        "{md}"
    );
    // the load columns: the largest other load and the busy count; Brian2's unmeasured line
    assert!(md.contains("| 0.90 ⚠ 1 of 3 busy |"), "{md}");
    assert!(md.contains("| 0.01 ⚠ 1 of 1 busy |"), "{md}");
    assert!(md.contains("| not measured |"), "{md}");
    assert!(md.contains("1 of 8 runs have no load measurement"), "{md}");

    let quiet = bench_run(vec![result("stdp", "stdp", 1000, &[QUIET], 0.2)]);
    let md = comparison(&quiet, &BTreeMap::new(), "", None, 0.2);
    assert!(!md.contains("Warning") && !md.contains('⚠'), "{md}");
    assert!(
        md.contains("The largest other load of any run here: 0.05 cores."),
        "{md}"
    );
    assert!(spikejit_table(&quiet, 0.2).contains("| 0.05 |"));
    assert!(spikejit_table(&run, 0.2).contains("| 0.90 ⚠ 1 of 3 busy |"));
}

#[test]
fn brian2_per_thread_count_beside_spikejit_at_the_same_count() {
    let with = |mut r: BenchResult, threads: usize, run_s: f64| {
        r.threads = threads;
        r.run_s = Stat::of(&[run_s]);
        r
    };
    let run = bench_run(vec![
        with(result("cuba_64000", "cuba", 64000, &[QUIET], 0.2), 1, 1.0),
        with(result("cuba_64000", "cuba", 64000, &[QUIET], 0.2), 2, 0.6),
        with(result("stdp", "stdp", 1000, &[QUIET], 0.2), 2, 0.2),
    ]);
    // Brian2: cuba's cpp_standalone on 1 and 2 threads (the 2-thread run busy), cython,
    // numpy from a line written before the thread count (one thread); stdp on 2 threads only
    let quiet = r#""load":{"wall_s":9,"machine_cpu_s":9.1,"own_cpu_s":9,"other_cpu_s":0.1,"other_cores":0.011}"#;
    let busy = r#""load":{"wall_s":9,"machine_cpu_s":18,"own_cpu_s":9,"other_cpu_s":9,"other_cores":1.0}"#;
    let text = [
        format!(r#"{{"model":"cuba","N":64000,"device":"cpp_standalone","threads":1,"timings":{{"run_s":1.25,"total_s":10}},{quiet}}}"#),
        format!(r#"{{"model":"cuba","N":64000,"device":"cpp_standalone","threads":2,"timings":{{"run_s":0.9,"total_s":8}},{busy}}}"#),
        format!(r#"{{"model":"cuba","N":64000,"device":"cython","threads":1,"timings":{{"run_s":5,"total_s":20}},{quiet}}}"#),
        format!(r#"{{"model":"cuba","N":64000,"device":"numpy","timings":{{"run_s":10,"total_s":40}},{quiet}}}"#),
        format!(r#"{{"model":"stdp","N":1000,"device":"cpp_standalone","threads":2,"timings":{{"run_s":0.4,"total_s":5}},{quiet}}}"#),
        format!(r#"{{"model":"stdp","N":1000,"device":"cython","threads":1,"timings":{{"run_s":2,"total_s":5}},{quiet}}}"#),
    ]
    .join("\n");
    let lines = parse_brian2(&text).unwrap_or_default();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[3].threads, 1, "a line without a thread count ran on one");
    let agg = aggregate_brian2(&lines, 0.2);
    let cuba: Vec<(&str, usize)> = agg[&("cuba".to_string(), 64000)]
        .iter()
        .map(|x| (x.device.as_str(), x.threads))
        .collect();
    assert_eq!(
        cuba,
        vec![
            ("cpp_standalone", 1),
            ("cpp_standalone", 2),
            ("cython", 1),
            ("numpy", 1)
        ]
    );

    let rows = comparison_rows(&run, &agg, 0.2);
    let listed = |k: usize| -> Vec<(String, usize, Option<f64>)> {
        rows[k]
            .brian2
            .iter()
            .map(|b| (b.result.device.clone(), b.result.threads, b.run_ratio))
            .collect()
    };
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-12);
    // cuba, 1 thread: Brian2's one-thread results; 2 threads: cpp_standalone on 2
    assert_eq!(listed(0).len(), 3);
    assert!(close(listed(0)[0].2, 0.8) && close(listed(0)[1].2, 0.2) && close(listed(0)[2].2, 0.1));
    assert_eq!(listed(1).len(), 1);
    assert_eq!((listed(1)[0].0.as_str(), listed(1)[0].1), ("cpp_standalone", 2));
    assert!(close(listed(1)[0].2, 0.6 / 0.9));
    assert!(rows[0].run_over_one_thread.is_none() && close(rows[1].run_over_one_thread, 0.6));
    // stdp ran on 2 threads only: cython (1 thread) is listed, without a ratio
    assert_eq!(listed(2).len(), 2);
    assert!(close(listed(2)[0].2, 0.5) && listed(2)[1].2.is_none());
    assert!(rows[2].run_over_one_thread.is_none());

    let md = comparison(&run, &agg, "", None, 0.2);
    // headline: ratios at equal thread counts, and the run over spikejit's own 1-thread run
    assert!(
        md.contains("| cuba | 64000 | 100 | **0.80×** | 0.20× | 0.10× | **0.10×** | 0.05× | 0.03× |  |"),
        "{md}"
    );
    assert!(
        md.contains("| cuba (2 threads) ⚠ busy | 64000 | 100 | **0.67×** | – | – | **0.12×** | – | – | 0.60× |"),
        "{md}"
    );
    assert!(
        md.contains("| stdp (2 threads) | 1000 | 100 | **0.50×** | – | – |"),
        "{md}"
    );
    // the threads section: each side over its own one-thread run, spikejit ÷ Brian2 at 2 threads
    assert!(
        md.contains("## Threads: spikejit beside Brian2's C++ standalone with OpenMP"),
        "{md}"
    );
    assert!(
        md.contains("| cuba | 64000 | 2 | 0.60 [0.60–0.60] | 0.60× | 0.90 [0.90–0.90] | 0.72× | **0.67×** |"),
        "{md}"
    );
    assert!(
        md.contains("| cuba | 64000 | 1 | 1.00 [1.00–1.00] |  | 1.25 [1.25–1.25] |  | **0.80×** |"),
        "{md}"
    );
    assert!(
        md.contains("| stdp | 1000 | 2 | 0.20 [0.20–0.20] | – | 0.40 [0.40–0.40] | – | **0.50×** |"),
        "{md}"
    );
    // per model: each Brian2 result once, named with its OpenMP threads
    assert_eq!(
        md.matches("| Brian2 cpp_standalone (2 OpenMP threads) | 1 |").count(),
        2,
        "{md}"
    );
    assert_eq!(md.matches("| Brian2 cython | 1 |").count(), 2, "{md}");
    assert!(
        md.contains(
            "| Brian2 cython | 1 | 0.000 [0.000–0.000] | 2.00 [2.00–2.00] | 5.00 [5.00–5.00] | 0 | 0 | – | – |"
        ),
        "{md}"
    );
    assert!(md.contains("Run on 2 threads ÷ on 1 thread: 0.60×."), "{md}");
    // busy marking of the 2-thread Brian2 run: its row only; every run counted once
    assert!(
        md.contains("> - cuba (2 threads) (N = 64000): 1 of 1 Brian2 cpp_standalone (2 OpenMP threads) runs"),
        "{md}"
    );
    assert!(md.contains("1 of 9 runs ran beside more than 0.2 cores"), "{md}");
    assert!(!md.contains("| cuba ⚠ busy"), "{md}");

    // the JSON report holds the same rows
    let json: serde_json::Value =
        serde_json::from_str(&comparison_json(&run, &agg, 0.2).unwrap_or_default()).unwrap_or_default();
    let row = &json["rows"][1];
    assert_eq!(
        (row["name"].as_str(), row["threads"].as_u64()),
        (Some("cuba_64000"), Some(2))
    );
    assert!(
        (row["run_over_one_thread"].as_f64().unwrap_or(0.0) - 0.6).abs() < 1e-12,
        "{json}"
    );
    assert_eq!(row["brian2"][0]["threads"].as_u64(), Some(2), "{json}");
    assert!(
        (row["brian2"][0]["run_ratio"].as_f64().unwrap_or(0.0) - 0.6 / 0.9).abs() < 1e-12,
        "{json}"
    );
    assert_eq!(row["brian2"][0]["load"]["busy"].as_u64(), Some(1), "{json}");
    assert!(json["rows"][2]["brian2"][1]["run_ratio"].is_null(), "{json}");
}

#[test]
fn thousands() {
    assert_eq!(count(320588), "320,588");
    assert_eq!(count(12), "12");
}
