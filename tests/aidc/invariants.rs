//! Invariants of whole runs: job conservation, capacity, energy = ∫ power, and agreement of the
//! ECS equipment state, the placement core and the site aggregates throughout a run.

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_to_dir};

const DAY_MS: u64 = 86_400_000;

#[test]
fn equipment_placement_and_aggregates_agree_throughout_a_run() {
    for (name, days) in [("classroom.toml", 30), ("wuhu-10k.toml", 5)] {
        let mut sc = ready(name);
        sc.horizon_ms = days * DAY_MS;
        let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
        for step in 1..=days * 4 {
            sim.run_until(step * DAY_MS / 4, |_| {}).unwrap();
            sim.check_invariants().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn every_job_ends_in_exactly_one_state_and_capacity_is_never_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sc = ready("classroom.toml");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let j = &r.summary.jobs;
    let rows = csv_rows(&out.join("jobs.csv"));
    let header = &rows[0];
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (id, state) = (col("job_id"), col("state"));
    let mut ids: Vec<u64> = rows[1..].iter().map(|r| r[id].parse().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..j.submitted).collect::<Vec<_>>(), "each submitted job appears exactly once");
    let count = |s: &str| rows[1..].iter().filter(|r| r[state] == s).count() as u64;
    assert_eq!(count("completed"), j.completed);
    assert_eq!((count("failed"), count("cancelled")), (j.failed, j.cancelled));
    assert_eq!(count("rejected"), j.rejected);
    assert_eq!(count("running"), j.running_at_end);
    assert_eq!(count("queued"), j.queued_at_end);
    assert_eq!(j.submitted, j.completed + j.failed + j.cancelled + j.rejected + j.running_at_end + j.queued_at_end);
    assert!(j.completed > 1000, "the classroom month completes thousands of jobs");

    let ts = csv_rows(&out.join("timeseries.csv"));
    let tcol = |n: &str| ts[0].iter().position(|h| h == n).unwrap();
    for row in &ts[1..] {
        let alloc: u64 = row[tcol("accelerators_allocated")].parse().unwrap();
        let u: f64 = row[tcol("utilization_allocated")].parse().unwrap();
        let e: f64 = row[tcol("utilization_effective")].parse().unwrap();
        assert!(alloc <= 256 && (0.0..=1.0).contains(&u) && e <= u + 1e-9, "{row:?}");
    }
}

#[test]
fn it_energy_equals_the_integral_of_it_power() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sc = ready("classroom.toml");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let ts = csv_rows(&out.join("timeseries.csv"));
    let (t, p) = (ts[0].iter().position(|h| h == "time_s").unwrap(), ts[0].iter().position(|h| h == "it_power_kw").unwrap());
    let mut prev = 0.0;
    let mut kwh = 0.0;
    for row in &ts[1..] {
        let now: f64 = row[t].parse().unwrap();
        kwh += row[p].parse::<f64>().unwrap() * (now - prev) / 3600.0;
        prev = now;
    }
    let exact = r.summary.energy.it_kwh;
    // Rows print power to 1 W, so the sum can differ by at most 0.0005 kW x horizon.
    assert!((kwh - exact).abs() <= 0.0005 * 720.0 + 1e-6, "{kwh} vs {exact}");
    // Mean power = energy / horizon; the idle floor and the design ceiling bound it.
    let pw = &r.summary.power.it_kw;
    assert!((pw.mean - exact / 720.0).abs() < 1e-9);
    // Node power is kept in integer mW: sums may differ from the f64 design figures by < 1 W.
    assert!(r.summary.capacity.it_idle_kw <= pw.min + 1e-3 && pw.max <= r.summary.capacity.it_design_kw + 1e-3);
}

#[test]
fn energy_and_jobs_do_not_depend_on_the_sampling_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut sc = ready("classroom.toml");
    sc.horizon_ms = 10 * DAY_MS;
    let a = run_to_dir(&sc, &dir.path().join("a"), &RunOptions::default()).unwrap();
    sc.step_ms = 3_600_000;
    let b = run_to_dir(&sc, &dir.path().join("b"), &RunOptions::default()).unwrap();
    sc.step_ms = 7_000; // not a divisor of anything in particular
    let c = run_to_dir(&sc, &dir.path().join("c"), &RunOptions::default()).unwrap();
    assert_eq!(a.summary.energy.it_kwh, b.summary.energy.it_kwh);
    assert_eq!(a.summary.energy.it_kwh, c.summary.energy.it_kwh);
    assert_eq!(a.summary.utilization, c.summary.utilization);
    let jobs = |d: &str| std::fs::read(dir.path().join(d).join("jobs.csv")).unwrap();
    assert_eq!(jobs("a"), jobs("b"));
    assert_eq!(jobs("a"), jobs("c"));
}

#[test]
fn idle_center_draws_its_idle_power_and_nothing_is_allocated() {
    let d = tempfile::tempdir().unwrap();
    let text = small(2, "[[workload.classes]]\nname = \"none\"\nkind = \"debug\"\nrate = \"0/h\"\n", "fifo", "1d");
    let sc = from_text(&text, d.path()).unwrap();
    let (s, _) = aidc::engine::run_in_memory(&sc);
    assert_eq!(s.jobs.submitted, 0);
    assert_eq!(s.utilization.allocated_mean, 0.0);
    assert_eq!(s.idle_capacity.fraction_unallocated, 1.0);
    assert!((s.power.it_kw.mean - s.capacity.it_idle_kw).abs() < 1e-3);
    assert!((s.energy.it_kwh - 24.0 * s.capacity.it_idle_kw).abs() < 24e-3);
}

#[test]
fn a_saturating_fixed_workload_reaches_the_design_power() {
    // 32 accelerators, jobs of 8 at utilization 1 lasting a day, arriving every minute:
    // after the first few minutes every accelerator is busy at full power.
    let d = tempfile::tempdir().unwrap();
    let classes = "[[workload.classes]]\nname = \"full\"\nkind = \"pretrain\"\nrate = \"60/h\"\nsize = { dist = \"fixed\", value = 8 }\nduration = { dist = \"fixed\", value = \"2d\" }\nutilization = { mean = 1.0 }\n";
    let sc = from_text(&small(2, classes, "fifo", "1d"), d.path()).unwrap();
    let (s, _) = aidc::engine::run_in_memory(&sc);
    assert!((s.power.it_kw.max - s.capacity.it_design_kw).abs() < 1e-3, "{} vs {}", s.power.it_kw.max, s.capacity.it_design_kw);
    assert!(s.utilization.allocated_mean > 0.99);
    assert_eq!(s.jobs.running_at_end, 4);
    assert!(s.jobs.queued_at_end > 1000);
}
