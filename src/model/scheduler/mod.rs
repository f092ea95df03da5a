//! Scheduling: policies behind one [`Scheduler`] trait, over a shared placement core.
//!
//! ## How it works
//! The engine submits each arriving job (after [`Cluster::never_fits`] has rejected the ones
//! that can never run) and asks the policy to schedule whenever capacity or the queue changed,
//! at most once per instant. All three policies are list schedulers over an ordered queue:
//! - **fifo**: jobs start in submission order; a job that does not fit blocks the queue.
//! - **backfill**: EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001): the first blocked
//!   job gets a reservation at its shadow time (when running jobs, ending at their estimates,
//!   free enough nodes); later jobs may start now if they end by then or stay off the reserved
//!   nodes. At most `backfill_depth` queued jobs are considered per pass.
//! - **priority**: the queue ordered by class priority, then submission; each class may hold at
//!   most its quota share of all accelerators (a job above its class quota is rejected at
//!   submission, a job that would exceed it waits without blocking others); EASY backfilling
//!   around the top blocked job unless `backfill = false`. With `preemption = true`, the top
//!   blocked job may preempt running preemptible jobs of strictly lower priority: victims are
//!   taken lowest priority first, then most recently started first (the least progress lost),
//!   until it fits; then each victim without which it still fits is spared
//!   ([`Cluster::preemption_plan`], at most `backfill_depth` victims tried per pool, from an
//!   index of running preemptible jobs: no scan of the cluster). The pass stops
//!   and returns the victims; the engine interrupts them as a failure would (cause
//!   "preemption": they lose the work since their last checkpoint, or the whole attempt without
//!   `[failures]` checkpoints) and runs another pass, where the top job starts. Victims have
//!   strictly lower priority, so preemption cannot cycle.
//! - **sjf**: smallest estimated area first (`sjf.rs`).
//! - **best-fit**: fragmentation-aware best fit (`bestfit.rs`).
//!
//! ## Cost under an overloaded queue
//! A pass considers at most `backfill_depth` jobs behind the blocked head, whatever the queue's
//! length, and passes over the jobs a class quota holds back without reading them (the queue
//! is kept in lanes: `lanes`); the head's reservation is cached while the cluster does not change
//! ([`Cluster::reservation`]), and so are the requests that failed to start
//! ([`Cluster::try_start`]). A list scheduler also skips a pass that provably starts nothing:
//! the previous pass started and preempted nothing, the cluster has not changed since
//! ([`Cluster::stamp`]), and no job entered or left the part of the queue that pass read. Such
//! a pass would read the same jobs against the same cluster; only the time differs, and a
//! later time cannot make a job fit (a job that had to keep off the reserved nodes still must,
//! its estimated end only comes later) or change a reservation (a function of the state).
//! With random placement a failed attempt draws from the placement stream, so no pass is
//! skipped there.

mod bestfit;
mod bitset;
pub mod build;
mod cluster;
mod fragmentation;
mod lanes;
mod pass;
mod shares;
mod sjf;

use std::collections::VecDeque;

pub use bitset::{IndexSet, runs};
pub use cluster::{Cluster, Reservation};
pub use fragmentation::{Fragmentation, FragmentationSummary, sample_fragmentation};
use lanes::Lanes;
pub use pass::Scheduling;
pub use shares::{PoolShape, Shares};

use crate::config::{PolicyConfig, SchedulerConfig};
use crate::model::workload::{JobSlot, Jobs};

/// Why a policy refuses a job at submission (the `reason` of its jobs.csv row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The job alone needs more accelerators than its class quota lets the class hold.
    #[error("needs {needs} accelerators; its class quota is {quota}")]
    OverQuota {
        /// Accelerators the job needs.
        needs: u64,
        /// The class quota, accelerators.
        quota: u64,
    },
}

/// A scheduling policy.
pub trait Scheduler: Send + Sync {
    /// The policy's name.
    fn name(&self) -> &'static str;
    /// Policy-specific admission: `Err(reason)` rejects the job at submission.
    fn admit(&self, _slot: JobSlot, _jobs: &Jobs, _cluster: &Cluster) -> Result<(), Refusal> {
        Ok(())
    }
    /// Adds an admitted job to the queue.
    fn enqueue(&mut self, slot: JobSlot, jobs: &Jobs);
    /// Puts an interrupted job back at the head of the queue (of its priority); by default, as
    /// a new job.
    fn requeue(&mut self, slot: JobSlot, jobs: &Jobs) {
        self.enqueue(slot, jobs);
    }
    /// Starts what it can now; pushes started slots to `started` and running jobs to preempt
    /// to `preempted` (the engine interrupts them and runs another pass).
    fn schedule(&mut self, now_ms: u64, cluster: &mut Cluster, jobs: &mut Jobs, started: &mut Vec<JobSlot>, preempted: &mut Vec<JobSlot>);
    /// Removes a queued job (a service scaling down); false if it is not queued here.
    fn cancel(&mut self, slot: JobSlot, jobs: &Jobs) -> bool;
    /// Jobs waiting.
    fn queue_len(&self) -> usize;
    /// Empties the queue (at the end of a run), in queue order.
    fn drain(&mut self) -> Vec<JobSlot>;
    /// Time jobs were held back before reaching the queue, ms (0 unless the policy defers).
    fn deferred_ms(&self) -> u64 {
        0
    }
}

/// Builds the configured policy. `labels` are the class labels; `classes_priority` their priorities.
pub fn build(cfg: &SchedulerConfig, labels: &[String], installed: u64) -> Box<dyn Scheduler> {
    match &cfg.policy {
        // FIFO looks at the head only: no depth.
        PolicyConfig::Fifo => Box::new(ListScheduler::new("fifo", false, false, 0, None)),
        PolicyConfig::Backfill { depth } => Box::new(ListScheduler::new("backfill", false, true, *depth, None)),
        PolicyConfig::Sjf { depth, aging_ms } => Box::new(sjf::Sjf::new(*depth, *aging_ms)),
        PolicyConfig::BestFit { depth } => Box::new(bestfit::BestFit::new(*depth)),
        PolicyConfig::Priority { backfill, depth, quotas, preemption } => {
            let limits = labels
                .iter()
                .map(|l| quotas.iter().find(|(c, _)| c == l).map_or(u64::MAX, |(_, share)| (share * installed as f64).floor() as u64))
                .collect();
            Box::new(ListScheduler::new("priority", true, *backfill, *depth, Some(limits)).with_preemption(*preemption))
        }
    }
}

/// A list scheduler: an ordered queue, optional EASY backfilling, optional class quotas.
pub struct ListScheduler {
    name: &'static str,
    backfill: bool,
    depth: u32,
    quotas: Option<Vec<u64>>,
    queue: Lanes,
    preempt: bool,
    /// The last pass started and preempted nothing: the cluster's stamp then, and the key of
    /// the last queued job it read ([`lanes::ALL`]: all, so that any arrival counts).
    idle: Option<(u64, lanes::Key)>,
}

impl ListScheduler {
    /// A list scheduler; see the module documentation for the policies it implements.
    pub fn new(name: &'static str, by_priority: bool, backfill: bool, depth: u32, quotas: Option<Vec<u64>>) -> ListScheduler {
        let split = quotas.as_ref().map_or(Vec::new(), |q| q.iter().map(|&x| x != u64::MAX).collect());
        ListScheduler { name, backfill, depth, quotas, queue: Lanes::new(by_priority, split), preempt: false, idle: None }
    }

    /// Lets the top blocked job preempt lower-priority preemptible jobs.
    pub fn with_preemption(mut self, on: bool) -> ListScheduler {
        self.preempt = on;
        self
    }

    fn over_quota(&self, slot: JobSlot, jobs: &Jobs, cluster: &Cluster, allocated: u64) -> bool {
        let job = jobs.get(slot);
        self.quotas.as_ref().is_some_and(|q| cluster.class_allocated[job.class as usize] + allocated > q[job.class as usize])
    }

    /// A job entered or left the queue at `key`: a pass that read past it is no longer known
    /// to start nothing.
    fn touched(&mut self, key: lanes::Key) {
        if self.idle.is_some_and(|(_, read)| key < read) {
            self.idle = None;
        }
    }

    /// A job entered the queue at `key`, and the queue was numbered again (`renumbered`: the
    /// key of what the last pass read no longer applies).
    fn entered(&mut self, (key, renumbered): (lanes::Key, bool)) {
        if renumbered {
            self.idle = None;
        }
        self.touched(key);
    }
}

impl Scheduler for ListScheduler {
    fn name(&self) -> &'static str {
        self.name
    }

    fn admit(&self, slot: JobSlot, jobs: &Jobs, cluster: &Cluster) -> Result<(), Refusal> {
        let job = jobs.get(slot);
        match &self.quotas {
            Some(q) if cluster.allocation_size(job) as u64 > q[job.class as usize] => {
                Err(Refusal::OverQuota { needs: cluster.allocation_size(job) as u64, quota: q[job.class as usize] })
            }
            _ => Ok(()),
        }
    }

    fn enqueue(&mut self, slot: JobSlot, jobs: &Jobs) {
        // Stable: after every queued job of the same or higher priority.
        let entered = self.queue.insert(slot, jobs.get(slot), false);
        self.entered(entered);
    }

    fn requeue(&mut self, slot: JobSlot, jobs: &Jobs) {
        // Before every queued job of the same or lower priority.
        let entered = self.queue.insert(slot, jobs.get(slot), true);
        self.entered(entered);
    }

    fn schedule(&mut self, now: u64, cluster: &mut Cluster, jobs: &mut Jobs, started: &mut Vec<JobSlot>, preempted: &mut Vec<JobSlot>) {
        let stamp = cluster.stamp();
        if stamp.is_some() && self.idle.map(|(s, _)| s) == stamp {
            return;
        }
        let (started_before, mut preempts) = (started.len(), false);
        let mut reserved: Option<Reservation> = None;
        let mut considered = 0;
        // The last queued job this pass reads (all unless it stops early).
        let mut read = lanes::ALL;
        self.queue.walk();
        while let Some((key, lane, slot)) = self.queue.next() {
            if self.quotas.is_some() {
                let need = cluster.allocation_size(jobs.get(slot)) as u64;
                if self.over_quota(slot, jobs, cluster, need) {
                    // So is every job of its lane (same class and need): not read this pass.
                    continue;
                }
            }
            if reserved.is_some() {
                considered += 1;
                if considered > self.depth {
                    read = key;
                    break;
                }
            }
            if cluster.try_start(slot, jobs, now, reserved) {
                started.push(slot);
                self.queue.take(lane);
                continue;
            }
            self.queue.pass_over(lane);
            if reserved.is_none() {
                if self.preempt && cluster.preemption_plan(slot, jobs, self.depth, preempted) {
                    preempts = true;
                    break;
                }
                if !self.backfill {
                    read = key;
                    break;
                }
                reserved = cluster.reservation(slot, jobs);
                if reserved.is_none() {
                    read = key;
                    break;
                }
            }
        }
        let idle = started.len() == started_before && !preempts;
        self.idle = stamp.filter(|_| idle).map(|s| (s, read));
    }

    fn cancel(&mut self, slot: JobSlot, jobs: &Jobs) -> bool {
        match self.queue.remove(slot, jobs.get(slot)) {
            Some(key) => {
                self.touched(key);
                true
            }
            None => false,
        }
    }

    fn queue_len(&self) -> usize {
        self.queue.len()
    }

    fn drain(&mut self) -> Vec<JobSlot> {
        self.idle = None;
        self.queue.drain()
    }
}

/// Removes a queued job from a policy's queue (a scan of the queue); whether it was there.
fn remove_queued(queue: &mut VecDeque<JobSlot>, slot: JobSlot) -> bool {
    match queue.iter().position(|s| *s == slot) {
        Some(i) => {
            queue.remove(i);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
