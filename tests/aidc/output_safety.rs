//! aidc is safe with the user's files and ends cleanly (issue 12, items 3 and 6): `--out` never
//! destroys what aidc did not write, a closed pipe ends quietly, a signal leaves nothing behind,
//! temporary folders of dead processes are removed, and a failing report leaves no partial
//! folder. Every case runs the binary; outcomes are asserted, never times (the poll loops only
//! wait for a file to appear, with a generous limit).

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::support::*;

fn assert_no_panic(what: &str, o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{what}: a panic\n{err}");
    assert_ne!(o.status.code(), Some(101), "{what}: exit code 101 is a panic\n{err}");
}

/// The command line of each command that writes an output folder, writing to `out`; `shard`
/// is a finished sweep folder for `sweep merge`. Each is short (a day of the classroom).
fn commands(out: &Path, shard: &Path) -> Vec<(&'static str, Vec<String>)> {
    let classroom = ready_path("classroom.toml").display().to_string();
    let out = out.display().to_string();
    let v = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        ("run", v(&["run", &classroom, "--horizon", "1d", "-q", "--out", &out])),
        ("sweep", v(&["sweep", &classroom, "--set", "simulation.horizon=1d", "-q", "--out", &out])),
        ("forecast", v(&["forecast", &classroom, "--months", "1", "-n", "1", "--warmup", "1d", "-q", "--out", &out])),
        ("demo", v(&["demo", "--out", &out])),
        ("sweep merge", v(&["sweep", "merge", s(shard), "-q", "--out", &out])),
    ]
}

/// A finished one-run sweep to merge.
fn shard(dir: &Path) -> PathBuf {
    let shard = dir.join("shard");
    let o = aidc(["sweep", s(&ready_path("classroom.toml")), "--set", "simulation.horizon=1d", "-q", "--out", s(&shard)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    shard
}

#[test]
fn a_foreign_folder_survives_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = shard(tmp.path());
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("thesis.tex"), "years of work").unwrap();
    let before = names(tmp.path());
    for (what, args) in commands(&mine, &shard) {
        let o = aidc(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: a foreign folder is refused with exit 2\n{err}");
        assert!(err.contains(s(&mine)) && err.contains("--force"), "{what}: the message names the path and the flag\n{err}");
        assert_eq!(names(&mine), ["thesis.tex"], "{what}: the folder is untouched");
        assert_eq!(fs::read_to_string(mine.join("thesis.tex")).unwrap(), "years of work");
        assert_eq!(names(tmp.path()), before, "{what}: nothing is written beside it");
    }
}

#[test]
fn a_file_at_the_path_survives_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = shard(tmp.path());
    let file = tmp.path().join("results");
    fs::write(&file, "a file").unwrap();
    let before = names(tmp.path());
    for (what, args) in commands(&file, &shard) {
        let o = aidc(&args);
        assert_eq!(o.status.code(), Some(2), "{what}: a file in the way is refused with exit 2\n{}", stderr(&o));
        assert!(stderr(&o).contains("a file is in the way") && stderr(&o).contains("--force"), "{what}: {}", stderr(&o));
        assert_eq!(fs::read_to_string(&file).unwrap(), "a file", "{what}: the file is untouched");
        assert_eq!(names(tmp.path()), before, "{what}: no .old or temporary entry beside it");
    }
}

#[test]
fn an_aidc_folder_of_the_same_kind_is_replaced_and_of_another_kind_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = shard(tmp.path());
    for i in 0..commands(tmp.path(), &shard).len() {
        let out = tmp.path().join(format!("out{i}"));
        let (what, args) = commands(&out, &shard).swap_remove(i);
        fs::create_dir(&out).unwrap();
        let o = aidc(&args);
        assert_eq!(o.status.code(), Some(0), "{what} into an empty folder\n{}", stderr(&o));
        let marker = fs::read_to_string(out.join(".aidc-output")).unwrap();
        let kind = what.split(' ').next().unwrap();
        assert!(marker.contains(&format!("kind = \"{kind}\"")), "{what}: the marker names the kind\n{marker}");
        let o = aidc(&args);
        assert_eq!(o.status.code(), Some(0), "{what} again into its own folder\n{}", stderr(&o));
        // The next command's kind differs: its folder is refused, and kept.
        let before = names(&out);
        let other = if kind == "run" { "forecast" } else { "run" };
        let o = if other == "run" {
            aidc(["run", s(&ready_path("classroom.toml")), "--horizon", "1d", "-q", "--out", s(&out)])
        } else {
            aidc(["forecast", s(&ready_path("classroom.toml")), "--months", "1", "-n", "1", "--warmup", "1d", "-q", "--out", s(&out)])
        };
        assert_eq!(o.status.code(), Some(2), "{other} into a {what} folder\n{}", stderr(&o));
        assert!(stderr(&o).contains(&format!("an aidc {kind} output")), "{}", stderr(&o));
        assert_eq!(names(&out), before);
    }
}

#[test]
fn force_replaces_a_foreign_folder_but_never_a_catastrophic_target() {
    let tmp = tempfile::tempdir().unwrap();
    let classroom = ready_path("classroom.toml");
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("thesis.tex"), "old").unwrap();
    let o = aidc(["run", s(&classroom), "--horizon", "1d", "-q", "--out", s(&mine), "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(mine.join("summary.json").is_file() && !mine.join("thesis.tex").exists(), "--force replaced the folder");

    // A home folder, a working folder, and a scenario in a folder of its own; the child sees
    // this HOME, so nothing real is ever at stake.
    let home = tmp.path().join("home");
    let work = tmp.path().join("projects/work");
    let sc_dir = tmp.path().join("scenarios");
    fs::create_dir_all(&work).unwrap();
    fs::create_dir_all(&home).unwrap();
    fs::write(home.join(".profile"), "mine").unwrap();
    fs::create_dir_all(&sc_dir).unwrap();
    fs::write(work.join("keep.txt"), "keep").unwrap();
    let sc = sc_dir.join("classroom.toml");
    fs::copy(&classroom, &sc).unwrap();
    let cases: [(&str, &str, &str); 6] = [
        ("run", ".", "the current folder"),
        ("run", "..", "holds the current folder"),
        ("run", s(&home), "home folder"),
        ("run", s(tmp.path()), "holds the home folder"),
        ("run", "/", "the filesystem root"),
        ("sweep", s(&sc_dir), "holds an input"),
    ];
    for (cmd, out, what) in cases {
        let mut args = vec![cmd, s(&sc)];
        args.extend_from_slice(if cmd == "run" { &["--horizon", "1d"][..] } else { &["--set", "simulation.horizon=1d"][..] });
        args.extend_from_slice(&["-q", "--force", "--out", out]);
        let o = aidc_env(&work, &[("HOME", &home)], &args);
        assert_eq!(o.status.code(), Some(2), "{cmd} --out {out} --force\n{}", stderr(&o));
        assert!(stderr(&o).contains(what) && stderr(&o).contains("even with --force"), "{out}: {}", stderr(&o));
        assert_eq!(names(&work), ["keep.txt"], "{out}: the working folder is untouched");
        assert_eq!(names(&sc_dir), ["classroom.toml"], "{out}: the scenario's folder is untouched");
        assert_eq!(names(&home), [".profile"], "{out}: the home folder is untouched");
    }
}

#[test]
fn a_profile_file_replaces_only_a_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes.json");
    fs::write(&notes, "{\"mine\": true}").unwrap();
    let o = aidc(["calibrate", "--quick", "--quiet", "--out", s(&notes)]);
    assert_eq!(o.status.code(), Some(2), "refused before measuring\n{}", stderr(&o));
    assert!(stderr(&o).contains("not an aidc calibration profile") && stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&notes).unwrap(), "{\"mine\": true}");
}

#[test]
fn every_command_that_writes_says_the_rule_in_its_help() {
    for cmd in [&["run"][..], &["sweep"], &["sweep", "merge"], &["forecast"], &["demo"], &["calibrate"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let o = aidc(&args);
        let help = stdout(&o);
        assert_eq!(o.status.code(), Some(0));
        assert!(help.contains("--force") && help.contains("exit code 2"), "{cmd:?} --help explains the rule:\n{help}");
    }
}

/// Runs a command whose stdout is a pipe already closed by its reader.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command(&root(), args).stdout(writer).stderr(Stdio::piped()).output().expect("the aidc binary starts")
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let classroom = ready_path("classroom.toml");
    let cases: [&[&str]; 7] = [
        &["catalog", "accelerators", "--json"],
        &["catalog", "accelerators"],
        &["check", s(&classroom)],
        &["demo", "--list"],
        &["run", s(&classroom), "--horizon", "1d", "--out", s(&out)],
        &["--help"],
        &["run", "--help"],
    ];
    for args in cases {
        let o = into_closed_pipe(args);
        assert_no_panic(&format!("{args:?}"), &o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: the command's own exit code\n{}", stderr(&o));
    }
    assert!(out.join("summary.json").is_file(), "the run finished its work");
    // As `| head -1` does: read one line, then close.
    let mut child = command(&root(), ["catalog", "accelerators", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "[");
    let o = child.wait_with_output().unwrap();
    assert_no_panic("catalog | head -1", &o);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let o = command(&root(), ["catalog", "accelerators", "--json"]).stdout(full).stderr(Stdio::piped()).output().unwrap();
    assert_no_panic("> /dev/full", &o);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write to stdout"), "{}", stderr(&o));
}

/// Polls until `path` exists while `child` runs (a generous limit, not a timing assertion).
fn appears(path: &Path, child: &mut Child) -> bool {
    for _ in 0..24_000 {
        if path.exists() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    false
}

/// Sends a signal with the shell's own `kill` (no kill binary needed).
fn kill(child: &Child, signal: &str) {
    let ok = Command::new("sh").args(["-c", &format!("kill -s {signal} {}", child.id())]).status().expect("sh runs");
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn a_signal_leaves_nothing_behind() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut child = command(&root(), ["run", s(&ready_path("bench-10k.toml")), "--horizon", "2y", "--quiet", "--out", s(&out)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let staging = tmp.path().join(format!(".out.tmp-{}", child.id()));
        assert!(appears(&staging.join("timeseries.csv"), &mut child), "SIG{signal}: the run writes into {}", staging.display());
        kill(&child, signal);
        let o = child.wait_with_output().unwrap();
        assert_no_panic(signal, &o);
        assert_eq!(o.status.code(), Some(code), "SIG{signal}: exit 128 + signal\n{}", stderr(&o));
        assert!(names(tmp.path()).is_empty(), "SIG{signal}: nothing is left: {:?}", names(tmp.path()));
    }
}

#[test]
fn stale_temporary_folders_of_dead_processes_are_removed_by_the_next_run() {
    if !Path::new("/proc").is_dir() {
        return; // without /proc no process is known to be dead, and nothing is removed
    }
    let tmp = tempfile::tempdir().unwrap();
    let dead = u32::MAX - 1; // above any pid_max: never a running process
    let stale = tmp.path().join(format!(".out.tmp-{dead}"));
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("timeseries.csv"), "80 MB once").unwrap();
    fs::create_dir(tmp.path().join(format!(".out.old-{dead}"))).unwrap();
    let live = format!(".out.tmp-{}", std::process::id()); // this test runs: its folder stays
    fs::create_dir(tmp.path().join(&live)).unwrap();
    let out = tmp.path().join("out");
    let o = aidc(["run", s(&ready_path("classroom.toml")), "--horizon", "1d", "-q", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), [live, "out".to_string()]);
    // The same for a sweep's tables inside its folder.
    let sweep = tmp.path().join("sweep");
    let classroom = ready_path("classroom.toml");
    let args = ["sweep", s(&classroom), "--set", "simulation.horizon=1d", "-q", "--out", s(&sweep)];
    assert_eq!(aidc(args).status.code(), Some(0));
    fs::write(sweep.join(format!(".sweep.csv.tmp-{dead}")), "half a table").unwrap();
    assert_eq!(aidc(args).status.code(), Some(0));
    assert!(!names(&sweep).iter().any(|n| n.contains(".tmp-")), "{:?}", names(&sweep));
}

#[test]
fn a_failing_report_leaves_the_earlier_folder_and_no_partial_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = aidc(["run", s(&ready_path("classroom.toml")), "--horizon", "1d", "-q", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let earlier = fs::read(out.join("summary.json")).unwrap();
    let mut child = command(&root(), ["run", s(&ready_path("bench-10k.toml")), "--report", "--quiet", "--out", s(&out)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The report goes into the staging folder: a file named plots/ there makes it fail.
    let staging = tmp.path().join(format!(".out.tmp-{}", child.id()));
    assert!(appears(&staging.join("timeseries.csv"), &mut child), "the run writes into {}", staging.display());
    fs::write(staging.join("plots"), "in the way").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_no_panic("report", &o);
    assert_eq!(o.status.code(), Some(1), "the report failed\n{}", stderr(&o));
    assert!(stderr(&o).contains("plots"), "{}", stderr(&o));
    assert_eq!(names(tmp.path()), ["out"], "no partial or temporary folder");
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), earlier, "the earlier output is untouched");
    assert!(!out.join("report.html").exists() && !out.join("plots").exists());
}
