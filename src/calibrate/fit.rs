//! Fitting the measured samples: a roofline per precision with an efficiency-vs-size curve,
//! the memory bandwidth, and (where power was measured) idle power and power vs utilization.
//!
//! ## How it works
//! A kernel of F FLOPs that reads R and writes W bytes of memory takes (the roofline, Williams,
//! Waterman, Patterson, CACM 2009, with a size-dependent compute ceiling and separate read and
//! write costs)
//!
//! ```text
//! t = max( F / (P_peak x eff(n)),  R / BW_read + W / BW_write )
//! eff(n) = e_max x n^k / (n^k + n_half^k)        n = (m n k)^(1/3) for a GEMM
//! ```
//!
//! eff(n) is a Hill-type saturating curve: small GEMMs are limited by packing, threading and
//! loop overheads, large ones approach the sustained fraction e_max of the peak; n_half is the
//! size at half of e_max and k the sharpness. [`fit_curve`] minimises the squared error of
//! ln(eff) (relative errors, so small and large sizes weigh alike): for each (n_half, k) the best
//! ln(e_max) is the mean residual, and (ln n_half, k) is searched on a grid refined five times
//! around the best point (deterministic, no starting guess, no local-minimum trap of Gauss-
//! Newton on three points). The memory
//! term counts three kinds of traffic apart (McCalpin's STREAM documentation on
//! write-allocate; Hager & Wellein, "Introduction to High Performance Computing for Scientists
//! and Engineers", 2010, §3.1): bytes read R, bytes written to lines not in cache W_a (the
//! store first reads the line: write-allocate) and bytes written back to lines the kernel just
//! read W_i (no extra read):
//!
//! ```text
//! t_mem = R a + W_a b + W_i c        BW_read = 1/a, BW_write = 1/b, BW_write,in-place = 1/c
//! ```
//!
//! a, b, c are fitted by least squares of relative time errors ([`fit_memory`]) to STREAM-like
//! samples on arrays several times the last-level cache that mix the three in different
//! proportions: scale (R = W_a), add and triad (R = 2 W_a), in-place scale (R = W_i) and
//! in-place triad (R = 2 W_i). Two kernels (the old triad + scale fit) determine two costs
//! exactly and leave no check; five over-determine three. Power
//! follows P = P_idle + (P_busy - P_idle) u
//! with u the achieved fraction of peak, by least squares (BRIEF §3, linear device curve).

use serde::{Deserialize, Serialize};

/// eff(n) = e_max n^k / (n^k + n_half^k).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyCurve {
    /// Sustained fraction of peak at large sizes.
    pub e_max: f64,
    /// Size at which the efficiency is half of e_max.
    pub n_half: f64,
    /// Sharpness of the rise.
    pub k: f64,
}

impl EfficiencyCurve {
    /// The efficiency at size n.
    pub fn at(&self, n: f64) -> f64 {
        if n <= 0.0 {
            return 0.0;
        }
        let r = (self.n_half / n).powf(self.k);
        self.e_max / (1.0 + r)
    }
}

/// Effective size of a GEMM: the cube root of m n k.
pub fn gemm_size(m: usize, n: usize, k: usize) -> f64 {
    (m as f64 * n as f64 * k as f64).cbrt()
}

fn sse(points: &[(f64, f64)], ln_half: f64, k: f64) -> (f64, f64) {
    // ln eff = ln e_max - ln(1 + (n_half / n)^k)
    let shape = |n: f64| -(1.0 + ((ln_half - n.ln()) * k).exp()).ln();
    let m = points.len() as f64;
    let ln_emax = points.iter().map(|(n, e)| e.ln() - shape(*n)).sum::<f64>() / m;
    let err = points.iter().map(|(n, e)| (e.ln() - ln_emax - shape(*n)).powi(2)).sum();
    (err, ln_emax)
}

/// Fits eff(n) to (size, efficiency) points with positive values; `None` with fewer than two.
pub fn fit_curve(points: &[(f64, f64)]) -> Option<EfficiencyCurve> {
    let pts: Vec<(f64, f64)> = points.iter().copied().filter(|(n, e)| *n > 0.0 && *e > 0.0 && e.is_finite()).collect();
    if pts.len() < 2 {
        return None;
    }
    let lo = pts.iter().map(|p| p.0.ln()).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.0.ln()).fold(f64::NEG_INFINITY, f64::max);
    let (mut h0, mut h1) = (lo - 4.0, hi + 2.0);
    let (mut k0, mut k1) = (0.2f64, 6.0f64);
    let mut best = (f64::INFINITY, 0.0, 1.0, 0.0);
    const STEPS: usize = 40;
    for _ in 0..6 {
        for i in 0..=STEPS {
            let h = h0 + (h1 - h0) * i as f64 / STEPS as f64;
            for j in 0..=STEPS {
                let k = k0 + (k1 - k0) * j as f64 / STEPS as f64;
                let (err, ln_emax) = sse(&pts, h, k);
                if err < best.0 {
                    best = (err, h, k, ln_emax);
                }
            }
        }
        let (dh, dk) = ((h1 - h0) / STEPS as f64 * 2.0, (k1 - k0) / STEPS as f64 * 2.0);
        (h0, h1) = (best.1 - dh, best.1 + dh);
        (k0, k1) = ((best.2 - dk).max(0.05), best.2 + dk);
    }
    Some(EfficiencyCurve { e_max: best.3.exp(), n_half: best.1.exp(), k: best.2 })
}

/// The compute side of a roofline for one precision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roofline {
    /// "fp64", "fp32", "fp16" ...
    pub precision: String,
    /// The peak the efficiency is a fraction of, FLOP/s.
    pub peak_flops: f64,
    /// e_max x peak: the sustained ceiling, FLOP/s.
    pub sustained_flops: f64,
    /// Efficiency vs GEMM size.
    pub curve: EfficiencyCurve,
    /// Samples fitted.
    pub fitted_samples: usize,
    /// Root-mean-square relative error of the fit on its own samples.
    pub fit_rms_error: f64,
}

impl Roofline {
    /// Fits a roofline from (gemm size, achieved FLOP/s) samples.
    pub fn fit(precision: &str, peak_flops: f64, samples: &[(f64, f64)]) -> Option<Roofline> {
        let pts: Vec<(f64, f64)> = samples.iter().map(|(n, f)| (*n, f / peak_flops)).collect();
        let curve = fit_curve(&pts)?;
        let rms = (pts.iter().map(|(n, e)| (curve.at(*n) / e - 1.0).powi(2)).sum::<f64>() / pts.len() as f64).sqrt();
        Some(Roofline {
            precision: precision.to_string(),
            peak_flops,
            sustained_flops: curve.e_max * peak_flops,
            curve,
            fitted_samples: pts.len(),
            fit_rms_error: rms,
        })
    }

    /// Predicted time of a GEMM, s.
    pub fn gemm_s(&self, m: usize, n: usize, k: usize) -> f64 {
        let flops = 2.0 * m as f64 * n as f64 * k as f64;
        flops / (self.peak_flops * self.curve.at(gemm_size(m, n, k)))
    }
}

/// Seconds per byte read, per byte written to lines not in cache (the store first reads its
/// line: write-allocate) and per byte written back in place (to lines the kernel just read),
/// fitted to (read, allocate-written, in-place-written bytes, seconds) samples by least squares
/// of relative errors. A cost the samples cannot tell apart (no sample of its kind, or a fit
/// that gives a cost <= 0) is merged with the others: written bytes then cost alike, and
/// finally every byte costs alike. `None` without samples.
pub fn fit_memory(points: &[(f64, f64, f64, f64)]) -> Option<[f64; 3]> {
    let pts: Vec<[f64; 4]> = points.iter().filter(|p| p.3 > 0.0 && p.0 + p.1 + p.2 > 0.0).map(|p| [p.0, p.1, p.2, p.3]).collect();
    if pts.is_empty() {
        return None;
    }
    // Groups of columns that share one cost: three apart, then writes merged.
    let groupings: [&[&[usize]]; 2] = [&[&[0], &[1], &[2]], &[&[0], &[1, 2]]];
    for groups in groupings {
        let cols: Vec<Vec<f64>> =
            pts.iter().map(|p| groups.iter().map(|g| g.iter().map(|&i| p[i]).sum::<f64>() / p[3]).collect()).collect();
        if let Some(x) = least_squares_ones(&cols, groups.len())
            && x.iter().all(|v| *v > 0.0)
        {
            let mut out = [0.0; 3];
            for (g, v) in groups.iter().zip(&x) {
                for &i in *g {
                    out[i] = *v;
                }
            }
            return Some(out);
        }
    }
    // One cost for every byte: min sum (x c - 1)^2 with x = bytes / t gives c = sum x / sum x^2.
    let x = pts.iter().map(|p| (p[0] + p[1] + p[2]) / p[3]);
    let (sx, sxx) = x.fold((0.0, 0.0), |(a, b), x| (a + x, b + x * x));
    Some([sx / sxx; 3])
}

/// Solves min sum_i (x_i . beta - 1)^2 over k columns by the normal equations (Gaussian
/// elimination with partial pivoting); `None` where a column is empty or the system singular.
fn least_squares_ones(rows: &[Vec<f64>], k: usize) -> Option<Vec<f64>> {
    let mut m = vec![vec![0.0; k + 1]; k];
    for r in rows {
        for i in 0..k {
            for j in 0..k {
                m[i][j] += r[i] * r[j];
            }
            m[i][k] += r[i];
        }
    }
    let scale: Vec<f64> = (0..k).map(|i| m[i][i]).collect();
    if scale.iter().any(|d| *d <= 0.0) {
        return None;
    }
    for c in 0..k {
        let p = (c..k).max_by(|&a, &b| (m[a][c].abs() / scale[a].sqrt()).total_cmp(&(m[b][c].abs() / scale[b].sqrt())))?;
        m.swap(c, p);
        if m[c][c].abs() <= 1e-12 * scale.iter().fold(0.0, |a: f64, b| a.max(*b)) {
            return None;
        }
        let pivot = m[c].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != c {
                let f = row[c] / pivot[c];
                for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    Some((0..k).map(|i| m[i][k] / m[i][i]).collect())
}

/// Median of values (0 when empty).
pub fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

/// P = idle_w + (busy_w - idle_w) u, fitted to (utilization, W) points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerFit {
    /// Power with nothing running, W.
    pub idle_w: f64,
    /// Power at u = 1 (the sustained peak), W.
    pub busy_w: f64,
    /// Points fitted (the idle reading included).
    pub points: usize,
}

/// Least-squares line through (u, W) points; `None` with fewer than two distinct u.
pub fn fit_power(points: &[(f64, f64)]) -> Option<PowerFit> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mu, mp) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let suu: f64 = points.iter().map(|p| (p.0 - mu).powi(2)).sum();
    if suu <= 1e-12 {
        return None;
    }
    let slope = points.iter().map(|p| (p.0 - mu) * (p.1 - mp)).sum::<f64>() / suu;
    let idle_w = mp - slope * mu;
    Some(PowerFit { idle_w, busy_w: idle_w + slope, points: points.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_recovers_known_curve_parameters() {
        let truth = EfficiencyCurve { e_max: 0.82, n_half: 180.0, k: 1.7 };
        let pts: Vec<(f64, f64)> = [32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0].iter().map(|&n| (n, truth.at(n))).collect();
        let c = fit_curve(&pts).unwrap();
        assert!((c.e_max / truth.e_max - 1.0).abs() < 0.01, "{c:?}");
        assert!((c.n_half / truth.n_half - 1.0).abs() < 0.03, "{c:?}");
        assert!((c.k / truth.k - 1.0).abs() < 0.03, "{c:?}");
    }

    #[test]
    fn fitting_tolerates_noise_and_predicts_between_points() {
        let truth = EfficiencyCurve { e_max: 0.6, n_half: 300.0, k: 2.2 };
        let noise = [1.03, 0.98, 1.02, 0.97, 1.01, 0.99];
        let sizes = [64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0];
        let pts: Vec<(f64, f64)> = sizes.iter().zip(noise).map(|(&n, z)| (n, truth.at(n) * z)).collect();
        let c = fit_curve(&pts).unwrap();
        for n in [96.0, 384.0, 1536.0] {
            assert!((c.at(n) / truth.at(n) - 1.0).abs() < 0.05, "n = {n}: {} vs {}", c.at(n), truth.at(n));
        }
    }

    #[test]
    fn roofline_predicts_the_time_of_a_gemm() {
        let peak = 1e11;
        let truth = EfficiencyCurve { e_max: 0.9, n_half: 100.0, k: 2.0 };
        let samples: Vec<(f64, f64)> = [64.0, 128.0, 256.0, 512.0, 1024.0].iter().map(|&n| (n, peak * truth.at(n))).collect();
        let r = Roofline::fit("fp64", peak, &samples).unwrap();
        let want = 2.0 * 1e3 * 2e3 * 5e2 / (peak * truth.at(gemm_size(1000, 2000, 500)));
        assert!((r.gemm_s(1000, 2000, 500) / want - 1.0).abs() < 0.01);
        assert!(r.fit_rms_error < 1e-3);
    }

    #[test]
    fn power_line_recovers_idle_and_busy() {
        let f = fit_power(&[(0.0, 50.0), (0.5, 100.0), (0.8, 130.0)]).unwrap();
        assert!((f.idle_w - 50.0).abs() < 1e-9 && (f.busy_w - 150.0).abs() < 1e-9, "{f:?}");
        assert!(fit_power(&[(0.3, 1.0), (0.3, 2.0)]).is_none());
    }

    #[test]
    fn read_allocate_and_in_place_costs_are_told_apart() {
        let (a, b, c) = (1.0 / 70e9, 1.0 / 45e9, 1.0 / 150e9);
        let t = |r: f64, wa: f64, wi: f64| r * a + wa * b + wi * c;
        let kernels = [(1e8, 1e8, 0.0), (2e8, 1e8, 0.0), (1e8, 0.0, 1e8), (2e8, 0.0, 1e8), (4e8, 2e8, 0.0)];
        let pts: Vec<_> = kernels.iter().map(|&(r, wa, wi)| (r, wa, wi, t(r, wa, wi))).collect();
        let [fa, fb, fc] = fit_memory(&pts).unwrap();
        assert!((fa / a - 1.0).abs() < 1e-9 && (fb / b - 1.0).abs() < 1e-9 && (fc / c - 1.0).abs() < 1e-9, "{fa} {fb} {fc}");
        // 1 % noise on the times: costs within 10 % (the in-place cost is the least determined).
        let noisy: Vec<_> =
            pts.iter().enumerate().map(|(i, p)| (p.0, p.1, p.2, p.3 * (1.0 + 0.01 * [1.0, -1.0, 0.5, -0.5, 0.0][i]))).collect();
        let [na, nb, nc] = fit_memory(&noisy).unwrap();
        assert!((na / a - 1.0).abs() < 0.1 && (nb / b - 1.0).abs() < 0.1 && (nc / c - 1.0).abs() < 0.1, "{na} {nb} {nc}");
        // No in-place samples: the two write costs merge; triad and scale still tell a from b.
        let two: Vec<_> = [(1e8, 1e8, 0.0), (2e8, 1e8, 0.0)].iter().map(|&(r, wa, wi)| (r, wa, wi, t(r, wa, wi))).collect();
        let [ta, tb, tc] = fit_memory(&two).unwrap();
        assert!((ta / a - 1.0).abs() < 1e-9 && (tb / b - 1.0).abs() < 1e-9 && tb == tc, "{ta} {tb} {tc}");
        // One ratio only: one cost for every byte.
        let [ca, cb, cc] = fit_memory(&[(2e8, 1e8, 0.0, 0.01)]).unwrap();
        assert!(ca == cb && cb == cc && (ca * 3e8 - 0.01).abs() < 1e-12);
        assert!(fit_memory(&[]).is_none());
    }

    #[test]
    fn too_few_points_give_no_curve() {
        assert!(fit_curve(&[(10.0, 0.5)]).is_none());
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
