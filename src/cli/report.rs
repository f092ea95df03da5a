//! `aidc report`: write report.html or report.zh.html (and plots/) into an output folder of a run, a sweep, a
//! forecast or a demo, picked by the files in the folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::BadInput;
use crate::report::{Lang, write_report};

/// Write a self-contained report.html into an output folder: key figures with their
/// definitions, the design, the plots (also saved as PNG and SVG in plots/) and the provenance.
///
/// The kind of folder is told by its files: summary.json (a run), sweep_summary.csv or sweep.csv
/// (a sweep), forecast.csv (a forecast), demo.json (a demo), federation.json (a federation: its
/// page and each site's own report). Exit code 2 names what is missing.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aidc report output/classroom\n  aidc report output/classroom --lang zh")]
pub struct ReportArgs {
    /// The output folder.
    dir: PathBuf,
    /// Language of the page and its plots: en writes report.html, zh writes report.zh.html
    /// (and plots/<name>.zh.png) beside it.
    #[arg(long, value_enum, default_value = "en")]
    lang: Lang,
}

/// Runs `aidc report`.
pub fn report(a: ReportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let page = write(&a.dir, a.lang)?;
    outln!("report: {} ({:.2} s)", page.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Writes the report of a folder; a missing or malformed input is bad input (exit code 2).
pub(super) fn write(dir: &Path, lang: Lang) -> anyhow::Result<PathBuf> {
    write_report(dir, lang).map_err(|e| if e.is_bad_input() { anyhow::Error::new(BadInput(e.to_string())) } else { e.into() })
}

/// Writes the report of a folder aidc is creating (a run, a demo): the English page always, and
/// the Chinese one beside it with `--lang zh`, so that the folder never lacks report.html;
/// returns the page of `lang`.
pub(super) fn write_new(dir: &Path, lang: Lang) -> anyhow::Result<PathBuf> {
    let en = write(dir, Lang::En)?;
    if lang == Lang::En { Ok(en) } else { write(dir, lang) }
}
