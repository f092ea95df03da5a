//! Parameter sweeps with replications: many independent runs of edited scenarios, on all cores,
//! folded into tables.
//!
//! ## How it works
//! A [`Plan`] is a scenario document, parameters ([`spec::Param`]: a path and its values), a
//! design (grid, random, Latin hypercube) and a number of replications. [`Plan::prepare`]
//! expands the design into points, applies each point to the raw TOML document and resolves it
//! (so every value is checked like a scenario file) before anything runs: a bad path or value
//! stops the sweep with the path named. Run `r` is replication `r mod R` of point `r div R`;
//! replication 0 uses the point's own `simulation.seed` (so it reproduces `aidc run`),
//! replication k > 0 the first draw of the named stream `replication/k` of that seed. The same
//! replication of every point shares its seed (common random numbers), which sharpens
//! comparisons between points.
//!
//! [`run`] executes the runs of a shard (`--shard K/N` takes runs with r mod N = K − 1) on a
//! rayon pool, one [`crate::engine::Simulation`] per run via
//! [`crate::engine::run_in_memory`]. Each finished run is appended as one JSON line to
//! `sweep.partial.jsonl` and flushed, so an interrupted sweep keeps its work; a re-run with the
//! same plan (same fingerprint in `sweep.json`) skips those runs. At the end the rows are sorted
//! by run index and the tables are written atomically ([`table`]), so results do not depend on
//! the thread count. [`merge`] folds shard folders into the tables one run would give.

pub mod design;
pub mod spec;
pub mod stats;
pub mod table;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::scenario::edit::{Document, EditError, plain};
pub use design::Point;
pub use spec::{Design, Param, PlanFile};
use table::Row;

use crate::engine::budget::{self, Estimate, Limits};
use crate::scenario::{Overrides, Scenario, ScenarioError};

/// Memory of one run's row (about 120 metrics, each a name and a value) while a sweep runs,
/// bytes [measured: 76 to 120 columns in sweep.csv of the ready scenarios; a name and an
/// optional value take about 100 bytes].
pub const ROW_BYTES: f64 = 16_384.0;
/// Disk a run takes at the sweep's peak: its sweep.csv row (1.7 kB for 120 metrics), its line of
/// sweep.partial.jsonl (names and values, 4.8 kB) and its share of sweep_summary.csv, bytes.
pub const OUTPUT_BYTES_PER_RUN: f64 = 8_192.0;

/// Why a sweep (or forecast) could not run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A bad specification: path, value, range, design or plan (bad input, exit code 2).
    #[error("{}", crate::scenario::error::clip(.0))]
    Spec(String),
    /// A parameter's VALUES text does not parse (bad input, exit code 2).
    #[error("{path}: {source}")]
    Values {
        /// The parameter path.
        path: String,
        /// What is wrong with its values.
        source: spec::ValuesError,
    },
    /// A parameter path that does not parse or lead into the document (bad input, exit code 2).
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The base scenario is invalid (bad input, exit code 2).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The output folder was refused (bad input, exit code 2), or staging it failed.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Resolves an (edited) document; errors say which assignments (`context`) produced it.
fn resolve_point(doc: &Document, context: &str) -> Result<Scenario, SweepError> {
    doc.resolve().map_err(|e| match e {
        ScenarioError::Invalid(d) if !context.is_empty() => {
            SweepError::Spec(format!("{context}: {}: {} (in {})", d.field, d.message, doc.path.display()))
        }
        other => other.into(),
    })
}

/// Parts of federation.json left out of a federation sweep's metric columns.
const FEDERATION_SKIPPED: [&str; 3] = ["federation", "baseline", "vs_baseline"];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io { path: path.to_path_buf(), source }
}

/// The seed of replication `k` of a point whose scenario seed is `base`.
pub fn replication_seed(base: u64, k: u32) -> u64 {
    if k == 0 { base } else { crate::time::rng::stream(base, &format!("replication/{k}")).random() }
}

/// What to sweep.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The base scenario.
    pub doc: Document,
    /// Swept parameters, in order.
    pub params: Vec<Param>,
    /// How points are chosen.
    pub design: Design,
    /// Points of a random or LHS design.
    pub samples: Option<usize>,
    /// Runs per point (>= 1).
    pub replications: u32,
    /// Seed of the random and LHS designs.
    pub design_seed: u64,
}

/// A plan expanded into validated points.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The plan.
    pub plan: Plan,
    /// The scenario's name.
    pub name: String,
    /// Parameter values per point.
    pub points: Vec<Point>,
    /// The edited scenario text of each point.
    pub texts: Vec<String>,
    /// The resolved `simulation.seed` of each point.
    pub seeds: Vec<u64>,
    /// The estimate of the heaviest run (most memory) of any point.
    pub heaviest: Estimate,
    /// The limits the sweep is held to.
    pub limits: Limits,
    /// Sites per run: 1 for a scenario, the number of sites for a federation (whose runs hold
    /// every site in memory at once).
    pub sites: usize,
}

/// A deterministic slice of a plan: runs with index mod `n` = `k` − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(s: &str) -> Result<Shard, SweepError> {
        let bad = || SweepError::Spec(format!("--shard {s:?}: expected K/N with 1 <= K <= N, like 3/10"));
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether run `r` belongs to this shard.
    pub fn contains(&self, r: u64) -> bool {
        r % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// 64-bit FNV-1a, for plan fingerprints.
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Plan {
    /// Expands the design and resolves every point; fails before any run on a bad path or value,
    /// or on a point whose run would not fit in `limits` (see [`crate::engine::budget`]).
    pub fn prepare(self, limits: &Limits) -> Result<Prepared, SweepError> {
        if self.replications == 0 {
            return Err(SweepError::Spec("--replications: expected at least 1".into()));
        }
        let federation = crate::scenario::federation::is_federation(&self.doc.text);
        if federation {
            return self.prepare_federation(limits);
        }
        let base = self.doc.resolve()?;
        let points = self.points(limits)?;
        // The edited text of every point is kept for its runs: check it fits before editing.
        let texts_bytes = points.len() as f64 * self.doc.text.len() as f64;
        if let Some(cap) = limits.memory_cap().filter(|cap| texts_bytes > *cap) {
            return Err(SweepError::Spec(format!(
                "the plan's {} points keep {} of edited scenario text in memory, more than a run may use here ({}); use fewer points",
                budget::count(points.len() as f64),
                budget::bytes(texts_bytes),
                budget::bytes(cap)
            )));
        }
        let checked: Result<Vec<(String, u64, Estimate)>, SweepError> = points
            .par_iter()
            .map(|point| {
                let sets: Vec<_> = self.params.iter().map(|p| &p.path).zip(point.iter()).collect();
                let context = sets.iter().map(|(p, v)| format!("{p}={}", plain(v))).collect::<Vec<_>>().join(" ");
                let doc = self.doc.with(&sets)?;
                let sc = resolve_point(&doc, &format!("--set {context}"))?;
                let est = budget::estimate(&sc, budget::Outputs::default());
                budget::check(&est, limits).map_err(|r| {
                    let at = if context.is_empty() { String::new() } else { format!("--set {context}: ") };
                    SweepError::Spec(format!("{at}{}: {} (in {})", r.field, r.message, self.doc.path.display()))
                })?;
                Ok((doc.text, sc.seed, est))
            })
            .collect();
        let mut texts = Vec::new();
        let mut seeds = Vec::new();
        let mut heaviest = budget::estimate(&base, budget::Outputs::default());
        for (text, seed, est) in checked? {
            texts.push(text);
            seeds.push(seed);
            if est.memory_bound_bytes() > heaviest.memory_bound_bytes() {
                heaviest = est;
            }
        }
        Ok(Prepared { name: base.name, plan: self, points, texts, seeds, heaviest, limits: *limits, sites: 1 })
    }

    /// The design's points, refused when the plan has too many runs or would write too much.
    fn points(&self, limits: &Limits) -> Result<Vec<design::Point>, SweepError> {
        let points = design::points(&self.params, self.design, self.samples, self.design_seed)?;
        let total = points.len() as u64 * self.replications as u64;
        if total > design::MAX_POINTS as u64 {
            return Err(SweepError::Spec(format!("the plan has {total} runs; at most {} are allowed", design::MAX_POINTS)));
        }
        let written = total as f64 * OUTPUT_BYTES_PER_RUN;
        if let Err((over, flag)) = limits.check_output(written) {
            return Err(SweepError::Spec(format!(
                "the plan's {} runs would write about {} of tables, more than {over}; use fewer points or replications{}",
                budget::count(total as f64),
                budget::bytes(written),
                budget::or_flag(flag)
            )));
        }
        Ok(points)
    }

    /// [`Plan::prepare`] for a federation file: every point is resolved as a federation and each
    /// of its sites checked against an equal share of the limits.
    fn prepare_federation(self, limits: &Limits) -> Result<Prepared, SweepError> {
        use crate::scenario::federation as fed;
        let base = fed::load_str(&self.doc.text, &self.doc.path, None, None)?;
        let points = self.points(limits)?;
        let share = limits.shared_by(base.sites.len());
        let mut texts = Vec::with_capacity(points.len());
        let mut seeds = Vec::with_capacity(points.len());
        let mut heaviest = budget::estimate(&base.sites[0].scenario, budget::Outputs::default());
        let mut sites = base.sites.len();
        for point in &points {
            let sets: Vec<_> = self.params.iter().map(|p| &p.path).zip(point.iter()).collect();
            let context = sets.iter().map(|(p, v)| format!("{p}={}", plain(v))).collect::<Vec<_>>().join(" ");
            let doc = self.doc.with(&sets)?;
            let f = fed::load_str(&doc.text, &doc.path, None, None).map_err(|e| match e {
                ScenarioError::Invalid(d) if !context.is_empty() => {
                    SweepError::Spec(format!("--set {context}: {}: {} (in {})", d.field, d.message, doc.path.display()))
                }
                other => other.into(),
            })?;
            for s in &f.sites {
                let est = budget::estimate(&s.scenario, budget::Outputs::default());
                budget::check(&est, &share)
                    .map_err(|r| SweepError::Spec(format!("--set {context}: site {}: {}: {}", s.name, r.field, r.message)))?;
                if est.memory_bound_bytes() > heaviest.memory_bound_bytes() {
                    heaviest = est;
                }
            }
            sites = sites.max(f.sites.len());
            texts.push(doc.text);
            seeds.push(f.seed);
        }
        Ok(Prepared { name: base.name, plan: self, points, texts, seeds, heaviest, limits: *limits, sites })
    }
}

impl Prepared {
    /// Runs in the whole plan.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.plan.replications as u64
    }

    /// The parameter paths (column names).
    pub fn param_names(&self) -> Vec<String> {
        self.plan.params.iter().map(|p| p.path.text.clone()).collect()
    }

    /// Identifies the plan (scenario text, parameters, design, replications, version), not the shard.
    pub fn fingerprint(&self) -> String {
        let p = &self.plan;
        let mut h = fnv1a(p.doc.text.as_bytes(), 0xcbf2_9ce4_8422_2325);
        let desc = format!(
            "{}|{:?}|{:?}|{}|{}|{}",
            crate::VERSION,
            p.design,
            p.samples,
            p.replications,
            p.design_seed,
            p.params.iter().map(|q| format!("{}={}", q.path, q.spec)).collect::<Vec<_>>().join("|")
        );
        h = fnv1a(desc.as_bytes(), h);
        format!("{h:016x}")
    }

    /// Runs one run in memory.
    pub fn run_one(&self, r: u64) -> Result<Row, SweepError> {
        let reps = self.plan.replications as u64;
        let (point, replication) = ((r / reps) as usize, (r % reps) as u32);
        let seed = replication_seed(self.seeds[point], replication);
        if self.sites > 1 || crate::scenario::federation::is_federation(&self.texts[point]) {
            let fed = crate::scenario::federation::load_str(&self.texts[point], &self.plan.doc.path, None, Some(seed))?;
            let (summary, _) = crate::engine::federation::run_in_memory(&fed, fed.dispatcher);
            // Sites by name, so that each site's figures are columns.
            let mut value = serde_json::to_value(&summary).unwrap_or_default();
            if let Some(obj) = value.as_object_mut() {
                let by_name: serde_json::Map<String, serde_json::Value> =
                    summary.sites.iter().filter_map(|s| Some((s.name.clone(), serde_json::to_value(s).ok()?))).collect();
                obj.insert("sites".into(), serde_json::Value::Object(by_name));
            }
            return Ok(Row {
                run: r,
                point: point as u64,
                replication,
                seed,
                params: self.points[point].iter().map(plain).collect(),
                metrics: stats::leaves(&value, &FEDERATION_SKIPPED),
            });
        }
        let sc = crate::scenario::load_str_with(
            &self.texts[point],
            &self.plan.doc.path,
            &Overrides { seed: Some(seed), ..Overrides::default() },
        )?;
        let (summary, _) = crate::engine::run_in_memory(&sc);
        Ok(Row {
            run: r,
            point: point as u64,
            replication,
            seed: sc.seed,
            params: self.points[point].iter().map(plain).collect(),
            metrics: stats::leaves(&summary, &stats::SKIPPED),
        })
    }
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
