//! EASY backfilling's reservation: the head job's shadow time, found by releasing running jobs
//! in order of estimated end until it fits (Lifka 1995; Mu'alem & Feitelson 2001).

use super::{Cluster, Reservation};
use crate::model::workload::{JobSlot, Jobs};

impl Cluster {
    /// EASY: when and where the blocked job `slot` would start if running jobs ended at their
    /// estimates. Writes the reservation into `out` and marks its nodes reserved until
    /// [`Cluster::clear_reservation`].
    pub fn reservation(&mut self, slot: JobSlot, jobs: &Jobs, out: &mut Reservation) -> bool {
        if self.shares.is_some() {
            // Greedy under shares: no pool is reserved, later pods may take any room.
            out.pool = usize::MAX;
            out.shadow_ms = u64::MAX;
            out.nodes.clear();
            return true;
        }
        let requested = jobs.get(slot).requested;
        let mut best: Option<(u64, usize)> = None;
        for p in 0..self.pools.len() {
            if !self.is_eligible(p, jobs.get(slot)) {
                continue;
            }
            if let Some(t) = self.shadow_in(p, requested, jobs, best.map(|b| b.0))
                && best.is_none_or(|(bt, _)| t < bt)
            {
                best = Some((t, p));
            }
        }
        let Some((shadow, p)) = best else { return false };
        // Replay to the shadow time once more to record the nodes.
        self.release_until(p, shadow, jobs);
        let mut plan = std::mem::take(&mut self.plan);
        self.pools[p].find(requested, false, &mut plan);
        self.restore(p, jobs);
        out.pool = p;
        out.shadow_ms = shadow;
        out.nodes.clear();
        for &(l, _) in &plan {
            out.nodes.push(l);
            self.pools[p].reserved.insert(l as usize);
        }
        self.plan = plan;
        true
    }

    /// Unmarks the nodes of a reservation.
    pub fn clear_reservation(&mut self, r: &Reservation) {
        for &l in &r.nodes {
            self.pools[r.pool].reserved.remove(l as usize);
        }
    }

    /// Earliest estimated end after which k accelerators fit in pool p (stops past `bound`).
    pub(super) fn shadow_in(&mut self, p: usize, k: u32, jobs: &Jobs, bound: Option<u64>) -> Option<u64> {
        let mut found = None;
        let mut iter_pos: Option<(u64, JobSlot)> = None;
        while let Some((end, slot)) = self.next_running(p, iter_pos) {
            if bound.is_some_and(|b| end >= b) {
                break;
            }
            self.release_one(p, slot, jobs);
            iter_pos = Some((end, slot));
            let mut plan = std::mem::take(&mut self.plan);
            let ok = self.pools[p].find(k, false, &mut plan);
            self.plan = plan;
            if ok {
                found = Some(end);
                break;
            }
        }
        self.restore(p, jobs);
        found
    }

    pub(super) fn release_one(&mut self, p: usize, slot: JobSlot, jobs: &Jobs) {
        self.pools[p].release(&self.local_of, &jobs.get(slot).alloc, false);
        self.undo.push(slot);
    }

    pub(super) fn release_until(&mut self, p: usize, t: u64, jobs: &Jobs) {
        let mut at = None;
        while let Some((end, slot)) = self.next_running(p, at)
            && end <= t
        {
            self.release_one(p, slot, jobs);
            at = Some((end, slot));
        }
    }

    pub(super) fn restore(&mut self, p: usize, jobs: &Jobs) {
        while let Some(slot) = self.undo.pop() {
            self.pools[p].occupy(&self.local_of, &jobs.get(slot).alloc);
        }
    }
}
