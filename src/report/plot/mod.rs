//! Plots as data, drawn with plotters into PNG or SVG, headless.
//!
//! ## How it works
//! A [`Figure`] holds what to draw and nothing else: series of points already reduced to a few
//! per pixel ([`super::downsample`]), bars, or a grid of cells. [`to_svg`] and [`to_png`] draw it
//! on plotters' SVG or bitmap backend with the bundled font ([`super::font`]); the PNG is encoded
//! with the `png` crate from the RGB buffer, so no image library is pulled in. The three kinds
//! cover every plot of a report: [`LineChart`] (time series, CDFs with a logarithmic axis, fan
//! charts and sweep lines, whose bands are filled polygons), [`BarChart`] (PUE by month, energy
//! by component) and [`HeatMap`] (sweeps over two parameters).

mod bar;
mod heat;
mod line;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::i18n::Lang;

pub use bar::BarChart;
pub use heat::HeatMap;
pub use line::{Axis, Corner, LineChart, Series, XTicks, duration_label};

/// Width and height of report plots, pixels.
pub const SIZE: (u32, u32) = (960, 420);

/// A plot that could not be drawn (a font or backend failure).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot draw the plot: {0}")]
pub struct PlotError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// One plot.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Lines with optional bands, optionally a second y axis.
    Line(LineChart),
    /// Vertical bars by category.
    Bar(BarChart),
    /// A grid of coloured cells.
    Heat(HeatMap),
}

impl Figure {
    /// The caption drawn above the plot.
    pub fn title(&self) -> &str {
        match self {
            Figure::Line(c) => &c.title,
            Figure::Bar(c) => &c.title,
            Figure::Heat(c) => &c.title,
        }
    }

    /// Draws on any plotters backend with the registered font family `font`.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, font: &str) -> Result<(), PlotError> {
        match self {
            Figure::Line(c) => c.draw(area, font),
            Figure::Bar(c) => c.draw(area, font),
            Figure::Heat(c) => c.draw(area, font),
        }
    }
}

/// Draws a figure as an SVG document of `size` pixels, its text in the font of `lang`.
pub fn to_svg(fig: &Figure, size: (u32, u32), lang: Lang) -> Result<String, PlotError> {
    let font = super::font::ensure(lang)?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, font)?;
        root.present()?;
    }
    Ok(out)
}

/// Draws a figure as a PNG image of `size` pixels (8-bit RGB), its text in the font of `lang`.
pub fn to_png(fig: &Figure, size: (u32, u32), lang: Lang) -> Result<Vec<u8>, PlotError> {
    let font = super::font::ensure(lang)?;
    let (w, h) = size;
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, font)?;
        root.present()?;
    }
    encode_png(&rgb, w, h)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(|e| PlotError(format!("PNG: {e}")))?;
    writer.write_image_data(rgb).map_err(|e| PlotError(format!("PNG: {e}")))?;
    writer.finish().map_err(|e| PlotError(format!("PNG: {e}")))?;
    Ok(out)
}

/// Series colours (Tableau 10), chosen to stay apart for colour-blind readers.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `i`.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A tick label: thousands separated from 1,000, up to three significant decimals below.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e3 {
        group_thousands(v.round())
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        let s = if a >= 10.0 {
            format!("{v:.1}")
        } else if a >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        };
        trim_zeros(&s)
    }
}

/// A tick label on an axis from `lo` to `hi`: enough decimals to tell about ten ticks apart
/// (a PUE axis from 1.07 to 1.09 reads 1.072, 1.074, ... rather than 1.07, 1.07, ...), otherwise
/// as [`tick`].
pub fn tick_in(v: f64, lo: f64, hi: f64) -> String {
    let step = (hi - lo).abs() / 10.0;
    let need = if step > 0.0 && step.is_finite() { (-step.log10()).ceil().clamp(0.0, 6.0) as usize } else { 0 };
    let a = v.abs();
    let default = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    if need <= default { tick(v) } else { trim_zeros(&format!("{v:.need$}")) }
}

/// "1234567" as "1,234,567".
pub fn group_thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && s != "0" { format!("-{out}") } else { out }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
}

/// The smallest and largest finite values, padded by 5 % (a flat series gets a unit span).
pub fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return None;
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 1e-12 { lo.abs() * 0.05 } else { 1.0 };
        return Some((lo - pad, hi + pad));
    }
    let pad = 0.05 * (hi - lo);
    Some((lo - pad, hi + pad))
}

#[cfg(test)]
mod test;

/// A linear axis whose ticks can be given: plotters' own nice ticks by default, or fixed
/// positions (categories, round durations on a log axis).
#[derive(Clone)]
pub struct TickAxis {
    inner: plotters::coord::types::RangedCoordf64,
    ticks: Option<Vec<f64>>,
}

impl TickAxis {
    /// From `lo` to `hi` with plotters' ticks (`None`) or the given ones.
    pub fn new(lo: f64, hi: f64, ticks: Option<Vec<f64>>) -> TickAxis {
        TickAxis { inner: (lo..hi).into(), ticks }
    }

    /// Category positions 0..n, thinned to at most `max` labels.
    pub fn categories(n: usize, max: usize) -> Vec<f64> {
        let step = n.div_ceil(max.max(1)).max(1);
        (0..n).step_by(step).map(|i| i as f64).collect()
    }
}

impl plotters::coord::ranged1d::Ranged for TickAxis {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match &self.ticks {
            Some(t) if hint.max_num_points() > 0 => t.clone(),
            Some(_) => Vec::new(),
            None => self.inner.key_points(hint),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

impl plotters::coord::ranged1d::ValueFormatter<f64> for TickAxis {
    fn format(value: &f64) -> String {
        tick(*value)
    }
}
