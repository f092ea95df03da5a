//! The network in the run: switch power as a constant IT load, bandwidth sharing re-evaluated
//! at sampling ticks (the network stage), and the `network` summary. The equations and sources
//! are in [`super`]; this file only moves rates, end events and power.

use bevy_ecs::prelude::*;

use super::{NetState, NetworkSummary};
use crate::model::compute::{ComputeLoad, HallLoad, SiteLoad, Topology};
use crate::model::workload::{JobSlot, Jobs, set_draw};
use crate::time::Clock;

/// Adds the switch and optics power (constant) to the halls, by node count, and to the site.
/// Returns the power added, mW (0 without a fabric).
pub fn add_switch_power(world: &mut World, net: Option<&NetState>) -> i64 {
    let Some(f) = net.and_then(|n| n.fabric.as_ref()) else { return 0 };
    let total_mw = (f.power_w() * 1000.0).round() as i64;
    let topo = world.resource::<Topology>();
    let n_nodes = topo.nodes.len().max(1) as i64;
    let mut per_hall = vec![0i64; topo.halls.len()];
    for node in &topo.nodes {
        per_hall[node.hall_index as usize] += 1;
    }
    let halls = topo.halls.clone();
    let mut given = 0i64;
    let last = per_hall.len().saturating_sub(1);
    for (i, count) in per_hall.iter().enumerate() {
        // i128: fabric (<= 1e13 mW, scenario::bounds) times nodes (<= 2^24) passes i64::MAX.
        let mw = if i == last { total_mw - given } else { (total_mw as i128 * *count as i128 / n_nodes as i128) as i64 };
        given += mw;
        if let Some(mut h) = world.get_mut::<HallLoad>(halls[i]) {
            h.it_power_mw += mw;
        }
    }
    let mut site = world.resource_mut::<SiteLoad>();
    site.it_power_mw += total_mw;
    site.max_it_power_mw = site.it_power_mw;
    site.min_it_power_mw = site.it_power_mw;
    total_mw
}

/// Jobs whose cross-pod bandwidth share changed get their new speed and end (the network
/// stage). O(1) unless some pod's demand changed since the last tick.
pub fn retune(
    mut clock: ResMut<Clock>,
    mut net: ResMut<NetState>,
    mut jobs: ResMut<Jobs>,
    mut load: ComputeLoad,
    mut changed: Local<Vec<(JobSlot, f64)>>,
) {
    let now = clock.now_ms;
    net.retune(now, &mut changed);
    for &(slot, _) in changed.iter() {
        let class = jobs.get(slot).class;
        let rate = net.rate_at_share(slot, class);
        let job = jobs.get_mut(slot);
        job.net_rate = rate;
        let dyn_ppm = job.dyn_ppm;
        set_draw(&mut jobs, &mut load, &mut clock, slot, dyn_ppm);
    }
}

/// The `network` summary and the MFU figures, folding running jobs up to the horizon. Returns
/// the network section, the switch energy (kWh) and (MFU, effective PFLOPS) where defined.
pub fn fold(
    net: &mut NetState,
    jobs: &Jobs,
    running: &[JobSlot],
    horizon: u64,
) -> (Option<NetworkSummary>, Option<f64>, Option<(f64, f64)>) {
    net.account_all(running, horizon);
    for &slot in running {
        let job = jobs.get(slot);
        // Partial work of a job never interrupted: its progress over its duration.
        let done = if job.interruptions == 0 && job.duration_ms > 0 { job.progress_at(horizon) / job.duration_ms as f64 } else { 0.0 };
        net.stop(slot, job, horizon, done);
    }
    let mfu = net.mfu().map(|m| (m, net.flops_done / (horizon as f64 / 1000.0) / 1e15));
    let Some(f) = net.fabric.as_ref() else { return (None, None, mfu) };
    let kwh = f.power_w() * horizon as f64 / 3.6e9;
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let section = NetworkSummary {
        fabric: f.net.fabric.name().to_string(),
        tiers: f.net.tiers,
        pods: f.pod_capacity.len() as u64,
        pod_nodes: f.net.pod_nodes,
        leaf_switches: f.counts.leaves,
        spine_switches: f.counts.spines,
        core_switches: f.counts.cores,
        switch_ports: f.counts.ports,
        switch_power_kw: f.power_w() / 1000.0,
        energy_kwh: kwh,
        jobs_placed: net.jobs_placed,
        jobs_crossing_spine: net.jobs_crossing_spine,
        exposed_comm_fraction_mean: ratio(net.exposed_acc_ms, net.train_acc_ms),
        slowdown_mean: if net.train_acc_ms > 0.0 { net.slowdown_acc_ms / net.train_acc_ms } else { 1.0 },
        rate_changes: net.rate_changes,
    };
    (Some(section), Some(kwh), mfu)
}
