//! Kernel-level benchmarks (criterion): parsing and checking a model file,
//! building and JIT-compiling every kernel of CUBA, synapse creation, and
//! simulated time steps. `cargo bench`; whole-model timings are `spikejit bench`.

use criterion::{Criterion, criterion_group, criterion_main};
use spikejit::io::{self, BuildOptions};

const CUBA: &str = include_str!("../bench/models/cuba_4000.toml");
const COBAHH: &str = include_str!("../bench/models/cobahh_4000.toml");

fn parse(c: &mut Criterion) {
    c.bench_function("parse+check cuba_4000.toml", |b| {
        b.iter(|| io::parse_model("cuba.toml", CUBA.to_string()).map(|m| m.path.len()))
    });
}

fn build_and_jit(c: &mut Criterion) {
    let cuba = io::parse_model("cuba.toml", CUBA.to_string()).expect("bundled model");
    let cobahh = io::parse_model("cobahh.toml", COBAHH.to_string()).expect("bundled model");
    let mut g = c.benchmark_group("build (connect + JIT of every kernel)");
    g.sample_size(20);
    g.bench_function("cuba_4000", |b| {
        b.iter(|| {
            let (mut net, _) = io::build(&cuba, &BuildOptions::default()).expect("builds");
            net.check().expect("compiles");
            net.stats().kernels.len()
        })
    });
    g.bench_function("cobahh_4000", |b| {
        b.iter(|| {
            let (mut net, _) = io::build(&cobahh, &BuildOptions::default()).expect("builds");
            net.check().expect("compiles");
            net.stats().kernels.len()
        })
    });
    g.finish();
}

fn steps(c: &mut Criterion) {
    let mut g = c.benchmark_group("100 time steps (10 ms)");
    g.sample_size(20);
    for (name, text) in [("cuba_4000", CUBA), ("cobahh_4000", COBAHH)] {
        let model = io::parse_model("m.toml", text.to_string()).expect("bundled model");
        let (mut net, _) = io::build(&model, &BuildOptions::default()).expect("builds");
        g.bench_function(name, |b| b.iter(|| net.run(0.01).expect("runs")));
    }
    g.finish();
}

criterion_group!(benches, parse, build_and_jit, steps);
criterion_main!(benches);
