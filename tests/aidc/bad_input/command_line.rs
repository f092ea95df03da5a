//! Bad command lines: missing or wrong scenario paths, bad flags and flag values, and files
//! named by flags (`--plan`, `--demand`).

use super::*;

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

#[test]
fn unknown_scheduler_flag_value() {
    let case = Case::new(&base(), &[]);
    let o = aidc_in(case.tmp.path(), ["run", BAD, "--scheduler", "lifo", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--scheduler") && err.contains("\"best-fit\""), "{err}");
    case.assert_nothing_written(&[BAD]);
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
