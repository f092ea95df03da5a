//! Scheduling: the policy that orders and starts queued jobs, and where multi-node jobs go.

/// Scheduling policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// First come, first served; the head blocks the queue.
    Fifo,
    /// FIFO with EASY backfilling.
    Backfill,
    /// Class priority with quotas, optionally backfilling and preempting.
    Priority,
    /// Smallest estimated area (estimate x accelerators) first, with aging and EASY backfilling.
    Sjf,
    /// Fragmentation-aware best fit: the queued job that leaves the fewest stranded slots first.
    BestFit,
}

impl Policy {
    /// Names as written in scenarios.
    pub const ALL: [(Policy, &'static str); 5] = [
        (Policy::Fifo, "fifo"),
        (Policy::Backfill, "backfill"),
        (Policy::Priority, "priority"),
        (Policy::Sjf, "sjf"),
        (Policy::BestFit, "best-fit"),
    ];

    /// The policy named `name`, or an error listing every name.
    pub fn parse(name: &str) -> Result<Policy, UnknownPolicy> {
        Policy::ALL.iter().find(|(_, n)| *n == name).map(|(p, _)| *p).ok_or_else(|| UnknownPolicy { found: name.to_string() })
    }

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Policy::ALL.iter().find(|(p, _)| *p == self).map_or("fifo", |(_, n)| n)
    }
}

/// A name that is none of [`Policy::ALL`]; it displays every name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPolicy {
    /// The name given.
    pub found: String,
}

impl std::fmt::Display for UnknownPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = Policy::ALL.iter().map(|(_, n)| format!("{n:?}")).collect();
        write!(f, "expected one of {}, found {:?}", names.join(", "), self.found)
    }
}

impl std::error::Error for UnknownPolicy {}

/// Scheduler configuration: the policy with the settings it has, and placement.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// The policy and its settings.
    pub policy: PolicyConfig,
    /// Where multi-node jobs go.
    pub placement: Placement,
    /// The most jobs waiting at once: an arrival beyond is rejected (queue full).
    pub max_queued: u64,
    /// Every scheduling decision computed afresh, without the caches and indexes that make it
    /// cost what changed: the reference the tests compare outputs with (never set by a scenario).
    pub reference: bool,
}

/// A scheduling policy with the settings it really has. `depth` is the number of queued jobs
/// a pass looks at behind a blocked head (`scheduler.backfill_depth`).
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyConfig {
    /// First come, first served; the head blocks the queue.
    Fifo,
    /// FIFO with EASY backfilling.
    Backfill {
        /// Queued jobs a backfill pass looks at.
        depth: u32,
    },
    /// Class priority with quotas, optionally backfilling and preempting.
    Priority {
        /// Whether it backfills around its top blocked job.
        backfill: bool,
        /// Queued jobs a backfill pass looks at; also the victims tried per pool when preempting.
        depth: u32,
        /// Class name to largest share of all accelerators.
        quotas: Vec<(String, f64)>,
        /// Whether it may preempt lower-priority preemptible jobs.
        preemption: bool,
    },
    /// Smallest estimated area first, with aging and EASY backfilling.
    Sjf {
        /// Queued jobs a backfill pass looks at.
        depth: u32,
        /// Aging bound, ms: a job waiting longer is served before every younger job.
        aging_ms: u64,
    },
    /// Fragmentation-aware best fit.
    BestFit {
        /// Queued jobs that fit now among which a pass chooses.
        depth: u32,
    },
}

impl PolicyConfig {
    /// Which policy it is.
    pub fn policy(&self) -> Policy {
        match self {
            PolicyConfig::Fifo => Policy::Fifo,
            PolicyConfig::Backfill { .. } => Policy::Backfill,
            PolicyConfig::Priority { .. } => Policy::Priority,
            PolicyConfig::Sjf { .. } => Policy::Sjf,
            PolicyConfig::BestFit { .. } => Policy::BestFit,
        }
    }

    /// Queued jobs a pass looks at, for the policies that look past the head of the queue.
    pub fn depth(&self) -> Option<u32> {
        match self {
            PolicyConfig::Fifo => None,
            PolicyConfig::Backfill { depth }
            | PolicyConfig::Priority { depth, .. }
            | PolicyConfig::Sjf { depth, .. }
            | PolicyConfig::BestFit { depth } => Some(*depth),
        }
    }
}

/// Placement of multi-node jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Placement {
    /// Best fit inside a node; lowest-indexed whole free nodes above one node.
    #[default]
    Pack,
    /// Inside one pod / scalable unit if one has room (best fit), else the fewest pods.
    Topology,
    /// Whole free nodes drawn at random (stream "placement").
    Random,
}

impl Placement {
    /// Names as written in scenarios.
    pub const ALL: [(Placement, &'static str); 3] =
        [(Placement::Pack, "pack"), (Placement::Topology, "topology"), (Placement::Random, "random")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Placement::ALL.iter().find(|(p, _)| *p == self).map_or("pack", |(_, n)| n)
    }
}
