//! Generic CSV job traces: submit time, accelerators, duration, and optional class,
//! utilization and final-state columns, mapped by name in the scenario. Rows are checked one by one and errors
//! name the file, the line and the column.

use std::path::Path;

use super::error::{ScenarioError, csv_error};
use super::raw::RawTraceColumns;
use crate::config::{Trace, TraceJob};

/// The most rows a trace may have: 10 million, about 3 times the largest public GPU trace
/// replayed here (Helios, 3.4 million jobs), and 640 MB of jobs in memory (`engine::budget`).
pub const MAX_ROWS: usize = 10_000_000;

/// The error for a trace longer than [`MAX_ROWS`], at `line`.
pub fn too_long(file: &Path, line: Option<usize>) -> ScenarioError {
    csv_error(file, line, "row", format!("more than {MAX_ROWS} rows; aidc replays at most {MAX_ROWS} jobs: cut the trace"))
}

/// Reads and checks a trace. `largest` is the biggest job the cluster can ever hold.
pub fn read(
    file: &Path,
    cols: &RawTraceColumns,
    unit_ms: u64,
    class: &str,
    utilization: f64,
    largest: u64,
) -> Result<Trace, ScenarioError> {
    let mut rdr = super::input::csv_reader(file)?;
    let headers = rdr.headers().map_err(|e| super::input::csv_failure(file, &e, true))?.clone();
    let find = |name: &str| -> Result<usize, ScenarioError> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            csv_error(
                file,
                Some(1),
                name,
                format!("column {name:?} not found; the header has: {}", super::input::header_list(headers.iter())),
            )
        })
    };
    let (submit, accs, dur) = (find(&cols.submit)?, find(&cols.accelerators)?, find(&cols.duration)?);
    let class_col = cols.class.as_deref().map(find).transpose()?;
    let util_col = cols.utilization.as_deref().map(find).transpose()?;
    let state_col = cols.state.as_deref().map(find).transpose()?;
    let mut labels: Vec<String> = Vec::new();
    let mut states: Vec<String> = Vec::new();
    let mut jobs = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| super::input::csv_failure(file, &e, false))?;
        let line = rec.position().map(|p| p.line() as usize);
        if jobs.len() >= MAX_ROWS {
            return Err(too_long(file, line));
        }
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let time = |i: usize, name: &str| -> Result<u64, ScenarioError> {
            match cell(i).parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 && v * (unit_ms as f64) < 1e18 => Ok((v * unit_ms as f64).round() as u64),
                _ => Err(csv_error(file, line, name, format!("expected a non-negative time, found {:?}", cell(i)))),
            }
        };
        let submit_ms = time(submit, &cols.submit)?;
        let duration_ms = time(dur, &cols.duration)?;
        let accelerators = match cell(accs).parse::<f64>() {
            Ok(v) if v >= 1.0 && v.fract() == 0.0 && v <= u32::MAX as f64 => v as u32,
            _ => {
                return Err(csv_error(
                    file,
                    line,
                    &cols.accelerators,
                    format!("expected a whole number of accelerators >= 1, found {:?}", cell(accs)),
                ));
            }
        };
        if accelerators as u64 > largest {
            return Err(csv_error(
                file,
                line,
                &cols.accelerators,
                format!("a job of {accelerators} accelerators can never run: the largest pool of identical nodes has {largest}"),
            ));
        }
        let label = match class_col.map(cell) {
            Some(l) if !l.is_empty() => l,
            _ => class,
        };
        if label.contains(['"', '\n', ',']) {
            return Err(csv_error(file, line, cols.class.as_deref().unwrap_or("class"), "expected a class label without commas or quotes"));
        }
        let label = match labels.iter().position(|l| l == label) {
            Some(i) => i,
            None if labels.len() < u16::MAX as usize => {
                labels.push(label.to_string());
                labels.len() - 1
            }
            None => return Err(csv_error(file, line, "class", "more than 65,535 distinct classes")),
        };
        let utilization = match util_col {
            Some(i) if !cell(i).is_empty() => match cell(i).parse::<f64>() {
                Ok(u) if (0.0..=1.0).contains(&u) => u,
                _ => {
                    return Err(csv_error(
                        file,
                        line,
                        cols.utilization.as_deref().unwrap_or(""),
                        format!("expected a utilization from 0 to 1, found {:?}", cell(i)),
                    ));
                }
            },
            _ => utilization,
        };
        let state = match state_col.map(cell) {
            Some(s) if !s.is_empty() => match states.iter().position(|x| x == s) {
                Some(i) => i + 1,
                None if states.len() < u16::MAX as usize - 1 => {
                    states.push(s.to_string());
                    states.len()
                }
                None => return Err(csv_error(file, line, cols.state.as_deref().unwrap_or("state"), "more than 65,534 distinct states")),
            },
            _ => 0,
        };
        jobs.push(TraceJob {
            utilization,
            state: state as u16,
            ..TraceJob::whole(submit_ms, accelerators, duration_ms, label as u16, 1.0, line.unwrap_or(0) as u32)
        });
    }
    if jobs.is_empty() {
        return Err(csv_error(file, None, "rows", "expected at least one job row"));
    }
    jobs.sort_by_key(|j| j.submit_ms);
    Ok(Trace {
        file: file.to_path_buf(),
        columns: Some(cols.into()),
        time_unit_ms: unit_ms,
        start_at_zero: false,
        class: class.to_string(),
        utilization,
        labels,
        jobs,
        format: crate::config::TraceFormat::Generic,
        specs: Vec::new(),
        states,
        skipped: Vec::new(),
    })
}
