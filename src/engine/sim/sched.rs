//! The simulation's scheduling extras: preemption (an interruption with cause "preemption"),
//! inference-service autoscaling (models in [`crate::model::services`]), and the scheduling
//! metrics kept incrementally: slowdown, fragmentation and preemption counts.
//!
//! ## How it works
//! - Slowdown of a completed job (Feitelson, Rudolph, Schwiegelshohn, Sevcik & Wong, "Theory
//!   and practice in parallel job scheduling", JSSPP 1997): s = (wait + run) / run = JCT / run,
//!   with run the job's work at full speed (so time lost to throttling, failures and
//!   preemption counts as delay); bounded slowdown max(1, JCT / max(run, 10 s)) keeps very
//!   short jobs from dominating.
//! - Fragmentation: at each sampling tick with jobs queued, s = the smallest queued request
//!   (a multiset of queued requests is kept at every enqueue and start, O(log) each) and the
//!   stranded accelerators are the free ones on nodes with fewer than min(s, n_per_node) free
//!   slots, counted from the placement core's per-free-count buckets ([`Cluster::stranded_free`],
//!   O(n_per_node) per pool): no queued job could use them as they are. The summary gives the
//!   time average of stranded / free over the ticks with something queued and something free,
//!   the stranded accelerator-hours (stranded x step) and the share of time jobs waited while
//!   accelerators were free. A simplification: device constraints of queued jobs are ignored
//!   (the smallest request of any device stands for all).

use std::collections::BTreeMap;
use std::io::Write;

use super::Simulation;
use crate::engine::queue::{Event, EventQueue};
use crate::metrics::{ClassStats, Fragmentation, SiteLoad};
use crate::model::scheduler::Cluster;
use crate::model::services::{ServiceState, ServiceSummary};
use crate::model::workload::{JobSlot, JobState};
use crate::scenario::Scenario;

/// Why a running job stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// A failure of the component class with this index.
    Failure(usize),
    /// A higher-priority job preempted it.
    Preemption,
}

/// Bound of the bounded slowdown, ms (Feitelson et al. 1997 use 10 s).
const SLOWDOWN_BOUND_MS: u64 = 10_000;

/// Scheduling state of a simulation beyond the policy itself.
#[derive(Debug, Default)]
pub(super) struct SchedState {
    /// Victims of the last pass (scratch).
    pub preempted: Vec<JobSlot>,
    /// Preemptions so far.
    pub preemptions: u64,
    /// Replicas stopped or cancelled so far.
    pub stopped: u64,
    queued_requests: BTreeMap<u32, u32>,
    stranded_fraction_ms: f64,
    counted_ms: f64,
    stranded_acc_ms: f64,
    blocked_ms: f64,
    services: Vec<ServiceState>,
    first_service_class: usize,
}

impl SchedState {
    /// Sets up the services and queues their first autoscaler tick at t = 0.
    pub fn new(sc: &Scenario, labels: &[String], queue: &mut EventQueue) -> SchedState {
        let first = labels.len() - sc.services.len();
        let services: Vec<ServiceState> =
            sc.services.iter().enumerate().map(|(i, s)| ServiceState::new(s.clone(), (first + i) as u16)).collect();
        for i in 0..services.len() {
            queue.push(0, Event::Autoscale { service: i as u16 });
        }
        SchedState { services, first_service_class: first, ..Default::default() }
    }

    /// A job of `requested` accelerators joins (`true`) or leaves (`false`) the queue.
    pub fn queued(&mut self, requested: u32, joins: bool) {
        if joins {
            *self.queued_requests.entry(requested).or_insert(0) += 1;
        } else if let Some(n) = self.queued_requests.get_mut(&requested) {
            *n -= 1;
            if *n == 0 {
                self.queued_requests.remove(&requested);
            }
        }
    }

    fn service_of(&self, class: u16) -> Option<usize> {
        (class as usize).checked_sub(self.first_service_class).filter(|&i| i < self.services.len())
    }

    /// A replica of a service class started or stopped running.
    pub fn replica_change(&mut self, class: u16, now: u64, started: bool) {
        if let Some(i) = self.service_of(class) {
            self.services[i].replica_change(now, started);
        }
    }

    /// Fragmentation over the sampling interval `dt` ending now.
    pub fn sample_fragmentation(&mut self, cluster: &Cluster, dt: u64) {
        let Some((&min_request, _)) = self.queued_requests.first_key_value() else { return };
        let (stranded, free) = cluster.stranded_free(min_request);
        if free == 0 {
            return;
        }
        let dt = dt as f64;
        self.stranded_fraction_ms += stranded as f64 / free as f64 * dt;
        self.counted_ms += dt;
        self.stranded_acc_ms += stranded as f64 * dt;
        self.blocked_ms += dt;
    }

    /// The `fragmentation` summary section.
    pub fn fragmentation(&self, horizon_ms: u64) -> Fragmentation {
        Fragmentation {
            stranded_fraction_mean: if self.counted_ms > 0.0 { self.stranded_fraction_ms / self.counted_ms } else { 0.0 },
            stranded_accelerator_hours: self.stranded_acc_ms / 3.6e6,
            blocked_time_fraction: self.blocked_ms / horizon_ms.max(1) as f64,
        }
    }

    /// Books every service's last interval at the horizon.
    pub fn finish_services(&mut self, horizon_ms: u64) {
        for s in &mut self.services {
            s.book_interval(horizon_ms);
        }
    }

    /// The `services` summary section.
    pub fn services_summary(&self, horizon_ms: u64) -> BTreeMap<String, ServiceSummary> {
        self.services.iter().map(|s| (s.cfg.name.clone(), s.summary(horizon_ms))).collect()
    }
}

/// Records the slowdown and bounded slowdown of a completed job (x 1000 in ms histograms).
pub(super) fn record_slowdown(st: &mut ClassStats, jct_ms: u64, work_ms: u64) {
    let work = work_ms.max(1) as f64;
    let s = (jct_ms as f64 / work).max(1.0);
    let b = (jct_ms as f64 / work_ms.max(SLOWDOWN_BOUND_MS) as f64).max(1.0);
    st.slowdown.record((s * 1000.0).round() as u64);
    st.bounded_slowdown.record((b * 1000.0).round() as u64);
}

impl<W: Write> Simulation<'_, W> {
    /// Interrupts the victims a scheduling pass chose, then schedules again.
    pub(super) fn preempt(&mut self, victims: &[JobSlot]) {
        for &slot in victims {
            self.interrupt(slot, Cause::Preemption);
        }
        if !victims.is_empty() {
            self.request_schedule();
        }
    }

    /// A service's autoscaler tick: book the past interval, move the replica count to the
    /// target, queue the next tick.
    pub(super) fn on_autoscale(&mut self, i: usize) -> std::io::Result<()> {
        let now = self.now;
        let s = &mut self.sched.services[i];
        s.book_interval(now);
        let want = s.desired(now);
        let (class, accelerators, utilization) = (s.class, s.cfg.accelerators, s.cfg.utilization);
        let next = now.saturating_add(s.cfg.interval_ms);
        let live = s.replicas.len() as u64;
        // A replica runs until stopped: its run time outlasts the horizon.
        let run_ms = self.sc.horizon_ms.saturating_add(1);
        for _ in live..want {
            if let Some(slot) = self.submit(class, accelerators, run_ms, utilization)? {
                self.sched.services[i].replicas.push(slot);
            }
        }
        for _ in want..live {
            let Some(slot) = self.sched.services[i].replicas.pop() else { break };
            self.stop_replica(slot)?;
        }
        if next <= self.sc.horizon_ms {
            self.queue.push(next, Event::Autoscale { service: i as u16 });
        }
        Ok(())
    }

    /// Cancels a queued replica or stops a running one.
    fn stop_replica(&mut self, slot: JobSlot) -> std::io::Result<()> {
        let now = self.now;
        self.sched.stopped += 1;
        let class = self.jobs.get(slot).class;
        if self.scheduler.cancel(slot, &self.jobs) {
            self.sched.queued(self.jobs.get(slot).requested, false);
            self.world.resource_mut::<SiteLoad>().queued_jobs -= 1;
            self.job_rows.row(
                self.jobs.get(slot),
                &self.labels[class as usize],
                JobState::Stopped,
                None,
                "scaled down before it started",
            )?;
            self.jobs.remove(slot);
            return Ok(());
        }
        if let Some(f) = self.failures.as_mut() {
            f.end_attempt(slot, self.jobs.get_mut(slot), now, crate::model::failures::AttemptEnd::Horizon);
            f.forget(slot);
        }
        self.net_stop(slot, 0.0);
        let job = self.jobs.get(slot);
        super::apply_load(&mut self.world, &self.topo, job, false, now);
        self.track_demand(slot, false);
        let job = self.jobs.get(slot);
        self.cluster.finish(slot, job);
        self.world.resource_mut::<SiteLoad>().running_jobs -= 1;
        self.stats[class as usize].accelerator_ms += job.allocated as u128 * (now - job.start_ms) as u128;
        self.job_rows.row(job, &self.labels[class as usize], JobState::Stopped, Some(now), "scaled down")?;
        let job = self.jobs.get_mut(slot);
        job.generation = job.generation.wrapping_add(1);
        self.jobs.remove(slot);
        self.sched.replica_change(class, now, false);
        self.request_schedule();
        Ok(())
    }
}

impl<W: Write> Simulation<'_, W> {
    /// Replicas of service `i` running now (for tests).
    pub fn running_replicas(&self, i: usize) -> u64 {
        self.sched.services.get(i).map_or(0, |s| s.running)
    }
}
