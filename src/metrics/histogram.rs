//! Fixed-memory quantiles for job waits and completion times. The simulation must not
//! grow memory with simulated time, so instead of storing every sample we keep a
//! log-bucketed histogram: an exact count of zero values, then buckets
//! `[γ^i, γ^(i+1))` with `γ = 1 + rel_precision`, covering 1 ms up to `u64::MAX` ms.
//! Memory is O(number of buckets) (about 4,460 buckets for `rel_precision = 0.01`),
//! allocated once in [`LogHistogram::new`]; [`LogHistogram::record`] is O(1) and never
//! allocates. Count, mean (from an exact `u128` sum), min and max are exact.
//!
//! Quantiles use the nearest-rank definition: for `n` samples and `q ∈ [0, 1]`, the
//! `q`-quantile is the smallest recorded value `v` such that at least `max(1, ⌈q·n⌉)`
//! samples are `<= v`. The histogram finds the bucket holding that rank and returns
//! the bucket's geometric midpoint `γ^(i+½)`, clamped to the exact recorded `[min, max]`;
//! a rank that falls among the zeros gives exactly 0. Since the true value lies in the
//! same bucket, the relative error is at most `√γ − 1 < rel_precision / 2` (plus
//! floating-point noise at bucket edges), hence always within `rel_precision`.

/// Log-bucketed histogram of non-negative durations in milliseconds: exact count of zeros, then buckets of relative width `1 + rel_precision` from 1 ms up to u64::MAX ms; memory O(buckets), independent of the number of samples.
#[derive(Debug, Clone, PartialEq)]
pub struct LogHistogram {
    rel_precision: f64,
    /// `ln(1 + rel_precision)`.
    ln_gamma: f64,
    zeros: u64,
    /// `counts[i]` holds samples in `[γ^i, γ^(i+1))`; allocated once, never resized.
    counts: Vec<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl LogHistogram {
    /// Creates an empty histogram; `rel_precision` must lie in [1e-4, 1] (0.01 gives ~4,460 buckets).
    pub fn new(rel_precision: f64) -> Self {
        assert!((1e-4..=1.0).contains(&rel_precision), "LogHistogram rel_precision must be in [1e-4, 1], got {rel_precision}");
        let ln_gamma = rel_precision.ln_1p();
        Self { rel_precision, ln_gamma, zeros: 0, counts: vec![0; Self::buckets(rel_precision)], count: 0, sum: 0, min: u64::MAX, max: 0 }
    }

    /// Buckets of a histogram of this precision (its memory is 8 bytes each).
    pub fn buckets(rel_precision: f64) -> usize {
        ((u64::MAX as f64).ln() / rel_precision.ln_1p()) as usize + 1
    }

    /// The relative precision this histogram was created with.
    pub fn rel_precision(&self) -> f64 {
        self.rel_precision
    }

    fn bucket(&self, value_ms: u64) -> usize {
        let i = ((value_ms as f64).ln() / self.ln_gamma) as usize; // saturating cast, >= 0
        i.min(self.counts.len() - 1)
    }

    /// Records one sample in O(1) without allocating.
    pub fn record(&mut self, value_ms: u64) {
        if value_ms == 0 {
            self.zeros += 1;
        } else {
            let i = self.bucket(value_ms);
            self.counts[i] += 1;
        }
        self.count += 1;
        self.sum += u128::from(value_ms);
        self.min = self.min.min(value_ms);
        self.max = self.max.max(value_ms);
    }

    /// Number of recorded samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Exact mean of the recorded samples in ms (rounded once to f64); 0 when empty.
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum as f64 / self.count as f64 }
    }

    /// Exact smallest recorded sample; 0 when empty.
    pub fn min_ms(&self) -> u64 {
        if self.count == 0 { 0 } else { self.min }
    }

    /// Exact largest recorded sample; 0 when empty.
    pub fn max_ms(&self) -> u64 {
        self.max
    }

    /// Nearest-rank `q`-quantile (q in [0, 1]) as the bucket's geometric midpoint clamped to [min, max]; 0.0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        assert!((0.0..=1.0).contains(&q), "quantile must be in [0, 1], got {q}");
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank <= self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let mid = ((i as f64 + 0.5) * self.ln_gamma).exp();
                return mid.clamp(self.min as f64, self.max as f64);
            }
        }
        self.max as f64 // unreachable: the counts sum to `count`
    }

    /// The Kaplan-Meier `q`-quantile of a duration whose finished observations are `self` and
    /// whose unfinished ones (right-censored: the duration is known to exceed the value, e.g. the
    /// wait so far of a job still queued at the horizon) are `censored`; `None` where the
    /// estimated survival never falls to `1 - q` (the quantile lies beyond every finished
    /// observation). Both histograms must have the same precision (panics otherwise).
    ///
    /// Kaplan & Meier, J. Am. Stat. Assoc. 53 (1958) 457-481: `S(t) = Π_{t_i <= t} (1 - d_i / n_i)`
    /// over the event times `t_i`, `d_i` events at `t_i`, `n_i` observations still at risk (finished
    /// or censored at or after `t_i`); the quantile is the smallest event time with
    /// `S(t) <= 1 - q`. Here times are the histogram's buckets: an observation censored in the
    /// same bucket as an event counts as at risk at it (an error within the bucket width, as for
    /// [`Self::quantile_ms`]), and the value returned is the bucket's geometric midpoint clamped
    /// to the exact finished `[min, max]`. Without censoring it is the nearest-rank quantile.
    pub fn kaplan_meier_quantile_ms(&self, censored: &Self, q: f64) -> Option<f64> {
        assert!((0.0..=1.0).contains(&q), "quantile must be in [0, 1], got {q}");
        assert_eq!(self.rel_precision.to_bits(), censored.rel_precision.to_bits(), "Kaplan-Meier needs equal rel_precision");
        if self.count == 0 {
            return None;
        }
        // Survival at or below this is reached (a tolerance for the rounding of the product).
        let target = 1.0 - q + 1e-12;
        let mut at_risk = (self.count + censored.count) as f64;
        let mut survival = 1.0;
        let mut step = |events: u64, lost: u64| -> bool {
            if events > 0 {
                survival *= 1.0 - events as f64 / at_risk;
            }
            at_risk -= (events + lost) as f64;
            events > 0 && survival <= target
        };
        if step(self.zeros, censored.zeros) {
            return Some(0.0);
        }
        for (i, (&d, &c)) in self.counts.iter().zip(&censored.counts).enumerate() {
            if step(d, c) {
                let mid = ((i as f64 + 0.5) * self.ln_gamma).exp();
                return Some(mid.clamp(self.min as f64, self.max as f64));
            }
        }
        None
    }

    /// Adds every sample of `other`; both histograms must have the same precision (panics otherwise).
    pub fn merge(&mut self, other: &Self) {
        assert_eq!(self.rel_precision.to_bits(), other.rel_precision.to_bits(), "LogHistogram::merge needs equal rel_precision");
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.zeros += other.zeros;
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference nearest-rank quantile over a sorted vector.
    fn exact_quantile(sorted: &[u64], q: f64) -> u64 {
        let n = sorted.len() as u64;
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        sorted[(rank - 1) as usize]
    }

    /// A histogram quantile farther from the exact one than the histogram's precision.
    #[derive(Debug, thiserror::Error)]
    #[error("q={q}: got {got}, want {want}")]
    struct QuantileMiss {
        q: f64,
        got: f64,
        want: f64,
    }

    fn check_close(h: &LogHistogram, sorted: &[u64], q: f64) -> Result<(), QuantileMiss> {
        let want = exact_quantile(sorted, q) as f64;
        let got = h.quantile_ms(q);
        let ok = if want == 0.0 { got == 0.0 } else { (got - want).abs() <= h.rel_precision() * want };
        if ok { Ok(()) } else { Err(QuantileMiss { q, got, want }) }
    }

    #[test]
    fn empty_histogram() {
        let h = LogHistogram::new(0.01);
        assert_eq!(h.count(), 0);
        assert!(h.is_empty());
        assert_eq!(h.mean_ms(), 0.0);
        assert_eq!(h.max_ms(), 0);
        assert_eq!(h.min_ms(), 0);
        for q in [0.0, 0.5, 1.0] {
            assert_eq!(h.quantile_ms(q), 0.0);
        }
    }

    #[test]
    fn bucket_count_is_about_4400_for_one_percent() {
        let n = LogHistogram::new(0.01).counts.len();
        assert!((4400..4500).contains(&n), "{n}");
    }

    #[test]
    fn all_zeros() {
        let mut h = LogHistogram::new(0.01);
        for _ in 0..1000 {
            h.record(0);
        }
        assert_eq!((h.count(), h.max_ms(), h.mean_ms()), (1000, 0, 0.0));
        for q in [0.0, 0.5, 0.99, 1.0] {
            assert_eq!(h.quantile_ms(q), 0.0);
        }
    }

    #[test]
    fn exact_small_set() {
        let mut h = LogHistogram::new(0.01);
        let values = [0, 0, 1, 5, 10, 100, 1000, 60_000, 3_600_000, u64::MAX];
        for v in values {
            h.record(v);
        }
        assert_eq!(h.count(), 10);
        assert_eq!(h.max_ms(), u64::MAX);
        let exact_mean = values.iter().map(|&v| u128::from(v)).sum::<u128>() as f64 / 10.0;
        assert_eq!(h.mean_ms(), exact_mean);
        assert_eq!(h.quantile_ms(0.2), 0.0);
        assert_eq!(h.quantile_ms(1.0), u64::MAX as f64);
        for q in [0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0] {
            check_close(&h, &values, q).unwrap();
        }
        let mut one = LogHistogram::new(0.01);
        one.record(1234);
        assert_eq!(one.quantile_ms(0.5), 1234.0); // clamped to the exact min/max
    }

    #[test]
    fn merge_equals_recording_both() {
        let (mut a, mut b, mut both) = (LogHistogram::new(0.02), LogHistogram::new(0.02), LogHistogram::new(0.02));
        for v in 0..500u64 {
            let x = v * v * 37 % 100_000;
            if v % 3 == 0 {
                a.record(x)
            } else {
                b.record(x)
            }
            both.record(x);
        }
        a.merge(&b);
        assert_eq!(a, both);
        let mut empty = LogHistogram::new(0.02);
        empty.merge(&LogHistogram::new(0.02));
        assert_eq!(empty, LogHistogram::new(0.02));
    }

    #[test]
    #[should_panic(expected = "equal rel_precision")]
    fn merge_rejects_different_precision() {
        LogHistogram::new(0.01).merge(&LogHistogram::new(0.02));
    }

    #[test]
    fn record_never_allocates() {
        let mut h = LogHistogram::new(0.01);
        let (cap, ptr) = (h.counts.capacity(), h.counts.as_ptr());
        for v in (0..64).map(|s| 1u64 << s).chain([0, 1, 7, 999, u64::MAX]) {
            h.record(v);
        }
        assert_eq!((h.counts.capacity(), h.counts.as_ptr()), (cap, ptr));
    }

    /// Kaplan-Meier quantile over raw (value, finished) observations, every value its own time.
    fn exact_km(obs: &[(u64, bool)], q: f64) -> Option<u64> {
        let mut v = obs.to_vec();
        v.sort_unstable();
        let mut at_risk = v.len() as f64;
        let mut survival = 1.0;
        let mut i = 0;
        while i < v.len() {
            let t = v[i].0;
            let same = v[i..].iter().take_while(|o| o.0 == t).count();
            let events = v[i..i + same].iter().filter(|o| o.1).count();
            if events > 0 {
                survival *= 1.0 - events as f64 / at_risk;
                if survival <= 1.0 - q + 1e-12 {
                    return Some(t);
                }
            }
            at_risk -= same as f64;
            i += same;
        }
        None
    }

    #[test]
    fn kaplan_meier_by_hand() {
        // Waits 1, 2, 3, 4 s finished; two jobs still queued after 2.5 s.
        let (mut done, mut queued) = (LogHistogram::new(0.01), LogHistogram::new(0.01));
        for v in [1000, 2000, 3000, 4000] {
            done.record(v);
        }
        queued.record(2500);
        queued.record(2500);
        // S(1) = 5/6, S(2) = 5/6 * 4/5 = 2/3, S(3) = 2/3 * 1/2 = 1/3, S(4) = 0.
        let near = |q: f64, want: f64| {
            let got = done.kaplan_meier_quantile_ms(&queued, q).expect("reached");
            assert!((got - want).abs() <= 0.005 * want, "q {q}: {got} vs {want}");
        };
        near(0.3, 2000.0);
        near(0.5, 3000.0);
        near(0.99, 4000.0);
        // Counting the queued as if they had started at 2.5 s puts the median lower.
        let mut naive = done.clone();
        naive.merge(&queued);
        assert!(naive.quantile_ms(0.5) < 3000.0);
        // A queue whose censored waits outlast every start: the tail is beyond the data.
        let mut long = LogHistogram::new(0.01);
        for _ in 0..4 {
            long.record(10_000);
        }
        // S = 7/8 x 6/7 x 5/6 x 4/5 = 1/2 after the last start: the median is reached, p60 is not.
        assert!(done.kaplan_meier_quantile_ms(&long, 0.5).is_some());
        assert_eq!(done.kaplan_meier_quantile_ms(&long, 0.6), None);
        assert_eq!(LogHistogram::new(0.01).kaplan_meier_quantile_ms(&long, 0.5), None);
    }

    proptest! {
        #[test]
        fn quantiles_match_sorted_reference(
            mut values in prop::collection::vec(0u64..10_000_000_000, 1..300),
            prec in prop::sample::select(vec![0.001, 0.01, 0.05]),
        ) {
            let mut h = LogHistogram::new(prec);
            for &v in &values {
                h.record(v);
            }
            values.sort_unstable();
            for q in [0.5, 0.95, 0.99] {
                check_close(&h, &values, q).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            prop_assert_eq!(h.max_ms(), *values.last().unwrap_or(&0));
            let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
            prop_assert_eq!(h.mean_ms(), sum as f64 / values.len() as f64);
        }

        #[test]
        fn kaplan_meier_without_censoring_is_the_nearest_rank_quantile(
            values in prop::collection::vec(0u64..10_000_000_000, 1..300),
        ) {
            let mut h = LogHistogram::new(0.01);
            for &v in &values {
                h.record(v);
            }
            let none = LogHistogram::new(0.01);
            for q in [0.1, 0.5, 0.9, 0.95, 0.99, 1.0] {
                prop_assert_eq!(h.kaplan_meier_quantile_ms(&none, q), Some(h.quantile_ms(q)));
            }
        }

        #[test]
        fn kaplan_meier_matches_the_exact_estimate(
            obs in prop::collection::vec((0u32..40, prop::bool::weighted(0.7)), 1..200),
        ) {
            // Values 1.1^k ms: each in a bucket of its own, so bucketing loses nothing.
            let obs: Vec<(u64, bool)> = obs.iter().map(|&(k, done)| ((1.1f64.powi(k as i32) * 1000.0).round() as u64, done)).collect();
            let (mut done, mut queued) = (LogHistogram::new(0.01), LogHistogram::new(0.01));
            for &(v, finished) in &obs {
                if finished { done.record(v) } else { queued.record(v) }
            }
            for q in [0.25, 0.5, 0.9, 0.95, 0.99] {
                let got = done.kaplan_meier_quantile_ms(&queued, q);
                let want = exact_km(&obs, q);
                match (got, want) {
                    (Some(g), Some(w)) => prop_assert!((g - w as f64).abs() <= 0.01 * w as f64, "q {}: {} vs {}", q, g, w),
                    (g, w) => prop_assert_eq!(g.is_some(), w.is_some(), "q {}: {:?} vs {:?}", q, g, w),
                }
            }
        }

        #[test]
        fn quantiles_with_many_zeros(zeros in 0usize..50, values in prop::collection::vec(1u64..1000, 0..50)) {
            let mut h = LogHistogram::new(0.01);
            let mut all = vec![0; zeros];
            all.extend(&values);
            for &v in &all {
                h.record(v);
            }
            all.sort_unstable();
            if !all.is_empty() {
                for q in [0.0, 0.5, 0.95, 0.99, 1.0] {
                    check_close(&h, &all, q).map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
            }
        }
    }
}
