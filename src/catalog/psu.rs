//! Power-supply efficiency curves by 80 PLUS level.

/// 80 PLUS efficiency points (230 V internal redundant), load fraction -> efficiency.
/// Source: 80 PLUS programme requirements (CLEAResult); Titanium as in BRIEF §3.
pub const PSU_CURVES: [(&str, &[(f64, f64)]); 3] = [
    ("titanium", &[(0.1, 0.90), (0.2, 0.94), (0.5, 0.96), (1.0, 0.91)]),
    ("platinum", &[(0.2, 0.90), (0.5, 0.94), (1.0, 0.91)]),
    ("gold", &[(0.2, 0.88), (0.5, 0.92), (1.0, 0.88)]),
];
