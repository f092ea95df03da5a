//! Inference services: the diurnal load, the autoscaler that queues and stops replicas as jobs,
//! the M/M/c latency model (`model.rs`) and the `services` summary section.

mod model;

use std::collections::BTreeMap;
use std::io;

use bevy_ecs::prelude::Resource;

pub use model::{ServiceState, ServiceSummary, erlang_c, p95_response};

use crate::config::Scenario;
use crate::model::workload::Life;
use crate::time::queue::{Event, EventQueue};

/// The services of a run (a resource, present with `[[services]]`).
#[derive(Resource, Debug)]
pub struct Services {
    list: Vec<ServiceState>,
    first_class: usize,
}

impl Services {
    /// The services of a scenario (their classes come last in `labels`); queues each one's
    /// first autoscaler tick at t = 0.
    pub fn new(sc: &Scenario, labels: &[String], queue: &mut EventQueue) -> Services {
        let first = labels.len() - sc.services.len();
        let list: Vec<ServiceState> =
            sc.services.iter().enumerate().map(|(i, s)| ServiceState::new(s.clone(), (first + i) as u16)).collect();
        for i in 0..list.len() {
            queue.push(0, Event::Autoscale { service: i as u16 });
        }
        Services { list, first_class: first }
    }

    fn service_of(&self, class: u16) -> Option<usize> {
        (class as usize).checked_sub(self.first_class).filter(|&i| i < self.list.len())
    }

    /// A job of `class` started or stopped running: a replica if the class is a service's.
    pub fn replica_change(&mut self, class: u16, now: u64, started: bool) {
        if let Some(i) = self.service_of(class) {
            self.list[i].replica_change(now, started);
        }
    }

    /// Replicas of service `i` running now.
    pub fn running(&self, i: usize) -> u64 {
        self.list.get(i).map_or(0, |s| s.running)
    }

    /// Books every service's last interval at the horizon.
    pub fn finish(&mut self, horizon_ms: u64) {
        for s in &mut self.list {
            s.book_interval(horizon_ms);
        }
    }

    /// The `services` summary section.
    pub fn summary(&self, horizon_ms: u64) -> BTreeMap<String, ServiceSummary> {
        self.list.iter().map(|s| (s.cfg.name.clone(), s.summary(horizon_ms))).collect()
    }
}

/// A service's autoscaler tick: book the past interval, move the replica count to the target
/// (new replicas are submitted as jobs; surplus ones, newest first, are cancelled or stopped),
/// queue the next tick.
pub fn on_autoscale(life: &mut Life, i: usize) -> io::Result<()> {
    let now = life.now();
    let horizon = life.clock.horizon_ms;
    let Some(services) = life.services.as_mut() else { return Ok(()) };
    let s = &mut services.list[i];
    s.book_interval(now);
    let want = s.desired(now);
    let (class, accelerators, utilization) = (s.class, s.cfg.accelerators, s.cfg.utilization);
    let next = now.saturating_add(s.cfg.interval_ms);
    let live = s.replicas.len() as u64;
    // A replica runs until stopped: its run time outlasts the horizon.
    let run_ms = horizon.saturating_add(1);
    for _ in live..want {
        if let Some(slot) = life.submit(class, accelerators, run_ms, utilization)?
            && let Some(services) = life.services.as_mut()
        {
            services.list[i].replicas.push(slot);
        }
    }
    for _ in want..live {
        let Some(slot) = life.services.as_mut().and_then(|s| s.list[i].replicas.pop()) else { break };
        life.stop_replica(slot)?;
    }
    if next <= horizon {
        life.clock.push(next, Event::Autoscale { service: i as u16 });
    }
    Ok(())
}
