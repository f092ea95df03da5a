//! The facility: power chain, cooling architectures per hall, the plant, weather and thermal
//! limits, evaluated at every sampling tick on per-hall aggregates (never per device).
//!
//! ## How it works
//! Each tick takes the mean IT power of each hall over the interval. All IT power becomes heat:
//! an air-cooled hall sends it to CRAH coils on the chilled-water loop (CRAH fans by the
//! affinity law, their heat added); a cold-plate hall sends its liquid share to CDUs on the
//! facility-water loop (CDU pump heat added) and the rest to CRAHs; an immersion hall sends
//! everything to the facility water (and its servers run without fans). PDU and UPS losses are
//! heat in the building, taken by the chilled water. Each loop is cooled by the economizer as
//! far as the outdoor air allows ([`plant::free_fraction`]) and by trim chillers for the rest;
//! towers or dry coolers reject the heat plus the chillers' work. Loop pumps move it. The
//! transformers carry everything. Facility power = IT + cooling + losses + auxiliaries; PUE =
//! facility / IT. Energies integrate the tick's power over the interval.
//!
//! Plant of issue 14: a hall may use DX CRAC units ([`dx`]), whose compressors take its air heat
//! outdoors instead of to the chilled water; CRAH fans and loop pumps may run at constant speed
//! (design airflow and flow whatever the load); a loop may have no economizer (all its heat to the
//! chillers) or air-cooled chillers; towers hold the approach their fans can make at the wet-bulb
//! ([`tower`]) and their basins are heated below freezing. `[facility] era` picks the defaults.
//!
//! Thermal: each loop's supply temperature follows its target with the exact first-order update
//! T ← T* + (T − T*) e^(−Δt/τ) (stable for any step). The target is the set-point, or higher when
//! the plant falls short: with chillers, by ΔT x shortfall / design load (design flow carries
//! the excess); without, the best the economizer can make. An accelerator's junction sits
//! R·P above its coolant (inlet air: chilled water + air approach; liquid: facility water + CDU
//! approach), so a hall allows P ≤ (T_throttle − T_coolant) / R per accelerator: the engine
//! caps jobs above that and slows them by the DVFS cube law.

pub mod air_side;
pub mod boundary;
pub mod chain;
pub mod dx;
pub mod grade;
pub mod humidity;
pub mod memo;
pub mod plant;
pub mod psychro;
pub mod summary;
pub mod tick;
pub mod tower;
pub mod weather;

use bevy_ecs::prelude::*;

use self::chain::{Pdu, Transformers, Ups};
use self::plant::{AirCondenser, Chillers, Rejection, free_fraction, pump_w};
use self::tower::{TowerFans, basin_heater_w};
use self::weather::{Conditions, Weather};
use crate::config::{AirUnit, CoolingKind, LoopConfig, RejectionKind, Scenario, SpeedControl};
use crate::time::calendar::Calendar;

pub use self::tick::{Alarm, COMPONENTS, FacilityTick, FacilityTotals, MAX_ALARM_ROWS, MonthTotals};

/// Design figures and cooling of a hall.
#[derive(Debug, Clone)]
struct HallPlant {
    cooling: crate::config::Cooling,
    air_design_w: f64,
    max_accelerator_w: f64,
    racks: f64,
}

/// One water loop at run time.
#[derive(Debug, Clone)]
struct LoopPlant {
    cfg: LoopConfig,
    rejection: Rejection,
    chillers: Chillers,
    design_w: f64,
    supply_c: f64,
    alarmed: bool,
    /// Wet towers: their fans from the approach at the wet-bulb.
    tower: Option<TowerFans>,
}

/// The facility of a run (a bevy resource; the sampling pipeline steps it).
#[derive(Resource)]
pub struct FacilityModel {
    halls: Vec<HallPlant>,
    hall_names: Vec<String>,
    ups: Ups,
    pdu: Pdu,
    transformers: Transformers,
    loops: [LoopPlant; 2],
    hx_approach_k: f64,
    tau_ms: f64,
    /// (step, e^(−step/τ)) of the last step: steps repeat, exp need not.
    decay: (f64, f64),
    /// The day (ms since the start / one day) whose month key was last looked up, and that key:
    /// the key depends on the day only, and computing the date each tick cost more than the rest
    /// of the totals.
    month_of_day: (u64, i64),
    alarm_margin_k: f64,
    auxiliary_w: f64,
    /// Lighting, battery float, offices, W (constant).
    lighting_w: f64,
    battery_w: f64,
    office_w: f64,
    /// Share of the lighting in the white space (its heat goes to the chilled water).
    white_lighting_share: f64,
    basin_w_per_k_w: f64,
    basin_setpoint_c: f64,
    weather: Weather,
    /// The outdoor air of the current minute.
    outdoor: memo::Outdoor,
    /// The inputs of the last solve, and what the totals take from it.
    memo: memo::StepMemo,
    parts: memo::Parts,
    calendar: Calendar,
    last_ms: u64,
    hall_throttled: Vec<bool>,
    /// Scratch per hall: (IT, own fans and pumps, chilled-water load, facility-water load), W.
    hall_parts: Vec<(f64, f64, f64, f64)>,
    /// Barometric pressure at the site, Pa.
    pressure_pa: f64,
    /// The latest tick.
    pub tick: FacilityTick,
    /// Totals so far.
    pub totals: FacilityTotals,
}

fn rejection(f: &crate::config::Facility, kind: RejectionKind) -> Rejection {
    match kind {
        RejectionKind::Tower => Rejection::Tower {
            approach_k: f.tower_approach_k,
            fan_w_per_w: f.tower_fan_w_per_w,
            cycles: f.tower_cycles,
            drift: f.tower_drift,
            range_k: f.tower_range_k,
        },
        // An air-cooled chiller's free-cooling coil is a dry cooler.
        RejectionKind::DryCooler | RejectionKind::AirCooledChiller => {
            Rejection::DryCooler { approach_k: f.dry_approach_k, fan_w_per_w: f.dry_fan_w_per_w }
        }
    }
}

impl FacilityModel {
    /// The facility of a scenario, or None when it models IT only.
    pub fn new(sc: &Scenario) -> Option<FacilityModel> {
        let f = sc.facility.as_ref()?;
        let calendar = Calendar::new(sc.start);
        let weather = match (&sc.weather, &sc.climate) {
            (Some(w), _) => Weather::Series(w.rows.clone()),
            (None, Some((_, c))) => Weather::synthetic(weather::normals(c), calendar, sc.seed, psychro::pressure_at(sc.site_elevation_m())),
            (None, None) => return None,
        };
        let mut halls = Vec::new();
        let (mut chw_design, mut fw_design, mut it_design) = (0.0, 0.0, 0.0);
        for h in &sc.halls {
            let mut design = 0.0;
            let mut max_acc: f64 = 0.0;
            let racks = h.racks.iter().map(|g| g.count as f64).sum::<f64>();
            for g in &h.racks {
                let model = crate::model::compute::installed_model(sc, h, g.node_type);
                design += g.count as f64 * g.nodes as f64 * model.max_w();
                max_acc = max_acc.max(sc.devices[sc.node_types[g.node_type].device].max_w);
            }
            let lf = h.cooling.liquid_fraction;
            let air = design * (1.0 - lf);
            let crah = h.cooling.crah_fan_w_per_w * air;
            let cdu = pump_w(design * lf, f.facility_water.delta_t_k, h.cooling.cdu_pa, h.cooling.cdu_eta);
            if h.cooling.unit == AirUnit::Crah {
                chw_design += air + crah;
            }
            fw_design += design * lf + cdu;
            it_design += design;
            halls.push(HallPlant { cooling: h.cooling, air_design_w: air, max_accelerator_w: max_acc, racks });
        }
        let pdu = Pdu { rating_w: it_design.max(1.0), loss: f.pdu_loss };
        let ups_out = it_design * (1.0 + f.pdu_loss);
        let needed = (ups_out / f.ups_module_rating_w).ceil().max(1.0) as u32;
        let ups = Ups {
            modules: f.ups_redundancy.installed(needed),
            module_rating_w: f.ups_module_rating_w,
            l0: f.ups_l0,
            k1: f.ups_k1,
            k2: f.ups_k2,
            shed: f.ups_family.sheds().then_some((f.ups_shed_target, f.ups_redundancy)),
            through: 1.0 - f.ups_mains_share,
        };
        let site = building_loads(sc, f, it_design, &ups);
        chw_design += pdu.loss_w(it_design) + ups.loss_w(ups_out) + site.battery_w + site.lighting_w * site.white_share;
        let pressure_pa = psychro::pressure_at(sc.site_elevation_m());
        let make_loop = |cfg: LoopConfig, design_w: f64| {
            let units = f.chiller_redundancy.installed(f.chiller_units);
            let air_cooled = cfg.rejection == RejectionKind::AirCooledChiller;
            LoopPlant {
                cfg,
                rejection: rejection(f, cfg.rejection),
                chillers: Chillers {
                    units: if cfg.chillers { units } else { 0 },
                    unit_capacity_w: (design_w / f.chiller_units as f64).max(1.0),
                    cop_ref: if air_cooled { f.air_chiller_cop } else { f.chiller_cop },
                    carnot_eta: f.chiller_carnot_eta,
                    min_condenser_c: f.chiller_min_condenser_c,
                    max_cop: f.chiller_max_cop,
                    air: air_cooled
                        .then_some(AirCondenser { approach_k: f.air_chiller_condenser_k, fan_w_per_w: f.air_chiller_fan_w_per_w }),
                },
                design_w,
                supply_c: cfg.supply_c,
                alarmed: false,
                tower: (cfg.rejection == RejectionKind::Tower)
                    .then(|| TowerFans::new(f.tower_approach_k, f.tower_range_k, f.tower_exponent, f.tower_design_wb_c, pressure_pa)),
            }
        };
        let n = halls.len();
        Some(FacilityModel {
            halls,
            hall_names: sc.halls.iter().map(|h| h.name.clone()).collect(),
            ups,
            pdu,
            transformers: Transformers {
                units: f.transformer_units,
                rating_w: f.transformer_rating_w,
                no_load: f.transformer_no_load,
                load_loss: f.transformer_load_loss,
            },
            loops: [make_loop(f.chilled_water, chw_design), make_loop(f.facility_water, fw_design)],
            hx_approach_k: f.hx_approach_k,
            tau_ms: f.loop_tau_ms as f64,
            decay: (0.0, 1.0),
            month_of_day: (u64::MAX, 0),
            alarm_margin_k: f.alarm_margin_k,
            auxiliary_w: site.auxiliary_w,
            lighting_w: site.lighting_w,
            battery_w: site.battery_w,
            office_w: site.office_w,
            white_lighting_share: site.white_share,
            basin_w_per_k_w: f.basin_heater_w_per_k_mw * 1e-6,
            basin_setpoint_c: f.basin_heater_setpoint_c,
            weather,
            outdoor: memo::Outdoor::default(),
            memo: memo::StepMemo::default(),
            parts: memo::Parts::default(),
            calendar,
            last_ms: 0,
            hall_throttled: vec![false; n],
            hall_parts: vec![(0.0, 0.0, 0.0, 0.0); n],
            pressure_pa,
            tick: FacilityTick { allowed_accelerator_w: vec![f64::INFINITY; n], ..Default::default() },
            totals: FacilityTotals { hall_kwh: vec![(0.0, 0.0); n], ..Default::default() },
        })
    }

    /// The loop that carries the most design heat: 0 chilled water, 1 facility water.
    pub fn main_loop(&self) -> usize {
        if self.loops[1].design_w > self.loops[0].design_w { 1 } else { 0 }
    }

    /// Supply temperature of the main loop, °C.
    pub fn supply_temp_c(&self) -> f64 {
        self.loops[self.main_loop()].supply_c
    }

    /// Hall names, in order.
    pub fn hall_names(&self) -> &[String] {
        &self.hall_names
    }

    /// A hall's air side in a tick: its economizer takes what it can of `air_heat_w` (the rest
    /// goes to the chilled water), its outdoor air is humidified, dehumidified and reheated.
    /// Returns (its own fans, humidifiers and reheat, W; its load on the chilled water, W).
    fn air_side(&self, h: &HallPlant, air_heat_w: f64, outdoor: Conditions, tick: &mut FacilityTick) -> (f64, f64) {
        let a = &h.cooling.air_side;
        let p = self.pressure_pa;
        let supply_c = self.loops[0].supply_c + h.cooling.air_approach_k;
        let econ = air_side::serve(a, air_heat_w, supply_c, outdoor, p);
        let free = econ.free_fraction * air_heat_w;
        let mut hum = humidity::HumidityDuty::default();
        if a.humidity {
            let m = humidity::ventilation_kg_s(a, h.racks, outdoor.dry_bulb_c, outdoor.humidity_ratio, p);
            hum = humidity::treat(a, m, outdoor.dry_bulb_c, outdoor.humidity_ratio, supply_c, p);
            // Economizer air beyond the ventilation needs humidifying too.
            let (water, power) = humidity::humidify(a, (econ.outdoor_air_kg_s - m).max(0.0), econ.outdoor_air_w, p);
            hum.water_kg_s += water;
            hum.humidifier_w += power;
        }
        tick.air_economizer_fans_w += econ.fans_w;
        tick.air_economizer_heat_w += free;
        tick.humidifier_w += hum.humidifier_w;
        tick.reheat_w += hum.reheat_w;
        tick.latent_w += hum.latent_w;
        tick.water_l_per_h += (econ.water_kg_s + hum.water_kg_s) * 3600.0;
        (econ.fans_w + hum.humidifier_w + hum.reheat_w, air_heat_w - free + hum.coil_w)
    }

    fn alarm(&mut self, time_ms: u64, kind: &'static str, place: String, value: f64) {
        self.totals.alarm_count += 1;
        if self.totals.alarms.len() < MAX_ALARM_ROWS {
            self.totals.alarms.push(Alarm { time_ms, kind, place, value });
        }
    }

    /// Evaluates the facility at `t_ms` for the interval since the previous tick, with the mean
    /// IT power of each hall over it (kW), and adds the interval to the totals.
    ///
    /// The plant is solved again only when something it depends on changed since the tick
    /// before: the outdoor air (held for [`memo::WEATHER_STEP_MS`]), a hall's IT power, a loop's supply
    /// temperature or the step. Otherwise the previous tick stands as it is: the same inputs
    /// from the same state give the same tick, bit for bit, and a plant whose state did not move
    /// raises no alarm ([`memo`]).
    pub fn step(&mut self, t_ms: u64, hall_it_kw: &[f64]) {
        let dt_ms = t_ms.saturating_sub(self.last_ms) as f64;
        self.last_ms = t_ms;
        let outdoor = self.outdoor.at(&mut self.weather, t_ms);
        let supply_c = [self.loops[0].supply_c, self.loops[1].supply_c];
        if !self.memo.holds(outdoor, hall_it_kw, supply_c, dt_ms) {
            self.parts = self.solve(t_ms, dt_ms, outdoor, hall_it_kw);
            self.memo.remember(outdoor, hall_it_kw, supply_c, dt_ms);
        }
        self.accumulate(t_ms, dt_ms);
    }

    /// Solves the plant at `t_ms` (one step of `dt_ms` of the loops' first-order update) and
    /// raises its alarms: the tick, each hall's parts and what the totals need besides.
    fn solve(&mut self, t_ms: u64, dt_ms: f64, outdoor: Conditions, hall_it_kw: &[f64]) -> memo::Parts {
        let mut tick =
            FacilityTick { outdoor, allowed_accelerator_w: std::mem::take(&mut self.tick.allowed_accelerator_w), ..Default::default() };
        let (mut chw_load, mut fw_load) = (0.0, 0.0);
        let fw_dt = self.loops[1].cfg.delta_t_k;
        let mut hall_parts = std::mem::take(&mut self.hall_parts);
        hall_parts.resize(self.halls.len(), (0.0, 0.0, 0.0, 0.0));
        for (i, h) in self.halls.iter().enumerate() {
            let q = hall_it_kw.get(i).copied().unwrap_or(0.0) * 1000.0;
            let liquid = q * h.cooling.liquid_fraction;
            let air = q - liquid;
            let crah = if h.air_design_w > 0.0 {
                let flow = match h.cooling.fans {
                    SpeedControl::Variable => (air / h.air_design_w).max(h.cooling.crah_min_airflow),
                    SpeedControl::Constant => 1.0,
                };
                h.cooling.crah_fan_w_per_w * h.air_design_w * flow * flow * flow
            } else {
                0.0
            };
            let cdu = pump_w(liquid, fw_dt, h.cooling.cdu_pa, h.cooling.cdu_eta);
            let (own_air, air_load) = self.air_side(h, air + crah, outdoor, &mut tick);
            tick.it_w += q;
            tick.crah_w += crah;
            tick.cdu_w += cdu;
            fw_load += liquid + cdu;
            if h.cooling.unit == AirUnit::CracDx {
                // The DX units take the hall's air heat (after any air-side economizer, with the
                // dehumidifying coil's load) straight outdoors.
                let design = h.air_design_w * (1.0 + h.cooling.crah_fan_w_per_w);
                let crac = dx::dx_power_w(h.cooling.dx_cop, air_load, design, outdoor.dry_bulb_c);
                tick.crac_w += crac;
                hall_parts[i] = (q, crah + cdu + own_air + crac, 0.0, liquid + cdu);
            } else {
                chw_load += air_load;
                hall_parts[i] = (q, crah + cdu + own_air, air_load, liquid + cdu);
            }
        }
        tick.pdu_loss_w = self.pdu.loss_w(tick.it_w);
        let ups_out = tick.it_w + tick.pdu_loss_w;
        tick.ups_loss_w = self.ups.loss_w(ups_out);
        (tick.lighting_w, tick.battery_w, tick.office_w) = (self.lighting_w, self.battery_w, self.office_w);
        chw_load += tick.pdu_loss_w + tick.ups_loss_w + tick.battery_w + tick.lighting_w * self.white_lighting_share;
        tick.heat_to_loops_w = chw_load + fw_load;
        let mut loop_plant_w = [0.0; 2];
        let mut free_heat = 0.0;
        let mut loop_free = [true; 2];
        let wb = outdoor.wet_bulb_c;
        let h_wb = if self.loops.iter().any(|l| l.tower.is_some()) { tower::h_sat(wb, self.pressure_pa) } else { 0.0 };
        for (li, load) in [chw_load, fw_load].into_iter().enumerate() {
            let lp = &self.loops[li];
            let (set, dt_k) = (lp.cfg.supply_c, lp.cfg.delta_t_k);
            let air_cooled = lp.chillers.air.is_some();
            // What the loop's own heat rejection (towers, dry coolers, free-cooling coils) carries
            // at design: air-cooled chillers reject their heat through their own condensers.
            let design_carried = match (air_cooled, lp.cfg.economizer) {
                (true, true) => lp.design_w,
                (true, false) => 0.0,
                (false, _) => lp.design_w * (1.0 + 1.0 / lp.chillers.cop_ref),
            };
            // Towers: the coldest water they can make at this heat with fans at design speed.
            let coldest = match lp.tower {
                Some(t) => wb + t.approach_k(load / design_carried.max(1.0), wb, h_wb, t.approach_k),
                None => lp.rejection.leaving_c(outdoor.dry_bulb_c, wb),
            };
            let f = if !lp.cfg.economizer {
                0.0
            } else if load > 0.0 {
                free_fraction(coldest + self.hx_approach_k, set, dt_k)
            } else {
                1.0
            };
            // The water the towers are asked for: just cold enough for full free cooling, the
            // coldest while the economizer pre-cools, else no colder than the chillers' minimum.
            let wanted = if f >= 1.0 {
                set - self.hx_approach_k
            } else if f > 0.0 {
                coldest
            } else {
                lp.chillers.min_condenser_c
            };
            let q_free = f * load;
            // The water is found for the heat the chillers would add at their reference COP, the
            // fans below for the heat they did add.
            let estimate = q_free + (load - q_free) * (1.0 + 1.0 / lp.chillers.cop_ref);
            let leaving = lp.tower.map_or(coldest, |t| wb + t.approach_k(estimate / design_carried.max(1.0), wb, h_wb, wanted - wb));
            let condenser_in = if air_cooled { outdoor.dry_bulb_c } else { leaving };
            let duty = lp.chillers.serve(load - q_free, set, condenser_in);
            let shortfall = if lp.chillers.units > 0 { duty.shortfall_w } else { load - q_free };
            let rejected = q_free + duty.cooling_w + duty.power_w;
            let carried = if air_cooled { q_free } else { rejected };
            // A loop above its set-point runs its heat-rejection fans flat out.
            let fans = match lp.tower {
                Some(t) => {
                    let airflow = if shortfall > 0.0 { 1.0 } else { t.airflow(carried / design_carried.max(1.0), wb, h_wb, leaving - wb) };
                    lp.rejection.fan_w(design_carried * airflow, design_carried)
                }
                None if shortfall > 0.0 => lp.rejection.fan_w(carried.max(design_carried), design_carried),
                None => lp.rejection.fan_w(carried, design_carried),
            } + duty.fan_w;
            let range = match lp.rejection {
                Rejection::Tower { range_k, .. } => range_k,
                Rejection::DryCooler { .. } => dt_k,
            };
            let pumps = match lp.cfg.pumps {
                SpeedControl::Variable => {
                    pump_w(load, dt_k, lp.cfg.pump_pa, lp.cfg.pump_eta) + pump_w(carried, range, lp.cfg.pump_pa, lp.cfg.pump_eta)
                }
                // Constant speed: design flow in both circuits whatever the load.
                SpeedControl::Constant if load > 0.0 => {
                    pump_w(lp.design_w, dt_k, lp.cfg.pump_pa, lp.cfg.pump_eta)
                        + pump_w(design_carried, range, lp.cfg.pump_pa, lp.cfg.pump_eta)
                }
                SpeedControl::Constant => 0.0,
            };
            let basin = if lp.tower.is_some() {
                basin_heater_w(self.basin_w_per_k_w, design_carried, carried, outdoor.dry_bulb_c, self.basin_setpoint_c)
            } else {
                0.0
            };
            tick.chillers_w += duty.power_w;
            tick.rejection_fans_w += fans;
            tick.pumps_w += pumps;
            tick.basin_heater_w += basin;
            tick.water_l_per_h += lp.rejection.water_l_per_h(carried);
            tick.heat_rejected_w += rejected;
            loop_plant_w[li] = duty.power_w + fans + pumps + basin;
            free_heat += q_free;
            loop_free[li] = f >= 1.0;
            let target = if shortfall > 0.0 && lp.chillers.units > 0 {
                set + dt_k * shortfall / lp.design_w.max(1.0)
            } else if lp.chillers.units == 0 && f < 1.0 {
                set.max(coldest + self.hx_approach_k)
            } else {
                set
            };
            if dt_ms != self.decay.0 {
                self.decay = (dt_ms, (-dt_ms / self.tau_ms).exp());
            }
            let lp = &mut self.loops[li];
            lp.supply_c = target + (lp.supply_c - target) * self.decay.1;
            tick.heat_stored_w += shortfall;
        }
        tick.chw_supply_c = self.loops[0].supply_c;
        tick.fw_supply_c = self.loops[1].supply_c;
        tick.free_fraction = if tick.heat_to_loops_w > 0.0 { free_heat / tick.heat_to_loops_w } else { 1.0 };
        tick.auxiliary_w = self.auxiliary_w;
        let transformer_load = ups_out + tick.ups_loss_w + tick.battery_w + tick.cooling_w() + tick.other_w();
        tick.transformer_loss_w = self.transformers.loss_w(transformer_load);
        // Energy balance: rejected + stored = brought to the loops + chiller work.
        let balance = (tick.heat_rejected_w + tick.heat_stored_w - (tick.heat_to_loops_w + tick.chillers_w)).abs();
        // Thermal limits per hall.
        tick.junction_c = f64::NEG_INFINITY;
        for (i, h) in self.halls.iter().enumerate() {
            let coolant = match h.cooling.kind {
                CoolingKind::Air => tick.chw_supply_c + h.cooling.air_approach_k,
                CoolingKind::ColdPlate | CoolingKind::Immersion => tick.fw_supply_c + h.cooling.cdu_approach_k,
            };
            let allowed = (h.cooling.throttle_c - coolant) / h.cooling.r_k_per_w;
            tick.junction_c = tick.junction_c.max((coolant + h.cooling.r_k_per_w * h.max_accelerator_w).min(h.cooling.throttle_c));
            tick.allowed_accelerator_w[i] = if allowed >= h.max_accelerator_w { f64::INFINITY } else { allowed.max(0.0) };
        }
        // Alarms on rising edges.
        for li in 0..2 {
            let lp = &self.loops[li];
            let hot = lp.supply_c > lp.cfg.supply_c + self.alarm_margin_k;
            if hot && !lp.alarmed {
                let (name, value) = (if li == 0 { "chilled_water" } else { "facility_water" }.to_string(), lp.supply_c);
                self.alarm(t_ms, "supply_above_set_point", name, value);
            }
            self.loops[li].alarmed = hot;
        }
        for i in 0..self.halls.len() {
            let throttled = tick.allowed_accelerator_w[i].is_finite();
            if throttled && !self.hall_throttled[i] {
                let (name, value) = (self.hall_names[i].clone(), tick.allowed_accelerator_w[i]);
                self.alarm(t_ms, "accelerators_throttled", name, value);
            }
            self.hall_throttled[i] = throttled;
        }
        self.tick = tick;
        self.hall_parts = hall_parts;
        memo::Parts { loop_plant_w, free_heat, loop_free, chw_load, fw_load, balance }
    }

    /// Adds the latest tick, over `dt_ms` ending at `t_ms`, to the totals.
    fn accumulate(&mut self, t_ms: u64, dt_ms: f64) {
        let day = t_ms.saturating_sub(1) / crate::time::calendar::DAY_MS;
        if day != self.month_of_day.0 {
            self.month_of_day = (day, self.calendar.month_key(t_ms.saturating_sub(1)));
        }
        self.totals.add(&self.tick, &self.hall_parts, &self.parts, dt_ms, self.month_of_day.1);
    }
}

/// Constant loads of the building and the batteries, W.
struct SiteLoads {
    auxiliary_w: f64,
    lighting_w: f64,
    battery_w: f64,
    office_w: f64,
    /// Share of the lit area that is white space.
    white_share: f64,
}

/// Lighting and auxiliaries from the floor area (or the old flat share of IT design when
/// `auxiliary` is set), offices, and the batteries' float loss (see [`chain`]).
///
/// Lighting = (A_white + A_support) x LPD x share of hours lit, A_white = racks x area per rack
/// unless given, A_support = ratio x A_white; auxiliaries = (A_white + A_support) x density;
/// offices = A_office x density. Battery energy = autonomy x installed UPS rating.
fn building_loads(sc: &Scenario, f: &crate::config::Facility, it_design_w: f64, ups: &Ups) -> SiteLoads {
    let b = &f.building;
    let racks: f64 = sc.halls.iter().flat_map(|h| h.racks.iter()).map(|g| g.count as f64).sum();
    let white = b.white_space_m2.unwrap_or(racks * b.area_per_rack_m2);
    let lit = white * (1.0 + b.support_area_ratio);
    let (auxiliary_w, lighting_w) = match f.auxiliary {
        Some(share) => (share * it_design_w, 0.0),
        None => (lit * b.auxiliary_w_per_m2, lit * b.lighting_w_per_m2 * b.lighting_on),
    };
    let battery_kwh = ups.modules as f64 * ups.module_rating_w / 1000.0 * f.battery_autonomy_min / 60.0;
    SiteLoads {
        auxiliary_w,
        lighting_w,
        battery_w: if f.battery == crate::config::BatteryKind::None { 0.0 } else { battery_kwh * f.battery_float_w_per_kwh },
        office_w: b.office_m2 * b.office_w_per_m2,
        white_share: 1.0 / (1.0 + b.support_area_ratio),
    }
}

/// The node type as installed in a hall: immersion removes the server fans.
pub fn immersed(nt: &crate::config::NodeType, kind: CoolingKind) -> crate::config::NodeType {
    let mut nt = nt.clone();
    if kind == CoolingKind::Immersion {
        nt.fans = None;
    }
    nt
}

impl FacilityModel {
    /// Opens the measuring window at the end of a warm-up: the run totals (energy, water, free
    /// cooling, months, alarms, the hottest junction) restart from zero; the plant's state and
    /// the energy-balance check carry on.
    pub fn open_window(&mut self) {
        let halls = self.totals.hall_kwh.len();
        let balance = self.totals.max_heat_balance_error_w;
        self.totals = FacilityTotals { hall_kwh: vec![(0.0, 0.0); halls], max_heat_balance_error_w: balance, ..Default::default() };
    }
}
