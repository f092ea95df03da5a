//! Does the center pay back? The economics of a run (`[finance]`): capital by build phase,
//! depreciation and replacement, operating cost, lease revenue from delivered accelerator-hours,
//! subsidies, tax, and the figures a planner asks for (NPV, IRR, payback month, levelised cost
//! per delivered accelerator-hour and PFLOP-hour, revenue lost to idle capacity).
//!
//! ## How it works
//! During the run a sampling-stage system ([`finance_tick`], record stage, O(1) per tick, no
//! work per event) adds to the calendar month of each interval (t − Δt, t]: installed and
//! delivered (allocated) accelerator-hours from the site's exact integrals, the site's energy
//! (facility power, or IT power without a facility) and, with `[grid]`, the ledger's energy
//! charges (the difference of its running total, so the months sum to the ledger's total). At
//! the end [`cash::project`] builds monthly cash flows over `analysis_years` and folds them
//! ([`cash`] holds the equations).
//!
//! Runs shorter than the analysis (the usual case) are extrapolated: a month the run covered
//! uses what the run measured (a partly covered month scaled to the whole month by hours;
//! demand charges are not scaled); every other month repeats the rates per installed
//! accelerator-hour of the last 12 measured months (or of the whole run when shorter), with
//! the accelerators in service at the end, while lease prices follow their yearly decline.
//! The summary says so in `finance.extrapolation`.

pub mod cash;
pub mod policy;

use std::collections::BTreeMap;

use bevy_ecs::prelude::*;

use crate::model::compute::SiteLoad;
use crate::model::compute::sample::Sample;
use crate::model::facility::FacilityModel;
use crate::model::grid::ledger::Ledger;
use crate::time::Clock;
use crate::time::calendar::{Calendar, Date};

pub use cash::{FinanceSummary, MonthRow};

/// What the run measured in one calendar month.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    /// Time covered, h.
    pub hours: f64,
    /// Installed accelerator-hours.
    pub installed_h: f64,
    /// Delivered (allocated) accelerator-hours.
    pub delivered_h: f64,
    /// Site energy (facility, or IT without a facility), kWh.
    pub energy_kwh: f64,
    /// Energy charges from the grid ledger, CNY (0 without `[grid]`).
    pub energy_cny: f64,
}

/// The monthly measures of a run with `[finance]` (a resource).
#[derive(Resource, Debug, Clone)]
pub struct FinanceBook {
    calendar: Calendar,
    /// By month key (year * 12 + month - 1).
    pub months: BTreeMap<i64, Measured>,
    installed_ms: u128,
    delivered_ms: f64,
    energy_cny: f64,
}

impl FinanceBook {
    /// An empty book for a run starting on `start`.
    pub fn new(start: Date) -> FinanceBook {
        FinanceBook { calendar: Calendar::new(start), months: BTreeMap::new(), installed_ms: 0, delivered_ms: 0.0, energy_cny: 0.0 }
    }

    /// Opens the measuring window at the end of a warm-up, after the site and the ledger opened
    /// theirs (their integrals restart from zero, so the memo does).
    pub fn open_window(&mut self) {
        *self = FinanceBook { calendar: self.calendar, months: BTreeMap::new(), installed_ms: 0, delivered_ms: 0.0, energy_cny: 0.0 };
    }

    /// Adds the interval (t − dt, t].
    pub fn add(&mut self, t_ms: u64, dt_ms: u64, site: &SiteLoad, load_w: f64, ledger_cny: Option<f64>) {
        if dt_ms == 0 {
            return;
        }
        let m = self.months.entry(self.calendar.month_key(t_ms - dt_ms)).or_default();
        m.hours += dt_ms as f64 / 3.6e6;
        m.installed_h += (site.installed_ms - self.installed_ms) as f64 / 3.6e6;
        m.delivered_h += (site.allocated_basis_ms() - self.delivered_ms) / 3.6e6;
        m.energy_kwh += load_w * dt_ms as f64 / 3.6e9;
        if let Some(c) = ledger_cny {
            m.energy_cny += c - self.energy_cny;
            self.energy_cny = c;
        }
        self.installed_ms = site.installed_ms;
        self.delivered_ms = site.allocated_basis_ms();
    }
}

/// Record stage: adds the sampling interval to its month.
pub fn finance_tick(
    clock: Res<Clock>,
    site: Res<SiteLoad>,
    sample: Res<Sample>,
    facility: Option<Res<FacilityModel>>,
    ledger: Option<Res<Ledger>>,
    mut book: ResMut<FinanceBook>,
) {
    let load_w = facility.map_or(sample.it_power_kw * 1000.0, |f| f.tick.facility_w());
    book.add(clock.now_ms, clock.interval_ms, &site, load_w, ledger.map(|l| l.energy_cny()));
}
