//! `aidc run` and `aidc check` on a federation file (a file with a `[federation]` table):
//! several sites on one clock, a WAN and a global dispatcher.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::BadInput;
use crate::config::federation::Federation;
use crate::engine::RunOptions;
use crate::engine::budget;
use crate::engine::federation::run_federation_into;
use crate::model::federation::FederationSummary;
use crate::output::{Kind, Target};
use crate::report::format::{count, duration_s, energy_kwh, fixed, pct};

/// What `aidc run` passes on for a federation.
pub struct FedRun {
    pub file: PathBuf,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub seed: Option<u64>,
    pub horizon_ms: Option<u64>,
    pub quiet: bool,
    pub json: bool,
    pub report: bool,
    pub lang: crate::report::Lang,
    pub allow_large: bool,
}

/// Checks that every site fits this machine beside the others: each gets an equal share of
/// the memory and output bounds.
pub(super) fn guard(fed: &Federation, out: &Path, outputs: budget::Outputs, allow_large: bool) -> anyhow::Result<()> {
    let limits = budget::Limits::of_machine(Some(out), allow_large).map_err(|e| BadInput(e.to_string()))?.shared_by(fed.sites.len());
    for s in &fed.sites {
        budget::check(&budget::estimate(&s.scenario, outputs), &limits).map_err(|r| r.located(&s.scenario, None))?;
    }
    Ok(())
}

/// `aidc run FEDERATION.toml`.
pub fn run(a: FedRun) -> anyhow::Result<ExitCode> {
    let fed = crate::scenario::federation::load(&a.file, a.horizon_ms, a.seed)?;
    let out = a.out.unwrap_or_else(|| PathBuf::from("output").join(&fed.name));
    guard(&fed, &out, budget::Outputs::files(a.report), a.allow_large)?;
    let staging = Target::new(&out, Kind::Run).force(a.force).input(&a.file).stage()?;
    let (summary, _) = run_federation_into(&fed, staging.dir(), &RunOptions { progress: !a.quiet })?;
    if a.report {
        super::report::write_new(staging.dir(), a.lang)?;
    }
    let dir = staging.commit()?;
    if a.json {
        let report = a.report.then(|| dir.join(crate::report::page_name(a.lang)));
        let doc = serde_json::json!({ "out": dir, "report": report, "federation": summary });
        outln!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
    } else if !a.quiet {
        out!("{}", describe_run(&summary));
        outln!("outputs in {} (federation.json, moves.csv, sites/<name>/)", dir.display());
        if a.report {
            outln!("report: {}", dir.join(crate::report::page_name(a.lang)).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal summary of a federation run.
pub fn describe_run(s: &FederationSummary) -> String {
    let mut o = String::new();
    let f = &s.federation;
    let _ = writeln!(
        o,
        "{}: {} sites in {} regions, {} accelerators, {}, dispatcher {}",
        f.name,
        f.sites,
        f.regions,
        count(f.accelerators as f64),
        duration_s(f.horizon_s),
        f.dispatcher
    );
    let _ = writeln!(
        o,
        "  {:<14} {:>8} {:>8} {:>8} {:>14} {:>9} {:>7} {:>14} {:>10}",
        "site", "accel.", "util.", "idle", "moved in / out", "wait p50", "PUE", "energy cost", "carbon"
    );
    for x in &s.sites {
        let _ = writeln!(
            o,
            "  {:<14} {:>8} {:>8} {:>8} {:>14} {:>9} {:>7} {:>14} {:>10}",
            x.name,
            count(x.accelerators as f64),
            pct(x.utilization_allocated),
            pct(x.idle_fraction),
            format!("{} / {}", count(x.moved_in as f64), count(x.moved_out as f64)),
            duration_s(x.wait_p50_s),
            x.pue.map_or("-".to_string(), |p| format!("{p:.3}")),
            x.energy_cost_cny.map_or("-".to_string(), |c| format!("{} CNY", count(c))),
            format!("{} t", fixed(x.carbon_t, 1)),
        );
    }
    let t = &s.totals;
    let _ = writeln!(
        o,
        "all sites: utilization {}, idle {} accelerator-hours, {} jobs completed, mean wait {}, facility energy {}, energy cost {}, carbon {} t",
        pct(t.utilization_allocated),
        count(t.idle_accelerator_hours),
        count(t.jobs_completed as f64),
        duration_s(t.wait_mean_s),
        energy_kwh(t.facility_energy_kwh),
        match t.priced_sites {
            0 => "not priced (no site has a [grid] tariff)".to_string(),
            n if n == f.sites => format!("{} CNY", count(t.energy_cost_cny)),
            n => format!("{} CNY ({n} of {} sites priced)", count(t.energy_cost_cny), f.sites),
        },
        fixed(t.carbon_t, 1)
    );
    let m = &s.moves;
    if m.placed > 0 {
        let _ = writeln!(
            o,
            "moves: {} of {} mobile jobs ran away from home; WAN {} GB in {} transfers, {} CNY; submission to arrival mean {}, longest {}",
            count(m.moved as f64),
            count(m.placed as f64),
            count(s.wan.gb),
            count(s.wan.transfers as f64),
            count(s.wan.cost_cny),
            duration_s(m.transfer_s_mean),
            duration_s(m.transfer_s_max)
        );
        if m.no_site_within_bound > 0 {
            let _ = writeln!(o, "  {} jobs refused: no site within their latency bound", count(m.no_site_within_bound as f64));
        }
    }
    if let Some(d) = &s.vs_baseline {
        let _ = writeln!(
            o,
            "vs local-only: utilization {:+.1} points, idle {} accelerator-hours, completed {} jobs, mean wait {}{}",
            100.0 * d.utilization_allocated,
            signed(d.idle_accelerator_hours, 0),
            signed(d.jobs_completed as f64, 0),
            if d.wait_mean_s < 0.0 { "-" } else { "+" },
            duration_s(d.wait_mean_s.abs()),
        );
        let _ = writeln!(
            o,
            "  per accelerator-hour delivered: energy {} CNY, energy + WAN {} CNY (total {} CNY), carbon {} kg (total {} t)",
            signed(d.energy_cost_cny_per_accelerator_hour, 3),
            signed(d.cost_cny_per_accelerator_hour, 3),
            signed(d.cost_cny, 0),
            signed(d.carbon_kg_per_accelerator_hour, 3),
            signed(d.carbon_t, 1)
        );
    }
    if !s.conservation.ok {
        let _ = writeln!(o, "warning: jobs do not add up across the sites (federation.json, conservation)");
    }
    o
}

fn signed(v: f64, decimals: usize) -> String {
    if v > 0.0 { format!("+{}", fixed(v, decimals)) } else { fixed(v, decimals) }
}

/// `aidc check FEDERATION.toml`: the sites, regions, links and mobile classes.
pub fn check(file: &Path, allow_large: bool, json: bool) -> anyhow::Result<ExitCode> {
    let fed = crate::scenario::federation::load(file, None, None)?;
    let fits = guard(&fed, &Path::new("output").join(&fed.name), budget::Outputs::files(false), allow_large);
    if json {
        let sites: Vec<serde_json::Value> = fed
            .sites
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "region": fed.regions[s.region].name,
                    "accelerators": s.scenario.accelerators(),
                    "classes": s.scenario.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let links: Vec<serde_json::Value> = fed
            .links
            .iter()
            .map(|l| {
                serde_json::json!({
                    "a": fed.regions[l.a].name,
                    "b": fed.regions[l.b].name,
                    "rtt_ms": l.rtt_ms,
                    "bandwidth_gbps": l.bandwidth_gbps,
                    "cost_cny_per_gb": l.cost_cny_per_gb,
                    "defaulted": l.defaulted,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "federation": fed.name,
            "horizon_s": fed.horizon_ms as f64 / 1000.0,
            "step_s": fed.step_ms as f64 / 1000.0,
            "dispatcher": fed.dispatcher.name(),
            "accelerators": fed.accelerators(),
            "sites": sites,
            "links": links,
            "fits": fits.is_ok(),
        });
        outln!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
        fits?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} sites, {} regions, {} WAN links, {} accelerators; {} at {} steps; dispatcher {}{}",
        fed.name,
        fed.sites.len(),
        fed.regions.len(),
        fed.links.len(),
        count(fed.accelerators() as f64),
        duration_s(fed.horizon_ms as f64 / 1000.0),
        duration_s(fed.step_ms as f64 / 1000.0),
        fed.dispatcher.name(),
        if fed.baseline { " (and the local-only baseline)" } else { "" }
    );
    for s in &fed.sites {
        let sc = &s.scenario;
        let _ = writeln!(
            o,
            "  site {:<14} region {:<12} {:>8} accelerators, classes: {}",
            s.name,
            fed.regions[s.region].name,
            count(sc.accelerators() as f64),
            sc.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    for l in &fed.links {
        let _ = writeln!(
            o,
            "  link {} - {}: RTT {:.1} ms, {} Gbit/s, {:.2} CNY/GB{}",
            fed.regions[l.a].name,
            fed.regions[l.b].name,
            l.rtt_ms,
            fixed(l.bandwidth_gbps, 0),
            l.cost_cny_per_gb,
            if l.defaulted { " (default from distance)" } else { "" }
        );
    }
    for m in &fed.classes {
        let _ = writeln!(
            o,
            "  class {}: {}, dataset {} GB, result {} GB, latency bound {}",
            m.class,
            if m.mobile { "mobile" } else { "stays home" },
            fixed(m.dataset_gb, 1),
            fixed(m.result_gb, 1),
            m.latency_bound_ms.map_or("none".to_string(), |b| format!("{b} ms"))
        );
    }
    out!("{o}");
    fits?;
    Ok(ExitCode::SUCCESS)
}
