//! What a calibration profile did to a device of the scenario.

use std::path::PathBuf;

/// How a resolved device is calibrated.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceCalibration {
    /// The profile file, absolute.
    pub profile: PathBuf,
    /// The device the profile measured (its model name).
    pub measured_device: String,
    /// Efficiency from the profile, fraction of dense peak.
    pub efficiency: f64,
    /// Efficiency the scenario's durations hold at.
    pub nominal_efficiency: f64,
    /// nominal / efficiency: the multiplier of job durations.
    pub duration_factor: f64,
    /// Whether the device's idle and maximum power came from the profile.
    pub power_from_profile: bool,
}
