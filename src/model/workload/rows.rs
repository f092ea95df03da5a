//! `jobs.csv`: one row per job when it leaves the system (rejected, completed, failed, cancelled,
//! stopped), then the jobs still running or queued at the horizon. Rows stream to a [`Sink`] as they are made.

use std::io::{self, Write};

use bevy_ecs::prelude::Resource;

use super::{Job, JobState};
use crate::metrics::csv::{Row, Sink};

/// `jobs.csv`.
#[derive(Resource)]
pub struct JobsWriter {
    out: Box<dyn Sink>,
    row: Row,
    interruptions: bool,
    network: bool,
    /// Trace columns, with the trace's GPU constraints and states to name.
    trace: Option<(Vec<String>, Vec<String>)>,
    /// Whether rows are written (false during a warm-up).
    open: bool,
}

/// Columns jobs.csv adds for a trace in a known format (alibaba-v2023, acme, helios).
pub const JOBS_TRACE_COLUMNS: &str = "gpu_milli,cpu_milli,memory_mib,gpu_spec,trace_line,trace_state";

/// Header of jobs.csv.
pub const JOBS_HEADER: &str =
    "job_id,class,accelerators,accelerators_allocated,nodes,submit_s,start_s,end_s,wait_s,run_s,utilization,state,reason";

impl JobsWriter {
    /// Writes the header.
    pub fn new(out: Box<dyn Sink>) -> io::Result<Self> {
        Self::with_columns(out, false, None)
    }

    /// Writes the header with, when asked, an `interruptions` column (runs with failures) and
    /// the trace columns [`JOBS_TRACE_COLUMNS`] (`trace` gives the GPU constraints and states
    /// that jobs index).
    pub fn with_columns(out: Box<dyn Sink>, interruptions: bool, trace: Option<(Vec<String>, Vec<String>)>) -> io::Result<Self> {
        Self::with_all(out, interruptions, trace, false)
    }

    /// As [`JobsWriter::with_columns`], then, if `network`, the columns `model_pflop` (model
    /// FLOPs / 1e15) and `step_s` (runs with a `[network]` or work-defined classes).
    pub fn with_all(
        mut out: Box<dyn Sink>,
        interruptions: bool,
        trace: Option<(Vec<String>, Vec<String>)>,
        network: bool,
    ) -> io::Result<Self> {
        write!(out, "{JOBS_HEADER}")?;
        if interruptions {
            write!(out, ",interruptions")?;
        }
        if trace.is_some() {
            write!(out, ",{JOBS_TRACE_COLUMNS}")?;
        }
        if network {
            write!(out, ",model_pflop,step_s")?;
        }
        writeln!(out)?;
        Ok(JobsWriter { out, row: Row::default(), interruptions, network, trace, open: true })
    }

    /// Writes the header with a last `interruptions` column (runs with failures).
    pub fn with_interruptions(out: Box<dyn Sink>) -> io::Result<Self> {
        Self::with_columns(out, true, None)
    }

    /// Writes one job. `end_ms` is its end (completed) or the horizon (running); `reason` is for
    /// rejections.
    pub fn row(&mut self, job: &Job, class: &str, state: JobState, end_ms: Option<u64>, reason: &str) -> io::Result<()> {
        if !self.open {
            return Ok(());
        }
        // A stopped replica ran if it has an end time; a cancelled one never started.
        let ended = matches!(state, JobState::Completed | JobState::Failed | JobState::Cancelled);
        let started = ended || state == JobState::Running || (state == JobState::Stopped && end_ms.is_some());
        let on = |v: u64| started.then_some(v);
        let end = if ended || state == JobState::Stopped { end_ms } else { None };
        let run_end = end_ms.unwrap_or(job.start_ms);
        let r = &mut self.row;
        r.clear();
        r.u64(job.id);
        r.sep();
        r.str(class);
        r.sep();
        r.u64(job.requested as u64);
        r.sep();
        r.opt_u64(on(job.allocated as u64));
        r.sep();
        r.opt_u64(on(job.alloc.len() as u64));
        r.sep();
        r.secs(job.submit_ms);
        r.sep();
        r.opt_secs(on(job.start_ms));
        r.sep();
        r.opt_secs(end);
        r.sep();
        r.opt_secs(on(job.start_ms.saturating_sub(job.submit_ms)));
        r.sep();
        r.opt_secs(on(run_end.saturating_sub(job.start_ms)));
        r.sep();
        r.fixed(job.utilization_bp as f64 / 1e4, 4);
        r.sep();
        r.str(state.name());
        r.str(",\"");
        r.str(reason);
        r.str("\"");
        if self.interruptions {
            r.sep();
            r.u64(job.interruptions as u64);
        }
        if let Some((specs, states)) = &self.trace {
            let q = &job.request;
            r.sep();
            r.u64(q.gpu_milli as u64);
            r.sep();
            r.u64(q.cpu_milli as u64);
            r.sep();
            r.u64(q.memory_mib as u64);
            r.sep();
            r.str(table_name(specs, q.spec));
            r.sep();
            r.u64(q.trace_line as u64);
            r.sep();
            r.str(table_name(states, q.trace_state));
        }
        if self.network {
            r.sep();
            r.fixed(job.flops / 1e15, 3);
            r.sep();
            r.fixed(job.step_s, 6);
        }
        r.str("\n");
        self.out.write_all(&r.buf)
    }

    /// Drops the rows of jobs that leave during a warm-up, until [`JobsWriter::open_window`].
    pub fn warming_up(&mut self) {
        self.open = false;
    }

    /// Opens the measuring window: jobs that leave from now on are written.
    pub fn open_window(&mut self) {
        self.open = true;
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<Box<dyn Sink>> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Entry `i - 1` of a table, "" for 0 (none).
fn table_name(t: &[String], i: u16) -> &str {
    if i == 0 { "" } else { t.get(i as usize - 1).map_or("", String::as_str) }
}
