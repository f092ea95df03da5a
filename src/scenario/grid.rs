//! The `[grid]` section: its raw schema and its resolution into a [`GridConfig`].
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `prices` | valley 0.308, flat 0.594, peak 0.88 CNY/kWh; critical = 1.2 x peak = 1.056 | BRIEF §6 (example tariff; critical peak >= 20 % above peak) |
//! | `hours` | `VVVVVVFFPPPFFFFFFFPPPFVV`: valley 22-06, flat 06-08, 11-18, 21-22, peak 08-11, 18-21 | shape of the Shanghai general industrial TOU periods (peak 8-11 and 18-21, valley 22-6) [rule of thumb, unverified against the current tariff notice] |
//! | `critical_months`, `critical_hours` | July, August; 12:00-14:00 | summer critical-peak pattern of eastern provinces [rule of thumb] |
//! | `demand_charge` | 40 CNY/kW/month on the monthly peak | typical provincial two-part tariff (最大需量) level [rule of thumb, unverified] |
//! | `emission_factor` | the site grid's factor (`[site] grid` / `emission_factor`), else national 0.5366 kg/kWh | BRIEF §6 (MEE 2022) |
//! | `green_share` | 0 | |
//! | `pv_peak`, `pv_hours` | 0 W; sunrise 6, sunset 18 (half-sine) | [rule of thumb] |
//! | battery `efficiency` | 0.88 round trip | BRIEF §6 (85-90 %) \[unverified\] |
//! | battery `soc_min`, `soc_max`, `soc_initial` | 0.1, 0.9, 0.5 | [rule of thumb] for Li-ion (LFP) |
//! | battery `policy` | arbitrage | |
//! | deferral `signal`, `deadline` | price, 24 h | |
//! | `cap_margin` | 0.02 (aim 2 % under the limit; raise the level only by more than 2 %) | [rule of thumb] |

use serde::{Deserialize, Serialize};

use std::path::Path;

use super::error::{FieldPath, ScenarioError, Source, csv_error};
use super::units::{DurationMs, PowerW};
use crate::catalog::tariffs::{CRITICAL_OVER_PEAK, DEMAND_CHARGE, HOURS, NATIONAL_FACTOR, PRICES};
use crate::config::grid::{BatteryConfig, BatteryPolicy as Policy};
use crate::config::grid::{DeferSignal, Deferral, DemandResponse, GreenSupply, GridConfig, HOUR_MS, Hourly, Period, Tariff};

type R<T> = Result<T, ScenarioError>;

/// Deadband of the cap controller [rule of thumb: a 2 % control band].
const CAP_MARGIN: f64 = 0.02;
/// Joules in a kWh.
const J_PER_KWH: f64 = 3.6e6;
/// The most any power of the grid section may be (PV, battery, targets), W.
const POWER_W: f64 = super::units::ceiling::POWER_W;
/// The latest hour of a demand-response window: 1000 years.
const MAX_HOURS: f64 = 8_760_000.0;

/// `[grid]`: prices, carbon, green supply, battery, power cap, demand response, deferral.
/// `seasons = [{ months = [6, 7, 8, 9], hours = "..." }]`: an hour pattern for some months.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeason {
    /// Months (1-12) the pattern applies to.
    pub months: Vec<u32>,
    /// 24 letters V, F, P or C, one per local hour.
    pub hours: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrid {
    /// Prices by period, CNY/kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<RawPrices>,
    /// 24 letters, one per local hour: V valley, F flat, P peak, C critical peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Months (1-12) with critical-peak hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_months: Option<Vec<u32>>,
    /// Hours (0-23) that are critical peak in those months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_hours: Option<Vec<u32>>,
    /// Seasonal hour patterns: each replaces `hours` in its months (e.g. a summer pattern).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasons: Option<Vec<RawSeason>>,
    /// Demand charge on each month's peak grid power, CNY/kW/month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_charge: Option<f64>,
    /// Grid emission factor, kg CO2/kWh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_factor: Option<f64>,
    /// Contracted green share of grid imports, 0-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_share: Option<f64>,
    /// On-site PV peak, behind the meter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pv_peak: Option<PowerW>,
    /// Local sunrise and sunset hours of the PV profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pv_hours: Option<[f64; 2]>,
    /// An hourly CSV, one row per hour from t = 0 (repeated when shorter than the horizon), with
    /// `carbon_kg_per_kwh` and/or `pv_kw` columns replacing the constant factor and the PV shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_file: Option<String>,
    /// A CSV of demand-response windows: `start_h,end_h,shed_kw` (hours from t = 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_response_file: Option<String>,
    /// Facility power cap (IT power without a facility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<PowerW>,
    /// Deadband of the cap controller, fraction (default 0.02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_margin: Option<f64>,
    /// Demand-response windows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demand_response: Vec<RawDemandResponse>,
    /// On-site battery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<RawBattery>,
    /// Deferral of deferrable classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferral: Option<RawDeferral>,
}

/// `prices = { valley = .., flat = .., peak = .., critical = .. }`, CNY/kWh.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrices {
    /// Valley price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valley: Option<f64>,
    /// Flat price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat: Option<f64>,
    /// Peak price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<f64>,
    /// Critical-peak price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<f64>,
}

/// `[[grid.demand_response]]`: a window and the power to shed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemandResponse {
    /// Start, from t = 0.
    pub start: DurationMs,
    /// End, from t = 0.
    pub end: DurationMs,
    /// Power to shed.
    pub shed: PowerW,
}

/// `[grid.battery]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBattery {
    /// Usable energy, kWh.
    pub capacity_kwh: f64,
    /// Charge and discharge rating.
    pub power: PowerW,
    /// Round-trip efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// Lowest state of charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_min: Option<f64>,
    /// Highest state of charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_max: Option<f64>,
    /// State of charge at t = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_initial: Option<f64>,
    /// arbitrage, peak-shaving or green.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Peak-shaving target; with the other policies, a ceiling for charging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<PowerW>,
}

/// `[grid.deferral]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeferral {
    /// Deferrable class names.
    pub classes: Vec<String>,
    /// Time after submission by which a deferrable job should end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DurationMs>,
    /// price (valley hours) or carbon (hours with on-site PV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

fn num(src: &Source, p: &FieldPath, v: Option<f64>, default: f64, lo: f64, hi: f64) -> R<f64> {
    let x = v.unwrap_or(default);
    if !(x.is_finite() && x >= lo && x <= hi) {
        return Err(src.error(p, format!("expected a number from {lo} to {hi}, found {x}")));
    }
    Ok(x)
}

/// 24 period letters (V, F, P, C) as periods.
fn hour_pattern(src: &Source, p: &FieldPath, pattern: &str) -> R<[Period; 24]> {
    let letters: Vec<Option<Period>> = pattern.chars().map(Period::from_letter).collect();
    if letters.len() != 24 || letters.iter().any(Option::is_none) {
        return Err(src.error(p, format!("expected 24 letters V, F, P or C (one per hour from 0:00), found {pattern:?}")));
    }
    let mut hours = [Period::Flat; 24];
    for (h, l) in hours.iter_mut().zip(&letters) {
        *h = l.unwrap_or(Period::Flat);
    }
    Ok(hours)
}

/// Resolves `[grid]`; `site_factor` is the site grid's emission factor, if any; `classes` the
/// scenario's class labels.
pub fn resolve(raw: Option<&RawGrid>, src: &Source, site_factor: Option<f64>, classes: &[String]) -> R<Option<GridConfig>> {
    let Some(g) = raw else { return Ok(None) };
    let p = FieldPath::root("grid");
    let rp = g.prices.clone().unwrap_or_default();
    let pp = p.key("prices");
    let valley = num(src, &pp.key("valley"), rp.valley, PRICES[0], 0.0, 100.0)?;
    let flat = num(src, &pp.key("flat"), rp.flat, PRICES[1], 0.0, 100.0)?;
    let peak = num(src, &pp.key("peak"), rp.peak, PRICES[2], 0.0, 100.0)?;
    let critical = num(src, &pp.key("critical"), rp.critical, peak * CRITICAL_OVER_PEAK, 0.0, 100.0)?;
    let hours = hour_pattern(src, &p.key("hours"), g.hours.as_deref().unwrap_or(HOURS))?;
    let mut seasons = Vec::new();
    for (i, season) in g.seasons.iter().flatten().enumerate() {
        let sp = p.key("seasons").index(i);
        if season.months.is_empty() || season.months.iter().any(|m| !(1..=12).contains(m)) {
            return Err(src.error(&sp.key("months"), "expected a non-empty list of months from 1 to 12"));
        }
        if let Some(m) = season.months.iter().find(|m| seasons.iter().any(|(ms, _): &(Vec<u32>, _)| ms.contains(m))) {
            return Err(src.error(&sp.key("months"), format!("month {m} is already in an earlier season")));
        }
        seasons.push((season.months.clone(), hour_pattern(src, &sp.key("hours"), &season.hours)?));
    }
    let critical_months = g.critical_months.clone().unwrap_or_else(|| vec![7, 8]);
    if critical_months.iter().any(|m| !(1..=12).contains(m)) {
        return Err(src.error(&p.key("critical_months"), "expected months from 1 to 12"));
    }
    let critical_hours = g.critical_hours.clone().unwrap_or_else(|| vec![12, 13]);
    if critical_hours.iter().any(|h| *h > 23) {
        return Err(src.error(&p.key("critical_hours"), "expected hours from 0 to 23"));
    }
    let tariff = Tariff { prices_cny_per_kwh: [valley, flat, peak, critical], hours, seasons, critical_months, critical_hours };
    let demand = num(src, &p.key("demand_charge"), g.demand_charge, DEMAND_CHARGE, 0.0, 1e4)?;
    let factor = num(src, &p.key("emission_factor"), g.emission_factor, site_factor.unwrap_or(NATIONAL_FACTOR), 0.0, 2.0)?;
    let share = num(src, &p.key("green_share"), g.green_share, 0.0, 0.0, 1.0)?;
    let pv_peak_w = num(src, &p.key("pv_peak"), g.pv_peak.map(|w| w.0), 0.0, 0.0, POWER_W)?;
    let [rise, set] = g.pv_hours.unwrap_or([6.0, 18.0]);
    if !((0.0..24.0).contains(&rise) && rise < set && set <= 24.0) {
        return Err(
            src.error(&p.key("pv_hours"), format!("expected [sunrise, sunset] with 0 <= sunrise < sunset <= 24, found [{rise}, {set}]"))
        );
    }
    let green = GreenSupply { contracted_share: share, pv_peak_w, pv_hours: (rise, set) };
    let cap_w = match g.cap {
        Some(c) if !(c.0.is_finite() && c.0 > 0.0) => return Err(src.error(&p.key("cap"), "expected a power above zero, like \"8MW\"")),
        c => c.map(|c| c.0),
    };
    let mut demand_response = Vec::with_capacity(g.demand_response.len());
    for (i, d) in g.demand_response.iter().enumerate() {
        let dp = p.key("demand_response").index(i);
        if d.end.0 <= d.start.0 {
            return Err(src.error(&dp.key("end"), "expected an end after the start"));
        }
        if !(d.shed.0.is_finite() && d.shed.0 >= 0.0) {
            return Err(src.error(&dp.key("shed"), "expected a power of zero or more"));
        }
        demand_response.push(DemandResponse { start_ms: d.start.0, end_ms: d.end.0, shed_w: d.shed.0, from_file: false });
    }
    let dir = src.file.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let demand_response_file = match &g.demand_response_file {
        Some(f) => Some(super::input::locate(f, &dir).map_err(|e| src.error(&p.key("demand_response_file"), e.to_string()))?),
        None => None,
    };
    if let Some(path) = demand_response_file.clone() {
        for (line, v) in read_csv(&path, &["start_h", "end_h", "shed_kw"])? {
            let (Some(s), Some(e), Some(k)) = (v[0], v[1], v[2]) else {
                return Err(csv_error(&path, Some(line), "start_h", "expected start_h, end_h and shed_kw on every row"));
            };
            if !(s >= 0.0 && e > s && e <= MAX_HOURS && (0.0..=POWER_W / 1e3).contains(&k)) {
                return Err(csv_error(
                    &path,
                    Some(line),
                    "end_h",
                    "expected 0 <= start_h < end_h <= 8,760,000 (1000 years) and 0 <= shed_kw <= 1e8",
                ));
            }
            let ms = |h: f64| (h * HOUR_MS as f64).round() as u64;
            demand_response.push(DemandResponse { start_ms: ms(s), end_ms: ms(e), shed_w: k * 1000.0, from_file: true });
        }
    }
    demand_response.sort_by_key(|d| d.start_ms);
    let mut hourly = Hourly::default();
    if let Some(f) = &g.hourly_file {
        let path = super::input::locate(f, &dir).map_err(|e| src.error(&p.key("hourly_file"), e.to_string()))?;
        let rows = read_csv(&path, &["carbon_kg_per_kwh", "pv_kw"])?;
        if rows.is_empty() {
            return Err(csv_error(&path, None, "rows", "expected at least one hourly row"));
        }
        for (line, v) in &rows {
            for (i, (name, lo, hi)) in [("carbon_kg_per_kwh", 0.0, 2.0), ("pv_kw", 0.0, POWER_W / 1e3)].into_iter().enumerate() {
                if let Some(x) = v[i]
                    && !(lo..=hi).contains(&x)
                {
                    return Err(csv_error(&path, Some(*line), name, format!("expected a number from {lo} to {hi}, found {x}")));
                }
            }
        }
        let column = |i: usize| -> Vec<f64> {
            if rows.iter().all(|(_, v)| v[i].is_some()) { rows.iter().map(|(_, v)| v[i].unwrap_or(0.0)).collect() } else { Vec::new() }
        };
        hourly = Hourly { file: None, carbon_kg_per_kwh: column(0), pv_w: column(1).iter().map(|k| k * 1000.0).collect() };
        if hourly.carbon_kg_per_kwh.is_empty() && hourly.pv_w.is_empty() {
            return Err(csv_error(&path, Some(1), "header", "expected a carbon_kg_per_kwh or pv_kw column filled on every row"));
        }
        hourly.file = Some(path);
    }
    let battery = g.battery.as_ref().map(|b| battery(b, src, &p.key("battery"))).transpose()?;
    let deferral = match &g.deferral {
        None => None,
        Some(d) => {
            let dp = p.key("deferral");
            for (i, c) in d.classes.iter().enumerate() {
                if !classes.contains(c) {
                    return Err(
                        src.error(&dp.key("classes").index(i), format!("unknown class {c:?}; expected one of {}", classes.join(", ")))
                    );
                }
            }
            let signal = match d.signal.as_deref() {
                None => DeferSignal::Price,
                Some(s) => DeferSignal::ALL
                    .iter()
                    .find(|(_, n)| *n == s)
                    .map(|(k, _)| *k)
                    .ok_or_else(|| src.error(&dp.key("signal"), format!("expected \"price\" or \"carbon\", found {s:?}")))?,
            };
            if signal == DeferSignal::Carbon && pv_peak_w <= 0.0 && hourly.pv_w.is_empty() && hourly.carbon_kg_per_kwh.is_empty() {
                return Err(src.error(
                    &dp.key("signal"),
                    "signal \"carbon\" follows on-site PV or an hourly carbon column: set grid.pv_peak or grid.hourly_file",
                ));
            }
            let deadline_ms = d.deadline.map_or(24 * HOUR_MS, |d| d.0);
            if deadline_ms == 0 {
                return Err(src.error(&dp.key("deadline"), "expected a deadline above zero, like \"24h\""));
            }
            Some(Deferral { signal, classes: d.classes.clone(), deadline_ms })
        }
    };
    let cap_margin = num(src, &p.key("cap_margin"), g.cap_margin, CAP_MARGIN, 0.0, 0.5)?;
    Ok(Some(GridConfig {
        hourly,
        demand_response_file,
        tariff,
        demand_charge_cny_per_kw_month: demand,
        emission_factor_kg_per_kwh: factor,
        green,
        battery,
        cap_w,
        cap_margin,
        demand_response,
        deferral,
    }))
}

/// Reads the named columns of a CSV (a missing column or empty cell gives None); returns
/// (1-based line, values) per row.
fn read_csv(path: &Path, names: &[&str]) -> R<Vec<(usize, Vec<Option<f64>>)>> {
    let mut rdr = super::input::csv_reader(path)?;
    let headers = rdr.headers().map_err(|e| super::input::csv_failure(path, &e, true))?.clone();
    let cols: Vec<Option<usize>> = names.iter().map(|n| headers.iter().position(|h| h == *n)).collect();
    if cols.iter().all(Option::is_none) {
        return Err(csv_error(path, Some(1), "header", format!("expected a column among {}", names.join(", "))));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| super::input::csv_failure(path, &e, false))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut v = Vec::with_capacity(names.len());
        for (c, name) in cols.iter().zip(names) {
            let cell = c.and_then(|i| rec.get(i)).unwrap_or("");
            v.push(if cell.is_empty() {
                None
            } else {
                Some(
                    cell.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| csv_error(path, Some(line), name, format!("expected a number, found {cell:?}")))?,
                )
            });
        }
        out.push((line, v));
    }
    Ok(out)
}

fn battery(b: &RawBattery, src: &Source, p: &FieldPath) -> R<BatteryConfig> {
    let capacity = num(src, &p.key("capacity_kwh"), Some(b.capacity_kwh), 0.0, 0.0, 1e9)?;
    if capacity <= 0.0 {
        return Err(src.error(&p.key("capacity_kwh"), "expected a capacity above zero, kWh"));
    }
    let power_w = num(src, &p.key("power"), Some(b.power.0), 0.0, 0.0, POWER_W)?;
    let round_trip = num(src, &p.key("efficiency"), b.efficiency, 0.88, 0.01, 1.0)?;
    let soc_min = num(src, &p.key("soc_min"), b.soc_min, 0.1, 0.0, 1.0)?;
    let soc_max = num(src, &p.key("soc_max"), b.soc_max, 0.9, 0.0, 1.0)?;
    if soc_max <= soc_min {
        return Err(src.error(&p.key("soc_max"), format!("expected soc_max above soc_min ({soc_min}), found {soc_max}")));
    }
    let soc_initial = num(src, &p.key("soc_initial"), b.soc_initial, 0.5_f64.clamp(soc_min, soc_max), soc_min, soc_max)?;
    let policy =
        match b.policy.as_deref() {
            None => Policy::Arbitrage,
            Some(s) => Policy::ALL.iter().find(|(_, n)| *n == s).map(|(k, _)| *k).ok_or_else(|| {
                src.error(&p.key("policy"), format!("expected \"arbitrage\", \"peak-shaving\" or \"green\", found {s:?}"))
            })?,
        };
    let target_w = match (policy, b.target) {
        (Policy::PeakShaving, None) => return Err(src.error(&p.key("target"), "policy \"peak-shaving\" needs a target, like \"5MW\"")),
        (_, t) => num(src, &p.key("target"), t.map(|t| t.0), 0.0, 0.0, POWER_W)?,
    };
    Ok(BatteryConfig { capacity_j: capacity * J_PER_KWH, power_w, round_trip, soc_min, soc_max, soc_initial, policy, target_w })
}

/// The resolved section written back with every default spelled out (`scenario.resolved.toml`):
/// the tariff, carbon and PV defaults, the battery's, the deferral's and, with a cap, its margin.
pub fn unparse(g: &GridConfig) -> RawGrid {
    let t = &g.tariff;
    let [valley, flat, peak, critical] = t.prices_cny_per_kwh;
    let letters = |hours: &[Period; 24]| hours.iter().map(|p| p.letter()).collect::<String>();
    RawGrid {
        prices: Some(RawPrices { valley: Some(valley), flat: Some(flat), peak: Some(peak), critical: Some(critical) }),
        hours: Some(t.pattern()),
        critical_months: Some(t.critical_months.clone()),
        critical_hours: Some(t.critical_hours.clone()),
        seasons: (!t.seasons.is_empty())
            .then(|| t.seasons.iter().map(|(months, hours)| RawSeason { months: months.clone(), hours: letters(hours) }).collect()),
        demand_charge: Some(g.demand_charge_cny_per_kw_month),
        emission_factor: Some(g.emission_factor_kg_per_kwh),
        green_share: Some(g.green.contracted_share),
        pv_peak: Some(PowerW(g.green.pv_peak_w)),
        pv_hours: Some([g.green.pv_hours.0, g.green.pv_hours.1]),
        hourly_file: g.hourly.file.as_ref().map(|f| f.display().to_string()),
        demand_response_file: g.demand_response_file.as_ref().map(|f| f.display().to_string()),
        cap: g.cap_w.map(PowerW),
        cap_margin: (g.cap_w.is_some() || g.cap_margin != CAP_MARGIN).then_some(g.cap_margin),
        demand_response: g
            .demand_response
            .iter()
            .filter(|d| !d.from_file)
            .map(|d| RawDemandResponse { start: DurationMs(d.start_ms), end: DurationMs(d.end_ms), shed: PowerW(d.shed_w) })
            .collect(),
        battery: g.battery.as_ref().map(|b| RawBattery {
            capacity_kwh: unscaled(b.capacity_j, J_PER_KWH),
            power: PowerW(b.power_w),
            efficiency: Some(b.round_trip),
            soc_min: Some(b.soc_min),
            soc_max: Some(b.soc_max),
            soc_initial: Some(b.soc_initial),
            policy: Some(b.policy.name().to_string()),
            target: Some(PowerW(b.target_w)),
        }),
        deferral: g.deferral.as_ref().map(|d| RawDeferral {
            classes: d.classes.clone(),
            deadline: Some(DurationMs(d.deadline_ms)),
            signal: Some(d.signal.name().to_string()),
        }),
    }
}

/// The value x written in a unit of `factor` SI units whose product x · factor is `si` exactly
/// (the resolver multiplied it so): si / factor or one of its nearest neighbours, so that the
/// written-back value resolves to the same `si`.
fn unscaled(si: f64, factor: f64) -> f64 {
    let x = si / factor;
    let (mut lo, mut hi) = (x, x);
    for _ in 0..4 {
        if lo * factor == si {
            return lo;
        }
        if hi * factor == si {
            return hi;
        }
        (lo, hi) = (lo.next_down(), hi.next_up());
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_back_battery_energy_resolves_to_the_same_joules() {
        for kwh in [0.1, 0.3, 7.7, 10.0, 300.0, 1234.567, 2000.0, 1e-3] {
            let j = kwh * J_PER_KWH;
            assert_eq!(unscaled(j, J_PER_KWH) * J_PER_KWH, j, "{kwh} kWh");
        }
    }
}
