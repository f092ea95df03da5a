//! Jobs that end on their own: the default LLM-era mix against the published trace analyses,
//! failed jobs holding their accelerators to the end, trace replays keeping their final states,
//! and the class fields' checks and round trip.

use std::collections::HashMap;
use std::path::Path;

use crate::support::*;
use aidc::engine::{RunOptions, run_to_dir};

/// A jobs.csv row by column name.
type Row = HashMap<String, String>;

/// The jobs.csv rows of a run, as maps by column name.
fn jobs(out: &Path) -> Vec<Row> {
    let rows = csv_rows(&out.join("jobs.csv"));
    let header = rows[0].clone();
    rows[1..].iter().map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

fn num(r: &HashMap<String, String>, col: &str) -> f64 {
    r[col].parse().unwrap_or_else(|_| panic!("{col} = {:?}", r[col]))
}

/// One class of each LLM-era kind, every distribution left to its kind's default, at the
/// relative rates of the bench-10k center (pretraining a day, debugging most), on 2,560
/// accelerators so that queueing does not decide which jobs end.
const MIX: &str = r#"
[[workload.classes]]
name = "pretrain"
kind = "pretrain"
rate = "1/d"
[[workload.classes]]
name = "fine-tune"
kind = "fine-tune"
rate = "4/h"
[[workload.classes]]
name = "inference"
kind = "inference-service"
rate = "0.2/h"
[[workload.classes]]
name = "batch-inference"
kind = "batch-inference"
rate = "6/h"
[[workload.classes]]
name = "evaluation"
kind = "evaluation"
rate = "15/h"
[[workload.classes]]
name = "debug"
kind = "debug"
rate = "35/h"
"#;

/// The ranges: the GPU jobs of four public traces as tabulated by the Acme authors for their
/// comparison (Hu et al., NSDI'24, §3 and the final-state figure; data/cluster_summary.csv of
/// github.com/InternLM/AcmeTrace): Philly (Jeon et al., ATC'19), Helios (Hu et al., SC'21),
/// Acme's Seren and Kalos (NSDI'24), and for run times also Alibaba PAI (Weng et al., NSDI'22).
/// The class defaults are this project's split by kind (catalog/classes.rs); only the
/// cluster-wide figures are compared here.
#[test]
fn the_default_llm_era_mix_ends_sizes_and_runs_within_the_published_trace_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&small(160, MIX, "backfill", "30d"), dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = jobs(&out);
    let ended: Vec<_> = rows.iter().filter(|r| ["completed", "failed", "cancelled"].contains(&r["state"].as_str())).collect();
    let n = ended.len() as f64;
    assert!(n > 30_000.0, "a long run: {n} jobs ended");
    let share = |state: &str| ended.iter().filter(|r| r["state"] == state).count() as f64 / n;
    let (failed, cancelled) = (share("failed"), share("cancelled"));
    // Failed GPU jobs: Helios 15.5 %, Philly 30.5 %, Kalos 39.7 %, Seren 42.9 %.
    assert!((0.155..=0.429).contains(&failed), "failed share {failed:.3}");
    // Cancelled GPU jobs: Kalos 6.2 %, Seren 7.5 %, Philly 9.0 %, Helios 22.1 %.
    assert!((0.062..=0.221).contains(&cancelled), "cancelled share {cancelled:.3}");
    assert_eq!(r.summary.jobs.failed as f64, failed * n);
    assert_eq!(r.summary.jobs.cancelled as f64, cancelled * n);

    // Median run time of GPU jobs: Seren 122 s, Kalos 124 s, Helios 206 s, PAI 481 s, Philly 874 s.
    let mut runs: Vec<f64> = ended.iter().map(|r| num(r, "run_s")).collect();
    runs.sort_by(f64::total_cmp);
    let median = runs[runs.len() / 2];
    assert!((122.0..=874.0).contains(&median), "median run time {median} s");

    // Sizes: the median GPU job of every trace asks one GPU; the mean is 1.9 (Philly), 3.7
    // (Helios), 5.7 (Seren) and 26.8 (Kalos) GPUs.
    let sizes: Vec<f64> = ended.iter().map(|r| num(r, "accelerators")).collect();
    let ones = sizes.iter().filter(|s| **s == 1.0).count() as f64 / n;
    let mean = sizes.iter().sum::<f64>() / n;
    assert!(ones >= 0.5, "single-accelerator share {ones:.3}");
    assert!((1.93..=26.77).contains(&mean), "mean size {mean:.2}");

    // Cancelled jobs' share of GPU time: Philly 29.4 %, Helios 39.4 %, Kalos 60.7 %, Seren 66.4 %
    // (users stop long runs). Failed GPU time is not compared: in the traces it includes
    // hardware failures, which aidc models apart (`[failures]` interrupts and restarts).
    let time =
        |state: &str| ended.iter().filter(|r| r["state"] == state).map(|r| num(r, "run_s") * num(r, "accelerators_allocated")).sum::<f64>();
    let cancelled_time = time("cancelled") / (time("completed") + time("failed") + time("cancelled"));
    assert!((0.294..=0.664).contains(&cancelled_time), "cancelled GPU-time share {cancelled_time:.3}");
    // Most failures come early: the median failed job ends within its first 2 minutes.
    let mut failed_runs: Vec<f64> = ended.iter().filter(|r| r["state"] == "failed").map(|r| num(r, "run_s")).collect();
    failed_runs.sort_by(f64::total_cmp);
    assert!(failed_runs[failed_runs.len() / 2] <= 120.0, "median failed run {} s", failed_runs[failed_runs.len() / 2]);
}

#[test]
fn failed_and_cancelled_jobs_hold_their_accelerators_until_they_end() {
    let dir = tempfile::tempdir().unwrap();
    // Every job asks 10 h of work and fails after exactly 1 h (sigma 0), or is cancelled then.
    let class = |state: &str| {
        let other = if state == "failed" { "cancelled" } else { "failed" };
        format!(
            "[[workload.classes]]\nname = \"t\"\nkind = \"other\"\nrate = \"1/h\"\nsize = {{ dist = \"fixed\", value = 8 }}\n\
             duration = {{ dist = \"fixed\", value = \"10h\" }}\n{state} = {{ share = 1.0, median = \"1h\", sigma = 0.0 }}\n\
             {other} = {{ share = 0.0 }}\n"
        )
    };
    for state in ["failed", "cancelled"] {
        let sc = from_text(&small(2, &class(state), "fifo", "2d"), dir.path()).unwrap();
        let out = dir.path().join(state);
        let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
        let rows = jobs(&out);
        let ended: Vec<_> = rows.iter().filter(|r| r["state"] == state).collect();
        assert!(ended.len() > 30, "{state}: {} jobs", ended.len());
        assert!(rows.iter().all(|r| r["state"] == state || r["state"] == "running" || r["state"] == "queued"), "{rows:?}");
        // Each held its 8 accelerators from its start to its end, 1 h later, with an end time.
        for j in &ended {
            assert_eq!((j["run_s"].as_str(), j["accelerators_allocated"].as_str()), ("3600", "8"), "{j:?}");
            assert!((num(j, "end_s") - num(j, "start_s") - 3600.0).abs() < 1e-6, "{j:?}");
        }
        let held_h = ended.len() as f64 * 8.0;
        let j = &r.summary.jobs;
        let lost = if state == "failed" { j.failed_accelerator_hours } else { j.cancelled_accelerator_hours };
        assert!((lost - held_h).abs() < 1e-6, "{state}: lost {lost} vs held {held_h}");
        assert!((j.by_class["t"].lost_accelerator_hours - held_h).abs() < 1e-6);
        assert_eq!(j.completed, 0);
        // The site's allocated accelerator-time counts them too (plus the jobs running at the end).
        let running_h: f64 = rows.iter().filter(|r| r["state"] == "running").map(|r| num(r, "run_s") * 8.0 / 3600.0).sum();
        let allocated_h = r.summary.utilization.allocated_mean * 32.0 * 48.0;
        assert!((allocated_h - held_h - running_h).abs() < 1e-3 * allocated_h, "{allocated_h} vs {held_h} + {running_h}");
    }
}

#[test]
fn a_generic_trace_keeps_each_jobs_final_state_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "submit,gpus,secs,state\n0,8,600,COMPLETED\n10,8,30,FAILED\n20,8,3600,CANCELLED by 1234\n30,8,120,NODE_FAIL\n",
    )
    .unwrap();
    let trace = "[workload.trace]\nfile = \"t.csv\"\ncolumns = { submit = \"submit\", accelerators = \"gpus\", duration = \"secs\", state = \"state\" }\n";
    let sc = from_text(&small(2, trace, "fifo", "1d"), dir.path()).unwrap();
    assert_round_trips(&sc, dir.path(), "resolved.toml");
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let mut rows = jobs(&out);
    rows.sort_by_key(|r| r["job_id"].parse::<u64>().unwrap());
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r["state"].as_str(), r["run_s"].as_str())).collect();
    assert_eq!(got, [("completed", "600"), ("failed", "30"), ("cancelled", "3600"), ("failed", "120")]);
    assert_eq!((r.summary.jobs.completed, r.summary.jobs.failed, r.summary.jobs.cancelled), (1, 2, 1));
    assert!((r.summary.jobs.failed_accelerator_hours - 8.0 * 150.0 / 3600.0).abs() < 1e-9);
}

#[test]
fn end_shares_are_checked_and_located_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let class = |extra: &str| format!("[[workload.classes]]\nname = \"t\"\nkind = \"debug\"\nrate = \"1/h\"\n{extra}\n");
    for (extra, field, says) in [
        ("failed = { share = 1.5 }", "workload.classes[0].failed.share", "from 0 to 1"),
        ("failed = { share = 0.6 }\ncancelled = { share = 0.6 }", "workload.classes[0].cancelled.share", "at most 1"),
        ("cancelled = { median = \"0s\" }", "workload.classes[0].cancelled.median", "above zero"),
        ("failed = { sigma = -1 }", "workload.classes[0].failed.sigma", "from 0 to 10"),
    ] {
        let err = from_text(&small(1, &class(extra), "fifo", "1d"), dir.path()).unwrap_err().to_string();
        assert!(err.contains(field) && err.contains(says), "{extra}: {err}");
    }
    // A field left out takes the kind's default (debug: 45 % fail after a median of 1 min).
    let sc = from_text(&small(1, &class("failed = { median = \"5min\" }"), "fifo", "1d"), dir.path()).unwrap();
    let e = sc.classes[0].ends;
    assert_eq!((e.failed.share, e.failed.median_ms, e.failed.sigma), (0.45, 300_000, 1.5));
    assert_round_trips(&sc, dir.path(), "resolved.toml");
}

/// A hardware failure that comes first interrupts a job that would fail on its own like any
/// other: it restarts from its checkpoint and still fails when its work reaches the point of its
/// own failure (a bug at step N recurs at step N); it is never restarted after that.
#[test]
fn a_failing_job_interrupted_by_hardware_restarts_and_still_fails_at_the_same_work() {
    let dir = tempfile::tempdir().unwrap();
    let class = "[[workload.classes]]\nname = \"t\"\nkind = \"other\"\nrate = \"0.5/h\"\nsize = { dist = \"fixed\", value = 8 }\n\
                 duration = { dist = \"fixed\", value = \"10h\" }\nfailed = { share = 1.0, median = \"5h\", sigma = 0.0 }\n\
                 cancelled = { share = 0.0 }\n";
    let text = format!(
        "{}\n[failures]\nnode = {{ mtbf = \"40h\", repair = \"1h\", repair_sigma = 0 }}\ncheckpoint = {{ interval = \"1h\", cost = \"1m\", restart = \"5m\" }}\n",
        small(4, class, "fifo", "20d")
    );
    let sc = from_text(&text, dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = jobs(&out);
    let failed: Vec<_> = rows.iter().filter(|r| r["state"] == "failed").collect();
    assert!(rows.iter().all(|r| ["failed", "running", "queued"].contains(&r["state"].as_str())), "none completes");
    let (clean, hit): (Vec<&Row>, Vec<&Row>) = failed.iter().copied().partition(|r| r["interruptions"] == "0");
    assert!(clean.len() > 20 && hit.len() > 5, "{} clean, {} interrupted", clean.len(), hit.len());
    // Uninterrupted: 5 h of work and 4 checkpoints of 1 min.
    assert!(clean.iter().all(|r| r["run_s"] == "18240"), "{clean:?}");
    // Interrupted: the last attempt restarts (5 min) from a checkpoint and does the rest, never more.
    assert!(hit.iter().all(|r| num(r, "run_s") <= 18_240.0 + 300.0), "{hit:?}");
    assert_eq!(r.summary.jobs.failed as usize, failed.len());
}
