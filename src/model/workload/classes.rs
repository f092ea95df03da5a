//! The job classes of a run in engine order, with the constants the job lifecycle needs.

use bevy_ecs::prelude::Resource;

use super::calibration::DurationScale;
use crate::config::Scenario;

/// Per-class constants the handlers need.
#[derive(Debug, Clone, Copy)]
pub struct ClassInfo {
    /// Priority (higher first).
    pub priority: i32,
    /// Runtime estimate over true duration.
    pub estimate_factor: f64,
    /// Required device, if any.
    pub device: Option<u16>,
    /// Whether a higher-priority job may preempt its jobs.
    pub preemptible: bool,
}

/// The classes of a run (a resource): synthetic classes, then trace labels not already named,
/// then inference services ([`Scenario::class_labels`]).
#[derive(Resource, Debug)]
pub struct ClassTable {
    /// Class labels in engine order.
    pub labels: Vec<String>,
    /// Constants by class.
    pub info: Vec<ClassInfo>,
    /// Durations on calibrated devices (identity without calibration).
    pub durations: DurationScale,
    /// Device index of each node type (placement pool).
    pub pool_device: Vec<usize>,
}

impl ClassTable {
    /// The classes of a scenario.
    pub fn new(sc: &Scenario) -> ClassTable {
        let labels = sc.class_labels();
        let info = labels
            .iter()
            .map(|l| match (sc.classes.iter().find(|c| &c.name == l), sc.services.iter().find(|s| &s.name == l)) {
                (Some(c), _) => ClassInfo {
                    priority: c.priority,
                    estimate_factor: c.estimate_factor,
                    device: c.device.map(|d| d as u16),
                    preemptible: c.preemptible,
                },
                (None, Some(s)) => {
                    ClassInfo { priority: s.priority, estimate_factor: 1.0, device: s.device.map(|d| d as u16), preemptible: false }
                }
                (None, None) => ClassInfo { priority: 0, estimate_factor: 1.0, device: None, preemptible: false },
            })
            .collect();
        ClassTable { labels, info, durations: DurationScale::new(sc), pool_device: sc.node_types.iter().map(|n| n.device).collect() }
    }
}
