//! Running the `aidc` binary that cargo built for this test target (`CARGO_BIN_EXE_aidc`) from a
//! given folder, with what it prints captured. Everything a child needs (its folder, its
//! environment) is set on the child: tests share this process, so they never change its
//! working directory or environment.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

use super::root;

/// The `aidc` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_aidc");

/// Resource-guard variables that a developer's shell may set: a child never inherits them, so
/// that an outcome does not depend on the shell the tests start from (a test that needs one
/// sets it on its child).
const GUARD_VARIABLES: [&str; 2] = ["AIDC_MAX_MEMORY", "AIDC_MAX_OUTPUT"];

/// `aidc <args>` from `dir`, not yet started: for a test that spawns it or sets its pipes.
pub fn command<I, S>(dir: &Path, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = Command::new(BIN);
    c.args(args).current_dir(dir);
    for var in GUARD_VARIABLES {
        c.env_remove(var);
    }
    c
}

/// Runs `aidc <args>` from the project root and waits for it.
pub fn aidc<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    aidc_in(&root(), args)
}

/// Runs `aidc <args>` from `dir` and waits for it.
pub fn aidc_in<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    command(dir, args).output().expect("the aidc binary starts")
}

/// Runs `aidc <args>` from `dir` with the variables `env` set for the child and waits for it.
pub fn aidc_env<I, S, K, V>(dir: &Path, env: &[(K, V)], args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut c = command(dir, args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the aidc binary starts")
}

/// What the child printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What the child printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Both outputs of the child, labelled, for an assertion's message.
pub fn printed(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o))
}

/// Asserts exit code 0, showing what the child printed otherwise.
pub fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "expected success\n{}", printed(o));
}
