//! Resolving the facility part of a scenario: start date, climate, weather file, grid, the
//! power chain and plant (`[facility]`) and each hall's cooling.
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `simulation.start` | 2025-01-01 | |
//! | transformer | 2 units (2N), each rated 1.5 x IT design; P0 0.15 %, Pk 0.8 % of rating | BRIEF §3 (P0 0.1-0.2 %, Pk 0.7-1 %) \[unverified\] |
//! | UPS | double conversion, 2N, modules of up to 500 kW sized to the IT design; L0 1 %, k1 1 %, k2 1.5 % | Schneider WP108 (BRIEF §3) [rule of thumb] |
//! | UPS eco mode | L0 0.3 %, k1 0.5 %, k2 0.2 % (about 99 % at half load) | BRIEF §3 (eco ~99 %) [rule of thumb] |
//! | `pdu_loss` | 0.5 % at rated load | BRIEF §3 (0.3-1 %) \[unverified\] |
//! | `auxiliary` | 1 % of IT design (lighting, offices, security, BMS) | [rule of thumb] |
//! | chilled water | 15 °C supply, 6 K, towers, chillers, 250 kPa, pump η 0.7 | [rule of thumb] for modern centers (12-18 °C) |
//! | facility water | 32 °C supply (ASHRAE W32), 10 K, towers, trim chillers, 200 kPa, η 0.7 | ASHRAE liquid classes; BRIEF §4 (10 K CDU example) |
//! | chiller | COP 5.5, 2 duty units per loop, N+1, Carnot η 0.59 | DOE-2 reference chiller (BRIEF §4); η calibrated to give 5.5 at the reference point |
//! | tower | approach 4 K, fans 1 % of heat at design, 4 cycles, drift 0.02 %, range 5 K | BRIEF §4 (3-4 K; make-up 1.5-1.8 L/kWh) |
//! | dry cooler | approach 8 K, fans 2.5 % of heat at design | BRIEF §4 (5-10 K) [rule of thumb] |
//! | `hx_approach` | 1.5 K | BRIEF §4 (1-2 K) |
//! | `loop_time_constant` | 10 min | BRIEF §4 (facility loops: minutes) |
//! | air cooling | CRAH fans 4 % of air heat at design, 30 % minimum airflow, inlet 8 K above chilled water, R 0.08 K/W | [rule of thumb] |
//! | cold plate | 80 % of heat to liquid, CDU approach 3 K, 250 kPa, η 0.6, R 0.05 K/W | BRIEF §4 (70-90 %; 200-300 kPa, η 0.6; 0.04-0.06 K/W) |
//! | immersion | all heat to liquid, no server fans, R 0.06 K/W | BRIEF §4 [rule of thumb for R] |
//! | `throttle_temp` | 87 °C | BRIEF §4 (H100 maximum operating temperature) |
//! | `era` | modern; legacy: constant-speed pumps and CRAH fans, no economizer, 7/12 °C chilled water, chiller COP 5.1 | GB 50174-2008 designs; GB 50189-2005 minimum COP \[unverified\] |
//! | chiller head pressure | minimum entering condenser 15 °C, COP ceiling 10 | 13-18 °C typical of centrifugal chillers \[rule of thumb\] |
//! | air-cooled chiller | COP 3.4 (legacy 3.0) at AHRI 550/590, condensing 15 K above the dry-bulb, fans 0.02 W/W | ASHRAE 90.1-2010 minimum ≈ 2.8 with fans \[unverified\] |
//! | tower airflow | design wet-bulb 28 °C, exponent 0.6; basin heaters 160 W/K per MW below 0 °C | ASHRAE Handbook (n 0.4-0.8) \[unverified\]; see `model::facility::tower` |
//! | DX CRAC | COP 3.0 at 35 °C outdoor | EnergyPlus example DX curves \[unverified\]; see `model::facility::dx` |

use std::path::Path;

use super::error::{FieldPath, ScenarioError, Source, csv_error};
use super::raw::*;
use crate::catalog::climates;
use crate::config::*;
use crate::model::facility::weather::stull_wet_bulb;
use crate::time::calendar::Date;

type R<T> = Result<T, ScenarioError>;

const UPS_MODULE_MAX_W: f64 = 500e3;
/// The most transformers or duty chillers of a plant: the largest campuses have dozens.
const MAX_UNITS: u32 = 1000;
/// The longest loop time constant, ms: water loops settle in minutes (BRIEF §4); a week is no loop.
const MAX_LOOP_TAU_MS: u64 = 7 * 86_400_000;
const TRANSFORMER_SIZING: f64 = 1.5;

/// The resolved site and facility fields of a scenario.
pub struct SiteFacility {
    /// Date of t = 0.
    pub start: Date,
    /// Climate.
    pub climate: Option<(String, crate::catalog::ClimateSpec)>,
    /// Measured weather.
    pub weather: Option<WeatherSeries>,
    /// Grid.
    pub grid: Option<crate::catalog::GridSpec>,
    /// Emission factor override.
    pub emission_factor: Option<f64>,
    /// Plant and chain.
    pub facility: Option<Facility>,
}

fn frac(src: &Source, v: Option<f64>, default: f64, p: &FieldPath, lo: f64, hi: f64) -> R<f64> {
    let x = v.unwrap_or(default);
    if !(x.is_finite() && x >= lo && x <= hi) {
        return Err(src.error(p, format!("expected a number from {lo} to {hi}, found {x}")));
    }
    Ok(x)
}

fn redundancy(src: &Source, v: &Option<String>, default: Redundancy, p: &FieldPath) -> R<Redundancy> {
    match v {
        None => Ok(default),
        Some(name) => Redundancy::ALL
            .iter()
            .find(|(_, n)| n == name)
            .map(|(r, _)| *r)
            .ok_or_else(|| src.error(p, format!("expected \"N\", \"N+1\" or \"2N\", found {name:?}"))),
    }
}

/// Resolves the site's climate, weather and grid, the start date and the facility.
pub fn resolve(raw: &RawScenario, src: &Source, dir: &Path, it_design_w: f64) -> R<SiteFacility> {
    let start = match &raw.simulation.start {
        None => Date { year: 2025, month: 1, day: 1 },
        Some(s) => Date::parse(s).ok_or_else(|| {
            src.error(&FieldPath::root("simulation").key("start"), format!("expected a date \"YYYY-MM-DD\", found {s:?}"))
        })?,
    };
    let site = raw.site.clone().unwrap_or_default();
    let sp = FieldPath::root("site");
    let climate = match &site.climate {
        None => None,
        Some(name) if name.ends_with(".toml") => {
            let path = super::input::locate(name, dir).map_err(|e| src.error(&sp.key("climate"), e.to_string()))?;
            let text = super::input::read_text(&path, super::input::MAX_TEXT_BYTES)
                .map_err(|e| csv_error(&path, None, "climate", format!("cannot read: {e}")))?;
            let spec = climates::ClimateSpec::parse(&text).map_err(|e| csv_error(&path, None, "climate", e.to_string()))?;
            Some((path.display().to_string(), spec))
        }
        Some(id) => match climates::climate(id) {
            Some(Ok(spec)) => Some((id.clone(), spec)),
            Some(Err(e)) => return Err(src.error(&sp.key("climate"), format!("built-in climate {id:?} is broken: {e}"))),
            None => {
                return Err(src.error(
                    &sp.key("climate"),
                    format!(
                        "unknown climate {id:?}; expected one of {} or a path to a .toml climate file",
                        climates::climate_ids().join(", ")
                    ),
                ));
            }
        },
    };
    let weather = match &site.weather_file {
        None => None,
        Some(f) => {
            let cols = site.weather_columns.clone().unwrap_or(RawWeatherColumns {
                time: "time".into(),
                dry_bulb: "dry_bulb".into(),
                wet_bulb: Some("wet_bulb".into()),
                relative_humidity: None,
            });
            let path = super::input::locate(f, dir).map_err(|e| src.error(&sp.key("weather_file"), e.to_string()))?;
            Some(WeatherSeries { rows: read_weather(&path, &cols, start)?, file: path, columns: (&cols).into() })
        }
    };
    let grid_id = site.grid.clone().or_else(|| climate.as_ref().and_then(|(_, c)| c.grid.clone()));
    let grid = match grid_id {
        None => None,
        Some(id) => match climates::grid(&id) {
            Some(Ok(g)) => Some(g),
            _ => {
                return Err(src.error(&sp.key("grid"), format!("unknown grid {id:?}; expected one of {}", climates::grid_ids().join(", "))));
            }
        },
    };
    let emission_factor = match site.emission_factor {
        Some(f) if !(f.is_finite() && (0.0..=2.0).contains(&f)) => {
            return Err(src.error(&sp.key("emission_factor"), format!("expected kg CO2 per kWh from 0 to 2, found {f}")));
        }
        f => f,
    };
    let facility = match &raw.facility {
        None => None,
        Some(f) => {
            if climate.is_none() && weather.is_none() {
                return Err(src.error(
                    &sp.key("climate"),
                    format!(
                        "a [facility] needs outdoor conditions: set site.climate (one of {}) or site.weather_file",
                        climates::climate_ids().join(", ")
                    ),
                ));
            }
            Some(facility(f, src, it_design_w)?)
        }
    };
    Ok(SiteFacility { start, climate, weather, grid, emission_factor, facility })
}

/// The era a raw facility names (unknown names resolve as modern here; [`facility`] reports them).
pub fn era_of(f: Option<&RawFacility>) -> Era {
    match f.and_then(|f| f.era.as_deref()) {
        Some("legacy") => Era::Legacy,
        _ => Era::Modern,
    }
}

fn speed(src: &Source, v: &Option<String>, default: SpeedControl, p: &FieldPath) -> R<SpeedControl> {
    match v {
        None => Ok(default),
        Some(name) => SpeedControl::ALL
            .iter()
            .find(|(_, n)| n == name)
            .map(|(c, _)| *c)
            .ok_or_else(|| src.error(p, format!("expected \"variable\" or \"constant\", found {name:?}"))),
    }
}

fn facility(f: &RawFacility, src: &Source, it_design_w: f64) -> R<Facility> {
    let p = FieldPath::root("facility");
    let era = match f.era.as_deref() {
        None | Some("modern") => Era::Modern,
        Some("legacy") => Era::Legacy,
        Some(other) => return Err(src.error(&p.key("era"), format!("expected \"modern\" or \"legacy\", found {other:?}"))),
    };
    let legacy = era == Era::Legacy;
    let t = f.transformer.clone().unwrap_or_default();
    let tp = p.key("transformer");
    let transformer_units = t.units.unwrap_or(2);
    if transformer_units == 0 || transformer_units > MAX_UNITS {
        return Err(src.error(&tp.key("units"), format!("expected 1 to {MAX_UNITS} transformers")));
    }
    let u = f.ups.clone().unwrap_or_default();
    let up = p.key("ups");
    let ups_mode = u.mode.clone().unwrap_or_else(|| "double-conversion".into());
    let (l0, k1, k2) = match ups_mode.as_str() {
        "double-conversion" => (0.01, 0.01, 0.015),
        "eco" => (0.003, 0.005, 0.002),
        other => return Err(src.error(&up.key("mode"), format!("expected \"double-conversion\" or \"eco\", found {other:?}"))),
    };
    let pdu_loss = frac(src, f.pdu_loss, 0.005, &p.key("pdu_loss"), 0.0, 0.1)?;
    let n_modules = (it_design_w * (1.0 + pdu_loss) / UPS_MODULE_MAX_W).ceil().max(1.0);
    let default_module = it_design_w * (1.0 + pdu_loss) / n_modules;
    let pos = |v: Option<crate::scenario::units::PowerW>, d: f64, path: FieldPath| -> R<f64> {
        let x = v.map_or(d, |x| x.0);
        if x > 0.0 && x.is_finite() { Ok(x) } else { Err(src.error(&path, "expected a positive power like \"500kW\"")) }
    };
    let chiller = f.chiller.clone().unwrap_or_default();
    let cp = p.key("chiller");
    let chiller_units = chiller.units.unwrap_or(2);
    if chiller_units == 0 || chiller_units > MAX_UNITS {
        return Err(src.error(&cp.key("units"), format!("expected 1 to {MAX_UNITS} duty chillers")));
    }
    let tower = f.tower.clone().unwrap_or_default();
    let twp = p.key("tower");
    let dry = f.dry_cooler.clone().unwrap_or_default();
    let dp = p.key("dry_cooler");
    let tau = f.loop_time_constant.map_or(600_000, |d| d.0);
    if tau == 0 || tau > MAX_LOOP_TAU_MS {
        return Err(src.error(&p.key("loop_time_constant"), "expected a positive time constant of at most a week, like \"10m\""));
    }
    let cycles = frac(src, tower.cycles, 4.0, &twp.key("cycles"), 1.5, 20.0)?;
    let ac = f.air_cooled_chiller.clone().unwrap_or_default();
    let acp = p.key("air_cooled_chiller");
    Ok(Facility {
        transformer_units,
        transformer_rating_w: pos(t.rating, TRANSFORMER_SIZING * it_design_w / transformer_units as f64 * 2.0, tp.key("rating"))?,
        transformer_no_load: frac(src, t.no_load_loss, 0.0015, &tp.key("no_load_loss"), 0.0, 0.05)?,
        transformer_load_loss: frac(src, t.load_loss, 0.008, &tp.key("load_loss"), 0.0, 0.1)?,
        ups_mode,
        ups_redundancy: redundancy(src, &u.redundancy, Redundancy::TwoN, &up.key("redundancy"))?,
        ups_module_rating_w: pos(u.module_rating, default_module, up.key("module_rating"))?,
        ups_l0: frac(src, u.no_load_loss, l0, &up.key("no_load_loss"), 0.0, 0.1)?,
        ups_k1: frac(src, u.proportional_loss, k1, &up.key("proportional_loss"), 0.0, 0.1)?,
        ups_k2: frac(src, u.square_loss, k2, &up.key("square_loss"), 0.0, 0.1)?,
        pdu_loss,
        auxiliary: frac(src, f.auxiliary, 0.01, &p.key("auxiliary"), 0.0, 0.5)?,
        chilled_water: if legacy {
            water_loop(src, f.chilled_water.as_ref(), &p.key("chilled_water"), 7.0, 5.0, 250e3, era)?
        } else {
            water_loop(src, f.chilled_water.as_ref(), &p.key("chilled_water"), 15.0, 6.0, 250e3, era)?
        },
        facility_water: water_loop(src, f.facility_water.as_ref(), &p.key("facility_water"), 32.0, 10.0, 200e3, era)?,
        chiller_cop: frac(src, chiller.cop, if legacy { 5.1 } else { 5.5 }, &cp.key("cop"), 1.0, 15.0)?,
        chiller_units,
        chiller_redundancy: redundancy(src, &chiller.redundancy, Redundancy::NPlus1, &cp.key("redundancy"))?,
        chiller_carnot_eta: frac(src, chiller.carnot_efficiency, 0.59, &cp.key("carnot_efficiency"), 0.2, 0.9)?,
        tower_approach_k: frac(src, tower.approach.map(|d| d.0), 4.0, &twp.key("approach"), 0.5, 20.0)?,
        tower_fan_w_per_w: frac(src, tower.fan_power, 0.01, &twp.key("fan_power"), 0.0, 0.2)?,
        tower_cycles: cycles,
        tower_drift: frac(src, tower.drift, 0.0002, &twp.key("drift"), 0.0, 0.05)?,
        tower_range_k: frac(src, tower.range.map(|d| d.0), 5.0, &twp.key("range"), 1.0, 20.0)?,
        dry_approach_k: frac(src, dry.approach.map(|d| d.0), 8.0, &dp.key("approach"), 0.5, 30.0)?,
        dry_fan_w_per_w: frac(src, dry.fan_power, 0.025, &dp.key("fan_power"), 0.0, 0.2)?,
        hx_approach_k: frac(src, f.hx_approach.map(|d| d.0), 1.5, &p.key("hx_approach"), 0.0, 10.0)?,
        loop_tau_ms: tau,
        alarm_margin_k: frac(src, f.alarm_margin.map(|d| d.0), 1.0, &p.key("alarm_margin"), 0.0, 20.0)?,
        era,
        chiller_min_condenser_c: frac(src, chiller.min_condenser_temp.map(|t| t.0), 15.0, &cp.key("min_condenser_temp"), -20.0, 40.0)?,
        chiller_max_cop: frac(src, chiller.max_cop, 10.0, &cp.key("max_cop"), 1.0, 30.0)?,
        air_chiller_cop: frac(src, ac.cop, if legacy { 3.0 } else { 3.4 }, &acp.key("cop"), 1.0, 10.0)?,
        air_chiller_condenser_k: frac(src, ac.condenser_approach.map(|d| d.0), 15.0, &acp.key("condenser_approach"), 3.0, 30.0)?,
        air_chiller_fan_w_per_w: frac(src, ac.fan_power, 0.02, &acp.key("fan_power"), 0.0, 0.2)?,
        tower_design_wb_c: frac(src, tower.design_wet_bulb.map(|t| t.0), 28.0, &twp.key("design_wet_bulb"), 0.0, 40.0)?,
        tower_exponent: frac(src, tower.exponent, 0.6, &twp.key("exponent"), 0.3, 1.0)?,
        basin_heater_w_per_k_mw: frac(src, tower.basin_heater, 160.0, &twp.key("basin_heater"), 0.0, 10_000.0)?,
        basin_heater_setpoint_c: frac(src, tower.basin_heater_setpoint.map(|t| t.0), 0.0, &twp.key("basin_heater_setpoint"), -20.0, 10.0)?,
    })
}

#[allow(clippy::too_many_arguments)]
fn water_loop(src: &Source, l: Option<&RawLoop>, p: &FieldPath, supply: f64, dt: f64, pa: f64, era: Era) -> R<LoopConfig> {
    let l = l.cloned().unwrap_or_default();
    let supply_c = l.supply.map_or(supply, |t| t.0);
    if !(0.0..=70.0).contains(&supply_c) {
        return Err(src.error(&p.key("supply"), format!("expected a supply temperature from 0 to 70 °C, found {supply_c}")));
    }
    let rejection = match l.rejection.as_deref().unwrap_or("tower") {
        "tower" => RejectionKind::Tower,
        "dry-cooler" => RejectionKind::DryCooler,
        "air-cooled-chiller" => RejectionKind::AirCooledChiller,
        other => {
            return Err(
                src.error(&p.key("rejection"), format!("expected \"tower\", \"dry-cooler\" or \"air-cooled-chiller\", found {other:?}"))
            );
        }
    };
    let legacy = era == Era::Legacy;
    let chillers = l.chillers.unwrap_or(true);
    let economizer = l.economizer.unwrap_or(!legacy);
    if !chillers && !economizer {
        return Err(
            src.error(&p.key("economizer"), "a loop without chillers needs its economizer; set economizer = true or chillers = true")
        );
    }
    if rejection == RejectionKind::AirCooledChiller && !chillers {
        return Err(src.error(&p.key("chillers"), "a loop with rejection = \"air-cooled-chiller\" has chillers; drop chillers = false"));
    }
    Ok(LoopConfig {
        supply_c,
        delta_t_k: frac(src, l.delta_t.map(|d| d.0), dt, &p.key("delta_t"), 1.0, 30.0)?,
        rejection,
        chillers,
        pump_pa: frac(src, l.pump_pressure.map(|d| d.0), pa, &p.key("pump_pressure"), 0.0, 2e6)?,
        pump_eta: frac(src, l.pump_efficiency, 0.7, &p.key("pump_efficiency"), 0.1, 1.0)?,
        pumps: speed(src, &l.pumps, if legacy { SpeedControl::Constant } else { SpeedControl::Variable }, &p.key("pumps"))?,
        economizer,
    })
}

/// Resolves a hall's cooling (defaults by kind).
pub fn cooling(c: Option<&RawCooling>, src: &Source, p: &FieldPath, era: Era) -> R<Cooling> {
    let c = c.cloned().unwrap_or_else(|| RawCooling { kind: "air".into(), ..Default::default() });
    let Some(kind) = CoolingKind::ALL.iter().find(|(_, n)| *n == c.kind).map(|(k, _)| *k) else {
        return Err(src.error(&p.key("kind"), format!("expected \"air\", \"cold-plate\" or \"immersion\", found {:?}", c.kind)));
    };
    let (liquid, r) = match kind {
        CoolingKind::Air => (0.0, 0.08),
        CoolingKind::ColdPlate => (0.8, 0.05),
        CoolingKind::Immersion => (1.0, 0.06),
    };
    let liquid_fraction = match (kind, c.liquid_fraction) {
        (CoolingKind::ColdPlate, v) => frac(src, v, liquid, &p.key("liquid_fraction"), 0.0, 1.0)?,
        (_, Some(_)) => return Err(src.error(&p.key("liquid_fraction"), "only a cold-plate hall takes a liquid_fraction")),
        (_, None) => liquid,
    };
    let throttle_c = c.throttle_temp.map_or(87.0, |t| t.0);
    if !(20.0..=150.0).contains(&throttle_c) {
        return Err(src.error(&p.key("throttle_temp"), format!("expected a junction temperature from 20 to 150 °C, found {throttle_c}")));
    }
    let unit = match c.unit.as_deref() {
        None | Some("crah") => AirUnit::Crah,
        Some("crac-dx") if kind != CoolingKind::Immersion => AirUnit::CracDx,
        Some("crac-dx") => return Err(src.error(&p.key("unit"), "an immersion hall has no air units; drop unit")),
        Some(other) => return Err(src.error(&p.key("unit"), format!("expected \"crah\" or \"crac-dx\", found {other:?}"))),
    };
    let fans_default = if era == Era::Legacy { SpeedControl::Constant } else { SpeedControl::Variable };
    Ok(Cooling {
        unit,
        fans: speed(src, &c.fans, fans_default, &p.key("fans"))?,
        dx_cop: frac(src, c.dx_cop, 3.0, &p.key("dx_cop"), 1.0, 10.0)?,
        kind,
        liquid_fraction,
        crah_fan_w_per_w: frac(src, c.crah_fan_power, 0.04, &p.key("crah_fan_power"), 0.0, 0.3)?,
        crah_min_airflow: frac(src, c.crah_min_airflow, 0.3, &p.key("crah_min_airflow"), 0.0, 1.0)?,
        air_approach_k: frac(src, c.air_approach.map(|d| d.0), 8.0, &p.key("air_approach"), 0.0, 30.0)?,
        cdu_approach_k: frac(src, c.cdu_approach.map(|d| d.0), 3.0, &p.key("cdu_approach"), 0.0, 20.0)?,
        cdu_pa: frac(src, c.cdu_pressure.map(|d| d.0), 250e3, &p.key("cdu_pressure"), 0.0, 2e6)?,
        cdu_eta: frac(src, c.cdu_pump_efficiency, 0.6, &p.key("cdu_pump_efficiency"), 0.1, 1.0)?,
        r_k_per_w: frac(src, c.thermal_resistance, r, &p.key("thermal_resistance"), 0.001, 1.0)?,
        throttle_c,
    })
}

/// Reads a weather CSV: time (hours since start or "YYYY-MM-DD HH:MM"), dry-bulb °C, and wet-bulb
/// °C or relative humidity %.
fn read_weather(path: &Path, cols: &RawWeatherColumns, start: Date) -> R<Vec<(f64, Conditions)>> {
    let mut rdr = super::input::csv_reader(path)?;
    let headers = rdr.headers().map_err(|e| super::input::csv_failure(path, &e, true))?.clone();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            csv_error(
                path,
                Some(1),
                name,
                format!("column {name:?} not found; the header has: {}", super::input::header_list(headers.iter())),
            )
        })
    };
    let (tc, dc) = (find(&cols.time)?, find(&cols.dry_bulb)?);
    let (wc, rc) = match (&cols.wet_bulb, &cols.relative_humidity) {
        (Some(w), _) => (Some(find(w)?), None),
        (None, Some(r)) => (None, Some(find(r)?)),
        (None, None) => return Err(csv_error(path, Some(1), "wet_bulb", "expected a wet_bulb or a relative_humidity column")),
    };
    let start_days = start.days();
    let mut rows: Vec<(f64, Conditions)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| super::input::csv_failure(path, &e, false))?;
        let line = rec.position().map(|p| p.line() as usize);
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let num = |i: usize, name: &str, lo: f64, hi: f64| -> R<f64> {
            match cell(i).parse::<f64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(csv_error(path, line, name, format!("expected a number from {lo} to {hi}, found {:?}", cell(i)))),
            }
        };
        let hours = match cell(tc).parse::<f64>() {
            Ok(h) if h.is_finite() => h,
            _ => stamp_hours(cell(tc), start_days).ok_or_else(|| {
                csv_error(path, line, &cols.time, format!("expected hours or \"YYYY-MM-DD HH:MM\", found {:?}", cell(tc)))
            })?,
        };
        if rows.last().is_some_and(|(h, _)| *h >= hours) {
            return Err(csv_error(path, line, &cols.time, "expected times in increasing order"));
        }
        let db = num(dc, &cols.dry_bulb, -60.0, 60.0)?;
        let wb = match (wc, rc) {
            (Some(i), _) => num(i, cols.wet_bulb.as_deref().unwrap_or(""), -60.0, 60.0)?.min(db),
            (_, Some(i)) => stull_wet_bulb(db, num(i, cols.relative_humidity.as_deref().unwrap_or(""), 0.0, 100.0)?),
            _ => db,
        };
        rows.push((hours, Conditions { dry_bulb_c: db, wet_bulb_c: wb }));
    }
    if rows.len() < 2 {
        return Err(csv_error(path, None, "rows", "expected at least two weather rows"));
    }
    Ok(rows)
}

/// Hours since the start of a "YYYY-MM-DD HH:MM" (or "T") stamp.
fn stamp_hours(s: &str, start_days: i64) -> Option<f64> {
    let (date, time) = s.split_once([' ', 'T'])?;
    let d = Date::parse(date)?;
    let (h, m) = time.split_once(':')?;
    let (h, m): (f64, f64) = (h.parse().ok()?, m.get(..2).unwrap_or(m).parse().ok()?);
    Some((d.days() - start_days) as f64 * 24.0 + h + m / 60.0)
}
