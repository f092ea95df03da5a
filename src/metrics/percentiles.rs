//! Distributions of durations in summary.json: count, exact mean and max, and nearest-rank
//! percentiles from a log histogram.

use serde::{Deserialize, Serialize};

use super::histogram::LogHistogram;

/// Relative precision of wait and completion-time percentiles.
pub const PERCENTILE_PRECISION: f64 = 0.01;

/// Distribution of a duration, seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Jobs counted.
    pub count: u64,
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Exact maximum.
    pub max: f64,
}

impl Percentiles {
    /// From a histogram of ms.
    pub fn of(h: &LogHistogram) -> Percentiles {
        let s = |ms: f64| (ms / 1000.0 * 1000.0).round() / 1000.0;
        Percentiles {
            count: h.count(),
            mean: s(h.mean_ms()),
            p50: s(h.quantile_ms(0.5)),
            p95: s(h.quantile_ms(0.95)),
            p99: s(h.quantile_ms(0.99)),
            max: s(h.max_ms() as f64),
        }
    }
}

/// Percentiles of a duration some of whose observations are unfinished (right-censored), by
/// Kaplan-Meier ([`LogHistogram::kaplan_meier_quantile_ms`]), seconds; `None` (null in JSON)
/// where the estimate lies beyond every finished observation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// Unfinished observations (jobs still queued at the horizon).
    pub censored: u64,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl KaplanMeier {
    /// From histograms of finished and of censored durations, ms.
    pub fn of(done: &LogHistogram, censored: &LogHistogram) -> KaplanMeier {
        let q = |q: f64| done.kaplan_meier_quantile_ms(censored, q).map(|ms| (ms / 1000.0 * 1000.0).round() / 1000.0);
        KaplanMeier { censored: censored.count(), p50: q(0.5), p95: q(0.95), p99: q(0.99) }
    }
}
