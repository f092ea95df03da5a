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
/// mean `utilization_mean` and deviation `utilization_sd`; a priority; the shares of jobs that
/// fail or are cancelled and when ([`EndDefaults`]).
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
    /// Jobs that fail on their own (user error, out of memory, bad configuration).
    pub failed: EndDefaults,
    /// Jobs their users cancel.
    pub cancelled: EndDefaults,
}

/// The share of a class's jobs that end on their own in one state, and when: after a lognormal
/// amount of work (run time at full speed) of median `median_ms` and log-space deviation
/// `sigma`, or at the job's own end if that comes first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndDefaults {
    /// Share of the class's jobs, 0-1.
    pub share: f64,
    /// Median time to the end, ms of work.
    pub median_ms: u64,
    /// Log-space standard deviation of the time to the end.
    pub sigma: f64,
}

const MIN: u64 = 60_000;
const H: u64 = 3_600_000;

/// Defaults by job kind: an LLM-era mix after the Acme traces (Hu et al., "Characterization of
/// Large Language Model Development in the Datacenter", NSDI'24, §3: pretraining is few, large
/// and long; evaluation and debugging are many, small and short, and GPU jobs run a median of
/// 122 s (Seren) and 124 s (Kalos), failures included; services are long-lived and lightly
/// loaded). [rule of thumb] The split by kind is this project's: the papers publish the
/// cluster-wide figures, which the long-run test of the default mix checks (sizes, run times,
/// end states) against the Philly, Helios, PAI and Acme ranges.
///
/// Failed and cancelled jobs ([`EndDefaults`]): Acme's GPU jobs end 43 % / 40 % failed and
/// 7.5 % / 6.2 % cancelled (Seren / Kalos; the paper's final-state figure, data in
/// `data/cluster_summary.csv` of github.com/InternLM/AcmeTrace); §5 of the paper finds most
/// failures early (script, configuration and framework errors in the first minutes), the
/// infrastructure failures of long pretraining runs late. Hence failures after a median of
/// minutes with a wide spread (sigma 1.5-2.5; a quarter of pretraining failures come after 5 h
/// of work), debugging and evaluation failing most by count;
/// cancellations late for pretraining (users stop runs they no longer need: cancelled jobs
/// hold 66 % / 61 % of Acme's GPU time) and early for short jobs.
pub fn kind_defaults(kind: ClassKind) -> KindDefaults {
    match kind {
        ClassKind::Pretrain => row((64, 1024, 0.5), (48 * H, 1.0, 30 * 24 * H), (0.85, 0.05), 3).ends((0.25, H, 2.5), (0.35, 24 * H, 1.0)),
        ClassKind::FineTune => row((8, 64, 1.0), (3 * H, 1.2, 7 * 24 * H), (0.75, 0.1), 2).ends((0.30, 10 * MIN, 2.0), (0.10, H, 1.5)),
        ClassKind::InferenceService => {
            row((1, 8, 1.0), (7 * 24 * H, 0.5, 60 * 24 * H), (0.4, 0.15), 4).ends((0.05, 10 * MIN, 1.5), (0.0, H, 1.0))
        }
        ClassKind::BatchInference => {
            row((1, 8, 1.0), (H / 2, 1.2, 2 * 24 * H), (0.7, 0.1), 1).ends((0.20, 3 * MIN, 1.5), (0.05, 20 * MIN, 1.5))
        }
        ClassKind::Evaluation => row((1, 8, 1.0), (6 * MIN, 1.2, 24 * H), (0.5, 0.15), 1).ends((0.35, MIN, 1.5), (0.05, 5 * MIN, 1.5)),
        ClassKind::Debug => row((1, 8, 1.5), (3 * MIN, 1.5, 4 * H), (0.2, 0.1), 0).ends((0.45, MIN, 1.5), (0.10, 5 * MIN, 1.5)),
        ClassKind::Other => row((1, 8, 1.0), (10 * MIN, 1.5, 7 * 24 * H), (0.5, 0.15), 0).ends((0.30, 2 * MIN, 1.5), (0.10, 10 * MIN, 1.5)),
    }
}

/// One row of [`kind_defaults`]: (size min, max, alpha), (median ms, sigma, upper clip ms),
/// (utilization mean, sd), priority; every job completes until [`KindDefaults::ends`].
fn row(size: (u32, u32, f64), duration: (u64, f64, u64), utilization: (f64, f64), priority: i32) -> KindDefaults {
    let never = EndDefaults { share: 0.0, median_ms: H, sigma: 1.0 };
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
        failed: never,
        cancelled: never,
    }
}

impl KindDefaults {
    /// The same defaults with (share, median ms, sigma) of failed and of cancelled jobs.
    fn ends(self, failed: (f64, u64, f64), cancelled: (f64, u64, f64)) -> KindDefaults {
        let end = |(share, median_ms, sigma)| EndDefaults { share, median_ms, sigma };
        KindDefaults { failed: end(failed), cancelled: end(cancelled), ..self }
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
