//! Outdoor-air ventilation and humidity control of a hall: the dew-point band, the latent load of
//! dehumidifying outdoor air and the reheat after it, and humidifier energy. Per hall, per
//! sampling tick; off in halls without outdoor air (sealed liquid halls: the default for
//! cold-plate and immersion halls).
//!
//! ## How it works
//! - **Ventilation**: a hall takes outdoor air for pressurization and people at an area rate,
//!   default 0.3 L/s per m² of floor (ASHRAE 62.1-2016 Table 6.2.2.1, area outdoor-air rate of
//!   0.06 cfm/ft² for computer rooms [unverified]; GB 50174-2017 §7.4 asks for positive pressure
//!   of at least 10 Pa to outdoors and the larger of 40 m³/h per person and what holds it
//!   [unverified]), over a floor of 2.5 m² per rack (default [rule of thumb: 2.3-3 m² of white
//!   space per rack with its aisles]). Mass flow m = V ρ_da at the outdoor state and the site's
//!   pressure. No internal moisture sources: in steady state the hall's humidity ratio is the
//!   one its treated outdoor air brings.
//! - **Band** (ASHRAE TC 9.9, *Thermal Guidelines for Data Processing Environments* 5th ed.
//!   2021, recommended envelope [unverified]): dew point −9 to 15 °C and at most 60 % relative
//!   humidity at the server inlet. W_min = W(T_dp,min), W_max = min(W(T_dp,max), W(T_s, 60 %)).
//! - **Humidifying** (W_out < W_min): water m (W_min − W_out); an electrode/steam humidifier
//!   spends e = 0.75 kWh per kg (closed form: heating water from 10 °C to 100 °C and boiling
//!   it, 4.19 x 90 + 2,257 = 2,634 kJ/kg = 0.73 kWh/kg, at ~97 % efficiency). Its heat leaves
//!   with the air that exfiltrates (it is latent heat of the hall air), not with the loops.
//! - **Dehumidifying** (W_out > W_max): a dedicated outdoor-air coil cools the air to the
//!   apparatus dew point T_adp = T_dp(W_max) and condenses the excess; its load, m (h_out −
//!   h(T_adp, W_max)) (ASHRAE 2017 ch. 1 eq. 32), goes to the chilled-water loop; an electric
//!   reheater brings the air back to the supply temperature, m c_p (T_s − T_adp), when T_adp is
//!   below it. Otherwise the coil only cools warm outdoor air to T_s: m c_p max(0, T_out − T_s);
//!   cold outdoor air mixes with return air for free.
//! - A direct air-side economizer's outdoor air ([`super::air_side`]) is humidified the same way
//!   when it is drier than W_min.

use super::air_side::{cp_moist, max_humidity_ratio};
use super::psychro;
use crate::config::AirSide;

/// What a hall's humidity control did in a tick.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HumidityDuty {
    /// Humidifier electric power, W.
    pub humidifier_w: f64,
    /// Reheat electric power, W.
    pub reheat_w: f64,
    /// Heat of the outdoor-air coil put on the chilled water (sensible and latent), W.
    pub coil_w: f64,
    /// Latent part of it: water condensed x h_fg, W.
    pub latent_w: f64,
    /// Water the humidifiers spend, kg/s.
    pub water_kg_s: f64,
}

/// Outdoor-air ventilation of a hall of `racks` racks, kg dry air/s, at outdoor `t_c`, `w`, `p`.
pub fn ventilation_kg_s(a: &AirSide, racks: f64, t_c: f64, w: f64, p: f64) -> f64 {
    a.outdoor_air_l_per_s_m2 / 1000.0 * a.floor_m2_per_rack * racks * psychro::dry_air_density(t_c, w, p)
}

/// Lowest humidity ratio the hall allows, kg/kg.
pub fn min_humidity_ratio(a: &AirSide, p: f64) -> f64 {
    psychro::humidity_ratio(psychro::saturation_pressure(a.dew_point_min_c), p)
}

/// Humidifies `m` kg/s of air at humidity ratio `w` up to the band: (water kg/s, power W).
pub fn humidify(a: &AirSide, m: f64, w: f64, p: f64) -> (f64, f64) {
    let water = m * (min_humidity_ratio(a, p) - w).max(0.0);
    (water, water * a.humidifier_kwh_per_kg * 3.6e6)
}

/// Treats `m` kg/s of outdoor air at `t_out`, `w_out` into supply air at `supply_c`.
pub fn treat(a: &AirSide, m: f64, t_out: f64, w_out: f64, supply_c: f64, p: f64) -> HumidityDuty {
    let mut d = HumidityDuty::default();
    if m <= 0.0 {
        return d;
    }
    let w_max = max_humidity_ratio(a, supply_c, p);
    if w_out > w_max {
        let adp = psychro::dew_point(w_max, p);
        d.coil_w = m * (psychro::enthalpy(t_out, w_out) - psychro::enthalpy(adp, w_max)).max(0.0);
        d.latent_w = m * (w_out - w_max) * super::plant::H_FG;
        d.reheat_w = m * cp_moist(w_max) * (supply_c - adp).max(0.0);
    } else {
        (d.water_kg_s, d.humidifier_w) = humidify(a, m, w_out, p);
        d.coil_w = m * cp_moist(w_out) * (t_out - supply_c).max(0.0);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Economizer;

    fn side() -> AirSide {
        crate::model::facility::air_side::tests::side(Economizer::None)
    }

    #[test]
    fn dry_winter_humidifies_at_the_closed_form() {
        let (a, p) = (side(), psychro::SEA_LEVEL_PA);
        // Beijing January: -4 °C, dew point -18 °C. 1 kg/s of air.
        let w = psychro::humidity_ratio(psychro::saturation_pressure(-18.0), p);
        let d = treat(&a, 1.0, -4.0, w, 23.0, p);
        let w_min = psychro::humidity_ratio(psychro::saturation_pressure(-9.0), p);
        assert!((d.water_kg_s - (w_min - w)).abs() < 1e-12);
        assert!((d.humidifier_w - (w_min - w) * 0.75 * 3.6e6).abs() < 1e-6);
        // W(-9 °C) = 0.621945 x 284.2 / (101325 - 284.2) = 0.001749; W(-18 °C) = 0.000775 kg/kg.
        assert!((d.water_kg_s - (0.001749 - 0.000775)).abs() < 2e-5, "{}", d.water_kg_s);
        assert_eq!((d.reheat_w, d.coil_w), (0.0, 0.0));
    }

    #[test]
    fn humid_summer_dehumidifies_and_reheats_at_the_closed_form() {
        let (a, p) = (side(), psychro::SEA_LEVEL_PA);
        // Guangzhou July: 32 °C, dew point 25 °C; supply 23 °C.
        let w = psychro::humidity_ratio(psychro::saturation_pressure(25.0), p);
        let d = treat(&a, 1.0, 32.0, w, 23.0, p);
        // W_max: dew point 15 °C (0.01065) is below 60 % at 23 °C (0.01061)? the lower wins.
        let w_max = psychro::humidity_ratio(psychro::saturation_pressure(15.0), p).min(psychro::humidity_ratio_rh(23.0, 60.0, p));
        let adp = psychro::dew_point(w_max, p);
        let coil = psychro::enthalpy(32.0, w) - psychro::enthalpy(adp, w_max);
        assert!((d.coil_w - coil).abs() < 1e-6 && coil > 40e3, "{coil}");
        assert!((d.reheat_w - cp_moist(w_max) * (23.0 - adp)).abs() < 1e-6 && d.reheat_w > 7e3, "{}", d.reheat_w);
        assert!(d.latent_w > 0.5 * coil);
        assert_eq!(d.humidifier_w, 0.0);
        // Inside the band: only the sensible cooling of warm air.
        let mid = psychro::humidity_ratio(psychro::saturation_pressure(8.0), p);
        let d = treat(&a, 1.0, 26.0, mid, 23.0, p);
        assert!((d.coil_w - cp_moist(mid) * 3.0).abs() < 1e-9 && d.humidifier_w == 0.0 && d.reheat_w == 0.0);
    }

    #[test]
    fn ventilation_follows_floor_area_and_density() {
        let a = side();
        // 100 racks, 250 m², 75 L/s at 1.204 kg/m³ (20 °C, dry, sea level): 0.0903 kg/s.
        let m = ventilation_kg_s(&a, 100.0, 20.0, 0.0, psychro::SEA_LEVEL_PA);
        assert!((m - 0.075 * 1.204).abs() < 2e-4, "{m}");
        // Thinner air at 1,500 m: 17 % less mass.
        assert!(ventilation_kg_s(&a, 100.0, 20.0, 0.0, psychro::pressure_at(1500.0)) < 0.84 * m);
    }
}
