//! The simulation's failure handlers: a failure takes nodes down and interrupts the jobs on
//! them; a repair brings a node back (or makes it a hot spare). The model, its equations and
//! sources are in [`crate::model::failures`]; this file only moves jobs and capacity.

use std::io::Write;

use super::sched::Cause;
use super::{Simulation, apply_load};
use crate::metrics::SiteLoad;
use crate::model::failures::{AttemptEnd, Target};
use crate::model::workload::JobSlot;

impl<W: Write> Simulation<'_, W> {
    /// A failure of component class `c`: draw what it hits, take it down, queue the next one.
    pub(super) fn on_failure(&mut self, c: usize) {
        let (now, horizon) = (self.now, self.sc.horizon_ms);
        let held = self.cluster.held_accelerators();
        let Some(f) = self.failures.as_mut() else { return };
        f.advance(now, held);
        f.schedule_next(c, now, horizon, &mut self.queue);
        let (target, repair_ms) = f.draw(c);
        match target {
            Target::Node(n) => self.fail_node(n, c, repair_ms),
            Target::Rack(first, count) => {
                for n in first..first + count {
                    self.fail_node(n, c, repair_ms);
                }
            }
        }
    }

    /// One node fails: unless it is an idle spare, its jobs are interrupted and, with a repair
    /// time, it leaves service until repaired (a spare replaces it at once if there is one).
    fn fail_node(&mut self, n: u32, c: usize, repair_ms: u64) {
        // Equipment not in service yet cannot fail.
        if self.now < self.topo.nodes[n as usize].in_service_ms {
            return;
        }
        let Some(f) = self.failures.as_mut() else { return };
        if f.is_spare(n) {
            return;
        }
        let pool = self.topo.nodes[n as usize].node_type as usize;
        let went_down = repair_ms > 0 && f.mark_down(n);
        if repair_ms > 0 {
            self.queue.push(self.now.saturating_add(repair_ms), crate::engine::queue::Event::Repair { node: n });
        }
        if went_down {
            self.cluster.take_out(pool, n);
        }
        if repair_ms == 0 || went_down {
            self.interrupt_node(n, c);
        }
        if went_down && let Some(s) = self.failures.as_mut().and_then(|f| f.take_spare(pool)) {
            self.cluster.put_back(pool, s);
        }
        self.request_schedule();
    }

    /// Interrupts every job holding accelerators of node `n`.
    fn interrupt_node(&mut self, n: u32, c: usize) {
        let Some(f) = self.failures.as_ref() else { return };
        let per_node = self.sc.node_types[self.topo.nodes[n as usize].node_type as usize].accelerators;
        let mut slots = [0 as JobSlot; 64];
        let k = f.holders(n, per_node, &mut slots);
        for &slot in &slots[..k] {
            self.interrupt(slot, Cause::Failure(c));
        }
    }

    /// Stops a running job (a failure of component class c, or a preemption): it keeps its
    /// checkpointed work (without `[failures]` checkpoints, none: the attempt is lost),
    /// releases its accelerators and goes back to the head of the queue; its pending end event
    /// goes stale.
    pub(super) fn interrupt(&mut self, slot: JobSlot, cause: Cause) {
        let now = self.now;
        // The job leaves the running set: the power cap's demand histogram must forget it, and
        // the network its uplink demand (the attempt's work is counted when the job completes).
        self.track_demand(slot, false);
        self.net_stop(slot, 0.0);
        let job = self.jobs.get(slot);
        apply_load(&mut self.world, &self.topo, job, false, now);
        self.cluster.finish(slot, job);
        let class = job.class as usize;
        let (allocated, attempt_ms) = (job.allocated as f64, (now - job.start_ms) as f64);
        self.stats[class].accelerator_ms += job.allocated as u128 * (now - job.start_ms) as u128;
        let lost_ms = match self.failures.as_mut() {
            Some(f) => {
                if let Cause::Failure(c) = cause {
                    f.count_interruption(c);
                }
                f.end_attempt(slot, self.jobs.get_mut(slot), now, AttemptEnd::Interrupted)
            }
            // No checkpoints: the whole attempt is lost (the job's work is unchanged).
            None => attempt_ms,
        };
        let job = self.jobs.get_mut(slot);
        job.generation = job.generation.wrapping_add(1);
        if cause == Cause::Preemption {
            job.preemptions += 1;
            self.stats[class].summary.preemptions += 1;
            self.stats[class].preempted_lost_ms += allocated * lost_ms;
            self.sched.preemptions += 1;
        }
        let (requested, class16) = (job.requested, job.class);
        let mut site = self.world.resource_mut::<SiteLoad>();
        site.running_jobs -= 1;
        site.queued_jobs += 1;
        self.scheduler.requeue(slot, &self.jobs);
        self.sched.queued(requested, true);
        self.sched.replica_change(class16, now, false);
    }

    /// One repair of node `n` is done.
    pub(super) fn on_repair(&mut self, n: u32) {
        let held = self.cluster.held_accelerators();
        let pool = self.topo.nodes[n as usize].node_type as usize;
        let Some(f) = self.failures.as_mut() else { return };
        f.advance(self.now, held);
        if f.repaired(n, pool) {
            self.cluster.put_back(pool, n);
            self.request_schedule();
        }
    }

    /// At the horizon: accounts the attempts of running jobs (`AttemptEnd::Horizon`) or the
    /// queueing of interrupted jobs still waiting (any other `how`), and the capacity integral.
    pub(super) fn finish_failures(&mut self, slots: &[JobSlot], how: AttemptEnd) {
        let (horizon, held) = (self.sc.horizon_ms, self.cluster.held_accelerators());
        let Some(f) = self.failures.as_mut() else { return };
        f.advance(horizon, held);
        for &slot in slots {
            match how {
                AttemptEnd::Horizon => {
                    f.end_attempt(slot, self.jobs.get_mut(slot), horizon, how);
                }
                _ => f.waiting_at_end(slot, self.jobs.get(slot), horizon),
            }
        }
    }

    /// Nodes out of service hold no free slot and no job (a scan, for invariants).
    pub(super) fn check_held_nodes(&self) -> bool {
        use crate::model::compute::NodeLoad;
        self.cluster.held_nodes_have_no_free_slots()
            && self
                .cluster
                .held_nodes()
                .iter()
                .all(|&n| self.world.get::<NodeLoad>(self.topo.nodes[n as usize].entity).is_none_or(|l| l.allocated == 0))
    }
}
