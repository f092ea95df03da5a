//! The power stage of the sampling pipeline: each hall's mean IT power over the interval (the
//! facility reads it) and the site's row of means, from the exact integrals of [`SiteLoad`].
//! A sample at time t reports means over the interval since the previous sample.

use bevy_ecs::prelude::*;

use super::load::{wide, wide_u};
use super::{Hall, HallLoad, SiteLoad};
use crate::time::Clock;

/// One timeseries row.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct Sample {
    /// End of the interval, ms.
    pub time_ms: u64,
    /// Allocated accelerators at the sample time.
    pub accelerators_allocated: u64,
    /// Mean allocated fraction over the interval.
    pub utilization_allocated: f64,
    /// Mean effective fraction over the interval.
    pub utilization_effective: f64,
    /// Mean IT power over the interval, kW.
    pub it_power_kw: f64,
    /// IT energy since the start, kWh.
    pub it_energy_kwh: f64,
    /// Queued jobs at the sample time.
    pub queue_length: u64,
    /// Running jobs at the sample time.
    pub running_jobs: u64,
    /// IT power per hall at the sample time, kW.
    pub hall_it_power_kw: Vec<f64>,
}

/// The integrals at the previous sample.
#[derive(Resource, Debug, Default, Clone)]
pub struct SampleMemo {
    last_ms: u64,
    energy: i128,
    allocated: f64,
    busy: u128,
    installed: u128,
}

impl SampleMemo {
    /// Opens the measuring window with [`SiteLoad::open_window`]: the integrals it remembers
    /// restart from zero with them, so the next interval's means are unchanged.
    pub fn open_window(&mut self) {
        *self = SampleMemo { last_ms: self.last_ms, ..Default::default() };
    }
}

/// The power stage: each hall's mean IT power, then the site's means, over the interval (one
/// stage function, so its resources are fetched once per tick).
pub fn sample_power(
    clock: Res<Clock>,
    mut halls: Query<(&Hall, &mut HallLoad)>,
    mut site: ResMut<SiteLoad>,
    mut memo: ResMut<SampleMemo>,
    mut sample: ResMut<Sample>,
) {
    sample_halls(clock.now_ms, &mut halls, &mut site, &memo, &mut sample);
    sample_site(&site, &mut memo, &mut sample);
}

/// Site-wide means over the sampling interval (after [`sample_halls`]).
fn sample_site(load: &SiteLoad, memo: &mut SampleMemo, sample: &mut Sample) {
    let dt = load.last_ms.saturating_sub(memo.last_ms) as f64;
    let cap = load.installed.max(1) as f64;
    sample.time_ms = load.last_ms;
    sample.accelerators_allocated = load.allocated;
    if dt > 0.0 {
        sample.it_power_kw = wide(load.it_energy_mw_ms - memo.energy) / dt / 1e6;
        let cap_ms = wide_u(load.installed_ms - memo.installed).max(1.0);
        sample.utilization_allocated = (load.allocated_basis_ms() - memo.allocated) / cap_ms;
        sample.utilization_effective = wide_u(load.busy_bp_ms - memo.busy) / cap_ms / 1e4;
    } else {
        sample.it_power_kw = load.it_power_mw as f64 / 1e6;
        sample.utilization_allocated = if load.shares { load.allocated_milli as f64 / 1000.0 } else { load.allocated as f64 } / cap;
        sample.utilization_effective = load.busy_bp as f64 / cap / 1e4;
    }
    sample.it_energy_kwh = load.it_energy_kwh();
    sample.queue_length = load.queued_jobs;
    sample.running_jobs = load.running_jobs;
    *memo = SampleMemo {
        last_ms: load.last_ms,
        energy: load.it_energy_mw_ms,
        allocated: load.allocated_basis_ms(),
        busy: load.busy_bp_ms,
        installed: load.installed_ms,
    };
}

/// Integrates the site's load up to the tick at `now_ms`, and the mean IT power of each hall
/// over the interval (the facility reads it).
fn sample_halls(now_ms: u64, halls: &mut Query<(&Hall, &mut HallLoad)>, site: &mut SiteLoad, memo: &SampleMemo, sample: &mut Sample) {
    site.advance(now_ms);
    let n = halls.iter().len();
    sample.hall_it_power_kw.resize(n, 0.0);
    let (now, dt) = (site.last_ms, site.last_ms.saturating_sub(memo.last_ms) as f64);
    for (hall, mut load) in halls.iter_mut() {
        load.advance(now);
        let mean_kw = if dt > 0.0 { wide(load.energy_mw_ms - load.sampled_mw_ms) / dt / 1e6 } else { load.it_power_mw as f64 / 1e6 };
        load.sampled_mw_ms = load.energy_mw_ms;
        if let Some(slot) = sample.hall_it_power_kw.get_mut(hall.index as usize) {
            *slot = mean_kw;
        }
    }
}
