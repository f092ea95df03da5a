//! Thermal limits and power caps on running jobs: the thermal stage of the sampling pipeline.
//!
//! ## How it works
//! An accelerator's junction sits R·P above its coolant, so a hall allows
//! P ≤ (T_throttle − T_coolant) / R per accelerator (the facility computes that limit each tick
//! from its loop temperatures: [`crate::model::facility::FacilityTick::allowed_accelerator_w`]).
//! A grid power cap adds a site-wide draw level (a fraction of each model's dynamic span, see
//! [`crate::model::grid`]). At each tick [`throttle`] caps the accelerators of jobs in halls
//! whose coolant is too warm for them, or above the grid's level, and lifts the cap when it
//! cools: power follows the cap, speed follows the DVFS cube law (dynamic power ∝ f³, so
//! f / f_max = (P_dyn,cap / P_dyn,demand)^(1/3)), and end events are rescheduled
//! ([`crate::model::workload::set_draw`]). It scans running jobs only while some hall is limited,
//! some job is capped or the grid's level is below full; [`throttle_needed`], a guard with three
//! resources where [`throttle`] fetches eleven, tells the sampling pipeline when to run it.

use bevy_ecs::prelude::*;

use crate::model::compute::ComputeLoad;
use crate::model::compute::power::PPM;
use crate::model::facility::FacilityModel;
use crate::model::grid::ledger::Ledger;
use crate::model::scheduler::Scheduling;
use crate::model::workload::{JobSlot, Jobs, set_draw};
use crate::time::Clock;

/// Throttling state and its integral (a resource, present with a facility or a grid).
#[derive(Resource, Debug, Default)]
pub struct Throttle {
    /// Jobs capped now.
    pub capped_jobs: u64,
    /// Accelerators of jobs capped now.
    pub capped_accelerators: u64,
    /// ∫ capped accelerators dt, accelerator·ms.
    pub throttled_accelerator_ms: u128,
    allowed: Vec<f64>,
    slots: Vec<JobSlot>,
}

impl Throttle {
    /// Opens the measuring window at the end of a warm-up: the throttled accelerator-time
    /// restarts from zero.
    pub fn open_window(&mut self) {
        self.throttled_accelerator_ms = 0;
    }

    /// Accelerator-hours run below their demand.
    pub fn throttled_accelerator_hours(&self) -> f64 {
        self.throttled_accelerator_ms as f64 / 3.6e6
    }
}

/// Whether [`throttle`] has anything to do this tick: a hall is limited, a job is capped or the
/// grid's level is below full (its guard in the thermal stage).
pub fn throttle_needed(facility: Option<Res<FacilityModel>>, grid: Option<Res<Ledger>>, thr: Res<Throttle>) -> bool {
    let allowed = facility.as_ref().map_or(&[][..], |f| &f.tick.allowed_accelerator_w[..]);
    !idle(allowed, thr.capped_jobs, grid.as_ref().map_or(PPM, |g| g.level_ppm))
}

/// Nothing to cap and nothing to lift: no hall limited (`allowed` all infinite), no job capped,
/// the grid's level at full.
fn idle(allowed: &[f64], capped_jobs: u64, grid_ppm: u64) -> bool {
    allowed.iter().all(|a| a.is_infinite()) && capped_jobs == 0 && grid_ppm >= PPM
}

/// Caps jobs above their hall's thermal limit or the grid's draw level, lifts caps no longer
/// needed (the thermal stage).
#[allow(clippy::too_many_arguments)]
pub fn throttle(
    mut clock: ResMut<Clock>,
    facility: Option<Res<FacilityModel>>,
    mut grid: Option<ResMut<Ledger>>,
    mut thr: ResMut<Throttle>,
    sched: Res<Scheduling>,
    mut jobs: ResMut<Jobs>,
    mut load: ComputeLoad,
) {
    let thr = &mut *thr;
    thr.allowed.clear();
    if let Some(fac) = facility.as_ref() {
        thr.allowed.extend_from_slice(&fac.tick.allowed_accelerator_w);
    }
    let grid_ppm = grid.as_ref().map_or(PPM, |g| g.level_ppm);
    if idle(&thr.allowed, thr.capped_jobs, grid_ppm) {
        return;
    }
    let dt_ms = clock.interval_ms;
    sched.cluster.running_slots(&mut thr.slots);
    let (mut capped_jobs, mut capped_accelerators, mut grid_capped) = (0u64, 0u64, 0u64);
    for &slot in &thr.slots {
        let job = jobs.get(slot);
        let limit = job
            .alloc
            .iter()
            .map(|(n, _)| thr.allowed.get(load.topo.nodes[*n as usize].hall_index as usize).copied().unwrap_or(f64::INFINITY))
            .fold(f64::INFINITY, f64::min);
        let model = load.topo.model_of(job.alloc[0].0);
        let cap_ppm = if limit.is_finite() {
            let span = model.accelerator_span_w();
            if span > 0.0 { (((limit - model.accelerator_idle_w()) / span).clamp(0.0, 1.0) * PPM as f64) as u64 } else { PPM }
        } else {
            PPM
        };
        let target = job.demand_ppm.min(cap_ppm).min(grid_ppm);
        if grid_ppm < job.demand_ppm.min(cap_ppm) {
            grid_capped += job.requested as u64;
        }
        if target < job.demand_ppm {
            capped_jobs += 1;
            capped_accelerators += job.requested as u64;
        }
        if target != job.dyn_ppm {
            set_draw(&mut jobs, &mut load, &mut clock, slot, target);
        }
    }
    thr.capped_jobs = capped_jobs;
    thr.capped_accelerators = capped_accelerators;
    thr.throttled_accelerator_ms += capped_accelerators as u128 * dt_ms as u128;
    if let Some(g) = grid.as_mut() {
        g.capped_accelerator_ms += grid_capped as u128 * dt_ms as u128;
    }
}
