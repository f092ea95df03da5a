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
    /// UPS family (or HVDC rectifiers), with its loss curve and module shedding.
    pub ups_family: UpsFamily,
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
    /// Auxiliary load, fraction of IT design power: the old flat share, an override of the
    /// building's lighting and auxiliaries when set.
    pub auxiliary: Option<f64>,
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
    /// Modular and HVDC: the load fraction each running module is kept near by shedding modules.
    pub ups_shed_target: f64,
    /// HVDC: share of the IT load fed straight from the mains (0.5 for "mains + HVDC").
    pub ups_mains_share: f64,
    /// Battery chemistry of the UPS or HVDC plant.
    pub battery: BatteryKind,
    /// Battery autonomy at the UPS's installed rating, minutes.
    pub battery_autonomy_min: f64,
    /// Battery float/standby loss, W per kWh of installed battery energy.
    pub battery_float_w_per_kwh: f64,
    /// Share of the PDU/busway loss downstream of the PDU output meter (branch circuits, rack PDUs).
    pub pdu_branch_share: f64,
    /// Floor areas, lighting, auxiliaries and offices.
    pub building: Building,
    /// Boundary at which `pue.annual` measures IT energy.
    pub pue_boundary: PueBoundary,
    /// A PUE limit the design is judged against: value and name (a hub id, or "scenario").
    pub pue_limit: Option<(f64, String)>,
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

/// UPS families (and HVDC rectifier plants): the loss curve and whether modules are shed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsFamily {
    /// Modern transformerless double conversion (the default).
    DoubleConversion,
    /// Legacy transformer-based double conversion: higher losses, poor at light load.
    Legacy,
    /// Modular double conversion that sheds modules at light load.
    Modular,
    /// Eco mode: the bypass carries the load, the inverter stands by.
    Eco,
    /// 240 V / 336 V high-voltage DC: rectifier modules with shedding, no inverter.
    Hvdc,
}

impl UpsFamily {
    /// Names in scenarios.
    pub const ALL: [(UpsFamily, &'static str); 5] = [
        (UpsFamily::DoubleConversion, "double-conversion"),
        (UpsFamily::Legacy, "legacy-double-conversion"),
        (UpsFamily::Modular, "modular"),
        (UpsFamily::Eco, "eco"),
        (UpsFamily::Hvdc, "hvdc"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        UpsFamily::ALL.iter().find(|(f, _)| *f == self).map_or("double-conversion", |(_, n)| n)
    }

    /// Whether running modules are shed at light load.
    pub fn sheds(self) -> bool {
        matches!(self, UpsFamily::Modular | UpsFamily::Hvdc)
    }
}

/// Battery chemistry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatteryKind {
    /// No battery (flywheel or none modelled).
    None,
    /// Valve-regulated lead-acid on float charge.
    Vrla,
    /// Lithium iron phosphate with its battery management system.
    Lithium,
}

impl BatteryKind {
    /// Names in scenarios.
    pub const ALL: [(BatteryKind, &'static str); 3] =
        [(BatteryKind::None, "none"), (BatteryKind::Vrla, "vrla"), (BatteryKind::Lithium, "lithium")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        BatteryKind::ALL.iter().find(|(b, _)| *b == self).map_or("none", |(_, n)| n)
    }
}

/// The Green Grid's measurement boundaries for IT energy (WP49, 2012).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PueBoundary {
    /// Category 1: IT energy at the UPS (or HVDC rectifier) output.
    UpsOutput,
    /// Category 2: IT energy at the PDU output.
    PduOutput,
    /// Category 3: IT energy at the IT equipment input (the default, aidc's figure before).
    ItInput,
}

impl PueBoundary {
    /// Names in scenarios, in category order.
    pub const ALL: [(PueBoundary, &'static str); 3] =
        [(PueBoundary::UpsOutput, "ups-output"), (PueBoundary::PduOutput, "pdu-output"), (PueBoundary::ItInput, "it-input")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        PueBoundary::ALL.iter().find(|(b, _)| *b == self).map_or("it-input", |(_, n)| n)
    }
}

/// White space per rack when a scenario gives none, m² (GB 50174-2017 §4.2: 2.0-4.0 m² per rack
/// when the equipment is not yet known [unverified]); the building's lighting and each hall's
/// outdoor-air ventilation both use it.
pub const DEFAULT_AREA_PER_RACK_M2: f64 = 3.0;

/// Floor areas, lighting, auxiliaries and offices of the building.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Building {
    /// White space (data halls), m²; None: racks x `area_per_rack_m2`.
    pub white_space_m2: Option<f64>,
    /// White space per rack, m².
    pub area_per_rack_m2: f64,
    /// Support and plant area per m² of white space.
    pub support_area_ratio: f64,
    /// Lighting power density, W/m² (white space and support area).
    pub lighting_w_per_m2: f64,
    /// Share of hours the lights are on.
    pub lighting_on: f64,
    /// Auxiliaries (BMS, security, fire detection, access control), W/m² of white + support area.
    pub auxiliary_w_per_m2: f64,
    /// Office area, m² (outside the data center boundary: in site energy, not in PUE).
    pub office_m2: f64,
    /// Mean office power density over the day, W/m².
    pub office_w_per_m2: f64,
}
