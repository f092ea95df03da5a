//! Overrides of a scenario document: command-line flags (`--seed`, `--horizon`,
//! `--scheduler`, `--it-only`), a forecast's horizon, demand and expansion, the seed of a
//! replication. They are applied to the raw document before it is resolved, so that an
//! overridden value gets every check a value written in the file gets, and nothing changes a
//! resolved scenario afterwards (the same path as the swept values of [`super::edit`]).

use std::fmt;

use super::raw::{RawRackGroup, RawScenario};
use super::units::{DurationMs, format_duration};
use crate::config::{DemandSchedule, Policy};

/// Values that replace what a scenario document says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `simulation.seed`.
    pub seed: Option<u64>,
    /// `simulation.horizon`, ms; a longer `simulation.step` is shortened to it.
    pub horizon_ms: Option<u64>,
    /// `scheduler.policy`.
    pub policy: Option<Policy>,
    /// Leave `[facility]` out: model IT only.
    pub it_only: bool,
    /// A piecewise-constant multiplier of the synthetic classes' arrival rates (forecasts;
    /// scenario files have no such field).
    pub demand: Option<DemandSchedule>,
    /// Racks added to the first hall (a forecast's expansion).
    pub added_racks: Option<AddedRacks>,
}

/// Racks like the first rack group of the first hall, entering service later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddedRacks {
    /// Racks added.
    pub count: u32,
    /// When they enter service, ms after the start.
    pub in_service_ms: u64,
}

impl Overrides {
    /// Whether it overrides nothing.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// Applies the overrides to a raw document whose `[cluster]`, if any, is already expanded
    /// into node types and a hall.
    pub fn apply(&self, raw: &mut RawScenario) {
        if let Some(seed) = self.seed {
            raw.simulation.seed = Some(seed);
        }
        if let Some(h) = self.horizon_ms {
            raw.simulation.horizon = DurationMs(h);
            if let Some(step) = raw.simulation.step.as_mut() {
                step.0 = step.0.min(h);
            }
        }
        if let Some(p) = self.policy {
            raw.scheduler.get_or_insert_with(Default::default).policy = Some(p.name().to_string());
        }
        if self.it_only {
            raw.facility = None;
            // The facility's columns go with it; the rest of `[output]` stays.
            if let Some(cols) = raw.output.as_mut().and_then(|o| o.timeseries_columns.as_mut()) {
                cols.retain(|c| crate::metrics::registry::timeseries_columns(false, true).any(|e| e.path == c));
            }
        }
        if let Some(d) = &self.demand {
            raw.demand = Some(d.steps.clone());
        }
        if let Some(a) = self.added_racks
            && let Some(hall) = raw.halls.first_mut()
            && let Some(first) = hall.racks.first().cloned()
        {
            hall.racks.push(RawRackGroup { count: a.count, in_service: Some(DurationMs(a.in_service_ms)), ..first });
        }
    }
}

/// The overrides as settings of the document, for messages: `simulation.horizon = "7d"`, ...
impl fmt::Display for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.seed {
            parts.push(format!("simulation.seed = {s}"));
        }
        if let Some(h) = self.horizon_ms {
            parts.push(format!("simulation.horizon = {:?}", format_duration(h)));
        }
        if let Some(p) = self.policy {
            parts.push(format!("scheduler.policy = {:?}", p.name()));
        }
        if self.it_only {
            parts.push("no [facility]".to_string());
        }
        if self.demand.is_some() {
            parts.push("a demand schedule".to_string());
        }
        if let Some(a) = self.added_racks {
            parts.push(format!("{} racks added from {}", a.count, format_duration(a.in_service_ms)));
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{PolicyConfig, Scenario};

    fn ready(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
    }

    /// What `aidc run` did before overrides edited the document: resolve, then set fields.
    fn mutated(path: &std::path::Path, seed: u64, horizon_ms: u64) -> Scenario {
        let mut sc = super::super::load(path).unwrap();
        sc.seed = seed;
        sc.horizon_ms = horizon_ms;
        sc.step_ms = sc.step_ms.min(horizon_ms);
        sc.facility = None;
        sc
    }

    #[test]
    fn overrides_give_the_scenario_the_old_field_edits_gave() {
        for (name, horizon_ms) in [("classroom.toml", 3 * 86_400_000), ("changsha-immersion.toml", 600_000)] {
            let o = Overrides { seed: Some(u64::MAX), horizon_ms: Some(horizon_ms), it_only: true, ..Overrides::default() };
            let sc = super::super::load_with(&ready(name), &o).unwrap();
            assert_eq!(sc, mutated(&ready(name), u64::MAX, horizon_ms), "{name}");
            assert!(sc.step_ms <= horizon_ms && sc.facility.is_none() && sc.climate.is_some(), "{name}: the site stays, the plant goes");
        }
    }

    #[test]
    fn a_policy_override_keeps_the_settings_the_file_gives_it() {
        let o = Overrides { policy: Some(Policy::Sjf), ..Overrides::default() };
        let sc = super::super::load_with(&ready("classroom.toml"), &o).unwrap();
        // classroom.toml: backfill_depth = 64; aging is the default.
        assert_eq!(sc.scheduler.policy, PolicyConfig::Sjf { depth: 64, aging_ms: super::super::DEFAULT_AGING_MS });
    }

    #[test]
    fn added_racks_copy_the_first_group_and_errors_name_the_overrides() {
        let o = Overrides { added_racks: Some(AddedRacks { count: 3, in_service_ms: 86_400_000 }), ..Overrides::default() };
        let sc = super::super::load_with(&ready("classroom.toml"), &o).unwrap();
        let (first, added) = (&sc.halls[0].racks[0], sc.halls[0].racks.last().unwrap());
        assert_eq!((added.count, added.in_service_ms, added.nodes, added.node_type), (3, 86_400_000, first.nodes, first.node_type));
        // phased-buildout.toml brings racks into service at 90 d: a 7-day run cannot have them.
        let short = Overrides { horizon_ms: Some(7 * 86_400_000), ..Overrides::default() };
        let e = super::super::load_with(&ready("phased-buildout.toml"), &short).unwrap_err().to_string();
        assert!(e.contains("in_service") && e.contains("simulation.horizon = \"7d\"") && e.contains("as written is valid"), "{e}");
    }
}
