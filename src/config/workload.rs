//! The workload: synthetic job classes (size, duration and utilization distributions, arrival
//! profiles), a demand schedule, and traces of real jobs to replay.

use std::path::PathBuf;

pub use crate::catalog::ClassKind;

/// Accelerators per job.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeDist {
    /// Always this many.
    Fixed(u32),
    /// One of `values` with probabilities proportional to `weights`.
    Choice {
        /// Sizes.
        values: Vec<u32>,
        /// Weights.
        weights: Vec<f64>,
    },
    /// 2^k for k in [log2 min, log2 max], P proportional to 2^(-alpha k).
    Power2 {
        /// Smallest size.
        min: u32,
        /// Largest size.
        max: u32,
        /// Tail exponent.
        alpha: f64,
    },
}

/// Job run time.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    /// Always this long, ms.
    Fixed(u64),
    /// exp(N(ln median, sigma^2)), clipped.
    Lognormal {
        /// Median, ms.
        median_ms: u64,
        /// Log-space standard deviation.
        sigma: f64,
        /// Lower clip, ms.
        min_ms: u64,
        /// Upper clip, ms.
        max_ms: u64,
    },
    /// Resampled from a file's values.
    Empirical {
        /// The CSV file.
        file: PathBuf,
        /// Unit of its values, ms.
        unit_ms: u64,
        /// Multiplier.
        scale: f64,
        /// Lower clip, ms.
        min_ms: u64,
        /// Upper clip, ms.
        max_ms: u64,
        /// The values after unit, scale and clipping, ms.
        values_ms: Vec<u64>,
    },
}

/// Per-job utilization: Beta(mean, sd), or fixed when sd = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtilDist {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

/// The share of a class's jobs that end on their own in one state, and when: after a lognormal
/// amount of work (ms at full speed), or at the job's own end if that comes first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndDist {
    /// Share of the class's jobs, 0-1.
    pub share: f64,
    /// Median work before the end, ms.
    pub median_ms: u64,
    /// Log-space standard deviation.
    pub sigma: f64,
}

/// How a class's jobs end on their own: the shares that fail and that are cancelled (the rest
/// complete), with their time distributions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ends {
    /// Jobs that fail (user error, out of memory, bad configuration).
    pub failed: EndDist,
    /// Jobs their users cancel.
    pub cancelled: EndDist,
}

/// A synthetic job class.
#[derive(Debug, Clone, PartialEq)]
pub struct JobClass {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ClassKind,
    /// Mean arrivals per second.
    pub rate_per_s: f64,
    /// Hour-of-day multipliers as given (normalised at use).
    pub hour_of_day: Option<Vec<f64>>,
    /// Day-of-week multipliers as given, Monday first (normalised at use).
    pub day_of_week: Option<Vec<f64>>,
    /// Size distribution.
    pub size: SizeDist,
    /// Duration distribution.
    pub duration: DurationDist,
    /// Utilization distribution.
    pub utilization: UtilDist,
    /// Priority (higher first).
    pub priority: i32,
    /// Runtime estimate over true duration.
    pub estimate_factor: f64,
    /// Required device, index into [`super::Scenario::devices`].
    pub device: Option<usize>,
    /// Work that defines the duration (None: `duration` does).
    pub work: Option<super::network::Work>,
    /// Whether a higher-priority job may preempt its jobs (with `[scheduler] preemption`).
    pub preemptible: bool,
    /// How its jobs end on their own (failed, cancelled).
    pub ends: Ends,
}

/// Demand over time: the multiplier of the last step whose start is at or before t, 1 before
/// the first step. Applied to synthetic classes by thinning; trace jobs are replayed as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSchedule {
    /// (from_ms, multiplier >= 0), from_ms increasing.
    pub steps: Vec<(u64, f64)>,
}

impl DemandSchedule {
    /// The multiplier at `t_ms`.
    pub fn at(&self, t_ms: f64) -> f64 {
        let i = self.steps.partition_point(|(from, _)| (*from as f64) <= t_ms);
        if i == 0 { 1.0 } else { self.steps[i - 1].1 }
    }

    /// The largest multiplier over all time (at least the 1 before the first step).
    pub fn max(&self) -> f64 {
        self.steps.iter().map(|s| s.1).fold(1.0, f64::max)
    }
}

/// One job of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceJob {
    /// Submit time, ms from the start.
    pub submit_ms: u64,
    /// Accelerators (0: a CPU-only pod of an Alibaba trace).
    pub accelerators: u32,
    /// Run time, ms.
    pub duration_ms: u64,
    /// Index into [`Trace::labels`].
    pub label: u16,
    /// Utilization.
    pub utilization: f64,
    /// Share of each accelerator, thousandths (1000 = whole; below 1000 only for one accelerator).
    pub gpu_milli: u16,
    /// CPU asked for, thousandths of a core (0 where the trace does not say).
    pub cpu_milli: u32,
    /// Memory asked for, MiB (0 where the trace does not say).
    pub memory_mib: u32,
    /// Accelerator constraint: 0 = any, else 1 + index into [`Trace::specs`].
    pub spec: u16,
    /// Nodes the trace says the job ran on (0 where it does not say).
    pub nodes: u16,
    /// Final state in the trace: 0 = not given, else 1 + index into [`Trace::states`].
    pub state: u16,
    /// 1-based line of the job in the trace file.
    pub line: u32,
}

impl TraceJob {
    /// A job of whole accelerators without CPU, memory or device constraints.
    pub fn whole(submit_ms: u64, accelerators: u32, duration_ms: u64, label: u16, utilization: f64, line: u32) -> TraceJob {
        TraceJob {
            submit_ms,
            accelerators,
            duration_ms,
            label,
            utilization,
            gpu_milli: 1000,
            cpu_milli: 0,
            memory_mib: 0,
            spec: 0,
            nodes: 0,
            state: 0,
            line,
        }
    }
}

/// The layout of a trace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// Columns named in the scenario.
    Generic,
    /// Alibaba cluster-trace-gpu-v2023 pod list (fractional GPU shares, CPU and memory).
    AlibabaV2023,
    /// Acme (Shanghai AI Lab, NSDI'24) job log.
    Acme,
    /// Helios (SenseTime, SC'21) job log.
    Helios,
}

impl TraceFormat {
    /// Names in scenarios.
    pub const ALL: [(TraceFormat, &'static str); 4] = [
        (TraceFormat::Generic, "generic"),
        (TraceFormat::AlibabaV2023, "alibaba-v2023"),
        (TraceFormat::Acme, "acme"),
        (TraceFormat::Helios, "helios"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        TraceFormat::ALL.iter().find(|(f, _)| *f == self).map_or("generic", |(_, n)| n)
    }
}

/// Column names of a generic trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceColumns {
    /// Submit time column.
    pub submit: String,
    /// Accelerator count column.
    pub accelerators: String,
    /// Run time column.
    pub duration: String,
    /// Optional class column.
    pub class: Option<String>,
    /// Optional utilization column (0-1).
    pub utilization: Option<String>,
    /// Optional final-state column: FAILED, NODE_FAIL, OUT_OF_MEMORY, TIMEOUT and Failed fail,
    /// CANCELLED is cancelled, anything else completes.
    pub state: Option<String>,
}

/// A trace to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The CSV file.
    pub file: PathBuf,
    /// Column mapping of a generic trace (None: the format names its own columns).
    pub columns: Option<TraceColumns>,
    /// Unit of time columns, ms.
    pub time_unit_ms: u64,
    /// Whether submit times were shifted to start at zero.
    pub start_at_zero: bool,
    /// Label of rows without a class.
    pub class: String,
    /// Utilization of rows without one.
    pub utilization: f64,
    /// Distinct class labels.
    pub labels: Vec<String>,
    /// Jobs sorted by submit time.
    pub jobs: Vec<TraceJob>,
    /// The file's layout.
    pub format: TraceFormat,
    /// Distinct accelerator constraints (e.g. "V100M16|V100M32"), see [`TraceJob::spec`].
    pub specs: Vec<String>,
    /// Distinct final states (e.g. "COMPLETED"), see [`TraceJob::state`].
    pub states: Vec<String>,
    /// Rows not replayed, by reason (e.g. pods never scheduled), in order of first occurrence.
    pub skipped: Vec<(String, u64)>,
}

impl Trace {
    /// Whether jobs carry fractional accelerator shares, CPU and memory (placement by shares).
    pub fn shares(&self) -> bool {
        self.format == TraceFormat::AlibabaV2023
    }
}
