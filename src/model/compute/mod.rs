//! Compute: the halls, racks, nodes and accelerators of a center, their power models, and the
//! IT load that job starts and ends put on them.
//!
//! ## How it works
//! [`build`] spawns one entity per hall, with its [`Hall`] and [`HallLoad`] components (the
//! sampling systems query them: [`sample::sample_power`] and the facility read each hall's mean
//! IT power), and inserts three resources: the [`Topology`] (a dense table of nodes: hall, node
//! type, power model, first accelerator, entry into service), the [`NodeLoads`] (one row per
//! node) and the site totals ([`SiteLoad`]). Nodes and accelerators are rows of dense tables,
//! not entities: nothing iterates them, and a job reaches its nodes by index in O(job size).
//! Each node keeps its load; each hall and the site keep the sums of their nodes' power and
//! allocations, updated by deltas ([`load::ComputeLoad`]), so aggregates are exact integers
//! and nothing is rescanned.

pub mod load;
pub mod power;
pub mod sample;
pub mod summary;

use bevy_ecs::prelude::*;

use self::power::NodePowerModel;
use crate::config::{CoolingKind, Scenario};
use crate::model::facility::immersed;
use crate::model::workload::Life;
use crate::time::Clock;
use crate::time::queue::Event;

pub use load::{ComputeLoad, ShareLoad, SiteLoad};

/// A machine hall (an entity; its load is a [`HallLoad`] beside it).
#[derive(Component, Debug)]
pub struct Hall {
    /// Index in the scenario.
    pub index: u32,
}

/// Aggregates of a hall, kept by deltas, with the exact integral of its IT power (bounded as
/// [`crate::scenario::bounds`] shows: no sum overflows).
#[derive(Component, Debug, Default, Clone, Copy, PartialEq)]
pub struct HallLoad {
    /// IT power, mW.
    pub it_power_mw: i64,
    /// Accelerators allocated.
    pub allocated: u64,
    /// Accelerators installed.
    pub installed: u64,
    /// Time of the last integration, ms.
    pub last_ms: u64,
    /// ∫ IT power dt, mW·ms.
    pub energy_mw_ms: i128,
    /// The integral at the previous sample.
    pub sampled_mw_ms: i128,
}

impl HallLoad {
    /// Integrates the hall's power up to `now_ms`.
    pub fn advance(&mut self, now_ms: u64) {
        if now_ms > self.last_ms {
            self.energy_mw_ms += self.it_power_mw as i128 * (now_ms - self.last_ms) as i128;
            self.last_ms = now_ms;
        }
    }
}

/// Load and power of a node.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct NodeLoad {
    /// Accelerators allocated.
    pub allocated: u32,
    /// Sum of f(u) of its accelerators, ppm.
    pub dyn_ppm: u64,
    /// Wall power, mW.
    pub power_mw: i64,
    /// The server fans' share of it, mW.
    pub fans_mw: i64,
}

/// The load of every node, by node index (a resource).
#[derive(Resource, Debug, Default)]
pub struct NodeLoads(pub Vec<NodeLoad>);

/// Where a node sits.
#[derive(Debug, Clone, Copy)]
pub struct NodeInfo {
    /// Its hall's entity.
    pub hall: Entity,
    /// Node type index (also its placement pool).
    pub node_type: u16,
    /// Index of its power model in [`Topology::models`] (node type as installed in its hall).
    pub model: u16,
    /// Index of its hall.
    pub hall_index: u16,
    /// Index of its first accelerator (accelerators are numbered node by node).
    pub first_accelerator: u32,
    /// When it enters service, ms (0: from the start).
    pub in_service_ms: u64,
}

/// The equipment of a center as dense tables, static after [`build`] (a resource).
#[derive(Resource, Debug)]
pub struct Topology {
    /// Hall entities, by hall index.
    pub halls: Vec<Entity>,
    /// Nodes, in hall and rack order.
    pub nodes: Vec<NodeInfo>,
    /// Accelerators installed (in service or not).
    pub accelerators: u32,
    /// Power models: one per node type as installed in each kind of hall that holds it (its
    /// fans follow the hall's air share; none under immersion), shared by the halls that
    /// install it alike. Nodes find theirs by [`NodeInfo::model`].
    pub models: Vec<NodePowerModel>,
    /// The accelerator power curve of each node type.
    pub curves: Vec<crate::config::PowerCurve>,
    /// Node indices per node type, in hall/rack order.
    pub pools: Vec<Vec<u32>>,
    /// Accelerators per node of each node type.
    pub per_node: Vec<u32>,
    /// Rack groups that enter service after the start: (time ms, first node, nodes), nodes
    /// contiguous, in scenario order.
    pub later: Vec<(u64, u32, u32)>,
}

impl Topology {
    /// Accelerators of node `n`.
    pub fn accelerators_of(&self, n: u32) -> u32 {
        self.per_node[self.nodes[n as usize].node_type as usize]
    }

    /// The power model of node `n` as installed.
    pub fn model_of(&self, n: u32) -> &NodePowerModel {
        &self.models[self.nodes[n as usize].model as usize]
    }
}

/// Builds the compute equipment of a scenario into the world: hall entities, the [`Topology`],
/// the [`NodeLoads`] and the [`SiteLoad`]. Every node in service starts idle; a node of a rack
/// group that enters service later draws nothing and counts in no hall until then (see
/// [`Topology::later`]).
pub fn build(world: &mut World, sc: &Scenario) {
    // One model per (node type, immersed, air share) that some hall installs, in hall order.
    let mut keys: Vec<(usize, bool, u64)> = Vec::new();
    let mut models = Vec::new();
    let mut hall_models: Vec<Vec<usize>> = Vec::new();
    for hall in &sc.halls {
        let mut per_group = Vec::new();
        for g in &hall.racks {
            let key = (g.node_type, hall.cooling.kind == CoolingKind::Immersion, hall.cooling.air_share().to_bits());
            let m = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                models.push(installed_model(sc, hall, g.node_type));
                models.len() - 1
            });
            per_group.push(m);
        }
        hall_models.push(per_group);
    }
    let idle_mw: Vec<(i64, i64)> = models.iter().map(|m| m.power_fans_mw(0, 0)).collect();
    let mut topo = Topology {
        halls: Vec::new(),
        nodes: Vec::new(),
        accelerators: 0,
        models,
        curves: sc.node_types.iter().map(|n| n.curve).collect(),
        pools: vec![Vec::new(); sc.node_types.len()],
        per_node: sc.node_types.iter().map(|n| n.accelerators).collect(),
        later: Vec::new(),
    };
    let mut loads = Vec::new();
    let (mut total_mw, mut fans_mw) = (0, 0);
    for (hi, hall) in sc.halls.iter().enumerate() {
        let h = world.spawn(Hall { index: hi as u32 }).id();
        let mut load = HallLoad::default();
        for (gi, g) in hall.racks.iter().enumerate() {
            let nt = &sc.node_types[g.node_type];
            let model = hall_models[hi][gi];
            let later = g.in_service_ms > 0;
            if later {
                topo.later.push((g.in_service_ms, topo.nodes.len() as u32, g.count * g.nodes));
            }
            for _ in 0..g.count * g.nodes {
                let index = topo.nodes.len() as u32;
                let (power_mw, node_fans_mw) = if later { (0, 0) } else { idle_mw[model] };
                fans_mw += node_fans_mw;
                loads.push(NodeLoad { allocated: 0, dyn_ppm: 0, power_mw, fans_mw: node_fans_mw });
                topo.nodes.push(NodeInfo {
                    hall: h,
                    node_type: g.node_type as u16,
                    model: model as u16,
                    hall_index: hi as u16,
                    first_accelerator: topo.accelerators,
                    in_service_ms: g.in_service_ms,
                });
                topo.accelerators += nt.accelerators;
                topo.pools[g.node_type].push(index);
                load.it_power_mw += power_mw;
                if !later {
                    load.installed += nt.accelerators as u64;
                }
            }
        }
        total_mw += load.it_power_mw;
        world.entity_mut(h).insert(load);
        topo.halls.push(h);
    }
    world.insert_resource(topo);
    world.insert_resource(NodeLoads(loads));
    world.insert_resource(SiteLoad {
        it_power_mw: total_mw,
        fans_mw,
        installed: sc.accelerators_in_service_at(0),
        max_it_power_mw: total_mw,
        min_it_power_mw: total_mw,
        ..Default::default()
    });
}

/// The power model of a node type as installed in a hall: no fans under immersion, fans that
/// follow the hall's air share otherwise.
pub fn installed_model(sc: &Scenario, hall: &crate::config::Hall, node_type: usize) -> NodePowerModel {
    let nt = &sc.node_types[node_type];
    NodePowerModel::new(&immersed(nt, hall.cooling.kind), &sc.devices[nt.device], hall.cooling.air_share())
}

/// The power model of a node type in an air-cooled hall (its design as built).
pub fn air_model(sc: &Scenario, node_type: usize) -> NodePowerModel {
    let nt = &sc.node_types[node_type];
    NodePowerModel::new(nt, &sc.devices[nt.device], 1.0)
}

/// The largest job (accelerators) any pool of identical nodes can hold.
pub fn largest_job(sc: &Scenario) -> u64 {
    let mut per_type = vec![0u64; sc.node_types.len()];
    for (g, nt) in sc.halls.iter().flat_map(|h| h.racks.iter()).map(|g| (g, &sc.node_types[g.node_type])) {
        per_type[g.node_type] += g.count as u64 * g.nodes as u64 * nt.accelerators as u64;
    }
    per_type.into_iter().max().unwrap_or(0)
}

/// Total over all nodes of a power figure of each node's installed model, W.
fn sum_nodes(sc: &Scenario, f: impl Fn(&NodePowerModel) -> f64) -> f64 {
    sc.halls
        .iter()
        .flat_map(|h| h.racks.iter().map(move |g| (h, g)))
        .map(|(h, g)| g.count as f64 * g.nodes as f64 * f(&installed_model(sc, h, g.node_type)))
        .sum()
}

/// IT design power: every node at full utilization, W.
pub fn it_design_w(sc: &Scenario) -> f64 {
    sum_nodes(sc, NodePowerModel::max_w)
}

/// IT power with nothing allocated, W.
pub fn it_idle_w(sc: &Scenario) -> f64 {
    sum_nodes(sc, NodePowerModel::idle_w)
}

/// Holds the rack groups that enter service later out of placement until then, and queues
/// the event of each entry within the horizon.
pub fn schedule_entries(topo: &Topology, cluster: &mut crate::model::scheduler::Cluster, clock: &mut Clock) {
    for (g, &(t, first, count)) in topo.later.iter().enumerate() {
        for n in first..first + count {
            cluster.withhold(topo.nodes[n as usize].node_type as usize, n);
        }
        if t <= clock.horizon_ms {
            clock.push(t, Event::InService { group: g as u16 });
        }
    }
}

/// A rack group enters service: its nodes join placement and start drawing idle power.
pub fn on_in_service(life: &mut Life, group: usize) {
    let now = life.now();
    let mut joined = Vec::new();
    life.load.commission(group, now, &mut joined);
    for (pool, n) in joined {
        life.sched.cluster.commission(pool, n);
    }
    life.request_schedule();
}
