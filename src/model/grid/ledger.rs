//! The grid ledger: what each sampling tick costs, emits and stores, and the `cost`, `carbon`
//! and `battery` sections of summary.json. The equations are in the [parent module](super).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::battery::Battery;
use super::{GridConfig, HOUR_MS};
use crate::time::calendar::Calendar;

/// One tick's grid figures (the timeseries columns).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GridTick {
    /// Price over the interval, CNY/kWh.
    pub price_cny_per_kwh: f64,
    /// Emission factor of grid electricity, kg/kWh.
    pub carbon_kg_per_kwh: f64,
    /// Grid import, kW.
    pub grid_power_kw: f64,
    /// Battery power, kW (> 0 discharging).
    pub battery_kw: f64,
    /// Battery state of charge (0 without a battery).
    pub battery_soc: f64,
}

impl GridTick {
    /// The timeseries columns with their decimals, in the order of the grid's columns in the
    /// metrics registry.
    pub fn columns(&self) -> [(f64, u32); 5] {
        [(self.price_cny_per_kwh, 4), (self.carbon_kg_per_kwh, 4), (self.grid_power_kw, 3), (self.battery_kw, 3), (self.battery_soc, 4)]
    }
}

/// `cost` in summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// Energy plus demand charges, CNY.
    pub total_cny: f64,
    /// Σ price × grid energy, CNY.
    pub energy_cny: f64,
    /// Σ over months of the month's peak grid kW × rate, CNY.
    pub demand_cny: f64,
    /// Grid energy, kWh.
    pub grid_kwh: f64,
    /// Highest grid power over the run, kW.
    pub peak_demand_kw: f64,
    /// Highest grid power of each month ("YYYY-MM"), kW.
    pub peak_demand_kw_by_month: BTreeMap<String, f64>,
    /// Energy-weighted mean price, CNY/kWh.
    pub mean_price_cny_per_kwh: f64,
    /// Deferrable jobs held back, job-hours (submission to release).
    pub deferred_job_hours: f64,
    /// Deferrable jobs that ended after their deadline, or were still running or queued past it
    /// at the horizon.
    pub missed_deadlines: u64,
    /// Accelerator-hours slowed by the power cap.
    pub capped_accelerator_hours: f64,
}

/// `carbon` in summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CarbonSummary {
    /// Consumption × grid factor, t CO2.
    pub location_based_t: f64,
    /// Grid import not covered by contracted green power × factor, t CO2.
    pub net_t: f64,
    /// Green share of consumption (on-site PV used + contracted share of imports).
    pub green_share: f64,
    /// On-site generation used, kWh.
    pub onsite_green_kwh: f64,
    /// On-site generation curtailed (surplus, no export), kWh.
    pub curtailed_kwh: f64,
    /// Grid emission factor (energy-weighted mean with an hourly series), kg/kWh.
    pub emission_factor_kg_per_kwh: f64,
}

/// `battery` in summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatterySummary {
    /// Energy charged from the bus, kWh.
    pub charged_kwh: f64,
    /// Energy discharged to the bus, kWh.
    pub discharged_kwh: f64,
    /// Conversion losses, kWh.
    pub losses_kwh: f64,
    /// Full equivalent cycles.
    pub cycles: f64,
    /// State of charge at the end.
    pub soc_end: f64,
    /// Lowest state of charge seen.
    pub soc_min: f64,
    /// Highest state of charge seen.
    pub soc_max: f64,
}

/// The running ledger of a simulation with a `[grid]` section (a resource).
#[derive(bevy_ecs::prelude::Resource, Debug, Clone)]
pub struct Ledger {
    /// The configuration.
    pub cfg: GridConfig,
    calendar: Calendar,
    /// The battery, if any.
    pub battery: Option<Battery>,
    /// The last tick.
    pub tick: GridTick,
    energy_cny: f64,
    grid_j: f64,
    load_j: f64,
    onsite_j: f64,
    curtailed_j: f64,
    contracted_j: f64,
    location_kg: f64,
    net_kg: f64,
    month_peak_w: BTreeMap<i64, f64>,
    /// The power limit of the last tick (cap less demand response), W.
    pub limit: Option<f64>,
    /// Load at the first tick of the current demand-response window, W.
    response_base_w: Option<f64>,
    /// Deferrable jobs that ended late.
    pub missed_deadlines: u64,
    /// Accelerator-ms slowed by the power cap.
    pub capped_accelerator_ms: u128,
    /// The site-wide accelerator draw level the cap allows, ppm of each model's dynamic span.
    pub level_ppm: u64,
    /// Deadline of each class (engine order), ms after submission; None when not deferrable.
    pub deadline_by_class: Vec<Option<u64>>,
    /// The running jobs' demands, for the cap level.
    pub demand: super::DemandHistogram,
}

impl Ledger {
    /// Opens the measuring window at the end of a warm-up: cost, energy, carbon, monthly peaks,
    /// missed deadlines and capped accelerator-time restart from zero (a battery or deferral is
    /// refused with a warm-up when the scenario is read).
    pub fn open_window(&mut self) {
        self.energy_cny = 0.0;
        self.grid_j = 0.0;
        self.load_j = 0.0;
        self.onsite_j = 0.0;
        self.curtailed_j = 0.0;
        self.contracted_j = 0.0;
        self.location_kg = 0.0;
        self.net_kg = 0.0;
        self.month_peak_w.clear();
        self.missed_deadlines = 0;
        self.capped_accelerator_ms = 0;
    }

    /// A ledger at t = 0.
    pub fn new(cfg: GridConfig, start: crate::time::calendar::Date, labels: &[String]) -> Ledger {
        let battery = cfg.battery.map(Battery::new);
        let deadline_by_class =
            labels.iter().map(|l| cfg.deferral.as_ref().filter(|d| d.classes.contains(l)).map(|d| d.deadline_ms)).collect();
        Ledger {
            level_ppm: crate::model::compute::power::PPM,
            deadline_by_class,
            demand: super::DemandHistogram::default(),
            cfg,
            calendar: Calendar::new(start),
            battery,
            tick: GridTick::default(),
            energy_cny: 0.0,
            grid_j: 0.0,
            load_j: 0.0,
            onsite_j: 0.0,
            curtailed_j: 0.0,
            contracted_j: 0.0,
            location_kg: 0.0,
            net_kg: 0.0,
            month_peak_w: BTreeMap::new(),
            response_base_w: None,
            limit: None,
            missed_deadlines: 0,
            capped_accelerator_ms: 0,
        }
    }

    /// Counts a deferrable job that ended after its deadline (or is still running or queued at
    /// `end_ms` = the horizon, past it).
    pub fn job_ended(&mut self, class: u16, submit_ms: u64, end_ms: u64) {
        if let Some(Some(d)) = self.deadline_by_class.get(class as usize)
            && end_ms > submit_ms.saturating_add(*d)
        {
            self.missed_deadlines += 1;
        }
    }

    /// Energy charges since the start (or the warm-up's end), CNY.
    pub fn energy_cny(&self) -> f64 {
        self.energy_cny
    }

    /// Demand charge of each calendar month touched (key: year * 12 + month - 1), CNY.
    pub fn demand_cny_by_month(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.month_peak_w.iter().map(|(k, w)| (*k, w / 1000.0 * self.cfg.demand_charge_cny_per_kw_month))
    }

    /// The calendar of the run.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Closes the interval (t − dt, t] with mean load `load_w`; returns the tick's figures.
    pub fn step(&mut self, t_ms: u64, dt_ms: u64, load_w: f64) -> GridTick {
        let t0 = t_ms.saturating_sub(dt_ms);
        let dt_s = dt_ms as f64 / 1000.0;
        let period = self.cfg.tariff.period(&self.calendar, t0);
        let price = self.cfg.tariff.prices_cny_per_kwh[period as usize];
        let pv = self.cfg.pv_w(t0);
        let factor = self.cfg.carbon_kg_per_kwh(t0);
        self.limit = self.limit_w(t_ms, load_w);
        let ceiling = self.limit.unwrap_or(f64::INFINITY);
        let b = self.battery.as_mut().map_or(0.0, |bat| bat.step(load_w, pv, period, dt_s, ceiling));
        let raw = load_w - pv - b;
        let grid_w = raw.max(0.0);
        let used_pv = pv - (-raw).max(0.0);
        let j = grid_w * dt_s;
        self.energy_cny += price * j / 3.6e6;
        self.grid_j += j;
        self.load_j += load_w * dt_s;
        self.onsite_j += used_pv * dt_s;
        self.curtailed_j += (pv - used_pv) * dt_s;
        self.contracted_j += self.cfg.green.contracted_share * j;
        self.location_kg += factor * load_w * dt_s / 3.6e6;
        self.net_kg += factor * (1.0 - self.cfg.green.contracted_share) * j / 3.6e6;
        if dt_ms > 0 {
            let peak = self.month_peak_w.entry(self.calendar.month_key(t0)).or_insert(0.0);
            *peak = peak.max(grid_w);
        }
        self.tick = GridTick {
            price_cny_per_kwh: price,
            carbon_kg_per_kwh: factor,
            grid_power_kw: grid_w / 1000.0,
            battery_kw: b / 1000.0,
            battery_soc: self.battery.as_ref().map_or(0.0, Battery::soc),
        };
        self.tick
    }

    /// The power limit at `t_ms`, W: the cap less any demand-response shed (a window without a
    /// cap sheds from the load at its first tick). None when nothing limits.
    fn limit_w(&mut self, t_ms: u64, load_w: f64) -> Option<f64> {
        match self.cfg.response_at(t_ms).copied() {
            Some(dr) => {
                let base = match self.cfg.cap_w {
                    Some(c) => c,
                    None => *self.response_base_w.get_or_insert(load_w),
                };
                Some((base - dr.shed_w).max(0.0))
            }
            None => {
                self.response_base_w = None;
                self.cfg.cap_w
            }
        }
    }

    /// The `cost` section; `deferred_ms` is the time deferrable jobs were held (the deferring
    /// scheduler counts it).
    pub fn cost(&self, deferred_ms: u64) -> CostSummary {
        let demand_cny = self.month_peak_w.values().map(|w| w / 1000.0 * self.cfg.demand_charge_cny_per_kw_month).sum::<f64>();
        let grid_kwh = self.grid_j / 3.6e6;
        CostSummary {
            total_cny: self.energy_cny + demand_cny,
            energy_cny: self.energy_cny,
            demand_cny,
            grid_kwh,
            peak_demand_kw: self.month_peak_w.values().copied().fold(0.0, f64::max) / 1000.0,
            peak_demand_kw_by_month: self
                .month_peak_w
                .iter()
                .map(|(k, w)| (format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1), w / 1000.0))
                .collect(),
            mean_price_cny_per_kwh: if grid_kwh > 0.0 { self.energy_cny / grid_kwh } else { 0.0 },
            deferred_job_hours: deferred_ms as f64 / HOUR_MS as f64,
            missed_deadlines: self.missed_deadlines,
            capped_accelerator_hours: self.capped_accelerator_ms as f64 / HOUR_MS as f64,
        }
    }

    /// The `carbon` section.
    pub fn carbon(&self) -> CarbonSummary {
        let f = if self.load_j > 0.0 { self.location_kg * 3.6e6 / self.load_j } else { self.cfg.emission_factor_kg_per_kwh };
        CarbonSummary {
            location_based_t: self.location_kg / 1000.0,
            net_t: self.net_kg / 1000.0,
            green_share: if self.load_j > 0.0 { (self.onsite_j + self.contracted_j) / self.load_j } else { 0.0 },
            onsite_green_kwh: self.onsite_j / 3.6e6,
            curtailed_kwh: self.curtailed_j / 3.6e6,
            emission_factor_kg_per_kwh: f,
        }
    }

    /// The `battery` section (None without a battery).
    pub fn battery_summary(&self) -> Option<BatterySummary> {
        self.battery.as_ref().map(|b| BatterySummary {
            charged_kwh: b.charged_j / 3.6e6,
            discharged_kwh: b.discharged_j / 3.6e6,
            losses_kwh: b.losses_j() / 3.6e6,
            cycles: b.cycles(),
            soc_end: b.soc(),
            soc_min: b.soc_range.0,
            soc_max: b.soc_range.1,
        })
    }
}
