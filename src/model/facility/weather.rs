//! Outdoor weather: a reproducible synthetic year from monthly climate normals, or a real series.
//!
//! ## How it works
//! Synthetic: the daily mean dry-bulb interpolates linearly between mid-month normals (cyclic
//! over the year); a diurnal cosine of the month's mean daily range peaks at 15:00; hourly AR(1)
//! noise (φ = 0.95, stationary σ = 2.5 K, BRIEF §5: 2-3 K) from the `weather` random stream
//! adds weather systems. Humidity keeps the month's mean dew point through the day (the
//! absolute humidity changes slowly, so relative humidity falls as the air warms); the dew point
//! is the one of the monthly mean temperature and relative humidity, and the wet-bulb follows
//! from dry-bulb and dew point at the site's barometric pressure (ASHRAE Fundamentals 2017
//! ch. 1, [`psychro`]: eq. 3 for the pressure at the site's elevation), solved at the hours and
//! its depression below the dry-bulb interpolated between them. Values between hours are
//! interpolated linearly (the facility asks once a minute: [`super::memo`]). Memory is O(1) in
//! time.
//!
//! Real series: a CSV of hours since the start (or "YYYY-MM-DD HH:MM" stamps), dry-bulb °C and
//! wet-bulb °C or relative humidity %, or an EnergyPlus weather file (EPW: dry-bulb, dew point
//! and station pressure of every hour), interpolated linearly and repeated cyclically when the
//! horizon is longer than the file.

use rand_distr::{Distribution, Normal};

use super::psychro;
use crate::catalog::ClimateSpec;
pub use crate::config::weather::{Conditions, Normals};
use crate::time::calendar::Calendar;
use crate::time::rng::{Rng, stream};

/// AR(1) coefficient of the hourly temperature anomaly.
pub const AR1_PHI: f64 = 0.95;
/// Stationary standard deviation of the anomaly, K (BRIEF §5: 2-3 K).
pub const AR1_SIGMA_K: f64 = 2.5;
/// Hour of the daily maximum (BRIEF §5: ~15:00).
pub const PEAK_HOUR: f64 = 15.0;

/// The conditions of air at dry-bulb `t` °C with humidity ratio `w` at pressure `p` Pa: its
/// wet-bulb and dew point at that pressure ([`psychro`]).
pub fn conditions(t: f64, w: f64, p: f64) -> Conditions {
    let w = w.min(psychro::humidity_ratio(psychro::saturation_pressure(t), p));
    let dew = psychro::dew_point(w, p);
    Conditions { dry_bulb_c: t, wet_bulb_c: psychro::wet_bulb_above(t, w, dew, p), dew_point_c: dew, humidity_ratio: w }
}

/// The normals of a climate that the weather generator uses: mean daily range from the mean
/// maximum and minimum, dew point from the mean temperature and humidity (Magnus).
pub fn normals(c: &ClimateSpec) -> Normals {
    let mut range_k = [0.0; 12];
    let mut dew_c = [0.0; 12];
    for m in 0..12 {
        range_k[m] = c.monthly_max_c[m] - c.monthly_min_c[m];
        dew_c[m] = psychro::dew_point_of_pw(c.monthly_rh[m] / 100.0 * psychro::saturation_pressure(c.monthly_mean_c[m]));
    }
    Normals { mean_c: c.monthly_mean_c, range_k, dew_c }
}

/// A source of weather.
pub enum Weather {
    /// Synthetic from normals.
    Synthetic(Box<Synthetic>),
    /// A measured series: (hour since start, conditions), hours increasing.
    Series(Vec<(f64, Conditions)>),
}

/// The synthetic generator's state.
pub struct Synthetic {
    normals: Normals,
    calendar: Calendar,
    rng: Rng,
    noise: Normal<f64>,
    pressure_pa: f64,
    /// (hour, wet-bulb depression at its start and end, K).
    depression: (Option<u64>, [f64; 2]),
    hour: u64,
    anomaly: [f64; 2],
    /// (day index since start, day of year at its midnight): dates change once a day.
    day: (u64, f64),
}

/// Mid-month day of year for each month (non-leap year).
const MID_MONTH: [f64; 12] = [15.5, 45.0, 74.5, 105.0, 135.5, 166.0, 196.5, 227.5, 258.0, 288.5, 319.0, 349.5];

fn interpolate(v: &[f64; 12], day_of_year: f64) -> f64 {
    let d = day_of_year.rem_euclid(365.0);
    let i = MID_MONTH.iter().rposition(|m| *m <= d);
    let (lo, hi, span, x) = match i {
        Some(11) | None => {
            let from = if i.is_some() { d - MID_MONTH[11] } else { d + 365.0 - MID_MONTH[11] };
            (11, 0, 365.0 - MID_MONTH[11] + MID_MONTH[0], from)
        }
        Some(i) => (i, i + 1, MID_MONTH[i + 1] - MID_MONTH[i], d - MID_MONTH[i]),
    };
    v[lo] + (v[hi] - v[lo]) * x / span
}

impl Weather {
    /// The synthetic generator for `normals` at barometric pressure `pressure_pa`, seeded from
    /// the run's seed.
    pub fn synthetic(normals: Normals, calendar: Calendar, seed: u64, pressure_pa: f64) -> Weather {
        let innovation = AR1_SIGMA_K * (1.0 - AR1_PHI * AR1_PHI).sqrt();
        let mut s = Synthetic {
            normals,
            calendar,
            rng: stream(seed, "weather"),
            noise: Normal::new(0.0, innovation).unwrap_or_else(|_| unreachable!("positive sigma")),
            pressure_pa,
            depression: (None, [0.0; 2]),
            hour: 0,
            anomaly: [0.0; 2],
            day: (0, calendar.day_of_year(0)),
        };
        s.anomaly[1] = s.step(0.0);
        Weather::Synthetic(Box::new(s))
    }

    /// Conditions at simulated time `t_ms`. Synthetic weather must be asked at times that
    /// do not decrease.
    pub fn at(&mut self, t_ms: u64) -> Conditions {
        match self {
            Weather::Synthetic(s) => s.at(t_ms),
            Weather::Series(rows) => series_at(rows, t_ms as f64 / 3.6e6),
        }
    }
}

impl Synthetic {
    fn step(&mut self, prev: f64) -> f64 {
        AR1_PHI * prev + self.noise.sample(&mut self.rng)
    }

    fn at(&mut self, t_ms: u64) -> Conditions {
        let hours = t_ms as f64 / 3.6e6;
        let h = hours.floor() as u64;
        while self.hour < h {
            self.hour += 1;
            let next = self.step(self.anomaly[1]);
            self.anomaly = [self.anomaly[1], next];
        }
        let frac = hours - h as f64;
        let anomaly = self.anomaly[0] + (self.anomaly[1] - self.anomaly[0]) * frac;
        let day = t_ms / crate::time::calendar::DAY_MS;
        if day != self.day.0 {
            self.day = (day, self.calendar.day_of_year(day * crate::time::calendar::DAY_MS));
        }
        let doy = self.day.1 + (t_ms % crate::time::calendar::DAY_MS) as f64 / crate::time::calendar::DAY_MS as f64;
        let (t, dew) = self.temperature_and_dew(doy, anomaly);
        let p = self.pressure_pa;
        // The wet-bulb depression is solved exactly at the hour's ends and interpolated between
        // (it changes slowly; solving it at every step would cost more than the rest of the plant).
        if self.depression.0 != Some(h) {
            let start = doy - frac / 24.0;
            let ends = [(start, self.anomaly[0]), (start + 1.0 / 24.0, self.anomaly[1])].map(|(d, a)| {
                let (t, dew) = self.temperature_and_dew(d, a);
                let w = psychro::humidity_ratio(psychro::saturation_pressure(dew), p);
                t - psychro::wet_bulb_above(t, w, dew, p)
            });
            self.depression = (Some(h), ends);
        }
        let depression = self.depression.1[0] + (self.depression.1[1] - self.depression.1[0]) * frac;
        let w = psychro::humidity_ratio(psychro::saturation_pressure(dew), p);
        Conditions { dry_bulb_c: t, wet_bulb_c: (t - depression).clamp(dew, t), dew_point_c: dew, humidity_ratio: w }
    }

    /// Dry-bulb and dew point (at most the dry-bulb) at day of year `doy` with anomaly `anomaly`.
    fn temperature_and_dew(&self, doy: f64, anomaly: f64) -> (f64, f64) {
        let mean = interpolate(&self.normals.mean_c, doy);
        let range = interpolate(&self.normals.range_k, doy);
        let dew = interpolate(&self.normals.dew_c, doy);
        let hour_of_day = doy.fract() * 24.0;
        let t = mean + 0.5 * range * (2.0 * std::f64::consts::PI * (hour_of_day - PEAK_HOUR) / 24.0).cos() + anomaly;
        (t, dew.min(t))
    }
}

fn series_at(rows: &[(f64, Conditions)], hours: f64) -> Conditions {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return Conditions::default() };
    let span = last.0 - first.0;
    let h = if span > 0.0 && hours > last.0 { first.0 + (hours - first.0).rem_euclid(span) } else { hours.max(first.0) };
    let i = rows.partition_point(|r| r.0 <= h);
    if i == 0 {
        return first.1;
    }
    if i >= rows.len() {
        return last.1;
    }
    let (a, b) = (rows[i - 1], rows[i]);
    let x = if b.0 > a.0 { (h - a.0) / (b.0 - a.0) } else { 0.0 };
    let mix = |u: f64, v: f64| u + (v - u) * x;
    Conditions {
        dry_bulb_c: mix(a.1.dry_bulb_c, b.1.dry_bulb_c),
        wet_bulb_c: mix(a.1.wet_bulb_c, b.1.wet_bulb_c),
        dew_point_c: mix(a.1.dew_point_c, b.1.dew_point_c),
        humidity_ratio: mix(a.1.humidity_ratio, b.1.humidity_ratio),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::calendar::Date;

    #[test]
    fn synthetic_year_reproduces_the_monthly_means() {
        let mean_c = [5.0, 7.0, 10.0, 16.0, 21.0, 24.0, 29.0, 28.0, 25.0, 20.0, 14.0, 8.0];
        let dew = |t: f64| psychro::dew_point_of_pw(0.75 * psychro::saturation_pressure(t));
        let normals = Normals { mean_c, range_k: [8.0; 12], dew_c: mean_c.map(dew) };
        let cal = Calendar::new(Date::parse("2025-01-01").unwrap());
        let mut w = Weather::synthetic(normals.clone(), cal, 1, psychro::SEA_LEVEL_PA);
        let mut july = (0.0, 0.0, 0);
        for h in 0..8760u64 {
            let c = w.at(h * 3_600_000);
            assert!(c.wet_bulb_c <= c.dry_bulb_c);
            if cal.date(h * 3_600_000).month == 7 {
                july = (july.0 + c.dry_bulb_c, july.1 + c.wet_bulb_c, july.2 + 1);
            }
        }
        let (t, wb) = (july.0 / july.2 as f64, july.1 / july.2 as f64);
        // Interpolating between mid-month points pulls July a little toward June and August.
        assert!((t - 29.0).abs() < 1.5, "{t}");
        assert!(wb > 23.0 && wb < t, "{wb}");
        // The interpolated wet-bulb stays within 0.05 K of the exact one inside an hour.
        let p = psychro::pressure_at(1400.0);
        let mut hi = Weather::synthetic(normals.clone(), cal, 1, p);
        for m in (0..6 * 60).step_by(7) {
            let c = hi.at(4000 * 3_600_000 + m * 60_000);
            let exact = psychro::wet_bulb(c.dry_bulb_c, c.humidity_ratio, p);
            assert!((c.wet_bulb_c - exact).abs() < 0.05, "{} vs {exact}", c.wet_bulb_c);
        }
        // Same seed, same weather.
        let mut a = Weather::synthetic(normals.clone(), cal, 1, psychro::SEA_LEVEL_PA);
        let mut b = Weather::synthetic(normals, cal, 1, psychro::SEA_LEVEL_PA);
        assert_eq!(a.at(1_000_000_000), b.at(1_000_000_000));
    }

    #[test]
    fn series_interpolates_and_wraps() {
        let c = |t| Conditions { dry_bulb_c: t, wet_bulb_c: t - 5.0, ..Default::default() };
        let rows = vec![(0.0, c(10.0)), (1.0, c(20.0)), (2.0, c(10.0))];
        assert_eq!(series_at(&rows, 0.5).dry_bulb_c, 15.0);
        assert_eq!(series_at(&rows, 2.5).dry_bulb_c, 15.0);
    }
}
