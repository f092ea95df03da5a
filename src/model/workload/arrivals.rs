//! Where jobs come from: each synthetic class's arrival process ([`ClassSampler`], its own
//! random stream) and the replayed trace, one pending arrival event each.

use std::io;

use bevy_ecs::prelude::Resource;

use super::{ClassSampler, End, Life, Request};
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
        Arrivals { samplers, trace, trace_class, trace_end, horizon_ms: sc.horizon_ms }
    }
}

/// The next job of synthetic class `class` arrives: draw it, submit it, queue the next one.
pub fn on_arrival(arrivals: &mut Arrivals, life: &mut Life, class: usize) -> io::Result<()> {
    let d = arrivals.samplers[class].draw();
    let request = Request { end: d.end, ..Default::default() };
    life.submit_request(class as u16, d.accelerators, d.duration_ms, d.utilization, request, d.end_after_ms)?;
    if let Some(t) = arrivals.samplers[class].next_arrival(arrivals.horizon_ms) {
        let now = life.now();
        life.clock.push(t.max(now), Event::Arrival { class: class as u16 });
    }
    Ok(())
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
