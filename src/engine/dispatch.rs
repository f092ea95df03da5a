//! Dispatch: each event kind goes to the handler of the subsystem that owns it. Handlers take
//! what they touch as arguments ([`Life`] for anything that moves a job, plus their own state);
//! the engine fetches [`Handlers`] from the World once per batch of events between two
//! sampling ticks, never a Schedule per event.

use std::io;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use crate::model::workload::{Arrivals, Life, on_arrival, on_inbound, on_job_ended, on_trace_arrival};
use crate::model::{compute, failures, services};
use crate::time::queue::Event;

/// Everything the event handlers touch.
#[derive(SystemParam)]
pub struct Handlers<'w, 's> {
    /// The job lifecycle and the domains it touches (the clock and event queue included).
    pub life: Life<'w, 's>,
    /// Arrival processes.
    pub arrivals: ResMut<'w, Arrivals>,
}

/// Runs the handler of one event.
pub fn dispatch(h: &mut Handlers, ev: Event) -> io::Result<()> {
    let life = &mut h.life;
    match ev {
        Event::Arrival { class } => on_arrival(&mut h.arrivals, life, class as usize)?,
        Event::TraceArrival { index } => on_trace_arrival(&h.arrivals, life, index as usize)?,
        Event::JobEnd { slot, generation } => {
            if life.jobs.get(slot).generation == generation {
                let id = life.jobs.get(slot).id;
                life.end(slot)?;
                on_job_ended(&mut h.arrivals, id, life.clock.now_ms);
            }
        }
        Event::Inbound { index } => on_inbound(&mut h.arrivals, life, index as usize)?,
        Event::Schedule => life.schedule_pass(),
        Event::Failure { component } => failures::on_failure(life, component as usize),
        Event::Repair { node } => failures::on_repair(life, node),
        Event::Autoscale { service } => services::on_autoscale(life, service as usize)?,
        Event::InService { group } => compute::on_in_service(life, group as usize),
        Event::CheckpointDue { slot, generation } => failures::through_storage::on_checkpoint_due(life, slot, generation),
        Event::CheckpointCopied { slot, generation } => failures::through_storage::on_copied(life, slot, generation),
        Event::StorageDone { generation } => failures::through_storage::on_storage_done(life, generation),
    }
    Ok(())
}
