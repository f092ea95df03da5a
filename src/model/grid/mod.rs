//! Compute-power coordination (算电协同): grid signals (time-of-use prices, demand charges,
//! emission factor, green supply), an on-site battery, a facility power cap with
//! demand-response windows, and price- or carbon-aware deferral of deferrable work.
//!
//! ## How it works
//! Everything here runs at the sampling ticks on site aggregates (O(1) per tick, plus a scan of
//! running jobs only while the power cap binds). A tick closes the interval (t − Δt, t]; the
//! interval's mean load P (facility power, or IT power without a facility) is taken as constant
//! over it, and the signals are read at the interval's start t − Δt:
//! - price p = the tariff's period price for (month, local hour) ([`Tariff`]);
//! - emission factor: constant by region, or the hour's value from `hourly_file`;
//! - on-site generation G: the hour's `pv_kw` from `hourly_file`, else PV peak × sin(π (h − rise) / (set − rise)) between sunrise and
//!   sunset, else 0 (clear-sky half-sine, [rule of thumb]: no clouds, no seasons);
//! - battery power b (> 0 discharging, < 0 charging) from its policy ([`battery`]);
//! - grid import P_grid = max(P − G − b, 0) (surplus PV is curtailed: no export).
//!
//! Deferral's carbon signal: hours with on-site generation, or with an hourly carbon series the
//! hours below its mean.
//!
//! Then energy cost += p · P_grid · Δt; the demand charge is (highest P_grid of each calendar
//! month touched) × rate; location-based carbon = factor · P · Δt (every kWh consumed at the
//! grid's average factor, as the facility's `carbon_t`); net carbon = factor · P_grid · Δt ·
//! (1 − contracted green share); green share = (PV used on site + contracted share of the
//! import) / consumption. See [`ledger`].
//!
//! Power cap: with a cap C (minus the shed of any demand-response window), when P exceeds it
//! the engine lowers a site-wide per-accelerator draw level λ (a fraction of each model's
//! dynamic span) so that the accelerators' dynamic power falls by (P − C) / k, k = P / P_IT
//! (facility overhead moves with IT power to first order); when P is below the cap λ rises into
//! the headroom the same way. λ is found by bisection on a histogram of the running jobs'
//! demands kept at starts and ends ([`DemandHistogram`], O(100) per tick). The level moves only
//! when the load is over the limit, or when it can rise by more than `cap_margin` (a deadband,
//! so that capped jobs are not rescheduled at every tick); it aims at limit × (1 − margin). Capped jobs slow by the DVFS cube law, as thermal throttling does.

pub mod battery;
pub mod defer;
pub mod ledger;
pub mod systems;

pub use crate::config::grid::{DeferSignal, Deferral, DemandResponse, GreenSupply, GridConfig, HOUR_MS, Hourly, Period, Tariff};
use crate::time::calendar::Calendar;

impl GreenSupply {
    /// PV output at `t_ms`, W (clear-sky half-sine between sunrise and sunset).
    pub fn pv_w(&self, t_ms: u64) -> f64 {
        let h = (t_ms % (24 * HOUR_MS)) as f64 / HOUR_MS as f64;
        let (rise, set) = self.pv_hours;
        if self.pv_peak_w <= 0.0 || h <= rise || h >= set {
            return 0.0;
        }
        self.pv_peak_w * (std::f64::consts::PI * (h - rise) / (set - rise)).sin()
    }
}

impl Hourly {
    fn at(v: &[f64], t_ms: u64) -> Option<f64> {
        (!v.is_empty()).then(|| v[((t_ms / HOUR_MS) % v.len() as u64) as usize])
    }
}

impl GridConfig {
    /// Whether `t_ms` is a good hour for deferred work.
    pub fn good_hour(&self, cal: &Calendar, t_ms: u64) -> bool {
        match self.deferral.as_ref().map(|d| d.signal) {
            Some(DeferSignal::Price) | None => self.tariff.period(cal, t_ms) == Period::Valley,
            Some(DeferSignal::Carbon) if !self.hourly.carbon_kg_per_kwh.is_empty() => {
                let v = &self.hourly.carbon_kg_per_kwh;
                self.carbon_kg_per_kwh(t_ms) < v.iter().sum::<f64>() / v.len() as f64
            }
            Some(DeferSignal::Carbon) => self.pv_w(t_ms) > 0.0,
        }
    }

    /// Grid emission factor at `t_ms`, kg/kWh (the hourly series, else the constant).
    pub fn carbon_kg_per_kwh(&self, t_ms: u64) -> f64 {
        Hourly::at(&self.hourly.carbon_kg_per_kwh, t_ms).unwrap_or(self.emission_factor_kg_per_kwh)
    }

    /// On-site generation at `t_ms`, W (the hourly series, else the half-sine).
    pub fn pv_w(&self, t_ms: u64) -> f64 {
        Hourly::at(&self.hourly.pv_w, t_ms).unwrap_or_else(|| self.green.pv_w(t_ms))
    }

    /// The demand-response window at `t_ms`, if any.
    pub fn response_at(&self, t_ms: u64) -> Option<&DemandResponse> {
        self.demand_response.iter().find(|d| d.start_ms <= t_ms && t_ms < d.end_ms)
    }
}

/// Buckets of [`DemandHistogram`].
pub const DEMAND_BUCKETS: usize = 100;

/// The running jobs' dynamic accelerator power by demanded draw fraction d (buckets of 1 %),
/// kept exactly in integers at job starts and ends: per bucket Σ w (w = accelerators × dynamic
/// span, mW) and Σ w·d (mW·ppm). Gives P(λ) = Σ_j w_j min(d_j, λ) in O(buckets), counting the
/// bucket that holds λ at λ (an upper bound, so a level chosen from it is conservative).
#[derive(Debug, Clone)]
pub struct DemandHistogram {
    w_mw: [i64; DEMAND_BUCKETS],
    wd: [i128; DEMAND_BUCKETS],
}

impl Default for DemandHistogram {
    fn default() -> Self {
        DemandHistogram { w_mw: [0; DEMAND_BUCKETS], wd: [0; DEMAND_BUCKETS] }
    }
}

impl DemandHistogram {
    /// Adds (`add`) or removes a job of weight `w_w` (W) and demand `d_ppm`.
    pub fn update(&mut self, w_w: f64, d_ppm: u64, add: bool) {
        let b = ((d_ppm as usize * DEMAND_BUCKETS) / crate::model::compute::power::PPM as usize).min(DEMAND_BUCKETS - 1);
        let w = (w_w * 1e3).round() as i64;
        let s = if add { 1 } else { -1 };
        self.w_mw[b] += s * w;
        self.wd[b] += s as i128 * w as i128 * d_ppm as i128;
    }

    /// Σ_j w_j min(d_j, λ), W (λ a fraction).
    pub fn power_w(&self, level: f64) -> f64 {
        let lb = ((level * DEMAND_BUCKETS as f64) as usize).min(DEMAND_BUCKETS);
        let below: i128 = self.wd[..lb].iter().sum();
        let above: i64 = self.w_mw[lb.min(DEMAND_BUCKETS)..].iter().sum();
        below as f64 / 1e9 + above as f64 / 1e3 * level
    }

    /// The largest λ in [0, 1] with [`Self::power_w`]\(λ\) ≤ `target_w` (bisection to 1 ppm).
    pub fn level(&self, target_w: f64) -> f64 {
        if self.power_w(1.0) <= target_w {
            return 1.0;
        }
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..20 {
            let mid = 0.5 * (lo + hi);
            if self.power_w(mid) <= target_w { lo = mid } else { hi = mid }
        }
        lo
    }
}

/// The largest draw level λ in [0, 1] (a fraction of each accelerator's dynamic span) such that
/// Σ_j w_j · min(d_j, λ) ≤ `target_w`, where `jobs` holds (w_j = accelerators × span W, d_j =
/// demanded fraction). Bisection to 1 ppm; O(jobs × 20) (the engine uses [`DemandHistogram`]).
pub fn cap_level(jobs: &[(f64, f64)], target_w: f64) -> f64 {
    let power = |l: f64| jobs.iter().map(|(w, d)| w * d.min(l)).sum::<f64>();
    if power(1.0) <= target_w {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..20 {
        let mid = 0.5 * (lo + hi);
        if power(mid) <= target_w { lo = mid } else { hi = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_level_meets_its_target() {
        let jobs = [(1000.0, 1.0), (500.0, 0.5), (2000.0, 0.2)];
        assert_eq!(cap_level(&jobs, 1e9), 1.0);
        let l = cap_level(&jobs, 1000.0);
        let p: f64 = jobs.iter().map(|(w, d)| w * d.min(l)).sum();
        assert!(p <= 1000.0 && p > 999.0, "{p}");
        let mut h = DemandHistogram::default();
        for (w, d) in jobs.iter() {
            h.update(*w, (d * 1e6) as u64, true);
        }
        let lh = h.level(1000.0);
        assert!(lh <= l + 1e-6 && lh > l - 0.02, "{lh} vs {l}");
        assert!((h.power_w(1.0) - 1650.0).abs() < 1e-6);
        for (w, d) in jobs.iter() {
            h.update(*w, (d * 1e6) as u64, false);
        }
        assert_eq!(h.power_w(1.0), 0.0);
    }

    #[test]
    fn pv_is_a_half_sine_by_day() {
        let g = GreenSupply { contracted_share: 0.0, pv_peak_w: 100.0, pv_hours: (6.0, 18.0) };
        assert_eq!(g.pv_w(3 * HOUR_MS), 0.0);
        assert!((g.pv_w(12 * HOUR_MS) - 100.0).abs() < 1e-9);
        assert_eq!(g.pv_w(24 * HOUR_MS + 20 * HOUR_MS), 0.0);
    }
}
