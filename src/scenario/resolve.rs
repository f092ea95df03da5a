//! Raw scenario -> validated [`Scenario`]: defaults, cross-references, ranges, and the files a
//! scenario points at (traces, duration samples). Every error names the field and what is expected.
//! This file holds the order of resolution; the parts resolve in `resolve_hardware.rs`
//! (devices, node types, halls), `resolve_workload.rs` (classes, traces),
//! `resolve_scheduler.rs`, `resolve_facility.rs` and the section modules.
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `simulation.step` | 5 min | common DCIM sampling interval |
//! | `simulation.seed` | 1 | |
//! | `simulation.warmup` | 0 (none) | outputs of the whole horizon, as before it existed |
//! | `node_types.power_curve` | linear | BRIEF §3 |
//! | `node_types.power_curve_r` | 1.4 | Fan, Weber, Barroso, "Power provisioning for a warehouse-sized computer", ISCA 2007 |
//! | `cpu` | 2 sockets, 90 W idle, 280 W max | ORNL Frontier config of ExaDigiT/RAPS (BRIEF §3) |
//! | `cpu.busy_utilization` | 0.3 | [rule of thumb] host threads feeding accelerators |
//! | `memory_power` | 74 W | Frontier RAPS (BRIEF §3) |
//! | `nic_power` | 20 W per accelerator | Frontier RAPS NIC, one NIC per accelerator (rail-optimized) |
//! | `storage_power` | 30 W | Frontier RAPS NVMe |
//! | `platform` | none; when named, its parts (`assets/platforms.toml`) are the defaults of every node field | vendor datasheets named per entry |
//! | `other_power` | 11.6 % of the accelerators' board power | switch board, PCIe switches, BMC of an 8-GPU HGX board (650 W for 8 x 700 W, `assets/platforms.toml`), an estimate |
//! | `fans` | max 15 % of the heat of every other part at its maximum, min 5 % of max, air share 1 | [rule of thumb], airflow law (README "Server fans") |
//! | `nameplate` | the platform's, else none | vendor datasheet |
//! | `psu` | 2 supplies (1+1) each rated at the node's maximum DC load, 80 PLUS Titanium ([`crate::catalog::psu::PSU_CURVES`]) | BRIEF §3 |
//! | class size/duration/utilization/priority | by kind, see [`crate::catalog::classes::kind_defaults`] | [rule of thumb] shaped after Acme (Hu et al., NSDI'24) |
//! | class `failed` / `cancelled` | by kind, see [`crate::catalog::classes::kind_defaults`] | Acme, Philly, Helios final states (README "Jobs that end on their own") |
//! | `estimate_factor` | 1.0 (runtimes known) | |
//! | trace `time_unit` | 1 s; `utilization` 0.5 | Jeon et al., ATC'19: Philly GPU utilization about 50 % |
//! | `scheduler` | backfill, depth 128, no preemption | |
//! | `scheduler.aging` | 24 h | [rule of thumb], see [`super::DEFAULT_AGING_MS`] |
//! | `scheduler.max_queued` | 1,000,000 jobs | Slurm `MaxJobCount`, see [`super::DEFAULT_MAX_QUEUED`] |
//! | class `preemptible` | batch-inference, evaluation, debug | see [`crate::catalog::classes::default_preemptible`] |

use std::path::{Path, PathBuf};

use super::error::{FieldPath, ScenarioError, Source};
use super::overrides::Overrides;
use super::raw::*;
use crate::catalog::Catalog;
use crate::config::*;

pub(super) const MS_PER_S: u64 = 1000;
/// The longest horizon, ms (50 years).
pub const MAX_HORIZON_MS: u64 = 50 * 365 * 86_400_000;
/// The most accelerators a job may ask for: every accelerator a scenario can have (2^24 nodes
/// of 64). A larger job could never run anywhere, and the placement's round-up to whole nodes
/// (`ceil(k / per_node) * per_node`) stays within u32 below it (found by the fuzzer).
pub const MAX_JOB_ACCELERATORS: u32 = 1 << 30;
const _: () = assert!(MAX_JOB_ACCELERATORS as u64 == MAX_NODES * super::resolve_hardware::MAX_ACCELERATORS_PER_NODE as u64);
/// The most nodes a design may have (node and accelerator indexes are 32-bit; see
/// [`super::bounds`] for the integer sums this bound keeps safe).
pub const MAX_NODES: u64 = 1 << 24;
const DEFAULT_STEP_MS: u64 = 300_000;
const DEFAULT_SEED: u64 = 1;

pub(super) type R<T> = Result<T, ScenarioError>;

/// A horizon of zero or of more than 50 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("expected a horizon above zero and at most 50 years, like \"30d\"")]
pub struct HorizonOutOfRange {
    /// The horizon given, ms.
    pub ms: u64,
}

/// Checks a horizon (also used for the `--horizon` override).
pub fn check_horizon(ms: u64) -> Result<(), HorizonOutOfRange> {
    if ms == 0 || ms > MAX_HORIZON_MS {
        return Err(HorizonOutOfRange { ms });
    }
    Ok(())
}

/// Resolves a parsed scenario. `src` locates errors; relative file paths are taken from its folder.
pub fn resolve(raw: &RawScenario, src: &Source, catalog: &Catalog) -> R<Scenario> {
    resolve_with(raw, &Overrides::default(), src, catalog)
}

/// Resolves a parsed scenario with `overrides` applied to it first.
pub fn resolve_with(raw: &RawScenario, overrides: &Overrides, src: &Source, catalog: &Catalog) -> R<Scenario> {
    let r = Resolver { src, catalog, dir: src.file.parent().map(Path::to_path_buf).unwrap_or_default() };
    let Some(c) = &raw.cluster else {
        if overrides.is_empty() {
            return r.scenario(raw);
        }
        let mut edited = raw.clone();
        overrides.apply(&mut edited);
        return r.scenario(&edited);
    };
    // A node list expands into ordinary node types and a hall, which resolve as if written out.
    let (mut expanded, list) = super::node_list::expand(raw, c, src, &r.dir, catalog)?;
    overrides.apply(&mut expanded);
    let mut sc = r.scenario(&expanded)?;
    sc.node_list = Some(list);
    Ok(sc)
}

/// What every part of the resolution reads: the source (to locate errors), the catalog and
/// the folder relative file names start from.
pub(super) struct Resolver<'a> {
    pub(super) src: &'a Source,
    pub(super) catalog: &'a Catalog,
    pub(super) dir: PathBuf,
}

/// Whether `name` can name an output folder: letters, digits, '-', '_' or '.', not empty and
/// not starting with '.'.
pub(super) fn is_folder_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) && !name.starts_with('.')
}

/// Whether `v` is finite and above zero.
pub(super) fn pos_f64(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl Resolver<'_> {
    pub(super) fn err<T>(&self, path: &FieldPath, msg: impl Into<String>) -> R<T> {
        Err(self.src.error(path, msg))
    }

    fn scenario(&self, raw: &RawScenario) -> R<Scenario> {
        let name = raw.name.trim();
        if !is_folder_name(name) {
            return self.err(
                &FieldPath::root("name"),
                format!("expected a short name of letters, digits, '-', '_' or '.' (it names the output folder), found {:?}", raw.name),
            );
        }
        let sim = FieldPath::root("simulation");
        let horizon_ms = raw.simulation.horizon.0;
        if let Err(e) = check_horizon(horizon_ms) {
            return self.err(&sim.key("horizon"), e.to_string());
        }
        let step_ms = raw.simulation.step.map_or(DEFAULT_STEP_MS.min(horizon_ms), |s| s.0);
        if step_ms == 0 || step_ms > horizon_ms {
            return self.err(&sim.key("step"), "expected a sampling step above zero and no longer than the horizon, like \"5m\"");
        }
        let warmup_ms = raw.simulation.warmup.map_or(0, |w| w.0);
        if warmup_ms >= horizon_ms || !warmup_ms.is_multiple_of(step_ms) {
            return self.err(
                &sim.key("warmup"),
                format!(
                    "expected a warm-up shorter than the horizon and a whole number of sampling steps ({}), like \"7d\"",
                    super::units::format_duration(step_ms)
                ),
            );
        }
        let (devices, node_types) = self.node_types(raw)?;
        let halls = self.halls(raw, &node_types)?;
        let mut scenario = Scenario {
            name: name.to_string(),
            description: raw.description.clone(),
            file: self.src.file.clone(),
            horizon_ms,
            step_ms,
            warmup_ms,
            seed: raw.simulation.seed.unwrap_or(DEFAULT_SEED),
            site_name: raw.site.as_ref().and_then(|s| s.name.clone()),
            site_location: raw.site.as_ref().and_then(|s| s.location.clone()),
            devices,
            node_types,
            halls,
            classes: Vec::new(),
            trace: None,
            scheduler: SchedulerConfig { policy: PolicyConfig::Fifo, placement: Placement::Pack, max_queued: 1, reference: false },
            start: crate::time::calendar::Date { year: 2025, month: 1, day: 1 },
            climate: None,
            weather: None,
            grid: None,
            emission_factor: None,
            facility: None,
            demand: raw.demand.clone().map(|steps| DemandSchedule { steps }),
            failures: None,
            coordination: None,
            network: None,
            services: Vec::new(),
            node_list: None,
            storage: None,
            finance: None,
            elevation_m: None,
            output: crate::config::output::OutputConfig::default(),
        };
        if scenario.nodes() > MAX_NODES {
            return self.err(&FieldPath::root("halls"), format!("at most {MAX_NODES} nodes are supported, found {}", scenario.nodes()));
        }
        if let Some(n) = &raw.network {
            let nics = scenario.node_types.iter().map(|n| n.accelerators).max().unwrap_or(1);
            scenario.network = Some(super::network::resolve(n, self.src, scenario.nodes(), nics)?);
        }
        scenario.classes = self.classes(raw, &scenario)?;
        if let Some(t) = &raw.workload.trace {
            scenario.trace = Some(self.trace(t, &scenario)?);
        }
        if scenario.classes.is_empty() && scenario.trace.is_none() {
            return self.err(&FieldPath::root("workload"), "expected at least one [[workload.classes]] entry or a [workload.trace]");
        }
        scenario.services = super::services::resolve(&raw.services, self.src, &scenario)?;
        scenario.scheduler = self.scheduler(raw, &scenario)?;
        // The network's switches and optics are IT load too: the power chain is sized for them.
        let it_design_w = crate::model::compute::it_design_w(&scenario) + crate::model::network::switch_power_w(&scenario);
        let site = super::resolve_facility::resolve(raw, self.src, &self.dir, it_design_w)?;
        scenario.start = site.start;
        scenario.climate = site.climate;
        scenario.weather = site.weather;
        scenario.grid = site.grid;
        scenario.emission_factor = site.emission_factor;
        scenario.facility = site.facility;
        scenario.elevation_m = site.elevation_m;
        let late =
            scenario.halls.iter().enumerate().find_map(|(h, hall)| hall.racks.iter().position(|g| g.in_service_ms > 0).map(|g| (h, g)));
        if let Some((h, g)) = late
            && scenario.trace.as_ref().is_some_and(Trace::shares)
        {
            let p = FieldPath::root("halls").index(h).key("racks").index(g).key("in_service");
            return self.err(&p, "racks entering service later are not modelled with fractional GPU shares (an alibaba-v2023 trace) yet");
        }
        if !raw.services.is_empty() && scenario.trace.as_ref().is_some_and(Trace::shares) {
            // Found by the fuzzer: replicas placed as whole accelerators beside shared GPUs
            // were released through the share accounting (a node's count went below zero).
            return self.err(
                &FieldPath::root("services").index(0),
                "inference services are not modelled with fractional GPU shares (an alibaba-v2023 trace) yet; remove [[services]]",
            );
        }
        if raw.failures.is_some() && scenario.trace.as_ref().is_some_and(Trace::shares) {
            return self.err(
                &FieldPath::root("failures"),
                "failures are not modelled with fractional GPU shares (an alibaba-v2023 trace) yet; remove [failures]",
            );
        }
        if let Some(f) = &raw.failures {
            let work: Vec<(String, f64)> = scenario
                .classes
                .iter()
                .filter_map(|c| c.work.as_ref().filter(|w| w.flops_per_param_token >= 6.0).map(|w| (c.name.clone(), w.params)))
                .collect();
            scenario.failures = Some(super::failures::resolve(f, self.src, &scenario.class_labels(), &work)?);
        }
        let factor = scenario.emission_factor.or(scenario.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh));
        scenario.coordination = super::grid::resolve(raw.grid.as_ref(), self.src, factor, &scenario.class_labels())?;
        if let Some(s) = &raw.storage {
            let st = super::storage::resolve(s, self.src, scenario.accelerators())?;
            let largest = scenario.failures.iter().flat_map(|f| std::iter::once(&f.checkpoint).chain(f.classes.iter().map(|(_, c)| c)));
            if let Some(big) = largest.map(|c| c.size_bytes).reduce(f64::max).filter(|b| *b > st.capacity_bytes) {
                return self.err(
                    &FieldPath::root("storage").key("capacity"),
                    format!("expected room for the largest checkpoint ({:.3} TB), found {:.3} TB", big / 1e12, st.capacity_bytes / 1e12),
                );
            }
            scenario.storage = Some(st);
        }
        scenario.finance = super::finance::resolve(raw.finance.as_ref(), self.src, &scenario, &raw.accelerators)?;
        if let Some(o) = &raw.output {
            scenario.output = super::output::resolve(o, self.src, &scenario)?;
        }
        if warmup_ms > 0 {
            self.warmup_applies(&scenario)?;
        }
        Ok(scenario)
    }

    /// A warm-up opens a measuring window in every subsystem that reports a summary; those that
    /// cannot open one yet are refused, so that no section silently mixes the warm-up in.
    fn warmup_applies(&self, sc: &Scenario) -> R<()> {
        let p = FieldPath::root("simulation").key("warmup");
        let battery = sc.coordination.as_ref().is_some_and(|g| g.battery.is_some());
        let deferral = sc.coordination.as_ref().is_some_and(|g| g.deferral.is_some());
        let work = sc.classes.iter().any(|c| c.work.is_some());
        let refused = [
            (sc.failures.is_some(), "[failures]"),
            (sc.network.is_some() || work, "[network] and work-defined classes"),
            (!sc.services.is_empty(), "[[services]]"),
            (battery, "[grid.battery]"),
            (deferral, "[grid.deferral]"),
            (sc.storage.is_some(), "[storage]"),
        ];
        match refused.iter().find(|(on, _)| *on) {
            Some((_, what)) => self.err(&p, format!("a warm-up is not modelled with {what} yet; remove `warmup` or {what}")),
            None => Ok(()),
        }
    }
}
