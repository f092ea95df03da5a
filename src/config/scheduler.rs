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
    pub fn parse(name: &str) -> Result<Policy, String> {
        Policy::ALL.iter().find(|(_, n)| *n == name).map(|(p, _)| *p).ok_or_else(|| {
            let names: Vec<String> = Policy::ALL.iter().map(|(_, n)| format!("{n:?}")).collect();
            format!("expected one of {}, found {name:?}", names.join(", "))
        })
    }

    /// The scenario name.
    pub fn name(self) -> &'static str {
        Policy::ALL.iter().find(|(p, _)| *p == self).map_or("fifo", |(_, n)| n)
    }
}

/// Scheduler configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// Policy.
    pub policy: Policy,
    /// Queued jobs a backfill pass looks at.
    pub backfill_depth: u32,
    /// Whether the priority policy backfills.
    pub backfill: bool,
    /// Class name to largest share of all accelerators.
    pub quotas: Vec<(String, f64)>,
    /// Whether the priority policy may preempt lower-priority preemptible jobs.
    pub preemption: bool,
    /// SJF aging bound, ms: a job waiting longer is served before every younger job.
    pub aging_ms: u64,
    /// Where multi-node jobs go.
    pub placement: Placement,
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
