//! The electrical chain from the utility to the racks: transformers, UPS and PDUs/busways.
//!
//! ## How it works
//! - **Transformer**: loss = P0 + Pk β² per unit, β = load / rating (BRIEF §3), with the load
//!   shared equally by the installed units (2N: each carries half).
//! - **UPS** (Schneider WP108, BRIEF §3): per module, loss = L0 R + k1 P + k2 P² / R with rating R,
//!   load P shared equally by all installed modules; redundancy (N, N+1, 2N) sets how many are
//!   installed and so the load fraction at which each runs, hence its efficiency. Eco mode uses
//!   smaller coefficients (about 99 % efficient at half load).
//! - **PDU / busway**: I²R: loss = f R (P / R)², f the loss fraction at rated load.
//!
//! The UPS feeds the IT load through the PDUs; the transformers feed everything.
//!
//! ## UPS families and HVDC ([`family_curve`])
//! All families use the WP108 per-module form above with their own coefficients:
//! - **double conversion** (default, modern transformerless): L0 1 %, k1 1 %, k2 1.5 % (WP108,
//!   BRIEF §3): 94.9 % at 25 % load, 96.4 % at 50 %, 96.6 % at 100 %.
//! - **legacy double conversion** (transformer-based, 1990s-2000s): L0 2.3 %, k1 4.1 %, k2 1.1 %,
//!   fitted to 88 % at 25 %, 91.5 % at 50 %, 93 % at 100 % load, the middle of the double-conversion
//!   band measured by Ton & Fortenbery, "High Performance Buildings: Data Centers, Uninterruptible
//!   Power Supplies (UPS)", Ecos Consulting / EPRI Solutions for LBNL, 2005 (factory and field
//!   measurements, 86-94 % over 25-100 % load) \[unverified: curve read from memory\].
//! - **modular**: the double-conversion modules, but a controller keeps only
//!   ⌈P / (x* R)⌉ modules running (x* the shedding target, default 0.75 near the WP108 optimum
//!   √(L0/k2) = 0.82), plus the redundancy's spares (N+1: one more; 2N: twice), never more than
//!   installed: the "intelligent paralleling" / module hibernation of current modular UPS
//!   (Vertiv Liebert APM, Huawei UPS5000 modules hibernate at light load) \[vendor literature,
//!   unverified\]. Loss = a (L0 R + k1 P/a + k2 (P/a)² / R) with a modules running.
//! - **eco**: the bypass carries the load: L0 0.3 %, k1 0.5 %, k2 0.2 % (about 99 %; BRIEF §3).
//! - **HVDC** (240 V / 336 V DC, 直流供电; YD/T 2378-2011 for 240 V): rectifier modules with
//!   shedding (as modular), no inverter stage: one conversion where double conversion has two,
//!   so half its standing loss: L0 0.5 %, k1 1 %, k2 0.8 % gives 96.9 % at 25 %, 97.7 % at 50 %,
//!   97.8 % at 75 % and 100 %, the flat 97-98 % of current 240 V rectifier module data sheets
//!   (YD/T 2378 sets a floor near 95 % at 50-100 % load) \[unverified\].
//!   "Mains + HVDC" (市电直供 + HVDC, the China Telecom / Baidu scheme): a share of the load
//!   (0.5: one of the two feeds of each server) comes straight from the mains through the PDU
//!   with no conversion loss; the rest goes through the rectifiers. The server PSU's own gain on
//!   DC input (no PFC stage needed) is inside the IT power and not modelled.
//!
//! ## Batteries
//! Float/standby loss = w E, E = autonomy x installed UPS rating (both sides of a 2N system carry
//! a full string). VRLA on float: about 1 mA per Ah at 2.27 V per 2 V cell at 25 °C, i.e.
//! 1.1 W/kWh, plus the charger's loss: w = 1.3 W/kWh (manufacturers' float-current data, e.g.
//! EnerSys/Yuasa VRLA manuals, 0.5-2 mA/Ah) \[unverified\]. Lithium iron phosphate: no float;
//! the BMS and topping-up the 2-3 %/month self-discharge: w = 0.25 W/kWh \[rule of thumb\].
//! The loss is heat in the UPS/battery rooms, taken by the chilled water like the UPS losses; a
//! separate battery-room air conditioner is not modelled.

use crate::config::{BatteryKind, Redundancy, UpsFamily};

/// Per-module loss coefficients (L0, k1, k2) of a family, fractions of rating / load / rating.
pub fn family_curve(family: UpsFamily) -> (f64, f64, f64) {
    match family {
        UpsFamily::DoubleConversion | UpsFamily::Modular => (0.01, 0.01, 0.015),
        UpsFamily::Legacy => (0.023, 0.041, 0.011),
        UpsFamily::Eco => (0.003, 0.005, 0.002),
        UpsFamily::Hvdc => (0.005, 0.01, 0.008),
    }
}

/// Default battery float/standby loss, W per kWh of battery energy.
pub fn battery_float_w_per_kwh(kind: BatteryKind) -> f64 {
    match kind {
        BatteryKind::None => 0.0,
        BatteryKind::Vrla => 1.3,
        BatteryKind::Lithium => 0.25,
    }
}

/// Transformers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transformers {
    /// Installed units.
    pub units: u32,
    /// Rating of one unit, W.
    pub rating_w: f64,
    /// No-load loss, fraction of rating.
    pub no_load: f64,
    /// Load loss at rated load, fraction of rating.
    pub load_loss: f64,
}

impl Transformers {
    /// Loss carrying `load_w`, W.
    pub fn loss_w(&self, load_w: f64) -> f64 {
        let n = self.units as f64;
        let beta = load_w / n / self.rating_w;
        n * self.rating_w * (self.no_load + self.load_loss * beta * beta)
    }
}

/// UPS modules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ups {
    /// Installed modules (after redundancy).
    pub modules: u32,
    /// Rating of one module, W.
    pub module_rating_w: f64,
    /// No-load loss, fraction of rating.
    pub l0: f64,
    /// Proportional loss, fraction of load.
    pub k1: f64,
    /// Square-law loss coefficient, fraction of rating at rated load.
    pub k2: f64,
    /// Module shedding: the target load fraction of a running module and the redundancy kept
    /// running; None: every installed module runs.
    pub shed: Option<(f64, Redundancy)>,
    /// Share of the output that passes through the modules (1 − the mains share of "mains + HVDC").
    pub through: f64,
}

impl Ups {
    /// Loss delivering `output_w`, W.
    pub fn loss_w(&self, output_w: f64) -> f64 {
        let load = output_w * self.through;
        let n = self.running(load) as f64;
        let r = self.module_rating_w;
        let p = load / n;
        n * (self.l0 * r + self.k1 * p + self.k2 * p * p / r)
    }

    /// Modules running carrying `load_w` through the converters (at least one).
    pub fn running(&self, load_w: f64) -> u32 {
        match self.shed {
            None => self.modules.max(1),
            Some((target, red)) => {
                let need = (load_w / (target * self.module_rating_w)).ceil().clamp(1.0, self.modules as f64) as u32;
                red.installed(need).clamp(1, self.modules.max(1))
            }
        }
    }

    /// Load fraction of each module delivering `output_w`.
    pub fn load_fraction(&self, output_w: f64) -> f64 {
        output_w / (self.modules as f64 * self.module_rating_w)
    }
}

/// PDUs and busways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pdu {
    /// Rated load, W.
    pub rating_w: f64,
    /// Loss at rated load, fraction of rating.
    pub loss: f64,
}

impl Pdu {
    /// Loss carrying `load_w`, W.
    pub fn loss_w(&self, load_w: f64) -> f64 {
        let x = load_w / self.rating_w;
        self.loss * self.rating_w * x * x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ups_efficiency_peaks_then_falls_and_2n_runs_light() {
        // Double conversion with the BRIEF §3 defaults: L0 1 %, k1 1 %, k2 1.5 %.
        let ups = Ups { modules: 2, module_rating_w: 1e6, l0: 0.01, k1: 0.01, k2: 0.015, shed: None, through: 1.0 };
        let eff = |p: f64| p / (p + ups.loss_w(p));
        // Loss fraction falls with load up to the optimum (P/R = sqrt(L0/k2) = 0.82), then rises.
        assert!(eff(0.4e6) < eff(1.0e6) && eff(1.0e6) < eff(1.6e6));
        assert!(eff(2.0e6) < eff(1.6e6));
        assert!((0.95..0.975).contains(&eff(1.0e6)), "{}", eff(1.0e6));
        // No-load loss is a large share of all losses at light load (BRIEF: can be > 40 %).
        assert!(ups.l0 * 2e6 / ups.loss_w(0.6e6) > 0.4);
        assert!((ups.load_fraction(1e6) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn transformer_and_pdu_losses() {
        let t = Transformers { units: 2, rating_w: 1e6, no_load: 0.0015, load_loss: 0.008 };
        // Each at half load: 2 x (1500 + 8000 x 0.25) = 7000 W.
        assert!((t.loss_w(1e6) - 7000.0).abs() < 1e-6);
        let p = Pdu { rating_w: 1e6, loss: 0.005 };
        assert!((p.loss_w(1e6) - 5000.0).abs() < 1e-6);
        assert!((p.loss_w(5e5) - 1250.0).abs() < 1e-6);
    }

    fn system(family: UpsFamily, modules: u32, red: Redundancy) -> Ups {
        let (l0, k1, k2) = family_curve(family);
        Ups { modules, module_rating_w: 1e5, l0, k1, k2, shed: family.sheds().then_some((0.75, red)), through: 1.0 }
    }

    /// Efficiency of one module (N = 1, no shedding) at load fraction x.
    fn module_eff(family: UpsFamily, x: f64) -> f64 {
        let ups = Ups { shed: None, ..system(family, 1, Redundancy::N) };
        let p = x * 1e5;
        p / (p + ups.loss_w(p))
    }

    #[test]
    fn family_curves_match_their_sources_at_quarter_loads() {
        // Closed form of the WP108 model: η(x) = x / (x + L0 + k1 x + k2 x²).
        for (family, _) in UpsFamily::ALL {
            let (l0, k1, k2) = family_curve(family);
            for x in [0.25, 0.5, 0.75, 1.0] {
                let closed = x / (x + l0 + k1 * x + k2 * x * x);
                assert!((module_eff(family, x) - closed).abs() < 1e-12, "{family:?} {x}");
            }
        }
        // Legacy double conversion: the Ton & Fortenbery (2005) band it was fitted to.
        let legacy: Vec<f64> = [0.25, 0.5, 0.75, 1.0].iter().map(|&x| module_eff(UpsFamily::Legacy, x)).collect();
        for (got, want) in legacy.iter().zip([0.88, 0.915, 0.926, 0.93]) {
            assert!((got - want).abs() < 0.002, "legacy {legacy:?}");
        }
        // Modern double conversion: 96-97 % from half to full load (WP108, BRIEF §3).
        for x in [0.5, 0.75, 1.0] {
            assert!((0.96..0.975).contains(&module_eff(UpsFamily::DoubleConversion, x)), "{x}");
        }
        // Eco mode about 99 % at half load; HVDC rectifiers 96.5-98 % from a quarter to full load,
        // above double conversion at every load (one conversion, not two).
        assert!((0.985..0.995).contains(&module_eff(UpsFamily::Eco, 0.5)));
        for x in [0.25, 0.5, 0.75, 1.0] {
            assert!((0.965..0.98).contains(&module_eff(UpsFamily::Hvdc, x)), "{x}: {}", module_eff(UpsFamily::Hvdc, x));
            assert!(module_eff(UpsFamily::Hvdc, x) > module_eff(UpsFamily::DoubleConversion, x) + 0.005);
            // The legacy curve is the worst at every load, and poorest at light load.
            assert!(module_eff(UpsFamily::Legacy, x) < module_eff(UpsFamily::DoubleConversion, x));
        }
        assert!(legacy.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn modular_shedding_beats_fixed_modules_at_light_load() {
        // 20 modules of 100 kW (N+1 on a 1.9 MW design) carrying 300 kW: shedding keeps
        // ⌈300 / 75⌉ + 1 = 5 modules running at 60 % instead of 20 at 15 %.
        let modular = system(UpsFamily::Modular, 20, Redundancy::NPlus1);
        let fixed = Ups { shed: None, ..modular };
        assert_eq!(modular.running(3e5), 5);
        let p = 3e5;
        let want = 5.0 * (0.01 * 1e5 + 0.01 * 6e4 + 0.015 * 6e4 * 6e4 / 1e5);
        assert!((modular.loss_w(p) - want).abs() < 1e-6);
        assert!(modular.loss_w(p) < 0.5 * fixed.loss_w(p), "{} vs {}", modular.loss_w(p), fixed.loss_w(p));
        // At full load all modules run: the same as fixed.
        assert!((modular.loss_w(2e6) - fixed.loss_w(2e6)).abs() < 1e-6);
        // 2N keeps twice the needed modules running.
        assert_eq!(system(UpsFamily::Modular, 40, Redundancy::TwoN).running(3e5), 8);
    }

    #[test]
    fn hvdc_beats_double_conversion_and_mains_share_halves_its_loss() {
        // The same 2N plant of 100 kW modules on a 1 MW load at 25-100 % of design.
        for x in [0.25, 0.5, 0.75, 1.0] {
            let p = x * 1e6;
            let dc = system(UpsFamily::DoubleConversion, 20, Redundancy::TwoN).loss_w(p);
            let hvdc = system(UpsFamily::Hvdc, 20, Redundancy::TwoN).loss_w(p);
            assert!(hvdc < dc, "{x}: hvdc {hvdc} dc {dc}");
            // At a quarter load shedding leaves 8 rectifiers running at 31 %: less than half the loss.
            if x == 0.25 {
                assert!(hvdc < 0.5 * dc, "{x}: hvdc {hvdc} dc {dc}");
            }
        }
        // Mains + HVDC: half the load bypasses the rectifiers (exactly half the loss at a load
        // where the running modules run at the same fraction).
        let hvdc = system(UpsFamily::Hvdc, 20, Redundancy::N);
        let mixed = Ups { through: 0.5, ..hvdc };
        assert!((mixed.loss_w(6e5) - hvdc.loss_w(3e5)).abs() < 1e-9);
        assert!((hvdc.loss_w(6e5) - 2.0 * hvdc.loss_w(3e5)).abs() < 1e-6);
    }

    #[test]
    fn battery_float_losses_by_chemistry() {
        // VRLA: 1 mA/Ah x 2.27 V per 2 V cell = 1.135 W/kWh, plus the charger: 1.3 W/kWh.
        assert!((battery_float_w_per_kwh(BatteryKind::Vrla) - 0.001 * 2.27 / 2.0 * 1000.0 / 0.87).abs() < 0.01);
        assert!(battery_float_w_per_kwh(BatteryKind::Lithium) < 0.25 * battery_float_w_per_kwh(BatteryKind::Vrla));
        assert_eq!(battery_float_w_per_kwh(BatteryKind::None), 0.0);
    }
}
