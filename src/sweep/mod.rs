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
//! [`run`] ([`execute`]) executes the runs of a shard (`--shard K/N` takes runs with r mod N = K − 1) on a
//! rayon pool, one [`crate::engine::Simulation`] per run via
//! [`crate::engine::run_in_memory`]. Each finished run is appended as one JSON line to
//! `sweep.partial.jsonl` and flushed, so an interrupted sweep keeps its work; a re-run with the
//! same plan (same fingerprint in `sweep.json`) skips those runs. At the end the rows are sorted
//! by run index and the tables are written atomically ([`table`]), so results do not depend on
//! the thread count. [`merge`] folds shard folders into the tables one run would give.

pub mod design;
pub mod execute;
pub mod spec;
pub mod stats;
pub mod table;

use std::path::PathBuf;

use rand::RngExt;
use rayon::prelude::*;

use crate::scenario::edit::{Document, EditError, plain};
pub use design::Point;
pub use execute::{Manifest, ManifestParam, Outcome, SweepOptions, merge, pool, read_manifest, run};
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
