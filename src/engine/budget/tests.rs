//! Tests of the estimator's arithmetic and of the limits. The reference figures are peak
//! resident memory (`/usr/bin/time -v`, KiB) measured with `aidc run` and recorded in
//! BENCHMARKS.md ("Resource guards"); the factors are generous on purpose.

use std::path::Path;

use super::machine::Memory;
use super::*;
use crate::scenario::Scenario;

const KIB: f64 = 1024.0;
const GIB: u64 = 1 << 30;

fn ready(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    crate::scenario::load(&path).expect("ready scenario loads")
}

/// `racks` racks of `nodes` nodes of `accelerators` H100, one debug class at `rate`, over
/// `horizon` at `step`, with `extra` TOML appended.
fn design(racks: u64, nodes: u32, accelerators: u32, rate: &str, horizon: &str, step: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"name = "t"
[simulation]
horizon = "{horizon}"
step = "{step}"
[[node_types]]
name = "n"
accelerator = "H100-SXM"
accelerators = {accelerators}
[[halls]]
name = "A"
[[halls.racks]]
count = {racks}
nodes = {nodes}
node_type = "n"
[[workload.classes]]
name = "w"
kind = "debug"
rate = "{rate}"
size = {{ dist = "fixed", value = 1 }}
{extra}"#
    );
    crate::scenario::load_str(&text, Path::new("t.toml")).expect("test design resolves")
}

fn run_estimate(sc: &Scenario) -> Estimate {
    estimate(sc, Outputs::files(false))
}

fn limits(memory_gib: u64, allow_large: bool) -> Limits {
    Limits {
        memory: Some(Memory { bytes: memory_gib * GIB, measured: true }),
        max_output: DEFAULT_MAX_OUTPUT,
        disk_free: None,
        allow_large,
    }
}

/// Whether `estimate` is within a factor `f` of `measured`.
fn within(estimate: f64, measured: f64, f: f64) -> bool {
    estimate <= measured * f && estimate >= measured / f
}

#[test]
fn memory_grows_with_every_equipment_driver() {
    let base = run_estimate(&design(10, 2, 8, "1/h", "1d", "5m", "")).memory_bytes();
    for (label, sc) in [
        ("racks", design(11, 2, 8, "1/h", "1d", "5m", "")),
        ("nodes per rack", design(10, 3, 8, "1/h", "1d", "5m", "")),
        ("accelerators per node", design(10, 2, 16, "1/h", "1d", "5m", "")),
        ("failures", design(10, 2, 8, "1/h", "1d", "5m", "[failures]\nspares = 1\n")),
    ] {
        assert!(run_estimate(&sc).memory_bytes() > base, "{label} should add memory");
    }
}

#[test]
fn live_jobs_and_outputs_grow_with_load_horizon_and_step() {
    let e = |rate: &str, horizon: &str, step: &str| run_estimate(&design(1, 1, 8, rate, horizon, step, ""));
    let base = e("1/h", "2d", "5m");
    let busier = e("100/s", "2d", "5m");
    assert!(busier.live_jobs > base.live_jobs && busier.live_jobs_bound > base.live_jobs_bound);
    assert!(busier.jobs_csv.bytes > base.jobs_csv.bytes && busier.memory_bytes() > base.memory_bytes());
    let longer = e("1/h", "20d", "5m");
    assert!(longer.timeseries.bytes > base.timeseries.bytes && longer.jobs_csv.bytes > base.jobs_csv.bytes);
    let finer = e("1/h", "2d", "1m");
    assert_eq!(finer.samples, 2 * 24 * 60 + 1);
    assert!(finer.timeseries.bytes > base.timeseries.bytes && finer.jobs_csv.bytes == base.jobs_csv.bytes);
    // --report reads timeseries.csv back: more memory, the same output.
    let sc = design(1, 1, 8, "1/h", "2d", "1m", "");
    let (plain, report) = (estimate(&sc, Outputs::files(false)), estimate(&sc, Outputs::files(true)));
    assert!(report.memory_bytes() > plain.memory_bytes());
    // A run in memory writes nothing.
    assert_eq!(estimate(&sc, Outputs::default()).output_bytes(), 0.0);
}

#[test]
fn the_queue_cap_bounds_live_jobs() {
    // 100 jobs a second on 8 accelerators for 2 hours: 720,000 arrivals, all but a few queued.
    let open = run_estimate(&design(1, 1, 8, "100/s", "2h", "5m", ""));
    assert!(within(open.live_jobs, 720_000.0, 1.05), "{}", open.live_jobs);
    let capped = run_estimate(&design(1, 1, 8, "100/s", "2h", "5m", "[scheduler]\nmax_queued = 1000\n"));
    assert!(capped.live_jobs_bound <= 1000.0 + 2.0 * 8.0, "{}", capped.live_jobs_bound);
    assert_eq!(capped.jobs_field.to_string(), "scheduler.max_queued");
    // Rejected arrivals still get their row in jobs.csv.
    assert_eq!(capped.job_rows, open.job_rows);
}

#[test]
fn estimates_are_within_a_factor_of_the_measured_peaks() {
    // (scenario, peak resident memory measured, KiB): BENCHMARKS.md "Resource guards".
    for (name, kib) in [("classroom.toml", 10_076.0), ("wuhu-10k.toml", 12_288.0), ("bench-10k.toml", 12_604.0)] {
        let est = run_estimate(&ready(name)).memory_bytes();
        assert!(within(est, kib * KIB, 1.5), "{name}: estimate {} against {kib} KiB measured", bytes(est));
    }
    // Designs of a million racks, nodes or accelerators (1 hour, almost no jobs).
    for ((racks, nodes, acc), kib) in [((1_000_000, 1, 1), 450_976.0), ((125_000, 8, 1), 375_988.0), ((125_000, 1, 8), 189_896.0)] {
        let est = run_estimate(&design(racks, nodes, acc, "1/d", "1h", "5m", "")).memory_bytes();
        assert!(within(est, kib * KIB, 1.25), "{racks}x{nodes}x{acc}: estimate {} against {kib} KiB", bytes(est));
    }
    // A queue of 722,052 jobs (8 accelerators, 100 jobs a second, 2 hours).
    let est = run_estimate(&design(1, 1, 8, "100/s", "2h", "5m", "")).memory_bytes();
    assert!(within(est, 147_392.0 * KIB, 1.25), "queue: estimate {}", bytes(est));
    // Outputs: bench-10k writes 76.7 MB of timeseries.csv and 47.7 MB of jobs.csv.
    let b = run_estimate(&ready("bench-10k.toml"));
    assert!(within(b.timeseries.bytes, 76_715_165.0, 1.25) && within(b.jobs_csv.bytes, 47_729_708.0, 1.25));
}

#[test]
fn a_huge_design_is_refused_naming_its_rack_group() {
    let sc = design(10_000_000, 1, 8, "1/d", "1h", "5m", "");
    let r = check(&run_estimate(&sc), &limits(16, false)).expect_err("14 GiB of equipment on 8 GiB");
    assert_eq!(r.field.to_string(), "halls[0].racks[0].count");
    assert!(r.message.contains("10,000,000 racks") && r.message.contains("--allow-large"), "{}", r.message);
    // With the flag it fits 90 % of 16 GiB; not 90 % of 8 GiB, and then the flag is not offered.
    assert!(check(&run_estimate(&sc), &limits(16, true)).is_ok());
    let r = check(&run_estimate(&sc), &limits(8, false)).expect_err("cannot fit");
    assert!(!r.message.contains("pass --allow-large"), "{}", r.message);
}

#[test]
fn a_fine_step_over_a_long_horizon_is_refused_naming_the_step() {
    let sc = design(1, 1, 8, "1/h", "365d", "1ms", "");
    let est = run_estimate(&sc);
    assert_eq!(est.samples, 365 * 86_400_000 + 1);
    let r = check(&est, &limits(16, false)).expect_err("3e10 rows");
    assert_eq!(r.field.to_string(), "simulation.step");
    // The flag lifts the default bound, not the disk.
    let mut l = limits(16, true);
    assert!(check(&est, &l).is_ok());
    l.disk_free = Some(100 * GIB);
    assert!(check(&est, &l).unwrap_err().message.contains("free on the output folder's disk"));
}

#[test]
fn parallel_runs_fit_beside_the_shared_tables() {
    let est = run_estimate(&design(10, 2, 8, "1/h", "1d", "5m", ""));
    let per_run = est.parallel_run_bytes();
    let l = limits(1, false);
    let cap = l.memory_cap().unwrap_or(0.0);
    let fit = ((cap - PROGRAM_BYTES) / per_run).floor() as usize;
    assert_eq!(parallel_runs(per_run, 0.0, 10_000, &l), Ok(fit));
    assert_eq!(parallel_runs(per_run, 0.0, 3, &l), Ok(3));
    // Shared tables leave room for fewer; none at all is an error.
    assert!(parallel_runs(per_run, cap / 2.0, 10_000, &l).unwrap_or(0) < fit);
    assert!(parallel_runs(per_run, cap, 1, &l).is_err());
}

#[test]
fn numbers_are_for_people() {
    assert_eq!(bytes(812.0), "812 B");
    assert_eq!(bytes(12.3 * 1024.0 * 1024.0), "12.3 MiB");
    assert_eq!(bytes(1.5 * (1u64 << 40) as f64), "1.5 TiB");
    assert_eq!(count(31_536_000_001.0), "31,536,000,001");
    assert_eq!(count(999.4), "999");
}

#[test]
fn an_output_section_shrinks_the_timeseries_estimate() {
    let full = run_estimate(&design(2, 4, 8, "10/d", "30d", "1m", ""));
    let hourly = run_estimate(&design(2, 4, 8, "10/d", "30d", "1m", "[output]\ntimeseries_step = \"1h\""));
    let two = run_estimate(&design(2, 4, 8, "10/d", "30d", "1m", "[output]\ntimeseries_columns = [\"time_s\", \"it_power_kw\"]"));
    assert_eq!(full.samples, 30 * 1440 + 1);
    assert_eq!(hourly.samples, 30 * 24 + 1, "one row per output step");
    assert_eq!(hourly.timeseries.field.to_string(), "output.timeseries_step", "the field that drives the rows");
    assert_eq!((full.columns, two.columns), (8, 2));
    assert!((two.timeseries.bytes - full.timeseries.bytes * 2.0 / 8.0).abs() < 1.0);
}
