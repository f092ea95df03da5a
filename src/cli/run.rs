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
    after_help = "Examples:\n  aidc run scenarios/classroom.toml\n  aidc run scenarios/wuhu-10k.toml --horizon 7d --seed 3 --out output/wuhu-week\n  aidc run scenarios/bench-10k.toml --scheduler sjf --quiet\n  aidc run scenarios/federation/east-west.toml --horizon 30d"
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
    /// Also write report.html and plots/ into the output folder (as `aidc report`).
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
        super::report::write(staging.dir(), a.lang)?;
    }
    let dir = staging.commit()?;
    if !a.quiet {
        let s = &summary;
        outln!(
            "{}: {} accelerators, {:.0} days, {} jobs submitted, {} completed, {} rejected",
            s.scenario.name,
            s.capacity.accelerators,
            s.scenario.horizon_s / 86_400.0,
            s.jobs.submitted,
            s.jobs.completed,
            s.jobs.rejected
        );
        outln!(
            "utilization: allocated {:.1} %, effective {:.1} %; idle (unallocated) {:.0} accelerator-hours ({:.1} %)",
            100.0 * s.utilization.allocated_mean,
            100.0 * s.utilization.effective_mean,
            s.idle_capacity.accelerator_hours_unallocated,
            100.0 * s.idle_capacity.fraction_unallocated
        );
        outln!(
            "wait: median {:.0} s, p95 {:.0} s; IT power mean {:.1} kW, max {:.1} kW; IT energy {:.0} kWh",
            s.jobs.wait_s.p50,
            s.jobs.wait_s.p95,
            s.power.it_kw.mean,
            s.power.it_kw.max,
            s.energy.it_kwh
        );
        if let Some(p) = &s.facility.pue {
            outln!(
                "facility: PUE {:.3} (months {:.3}-{:.3}), facility energy {:.0} kWh, WUE {:.2} L/kWh, carbon {:.1} t CO2, {:.0} h of full free cooling",
                p.annual,
                p.min_month,
                p.max_month,
                s.energy.facility_kwh.unwrap_or(0.0),
                s.facility.wue_l_per_kwh.unwrap_or(0.0),
                s.facility.carbon_t.unwrap_or(0.0),
                s.facility.free_cooling_hours.unwrap_or(0.0)
            );
            if let Some(t) = s.facility.thermal.as_ref().filter(|t| t.alarms > 0) {
                outln!("thermal: {:.0} accelerator-hours throttled, {} alarms (alarms.csv)", t.throttled_accelerator_hours, t.alarms);
            }
        }
        if let (Some(c), Some(k)) = (&s.grid.cost, &s.grid.carbon) {
            outln!(
                "grid: cost {:.0} CNY (energy {:.0}, demand {:.0}), peak {:.0} kW; carbon {:.1} t location-based, {:.1} t net, green share {:.1} %",
                c.total_cny,
                c.energy_cny,
                c.demand_cny,
                c.peak_demand_kw,
                k.location_based_t,
                k.net_t,
                100.0 * k.green_share
            );
            if let Some(b) = &s.grid.battery {
                outln!(
                    "battery: {:.1} cycles, {:.0} kWh lost; deferred {:.0} job-hours, {} missed deadlines",
                    b.cycles,
                    b.losses_kwh,
                    c.deferred_job_hours,
                    c.missed_deadlines
                );
            } else if c.deferred_job_hours > 0.0 {
                outln!("deferral: {:.0} job-hours deferred, {} missed deadlines", c.deferred_job_hours, c.missed_deadlines);
            }
        }
        if let Some(f) = &s.finance {
            finance_lines(f);
        }
        outln!("{} events in {:.2} s ({:.2} M events/s); outputs in {}", info.events, info.wall_s, info.events_per_s / 1e6, dir.display());
        if a.report {
            outln!("report: {}", dir.join(crate::report::page_name(a.lang)).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Millions of yuan with one decimal, thousands separated: 41257027 -> "41.3 M CNY".
fn mcny(v: f64) -> String {
    format!("{} M CNY", crate::report::format::fixed(v / 1e6, 1))
}

/// The finance lines of the terminal summary (with `[finance]`).
fn finance_lines(f: &crate::model::finance::FinanceSummary) {
    let payback = match f.payback_month {
        Some(m) => format!("payback in month {m:.0} ({:.1} years)", m / 12.0),
        None => format!("no payback within {} years", f.analysis_years),
    };
    let irr = f.irr.map_or_else(|| "none".to_string(), |r| format!("{:.1} %", 100.0 * r));
    outln!("finance over {} years: capital {}, NPV {}, IRR {irr}, {payback}", f.analysis_years, mcny(f.capex_cny), mcny(f.npv_cny));
    let per_hour = f.cost_per_accelerator_hour_cny.map_or_else(|| "n/a".to_string(), |c| format!("{c:.2} CNY"));
    outln!(
        "finance: revenue {}, lost to idle capacity {} ({:.1} % delivered), opex {}, subsidies {}; cost per delivered accelerator-hour {per_hour}",
        mcny(f.revenue_cny),
        mcny(f.lost_revenue_cny),
        100.0 * f.delivered_share,
        mcny(f.opex_cny),
        mcny(f.subsidies_cny)
    );
    outln!(
        "finance: the run covered {} month(s); later months repeat its last months' rates (finance.csv, summary.json finance.extrapolation)",
        f.simulated.months
    );
}
