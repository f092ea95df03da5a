//! Reports: plots (PNG and SVG) and self-contained HTML pages from output folders.
//!
//! ## How it works
//! A report reads a folder's files as data, never through the structs that wrote them: CSV
//! columns by header name and summary.json keys by dotted path ([`data`]). So the report of a
//! run with a facility model shows PUE, cooling and carbon, and the report of a core-only run
//! leaves them out, with no change here. [`figures`] turns the data into [`plot::Figure`]s (long
//! series reduced per pixel by [`downsample`]), [`plot`] draws them with plotters and the
//! bundled font ([`font`]), and the pages ([`run_page`], [`sweep`], [`forecast`], [`compare`])
//! inline the SVGs into one HTML file, in English or Chinese ([`i18n`]). [`write_report`] picks
//! the page by the files it finds in the folder.

pub mod axis;
pub mod compare;
pub mod data;
pub mod downsample;
mod error;
pub mod federation;
pub mod figures;
pub mod finance;
pub mod font;
pub mod forecast;
pub mod forecast_answer;
pub mod format;
pub mod html;
pub mod i18n;
pub mod keys;
pub mod plot;
pub mod plot_text;
pub mod run_page;
pub mod sweep;
pub mod sweep_plots;

use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use figures::Named;
pub use i18n::Lang;

/// What kind of output folder a folder is, by its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// `aidc run`: summary.json.
    Run,
    /// A sweep: sweep_summary.csv or sweep.csv.
    Sweep,
    /// A forecast: forecast.csv.
    Forecast,
    /// `aidc demo`: demo.json beside one folder per run.
    Demo,
    /// `aidc run FEDERATION.toml`: federation.json beside sites/<name>/.
    Federation,
}

/// Tells the kind of an output folder; an error names what is missing.
pub fn folder_kind(dir: &Path) -> Result<FolderKind, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::Missing { dir: dir.to_path_buf(), what: "no such folder".into() });
    }
    let has = |f: &str| dir.join(f).is_file();
    if has("demo.json") {
        Ok(FolderKind::Demo)
    } else if has("federation.json") {
        Ok(FolderKind::Federation)
    } else if has("summary.json") {
        Ok(FolderKind::Run)
    } else if has("sweep_summary.csv") || has("sweep.csv") {
        Ok(FolderKind::Sweep)
    } else if has("forecast.csv") {
        Ok(FolderKind::Forecast)
    } else {
        Err(ReportError::Missing {
            dir: dir.to_path_buf(),
            what: "not an aidc output folder: it has none of summary.json (a run), sweep_summary.csv or sweep.csv \
                   (a sweep), forecast.csv (a forecast), demo.json (a demo), federation.json (a federation)"
                .into(),
        })
    }
}

/// The page of a language: `report.html` (English) or `report.zh.html` (Chinese), side by side,
/// so writing one never overwrites the other.
pub fn page_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "report.html",
        Lang::Zh => "report.zh.html",
    }
}

/// The file stem of plot `name` in a language: `utilization` (English), `utilization.zh`.
pub fn plot_stem(name: &str, lang: Lang) -> String {
    match lang {
        Lang::En => name.to_string(),
        Lang::Zh => format!("{name}.zh"),
    }
}

/// Writes the page of `lang` ([`page_name`]) and its plots in plots/ into an output folder of
/// any kind; returns the page's path.
pub fn write_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    match folder_kind(dir)? {
        FolderKind::Run => run_page::run_report(dir, lang),
        FolderKind::Sweep => sweep::sweep_report(dir, lang),
        FolderKind::Forecast => forecast::forecast_report(dir, lang),
        FolderKind::Demo => compare::demo_report(dir, lang),
        FolderKind::Federation => federation::federation_report(dir, lang),
    }
}

/// Draws figures as SVG (returned, in order, to be inlined) and saves each as
/// `plots/<stem>.svg` and `plots/<stem>.png` under `dir` ([`plot_stem`]: Chinese plots get their
/// own files, text translated by [`plot_text`] and drawn with the bundled CJK font). Figures are
/// drawn on parallel threads.
pub fn render_figures(dir: &Path, figs: &[Named], lang: Lang) -> Result<Vec<String>, ReportError> {
    let plots = dir.join("plots");
    // Not create_dir_all: a folder removed under a signal must not be made again.
    match std::fs::create_dir(&plots) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(ReportError::write(&plots)(e)),
        _ => {}
    }
    if crate::output::marker_of(dir).is_some() {
        remove_stale_plots(&plots, figs, lang);
    }
    let draw = |f: &Named| -> Result<String, ReportError> {
        let fig = plot_text::translate(&f.fig, lang);
        let svg = plot::to_svg(&fig, plot::SIZE, lang)?;
        let png = plot::to_png(&fig, plot::SIZE, lang)?;
        let stem = plot_stem(&f.name, lang);
        let sp = plots.join(format!("{stem}.svg"));
        std::fs::write(&sp, &svg).map_err(ReportError::write(&sp))?;
        let pp = plots.join(format!("{stem}.png"));
        std::fs::write(&pp, &png).map_err(ReportError::write(&pp))?;
        Ok(svg)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let chunk = figs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = figs.chunks(chunk).map(|c| scope.spawn(move || c.iter().map(draw).collect::<Vec<_>>())).collect();
        let mut out = Vec::with_capacity(figs.len());
        for h in handles {
            let part = h.join().map_err(|_| ReportError::Plot(plot::PlotError("a drawing thread panicked".into())))?;
            for r in part {
                out.push(r?);
            }
        }
        Ok(out)
    })
}

/// Removes plots of an earlier report that this one does not draw (say, facility plots of an
/// earlier run), so plots/ always matches report.html; only in folders that aidc marked as its
/// own (see [`crate::output`]). Plots of the other language and other files are left alone.
fn remove_stale_plots(plots: &Path, figs: &[Named], lang: Lang) {
    let Ok(entries) = std::fs::read_dir(plots) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let is_plot = matches!(path.extension().and_then(|x| x.to_str()), Some("png" | "svg"));
        let stem = path.file_stem().and_then(|x| x.to_str()).unwrap_or("");
        let this_lang = stem.ends_with(".zh") == (lang == Lang::Zh);
        if is_plot && this_lang && !figs.iter().any(|f| plot_stem(&f.name, lang) == stem) {
            let _ = std::fs::remove_file(&path);
        }
    }
}
