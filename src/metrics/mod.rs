//! Metrics: exact integrals of site load, streamed CSV recorders and the run summary.
//!
//! ## Definitions (also in the README)
//! - allocation utilization: time-weighted mean of allocated / installed accelerators; under
//!   GPU shares each pod counts its GPUs x share (fractional allocation), and the fraction of
//!   GPUs holding any share is reported apart (`occupied_mean`);
//! - effective utilization: the same, each allocated accelerator weighted by its job's
//!   utilization (accelerators a whole-node job holds beyond its request count as idle);
//! - idle capacity: accelerator-hours unallocated (installed x horizon - allocated), and
//!   accelerator-hours allocated but idle (allocated - effective);
//! - wait: start - submit of every job that started; completion time: end - submit of every
//!   completed job. Percentiles are nearest-rank over a log histogram (0.5 % relative error).

pub mod failures;
pub mod histogram;
mod load;
pub mod network;
mod recorder;
mod summary;

pub use load::{Sample, SampleMemo, SiteLoad, sample_facility, sample_halls, sample_site};
pub use recorder::{FACILITY_COLUMNS, JOBS_HEADER, JOBS_TRACE_COLUMNS, JobsWriter, TIMESERIES_HEADER, TimeseriesWriter};
pub use summary::*;
