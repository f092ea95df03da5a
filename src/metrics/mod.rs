//! Metrics: what the domains measure with, below every model: the metrics registry (each
//! summary key and timeseries column once, with its unit, labels and definition), log
//! histograms and percentiles, and the CSV row builder the recorders write with.

pub mod csv;
pub mod histogram;
mod percentiles;
pub mod registry;

pub use percentiles::{KaplanMeier, PERCENTILE_PRECISION, Percentiles};
