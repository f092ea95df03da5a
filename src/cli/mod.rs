//! The command line: one file per subcommand. `main.rs` only maps errors to exit codes:
//! 0 success, 2 bad input or usage ([`BadInput`], scenario errors, an `--out` that the rule of
//! [`crate::output`] refuses, clap errors), 1 anything else. Commands print through `outln!`,
//! `out!` and `errln!` ([`stdout`]), never `println!`: a closed pipe must not panic.

/// `println!` that cannot panic on a closed stdout ([`stdout`]).
macro_rules! outln {
    () => { $crate::cli::stdout::print(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::stdout::print(format_args!($($arg)*), true) };
}

/// `print!` that cannot panic on a closed stdout ([`stdout`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::print(format_args!($($arg)*), false) };
}

/// `eprintln!` that cannot panic ([`stdout`]).
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::stdout::eprint(format_args!($($arg)*)) };
}

mod calibrate;
mod catalog;
mod check;
mod demo;
mod federation;
mod forecast;
mod report;
mod run;
mod serve;
pub mod stdout;
mod summary;
mod sweep;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Bad input or usage: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{}", crate::scenario::error::clip(.0))]
pub struct BadInput(pub String);

/// aidc: a digital twin of AI data centers (智算中心).
///
/// Describe a center in a scenario file (site, halls, racks, accelerators, workload, scheduler)
/// and simulate it: utilization, idle capacity, queue waits, IT power and energy.
#[derive(Debug, Parser)]
#[command(name = "aidc", version, propagate_version = true)]
#[command(
    after_help = "Examples:\n  aidc demo\n  aidc run scenarios/classroom.toml --report\n  aidc check scenarios/wuhu-10k.toml\n  aidc catalog accelerators\n  aidc sweep scenarios/classroom.toml --set scheduler.policy=fifo,backfill --replications 5 --out output/sweep-fifo-backfill\n  aidc forecast scenarios/classroom.toml --months 24 --growth 5%/month -n 10\n  aidc calibrate --quick"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(run::RunArgs),
    Check(check::CheckArgs),
    Catalog(catalog::CatalogArgs),
    Report(report::ReportArgs),
    Demo(demo::DemoArgs),
    Sweep(sweep::SweepArgs),
    Forecast(forecast::ForecastArgs),
    Calibrate(calibrate::CalibrateArgs),
    Serve(serve::ServeArgs),
}

/// Runs the parsed command line.
pub fn main_with(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Check(a) => check::check(a),
        Command::Catalog(a) => catalog::catalog(a),
        Command::Report(a) => report::report(a),
        Command::Demo(a) => demo::demo(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Forecast(a) => forecast::forecast(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Serve(a) => serve::serve(a),
    }
}

/// Whether an error is the user's input (exit code 2).
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<BadInput>()
            || e.is::<crate::scenario::ScenarioError>()
            || e.downcast_ref::<crate::output::OutputError>().is_some_and(crate::output::OutputError::is_refused)
    })
}

/// Maps a sweep or forecast error: specifications and scenarios are bad input (exit code 2).
fn sweep_error(e: crate::sweep::SweepError) -> anyhow::Error {
    match e {
        crate::sweep::SweepError::Spec(m) => BadInput(m).into(),
        e @ (crate::sweep::SweepError::Values { .. } | crate::sweep::SweepError::Edit(_)) => BadInput(e.to_string()).into(),
        crate::sweep::SweepError::Scenario(s) => s.into(),
        crate::sweep::SweepError::Output(o) => o.into(),
        other => other.into(),
    }
}

/// Refuses a run of `sc` that would not fit in this machine's memory or output bound, with the
/// scenario field that drives it (exit code 2): see [`crate::engine::budget`]. `text` is the
/// scenario's text where it is not its file's (demos).
fn guard(
    sc: &crate::config::Scenario,
    text: Option<&str>,
    outputs: crate::engine::budget::Outputs,
    out: &std::path::Path,
    allow_large: bool,
) -> anyhow::Result<()> {
    use crate::engine::budget;
    let limits = budget::Limits::of_machine(Some(out), allow_large).map_err(|e| BadInput(e.to_string()))?;
    budget::check(&budget::estimate(sc, outputs), &limits).map_err(|r| r.located(sc, text))?;
    Ok(())
}
