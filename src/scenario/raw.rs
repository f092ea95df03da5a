//! The raw scenario schema: what a user writes in a scenario TOML file, field for field.
//!
//! These structs only check types and units (via [`super::units`]); every default, cross-reference
//! and range check happens in [`super::resolve`], which turns them into the validated
//! [`crate::config::Scenario`]. [`super::unparse`] maps a resolved scenario back to this schema with
//! every default filled in, which is what `scenario.resolved.toml` holds. The sections live in
//! `raw_hardware.rs` (node types, halls, cooling), `raw_facility.rs` (the power
//! chain and plant), `raw_workload.rs` (classes, traces, scheduler) and the section
//! modules (grid, network, failures, services); this file holds the document and the site.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::raw_facility::*;
pub use super::raw_hardware::*;
pub use super::raw_workload::*;
use super::units::DurationMs;
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
    /// (from ms, multiplier) steps of the synthetic classes' arrival rates: set by a forecast
    /// ([`super::Overrides::demand`]), never read from or written to a file.
    #[serde(skip)]
    pub demand: Option<Vec<(u64, f64)>>,
    /// The storage tier that checkpoints are written to and read from; without it checkpoint
    /// and restart times are those written in `[failures]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<super::storage::RawStorage>,
    /// Capital, operating cost, lease revenue, subsidies, discount rate and tax; without it no
    /// `finance` section is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finance: Option<super::finance::RawFinance>,
    /// Which timeseries.csv columns, and a row every how long; without it every column at every
    /// sampling step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<RawOutput>,
}

/// `[output]`: the shape of timeseries.csv.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Column names of timeseries.csv to write (written in the file's own order); default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries_columns: Option<Vec<String>>,
    /// A row every this long, a multiple of `simulation.step`, e.g. "1h"; default the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries_step: Option<DurationMs>,
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
    /// The first part of the horizon, simulated but not measured, e.g. "7d".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<DurationMs>,
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
    /// Site elevation above sea level (default: the EPW file's, else the climate's `altitude_m`,
    /// else 0 m); sets the barometric pressure of the psychrometrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation: Option<super::units::LengthM>,
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

impl From<&RawWeatherColumns> for crate::config::WeatherColumns {
    fn from(c: &RawWeatherColumns) -> Self {
        let c = c.clone();
        crate::config::WeatherColumns { time: c.time, dry_bulb: c.dry_bulb, wet_bulb: c.wet_bulb, relative_humidity: c.relative_humidity }
    }
}

impl From<&crate::config::WeatherColumns> for RawWeatherColumns {
    fn from(c: &crate::config::WeatherColumns) -> Self {
        let c = c.clone();
        RawWeatherColumns { time: c.time, dry_bulb: c.dry_bulb, wet_bulb: c.wet_bulb, relative_humidity: c.relative_humidity }
    }
}
