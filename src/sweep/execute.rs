//! Running a prepared sweep on disk: the rayon pool, resuming from `sweep.partial.jsonl`, the
//! `sweep.json` manifest, and merging shard folders.
//!
//! ## How it works
//! [`run`] reads what the output folder already holds of the same plan (same fingerprint and
//! shard in `sweep.json`: the rows of `sweep.csv` and the lines of `sweep.partial.jsonl`), runs
//! the rest of its shard on a pool sized by [`crate::engine::budget::parallel_runs`], appends
//! each finished run to `sweep.partial.jsonl` (flushed, so an interrupted sweep keeps its work),
//! then sorts the rows by run index and writes the tables and the manifest atomically, so the
//! result does not depend on the thread count. [`merge`] folds the `sweep.csv` of shard folders
//! of one plan (equal fingerprints) into the tables a single run would give.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::table::{self, Row};
use super::{Design, Prepared, ROW_BYTES, Shard, SweepError, stats};
use crate::engine::budget;
use crate::scenario::edit::plain;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io { path: path.to_path_buf(), source }
}

/// How to run a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Worker threads (None: rayon's default, all cores or RAYON_NUM_THREADS).
    pub threads: Option<usize>,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
    /// Discard earlier results of a different plan in the output folder.
    pub fresh: bool,
    /// Run only this slice.
    pub shard: Option<Shard>,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The output folder.
    pub dir: PathBuf,
    /// Runs in the plan.
    pub runs: u64,
    /// Runs in this shard (all runs without one).
    pub in_shard: u64,
    /// Runs found done and skipped.
    pub skipped: u64,
    /// Runs executed now.
    pub ran: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Wall time of the runs, s.
    pub wall_s: f64,
    /// Rows in sweep.csv, sorted by run.
    pub rows: Vec<Row>,
    /// Parameter names.
    pub params: Vec<String>,
}

/// `sweep.json`: the plan and its provenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// aidc version.
    pub version: String,
    /// Plan fingerprint: equal fingerprints mean the same runs.
    pub fingerprint: String,
    /// The scenario file.
    pub scenario: String,
    /// Its name.
    pub name: String,
    /// grid, random or lhs.
    pub design: Design,
    /// Points of random and LHS designs.
    pub samples: Option<usize>,
    /// Runs per point.
    pub replications: u32,
    /// Seed of the design.
    pub design_seed: u64,
    /// Parameters: path and values as written.
    pub params: Vec<ManifestParam>,
    /// Points.
    pub points: u64,
    /// Runs in the plan.
    pub runs: u64,
    /// The shard these results are ("K/N"), if any.
    pub shard: Option<String>,
    /// Runs in sweep.csv.
    pub completed: u64,
    /// Whether every run of the shard (or plan) is in sweep.csv.
    pub complete: bool,
    /// How replication seeds are derived.
    pub seeds: String,
    /// Summary sections left out of the metric columns.
    pub metrics_skipped: Vec<String>,
}

/// A parameter in `sweep.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestParam {
    /// Dotted path.
    pub path: String,
    /// Values as written.
    pub values: String,
}

const SEEDS: &str =
    "replication 0 uses the point's simulation.seed; replication k > 0 the first u64 of the stream \"replication/k\" of that seed";

fn manifest(prep: &Prepared, shard: Option<Shard>, completed: u64, complete: bool) -> Manifest {
    let p = &prep.plan;
    Manifest {
        version: crate::VERSION.to_string(),
        fingerprint: prep.fingerprint(),
        scenario: p.doc.path.display().to_string(),
        name: prep.name.clone(),
        design: p.design,
        samples: p.samples,
        replications: p.replications,
        design_seed: p.design_seed,
        params: p.params.iter().map(|q| ManifestParam { path: q.path.text.clone(), values: q.spec.clone() }).collect(),
        points: prep.points.len() as u64,
        runs: prep.runs(),
        shard: shard.map(|s| s.to_string()),
        completed,
        complete,
        seeds: SEEDS.to_string(),
        metrics_skipped: stats::SKIPPED.iter().map(|s| s.to_string()).collect(),
    }
}

fn write_manifest(path: &Path, m: &Manifest) -> Result<(), SweepError> {
    let mut text = serde_json::to_string_pretty(m).map_err(|e| SweepError::Io { path: path.to_path_buf(), source: e.into() })?;
    text.push('\n');
    table::write_atomic(path, text.as_bytes())
}

/// Reads a folder's `sweep.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    serde_json::from_str(&text).map_err(|e| SweepError::Spec(format!("{}: not a sweep manifest: {e}", path.display())))
}

/// One line of `sweep.partial.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
struct PartialRow {
    run: u64,
    seed: u64,
    /// (name, value as Rust writes it): text, so that values read back bit for bit.
    metrics: Vec<(String, Option<String>)>,
}

const PARTIAL: &str = "sweep.partial.jsonl";

/// Earlier results of the same plan in `dir`: rows by run index.
fn earlier(prep: &Prepared, dir: &Path, shard: Option<Shard>, fresh: bool) -> Result<Vec<Row>, SweepError> {
    let manifest = dir.join("sweep.json");
    if !manifest.exists() {
        return Ok(Vec::new());
    }
    let m = read_manifest(dir)?;
    let same = m.fingerprint == prep.fingerprint() && m.shard == shard.map(|s| s.to_string());
    if !same {
        if !fresh {
            return Err(SweepError::Spec(format!(
                "{} holds results of a different sweep (fingerprint {}, shard {}); pass --fresh to replace them, or choose another --out",
                dir.display(),
                m.fingerprint,
                m.shard.as_deref().unwrap_or("none")
            )));
        }
        for f in FILES {
            let p = dir.join(f);
            if p.exists() {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    let csv = dir.join("sweep.csv");
    if csv.exists() {
        rows = table::read_runs(&csv, prep.plan.params.len())?;
    }
    let partial = dir.join(PARTIAL);
    if partial.exists() {
        let text = std::fs::read_to_string(&partial).map_err(io(&partial))?;
        let reps = prep.plan.replications as u64;
        // A line cut short by an interrupted write does not parse and is simply run again.
        for pr in text.lines().filter_map(|l| serde_json::from_str::<PartialRow>(l).ok()) {
            let point = pr.run / reps;
            let Some(values) = prep.points.get(point as usize) else { continue };
            let metrics = pr.metrics.into_iter().map(|(k, v)| (k, v.and_then(|s| s.parse().ok()))).collect();
            rows.push(Row {
                run: pr.run,
                point,
                replication: (pr.run % reps) as u32,
                seed: pr.seed,
                params: values.iter().map(plain).collect(),
                metrics,
            });
        }
    }
    rows.retain(|r| r.run < prep.runs() && shard.is_none_or(|s| s.contains(r.run)));
    rows.sort_by_key(|r| r.run);
    rows.dedup_by_key(|r| r.run);
    Ok(rows)
}

fn progress_bar(show: bool, n: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n);
    let style = indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed, ~{eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}

/// A rayon pool of `threads` workers (None or 0: rayon's default).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, SweepError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| SweepError::Spec(format!("--threads: cannot start the worker threads: {e}")))
}

/// The files a sweep writes into its folder.
const FILES: [&str; 4] = ["sweep.json", "sweep.csv", "sweep_summary.csv", PARTIAL];

/// Runs the plan's runs of `opts.shard` that `out` does not hold yet, then writes sweep.csv,
/// sweep_summary.csv and sweep.json into `out`: a new folder, an empty one, or a sweep folder
/// (the rule of [`crate::output`]), which it adds to.
pub fn run(prep: &Prepared, out: &crate::output::Target, opts: &SweepOptions) -> Result<Outcome, SweepError> {
    let out = out.open_in_place(&FILES)?;
    let mut rows = earlier(prep, out, opts.shard, opts.fresh)?;
    let done: BTreeSet<u64> = rows.iter().map(|r| r.run).collect();
    let in_shard: Vec<u64> = (0..prep.runs()).filter(|r| opts.shard.is_none_or(|s| s.contains(*r))).collect();
    let todo: Vec<u64> = in_shard.iter().copied().filter(|r| !done.contains(r)).collect();
    write_manifest(&out.join("sweep.json"), &manifest(prep, opts.shard, rows.len() as u64, todo.is_empty()))?;

    let partial_path = out.join(PARTIAL);
    let partial = std::fs::OpenOptions::new().create(true).append(true).open(&partial_path).map_err(io(&partial_path))?;
    let partial = Mutex::new(std::io::BufWriter::new(partial));
    // As many runs in parallel as fit beside the rows and the points' texts (results do not
    // depend on the thread count).
    let wanted = opts.threads.filter(|t| *t > 0).unwrap_or_else(rayon::current_num_threads).min(todo.len().max(1));
    let shared = prep.texts.iter().map(|t| t.len() as f64).sum::<f64>() + in_shard.len() as f64 * ROW_BYTES;
    let threads = budget::parallel_runs(prep.heaviest.parallel_run_bytes() * prep.sites as f64, shared, wanted, &prep.limits)
        .map_err(|e| SweepError::Spec(e.to_string()))?;
    let pool = pool(Some(threads))?;
    let bar = progress_bar(opts.progress, todo.len() as u64);
    let started = Instant::now();
    let fresh_rows: Result<Vec<Row>, SweepError> = pool.install(|| {
        todo.par_iter()
            .map(|&r| {
                let row = prep.run_one(r)?;
                let line = PartialRow {
                    run: row.run,
                    seed: row.seed,
                    metrics: row.metrics.iter().map(|(k, v)| (k.clone(), v.map(|x| x.to_string()))).collect(),
                };
                let mut text = serde_json::to_string(&line).map_err(|e| SweepError::Io { path: partial_path.clone(), source: e.into() })?;
                text.push('\n');
                let mut w = partial.lock().unwrap_or_else(|e| e.into_inner());
                w.write_all(text.as_bytes()).and_then(|_| w.flush()).map_err(io(&partial_path))?;
                drop(w);
                bar.inc(1);
                Ok(row)
            })
            .collect()
    });
    let wall_s = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let ran = todo.len() as u64;
    rows.extend(fresh_rows?);
    rows.sort_by_key(|r| r.run);
    let params = prep.param_names();
    table::write_runs(&out.join("sweep.csv"), &params, &rows)?;
    table::write_summary(&out.join("sweep_summary.csv"), &params, &rows)?;
    write_manifest(&out.join("sweep.json"), &manifest(prep, opts.shard, rows.len() as u64, true))?;
    let _ = std::fs::remove_file(&partial_path);
    Ok(Outcome {
        dir: out.to_path_buf(),
        runs: prep.runs(),
        in_shard: in_shard.len() as u64,
        skipped: done.len() as u64,
        ran,
        threads: pool.current_num_threads(),
        wall_s,
        rows,
        params,
    })
}

/// Folds the sweep.csv of shard folders (or any folders of the same plan) into `out`, written
/// atomically: the same tables a single run of the plan gives. Returns the outcome and the
/// number of missing runs.
pub fn merge(dirs: &[PathBuf], out: &crate::output::Target) -> Result<(Outcome, u64), SweepError> {
    let Some(first) = dirs.first() else { return Err(SweepError::Spec("sweep merge: expected at least one folder".into())) };
    let m0 = read_manifest(first)?;
    let mut rows: Vec<Row> = Vec::new();
    for d in dirs {
        let m = read_manifest(d)?;
        if m.fingerprint != m0.fingerprint {
            return Err(SweepError::Spec(format!(
                "{} is a different sweep (fingerprint {}) from {} ({})",
                d.display(),
                m.fingerprint,
                first.display(),
                m0.fingerprint
            )));
        }
        let csv = d.join("sweep.csv");
        if !csv.exists() {
            return Err(SweepError::Spec(format!("{}: no sweep.csv (has this shard run?)", d.display())));
        }
        rows.extend(table::read_runs(&csv, m0.params.len())?);
    }
    rows.sort_by_key(|r| r.run);
    for w in rows.windows(2) {
        if w[0].run == w[1].run && w[0] != w[1] {
            return Err(SweepError::Spec(format!("run {} appears twice with different results", w[0].run)));
        }
    }
    rows.dedup_by_key(|r| r.run);
    let staging = out.stage()?;
    let params: Vec<String> = m0.params.iter().map(|p| p.path.clone()).collect();
    table::write_runs(&staging.file("sweep.csv"), &params, &rows)?;
    table::write_summary(&staging.file("sweep_summary.csv"), &params, &rows)?;
    let missing = m0.runs.saturating_sub(rows.len() as u64);
    let merged = Manifest { shard: None, completed: rows.len() as u64, complete: missing == 0, ..m0.clone() };
    write_manifest(&staging.file("sweep.json"), &merged)?;
    let dir = staging.commit()?;
    let n = rows.len() as u64;
    let outcome = Outcome { dir, runs: m0.runs, in_shard: m0.runs, skipped: n, ran: 0, threads: 0, wall_s: 0.0, rows, params };
    Ok((outcome, missing))
}
