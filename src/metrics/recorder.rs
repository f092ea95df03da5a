//! Streamed CSV outputs: a row is formatted into a reused buffer and written as it is produced,
//! so memory does not grow with simulated time. Units are in the column names.

use std::io::{self, Write};

use super::Sample;
use crate::model::facility::FacilityTick;
use crate::model::grid::ledger::GridTick;
use crate::model::workload::{Job, JobState};

/// `timeseries.csv`.
pub struct TimeseriesWriter<W: Write> {
    out: W,
    row: Row,
    grid: bool,
}

/// Header of timeseries.csv.
pub const TIMESERIES_HEADER: &str =
    "time_s,accelerators_allocated,utilization_allocated,utilization_effective,it_power_kw,it_energy_kwh,queue_length,running_jobs";

/// Columns timeseries.csv adds when the scenario has a facility.
pub const FACILITY_COLUMNS: &str = "outdoor_db_c,outdoor_wb_c,facility_power_kw,cooling_power_kw,power_loss_kw,other_power_kw,pue,water_l_per_h,free_cooling_fraction,supply_temp_c,chilled_water_temp_c,junction_temp_c,throttled_accelerators";

/// A row built as bytes in a reused buffer: numbers are written digit by digit, because the
/// `core::fmt` path (and above all exact-precision floats like `{:.3}`) costs several times more
/// and a year at one-minute steps writes half a million rows.
#[derive(Default)]
struct Row {
    buf: Vec<u8>,
}

impl Row {
    fn clear(&mut self) {
        self.buf.clear();
    }

    fn sep(&mut self) {
        self.buf.push(b',');
    }

    fn str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn u64(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// A number with `d` decimals (at most 6), rounded half away from zero; values beyond
    /// 2^53 fall back to the standard formatter.
    fn fixed(&mut self, v: f64, d: u32) {
        const POW10: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
        let m = POW10[d.min(6) as usize];
        let x = (v * m as f64).round();
        if !x.is_finite() || x.abs() >= 9.0e15 || d > 6 {
            self.str(&format!("{v:.*}", d as usize));
            return;
        }
        if x < 0.0 {
            self.buf.push(b'-');
        }
        let n = x.abs() as u64;
        self.u64(n / m);
        if d > 0 {
            self.buf.push(b'.');
            let frac = n % m;
            for k in (0..d).rev() {
                self.buf.push(b'0' + ((frac / POW10[k as usize]) % 10) as u8);
            }
        }
    }

    /// Milliseconds as seconds, exactly ("12", "12.345").
    fn secs(&mut self, ms: u64) {
        self.u64(ms / 1000);
        if !ms.is_multiple_of(1000) {
            let r = ms % 1000;
            self.buf.extend_from_slice(&[b'.', b'0' + (r / 100) as u8, b'0' + (r / 10 % 10) as u8, b'0' + (r % 10) as u8]);
        }
    }

    fn opt_secs(&mut self, ms: Option<u64>) {
        if let Some(ms) = ms {
            self.secs(ms);
        }
    }

    fn opt_u64(&mut self, n: Option<u64>) {
        if let Some(n) = n {
            self.u64(n);
        }
    }
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the header (with the facility columns when `facility`, then the grid columns
    /// when `grid`).
    pub fn new(mut out: W, facility: bool, grid: bool) -> io::Result<Self> {
        write!(out, "{TIMESERIES_HEADER}")?;
        if facility {
            write!(out, ",{FACILITY_COLUMNS}")?;
        }
        if grid {
            write!(out, ",{}", crate::model::grid::ledger::GRID_COLUMNS)?;
        }
        writeln!(out)?;
        Ok(TimeseriesWriter { out, row: Row::default(), grid })
    }

    /// Writes one row; with a facility, its tick, the main loop's supply temperature and the
    /// accelerators thermally capped.
    /// With a grid section, the tick's grid figures follow.
    pub fn row(&mut self, s: &Sample, facility: Option<(&FacilityTick, f64, u64)>, grid: Option<&GridTick>) -> io::Result<()> {
        let r = &mut self.row;
        r.clear();
        r.secs(s.time_ms);
        r.sep();
        r.u64(s.accelerators_allocated);
        r.sep();
        r.fixed(s.utilization_allocated, 6);
        r.sep();
        r.fixed(s.utilization_effective, 6);
        r.sep();
        r.fixed(s.it_power_kw, 3);
        r.sep();
        r.fixed(s.it_energy_kwh, 3);
        r.sep();
        r.u64(s.queue_length);
        r.sep();
        r.u64(s.running_jobs);
        if let Some((f, supply_c, capped)) = facility {
            for (v, d) in [
                (f.outdoor.dry_bulb_c, 2),
                (f.outdoor.wet_bulb_c, 2),
                (f.facility_w() / 1000.0, 3),
                (f.cooling_w() / 1000.0, 3),
                (f.loss_w() / 1000.0, 3),
                (f.auxiliary_w / 1000.0, 3),
                (f.pue(), 4),
                (f.water_l_per_h, 1),
                (f.free_fraction, 4),
                (supply_c, 2),
                (f.chw_supply_c, 2),
                (f.junction_c, 1),
            ] {
                r.sep();
                r.fixed(v, d);
            }
            r.sep();
            r.u64(capped);
        }
        if let (true, Some(g)) = (self.grid, grid) {
            for (v, d) in g.columns() {
                r.sep();
                r.fixed(v, d);
            }
        }
        r.buf.push(b'\n');
        self.out.write_all(&r.buf)
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
    row: Row,
    interruptions: bool,
    network: bool,
    /// Trace columns, with the trace's GPU constraints and states to name.
    trace: Option<(Vec<String>, Vec<String>)>,
}

/// Columns jobs.csv adds for a trace in a known format (alibaba-v2023, acme, helios).
pub const JOBS_TRACE_COLUMNS: &str = "gpu_milli,cpu_milli,memory_mib,gpu_spec,trace_line,trace_state";

/// Header of jobs.csv.
pub const JOBS_HEADER: &str =
    "job_id,class,accelerators,accelerators_allocated,nodes,submit_s,start_s,end_s,wait_s,run_s,utilization,state,reason";

impl<W: Write> JobsWriter<W> {
    /// Writes the header.
    pub fn new(out: W) -> io::Result<Self> {
        Self::with_columns(out, false, None)
    }

    /// Writes the header with, when asked, an `interruptions` column (runs with failures) and
    /// the trace columns [`JOBS_TRACE_COLUMNS`] (`trace` gives the GPU constraints and states
    /// that jobs index).
    pub fn with_columns(out: W, interruptions: bool, trace: Option<(Vec<String>, Vec<String>)>) -> io::Result<Self> {
        Self::with_all(out, interruptions, trace, false)
    }

    /// As [`JobsWriter::with_columns`], then, if `network`, the columns `model_pflop` (model
    /// FLOPs / 1e15) and `step_s` (runs with a `[network]` or work-defined classes).
    pub fn with_all(mut out: W, interruptions: bool, trace: Option<(Vec<String>, Vec<String>)>, network: bool) -> io::Result<Self> {
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
        Ok(JobsWriter { out, row: Row::default(), interruptions, network, trace })
    }

    /// Writes the header with a last `interruptions` column (runs with failures).
    pub fn with_interruptions(out: W) -> io::Result<Self> {
        Self::with_columns(out, true, None)
    }

    /// Writes one job. `end_ms` is its end (completed) or the horizon (running); `reason` is for
    /// rejections.
    pub fn row(&mut self, job: &Job, class: &str, state: JobState, end_ms: Option<u64>, reason: &str) -> io::Result<()> {
        // A stopped replica ran if it has an end time; a cancelled one never started.
        let started = matches!(state, JobState::Running | JobState::Completed) || (state == JobState::Stopped && end_ms.is_some());
        let on = |v: u64| started.then_some(v);
        let end = if matches!(state, JobState::Completed | JobState::Stopped) { end_ms } else { None };
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

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Entry `i - 1` of a table, "" for 0 (none).
fn table_name(t: &[String], i: u16) -> &str {
    if i == 0 { "" } else { t.get(i as usize - 1).map_or("", String::as_str) }
}

#[cfg(test)]
mod tests {
    use super::Row;

    #[test]
    fn row_numbers_match_the_standard_formatter_away_from_ties() {
        for (v, d) in [(0.0, 3), (1.23456, 3), (-1.23456, 2), (45.511, 3), (0.1 + 0.2, 6), (123456.789, 1), (7.0, 0), (2.5e20, 3)] {
            let mut r = Row::default();
            r.fixed(v, d);
            assert_eq!(String::from_utf8(r.buf).unwrap(), format!("{v:.*}", d as usize), "{v} {d}");
        }
        let mut r = Row::default();
        r.secs(12_345);
        r.sep();
        r.secs(7_000);
        r.sep();
        r.secs(5);
        r.sep();
        r.u64(0);
        assert_eq!(String::from_utf8(r.buf).unwrap(), "12.345,7,0.005,0");
    }
}
