//! The calibration profile: what `aidc calibrate` measured on one device, what it fitted, and
//! how well the fit predicted the kernels it did not see. A JSON file (serde), provenance
//! included (tool version, host, timestamp); scenarios read it through
//! [`super::apply::calibrate`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fit::{PowerFit, Roofline};
use super::host::CpuFacts;
use super::measure::Timing;
use super::working_set::WorkingSet;

/// The version of the profile format; readers refuse other versions.
pub const FORMAT: u32 = 1;

/// A whole calibration profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// [`FORMAT`].
    pub format: u32,
    /// "aidc 0.1.0".
    pub tool: String,
    /// UTC time the run ended, RFC 3339.
    pub created: String,
    /// Whether the quick suite ran.
    pub quick: bool,
    /// The machine.
    pub host: Host,
    /// The device measured.
    pub device: DeviceFacts,
    /// Whether and how power was measured.
    pub power: PowerInfo,
    /// The size of the memory-bound samples and why (CPU profiles; absent in GPU profiles and
    /// in profiles written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_set: Option<WorkingSet>,
    /// Every kernel sample.
    pub samples: Vec<Sample>,
    /// Fitted parameters.
    pub fit: FitResult,
    /// Held-out kernels: predicted vs measured.
    pub validation: Vec<Validation>,
}

/// Facts about the machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Host name.
    pub hostname: String,
    /// OS and architecture, e.g. "linux-x86_64".
    pub platform: String,
    /// The CPU.
    pub cpu: CpuFacts,
    /// GPUs seen (model, driver), empty where none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<GpuFacts>,
}

/// One GPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuFacts {
    /// Device name, e.g. "NVIDIA H100 80GB HBM3".
    pub model: String,
    /// Driver version, where known.
    pub driver: Option<String>,
    /// Compute capability "9.0", where known.
    pub compute_capability: Option<String>,
    /// Device memory, GB.
    pub memory_gb: Option<f64>,
}

/// The device a profile describes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceFacts {
    /// "cpu" or "cuda".
    pub kind: String,
    /// Model name (CPU model, GPU name).
    pub model: String,
    /// Threads (CPU) or streaming multiprocessors (GPU) used.
    pub parallelism: u32,
    /// Theoretical dense peak per precision from the datasheet formula, FLOP/s.
    pub theoretical_peak_flops: BTreeMap<String, f64>,
    /// Measured in-register FMA throughput per precision (CPU), FLOP/s.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fma_peak_flops: BTreeMap<String, f64>,
    /// The peak the efficiencies are fractions of, per precision, FLOP/s.
    pub peak_flops: BTreeMap<String, f64>,
    /// How `peak_flops` was chosen.
    pub peak_note: String,
}

/// Power measurement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerInfo {
    /// Whether power was measured.
    pub measured: bool,
    /// The counters used, or why none.
    pub note: String,
}

/// One kernel sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// "gemm", "stream-copy", "stream-scale", "stream-triad", "stream-add",
    /// "stream-scale-inplace", "stream-triad-inplace", "layernorm", "softmax", "attention",
    /// "allreduce".
    pub kernel: String,
    /// "fp64", "fp32", "fp16".
    pub precision: String,
    /// Shape: (m, n, k) for GEMM, (len) for STREAM, (rows, cols), (seq, head) for attention,
    /// (threads, len) for all-reduce.
    pub shape: Vec<usize>,
    /// "fit" (used by the fit), "holdout" (predicted and compared), "info" (reported only) or
    /// "probe" (a smaller STREAM triad that checks the bandwidth's plateau; not fitted).
    pub role: String,
    /// FLOPs per call.
    pub flops: f64,
    /// Bytes per call, STREAM convention (read + written).
    pub bytes: f64,
    /// Of which read.
    pub read_bytes: f64,
    /// Wall times.
    pub timing: Timing,
    /// FLOPs / median time, GFLOP/s.
    pub gflops: f64,
    /// bytes / median time, GB/s.
    pub gbps: f64,
    /// Mean power while it ran, W, where measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_w: Option<f64>,
}

impl Sample {
    /// Bytes written per call.
    pub fn write_bytes(&self) -> f64 {
        self.bytes - self.read_bytes
    }

    /// Whether the kernel writes back to lines it has just read (no write-allocate read): the
    /// in-place STREAM kernels and the all-reduce, which sums a cached chunk and copies it back.
    pub fn writes_in_place(&self) -> bool {
        matches!(self.kernel.as_str(), "stream-scale-inplace" | "stream-triad-inplace" | "allreduce")
    }

    /// (read, write-allocate, in-place written) bytes per call.
    pub fn traffic(&self) -> (f64, f64, f64) {
        let w = self.write_bytes();
        if self.writes_in_place() { (self.read_bytes, 0.0, w) } else { (self.read_bytes, w, 0.0) }
    }

    /// "gemm fp64 1024x1024x1024".
    pub fn label(&self) -> String {
        let shape: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        format!("{} {} {}", self.kernel, self.precision, shape.join("x"))
    }
}

/// The memory side of the roofline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryFit {
    /// Fitted read bandwidth (1 / seconds per byte read), GB/s.
    pub read_gbps: f64,
    /// Fitted write bandwidth to lines not in cache (1 / seconds per byte written, the
    /// write-allocate read included), GB/s.
    pub write_gbps: f64,
    /// Fitted write bandwidth back to lines the kernel just read (in place), GB/s; 0 in
    /// profiles written before it was measured (then `write_gbps` applies).
    #[serde(default)]
    pub write_in_place_gbps: f64,
    /// STREAM triad, GB/s, STREAM's convention.
    pub stream_triad_gbps: f64,
    /// STREAM copy, GB/s, STREAM's convention.
    pub stream_copy_gbps: f64,
}

/// Fitted parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitResult {
    /// One roofline per precision measured.
    pub rooflines: Vec<Roofline>,
    /// Memory bandwidth.
    pub memory: MemoryFit,
    /// Softmax throughput, elements/s (exp-bound on CPUs).
    pub softmax_elements_per_s: f64,
    /// The precision training-like work uses on this device ("fp32" on a CPU, "bf16" on a GPU).
    pub reference_precision: String,
    /// Model-FLOPs utilization of the largest attention block at the reference precision:
    /// GEMM FLOPs / (time x peak). The efficiency a scenario takes from this profile.
    pub efficiency: f64,
    /// Power vs utilization, where power was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerFit>,
}

impl FitResult {
    /// The roofline of a precision.
    pub fn roofline(&self, precision: &str) -> Option<&Roofline> {
        self.rooflines.iter().find(|r| r.precision == precision)
    }
}

/// A held-out kernel: its time predicted from the fit and measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The sample's label.
    pub kernel: String,
    /// "compute", "memory" or "mixed".
    pub bound: String,
    /// Measured time (the fastest repetition, like the fit), s.
    pub measured_s: f64,
    /// Predicted time, s.
    pub predicted_s: f64,
    /// (predicted - measured) / measured.
    pub relative_error: f64,
}

/// A profile that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file cannot be read.
    #[error("cannot read calibration profile {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a profile of this format.
    #[error("calibration profile {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Profile {
    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// Reads and checks a profile file.
    pub fn read(path: &Path) -> Result<Profile, ProfileError> {
        let shown = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::MAX_TEXT_BYTES)
            .map_err(|source| ProfileError::Io { path: shown.clone(), source })?;
        let p: Profile = serde_json::from_str(&text)
            .map_err(|e| ProfileError::Invalid { path: shown.clone(), message: format!("not a profile: {e}") })?;
        if p.format != FORMAT {
            return Err(ProfileError::Invalid { path: shown, message: format!("format {} (this aidc reads format {FORMAT})", p.format) });
        }
        if !(p.fit.efficiency.is_finite() && p.fit.efficiency > 0.0) {
            return Err(ProfileError::Invalid {
                path: shown,
                message: format!("fit.efficiency must be positive, found {}", p.fit.efficiency),
            });
        }
        Ok(p)
    }
}

/// Now as an RFC 3339 UTC timestamp.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    utc(secs)
}

/// Seconds since 1970 as an RFC 3339 UTC timestamp.
pub fn utc(secs: u64) -> String {
    let rem = secs % 86_400;
    let d = crate::time::calendar::Date::from_days((secs / 86_400) as i64);
    format!("{d}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_767_225_599), "2025-12-31T23:59:59Z");
    }
}
