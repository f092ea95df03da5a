//! Placement modes beyond packing: topology-aware (inside one pod if one has room) and random
//! whole nodes, and the per-pod counts of fully free nodes they read.

use super::{Cluster, Pool, lowest_bits};
use crate::config::Placement;
use crate::model::scheduler::bitset::IndexSet;

impl Pool {
    /// Topology-aware placement of m > 1 whole nodes: the pod with the fewest fully free nodes
    /// that still holds them all (best fit, the lowest-indexed on ties), else the fullest pods
    /// first (the fewest pods; lowest-indexed first among equals). Reads the pods by their
    /// count of fully free nodes: O(pod size) plus the pods and nodes taken; never a scan of
    /// pods or nodes.
    pub(super) fn find_topology(&self, k: u32, avoid_reserved: bool, out: &mut Vec<(u32, u64)>) -> bool {
        out.clear();
        let (m, _) = self.needs(k);
        if (self.buckets[self.per_node as usize].len() as u32) < m {
            return false;
        }
        let excl = avoid_reserved.then_some(&self.reserved);
        let by_full = &self.pods_by_full;
        let best = (m as usize..by_full.len()).find_map(|c| by_full[c].next(0, None));
        if let Some(pod) = best {
            self.take_from_pod(pod, m, excl, out);
            if out.len() as u32 == m {
                return true;
            }
            out.clear();
        }
        for pods in by_full.iter().skip(1).rev() {
            let mut at = 0;
            while let Some(pod) = pods.next(at, None) {
                self.take_from_pod(pod, m, excl, out);
                if out.len() as u32 == m {
                    out.sort_unstable_by_key(|(l, _)| *l);
                    return true;
                }
                at = pod + 1;
            }
        }
        false
    }

    /// Appends free whole nodes of pod `pod`, lowest first, until `out` holds m.
    pub(super) fn take_from_pod(&self, pod: usize, m: u32, excl: Option<&IndexSet>, out: &mut Vec<(u32, u64)>) {
        let (start, end) = self.pod_range[pod];
        let all = lowest_bits(u64::MAX, self.per_node);
        let full = &self.buckets[self.per_node as usize];
        let mut at = start as usize;
        while (out.len() as u32) < m {
            match full.next_before(at, end as usize, excl) {
                Some(l) => {
                    out.push((l as u32, all));
                    at = l + 1;
                }
                None => break,
            }
        }
    }

    /// Random placement of m > 1 whole nodes: each the first free node at or after a uniformly
    /// drawn index (wrapping), distinct; nodes in increasing order.
    pub(super) fn find_random(&self, k: u32, avoid_reserved: bool, out: &mut Vec<(u32, u64)>, rng: &mut crate::time::rng::Rng) -> bool {
        use rand::RngExt;
        out.clear();
        let (m, _) = self.needs(k);
        let full = &self.buckets[self.per_node as usize];
        if (full.len() as u32) < m || self.nodes.is_empty() {
            return false;
        }
        let excl = avoid_reserved.then_some(&self.reserved);
        let all = lowest_bits(u64::MAX, self.per_node);
        let n = self.nodes.len();
        while (out.len() as u32) < m {
            let start = rng.random_range(0..n);
            let mut at = start;
            let mut wrapped = false;
            let pick = loop {
                match full.next(at, excl) {
                    Some(l) if out.iter().any(|(x, _)| *x as usize == l) => at = l + 1,
                    Some(l) if wrapped && l >= start => break None,
                    Some(l) => break Some(l),
                    None if wrapped => break None,
                    None => {
                        wrapped = true;
                        at = 0;
                    }
                }
            };
            match pick {
                Some(l) => out.push((l as u32, all)),
                None => return false,
            }
        }
        out.sort_unstable_by_key(|(l, _)| *l);
        true
    }
}

impl Cluster {
    /// Sets the placement of multi-node jobs; `pod_of_node` maps global nodes to pods (needed by
    /// topology placement) and `seed` seeds the "placement" stream of random placement.
    pub fn set_placement(&mut self, placement: Placement, pod_of_node: &[u32], seed: u64) {
        self.changed();
        self.placement = placement;
        if placement == Placement::Random {
            self.rng = Some(crate::time::rng::stream(seed, "placement"));
        }
        if placement != Placement::Topology || pod_of_node.is_empty() {
            return;
        }
        for pool in &mut self.pools {
            pool.pod_of_local.clear();
            pool.pod_range.clear();
            pool.pod_full.clear();
            pool.pods_by_full.clear();
            let mut last = u32::MAX;
            for (l, g) in pool.nodes.iter().enumerate() {
                let pod = pod_of_node.get(*g as usize).copied().unwrap_or(0);
                if pod != last {
                    if let Some(r) = pool.pod_range.last_mut() {
                        r.1 = l as u32;
                    }
                    pool.pod_range.push((l as u32, pool.nodes.len() as u32));
                    pool.pod_full.push(0);
                    last = pod;
                }
                pool.pod_of_local.push(pool.pod_range.len() as u32 - 1);
                if pool.free_count(l) == pool.per_node as usize {
                    *pool.pod_full.last_mut().unwrap_or(&mut 0) += 1;
                }
            }
            let largest = pool.pod_range.iter().map(|&(a, b)| (b - a) as usize).max().unwrap_or(0);
            pool.pods_by_full = vec![IndexSet::new(pool.pod_range.len()); largest + 1];
            for (pod, &c) in pool.pod_full.iter().enumerate() {
                pool.pods_by_full[c as usize].insert(pod);
            }
        }
    }

    /// Fully free nodes per pod of pool `pool`: as kept incrementally, and recounted (a scan,
    /// for tests and invariants).
    /// A pod filed under another count than its own reads as `u32::MAX` in the first.
    pub fn pod_free_recount(&self, pool: usize) -> (Vec<u32>, Vec<u32>) {
        let p = &self.pools[pool];
        let recount =
            p.pod_range.iter().map(|&(a, b)| (a..b).filter(|l| p.free_count(*l as usize) == p.per_node as usize).count() as u32).collect();
        let filed = |pod: usize, c: u32| p.pods_by_full.iter().enumerate().all(|(i, s)| s.contains(pod) == (i == c as usize));
        let kept = p.pod_full.iter().enumerate().map(|(pod, &c)| if filed(pod, c) { c } else { u32::MAX }).collect();
        (kept, recount)
    }
}
