//! What the machine offers a run: the memory available and the free space of the output
//! folder's file system, each read from the operating system and bounded before it is used.
//!
//! ## How it works
//! Memory is `MemAvailable` of `/proc/meminfo` (the kernel's estimate of what can be allocated
//! without swapping, Linux 3.14+), never above `MemTotal`, lowered to what a cgroup v2 or v1
//! memory limit leaves (`memory.max - memory.current`, `memory.limit_in_bytes -
//! memory.usage_in_bytes`) when the process runs in one, and capped at [`MAX_TRUSTED_MEMORY`]:
//! a virtual machine or a container may report anything. Where nothing can be read (not Linux),
//! [`FALLBACK_MEMORY`] is assumed. `AIDC_MAX_MEMORY` (a size like `8GiB`) lowers the figure, for
//! a shared machine or a test. Free disk space is `statvfs` (blocks available to unprivileged
//! users) of the nearest existing folder above the output folder.

use std::path::Path;

/// Memory assumed available where the operating system does not say, bytes.
pub const FALLBACK_MEMORY: u64 = 4 << 30;
/// The largest memory figure believed, bytes (64 TiB).
pub const MAX_TRUSTED_MEMORY: u64 = 64 << 40;
/// The environment variable that lowers the memory figure.
pub const MEMORY_VAR: &str = "AIDC_MAX_MEMORY";

/// The memory a run may count on, bytes, and where the figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// Bytes, bounded.
    pub bytes: u64,
    /// Whether the operating system told (false: [`FALLBACK_MEMORY`]).
    pub measured: bool,
}

/// The memory available to this process now, bounded (see the module documentation).
pub fn memory() -> Result<Memory, super::BudgetError> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let cgroup = cgroup_room();
    let mut m = bounded_memory(meminfo.as_deref(), cgroup);
    if let Ok(v) = std::env::var(MEMORY_VAR) {
        let cap = crate::scenario::units::parse_bytes(&v).map_err(|e| super::BudgetError::Setting {
            var: MEMORY_VAR,
            value: v.clone(),
            why: e.to_string(),
        })?;
        m.bytes = m.bytes.min(cap as u64);
        m.measured = true;
    }
    Ok(m)
}

/// The memory figure from the text of `/proc/meminfo` and the room a cgroup leaves, bounded.
pub fn bounded_memory(meminfo: Option<&str>, cgroup_room: Option<u64>) -> Memory {
    let field = |name: &str| -> Option<u64> {
        let line = meminfo?.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(':'))?;
        let kib: u64 = line[name.len() + 1..].split_whitespace().next()?.parse().ok()?;
        Some(kib.saturating_mul(1024))
    };
    let available = field("MemAvailable").or_else(|| field("MemFree"));
    let figure = match (available, field("MemTotal")) {
        (Some(a), Some(t)) => Some(a.min(t)),
        (a, t) => a.or(t),
    };
    let figure = match (figure, cgroup_room) {
        (Some(f), Some(c)) => Some(f.min(c)),
        (f, c) => f.or(c),
    };
    match figure {
        Some(b) => Memory { bytes: b.min(MAX_TRUSTED_MEMORY), measured: true },
        None => Memory { bytes: FALLBACK_MEMORY, measured: false },
    }
}

/// What a cgroup memory limit leaves (limit - usage), if this process runs under one.
fn cgroup_room() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(p).ok().and_then(|s| s.trim().parse::<u64>().ok());
    let v2 = read("/sys/fs/cgroup/memory.max").map(|max| (max, read("/sys/fs/cgroup/memory.current").unwrap_or(0)));
    let v1 = || {
        read("/sys/fs/cgroup/memory/memory.limit_in_bytes")
            .map(|max| (max, read("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0)))
    };
    v2.or_else(v1).map(|(max, used)| max.saturating_sub(used))
}

/// Free space for unprivileged users on the file system that holds `path` (or the nearest
/// folder above it that exists), bytes; None where it cannot be read.
pub fn disk_free(path: &Path) -> Option<u64> {
    let mut p = std::path::absolute(path).ok()?;
    while !p.exists() {
        p = p.parent()?.to_path_buf();
    }
    statvfs_free(&p)
}

#[cfg(unix)]
fn statvfs_free(p: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statvfs` is plain old data, so all zeroes is a valid value to overwrite.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path that outlives the call and `s` a valid, writable
    // `statvfs`; the call writes only into `s`.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    Some(u64::from(s.f_bavail as u64).saturating_mul(s.f_frsize as u64))
}

#[cfg(not(unix))]
fn statvfs_free(_: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMINFO: &str = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n";

    #[test]
    fn available_memory_comes_from_meminfo_and_is_bounded() {
        assert_eq!(bounded_memory(Some(MEMINFO), None), Memory { bytes: 20_000_000 * 1024, measured: true });
        // A cgroup limit lowers it; a figure above MemTotal is not believed.
        assert_eq!(bounded_memory(Some(MEMINFO), Some(1 << 30)).bytes, 1 << 30);
        let odd = "MemTotal: 1000 kB\nMemAvailable: 99999999999 kB\n";
        assert_eq!(bounded_memory(Some(odd), None).bytes, 1000 * 1024);
        // An absurd machine is capped; nothing readable falls back.
        let huge = format!("MemTotal: {0} kB\nMemAvailable: {0} kB\n", u64::MAX / 1024);
        assert_eq!(bounded_memory(Some(&huge), None).bytes, MAX_TRUSTED_MEMORY);
        assert_eq!(bounded_memory(None, None), Memory { bytes: FALLBACK_MEMORY, measured: false });
        assert!(!bounded_memory(Some("garbage\nMemAvailable: lots kB\n"), None).measured);
        // Without MemAvailable (old kernels) MemFree is the figure.
        assert_eq!(bounded_memory(Some("MemTotal: 100 kB\nMemFree: 40 kB\n"), None).bytes, 40 * 1024);
    }

    #[test]
    fn free_disk_space_reads_the_nearest_existing_folder() {
        let tmp = std::env::temp_dir();
        let here = disk_free(&tmp);
        let below = disk_free(&tmp.join("no-such-folder-aidc").join("deeper"));
        if cfg!(unix) {
            assert!(here.is_some() && below.is_some());
        }
    }
}
