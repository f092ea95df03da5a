//! The project's paths (its root, the ready scenarios, the test fixtures, the shared data
//! folder) and readers of what a run writes (JSON, CSV, folder listings).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The test fixtures folder (`tests/fixtures`).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The trace, node-list and job-log fixtures (`tests/fixtures/traces`), for scenario text.
pub const TRACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/traces");

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The path of a ready scenario (`scenarios/<name>`).
pub fn ready_path(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// The path of a fixture (`tests/fixtures/<rel>`).
pub fn fixture_path(rel: &str) -> PathBuf {
    Path::new(FIXTURES).join(rel)
}

/// Where the shared data folder is looked for: `$AIDC_DATA`, else `../shared/data` beside the
/// project root.
pub fn shared_data_dir() -> PathBuf {
    std::env::var_os("AIDC_DATA").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/data"))
}

/// The shared data folder (real public traces), canonical, when it is present.
pub fn shared_data() -> Option<PathBuf> {
    let p = shared_data_dir();
    p.is_dir().then(|| p.canonicalize().unwrap_or(p))
}

/// A temporary path as a command-line argument (temporary folders have UTF-8 names here).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The sorted file names of a folder (hidden ones included).
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A JSON file, failing with its path when it is absent or not JSON.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// The `summary.json` of an output folder.
pub fn summary_json(out: &Path) -> Value {
    read_json(&out.join("summary.json"))
}

/// Reads a CSV into rows of fields (header first).
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path).expect("csv readable").lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// The 1-based line of the one line of `text` that contains `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let hits: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.contains(needle)).map(|(i, _)| i + 1).collect();
    assert_eq!(hits.len(), 1, "{needle:?} should be on exactly one line, found on lines {hits:?}");
    hits[0]
}

/// Checks every row of a run's timeseries.csv: facility = IT + cooling + losses + other (each
/// printed to 1 W) and PUE >= 1.
pub fn assert_timeseries_balances(out: &Path) {
    let rows = csv_rows(&out.join("timeseries.csv"));
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap_or_else(|| panic!("no column {n}"));
    let (it, fac, cool, loss, other, pue) =
        (col("it_power_kw"), col("facility_power_kw"), col("cooling_power_kw"), col("power_loss_kw"), col("other_power_kw"), col("pue"));
    for r in &rows[1..] {
        let v = |i: usize| r[i].parse::<f64>().unwrap();
        assert!((v(fac) - (v(it) + v(cool) + v(loss) + v(other))).abs() <= 0.003, "{r:?}");
        assert!(v(pue) >= 1.0, "{r:?}");
    }
}
