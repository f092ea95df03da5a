//! Moist-air psychrometrics at the site's barometric pressure (ASHRAE Handbook, Fundamentals
//! 2017, ch. 1 "Psychrometrics"; SI units, temperatures in °C, pressures in Pa).
//!
//! ## How it works
//! - **Pressure from elevation** (eq. 3, the US Standard Atmosphere): p = 101.325 (1 −
//!   2.25577·10⁻⁵ Z)^5.2559 kPa, Z in m. 1,500 m gives 84.56 kPa (Table 1: 84.556).
//! - **Saturation pressure** p_ws (Hyland & Wexler 1983, eqs. 5 and 6): over ice below 0 °C,
//!   over liquid water from 0 °C (both in Pa, T in K).
//! - **Humidity ratio** (eq. 20): W = 0.621945 p_w / (p − p_w), kg water per kg dry air; the
//!   relative humidity is p_w / p_ws (eq. 24 with the ASHRAE definition). The enhancement factor
//!   of real moist air (~1.004) is left out: saturation humidity ratios read 0.4 % below
//!   Table 2.
//! - **Dew point**: the temperature whose p_ws equals p_w, by Newton's method on ln p_ws (with
//!   its analytic derivative) from the Magnus estimate: the inverse of the p_ws used to 10⁻¹⁰ K.
//! - **Enthalpy** (eq. 32): h = 1.006 t + W (2501 + 1.86 t), kJ/kg dry air.
//! - **Wet-bulb** (thermodynamic, eqs. 33 and 35 for t* above and below freezing): the t* at
//!   which the adiabatic-saturation balance gives the air's W, with W*s the saturation humidity
//!   ratio at t* and p. The balance's W grows with t*, so regula falsi (Illinois) between the
//!   dew point and the dry-bulb converges, in a bounded number of steps, to 10⁻⁹ K. At lower
//!   pressure the same dry-bulb and dew point give a lower wet-bulb (the air holds more
//!   water per kilogram at the same vapour pressure, and evaporation cools it further).

/// Sea-level standard pressure, Pa (ASHRAE 2017 ch. 1, Table 1).
pub const SEA_LEVEL_PA: f64 = 101_325.0;
/// Ratio of the molar masses of water and dry air (ASHRAE 2017 ch. 1 eq. 20).
pub const MOLAR_RATIO: f64 = 0.621945;
/// Specific heat of dry air, J/(kg K) (ASHRAE 2017 ch. 1 eq. 32).
pub const CP_AIR: f64 = 1006.0;
/// Specific heat of water vapour, J/(kg K) (ASHRAE 2017 ch. 1 eq. 32).
pub const CP_VAPOUR: f64 = 1860.0;
/// Latent heat of vaporisation at 0 °C, J/kg (ASHRAE 2017 ch. 1 eq. 32).
pub const H_FG0: f64 = 2.501e6;
/// Gas constant of dry air, J/(kg K) (ASHRAE 2017 ch. 1 eq. 28: 287.042).
pub const R_DRY_AIR: f64 = 287.042;
/// Highest and lowest elevations accepted, m (the Dead Sea shore is −430 m; no data center stands
/// above 5,500 m).
pub const ELEVATION_RANGE_M: (f64, f64) = (-500.0, 6000.0);

/// Barometric pressure at elevation `z_m`, Pa (ASHRAE 2017 ch. 1 eq. 3).
pub fn pressure_at(z_m: f64) -> f64 {
    SEA_LEVEL_PA * (1.0 - 2.25577e-5 * z_m).powf(5.2559)
}

/// Saturation pressure of water vapour over ice (t < 0 °C) or liquid water, Pa (ASHRAE 2017 ch. 1
/// eqs. 5-6, Hyland & Wexler 1983); valid -100 to 200 °C.
pub fn saturation_pressure(t_c: f64) -> f64 {
    ln_saturation_pressure(t_c).0.exp()
}

/// ln p_ws (p_ws in Pa) at `t_c` and its derivative with respect to temperature, 1/K.
fn ln_saturation_pressure(t_c: f64) -> (f64, f64) {
    ln_saturation_pressure_over(t_c, t_c < 0.0)
}

/// ln p_ws and its derivative over ice (`ice`) or liquid water, whatever the temperature.
fn ln_saturation_pressure_over(t_c: f64, ice: bool) -> (f64, f64) {
    let t = t_c + 273.15;
    if ice {
        let (c1, c2, c3, c4, c5, c6, c7) =
            (-5.674_535_9e3, 6.392_524_7, -9.677_843_0e-3, 6.221_570_1e-7, 2.074_782_5e-9, -9.484_024_0e-13, 4.163_501_9);
        let ln = c1 / t + c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))) + c7 * t.ln();
        let d = -c1 / (t * t) + c3 + t * (2.0 * c4 + t * (3.0 * c5 + t * 4.0 * c6)) + c7 / t;
        (ln, d)
    } else {
        let (c8, c9, c10, c11, c12, c13) = (-5.800_220_6e3, 1.391_499_3, -4.864_023_9e-2, 4.176_476_8e-5, -1.445_209_3e-8, 6.545_967_3);
        let ln = c8 / t + c9 + t * (c10 + t * (c11 + t * c12)) + c13 * t.ln();
        let d = -c8 / (t * t) + c10 + t * (2.0 * c11 + t * 3.0 * c12) + c13 / t;
        (ln, d)
    }
}

/// Humidity ratio of air whose vapour pressure is `pw` at total pressure `p`, kg/kg (eq. 20).
pub fn humidity_ratio(pw: f64, p: f64) -> f64 {
    let pw = pw.clamp(0.0, 0.99 * p);
    MOLAR_RATIO * pw / (p - pw)
}

/// Vapour pressure of air with humidity ratio `w` at total pressure `p`, Pa (eq. 20 inverted).
pub fn vapour_pressure(w: f64, p: f64) -> f64 {
    let w = w.max(0.0);
    p * w / (MOLAR_RATIO + w)
}

/// Humidity ratio at dry-bulb `t_c` and relative humidity `rh_pct` (%), kg/kg.
pub fn humidity_ratio_rh(t_c: f64, rh_pct: f64, p: f64) -> f64 {
    humidity_ratio(rh_pct.clamp(0.0, 100.0) / 100.0 * saturation_pressure(t_c), p)
}

/// Relative humidity (%) of air at `t_c` with humidity ratio `w`.
pub fn relative_humidity(t_c: f64, w: f64, p: f64) -> f64 {
    (100.0 * vapour_pressure(w, p) / saturation_pressure(t_c)).min(100.0)
}

/// Dew point of vapour pressure `pw`, °C (the inverse of [`saturation_pressure`]): Newton's
/// method on ln p_ws from the Magnus estimate, at most 20 steps (3-4 in practice), kept inside
/// -100..100 °C.
pub fn dew_point_of_pw(pw: f64) -> f64 {
    let (lo, hi) = (-100.0, 100.0);
    if pw.is_nan() || pw <= saturation_pressure(lo) {
        return lo;
    }
    if pw >= saturation_pressure(hi) {
        return hi;
    }
    let target = pw.ln();
    // The two branches meet at 0 °C with a small step (611.15 Pa over ice, 611.21 over water):
    // vapour pressures in between have a dew point of 0 °C.
    let ice = target < ln_saturation_pressure_over(0.0, false).0;
    if ice && target >= ln_saturation_pressure_over(0.0, true).0 {
        return 0.0;
    }
    let (lo, hi) = if ice { (lo, 0.0) } else { (0.0, hi) };
    let g = (pw / 611.2).ln();
    let mut t: f64 = (243.12 * g / (17.62 - g)).clamp(lo, hi);
    for _ in 0..20 {
        let (ln, d) = ln_saturation_pressure_over(t, ice);
        let step = (ln - target) / d;
        t = (t - step).clamp(lo, hi);
        if step.abs() < 1e-10 {
            break;
        }
    }
    if ice { t.min(-f64::MIN_POSITIVE) } else { t }
}

/// Dew point of air with humidity ratio `w` at pressure `p`, °C.
pub fn dew_point(w: f64, p: f64) -> f64 {
    dew_point_of_pw(vapour_pressure(w, p))
}

/// Moist-air enthalpy, J per kg dry air (eq. 32).
pub fn enthalpy(t_c: f64, w: f64) -> f64 {
    CP_AIR * t_c + w * (H_FG0 + CP_VAPOUR * t_c)
}

/// The humidity ratio that the adiabatic-saturation balance gives for dry-bulb `t` and wet-bulb
/// `tw` at pressure `p` (eqs. 33 and 35).
pub fn humidity_ratio_from_wet_bulb(t: f64, tw: f64, p: f64) -> f64 {
    let ws = humidity_ratio(saturation_pressure(tw), p);
    let w = if tw >= 0.0 {
        ((2501.0 - 2.326 * tw) * ws - 1.006 * (t - tw)) / (2501.0 + 1.86 * t - 4.186 * tw)
    } else {
        ((2830.0 - 0.24 * tw) * ws - 1.006 * (t - tw)) / (2830.0 + 1.86 * t - 2.1 * tw)
    };
    w.max(0.0)
}

/// Thermodynamic wet-bulb of air at dry-bulb `t` with humidity ratio `w` at pressure `p`, °C.
pub fn wet_bulb(t: f64, w: f64, p: f64) -> f64 {
    wet_bulb_above(t, w, dew_point(w, p), p)
}

/// [`wet_bulb`] given the air's dew point `dew` (a lower bound): regula falsi with the Illinois
/// modification on [dew − 1 K, t], at most 60 steps (about 6-10 in practice) to 10⁻⁹ K.
pub fn wet_bulb_above(t: f64, w: f64, dew: f64, p: f64) -> f64 {
    let f = |tw: f64| humidity_ratio_from_wet_bulb(t, tw, p) - w;
    let (mut a, mut b) = (dew.min(t) - 1.0, t);
    let (mut fa, mut fb) = (f(a), f(b));
    if fb <= 0.0 {
        return t;
    }
    if fa >= 0.0 {
        return a;
    }
    let mut side = 0;
    for _ in 0..60 {
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = f(c);
        if fc.abs() < 1e-15 || (b - a).abs() < 1e-9 {
            return c;
        }
        if fc > 0.0 {
            (b, fb) = (c, fc);
            if side == 1 {
                fa *= 0.5;
            }
            side = 1;
        } else {
            (a, fa) = (c, fc);
            if side == -1 {
                fb *= 0.5;
            }
            side = -1;
        }
    }
    0.5 * (a + b)
}

/// Density of moist air, kg dry air per m³ of mixture (ASHRAE 2017 ch. 1 eq. 28 inverted).
pub fn dry_air_density(t_c: f64, w: f64, p: f64) -> f64 {
    p / (R_DRY_AIR * (t_c + 273.15) * (1.0 + 1.607_858 * w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_pressure_matches_ashrae_table_3() {
        // ASHRAE 2017 Fundamentals ch. 1 Table 3 (kPa): -20 °C 0.10326, -10 °C 0.25987 (ice),
        // 0 °C 0.61121, 20 °C 2.3393, 30 °C 4.2467, 50 °C 12.3520.
        for (t, kpa) in [(-20.0, 0.10326), (-10.0, 0.25987), (0.0, 0.61121), (20.0, 2.3393), (30.0, 4.2467), (50.0, 12.352)] {
            let got = saturation_pressure(t) / 1000.0;
            assert!((got / kpa - 1.0).abs() < 5e-4, "{t} °C: {got} vs {kpa}");
        }
    }

    #[test]
    fn pressure_and_humidity_ratio_match_the_tables() {
        // Table 1: 1,500 m 84.556 kPa, 1,000 m 89.875 kPa, 0 m 101.325 kPa.
        assert!((pressure_at(1500.0) - 84_556.0).abs() < 30.0, "{}", pressure_at(1500.0));
        assert!((pressure_at(1000.0) - 89_875.0).abs() < 30.0);
        assert_eq!(pressure_at(0.0), SEA_LEVEL_PA);
        // Table 2: saturation humidity ratio at 20 °C and 101.325 kPa, 0.014758 kg/kg, which
        // includes the enhancement factor (~1.004) that eq. 20 without it leaves out: within
        // 0.5 %. 50 % RH (p_w = 0.5 p_ws) gives 0.621945 x 1169.7 / (101325 - 1169.7) = 0.007263.
        let ws = humidity_ratio(saturation_pressure(20.0), SEA_LEVEL_PA);
        assert!((ws / 0.014758 - 1.0).abs() < 0.005, "{ws}");
        assert!((humidity_ratio_rh(20.0, 50.0, SEA_LEVEL_PA) - 0.007263).abs() < 1e-5);
        // The same air holds more water per kg at altitude.
        assert!(humidity_ratio_rh(20.0, 50.0, pressure_at(1500.0)) > 0.0086);
        // Dew point of 20 °C / 50 % is 9.3 °C (pws(9.3) = 1.17 kPa); exact inverse.
        let w = humidity_ratio_rh(20.0, 50.0, SEA_LEVEL_PA);
        assert!((dew_point(w, SEA_LEVEL_PA) - 9.27).abs() < 0.05, "{}", dew_point(w, SEA_LEVEL_PA));
        assert!((relative_humidity(20.0, w, SEA_LEVEL_PA) - 50.0).abs() < 1e-9);
        // Enthalpy of 20 °C at W = 0.007263: 1.006 x 20 + 0.007263 (2501 + 37.2) = 38.55 kJ/kg.
        assert!((enthalpy(20.0, w) / 1000.0 - 38.55).abs() < 0.01);
    }

    #[test]
    fn wet_bulb_solves_the_adiabatic_balance_and_falls_with_altitude() {
        // Eq. 33 by hand: 30 °C dry-bulb, 25 °C wet-bulb at 101.325 kPa: W*s(25 °C) = 0.020085,
        // W = ((2501 - 58.15) 0.020085 - 1.006 x 5) / (2501 + 55.8 - 104.65) = 0.01796 kg/kg;
        // the solver returns 25 °C for that W.
        let w = humidity_ratio_from_wet_bulb(30.0, 25.0, SEA_LEVEL_PA);
        assert!((w - 0.01796).abs() < 3e-5, "{w}");
        assert!((wet_bulb(30.0, w, SEA_LEVEL_PA) - 25.0).abs() < 1e-6);
        // 20 °C / 50 %: Stull (2011) gives 13.7 °C at sea level.
        let ws = wet_bulb(20.0, humidity_ratio_rh(20.0, 50.0, SEA_LEVEL_PA), SEA_LEVEL_PA);
        assert!((ws - 13.7).abs() < 0.2, "{ws}");
        // Same dry-bulb and dew point at 1,500 m: lower wet-bulb.
        let p = pressure_at(1500.0);
        let wa = humidity_ratio(saturation_pressure(9.27), p);
        let high = wet_bulb(20.0, wa, p);
        assert!(high < ws - 0.3 && high > dew_point(wa, p), "{high} vs {ws}");
        // Below freezing: between dew point and dry-bulb; saturated air: wet-bulb = dry-bulb.
        let cold = wet_bulb(-10.0, humidity_ratio_rh(-10.0, 60.0, p), p);
        assert!(cold < -10.0 && cold > -15.0, "{cold}");
        let sat = humidity_ratio(saturation_pressure(15.0), p);
        assert!((wet_bulb(15.0, sat, p) - 15.0).abs() < 0.01);
        // Density of dry air at 20 °C, sea level: 1.204 kg/m³.
        assert!((dry_air_density(20.0, 0.0, SEA_LEVEL_PA) - 1.204).abs() < 0.002);
    }

    #[test]
    fn the_fast_solvers_agree_with_plain_bisection_over_the_range() {
        let bisect = |f: &dyn Fn(f64) -> f64, mut lo: f64, mut hi: f64| {
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if f(mid) < 0.0 { lo = mid } else { hi = mid }
            }
            0.5 * (lo + hi)
        };
        for p in [SEA_LEVEL_PA, pressure_at(1500.0), pressure_at(4000.0)] {
            for t in [-30.0, -10.0, -0.5, 0.0, 0.5, 10.0, 25.0, 40.0, 50.0] {
                for rh in [2.0, 10.0, 40.0, 70.0, 99.0, 100.0] {
                    let w = humidity_ratio_rh(t, rh, p);
                    let pw = vapour_pressure(w, p);
                    let dew = bisect(&|x| saturation_pressure(x) - pw, -100.0, 100.0);
                    assert!((dew_point(w, p) - dew).abs() < 1e-6, "dew {t} {rh} {p}: {} vs {dew}", dew_point(w, p));
                    let wb = bisect(&|x| humidity_ratio_from_wet_bulb(t, x, p) - w, dew - 1.0, t);
                    let got = wet_bulb(t, w, p);
                    // Eqs. 33 and 35 do not meet exactly at 0 °C, so near freezing the balance can
                    // have a root on each side; either is the wet-bulb to within a kelvin.
                    let tol = if wb.abs() < 1.0 { 1.0 } else { 1e-6 };
                    assert!((got - wb).abs() < tol, "wb {t} {rh} {p}: {got} vs {wb}");
                    assert!(got >= dew - 1e-9 && got <= t + 1e-9);
                    if got != t {
                        assert!((humidity_ratio_from_wet_bulb(t, got, p) - w).abs() < 1e-9, "{t} {rh} {p}");
                    }
                }
            }
        }
    }
}
