//! The sweep's tables: `sweep.csv` (one row per run) and `sweep_summary.csv` (one row per
//! point: n, then mean and 95 % half-width of each metric), and reading `sweep.csv` back.
//!
//! Rows are always written sorted by run index, numbers in Rust's shortest round-trip form, so
//! that the same runs give byte-identical tables whatever the thread count, the order in which
//! runs finished, or how they were split into shards and merged.

use std::path::Path;

use super::SweepError;
use super::stats::{Leaf, mean_ci95};

/// One finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Run index: point x replications + replication.
    pub run: u64,
    /// Point index.
    pub point: u64,
    /// Replication within the point.
    pub replication: u32,
    /// The seed the run used.
    pub seed: u64,
    /// Parameter values as text, in parameter order.
    pub params: Vec<String>,
    /// Metrics in summary order.
    pub metrics: Vec<Leaf>,
}

/// Columns before the parameters in sweep.csv.
const RUN_COLUMNS: [&str; 4] = ["run", "point", "replication", "seed"];

/// A number as written in the tables (empty when absent).
pub fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

/// Metric names over all rows, in the order first seen.
pub fn metric_columns(rows: &[Row]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        for (k, _) in &r.metrics {
            if seen.insert(k.as_str()) {
                cols.push(k.clone());
            }
        }
    }
    cols
}

fn value(r: &Row, col: &str) -> Option<f64> {
    r.metrics.iter().find(|(k, _)| k == col).and_then(|(_, v)| *v)
}

fn csv_io(path: &Path) -> impl Fn(csv::Error) -> SweepError + '_ {
    move |e| SweepError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) }
}

/// Writes `bytes` to `path` atomically ([`crate::output::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    Ok(crate::output::write_atomic(path, bytes)?)
}

fn to_csv(path: &Path, records: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, SweepError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for rec in records {
        w.write_record(&rec).map_err(csv_io(path))?;
    }
    w.into_inner().map_err(|e| SweepError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })
}

/// Writes sweep.csv: rows must be sorted by run.
pub fn write_runs(path: &Path, params: &[String], rows: &[Row]) -> Result<(), SweepError> {
    let cols = metric_columns(rows);
    let header = RUN_COLUMNS.iter().map(|s| s.to_string()).chain(params.iter().cloned()).chain(cols.iter().cloned()).collect();
    let body = rows.iter().map(|r| {
        let mut rec = vec![r.run.to_string(), r.point.to_string(), r.replication.to_string(), r.seed.to_string()];
        rec.extend(r.params.iter().cloned());
        rec.extend(cols.iter().map(|c| cell(value(r, c))));
        rec
    });
    let bytes = to_csv(path, std::iter::once(header).chain(body))?;
    write_atomic(path, &bytes)
}

/// Per point: its index, its runs, its parameters and (mean, 95 % half-width) per metric.
pub struct PointStats {
    /// Point index.
    pub point: u64,
    /// Runs folded.
    pub n: usize,
    /// Parameter values as text.
    pub params: Vec<String>,
    /// Per metric column: mean and half-width.
    pub stats: Vec<Option<(f64, Option<f64>)>>,
}

/// Folds rows (sorted by run) into per-point statistics over `cols`.
pub fn fold_points(rows: &[Row], cols: &[String]) -> Vec<PointStats> {
    let mut out = Vec::new();
    for group in rows.chunk_by(|a, b| a.point == b.point) {
        let stats = cols
            .iter()
            .map(|c| {
                let xs: Vec<f64> = group.iter().filter_map(|r| value(r, c)).collect();
                mean_ci95(&xs)
            })
            .collect();
        out.push(PointStats { point: group[0].point, n: group.len(), params: group[0].params.clone(), stats });
    }
    out
}

/// Writes sweep_summary.csv: rows must be sorted by run.
pub fn write_summary(path: &Path, params: &[String], rows: &[Row]) -> Result<(), SweepError> {
    let cols = metric_columns(rows);
    let mut header = vec!["point".to_string(), "n".to_string()];
    header.extend(params.iter().cloned());
    for c in &cols {
        header.push(format!("{c}.mean"));
        header.push(format!("{c}.ci95"));
    }
    let body = fold_points(rows, &cols).into_iter().map(|p| {
        let mut rec = vec![p.point.to_string(), p.n.to_string()];
        rec.extend(p.params);
        for s in p.stats {
            rec.push(cell(s.map(|s| s.0)));
            rec.push(cell(s.and_then(|s| s.1)));
        }
        rec
    });
    let bytes = to_csv(path, std::iter::once(header).chain(body))?;
    write_atomic(path, &bytes)
}

/// Reads sweep.csv back (`params` parameter columns after the run columns).
pub fn read_runs(path: &Path, n_params: usize) -> Result<Vec<Row>, SweepError> {
    let bad = |line: u64, what: &str| SweepError::Spec(format!("{}:{line}: {what}", path.display()));
    let mut rd = csv::Reader::from_path(path).map_err(csv_io(path))?;
    let header: Vec<String> = rd.headers().map_err(csv_io(path))?.iter().map(str::to_string).collect();
    if header.len() < RUN_COLUMNS.len() + n_params || header[..4] != RUN_COLUMNS {
        return Err(bad(1, "not a sweep.csv of this plan (unexpected header)"));
    }
    let metrics = &header[RUN_COLUMNS.len() + n_params..];
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(csv_io(path))?;
        let int = |k: usize| rec.get(k).and_then(|s| s.parse::<u64>().ok()).ok_or_else(|| bad(line, "expected an integer"));
        let (run, point, replication, seed) = (int(0)?, int(1)?, int(2)?, int(3)?);
        let params = (0..n_params).map(|k| rec.get(4 + k).unwrap_or("").to_string()).collect();
        let mut leaves = Vec::with_capacity(metrics.len());
        for (k, name) in metrics.iter().enumerate() {
            let text = rec.get(4 + n_params + k).unwrap_or("");
            let v =
                if text.is_empty() { None } else { Some(text.parse::<f64>().map_err(|_| bad(line, &format!("{name}: not a number")))?) };
            leaves.push((name.clone(), v));
        }
        rows.push(Row { run, point, replication: replication as u32, seed, params, metrics: leaves });
    }
    Ok(rows)
}
