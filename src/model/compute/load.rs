//! The IT load jobs put on nodes, halls and the site, and its exact integrals.
//!
//! ## How it works
//! IT load is piecewise constant between job events, so energy, allocated accelerator-time and
//! busy accelerator-time are integrated exactly ([`SiteLoad::advance`] at every event, in
//! integer mW·ms and accelerator·ms): totals do not depend on the sampling step. A job's start
//! adds, and its end removes, the same integers on its nodes, their halls and the site
//! ([`ComputeLoad::apply_job`], O(nodes of the job)).
//!
//! Placement by GPU shares: a GPU shared by pods i at shares m_i (thousandths) and utilizations
//! u_i is time-sliced: pod i runs a fraction m_i / 1000 of the time, so the GPU's utilization is
//! Σ m_i u_i / 1000 (at most 1, as Σ m_i <= 1000) and its mean dynamic power is
//! span x Σ (m_i / 1000) f(u_i), with f the device's power curve (exact for the linear curve;
//! for a concave curve it is the time average of the slices). Each pod adds its term, in
//! integer ppm, to its node when it starts and removes the same integer when it ends, so node,
//! hall and site sums stay exact. A GPU counts as allocated while at least one pod holds a
//! share of it (a count per GPU, [`ShareLoad`]), and the site keeps Σ shares held
//! (`allocated_milli`) for the fractional allocation utilization.

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemParam;

use super::{HallLoad, NodeInfo, NodeLoads, Topology};
use crate::model::workload::Job;

/// Instantaneous site totals and their integrals since t = 0 (a resource). No sum can overflow
/// for a scenario that resolves: [`crate::scenario::bounds`] gives the argument.
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
    /// Server fans' share of the IT power, mW.
    pub fans_mw: i64,
    /// ∫ fans_mw dt, mW·ms.
    pub fans_energy_mw_ms: i128,
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
        self.fans_energy_mw_ms += self.fans_mw as i128 * dt as i128;
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
        if self.shares { wide_u(self.allocated_milli_ms) / 1000.0 } else { wide_u(self.allocated_ms) }
    }

    /// Opens the measuring window at the end of a warm-up (just after a sampling tick, to
    /// which the load is integrated): the integrals restart from zero and the power extremes
    /// from the power now.
    pub fn open_window(&mut self) {
        self.it_energy_mw_ms = 0;
        self.allocated_ms = 0;
        self.installed_ms = 0;
        self.busy_bp_ms = 0;
        self.allocated_milli_ms = 0;
        self.max_it_power_mw = self.it_power_mw;
        self.min_it_power_mw = self.it_power_mw;
    }

    /// IT energy so far, kWh.
    pub fn it_energy_kwh(&self) -> f64 {
        wide(self.it_energy_mw_ms) / 3.6e12
    }

    /// Server fan energy so far (part of the IT energy), kWh.
    pub fn fans_energy_kwh(&self) -> f64 {
        wide(self.fans_energy_mw_ms) / 3.6e12
    }
}

/// Pods holding a share of each GPU, by accelerator index (a resource present only under
/// placement by shares).
#[derive(Resource, Debug, Default)]
pub struct ShareLoad(pub Vec<u16>);

/// What a change of IT load touches: the node table, the node, hall and site aggregates, and
/// the share counts under placement by shares.
#[derive(SystemParam)]
pub struct ComputeLoad<'w, 's> {
    /// The equipment.
    pub topo: Res<'w, Topology>,
    /// Node loads.
    pub nodes: ResMut<'w, NodeLoads>,
    /// Site totals.
    pub site: ResMut<'w, SiteLoad>,
    /// Hall totals.
    pub halls: Query<'w, 's, &'static mut HallLoad>,
    /// Pods per GPU under placement by shares.
    pub shares: Option<ResMut<'w, ShareLoad>>,
}

impl ComputeLoad<'_, '_> {
    /// Applies (or removes) a running job's load, by shares or by whole accelerators.
    pub fn apply_job(&mut self, job: &Job, add: bool, now: u64) {
        if self.shares.is_some() { self.apply_shares(job, add, now) } else { self.apply_whole(job, add, now) }
    }

    /// Accelerator-ms a job held over `dt_ms`: its allocated accelerators, or under shares its
    /// GPUs x share.
    pub fn held_ms(&self, job: &Job, dt_ms: u64) -> u128 {
        let ms = job.allocated as u128 * dt_ms as u128;
        if self.shares.is_some() { ms * job.request.gpu_milli as u128 / 1000 } else { ms }
    }

    /// Whether jobs are placed by GPU shares.
    pub fn by_shares(&self) -> bool {
        self.shares.is_some()
    }

    /// A job's load on its nodes, their halls and the site. A whole-node job's requested
    /// accelerators are spread evenly over its nodes; the rest of what it holds is allocated
    /// but idle. O(nodes of the job).
    fn apply_whole(&mut self, job: &Job, add: bool, now: u64) {
        let m = (job.alloc.len() as u32).max(1);
        let (base, extra) = (job.requested / m, job.requested % m);
        let mut delta_mw = 0i64;
        let mut batch = HallBatch::default();
        for (i, &(node, mask)) in job.alloc.iter().enumerate() {
            let count = mask.count_ones();
            let active = (base + u32::from((i as u32) < extra)).min(count);
            delta_mw += self.node_step(node, count, active as u64 * job.dyn_ppm, add, now, &mut batch);
        }
        self.flush_hall(&mut batch, now);
        let site = &mut self.site;
        site.it_power_mw += delta_mw;
        let busy = job.requested as u64 * job.utilization_bp as u64;
        if add {
            site.allocated += job.allocated as u64;
            site.busy_bp += busy;
        } else {
            site.allocated -= job.allocated as u64;
            site.busy_bp -= busy;
        }
    }

    /// A pod's load: per GPU its share of power, per node and hall the GPUs it newly occupies
    /// (or frees), and the site's sums. O(GPUs of the pod).
    fn apply_shares(&mut self, job: &Job, add: bool, now: u64) {
        let milli = job.request.gpu_milli as u64;
        let share_ppm = job.dyn_ppm * milli / 1000;
        let mut delta_mw = 0i64;
        let (mut changed, mut gpus) = (0u32, 0u64);
        let mut batch = HallBatch::default();
        for &(node, mask) in &job.alloc {
            if mask == 0 {
                continue;
            }
            let first = self.topo.nodes[node as usize].first_accelerator;
            let Some(pods) = self.shares.as_mut() else { return };
            let mut bits = mask;
            let mut node_changed = 0;
            while bits != 0 {
                let slot = bits.trailing_zeros();
                bits &= bits - 1;
                let g = (first + slot) as usize;
                let before = pods.0[g];
                pods.0[g] = if add { before + 1 } else { before - 1 };
                if (before == 0) != (pods.0[g] == 0) {
                    node_changed += 1;
                }
            }
            let count = mask.count_ones();
            gpus += count as u64;
            changed += node_changed;
            delta_mw += self.node_step(node, node_changed, count as u64 * share_ppm, add, now, &mut batch);
        }
        self.flush_hall(&mut batch, now);
        let site = &mut self.site;
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

    /// Adds (or removes) `allocated` accelerators and `dyn_ppm` of dynamic draw on node `n`, and
    /// its fans' change on the site; returns the node's power change, mW. The hall's share is
    /// gathered in `batch`, which is applied when the next node lies in another hall (nodes of a
    /// job are mostly contiguous, so mostly once per job) or by [`Self::flush_hall`]. The node's
    /// power model runs once per distinct (model, load) in a row: a gang's nodes mostly go from
    /// the same load to the same load.
    fn node_step(&mut self, n: u32, allocated: u32, dyn_ppm: u64, add: bool, now: u64, batch: &mut HallBatch) -> i64 {
        let info: NodeInfo = self.topo.nodes[n as usize];
        let load = &mut self.nodes.0[n as usize];
        let old_mw = load.power_mw;
        if add {
            load.allocated += allocated;
            load.dyn_ppm += dyn_ppm;
        } else {
            load.allocated -= allocated;
            load.dyn_ppm -= dyn_ppm;
        }
        let old_fans_mw = load.fans_mw;
        let key = (info.model, load.allocated, load.dyn_ppm);
        (load.power_mw, load.fans_mw) = match batch.memo {
            Some((k, power)) if k == key => power,
            _ => {
                let power = self.topo.models[info.model as usize].power_fans_mw(load.allocated, load.dyn_ppm);
                batch.memo = Some((key, power));
                power
            }
        };
        let d = load.power_mw - old_mw;
        self.site.fans_mw += load.fans_mw - old_fans_mw;
        if batch.hall != Some(info.hall) {
            self.flush_hall(batch, now);
            batch.hall = Some(info.hall);
        }
        batch.power_mw += d;
        batch.allocated += if add { allocated as i64 } else { -(allocated as i64) };
        d
    }

    /// Applies the hall change gathered in `batch` and empties it (keeping its power memo).
    fn flush_hall(&mut self, batch: &mut HallBatch, now: u64) {
        let Some(hall) = batch.hall.take() else { return };
        if let Ok(mut h) = self.halls.get_mut(hall) {
            h.advance(now);
            h.it_power_mw += batch.power_mw;
            h.allocated = h.allocated.wrapping_add_signed(batch.allocated);
        }
        (batch.power_mw, batch.allocated) = (0, 0);
    }

    /// Rack group `group` of [`Topology::later`] enters service: its nodes start drawing idle
    /// power and count as installed. Returns the (node type, node) pairs that joined.
    pub fn commission(&mut self, group: usize, now: u64, joined: &mut Vec<(usize, u32)>) {
        let (_, first, count) = self.topo.later[group];
        let mut added_mw = 0;
        let mut added = 0;
        let mut batch = HallBatch::default();
        for n in first..first + count {
            let info = self.topo.nodes[n as usize];
            let accelerators = self.topo.per_node[info.node_type as usize] as u64;
            // The node drew nothing while absent: recomputing its (empty) load gives its idle power.
            added_mw += self.node_step(n, 0, 0, true, now, &mut batch);
            if let Ok(mut hall) = self.halls.get_mut(info.hall) {
                hall.installed += accelerators;
            }
            joined.push((info.node_type as usize, n));
            added += accelerators;
        }
        self.flush_hall(&mut batch, now);
        self.site.it_power_mw += added_mw;
        self.site.installed += added;
    }
}

/// A hall's pending change while a job's nodes are updated ([`ComputeLoad::node_step`]), and
/// the last node power computed, keyed by (power model, allocated, dynamic ppm).
#[derive(Default)]
struct HallBatch {
    hall: Option<Entity>,
    power_mw: i64,
    allocated: i64,
    memo: Option<(NodeState, (i64, i64))>,
}

/// A node's (power model, allocated accelerators, dynamic ppm).
type NodeState = (u16, u32, u64);

/// `x as f64`, through `i64` when `x` fits: the same value (both conversions round the integer
/// to the nearest float, ties to even), without the software 128-bit conversion, a call of
/// about 70 instructions that the power stage made six times a tick. (`black_box` keeps the
/// optimizer from seeing that both arms convert the same number and folding them back into
/// the 128-bit call.)
#[inline]
pub fn wide(x: i128) -> f64 {
    match i64::try_from(x) {
        Ok(v) => std::hint::black_box(v) as f64,
        Err(_) => x as f64,
    }
}

/// [`wide`] for unsigned integrals.
#[inline]
pub fn wide_u(x: u128) -> f64 {
    match u64::try_from(x) {
        Ok(v) => std::hint::black_box(v) as f64,
        Err(_) => x as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_conversions_give_the_128_bit_conversion_s_value() {
        let mut xs: Vec<i128> = vec![0, 1, -1, 3, (1 << 53) + 1, -(1 << 53) - 1, i64::MAX as i128, i64::MIN as i128];
        xs.extend([i64::MAX as i128 + 1, i64::MIN as i128 - 1, 1 << 100, -(1 << 100) - 12_345, i128::MAX, i128::MIN]);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            xs.push((x as i64) as i128 >> (x % 64));
            xs.push(((x as i128) << (x % 64)) | 1);
        }
        for v in xs {
            assert_eq!(wide(v).to_bits(), (v as f64).to_bits(), "{v}");
            let u = v.unsigned_abs();
            assert_eq!(wide_u(u).to_bits(), (u as f64).to_bits(), "{u}");
        }
    }
}
