//! A hall's air side: outdoor-air ventilation and humidity control, and air-side economizers
//! (`[[halls]] cooling = { economizer = ..., humidity = ... }`).

/// An air-side economizer of a hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Economizer {
    /// None: the hall's air heat goes to the chilled water.
    None,
    /// Outdoor air straight into the hall when its dry-bulb and dew point allow.
    Direct,
    /// Direct, with evaporative media that cool hot dry outdoor air first.
    DirectEvaporative,
    /// An air-to-air heat exchanger cooled by evaporatively cooled outdoor air.
    IndirectEvaporative,
}

impl Economizer {
    /// Names in scenarios.
    pub const ALL: [(Economizer, &'static str); 4] = [
        (Economizer::None, "none"),
        (Economizer::Direct, "direct"),
        (Economizer::DirectEvaporative, "direct-evaporative"),
        (Economizer::IndirectEvaporative, "indirect-evaporative"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Economizer::ALL.iter().find(|(k, _)| *k == self).map_or("none", |(_, n)| n)
    }
}

/// The air side of a hall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AirSide {
    /// Air-side economizer.
    pub economizer: Economizer,
    /// Whether the hall takes outdoor air and holds its humidity in a band.
    pub humidity: bool,
    /// Outdoor-air ventilation, L/s per m² of hall floor.
    pub outdoor_air_l_per_s_m2: f64,
    /// Hall floor per rack, m².
    pub floor_m2_per_rack: f64,
    /// Lowest dew point of the hall air, °C.
    pub dew_point_min_c: f64,
    /// Highest dew point of the hall air, °C.
    pub dew_point_max_c: f64,
    /// Highest relative humidity at the server inlet, %.
    pub rh_max_pct: f64,
    /// Air temperature rise across the servers (return minus supply), K.
    pub air_delta_t_k: f64,
    /// Wet-bulb effectiveness of an indirect evaporative cooler (wet mode).
    pub iec_wet_effectiveness: f64,
    /// Dry-bulb effectiveness of an indirect evaporative cooler (dry mode, no spray).
    pub iec_dry_effectiveness: f64,
    /// Saturation effectiveness of direct evaporative media.
    pub evaporative_effectiveness: f64,
    /// Economizer fans and spray pumps, W per W of heat removed by the economizer.
    pub economizer_fan_w_per_w: f64,
    /// Humidifier electric energy, kWh per kg of water.
    pub humidifier_kwh_per_kg: f64,
}
