//! Phased build-out: rack groups that enter service during a run (`in_service` on
//! `[[halls.racks]]`), which the forecast's `--expand RACKS@MONTH` uses.

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_in_memory, run_to_dir};

const DAY_MS: u64 = 86_400_000;

/// 2 racks of 2 nodes of 8 from the start, 2 more racks from day 10, a workload that keeps the
/// center full, 20 days.
fn phased(in_service: &str, failures: bool) -> String {
    let classes = r#"
[[workload.classes]]
name = "t"
kind = "other"
rate = "6/h"
size = { dist = "fixed", value = 8 }
duration = { dist = "fixed", value = "6h" }
failed = { share = 0.0 }
cancelled = { share = 0.0 }
"#;
    let mut s = small(2, classes, "backfill", "20d");
    s = s.replace(
        "node_type = \"n8\"\n",
        &format!("node_type = \"n8\"\n[[halls.racks]]\ncount = 2\nnodes = 2\nnode_type = \"n8\"\nin_service = \"{in_service}\"\n"),
    );
    if failures {
        s.push_str("[failures]\nspares = 1\n");
    }
    s
}

#[test]
fn racks_added_later_join_placement_and_power_at_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&phased("10d", false), dir.path()).unwrap();
    assert_eq!(sc.accelerators(), 64);
    assert_eq!(sc.accelerators_in_service_at(0), 32);
    assert_eq!(sc.accelerators_in_service_at(10 * DAY_MS), 64);
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let ts = csv_rows(&out.join("timeseries.csv"));
    let col = |n: &str| ts[0].iter().position(|h| h == n).unwrap();
    let (t, alloc, power) = (col("time_s"), col("accelerators_allocated"), col("it_power_kw"));
    let (mut before_max, mut after_max, mut p_before, mut p_after) = (0u64, 0u64, 0f64, 0f64);
    for row in &ts[1..] {
        let time_ms = (row[t].parse::<f64>().unwrap() * 1000.0) as u64;
        let a: u64 = row[alloc].parse().unwrap();
        let p: f64 = row[power].parse().unwrap();
        if time_ms < 10 * DAY_MS {
            before_max = before_max.max(a);
            p_before = p_before.max(p);
        } else if time_ms > 11 * DAY_MS {
            after_max = after_max.max(a);
            p_after = p_after.max(p);
        }
    }
    // Demand (6 jobs/h x 8 x 6 h = 288 accelerators) exceeds both sizes: each phase runs full.
    assert_eq!(before_max, 32, "only the first phase is usable before day 10");
    assert_eq!(after_max, 64, "the second phase is used after day 10");
    assert!(p_after > 1.8 * p_before, "power follows the capacity in service: {p_before} -> {p_after} kW");
    // Utilization is relative to what is in service: both phases full gives ~100 %.
    let u = r.summary.utilization.allocated_mean;
    assert!(u > 0.95, "allocation utilization of the capacity in service: {u}");
    let installed_h = r.summary.idle_capacity.accelerator_hours_installed;
    let expected_h = (32.0 * 10.0 + 64.0 * 10.0) * 24.0;
    assert!((installed_h - expected_h).abs() < 1e-6, "in-service accelerator-hours {installed_h} vs {expected_h}");
}

#[test]
fn a_later_group_draws_nothing_before_it_is_in_service() {
    let dir = tempfile::tempdir().unwrap();
    let idle = |text: String| {
        let mut sc = from_text(&text, dir.path()).unwrap();
        sc.classes.clear();
        run_in_memory(&sc).0.energy.it_kwh
    };
    let one = "[[workload.classes]]\nname = \"t\"\nkind = \"other\"\nrate = \"1/d\"\n";
    let base = idle(small(2, one, "backfill", "20d"));
    let phased_kwh = idle(phased("10d", false));
    let full = idle(small(4, one, "backfill", "20d"));
    // Idle power is constant per node: the phased center uses the small one's energy for 10
    // days and the large one's for 10.
    assert!((phased_kwh - (base + full) / 2.0).abs() < 1e-6 * full, "{base} {phased_kwh} {full}");
}

#[test]
fn invariants_hold_across_the_build_out_with_failures_and_spares() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&phased("7d", true), dir.path()).unwrap();
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    for step in 1..=80 {
        sim.run_until(step * DAY_MS / 4, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let (s, _, _, _) = sim.finish(0.0).unwrap();
    let f = s.failures.unwrap();
    assert!(f.availability > 0.0 && f.availability <= 1.0, "{}", f.availability);
}

#[test]
fn a_group_in_service_after_the_run_is_an_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let e = from_text(&phased("30d", false), dir.path()).unwrap_err().to_string();
    assert!(e.contains("halls[0].racks[1].in_service") && e.contains("before the end of the run"), "{e}");
}

#[test]
fn every_feature_together_keeps_the_invariants() {
    // inference-mix (services, priority with preemption, failures) plus a rack group entering
    // service on day 5 and an oversubscribed fat-tree.
    let text = std::fs::read_to_string(root().join("scenarios/inference-mix.toml")).unwrap();
    let text = text.replacen(
        "node_type = \"hgx-h100\"\n",
        "node_type = \"hgx-h100\"\n[[halls.racks]]\ncount = 6\nnodes = 4\nnode_type = \"hgx-h100\"\nin_service = \"5d\"\n",
        1,
    ) + "\n[network]\nfabric = \"fat-tree\"\ntiers = 2\nradix = 64\nlink = \"400Gbps\"\noversubscription = [\"4:1\"]\npod_nodes = 8\n";
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&text, dir.path()).unwrap();
    assert!(sc.accelerators_in_service_at(0) < sc.accelerators());
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    let days = sc.horizon_ms / DAY_MS;
    for step in 1..=days * 2 {
        sim.run_until(step * DAY_MS / 2, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let (s, _, _, _) = sim.finish(0.0).unwrap();
    assert!(s.jobs.completed > 0 && s.utilization.allocated_mean > 0.0 && s.utilization.allocated_mean <= 1.0);
}
