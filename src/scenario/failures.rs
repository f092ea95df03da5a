//! The `[failures]` section: failure rates per component class, repair times, hot spares and
//! checkpointing, raw (as written) and resolved (SI, every default filled in).
//!
//! ## Defaults and their sources
//! Rates and repair times per component class: see [`crate::catalog::failures`] (derived
//! from the Llama 3 report). Repair times are lognormal with the given median and
//! `repair_sigma` (default 0.8 [rule of thumb]; 0 makes them fixed). Checkpoints default to
//! `interval = "young-daly"`, `cost = "5m"`, `restart = "10m"` [rule of thumb]; Young/Daly
//! (Young 1974, Daly 2006, BRIEF §7): tau = sqrt(2 delta M) with delta the checkpoint cost and
//! M the job's own mean time between interruptions (it falls with the number of nodes the job
//! holds).
//!
//! With a `[storage]` tier, `cost` and `restart` are not used: a checkpoint takes its `size`
//! over the bandwidth the job gets from storage (see [`crate::model::storage`]). `size` defaults
//! to 98 GB for a duration-defined class: a 7-billion-parameter model (the LLaMA-7B size,
//! Touvron et al. 2023, the most common base of fine-tuning [rule of thumb]) at 14 bytes per
//! parameter. A class defined by its work (`work = { params = ... }`, training) writes its own
//! model: parameters x `bytes_per_param`, default 14 = 2 (bf16 weights) + 4 (fp32 master
//! weights) + 8 (two fp32 Adam moments): the model states of mixed-precision Adam less the
//! 2-byte gradients, which a checkpoint does not keep (Rajbhandari et al., "ZeRO", SC'20, §3.1:
//! 16 bytes per parameter with gradients). `mode` defaults to `sync`: `torch.save`, PyTorch DCP
//! `save` and Megatron-LM save synchronously unless asked otherwise (DCP `async_save`,
//! Megatron `--async-save`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{FieldPath, ScenarioError, Source};
use super::units::{Bytes, DurationMs, parse_duration_ms};
use crate::catalog::failures::defaults;
use crate::config::failures::*;

/// `[failures.<component>]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    /// Mean time between failures of one unit, e.g. "50000h"; "0s" is not allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtbf: Option<DurationMs>,
    /// Annualized failure rate of one unit (failures per unit-year; 0 turns the class off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub afr: Option<f64>,
    /// Median repair or replacement time, e.g. "24h".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<DurationMs>,
    /// Sigma of ln(repair time); 0 makes repairs fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_sigma: Option<f64>,
}

/// A checkpoint policy as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheckpoint {
    /// Work between checkpoints, e.g. "2h", or "young-daly".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Time to write one checkpoint, e.g. "5m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<DurationMs>,
    /// Time to restart from a checkpoint after an interruption, e.g. "10m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<DurationMs>,
    /// Size of one checkpoint, e.g. "1TB" (used with a `[storage]` tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Bytes>,
    /// "sync" or "async" (used with a `[storage]` tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// `[failures]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailures {
    /// Accelerator faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<RawComponent>,
    /// HBM faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<RawComponent>,
    /// Host faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<RawComponent>,
    /// NIC, link and switch faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<RawComponent>,
    /// Software faults (no repair of hardware).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<RawComponent>,
    /// Rack power or cooling outages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<RawComponent>,
    /// Hot spare nodes per node type, held out of scheduling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spares: Option<u32>,
    /// Checkpointing of every job class without its own entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<RawCheckpoint>,
    /// Checkpointing per job class (by class name; trace jobs use their label).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<String, RawCheckpoint>,
    /// Checkpoint bytes per model parameter of a work-defined class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_param: Option<f64>,
}

impl Failures {
    /// One line for `aidc check`: MTBF per class, spares and the default checkpoint policy.
    pub fn describe(&self) -> String {
        let classes: Vec<String> = self
            .components
            .iter()
            .map(|c| {
                if c.mtbf_ms.is_finite() {
                    format!("{} {:.0} h", c.component.name(), c.mtbf_ms / 3.6e6)
                } else {
                    format!("{} off", c.component.name())
                }
            })
            .collect();
        let interval = match self.checkpoint.interval {
            Interval::Fixed(ms) => super::units::format_duration(ms),
            Interval::YoungDaly => "young-daly".to_string(),
        };
        format!(
            "MTBF per unit: {}; {} hot spare node(s) per node type; checkpoint every {interval}, cost {}, restart {}",
            classes.join(", "),
            self.spares,
            super::units::format_duration(self.checkpoint.cost_ms),
            super::units::format_duration(self.checkpoint.restart_ms)
        )
    }
}

type R<T> = Result<T, ScenarioError>;

/// Checkpoint size of a duration-defined class, bytes: 7e9 parameters x 14 bytes (module doc).
pub const DEFAULT_CHECKPOINT_BYTES: f64 = 98e9;
/// Checkpoint bytes per parameter of mixed-precision Adam (module doc).
pub const DEFAULT_BYTES_PER_PARAM: f64 = 14.0;

/// Resolves `[failures]`; `labels` are the job class labels (classes and trace labels), `work`
/// the (class, model parameters) of training classes defined by their work.
pub fn resolve(raw: &RawFailures, src: &Source, labels: &[String], work: &[(String, f64)]) -> R<Failures> {
    let p = FieldPath::root("failures");
    let given = [&raw.accelerator, &raw.memory, &raw.node, &raw.network, &raw.software, &raw.rack];
    let mut components = Vec::new();
    for (c, r) in Component::ALL.iter().zip(given) {
        components.push(component(*c, r.as_ref(), src, &p.key(c.name()))?);
    }
    let bytes_per_param = raw.bytes_per_param.unwrap_or(DEFAULT_BYTES_PER_PARAM);
    if !(bytes_per_param.is_finite() && (0.5..=64.0).contains(&bytes_per_param)) {
        return Err(
            src.error(&p.key("bytes_per_param"), format!("expected bytes per parameter from 0.5 to 64, like 14, found {bytes_per_param}"))
        );
    }
    let default = Checkpoint {
        interval: Interval::YoungDaly,
        cost_ms: 300_000,
        restart_ms: 600_000,
        size_bytes: DEFAULT_CHECKPOINT_BYTES,
        mode: Mode::Sync,
    };
    let base = match &raw.checkpoint {
        Some(c) => checkpoint(c, default, src, &p.key("checkpoint"))?,
        None => default,
    };
    let mut classes = Vec::new();
    for (name, c) in &raw.classes {
        let cp = p.key("classes").key(name);
        if !labels.contains(name) {
            return Err(src.error(&cp, format!("no job class is named {name:?} (known: {})", labels.join(", "))));
        }
        let mut policy = checkpoint(c, base, src, &cp)?;
        if c.size.is_none()
            && let Some((_, params)) = work.iter().find(|(w, _)| w == name)
        {
            policy.size_bytes = params * bytes_per_param;
        }
        classes.push((name.clone(), policy));
    }
    // A work-defined class without its own entry writes its model.
    for (name, params) in work {
        if !raw.classes.contains_key(name) {
            classes.push((name.clone(), Checkpoint { size_bytes: params * bytes_per_param, ..base }));
        }
    }
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Failures { components, spares: raw.spares.unwrap_or(0), checkpoint: base, classes, bytes_per_param })
}

/// The shortest mean time between failures of one unit, ms: a part that fails more than once an
/// hour is not in service (accelerators fail about once in 10^5 h, Kokolis et al. 2024).
const MIN_MTBF_MS: u64 = 3_600_000;
/// The highest annualized failure rate, per unit-year: once an hour.
const MAX_AFR: f64 = 8760.0;

fn component(c: Component, raw: Option<&RawComponent>, src: &Source, p: &FieldPath) -> R<ComponentFailures> {
    let (mtbf_h, repair_h) = defaults(c);
    let raw = raw.cloned().unwrap_or_default();
    let mtbf_ms = match (raw.mtbf, raw.afr) {
        (Some(_), Some(_)) => return Err(src.error(&p.key("afr"), "give either mtbf or afr, not both")),
        (Some(m), None) if m.0 < MIN_MTBF_MS => {
            return Err(src.error(&p.key("mtbf"), "expected a mean time between failures of at least 1h (per unit)"));
        }
        (Some(m), None) => m.0 as f64,
        (None, Some(a)) if !(a.is_finite() && (0.0..=MAX_AFR).contains(&a)) => {
            return Err(src.error(&p.key("afr"), format!("expected failures per unit-year from 0 to {MAX_AFR} (one an hour), found {a}")));
        }
        (None, Some(a)) => HOURS_PER_YEAR * 3.6e6 / a,
        (None, None) => mtbf_h * 3.6e6,
    };
    let repair_sigma = raw.repair_sigma.unwrap_or(0.8);
    if !(repair_sigma.is_finite() && (0.0..=3.0).contains(&repair_sigma)) {
        return Err(src.error(&p.key("repair_sigma"), format!("expected a number from 0 to 3, found {repair_sigma}")));
    }
    let repair_ms = raw.repair.map_or((repair_h * 3.6e6) as u64, |r| r.0);
    if c == Component::Rack && repair_ms == 0 && mtbf_ms.is_finite() {
        return Err(src.error(&p.key("repair"), "a rack outage needs a repair time above zero"));
    }
    Ok(ComponentFailures { component: c, mtbf_ms, repair_ms, repair_sigma })
}

fn checkpoint(raw: &RawCheckpoint, base: Checkpoint, src: &Source, p: &FieldPath) -> R<Checkpoint> {
    let interval = match raw.interval.as_deref().map(str::trim) {
        None => base.interval,
        Some("young-daly") => Interval::YoungDaly,
        Some(s) => match parse_duration_ms(s) {
            Ok(0) => return Err(src.error(&p.key("interval"), "expected an interval above zero, or \"young-daly\"")),
            Ok(ms) => Interval::Fixed(ms),
            Err(e) => return Err(src.error(&p.key("interval"), format!("{}; or \"young-daly\"", e.message))),
        },
    };
    let size_bytes = raw.size.map_or(base.size_bytes, |b| b.0);
    if size_bytes <= 0.0 {
        return Err(src.error(&p.key("size"), "expected a checkpoint size above zero, like \"1TB\""));
    }
    let mode = match raw.mode.as_deref().map(str::trim) {
        None => base.mode,
        Some(m) => match Mode::ALL.iter().find(|(_, n)| *n == m) {
            Some((k, _)) => *k,
            None => return Err(src.error(&p.key("mode"), format!("expected \"sync\" or \"async\", found {m:?}"))),
        },
    };
    Ok(Checkpoint {
        interval,
        cost_ms: raw.cost.map_or(base.cost_ms, |d| d.0),
        restart_ms: raw.restart.map_or(base.restart_ms, |d| d.0),
        size_bytes,
        mode,
    })
}

/// The resolved section written back with every default spelled out.
pub fn unparse(f: &Failures) -> RawFailures {
    let comp = |c: &ComponentFailures| {
        let whole = c.mtbf_ms.is_finite() && c.mtbf_ms.fract() == 0.0 && c.mtbf_ms < 1e18;
        Some(RawComponent {
            mtbf: whole.then_some(DurationMs(c.mtbf_ms as u64)),
            afr: (!whole).then(|| if c.mtbf_ms.is_finite() { HOURS_PER_YEAR * 3.6e6 / c.mtbf_ms } else { 0.0 }),
            repair: Some(DurationMs(c.repair_ms)),
            repair_sigma: Some(c.repair_sigma),
        })
    };
    let cp = |c: &Checkpoint| RawCheckpoint {
        interval: Some(match c.interval {
            Interval::Fixed(ms) => super::units::format_duration(ms),
            Interval::YoungDaly => "young-daly".to_string(),
        }),
        cost: Some(DurationMs(c.cost_ms)),
        restart: Some(DurationMs(c.restart_ms)),
        size: Some(Bytes(c.size_bytes)),
        mode: Some(c.mode.name().to_string()),
    };
    RawFailures {
        accelerator: comp(&f.components[0]),
        memory: comp(&f.components[1]),
        node: comp(&f.components[2]),
        network: comp(&f.components[3]),
        software: comp(&f.components[4]),
        rack: comp(&f.components[5]),
        spares: Some(f.spares),
        checkpoint: Some(cp(&f.checkpoint)),
        classes: f.classes.iter().map(|(n, c)| (n.clone(), cp(c))).collect(),
        bytes_per_param: Some(f.bytes_per_param),
    }
}
