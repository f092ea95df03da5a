//! The facility's parts of summary.json: PUE (annual, by month, by hall), WUE, CUE and carbon,
//! water, free cooling, thermal alarms, the grid of the carbon figures, and the facility terms
//! of the `energy` section. Definitions are in the README's metric table.

use std::collections::BTreeMap;

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};

use super::FacilityModel;
use super::boundary::pue_at;
use super::grade::gb40879_grade;
use crate::config::PueBoundary;
use crate::config::Scenario;
use crate::model::compute::sample::Sample;
use crate::model::compute::summary::Energy;

/// Steps the facility model with the halls' mean IT power (the facility stage), at the end of
/// the interval the power stage sampled (the tick's time).
pub fn facility_step(sample: Res<Sample>, mut f: ResMut<FacilityModel>) {
    f.step(sample.time_ms, &sample.hall_it_power_kw);
}

/// The top-level sections of summary.json that a facility adds (absent without one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FacilitySections {
    /// PUE (with a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pue: Option<PueSummary>,
    /// Make-up water per IT kWh, L/kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wue_l_per_kwh: Option<f64>,
    /// Carbon per IT kWh, kg/kWh (location-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue_kg_per_kwh: Option<f64>,
    /// Carbon of the facility energy, t CO2 (location-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon_t: Option<f64>,
    /// Make-up water, m³.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub water_m3: Option<f64>,
    /// Hours the main loop (the one carrying the most design heat) ran on free cooling alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_hours: Option<f64>,
    /// Hours on free cooling alone per loop ("chilled_water", "facility_water").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_hours_by_loop: Option<BTreeMap<String, f64>>,
    /// Share of loop heat removed without chillers, energy-weighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_cooling_fraction: Option<f64>,
    /// Thermal limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thermal: Option<Thermal>,
    /// Grid of the carbon figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<GridInfo>,
}

/// `pue` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PueSummary {
    /// Energy-weighted over the run (facility kWh / IT kWh): the annual PUE for a one-year horizon.
    pub annual: f64,
    /// Lowest monthly PUE.
    pub min_month: f64,
    /// Highest monthly PUE.
    pub max_month: f64,
    /// Energy-weighted PUE of each calendar month ("YYYY-MM").
    pub by_month: BTreeMap<String, f64>,
    /// Partial PUE of each hall: its IT plus its own fans and pumps, its share of the plant by
    /// heat and of losses and auxiliaries by IT power, over its IT.
    pub by_hall: BTreeMap<String, f64>,
    /// The boundary at which `annual` (and the monthly figures) meter IT energy.
    #[serde(default)]
    pub boundary: String,
    /// PUE at each of The Green Grid's boundaries ("ups-output", "pdu-output", "it-input").
    #[serde(default)]
    pub by_boundary: BTreeMap<String, f64>,
    /// GB 40879-2021 grade of `annual`: 1 (best) to 3, 0 above the limit value.
    #[serde(default)]
    pub gb40879_grade: u8,
    /// Whether `annual` meets the GB 40879-2021 limit value (grade 3).
    #[serde(default)]
    pub gb40879_meets_limit: bool,
    /// The scenario's PUE limit (with `pue_limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Where the limit comes from: a hub name or "scenario".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_name: Option<String>,
    /// Whether `annual` is at or below the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meets_limit: Option<bool>,
}

/// `thermal` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Thermal {
    /// Accelerator-hours run below their demand by thermal throttling.
    pub throttled_accelerator_hours: f64,
    /// Alarms raised (supply above set-point, throttling started); rows in alarms.csv.
    pub alarms: u64,
    /// Highest junction temperature of a fully loaded accelerator over the run (coolant + R x TDP,
    /// at most the throttle temperature), °C.
    pub max_junction_c: f64,
}

/// `grid` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridInfo {
    /// Grid id, or "override".
    pub id: String,
    /// Emission factor used, kg CO2/kWh.
    pub emission_factor_kg_per_kwh: f64,
}

/// The facility's sections, and its terms of the `energy` section, at the end of a run;
/// `throttled_accelerator_hours` comes from the thermal stage.
pub fn fold(f: &FacilityModel, sc: &Scenario, throttled_accelerator_hours: f64, energy: &mut Energy) -> FacilitySections {
    let t = &f.totals;
    let by_component = t.by_component_kwh();
    let kwh = |names: &[&str]| names.iter().map(|n| by_component.get(n).copied().unwrap_or(0.0)).sum::<f64>();
    let it = kwh(&["it"]);
    let cooling = kwh(&[
        "chillers",
        "heat_rejection_fans",
        "pumps",
        "crah_fans",
        "cdu_pumps",
        "air_economizer_fans",
        "humidifiers",
        "reheat",
        "crac_compressors",
        "basin_heaters",
    ]);
    let loss = kwh(&["ups_loss", "pdu_loss", "transformer_loss", "battery_float"]);
    let other = kwh(&["auxiliary", "lighting"]);
    let office = kwh(&["office"]);
    let facility = it + cooling + loss + other;
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
    let (bound, branch) = sc.facility.as_ref().map_or((PueBoundary::ItInput, 0.0), |f| (f.pue_boundary, f.pdu_branch_share));
    let pdu = kwh(&["pdu_loss"]);
    let by_month: BTreeMap<String, f64> = t
        .months
        .iter()
        .filter(|(_, m)| m.it_kwh > 0.0)
        .map(|(k, m)| {
            (
                format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1),
                pue_at(bound, m.facility_kwh, m.it_kwh, m.pdu_loss_kwh, branch),
            )
        })
        .collect();
    let annual = pue_at(bound, facility, it, pdu, branch);
    let limit = sc.facility.as_ref().and_then(|f| f.pue_limit.clone());
    let by_hall = f.hall_names().iter().cloned().zip(t.hall_kwh.iter().map(|(it, over)| ratio(it + over, *it))).collect();
    let mut s = FacilitySections {
        pue: Some(PueSummary {
            annual,
            min_month: if by_month.is_empty() { annual } else { by_month.values().copied().fold(f64::INFINITY, f64::min) },
            max_month: if by_month.is_empty() { annual } else { by_month.values().copied().fold(0.0, f64::max) },
            by_month,
            by_hall,
            boundary: bound.name().to_string(),
            by_boundary: PueBoundary::ALL.iter().map(|(b, n)| (n.to_string(), pue_at(*b, facility, it, pdu, branch))).collect(),
            gb40879_grade: gb40879_grade(annual),
            gb40879_meets_limit: gb40879_grade(annual) > 0,
            limit: limit.as_ref().map(|(v, _)| *v),
            limit_name: limit.as_ref().map(|(_, n)| n.clone()),
            meets_limit: limit.as_ref().map(|(v, _)| annual <= *v),
        }),
        ..Default::default()
    };
    energy.facility_kwh = Some(facility);
    energy.cooling_kwh = Some(cooling);
    energy.loss_kwh = Some(loss);
    energy.other_kwh = Some(other);
    energy.office_kwh = Some(office);
    energy.site_kwh = Some(facility + office);
    energy.by_component_kwh = Some(by_component.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    let factor = sc.emission_factor.or(sc.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh));
    if let Some(factor) = factor {
        let carbon_kg = facility * factor;
        s.carbon_t = Some(carbon_kg / 1000.0);
        s.cue_kg_per_kwh = Some(ratio(carbon_kg, it));
        let id = match (&sc.emission_factor, &sc.grid) {
            (Some(_), _) | (None, None) => "override".to_string(),
            (None, Some(g)) => g.id.clone(),
        };
        s.grid = Some(GridInfo { id, emission_factor_kg_per_kwh: factor });
    }
    s.wue_l_per_kwh = Some(if it > 0.0 { t.water_l / it } else { 0.0 });
    s.water_m3 = Some(t.water_l / 1000.0);
    s.free_cooling_hours = Some(t.free_cooling_hours[f.main_loop()]);
    // Only the loops that carry heat: an idle loop runs "free" every hour.
    let loops = [("chilled_water", 0), ("facility_water", 1)];
    s.free_cooling_hours_by_loop = Some(
        loops
            .iter()
            .filter(|(_, li)| f.loops[*li].design_w > 0.0)
            .map(|(name, li)| (name.to_string(), t.free_cooling_hours[*li]))
            .collect(),
    );
    s.free_cooling_fraction = Some(if t.loop_heat_j > 0.0 { t.free_heat_j / t.loop_heat_j } else { 1.0 });
    s.thermal = Some(Thermal { throttled_accelerator_hours, alarms: t.alarm_count, max_junction_c: t.max_junction_c });
    s
}
