//! Shortest-estimated-job-first with aging and EASY backfilling.
//!
//! ## How it works
//! Queued jobs are ordered by their estimated **area**, estimate_ms x accelerators requested
//! (the accelerator-time they will hold), smallest first, ties by submission. Area rather than
//! run time alone because the cost a job imposes on the others in a gang-scheduled cluster is
//! the capacity it holds for its duration: ordering by run time alone would let a short
//! 1,024-accelerator job jump ahead of many small ones and block them all (Tiresias, Gu et al.,
//! NSDI'19, prioritises by two-dimensional attained service, GPUs x time, for the same reason;
//! with known estimates, smallest area first is its clairvoyant counterpart).
//!
//! Aging bounds starvation: a job that has waited longer than `aging` (default 24 h) is
//! *aged* and goes ahead of every job that is not, aged jobs in submission order. The pass walks
//! the aged jobs oldest first, then the rest by area, as one list scheduler with EASY
//! backfilling (Lifka 1995): the first job that does not fit gets a reservation at its shadow
//! time and later jobs may only start where they do not delay it; at most `backfill_depth`
//! jobs behind it are considered. So once a job is the oldest aged job it is the head, holds the
//! reservation and starts no later than its shadow time (running jobs ending at their
//! estimates): its wait is at most `aging` + the time older aged jobs take to start + its
//! shadow time.
//!
//! Cost: O(log queue) per enqueue and start; a pass visits at most started + 1 + depth jobs,
//! each at O(placement).

use std::collections::BTreeSet;

use super::{Cluster, Reservation, Scheduler};
use crate::model::workload::{JobSlot, Jobs};

/// Area order: (estimate_ms x accelerators, id, submit_ms, slot).
type AreaKey = (u128, u64, u64, JobSlot);
/// Age order: (submit_ms, id, slot).
type AgeKey = (u64, u64, JobSlot);

/// The SJF policy.
pub struct Sjf {
    depth: u32,
    aging_ms: u64,
    by_area: BTreeSet<AreaKey>,
    by_age: BTreeSet<AgeKey>,
    done: Vec<JobSlot>,
}

impl Sjf {
    /// SJF considering `depth` jobs behind the blocked head, aging jobs after `aging_ms`.
    pub fn new(depth: u32, aging_ms: u64) -> Sjf {
        Sjf { depth, aging_ms, by_area: BTreeSet::new(), by_age: BTreeSet::new(), done: Vec::new() }
    }

    fn keys(slot: JobSlot, jobs: &Jobs) -> (AreaKey, AgeKey) {
        let j = jobs.get(slot);
        ((j.estimate_ms as u128 * j.requested as u128, j.id, j.submit_ms, slot), (j.submit_ms, j.id, slot))
    }
}

/// One EASY pass over `order`: starts what fits, gives the first blocked job a reservation and
/// lets at most `depth` later jobs backfill around it. Started slots go to `started`.
pub(super) fn easy_pass(
    order: impl Iterator<Item = JobSlot>,
    now: u64,
    cluster: &mut Cluster,
    jobs: &mut Jobs,
    depth: u32,
    started: &mut Vec<JobSlot>,
) {
    let mut reserved: Option<Reservation> = None;
    let mut considered = 0;
    for slot in order {
        if reserved.is_some() {
            considered += 1;
            if considered > depth {
                break;
            }
        }
        if cluster.try_start(slot, jobs, now, reserved) {
            started.push(slot);
            continue;
        }
        if reserved.is_none() {
            reserved = cluster.reservation(slot, jobs);
            if reserved.is_none() {
                break;
            }
        }
    }
}

impl Scheduler for Sjf {
    fn name(&self) -> &'static str {
        "sjf"
    }

    fn enqueue(&mut self, slot: JobSlot, jobs: &Jobs) {
        let (area, age) = Sjf::keys(slot, jobs);
        self.by_area.insert(area);
        self.by_age.insert(age);
    }

    fn schedule(&mut self, now: u64, cluster: &mut Cluster, jobs: &mut Jobs, started: &mut Vec<JobSlot>, _preempted: &mut Vec<JobSlot>) {
        // Submitted at or before `cutoff`: aged (none before `aging` has elapsed).
        let cutoff = now.checked_sub(self.aging_ms);
        let aged = move |submit: u64| cutoff.is_some_and(|c| submit <= c);
        let mut done = std::mem::take(&mut self.done);
        done.clear();
        let first = self.by_age.iter().take_while(|k| aged(k.0)).map(|k| k.2);
        let rest = self.by_area.iter().filter(|k| !aged(k.2)).map(|k| k.3);
        easy_pass(first.chain(rest), now, cluster, jobs, self.depth, &mut done);
        for &slot in &done {
            let (area, age) = Sjf::keys(slot, jobs);
            self.by_area.remove(&area);
            self.by_age.remove(&age);
        }
        started.extend_from_slice(&done);
        self.done = done;
    }

    fn cancel(&mut self, slot: JobSlot, jobs: &Jobs) -> bool {
        let (area, age) = Sjf::keys(slot, jobs);
        self.by_age.remove(&age);
        self.by_area.remove(&area)
    }

    fn queue_len(&self) -> usize {
        self.by_area.len()
    }

    fn drain(&mut self) -> Vec<JobSlot> {
        self.by_age.clear();
        std::mem::take(&mut self.by_area).into_iter().map(|k| k.3).collect()
    }
}
