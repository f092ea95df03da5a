//! Line charts: time series, CDFs, fan charts and sweep lines, with optional shaded bands
//! (a min/max envelope of downsampled points, a p10-p90 fan, a 95 % confidence interval) and
//! an optional second y axis on the right (outdoor temperature beside PUE).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PlotError, TickAxis, color, extent, tick, tick_in};

/// One named line, with an optional band drawn behind it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend text; an empty name leaves the series out of the legend.
    pub name: String,
    /// (x, y) points in x order.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) in x order; empty for none.
    pub band: Vec<(f64, f64, f64)>,
    /// Drawn as dots, not joined (a scatter of sweep points).
    pub dots: bool,
}

impl Series {
    /// A plain line.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points, band: Vec::new(), dots: false }
    }

    /// Points drawn as dots.
    pub fn dots(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { dots: true, ..Series::line(name, points) }
    }

    /// The same line with a band.
    pub fn with_band(mut self, band: Vec<(f64, f64, f64)>) -> Series {
        self.band = band;
        self
    }
}

/// An axis: its description and, optionally, a fixed range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axis {
    /// Description with the unit, e.g. "IT power (kW)".
    pub label: String,
    /// Fixed (low, high); `None` fits the data.
    pub range: Option<(f64, f64)>,
}

impl Axis {
    /// An axis fitted to the data.
    pub fn new(label: impl Into<String>) -> Axis {
        Axis { label: label.into(), range: None }
    }

    /// The same axis with a fixed range.
    pub fn range(mut self, lo: f64, hi: f64) -> Axis {
        self.range = Some((lo, hi));
        self
    }
}

/// How x tick values are written.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum XTicks {
    /// Plain numbers.
    #[default]
    Number,
    /// x is log10 of seconds; ticks read "1 s", "10 min", "2 d".
    Log10Seconds,
    /// x is the index of a category; ticks read the category names.
    Categories(Vec<String>),
}

/// Where the legend sat inside the plot; legends are now drawn in a row above the plot area, never
/// over data, and this is kept for the figures that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Corner {
    /// Upper left.
    UpperLeft,
    /// Upper right.
    UpperRight,
    /// Lower left.
    LowerLeft,
    /// Lower right.
    #[default]
    LowerRight,
}

/// Lines over a shared x axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// How x ticks are written.
    pub x_ticks: XTicks,
    /// The left y axis.
    pub y: Axis,
    /// Series on the left axis.
    pub series: Vec<Series>,
    /// The right y axis, if any.
    pub y2: Option<Axis>,
    /// Series on the right axis.
    pub series2: Vec<Series>,
    /// Legend position.
    pub legend: Corner,
}

/// The raw smallest and largest finite values (a single value gets a unit span).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

fn y_values(series: &[Series]) -> impl Iterator<Item = f64> + '_ {
    series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().flat_map(|b| [b.1, b.2])))
}

/// The band as a closed polygon: the upper edge forward, the lower edge back.
fn band_polygon(band: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    band.iter().map(|b| (b.0, b.2)).chain(band.iter().rev().map(|b| (b.0, b.1))).collect()
}

/// Tick positions of a logarithmic time axis: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 1 d, 7 d, 30 d, 1 y.
const ROUND_DURATIONS_S: [f64; 10] = [1.0, 10.0, 60.0, 600.0, 3600.0, 21_600.0, 86_400.0, 604_800.0, 2_592_000.0, 31_536_000.0];

/// A duration in seconds as a short label: "45 s", "10 min", "2.5 h", "3 d".
pub fn duration_label(s: f64) -> String {
    // 10^log10(86400) is 86399.99...: round off the float noise first.
    let s = (s * 1e6).round() / 1e6;
    let (v, unit) = if s < 60.0 {
        (s, "s")
    } else if s < 3600.0 {
        (s / 60.0, "min")
    } else if s < 86_400.0 {
        (s / 3600.0, "h")
    } else {
        (s / 86_400.0, "d")
    };
    let text = if v >= 10.0 { format!("{v:.0}") } else { format!("{v:.1}").trim_end_matches(".0").to_string() };
    format!("{text} {unit}")
}

impl LineChart {
    fn x_label(&self, v: f64) -> String {
        match &self.x_ticks {
            XTicks::Number => tick(v),
            XTicks::Log10Seconds => duration_label(10f64.powf(v)),
            XTicks::Categories(c) => {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < c.len() { c[i as usize].clone() } else { String::new() }
            }
        }
    }

    /// Fixed x tick positions: round durations on a log axis, categories; `None` for plotters' own.
    fn x_tick_positions(&self, x0: f64, x1: f64) -> Option<Vec<f64>> {
        match &self.x_ticks {
            XTicks::Number => None,
            XTicks::Categories(c) => Some(TickAxis::categories(c.len(), 16)),
            XTicks::Log10Seconds => {
                Some(ROUND_DURATIONS_S.iter().map(|s| s.log10()).filter(|v| *v >= x0 - 1e-9 && *v <= x1 + 1e-9).collect())
            }
        }
    }

    /// Draws the chart.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, font: &str) -> Result<(), PlotError> {
        let all = self.series.iter().chain(&self.series2);
        let (x0, x1) = match (&self.x.range, &self.x_ticks) {
            (Some(r), _) => *r,
            (None, XTicks::Categories(c)) => (-0.5, c.len().max(1) as f64 - 0.5),
            (None, _) => span(all.flat_map(|s| s.points.iter().map(|p| p.0).chain(s.band.iter().map(|b| b.0)))),
        };
        let (y0, y1) = self.y.range.or_else(|| extent(y_values(&self.series))).unwrap_or((0.0, 1.0));
        let (z0, z1) = self.y2.as_ref().and_then(|a| a.range.or_else(|| extent(y_values(&self.series2)))).unwrap_or((0.0, 1.0));
        let area = area.titled(&self.title, (font, 20))?;
        let entries: Vec<(&str, RGBColor, bool)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s, color(i)))
            .chain(self.series2.iter().enumerate().map(|(j, s)| (s, color(self.series.len() + j))))
            .filter(|(s, _)| !s.name.is_empty())
            .map(|(s, c)| (s.name.as_str(), c, s.dots))
            .collect();
        let area = draw_legend(&area, &entries, font)?;
        let mut b = ChartBuilder::on(&area);
        b.margin(12).margin_top(4).x_label_area_size(46).y_label_area_size(72);
        if self.y2.is_some() {
            b.right_y_label_area_size(72);
        }
        let xt = self.x_tick_positions(x0, x1);
        let xa = || TickAxis::new(x0, x1, xt.clone());
        let mut chart = b.build_cartesian_2d(xa(), y0..y1)?.set_secondary_coord(xa(), z0..z1);
        let xfmt = |v: &f64| self.x_label(*v);
        let yfmt = |v: &f64| tick_in(*v, y0, y1);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x.label)
            .y_desc(&self.y.label)
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(214, 214, 214))
            .label_style((font, 14))
            .axis_desc_style((font, 15));
        mesh.x_labels(10).draw()?;
        if let Some(a) = &self.y2 {
            chart
                .configure_secondary_axes()
                .y_desc(&a.label)
                .y_label_formatter(&yfmt)
                .label_style((font, 14))
                .axis_desc_style((font, 15))
                .draw()?;
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = color(i);
            if s.band.len() > 1 {
                chart.draw_series(std::iter::once(Polygon::new(band_polygon(&s.band), c.mix(0.2).filled())))?;
            }
            if s.dots {
                chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 4, c.mix(0.75).filled())))?;
            } else {
                chart.draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))?;
            }
        }
        for (j, s) in self.series2.iter().enumerate() {
            let c = color(self.series.len() + j);
            if s.band.len() > 1 {
                chart.draw_secondary_series(std::iter::once(Polygon::new(band_polygon(&s.band), c.mix(0.2).filled())))?;
            }
            chart.draw_secondary_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))?;
        }
        Ok(())
    }
}

/// Legend entries beyond this many are summarised as "… +N".
pub const MAX_LEGEND: usize = 12;

/// Draws the legend as rows of entries at the top of `area`, outside the plot area (so it never
/// covers data), and returns the area left for the plot. At most [`MAX_LEGEND`] entries.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(&str, RGBColor, bool)],
    font: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((font, 14).into_font());
    let (left, row_h, swatch) = (84i32, 20i32, 26i32);
    let mut shown: Vec<(String, RGBColor, bool)> = entries.iter().take(MAX_LEGEND).map(|(n, c, d)| (n.to_string(), *c, *d)).collect();
    if entries.len() > MAX_LEGEND {
        shown.push((format!("… +{}", entries.len() - MAX_LEGEND), WHITE, false));
    }
    // Lay the entries out in rows first, to know the height.
    let mut placed = Vec::new();
    let (mut x, mut row) = (left, 0i32);
    for (name, c, dots) in shown {
        let tw = area.estimate_text_size(&name, &style).map_or(name.len() as u32 * 8, |s| s.0) as i32;
        let width = swatch + 6 + tw + 28;
        if x > left && x + width > w as i32 - 12 {
            row += 1;
            x = left;
        }
        placed.push((x, row, name, c, dots));
        x += width;
    }
    let height = (row + 1) * row_h + 6;
    let (top, rest) = area.split_vertically(height as u32);
    for (x, row, name, c, dots) in placed {
        let y = row * row_h + row_h / 2 + 2;
        if dots {
            top.draw(&Circle::new((x + swatch / 2, y), 4, c.filled()))?;
        } else if c != WHITE {
            top.draw(&PathElement::new(vec![(x, y), (x + swatch, y)], c.stroke_width(3)))?;
        }
        top.draw(&Text::new(name, (x + swatch + 6, y - 8), style.clone()))?;
    }
    Ok(rest)
}
