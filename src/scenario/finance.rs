//! The `[finance]` section: its raw schema, its resolution into a [`Finance`] and back.
//!
//! ## Defaults and their sources
//! Every default is a row of `assets/finance.toml` with its value, unit, price year, currency
//! and source ([`crate::catalog::finance`]); the README's "Does the center pay back?" lists
//! them. Accelerator models take their capital and lease price from the same file by catalog
//! id (a scenario device with `base` takes its base's), else from `[finance.accelerators]`.
//!
//! Checks: every price, share and rate is finite and not negative (shares at most 1), every
//! life at least 1 year, the analysis 1 to 50 years, the currency "CNY".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{FieldPath, ScenarioError, Source};
use crate::catalog::finance::FinanceDefaults;
use crate::config::Scenario;
use crate::config::finance::{AcceleratorFinance, Finance, LIVES};

type R<T> = Result<T, ScenarioError>;

/// `[finance.accelerators.<id>]`: capital and lease price of a model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcceleratorPrice {
    /// Capital per accelerator, server share included, CNY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capex_cny: Option<f64>,
    /// On-demand lease price in the first year, CNY per accelerator-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_cny_per_hour: Option<f64>,
}

/// `[finance]` as written: every field optional, named as in `assets/finance.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinance {
    /// Currency of the prices: "CNY".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Years of cash flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_years: Option<u32>,
    /// Discount rate per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate: Option<f64>,
    /// Income tax rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_tax_rate: Option<f64>,
    /// Prices by accelerator model (device id).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accelerators: BTreeMap<String, RawAcceleratorPrice>,
    /// Network capital per accelerator port, CNY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_cny_per_port: Option<f64>,
    /// Storage capital per usable TB, CNY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_cny_per_tb: Option<f64>,
    /// Usable storage bought, TB (default: the `[storage]` capacity, else 4.43 TB per accelerator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_tb: Option<f64>,
    /// Facility capital per MW of IT, air-cooled halls, CNY/MW.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_cny_per_mw_air: Option<f64>,
    /// The same, cold-plate halls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_cny_per_mw_cold_plate: Option<f64>,
    /// The same, immersion halls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_cny_per_mw_immersion: Option<f64>,
    /// Factor on facility capital with N UPS redundancy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy_factor_n: Option<f64>,
    /// Factor on facility capital with 2N UPS redundancy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redundancy_factor_2n: Option<f64>,
    /// Building and land per MW of IT, CNY/MW.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_cny_per_mw: Option<f64>,
    /// Grid connection per MW of IT, CNY/MW.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_connection_cny_per_mw: Option<f64>,
    /// Server life, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_life_years: Option<f64>,
    /// Network life, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_life_years: Option<f64>,
    /// Storage life, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_life_years: Option<f64>,
    /// Facility life, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_life_years: Option<f64>,
    /// Building life, years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_life_years: Option<f64>,
    /// Residual value at the end of a life, fraction of cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual_share: Option<f64>,
    /// Flat electricity price without `[grid]`, CNY/kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_cny_per_kwh: Option<f64>,
    /// Water, CNY/m3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub water_cny_per_m3: Option<f64>,
    /// Staff, CNY per MW of IT per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_cny_per_mw_year: Option<f64>,
    /// Maintenance, fraction of capital per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_share: Option<f64>,
    /// Internet bandwidth bought, Gbit/s (default 0.01 per accelerator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_gbps: Option<f64>,
    /// Its price, CNY per Gbit/s per month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_cny_per_gbps_month: Option<f64>,
    /// Share of delivered accelerator-hours on term contracts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contracted_share: Option<f64>,
    /// Contract price below the first year's on-demand price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_discount: Option<f64>,
    /// Yearly decline of the on-demand price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_decline_per_year: Option<f64>,
    /// Compute vouchers (算力券): share of lease revenue the city pays (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_share: Option<f64>,
    /// Cap of the vouchers per year, CNY (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_cap_cny_per_year: Option<f64>,
    /// Years the vouchers run (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_years: Option<f64>,
    /// Electricity subsidy, CNY/kWh (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity_subsidy_cny_per_kwh: Option<f64>,
    /// Years the electricity subsidy runs (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electricity_subsidy_years: Option<f64>,
}

/// The most any price may be, CNY (a trillion).
const MAX_CNY: f64 = 1e12;
/// Years subsidies run when not written [rule of thumb: city programmes such as 算力券 run
/// about three years].
const SUBSIDY_YEARS: f64 = 3.0;

/// Resolves `[finance]`; `raw_devices` are the scenario's `[[accelerators]]` (for `base`).
pub fn resolve(
    raw: Option<&RawFinance>,
    src: &Source,
    sc: &Scenario,
    raw_devices: &[crate::catalog::AcceleratorSpec],
) -> R<Option<Finance>> {
    let Some(f) = raw else { return Ok(None) };
    let d = FinanceDefaults::builtin();
    let p = FieldPath::root("finance");
    let num = |key: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| -> R<f64> {
        let x = v.unwrap_or(default);
        if !(x.is_finite() && x >= lo && x <= hi) {
            return Err(src.error(&p.key(key), format!("expected a number from {lo} to {hi}, found {x}")));
        }
        Ok(x)
    };
    let price = |key: &str, v: Option<f64>| num(key, v, d.value(key), 0.0, MAX_CNY);
    let share = |key: &str, v: Option<f64>| num(key, v, d.value(key), 0.0, 1.0);
    let life = |key: &str, v: Option<f64>| num(key, v, d.value(key), 1.0, 100.0);
    let currency = f.currency.clone().unwrap_or_else(|| "CNY".into());
    if currency != "CNY" {
        return Err(src.error(&p.key("currency"), format!("expected \"CNY\" (the only currency modelled), found {currency:?}")));
    }
    let years = f.analysis_years.unwrap_or(d.value("analysis_years") as u32);
    if !(1..=50).contains(&years) {
        return Err(src.error(&p.key("analysis_years"), format!("expected a number of years from 1 to 50, found {years}")));
    }
    let mut accelerators = Vec::new();
    let used: Vec<usize> = sc.node_types.iter().filter(|n| n.accelerators > 0).map(|n| n.device).collect();
    for (_, dev) in sc.devices.iter().enumerate().filter(|(i, _)| used.contains(i)) {
        let id = &dev.spec.id;
        let base = raw_devices.iter().find(|a| &a.id == id).and_then(|a| a.base.clone());
        let listed = d.accelerator(id).or_else(|| base.as_deref().and_then(|b| d.accelerator(b)));
        let written = f.accelerators.get(id).cloned().unwrap_or_default();
        let ap = p.key("accelerators").key(id);
        let pick = |key: &str, v: Option<f64>, def: Option<f64>| -> R<f64> {
            match v.or(def) {
                Some(x) if x.is_finite() && (0.0..=MAX_CNY).contains(&x) => Ok(x),
                Some(x) => Err(src.error(&ap.key(key), format!("expected a price from 0 to {MAX_CNY} CNY, found {x}"))),
                None => Err(src.error(
                    &p.key("accelerators"),
                    format!("assets/finance.toml has no prices for {id:?}: add [finance.accelerators.{id:?}] with capex_cny and lease_cny_per_hour"),
                )),
            }
        };
        let capex_cny = pick("capex_cny", written.capex_cny, listed.map(|l| l.capex_cny))?;
        let lease_cny_per_hour = pick("lease_cny_per_hour", written.lease_cny_per_hour, listed.map(|l| l.lease_cny_per_hour))?;
        accelerators.push(AcceleratorFinance { id: id.clone(), capex_cny, lease_cny_per_hour });
    }
    if let Some(id) = f.accelerators.keys().find(|k| !accelerators.iter().any(|a| &a.id == *k)) {
        return Err(src.error(&p.key("accelerators").key(id), format!("{id:?} is not an accelerator model of this scenario's racks")));
    }
    let storage_default =
        sc.storage.as_ref().map_or(d.value("storage_tb_per_accelerator") * sc.accelerators() as f64, |s| s.capacity_bytes / 1e12);
    let lives = [f.server_life_years, f.network_life_years, f.storage_life_years, f.facility_life_years, f.building_life_years];
    let mut life_years = [0.0; 5];
    for ((slot, name), v) in life_years.iter_mut().zip(LIVES).zip(lives) {
        *slot = life(&format!("{name}_life_years"), v)?;
    }
    Ok(Some(Finance {
        currency,
        analysis_years: years,
        discount_rate: num("discount_rate", f.discount_rate, d.value("discount_rate"), 0.0, 1.0)?,
        income_tax_rate: share("income_tax_rate", f.income_tax_rate)?,
        accelerators,
        network_cny_per_port: price("network_cny_per_port", f.network_cny_per_port)?,
        storage_cny_per_tb: price("storage_cny_per_tb", f.storage_cny_per_tb)?,
        storage_tb: num("storage_tb", f.storage_tb, storage_default, 0.0, 1e9)?,
        facility_cny_per_mw: [
            price("facility_cny_per_mw_air", f.facility_cny_per_mw_air)?,
            price("facility_cny_per_mw_cold_plate", f.facility_cny_per_mw_cold_plate)?,
            price("facility_cny_per_mw_immersion", f.facility_cny_per_mw_immersion)?,
        ],
        redundancy_factor: [
            num("redundancy_factor_n", f.redundancy_factor_n, d.value("redundancy_factor_n"), 0.0, 10.0)?,
            num("redundancy_factor_2n", f.redundancy_factor_2n, d.value("redundancy_factor_2n"), 0.0, 10.0)?,
        ],
        building_cny_per_mw: price("building_cny_per_mw", f.building_cny_per_mw)?,
        grid_connection_cny_per_mw: price("grid_connection_cny_per_mw", f.grid_connection_cny_per_mw)?,
        life_years,
        residual_share: share("residual_share", f.residual_share)?,
        energy_cny_per_kwh: price("energy_cny_per_kwh", f.energy_cny_per_kwh)?,
        water_cny_per_m3: price("water_cny_per_m3", f.water_cny_per_m3)?,
        staff_cny_per_mw_year: price("staff_cny_per_mw_year", f.staff_cny_per_mw_year)?,
        maintenance_share: share("maintenance_share", f.maintenance_share)?,
        bandwidth_gbps: num(
            "bandwidth_gbps",
            f.bandwidth_gbps,
            d.value("bandwidth_gbps_per_accelerator") * sc.accelerators() as f64,
            0.0,
            1e6,
        )?,
        bandwidth_cny_per_gbps_month: price("bandwidth_cny_per_gbps_month", f.bandwidth_cny_per_gbps_month)?,
        contracted_share: share("contracted_share", f.contracted_share)?,
        contract_discount: share("contract_discount", f.contract_discount)?,
        price_decline_per_year: share("price_decline_per_year", f.price_decline_per_year)?,
        voucher_share: num("voucher_share", f.voucher_share, 0.0, 0.0, 1.0)?,
        voucher_cap_cny_per_year: match f.voucher_cap_cny_per_year {
            None => f64::INFINITY,
            v => num("voucher_cap_cny_per_year", v, 0.0, 0.0, MAX_CNY)?,
        },
        voucher_years: num("voucher_years", f.voucher_years, SUBSIDY_YEARS, 0.0, 50.0)?,
        electricity_subsidy_cny_per_kwh: num("electricity_subsidy_cny_per_kwh", f.electricity_subsidy_cny_per_kwh, 0.0, 0.0, 100.0)?,
        electricity_subsidy_years: num("electricity_subsidy_years", f.electricity_subsidy_years, SUBSIDY_YEARS, 0.0, 50.0)?,
    }))
}

/// The resolved section written back with every default spelled out.
pub fn unparse(f: &Finance) -> RawFinance {
    let [server, network, storage, facility, building] = f.life_years.map(Some);
    RawFinance {
        currency: Some(f.currency.clone()),
        analysis_years: Some(f.analysis_years),
        discount_rate: Some(f.discount_rate),
        income_tax_rate: Some(f.income_tax_rate),
        accelerators: f
            .accelerators
            .iter()
            .map(|a| (a.id.clone(), RawAcceleratorPrice { capex_cny: Some(a.capex_cny), lease_cny_per_hour: Some(a.lease_cny_per_hour) }))
            .collect(),
        network_cny_per_port: Some(f.network_cny_per_port),
        storage_cny_per_tb: Some(f.storage_cny_per_tb),
        storage_tb: Some(f.storage_tb),
        facility_cny_per_mw_air: Some(f.facility_cny_per_mw[0]),
        facility_cny_per_mw_cold_plate: Some(f.facility_cny_per_mw[1]),
        facility_cny_per_mw_immersion: Some(f.facility_cny_per_mw[2]),
        redundancy_factor_n: Some(f.redundancy_factor[0]),
        redundancy_factor_2n: Some(f.redundancy_factor[1]),
        building_cny_per_mw: Some(f.building_cny_per_mw),
        grid_connection_cny_per_mw: Some(f.grid_connection_cny_per_mw),
        server_life_years: server,
        network_life_years: network,
        storage_life_years: storage,
        facility_life_years: facility,
        building_life_years: building,
        residual_share: Some(f.residual_share),
        energy_cny_per_kwh: Some(f.energy_cny_per_kwh),
        water_cny_per_m3: Some(f.water_cny_per_m3),
        staff_cny_per_mw_year: Some(f.staff_cny_per_mw_year),
        maintenance_share: Some(f.maintenance_share),
        bandwidth_gbps: Some(f.bandwidth_gbps),
        bandwidth_cny_per_gbps_month: Some(f.bandwidth_cny_per_gbps_month),
        contracted_share: Some(f.contracted_share),
        contract_discount: Some(f.contract_discount),
        price_decline_per_year: Some(f.price_decline_per_year),
        voucher_share: Some(f.voucher_share),
        voucher_cap_cny_per_year: f.voucher_cap_cny_per_year.is_finite().then_some(f.voucher_cap_cny_per_year),
        voucher_years: Some(f.voucher_years),
        electricity_subsidy_cny_per_kwh: Some(f.electricity_subsidy_cny_per_kwh),
        electricity_subsidy_years: Some(f.electricity_subsidy_years),
    }
}
