//! The storage tier of a site (`[storage]`, 存力): where checkpoints are written and read back.

/// Kinds of storage tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// NVMe flash servers (DeepSeek 3FS, DDN AI400X2, WEKA, VAST).
    AllFlash,
    /// A disk-based parallel file system (Lustre, GPFS / Storage Scale on hard disks).
    ParallelFs,
}

impl StorageKind {
    /// Names as written in scenarios.
    pub const ALL: [(StorageKind, &'static str); 2] = [(StorageKind::AllFlash, "all-flash"), (StorageKind::ParallelFs, "parallel-fs")];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        StorageKind::ALL.iter().find(|(k, _)| *k == self).map_or("all-flash", |(_, n)| n)
    }

    /// The kind of a scenario name.
    pub fn parse(s: &str) -> Option<StorageKind> {
        StorageKind::ALL.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }
}

/// The resolved `[storage]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Storage {
    /// Kind of tier.
    pub kind: StorageKind,
    /// Usable capacity, bytes.
    pub capacity_bytes: f64,
    /// Aggregate read bandwidth, bytes/s.
    pub read_bytes_per_s: f64,
    /// Aggregate write bandwidth, bytes/s.
    pub write_bytes_per_s: f64,
    /// Storage-network bandwidth of one compute node (its client link), bytes/s.
    pub client_bytes_per_s: f64,
    /// Copy bandwidth from one accelerator's memory into host memory, bytes/s (asynchronous
    /// checkpoints stall the job only for this copy).
    pub host_copy_bytes_per_s: f64,
    /// Power of the whole tier idle, W.
    pub idle_w: f64,
    /// Power of the whole tier at full bandwidth, W.
    pub active_w: f64,
}
