//! The report of one run (`aidc report OUTPUT_DIR` on a folder of `aidc run`): key figures with
//! their definitions, the design (halls, racks, accelerators, cooling), the plots inline as SVG,
//! jobs by class and the provenance, from summary.json, timeseries.csv, jobs.csv,
//! scenario.resolved.toml and run.json read as data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::data::{Columns, at, need, num, read_json, text};
use super::figures::{Named, TIMESERIES_COLUMNS, Waits, read_waits, run_figures};
use super::format::{count, duration_s, fixed};
use super::html::{dl, esc, figure, page, section, table, write_atomic};
use super::i18n::{Lang, Text};
use super::keys::{has_facility, key_figures};
use super::{ReportError, page_name, render_figures};

/// The files of a run's output folder.
pub const RUN_FILES: [&str; 5] = ["summary.json", "run.json", "timeseries.csv", "jobs.csv", "scenario.resolved.toml"];

/// What a run report is made from.
#[derive(Debug, Clone, Default)]
pub struct RunInputs {
    /// summary.json.
    pub summary: Value,
    /// run.json, if present.
    pub info: Option<Value>,
    /// scenario.resolved.toml, if present.
    pub resolved: Option<toml::Value>,
    /// The files present, of [`RUN_FILES`].
    pub present: Vec<&'static str>,
    /// The timeseries.csv columns the plots use, if the file is present.
    pub ts: Option<Columns>,
    /// Waits of started jobs by class, from jobs.csv if present.
    pub waits: Option<BTreeMap<String, Waits>>,
}

/// Reads a run's folder: summary.json is required, the rest optional.
pub fn read_run(dir: &Path) -> Result<RunInputs, ReportError> {
    let sp = need(
        dir,
        "summary.json",
        "not a run output folder; `aidc run` writes summary.json, timeseries.csv, jobs.csv, run.json and scenario.resolved.toml",
    )?;
    let summary = read_json(&sp)?;
    let present: Vec<&'static str> = RUN_FILES.into_iter().filter(|f| dir.join(f).is_file()).collect();
    let has = |f: &str| present.contains(&f);
    let ts = if has("timeseries.csv") { Some(Columns::read(&dir.join("timeseries.csv"), &TIMESERIES_COLUMNS)?) } else { None };
    let horizon_s = super::data::num(&summary, "scenario.horizon_s").unwrap_or(f64::INFINITY);
    let waits = if has("jobs.csv") { Some(read_waits(&dir.join("jobs.csv"), horizon_s)?) } else { None };
    let info = if has("run.json") { Some(read_json(&dir.join("run.json"))?) } else { None };
    let resolved = if has("scenario.resolved.toml") {
        let p = dir.join("scenario.resolved.toml");
        let t = std::fs::read_to_string(&p).map_err(ReportError::read(&p))?;
        Some(toml::from_str(&t).map_err(|e| ReportError::Malformed { path: p.clone(), msg: format!("not valid TOML: {e}") })?)
    } else {
        None
    };
    Ok(RunInputs { summary, info, resolved, present, ts, waits })
}

/// Writes the page of `lang` ([`page_name`]) and plots/ into a run's output folder; returns the page's path.
pub fn run_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let inputs = read_run(dir)?;
    let mut figs = run_figures(&inputs.summary, inputs.ts.as_ref(), inputs.waits.as_ref());
    if let Some(fig) = super::finance::read(dir)?.as_ref().and_then(super::finance::cash_flow) {
        figs.push(Named { name: "cash_flow".into(), fig });
    }
    let svgs = render_figures(dir, &figs, lang)?;
    let html = run_html(&inputs, &figs, &svgs, lang);
    let out = dir.join(page_name(lang));
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// What a plot shows, in each language.
pub fn caption(name: &str, lang: Lang) -> &'static str {
    let pair = match name {
        "utilization" => (
            "Share of installed accelerators allocated to jobs, and the same weighted by each job's utilization. Lines are means per pixel; shaded bands span the minimum and maximum.",
            "已分配给作业的加速卡占安装总数的比例(分配利用率),以及按作业实际利用率加权后的比例(有效利用率)。曲线为每像素均值,阴影为最小值到最大值。",
        ),
        "power" => (
            "IT power of all servers; with a facility model, also the facility's total power and its cooling power.",
            "所有服务器的 IT 功率;有基础设施模型时,也给出设施总功率和制冷功率。",
        ),
        "pue_outdoor" => (
            "PUE (facility power / IT power) at each sampling step, with the outdoor temperature on the right axis.",
            "各采样时刻的 PUE(设施总功率 / IT 功率),右轴为室外温度。",
        ),
        "queue" => ("Jobs waiting in the queue and jobs running, at each sampling step.", "各采样时刻排队等待的作业数和正在运行的作业数。"),
        "pue_by_month" => ("PUE of each month: facility energy / IT energy of the month.", "各月 PUE:当月设施总能耗 / IT 能耗。"),
        "energy_by_component" => ("Energy over the horizon by component.", "模拟时长内各部分的能耗。"),
        "grid" => (
            "Power drawn from the grid and the battery's power (discharging positive, charging negative), with the time-of-use price on the right axis.",
            "从电网取用的功率和储能功率(放电为正,充电为负),右轴为分时电价。",
        ),
        "interruptions" => (
            "Running jobs interrupted by a failure over the horizon, by the component that failed.",
            "模拟时长内因故障而中断的运行中作业数,按故障部件分类。",
        ),
        "wait_cdf" => (
            "Cumulative share of the jobs of each class that waited at most the time on the x axis. Jobs still queued at the horizon count as still waiting (Kaplan-Meier), so a line levels off below 100 % by the share that never started; counts in brackets.",
            "各类作业中排队等待不超过横轴时间的作业所占的累计比例。结束时仍在排队的作业按仍在等待计入(Kaplan-Meier 估计),因此曲线停在 100 % 以下,差值即从未启动的比例;括号内为数量。",
        ),
        "cash_flow" => (
            "Cumulative cash flow over the analysis (finance.csv), and the same discounted at the scenario's rate: where it crosses zero the center has paid back.",
            "分析期内的累计净现金流(finance.csv)及按折现率折现后的累计值:穿过零点即收回投资。",
        ),
        _ => ("", ""),
    };
    lang.pick(pair)
}

/// The whole page of a run.
pub fn run_html(r: &RunInputs, figs: &[Named], svgs: &[String], lang: Lang) -> String {
    let t = lang.text();
    let s = &r.summary;
    let name = text(s, "scenario.name").unwrap_or("?");
    let mut subtitle = format!("<strong>{}</strong>", esc(name));
    if let Some(d) = r.resolved.as_ref().and_then(|v| v.get("description")).and_then(toml::Value::as_str) {
        let _ = write!(subtitle, ": {}", esc(d));
    }
    let mut body = String::new();
    body.push_str(&key_figures_section(s, lang));
    body.push_str(&design_section(r, lang));
    body.push_str(&super::finance::finance_section(s, lang));
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(svgs) {
        plots.push_str(&figure(&f.name, svg, caption(&f.name, lang)));
    }
    let _ = writeln!(plots, "<p class=\"sub\">{}</p>", esc(t.plots_note));
    body.push_str(&section("plots", t.plots, &plots));
    body.push_str(&classes_section(s, t));
    body.push_str(&provenance_section(r, lang));
    page(lang, &lang.titled(t.run_title, name), &subtitle, &body)
}

fn key_figures_section(s: &Value, lang: Lang) -> String {
    let t = lang.text();
    let rows: Vec<Vec<String>> =
        key_figures(s, lang).into_iter().map(|k| vec![k.label.to_string(), k.value, k.definition.to_string()]).collect();
    let mut inner = table(&[t.metric, t.value, t.definition], &rows, &[1]);
    if !has_facility(s) {
        let _ = writeln!(inner, "<p class=\"note\">{}</p>", esc(t.no_facility));
    }
    section("key-figures", t.key_figures, &inner)
}

/// "25000W" as "25 kW"; anything else as it is.
fn power_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => match s.strip_suffix('W').and_then(|n| n.parse::<f64>().ok()) {
            Some(w) if w >= 1000.0 => format!("{} kW", fixed(w / 1000.0, 1).trim_end_matches(".0")),
            _ => s.clone(),
        },
        other => other.to_string(),
    }
}

/// Four significant digits, thousands grouped: 260995.051 -> "261,000", 0.123456 -> "0.1235".
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = fixed(v, decimals);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// A setting of the resolved scenario for people: a number with a unit in a readable prefix
/// ("260995.05104358433W" -> "261 kW", "250000Pa" -> "250 kPa"), a long float rounded to four
/// significant digits; anything else as it is.
pub fn setting_text(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) => significant(*f),
        toml::Value::Integer(i) if i.abs() >= 10_000 => count(*i as f64),
        toml::Value::String(s) => {
            let split = s.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))).unwrap_or(s.len());
            let (num, unit) = s.split_at(split);
            let Ok(x) = num.parse::<f64>() else { return s.clone() };
            let (x, unit) = match unit {
                "W" | "Pa" | "J" | "Wh" | "m3" if x.abs() >= 1e6 && unit != "m3" => (x / 1e6, format!("M{unit}")),
                "W" | "Pa" | "J" | "Wh" if x.abs() >= 1e3 => (x / 1e3, format!("k{unit}")),
                _ => (x, unit.to_string()),
            };
            let sep = if unit.is_empty() || unit.starts_with(['%', '/']) { "" } else { " " };
            format!("{}{sep}{unit}", significant(x))
        }
        other => other.to_string(),
    }
}

/// Scenario keys the core knows; any other top-level table is facility (or later) design.
const CORE_KEYS: [&str; 9] = ["name", "description", "simulation", "site", "node_types", "halls", "workload", "scheduler", "accelerators"];

/// Flattens a TOML value into "a.b = v" lines.
fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
            }
        }
        toml::Value::Array(a) if a.iter().any(|x| x.is_table()) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push((prefix.to_string(), setting_text(other))),
    }
}

fn design_section(r: &RunInputs, lang: Lang) -> String {
    let t = lang.text();
    let s = &r.summary;
    let mut inner = String::new();
    if let Some(res) = &r.resolved {
        inner.push_str(&halls_table(res, t));
        let mut facility = Vec::new();
        if let Some(top) = res.as_table() {
            for (k, v) in top.iter().filter(|(k, _)| !CORE_KEYS.contains(&k.as_str())) {
                flatten(k, v, &mut facility);
            }
        }
        if !facility.is_empty() {
            let _ = writeln!(inner, "<h3>{}</h3>", esc(t.facility));
            let rows: Vec<Vec<String>> = facility.into_iter().take(200).map(|(k, v)| vec![k, v]).collect();
            inner.push_str(&table(&[t.settings, t.value], &rows, &[]));
        }
    } else {
        let _ = writeln!(inner, "<p>scenario.resolved.toml: {}</p>", esc(t.missing));
    }
    let mut items = Vec::new();
    if let Some(Value::Object(m)) = at(s, "capacity.accelerators_by_model") {
        let models: Vec<String> = m.iter().map(|(k, v)| format!("{} x {}", count(v.as_f64().unwrap_or(0.0)), k)).collect();
        items.push((t.accelerators, esc(&models.join(", "))));
    }
    if let Some(Value::Object(m)) = at(s, "capacity.peak_pflops") {
        let peaks: Vec<String> = m.iter().map(|(k, v)| format!("{k} {}", fixed(v.as_f64().unwrap_or(0.0), 1))).collect();
        items.push(("PFLOPS", esc(&peaks.join(", "))));
    }
    if let (Some(d), Some(i)) = (num(s, "capacity.it_design_kw"), num(s, "capacity.it_idle_kw")) {
        let label = lang.pick(("IT power, design / idle", "IT 功率 设计 / 空载"));
        items.push((label, format!("{} kW / {} kW", fixed(d, 1), fixed(i, 1))));
    }
    inner.push_str(&dl(&items));
    section("design", t.design, &inner)
}

fn halls_table(res: &toml::Value, t: &Text) -> String {
    let node_types: Vec<&toml::Value> =
        res.get("node_types").and_then(toml::Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let nt = |name: &str| node_types.iter().find(|n| n.get("name").and_then(toml::Value::as_str) == Some(name)).copied();
    let mut rows = Vec::new();
    let (mut racks_total, mut acc_total) = (0i64, 0i64);
    for hall in res.get("halls").and_then(toml::Value::as_array).into_iter().flatten() {
        let hall_name = hall.get("name").and_then(toml::Value::as_str).unwrap_or("?");
        let mut extra = Vec::new();
        if let Some(h) = hall.as_table() {
            for (k, v) in h.iter().filter(|(k, _)| *k != "name" && *k != "racks") {
                flatten(k, v, &mut extra);
            }
        }
        let extra: Vec<String> = extra.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
        for g in hall.get("racks").and_then(toml::Value::as_array).into_iter().flatten() {
            let n = |k: &str| g.get(k).and_then(toml::Value::as_integer).unwrap_or(0);
            let type_name = g.get("node_type").and_then(toml::Value::as_str).unwrap_or("?");
            let ty = nt(type_name);
            let acc = ty.and_then(|x| x.get("accelerator")).and_then(toml::Value::as_str).unwrap_or("?");
            let per_node = ty.and_then(|x| x.get("accelerators")).and_then(toml::Value::as_integer).unwrap_or(0);
            let cooling = if ty.and_then(|x| x.get("fans")).is_some() { t.air } else { t.liquid };
            let accs = n("count") * n("nodes") * per_node;
            racks_total += n("count");
            acc_total += accs;
            rows.push(vec![
                hall_name.to_string(),
                count(n("count") as f64),
                n("nodes").to_string(),
                type_name.to_string(),
                acc.to_string(),
                count(accs as f64),
                g.get("power_limit").map(power_text).unwrap_or_default(),
                cooling.to_string(),
                extra.join("; "),
            ]);
        }
    }
    rows.push(vec![
        format!("\u{1}{}", t.total),
        count(racks_total as f64),
        String::new(),
        String::new(),
        String::new(),
        count(acc_total as f64),
        String::new(),
        String::new(),
        String::new(),
    ]);
    let headers = [t.hall, t.racks, t.nodes_per_rack, t.node_type, t.accelerator, t.accelerators, t.rack_limit, t.cooling, t.settings];
    table(&headers, &rows, &[1, 2, 5])
}

fn classes_section(s: &Value, t: &Text) -> String {
    let Some(Value::Object(classes)) = at(s, "jobs.by_class") else { return String::new() };
    let rows: Vec<Vec<String>> = classes
        .iter()
        .map(|(name, c)| {
            let n = |p: &str| num(c, p).unwrap_or(f64::NAN);
            vec![
                name.clone(),
                count(n("submitted")),
                count(n("completed")),
                count(n("rejected")),
                count(n("accelerator_hours")),
                duration_s(n("wait_s.p50")),
                duration_s(n("wait_s.p95")),
            ]
        })
        .collect();
    let headers = [t.class, t.submitted, t.completed, t.rejected, t.accelerator_hours, t.wait_p50, t.wait_p95];
    section("jobs", t.jobs_by_class, &table(&headers, &rows, &[1, 2, 3, 4, 5, 6]))
}

/// The calibration profile a run names, if any: summary.json `calibration` (a string, or an
/// object with `profile` or `name`), or the same key in scenario.resolved.toml.
pub fn calibration(s: &Value, resolved: Option<&toml::Value>) -> Option<String> {
    let from_json = match s.get("calibration") {
        Some(Value::String(p)) => Some(p.clone()),
        Some(v @ Value::Object(_)) => text(v, "profile").or_else(|| text(v, "name")).map(str::to_string),
        _ => None,
    };
    from_json.or_else(|| {
        let c = resolved?.get("calibration")?;
        c.as_str().or_else(|| c.get("profile").and_then(toml::Value::as_str)).map(str::to_string)
    })
}

fn provenance_section(r: &RunInputs, lang: Lang) -> String {
    let t = lang.text();
    let s = &r.summary;
    let mut items: Vec<(&str, String)> = Vec::new();
    items.push((t.scenario, esc(text(s, "scenario.name").unwrap_or("?"))));
    if let Some(site) = r.resolved.as_ref().and_then(|v| v.get("site")) {
        let parts: Vec<&str> = ["name", "location"].iter().filter_map(|k| site.get(k).and_then(toml::Value::as_str)).collect();
        if !parts.is_empty() {
            items.push((t.site, esc(&parts.join(", "))));
        }
    }
    if let Some(seed) = at(s, "scenario.seed") {
        items.push((t.seed, esc(&seed.to_string())));
    }
    if let (Some(h), Some(st)) = (num(s, "scenario.horizon_s"), num(s, "scenario.step_s")) {
        items.push((t.horizon, format!("{} / {}", duration_s(h), duration_s(st))));
    }
    if let Some(p) = text(s, "scenario.scheduler") {
        items.push((t.scheduler, esc(p)));
    }
    let version = r.info.as_ref().and_then(|i| text(i, "version")).unwrap_or("?");
    items.push((t.version, esc(version)));
    items.push((t.calibration, esc(&calibration(s, r.resolved.as_ref()).unwrap_or_else(|| t.none.to_string()))));
    if let Some(i) = &r.info {
        let host = format!(
            "{} ({}, {} CPUs), {} s, {} events",
            text(i, "host").unwrap_or("?"),
            text(i, "platform").unwrap_or("?"),
            num(i, "cpus").map_or("?".into(), count),
            num(i, "wall_s").map_or("?".into(), |w| fixed(w, 3)),
            num(i, "events").map_or("?".into(), count)
        );
        items.push((t.host, esc(&host)));
    }
    let files: Vec<String> = RUN_FILES
        .iter()
        .map(|f| if r.present.contains(f) { format!("<code>{f}</code>") } else { format!("<code>{f}</code> ({})", esc(t.missing)) })
        .collect();
    items.push((t.files, files.join(", ")));
    if r.present.contains(&"scenario.resolved.toml") {
        items.push((t.reproduce, "<code>aidc run scenario.resolved.toml</code>".into()));
    }
    section("provenance", t.provenance, &dl(&items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_in_readable_units() {
        let t = |s: &str| setting_text(&toml::Value::String(s.into()));
        assert_eq!(t("260995.05104358433W"), "261 kW");
        assert_eq!(t("250000Pa"), "250 kPa");
        assert_eq!(t("2500000W"), "2.5 MW");
        assert_eq!(t("28C"), "28 C");
        assert_eq!(t("30%"), "30%");
        assert_eq!(t("air-side economizer"), "air-side economizer");
        assert_eq!(t("2025-07-01"), "2025-07-01");
        assert_eq!(setting_text(&toml::Value::Float(0.123456789)), "0.1235");
        assert_eq!(setting_text(&toml::Value::Float(1.5)), "1.5");
        assert_eq!(setting_text(&toml::Value::Integer(20000)), "20,000");
    }
}
