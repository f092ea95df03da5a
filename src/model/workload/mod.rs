//! The workload: live jobs, synthetic job classes and trace replay.

mod generator;
mod jobs;

pub use generator::{ClassSampler, DrawnJob};
pub use jobs::{Job, JobSlot, JobState, Jobs, Request};
