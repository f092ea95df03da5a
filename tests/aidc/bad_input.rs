//! Bad input regressions: every wrong scenario, trace or command line exits with code 2, prints
//! `error: <file>:<line>:<col>: <field>: <message>` (or the CSV line and column for traces), and
//! leaves no output folder and no temporary folder behind.
//!
//! Each case starts from a small valid fixture (`tests/fixtures/bad/base.toml`, or `trace.toml`
//! with a `trace_*.csv`), changes one thing, writes it to a fresh temporary folder and runs
//! `aidc run <tmp>/bad.toml --out <tmp>/out`.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;

/// The name every bad scenario is written under.
const BAD: &str = "bad.toml";

/// A fixture of `tests/fixtures/bad/`.
fn fixture(name: &str) -> String {
    let p = fixture_path("bad").join(name);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", p.display()))
}

fn base() -> String {
    fixture("base.toml")
}

/// A temporary folder holding a bad scenario and the files it refers to.
struct Case {
    tmp: tempfile::TempDir,
}

impl Case {
    /// Writes `text` as `bad.toml` and each `(name, contents)` beside it.
    fn new(text: &str, files: &[(&str, &str)]) -> Case {
        let tmp = tempfile::tempdir().expect("temp dir");
        fs::write(tmp.path().join(BAD), text).unwrap();
        for (name, contents) in files {
            fs::write(tmp.path().join(name), contents).unwrap();
        }
        Case { tmp }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn scenario(&self) -> PathBuf {
        self.dir().join(BAD)
    }

    fn out(&self) -> PathBuf {
        self.dir().join("out")
    }

    /// `aidc run <tmp>/bad.toml --out <tmp>/out`.
    fn run(&self) -> Output {
        aidc_in(self.dir(), [OsStr::new("run"), self.scenario().as_os_str(), OsStr::new("--out"), self.out().as_os_str()])
    }

    /// `aidc check <tmp>/bad.toml`.
    fn check(&self) -> Output {
        aidc_in(self.dir(), [OsStr::new("check"), self.scenario().as_os_str()])
    }

    /// Asserts that nothing was written: no `out`, no `.out.tmp-*`, only the inputs.
    fn assert_nothing_written(&self, inputs: &[&str]) {
        assert!(!self.out().exists(), "a failed run must not create the output folder");
        let mut found: Vec<String> =
            fs::read_dir(self.dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        found.sort();
        let mut want: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(found, want, "a failed run leaves only its inputs (no .out.tmp-* folder)");
    }
}

/// Asserts a bad-input failure: exit code 2, nothing on stdout, no panic, and stderr that starts
/// with `error: ` and contains `file`, `field` and, where given, `file:line:`. Returns stderr.
fn assert_bad(o: &Output, file: &str, field: &str, line: Option<usize>) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "expected exit code 2 (bad input), stderr:\n{err}");
    assert!(!err.contains("panicked"), "the binary panicked:\n{err}");
    assert!(o.stdout.is_empty(), "nothing on stdout on bad input, found:\n{}", stdout(o));
    assert!(err.starts_with("error: "), "stderr starts with `error: `:\n{err}");
    assert!(err.contains(file), "stderr names the file {file}:\n{err}");
    assert!(err.contains(field), "stderr names the field {field}:\n{err}");
    if let Some(line) = line {
        let at = format!("{file}:{line}:");
        assert!(err.contains(&at), "stderr gives the position {at}<column>:\n{err}");
        let located = format!(": {field}");
        assert!(err.contains(&located), "the field follows the position (`{at}<col>{located}: ...`):\n{err}");
    }
    err
}

/// Writes `text` as a bad scenario, runs it, and checks the failure names `field` on the line of
/// `needle` (a text unique to the changed line). Returns stderr.
fn bad_scenario(text: &str, field: &str, needle: &str) -> String {
    let case = Case::new(text, &[]);
    let o = case.run();
    let err = assert_bad(&o, BAD, field, Some(line_of(text, needle)));
    case.assert_nothing_written(&[BAD]);
    err
}

#[test]
fn the_fixtures_are_valid() {
    let case = Case::new(&base(), &[]);
    let o = case.check();
    assert_eq!(o.status.code(), Some(0), "base.toml is valid: {}", stderr(&o));
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", &fixture("trace_ok.csv"))]);
    let o = case.run();
    assert_eq!(o.status.code(), Some(0), "trace.toml with trace_ok.csv is valid: {}", stderr(&o));
    assert!(case.out().join("summary.json").exists());
}

// 1. Malformed TOML.

#[test]
fn malformed_toml_unclosed_bracket() {
    let text = edit(&base(), "[scheduler]", "[scheduler");
    let err = bad_scenario(&text, "malformed TOML", "[scheduler");
    assert!(err.contains("]"), "says what is expected: {err}");
}

#[test]
fn malformed_toml_missing_quote() {
    let text = edit(&base(), "name = \"hall-1\"", "name = \"hall-1");
    bad_scenario(&text, "malformed TOML", "hall-1");
}

#[test]
fn malformed_toml_duplicate_key() {
    let text = edit(&base(), "seed = 3", "seed = 3\nseed = 4");
    bad_scenario(&text, "malformed TOML", "seed = 4");
}

// 2. Unknown accelerator.

#[test]
fn unknown_accelerator_lists_the_catalog() {
    let text = edit(&base(), "accelerator = \"H100-SXM\"", "accelerator = \"H100-SMX\"");
    let err = bad_scenario(&text, "node_types[0].accelerator", "H100-SMX");
    assert!(err.contains("H100-SMX"), "says what was found: {err}");
    assert!(err.contains("H100-SXM") && err.contains("Ascend-910B"), "lists the expected ids: {err}");
}

// 3. Zero racks, also through `check`.

#[test]
fn zero_racks() {
    let text = edit(&base(), "\ncount = 2\n", "\ncount = 0\n");
    let err = bad_scenario(&text, "halls[0].racks[0].count", "count = 0");
    assert!(err.contains("positive"), "says a positive count is expected: {err}");
}

#[test]
fn check_rejects_zero_racks_too() {
    let text = edit(&base(), "\ncount = 2\n", "\ncount = 0\n");
    let case = Case::new(&text, &[]);
    let o = case.check();
    assert_bad(&o, BAD, "halls[0].racks[0].count", Some(line_of(&text, "count = 0")));
    case.assert_nothing_written(&[BAD]);
}

// 4. Negative count.

#[test]
fn negative_nodes() {
    let text = edit(&base(), "nodes = 4", "nodes = -4");
    let err = bad_scenario(&text, "halls[0].racks[0].nodes", "nodes = -4");
    assert!(err.contains("-4"), "says what was found: {err}");
}

#[test]
fn zero_nodes_per_rack() {
    let text = edit(&base(), "nodes = 4", "nodes = 0");
    bad_scenario(&text, "halls[0].racks[0].nodes", "nodes = 0");
}

// 5. Zero accelerators per node.

#[test]
fn zero_accelerators_per_node() {
    let text = edit(&base(), "accelerators = 8", "accelerators = 0");
    let err = bad_scenario(&text, "node_types[0].accelerators", "accelerators = 0");
    assert!(err.contains("1 to 64"), "says the accepted range: {err}");
}

#[test]
fn too_many_accelerators_per_node() {
    let text = edit(&base(), "accelerators = 8", "accelerators = 65");
    bad_scenario(&text, "node_types[0].accelerators", "accelerators = 65");
}

// 6-8. Durations.

#[test]
fn zero_horizon() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"0s\"");
    bad_scenario(&text, "simulation.horizon", "horizon =");
}

#[test]
fn horizon_over_fifty_years() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"51y\"");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("50 years"), "says the limit: {err}");
}

#[test]
fn bare_number_where_a_unit_is_expected() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = 30");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("unit"), "says a unit is expected: {err}");
}

#[test]
fn unknown_duration_unit() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"30x\"");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("unknown unit") && err.contains("\"x\""), "names the unknown unit: {err}");
}

#[test]
fn step_longer_than_the_horizon() {
    let text = edit(&base(), "step = \"1h\"", "step = \"3d\"");
    bad_scenario(&text, "simulation.step", "step =");
}

#[test]
fn negative_power() {
    let text = edit(&base(), "idle = \"90W\"", "idle = \"-90W\"");
    let err = bad_scenario(&text, "node_types[0].cpu.idle", "-90W");
    assert!(err.contains("negative"), "says power must not be negative: {err}");
}

#[test]
fn unknown_rate_unit() {
    let text = edit(&base(), "rate = \"6/d\"", "rate = \"6/fortnight\"");
    bad_scenario(&text, "workload.classes[0].rate", "fortnight");
}

// 9. Unknown fields.

#[test]
fn unknown_field_in_a_rack_group() {
    let text = edit(&base(), "node_type = \"gpu-node\"", "node_typ = \"gpu-node\"");
    let err = bad_scenario(&text, "halls[0].racks[0].node_typ", "node_typ =");
    assert!(err.contains("unknown field"), "says the field is unknown: {err}");
    assert!(err.contains("node_type"), "lists the expected fields: {err}");
}

#[test]
fn unknown_field_in_a_node_type() {
    let text = edit(&base(), "accelerators = 8", "acelerators = 8");
    bad_scenario(&text, "node_types[0].acelerators", "acelerators");
}

#[test]
fn unknown_field_in_simulation() {
    let text = edit(&base(), "seed = 3", "sead = 3");
    bad_scenario(&text, "simulation.sead", "sead");
}

// Other cross-references and ranges.

#[test]
fn unknown_node_type_in_a_rack_group() {
    let text = edit(&base(), "node_type = \"gpu-node\"", "node_type = \"cpu-node\"");
    let err = bad_scenario(&text, "halls[0].racks[0].node_type", "cpu-node");
    assert!(err.contains("gpu-node"), "lists the defined node types: {err}");
}

#[test]
fn unknown_job_kind() {
    let text = edit(&base(), "kind = \"fine-tune\"", "kind = \"finetune\"");
    let err = bad_scenario(&text, "workload.classes[0].kind", "\"finetune\"");
    assert!(err.contains("fine-tune"), "lists the kinds: {err}");
}

#[test]
fn size_not_a_power_of_two() {
    let text = edit(&base(), "min = 8, max = 32", "min = 6, max = 32");
    bad_scenario(&text, "workload.classes[0].size.min", "min = 6");
}

#[test]
fn bad_scenario_name() {
    let text = edit(&base(), "name = \"base\"", "name = \"../escape\"");
    bad_scenario(&text, "name", "../escape");
}

#[test]
fn unknown_psu_efficiency() {
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = \"diamond\"");
    bad_scenario(&text, "node_types[0].psu.efficiency", "diamond");
}

// 13. Scheduler.

#[test]
fn unknown_scheduler_policy() {
    let text = edit(&base(), "policy = \"priority\"", "policy = \"lifo\"");
    let err = bad_scenario(&text, "scheduler.policy", "lifo");
    assert!(err.contains("backfill"), "lists the policies: {err}");
}

// 14. Quotas.

#[test]
fn quota_for_an_unknown_class() {
    let text = edit(&base(), "quotas = { train = 0.5 }", "quotas = { trian = 0.5 }");
    let err = bad_scenario(&text, "scheduler.quotas.trian", "quotas");
    assert!(err.contains("train") && err.contains("debug"), "lists the classes: {err}");
}

#[test]
fn quota_above_one() {
    let text = edit(&base(), "quotas = { train = 0.5 }", "quotas = { train = 1.5 }");
    bad_scenario(&text, "scheduler.quotas.train", "quotas");
}

#[test]
fn zero_backfill_depth() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 0");
    bad_scenario(&text, "scheduler.backfill_depth", "backfill_depth");
}

// 15. Utilization.

#[test]
fn utilization_mean_above_one() {
    let text = edit(&base(), "mean = 0.7", "mean = 1.2");
    let err = bad_scenario(&text, "workload.classes[0].utilization.mean", "mean = 1.2");
    assert!(err.contains("1.2"), "says what was found: {err}");
}

#[test]
fn utilization_sd_too_large_for_a_beta() {
    let text = edit(&base(), "sd = 0.1", "sd = 0.5");
    let err = bad_scenario(&text, "workload.classes[0].utilization.sd", "sd = 0.5");
    assert!(err.contains("Beta"), "explains the Beta limit: {err}");
}

// 16. Duration clips.

#[test]
fn lognormal_min_above_max() {
    let text = edit(&base(), "min = \"10m\", max = \"2d\"", "min = \"3d\", max = \"2d\"");
    bad_scenario(&text, "workload.classes[0].duration.min", "min = \"3d\"");
}

#[test]
fn lognormal_negative_sigma() {
    let text = edit(&base(), "sigma = 0.8", "sigma = -0.8");
    bad_scenario(&text, "workload.classes[0].duration.sigma", "sigma = -0.8");
}

// Regressions: bugs found while writing these tests, fixed since.

#[test]

fn error_inside_a_duration_table_names_the_inner_field() {
    let text = edit(&base(), "median = \"4h\"", "median = 4");
    let err = bad_scenario(&text, "workload.classes[0].duration.median", "median = 4");
    assert!(err.contains("unit"), "says a unit is expected: {err}");
}

#[test]

fn error_inside_a_size_table_names_the_inner_field() {
    let text = edit(&base(), "min = 8, max = 32", "min = -8, max = 32");
    bad_scenario(&text, "workload.classes[0].size.min", "min = -8");
}

#[test]

fn psu_efficiency_of_the_wrong_type_says_what_is_expected() {
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = 0.96");
    let err = bad_scenario(&text, "node_types[0].psu.efficiency", "efficiency = 0.96");
    assert!(!err.contains("RawPsuCurve"), "no internal type names in messages: {err}");
    assert!(err.contains("titanium"), "says what is expected (a level name or [[load, efficiency], ...]): {err}");
}

/// Runs `text` for 14 days; returns the exit code, stderr and, on success, jobs.csv.
fn run_14d(text: &str) -> (Option<i32>, String, Option<String>) {
    let case = Case::new(text, &[]);
    let o = aidc_in(case.dir(), ["run", BAD, "--out", "out", "-q", "--horizon", "14d"]);
    let jobs = fs::read_to_string(case.out().join("jobs.csv")).ok();
    (o.status.code(), stderr(&o), jobs)
}

#[test]

fn huge_hour_of_day_multipliers_are_rejected_or_flat() {
    let flat = vec!["1e308"; 24].join(", ");
    let text = edit(&base(), "rate = \"20/d\"", &format!("rate = \"20/d\"\nhour_of_day = [{flat}]"));
    let (code, err, jobs) = run_14d(&text);
    match code {
        Some(2) => assert!(err.contains("workload.classes[1].hour_of_day"), "{err}"),
        Some(0) => {
            let debug = jobs.unwrap().lines().filter(|l| l.split(',').nth(1) == Some("debug")).count();
            assert!(debug > 100, "equal multipliers are a flat profile (about 280 debug jobs in 14 days at 20/d), got {debug}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

#[test]

fn extreme_power2_alpha_is_rejected_or_saturates() {
    let text = edit(&base(), "alpha = 1.0", "alpha = -2000.0");
    let (code, err, jobs) = run_14d(&text);
    match code {
        Some(2) => assert!(err.contains("workload.classes[0].size"), "{err}"),
        Some(0) => {
            let sizes: Vec<String> = jobs
                .unwrap()
                .lines()
                .filter(|l| l.split(',').nth(1) == Some("train"))
                .map(|l| l.split(',').nth(2).unwrap_or("").to_string())
                .collect();
            assert!(!sizes.is_empty());
            assert!(sizes.iter().all(|s| s == "32"), "alpha -2000 puts all weight on the largest size (32); sizes: {sizes:?}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

// 10-12. Traces.

/// Runs trace.toml as `bad.toml` with `csv` (when given) as trace.csv; checks exit 2, the file
/// and column named, and nothing written. Returns stderr.
fn bad_trace(csv: Option<&str>, column: &str, line: Option<usize>) -> String {
    let csv_text = csv.map(fixture);
    let files: Vec<(&str, &str)> = csv_text.iter().map(|t| ("trace.csv", t.as_str())).collect();
    let case = Case::new(&fixture("trace.toml"), &files);
    let o = case.run();
    let err = assert_bad(&o, "trace.csv", column, line);
    let inputs: Vec<&str> = std::iter::once(BAD).chain(files.iter().map(|f| f.0)).collect();
    case.assert_nothing_written(&inputs);
    err
}

#[test]
fn trace_job_larger_than_the_cluster() {
    let err = bad_trace(Some("trace_too_large.csv"), "gpus", Some(3));
    assert!(err.contains("100000"), "says the job size: {err}");
    assert!(err.contains("16"), "says the largest possible job (2 nodes x 8): {err}");
}

#[test]
fn missing_trace_file() {
    // Issue 12, item 7: reported at the field that names the file, with its line.
    let text = fixture("trace.toml");
    let case = Case::new(&text, &[]);
    let err = assert_bad(&case.run(), BAD, "workload.trace.file", Some(line_of(&text, "file = \"trace.csv\"")));
    assert!(err.contains("cannot read") && err.contains("trace.csv"), "says which file cannot be read: {err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn trace_missing_column() {
    let err = bad_trace(Some("trace_missing_column.csv"), "gpus", Some(1));
    assert!(err.contains("gpu_count"), "shows the header that was found: {err}");
}

#[test]
fn trace_bad_cell() {
    let csv = "submit,gpus,dur\n0,8,3600\n60,8,soon\n";
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", csv)]);
    let o = case.run();
    let err = assert_bad(&o, "trace.csv", "dur", Some(3));
    assert!(err.contains("soon"), "says what was found: {err}");
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}

#[test]
fn trace_without_rows() {
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", "submit,gpus,dur\n")]);
    let o = case.run();
    assert_bad(&o, "trace.csv", "rows", None);
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}

// 17-19. Command line.

#[test]
fn missing_scenario_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = aidc_in(tmp.path(), ["run", "no-such-scenario.toml", "--out", "out"]);
    assert_bad(&o, "no-such-scenario.toml", "cannot read", None);
    assert!(fs::read_dir(tmp.path()).unwrap().next().is_none(), "nothing is written");
    let o = aidc_in(tmp.path(), ["check", "no-such-scenario.toml"]);
    assert_bad(&o, "no-such-scenario.toml", "cannot read", None);
}

#[test]
fn scenario_path_is_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("dir.toml")).unwrap();
    let o = aidc_in(tmp.path(), ["run", "dir.toml", "--out", "out"]);
    assert_bad(&o, "dir.toml", "cannot read", None);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn bad_horizon_flag() {
    let case = Case::new(&base(), &[]);
    for h in ["abc", "0s", "30", "-1d", "1.5ms"] {
        let o = aidc_in(case.dir(), ["run", BAD, "--out", "out", &format!("--horizon={h}")]);
        assert_bad(&o, "--horizon", "--horizon", None);
        case.assert_nothing_written(&[BAD]);
    }
}

#[test]
fn bad_seed_flag() {
    let case = Case::new(&base(), &[]);
    let o = aidc_in(case.dir(), ["run", BAD, "--out", "out", "--seed=-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--seed"), "{}", stderr(&o));
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 6] = [&["frobnicate"], &[], &["run"], &["check"], &["catalog", "gpus"], &["run", "x.toml", "--no-such-flag"]];
    for args in cases {
        let o = aidc_in(tmp.path(), args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "`aidc {}` is a usage error:\n{err}", args.join(" "));
        assert!(err.contains("Usage") || err.contains("--help"), "`aidc {}` points to the usage:\n{err}", args.join(" "));
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(fs::read_dir(tmp.path()).unwrap().next().is_none(), "usage errors write nothing");
}

// Never panics: deterministic mutations of the classroom scenario through `check`.

/// How a line is mutated.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    Delete,
    Number(&'static str),
    String(&'static str),
    Duplicate,
    Truncate,
}

const MUTATIONS: [Mutation; 10] = [
    Mutation::Delete,
    Mutation::Number("-1"),
    Mutation::Number("0"),
    Mutation::Number("1e30"),
    Mutation::Number("\"x\""),
    Mutation::String(""),
    Mutation::String("x"),
    Mutation::Duplicate,
    Mutation::Truncate,
    Mutation::Number("18446744073709551616"),
];

/// Byte range of the first number in the value of `key = value` (outside strings).
fn first_number(line: &str) -> Option<std::ops::Range<usize>> {
    let eq = line.find('=')?;
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = eq + 1;
    while i < b.len() {
        match b[i] {
            b'"' => in_str = !in_str,
            b'#' if !in_str => return None,
            c if !in_str && c.is_ascii_digit() && !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') => {
                let end = (i..b.len()).find(|&j| !(b[j].is_ascii_digit() || b[j] == b'.')).unwrap_or(b.len());
                return Some(i..end);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Byte range of the contents of the first string in the value of `key = value`.
fn first_string(line: &str) -> Option<std::ops::Range<usize>> {
    let eq = line.find('=')?;
    let start = eq + 1 + line[eq + 1..].find('"')? + 1;
    let end = start + line[start..].find('"')?;
    Some(start..end)
}

/// The mutated line (None: delete it), or None when the mutation does not apply.
fn mutate(line: &str, m: Mutation) -> Option<Option<String>> {
    let splice = |r: std::ops::Range<usize>, with: &str| format!("{}{with}{}", &line[..r.start], &line[r.end..]);
    match m {
        Mutation::Delete => Some(None),
        Mutation::Number(v) => first_number(line).map(|r| Some(splice(r, v))),
        Mutation::String(v) => first_string(line).map(|r| Some(splice(r, v))),
        Mutation::Duplicate => Some(Some(format!("{line}\n{line}"))),
        Mutation::Truncate => {
            let half = line.char_indices().nth(line.chars().count() / 2).map_or(0, |(i, _)| i);
            (half > 0).then(|| Some(line[..half].to_string()))
        }
    }
}

/// One mutant per meaningful line, cycling through [`MUTATIONS`] (the next one that applies).
fn mutants(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut turn = 0;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((m, new)) =
            (0..MUTATIONS.len()).map(|k| MUTATIONS[(turn + k) % MUTATIONS.len()]).find_map(|m| mutate(line, m).map(|n| (m, n)))
        else {
            continue;
        };
        turn += 1;
        let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        match new {
            Some(l) => v[i] = l,
            None => {
                v.remove(i);
            }
        }
        out.push((format!("line {}: {m:?} of {line:?}", i + 1), v.join("\n") + "\n"));
    }
    out
}

#[test]
fn check_never_panics_on_mutated_scenarios() {
    let text = fs::read_to_string(ready_path("classroom.toml")).unwrap();
    let list = mutants(&text);
    assert!(list.len() >= 30, "expected at least 30 mutants, made {}", list.len());
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mutant.toml");
    let mut failures = Vec::new();
    let mut rejected = 0;
    for (what, mutant) in &list {
        fs::write(&file, mutant).unwrap();
        let o = aidc_in(tmp.path(), ["check", "mutant.toml"]);
        let err = stderr(&o);
        match o.status.code() {
            Some(0) => {}
            Some(2) if err.starts_with("error: mutant.toml") && !err.contains("panicked") => rejected += 1,
            code => failures.push(format!("{what}: exit {code:?}\n{err}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} mutants failed badly:\n{}", failures.len(), list.len(), failures.join("\n"));
    assert!(rejected >= list.len() / 3, "most mutants should be rejected, only {rejected} of {} were", list.len());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "check writes nothing");
}

#[test]
fn check_never_panics_on_mutated_base() {
    let text = base();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mutant.toml");
    let mut failures = Vec::new();
    // A second pass over a different scenario, starting the mutation cycle elsewhere.
    for (what, mutant) in mutants(&text).iter().skip(1) {
        fs::write(&file, mutant).unwrap();
        let o = aidc_in(tmp.path(), ["check", "mutant.toml"]);
        let err = stderr(&o);
        if !matches!(o.status.code(), Some(0 | 2)) || err.contains("panicked") {
            failures.push(format!("{what}: exit {:?}\n{err}", o.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// Scheduling policies, preemption and inference services.

/// The base scenario with one service appended (its lines given).
fn with_service(lines: &str) -> String {
    format!("{}\n[[services]]\nname = \"chat\"\n{lines}\n", base())
}

#[test]
fn unknown_policy_lists_the_new_policies() {
    let text = edit(&base(), "policy = \"priority\"", "policy = \"shortest\"");
    let err = bad_scenario(&text, "scheduler.policy", "shortest");
    assert!(err.contains("\"sjf\"") && err.contains("\"best-fit\""), "lists every policy: {err}");
}

#[test]
fn preemption_must_be_a_boolean() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 32\npreemption = \"yes\"");
    bad_scenario(&text, "scheduler.preemption", "preemption");
}

#[test]
fn zero_sjf_aging() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 32\naging = \"0s\"");
    bad_scenario(&text, "scheduler.aging", "aging");
}

#[test]
fn preemptible_must_be_a_boolean() {
    let text = edit(&base(), "kind = \"debug\"", "kind = \"debug\"\npreemptible = 1");
    bad_scenario(&text, "workload.classes[1].preemptible", "preemptible");
}

#[test]
fn service_without_a_peak_rate() {
    let text = with_service("accelerators = 8");
    let o = Case::new(&text, &[]).run();
    let err = assert_bad(&o, BAD, "services[0]", None);
    assert!(err.contains("peak_rate"), "names the missing field: {err}");
}

#[test]
fn service_named_like_a_class() {
    let text = format!("{}\n[[services]]\nname =   \"train\"\npeak_rate = \"100/s\"\n", base());
    let err = bad_scenario(&text, "services[0].name", "name =   \"train\"");
    assert!(err.contains("unique"), "{err}");
}

#[test]
fn service_replica_larger_than_the_cluster() {
    let text = with_service("peak_rate = \"100/s\"\naccelerators = 128");
    bad_scenario(&text, "services[0].accelerators", "accelerators = 128");
}

#[test]
fn service_latency_target_below_the_service_time() {
    let text = with_service("peak_rate = \"100/s\"\nservice_time = \"10s\"\nlatency_target = \"20s\"");
    let err = bad_scenario(&text, "services[0].latency_target", "latency_target");
    assert!(err.contains("30.0 s"), "says the floor: {err}");
}

#[test]
fn service_trough_above_one() {
    let text = with_service("peak_rate = \"100/s\"\ntrough_ratio = 1.5");
    bad_scenario(&text, "services[0].trough_ratio", "trough_ratio");
}

#[test]
fn service_max_below_min_replicas() {
    let text = with_service("peak_rate = \"100/s\"\nmin_replicas = 4\nmax_replicas = 2");
    bad_scenario(&text, "services[0].max_replicas", "max_replicas");
}

#[test]
fn service_hour_profile_of_the_wrong_length() {
    let text = with_service("peak_rate = \"100/s\"\nhour_of_day = [1.0, 2.0]");
    bad_scenario(&text, "services[0].hour_of_day", "hour_of_day");
}

#[test]
fn service_unknown_field() {
    let text = with_service("peak_rate = \"100/s\"\nreplicas = 3");
    bad_scenario(&text, "services[0]", "replicas = 3");
}

#[test]
fn unknown_scheduler_flag_value() {
    let case = Case::new(&base(), &[]);
    let o = aidc_in(case.tmp.path(), ["run", BAD, "--scheduler", "lifo", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--scheduler") && err.contains("\"best-fit\""), "{err}");
    case.assert_nothing_written(&[BAD]);
}

// Issue 12, item 5: no silent overflow. Every power has a physical bound, named with its field.

#[test]
fn overflowing_part_powers_are_refused() {
    for (power, says) in [("1000000GW", "100 GW"), ("99999999999999999999W", "100 GW"), ("200kW", "100 kW")] {
        let text = edit(&base(), "fans = {", &format!("memory_power = \"{power}\"\nfans = {{"));
        let err = bad_scenario(&text, "node_types[0].memory_power", "memory_power");
        assert!(err.contains(says), "says the bound {says}: {err}");
    }
}

#[test]
fn a_node_above_a_megawatt_at_the_wall_is_refused() {
    // Every part is within its bound, but a PSU at 0.1 % efficiency would draw 7 MW.
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = [[0.5, 0.001]]");
    let err = bad_scenario(&text, "node_types[0]", "[[node_types]]");
    assert!(err.contains("1 MW") && err.contains("lowest efficiency"), "says the bound and why: {err}");
}

#[test]
fn too_many_cpu_sockets() {
    let text = edit(&base(), "cpu = { count = 2,", "cpu = { count = 4000000000,");
    bad_scenario(&text, "node_types[0].cpu.count", "4000000000");
}

#[test]
fn an_accelerator_above_its_bound() {
    let text = edit(&base(), "accelerator = \"H100-SXM\"", "accelerator = \"big\"")
        + "\n[[accelerators]]\nid = \"big\"\nbase = \"H100-SXM\"\ntdp_w = 1e12\n";
    bad_scenario(&text, "accelerators[0].tdp_w", "tdp_w = 1e12");
}

// Issue 12, item 7: every bad input is exit 2 with a location.

/// `base.toml` with `lines` appended.
fn base_with(lines: &str) -> String {
    format!("{}\n{lines}\n", base())
}

#[test]
fn missing_files_are_reported_at_the_field_that_names_them() {
    let dur = "duration = { dist = \"lognormal\", median = \"4h\", sigma = 0.8, min = \"10m\", max = \"2d\" }";
    let cases = [
        (
            edit(&base(), dur, "duration = { dist = \"empirical\", file = \"runtimes.csv\" }"),
            "workload.classes[0].duration.file",
            "runtimes.csv",
        ),
        (base_with("[site]\nclimate = \"my-climate.toml\""), "site.climate", "my-climate.toml"),
        (base_with("[site]\nclimate = \"wuhu\"\nweather_file = \"weather.csv\""), "site.weather_file", "weather.csv"),
        (base_with("[grid]\nhourly_file = \"hourly.csv\""), "grid.hourly_file", "hourly.csv"),
        (base_with("[grid]\ndemand_response_file = \"dr.csv\""), "grid.demand_response_file", "dr.csv"),
    ];
    for (text, field, file) in cases {
        let err = bad_scenario(&text, field, file);
        assert!(err.contains("cannot read") && err.contains(file), "names the missing file: {err}");
    }
}

#[test]
fn missing_node_list() {
    let text = "name = \"nl\"\n[simulation]\nhorizon = \"1d\"\n[cluster]\nnode_list = \"nodes.csv\"\n\
                [[workload.classes]]\nname = \"d\"\nkind = \"debug\"\nrate = \"1/h\"\n";
    let err = bad_scenario(text, "cluster.node_list", "nodes.csv");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn data_names_cannot_leave_the_data_folder() {
    for name in ["data:../../etc/passwd", "data:/etc/passwd", "data:alibaba-gpu-v2023/../../../x.csv"] {
        let text = fixture("trace.toml").replace("file = \"trace.csv\"", &format!("file = \"{name}\""));
        let err = bad_scenario(&text, "workload.trace.file", "data:");
        assert!(err.contains("inside the data folder"), "{name}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_trace_without_newlines_is_refused_at_its_first_line() {
    // `file = "/dev/zero"` allocated 4 GB and aborted; now the line bound stops it.
    let text = fixture("trace.toml").replace("file = \"trace.csv\"", "file = \"/dev/zero\"");
    let case = Case::new(&text, &[]);
    let err = assert_bad(&case.run(), "/dev/zero", "row", Some(1));
    assert!(err.contains("longer than 1 MiB"), "says the bound: {err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn a_trace_line_longer_than_the_bound_is_located() {
    let csv = format!("submit,gpus,dur\n0,8,3600\n60,8,{}\n", "9".repeat(2 << 20));
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", &csv)]);
    let err = assert_bad(&case.run(), "trace.csv", "row", Some(3));
    assert!(err.contains("line 3 is longer than 1 MiB"), "{err}");
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}

#[test]
fn duplicate_key_names_the_key() {
    let text = edit(&base(), "seed = 3", "seed = 3\nseed = 4");
    let err = bad_scenario(&text, "malformed TOML", "seed = 4");
    assert!(err.contains("duplicate key `seed`"), "names the key: {err}");
}

#[test]
fn deep_nesting_is_located() {
    let text = format!("{}\n[grid]\nprices = {}1{}\n", base(), "[".repeat(5000), "]".repeat(5000));
    let err = bad_scenario(&text, "malformed TOML", "prices =");
    assert!(err.contains("recurs"), "says why: {err}");
}

#[test]
fn long_echoed_values_are_cut() {
    let long = "x".repeat(100_000);
    let text = edit(&base(), "policy = \"priority\"", &format!("policy = \"{long}\""));
    let err = bad_scenario(&text, "scheduler.policy", "policy =");
    assert!(err.len() < 2_000, "an error of {} bytes", err.len());
    assert!(err.contains("more characters"), "says the value was cut: {err}");
    // Unknown keys are echoed in the field too.
    let text = edit(&base(), "seed = 3", &format!("seed = 3\n{long} = 1"));
    let case = Case::new(&text, &[]);
    let err = stderr(&case.run());
    assert!(err.len() < 4_000 && err.contains("more characters"), "an error of {} bytes", err.len());
}

#[test]
fn missing_plan_file_names_the_flag() {
    let case = Case::new(&base(), &[]);
    let o = aidc_in(case.dir(), ["sweep", BAD, "--plan", "no-plan.toml", "--out", "out"]);
    let err = assert_bad(&o, "no-plan.toml", "--plan", None);
    assert!(err.contains("cannot read"), "{err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn a_plan_file_error_is_located() {
    let plan = format!("replications = 2\n[[set]]\npath = \"scheduler.policy\"\nvalues = {}1{}\n", "[".repeat(3000), "]".repeat(3000));
    let case = Case::new(&base(), &[("plan.toml", &plan)]);
    let o = aidc_in(case.dir(), ["sweep", BAD, "--plan", "plan.toml", "--out", "out"]);
    assert_bad(&o, "plan.toml", "malformed TOML", Some(4));
    let plan = "replications = \"two\"\n";
    let case = Case::new(&base(), &[("plan.toml", plan)]);
    let o = aidc_in(case.dir(), ["sweep", BAD, "--plan", "plan.toml", "--out", "out"]);
    assert_bad(&o, "plan.toml", "replications", Some(1));
    case.assert_nothing_written(&[BAD, "plan.toml"]);
}

#[test]
fn missing_demand_csv_names_the_flag() {
    let case = Case::new(&base(), &[]);
    let o = aidc_in(case.dir(), ["forecast", BAD, "--months", "2", "--demand", "no-demand.csv", "--out", "out"]);
    let err = assert_bad(&o, "no-demand.csv", "--demand", None);
    assert!(err.contains("cannot read"), "{err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn services_with_gpu_shares_are_refused() {
    // Found by the fuzzer: tests/fixtures/fuzz/services-with-gpu-shares.
    let dir = fixture_path("fuzz/services-with-gpu-shares");
    let read = |n: &str| fs::read_to_string(dir.join(n)).unwrap();
    let text = read("scenario.toml");
    let case = Case::new(&text, &[("nodes_g2.csv", &read("nodes_g2.csv")), ("pods_share.csv", &read("pods_share.csv"))]);
    let err = assert_bad(&case.run(), BAD, "services[0]", None);
    let first = line_of(&text, "name = \"chat-70b\"");
    assert!(
        err.contains(&format!("{BAD}:{}:", first - 1)) || err.contains(&format!("{BAD}:{first}:")),
        "located at the first service: {err}"
    );
    assert!(err.contains("shares"), "{err}");
}
