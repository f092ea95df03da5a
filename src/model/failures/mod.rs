//! Component failures, repairs, hot spares and checkpoint/restart of jobs.
//!
//! ## How it works
//! Each component class c (see [`Component`]) with n_c units of failure rate lambda_c is one
//! superposed Poisson process of rate n_c lambda_c over the whole cluster, drawn from its own
//! stream `failures/<class>` (so enabling failures reshuffles no workload stream): the next
//! failure comes after an exponential gap, and hits a unit drawn uniformly (an accelerator maps
//! to its node by binary search over the nodes' first accelerators). Each failure is O(log n),
//! never a scan of the devices. Failures are counted whatever they hit, so counts are exactly
//! Poisson; a failure of an idle hot spare has no effect (spares are assumed healthy
//! \[simplification\]).
//!
//! A failed node leaves the placement index until repaired (repair time lognormal with the
//! given median and sigma). The jobs holding it (found through a per-accelerator holder table
//! kept at job start and end) are interrupted: they lose the work since their last checkpoint,
//! release their allocation and go back to the head of the queue; a hot spare of the same node
//! type, if any, replaces the failed node at once, and the repaired node becomes a spare again.
//!
//! Checkpoints: a job writes one checkpoint (cost delta) after each interval tau of work, so an
//! attempt with w work left and restart time r lasts r + w + delta (ceil(w / tau) - 1) at full
//! speed. At an interruption after progress p, k = floor((p - r) / (tau + delta)) checkpoints are
//! complete: k tau of work is saved, the rest of p - r is lost. Young/Daly (Young 1974, Daly
//! 2006; BRIEF §7): tau* = sqrt(2 delta M), where M = 1 / (nodes x the failure rate of one node,
//! its accelerators included) is the job's own mean time between interruptions; the waste
//! fraction is then about delta / tau + tau / (2 M).
//!
//! With a `[storage]` tier the costs are not written but come from storage, in time
//! ([`through_storage`]): an attempt's run time is its remaining work, and the job stalls for
//! each checkpoint and for the restart read as long as storage takes.

mod handlers;
mod summary;
pub mod through_storage;

use rand::RngExt;

pub use handlers::{finish_failures, on_failure, on_repair};

use crate::config::Scenario;
use crate::config::failures::{Checkpoint, Component, Failures, Interval};
use crate::model::compute::Topology;
use crate::model::scheduler::Cluster;
use crate::model::storage::TransferId;
use crate::model::workload::{Job, JobSlot};
use crate::time::queue::{Event, EventQueue};
use crate::time::rng::{self, Rng};
pub use summary::FailuresSummary;

const NONE: JobSlot = JobSlot::MAX;

/// What a failure hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One node (global index).
    Node(u32),
    /// Every node of a rack: (first node, nodes).
    Rack(u32, u32),
}

/// How a job attempt ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The job finished.
    Completed,
    /// A failure interrupted it.
    Interrupted,
    /// The run ended with the job running.
    Horizon,
}

/// One component class's process.
#[derive(Debug)]
struct Process {
    kind: Component,
    units: u64,
    rate_per_ms: f64,
    repair_ms: u64,
    repair_sigma: f64,
    rng: Rng,
    failures: u64,
    interruptions: u64,
}

/// What a job's attempt waits for under a storage tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    /// Computing (or not started).
    #[default]
    Compute,
    /// Reading its last checkpoint back.
    Reading(TransferId),
    /// Writing a synchronous checkpoint.
    Writing(TransferId),
    /// Copying an asynchronous checkpoint into host memory.
    Copying,
}

/// Checkpoint state of one job across its attempts.
#[derive(Debug, Clone, Copy, Default)]
struct JobCkpt {
    started: bool,
    work_ms: f64,
    saved_ms: f64,
    interruptions: u32,
    interval_ms: f64,
    cost_ms: f64,
    restart_ms: f64,
    requeued_ms: u64,
    // Under a storage tier (times are wall ms, progress is attempt work in ms):
    /// Saved work when the attempt began.
    base_ms: f64,
    /// Attempt progress at which the next checkpoint falls due.
    next_ms: f64,
    /// Attempt progress the checkpoint in flight saves.
    ckpt_at_ms: f64,
    /// Attempt progress the background write saves.
    bg_at_ms: f64,
    phase: Phase,
    /// Background write of an asynchronous checkpoint in flight.
    bg: Option<TransferId>,
    /// A checkpoint fell due while the background write was in flight.
    due_waiting: bool,
    /// When the current stall began.
    stall_since_ms: u64,
    /// When the checkpoint in flight (or the background one) began.
    ckpt_start_ms: u64,
    bg_start_ms: u64,
    /// Stall of the last checkpoint, ms (Young/Daly's delta).
    last_delta_ms: f64,
    /// Checkpoint stall and restart read of this attempt, ms.
    att_ckpt_ms: f64,
    att_restart_ms: f64,
    /// Generation of the job's checkpoint events (kept across slot reuse).
    generation: u32,
}

/// Failure state of a running simulation (a resource, present with `[failures]`).
#[derive(bevy_ecs::prelude::Resource, Debug)]
pub struct FailureModel {
    procs: Vec<Process>,
    /// Failure rate of one node of each node type, accelerators and rack share included, per ms.
    node_rate_per_ms: Vec<f64>,
    checkpoints: Vec<Checkpoint>,
    /// Checkpoints and restarts go through a storage tier.
    through_storage: bool,
    down: Vec<u8>,
    spare: Vec<bool>,
    spares: Vec<Vec<u32>>,
    spare_target: Vec<usize>,
    spares_total: u64,
    holder: Vec<JobSlot>,
    jobs: Vec<JobCkpt>,
    racks: Vec<(u32, u32)>,
    first_accelerator: Vec<u32>,
    installed: u64,
    /// Accelerator time before rack groups that enter service late do, ms (to the horizon).
    absent_acc_ms: f64,
    last_ms: u64,
    held_acc_ms: u128,
    repairs: u64,
    spare_swaps: u64,
    allocated: f64,
    useful: f64,
    lost_work: f64,
    restart: f64,
    checkpoint: f64,
    requeue_wait: f64,
    max_lost_intervals: f64,
}

impl FailureModel {
    /// Sets up the processes, holds the hot spares out of `cluster` and queues each class's
    /// first failure.
    pub fn new(sc: &Scenario, f: &Failures, topo: &Topology, labels: &[String], cluster: &mut Cluster, queue: &mut EventQueue) -> Self {
        let nodes = topo.nodes.len() as u64;
        let mut racks = Vec::new();
        let mut first = 0u32;
        for hall in &sc.halls {
            for g in &hall.racks {
                for _ in 0..g.count {
                    racks.push((first, g.nodes));
                    first += g.nodes;
                }
            }
        }
        let installed = sc.accelerators();
        let procs: Vec<Process> = f
            .components
            .iter()
            .map(|c| Process {
                kind: c.component,
                units: match c.component {
                    Component::Accelerator | Component::Memory => installed,
                    Component::Node | Component::Network | Component::Software => nodes,
                    Component::Rack => racks.len() as u64,
                },
                rate_per_ms: c.rate_per_ms(),
                repair_ms: c.repair_ms,
                repair_sigma: c.repair_sigma,
                rng: rng::stream(sc.seed, &format!("failures/{}", c.component.name())),
                failures: 0,
                interruptions: 0,
            })
            .collect();
        let rate = |k: Component| procs.iter().find(|p| p.kind == k).map_or(0.0, |p| p.rate_per_ms);
        let rack_share = if nodes > 0 { rate(Component::Rack) * racks.len() as f64 / nodes as f64 } else { 0.0 };
        let node_rate_per_ms = sc
            .node_types
            .iter()
            .map(|nt| {
                nt.accelerators as f64 * (rate(Component::Accelerator) + rate(Component::Memory))
                    + rate(Component::Node)
                    + rate(Component::Network)
                    + rate(Component::Software)
                    + rack_share
            })
            .collect();
        let mut m = FailureModel {
            procs,
            node_rate_per_ms,
            checkpoints: labels.iter().map(|l| f.checkpoint_of(l)).collect(),
            through_storage: sc.storage.is_some(),
            down: vec![0; topo.nodes.len()],
            spare: vec![false; topo.nodes.len()],
            spares: vec![Vec::new(); topo.pools.len()],
            spare_target: vec![0; topo.pools.len()],
            spares_total: 0,
            holder: vec![NONE; topo.accelerators as usize],
            jobs: Vec::new(),
            racks,
            first_accelerator: topo.nodes.iter().map(|n| n.first_accelerator).collect(),
            installed,
            absent_acc_ms: topo
                .later
                .iter()
                .map(|&(t, first, count)| {
                    let per_node = sc.node_types[topo.nodes[first as usize].node_type as usize].accelerators as f64;
                    count as f64 * per_node * t.min(sc.horizon_ms) as f64
                })
                .sum(),
            last_ms: 0,
            held_acc_ms: 0,
            repairs: 0,
            spare_swaps: 0,
            allocated: 0.0,
            useful: 0.0,
            lost_work: 0.0,
            restart: 0.0,
            checkpoint: 0.0,
            requeue_wait: 0.0,
            max_lost_intervals: 0.0,
        };
        // Spares: the last nodes of each pool in service from the start, always leaving one
        // node in service.
        for (t, pool) in topo.pools.iter().enumerate() {
            let from_start: Vec<u32> = pool.iter().copied().filter(|n| topo.nodes[*n as usize].in_service_ms == 0).collect();
            let k = (f.spares as usize).min(from_start.len().saturating_sub(1));
            for &n in from_start.iter().rev().take(k) {
                cluster.take_out(t, n);
                m.spare[n as usize] = true;
                m.spares[t].push(n);
                m.spares_total += sc.node_types[t].accelerators as u64;
            }
            m.spare_target[t] = k;
            cluster.set_spares(t, k);
        }
        for c in 0..m.procs.len() {
            m.schedule_next(c, 0, sc.horizon_ms, queue);
        }
        m
    }

    /// Queues the next failure of class `c` after `now`, if before the horizon.
    pub fn schedule_next(&mut self, c: usize, now: u64, horizon_ms: u64, queue: &mut EventQueue) {
        let p = &mut self.procs[c];
        let total = p.units as f64 * p.rate_per_ms;
        if total <= 0.0 {
            return;
        }
        let u: f64 = p.rng.random();
        let gap = (-(1.0 - u).ln() / total).ceil();
        if gap.is_finite() && (now as f64 + gap) <= horizon_ms as f64 {
            queue.push(now + gap as u64, Event::Failure { component: c as u8 });
        }
    }

    /// Counts a failure of class `c` and draws what it hits and its repair time, ms (0: the
    /// node stays up).
    pub fn draw(&mut self, c: usize) -> (Target, u64) {
        let p = &mut self.procs[c];
        p.failures += 1;
        let unit = p.rng.random_range(0..p.units.max(1));
        let target = match p.kind {
            Component::Accelerator | Component::Memory => {
                let at = self.first_accelerator.partition_point(|&f| f as u64 <= unit);
                Target::Node(at.saturating_sub(1) as u32)
            }
            Component::Node | Component::Network | Component::Software => Target::Node(unit as u32),
            Component::Rack => {
                let (first, n) = self.racks[unit as usize];
                Target::Rack(first, n)
            }
        };
        let repair = if p.repair_ms == 0 || p.repair_sigma == 0.0 {
            p.repair_ms
        } else {
            // Lognormal with median repair_ms: Box-Muller normal.
            let (u1, u2): (f64, f64) = (p.rng.random(), p.rng.random());
            let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            ((p.repair_ms as f64) * (p.repair_sigma * z).exp()).round().max(1.0) as u64
        };
        (target, repair)
    }

    /// Integrates out-of-service capacity up to `now` (`held` accelerators since the last call).
    pub fn advance(&mut self, now: u64, held: u64) {
        if now > self.last_ms {
            self.held_acc_ms += held as u128 * (now - self.last_ms) as u128;
            self.last_ms = now;
        }
    }

    /// Whether a node is an idle hot spare.
    pub fn is_spare(&self, node: u32) -> bool {
        self.spare[node as usize]
    }

    /// Marks one more failure on a node; true if it just went down.
    pub fn mark_down(&mut self, node: u32) -> bool {
        let d = &mut self.down[node as usize];
        *d = d.saturating_add(1);
        *d == 1
    }

    /// A spare of pool `t` to replace a failed node, if any.
    pub fn take_spare(&mut self, t: usize) -> Option<u32> {
        let s = self.spares[t].pop()?;
        self.spare[s as usize] = false;
        self.spare_swaps += 1;
        Some(s)
    }

    /// One repair of a node is done; returns whether it is now up and goes back into service
    /// (false: still down, or it became a spare).
    pub fn repaired(&mut self, node: u32, t: usize) -> bool {
        self.repairs += 1;
        let d = &mut self.down[node as usize];
        *d = d.saturating_sub(1);
        if *d > 0 {
            return false;
        }
        if self.spares[t].len() < self.spare_target[t] {
            self.spares[t].push(node);
            self.spare[node as usize] = true;
            return false;
        }
        true
    }

    /// Distinct jobs holding accelerators of a node (at most `out.len()`), into `out`; returns
    /// how many.
    pub fn holders(&self, node: u32, per_node: u32, out: &mut [JobSlot; 64]) -> usize {
        let first = self.first_accelerator[node as usize] as usize;
        let mut n = 0;
        for &s in &self.holder[first..first + per_node as usize] {
            if s != NONE && !out[..n].contains(&s) {
                out[n] = s;
                n += 1;
            }
        }
        n
    }

    /// Counts an interruption caused by class `c`.
    pub fn count_interruption(&mut self, c: usize) {
        self.procs[c].interruptions += 1;
    }

    /// Whether the job in `slot` is restarting after an interruption.
    pub fn is_restart(&self, slot: JobSlot) -> bool {
        self.jobs.get(slot as usize).is_some_and(|e| e.started)
    }

    /// Starts an attempt of a placed job: sets its run time (restart + remaining work +
    /// checkpoints) in `job.duration_ms` and records its accelerators.
    pub fn begin_attempt(&mut self, slot: JobSlot, job: &mut Job, now: u64) {
        if self.jobs.len() <= slot as usize {
            self.jobs.resize(slot as usize + 1, JobCkpt::default());
        }
        let e = &mut self.jobs[slot as usize];
        if !e.started {
            *e = JobCkpt { started: true, work_ms: job.duration_ms as f64, generation: e.generation, ..Default::default() };
        } else {
            self.requeue_wait += job.allocated as f64 * now.saturating_sub(e.requeued_ms) as f64;
        }
        let cp = self.checkpoints[job.class as usize];
        let cost = cp.cost_ms as f64;
        let rate = job.alloc.len() as f64 * self.node_rate_per_ms[job.pool as usize];
        let interval = match cp.interval {
            Interval::Fixed(ms) => ms as f64,
            Interval::YoungDaly if rate > 0.0 => (2.0 * cost / rate).sqrt().max(1.0),
            Interval::YoungDaly => f64::INFINITY,
        };
        e.interval_ms = interval;
        e.cost_ms = cost;
        e.restart_ms = if e.interruptions > 0 { cp.restart_ms as f64 } else { 0.0 };
        let remaining = (e.work_ms - e.saved_ms).max(0.0);
        if self.through_storage {
            // The costs come from storage, in time (`through_storage::begin`).
            e.restart_ms = 0.0;
            e.base_ms = e.saved_ms;
            e.att_ckpt_ms = 0.0;
            e.att_restart_ms = 0.0;
            e.phase = Phase::Compute;
            e.bg = None;
            e.due_waiting = false;
            job.duration_ms = remaining.ceil() as u64;
            self.set_holder(job, slot);
            return;
        }
        let checkpoints = if interval.is_finite() { ((remaining / interval).ceil() - 1.0).max(0.0) } else { 0.0 };
        job.duration_ms = (e.restart_ms + remaining + checkpoints * cost).ceil() as u64;
        self.set_holder(job, slot);
    }

    fn set_holder(&mut self, job: &Job, slot: JobSlot) {
        for &(node, mask) in &job.alloc {
            let first = self.first_accelerator[node as usize] as usize;
            // A whole node is one fill.
            for (from, len) in crate::model::scheduler::runs(mask) {
                self.holder[first + from..first + from + len].fill(slot);
            }
        }
    }

    /// Forgets a job that leaves for good without completing (a stopped service replica).
    pub fn forget(&mut self, slot: JobSlot) {
        if let Some(e) = self.jobs.get_mut(slot as usize) {
            e.started = false;
        }
    }

    /// Ends a job's attempt at `now`: splits its accelerator-time into useful, checkpoint,
    /// restart and lost; on completion restores `job.duration_ms` to the job's work. Returns the
    /// work lost by an interruption, ms at full speed (restart time included).
    pub fn end_attempt(&mut self, slot: JobSlot, job: &mut Job, now: u64, how: AttemptEnd) -> f64 {
        self.set_holder(job, NONE);
        if self.through_storage {
            return self.end_attempt_stored(slot, job, now, how);
        }
        let Some(e) = self.jobs.get_mut(slot as usize) else { return 0.0 };
        let p = job.progress_at(now);
        let a = job.allocated as f64;
        self.allocated += a * now.saturating_sub(job.start_ms) as f64;
        self.restart += a * p.min(e.restart_ms);
        let q = (p - e.restart_ms).max(0.0);
        let remaining = (e.work_ms - e.saved_ms).max(0.0);
        let (i, c) = (e.interval_ms, e.cost_ms);
        let k = if i.is_finite() { (q / (i + c)).floor() } else { 0.0 };
        match how {
            AttemptEnd::Completed => {
                self.useful += a * remaining;
                self.checkpoint += a * (q - remaining).max(0.0);
                job.duration_ms = e.work_ms as u64;
                e.started = false;
            }
            AttemptEnd::Interrupted => {
                let saved = (k * i).min(remaining);
                let lost = (q - k * (i + c)).max(0.0);
                self.useful += a * saved;
                self.checkpoint += a * k * c;
                self.lost_work += a * lost;
                if i.is_finite() {
                    self.max_lost_intervals = self.max_lost_intervals.max(lost.min(i) / i);
                }
                e.saved_ms += saved;
                e.interruptions += 1;
                job.interruptions += 1;
                e.requeued_ms = now;
                return lost + p.min(e.restart_ms);
            }
            AttemptEnd::Horizon => {
                self.useful += a * (q - k * c).max(0.0);
                self.checkpoint += a * k * c;
                job.duration_ms = e.work_ms as u64;
            }
        }
        0.0
    }

    /// Adds the queueing time, to `now`, of an interrupted job still waiting.
    pub fn waiting_at_end(&mut self, slot: JobSlot, job: &Job, now: u64) {
        if let Some(e) = self.jobs.get(slot as usize)
            && e.started
            && e.interruptions > 0
        {
            self.requeue_wait += job.allocated as f64 * now.saturating_sub(e.requeued_ms) as f64;
        }
    }

    /// The summary section at `horizon_ms`.
    pub fn summary(&self, horizon_ms: u64) -> FailuresSummary {
        let h = |acc_ms: f64| acc_ms / 3.6e6;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
        let production = (self.installed - self.spares_total) as f64 * horizon_ms as f64 - self.absent_acc_ms;
        let in_service = self.installed as f64 * horizon_ms as f64 - self.held_acc_ms as f64 - self.absent_acc_ms;
        FailuresSummary {
            failures: self.procs.iter().map(|p| (p.kind.name().to_string(), p.failures)).collect(),
            interruptions: self.procs.iter().map(|p| (p.kind.name().to_string(), p.interruptions)).collect(),
            repairs: self.repairs,
            spare_swaps: self.spare_swaps,
            allocated_accelerator_hours: h(self.allocated),
            useful_accelerator_hours: h(self.useful),
            lost_accelerator_hours: h(self.lost_work + self.restart),
            restart_accelerator_hours: h(self.restart),
            checkpoint_accelerator_hours: h(self.checkpoint),
            goodput: ratio(self.useful, self.allocated),
            ettr: ratio(self.useful, self.allocated + self.requeue_wait),
            availability: ratio(in_service, production).min(1.0),
            max_lost_intervals: self.max_lost_intervals,
        }
    }
}
