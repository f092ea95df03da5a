//! The terminal summary of a run: the report's key figures (labels and definitions from the
//! metrics registry, values formatted for people) as an aligned table, then a line for each
//! feature the run has that the table does not cover (services, battery and deferral, the
//! finance extrapolation).

use std::fmt::Write as _;

use serde_json::Value;

use crate::engine::Summary;
use crate::report::Lang;
use crate::report::format::{count, duration_s, fixed, pct};
use crate::report::keys::key_figures;

/// Display width of text on a terminal (CJK characters take two columns).
pub fn width(s: &str) -> usize {
    s.chars().map(|c| if ('\u{1100}'..='\u{ffdc}').contains(&c) && !('\u{2000}'..='\u{206f}').contains(&c) { 2 } else { 1 }).sum()
}

/// `s` padded with spaces to `w` terminal columns.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// "1 day", "14 days": a count with its noun, plural when it is not one.
pub fn plural(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", count(n as f64), if n == 1 { "" } else { "s" })
}

/// A simulated span for people: whole days as "14 days", else hours and minutes as
/// [`duration_s`] writes them.
pub fn span(seconds: f64) -> String {
    let days = seconds / 86_400.0;
    if days >= 1.0 && days.fract() == 0.0 { plural(days as u64, "day") } else { duration_s(seconds) }
}

/// The terminal summary of a run (no trailing newline on the last line).
pub fn run_text(s: &Summary) -> String {
    let mut o = String::new();
    let sc = &s.scenario;
    let _ = writeln!(o, "{}: {}, {} scheduler, seed {}", sc.name, span(sc.horizon_s), sc.scheduler, sc.seed);
    let value = serde_json::to_value(s).unwrap_or(Value::Null);
    let figures = key_figures(&value, Lang::En);
    let w = figures.iter().map(|f| width(&f.label)).max().unwrap_or(0);
    for f in &figures {
        let _ = writeln!(o, "  {}  {}", pad(&f.label, w), f.value);
    }
    for line in feature_lines(s) {
        let _ = writeln!(o, "  {line}");
    }
    o
}

/// One line per feature present that the key figures leave out.
fn feature_lines(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for (name, v) in &s.services {
        out.push(format!(
            "service {name}: SLO attainment {}, {} replicas on average (peak {}), p95 latency {} on average, unmet load {}",
            pct(v.slo_attainment),
            fixed(v.replicas_mean, 1),
            count(v.replicas_peak as f64),
            duration_s(v.p95_latency_s_mean),
            pct(v.unmet_load_fraction)
        ));
    }
    if let Some(c) = &s.grid.cost {
        if let Some(b) = &s.grid.battery {
            out.push(format!(
                "battery: {} cycles, {} kWh lost; {} job-hours deferred, {} missed deadlines",
                fixed(b.cycles, 1),
                count(b.losses_kwh),
                count(c.deferred_job_hours),
                count(c.missed_deadlines as f64)
            ));
        } else if c.deferred_job_hours > 0.0 {
            out.push(format!(
                "deferral: {} job-hours deferred, {} missed deadlines",
                count(c.deferred_job_hours),
                count(c.missed_deadlines as f64)
            ));
        }
    }
    if let Some(f) = &s.finance {
        out.push(format!(
            "finance: {} simulated, later months repeat its last months' rates (finance.csv, summary.json finance.extrapolation)",
            plural(f.simulated.months, "month")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_spans_read_as_words() {
        assert_eq!(plural(1, "hall"), "1 hall");
        assert_eq!(plural(3, "hall"), "3 halls");
        assert_eq!(plural(12_000, "job"), "12,000 jobs");
        assert_eq!(span(86_400.0), "1 day");
        assert_eq!(span(14.0 * 86_400.0), "14 days");
        assert_eq!(span(365.0 * 86_400.0), "365 days");
        assert_eq!(span(3.0 * 3600.0), duration_s(3.0 * 3600.0));
    }
}
