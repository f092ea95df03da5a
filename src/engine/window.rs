//! The measuring window: with `simulation.warmup`, the run simulates the warm-up first and
//! every output counts only after it.
//!
//! ## How it works
//! The warm-up is the first part of the horizon (a whole number of sampling steps). Until it
//! ends, timeseries.csv rows and jobs.csv rows are not written. Just after the sampling tick
//! at the end of the warm-up, each subsystem that reports a summary opens its window: its
//! integrals, counters and distributions restart from zero while its state (jobs running and
//! queued, temperatures, the plant) carries on. The summary then covers the window: means are
//! over horizon - warm-up. A job that started in the warm-up and ends in the window counts when
//! it ends (its accelerator-hours whole); its wait is not counted. Subsystems that cannot open a
//! window yet (failures, networks, services, batteries, deferral) are refused with a warm-up
//! when the scenario is read.

use bevy_ecs::prelude::*;

use super::record::TimeseriesWriter;
use crate::model::compute::SiteLoad;
use crate::model::compute::sample::SampleMemo;
use crate::model::facility::FacilityModel;
use crate::model::grid::ledger::Ledger;
use crate::model::scheduler::{Fragmentation, Scheduling};
use crate::model::thermal::Throttle;
use crate::model::workload::{JobBook, Jobs, JobsWriter};

/// Before the run: the row writers drop what comes before the end of the warm-up at `warmup_ms`.
pub fn warming_up(world: &mut World, warmup_ms: u64) {
    world.resource_mut::<TimeseriesWriter>().after_ms = warmup_ms;
    world.resource_mut::<JobsWriter>().warming_up();
}

/// At the end of the warm-up, just after its last sampling tick: opens every subsystem's window.
pub fn open(world: &mut World) {
    world.resource_mut::<SiteLoad>().open_window();
    if let Some(mut m) = world.get_resource_mut::<SampleMemo>() {
        m.open_window();
    }
    let next_id = world.resource::<Jobs>().submitted();
    world.resource_mut::<JobBook>().open_window(next_id);
    world.resource_mut::<JobsWriter>().open_window();
    let mut sched = world.resource_mut::<Scheduling>();
    sched.preemptions = 0;
    sched.stopped = 0;
    world.resource_mut::<Fragmentation>().open_window();
    if let Some(mut f) = world.get_resource_mut::<FacilityModel>() {
        f.open_window();
    }
    if let Some(mut t) = world.get_resource_mut::<Throttle>() {
        t.open_window();
    }
    if let Some(mut g) = world.get_resource_mut::<Ledger>() {
        g.open_window();
    }
    if let Some(mut f) = world.get_resource_mut::<crate::model::finance::FinanceBook>() {
        f.open_window();
    }
}
