//! Devices and equipment: accelerators with their power figures, server designs (host CPUs,
//! fans, power supplies), halls of rack groups, and how each hall is cooled.

use crate::catalog::AcceleratorSpec;

/// An accelerator model with its power figures checked present.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The merged catalog entry (inline overrides applied).
    pub spec: AcceleratorSpec,
    /// Whether the scenario defined or overrode it inline.
    pub inline: bool,
    /// Idle power, W.
    pub idle_w: f64,
    /// Maximum power, W.
    pub max_w: f64,
    /// The calibration profile applied, if any (`calibration = "..."` on the entry).
    pub calibration: Option<super::calibration::DeviceCalibration>,
}

/// How accelerator power follows utilization u in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PowerCurve {
    /// P = P_idle + (P_max - P_idle) u.
    Linear,
    /// P = P_idle + (P_max - P_idle)(2u - u^r) (Fan, Weber, Barroso, ISCA 2007).
    FanBarroso {
        /// Exponent r (1.4 in the paper).
        r: f64,
    },
}

/// Host CPUs of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cpu {
    /// Sockets.
    pub count: u32,
    /// Idle power per socket, W.
    pub idle_w: f64,
    /// Maximum power per socket, W.
    pub max_w: f64,
    /// CPU utilization when all accelerators of the node are allocated.
    pub busy_utilization: f64,
}

/// Server fans: P = max(min, max * x^3) with x the airflow as a fraction of the fans' design
/// airflow (fan affinity law; airflow follows the heat the air must remove).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fans {
    /// Power at minimum speed, W.
    pub min_w: f64,
    /// Power at maximum heat, W.
    pub max_w: f64,
    /// Share of the node's heat its air removes when the fans draw `max_w` (1 for a server
    /// designed for air cooling).
    pub air_share: f64,
}

/// Power supplies of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Psu {
    /// Supplies sharing the load.
    pub count: u32,
    /// Output rating of one supply, W.
    pub rating_w: f64,
    /// The named curve, if one was named.
    pub curve_name: Option<String>,
    /// (load fraction, efficiency) points, load increasing.
    pub points: Vec<(f64, f64)>,
}

/// One server design.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeType {
    /// Name.
    pub name: String,
    /// Index into [`super::Scenario::devices`].
    pub device: usize,
    /// Accelerators per node.
    pub accelerators: u32,
    /// Accelerator power curve.
    pub curve: PowerCurve,
    /// Host CPUs.
    pub cpu: Cpu,
    /// Memory power, W.
    pub memory_w: f64,
    /// NIC power, W.
    pub nic_w: f64,
    /// Storage power, W.
    pub storage_w: f64,
    /// Other constant power, W.
    pub other_w: f64,
    /// Fans, if air-cooled.
    pub fans: Option<Fans>,
    /// Power supplies.
    pub psu: Psu,
    /// The catalog platform the node type was built from, if any.
    pub platform: Option<String>,
    /// The vendor's maximum input power of one node, W (from the scenario or the platform).
    pub nameplate_w: Option<f64>,
}

/// A hall.
#[derive(Debug, Clone, PartialEq)]
pub struct Hall {
    /// Name.
    pub name: String,
    /// Groups of identical racks.
    pub racks: Vec<RackGroup>,
    /// How it is cooled.
    pub cooling: Cooling,
}

/// `count` identical racks.
#[derive(Debug, Clone, PartialEq)]
pub struct RackGroup {
    /// Racks in the group.
    pub count: u32,
    /// Nodes per rack.
    pub nodes: u32,
    /// Index into [`super::Scenario::node_types`].
    pub node_type: usize,
    /// Rack design power, W.
    pub power_limit_w: Option<f64>,
    /// When the racks enter service, ms after the start (0: from the start). Before it they
    /// are absent: no capacity, no power, no failures.
    pub in_service_ms: u64,
}

/// How a hall is cooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoolingKind {
    /// CRAH / fan walls on chilled water.
    Air,
    /// Cold plates on a CDU and facility water; the rest by CRAHs.
    ColdPlate,
    /// Single-phase immersion; no server fans.
    Immersion,
}

impl CoolingKind {
    /// Names in scenarios.
    pub const ALL: [(CoolingKind, &'static str); 3] =
        [(CoolingKind::Air, "air"), (CoolingKind::ColdPlate, "cold-plate"), (CoolingKind::Immersion, "immersion")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        CoolingKind::ALL.iter().find(|(k, _)| *k == self).map_or("air", |(_, n)| n)
    }
}

/// The air units of a hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AirUnit {
    /// Computer-room air handlers on the chilled-water loop.
    Crah,
    /// Computer-room air conditioners with their own compressors (DX) and air-cooled
    /// condensers outdoors: the hall's air heat does not reach the chilled-water loop.
    CracDx,
}

impl AirUnit {
    /// Names in scenarios.
    pub const ALL: [(AirUnit, &'static str); 2] = [(AirUnit::Crah, "crah"), (AirUnit::CracDx, "crac-dx")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        AirUnit::ALL.iter().find(|(k, _)| *k == self).map_or("crah", |(_, n)| n)
    }
}

/// Cooling of a hall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cooling {
    /// Architecture.
    pub kind: CoolingKind,
    /// Share of IT heat to liquid.
    pub liquid_fraction: f64,
    /// CRAH fan power at design, W per W of air heat.
    pub crah_fan_w_per_w: f64,
    /// Lowest CRAH airflow fraction.
    pub crah_min_airflow: f64,
    /// Server inlet above chilled-water supply, K.
    pub air_approach_k: f64,
    /// Device coolant above facility-water supply, K.
    pub cdu_approach_k: f64,
    /// CDU pump pressure, Pa.
    pub cdu_pa: f64,
    /// CDU pump efficiency.
    pub cdu_eta: f64,
    /// Junction to coolant resistance, K/W.
    pub r_k_per_w: f64,
    /// Throttle junction temperature, °C.
    pub throttle_c: f64,
    /// Ventilation, humidity control and air-side economizer.
    pub air_side: super::AirSide,
    /// CRAH or DX CRAC units.
    pub unit: AirUnit,
    /// Fan speed control of the air units.
    pub fans: super::SpeedControl,
    /// DX units: COP (compressor and condenser fans) at 35 °C outdoor, 19.4 °C entering wet-bulb.
    pub dx_cop: f64,
}

impl Cooling {
    /// Share of the servers' heat their own air must remove: all of it in an air hall, the
    /// residual the cold plates leave (1 - `liquid_fraction`), none under immersion (the
    /// servers have no fans there).
    pub fn air_share(&self) -> f64 {
        match self.kind {
            CoolingKind::Immersion => 0.0,
            _ => (1.0 - self.liquid_fraction).clamp(0.0, 1.0),
        }
    }
}
