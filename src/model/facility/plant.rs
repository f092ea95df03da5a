//! The cooling plant: chillers, cooling towers, dry coolers, the water-side economizer and pumps.
//!
//! ## How it works
//! - **Chiller** (EnergyPlus Chiller:Electric:EIR with the DOE-2 centrifugal reference curves,
//!   BRIEF §4): P = (Q_ref / COP_ref) · CAPFT · EIRFT · EIRFPLR(PLR), PLR = Q / (Q_ref · CAPFT),
//!   with T_chw the leaving chilled-water and T_cw the entering condenser-water temperature, °C.
//!   The curves hold for T_chw 5-10 °C and T_cw 24-35 °C; outside, the temperatures are clamped
//!   into range and the power is scaled by the ratio of Carnot COPs, COP = η T_evap / (T_cond −
//!   T_evap) with T_evap = T_chw − 2 K and T_cond = T_cw + 5 K, so the model is continuous and
//!   follows the physics of lift where the fit does not apply. Units are staged: the fewest that
//!   carry the load at PLR ≤ 1 run; above the installed capacity the shortfall is reported.
//!   Head-pressure control: the entering condenser water is held at or above a minimum (15 °C by
//!   default; 13-18 °C is typical of centrifugal chillers), so colder weather saves nothing more;
//!   and the COP never exceeds a ceiling (10 by default), however small the lift.
//! - **Air-cooled chiller**: COP = COP_rated · [T_e / (T_c − T_e)] / [T_e,ref / (T_c,ref − T_e,ref)]
//!   (a constant fraction of the Carnot COP), T_e = T_chw − 2 K, T_c = T_db + condenser approach,
//!   rated at AHRI 550/590 conditions (6.67 °C water, 35 °C air), with the same part-load curve,
//!   staging, condenser minimum (on the outdoor air) and ceiling; condenser fans in proportion to
//!   the running capacity.
//! - **Cooling tower**: leaving water = wet-bulb + approach; fan power by the affinity law,
//!   P = P_design · (Q / Q_design)³; water: evaporation 0.8 Q / h_fg, blowdown E / (COC − 1),
//!   drift as a fraction of the circulating flow (BRIEF §4).
//! - **Dry cooler**: leaving water = dry-bulb + approach; fans by the affinity law; no water.
//! - **Water-side economizer**: with heat rejection able to supply water at T_avail =
//!   T_leaving + heat-exchanger approach, a loop with supply T_s and return T_r = T_s + ΔT is
//!   cooled for free in the fraction f = (T_r − T_avail) / (T_r − T_s), clamped to [0, 1]: full
//!   free cooling when T_avail ≤ T_s, partial (pre-cooling the return) in between.
//! - **Pumps**: flow V = Q / (ρ c_p ΔT), power P = V Δp / η (variable speed at constant head);
//!   constant-speed pumps move the design flow whatever the load.
//! - Tower fans from the approach at the wet-bulb and basin heaters: [`super::tower`]; DX CRAC
//!   units: [`super::dx`].

/// Volumetric heat capacity of water, J/(m³ K) (BRIEF §4: 4.19 MJ/(K m³)).
pub const WATER_RHO_CP: f64 = 4.19e6;
/// Specific heat of water, J/(kg K).
pub const WATER_CP: f64 = 4190.0;
/// Latent heat of vaporisation of water, J/kg (BRIEF §4: 2.43 MJ/kg).
pub const H_FG: f64 = 2.43e6;
/// Share of rejected heat carried by evaporation in a wet tower (BRIEF §4: E ≈ 0.8 Q / h_fg).
pub const EVAPORATIVE_SHARE: f64 = 0.8;
/// Lowest part-load ratio of the EIR curve (EnergyPlus default minimum PLR); below it a chiller cycles.
pub const MIN_PLR: f64 = 0.1;

/// CAPFT of the DOE-2 centrifugal reference chiller.
pub fn capft(tchw: f64, tcw: f64) -> f64 {
    0.257183 + 0.038794 * tchw - 0.00021648 * tchw * tchw + 0.046739 * tcw - 0.00094024 * tcw * tcw - 0.00034249 * tchw * tcw
}

/// EIRFT of the DOE-2 centrifugal reference chiller.
pub fn eirft(tchw: f64, tcw: f64) -> f64 {
    0.933679 - 0.058199 * tchw + 0.0044994 * tchw * tchw + 0.0024295 * tcw + 0.00048589 * tcw * tcw - 0.0012147 * tchw * tcw
}

/// EIRFPLR of the DOE-2 centrifugal reference chiller.
pub fn eirfplr(plr: f64) -> f64 {
    0.222903 + 0.313387 * plr + 0.463710 * plr * plr
}

/// Carnot-fraction COP at leaving chilled water `tchw` and entering condenser water `tcw`, °C.
pub fn carnot_cop(tchw: f64, tcw: f64, eta: f64) -> f64 {
    let evap = tchw - 2.0 + 273.15;
    let cond = tcw + 5.0 + 273.15;
    eta * evap / (cond - evap).max(1.0)
}

/// An air-cooled chiller's condenser: COP follows the lift to the outdoor dry-bulb.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AirCondenser {
    /// Condensing temperature above the outdoor dry-bulb, K.
    pub approach_k: f64,
    /// Condenser fans, W per W of running cooling capacity.
    pub fan_w_per_w: f64,
}

/// Outdoor dry-bulb of the AHRI 550/590 full-load rating of air-cooled chillers, °C (95 °F).
pub const AHRI_AIR_C: f64 = 35.0;
/// Leaving chilled water of the AHRI 550/590 rating, °C (44 °F).
pub const AHRI_CHW_C: f64 = 6.67;

/// COP of an air-cooled chiller rated `cop_rated` at AHRI 550/590 conditions, making `tchw` °C
/// water with outdoor air at `tdb` °C: a constant fraction of the Carnot COP between the
/// evaporator (T_chw − 2 K) and the condenser (T_db + `approach_k`), so
/// COP = COP_rated · [T_e / (T_c − T_e)] / [T_e,ref / (T_c,ref − T_e,ref)].
pub fn air_chiller_cop(cop_rated: f64, tchw: f64, tdb: f64, approach_k: f64) -> f64 {
    let carnot = |te: f64, tc: f64| (te + 273.15) / (tc - te).max(1.0);
    cop_rated * carnot(tchw - 2.0, tdb + approach_k) / carnot(AHRI_CHW_C - 2.0, AHRI_AIR_C + approach_k)
}

/// A bank of identical chillers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chillers {
    /// Installed units.
    pub units: u32,
    /// Reference capacity of one unit, W.
    pub unit_capacity_w: f64,
    /// COP at the reference conditions (6.67 °C / 29.4 °C).
    pub cop_ref: f64,
    /// Carnot efficiency used outside the curves' range.
    pub carnot_eta: f64,
    /// Lowest entering condenser temperature (water, or air when air-cooled), °C: head-pressure
    /// control holds the condenser at least this warm, so colder weather saves no more.
    pub min_condenser_c: f64,
    /// Highest COP.
    pub max_cop: f64,
    /// Air-cooled: the condenser; None for water-cooled chillers.
    pub air: Option<AirCondenser>,
}

/// What the chillers did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChillerDuty {
    /// Electric power, W.
    pub power_w: f64,
    /// Heat removed, W.
    pub cooling_w: f64,
    /// Load above the installed capacity, W.
    pub shortfall_w: f64,
    /// Units running.
    pub running: u32,
    /// Condenser fans of air-cooled chillers, W.
    pub fan_w: f64,
}

impl Chillers {
    /// Serves `load_w` of heat at leaving chilled water `tchw` and entering condenser water
    /// `tcw` (air-cooled: the outdoor dry-bulb), both °C; the condenser is held at or above
    /// [`Chillers::min_condenser_c`] and the COP at or below [`Chillers::max_cop`].
    pub fn serve(&self, load_w: f64, tchw: f64, tcw: f64) -> ChillerDuty {
        if load_w <= 0.0 || self.units == 0 {
            return ChillerDuty { shortfall_w: load_w.max(0.0), ..Default::default() };
        }
        let tcw = tcw.max(self.min_condenser_c);
        let mut duty = match self.air {
            Some(a) => self.serve_air(load_w, tchw, tcw, a),
            None => self.serve_water(load_w, tchw, tcw),
        };
        duty.power_w = duty.power_w.max(duty.cooling_w / self.max_cop);
        duty
    }

    fn serve_air(&self, load_w: f64, tchw: f64, tdb: f64, a: AirCondenser) -> ChillerDuty {
        let unit_cap = self.unit_capacity_w;
        let running = ((load_w / unit_cap).ceil() as u32).clamp(1, self.units);
        let capacity = running as f64 * unit_cap;
        let cooling_w = load_w.min(capacity);
        let plr = (cooling_w / capacity).max(MIN_PLR);
        let per_unit = unit_cap / air_chiller_cop(self.cop_ref, tchw, tdb, a.approach_k) * eirfplr(plr);
        ChillerDuty {
            power_w: running as f64 * per_unit,
            cooling_w,
            shortfall_w: load_w - cooling_w,
            running,
            fan_w: a.fan_w_per_w * capacity,
        }
    }

    fn serve_water(&self, load_w: f64, tchw: f64, tcw: f64) -> ChillerDuty {
        let (tc, tw) = (tchw.clamp(5.0, 10.0), tcw.clamp(24.0, 35.0));
        let unit_cap = self.unit_capacity_w * capft(tc, tw);
        let running = ((load_w / unit_cap).ceil() as u32).clamp(1, self.units);
        let capacity = running as f64 * unit_cap;
        let cooling_w = load_w.min(capacity);
        let plr = (cooling_w / capacity).max(MIN_PLR);
        let per_unit = self.unit_capacity_w / self.cop_ref * capft(tc, tw) * eirft(tc, tw) * eirfplr(plr);
        let scale = carnot_cop(tc, tw, self.carnot_eta) / carnot_cop(tchw, tcw, self.carnot_eta);
        ChillerDuty { power_w: running as f64 * per_unit * scale, cooling_w, shortfall_w: load_w - cooling_w, running, fan_w: 0.0 }
    }
}

/// Heat rejection to outdoor air.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rejection {
    /// Open wet cooling towers.
    Tower {
        /// Approach of leaving water to wet-bulb, K.
        approach_k: f64,
        /// Fan power at design heat, W per W rejected.
        fan_w_per_w: f64,
        /// Cycles of concentration.
        cycles: f64,
        /// Drift, fraction of circulating water.
        drift: f64,
        /// Condenser-water temperature rise, K.
        range_k: f64,
    },
    /// Dry (air-blast) coolers.
    DryCooler {
        /// Approach of leaving water to dry-bulb, K.
        approach_k: f64,
        /// Fan power at design heat, W per W rejected.
        fan_w_per_w: f64,
    },
}

impl Rejection {
    /// Temperature of the water it returns, °C.
    pub fn leaving_c(&self, dry_bulb_c: f64, wet_bulb_c: f64) -> f64 {
        match *self {
            Rejection::Tower { approach_k, .. } => wet_bulb_c + approach_k,
            Rejection::DryCooler { approach_k, .. } => dry_bulb_c + approach_k,
        }
    }

    /// Fan power rejecting `heat_w` with a design heat of `design_w`, W.
    pub fn fan_w(&self, heat_w: f64, design_w: f64) -> f64 {
        let per = match *self {
            Rejection::Tower { fan_w_per_w, .. } | Rejection::DryCooler { fan_w_per_w, .. } => fan_w_per_w,
        };
        if design_w <= 0.0 {
            return 0.0;
        }
        let x = heat_w / design_w;
        per * design_w * x * x * x
    }

    /// Make-up water rejecting `heat_w`, L/h (evaporation + blowdown + drift); 0 for dry coolers.
    pub fn water_l_per_h(&self, heat_w: f64) -> f64 {
        match *self {
            Rejection::Tower { cycles, drift, range_k, .. } => {
                let evaporation = EVAPORATIVE_SHARE * heat_w / H_FG; // kg/s = L/s
                let blowdown = evaporation / (cycles - 1.0);
                let circulation = heat_w / (WATER_CP * range_k);
                (evaporation + blowdown + drift * circulation) * 3600.0
            }
            Rejection::DryCooler { .. } => 0.0,
        }
    }
}

/// Share of a loop's heat removed without chillers, given the water the heat rejection can make.
pub fn free_fraction(available_c: f64, supply_c: f64, delta_t_k: f64) -> f64 {
    let ret = supply_c + delta_t_k;
    if delta_t_k <= 0.0 {
        return if available_c <= supply_c { 1.0 } else { 0.0 };
    }
    ((ret - available_c) / (ret - supply_c)).clamp(0.0, 1.0)
}

/// Pump power moving the water that carries `heat_w` at a temperature difference `delta_t_k`
/// against `dp_pa` with efficiency `eta`, W.
pub fn pump_w(heat_w: f64, delta_t_k: f64, dp_pa: f64, eta: f64) -> f64 {
    if heat_w <= 0.0 || delta_t_k <= 0.0 {
        return 0.0;
    }
    heat_w / (WATER_RHO_CP * delta_t_k) * dp_pa / eta
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: Chillers =
        Chillers { units: 1, unit_capacity_w: 1e6, cop_ref: 5.5, carnot_eta: 0.59, min_condenser_c: -100.0, max_cop: 100.0, air: None };

    #[test]
    fn doe2_reference_chiller_gives_cop_5_5_at_its_reference_point() {
        // At 6.67 °C / 29.4 °C the curves are ~1 by construction and full load gives COP_ref.
        let d = REF.serve(1e6 * capft(6.67, 29.4), 6.67, 29.4);
        let cop = d.cooling_w / d.power_w;
        assert!((cop - 5.5).abs() < 0.05, "{cop}");
        assert!((capft(6.67, 29.4) - 1.0).abs() < 0.01 && (eirft(6.67, 29.4) - 1.0).abs() < 0.01);
        // The Carnot fraction is calibrated to the same point.
        assert!((carnot_cop(6.67, 29.4, 0.59) - 5.5).abs() < 0.1);
    }

    #[test]
    fn warmer_chilled_water_and_cooler_condenser_save_power() {
        let base = REF.serve(5e5, 7.0, 30.0).power_w;
        let warmer = REF.serve(5e5, 8.0, 30.0).power_w;
        let saving = 1.0 - warmer / base;
        // BRIEF §4: ~2-3 % per K of chilled water.
        assert!((0.015..0.04).contains(&saving), "{saving}");
        assert!(REF.serve(5e5, 7.0, 26.0).power_w < base);
        // Outside the curves (15 °C chilled water, 20 °C condenser): continuous and cheaper still.
        let outside = REF.serve(5e5, 15.0, 20.0);
        assert!(outside.power_w < REF.serve(5e5, 10.0, 24.0).power_w && outside.power_w > 0.0);
    }

    #[test]
    fn staging_and_shortfall() {
        let bank = Chillers { units: 3, ..REF };
        let d = bank.serve(1.5e6, 7.0, 29.4);
        assert_eq!(d.running, 2);
        let over = bank.serve(5e6, 7.0, 29.4);
        assert_eq!(over.running, 3);
        assert!(over.shortfall_w > 1.5e6);
        assert_eq!(bank.serve(0.0, 7.0, 29.4), ChillerDuty::default());
    }

    #[test]
    fn tower_water_matches_the_brief_band() {
        // BRIEF §4: evaporation ~1.2 L per kWh of heat; make-up 1.5-1.8 L/kWh.
        let t = Rejection::Tower { approach_k: 4.0, fan_w_per_w: 0.01, cycles: 4.0, drift: 0.0002, range_k: 5.0 };
        let l_per_kwh = t.water_l_per_h(1000.0);
        assert!((1.5..1.8).contains(&l_per_kwh), "{l_per_kwh}");
        assert_eq!(t.leaving_c(30.0, 24.0), 28.0);
        assert!((t.fan_w(5e5, 1e6) - 0.01 * 1e6 / 8.0).abs() < 1e-6);
    }

    #[test]
    fn economizer_fraction_and_pumps() {
        assert_eq!(free_fraction(20.0, 32.0, 10.0), 1.0);
        assert_eq!(free_fraction(42.0, 32.0, 10.0), 0.0);
        assert!((free_fraction(37.0, 32.0, 10.0) - 0.5).abs() < 1e-12);
        // BRIEF §4: 1 MW at dT 10 K, 250 kPa, eta 0.6 -> about 10 kW.
        let p = pump_w(1e6, 10.0, 250e3, 0.6);
        assert!((8e3..12e3).contains(&p), "{p}");
    }

    #[test]
    fn head_pressure_control_and_the_cop_ceiling_bound_cold_condenser_water() {
        // Below the minimum entering condenser water (15 °C here), colder water saves nothing.
        let held = Chillers { min_condenser_c: 15.0, ..REF };
        assert_eq!(held.serve(5e5, 7.0, 5.0), held.serve(5e5, 7.0, 15.0));
        assert!(REF.serve(5e5, 7.0, 5.0).power_w < held.serve(5e5, 7.0, 5.0).power_w);
        // The ceiling: with 18 °C chilled water and 15 °C condenser water the Carnot scaling
        // alone gives a COP far above any machine's; it is held at max_cop.
        let capped = Chillers { max_cop: 10.0, ..held };
        let d = capped.serve(5e5, 18.0, 10.0);
        assert!((d.cooling_w / d.power_w - 10.0).abs() < 1e-9, "{}", d.cooling_w / d.power_w);
        let free = held.serve(5e5, 18.0, 10.0);
        assert!(free.cooling_w / free.power_w > 10.0);
    }

    #[test]
    fn air_cooled_chillers_follow_the_lift_to_the_dry_bulb() {
        // At the AHRI 550/590 rating point (6.67 °C water, 35 °C air) the COP is the rated one.
        assert!((air_chiller_cop(3.0, AHRI_CHW_C, AHRI_AIR_C, 15.0) - 3.0).abs() < 1e-12);
        // Closed form at 25 °C air: T_e = 4.67 °C, T_c = 40 °C against 50 °C at rating.
        let expect = 3.0 * (277.82 / 35.33) / (277.82 / 45.33);
        assert!((air_chiller_cop(3.0, AHRI_CHW_C, 25.0, 15.0) - expect).abs() < 1e-9);
        let bank = Chillers {
            cop_ref: 3.0,
            min_condenser_c: 15.0,
            max_cop: 10.0,
            air: Some(AirCondenser { approach_k: 15.0, fan_w_per_w: 0.02 }),
            ..REF
        };
        let hot = bank.serve(1e6, AHRI_CHW_C, 35.0);
        assert!((hot.cooling_w / hot.power_w - 3.0).abs() < 1e-6 && (hot.fan_w - 2e4).abs() < 1e-6);
        assert!(bank.serve(1e6, AHRI_CHW_C, 25.0).power_w < hot.power_w);
        // Head-pressure control: no better below 15 °C outdoors.
        assert_eq!(bank.serve(1e6, AHRI_CHW_C, -5.0), bank.serve(1e6, AHRI_CHW_C, 15.0));
    }
}
