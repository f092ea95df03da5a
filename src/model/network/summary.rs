//! The `network` section of summary.json (runs with a `[network]` section).

use serde::{Deserialize, Serialize};

/// `network` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkSummary {
    /// "rail-optimized" or "fat-tree".
    pub fabric: String,
    /// Switch tiers.
    pub tiers: u32,
    /// Pods (scalable units).
    pub pods: u64,
    /// Nodes per pod.
    pub pod_nodes: u32,
    /// Leaf switches.
    pub leaf_switches: u64,
    /// Spine (2 tiers) or aggregation (3 tiers) switches.
    pub spine_switches: u64,
    /// Core switches (3 tiers).
    pub core_switches: u64,
    /// Switch ports in use, each with an optic.
    pub switch_ports: u64,
    /// Switch and optics power (constant, part of IT power), kW.
    pub switch_power_kw: f64,
    /// Switch and optics energy over the horizon (part of IT energy), kWh.
    pub energy_kwh: f64,
    /// Job starts (restarts after failures included).
    pub jobs_placed: u64,
    /// Jobs whose placement spanned several pods (traffic across the spine).
    pub jobs_crossing_spine: u64,
    /// Accelerator-time weighted mean exposed-communication fraction of a step, work-defined training jobs.
    pub exposed_comm_fraction_mean: f64,
    /// Accelerator-time weighted mean step time over the ideal placement's, work-defined training jobs (>= 1).
    pub slowdown_mean: f64,
    /// Times bandwidth sharing changed a job's speed.
    pub rate_changes: u64,
}
