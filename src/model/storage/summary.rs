//! The `storage` section of summary.json.
//!
//! ## Definitions (also in the README)
//! - utilization of a direction = bytes moved / (aggregate bandwidth x horizon);
//! - checkpoint stall = wall time a job waits for its checkpoint (the whole write when
//!   synchronous, the copy into host memory when asynchronous); restart = wall time reading
//!   the last checkpoint back; both are job-hours (per job, not per accelerator: the failures
//!   section gives the accelerator-hours).

use serde::{Deserialize, Serialize};

/// Counters kept during the run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub checkpoints: u64,
    pub stall_ms: f64,
    pub write_ms: f64,
    pub restarts: u64,
    pub restart_ms: f64,
}

impl Tally {
    pub(crate) fn summary(&self, write_util: f64, read_util: f64, energy_kwh: f64, horizon_ms: u64) -> StorageSummary {
        let mean = |ms: f64, n: u64| if n > 0 { ms / n as f64 / 1000.0 } else { 0.0 };
        StorageSummary {
            checkpoints: self.checkpoints,
            restarts: self.restarts,
            checkpoint_stall_hours: self.stall_ms / 3.6e6,
            restart_hours: self.restart_ms / 3.6e6,
            mean_checkpoint_stall_s: mean(self.stall_ms, self.checkpoints),
            mean_checkpoint_write_s: mean(self.write_ms, self.checkpoints),
            mean_restart_s: mean(self.restart_ms, self.restarts),
            write_utilization: write_util,
            read_utilization: read_util,
            energy_kwh,
            mean_power_kw: if horizon_ms > 0 { energy_kwh / (horizon_ms as f64 / 3.6e6) } else { 0.0 },
        }
    }
}

/// Checkpoints and restarts through storage, its utilization and energy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StorageSummary {
    /// Checkpoints written to storage (complete).
    pub checkpoints: u64,
    /// Restarts that read a checkpoint back (complete).
    pub restarts: u64,
    /// Job-hours stalled by checkpoints.
    pub checkpoint_stall_hours: f64,
    /// Job-hours spent reading checkpoints back.
    pub restart_hours: f64,
    /// Mean stall of one checkpoint, s.
    pub mean_checkpoint_stall_s: f64,
    /// Mean time from a checkpoint's start to its last byte on storage, s.
    pub mean_checkpoint_write_s: f64,
    /// Mean time to read a checkpoint back, s.
    pub mean_restart_s: f64,
    /// Time-averaged share of the write bandwidth in use.
    pub write_utilization: f64,
    /// Time-averaged share of the read bandwidth in use.
    pub read_utilization: f64,
    /// Energy of the storage tier, kWh (part of IT energy).
    pub energy_kwh: f64,
    /// Mean power of the storage tier, kW.
    pub mean_power_kw: f64,
}
