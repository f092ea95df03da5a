//! The simulation's side of placement by GPU shares: building the share allocator from the
//! scenario, and the load of pods that share GPUs.
//!
//! ## How it works
//! A GPU shared by pods i at shares m_i (thousandths) and utilizations u_i is time-sliced: pod i
//! runs a fraction m_i / 1000 of the time, so the GPU's utilization is Σ m_i u_i / 1000 (at most 1,
//! as Σ m_i <= 1000) and its mean dynamic power is span x Σ (m_i / 1000) f(u_i), with f the
//! device's power curve (exact for the linear curve; for a concave curve it is the time average of
//! the slices). Each pod adds its term, in integer ppm, to its node when it starts and removes
//! the same integer when it ends, so node, hall and site sums stay exact. A GPU counts as
//! allocated while at least one pod holds a share of it (a count per GPU), and the site keeps
//! Σ shares held (`allocated_milli`) for the fractional allocation utilization.

use std::io::Write;

use bevy_ecs::prelude::World;

use super::Simulation;
use crate::metrics::SiteLoad;
use crate::model::compute::{AcceleratorState, Topology};
use crate::model::scheduler::{PoolShape, Shares};
use crate::model::workload::{Job, JobSlot};
use crate::scenario::{Scenario, Trace};

/// The share allocator of a scenario whose trace places by shares.
pub(super) fn allocator(sc: &Scenario, topo: &Topology, trace: &Trace) -> Shares {
    let pools = topo
        .pools
        .iter()
        .enumerate()
        .map(|(t, nodes)| {
            let cap = sc.node_list.as_ref().and_then(|l| l.capacity.get(t).copied());
            let model = match &sc.node_list {
                Some(l) => l.type_models.get(t).cloned().unwrap_or_default(),
                None => sc.devices[sc.node_types[t].device].spec.id.clone(),
            };
            PoolShape {
                nodes: nodes.clone(),
                per_node: sc.node_types[t].accelerators,
                cpu_milli: cap.map(|c| c.0),
                memory_mib: cap.map(|c| c.1),
                model,
            }
        })
        .collect();
    Shares::new(pools, topo.nodes.len(), &trace.specs)
}

/// The dynamic power term of one pod on one GPU, ppm: its share of the slices at its f(u).
fn share_ppm(job: &Job) -> u64 {
    job.dyn_ppm * job.request.gpu_milli as u64 / 1000
}

/// Applies (or removes) a pod's load: per GPU its share of power, per node and hall the GPUs it
/// newly occupies (or frees), and the site's sums. `pods` counts pods per GPU. O(GPUs of the pod).
pub(super) fn apply_share_load(world: &mut World, topo: &Topology, pods: &mut [u16], job: &Job, add: bool, now: u64) {
    let milli = job.request.gpu_milli as u64;
    let mut delta_mw = 0i64;
    let (mut changed, mut gpus) = (0u32, 0u64);
    for &(node, mask) in &job.alloc {
        if mask == 0 {
            continue;
        }
        let info = topo.nodes[node as usize];
        let mut bits = mask;
        let mut node_changed = 0;
        while bits != 0 {
            let slot = bits.trailing_zeros();
            bits &= bits - 1;
            let g = (info.first_accelerator + slot) as usize;
            let before = pods[g];
            pods[g] = if add { before + 1 } else { before - 1 };
            if (before == 0) != (pods[g] == 0) {
                node_changed += 1;
                let e = topo.accelerators[g];
                if let Some(mut st) = world.get_mut::<AcceleratorState>(e) {
                    *st = if add {
                        AcceleratorState { job: Some(job.id), utilization_bp: job.utilization_bp }
                    } else {
                        AcceleratorState::default()
                    };
                }
            }
        }
        let count = mask.count_ones();
        gpus += count as u64;
        changed += node_changed;
        delta_mw += super::change_node_load(world, topo, info, node_changed, count as u64 * share_ppm(job), add, now);
    }
    let mut site = world.resource_mut::<SiteLoad>();
    site.it_power_mw += delta_mw;
    let busy = gpus * (milli * job.utilization_bp as u64 / 1000);
    if add {
        site.allocated += changed as u64;
        site.allocated_milli += gpus * milli;
        site.busy_bp += busy;
    } else {
        site.allocated -= changed as u64;
        site.allocated_milli -= gpus * milli;
        site.busy_bp -= busy;
    }
}

impl<W: Write> Simulation<'_, W> {
    /// Applies (or removes) a running job's load, by shares or by whole accelerators.
    pub(super) fn apply_job_load(&mut self, slot: JobSlot, add: bool) {
        let job = self.jobs.get(slot);
        match self.share_pods.as_mut() {
            Some(pods) => apply_share_load(&mut self.world, &self.topo, pods, job, add, self.now),
            None => super::apply_load(&mut self.world, &self.topo, job, add, self.now),
        }
    }

    /// Accelerator-ms a job held over `dt_ms`: its allocated accelerators, or under shares its
    /// GPUs x share.
    pub(super) fn held_ms(&self, job: &Job, dt_ms: u64) -> u128 {
        let ms = job.allocated as u128 * dt_ms as u128;
        if self.share_pods.is_some() { ms * job.request.gpu_milli as u128 / 1000 } else { ms }
    }

    /// The share allocator agrees with its indexes (a scan, for tests; true without shares).
    pub(super) fn shares_consistent(&self) -> bool {
        self.cluster.shares().is_none_or(Shares::consistent)
    }
}
