//! Resource guards (issue 12, item 4): a design that would not fit in memory or on disk is
//! refused with exit code 2 and the field that drives it, before anything is built; the
//! `--allow-large` flag lets a big run through knowingly; `check` prints the estimate; the
//! queue is bounded by `scheduler.max_queued`; `forecast -n` is bounded as sweeps are.
//!
//! The memory figure is pinned with `AIDC_MAX_MEMORY` (and the output bound with
//! `AIDC_MAX_OUTPUT`) so that the outcome does not depend on the machine the tests run on.

use std::path::Path;

use crate::support::*;

const CLASSROOM: &str = include_str!("../../scenarios/classroom.toml");

/// The classroom scenario with each `(from, to)` replaced once.
fn classroom_with(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(CLASSROOM.to_string(), |text, (from, to)| edit(&text, from, to))
}

/// Asserts that `args` exits 2 naming `file:line:` and `field`, and leaves nothing in `dir/out`.
fn assert_refused(dir: &Path, env: &[(&str, &str)], args: &[&str], line: usize, field: &str) -> String {
    let o = aidc_env(dir, env, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?} should be refused: {err}");
    assert!(err.contains(&format!("big.toml:{line}:")) && err.contains(field), "{args:?}: expected big.toml:{line}: {field}, got {err}");
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name()).filter(|n| n != "big.toml").collect();
    assert!(left.is_empty(), "{args:?} left {left:?} behind");
    err
}

const EIGHT_GIB: (&str, &str) = ("AIDC_MAX_MEMORY", "8GiB");

#[test]
fn huge_designs_are_refused_with_their_field_before_anything_is_built() {
    let cases = [
        // Ten million racks: 14 GiB of equipment.
        (
            vec![("\ncount = 8\n", "\ncount = 10000000\n"), ("\nnodes = 4\n", "\nnodes = 1\n")],
            "count = 10000000",
            "halls[0].racks[0].count",
        ),
        // A billion accelerators: 15,625,000 nodes of 64, 142 GiB.
        (
            vec![
                ("\ncount = 8\n", "\ncount = 15625000\n"),
                ("\nnodes = 4\n", "\nnodes = 1\n"),
                ("platform = \"Atlas-800T-A2\"\n", "platform = \"Atlas-800T-A2\"\naccelerators = 64\n"),
            ],
            "count = 15625000",
            "halls[0].racks[0].count",
        ),
        // A row every millisecond for a year: 3e10 rows of timeseries.csv, 4 TiB.
        (vec![("step = \"5m\"", "step = \"1ms\""), ("horizon = \"30d\"", "horizon = \"365d\"")], "step = \"1ms\"", "simulation.step"),
    ];
    for (edits, needle, field) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let text = classroom_with(&edits);
        std::fs::write(tmp.path().join("big.toml"), &text).unwrap();
        let line = line_of(&text, needle);
        let err = assert_refused(tmp.path(), &[EIGHT_GIB], &["run", "big.toml", "--out", "out"], line, field);
        assert!(err.contains("this run"), "{err}");
        assert_refused(tmp.path(), &[EIGHT_GIB], &["check", "big.toml"], line, field);
        // The designs do not fit in 8 GiB even with the flag (the fine step needs 4 TiB of
        // disk; whether a disk has it is the machine's, so it is left out here).
        if field != "simulation.step" {
            assert_refused(tmp.path(), &[EIGHT_GIB], &["run", "big.toml", "--out", "out", "--allow-large"], line, field);
        }
    }
}

#[test]
fn allow_large_lets_a_moderately_large_design_through() {
    // Classroom writes about 2 MiB; with a 1 MB bound it is over, and the flag lets it run.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("big.toml"), CLASSROOM).unwrap();
    let bound = [("AIDC_MAX_OUTPUT", "1MB")];
    let line = line_of(CLASSROOM, "step = ");
    let err = assert_refused(tmp.path(), &bound, &["run", "big.toml", "--out", "out", "--quiet"], line, "simulation.step");
    assert!(err.contains("--allow-large"), "the refusal should name the flag: {err}");
    let o = aidc_env(tmp.path(), &bound, ["run", "big.toml", "--out", "out", "--quiet", "--allow-large"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(tmp.path().join("out").join("timeseries.csv").is_file());

    // Memory likewise: 100,000 racks of a node (about 150 MiB) on 256 MiB, checked only.
    let text = classroom_with(&[("\ncount = 8\n", "\ncount = 100000\n"), ("\nnodes = 4\n", "\nnodes = 1\n")]);
    std::fs::write(tmp.path().join("big.toml"), &text).unwrap();
    let small = [("AIDC_MAX_MEMORY", "256MiB")];
    let o = aidc_env(tmp.path(), &small, ["check", "big.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("halls[0].racks[0].count") && stderr(&o).contains("pass --allow-large"), "{}", stderr(&o));
    let o = aidc_env(tmp.path(), &small, ["check", "big.toml", "--allow-large"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn check_prints_the_estimate() {
    let o = aidc(["check", "scenarios/classroom.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for want in ["memory     about ", "equipment ", "available here", "timeseries.csv 8,641 rows x 21 columns", "jobs.csv about 3,6"] {
        assert!(out.contains(want), "check should print {want:?}:\n{out}");
    }
    assert!(out.contains(" MiB"), "sizes are for people:\n{out}");
}

#[test]
fn forecast_replications_are_bounded_like_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("f");
    let o = aidc(["forecast", "scenarios/classroom.toml", "-n", "4000000000", "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--replications") && stderr(&o).contains("10,000,000"), "{}", stderr(&o));
    assert!(!out.exists());
    // An expansion beyond the node limit is refused by its flag.
    let o = aidc(["forecast", "scenarios/classroom.toml", "--expand", "100000000@2", "--months", "2", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--expand 100000000@2"), "{}", stderr(&o));
}

#[test]
fn a_sweep_point_too_large_is_refused_by_its_assignment() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let (count, nodes) = ("halls.0.racks.0.count=8,10000000", "halls.0.racks.0.nodes=1");
    let args = ["sweep", "scenarios/classroom.toml", "--set", count, "--set", nodes, "--quiet", "--out", out.to_str().unwrap()];
    let o = aidc_env(&root(), &[EIGHT_GIB], args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("--set halls.0.racks.0.count=10000000 halls.0.racks.0.nodes=1: halls[0].racks[0].count: this run needs"), "{err}");
    assert!(!out.exists(), "nothing ran, nothing was written");
}

#[test]
fn the_queue_holds_at_most_max_queued_jobs() {
    // 100 jobs an hour of all 256 accelerators for a day: the queue overflows its cap of 20.
    let text = classroom_with(&[("backfill_depth = 64", "backfill_depth = 64\nmax_queued = 20")])
        + "\n[[workload.classes]]\nname = \"flood\"\nkind = \"other\"\nrate = \"100/h\"\nsize = { dist = \"fixed\", value = 256 }\nduration = { dist = \"fixed\", value = \"2h\" }\n";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("q.toml"), &text).unwrap();
    let o = aidc_in(tmp.path(), ["run", "q.toml", "--horizon", "1d", "--out", "out", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let jobs = std::fs::read_to_string(tmp.path().join("out/jobs.csv")).unwrap();
    let full = jobs.lines().filter(|l| l.contains("queue full")).count();
    let queued = jobs.lines().filter(|l| l.contains(",queued,")).count();
    assert!(full > 1000, "most of the flood is refused at the door: {full}");
    assert!(queued <= 20, "{queued} jobs still queued at the end");
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/run.json")).unwrap()).unwrap();
    let peak = run["peak_live_jobs"].as_u64().unwrap();
    // No preemption and no failures here, so no job is put back in the queue past the cap.
    assert!(peak <= 20 + 256, "at most 20 waiting and one running job per accelerator: {peak}");

    // A cap of zero is a located error.
    let bad = text.replacen("max_queued = 20", "max_queued = 0", 1);
    std::fs::write(tmp.path().join("big.toml"), &bad).unwrap();
    let line = line_of(&bad, "max_queued = 0");
    let o = aidc_in(tmp.path(), ["check", "big.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("big.toml:{line}:")) && stderr(&o).contains("scheduler.max_queued"), "{}", stderr(&o));
}

#[test]
fn a_node_list_of_too_many_designs_is_refused_at_its_line() {
    // Every node a design of its own: 4,097 node types and placement pools.
    let tmp = tempfile::tempdir().unwrap();
    let mut nodes = String::from("sn,cpu_milli,memory_mib,gpu,model\n");
    for i in 0..4097 {
        nodes.push_str(&format!("n{i},{},65536,1,T4\n", 8000 + i));
    }
    std::fs::write(tmp.path().join("nodes.csv"), nodes).unwrap();
    let pods = format!("{TRACES}/pods_share.csv");
    let text = format!(
        "name = \"many\"\n[simulation]\nhorizon = \"1d\"\n[cluster]\nnode_list = \"nodes.csv\"\n[workload.trace]\nfile = \"{pods}\"\nformat = \"alibaba-v2023\"\n"
    );
    std::fs::write(tmp.path().join("many.toml"), text).unwrap();
    let o = aidc_in(tmp.path(), ["check", "many.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nodes.csv:4098") && stderr(&o).contains("4096 distinct node designs"), "{}", stderr(&o));
}
