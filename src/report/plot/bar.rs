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
    /// The value axis; bars start at 0 (or the axis end nearest it), so negative values hang down.
    pub y: Axis,
}

impl BarChart {
    /// Draws the chart.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, font: &str) -> Result<(), PlotError> {
        let n = self.categories.len().max(1);
        let max = self.values.iter().copied().filter(|v| v.is_finite()).fold(0.0f64, f64::max);
        let (y0, y1) = self.y.range.unwrap_or((0.0, if max > 0.0 { max * 1.15 } else { 1.0 }));
        // Labels wider than a bar's slot would run into each other: they are drawn here, below the
        // axis, on two staggered rows (every other label one row lower).
        let label_style = TextStyle::from((font, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let widest = self.categories.iter().filter_map(|c| area.estimate_text_size(c, &label_style).ok()).map(|s| s.0).max().unwrap_or(0);
        let slot = area.dim_in_pixel().0.saturating_sub(110) / n as u32;
        let staggered = widest + 8 > slot;
        let label_area = if staggered { 64 } else { 46 };
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (font, 20))
            .margin(12)
            .x_label_area_size(label_area)
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
            .x_labels(if staggered { 0 } else { 24 })
            .y_label_formatter(&|v| tick_in(*v, y0, y1))
            .x_desc(&self.x_label)
            .y_desc(&self.y.label)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(214, 214, 214))
            .label_style((font, 14))
            .axis_desc_style((font, 15))
            .draw()?;
        let c = color(0);
        let base = 0.0f64.clamp(y0, y1);
        let bars = self.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| {
            let x = i as f64;
            Rectangle::new([(x - 0.36, base), (x + 0.36, v.clamp(y0, y1))], c.filled())
        });
        chart.draw_series(bars)?;
        let style = TextStyle::from((font, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        let labels = self
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| Text::new(tick_in(*v, y0, y1), (i as f64, v.clamp(y0, y1)), style.clone()));
        chart.draw_series(labels)?;
        if staggered {
            let base = area.get_base_pixel();
            for (i, c) in self.categories.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, y0));
                let y = py - base.1 + 6 + (i % 2) as i32 * 17;
                area.draw(&PathElement::new(vec![(px - base.0, py - base.1), (px - base.0, y - 2)], RGBColor(160, 160, 160)))?;
                area.draw(&Text::new(c.clone(), (px - base.0, y), label_style.clone()))?;
            }
        }
        Ok(())
    }
}
