//! Facts about the host CPU and its theoretical peak, read from a root folder (`/` on a real
//! machine, a temporary folder in tests) so that absent or odd sysfs files can be tested.
//!
//! ## How it works
//! [`cpu_facts`] reads `proc/cpuinfo` (model name, vendor, family, flags, the current clock in
//! MHz) and `sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq` (the maximum clock, kHz,
//! preferred where present). The theoretical dense peak per precision is
//!
//! ```text
//! peak FLOP/s = cores x clock (Hz) x FMA units per core x 2 (an FMA is two FLOPs) x lanes
//! lanes       = vector width (bits) / element width (bits)
//! ```
//!
//! the usual formula for x86 cores (e.g. Hennessy and Patterson, *Computer Architecture*, 6th
//! ed., §4.3; Intel and AMD optimization manuals for the FMA ports). The vector width is the
//! widest of the `avx512f` (512), `avx`/`avx2` (256) and `sse2` (128) flags. FMA units per core
//! are 2 on cores with `fma` (Haswell and later, Zen and later), except AMD family 0x19 (Zen 3
//! and Zen 4), whose 512-bit operations run on 256-bit units (counted as one 512-bit unit);
//! without `fma` a core is counted as one multiply and one add, the same two FLOPs per lane and
//! cycle. f16 GEMM on a CPU converts to f32 and computes in f32 (the `gemm` crate does this
//! with `f16c`), so its peak is the f32 peak.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// What the host CPU is, as far as the kernel tells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuFacts {
    /// `model name` of /proc/cpuinfo.
    pub model: String,
    /// `vendor_id` (GenuineIntel, AuthenticAMD ...).
    pub vendor: String,
    /// `cpu family`, where given.
    pub family: Option<u32>,
    /// Physical cores (distinct (physical id, core id) pairs; logical CPUs where absent).
    pub cores: u32,
    /// Logical CPUs (threads).
    pub threads: u32,
    /// The clock used for the peak, GHz.
    pub clock_ghz: f64,
    /// Where the clock came from: "cpufreq max" or "cpuinfo MHz" or "unknown".
    pub clock_source: String,
    /// Widest vector unit, bits.
    pub vector_bits: u32,
    /// FMA units per core assumed for the peak.
    pub fma_units: u32,
    /// The SIMD flags seen (fma, avx, avx2, avx512f, avx512_bf16, f16c ...).
    pub simd_flags: Vec<String>,
}

/// SIMD flags worth recording.
const SIMD_FLAGS: [&str; 9] = ["sse2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"];

impl CpuFacts {
    /// Theoretical dense peak for elements of `element_bits` bits, FLOP/s (see the module doc).
    pub fn peak_flops(&self, element_bits: u32) -> f64 {
        let lanes = (self.vector_bits / element_bits.max(1)).max(1) as f64;
        self.cores as f64 * self.clock_ghz * 1e9 * self.fma_units as f64 * 2.0 * lanes
    }

    /// Whether a flag was seen.
    pub fn has(&self, flag: &str) -> bool {
        self.simd_flags.iter().any(|f| f == flag)
    }
}

/// Reads the CPU facts under `root` (`/` on a real machine). Missing files give defaults
/// (one core, clock 0 with source "unknown"), never an error.
pub fn cpu_facts(root: &Path) -> CpuFacts {
    let text = std::fs::read_to_string(root.join("proc/cpuinfo")).unwrap_or_default();
    let mut facts = parse_cpuinfo(&text);
    let max_khz = std::fs::read_to_string(root.join("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|k| *k > 0.0);
    if let Some(khz) = max_khz {
        facts.clock_ghz = khz / 1e6;
        facts.clock_source = "cpufreq max".into();
    }
    if facts.threads == 0 {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        facts.threads = n;
        facts.cores = n;
    }
    facts
}

/// The host name under `root` (proc/sys/kernel/hostname, then etc/hostname), or "unknown".
pub fn hostname(root: &Path) -> String {
    ["proc/sys/kernel/hostname", "etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(root.join(p)).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Parses the text of /proc/cpuinfo.
pub fn parse_cpuinfo(text: &str) -> CpuFacts {
    let mut facts = CpuFacts { clock_source: "unknown".into(), ..Default::default() };
    let mut cores = std::collections::BTreeSet::new();
    let (mut physical, mut threads) = (None::<String>, 0u32);
    let mut flags: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" => threads += 1,
            "model name" if facts.model.is_empty() => facts.model = value.to_string(),
            "vendor_id" if facts.vendor.is_empty() => facts.vendor = value.to_string(),
            "cpu family" if facts.family.is_none() => facts.family = value.parse().ok(),
            "cpu MHz" if facts.clock_ghz == 0.0 => {
                if let Ok(mhz) = value.parse::<f64>()
                    && mhz > 0.0
                {
                    facts.clock_ghz = mhz / 1000.0;
                    facts.clock_source = "cpuinfo MHz".into();
                }
            }
            "physical id" => physical = Some(value.to_string()),
            "core id" => {
                cores.insert((physical.clone().unwrap_or_default(), value.to_string()));
            }
            "flags" if flags.is_empty() => flags = value.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    facts.threads = threads;
    facts.cores = if cores.is_empty() { threads } else { cores.len() as u32 };
    facts.simd_flags = SIMD_FLAGS.iter().filter(|f| flags.iter().any(|g| g == *f)).map(|f| f.to_string()).collect();
    facts.vector_bits = if facts.has("avx512f") {
        512
    } else if facts.has("avx") || facts.has("avx2") {
        256
    } else {
        128
    };
    facts.fma_units = fma_units(&facts);
    facts
}

/// FMA units per core at the widest vector width (see the module doc).
fn fma_units(f: &CpuFacts) -> u32 {
    let zen3_or_4 = f.vendor == "AuthenticAMD" && f.family == Some(0x19);
    if !f.has("fma") || (zen3_or_4 && f.vector_bits == 512) { 1 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPYC: &str = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.104\nphysical id\t: 0\ncore id\t\t: 0\nflags\t\t: fpu sse2 avx fma f16c avx2 avx512f avx512_bf16\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.104\nphysical id\t: 0\ncore id\t\t: 1\nflags\t\t: fpu sse2 avx fma f16c avx2 avx512f avx512_bf16\n";

    #[test]
    fn peak_follows_cores_clock_units_and_lanes() {
        let f = parse_cpuinfo(EPYC);
        assert_eq!((f.cores, f.threads, f.vector_bits, f.fma_units), (2, 2, 512, 2));
        assert_eq!(f.model, "AMD EPYC");
        // 2 cores x 2.596104 GHz x 2 FMA x 2 x 8 f64 lanes = 166.15 GFLOP/s.
        assert!((f.peak_flops(64) / 1e9 - 166.150_656).abs() < 1e-6, "{}", f.peak_flops(64));
        assert!((f.peak_flops(32) / f.peak_flops(64) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn zen4_counts_one_512_bit_unit_and_old_cores_have_no_fma() {
        let zen4 = parse_cpuinfo(&EPYC.replace("family\t: 26", "family\t: 25"));
        assert_eq!(zen4.fma_units, 1);
        let old = parse_cpuinfo("processor : 0\nflags : sse2\n");
        assert_eq!((old.vector_bits, old.fma_units), (128, 1));
    }

    #[test]
    fn cpufreq_max_wins_over_cpuinfo_and_absent_files_give_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let empty = cpu_facts(dir.path());
        assert_eq!(empty.clock_source, "unknown");
        assert!(empty.threads >= 1);
        std::fs::create_dir_all(dir.path().join("proc")).unwrap();
        std::fs::write(dir.path().join("proc/cpuinfo"), EPYC).unwrap();
        let freq = dir.path().join("sys/devices/system/cpu/cpu0/cpufreq");
        std::fs::create_dir_all(&freq).unwrap();
        std::fs::write(freq.join("cpuinfo_max_freq"), "3700000\n").unwrap();
        let f = cpu_facts(dir.path());
        assert_eq!(f.clock_source, "cpufreq max");
        assert!((f.clock_ghz - 3.7).abs() < 1e-12);
    }
}
