//! Bad input regressions: every wrong scenario, trace or command line exits with code 2, prints
//! `error: <file>:<line>:<col>: <field>: <message>` (or the CSV line and column for traces), and
//! leaves no output folder and no temporary folder behind.
//!
//! Each case starts from a small valid fixture (`tests/fixtures/bad/base.toml`, or `trace.toml`
//! with a `trace_*.csv`), changes one thing, writes it to a fresh temporary folder and runs
//! `aidc run <tmp>/bad.toml --out <tmp>/out`. The cases are grouped by what is wrong: the
//! scenario's own fields, the files it names, the command line, the scheduler and services,
//! and mutations that must never panic.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;

mod command_line;
mod files;
mod mutations;
mod scenario_fields;
mod scheduling;

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
