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
}

impl Ups {
    /// Loss delivering `output_w`, W.
    pub fn loss_w(&self, output_w: f64) -> f64 {
        let n = self.modules as f64;
        let r = self.module_rating_w;
        let p = output_w / n;
        n * (self.l0 * r + self.k1 * p + self.k2 * p * p / r)
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
        let ups = Ups { modules: 2, module_rating_w: 1e6, l0: 0.01, k1: 0.01, k2: 0.015 };
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
}
