//! Resolving the facility part of a scenario: start date, climate, weather file, grid, the
//! power chain and plant (`[facility]`) and each hall's cooling (in `hall_cooling`; weather CSVs
//! are read in `weather_csv`).
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `simulation.start` | 2025-01-01 | |
//! | transformer | 2 units (2N), each rated 1.5 x IT design; P0 0.15 %, Pk 0.8 % of rating | BRIEF §3 (P0 0.1-0.2 %, Pk 0.7-1 %) \[unverified\] |
//! | UPS | double conversion, 2N, modules of up to 500 kW sized to the IT design; L0 1 %, k1 1 %, k2 1.5 % | Schneider WP108 (BRIEF §3) [rule of thumb] |
//! | UPS eco mode | L0 0.3 %, k1 0.5 %, k2 0.2 % (about 99 % at half load) | BRIEF §3 (eco ~99 %) [rule of thumb] |
//! | `pdu_loss` | 0.5 % at rated load | BRIEF §3 (0.3-1 %) \[unverified\] |
//! | `auxiliary` | unset: lighting and auxiliaries from the building's areas; when set, a flat share of IT design (the old model) | [rule of thumb] |
//! | UPS `family` | double conversion; legacy, modular, eco and HVDC curves in `model::facility::chain` | see there |
//! | UPS `shed_target` (modular, HVDC) | 0.75 of a module's rating | near the WP108 optimum √(L0/k2) = 0.82 [rule of thumb] |
//! | UPS module (modular / HVDC) | up to 100 kW / 15 kW | vendor ranges (25-100 kW modular frames; 10-20 kW 240 V rectifiers) [rule of thumb] |
//! | UPS `mains_share` (HVDC) | 0; redundancy N+1 when > 0, else 2N | 市电直供 + HVDC feeds half of each server from the mains |
//! | UPS `battery`, `autonomy` | VRLA, 15 min at the installed rating | GB 50174-2017 (≥ 15 min with generators) \[unverified\] |
//! | `battery_float_loss` | VRLA 1.3, lithium 0.25 W/kWh | see `model::facility::chain` \[unverified\] |
//! | `pdu_branch_share` | 0.3 of the PDU/busway loss lies past the PDU output meter | [rule of thumb] |
//! | building `area_per_rack_m2` | 3.0 m² of white space per rack | GB 50174-2017 §4.2 (2.0-4.0 m² per rack when equipment is not yet known) \[unverified\] |
//! | building `support_area_ratio` | 1.5 | GB 50174-2017 §4.2 (support + auxiliary area 1.5-2.5 x the computer room) \[unverified\] |
//! | building `lighting_w_per_m2`, `lighting_on` | 9 W/m², always on | GB 50034-2013 (LPD ≤ 9 W/m² for 300 lx rooms) \[unverified\] |
//! | building `auxiliary_w_per_m2` | 2 W/m² (BMS, security, fire detection, access control) | [rule of thumb] |
//! | building `office_m2`, `office_w_per_m2` | 0 m², 15 W/m² mean over the day | lighting 9 + equipment 13-15 W/m² by day (GB 50189-2015 appendix B) averaged over 24 h with HVAC [rule of thumb] |
//! | `pue_boundary` | "it-input" (The Green Grid category 3) | WP49 (2012) |
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

mod hall_cooling;
mod weather_csv;

use std::path::Path;

pub use hall_cooling::cooling;
use weather_csv::read_weather;

use super::error::{FieldPath, ScenarioError, Source, csv_error};
use super::raw::*;
use crate::catalog::climates;
use crate::config::*;
use crate::model::facility::psychro;
use crate::time::calendar::Date;

type R<T> = Result<T, ScenarioError>;

const UPS_MODULE_MAX_W: f64 = 500e3;
/// The most transformers or duty chillers of a plant: the largest campuses have dozens.
const MAX_UNITS: u32 = 1000;
/// The longest loop time constant, ms: water loops settle in minutes (BRIEF §4); a week is no loop.
const MAX_LOOP_TAU_MS: u64 = 7 * 86_400_000;
const TRANSFORMER_SIZING: f64 = 1.5;
/// Largest default module of a modular UPS, W (current modular frames use 25-100 kW modules).
const MODULAR_MODULE_MAX_W: f64 = 100e3;
/// Largest default HVDC rectifier module, W (240 V rectifier modules are 10-20 kW).
const RECTIFIER_MODULE_MAX_W: f64 = 15e3;
/// Default battery autonomy: 15 min (GB 50174-2017 class A with standby generators) \[unverified\].
const BATTERY_AUTONOMY_MS: u64 = 15 * 60_000;
/// The longest battery autonomy, ms: a day of batteries is no UPS.
const MAX_AUTONOMY_MS: u64 = 86_400_000;
/// The largest floor area, m² (the largest campuses have about 1 km² of buildings).
const MAX_AREA_M2: f64 = 1e7;
/// The most UPS or rectifier modules needed for the IT design.
const MAX_UPS_MODULES: f64 = 1e6;

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
    /// Elevation override, m.
    pub elevation_m: Option<f64>,
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
    let elevation_m = match site.elevation.map(|e| e.0) {
        Some(z) if !(psychro::ELEVATION_RANGE_M.0..=psychro::ELEVATION_RANGE_M.1).contains(&z) => {
            let (lo, hi) = psychro::ELEVATION_RANGE_M;
            return Err(src.error(&sp.key("elevation"), format!("expected an elevation from {lo} m to {hi} m, found {z} m")));
        }
        z => z,
    };
    if let Some((name, c)) = &climate
        && let Some(z) = c.altitude_m
        && !(psychro::ELEVATION_RANGE_M.0..=psychro::ELEVATION_RANGE_M.1).contains(&z)
    {
        return Err(src.error(&sp.key("climate"), format!("climate {name:?}: expected altitude_m from -500 to 6000 m, found {z}")));
    }
    let site_pa = psychro::pressure_at(elevation_m.or_else(|| climate.as_ref().and_then(|(_, c)| c.altitude_m)).unwrap_or(0.0));
    let weather = match &site.weather_file {
        None => None,
        Some(f) if f.to_ascii_lowercase().ends_with(".epw") => {
            if site.weather_columns.is_some() {
                return Err(src.error(&sp.key("weather_columns"), "an EPW weather file has fixed columns: remove weather_columns"));
            }
            let path = super::input::locate(f, dir).map_err(|e| src.error(&sp.key("weather_file"), e.to_string()))?;
            let (rows, z) = super::epw::read(&path, start, elevation_m)?;
            let columns = WeatherColumns { time: "epw".into(), dry_bulb: "dry_bulb".into(), wet_bulb: None, relative_humidity: None };
            Some(WeatherSeries { rows, file: path, columns, elevation_m: Some(z) })
        }
        Some(f) => {
            let cols = site.weather_columns.clone().unwrap_or(RawWeatherColumns {
                time: "time".into(),
                dry_bulb: "dry_bulb".into(),
                wet_bulb: Some("wet_bulb".into()),
                relative_humidity: None,
            });
            let path = super::input::locate(f, dir).map_err(|e| src.error(&sp.key("weather_file"), e.to_string()))?;
            Some(WeatherSeries {
                rows: read_weather(&path, &cols, start, site_pa)?,
                file: path,
                columns: (&cols).into(),
                elevation_m: None,
            })
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
    Ok(SiteFacility { start, climate, weather, grid, emission_factor, facility, elevation_m })
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
    let mode = match u.mode.as_deref() {
        None => None,
        Some("double-conversion") => Some(UpsFamily::DoubleConversion),
        Some("eco") => Some(UpsFamily::Eco),
        Some(other) => return Err(src.error(&up.key("mode"), format!("expected \"double-conversion\" or \"eco\", found {other:?}"))),
    };
    let family = match u.family.as_deref() {
        // A legacy-era site defaults to the legacy transformer-based curve.
        None => mode.unwrap_or(if legacy { UpsFamily::Legacy } else { UpsFamily::DoubleConversion }),
        Some(name) => {
            let Some(fam) = UpsFamily::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f) else {
                let names: Vec<String> = UpsFamily::ALL.iter().map(|(_, n)| format!("{n:?}")).collect();
                return Err(src.error(&up.key("family"), format!("expected one of {}, found {name:?}", names.join(", "))));
            };
            if mode.is_some_and(|m| m != fam) {
                return Err(src.error(
                    &up.key("family"),
                    format!("family {name:?} contradicts mode {:?}: give one of them", u.mode.as_deref().unwrap_or("")),
                ));
            }
            fam
        }
    };
    let (l0, k1, k2) = crate::model::facility::chain::family_curve(family);
    let mains_share = frac(src, u.mains_share, 0.0, &up.key("mains_share"), 0.0, 0.9)?;
    if mains_share > 0.0 && family != UpsFamily::Hvdc {
        return Err(src.error(&up.key("mains_share"), "only an HVDC plant (family = \"hvdc\") takes a mains_share"));
    }
    if u.shed_target.is_some() && !family.sheds() {
        return Err(src.error(&up.key("shed_target"), "only a \"modular\" or \"hvdc\" plant sheds modules"));
    }
    let battery = match u.battery.as_deref() {
        None => BatteryKind::Vrla,
        Some(name) => BatteryKind::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(b, _)| *b)
            .ok_or_else(|| src.error(&up.key("battery"), format!("expected \"vrla\", \"lithium\" or \"none\", found {name:?}")))?,
    };
    let autonomy_ms = u.autonomy.map_or(BATTERY_AUTONOMY_MS, |d| d.0);
    if autonomy_ms > MAX_AUTONOMY_MS {
        return Err(src.error(&up.key("autonomy"), "expected an autonomy of at most a day, like \"15m\""));
    }
    let float_default = crate::model::facility::chain::battery_float_w_per_kwh(battery);
    let battery_float_w_per_kwh = frac(src, u.battery_float_loss, float_default, &up.key("battery_float_loss"), 0.0, 50.0)?;
    let default_module_max = match family {
        UpsFamily::Modular => MODULAR_MODULE_MAX_W,
        UpsFamily::Hvdc => RECTIFIER_MODULE_MAX_W,
        _ => UPS_MODULE_MAX_W,
    };
    let default_redundancy = if mains_share > 0.0 { Redundancy::NPlus1 } else { Redundancy::TwoN };
    let pdu_loss = frac(src, f.pdu_loss, 0.005, &p.key("pdu_loss"), 0.0, 0.1)?;
    let n_modules = (it_design_w * (1.0 + pdu_loss) / default_module_max).ceil().max(1.0);
    let default_module = it_design_w * (1.0 + pdu_loss) / n_modules;
    let pos = |v: Option<crate::scenario::units::PowerW>, d: f64, path: FieldPath| -> R<f64> {
        let x = v.map_or(d, |x| x.0);
        if x > 0.0 && x.is_finite() { Ok(x) } else { Err(src.error(&path, "expected a positive power like \"500kW\"")) }
    };
    let module_rating = pos(u.module_rating, default_module, up.key("module_rating"))?;
    if it_design_w * (1.0 + pdu_loss) / module_rating > MAX_UPS_MODULES {
        return Err(src.error(
            &up.key("module_rating"),
            format!(
                "expected modules of at least {:.0} W: at most {MAX_UPS_MODULES} modules carry the IT design",
                it_design_w * (1.0 + pdu_loss) / MAX_UPS_MODULES
            ),
        ));
    }
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
        ups_family: family,
        ups_redundancy: redundancy(src, &u.redundancy, default_redundancy, &up.key("redundancy"))?,
        ups_module_rating_w: module_rating,
        ups_l0: frac(src, u.no_load_loss, l0, &up.key("no_load_loss"), 0.0, 0.1)?,
        ups_k1: frac(src, u.proportional_loss, k1, &up.key("proportional_loss"), 0.0, 0.1)?,
        ups_k2: frac(src, u.square_loss, k2, &up.key("square_loss"), 0.0, 0.1)?,
        pdu_loss,
        auxiliary: match f.auxiliary {
            None => None,
            Some(x) => Some(frac(src, Some(x), 0.0, &p.key("auxiliary"), 0.0, 0.5)?),
        },
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
        ups_shed_target: frac(src, u.shed_target, 0.75, &up.key("shed_target"), 0.1, 1.0)?,
        ups_mains_share: mains_share,
        battery,
        battery_autonomy_min: autonomy_ms as f64 / 60_000.0,
        battery_float_w_per_kwh,
        pdu_branch_share: frac(src, f.pdu_branch_share, 0.3, &p.key("pdu_branch_share"), 0.0, 1.0)?,
        building: building(src, f.building.as_ref(), &p.key("building"))?,
        pue_boundary: match f.pue_boundary.as_deref() {
            None => PueBoundary::ItInput,
            Some(name) => PueBoundary::ALL.iter().find(|(_, n)| *n == name).map(|(b, _)| *b).ok_or_else(|| {
                src.error(&p.key("pue_boundary"), format!("expected \"ups-output\", \"pdu-output\" or \"it-input\", found {name:?}"))
            })?,
        },
        pue_limit: match &f.pue_limit {
            None => None,
            Some(RawPueLimit::Value(v)) => Some((frac(src, Some(*v), 1.0, &p.key("pue_limit"), 1.0, 5.0)?, "scenario".to_string())),
            Some(RawPueLimit::Name(name)) => match crate::model::facility::grade::named_limit(name) {
                Some(v) => Some((v, name.clone())),
                None => {
                    let names: Vec<String> = crate::model::facility::grade::NAMED_LIMITS.iter().map(|(n, _, _)| format!("{n:?}")).collect();
                    return Err(src
                        .error(&p.key("pue_limit"), format!("expected a PUE from 1 to 5 or one of {}, found {name:?}", names.join(", "))));
                }
            },
        },
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

fn building(src: &Source, b: Option<&RawBuilding>, p: &FieldPath) -> R<Building> {
    let b = b.cloned().unwrap_or_default();
    Ok(Building {
        white_space_m2: match b.white_space_m2 {
            None => None,
            Some(x) => Some(frac(src, Some(x), 0.0, &p.key("white_space_m2"), 1.0, MAX_AREA_M2)?),
        },
        area_per_rack_m2: frac(
            src,
            b.area_per_rack_m2,
            crate::config::facility::DEFAULT_AREA_PER_RACK_M2,
            &p.key("area_per_rack_m2"),
            0.5,
            50.0,
        )?,
        support_area_ratio: frac(src, b.support_area_ratio, 1.5, &p.key("support_area_ratio"), 0.0, 10.0)?,
        lighting_w_per_m2: frac(src, b.lighting_w_per_m2, 9.0, &p.key("lighting_w_per_m2"), 0.0, 100.0)?,
        lighting_on: frac(src, b.lighting_on, 1.0, &p.key("lighting_on"), 0.0, 1.0)?,
        auxiliary_w_per_m2: frac(src, b.auxiliary_w_per_m2, 2.0, &p.key("auxiliary_w_per_m2"), 0.0, 200.0)?,
        office_m2: frac(src, b.office_m2, 0.0, &p.key("office_m2"), 0.0, MAX_AREA_M2)?,
        office_w_per_m2: frac(src, b.office_w_per_m2, 15.0, &p.key("office_w_per_m2"), 0.0, 200.0)?,
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
