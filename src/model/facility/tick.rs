//! What the facility found at one sampling tick (power by component, temperatures, limits) and
//! the run totals it accumulates: energy by component and month, water, free cooling, alarms.

use std::collections::BTreeMap;

use super::memo::Parts;
use super::weather::Conditions;

/// The most alarm rows kept for alarms.csv (all are counted).
pub const MAX_ALARM_ROWS: usize = 10_000;

/// What one tick found, in W unless named otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilityTick {
    /// Outdoor conditions.
    pub outdoor: Conditions,
    /// IT power.
    pub it_w: f64,
    /// Chillers.
    pub chillers_w: f64,
    /// Tower and dry-cooler fans.
    pub rejection_fans_w: f64,
    /// Plant pumps (loops and heat rejection).
    pub pumps_w: f64,
    /// CRAH fans.
    pub crah_w: f64,
    /// CDU pumps.
    pub cdu_w: f64,
    /// UPS losses.
    pub ups_loss_w: f64,
    /// PDU and busway losses.
    pub pdu_loss_w: f64,
    /// Transformer losses.
    pub transformer_loss_w: f64,
    /// Lighting and auxiliaries.
    pub auxiliary_w: f64,
    /// Make-up water, L/h.
    pub water_l_per_h: f64,
    /// Heat brought to the loops.
    pub heat_to_loops_w: f64,
    /// Heat rejected outdoors.
    pub heat_rejected_w: f64,
    /// Heat the plant could not remove, left in the loop water (it warms the loop).
    pub heat_stored_w: f64,
    /// Share of loop heat removed without chillers.
    pub free_fraction: f64,
    /// Chilled-water supply, °C.
    pub chw_supply_c: f64,
    /// Facility-water supply, °C.
    pub fw_supply_c: f64,
    /// Allowed power per accelerator in each hall, W (infinite when no limit binds).
    pub allowed_accelerator_w: Vec<f64>,
    /// Junction temperature of a fully loaded accelerator in the warmest hall (coolant + R x TDP,
    /// held at the throttle temperature where the limit binds), °C.
    pub junction_c: f64,
    /// Lighting of the white space and support areas.
    pub lighting_w: f64,
    /// Battery float/standby loss.
    pub battery_w: f64,
    /// Offices: in the site's energy, outside the data center's (not in PUE).
    pub office_w: f64,
    /// Air-side economizer fans and spray pumps.
    pub air_economizer_fans_w: f64,
    /// Humidifiers.
    pub humidifier_w: f64,
    /// Reheat after dehumidification.
    pub reheat_w: f64,
    /// Hall air heat removed by air-side economizers (not brought to the loops).
    pub air_economizer_heat_w: f64,
    /// Latent heat of dehumidifying outdoor air (part of the heat brought to the loops).
    pub latent_w: f64,
    /// DX CRAC compressors and condenser fans.
    pub crac_w: f64,
    /// Cooling-tower basin heaters (freeze protection).
    pub basin_heater_w: f64,
}

impl FacilityTick {
    /// Cooling: chillers, heat-rejection fans, pumps, CRAH fans, CDU pumps, DX CRAC units,
    /// basin heaters.
    pub fn cooling_w(&self) -> f64 {
        self.chillers_w
            + self.rejection_fans_w
            + self.pumps_w
            + self.crah_w
            + self.cdu_w
            + self.air_economizer_fans_w
            + self.humidifier_w
            + self.reheat_w
            + self.crac_w
            + self.basin_heater_w
    }

    /// Electrical losses: UPS, PDU, transformer, battery float.
    pub fn loss_w(&self) -> f64 {
        self.ups_loss_w + self.pdu_loss_w + self.transformer_loss_w + self.battery_w
    }

    /// Other data-center power: auxiliaries and lighting.
    pub fn other_w(&self) -> f64 {
        self.auxiliary_w + self.lighting_w
    }

    /// Facility power (the data center at its utility meter; offices excluded).
    pub fn facility_w(&self) -> f64 {
        self.it_w + self.cooling_w() + self.loss_w() + self.other_w()
    }

    /// Site power: the facility plus offices.
    pub fn site_w(&self) -> f64 {
        self.facility_w() + self.office_w
    }

    /// PUE of the tick (1 with no IT load).
    pub fn pue(&self) -> f64 {
        if self.it_w > 0.0 { self.facility_w() / self.it_w } else { 1.0 }
    }

    /// Components for the energy breakdown, in a fixed order.
    pub fn components(&self) -> [(&'static str, f64); COMPONENTS] {
        [
            ("it", self.it_w),
            ("chillers", self.chillers_w),
            ("heat_rejection_fans", self.rejection_fans_w),
            ("pumps", self.pumps_w),
            ("crah_fans", self.crah_w),
            ("cdu_pumps", self.cdu_w),
            ("ups_loss", self.ups_loss_w),
            ("pdu_loss", self.pdu_loss_w),
            ("transformer_loss", self.transformer_loss_w),
            ("auxiliary", self.auxiliary_w),
            ("lighting", self.lighting_w),
            ("battery_float", self.battery_w),
            ("office", self.office_w),
            ("air_economizer_fans", self.air_economizer_fans_w),
            ("humidifiers", self.humidifier_w),
            ("reheat", self.reheat_w),
            ("crac_compressors", self.crac_w),
            ("basin_heaters", self.basin_heater_w),
        ]
    }
}

/// Energy of one calendar month, kWh (water L).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthTotals {
    /// IT energy.
    pub it_kwh: f64,
    /// Facility energy.
    pub facility_kwh: f64,
    /// PDU and busway losses (for the PUE boundaries).
    pub pdu_loss_kwh: f64,
}

/// An alarm raised during the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    /// When, ms.
    pub time_ms: u64,
    /// What.
    pub kind: &'static str,
    /// Where (loop or hall).
    pub place: String,
    /// The value that raised it (°C or W).
    pub value: f64,
}

/// Number of energy components of a tick ([`FacilityTick::components`]).
pub const COMPONENTS: usize = 18;

/// Run totals of the facility.
#[derive(Debug, Clone, Default)]
pub struct FacilityTotals {
    /// Energy by component in the order of [`FacilityTick::components`], kWh (None before the
    /// first step): an array, so that the step adds without looking names up.
    pub component_kwh: Option<[f64; COMPONENTS]>,
    /// Per month (key: year * 12 + month - 1).
    pub months: BTreeMap<i64, MonthTotals>,
    /// Make-up water, L.
    pub water_l: f64,
    /// Hours each loop (chilled water, facility water) ran on free cooling alone.
    pub free_cooling_hours: [f64; 2],
    /// Loop heat removed without chillers, J.
    pub free_heat_j: f64,
    /// Loop heat, J.
    pub loop_heat_j: f64,
    /// Per hall: IT energy and attributed overhead, kWh.
    pub hall_kwh: Vec<(f64, f64)>,
    /// Alarms raised (all of them).
    pub alarm_count: u64,
    /// The first [`MAX_ALARM_ROWS`] alarms.
    pub alarms: Vec<Alarm>,
    /// Highest full-load junction temperature of any tick, °C.
    pub max_junction_c: f64,
    /// Largest energy-balance error of any tick: |rejected + stored − (to loops + chiller work)|, W.
    pub max_heat_balance_error_w: f64,
}

impl FacilityTotals {
    /// Adds `tick` over `dt_ms` to the totals: its components' energies, the month `month_key`'s
    /// (year x 12 + month − 1), water, free cooling, and each hall's IT and overhead by
    /// `hall_parts` (IT, own fans and pumps, chilled-water load, facility-water load, W) with the
    /// solve's `parts`.
    pub fn add(&mut self, tick: &FacilityTick, hall_parts: &[(f64, f64, f64, f64)], parts: &Parts, dt_ms: f64, month_key: i64) {
        let Parts { loop_plant_w, free_heat, loop_free, chw_load, fw_load, balance } = *parts;
        let h = dt_ms / 3.6e6;
        self.max_heat_balance_error_w = self.max_heat_balance_error_w.max(balance);
        self.max_junction_c = if self.max_junction_c == 0.0 { tick.junction_c } else { self.max_junction_c.max(tick.junction_c) };
        let sums = self.component_kwh.get_or_insert([0.0; COMPONENTS]);
        for (sum, (_, w)) in sums.iter_mut().zip(tick.components()) {
            *sum += w * h / 1000.0;
        }
        // Ticks come in time order: the month is almost always the last one.
        let month = match self.months.last_entry() {
            Some(e) if *e.key() == month_key => e.into_mut(),
            _ => self.months.entry(month_key).or_default(),
        };
        month.it_kwh += tick.it_w * h / 1000.0;
        month.facility_kwh += tick.facility_w() * h / 1000.0;
        month.pdu_loss_kwh += tick.pdu_loss_w * h / 1000.0;
        self.water_l += tick.water_l_per_h * h;
        self.free_heat_j += free_heat * dt_ms / 1000.0;
        self.loop_heat_j += tick.heat_to_loops_w * dt_ms / 1000.0;
        for (li, free) in loop_free.iter().enumerate() {
            if *free {
                self.free_cooling_hours[li] += h;
            }
        }
        // Partial PUE: each hall's own fans and pumps, its share of each loop's plant by heat, and
        // of the electrical losses and auxiliaries by IT power.
        let shared = tick.loss_w() + tick.other_w();
        for (i, &(it, own, chw, fw)) in hall_parts.iter().enumerate() {
            let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
            let overhead =
                own + loop_plant_w[0] * share(chw, chw_load) + loop_plant_w[1] * share(fw, fw_load) + shared * share(it, tick.it_w);
            self.hall_kwh[i].0 += it * h / 1000.0;
            self.hall_kwh[i].1 += overhead * h / 1000.0;
        }
    }

    /// Energy by component, kWh, by name (empty before the first step).
    pub fn by_component_kwh(&self) -> BTreeMap<&'static str, f64> {
        let names = FacilityTick::default().components();
        self.component_kwh.map_or_else(BTreeMap::new, |sums| names.iter().zip(sums).map(|((name, _), kwh)| (*name, kwh)).collect())
    }
}
