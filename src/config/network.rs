//! The network fabric (`[network]`) and the work of a job class that defines its duration
//! (`work = { ... }`).

/// Kinds of fabric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FabricKind {
    /// One leaf per rail per scalable unit (DGX SuperPOD).
    RailOptimized,
    /// A k-ary fat-tree (Clos) of 2 or 3 tiers.
    FatTree,
}

impl FabricKind {
    /// Names as written in scenarios.
    pub const ALL: [(FabricKind, &'static str); 2] = [(FabricKind::RailOptimized, "rail-optimized"), (FabricKind::FatTree, "fat-tree")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        FabricKind::ALL.iter().find(|(k, _)| *k == self).map_or("fat-tree", |(_, n)| n)
    }
}

/// The resolved `[network]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Fabric kind.
    pub fabric: FabricKind,
    /// Switch tiers (2 or 3).
    pub tiers: u32,
    /// Ports per switch.
    pub radix: u32,
    /// Switch port speed, bits/s.
    pub link_bps: f64,
    /// NIC bandwidth per accelerator, bits/s.
    pub nic_bps: f64,
    /// Downlink:uplink ratio at each upper tier (tiers - 1 entries), >= 1.
    pub oversubscription: Vec<f64>,
    /// Nodes per pod / scalable unit.
    pub pod_nodes: u32,
    /// Nodes per fast domain.
    pub domain_nodes: u32,
    /// Fast-domain bandwidth per accelerator per direction, bits/s.
    pub domain_bps: f64,
    /// Per-step latency (domain, leaf, spine), s.
    pub latency_s: [f64; 3],
    /// Switch power without optics, W.
    pub switch_w: f64,
    /// Optic power per used switch port, W.
    pub optic_w: f64,
}

/// A class's resolved work.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// Model parameters N.
    pub params: f64,
    /// Tokens D.
    pub tokens: f64,
    /// Tokens per step.
    pub batch_tokens: f64,
    /// FLOPs per parameter per token: 6 (training) or 2 (inference).
    pub flops_per_param_token: f64,
    /// Precision name.
    pub precision: String,
    /// Dense peak of one accelerator at that precision, FLOP/s.
    pub peak_flops: f64,
    /// Compute-phase efficiency (fraction of peak).
    pub mfu: f64,
    /// Gradient bytes per parameter (0 for inference: no gradient all-reduce).
    pub gradient_bytes: f64,
    /// Hidden fraction of the all-reduce.
    pub overlap: f64,
}

impl Work {
    /// Total model FLOPs: flops_per_param_token x N x D.
    pub fn flops(&self) -> f64 {
        self.flops_per_param_token * self.params * self.tokens
    }
}
