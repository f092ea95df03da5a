//! Cooling-tower fans from the approach they must hold at the wet-bulb, and freeze protection.
//!
//! ## How it works
//! - **Fan airflow** (Merkel's enthalpy-potential model with the tower characteristic of the
//!   ASHRAE Handbook, HVAC Systems and Equipment, ch. "Cooling Towers" \[unverified\]): heat
//!   transfer in a wet tower is driven by the difference between the enthalpy of saturated air at
//!   the water temperature and the enthalpy of the entering air (which is that of saturated air at
//!   the wet-bulb), and the transfer coefficient grows with the air mass flow G as
//!   KaV/L ∝ (L/G)^−n, n ≈ 0.4-0.8 (0.6 by default). With the water flow fixed by the
//!   condenser loop, Q = k · G^n · ΔH, ΔH = h_sat(T_wb + a + R/2) − h_sat(T_wb) (mean water
//!   temperature; approach a, range R). Sized so that the design heat at the design wet-bulb
//!   and approach needs the design airflow, the airflow needed for heat Q at wet-bulb T_wb and
//!   approach a is G/G_d = [(Q/Q_d) · ΔH_d / ΔH(T_wb, a)]^(1/n), and fan power is
//!   P_d · (G/G_d)³ (affinity law). Because saturated enthalpy flattens at low temperatures, a
//!   tower holding the same approach needs more air as the wet-bulb falls; where it would need
//!   more than the design airflow it runs at design speed and the approach widens to the a that
//!   solves ΔH(T_wb, a) = (Q/Q_d) · ΔH_d. A tower asked only for warmer water (a chiller whose
//!   condenser must not go below its head-pressure minimum) holds the wider approach and its fans
//!   slow down.
//! - **Saturated air**: h = 1.006 T + W (2501 + 1.86 T) kJ/kg dry air, W = 0.622 p_ws/(p − p_ws)
//!   at the site's barometric pressure p (from its elevation, [`super::psychro::pressure_at`]), p_ws = 610.94 exp(17.625 T / (T + 243.04)) Pa (Alduchov and Eskridge
//!   1996, the Magnus form; ASHRAE Handbook Fundamentals ch. 1 for h).
//! - **Basin heaters**: below the set-point (0 °C by default) the open water of cells that are
//!   not carrying heat must be kept from freezing; heaters draw C · (T_set − T_db), with C in W/K
//!   per W of design heat rejection (the form of EnergyPlus's CoolingTower basin heater,
//!   "Basin Heater Capacity" in W/K \[unverified\]), applied to the idle share of the towers
//!   (1 − Q/Q_d): cells that carry warm condenser water need none. The default C = 160 W/K per
//!   MW rejected is a rule of thumb: a cell of about 3.5 MW (1,000 tons) with about 12 kW of
//!   heaters sized to hold 4.4 °C water at −17.8 °C outdoors (0 °F) \[unverified\].

/// Saturated moist-air enthalpy at `t_c` °C and barometric pressure `p_pa`, kJ per kg of dry air.
pub fn h_sat(t_c: f64, p_pa: f64) -> f64 {
    let p_ws = 610.94 * (17.625 * t_c / (t_c + 243.04)).exp();
    let w = 0.622 * p_ws / (p_pa - p_ws).max(1.0);
    1.006 * t_c + w * (2501.0 + 1.86 * t_c)
}

/// Mean enthalpy driving force of a tower at wet-bulb `wb_c`, approach `approach_k` and range
/// `range_k` at pressure `p_pa`, kJ/kg.
pub fn driving_force(wb_c: f64, approach_k: f64, range_k: f64, p_pa: f64) -> f64 {
    h_sat(wb_c + approach_k + 0.5 * range_k, p_pa) - h_sat(wb_c, p_pa)
}

/// h_sat and d h_sat / dT at `t_c` and pressure `p`: (kJ/kg, kJ/(kg K)). One `exp` serves
/// both (the formulas are [`h_sat`]'s and its derivative's, operation for operation, so the
/// values are bit for bit those of separate evaluations).
fn h_sat_and_slope(t_c: f64, p: f64) -> (f64, f64) {
    let p_ws = 610.94 * (17.625 * t_c / (t_c + 243.04)).exp();
    let w = 0.622 * p_ws / (p - p_ws).max(1.0);
    let h = 1.006 * t_c + w * (2501.0 + 1.86 * t_c);
    let dp = p_ws * 17.625 * 243.04 / ((t_c + 243.04) * (t_c + 243.04));
    let dw = 0.622 * p * dp / ((p - p_ws) * (p - p_ws)).max(1.0);
    (h, 1.006 + dw * (2501.0 + 1.86 * t_c) + 1.86 * w)
}

/// Newton steps inverting h_sat (converges to under 1 mK in 3-5 from the start below).
const NEWTON_STEPS: u32 = 8;
/// The warmest mean water temperature considered, °C.
const MAX_WATER_C: f64 = 80.0;

/// The temperature, °C, at which saturated air at pressure `p_pa` has enthalpy `h` kJ/kg, starting from `guess_c`
/// (Newton's method; h_sat is increasing and convex, so after the first step the iterates fall
/// monotonically onto the root).
pub fn h_sat_inverse(h: f64, guess_c: f64, p_pa: f64) -> f64 {
    newton(h, guess_c, h_sat_and_slope(guess_c, p_pa), p_pa)
}

/// [`h_sat_inverse`] from `t`, whose saturated enthalpy and slope `at_t` the caller has.
fn newton(h: f64, mut t: f64, mut at_t: (f64, f64), p_pa: f64) -> f64 {
    for i in 0..NEWTON_STEPS {
        if i > 0 {
            at_t = h_sat_and_slope(t, p_pa);
        }
        let step = (at_t.0 - h) / at_t.1;
        t = (t - step).min(MAX_WATER_C);
        if step.abs() < 1e-4 {
            break;
        }
    }
    t
}

/// A wet tower's fans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TowerFans {
    /// Design approach, K.
    pub approach_k: f64,
    /// Range, K.
    pub range_k: f64,
    /// Exponent n of the tower characteristic.
    pub exponent: f64,
    /// Driving force at design (design wet-bulb and approach), kJ/kg.
    pub design_force: f64,
    /// Barometric pressure of the site, Pa.
    pub pressure_pa: f64,
}

impl TowerFans {
    /// A tower at pressure `pressure_pa` whose design approach at `design_wb_c` needs the design
    /// airflow.
    pub fn new(approach_k: f64, range_k: f64, exponent: f64, design_wb_c: f64, pressure_pa: f64) -> TowerFans {
        let design_force = driving_force(design_wb_c, approach_k, range_k, pressure_pa);
        TowerFans { approach_k, range_k, exponent, design_force, pressure_pa }
    }

    /// The approach, K, held rejecting `heat_ratio` of the design heat at wet-bulb `wb_c` (whose
    /// saturated enthalpy is `h_wb`), asked for water no colder than `wb_c + want_k`: `want_k`
    /// (at least the design approach) when the design airflow can hold it, else the wider
    /// approach at which the design airflow carries the heat.
    pub fn approach_k(&self, heat_ratio: f64, wb_c: f64, h_wb: f64, want_k: f64) -> f64 {
        let want = want_k.max(self.approach_k);
        let need = heat_ratio * self.design_force;
        let mean = wb_c + want + 0.5 * self.range_k;
        if heat_ratio <= 0.0 {
            return want;
        }
        let at_mean = h_sat_and_slope(mean, self.pressure_pa);
        if at_mean.0 - h_wb >= need {
            return want;
        }
        (newton(h_wb + need, mean, at_mean, self.pressure_pa) - 0.5 * self.range_k - wb_c).max(want)
    }

    /// Airflow, fraction of design (at most 1), rejecting `heat_ratio` of the design heat at
    /// wet-bulb `wb_c` (saturated enthalpy `h_wb`) while holding `approach_k`.
    pub fn airflow(&self, heat_ratio: f64, wb_c: f64, h_wb: f64, approach_k: f64) -> f64 {
        if heat_ratio <= 0.0 {
            return 0.0;
        }
        let force = h_sat(wb_c + approach_k + 0.5 * self.range_k, self.pressure_pa) - h_wb;
        if force <= 0.0 {
            return 1.0;
        }
        (heat_ratio * self.design_force / force).powf(1.0 / self.exponent).min(1.0)
    }
}

/// Basin-heater power, W: `w_per_k_w` W/K per W of `design_w`, below `setpoint_c`, on the idle
/// share of the towers (1 − heat / design).
pub fn basin_heater_w(w_per_k_w: f64, design_w: f64, heat_w: f64, dry_bulb_c: f64, setpoint_c: f64) -> f64 {
    if dry_bulb_c >= setpoint_c || design_w <= 0.0 {
        return 0.0;
    }
    let idle = (1.0 - heat_w / design_w).clamp(0.0, 1.0);
    w_per_k_w * design_w * (setpoint_c - dry_bulb_c) * idle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::facility::psychro::SEA_LEVEL_PA as P;

    #[test]
    fn saturated_enthalpy_matches_the_psychrometric_table() {
        // ASHRAE Fundamentals ch. 1, Table 2 (saturated air at 101.325 kPa): h_s = 9.47 kJ/kg at
        // 0 °C, 29.35 at 10 °C, 57.55 at 20 °C, 100.0 at 30 °C [unverified, from memory].
        for (t, h) in [(0.0, 9.47), (10.0, 29.35), (20.0, 57.55), (30.0, 100.0)] {
            assert!((h_sat(t, P) - h).abs() / h < 0.02, "{t}: {} vs {h}", h_sat(t, P));
        }
    }

    #[test]
    fn design_point_needs_design_airflow_and_fans_follow_the_closed_form() {
        let t = TowerFans::new(4.0, 5.0, 0.6, 28.0, P);
        let h = h_sat(28.0, P);
        assert_eq!(t.approach_k(1.0, 28.0, h, 4.0), 4.0);
        assert!((t.airflow(1.0, 28.0, h, 4.0) - 1.0).abs() < 1e-12);
        // Half the heat at design conditions: (1/2)^(1/0.6).
        assert!((t.airflow(0.5, 28.0, h, 4.0) - 0.5f64.powf(1.0 / 0.6)).abs() < 1e-12);
    }

    #[test]
    fn the_shared_exponential_gives_h_sat_bit_for_bit() {
        for t in [-30.0, -0.5, 0.0, 7.25, 21.0, 33.3, 79.9] {
            for p in [P, 84_556.0] {
                assert_eq!(h_sat_and_slope(t, p).0.to_bits(), h_sat(t, p).to_bits(), "{t} {p}");
                let (h1, h2) = (h_sat(t + 1e-6, p), h_sat(t - 1e-6, p));
                let slope = h_sat_and_slope(t, p).1;
                assert!(((h1 - h2) / 2e-6 - slope).abs() < 1e-4 * slope, "{t} {p}: {slope}");
            }
        }
    }

    #[test]
    fn the_inverse_of_saturated_enthalpy() {
        for t in [-10.0, 0.0, 12.5, 30.0, 45.0] {
            for guess in [t - 8.0, t, t + 20.0] {
                assert!((h_sat_inverse(h_sat(t, P), guess, P) - t).abs() < 1e-3, "{t} from {guess}");
            }
        }
    }

    #[test]
    fn holding_the_approach_at_a_lower_wet_bulb_takes_more_air_until_it_widens() {
        let t = TowerFans::new(4.0, 5.0, 0.6, 28.0, P);
        let flows: Vec<f64> = [28.0, 24.0, 20.0, 16.0].iter().map(|&wb| t.airflow(0.5, wb, h_sat(wb, P), 4.0)).collect();
        assert!(flows.windows(2).all(|w| w[1] > w[0]), "{flows:?}");
        // Winter at full heat: the design airflow cannot hold 4 K; the approach widens until the
        // driving force equals the design one, at design airflow.
        let a = t.approach_k(1.0, 2.0, h_sat(2.0, P), 4.0);
        assert!(a > 6.0, "{a}");
        assert!((driving_force(2.0, a, 5.0, P) - t.design_force).abs() < 1e-2);
        assert!((t.airflow(1.0, 2.0, h_sat(2.0, P), a) - 1.0).abs() < 1e-4);
        // Asked for warmer water (a head-pressure minimum), the fans slow down.
        let h10 = h_sat(10.0, P);
        assert!(
            t.airflow(0.5, 10.0, h10, t.approach_k(0.5, 10.0, h10, 8.0)) < t.airflow(0.5, 10.0, h10, t.approach_k(0.5, 10.0, h10, 4.0))
        );
    }

    #[test]
    fn saturated_enthalpy_and_tower_airflow_follow_the_site_pressure() {
        // At 1,500 m (84.6 kPa, ASHRAE Fundamentals ch. 1 Table 1) saturated air carries more water
        // per kg of dry air: W = 0.622 p_ws / (p − p_ws) grows as p falls, and so does h_sat.
        let p = crate::model::facility::psychro::pressure_at(1500.0);
        assert!((p - 84_556.0).abs() < 200.0, "{p}");
        let (lo, hi) = (h_sat(25.0, P), h_sat(25.0, p));
        let p_ws = 610.94 * (17.625 * 25.0 / (25.0 + 243.04f64)).exp();
        let closed = 1.006 * 25.0 + 0.622 * p_ws / (p - p_ws) * (2501.0 + 1.86 * 25.0);
        assert!(hi > lo * 1.1 && (hi - closed).abs() < 1e-9, "{lo} {hi}");
        // A tower sized at its own site follows the closed form with the site's enthalpies.
        let high = TowerFans::new(4.0, 5.0, 0.6, 24.0, p);
        let want = (0.6 * driving_force(24.0, 4.0, 5.0, p) / driving_force(16.0, 4.0, 5.0, p)).powf(1.0 / 0.6);
        assert!((high.airflow(0.6, 16.0, h_sat(16.0, p), 4.0) - want.min(1.0)).abs() < 1e-12);
        assert!(want < 1.0);
    }

    #[test]
    fn basin_heaters_only_below_the_set_point_and_on_idle_cells() {
        assert_eq!(basin_heater_w(160e-6, 1e6, 0.0, 0.0, 0.0), 0.0);
        assert_eq!(basin_heater_w(160e-6, 1e6, 0.0, 5.0, 0.0), 0.0);
        assert!((basin_heater_w(160e-6, 1e6, 0.0, -10.0, 0.0) - 1600.0).abs() < 1e-9);
        assert!((basin_heater_w(160e-6, 1e6, 5e5, -10.0, 0.0) - 800.0).abs() < 1e-9);
        assert_eq!(basin_heater_w(160e-6, 1e6, 2e6, -10.0, 0.0), 0.0);
    }
}
