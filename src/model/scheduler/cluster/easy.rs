//! EASY backfilling's reservation: the head job's shadow time, found by releasing running jobs
//! in order of estimated end until it fits (Lifka 1995; Mu'alem & Feitelson 2001), and kept
//! while it provably stays what a fresh computation would give.
//!
//! ## How it works
//! For each eligible pool, running jobs are released on the pool's own free index in (estimated
//! end, slot) order; the shadow time is the end of the first release after which the job fits
//! (packing), and its nodes are where packing places it once every job ending by then is
//! released. The pool with the earliest shadow wins, the first one on ties. The releases are
//! undone before returning; a pool's search stops at the best shadow found so far.
//!
//! A job of whole nodes (more accelerators than one node has) reads the same answer from an
//! index instead ([`ends`](super::ends)): busy nodes ordered by when their last job ends, so the
//! shadow time is the end of the (m - f)-th of them and its nodes are found in O(m + nodes / 4096),
//! whatever the number of running jobs. The replay stays the reference (a cluster
//! `without_caches` uses it) and serves jobs within one node, whose best fit at the shadow time
//! depends on partial nodes.
//!
//! A reservation is a function of the job's size and device and of the cluster's state (free
//! slots, held nodes, running jobs and their estimated ends), never of the time of the pass. So
//! it is cached with its nodes marked reserved, and a pass whose head is the same size on the
//! same device gets it back without a replay: an arrival that does not fit changes nothing. The
//! cache is dropped when a job ends or is interrupted, when a node leaves or enters service,
//! and when a job starts, except in the three cases below where a fresh computation provably
//! gives the same reservation. Write σ for the state the reservation was computed in, where the
//! job did not fit (recorded: `fits_now` false), S for its shadow time and R for its nodes, and
//! J for a job that starts in pool p, ending (estimate) at e.
//! 1. p is not the reservation's pool: J only takes capacity from pool p, and capacity at every
//!    step of p's replay is at most what it was, so p's shadow can only come later (or stay
//!    none); the winning pool, its shadow and its nodes are unchanged.
//! 2. e <= S: until J's release the replay has less capacity than in σ, so no fit comes before
//!    S; J is released by the end of the replay to S, whose state is then σ's: same shadow, same
//!    nodes.
//! 3. J takes none of R and the job needs whole nodes (k >= accelerators per node): the state at
//!    S differs from σ's only on J's nodes, which are not entirely free there; R is still the
//!    lowest-indexed set of entirely free nodes (fit at S, and none earlier, as in 2).
//!
//! Also an unplaceable job (no shadow) stays unplaceable after a start, by the same argument.
//!
//! An end (J ends or is stopped, in pool p, estimated end e) drops the cache too, except:
//! 4. no shadow: releasing every running job gives the same state with or without J;
//! 5. p is the reservation's pool, the job needs whole nodes and e < S: J is released before the
//!    shadow time in σ's replay. Its d nodes that J alone kept busy are free now instead of at
//!    J's release; before that release fewer than m - d nodes were free in σ's replay (the fit
//!    came only at S), so with them fewer than m are free until J's release, and from there on
//!    the two replays are the same state: same shadow time (the other pools are unchanged), same
//!    nodes.

use super::{Cluster, Reservation};
use crate::model::workload::{Job, JobSlot, Jobs};

/// The last reservation computed and whether it still holds.
#[derive(Debug, Default)]
pub(super) struct Cache {
    /// Whether `result` is what a fresh computation would give now for (`requested`, `device`).
    pub(super) valid: bool,
    pub(super) requested: u32,
    pub(super) device: Option<u16>,
    /// Whether the job fitted when the reservation was computed (then no start keeps it).
    fits_now: bool,
    result: Option<Reservation>,
    /// Local nodes of `result`, marked in the `reserved` set of pool `marked` until the next
    /// computation (a pass reads the marks through `try_start` after its reservation is known).
    nodes: Vec<u32>,
    marked: usize,
}

impl Cluster {
    /// EASY: when and where the blocked job `slot` would start if running jobs ended at their
    /// estimates (None if it would not even then). Its nodes are marked reserved: `try_start`
    /// keeps a job that may still run at the shadow time off them.
    pub fn reservation(&mut self, slot: JobSlot, jobs: &Jobs) -> Option<Reservation> {
        if self.shares.is_some() {
            // Greedy under shares: no pool is reserved, later pods may take any room.
            return Some(Reservation { pool: usize::MAX, shadow_ms: u64::MAX });
        }
        let job = jobs.get(slot);
        let c = &self.easy;
        if c.valid && self.caches && c.requested == job.requested && c.device == job.device {
            return c.result;
        }
        self.fresh_reservation(job, jobs)
    }

    /// Computes the reservation of `job` (see the module documentation), caches it and marks its
    /// nodes.
    fn fresh_reservation(&mut self, job: &Job, jobs: &Jobs) -> Option<Reservation> {
        let mut nodes = std::mem::take(&mut self.easy.nodes);
        let marked = self.easy.marked;
        // The set holds exactly these nodes: cleared a word at a time.
        self.pools[marked].reserved.clear_within(&nodes);
        nodes.clear();
        // The marks change: what `try_start` learnt about avoiding them is void.
        self.failed.clear();
        let k = job.requested;
        let mut fits_now = false;
        let mut best: Option<(u64, usize)> = None;
        for p in 0..self.pools.len() {
            if !self.is_eligible(p, job) {
                continue;
            }
            let whole = k > self.pools[p].per_node;
            let mut plan = std::mem::take(&mut self.plan);
            fits_now |= self.pools[p].find(k, false, &mut plan);
            self.plan = plan;
            let bound = best.map(|b| b.0);
            // Whole nodes: from the index of when busy nodes free up; else (and as the reference
            // in tests) by replaying the releases.
            let shadow = if whole && self.caches { self.shadow_whole(p, k, bound) } else { self.shadow_in(p, k, jobs, bound) };
            if let Some(t) = shadow
                && best.is_none_or(|(bt, _)| t < bt)
            {
                best = Some((t, p));
                nodes.clear();
                nodes.extend(self.plan.iter().map(|&(l, _)| l));
            }
        }
        let result = best.map(|(shadow_ms, pool)| Reservation { pool, shadow_ms });
        if let Some(r) = result {
            self.pools[r.pool].reserved.insert_all(&nodes);
        }
        self.easy = Cache { valid: true, requested: k, device: job.device, fits_now, result, nodes, marked: result.map_or(0, |r| r.pool) };
        result
    }

    /// After a job started in pool `p` on the nodes of `self.plan`, ending (estimate) at
    /// `end_ms`: keeps the cached reservation where it provably still holds, else drops it.
    pub(super) fn reservation_after_start(&mut self, p: usize, end_ms: u64) {
        let c = &self.easy;
        if !c.valid {
            return;
        }
        let keep = !c.fits_now
            && match c.result {
                None => true,
                Some(r) if r.pool != p => true,
                Some(r) => {
                    let pool = &self.pools[p];
                    end_ms <= r.shadow_ms
                        || (c.requested >= pool.per_node && self.plan.iter().all(|&(l, _)| !pool.reserved.contains(l as usize)))
                }
            };
        self.easy.valid = keep;
    }

    /// After a job of pool `p` estimated to end at `end_ms` ended (or was stopped): keeps the
    /// cached reservation where it provably still holds (see the module documentation), else
    /// drops it.
    pub(super) fn reservation_after_end(&mut self, p: usize, end_ms: u64) {
        let c = &self.easy;
        let keep = c.valid
            && !c.fits_now
            && match c.result {
                None => true,
                Some(r) => r.pool == p && end_ms < r.shadow_ms && c.requested > self.pools[p].per_node,
            };
        self.easy.valid = keep;
    }

    /// The cluster's state changed in a way no rule covers: the next reservation is computed.
    pub(super) fn forget_reservation(&mut self) {
        self.easy.valid = false;
    }

    /// Local nodes marked reserved, with their pool (the last reservation computed).
    pub fn reserved_nodes(&self) -> (usize, &[u32]) {
        (self.easy.marked, &self.easy.nodes)
    }

    /// Earliest estimated end after which k accelerators fit in pool p (stops past `bound`);
    /// leaves in `self.plan` where they fit once every job ending by then is released.
    pub(super) fn shadow_in(&mut self, p: usize, k: u32, jobs: &Jobs, bound: Option<u64>) -> Option<u64> {
        // Taken out for the walk (O(1)); the releases touch only the free index.
        let running = std::mem::take(&mut self.pools[p].running);
        let mut plan = std::mem::take(&mut self.plan);
        let mut found = None;
        for &(end, slot) in &running {
            match found {
                // Every job ending at the shadow time is released, as the reservation assumes.
                Some(s) if end > s => break,
                None if bound.is_some_and(|b| end >= b) => break,
                _ => {}
            }
            self.release_one(p, slot, jobs);
            if found.is_none() && self.pools[p].find(k, false, &mut plan) {
                found = Some(end);
            }
        }
        if found.is_some() {
            self.pools[p].find(k, false, &mut plan);
        }
        self.restore(p, jobs);
        self.pools[p].running = running;
        self.plan = plan;
        found
    }

    pub(super) fn release_one(&mut self, p: usize, slot: JobSlot, jobs: &Jobs) {
        self.pools[p].release(&self.local_of, &jobs.get(slot).alloc, false);
        self.undo.push(slot);
    }

    pub(super) fn restore(&mut self, p: usize, jobs: &Jobs) {
        while let Some(slot) = self.undo.pop() {
            self.pools[p].occupy(&self.local_of, &jobs.get(slot).alloc);
        }
    }
}
