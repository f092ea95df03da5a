//! The life of a job: submitted, admitted or rejected, queued, started by a scheduling pass,
//! slowed or sped up, interrupted (failure, preemption), stopped (a service scaling down) or
//! ended. Every handler that moves a job goes through [`Life`].
//!
//! ## How it works
//! [`Life`] is the set of resources a job's life touches, declared once as a bevy
//! [`SystemParam`]: the engine fetches it once per batch of events and hands it to the owning
//! subsystem's handler. Each step calls the other domains in a fixed order (so runs are
//! reproducible): a start asks the network for the job's speed at its placement, the grid for
//! the power-cap level, the failure model for the attempt's checkpoint plan, then puts the load
//! on compute, the demand on the grid's cap histogram and the end event on the queue.
//! Speed follows the DVFS cube law under a power or thermal cap (dynamic power ∝ f³, so
//! f / f_max = (P_dyn,cap / P_dyn,demand)^(1/3)); a rate change reschedules the job's end with a
//! new generation, so the stale end event is recognised and dropped.

use std::io;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::{ClassTable, End, Job, JobBook, JobSlot, JobState, Jobs, JobsWriter, Request};
use crate::model::compute::ComputeLoad;
use crate::model::compute::power::{PPM, curve_ppm};
use crate::model::failures::{AttemptEnd, FailureModel};
use crate::model::grid::ledger::Ledger;
use crate::model::network::NetState;
use crate::model::scheduler::Scheduling;
use crate::model::services::Services;
use crate::model::storage::Storage;
use crate::time::Clock;
use crate::time::queue::Event;

/// Why a running job stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A failure of the component class with this index.
    Failure(usize),
    /// A higher-priority job preempted it.
    Preemption,
}

/// What a job's life touches.
#[derive(SystemParam)]
pub struct Life<'w, 's> {
    /// Now and the pending events.
    pub clock: ResMut<'w, Clock>,
    /// Live jobs.
    pub jobs: ResMut<'w, Jobs>,
    /// The classes.
    pub classes: Res<'w, ClassTable>,
    /// Counters and distributions.
    pub book: ResMut<'w, JobBook>,
    /// jobs.csv.
    pub rows: ResMut<'w, JobsWriter>,
    /// Policy and placement.
    pub sched: ResMut<'w, Scheduling>,
    /// IT load.
    pub load: ComputeLoad<'w, 's>,
    /// The network model, with a `[network]` or work-defined classes.
    pub net: Option<ResMut<'w, NetState>>,
    /// The grid ledger, with a `[grid]` section.
    pub grid: Option<ResMut<'w, Ledger>>,
    /// Failures and checkpoints, with `[failures]`.
    pub failures: Option<ResMut<'w, FailureModel>>,
    /// Inference services, with `[[services]]`.
    pub services: Option<ResMut<'w, Services>>,
    /// The storage tier, with `[storage]`.
    pub storage: Option<ResMut<'w, Storage>>,
}

impl Life<'_, '_> {
    /// Now, ms.
    pub fn now(&self) -> u64 {
        self.clock.now_ms
    }

    /// Queues a scheduling pass now unless one is pending.
    pub fn request_schedule(&mut self) {
        self.sched.request(&mut self.clock);
    }

    /// Submits a job of a class that completes, without a trace request.
    pub fn submit(&mut self, class: u16, accelerators: u32, duration_ms: u64, utilization: f64) -> io::Result<Option<JobSlot>> {
        self.submit_request(class, accelerators, duration_ms, utilization, Request::default(), u64::MAX)
    }

    /// Submits a job with what it asks beyond whole accelerators (trace jobs) and how it ends:
    /// a job whose `request.end` is not `Complete` fails or is cancelled after `end_after_ms`
    /// of work, or at the end of its own work if that comes first. Rejected at once if it can
    /// never fit or its policy refuses it, else queued.
    pub fn submit_request(
        &mut self,
        class: u16,
        accelerators: u32,
        duration_ms: u64,
        utilization: f64,
        request: Request,
        end_after_ms: u64,
    ) -> io::Result<Option<JobSlot>> {
        // Work-defined: the duration of its FLOPs at its ideal placement.
        let (duration_ms, flops) = self.net.as_ref().and_then(|n| n.submit(class, accelerators)).unwrap_or((duration_ms, 0.0));
        let info = self.classes.info[class as usize];
        // Calibration: the duration on the job's device, where known now (identity without).
        let duration_ms = self.classes.durations.at_submit(info.device, duration_ms);
        // The scheduler sees the estimate of the whole job: nobody knows it will fail.
        let estimate_ms = ((duration_ms as f64) * info.estimate_factor).ceil().min(u64::MAX as f64 / 4.0) as u64;
        // A job that fails or is cancelled does only the work up to that point (its FLOPs too).
        let cut_ms = if request.end == End::Complete { duration_ms } else { duration_ms.min(end_after_ms.max(1)) };
        let flops = if cut_ms < duration_ms { flops * cut_ms as f64 / duration_ms as f64 } else { flops };
        let duration_ms = cut_ms;
        let slot = self.jobs.insert(Job {
            class,
            requested: accelerators,
            device: info.device,
            priority: info.priority,
            submit_ms: self.clock.now_ms,
            duration_ms,
            estimate_ms: estimate_ms.max(duration_ms),
            utilization_bp: (utilization.clamp(0.0, 1.0) * 1e4).round() as u16,
            flops,
            net_rate: 1.0,
            preemptible: info.preemptible,
            request,
            ..Default::default()
        });
        self.book.peak_live = self.book.peak_live.max(self.jobs.live() as u64);
        self.book.stats[class as usize].summary.submitted += 1;
        let sched = &self.sched;
        let refusal = sched
            .cluster
            .never_fits(self.jobs.get(slot))
            .or_else(|| sched.queue_full(self.load.site.queued_jobs))
            .or_else(|| sched.policy.admit(slot, &self.jobs, &sched.cluster).err().map(|r| r.to_string()));
        if let Some(reason) = refusal {
            self.book.rejected += 1;
            self.book.stats[class as usize].summary.rejected += 1;
            self.rows.row(self.jobs.get(slot), &self.classes.labels[class as usize], JobState::Rejected, None, &reason)?;
            self.jobs.remove(slot);
            return Ok(None);
        }
        self.sched.policy.enqueue(slot, &self.jobs);
        self.sched.queued(accelerators, true);
        self.load.site.queued_jobs += 1;
        self.request_schedule();
        Ok(Some(slot))
    }

    /// A scheduling pass: the policy starts what it can and names running jobs to preempt; they
    /// are interrupted and another pass is queued.
    pub fn schedule_pass(&mut self) {
        let now = self.clock.now_ms;
        let sched = &mut *self.sched;
        sched.begin_pass();
        let mut started = std::mem::take(&mut sched.started);
        started.clear();
        let mut preempted = std::mem::take(&mut sched.preempted);
        preempted.clear();
        sched.policy.schedule(now, &mut sched.cluster, &mut self.jobs, &mut started, &mut preempted);
        for &slot in &started {
            self.start(slot);
        }
        self.sched.started = started;
        for &slot in &preempted {
            self.interrupt(slot, Cause::Preemption);
        }
        if !preempted.is_empty() {
            self.request_schedule();
        }
        self.sched.preempted = preempted;
    }

    /// Whether the job in `slot` has started before (it is queued again after a failure or a
    /// preemption): its wait was counted at its first start.
    pub fn has_started(&self, slot: JobSlot) -> bool {
        self.jobs.get(slot).preemptions > 0 || self.failures.as_ref().is_some_and(|f| f.is_restart(slot))
    }

    /// A job the policy placed starts (or restarts after an interruption).
    fn start(&mut self, slot: JobSlot) {
        let now = self.clock.now_ms;
        let pool = self.jobs.get(slot).pool as usize;
        let curve = self.load.topo.curves[pool];
        let net_rate = match self.net.as_mut() {
            Some(net) => net.start(slot, self.jobs.get(slot), now),
            None => 1.0,
        };
        let level_ppm = self.grid.as_ref().map_or(PPM, |g| g.level_ppm);
        let restart_by_failure = self.failures.as_ref().is_some_and(|f| f.is_restart(slot));
        let job = self.jobs.get_mut(slot);
        job.net_rate = net_rate;
        job.step_s = self.net.as_ref().map_or(0.0, |n| n.step_s(slot));
        job.demand_ppm = curve_ppm(curve, job.utilization_bp as f64 / 1e4);
        // A power cap in force applies from the start (DVFS cube law, as in `set_draw`).
        job.dyn_ppm = job.demand_ppm.min(level_ppm);
        job.rate = if job.dyn_ppm < job.demand_ppm { (job.dyn_ppm as f64 / job.demand_ppm as f64).cbrt().max(0.01) } else { 1.0 };
        job.rate *= job.net_rate;
        job.progress_ms = 0.0;
        job.rate_since_ms = now;
        job.stalled = false;
        let restart = restart_by_failure || job.preemptions > 0; // as `has_started`
        // Calibration: the duration on the device it was placed on, if not known at submission.
        if !restart && let Some(ms) = self.classes.durations.at_start(self.classes.pool_device[pool], job.device, job.duration_ms) {
            job.duration_ms = ms;
        }
        if let Some(f) = self.failures.as_mut() {
            f.begin_attempt(slot, job, now);
        }
        self.load.apply_job(self.jobs.get(slot), true, now);
        self.track_demand(slot, true);
        let job = self.jobs.get(slot);
        if !restart {
            self.book.started(job.class, job.start_ms - job.submit_ms);
        }
        let end = job.start_ms.saturating_add((job.duration_ms as f64 / job.rate).ceil() as u64);
        let (generation, class, requested) = (job.generation, job.class, job.requested);
        self.load.site.queued_jobs -= 1;
        self.load.site.running_jobs += 1;
        self.clock.push(end, Event::JobEnd { slot, generation });
        self.sched.queued(requested, false);
        if let Some(s) = self.services.as_mut() {
            s.replica_change(class, now, true);
        }
        crate::model::failures::through_storage::begin(self, slot);
    }

    /// A running job stops progressing (it waits for storage): its pending end goes stale.
    pub fn stall(&mut self, slot: JobSlot) {
        let now = self.clock.now_ms;
        let job = self.jobs.get_mut(slot);
        if job.stalled {
            return;
        }
        job.progress_ms = job.progress_at(now);
        job.rate_since_ms = now;
        job.stalled = true;
        job.generation = job.generation.wrapping_add(1);
    }

    /// A stalled job progresses again: its end is queued at its rate.
    pub fn resume(&mut self, slot: JobSlot) {
        let now = self.clock.now_ms;
        let job = self.jobs.get_mut(slot);
        if !job.stalled {
            return;
        }
        job.stalled = false;
        job.rate_since_ms = now;
        job.generation = job.generation.wrapping_add(1);
        let remaining = (job.duration_ms as f64 - job.progress_ms).max(0.0);
        let end = now.saturating_add((remaining / job.rate).ceil() as u64);
        let generation = job.generation;
        self.clock.push(end, Event::JobEnd { slot, generation });
    }

    /// Adds a starting job to (or removes an ending one from) the demand histogram of the
    /// grid's power cap.
    fn track_demand(&mut self, slot: JobSlot, add: bool) {
        let Some(g) = self.grid.as_mut() else { return };
        let job = self.jobs.get(slot);
        let Some(&(node, _)) = job.alloc.first() else { return };
        let span = self.load.topo.model_of(node).accelerator_span_w();
        let share = if self.load.by_shares() { job.request.gpu_milli as f64 / 1000.0 } else { 1.0 };
        g.demand.update(job.requested as f64 * share * span, job.demand_ppm, add);
    }

    /// Changes a running job's per-accelerator draw and speed, and reschedules its end.
    pub fn set_draw(&mut self, slot: JobSlot, dyn_ppm: u64) {
        set_draw(&mut self.jobs, &mut self.load, &mut self.clock, slot, dyn_ppm);
    }

    /// A running job ran to the end of its work: it completes, fails or is cancelled as drawn
    /// at submission (`request.end`).
    pub fn end(&mut self, slot: JobSlot) -> io::Result<()> {
        let now = self.clock.now_ms;
        crate::model::failures::through_storage::detach(self, slot, false);
        if let Some(f) = self.failures.as_mut() {
            f.end_attempt(slot, self.jobs.get_mut(slot), now, AttemptEnd::Completed);
        }
        if let Some(net) = self.net.as_mut() {
            net.stop(slot, self.jobs.get(slot), now, 1.0);
        }
        self.load.apply_job(self.jobs.get(slot), false, now);
        self.track_demand(slot, false);
        let job = self.jobs.get(slot);
        self.sched.cluster.finish(slot, job);
        self.load.site.running_jobs -= 1;
        let held = self.load.held_ms(job, now - job.start_ms);
        let end = job.request.end;
        match end {
            End::Complete => self.book.completed(job.class, now - job.submit_ms, job.duration_ms, held),
            End::Fail | End::Cancel => self.book.ended_early(job.class, end, held),
        }
        if let Some(g) = self.grid.as_mut() {
            g.job_ended(job.class, job.submit_ms, now);
        }
        self.rows.row(job, &self.classes.labels[job.class as usize], end.state(), Some(now), "")?;
        self.jobs.remove(slot);
        self.request_schedule();
        Ok(())
    }

    /// Stops a running job (a failure of component class c, or a preemption): it keeps its
    /// checkpointed work (without `[failures]` checkpoints, none: the attempt is lost),
    /// releases its accelerators and goes back to the head of the queue; its pending end event
    /// goes stale.
    pub fn interrupt(&mut self, slot: JobSlot, cause: Cause) {
        let now = self.clock.now_ms;
        // The job leaves the running set: the power cap's demand histogram must forget it, and
        // the network its uplink demand (the attempt's work is counted when the job completes).
        self.track_demand(slot, false);
        if let Some(net) = self.net.as_mut() {
            net.stop(slot, self.jobs.get(slot), now, 0.0);
        }
        let job = self.jobs.get(slot);
        self.load.apply_job(job, false, now);
        self.sched.cluster.finish(slot, job);
        let class = job.class as usize;
        let (allocated, attempt_ms) = (job.allocated as f64, (now - job.start_ms) as f64);
        self.book.stats[class].accelerator_ms += job.allocated as u128 * (now - job.start_ms) as u128;
        crate::model::failures::through_storage::detach(self, slot, true);
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
            let st = &mut self.book.stats[class];
            st.summary.preemptions += 1;
            st.preempted_lost_ms += allocated * lost_ms;
            self.sched.preemptions += 1;
        }
        let (requested, class16) = (job.requested, job.class);
        self.load.site.running_jobs -= 1;
        self.load.site.queued_jobs += 1;
        let sched = &mut *self.sched;
        sched.policy.requeue(slot, &self.jobs);
        sched.queued(requested, true);
        if let Some(s) = self.services.as_mut() {
            s.replica_change(class16, now, false);
        }
    }

    /// Cancels a queued service replica or stops a running one (its autoscaler scaled down).
    pub fn stop_replica(&mut self, slot: JobSlot) -> io::Result<()> {
        let now = self.clock.now_ms;
        self.sched.stopped += 1;
        let class = self.jobs.get(slot).class;
        if self.sched.policy.cancel(slot, &self.jobs) {
            self.sched.queued(self.jobs.get(slot).requested, false);
            self.load.site.queued_jobs -= 1;
            let label = &self.classes.labels[class as usize];
            self.rows.row(self.jobs.get(slot), label, JobState::Stopped, None, "scaled down before it started")?;
            self.jobs.remove(slot);
            return Ok(());
        }
        crate::model::failures::through_storage::detach(self, slot, false);
        if let Some(f) = self.failures.as_mut() {
            f.end_attempt(slot, self.jobs.get_mut(slot), now, AttemptEnd::Horizon);
            f.forget(slot);
        }
        if let Some(net) = self.net.as_mut() {
            net.stop(slot, self.jobs.get(slot), now, 0.0);
        }
        self.load.apply_job(self.jobs.get(slot), false, now);
        self.track_demand(slot, false);
        let job = self.jobs.get(slot);
        self.sched.cluster.finish(slot, job);
        self.load.site.running_jobs -= 1;
        self.book.stats[class as usize].accelerator_ms += job.allocated as u128 * (now - job.start_ms) as u128;
        self.rows.row(job, &self.classes.labels[class as usize], JobState::Stopped, Some(now), "scaled down")?;
        let job = self.jobs.get_mut(slot);
        job.generation = job.generation.wrapping_add(1);
        self.jobs.remove(slot);
        if let Some(s) = self.services.as_mut() {
            s.replica_change(class, now, false);
        }
        self.request_schedule();
        Ok(())
    }
}

/// Changes a running job's per-accelerator draw and speed, and reschedules its end (for the
/// sampling systems that throttle or retune jobs, which hold only what this touches).
pub fn set_draw(jobs: &mut Jobs, load: &mut ComputeLoad, clock: &mut Clock, slot: JobSlot, dyn_ppm: u64) {
    let now = clock.now_ms;
    load.apply_job(jobs.get(slot), false, now);
    let job = jobs.get_mut(slot);
    job.progress_ms = job.progress_at(now);
    job.rate_since_ms = now;
    job.dyn_ppm = dyn_ppm;
    job.rate = if job.demand_ppm > 0 { (dyn_ppm as f64 / job.demand_ppm as f64).cbrt().max(0.01) } else { 1.0 };
    job.rate *= job.net_rate;
    if job.stalled {
        // Waiting for storage: the end is queued when it resumes, at the new rate.
        load.apply_job(jobs.get(slot), true, now);
        return;
    }
    let remaining = (job.duration_ms as f64 - job.progress_ms).max(0.0);
    let end = now.saturating_add((remaining / job.rate).ceil() as u64);
    job.generation = job.generation.wrapping_add(1);
    let generation = job.generation;
    load.apply_job(jobs.get(slot), true, now);
    clock.push(end, Event::JobEnd { slot, generation });
}
