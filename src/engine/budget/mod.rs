//! Resource guards: what a run will need in memory and on disk, estimated from the resolved
//! scenario before anything is built, and the limits a run is held to. `aidc check` prints the
//! estimate; `run`, `sweep`, `forecast` and `demo` refuse a design over a limit with exit code 2
//! and the scenario field that drives it, before they allocate anything that scales with it.
//!
//! ## How it works
//! **Memory** ([`estimate`]) = program + equipment + class statistics + live jobs + trace (+ the
//! columns `--report` reads back). Equipment is linear in racks, nodes and accelerators (ECS
//! entities, the topology, the placement indexes; failures, network and GPU shares add their
//! per-node and per-accelerator vectors); each class label keeps four fixed-size histograms; a
//! live job (queued or running) costs its slab slot, its events and its queue entries. The byte
//! figures are fitted to peak resident memory (VmHWM) measured on designs of 10^6 racks, nodes
//! and accelerators and on a queue of 722,052 jobs (BENCHMARKS.md, "Resource guards"). Live
//! jobs follow a fluid model ([`jobs`]); the expected figure is what `check` prints, the refusal
//! uses the bound: at most `scheduler.max_queued` jobs wait (the scheduler rejects arrivals
//! beyond it, as Slurm's MaxJobCount does), at most one job per accelerator runs and as many
//! may be put back in the queue, so no accepted run can outgrow its checked bound through its
//! queue.
//!
//! **Output** = timeseries.csv (horizon / step + 1 rows of [`estimate::CELL_BYTES`] per column) +
//! jobs.csv (one row per submitted job: the expected arrivals, the trace rows inside the horizon,
//! the replicas of services) + alarms.csv (at most [`crate::model::facility::MAX_ALARM_ROWS`]
//! rows) + the small files.
//!
//! **Limits** ([`Limits`]): without `--allow-large` a run may use half of the memory available
//! ([`machine::memory`]) and write [`DEFAULT_MAX_OUTPUT`] (`AIDC_MAX_OUTPUT` changes that bound);
//! with it, 90 % of the memory available. Output never passes 90 % of the free disk space of the
//! output folder's file system. A design over the bounds of the flag is refused whatever the flag
//! says: it would end in an allocation failure, an out-of-memory kill or a full disk. Sweeps and
//! forecasts run as many runs in parallel as fit ([`parallel_runs`]).

mod estimate;
pub mod jobs;
pub mod machine;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use estimate::*;

use crate::scenario::units::format_duration;
use crate::scenario::{FieldPath, Scenario, ScenarioError, Source};
use estimate::Driver;

/// The output a run may write without `--allow-large`, bytes (4 GiB).
pub const DEFAULT_MAX_OUTPUT: u64 = 4 << 30;
/// The environment variable that replaces [`DEFAULT_MAX_OUTPUT`] (a size like `500MB`).
pub const OUTPUT_VAR: &str = "AIDC_MAX_OUTPUT";
/// Share of the memory available a run may use without and with `--allow-large`.
pub const MEMORY_SHARE: (f64, f64) = (0.5, 0.9);
/// Share of the free disk space a run may fill.
pub const DISK_SHARE: f64 = 0.9;

/// Why the limits of this machine cannot be read or no run fits in them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BudgetError {
    /// An environment variable that sets a bound holds no size.
    #[error("{var}={value:?}: {why}")]
    Setting {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// Why it is not a size.
        why: String,
    },
    /// Not even one run of a sweep or forecast fits in memory (sizes said for people).
    #[error(
        "one run needs up to {per_run} beside {shared} of tables for all runs and the program, more than a run may use here ({cap}, {rule}){flag}"
    )]
    NoRoomForOneRun {
        /// What one run needs.
        per_run: String,
        /// What the tables shared by all runs and the program need.
        shared: String,
        /// What a run may use here.
        cap: String,
        /// The rule that sets the cap.
        rule: String,
        /// ", or pass --allow-large" where the flag would help.
        flag: &'static str,
    },
}

/// The limits a run is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The memory available (None: do not check memory).
    pub memory: Option<machine::Memory>,
    /// The output bound without `--allow-large`, bytes.
    pub max_output: u64,
    /// Free space of the output folder's file system, bytes, where known.
    pub disk_free: Option<u64>,
    /// `--allow-large`: only what cannot fit is refused.
    pub allow_large: bool,
}

impl Limits {
    /// The share of these limits one of `n` runs held in memory together gets (the sites of a
    /// federation): memory, the output bound and the free disk divided by `n`.
    pub fn shared_by(mut self, n: usize) -> Limits {
        let n = n.max(1) as u64;
        if let Some(m) = self.memory.as_mut() {
            m.bytes /= n;
        }
        self.max_output /= n;
        self.disk_free = self.disk_free.map(|d| d / n);
        self
    }

    /// This machine's limits for a run writing into `out` (None: a run in memory).
    pub fn of_machine(out: Option<&Path>, allow_large: bool) -> Result<Limits, BudgetError> {
        let max_output = match std::env::var(OUTPUT_VAR) {
            Ok(v) => crate::scenario::units::parse_bytes(&v).map_err(|e| BudgetError::Setting {
                var: OUTPUT_VAR,
                value: v.clone(),
                why: e.to_string(),
            })? as u64,
            Err(_) => DEFAULT_MAX_OUTPUT,
        };
        Ok(Limits { memory: Some(machine::memory()?), max_output, disk_free: out.and_then(machine::disk_free), allow_large })
    }

    /// The memory a run may use, bytes.
    pub fn memory_cap(&self) -> Option<f64> {
        self.memory.map(|m| m.bytes as f64 * if self.allow_large { MEMORY_SHARE.1 } else { MEMORY_SHARE.0 })
    }

    /// Whether `bytes_out` of output fit; if not, the bound passed, said for people, and whether
    /// `--allow-large` lifts it.
    pub fn check_output(&self, bytes_out: f64) -> Result<(), (String, bool)> {
        let disk = self.disk_free.map(|d| d as f64 * DISK_SHARE);
        if let Some(d) = disk.filter(|d| bytes_out > *d) {
            return Err((format!("90 % of the {} free on the output folder's disk", bytes(d / DISK_SHARE)), false));
        }
        if !self.allow_large && bytes_out > self.max_output as f64 {
            let rule =
                format!("the {} a run may write without --allow-large ({OUTPUT_VAR} changes the bound)", bytes(self.max_output as f64));
            return Err((rule, true));
        }
        Ok(())
    }

    /// Whether `--allow-large` would let `need` bytes of memory through.
    fn flag_helps(&self, need: f64) -> bool {
        !self.allow_large && self.memory.is_some_and(|m| need <= m.bytes as f64 * MEMORY_SHARE.1)
    }

    /// The memory bound for people; `need` says whether `--allow-large` would be enough.
    fn memory_rule(&self, need: f64) -> String {
        match self.memory {
            Some(m) if self.allow_large => format!("90 % of the {} available", bytes(m.bytes as f64)),
            Some(m) if self.flag_helps(need) => format!("half of the {} available", bytes(m.bytes as f64)),
            Some(m) => format!("half of the {} available, and not even the 90 % --allow-large allows", bytes(m.bytes as f64)),
            None => String::new(),
        }
    }
}

/// Why a run is refused: the field that drives it and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The scenario field.
    pub field: FieldPath,
    /// The message.
    pub message: String,
}

impl Refusal {
    /// The refusal located in the scenario's text (`text`, or its file read again).
    pub fn located(self, sc: &Scenario, text: Option<&str>) -> ScenarioError {
        let text = text.map(str::to_string).or_else(|| std::fs::read_to_string(&sc.file).ok()).unwrap_or_default();
        Source::new(&sc.file, text).error(&self.field, self.message)
    }
}

/// Checks an estimate against the limits: the field and what to do when it does not fit.
pub fn check(est: &Estimate, limits: &Limits) -> Result<(), Refusal> {
    if let Some(cap) = limits.memory_cap() {
        let need = est.memory_bound_bytes();
        if need > cap {
            let (driver, field) = est.memory_driver();
            let (detail, fix) = match driver {
                Driver::Program => (format!("the program itself: {}", bytes(PROGRAM_BYTES)), "free some memory"),
                Driver::Equipment => (
                    format!(
                        "{} racks, {} nodes, {} accelerators: {} of equipment",
                        count(est.racks as f64),
                        count(est.nodes as f64),
                        count(est.accelerators as f64),
                        bytes(est.equipment.bytes)
                    ),
                    "use fewer racks, nodes or accelerators",
                ),
                Driver::Classes => (
                    format!("statistics of {} class labels: {}", count(est.labels as f64), bytes(est.classes.bytes)),
                    "use fewer class labels",
                ),
                Driver::Jobs => (
                    format!(
                        "up to {} live jobs of {} each, about {} expected",
                        count(est.live_jobs_bound),
                        bytes(est.job_bytes),
                        count(est.live_jobs)
                    ),
                    "lower scheduler.max_queued or the arrival rate",
                ),
                Driver::Trace => {
                    (format!("{} trace rows: {}", count(est.trace_rows as f64), bytes(est.trace.bytes)), "replay a shorter trace")
                }
                Driver::Report => (
                    format!("--report reads back {} timeseries rows: {}", count(est.samples as f64), bytes(est.report.bytes)),
                    "leave out --report or use a longer step",
                ),
            };
            return Err(Refusal {
                field,
                message: format!(
                    "this run needs up to {} of memory ({detail}), more than a run may use here ({}: {}); {fix}{}",
                    bytes(need),
                    bytes(cap),
                    limits.memory_rule(need),
                    or_flag(limits.flag_helps(need))
                ),
            });
        }
    }
    let out = est.output_bytes();
    if let Err((over, flag)) = limits.check_output(out) {
        let (part, what) = if est.timeseries.bytes >= est.jobs_csv.bytes {
            let every = format!("a row every {} over {}", format_duration(est.step_ms), format_duration(est.horizon_ms));
            let rows = format!("{} rows x {} columns", count(est.samples as f64), est.columns);
            (&est.timeseries, format!("timeseries.csv, {every}: {rows}, {}", bytes(est.timeseries.bytes)))
        } else {
            (&est.jobs_csv, format!("jobs.csv: about {} rows, {}", count(est.job_rows), bytes(est.jobs_csv.bytes)))
        };
        let fix = if est.timeseries.bytes >= est.jobs_csv.bytes {
            "use a longer step or a shorter horizon"
        } else {
            "lower the rate or shorten the horizon"
        };
        return Err(Refusal {
            field: part.field.clone(),
            message: format!("this run would write about {} ({what}), more than {over}; {fix}{}", bytes(out), or_flag(flag)),
        });
    }
    Ok(())
}

/// ", or pass --allow-large" where the flag would let the run through.
pub fn or_flag(helps: bool) -> &'static str {
    if helps { ", or pass --allow-large" } else { "" }
}

/// How many of `wanted` runs of `per_run_bytes` each (see [`Estimate::parallel_run_bytes`]) fit
/// in parallel beside `shared_bytes` (tables kept for all runs); an error says why not even one.
pub fn parallel_runs(per_run_bytes: f64, shared_bytes: f64, wanted: usize, limits: &Limits) -> Result<usize, BudgetError> {
    let wanted = wanted.max(1);
    let Some(cap) = limits.memory_cap() else { return Ok(wanted) };
    let fit = ((cap - PROGRAM_BYTES - shared_bytes) / per_run_bytes).floor();
    if fit < 1.0 {
        return Err(BudgetError::NoRoomForOneRun {
            per_run: bytes(per_run_bytes),
            shared: bytes(shared_bytes + PROGRAM_BYTES),
            cap: bytes(cap),
            rule: limits.memory_rule(PROGRAM_BYTES + shared_bytes + per_run_bytes),
            flag: or_flag(limits.flag_helps(PROGRAM_BYTES + shared_bytes + per_run_bytes)),
        });
    }
    Ok((fit as usize).min(wanted))
}

/// Bytes for people: "812 B", "12.3 MiB", "1.4 TiB".
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if !b.is_finite() || b < 1024.0 {
        return format!("{:.0} B", b.max(0.0));
    }
    let mut v = b;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// A count for people, rounded and with thousands separators: 1234567.8 -> "1,234,568".
pub fn count(v: f64) -> String {
    if v >= 1e15 {
        return format!("{v:.2e}");
    }
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
