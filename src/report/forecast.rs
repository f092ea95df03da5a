//! The idle-capacity forecast: fan charts (p10-p90 band around the p50 line) over generic tables.
//!
//! ## Expected columns
//! `forecast.csv` has one row per period. The x column is `month` if present, else the first
//! column (numbers, or labels such as "2026-03" drawn as categories). Every quantity Q with the
//! three columns `Q_p10`, `Q_p50`, `Q_p90` (or `Q.p10`, `Q.p50`, `Q.p90`) becomes a fan chart, e.g.
//! `utilization_allocated_p10..p90`, `idle_accelerator_hours_p10..p90`, `wait_s_p95_p10..p90`.
//! Any other numeric column is drawn as a plain line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data::{Table, need};
use super::figures::Named;
use super::html::{esc, figure, page, section, write_atomic};
use super::i18n::Lang;
use super::plot::{Axis, Corner, Figure, LineChart, Series, XTicks};
use super::sweep::data_table;
use super::{ReportError, render_figures};

/// The quantity of a percentile column: ("idle_p10", "p10") -> "idle".
fn base_of<'a>(name: &'a str, pct: &str) -> Option<&'a str> {
    let stem = name.strip_suffix(pct)?;
    stem.strip_suffix('_').or_else(|| stem.strip_suffix('.'))
}

/// The column of quantity `base` at percentile `pct`, with either separator.
fn pct_column(t: &Table, base: &str, pct: &str) -> Option<Vec<f64>> {
    t.num(&format!("{base}_{pct}")).or_else(|| t.num(&format!("{base}.{pct}")))
}

/// The x column of a forecast table: `month`, else the first column.
pub fn x_column(t: &Table) -> Option<&str> {
    if t.col("month").is_some() { Some("month") } else { t.headers.first().map(String::as_str) }
}

/// Quantities with p10, p50 and p90 columns, in column order.
pub fn fan_quantities(t: &Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in &t.headers {
        if let Some(b) = base_of(h, "p50")
            && pct_column(t, b, "p10").is_some()
            && pct_column(t, b, "p90").is_some()
            && !out.iter().any(|o| o == b)
        {
            out.push(b.to_string());
        }
    }
    out
}

/// x positions and tick style of the x column.
fn x_values(t: &Table, x: &str) -> Option<(Vec<f64>, XTicks)> {
    if t.is_numeric(x) {
        Some((t.num(x)?, XTicks::Number))
    } else {
        let labels: Vec<String> = t.text(x)?.into_iter().map(str::to_string).collect();
        Some(((0..labels.len()).map(|i| i as f64).collect(), XTicks::Categories(labels)))
    }
}

/// The fan chart of quantity `base` over column `x`: p50 line, p10-p90 band.
pub fn fan_chart(t: &Table, x: &str, base: &str) -> Option<Figure> {
    let (xs, ticks) = x_values(t, x)?;
    let (p10, p50, p90) = (pct_column(t, base, "p10")?, pct_column(t, base, "p50")?, pct_column(t, base, "p90")?);
    let ok = |i: &usize| xs[*i].is_finite() && p50[*i].is_finite();
    let idx: Vec<usize> = (0..xs.len()).filter(ok).collect();
    if idx.is_empty() {
        return None;
    }
    let line = idx.iter().map(|&i| (xs[i], p50[i])).collect();
    let band = idx.iter().filter(|&&i| p10[i].is_finite() && p90[i].is_finite()).map(|&i| (xs[i], p10[i], p90[i])).collect();
    Some(Figure::Line(LineChart {
        title: format!("Forecast of {base}: median and p10-p90"),
        x: Axis::new(x),
        x_ticks: ticks,
        y: Axis::new(base),
        series: vec![Series::line("p50 (band p10-p90)", line).with_band(band)],
        legend: Corner::UpperLeft,
        ..LineChart::default()
    }))
}

/// A plain line of column `col` over `x`.
fn plain_line(t: &Table, x: &str, col: &str) -> Option<Figure> {
    let (xs, ticks) = x_values(t, x)?;
    let ys = t.num(col)?;
    let pts: Vec<(f64, f64)> = xs.iter().zip(&ys).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).collect();
    (!pts.is_empty()).then(|| {
        Figure::Line(LineChart {
            title: format!("Forecast of {col}"),
            x: Axis::new(x),
            x_ticks: ticks,
            y: Axis::new(col),
            series: vec![Series::line("", pts)],
            ..LineChart::default()
        })
    })
}

/// Every forecast plot: a fan per quantity, a line per other numeric column.
pub fn forecast_figures(t: &Table) -> Vec<Named> {
    let Some(x) = x_column(t) else { return Vec::new() };
    let fans = fan_quantities(t);
    let mut out: Vec<Named> =
        fans.iter().filter_map(|b| fan_chart(t, x, b).map(|fig| Named { name: format!("fan_{}", b.replace('.', "_")), fig })).collect();
    let in_fan = |h: &str| ["p10", "p50", "p90"].iter().any(|p| base_of(h, p).is_some_and(|b| fans.iter().any(|f| f == b)));
    for h in t.headers.iter().filter(|h| h.as_str() != x && !in_fan(h) && t.is_numeric(h)) {
        if let Some(fig) = plain_line(t, x, h) {
            out.push(Named { name: format!("line_{}", h.replace('.', "_")), fig });
        }
    }
    out
}

/// Writes the forecast page (`report.html`, plots/) into a forecast's folder.
pub fn forecast_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let t = lang.text();
    let path = need(dir, "forecast.csv", "a forecast's outputs")?;
    let table = Table::read(&path)?;
    let figs = forecast_figures(&table);
    if figs.is_empty() {
        return Err(ReportError::Malformed {
            path,
            msg: format!("expected a month column and quantities with _p10, _p50, _p90 columns; found {}", table.headers.join(", ")),
        });
    }
    let svgs = render_figures(dir, &figs)?;
    let mut body = String::new();
    let _ = writeln!(body, "<p class=\"sub\">{}</p>", esc(t.forecast_note));
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(&svgs) {
        plots.push_str(&figure(&f.name, svg, f.fig.title()));
    }
    body.push_str(&section("plots", t.plots, &plots));
    body.push_str(&section("data", t.data, &data_table(&table)));
    let html = page(lang, t.forecast_title, "<code>forecast.csv</code>", &body);
    let out = dir.join("report.html");
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fans_are_found_with_either_separator() {
        let t = Table::parse(
            "month,idle_accelerator_hours_p10,idle_accelerator_hours_p50,idle_accelerator_hours_p90,\
             utilization.p10,utilization.p50,utilization.p90,wait_s_p95\n1,10,20,30,0.5,0.6,0.7,100\n2,12,22,35,0.55,0.65,0.72,120\n",
        )
        .expect("fixture parses");
        assert_eq!(fan_quantities(&t), vec!["idle_accelerator_hours", "utilization"]);
        let names: Vec<String> = forecast_figures(&t).into_iter().map(|n| n.name).collect();
        assert_eq!(names, vec!["fan_idle_accelerator_hours", "fan_utilization", "line_wait_s_p95"]);
    }
}
