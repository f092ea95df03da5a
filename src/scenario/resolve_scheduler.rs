//! Resolving `[scheduler]`: the policy with the settings it has, and placement.

use super::error::FieldPath;
use super::raw::*;
use super::resolve::{R, Resolver};
use crate::config::*;

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

impl Resolver<'_> {
    pub(super) fn scheduler(&self, raw: &RawScenario, sc: &Scenario) -> R<SchedulerConfig> {
        let p = FieldPath::root("scheduler");
        let s = raw.scheduler.clone().unwrap_or_default();
        let name = s.policy.as_deref().unwrap_or("backfill");
        let policy = match Policy::parse(name) {
            Ok(policy) => policy,
            Err(e) => return self.err(&p.key("policy"), e.to_string()),
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
        // Every field is checked whatever the policy; each policy keeps the ones it has.
        let depth = backfill_depth;
        let policy = match policy {
            Policy::Fifo => PolicyConfig::Fifo,
            Policy::Backfill => PolicyConfig::Backfill { depth },
            Policy::Priority => PolicyConfig::Priority { backfill: s.backfill.unwrap_or(true), depth, quotas, preemption },
            Policy::Sjf => PolicyConfig::Sjf { depth, aging_ms },
            Policy::BestFit => PolicyConfig::BestFit { depth },
        };
        Ok(SchedulerConfig { policy, placement, max_queued, reference: false })
    }
}

/// Settings a document writes that its resolved scenario does not use and that look meant, as
/// warnings for `aidc check`: `scheduler.preemption = true` under a policy that never preempts.
/// (A policy keeps only the settings it has; the others are accepted and checked, not used.)
pub fn ignored_settings(raw: &RawScenario, sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let policy = sc.scheduler.policy.policy();
    if raw.scheduler.as_ref().and_then(|s| s.preemption) == Some(true) && policy != Policy::Priority {
        out.push(format!("scheduler.preemption: only the priority policy preempts; {} never does", policy.name()));
    }
    out
}
