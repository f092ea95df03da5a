//! Simulated time: the clock of a run, the event queue, the civil calendar and the named random
//! streams. Everything here is plain data below the models: the models push events and read the
//! clock; the engine pops events and advances the clock.

pub mod calendar;
pub mod queue;
pub mod rng;

use bevy_ecs::prelude::Resource;

use self::queue::{Event, EventQueue};

/// The simulated time of a run (a World resource): now, the horizon and sampling step, and the
/// events pending. The engine alone advances `now_ms`; handlers and systems push events.
#[derive(Resource, Debug, Default)]
pub struct Clock {
    /// Now, ms since t = 0.
    pub now_ms: u64,
    /// End of the run, ms.
    pub horizon_ms: u64,
    /// Sampling step, ms.
    pub step_ms: u64,
    /// Length of the sampling interval that ends now, ms (set at each sampling tick).
    pub interval_ms: u64,
    /// Pending events, earliest first.
    pub events: EventQueue,
}

impl Clock {
    /// A clock at t = 0 with nothing pending.
    pub fn new(horizon_ms: u64, step_ms: u64) -> Clock {
        Clock { now_ms: 0, horizon_ms, step_ms, interval_ms: 0, events: EventQueue::default() }
    }

    /// Schedules an event at `time_ms`.
    pub fn push(&mut self, time_ms: u64, event: Event) {
        self.events.push(time_ms, event);
    }
}
