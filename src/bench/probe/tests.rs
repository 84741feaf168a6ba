use super::*;

#[test]
fn sysfs_cache_sizes_and_cpu_lists() {
    assert_eq!(parse_cache_size("48K\n"), Some(48 << 10));
    assert_eq!(parse_cache_size("491520K"), Some(491_520 << 10));
    assert_eq!(parse_cache_size("16M"), Some(16 << 20));
    assert_eq!(parse_cache_size("512"), Some(512));
    assert_eq!(parse_cache_size("12X"), None);
    assert_eq!(parse_cache_size("K"), None);
    assert_eq!(parse_cache_size(""), None);
    assert_eq!(cpu_list_len("0\n"), Some(1));
    assert_eq!(cpu_list_len("0-1"), Some(2));
    assert_eq!(cpu_list_len("0-3,8,10-11"), Some(7));
    assert_eq!(cpu_list_len("3-1"), None);
    assert_eq!(cpu_list_len("a"), None);
}

fn cache(level: u32, kind: &str, bytes: u64, shared_by: usize) -> CacheLevel {
    CacheLevel {
        level,
        kind: kind.into(),
        bytes,
        shared_by,
    }
}

#[test]
fn working_sets_land_in_the_cache_that_holds_them() {
    // the development machine: private 48 KiB L1d and 2 MiB L2, an L3 shared by both cores
    let caches = [
        cache(1, "Data", 48 << 10, 1),
        cache(1, "Instruction", 64 << 10, 1),
        cache(2, "Unified", 2 << 20, 1),
        cache(3, "Unified", 480 << 20, 2),
    ];
    assert_eq!(cache_for(&caches, 40 << 10, 1), "L1");
    // no data fits in an instruction cache
    assert_eq!(cache_for(&caches, 60 << 10, 1), "L2");
    assert_eq!(cache_for(&caches, 4000 * CUBA_STATE_BYTES_PER_NEURON, 1), "L2");
    // CUBA-64000's state spills one L2, and fits the two of two threads
    assert_eq!(cache_for(&caches, 64000 * CUBA_STATE_BYTES_PER_NEURON, 1), "L3");
    assert_eq!(cache_for(&caches, 64000 * CUBA_STATE_BYTES_PER_NEURON, 2), "L2");
    // both threads' parts share the L3
    assert_eq!(cache_for(&caches, 400 << 20, 2), "L3");
    assert_eq!(cache_for(&caches, 3 * (256 << 20), 1), "DRAM");
    assert_eq!(cache_for(&caches, 3 * (256 << 20), 2), "DRAM");
    assert_eq!(cache_for(&[], 1, 1), "DRAM");
}

#[test]
fn shares_add_up() {
    for (n, t) in [(10, 3), (7, 1), (2, 4), (0, 2), (1 << 30, 2)] {
        let parts: Vec<u64> = (0..t).map(|id| share(n, t, id)).collect();
        assert_eq!(parts.iter().sum::<u64>(), n, "{n} over {t}");
        assert!(parts.iter().max().unwrap_or(&0) - parts.iter().min().unwrap_or(&0) <= 1);
    }
}

#[test]
fn sizes_rates_and_team_sizes() {
    assert_eq!(dram_array_bytes(None), 256 << 20);
    assert_eq!(dram_array_bytes(Some(16 << 30)), 256 << 20);
    assert_eq!(dram_array_bytes(Some(600 << 20)), 100 << 20);
    assert_eq!(dram_array_bytes(Some(1 << 20)), 32 << 20);
    assert_eq!(rate(3_000_000_000, 1.5), 2.0);
    assert_eq!(rate(1, 0.0), 0.0);
    assert_eq!(rate(1, f64::INFINITY), 0.0);
    assert_eq!(human_bytes(4000 * CUBA_STATE_BYTES_PER_NEURON), "129 KiB");
    assert_eq!(human_bytes(64000 * CUBA_STATE_BYTES_PER_NEURON), "2.0 MiB");
    assert_eq!(human_bytes(3 * (256 << 20)), "768 MiB");
    assert_eq!(team_sizes(&[]), [1, 2]);
    assert_eq!(team_sizes(&[2, 1, 2]), [2, 1]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(team_sizes(&[0]), [cores]);
}

fn tiny(threads: &[usize]) -> ProbeOptions {
    ProbeOptions {
        threads: threads.to_vec(),
        working_sets: vec![WorkingSet {
            name: "small".into(),
            bytes: 48 << 10,
        }],
        dram_array_bytes: 1 << 20,
        reps: 2,
        dram_reps: 1,
        sample_bytes: 1 << 20,
        flop_steps: 1000,
        exp_calls: 4096,
        command: "test".into(),
        busy_threshold: 0.2,
    }
}

#[test]
fn a_small_probe_measures_and_accounts_every_part() {
    let mut told = Vec::new();
    let p = measure(&tiny(&[1, 2]), |s| told.push(s.to_string()));
    assert_eq!(told.len(), 2 * 4, "{told:?}");
    // two working sets (small, DRAM) x two teams x five kernels
    assert_eq!(p.bandwidth.len(), 2 * 2 * 5);
    for b in &p.bandwidth {
        assert!(b.gb_per_s.is_finite() && b.gb_per_s > 0.0, "{b:?}");
        assert!(b.best_s > 0.0 && b.reps >= 1, "{b:?}");
        // bytes per pass: every element of the three arrays, STREAM's bytes each
        let elements = b.working_set_bytes / 3 / 8;
        assert_eq!(b.bytes_per_pass, elements * b.kernel.bytes_per_element(), "{b:?}");
        assert_eq!(b.gb_per_s, rate(b.bytes_per_pass * b.passes, b.best_s));
    }
    let small = p.bandwidth.iter().find(|b| b.working_set == "small" && b.threads == 1);
    // 48 KiB: 2048 elements per array, 1 MiB per sample of the update's 96 KiB passes
    assert_eq!(small.map(|b| (b.working_set_bytes, b.passes)), Some((48 << 10, 10)));
    let dram = p.bandwidth.iter().find(|b| b.working_set == "DRAM" && b.threads == 2);
    assert_eq!(dram.map(|b| (b.working_set_bytes, b.passes)), Some((3 << 20, 1)));
    let kinds = FlopKind::ALL.iter().filter(|k| k.available()).count();
    assert_eq!(p.flops.len(), 2 * kinds);
    for f in &p.flops {
        let steps = if f.kind.divides() { 125 } else { 1000 };
        assert_eq!(f.flops, f.kind.flops_per_step() * steps * f.threads as u64);
        assert!(f.gflop_per_s.is_finite() && f.gflop_per_s > 0.0, "{f:?}");
    }
    assert_eq!(p.exp.len(), 2 * 2);
    for e in &p.exp {
        assert!(e.ns_per_call.is_finite() && e.ns_per_call > 0.0, "{e:?}");
        let calls = match e.pattern {
            ExpPattern::Independent => 4096,
            ExpPattern::Chain => 1024,
        };
        assert_eq!(e.calls_per_thread, calls);
    }
    // the JSON reads back as written
    let text = serde_json::to_string(&p).unwrap_or_default();
    let back: Probe = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    // (serde_json may read a float back an ulp away)
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    assert_eq!(
        (back.bandwidth.len(), back.flops.len(), back.exp.len()),
        (p.bandwidth.len(), p.flops.len(), p.exp.len())
    );
    for (x, y) in back.bandwidth.iter().zip(&p.bandwidth) {
        assert_eq!(
            (&x.working_set, x.kernel, x.threads, x.bytes_per_pass, x.passes),
            (&y.working_set, y.kernel, y.threads, y.bytes_per_pass, y.passes)
        );
        assert!(
            close(x.gb_per_s, y.gb_per_s) && close(x.best_s, y.best_s),
            "{x:?} {y:?}"
        );
    }
    for (x, y) in back.flops.iter().zip(&p.flops) {
        assert_eq!((x.kind, x.threads, x.flops), (y.kind, y.threads, y.flops));
        assert!(close(x.gflop_per_s, y.gflop_per_s), "{x:?} {y:?}");
    }
    for (x, y) in back.exp.iter().zip(&p.exp) {
        assert_eq!(
            (x.pattern, x.threads, x.calls_per_thread),
            (y.pattern, y.threads, y.calls_per_thread)
        );
        assert!(close(x.ns_per_call, y.ns_per_call), "{x:?} {y:?}");
    }
    assert_eq!(
        (&back.caches, &back.machine.cpu, back.busy),
        (&p.caches, &p.machine.cpu, p.busy)
    );
    assert!(
        text.contains("\"kernel\":\"triad\"") && text.contains("\"pattern\":\"chain\""),
        "{text}"
    );
    // the table names every row
    let t = table(&p);
    for needle in [
        "| small | 48 KiB |",
        "| DRAM | 3.0 MiB | ",
        "| 1 thread | 2 threads |",
        "write-allocate",
    ] {
        assert!(t.contains(needle), "{needle} not in\n{t}");
    }
    if kinds > 0 {
        assert!(t.contains(FlopKind::ScalarMulAdd.name()), "{t}");
    }
}
