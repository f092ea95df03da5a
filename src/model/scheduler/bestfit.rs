//! Fragmentation-aware best fit.
//!
//! ## How it works
//! After Weng et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
//! Fragmentation Gradient Descent" (USENIX ATC'23): start first the work that grows
//! fragmentation least. Here the fragmentation a start causes is the number of free slots it
//! leaves stranded on the nodes it takes ([`Cluster::fit_leftover`]): a job of k <= n
//! accelerators goes to the fullest node with c >= k free (best-fit placement) and leaves c - k
//! free there; a job of whole nodes leaves ceil(k / n) n - k allocated but idle. Among the first
//! `backfill_depth` queued jobs (submission order) that fit now, the pass starts the one with the
//! smallest leftover (0: it fills a partly used node exactly), ties to the larger request, then
//! to the older job, and repeats until nothing fits.
//!
//! So that large jobs do not starve behind a stream of well-fitting small ones, the oldest
//! queued job holds an EASY reservation (Lifka 1995) when it does not fit: other jobs start
//! only where they do not delay its shadow time, so it waits at most until running jobs end at
//! their estimates.
//!
//! Cost per start: O(depth x n_per_node) leftover queries from the per-free-count buckets, no
//! scan of the nodes, and a sort of the jobs that fit; the jobs that fit but would delay the
//! head are tried in rank order once per start, not the ranking recomputed after each.

use std::collections::VecDeque;

use super::{Cluster, Reservation, Scheduler};
use crate::model::workload::{JobSlot, Jobs};

/// The best-fit policy.
pub struct BestFit {
    depth: u32,
    queue: VecDeque<JobSlot>,
    skipped: Vec<JobSlot>,
    /// Scratch: the jobs that fit now, ranked.
    ranked: Vec<(u32, std::cmp::Reverse<u32>, usize)>,
}

impl BestFit {
    /// Best fit over the first `depth` queued jobs.
    pub fn new(depth: u32) -> BestFit {
        BestFit { depth, queue: VecDeque::new(), skipped: Vec::new(), ranked: Vec::new() }
    }
}

impl Scheduler for BestFit {
    fn name(&self) -> &'static str {
        "best-fit"
    }

    fn enqueue(&mut self, slot: JobSlot, _jobs: &Jobs) {
        self.queue.push_back(slot);
    }

    fn requeue(&mut self, slot: JobSlot, _jobs: &Jobs) {
        self.queue.push_front(slot);
    }

    fn schedule(&mut self, now: u64, cluster: &mut Cluster, jobs: &mut Jobs, started: &mut Vec<JobSlot>, _preempted: &mut Vec<JobSlot>) {
        let mut reserved: Option<Reservation> = None;
        self.skipped.clear();
        while let Some(&head) = self.queue.front() {
            if reserved.is_none() && cluster.fit_leftover(jobs.get(head)).is_none() {
                reserved = cluster.reservation(head, jobs);
                if reserved.is_none() {
                    break;
                }
            }
            // The jobs that fit now, best first: (leftover, larger request first, position).
            self.ranked.clear();
            for (i, &slot) in self.queue.iter().take(self.depth as usize + 1).enumerate() {
                if self.skipped.contains(&slot) {
                    continue;
                }
                let job = jobs.get(slot);
                if let Some(left) = cluster.fit_leftover(job) {
                    self.ranked.push((left, std::cmp::Reverse(job.requested), i));
                }
            }
            self.ranked.sort_unstable();
            // A start that fails changes nothing: the next best is the next in rank.
            let mut start = None;
            for &(_, _, i) in &self.ranked {
                let slot = self.queue[i];
                if cluster.try_start(slot, jobs, now, reserved) {
                    start = Some((i, slot));
                    break;
                }
                // It fits only on the reserved nodes and would delay the head: not this pass.
                self.skipped.push(slot);
            }
            let Some((i, slot)) = start else { break };
            self.queue.remove(i);
            started.push(slot);
        }
    }

    fn cancel(&mut self, slot: JobSlot, _jobs: &Jobs) -> bool {
        super::remove_queued(&mut self.queue, slot)
    }

    fn queue_len(&self) -> usize {
        self.queue.len()
    }

    fn drain(&mut self) -> Vec<JobSlot> {
        self.queue.drain(..).collect()
    }
}
