//! The simulation's network handlers: switch power as a constant IT load, the speed of
//! work-defined jobs from their placement, and bandwidth sharing re-evaluated at sampling ticks.
//! The model, its equations and sources are in [`crate::model::network`]; this file only moves
//! rates, end events and power.

use std::io::Write;

use bevy_ecs::prelude::*;

use super::Simulation;
use crate::metrics::SiteLoad;
use crate::metrics::network::NetworkSummary;
use crate::model::compute::{HallLoad, Topology};
use crate::model::network::NetState;
use crate::model::workload::JobSlot;

/// Adds the switch and optics power (constant) to the halls, by node count, and to the site.
/// Returns the power added, mW (0 without a fabric).
pub(super) fn add_switch_power(world: &mut World, topo: &Topology, net: Option<&NetState>) -> i64 {
    let Some(f) = net.and_then(|n| n.fabric.as_ref()) else { return 0 };
    let total_mw = (f.power_w() * 1000.0).round() as i64;
    let n_nodes = topo.nodes.len().max(1) as i64;
    let mut per_hall = vec![0i64; topo.halls.len()];
    for node in &topo.nodes {
        per_hall[node.hall_index as usize] += 1;
    }
    let mut given = 0i64;
    let last = per_hall.len().saturating_sub(1);
    for (i, count) in per_hall.iter().enumerate() {
        // i128: fabric (<= 1e13 mW, scenario::bounds) times nodes (<= 2^24) passes i64::MAX.
        let mw = if i == last { total_mw - given } else { (total_mw as i128 * *count as i128 / n_nodes as i128) as i64 };
        given += mw;
        if let Some(mut h) = world.get_mut::<HallLoad>(topo.halls[i]) {
            h.it_power_mw += mw;
        }
    }
    let mut site = world.resource_mut::<SiteLoad>();
    site.it_power_mw += total_mw;
    site.max_it_power_mw = site.it_power_mw;
    site.min_it_power_mw = site.it_power_mw;
    total_mw
}

impl<W: Write> Simulation<'_, W> {
    /// Duration and FLOPs of a work-defined job of `n` accelerators (None: duration-defined).
    pub(super) fn work_duration(&self, class: u16, n: u32) -> Option<(u64, f64)> {
        self.net.as_ref().and_then(|net| net.submit(class, n))
    }

    /// A job starts: its speed from its placement (1 without a network model or work).
    pub(super) fn net_start(&mut self, slot: JobSlot) -> f64 {
        let Some(net) = self.net.as_mut() else { return 1.0 };
        net.start(slot, self.jobs.get(slot), self.now)
    }

    /// A job stops at `now` having done `done` of its work in this attempt.
    pub(super) fn net_stop(&mut self, slot: JobSlot, done: f64) {
        if let Some(net) = self.net.as_mut() {
            net.stop(slot, self.jobs.get(slot), self.now, done);
        }
    }

    /// At a sampling tick: jobs whose cross-pod bandwidth share changed get their new speed and
    /// end. O(1) unless some pod's demand changed since the last tick.
    pub(super) fn retune_network(&mut self) {
        let Some(net) = self.net.as_mut() else { return };
        let mut changed = std::mem::take(&mut self.net_scratch);
        net.retune(self.now, &mut changed);
        for &(slot, _) in &changed {
            let class = self.jobs.get(slot).class;
            let rate = self.net.as_mut().map_or(1.0, |n| n.rate_at_share(slot, class));
            let job = self.jobs.get_mut(slot);
            job.net_rate = rate;
            let dyn_ppm = job.dyn_ppm;
            self.set_draw(slot, dyn_ppm);
        }
        self.net_scratch = changed;
    }

    /// Fully free nodes per pod of pool `pool`, as kept and recounted (a scan, for tests).
    pub fn pod_free_recount(&self, pool: usize) -> (Vec<u32>, Vec<u32>) {
        self.cluster.pod_free_recount(pool)
    }

    /// The `network` summary and the MFU figures, folding running jobs up to the horizon.
    pub(super) fn fold_network(&mut self, running: &[JobSlot], s: &mut crate::metrics::Summary) {
        let horizon = self.sc.horizon_ms;
        let Some(net) = self.net.as_mut() else { return };
        net.account_all(running, horizon);
        for &slot in running {
            let job = self.jobs.get(slot);
            // Partial work of a job never interrupted: its progress over its duration.
            let done = if job.interruptions == 0 && job.duration_ms > 0 {
                (job.progress_ms + horizon.saturating_sub(job.rate_since_ms) as f64 * job.rate) / job.duration_ms as f64
            } else {
                0.0
            };
            net.stop(slot, job, horizon, done);
        }
        if let Some(mfu) = net.mfu() {
            s.utilization.mfu_mean = Some(mfu);
            s.utilization.effective_pflops = Some(net.flops_done / (horizon as f64 / 1000.0) / 1e15);
        }
        let Some(f) = net.fabric.as_ref() else { return };
        let kwh = f.power_w() * horizon as f64 / 3.6e9;
        s.energy.network_kwh = Some(kwh);
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        s.network = Some(NetworkSummary {
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
        });
    }
}
