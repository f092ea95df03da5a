//! PUE at The Green Grid's measurement boundaries.
//!
//! The Green Grid, WP49 "PUE: a comprehensive examination of the metric" (Avelar, Azevedo,
//! French, eds., 2012 \[authors unverified\]) and ISO/IEC 30134-2:2016 define where IT energy is metered (facility energy is
//! always at the utility meter, here everything of the data center: IT, cooling, electrical
//! losses, lighting and auxiliaries; offices and other non-data-center loads are left out):
//! - category 1: at the UPS output (for HVDC: the rectifier output and the mains feed);
//! - category 2: at the PDU output;
//! - category 3: at the IT equipment input (aidc's figure before the boundaries were named).
//!
//! With the PDU/busway loss L split into the part before the PDU output meter and the share b
//! after it (branch circuits, busway taps, rack PDUs): IT₁ = IT + L, IT₂ = IT + b L, IT₃ = IT,
//! so PUE₁ ≤ PUE₂ ≤ PUE₃, and each ≥ 1 because the facility energy contains IT + L.

use crate::config::PueBoundary;

/// IT energy (or power) at a boundary, from the energy at the IT input, the PDU/busway loss and
/// the share of that loss past the PDU output meter.
pub fn it_at(boundary: PueBoundary, it: f64, pdu_loss: f64, branch_share: f64) -> f64 {
    match boundary {
        PueBoundary::UpsOutput => it + pdu_loss,
        PueBoundary::PduOutput => it + branch_share * pdu_loss,
        PueBoundary::ItInput => it,
    }
}

/// PUE = facility / IT at a boundary (1 with no IT energy).
pub fn pue_at(boundary: PueBoundary, facility: f64, it: f64, pdu_loss: f64, branch_share: f64) -> f64 {
    let it_b = it_at(boundary, it, pdu_loss, branch_share);
    if it_b > 0.0 { facility / it_b } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_ordered_and_at_least_one() {
        // 1000 kWh IT, 5 kWh PDU loss, facility 1300: PUE₃ = 1.3, PUE₁ = 1300 / 1005.
        let (fac, it, l, b) = (1300.0, 1000.0, 5.0, 0.3);
        let p = PueBoundary::ALL.map(|(bd, _)| pue_at(bd, fac, it, l, b));
        assert!((p[2] - 1.3).abs() < 1e-12);
        assert!((p[0] - 1300.0 / 1005.0).abs() < 1e-12);
        assert!((p[1] - 1300.0 / 1001.5).abs() < 1e-12);
        assert!(p[0] <= p[1] && p[1] <= p[2]);
        // A facility of IT + PDU loss only: category 1 is exactly 1.
        assert!((pue_at(PueBoundary::UpsOutput, it + l, it, l, b) - 1.0).abs() < 1e-12);
        assert_eq!(pue_at(PueBoundary::ItInput, 0.0, 0.0, 0.0, b), 1.0);
    }
}
