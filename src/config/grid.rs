//! Grid coordination (`[grid]`): a time-of-use tariff, the emission factor, green supply, an
//! on-site battery, a power cap with demand-response windows, and deferral of deferrable work.

use crate::time::calendar::Calendar;

/// Milliseconds in an hour.
pub const HOUR_MS: u64 = 3_600_000;

/// A time-of-use period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// 谷: night valley.
    Valley,
    /// 平: flat.
    Flat,
    /// 峰: peak.
    Peak,
    /// 尖峰: critical peak.
    Critical,
}

impl Period {
    /// The letter of the period in a tariff's hour pattern.
    pub fn letter(self) -> char {
        match self {
            Period::Valley => 'V',
            Period::Flat => 'F',
            Period::Peak => 'P',
            Period::Critical => 'C',
        }
    }

    /// The period of a pattern letter.
    pub fn from_letter(c: char) -> Option<Period> {
        match c {
            'V' => Some(Period::Valley),
            'F' => Some(Period::Flat),
            'P' => Some(Period::Peak),
            'C' => Some(Period::Critical),
            _ => None,
        }
    }
}

/// A time-of-use tariff: a period per local hour, with critical-peak hours in some months.
#[derive(Debug, Clone, PartialEq)]
pub struct Tariff {
    /// Prices of valley, flat, peak and critical peak, CNY/kWh.
    pub prices_cny_per_kwh: [f64; 4],
    /// Period of each local hour 0..23.
    pub hours: [Period; 24],
    /// Seasonal patterns replacing `hours` in their months.
    pub seasons: Vec<(Vec<u32>, [Period; 24])>,
    /// Months (1..12) with critical-peak hours.
    pub critical_months: Vec<u32>,
    /// Hours that are critical peak in those months.
    pub critical_hours: Vec<u32>,
}

impl Tariff {
    /// The period at simulated time `t_ms`.
    pub fn period(&self, cal: &Calendar, t_ms: u64) -> Period {
        let hour = ((t_ms / HOUR_MS) % 24) as u32;
        let month = cal.date(t_ms).month;
        if self.critical_hours.contains(&hour) && self.critical_months.contains(&month) {
            return Period::Critical;
        }
        let hours = self.seasons.iter().find(|(months, _)| months.contains(&month)).map_or(&self.hours, |(_, h)| h);
        hours[hour as usize]
    }

    /// The price at `t_ms`, CNY/kWh.
    pub fn price(&self, cal: &Calendar, t_ms: u64) -> f64 {
        self.prices_cny_per_kwh[self.period(cal, t_ms) as usize]
    }

    /// The hour pattern as written in scenarios ("VVVVVVFFPPP...").
    pub fn pattern(&self) -> String {
        self.hours.iter().map(|p| p.letter()).collect()
    }
}

/// On-site and contracted green supply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GreenSupply {
    /// Contracted green share of grid imports (green-power trading, certificates), 0..1.
    pub contracted_share: f64,
    /// On-site PV peak output behind the meter, W.
    pub pv_peak_w: f64,
    /// Local sunrise and sunset hours of the PV profile.
    pub pv_hours: (f64, f64),
}

/// A demand-response window: between `start_ms` and `end_ms` the site sheds `shed_w` below
/// its cap (or below its load at the window's first tick without a cap).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemandResponse {
    /// Start, ms from t = 0.
    pub start_ms: u64,
    /// End, ms from t = 0.
    pub end_ms: u64,
    /// Power to shed, W.
    pub shed_w: f64,
    /// Whether the window came from `demand_response_file` (else it was written inline).
    pub from_file: bool,
}

/// What marks an hour as good for deferred work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferSignal {
    /// Valley-price hours.
    Price,
    /// Hours with on-site green generation.
    Carbon,
}

impl DeferSignal {
    /// Names in scenarios.
    pub const ALL: [(DeferSignal, &'static str); 2] = [(DeferSignal::Price, "price"), (DeferSignal::Carbon, "carbon")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        DeferSignal::ALL.iter().find(|(s, _)| *s == self).map_or("price", |(_, n)| n)
    }
}

/// Deferral of deferrable classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferral {
    /// The signal.
    pub signal: DeferSignal,
    /// Deferrable class names.
    pub classes: Vec<String>,
    /// Deadline after submission by which a deferrable job should end, ms.
    pub deadline_ms: u64,
}

/// Hourly series from `hourly_file`, repeated when shorter than the horizon (empty: not given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hourly {
    /// The CSV file, absolute.
    pub file: Option<std::path::PathBuf>,
    /// Grid emission factor of each hour, kg/kWh.
    pub carbon_kg_per_kwh: Vec<f64>,
    /// On-site generation of each hour, W.
    pub pv_w: Vec<f64>,
}

/// The `[grid]` section, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct GridConfig {
    /// Hourly carbon and PV series, if given.
    pub hourly: Hourly,
    /// The CSV of demand-response windows, absolute, if given (its windows are in `demand_response`).
    pub demand_response_file: Option<std::path::PathBuf>,
    /// Time-of-use tariff.
    pub tariff: Tariff,
    /// Demand charge on each month's peak grid power, CNY/kW/month.
    pub demand_charge_cny_per_kw_month: f64,
    /// Emission factor of grid electricity, kg CO2/kWh.
    pub emission_factor_kg_per_kwh: f64,
    /// Green supply.
    pub green: GreenSupply,
    /// On-site battery.
    pub battery: Option<BatteryConfig>,
    /// Facility power cap, W.
    pub cap_w: Option<f64>,
    /// Deadband of the cap controller, fraction of the limit and of the level.
    pub cap_margin: f64,
    /// Demand-response windows, inline and from the file, by start.
    pub demand_response: Vec<DemandResponse>,
    /// Deferral of deferrable work.
    pub deferral: Option<Deferral>,
}

/// Dispatch policies of a battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatteryPolicy {
    /// Time-of-use arbitrage.
    Arbitrage,
    /// Peak shaving against a target.
    PeakShaving,
    /// Green-surplus charging.
    Green,
}

impl BatteryPolicy {
    /// Names in scenarios.
    pub const ALL: [(BatteryPolicy, &'static str); 3] =
        [(BatteryPolicy::Arbitrage, "arbitrage"), (BatteryPolicy::PeakShaving, "peak-shaving"), (BatteryPolicy::Green, "green")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        BatteryPolicy::ALL.iter().find(|(p, _)| *p == self).map_or("arbitrage", |(_, n)| n)
    }
}

/// A battery's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatteryConfig {
    /// Usable nameplate energy, J.
    pub capacity_j: f64,
    /// Charge and discharge power rating, W.
    pub power_w: f64,
    /// Round-trip efficiency, 0..1.
    pub round_trip: f64,
    /// Lowest state of charge, 0..1.
    pub soc_min: f64,
    /// Highest state of charge, 0..1.
    pub soc_max: f64,
    /// State of charge at t = 0.
    pub soc_initial: f64,
    /// Dispatch policy.
    pub policy: BatteryPolicy,
    /// Peak-shaving target on the net load, W.
    pub target_w: f64,
}
