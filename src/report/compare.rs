//! Several runs side by side: the page of a classroom demo (`demo.json` beside one run folder
//! per scenario). Key figures in one table, one column per run, and the runs' series overlaid
//! on shared plots; each run keeps its own full report, linked from the page.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::data::{Columns, need};
use super::figures::{Named, Waits, overlay, wait_cdf};
use super::html::{esc, page, section, table, write_atomic};
use super::i18n::Lang;
use super::keys::key_figures;
use super::run_page::{RunInputs, read_run, run_report};
use super::{ReportError, page_name, render_figures};

/// One run of a demo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRun {
    /// Short label, e.g. "fifo".
    pub label: String,
    /// Its output folder, relative to the demo's folder.
    pub dir: String,
    /// The scenario file it ran.
    pub scenario: String,
}

/// `demo.json`: what a demo folder holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoManifest {
    /// The preset's name.
    pub preset: String,
    /// The question it answers, in English.
    pub question: String,
    /// The same in Chinese.
    pub question_zh: String,
    /// The runs compared.
    pub runs: Vec<DemoRun>,
}

/// Key figures of several runs: (label, one value per run; "-" where a run lacks it), in report order.
pub fn compare_rows(summaries: &[&serde_json::Value], lang: Lang) -> Vec<(String, Vec<String>)> {
    let per_run: Vec<_> = summaries.iter().map(|s| key_figures(s, lang)).collect();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for kf in per_run.iter().flatten() {
        if rows.iter().any(|r| r.0 == kf.label) {
            continue;
        }
        let values = per_run.iter().map(|r| r.iter().find(|k| k.key == kf.key).map_or("-".into(), |k| k.value.clone())).collect();
        rows.push((kf.label.to_string(), values));
    }
    rows
}

/// The comparison plots of several runs.
pub fn comparison_figures(runs: &[(&str, &RunInputs)]) -> Vec<Named> {
    let ts: Vec<(&str, &Columns)> = runs.iter().filter_map(|(l, r)| Some((*l, r.ts.as_ref()?))).collect();
    let mut out = Vec::new();
    let mut add = |name: &str, fig| {
        if let Some(fig) = fig {
            out.push(Named { name: name.to_string(), fig });
        }
    };
    add("cmp_utilization", overlay("Allocation utilization", "allocated accelerators (%)", "utilization_allocated", 100.0, &ts));
    add("cmp_queue", overlay("Queue length", "queued jobs", "queue_length", 1.0, &ts));
    let waits: Vec<(String, Waits)> = runs
        .iter()
        .filter_map(|(l, r)| {
            let all = r.waits.as_ref()?.values().fold(Waits::default(), |mut all, w| {
                all.started.extend(&w.started);
                all.queued.extend(&w.queued);
                all
            });
            Some((l.to_string(), all))
        })
        .collect();
    add(
        "cmp_wait_cdf",
        wait_cdf("Queue wait of all jobs by run (jobs still queued counted, Kaplan-Meier)", waits.iter().map(|(a, b)| (a, b))),
    );
    let facility = ts.iter().any(|(_, c)| c.get("facility_power_kw").is_some());
    if facility {
        add("cmp_power", overlay("Facility power", "power (kW)", "facility_power_kw", 1.0, &ts));
        add("cmp_pue", overlay("PUE", "PUE", "pue", 1.0, &ts));
    } else {
        add("cmp_power", overlay("IT power", "power (kW)", "it_power_kw", 1.0, &ts));
    }
    out
}

/// What a comparison plot shows.
fn caption(name: &str, lang: Lang) -> &'static str {
    lang.pick(match name {
        "cmp_utilization" => ("Share of installed accelerators allocated to jobs, per run.", "各次运行中已分配加速卡占安装总数的比例。"),
        "cmp_queue" => ("Jobs waiting in the queue, per run.", "各次运行中排队等待的作业数。"),
        "cmp_wait_cdf" => (
            "Cumulative share of the jobs of each run (all classes; counts in brackets) that waited at most the time on the x axis. Jobs still queued at the horizon count as still waiting (Kaplan-Meier): a line below 100 % at the right is the share that never started.",
            "各次运行全部作业(括号内为数量)中排队等待不超过横轴时间的累计比例。结束时仍在排队的作业按仍在等待计入(Kaplan-Meier 估计):曲线右端低于 100 % 的部分即从未启动的比例。",
        ),
        "cmp_power" => ("Power drawn, per run.", "各次运行的用电功率。"),
        "cmp_pue" => ("PUE at each sampling step, per run.", "各次运行各采样时刻的 PUE。"),
        _ => ("", ""),
    })
}

/// Reads `demo.json`.
pub fn read_manifest(dir: &Path) -> Result<DemoManifest, ReportError> {
    let p = need(dir, "demo.json", "a demo's folder")?;
    let text = std::fs::read_to_string(&p).map_err(ReportError::read(&p))?;
    serde_json::from_str(&text).map_err(|e| ReportError::Malformed { path: p, msg: format!("not a demo manifest: {e}") })
}

/// Writes `demo.json`.
pub fn write_manifest(dir: &Path, m: &DemoManifest) -> Result<(), ReportError> {
    let mut text =
        serde_json::to_string_pretty(m).map_err(|e| ReportError::Malformed { path: dir.join("demo.json"), msg: e.to_string() })?;
    text.push('\n');
    write_atomic(&dir.join("demo.json"), text.as_bytes())
}

/// Writes each run's report and the comparison page of a demo folder; returns the page's path.
pub fn demo_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let m = read_manifest(dir)?;
    let mut inputs = Vec::new();
    for r in &m.runs {
        let rd = dir.join(&r.dir);
        run_report(&rd, lang)?;
        inputs.push(read_run(&rd)?);
    }
    let t = lang.text();
    let labelled: Vec<(&str, &RunInputs)> = m.runs.iter().map(|r| r.label.as_str()).zip(&inputs).collect();
    let figs = comparison_figures(&labelled);
    let svgs = render_figures(dir, &figs, lang)?;
    let summaries: Vec<&serde_json::Value> = inputs.iter().map(|i| &i.summary).collect();
    let mut headers = vec![t.metric];
    headers.extend(m.runs.iter().map(|r| r.label.as_str()));
    let rows: Vec<Vec<String>> = compare_rows(&summaries, lang).into_iter().map(|(l, v)| std::iter::once(l).chain(v).collect()).collect();
    let numeric: Vec<usize> = (1..headers.len()).collect();
    let question = if lang == Lang::Zh { &m.question_zh } else { &m.question };
    let mut body = String::new();
    let _ = writeln!(body, "<p class=\"note\"><strong>{}</strong>: {}</p>", esc(t.question), esc(question));
    body.push_str(&section("key-figures", t.key_figures, &table(&headers, &rows, &numeric)));
    let mut plots = String::new();
    for (f, svg) in figs.iter().zip(&svgs) {
        plots.push_str(&super::html::figure(&f.name, svg, caption(&f.name, lang)));
    }
    body.push_str(&section("plots", t.plots, &plots));
    let mut runs = String::from("<ul>\n");
    for r in &m.runs {
        let _ = writeln!(
            runs,
            "<li><strong>{}</strong>: <code>{}</code>, <a href=\"{}/{}\">{}</a></li>",
            esc(&r.label),
            esc(&r.scenario),
            esc(&r.dir),
            page_name(lang),
            esc(t.open_report)
        );
    }
    runs.push_str("</ul>\n");
    body.push_str(&section("runs", t.runs, &runs));
    let subtitle = format!("<code>aidc demo {}</code>", esc(&m.preset));
    let html = page(lang, &lang.titled(t.demo_title, &m.preset), &subtitle, &body);
    let out = dir.join(page_name(lang));
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}
