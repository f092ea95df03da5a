//! The `[[services]]` section: long-running inference services with a diurnal request load,
//! autoscaled replicas and a latency target, raw (as written) and resolved (SI, defaults filled).
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `accelerators` | 8 per replica | a 70B-parameter model in BF16 (140 GB of weights) served tensor-parallel on one 8-GPU H100 node |
//! | `replica_rate` | 70/s | derived: MLPerf Inference v4.0 (2024), Llama-2-70B server scenario, 8x H100 SXM with TensorRT-LLM: about 21,500 output tokens/s under its latency bounds (TTFT <= 2 s, TPOT <= 200 ms); divided by about 300 output tokens per request [rule of thumb] |
//! | `service_time` | 10 s | [rule of thumb] about 300 output tokens streamed at about 30 tokens/s to each request |
//! | `latency_target` | 40 s (p95) | [rule of thumb] four mean service times |
//! | `trough_ratio` | 0.3 | [rule of thumb] user-facing traffic falls to 20-40 % of its peak at night (diurnal patterns of the Azure LLM inference traces, Stojkovic et al., DynamoLLM, HPCA 2025) |
//! | `peak_hour` | 14 (local) | [rule of thumb] afternoon peak |
//! | `target_utilization` | 0.7 | [rule of thumb] autoscalers keep 20-40 % headroom (Kubernetes HPA targets of 50-80 %) |
//! | `min_replicas`, `max_replicas` | 1, 1000 | |
//! | `autoscale_interval` | 5 min | the default |
//! | `priority` | 10 | above every job class default (at most 4), so replicas go first under `priority` |
//! | `utilization` | 0.4 | the `inference-service` class default ([`super::kind_defaults`]) |
//!
//! A replica with throughput X (requests/s) and mean service time S (s) serves X S requests at
//! once (Little's law): the queueing model ([`crate::model::services`]) treats it as
//! round(X S) servers of rate 1 / S.

use serde::{Deserialize, Serialize};

use super::error::{FieldPath, ScenarioError, Source};
use super::units::{DurationMs, RatePerS};
use crate::config::Scenario;
use crate::config::services::Service;

/// `[[services]]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// Service name (its replicas appear in jobs.csv under it).
    pub name: String,
    /// Peak request rate, e.g. "2000/s".
    pub peak_rate: RatePerS,
    /// Accelerators per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerators: Option<u32>,
    /// Restrict replicas to one accelerator model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// Night trough of the sinusoidal load, as a fraction of the peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trough_ratio: Option<f64>,
    /// Local hour of the peak (0-24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_hour: Option<f64>,
    /// 24 hourly load multipliers instead of the sinusoid (the largest is the peak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_of_day: Option<Vec<f64>>,
    /// Requests per second one replica serves within its latency bounds, e.g. "70/s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_rate: Option<RatePerS>,
    /// Mean time to serve one request on an idle replica, e.g. "10s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<DurationMs>,
    /// p95 latency target (queueing plus service), e.g. "40s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_target: Option<DurationMs>,
    /// Replica utilization the autoscaler aims at (0-1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_utilization: Option<f64>,
    /// Fewest replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<u32>,
    /// Most replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<u32>,
    /// How often the autoscaler acts, e.g. "5m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale_interval: Option<DurationMs>,
    /// Priority of its replicas (higher first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Accelerator utilization of a running replica (0-1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<f64>,
}

type R<T> = Result<T, ScenarioError>;

/// Resolves `[[services]]` against the rest of the scenario (devices, class names).
pub fn resolve(raw: &[RawService], src: &Source, sc: &Scenario) -> R<Vec<Service>> {
    let mut out: Vec<Service> = Vec::new();
    let taken = sc.class_labels();
    let largest = crate::model::compute::largest_job(sc);
    for (i, r) in raw.iter().enumerate() {
        let p = FieldPath::root("services").index(i);
        let err = |key: &str, msg: String| Err(src.error(&p.key(key), msg));
        let name = r.name.trim();
        if name.is_empty() || r.name.contains([',', '"', '\n']) || taken.iter().any(|t| t == name) || out.iter().any(|s| s.name == name) {
            return err("name", format!("expected a unique name (not a job class) without commas or quotes, found {:?}", r.name));
        }
        let peak = r.peak_rate.0;
        if !(peak.is_finite() && peak > 0.0 && peak <= 1e7) {
            return err("peak_rate", format!("expected a peak request rate above zero and at most 1e7/s, like \"2000/s\", found {peak}/s"));
        }
        let accelerators = r.accelerators.unwrap_or(8);
        if accelerators == 0 || accelerators as u64 > largest {
            return err(
                "accelerators",
                format!("expected 1 to {largest} accelerators per replica (the largest pool), found {accelerators}"),
            );
        }
        let device = match &r.accelerator {
            Some(id) => match sc.devices.iter().position(|d| &d.spec.id == id) {
                Some(d) => Some(d),
                None => {
                    let ids: Vec<&str> = sc.devices.iter().map(|d| d.spec.id.as_str()).collect();
                    return err("accelerator", format!("no node type has accelerator {id:?}; installed: {}", ids.join(", ")));
                }
            },
            None => None,
        };
        let trough_ratio = r.trough_ratio.unwrap_or(0.3);
        if !(0.0..=1.0).contains(&trough_ratio) {
            return err("trough_ratio", format!("expected a fraction of the peak from 0 to 1, found {trough_ratio}"));
        }
        let peak_hour = r.peak_hour.unwrap_or(14.0);
        if !(0.0..=24.0).contains(&peak_hour) {
            return err("peak_hour", format!("expected a local hour from 0 to 24, found {peak_hour}"));
        }
        if let Some(v) = &r.hour_of_day
            && (v.len() != 24 || v.iter().any(|x| !(0.0..=1e6).contains(x)) || v.iter().all(|x| *x == 0.0))
        {
            return err("hour_of_day", format!("expected 24 multipliers from 0 to 1e6, not all zero, found {} values", v.len()));
        }
        let replica_rate = r.replica_rate.map_or(70.0, |x| x.0);
        if !(replica_rate.is_finite() && replica_rate > 0.0) {
            return err("replica_rate", format!("expected requests per second above zero, like \"70/s\", found {replica_rate}/s"));
        }
        let service_time_ms = r.service_time.map_or(10_000, |d| d.0);
        if service_time_ms == 0 || replica_rate * service_time_ms as f64 / 1000.0 < 1.0 {
            return err(
                "service_time",
                format!(
                    "expected a service time with replica_rate x service_time >= 1 request in flight per replica, found {} x {} s",
                    replica_rate,
                    service_time_ms as f64 / 1000.0
                ),
            );
        }
        let latency_target_ms = r.latency_target.map_or(40_000, |d| d.0);
        // p95 of the service time alone (exponential): -ln(0.05) S ≈ 3 S.
        let floor_ms = (-(0.05f64).ln() * service_time_ms as f64).ceil() as u64;
        if latency_target_ms < floor_ms {
            return err(
                "latency_target",
                format!(
                    "expected a p95 target of at least {:.1} s (the p95 of the service time alone, 3 x service_time)",
                    floor_ms as f64 / 1e3
                ),
            );
        }
        let target_utilization = r.target_utilization.unwrap_or(0.7);
        if !(target_utilization > 0.0 && target_utilization <= 1.0) {
            return err("target_utilization", format!("expected a utilization in (0, 1], found {target_utilization}"));
        }
        let min_replicas = r.min_replicas.unwrap_or(1);
        let max_replicas = r.max_replicas.unwrap_or(1000);
        if max_replicas == 0 || max_replicas < min_replicas {
            return err("max_replicas", format!("expected at least 1 and at least min_replicas ({min_replicas}), found {max_replicas}"));
        }
        let interval_ms = r.autoscale_interval.map_or(300_000, |d| d.0);
        if interval_ms == 0 || interval_ms > sc.horizon_ms {
            return err("autoscale_interval", "expected an interval above zero and no longer than the horizon, like \"5m\"".to_string());
        }
        let utilization = r.utilization.unwrap_or(0.4);
        if !(utilization > 0.0 && utilization <= 1.0) {
            return err("utilization", format!("expected a utilization in (0, 1], found {utilization}"));
        }
        out.push(Service {
            name: name.to_string(),
            accelerators,
            device,
            peak_rate_per_s: peak,
            trough_ratio,
            peak_hour,
            hour_of_day: r.hour_of_day.clone(),
            replica_rate_per_s: replica_rate,
            service_time_ms,
            latency_target_ms,
            target_utilization,
            min_replicas,
            max_replicas,
            interval_ms,
            priority: r.priority.unwrap_or(10),
            utilization,
        });
    }
    Ok(out)
}

/// The resolved service written back with every default spelled out.
pub fn unparse(sc: &Scenario, s: &Service) -> RawService {
    RawService {
        name: s.name.clone(),
        peak_rate: RatePerS(s.peak_rate_per_s),
        accelerators: Some(s.accelerators),
        accelerator: s.device.map(|d| sc.devices[d].spec.id.clone()),
        trough_ratio: Some(s.trough_ratio),
        peak_hour: Some(s.peak_hour),
        hour_of_day: s.hour_of_day.clone(),
        replica_rate: Some(RatePerS(s.replica_rate_per_s)),
        service_time: Some(DurationMs(s.service_time_ms)),
        latency_target: Some(DurationMs(s.latency_target_ms)),
        target_utilization: Some(s.target_utilization),
        min_replicas: Some(s.min_replicas),
        max_replicas: Some(s.max_replicas),
        autoscale_interval: Some(DurationMs(s.interval_ms)),
        priority: Some(s.priority),
        utilization: Some(s.utilization),
    }
}
