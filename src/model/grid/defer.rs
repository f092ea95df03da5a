//! Price- or carbon-aware deferral: a [`Scheduler`] wrapper that holds deferrable jobs back
//! until a good hour (valley price, or on-site green generation) and hands them to the wrapped
//! policy then.
//!
//! ## How it works
//! A job of a deferrable class with deadline D = submit + `deadline` is held at submission
//! unless the hour is good. At every scheduling pass (the engine runs one at each sampling tick
//! while a deferral is configured) a held job is released when the hour is good, or when
//! holding it one more sampling step would leave too little time: now + step + estimate > D.
//! So a job is released no later than the last tick from which it can still end by D if it
//! starts at once: deferral alone never makes a job miss a deadline it could meet (queueing
//! behind other work and power capping still can; those are counted as missed deadlines).

use super::GridConfig;
use crate::model::scheduler::{Cluster, Refusal, Scheduler};
use crate::model::workload::{JobSlot, Jobs};
use crate::time::calendar::Calendar;

/// The wrapper.
pub struct Deferring {
    inner: Box<dyn Scheduler>,
    cfg: GridConfig,
    calendar: Calendar,
    deferrable: Vec<bool>,
    deadline_ms: u64,
    step_ms: u64,
    held: Vec<JobSlot>,
    deferred_ms: u64,
}

impl Deferring {
    /// Wraps `inner`; `labels` are the engine's class labels.
    pub fn new(
        inner: Box<dyn Scheduler>,
        cfg: &GridConfig,
        start: crate::time::calendar::Date,
        labels: &[String],
        step_ms: u64,
    ) -> Deferring {
        let d = cfg.deferral.as_ref();
        let deferrable = labels.iter().map(|l| d.is_some_and(|d| d.classes.contains(l))).collect();
        Deferring {
            inner,
            cfg: cfg.clone(),
            calendar: Calendar::new(start),
            deferrable,
            deadline_ms: d.map_or(u64::MAX, |d| d.deadline_ms),
            step_ms,
            held: Vec::new(),
            deferred_ms: 0,
        }
    }

    fn must_go(&self, now: u64, slot: JobSlot, jobs: &Jobs) -> bool {
        let j = jobs.get(slot);
        now.saturating_add(self.step_ms).saturating_add(j.estimate_ms) > j.submit_ms.saturating_add(self.deadline_ms)
    }
}

impl Scheduler for Deferring {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn admit(&self, slot: JobSlot, jobs: &Jobs, cluster: &Cluster) -> Result<(), Refusal> {
        self.inner.admit(slot, jobs, cluster)
    }

    fn enqueue(&mut self, slot: JobSlot, jobs: &Jobs) {
        let j = jobs.get(slot);
        if self.deferrable[j.class as usize] && !self.cfg.good_hour(&self.calendar, j.submit_ms) && !self.must_go(j.submit_ms, slot, jobs) {
            self.held.push(slot);
        } else {
            self.inner.enqueue(slot, jobs);
        }
    }

    /// An interrupted job has waited its turn already: straight back to the inner queue's head.
    fn requeue(&mut self, slot: JobSlot, jobs: &Jobs) {
        self.inner.requeue(slot, jobs);
    }

    fn schedule(&mut self, now_ms: u64, cluster: &mut Cluster, jobs: &mut Jobs, started: &mut Vec<JobSlot>, preempted: &mut Vec<JobSlot>) {
        if !self.held.is_empty() {
            let good = self.cfg.good_hour(&self.calendar, now_ms);
            let mut i = 0;
            while i < self.held.len() {
                let slot = self.held[i];
                if good || self.must_go(now_ms, slot, jobs) {
                    self.held.remove(i);
                    self.deferred_ms += now_ms - jobs.get(slot).submit_ms;
                    self.inner.enqueue(slot, jobs);
                } else {
                    i += 1;
                }
            }
        }
        self.inner.schedule(now_ms, cluster, jobs, started, preempted);
    }

    fn cancel(&mut self, slot: JobSlot, jobs: &Jobs) -> bool {
        match self.held.iter().position(|s| *s == slot) {
            Some(i) => {
                self.held.remove(i);
                true
            }
            None => self.inner.cancel(slot, jobs),
        }
    }

    fn queue_len(&self) -> usize {
        self.held.len() + self.inner.queue_len()
    }

    fn deferred_ms(&self) -> u64 {
        self.deferred_ms
    }

    fn drain(&mut self) -> Vec<JobSlot> {
        let mut all = self.inner.drain();
        all.append(&mut self.held);
        all
    }
}
