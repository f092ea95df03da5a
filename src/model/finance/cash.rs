//! Monthly cash flows over the analysis and the figures folded from them.
//!
//! ## Equations
//! Month i = 0 .. 12·Y − 1 of an analysis of Y years, at t_i = i / 12 years from the start:
//! - lease price: on-demand p_i = p_0 (1 − d)^⌊i/12⌋ (d the yearly decline), contract
//!   p_c = p_0 (1 − k) (k the contract discount, fixed for the analysis); the price of a
//!   delivered accelerator-hour is c p_c + (1 − c) p_i with c the contracted share; p_0 is the
//!   mean of the models' first-year prices weighted by accelerators installed;
//! - revenue R_i = H_del,i × price; revenue lost to idle capacity L_i = (H_inst,i − H_del,i) × price;
//! - vouchers V_i = min(s R_i, what is left of the year's cap) while t_i < voucher years;
//!   electricity subsidy S_i = E_i × subsidy per kWh while t_i < subsidy years;
//! - operating cost O_i = energy (grid ledger's energy and demand charges, else E_i × flat
//!   price) + water + staff (per MW of IT design) + maintenance (share of the gross capital in
//!   service) + bandwidth;
//! - capital: each rack group's accelerators, their fabric ports and their share of storage in
//!   the month it enters service; facility (per MW of IT design by hall cooling, times the UPS
//!   redundancy factor), building and land, grid connection in month 0; every purchase is
//!   bought again at the same price at the end of its life (salvage r × cost then), and at the
//!   end of the analysis its book value (straight line from cost to r × cost over its life)
//!   returns as residual value;
//! - tax: at each analysis year's end, rate × max(0, year's R + V + S − O − depreciation −
//!   losses carried forward) (losses carried forward without expiry, a simplification of the
//!   five years Chinese law allows);
//! - cash flow CF_i = R_i + V_i + S_i − O_i − capital_i + salvage_i − tax_i (+ residual in the last month);
//! - NPV = Σ CF_i (1 + r)^(−t_i); IRR the r with NPV = 0 (bisection, null without a sign
//!   change); payback month: the first month whose cumulative cash flow is at or above zero
//!   after being below it (counted from 1; null when it never is);
//! - levelised cost per delivered accelerator-hour: Σ (capital_i − salvage_i − residual_i + O_i)
//!   (1 + r)^(−t_i) / Σ H_del,i (1 + r)^(−t_i) (before tax and subsidies); per PFLOP-hour: the
//!   same over delivered accelerator-hours × dense FP16 PFLOPS per accelerator.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FinanceBook, Measured};
use crate::config::Scenario;
use crate::config::facility::Redundancy;
use crate::config::finance::Finance;
use crate::config::hardware::CoolingKind;
use crate::time::calendar::{Calendar, days_in_month};

/// The measured months behind each projected one: the last this many (or the whole run).
const TAIL_MONTHS: usize = 12;

/// What the run itself measured, unscaled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimulatedFinance {
    /// Calendar months the run touched.
    pub months: u64,
    /// Installed accelerator-hours.
    pub installed_accelerator_hours: f64,
    /// Delivered (allocated) accelerator-hours.
    pub delivered_accelerator_hours: f64,
    /// Energy bought, kWh.
    pub energy_kwh: f64,
    /// Its cost (the grid ledger's total with `[grid]`), CNY.
    pub energy_cny: f64,
    /// Lease revenue of the delivered hours, CNY.
    pub revenue_cny: f64,
    /// Revenue the idle hours would have earned, CNY.
    pub lost_revenue_cny: f64,
}

/// One analysis year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearFigures {
    /// Lease revenue.
    pub revenue_cny: f64,
    /// Revenue lost to idle capacity.
    pub lost_revenue_cny: f64,
    /// Vouchers and electricity subsidies.
    pub subsidies_cny: f64,
    /// Operating cost.
    pub opex_cny: f64,
    /// Capital spent (less salvage).
    pub capex_cny: f64,
    /// Income tax.
    pub tax_cny: f64,
    /// Net cash flow.
    pub cash_flow_cny: f64,
    /// Cumulative cash flow at the year's end.
    pub cumulative_cny: f64,
}

/// The `finance` section of summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FinanceSummary {
    /// Currency of every figure.
    pub currency: String,
    /// Years of cash flows.
    pub analysis_years: u64,
    /// How months the run did not cover were filled.
    pub extrapolation: String,
    /// Capital of the first build (every phase), CNY.
    pub capex_cny: f64,
    /// The same by item.
    pub capex_by_item_cny: BTreeMap<String, f64>,
    /// Net present value, CNY.
    pub npv_cny: f64,
    /// Internal rate of return, per year (null without one).
    pub irr: Option<f64>,
    /// Month in which the cumulative cash flow turns non-negative (null: never).
    pub payback_month: Option<f64>,
    /// Lease revenue over the analysis, CNY.
    pub revenue_cny: f64,
    /// Revenue lost to idle capacity, CNY.
    pub lost_revenue_cny: f64,
    /// Vouchers and electricity subsidies, CNY.
    pub subsidies_cny: f64,
    /// Operating cost, CNY.
    pub opex_cny: f64,
    /// Energy part of the operating cost, CNY.
    pub energy_cny: f64,
    /// Income tax, CNY.
    pub tax_cny: f64,
    /// Residual value at the end, CNY.
    pub residual_cny: f64,
    /// Delivered / installed accelerator-hours over the analysis.
    pub delivered_share: f64,
    /// Levelised cost per delivered accelerator-hour, CNY (null when none is delivered).
    pub cost_per_accelerator_hour_cny: Option<f64>,
    /// Levelised cost per delivered PFLOP-hour at dense FP16 peak, CNY.
    pub cost_per_pflop_hour_cny: Option<f64>,
    /// What the run measured.
    pub simulated: SimulatedFinance,
    /// By analysis year ("01", "02", ...).
    pub by_year: BTreeMap<String, YearFigures>,
    /// The monthly rows of finance.csv (not in summary.json).
    #[serde(skip)]
    pub months: Vec<MonthRow>,
}

/// One row of finance.csv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthRow {
    /// Calendar month, "YYYY-MM".
    pub date: String,
    /// Whether the run covered it (else extrapolated).
    pub simulated: bool,
    /// Installed accelerator-hours.
    pub installed_h: f64,
    /// Delivered accelerator-hours.
    pub delivered_h: f64,
    /// Price of a delivered accelerator-hour, CNY.
    pub price: f64,
    /// Revenue, CNY.
    pub revenue: f64,
    /// Revenue lost to idle capacity, CNY.
    pub lost: f64,
    /// Subsidies, CNY.
    pub subsidies: f64,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Energy cost, CNY.
    pub energy: f64,
    /// Other operating cost, CNY.
    pub other_opex: f64,
    /// Capital less salvage and residual, CNY.
    pub capex: f64,
    /// Tax, CNY.
    pub tax: f64,
    /// Net cash flow, CNY.
    pub cash_flow: f64,
    /// Cumulative, CNY.
    pub cumulative: f64,
    /// Cumulative discounted, CNY.
    pub discounted: f64,
}

/// The header of finance.csv (units in the names).
pub const CSV_HEADER: &str = "month,date,simulated,installed_accelerator_hours,delivered_accelerator_hours,price_cny_per_accelerator_hour,\
revenue_cny,lost_revenue_cny,subsidies_cny,energy_kwh,energy_cny,other_opex_cny,capex_cny,tax_cny,cash_flow_cny,cumulative_cny,\
discounted_cumulative_cny";

impl MonthRow {
    /// The CSV line of month `i` (from 1).
    pub fn csv(&self, i: usize) -> String {
        format!(
            "{i},{},{},{:.1},{:.1},{:.4},{:.2},{:.2},{:.2},{:.1},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2}",
            self.date,
            u8::from(self.simulated),
            self.installed_h,
            self.delivered_h,
            self.price,
            self.revenue,
            self.lost,
            self.subsidies,
            self.energy_kwh,
            self.energy,
            self.other_opex,
            self.capex,
            self.tax,
            self.cash_flow,
            self.cumulative,
            self.discounted
        )
    }
}

/// What the fold needs from other subsystems.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Demand charge by month key, CNY (with `[grid]`).
    pub demand_cny: BTreeMap<i64, f64>,
    /// Whether a grid ledger priced the energy.
    pub grid: bool,
    /// Make-up water over the run, m3 (0 without a facility).
    pub water_m3: f64,
}

/// Net present value of monthly cash flows at annual rate `r` (flow i at i/12 years).
pub fn npv(r: f64, flows: &[f64]) -> f64 {
    let m = (1.0 + r).powf(-1.0 / 12.0);
    flows.iter().rev().fold(0.0, |acc, f| acc * m + f)
}

/// Internal rate of return per year of monthly flows (None without a sign change on
/// −99 % .. 1000 %).
pub fn irr(flows: &[f64]) -> Option<f64> {
    let (mut lo, mut hi) = (-0.99, 10.0);
    let (flo, fhi) = (npv(lo, flows), npv(hi, flows));
    if !(flo.is_finite() && fhi.is_finite()) || flo.signum() == fhi.signum() {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if npv(mid, flows).signum() == flo.signum() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Payback month (from 1) of monthly flows: the first whose cumulative is at or above zero
/// after having been below it; None when it never is.
pub fn payback_month(flows: &[f64]) -> Option<usize> {
    let mut cum = 0.0;
    let mut below = false;
    for (i, f) in flows.iter().enumerate() {
        cum += f;
        if cum < 0.0 {
            below = true;
        } else if below {
            return Some(i + 1);
        }
    }
    None
}

/// One purchase and its later replacements.
struct Asset {
    life: usize,
    cost: f64,
    month: usize,
}

/// The first build: (item, life index into `life_years`, cost, month bought).
fn purchases(sc: &Scenario, fin: &Finance, month_of: impl Fn(u64) -> usize) -> Vec<(&'static str, usize, f64, usize)> {
    let total = sc.accelerators().max(1) as f64;
    let mut out = Vec::new();
    for (g, nt) in sc.racks_iter() {
        let n = g.count as f64 * g.nodes as f64 * nt.accelerators as f64;
        let price = fin.accelerators.iter().find(|a| a.id == sc.devices[nt.device].spec.id).map_or(0.0, |a| a.capex_cny);
        let m = month_of(g.in_service_ms);
        out.push(("accelerators", 0, n * price, m));
        out.push(("network", 1, n * fin.network_cny_per_port, m));
        out.push(("storage", 2, n / total * fin.storage_tb * fin.storage_cny_per_tb, m));
    }
    let mw = crate::model::compute::it_design_w(sc) / 1e6;
    let mut by_cooling = [0.0; 3];
    for h in &sc.halls {
        let n: f64 = h.racks.iter().map(|g| g.count as f64 * g.nodes as f64 * sc.node_types[g.node_type].accelerators as f64).sum();
        let k = match h.cooling.kind {
            CoolingKind::Air => 0,
            CoolingKind::ColdPlate => 1,
            CoolingKind::Immersion => 2,
        };
        by_cooling[k] += n / total;
    }
    let per_mw: f64 = by_cooling.iter().zip(fin.facility_cny_per_mw).map(|(s, p)| s * p).sum();
    let redundancy = match sc.facility.as_ref().map(|f| f.ups_redundancy) {
        Some(Redundancy::N) => fin.redundancy_factor[0],
        Some(Redundancy::TwoN) => fin.redundancy_factor[1],
        _ => 1.0,
    };
    out.push(("facility", 3, mw * per_mw * redundancy, 0));
    out.push(("building", 4, mw * fin.building_cny_per_mw, 0));
    out.push(("grid_connection", 4, mw * fin.grid_connection_cny_per_mw, 0));
    out
}

/// Rates per installed accelerator-hour of the last measured months: (delivered share, kWh,
/// energy CNY, demand CNY per month).
fn tail_rates(book: &FinanceBook, inp: &Inputs) -> (f64, f64, f64, f64) {
    let tail: Vec<&(i64, Measured)> = book.months.iter().rev().take(TAIL_MONTHS).collect();
    let inst: f64 = tail.iter().map(|(_, m)| m.installed_h).sum();
    if tail.is_empty() || inst <= 0.0 {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let del: f64 = tail.iter().map(|(_, m)| m.delivered_h).sum();
    let kwh: f64 = tail.iter().map(|(_, m)| m.energy_kwh).sum();
    let cny: f64 = tail.iter().map(|(_, m)| m.energy_cny).sum();
    let demand: f64 = tail.iter().map(|(k, _)| inp.demand_cny.get(k).copied().unwrap_or(0.0)).sum::<f64>() / tail.len() as f64;
    (del / inst, kwh / inst, cny / inst, demand)
}

/// Builds the monthly cash flows and folds the `finance` section.
pub fn project(sc: &Scenario, fin: &Finance, book: &FinanceBook, inp: &Inputs) -> FinanceSummary {
    let cal = Calendar::new(sc.start);
    let key0 = cal.month_key(0);
    let n = fin.analysis_years as usize * 12;
    let month_of = |t_ms: u64| ((cal.month_key(t_ms) - key0).max(0) as usize).min(n.saturating_sub(1));
    let accelerators = sc.accelerators().max(1) as f64;
    let at_end = sc.accelerators_in_service_at(sc.horizon_ms) as f64;
    let p0 = fin
        .accelerators
        .iter()
        .map(|a| {
            let count: f64 = sc
                .racks_iter()
                .filter(|(_, nt)| sc.devices[nt.device].spec.id == a.id)
                .map(|(g, nt)| g.count as f64 * g.nodes as f64 * nt.accelerators as f64)
                .sum();
            a.lease_cny_per_hour * count / accelerators
        })
        .sum::<f64>();
    let contract = p0 * (1.0 - fin.contract_discount);
    let (u, kwh_rate, cny_rate, demand_rate) = tail_rates(book, inp);
    let measured_hours: f64 = book.months.iter().map(|(_, m)| m.hours).sum();
    let water_per_h = if measured_hours > 0.0 { inp.water_m3 / measured_hours } else { 0.0 };
    let mw = crate::model::compute::it_design_w(sc) / 1e6;
    let life_months = fin.life_years.map(|y| ((y * 12.0).round() as usize).max(1));
    // Every generation of every purchase.
    let first = purchases(sc, fin, month_of);
    let mut capex_by_item: BTreeMap<String, f64> = BTreeMap::new();
    let mut assets = Vec::new();
    for (item, life, cost, month) in first {
        *capex_by_item.entry(item.to_string()).or_default() += cost;
        let mut m = month;
        while m < n {
            assets.push(Asset { life: life_months[life], cost, month: m });
            m += life_months[life];
        }
    }
    let mut capital = vec![0.0; n];
    let mut depreciation = vec![0.0; n];
    let mut gross = vec![0.0; n];
    let mut residual = 0.0;
    for a in &assets {
        capital[a.month] += a.cost;
        let end = a.month + a.life;
        let per_month = a.cost * (1.0 - fin.residual_share) / a.life as f64;
        for i in a.month..end.min(n) {
            depreciation[i] += per_month;
            gross[i] += a.cost;
        }
        if end < n {
            capital[end] -= a.cost * fin.residual_share;
        } else {
            residual += a.cost - per_month * (n - a.month) as f64;
        }
    }
    let mut s = FinanceSummary {
        currency: fin.currency.clone(),
        analysis_years: fin.analysis_years as u64,
        extrapolation: format!(
            "months the run covered as measured (partly covered ones scaled to the whole month); the other months of the {} years repeat \
             the rates per installed accelerator-hour of the last {} measured months (delivered share {:.1} %), with the accelerators in \
             service at the end, at lease prices declining {:.0} % a year",
            fin.analysis_years,
            book.months.len().min(TAIL_MONTHS),
            u * 100.0,
            fin.price_decline_per_year * 100.0
        ),
        capex_cny: capex_by_item.values().sum(),
        capex_by_item_cny: capex_by_item,
        ..Default::default()
    };
    let mut flows = Vec::with_capacity(n);
    let (mut cum, mut disc) = (0.0, 0.0);
    let (mut pv_cost, mut pv_hours) = (0.0, 0.0);
    let (mut year_taxable, mut losses, mut voucher_year, mut installed_total, mut delivered_total) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let df_month = (1.0 + fin.discount_rate).powf(-1.0 / 12.0);
    let mut df = 1.0;
    for i in 0..n {
        let key = key0 + i as i64;
        let (y, mo) = (key.div_euclid(12) as i32, key.rem_euclid(12) as u32 + 1);
        let hours = days_in_month(y, mo) as f64 * 24.0;
        let year = i / 12;
        let t = i as f64 / 12.0;
        let p_od = p0 * (1.0 - fin.price_decline_per_year).powi(year as i32);
        let price = fin.contracted_share * contract + (1.0 - fin.contracted_share) * p_od;
        let demand = inp.demand_cny.get(&key).copied();
        let (simulated, inst, del, kwh, energy) = match book.month(key).filter(|m| m.hours > 0.0) {
            Some(m) => {
                let k = if m.hours >= hours * (1.0 - 1e-9) { 1.0 } else { hours / m.hours };
                let energy = if inp.grid { m.energy_cny * k + demand.unwrap_or(0.0) } else { m.energy_kwh * k * fin.energy_cny_per_kwh };
                s.simulated.months += 1;
                s.simulated.installed_accelerator_hours += m.installed_h;
                s.simulated.delivered_accelerator_hours += m.delivered_h;
                s.simulated.energy_kwh += m.energy_kwh;
                s.simulated.energy_cny +=
                    if inp.grid { m.energy_cny + demand.unwrap_or(0.0) } else { m.energy_kwh * fin.energy_cny_per_kwh };
                s.simulated.revenue_cny += m.delivered_h * price;
                s.simulated.lost_revenue_cny += (m.installed_h - m.delivered_h) * price;
                (true, m.installed_h * k, m.delivered_h * k, m.energy_kwh * k, energy)
            }
            None => {
                let inst = at_end * hours;
                let energy = if inp.grid { inst * cny_rate + demand_rate } else { inst * kwh_rate * fin.energy_cny_per_kwh };
                (false, inst, inst * u, inst * kwh_rate, energy)
            }
        };
        let revenue = del * price;
        let lost = (inst - del).max(0.0) * price;
        if i % 12 == 0 {
            voucher_year = 0.0;
        }
        let voucher = if t < fin.voucher_years {
            (fin.voucher_share * revenue).min(fin.voucher_cap_cny_per_year - voucher_year).max(0.0)
        } else {
            0.0
        };
        voucher_year += voucher;
        let subsidy = if t < fin.electricity_subsidy_years { kwh * fin.electricity_subsidy_cny_per_kwh } else { 0.0 };
        let other = water_per_h * hours * fin.water_cny_per_m3
            + fin.staff_cny_per_mw_year * mw / 12.0
            + fin.maintenance_share * gross[i] / 12.0
            + fin.bandwidth_gbps * fin.bandwidth_cny_per_gbps_month;
        year_taxable += revenue + voucher + subsidy - energy - other - depreciation[i];
        let mut tax = 0.0;
        if (i + 1) % 12 == 0 || i + 1 == n {
            if year_taxable < 0.0 {
                losses -= year_taxable;
            } else {
                let used = losses.min(year_taxable);
                losses -= used;
                tax = fin.income_tax_rate * (year_taxable - used);
            }
            year_taxable = 0.0;
        }
        let capex = capital[i] - if i + 1 == n { residual } else { 0.0 };
        let cf = revenue + voucher + subsidy - energy - other - capex - tax;
        cum += cf;
        disc += cf * df;
        pv_cost += (capex + energy + other) * df;
        pv_hours += del * df;
        df *= df_month;
        flows.push(cf);
        installed_total += inst;
        delivered_total += del;
        s.revenue_cny += revenue;
        s.lost_revenue_cny += lost;
        s.subsidies_cny += voucher + subsidy;
        s.opex_cny += energy + other;
        s.energy_cny += energy;
        s.tax_cny += tax;
        let yf = s.by_year.entry(format!("{:02}", year + 1)).or_default();
        yf.revenue_cny += revenue;
        yf.lost_revenue_cny += lost;
        yf.subsidies_cny += voucher + subsidy;
        yf.opex_cny += energy + other;
        yf.capex_cny += capex;
        yf.tax_cny += tax;
        yf.cash_flow_cny += cf;
        yf.cumulative_cny = cum;
        s.months.push(MonthRow {
            date: format!("{y:04}-{mo:02}"),
            simulated,
            installed_h: inst,
            delivered_h: del,
            price,
            revenue,
            lost,
            subsidies: voucher + subsidy,
            energy_kwh: kwh,
            energy,
            other_opex: other,
            capex,
            tax,
            cash_flow: cf,
            cumulative: cum,
            discounted: disc,
        });
    }
    s.residual_cny = residual;
    s.npv_cny = npv(fin.discount_rate, &flows);
    s.irr = irr(&flows);
    s.payback_month = payback_month(&flows).map(|m| m as f64);
    s.delivered_share = if installed_total > 0.0 { delivered_total / installed_total } else { 0.0 };
    s.cost_per_accelerator_hour_cny = (pv_hours > 0.0).then(|| pv_cost / pv_hours);
    let pflops_per_accelerator = sc.peak_pflops("fp16") / accelerators;
    s.cost_per_pflop_hour_cny =
        s.cost_per_accelerator_hour_cny.filter(|_| pflops_per_accelerator > 0.0).map(|c| c / pflops_per_accelerator);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// −100 now, +110 at month 12: IRR 10 % a year; NPV at 5 % = −100 + 110 / 1.05.
    #[test]
    fn npv_and_irr_of_a_one_year_loan() {
        let mut flows = vec![0.0; 13];
        flows[0] = -100.0;
        flows[12] = 110.0;
        assert!((npv(0.05, &flows) - (-100.0 + 110.0 / 1.05)).abs() < 1e-9);
        assert!((npv(0.0, &flows) - 10.0).abs() < 1e-12);
        assert!((irr(&flows).unwrap() - 0.10).abs() < 1e-9);
        assert_eq!(payback_month(&flows), Some(13));
    }

    /// An annuity: −1000 now, +100 at the end of each of 12 years (months 12, 24, ...): NPV at
    /// r = −1000 + 100 (1 − (1 + r)^−12) / r; its IRR solves that for zero (2.923 % a year,
    /// the rate a 12-year 1000 loan repaid 100 a year carries; checked here by the NPV).
    #[test]
    fn npv_of_an_annuity_matches_the_closed_form() {
        let mut flows = vec![0.0; 12 * 12 + 1];
        flows[0] = -1000.0;
        for y in 1..=12 {
            flows[y * 12] = 100.0;
        }
        let r: f64 = 0.08;
        let closed = -1000.0 + 100.0 * (1.0 - (1.0 + r).powi(-12)) / r;
        assert!((npv(r, &flows) - closed).abs() < 1e-9, "{} vs {closed}", npv(r, &flows));
        let irr = irr(&flows).unwrap();
        assert!(npv(irr, &flows).abs() < 1e-6);
        assert!((irr - 0.02923).abs() < 1e-4, "{irr}");
        // Payback in month 121: cumulative −1000 + 10 x 100 = 0 at month 120 (index 120).
        assert_eq!(payback_month(&flows), Some(121));
    }

    #[test]
    fn flows_that_never_turn_positive_have_no_irr_and_no_payback() {
        let flows = [-100.0, -10.0, -10.0, 5.0];
        assert_eq!(irr(&flows), None);
        assert_eq!(payback_month(&flows), None);
    }
}
