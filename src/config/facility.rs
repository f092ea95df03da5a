//! The power chain and the cooling plant of a site (`[facility]`): transformers, UPS, PDUs,
//! water loops, chillers, towers and dry coolers, with their redundancy.

/// N, N+1 or 2N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redundancy {
    /// No spare.
    N,
    /// One spare.
    NPlus1,
    /// A full second system.
    TwoN,
}

impl Redundancy {
    /// Names in scenarios.
    pub const ALL: [(Redundancy, &'static str); 3] = [(Redundancy::N, "N"), (Redundancy::NPlus1, "N+1"), (Redundancy::TwoN, "2N")];

    /// Installed units for `n` needed.
    pub fn installed(self, n: u32) -> u32 {
        match self {
            Redundancy::N => n,
            Redundancy::NPlus1 => n + 1,
            Redundancy::TwoN => 2 * n,
        }
    }

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Redundancy::ALL.iter().find(|(r, _)| *r == self).map_or("N", |(_, n)| n)
    }
}

/// Heat rejection of a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Wet cooling towers.
    Tower,
    /// Dry coolers.
    DryCooler,
    /// Air-cooled chillers: the chillers reject to outdoor air through their own condenser
    /// fans; a free-cooling coil (when the loop has an economizer) works like a dry cooler.
    AirCooledChiller,
}

/// Design era of a facility: the defaults of its pumps, fans, economizer and chillers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// Today's designs: variable-speed pumps and fans, water-side economizer.
    Modern,
    /// A 2010s air-cooled chilled-water hall: constant-speed pumps and CRAH fans, no
    /// water-side economizer, 7/12 °C chilled water, chillers of the GB 50189-2005 minimum.
    Legacy,
}

impl Era {
    /// Names in scenarios.
    pub const ALL: [(Era, &'static str); 2] = [(Era::Modern, "modern"), (Era::Legacy, "legacy")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Era::ALL.iter().find(|(e, _)| *e == self).map_or("modern", |(_, n)| n)
    }
}

/// Speed control of pumps or fans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeedControl {
    /// Variable-speed drives: flow follows the load.
    Variable,
    /// Constant speed: design flow whatever the load.
    Constant,
}

impl SpeedControl {
    /// Names in scenarios.
    pub const ALL: [(SpeedControl, &'static str); 2] = [(SpeedControl::Variable, "variable"), (SpeedControl::Constant, "constant")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        SpeedControl::ALL.iter().find(|(e, _)| *e == self).map_or("variable", |(_, n)| n)
    }
}

/// A water loop of the plant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopConfig {
    /// Supply set-point, °C.
    pub supply_c: f64,
    /// Design return minus supply, K.
    pub delta_t_k: f64,
    /// Heat rejection.
    pub rejection: RejectionKind,
    /// Whether chillers trim.
    pub chillers: bool,
    /// Pump pressure rise, Pa.
    pub pump_pa: f64,
    /// Pump efficiency.
    pub pump_eta: f64,
    /// Pump speed control.
    pub pumps: SpeedControl,
    /// Whether the loop has a water-side economizer (free cooling).
    pub economizer: bool,
}

/// The power chain and plant.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Transformer units.
    pub transformer_units: u32,
    /// Rating of one transformer, W.
    pub transformer_rating_w: f64,
    /// Transformer no-load loss, fraction of rating.
    pub transformer_no_load: f64,
    /// Transformer load loss at rating, fraction.
    pub transformer_load_loss: f64,
    /// "double-conversion" or "eco".
    pub ups_mode: String,
    /// UPS redundancy.
    pub ups_redundancy: Redundancy,
    /// UPS module rating, W.
    pub ups_module_rating_w: f64,
    /// UPS no-load loss, fraction of rating.
    pub ups_l0: f64,
    /// UPS proportional loss, fraction of load.
    pub ups_k1: f64,
    /// UPS square-law loss, fraction of rating at rated load.
    pub ups_k2: f64,
    /// PDU loss at rated load, fraction.
    pub pdu_loss: f64,
    /// Auxiliary load, fraction of IT design power.
    pub auxiliary: f64,
    /// Chilled-water loop.
    pub chilled_water: LoopConfig,
    /// Facility-water loop.
    pub facility_water: LoopConfig,
    /// Chiller COP at the reference point.
    pub chiller_cop: f64,
    /// Duty chillers per loop.
    pub chiller_units: u32,
    /// Chiller redundancy.
    pub chiller_redundancy: Redundancy,
    /// Carnot efficiency.
    pub chiller_carnot_eta: f64,
    /// Tower approach, K.
    pub tower_approach_k: f64,
    /// Tower fan power at design, W/W.
    pub tower_fan_w_per_w: f64,
    /// Cycles of concentration.
    pub tower_cycles: f64,
    /// Drift fraction.
    pub tower_drift: f64,
    /// Condenser range, K.
    pub tower_range_k: f64,
    /// Dry-cooler approach, K.
    pub dry_approach_k: f64,
    /// Dry-cooler fan power at design, W/W.
    pub dry_fan_w_per_w: f64,
    /// Economizer heat-exchanger approach, K.
    pub hx_approach_k: f64,
    /// Loop temperature time constant, ms.
    pub loop_tau_ms: u64,
    /// Alarm margin above set-point, K.
    pub alarm_margin_k: f64,
    /// Design era (the defaults it chose).
    pub era: Era,
    /// Lowest entering condenser-water (or, air-cooled, condenser-air) temperature a chiller
    /// accepts (head-pressure control), °C.
    pub chiller_min_condenser_c: f64,
    /// Highest COP a chiller reaches, however cold its condenser.
    pub chiller_max_cop: f64,
    /// Air-cooled chillers: compressor COP at AHRI 550/590 rating (6.7 °C water, 35 °C air).
    pub air_chiller_cop: f64,
    /// Air-cooled chillers: condensing temperature above the outdoor dry-bulb, K.
    pub air_chiller_condenser_k: f64,
    /// Air-cooled chillers: condenser fans, W per W of running cooling capacity.
    pub air_chiller_fan_w_per_w: f64,
    /// Tower design wet-bulb, °C (the airflow of the design approach is sized here).
    pub tower_design_wb_c: f64,
    /// Tower characteristic exponent n of KaV/L ∝ (L/G)^−n.
    pub tower_exponent: f64,
    /// Basin heaters, W per K below the set-point per MW of design heat rejection.
    pub basin_heater_w_per_k_mw: f64,
    /// Outdoor temperature below which basin heaters run, °C.
    pub basin_heater_setpoint_c: f64,
}
