//! Autoscaled inference services (`[[services]]`) with a daily request profile.

/// A resolved service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Name (also its class label).
    pub name: String,
    /// Accelerators per replica.
    pub accelerators: u32,
    /// Required device, index into [`super::Scenario::devices`].
    pub device: Option<usize>,
    /// Peak request rate, 1/s.
    pub peak_rate_per_s: f64,
    /// Trough over peak of the sinusoid.
    pub trough_ratio: f64,
    /// Local hour of the peak.
    pub peak_hour: f64,
    /// Hourly multipliers replacing the sinusoid.
    pub hour_of_day: Option<Vec<f64>>,
    /// Throughput of one replica, requests/s.
    pub replica_rate_per_s: f64,
    /// Mean service time of one request, ms.
    pub service_time_ms: u64,
    /// p95 latency target, ms.
    pub latency_target_ms: u64,
    /// Target replica utilization.
    pub target_utilization: f64,
    /// Fewest replicas.
    pub min_replicas: u32,
    /// Most replicas.
    pub max_replicas: u32,
    /// Autoscaler period, ms.
    pub interval_ms: u64,
    /// Replica priority.
    pub priority: i32,
    /// Accelerator utilization of a replica.
    pub utilization: f64,
}
