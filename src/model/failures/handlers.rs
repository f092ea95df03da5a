//! The failure events: a failure takes nodes down and interrupts the jobs on them; a repair
//! brings a node back (or makes it a hot spare). The model, its equations and sources are in
//! [`super`]; these handlers only move jobs and capacity.

use super::{AttemptEnd, Target};
use crate::model::workload::{Cause, JobSlot, Life};
use crate::time::queue::Event;

/// A failure of component class `c`: draw what it hits, take it down, queue the next one.
pub fn on_failure(life: &mut Life, c: usize) {
    let (now, horizon) = (life.now(), life.clock.horizon_ms);
    let held = life.sched.cluster.held_accelerators();
    let Some(f) = life.failures.as_mut() else { return };
    f.advance(now, held);
    f.schedule_next(c, now, horizon, &mut life.clock.events);
    let (target, repair_ms) = f.draw(c);
    match target {
        Target::Node(n) => fail_node(life, n, c, repair_ms),
        Target::Rack(first, count) => {
            for n in first..first + count {
                fail_node(life, n, c, repair_ms);
            }
        }
    }
}

/// One node fails: unless it is an idle spare, its jobs are interrupted and, with a repair
/// time, it leaves service until repaired (a spare replaces it at once if there is one).
fn fail_node(life: &mut Life, n: u32, c: usize, repair_ms: u64) {
    let now = life.now();
    let info = life.load.topo.nodes[n as usize];
    // Equipment not in service yet cannot fail.
    if now < info.in_service_ms {
        return;
    }
    let Some(f) = life.failures.as_mut() else { return };
    if f.is_spare(n) {
        return;
    }
    let pool = info.node_type as usize;
    let went_down = repair_ms > 0 && f.mark_down(n);
    if repair_ms > 0 {
        life.clock.push(now.saturating_add(repair_ms), Event::Repair { node: n });
    }
    if went_down {
        life.sched.cluster.take_out(pool, n);
    }
    if repair_ms == 0 || went_down {
        interrupt_node(life, n, c);
    }
    if went_down && let Some(s) = life.failures.as_mut().and_then(|f| f.take_spare(pool)) {
        life.sched.cluster.put_back(pool, s);
    }
    life.request_schedule();
}

/// Interrupts every job holding accelerators of node `n`.
fn interrupt_node(life: &mut Life, n: u32, c: usize) {
    let Some(f) = life.failures.as_ref() else { return };
    let per_node = life.load.topo.accelerators_of(n);
    let mut slots = [0 as JobSlot; 64];
    let k = f.holders(n, per_node, &mut slots);
    for &slot in &slots[..k] {
        life.interrupt(slot, Cause::Failure(c));
    }
}

/// One repair of node `n` is done.
pub fn on_repair(life: &mut Life, n: u32) {
    let now = life.now();
    let held = life.sched.cluster.held_accelerators();
    let pool = life.load.topo.nodes[n as usize].node_type as usize;
    let Some(f) = life.failures.as_mut() else { return };
    f.advance(now, held);
    if f.repaired(n, pool) {
        life.sched.cluster.put_back(pool, n);
        life.request_schedule();
    }
}

/// At the horizon: accounts the attempts of running jobs (`AttemptEnd::Horizon`) or the
/// queueing of interrupted jobs still waiting (any other `how`), and the capacity integral.
pub fn finish_failures(life: &mut Life, slots: &[JobSlot], how: AttemptEnd) {
    if how == AttemptEnd::Horizon {
        for &slot in slots {
            super::through_storage::detach(life, slot, false);
        }
    }
    let (horizon, held) = (life.clock.horizon_ms, life.sched.cluster.held_accelerators());
    let Some(f) = life.failures.as_mut() else { return };
    f.advance(horizon, held);
    for &slot in slots {
        match how {
            AttemptEnd::Horizon => {
                f.end_attempt(slot, life.jobs.get_mut(slot), horizon, how);
            }
            _ => f.waiting_at_end(slot, life.jobs.get(slot), horizon),
        }
    }
}
