//! Heat maps: a metric over a grid of two sweep parameters, cells coloured on the viridis scale
//! (perceptually uniform, readable in grey and by colour-blind readers), with a colour bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{PlotError, TickAxis, tick_in};

/// Cells over x and y categories.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeatMap {
    /// Caption.
    pub title: String,
    /// Description of the x parameter.
    pub x_label: String,
    /// Description of the y parameter.
    pub y_label: String,
    /// What the colour means, with its unit.
    pub value_label: String,
    /// x categories, left to right.
    pub x_categories: Vec<String>,
    /// y categories, bottom to top.
    pub y_categories: Vec<String>,
    /// `values[y][x]`; NaN for a missing cell (drawn grey).
    pub values: Vec<Vec<f64>>,
    /// The smallest span of the colour scale (twice the widest 95 % confidence half-width), so
    /// that differences within noise are not stretched over the whole scale; 0 for none.
    pub min_span: f64,
}

/// Anchors of the viridis colour map (matplotlib), at 0, 0.25, 0.5, 0.75, 1.
const VIRIDIS: [(f64, f64, f64); 5] =
    [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];

/// The viridis colour of t in [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let f = t * (VIRIDIS.len() - 1) as f64;
    let i = (f.floor() as usize).min(VIRIDIS.len() - 2);
    let u = f - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl HeatMap {
    fn value_range(&self) -> (f64, f64) {
        let vals = self.values.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo > hi {
            (0.0, 1.0)
        } else if hi - lo < self.min_span {
            // Widened about the middle, but not below 0 for values that cannot be negative.
            let low = ((lo + hi) / 2.0 - self.min_span / 2.0).max(if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY });
            (low, low + self.min_span)
        } else if hi - lo < 1e-12 {
            (lo - 0.5, hi + 0.5)
        } else {
            (lo, hi)
        }
    }

    /// Whether every difference between cells is within the noise ([`HeatMap::min_span`]).
    pub fn within_noise(&self) -> bool {
        let vals = self.values.iter().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        lo <= hi && hi - lo <= self.min_span
    }

    /// Draws the map and its colour bar.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, font: &str) -> Result<(), PlotError> {
        let (w, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(130));
        let (nx, ny) = (self.x_categories.len().max(1), self.y_categories.len().max(1));
        let (lo, hi) = self.value_range();
        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, (font, 20))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(90)
            .build_cartesian_2d(
                TickAxis::new(-0.5, nx as f64 - 0.5, Some(TickAxis::categories(nx, 16))),
                TickAxis::new(-0.5, ny as f64 - 0.5, Some(TickAxis::categories(ny, 16))),
            )?;
        let cat = |cats: &[String], v: f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 { cats.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
        };
        let xfmt = |v: &f64| cat(&self.x_categories, *v);
        let yfmt = |v: &f64| cat(&self.y_categories, *v);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((font, 14))
            .axis_desc_style((font, 15))
            .draw()?;
        let t = |v: f64| (v - lo) / (hi - lo);
        let mut cells = Vec::new();
        let mut texts = Vec::new();
        let show_text = nx * ny <= 144;
        for (yi, row) in self.values.iter().enumerate() {
            for (xi, &v) in row.iter().enumerate() {
                let (x, y) = (xi as f64, yi as f64);
                let fill = if v.is_finite() { viridis(t(v)) } else { RGBColor(200, 200, 200) };
                cells.push(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill.filled()));
                if show_text && v.is_finite() {
                    let ink: &'static RGBColor = if t(v) < 0.6 { &WHITE } else { &BLACK };
                    let style = TextStyle::from((font, 13).into_font()).color(ink).pos(Pos::new(HPos::Center, VPos::Center));
                    texts.push(Text::new(tick_in(v, lo, hi), (x, y), style));
                }
            }
        }
        chart.draw_series(cells)?;
        chart.draw_series(texts)?;
        let mut scale = ChartBuilder::on(&bar)
            .margin_top(44)
            .margin_bottom(58)
            .margin_right(8)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..1.0, lo..hi)?;
        scale
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_label_formatter(&|v| tick_in(*v, lo, hi))
            .y_desc(&self.value_label)
            .label_style((font, 13))
            .axis_desc_style((font, 14))
            .draw()?;
        let steps = 64;
        let strips = (0..steps).map(|k| {
            let a = lo + (hi - lo) * k as f64 / steps as f64;
            let b = lo + (hi - lo) * (k + 1) as f64 / steps as f64;
            Rectangle::new([(0.0, a), (1.0, b)], viridis((k as f64 + 0.5) / steps as f64).filled())
        });
        scale.draw_series(strips)?;
        Ok(())
    }
}
