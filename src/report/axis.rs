//! Axis descriptions of metrics for people: the label from the [metrics
//! registry](crate::metrics::registry) in the page's language, and the unit a reader wants
//! (durations in min, h or d rather than seconds, shares in %, large energies in MWh), with the
//! factor that turns the stored values into it.

use super::i18n::Lang;
use crate::metrics::registry;

/// How a metric is shown on an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// "Queue wait, 95th percentile (h)".
    pub label: String,
    /// The unit shown ("h", "%", "MWh"; empty for none).
    pub unit: String,
    /// Stored value times this is the shown value.
    pub scale: f64,
}

/// The shown unit and factor of a stored unit, given the largest magnitude to show.
pub fn human_unit(unit: &str, largest: f64) -> (String, f64) {
    let big = largest.abs();
    match unit {
        "s" if big >= 2.0 * 86_400.0 => ("d".into(), 1.0 / 86_400.0),
        "s" if big >= 2.0 * 3600.0 => ("h".into(), 1.0 / 3600.0),
        "s" if big >= 120.0 => ("min".into(), 1.0 / 60.0),
        "h" if big >= 48.0 => ("d".into(), 1.0 / 24.0),
        "fraction" => ("%".into(), 100.0),
        "kWh" if big >= 1e7 => ("GWh".into(), 1e-6),
        "kWh" if big >= 1e4 => ("MWh".into(), 1e-3),
        "kW" if big >= 1e4 => ("MW".into(), 1e-3),
        "1" | "" => (String::new(), 1.0),
        other => (other.to_string(), 1.0),
    }
}

/// The label of a metric key in `lang` (its path where the registry does not know it).
pub fn metric_name(key: &str, lang: Lang) -> String {
    match registry::find(key) {
        Some(leaf) => {
            let (en, zh) = leaf.label();
            if lang == Lang::Zh { zh } else { en }
        }
        None => key.to_string(),
    }
}

/// How metric `key` is shown, for values up to `largest` in magnitude (stored units).
pub fn metric_axis(key: &str, largest: f64, lang: Lang) -> Shown {
    let stored = registry::find(key).map_or("", |l| l.unit());
    let (unit, scale) = human_unit(stored, largest);
    let name = metric_name(key, lang);
    let label = if unit.is_empty() { name } else { format!("{name} ({unit})") };
    Shown { label, unit, scale }
}

/// The largest finite magnitude of values.
pub fn largest(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().filter(|v| v.is_finite()).fold(0.0, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_in_hours_or_days_shares_in_percent() {
        let a = metric_axis("jobs.wait_s.p95", 229_809.0, Lang::En);
        assert_eq!((a.label.as_str(), a.scale), ("Queue wait (started jobs), 95th percentile (d)", 1.0 / 86_400.0));
        assert_eq!(metric_axis("jobs.wait_s.p95", 9_000.0, Lang::En).unit, "h");
        assert_eq!(metric_axis("utilization.allocated_mean", 0.7, Lang::En).unit, "%");
        assert_eq!(metric_axis("energy.it_kwh", 72_610.0, Lang::En).unit, "MWh");
        assert!(metric_axis("utilization.allocated_mean", 0.7, Lang::Zh).label.contains("利用率"));
        assert_eq!(metric_axis("pue.annual", 1.2, Lang::En).label, "PUE", "a ratio has no unit");
    }
}
