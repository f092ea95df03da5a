//! Monthly folds of a run's streamed rows: writers that parse `timeseries.csv` and `jobs.csv`
//! rows as the engine produces them and keep only per-month sums, so a forecast of years costs
//! O(months) memory.
//!
//! ## How it works
//! Month m (0-based) covers simulated time [warmup + m·M, warmup + (m + 1)·M). A timeseries row
//! describes the interval that ends at its `time_s`; it counts in the month holding that
//! interval's last instant. Columns ending in `_kwh` are cumulative energies: their month value
//! is the increase over the month; every other numeric column is a time-weighted mean over the
//! month. Columns the facility model adds later (cooling power, PUE) are folded the same way
//! without a change here. A jobs.csv row counts as a submission (and a rejection) in the month of
//! its `submit_s`, and its wait in the month of its `start_s`.

use std::io::{self, Write};

use crate::metrics::PERCENTILE_PRECISION;
use crate::metrics::histogram::LogHistogram;

/// The month calendar of a forecast run.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    /// Warm-up before month 1, ms (not reported).
    pub warmup_ms: u64,
    /// Length of a month, ms.
    pub month_ms: u64,
    /// Months reported.
    pub months: usize,
}

impl Calendar {
    /// The month (0-based) of an instant; None during the warm-up.
    pub fn month_of(&self, t_ms: u64) -> Option<usize> {
        if t_ms < self.warmup_ms {
            return None;
        }
        Some((((t_ms - self.warmup_ms) / self.month_ms) as usize).min(self.months.saturating_sub(1)))
    }
}

/// Splits written bytes into lines and hands each complete line to `f`.
struct Lines {
    buf: Vec<u8>,
}

impl Lines {
    fn feed(&mut self, bytes: &[u8], mut f: impl FnMut(&str)) {
        for &b in bytes {
            if b == b'\n' {
                if let Ok(line) = std::str::from_utf8(&self.buf) {
                    f(line);
                }
                self.buf.clear();
            } else {
                self.buf.push(b);
            }
        }
    }
}

/// `Write` for a fold: bytes are split into lines, each handed to the fold's `row`.
macro_rules! line_writer {
    ($fold:ty) => {
        impl Write for $fold {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                let mut lines = std::mem::replace(&mut self.lines, Lines { buf: Vec::new() });
                lines.feed(bytes, |l| self.row(l));
                self.lines = lines;
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
    };
}

/// Folds timeseries.csv rows into monthly means and energy increases.
pub struct SeriesFold {
    cal: Calendar,
    lines: Lines,
    /// Column names after `time_s`.
    pub columns: Vec<String>,
    cumulative: Vec<bool>,
    last_values: Vec<f64>,
    prev_ms: u64,
    /// Per month: per column, Σ value·dt (means) or Σ increase (cumulative).
    pub sums: Vec<Vec<f64>>,
    /// Per month: Σ dt, ms.
    pub covered_ms: Vec<f64>,
}

impl SeriesFold {
    /// An empty fold.
    pub fn new(cal: Calendar) -> SeriesFold {
        SeriesFold {
            cal,
            lines: Lines { buf: Vec::new() },
            columns: Vec::new(),
            cumulative: Vec::new(),
            last_values: Vec::new(),
            prev_ms: 0,
            sums: vec![Vec::new(); cal.months],
            covered_ms: vec![0.0; cal.months],
        }
    }

    fn row(&mut self, line: &str) {
        let mut cells = line.split(',');
        let first = cells.next().unwrap_or("");
        if self.columns.is_empty() {
            self.columns = cells.map(str::to_string).collect();
            self.cumulative = self.columns.iter().map(|c| c.ends_with("_kwh")).collect();
            self.last_values = vec![0.0; self.columns.len()];
            self.sums = vec![vec![0.0; self.columns.len()]; self.cal.months];
            debug_assert_eq!(first, "time_s");
            return;
        }
        let Ok(t_s) = first.parse::<f64>() else { return };
        let t_ms = (t_s * 1000.0).round() as u64;
        let dt = t_ms.saturating_sub(self.prev_ms) as f64;
        self.prev_ms = t_ms;
        let month = self.cal.month_of(t_ms.saturating_sub(1));
        for (k, cell) in cells.enumerate().take(self.columns.len()) {
            let Ok(v) = cell.parse::<f64>() else { continue };
            let Some(m) = month else {
                self.last_values[k] = v;
                continue;
            };
            if self.cumulative[k] {
                self.sums[m][k] += v - self.last_values[k];
            } else {
                self.sums[m][k] += v * dt;
            }
            self.last_values[k] = v;
        }
        if let Some(m) = month {
            self.covered_ms[m] += dt;
        }
    }

    /// Month `m`'s value of column `k`: the mean, or the increase for cumulative columns.
    pub fn value(&self, m: usize, k: usize) -> f64 {
        if self.cumulative[k] {
            self.sums[m][k]
        } else if self.covered_ms[m] > 0.0 {
            self.sums[m][k] / self.covered_ms[m]
        } else {
            f64::NAN
        }
    }

    /// The index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

line_writer!(SeriesFold);

/// Folds jobs.csv rows into monthly submissions, rejections and wait histograms.
pub struct JobsFold {
    cal: Calendar,
    lines: Lines,
    idx: Option<[usize; 4]>,
    /// Per month: jobs submitted.
    pub submitted: Vec<u64>,
    /// Per month: jobs rejected at submission.
    pub rejected: Vec<u64>,
    /// Per month: waits of jobs that started, ms.
    pub waits: Vec<LogHistogram>,
}

impl JobsFold {
    /// An empty fold.
    pub fn new(cal: Calendar) -> JobsFold {
        JobsFold {
            cal,
            lines: Lines { buf: Vec::new() },
            idx: None,
            submitted: vec![0; cal.months],
            rejected: vec![0; cal.months],
            waits: (0..cal.months).map(|_| LogHistogram::new(PERCENTILE_PRECISION)).collect(),
        }
    }

    fn row(&mut self, line: &str) {
        // Class names hold no commas and `reason`, the only quoted field, comes last.
        let cells: Vec<&str> = line.split(',').collect();
        let Some([submit, start, wait, state]) = self.idx else {
            let find = |n: &str| cells.iter().position(|c| *c == n);
            if let (Some(a), Some(b), Some(c), Some(d)) = (find("submit_s"), find("start_s"), find("wait_s"), find("state")) {
                self.idx = Some([a, b, c, d]);
            }
            return;
        };
        let ms = |k: usize| cells.get(k).and_then(|c| c.parse::<f64>().ok()).map(|s| (s * 1000.0).round() as u64);
        if let Some(m) = ms(submit).and_then(|t| self.cal.month_of(t)) {
            self.submitted[m] += 1;
            if cells.get(state) == Some(&"rejected") {
                self.rejected[m] += 1;
            }
        }
        if let (Some(s), Some(w)) = (ms(start), ms(wait))
            && let Some(m) = self.cal.month_of(s)
        {
            self.waits[m].record(w);
        }
    }
}

line_writer!(JobsFold);

/// A writer that is either fold (the engine takes one writer type for both outputs).
pub enum Fold {
    /// timeseries.csv.
    Series(SeriesFold),
    /// jobs.csv.
    Jobs(JobsFold),
}

impl Write for Fold {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Fold::Series(s) => s.write(bytes),
            Fold::Jobs(j) => j.write(bytes),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_fold_means_and_increases_by_month() {
        let cal = Calendar { warmup_ms: 10_000, month_ms: 20_000, months: 2 };
        let mut f = SeriesFold::new(cal);
        let text = "time_s,u,e_kwh\n10,9,1\n20,0.5,2\n30,1.0,4\n40,0.2,5\n50,0.4,8\n";
        f.write_all(text.as_bytes()).unwrap();
        assert_eq!(f.value(0, 0), 0.75);
        assert_eq!(f.value(0, 1), 3.0);
        assert!((f.value(1, 0) - 0.3).abs() < 1e-12);
        assert_eq!(f.value(1, 1), 4.0);
    }

    #[test]
    fn jobs_fold_counts_by_submit_and_start_month() {
        let cal = Calendar { warmup_ms: 0, month_ms: 100_000, months: 2 };
        let mut f = JobsFold::new(cal);
        let text = "job_id,class,accelerators,accelerators_allocated,nodes,submit_s,start_s,end_s,wait_s,run_s,utilization,state,reason\n\
            1,a,8,8,1,10,20,30,10,10,0.5,completed,\"\"\n\
            2,a,8,,,50,,,,,0.5,rejected,\"too big, never fits\"\n\
            3,a,8,8,1,90,150,,60,40,0.5,running,\"\"\n";
        f.write_all(text.as_bytes()).unwrap();
        assert_eq!(f.submitted, vec![3, 0]);
        assert_eq!(f.rejected, vec![1, 0]);
        assert_eq!(f.waits[0].count(), 1);
        assert_eq!(f.waits[1].count(), 1);
        assert_eq!(f.waits[1].max_ms(), 60_000);
    }
}
