//! The scheduling state of a run: the policy, the placement core, the pending pass, and the
//! multiset of queued requests the fragmentation metric reads.
//!
//! ## How it works
//! A scheduling pass is itself an event ([`crate::time::queue::Event::Schedule`]), queued at
//! most once per instant after arrivals, ends and capacity changes ([`Scheduling::request`]),
//! so every change at one instant is seen by one pass. The pass itself (start what the policy
//! chose, interrupt the victims it named) is the job lifecycle's
//! ([`crate::model::workload::Life::schedule_pass`]).

use std::collections::BTreeMap;

use bevy_ecs::prelude::Resource;

use super::{Cluster, Scheduler};
use crate::model::workload::JobSlot;
use crate::time::Clock;
use crate::time::queue::Event;

/// The policy, the placement core and what a pass needs between events (a resource).
#[derive(Resource)]
pub struct Scheduling {
    /// The policy (possibly wrapped, e.g. by price-aware deferral).
    pub policy: Box<dyn Scheduler>,
    /// Free capacity and placement.
    pub cluster: Cluster,
    /// Whether a pass is queued for the current instant.
    pending: bool,
    /// Jobs the last pass started (scratch, reused).
    pub started: Vec<JobSlot>,
    /// Running jobs the last pass chose to preempt (scratch, reused).
    pub preempted: Vec<JobSlot>,
    /// Preemptions so far.
    pub preemptions: u64,
    /// Service replicas stopped or cancelled so far.
    pub stopped: u64,
    /// Queued jobs by requested accelerators (a multiset, O(log) per change).
    queued_requests: BTreeMap<u32, u32>,
    /// The most jobs waiting at once (`scheduler.max_queued`).
    max_queued: u64,
}

impl Scheduling {
    /// A policy over a placement core, nothing queued.
    pub fn new(policy: Box<dyn Scheduler>, cluster: Cluster, max_queued: u64) -> Scheduling {
        Scheduling {
            policy,
            cluster,
            pending: false,
            started: Vec::new(),
            preempted: Vec::new(),
            preemptions: 0,
            stopped: 0,
            queued_requests: BTreeMap::new(),
            max_queued,
        }
    }

    /// Queues a scheduling pass now unless one is pending.
    pub fn request(&mut self, clock: &mut Clock) {
        if !self.pending {
            self.pending = true;
            clock.push(clock.now_ms, Event::Schedule);
        }
    }

    /// Why an arrival is refused when `scheduler.max_queued` jobs already wait (this bounds the
    /// memory of an overloaded run: see `engine::budget`).
    pub fn queue_full(&self, queued: u64) -> Option<String> {
        let max = self.max_queued;
        (queued >= max).then(|| format!("queue full: {max} jobs waiting (scheduler.max_queued)"))
    }

    /// The queued pass runs now.
    pub fn begin_pass(&mut self) {
        self.pending = false;
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

    /// Accelerators asked for by the queued jobs (a pass over the distinct request sizes).
    pub fn queued_accelerators(&self) -> u64 {
        self.queued_requests.iter().map(|(&r, &n)| r as u64 * n as u64).sum()
    }

    /// The smallest request in the queue, if any.
    pub fn smallest_queued(&self) -> Option<u32> {
        self.queued_requests.first_key_value().map(|(&r, _)| r)
    }
}
