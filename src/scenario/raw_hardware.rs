//! The raw equipment sections: `[[node_types]]` (host CPUs, fans, power supplies) and
//! `[[halls]]` with their rack groups and cooling, as written.

use serde::{Deserialize, Serialize};

use super::units::{DeltaK, DurationMs, PowerW, PressurePa, TempC};

/// `cooling = { ... }` of a hall.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCooling {
    /// "air", "cold-plate" or "immersion".
    pub kind: String,
    /// Cold plate: share of the IT heat taken by liquid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquid_fraction: Option<f64>,
    /// CRAH fan power at design, W per W of air heat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crah_fan_power: Option<f64>,
    /// Lowest CRAH airflow, fraction of design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crah_min_airflow: Option<f64>,
    /// Server inlet air above the chilled-water supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_approach: Option<DeltaK>,
    /// Secondary (device) coolant above the facility-water supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_approach: Option<DeltaK>,
    /// CDU pump pressure rise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_pressure: Option<PressurePa>,
    /// CDU pump efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cdu_pump_efficiency: Option<f64>,
    /// Accelerator junction to coolant (or inlet air) thermal resistance, K/W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thermal_resistance: Option<f64>,
    /// Junction temperature at which accelerators throttle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_temp: Option<TempC>,
    /// Air-side economizer: "none", "direct", "direct-evaporative" or "indirect-evaporative".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economizer: Option<String>,
    /// Whether the hall takes outdoor air and holds its humidity (default: air halls yes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humidity: Option<bool>,
    /// Outdoor-air ventilation, L/s per m² of floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outdoor_air: Option<f64>,
    /// Hall floor per rack, m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_per_rack: Option<f64>,
    /// Lowest dew point of the hall air.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dew_point_min: Option<TempC>,
    /// Highest dew point of the hall air.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dew_point_max: Option<TempC>,
    /// Highest relative humidity at the server inlet, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_relative_humidity: Option<f64>,
    /// Air temperature rise across the servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_delta_t: Option<DeltaK>,
    /// Wet-bulb effectiveness of an indirect evaporative cooler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iec_effectiveness: Option<f64>,
    /// Dry-bulb effectiveness of an indirect evaporative cooler without spray.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iec_dry_effectiveness: Option<f64>,
    /// Saturation effectiveness of direct evaporative media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaporative_effectiveness: Option<f64>,
    /// Economizer fans and pumps, W per W of heat the economizer removes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economizer_fan_power: Option<f64>,
    /// Humidifier electric energy, kWh per kg of water.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humidifier_energy: Option<f64>,
    /// "crah" (chilled-water air handlers) or "crac-dx" (refrigerant units, air-cooled condensers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// "variable" or "constant" speed air-unit fans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fans: Option<String>,
    /// DX units: COP at 35 °C outdoor (compressor and condenser fans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dx_cop: Option<f64>,
}

/// `[[node_types]]`: one server design.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeType {
    /// Name referenced by rack groups.
    pub name: String,
    /// A server platform of the catalog (`assets/platforms.toml`) whose parts are the defaults
    /// of every field below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Accelerator id: a catalog id or the id of a scenario `[[accelerators]]` entry (default:
    /// the platform's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// Accelerators per node, 1 to 64 (default: the platform's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<u32>,
    /// The vendor's maximum input power of one node (default: the platform's); `aidc check`
    /// compares the modelled maximum with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nameplate: Option<PowerW>,
    /// "linear" or "fan-barroso".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_curve: Option<String>,
    /// Exponent r of the Fan-Weber-Barroso curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_curve_r: Option<f64>,
    /// Host CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<RawCpu>,
    /// Constant memory (DIMM) power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_power: Option<PowerW>,
    /// Constant power of all NICs of the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_power: Option<PowerW>,
    /// Constant power of local storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_power: Option<PowerW>,
    /// Other constant power (BMC, NVSwitch/HCCS chips, board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_power: Option<PowerW>,
    /// Server fans (air-cooled servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fans: Option<RawFans>,
    /// Power supplies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psu: Option<RawPsu>,
}

/// `cpu = { ... }` of a node type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCpu {
    /// Sockets per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Idle power per socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<PowerW>,
    /// Maximum power per socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<PowerW>,
    /// CPU utilization when every accelerator of the node is allocated (0-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_utilization: Option<f64>,
}

/// `fans = { min, max, air_share }`: fan power at minimum speed and at full heat load, and the
/// share of the heat the fans were sized to remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFans {
    /// Fan power at minimum speed (default 5 % of `max`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<PowerW>,
    /// Fan power when the node dissipates its maximum heat with `air_share` of it in its air.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<PowerW>,
    /// Share of the node's heat its air removes at `max` (default 1: designed for air cooling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_share: Option<f64>,
}

/// `psu = { count, rating, efficiency }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPsu {
    /// Number of supplies sharing the load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Output rating of one supply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<PowerW>,
    /// "titanium", "platinum", "gold" or a list of [load_fraction, efficiency] points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<RawPsuCurve>,
}

/// A named 80 PLUS level or explicit efficiency points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RawPsuCurve {
    /// "titanium", "platinum" or "gold".
    Named(String),
    /// `[[load_fraction, efficiency], ...]`, load fractions increasing.
    Points(Vec<[f64; 2]>),
}

const PSU_EXPECTED: &str = r#""titanium", "platinum", "gold" or [[load_fraction, efficiency], ...]"#;

impl<'de> Deserialize<'de> for RawPsuCurve {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawPsuCurve;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(PSU_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawPsuCurve, E> {
                Ok(RawPsuCurve::Named(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawPsuCurve, A::Error> {
                let mut points = Vec::new();
                while let Some(p) = seq.next_element::<[f64; 2]>()? {
                    points.push(p);
                }
                Ok(RawPsuCurve::Points(points))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[[halls]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHall {
    /// Hall name.
    pub name: String,
    /// Groups of identical racks.
    pub racks: Vec<RawRackGroup>,
    /// How the hall is cooled (used with `[facility]`; default air).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling: Option<RawCooling>,
}

/// `[[halls.racks]]`: `count` racks of `nodes` nodes of one type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRackGroup {
    /// Number of racks.
    pub count: u32,
    /// Nodes per rack.
    pub nodes: u32,
    /// Node type name.
    pub node_type: String,
    /// Design power of one rack; `check` warns when the nodes' maximum exceeds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_limit: Option<PowerW>,
    /// When the racks enter service, after the start of the run (a phased build-out); absent
    /// or "0s": from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_service: Option<DurationMs>,
}
