//! The placement core of a scenario: one pool per node type, with placement by GPU shares for
//! a trace that asks for shares of GPUs (Alibaba v2023).

use super::{Cluster, PoolShape, Shares};
use crate::config::{PolicyConfig, Scenario, Trace};
use crate::model::compute::Topology;

/// The placement core of a scenario's nodes; `classes` is the number of class labels.
pub fn cluster(sc: &Scenario, topo: &Topology, classes: usize) -> Cluster {
    let devices: Vec<usize> = sc.node_types.iter().map(|n| n.device).collect();
    let mut cluster = Cluster::new(&topo.pools, &topo.per_node, &devices, topo.nodes.len(), classes);
    if let Some(t) = share_trace(sc) {
        cluster.enable_shares(allocator(sc, topo, t));
    }
    if sc.scheduler.reference {
        cluster = cluster.without_caches();
    }
    if !matches!(sc.scheduler.policy, PolicyConfig::Priority { preemption: true, .. }) {
        cluster = cluster.without_victims();
    }
    cluster
}

/// The trace of a scenario if it places jobs by GPU shares.
pub fn share_trace(sc: &Scenario) -> Option<&Trace> {
    sc.trace.as_ref().filter(|t| t.shares())
}

/// The share allocator of a scenario whose trace places by shares.
fn allocator(sc: &Scenario, topo: &Topology, trace: &Trace) -> Shares {
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
