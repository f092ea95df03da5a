//! Climate normals and grid emission factors, compiled in from `assets/climates/*.toml` and
//! `assets/grids/*.toml` (each file names its sources). A scenario may also point at its own
//! climate file with the same schema.

use serde::{Deserialize, Serialize};

/// Monthly climate normals of a site (`assets/climates/<id>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClimateSpec {
    /// Id, e.g. "shanghai".
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Latitude, degrees north.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude, degrees east.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude, m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    /// Offset of local time from UTC, h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_h: Option<f64>,
    /// Regional grid id (assets/grids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<String>,
    /// Monthly mean dry-bulb, °C.
    pub monthly_mean_c: [f64; 12],
    /// Monthly mean daily maximum, °C.
    pub monthly_max_c: [f64; 12],
    /// Monthly mean daily minimum, °C.
    pub monthly_min_c: [f64; 12],
    /// Monthly mean relative humidity, %.
    pub monthly_rh: [f64; 12],
    /// Sources.
    pub source: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Why a climate or grid file is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClimateError {
    /// The text is not TOML of the schema.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A month's temperatures are out of order or out of range.
    #[error("month {month}: expected monthly_min_c <= monthly_mean_c <= monthly_max_c within -60..60 °C")]
    Temperatures {
        /// The month, 1-12.
        month: usize,
    },
    /// A month's relative humidity is out of range.
    #[error("month {month}: expected monthly_rh from 1 to 100 %")]
    Humidity {
        /// The month, 1-12.
        month: usize,
    },
}

impl ClimateSpec {
    /// Parses a climate file's text.
    pub fn parse(text: &str) -> Result<ClimateSpec, ClimateError> {
        let c: ClimateSpec = toml::from_str(text)?;
        for m in 0..12 {
            let (lo, mean, hi, rh) = (c.monthly_min_c[m], c.monthly_mean_c[m], c.monthly_max_c[m], c.monthly_rh[m]);
            if !(lo <= mean && mean <= hi && (-60.0..=60.0).contains(&mean)) {
                return Err(ClimateError::Temperatures { month: m + 1 });
            }
            if !(1.0..=100.0).contains(&rh) {
                return Err(ClimateError::Humidity { month: m + 1 });
            }
        }
        Ok(c)
    }
}

/// A grid's emission factor (`assets/grids/<id>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Id, e.g. "east".
    pub id: String,
    /// Display name.
    pub name: String,
    /// Chinese name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// regional, provincial or national.
    pub kind: String,
    /// Average CO2 emission factor of electricity, kg/kWh.
    pub emission_factor_kg_per_kwh: f64,
    /// Year of the factor.
    pub year: u32,
    /// Source.
    pub source: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

macro_rules! builtin {
    ($dir:literal: $($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../assets/", $dir, "/", $id, ".toml")))),*]
    };
}

const CLIMATES: &[(&str, &str)] = builtin!("climates":
    "beijing", "changsha", "chengdu", "chongqing", "guangzhou", "guiyang", "hohhot", "qingyang", "shanghai",
    "shaoguan", "shenzhen", "ulanqab", "wuhan", "wuhu", "zhangjiakou", "zhongwei",
);

const GRIDS: &[(&str, &str)] = builtin!("grids":
    "national", "north", "northeast", "east", "central", "northwest", "south", "southwest",
    "anhui", "beijing", "gansu", "guangdong", "guizhou", "hebei", "inner-mongolia", "ningxia", "qinghai", "shanghai",
    "sichuan", "yunnan",
);

/// Ids of the built-in climates.
pub fn climate_ids() -> Vec<&'static str> {
    CLIMATES.iter().map(|(id, _)| *id).collect()
}

/// A built-in climate.
pub fn climate(id: &str) -> Option<Result<ClimateSpec, ClimateError>> {
    CLIMATES.iter().find(|(i, _)| *i == id).map(|(_, text)| ClimateSpec::parse(text))
}

/// Ids of the built-in grids.
pub fn grid_ids() -> Vec<&'static str> {
    GRIDS.iter().map(|(id, _)| *id).collect()
}

/// A built-in grid.
pub fn grid(id: &str) -> Option<Result<GridSpec, ClimateError>> {
    GRIDS.iter().find(|(i, _)| *i == id).map(|(_, text)| toml::from_str(text).map_err(ClimateError::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_climate_and_grid_parses() {
        for id in climate_ids() {
            let c = climate(id).unwrap().unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(c.id, id);
            if let Some(g) = &c.grid {
                assert!(grid(g).is_some(), "{id}: unknown grid {g}");
            }
        }
        for id in grid_ids() {
            let g = grid(id).unwrap().unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(g.id, id);
            assert!((0.0..1.5).contains(&g.emission_factor_kg_per_kwh));
        }
    }

    #[test]
    fn brief_values_hold() {
        // BRIEF §6: East China grid 0.5617, national 0.5366 kg/kWh (2022).
        assert_eq!(grid("east").unwrap().unwrap().emission_factor_kg_per_kwh, 0.5617);
        assert_eq!(grid("national").unwrap().unwrap().emission_factor_kg_per_kwh, 0.5366);
        // BRIEF §5: July mean 29 °C in Shanghai, 21 °C in Ulanqab (±1 °C).
        assert!((climate("shanghai").unwrap().unwrap().monthly_mean_c[6] - 29.0).abs() <= 1.0);
        assert!((climate("ulanqab").unwrap().unwrap().monthly_mean_c[6] - 21.0).abs() <= 1.0);
    }
}
