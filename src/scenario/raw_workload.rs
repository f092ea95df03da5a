//! The raw `[workload]` (job classes and their distributions, a trace) and `[scheduler]`
//! sections, as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::units::{DurationMs, RatePerS};

/// `[workload]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Synthetic job classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<RawJobClass>,
    /// A trace of real jobs to replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<RawTrace>,
}

/// `[[workload.classes]]`: one kind of job with its arrival, size, duration and utilization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJobClass {
    /// Class name (appears in jobs.csv).
    pub name: String,
    /// pretrain, fine-tune, inference-service, batch-inference, evaluation, debug or other.
    pub kind: String,
    /// Mean arrival rate, e.g. "12/h".
    pub rate: RatePerS,
    /// Hour-of-day multipliers (24 values, normalised to mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_of_day: Option<Vec<f64>>,
    /// Day-of-week multipliers, Monday first (7 values, normalised to mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<Vec<f64>>,
    /// Accelerators per job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<RawSize>,
    /// Run time on the accelerators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<RawDuration>,
    /// Accelerator utilization while the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<RawUtilization>,
    /// Larger runs first under the priority policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The runtime estimate the scheduler sees, as a multiple of the true duration (>= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_factor: Option<f64>,
    /// Restrict the class to one accelerator model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// Work instead of a duration: `{ params = "70B", tokens = "1T", precision = "bf16", mfu = 0.4 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<super::network::RawWork>,
    /// Whether higher-priority work may preempt its jobs (with `[scheduler] preemption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemptible: Option<bool>,
    /// The share of its jobs that fail on their own, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<RawEnd>,
    /// The share of its jobs their users cancel, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<RawEnd>,
}

/// `failed = { share = 0.3, median = "2min", sigma = 1.5 }`: the share of a class's jobs that
/// end in that state and the lognormal work (run time at full speed) before they do; a field
/// left out takes the kind's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnd {
    /// Share of the class's jobs, 0-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Median work before the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<DurationMs>,
    /// Standard deviation of ln(time to the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
}

/// `size = { dist = ... }`: "fixed" (value), "choice" (values, weights) or "power2" (min, max,
/// alpha: P(2^k) proportional to 2^(-alpha k)). Flat, so that errors name the exact field; the
/// resolver checks which fields each `dist` needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize {
    /// "fixed", "choice" or "power2".
    pub dist: String,
    /// fixed: accelerators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    /// choice: sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<u32>>,
    /// choice: relative weights, one per size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// power2: smallest size (a power of two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// power2: largest size (a power of two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// power2: tail exponent; smaller is heavier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
}

/// `duration = { dist = ... }`: "fixed" (value), "lognormal" (median, sigma, min, max) or
/// "empirical" (file, unit, scale, min, max). Flat, like [`RawSize`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDuration {
    /// "fixed", "lognormal" or "empirical".
    pub dist: String,
    /// fixed: run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<DurationMs>,
    /// lognormal: median run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<DurationMs>,
    /// lognormal: standard deviation of ln(duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// empirical: a one-column CSV of run times, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// empirical: unit of the values, e.g. "1s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<DurationMs>,
    /// empirical: multiplier applied to every value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// lognormal, empirical: lower clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<DurationMs>,
    /// lognormal, empirical: upper clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<DurationMs>,
}

/// `utilization = { mean, sd }`: Beta-distributed per job (fixed when sd = 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUtilization {
    /// Mean utilization (0-1].
    pub mean: f64,
    /// Standard deviation across jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

/// `[workload.trace]`: a CSV of jobs, generic or in a known trace format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    /// CSV path, relative to the scenario file, or `data:REST` for a file of the shared data folder.
    pub file: String,
    /// "generic" (default), "alibaba-v2023", "acme" or "helios".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Which CSV columns hold what (generic format only).
    #[serde(default, skip_serializing_if = "RawTraceColumns::is_unset")]
    pub columns: RawTraceColumns,
    /// Unit of the submit and duration columns, e.g. "1s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<DurationMs>,
    /// Shift submit times so that the first job arrives at t = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_zero: Option<bool>,
    /// Class label of jobs without a class column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Utilization of jobs without a utilization column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
}

/// Column names of a trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraceColumns {
    /// Submit time column.
    pub submit: String,
    /// Accelerator count column.
    pub accelerators: String,
    /// Run time column.
    pub duration: String,
    /// Optional class column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Optional utilization column (0-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<String>,
    /// Optional final-state column (e.g. COMPLETED, FAILED, CANCELLED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl RawTraceColumns {
    /// Whether no column is named (formats other than generic name their own).
    pub fn is_unset(&self) -> bool {
        *self == RawTraceColumns::default()
    }
}

impl From<&RawTraceColumns> for crate::config::TraceColumns {
    fn from(c: &RawTraceColumns) -> Self {
        let c = c.clone();
        crate::config::TraceColumns {
            submit: c.submit,
            accelerators: c.accelerators,
            duration: c.duration,
            class: c.class,
            utilization: c.utilization,
            state: c.state,
        }
    }
}

impl From<&crate::config::TraceColumns> for RawTraceColumns {
    fn from(c: &crate::config::TraceColumns) -> Self {
        let c = c.clone();
        RawTraceColumns {
            submit: c.submit,
            accelerators: c.accelerators,
            duration: c.duration,
            class: c.class,
            utilization: c.utilization,
            state: c.state,
        }
    }
}

/// `[scheduler]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// fifo, backfill, priority, sjf or best-fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// How many queued jobs behind the head a backfill pass considers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_depth: Option<u32>,
    /// Whether the priority policy backfills around its top blocked job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<bool>,
    /// Largest share of all accelerators a class may hold at once (priority policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<BTreeMap<String, f64>>,
    /// Placement: "pack" (or "packing"), "topology" or "random".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Whether the priority policy preempts lower-priority preemptible jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption: Option<bool>,
    /// SJF: a job waiting longer than this goes ahead of younger jobs, e.g. "24h".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aging: Option<DurationMs>,
    /// The most jobs waiting at once; arrivals beyond are rejected ("queue full").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_queued: Option<u64>,
}
