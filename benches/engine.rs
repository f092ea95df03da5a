//! Engine benchmarks: whole runs in memory (rows discarded), so they measure the event loop,
//! scheduling, placement and the sampling pipeline, not the disk.
//!
//! `cargo bench --bench engine` (the full bench-10k year is `aidc run scenarios/bench-10k.toml`).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn load(name: &str) -> aidc::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    match aidc::scenario::load(&path) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn engine(c: &mut Criterion) {
    let classroom = load("classroom.toml");
    c.bench_function("classroom 30 d", |b| b.iter(|| aidc::engine::run_in_memory(&classroom)));
    let mut wuhu = load("wuhu-10k.toml");
    wuhu.horizon_ms = 7 * 86_400_000;
    c.bench_function("wuhu-10k 7 d", |b| b.iter(|| aidc::engine::run_in_memory(&wuhu)));
    let mut bench = load("bench-10k.toml");
    bench.horizon_ms = 30 * 86_400_000;
    let mut group = c.benchmark_group("bench-10k");
    group.sample_size(10);
    group.bench_function("30 d at 1 min", |b| b.iter(|| aidc::engine::run_in_memory(&bench)));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
