//! `aidc forecast`: idle capacity month by month under changing demand, and the expansion trigger.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{BadInput, sweep_error};
use crate::forecast::demand::{self, Demand};
use crate::forecast::{Expansion, ForecastConfig};
use crate::output::{Kind, Target};
use crate::scenario::units::parse_duration_ms;

/// Forecast utilization, idle accelerator-hours, queue waits and energy month by month as
/// demand changes, with Monte Carlo replications, and find the first month that needs more
/// capacity.
///
/// Demand multiplies every job class's rate: compound --growth, --step changes from a month on
/// (`+50%@6`, or a new customer's rate with the scenario's job mix, `+20/d@6`), and a --demand
/// CSV of monthly multipliers; they multiply. A month is 730 h. The expansion trigger is the
/// first month where the median queue wait passes --max-wait or the rejection rate passes
/// --max-reject (medians over replications). --expand RACKS@MONTH adds racks like the first
/// rack group, in service from the start of that month (one continuous run). Writes forecast.csv (p10/p50/p90 per month) and forecast.json.
/// With [finance], forecast.json and the summary give p10/p50/p90 of NPV and payback month over
/// the replications (demand uncertainty; --price-spread adds lease-price uncertainty), and with
/// --expand whether the expansion pays (median NPV with it above the median without).
///
/// DIR is written atomically. An existing DIR is replaced only when it is an aidc forecast
/// folder holding only what aidc wrote, or empty; anything else is refused with exit code 2
/// before the forecast runs, unless --force (never /, the home folder, the current folder or
/// the scenario's folder).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aidc forecast scenarios/classroom.toml --months 24 --growth 5%/month -n 10 --out output/forecast-growth
  aidc forecast scenarios/classroom.toml --months 24 --step +50%@6 --max-wait 2h --expand 4@9 -n 10 --out output/forecast-expand
  aidc forecast scenarios/classroom.toml --months 12 --demand scenarios/demand/classroom-2027.csv -n 10 --out output/forecast-demand
  aidc forecast scenarios/voucher-city.toml --months 12 --growth 3%/month --price-spread 20% -n 10")]
pub struct ForecastArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Months to forecast.
    #[arg(long, default_value_t = 24)]
    months: usize,
    /// Compound demand growth, e.g. "5%/month" or "60%/year".
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    growth: String,
    /// A demand change from a month on (repeatable): "+50%@6", "-20%@12", "+20/d@6".
    #[arg(long = "step", value_name = "CHANGE@MONTH", allow_hyphen_values = true)]
    steps: Vec<String>,
    /// A CSV of monthly demand multipliers (`month,multiplier` or one column).
    #[arg(long, value_name = "FILE")]
    demand: Option<PathBuf>,
    /// Monte Carlo replications.
    #[arg(long, short = 'n', default_value_t = 50)]
    replications: u32,
    /// Simulated time before month 1, not reported (fills the center).
    #[arg(long, default_value = "30d", value_name = "DUR")]
    warmup: String,
    /// Trigger when the median queue wait of a month passes this.
    #[arg(long, default_value = "1h", value_name = "DUR")]
    max_wait: String,
    /// Trigger when the rejection rate of a month passes this, e.g. "1%".
    #[arg(long, default_value = "1%", value_name = "SHARE")]
    max_reject: String,
    /// Try an expansion: RACKS racks of the first rack group from MONTH on.
    #[arg(long, value_name = "RACKS@MONTH")]
    expand: Option<String>,
    /// Output folder [default: output/<name>-forecast].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace DIR even when it is not an aidc forecast folder (see above).
    #[arg(long)]
    force: bool,
    /// Worker threads [default: all cores; fewer where memory holds fewer runs].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
    /// Allow runs over the default memory bound (half the memory available): up to 90 %.
    #[arg(long)]
    allow_large: bool,
    /// With [finance]: each replication's lease prices vary uniformly by up to this share,
    /// e.g. "20%"; forecast.json then gives p10/p50/p90 of NPV and payback month.
    #[arg(long, default_value = "0", value_name = "SHARE")]
    price_spread: String,
}

/// A share written as "1%" or 0.01, from 0 to 1; `example` is shown when it is not.
fn share(flag: &str, s: &str, example: &str) -> Result<f64, BadInput> {
    let bad = || BadInput(format!("{flag} {s:?}: expected a share from 0 to 100 %, like {example}"));
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
        None => t.parse::<f64>().map_err(|_| bad())?,
    };
    if !(0.0..=1.0).contains(&v) {
        return Err(bad());
    }
    Ok(v)
}

fn duration(flag: &str, s: &str) -> Result<u64, BadInput> {
    parse_duration_ms(s).map_err(|e| BadInput(format!("{flag}: {e}")))
}

/// Runs `aidc forecast`.
pub fn forecast(a: ForecastArgs) -> anyhow::Result<ExitCode> {
    let mut demand = Demand { growth_per_month: demand::parse_growth(&a.growth).map_err(sweep_error)?, ..Default::default() };
    for s in &a.steps {
        demand.steps.push(demand::parse_step(s).map_err(sweep_error)?);
    }
    if let Some(f) = &a.demand {
        demand.csv = Some(demand::read_csv(f).map_err(sweep_error)?);
    }
    let cfg = ForecastConfig {
        months: a.months,
        warmup_ms: duration("--warmup", &a.warmup)?,
        replications: a.replications,
        demand,
        max_wait_s: duration("--max-wait", &a.max_wait)? as f64 / 1000.0,
        max_reject: share("--max-reject", &a.max_reject, "\"1%\" or 0.01")?,
        expand: a.expand.as_deref().map(Expansion::parse).transpose().map_err(sweep_error)?,
        threads: a.threads,
        allow_large: a.allow_large,
        price_spread: share("--price-spread", &a.price_spread, "\"20%\" or 0.2")?,
    };
    // The folder is checked before the forecast runs, and again when it is written.
    let out = match a.out {
        Some(out) => out,
        None => PathBuf::from("output").join(format!("{}-forecast", crate::scenario::load(&a.scenario)?.name)),
    };
    let mut target = Target::new(out, Kind::Forecast).force(a.force).input(&a.scenario);
    if let Some(f) = &a.demand {
        target = target.input(f);
    }
    target.check(true)?;
    let bar = progress_bar(!a.quiet);
    let f = crate::forecast::run(&a.scenario, &cfg, &bar).map_err(sweep_error)?;
    bar.finish_and_clear();
    let dir = crate::forecast::write(&f, &target).map_err(sweep_error)?;
    if !a.quiet {
        out!("{}", crate::forecast::text_summary(&f));
        outln!("outputs in {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(show: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} replications, {elapsed} elapsed, ~{eta} left")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}
