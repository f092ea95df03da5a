//! Where jobs come from: each synthetic class's arrival process ([`ClassSampler`], its own
//! random stream) and the replayed trace, one pending arrival event each.

use std::io;

use bevy_ecs::prelude::Resource;

use super::{ClassSampler, DrawnJob, End, Life, Request};
use crate::config::{Scenario, TraceJob};
use crate::time::queue::{Event, EventQueue};

/// The arrival processes of a run (a resource).
#[derive(Resource)]
pub struct Arrivals {
    samplers: Vec<ClassSampler>,
    trace: Vec<TraceJob>,
    /// Engine class of each trace label.
    trace_class: Vec<u16>,
    /// How a trace job ends, by its state index (0: no state, completes).
    trace_end: Vec<End>,
    horizon_ms: u64,
    /// The site's part in a federation (empty when it runs alone).
    pub federated: Federated,
}

/// A job drawn by a class that may move: it waits in [`Federated::outbox`] until the
/// federation's dispatcher places it.
#[derive(Debug, Clone, Copy)]
pub struct Drawn {
    /// Its class in the site that drew it.
    pub class: u16,
    /// What was drawn.
    pub job: DrawnJob,
    /// When its user submitted it, ms.
    pub submit_ms: u64,
}

/// A job placed here by the federation's dispatcher, until its [`Event::Inbound`].
#[derive(Debug, Clone, Copy)]
pub struct Inbound {
    /// The job.
    pub drawn: Drawn,
    /// Its class in this site.
    pub class: u16,
    /// The federation's record of the move (`None`: it stays in the site that drew it).
    pub moved: Option<u32>,
}

/// A site's part in a federation (a field of [`Arrivals`]; empty when the site runs alone, so a
/// site alone pays one empty-vector check per arrival and per job end).
#[derive(Debug, Default)]
pub struct Federated {
    /// Whether each class (engine order) goes to the dispatcher instead of being submitted.
    pub mobile: Vec<bool>,
    /// Jobs drawn here since the dispatcher last ran.
    pub outbox: Vec<Drawn>,
    /// Jobs placed here, by the index of their [`Event::Inbound`] (taken when it fires).
    pub inbox: Vec<Option<Inbound>>,
    free_inbox: Vec<u32>,
    /// Jobs that came from another site, by job id: their move's record.
    pub foreign: std::collections::BTreeMap<u64, u32>,
    /// Moves whose job ended here since the dispatcher last ran: (record, time ms).
    pub ended: Vec<(u32, u64)>,
    /// Jobs placed here that were refused at submission.
    pub refused: u64,
    /// Jobs placed here that arrived and were submitted (or refused).
    pub arrived: u64,
    /// Accelerators asked for by the jobs placed here and not yet arrived.
    pub placed_accelerators: u64,
}

impl Federated {
    /// Stores a placed job; returns the index its [`Event::Inbound`] carries.
    pub fn place(&mut self, job: Inbound) -> u32 {
        self.placed_accelerators += job.drawn.job.accelerators as u64;
        match self.free_inbox.pop() {
            Some(i) => {
                self.inbox[i as usize] = Some(job);
                i
            }
            None => {
                self.inbox.push(Some(job));
                (self.inbox.len() - 1) as u32
            }
        }
    }

    /// Placed jobs not yet arrived.
    pub fn in_flight(&self) -> usize {
        self.inbox.len() - self.free_inbox.len()
    }
}

impl Arrivals {
    /// The arrival processes of a scenario; queues each one's first arrival (classes in order,
    /// then the trace).
    pub fn new(sc: &Scenario, labels: &[String], queue: &mut EventQueue) -> Arrivals {
        let mut samplers: Vec<ClassSampler> =
            sc.classes.iter().map(|c| ClassSampler::new(c, sc.seed, sc.start.weekday()).with_demand(sc.demand.as_ref())).collect();
        for (i, s) in samplers.iter_mut().enumerate() {
            if let Some(t) = s.next_arrival(sc.horizon_ms) {
                queue.push(t, Event::Arrival { class: i as u16 });
            }
        }
        let trace = sc.trace.as_ref().map(|t| t.jobs.clone()).unwrap_or_default();
        if let Some(first) = trace.first()
            && first.submit_ms <= sc.horizon_ms
        {
            queue.push(first.submit_ms, Event::TraceArrival { index: 0 });
        }
        let trace_class = sc
            .trace
            .as_ref()
            .map(|t| t.labels.iter().map(|l| labels.iter().position(|x| x == l).unwrap_or(0) as u16).collect())
            .unwrap_or_default();
        let trace_end =
            std::iter::once(End::Complete).chain(sc.trace.iter().flat_map(|t| t.states.iter().map(|s| End::of_trace_state(s)))).collect();
        Arrivals { samplers, trace, trace_class, trace_end, horizon_ms: sc.horizon_ms, federated: Federated::default() }
    }
}

/// The next job of synthetic class `class` arrives: draw it, submit it, queue the next one.
pub fn on_arrival(arrivals: &mut Arrivals, life: &mut Life, class: usize) -> io::Result<()> {
    let d = arrivals.samplers[class].draw();
    if arrivals.federated.mobile.get(class).copied().unwrap_or(false) {
        let submit_ms = life.now();
        arrivals.federated.outbox.push(Drawn { class: class as u16, job: d, submit_ms });
        if let Some(t) = arrivals.samplers[class].next_arrival(arrivals.horizon_ms) {
            life.clock.push(t.max(submit_ms), Event::Arrival { class: class as u16 });
        }
        return Ok(());
    }
    let request = Request { end: d.end, ..Default::default() };
    life.submit_request(class as u16, d.accelerators, d.duration_ms, d.utilization, request, d.end_after_ms)?;
    if let Some(t) = arrivals.samplers[class].next_arrival(arrivals.horizon_ms) {
        let now = life.now();
        life.clock.push(t.max(now), Event::Arrival { class: class as u16 });
    }
    Ok(())
}

/// A job placed here by the federation arrives (its data, if it moved, is here): submit it.
/// Its submission time stays its user's, so its wait includes the dispatch and the transfer.
pub fn on_inbound(arrivals: &mut Arrivals, life: &mut Life, index: usize) -> io::Result<()> {
    let fed = &mut arrivals.federated;
    let Some(inbound) = fed.inbox.get_mut(index).and_then(Option::take) else { return Ok(()) };
    fed.free_inbox.push(index as u32);
    fed.placed_accelerators -= inbound.drawn.job.accelerators as u64;
    fed.arrived += 1;
    let d = inbound.drawn.job;
    let request = Request { end: d.end, ..Default::default() };
    match life.submit_request(inbound.class, d.accelerators, d.duration_ms, d.utilization, request, d.end_after_ms)? {
        Some(slot) => {
            let job = life.jobs.get_mut(slot);
            job.submit_ms = inbound.drawn.submit_ms.min(job.submit_ms);
            if let Some(m) = inbound.moved {
                fed.foreign.insert(job.id, m);
            }
        }
        None => fed.refused += 1,
    }
    Ok(())
}

/// A job ended: if it came from another site, the federation carries its result home.
pub fn on_job_ended(arrivals: &mut Arrivals, id: u64, now_ms: u64) {
    let fed = &mut arrivals.federated;
    if !fed.foreign.is_empty()
        && let Some(m) = fed.foreign.remove(&id)
    {
        fed.ended.push((m, now_ms));
    }
}

/// Job `index` of the trace arrives: submit it as the trace says, queue the next one.
pub fn on_trace_arrival(arrivals: &Arrivals, life: &mut Life, index: usize) -> io::Result<()> {
    let Some(&j) = arrivals.trace.get(index) else { return Ok(()) };
    let request = Request {
        gpu_milli: j.gpu_milli,
        cpu_milli: j.cpu_milli,
        memory_mib: j.memory_mib,
        spec: j.spec,
        trace_line: j.line,
        trace_state: j.state,
        end: arrivals.trace_end.get(j.state as usize).copied().unwrap_or_default(),
    };
    // The trace's duration is the job's own, to its final state: nothing to cut.
    life.submit_request(arrivals.trace_class[j.label as usize], j.accelerators, j.duration_ms, j.utilization, request, u64::MAX)?;
    if let Some(next) = arrivals.trace.get(index + 1)
        && next.submit_ms <= arrivals.horizon_ms
    {
        life.clock.push(next.submit_ms, Event::TraceArrival { index: index as u32 + 1 });
    }
    Ok(())
}
