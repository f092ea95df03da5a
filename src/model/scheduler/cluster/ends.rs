//! When each busy node becomes entirely free if running jobs end at their estimates: the index
//! that gives an EASY reservation of whole nodes without replaying the running jobs.
//!
//! ## How it works
//! Each accelerator slot remembers the (estimated end, slot) of the job on it; a node in service
//! with at least one busy slot is keyed by the largest of its jobs' keys, the point of the
//! replay's release order (estimated end, slot) after which it is entirely free. The busy nodes
//! of a pool are kept ordered by that key (a `BTreeSet`, O(log nodes) per node whose key changed,
//! updated when a reservation reads it: a start or end only marks its nodes). A job of m whole nodes with f entirely free now first fits after the release that
//! frees the (m - f)-th busy node in key order (or after the first release if it fits already,
//! as the replay only tests a fit after a release), and its nodes are the m lowest-indexed
//! among the free ones and the busy ones keyed by the shadow time (marked in a scratch bitset and
//! merged with the free ones): O(m + nodes / 4096), whatever the number of running jobs. Nodes out of service are in no key (a release skips them in the replay too).

use std::collections::BTreeSet;

use super::{Cluster, Pool, lowest_bits};
use crate::model::scheduler::bitset::IndexSet;
use crate::model::workload::JobSlot;

/// (estimated end, slot) of a job: the order in which the replay releases running jobs.
pub(super) type EndKey = (u64, JobSlot);

/// The index of a pool's busy nodes by the key of their last-ending job.
#[derive(Debug)]
pub(super) struct Ends {
    /// Key of the job on each accelerator slot (node-major; stale where the slot is free).
    slot_key: Vec<EndKey>,
    /// Key of each local node in `busy` (None: free, out of service, or not indexed).
    node_key: Vec<Option<EndKey>>,
    /// Busy nodes in service, by key then local index.
    busy: BTreeSet<(EndKey, u32)>,
    /// Scratch of `shadow_whole`: the busy nodes free at the shadow time (empty between calls).
    freed: IndexSet,
    /// Nodes whose key may have changed since `busy` was last brought up to date (each once):
    /// a start or end only marks its nodes, and the next reservation of whole nodes in the pool
    /// updates them, so that a node a short job takes and frees in between costs no tree update.
    dirty: Vec<u32>,
    /// Whether each local node is in `dirty`.
    is_dirty: Vec<bool>,
}

impl Ends {
    pub(super) fn new(nodes: usize, per_node: u32) -> Ends {
        Ends {
            slot_key: vec![(0, 0); nodes * per_node as usize],
            node_key: vec![None; nodes],
            busy: BTreeSet::new(),
            freed: IndexSet::new(nodes),
            dirty: Vec::new(),
            is_dirty: vec![false; nodes],
        }
    }
}

impl Pool {
    /// A job keyed `key` took the slots `mask` of local node `l` (before `reindex`).
    #[inline]
    pub(super) fn mark_slots(&mut self, l: usize, mask: u64, key: EndKey) {
        let base = l * self.per_node as usize;
        for (from, len) in crate::model::scheduler::runs(mask) {
            self.ends.slot_key[base + from..base + from + len].fill(key);
        }
    }

    /// Local node `l`'s free mask or service changed: its key is brought up to date by the next
    /// `update_ends`. O(1).
    #[inline]
    pub(super) fn reindex(&mut self, l: usize) {
        if !self.ends.is_dirty[l] {
            self.ends.is_dirty[l] = true;
            self.ends.dirty.push(l as u32);
        }
    }

    /// Brings the keys of the nodes marked since the last call up to date. O(per_node + log
    /// nodes) per node marked.
    pub(super) fn update_ends(&mut self) {
        let mut dirty = std::mem::take(&mut self.ends.dirty);
        for &l in &dirty {
            self.ends.is_dirty[l as usize] = false;
            self.rekey(l as usize);
        }
        dirty.clear();
        self.ends.dirty = dirty;
    }

    /// Recomputes local node `l`'s key from its busy slots.
    fn rekey(&mut self, l: usize) {
        let busy = if self.held[l] { 0 } else { lowest_bits(u64::MAX, self.per_node) & !self.free_mask[l] };
        let base = l * self.per_node as usize;
        let (mut m, mut key) = (busy, None::<EndKey>);
        while m != 0 {
            let b = m.trailing_zeros() as usize;
            let k = self.ends.slot_key[base + b];
            key = Some(key.map_or(k, |x| x.max(k)));
            m &= m - 1;
        }
        let old = self.ends.node_key[l];
        if old == key {
            return;
        }
        if let Some(o) = old {
            self.ends.busy.remove(&(o, l as u32));
        }
        if let Some(k) = key {
            self.ends.busy.insert((k, l as u32));
        }
        self.ends.node_key[l] = key;
    }
}

impl Cluster {
    /// The shadow time of a job of k > per_node accelerators in pool p from the index (see the
    /// module documentation), None past `bound` or if it never fits; leaves its nodes in
    /// `self.plan`. The same answer as [`Cluster::shadow_in`]'s replay.
    pub(super) fn shadow_whole(&mut self, p: usize, k: u32, bound: Option<u64>) -> Option<u64> {
        let pool = &mut self.pools[p];
        pool.update_ends();
        let (m, _) = pool.needs(k);
        // The replay tests a fit only after its first release.
        let &(first, _) = pool.running.first()?;
        let need = (m as usize).saturating_sub(pool.buckets[pool.per_node as usize].len());
        if need > pool.ends.busy.len() {
            return None;
        }
        // One walk of the busy nodes in key order: the need-th sets the shadow time, and every
        // node keyed by then is free at it (marked in `freed`).
        let mut shadow = (need == 0).then_some(first);
        let mut marked = std::mem::take(&mut self.scratch);
        marked.clear();
        for (i, &((end, _), l)) in pool.ends.busy.iter().enumerate() {
            if shadow.is_some_and(|s| end > s) {
                break;
            }
            if i + 1 == need {
                shadow = Some(end);
                if bound.is_some_and(|b| end >= b) {
                    break;
                }
            }
            marked.push(l);
        }
        let shadow = shadow.filter(|s| bound.is_none_or(|b| *s < b));
        if let Some(_s) = shadow {
            for &l in &marked {
                pool.ends.freed.insert(l as usize);
            }
            // The m lowest-indexed nodes free at the shadow time: free now or freed by then.
            let full = &pool.buckets[pool.per_node as usize];
            let all = lowest_bits(u64::MAX, pool.per_node);
            let mut plan = std::mem::take(&mut self.plan);
            plan.clear();
            let (mut a, mut b) = (full.next(0, None), pool.ends.freed.next(0, None));
            while (plan.len() as u32) < m {
                let l = match (a, b) {
                    (Some(x), Some(y)) if y < x => {
                        b = pool.ends.freed.next(y + 1, None);
                        y
                    }
                    (Some(x), _) => {
                        a = full.next(x + 1, None);
                        x
                    }
                    (None, Some(y)) => {
                        b = pool.ends.freed.next(y + 1, None);
                        y
                    }
                    (None, None) => break,
                };
                plan.push((l as u32, all));
            }
            debug_assert_eq!(plan.len() as u32, m, "the shadow time frees m nodes");
            self.plan = plan;
            for &l in &marked {
                pool.ends.freed.remove(l as usize);
            }
        }
        self.scratch = marked;
        shadow
    }

    /// Whether every pool's index agrees with its free masks and running jobs (for tests and
    /// invariants; a scan).
    pub fn end_index_is_consistent(&mut self, jobs: &crate::model::workload::Jobs) -> bool {
        self.pools.iter_mut().for_each(Pool::update_ends);
        self.pools.iter().all(|pool| {
            let mut want: Vec<Option<EndKey>> = vec![None; pool.nodes.len()];
            for &(end, slot) in &pool.running {
                for &(g, _) in &jobs.get(slot).alloc {
                    let l = self.local_of[g as usize] as usize;
                    if !pool.held[l] {
                        want[l] = Some(want[l].map_or((end, slot), |w| w.max((end, slot))));
                    }
                }
            }
            let set: BTreeSet<(EndKey, u32)> = want.iter().enumerate().filter_map(|(l, k)| k.map(|k| (k, l as u32))).collect();
            self.shares.is_some() || (want == pool.ends.node_key && set == pool.ends.busy)
        })
    }
}
