//! The cached EASY reservation and the remembered failed requests against references that
//! compute everything afresh: a brute-force replay over copies of the free masks, and
//! brute-force placement.

use super::*;
use crate::model::workload::Job;
use rand::RngExt;

const H: u64 = 3_600_000;

fn cluster(nodes: u32) -> (Cluster, Jobs) {
    (Cluster::new(&[(0..nodes).collect()], &[8], &[0], nodes as usize, 1), Jobs::default())
}

fn job(jobs: &mut Jobs, requested: u32, hours: u64) -> JobSlot {
    jobs.insert(Job { requested, duration_ms: hours * H, estimate_ms: hours * H, ..Default::default() })
}

/// Starts a job now (no reservation), which must fit.
fn start(c: &mut Cluster, jobs: &mut Jobs, requested: u32, hours: u64) -> JobSlot {
    let slot = job(jobs, requested, hours);
    assert!(c.try_start(slot, jobs, 0, None));
    slot
}

fn nodes_of(jobs: &Jobs, slot: JobSlot) -> Vec<u32> {
    jobs.get(slot).alloc.iter().map(|(n, _)| *n).collect()
}

/// Free slots of each node of a pool.
fn counts(free: &[u64]) -> Vec<u32> {
    free.iter().map(|m| m.count_ones()).collect()
}

/// Brute-force packing: the fullest node with at least k free (lowest first), or the m lowest
/// entirely free nodes; `excluded` nodes are not taken.
fn place(free: &[u64], per_node: u32, k: u32, excluded: &dyn Fn(usize) -> bool) -> Option<Vec<u32>> {
    let c = counts(free);
    if k <= per_node {
        (0..c.len()).filter(|&l| c[l] >= k && !excluded(l)).min_by_key(|&l| (c[l], l)).map(|l| vec![l as u32])
    } else {
        let m = k.div_ceil(per_node) as usize;
        let full: Vec<u32> = (0..c.len()).filter(|&l| c[l] == per_node && !excluded(l)).map(|l| l as u32).take(m).collect();
        (full.len() == m).then_some(full)
    }
}

/// The reservation by definition: per pool, release running jobs in (estimated end, slot)
/// order on a copy of the free masks until the job fits; its nodes once every job ending by
/// then is released; the earliest pool, the first on ties.
fn reference(c: &Cluster, job: &Job, jobs: &Jobs) -> Option<(Reservation, Vec<u32>)> {
    let mut best: Option<(Reservation, Vec<u32>)> = None;
    for (p, pool) in c.pools.iter().enumerate() {
        if pool.nodes.is_empty() || job.device.is_some_and(|d| d != pool.device) {
            continue;
        }
        let release_until = |last: usize| {
            let mut free = pool.free_mask.clone();
            for &(_, slot) in pool.running.iter().take(last) {
                for &(g, mask) in &jobs.get(slot).alloc {
                    let l = c.local_of[g as usize] as usize;
                    if !pool.held[l] {
                        free[l] |= mask;
                    }
                }
            }
            free
        };
        let running: Vec<(u64, JobSlot)> = pool.running.iter().copied().collect();
        let no = |_: usize| false;
        let Some(i) = (1..=running.len()).find(|&i| place(&release_until(i), pool.per_node, job.requested, &no).is_some()) else {
            continue;
        };
        let shadow_ms = running[i - 1].0;
        let by_shadow = running.iter().filter(|(end, _)| *end <= shadow_ms).count();
        let nodes = place(&release_until(by_shadow), pool.per_node, job.requested, &no).expect("fits at the shadow time");
        if best.as_ref().is_none_or(|(r, _)| shadow_ms < r.shadow_ms) {
            best = Some((Reservation { pool: p, shadow_ms }, nodes));
        }
    }
    best
}

/// Whether a job fits now by brute force, keeping off the reserved nodes where it must.
fn fits(c: &Cluster, job: &Job, now: u64, reservation: Option<Reservation>) -> bool {
    let (pool_marked, marked) = c.reserved_nodes();
    c.pools.iter().enumerate().any(|(p, pool)| {
        let eligible = !pool.nodes.is_empty() && job.device.is_none_or(|d| d == pool.device);
        let avoid = reservation.is_some_and(|r| r.pool == p && now + job.estimate_ms > r.shadow_ms);
        let excluded = |l: usize| avoid && pool_marked == p && marked.contains(&(l as u32));
        eligible && place(&pool.free_mask, pool.per_node, job.requested, &excluded).is_some()
    })
}

#[test]
fn a_reservation_is_computed_again_after_a_job_ends() {
    let (mut c, mut jobs) = cluster(3);
    start(&mut c, &mut jobs, 8, 10);
    start(&mut c, &mut jobs, 8, 5);
    let third = start(&mut c, &mut jobs, 8, 8);
    let head = job(&mut jobs, 16, 1);
    // Two whole nodes: nodes 1 and 2 once the 5 h and 8 h jobs have ended.
    assert_eq!(c.reservation(head, &jobs), Some(Reservation { pool: 0, shadow_ms: 8 * H }));
    assert_eq!(c.reserved_nodes(), (0, &[1, 2][..]));
    // The 8 h job ends early, at 1 h: node 2 is free now and the head needs only node 1 (5 h).
    let j = jobs.get(third).clone();
    c.finish(third, &j);
    assert_eq!(c.reservation(head, &jobs), Some(Reservation { pool: 0, shadow_ms: 5 * H }));
    assert_eq!(c.reserved_nodes(), (0, &[1, 2][..]));
}

#[test]
fn a_start_ending_by_the_shadow_time_keeps_the_reservation() {
    let (mut c, mut jobs) = cluster(3);
    start(&mut c, &mut jobs, 8, 10);
    start(&mut c, &mut jobs, 4, 5);
    let head = job(&mut jobs, 16, 1);
    let r = c.reservation(head, &jobs);
    assert_eq!(r, Some(Reservation { pool: 0, shadow_ms: 5 * H }));
    assert_eq!(c.reserved_nodes(), (0, &[1, 2][..]));
    // A 2 h job backfills onto a reserved node: it ends before the head needs the node.
    let short = job(&mut jobs, 8, 2);
    assert!(c.try_start(short, &mut jobs, 0, r));
    assert_eq!(nodes_of(&jobs, short), vec![2]);
    assert!(c.easy.valid, "kept: the reservation cannot have changed");
    assert_eq!(c.reservation(head, &jobs), reference(&c, jobs.get(head), &jobs).map(|(r, _)| r));
    assert_eq!(c.reserved_nodes().1, reference(&c, jobs.get(head), &jobs).unwrap().1);
}

#[test]
fn a_start_that_changes_the_best_fit_at_the_shadow_time_drops_the_reservation() {
    // Node 0: 6 slots until 5 h and 2 until 50 h; node 1: 5 slots until 5 h (3 free now).
    let (mut c, mut jobs) = cluster(2);
    start(&mut c, &mut jobs, 6, 5);
    start(&mut c, &mut jobs, 2, 50);
    start(&mut c, &mut jobs, 5, 5);
    // A job of 4: at 5 h node 0 has 6 free and node 1 all 8: best fit is node 0.
    let head = job(&mut jobs, 4, 1);
    let r = c.reservation(head, &jobs);
    assert_eq!(r, Some(Reservation { pool: 0, shadow_ms: 5 * H }));
    assert_eq!(c.reserved_nodes(), (0, &[0][..]));
    // A 40 h job of 3 keeps off node 0 and takes node 1's 3 free slots: at 5 h node 1 has 5
    // free, a better fit than node 0's 6, though the job took no reserved node.
    let long = job(&mut jobs, 3, 40);
    assert!(c.try_start(long, &mut jobs, 0, r));
    assert_eq!(nodes_of(&jobs, long), vec![1]);
    assert!(!c.easy.valid, "a cached reservation would keep node 0");
    assert_eq!(c.reservation(head, &jobs), r);
    assert_eq!(c.reserved_nodes(), (0, &[1][..]));
}

#[test]
fn a_failed_request_is_tried_again_once_the_cluster_changes() {
    let (mut c, mut jobs) = cluster(1);
    let first = start(&mut c, &mut jobs, 8, 1);
    let a = job(&mut jobs, 4, 1);
    let b = job(&mut jobs, 4, 1);
    assert!(!c.try_start(a, &mut jobs, 0, None));
    assert!(!c.try_start(b, &mut jobs, 0, None), "remembered: same request, same cluster");
    let j = jobs.get(first).clone();
    c.finish(first, &j);
    assert!(c.try_start(b, &mut jobs, H, None), "the end freed the node");
}

#[test]
fn the_cached_reservation_and_failed_requests_match_a_fresh_computation() {
    // Pool 0: 6 nodes of 4 (device 0); pool 1: 5 nodes of 8 (device 1).
    let (hits, kept_starts) = random_steps(5, 6, 5, &[1, 2, 3, 4, 5, 8, 12, 16, 24], 4000);
    // The test exercised the cache, including reservations kept across starts.
    assert!(hits > 500 && kept_starts > 100, "{hits} cache hits, {kept_starts} starts kept the reservation");
}

/// Larger pools and mostly whole-node gangs, where reservations come from the index of when
/// busy nodes free up ([`ends`]): the same answers as the replay, at every step.
#[test]
fn reservations_of_whole_nodes_from_the_end_index_match_the_replay() {
    for seed in 1..=4 {
        let (hits, _) = random_steps(seed, 24, 40, &[1, 4, 8, 12, 16, 32, 64, 96, 128, 200], 1500);
        assert!(hits > 50, "seed {seed}: {hits} cache hits");
    }
}

/// Random starts (with and without the reservation of a head that changes now and then),
/// early ends, failures and repairs on a pool of `a` nodes of 4 (device 0) and one of `b`
/// nodes of 8 (device 1): after every step the cached reservation equals the reference, the end
/// index agrees with the running jobs, and every start attempt succeeds exactly when brute
/// force says so. Returns (cache hits, starts that kept the reservation).
fn random_steps(seed: u64, a: u32, b: u32, sizes: &[u32], steps: usize) -> (u32, u32) {
    let mut rng = crate::time::rng::stream(seed, "easy-cache-test");
    let n = a + b;
    let mut c = Cluster::new(&[(0..a).collect(), (a..n).collect()], &[4, 8], &[0, 1], n as usize, 1);
    let mut jobs = Jobs::default();
    let draw = |rng: &mut crate::time::rng::Rng, jobs: &mut Jobs| {
        let requested = sizes[rng.random_range(0..sizes.len())];
        let device = [None, Some(0), Some(1)][rng.random_range(0..3)];
        let estimate_ms = rng.random_range(1..40) * H / 4;
        jobs.insert(Job { requested, device, duration_ms: estimate_ms, estimate_ms, ..Default::default() })
    };
    let mut head = draw(&mut rng, &mut jobs);
    let (mut running, mut held): (Vec<JobSlot>, Vec<u32>) = (Vec::new(), Vec::new());
    let (mut now, mut hits, mut kept_starts) = (0, 0, 0);
    for _ in 0..steps {
        now += rng.random_range(0..H / 2);
        match rng.random_range(0..100) {
            0..55 => {
                let slot = draw(&mut rng, &mut jobs);
                let r = if rng.random_bool(0.7) { c.reservation(head, &jobs) } else { None };
                let expect = fits(&c, jobs.get(slot), now, r);
                let valid_before = c.easy.valid;
                assert_eq!(c.try_start(slot, &mut jobs, now, r), expect);
                if expect {
                    running.push(slot);
                    kept_starts += (valid_before && c.easy.valid) as u32;
                } else {
                    jobs.remove(slot);
                }
            }
            55..85 if !running.is_empty() => {
                let slot = running.swap_remove(rng.random_range(0..running.len()));
                let j = jobs.get(slot).clone();
                c.finish(slot, &j);
                jobs.remove(slot);
            }
            85..93 => {
                // A node fails: out of service, its jobs interrupted (as the engine does).
                let node = rng.random_range(0..n);
                let pool = (node >= a) as usize;
                c.take_out(pool, node);
                held.push(node);
                running.retain(|&slot| {
                    let on = jobs.get(slot).alloc.iter().any(|(g, _)| *g == node);
                    if on {
                        let j = jobs.get(slot).clone();
                        c.finish(slot, &j);
                    }
                    !on
                });
            }
            93..98 if !held.is_empty() => {
                let node = held.swap_remove(rng.random_range(0..held.len()));
                if !held.contains(&node) {
                    c.put_back((node >= a) as usize, node);
                }
            }
            _ => head = draw(&mut rng, &mut jobs),
        }
        let want = reference(&c, jobs.get(head), &jobs);
        let key = (jobs.get(head).requested, jobs.get(head).device);
        hits += (c.easy.valid && (c.easy.requested, c.easy.device) == key) as u32;
        assert_eq!(c.reservation(head, &jobs), want.as_ref().map(|w| w.0));
        if let Some((r, nodes)) = want {
            assert_eq!(c.reserved_nodes(), (r.pool, &nodes[..]));
        }
        assert!(c.end_index_is_consistent(&jobs));
    }
    (hits, kept_starts)
}

/// Topology placement by definition, from the free masks: the pod with the fewest entirely
/// free nodes that holds all m (lowest pod on ties), its m lowest such nodes; else pods by
/// most free nodes (lowest pod on ties), each pod's free nodes lowest first, until m.
fn topology_reference(pool: &Pool, k: u32) -> Option<Vec<u32>> {
    let m = k.div_ceil(pool.per_node) as usize;
    let free_in =
        |&(a, b): &(u32, u32)| -> Vec<u32> { (a..b).filter(|&l| pool.free_count(l as usize) == pool.per_node as usize).collect() };
    let pods: Vec<Vec<u32>> = pool.pod_range.iter().map(free_in).collect();
    if pods.iter().map(Vec::len).sum::<usize>() < m {
        return None;
    }
    if let Some(best) = (0..pods.len()).filter(|&p| pods[p].len() >= m).min_by_key(|&p| (pods[p].len(), p)) {
        return Some(pods[best][..m].to_vec());
    }
    let mut order: Vec<usize> = (0..pods.len()).filter(|&p| !pods[p].is_empty()).collect();
    order.sort_by_key(|&p| (std::cmp::Reverse(pods[p].len()), p));
    let mut taken: Vec<u32> = order.iter().flat_map(|&p| pods[p].iter().copied()).take(m).collect();
    taken.sort_unstable();
    Some(taken)
}

#[test]
fn topology_placement_from_the_pods_filed_by_count_matches_the_definition() {
    let mut rng = crate::time::rng::stream(7, "topology-test");
    // 61 nodes of 4 in pods of 8 (the last one short), so pods tie, fill and empty.
    let nodes = 61u32;
    let (mut c, mut jobs) = (Cluster::new(&[(0..nodes).collect()], &[4], &[0], nodes as usize, 1), Jobs::default());
    let pod_of: Vec<u32> = (0..nodes).map(|g| g / 8).collect();
    c.set_placement(Placement::Topology, &pod_of, 1);
    let mut running = Vec::new();
    let mut multi_pod = 0;
    for step in 0..3000 {
        if rng.random_bool(0.55) || running.is_empty() {
            let k = *[1u32, 3, 4, 8, 12, 20, 32, 44, 64, 100].get(rng.random_range(0..10)).unwrap_or(&4);
            let want = (k > 4).then(|| topology_reference(&c.pools[0], k)).flatten();
            let slot = job(&mut jobs, k, rng.random_range(1..20));
            let started = c.try_start(slot, &mut jobs, step, None);
            if k > 4 {
                assert_eq!(started, want.is_some(), "step {step}: {k} accelerators");
            }
            if started {
                if let Some(w) = want {
                    let pods: std::collections::BTreeSet<u32> = w.iter().map(|&l| pod_of[l as usize]).collect();
                    multi_pod += (pods.len() > 1) as u32;
                    assert_eq!(nodes_of(&jobs, slot), w, "step {step}: {k} accelerators");
                }
                running.push(slot);
            } else {
                jobs.remove(slot);
            }
        } else {
            let slot = running.swap_remove(rng.random_range(0..running.len()));
            let j = jobs.get(slot).clone();
            c.finish(slot, &j);
            jobs.remove(slot);
        }
        let (kept, recount) = c.pod_free_recount(0);
        assert_eq!(kept, recount, "step {step}");
    }
    assert!(multi_pod > 50, "the fallback across pods was exercised {multi_pod} times");
}
