//! When each busy node becomes entirely free if running jobs end at their estimates: the index
//! that gives an EASY reservation of whole nodes without replaying the running jobs.
//!
//! ## How it works
//! Each accelerator slot remembers the (estimated end, slot) of the job on it; a node in service
//! with at least one busy slot is keyed by the largest of its jobs' keys, the point of the
//! replay's release order (estimated end, slot) after which it is entirely free. The busy nodes
//! of a pool are kept in groups by that key, the groups ordered by key (a `BTreeMap` from key to
//! a group's list of nodes). A gang's nodes usually share one key (their job's), so a start or
//! an end of m nodes costs one or two map lookups and m list updates rather than m tree
//! updates, and the walk below steps a group at a time. The groups are brought up to date when
//! a reservation reads them: a start or end only marks its nodes. A job of m whole nodes with f
//! entirely free now first fits after the release that frees the (m - f)-th busy node in key
//! order (or after the first release if it fits already, as the replay only tests a fit after a
//! release), and its nodes are the m lowest-indexed among the free ones and the busy ones keyed
//! by the shadow time (marked in a scratch bitset and merged with the free ones): O(m + groups
//! by then + nodes / 4096), whatever the number of running jobs. Nodes out of service are in no
//! key (a release skips them in the replay too).

use std::collections::{BTreeMap, BTreeSet};

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
    /// Key of each local node in a group (None: free, out of service, or not indexed).
    node_key: Vec<Option<EndKey>>,
    /// The busy nodes in service, grouped by key: key -> index of the group's list in `lists`.
    groups: BTreeMap<EndKey, u32>,
    /// Lists of local nodes, one per group (unordered), and lists no group uses (empty).
    lists: Vec<Vec<u32>>,
    spare: Vec<u32>,
    /// Position of each grouped local node in its group's list.
    pos: Vec<u32>,
    /// Number of grouped (busy, in service) nodes.
    busy: usize,
    /// The last two (key, list) looked up, the newer first: a gang's nodes come one after
    /// another, each leaving one key (its old one) for another.
    last: [Option<(EndKey, u32)>; 2],
    /// Scratch of `shadow_whole`: the busy nodes free at the shadow time (empty between calls).
    freed: IndexSet,
    /// Nodes whose key may have changed since the groups were last brought up to date (each
    /// once): a start or end only marks its nodes, and the next reservation of whole nodes in
    /// the pool updates them, so that a node a short job takes and frees in between costs
    /// nothing.
    dirty: Vec<u32>,
    /// Whether each local node is in `dirty`.
    is_dirty: Vec<bool>,
}

/// A spare list keeps at most this capacity (nodes): a list that held a larger gang is
/// dropped when its group empties, so that memory stays within the nodes grouped now.
const SPARE_CAPACITY: usize = 256;

impl Ends {
    pub(super) fn new(nodes: usize, per_node: u32) -> Ends {
        Ends {
            slot_key: vec![(0, 0); nodes * per_node as usize],
            node_key: vec![None; nodes],
            groups: BTreeMap::new(),
            lists: Vec::new(),
            spare: Vec::new(),
            pos: vec![0; nodes],
            busy: 0,
            last: [None; 2],
            freed: IndexSet::new(nodes),
            dirty: Vec::new(),
            is_dirty: vec![false; nodes],
        }
    }

    /// The list of the group keyed `key`, created if `create`. O(log groups), O(1) for the keys
    /// of the previous two calls.
    fn list_of(&mut self, key: EndKey, create: bool) -> Option<u32> {
        for (k, i) in self.last.into_iter().flatten() {
            if k == key {
                return Some(i);
            }
        }
        let i = match self.groups.get(&key) {
            Some(&i) => i,
            None if create => {
                let i = self.spare.pop().unwrap_or_else(|| {
                    self.lists.push(Vec::new());
                    (self.lists.len() - 1) as u32
                });
                self.groups.insert(key, i);
                i
            }
            None => return None,
        };
        self.last = [Some((key, i)), self.last[0]];
        Some(i)
    }

    /// Takes local node `l` out of the group keyed `key`.
    fn ungroup(&mut self, l: u32, key: EndKey) {
        let Some(i) = self.list_of(key, false) else {
            debug_assert!(false, "node {l} keyed {key:?} in no group");
            return;
        };
        let list = &mut self.lists[i as usize];
        let p = self.pos[l as usize] as usize;
        debug_assert_eq!(list[p], l);
        list.swap_remove(p);
        if let Some(&moved) = list.get(p) {
            self.pos[moved as usize] = p as u32;
        }
        if list.is_empty() {
            if list.capacity() > SPARE_CAPACITY {
                *list = Vec::new();
            }
            self.groups.remove(&key);
            self.spare.push(i);
            self.last = [None; 2];
        }
        self.busy -= 1;
    }

    /// Puts local node `l` in the group keyed `key`.
    fn group(&mut self, l: u32, key: EndKey) {
        let i = self.list_of(key, true).unwrap_or_else(|| unreachable!("created"));
        let list = &mut self.lists[i as usize];
        self.pos[l as usize] = list.len() as u32;
        list.push(l);
        self.busy += 1;
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

    /// Brings the keys of the nodes marked since the last call up to date. O(per_node) per node
    /// marked, plus O(log groups) per change of key from one node to the next.
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
            self.ends.ungroup(l as u32, o);
        }
        if let Some(k) = key {
            self.ends.group(l as u32, k);
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
        if need > pool.ends.busy {
            return None;
        }
        // One walk of the groups in key order: the group holding the need-th node sets the
        // shadow time, and every node keyed by then is free at it (marked in `freed`).
        let mut shadow = (need == 0).then_some(first);
        let mut marked = std::mem::take(&mut self.scratch);
        marked.clear();
        let mut counted = 0;
        for (&(end, _), &i) in &pool.ends.groups {
            if shadow.is_some_and(|s| end > s) {
                break;
            }
            let list = &pool.ends.lists[i as usize];
            if shadow.is_none() && counted + list.len() >= need {
                shadow = Some(end);
                if bound.is_some_and(|b| end >= b) {
                    break;
                }
            }
            counted += list.len();
            marked.extend_from_slice(list);
        }
        let shadow = shadow.filter(|s| bound.is_none_or(|b| *s < b));
        if let Some(_s) = shadow {
            pool.ends.freed.insert_all(&marked);
            // The m lowest-indexed nodes free at the shadow time: free now or freed by then.
            let full = &pool.buckets[pool.per_node as usize];
            let all = lowest_bits(u64::MAX, pool.per_node);
            let mut plan = std::mem::take(&mut self.plan);
            plan.clear();
            full.lowest_of_union(&pool.ends.freed, m as usize, |l| plan.push((l as u32, all)));
            debug_assert_eq!(plan.len() as u32, m, "the shadow time frees m nodes");
            self.plan = plan;
            pool.ends.freed.clear_within(&marked);
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
            let e = &pool.ends;
            let grouped: BTreeSet<(EndKey, u32)> =
                e.groups.iter().flat_map(|(&k, &i)| e.lists[i as usize].iter().map(move |&l| (k, l))).collect();
            let lists_agree = e.groups.values().all(|&i| {
                let list = &e.lists[i as usize];
                !list.is_empty() && list.iter().enumerate().all(|(p, &l)| e.pos[l as usize] as usize == p)
            });
            self.shares.is_some() || (want == e.node_key && set == grouped && e.busy == set.len() && lists_agree)
        })
    }
}
