//! Site load and its exact integrals, and the sampling systems that turn them into a row.
//!
//! IT load is piecewise constant between job events, so energy, allocated accelerator-time and
//! busy accelerator-time are integrated exactly ([`SiteLoad::advance`] at every event, in
//! integer mW·ms and accelerator·ms): totals do not depend on the sampling step. A sample at
//! time t reports means over the interval since the previous sample, from the integrals.

use bevy_ecs::prelude::*;

use crate::model::compute::{Hall, HallLoad};

/// Instantaneous site totals and their integrals since t = 0. No sum can overflow for a
/// scenario that resolves: [`crate::scenario::bounds`] gives the argument.
#[derive(Resource, Debug, Default, Clone)]
pub struct SiteLoad {
    /// Simulated time of the last integration, ms.
    pub last_ms: u64,
    /// IT power, mW.
    pub it_power_mw: i64,
    /// Accelerators allocated.
    pub allocated: u64,
    /// Σ utilization (per ten thousand) x requested accelerators of running jobs.
    pub busy_bp: u64,
    /// Jobs running.
    pub running_jobs: u64,
    /// Jobs queued.
    pub queued_jobs: u64,
    /// Accelerators installed and in service now (rack groups that enter service later join
    /// it then; failures and spares do not change it).
    pub installed: u64,
    /// ∫ installed dt, accelerator·ms: the denominator of every utilization.
    pub installed_ms: u128,
    /// ∫ IT power dt, mW·ms.
    pub it_energy_mw_ms: i128,
    /// ∫ allocated dt, accelerator·ms.
    pub allocated_ms: u128,
    /// ∫ busy_bp dt, (1/10,000 accelerator)·ms.
    pub busy_bp_ms: u128,
    /// Highest IT power held for a positive time, mW.
    pub max_it_power_mw: i64,
    /// Lowest IT power held for a positive time, mW.
    pub min_it_power_mw: i64,
    /// Placement by shares: `allocated` counts GPUs holding any share and the allocated
    /// utilization is taken from `allocated_milli` (fractional allocation).
    pub shares: bool,
    /// Σ GPUs x share (thousandths) held by running pods (placement by shares).
    pub allocated_milli: u64,
    /// ∫ allocated_milli dt, (1/1000 accelerator)·ms.
    pub allocated_milli_ms: u128,
}

impl SiteLoad {
    /// Integrates the current load up to `now_ms`.
    pub fn advance(&mut self, now_ms: u64) {
        if now_ms <= self.last_ms {
            return;
        }
        let dt = (now_ms - self.last_ms) as u128;
        self.it_energy_mw_ms += self.it_power_mw as i128 * dt as i128;
        self.allocated_ms += self.allocated as u128 * dt;
        self.installed_ms += self.installed as u128 * dt;
        self.busy_bp_ms += self.busy_bp as u128 * dt;
        self.allocated_milli_ms += self.allocated_milli as u128 * dt;
        if self.last_ms == 0 && self.max_it_power_mw == 0 && self.min_it_power_mw == 0 {
            self.max_it_power_mw = self.it_power_mw;
            self.min_it_power_mw = self.it_power_mw;
        }
        self.max_it_power_mw = self.max_it_power_mw.max(self.it_power_mw);
        self.min_it_power_mw = self.min_it_power_mw.min(self.it_power_mw);
        self.last_ms = now_ms;
    }

    /// ∫ allocated dt as the allocated utilization counts it, accelerator·ms: whole
    /// accelerators, or under shares the GPU shares held (thousandths / 1000).
    pub fn allocated_basis_ms(&self) -> f64 {
        if self.shares { self.allocated_milli_ms as f64 / 1000.0 } else { self.allocated_ms as f64 }
    }

    /// IT energy so far, kWh.
    pub fn it_energy_kwh(&self) -> f64 {
        self.it_energy_mw_ms as f64 / 3.6e12
    }
}

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

/// Site-wide means over the sampling interval (the `metrics` stage of the pipeline).
pub fn sample_site(load: Res<SiteLoad>, mut memo: ResMut<SampleMemo>, mut sample: ResMut<Sample>) {
    let dt = load.last_ms.saturating_sub(memo.last_ms) as f64;
    let cap = load.installed.max(1) as f64;
    sample.time_ms = load.last_ms;
    sample.accelerators_allocated = load.allocated;
    if dt > 0.0 {
        sample.it_power_kw = (load.it_energy_mw_ms - memo.energy) as f64 / dt / 1e6;
        let cap_ms = ((load.installed_ms - memo.installed) as f64).max(1.0);
        sample.utilization_allocated = (load.allocated_basis_ms() - memo.allocated) / cap_ms;
        sample.utilization_effective = (load.busy_bp_ms - memo.busy) as f64 / cap_ms / 1e4;
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

/// Mean IT power per hall over the interval (the `power` stage; the facility reads it).
pub fn sample_halls(mut halls: Query<(&Hall, &mut HallLoad)>, site: Res<SiteLoad>, memo: Res<SampleMemo>, mut sample: ResMut<Sample>) {
    let n = halls.iter().len();
    sample.hall_it_power_kw.resize(n, 0.0);
    let (now, dt) = (site.last_ms, site.last_ms.saturating_sub(memo.last_ms) as f64);
    for (hall, mut load) in &mut halls {
        load.advance(now);
        let mean_kw = if dt > 0.0 { (load.energy_mw_ms - load.sampled_mw_ms) as f64 / dt / 1e6 } else { load.it_power_mw as f64 / 1e6 };
        load.sampled_mw_ms = load.energy_mw_ms;
        if let Some(slot) = sample.hall_it_power_kw.get_mut(hall.index as usize) {
            *slot = mean_kw;
        }
    }
}

/// Steps the facility model with the halls' mean IT power (the `cooling` and `thermal` stages).
pub fn sample_facility(facility: Option<ResMut<crate::model::facility::FacilityModel>>, sample: Res<Sample>, site: Res<SiteLoad>) {
    if let Some(mut f) = facility {
        f.step(site.last_ms, &sample.hall_it_power_kw);
    }
}
