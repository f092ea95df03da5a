//! Synthetic job classes: arrivals, sizes, durations and utilizations.
//!
//! ## How it works
//! Arrivals are a Poisson process of mean rate λ, optionally modulated by hour-of-day and
//! day-of-week multipliers (each normalised to mean 1, so λ stays the mean rate; weekdays
//! follow the calendar from `simulation.start`). The modulated process is drawn exactly by thinning (Lewis & Shedler 1979):
//! candidates at rate λ·max(h)·max(d), each kept with probability λ(t) / (λ·max(h)·max(d)).
//! A [`DemandSchedule`] (forecasts) multiplies λ by a piecewise-constant factor m(t) the same
//! way: candidates at λ·max(h)·max(d)·max(m), kept with probability λ(t)·m(t) / that bound.
//! Sizes come from a fixed value, a weighted choice, or powers of two with P(2^k) ∝ 2^(-αk)
//! (heavy-tailed: most jobs small, most accelerator time in a few large ones); durations from a
//! clipped lognormal or a resampled empirical sample; utilization from a Beta distribution with
//! the given mean and standard deviation (α = m k, β = (1 - m) k, k = m(1 - m)/sd² - 1).
//! Each quantity has its own random stream per class, so changing one class or one quantity
//! does not reshuffle the others.
//!
//! How a job ends on its own comes from a fifth stream, `ends/<class>`, two draws per job
//! whatever the outcome (so the shares change no other draw): u ~ U(0, 1) picks failed
//! (u < f), cancelled (f <= u < f + c) or completed, and z ~ N(0, 1) the work before the end,
//! exp(ln median + sigma z) of the chosen state's distribution. The job then ends at the
//! smaller of that and its own run time ([`DrawnJob::end_after_ms`]).

use rand::RngExt;
use rand_distr::{Beta, Distribution, Exp, LogNormal, StandardNormal};

use super::End;
use crate::config::{DemandSchedule, DurationDist, Ends, JobClass, SizeDist, UtilDist};
use crate::time::rng::{Rng, stream};

const MS_PER_H: f64 = 3_600_000.0;

/// A job drawn from a class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawnJob {
    /// Accelerators.
    pub accelerators: u32,
    /// Run time, ms.
    pub duration_ms: u64,
    /// Utilization 0-1.
    pub utilization: f64,
    /// How it ends on its own.
    pub end: End,
    /// Work after which it fails or is cancelled, ms at full speed (u64::MAX when it completes).
    pub end_after_ms: u64,
}

enum Size {
    Fixed(u32),
    Table { values: Vec<u32>, cdf: Vec<f64> },
}

enum Dur {
    Fixed(u64),
    LogNormal { d: LogNormal<f64>, min: u64, max: u64 },
    Empirical(Vec<u64>),
}

enum Util {
    Fixed(f64),
    Beta(Beta<f64>),
}

/// Draws arrivals and jobs of one class.
pub struct ClassSampler {
    size: Size,
    dur: Dur,
    util: Util,
    hour: Option<[f64; 24]>,
    day: Option<[f64; 7]>,
    demand: Option<DemandSchedule>,
    rate_per_s: f64,
    peak: f64,
    first_weekday: u32,
    candidate: Option<Exp<f64>>,
    next_ms: f64,
    arrivals: Rng,
    sizes: Rng,
    durations: Rng,
    utilizations: Rng,
    end_dists: Ends,
    ends: Rng,
}

fn normalised<const N: usize>(v: &Option<Vec<f64>>) -> Option<[f64; N]> {
    let v = v.as_ref()?;
    let mean = v.iter().sum::<f64>() / N as f64;
    let mut out = [0.0; N];
    for (o, x) in out.iter_mut().zip(v) {
        *o = x / mean;
    }
    Some(out)
}

fn cdf(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect()
}

impl ClassSampler {
    /// A sampler for a class with this seed; t = 0 falls on weekday `first_weekday` (Monday = 0).
    pub fn new(class: &JobClass, seed: u64, first_weekday: u32) -> ClassSampler {
        let name = &class.name;
        let size = match &class.size {
            SizeDist::Fixed(v) => Size::Fixed(*v),
            SizeDist::Choice { values, weights } => Size::Table { values: values.clone(), cdf: cdf(weights) },
            SizeDist::Power2 { min, max, alpha } => {
                let ks: Vec<u32> = (min.trailing_zeros()..=max.trailing_zeros()).collect();
                // Weights relative to the largest one, 2^(-alpha (k - k*)) <= 1, so that no
                // exponent overflows whatever the sign and size of alpha.
                let k_star = if *alpha >= 0.0 { ks[0] } else { ks[ks.len() - 1] } as f64;
                let weights: Vec<f64> = ks.iter().map(|k| (-alpha * (*k as f64 - k_star)).exp2()).collect();
                Size::Table { values: ks.iter().map(|k| 1 << k).collect(), cdf: cdf(&weights) }
            }
        };
        let dur = match &class.duration {
            DurationDist::Fixed(v) => Dur::Fixed(*v),
            DurationDist::Lognormal { median_ms, sigma, min_ms, max_ms } => match LogNormal::new((*median_ms as f64).ln(), *sigma) {
                Ok(d) => Dur::LogNormal { d, min: *min_ms, max: *max_ms },
                Err(_) => Dur::Fixed(*median_ms),
            },
            DurationDist::Empirical { values_ms, .. } => Dur::Empirical(values_ms.clone()),
        };
        let util = match class.utilization {
            UtilDist { mean, sd } if sd > 0.0 => {
                let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                match Beta::new(mean * k, (1.0 - mean) * k) {
                    Ok(b) => Util::Beta(b),
                    Err(_) => Util::Fixed(mean),
                }
            }
            UtilDist { mean, .. } => Util::Fixed(mean),
        };
        let hour = normalised::<24>(&class.hour_of_day);
        let day = normalised::<7>(&class.day_of_week);
        let peak = hour.map_or(1.0, |h| h.iter().cloned().fold(0.0, f64::max)) * day.map_or(1.0, |d| d.iter().cloned().fold(0.0, f64::max));
        let rate_per_ms = class.rate_per_s * peak / 1000.0;
        ClassSampler {
            size,
            dur,
            util,
            hour,
            day,
            demand: None,
            rate_per_s: class.rate_per_s,
            peak,
            first_weekday: first_weekday % 7,
            candidate: Exp::new(rate_per_ms).ok().filter(|_| rate_per_ms > 0.0),
            next_ms: 0.0,
            arrivals: stream(seed, &format!("arrivals/{name}")),
            sizes: stream(seed, &format!("sizes/{name}")),
            durations: stream(seed, &format!("durations/{name}")),
            utilizations: stream(seed, &format!("utilization/{name}")),
            end_dists: class.ends,
            ends: stream(seed, &format!("ends/{name}")),
        }
    }

    /// The same sampler with its arrival rate multiplied by `demand` over time (None: unchanged).
    pub fn with_demand(mut self, demand: Option<&DemandSchedule>) -> ClassSampler {
        let Some(demand) = demand else { return self };
        self.peak *= demand.max();
        let rate_per_ms = self.rate_per_s * self.peak / 1000.0;
        self.candidate = Exp::new(rate_per_ms).ok().filter(|_| rate_per_ms > 0.0);
        self.demand = Some(demand.clone());
        self
    }

    fn intensity(&self, t_ms: f64) -> f64 {
        let hour = (t_ms / MS_PER_H).floor() as u64;
        let h = self.hour.map_or(1.0, |v| v[(hour % 24) as usize]);
        let d = self.day.map_or(1.0, |v| v[((hour / 24 + self.first_weekday as u64) % 7) as usize]);
        let m = self.demand.as_ref().map_or(1.0, |s| s.at(t_ms));
        h * d * m / self.peak
    }

    /// The next arrival time, ms, or None if the class never arrives (rate 0) or the time
    /// passes `until_ms`.
    pub fn next_arrival(&mut self, until_ms: u64) -> Option<u64> {
        let exp = self.candidate?;
        loop {
            self.next_ms += exp.sample(&mut self.arrivals);
            if self.next_ms > until_ms as f64 {
                return None;
            }
            let flat = self.hour.is_none() && self.day.is_none() && self.demand.is_none();
            let keep = flat || self.arrivals.random::<f64>() < self.intensity(self.next_ms);
            if keep {
                return Some(self.next_ms.floor() as u64);
            }
        }
    }

    /// Draws a job's size, duration and utilization.
    pub fn draw(&mut self) -> DrawnJob {
        let accelerators = match &self.size {
            Size::Fixed(v) => *v,
            Size::Table { values, cdf } => {
                let u: f64 = self.sizes.random();
                values[cdf.partition_point(|c| *c < u).min(values.len() - 1)]
            }
        };
        let duration_ms = match &self.dur {
            Dur::Fixed(v) => *v,
            Dur::LogNormal { d, min, max } => (d.sample(&mut self.durations).round().min(u64::MAX as f64) as u64).clamp(*min, *max),
            Dur::Empirical(v) => v[self.durations.random_range(0..v.len())],
        };
        let utilization = match &self.util {
            Util::Fixed(u) => *u,
            Util::Beta(b) => b.sample(&mut self.utilizations),
        };
        let (end, end_after_ms) = self.draw_end();
        DrawnJob { accelerators, duration_ms, utilization, end, end_after_ms }
    }

    /// How the next job ends: always two draws of its stream (see the module doc).
    fn draw_end(&mut self) -> (End, u64) {
        let u: f64 = self.ends.random();
        let z: f64 = StandardNormal.sample(&mut self.ends);
        let (f, c) = (self.end_dists.failed, self.end_dists.cancelled);
        let (end, d) = if u < f.share {
            (End::Fail, f)
        } else if u < f.share + c.share {
            (End::Cancel, c)
        } else {
            return (End::Complete, u64::MAX);
        };
        let ms = ((d.median_ms as f64).ln() + d.sigma * z).exp().round();
        (end, ms.clamp(1.0, u64::MAX as f64 / 4.0) as u64)
    }

    /// Mean offered work of the class, accelerator-hours per hour, estimated from `n` draws of a
    /// separate stream (used by `check`, never by a run).
    pub fn offered_load(class: &JobClass, seed: u64, n: usize) -> f64 {
        let mut s = ClassSampler::new(class, seed ^ 0x5eed_0ff3, 0);
        let mut acc_ms = 0.0;
        for _ in 0..n {
            let j = s.draw();
            acc_ms += match &class.work {
                // Work-defined: FLOPs / (peak x mfu) accelerator-time whatever the size (communication excluded).
                Some(w) => w.flops() / (w.peak_flops * w.mfu) * 1000.0,
                None => j.accelerators as f64 * j.duration_ms.min(j.end_after_ms) as f64,
            };
        }
        class.rate_per_s * 3600.0 * (acc_ms / n as f64) / MS_PER_H
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClassKind;

    fn class(rate_per_s: f64) -> JobClass {
        JobClass {
            name: "t".into(),
            kind: ClassKind::Other,
            rate_per_s,
            hour_of_day: None,
            day_of_week: None,
            size: SizeDist::Power2 { min: 1, max: 64, alpha: 1.0 },
            duration: DurationDist::Lognormal { median_ms: 3_600_000, sigma: 1.0, min_ms: 1, max_ms: u64::MAX },
            utilization: UtilDist { mean: 0.7, sd: 0.1 },
            priority: 0,
            estimate_factor: 1.0,
            device: None,
            work: None,
            preemptible: false,
            ends: Ends { failed: never(), cancelled: never() },
        }
    }

    fn never() -> crate::config::EndDist {
        crate::config::EndDist { share: 0.0, median_ms: 60_000, sigma: 1.0 }
    }

    #[test]
    fn end_shares_and_times_are_recovered_and_move_no_other_draw() {
        let plain = class(1.0);
        let mut ending = class(1.0);
        ending.ends.failed = crate::config::EndDist { share: 0.3, median_ms: 120_000, sigma: 1.5 };
        ending.ends.cancelled = crate::config::EndDist { share: 0.1, median_ms: 600_000, sigma: 1.0 };
        let (mut a, mut b) = (ClassSampler::new(&plain, 13, 0), ClassSampler::new(&ending, 13, 0));
        let (mut failed, mut cancelled) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            let (x, y) = (a.draw(), b.draw());
            // The end states come from their own stream: size, duration and utilization are the
            // same draws with or without them.
            assert_eq!((x.accelerators, x.duration_ms, x.utilization), (y.accelerators, y.duration_ms, y.utilization));
            assert_eq!((x.end, x.end_after_ms), (End::Complete, u64::MAX));
            match y.end {
                End::Fail => failed.push(y.end_after_ms),
                End::Cancel => cancelled.push(y.end_after_ms),
                End::Complete => assert_eq!(y.end_after_ms, u64::MAX),
            }
        }
        // Binomial: sd of the shares 0.0032 and 0.0021.
        assert!((failed.len() as f64 / 20_000.0 - 0.3).abs() < 0.013, "{}", failed.len());
        assert!((cancelled.len() as f64 / 20_000.0 - 0.1).abs() < 0.009, "{}", cancelled.len());
        for (v, median) in [(&mut failed, 120_000.0), (&mut cancelled, 600_000.0)] {
            v.sort_unstable();
            let m = v[v.len() / 2] as f64;
            assert!((m / median - 1.0).abs() < 0.1, "{m} vs {median}");
        }
    }

    #[test]
    fn poisson_count_matches_rate() {
        // 10/h over 1000 h: mean 10,000 arrivals, sd 100.
        let mut s = ClassSampler::new(&class(10.0 / 3600.0), 7, 0);
        let mut n = 0;
        while s.next_arrival(1000 * 3_600_000).is_some() {
            n += 1;
        }
        assert!((9_600..=10_400).contains(&n), "{n}");
    }

    #[test]
    fn hour_of_day_modulation_shifts_arrivals_but_keeps_the_mean() {
        let mut c = class(10.0 / 3600.0);
        let mut prof = vec![0.0; 24];
        prof[9..18].iter_mut().for_each(|x| *x = 1.0);
        c.hour_of_day = Some(prof);
        let mut s = ClassSampler::new(&c, 3, 0);
        let (mut day, mut night) = (0, 0);
        while let Some(t) = s.next_arrival(1000 * 3_600_000) {
            let h = (t / 3_600_000) % 24;
            if (9..18).contains(&h) { day += 1 } else { night += 1 }
        }
        assert_eq!(night, 0);
        assert!((9_600..=10_400).contains(&day), "{day}");
    }

    #[test]
    fn demand_schedule_scales_arrivals_by_period() {
        // 10/h; x1 for 500 h, then x3 for 500 h: about 5,000 then 15,000 arrivals.
        let demand = DemandSchedule { steps: vec![(0, 1.0), (500 * 3_600_000, 3.0)] };
        let mut s = ClassSampler::new(&class(10.0 / 3600.0), 5, 0).with_demand(Some(&demand));
        let (mut early, mut late) = (0, 0);
        while let Some(t) = s.next_arrival(1000 * 3_600_000) {
            if t < 500 * 3_600_000 { early += 1 } else { late += 1 }
        }
        assert!((4_750..=5_250).contains(&early), "{early}");
        assert!((14_600..=15_400).contains(&late), "{late}");
    }

    #[test]
    fn lognormal_median_and_beta_mean_are_recovered() {
        let mut s = ClassSampler::new(&class(1.0), 11, 0);
        let mut d: Vec<u64> = Vec::new();
        let mut u = 0.0;
        let mut ones = 0;
        for _ in 0..20_000 {
            let j = s.draw();
            d.push(j.duration_ms);
            u += j.utilization;
            ones += (j.accelerators == 1) as u32;
        }
        d.sort_unstable();
        let median = d[10_000] as f64;
        assert!((median / 3_600_000.0 - 1.0).abs() < 0.05, "{median}");
        assert!((u / 20_000.0 - 0.7).abs() < 0.01);
        // P(1) = 1 / sum_{k=0..6} 2^-k = 0.5039
        assert!((ones as f64 / 20_000.0 - 0.5039).abs() < 0.015, "{ones}");
    }
}
