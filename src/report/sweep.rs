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

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data::Table;
use super::figures::Named;
use super::format::duration_s;
use super::html::{esc, figure, page, section, table, write_atomic};
use super::i18n::Lang;
use super::plot::{Figure, tick};
use super::sweep_plots::{Design, chosen_metrics, design_of, sensitivity, short_param, sweep_figures};
use super::{ReportError, page_name, render_figures};
use crate::metrics::registry;

/// Columns that are neither parameters nor metrics.
const BOOKKEEPING: [&str; 7] = ["run", "replication", "rep", "seed", "point", "n", "replications"];

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

/// Writes the sweep page ([`page_name`], plots/) into a sweep's folder.
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
    let plan = std::fs::read_to_string(dir.join("sweep.json")).ok().and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
    let declared = plan.as_ref().and_then(|p| p.get("design")).and_then(|d| d.as_str()).map(str::to_string);
    let design = design_of(&points, declared.as_deref());
    let figs: Vec<Named> = sweep_figures(&points, design, lang).into_iter().map(|(n, fig)| Named { name: n, fig }).collect();
    let svgs = render_figures(dir, &figs, lang)?;
    let mut body = String::new();
    let _ = writeln!(body, "<p><strong>{}</strong>: {}</p>", esc(t.parameters), esc(&params.join(", ")));
    let design_text = match (design, declared.as_deref(), lang) {
        (Design::Grid, _, Lang::En) => format!("Grid design: {} points, every combination of the parameters' values.", points.rows.len()),
        (Design::Grid, _, Lang::Zh) => format!("网格设计:{} 个点,参数取值的全部组合。", points.rows.len()),
        (Design::Sampled, d, Lang::En) => format!(
            "{} design: {} sampled points; each metric is drawn against each parameter with its least-squares line, and the parameters are ranked by rank correlation.",
            if d == Some("lhs") { "Latin hypercube" } else { "Random" },
            points.rows.len()
        ),
        (Design::Sampled, d, Lang::Zh) => format!(
            "{}:{} 个采样点;每个指标对每个参数画散点和最小二乘拟合线,并按秩相关系数给参数排序。",
            if d == Some("lhs") { "拉丁超立方设计" } else { "随机设计" },
            points.rows.len()
        ),
    };
    let _ = writeln!(body, "<p>{}</p>", esc(&design_text));
    if design == Design::Grid {
        let _ = writeln!(body, "<p class=\"sub\">{}</p>", esc(t.sweep_note));
    }
    if design == Design::Sampled {
        body.push_str(&sensitivity_section(&points, lang));
    }
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(&svgs) {
        plots.push_str(&figure(&f.name, svg, &sweep_caption(&f.fig, lang)));
    }
    body.push_str(&section("plots", t.plots, &plots));
    body.push_str(&section("data", t.data, &data_table(&points)));
    let subtitle = format!("{} <code>{}</code>", esc(t.data), esc(source));
    let html = page(lang, t.sweep_title, &subtitle, &body);
    let out = dir.join(page_name(lang));
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// The caption of a sweep plot: its title, and for a heat map whether its differences are
/// within noise.
fn sweep_caption(fig: &Figure, lang: Lang) -> String {
    match fig {
        Figure::Heat(h) if h.within_noise() => format!(
            "{}. {}",
            h.title,
            lang.pick((
                "Every difference between cells is within the 95 % confidence interval of the replications: the colours show noise, not an effect.",
                "各格之间的差异都在重复运行的 95% 置信区间之内:颜色差异是噪声,不是效应。"
            ))
        ),
        Figure::Heat(h) => format!(
            "{}. {}",
            h.title,
            lang.pick((
                "The colour scale spans at least the widest 95 % confidence interval, so that noise does not fill it.",
                "色标范围至少为最宽的 95% 置信区间,以免噪声占满色标。"
            ))
        ),
        other => other.title().to_string(),
    }
}

/// The table of parameters ranked per key metric by rank correlation.
fn sensitivity_section(points: &Table, lang: Lang) -> String {
    let ranked = sensitivity(points, &chosen_metrics(points));
    if ranked.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .map(|(m, r)| {
            let list: Vec<String> = r.iter().map(|(p, rho)| format!("{} ({rho:+.2})", short_param(p))).collect();
            vec![super::axis::metric_name(m, lang), list.join(", ")]
        })
        .collect();
    let headers = [
        lang.text().metric,
        lang.pick(("Parameters, most influential first (Spearman rank correlation)", "参数,影响最大者在前(Spearman 秩相关系数)")),
    ];
    let note = lang.pick((
        "A rank correlation near +1 or -1: the metric rises or falls steadily with the parameter; near 0: no monotone effect within the sampled range.",
        "秩相关系数接近 +1 或 -1:指标随参数单调上升或下降;接近 0:在采样范围内没有单调影响。",
    ));
    section(
        "sensitivity",
        lang.pick(("Sensitivity", "敏感性")),
        &format!("{}<p class=\"sub\">{}</p>\n", table(&headers, &rows, &[]), esc(note)),
    )
}

/// A number in a data table: thousands grouped from 1,000, else as a tick label.
fn cell(v: f64) -> String {
    if v.abs() >= 1000.0 { super::format::fixed(v, 0) } else { tick(v) }
}

/// Whether a column holds seconds: a registry metric in s (or its statistic), or a forecast
/// quantity named in seconds (`wait_p95_s_p50`: `wait_p95_s` at p50).
pub fn is_seconds(col: &str) -> bool {
    let base = strip_stat(col).unwrap_or(col);
    let quantity = ["_p10", "_p50", "_p90"].iter().find_map(|p| col.strip_suffix(p)).unwrap_or(col);
    registry::find(base).is_some_and(|l| l.unit() == "s") || quantity.ends_with("_s") || col.contains("wait_s")
}

/// A table as HTML with numbers shortened for reading and seconds as durations.
pub fn data_table(t: &Table) -> String {
    let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (0..t.headers.len()).filter(|&i| t.is_numeric(&t.headers[i])).collect();
    let seconds: Vec<bool> = t.headers.iter().map(|h| is_seconds(h)).collect();
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| match c.parse::<f64>() {
                    Ok(v) if numeric.contains(&i) && seconds[i] => duration_s(v),
                    Ok(v) if numeric.contains(&i) => cell(v),
                    _ => c.clone(),
                })
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
        for k in super::super::sweep_plots::KEY_METRICS {
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
        let figs = sweep_figures(&t, Design::Grid, Lang::En);
        let names: Vec<&str> = figs.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            vec!["sweep_utilization_allocated_mean", "heat_utilization_allocated_mean", "sweep_jobs_wait_s_p95", "heat_jobs_wait_s_p95"]
        );
        let Figure::Heat(h) = &figs[1].1 else { panic!("a heat map") };
        assert_eq!(h.x_categories, vec!["1.0", "1.5"]);
        assert_eq!(h.y_categories, vec!["fifo", "backfill"]);
        assert_eq!(h.values[1][1], 88.0, "a share in %");
        assert_eq!(h.value_label, "Allocation utilization (%)");
        assert!((h.min_span - 4.0).abs() < 1e-9, "twice the widest ci95 (2 points of %)");
        let Figure::Line(l) = &figs[2].1 else { panic!("a line chart") };
        assert!(l.y.label.ends_with("(min)"), "waits up to 900 s in minutes: {}", l.y.label);
        assert!(l.series.iter().all(|s| s.points.len() >= 2));
    }

    #[test]
    fn a_sampled_design_gets_scatters_and_a_ranking() {
        let mut csv = String::from("point,n,racks,rate,utilization.allocated_mean,utilization.allocated_mean.ci95\n");
        for i in 0..10 {
            let _ = writeln!(csv, "{i},1,{},{}.{i}/d,{},0.01", 4 + i % 3, i, 0.1 * i as f64);
        }
        let t = Table::parse(&csv).expect("fixture parses");
        assert_eq!(super::super::sweep_plots::design_of(&t, None), Design::Sampled);
        let figs = sweep_figures(&t, Design::Sampled, Lang::En);
        let names: Vec<&str> = figs.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "scatter_utilization_allocated_mean_racks",
                "scatter_utilization_allocated_mean_rate",
                "sensitivity_utilization_allocated_mean"
            ]
        );
        let ranked = sensitivity(&t, &["utilization.allocated_mean".to_string()]);
        assert_eq!(ranked[0].1[0].0, "rate", "utilization rises with the rate exactly");
        assert!((ranked[0].1[0].1 - 1.0).abs() < 1e-12);
    }
}
