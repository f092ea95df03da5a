//! Downsampling long series before drawing: a year at one-minute steps is 525,600 points, and
//! a plot 960 pixels wide shows at most a few per pixel.
//!
//! ## How it works
//! The x range is cut into `buckets` equal spans (one or two per pixel); each span keeps the mean
//! of its points (the line) and their minimum and maximum (a shaded envelope), so short peaks
//! stay visible although the line is smoothed. Series short enough to draw as they are
//! (at most two points per bucket) are returned unchanged, without an envelope.

use super::plot::Series;

/// Buckets per report plot: about one per pixel of the plotting area.
pub const BUCKETS: usize = 800;

#[derive(Clone, Copy)]
struct Bucket {
    n: u32,
    sx: f64,
    sy: f64,
    lo: f64,
    hi: f64,
}

/// The series `name` of (x, y), reduced to at most `buckets` points with a min/max band.
/// Non-finite y values are skipped.
pub fn downsample(name: &str, x: &[f64], y: &[f64], buckets: usize) -> Series {
    let pts = || x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite());
    let n = pts().count();
    if n <= 2 * buckets.max(1) {
        return Series::line(name, pts().map(|(a, b)| (*a, *b)).collect());
    }
    let (x0, x1) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, _)| (lo.min(*a), hi.max(*a)));
    let width = (x1 - x0).max(f64::MIN_POSITIVE);
    let empty = Bucket { n: 0, sx: 0.0, sy: 0.0, lo: f64::INFINITY, hi: f64::NEG_INFINITY };
    let mut acc = vec![empty; buckets];
    for (a, b) in pts() {
        let i = (((a - x0) / width * buckets as f64) as usize).min(buckets - 1);
        let k = &mut acc[i];
        k.n += 1;
        k.sx += a;
        k.sy += b;
        k.lo = k.lo.min(*b);
        k.hi = k.hi.max(*b);
    }
    let kept: Vec<Bucket> = acc.into_iter().filter(|k| k.n > 0).collect();
    let points = kept.iter().map(|k| (k.sx / k.n as f64, k.sy / k.n as f64)).collect();
    let band = kept.iter().map(|k| (k.sx / k.n as f64, k.lo, k.hi)).collect();
    Series::line(name, points).with_band(band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_pass_unchanged() {
        let s = downsample("a", &[0.0, 1.0, 2.0], &[1.0, f64::NAN, 3.0], 10);
        assert_eq!(s.points, vec![(0.0, 1.0), (2.0, 3.0)]);
        assert!(s.band.is_empty());
    }

    #[test]
    fn long_series_keep_mean_and_extremes() {
        let x: Vec<f64> = (0..100_000).map(f64::from).collect();
        let mut y = vec![1.0; x.len()];
        y[50_000] = 100.0; // a one-sample peak must survive in the envelope
        let s = downsample("a", &x, &y, 100);
        assert_eq!(s.points.len(), 100);
        assert_eq!(s.band.len(), 100);
        let top = s.band.iter().map(|b| b.2).fold(0.0, f64::max);
        assert_eq!(top, 100.0);
        let mean_of_means: f64 = s.points.iter().map(|p| p.1).sum::<f64>() / 100.0;
        assert!((mean_of_means - (1.0 + 99.0 / 100_000.0)).abs() < 1e-9);
    }
}
