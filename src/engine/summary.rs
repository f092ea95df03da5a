//! The run summary (`summary.json`): each domain folds its own sections, in a fixed field
//! order, only reproducible numbers. Wall time, memory and host facts go to `run.json`
//! ([`RunInfo`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::compute::summary::{Capacity, Energy, IdleCapacity, Power, Utilization};
use crate::model::facility::summary::FacilitySections;
use crate::model::failures::FailuresSummary;
use crate::model::grid::systems::GridSections;
use crate::model::network::NetworkSummary;
use crate::model::scheduler::FragmentationSummary;
use crate::model::services::ServiceSummary;
use crate::model::storage::StorageSummary;
use crate::model::workload::{JobsSummary, TraceInfo};

/// `scenario` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Horizon, s.
    pub horizon_s: f64,
    /// Sampling step, s.
    pub step_s: f64,
    /// Scheduling policy.
    pub scheduler: String,
    /// Warm-up before the measuring window, s (0: none).
    #[serde(default)]
    pub warmup_s: f64,
}

/// The whole summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// What ran.
    pub scenario: ScenarioInfo,
    /// What is installed (compute).
    pub capacity: Capacity,
    /// Job outcomes (workload).
    pub jobs: JobsSummary,
    /// Utilization (compute; the network adds MFU).
    pub utilization: Utilization,
    /// Idle capacity (compute).
    pub idle_capacity: IdleCapacity,
    /// Energy (compute; the facility and network add their parts).
    pub energy: Energy,
    /// Power (compute).
    pub power: Power,
    /// PUE, WUE, CUE, water, free cooling, thermal (facility; absent without one).
    #[serde(flatten)]
    pub facility: FacilitySections,
    /// Cost, carbon and battery (grid; absent without a `[grid]` section).
    #[serde(flatten)]
    pub grid: GridSections,
    /// Calibrated devices (absent without calibration, so such outputs are unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<crate::model::workload::CalibrationUse>,
    /// Failures, interruptions and checkpoints (absent without `[failures]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<FailuresSummary>,
    /// Checkpoints through storage, its utilization and energy (absent without `[storage]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageSummary>,
    /// Network fabric, switch power and placement figures (absent without `[network]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSummary>,
    /// Free accelerators no queued job could use (scheduler).
    #[serde(default)]
    pub fragmentation: FragmentationSummary,
    /// Inference services by name (absent without `[[services]]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, ServiceSummary>,
    /// The replayed trace: what was read and what was not (absent without `[workload.trace]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceInfo>,
    /// Capital, cash flows, NPV, IRR, payback and levelised cost (absent without `[finance]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finance: Option<crate::model::finance::FinanceSummary>,
    /// The rules a Chinese center is held to, the run's figure beside each limit (with `[finance]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance: Option<BTreeMap<String, crate::model::finance::policy::RuleCheck>>,
}

/// Non-reproducible facts of a run (`run.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// aidc version.
    pub version: String,
    /// Events processed.
    pub events: u64,
    /// Sampling ticks.
    pub samples: u64,
    /// Wall time of the simulation loop, s.
    pub wall_s: f64,
    /// Events per wall second.
    pub events_per_s: f64,
    /// Peak resident memory of the process, MB (VmHWM; absent where unknown).
    pub peak_memory_mb: Option<f64>,
    /// Most live job slots at once.
    pub peak_live_jobs: u64,
    /// Host name.
    pub host: String,
    /// OS and architecture.
    pub platform: String,
    /// Logical CPUs.
    pub cpus: u64,
}
