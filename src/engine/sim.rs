//! The simulation: a World built by the subsystems, the event loop, and the sampling pipeline.
//!
//! ## How it works
//! [`Simulation::run`] pops events in (time, sequence) order and hands each to the handler of
//! the subsystem that owns it ([`super::dispatch`]); the handlers' resources are fetched from
//! the World once per batch of events between two sampling ticks. Before each event the site
//! load is integrated up to the event time, so IT energy is exact and independent of the
//! sampling step. A scheduling pass is itself an event, queued at most once per instant after
//! arrivals and ends, so every change at one instant is seen by one pass. At each sampling tick
//! (after the events of that instant) the sampling pipeline runs its stages in order
//! ([`super::build`]) and records a row. Memory is O(equipment + live jobs): finished jobs are
//! written out and their slots reused.

use std::io::{self, Write};
use std::marker::PhantomData;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemState;

use super::dispatch::{Handlers, dispatch};
use super::invariants::InvariantError;
use super::summary::{RunInfo, Summary};
use crate::config::Scenario;
use crate::model::facility::{Alarm, FacilityModel};
use crate::model::scheduler::Scheduling;
use crate::model::services::Services;
use crate::time::Clock;

/// A simulation in progress, writing timeseries and job rows to `W`.
pub struct Simulation<'a, W: Write + Send + Sync + 'static> {
    sc: &'a Scenario,
    world: World,
    handlers: SystemState<Handlers<'static, 'static>>,
    sampling: super::pipeline::Pipeline,
    next_sample: u64,
    last_sample_ms: u64,
    done: bool,
    events: u64,
    samples: u64,
    _rows: PhantomData<W>,
}

/// A handler fetch that cannot fail for a built world: every resource a handler needs is
/// inserted by [`super::build::build`], and the optional ones are `Option`s.
fn fetch_failed(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("engine: the event handlers' resources are missing: {e}"))
}

impl<'a, W: Write + Send + Sync + 'static> Simulation<'a, W> {
    /// Builds the world and the first events of a scenario.
    pub fn new(sc: &'a Scenario, timeseries: W, jobs_csv: W) -> io::Result<Self> {
        let (mut world, sampling) = super::build::build(sc, Box::new(timeseries), Box::new(jobs_csv))?;
        if sc.warmup_ms > 0 {
            super::window::warming_up(&mut world, sc.warmup_ms);
        }
        let handlers = SystemState::new(&mut world);
        Ok(Simulation {
            sc,
            world,
            handlers,
            sampling,
            next_sample: sc.step_ms.min(sc.horizon_ms),
            last_sample_ms: 0,
            done: false,
            events: 0,
            samples: 0,
            _rows: PhantomData,
        })
    }

    /// Runs to the horizon; `progress` is called after each sample with the simulated time.
    pub fn run(&mut self, progress: impl FnMut(u64)) -> io::Result<()> {
        self.run_until(self.sc.horizon_ms, progress)
    }

    /// Processes every event and sample at or before `until_ms` (capped at the horizon).
    pub fn run_until(&mut self, until_ms: u64, mut progress: impl FnMut(u64)) -> io::Result<()> {
        let horizon = self.sc.horizon_ms;
        while !self.done {
            if self.run_events(until_ms.min(horizon))? {
                break;
            }
            let t = self.next_sample;
            if t > until_ms {
                break;
            }
            self.sample(t)?;
            if t == self.sc.warmup_ms {
                super::window::open(&mut self.world);
            }
            progress(t);
            if t >= horizon {
                self.done = true;
            } else {
                self.next_sample = (t + self.sc.step_ms).min(horizon);
            }
        }
        Ok(())
    }

    /// Handles the events up to the next sampling tick; true if it stopped at `until_ms` first.
    fn run_events(&mut self, until_ms: u64) -> io::Result<bool> {
        let next_sample = self.next_sample;
        // Most ticks at a short sampling step have no event before them: then the handlers'
        // resources (a score of fetches) are not fetched at all.
        if self.world.resource::<Clock>().events.peek_time().is_none_or(|t| t > next_sample) {
            return Ok(false);
        }
        let mut h = self.handlers.get_mut(&mut self.world).map_err(fetch_failed)?;
        loop {
            match h.life.clock.events.peek_time().filter(|&t| t <= next_sample) {
                Some(t) if t > until_ms => return Ok(true),
                Some(_) => {
                    let Some((t, ev)) = h.life.clock.events.pop() else { return Ok(false) };
                    h.life.clock.now_ms = t;
                    h.life.load.site.advance(t);
                    self.events += 1;
                    dispatch(&mut h, ev)?;
                }
                None => return Ok(false),
            }
        }
    }

    /// A sampling tick at `t`: the sampling pipeline's stages, the last of which records the row.
    fn sample(&mut self, t: u64) -> io::Result<()> {
        {
            let mut clock = self.world.resource_mut::<Clock>();
            clock.now_ms = t;
            clock.interval_ms = t.saturating_sub(self.last_sample_ms);
        }
        self.last_sample_ms = t;
        self.sampling.run(&mut self.world)?;
        // Nothing here reads removal messages; drop any so memory stays flat over long runs.
        self.world.clear_trackers();
        self.samples += 1;
        match self.world.resource_mut::<super::record::TimeseriesWriter>().take_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Writes the jobs still running or queued at the horizon and folds the summary; returns
    /// the two sinks.
    pub fn finish(mut self, wall_s: f64) -> io::Result<(Summary, RunInfo, W, W)> {
        let (summary, peak_live) = super::finish::finish(&mut self.world, &mut self.handlers, self.sc)?;
        let info = RunInfo {
            version: crate::VERSION.to_string(),
            events: self.events,
            samples: self.samples,
            wall_s,
            events_per_s: if wall_s > 0.0 { self.events as f64 / wall_s } else { 0.0 },
            peak_memory_mb: super::host::peak_memory_mb(),
            peak_live_jobs: peak_live,
            host: super::host::hostname(),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
        };
        let (ts, jobs) = super::finish::sinks(&mut self.world)?;
        let downcast = |s: Box<dyn crate::metrics::csv::Sink>| {
            s.into_any().downcast::<W>().map(|b| *b).map_err(|_| io::Error::other("engine: a row sink changed type"))
        };
        Ok((summary, info, downcast(ts)?, downcast(jobs)?))
    }

    /// Checks that the equipment state, the placement core and the site aggregates agree (a
    /// full scan: for tests, never on the hot path). Returns what disagrees.
    pub fn check_invariants(&mut self) -> Result<(), InvariantError> {
        super::invariants::check(&mut self.world)
    }

    /// The alarms raised so far (the first rows of each kind, see [`crate::model::facility::MAX_ALARM_ROWS`]).
    pub fn alarms(&self) -> Vec<Alarm> {
        self.world.get_resource::<FacilityModel>().map(|f| f.totals.alarms.clone()).unwrap_or_default()
    }

    /// The facility's worst energy-balance error so far, W (None without a facility).
    pub fn heat_balance_error_w(&self) -> Option<f64> {
        self.world.get_resource::<FacilityModel>().map(|f| f.totals.max_heat_balance_error_w)
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The ECS world (for tests and invariant checks).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The ECS world, to change (a federation reads and fills each site's [`crate::model::workload::Federated`]).
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Free accelerators according to the placement core.
    pub fn free_accelerators(&self) -> u64 {
        self.world.resource::<Scheduling>().cluster.free_accelerators()
    }

    /// Replicas of service `i` running now (for tests).
    pub fn running_replicas(&self, i: usize) -> u64 {
        self.world.get_resource::<Services>().map_or(0, |s| s.running(i))
    }

    /// Fully free nodes per pod of pool `pool`, as kept and recounted (a scan, for tests).
    pub fn pod_free_recount(&self, pool: usize) -> (Vec<u32>, Vec<u32>) {
        self.world.resource::<Scheduling>().cluster.pod_free_recount(pool)
    }
}
