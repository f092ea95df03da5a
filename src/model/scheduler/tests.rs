//! Policy semantics on tiny clusters where the right answer is known by hand.

use super::*;
use crate::model::workload::Job;

const H: u64 = 3_600_000;

/// One pool of `nodes` nodes of 8 accelerators, `classes` classes.
fn cluster(nodes: u32, classes: usize) -> (Cluster, Jobs) {
    let pool: Vec<u32> = (0..nodes).collect();
    (Cluster::new(&[pool], &[8], &[0], nodes as usize, classes), Jobs::default())
}

fn job(jobs: &mut Jobs, requested: u32, hours: u64, class: u16, priority: i32) -> JobSlot {
    jobs.insert(Job { requested, duration_ms: hours * H, estimate_ms: hours * H, class, priority, ..Default::default() })
}

fn run(s: &mut dyn Scheduler, now: u64, c: &mut Cluster, jobs: &mut Jobs) -> Vec<JobSlot> {
    let mut started = Vec::new();
    let mut preempted = Vec::new();
    s.schedule(now, c, jobs, &mut started, &mut preempted);
    assert!(preempted.is_empty(), "no preemption expected here");
    started
}

fn nodes_of(jobs: &Jobs, slot: JobSlot) -> Vec<u32> {
    jobs.get(slot).alloc.iter().map(|(n, _)| *n).collect()
}

#[test]
fn packing_is_best_fit_and_fills_nodes_in_order() {
    let (mut c, mut jobs) = cluster(4, 1);
    let mut s = ListScheduler::new("fifo", false, false, 8, None);
    let a = job(&mut jobs, 4, 1, 0, 0);
    let b = job(&mut jobs, 6, 1, 0, 0);
    let d = job(&mut jobs, 4, 1, 0, 0);
    for j in [a, b, d] {
        s.enqueue(j, &jobs);
    }
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![a, b, d]);
    // a: node 0 (4 left); b: needs 6, node 0 has 4, so node 1; d: best fit is node 0 again.
    assert_eq!((nodes_of(&jobs, a), nodes_of(&jobs, b), nodes_of(&jobs, d)), (vec![0], vec![1], vec![0]));
    assert_eq!(c.free_accelerators(), 32 - 14);
}

#[test]
fn jobs_above_one_node_take_whole_nodes() {
    let (mut c, mut jobs) = cluster(4, 1);
    let mut s = ListScheduler::new("fifo", false, false, 8, None);
    let a = job(&mut jobs, 12, 1, 0, 0);
    s.enqueue(a, &jobs);
    run(&mut s, 0, &mut c, &mut jobs);
    assert_eq!(jobs.get(a).allocated, 16);
    assert_eq!(nodes_of(&jobs, a), vec![0, 1]);
    let big = job(&mut jobs, 40, 1, 0, 0);
    assert!(c.never_fits(jobs.get(big)).unwrap().contains("largest pool"));
    let fits = job(&mut jobs, 32, 1, 0, 0);
    assert!(c.never_fits(jobs.get(fits)).is_none());
}

/// Node 0 busy for 10 h; the head needs all 3 nodes; then a short and a long small job.
fn blocked_head(backfill: bool) -> (Vec<JobSlot>, [JobSlot; 3]) {
    let (mut c, mut jobs) = cluster(3, 1);
    let mut s = ListScheduler::new("t", false, backfill, 8, None);
    let running = job(&mut jobs, 8, 10, 0, 0);
    s.enqueue(running, &jobs);
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![running]);
    let head = job(&mut jobs, 24, 5, 0, 0);
    let long = job(&mut jobs, 8, 20, 0, 0);
    let short = job(&mut jobs, 8, 2, 0, 0);
    for j in [head, long, short] {
        s.enqueue(j, &jobs);
    }
    (run(&mut s, 0, &mut c, &mut jobs), [head, long, short])
}

#[test]
fn fifo_head_blocks_everything_behind_it() {
    let (started, _) = blocked_head(false);
    assert!(started.is_empty());
}

#[test]
fn easy_backfill_starts_only_what_cannot_delay_the_head() {
    let (started, [_, long, short]) = blocked_head(true);
    // The short job ends (2 h) before the head's shadow time (10 h); the long one would hold a
    // node the head needs at 10 h, so it waits.
    assert_eq!(started, vec![short]);
    assert!(!started.contains(&long));
}

#[test]
fn easy_backfill_uses_nodes_the_head_does_not_need() {
    let (mut c, mut jobs) = cluster(4, 1);
    let mut s = ListScheduler::new("backfill", false, true, 8, None);
    let running = job(&mut jobs, 16, 10, 0, 0);
    s.enqueue(running, &jobs);
    run(&mut s, 0, &mut c, &mut jobs);
    let head = job(&mut jobs, 24, 5, 0, 0); // needs 3 of 4 nodes: at 10 h, nodes 0-2
    let long = job(&mut jobs, 8, 100, 0, 0); // node 3 is free now and not reserved
    s.enqueue(head, &jobs);
    s.enqueue(long, &jobs);
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![long]);
    assert_eq!(nodes_of(&jobs, long), vec![3]);
    // At 10 h the running job ends and the head starts on time.
    let r = jobs.get(running).clone();
    c.finish(running, &r);
    assert_eq!(run(&mut s, 10 * H, &mut c, &mut jobs), vec![head]);
    assert_eq!(jobs.get(head).start_ms, 10 * H);
}

#[test]
fn priority_orders_the_queue_and_quotas_cap_a_class() {
    let (mut c, mut jobs) = cluster(2, 2);
    // Class 0 may hold at most 8 accelerators.
    let mut s = ListScheduler::new("priority", true, true, 8, Some(vec![8, u64::MAX]));
    let low = job(&mut jobs, 8, 1, 1, 0);
    let high1 = job(&mut jobs, 8, 1, 0, 5);
    let high2 = job(&mut jobs, 8, 1, 0, 5);
    for j in [low, high1, high2] {
        s.enqueue(j, &jobs);
    }
    let started = run(&mut s, 0, &mut c, &mut jobs);
    // high1 first (priority), high2 held back by the quota without blocking low.
    assert_eq!(started, vec![high1, low]);
    assert_eq!(s.queue_len(), 1);
    let too_big = job(&mut jobs, 16, 1, 0, 5);
    let reason = s.admit(too_big, &jobs, &c).unwrap_err();
    assert!(matches!(reason, Refusal::OverQuota { needs: 16, .. }), "{reason}");
    assert!(reason.to_string().starts_with("needs 16 accelerators; its class quota is "), "{reason}");
}

/// Submitted at `submit_ms`.
fn job_at(jobs: &mut Jobs, requested: u32, hours: u64, submit_ms: u64) -> JobSlot {
    jobs.insert(Job { requested, duration_ms: hours * H, estimate_ms: hours * H, submit_ms, ..Default::default() })
}

#[test]
fn sjf_starts_the_smallest_area_first() {
    let (mut c, mut jobs) = cluster(1, 1);
    let mut s = sjf::Sjf::new(8, 24 * H);
    // Areas: 8 x 10 h = 80, 4 x 1 h = 4, 2 x 3 h = 6 accelerator-hours; only 8 fit at once.
    let long = job(&mut jobs, 8, 10, 0, 0);
    let short = job(&mut jobs, 4, 1, 0, 0);
    let mid = job(&mut jobs, 2, 3, 0, 0);
    for j in [long, short, mid] {
        s.enqueue(j, &jobs);
    }
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![short, mid]);
    assert_eq!(s.queue_len(), 1);
}

#[test]
fn sjf_ages_a_starving_large_job_to_the_head() {
    let (mut c, mut jobs) = cluster(1, 1);
    let mut s = sjf::Sjf::new(8, 24 * H);
    let big = job_at(&mut jobs, 8, 10, 0);
    let small = job_at(&mut jobs, 1, 1, 30 * H);
    s.enqueue(big, &jobs);
    s.enqueue(small, &jobs);
    // At 30 h the big job has waited past the 24 h bound: it goes first although its area is larger.
    assert_eq!(run(&mut s, 30 * H, &mut c, &mut jobs), vec![big]);
    // Before the bound, area order: the small job first, and the big one can then not fit.
    let (mut c, mut jobs) = cluster(1, 1);
    let mut s = sjf::Sjf::new(8, 24 * H);
    let big = job_at(&mut jobs, 8, 10, 0);
    let small = job_at(&mut jobs, 1, 1, 0);
    s.enqueue(big, &jobs);
    s.enqueue(small, &jobs);
    assert_eq!(run(&mut s, H, &mut c, &mut jobs), vec![small]);
}

#[test]
fn best_fit_fills_the_partly_used_node() {
    let (mut c, mut jobs) = cluster(2, 1);
    let mut s = bestfit::BestFit::new(8);
    let first = job(&mut jobs, 5, 10, 0, 0);
    s.enqueue(first, &jobs);
    run(&mut s, 0, &mut c, &mut jobs);
    // Node 0 has 3 free, node 1 has 8. Queue: 4 (leaves 4 on node 1), 3 (fills node 0 exactly).
    let four = job(&mut jobs, 4, 1, 0, 0);
    let three = job(&mut jobs, 3, 1, 0, 0);
    s.enqueue(four, &jobs);
    s.enqueue(three, &jobs);
    assert_eq!(c.fit_leftover(jobs.get(three)), Some(0));
    assert_eq!(c.fit_leftover(jobs.get(four)), Some(4));
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![three, four]);
    assert_eq!((nodes_of(&jobs, three), nodes_of(&jobs, four)), (vec![0], vec![1]));
    // Stranded: 4 free on node 1; for a queued request of 5 they are stranded, for 4 not.
    assert_eq!(c.stranded_free(5), (4, 4));
    assert_eq!(c.stranded_free(4), (0, 4));
}

#[test]
fn best_fit_reserves_for_the_oldest_job() {
    let (mut c, mut jobs) = cluster(2, 1);
    let mut s = bestfit::BestFit::new(8);
    let running = job(&mut jobs, 8, 10, 0, 0);
    s.enqueue(running, &jobs);
    run(&mut s, 0, &mut c, &mut jobs);
    // The head needs both nodes (at 10 h); a 100 h job on the free node would delay it.
    let head = job(&mut jobs, 16, 1, 0, 0);
    let long = job(&mut jobs, 8, 100, 0, 0);
    let short = job(&mut jobs, 8, 5, 0, 0);
    for j in [head, long, short] {
        s.enqueue(j, &jobs);
    }
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![short]);
}

#[test]
fn priority_preempts_the_lowest_priority_most_recent_job() {
    let (mut c, mut jobs) = cluster(2, 1);
    let mut s = ListScheduler::new("priority", true, true, 8, Some(vec![u64::MAX])).with_preemption(true);
    let pre = |jobs: &mut Jobs, requested, prio| {
        let slot = job(jobs, requested, 10, 0, prio);
        jobs.get_mut(slot).preemptible = true;
        slot
    };
    let old_low = pre(&mut jobs, 8, 0);
    s.enqueue(old_low, &jobs);
    run(&mut s, 0, &mut c, &mut jobs);
    let new_low = pre(&mut jobs, 8, 0);
    s.enqueue(new_low, &jobs);
    run(&mut s, H, &mut c, &mut jobs);
    // A priority-5 job needing one node: the most recently started low job is the victim.
    let high = job(&mut jobs, 8, 1, 0, 5);
    s.enqueue(high, &jobs);
    let (mut started, mut preempted) = (Vec::new(), Vec::new());
    s.schedule(2 * H, &mut c, &mut jobs, &mut started, &mut preempted);
    assert_eq!((started.clone(), preempted.clone()), (vec![], vec![new_low]));
    // Equal priority never preempts; a non-preemptible job is never a victim.
    let (mut c2, mut jobs2) = cluster(1, 1);
    let mut s2 = ListScheduler::new("priority", true, true, 8, Some(vec![u64::MAX])).with_preemption(true);
    let fixed = job(&mut jobs2, 8, 10, 0, 0);
    s2.enqueue(fixed, &jobs2);
    run(&mut s2, 0, &mut c2, &mut jobs2);
    let high2 = job(&mut jobs2, 8, 1, 0, 5);
    s2.enqueue(high2, &jobs2);
    s2.schedule(H, &mut c2, &mut jobs2, &mut started, &mut preempted);
    assert!(preempted.is_empty());
}

#[test]
fn preemption_spares_victims_that_do_not_help() {
    let (mut c, mut jobs) = cluster(2, 1);
    let mut s = ListScheduler::new("priority", true, true, 8, Some(vec![u64::MAX])).with_preemption(true);
    let fixed = job(&mut jobs, 7, 10, 0, 0); // node 0, not preemptible
    let big = job(&mut jobs, 8, 10, 0, 0); // node 1
    jobs.get_mut(big).preemptible = true;
    for j in [fixed, big] {
        s.enqueue(j, &jobs);
    }
    run(&mut s, 0, &mut c, &mut jobs);
    let small = job(&mut jobs, 1, 10, 0, 0); // fills node 0; newest, so first in preemption order
    jobs.get_mut(small).preemptible = true;
    s.enqueue(small, &jobs);
    run(&mut s, H, &mut c, &mut jobs);
    assert_eq!((nodes_of(&jobs, fixed), nodes_of(&jobs, big), nodes_of(&jobs, small)), (vec![0], vec![1], vec![0]));
    let high = job(&mut jobs, 8, 1, 0, 5);
    s.enqueue(high, &jobs);
    let (mut started, mut preempted) = (Vec::new(), Vec::new());
    s.schedule(2 * H, &mut c, &mut jobs, &mut started, &mut preempted);
    // Freeing the small job alone cannot help (node 0 keeps 7 busy): only the big one goes.
    assert_eq!(preempted, vec![big]);
    assert_eq!(c.free_accelerators(), 0, "planning left the cluster as it was");
}

#[test]
fn a_pass_after_an_idle_one_still_sees_what_changed_in_what_it_read() {
    // One node busy for 10 h; the head needs both; two long jobs wait behind it (depth 1).
    let (mut c, mut jobs) = cluster(2, 1);
    let mut s = ListScheduler::new("priority", true, true, 1, None);
    let busy = job(&mut jobs, 8, 10, 0, 0);
    s.enqueue(busy, &jobs);
    assert_eq!(run(&mut s, 0, &mut c, &mut jobs), vec![busy]);
    let head = job(&mut jobs, 16, 1, 0, 0);
    let long = job(&mut jobs, 8, 20, 0, 0);
    let long2 = job(&mut jobs, 8, 20, 0, 0);
    for j in [head, long, long2] {
        s.enqueue(j, &jobs);
    }
    assert!(run(&mut s, H, &mut c, &mut jobs).is_empty());
    assert!(s.idle.is_some_and(|(_, read)| read != lanes::ALL), "read the head, one candidate, and stopped at the next");
    assert!(run(&mut s, 2 * H, &mut c, &mut jobs).is_empty());
    // Behind what the pass read: the pass stays skipped (it could not have reached the job).
    let beyond = job(&mut jobs, 8, 1, 0, 0);
    s.enqueue(beyond, &jobs);
    assert!(s.idle.is_some());
    assert!(run(&mut s, 2 * H, &mut c, &mut jobs).is_empty());
    // A short job of higher priority goes ahead of the head: within what was read, it starts.
    let urgent = job(&mut jobs, 8, 1, 0, 5);
    s.enqueue(urgent, &jobs);
    assert!(s.idle.is_none());
    assert_eq!(run(&mut s, 3 * H, &mut c, &mut jobs), vec![urgent]);
    assert!(run(&mut s, 3 * H, &mut c, &mut jobs).is_empty());
    // The cluster changes (both jobs end): the pass runs and the head starts.
    for j in [urgent, busy] {
        let r = jobs.get(j).clone();
        c.finish(j, &r);
    }
    assert_eq!(run(&mut s, 10 * H, &mut c, &mut jobs), vec![head]);
}

/// Random arrivals, ends, preemptions and requeues through two copies of a policy: one with the
/// caches (reservation, failed requests, idle passes), one computing every decision afresh.
/// Every pass starts and preempts the same jobs on the same nodes. Returns the starts and the
/// passes that `idle` says the policy could skip.
fn twin_runs<S: Scheduler>(make: &dyn Fn() -> S, idle: &dyn Fn(&S, &Cluster) -> bool, seed: u64) -> (usize, usize) {
    use rand::RngExt;
    let mut rng = crate::time::rng::stream(seed, "policy-twins");
    let new_cluster = || Cluster::new(&[(0..8).collect(), (8..12).collect()], &[8, 4], &[0, 1], 12, 2);
    let (mut fast, mut slow) = ((make(), new_cluster(), Jobs::default()), (make(), new_cluster().without_caches(), Jobs::default()));
    let (mut running, mut now, mut starts, mut skipped) = (Vec::<(u64, JobSlot)>::new(), 0, 0, 0);
    for _ in 0..3000 {
        now += rng.random_range(0..H / 3);
        // Jobs whose (actual) end has come, earliest first.
        running.sort_unstable();
        while running.first().is_some_and(|&(end, _)| end <= now) {
            let (_, slot) = running.remove(0);
            for (_, c, jobs) in [&mut fast, &mut slow] {
                let j = jobs.get(slot).clone();
                c.finish(slot, &j);
                jobs.remove(slot);
            }
        }
        for _ in 0..rng.random_range(0..4) {
            let requested = [1, 2, 4, 8, 8, 16, 24, 32][rng.random_range(0..8)];
            let (class, priority) = [(0, 0), (0, 1), (1, 3)][rng.random_range(0..3)];
            let estimate_ms = rng.random_range(1..48) * H / 4;
            let job = Job {
                requested,
                class,
                priority,
                device: [None, None, Some(0), Some(1)][rng.random_range(0..4)],
                estimate_ms,
                duration_ms: estimate_ms * rng.random_range(2..=4) / 4,
                preemptible: rng.random_bool(0.5),
                submit_ms: now,
                ..Default::default()
            };
            for (s, c, jobs) in [&mut fast, &mut slow] {
                let slot = jobs.insert(job.clone());
                if c.never_fits(jobs.get(slot)).is_none() && s.admit(slot, jobs, c).is_ok() {
                    s.enqueue(slot, jobs);
                } else {
                    jobs.remove(slot);
                }
            }
        }
        let mut out = Vec::new();
        for (s, c, jobs) in [&mut fast, &mut slow] {
            let idle = idle(s, c);
            let (mut started, mut preempted) = (Vec::new(), Vec::new());
            s.schedule(now, c, jobs, &mut started, &mut preempted);
            let placed: Vec<_> = started.iter().map(|&j| (j, jobs.get(j).alloc.clone())).collect();
            out.push((placed, preempted, idle));
        }
        assert_eq!((&out[0].0, &out[0].1), (&out[1].0, &out[1].1), "at {now} ms");
        skipped += out[0].2 as usize;
        let (placed, preempted, _) = out.swap_remove(0);
        starts += placed.len();
        for (slot, _) in placed {
            running.push((now + fast.2.get(slot).duration_ms, slot));
        }
        for slot in preempted {
            running.retain(|&(_, s)| s != slot);
            for (s, c, jobs) in [&mut fast, &mut slow] {
                let j = jobs.get(slot).clone();
                c.finish(slot, &j);
                s.requeue(slot, jobs);
            }
        }
    }
    (starts, skipped)
}

#[test]
fn policies_decide_the_same_with_and_without_the_caches() {
    let skippable = |s: &ListScheduler, c: &Cluster| s.idle.is_some_and(|(stamp, _)| c.stamp() == Some(stamp));
    let policies: [(&str, &dyn Fn() -> ListScheduler); 4] = [
        ("fifo", &|| ListScheduler::new("fifo", false, false, 0, None)),
        ("backfill", &|| ListScheduler::new("backfill", false, true, 6, None)),
        ("priority", &|| ListScheduler::new("priority", true, true, 6, Some(vec![40, 64]))),
        ("preemption", &|| ListScheduler::new("priority", true, true, 6, Some(vec![u64::MAX, 48])).with_preemption(true)),
    ];
    for (name, make) in policies {
        let (starts, skipped) = twin_runs(make, &skippable, 3);
        assert!(starts > 300 && skipped > 100, "{name}: {starts} starts, {skipped} passes skipped");
    }
    let (sjf_starts, _) = twin_runs(&|| sjf::Sjf::new(6, 24 * H), &|_, _| false, 4);
    let (best_fit_starts, _) = twin_runs(&|| bestfit::BestFit::new(6), &|_, _| false, 5);
    assert!(sjf_starts > 300 && best_fit_starts > 300, "sjf {sjf_starts}, best-fit {best_fit_starts} starts");
}
