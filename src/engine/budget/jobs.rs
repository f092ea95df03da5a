//! The fluid model of a run's jobs: how many are live (queued or running) at the peak, the most
//! there can be, and how many rows jobs.csv gets.
//!
//! ## How it works
//! A class of rate λ whose jobs hold a accelerators for d seconds offers L = λ E(a d)
//! accelerators and keeps λ E(d) jobs running (Little's law); the trace does the same with its
//! rows inside the horizon; an inference service holds its replicas (requests / (replica rate x
//! target utilization), at the peak) and starts and stops about (peak - trough) of them a day.
//! While the offered load exceeds [`EFFECTIVE_CAPACITY`] of the installed accelerators, the
//! excess share of the arrivals, N (1 - U C / L), stays queued to the end (a forecast's demand
//! steps are taken one by one, a backlog is not drained). The expected peak is
//! [`PEAK_FACTOR`] times the running jobs (bursts, daily profiles) plus that backlog. The bound
//! holds for every run: at most one job per accelerator runs (every job but a trace's CPU-only pods holds
//! one; a pod of a GPU share may not), at most `scheduler.max_queued` wait beside the jobs put
//! back in the queue (preempted or interrupted, at most one per accelerator too), and no more
//! jobs than arrive.

use std::cell::RefCell;

use crate::model::workload::ClassSampler;
use crate::scenario::network::Work;
use crate::scenario::{DurationDist, FieldPath, JobClass, Scenario, SizeDist};

/// Share of the installed accelerators a saturated scheduler keeps allocated [rule of thumb:
/// EASY backfill on mixed gang jobs; bench-10k holds 74 % at an offered 75 %, and
/// fragmentation leaves 10-20 % idle under overload].
pub const EFFECTIVE_CAPACITY: f64 = 0.85;
/// Peak live jobs over the modelled running jobs of a stable queue [measured on the ready
/// scenarios: from 0.8 (wuhu-10k) to 6.3 (classroom, where a 128-accelerator job blocks the
/// queue), 2.2 on bench-10k; BENCHMARKS.md "Resource guards"].
pub const PEAK_FACTOR: f64 = 3.0;
/// Draws per class for the mean size and duration (the error of a mean is its standard
/// deviation / 32). A sweep estimates every point: the means of a job shape are kept per thread
/// ([`MEMO`] of them), so points that share it (other seeds, other rates) draw it once.
const DRAWS: usize = 1000;
/// Job shapes whose means each thread keeps.
const MEMO: usize = 64;
/// Seed of the draws: the means are a property of the shape, not of a run's seed.
const SEED: u64 = 0x6775_6172_6473;

/// What the means of a class depend on: its size and duration distributions and its work.
type Shape = (SizeDist, DurationDist, Option<Work>);

thread_local! {
    static MEANS: RefCell<Vec<(Shape, (f64, f64))>> = const { RefCell::new(Vec::new()) };
}

/// Mean duration (s) and accelerator-seconds of a class's jobs (see [`draw_means`]), remembered.
fn class_means(c: &JobClass) -> (f64, f64) {
    let shape: Shape = (c.size.clone(), c.duration.clone(), c.work.clone());
    let known = MEANS.with(|m| m.borrow().iter().find(|(k, _)| *k == shape).map(|e| e.1));
    known.unwrap_or_else(|| {
        let means = draw_means(c);
        MEANS.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= MEMO {
                m.remove(0);
            }
            m.push((shape, means));
        });
        means
    })
}

/// Jobs of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct JobLoad {
    /// Expected peak of live jobs.
    pub live: f64,
    /// The most live jobs possible.
    pub bound: f64,
    /// What drives the live jobs.
    pub field: FieldPath,
    /// Expected jobs.csv rows.
    pub rows: f64,
    /// What drives the rows.
    pub rows_field: FieldPath,
}

/// Mean duration (s) and accelerator-seconds of a class's jobs, from draws of a stream of their
/// own (a run's streams are not touched).
fn draw_means(c: &JobClass) -> (f64, f64) {
    let mut s = ClassSampler::new(c, SEED, 0);
    let (mut dur_s, mut acc_s) = (0.0, 0.0);
    for _ in 0..DRAWS {
        let j = s.draw();
        let a = j.accelerators.max(1) as f64;
        let work_s = match &c.work {
            // Work-defined: FLOPs / (peak x mfu) accelerator-seconds, spread over its accelerators.
            Some(w) => w.flops() / (w.peak_flops * w.mfu),
            None => a * j.duration_ms as f64 / 1000.0,
        };
        dur_s += work_s / a;
        acc_s += work_s;
    }
    (dur_s / DRAWS as f64, acc_s / DRAWS as f64)
}

/// (seconds, demand multiplier) of each demand step inside the horizon (one step without).
fn segments(sc: &Scenario) -> Vec<(f64, f64)> {
    let Some(d) = sc.demand.as_ref().filter(|d| !d.steps.is_empty()) else { return vec![(sc.horizon_ms as f64 / 1000.0, 1.0)] };
    let mut cuts: Vec<(u64, f64)> = vec![(0, 1.0)];
    cuts.extend(d.steps.iter().copied().filter(|(t, _)| *t < sc.horizon_ms));
    (0..cuts.len())
        .map(|i| {
            let end = cuts.get(i + 1).map_or(sc.horizon_ms, |c| c.0);
            (end.saturating_sub(cuts[i].0) as f64 / 1000.0, cuts[i].1)
        })
        .collect()
}

/// The fluid model of a run's jobs (see the module documentation).
pub fn jobs(sc: &Scenario) -> JobLoad {
    let horizon_s = sc.horizon_ms as f64 / 1000.0;
    // Per class: (rate /s, mean duration s, mean accelerator-seconds).
    let classes: Vec<(f64, f64, f64)> = sc
        .classes
        .iter()
        .map(|c| {
            let (d, ad) = class_means(c);
            (c.rate_per_s, d, ad)
        })
        .collect();
    // The trace: rows inside the horizon, their job-seconds and accelerator-seconds.
    let (mut trace_rows, mut trace_job_s, mut trace_acc_s, mut whole) = (0.0, 0.0, 0.0, true);
    if let Some(t) = &sc.trace {
        for j in t.jobs.iter().filter(|j| j.submit_ms <= sc.horizon_ms) {
            let d = j.duration_ms as f64 / 1000.0;
            trace_rows += 1.0;
            trace_job_s += d;
            trace_acc_s += d * j.accelerators as f64 * if t.shares() { j.gpu_milli as f64 / 1000.0 } else { 1.0 };
            // A pod of a GPU share (or of no GPU) does not hold an accelerator of its own.
            whole &= j.accelerators >= 1 && j.gpu_milli >= 1000;
        }
    }
    // Services: replicas at the peak, the accelerators they hold on average, replicas started.
    let days = (horizon_s / 86_400.0).ceil();
    let (mut replicas, mut replica_acc, mut service_rows) = (0.0, 0.0, 0.0);
    for s in &sc.services {
        let (peak, trough) = (s.replicas_for(s.peak_rate_per_s), s.replicas_for(s.peak_rate_per_s * s.trough_share()));
        replicas += peak;
        replica_acc += s.accelerators as f64 * (peak + trough) / 2.0;
        service_rows += peak + days * (peak - trough);
    }
    let capacity = (EFFECTIVE_CAPACITY * sc.accelerators() as f64 - replica_acc).max(0.0);
    let per_s = |v: f64| if horizon_s > 0.0 { v / horizon_s } else { 0.0 };
    let (mut arrivals, mut queued, mut running) = (trace_rows, 0.0, 0.0f64);
    for (span_s, m) in segments(sc) {
        let class_n: f64 = classes.iter().map(|c| c.0 * m * span_s).sum();
        let n = class_n + trace_rows * per_s(span_s);
        let offered: f64 = classes.iter().map(|c| c.0 * m * c.2).sum::<f64>() + per_s(trace_acc_s);
        let in_service: f64 = classes.iter().map(|c| c.0 * m * c.1).sum::<f64>() + per_s(trace_job_s);
        let served = if offered > capacity { capacity / offered } else { 1.0 };
        arrivals += class_n;
        queued += n * (1.0 - served);
        running = running.max(in_service * served);
    }
    let running = running.min(arrivals);
    let total = arrivals + service_rows;
    let live = (PEAK_FACTOR * running + queued + replicas).min(total);
    // At most one running job per accelerator, and `max_queued` waiting plus the jobs put back
    // in the queue (preempted or interrupted: at most one per accelerator as well).
    let running_max = if whole { sc.accelerators() as f64 } else { arrivals + service_rows };
    let capped = 2.0 * running_max + sc.scheduler.max_queued as f64;
    let bound = total.min(capped);

    let busiest = classes.iter().enumerate().map(|(i, c)| (c.0, i)).max_by(|a, b| a.0.total_cmp(&b.0));
    let rows_field = match busiest {
        Some((rate, i)) if rate * horizon_s >= trace_rows => FieldPath::root("workload").key("classes").index(i).key("rate"),
        _ if trace_rows > 0.0 => FieldPath::root("workload").key("trace").key("file"),
        _ if !sc.services.is_empty() => FieldPath::root("services"),
        _ => FieldPath::root("workload"),
    };
    let field = if capped < total { FieldPath::root("scheduler").key("max_queued") } else { rows_field.clone() };
    JobLoad { live: live.min(bound), bound, field, rows: total, rows_field }
}
