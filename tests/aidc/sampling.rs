//! `[output]`: a subset of timeseries.csv columns and a row every k sampling steps. The rows of a
//! coarser output step are checked against the full-resolution file of the same run (means,
//! values at `time_s`, PUE as a ratio of means), summary.json is unchanged, and a report of a
//! run with few columns still builds.

use std::fs;
use std::path::Path;

use crate::support::*;

/// wuhu-10k (a facility) for 2 days at 5-minute steps, with `output` as its `[output]` section.
fn scenario(dir: &Path, output: &str) -> std::path::PathBuf {
    let text = fs::read_to_string(ready_path("wuhu-10k.toml")).unwrap() + "\n" + output;
    let path = dir.join(format!("s{}.toml", output.len()));
    fs::write(&path, text).unwrap();
    path
}

fn run(dir: &Path, scenario: &Path, out: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(out);
    let mut args = vec!["run", s(scenario), "--horizon", "2d", "--quiet", "--out", s(&out)];
    args.extend_from_slice(extra);
    assert_ok(&aidc(args));
    out
}

fn col(rows: &[Vec<String>], name: &str) -> Vec<f64> {
    let i = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    rows[1..].iter().map(|r| r[i].parse().unwrap()).collect()
}

#[test]
fn hourly_rows_are_the_means_and_states_of_their_steps_and_the_summary_does_not_change() {
    let tmp = tempfile::tempdir().unwrap();
    let full = run(tmp.path(), &scenario(tmp.path(), ""), "full", &[]);
    let hourly = run(tmp.path(), &scenario(tmp.path(), "[output]\ntimeseries_step = \"1h\"\n"), "hourly", &[]);
    assert_eq!(fs::read(full.join("summary.json")).unwrap(), fs::read(hourly.join("summary.json")).unwrap(), "summary.json");
    let (f, h) = (csv_rows(&full.join("timeseries.csv")), csv_rows(&hourly.join("timeseries.csv")));
    assert_eq!(f[0], h[0], "the same columns");
    assert_eq!(f.len() - 1, 2 * 24 * 12);
    assert_eq!(h.len() - 1, 2 * 24, "one row per hour");
    let (ft, ht) = (col(&f, "time_s"), col(&h, "time_s"));
    for (k, t) in ht.iter().enumerate() {
        assert_eq!(*t, ft[12 * k + 11], "row {k} ends with its 12th step");
        // States at time_s: the full file's value at that time, to the byte.
        for name in ["accelerators_allocated", "it_energy_kwh", "queue_length", "running_jobs"] {
            assert_eq!(col(&h, name)[k], col(&f, name)[12 * k + 11], "{name} at {t} s");
        }
        // Means: the mean of the 12 steps (each written with 3 decimals: within rounding).
        for (name, tol) in [("it_power_kw", 1e-3), ("facility_power_kw", 1e-3), ("outdoor_db_c", 1e-2), ("utilization_allocated", 1e-6)] {
            let steps = &col(&f, name)[12 * k..12 * k + 12];
            let mean = steps.iter().sum::<f64>() / 12.0;
            assert!((col(&h, name)[k] - mean).abs() <= tol, "{name} at {t} s: {} vs {mean}", col(&h, name)[k]);
        }
        let ratio = col(&f, "facility_power_kw")[12 * k..12 * k + 12].iter().sum::<f64>()
            / col(&f, "it_power_kw")[12 * k..12 * k + 12].iter().sum::<f64>();
        assert!((col(&h, "pue")[k] - ratio).abs() < 2e-4, "pue at {t} s: {} vs {ratio}", col(&h, "pue")[k]);
        let hottest = col(&f, "junction_temp_c")[12 * k..12 * k + 12].iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(col(&h, "junction_temp_c")[k], hottest, "junction_temp_c is the hottest step");
    }
}

#[test]
fn chosen_columns_keep_the_file_order_and_the_values() {
    let tmp = tempfile::tempdir().unwrap();
    let full = run(tmp.path(), &scenario(tmp.path(), ""), "full", &[]);
    let few = scenario(tmp.path(), "[output]\ntimeseries_columns = [\"pue\", \"time_s\", \"it_power_kw\"]\n");
    let some = run(tmp.path(), &few, "few", &["--report"]);
    let (f, h) = (csv_rows(&full.join("timeseries.csv")), csv_rows(&some.join("timeseries.csv")));
    assert_eq!(h[0], ["time_s", "it_power_kw", "pue"], "the registry's order");
    assert_eq!(h.len(), f.len());
    for name in ["time_s", "it_power_kw", "pue"] {
        assert_eq!(col(&h, name), col(&f, name), "{name}");
    }
    // The report leaves out the plots whose columns are missing.
    assert!(some.join("report.html").is_file());
    assert!(!names(&some.join("plots")).iter().any(|n| n.starts_with("queue")), "no queue plot without queue_length");
    // The resolved scenario keeps the section and reruns to the same file.
    let resolved = fs::read_to_string(some.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("[output]") && resolved.contains("timeseries_columns"), "{resolved}");
    let again = run(tmp.path(), &some.join("scenario.resolved.toml"), "again", &[]);
    assert_eq!(fs::read(again.join("timeseries.csv")).unwrap(), fs::read(some.join("timeseries.csv")).unwrap());
}

#[test]
fn it_only_drops_the_facility_columns_it_cannot_write() {
    let tmp = tempfile::tempdir().unwrap();
    let few = scenario(tmp.path(), "[output]\ntimeseries_columns = [\"time_s\", \"pue\", \"it_power_kw\"]\n");
    let out = run(tmp.path(), &few, "it", &["--it-only"]);
    assert_eq!(csv_rows(&out.join("timeseries.csv"))[0], ["time_s", "it_power_kw"]);
}
