//! The job book: per-class counters and distributions kept as jobs come and go, and the `jobs`
//! and `trace` sections of summary.json folded from them.
//!
//! ## Definitions (also in the README)
//! - wait: start - submit of every job that started; completion time: end - submit of every
//!   completed job. Percentiles are nearest-rank over a log histogram (0.5 % relative error).
//! - waits of jobs still queued at the horizon: their wait so far, horizon - submit, is a lower
//!   bound of their wait (a right-censored observation). `wait_incl_queued_s` counts it as if
//!   they started at the horizon (each percentile a lower bound of the true one);
//!   `wait_km_s` is the Kaplan-Meier estimate with them censored (Kaplan & Meier 1958), null
//!   where it lies beyond every observed start. A scheduler that leaves jobs waiting no longer
//!   looks better than one that starts them late.
//! - slowdown of a completed job (Feitelson, Rudolph, Schwiegelshohn, Sevcik & Wong, "Theory
//!   and practice in parallel job scheduling", JSSPP 1997): s = (wait + run) / run = JCT / run,
//!   with run the job's work at full speed (so time lost to throttling, failures and
//!   preemption counts as delay); bounded slowdown max(1, JCT / max(run, 10 s)) keeps very
//!   short jobs from dominating.

use std::collections::BTreeMap;

use bevy_ecs::prelude::Resource;
use serde::{Deserialize, Serialize};

use super::End;
use crate::metrics::histogram::LogHistogram;
use crate::metrics::{KaplanMeier, PERCENTILE_PRECISION, Percentiles};

/// Bound of the bounded slowdown, ms (Feitelson et al. 1997 use 10 s).
const SLOWDOWN_BOUND_MS: u64 = 10_000;

/// Per-class job figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Submitted.
    pub submitted: u64,
    /// Completed.
    pub completed: u64,
    /// Rejected.
    pub rejected: u64,
    /// Accelerator-hours allocated to the class within the horizon.
    pub accelerator_hours: f64,
    /// Waits of started jobs, s.
    pub wait_s: Percentiles,
    /// Waits of started jobs and waits so far of jobs still queued at the horizon, s.
    #[serde(default)]
    pub wait_incl_queued_s: Percentiles,
    /// Kaplan-Meier percentiles of the wait, jobs still queued censored, s.
    #[serde(default)]
    pub wait_km_s: KaplanMeier,
    /// Completion times (end - submit) of completed jobs, s; `completion_s.mean` is the mean JCT.
    pub completion_s: Percentiles,
    /// Slowdown (wait + run) / run of completed jobs, run = the job's work at full speed
    /// (dimensionless, in the `Percentiles` fields).
    #[serde(default)]
    pub slowdown: Percentiles,
    /// Bounded slowdown max(1, (wait + run) / max(run, 10 s)) (Feitelson et al. 1997).
    #[serde(default)]
    pub bounded_slowdown: Percentiles,
    /// Times its jobs were preempted.
    #[serde(default)]
    pub preemptions: u64,
    /// Accelerator-hours of work its preempted jobs lost (since their last checkpoint).
    #[serde(default)]
    pub preempted_lost_accelerator_hours: f64,
    /// Jobs that failed on their own.
    #[serde(default)]
    pub failed: u64,
    /// Jobs cancelled by their users while running.
    #[serde(default)]
    pub cancelled: u64,
    /// Accelerator-hours held by its failed and cancelled jobs (their last attempt), lost.
    #[serde(default)]
    pub lost_accelerator_hours: f64,
}

/// `jobs` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobsSummary {
    /// Submitted within the horizon.
    pub submitted: u64,
    /// Completed within the horizon.
    pub completed: u64,
    /// Rejected at submission (can never fit, or above a quota).
    pub rejected: u64,
    /// Still running at the horizon.
    pub running_at_end: u64,
    /// Still queued at the horizon.
    pub queued_at_end: u64,
    /// Waits of started jobs, s.
    pub wait_s: Percentiles,
    /// Waits of started jobs and waits so far of jobs still queued at the horizon, s.
    #[serde(default)]
    pub wait_incl_queued_s: Percentiles,
    /// Kaplan-Meier percentiles of the wait, jobs still queued censored, s.
    #[serde(default)]
    pub wait_km_s: KaplanMeier,
    /// Completion times of completed jobs, s.
    pub completion_s: Percentiles,
    /// By class.
    pub by_class: BTreeMap<String, ClassSummary>,
    /// Preemptions of running jobs, all classes.
    #[serde(default)]
    pub preemptions: u64,
    /// Service replicas stopped or cancelled by their autoscaler.
    #[serde(default)]
    pub stopped: u64,
    /// Jobs that failed on their own (user error, out of memory, bad configuration).
    #[serde(default)]
    pub failed: u64,
    /// Jobs cancelled by their users while running.
    #[serde(default)]
    pub cancelled: u64,
    /// Accelerator-hours held by failed jobs (their last attempt), lost.
    #[serde(default)]
    pub failed_accelerator_hours: f64,
    /// Accelerator-hours held by cancelled jobs (their last attempt), lost.
    #[serde(default)]
    pub cancelled_accelerator_hours: f64,
}

/// What a trace replay read (`trace` in summary.json).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceInfo {
    /// The trace file's name (its folder left out, so that outputs do not depend on where the
    /// data lives).
    pub file: String,
    /// Its format ("generic", "alibaba-v2023", "acme", "helios").
    pub format: String,
    /// Jobs replayed (rows read less rows skipped; jobs submitted after the horizon included).
    pub jobs: u64,
    /// Rows not replayed, by reason.
    pub skipped: BTreeMap<String, u64>,
}

impl TraceInfo {
    /// The summary of a scenario's trace.
    pub fn of(t: &crate::config::Trace) -> TraceInfo {
        TraceInfo {
            file: t.file.file_name().map_or_else(|| t.file.display().to_string(), |n| n.to_string_lossy().into_owned()),
            format: t.format.name().to_string(),
            jobs: t.jobs.len() as u64,
            skipped: t.skipped.iter().cloned().collect(),
        }
    }
}

/// Per-class accumulators.
#[derive(Debug, Clone)]
pub struct ClassStats {
    /// Counters (wait and completion are filled at the end).
    pub summary: ClassSummary,
    /// Waits, ms.
    pub wait: LogHistogram,
    /// Completion times, ms.
    pub completion: LogHistogram,
    /// Allocated accelerator-ms of finished jobs.
    pub accelerator_ms: u128,
    /// Slowdowns x 1000 (so that the ms histogram keeps three decimals).
    pub slowdown: LogHistogram,
    /// Bounded slowdowns x 1000.
    pub bounded_slowdown: LogHistogram,
    /// Lost accelerator-ms of preempted attempts.
    pub preempted_lost_ms: f64,
    /// Accelerator-ms held by failed jobs in their last attempt.
    pub failed_ms: u128,
    /// Accelerator-ms held by cancelled jobs in their last attempt.
    pub cancelled_ms: u128,
}

impl ClassStats {
    /// Empty accumulators.
    pub fn new() -> ClassStats {
        ClassStats {
            summary: ClassSummary::default(),
            wait: LogHistogram::new(PERCENTILE_PRECISION),
            completion: LogHistogram::new(PERCENTILE_PRECISION),
            accelerator_ms: 0,
            slowdown: LogHistogram::new(PERCENTILE_PRECISION),
            bounded_slowdown: LogHistogram::new(PERCENTILE_PRECISION),
            preempted_lost_ms: 0.0,
            failed_ms: 0,
            cancelled_ms: 0,
        }
    }
}

impl Default for ClassStats {
    fn default() -> Self {
        ClassStats::new()
    }
}

/// Counters and distributions of the jobs of a run (a resource).
#[derive(Resource, Debug)]
pub struct JobBook {
    /// Per class, in engine order.
    pub stats: Vec<ClassStats>,
    /// Waits of every started job, ms.
    pub wait: LogHistogram,
    /// Completion times of every completed job, ms.
    pub completion: LogHistogram,
    /// Jobs completed.
    pub completed: u64,
    /// Jobs rejected at submission.
    pub rejected: u64,
    /// Most live jobs at once.
    pub peak_live: u64,
    /// Id of the first job submitted in the measuring window (0 without a warm-up).
    pub first_id: u64,
}

impl JobBook {
    /// An empty book for `classes` classes.
    pub fn new(classes: usize) -> JobBook {
        JobBook {
            stats: (0..classes).map(|_| ClassStats::new()).collect(),
            wait: LogHistogram::new(PERCENTILE_PRECISION),
            completion: LogHistogram::new(PERCENTILE_PRECISION),
            completed: 0,
            rejected: 0,
            peak_live: 0,
            first_id: 0,
        }
    }

    /// Opens the measuring window at the end of a warm-up, when `next_id` jobs have been
    /// submitted: every counter and distribution restarts (the jobs running then count when
    /// they end, their waits do not).
    pub fn open_window(&mut self, next_id: u64) {
        *self = JobBook { peak_live: self.peak_live, first_id: next_id, ..JobBook::new(self.stats.len()) };
    }

    /// A job of `class` started for the first time after waiting `wait_ms`.
    pub fn started(&mut self, class: u16, wait_ms: u64) {
        self.wait.record(wait_ms);
        self.stats[class as usize].wait.record(wait_ms);
    }

    /// A job of `class` completed `jct_ms` after its submission, having held `held` accelerator-ms
    /// in its last attempt for `work_ms` of work at full speed.
    pub fn completed(&mut self, class: u16, jct_ms: u64, work_ms: u64, held: u128) {
        self.completion.record(jct_ms);
        let st = &mut self.stats[class as usize];
        st.completion.record(jct_ms);
        let work = work_ms.max(1) as f64;
        let s = (jct_ms as f64 / work).max(1.0);
        let b = (jct_ms as f64 / work_ms.max(SLOWDOWN_BOUND_MS) as f64).max(1.0);
        st.slowdown.record((s * 1000.0).round() as u64);
        st.bounded_slowdown.record((b * 1000.0).round() as u64);
        st.summary.completed += 1;
        st.accelerator_ms += held;
        self.completed += 1;
    }

    /// A job of `class` failed or was cancelled on its own, having held `held` accelerator-ms in
    /// its last attempt (counted as lost, and in the class's accelerator-hours).
    pub fn ended_early(&mut self, class: u16, end: End, held: u128) {
        let st = &mut self.stats[class as usize];
        st.accelerator_ms += held;
        match end {
            End::Fail => {
                st.summary.failed += 1;
                st.failed_ms += held;
            }
            End::Cancel => {
                st.summary.cancelled += 1;
                st.cancelled_ms += held;
            }
            End::Complete => {}
        }
    }

    /// (failed, cancelled, failed accelerator-hours, cancelled accelerator-hours), all classes.
    pub fn ended_early_totals(&self) -> (u64, u64, f64, f64) {
        self.stats.iter().fold((0, 0, 0.0, 0.0), |(f, c, fh, ch), s| {
            (f + s.summary.failed, c + s.summary.cancelled, fh + s.failed_ms as f64 / 3.6e6, ch + s.cancelled_ms as f64 / 3.6e6)
        })
    }

    /// The `jobs.by_class` section, in label order.
    pub fn by_class(&self, labels: &[String], queued: &Censored) -> BTreeMap<String, ClassSummary> {
        labels
            .iter()
            .zip(&self.stats)
            .zip(&queued.by_class)
            .map(|((l, s), q)| {
                let mut c = s.summary.clone();
                c.accelerator_hours = s.accelerator_ms as f64 / 3.6e6;
                c.wait_s = Percentiles::of(&s.wait);
                (c.wait_incl_queued_s, c.wait_km_s) = queued_waits(&s.wait, q);
                c.completion_s = Percentiles::of(&s.completion);
                c.slowdown = Percentiles::of(&s.slowdown);
                c.bounded_slowdown = Percentiles::of(&s.bounded_slowdown);
                c.preempted_lost_accelerator_hours = s.preempted_lost_ms / 3.6e6;
                c.lost_accelerator_hours = (s.failed_ms + s.cancelled_ms) as f64 / 3.6e6;
                (l.clone(), c)
            })
            .collect()
    }
}

/// The waits so far (horizon - submit, ms) of the jobs still queued at the horizon that never
/// started: all classes and per class.
#[derive(Debug)]
pub struct Censored {
    /// All classes.
    pub all: LogHistogram,
    /// Per class, in engine order.
    pub by_class: Vec<LogHistogram>,
}

impl Censored {
    /// From (class, wait so far in ms) of each such job, for `classes` classes (once, at the horizon).
    pub fn of(classes: usize, waits: impl IntoIterator<Item = (u16, u64)>) -> Censored {
        let mut c =
            Censored { all: LogHistogram::new(PERCENTILE_PRECISION), by_class: vec![LogHistogram::new(PERCENTILE_PRECISION); classes] };
        for (class, ms) in waits {
            c.all.record(ms);
            c.by_class[class as usize].record(ms);
        }
        c
    }
}

/// (`wait_incl_queued_s`, `wait_km_s`) from the waits of started jobs and of those still queued.
pub fn queued_waits(started: &LogHistogram, queued: &LogHistogram) -> (Percentiles, KaplanMeier) {
    let mut all = started.clone();
    all.merge(queued);
    (Percentiles::of(&all), KaplanMeier::of(started, queued))
}
