//! Job kinds and the defaults of a class of each kind.
//!
//! A class names its kind; whatever else it leaves out (size, duration, utilization,
//! priority, whether it may be preempted) comes from here.

/// The kinds of job the seed reports and LLM-cluster traces name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    /// Pre-training.
    Pretrain,
    /// Fine-tuning (SFT, RLHF).
    FineTune,
    /// A long-running online inference service.
    InferenceService,
    /// Offline batch inference.
    BatchInference,
    /// Model evaluation.
    Evaluation,
    /// Interactive debugging.
    Debug,
    /// Anything else.
    Other,
}

impl ClassKind {
    /// All kinds with their scenario names.
    pub const ALL: [(ClassKind, &'static str); 7] = [
        (ClassKind::Pretrain, "pretrain"),
        (ClassKind::FineTune, "fine-tune"),
        (ClassKind::InferenceService, "inference-service"),
        (ClassKind::BatchInference, "batch-inference"),
        (ClassKind::Evaluation, "evaluation"),
        (ClassKind::Debug, "debug"),
        (ClassKind::Other, "other"),
    ];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        ClassKind::ALL.iter().find(|(k, _)| *k == self).map_or("other", |(_, n)| n)
    }
}

/// Lower clip of default and written run-time distributions, ms (1 s).
pub const DURATION_MIN_MS: u64 = 1000;

/// Defaults of a class of one kind: sizes 2^k from `size_min` to `size_max` with P(2^k)
/// proportional to 2^(-`size_alpha` k); lognormal run times of median `median_ms` and
/// log-space deviation `sigma`, clipped to [[`DURATION_MIN_MS`], `max_ms`]; Beta utilization of
/// mean `utilization_mean` and deviation `utilization_sd`; a priority.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindDefaults {
    /// Smallest size, accelerators.
    pub size_min: u32,
    /// Largest size, accelerators.
    pub size_max: u32,
    /// Tail exponent of sizes.
    pub size_alpha: f64,
    /// Median run time, ms.
    pub median_ms: u64,
    /// Log-space standard deviation of run times.
    pub sigma: f64,
    /// Upper clip of run times, ms.
    pub max_ms: u64,
    /// Mean utilization.
    pub utilization_mean: f64,
    /// Standard deviation of utilization across jobs.
    pub utilization_sd: f64,
    /// Priority (higher first).
    pub priority: i32,
}

/// Defaults by job kind. [rule of thumb] shaped after the Acme traces (Hu et al., NSDI'24):
/// pretraining is few, large and long; evaluation and debugging are many, small and short;
/// services are long-lived and lightly loaded.
pub fn kind_defaults(kind: ClassKind) -> KindDefaults {
    let h = 3_600_000;
    match kind {
        ClassKind::Pretrain => row((64, 1024, 0.5), (48 * h, 1.0, 30 * 24 * h), (0.85, 0.05), 3),
        ClassKind::FineTune => row((8, 64, 1.0), (6 * h, 1.0, 7 * 24 * h), (0.75, 0.1), 2),
        ClassKind::InferenceService => row((1, 8, 1.0), (7 * 24 * h, 0.5, 60 * 24 * h), (0.4, 0.15), 4),
        ClassKind::BatchInference => row((1, 8, 1.0), (2 * h, 1.0, 2 * 24 * h), (0.7, 0.1), 1),
        ClassKind::Evaluation => row((1, 8, 1.0), (h / 3, 1.2, 24 * h), (0.5, 0.15), 1),
        ClassKind::Debug => row((1, 8, 1.5), (h / 6, 1.0, 4 * h), (0.2, 0.1), 0),
        ClassKind::Other => row((1, 8, 1.0), (h, 1.0, 7 * 24 * h), (0.5, 0.15), 0),
    }
}

/// One row of [`kind_defaults`]: (size min, max, alpha), (median ms, sigma, upper clip ms),
/// (utilization mean, sd), priority.
fn row(size: (u32, u32, f64), duration: (u64, f64, u64), utilization: (f64, f64), priority: i32) -> KindDefaults {
    KindDefaults {
        size_min: size.0,
        size_max: size.1,
        size_alpha: size.2,
        median_ms: duration.0,
        sigma: duration.1,
        max_ms: duration.2,
        utilization_mean: utilization.0,
        utilization_sd: utilization.1,
        priority,
    }
}

/// Whether jobs of a kind may be preempted by default. Preempting loses the work since the
/// last checkpoint, so the default is yes only where an attempt is cheap to redo or the work
/// is naturally resumable: batch inference (independent requests), evaluation and debugging
/// (short, small). Pretraining and fine-tuning are long gang jobs whose lost work is costly,
/// and services are what preemption makes room for; `other` is unknown and kept safe.
pub fn default_preemptible(kind: ClassKind) -> bool {
    matches!(kind, ClassKind::BatchInference | ClassKind::Evaluation | ClassKind::Debug)
}
