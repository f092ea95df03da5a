//! Idle-capacity forecasts: how much of a center sits idle month by month as demand changes,
//! and when it must expand.
//!
//! ## How it works
//! A forecast is one continuous simulation per replication: a warm-up (not reported, so the
//! cluster starts the first month full, not empty), then `months` months of 730 h (a 365-day
//! year / 12). Every synthetic class's arrival rate is multiplied by the month's demand
//! multiplier ([`demand`]) through the scenario's [`crate::config::DemandSchedule`], which the
//! workload applies by thinning; the warm-up runs at month 1's demand. The run's timeseries and
//! job rows are folded by month as they stream ([`fold`]). Replications (seeds as in sweeps:
//! replication 0 is the scenario seed) run in parallel on a rayon pool; per month the
//! replications give p10/p50/p90 of every metric.
//!
//! The expansion trigger is the first month whose median (over replications) of the month's
//! median queue wait exceeds `max_wait`, or whose median rejection rate exceeds `max_reject`.
//!
//! An expansion `RACKS@MONTH` adds a rack group beside the first one (`halls[0].racks[0]`: its
//! node type, nodes per rack and rack power) that enters service at the start of MONTH
//! (`in_service`, see [`crate::config::RackGroup`]): one continuous run per replication, in
//! which the new racks draw no power and take no jobs before MONTH and the backlog of the
//! smaller center carries into it. Each replication also runs without the expansion (same seed,
//! so the same jobs arrive) to report the trigger without it. The horizon, the demand and the
//! added racks edit the document before it is resolved ([`crate::scenario::Overrides`]), so the
//! expanded center resolves as if its file listed the racks: default facility ratings
//! (transformers, UPS modules) are sized for it, as for a phased build-out.
//!
//! The finished [`Forecast`] is written as `forecast.csv` and `forecast.json`, and summed up on
//! the terminal, by [`report`].

pub mod demand;
pub mod fold;
pub mod report;

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

pub use demand::Demand;
use fold::{Calendar, Fold, JobsFold, SeriesFold};
pub use report::{text_summary, to_csv, write};

use crate::config::{DemandSchedule, Scenario};
use crate::engine::Simulation;
use crate::scenario::edit::Document;
use crate::scenario::{AddedRacks, Overrides};
use crate::sweep::stats::quantile;
use crate::sweep::{SweepError, replication_seed};

/// Length of a forecast month: a 365-day year / 12, ms.
pub const MONTH_MS: u64 = 730 * 3_600_000;

/// What to forecast.
#[derive(Debug, Clone)]
pub struct ForecastConfig {
    /// Months reported.
    pub months: usize,
    /// Warm-up before month 1, ms.
    pub warmup_ms: u64,
    /// Monte Carlo replications.
    pub replications: u32,
    /// The demand model.
    pub demand: Demand,
    /// Trigger: median queue wait above this, s.
    pub max_wait_s: f64,
    /// Trigger: rejection rate above this (0-1).
    pub max_reject: f64,
    /// Racks added to the first rack group from a month on.
    pub expand: Option<Expansion>,
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// `--allow-large`: the bounds of [`crate::engine::budget::Limits`] with the flag.
    pub allow_large: bool,
    /// Price uncertainty: each replication's lease prices are the scenario's times a factor
    /// drawn uniformly from [1 - spread, 1 + spread] (with `[finance]`; 0: none).
    pub price_spread: f64,
}

/// Memory of one month of a replication while it runs (the month's fold: wait histograms and
/// timeseries sums), bytes [measured: 5.9 MB more for 240 months than for 12 on classroom].
pub const MONTH_FOLD_BYTES: f64 = 27_648.0;
/// Memory of one month of one replication's results (about 40 metrics), bytes.
pub const MONTH_RESULT_BYTES: f64 = 320.0;

/// An expansion to try.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Expansion {
    /// Racks added.
    pub racks: u32,
    /// From this month on (1-based).
    pub month: u32,
}

impl Expansion {
    /// Parses `RACKS@MONTH`.
    pub fn parse(s: &str) -> Result<Expansion, SweepError> {
        let bad = || SweepError::Spec(format!("--expand {s:?}: expected RACKS@MONTH with both at least 1, like 4@9"));
        let (r, m) = s.split_once('@').ok_or_else(bad)?;
        let racks: u32 = r.trim().parse().ok().filter(|x| *x >= 1).ok_or_else(bad)?;
        let month: u32 = m.trim().parse().ok().filter(|x| *x >= 1).ok_or_else(bad)?;
        Ok(Expansion { racks, month })
    }
}

/// The metrics of one month of one replication, in [`METRICS`] order, then the extra
/// timeseries columns.
type MonthValues = Vec<f64>;

/// Core monthly metrics.
pub const METRICS: [&str; 9] = [
    "utilization_allocated",
    "utilization_effective",
    "idle_accelerator_hours",
    "wait_p50_s",
    "wait_p95_s",
    "reject_rate",
    "submitted",
    "queue_length",
    "it_energy_kwh",
];

/// Timeseries columns folded into the core metrics (the rest are reported as `ts.<column>`).
const CORE_COLUMNS: [&str; 7] = [
    "accelerators_allocated",
    "utilization_allocated",
    "utilization_effective",
    "it_power_kw",
    "it_energy_kwh",
    "queue_length",
    "running_jobs",
];

/// p10, p50, p90 over replications (None where no replication has a value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// 10th percentile.
    pub p10: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
}

/// One month of the forecast.
#[derive(Debug, Clone, Serialize)]
pub struct Month {
    /// 1-based.
    pub month: u32,
    /// Demand multiplier.
    pub demand: f64,
    /// Accelerators installed.
    pub accelerators: u64,
    /// Metric name to band, in column order (a JSON object).
    #[serde(serialize_with = "ordered_map")]
    pub metrics: Vec<(String, Band)>,
}

fn ordered_map<S: serde::Serializer>(v: &[(String, Band)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(v.iter().map(|(k, b)| (k, b)))
}

/// Where demand first outgrows the center.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    /// 1-based month.
    pub month: u32,
    /// What crossed its threshold.
    pub reason: String,
}

/// A finished forecast.
#[derive(Debug, Clone, Serialize)]
pub struct Forecast {
    /// aidc version.
    pub version: String,
    /// Scenario file.
    pub scenario: String,
    /// Scenario name.
    pub name: String,
    /// Months reported.
    pub months: usize,
    /// Month length, h.
    pub month_hours: f64,
    /// Warm-up, s.
    pub warmup_s: f64,
    /// Replications.
    pub replications: u32,
    /// How replication seeds are derived.
    pub seeds: String,
    /// The demand model.
    pub demand: Demand,
    /// Monthly multipliers.
    pub multipliers: Vec<f64>,
    /// Trigger thresholds.
    pub max_wait_s: f64,
    /// Rejection-rate threshold (0-1).
    pub max_reject: f64,
    /// The first month over a threshold (with the expansion, when one is tried).
    pub trigger: Option<Trigger>,
    /// The expansion tried, with how it was simulated.
    pub expansion: Option<ExpansionReport>,
    /// NPV and payback over the replications (with `[finance]`).
    pub finance: Option<ForecastEconomics>,
    /// The months.
    pub table: Vec<Month>,
}

/// NPV, payback and IRR over the replications (`finance` in forecast.json, with `[finance]`).
#[derive(Debug, Clone, Serialize)]
pub struct ForecastEconomics {
    /// Lease-price spread of the replications (0-1).
    pub price_spread: f64,
    /// NPV over the analysis years, CNY.
    pub npv_cny: Band,
    /// Payback month (None: never within the analysis years).
    pub payback_month: Band,
    /// Share of replications that never pay back.
    pub never_pays_share: f64,
    /// IRR of the replications that have one.
    pub irr: Band,
    /// The same without the expansion (with `--expand`).
    pub without_expansion: Option<Box<ForecastEconomics>>,
    /// Whether the expansion pays: its median NPV above the median NPV without it.
    pub expansion_pays: Option<bool>,
}

/// The expansion tried.
#[derive(Debug, Clone, Serialize)]
pub struct ExpansionReport {
    /// What was asked.
    pub expansion: Expansion,
    /// Accelerators in service before the expansion month.
    pub accelerators_before: u64,
    /// Accelerators in service from the expansion month on.
    pub accelerators_after: u64,
    /// The trigger without the expansion.
    pub trigger_without: Option<Trigger>,
    /// How it was simulated.
    pub method: String,
}

const CONTINUOUS: &str = "one continuous run per replication: the added racks enter service at the start of the expansion month \
(no power, no jobs before it), and the backlog of the smaller center carries into it";

/// One replication's economics (with `[finance]`): NPV, CNY; payback month (None: never); IRR.
type Economics = Option<(f64, Option<f64>, Option<f64>)>;

/// One replication's months and economics.
fn replicate(sc: &Scenario, cal: Calendar) -> (Vec<MonthValues>, Vec<String>, Economics) {
    let sim = Simulation::new(sc, Fold::Series(SeriesFold::new(cal)), Fold::Jobs(JobsFold::new(cal)));
    let Ok(mut sim) = sim else { unreachable!("folds never fail to write") };
    let _ = sim.run(|_| {});
    let Ok((summary, _, Fold::Series(ts), Fold::Jobs(jobs))) = sim.finish(0.0) else { unreachable!("folds never fail to write") };
    let economics = summary.finance.as_ref().map(|f| (f.npv_cny, f.payback_month, f.irr));
    let col = |n: &str| ts.column(n);
    // With a facility, the month's PUE is energy-weighted: mean facility power / mean IT power
    // over the same intervals (the mean of per-interval PUE would weight idle hours too much).
    let facility = col("facility_power_kw");
    let extras: Vec<usize> =
        (0..ts.columns.len()).filter(|k| !CORE_COLUMNS.contains(&ts.columns[*k].as_str()) && ts.columns[*k] != "pue").collect();
    let mut names: Vec<String> = extras.iter().map(|k| format!("ts.{}", ts.columns[*k])).collect();
    if facility.is_some() {
        names.push("pue".to_string());
    }
    let months = (0..cal.months)
        .map(|m| {
            let get = |n: &str| col(n).map_or(f64::NAN, |k| ts.value(m, k));
            let hours = ts.covered_ms[m] / 3.6e6;
            let u = get("utilization_allocated");
            // Utilization is relative to the accelerators in service; an expansion starts a month.
            let installed = sc.accelerators_in_service_at(cal.warmup_ms + m as u64 * cal.month_ms) as f64;
            let w = &jobs.waits[m];
            let wait = |q: f64| if w.is_empty() { f64::NAN } else { w.quantile_ms(q) / 1000.0 };
            let sub = jobs.submitted[m];
            let mut v = vec![
                u,
                get("utilization_effective"),
                (1.0 - u) * installed * hours,
                wait(0.5),
                wait(0.95),
                if sub > 0 { jobs.rejected[m] as f64 / sub as f64 } else { 0.0 },
                sub as f64,
                get("queue_length"),
                get("it_energy_kwh"),
            ];
            v.extend(extras.iter().map(|&k| ts.value(m, k)));
            if let Some(k) = facility {
                v.push(ts.value(m, k) / get("it_power_kw"));
            }
            v
        })
        .collect();
    (months, names, economics)
}

fn band(mut xs: Vec<f64>) -> Band {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        return Band { p10: None, p50: None, p90: None };
    }
    xs.sort_by(f64::total_cmp);
    Band { p10: Some(quantile(&xs, 0.1)), p50: Some(quantile(&xs, 0.5)), p90: Some(quantile(&xs, 0.9)) }
}

fn trigger(table: &[Month], max_wait_s: f64, max_reject: f64) -> Option<Trigger> {
    let p50 = |m: &Month, name: &str| m.metrics.iter().find(|(n, _)| n == name).and_then(|(_, b)| b.p50);
    table.iter().find_map(|m| {
        let wait = p50(m, "wait_p50_s").filter(|w| *w > max_wait_s);
        let reject = p50(m, "reject_rate").filter(|r| *r > max_reject);
        match (wait, reject) {
            (Some(w), _) => Some(Trigger { month: m.month, reason: format!("median queue wait {} > {}", fmt_s(w), fmt_s(max_wait_s)) }),
            (None, Some(r)) => {
                Some(Trigger { month: m.month, reason: format!("rejection rate {:.2} % > {:.2} %", 100.0 * r, 100.0 * max_reject) })
            }
            _ => None,
        }
    })
}

/// A duration in seconds for people: "45 s", "12 min", "3.4 h", "2.1 d".
fn fmt_s(s: f64) -> String {
    match s {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} d", s / 86_400.0),
    }
}

/// Runs a forecast of the scenario file `path`.
pub fn run(path: &Path, cfg: &ForecastConfig, progress: &indicatif::ProgressBar) -> Result<Forecast, SweepError> {
    if cfg.months == 0 || cfg.months > 1200 {
        return Err(SweepError::Spec(format!("--months: expected 1 to 1200, found {}", cfg.months)));
    }
    if cfg.replications == 0 {
        return Err(SweepError::Spec("--replications: expected at least 1".into()));
    }
    let doc = Document::read(path)?;
    let base = doc.resolve()?;
    let cal = Calendar { warmup_ms: cfg.warmup_ms, month_ms: MONTH_MS, months: cfg.months };
    let base_rate: f64 = base.classes.iter().map(|c| c.rate_per_s).sum();
    let multipliers = cfg.demand.multipliers(cfg.months, base_rate);
    if base.classes.is_empty() && multipliers.iter().any(|m| *m != 1.0) {
        return Err(SweepError::Spec(
            "--growth/--step/--demand: the scenario has no [[workload.classes]]; demand changes apply to synthetic classes, not to traces"
                .into(),
        ));
    }
    let schedule = DemandSchedule {
        steps: multipliers.iter().enumerate().map(|(m, x)| (if m == 0 { 0 } else { cfg.warmup_ms + m as u64 * MONTH_MS }, *x)).collect(),
    };
    let horizon_ms = cfg.warmup_ms + cfg.months as u64 * MONTH_MS;
    crate::scenario::resolve::check_horizon(horizon_ms).map_err(|e| SweepError::Spec(format!("--months/--warmup: {e}")))?;
    // The forecast's horizon and demand, and the expansion, edit the document before it is
    // resolved; each replication resolves it with its own seed.
    let prepared = Overrides { horizon_ms: Some(horizon_ms), demand: Some(schedule), ..Overrides::default() };
    let expanded = match cfg.expand {
        Some(e) if e.month as usize <= cfg.months => {
            if base.halls.first().and_then(|h| h.racks.first()).is_none() {
                return Err(SweepError::Spec("--expand: the scenario has no halls[0].racks[0] to copy the added racks from".into()));
            }
            let in_service_ms = cfg.warmup_ms + (e.month as u64 - 1) * MONTH_MS;
            Some(Overrides { added_racks: Some(AddedRacks { count: e.racks, in_service_ms }), ..prepared.clone() })
        }
        Some(e) => return Err(SweepError::Spec(format!("--expand: month {} is after the last month {}", e.month, cfg.months))),
        None => None,
    };
    let overrides: Vec<Overrides> = std::iter::once(prepared.clone()).chain(expanded.clone()).collect();
    let mut variants: Vec<Scenario> = vec![doc.resolve_with(&prepared)?];
    if let (Some(o), Some(e)) = (&expanded, cfg.expand) {
        // An error only the expansion causes is the flag's.
        variants.push(doc.resolve_with(o).map_err(|err| SweepError::Spec(format!("--expand {}@{}: {err}", e.racks, e.month)))?);
    }
    let threads = guard(&doc, &variants.iter().collect::<Vec<_>>(), cfg)?;
    let jobs: Vec<(usize, u32)> = (0..variants.len()).flat_map(|v| (0..cfg.replications).map(move |r| (v, r))).collect();
    progress.set_length(jobs.len() as u64);
    let pool = crate::sweep::pool(Some(threads))?;
    let results: Vec<(Vec<MonthValues>, Vec<String>, Economics)> = pool.install(|| {
        jobs.par_iter()
            .map(|&(v, r)| {
                let seeded = Overrides { seed: Some(replication_seed(base.seed, r)), ..overrides[v].clone() };
                let mut sc = doc.resolve_with(&seeded)?;
                let factor = price_factor(base.seed, r, cfg.price_spread);
                if let Some(f) = sc.finance.as_mut() {
                    f.accelerators.iter_mut().for_each(|a| a.lease_cny_per_hour *= factor);
                }
                let out = replicate(&sc, cal);
                progress.inc(1);
                Ok(out)
            })
            .collect::<Result<_, SweepError>>()
    })?;
    let names: Vec<String> = METRICS.iter().map(|s| s.to_string()).chain(results[0].1.iter().cloned()).collect();
    let reps = cfg.replications as usize;
    let table_of = |variant: usize| -> Vec<Month> {
        (0..cfg.months)
            .map(|m| {
                let sc = &variants[variant];
                let metrics = names
                    .iter()
                    .enumerate()
                    .map(|(k, n)| {
                        let xs = results[variant * reps..(variant + 1) * reps].iter().map(|r| r.0[m].get(k).copied().unwrap_or(f64::NAN));
                        (n.clone(), band(xs.collect()))
                    })
                    .collect();
                let accelerators = sc.accelerators_in_service_at(cfg.warmup_ms + m as u64 * MONTH_MS);
                Month { month: m as u32 + 1, demand: multipliers[m], accelerators, metrics }
            })
            .collect()
    };
    let economics_of = |variant: usize| economics(&results[variant * reps..(variant + 1) * reps]);
    let finance = economics_of(variants.len() - 1).map(|mut e| {
        e.price_spread = cfg.price_spread;
        if variants.len() > 1
            && let Some(mut w) = economics_of(0)
        {
            w.price_spread = cfg.price_spread;
            e.expansion_pays = match (e.npv_cny.p50, w.npv_cny.p50) {
                (Some(with), Some(without)) => Some(with > without),
                _ => None,
            };
            e.without_expansion = Some(Box::new(w));
        }
        e
    });
    let base_table = table_of(0);
    let base_trigger = trigger(&base_table, cfg.max_wait_s, cfg.max_reject);
    let (table, expansion) = match (cfg.expand, variants.get(1)) {
        (Some(e), Some(x)) => {
            let t = table_of(1);
            let report = ExpansionReport {
                expansion: e,
                accelerators_before: base.accelerators_in_service_at(0),
                accelerators_after: x.accelerators(),
                trigger_without: base_trigger.clone(),
                method: CONTINUOUS.to_string(),
            };
            (t, Some(report))
        }
        _ => (base_table, None),
    };
    Ok(Forecast {
        version: crate::VERSION.to_string(),
        scenario: path.display().to_string(),
        name: base.name.clone(),
        months: cfg.months,
        month_hours: MONTH_MS as f64 / 3.6e6,
        warmup_s: cfg.warmup_ms as f64 / 1000.0,
        replications: cfg.replications,
        seeds: "replication 0 uses the scenario's simulation.seed; replication k > 0 the first u64 of the stream \"replication/k\" of it"
            .into(),
        demand: cfg.demand.clone(),
        multipliers,
        max_wait_s: cfg.max_wait_s,
        max_reject: cfg.max_reject,
        trigger: trigger(&table, cfg.max_wait_s, cfg.max_reject),
        expansion,
        finance,
        table,
    })
}

/// Replication `r`'s lease-price factor: uniform in [1 - spread, 1 + spread], from its own
/// stream of the scenario's seed (the same for the runs with and without an expansion, so
/// their NPVs are paired).
fn price_factor(seed: u64, r: u32, spread: f64) -> f64 {
    use rand::RngExt;
    if spread <= 0.0 {
        return 1.0;
    }
    let u: f64 = crate::time::rng::stream(seed, &format!("forecast/price/{r}")).random();
    1.0 + spread * (2.0 * u - 1.0)
}

/// The economics over replications (None without `[finance]`). A center that never pays back
/// counts as later than any month, so a percentile that falls on it is "never" (None).
fn economics(reps: &[(Vec<MonthValues>, Vec<String>, Economics)]) -> Option<ForecastEconomics> {
    let e: Vec<(f64, Option<f64>, Option<f64>)> = reps.iter().filter_map(|r| r.2).collect();
    if e.is_empty() {
        return None;
    }
    let mut payback: Vec<f64> = e.iter().map(|x| x.1.unwrap_or(f64::INFINITY)).collect();
    payback.sort_by(f64::total_cmp);
    let q = |p: f64| Some(quantile(&payback, p)).filter(|v| v.is_finite());
    let never = e.iter().filter(|x| x.1.is_none()).count() as f64 / e.len() as f64;
    Some(ForecastEconomics {
        price_spread: 0.0,
        npv_cny: band(e.iter().map(|x| x.0).collect()),
        payback_month: Band { p10: q(0.1), p50: q(0.5), p90: q(0.9) },
        never_pays_share: never,
        irr: band(e.iter().filter_map(|x| x.2).collect()),
        without_expansion: None,
        expansion_pays: None,
    })
}

/// Bounds the runs as sweeps are bounded (at most [`crate::sweep::design::MAX_POINTS`]), refuses
/// a variant whose run would not fit (the field, or `--expand` for the expanded center), and
/// returns how many replications fit in memory at once.
fn guard(doc: &Document, variants: &[&Scenario], cfg: &ForecastConfig) -> Result<usize, SweepError> {
    use crate::engine::budget;
    let runs = variants.len() as u64 * cfg.replications as u64;
    let max = crate::sweep::design::MAX_POINTS as u64;
    if runs > max {
        return Err(SweepError::Spec(format!(
            "--replications: the forecast has {} runs ({} replications x {} variant(s)); at most {} are allowed",
            budget::count(runs as f64),
            budget::count(cfg.replications as f64),
            variants.len(),
            budget::count(max as f64)
        )));
    }
    let max_nodes = crate::scenario::resolve::MAX_NODES;
    if let (Some(x), Some(e)) = (variants.get(1).filter(|x| x.nodes() > max_nodes), cfg.expand) {
        let found = budget::count(x.nodes() as f64);
        return Err(SweepError::Spec(format!("--expand {}@{}: at most {max_nodes} nodes are supported, found {found}", e.racks, e.month)));
    }
    let limits = budget::Limits::of_machine(None, cfg.allow_large).map_err(|e| SweepError::Spec(e.to_string()))?;
    let mut per_run: f64 = 0.0;
    for (v, sc) in variants.iter().enumerate() {
        let est = budget::estimate(sc, budget::Outputs::default());
        budget::check(&est, &limits).map_err(|r| match (v, cfg.expand) {
            (1, Some(e)) => SweepError::Spec(format!("--expand {}@{}: {}", e.racks, e.month, r.message)),
            _ => SweepError::Scenario(r.located(sc, Some(&doc.text))),
        })?;
        per_run = per_run.max(est.parallel_run_bytes() + cfg.months as f64 * MONTH_FOLD_BYTES);
    }
    // Each run's months, and the names of its extra columns.
    let results = runs as f64 * (cfg.months as f64 * MONTH_RESULT_BYTES + 1024.0);
    let wanted = cfg.threads.filter(|t| *t > 0).unwrap_or_else(rayon::current_num_threads).min(runs as usize);
    budget::parallel_runs(per_run, results, wanted, &limits).map_err(|m| SweepError::Spec(format!("--replications/--months: {m}")))
}
