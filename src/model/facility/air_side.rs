//! Air-side economizers of a hall: direct outdoor air (with or without evaporative media) and
//! indirect evaporative coolers (IEC). Evaluated per hall per sampling tick on the heat the
//! hall's air carries; what they do not remove goes to the chilled water as without them.
//!
//! ## How it works
//! The servers take air at the supply temperature T_s (chilled water + the hall's air approach)
//! and return it ΔT_air warmer, T_r = T_s + ΔT_air (default 12 K [rule of thumb: 10-15 K across
//! 1U-2U servers at full fan speed]).
//! - **Indirect evaporative** (Kuehn, Ramsey & Threlkeld, *Thermal Environmental Engineering*
//!   3rd ed. 1998, ch. 14 [unverified]; ASHRAE Handbook HVAC Systems and Equipment 2020 ch. 41
//!   [unverified]): the return air passes an air-to-air heat exchanger whose other side is
//!   outdoor ("scavenger") air wetted by sprays. Leaving primary air T_p = T_r − ε_wb (T_r −
//!   T_wb,out) (wet-bulb effectiveness ε_wb, default 0.7: published 0.6-0.8 for plate and tube
//!   IECs, ASHRAE HVAC S&E 2020 ch. 41 [unverified]); with the sprays off (cold air) ε_db on the
//!   dry-bulb (default 0.55 [rule of thumb: a dry plate exchanger at the same airflows]). The
//!   share of the hall's air heat removed is f = ε (T_r − T_sec) / (T_r − T_s), clamped to
//!   [0, 1], dry mode while it reaches 1; mechanical cooling (DX or chilled water) trims the rest.
//!   Water: the wet mode evaporates the heat it removes at the tower's share (0.8 Q / h_fg,
//!   BRIEF §4), none in dry mode. The outdoor air never enters the hall.
//! - **Direct** (ASHRAE 90.1-2016 §6.5.1.1 air economizers [unverified]): outdoor air replaces
//!   return air while its dew point is at most the hall's upper dew point and its humidity ratio
//!   at most what the server inlet allows at the highest relative humidity; f = (T_r − T_out) /
//!   (T_r − T_s) clamped, mixing with return air below T_s. Outdoor air mass flow: Q / (c_p (T_r −
//!   T_out)) when it mixes, Q / (c_p ΔT_air) when all supply air is outdoor air; its humidity
//!   reaches the hall, so a dry winter needs humidifying ([`super::humidity`]).
//! - **Direct evaporative** (as at Facebook Prineville, Open Compute Project 2011 [unverified]):
//!   as direct, and hot outdoor air first passes wetted media: T_e = T_out − ε_s (T_out − T_wb)
//!   (saturation effectiveness ε_s, default 0.85: 0.7-0.9 for rigid media, ASHRAE HVAC S&E 2020
//!   ch. 41 [unverified]) at constant wet-bulb, if the humidified air stays inside the band.
//!   Water: the humidity it adds to the outdoor air.
//! - Fans and spray pumps: a fixed power per W of heat the economizer removes (default 0.03
//!   W/W [rule of thumb: IEC units quote 0.02-0.04 kW per kW of cooling]); primary air is moved
//!   by the hall's air handlers (their fans are the CRAH fans of the model).

use super::plant::{EVAPORATIVE_SHARE, H_FG};
use super::psychro;
use crate::config::{AirSide, Conditions, Economizer};

/// What a hall's air-side economizer did in a tick.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AirSideDuty {
    /// Share of the hall's air heat removed without mechanical cooling.
    pub free_fraction: f64,
    /// Fans and pumps, W.
    pub fans_w: f64,
    /// Water evaporated, kg/s.
    pub water_kg_s: f64,
    /// Outdoor air brought into the hall, kg dry air/s.
    pub outdoor_air_kg_s: f64,
    /// Humidity ratio of that air as it enters, kg/kg.
    pub outdoor_air_w: f64,
}

/// Specific heat of moist air with humidity ratio `w`, J/(kg dry air K) (ASHRAE 2017 ch. 1 eq. 32).
pub fn cp_moist(w: f64) -> f64 {
    psychro::CP_AIR + psychro::CP_VAPOUR * w
}

/// Share of heat an indirect evaporative (or air-to-air) exchanger of effectiveness `eff`
/// removes from return air at `return_c`, against secondary air at `secondary_c`, when the
/// supply must be `supply_c`.
pub fn exchanger_fraction(eff: f64, return_c: f64, supply_c: f64, secondary_c: f64) -> f64 {
    if return_c <= supply_c {
        return 0.0;
    }
    (eff * (return_c - secondary_c) / (return_c - supply_c)).clamp(0.0, 1.0)
}

/// Highest humidity ratio the hall allows at supply temperature `supply_c`: the lower of its
/// upper dew point and its highest relative humidity at the inlet.
pub fn max_humidity_ratio(a: &AirSide, supply_c: f64, p: f64) -> f64 {
    let by_dew = psychro::humidity_ratio(psychro::saturation_pressure(a.dew_point_max_c), p);
    by_dew.min(psychro::humidity_ratio_rh(supply_c, a.rh_max_pct, p))
}

/// The economizer of `a` removing up to `heat_w` of the hall's air heat, with supply air at
/// `supply_c`, outdoor air `out`, at pressure `p`.
pub fn serve(a: &AirSide, heat_w: f64, supply_c: f64, out: Conditions, p: f64) -> AirSideDuty {
    if heat_w <= 0.0 || a.economizer == Economizer::None {
        return AirSideDuty::default();
    }
    let ret = supply_c + a.air_delta_t_k;
    let mut d = AirSideDuty::default();
    match a.economizer {
        Economizer::None => {}
        Economizer::IndirectEvaporative => {
            let dry = exchanger_fraction(a.iec_dry_effectiveness, ret, supply_c, out.dry_bulb_c);
            let wet = exchanger_fraction(a.iec_wet_effectiveness, ret, supply_c, out.wet_bulb_c);
            d.free_fraction = dry.max(wet);
            if dry < 1.0 && wet > dry {
                d.water_kg_s = EVAPORATIVE_SHARE * d.free_fraction * heat_w / H_FG;
            }
        }
        Economizer::Direct | Economizer::DirectEvaporative => {
            let w_max = max_humidity_ratio(a, supply_c, p);
            if out.humidity_ratio > w_max {
                return d;
            }
            let (mut t, mut w) = (out.dry_bulb_c, out.humidity_ratio);
            if a.economizer == Economizer::DirectEvaporative && t > supply_c {
                let te = t - a.evaporative_effectiveness * (t - out.wet_bulb_c);
                let we = psychro::humidity_ratio_from_wet_bulb(te, out.wet_bulb_c, p);
                if we <= w_max {
                    (t, w) = (te, we);
                }
            }
            if t >= ret {
                return d;
            }
            d.free_fraction = ((ret - t) / (ret - supply_c)).clamp(0.0, 1.0);
            // Mixing with return air below the supply temperature; all supply air above it.
            let dt = if t <= supply_c { ret - t } else { a.air_delta_t_k };
            d.outdoor_air_kg_s = heat_w / (cp_moist(w) * dt);
            d.outdoor_air_w = w;
            d.water_kg_s = d.outdoor_air_kg_s * (w - out.humidity_ratio).max(0.0);
        }
    }
    d.fans_w = a.economizer_fan_w_per_w * d.free_fraction * heat_w;
    d
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::facility::weather::conditions;

    /// The air side of an air hall with the resolved defaults (ventilation on 2.5 m² per rack)
    /// and economizer `e`; the humidity tests use it too.
    pub(crate) fn side(e: Economizer) -> AirSide {
        AirSide {
            economizer: e,
            humidity: true,
            outdoor_air_l_per_s_m2: 0.3,
            floor_m2_per_rack: 2.5,
            dew_point_min_c: -9.0,
            dew_point_max_c: 15.0,
            rh_max_pct: 60.0,
            air_delta_t_k: 12.0,
            iec_wet_effectiveness: 0.7,
            iec_dry_effectiveness: 0.55,
            evaporative_effectiveness: 0.85,
            economizer_fan_w_per_w: 0.03,
            humidifier_kwh_per_kg: 0.75,
        }
    }

    #[test]
    fn indirect_evaporative_follows_its_effectiveness() {
        let a = side(Economizer::IndirectEvaporative);
        let p = psychro::pressure_at(1419.0);
        // Summer afternoon at Ulanqab-like altitude: 28 °C, dew point 14 °C.
        let out = conditions(28.0, psychro::humidity_ratio(psychro::saturation_pressure(14.0), p), p);
        let d = serve(&a, 1e6, 23.0, out, p);
        // f = 0.7 (35 - T_wb) / 12 with T_wb from the psychrometrics at 1,419 m.
        let expect = 0.7 * (35.0 - out.wet_bulb_c) / 12.0;
        assert!(expect < 1.0 && (d.free_fraction - expect).abs() < 1e-12, "{} vs {expect}", d.free_fraction);
        assert!((d.water_kg_s - 0.8 * expect * 1e6 / H_FG).abs() < 1e-9);
        assert!((d.fans_w - 0.03 * expect * 1e6).abs() < 1e-6);
        assert_eq!(d.outdoor_air_kg_s, 0.0);
        // Cold: the dry exchanger alone does it all, no water.
        let cold = serve(&a, 1e6, 23.0, conditions(5.0, 0.002, p), p);
        assert_eq!((cold.free_fraction, cold.water_kg_s), (1.0, 0.0));
        // Hot and humid (Guangzhou August: 33 °C, wet-bulb ~28 °C): little help.
        let humid = conditions(33.0, psychro::humidity_ratio_from_wet_bulb(33.0, 28.0, psychro::SEA_LEVEL_PA), psychro::SEA_LEVEL_PA);
        let h = serve(&a, 1e6, 23.0, humid, psychro::SEA_LEVEL_PA);
        assert!(h.free_fraction < 0.45, "{}", h.free_fraction);
    }

    #[test]
    fn direct_air_follows_the_mixing_balance_and_the_dew_point_band() {
        let a = side(Economizer::Direct);
        let p = psychro::SEA_LEVEL_PA;
        // 10 °C, dry: mixes to 23 °C; outdoor air Q / (c_p (35 - 10)).
        let w = psychro::humidity_ratio(psychro::saturation_pressure(2.0), p);
        let d = serve(&a, 1e6, 23.0, conditions(10.0, w, p), p);
        assert_eq!(d.free_fraction, 1.0);
        assert!((d.outdoor_air_kg_s - 1e6 / (cp_moist(w) * 25.0)).abs() < 1e-6);
        // 29 °C: half the heat, all supply air outdoor air (Q / (c_p ΔT_air)).
        let d = serve(&a, 1e6, 23.0, conditions(29.0, w, p), p);
        assert!((d.free_fraction - 0.5).abs() < 1e-12);
        assert!((d.outdoor_air_kg_s - 1e6 / (cp_moist(w) * 12.0)).abs() < 1e-6);
        // Dew point above 15 °C: dampers shut.
        let wet = psychro::humidity_ratio(psychro::saturation_pressure(18.0), p);
        assert_eq!(serve(&a, 1e6, 23.0, conditions(20.0, wet, p), p).free_fraction, 0.0);
        // Evaporative media turn hot dry air (35 °C, dew 0 °C) into supply air.
        let e = side(Economizer::DirectEvaporative);
        let hot = conditions(35.0, psychro::humidity_ratio(psychro::saturation_pressure(0.0), p), p);
        let d = serve(&e, 1e6, 23.0, hot, p);
        assert_eq!(serve(&a, 1e6, 23.0, hot, p).free_fraction, 0.0);
        assert!(d.free_fraction > 0.9 && d.water_kg_s > 0.0, "{d:?}");
    }
}
