//! Read-only queries and tentative plans over the placement core for the sjf and best-fit
//! policies and for preemption.

use super::Cluster;
use crate::model::workload::{Job, JobSlot, Jobs};

/// Queries and plans for the policies of `sjf`, `bestfit` and preemption: read-only except for tentative releases that are always undone.
impl Cluster {
    /// Free slots a job would leave on the node(s) it would take now (best fit, ignoring
    /// reservations): c - k on the fullest node with c >= k free for a job of k within a node,
    /// ceil(k / n) n - k for a job of whole nodes; None if it does not fit. O(n_per_node) per pool.
    pub fn fit_leftover(&self, job: &Job) -> Option<u32> {
        let mut best: Option<u32> = None;
        for p in self.eligible(job) {
            let pool = &self.pools[p];
            let k = job.requested;
            let left = if k <= pool.per_node {
                (k as usize..=pool.per_node as usize).find(|&c| !pool.buckets[c].is_empty()).map(|c| c as u32 - k)
            } else {
                let (m, alloc) = pool.needs(k);
                (pool.buckets[pool.per_node as usize].len() as u32 >= m).then_some(alloc - k)
            };
            if let Some(l) = left {
                best = Some(best.map_or(l, |b| b.min(l)));
            }
        }
        best
    }

    /// (free accelerators on nodes with fewer than `min_request` free slots, all free
    /// accelerators). A request above one node needs whole free nodes, so for it every node
    /// not entirely free strands its slots. O(n_per_node) per pool, from the bucket sizes.
    pub fn stranded_free(&self, min_request: u32) -> (u64, u64) {
        let (mut stranded, mut free) = (0u64, 0u64);
        for pool in &self.pools {
            let below = min_request.min(pool.per_node) as usize;
            for (c, b) in pool.buckets.iter().enumerate() {
                let acc = c as u64 * b.len() as u64;
                free += acc;
                if c < below {
                    stranded += acc;
                }
            }
        }
        (stranded, free)
    }

    /// Drops from `victims` (which free room for k in pool p) each one, oldest in the
    /// preemption order first, without which the job still fits: O(victims²) tentative
    /// releases, only when preempting.
    fn prune_victims(&mut self, p: usize, k: u32, jobs: &Jobs, victims: &mut Vec<JobSlot>) {
        let mut i = 0;
        while i + 1 < victims.len() {
            for (j, &v) in victims.iter().enumerate() {
                if j != i {
                    self.release_one(p, v, jobs);
                }
            }
            let mut plan = std::mem::take(&mut self.plan);
            let fits = self.pools[p].find(k, false, &mut plan);
            self.plan = plan;
            self.restore(p, jobs);
            if fits {
                victims.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Preemption: the fewest running preemptible jobs of lower priority than the blocked job
    /// `slot`, taken in preemption order (lowest priority first, then the most recently started,
    /// which loses the least progress), whose release lets it fit now. At most `depth` victims
    /// are tried per pool. Writes them into `out` and returns true if such a set exists.
    pub fn preemption_plan(&mut self, slot: JobSlot, jobs: &Jobs, depth: u32, out: &mut Vec<JobSlot>) -> bool {
        debug_assert!(self.keep_victims, "a preemption plan on a cluster built `without_victims`");
        out.clear();
        let job = jobs.get(slot);
        let (k, prio) = (job.requested, job.priority);
        let mut best: Option<(usize, usize)> = None;
        let mut tried = Vec::new();
        for p in 0..self.pools.len() {
            if !self.is_eligible(p, jobs.get(slot)) {
                continue;
            }
            tried.clear();
            let mut ok = false;
            let mut it = self.victims.iter();
            let mut cands = Vec::new();
            for &(vp, _, v) in it.by_ref() {
                if vp >= prio || cands.len() as u32 >= depth {
                    break;
                }
                if jobs.get(v).pool as usize == p {
                    cands.push(v);
                }
            }
            for v in cands {
                self.release_one(p, v, jobs);
                tried.push(v);
                let mut plan = std::mem::take(&mut self.plan);
                ok = self.pools[p].find(k, false, &mut plan);
                self.plan = plan;
                if ok {
                    break;
                }
            }
            self.restore(p, jobs);
            if ok {
                self.prune_victims(p, k, jobs, &mut tried);
            }
            if ok && best.is_none_or(|(_, n)| tried.len() < n) {
                best = Some((p, tried.len()));
                out.clear();
                out.extend_from_slice(&tried);
            }
        }
        best.is_some()
    }
}
