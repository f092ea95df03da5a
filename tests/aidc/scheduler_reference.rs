//! The caches and indexes that make scheduling decisions cost what changed (the EASY
//! reservation kept while it holds, the index of when busy nodes free up, remembered failed
//! requests, skipped idle passes) against the reference that computes every decision afresh
//! (`scheduler.reference`): byte-identical outputs on every ready scenario, with its own policy,
//! and on the scheduling-heavy ones with every policy. Horizons are cut so that the whole
//! comparison runs in about a minute in release.

use std::path::{Path, PathBuf};

use crate::support::*;
use aidc::config::Policy;
use aidc::engine::{RunOptions, run_to_dir};
use aidc::scenario::Overrides;

const DAY_MS: u64 = 86_400_000;
const FILES: [&str; 3] = ["summary.json", "timeseries.csv", "jobs.csv"];

/// The ready scenarios of one folder (`scenarios/`, `scenarios/demo/`, `scenarios/validation/`).
fn ready_in(folder: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// Runs `path` cut to `days` (at most) with `policy`, with and without the caches, and asserts
/// byte-identical outputs; returns the jobs submitted (so that a test can check it ran jobs).
fn same_with_reference(path: &Path, days: u64, policy: Option<Policy>, dir: &Path) -> u64 {
    let full = aidc::scenario::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let overrides = Overrides { horizon_ms: Some(full.horizon_ms.min(days * DAY_MS)), policy, ..Default::default() };
    // A scenario whose racks enter service later keeps its horizon.
    let sc = aidc::scenario::load_with(path, &overrides)
        .or_else(|_| aidc::scenario::load_with(path, &Overrides { policy, ..Default::default() }))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reference = sc.clone();
    reference.scheduler.reference = true;
    let name = format!("{}-{policy:?}", path.file_stem().unwrap().to_string_lossy());
    let (a, b) = (dir.join(format!("{name}-fast")), dir.join(format!("{name}-reference")));
    let report = run_to_dir(&sc, &a, &RunOptions::default()).unwrap();
    run_to_dir(&reference, &b, &RunOptions::default()).unwrap();
    for f in FILES {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{}: {f} differs from the reference (policy {policy:?})", path.display());
    }
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
    report.summary.jobs.submitted
}

/// Days each ready scenario runs: large clusters for a few days, the rest for a month.
fn days_for(path: &Path) -> u64 {
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    match stem.as_str() {
        "bench-100k" => 2,
        s if s.contains("10k") || s.starts_with("frontier") => 7,
        _ => 30,
    }
}

#[test]
fn every_ready_scenario_schedules_the_same_as_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = 0;
    for folder in ["scenarios", "scenarios/demo", "scenarios/validation"] {
        for path in ready_in(folder) {
            // Federations (demo/east-west) run their sites through the same placement core,
            // covered by their single-site scenarios.
            if aidc::scenario::federation::load(&path, None, None).is_ok() {
                continue;
            }
            // Validation cases that are plant inputs rather than scenarios run no jobs.
            if folder.ends_with("validation") && aidc::scenario::load(&path).is_err() {
                continue;
            }
            jobs += same_with_reference(&path, days_for(&path), None, dir.path());
        }
    }
    assert!(jobs > 100_000, "the scenarios ran {jobs} jobs");
}

#[test]
fn every_policy_schedules_the_same_as_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["frontier-raps.toml", "inference-mix.toml", "wuhu-10k-failures.toml", "demo/quotas.toml", "bench-100k.toml"] {
        let path = ready_path(name);
        for (policy, _) in Policy::ALL {
            let jobs = same_with_reference(&path, days_for(&path).min(3), Some(policy), dir.path());
            assert!(jobs > 0, "{name}: no job under {policy:?}");
        }
    }
}
