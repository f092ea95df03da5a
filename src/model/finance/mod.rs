//! Does the center pay back? The economics of a run (`[finance]`): capital by build phase,
//! depreciation and replacement, operating cost, lease revenue from delivered accelerator-hours,
//! subsidies, tax, and the figures a planner asks for (NPV, IRR, payback month, levelised cost
//! per delivered accelerator-hour and PFLOP-hour, revenue lost to idle capacity).
//!
//! ## How it works
//! During the run the record stage (`engine::record`, O(1) per tick, no work per event) calls
//! [`FinanceBook::add`], which adds to the calendar month of each interval (t − Δt, t]: installed and
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

use crate::model::compute::SiteLoad;
use crate::time::calendar::{Calendar, DAY_MS, Date};

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
#[derive(bevy_ecs::prelude::Resource, Debug, Clone)]
pub struct FinanceBook {
    calendar: Calendar,
    /// By month key (year * 12 + month - 1), in time order.
    pub months: Vec<(i64, Measured)>,
    /// The time from which the next month begins, ms (the month key is computed once a month).
    next_month_ms: u64,
    installed_ms: u128,
    delivered_ms: f64,
    energy_cny: f64,
}

impl FinanceBook {
    /// An empty book for a run starting on `start`.
    pub fn new(start: Date) -> FinanceBook {
        FinanceBook {
            calendar: Calendar::new(start),
            months: Vec::new(),
            next_month_ms: 0,
            installed_ms: 0,
            delivered_ms: 0.0,
            energy_cny: 0.0,
        }
    }

    /// Opens the measuring window at the end of a warm-up, after the site and the ledger opened
    /// theirs (their integrals restart from zero, so the memo does).
    pub fn open_window(&mut self) {
        *self = FinanceBook {
            calendar: self.calendar,
            months: Vec::new(),
            next_month_ms: 0,
            installed_ms: 0,
            delivered_ms: 0.0,
            energy_cny: 0.0,
        };
    }

    /// What the run measured in month `key`, if it covered it.
    pub fn month(&self, key: i64) -> Option<&Measured> {
        self.months.binary_search_by_key(&key, |(k, _)| *k).ok().map(|i| &self.months[i].1)
    }

    /// Adds the interval (t − dt, t].
    pub fn add(&mut self, t_ms: u64, dt_ms: u64, site: &SiteLoad, load_w: f64, ledger_cny: Option<f64>) {
        if dt_ms == 0 {
            return;
        }
        let t0 = t_ms - dt_ms;
        if self.months.is_empty() || t0 >= self.next_month_ms {
            let key = self.calendar.month_key(t0);
            if self.months.last().is_none_or(|(k, _)| *k != key) {
                self.months.push((key, Measured::default()));
            }
            let d = self.calendar.date(t0);
            let next =
                if d.month == 12 { Date { year: d.year + 1, month: 1, day: 1 } } else { Date { year: d.year, month: d.month + 1, day: 1 } };
            let start = self.calendar.date(0).days();
            self.next_month_ms = (next.days() - start).max(0) as u64 * DAY_MS;
        }
        let Some((_, m)) = self.months.last_mut() else { return };
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
