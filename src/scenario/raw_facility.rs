//! The raw `[facility]` section: the power chain and the cooling plant as written.

use serde::{Deserialize, Serialize};

use super::units::{DeltaK, DurationMs, PowerW, PressurePa, TempC};

/// `[facility]`: the power chain and the cooling plant of the site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFacility {
    /// Transformers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformer: Option<RawTransformer>,
    /// UPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ups: Option<RawUps>,
    /// PDU and busway loss at rated load, fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdu_loss: Option<f64>,
    /// Lighting, offices and auxiliaries, fraction of the IT design power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auxiliary: Option<f64>,
    /// The chilled-water loop (CRAH coils).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chilled_water: Option<RawLoop>,
    /// The warm facility-water loop (CDUs, immersion tanks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_water: Option<RawLoop>,
    /// Chillers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chiller: Option<RawChiller>,
    /// Cooling towers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tower: Option<RawTower>,
    /// Dry coolers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_cooler: Option<RawDryCooler>,
    /// Economizer heat-exchanger approach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hx_approach: Option<DeltaK>,
    /// Time constant of the water loops' temperatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_time_constant: Option<DurationMs>,
    /// A supply temperature this far above its set-point raises an alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_margin: Option<DeltaK>,
    /// Share of the PDU/busway loss downstream of the PDU output meter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdu_branch_share: Option<f64>,
    /// Floor areas, lighting, auxiliaries and offices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<RawBuilding>,
    /// "ups-output", "pdu-output" or "it-input": where `pue.annual` measures IT energy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pue_boundary: Option<String>,
    /// A PUE limit: a number, or a hub name ("east-hub", "west-hub", ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pue_limit: Option<RawPueLimit>,
    /// "modern" or "legacy": the defaults of pumps, fans, economizer and chillers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub era: Option<String>,
    /// Air-cooled chillers (loops with `rejection = "air-cooled-chiller"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_cooled_chiller: Option<RawAirChiller>,
}

/// A PUE limit as written: a number or a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawPueLimit {
    /// A value, like 1.25.
    Value(f64),
    /// A named limit, like "east-hub".
    Name(String),
}

/// `[facility.building]`: floor areas, lighting, auxiliaries and offices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuilding {
    /// White space (data halls), m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub white_space_m2: Option<f64>,
    /// White space per rack, m² (when `white_space_m2` is not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_per_rack_m2: Option<f64>,
    /// Support and plant area per m² of white space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_area_ratio: Option<f64>,
    /// Lighting power density, W/m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lighting_w_per_m2: Option<f64>,
    /// Share of hours the lights are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lighting_on: Option<f64>,
    /// Auxiliaries (BMS, security, fire detection), W/m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auxiliary_w_per_m2: Option<f64>,
    /// Office area, m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_m2: Option<f64>,
    /// Mean office power density, W/m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_w_per_m2: Option<f64>,
}

/// `[facility.transformer]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransformer {
    /// Installed units sharing the load (2 = 2N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// Rating of one unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<PowerW>,
    /// No-load loss, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_load_loss: Option<f64>,
    /// Load loss at rated load, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_loss: Option<f64>,
}

/// `[facility.ups]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUps {
    /// "double-conversion" or "eco".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// "N", "N+1" or "2N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy: Option<String>,
    /// Rating of one module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_rating: Option<PowerW>,
    /// No-load loss, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_load_loss: Option<f64>,
    /// Proportional loss, fraction of load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportional_loss: Option<f64>,
    /// Square-law loss at rated load, fraction of rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub square_loss: Option<f64>,
    /// "double-conversion", "legacy-double-conversion", "modular", "eco" or "hvdc".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Modular / HVDC: target load fraction of a running module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shed_target: Option<f64>,
    /// HVDC: share of the IT load fed straight from the mains (0.5 for "mains + HVDC").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mains_share: Option<f64>,
    /// "vrla", "lithium" or "none".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<String>,
    /// Battery autonomy at the installed rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autonomy: Option<DurationMs>,
    /// Battery float/standby loss, W per kWh of battery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_float_loss: Option<f64>,
}

/// A water loop of the plant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoop {
    /// Supply set-point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<TempC>,
    /// Return minus supply at design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_t: Option<DeltaK>,
    /// "tower" or "dry-cooler".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<String>,
    /// Whether chillers trim what free cooling cannot do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chillers: Option<bool>,
    /// Loop pump pressure rise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_pressure: Option<PressurePa>,
    /// Loop pump efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_efficiency: Option<f64>,
    /// "variable" or "constant" speed pumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pumps: Option<String>,
    /// Whether the loop has a water-side economizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economizer: Option<bool>,
}

/// `[facility.chiller]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChiller {
    /// COP at 6.67 °C leaving chilled water, 29.4 °C entering condenser water.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cop: Option<f64>,
    /// Duty units per loop (N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<u32>,
    /// "N", "N+1" or "2N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy: Option<String>,
    /// Carnot efficiency outside the curves' range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carnot_efficiency: Option<f64>,
    /// Lowest entering condenser temperature the chillers accept (head-pressure control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_condenser_temp: Option<TempC>,
    /// Highest COP, however cold the condenser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cop: Option<f64>,
}

/// `[facility.tower]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTower {
    /// Approach to wet-bulb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<DeltaK>,
    /// Fan power at design, W per W of heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_power: Option<f64>,
    /// Cycles of concentration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<f64>,
    /// Drift, fraction of circulating water.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<f64>,
    /// Condenser-water range (temperature rise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<DeltaK>,
    /// Wet-bulb at which the design approach needs the design airflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_wet_bulb: Option<TempC>,
    /// Exponent n of the tower characteristic KaV/L ∝ (L/G)^−n.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    /// Basin heaters, W per K below the set-point per MW of design heat rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basin_heater: Option<f64>,
    /// Outdoor temperature below which the basin heaters run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basin_heater_setpoint: Option<TempC>,
}

/// `[facility.dry_cooler]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDryCooler {
    /// Approach to dry-bulb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approach: Option<DeltaK>,
    /// Fan power at design, W per W of heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_power: Option<f64>,
}

/// `[facility.air_cooled_chiller]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAirChiller {
    /// Compressor COP at 6.7 °C leaving chilled water and 35 °C outdoor air.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cop: Option<f64>,
    /// Condensing temperature above the outdoor dry-bulb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condenser_approach: Option<DeltaK>,
    /// Condenser fans, W per W of running cooling capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_power: Option<f64>,
}
