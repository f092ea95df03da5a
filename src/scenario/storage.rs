//! The `[storage]` section: the site's storage tier (kind, capacity, aggregate read and write
//! bandwidth, client and host-copy bandwidth, power), raw (as written) and resolved (SI, every
//! default filled in).
//!
//! ## Defaults and their sources
//! Every default follows the kind and scales with the capacity, and the capacity with the
//! accelerators installed.
//!
//! | quantity | all-flash | parallel-fs (disk) | source |
//! |---|---|---|---|
//! | capacity per accelerator | 4.43 TB | 17.9 TB | all-flash: Fire-Flyer 2 (An et al., SC'24): 180 3FS storage nodes of 16 x 14 TiB NVMe (44.3 PB) for 10,000 A100; disk: Orion, 679 PB of hard disks for Frontier's 37,888 MI250X (OLCF 2021) |
//! | read bandwidth per PB | 164 GB/s | 8.1 GB/s | all-flash: 3FS README (DeepSeek 2025), 6.6 TiB/s aggregate read on those 180 nodes; disk: Orion's disk tier, 5.5 TB/s read (OLCF 2021) |
//! | write / read | 0.72 | 0.84 | all-flash: DDN AI400X2 datasheet (2022), 65 GB/s write vs 90 GB/s read; disk: Orion, 4.6 TB/s write |
//! | client bandwidth | 200 Gbit/s per node | same | Fire-Flyer 2: one 200 Gbit/s InfiniBand NIC per compute node (An et al., SC'24) |
//! | host copy | 25 GB/s per accelerator | same | PCIe 4.0 x16: 31.5 GB/s per direction (PCI-SIG 2017), about 80 % reached by pinned copies [rule of thumb] |
//! | power active / idle per PB | 4.06 / 1.75 kW | 1.2 / 0.8 kW | all-flash: a 3FS node of 16 NVMe SSDs (25 W active, 5 W idle each, enterprise U.2 datasheets such as Samsung PM1733) plus a two-socket server with two 200G NICs (600 W busy, 350 W idle [rule of thumb]) per 224 TiB; disk: 70 drives per PB (Orion: 47,700 drives for 679 PB) at 9 W active / 5.5 W idle (Seagate Exos datasheets) plus the object storage servers (450 for Orion, ~800 W [rule of thumb]) |
//!
//! The tier draws idle + (active - idle) x u, with u the share of its bandwidth in use
//! ([`crate::model::storage`]).

use serde::{Deserialize, Serialize};

use super::error::{FieldPath, ScenarioError, Source};
use super::units::{BandwidthBps, Bytes, PowerW};
use crate::config::storage::{Storage, StorageKind};

/// Per-kind defaults: (capacity per accelerator, bytes; read bytes/s per byte of capacity;
/// write / read; active W per byte; idle W per byte).
struct KindDefaults {
    capacity_per_accelerator: f64,
    read_per_byte: f64,
    write_over_read: f64,
    active_w_per_byte: f64,
    idle_w_per_byte: f64,
}

/// 3FS on Fire-Flyer 2: 180 nodes x 16 x 14 TiB.
const FLASH_BYTES: f64 = 180.0 * 16.0 * 14.0 * 1_099_511_627_776.0;
/// One 3FS storage node: 16 x 14 TiB.
const FLASH_NODE_BYTES: f64 = 16.0 * 14.0 * 1_099_511_627_776.0;

fn defaults(kind: StorageKind) -> KindDefaults {
    match kind {
        StorageKind::AllFlash => KindDefaults {
            capacity_per_accelerator: FLASH_BYTES / 10_000.0,
            read_per_byte: 6.6 * 1_099_511_627_776.0 / FLASH_BYTES,
            write_over_read: 65.0 / 90.0,
            active_w_per_byte: (16.0 * 25.0 + 600.0) / FLASH_NODE_BYTES,
            idle_w_per_byte: (16.0 * 5.0 + 350.0) / FLASH_NODE_BYTES,
        },
        StorageKind::ParallelFs => KindDefaults {
            capacity_per_accelerator: 679e15 / 37_888.0,
            read_per_byte: 5.5e12 / 679e15,
            write_over_read: 4.6 / 5.5,
            active_w_per_byte: (47_700.0 * 9.0 + 450.0 * 800.0) / 679e15,
            idle_w_per_byte: (47_700.0 * 5.5 + 450.0 * 500.0) / 679e15,
        },
    }
}

/// Storage-network bandwidth of one compute node, bytes/s (200 Gbit/s).
pub const DEFAULT_CLIENT_BYTES_PER_S: f64 = 25e9;
/// Copy bandwidth from one accelerator into host memory, bytes/s.
pub const DEFAULT_HOST_COPY_BYTES_PER_S: f64 = 25e9;

/// `[storage]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// "all-flash" (default) or "parallel-fs".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Usable capacity, e.g. "40PB".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Bytes>,
    /// Aggregate read bandwidth, e.g. "6.6TB/s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_bandwidth: Option<BandwidthBps>,
    /// Aggregate write bandwidth, e.g. "4.8TB/s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_bandwidth: Option<BandwidthBps>,
    /// Storage-network bandwidth of one compute node, e.g. "200Gbps".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_bandwidth: Option<BandwidthBps>,
    /// Copy bandwidth from one accelerator's memory to host memory, e.g. "25GB/s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_copy_bandwidth: Option<BandwidthBps>,
    /// Power of the whole tier when idle, e.g. "80kW".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_idle: Option<PowerW>,
    /// Power of the whole tier at full bandwidth, e.g. "180kW".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_active: Option<PowerW>,
}

type R<T> = Result<T, ScenarioError>;

/// Resolves `[storage]` for a site of `accelerators`.
pub fn resolve(raw: &RawStorage, src: &Source, accelerators: u64) -> R<Storage> {
    let p = FieldPath::root("storage");
    let kind = match raw.kind.as_deref().map(str::trim) {
        None => StorageKind::AllFlash,
        Some(k) => StorageKind::parse(k).ok_or_else(|| {
            let known: Vec<&str> = StorageKind::ALL.iter().map(|(_, n)| *n).collect();
            src.error(&p.key("kind"), format!("expected one of {}, found {k:?}", known.join(", ")))
        })?,
    };
    let d = defaults(kind);
    let capacity_bytes = raw.capacity.map_or(d.capacity_per_accelerator * accelerators.max(1) as f64, |b| b.0);
    if capacity_bytes <= 0.0 {
        return Err(src.error(&p.key("capacity"), "expected a capacity above zero, like \"40PB\""));
    }
    let positive = |v: Option<BandwidthBps>, default_bytes: f64, key: &str| -> R<f64> {
        match v {
            Some(b) if b.0 > 0.0 => Ok(b.0 / 8.0),
            Some(_) => Err(src.error(&p.key(key), "expected a bandwidth above zero, like \"400GB/s\"")),
            None => Ok(default_bytes),
        }
    };
    let read_bytes_per_s = positive(raw.read_bandwidth, d.read_per_byte * capacity_bytes, "read_bandwidth")?;
    let write_bytes_per_s = positive(raw.write_bandwidth, read_bytes_per_s * d.write_over_read, "write_bandwidth")?;
    let client_bytes_per_s = positive(raw.client_bandwidth, DEFAULT_CLIENT_BYTES_PER_S, "client_bandwidth")?;
    let host_copy_bytes_per_s = positive(raw.host_copy_bandwidth, DEFAULT_HOST_COPY_BYTES_PER_S, "host_copy_bandwidth")?;
    let idle_w = raw.power_idle.map_or(d.idle_w_per_byte * capacity_bytes, |w| w.0);
    let active_w = raw.power_active.map_or((d.active_w_per_byte * capacity_bytes).max(idle_w), |w| w.0);
    if active_w < idle_w {
        return Err(src.error(&p.key("power_active"), format!("expected at least power_idle ({idle_w} W), found {active_w} W")));
    }
    Ok(Storage { kind, capacity_bytes, read_bytes_per_s, write_bytes_per_s, client_bytes_per_s, host_copy_bytes_per_s, idle_w, active_w })
}

/// The resolved section written back with every default spelled out.
pub fn unparse(s: &Storage) -> RawStorage {
    RawStorage {
        kind: Some(s.kind.name().to_string()),
        capacity: Some(Bytes(s.capacity_bytes)),
        read_bandwidth: Some(BandwidthBps(s.read_bytes_per_s * 8.0)),
        write_bandwidth: Some(BandwidthBps(s.write_bytes_per_s * 8.0)),
        client_bandwidth: Some(BandwidthBps(s.client_bytes_per_s * 8.0)),
        host_copy_bandwidth: Some(BandwidthBps(s.host_copy_bytes_per_s * 8.0)),
        power_idle: Some(PowerW(s.idle_w)),
        power_active: Some(PowerW(s.active_w)),
    }
}

impl Storage {
    /// One line for `aidc check`.
    pub fn describe(&self) -> String {
        format!(
            "{} tier of {:.1} PB: read {:.0} GB/s, write {:.0} GB/s, {:.0} Gbit/s per node, {:.1}-{:.1} kW",
            self.kind.name(),
            self.capacity_bytes / 1e15,
            self.read_bytes_per_s / 1e9,
            self.write_bytes_per_s / 1e9,
            self.client_bytes_per_s * 8.0 / 1e9,
            self.idle_w / 1e3,
            self.active_w / 1e3
        )
    }
}
