//! The plots of one run, built from its output files read as data: timeseries.csv by column name,
//! jobs.csv (waits of started jobs by class) and summary.json by key. A plot whose columns or
//! keys are absent is left out, so facility plots appear exactly when the run has a facility.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::ReportError;
use super::data::{Columns, at, num};
use super::downsample::{BUCKETS, downsample};
use super::plot::{Axis, BarChart, Corner, Figure, LineChart, Series, XTicks};

/// The timeseries.csv columns the plots use (any may be absent).
pub const TIMESERIES_COLUMNS: [&str; 14] = [
    "time_s",
    "utilization_allocated",
    "utilization_effective",
    "it_power_kw",
    "facility_power_kw",
    "cooling_power_kw",
    "pue",
    "outdoor_db_c",
    "outdoor_wb_c",
    "queue_length",
    "running_jobs",
    "grid_power_kw",
    "battery_kw",
    "price_cny_per_kwh",
];

/// A plot with the file stem it is saved under.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// File stem in plots/, e.g. "utilization".
    pub name: String,
    /// The plot.
    pub fig: Figure,
}

/// The queue waits of one group of jobs (a class, or a run), s: of the jobs that started, and
/// so far (horizon - submit) of the jobs still queued at the horizon that never started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waits {
    /// Waits of started jobs.
    pub started: Vec<f64>,
    /// Waits so far of jobs still queued (right-censored).
    pub queued: Vec<f64>,
}

/// Waits (s) by class from jobs.csv (columns `class`, `submit_s`, `start_s`, `wait_s`, `state`):
/// rows with a `wait_s` started; rows in state `queued` without a start were still waiting at
/// `horizon_s`.
pub fn read_waits(path: &Path, horizon_s: f64) -> Result<BTreeMap<String, Waits>, ReportError> {
    let bad = |msg: String| ReportError::Malformed { path: path.to_path_buf(), msg };
    let file = std::fs::File::open(path).map_err(ReportError::read(path))?;
    let mut rd = csv::ReaderBuilder::new().buffer_capacity(1 << 16).from_reader(file);
    let headers = rd.byte_headers().map_err(|e| bad(e.to_string()))?.clone();
    let find = |name: &str| headers.iter().position(|h| h == name.as_bytes()).ok_or_else(|| bad(format!("no column {name}")));
    let (ci, wi) = (find("class")?, find("wait_s")?);
    // Older folders may lack these: their queued jobs are then left out, as before.
    let (si, sti, st) = (find("submit_s").ok(), find("start_s").ok(), find("state").ok());
    let mut out: BTreeMap<String, Waits> = BTreeMap::new();
    let mut rec = csv::ByteRecord::new();
    fn text(rec: &csv::ByteRecord, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| rec.get(i)).and_then(|b| std::str::from_utf8(b).ok())
    }
    while rd.read_byte_record(&mut rec).map_err(|e| bad(e.to_string()))? {
        let Some(class) = text(&rec, Some(ci)) else { continue };
        let wait = text(&rec, Some(wi)).and_then(|s| s.parse::<f64>().ok());
        let queued = text(&rec, st) == Some("queued") && text(&rec, sti).is_none_or(str::is_empty);
        let so_far = if queued { text(&rec, si).and_then(|s| s.parse::<f64>().ok()).map(|t| (horizon_s - t).max(0.0)) } else { None };
        if wait.is_none() && so_far.is_none() {
            continue;
        }
        if !out.contains_key(class) {
            out.insert(class.to_string(), Waits::default());
        }
        let w = out.get_mut(class).expect("inserted above");
        match (wait, so_far) {
            (Some(x), _) => w.started.push(x),
            (None, Some(x)) => w.queued.push(x),
            (None, None) => {}
        }
    }
    Ok(out)
}

/// Time in days, or in hours for runs of three days or less.
fn time_axis(ts: &Columns) -> Option<(Vec<f64>, &'static str)> {
    let t = ts.get("time_s")?;
    let last = t.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let (div, label) = if last > 3.0 * 86_400.0 { (86_400.0, "time (days)") } else { (3600.0, "time (hours)") };
    Some((t.iter().map(|s| s / div).collect(), label))
}

fn scaled(v: &[f64], k: f64) -> Vec<f64> {
    v.iter().map(|x| x * k).collect()
}

/// Allocation and effective utilization over time (%).
pub fn utilization(ts: &Columns) -> Option<Figure> {
    let (t, xl) = time_axis(ts)?;
    let mut series = Vec::new();
    for (col, name) in [("utilization_allocated", "allocated"), ("utilization_effective", "effective")] {
        if let Some(v) = ts.get(col) {
            series.push(downsample(name, &t, &scaled(v, 100.0), BUCKETS));
        }
    }
    (!series.is_empty()).then(|| {
        Figure::Line(LineChart {
            title: "Accelerator utilization".into(),
            x: Axis::new(xl),
            y: Axis::new("utilization (%)").range(0.0, 105.0),
            series,
            ..LineChart::default()
        })
    })
}

/// IT power, and facility and cooling power where the run has them (kW).
pub fn power(ts: &Columns) -> Option<Figure> {
    let (t, xl) = time_axis(ts)?;
    let mut series = Vec::new();
    for (col, name) in [("facility_power_kw", "facility"), ("it_power_kw", "IT"), ("cooling_power_kw", "cooling")] {
        if let Some(v) = ts.get(col) {
            series.push(downsample(name, &t, v, BUCKETS));
        }
    }
    let top = series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().map(|b| b.2))).fold(0.0, f64::max);
    let title = if series.len() > 1 { "IT and facility power" } else { "IT power" };
    (!series.is_empty()).then(|| {
        Figure::Line(LineChart {
            title: title.into(),
            x: Axis::new(xl),
            y: Axis::new("power (kW)").range(0.0, if top > 0.0 { top * 1.1 } else { 1.0 }),
            series,
            ..LineChart::default()
        })
    })
}

/// PUE with the outdoor dry-bulb (and wet-bulb) temperature on the right axis.
pub fn pue_outdoor(ts: &Columns) -> Option<Figure> {
    let (t, xl) = time_axis(ts)?;
    let pue = ts.get("pue")?;
    let mut series2 = Vec::new();
    for (col, name) in [("outdoor_db_c", "outdoor dry-bulb (right)"), ("outdoor_wb_c", "outdoor wet-bulb (right)")] {
        if let Some(v) = ts.get(col) {
            series2.push(downsample(name, &t, v, BUCKETS));
        }
    }
    let y2 = (!series2.is_empty()).then(|| Axis::new("outdoor temperature (°C)"));
    Some(Figure::Line(LineChart {
        title: "PUE and outdoor temperature".into(),
        x: Axis::new(xl),
        y: Axis::new("PUE"),
        series: vec![downsample("PUE", &t, pue, BUCKETS)],
        y2,
        series2,
        legend: Corner::UpperRight,
        ..LineChart::default()
    }))
}

/// Queued and running jobs over time.
pub fn queue(ts: &Columns) -> Option<Figure> {
    let (t, xl) = time_axis(ts)?;
    let mut series = Vec::new();
    for (col, name) in [("queue_length", "queued jobs"), ("running_jobs", "running jobs")] {
        if let Some(v) = ts.get(col) {
            series.push(downsample(name, &t, v, BUCKETS));
        }
    }
    let top = series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().map(|b| b.2))).fold(0.0, f64::max);
    (!series.is_empty()).then(|| {
        Figure::Line(LineChart {
            title: "Queue length and running jobs".into(),
            x: Axis::new(xl),
            y: Axis::new("jobs").range(0.0, (top * 1.15).max(1.0)),
            series,
            legend: Corner::UpperLeft,
            ..LineChart::default()
        })
    })
}

/// Power drawn from the grid and the battery's power (discharge positive, charge negative), with
/// the time-of-use price on the right axis (runs with `[grid]`).
pub fn grid(ts: &Columns) -> Option<Figure> {
    let (t, xl) = time_axis(ts)?;
    let mut series = vec![downsample("from the grid", &t, ts.get("grid_power_kw")?, BUCKETS)];
    if let Some(v) = ts.get("battery_kw") {
        series.push(downsample("battery (discharge +)", &t, v, BUCKETS));
    }
    let series2: Vec<Series> = ts.get("price_cny_per_kwh").map(|v| downsample("price (right)", &t, v, BUCKETS)).into_iter().collect();
    let y2 = (!series2.is_empty()).then(|| Axis::new("price (CNY/kWh)"));
    Some(Figure::Line(LineChart {
        title: "Grid power, battery and price".into(),
        x: Axis::new(xl),
        y: Axis::new("power (kW)"),
        series,
        y2,
        series2,
        legend: Corner::UpperRight,
        ..LineChart::default()
    }))
}

/// Job interruptions by the failing component (summary.json `failures.interruptions`); none
/// when nothing was interrupted.
pub fn interruptions(summary: &Value) -> Option<Figure> {
    let Value::Object(m) = at(summary, "failures.interruptions")? else { return None };
    let (categories, values): (Vec<String>, Vec<f64>) = m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_f64()?))).unzip();
    let top = values.iter().copied().fold(0.0, f64::max);
    (top > 0.0).then(|| {
        Figure::Bar(BarChart {
            title: "Job interruptions by failing component".into(),
            x_label: "component".into(),
            categories,
            values,
            y: Axis::new("interruptions").range(0.0, top * 1.15),
        })
    })
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Monthly PUE from summary.json `pue.by_month`: an array (January first when it has 12
/// entries) or a map month -> PUE (keys sorted as numbers where they are numbers).
pub fn pue_by_month(summary: &Value) -> Option<Figure> {
    let (categories, values): (Vec<String>, Vec<f64>) = match at(summary, "pue.by_month")? {
        Value::Array(a) => {
            let vals: Vec<f64> = a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect();
            let cats = (0..vals.len()).map(|i| if vals.len() == 12 { MONTHS[i].to_string() } else { (i + 1).to_string() }).collect();
            (cats, vals)
        }
        Value::Object(m) => {
            let mut kv: Vec<(String, f64)> = m.iter().map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN))).collect();
            kv.sort_by(|a, b| match (a.0.parse::<f64>(), b.0.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => a.0.cmp(&b.0),
            });
            kv.into_iter().unzip()
        }
        _ => return None,
    };
    if values.iter().all(|v| !v.is_finite()) {
        return None;
    }
    let hi = values.iter().copied().filter(|v| v.is_finite()).fold(1.0, f64::max);
    Some(Figure::Bar(BarChart {
        title: "PUE by month".into(),
        x_label: "month".into(),
        categories,
        values,
        y: Axis::new("PUE").range(1.0, 1.0 + (hi - 1.0) * 1.15 + 0.01),
    }))
}

/// Energy by component: summary.json `energy.by_component_kwh` (a map component -> kWh) where
/// present, otherwise IT, cooling, losses and the rest of `energy.facility_kwh`.
pub fn energy_breakdown(summary: &Value) -> Option<Figure> {
    let mut parts: Vec<(String, f64)> = match at(summary, "energy.by_component_kwh") {
        // "crah_fans" as "crah fans": labels with spaces read apart and may break.
        // Components that used no energy (a chiller of a free-cooled site) are left out.
        Some(Value::Object(m)) => m.iter().filter_map(|(k, v)| Some((k.replace('_', " "), v.as_f64().filter(|v| *v != 0.0)?))).collect(),
        _ => {
            let facility = num(summary, "energy.facility_kwh")?;
            let mut p = Vec::new();
            for (key, name) in [("energy.it_kwh", "IT"), ("energy.cooling_kwh", "cooling"), ("energy.loss_kwh", "power losses")] {
                if let Some(v) = num(summary, key) {
                    p.push((name.to_string(), v));
                }
            }
            let rest = facility - p.iter().map(|x| x.1).sum::<f64>();
            if rest > 0.005 * facility {
                p.push(("other".to_string(), rest));
            }
            p
        }
    };
    if parts.is_empty() {
        return None;
    }
    let mwh = parts.iter().map(|p| p.1).fold(0.0, f64::max) >= 1e4;
    if mwh {
        parts.iter_mut().for_each(|p| p.1 /= 1e3);
    }
    let (categories, values) = parts.into_iter().unzip();
    Some(Figure::Bar(BarChart {
        title: "Energy by component".into(),
        x_label: "component".into(),
        categories,
        values,
        y: Axis::new(if mwh { "energy (MWh)" } else { "energy (kWh)" }),
    }))
}

/// Points kept per class on a CDF.
const CDF_POINTS: usize = 400;

/// The cumulative distribution of queue waits, one line per named group (job class, or run),
/// on a logarithmic time axis (waits under one second are drawn at one second). Jobs still
/// queued at the horizon count as censored observations: the line is 1 - the Kaplan-Meier
/// survival (Kaplan & Meier 1958; the plain empirical CDF when none is queued), so it levels off
/// below 100 % by the share that never started.
pub fn wait_cdf<'a>(title: &str, waits: impl IntoIterator<Item = (&'a String, &'a Waits)>) -> Option<Figure> {
    let mut series = Vec::new();
    let mut top: f64 = 10.0;
    for (group, w) in waits {
        if w.started.is_empty() {
            continue;
        }
        // (wait, started): at equal times the starts come first, censored jobs still at risk.
        let mut obs: Vec<(f64, bool)> = w.started.iter().map(|&x| (x, true)).chain(w.queued.iter().map(|&x| (x, false))).collect();
        obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        top = top.max(obs.last().map_or(0.0, |o| o.0));
        let mut at_risk = obs.len() as f64;
        let mut survival = 1.0;
        // (wait, share that waited at most it, %) after each start.
        let mut steps: Vec<(f64, f64)> = Vec::with_capacity(w.started.len());
        for &(x, started) in &obs {
            if started {
                survival *= 1.0 - 1.0 / at_risk;
                steps.push((x, 100.0 * (1.0 - survival)));
            }
            at_risk -= 1.0;
        }
        // A step function: at each kept wait the share jumps from the previous level.
        let n = steps.len();
        let m = CDF_POINTS.min(n);
        let mut pts = vec![(0.0, 0.0)];
        let mut level = 0.0;
        for k in 0..m {
            let i = if m == n { k } else { k * (n - 1) / (m - 1).max(1) };
            let x = steps[i].0.max(1.0).log10();
            pts.push((x, level));
            level = steps[i].1;
            pts.push((x, level));
        }
        let name = if w.queued.is_empty() { format!("{group} ({n})") } else { format!("{group} ({n} started, {} queued)", w.queued.len()) };
        series.push(Series::line(name, pts));
    }
    if series.is_empty() {
        return None;
    }
    let x1 = top.log10().ceil().max(1.0);
    for s in &mut series {
        if let Some(&(_, y)) = s.points.last() {
            s.points.push((x1, y));
        }
    }
    Some(Figure::Line(LineChart {
        title: title.into(),
        x: Axis::new("wait (log scale; waits under 1 s at 1 s)").range(0.0, x1),
        x_ticks: XTicks::Log10Seconds,
        y: Axis::new("share of jobs (%)").range(0.0, 102.0),
        series,
        ..LineChart::default()
    }))
}

/// Every plot the run's files allow, in report order.
pub fn run_figures(summary: &Value, ts: Option<&Columns>, waits: Option<&BTreeMap<String, Waits>>) -> Vec<Named> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, fig: Option<Figure>| {
        if let Some(fig) = fig {
            out.push(Named { name: name.to_string(), fig });
        }
    };
    if let Some(ts) = ts {
        add("utilization", utilization(ts));
        add("power", power(ts));
        add("pue_outdoor", pue_outdoor(ts));
        add("queue", queue(ts));
        add("grid", grid(ts));
    }
    add("pue_by_month", pue_by_month(summary));
    add("energy_by_component", energy_breakdown(summary));
    add("interruptions", interruptions(summary));
    if let Some(w) = waits {
        add("wait_cdf", wait_cdf("Queue wait by job class (jobs still queued counted, Kaplan-Meier)", w));
    }
    out
}

/// One column of several runs on one plot (a demo's comparison), one line per run, scaled by
/// `scale` (100 for fractions shown in %); the y axis starts at 0.
pub fn overlay(title: &str, y_label: &str, col: &str, scale: f64, runs: &[(&str, &Columns)]) -> Option<Figure> {
    let mut series = Vec::new();
    let mut x_label = "time (days)";
    for (label, ts) in runs {
        let (Some((t, xl)), Some(v)) = (time_axis(ts), ts.get(col)) else { continue };
        x_label = xl;
        let mut s = downsample(label, &t, &scaled(v, scale), BUCKETS);
        s.band.clear();
        series.push(s);
    }
    let top = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    (!series.is_empty()).then(|| {
        Figure::Line(LineChart {
            title: title.into(),
            x: Axis::new(x_label),
            y: Axis::new(y_label).range(0.0, (top * 1.12).max(1e-9)),
            series,
            legend: Corner::UpperRight,
            ..LineChart::default()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_level(fig: &Figure) -> f64 {
        let Figure::Line(c) = fig else { panic!("a line chart") };
        c.series[0].points.last().expect("points").1
    }

    #[test]
    fn queued_jobs_keep_the_wait_line_below_100_percent() {
        let name = "debug".to_string();
        let done = Waits { started: vec![1.0, 2.0, 3.0, 4.0], queued: vec![] };
        assert_eq!(last_level(&wait_cdf("t", [(&name, &done)]).unwrap()), 100.0);
        // Four jobs still waiting after 10 s, longer than any start: S = 7/8 6/7 5/6 4/5 = 1/2.
        let left = Waits { queued: vec![10.0; 4], ..done.clone() };
        let fig = wait_cdf("t", [(&name, &left)]).unwrap();
        assert!((last_level(&fig) - 50.0).abs() < 1e-9, "{}", last_level(&fig));
        let Figure::Line(c) = &fig else { unreachable!() };
        assert_eq!(c.series[0].name, "debug (4 started, 4 queued)");
        // Queued jobs that waited less than the last start are at risk only until they leave.
        let short = Waits { queued: vec![2.5, 2.5], ..done };
        assert_eq!(last_level(&wait_cdf("t", [(&name, &short)]).unwrap()), 100.0);
    }
}
