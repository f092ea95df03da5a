//! `aidc demo`: classroom presets. Each preset runs one or more scenarios of `scenarios/demo/`
//! (compiled into the binary, so a demo runs from any folder), prints their key figures side by
//! side, and writes a comparison page beside each run's own report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::BadInput;
use super::summary::{pad, width};
use crate::engine::{RunOptions, run_into};
use crate::output::{Kind, Marker, OutputError, Target};
use crate::report::Lang;
use crate::report::compare::{DemoManifest, DemoRun, compare_rows, write_manifest};

/// A classroom preset: the question it answers and the scenarios it runs.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Name on the command line.
    pub name: &'static str,
    /// The question, in English and Chinese.
    pub question: (&'static str, &'static str),
    /// (label, file under scenarios/demo/, file text) of each run.
    pub runs: &'static [(&'static str, &'static str, &'static str)],
    /// What the preset waits for, when it cannot run yet.
    pub needs: Option<&'static str>,
}

/// The presets, the default first.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "fifo-vs-backfill",
        question: (
            "FIFO vs backfill: how much does backfilling shorten queue waits and raise utilization?",
            "先来先服务与回填调度:回填能把排队等待缩短多少、把利用率提高多少?",
        ),
        runs: &[
            ("fifo", "fifo.toml", include_str!("../../scenarios/demo/fifo.toml")),
            ("backfill", "backfill.toml", include_str!("../../scenarios/demo/backfill.toml")),
        ],
        needs: None,
    },
    Preset {
        name: "quotas",
        question: (
            "Priority with a pretraining quota vs without: who waits, and what does fairness cost in utilization?",
            "有无预训练配额的优先级调度:谁在排队?公平的代价是多少利用率?",
        ),
        runs: &[
            ("no-quota", "priority.toml", include_str!("../../scenarios/demo/priority.toml")),
            ("quota", "quotas.toml", include_str!("../../scenarios/demo/quotas.toml")),
        ],
        needs: None,
    },
    Preset {
        name: "growth",
        question: (
            "Demand grows by 50 %: what happens to queue waits, utilization and idle capacity?",
            "需求增长 50%:排队等待、利用率和闲置算力会怎样变化?",
        ),
        runs: &[
            ("today", "growth-today.toml", include_str!("../../scenarios/demo/growth-today.toml")),
            ("plus-50%", "growth-plus50.toml", include_str!("../../scenarios/demo/growth-plus50.toml")),
        ],
        needs: None,
    },
    Preset {
        name: "shanghai-vs-ulanqab",
        question: (
            "What changes if this center moves from Shanghai to Ulanqab: PUE, water, carbon?",
            "这个智算中心从上海搬到乌兰察布,PUE、用水和碳排放会怎样变化?",
        ),
        runs: &[
            ("shanghai", "shanghai.toml", include_str!("../../scenarios/demo/shanghai.toml")),
            ("ulanqab", "ulanqab.toml", include_str!("../../scenarios/demo/ulanqab.toml")),
        ],
        needs: None,
    },
    Preset {
        name: "cold-plate-vs-air",
        question: (
            "Cold plate vs air cooling: how much energy and water does liquid cooling save, server fans included?",
            "冷板液冷与风冷:液冷能节省多少电和水(含服务器风扇)?",
        ),
        runs: &[
            ("air", "air.toml", include_str!("../../scenarios/demo/air.toml")),
            ("cold-plate", "cold-plate.toml", include_str!("../../scenarios/demo/cold-plate.toml")),
        ],
        needs: None,
    },
    Preset {
        name: "east-west",
        question: (
            "东数西算: how much idle capacity, cost and carbon does scheduling across the hubs recover, against keeping every job where it was submitted?",
            "东数西算:跨枢纽调度与各中心只跑本地作业相比,能找回多少闲置算力、省多少电费和碳排放?",
        ),
        runs: &[("east-west", "east-west.toml", include_str!("../../scenarios/demo/east-west.toml"))],
        needs: None,
    },
    Preset {
        name: "payback",
        question: (
            "Does the center pay back? The same center at today's demand, double and four times: utilization, lost revenue, NPV and payback month.",
            "智算中心能收回投资吗?同一中心在当前需求、两倍和四倍需求下的利用率、闲置损失、净现值与回收期。",
        ),
        runs: &[
            ("today", "payback-today.toml", include_str!("../../scenarios/demo/payback-today.toml")),
            ("double", "payback-double.toml", include_str!("../../scenarios/demo/payback-double.toml")),
            ("x4", "payback-x4.toml", include_str!("../../scenarios/demo/payback-x4.toml")),
        ],
        needs: None,
    },
];

/// Run a classroom preset in a few seconds: print its key figures, write its report.
///
/// A preset runs one or more scenarios of scenarios/demo/, prints their key figures side by side
/// and writes a comparison page (report.html) beside each run's own report. Without a NAME the
/// first preset runs; --list shows them all with the question each answers.
///
/// The folder is written whole into a temporary folder and renamed into place. An existing DIR
/// is replaced only when it is an aidc demo folder holding only what aidc wrote, or empty;
/// anything else is refused with exit code 2 unless --force (never /, the home folder or the
/// current folder).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aidc demo\n  aidc demo --list\n  aidc demo quotas --lang zh")]
pub struct DemoArgs {
    /// The preset [default: the first of --list].
    name: Option<String>,
    /// List the presets and the question each answers.
    #[arg(long)]
    list: bool,
    /// Output folder [default: output/demo/<name>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace DIR even when it is not an aidc demo folder (see above).
    #[arg(long)]
    force: bool,
    /// Language of the report and the terminal table.
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
}

/// Runs `aidc demo`.
pub fn demo(a: DemoArgs) -> anyhow::Result<ExitCode> {
    if a.list {
        out!("{}", list(a.lang));
        return Ok(ExitCode::SUCCESS);
    }
    let preset = match &a.name {
        None => &PRESETS[0],
        Some(n) => PRESETS.iter().find(|p| p.name == n.as_str()).ok_or_else(|| {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            BadInput(format!("no demo named {n:?}; the demos are {} (aidc demo --list)", names.join(", ")))
        })?,
    };
    if let Some(needs) = preset.needs {
        return Err(BadInput(format!("demo {} needs {needs}, which this build does not have yet", preset.name)).into());
    }
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("output").join("demo").join(preset.name));
    let started = Instant::now();
    if let [(_, file, text)] = preset.runs
        && crate::scenario::federation::is_federation(text)
    {
        let (page, summary) = run_federation(file, text, &Target::new(&out, Kind::Demo).force(a.force), a.lang)?;
        outln!("{}", a.lang.pick(preset.question));
        out!("\n{}", super::federation::describe_run(&summary));
        outln!("\nreport: {} ({:.1} s)", page.display(), started.elapsed().as_secs_f64());
        return Ok(ExitCode::SUCCESS);
    }
    let page = run_preset(preset, &Target::new(&out, Kind::Demo).force(a.force), a.lang)?;
    outln!("{}", a.lang.pick(preset.question));
    out!("{}", terminal_table(preset, &out, a.lang)?);
    outln!("\nreport: {} ({:.1} s)", page.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// The text of `aidc demo --list`.
pub fn list(lang: Lang) -> String {
    let mut o = String::new();
    let width = PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in PRESETS {
        let _ = writeln!(o, "{:<width$}  {}", p.name, lang.pick(p.question));
        if let Some(needs) = p.needs {
            let _ = writeln!(o, "{:<width$}  (not available yet: needs {needs})", "");
        }
    }
    o
}

/// Runs every scenario of a preset into `<label>/` of a staging folder, writes the comparison
/// page and each run's report there, and renames it into place at `out`.
pub fn run_preset(p: &Preset, out: &Target, lang: Lang) -> anyhow::Result<PathBuf> {
    let staging = out.stage()?;
    let mut runs = Vec::new();
    for (label, file, text) in p.runs {
        let path = Path::new("scenarios/demo").join(file);
        let sc = crate::scenario::load_str(text, &path)?;
        super::guard(&sc, Some(text), crate::engine::budget::Outputs::files(true), staging.dir(), false)?;
        let dir = staging.file(label);
        std::fs::create_dir(&dir).map_err(OutputError::io(&dir))?;
        run_into(&sc, &dir, &RunOptions { progress: false })?;
        Marker::listing(Kind::Run, &dir).map_err(OutputError::io(&dir))?.write(&dir)?;
        runs.push(DemoRun { label: label.to_string(), dir: label.to_string(), scenario: path.display().to_string() });
    }
    let manifest = DemoManifest { preset: p.name.into(), question: p.question.0.into(), question_zh: p.question.1.into(), runs };
    write_manifest(staging.dir(), &manifest)?;
    super::report::write_new(staging.dir(), lang)?;
    Ok(staging.commit()?.join(crate::report::page_name(lang)))
}

/// Runs a federation preset (one federation file with its baseline) into a staging folder,
/// writes its report and renames it into place at `out`.
fn run_federation(
    file: &str,
    text: &str,
    out: &Target,
    lang: Lang,
) -> anyhow::Result<(PathBuf, crate::model::federation::FederationSummary)> {
    let path = Path::new("scenarios/demo").join(file);
    let fed = crate::scenario::federation::load_str(text, &path, None, None)?;
    let staging = out.stage()?;
    super::federation::guard(&fed, staging.dir(), crate::engine::budget::Outputs::files(true), false)?;
    let (summary, _) = crate::engine::federation::run_federation_into(&fed, staging.dir(), &RunOptions { progress: false })?;
    super::report::write_new(staging.dir(), lang)?;
    Ok((staging.commit()?.join(crate::report::page_name(lang)), summary))
}

/// The key figures of a preset's runs as an aligned text table.
pub fn terminal_table(p: &Preset, out: &Path, lang: Lang) -> anyhow::Result<String> {
    let mut summaries = Vec::new();
    for (label, _, _) in p.runs {
        summaries.push(crate::report::data::read_json(&out.join(label).join("summary.json"))?);
    }
    let refs: Vec<&serde_json::Value> = summaries.iter().collect();
    let rows = compare_rows(&refs, lang);
    let w0 = rows.iter().map(|r| width(&r.0)).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..p.runs.len()).map(|i| rows.iter().map(|r| width(&r.1[i])).chain([width(p.runs[i].0)]).max().unwrap_or(0)).collect();
    let mut o = String::from("\n");
    let mut line = pad("", w0);
    for (i, (label, _, _)) in p.runs.iter().enumerate() {
        let _ = write!(line, "  {}", pad(label, widths[i]));
    }
    let _ = writeln!(o, "{}", line.trim_end());
    for (label, values) in &rows {
        let mut line = pad(label, w0);
        for (i, v) in values.iter().enumerate() {
            let _ = write!(line, "  {}", pad(v, widths[i]));
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    Ok(o)
}
