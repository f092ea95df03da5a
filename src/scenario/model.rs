//! The resolved scenario: validated, every default filled in, SI units, catalog devices looked up.
//! The simulation trusts it and checks nothing again.

use std::path::PathBuf;

use super::raw::{RawTraceColumns, RawWeatherColumns};
use crate::catalog::{AcceleratorSpec, ClimateSpec, GridSpec};
use crate::engine::calendar::Date;
use crate::model::facility::weather::Conditions;

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What the scenario models.
    pub description: Option<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// Simulated span, ms.
    pub horizon_ms: u64,
    /// Sampling step, ms.
    pub step_ms: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Site name, when given.
    pub site_name: Option<String>,
    /// Site location, when given.
    pub site_location: Option<String>,
    /// Devices used by the node types.
    pub devices: Vec<Device>,
    /// Server designs.
    pub node_types: Vec<NodeType>,
    /// Halls.
    pub halls: Vec<Hall>,
    /// Synthetic job classes.
    pub classes: Vec<JobClass>,
    /// Trace replay, if any.
    pub trace: Option<Trace>,
    /// Scheduling policy.
    pub scheduler: SchedulerConfig,
    /// Date of t = 0.
    pub start: Date,
    /// Climate normals: (how the scenario named them, the normals).
    pub climate: Option<(String, ClimateSpec)>,
    /// Measured weather, if given.
    pub weather: Option<WeatherSeries>,
    /// Grid of the site and its emission factor, kg CO2/kWh.
    pub grid: Option<GridSpec>,
    /// Emission factor override, kg CO2/kWh.
    pub emission_factor: Option<f64>,
    /// Power chain and plant; None models IT only.
    pub facility: Option<Facility>,
    /// A piecewise-constant multiplier on every synthetic class's arrival rate (forecasts set
    /// it; scenario files do not): `None` keeps the rates constant.
    pub demand: Option<DemandSchedule>,
    /// Failures and checkpoints; None: nothing fails.
    pub failures: Option<super::failures::Failures>,
    /// Grid coordination (`[grid]`): None leaves cost, carbon and battery out of the outputs.
    pub coordination: Option<crate::model::grid::GridConfig>,
    /// The network fabric (None: no network model).
    pub network: Option<super::network::Network>,
    /// Autoscaled inference services (`[[services]]`).
    pub services: Vec<super::services::Service>,
    /// The node list the node types and the hall were built from (`[cluster]`), if any.
    pub node_list: Option<super::node_list::NodeList>,
}

/// A measured weather series.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSeries {
    /// The CSV file.
    pub file: PathBuf,
    /// Its columns.
    pub columns: RawWeatherColumns,
    /// (hours since start, conditions), hours increasing.
    pub rows: Vec<(f64, Conditions)>,
}

/// N, N+1 or 2N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redundancy {
    /// No spare.
    N,
    /// One spare.
    NPlus1,
    /// A full second system.
    TwoN,
}

impl Redundancy {
    /// Names in scenarios.
    pub const ALL: [(Redundancy, &'static str); 3] = [(Redundancy::N, "N"), (Redundancy::NPlus1, "N+1"), (Redundancy::TwoN, "2N")];

    /// Installed units for `n` needed.
    pub fn installed(self, n: u32) -> u32 {
        match self {
            Redundancy::N => n,
            Redundancy::NPlus1 => n + 1,
            Redundancy::TwoN => 2 * n,
        }
    }

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Redundancy::ALL.iter().find(|(r, _)| *r == self).map_or("N", |(_, n)| n)
    }
}

/// Heat rejection of a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Wet cooling towers.
    Tower,
    /// Dry coolers.
    DryCooler,
}

/// A water loop of the plant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopConfig {
    /// Supply set-point, °C.
    pub supply_c: f64,
    /// Design return minus supply, K.
    pub delta_t_k: f64,
    /// Heat rejection.
    pub rejection: RejectionKind,
    /// Whether chillers trim.
    pub chillers: bool,
    /// Pump pressure rise, Pa.
    pub pump_pa: f64,
    /// Pump efficiency.
    pub pump_eta: f64,
}

/// The power chain and plant.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Transformer units.
    pub transformer_units: u32,
    /// Rating of one transformer, W.
    pub transformer_rating_w: f64,
    /// Transformer no-load loss, fraction of rating.
    pub transformer_no_load: f64,
    /// Transformer load loss at rating, fraction.
    pub transformer_load_loss: f64,
    /// "double-conversion" or "eco".
    pub ups_mode: String,
    /// UPS redundancy.
    pub ups_redundancy: Redundancy,
    /// UPS module rating, W.
    pub ups_module_rating_w: f64,
    /// UPS no-load loss, fraction of rating.
    pub ups_l0: f64,
    /// UPS proportional loss, fraction of load.
    pub ups_k1: f64,
    /// UPS square-law loss, fraction of rating at rated load.
    pub ups_k2: f64,
    /// PDU loss at rated load, fraction.
    pub pdu_loss: f64,
    /// Auxiliary load, fraction of IT design power.
    pub auxiliary: f64,
    /// Chilled-water loop.
    pub chilled_water: LoopConfig,
    /// Facility-water loop.
    pub facility_water: LoopConfig,
    /// Chiller COP at the reference point.
    pub chiller_cop: f64,
    /// Duty chillers per loop.
    pub chiller_units: u32,
    /// Chiller redundancy.
    pub chiller_redundancy: Redundancy,
    /// Carnot efficiency.
    pub chiller_carnot_eta: f64,
    /// Tower approach, K.
    pub tower_approach_k: f64,
    /// Tower fan power at design, W/W.
    pub tower_fan_w_per_w: f64,
    /// Cycles of concentration.
    pub tower_cycles: f64,
    /// Drift fraction.
    pub tower_drift: f64,
    /// Condenser range, K.
    pub tower_range_k: f64,
    /// Dry-cooler approach, K.
    pub dry_approach_k: f64,
    /// Dry-cooler fan power at design, W/W.
    pub dry_fan_w_per_w: f64,
    /// Economizer heat-exchanger approach, K.
    pub hx_approach_k: f64,
    /// Loop temperature time constant, ms.
    pub loop_tau_ms: u64,
    /// Alarm margin above set-point, K.
    pub alarm_margin_k: f64,
}

/// How a hall is cooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoolingKind {
    /// CRAH / fan walls on chilled water.
    Air,
    /// Cold plates on a CDU and facility water; the rest by CRAHs.
    ColdPlate,
    /// Single-phase immersion; no server fans.
    Immersion,
}

impl CoolingKind {
    /// Names in scenarios.
    pub const ALL: [(CoolingKind, &'static str); 3] =
        [(CoolingKind::Air, "air"), (CoolingKind::ColdPlate, "cold-plate"), (CoolingKind::Immersion, "immersion")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        CoolingKind::ALL.iter().find(|(k, _)| *k == self).map_or("air", |(_, n)| n)
    }
}

/// Cooling of a hall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cooling {
    /// Architecture.
    pub kind: CoolingKind,
    /// Share of IT heat to liquid.
    pub liquid_fraction: f64,
    /// CRAH fan power at design, W per W of air heat.
    pub crah_fan_w_per_w: f64,
    /// Lowest CRAH airflow fraction.
    pub crah_min_airflow: f64,
    /// Server inlet above chilled-water supply, K.
    pub air_approach_k: f64,
    /// Device coolant above facility-water supply, K.
    pub cdu_approach_k: f64,
    /// CDU pump pressure, Pa.
    pub cdu_pa: f64,
    /// CDU pump efficiency.
    pub cdu_eta: f64,
    /// Junction to coolant resistance, K/W.
    pub r_k_per_w: f64,
    /// Throttle junction temperature, °C.
    pub throttle_c: f64,
}

/// Demand over time: the multiplier of the last step whose start is at or before t, 1 before
/// the first step. Applied to synthetic classes by thinning; trace jobs are replayed as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSchedule {
    /// (from_ms, multiplier >= 0), from_ms increasing.
    pub steps: Vec<(u64, f64)>,
}

impl DemandSchedule {
    /// The multiplier at `t_ms`.
    pub fn at(&self, t_ms: f64) -> f64 {
        let i = self.steps.partition_point(|(from, _)| (*from as f64) <= t_ms);
        if i == 0 { 1.0 } else { self.steps[i - 1].1 }
    }

    /// The largest multiplier over all time (at least the 1 before the first step).
    pub fn max(&self) -> f64 {
        self.steps.iter().map(|s| s.1).fold(1.0, f64::max)
    }
}

/// An accelerator model with its power figures checked present.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The merged catalog entry (inline overrides applied).
    pub spec: AcceleratorSpec,
    /// Whether the scenario defined or overrode it inline.
    pub inline: bool,
    /// Idle power, W.
    pub idle_w: f64,
    /// Maximum power, W.
    pub max_w: f64,
    /// The calibration profile applied, if any (`calibration = "..."` on the entry).
    pub calibration: Option<crate::calibrate::DeviceCalibration>,
}

/// How accelerator power follows utilization u in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PowerCurve {
    /// P = P_idle + (P_max - P_idle) u.
    Linear,
    /// P = P_idle + (P_max - P_idle)(2u - u^r) (Fan, Weber, Barroso, ISCA 2007).
    FanBarroso {
        /// Exponent r (1.4 in the paper).
        r: f64,
    },
}

/// Host CPUs of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cpu {
    /// Sockets.
    pub count: u32,
    /// Idle power per socket, W.
    pub idle_w: f64,
    /// Maximum power per socket, W.
    pub max_w: f64,
    /// CPU utilization when all accelerators of the node are allocated.
    pub busy_utilization: f64,
}

/// Server fans: P = max(min, max * x^3) with x the heat fraction (fan affinity law).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fans {
    /// Power at minimum speed, W.
    pub min_w: f64,
    /// Power at maximum heat, W.
    pub max_w: f64,
}

/// Power supplies of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Psu {
    /// Supplies sharing the load.
    pub count: u32,
    /// Output rating of one supply, W.
    pub rating_w: f64,
    /// The named curve, if one was named.
    pub curve_name: Option<String>,
    /// (load fraction, efficiency) points, load increasing.
    pub points: Vec<(f64, f64)>,
}

/// One server design.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeType {
    /// Name.
    pub name: String,
    /// Index into [`Scenario::devices`].
    pub device: usize,
    /// Accelerators per node.
    pub accelerators: u32,
    /// Accelerator power curve.
    pub curve: PowerCurve,
    /// Host CPUs.
    pub cpu: Cpu,
    /// Memory power, W.
    pub memory_w: f64,
    /// NIC power, W.
    pub nic_w: f64,
    /// Storage power, W.
    pub storage_w: f64,
    /// Other constant power, W.
    pub other_w: f64,
    /// Fans, if air-cooled.
    pub fans: Option<Fans>,
    /// Power supplies.
    pub psu: Psu,
}

/// A hall.
#[derive(Debug, Clone, PartialEq)]
pub struct Hall {
    /// Name.
    pub name: String,
    /// Groups of identical racks.
    pub racks: Vec<RackGroup>,
    /// How it is cooled.
    pub cooling: Cooling,
}

/// `count` identical racks.
#[derive(Debug, Clone, PartialEq)]
pub struct RackGroup {
    /// Racks in the group.
    pub count: u32,
    /// Nodes per rack.
    pub nodes: u32,
    /// Index into [`Scenario::node_types`].
    pub node_type: usize,
    /// Rack design power, W.
    pub power_limit_w: Option<f64>,
    /// When the racks enter service, ms after the start (0: from the start). Before it they
    /// are absent: no capacity, no power, no failures.
    pub in_service_ms: u64,
}

/// The kinds of job the seed reports and LLM-cluster traces name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Pre-training.
    Pretrain,
    /// Fine-tuning (SFT, RLHF).
    FineTune,
    /// A long-running online inference service.
    InferenceService,
    /// Offline batch inference.
    BatchInference,
    /// Model evaluation.
    Evaluation,
    /// Interactive debugging.
    Debug,
    /// Anything else.
    Other,
}

impl ClassKind {
    /// All kinds with their scenario names.
    pub const ALL: [(ClassKind, &'static str); 7] = [
        (ClassKind::Pretrain, "pretrain"),
        (ClassKind::FineTune, "fine-tune"),
        (ClassKind::InferenceService, "inference-service"),
        (ClassKind::BatchInference, "batch-inference"),
        (ClassKind::Evaluation, "evaluation"),
        (ClassKind::Debug, "debug"),
        (ClassKind::Other, "other"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        ClassKind::ALL.iter().find(|(k, _)| *k == self).map_or("other", |(_, n)| n)
    }
}

/// Accelerators per job.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeDist {
    /// Always this many.
    Fixed(u32),
    /// One of `values` with probabilities proportional to `weights`.
    Choice {
        /// Sizes.
        values: Vec<u32>,
        /// Weights.
        weights: Vec<f64>,
    },
    /// 2^k for k in [log2 min, log2 max], P proportional to 2^(-alpha k).
    Power2 {
        /// Smallest size.
        min: u32,
        /// Largest size.
        max: u32,
        /// Tail exponent.
        alpha: f64,
    },
}

/// Job run time.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    /// Always this long, ms.
    Fixed(u64),
    /// exp(N(ln median, sigma^2)), clipped.
    Lognormal {
        /// Median, ms.
        median_ms: u64,
        /// Log-space standard deviation.
        sigma: f64,
        /// Lower clip, ms.
        min_ms: u64,
        /// Upper clip, ms.
        max_ms: u64,
    },
    /// Resampled from a file's values.
    Empirical {
        /// The CSV file.
        file: PathBuf,
        /// Unit of its values, ms.
        unit_ms: u64,
        /// Multiplier.
        scale: f64,
        /// Lower clip, ms.
        min_ms: u64,
        /// Upper clip, ms.
        max_ms: u64,
        /// The values after unit, scale and clipping, ms.
        values_ms: Vec<u64>,
    },
}

/// Per-job utilization: Beta(mean, sd), or fixed when sd = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UtilDist {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

/// A synthetic job class.
#[derive(Debug, Clone, PartialEq)]
pub struct JobClass {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ClassKind,
    /// Mean arrivals per second.
    pub rate_per_s: f64,
    /// Hour-of-day multipliers as given (normalised at use).
    pub hour_of_day: Option<Vec<f64>>,
    /// Day-of-week multipliers as given, Monday first (normalised at use).
    pub day_of_week: Option<Vec<f64>>,
    /// Size distribution.
    pub size: SizeDist,
    /// Duration distribution.
    pub duration: DurationDist,
    /// Utilization distribution.
    pub utilization: UtilDist,
    /// Priority (higher first).
    pub priority: i32,
    /// Runtime estimate over true duration.
    pub estimate_factor: f64,
    /// Required device, index into [`Scenario::devices`].
    pub device: Option<usize>,
    /// Work that defines the duration (None: `duration` does).
    pub work: Option<super::network::Work>,
    /// Whether a higher-priority job may preempt its jobs (with `[scheduler] preemption`).
    pub preemptible: bool,
}

/// One job of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceJob {
    /// Submit time, ms from the start.
    pub submit_ms: u64,
    /// Accelerators (0: a CPU-only pod of an Alibaba trace).
    pub accelerators: u32,
    /// Run time, ms.
    pub duration_ms: u64,
    /// Index into [`Trace::labels`].
    pub label: u16,
    /// Utilization.
    pub utilization: f64,
    /// Share of each accelerator, thousandths (1000 = whole; below 1000 only for one accelerator).
    pub gpu_milli: u16,
    /// CPU asked for, thousandths of a core (0 where the trace does not say).
    pub cpu_milli: u32,
    /// Memory asked for, MiB (0 where the trace does not say).
    pub memory_mib: u32,
    /// Accelerator constraint: 0 = any, else 1 + index into [`Trace::specs`].
    pub spec: u16,
    /// Nodes the trace says the job ran on (0 where it does not say).
    pub nodes: u16,
    /// Final state in the trace: 0 = not given, else 1 + index into [`Trace::states`].
    pub state: u16,
    /// 1-based line of the job in the trace file.
    pub line: u32,
}

impl TraceJob {
    /// A job of whole accelerators without CPU, memory or device constraints.
    pub fn whole(submit_ms: u64, accelerators: u32, duration_ms: u64, label: u16, utilization: f64, line: u32) -> TraceJob {
        TraceJob {
            submit_ms,
            accelerators,
            duration_ms,
            label,
            utilization,
            gpu_milli: 1000,
            cpu_milli: 0,
            memory_mib: 0,
            spec: 0,
            nodes: 0,
            state: 0,
            line,
        }
    }
}

/// The layout of a trace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// Columns named in the scenario.
    Generic,
    /// Alibaba cluster-trace-gpu-v2023 pod list (fractional GPU shares, CPU and memory).
    AlibabaV2023,
    /// Acme (Shanghai AI Lab, NSDI'24) job log.
    Acme,
    /// Helios (SenseTime, SC'21) job log.
    Helios,
}

impl TraceFormat {
    /// Names in scenarios.
    pub const ALL: [(TraceFormat, &'static str); 4] = [
        (TraceFormat::Generic, "generic"),
        (TraceFormat::AlibabaV2023, "alibaba-v2023"),
        (TraceFormat::Acme, "acme"),
        (TraceFormat::Helios, "helios"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        TraceFormat::ALL.iter().find(|(f, _)| *f == self).map_or("generic", |(_, n)| n)
    }
}

/// A trace to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The CSV file.
    pub file: PathBuf,
    /// Column mapping.
    pub columns: RawTraceColumns,
    /// Unit of time columns, ms.
    pub time_unit_ms: u64,
    /// Whether submit times were shifted to start at zero.
    pub start_at_zero: bool,
    /// Label of rows without a class.
    pub class: String,
    /// Utilization of rows without one.
    pub utilization: f64,
    /// Distinct class labels.
    pub labels: Vec<String>,
    /// Jobs sorted by submit time.
    pub jobs: Vec<TraceJob>,
    /// The file's layout.
    pub format: TraceFormat,
    /// Distinct accelerator constraints (e.g. "V100M16|V100M32"), see [`TraceJob::spec`].
    pub specs: Vec<String>,
    /// Distinct final states (e.g. "COMPLETED"), see [`TraceJob::state`].
    pub states: Vec<String>,
    /// Rows not replayed, by reason (e.g. pods never scheduled), in order of first occurrence.
    pub skipped: Vec<(String, u64)>,
}

impl Trace {
    /// Whether jobs carry fractional accelerator shares, CPU and memory (placement by shares).
    pub fn shares(&self) -> bool {
        self.format == TraceFormat::AlibabaV2023
    }
}

/// Scheduling policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// First come, first served; the head blocks the queue.
    Fifo,
    /// FIFO with EASY backfilling.
    Backfill,
    /// Class priority with quotas, optionally backfilling and preempting.
    Priority,
    /// Smallest estimated area (estimate x accelerators) first, with aging and EASY backfilling.
    Sjf,
    /// Fragmentation-aware best fit: the queued job that leaves the fewest stranded slots first.
    BestFit,
}

impl Policy {
    /// Names as written in scenarios.
    pub const ALL: [(Policy, &'static str); 5] = [
        (Policy::Fifo, "fifo"),
        (Policy::Backfill, "backfill"),
        (Policy::Priority, "priority"),
        (Policy::Sjf, "sjf"),
        (Policy::BestFit, "best-fit"),
    ];

    /// The policy named `name`, or an error listing every name.
    pub fn parse(name: &str) -> Result<Policy, String> {
        Policy::ALL.iter().find(|(_, n)| *n == name).map(|(p, _)| *p).ok_or_else(|| {
            let names: Vec<String> = Policy::ALL.iter().map(|(_, n)| format!("{n:?}")).collect();
            format!("expected one of {}, found {name:?}", names.join(", "))
        })
    }

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Policy::ALL.iter().find(|(p, _)| *p == self).map_or("fifo", |(_, n)| n)
    }
}

/// Scheduler configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// Policy.
    pub policy: Policy,
    /// Queued jobs a backfill pass looks at.
    pub backfill_depth: u32,
    /// Whether the priority policy backfills.
    pub backfill: bool,
    /// Class name to largest share of all accelerators.
    pub quotas: Vec<(String, f64)>,
    /// Whether the priority policy may preempt lower-priority preemptible jobs.
    pub preemption: bool,
    /// SJF aging bound, ms: a job waiting longer is served before every younger job.
    pub aging_ms: u64,
    /// The most jobs waiting at once: an arrival beyond is rejected (queue full).
    pub max_queued: u64,
    /// Where multi-node jobs go.
    pub placement: Placement,
}

/// Placement of multi-node jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Placement {
    /// Best fit inside a node; lowest-indexed whole free nodes above one node.
    #[default]
    Pack,
    /// Inside one pod / scalable unit if one has room (best fit), else the fewest pods.
    Topology,
    /// Whole free nodes drawn at random (stream "placement").
    Random,
}

impl Placement {
    /// Names as written in scenarios.
    pub const ALL: [(Placement, &'static str); 3] =
        [(Placement::Pack, "pack"), (Placement::Topology, "topology"), (Placement::Random, "random")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Placement::ALL.iter().find(|(p, _)| *p == self).map_or("pack", |(_, n)| n)
    }
}

impl Scenario {
    /// Total accelerators installed.
    pub fn accelerators(&self) -> u64 {
        self.racks_iter().map(|(g, nt)| g.count as u64 * g.nodes as u64 * nt.accelerators as u64).sum()
    }

    /// Accelerators in service at `t_ms` (rack groups enter service at their `in_service`).
    pub fn accelerators_in_service_at(&self, t_ms: u64) -> u64 {
        self.racks_iter()
            .filter(|(g, _)| g.in_service_ms <= t_ms)
            .map(|(g, nt)| g.count as u64 * g.nodes as u64 * nt.accelerators as u64)
            .sum()
    }

    /// Total nodes.
    pub fn nodes(&self) -> u64 {
        self.racks_iter().map(|(g, _)| g.count as u64 * g.nodes as u64).sum()
    }

    /// Total racks.
    pub fn racks(&self) -> u64 {
        self.racks_iter().map(|(g, _)| g.count as u64).sum()
    }

    /// Every rack group with its node type.
    pub fn racks_iter(&self) -> impl Iterator<Item = (&RackGroup, &NodeType)> {
        self.halls.iter().flat_map(|h| h.racks.iter()).map(|g| (g, &self.node_types[g.node_type]))
    }

    /// Dense peak of the whole center for a precision, PFLOPS (0 where devices lack a figure).
    pub fn peak_pflops(&self, precision: &str) -> f64 {
        self.racks_iter()
            .map(|(g, nt)| {
                let per = self.devices[nt.device].spec.dense_tflops.get(precision).unwrap_or(0.0);
                g.count as f64 * g.nodes as f64 * nt.accelerators as f64 * per / 1000.0
            })
            .sum()
    }

    /// Class labels in engine order: synthetic classes, then trace labels not already named,
    /// then inference services.
    pub fn class_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.classes.iter().map(|c| c.name.clone()).collect();
        if let Some(t) = &self.trace {
            for l in &t.labels {
                if !labels.contains(l) {
                    labels.push(l.clone());
                }
            }
        }
        labels.extend(self.services.iter().map(|s| s.name.clone()));
        labels
    }
}
