//! The `[output]` section: which timeseries.csv columns a run writes and how often a row, raw
//! (as written) and resolved. Without it, every column at every sampling step, as before the
//! section existed.
//!
//! A row written every k sampling steps holds the interval-weighted mean of the k steps for the
//! columns that are means over their interval (powers, utilizations, temperatures, PUE as the
//! ratio of the mean facility and IT powers), and the value at the row's time for the columns
//! that are states or totals at `time_s` (queue, running jobs, cumulative energy, state of
//! charge): what a planner reads off an hourly meter. Energies and totals in summary.json do not
//! depend on it.

use super::error::{FieldPath, ScenarioError, Source};
use super::raw::RawOutput;
use super::units::{DurationMs, format_duration};
use crate::config::Scenario;
use crate::config::output::OutputConfig;
use crate::metrics::registry::{self, When};

type R<T> = Result<T, ScenarioError>;

/// Resolves `[output]` for `sc` (its step, facility and grid already resolved).
pub fn resolve(raw: &RawOutput, src: &Source, sc: &Scenario) -> R<OutputConfig> {
    let p = FieldPath::root("output");
    let mut out = OutputConfig::default();
    if let Some(names) = &raw.timeseries_columns {
        let all: Vec<&str> = registry::timeseries_columns(true, true).map(|c| c.path).collect();
        let mut chosen = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let at = p.key("timeseries_columns").index(i);
            let Some(entry) = registry::timeseries_columns(true, true).find(|c| c.path == name) else {
                return Err(src.error(&at, format!("unknown timeseries column {name:?}; expected one of {}", all.join(", "))));
            };
            let missing = match entry.when {
                When::WithFacility if sc.facility.is_none() => Some("[facility]"),
                When::WithGrid if sc.coordination.is_none() => Some("[grid]"),
                _ => None,
            };
            if let Some(section) = missing {
                return Err(src.error(&at, format!("column {name:?} is written only with a {section} section; remove it or add {section}")));
            }
            if chosen.contains(name) {
                return Err(src.error(&at, format!("column {name:?} is listed twice")));
            }
            chosen.push(name.clone());
        }
        if chosen.is_empty() {
            return Err(src.error(&p.key("timeseries_columns"), "expected at least one column, like [\"time_s\", \"it_power_kw\"]"));
        }
        // The file keeps the registry's order, whatever the order of the list.
        out.timeseries_columns = Some(all.iter().filter(|c| chosen.iter().any(|n| n == *c)).map(|c| c.to_string()).collect());
    }
    if let Some(DurationMs(step_ms)) = raw.timeseries_step {
        if step_ms == 0 || !step_ms.is_multiple_of(sc.step_ms) {
            return Err(src.error(
                &p.key("timeseries_step"),
                format!(
                    "expected a whole number of sampling steps (simulation.step = {}), like {:?}, found {}",
                    format_duration(sc.step_ms),
                    format_duration(sc.step_ms * 12),
                    format_duration(step_ms)
                ),
            ));
        }
        out.timeseries_every = step_ms / sc.step_ms;
    }
    Ok(out)
}

/// The raw form of `o` for `sc` (None for the default).
pub fn unparse(o: &OutputConfig, sc: &Scenario) -> Option<RawOutput> {
    (!o.is_default()).then(|| RawOutput {
        timeseries_columns: o.timeseries_columns.clone(),
        timeseries_step: (o.timeseries_every > 1).then_some(DurationMs(o.timeseries_every * sc.step_ms)),
    })
}
