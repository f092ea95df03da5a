//! The engine: builds a run from the subsystems, dispatches events to their handlers, runs the
//! loop and the sampling pipeline, and writes the output folder of a run.
//!
//! Time is an integer number of milliseconds; events are ordered by (time, sequence)
//! ([`crate::time`]). The engine knows events, time and the order of the subsystems, not
//! physics: the models in [`crate::model`] do the rest.

pub mod budget;
pub mod build;
mod dispatch;
pub mod federation;
mod finish;
mod host;
mod invariants;
mod pipeline;
#[cfg(test)]
mod plant_memo_tests;
pub mod record;
mod sim;
pub mod summary;
mod window;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use build::Stage;
pub use invariants::InvariantError;
pub use sim::Simulation;
pub use summary::{RunInfo, ScenarioInfo, Summary};

use crate::config::Scenario;
pub use crate::model::compute::summary::capacity;
use crate::output::{Kind, OutputError, Target};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Show a progress bar (only where stderr is a terminal).
    pub progress: bool,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// summary.json.
    pub summary: Summary,
    /// run.json.
    pub info: RunInfo,
    /// Where the outputs are.
    pub dir: PathBuf,
}

/// A run that failed after the scenario was accepted: the output folder was refused, or
/// writing failed.
pub type RunError = OutputError;

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    OutputError::io(path)
}

/// Runs a scenario and writes summary.json, run.json, timeseries.csv, jobs.csv and
/// scenario.resolved.toml into `out`, atomically, under the rule of [`crate::output`] (an
/// existing `out` is replaced only when it is an aidc run folder). It trusts the design to fit:
/// the commands check it first with [`budget::check`].
pub fn run_to_dir(sc: &Scenario, out: &Path, opts: &RunOptions) -> Result<RunReport, RunError> {
    let staging = Target::new(out, Kind::Run).input(&sc.file).stage()?;
    let (summary, info) = run_into(sc, staging.dir(), opts)?;
    let dir = staging.commit()?;
    Ok(RunReport { summary, info, dir })
}

/// Runs a scenario and writes its output files into the existing folder `dir` (a staging
/// folder: [`run_to_dir`] and the commands make one).
pub fn run_into(sc: &Scenario, dir: &Path, opts: &RunOptions) -> Result<(Summary, RunInfo), RunError> {
    let ts_path = dir.join("timeseries.csv");
    let jobs_path = dir.join("jobs.csv");
    let ts = BufWriter::with_capacity(1 << 16, File::create(&ts_path).map_err(io_at(&ts_path))?);
    let jobs = BufWriter::with_capacity(1 << 16, File::create(&jobs_path).map_err(io_at(&jobs_path))?);
    let bar = progress_bar(opts.progress, sc.horizon_ms);
    let started = Instant::now();
    let mut sim = Simulation::new(sc, ts, jobs).map_err(io_at(&ts_path))?;
    // A hidden bar still reads the clock on each update: skip it (a tick at one-second steps
    // costs about a microsecond, the clock read a few percent of that).
    let shown = !bar.is_hidden();
    sim.run(|t| {
        if shown {
            bar.set_position(t / 1000);
        }
    })
    .map_err(io_at(dir))?;
    let wall_s = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    finish_into(sc, sim, dir, wall_s)
}

/// Finishes a simulation whose rows went to `dir` and writes the rest of a run's files there:
/// alarms.csv (with a facility), finance.csv (with `[finance]`), summary.json, run.json and
/// scenario.resolved.toml. A single run and each site of a federation end here.
pub(crate) fn finish_into<W: std::io::Write + Send + Sync + 'static>(
    sc: &Scenario,
    sim: Simulation<'_, W>,
    dir: &Path,
    wall_s: f64,
) -> Result<(Summary, RunInfo), RunError> {
    if sc.facility.is_some() {
        let path = dir.join("alarms.csv");
        let mut text = String::from("time_s,kind,where,value\n");
        for a in sim.alarms() {
            text += &format!("{},{},{},{:.2}\n", a.time_ms as f64 / 1000.0, a.kind, a.place.replace(',', ";"), a.value);
        }
        std::fs::write(&path, text).map_err(io_at(&path))?;
    }
    let (summary, info, _, _) = sim.finish(wall_s).map_err(io_at(dir))?;
    if let Some(f) = &summary.finance {
        let path = dir.join("finance.csv");
        let mut text = String::from(crate::model::finance::cash::CSV_HEADER);
        text.push('\n');
        for (i, row) in f.months.iter().enumerate() {
            text += &row.csv(i + 1);
            text.push('\n');
        }
        std::fs::write(&path, text).map_err(io_at(&path))?;
    }
    write_json(&dir.join("summary.json"), &summary)?;
    write_json(&dir.join("run.json"), &info)?;
    let resolved = dir.join("scenario.resolved.toml");
    std::fs::write(&resolved, crate::scenario::unparse::to_toml(sc)).map_err(io_at(&resolved))?;
    Ok((summary, info))
}

/// Runs a scenario in memory, discarding rows: for sweeps, benchmarks and tests.
pub fn run_in_memory(sc: &Scenario) -> (Summary, RunInfo) {
    let started = Instant::now();
    let mut sim = match Simulation::new(sc, std::io::sink(), std::io::sink()) {
        Ok(s) => s,
        Err(_) => unreachable!("io::sink never fails"),
    };
    let _ = sim.run(|_| {});
    let wall_s = started.elapsed().as_secs_f64();
    match sim.finish(wall_s) {
        Ok((s, i, _, _)) => (s, i),
        Err(_) => unreachable!("io::sink never fails"),
    }
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), RunError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| OutputError::Io { path: path.to_path_buf(), source: e.into() })?;
    text.push('\n');
    std::fs::write(path, text).map_err(io_at(path))
}

fn progress_bar(show: bool, horizon_ms: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(horizon_ms / 1000);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} simulating [{bar:40}] {percent:>3}% of the horizon, {elapsed} elapsed, ~{eta} left",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}
