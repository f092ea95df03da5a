//! The network: fabric topology, switch power, the structure of a job's placement, collective
//! times and their effect on the speed of work-defined training jobs.
//!
//! ## How it works
//! **Topology.** Nodes, in hall and rack order, form fast domains of `domain_nodes` (NVLink or
//! HCCS inside a node or an NVL72-like rack) and pods of `pod_nodes` (a DGX SuperPOD scalable
//! unit of 32 nodes on rail-optimized fabrics; the nodes under one leaf, or one aggregation
//! block of k/2 leaves, on fat-trees). Every accelerator has a NIC of `nic` bandwidth.
//! **Switches** ([`switch_counts`]): a leaf of radix k at downlink:uplink ratio o has
//! d = floor(k o / (1 + o)) downlinks and k - d uplinks. Rail-optimized: one leaf per rail
//! (accelerator of a node) per scalable unit; fat-tree: ceil(endpoints / d) leaves. Two tiers:
//! ceil(leaves (k - d) / k) spines, at most k leaves (k²/2 endpoints at 1:1, BRIEF §7). Three
//! tiers: aggregation switches with their own ratio, then ceil(aggs u2 / k) cores, at most k²/2
//! leaves (k³/4 endpoints at 1:1). Check: 4 SUs of 32 DGX H100 at k = 64 give 32 leaves and 16
//! spines, as in the SuperPOD reference architecture (BRIEF §7). **Power**: switches x
//! `switch_power` plus one optic (`optic_power`) per used switch port (NIC-side optics are in the
//! node's `nic_power`); a constant load added to IT power, spread over halls by node count.
//!
//! **A job's structure** ([`Shape`]): nodes, domains and pods spanned, and the highest tier its
//! traffic crosses: the domain, a leaf (one pod), or the spine (several pods).
//!
//! **Step time.** A work-defined training job of n accelerators computes a step of B tokens in
//! t_c = 6 N B / (n peak mfu) (Kaplan et al. 2020) and all-reduces S = N x gradient_bytes with
//! the hierarchical algorithm ([`collectives::hierarchical_allreduce_s`]): inside each domain over
//! its bandwidth, across domains over the NICs with the alpha of the highest tier crossed. The
//! exposed part is x = (1 - overlap) T_allreduce; the step takes t_c + x. Its duration is fixed
//! at submission for the ideal placement (the fewest domains, inside one pod if it fits, no
//! contention): steps (t_c + x_ideal). Placed elsewhere it runs at speed
//! (t_c + x_ideal) / (t_c + x), so a badly placed job runs longer for the same FLOPs.
//!
//! **Bandwidth sharing.** Traffic of a job spanning several pods crosses the pods' uplinks,
//! whose capacity is C_p = a_p B_link / Π o (a_p accelerators of the pod, the product over
//! every upper tier: cross-pod traffic is taken to climb to the top, conservative for pods that
//! share a spine group in a three-tier fabric). Each accelerator of such a job is taken to
//! send at its NIC rate for the inter-domain fraction of its step (its duty): demand
//! D_p = Σ_jobs a_jp B_nic duty_j. The cross-pod bandwidth of a job is
//! B_nic min(1, min over its pods of C_p / D_p): at 1:1 a pod can never be overloaded (D_p <=
//! a_p B_nic = C_p), so sharing slows jobs only on oversubscribed fabrics; in the worst case
//! (every accelerator of the pod sending) it is the static B_nic / o. This treats all cross-pod
//! traffic as leaving the pod, true of tree all-reduce and all-to-all and an upper bound for
//! rings in node order. Duration-defined jobs (traces, classes with `duration`) keep the run
//! time they were given: their network behaviour is in their measured duration.

pub mod collectives;
pub mod state;
mod summary;
mod systems;

pub use state::NetState;
pub use summary::NetworkSummary;
pub use systems::{add_switch_power, fold, retune};

use crate::config::network::{FabricKind, Network, Work};

use collectives::Level;

/// Switch counts of a fabric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwitchCounts {
    /// Leaf (tier 1) switches.
    pub leaves: u64,
    /// Spine (2 tiers) or aggregation (3 tiers) switches.
    pub spines: u64,
    /// Core switches (3 tiers).
    pub cores: u64,
    /// Switch ports in use (each with an optic).
    pub ports: u64,
}

impl SwitchCounts {
    /// Every switch.
    pub fn total(&self) -> u64 {
        self.leaves + self.spines + self.cores
    }

    /// Switch and optics power, W.
    pub fn power_w(&self, net: &Network) -> f64 {
        self.total() as f64 * net.switch_w + self.ports as f64 * net.optic_w
    }
}

/// Why a fabric cannot connect the endpoints asked of it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FabricError {
    /// The oversubscription leaves a leaf without downlinks or without uplinks.
    #[error("a leaf of {radix} ports at {oversubscription}:1 has no downlinks or no uplinks")]
    LeafPorts {
        /// Ports per switch.
        radix: u64,
        /// Downlink:uplink ratio of the leaves.
        oversubscription: f64,
    },
    /// More leaves than two tiers of this radix can join.
    #[error("{endpoints} endpoints need {leaves} leaves; 2 tiers of radix {radix} reach at most {radix} leaves ({} endpoints at 1:1, k²/2): use tiers = 3", .radix * .radix / 2)]
    TwoTiers {
        /// NICs to connect.
        endpoints: u64,
        /// Leaves they need.
        leaves: u64,
        /// Ports per switch.
        radix: u64,
    },
    /// More leaves than three tiers of this radix can join.
    #[error("{endpoints} endpoints need {leaves} leaves; 3 tiers of radix {radix} reach at most {} leaves ({} endpoints at 1:1, k³/4)", .radix * .radix / 2, .radix * .radix * .radix / 4)]
    ThreeTiers {
        /// NICs to connect.
        endpoints: u64,
        /// Leaves they need.
        leaves: u64,
        /// Ports per switch.
        radix: u64,
    },
}

/// Switches of a fabric for `nodes` nodes of `nics` accelerators (NICs) each; an error says
/// when the fabric cannot reach that many endpoints.
pub fn switch_counts(net: &Network, nodes: u64, nics: u32) -> Result<SwitchCounts, FabricError> {
    let k = net.radix as u64;
    let d1 = leaf_down_ports(net.radix, net.oversubscription[0]) as u64;
    let u1 = k - d1;
    let endpoints = nodes * nics as u64;
    if d1 == 0 || u1 == 0 {
        return Err(FabricError::LeafPorts { radix: k, oversubscription: net.oversubscription[0] });
    }
    let leaves = match net.fabric {
        FabricKind::RailOptimized => nodes.div_ceil(net.pod_nodes as u64) * nics as u64 * (net.pod_nodes as u64).div_ceil(d1),
        FabricKind::FatTree => endpoints.div_ceil(d1),
    };
    let mut c = SwitchCounts { leaves, ports: endpoints + 2 * leaves * u1, ..Default::default() };
    if net.tiers == 2 {
        if leaves > k {
            return Err(FabricError::TwoTiers { endpoints, leaves, radix: k });
        }
        c.spines = (leaves * u1).div_ceil(k);
    } else {
        let o2 = net.oversubscription.get(1).copied().unwrap_or(1.0);
        let d2 = leaf_down_ports(net.radix, o2) as u64;
        let u2 = k - d2;
        if leaves > k * k / 2 {
            return Err(FabricError::ThreeTiers { endpoints, leaves, radix: k });
        }
        c.spines = (leaves * u1).div_ceil(d2.max(1));
        c.cores = (c.spines * u2).div_ceil(k);
        c.ports += 2 * c.spines * u2;
    }
    Ok(c)
}

/// Switch and optics power of a scenario's fabric, W (0 without `[network]`).
pub fn switch_power_w(sc: &crate::config::Scenario) -> f64 {
    let Some(net) = &sc.network else { return 0.0 };
    let nics = sc.node_types.iter().map(|n| n.accelerators).max().unwrap_or(1);
    switch_counts(net, sc.nodes(), nics).map_or(0.0, |c| c.power_w(net))
}

/// The highest tier a job's traffic crosses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Inside one fast domain (NVLink/HCCS).
    #[default]
    Domain,
    /// Between domains of one pod (one leaf hop, or the rail leaves of one scalable unit).
    Leaf,
    /// Across pods (spine, core).
    Spine,
}

/// The structure of a placement.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shape {
    /// Accelerators communicating.
    pub accelerators: u32,
    /// Nodes held.
    pub nodes: u32,
    /// Fast domains spanned.
    pub domains: u32,
    /// Pods spanned.
    pub pods: u32,
    /// Highest tier crossed.
    pub tier: Tier,
}

/// The fabric as the engine sees it: node -> domain and pod, per-pod uplink capacity.
#[derive(Debug, Clone)]
pub struct Fabric {
    /// The resolved section.
    pub net: Network,
    /// Switch counts.
    pub counts: SwitchCounts,
    /// Pod of each node (global node index).
    pub pod_of_node: Vec<u32>,
    /// Accelerators per pod.
    pub pod_accelerators: Vec<u32>,
    /// Uplink capacity of each pod in NIC-rate accelerators: a_p / Π o.
    pub pod_capacity: Vec<f64>,
    /// Oversubscription product over every upper tier (what cross-pod traffic crosses).
    pub pod_oversubscription: f64,
}

impl Fabric {
    /// The fabric of a scenario with a `[network]` section (nodes in hall and rack order, each
    /// with `per_node[i]` accelerators).
    pub fn new(net: &Network, per_node: &[u32]) -> Fabric {
        let nics = per_node.iter().copied().max().unwrap_or(1);
        let counts = switch_counts(net, per_node.len() as u64, nics).unwrap_or_default();
        let pods = per_node.len().div_ceil(net.pod_nodes as usize).max(1);
        let pod_of_node: Vec<u32> = (0..per_node.len()).map(|i| (i / net.pod_nodes as usize) as u32).collect();
        let mut pod_accelerators = vec![0u32; pods];
        for (i, a) in per_node.iter().enumerate() {
            pod_accelerators[pod_of_node[i] as usize] += a;
        }
        // Cross-pod traffic is taken to climb to the top tier: every ratio on the way applies.
        let pod_oversubscription = net.oversubscription.iter().product();
        let link_over_nic = net.link_bps / net.nic_bps;
        let pod_capacity = pod_accelerators.iter().map(|a| *a as f64 * link_over_nic / pod_oversubscription).collect();
        Fabric { net: net.clone(), counts, pod_of_node, pod_accelerators, pod_capacity, pod_oversubscription }
    }

    /// Switch and optics power, W.
    pub fn power_w(&self) -> f64 {
        self.counts.power_w(&self.net)
    }

    /// Domain of a node.
    pub fn domain_of(&self, node: u32) -> u32 {
        node / self.net.domain_nodes
    }

    /// The shape of an allocation of (node, slot mask) pairs, nodes in increasing order.
    pub fn shape(&self, accelerators: u32, alloc: &[(u32, u64)]) -> Shape {
        let (mut domains, mut pods) = (0u32, 0u32);
        let (mut last_d, mut last_p) = (u32::MAX, u32::MAX);
        for &(n, _) in alloc {
            let d = self.domain_of(n);
            let p = self.pod_of_node[n as usize];
            if d != last_d {
                domains += 1;
                last_d = d;
            }
            if p != last_p {
                pods += 1;
                last_p = p;
            }
        }
        Shape { accelerators, nodes: alloc.len() as u32, domains, pods, tier: tier_of(domains, pods) }
    }

    /// The best shape `accelerators` can have on nodes of `per_node`: the fewest domains, inside
    /// one pod if they fit, else the fewest pods.
    pub fn ideal_shape(&self, accelerators: u32, per_node: u32) -> Shape {
        let nodes = accelerators.div_ceil(per_node.max(1)).max(1);
        let domains = nodes.div_ceil(self.net.domain_nodes);
        let pods = nodes.div_ceil(self.net.pod_nodes);
        Shape { accelerators, nodes, domains, pods, tier: tier_of(domains, pods) }
    }

    /// Bottleneck bandwidth per accelerator of a placement, bits/s: the minimum over the tiers it
    /// crosses of the domain bandwidth, the NIC, and across pods the NIC times the pods' uplink
    /// share (`share` = 1 / Π o when every accelerator of the pods sends: the static worst case).
    pub fn bottleneck_bps(&self, shape: &Shape, share: f64) -> f64 {
        let net = &self.net;
        match shape.tier {
            Tier::Domain => net.domain_bps,
            Tier::Leaf => net.domain_bps.min(net.nic_bps),
            Tier::Spine => net.domain_bps.min(net.nic_bps * share.clamp(0.0, 1.0)),
        }
    }

    /// Time of one gradient all-reduce of `bytes` for a shape, with the cross-pod bandwidth
    /// scaled by `share` (0-1], s; and its inter-domain part.
    pub fn allreduce_s(&self, shape: &Shape, bytes: f64, share: f64) -> (f64, f64) {
        let net = &self.net;
        let n = shape.accelerators.max(1);
        let domains = shape.domains.max(1);
        let g = n.div_ceil(domains);
        let intra = Level { ranks: g, alpha_s: net.latency_s[0], bw_bytes_per_s: net.domain_bps / 8.0 };
        if domains == 1 {
            return (collectives::ring_allreduce_s(n, bytes, intra.alpha_s, intra.bw_bytes_per_s), 0.0);
        }
        let alpha = net.latency_s[if shape.tier == Tier::Spine { 2 } else { 1 }];
        let inter = Level { ranks: domains, alpha_s: alpha, bw_bytes_per_s: self.bottleneck_bps(shape, share).min(net.nic_bps) / 8.0 };
        let total = collectives::hierarchical_allreduce_s(bytes, intra, inter);
        let inter_part = collectives::ring_allreduce_s(domains, bytes / g as f64, inter.alpha_s, inter.bw_bytes_per_s);
        (total, inter_part)
    }
}

fn tier_of(domains: u32, pods: u32) -> Tier {
    if domains <= 1 {
        Tier::Domain
    } else if pods <= 1 {
        Tier::Leaf
    } else {
        Tier::Spine
    }
}

/// Per-step times of a work-defined job on n accelerators: compute t_c and exposed communication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Step {
    /// Compute time per step, s.
    pub compute_s: f64,
    /// Exposed communication per step, s.
    pub exposed_s: f64,
    /// Inter-domain all-reduce time per step (for bandwidth demand), s.
    pub inter_s: f64,
}

impl Step {
    /// Step time, s.
    pub fn total_s(&self) -> f64 {
        self.compute_s + self.exposed_s
    }
}

/// Compute time of one step: flops_per_param_token N B / (n peak mfu), s.
pub fn compute_step_s(w: &Work, n: u32) -> f64 {
    w.flops_per_param_token * w.params * w.batch_tokens / (n.max(1) as f64 * w.peak_flops * w.mfu)
}

/// The step of a work-defined job placed as `shape` (no fabric: no communication cost).
pub fn step(w: &Work, fabric: Option<&Fabric>, shape: &Shape, share: f64) -> Step {
    let compute_s = compute_step_s(w, shape.accelerators);
    let Some(f) = fabric.filter(|_| w.gradient_bytes > 0.0) else { return Step { compute_s, ..Default::default() } };
    let (t, inter) = f.allreduce_s(shape, w.params * w.gradient_bytes, share);
    Step { compute_s, exposed_s: (1.0 - w.overlap) * t, inter_s: inter }
}

/// Duration of a work-defined job at its ideal step time: (D / B) steps x step, s. Equal to
/// FLOPs / (n peak mfu c) with c = t_c / (t_c + x) the communication factor.
pub fn duration_s(w: &Work, ideal: &Step) -> f64 {
    w.tokens / w.batch_tokens * ideal.total_s()
}

/// Downlinks of a leaf of `radix` ports at oversubscription `o` (down:up = o): floor(k o / (1 + o)).
pub fn leaf_down_ports(radix: u32, o: f64) -> u32 {
    ((radix as f64 * o / (1.0 + o)) + 1e-9).floor() as u32
}

#[cfg(test)]
mod tests;
