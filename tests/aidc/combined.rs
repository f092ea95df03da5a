//! Every model at once: a cold-plate center with failures, a grid power cap, deferral and a
//! battery. Invariants hold throughout, every job ends in exactly one state, and the run is
//! deterministic.

use crate::support::*;
use aidc::engine::Simulation;

fn scenario() -> String {
    let base = std::fs::read_to_string(root().join("scenarios/wuhu-10k-failures.toml")).unwrap();
    format!(
        "{}\n[grid]\ncap = \"3.6MW\"\n\n[grid.deferral]\nclasses = [\"batch-inference\", \"evaluation\"]\ndeadline = \"12h\"\nsignal = \"price\"\n\n[grid.battery]\ncapacity_kwh = 2000.0\npower = \"500kW\"\nefficiency = 0.88\npolicy = \"arbitrage\"\n",
        base.replace("horizon = \"30d\"", "horizon = \"10d\"")
    )
}

fn run(text: &str, dir: &std::path::Path) -> (aidc::engine::Summary, Vec<u8>, Vec<u8>) {
    let sc = from_text(text, dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(sc.failures.is_some() && sc.coordination.is_some() && sc.facility.is_some());
    let mut sim = Simulation::new(&sc, Vec::new(), Vec::new()).unwrap();
    for h in 1..=40u64 {
        sim.run_until(h * 6 * 3_600_000, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let (s, _, ts, jobs) = sim.finish(0.0).unwrap();
    (s, ts, jobs)
}

#[test]
fn failures_power_cap_deferral_and_battery_together() {
    let d = tempfile::tempdir().unwrap();
    let text = scenario();
    let (s, ts, jobs) = run(&text, d.path());
    let j = &s.jobs;
    assert_eq!(j.submitted, j.completed + j.failed + j.cancelled + j.rejected + j.running_at_end + j.queued_at_end);
    assert_eq!(String::from_utf8_lossy(&jobs).lines().count() as u64 - 1, j.submitted);
    let f = s.failures.as_ref().expect("failures section");
    assert!(f.interruptions.values().sum::<u64>() > 0, "some interruptions in 10 days of 10k accelerators");
    assert!(s.grid.battery.is_some() && s.facility.pue.is_some());
    let cost = s.grid.cost.as_ref().expect("cost section");
    assert!(cost.capped_accelerator_hours > 0.0, "the 3.6 MW cap binds on a ~4.5 MW center");
    assert!(cost.deferred_job_hours > 0.0, "some work waits for valley hours");
    // Same inputs, same bytes.
    let (s2, ts2, jobs2) = run(&text, d.path());
    assert_eq!(s, s2);
    assert_eq!(ts, ts2);
    assert_eq!(jobs, jobs2);
}
