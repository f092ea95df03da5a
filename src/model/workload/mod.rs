//! The workload: where jobs come from (synthetic classes, trace replay), the live job table,
//! the life of a job from submission to its end, and the `jobs` summary and jobs.csv rows.

mod arrivals;
mod book;
mod calibration;
mod classes;
mod generator;
mod jobs;
mod lifecycle;
mod rows;

pub use arrivals::{Arrivals, Drawn, Federated, Inbound, on_arrival, on_inbound, on_job_ended, on_trace_arrival};
pub use book::{Censored, ClassStats, ClassSummary, JobBook, JobsSummary, TraceInfo, queued_waits};
pub use calibration::{CalibrationUse, DurationScale, summary_entries};
pub use classes::{ClassInfo, ClassTable};
pub use generator::{ClassSampler, DrawnJob};
pub use jobs::{End, Job, JobSlot, JobState, Jobs, Request};
pub use lifecycle::{Cause, Life, set_draw};
pub use rows::{JOBS_HEADER, JOBS_TRACE_COLUMNS, JobsWriter};
