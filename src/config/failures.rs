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

/// A resolved checkpoint policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    /// Interval.
    pub interval: Interval,
    /// Cost of one checkpoint, ms.
    pub cost_ms: u64,
    /// Restart time after an interruption, ms.
    pub restart_ms: u64,
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
