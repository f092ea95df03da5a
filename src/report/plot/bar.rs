//! Bar charts by category (PUE by month, energy by component), each bar labelled with its value.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Axis, PlotError, TickAxis, color, tick_in};

/// Vertical bars, one per category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// Description of the categories.
    pub x_label: String,
    /// Category names, left to right.
    pub categories: Vec<String>,
    /// One value per category.
    pub values: Vec<f64>,
    /// The value axis; bars start at its low end (0 unless fixed).
    pub y: Axis,
}

impl BarChart {
    /// Draws the chart.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let n = self.categories.len().max(1);
        let max = self.values.iter().copied().filter(|v| v.is_finite()).fold(0.0f64, f64::max);
        let (y0, y1) = self.y.range.unwrap_or((0.0, if max > 0.0 { max * 1.15 } else { 1.0 }));
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(72)
            .build_cartesian_2d(TickAxis::new(-0.5, n as f64 - 0.5, Some(TickAxis::categories(n, 24))), y0..y1)?;
        let xfmt = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 { self.categories.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&xfmt)
            .y_label_formatter(&|v| tick_in(*v, y0, y1))
            .x_desc(&self.x_label)
            .y_desc(&self.y.label)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(214, 214, 214))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()?;
        let c = color(0);
        let bars = self.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| {
            let x = i as f64;
            Rectangle::new([(x - 0.36, y0), (x + 0.36, v.clamp(y0, y1))], c.filled())
        });
        chart.draw_series(bars)?;
        let style = TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        let labels = self
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| Text::new(tick_in(*v, y0, y1), (i as f64, v.clamp(y0, y1)), style.clone()));
        chart.draw_series(labels)?;
        Ok(())
    }
}
