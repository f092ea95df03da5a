//! The `failures` section of summary.json.
//!
//! ## Definitions (also in the README)
//! Accelerator-hours of a job attempt are its allocated accelerators x the attempt's wall time.
//! They split into useful work (checkpointed, or finished), checkpoint overhead (writing
//! checkpoints), restart time (reloading after an interruption) and lost work (done since the
//! last checkpoint and thrown away by the interruption); throttling adds wall time to none of them.
//! - goodput = useful / allocated accelerator-hours;
//! - ETTR (effective training time ratio, as in Meta's Llama 3 report) = useful / (allocated +
//!   accelerator-hours spent queued again after interruptions);
//! - availability = in-service accelerator-hours / (installed - hot spares) x horizon, where in
//!   service means neither down nor held as an idle spare.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Failures, interruptions, repairs and the time they cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FailuresSummary {
    /// Failures drawn per component class (including those hitting down nodes or idle spares).
    pub failures: BTreeMap<String, u64>,
    /// Job interruptions per cause (one per job and failure).
    pub interruptions: BTreeMap<String, u64>,
    /// Repairs completed.
    pub repairs: u64,
    /// Failed nodes replaced at once by a hot spare.
    pub spare_swaps: u64,
    /// Accelerator-hours allocated to jobs.
    pub allocated_accelerator_hours: f64,
    /// Accelerator-hours of useful work.
    pub useful_accelerator_hours: f64,
    /// Accelerator-hours of work thrown away plus restart time.
    pub lost_accelerator_hours: f64,
    /// Of which restart time.
    pub restart_accelerator_hours: f64,
    /// Accelerator-hours spent writing checkpoints.
    pub checkpoint_accelerator_hours: f64,
    /// Useful / allocated accelerator-hours.
    pub goodput: f64,
    /// Effective training time ratio.
    pub ettr: f64,
    /// In-service share of the production capacity (installed less spares).
    pub availability: f64,
    /// Largest work lost by one interruption, in checkpoint intervals (at most 1 by design).
    pub max_lost_intervals: f64,
}
