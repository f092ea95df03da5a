//! Streamed CSV outputs: a row is formatted into a reused buffer and written as it is produced,
//! so memory does not grow with simulated time. Units are in the column names.

use std::io::{self, Write};

use super::Sample;
use crate::model::workload::{Job, JobState};

/// `timeseries.csv`.
pub struct TimeseriesWriter<W: Write> {
    out: W,
}

/// Header of timeseries.csv.
pub const TIMESERIES_HEADER: &str =
    "time_s,accelerators_allocated,utilization_allocated,utilization_effective,it_power_kw,it_energy_kwh,queue_length,running_jobs";

/// Milliseconds shown as seconds, exactly ("12", "12.345"); `None` shows as an empty cell.
struct Secs(Option<u64>);

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => Ok(()),
            Some(ms) if ms % 1000 == 0 => write!(f, "{}", ms / 1000),
            Some(ms) => write!(f, "{}.{:03}", ms / 1000, ms % 1000),
        }
    }
}

/// An optional count; `None` shows as an empty cell.
struct Count(Option<u64>);

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => Ok(()),
            Some(n) => write!(f, "{n}"),
        }
    }
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the header.
    pub fn new(mut out: W) -> io::Result<Self> {
        writeln!(out, "{TIMESERIES_HEADER}")?;
        Ok(TimeseriesWriter { out })
    }

    /// Writes one row.
    pub fn row(&mut self, s: &Sample) -> io::Result<()> {
        writeln!(
            self.out,
            "{},{},{:.6},{:.6},{:.3},{:.3},{},{}",
            Secs(Some(s.time_ms)),
            s.accelerators_allocated,
            s.utilization_allocated,
            s.utilization_effective,
            s.it_power_kw,
            s.it_energy_kwh,
            s.queue_length,
            s.running_jobs
        )
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `jobs.csv`.
pub struct JobsWriter<W: Write> {
    out: W,
}

/// Header of jobs.csv.
pub const JOBS_HEADER: &str =
    "job_id,class,accelerators,accelerators_allocated,nodes,submit_s,start_s,end_s,wait_s,run_s,utilization,state,reason";

impl<W: Write> JobsWriter<W> {
    /// Writes the header.
    pub fn new(mut out: W) -> io::Result<Self> {
        writeln!(out, "{JOBS_HEADER}")?;
        Ok(JobsWriter { out })
    }

    /// Writes one job. `end_ms` is its end (completed) or the horizon (running); `reason` is for
    /// rejections.
    pub fn row(&mut self, job: &Job, class: &str, state: JobState, end_ms: Option<u64>, reason: &str) -> io::Result<()> {
        let started = matches!(state, JobState::Running | JobState::Completed);
        let on = |v: u64| started.then_some(v);
        let end = if state == JobState::Completed { end_ms } else { None };
        let run_end = end_ms.unwrap_or(job.start_ms);
        writeln!(
            self.out,
            "{},{class},{},{},{},{},{},{},{},{},{:.4},{},\"{}\"",
            job.id,
            job.requested,
            Count(on(job.allocated as u64)),
            Count(on(job.alloc.len() as u64)),
            Secs(Some(job.submit_ms)),
            Secs(on(job.start_ms)),
            Secs(end),
            Secs(on(job.start_ms.saturating_sub(job.submit_ms))),
            Secs(on(run_end.saturating_sub(job.start_ms))),
            job.utilization_bp as f64 / 1e4,
            state.name(),
            reason
        )
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
