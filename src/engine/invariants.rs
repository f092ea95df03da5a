//! Consistency checks of a built world: the node, hall and site aggregates, the placement
//! core and the job table agree. A full scan, for tests; never on the hot path.

use bevy_ecs::prelude::*;

use crate::model::compute::{HallLoad, NodeLoads, ShareLoad, SiteLoad, Topology};
use crate::model::network::NetState;
use crate::model::scheduler::Scheduling;
use crate::model::workload::Jobs;

/// The first invariant that fails, with the figures that show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "at t = {at_ms} ms: {what} fails (site allocated {site_allocated}, installed {installed}, nodes {nodes_allocated}, halls {halls_allocated}, held {held}, free {free}, power site {site_mw} nodes {nodes_mw} halls {halls_mw})"
)]
pub struct InvariantError {
    /// Simulated time of the site's last update, ms.
    pub at_ms: u64,
    /// The invariant, in words.
    pub what: &'static str,
    /// Accelerators allocated, as the site counts them.
    pub site_allocated: u64,
    /// Accelerators installed (in service).
    pub installed: u64,
    /// Accelerators allocated, summed over nodes.
    pub nodes_allocated: u64,
    /// Accelerators allocated, summed over halls.
    pub halls_allocated: u64,
    /// Accelerators held by running jobs, recounted.
    pub held: u64,
    /// Accelerators free in the placement core.
    pub free: u64,
    /// IT power of the site, mW.
    pub site_mw: i64,
    /// IT power summed over nodes, mW.
    pub nodes_mw: i64,
    /// IT power summed over halls, mW.
    pub halls_mw: i64,
}

/// Checks every invariant; returns the first that fails, with the figures.
pub fn check(world: &mut World) -> Result<(), InvariantError> {
    let site = world.resource::<SiteLoad>().clone();
    let nodes = world.resource::<NodeLoads>();
    let (node_alloc, node_mw) = nodes.0.iter().fold((0u64, 0i64), |(a, p), l| (a + l.allocated as u64, p + l.power_mw));
    let (mut hall_alloc, mut hall_mw) = (0u64, 0i64);
    for h in world.query::<&HallLoad>().iter(world) {
        hall_alloc += h.allocated;
        hall_mw += h.it_power_mw;
    }
    let network_mw = world.get_resource::<NetState>().and_then(|n| n.fabric.as_ref()).map_or(0, |f| (f.power_w() * 1000.0).round() as i64);
    let storage_mw = world.get_resource::<crate::model::storage::Storage>().map_or(0, |s| s.power_mw());
    let sched = world.resource::<Scheduling>();
    let cluster = &sched.cluster;
    let jobs = world.resource::<Jobs>();
    let held = held_accelerators(world);
    let free = cluster.free_accelerators();
    let held_out = cluster.held_accelerators() + cluster.absent_accelerators();
    let topo = world.resource::<Topology>();
    let nodes = world.resource::<NodeLoads>();
    let held_nodes_idle =
        cluster.held_nodes_have_no_free_slots() && cluster.held_nodes().iter().all(|&n| nodes.0[n as usize].allocated == 0);
    let checks = [
        ("allocated <= installed", site.allocated <= site.installed),
        ("site installed = design - not yet in service", site.installed + cluster.absent_accelerators() == cluster.installed),
        ("nodes' allocations sum to the site's", node_alloc == site.allocated),
        ("halls' allocations sum to the site's", hall_alloc == site.allocated),
        ("accelerators held by running jobs equal allocated", held == site.allocated),
        ("placement free + allocated + out of service = installed", free + site.allocated + held_out == cluster.installed),
        ("nodes out of service are neither free nor allocated", held_nodes_idle),
        ("nodes', switches' and storage power sums to the site's", node_mw + network_mw + storage_mw == site.it_power_mw),
        ("halls' power sums to the site's", hall_mw == site.it_power_mw),
        (
            "nodes' fan power sums to the site's, within its IT power",
            nodes.0.iter().map(|l| l.fans_mw).sum::<i64>() == site.fans_mw && site.fans_mw <= site.it_power_mw,
        ),
        ("queued count matches the scheduler", site.queued_jobs == sched.policy.queue_len() as u64),
        ("live jobs = queued + running", jobs.live() as u64 == site.queued_jobs + site.running_jobs),
        ("share allocator agrees with its indexes", cluster.shares().is_none_or(crate::model::scheduler::Shares::consistent)),
        ("every node has a load row", nodes.0.len() == topo.nodes.len()),
    ];
    match checks.iter().find(|(_, ok)| !ok) {
        Some((what, _)) => Err(InvariantError {
            at_ms: site.last_ms,
            what,
            site_allocated: site.allocated,
            installed: site.installed,
            nodes_allocated: node_alloc,
            halls_allocated: hall_alloc,
            held,
            free,
            site_mw: site.it_power_mw,
            nodes_mw: node_mw,
            halls_mw: hall_mw,
        }),
        None => Ok(()),
    }
}

/// Accelerators held by running jobs, recounted from their allocations: whole accelerators in
/// their slot masks, or under GPU shares the GPUs some pod holds a share of.
fn held_accelerators(world: &World) -> u64 {
    if let Some(pods) = world.get_resource::<ShareLoad>() {
        return pods.0.iter().filter(|&&p| p > 0).count() as u64;
    }
    let sched = world.resource::<Scheduling>();
    let jobs = world.resource::<Jobs>();
    let mut slots = Vec::new();
    sched.cluster.running_slots(&mut slots);
    slots.iter().map(|&s| jobs.get(s).alloc.iter().map(|(_, mask)| mask.count_ones() as u64).sum::<u64>()).sum()
}
