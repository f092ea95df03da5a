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
}
