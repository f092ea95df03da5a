//! aidc: a digital twin of AI data centers (智算中心).
//!
//! A discrete-event simulation on bevy_ecs of halls, racks, nodes and accelerators running a
//! stream of AI jobs under a scheduler, with IT power integrated exactly at every load change.
//! The data path is `scenario.toml` -> [`scenario::load`] (raw serde structs, then a validated
//! [`scenario::Scenario`]) -> [`engine::Simulation`] (an ECS world plus an event queue) ->
//! [`metrics`] (streamed CSV rows and a folded summary) -> an output folder.
//!
//! ```no_run
//! let scenario = aidc::scenario::load(std::path::Path::new("scenarios/classroom.toml")).unwrap();
//! let report = aidc::engine::run_to_dir(&scenario, std::path::Path::new("output/classroom"),
//!     &aidc::engine::RunOptions::default()).unwrap();
//! println!("allocation utilization {:.1} %", 100.0 * report.summary.utilization.allocated_mean);
//! ```

pub mod calibrate;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod engine;
pub mod forecast;
pub mod input;
#[cfg(test)]
mod layers;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod sweep;
pub mod time;

/// The version of this build, recorded in every run's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
