//! `aidc sweep`: run a scenario over a design of parameter values with replications, and
//! `aidc sweep merge`: fold shard folders into one set of tables.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::sweep_error;
use crate::output::{Kind, Target};
use crate::scenario::edit::Document;
use crate::sweep::table::fold_points;
use crate::sweep::{Design, Param, Plan, PlanFile, Shard, SweepOptions};

/// Run a scenario over a design of parameter values, N replications per point, on all cores.
///
/// Each --set PATH=VALUES edits the scenario file before it is resolved, so every value is
/// checked like the file itself; a bad path or value stops the sweep before any run. PATH is
/// dotted (`scheduler.policy`), array elements by index (`workload.classes.0.rate` or
/// `workload.classes[0].rate`) or by name (`workload.classes[name=debug].rate`). VALUES is a
/// list (`fifo,backfill`), a stepped range with the ends included (`28..40:4`, `1/h..4/h:1/h`),
/// or, for --design random and lhs, bounds (`0.5..2.0`). Writes sweep.csv (one row per run),
/// sweep_summary.csv (per point: n, mean and 95 % Student-t half-width of every metric) and
/// sweep.json (the plan). A re-run with the same plan skips the runs already done.
///
/// DIR may be new, empty, or an aidc sweep folder, which the sweep adds to (resuming); anything
/// else is refused with exit code 2 before any run, unless --force, which first empties DIR
/// (never /, the home folder, the current folder or the scenario's folder).
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:
  aidc sweep scenarios/classroom.toml --set scheduler.policy=fifo,backfill --set 'workload.classes[name=debug].rate=30/d..90/d:30/d' -n 5 --out output/sweep-policy
  aidc sweep scenarios/classroom.toml --set halls.0.racks.0.count=4..12 --design lhs --samples 20 -n 3 --out output/sweep-racks
  aidc sweep scenarios/classroom.toml --plan scenarios/sweeps/classroom-lhs.toml --shard 1/2 --out output/shard-1
  aidc sweep scenarios/classroom.toml --plan scenarios/sweeps/classroom-lhs.toml --shard 2/2 --out output/shard-2
  aidc sweep merge output/shard-1 output/shard-2 --out output/sweep-merged"
)]
pub struct SweepArgs {
    #[command(subcommand)]
    cmd: Option<SweepCmd>,
    /// The scenario file (TOML).
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// A swept parameter (repeatable): PATH=VALUES.
    #[arg(long = "set", value_name = "PATH=VALUES")]
    set: Vec<String>,
    /// A plan file: design, samples, replications, design_seed and [[set]] path/values entries.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// How points are chosen [default: grid].
    #[arg(long, value_enum)]
    design: Option<Design>,
    /// Points of a random or lhs design.
    #[arg(long, value_name = "N")]
    samples: Option<usize>,
    /// Runs per point, each with its own seed [default: 1].
    #[arg(long, short = 'n', value_name = "N")]
    replications: Option<u32>,
    /// Seed of the random and lhs designs [default: 1].
    #[arg(long, value_name = "N")]
    design_seed: Option<u64>,
    /// Run only slice K of N (runs with index mod N = K - 1), for batch schedulers.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Output folder [default: output/<name>-sweep, or output/<name>-sweep-shard-K-of-N].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores, or RAYON_NUM_THREADS; fewer where memory holds fewer runs].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Replace results of a different plan found in the output folder.
    #[arg(long)]
    fresh: bool,
    /// Use DIR even when it is not an aidc sweep folder, removing what it holds (see above).
    #[arg(long)]
    force: bool,
    /// Allow runs and tables over the default bounds (half the memory available, 4 GiB of
    /// tables): up to 90 % of the memory and of the free disk space.
    #[arg(long)]
    allow_large: bool,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum SweepCmd {
    Merge(MergeArgs),
}

/// Fold the sweep.csv of shard folders of one plan into the tables a single run gives.
///
/// DIR is written atomically. An existing DIR is replaced only when it is an aidc sweep folder
/// holding only what aidc wrote, or empty; anything else is refused with exit code 2 unless
/// --force (never /, the home folder, the current folder or a folder holding a shard).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  aidc sweep merge out/shard-1 out/shard-2 out/shard-3 --out out/merged")]
struct MergeArgs {
    /// Shard folders (each with sweep.json and sweep.csv).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace DIR even when it is not an aidc sweep folder (see above).
    #[arg(long)]
    force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `aidc sweep` (or `aidc sweep merge`).
pub fn sweep(a: SweepArgs) -> anyhow::Result<ExitCode> {
    if let Some(SweepCmd::Merge(m)) = a.cmd {
        return merge(m);
    }
    let Some(scenario) = a.scenario else { return Err(super::BadInput("sweep: expected a scenario file".into()).into()) };
    let file = match &a.plan {
        Some(p) => PlanFile::read(p).map_err(sweep_error)?,
        None => PlanFile::default(),
    };
    let mut params = file.params().map_err(sweep_error)?;
    for s in &a.set {
        params.push(Param::parse_assignment(s).map_err(sweep_error)?);
    }
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.path == p.path) {
            return Err(super::BadInput(format!("{}: set twice", p.path)).into());
        }
    }
    let shard = a.shard.as_deref().map(Shard::parse).transpose().map_err(sweep_error)?;
    let plan = Plan {
        doc: Document::read(&scenario)?,
        params,
        design: a.design.or(file.design).unwrap_or(Design::Grid),
        samples: a.samples.or(file.samples),
        replications: a.replications.or(file.replications).unwrap_or(1),
        design_seed: a.design_seed.or(file.design_seed).unwrap_or(1),
    };
    let at = a.out.clone().unwrap_or_else(|| PathBuf::from("output"));
    let limits = crate::engine::budget::Limits::of_machine(Some(&at), a.allow_large).map_err(|e| super::BadInput(e.to_string()))?;
    let prep = plan.prepare(&limits).map_err(sweep_error)?;
    let out = a.out.unwrap_or_else(|| {
        let dir = match shard {
            Some(s) => format!("{}-sweep-shard-{}-of-{}", prep.name, s.k, s.n),
            None => format!("{}-sweep", prep.name),
        };
        PathBuf::from("output").join(dir)
    });
    if !a.quiet {
        errln!(
            "sweep {}: {} point(s) x {} replication(s) = {} runs ({} design){}",
            prep.name,
            prep.points.len(),
            prep.plan.replications,
            prep.runs(),
            format!("{:?}", prep.plan.design).to_lowercase(),
            shard.map_or(String::new(), |s| format!("; shard {s}"))
        );
    }
    let mut target = Target::new(out, Kind::Sweep).force(a.force).input(&scenario);
    if let Some(p) = &a.plan {
        target = target.input(p);
    }
    let opts = SweepOptions { threads: a.threads, progress: !a.quiet, fresh: a.fresh, shard };
    let o = crate::sweep::run(&prep, &target, &opts).map_err(sweep_error)?;
    if !a.quiet {
        if o.skipped > 0 {
            errln!("{} of {} runs already done in {}: skipped", o.skipped, o.in_shard, o.dir.display());
        }
        let rate = if o.wall_s > 0.0 { o.ran as f64 / o.wall_s } else { 0.0 };
        outln!("{} runs in {:.2} s on {} threads ({rate:.1} runs/s); outputs in {}", o.ran, o.wall_s, o.threads, o.dir.display());
        print_points(&o);
    }
    Ok(ExitCode::SUCCESS)
}

/// The first points with allocation utilization and p95 wait (mean ± 95 % half-width); for a
/// federation, its utilization over all sites and mean wait.
fn print_points(o: &crate::sweep::Outcome) {
    const SHOWN: usize = 12;
    let federation = o.rows.first().is_some_and(|r| r.metrics.iter().any(|(k, _)| k == "totals.utilization_allocated"));
    let (cols, wait) = if federation {
        (["totals.utilization_allocated".to_string(), "totals.wait_mean_s".to_string()], "mean wait h")
    } else {
        (["utilization.allocated_mean".to_string(), "jobs.wait_s.p95".to_string()], "wait p95 h")
    };
    let points = fold_points(&o.rows, &cols);
    let pm = |s: Option<(f64, Option<f64>)>, scale: f64| match s {
        Some((m, Some(h))) => format!("{:.2} ± {:.2}", m * scale, h * scale),
        Some((m, None)) => format!("{:.2}", m * scale),
        None => "-".into(),
    };
    outln!("{:>6} {:>4}  {:>18} {:>22}  parameters", "point", "n", "alloc util %", wait);
    for p in points.iter().take(SHOWN) {
        let params: Vec<String> = o.params.iter().zip(&p.params).map(|(k, v)| format!("{k}={v}")).collect();
        outln!("{:>6} {:>4}  {:>18} {:>22}  {}", p.point, p.n, pm(p.stats[0], 100.0), pm(p.stats[1], 1.0 / 3600.0), params.join(" "));
    }
    if points.len() > SHOWN {
        outln!("... {} more points in sweep_summary.csv", points.len() - SHOWN);
    }
}

fn merge(m: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut target = Target::new(&m.out, Kind::Sweep).force(m.force);
    for d in &m.dirs {
        target = target.input(d);
    }
    let (o, missing) = crate::sweep::merge(&m.dirs, &target).map_err(sweep_error)?;
    if missing > 0 {
        errln!("warning: {missing} of {} runs are missing (unfinished shards?); the tables hold the {} present", o.runs, o.rows.len());
    }
    if !m.quiet {
        outln!("merged {} folders: {} of {} runs; outputs in {}", m.dirs.len(), o.rows.len(), o.runs, o.dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
