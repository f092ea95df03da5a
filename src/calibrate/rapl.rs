//! CPU package energy from RAPL counters, read under a root folder (`/` on a real machine, a
//! temporary folder in tests), so that absent or unreadable counters are tested.
//!
//! ## How it works
//! Linux exposes Running Average Power Limit energy counters (Intel since Sandy Bridge, AMD
//! since Zen through the same `intel-rapl` powercap driver) as
//! `sys/class/powercap/intel-rapl:N/energy_uj`, a cumulative microjoule count that wraps at
//! `max_energy_range_uj` (Linux kernel documentation, "Power Capping Framework"). Only the
//! top-level package zones (`intel-rapl:N`, not the sub-zones `intel-rapl:N:M`, which they
//! contain) are summed. AMD's `amd_energy` hwmon driver (`sys/class/hwmon/hwmonK` with
//! `name` = amd_energy, `energyJ_input` in µJ, socket counters labelled `Esocket*`) is the
//! fallback. Mean power over an interval is the energy difference over the time. Counters
//! are often root-only (since Linux 5.10, CVE-2020-8694) or absent in virtual machines: then
//! [`find`] says why and the profile records that power was not measured.

use std::path::{Path, PathBuf};

/// One cumulative energy counter.
#[derive(Debug, Clone, PartialEq)]
struct Counter {
    path: PathBuf,
    /// The value at which it wraps to zero, µJ (0: unknown, never wraps in practice).
    max_uj: u64,
}

/// The package energy counters of the host.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyMeter {
    counters: Vec<Counter>,
    /// Where the counters are, e.g. "powercap intel-rapl (2 packages)".
    pub source: String,
}

/// A reading of every counter, µJ.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading(Vec<u64>);

fn read_u64(p: &Path) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// Why no energy counters can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoMeter {
    /// A counter exists but only root may read it.
    #[error("{} is not readable (RAPL counters are root-only on Linux 5.10 and later)", .0.display())]
    Unreadable(PathBuf),
    /// There are no counters under the powercap folder.
    #[error("no RAPL energy counters under {} (none on this CPU, or a virtual machine)", .0.display())]
    Absent(PathBuf),
}

/// Finds readable package energy counters under `root`, or says why there are none.
pub fn find(root: &Path) -> Result<EnergyMeter, NoMeter> {
    let powercap = root.join("sys/class/powercap");
    let mut counters = Vec::new();
    let mut unreadable = None;
    if let Ok(entries) = std::fs::read_dir(&powercap) {
        let mut zones: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("intel-rapl:") && n.matches(':').count() == 1))
            .collect();
        zones.sort();
        for z in zones {
            let energy = z.join("energy_uj");
            match read_u64(&energy) {
                Some(_) => counters.push(Counter { path: energy, max_uj: read_u64(&z.join("max_energy_range_uj")).unwrap_or(0) }),
                None if energy.exists() => unreadable = Some(energy),
                None => {}
            }
        }
    }
    if !counters.is_empty() {
        let n = counters.len();
        return Ok(EnergyMeter { counters, source: format!("powercap intel-rapl ({n} package zone{})", if n == 1 { "" } else { "s" }) });
    }
    if let Some(m) = amd_energy(root) {
        return Ok(m);
    }
    Err(match unreadable {
        Some(p) => NoMeter::Unreadable(p),
        None => NoMeter::Absent(powercap),
    })
}

/// The socket counters of the `amd_energy` hwmon driver, if present and readable.
fn amd_energy(root: &Path) -> Option<EnergyMeter> {
    let mut hwmons: Vec<PathBuf> = std::fs::read_dir(root.join("sys/class/hwmon")).ok()?.flatten().map(|e| e.path()).collect();
    hwmons.sort();
    for h in hwmons {
        if std::fs::read_to_string(h.join("name")).ok()?.trim() != "amd_energy" {
            continue;
        }
        let mut counters = Vec::new();
        for i in 1..=1024 {
            let Ok(label) = std::fs::read_to_string(h.join(format!("energy{i}_label"))) else { break };
            let input = h.join(format!("energy{i}_input"));
            if label.trim().starts_with("Esocket") && read_u64(&input).is_some() {
                counters.push(Counter { path: input, max_uj: 0 });
            }
        }
        if !counters.is_empty() {
            return Some(EnergyMeter { source: format!("hwmon amd_energy ({} sockets)", counters.len()), counters });
        }
    }
    None
}

impl EnergyMeter {
    /// Reads every counter; `None` if one became unreadable.
    pub fn read(&self) -> Option<Reading> {
        self.counters.iter().map(|c| read_u64(&c.path)).collect::<Option<Vec<_>>>().map(Reading)
    }

    /// Energy between two readings, J, allowing one wrap of each counter.
    pub fn joules(&self, before: &Reading, after: &Reading) -> f64 {
        let uj: u64 = self
            .counters
            .iter()
            .zip(before.0.iter().zip(&after.0))
            .map(|(c, (&b, &a))| if a >= b { a - b } else { c.max_uj.saturating_sub(b) + a })
            .sum();
        uj as f64 / 1e6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(root: &Path, name: &str, energy: &str, max: &str) {
        let z = root.join("sys/class/powercap").join(name);
        std::fs::create_dir_all(&z).unwrap();
        std::fs::write(z.join("energy_uj"), energy).unwrap();
        std::fs::write(z.join("max_energy_range_uj"), max).unwrap();
    }

    #[test]
    fn absent_rapl_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let e = find(dir.path()).unwrap_err();
        assert_eq!(e, NoMeter::Absent(dir.path().join("sys/class/powercap")));
        assert!(e.to_string().contains("no RAPL energy counters"), "{e}");
    }

    #[test]
    fn package_zones_are_summed_and_wraps_handled() {
        let dir = tempfile::tempdir().unwrap();
        zone(dir.path(), "intel-rapl:0", "1000000\n", "2000000\n");
        zone(dir.path(), "intel-rapl:1", "500\n", "2000000\n");
        zone(dir.path(), "intel-rapl:0:0", "7\n", "2000000\n"); // a sub-zone: not counted twice
        let m = find(dir.path()).unwrap();
        assert!(m.source.contains("2 package zones"), "{}", m.source);
        let before = m.read().unwrap();
        zone(dir.path(), "intel-rapl:0", "1500000\n", "2000000\n");
        zone(dir.path(), "intel-rapl:1", "100\n", "2000000\n"); // wrapped
        let after = m.read().unwrap();
        // 0.5 J on package 0; (2e6 - 500 + 100) µJ on package 1.
        assert!((m.joules(&before, &after) - (0.5 + 1.9996)).abs() < 1e-9);
    }

    #[test]
    fn amd_energy_hwmon_is_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path().join("sys/class/hwmon/hwmon3");
        std::fs::create_dir_all(&h).unwrap();
        std::fs::write(h.join("name"), "amd_energy\n").unwrap();
        std::fs::write(h.join("energy1_label"), "Ecore000\n").unwrap();
        std::fs::write(h.join("energy1_input"), "10\n").unwrap();
        std::fs::write(h.join("energy2_label"), "Esocket0\n").unwrap();
        std::fs::write(h.join("energy2_input"), "20\n").unwrap();
        let m = find(dir.path()).unwrap();
        assert_eq!(m.read(), Some(Reading(vec![20])));
    }
}
