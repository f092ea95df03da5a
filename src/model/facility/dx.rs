//! DX computer-room air conditioners (CRAC): refrigerant units in the hall with air-cooled
//! condensers outdoors, the cooling of many halls built before chilled-water plants were common.
//!
//! ## How it works
//! The compressor and condenser fans (the scope of a DX unit's rated COP in EnergyPlus's
//! Coil:Cooling:DX:SingleSpeed; the evaporator fans are the hall's air-unit fans) draw
//! P = Q / COP_rated · EIRFT(T_wb,in, T_db,out) / PLF(PLR), with
//! - EIRFT the biquadratic of the EnergyPlus example DX curves ("HPACCoolEIRFT":
//!   0.342414409 + 0.034885008 T_wb − 0.0006237 T_wb² + 0.004977216 T_db + 0.000437951 T_db²
//!   − 0.000728028 T_wb T_db, °C; EnergyPlus example files such as 5ZoneAutoDXVAV.idf
//!   \[unverified\]), equal to 1 at the rating point (19.44 °C entering wet-bulb, 35 °C outdoor),
//!   held at the hall's return-air wet-bulb of 19.44 °C (a dry data hall) and evaluated for
//!   outdoor air within the curve's fitted range 18-46 °C: below 18 °C head-pressure control
//!   (condenser-fan cycling) keeps the condensing pressure up, so colder air saves nothing more;
//! - PLF = 0.85 + 0.15 PLR the part-load (cycling) factor of the same example files
//!   ("HPACCOOLPLFFPLR"), PLR = Q / Q_design.
//!
//! All of it leaves the building through the units' own condensers: none of the hall's heat
//! reaches the chilled-water loop.

/// Entering (return-air) wet-bulb at which the units run, °C (the EnergyPlus rating point).
pub const DX_ENTERING_WB_C: f64 = 19.44;
/// Lowest outdoor dry-bulb of the curve (head-pressure control below it), °C.
pub const DX_MIN_OUTDOOR_C: f64 = 18.0;
/// Highest outdoor dry-bulb of the curve, °C.
pub const DX_MAX_OUTDOOR_C: f64 = 46.0;

/// EIRFT of the EnergyPlus example DX cooling coil at entering wet-bulb `wb` and outdoor dry-bulb `db`, °C.
pub fn eirft(wb: f64, db: f64) -> f64 {
    0.342414409 + 0.034885008 * wb - 0.0006237 * wb * wb + 0.004977216 * db + 0.000437951 * db * db - 0.000728028 * wb * db
}

/// Part-load factor at part-load ratio `plr` (cycling losses).
pub fn plf(plr: f64) -> f64 {
    0.85 + 0.15 * plr.clamp(0.0, 1.0)
}

/// COP of a DX unit rated `cop_rated` with outdoor air at `outdoor_c`, at full load.
pub fn dx_cop(cop_rated: f64, outdoor_c: f64) -> f64 {
    cop_rated / eirft(DX_ENTERING_WB_C, outdoor_c.clamp(DX_MIN_OUTDOOR_C, DX_MAX_OUTDOOR_C))
}

/// Compressor and condenser-fan power removing `heat_w` from a hall whose DX units are designed
/// for `design_w`, with outdoor air at `outdoor_c`, W.
pub fn dx_power_w(cop_rated: f64, heat_w: f64, design_w: f64, outdoor_c: f64) -> f64 {
    if heat_w <= 0.0 || design_w <= 0.0 {
        return 0.0;
    }
    heat_w / dx_cop(cop_rated, outdoor_c) / plf(heat_w / design_w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_is_one_at_its_rating_point() {
        assert!((eirft(19.44, 35.0) - 1.0).abs() < 0.002, "{}", eirft(19.44, 35.0));
        assert!((dx_cop(3.0, 35.0) - 3.0).abs() < 0.01);
    }

    #[test]
    fn cop_falls_with_outdoor_heat_and_stops_rising_below_head_pressure_control() {
        let c: Vec<f64> = [18.0, 25.0, 35.0, 40.0].iter().map(|&t| dx_cop(3.0, t)).collect();
        assert!(c.windows(2).all(|w| w[1] < w[0]), "{c:?}");
        // From the curve: EIR at 25 °C is 0.83 of rated, so COP 3.0 -> about 3.6.
        assert!((c[1] - 3.0 / eirft(19.44, 25.0)).abs() < 1e-12 && (3.5..3.75).contains(&c[1]), "{}", c[1]);
        assert_eq!(dx_cop(3.0, -10.0), dx_cop(3.0, 18.0));
    }

    #[test]
    fn part_load_costs_cycling_losses() {
        let full = dx_power_w(3.0, 1e5, 1e5, 35.0);
        assert!((full - 1e5 / 3.0 * eirft(19.44, 35.0)).abs() < 1e-6);
        let half = dx_power_w(3.0, 5e4, 1e5, 35.0);
        assert!((half / (full / 2.0) - 1.0 / 0.925).abs() < 1e-9);
        assert_eq!(dx_power_w(3.0, 0.0, 1e5, 35.0), 0.0);
    }
}
