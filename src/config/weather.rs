//! Outdoor conditions: a measured weather series and the monthly normals a synthetic year is
//! drawn from.

use std::path::PathBuf;

/// A measured weather series.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSeries {
    /// The CSV file.
    pub file: PathBuf,
    /// Its columns.
    pub columns: WeatherColumns,
    /// (hours since start, conditions), hours increasing.
    pub rows: Vec<(f64, Conditions)>,
    /// Elevation the file gives (EPW LOCATION line), m.
    pub elevation_m: Option<f64>,
}

/// Column names of a weather CSV (unused for an EPW file).
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherColumns {
    /// Hours since the start, or "YYYY-MM-DD HH:MM" stamps.
    pub time: String,
    /// Dry-bulb, °C.
    pub dry_bulb: String,
    /// Wet-bulb, °C (None: `relative_humidity` gives it).
    pub wet_bulb: Option<String>,
    /// Relative humidity, %.
    pub relative_humidity: Option<String>,
}

/// Monthly climate normals of a site.
#[derive(Debug, Clone, PartialEq)]
pub struct Normals {
    /// Mean dry-bulb per month, °C.
    pub mean_c: [f64; 12],
    /// Mean daily range (max - min) per month, K.
    pub range_k: [f64; 12],
    /// Mean dew point per month, °C.
    pub dew_c: [f64; 12],
}

/// Weather conditions at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Conditions {
    /// Dry-bulb, °C.
    pub dry_bulb_c: f64,
    /// Wet-bulb at the site's pressure, °C.
    pub wet_bulb_c: f64,
    /// Dew point, °C.
    pub dew_point_c: f64,
    /// Humidity ratio, kg water per kg dry air.
    pub humidity_ratio: f64,
}
