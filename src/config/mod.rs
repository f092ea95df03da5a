//! The resolved scenario: plain types, validated, every default filled in, SI units, catalog
//! devices looked up; what the simulation trusts and checks nothing again.
//!
//! One file per domain. [`crate::scenario`] produces these types from a scenario file (and
//! writes them back as `scenario.resolved.toml`); [`crate::model`] builds its subsystems from
//! them. Nothing here reads a file or checks a range; behaviour (physics, load profiles, tariff
//! signals) lives with the subsystem that uses it.

pub mod air_side;
pub mod calibration;
pub mod facility;
pub mod failures;
pub mod federation;
pub mod finance;
pub mod grid;
pub mod hardware;
pub mod network;
pub mod node_list;
pub mod output;
pub mod scheduler;
pub mod services;
pub mod storage;
pub mod weather;
pub mod workload;

use std::path::PathBuf;

pub use air_side::{AirSide, Economizer};
pub use facility::{BatteryKind, Building, Era, Facility, LoopConfig, PueBoundary, Redundancy, RejectionKind, SpeedControl, UpsFamily};
pub use hardware::{AirUnit, Cooling, CoolingKind, Cpu, Device, Fans, Hall, NodeType, PowerCurve, Psu, RackGroup};
pub use scheduler::{Placement, Policy, PolicyConfig, SchedulerConfig};
pub use weather::{Conditions, Normals, WeatherColumns, WeatherSeries};
pub use workload::{
    ClassKind, DemandSchedule, DurationDist, EndDist, Ends, JobClass, SizeDist, Trace, TraceColumns, TraceFormat, TraceJob, UtilDist,
};

use crate::catalog::{ClimateSpec, GridSpec};
use crate::time::calendar::Date;

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
    /// The first part of the horizon, simulated but not measured (0: none), ms.
    pub warmup_ms: u64,
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
    pub failures: Option<failures::Failures>,
    /// Grid coordination (`[grid]`): None leaves cost, carbon and battery out of the outputs.
    pub coordination: Option<grid::GridConfig>,
    /// The network fabric (None: no network model).
    pub network: Option<network::Network>,
    /// Autoscaled inference services (`[[services]]`).
    pub services: Vec<services::Service>,
    /// The node list the node types and the hall were built from (`[cluster]`), if any.
    pub node_list: Option<node_list::NodeList>,
    /// The storage tier (`[storage]`): None leaves checkpoint and restart times as written in
    /// `[failures]` and adds no storage power.
    pub storage: Option<storage::Storage>,
    /// The economics (`[finance]`): None computes no `finance` section.
    pub finance: Option<finance::Finance>,
    /// Site elevation as the scenario wrote it (`site.elevation`), m; see [`Scenario::elevation_m`].
    pub elevation_m: Option<f64>,
    /// What timeseries.csv holds (`[output]`).
    pub output: output::OutputConfig,
}

impl Scenario {
    /// Site elevation, m: the scenario's, else the EPW weather file's, else the climate's
    /// altitude, else sea level.
    pub fn site_elevation_m(&self) -> f64 {
        self.elevation_m
            .or_else(|| self.weather.as_ref().and_then(|w| w.elevation_m))
            .or_else(|| self.climate.as_ref().and_then(|(_, c)| c.altitude_m))
            .unwrap_or(0.0)
    }

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
