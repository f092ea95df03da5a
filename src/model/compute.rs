//! Compute equipment as ECS entities: halls, racks, nodes and accelerators, with parent links,
//! plus the per-node load state that job starts and ends update.
//!
//! ## How it works
//! [`spawn`] creates one entity per hall, rack, node and accelerator and a [`Topology`]
//! resource that maps dense indices to entities, so an event handler reaches the equipment of a
//! job in O(job size), never by scanning. Each node keeps its load ([`NodeLoad`]); each hall
//! keeps the sum of its nodes' power and allocations ([`HallLoad`]), updated by deltas.

use bevy_ecs::prelude::*;

use super::facility::immersed;
use super::power::NodePowerModel;
use crate::scenario::{CoolingKind, Scenario};

/// A machine hall.
#[derive(Component, Debug)]
pub struct Hall {
    /// Index in the scenario.
    pub index: u32,
}

/// A rack, child of a hall.
#[derive(Component, Debug)]
pub struct Rack {
    /// Dense rack index.
    pub index: u32,
    /// Its hall.
    pub hall: Entity,
    /// Design power, W.
    pub power_limit_w: Option<f64>,
}

/// A server node, child of a rack.
#[derive(Component, Debug)]
pub struct Node {
    /// Dense node index.
    pub index: u32,
    /// Its rack.
    pub rack: Entity,
    /// Index of its node type.
    pub node_type: u16,
}

/// An accelerator, child of a node.
#[derive(Component, Debug)]
pub struct Accelerator {
    /// Its node.
    pub node: Entity,
    /// Slot within the node.
    pub slot: u8,
}

/// What an accelerator is doing.
#[derive(Component, Debug, Default, Clone, Copy, PartialEq)]
pub struct AcceleratorState {
    /// The job holding it (job id), if any.
    pub job: Option<u64>,
    /// Utilization while held, parts per ten thousand.
    pub utilization_bp: u16,
}

/// Load and power of a node.
#[derive(Component, Debug, Default, Clone, Copy, PartialEq)]
pub struct NodeLoad {
    /// Accelerators allocated.
    pub allocated: u32,
    /// Sum of f(u) of its accelerators, ppm.
    pub dyn_ppm: u64,
    /// Wall power, mW.
    pub power_mw: i64,
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

/// Where a node sits.
#[derive(Debug, Clone, Copy)]
pub struct NodeInfo {
    /// The node entity.
    pub entity: Entity,
    /// Hall entity.
    pub hall: Entity,
    /// Node type index (also its placement pool).
    pub node_type: u16,
    /// Index of its power model in [`Topology::models`] (node type as installed in its hall).
    pub model: u16,
    /// Index of its hall.
    pub hall_index: u16,
    /// Index of its first accelerator in [`Topology::accelerators`].
    pub first_accelerator: u32,
    /// When it enters service, ms (0: from the start).
    pub in_service_ms: u64,
}

/// Dense index -> entity maps and per-type power models. Static after [`spawn`]; kept outside
/// the World so that handlers can read it while they mutate components.
#[derive(Debug)]
pub struct Topology {
    /// Hall entities.
    pub halls: Vec<Entity>,
    /// Rack entities.
    pub racks: Vec<Entity>,
    /// Nodes.
    pub nodes: Vec<NodeInfo>,
    /// Accelerator entities, node by node.
    pub accelerators: Vec<Entity>,
    /// Power models: per node type, and again without fans for immersion halls
    /// (index node_type * 2 + immersed).
    pub models: Vec<NodePowerModel>,
    /// Node indices per node type, in hall/rack order.
    pub pools: Vec<Vec<u32>>,
    /// Rack groups that enter service after the start: (time ms, first node, nodes), nodes
    /// contiguous, in scenario order.
    pub later: Vec<(u64, u32, u32)>,
}

/// Spawns the equipment of a scenario. Returns its [`Topology`] and the total idle IT power, mW
/// (every node in service starts idle; a node of a rack group that enters service later
/// draws nothing and counts in no hall until then: see [`Topology::later`]).
pub fn spawn(world: &mut World, sc: &Scenario) -> (Topology, i64) {
    let models: Vec<NodePowerModel> = sc
        .node_types
        .iter()
        .flat_map(|nt| [CoolingKind::Air, CoolingKind::Immersion].map(|k| NodePowerModel::new(&immersed(nt, k), &sc.devices[nt.device])))
        .collect();
    let idle_mw: Vec<i64> = models.iter().map(|m| m.power_mw(0, 0)).collect();
    let mut topo = Topology {
        halls: Vec::new(),
        racks: Vec::new(),
        nodes: Vec::new(),
        accelerators: Vec::new(),
        models,
        pools: vec![Vec::new(); sc.node_types.len()],
        later: Vec::new(),
    };
    let mut total_mw = 0;
    for (hi, hall) in sc.halls.iter().enumerate() {
        let h = world.spawn(Hall { index: hi as u32 }).id();
        let mut load = HallLoad::default();
        for g in &hall.racks {
            let nt = &sc.node_types[g.node_type];
            let model = model_index(g.node_type, hall.cooling.kind);
            let later = g.in_service_ms > 0;
            if later {
                topo.later.push((g.in_service_ms, topo.nodes.len() as u32, g.count * g.nodes));
            }
            for _ in 0..g.count {
                let rack = world.spawn(Rack { index: topo.racks.len() as u32, hall: h, power_limit_w: g.power_limit_w }).id();
                topo.racks.push(rack);
                for _ in 0..g.nodes {
                    let index = topo.nodes.len() as u32;
                    let power_mw = if later { 0 } else { idle_mw[model] };
                    let node = world
                        .spawn((Node { index, rack, node_type: g.node_type as u16 }, NodeLoad { allocated: 0, dyn_ppm: 0, power_mw }))
                        .id();
                    let first = topo.accelerators.len() as u32;
                    for slot in 0..nt.accelerators {
                        let a = world.spawn((Accelerator { node, slot: slot as u8 }, AcceleratorState::default())).id();
                        topo.accelerators.push(a);
                    }
                    topo.nodes.push(NodeInfo {
                        entity: node,
                        hall: h,
                        node_type: g.node_type as u16,
                        model: model as u16,
                        hall_index: hi as u16,
                        first_accelerator: first,
                        in_service_ms: g.in_service_ms,
                    });
                    topo.pools[g.node_type].push(index);
                    load.it_power_mw += power_mw;
                    if !later {
                        load.installed += nt.accelerators as u64;
                    }
                }
            }
        }
        total_mw += load.it_power_mw;
        world.entity_mut(h).insert(load);
        topo.halls.push(h);
    }
    (topo, total_mw)
}

/// Index in [`Topology::models`] of a node type installed in a hall with this cooling.
pub fn model_index(node_type: usize, kind: CoolingKind) -> usize {
    node_type * 2 + usize::from(kind == CoolingKind::Immersion)
}

/// The power model of a node type as installed in a hall.
pub fn installed_model(sc: &Scenario, hall: &crate::scenario::Hall, node_type: usize) -> NodePowerModel {
    let nt = &sc.node_types[node_type];
    NodePowerModel::new(&immersed(nt, hall.cooling.kind), &sc.devices[nt.device])
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
