//! The network's state during a run: the structure and step time of each running job, the
//! per-pod uplink demand (kept incrementally: added at start, subtracted at end), the jobs that
//! cross the spine, and the accumulators of the `network` and MFU metrics. Rates are re-evaluated
//! at sampling ticks only, and only when some pod's demand changed since the last tick
//! ([`NetState::retune`]); see the module doc of [`super`] for the equations.

use super::{Fabric, Shape, Step, Tier, duration_s, step};
use crate::config::Scenario;
use crate::config::network::Work;
use crate::model::workload::{Job, JobSlot};

/// Relative change of a job's speed below which its end is not rescheduled.
const RATE_EPS: f64 = 1e-9;

#[derive(Debug, Clone, Default)]
struct NetJob {
    active: bool,
    training: bool,
    n: u32,
    peak_flops: f64,
    shape: Shape,
    ideal_s: f64,
    step: Step,
    duty: f64,
    share: f64,
    /// (pod, accelerators) of a spine-crossing training job.
    pods: Vec<(u32, u32)>,
    crossing_at: usize,
    since_ms: u64,
}

/// Per-run network state and metric accumulators (a resource, present with a `[network]` or a
/// work-defined class).
#[derive(bevy_ecs::prelude::Resource, Debug)]
pub struct NetState {
    /// The fabric (None: work-defined jobs without a `[network]`, no communication cost).
    pub fabric: Option<Fabric>,
    works: Vec<Option<Work>>,
    per_node_of_class: Vec<u32>,
    jobs: Vec<NetJob>,
    pod_demand: Vec<f64>,
    dirty: bool,
    crossing: Vec<JobSlot>,
    /// Model FLOPs delivered by work-defined jobs.
    pub flops_done: f64,
    /// Σ n x peak FLOP/s x held ms of work-defined jobs (the denominator of MFU).
    pub peak_flop_ms: f64,
    /// Σ exposed fraction x accelerator-ms of work-defined training jobs.
    pub exposed_acc_ms: f64,
    /// Σ (step / ideal step) x accelerator-ms of work-defined training jobs.
    pub slowdown_acc_ms: f64,
    /// Σ accelerator-ms of work-defined training jobs on the fabric.
    pub train_acc_ms: f64,
    /// Jobs started (with a fabric).
    pub jobs_placed: u64,
    /// Jobs whose placement crossed the spine.
    pub jobs_crossing_spine: u64,
    /// Rate changes from bandwidth sharing.
    pub rate_changes: u64,
}

impl NetState {
    /// The state of a scenario with a `[network]` or a work-defined class (None otherwise).
    /// `labels` are the engine's class labels; `per_node` the accelerators of every node.
    pub fn new(sc: &Scenario, labels: &[String], per_node: &[u32]) -> Option<NetState> {
        let any_work = sc.classes.iter().any(|c| c.work.is_some());
        if sc.network.is_none() && !any_work {
            return None;
        }
        let fabric = sc.network.as_ref().map(|n| Fabric::new(n, per_node));
        let mut works = Vec::new();
        let mut per_node_of_class = Vec::new();
        for l in labels {
            let c = sc.classes.iter().find(|c| &c.name == l);
            works.push(c.and_then(|c| c.work.clone()));
            let nt = c.and_then(|c| c.device).and_then(|d| sc.node_types.iter().find(|n| n.device == d)).or(sc.node_types.first());
            per_node_of_class.push(nt.map_or(1, |n| n.accelerators));
        }
        let pods = fabric.as_ref().map_or(0, |f| f.pod_capacity.len());
        Some(NetState {
            fabric,
            works,
            per_node_of_class,
            jobs: Vec::new(),
            pod_demand: vec![0.0; pods],
            dirty: false,
            crossing: Vec::new(),
            flops_done: 0.0,
            peak_flop_ms: 0.0,
            exposed_acc_ms: 0.0,
            slowdown_acc_ms: 0.0,
            train_acc_ms: 0.0,
            jobs_placed: 0,
            jobs_crossing_spine: 0,
            rate_changes: 0,
        })
    }

    /// Whether class `class` is work-defined.
    pub fn is_work(&self, class: u16) -> bool {
        self.works.get(class as usize).is_some_and(Option::is_some)
    }

    /// Duration (ms, at least 1) and model FLOPs of a work-defined job of `n` accelerators at its
    /// ideal placement; None for duration-defined classes.
    pub fn submit(&self, class: u16, n: u32) -> Option<(u64, f64)> {
        let w = self.works.get(class as usize)?.as_ref()?;
        let ideal = self.ideal_step(w, class, n);
        let ms = (duration_s(w, &ideal) * 1000.0).round().clamp(1.0, u64::MAX as f64 / 4.0) as u64;
        Some((ms, w.flops()))
    }

    fn ideal_step(&self, w: &Work, class: u16, n: u32) -> Step {
        match &self.fabric {
            Some(f) => step(w, Some(f), &f.ideal_shape(n, self.per_node_of_class[class as usize]), 1.0),
            None => step(w, None, &Shape { accelerators: n, ..Default::default() }, 1.0),
        }
    }

    /// A job starts on its allocation: records its shape and demand; returns its speed relative
    /// to its ideal placement (1 for duration-defined jobs).
    pub fn start(&mut self, slot: JobSlot, job: &Job, now: u64) -> f64 {
        let s = slot as usize;
        if self.jobs.len() <= s {
            self.jobs.resize_with(s + 1, NetJob::default);
        }
        let shape = self.fabric.as_ref().map(|f| f.shape(job.requested, &job.alloc));
        if let Some(sh) = &shape {
            self.jobs_placed += 1;
            self.jobs_crossing_spine += u64::from(sh.tier == Tier::Spine);
        }
        let Some(w) = self.works.get(job.class as usize).and_then(|w| w.as_ref()) else {
            self.jobs[s].active = false;
            return 1.0;
        };
        let ideal = self.ideal_step(w, job.class, job.requested);
        let mut e = std::mem::take(&mut self.jobs[s]);
        e.active = true;
        e.training = w.gradient_bytes > 0.0 && self.fabric.is_some();
        e.n = job.requested;
        e.peak_flops = w.peak_flops;
        e.shape = shape.unwrap_or(Shape { accelerators: job.requested, ..Default::default() });
        e.ideal_s = ideal.total_s();
        e.since_ms = now;
        e.pods.clear();
        e.share = 1.0;
        let full = step(w, self.fabric.as_ref(), &e.shape, 1.0);
        e.duty = if full.total_s() > 0.0 { (full.inter_s / full.total_s()).min(1.0) } else { 0.0 };
        if e.training
            && e.shape.tier == Tier::Spine
            && let Some(f) = &self.fabric
        {
            for &(n, mask) in &job.alloc {
                let p = f.pod_of_node[n as usize];
                let a = mask.count_ones();
                match e.pods.last_mut() {
                    Some((lp, la)) if *lp == p => *la += a,
                    _ => e.pods.push((p, a)),
                }
            }
            for &(p, a) in &e.pods {
                self.pod_demand[p as usize] += a as f64 * e.duty;
            }
            e.crossing_at = self.crossing.len();
            self.crossing.push(slot);
            self.dirty = true;
            e.share = self.share_of(&e.pods);
        }
        e.step = step(w, self.fabric.as_ref(), &e.shape, e.share);
        let rate = e.ideal_s / e.step.total_s();
        self.jobs[s] = e;
        rate
    }

    fn share_of(&self, pods: &[(u32, u32)]) -> f64 {
        let Some(f) = &self.fabric else { return 1.0 };
        pods.iter().map(|&(p, _)| (f.pod_capacity[p as usize] / self.pod_demand[p as usize].max(1e-300)).min(1.0)).fold(1.0, f64::min)
    }

    /// Folds a running job's exposed fraction and slowdown over [since, now].
    fn account(&mut self, slot: JobSlot, now: u64) {
        let e = &mut self.jobs[slot as usize];
        if !e.active || !e.training {
            return;
        }
        let acc_ms = e.n as f64 * now.saturating_sub(e.since_ms) as f64;
        e.since_ms = now;
        let total = e.step.total_s();
        if total > 0.0 {
            self.exposed_acc_ms += e.step.exposed_s / total * acc_ms;
            self.slowdown_acc_ms += total / e.ideal_s * acc_ms;
            self.train_acc_ms += acc_ms;
        }
    }

    /// A job stops (completed, interrupted or at the horizon) after holding its accelerators
    /// since `start_ms`; `done` is the fraction of its work done in this attempt.
    pub fn stop(&mut self, slot: JobSlot, job: &Job, now: u64, done: f64) {
        let s = slot as usize;
        if s >= self.jobs.len() || !self.jobs[s].active {
            return;
        }
        self.account(slot, now);
        let e = &mut self.jobs[s];
        e.active = false;
        self.flops_done += job.flops * done.clamp(0.0, 1.0);
        self.peak_flop_ms += e.n as f64 * e.peak_flops * now.saturating_sub(job.start_ms) as f64;
        if !e.pods.is_empty() {
            for &(p, a) in &e.pods {
                self.pod_demand[p as usize] = (self.pod_demand[p as usize] - a as f64 * e.duty).max(0.0);
            }
            let at = e.crossing_at;
            self.crossing.swap_remove(at);
            if let Some(&moved) = self.crossing.get(at) {
                self.jobs[moved as usize].crossing_at = at;
            }
            self.jobs[s].pods.clear();
            self.dirty = true;
        }
    }

    /// At a sampling tick: folds the metrics of spine-crossing jobs and, if some pod's demand
    /// changed, recomputes their shares. Pushes (slot, new speed relative to ideal) of jobs whose
    /// speed changed into `out`. O(spine-crossing jobs) when something changed, O(1) otherwise.
    pub fn retune(&mut self, now: u64, out: &mut Vec<(JobSlot, f64)>) {
        out.clear();
        if !self.dirty {
            return;
        }
        self.dirty = false;
        for i in 0..self.crossing.len() {
            let slot = self.crossing[i];
            let share = self.share_of(&self.jobs[slot as usize].pods);
            let old = self.jobs[slot as usize].share;
            if (share - old).abs() <= RATE_EPS * old {
                continue;
            }
            self.account(slot, now);
            self.jobs[slot as usize].share = share;
            out.push((slot, share));
        }
    }

    /// Recomputes a job's step at its new share (after [`NetState::retune`]); returns its speed.
    pub fn rate_at_share(&mut self, slot: JobSlot, class: u16) -> f64 {
        let Some(w) = self.works.get(class as usize).and_then(|w| w.as_ref()) else { return 1.0 };
        let e = &mut self.jobs[slot as usize];
        e.step = step(w, self.fabric.as_ref(), &e.shape, e.share);
        self.rate_changes += 1;
        e.ideal_s / e.step.total_s()
    }

    /// Step time of a running work-defined job at its placement, s (0 for others).
    pub fn step_s(&self, slot: JobSlot) -> f64 {
        self.jobs.get(slot as usize).filter(|e| e.active).map_or(0.0, |e| e.step.total_s())
    }

    /// Folds every running job's metrics up to `now` (at the end of a run).
    pub fn account_all(&mut self, slots: &[JobSlot], now: u64) {
        for &s in slots {
            if (s as usize) < self.jobs.len() {
                self.account(s, now);
            }
        }
    }

    /// Model FLOPs utilization of work-defined jobs so far (None if none ran).
    pub fn mfu(&self) -> Option<f64> {
        (self.peak_flop_ms > 0.0).then(|| self.flops_done / (self.peak_flop_ms / 1000.0))
    }
}
