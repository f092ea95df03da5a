//! The plots of a sweep, chosen by its design.
//!
//! ## How it works
//! A **grid** has few levels per parameter, each combination replicated: a metric is drawn as
//! lines over the parameter with the most numeric levels, one line per level of a second
//! parameter (at most [`MAX_LINES`]; a line needs two points), with its 95 % confidence band,
//! and as a heat map over the first two parameters with the value in each cell, axes sorted by
//! value, and a colour scale at least twice the widest confidence half-width wide, so that noise
//! is never stretched over the whole scale. A **random** or **Latin hypercube** design has as
//! many levels as points: each metric is drawn against each parameter as a scatter with its
//! least-squares line, and the parameters are ranked per metric by Spearman's rank correlation
//! (the Pearson correlation of ranks, ties given their mean rank; Saltelli et al., *Global
//! Sensitivity Analysis: The Primer*, 2008, ch. 1.2): a bar plot and a table. Axis labels and
//! units come from the metrics registry ([`super::axis`]).

use std::collections::BTreeMap;

use super::axis::{Shown, largest, metric_axis, metric_name};
use super::data::Table;
use super::i18n::Lang;
use super::plot::{Axis, BarChart, Figure, HeatMap, LineChart, Series, XTicks};
use super::sweep::{ci_column, mean_column, split_columns};

/// Lines per plot at most; a second parameter with more levels gets no line plot (its heat map
/// shows it).
pub const MAX_LINES: usize = 6;

/// Key metrics drawn at most.
const MAX_METRICS: usize = 4;

/// Metrics a sweep page plots first, when the table has them.
pub const KEY_METRICS: [&str; 8] = [
    "utilization.allocated_mean",
    "jobs.wait_s.p95",
    "utilization.effective_mean",
    "idle_capacity.fraction_unallocated",
    "pue.annual",
    "energy.it_kwh",
    "energy.facility_kwh",
    "carbon_t",
];

/// How a sweep's points were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// Every combination of a few levels.
    Grid,
    /// Random or Latin hypercube samples: about one level per point.
    Sampled,
}

/// The number at the start of a parameter value: "30/d" -> 30, "28C" -> 28, "fifo" -> None.
pub fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0) || c == 'e' && i > 0))
        .map_or(s.len(), |(i, _)| i);
    s[..end].parse().ok().or_else(|| s[..end].trim_end_matches('e').parse().ok())
}

/// Whether every value of a column starts with a number.
pub fn is_numeric_param(t: &Table, col: &str) -> bool {
    t.text(col).is_some_and(|v| !v.is_empty() && v.iter().all(|s| leading_number(s).is_some()))
}

/// Distinct values of a column: sorted by their leading number where all have one ("1.56/d"
/// before "1.67/d" before "10/d"), else in order of appearance.
pub fn levels(t: &Table, col: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in t.text(col).unwrap_or_default() {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    if is_numeric_param(t, col) {
        out.sort_by(|a, b| leading_number(a).unwrap_or(f64::NAN).total_cmp(&leading_number(b).unwrap_or(f64::NAN)));
    }
    out
}

/// The design of a sweep: as sweep.json says, else grid when the points are every combination
/// of the parameters' levels.
pub fn design_of(t: &Table, declared: Option<&str>) -> Design {
    match declared {
        Some("grid") => return Design::Grid,
        Some("random" | "lhs") => return Design::Sampled,
        _ => {}
    }
    let (params, _) = split_columns(t);
    let combos: usize = params.iter().map(|p| levels(t, p).len()).product();
    if combos <= t.rows.len() { Design::Grid } else { Design::Sampled }
}

/// The key metrics of a table, at most [`MAX_METRICS`].
pub fn chosen_metrics(t: &Table) -> Vec<String> {
    let (_, metrics) = split_columns(t);
    let mut chosen: Vec<String> = KEY_METRICS.iter().filter(|k| metrics.iter().any(|m| m == *k)).map(|k| k.to_string()).collect();
    if chosen.is_empty() {
        chosen = metrics.into_iter().collect();
    }
    chosen.truncate(MAX_METRICS);
    chosen
}

/// A parameter path shortened for a label: from the end, up to two named segments with the
/// indices between them, "workload.classes[name=debug].rate" -> "classes[name=debug].rate",
/// "halls.0.racks.0.count" -> "racks.0.count".
pub fn short_param(p: &str) -> String {
    let parts: Vec<&str> = p.split('.').collect();
    let mut named = 0;
    let mut start = parts.len();
    while start > 0 && named < 2 {
        start -= 1;
        if parts[start].parse::<u64>().is_err() {
            named += 1;
        }
    }
    parts[start..].join(".")
}

/// The unit written after the numbers of a parameter's values, where all share one: "30/d" ->
/// "/d"; `None` for plain numbers or mixed units.
fn value_unit(t: &Table, col: &str) -> Option<String> {
    let units: Vec<&str> =
        t.text(col)?.into_iter().map(|v| v.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))).collect();
    let first = *units.first()?;
    (!first.is_empty() && units.iter().all(|u| *u == first)).then(|| first.to_string())
}

/// A parameter's axis description: its path, with the unit of its values.
fn param_label(t: &Table, col: &str) -> String {
    match value_unit(t, col) {
        Some(u) => format!("{col} ({u})"),
        None => col.to_string(),
    }
}

/// File stems for plots: "utilization.allocated_mean" -> "utilization_allocated_mean".
pub fn stem(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn shown(t: &Table, metric: &str, lang: Lang) -> Option<(Vec<f64>, Vec<f64>, Shown)> {
    let y = mean_column(t, metric)?;
    let ci = ci_column(t, metric).unwrap_or_else(|| vec![0.0; y.len()]);
    let s = metric_axis(metric, largest(y.iter().copied()), lang);
    let y = y.iter().map(|v| v * s.scale).collect();
    let ci = ci.iter().map(|c| if c.is_finite() { c * s.scale } else { 0.0 }).collect();
    Some((y, ci, s))
}

/// A metric against parameter `x`, one line per level of `group` (if given), with its 95 %
/// confidence band; `None` when no line would have two points.
pub fn sweep_line(t: &Table, x: &str, metric: &str, group: Option<&str>, lang: Lang) -> Option<Figure> {
    let (y, ci, s) = shown(t, metric, lang)?;
    let xs = t.text(x)?;
    let numeric = is_numeric_param(t, x);
    let xlev = levels(t, x);
    let xpos = |i: usize| if numeric { leading_number(xs[i]) } else { xlev.iter().position(|l| l == xs[i]).map(|p| p as f64) };
    let groups: Vec<Option<String>> = match group {
        Some(g) => levels(t, g).into_iter().map(Some).collect(),
        None => vec![None],
    };
    if groups.len() > MAX_LINES {
        return None;
    }
    let gcol = group.and_then(|g| t.text(g));
    let mut series = Vec::new();
    for g in &groups {
        let mut pts: Vec<(f64, f64, f64)> = (0..t.rows.len())
            .filter(|&i| match (g, &gcol) {
                (Some(g), Some(col)) => col[i] == g,
                _ => true,
            })
            .filter_map(|i| Some((xpos(i)?, y[i], ci[i])))
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        if pts.len() < 2 {
            continue;
        }
        let name = match (g, group) {
            (Some(v), Some(gname)) => format!("{} = {v}", short_param(gname)),
            _ => String::new(),
        };
        // A metric that cannot be negative keeps its band above 0.
        let floor = if y.iter().all(|v| !v.is_finite() || *v >= 0.0) { 0.0 } else { f64::NEG_INFINITY };
        let band = pts.iter().map(|p| (p.0, (p.1 - p.2).max(floor), p.1 + p.2)).collect();
        series.push(Series::line(name, pts.iter().map(|p| (p.0, p.1)).collect()).with_band(band));
    }
    if series.is_empty() {
        return None;
    }
    let title = match lang {
        Lang::En => format!("{} by {}", metric_name(metric, lang), short_param(x)),
        Lang::Zh => format!("{}随 {} 的变化", metric_name(metric, lang), short_param(x)),
    };
    Some(Figure::Line(LineChart {
        title,
        x: Axis::new(param_label(t, x)),
        x_ticks: if numeric { XTicks::Number } else { XTicks::Categories(xlev) },
        y: Axis::new(s.label),
        series,
        ..LineChart::default()
    }))
}

/// A metric over parameters `x` and `y` as a heat map (rows sharing a cell are averaged), its
/// colour scale at least twice the widest 95 % confidence half-width.
pub fn sweep_heatmap(t: &Table, x: &str, y: &str, metric: &str, lang: Lang) -> Option<Figure> {
    let (v, ci, s) = shown(t, metric, lang)?;
    let (xc, yc) = (t.text(x)?, t.text(y)?);
    let (xl, yl) = (levels(t, x), levels(t, y));
    let mut sums: BTreeMap<(usize, usize), (f64, u32)> = BTreeMap::new();
    let mut widest: f64 = 0.0;
    for i in 0..t.rows.len() {
        let (Some(a), Some(b)) = (xl.iter().position(|l| l == xc[i]), yl.iter().position(|l| l == yc[i])) else { continue };
        if v[i].is_finite() {
            let e = sums.entry((a, b)).or_insert((0.0, 0));
            e.0 += v[i];
            e.1 += 1;
            widest = widest.max(ci[i]);
        }
    }
    if sums.is_empty() {
        return None;
    }
    let values =
        (0..yl.len()).map(|b| (0..xl.len()).map(|a| sums.get(&(a, b)).map_or(f64::NAN, |(s, n)| s / *n as f64)).collect()).collect();
    let title = match lang {
        Lang::En => format!("{} by {} and {}", metric_name(metric, lang), short_param(x), short_param(y)),
        Lang::Zh => format!("{}:{} × {}", metric_name(metric, lang), short_param(x), short_param(y)),
    };
    Some(Figure::Heat(HeatMap {
        title,
        x_label: param_label(t, x),
        y_label: param_label(t, y),
        value_label: s.label,
        x_categories: xl,
        y_categories: yl,
        values,
        min_span: 2.0 * widest,
    }))
}

/// Least-squares line y = a + b x through points; `None` for fewer than two distinct x.
pub fn least_squares(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (pts.len() >= 2 && sxx > 0.0).then(|| (my - sxy / sxx * mx, sxy / sxx))
}

/// Ranks from 1, ties given their mean rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation of paired values (finite pairs only); `None` when either side
/// is constant or there are fewer than three pairs.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (a, b): (Vec<f64>, Vec<f64>) = x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).unzip();
    if a.len() < 3 {
        return None;
    }
    let (ra, rb) = (ranks(&a), ranks(&b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(p, q)| (p - ma) * (q - mb)).sum();
    let (va, vb): (f64, f64) = (ra.iter().map(|p| (p - ma).powi(2)).sum(), rb.iter().map(|q| (q - mb).powi(2)).sum());
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// The numeric parameters of a table and their values.
pub fn numeric_params(t: &Table) -> Vec<(String, Vec<f64>)> {
    let (params, _) = split_columns(t);
    params
        .into_iter()
        .filter(|p| is_numeric_param(t, p))
        .filter_map(|p| {
            let v = t.text(&p)?.iter().map(|s| leading_number(s).unwrap_or(f64::NAN)).collect();
            Some((p, v))
        })
        .collect()
}

/// A metric against one parameter: the points and their least-squares line.
pub fn scatter(t: &Table, param: &str, xs: &[f64], metric: &str, lang: Lang) -> Option<Figure> {
    let (y, _, s) = shown(t, metric, lang)?;
    let pts: Vec<(f64, f64)> = xs.iter().zip(&y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).collect();
    if pts.len() < 2 {
        return None;
    }
    let mut series = vec![Series::dots(lang.pick(("sweep points", "扫描点")), pts.clone())];
    if let Some((a, b)) = least_squares(&pts) {
        let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
        let (mut x0, mut x1) = (lo, hi);
        // A metric that is never negative (waits, shares, energy) keeps its line at or above 0,
        // so the axis does not run below zero for the fit alone.
        if pts.iter().all(|p| p.1 >= 0.0) && b != 0.0 {
            let zero = -a / b;
            if a + b * x0 < 0.0 {
                x0 = zero.clamp(lo, hi);
            }
            if a + b * x1 < 0.0 {
                x1 = zero.clamp(lo, hi);
            }
        }
        let y = |x: f64| (a + b * x).max(if pts.iter().all(|p| p.1 >= 0.0) { 0.0 } else { f64::NEG_INFINITY });
        series.push(Series::line(lang.pick(("least-squares line", "最小二乘拟合")), vec![(x0, y(x0)), (x1, y(x1))]));
    }
    let title = match lang {
        Lang::En => format!("{} against {}", metric_name(metric, lang), short_param(param)),
        Lang::Zh => format!("{}与 {}", metric_name(metric, lang), short_param(param)),
    };
    Some(Figure::Line(LineChart { title, x: Axis::new(param_label(t, param)), y: Axis::new(s.label), series, ..LineChart::default() }))
}

/// Spearman's rank correlation of each metric with each numeric parameter: (metric, [(param,
/// rho)]) with parameters ranked by |rho|, largest first.
pub fn sensitivity(t: &Table, metrics: &[String]) -> Vec<(String, Vec<(String, f64)>)> {
    let params = numeric_params(t);
    metrics
        .iter()
        .filter_map(|m| {
            let y = mean_column(t, m)?;
            let mut r: Vec<(String, f64)> = params.iter().filter_map(|(p, x)| Some((p.clone(), spearman(x, &y)?))).collect();
            r.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            (!r.is_empty()).then(|| (m.clone(), r))
        })
        .collect()
}

/// The bar plot of a metric's sensitivity ranking.
pub fn sensitivity_bars(metric: &str, ranked: &[(String, f64)], lang: Lang) -> Figure {
    let title = match lang {
        Lang::En => format!("Sensitivity of {}: rank correlation", metric_name(metric, lang)),
        Lang::Zh => format!("{}的敏感性:秩相关系数", metric_name(metric, lang)),
    };
    Figure::Bar(BarChart {
        title,
        x_label: lang.pick(("parameter", "参数")).into(),
        categories: ranked.iter().map(|(p, _)| short_param(p)).collect(),
        values: ranked.iter().map(|(_, r)| *r).collect(),
        y: Axis::new(lang.pick(("Spearman rank correlation", "Spearman 秩相关系数"))).range(-1.05, 1.05),
    })
}

/// The plots of a sweep, named, for its design.
pub fn sweep_figures(t: &Table, design: Design, lang: Lang) -> Vec<(String, Figure)> {
    let (params, _) = split_columns(t);
    let metrics = chosen_metrics(t);
    let mut out = Vec::new();
    if design == Design::Sampled {
        let nparams = numeric_params(t);
        for m in &metrics {
            for (p, xs) in &nparams {
                if let Some(f) = scatter(t, p, xs, m, lang) {
                    out.push((format!("scatter_{}_{}", stem(m), stem(&short_param(p))), f));
                }
            }
        }
        for (m, ranked) in sensitivity(t, &metrics) {
            out.push((format!("sensitivity_{}", stem(&m)), sensitivity_bars(&m, &ranked, lang)));
        }
        return out;
    }
    // The x axis: the numeric parameter with the most levels; the lines: the other parameter
    // with the fewest.
    let mut by_levels: Vec<(&String, usize, bool)> = params.iter().map(|p| (p, levels(t, p).len(), is_numeric_param(t, p))).collect();
    by_levels.sort_by_key(|(_, n, numeric)| (!numeric, std::cmp::Reverse(*n)));
    let Some(&(x, _, _)) = by_levels.first() else { return out };
    let group = by_levels.iter().skip(1).min_by_key(|(_, n, _)| *n).map(|(p, _, _)| p.as_str());
    for m in &metrics {
        if let Some(f) = sweep_line(t, x, m, group, lang) {
            out.push((format!("sweep_{}", stem(m)), f));
        }
        if let Some(y) = group
            && let Some(f) = sweep_heatmap(t, x, y, m, lang)
        {
            out.push((format!("heat_{}", stem(m)), f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sort_by_their_leading_number() {
        let t = Table::parse("rate,m\n1.89/d,1\n1.56/d,2\n10/d,3\n1.67/d,4\n").expect("parses");
        assert_eq!(levels(&t, "rate"), vec!["1.56/d", "1.67/d", "1.89/d", "10/d"]);
        assert_eq!(leading_number("28C"), Some(28.0));
        assert_eq!(leading_number("-0.5"), Some(-0.5));
        assert_eq!(leading_number("fifo"), None);
        assert_eq!(value_unit(&t, "rate").as_deref(), Some("/d"));
        assert_eq!(short_param("halls.0.racks.0.count"), "racks.0.count");
        assert_eq!(short_param("workload.classes[name=debug].rate"), "classes[name=debug].rate");
    }

    #[test]
    fn rank_correlation_and_least_squares() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 35.0, 90.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
        let (a, b) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).expect("a line");
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
    }
}
