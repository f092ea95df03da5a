//! The forecast's outputs: `forecast.csv` (one row per month, p10/p50/p90 of every metric),
//! `forecast.json` (the whole [`Forecast`]) and the plain-text summary printed on the terminal.
//!
//! ## How it works
//! The CSV writes bands rounded to 6 decimals and the month's start day to 4; both files are
//! staged and committed together under the rule of [`crate::output`], so a failed write leaves
//! no partial output. The terminal summary shows the monthly medians (p10/p50/p90 for the
//! allocated utilisation and the idle accelerator-hours), durations for people, the expansion
//! trigger with and without the expansion, and the economics with `[finance]`.

use std::path::{Path, PathBuf};

use super::{Band, Forecast, ForecastEconomics, Month, fmt_s};
use crate::sweep::SweepError;

fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{}", (v * 1e6).round() / 1e6))
}

/// forecast.csv: one row per month, p10/p50/p90 of every metric.
pub fn to_csv(f: &Forecast) -> String {
    let mut out = String::from("month,start_day,demand,accelerators");
    if let Some(first) = f.table.first() {
        for (n, _) in &first.metrics {
            out.push_str(&format!(",{n}_p10,{n}_p50,{n}_p90"));
        }
    }
    out.push('\n');
    for m in &f.table {
        let start_day = (m.month as f64 - 1.0) * f.month_hours / 24.0;
        out.push_str(&format!("{},{},{},{}", m.month, (start_day * 1e4).round() / 1e4, (m.demand * 1e9).round() / 1e9, m.accelerators));
        for (_, b) in &m.metrics {
            out.push_str(&format!(",{},{},{}", cell(b.p10), cell(b.p50), cell(b.p90)));
        }
        out.push('\n');
    }
    out
}

/// Writes forecast.csv and forecast.json into `out` atomically, under the rule of
/// [`crate::output`].
pub fn write(f: &Forecast, out: &crate::output::Target) -> Result<PathBuf, SweepError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SweepError::Io { path: p, source }
    };
    let staging = out.stage()?;
    let csv = staging.file("forecast.csv");
    std::fs::write(&csv, to_csv(f)).map_err(io(&csv))?;
    let json = staging.file("forecast.json");
    let mut text = serde_json::to_string_pretty(f).map_err(|e| SweepError::Io { path: json.clone(), source: e.into() })?;
    text.push('\n');
    std::fs::write(&json, text).map_err(io(&json))?;
    Ok(staging.commit()?)
}

/// The plain-text summary printed on the terminal.
pub fn text_summary(f: &Forecast) -> String {
    let get = |m: &Month, n: &str| m.metrics.iter().find(|(k, _)| k == n).map(|(_, b)| *b);
    let p = |b: Option<Band>, f: &dyn Fn(f64) -> String| {
        b.map_or("-".into(), |b| format!("{}/{}/{}", b.p10.map_or("-".into(), f), b.p50.map_or("-".into(), f), b.p90.map_or("-".into(), f)))
    };
    let pct = |x: f64| format!("{:.0}", 100.0 * x);
    let mut s = format!(
        "forecast {}: {} months of {} h after a {} warm-up, {} replications; p10/p50/p90 over replications\n",
        f.name,
        f.months,
        f.month_hours,
        fmt_s(f.warmup_s),
        f.replications
    );
    s.push_str(&format!(
        "{:>5} {:>7} {:>6} {:>16} {:>22} {:>10} {:>10} {:>8} {:>10}\n",
        "month", "demand", "accel", "alloc util %", "idle accel-h", "wait p50", "wait p95", "reject%", "IT MWh"
    ));
    for m in &f.table {
        let med = |n: &str| get(m, n).and_then(|b| b.p50);
        let dur = |x: Option<f64>| x.map_or("-".into(), fmt_s);
        s.push_str(&format!(
            "{:>5} {:>7.2} {:>6} {:>16} {:>22} {:>10} {:>10} {:>8.2} {:>10.1}\n",
            m.month,
            m.demand,
            m.accelerators,
            p(get(m, "utilization_allocated"), &pct),
            p(get(m, "idle_accelerator_hours"), &|x| format!("{x:.0}")),
            dur(med("wait_p50_s")),
            dur(med("wait_p95_s")),
            100.0 * med("reject_rate").unwrap_or(0.0),
            med("it_energy_kwh").unwrap_or(f64::NAN) / 1000.0
        ));
    }
    let idle: f64 = f.table.iter().filter_map(|m| get(m, "idle_accelerator_hours").and_then(|b| b.p50)).sum();
    let low = f.table.iter().filter(|m| get(m, "utilization_allocated").and_then(|b| b.p50).is_some_and(|u| u < 0.3)).count();
    s.push_str(&format!(
        "idle capacity: {idle:.0} accelerator-hours unallocated over {} months (sum of monthly medians); {low} month(s) below 30 % allocation\n",
        f.months
    ));
    let thresholds = format!("median wait > {} or rejections > {:.2} %", fmt_s(f.max_wait_s), 100.0 * f.max_reject);
    if let Some(x) = &f.expansion {
        let without = x.trigger_without.as_ref().map_or("none".to_string(), |t| format!("month {} ({})", t.month, t.reason));
        s.push_str(&format!("expansion trigger without expansion ({thresholds}): {without}\n"));
        s.push_str(&format!(
            "with +{} racks in service from month {} ({} -> {} accelerators): ",
            x.expansion.racks, x.expansion.month, x.accelerators_before, x.accelerators_after
        ));
    } else {
        s.push_str(&format!("expansion trigger ({thresholds}): "));
    }
    match &f.trigger {
        Some(t) => s.push_str(&format!("month {} ({})\n", t.month, t.reason)),
        None => s.push_str(&format!("none within {} months\n", f.months)),
    }
    if let Some(e) = &f.finance {
        s.push_str(&economics_line(e, f.replications));
        if let (Some(w), Some(pays)) = (&e.without_expansion, e.expansion_pays) {
            s.push_str(&format!("  without the expansion: {}", economics_line(w, f.replications)));
            s.push_str(if pays {
                "  the expansion pays: its median NPV is higher\n"
            } else {
                "  the expansion does not pay: its median NPV is not higher\n"
            });
        }
    }
    s
}

fn economics_line(e: &ForecastEconomics, reps: u32) -> String {
    let m = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{:.1} M", x / 1e6));
    let p = |v: Option<f64>| v.map_or("never".to_string(), |x| format!("month {x:.0}"));
    format!(
        "economics over {reps} replications (lease prices ±{:.0} %): NPV p10/p50/p90 {} / {} / {} CNY; payback p10/p50/p90 {} / {} / {}; never pays back in {:.0} %\n",
        100.0 * e.price_spread,
        m(e.npv_cny.p10),
        m(e.npv_cny.p50),
        m(e.npv_cny.p90),
        p(e.payback_month.p10),
        p(e.payback_month.p50),
        p(e.payback_month.p90),
        100.0 * e.never_pays_share
    )
}
