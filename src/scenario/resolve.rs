//! Raw scenario -> validated [`Scenario`]: defaults, cross-references, ranges, and the files a
//! scenario points at (traces, duration samples). Every error names the field and what is expected.
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `simulation.step` | 5 min | common DCIM sampling interval |
//! | `simulation.seed` | 1 | |
//! | `node_types.power_curve` | linear | BRIEF §3 |
//! | `node_types.power_curve_r` | 1.4 | Fan, Weber, Barroso, "Power provisioning for a warehouse-sized computer", ISCA 2007 |
//! | `cpu` | 2 sockets, 90 W idle, 280 W max | ORNL Frontier config of ExaDigiT/RAPS (BRIEF §3) |
//! | `cpu.busy_utilization` | 0.3 | [rule of thumb] host threads feeding accelerators |
//! | `memory_power` | 74 W | Frontier RAPS (BRIEF §3) |
//! | `nic_power` | 20 W per accelerator | Frontier RAPS NIC, one NIC per accelerator (rail-optimized) |
//! | `storage_power` | 30 W | Frontier RAPS NVMe |
//! | `psu` | 2 supplies (1+1) each rated at the node's maximum DC load, 80 PLUS Titanium | BRIEF §3 |
//! | class size/duration/utilization/priority | by kind, see [`kind_defaults`] | [rule of thumb] shaped after Acme (Hu et al., NSDI'24) |
//! | `estimate_factor` | 1.0 (runtimes known) | |
//! | trace `time_unit` | 1 s; `utilization` 0.5 | Jeon et al., ATC'19: Philly GPU utilization about 50 % |
//! | `scheduler` | backfill, depth 128, no preemption | |
//! | `scheduler.aging` | 24 h | [rule of thumb], see [`DEFAULT_AGING_MS`] |
//! | `scheduler.max_queued` | 1,000,000 jobs | Slurm `MaxJobCount`, see [`DEFAULT_MAX_QUEUED`] |
//! | class `preemptible` | batch-inference, evaluation, debug | see [`default_preemptible`] |

use std::path::{Path, PathBuf};

use super::error::{FieldPath, ScenarioError, Source, csv_error};
use super::model::*;
use super::raw::*;
use super::units::DurationMs;
use crate::calibrate::DeviceCalibration;
use crate::catalog::{AcceleratorSpec, Catalog};

const MS_PER_S: u64 = 1000;
const MAX_HORIZON_MS: u64 = 50 * 365 * 86_400_000;
const MAX_ACCELERATORS_PER_NODE: u32 = 64;
/// The most nodes a design may have (node and accelerator indexes are 32-bit).
pub const MAX_NODES: u64 = 1 << 24;
const DEFAULT_STEP_MS: u64 = 300_000;
const DEFAULT_SEED: u64 = 1;
const DEFAULT_FAN_BARROSO_R: f64 = 1.4;
const DEFAULT_CPU: Cpu = Cpu { count: 2, idle_w: 90.0, max_w: 280.0, busy_utilization: 0.3 };
const DEFAULT_MEMORY_W: f64 = 74.0;
const DEFAULT_NIC_W_PER_ACCELERATOR: f64 = 20.0;
const DEFAULT_STORAGE_W: f64 = 30.0;
const DEFAULT_PSU_COUNT: u32 = 2;
const DEFAULT_DURATION_MIN_MS: u64 = MS_PER_S;
const DEFAULT_DURATION_MAX_MS: u64 = 365 * 86_400_000;
const DEFAULT_TRACE_UTILIZATION: f64 = 0.5;
const DEFAULT_BACKFILL_DEPTH: u32 = 128;
/// SJF aging bound: a job waiting a day is served in submission order before younger jobs
/// [rule of thumb: a day is the wait users of shared GPU clusters tolerate for large jobs;
/// Philly and Helios report multi-hour median waits for large jobs, Jeon et al. ATC'19,
/// Hu et al. SC'21].
pub const DEFAULT_AGING_MS: u64 = 86_400_000;
/// The most jobs waiting at once. Slurm refuses submissions beyond `MaxJobCount` (10,000 by
/// default, raised to millions on large sites: slurm.conf(5)); a million keeps every study of
/// this project far below it and bounds the queue's memory at about 200-320 MB
/// (`engine::budget`).
pub const DEFAULT_MAX_QUEUED: u64 = 1_000_000;

/// Whether jobs of a kind may be preempted by default. Preempting loses the work since the
/// last checkpoint, so the default is yes only where an attempt is cheap to redo or the work
/// is naturally resumable: batch inference (independent requests), evaluation and debugging
/// (short, small). Pretraining and fine-tuning are long gang jobs whose lost work is costly,
/// and services are what preemption makes room for; `other` is unknown and kept safe.
pub fn default_preemptible(kind: ClassKind) -> bool {
    matches!(kind, ClassKind::BatchInference | ClassKind::Evaluation | ClassKind::Debug)
}

/// 80 PLUS efficiency points (230 V internal redundant), load fraction -> efficiency.
/// Source: 80 PLUS programme requirements (CLEAResult); Titanium as in BRIEF §3.
pub const PSU_CURVES: [(&str, &[(f64, f64)]); 3] = [
    ("titanium", &[(0.1, 0.90), (0.2, 0.94), (0.5, 0.96), (1.0, 0.91)]),
    ("platinum", &[(0.2, 0.90), (0.5, 0.94), (1.0, 0.91)]),
    ("gold", &[(0.2, 0.88), (0.5, 0.92), (1.0, 0.88)]),
];

/// Defaults by job kind: (size, duration, utilization, priority). [rule of thumb] shaped after
/// the Acme traces (Hu et al., NSDI'24): pretraining is few, large and long; evaluation and
/// debugging are many, small and short; services are long-lived and lightly loaded.
pub fn kind_defaults(kind: ClassKind) -> (SizeDist, DurationDist, UtilDist, i32) {
    let h = 3_600_000;
    let ln =
        |median_ms: u64, sigma: f64, max_ms: u64| DurationDist::Lognormal { median_ms, sigma, min_ms: DEFAULT_DURATION_MIN_MS, max_ms };
    let p2 = |min, max, alpha| SizeDist::Power2 { min, max, alpha };
    let u = |mean, sd| UtilDist { mean, sd };
    match kind {
        ClassKind::Pretrain => (p2(64, 1024, 0.5), ln(48 * h, 1.0, 30 * 24 * h), u(0.85, 0.05), 3),
        ClassKind::FineTune => (p2(8, 64, 1.0), ln(6 * h, 1.0, 7 * 24 * h), u(0.75, 0.1), 2),
        ClassKind::InferenceService => (p2(1, 8, 1.0), ln(7 * 24 * h, 0.5, 60 * 24 * h), u(0.4, 0.15), 4),
        ClassKind::BatchInference => (p2(1, 8, 1.0), ln(2 * h, 1.0, 2 * 24 * h), u(0.7, 0.1), 1),
        ClassKind::Evaluation => (p2(1, 8, 1.0), ln(h / 3, 1.2, 24 * h), u(0.5, 0.15), 1),
        ClassKind::Debug => (p2(1, 8, 1.5), ln(h / 6, 1.0, 4 * h), u(0.2, 0.1), 0),
        ClassKind::Other => (p2(1, 8, 1.0), ln(h, 1.0, 7 * 24 * h), u(0.5, 0.15), 0),
    }
}

type R<T> = Result<T, ScenarioError>;

/// Checks a horizon (also used for the `--horizon` override).
pub fn check_horizon(ms: u64) -> Result<(), String> {
    if ms == 0 || ms > MAX_HORIZON_MS {
        return Err("expected a horizon above zero and at most 50 years, like \"30d\"".into());
    }
    Ok(())
}

/// The largest mean arrival rate a class may have, per second (3.6 million an hour): anything
/// above is a typo that would make a run last forever.
const MAX_RATE_PER_S: f64 = 1000.0;
/// The largest hour-of-day or day-of-week multiplier.
const MAX_MULTIPLIER: f64 = 1e6;

/// Resolves a parsed scenario. `src` locates errors; relative file paths are taken from its folder.
pub fn resolve(raw: &RawScenario, src: &Source, catalog: &Catalog) -> R<Scenario> {
    let r = Resolver { src, catalog, dir: src.file.parent().map(Path::to_path_buf).unwrap_or_default() };
    let Some(c) = &raw.cluster else { return r.scenario(raw) };
    // A node list expands into ordinary node types and a hall, which resolve as if written out.
    let (expanded, list) = super::node_list::expand(raw, c, src, &r.dir, catalog)?;
    let mut sc = r.scenario(&expanded)?;
    sc.node_list = Some(list);
    Ok(sc)
}

struct Resolver<'a> {
    src: &'a Source,
    catalog: &'a Catalog,
    dir: PathBuf,
}

fn pos_f64(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl Resolver<'_> {
    fn err<T>(&self, path: &FieldPath, msg: impl Into<String>) -> R<T> {
        Err(self.src.error(path, msg))
    }

    /// A referenced file, absolute, so that `scenario.resolved.toml` works from any folder.
    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        let joined = if p.is_absolute() { p.to_path_buf() } else { self.dir.join(p) };
        std::path::absolute(&joined).unwrap_or(joined)
    }

    fn scenario(&self, raw: &RawScenario) -> R<Scenario> {
        let name = raw.name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) || name.starts_with('.') {
            return self.err(
                &FieldPath::root("name"),
                format!("expected a short name of letters, digits, '-', '_' or '.' (it names the output folder), found {:?}", raw.name),
            );
        }
        let sim = FieldPath::root("simulation");
        let horizon_ms = raw.simulation.horizon.0;
        if let Err(msg) = check_horizon(horizon_ms) {
            return self.err(&sim.key("horizon"), msg);
        }
        let step_ms = raw.simulation.step.map_or(DEFAULT_STEP_MS.min(horizon_ms), |s| s.0);
        if step_ms == 0 || step_ms > horizon_ms {
            return self.err(&sim.key("step"), "expected a sampling step above zero and no longer than the horizon, like \"5m\"");
        }
        let (devices, node_types) = self.node_types(raw)?;
        let halls = self.halls(raw, &node_types)?;
        let mut scenario = Scenario {
            name: name.to_string(),
            description: raw.description.clone(),
            file: self.src.file.clone(),
            horizon_ms,
            step_ms,
            seed: raw.simulation.seed.unwrap_or(DEFAULT_SEED),
            site_name: raw.site.as_ref().and_then(|s| s.name.clone()),
            site_location: raw.site.as_ref().and_then(|s| s.location.clone()),
            devices,
            node_types,
            halls,
            classes: Vec::new(),
            trace: None,
            scheduler: SchedulerConfig {
                policy: Policy::Backfill,
                backfill_depth: 0,
                backfill: true,
                quotas: vec![],
                placement: Placement::Pack,
                preemption: false,
                aging_ms: DEFAULT_AGING_MS,
                max_queued: DEFAULT_MAX_QUEUED,
            },
            start: crate::engine::calendar::Date { year: 2025, month: 1, day: 1 },
            climate: None,
            weather: None,
            grid: None,
            emission_factor: None,
            facility: None,
            demand: None,
            failures: None,
            coordination: None,
            network: None,
            services: Vec::new(),
            node_list: None,
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
        let late =
            scenario.halls.iter().enumerate().find_map(|(h, hall)| hall.racks.iter().position(|g| g.in_service_ms > 0).map(|g| (h, g)));
        if let Some((h, g)) = late
            && scenario.trace.as_ref().is_some_and(Trace::shares)
        {
            let p = FieldPath::root("halls").index(h).key("racks").index(g).key("in_service");
            return self.err(&p, "racks entering service later are not modelled with fractional GPU shares (an alibaba-v2023 trace) yet");
        }
        if raw.failures.is_some() && scenario.trace.as_ref().is_some_and(Trace::shares) {
            return self.err(
                &FieldPath::root("failures"),
                "failures are not modelled with fractional GPU shares (an alibaba-v2023 trace) yet; remove [failures]",
            );
        }
        if let Some(f) = &raw.failures {
            scenario.failures = Some(super::failures::resolve(f, self.src, &scenario.class_labels())?);
        }
        let factor = scenario.emission_factor.or(scenario.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh));
        scenario.coordination = super::grid::resolve(raw.grid.as_ref(), self.src, factor, &scenario.class_labels())?;
        Ok(scenario)
    }

    fn device(&self, raw: &RawScenario, id: &str, path: &FieldPath) -> R<(AcceleratorSpec, bool, Option<DeviceCalibration>)> {
        if let Some((i, inline)) = raw.accelerators.iter().enumerate().find(|(_, a)| a.id == id) {
            let ip = FieldPath::root("accelerators").index(i);
            let mut spec = match &inline.base {
                Some(base) => match self.catalog.get(base) {
                    Some(b) => inline.over(b),
                    None => {
                        return self.err(
                            &ip.key("base"),
                            format!("unknown catalog accelerator {base:?}; expected one of {}", self.catalog.ids().join(", ")),
                        );
                    }
                },
                None => inline.clone(),
            };
            let mut calibration = None;
            if let Some(file) = &inline.calibration {
                let base = inline.base.as_deref().and_then(|b| self.catalog.get(b));
                match crate::calibrate::apply::calibrate(inline, base, &self.path(file)) {
                    Ok((s, c)) => (spec, calibration) = (s, Some(c)),
                    Err(msg) => return self.err(&ip.key("calibration"), msg),
                }
            }
            if let Some((field, msg)) = spec.problems().into_iter().next() {
                return self.err(&ip.key(&field), msg);
            }
            return Ok((spec, true, calibration));
        }
        match self.catalog.get(id) {
            Some(s) => Ok((s.clone(), false, None)),
            None => self.err(
                path,
                format!(
                    "unknown accelerator {id:?}; expected a catalog id ({}) or the id of an [[accelerators]] entry",
                    self.catalog.ids().join(", ")
                ),
            ),
        }
    }

    fn node_types(&self, raw: &RawScenario) -> R<(Vec<Device>, Vec<NodeType>)> {
        for (i, a) in raw.accelerators.iter().enumerate() {
            if raw.accelerators[..i].iter().any(|b| b.id == a.id) {
                return self.err(&FieldPath::root("accelerators").index(i).key("id"), format!("duplicate accelerator id {:?}", a.id));
            }
        }
        if raw.node_types.is_empty() {
            return self.err(&FieldPath::root("node_types"), "expected at least one [[node_types]] entry");
        }
        let mut devices: Vec<Device> = Vec::new();
        let mut out = Vec::new();
        for (i, n) in raw.node_types.iter().enumerate() {
            let p = FieldPath::root("node_types").index(i);
            if n.name.trim().is_empty() || raw.node_types[..i].iter().any(|m| m.name == n.name) {
                return self.err(&p.key("name"), format!("expected a unique, non-empty node type name, found {:?}", n.name));
            }
            let (spec, inline, calibration) = self.device(raw, &n.accelerator, &p.key("accelerator"))?;
            let device = match devices.iter().position(|d| d.spec.id == spec.id) {
                Some(d) => d,
                None => {
                    let (Some(max_w), Some(idle_w)) = (spec.tdp_w, spec.idle_w) else {
                        return self.err(
                            &p.key("accelerator"),
                            format!(
                                "accelerator {:?} has no published {} figure; define it with [[accelerators]] id = \"{}-custom\", base = \"{}\", tdp_w = ..., idle_w = ...",
                                spec.id,
                                if spec.tdp_w.is_none() { "board power (tdp_w)" } else { "idle power (idle_w)" },
                                spec.id,
                                spec.id
                            ),
                        );
                    };
                    devices.push(Device { spec, inline, idle_w, max_w, calibration });
                    devices.len() - 1
                }
            };
            if n.accelerators == 0 || n.accelerators > MAX_ACCELERATORS_PER_NODE {
                return self.err(
                    &p.key("accelerators"),
                    format!("expected 1 to {MAX_ACCELERATORS_PER_NODE} accelerators per node, found {}", n.accelerators),
                );
            }
            let curve = match n.power_curve.as_deref().unwrap_or("linear") {
                "linear" => PowerCurve::Linear,
                "fan-barroso" => {
                    let r = n.power_curve_r.unwrap_or(DEFAULT_FAN_BARROSO_R);
                    if !(1.0..=3.0).contains(&r) {
                        return self
                            .err(&p.key("power_curve_r"), format!("expected an exponent from 1 to 3 (1.4 in Fan et al. 2007), found {r}"));
                    }
                    PowerCurve::FanBarroso { r }
                }
                other => return self.err(&p.key("power_curve"), format!("expected \"linear\" or \"fan-barroso\", found {other:?}")),
            };
            let cpu = self.cpu(n.cpu.as_ref(), &p.key("cpu"))?;
            let w = |v: Option<crate::scenario::units::PowerW>, d: f64| v.map_or(d, |x| x.0);
            let fans = match &n.fans {
                Some(f) if f.min.0 > f.max.0 => {
                    return self.err(&p.key("fans").key("min"), "expected fan minimum power not above its maximum");
                }
                Some(f) => Some(Fans { min_w: f.min.0, max_w: f.max.0 }),
                None => None,
            };
            let mut nt = NodeType {
                name: n.name.clone(),
                device,
                accelerators: n.accelerators,
                curve,
                cpu,
                memory_w: w(n.memory_power, DEFAULT_MEMORY_W),
                nic_w: w(n.nic_power, DEFAULT_NIC_W_PER_ACCELERATOR * n.accelerators as f64),
                storage_w: w(n.storage_power, DEFAULT_STORAGE_W),
                other_w: w(n.other_power, 0.0),
                fans,
                psu: Psu { count: 1, rating_w: 1.0, curve_name: None, points: vec![] },
            };
            let max_dc = crate::model::power::node_max_dc_w(&nt, &devices[device]);
            nt.psu = self.psu(n.psu.as_ref(), max_dc, &p.key("psu"))?;
            out.push(nt);
        }
        Ok((devices, out))
    }

    fn cpu(&self, raw: Option<&RawCpu>, p: &FieldPath) -> R<Cpu> {
        let Some(c) = raw else { return Ok(DEFAULT_CPU) };
        let cpu = Cpu {
            count: c.count.unwrap_or(DEFAULT_CPU.count),
            idle_w: c.idle.map_or(DEFAULT_CPU.idle_w, |x| x.0),
            max_w: c.max.map_or(DEFAULT_CPU.max_w, |x| x.0),
            busy_utilization: c.busy_utilization.unwrap_or(DEFAULT_CPU.busy_utilization),
        };
        if cpu.idle_w > cpu.max_w {
            return self.err(&p.key("idle"), format!("expected idle power not above max ({} W), found {} W", cpu.max_w, cpu.idle_w));
        }
        if !(0.0..=1.0).contains(&cpu.busy_utilization) {
            return self.err(&p.key("busy_utilization"), format!("expected a fraction from 0 to 1, found {}", cpu.busy_utilization));
        }
        Ok(cpu)
    }

    fn psu(&self, raw: Option<&RawPsu>, max_dc_w: f64, p: &FieldPath) -> R<Psu> {
        let count = raw.and_then(|r| r.count).unwrap_or(DEFAULT_PSU_COUNT);
        if count == 0 {
            return self.err(&p.key("count"), "expected at least one power supply");
        }
        let rating_w = raw.and_then(|r| r.rating).map_or(max_dc_w, |x| x.0);
        if !pos_f64(rating_w) {
            return self.err(&p.key("rating"), "expected a positive power rating like \"3300W\"");
        }
        let (curve_name, points) = match raw.and_then(|r| r.efficiency.clone()) {
            None => (Some("titanium".to_string()), PSU_CURVES[0].1.to_vec()),
            Some(RawPsuCurve::Named(name)) => match PSU_CURVES.iter().find(|(n, _)| *n == name) {
                Some((n, pts)) => (Some(n.to_string()), pts.to_vec()),
                None => {
                    return self.err(
                        &p.key("efficiency"),
                        format!("expected \"titanium\", \"platinum\", \"gold\" or [[load, efficiency], ...], found {name:?}"),
                    );
                }
            },
            Some(RawPsuCurve::Points(pts)) => {
                let pts: Vec<(f64, f64)> = pts.iter().map(|[l, e]| (*l, *e)).collect();
                let ok = !pts.is_empty()
                    && pts.iter().all(|(l, e)| pos_f64(*l) && *l <= 2.0 && pos_f64(*e) && *e <= 1.0)
                    && pts.windows(2).all(|w| w[0].0 < w[1].0);
                if !ok {
                    return self.err(
                        &p.key("efficiency"),
                        "expected [[load_fraction, efficiency], ...] with load fractions increasing in (0, 2] and efficiencies in (0, 1]",
                    );
                }
                (None, pts)
            }
        };
        Ok(Psu { count, rating_w, curve_name, points })
    }

    fn halls(&self, raw: &RawScenario, node_types: &[NodeType]) -> R<Vec<Hall>> {
        if raw.halls.is_empty() {
            return self.err(&FieldPath::root("halls"), "expected at least one [[halls]] entry");
        }
        let mut halls = Vec::new();
        for (i, h) in raw.halls.iter().enumerate() {
            let p = FieldPath::root("halls").index(i);
            if h.name.trim().is_empty() || raw.halls[..i].iter().any(|o| o.name == h.name) {
                return self.err(&p.key("name"), format!("expected a unique, non-empty hall name, found {:?}", h.name));
            }
            if h.racks.is_empty() {
                return self.err(&p.key("racks"), "expected at least one [[halls.racks]] group");
            }
            let mut racks = Vec::new();
            for (j, g) in h.racks.iter().enumerate() {
                let gp = p.key("racks").index(j);
                if g.count == 0 {
                    return self.err(&gp.key("count"), "expected a positive number of racks, found 0");
                }
                if g.nodes == 0 {
                    return self.err(&gp.key("nodes"), "expected a positive number of nodes per rack, found 0");
                }
                let Some(nt) = node_types.iter().position(|n| n.name == g.node_type) else {
                    let names: Vec<&str> = node_types.iter().map(|n| n.name.as_str()).collect();
                    return self
                        .err(&gp.key("node_type"), format!("unknown node type {:?}; expected one of {}", g.node_type, names.join(", ")));
                };
                if let Some(l) = g.power_limit
                    && !pos_f64(l.0)
                {
                    return self.err(&gp.key("power_limit"), "expected a positive rack power like \"40kW\"");
                }
                if let Some(t) = g.in_service
                    && t.0 >= raw.simulation.horizon.0
                {
                    return self.err(
                        &gp.key("in_service"),
                        format!(
                            "expected a time before the end of the run ({}), like \"90d\"",
                            crate::scenario::units::format_duration(raw.simulation.horizon.0)
                        ),
                    );
                }
                racks.push(RackGroup {
                    count: g.count,
                    nodes: g.nodes,
                    node_type: nt,
                    power_limit_w: g.power_limit.map(|x| x.0),
                    in_service_ms: g.in_service.map_or(0, |d| d.0),
                });
            }
            let cooling = super::resolve_facility::cooling(h.cooling.as_ref(), self.src, &p.key("cooling"))?;
            halls.push(Hall { name: h.name.clone(), racks, cooling });
        }
        Ok(halls)
    }

    fn classes(&self, raw: &RawScenario, sc: &Scenario) -> R<Vec<JobClass>> {
        let mut out = Vec::new();
        for (i, c) in raw.workload.classes.iter().enumerate() {
            let p = FieldPath::root("workload").key("classes").index(i);
            if c.name.trim().is_empty() || c.name.contains([',', '"', '\n']) || raw.workload.classes[..i].iter().any(|o| o.name == c.name) {
                return self.err(&p.key("name"), format!("expected a unique class name without commas or quotes, found {:?}", c.name));
            }
            let Some(kind) = ClassKind::ALL.iter().find(|(_, n)| *n == c.kind).map(|(k, _)| *k) else {
                let names: Vec<&str> = ClassKind::ALL.iter().map(|(_, n)| *n).collect();
                return self.err(&p.key("kind"), format!("expected one of {}, found {:?}", names.join(", "), c.kind));
            };
            let (dsize, ddur, dutil, dprio) = kind_defaults(kind);
            let rate = c.rate.0;
            if !(rate.is_finite() && (0.0..=MAX_RATE_PER_S).contains(&rate)) {
                return self.err(&p.key("rate"), format!("expected a rate from 0 to {MAX_RATE_PER_S}/s, like \"12/h\""));
            }
            self.profile(c.hour_of_day.as_deref(), 24, &p.key("hour_of_day"))?;
            self.profile(c.day_of_week.as_deref(), 7, &p.key("day_of_week"))?;
            let size = match &c.size {
                Some(s) => self.size(s, &p.key("size"))?,
                None => dsize,
            };
            let duration = match &c.duration {
                Some(d) => self.duration(d, &p.key("duration"))?,
                None => ddur,
            };
            let utilization = match &c.utilization {
                Some(u) => {
                    let u = UtilDist { mean: u.mean, sd: u.sd.unwrap_or(0.0) };
                    if !(u.mean > 0.0 && u.mean <= 1.0) {
                        return self
                            .err(&p.key("utilization").key("mean"), format!("expected a mean utilization in (0, 1], found {}", u.mean));
                    }
                    if !(u.sd >= 0.0 && (u.sd == 0.0 || u.sd * u.sd < u.mean * (1.0 - u.mean))) {
                        return self.err(
                            &p.key("utilization").key("sd"),
                            format!(
                                "expected 0 <= sd < sqrt(mean (1 - mean)) = {:.3} (a Beta distribution), found {}",
                                (u.mean * (1.0 - u.mean)).sqrt(),
                                u.sd
                            ),
                        );
                    }
                    u
                }
                None => dutil,
            };
            let estimate_factor = c.estimate_factor.unwrap_or(1.0);
            if !(estimate_factor.is_finite() && estimate_factor >= 1.0) {
                return self.err(
                    &p.key("estimate_factor"),
                    format!("expected a factor >= 1 (estimates never below the true run time), found {estimate_factor}"),
                );
            }
            let device = match &c.accelerator {
                Some(id) => match sc.devices.iter().position(|d| &d.spec.id == id) {
                    Some(d) => Some(d),
                    None => {
                        let ids: Vec<&str> = sc.devices.iter().map(|d| d.spec.id.as_str()).collect();
                        return self
                            .err(&p.key("accelerator"), format!("no node type has accelerator {id:?}; installed: {}", ids.join(", ")));
                    }
                },
                None => None,
            };
            out.push(JobClass {
                name: c.name.clone(),
                kind,
                rate_per_s: rate,
                hour_of_day: c.hour_of_day.clone(),
                day_of_week: c.day_of_week.clone(),
                size,
                duration,
                utilization,
                priority: c.priority.unwrap_or(dprio),
                estimate_factor,
                device,
                work: None,
                preemptible: c.preemptible.unwrap_or_else(|| default_preemptible(kind)),
            });
            if let Some(w) = &c.work {
                let wp = p.key("work");
                if c.duration.is_some() {
                    return self.err(&p.key("duration"), "give either duration or work, not both");
                }
                let dev = match device {
                    Some(d) => d,
                    None => {
                        let first = sc.node_types.first().map_or(0, |n| n.device);
                        if sc.node_types.iter().any(|n| n.device != first) {
                            return self.err(&p.key("accelerator"), "a work-defined class needs an accelerator when node types differ");
                        }
                        first
                    }
                };
                let training = !matches!(kind, ClassKind::InferenceService | ClassKind::BatchInference);
                let work = super::network::resolve_work(w, self.src, &wp, &sc.devices[dev], training)?;
                if let Some(last) = out.last_mut() {
                    last.work = Some(work);
                }
            }
        }
        Ok(out)
    }

    fn profile(&self, v: Option<&[f64]>, len: usize, p: &FieldPath) -> R<()> {
        let Some(v) = v else { return Ok(()) };
        if v.len() != len || v.iter().any(|x| !(0.0..=MAX_MULTIPLIER).contains(x)) || v.iter().sum::<f64>() <= 0.0 {
            return self.err(p, format!("expected {len} multipliers from 0 to {MAX_MULTIPLIER}, not all zero, found {} values", v.len()));
        }
        Ok(())
    }

    /// Rejects fields that the chosen `dist` does not take, naming the first one.
    fn only(&self, p: &FieldPath, dist: &str, present: &[(&str, bool)], takes: &[&str]) -> R<()> {
        match present.iter().find(|(name, here)| *here && !takes.contains(name)) {
            Some((name, _)) => {
                self.err(&p.key(name), format!("dist = {dist:?} does not take `{name}`; it takes: dist, {}", takes.join(", ")))
            }
            None => Ok(()),
        }
    }

    /// A field the chosen `dist` needs.
    fn need<T: Clone>(&self, v: &Option<T>, p: &FieldPath, name: &str, dist: &str, what: &str) -> R<T> {
        match v {
            Some(v) => Ok(v.clone()),
            None => self.err(&p.key(name), format!("dist = {dist:?} needs `{name}`: {what}")),
        }
    }

    fn size(&self, s: &RawSize, p: &FieldPath) -> R<SizeDist> {
        let present = [
            ("value", s.value.is_some()),
            ("values", s.values.is_some()),
            ("weights", s.weights.is_some()),
            ("min", s.min.is_some()),
            ("max", s.max.is_some()),
            ("alpha", s.alpha.is_some()),
        ];
        let d = s.dist.as_str();
        Ok(match d {
            "fixed" => {
                self.only(p, d, &present, &["value"])?;
                let value = self.need(&s.value, p, "value", d, "the accelerators of every job")?;
                if value == 0 {
                    return self.err(&p.key("value"), "expected a positive number of accelerators, found 0");
                }
                SizeDist::Fixed(value)
            }
            "choice" => {
                self.only(p, d, &present, &["values", "weights"])?;
                let values = self.need(&s.values, p, "values", d, "a list of sizes")?;
                let weights = self.need(&s.weights, p, "weights", d, "one weight per size")?;
                if values.is_empty() || values.len() != weights.len() {
                    return self.err(&p.key("weights"), "expected `values` and `weights` of the same, non-zero length");
                }
                if let Some(i) = values.iter().position(|v| *v == 0) {
                    return self.err(&p.key("values").index(i), "expected a positive number of accelerators, found 0");
                }
                if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) || !weights.iter().sum::<f64>().is_normal() {
                    return self.err(&p.key("weights"), "expected finite, non-negative weights, not all zero");
                }
                SizeDist::Choice { values, weights }
            }
            "power2" => {
                self.only(p, d, &present, &["min", "max", "alpha"])?;
                let min = self.need(&s.min, p, "min", d, "the smallest size, a power of two")?;
                let max = self.need(&s.max, p, "max", d, "the largest size, a power of two")?;
                let alpha = self.need(&s.alpha, p, "alpha", d, "the tail exponent (1 is a common choice)")?;
                for (k, v) in [("min", min), ("max", max)] {
                    if v == 0 || !v.is_power_of_two() {
                        return self.err(&p.key(k), format!("expected a power of two (1, 2, 4, 8 ...), found {v}"));
                    }
                }
                if min > max {
                    return self.err(&p.key("min"), format!("expected min ({min}) not above max ({max})"));
                }
                if !(-64.0..=64.0).contains(&alpha) {
                    return self.err(&p.key("alpha"), format!("expected a tail exponent from -64 to 64, found {alpha}"));
                }
                SizeDist::Power2 { min, max, alpha }
            }
            other => return self.err(&p.key("dist"), format!("expected \"fixed\", \"choice\" or \"power2\", found {other:?}")),
        })
    }

    fn clip(&self, min: Option<DurationMs>, max: Option<DurationMs>, p: &FieldPath) -> R<(u64, u64)> {
        let min_ms = min.map_or(DEFAULT_DURATION_MIN_MS, |d| d.0);
        let max_ms = max.map_or(DEFAULT_DURATION_MAX_MS, |d| d.0);
        if max_ms == 0 || max_ms > MAX_HORIZON_MS {
            return self.err(&p.key("max"), "expected an upper clip above zero and at most 50 years");
        }
        if min_ms > max_ms {
            return self.err(&p.key("min"), format!("expected min ({min_ms} ms) not above max ({max_ms} ms)"));
        }
        Ok((min_ms, max_ms))
    }

    fn duration(&self, r: &RawDuration, p: &FieldPath) -> R<DurationDist> {
        let present = [
            ("value", r.value.is_some()),
            ("median", r.median.is_some()),
            ("sigma", r.sigma.is_some()),
            ("file", r.file.is_some()),
            ("unit", r.unit.is_some()),
            ("scale", r.scale.is_some()),
            ("min", r.min.is_some()),
            ("max", r.max.is_some()),
        ];
        let d = r.dist.as_str();
        Ok(match d {
            "fixed" => {
                self.only(p, d, &present, &["value"])?;
                let value = self.need(&r.value, p, "value", d, "the run time of every job, like \"1h\"")?.0;
                if value == 0 || value > MAX_HORIZON_MS {
                    return self.err(&p.key("value"), "expected a duration above zero and at most 50 years, like \"1h\"");
                }
                DurationDist::Fixed(value)
            }
            "lognormal" => {
                self.only(p, d, &present, &["median", "sigma", "min", "max"])?;
                let median = self.need(&r.median, p, "median", d, "the median run time, like \"2h\"")?.0;
                let sigma = self.need(&r.sigma, p, "sigma", d, "the standard deviation of ln(duration), like 1.0")?;
                if median == 0 || median > MAX_HORIZON_MS {
                    return self.err(&p.key("median"), "expected a median above zero and at most 50 years, like \"2h\"");
                }
                if !(sigma.is_finite() && (0.0..=5.0).contains(&sigma)) {
                    return self.err(&p.key("sigma"), format!("expected a log-space standard deviation from 0 to 5, found {sigma}"));
                }
                let (min_ms, max_ms) = self.clip(r.min, r.max, p)?;
                DurationDist::Lognormal { median_ms: median, sigma, min_ms, max_ms }
            }
            "empirical" => {
                self.only(p, d, &present, &["file", "unit", "scale", "min", "max"])?;
                let file = self.need(&r.file, p, "file", d, "a one-column CSV of run times")?;
                let unit_ms = r.unit.map_or(MS_PER_S, |u| u.0);
                if unit_ms == 0 {
                    return self.err(&p.key("unit"), "expected a positive unit like \"1s\"");
                }
                let scale = r.scale.unwrap_or(1.0);
                if !pos_f64(scale) {
                    return self.err(&p.key("scale"), format!("expected a positive multiplier, found {scale}"));
                }
                let (min_ms, max_ms) = self.clip(r.min, r.max, p)?;
                let path = super::node_list::data_file(&file, &self.dir).map_err(|m| self.src.error(&p.key("file"), m))?;
                let values_ms = read_durations(&path, unit_ms as f64 * scale, min_ms, max_ms)?;
                DurationDist::Empirical { file: path, unit_ms, scale, min_ms, max_ms, values_ms }
            }
            other => return self.err(&p.key("dist"), format!("expected \"fixed\", \"lognormal\" or \"empirical\", found {other:?}")),
        })
    }

    fn trace(&self, t: &RawTrace, sc: &Scenario) -> R<Trace> {
        let p = FieldPath::root("workload").key("trace");
        let time_unit_ms = t.time_unit.map_or(MS_PER_S, |u| u.0);
        if time_unit_ms == 0 {
            return self.err(&p.key("time_unit"), "expected a positive unit like \"1s\"");
        }
        let utilization = t.utilization.unwrap_or(DEFAULT_TRACE_UTILIZATION);
        if !(utilization > 0.0 && utilization <= 1.0) {
            return self.err(&p.key("utilization"), format!("expected a utilization in (0, 1], found {utilization}"));
        }
        let class = t.class.clone().unwrap_or_else(|| "trace".to_string());
        if class.trim().is_empty() || class.contains([',', '"', '\n']) {
            return self.err(&p.key("class"), "expected a class label without commas or quotes");
        }
        let file = super::node_list::data_file(&t.file, &self.dir).map_err(|m| self.src.error(&p.key("file"), m))?;
        let limit = crate::model::compute::largest_job(sc);
        let name = t.format.as_deref().unwrap_or("generic");
        let Some(format) = TraceFormat::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f) else {
            return self.err(&p.key("format"), format!("expected \"generic\", \"alibaba-v2023\", \"acme\" or \"helios\", found {name:?}"));
        };
        if format == TraceFormat::Generic && t.columns.is_unset() {
            return self.err(&p, "format = \"generic\" needs columns = { submit = ..., accelerators = ..., duration = ... }");
        }
        if format != TraceFormat::Generic && !t.columns.is_unset() {
            return self.err(&p.key("columns"), format!("format = {name:?} names its own columns; remove `columns`"));
        }
        let opts = super::trace_formats::Options { unit_ms: time_unit_ms, class: &class, utilization, largest: limit };
        let mut trace = match format {
            TraceFormat::Generic => super::trace::read(&file, &t.columns, time_unit_ms, &class, utilization, limit)?,
            TraceFormat::AlibabaV2023 => super::trace_formats::read_alibaba(&file, &opts)?,
            f => super::trace_formats::read_job_log(&file, f, &opts)?,
        };
        trace.start_at_zero = t.start_at_zero.unwrap_or(true);
        if trace.start_at_zero
            && let Some(first) = trace.jobs.first().map(|j| j.submit_ms)
        {
            trace.jobs.iter_mut().for_each(|j| j.submit_ms -= first);
        }
        Ok(trace)
    }

    fn scheduler(&self, raw: &RawScenario, sc: &Scenario) -> R<SchedulerConfig> {
        let p = FieldPath::root("scheduler");
        let s = raw.scheduler.clone().unwrap_or_default();
        let name = s.policy.as_deref().unwrap_or("backfill");
        let policy = match Policy::parse(name) {
            Ok(policy) => policy,
            Err(msg) => return self.err(&p.key("policy"), msg),
        };
        let aging_ms = s.aging.map_or(DEFAULT_AGING_MS, |a| a.0);
        if aging_ms == 0 {
            return self.err(&p.key("aging"), "expected an aging bound above zero, like \"24h\"");
        }
        let backfill_depth = s.backfill_depth.unwrap_or(DEFAULT_BACKFILL_DEPTH);
        if backfill_depth == 0 {
            return self.err(&p.key("backfill_depth"), "expected at least 1 queued job to consider");
        }
        let placement = match s.placement.as_deref() {
            None if raw.network.is_some() => Placement::Topology,
            None | Some("packing") => Placement::Pack,
            Some(pl) => match Placement::ALL.iter().find(|(_, n)| *n == pl) {
                Some((x, _)) => *x,
                None => {
                    return self.err(
                        &p.key("placement"),
                        format!("expected \"pack\" (fill nodes, then racks), \"topology\" (stay inside a pod) or \"random\", found {pl:?}"),
                    );
                }
            },
        };
        if placement == Placement::Topology && raw.network.is_none() {
            return self.err(&p.key("placement"), "\"topology\" placement needs a [network] section (its pods)");
        }
        let labels = sc.class_labels();
        let mut quotas = Vec::new();
        for (class, share) in s.quotas.iter().flatten() {
            if !labels.contains(class) {
                return self.err(&p.key("quotas").key(class), format!("unknown class {class:?}; expected one of {}", labels.join(", ")));
            }
            if !(*share > 0.0 && *share <= 1.0) {
                return self.err(&p.key("quotas").key(class), format!("expected a share of the accelerators in (0, 1], found {share}"));
            }
            quotas.push((class.clone(), *share));
        }
        let preemption = s.preemption.unwrap_or(false);
        let max_queued = s.max_queued.unwrap_or(DEFAULT_MAX_QUEUED);
        if max_queued == 0 {
            return self.err(&p.key("max_queued"), "expected at least 1 job waiting, like 1000000");
        }
        let backfill = s.backfill.unwrap_or(true);
        Ok(SchedulerConfig { policy, backfill_depth, backfill, quotas, preemption, aging_ms, placement, max_queued })
    }
}

/// Reads a one-column CSV of durations (a non-numeric first line is a header), times `factor`
/// into ms, clipped to [min_ms, max_ms].
fn read_durations(path: &Path, factor_ms: f64, min_ms: u64, max_ms: u64) -> R<Vec<u64>> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split(',').next().unwrap_or("").trim();
        if cell.is_empty() {
            continue;
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 && v * factor_ms < 1e18 => {
                out.push(((v * factor_ms).round() as u64).clamp(min_ms, max_ms));
            }
            Ok(v) => return Err(csv_error(path, Some(i + 1), "duration", format!("expected a non-negative duration, found {v}"))),
            Err(_) if i == 0 => {}
            Err(_) => return Err(csv_error(path, Some(i + 1), "duration", format!("expected a number, found {cell:?}"))),
        }
    }
    if out.is_empty() {
        return Err(csv_error(path, None, "duration", "expected at least one duration value"));
    }
    Ok(out)
}
