//! `aidc check`: validate a scenario and say what the design is.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;

use crate::config::{Scenario, SizeDist};
use crate::engine::budget;
use crate::model::compute::power::PPM;
use crate::model::workload::ClassSampler;
use crate::scenario::units::format_duration;

use super::summary::plural;

/// Validate a scenario and print the design: racks, nodes, accelerators by model, peak PFLOPS by
/// precision, IT design power, the offered load of each job class, warnings, and the memory and
/// output `aidc run` would need against this machine's bounds.
///
/// Exit code 0 when valid, 2 with an error naming file, line, column and field otherwise (also
/// when `aidc run` would refuse the design as too large for this machine).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aidc check scenarios/classroom.toml\n  aidc check scenarios/inference-mix.toml --scheduler sjf\n  aidc check scenarios/wuhu-10k.toml --json\n  aidc check scenarios/federation/east-west.toml"
)]
pub struct CheckArgs {
    /// The scenario file (TOML).
    scenario: std::path::PathBuf,
    /// Scheduling policy: fifo, backfill, priority, sjf or best-fit (overrides scheduler.policy).
    #[arg(long, value_name = "NAME")]
    scheduler: Option<String>,
    /// Check against the bounds of `aidc run --allow-large` (90 % of the memory and free disk).
    #[arg(long)]
    allow_large: bool,
    /// Print the design, offered load, warnings and budget as JSON on stdout (for scripts);
    /// a design that does not fit still exits with code 2, after the JSON says `"fits": false`.
    #[arg(long)]
    json: bool,
}

pub fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    if crate::scenario::federation::is_federation_file(&a.scenario) {
        if a.scheduler.is_some() {
            return Err(super::BadInput(format!(
                "{}: --scheduler applies to one site; set it in each site's scenario",
                a.scenario.display()
            ))
            .into());
        }
        return super::federation::check(&a.scenario, a.allow_large, a.json);
    }
    let mut overrides = crate::scenario::Overrides::default();
    if let Some(name) = &a.scheduler {
        overrides.policy = Some(crate::config::Policy::parse(name).map_err(|e| super::BadInput(format!("--scheduler: {e}")))?);
    }
    let doc = crate::scenario::edit::Document::read(&a.scenario)?;
    let sc = doc.resolve_with(&overrides)?;
    let ignored = crate::scenario::ignored_settings(&doc.raw()?, &sc);
    // What `aidc run` would need, against this machine's bounds for its default output folder.
    let limits = budget::Limits::of_machine(Some(&std::path::Path::new("output").join(&sc.name)), a.allow_large)
        .map_err(|e| super::BadInput(e.to_string()))?;
    let est = budget::estimate(&sc, budget::Outputs::files(false));
    let fits = budget::check(&est, &limits);
    if a.json {
        let doc = describe_json(&sc, &ignored, &est, &limits, fits.is_ok());
        outln!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
    } else {
        out!("{}", describe(&sc, &ignored));
        out!("\n{}", est.describe(&limits));
    }
    fits.map_err(|r| r.located(&sc, None))?;
    Ok(ExitCode::SUCCESS)
}

/// How far a node type's modelled maximum may lie from its nameplate before `check` warns.
const NAMEPLATE_TOLERANCE: f64 = 0.10;

/// Draws per class used to estimate offered load.
const LOAD_DRAWS: usize = 20_000;

/// The offered load of each synthetic class and of the trace, in accelerators: rate x mean
/// accelerators x mean duration (from [`LOAD_DRAWS`] draws); a trace's work submitted within the
/// horizon spread over the horizon (under GPU shares, a pod offers its share of each GPU).
fn offered_loads(sc: &Scenario) -> (Vec<f64>, Option<f64>) {
    let classes = sc.classes.iter().map(|c| ClassSampler::offered_load(c, sc.seed, LOAD_DRAWS)).collect();
    let trace = sc.trace.as_ref().map(|t| {
        let share = |j: &crate::config::TraceJob| if t.shares() { j.gpu_milli as f64 / 1000.0 } else { 1.0 };
        let acc_h: f64 = t
            .jobs
            .iter()
            .filter(|j| j.submit_ms <= sc.horizon_ms)
            .map(|j| j.accelerators as f64 * share(j) * j.duration_ms as f64 / 3.6e6)
            .sum();
        acc_h / (sc.horizon_ms as f64 / 3.6e6)
    });
    (classes, trace)
}

/// What `check --json` prints: the design, the offered load, the warnings and the budget.
fn describe_json(sc: &Scenario, ignored: &[String], est: &budget::Estimate, limits: &budget::Limits, fits: bool) -> serde_json::Value {
    let cap = crate::engine::capacity(sc);
    let (loads, trace_load) = offered_loads(sc);
    let installed = cap.accelerators.max(1) as f64;
    let classes: Vec<serde_json::Value> = sc
        .classes
        .iter()
        .zip(&loads)
        .map(|(c, &load)| {
            serde_json::json!({
                "name": c.name,
                "kind": c.kind.name(),
                "rate_per_h": c.rate_per_s * 3600.0,
                "priority": c.priority,
                "offered_accelerators": load,
                "offered_fraction": load / installed,
            })
        })
        .collect();
    let total = loads.iter().sum::<f64>() + trace_load.unwrap_or(0.0);
    serde_json::json!({
        "scenario": sc.name,
        "file": sc.file,
        "horizon_s": sc.horizon_ms as f64 / 1000.0,
        "step_s": sc.step_ms as f64 / 1000.0,
        "seed": sc.seed,
        "scheduler": sc.scheduler.policy.policy().name(),
        "capacity": cap,
        "workload": {
            "classes": classes,
            "trace_offered_accelerators": trace_load,
            "offered_fraction": total / installed,
        },
        "warnings": ignored,
        "budget": {
            "memory_bytes": est.memory_bytes(),
            "memory_bound_bytes": est.memory_bound_bytes(),
            "memory_cap_bytes": limits.memory_cap(),
            "output_bytes": est.output_bytes(),
            "fits": fits,
        },
    })
}

/// The text `check` prints; `ignored` are warnings about settings the scenario does not use.
pub fn describe(sc: &Scenario, ignored: &[String]) -> String {
    let mut o = String::new();
    let cap = crate::engine::capacity(sc);
    let _ = writeln!(o, "scenario   {} ({})", sc.name, sc.file.display());
    if let Some(d) = &sc.description {
        let _ = writeln!(o, "           {}", d.trim().replace('\n', "\n           "));
    }
    if let Some(loc) = sc.site_location.as_ref().or(sc.site_name.as_ref()) {
        let _ = writeln!(o, "site       {loc}");
    }
    let _ = writeln!(
        o,
        "simulation horizon {}, sampling step {}, seed {}",
        format_duration(sc.horizon_ms),
        format_duration(sc.step_ms),
        sc.seed
    );
    let _ = writeln!(
        o,
        "\ndesign     {}, {}, {}, {}",
        plural(cap.halls, "hall"),
        plural(cap.racks, "rack"),
        plural(cap.nodes, "node"),
        plural(cap.accelerators, "accelerator")
    );
    for (model, n) in &cap.accelerators_by_model {
        let d = sc.devices.iter().find(|d| &d.spec.id == model);
        let name = d.and_then(|d| d.spec.name.clone()).unwrap_or_default();
        let _ = writeln!(o, "           {n:>7} x {model} ({name})");
    }
    let peaks: Vec<String> = cap.peak_pflops.iter().map(|(p, v)| format!("{p} {v:.1}")).collect();
    let _ = writeln!(o, "peak       dense PFLOPS (PetaOPS for int8): {}", peaks.join(", "));
    let _ = writeln!(o, "IT power   design {:.1} kW (all accelerators busy), idle {:.1} kW", cap.it_design_kw, cap.it_idle_kw);
    for (i, nt) in sc.node_types.iter().enumerate() {
        let m = crate::model::compute::air_model(sc, i);
        let platform = nt.platform.as_ref().map_or_else(String::new, |p| format!(" (platform {p})"));
        let _ = writeln!(
            o,
            "node type  {}{platform}: {} x {}, {:.2} kW at full load, {:.2} kW idle, PSU {} x {:.0} W {}",
            nt.name,
            nt.accelerators,
            sc.devices[nt.device].spec.id,
            m.max_w() / 1000.0,
            m.idle_w() / 1000.0,
            nt.psu.count,
            nt.psu.rating_w,
            nt.psu.curve_name.as_deref().unwrap_or("custom curve")
        );
        let nameplate = match nt.nameplate_w {
            Some(n) => format!("nameplate {:.2} kW ({:+.1} %)", n / 1000.0, 100.0 * (m.worst_w() - n) / n),
            None => "no nameplate given".to_string(),
        };
        let _ = writeln!(o, "           modelled maximum {:.2} kW (every part at its maximum) vs {nameplate}", m.worst_w() / 1000.0);
        for h in sc.halls.iter().filter(|h| h.racks.iter().any(|g| g.node_type == i) && h.cooling.kind != crate::config::CoolingKind::Air) {
            let full = crate::model::compute::installed_model(sc, h, i).power(nt.accelerators, nt.accelerators as u64 * PPM);
            let air = m.power(nt.accelerators, nt.accelerators as u64 * PPM);
            let _ = writeln!(
                o,
                "           in {} ({}, {:.0} % of the heat to air): {:.2} kW at full load, server fans {:.0} W (air-cooled: {:.0} W)",
                h.name,
                h.cooling.kind.name(),
                100.0 * h.cooling.air_share(),
                full.ac_w / 1000.0,
                full.fans_w,
                air.fans_w
            );
        }
    }
    if let Some(f) = &sc.facility {
        let climate = sc.climate.as_ref().map_or_else(|| "measured weather file".to_string(), |(_, c)| c.name.clone());
        let grid = match (sc.emission_factor, &sc.grid) {
            (Some(e), _) => format!("{e} kg CO2/kWh (override)"),
            (None, Some(g)) => format!("{} grid, {} kg CO2/kWh", g.id, g.emission_factor_kg_per_kwh),
            (None, None) => "no emission factor".to_string(),
        };
        let _ = writeln!(o, "facility   climate {climate}; {grid}; start {}", sc.start);
        let halls: Vec<String> = sc.halls.iter().map(|h| format!("{} {}", h.name, h.cooling.kind.name())).collect();
        let _ = writeln!(o, "           cooling: {}", halls.join(", "));
        let lp = |name: &str, l: &crate::config::LoopConfig| {
            format!(
                "{name} {:.1} C supply, {:.1} K, {}{}{}{}",
                l.supply_c,
                l.delta_t_k,
                match l.rejection {
                    crate::config::RejectionKind::Tower => "towers",
                    crate::config::RejectionKind::DryCooler => "dry coolers",
                    crate::config::RejectionKind::AirCooledChiller => "air-cooled chillers",
                },
                if l.chillers { " + trim chillers" } else { ", no chillers" },
                if l.economizer { "" } else { ", no economizer" },
                if l.pumps == crate::config::SpeedControl::Constant { ", constant-speed pumps" } else { "" }
            )
        };
        let _ = writeln!(o, "           {}; {}", lp("chilled water", &f.chilled_water), lp("facility water", &f.facility_water));
        let mains = if f.ups_mains_share > 0.0 { format!(" ({:.0} % from the mains)", f.ups_mains_share * 100.0) } else { String::new() };
        let _ = writeln!(
            o,
            "           UPS {} {}{mains}, battery {} {:.0} min, transformers x{}",
            f.ups_family.name(),
            f.ups_redundancy.name(),
            f.battery.name(),
            f.battery_autonomy_min,
            f.transformer_units
        );
        let limit = f.pue_limit.as_ref().map_or(String::new(), |(v, n)| format!(", judged against PUE {v:.2} ({n})"));
        let _ = writeln!(o, "           PUE boundary {} (The Green Grid){limit}", f.pue_boundary.name());
    }
    let _ = writeln!(o, "\nworkload   offered load = rate x mean accelerators x mean duration (from {LOAD_DRAWS} draws)");
    let (loads, trace_load) = offered_loads(sc);
    let total: f64 = loads.iter().sum::<f64>() + trace_load.unwrap_or(0.0);
    for (c, &load) in sc.classes.iter().zip(&loads) {
        let _ = writeln!(
            o,
            "           {:<20} {:<18} {:>9.2}/h  priority {:>3}  offered {:>9.1} accelerators ({:.1} % of installed)",
            c.name,
            c.kind.name(),
            c.rate_per_s * 3600.0,
            c.priority,
            load,
            100.0 * load / cap.accelerators as f64
        );
    }
    if let (Some(t), Some(load)) = (&sc.trace, trace_load) {
        let within = t.jobs.iter().filter(|j| j.submit_ms <= sc.horizon_ms).count();
        let _ = writeln!(
            o,
            "           trace {}: {} of {} jobs submitted within the horizon, offered {:.1} accelerators ({:.1} %)",
            t.file.display(),
            within,
            t.jobs.len(),
            load,
            100.0 * load / cap.accelerators as f64
        );
        let _ = writeln!(
            o,
            "           format {}{}",
            t.format.name(),
            if t.shares() { ", placement by GPU shares, CPU and memory" } else { "" }
        );
        for (why, n) in &t.skipped {
            let _ = writeln!(o, "           skipped {n} rows: {why}");
        }
    }
    let _ = writeln!(o, "           total offered load {:.1} % of installed accelerators", 100.0 * total / cap.accelerators as f64);
    let s = &sc.scheduler;
    let preempt = if matches!(s.policy, crate::config::PolicyConfig::Priority { preemption: true, .. }) { ", preemption" } else { "" };
    let depth = s.policy.depth().map_or_else(String::new, |d| format!("backfill depth {d}{preempt}, "));
    let _ = writeln!(o, "scheduler  {} ({depth}{} placement)", s.policy.policy().name(), s.placement.name());
    if let Some(n) = &sc.network {
        let nics = sc.node_types.iter().map(|t| t.accelerators).max().unwrap_or(1);
        if let Ok(c) = crate::model::network::switch_counts(n, sc.nodes(), nics) {
            let _ = writeln!(
                o,
                "network    {} {} tiers, radix {}, {:.0} Gbps links, pods of {} nodes: {} leaf + {} spine + {} core switches, {} ports, {:.1} kW",
                n.fabric.name(),
                n.tiers,
                n.radix,
                n.link_bps / 1e9,
                n.pod_nodes,
                c.leaves,
                c.spines,
                c.cores,
                c.ports,
                c.power_w(n) / 1000.0
            );
        }
    }
    for v in &sc.services {
        let (low, want) = (v.trough_share(), |load: f64| v.replicas_for(load));
        let _ = writeln!(
            o,
            "service    {}: peak {:.0} requests/s, {} to {} replicas of {} accelerators (p95 target {})",
            v.name,
            v.peak_rate_per_s,
            want(v.peak_rate_per_s * low),
            want(v.peak_rate_per_s),
            v.accelerators,
            format_duration(v.latency_target_ms)
        );
    }
    if let Some(f) = &sc.failures {
        let _ = writeln!(o, "failures   {}", f.describe());
    }
    if let Some(s) = &sc.storage {
        let _ = writeln!(o, "storage    {}", s.describe());
    }
    o.push_str(&finance_and_policy(sc));
    let warnings: Vec<String> = ignored.iter().cloned().chain(warnings(sc)).collect();
    if !warnings.is_empty() {
        let _ = writeln!(o, "\nwarnings");
        for w in warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    o
}

/// Things that are valid but probably not meant.
pub fn warnings(sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (hi, h) in sc.halls.iter().enumerate() {
        for (gi, g) in h.racks.iter().enumerate() {
            let rack_w = g.nodes as f64 * crate::model::compute::installed_model(sc, h, g.node_type).max_w();
            if let Some(limit) = g.power_limit_w
                && rack_w > limit
            {
                out.push(format!(
                    "halls[{hi}].racks[{gi}]: {} nodes draw up to {:.1} kW, above the rack power limit of {:.1} kW",
                    g.nodes,
                    rack_w / 1000.0,
                    limit / 1000.0
                ));
            }
        }
    }
    for (i, nt) in sc.node_types.iter().enumerate() {
        let worst = crate::model::compute::air_model(sc, i).worst_w();
        if let Some(n) = nt.nameplate_w
            && (worst - n).abs() > NAMEPLATE_TOLERANCE * n
        {
            out.push(format!(
                "node type {}: modelled maximum {:.2} kW differs from its nameplate {:.2} kW by {:+.0} %; check its parts (other_power, fans, cpu, psu) or the nameplate",
                nt.name,
                worst / 1000.0,
                n / 1000.0,
                100.0 * (worst - n) / n
            ));
        }
        let design = nt.fans.map_or(1.0, |f| f.air_share);
        for h in sc.halls.iter().filter(|h| h.racks.iter().any(|g| g.node_type == i)) {
            if h.cooling.air_share() > design + 1e-9 {
                out.push(format!(
                    "node type {}: its fans are sized for {:.0} % of the heat in air, hall {} leaves {:.0} % to air; the fans are held at their maximum",
                    nt.name,
                    100.0 * design,
                    h.name,
                    100.0 * h.cooling.air_share()
                ));
            }
        }
    }
    if let Some(l) = sc.node_list.as_ref().filter(|l| !l.assumed.is_empty()) {
        out.push(format!(
            "cluster: GPU model(s) {} are anonymised in the node list and mapped by assumption ({}); name them in [cluster] models",
            l.assumed.join(", "),
            l.assumed.iter().map(|m| format!("{m} = {}", l.models[m])).collect::<Vec<_>>().join(", ")
        ));
    }
    let expected_jobs: f64 = sc.classes.iter().map(|c| c.rate_per_s * sc.horizon_ms as f64 / 1000.0).sum();
    if expected_jobs > 50e6 {
        out.push(format!("about {expected_jobs:.2e} jobs will be submitted; a run processes about a million events a second"));
    }
    let largest = crate::model::compute::largest_job(sc);
    for c in &sc.classes {
        let max = match &c.size {
            SizeDist::Fixed(v) => *v,
            SizeDist::Choice { values, .. } => values.iter().copied().max().unwrap_or(0),
            SizeDist::Power2 { max, .. } => *max,
        } as u64;
        if max > largest {
            out.push(format!(
                "class {}: jobs of up to {max} accelerators can be drawn, the largest pool of identical nodes has {largest}; such jobs will be rejected",
                c.name
            ));
        }
    }
    out
}

/// The finance line (with `[finance]`: the capital of the design) and the policy lines: which
/// rules apply to the design and the figures known before a run.
fn finance_and_policy(sc: &Scenario) -> String {
    use crate::model::finance::{FinanceBook, cash, policy};
    let mut o = String::new();
    if let Some(fin) = &sc.finance {
        let f = cash::project(sc, fin, &FinanceBook::new(sc.start), &cash::Inputs::default());
        let items: Vec<String> = f.capex_by_item_cny.iter().map(|(k, v)| format!("{k} {:.1}", v / 1e6)).collect();
        let _ = writeln!(
            o,
            "finance    capital {:.1} M CNY ({}); {} years at {:.1} % a year; NPV, IRR and payback need a run",
            f.capex_cny / 1e6,
            items.join(", "),
            fin.analysis_years,
            fin.discount_rate * 100.0
        );
    }
    let share = policy::domestic_share(sc);
    let _ = writeln!(
        o,
        "policy     domestic accelerators {:.0} % ({} the 50 % some cities require [unverified]); site {}{}",
        share * 100.0,
        if share >= 0.5 { "meets" } else { "below" },
        policy::hub(sc).map_or("outside the national hub clusters".to_string(), |h| format!(
            "in {} national hub cluster (PUE limit {:.2})",
            if h == "east-hub" { "an eastern" } else { "a western" },
            crate::model::facility::grade::named_limit(h).unwrap_or(1.25)
        )),
        if policy::cold(sc) == Some(true) { ", cold region (PUE 1.25 for new large centers)" } else { "" }
    );
    let _ = writeln!(
        o,
        "           PUE limits (1.50, 1.30, 1.25) and the 60 % utilization target are judged on a run with [finance] (compliance in summary.json)"
    );
    o
}
