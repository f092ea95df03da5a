//! How large the memory-bound samples of the CPU suite are: the STREAM arrays, and the layer
//! norm, softmax and all-reduce samples whose sizes follow them.
//!
//! ## How it works
//! STREAM's rule is arrays of at least four times the last-level cache, so that the kernels
//! measure memory and not cache (McCalpin, STREAM documentation, "How big should the arrays
//! be?"). A machine-reported cache size cannot be trusted to size work, though: a virtual
//! machine may report its host socket's whole cache (480 MiB on one shared Xeon host, which
//! made the quick suite take 90 s and 5.9 GB). So the size of one array is
//!
//! ```text
//! wanted = max(4 x reported cache, 32 MiB)          (4 x 32 MiB where no cache is reported)
//! cap    = largest power of two with  m x cap <= B   (B = 512 MiB quick, 2 GiB full)
//! memory = largest power of two with  m x memory <= available / 4
//! array  = min(wanted, cap, memory)                  (at least 1 MiB)
//! ```
//!
//! with m the number of arrays the largest sample holds (the triad's three; six in the full
//! suite, whose triad also runs at twice the length) and `available` the memory the kernel says
//! this process may still use: `MemAvailable` of /proc/meminfo and, where a memory cgroup (v1 or
//! v2) limits the process or one of its ancestors, that limit less its usage. B keeps the peak
//! resident memory of the whole suite under 1 GB (quick) and 4 GB (full) whatever the machine
//! reports; the other samples (GEMM, attention) are fixed and small (under 100 MiB).
//!
//! Whether the chosen size is large enough is then measured, not assumed: the suite also times
//! the triad on a quarter and a half of the array ("probe" samples, not fitted), and
//! [`WorkingSet::conclude`] records the bandwidth at each size. The bandwidth has reached its
//! plateau when doubling the array from half to full size (and to twice in the full suite)
//! lowers it by less than [`PLATEAU_TOLERANCE`]. Where the triad's three arrays still fit in the
//! reported cache the profile says so: the figures are memory bandwidth only if that cache is
//! shared with other tenants (as a VM's host cache is), which no measurement here can tell.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::profile::Sample;

const MIB: u64 = 1 << 20;

/// The most memory any one sample of the quick suite may hold, bytes: half of the 1 GB the
/// quick suite may use, the rest left to the process (threads, GEMM packing, the profile) and
/// to allocator slack.
pub const QUICK_SAMPLE_BYTES: u64 = 512 * MIB;
/// The most memory any one sample of the full suite may hold, bytes: half of its 4 GB.
pub const FULL_SAMPLE_BYTES: u64 = 2048 * MIB;
/// The smallest array wanted whatever cache is reported, bytes (STREAM's own minimum is 1 M
/// elements; 32 MiB keeps the triad's 96 MiB above the private caches of any current core).
pub const FLOOR_ARRAY_BYTES: u64 = 32 * MIB;
/// The cache assumed where sysfs reports none, bytes.
pub const ASSUMED_CACHE_BYTES: u64 = 32 * MIB;
/// The smallest array ever planned, bytes (every derived shape stays non-empty).
pub const MIN_ARRAY_BYTES: u64 = MIB;
/// The share of the available memory the largest sample may take.
pub const AVAILABLE_SHARE: u64 = 4;
/// Doubling the array past the plateau lowers the triad bandwidth by less than this fraction.
pub const PLATEAU_TOLERANCE: f64 = 0.10;

/// The arrays of one size the largest sample of a suite holds (see the module doc).
pub fn arrays_in_largest_sample(quick: bool) -> u64 {
    if quick { 3 } else { 6 }
}

/// The most memory one sample of a suite may hold, bytes.
pub fn sample_budget_bytes(quick: bool) -> u64 {
    if quick { QUICK_SAMPLE_BYTES } else { FULL_SAMPLE_BYTES }
}

/// The triad bandwidth measured at one array size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TriadPoint {
    /// Bytes of one array.
    pub array_bytes: u64,
    /// Triad bandwidth (fastest repetition, STREAM's bytes), GB/s.
    pub gbps: f64,
}

/// The size of the memory-bound samples, and why (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkingSet {
    /// The largest cache sysfs reports for cpu0, bytes; `None` where it reports none.
    pub reported_cache_bytes: Option<u64>,
    /// Memory the process could still use when the suite was planned, bytes; `None` where
    /// neither /proc/meminfo nor a cgroup limit says.
    pub available_memory_bytes: Option<u64>,
    /// The array STREAM's rule asks for: 4 x the cache, at least 32 MiB, bytes.
    pub wanted_array_bytes: u64,
    /// The most memory one sample of this suite may hold, bytes.
    pub sample_budget_bytes: u64,
    /// The largest array this suite allows, bytes.
    pub cap_array_bytes: u64,
    /// The largest array the available memory allows, bytes; `None` where unknown.
    pub memory_bound_array_bytes: Option<u64>,
    /// The array used, bytes.
    pub array_bytes: u64,
    /// What set it: "4 x cache", "floor", "assumed cache", "cap" or "available memory".
    pub limited_by: String,
    /// The memory held by the largest sample of the plan, bytes.
    pub peak_sample_bytes: u64,
    /// Triad bandwidth by array size, smallest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triad: Vec<TriadPoint>,
    /// Whether the triad bandwidth had stopped falling at the chosen size; `None` where it
    /// was not measured at two sizes.
    pub plateau: Option<bool>,
    /// What was chosen and why, in words.
    pub note: String,
}

impl WorkingSet {
    /// The plan for a suite from what the machine reports (see the module doc).
    pub fn plan(quick: bool, reported_cache_bytes: Option<u64>, available_memory_bytes: Option<u64>) -> WorkingSet {
        let (wanted, wanted_by) = match reported_cache_bytes {
            None => (4 * ASSUMED_CACHE_BYTES, "assumed cache"),
            Some(c) if c.saturating_mul(4) < FLOOR_ARRAY_BYTES => (FLOOR_ARRAY_BYTES, "floor"),
            Some(c) => (c.saturating_mul(4), "4 x cache"),
        };
        let (m, budget) = (arrays_in_largest_sample(quick), sample_budget_bytes(quick));
        let cap = floor_power_of_two(budget / m);
        let memory = available_memory_bytes.map(|a| floor_power_of_two(a / AVAILABLE_SHARE / m).max(MIN_ARRAY_BYTES));
        let mut candidates = vec![(wanted, wanted_by), (cap, "cap")];
        candidates.extend(memory.map(|b| (b, "available memory")));
        // The first of the smallest: the rule itself wins a tie with a bound.
        let (array, by) = candidates.iter().fold(candidates[0], |best, c| if c.0 < best.0 { *c } else { best });
        WorkingSet {
            reported_cache_bytes,
            available_memory_bytes,
            wanted_array_bytes: wanted,
            sample_budget_bytes: budget,
            cap_array_bytes: cap,
            memory_bound_array_bytes: memory,
            array_bytes: array.max(MIN_ARRAY_BYTES),
            limited_by: by.into(),
            ..Default::default()
        }
    }

    /// The plan for a suite on the machine under `root` (`/` on a real machine).
    pub fn for_host(quick: bool, root: &Path) -> WorkingSet {
        WorkingSet::plan(quick, reported_cache_bytes(root), available_memory_bytes(root))
    }

    /// Records the triad bandwidth by size from the suite's samples, whether it reached its
    /// plateau, and the note.
    pub fn conclude(&mut self, samples: &[Sample]) {
        let mut triad: Vec<TriadPoint> = samples
            .iter()
            .filter(|s| s.kernel == "stream-triad" && s.role != "holdout" && s.timing.min_s > 0.0)
            .map(|s| TriadPoint { array_bytes: 8 * s.shape[0] as u64, gbps: s.bytes / s.timing.min_s / 1e9 })
            .collect();
        triad.sort_by_key(|p| p.array_bytes);
        let from = triad.iter().position(|p| 2 * p.array_bytes >= self.array_bytes);
        let upper = from.map_or(&[][..], |i| &triad[i..]);
        self.plateau = (upper.len() >= 2).then(|| upper.windows(2).all(|w| w[1].gbps >= (1.0 - PLATEAU_TOLERANCE) * w[0].gbps));
        self.triad = triad;
        self.note = self.describe();
    }

    /// What was chosen and why, in words.
    fn describe(&self) -> String {
        let cache = self.reported_cache_bytes.map(bytes);
        let why = match self.limited_by.as_str() {
            "4 x cache" => format!("4 x the {} last-level cache sysfs reports", cache.as_deref().unwrap_or("?")),
            "floor" => format!("the 32 MiB floor (4 x the {} cache sysfs reports is less)", cache.as_deref().unwrap_or("?")),
            "assumed cache" => "4 x 32 MiB (sysfs reports no cache size)".into(),
            "cap" => format!(
                "the suite's cap (4 x the {} cache is {}; one sample may hold at most {})",
                cache.as_deref().unwrap_or("assumed 32 MiB"),
                bytes(self.wanted_array_bytes),
                bytes(self.sample_budget_bytes)
            ),
            _ => format!(
                "the available memory ({} available; a sample may take a quarter of it)",
                self.available_memory_bytes.map_or_else(|| "?".into(), bytes)
            ),
        };
        let mut note = format!("STREAM arrays of {}: {why}", bytes(self.array_bytes));
        if !self.triad.is_empty() {
            let sizes: Vec<String> = self.triad.iter().map(|p| format!("{:.1} GB/s at {}", p.gbps, bytes(p.array_bytes))).collect();
            note += &format!("; triad {}", sizes.join(", "));
        }
        match self.plateau {
            Some(true) => note += ": the bandwidth has stopped falling",
            Some(false) => note += ": the bandwidth was still falling, the memory figures may include cache",
            None => {}
        }
        if let Some(c) = self.reported_cache_bytes.filter(|c| 3 * self.array_bytes <= *c) {
            note += &format!(
                "; the triad's three arrays fit in the {} reported cache: they measure memory only if that cache is shared with other tenants",
                bytes(c)
            );
        }
        note
    }
}

/// `n` rounded down to a power of two (0 stays 0).
fn floor_power_of_two(n: u64) -> u64 {
    if n == 0 { 0 } else { 1 << (63 - n.leading_zeros()) }
}

/// Bytes for people: "128 MiB", "1.9 GiB".
pub fn bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= MIB => format!("{} MiB", (b as f64 / MIB as f64).round()),
        b => format!("{} KiB", (b as f64 / 1024.0).round()),
    }
}

/// A sysfs size ("32768K", "32M", "1G", "512"), bytes.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'K' => (&s[..s.len() - 1], 1 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// The largest cache under `root` (sysfs cpu0 cache indices), bytes; `None` where none is
/// reported.
pub fn reported_cache_bytes(root: &Path) -> Option<u64> {
    (0..16)
        .filter_map(|i| std::fs::read_to_string(root.join(format!("sys/devices/system/cpu/cpu0/cache/index{i}/size"))).ok())
        .filter_map(|s| parse_size(&s))
        .filter(|b| *b > 0)
        .max()
}

/// A limit at or above this is "no limit" (cgroup v1 writes 2^63 rounded down to a page).
const NO_LIMIT: u64 = 1 << 62;

/// Memory this process may still use, bytes: the smaller of `MemAvailable` (proc/meminfo) and
/// the headroom (limit less usage) of every memory cgroup from the process's own up to the
/// root (proc/self/cgroup; v2 `memory.max`/`memory.current`, v1
/// `memory.limit_in_bytes`/`memory.usage_in_bytes`). `None` where nothing says.
pub fn available_memory_bytes(root: &Path) -> Option<u64> {
    let meminfo = std::fs::read_to_string(root.join("proc/meminfo")).ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?.checked_mul(1024))
    });
    let cgroups = std::fs::read_to_string(root.join("proc/self/cgroup")).unwrap_or_default();
    let mut headroom: Option<u64> = None;
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (base, limit, usage) = match controllers {
            "" => ("sys/fs/cgroup", "memory.max", "memory.current"),
            c if c.split(',').any(|c| c == "memory") => ("sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes"),
            _ => continue,
        };
        let mut dir = root.join(base).join(path.trim_start_matches('/'));
        loop {
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok().and_then(|s| s.trim().parse::<u64>().ok());
            if let Some(max) = read(limit).filter(|m| *m < NO_LIMIT) {
                let room = max.saturating_sub(read(usage).unwrap_or(0));
                headroom = Some(headroom.map_or(room, |h| h.min(room)));
            }
            if dir == root.join(base) || !dir.pop() {
                break;
            }
        }
    }
    match (meminfo, headroom) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::measure::Timing;

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn cache(root: &Path, index: u32, size: &str) {
        write(root, &format!("sys/devices/system/cpu/cpu0/cache/index{index}/size"), size);
    }

    #[test]
    fn cache_sizes_are_read_from_sysfs() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(reported_cache_bytes(dir.path()), None);
        cache(dir.path(), 0, "48K\n");
        cache(dir.path(), 2, "2048K\n");
        assert_eq!(reported_cache_bytes(dir.path()), Some(2 << 20));
        cache(dir.path(), 3, "491520K\n");
        assert_eq!(reported_cache_bytes(dir.path()), Some(480 << 20));
        cache(dir.path(), 3, "garbage\n");
        assert_eq!(reported_cache_bytes(dir.path()), Some(2 << 20));
        assert_eq!(
            (parse_size("96M"), parse_size("1G"), parse_size("512"), parse_size("M")),
            (Some(96 << 20), Some(1 << 30), Some(512), None)
        );
        assert_eq!(parse_size("99999999999999999999K"), None);
    }

    #[test]
    fn available_memory_is_the_least_of_meminfo_and_every_cgroup_limit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(available_memory_bytes(root), None);
        write(root, "proc/meminfo", "MemTotal:       24683664 kB\nMemAvailable:   20971520 kB\n");
        assert_eq!(available_memory_bytes(root), Some(20 << 30));
        // cgroup v2: a 2 GiB limit on the parent, 1.5 GiB used; the leaf has no limit.
        write(root, "proc/self/cgroup", "0::/box/leaf\n");
        write(root, "sys/fs/cgroup/box/memory.max", "2147483648\n");
        write(root, "sys/fs/cgroup/box/memory.current", "1610612736\n");
        write(root, "sys/fs/cgroup/box/leaf/memory.max", "max\n");
        assert_eq!(available_memory_bytes(root), Some(512 << 20));
        // cgroup v1: the memory controller's limit, and "no limit" written as 2^63 - 4096.
        write(root, "proc/self/cgroup", "4:memory:/job\n1:cpu:/\n");
        write(root, "sys/fs/cgroup/memory/job/memory.limit_in_bytes", "1073741824\n");
        write(root, "sys/fs/cgroup/memory/job/memory.usage_in_bytes", "805306368\n");
        write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        assert_eq!(available_memory_bytes(root), Some(256 << 20));
        std::fs::remove_file(root.join("proc/meminfo")).unwrap();
        assert_eq!(available_memory_bytes(root), Some(256 << 20));
    }

    #[test]
    fn the_size_follows_the_cache_within_the_cap_and_the_memory() {
        let gib = 1u64 << 30;
        let cases = [
            (true, Some(32 << 20), Some(20 * gib), 128 << 20, "4 x cache"),
            (true, Some(16 << 20), Some(20 * gib), 64 << 20, "4 x cache"),
            (true, Some(1 << 20), Some(20 * gib), 32 << 20, "floor"),
            (true, None, None, 128 << 20, "assumed cache"),
            (true, Some(480 << 20), None, 128 << 20, "cap"),
            (false, Some(480 << 20), Some(20 * gib), 256 << 20, "cap"),
            (false, Some(32 << 20), Some(gib), 32 << 20, "available memory"),
            (true, Some(480 << 20), Some(0), MIN_ARRAY_BYTES, "available memory"),
        ];
        for (quick, cache, available, array, by) in cases {
            let ws = WorkingSet::plan(quick, cache, available);
            assert_eq!((ws.array_bytes, ws.limited_by.as_str()), (array, by), "{ws:?}");
            assert!(ws.array_bytes * arrays_in_largest_sample(quick) <= sample_budget_bytes(quick).max(6 * MIN_ARRAY_BYTES));
        }
    }

    #[test]
    fn a_faked_host_is_planned_from_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let absent = WorkingSet::for_host(true, root);
        assert_eq!((absent.reported_cache_bytes, absent.available_memory_bytes, absent.array_bytes), (None, None, 128 << 20));
        cache(root, 3, "491520K\n");
        write(root, "proc/meminfo", "MemAvailable:   25165824 kB\n");
        let big = WorkingSet::for_host(true, root);
        assert_eq!((big.reported_cache_bytes, big.available_memory_bytes), (Some(480 << 20), Some(24 << 30)));
        assert_eq!((big.array_bytes, big.limited_by.as_str()), (128 << 20, "cap"));
        cache(root, 3, "256K\n");
        let tiny = WorkingSet::for_host(false, root);
        assert_eq!((tiny.array_bytes, tiny.limited_by.as_str()), (32 << 20, "floor"));
    }

    fn triad(array_bytes: u64, gbps: f64, role: &str) -> Sample {
        let bytes = 3.0 * array_bytes as f64;
        Sample {
            kernel: "stream-triad".into(),
            shape: vec![(array_bytes / 8) as usize],
            role: role.into(),
            bytes,
            timing: Timing::of(&[bytes / (gbps * 1e9)]),
            ..Default::default()
        }
    }

    #[test]
    fn the_plateau_is_where_doubling_the_array_no_longer_lowers_the_bandwidth() {
        let mib = 1u64 << 20;
        let mut ws = WorkingSet::plan(true, Some(32 * mib), Some(20 << 30));
        ws.conclude(&[triad(32 * mib, 80.0, "probe"), triad(64 * mib, 62.0, "probe"), triad(128 * mib, 60.0, "fit")]);
        assert_eq!(ws.plateau, Some(true), "{ws:?}");
        assert_eq!(ws.triad.iter().map(|p| p.array_bytes).collect::<Vec<_>>(), [32 * mib, 64 * mib, 128 * mib]);
        assert!((ws.triad[2].gbps - 60.0).abs() < 1e-9);
        assert!(ws.note.contains("4 x the 32 MiB last-level cache") && ws.note.contains("stopped falling"), "{}", ws.note);
        // Still falling from half to full size: cache in the figures.
        ws.conclude(&[triad(32 * mib, 80.0, "probe"), triad(64 * mib, 75.0, "probe"), triad(128 * mib, 60.0, "fit")]);
        assert_eq!(ws.plateau, Some(false));
        assert!(ws.note.contains("may include cache"), "{}", ws.note);
        // The full suite also doubles past the array: both steps count.
        let mut full = WorkingSet::plan(false, Some(32 * mib), Some(20 << 30));
        full.conclude(&[triad(64 * mib, 60.0, "probe"), triad(128 * mib, 60.0, "fit"), triad(256 * mib, 50.0, "fit")]);
        assert_eq!(full.plateau, Some(false));
        // One size only: nothing to compare.
        ws.conclude(&[triad(128 * mib, 60.0, "fit")]);
        assert_eq!(ws.plateau, None);
    }

    #[test]
    fn a_capped_array_inside_the_reported_cache_says_so() {
        let mut ws = WorkingSet::plan(true, Some(480 << 20), Some(20 << 30));
        ws.conclude(&[]);
        assert!(ws.note.contains("the suite's cap") && ws.note.contains("1.9 GiB") && ws.note.contains("512 MiB"), "{}", ws.note);
        assert!(ws.note.contains("fit in the 480 MiB reported cache"), "{}", ws.note);
        assert_eq!((bytes(3 << 29), bytes(128 << 20), bytes(4096)), ("1.5 GiB".into(), "128 MiB".into(), "4 KiB".into()));
    }
}
