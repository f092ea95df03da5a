//! Resolving the workload: synthetic job classes (kind defaults, size, duration and utilization
//! distributions, arrival profiles, work) and a trace to replay.

use std::path::Path;

use super::error::{FieldPath, csv_error};
use super::raw::*;
use super::resolve::{MAX_HORIZON_MS, MAX_JOB_ACCELERATORS, MS_PER_S, R, Resolver, pos_f64};
use super::units::DurationMs;
use crate::catalog::classes::{DURATION_MIN_MS as DEFAULT_DURATION_MIN_MS, default_preemptible};
use crate::config::*;

const DEFAULT_DURATION_MAX_MS: u64 = 365 * 86_400_000;
const DEFAULT_TRACE_UTILIZATION: f64 = 0.5;

/// The largest mean arrival rate a class may have, per second (3.6 million an hour): anything
/// above is a typo that would make a run last forever.
const MAX_RATE_PER_S: f64 = 1000.0;

/// The largest hour-of-day or day-of-week multiplier.
const MAX_MULTIPLIER: f64 = 1e6;

/// The largest log-space deviation of a time to failure or cancellation.
const MAX_END_SIGMA: f64 = 10.0;

/// A kind's default (size, duration, utilization, priority) from the catalog
/// ([`crate::catalog::classes::kind_defaults`]) as resolved distributions.
pub fn kind_defaults(kind: ClassKind) -> (SizeDist, DurationDist, UtilDist, i32) {
    let d = crate::catalog::classes::kind_defaults(kind);
    (
        SizeDist::Power2 { min: d.size_min, max: d.size_max, alpha: d.size_alpha },
        DurationDist::Lognormal { median_ms: d.median_ms, sigma: d.sigma, min_ms: DEFAULT_DURATION_MIN_MS, max_ms: d.max_ms },
        UtilDist { mean: d.utilization_mean, sd: d.utilization_sd },
        d.priority,
    )
}

/// A kind's default end states ([`crate::catalog::classes::kind_defaults`]).
pub fn kind_ends(kind: ClassKind) -> Ends {
    let d = crate::catalog::classes::kind_defaults(kind);
    let end = |e: crate::catalog::classes::EndDefaults| EndDist { share: e.share, median_ms: e.median_ms, sigma: e.sigma };
    Ends { failed: end(d.failed), cancelled: end(d.cancelled) }
}

impl Resolver<'_> {
    pub(super) fn classes(&self, raw: &RawScenario, sc: &Scenario) -> R<Vec<JobClass>> {
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
            if !(1.0..=1000.0).contains(&estimate_factor) {
                return self.err(
                    &p.key("estimate_factor"),
                    format!("expected a factor from 1 to 1000 (estimates never below the true run time), found {estimate_factor}"),
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
                ends: self.ends(c, kind, &p)?,
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

    /// The end states of a class: each field written overrides its kind's default; the shares
    /// of failed and cancelled jobs may not exceed 1 together.
    fn ends(&self, c: &RawJobClass, kind: ClassKind, p: &FieldPath) -> R<Ends> {
        let d = kind_ends(kind);
        let one = |raw: &Option<RawEnd>, d: EndDist, key: &str| -> R<EndDist> {
            let Some(r) = raw else { return Ok(d) };
            let p = p.key(key);
            let e = EndDist {
                share: r.share.unwrap_or(d.share),
                median_ms: r.median.map_or(d.median_ms, |m| m.0),
                sigma: r.sigma.unwrap_or(d.sigma),
            };
            if !(0.0..=1.0).contains(&e.share) {
                return self.err(&p.key("share"), format!("expected a share of the class's jobs from 0 to 1, found {}", e.share));
            }
            if e.median_ms == 0 || e.median_ms > MAX_HORIZON_MS {
                return self.err(&p.key("median"), "expected a median time above zero and at most 50 years, like \"2min\"");
            }
            if !(0.0..=MAX_END_SIGMA).contains(&e.sigma) {
                return self.err(&p.key("sigma"), format!("expected a log-space deviation from 0 to {MAX_END_SIGMA}, found {}", e.sigma));
            }
            Ok(e)
        };
        let ends = Ends { failed: one(&c.failed, d.failed, "failed")?, cancelled: one(&c.cancelled, d.cancelled, "cancelled")? };
        if ends.failed.share + ends.cancelled.share > 1.0 + 1e-9 {
            let key = if c.cancelled.is_some() { "cancelled" } else { "failed" };
            return self.err(
                &p.key(key).key("share"),
                format!(
                    "expected failed and cancelled shares summing to at most 1, found {} + {} (a share left out is the \
                     kind's default: write both)",
                    ends.failed.share, ends.cancelled.share
                ),
            );
        }
        Ok(ends)
    }

    pub(super) fn profile(&self, v: Option<&[f64]>, len: usize, p: &FieldPath) -> R<()> {
        let Some(v) = v else { return Ok(()) };
        if v.len() != len || v.iter().any(|x| !(0.0..=MAX_MULTIPLIER).contains(x)) || v.iter().sum::<f64>() <= 0.0 {
            return self.err(p, format!("expected {len} multipliers from 0 to {MAX_MULTIPLIER}, not all zero, found {} values", v.len()));
        }
        Ok(())
    }

    /// Rejects fields that the chosen `dist` does not take, naming the first one.
    pub(super) fn only(&self, p: &FieldPath, dist: &str, present: &[(&str, bool)], takes: &[&str]) -> R<()> {
        match present.iter().find(|(name, here)| *here && !takes.contains(name)) {
            Some((name, _)) => {
                self.err(&p.key(name), format!("dist = {dist:?} does not take `{name}`; it takes: dist, {}", takes.join(", ")))
            }
            None => Ok(()),
        }
    }

    /// A field the chosen `dist` needs.
    pub(super) fn need<T: Clone>(&self, v: &Option<T>, p: &FieldPath, name: &str, dist: &str, what: &str) -> R<T> {
        match v {
            Some(v) => Ok(v.clone()),
            None => self.err(&p.key(name), format!("dist = {dist:?} needs `{name}`: {what}")),
        }
    }

    pub(super) fn size(&self, s: &RawSize, p: &FieldPath) -> R<SizeDist> {
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
                if value == 0 || value > MAX_JOB_ACCELERATORS {
                    return self.err(&p.key("value"), format!("expected 1 to {MAX_JOB_ACCELERATORS} accelerators, found {value}"));
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
                if let Some(i) = values.iter().position(|v| *v == 0 || *v > MAX_JOB_ACCELERATORS) {
                    return self
                        .err(&p.key("values").index(i), format!("expected 1 to {MAX_JOB_ACCELERATORS} accelerators, found {}", values[i]));
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
                    if v == 0 || !v.is_power_of_two() || v > MAX_JOB_ACCELERATORS {
                        return self.err(&p.key(k), format!("expected a power of two (1, 2, 4, 8 ... 2^30), found {v}"));
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

    pub(super) fn clip(&self, min: Option<DurationMs>, max: Option<DurationMs>, p: &FieldPath) -> R<(u64, u64)> {
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

    pub(super) fn duration(&self, r: &RawDuration, p: &FieldPath) -> R<DurationDist> {
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
                let path = super::input::locate(&file, &self.dir).map_err(|e| self.src.error(&p.key("file"), e.to_string()))?;
                let values_ms = read_durations(&path, unit_ms as f64 * scale, min_ms, max_ms)?;
                DurationDist::Empirical { file: path, unit_ms, scale, min_ms, max_ms, values_ms }
            }
            other => return self.err(&p.key("dist"), format!("expected \"fixed\", \"lognormal\" or \"empirical\", found {other:?}")),
        })
    }

    pub(super) fn trace(&self, t: &RawTrace, sc: &Scenario) -> R<Trace> {
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
        let file = super::input::locate(&t.file, &self.dir).map_err(|e| self.src.error(&p.key("file"), e.to_string()))?;
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
}

/// Reads a one-column CSV of durations (a non-numeric first line is a header), times `factor`
/// into ms, clipped to [min_ms, max_ms].
fn read_durations(path: &Path, factor_ms: f64, min_ms: u64, max_ms: u64) -> R<Vec<u64>> {
    let text = super::input::read_text(path, super::input::MAX_INPUT_BYTES)
        .map_err(|e| csv_error(path, None, "file", format!("cannot read: {e}")))?;
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
