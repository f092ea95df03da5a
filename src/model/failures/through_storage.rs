//! Checkpoints and restarts through the storage tier, in time.
//!
//! ## How it works
//! Under a `[storage]` tier an attempt runs its remaining work at its rate, and stalls:
//! - at its start after an interruption, while it reads its last checkpoint back (a read of the
//!   checkpoint's size over its nodes, [`crate::model::storage`]);
//! - at each checkpoint: synchronous, until the write of the checkpoint's size is on storage;
//!   asynchronous, only for the copy out of accelerator memory into host memory, size /
//!   (accelerators x host copy bandwidth), after which the write goes on in the background and
//!   still takes its share of the write bandwidth (CheckFreq, Mohan et al., FAST'21; PyTorch
//!   DCP `async_save`). A checkpoint falling due while the previous background write is still
//!   in flight waits for it (no stall: the interval stretches).
//!
//! A checkpoint is saved (counts after an interruption) when its last byte is on storage. A
//! checkpoint falls due after tau of work: Young/Daly tau = sqrt(2 delta M) with delta the
//! stall of the job's last checkpoint (before its first, the stall it would have alone), so the
//! interval follows what storage really gives; M as in [`super`]. A due event is placed at the
//! rate of the moment and checked on arrival: a job slowed meanwhile postpones it; one sped up
//! checkpoints a little late \[simplification\]. Accelerators draw their running power while
//! stalled \[simplification: a checkpoint's idle accelerators draw less\].

use super::{AttemptEnd, FailureModel, JobCkpt, Phase};
use crate::config::failures::{Interval, Mode};
use crate::model::storage::Transfer;
use crate::model::workload::{Job, JobSlot, Life};
use crate::time::queue::Event;

impl FailureModel {
    /// tau for a job under storage: the fixed interval, or Young/Daly on the real stall.
    fn stored_interval(&self, e: &JobCkpt, job: &Job, alone_ms: f64) -> f64 {
        let cp = self.checkpoints[job.class as usize];
        let rate = job.alloc.len() as f64 * self.node_rate_per_ms[job.pool as usize];
        match cp.interval {
            Interval::Fixed(ms) => ms as f64,
            Interval::YoungDaly if rate > 0.0 => {
                let delta = if e.last_delta_ms > 0.0 { e.last_delta_ms } else { alone_ms };
                (2.0 * delta.max(1.0) / rate).sqrt().max(1.0)
            }
            Interval::YoungDaly => f64::INFINITY,
        }
    }

    /// Ends an attempt under storage: splits its accelerator-time into useful, checkpoint stall,
    /// restart and lost (see [`super::FailureModel::end_attempt`]).
    pub(super) fn end_attempt_stored(&mut self, slot: JobSlot, job: &mut Job, now: u64, how: AttemptEnd) -> f64 {
        let Some(e) = self.jobs.get_mut(slot as usize) else { return 0.0 };
        let p = job.progress_at(now);
        let a = job.allocated as f64;
        self.allocated += a * now.saturating_sub(job.start_ms) as f64;
        self.restart += a * e.att_restart_ms;
        self.checkpoint += a * e.att_ckpt_ms;
        match how {
            AttemptEnd::Completed | AttemptEnd::Horizon => {
                self.useful += a * p;
                job.duration_ms = e.work_ms as u64;
                if how == AttemptEnd::Completed {
                    e.started = false;
                }
                0.0
            }
            AttemptEnd::Interrupted => {
                let saved = (e.saved_ms - e.base_ms).max(0.0);
                let lost = (p - saved).max(0.0);
                self.useful += a * saved;
                self.lost_work += a * lost;
                if e.interval_ms.is_finite() && e.interval_ms > 0.0 {
                    self.max_lost_intervals = self.max_lost_intervals.max(lost.min(e.interval_ms) / e.interval_ms);
                }
                e.interruptions += 1;
                job.interruptions += 1;
                e.requeued_ms = now;
                lost + e.att_restart_ms
            }
        }
    }
}

/// Checkpoint size and mode of a job, and whether it goes through storage at all.
fn plan(life: &Life, slot: JobSlot) -> Option<(f64, Mode)> {
    let f = life.failures.as_ref()?;
    if !f.through_storage || life.storage.is_none() {
        return None;
    }
    let cp = f.checkpoints[life.jobs.get(slot).class as usize];
    Some((cp.size_bytes, cp.mode))
}

/// The stall a checkpoint of `bytes` would have alone, ms.
fn alone_ms(life: &Life, slot: JobSlot, bytes: f64, mode: Mode) -> f64 {
    let Some(s) = life.storage.as_ref() else { return 0.0 };
    let job = life.jobs.get(slot);
    match mode {
        Mode::Sync => s.alone_s(Transfer::SyncWrite, bytes, job.alloc.len() as u32) * 1000.0,
        Mode::Async => copy_ms(s.host_copy_bytes_per_s, bytes, job.allocated) as f64,
    }
}

fn copy_ms(host_bytes_per_s: f64, bytes: f64, accelerators: u32) -> u64 {
    (bytes / (accelerators.max(1) as f64 * host_bytes_per_s) * 1000.0).ceil() as u64
}

/// A job just started an attempt (called by `Life::start`): a restart reads its checkpoint
/// back first; otherwise its first checkpoint is planned.
pub fn begin(life: &mut Life, slot: JobSlot) {
    let Some((bytes, mode)) = plan(life, slot) else { return };
    let now = life.now();
    let restart =
        life.failures.as_ref().is_some_and(|f| f.jobs.get(slot as usize).is_some_and(|e| e.interruptions > 0 && e.saved_ms > 0.0));
    if restart {
        life.stall(slot);
        let nodes = life.jobs.get(slot).alloc.len() as u32;
        let (Some(s), Some(f)) = (life.storage.as_mut(), life.failures.as_mut()) else { return };
        let id = s.start(Transfer::Read, slot, (bytes, nodes), now, &mut life.load, &mut life.clock.events);
        let e = &mut f.jobs[slot as usize];
        e.phase = Phase::Reading(id);
        e.stall_since_ms = now;
        return;
    }
    plan_next(life, slot, 0.0, bytes, mode);
}

/// Sets the next checkpoint `tau` of work after `from_ms` (attempt progress) and queues its
/// due event, unless the job ends first.
fn plan_next(life: &mut Life, slot: JobSlot, from_ms: f64, bytes: f64, mode: Mode) {
    let alone = alone_ms(life, slot, bytes, mode);
    let Some(f) = life.failures.as_mut() else { return };
    let job = life.jobs.get(slot);
    let e = f.jobs[slot as usize];
    let tau = f.stored_interval(&e, job, alone);
    let e = &mut f.jobs[slot as usize];
    e.interval_ms = tau;
    e.next_ms = from_ms + tau;
    e.generation = e.generation.wrapping_add(1);
    queue_due(life, slot);
}

/// Queues the due event of the next checkpoint at the job's current rate.
fn queue_due(life: &mut Life, slot: JobSlot) {
    let now = life.now();
    let Some(f) = life.failures.as_ref() else { return };
    let e = &f.jobs[slot as usize];
    let job = life.jobs.get(slot);
    if !(e.next_ms.is_finite() && e.next_ms < job.duration_ms as f64) || job.stalled {
        return;
    }
    let wait = ((e.next_ms - job.progress_at(now)).max(0.0) / job.rate).ceil() as u64;
    let (generation, at) = (e.generation, now.saturating_add(wait.max(1)));
    life.clock.push(at, Event::CheckpointDue { slot, generation });
}

fn current(life: &Life, slot: JobSlot, generation: u32) -> bool {
    life.failures.as_ref().is_some_and(|f| f.jobs.get(slot as usize).is_some_and(|e| e.started && e.generation == generation))
}

/// A checkpoint falls due (the `CheckpointDue` event).
pub fn on_checkpoint_due(life: &mut Life, slot: JobSlot, generation: u32) {
    if !current(life, slot, generation) || life.jobs.get(slot).stalled {
        return;
    }
    let now = life.now();
    let Some(f) = life.failures.as_mut() else { return };
    let e = &mut f.jobs[slot as usize];
    if e.phase != Phase::Compute {
        return;
    }
    let p = life.jobs.get(slot).progress_at(now);
    if p + 0.5 < e.next_ms {
        // Slowed since it was queued: not yet.
        queue_due(life, slot);
        return;
    }
    if e.bg.is_some() {
        e.due_waiting = true;
        return;
    }
    start_checkpoint(life, slot, p);
}

/// The job stalls and its checkpoint of the work done at `p` begins.
fn start_checkpoint(life: &mut Life, slot: JobSlot, p: f64) {
    let Some((bytes, mode)) = plan(life, slot) else { return };
    let now = life.now();
    life.stall(slot);
    let (nodes, accelerators) = (life.jobs.get(slot).alloc.len() as u32, life.jobs.get(slot).allocated);
    let (Some(s), Some(f)) = (life.storage.as_mut(), life.failures.as_mut()) else { return };
    let e = &mut f.jobs[slot as usize];
    e.ckpt_at_ms = p;
    e.stall_since_ms = now;
    e.ckpt_start_ms = now;
    match mode {
        Mode::Sync => {
            let id = s.start(Transfer::SyncWrite, slot, (bytes, nodes), now, &mut life.load, &mut life.clock.events);
            e.phase = Phase::Writing(id);
        }
        Mode::Async => {
            e.phase = Phase::Copying;
            let at = now.saturating_add(copy_ms(s.host_copy_bytes_per_s, bytes, accelerators));
            life.clock.push(at, Event::CheckpointCopied { slot, generation: e.generation });
        }
    }
}

/// Ends a stall: counts it, resumes the job and plans the next checkpoint.
fn end_stall(life: &mut Life, slot: JobSlot, restart: bool) {
    let now = life.now();
    let Some((bytes, mode)) = plan(life, slot) else { return };
    let (Some(s), Some(f)) = (life.storage.as_mut(), life.failures.as_mut()) else { return };
    let e = &mut f.jobs[slot as usize];
    let stall = now.saturating_sub(e.stall_since_ms) as f64;
    let from = if restart {
        e.att_restart_ms += stall;
        s.tally.restarts += 1;
        s.tally.restart_ms += stall;
        0.0
    } else {
        e.att_ckpt_ms += stall;
        e.last_delta_ms = stall;
        s.tally.stall_ms += stall;
        e.ckpt_at_ms
    };
    e.phase = Phase::Compute;
    life.resume(slot);
    plan_next(life, slot, from, bytes, mode);
}

/// An asynchronous checkpoint's copy is done (the `CheckpointCopied` event): the job resumes
/// and the write goes on in the background.
pub fn on_copied(life: &mut Life, slot: JobSlot, generation: u32) {
    if !current(life, slot, generation) {
        return;
    }
    let Some((bytes, _)) = plan(life, slot) else { return };
    let now = life.now();
    let nodes = life.jobs.get(slot).alloc.len() as u32;
    let (Some(s), Some(f)) = (life.storage.as_mut(), life.failures.as_mut()) else { return };
    let e = &mut f.jobs[slot as usize];
    if e.phase != Phase::Copying {
        return;
    }
    let id = s.start(Transfer::AsyncWrite, slot, (bytes, nodes), now, &mut life.load, &mut life.clock.events);
    e.bg = Some(id);
    e.bg_at_ms = e.ckpt_at_ms;
    e.bg_start_ms = e.ckpt_start_ms;
    end_stall(life, slot, false);
}

/// The storage tier's earliest transfers end (the `StorageDone` event).
pub fn on_storage_done(life: &mut Life, generation: u32) {
    let now = life.now();
    let Some(s) = life.storage.as_mut() else { return };
    let mut done = std::mem::take(&mut s.done);
    s.finish(generation, now, &mut life.load, &mut life.clock.events, &mut done);
    for d in done.iter() {
        let slot = d.owner;
        let Some(f) = life.failures.as_mut() else { return };
        let Some(e) = f.jobs.get_mut(slot as usize).filter(|e| e.started) else { continue };
        match (d.kind, e.phase) {
            (Transfer::Read, Phase::Reading(id)) if id == d.id => end_stall(life, slot, true),
            (Transfer::SyncWrite, Phase::Writing(id)) if id == d.id => {
                e.saved_ms = e.base_ms + e.ckpt_at_ms;
                let written = now.saturating_sub(e.ckpt_start_ms) as f64;
                if let Some(s) = life.storage.as_mut() {
                    s.tally.checkpoints += 1;
                    s.tally.write_ms += written;
                }
                end_stall(life, slot, false);
            }
            (Transfer::AsyncWrite, _) if e.bg == Some(d.id) => {
                e.saved_ms = e.base_ms + e.bg_at_ms;
                e.bg = None;
                let written = now.saturating_sub(e.bg_start_ms) as f64;
                let waiting = std::mem::take(&mut e.due_waiting) && e.phase == Phase::Compute;
                if let Some(s) = life.storage.as_mut() {
                    s.tally.checkpoints += 1;
                    s.tally.write_ms += written;
                }
                if waiting && !life.jobs.get(slot).stalled {
                    let p = life.jobs.get(slot).progress_at(now);
                    start_checkpoint(life, slot, p);
                }
            }
            _ => {}
        }
    }
    if let Some(s) = life.storage.as_mut() {
        s.done = done;
    }
}

/// A job's attempt ends (`interrupted`: by a failure or a preemption; else it completed, was
/// stopped or the run ended): a stall in progress is counted, its transfers are cancelled when
/// interrupted (the checkpoint never completes) or left to finish without it, and its pending
/// checkpoint events go stale.
pub fn detach(life: &mut Life, slot: JobSlot, interrupted: bool) {
    if plan(life, slot).is_none() {
        return;
    }
    let now = life.now();
    let (Some(s), Some(f)) = (life.storage.as_mut(), life.failures.as_mut()) else { return };
    let Some(e) = f.jobs.get_mut(slot as usize).filter(|e| e.started) else { return };
    let stall = now.saturating_sub(e.stall_since_ms) as f64;
    let mut transfers = [None, e.bg];
    match e.phase {
        Phase::Compute => {}
        Phase::Reading(id) => {
            e.att_restart_ms += stall;
            transfers[0] = Some(id);
        }
        Phase::Writing(id) => {
            e.att_ckpt_ms += stall;
            transfers[0] = Some(id);
        }
        Phase::Copying => e.att_ckpt_ms += stall,
    }
    for id in transfers.into_iter().flatten() {
        if interrupted {
            s.cancel(id, now, &mut life.load, &mut life.clock.events);
        } else {
            s.orphan(id);
        }
    }
    e.phase = Phase::Compute;
    e.bg = None;
    e.due_waiting = false;
    e.generation = e.generation.wrapping_add(1);
}

/// Running jobs waiting for storage (they have no pending end event), for the horizon. One
/// pass over the job slots, once per run.
pub fn stalled(life: &Life) -> Vec<JobSlot> {
    let Some(f) = life.failures.as_ref().filter(|f| f.through_storage) else { return Vec::new() };
    f.jobs.iter().enumerate().filter(|(_, e)| e.started && e.phase != Phase::Compute).map(|(s, _)| s as JobSlot).collect()
}
