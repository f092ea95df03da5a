//! Free capacity of the cluster and gang placement.
//!
//! ## How it works
//! Nodes of one node type form a pool. Each pool keeps, per node, a bitmask of free accelerator
//! slots, and one [`IndexSet`] of nodes per free count ("buckets"). Packing placement is best
//! fit: a job of k accelerators that fits in a node takes the lowest-indexed node among those
//! with the fewest free slots >= k; a larger job takes ceil(k / n) whole free nodes, lowest
//! index first. Node indices follow hall and rack order, so lowest-index-first fills nodes,
//! then racks. Every operation costs O(n_per_node + nodes / 4096), never a scan of devices.
//!
//! With `placement = "topology"` each pool also keeps, per pod (scalable unit), the count of its
//! fully free nodes, and the pods filed by that count, updated in `set_mask` with the buckets: a
//! multi-node job takes the pod with the fewest free nodes that still holds it (best fit), else
//! the fullest pods first, so it crosses the spine only when no pod has room; either is found in
//! O(pod size) plus the pods taken, never a scan of pods. `placement = "random"`
//! takes whole free nodes at uniformly drawn indices (the "placement" stream). Jobs of up to one
//! node, and EASY reservations, always use packing.
//!
//! Running jobs are also kept per pool ordered by estimated end, so EASY backfilling can find
//! the head job's shadow time by releasing them in order ([`Cluster::reservation`], cached while
//! it provably holds: see [`easy`]).
//!
//! A pass of an overloaded queue tries the same few sizes again and again against a cluster
//! that has not changed: `try_start` remembers the requests that failed since the last change
//! (request, device, and the reservation's pool if it had to avoid it) and answers them without
//! a search. A failed placement changes nothing, so the answer is the one a search would give;
//! random placement, which draws from its stream while it searches, is not remembered.

use std::collections::BTreeSet;

mod easy;
mod ends;
mod placement;
mod plans;

use super::bitset::IndexSet;
use crate::config::Placement;
use crate::model::workload::{Job, JobSlot, Jobs};

/// One pool of identical nodes.
#[derive(Debug)]
struct Pool {
    device: u16,
    per_node: u32,
    /// Global node index of each local node.
    nodes: Vec<u32>,
    free_mask: Vec<u64>,
    buckets: Vec<IndexSet>,
    running: BTreeSet<(u64, JobSlot)>,
    reserved: IndexSet,
    /// Nodes out of service (down or idle hot spares): no free slots until put back.
    held: Vec<bool>,
    /// Hot spare nodes the pool keeps (jobs may not count on them).
    spares: usize,
    /// Topology placement: pool-local pod of each local node (empty without pods).
    pod_of_local: Vec<u32>,
    /// Local node range [start, end) of each pool-local pod.
    pod_range: Vec<(u32, u32)>,
    /// Fully free nodes per pool-local pod, kept by `set_mask`.
    pod_full: Vec<u32>,
    /// The pods by their count of fully free nodes (entry c: the pods with c), kept with
    /// `pod_full`: placement finds the best-fitting pod, or the fullest ones, without a scan.
    pods_by_full: Vec<IndexSet>,
    /// Busy nodes by when they become entirely free (EASY reservations of whole nodes).
    ends: ends::Ends,
}

impl Pool {
    fn free_count(&self, local: usize) -> usize {
        self.free_mask[local].count_ones() as usize
    }

    fn set_mask(&mut self, local: usize, mask: u64) {
        self.set_mask_with(local, mask, true);
    }

    /// Sets a node's free mask; `pods` keeps the per-pod free-node counts (off while EASY
    /// replays release and restore jobs, which leave them as they were).
    #[inline]
    fn set_mask_with(&mut self, local: usize, mask: u64, pods: bool) {
        let old = self.free_count(local);
        self.free_mask[local] = mask;
        let new = self.free_count(local);
        if old != new {
            self.buckets[old].remove(local);
            self.buckets[new].insert(local);
            if pods && !self.pod_full.is_empty() {
                let full = self.per_node as usize;
                let pod = self.pod_of_local[local] as usize;
                // old != new here, so at most one of them is "entirely free".
                if old == full || new == full {
                    let count = self.pod_full[pod] as usize;
                    let moved = if old == full { count - 1 } else { count + 1 };
                    self.pods_by_full[count].remove(pod);
                    self.pods_by_full[moved].insert(pod);
                    self.pod_full[pod] = moved as u32;
                }
            }
        }
    }

    /// Frees a job's (global node, slot mask) allocation (a held node stays without free slots).
    /// `pods`: whether the per-pod counts follow (false in EASY replays, undone by `occupy`).
    fn release(&mut self, local_of: &[u32], alloc: &[(u32, u64)], pods: bool) {
        for &(g, mask) in alloc {
            let l = local_of[g as usize] as usize;
            if self.held[l] {
                continue;
            }
            self.set_mask_with(l, self.free_mask[l] | mask, pods);
        }
    }

    /// Takes back a job's (global node, slot mask) allocation after an EASY replay.
    fn occupy(&mut self, local_of: &[u32], alloc: &[(u32, u64)]) {
        for &(g, mask) in alloc {
            let l = local_of[g as usize] as usize;
            self.set_mask_with(l, self.free_mask[l] & !mask, false);
        }
    }

    /// Nodes needed and accelerators allocated for a job of k.
    fn needs(&self, k: u32) -> (u32, u32) {
        if k <= self.per_node { (1, k) } else { (k.div_ceil(self.per_node), k.div_ceil(self.per_node) * self.per_node) }
    }

    /// Places k accelerators into `out` as (local node, slot mask), avoiding `reserved` if asked.
    fn find(&self, k: u32, avoid_reserved: bool, out: &mut Vec<(u32, u64)>) -> bool {
        out.clear();
        let excl = avoid_reserved.then_some(&self.reserved);
        if k <= self.per_node {
            for c in k as usize..=self.per_node as usize {
                if self.buckets[c].is_empty() {
                    continue;
                }
                if let Some(local) = self.buckets[c].next(0, excl) {
                    out.push((local as u32, lowest_bits(self.free_mask[local], k)));
                    return true;
                }
            }
            return false;
        }
        let (m, _) = self.needs(k);
        let full = &self.buckets[self.per_node as usize];
        if (full.len() as u32) < m {
            return false;
        }
        let all = lowest_bits(u64::MAX, self.per_node);
        let mut at = 0;
        while (out.len() as u32) < m {
            match full.next(at, excl) {
                Some(local) => {
                    out.push((local as u32, all));
                    at = local + 1;
                }
                None => return false,
            }
        }
        true
    }
}

/// The k lowest set bits of a mask.
fn lowest_bits(mut mask: u64, k: u32) -> u64 {
    let mut out = 0;
    for _ in 0..k {
        let b = mask & mask.wrapping_neg();
        out |= b;
        mask &= !b;
    }
    out
}

/// The head job's reservation under EASY backfilling (its nodes are marked in the cluster:
/// [`Cluster::reserved_nodes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    /// Pool of the reservation.
    pub pool: usize,
    /// When the head job is expected to start, ms.
    pub shadow_ms: u64,
}

/// A `try_start` known to fail in the current state: (accelerators, device, the pool whose
/// reserved nodes it had to avoid).
type Failed = (u32, Option<u16>, Option<usize>);

/// At most this many failed requests are remembered between changes (a linear search).
const FAILED_MAX: usize = 32;

/// Free capacity, placement and running jobs of every pool.
#[derive(Debug)]
pub struct Cluster {
    pools: Vec<Pool>,
    local_of: Vec<u32>,
    /// Accelerators allocated per class.
    pub class_allocated: Vec<u64>,
    /// Accelerators installed.
    pub installed: u64,
    plan: Vec<(u32, u64)>,
    /// Local nodes (scratch of reservations, reused).
    scratch: Vec<u32>,
    undo: Vec<JobSlot>,
    held: u64,
    placement: Placement,
    rng: Option<crate::time::rng::Rng>,
    absent: u64,
    /// Running preemptible jobs, (priority, newest start first, slot): the preemption order.
    victims: BTreeSet<(i32, std::cmp::Reverse<u64>, JobSlot)>,
    /// Whether `victims` is kept: only a policy that preempts reads it.
    keep_victims: bool,
    /// Placement by shares (GPU fractions, CPU, memory) instead of whole free slots, if enabled.
    shares: Option<Box<super::Shares>>,
    /// The last EASY reservation, kept while it holds.
    easy: easy::Cache,
    /// Requests that failed to start since the state or the reserved nodes last changed.
    failed: Vec<Failed>,
    /// Counts changes of the state (starts, ends, nodes out of or back in service).
    version: u64,
    /// Whether reservations, failed requests and idle passes are remembered (off only in
    /// tests, as the reference that computes everything afresh).
    caches: bool,
}

impl Cluster {
    /// A free cluster. `pools[t]` lists the global node indices of node type t, `per_node[t]`
    /// its accelerators per node and `device[t]` its device index.
    pub fn new(pools: &[Vec<u32>], per_node: &[u32], device: &[usize], n_nodes: usize, n_classes: usize) -> Cluster {
        let mut local_of = vec![0; n_nodes];
        let mut installed = 0;
        let pools = pools
            .iter()
            .enumerate()
            .map(|(t, nodes)| {
                let n = nodes.len();
                let mut buckets: Vec<IndexSet> = (0..=per_node[t]).map(|_| IndexSet::new(n)).collect();
                for (l, g) in nodes.iter().enumerate() {
                    local_of[*g as usize] = l as u32;
                    buckets[per_node[t] as usize].insert(l);
                }
                installed += n as u64 * per_node[t] as u64;
                Pool {
                    device: device[t] as u16,
                    per_node: per_node[t],
                    nodes: nodes.clone(),
                    free_mask: vec![lowest_bits(u64::MAX, per_node[t]); n],
                    buckets,
                    running: BTreeSet::new(),
                    reserved: IndexSet::new(n),
                    held: vec![false; n],
                    spares: 0,
                    pod_of_local: Vec::new(),
                    pod_range: Vec::new(),
                    pod_full: Vec::new(),
                    pods_by_full: Vec::new(),
                    ends: ends::Ends::new(n, per_node[t]),
                }
            })
            .collect();
        Cluster {
            pools,
            local_of,
            class_allocated: vec![0; n_classes],
            installed,
            plan: Vec::new(),
            scratch: Vec::new(),
            undo: Vec::new(),
            held: 0,
            placement: Placement::Pack,
            rng: None,
            absent: 0,
            victims: BTreeSet::new(),
            keep_victims: true,
            shares: None,
            easy: easy::Cache::default(),
            failed: Vec::new(),
            version: 0,
            caches: true,
        }
    }

    /// Places jobs by shares from now on (see [`super::Shares`]); the whole-slot index of the
    /// pools is left unused. EASY reservations become greedy: a blocked pod holds nothing back.
    pub fn enable_shares(&mut self, shares: super::Shares) {
        self.shares = Some(Box::new(shares));
        self.changed();
    }

    /// The state changed: the cached reservation and the failed requests are void.
    fn changed(&mut self) {
        self.version += 1;
        self.forget_reservation();
        self.failed.clear();
    }

    /// A stamp of what placement reads (free slots, nodes in service, running jobs): under
    /// equal stamps a request that did not fit, or had to keep off the same head job's
    /// reserved nodes, still does not, later too (its estimated end only comes later). None
    /// with random placement, where a failed attempt draws from the placement stream, so that
    /// no attempt may be skipped.
    pub fn stamp(&self) -> Option<u64> {
        (self.caches && self.placement != Placement::Random).then_some(self.version)
    }

    /// The same cluster computing every decision afresh: the reference for the caches and the
    /// end index (`scheduler.reference`, set only by tests).
    pub fn without_caches(mut self) -> Cluster {
        self.caches = false;
        self
    }

    /// Stops keeping the index of preemptible running jobs, for a policy that never preempts
    /// (two B-tree updates per job saved).
    pub fn without_victims(mut self) -> Cluster {
        self.keep_victims = false;
        self
    }

    /// The share allocator, if placement is by shares.
    pub fn shares(&self) -> Option<&super::Shares> {
        self.shares.as_deref()
    }

    /// Takes a node out of service (failed, or held as a spare): its free slots leave the index
    /// and slots its jobs release later do not come back. O(1) plus one bucket move.
    pub fn take_out(&mut self, pool: usize, node: u32) {
        self.held += self.hold(pool, node);
    }

    /// Puts a node back in service with every slot free (no job may hold it).
    pub fn put_back(&mut self, pool: usize, node: u32) {
        self.held -= self.unhold(pool, node);
    }

    /// Holds a node that is not in service yet (its rack group enters service later): like
    /// [`Cluster::take_out`], but counted apart from failures and spares.
    pub fn withhold(&mut self, pool: usize, node: u32) {
        self.absent += self.hold(pool, node);
    }

    /// Brings a withheld node into service with every slot free.
    pub fn commission(&mut self, pool: usize, node: u32) {
        self.absent -= self.unhold(pool, node);
    }

    /// Marks a node held (no free slots); returns the accelerators that left service (0 if it
    /// was held already).
    fn hold(&mut self, pool: usize, node: u32) -> u64 {
        let l = self.local_of[node as usize] as usize;
        let p = &mut self.pools[pool];
        if p.held[l] {
            return 0;
        }
        p.held[l] = true;
        p.set_mask(l, 0);
        p.reindex(l);
        let n = p.per_node as u64;
        self.changed();
        n
    }

    /// Frees a held node with every slot free; returns the accelerators that came back (0 if
    /// it was not held).
    fn unhold(&mut self, pool: usize, node: u32) -> u64 {
        let l = self.local_of[node as usize] as usize;
        let p = &mut self.pools[pool];
        if !p.held[l] {
            return 0;
        }
        p.held[l] = false;
        p.set_mask(l, lowest_bits(u64::MAX, p.per_node));
        p.reindex(l);
        let n = p.per_node as u64;
        self.changed();
        n
    }

    /// Accelerators on nodes not in service yet.
    pub fn absent_accelerators(&self) -> u64 {
        self.absent
    }

    /// Sets how many hot spare nodes pool `pool` keeps: jobs larger than the rest are rejected.
    pub fn set_spares(&mut self, pool: usize, spares: usize) {
        self.pools[pool].spares = spares.min(self.pools[pool].nodes.len());
        self.changed();
    }

    /// Accelerators on nodes out of service.
    pub fn held_accelerators(&self) -> u64 {
        self.held
    }

    /// Whether every held node has no free slot (for invariants; a scan).
    pub fn held_nodes_have_no_free_slots(&self) -> bool {
        self.pools.iter().all(|p| p.held.iter().zip(&p.free_mask).all(|(h, m)| !h || *m == 0))
    }

    /// Global indices of held nodes (for invariants; a scan).
    pub fn held_nodes(&self) -> Vec<u32> {
        self.pools.iter().flat_map(|p| p.held.iter().zip(&p.nodes).filter(|(h, _)| **h).map(|(_, g)| *g)).collect()
    }

    fn is_eligible(&self, p: usize, job: &Job) -> bool {
        !self.pools[p].nodes.is_empty() && job.device.is_none_or(|d| self.pools[p].device == d)
    }

    fn eligible(&self, job: &Job) -> impl Iterator<Item = usize> + '_ {
        let device = job.device;
        (0..self.pools.len()).filter(move |&p| !self.pools[p].nodes.is_empty() && device.is_none_or(|d| self.pools[p].device == d))
    }

    /// Why the job can never run here, if it cannot.
    pub fn never_fits(&self, job: &Job) -> Option<String> {
        if let Some(s) = &self.shares {
            return s.never_fits(job);
        }
        let mut best = 0u64;
        for p in self.eligible(job) {
            let pool = &self.pools[p];
            let in_service = pool.nodes.len() - pool.spares;
            let cap = in_service as u64 * pool.per_node as u64;
            if pool.needs(job.requested).0 as usize <= in_service {
                return None;
            }
            best = best.max(cap);
        }
        Some(if job.device.is_some() && best == 0 {
            "no node has the required accelerator".to_string()
        } else {
            format!("needs {} accelerators; the largest pool of identical nodes has {best}", job.requested)
        })
    }

    /// Accelerators a job would hold (whole nodes above one node), in its first eligible pool.
    pub fn allocation_size(&self, job: &Job) -> u32 {
        self.eligible(job).next().map_or(job.requested, |p| self.pools[p].needs(job.requested).1)
    }

    /// Tries to start a job now. With a reservation, a job that may still run at the shadow time
    /// avoids the reserved nodes. Returns whether it started.
    pub fn try_start(&mut self, slot: JobSlot, jobs: &mut Jobs, now: u64, reservation: Option<Reservation>) -> bool {
        if let Some(s) = self.shares.as_mut() {
            let Some((p, node, mask)) = s.place(jobs.get(slot)) else { return false };
            let job = jobs.get_mut(slot);
            job.alloc.clear();
            job.alloc.push((node, mask));
            job.allocated = mask.count_ones();
            job.pool = p as u16;
            job.start_ms = now;
            self.pools[p].running.insert((now + job.estimate_ms, slot));
            self.class_allocated[job.class as usize] += job.allocated as u64;
            self.version += 1;
            return true;
        }
        let job = jobs.get(slot);
        let (requested, ends_by) = (job.requested, now + job.estimate_ms);
        let failed: Failed = (requested, job.device, reservation.filter(|r| ends_by > r.shadow_ms).map(|r| r.pool));
        let remember = self.caches && self.placement != Placement::Random;
        if remember && self.failed.contains(&failed) {
            return false;
        }
        let mut found = None;
        for p in 0..self.pools.len() {
            if !self.is_eligible(p, job) {
                continue;
            }
            let avoid = reservation.is_some_and(|r| r.pool == p && ends_by > r.shadow_ms);
            let mut plan = std::mem::take(&mut self.plan);
            let pool = &self.pools[p];
            let ok = match self.placement {
                Placement::Topology if requested > pool.per_node && !pool.pod_full.is_empty() => {
                    pool.find_topology(requested, avoid, &mut plan)
                }
                Placement::Random if requested > pool.per_node => match self.rng.as_mut() {
                    Some(rng) => pool.find_random(requested, avoid, &mut plan, rng),
                    None => pool.find(requested, avoid, &mut plan),
                },
                _ => pool.find(requested, avoid, &mut plan),
            };
            self.plan = plan;
            if ok {
                found = Some(p);
                break;
            }
        }
        let Some(p) = found else {
            if remember && self.failed.len() < FAILED_MAX {
                self.failed.push(failed);
            }
            return false;
        };
        self.version += 1;
        self.failed.clear();
        self.reservation_after_start(p, ends_by);
        let pool = &mut self.pools[p];
        let job = jobs.get_mut(slot);
        job.alloc.clear();
        let mut allocated = 0;
        for &(local, mask) in &self.plan {
            let l = local as usize;
            let m = pool.free_mask[l] & !mask;
            pool.set_mask(l, m);
            pool.mark_slots(l, mask, (ends_by, slot));
            pool.reindex(l);
            job.alloc.push((pool.nodes[l], mask));
            allocated += mask.count_ones();
        }
        job.allocated = allocated;
        job.pool = p as u16;
        job.start_ms = now;
        pool.running.insert((now + job.estimate_ms, slot));
        self.class_allocated[job.class as usize] += allocated as u64;
        if job.preemptible && self.keep_victims {
            self.victims.insert((job.priority, std::cmp::Reverse(now), slot));
        }
        true
    }

    /// Releases a finished job's accelerators.
    pub fn finish(&mut self, slot: JobSlot, job: &Job) {
        self.version += 1;
        self.failed.clear();
        self.reservation_after_end(job.pool as usize, job.start_ms + job.estimate_ms);
        let pool = &mut self.pools[job.pool as usize];
        pool.running.remove(&(job.start_ms + job.estimate_ms, slot));
        if job.preemptible && self.keep_victims {
            self.victims.remove(&(job.priority, std::cmp::Reverse(job.start_ms), slot));
        }
        match self.shares.as_mut() {
            Some(s) => s.release(job),
            None => {
                pool.release(&self.local_of, &job.alloc, true);
                for &(g, _) in &job.alloc {
                    pool.reindex(self.local_of[g as usize] as usize);
                }
            }
        }
        self.class_allocated[job.class as usize] -= job.allocated as u64;
    }

    /// Slots of all running jobs, into `out` (cleared first), pool by pool in estimated-end order.
    pub fn running_slots(&self, out: &mut Vec<JobSlot>) {
        out.clear();
        for p in &self.pools {
            out.extend(p.running.iter().map(|(_, s)| *s));
        }
    }

    /// Free accelerators in all pools (for tests and invariants).
    pub fn free_accelerators(&self) -> u64 {
        if let Some(s) = &self.shares {
            return s.whole_free();
        }
        self.pools.iter().map(|p| p.free_mask.iter().map(|m| m.count_ones() as u64).sum::<u64>()).sum()
    }
}

#[cfg(test)]
mod tests;
