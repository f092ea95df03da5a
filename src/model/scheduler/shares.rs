//! Placement by shares: pods that ask for a fraction of one GPU, CPU and memory (the Alibaba GPU
//! v2023 trace, Weng et al. ATC'23), packed onto nodes whose GPUs several pods share.
//!
//! ## How it works
//! Each GPU keeps its free share in thousandths (`milli`, 1000 = whole); each node its free CPU
//! milli and memory MiB. A pod of k GPUs at m milli (m < 1000 only for k = 1; k = 0 is a
//! CPU-only pod), c CPU milli and r MiB fits a node when
//! - k = 0: the node has c and r free;
//! - m < 1000: some GPU has at least m free, and the node has c and r free;
//! - m = 1000: k GPUs are wholly free, and the node has c and r free.
//!
//! Pods never span nodes (a Kubernetes pod runs on one node). Within a pool (a node type) two
//! indexes are kept by deltas: nodes bucketed by their largest free GPU share quantised to
//! 1/10 of a GPU (11 buckets), and nodes bucketed by their count of wholly free GPUs. A
//! fractional pod scans buckets from the tightest that can hold it upward (best fit: the pod goes
//! where the largest hole is smallest, which keeps whole GPUs free for whole-GPU pods); inside a
//! node it takes the GPU with the least free share that is enough. A whole-GPU pod scans the
//! whole-free buckets from k upward; a CPU-only pod the share buckets from the fullest upward.
//! Lowest node index first within a bucket. Eligible pools are the pod's `gpu_spec` models (any
//! pool when it has none), in node-type order; the first pool with room wins.
//!
//! Cost per decision: O(pools x (buckets + candidates examined + GPUs per node)), where a
//! candidate is examined only when its GPUs fit and is passed over only when its CPU or memory
//! does not: on a GPU-bound cluster the first candidate fits; where CPU or memory binds the scan
//! may cross many nodes of a bucket (the worst case, every node of the pool). Memory is O(GPUs).

use super::bitset::IndexSet;
use crate::model::workload::Job;

/// A whole GPU, thousandths.
pub const WHOLE: u16 = 1000;
/// Width of a share bucket, thousandths.
const BUCKET: u16 = 100;
const BUCKETS: usize = (WHOLE / BUCKET) as usize + 1;

/// One pool of identical nodes.
#[derive(Debug)]
struct SharePool {
    /// Global node index of each local node.
    nodes: Vec<u32>,
    per_node: u32,
    /// CPU milli and memory MiB of one node (u32::MAX: not tracked).
    cpu_cap: u32,
    memory_cap: u32,
    /// What a pod's gpu_spec names this pool by (the node list's model, or the device id).
    model: String,
    free_cpu: Vec<u32>,
    free_memory: Vec<u32>,
    /// Free share of each GPU, node by node (stride `per_node`).
    gpu_free: Vec<u16>,
    /// Largest free share of each node and its bucket index.
    max_free: Vec<u16>,
    /// Wholly free GPUs of each node.
    whole: Vec<u8>,
    by_share: Vec<IndexSet>,
    by_whole: Vec<IndexSet>,
}

impl SharePool {
    fn gpus(&self, l: usize) -> &[u16] {
        &self.gpu_free[l * self.per_node as usize..(l + 1) * self.per_node as usize]
    }

    /// Re-derives a node's index entries after its GPUs changed.
    fn reindex(&mut self, l: usize) {
        let (old_max, old_whole) = (self.max_free[l], self.whole[l]);
        let g = self.gpus(l);
        let max = g.iter().copied().max().unwrap_or(0);
        let whole = g.iter().filter(|&&f| f == WHOLE).count() as u8;
        if max != old_max {
            self.by_share[(old_max / BUCKET) as usize].remove(l);
            self.by_share[(max / BUCKET) as usize].insert(l);
            self.max_free[l] = max;
        }
        if whole != old_whole {
            self.by_whole[old_whole as usize].remove(l);
            self.by_whole[whole as usize].insert(l);
            self.whole[l] = whole;
        }
    }

    fn host_fits(&self, l: usize, cpu: u32, memory: u32) -> bool {
        self.free_cpu[l] >= cpu && self.free_memory[l] >= memory
    }

    /// Whether a pod could ever fit one (empty) node of this pool.
    fn could_fit(&self, k: u32, cpu: u32, memory: u32) -> bool {
        !self.nodes.is_empty() && k <= self.per_node && cpu <= self.cpu_cap && memory <= self.memory_cap
    }

    /// A node and GPU mask for a pod, or None.
    fn find(&self, k: u32, milli: u16, cpu: u32, memory: u32) -> Option<(usize, u64)> {
        if !self.could_fit(k, cpu, memory) {
            return None;
        }
        if k == 0 {
            for b in &self.by_share {
                let mut at = 0;
                while let Some(l) = b.next(at, None) {
                    if self.host_fits(l, cpu, memory) {
                        return Some((l, 0));
                    }
                    at = l + 1;
                }
            }
            return None;
        }
        if milli < WHOLE {
            for b in &self.by_share[(milli / BUCKET) as usize..] {
                let mut at = 0;
                while let Some(l) = b.next(at, None) {
                    at = l + 1;
                    if self.max_free[l] < milli || !self.host_fits(l, cpu, memory) {
                        continue;
                    }
                    // The GPU with the least free share that is enough.
                    let best = self.gpus(l).iter().enumerate().filter(|(_, f)| **f >= milli).min_by_key(|(i, f)| (**f, *i));
                    if let Some((i, _)) = best {
                        return Some((l, 1 << i));
                    }
                }
            }
            return None;
        }
        for b in &self.by_whole[k as usize..] {
            let mut at = 0;
            while let Some(l) = b.next(at, None) {
                at = l + 1;
                if !self.host_fits(l, cpu, memory) {
                    continue;
                }
                let mut mask = 0u64;
                for (i, f) in self.gpus(l).iter().enumerate() {
                    if *f == WHOLE && mask.count_ones() < k {
                        mask |= 1 << i;
                    }
                }
                return Some((l, mask));
            }
        }
        None
    }

    /// Takes (or with `give`, gives back) a pod's resources on local node `l`.
    fn apply(&mut self, l: usize, mask: u64, milli: u16, cpu: u32, memory: u32, give: bool) {
        let base = l * self.per_node as usize;
        let mut bits = mask;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let f = &mut self.gpu_free[base + i];
            *f = if give { *f + milli } else { *f - milli };
        }
        if give {
            self.free_cpu[l] += cpu;
            self.free_memory[l] += memory;
        } else {
            self.free_cpu[l] -= cpu;
            self.free_memory[l] -= memory;
        }
        self.reindex(l);
    }
}

/// What describes one pool to [`Shares::new`].
#[derive(Debug, Clone)]
pub struct PoolShape {
    /// Global node indices, in hall and rack order.
    pub nodes: Vec<u32>,
    /// GPUs per node.
    pub per_node: u32,
    /// CPU milli of one node (None: not tracked).
    pub cpu_milli: Option<u32>,
    /// Memory MiB of one node (None: not tracked).
    pub memory_mib: Option<u32>,
    /// The name a pod's gpu_spec uses for this pool's GPUs.
    pub model: String,
}

/// Free GPU shares, CPU and memory of every node, indexed for placement.
#[derive(Debug)]
pub struct Shares {
    pools: Vec<SharePool>,
    local_of: Vec<u32>,
    /// Eligible pools per spec: index 0 = any pool, s = 1 + index into the trace's specs.
    spec_pools: Vec<Vec<u16>>,
    spec_names: Vec<String>,
    /// GPUs with their whole share free.
    whole_free: u64,
}

impl Shares {
    /// An empty cluster of `pools`; `specs` are the distinct gpu_spec strings of the trace
    /// ("V100M16|V100M32": any of these models).
    pub fn new(pools: Vec<PoolShape>, n_nodes: usize, specs: &[String]) -> Shares {
        let mut local_of = vec![0; n_nodes];
        let mut whole_free = 0;
        let pools: Vec<SharePool> = pools
            .into_iter()
            .map(|s| {
                let n = s.nodes.len();
                let mut by_share: Vec<IndexSet> = (0..BUCKETS).map(|_| IndexSet::new(n)).collect();
                let mut by_whole: Vec<IndexSet> = (0..=s.per_node).map(|_| IndexSet::new(n)).collect();
                for (l, g) in s.nodes.iter().enumerate() {
                    local_of[*g as usize] = l as u32;
                    by_share[BUCKETS - 1].insert(l);
                    by_whole[s.per_node as usize].insert(l);
                }
                whole_free += n as u64 * s.per_node as u64;
                let (cpu_cap, memory_cap) = (s.cpu_milli.unwrap_or(u32::MAX), s.memory_mib.unwrap_or(u32::MAX));
                SharePool {
                    per_node: s.per_node,
                    cpu_cap,
                    memory_cap,
                    model: s.model,
                    free_cpu: vec![cpu_cap; n],
                    free_memory: vec![memory_cap; n],
                    gpu_free: vec![WHOLE; n * s.per_node as usize],
                    max_free: vec![WHOLE; n],
                    whole: vec![s.per_node as u8; n],
                    by_share,
                    by_whole,
                    nodes: s.nodes,
                }
            })
            .collect();
        let mut spec_pools = vec![(0..pools.len() as u16).collect::<Vec<u16>>()];
        for spec in specs {
            let names: Vec<&str> = spec.split('|').map(str::trim).collect();
            spec_pools.push((0..pools.len()).filter(|&p| names.contains(&pools[p].model.as_str())).map(|p| p as u16).collect());
        }
        Shares { pools, local_of, spec_pools, spec_names: specs.to_vec(), whole_free }
    }

    fn eligible(&self, job: &Job) -> &[u16] {
        self.spec_pools.get(job.request.spec as usize).map_or(&[], Vec::as_slice)
    }

    fn milli(job: &Job) -> u16 {
        if job.requested == 0 { 0 } else { job.request.gpu_milli.clamp(1, WHOLE) }
    }

    /// Why a pod can never run here (no eligible node could hold it even empty), if it cannot.
    pub fn never_fits(&self, job: &Job) -> Option<String> {
        let (k, r) = (job.requested, &job.request);
        let pools = self.eligible(job);
        if pools.iter().any(|&p| self.pools[p as usize].could_fit(k, r.cpu_milli, r.memory_mib)) {
            return None;
        }
        if pools.is_empty() {
            let spec = self.spec_names.get((r.spec as usize).wrapping_sub(1)).map_or("", String::as_str);
            return Some(format!("no node has a GPU of the model(s) {spec}"));
        }
        let most = |f: fn(&SharePool) -> u32| pools.iter().map(|&p| f(&self.pools[p as usize])).max().unwrap_or(0);
        Some(format!(
            "needs {k} GPU(s) with {} CPU milli and {} MiB on one node; eligible nodes have at most {} GPUs / {} CPU milli / {} MiB",
            r.cpu_milli,
            r.memory_mib,
            most(|p| p.per_node),
            most(|p| p.cpu_cap),
            most(|p| p.memory_cap)
        ))
    }

    /// Places a pod now if it fits: returns (pool, global node, GPU mask) and takes its resources.
    pub fn place(&mut self, job: &Job) -> Option<(usize, u32, u64)> {
        let (k, m, cpu, mem) = (job.requested, Self::milli(job), job.request.cpu_milli, job.request.memory_mib);
        let found =
            self.eligible(job).iter().find_map(|&p| self.pools[p as usize].find(k, m, cpu, mem).map(|(l, mask)| (p as usize, l, mask)));
        let (p, l, mask) = found?;
        let pool = &mut self.pools[p];
        let before = pool.whole[l];
        pool.apply(l, mask, m, cpu, mem, false);
        self.whole_free -= (before - pool.whole[l]) as u64;
        Some((p, pool.nodes[l], mask))
    }

    /// Gives back a placed pod's resources.
    pub fn release(&mut self, job: &Job) {
        let m = Self::milli(job);
        for &(g, mask) in &job.alloc {
            let l = self.local_of[g as usize] as usize;
            let pool = &mut self.pools[job.pool as usize];
            let before = pool.whole[l];
            pool.apply(l, mask, m, job.request.cpu_milli, job.request.memory_mib, true);
            self.whole_free += (pool.whole[l] - before) as u64;
        }
    }

    /// GPUs whose whole share is free.
    pub fn whole_free(&self) -> u64 {
        self.whole_free
    }

    /// Free share of every GPU and free CPU and memory of every node agree with their indexes
    /// and capacities (a scan, for tests).
    pub fn consistent(&self) -> bool {
        let mut whole = 0;
        for p in &self.pools {
            for l in 0..p.nodes.len() {
                let g = p.gpus(l);
                let max = g.iter().copied().max().unwrap_or(0);
                let w = g.iter().filter(|&&f| f == WHOLE).count();
                whole += w as u64;
                let ok = g.iter().all(|&f| f <= WHOLE)
                    && p.max_free[l] == max
                    && p.by_share[(max / BUCKET) as usize].contains(l)
                    && p.whole[l] as usize == w
                    && p.by_whole[w].contains(l)
                    && p.free_cpu[l] <= p.cpu_cap
                    && p.free_memory[l] <= p.memory_cap;
                if !ok {
                    return false;
                }
            }
        }
        whole == self.whole_free
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workload::Request;

    fn pod(k: u32, milli: u16, cpu: u32, memory: u32) -> Job {
        Job {
            requested: k,
            request: Request { gpu_milli: milli, cpu_milli: cpu, memory_mib: memory, ..Default::default() },
            ..Default::default()
        }
    }

    fn shares(nodes: u32, per_node: u32) -> Shares {
        let shape = PoolShape { nodes: (0..nodes).collect(), per_node, cpu_milli: Some(8000), memory_mib: Some(1000), model: "T4".into() };
        Shares::new(vec![shape], nodes as usize, &[])
    }

    /// Places a pod and records its allocation as the engine does.
    fn place(s: &mut Shares, mut job: Job) -> Option<Job> {
        let (p, node, mask) = s.place(&job)?;
        job.pool = p as u16;
        job.alloc = vec![(node, mask)];
        Some(job)
    }

    #[test]
    fn fractional_pods_fill_the_tightest_gpu_and_whole_pods_take_whole_gpus() {
        let mut s = shares(2, 2);
        let a = place(&mut s, pod(1, 700, 1000, 100)).unwrap();
        assert_eq!(a.alloc, [(0, 0b01)]);
        // 300 fits exactly in what a left on GPU 0 of node 0, not on a whole GPU.
        let b = place(&mut s, pod(1, 300, 1000, 100)).unwrap();
        assert_eq!(b.alloc, [(0, 0b01)]);
        // Two whole GPUs: only node 1 has them.
        let c = place(&mut s, pod(2, 1000, 1000, 100)).unwrap();
        assert_eq!(c.alloc, [(1, 0b11)]);
        assert_eq!(s.whole_free(), 1);
        // CPU binds: node 0 has 6000 CPU milli left, node 1 7000.
        assert!(place(&mut s, pod(1, 100, 7500, 100)).is_none());
        let d = place(&mut s, pod(0, 0, 6000, 100)).unwrap();
        // A CPU-only pod takes CPU and memory only, on the node with the least free GPU share
        // (node 1), which keeps the CPU of nodes with free GPUs for GPU pods.
        assert_eq!(d.alloc, [(1, 0)]);
        s.release(&c);
        assert_eq!(s.whole_free(), 3);
        assert!(s.consistent());
    }

    #[test]
    fn a_pod_is_placed_exactly_when_some_node_has_room_and_the_indexes_stay_exact() {
        // Random place and release against a brute-force check of every node.
        use rand::RngExt;
        let mut rng = crate::time::rng::stream(7, "shares-test");
        let mut s = shares(6, 4);
        let mut live: Vec<Job> = Vec::new();
        for _ in 0..5000 {
            if !live.is_empty() && rng.random_bool(0.45) {
                let i = rng.random_range(0..live.len());
                s.release(&live.swap_remove(i));
            } else {
                let k = [0, 1, 1, 1, 2, 4][rng.random_range(0..6)];
                let milli = if k == 1 && rng.random_bool(0.6) { rng.random_range(1..1000) } else { 1000 };
                let job = pod(k, milli, rng.random_range(0..3000), rng.random_range(0..300));
                // Brute force over every node of the pool.
                let p = &s.pools[0];
                let room = (0..p.nodes.len()).any(|l| {
                    let g = p.gpus(l);
                    p.host_fits(l, job.request.cpu_milli, job.request.memory_mib)
                        && match (k, milli) {
                            (0, _) => true,
                            (_, m) if m < WHOLE => g.iter().any(|f| *f >= m),
                            _ => g.iter().filter(|f| **f == WHOLE).count() >= k as usize,
                        }
                });
                let placed = place(&mut s, job);
                assert_eq!(placed.is_some(), room, "placed iff some node has room");
                live.extend(placed);
            }
            assert!(s.consistent());
        }
        for j in live.drain(..) {
            s.release(&j);
        }
        assert_eq!(s.whole_free(), 24);
        assert!(s.pools[0].free_cpu.iter().all(|&c| c == 8000));
    }
}
