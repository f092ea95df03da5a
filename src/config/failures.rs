//! Failures (`[failures]`): failure rates and repair times per component class, hot spares,
//! and checkpointing per job class.

pub use crate::catalog::failures::Component;

/// Hours in a (Julian) year, for annualized failure rates.
pub const HOURS_PER_YEAR: f64 = 8766.0;

/// Failure process of one component class.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentFailures {
    /// Which class.
    pub component: Component,
    /// Mean time between failures of one unit, ms (infinite: off).
    pub mtbf_ms: f64,
    /// Median repair time, ms.
    pub repair_ms: u64,
    /// Sigma of ln(repair time).
    pub repair_sigma: f64,
}

/// Checkpoint interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Interval {
    /// Fixed work between checkpoints, ms.
    Fixed(u64),
    /// tau = sqrt(2 cost M) per job start.
    YoungDaly,
}

/// How a checkpoint is written (used with a `[storage]` tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The job stalls until the checkpoint is on storage.
    Sync,
    /// The job stalls only for the copy into host memory; the write to storage follows in the
    /// background.
    Async,
}

impl Mode {
    /// Names as written in scenarios.
    pub const ALL: [(Mode, &'static str); 2] = [(Mode::Sync, "sync"), (Mode::Async, "async")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Mode::ALL.iter().find(|(k, _)| *k == self).map_or("sync", |(_, n)| n)
    }
}

/// A resolved checkpoint policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    /// Interval.
    pub interval: Interval,
    /// Cost of one checkpoint, ms (without a `[storage]` tier).
    pub cost_ms: u64,
    /// Restart time after an interruption, ms (without a `[storage]` tier).
    pub restart_ms: u64,
    /// Size of one checkpoint, bytes (with a `[storage]` tier).
    pub size_bytes: f64,
    /// Synchronous or asynchronous (with a `[storage]` tier).
    pub mode: Mode,
}

/// The resolved `[failures]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Failures {
    /// One entry per [`Component::ALL`], in that order.
    pub components: Vec<ComponentFailures>,
    /// Hot spare nodes per node type.
    pub spares: u32,
    /// Default checkpoint policy.
    pub checkpoint: Checkpoint,
    /// Per-class checkpoint policies.
    pub classes: Vec<(String, Checkpoint)>,
    /// Checkpoint bytes per model parameter of a work-defined class (weights and optimizer state).
    pub bytes_per_param: f64,
}

impl ComponentFailures {
    /// Failures per unit per ms (0 when off).
    pub fn rate_per_ms(&self) -> f64 {
        if self.mtbf_ms.is_finite() { 1.0 / self.mtbf_ms } else { 0.0 }
    }
}

impl Failures {
    /// The checkpoint policy of a class label.
    pub fn checkpoint_of(&self, label: &str) -> Checkpoint {
        self.classes.iter().find(|(c, _)| c == label).map_or(self.checkpoint, |(_, c)| *c)
    }
}
