//! `aidc run`: simulate a scenario and write its outputs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::BadInput;
use crate::engine::{RunOptions, run_into};
use crate::output::{Kind, Target};
use crate::scenario::Overrides;
use crate::scenario::resolve::check_horizon;
use crate::scenario::units::parse_duration_ms;

/// Simulate a scenario and write summary.json, run.json, timeseries.csv, jobs.csv and
/// scenario.resolved.toml (and finance.csv with a [finance] section).
///
/// Outputs go to DIR (default output/<scenario name>/), written into a temporary folder (the
/// report too) and renamed into place, so a failed or interrupted run leaves nothing behind.
/// An existing DIR is replaced only when it is empty, or an aidc run folder (its .aidc-output
/// marker says so) that holds only what aidc wrote; anything else is refused with exit code 2
/// unless --force, which still never writes over /, the home folder, the current folder or the
/// scenario's folder. A progress bar shows on a terminal; --quiet (or a pipe) keeps it silent.
///
/// A federation file (a `[federation]` table: several sites, a WAN and a global dispatcher)
/// runs every site on one clock and writes federation.json, moves.csv and each site's outputs
/// under sites/<name>/; --seed and --horizon apply to every site.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aidc run scenarios/classroom.toml\n  aidc run scenarios/wuhu-10k.toml --horizon 7d --seed 3 --out output/wuhu-week\n  aidc run scenarios/bench-10k.toml --scheduler sjf --quiet\n  aidc run scenarios/classroom.toml --horizon 3d --json --out output/classroom-3d\n  aidc run scenarios/federation/east-west.toml --horizon 30d"
)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Output folder [default: output/<scenario name>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace DIR even when it is not an aidc run folder (see above).
    #[arg(long)]
    force: bool,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Simulated span, e.g. "7d" (overrides simulation.horizon).
    #[arg(long, value_name = "DUR")]
    horizon: Option<String>,
    /// Scheduling policy: fifo, backfill, priority, sjf or best-fit (overrides scheduler.policy).
    #[arg(long, value_name = "NAME")]
    scheduler: Option<String>,
    /// Model IT only: ignore the scenario's [facility] (no cooling, power chain or weather).
    #[arg(long)]
    it_only: bool,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
    /// Print {"out", "report", "summary"} as JSON on stdout instead of the summary for people
    /// (summary is summary.json; a federation prints federation.json), for scripts.
    #[arg(long)]
    json: bool,
    /// Also write report.html and plots/ into the output folder (as `aidc report`); with
    /// --lang zh, report.zh.html beside it too.
    #[arg(long)]
    report: bool,
    /// Language of the report text.
    #[arg(long, value_enum, default_value = "en", requires = "report")]
    lang: crate::report::Lang,
    /// Run a design whose memory or output is over the default bounds (half the memory
    /// available, 4 GiB of output): up to 90 % of the memory and of the free disk space.
    #[arg(long)]
    allow_large: bool,
}

pub fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    // The flags edit the document before it is resolved, so they get every check the file does.
    let mut overrides = Overrides { seed: a.seed, it_only: a.it_only, ..Overrides::default() };
    if let Some(h) = &a.horizon {
        let ms = parse_duration_ms(h).map_err(|e| BadInput(format!("--horizon: {e}")))?;
        check_horizon(ms).map_err(|e| BadInput(format!("--horizon: {e}")))?;
        overrides.horizon_ms = Some(ms);
    }
    if crate::scenario::federation::is_federation_file(&a.scenario) {
        if a.scheduler.is_some() || a.it_only {
            return Err(BadInput(format!(
                "{}: --scheduler and --it-only apply to one site; set them in each site's scenario",
                a.scenario.display()
            ))
            .into());
        }
        return super::federation::run(super::federation::FedRun {
            file: a.scenario,
            out: a.out,
            force: a.force,
            seed: a.seed,
            horizon_ms: overrides.horizon_ms,
            quiet: a.quiet,
            json: a.json,
            report: a.report,
            lang: a.lang,
            allow_large: a.allow_large,
        });
    }
    if let Some(name) = &a.scheduler {
        overrides.policy = Some(crate::config::Policy::parse(name).map_err(|e| BadInput(format!("--scheduler: {e}")))?);
    }
    let sc = crate::scenario::load_with(&a.scenario, &overrides)?;
    let out = a.out.unwrap_or_else(|| PathBuf::from("output").join(&sc.name));
    super::guard(&sc, None, crate::engine::budget::Outputs::files(a.report), &out, a.allow_large)?;
    let staging = Target::new(&out, Kind::Run).force(a.force).input(&a.scenario).stage()?;
    let (summary, info) = run_into(&sc, staging.dir(), &RunOptions { progress: !a.quiet })?;
    if a.report {
        super::report::write_new(staging.dir(), a.lang)?;
    }
    let dir = staging.commit()?;
    if a.json {
        let report = a.report.then(|| dir.join(crate::report::page_name(a.lang)));
        let doc = serde_json::json!({ "out": dir, "report": report, "summary": summary });
        outln!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
    } else if !a.quiet {
        out!("{}", super::summary::run_text(&summary));
        outln!("{} events in {:.2} s; outputs in {}", crate::report::format::count(info.events as f64), info.wall_s, dir.display());
        if a.report {
            outln!("report: {}", dir.join(crate::report::page_name(a.lang)).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
