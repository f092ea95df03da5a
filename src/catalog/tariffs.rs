//! The default grid tariff and emission factor of `[grid]` (the table of
//! [`crate::scenario::grid`] gives each source).

/// Default prices (valley, flat, peak), CNY/kWh: BRIEF §6.
pub const PRICES: [f64; 3] = [0.308, 0.594, 0.88];

/// Critical peak over peak: BRIEF §6 (>= 20 % above peak).
pub const CRITICAL_OVER_PEAK: f64 = 1.2;

/// Default hour pattern: valley 22-06, flat 06-08, 11-18, 21-22, peak 08-11, 18-21 (the table of
/// [`crate::scenario::grid`]).
pub const HOURS: &str = "VVVVVVFFPPPFFFFFFFPPPFVV";

/// Default demand charge, CNY/kW/month [rule of thumb].
pub const DEMAND_CHARGE: f64 = 40.0;

/// National grid factor 2022, kg/kWh: BRIEF §6.
pub const NATIONAL_FACTOR: f64 = 0.5366;
