//! An on-site battery and its dispatch policies.
//!
//! ## How it works
//! The battery holds stored energy E in [SoC_min, SoC_max] × capacity. Over a step Δt at a
//! constant terminal power it charges E ← E + η_c · P_c · Δt or discharges E ← E − P_d · Δt / η_d,
//! with η_c = η_d = √η_rt (the round-trip efficiency split evenly, [rule of thumb]). Power is
//! limited to the rating and to what the SoC limits allow over the step, so the limits hold
//! exactly and the energy balances: E_end − E_0 = η_c · charged − discharged / η_d.
//!
//! Policies (the desired power before limits, given load P, on-site generation G and the
//! tariff period):
//! - **arbitrage** (TOU): charge at full power in valley hours, discharge to cover the net load
//!   P − G in peak and critical-peak hours, idle in flat hours;
//! - **peak-shaving**: discharge what the net load exceeds the target, charge into what it falls
//!   short of it;
//! - **green**: charge from the PV surplus G − P, discharge to cover the net load otherwise.
//!
//! Discharge never exceeds the net load (no export). A `target` (required by peak-shaving,
//! optional otherwise) and the power cap also bound charging: the net load plus charging stays
//! under them.

pub use crate::config::grid::{BatteryConfig, BatteryPolicy as Policy};

use super::Period;

/// A battery in operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    /// Parameters.
    pub cfg: BatteryConfig,
    /// Stored energy, J.
    pub energy_j: f64,
    /// Energy taken from the bus while charging, J.
    pub charged_j: f64,
    /// Energy delivered to the bus while discharging, J.
    pub discharged_j: f64,
    /// Lowest and highest state of charge seen.
    pub soc_range: (f64, f64),
}

impl Battery {
    /// A battery at its initial state of charge.
    pub fn new(cfg: BatteryConfig) -> Battery {
        Battery {
            cfg,
            energy_j: cfg.soc_initial * cfg.capacity_j,
            charged_j: 0.0,
            discharged_j: 0.0,
            soc_range: (cfg.soc_initial, cfg.soc_initial),
        }
    }

    /// State of charge, 0..1.
    pub fn soc(&self) -> f64 {
        if self.cfg.capacity_j > 0.0 { self.energy_j / self.cfg.capacity_j } else { 0.0 }
    }

    /// Charge and discharge efficiencies (√ of the round trip each).
    pub fn eta(&self) -> f64 {
        self.cfg.round_trip.sqrt()
    }

    /// Decides and applies the power over a step of `dt_s` seconds; returns the terminal power,
    /// W (> 0 discharging into the site, < 0 charging from it). Charging keeps the net load
    /// under `ceiling_w` (the power cap; infinite without one).
    pub fn step(&mut self, load_w: f64, green_w: f64, period: Period, dt_s: f64, ceiling_w: f64) -> f64 {
        if dt_s <= 0.0 {
            return 0.0;
        }
        let net = load_w - green_w;
        let rating = self.cfg.power_w;
        // A target also bounds charging under every policy, so that charging sets no new peak.
        let ceiling = if self.cfg.target_w > 0.0 { self.cfg.target_w.min(ceiling_w) } else { ceiling_w };
        let headroom = (ceiling - net).max(0.0);
        let want = match self.cfg.policy {
            Policy::Arbitrage => match period {
                Period::Valley => -rating.min(headroom),
                Period::Flat => 0.0,
                Period::Peak | Period::Critical => net.max(0.0),
            },
            Policy::PeakShaving => net - self.cfg.target_w,
            Policy::Green => net.max(-headroom),
        };
        let eta = self.eta();
        let cap = self.cfg.capacity_j;
        let p = if want > 0.0 {
            let room = (self.energy_j - self.cfg.soc_min * cap).max(0.0) * eta / dt_s;
            want.min(rating).min(room).min(net.max(0.0))
        } else if want < 0.0 {
            let room = (self.cfg.soc_max * cap - self.energy_j).max(0.0) / eta / dt_s;
            -(-want).min(rating).min(room)
        } else {
            0.0
        };
        if p > 0.0 {
            self.energy_j -= p * dt_s / eta;
            self.discharged_j += p * dt_s;
        } else if p < 0.0 {
            self.energy_j += -p * dt_s * eta;
            self.charged_j += -p * dt_s;
        }
        // Rounding must not leave the limits.
        self.energy_j =
            self.energy_j.clamp(self.cfg.soc_min.min(self.cfg.soc_initial) * cap, self.cfg.soc_max.max(self.cfg.soc_initial) * cap);
        let soc = self.soc();
        self.soc_range = (self.soc_range.0.min(soc), self.soc_range.1.max(soc));
        p
    }

    /// Full equivalent cycles: (charged + discharged) / 2 / capacity.
    pub fn cycles(&self) -> f64 {
        if self.cfg.capacity_j > 0.0 { (self.charged_j + self.discharged_j) / 2.0 / self.cfg.capacity_j } else { 0.0 }
    }

    /// Energy lost in conversion so far, J (charged − discharged − stored increase).
    pub fn losses_j(&self) -> f64 {
        self.charged_j - self.discharged_j - (self.energy_j - self.cfg.soc_initial * self.cfg.capacity_j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(policy: Policy) -> BatteryConfig {
        BatteryConfig {
            capacity_j: 3.6e9,
            power_w: 250e3,
            round_trip: 0.88,
            soc_min: 0.1,
            soc_max: 0.9,
            soc_initial: 0.5,
            policy,
            target_w: 800e3,
        }
    }

    #[test]
    fn limits_hold_and_energy_balances() {
        let mut b = Battery::new(cfg(Policy::Arbitrage));
        for i in 0..200 {
            let period = if i % 48 < 24 { Period::Valley } else { Period::Peak };
            b.step(1e6, 0.0, period, 900.0, f64::INFINITY);
            assert!((0.1 - 1e-9..=0.9 + 1e-9).contains(&b.soc()));
        }
        let eta = b.eta();
        let balance = eta * b.charged_j - b.discharged_j / eta - (b.energy_j - 0.5 * 3.6e9);
        assert!(balance.abs() < 1.0, "{balance}");
        assert!(b.losses_j() > 0.0);
    }
}
