//! The grid in the run: its ledger and deferral built from the scenario, its systems in the
//! sampling Schedule (book the tick in the ledger and move the power-cap draw level in the grid
//! stage; reconsider held deferrable jobs in the scheduling stage), and its summary sections.

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};

use super::defer::Deferring;
use super::ledger::{BatterySummary, CarbonSummary, CostSummary, Ledger};
use crate::config::Scenario;
use crate::model::compute::SiteLoad;
use crate::model::compute::power::PPM;
use crate::model::compute::sample::Sample;
use crate::model::facility::FacilityModel;
use crate::model::scheduler::{Scheduler, Scheduling};
use crate::time::Clock;

/// Books the tick in the grid ledger (battery, cost, carbon) and moves the power-cap draw
/// level: O(1) while under the cap and unthrottled, O(demand buckets) otherwise.
pub fn grid_tick(clock: Res<Clock>, sample: Res<Sample>, site: Res<SiteLoad>, facility: Option<Res<FacilityModel>>, mut g: ResMut<Ledger>) {
    let it_w = sample.it_power_kw * 1000.0;
    let load_w = facility.map_or(it_w, |f| f.tick.facility_w());
    g.step(clock.now_ms, clock.interval_ms, load_w);
    let Some(limit_w) = g.limit else {
        g.level_ppm = PPM;
        return;
    };
    // The cap acts on the power from now on: the instantaneous IT power, with the facility
    // overhead k = P / P_IT of the interval.
    let it_now_w = site.it_power_mw as f64 / 1e3;
    let overhead = if it_w > 0.0 { (load_w / it_w).max(1.0) } else { 1.0 };
    let load_now_w = it_now_w * overhead;
    if load_now_w <= limit_w && g.level_ppm >= PPM {
        return;
    }
    let old = g.level_ppm as f64 / PPM as f64;
    let aim_w = limit_w * (1.0 - g.cfg.cap_margin);
    let level = g.demand.level(g.demand.power_w(old) + (aim_w - load_now_w) / overhead);
    // Over the limit: lower now. Under it: rise only past the deadband (or to no cap).
    if load_now_w > limit_w || level >= 1.0 || level > old * (1.0 + g.cfg.cap_margin) {
        g.level_ppm = ((level * PPM as f64) as u64).min(PPM);
    }
}

/// Held deferrable jobs are reconsidered at every tick: a scheduling pass is queued.
pub fn reconsider_deferred(mut clock: ResMut<Clock>, mut sched: ResMut<Scheduling>) {
    sched.request(&mut clock);
}

/// The grid's sections of summary.json (absent without a `[grid]` section).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridSections {
    /// Energy cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostSummary>,
    /// Carbon, location-based and net of green supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon: Option<CarbonSummary>,
    /// The on-site battery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<BatterySummary>,
}

/// The grid's ledger of a scenario with a `[grid]` section, into the world.
pub fn build(world: &mut World, sc: &Scenario, labels: &[String]) {
    if let Some(g) = sc.coordination.clone() {
        world.insert_resource(Ledger::new(g, sc.start, labels));
    }
}

/// Wraps the policy in price- or carbon-aware deferral when the scenario defers work.
pub fn wrap_policy(policy: Box<dyn Scheduler>, sc: &Scenario, labels: &[String]) -> Box<dyn Scheduler> {
    match sc.coordination.as_ref().filter(|g| g.deferral.is_some()) {
        Some(g) => Box::new(Deferring::new(policy, g, sc.start, labels, sc.step_ms)),
        None => policy,
    }
}

/// The grid's sections; `deferred_ms` is the time the deferring policy held jobs back.
pub fn fold(g: &Ledger, deferred_ms: u64) -> GridSections {
    GridSections { cost: Some(g.cost(deferred_ms)), carbon: Some(g.carbon()), battery: g.battery_summary() }
}
