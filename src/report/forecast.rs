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

use super::data::{Table, need, read_json};
use super::figures::Named;
use super::forecast_answer::answer;
use super::html::{esc, figure, page, section, write_atomic};
use super::i18n::Lang;
use super::plot::{Axis, Corner, Figure, LineChart, Series, XTicks};
use super::sweep::data_table;
use super::{ReportError, page_name, render_figures};

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

/// How a forecast quantity is named and shown: (English, Chinese, stored unit). `ts.<column>`
/// takes the registry's timeseries column.
fn quantity(base: &str) -> (String, String, &'static str) {
    let fixed = |en: &str, zh: &str, unit| (en.to_string(), zh.to_string(), unit);
    match base {
        "utilization_allocated" => fixed("Allocation utilization", "分配利用率", "fraction"),
        "utilization_effective" => fixed("Effective utilization", "有效利用率", "fraction"),
        "idle_accelerator_hours" => fixed("Idle accelerator-hours", "闲置卡时", "accelerator-hours"),
        "wait_p50_s" => fixed("Median queue wait of jobs started in the month", "当月启动作业的排队等待中位数", "s"),
        "wait_p95_s" => fixed("95th percentile queue wait of jobs started in the month", "当月启动作业的排队等待 95 分位", "s"),
        "reject_rate" => fixed("Rejection rate of jobs submitted in the month", "当月提交作业的拒绝率", "fraction"),
        "submitted" => fixed("Jobs submitted", "提交作业数", "1"),
        "queue_length" => fixed("Mean queue length (jobs)", "平均排队作业数", "1"),
        "it_energy_kwh" => fixed("IT energy", "IT 能耗", "kWh"),
        other => {
            let col = other.strip_prefix("ts.").unwrap_or(other);
            match crate::metrics::registry::timeseries().iter().find(|e| e.path == col) {
                Some(e) => (e.label.en.to_string(), e.label.zh_or_en().to_string(), if col.ends_with("_kwh") { "kWh" } else { e.unit }),
                None => (other.to_string(), other.to_string(), ""),
            }
        }
    }
}

/// The fan chart of quantity `base` over the months: p50 line, p10-p90 band, in the unit a
/// reader wants (waits in h or d, shares in %), the axis from 0 where the quantity cannot be
/// negative.
pub fn forecast_fan(t: &Table, x: &str, base: &str, lang: Lang) -> Option<Figure> {
    let (en, zh, unit) = quantity(base);
    let top = super::axis::largest(pct_column(t, base, "p90")?.into_iter().chain(pct_column(t, base, "p50")?));
    let (shown, scale) = super::axis::human_unit(unit, top);
    let Figure::Line(mut c) = fan_chart(t, x, base)? else { return None };
    for s in &mut c.series {
        s.points.iter_mut().for_each(|p| p.1 *= scale);
        s.band.iter_mut().for_each(|b| {
            b.1 *= scale;
            b.2 *= scale;
        });
    }
    let name = if lang == Lang::Zh { zh } else { en };
    // The axis takes the name up to " of jobs ..." (the title says the rest).
    let short = name.split(" of jobs").next().unwrap_or(&name).split("当月").last().unwrap_or(&name).to_string();
    c.title = name.clone();
    let shown = if lang == Lang::Zh && shown == "accelerator-hours" { "卡时".to_string() } else { shown };
    // "Idle accelerator-hours" says its unit already.
    let redundant = matches!(shown.as_str(), "accelerator-hours" | "卡时") && short.contains(&shown);
    c.y = Axis::new(if shown.is_empty() || redundant { short } else { format!("{short} ({shown})") });
    c.x = Axis::new(lang.pick(("month", "月份")));
    c.series[0].name = lang.pick(("median (p50), band p10-p90", "中位数(p50),阴影 p10-p90")).to_string();
    let hi = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().map(|b| b.2))).fold(0.0, f64::max);
    let lo = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().map(|b| b.1))).fold(0.0, f64::min);
    if lo >= 0.0 && !base.contains("pue") {
        c.y = c.y.range(0.0, if hi > 0.0 { hi * 1.1 } else { 1.0 });
    }
    Some(Figure::Line(c))
}

/// Every forecast plot: a fan per quantity, and the demand multiplier (month, start day and
/// installed accelerators are bookkeeping, shown in the table only).
pub fn forecast_figures(t: &Table, lang: Lang) -> Vec<Named> {
    let Some(x) = x_column(t) else { return Vec::new() };
    let fans = fan_quantities(t);
    let mut out: Vec<Named> = fans
        .iter()
        .filter_map(|b| forecast_fan(t, x, b, lang).map(|fig| Named { name: format!("fan_{}", b.replace('.', "_")), fig }))
        .collect();
    if let Some(Figure::Line(mut c)) = plain_line(t, x, "demand") {
        c.title = lang.pick(("Demand multiplier", "需求倍数")).into();
        c.y = Axis::new(lang.pick(("demand multiplier (x the scenario's rates)", "需求倍数(相对场景到达率)")));
        c.x = Axis::new(lang.pick(("month", "月份")));
        out.push(Named { name: "line_demand".into(), fig: Figure::Line(c) });
    }
    out
}

/// Writes the forecast page ([`page_name`], plots/) into a forecast's folder: the answer first
/// (from forecast.json where present), then the fans and the table.
pub fn forecast_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let t = lang.text();
    let path = need(dir, "forecast.csv", "a forecast's outputs")?;
    let table = Table::read(&path)?;
    let figs = forecast_figures(&table, lang);
    if figs.is_empty() {
        return Err(ReportError::Malformed {
            path,
            msg: format!("expected a month column and quantities with _p10, _p50, _p90 columns; found {}", table.headers.join(", ")),
        });
    }
    let json = if dir.join("forecast.json").is_file() { Some(read_json(&dir.join("forecast.json"))?) } else { None };
    let svgs = render_figures(dir, &figs, lang)?;
    let mut body = String::new();
    if let Some(j) = &json {
        body.push_str(&section("answer", lang.pick(("The answer", "结论")), &answer(j, lang)));
    }
    let _ = writeln!(body, "<p class=\"sub\">{}</p>", esc(t.forecast_note));
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(&svgs) {
        plots.push_str(&figure(&f.name, svg, f.fig.title()));
    }
    body.push_str(&section("plots", t.plots, &plots));
    body.push_str(&section("data", t.data, &data_table(&table)));
    let html = page(lang, t.forecast_title, "<code>forecast.csv</code>", &body);
    let out = dir.join(page_name(lang));
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
        let names: Vec<String> = forecast_figures(&t, Lang::En).into_iter().map(|n| n.name).collect();
        assert_eq!(names, vec!["fan_idle_accelerator_hours", "fan_utilization"], "no plot of a column without a fan");
    }

    #[test]
    fn waits_are_drawn_in_hours_and_rates_from_zero() {
        let t = Table::parse(
            "month,start_day,demand,accelerators,wait_p95_s_p10,wait_p95_s_p50,wait_p95_s_p90,reject_rate_p10,reject_rate_p50,reject_rate_p90\n\
             1,0,1,256,3600,7200,10800,0,0,0\n2,30.4,1.1,256,7200,14400,21600,0,0,0\n",
        )
        .expect("fixture parses");
        let figs = forecast_figures(&t, Lang::En);
        let names: Vec<&str> = figs.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["fan_wait_p95_s", "fan_reject_rate", "line_demand"], "no start_day, no accelerators");
        let Figure::Line(w) = &figs[0].fig else { panic!("a line chart") };
        assert!(w.y.label.ends_with("(h)"), "{}", w.y.label);
        assert_eq!(w.series[0].points[1].1, 4.0, "14,400 s is 4 h");
        let Figure::Line(r) = &figs[1].fig else { panic!("a line chart") };
        assert_eq!(r.y.range.map(|r| r.0), Some(0.0), "a rate never goes below 0");
    }
}
