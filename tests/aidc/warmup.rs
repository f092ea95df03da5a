//! `simulation.warmup`: the run simulates the warm-up first and every output counts only after
//! it; checked against the same run without a warm-up, whose later part it must equal.

use std::collections::HashMap;
use std::path::Path;

use crate::support::*;
use aidc::engine::{RunOptions, run_to_dir};

/// Long jobs (10 h) at 2 an hour on 64 accelerators: about 20 jobs of 1-2 accelerators are
/// running in steady state, reached after about a day from an empty cluster.
const CLASS: &str = r#"
[[workload.classes]]
name = "t"
kind = "other"
rate = "2/h"
size = { dist = "choice", values = [1, 2], weights = [1, 1] }
duration = { dist = "lognormal", median = "10h", sigma = 0.3 }
failed = { share = 0.2 }
cancelled = { share = 0.1 }
"#;

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let rows = csv_rows(path);
    let header = rows[0].clone();
    rows[1..].iter().map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

fn num(r: &HashMap<String, String>, col: &str) -> f64 {
    r[col].parse().unwrap_or_else(|_| panic!("{col} = {:?}", r[col]))
}

#[test]
fn a_warm_up_excludes_its_time_from_every_output_and_starts_the_window_near_steady_state() {
    let dir = tempfile::tempdir().unwrap();
    let plain_text = small(4, CLASS, "fifo", "4d");
    let warm_text = edit(&plain_text, "horizon = \"4d\"", "horizon = \"4d\"\nwarmup = \"2d\"");
    let plain = from_text(&plain_text, dir.path()).unwrap();
    let warm = from_text(&warm_text, dir.path()).unwrap();
    assert_eq!(warm.warmup_ms, 2 * 86_400_000);
    assert_round_trips(&warm, dir.path(), "resolved.toml");
    let (p_out, w_out) = (dir.path().join("plain"), dir.path().join("warm"));
    let p = run_to_dir(&plain, &p_out, &RunOptions::default()).unwrap().summary;
    let w = run_to_dir(&warm, &w_out, &RunOptions::default()).unwrap().summary;
    let warmup_s = 2.0 * 86_400.0;
    assert_eq!(w.scenario.warmup_s, warmup_s);

    // timeseries.csv: the plain run's rows after the warm-up, IT energy counted from its end.
    let (pt, wt) = (rows(&p_out.join("timeseries.csv")), rows(&w_out.join("timeseries.csv")));
    let later: Vec<_> = pt.iter().filter(|r| num(r, "time_s") > warmup_s).collect();
    assert_eq!(wt.len(), later.len());
    let energy_at_warmup = pt.iter().find(|r| num(r, "time_s") == warmup_s).map(|r| num(r, "it_energy_kwh")).unwrap();
    for (a, b) in later.iter().zip(&wt) {
        for (k, v) in b.iter() {
            if k == "it_energy_kwh" {
                assert!((num(a, k) - energy_at_warmup - num(b, k)).abs() < 2e-3, "{k}: {a:?} vs {b:?}");
            } else {
                assert_eq!(&a[k], v, "{k}");
            }
        }
    }
    // The summary is the window's: its mean utilization is the mean of those rows (equal steps).
    let mean = wt.iter().map(|r| num(r, "utilization_allocated")).sum::<f64>() / wt.len() as f64;
    assert!((w.utilization.allocated_mean - mean).abs() < 1e-5, "{} vs {mean}", w.utilization.allocated_mean);
    assert!((w.energy.it_kwh - (p.energy.it_kwh - energy_at_warmup)).abs() < 2e-3);
    assert!((w.idle_capacity.accelerator_hours_installed - 64.0 * 48.0).abs() < 1e-9);

    // It starts near steady state: the first row of the window is within 25 % of the window's
    // mean, while the plain run's first row (an empty cluster filling up) is far below it.
    let first = num(&wt[0], "utilization_allocated");
    assert!((first / mean - 1.0).abs() < 0.25, "first {first} vs mean {mean}");
    assert!(num(&pt[0], "utilization_allocated") < 0.25 * mean, "{:?}", pt[0]);

    // jobs.csv: the jobs that leave after the warm-up (or are still there at the horizon).
    let (pj, wj) = (rows(&p_out.join("jobs.csv")), rows(&w_out.join("jobs.csv")));
    let leaves_later = |r: &&HashMap<String, String>| match r["end_s"].as_str() {
        "" => r["state"] != "rejected" || num(r, "submit_s") > warmup_s,
        end => end.parse::<f64>().unwrap() > warmup_s,
    };
    let expected: Vec<_> = pj.iter().filter(leaves_later).collect();
    assert_eq!(wj.len(), expected.len());
    assert!(wj.iter().zip(&expected).all(|(a, b)| a == *b));
    // Counters are the window's: ends after the warm-up, submissions after it.
    let ended = |state: &str| expected.iter().filter(|r| r["state"] == state).count() as u64;
    assert_eq!((w.jobs.completed, w.jobs.failed, w.jobs.cancelled), (ended("completed"), ended("failed"), ended("cancelled")));
    let submitted_later = pj.iter().filter(|r| num(r, "submit_s") > warmup_s).count() as u64;
    assert_eq!(w.jobs.submitted, submitted_later);
}

#[test]
fn a_warm_up_is_checked_and_refused_where_a_section_cannot_open_a_window_yet() {
    let dir = tempfile::tempdir().unwrap();
    let text = small(1, CLASS, "fifo", "2d");
    for (warmup, says) in [("2d", "shorter than the horizon"), ("95m", "whole number of sampling steps")] {
        let t = edit(&text, "horizon = \"2d\"", &format!("horizon = \"2d\"\nwarmup = \"{warmup}\""));
        let err = from_text(&t, dir.path()).unwrap_err().to_string();
        assert!(err.contains("simulation.warmup") && err.contains(says), "{warmup}: {err}");
    }
    let t = edit(&text, "horizon = \"2d\"", "horizon = \"2d\"\nwarmup = \"1d\"");
    let err = from_text(&format!("{t}\n[failures]\n"), dir.path()).unwrap_err().to_string();
    assert!(err.contains("simulation.warmup") && err.contains("[failures]"), "{err}");
}
