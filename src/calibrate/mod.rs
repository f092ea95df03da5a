//! Calibration: measure the attached hardware with real kernels, fit its performance (and power)
//! models, check the fit on kernels it did not see, and write a profile that scenarios can use.
//!
//! ## How it works
//! [`suite::run_cpu`] runs the CPU kernels ([`cpu`]: GEMM through the `gemm` crate in fp64,
//! fp32 and fp16, STREAM, layer norm, softmax, an attention block, an all-reduce among threads)
//! with warm-up and repetitions ([`measure`]) on working sets sized within bounds whatever the
//! machine reports ([`working_set`]), reads the host's facts and theoretical peak
//! ([`host`]) and its RAPL energy counters where readable ([`rapl`]), fits a roofline per
//! precision with an efficiency-vs-size curve and the memory bandwidth ([`fit`]), predicts the
//! held-out kernels, and returns a [`profile::Profile`]. [`cuda`] does the same for an NVIDIA
//! GPU behind the cargo feature `cuda`. [`apply`] turns a profile into a device's efficiency,
//! peaks and power in a scenario, and into the factor job durations follow
//! ([`crate::config::calibration::DeviceCalibration`]).

pub mod apply;
pub mod cpu;
pub mod cuda;
pub mod fit;
pub mod host;
pub mod measure;
pub mod profile;
pub mod rapl;
pub mod suite;
pub mod working_set;

pub use apply::DEFAULT_NOMINAL_EFFICIENCY;
pub use profile::Profile;
