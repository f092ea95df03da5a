//! Resolving a hall's cooling: the kind (air, cold plate, immersion) and its defaults, the air
//! units and fans, the junction throttle temperature, and the air side (ventilation, humidity
//! band, air-side economizer).
//!
//! ## How it works
//! Each field takes its default from the hall's cooling kind and the facility's era (legacy: GB
//! 50174-2008 humidity band, constant-speed fans), then is checked against its range with the
//! field named. The defaults and their sources are tabled in [`super`].

use super::{R, frac, speed};
use crate::config::*;
use crate::scenario::error::{FieldPath, Source};
use crate::scenario::raw::*;

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
        air_side: air_side(&c, kind, src, p, era)?,
    })
}

/// Resolves a hall's ventilation, humidity band and air-side economizer.
fn air_side(c: &RawCooling, kind: CoolingKind, src: &Source, p: &FieldPath, era: Era) -> R<AirSide> {
    // A legacy hall holds the band of GB 50174-2008 (A/B class: 23 ± 1 °C, 40-55 % RH, so a dew
    // point of at least 9 °C) [unverified]; a modern one the ASHRAE TC 9.9 (2021) recommended
    // envelope that GB 50174-2017 adopted (dew point -9 to 15 °C, RH <= 60 %) [unverified].
    let legacy = era == Era::Legacy;
    let economizer = match &c.economizer {
        None => Economizer::None,
        Some(name) => Economizer::ALL.iter().find(|(_, n)| n == name).map(|(e, _)| *e).ok_or_else(|| {
            src.error(
                &p.key("economizer"),
                format!("expected \"none\", \"direct\", \"direct-evaporative\" or \"indirect-evaporative\", found {name:?}"),
            )
        })?,
    };
    if economizer != Economizer::None && kind == CoolingKind::Immersion {
        return Err(src.error(&p.key("economizer"), "an immersion hall has no air to economize: remove the economizer"));
    }
    let temp = |v: Option<crate::scenario::units::TempC>, d: f64, key: &str| -> R<f64> {
        let x = v.map_or(d, |t| t.0);
        if (-40.0..=30.0).contains(&x) {
            Ok(x)
        } else {
            Err(src.error(&p.key(key), format!("expected a dew point from -40 to 30 °C, found {x}")))
        }
    };
    let dew_point_min_c = temp(c.dew_point_min, if legacy { 9.0 } else { -9.0 }, "dew_point_min")?;
    let dew_point_max_c = temp(c.dew_point_max, 15.0, "dew_point_max")?;
    if dew_point_max_c <= dew_point_min_c {
        return Err(src.error(&p.key("dew_point_max"), format!("expected a dew point above dew_point_min ({dew_point_min_c} °C)")));
    }
    Ok(AirSide {
        economizer,
        humidity: c.humidity.unwrap_or(kind == CoolingKind::Air),
        outdoor_air_l_per_s_m2: frac(src, c.outdoor_air, 0.3, &p.key("outdoor_air"), 0.0, 20.0)?,
        floor_m2_per_rack: frac(
            src,
            c.floor_per_rack,
            crate::config::facility::DEFAULT_AREA_PER_RACK_M2,
            &p.key("floor_per_rack"),
            0.5,
            20.0,
        )?,
        dew_point_min_c,
        dew_point_max_c,
        rh_max_pct: frac(src, c.max_relative_humidity, if legacy { 55.0 } else { 60.0 }, &p.key("max_relative_humidity"), 20.0, 100.0)?,
        air_delta_t_k: frac(src, c.air_delta_t.map(|d| d.0), 12.0, &p.key("air_delta_t"), 2.0, 30.0)?,
        iec_wet_effectiveness: frac(src, c.iec_effectiveness, 0.7, &p.key("iec_effectiveness"), 0.1, 1.0)?,
        iec_dry_effectiveness: frac(src, c.iec_dry_effectiveness, 0.55, &p.key("iec_dry_effectiveness"), 0.1, 1.0)?,
        evaporative_effectiveness: frac(src, c.evaporative_effectiveness, 0.85, &p.key("evaporative_effectiveness"), 0.1, 1.0)?,
        economizer_fan_w_per_w: frac(src, c.economizer_fan_power, 0.03, &p.key("economizer_fan_power"), 0.0, 0.3)?,
        humidifier_kwh_per_kg: frac(src, c.humidifier_energy, 0.75, &p.key("humidifier_energy"), 0.05, 2.0)?,
    })
}
