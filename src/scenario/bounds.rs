//! Physical upper bounds of the quantities that feed the engine's integer sums, and the argument
//! that those sums cannot overflow for any scenario that resolves.
//!
//! Every unit-bearing value already has a ceiling of its dimension ([`super::units::ceiling`]:
//! 100 GW, 1000 °C, 1000 years, ...); the bounds here are tighter, per part, and checked where
//! the part is resolved, with the field in the error.
//!
//! ## Bounds
//! | quantity | bound | source / argument |
//! |---|---|---|
//! | one part of a node: an accelerator (idle, max), a CPU socket (idle, max), memory, NICs, storage, other, fans | [`MAX_PART_W`] = 100 kW | the largest single accelerator system, Cerebras CS-3, draws about 23 kW; server parts draw watts to a few kW |
//! | a node's wall power at worst: every part at its maximum and the PSU at the lowest efficiency of its curve | [`MAX_NODE_W`] = 1 MW | the densest rack announced, NVIDIA Kyber (NVL576, 2027), is 600 kW; a node is at most a rack |
//! | a PSU rating | [`MAX_NODE_W`] | a supply is rated for (a share of) one node |
//! | CPU sockets per node | [`MAX_SOCKETS`] = 32 | the largest commercial servers (HPE Superdome Flex) have 32 sockets |
//! | power supplies per node | [`MAX_PSUS`] = 64 | servers carry 2-8, a rack power shelf up to a few dozen |
//! | a switch without optics | [`MAX_SWITCH_W`] = 100 kW | a modular chassis switch draws 10-20 kW |
//! | one optic | [`MAX_OPTIC_W`] = 1 kW | a 1.6 Tbit/s optic draws about 30 W |
//! | the whole fabric's switch and optic power | [`MAX_FABRIC_W`] = 10 GW | more than twice the largest AI campus announced (about 5 GW), switches included |
//!
//! ## Why the integer sums cannot overflow
//! Node power is kept in integer milliwatts (i64, [`crate::model::compute::NodeLoad`]), and
//! [`crate::model::compute::power::NodePowerModel::power_mw`] never returns more than the node's worst
//! case, at most [`MAX_NODE_W`] = 10^9 mW. A hall's and the site's IT power
//! ([`crate::model::compute::HallLoad`], [`crate::model::compute::SiteLoad`]) are sums over at most
//! [`super::resolve::MAX_NODES`] = 2^24 nodes plus the fabric (at most 10^13 mW), so at most
//! [`MAX_SITE_MW`] ≈ 1.7·10^16 mW, 500 times below i64::MAX ≈ 9.2·10^18; a change of one job or
//! one node is a difference of such sums. Energies are i128 mW·ms: at most 1.7·10^16 mW over a
//! horizon of at most 50 years (1.6·10^12 ms) is 2.7·10^28, far below i128::MAX ≈ 1.7·10^38.
//! Integrals of counts are u128 over at most 2^24 × 64 = 2^30 accelerators, times 10^4 basis
//! points of utilization, over 1.6·10^12 ms: below 2^85. The running jobs' dynamic power in
//! [`crate::model::grid::DemandHistogram`] is at most 2^30 accelerators × 100 kW = 1.1·10^17 mW
//! (i64) and, times 10^6 ppm, 1.1·10^23 (i128). The assertions at the end of this file check the
//! first two bounds when aidc is compiled, so that raising a bound past them fails the build.

/// The most one part of a node may draw, W ([`crate::catalog::MAX_PART_W`]).
pub const MAX_PART_W: f64 = crate::catalog::MAX_PART_W;
/// The most a node may draw at the wall in its worst case, W.
pub const MAX_NODE_W: f64 = 1e6;
/// The most CPU sockets of a node.
pub const MAX_SOCKETS: u32 = 32;
/// The most power supplies of a node.
pub const MAX_PSUS: u32 = 64;
/// The most one switch may draw without optics, W.
pub const MAX_SWITCH_W: f64 = 100e3;
/// The most one optic may draw, W.
pub const MAX_OPTIC_W: f64 = 1e3;
/// The most the whole fabric may draw, W.
pub const MAX_FABRIC_W: f64 = 10e9;

/// [`MAX_NODE_W`] in mW, as the engine keeps it.
pub const MAX_NODE_MW: i64 = 1_000_000_000;
/// [`MAX_FABRIC_W`] in mW.
pub const MAX_FABRIC_MW: i64 = 10_000_000_000_000;
/// The most IT power a site can hold in the engine, mW.
pub const MAX_SITE_MW: i128 = super::resolve::MAX_NODES as i128 * MAX_NODE_MW as i128 + MAX_FABRIC_MW as i128;

const _: () = assert!(MAX_NODE_MW as f64 == MAX_NODE_W * 1e3 && MAX_FABRIC_MW as f64 == MAX_FABRIC_W * 1e3);
// Site power, and any difference of two site powers, fits in i64 with room to spare.
const _: () = assert!(2 * MAX_SITE_MW < i64::MAX as i128 / 100);
// Site energy over the longest horizon fits in i128.
const _: () = assert!(MAX_SITE_MW.checked_mul(super::resolve::MAX_HORIZON_MS as i128).is_some());

/// `Err(message)` when a power `w` is above `max` (both W); `what` names it in the message.
pub fn at_most_w(w: f64, max: f64, what: &str) -> Result<(), String> {
    if w <= max {
        return Ok(());
    }
    Err(format!("expected {what} of at most {}, found {}", watts(max), watts(w)))
}

/// "100 kW", "1 MW", "2.5 GW" (three significant digits).
pub fn watts(w: f64) -> String {
    let (v, u) = match w.abs() {
        x if x >= 1e9 => (w / 1e9, "GW"),
        x if x >= 1e6 => (w / 1e6, "MW"),
        x if x >= 1e3 => (w / 1e3, "kW"),
        _ => (w, "W"),
    };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} {u}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watts_read_well() {
        assert_eq!(watts(100e3), "100 kW");
        assert_eq!(watts(1e6), "1 MW");
        assert_eq!(watts(2.5e9), "2.5 GW");
        assert_eq!(watts(700.0), "700 W");
        assert_eq!(watts(1.2345e12), "1234.5 GW");
        assert!(at_most_w(1e6, MAX_NODE_W, "x").is_ok());
        assert_eq!(at_most_w(2e6, MAX_NODE_W, "a node").unwrap_err(), "expected a node of at most 1 MW, found 2 MW");
    }
}
