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
//! [`crate::model::workload::DurationScale`] applies the factor in the engine: at submission when the job's device is
//! known (its class names one, or every installed device has the same factor), otherwise at
//! start on the device the job was placed on (the scheduler then keeps the estimate it was
//! given at submission). With no calibration every factor is 1 and nothing changes, to the byte.

use std::path::Path;

use super::profile::{Profile, ProfileError};
use crate::catalog::{AcceleratorSpec, Precisions};
use crate::config::calibration::DeviceCalibration;

/// The efficiency scenario durations hold at unless a device says otherwise: 0.40, the middle of
/// 35-45 % MFU for LLM training on H100 (BRIEF §7).
pub const DEFAULT_NOMINAL_EFFICIENCY: f64 = 0.40;

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
/// calibration; `base` is the catalog entry it names, if any. An error is the profile's (for
/// the `calibration` field).
pub fn calibrate(
    inline: &AcceleratorSpec,
    base: Option<&AcceleratorSpec>,
    path: &Path,
) -> Result<(AcceleratorSpec, DeviceCalibration), ProfileError> {
    let profile = Profile::read(path)?;
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
