//! Calibration profiles in scenarios: `calibration = "profile.json"` on an `[[accelerators]]`
//! entry sets the device's efficiency (and, for the profiled device itself, its peaks,
//! bandwidth and measured power), and job durations follow.
//!
//! ## How it works
//! A scenario's job durations hold at a reference efficiency, the device's
//! `nominal_efficiency` (default [`DEFAULT_NOMINAL_EFFICIENCY`] = 0.40: BRIEF §7 gives 35-45 %
//! model-FLOPs utilization for LLM training on H100). A profile measures the efficiency e_cal
//! that training-like work reaches on its device (the model-FLOPs utilization of an attention
//! block on a CPU; the sustained bf16 GEMM fraction on a GPU). The same work then takes
//!
//! ```text
//! duration = duration_nominal x nominal_efficiency / e_cal
//! ```
//!
//! (a more efficient device: shorter jobs, same work). Assumptions, for a profile applied to a
//! device other than the one measured (an entry with `base = "H100-SXM"`): efficiency transfers
//! as a fraction of the dense peak (a roofline in which both devices are compute-bound for
//! training), and nothing else does: the base's peaks, bandwidth and power stay. An entry
//! without `base` *is* the profiled device: the profile fills the fields the entry leaves out
//! (name, dense peaks, STREAM triad bandwidth, and idle and busy power where they were
//! measured); fields written in the entry win.
//!
//! [`DurationScale`] applies the factor in the engine: at submission when the job's device is
//! known (its class names one, or every installed device has the same factor), otherwise at
//! start on the device the job was placed on (the scheduler then keeps the estimate it was
//! given at submission). With no calibration every factor is 1 and nothing changes, to the byte.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::profile::Profile;
use crate::catalog::{AcceleratorSpec, Precisions};
use crate::scenario::Scenario;

/// The efficiency scenario durations hold at unless a device says otherwise: 0.40, the middle of
/// 35-45 % MFU for LLM training on H100 (BRIEF §7).
pub const DEFAULT_NOMINAL_EFFICIENCY: f64 = 0.40;

/// How a resolved device is calibrated.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceCalibration {
    /// The profile file, absolute.
    pub profile: std::path::PathBuf,
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

/// The profile's contribution to an entry without `base`: what it measured about itself.
fn measured_spec(p: &Profile, file: &str) -> AcceleratorSpec {
    let tflops = |prec: &str| p.device.peak_flops.get(prec).map(|f| f / 1e12);
    let power = p.fit.power.filter(|f| f.idle_w > 0.0 && f.busy_w > f.idle_w);
    AcceleratorSpec {
        name: Some(p.device.model.clone()),
        vendor: Some(if p.device.kind == "cpu" { p.host.cpu.vendor.clone() } else { "NVIDIA".into() }),
        memory_bw_gbps: Some(p.fit.memory.stream_triad_gbps).filter(|b| *b > 0.0),
        tdp_w: power.map(|f| f.busy_w),
        idle_w: power.map(|f| f.idle_w),
        idle_source: power.map(|_| format!("measured: calibration profile {file}")),
        dense_tflops: Precisions {
            fp64: tflops("fp64"),
            fp32: tflops("fp32"),
            bf16: tflops("bf16"),
            fp16: tflops("fp16"),
            ..Default::default()
        },
        source: Some(format!("calibration profile {file} ({}, {} on {})", p.tool, p.created, p.host.hostname)),
        ..Default::default()
    }
}

/// The merged spec of an inline entry with `calibration = path` (already absolute) and its
/// calibration; `base` is the catalog entry it names, if any. Errors are messages for the
/// `calibration` field.
pub fn calibrate(
    inline: &AcceleratorSpec,
    base: Option<&AcceleratorSpec>,
    path: &Path,
) -> Result<(AcceleratorSpec, DeviceCalibration), String> {
    let profile = Profile::read(path).map_err(|e| e.to_string())?;
    let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let (mut spec, power_from_profile) = match base {
        Some(b) => (inline.over(b), false),
        None => {
            let measured = measured_spec(&profile, &file);
            let spec = inline.over(&measured);
            // Compared by value, so that the resolved scenario (power written out) reads the same.
            let power = measured.tdp_w.is_some() && spec.tdp_w == measured.tdp_w && spec.idle_w == measured.idle_w;
            (spec, power)
        }
    };
    let nominal = spec.nominal_efficiency.unwrap_or(DEFAULT_NOMINAL_EFFICIENCY);
    spec.nominal_efficiency = Some(nominal);
    spec.calibration = Some(path.display().to_string());
    let efficiency = profile.fit.efficiency;
    let cal = DeviceCalibration {
        profile: path.to_path_buf(),
        measured_device: profile.device.model.clone(),
        efficiency,
        nominal_efficiency: nominal,
        duration_factor: nominal / efficiency,
        power_from_profile,
    };
    Ok((spec, cal))
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
