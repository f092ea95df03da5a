//! End-to-end tests of the `aidc` binary: what `run`, `check`, `catalog`, `--help` and
//! `--version` print and write. Every run is short (`--horizon 3d` of the classroom, a few
//! milliseconds in release) and writes into its own temporary folder.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

/// What a run of the classroom (which has a facility, hence alarms.csv) writes, with the marker
/// that makes the folder aidc's.
const OUTPUTS: [&str; 7] =
    [".aidc-output", "alarms.csv", "jobs.csv", "run.json", "scenario.resolved.toml", "summary.json", "timeseries.csv"];

/// Files that must be identical when a run is repeated (run.json holds wall-clock figures).
const DETERMINISTIC: [&str; 3] = ["summary.json", "timeseries.csv", "jobs.csv"];

/// `aidc run scenarios/classroom.toml --quiet --horizon 3d --out <tmp>/out <extra>`; returns the
/// temporary folder (keep it alive) and the output folder.
fn run_classroom(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let mut args = vec!["run", "scenarios/classroom.toml", "--out", s(&out), "--quiet", "--horizon", "3d"];
    args.extend_from_slice(extra);
    let o = aidc(&args);
    assert_ok(&o);
    (tmp, out)
}

/// The value at a dotted path, failing with the path when it is absent.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| v.get(k).unwrap_or_else(|| panic!("summary.json has no key `{path}` (missing `{k}`)")))
}

fn header(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().next().unwrap_or("").split(',').map(str::to_string).collect()
}

#[test]
fn quiet_run_writes_exactly_the_outputs_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = aidc(["run", "scenarios/classroom.toml", "--out", s(&out), "--quiet", "--horizon", "3d"]);
    assert_ok(&o);
    assert_eq!(stdout(&o), "", "--quiet prints nothing on stdout");
    assert_eq!(names(&out), OUTPUTS, "the output folder holds exactly the outputs");
    assert_eq!(names(tmp.path()), ["out"], "no temporary folder is left beside the output folder");
    for f in OUTPUTS {
        assert!(fs::metadata(out.join(f)).unwrap().len() > 0, "{f} is empty");
    }
}

#[test]
fn summary_has_every_required_key() {
    let (_tmp, out) = run_classroom(&[]);
    let s = summary_json(&out);
    let keys = [
        "scenario.name",
        "scenario.seed",
        "scenario.horizon_s",
        "capacity.accelerators",
        "capacity.nodes",
        "capacity.racks",
        "capacity.peak_pflops_fp16",
        "capacity.it_design_kw",
        "jobs.submitted",
        "jobs.completed",
        "jobs.rejected",
        "jobs.running_at_end",
        "jobs.queued_at_end",
        "jobs.wait_s.mean",
        "jobs.wait_s.p50",
        "jobs.wait_s.p95",
        "jobs.wait_s.p99",
        "utilization.allocated_mean",
        "utilization.effective_mean",
        "idle_capacity.accelerator_hours_unallocated",
        "idle_capacity.fraction_unallocated",
        "energy.it_kwh",
        "power.it_kw.mean",
        "power.it_kw.max",
    ];
    for k in keys {
        let v = at(&s, k);
        if k != "scenario.name" {
            assert!(v.is_number(), "summary.json `{k}` is not a number: {v}");
        }
    }
    assert_eq!(at(&s, "scenario.name"), "classroom");
    assert_eq!(at(&s, "capacity.accelerators").as_u64(), Some(256));
    assert_eq!(at(&s, "capacity.nodes").as_u64(), Some(32));
    assert_eq!(at(&s, "capacity.racks").as_u64(), Some(8));
    assert_eq!(at(&s, "scenario.horizon_s").as_f64(), Some(3.0 * 86_400.0), "--horizon 3d overrides the 30d of the file");
    assert_eq!(at(&s, "scenario.seed").as_u64(), Some(42), "the seed of the file is kept without --seed");
    let alloc = at(&s, "utilization.allocated_mean").as_f64().unwrap();
    let eff = at(&s, "utilization.effective_mean").as_f64().unwrap();
    assert!((0.0..=1.0).contains(&alloc) && eff <= alloc + 1e-12, "utilization allocated {alloc}, effective {eff}");
    let idle = at(&s, "idle_capacity.fraction_unallocated").as_f64().unwrap();
    assert!((idle + alloc - 1.0).abs() < 1e-9, "unallocated fraction {idle} + allocated mean {alloc} should be 1");
    let submitted = at(&s, "jobs.submitted").as_u64().unwrap();
    assert!(submitted > 0, "three days of the classroom submit jobs");
    let p = |k: &str| at(&s, k).as_f64().unwrap();
    assert!(p("power.it_kw.mean") > 0.0 && p("power.it_kw.mean") <= p("power.it_kw.max") + 1e-9);
    assert!(p("power.it_kw.max") <= p("capacity.it_design_kw") + 1e-9, "IT power never exceeds the design power");
}

#[test]
fn seed_flag_shows_in_summary() {
    let (_tmp, out) = run_classroom(&["--seed", "7"]);
    let s = summary_json(&out);
    assert_eq!(at(&s, "scenario.seed").as_u64(), Some(7));
    let resolved = fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.lines().any(|l| l.trim() == "seed = 7"), "the resolved scenario records the overriding seed:\n{resolved}");
}

#[test]
fn csv_outputs_have_the_documented_columns() {
    let (_tmp, out) = run_classroom(&[]);
    let ts = header(&out.join("timeseries.csv"));
    for c in ["time_s", "accelerators_allocated", "utilization_allocated", "it_power_kw", "queue_length", "running_jobs"] {
        assert!(ts.iter().any(|h| h == c), "timeseries.csv lacks column {c}; header: {ts:?}");
    }
    assert_eq!(ts.first().map(String::as_str), Some("time_s"), "time comes first");
    let jobs = header(&out.join("jobs.csv"));
    for c in ["job_id", "class", "accelerators", "submit_s", "start_s", "end_s", "wait_s", "state"] {
        assert!(jobs.iter().any(|h| h == c), "jobs.csv lacks column {c}; header: {jobs:?}");
    }
    // Three days sampled every 5 minutes.
    let rows = fs::read_to_string(out.join("timeseries.csv")).unwrap().lines().count() - 1;
    assert_eq!(rows, 3 * 24 * 12, "one timeseries row per 5-minute step");
    let job_rows = fs::read_to_string(out.join("jobs.csv")).unwrap().lines().count() - 1;
    assert!(job_rows > 0, "jobs.csv has job rows");
}

#[test]
fn run_json_has_run_facts() {
    let (_tmp, out) = run_classroom(&[]);
    let r = read_json(&out.join("run.json"));
    for k in ["events", "wall_s", "events_per_s", "version"] {
        assert!(r.get(k).is_some(), "run.json lacks `{k}`: {r}");
    }
    assert!(r["events"].as_u64().unwrap() > 0);
    assert!(r["wall_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(r["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn run_without_quiet_prints_a_summary_and_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("loud");
    let o = aidc(["run", "scenarios/classroom.toml", "--out", s(&out), "--horizon", "2d"]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("utilization"), "stdout mentions utilization:\n{text}");
    assert!(
        text.lines().any(|l| l.contains("Accelerators installed") && l.trim_end().ends_with(" 256")),
        "stdout mentions the installed accelerators:\n{text}"
    );
    assert!(text.contains(&out.display().to_string()), "stdout names the output folder {}:\n{text}", out.display());
    assert_eq!(names(&out), OUTPUTS);
}

#[test]
fn rerun_into_the_same_folder_replaces_it_unless_it_holds_a_file_aidc_did_not_write() {
    let (tmp, out) = run_classroom(&["--seed", "1"]);
    let first = fs::read(out.join("summary.json")).unwrap();
    let rerun = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/classroom.toml", "--out", s(&out), "-q", "--horizon", "3d", "--seed", "2"];
        args.extend_from_slice(extra);
        aidc(args)
    };
    fs::write(out.join("notes.txt"), "the user's").unwrap();
    let o = rerun(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("notes.txt") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), first, "the folder is untouched");
    fs::remove_file(out.join("notes.txt")).unwrap();
    assert_ok(&rerun(&[]));
    assert_ne!(fs::read(out.join("summary.json")).unwrap(), first, "summary.json is the new run's (seed 2)");
    assert_eq!(at(&summary_json(&out), "scenario.seed").as_u64(), Some(2));
    fs::write(out.join("notes.txt"), "the user's").unwrap();
    assert_ok(&rerun(&["--force"]));
    assert_eq!(names(&out), OUTPUTS, "--force replaced the folder, notes.txt included");
    assert_eq!(names(tmp.path()), ["out"], "no temporary or old folder is left beside the output folder");
}

#[test]
fn default_output_folder_is_output_slash_name() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = ready_path("classroom.toml");
    let o = aidc_in(tmp.path(), ["run", s(&scenario), "-q", "--horizon", "1d"]);
    assert_ok(&o);
    assert_eq!(names(tmp.path()), ["output"]);
    assert_eq!(names(&tmp.path().join("output")), ["classroom"]);
    assert_eq!(names(&tmp.path().join("output/classroom")), OUTPUTS);
}

#[test]
fn check_classroom_prints_the_design() {
    let o = aidc(["check", "scenarios/classroom.toml"]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("256 accelerators"), "check shows the installed accelerators:\n{text}");
    assert!(text.contains("Ascend-910B"), "check names the accelerator model:\n{text}");
    let peak = text.lines().find(|l| l.starts_with("peak")).unwrap_or_else(|| panic!("no peak line:\n{text}"));
    assert!(peak.contains("PFLOPS") && peak.contains("fp16 96.3"), "peak line shows dense FP16 PFLOPS (256 x 376 TFLOPS): {peak}");
    let power = text.lines().find(|l| l.starts_with("IT power")).unwrap_or_else(|| panic!("no IT power line:\n{text}"));
    assert!(power.contains("design") && power.contains("kW"), "IT design power line: {power}");
    assert!(o.stderr.is_empty(), "check of a valid scenario prints nothing on stderr: {}", stderr(&o));
}

#[test]
fn check_wuhu_shows_10240_accelerators() {
    let o = aidc(["check", "scenarios/wuhu-10k.toml"]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("10,240 accelerators"), "check shows 10,240 accelerators:\n{text}");
}

#[test]
fn check_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = ready_path("classroom.toml");
    let o = aidc_in(tmp.path(), ["check", s(&scenario)]);
    assert_ok(&o);
    assert!(names(tmp.path()).is_empty(), "check created {:?}", names(tmp.path()));
}

#[test]
fn catalog_lists_accelerators() {
    let o = aidc(["catalog", "accelerators"]);
    assert_ok(&o);
    let text = stdout(&o);
    for id in ["H100-SXM", "Ascend-910B"] {
        assert!(text.lines().any(|l| l.split_whitespace().next() == Some(id)), "catalog lists {id}:\n{text}");
    }
}

#[test]
fn catalog_json_is_valid_and_sourced() {
    let o = aidc(["catalog", "accelerators", "--json"]);
    assert_ok(&o);
    let v: Value = serde_json::from_slice(&o.stdout).expect("catalog --json prints valid JSON");
    let all = v.as_array().expect("a JSON array of accelerators");
    let h100 = all.iter().find(|e| e["id"] == "H100-SXM").expect("an entry with id H100-SXM");
    assert!(h100["source"].as_str().is_some_and(|s| !s.trim().is_empty()), "H100-SXM has a source: {h100}");
    assert!(all.iter().any(|e| e["id"] == "Ascend-910B"));
    for e in all {
        assert!(e["id"].is_string(), "every entry has an id: {e}");
    }
}

#[test]
fn help_has_examples() {
    for args in [&["--help"][..], &["run", "--help"], &["check", "--help"], &["catalog", "--help"], &["help", "run"]] {
        let o = aidc(args);
        assert_ok(&o);
        let text = stdout(&o);
        assert!(text.contains("Example"), "`aidc {}` shows an example:\n{text}", args.join(" "));
        assert!(text.contains("Usage"), "`aidc {}` shows usage:\n{text}", args.join(" "));
    }
}

#[test]
fn version_prints_the_crate_version() {
    let o = aidc(["--version"]);
    assert_ok(&o);
    assert!(stdout(&o).contains(env!("CARGO_PKG_VERSION")), "version: {}", stdout(&o));
    let o = aidc(["run", "--version"]);
    assert_ok(&o);
}

#[test]
fn same_seed_same_outputs() {
    let (_a, a) = run_classroom(&["--seed", "11"]);
    let (_b, b) = run_classroom(&["--seed", "11"]);
    for f in DETERMINISTIC {
        assert!(fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(), "{f} differs between two identical runs");
    }
}

#[test]
fn resolved_scenario_reproduces_the_run() {
    let (_tmp, first) = run_classroom(&["--seed", "7"]);
    let resolved = first.join("scenario.resolved.toml");
    let tmp2 = tempfile::tempdir().unwrap();
    // With the same overrides as the first run...
    let again = tmp2.path().join("again");
    let o = aidc(["run", s(&resolved), "--out", s(&again), "-q", "--horizon", "3d", "--seed", "7"]);
    assert_ok(&o);
    // ...and with none: the resolved file already holds the overridden horizon and seed.
    let plain = tmp2.path().join("plain");
    let o = aidc(["run", s(&resolved), "--out", s(&plain), "-q"]);
    assert_ok(&o);
    for dir in [&again, &plain] {
        for f in DETERMINISTIC {
            assert!(
                fs::read(first.join(f)).unwrap() == fs::read(dir.join(f)).unwrap(),
                "{f} of {} differs from the first run's",
                dir.display()
            );
        }
    }
    // The resolved scenario is a fixed point: resolving it again gives the same text (bar the header comment).
    let body = |p: &Path| fs::read_to_string(p).unwrap().lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&resolved), body(&plain.join("scenario.resolved.toml")));
}

/// A tiny trace-driven scenario in `dir` (the scenario and `trace.csv`), with a daily step so
/// that long horizons stay cheap.
fn write_trace_scenario(dir: &Path) -> PathBuf {
    let scenario = dir.join("s.toml");
    fs::write(
        &scenario,
        r#"name = "tiny"
[simulation]
horizon = "1d"
step = "1d"
[[node_types]]
name = "n"
accelerator = "H100-SXM"
accelerators = 8
[[halls]]
name = "h"
[[halls.racks]]
count = 1
nodes = 2
node_type = "n"
[workload.trace]
file = "trace.csv"
columns = { submit = "submit", accelerators = "gpus", duration = "dur" }
"#,
    )
    .unwrap();
    fs::write(dir.join("trace.csv"), "submit,gpus,dur\n0,8,3600\n600,16,1800\n").unwrap();
    scenario
}

#[test]

fn resolved_scenario_with_a_relative_trace_can_be_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    write_trace_scenario(tmp.path());
    // Relative paths, as a user typically types them.
    let o = aidc_in(tmp.path(), ["run", "s.toml", "--out", "out", "-q"]);
    assert_ok(&o);
    let o = aidc_in(tmp.path(), ["run", "out/scenario.resolved.toml", "--out", "again", "-q"]);
    assert_ok(&o);
    for f in DETERMINISTIC {
        assert!(fs::read(tmp.path().join("out").join(f)).unwrap() == fs::read(tmp.path().join("again").join(f)).unwrap(), "{f} differs");
    }
}

#[test]
fn resolved_scenario_with_an_absolute_trace_can_be_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_trace_scenario(tmp.path());
    let out = tmp.path().join("out");
    let o = aidc(["run", s(&scenario), "--out", s(&out), "-q"]);
    assert_ok(&o);
    let again = tmp.path().join("again");
    let o = aidc(["run", s(&out.join("scenario.resolved.toml")), "--out", s(&again), "-q"]);
    assert_ok(&o);
    for f in DETERMINISTIC {
        assert!(fs::read(out.join(f)).unwrap() == fs::read(again.join(f)).unwrap(), "{f} differs");
    }
    let s = summary_json(&out);
    assert_eq!(at(&s, "jobs.submitted").as_u64(), Some(2), "both trace jobs are submitted");
}

#[test]

fn horizon_flag_obeys_the_scenario_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write_trace_scenario(tmp.path());
    let out = tmp.path().join("out");
    let o = aidc(["run", s(&scenario), "--out", s(&out), "-q", "--horizon", "51y"]);
    if o.status.code() == Some(0) {
        // Accepted: then the run's own resolved scenario must at least be valid.
        let c = aidc(["check", s(&out.join("scenario.resolved.toml"))]);
        panic!(
            "--horizon 51y was accepted although simulation.horizon allows at most 50 years; check of its resolved scenario: exit {:?}, {}",
            c.status.code(),
            stderr(&c)
        );
    }
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("--horizon"), "stderr names --horizon: {}", stderr(&o));
    assert!(!out.exists());
}
