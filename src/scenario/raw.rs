//! The raw scenario schema: what a user writes in a scenario TOML file, field for field.
//!
//! These structs only check types and units (via [`super::units`]); every default, cross-reference
//! and range check happens in [`super::resolve`], which turns them into the validated
//! [`super::model::Scenario`]. [`super::unparse`] maps a resolved scenario back to this schema with
//! every default filled in, which is what `scenario.resolved.toml` holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::units::{DeltaK, DurationMs, PowerW, PressurePa, RatePerS, TempC};
use crate::catalog::AcceleratorSpec;

/// A whole scenario file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name; names the default output folder.
    pub name: String,
    /// One paragraph on what the scenario models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Horizon, sampling step and seed.
    pub simulation: RawSimulation,
    /// Where the center is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<RawSite>,
    /// Devices defined in the scenario itself (or catalog devices with overrides, via `base`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accelerators: Vec<AcceleratorSpec>,
    /// Server designs referenced by the halls (empty when `[cluster]` reads a node list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_types: Vec<RawNodeType>,
    /// Machine halls, each with groups of identical racks (empty when `[cluster]` reads a node list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub halls: Vec<RawHall>,
    /// A cluster built from a node list file instead of `[[node_types]]` and `[[halls]]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<RawCluster>,
    /// Job classes and/or a trace to replay.
    pub workload: RawWorkload,
    /// Scheduling policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<RawScheduler>,
    /// Power chain and cooling plant; without it aidc models IT only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<RawFacility>,
    /// Failures, repairs, spares and checkpoints; without it nothing fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<super::failures::RawFailures>,
    /// Grid coordination: tariff, carbon, green supply, battery, power cap, deferral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<super::grid::RawGrid>,
    /// Network fabric: topology, link speeds, latencies, switch power; without it jobs do not communicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<super::network::RawNetwork>,
    /// Autoscaled inference services with a diurnal request load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<super::services::RawService>,
}

/// `[simulation]`: time and randomness.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Simulated time span, e.g. "30d".
    pub horizon: DurationMs,
    /// Sampling step of the timeseries and the physics pipeline, e.g. "5m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<DurationMs>,
    /// Seed of every random stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Date of t = 0 (00:00 local time), "YYYY-MM-DD".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

/// `[site]`: descriptive facts about the location (the facility issue adds climate and grid).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// Display name of the site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// City or region, e.g. "Wuhu, Anhui".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Climate normals: a built-in id (assets/climates) or a path to a climate TOML file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub climate: Option<String>,
    /// Measured weather instead of synthetic: a CSV path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weather_file: Option<String>,
    /// Columns of the weather CSV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weather_columns: Option<RawWeatherColumns>,
    /// Grid for the emission factor: a built-in id (assets/grids); default the climate's grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// Emission factor override, kg CO2 per kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_factor: Option<f64>,
}

/// Column names of a weather CSV.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeatherColumns {
    /// Hours since the start, or "YYYY-MM-DD HH:MM" stamps.
    pub time: String,
    /// Dry-bulb, °C.
    pub dry_bulb: String,
    /// Wet-bulb, °C (or give `relative_humidity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wet_bulb: Option<String>,
    /// Relative humidity, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_humidity: Option<String>,
}

/// `[facility]`: the power chain and the cooling plant of the site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFacility {
    /// Transformers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformer: Option<RawTransformer>,
    /// UPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ups: Option<RawUps>,
    /// PDU and busway loss at rated load, fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdu_loss: Option<f64>,
    /// Lighting, offices and auxiliaries, fraction of the IT design power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auxiliary: Option<f64>,
    /// The chilled-water loop (CRAH coils).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chilled_water: Option<RawLoop>,
    /// The warm facility-water loop (CDUs, immersion tanks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_water: Option<RawLoop>,
    /// Chillers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chiller: Option<RawChiller>,
    /// Cooling towers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tower: Option<RawTower>,
    /// Dry coolers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_cooler: Option<RawDryCooler>,
    /// Economizer heat-exchanger approach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hx_approach: Option<DeltaK>,
    /// Time constant of the water loops' temperatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_time_constant: Option<DurationMs>,
    /// A supply temperature this far above its set-point raises an alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_margin: Option<DeltaK>,
}

/// `[facility.transformer]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransformer {
    /// Installed units sharing the load (2 = 2N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// Rating of one unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<PowerW>,
    /// No-load loss, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_load_loss: Option<f64>,
    /// Load loss at rated load, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_loss: Option<f64>,
}

/// `[facility.ups]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUps {
    /// "double-conversion" or "eco".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// "N", "N+1" or "2N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy: Option<String>,
    /// Rating of one module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_rating: Option<PowerW>,
    /// No-load loss, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_load_loss: Option<f64>,
    /// Proportional loss, fraction of load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportional_loss: Option<f64>,
    /// Square-law loss at rated load, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub square_loss: Option<f64>,
}

/// A water loop of the plant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoop {
    /// Supply set-point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<TempC>,
    /// Return minus supply at design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_t: Option<DeltaK>,
    /// "tower" or "dry-cooler".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<String>,
    /// Whether chillers trim what free cooling cannot do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chillers: Option<bool>,
    /// Loop pump pressure rise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_pressure: Option<PressurePa>,
    /// Loop pump efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_efficiency: Option<f64>,
}

/// `[facility.chiller]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChiller {
    /// COP at 6.67 °C leaving chilled water, 29.4 °C entering condenser water.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cop: Option<f64>,
    /// Duty units per loop (N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// "N", "N+1" or "2N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy: Option<String>,
    /// Carnot efficiency outside the curves' range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carnot_efficiency: Option<f64>,
}

/// `[facility.tower]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTower {
    /// Approach to wet-bulb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<DeltaK>,
    /// Fan power at design, W per W of heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_power: Option<f64>,
    /// Cycles of concentration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<f64>,
    /// Drift, fraction of circulating water.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<f64>,
    /// Condenser-water range (temperature rise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<DeltaK>,
}

/// `[facility.dry_cooler]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDryCooler {
    /// Approach to dry-bulb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<DeltaK>,
    /// Fan power at design, W per W of heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_power: Option<f64>,
}

/// `cooling = { ... }` of a hall.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCooling {
    /// "air", "cold-plate" or "immersion".
    pub kind: String,
    /// Cold plate: share of the IT heat taken by liquid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquid_fraction: Option<f64>,
    /// CRAH fan power at design, W per W of air heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crah_fan_power: Option<f64>,
    /// Lowest CRAH airflow, fraction of design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crah_min_airflow: Option<f64>,
    /// Server inlet air above the chilled-water supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_approach: Option<DeltaK>,
    /// Secondary (device) coolant above the facility-water supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_approach: Option<DeltaK>,
    /// CDU pump pressure rise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_pressure: Option<PressurePa>,
    /// CDU pump efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_pump_efficiency: Option<f64>,
    /// Accelerator junction to coolant (or inlet air) thermal resistance, K/W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thermal_resistance: Option<f64>,
    /// Junction temperature at which accelerators throttle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_temp: Option<TempC>,
}

/// `[[node_types]]`: one server design.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeType {
    /// Name referenced by rack groups.
    pub name: String,
    /// Accelerator id: a catalog id or the id of a scenario `[[accelerators]]` entry.
    pub accelerator: String,
    /// Accelerators per node (1 to 64).
    pub accelerators: u32,
    /// "linear" or "fan-barroso".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_curve: Option<String>,
    /// Exponent r of the Fan-Weber-Barroso curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_curve_r: Option<f64>,
    /// Host CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<RawCpu>,
    /// Constant memory (DIMM) power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_power: Option<PowerW>,
    /// Constant power of all NICs of the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_power: Option<PowerW>,
    /// Constant power of local storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_power: Option<PowerW>,
    /// Other constant power (BMC, NVSwitch/HCCS chips, board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_power: Option<PowerW>,
    /// Server fans (air-cooled servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fans: Option<RawFans>,
    /// Power supplies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psu: Option<RawPsu>,
}

/// `cpu = { ... }` of a node type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCpu {
    /// Sockets per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Idle power per socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<PowerW>,
    /// Maximum power per socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<PowerW>,
    /// CPU utilization when every accelerator of the node is allocated (0-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_utilization: Option<f64>,
}

/// `fans = { min, max }`: fan power at minimum speed and at full heat load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFans {
    /// Fan power at minimum speed.
    pub min: PowerW,
    /// Fan power when the node dissipates its maximum heat.
    pub max: PowerW,
}

/// `psu = { count, rating, efficiency }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPsu {
    /// Number of supplies sharing the load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Output rating of one supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<PowerW>,
    /// "titanium", "platinum", "gold" or a list of [load_fraction, efficiency] points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<RawPsuCurve>,
}

/// A named 80 PLUS level or explicit efficiency points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RawPsuCurve {
    /// "titanium", "platinum" or "gold".
    Named(String),
    /// `[[load_fraction, efficiency], ...]`, load fractions increasing.
    Points(Vec<[f64; 2]>),
}

/// `[[halls]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHall {
    /// Hall name.
    pub name: String,
    /// Groups of identical racks.
    pub racks: Vec<RawRackGroup>,
    /// How the hall is cooled (used with `[facility]`; default air).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling: Option<RawCooling>,
}

/// `[[halls.racks]]`: `count` racks of `nodes` nodes of one type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRackGroup {
    /// Number of racks.
    pub count: u32,
    /// Nodes per rack.
    pub nodes: u32,
    /// Node type name.
    pub node_type: String,
    /// Design power of one rack; `check` warns when the nodes' maximum exceeds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_limit: Option<PowerW>,
    /// When the racks enter service, after the start of the run (a phased build-out); absent
    /// or "0s": from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_service: Option<DurationMs>,
}

/// `[workload]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Synthetic job classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<RawJobClass>,
    /// A trace of real jobs to replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<RawTrace>,
}

/// `[[workload.classes]]`: one kind of job with its arrival, size, duration and utilization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJobClass {
    /// Class name (appears in jobs.csv).
    pub name: String,
    /// pretrain, fine-tune, inference-service, batch-inference, evaluation, debug or other.
    pub kind: String,
    /// Mean arrival rate, e.g. "12/h".
    pub rate: RatePerS,
    /// Hour-of-day multipliers (24 values, normalised to mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_of_day: Option<Vec<f64>>,
    /// Day-of-week multipliers, Monday first (7 values, normalised to mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<Vec<f64>>,
    /// Accelerators per job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<RawSize>,
    /// Run time on the accelerators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<RawDuration>,
    /// Accelerator utilization while the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<RawUtilization>,
    /// Larger runs first under the priority policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The runtime estimate the scheduler sees, as a multiple of the true duration (>= 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_factor: Option<f64>,
    /// Restrict the class to one accelerator model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// Work instead of a duration: `{ params = "70B", tokens = "1T", precision = "bf16", mfu = 0.4 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<super::network::RawWork>,
    /// Whether higher-priority work may preempt its jobs (with `[scheduler] preemption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemptible: Option<bool>,
}

/// `size = { dist = ... }`: "fixed" (value), "choice" (values, weights) or "power2" (min, max,
/// alpha: P(2^k) proportional to 2^(-alpha k)). Flat, so that errors name the exact field; the
/// resolver checks which fields each `dist` needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSize {
    /// "fixed", "choice" or "power2".
    pub dist: String,
    /// fixed: accelerators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u32>,
    /// choice: sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<u32>>,
    /// choice: relative weights, one per size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// power2: smallest size (a power of two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// power2: largest size (a power of two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// power2: tail exponent; smaller is heavier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
}

/// `duration = { dist = ... }`: "fixed" (value), "lognormal" (median, sigma, min, max) or
/// "empirical" (file, unit, scale, min, max). Flat, like [`RawSize`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDuration {
    /// "fixed", "lognormal" or "empirical".
    pub dist: String,
    /// fixed: run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<DurationMs>,
    /// lognormal: median run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<DurationMs>,
    /// lognormal: standard deviation of ln(duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// empirical: a one-column CSV of run times, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// empirical: unit of the values, e.g. "1s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<DurationMs>,
    /// empirical: multiplier applied to every value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// lognormal, empirical: lower clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<DurationMs>,
    /// lognormal, empirical: upper clip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<DurationMs>,
}

/// `utilization = { mean, sd }`: Beta-distributed per job (fixed when sd = 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUtilization {
    /// Mean utilization (0-1].
    pub mean: f64,
    /// Standard deviation across jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

/// `[cluster]`: nodes, node types, racks and a hall built from a node list file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// CSV path, relative to the scenario file, or `data:REST` for a file of the shared data folder.
    pub node_list: String,
    /// "alibaba-v2023" (columns sn, cpu_milli, memory_mib, gpu, model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// GPU model name in the list -> accelerator id (catalog or `[[accelerators]]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<BTreeMap<String, String>>,
    /// Nodes per rack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack_nodes: Option<u32>,
    /// Name of the one hall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hall: Option<String>,
    /// How the hall is cooled (default air).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling: Option<RawCooling>,
}

/// `[workload.trace]`: a CSV of jobs, generic or in a known trace format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    /// CSV path, relative to the scenario file, or `data:REST` for a file of the shared data folder.
    pub file: String,
    /// "generic" (default), "alibaba-v2023", "acme" or "helios".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Which CSV columns hold what (generic format only).
    #[serde(default, skip_serializing_if = "RawTraceColumns::is_unset")]
    pub columns: RawTraceColumns,
    /// Unit of the submit and duration columns, e.g. "1s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<DurationMs>,
    /// Shift submit times so that the first job arrives at t = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at_zero: Option<bool>,
    /// Class label of jobs without a class column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Utilization of jobs without a utilization column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
}

/// Column names of a trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraceColumns {
    /// Submit time column.
    pub submit: String,
    /// Accelerator count column.
    pub accelerators: String,
    /// Run time column.
    pub duration: String,
    /// Optional class column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Optional utilization column (0-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<String>,
}

impl RawTraceColumns {
    /// Whether no column is named (formats other than generic name their own).
    pub fn is_unset(&self) -> bool {
        *self == RawTraceColumns::default()
    }
}

/// `[scheduler]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduler {
    /// fifo, backfill, priority, sjf or best-fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// How many queued jobs behind the head a backfill pass considers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_depth: Option<u32>,
    /// Whether the priority policy backfills around its top blocked job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<bool>,
    /// Largest share of all accelerators a class may hold at once (priority policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<BTreeMap<String, f64>>,
    /// Placement: "pack" (or "packing"), "topology" or "random".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Whether the priority policy preempts lower-priority preemptible jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption: Option<bool>,
    /// SJF: a job waiting longer than this goes ahead of younger jobs, e.g. "24h".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aging: Option<DurationMs>,
    /// The most jobs waiting at once; arrivals beyond are rejected ("queue full").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_queued: Option<u64>,
}

const PSU_EXPECTED: &str = r#""titanium", "platinum", "gold" or [[load_fraction, efficiency], ...]"#;

impl<'de> Deserialize<'de> for RawPsuCurve {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawPsuCurve;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(PSU_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawPsuCurve, E> {
                Ok(RawPsuCurve::Named(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawPsuCurve, A::Error> {
                let mut points = Vec::new();
                while let Some(p) = seq.next_element::<[f64; 2]>()? {
                    points.push(p);
                }
                Ok(RawPsuCurve::Points(points))
            }
        }
        d.deserialize_any(V)
    }
}
