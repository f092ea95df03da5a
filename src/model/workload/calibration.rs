//! Calibrated devices in the workload: the factor job durations follow on each device
//! (see [`crate::calibrate::apply`] for how a profile gives it) and the `calibration` section
//! of summary.json.

use serde::{Deserialize, Serialize};

use crate::config::Scenario;

/// One calibrated device in `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibrationUse {
    /// Accelerator id in the scenario.
    pub device: String,
    /// The profile's file name.
    pub profile: String,
    /// The device the profile measured.
    pub measured_device: String,
    /// Efficiency from the profile.
    pub efficiency: f64,
    /// Efficiency the durations hold at.
    pub nominal_efficiency: f64,
    /// Multiplier of job durations on this device.
    pub duration_factor: f64,
    /// Whether idle and maximum power came from the profile.
    pub power_from_profile: bool,
}

/// The `calibration` section of summary.json (empty without calibration).
pub fn summary_entries(sc: &Scenario) -> Vec<CalibrationUse> {
    sc.devices
        .iter()
        .filter_map(|d| {
            let c = d.calibration.as_ref()?;
            Some(CalibrationUse {
                device: d.spec.id.clone(),
                profile: c.profile.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
                measured_device: c.measured_device.clone(),
                efficiency: c.efficiency,
                nominal_efficiency: c.nominal_efficiency,
                duration_factor: c.duration_factor,
                power_from_profile: c.power_from_profile,
            })
        })
        .collect()
}

/// Job-duration multipliers per device, applied by the engine (see the module doc).
#[derive(Debug, Clone)]
pub struct DurationScale {
    by_device: Vec<f64>,
    uniform: Option<f64>,
    identity: bool,
}

/// `ms` times `factor`, rounded, at least 1 ms; exactly `ms` when the factor is 1.
fn scaled(ms: u64, factor: f64) -> u64 {
    if factor == 1.0 { ms } else { ((ms as f64 * factor).round().max(1.0)).min(u64::MAX as f64 / 4.0) as u64 }
}

impl DurationScale {
    /// The factors of a scenario's devices.
    pub fn new(sc: &Scenario) -> DurationScale {
        let by_device: Vec<f64> = sc.devices.iter().map(|d| d.calibration.as_ref().map_or(1.0, |c| c.duration_factor)).collect();
        let installed: Vec<f64> = sc.node_types.iter().map(|n| by_device[n.device]).collect();
        let uniform = installed.first().copied().filter(|f| installed.iter().all(|g| g == f));
        let identity = by_device.iter().all(|f| *f == 1.0);
        DurationScale { by_device, uniform, identity }
    }

    /// The duration of a job at submission: scaled when its device is known.
    pub fn at_submit(&self, device: Option<u16>, ms: u64) -> u64 {
        if self.identity {
            return ms;
        }
        match (device, self.uniform) {
            (Some(d), _) => scaled(ms, self.by_device[d as usize]),
            (None, Some(f)) => scaled(ms, f),
            (None, None) => ms,
        }
    }

    /// The duration of a job starting on `placed_device`, where it was not scaled at submission.
    pub fn at_start(&self, placed_device: usize, job_device: Option<u16>, ms: u64) -> Option<u64> {
        (!self.identity && job_device.is_none() && self.uniform.is_none()).then(|| scaled(ms, self.by_device[placed_device]))
    }
}
