//! `aidc sweep` end to end: aggregation checked by hand, independence from the thread count,
//! shards merged equal to one run, resuming, and bad specifications refused before any run.
//! Runs are 3-day classroom runs (a few milliseconds each in release).

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::support::*;

/// The arguments of the 3 x 3 grid (x 2 replications) used below, into `out`.
fn grid_args(out: &Path) -> Vec<String> {
    let args = [
        "sweep",
        "scenarios/classroom.toml",
        "--set",
        "simulation.horizon=3d",
        "--set",
        "scheduler.policy=fifo,backfill,priority",
        "--set",
        "workload.classes[name=debug].rate=30/d..90/d:30/d",
        "-n",
        "2",
        "--out",
        s(out),
    ];
    args.iter().map(|a| a.to_string()).collect()
}

/// The grid, quietly, with extra arguments.
fn grid(out: &Path, extra: &[&str]) -> Output {
    let mut args = grid_args(out);
    args.push("--quiet".into());
    args.extend(extra.iter().map(|a| a.to_string()));
    aidc(args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn grid_of_nine_points_with_two_replications_aggregates_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    assert_ok(&grid(&out, &[]));
    let runs = csv_rows(&out.join("sweep.csv"));
    let summary = csv_rows(&out.join("sweep_summary.csv"));
    assert_eq!(runs.len(), 1 + 18);
    assert_eq!(summary.len(), 1 + 9);
    let (h, sh) = (&runs[0], &summary[0]);
    let u = column(h, "utilization.allocated_mean");
    let (seed, policy, rate) = (column(h, "seed"), column(h, "scheduler.policy"), column(h, "workload.classes[name=debug].rate"));
    // Point 4 = (backfill, 60/d): runs 8 and 9. The first parameter varies slowest.
    assert_eq!((runs[9][policy].as_str(), runs[9][rate].as_str()), ("backfill", "60/d"));
    assert_eq!(runs[9][1], "4");
    // Replication 0 keeps the scenario seed; replication 1 has one seed shared by every point.
    assert!(runs[1..].iter().step_by(2).all(|r| r[seed] == "42"));
    assert!(runs[2..].iter().step_by(2).all(|r| r[seed] == runs[2][seed] && r[seed] != "42"));
    for p in 0..9 {
        let (a, b): (f64, f64) = (runs[1 + 2 * p][u].parse().unwrap(), runs[2 + 2 * p][u].parse().unwrap());
        // n = 2: mean (a + b) / 2, s = |a - b| / sqrt 2, half-width t(0.975, 1) s / sqrt 2.
        let (mean, half) = ((a + b) / 2.0, 12.706205 * (a - b).abs() / 2.0);
        let row = &summary[1 + p];
        assert_eq!(row[column(sh, "n")], "2");
        let got_mean: f64 = row[column(sh, "utilization.allocated_mean.mean")].parse().unwrap();
        let got_half: f64 = row[column(sh, "utilization.allocated_mean.ci95")].parse().unwrap();
        assert!((got_mean - mean).abs() < 1e-12, "point {p}: mean {got_mean} vs {mean}");
        assert!((got_half - half).abs() < 1e-9, "point {p}: half-width {got_half} vs {half}");
        assert!(a > 0.0 && a <= 1.0);
    }
    let manifest: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 18);
    assert_eq!(manifest["complete"], true);
    assert!(!out.join("sweep.partial.jsonl").exists());
}

fn same_tables(a: &Path, b: &Path) {
    for f in ["sweep.csv", "sweep_summary.csv"] {
        let (x, y) = (fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn one_and_two_threads_give_identical_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("t1"), tmp.path().join("t2"));
    assert_ok(&grid(&one, &["--threads", "1"]));
    assert_ok(&grid(&two, &["--threads", "2"]));
    same_tables(&one, &two);
}

#[test]
fn merged_shards_equal_a_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    assert_ok(&grid(&single, &[]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let dir = tmp.path().join(format!("shard-{k}"));
        assert_ok(&grid(&dir, &["--shard", &format!("{k}/3")]));
        let rows = csv_rows(&dir.join("sweep.csv"));
        assert_eq!(rows.len(), 1 + 6, "shard {k} holds every third run");
        shards.push(dir);
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["sweep", "merge"];
    args.extend(shards.iter().map(|d| s(d)));
    args.extend(["--out", s(&merged), "--quiet"]);
    assert_ok(&aidc(&args));
    same_tables(&single, &merged);
    // A merge with a shard missing says so.
    let o = aidc(["sweep", "merge", s(&shards[0]), s(&shards[1]), "--out", s(&tmp.path().join("part"))]);
    assert_ok(&o);
    assert!(stderr(&o).contains("6 of 18 runs are missing"), "{}", stderr(&o));
}

#[test]
fn a_rerun_skips_finished_runs_and_gives_the_same_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let (full, resumed) = (tmp.path().join("full"), tmp.path().join("resumed"));
    assert_ok(&grid(&full, &[]));
    // An interrupted sweep: its marker, the plan, 5 finished runs, and a line cut short by the
    // interruption.
    fs::create_dir_all(&resumed).unwrap();
    fs::copy(full.join(".aidc-output"), resumed.join(".aidc-output")).unwrap();
    fs::copy(full.join("sweep.json"), resumed.join("sweep.json")).unwrap();
    let csv = fs::read_to_string(full.join("sweep.csv")).unwrap();
    let first: Vec<&str> = csv.lines().take(6).collect();
    fs::write(resumed.join("sweep.csv"), first.join("\n") + "\n").unwrap();
    fs::write(resumed.join("sweep.partial.jsonl"), "{\"run\":7,\"se").unwrap();
    let loud = |out: &Path| {
        let args = grid_args(out);
        aidc(args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = loud(&resumed);
    assert_ok(&o);
    assert!(stderr(&o).contains("5 of 18 runs already done"), "{}", stderr(&o));
    same_tables(&full, &resumed);
    let o = loud(&resumed);
    assert_ok(&o);
    assert!(stderr(&o).contains("18 of 18 runs already done"), "{}", stderr(&o));
    same_tables(&full, &resumed);
    // A different plan in the same folder is refused unless --fresh.
    let o = aidc(["sweep", "scenarios/classroom.toml", "--set", "simulation.horizon=1d", "--quiet", "--out", s(&resumed)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--fresh"));
    let o = aidc(["sweep", "scenarios/classroom.toml", "--set", "simulation.horizon=1d", "--quiet", "--fresh", "--out", s(&resumed)]);
    assert_ok(&o);
    assert_eq!(csv_rows(&resumed.join("sweep.csv")).len(), 2);
}

#[test]
fn bad_specifications_fail_before_any_run_naming_the_path() {
    let cases: [(&[&str], &str); 9] = [
        (&["--set", "scheduler.polcy=fifo"], "polcy"),
        (&["--set", "scheduler.policy=fifo,lottery"], "scheduler.policy"),
        (&["--set", "workload.classes.9.rate=1/h"], "workload.classes.9.rate"),
        (&["--set", "workload.classes[name=nope].rate=1/h"], "workload.classes[name=nope].rate"),
        (&["--set", "workload.classes.0.rate=5/h..1/h:1/h"], "workload.classes.0.rate"),
        (&["--set", "workload.classes.0.rate=1/h..5/d:1/h"], "workload.classes.0.rate"),
        (&["--set", "simulation.seed=1.5"], "simulation.seed"),
        (&["--set", "halls.0.racks.0.count=1..4"], "halls.0.racks.0.count"),
        (&["--set", "halls[0].racks[0].count=4,0"], "halls[0].racks[0].count"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (i, (args, path)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("bad{i}"));
        let mut all = vec!["sweep", "scenarios/classroom.toml", "--quiet", "--out", s(&out)];
        all.extend_from_slice(args);
        let o = aidc(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: expected exit 2\n{err}");
        assert!(err.contains(path), "{args:?}: the message should name {path}:\n{err}");
        assert!(!out.exists(), "{args:?}: nothing may be written before the plan is valid");
    }
}
