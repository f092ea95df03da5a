//! The run summary (`summary.json`): fixed field order, only reproducible numbers. Wall time,
//! memory and host facts go to `run.json` ([`RunInfo`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SiteLoad;
use super::histogram::LogHistogram;

/// Relative precision of wait and completion-time percentiles.
pub const PERCENTILE_PRECISION: f64 = 0.01;

/// Distribution of a duration, seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Jobs counted.
    pub count: u64,
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Exact maximum.
    pub max: f64,
}

impl Percentiles {
    /// From a histogram of ms.
    pub fn of(h: &LogHistogram) -> Percentiles {
        let s = |ms: f64| (ms / 1000.0 * 1000.0).round() / 1000.0;
        Percentiles {
            count: h.count(),
            mean: s(h.mean_ms()),
            p50: s(h.quantile_ms(0.5)),
            p95: s(h.quantile_ms(0.95)),
            p99: s(h.quantile_ms(0.99)),
            max: s(h.max_ms() as f64),
        }
    }
}

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
}

/// `capacity` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// Accelerators installed.
    pub accelerators: u64,
    /// Nodes.
    pub nodes: u64,
    /// Racks.
    pub racks: u64,
    /// Halls.
    pub halls: u64,
    /// Dense FP16 peak, PFLOPS.
    pub peak_pflops_fp16: f64,
    /// Dense peak by precision, PFLOPS.
    pub peak_pflops: BTreeMap<String, f64>,
    /// Accelerators by model.
    pub accelerators_by_model: BTreeMap<String, u64>,
    /// IT power with every accelerator at full utilization, kW.
    pub it_design_kw: f64,
    /// IT power with nothing allocated, kW.
    pub it_idle_kw: f64,
}

/// Per-class job figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// Submitted.
    pub submitted: u64,
    /// Completed.
    pub completed: u64,
    /// Rejected.
    pub rejected: u64,
    /// Accelerator-hours allocated to the class within the horizon.
    pub accelerator_hours: f64,
    /// Waits of started jobs, s.
    pub wait_s: Percentiles,
    /// Completion times (end - submit) of completed jobs, s; `completion_s.mean` is the mean JCT.
    pub completion_s: Percentiles,
    /// Slowdown (wait + run) / run of completed jobs, run = the job's work at full speed
    /// (dimensionless, in the `Percentiles` fields).
    #[serde(default)]
    pub slowdown: Percentiles,
    /// Bounded slowdown max(1, (wait + run) / max(run, 10 s)) (Feitelson et al. 1997).
    #[serde(default)]
    pub bounded_slowdown: Percentiles,
    /// Times its jobs were preempted.
    #[serde(default)]
    pub preemptions: u64,
    /// Accelerator-hours of work its preempted jobs lost (since their last checkpoint).
    #[serde(default)]
    pub preempted_lost_accelerator_hours: f64,
}

/// `fragmentation` section: free accelerators that no queued job could use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fragmentation {
    /// Time average, over sampling ticks with a queue and free accelerators, of stranded / free,
    /// where stranded = free accelerators on nodes with fewer free slots than the smallest queued
    /// request (min(request, accelerators per node)).
    pub stranded_fraction_mean: f64,
    /// Integral of stranded accelerators over the horizon, accelerator-hours.
    pub stranded_accelerator_hours: f64,
    /// Fraction of the horizon with jobs queued while accelerators were free.
    pub blocked_time_fraction: f64,
}

/// `jobs` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobsSummary {
    /// Submitted within the horizon.
    pub submitted: u64,
    /// Completed within the horizon.
    pub completed: u64,
    /// Rejected at submission (can never fit, or above a quota).
    pub rejected: u64,
    /// Still running at the horizon.
    pub running_at_end: u64,
    /// Still queued at the horizon.
    pub queued_at_end: u64,
    /// Waits of started jobs, s.
    pub wait_s: Percentiles,
    /// Completion times of completed jobs, s.
    pub completion_s: Percentiles,
    /// By class.
    pub by_class: BTreeMap<String, ClassSummary>,
    /// Preemptions of running jobs, all classes.
    #[serde(default)]
    pub preemptions: u64,
    /// Service replicas stopped or cancelled by their autoscaler.
    #[serde(default)]
    pub stopped: u64,
}

/// `utilization` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Time-weighted allocated / installed (under GPU shares: GPU shares held / GPUs installed).
    pub allocated_mean: f64,
    /// Time-weighted utilization-weighted allocated / installed.
    pub effective_mean: f64,
    /// Model FLOPs utilization of work-defined jobs: delivered model FLOPs over
    /// accelerators x dense peak x time held (absent without work-defined jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfu_mean: Option<f64>,
    /// Delivered model FLOPs of work-defined jobs over the horizon, PFLOPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_pflops: Option<f64>,
    /// Present under placement by shares: what `allocated_mean` counts ("gpu-share": each pod's
    /// GPUs x gpu_milli / 1000, the fractional allocation utilization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_basis: Option<String>,
    /// Present under placement by shares: time-weighted fraction of GPUs holding at least one share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupied_mean: Option<f64>,
}

/// `idle_capacity` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdleCapacity {
    /// Installed x horizon, accelerator-hours.
    pub accelerator_hours_installed: f64,
    /// Not allocated to any job.
    pub accelerator_hours_unallocated: f64,
    /// Unallocated / installed.
    pub fraction_unallocated: f64,
    /// Allocated but idle (allocated minus effective).
    pub accelerator_hours_allocated_idle: f64,
    /// Allocated-idle / installed.
    pub fraction_allocated_idle: f64,
}

/// `energy` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    /// IT energy, kWh (exact integral of IT power).
    pub it_kwh: f64,
    /// Facility energy, kWh (with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_kwh: Option<f64>,
    /// Cooling: chillers, heat-rejection fans, pumps, CRAH fans, CDU pumps, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling_kwh: Option<f64>,
    /// Electrical losses: UPS, PDU, transformer, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_kwh: Option<f64>,
    /// Lighting and auxiliaries, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_kwh: Option<f64>,
    /// Every component, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_component_kwh: Option<BTreeMap<String, f64>>,
    /// Network switches and optics, kWh (part of `it_kwh`; with a `[network]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_kwh: Option<f64>,
}

/// `pue` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PueSummary {
    /// Energy-weighted over the run (facility kWh / IT kWh): the annual PUE for a one-year horizon.
    pub annual: f64,
    /// Lowest monthly PUE.
    pub min_month: f64,
    /// Highest monthly PUE.
    pub max_month: f64,
    /// Energy-weighted PUE of each calendar month ("YYYY-MM").
    pub by_month: BTreeMap<String, f64>,
    /// Partial PUE of each hall: its IT plus its own fans and pumps, its share of the plant by
    /// heat and of losses and auxiliaries by IT power, over its IT.
    pub by_hall: BTreeMap<String, f64>,
}

/// `thermal` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Thermal {
    /// Accelerator-hours run below their demand by thermal throttling.
    pub throttled_accelerator_hours: f64,
    /// Alarms raised (supply above set-point, throttling started); rows in alarms.csv.
    pub alarms: u64,
    /// Highest junction temperature of a fully loaded accelerator over the run (coolant + R x TDP,
    /// at most the throttle temperature), °C.
    pub max_junction_c: f64,
}

/// `grid` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridInfo {
    /// Grid id, or "override".
    pub id: String,
    /// Emission factor used, kg CO2/kWh.
    pub emission_factor_kg_per_kwh: f64,
}

/// Min, mean, max of a power, kW.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerStats {
    /// Mean over the horizon.
    pub mean: f64,
    /// Highest level held for a positive time.
    pub max: f64,
    /// Lowest level held for a positive time.
    pub min: f64,
}

/// `power` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Power {
    /// IT power, kW.
    pub it_kw: PowerStats,
}

/// The whole summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// What ran.
    pub scenario: ScenarioInfo,
    /// What is installed.
    pub capacity: Capacity,
    /// Job outcomes.
    pub jobs: JobsSummary,
    /// Utilization.
    pub utilization: Utilization,
    /// Idle capacity.
    pub idle_capacity: IdleCapacity,
    /// Energy.
    pub energy: Energy,
    /// Power.
    pub power: Power,
    /// PUE (with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pue: Option<PueSummary>,
    /// Make-up water per IT kWh, L/kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wue_l_per_kwh: Option<f64>,
    /// Carbon per IT kWh, kg/kWh (location-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue_kg_per_kwh: Option<f64>,
    /// Carbon of the facility energy, t CO2 (location-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon_t: Option<f64>,
    /// Make-up water, m³.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub water_m3: Option<f64>,
    /// Hours the main loop (the one carrying the most design heat) ran on free cooling alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_hours: Option<f64>,
    /// Hours on free cooling alone per loop ("chilled_water", "facility_water").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_hours_by_loop: Option<BTreeMap<String, f64>>,
    /// Share of loop heat removed without chillers, energy-weighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_fraction: Option<f64>,
    /// Thermal limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thermal: Option<Thermal>,
    /// Grid of the carbon figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridInfo>,
    /// Energy cost with a `[grid]` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::model::grid::ledger::CostSummary>,
    /// Carbon with a `[grid]` section (location-based and net of green supply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon: Option<crate::model::grid::ledger::CarbonSummary>,
    /// The on-site battery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<crate::model::grid::ledger::BatterySummary>,
    /// Calibrated devices (absent without calibration, so such outputs are unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<crate::calibrate::CalibrationUse>,
    /// Failures, interruptions and checkpoints (absent without `[failures]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<super::failures::FailuresSummary>,
    /// Network fabric, switch power and placement figures (absent without `[network]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<super::network::NetworkSummary>,
    /// Free accelerators no queued job could use.
    #[serde(default)]
    pub fragmentation: Fragmentation,
    /// Inference services by name (absent without `[[services]]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, crate::model::services::ServiceSummary>,
    /// The replayed trace: what was read and what was not (absent without `[workload.trace]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceInfo>,
}

/// What a trace replay read (`trace` in summary.json).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceInfo {
    /// The trace file's name (its folder left out, so that outputs do not depend on where the
    /// data lives).
    pub file: String,
    /// Its format ("generic", "alibaba-v2023", "acme", "helios").
    pub format: String,
    /// Jobs replayed (rows read less rows skipped; jobs submitted after the horizon included).
    pub jobs: u64,
    /// Rows not replayed, by reason.
    pub skipped: BTreeMap<String, u64>,
}

impl TraceInfo {
    /// The summary of a scenario's trace.
    pub fn of(t: &crate::scenario::Trace) -> TraceInfo {
        TraceInfo {
            file: t.file.file_name().map_or_else(|| t.file.display().to_string(), |n| n.to_string_lossy().into_owned()),
            format: t.format.name().to_string(),
            jobs: t.jobs.len() as u64,
            skipped: t.skipped.iter().cloned().collect(),
        }
    }
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

/// Per-class accumulators.
#[derive(Debug, Clone)]
pub struct ClassStats {
    /// Counters (wait and completion are filled at the end).
    pub summary: ClassSummary,
    /// Waits, ms.
    pub wait: LogHistogram,
    /// Completion times, ms.
    pub completion: LogHistogram,
    /// Allocated accelerator-ms of finished jobs.
    pub accelerator_ms: u128,
    /// Slowdowns x 1000 (so that the ms histogram keeps three decimals).
    pub slowdown: LogHistogram,
    /// Bounded slowdowns x 1000.
    pub bounded_slowdown: LogHistogram,
    /// Lost accelerator-ms of preempted attempts.
    pub preempted_lost_ms: f64,
}

impl ClassStats {
    /// Empty accumulators.
    pub fn new() -> ClassStats {
        ClassStats {
            summary: ClassSummary::default(),
            wait: LogHistogram::new(PERCENTILE_PRECISION),
            completion: LogHistogram::new(PERCENTILE_PRECISION),
            accelerator_ms: 0,
            slowdown: LogHistogram::new(PERCENTILE_PRECISION),
            bounded_slowdown: LogHistogram::new(PERCENTILE_PRECISION),
            preempted_lost_ms: 0.0,
        }
    }
}

impl Default for ClassStats {
    fn default() -> Self {
        ClassStats::new()
    }
}

/// Folds idle capacity and utilization from the site integrals over `horizon_ms`.
pub fn fold_utilization(load: &SiteLoad, horizon_ms: u64) -> (Utilization, IdleCapacity, Energy, Power) {
    // In-service accelerator time: installed x horizon unless rack groups entered service late.
    let installed_ms = load.installed_ms as f64;
    let alloc = load.allocated_basis_ms();
    let busy = load.busy_bp_ms as f64 / 1e4;
    let h = 3.6e6;
    let frac = |x: f64| if installed_ms > 0.0 { x / installed_ms } else { 0.0 };
    let it_kwh = load.it_energy_kwh();
    (
        Utilization {
            allocated_mean: frac(alloc),
            effective_mean: frac(busy),
            allocation_basis: load.shares.then(|| "gpu-share".to_string()),
            occupied_mean: load.shares.then(|| frac(load.allocated_ms as f64)),
            ..Default::default()
        },
        IdleCapacity {
            accelerator_hours_installed: installed_ms / h,
            accelerator_hours_unallocated: (installed_ms - alloc) / h,
            fraction_unallocated: frac(installed_ms - alloc),
            accelerator_hours_allocated_idle: (alloc - busy) / h,
            fraction_allocated_idle: frac(alloc - busy),
        },
        Energy { it_kwh, ..Default::default() },
        Power {
            it_kw: PowerStats {
                mean: it_kwh / (horizon_ms as f64 / h),
                max: load.max_it_power_mw as f64 / 1e6,
                min: load.min_it_power_mw as f64 / 1e6,
            },
        },
    )
}
