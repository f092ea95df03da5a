//! Sweep plots and the sweep page, over generic tables whose columns are found by name.
//!
//! ## Expected columns
//! `sweep_summary.csv` has one row per point: parameter columns, then metric columns named by
//! their summary.json path (`utilization.allocated_mean`). A metric's mean is the column
//! `<metric>.mean` or, failing that, `<metric>`; its 95 % confidence half-width is
//! `<metric>.ci95` or `<metric>_ci95`. `sweep.csv` (one row per run) has the same parameter and
//! metric columns and is averaged here per point when there is no summary (ci95 = 1.96 s/sqrt n).
//! A column is a metric when the [metrics registry](crate::metrics::registry) declares it one
//! (`pue.by_month.2025-07` matches `pue.by_month.<YYYY-MM>`), when it is a statistic of a
//! metric (`<metric>.mean`, `<metric>.ci95`, `<metric>_ci95`) or when it has such a sibling;
//! `run`, `replication`, `seed`, `point`, `n` and the registry's bookkeeping keys
//! (`grid.emission_factor_kg_per_kwh`) are bookkeeping; every other column is a parameter.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data::Table;
use super::figures::Named;
use super::html::{esc, figure, page, section, table, write_atomic};
use super::i18n::Lang;
use super::plot::{Axis, Corner, Figure, HeatMap, LineChart, Series, XTicks, tick};
use super::{ReportError, render_figures};
use crate::metrics::registry;

/// Columns that are neither parameters nor metrics.
const BOOKKEEPING: [&str; 7] = ["run", "replication", "rep", "seed", "point", "n", "replications"];

/// Metrics a sweep page plots first, when the table has them.
pub const KEY_METRICS: [&str; 8] = [
    "utilization.allocated_mean",
    "utilization.effective_mean",
    "idle_capacity.fraction_unallocated",
    "jobs.wait_s.p95",
    "pue.annual",
    "energy.it_kwh",
    "energy.facility_kwh",
    "carbon_t",
];

fn strip_stat(name: &str) -> Option<&str> {
    name.strip_suffix(".mean").or_else(|| name.strip_suffix(".ci95")).or_else(|| name.strip_suffix("_ci95"))
}

/// Splits a table's columns into (parameters, metrics), metrics named without their statistic.
pub fn split_columns(t: &Table) -> (Vec<String>, Vec<String>) {
    let mut params = Vec::new();
    let mut metrics: Vec<String> = Vec::new();
    for h in &t.headers {
        if BOOKKEEPING.contains(&h.as_str()) || registry::is_bookkeeping(h) {
            continue;
        }
        // A statistic of a metric names it (`jobs.wait_s.mean.ci95`); a metric names itself
        // (`jobs.wait_s.mean` in sweep.csv); an unknown statistic column names its base.
        let base = match strip_stat(h) {
            Some(b) if registry::is_metric(b) => b,
            _ if registry::is_metric(h) => h.as_str(),
            stripped => stripped.unwrap_or(h),
        };
        let has_sibling = t.headers.iter().any(|o| o != h && strip_stat(o) == Some(h.as_str()));
        if base != h || has_sibling || registry::is_metric(base) {
            if !metrics.iter().any(|m| m == base) {
                metrics.push(base.to_string());
            }
        } else {
            params.push(h.clone());
        }
    }
    (params, metrics)
}

/// The mean column of a metric.
pub fn mean_column(t: &Table, metric: &str) -> Option<Vec<f64>> {
    t.num(&format!("{metric}.mean")).or_else(|| t.num(metric))
}

/// The ci95 column of a metric.
pub fn ci_column(t: &Table, metric: &str) -> Option<Vec<f64>> {
    t.num(&format!("{metric}.ci95")).or_else(|| t.num(&format!("{metric}_ci95")))
}

/// Distinct values of a column: sorted as numbers if all are numbers, else in order of appearance.
fn levels(t: &Table, col: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in t.text(col).unwrap_or_default() {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    if t.is_numeric(col) {
        out.sort_by(|a, b| a.parse::<f64>().unwrap_or(f64::NAN).total_cmp(&b.parse::<f64>().unwrap_or(f64::NAN)));
    }
    out
}

/// Averages per-run rows (sweep.csv) per point: each metric gets `<metric>` (mean) and
/// `<metric>.ci95` (1.96 standard errors; 0 for a single run), plus `n`.
pub fn aggregate_runs(t: &Table) -> Table {
    let (params, metrics) = split_columns(t);
    let pidx: Vec<usize> = params.iter().filter_map(|p| t.col(p)).collect();
    let cols: Vec<Vec<f64>> = metrics.iter().map(|m| t.num(m).unwrap_or_else(|| vec![f64::NAN; t.rows.len()])).collect();
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let key: Vec<String> = pidx.iter().map(|&i| row.get(i).cloned().unwrap_or_default()).collect();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let mut headers = params.clone();
    headers.push("n".into());
    for m in &metrics {
        headers.push(m.clone());
        headers.push(format!("{m}.ci95"));
    }
    let rows = groups
        .into_iter()
        .map(|(key, members)| {
            let mut row = key;
            row.push(members.len().to_string());
            for c in &cols {
                let v: Vec<f64> = members.iter().map(|&r| c[r]).filter(|x| x.is_finite()).collect();
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let ci = if v.len() > 1 {
                    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
                    1.96 * (var / n).sqrt()
                } else {
                    0.0
                };
                row.push(if v.is_empty() { String::new() } else { format!("{mean}") });
                row.push(if v.is_empty() { String::new() } else { format!("{ci}") });
            }
            row
        })
        .collect();
    Table { headers, rows }
}

/// A metric against parameter `x`, one line per value of `group` (if given), with the 95 %
/// confidence band where the table has a ci95 column. A text-valued `x` becomes categories.
pub fn sweep_line(t: &Table, x: &str, metric: &str, group: Option<&str>) -> Option<Figure> {
    let y = mean_column(t, metric)?;
    let ci = ci_column(t, metric);
    let xs_text = t.text(x)?;
    let numeric = t.is_numeric(x);
    let xlev = levels(t, x);
    let xpos = |i: usize| -> f64 {
        if numeric {
            xs_text[i].parse().unwrap_or(f64::NAN)
        } else {
            xlev.iter().position(|l| l == xs_text[i]).map_or(f64::NAN, |p| p as f64)
        }
    };
    let groups: Vec<Option<String>> = match group {
        Some(g) => levels(t, g).into_iter().map(Some).collect(),
        None => vec![None],
    };
    let gcol = group.and_then(|g| t.text(g));
    let mut series = Vec::new();
    for g in &groups {
        let mut pts: Vec<(f64, f64, f64)> = (0..t.rows.len())
            .filter(|&i| match (g, &gcol) {
                (Some(g), Some(col)) => col[i] == g,
                _ => true,
            })
            .map(|i| (xpos(i), y[i], ci.as_ref().map_or(0.0, |c| if c[i].is_finite() { c[i] } else { 0.0 })))
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let name = match (g, group) {
            (Some(v), Some(gname)) => format!("{gname} = {v}"),
            _ => String::new(),
        };
        let band = if ci.is_some() { pts.iter().map(|p| (p.0, p.1 - p.2, p.1 + p.2)).collect() } else { Vec::new() };
        series.push(Series::line(name, pts.iter().map(|p| (p.0, p.1)).collect()).with_band(band));
    }
    if series.iter().all(|s| s.points.is_empty()) {
        return None;
    }
    Some(Figure::Line(LineChart {
        title: format!("{metric} by {x}"),
        x: Axis::new(x),
        x_ticks: if numeric { XTicks::Number } else { XTicks::Categories(xlev) },
        y: Axis::new(metric),
        series,
        legend: Corner::UpperRight,
        ..LineChart::default()
    }))
}

/// A metric over parameters `x` and `y` as a heat map (rows sharing a cell are averaged).
pub fn sweep_heatmap(t: &Table, x: &str, y: &str, metric: &str) -> Option<Figure> {
    let v = mean_column(t, metric)?;
    let (xc, yc) = (t.text(x)?, t.text(y)?);
    let (xl, yl) = (levels(t, x), levels(t, y));
    let mut sums: BTreeMap<(usize, usize), (f64, u32)> = BTreeMap::new();
    for i in 0..t.rows.len() {
        let (Some(a), Some(b)) = (xl.iter().position(|l| l == xc[i]), yl.iter().position(|l| l == yc[i])) else { continue };
        if v[i].is_finite() {
            let e = sums.entry((a, b)).or_insert((0.0, 0));
            e.0 += v[i];
            e.1 += 1;
        }
    }
    if sums.is_empty() {
        return None;
    }
    let values =
        (0..yl.len()).map(|b| (0..xl.len()).map(|a| sums.get(&(a, b)).map_or(f64::NAN, |(s, n)| s / *n as f64)).collect()).collect();
    Some(Figure::Heat(HeatMap {
        title: format!("{metric} by {x} and {y}"),
        x_label: x.into(),
        y_label: y.into(),
        value_label: metric.into(),
        x_categories: xl,
        y_categories: yl,
        values,
    }))
}

/// File stems for plots: "utilization.allocated_mean" -> "utilization_allocated_mean".
fn stem(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// The plots of a sweep: for each key metric, a line over the first parameter (numeric
/// parameters first; one line per value of the second), and a heat map over the first two.
pub fn sweep_figures(t: &Table) -> Vec<(String, Figure)> {
    let (params, metrics) = split_columns(t);
    let mut chosen: Vec<&str> = KEY_METRICS.iter().copied().filter(|k| metrics.iter().any(|m| m == k)).collect();
    if chosen.is_empty() {
        chosen = metrics.iter().take(4).map(String::as_str).collect();
    }
    let mut out = Vec::new();
    // A numeric parameter makes the better x axis; text parameters group the lines.
    let mut params = params;
    params.sort_by_key(|p| !t.is_numeric(p));
    let Some(x) = params.first() else { return out };
    let group = params.get(1).map(String::as_str);
    for m in chosen {
        if let Some(f) = sweep_line(t, x, m, group) {
            out.push((format!("sweep_{}", stem(m)), f));
        }
        if let Some(y) = group
            && let Some(f) = sweep_heatmap(t, x, y, m)
        {
            out.push((format!("heat_{}", stem(m)), f));
        }
    }
    out
}

/// Writes the sweep page (`report.html`, plots/) into a sweep's folder.
pub fn sweep_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let t = lang.text();
    let (points, source) = if dir.join("sweep_summary.csv").is_file() {
        (Table::read(&dir.join("sweep_summary.csv"))?, "sweep_summary.csv")
    } else if dir.join("sweep.csv").is_file() {
        (aggregate_runs(&Table::read(&dir.join("sweep.csv"))?), "sweep.csv")
    } else {
        return Err(ReportError::Missing { dir: dir.to_path_buf(), what: "no sweep_summary.csv or sweep.csv (a sweep's outputs)".into() });
    };
    let (params, metrics) = split_columns(&points);
    if params.is_empty() || metrics.is_empty() {
        return Err(ReportError::Malformed {
            path: dir.join(source),
            msg: format!(
                "expected parameter columns then metric columns such as utilization.allocated_mean; found {}",
                points.headers.join(", ")
            ),
        });
    }
    let figs: Vec<Named> = sweep_figures(&points).into_iter().map(|(n, fig)| Named { name: n, fig }).collect();
    let svgs = render_figures(dir, &figs)?;
    let mut body = String::new();
    let _ = writeln!(body, "<p><strong>{}</strong>: {}</p>", esc(t.parameters), esc(&params.join(", ")));
    let _ = writeln!(body, "<p class=\"sub\">{}</p>", esc(t.sweep_note));
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(&svgs) {
        plots.push_str(&figure(&f.name, svg, f.fig.title()));
    }
    body.push_str(&section("plots", t.plots, &plots));
    body.push_str(&section("data", t.data, &data_table(&points)));
    let subtitle = format!("{} <code>{}</code>", esc(t.data), esc(source));
    let html = page(lang, t.sweep_title, &subtitle, &body);
    let out = dir.join("report.html");
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// A number in a data table: thousands grouped from 1,000, else as a tick label.
fn cell(v: f64) -> String {
    if v.abs() >= 1000.0 { super::format::fixed(v, 0) } else { tick(v) }
}

/// A table as HTML with numbers shortened for reading.
pub fn data_table(t: &Table) -> String {
    let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (0..t.headers.len()).filter(|&i| t.is_numeric(&t.headers[i])).collect();
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| if numeric.contains(&i) { c.parse::<f64>().map_or(c.clone(), cell) } else { c.clone() })
                .collect()
        })
        .collect();
    table(&headers, &rows, &numeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "policy,rate_scale,utilization.allocated_mean,utilization.allocated_mean.ci95,jobs.wait_s.p95,jobs.wait_s.p95_ci95\n\
        fifo,1.0,0.60,0.02,100,10\nfifo,1.5,0.80,0.02,900,50\nbackfill,1.0,0.65,0.01,50,5\nbackfill,1.5,0.88,0.01,300,20\n";

    #[test]
    fn columns_split_into_parameters_and_metrics() {
        let t = Table::parse(SUMMARY).expect("fixture parses");
        let (p, m) = split_columns(&t);
        assert_eq!(p, vec!["policy", "rate_scale"]);
        assert_eq!(m, vec!["utilization.allocated_mean", "jobs.wait_s.p95"]);
    }

    #[test]
    fn every_summary_section_is_a_metric_and_scenario_paths_are_parameters() {
        // sweep.csv of a sweep over a grid cap: sections the old list of 13 lacked (cost,
        // failures, services, trace ...) are metrics, the swept path is a parameter.
        let t = Table::parse(
            "run,point,replication,seed,grid.cap,cost.total_cny,failures.goodput,services.chat.slo_attainment,\
             pue.by_month.2025-07,jobs.wait_s.mean,power.it_kw.max,grid.emission_factor_kg_per_kwh\n0,0,0,1,3MW,1,0.9,1,1.2,10,5,0.58\n",
        )
        .expect("fixture parses");
        let (p, m) = split_columns(&t);
        assert_eq!(p, vec!["grid.cap"]);
        assert_eq!(
            m,
            vec![
                "cost.total_cny",
                "failures.goodput",
                "services.chat.slo_attainment",
                "pue.by_month.2025-07",
                "jobs.wait_s.mean",
                "power.it_kw.max"
            ],
            "the emission factor used is bookkeeping"
        );
        // sweep_summary.csv names them with their statistics.
        let t =
            Table::parse("point,n,grid.cap,jobs.wait_s.mean.mean,jobs.wait_s.mean.ci95,trace.jobs.mean,trace.jobs.ci95\n0,1,3MW,10,,5,\n")
                .expect("fixture parses");
        assert_eq!(split_columns(&t), (vec!["grid.cap".to_string()], vec!["jobs.wait_s.mean".to_string(), "trace.jobs".to_string()]));
    }

    #[test]
    fn key_metrics_are_registry_metrics() {
        for k in KEY_METRICS {
            assert!(registry::is_metric(k), "{k}");
        }
    }

    #[test]
    fn runs_average_per_point() {
        let t = Table::parse("rate_scale,seed,utilization.allocated_mean\n1,1,0.5\n1,2,0.7\n2,1,0.9\n").expect("fixture parses");
        let a = aggregate_runs(&t);
        assert_eq!(a.headers, vec!["rate_scale", "n", "utilization.allocated_mean", "utilization.allocated_mean.ci95"]);
        let mean = a.num("utilization.allocated_mean").expect("mean column");
        assert!((mean[0] - 0.6).abs() < 1e-12 && (mean[1] - 0.9).abs() < 1e-12);
        let ci = a.num("utilization.allocated_mean.ci95").expect("ci column");
        assert!((ci[0] - 1.96 * 0.1).abs() < 1e-9, "sd 0.1414, se 0.1: {}", ci[0]);
    }

    #[test]
    fn figures_for_two_parameters() {
        let t = Table::parse(SUMMARY).expect("fixture parses");
        let figs = sweep_figures(&t);
        let names: Vec<&str> = figs.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            vec!["sweep_utilization_allocated_mean", "heat_utilization_allocated_mean", "sweep_jobs_wait_s_p95", "heat_jobs_wait_s_p95"]
        );
        let Figure::Heat(h) = &figs[1].1 else { panic!("a heat map") };
        assert_eq!(h.x_categories, vec!["1.0", "1.5"]);
        assert_eq!(h.y_categories, vec!["fifo", "backfill"]);
        assert_eq!(h.values[1][1], 0.88);
    }
}
