//! Building a run: each subsystem builds its resources and entities from the scenario into one
//! World, in a fixed order (the order of their first events fixes the tie-breaking of events at
//! the same instant), and adds its stage functions to the sampling [`Pipeline`].
//!
//! ## The sampling pipeline
//! At every sampling tick the stages run in this order, each after the one before (each
//! function through its own cached parameter fetch, [`super::pipeline`]):
//! 1. **power**: each hall's and the site's mean IT power and utilization over the interval;
//! 2. **facility**: power chain, cooling plant, weather and loop temperatures (with a facility);
//! 3. **grid**: the tick's cost, carbon and battery, and the power-cap level (with `[grid]`);
//! 4. **thermal**: caps on jobs from the halls' thermal limits and the grid's level (both
//!    computed above, so a cap applies from the tick that computed it);
//! 5. **network**: new speeds of jobs whose bandwidth share changed (with a network model);
//! 6. **scheduling**: fragmentation, and a pass for deferred jobs (with deferral);
//! 7. **record**: the timeseries row.

use std::io;

use bevy_ecs::prelude::*;

use super::pipeline::Pipeline;
use super::record::{TimeseriesWriter, record};
use crate::config::{Scenario, TraceFormat};
use crate::metrics::csv::Sink;
use crate::model::compute::sample::{Sample, SampleMemo, sample_power};
use crate::model::compute::{self, SiteLoad, Topology};
use crate::model::facility::FacilityModel;
use crate::model::facility::summary::facility_step;
use crate::model::failures::FailureModel;
use crate::model::grid;
use crate::model::network::{self, NetState};
use crate::model::scheduler::{self, Fragmentation, Scheduling, sample_fragmentation};
use crate::model::services::Services;
use crate::model::thermal::{Throttle, throttle, throttle_needed};
use crate::model::workload::{Arrivals, ClassTable, JobBook, Jobs, JobsWriter};
use crate::time::Clock;

/// The stages of the sampling pipeline, in order (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Hall and site IT power.
    Power,
    /// Facility physics.
    Facility,
    /// Grid ledger and power cap.
    Grid,
    /// Thermal and power caps on jobs.
    Thermal,
    /// Network bandwidth sharing.
    Network,
    /// Scheduling metrics and deferred passes.
    Scheduling,
    /// The timeseries row.
    Record,
}

/// Builds the world of a scenario and its sampling pipeline; rows go to `timeseries` and
/// `jobs_csv`.
pub fn build(sc: &Scenario, timeseries: Box<dyn Sink>, jobs_csv: Box<dyn Sink>) -> io::Result<(World, Pipeline)> {
    let mut world = World::new();
    let mut clock = Clock::new(sc.horizon_ms, sc.step_ms);
    compute::build(&mut world, sc);
    world.insert_resource(Sample::default());
    world.insert_resource(SampleMemo::default());
    if let Some(f) = FacilityModel::new(sc) {
        world.insert_resource(f);
    }
    let classes = ClassTable::new(sc);
    let labels = classes.labels.clone();
    let topo = world.resource::<Topology>();
    let mut cluster = scheduler::build::cluster(sc, topo, labels.len());
    if scheduler::build::share_trace(sc).is_some() {
        world.insert_resource(compute::ShareLoad(vec![0; world.resource::<Topology>().accelerators as usize]));
        world.resource_mut::<SiteLoad>().shares = true;
    }
    let policy = grid::systems::wrap_policy(scheduler::build(&sc.scheduler, &labels, sc.accelerators()), sc, &labels);
    grid::systems::build(&mut world, sc, &labels);
    world.insert_resource(Arrivals::new(sc, &labels, &mut clock.events));
    let topo = world.resource::<Topology>();
    compute::schedule_entries(topo, &mut cluster, &mut clock);
    if let Some(f) = sc.failures.as_ref() {
        let model = FailureModel::new(sc, f, topo, &labels, &mut cluster, &mut clock.events);
        world.insert_resource(model);
    }
    let node_accelerators: Vec<u32> = {
        let topo = world.resource::<Topology>();
        topo.nodes.iter().map(|n| topo.per_node[n.node_type as usize]).collect()
    };
    let net = NetState::new(sc, &labels, &node_accelerators);
    let pods = net.as_ref().and_then(|n| n.fabric.as_ref()).map_or(&[][..], |f| &f.pod_of_node[..]);
    cluster.set_placement(sc.scheduler.placement, pods, sc.seed);
    network::add_switch_power(&mut world, net.as_ref());
    if let Some(cfg) = sc.storage.as_ref() {
        crate::model::storage::Storage::build(&mut world, cfg);
    }
    let with_net = net.is_some();
    if let Some(net) = net {
        world.insert_resource(net);
    }
    if !sc.services.is_empty() {
        world.insert_resource(Services::new(sc, &labels, &mut clock.events));
    }
    world.insert_resource(Scheduling::new(policy, cluster, sc.scheduler.max_queued));
    world.insert_resource(Fragmentation::default());
    if sc.finance.is_some() {
        world.insert_resource(crate::model::finance::FinanceBook::new(sc.start));
    }
    let thermal = sc.facility.is_some() || sc.coordination.is_some();
    if thermal {
        world.insert_resource(Throttle::default());
    }
    world.insert_resource(TimeseriesWriter::new(
        timeseries,
        world.contains_resource::<FacilityModel>(),
        sc.coordination.is_some(),
        &sc.output,
    )?);
    let trace_columns = sc.trace.as_ref().filter(|t| t.format != TraceFormat::Generic).map(|t| (t.specs.clone(), t.states.clone()));
    world.insert_resource(JobsWriter::with_all(jobs_csv, sc.failures.is_some(), trace_columns, with_net)?);
    world.insert_resource(JobBook::new(labels.len()));
    world.insert_resource(Jobs::default());
    world.insert_resource(classes);
    world.insert_resource(clock);
    let pipeline = sampling_pipeline(&mut world, thermal, sc.coordination.as_ref().is_some_and(|g| g.deferral.is_some()));
    Ok((world, pipeline))
}

/// The sampling pipeline of a built world: each present subsystem's functions in its stage.
fn sampling_pipeline(world: &mut World, thermal: bool, deferral: bool) -> Pipeline {
    let mut p = Pipeline::default();
    p.add(Stage::Power, sample_power, world);
    if world.contains_resource::<FacilityModel>() {
        p.add(Stage::Facility, facility_step, world);
    }
    if world.contains_resource::<grid::ledger::Ledger>() {
        p.add(Stage::Grid, grid::systems::grid_tick, world);
    }
    if thermal {
        p.add_guarded(Stage::Thermal, throttle_needed, throttle, world);
    }
    if world.contains_resource::<NetState>() {
        p.add(Stage::Network, network::retune, world);
    }
    p.add(Stage::Scheduling, sample_fragmentation, world);
    if deferral {
        p.add(Stage::Scheduling, grid::systems::reconsider_deferred, world);
    }
    p.add(Stage::Record, record, world);
    p
}
