//! The compute sections of summary.json: `capacity`, `utilization`, `idle_capacity`, `energy`
//! (IT; the facility and network add their parts) and `power`, folded from the site integrals.
//!
//! ## Definitions (also in the README)
//! - allocation utilization: time-weighted mean of allocated / installed accelerators; under
//!   GPU shares each pod counts its GPUs x share (fractional allocation), and the fraction of
//!   GPUs holding any share is reported apart (`occupied_mean`);
//! - effective utilization: the same, each allocated accelerator weighted by its job's
//!   utilization (accelerators a whole-node job holds beyond its request count as idle);
//! - idle capacity: accelerator-hours unallocated (installed x horizon - allocated), and
//!   accelerator-hours allocated but idle (allocated - effective).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SiteLoad;
use crate::config::Scenario;

/// `capacity` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// Accelerators installed.
    pub accelerators: u64,
    /// Nodes.
    pub nodes: u64,
    /// Racks.
    pub racks: u64,
    /// Halls.
    pub halls: u64,
    /// Dense FP16 peak, PFLOPS.
    pub peak_pflops_fp16: f64,
    /// Dense peak by precision, PFLOPS.
    pub peak_pflops: BTreeMap<String, f64>,
    /// Accelerators by model.
    pub accelerators_by_model: BTreeMap<String, u64>,
    /// IT power with every accelerator at full utilization, kW.
    pub it_design_kw: f64,
    /// IT power with nothing allocated, kW.
    pub it_idle_kw: f64,
}

/// `utilization` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Utilization {
    /// Time-weighted allocated / installed (under GPU shares: GPU shares held / GPUs installed).
    pub allocated_mean: f64,
    /// Time-weighted utilization-weighted allocated / installed.
    pub effective_mean: f64,
    /// Model FLOPs utilization of work-defined jobs: delivered model FLOPs over
    /// accelerators x dense peak x time held (absent without work-defined jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfu_mean: Option<f64>,
    /// Delivered model FLOPs of work-defined jobs over the horizon, PFLOPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_pflops: Option<f64>,
    /// Present under placement by shares: what `allocated_mean` counts ("gpu-share": each pod's
    /// GPUs x gpu_milli / 1000, the fractional allocation utilization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_basis: Option<String>,
    /// Present under placement by shares: time-weighted fraction of GPUs holding at least one share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupied_mean: Option<f64>,
}

/// `idle_capacity` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdleCapacity {
    /// Installed x horizon, accelerator-hours.
    pub accelerator_hours_installed: f64,
    /// Not allocated to any job.
    pub accelerator_hours_unallocated: f64,
    /// Unallocated / installed.
    pub fraction_unallocated: f64,
    /// Allocated but idle (allocated minus effective).
    pub accelerator_hours_allocated_idle: f64,
    /// Allocated-idle / installed.
    pub fraction_allocated_idle: f64,
}

/// `energy` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    /// IT energy, kWh (exact integral of IT power).
    pub it_kwh: f64,
    /// Server fans' share of the IT energy at the wall, kWh (exact integral).
    pub server_fans_kwh: f64,
    /// Facility energy, kWh (with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_kwh: Option<f64>,
    /// Cooling: chillers, heat-rejection fans, pumps, CRAH fans, CDU pumps, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling_kwh: Option<f64>,
    /// Electrical losses: UPS, PDU, transformer, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_kwh: Option<f64>,
    /// Lighting and auxiliaries, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_kwh: Option<f64>,
    /// Every component, kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_component_kwh: Option<BTreeMap<String, f64>>,
    /// Offices and other non-data-center loads of the site, kWh (outside PUE; with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_kwh: Option<f64>,
    /// Site energy: facility plus offices, kWh (with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_kwh: Option<f64>,
    /// Network switches and optics, kWh (part of `it_kwh`; with a `[network]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_kwh: Option<f64>,
    /// The storage tier, kWh (part of `it_kwh`; with a `[storage]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_kwh: Option<f64>,
}

/// Min, mean, max of a power, kW.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerStats {
    /// Mean over the horizon.
    pub mean: f64,
    /// Highest level held for a positive time.
    pub max: f64,
    /// Lowest level held for a positive time.
    pub min: f64,
}

/// `power` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Power {
    /// IT power, kW.
    pub it_kw: PowerStats,
}

/// The `capacity` section of a scenario.
pub fn capacity(sc: &Scenario) -> Capacity {
    let mut by_model = BTreeMap::new();
    for (g, nt) in sc.racks_iter() {
        *by_model.entry(sc.devices[nt.device].spec.id.clone()).or_insert(0) += g.count as u64 * g.nodes as u64 * nt.accelerators as u64;
    }
    let peak_pflops = crate::catalog::PRECISIONS.iter().map(|p| (p.to_string(), sc.peak_pflops(p))).filter(|(_, v)| *v > 0.0).collect();
    let idle_w = super::it_idle_w(sc);
    Capacity {
        accelerators: sc.accelerators(),
        nodes: sc.nodes(),
        racks: sc.racks(),
        halls: sc.halls.len() as u64,
        peak_pflops_fp16: sc.peak_pflops("fp16"),
        peak_pflops,
        accelerators_by_model: by_model,
        it_design_kw: super::it_design_w(sc) / 1000.0,
        it_idle_kw: idle_w / 1000.0,
    }
}

/// Folds idle capacity and utilization from the site integrals over `horizon_ms`.
pub fn fold_utilization(load: &SiteLoad, horizon_ms: u64) -> (Utilization, IdleCapacity, Energy, Power) {
    // In-service accelerator time: installed x horizon unless rack groups entered service late.
    let installed_ms = load.installed_ms as f64;
    let alloc = load.allocated_basis_ms();
    let busy = load.busy_bp_ms as f64 / 1e4;
    let h = 3.6e6;
    let frac = |x: f64| if installed_ms > 0.0 { x / installed_ms } else { 0.0 };
    let it_kwh = load.it_energy_kwh();
    (
        Utilization {
            allocated_mean: frac(alloc),
            effective_mean: frac(busy),
            allocation_basis: load.shares.then(|| "gpu-share".to_string()),
            occupied_mean: load.shares.then(|| frac(load.allocated_ms as f64)),
            ..Default::default()
        },
        IdleCapacity {
            accelerator_hours_installed: installed_ms / h,
            accelerator_hours_unallocated: (installed_ms - alloc) / h,
            fraction_unallocated: frac(installed_ms - alloc),
            accelerator_hours_allocated_idle: (alloc - busy) / h,
            fraction_allocated_idle: frac(alloc - busy),
        },
        Energy { it_kwh, server_fans_kwh: load.fans_energy_kwh(), ..Default::default() },
        Power {
            it_kw: PowerStats {
                mean: it_kwh / (horizon_ms as f64 / h),
                max: load.max_it_power_mw as f64 / 1e6,
                min: load.min_it_power_mw as f64 / 1e6,
            },
        },
    )
}
