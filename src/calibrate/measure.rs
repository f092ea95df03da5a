//! Timing of one kernel sample: warm up, repeat, keep every repetition's wall time, report the
//! median and the spread (min, quartiles, max).
//!
//! ## How it works
//! [`time_kernel`] runs the kernel `warmup` times untimed (caches, page faults, thread pool
//! start-up, clock ramp), then times `reps` calls with a monotonic clock, stopping early once
//! `budget_s` is spent (but never below [`MIN_REPS`] calls). The median is robust to the
//! occasional preempted repetition; quartiles are nearest-rank.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The fewest timed repetitions of any sample.
pub const MIN_REPS: usize = 3;

/// Wall times of the repetitions of one sample, seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Timed repetitions.
    pub reps: usize,
    /// Median, s.
    pub median_s: f64,
    /// Fastest, s.
    pub min_s: f64,
    /// First quartile, s.
    pub q1_s: f64,
    /// Third quartile, s.
    pub q3_s: f64,
    /// Slowest, s.
    pub max_s: f64,
}

impl Timing {
    /// Summary of raw repetition times (seconds); zeros when empty.
    pub fn of(times: &[f64]) -> Timing {
        let mut t: Vec<f64> = times.iter().copied().filter(|x| x.is_finite()).collect();
        if t.is_empty() {
            return Timing::default();
        }
        t.sort_by(f64::total_cmp);
        let n = t.len();
        let rank = |q: f64| t[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
        let median_s = if n % 2 == 1 { t[n / 2] } else { 0.5 * (t[n / 2 - 1] + t[n / 2]) };
        Timing { reps: n, median_s, min_s: t[0], q1_s: rank(0.25), q3_s: rank(0.75), max_s: t[n - 1] }
    }

    /// Interquartile range over the median: a relative spread.
    pub fn relative_iqr(&self) -> f64 {
        if self.median_s > 0.0 { (self.q3_s - self.q1_s) / self.median_s } else { 0.0 }
    }
}

/// Warms up, then times up to `reps` calls within about `budget_s` seconds.
pub fn time_kernel(warmup: usize, reps: usize, budget_s: f64, kernel: impl FnMut()) -> Timing {
    Timing::of(&repetition_times(warmup, reps, budget_s, kernel))
}

/// The wall time of each timed repetition of [`time_kernel`], s.
pub fn repetition_times(warmup: usize, reps: usize, budget_s: f64, mut kernel: impl FnMut()) -> Vec<f64> {
    for _ in 0..warmup {
        kernel();
    }
    let started = Instant::now();
    let mut times = Vec::with_capacity(reps);
    while times.len() < reps.max(MIN_REPS) {
        let t = Instant::now();
        kernel();
        times.push(t.elapsed().as_secs_f64());
        // `>=`: a spent budget of 0 stops at MIN_REPS even on a clock too coarse to advance.
        if times.len() >= MIN_REPS && started.elapsed().as_secs_f64() >= budget_s {
            break;
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quartiles_of_known_values() {
        let t = Timing::of(&[5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!((t.reps, t.median_s, t.min_s, t.max_s), (5, 3.0, 1.0, 5.0));
        assert_eq!((t.q1_s, t.q3_s), (2.0, 4.0));
        assert_eq!(Timing::of(&[1.0, 3.0]).median_s, 2.0);
        assert_eq!(Timing::of(&[]).reps, 0);
    }

    #[test]
    fn a_small_budget_still_times_the_minimum_repetitions() {
        let mut calls = 0;
        let t = time_kernel(2, 100, 0.0, || calls += 1);
        assert_eq!(t.reps, MIN_REPS);
        assert_eq!(calls, 2 + MIN_REPS);
    }
}
