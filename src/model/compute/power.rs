//! IT power of a node as a function of its allocated accelerators and their utilization.
//!
//! ## How it works
//! Accelerator power follows utilization u in [0, 1]:
//! - linear: P = P_idle + (P_max - P_idle) u (BRIEF §3);
//! - Fan-Weber-Barroso: P = P_idle + (P_max - P_idle)(2u - u^r), r ~ 1.4
//!   (Fan, Weber, Barroso, "Power provisioning for a warehouse-sized computer", ISCA 2007).
//!
//! The node's DC load adds host CPUs (idle-to-max, linear in a CPU utilization that follows the
//! share of accelerators allocated), constant memory, NIC, storage and other loads, and fans.
//!
//! Fans follow the heat the server's own air must remove. At a fixed air temperature rise dT
//! the airflow is V = a Q / (rho c_p dT), with Q the node's heat and a the hall's air share
//! (air cooling 1; cold plates 1 - liquid_fraction, the residual the plates do not capture;
//! immersion: no fans at all). By the fan affinity law (power ~ speed^3, airflow ~ speed) the
//! fan power is P_fan = max(P_min, P_max x^3) with x = (a Q / Q_max) / a_design, capped at 1:
//! P_max is drawn at the node's maximum heat Q_max with the share a_design its fans were sized
//! for (1 for an air-cooled server). A cold-plate hall with 80 % capture thus needs a fifth of
//! the airflow and (1/5)^3 = 0.8 % of the fan power, floored at the fans' minimum
//! (ASHRAE TC 9.9, "Thermal Guidelines for Data Processing Environments", 5th ed., 2021, for
//! the airflow-heat relation; the affinity laws as in any fan handbook). The wall (AC)
//! power is DC / eta(load), with eta interpolated linearly between 80 PLUS points over the
//! load fraction DC / (count x rating), held flat outside the points.
//!
//! The dynamic term f(u) of each accelerator is kept in integer parts per million so that node
//! sums are exact under any order of job starts and ends; node power is kept in integer mW so
//! that hall and site aggregates are exact sums.

use crate::config::{Device, NodeType, PowerCurve};
use crate::metrics::csv::round_half_away;

/// Parts per million: the fixed-point unit of f(u).
pub const PPM: u64 = 1_000_000;

/// f(u) in [0, 1] of a power curve.
pub fn curve_fraction(curve: PowerCurve, u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
    match curve {
        PowerCurve::Linear => u,
        PowerCurve::FanBarroso { r } => (2.0 * u - u.powf(r)).clamp(0.0, 1.0),
    }
}

/// f(u) in parts per million.
pub fn curve_ppm(curve: PowerCurve, u: f64) -> u64 {
    (curve_fraction(curve, u) * PPM as f64).round() as u64
}

/// PSU efficiency at a load fraction, linear between points and flat outside them.
pub fn psu_efficiency(points: &[(f64, f64)], load: f64) -> f64 {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return 1.0 };
    if load <= first.0 {
        return first.1;
    }
    if load >= last.0 {
        return last.1;
    }
    for w in points.windows(2) {
        let ((l0, e0), (l1, e1)) = (w[0], w[1]);
        if load <= l1 {
            return e0 + (e1 - e0) * (load - l0) / (l1 - l0);
        }
    }
    last.1
}

/// `x.round() as i64` (saturating) without the libm call where it is exact
/// ([`round_half_away`]): once per node of every start and end.
#[inline]
fn round_i64(x: f64) -> i64 {
    round_half_away(x).unwrap_or_else(|| x.round() as i64)
}

/// The power model of one node type, with its constants precomputed.
#[derive(Debug, Clone)]
pub struct NodePowerModel {
    n: f64,
    acc_idle_w: f64,
    acc_span_w: f64,
    cpu_idle_w: f64,
    cpu_span_w: f64,
    cpu_busy: f64,
    const_w: f64,
    /// (min W, max W, a, a_design Q_max W): x = a heat / (a_design Q_max).
    fans: Option<(f64, f64, f64, f64)>,
    psu_capacity_w: f64,
    psu_points: Vec<(f64, f64)>,
    /// The most it can draw at the wall (see [`node_worst_w`]), mW.
    worst_mw: i64,
    /// The curve of the accelerators.
    pub curve: PowerCurve,
}

/// Node power split by part, W.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodePower {
    /// Accelerators.
    pub accelerators_w: f64,
    /// Host CPUs.
    pub cpu_w: f64,
    /// Memory, NICs, storage, other.
    pub constant_w: f64,
    /// Fans.
    pub fans_w: f64,
    /// PSU losses.
    pub psu_loss_w: f64,
    /// At the wall: the sum of the above.
    pub ac_w: f64,
}

impl NodePowerModel {
    /// Builds the model of a node type with its device, installed where its air removes
    /// `air_share` of its heat ([`crate::config::Cooling::air_share`]; 1 for air cooling).
    pub fn new(nt: &NodeType, dev: &Device, air_share: f64) -> NodePowerModel {
        let n = nt.accelerators as f64;
        let cpus = nt.cpu.count as f64;
        let const_w = nt.memory_w + nt.nic_w + nt.storage_w + nt.other_w;
        let heat_max_w = n * dev.max_w + cpus * (nt.cpu.idle_w + (nt.cpu.max_w - nt.cpu.idle_w) * nt.cpu.busy_utilization) + const_w;
        let worst_w = node_worst_w(nt, dev);
        NodePowerModel {
            worst_mw: (worst_w * 1000.0).ceil() as i64,
            n,
            acc_idle_w: dev.idle_w,
            acc_span_w: dev.max_w - dev.idle_w,
            cpu_idle_w: cpus * nt.cpu.idle_w,
            cpu_span_w: cpus * (nt.cpu.max_w - nt.cpu.idle_w),
            cpu_busy: nt.cpu.busy_utilization,
            const_w,
            fans: nt.fans.map(|f| (f.min_w, f.max_w, air_share, f.air_share * heat_max_w)),
            psu_capacity_w: nt.psu.count as f64 * nt.psu.rating_w,
            psu_points: nt.psu.points.clone(),
            curve: nt.curve,
        }
    }

    /// Power with `allocated` accelerators whose f(u) sum to `dyn_ppm` parts per million.
    pub fn power(&self, allocated: u32, dyn_ppm: u64) -> NodePower {
        let accelerators_w = self.n * self.acc_idle_w + self.acc_span_w * (dyn_ppm as f64 / PPM as f64);
        let cpu_w = self.cpu_idle_w + self.cpu_span_w * self.cpu_busy * (allocated as f64 / self.n);
        let heat = accelerators_w + cpu_w + self.const_w;
        let fans_w = match self.fans {
            Some((min, max, air, design_w)) => {
                let x = if design_w > 0.0 { (air * heat / design_w).min(1.0) } else { 0.0 };
                (max * x * x * x).max(min)
            }
            None => 0.0,
        };
        let dc = heat + fans_w;
        let eff = psu_efficiency(&self.psu_points, dc / self.psu_capacity_w);
        let ac_w = dc / eff;
        NodePower { accelerators_w, cpu_w, constant_w: self.const_w, fans_w, psu_loss_w: ac_w - dc, ac_w }
    }

    /// Wall power in integer milliwatts, never above the node's worst case: with at most
    /// `n` accelerators allocated and f(u) <= 1 each, the physics stays below it anyway, and the
    /// bound is what keeps the engine's sums exact ([`crate::scenario::bounds`]).
    pub fn power_mw(&self, allocated: u32, dyn_ppm: u64) -> i64 {
        self.power_fans_mw(allocated, dyn_ppm).0
    }

    /// Wall power and the fans' share of it (their DC power through the same PSU efficiency),
    /// both in integer milliwatts, the fans' never above the whole.
    pub fn power_fans_mw(&self, allocated: u32, dyn_ppm: u64) -> (i64, i64) {
        let p = self.power(allocated, dyn_ppm);
        let ac = round_i64(p.ac_w * 1000.0).clamp(0, self.worst_mw);
        let dc = p.ac_w - p.psu_loss_w;
        let fans = if dc > 0.0 { round_i64(p.fans_w * p.ac_w / dc * 1000.0) } else { 0 };
        (ac, fans.clamp(0, ac))
    }

    /// Wall power with every accelerator at full utilization (the design point).
    pub fn max_w(&self) -> f64 {
        let n = self.n as u32;
        self.power(n, n as u64 * PPM).ac_w
    }

    /// Idle power of one accelerator, W.
    pub fn accelerator_idle_w(&self) -> f64 {
        self.acc_idle_w
    }

    /// Maximum minus idle power of one accelerator, W.
    pub fn accelerator_span_w(&self) -> f64 {
        self.acc_span_w
    }

    /// Wall power with nothing allocated.
    pub fn idle_w(&self) -> f64 {
        self.power(0, 0).ac_w
    }

    /// The most the node can draw at the wall, W: what a nameplate covers ([`node_worst_w`]).
    pub fn worst_w(&self) -> f64 {
        self.worst_mw as f64 / 1000.0
    }
}

/// The most a node can draw at the wall, W: every part at its maximum (accelerators at board
/// power, CPU sockets at TDP, fans at full speed) at the lowest efficiency of its PSU curve.
/// It is what a vendor's nameplate maximum covers, and what `aidc check` compares with it.
/// [`NodePowerModel::power_mw`] never exceeds it (see [`crate::scenario::bounds`]).
pub fn node_worst_w(nt: &NodeType, dev: &Device) -> f64 {
    let eff = nt.psu.points.iter().map(|p| p.1).fold(1.0, f64::min);
    let cpu_headroom = nt.cpu.count as f64 * (nt.cpu.max_w - nt.cpu.idle_w) * (1.0 - nt.cpu.busy_utilization);
    (node_max_dc_w(nt, dev) + cpu_headroom) / eff
}

/// The node's maximum DC load (all accelerators at full power, fans at maximum): the default
/// PSU rating.
pub fn node_max_dc_w(nt: &NodeType, dev: &Device) -> f64 {
    let cpus = nt.cpu.count as f64;
    nt.accelerators as f64 * dev.max_w
        + cpus * (nt.cpu.idle_w + (nt.cpu.max_w - nt.cpu.idle_w) * nt.cpu.busy_utilization)
        + nt.memory_w
        + nt.nic_w
        + nt.storage_w
        + nt.other_w
        + nt.fans.map_or(0.0, |f| f.max_w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titanium_points_match_the_80_plus_table() {
        // BRIEF §3: 90 % at 10 %, 94 % at 20 %, 96 % at 50 %, 91 % at 100 % load.
        let pts = crate::catalog::psu::PSU_CURVES[0].1;
        assert_eq!(psu_efficiency(pts, 0.1), 0.90);
        assert_eq!(psu_efficiency(pts, 0.2), 0.94);
        assert_eq!(psu_efficiency(pts, 0.5), 0.96);
        assert_eq!(psu_efficiency(pts, 1.0), 0.91);
        assert!((psu_efficiency(pts, 0.35) - 0.95).abs() < 1e-12);
        assert_eq!(psu_efficiency(pts, 0.01), 0.90);
    }

    #[test]
    fn fans_follow_the_air_share_by_the_cube_law() {
        use crate::config::{Cpu, Fans, NodeType, Psu};
        let spec = crate::catalog::AcceleratorSpec { id: "x".into(), ..Default::default() };
        let dev = Device { spec, inline: true, idle_w: 100.0, max_w: 1000.0, calibration: None };
        let nt = NodeType {
            name: "n".into(),
            device: 0,
            accelerators: 8,
            curve: PowerCurve::Linear,
            cpu: Cpu { count: 2, idle_w: 100.0, max_w: 100.0, busy_utilization: 0.0 },
            memory_w: 0.0,
            nic_w: 0.0,
            storage_w: 0.0,
            other_w: 0.0,
            fans: Some(Fans { min_w: 10.0, max_w: 1000.0, air_share: 1.0 }),
            psu: Psu { count: 1, rating_w: 1e4, curve_name: None, points: vec![(1.0, 1.0)] },
            platform: None,
            nameplate_w: None,
        };
        let full = |air: f64| NodePowerModel::new(&nt, &dev, air).power(8, 8 * PPM).fans_w;
        // Full heat (8,200 W): air cooling draws the fans' maximum; half the heat in air needs
        // half the airflow, (1/2)^3 of the power; a fifth (80 % capture) 0.8 %, floored at 10 W.
        assert!((full(1.0) - 1000.0).abs() < 1e-9);
        assert!((full(0.5) - 125.0).abs() < 1e-9);
        assert_eq!(full(0.2), 10.0);
        // Fans sized for a fifth of the heat in air reach their maximum when a fifth is in air.
        let small = NodeType { fans: Some(Fans { min_w: 1.0, max_w: 100.0, air_share: 0.2 }), ..nt.clone() };
        assert!((NodePowerModel::new(&small, &dev, 0.2).power(8, 8 * PPM).fans_w - 100.0).abs() < 1e-9);
        // The fans' share of the wall power is the fans' DC power through the PSU.
        let (ac, fans) = NodePowerModel::new(&nt, &dev, 1.0).power_fans_mw(8, 8 * PPM);
        assert_eq!((ac, fans), (9_200_000, 1_000_000));
    }

    #[test]
    fn fan_barroso_lies_above_linear_and_meets_it_at_the_ends() {
        let fb = PowerCurve::FanBarroso { r: 1.4 };
        for u in [0.1, 0.3, 0.5, 0.9] {
            assert!(curve_fraction(fb, u) > curve_fraction(PowerCurve::Linear, u));
        }
        assert_eq!(curve_fraction(fb, 0.0), 0.0);
        assert!((curve_fraction(fb, 1.0) - 1.0).abs() < 1e-12);
        // 2(0.5) - 0.5^1.4 = 0.6211
        assert!((curve_fraction(fb, 0.5) - 0.621_05).abs() < 1e-4);
    }

    proptest::proptest! {
        /// The integer rounding equals `f64::round` everywhere, ties and huge values included.
        #[test]
        fn integer_rounding_is_round(x in proptest::num::f64::ANY, k in -4_000_000i64..4_000_000) {
            for v in [x, k as f64 / 2.0, k as f64 * 1e9 + 0.5, (k as f64).mul_add(0.1, 0.5)] {
                proptest::prop_assert_eq!(round_i64(v), v.round() as i64, "{}", v);
            }
        }
    }
}
