//! The server platform catalog: real server designs (DGX/HGX, Atlas, PCIe servers, a CPU-only
//! node) with their nameplate maximum power, the power of each part (host CPUs, memory, NICs,
//! storage, switch board and baseboard, fans and the share of the heat their air removes), the
//! power supplies, and the source of every figure (`assets/platforms.toml`).
//!
//! A scenario's node type names a platform (`platform = "DGX-H100"`) and may override any part;
//! the parts fill the node type's power model, and `aidc check` sets the model's maximum beside
//! the nameplate.

use serde::{Deserialize, Serialize};

use super::accelerators::{Catalog, CatalogError, MAX_PART_W};

const BUILTIN: &str = include_str!("../../assets/platforms.toml");

/// One part of a platform: what it is, its power at full load and where the figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// What the part is ("32 x 64 GB DDR5-4800 RDIMM").
    pub what: String,
    /// Power of all parts of this kind at full load, W.
    pub power_w: f64,
    /// How the figure was obtained.
    pub source: String,
}

/// Host CPUs of a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformCpu {
    /// The processor model.
    pub model: String,
    /// Sockets.
    pub count: u32,
    /// Idle power per socket, W.
    pub idle_w: f64,
    /// Maximum (TDP) per socket, W.
    pub max_w: f64,
    /// Where the figures come from.
    pub source: String,
}

/// Server fans of a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformFans {
    /// Fan power at minimum speed, W.
    pub min_w: f64,
    /// Fan power at the platform's maximum heat, W.
    pub max_w: f64,
    /// Share of the heat the platform's own air removes as built (1 for an air-cooled server).
    pub air_share: f64,
    /// Where the figures come from.
    pub source: String,
}

/// Power supplies of a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformPsu {
    /// Supplies sharing the load.
    pub count: u32,
    /// Output rating of one supply, W.
    pub rating_w: f64,
    /// 80 PLUS level: "titanium", "platinum" or "gold".
    pub efficiency: String,
}

/// One server platform. Units are in the field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    /// Unique id used by scenarios, e.g. "DGX-H100".
    pub id: String,
    /// Full product name.
    pub name: String,
    /// Manufacturer.
    pub vendor: String,
    /// Year of the source.
    pub year: u32,
    /// Chassis and cooling as built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_factor: Option<String>,
    /// Accelerator id of `assets/accelerators.toml` (absent for a CPU-only node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<String>,
    /// Accelerators per node (0 for a CPU-only node).
    pub accelerators: u32,
    /// The vendor's maximum input power of the system, W (absent where none was found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nameplate_w: Option<f64>,
    /// Where the nameplate comes from ("estimate: ..." when derived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nameplate_source: Option<String>,
    /// Published idle power of the whole system, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_w: Option<f64>,
    /// Where the idle figure comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_source: Option<String>,
    /// Host CPUs.
    pub cpu: PlatformCpu,
    /// Memory (DIMMs).
    pub memory: Part,
    /// NICs and DPUs with their optics.
    pub nics: Part,
    /// Local storage.
    pub storage: Part,
    /// Switch board (NVSwitch, HCCS), PCIe switches, baseboard and BMC.
    pub other: Part,
    /// Server fans.
    pub fans: PlatformFans,
    /// Power supplies.
    pub psu: PlatformPsu,
    /// Source of the design.
    pub source: String,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl PlatformSpec {
    /// Problems with the numbers of this entry against the accelerator catalog: each as
    /// (field, what is wrong).
    pub fn problems(&self, accelerators: &Catalog) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut power = |field: &str, v: f64| {
            if !(v.is_finite() && (0.0..=MAX_PART_W).contains(&v)) {
                out.push((field.to_string(), format!("expected a power from 0 to {MAX_PART_W} W, found {v}")));
            }
        };
        power("cpu.idle_w", self.cpu.idle_w);
        power("cpu.max_w", self.cpu.max_w);
        power("memory.power_w", self.memory.power_w);
        power("nics.power_w", self.nics.power_w);
        power("storage.power_w", self.storage.power_w);
        power("other.power_w", self.other.power_w);
        power("fans.min_w", self.fans.min_w);
        power("fans.max_w", self.fans.max_w);
        power("psu.rating_w", self.psu.rating_w);
        for (field, v) in [("nameplate_w", self.nameplate_w), ("idle_w", self.idle_w)] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= 1e6)
            {
                out.push((field.to_string(), format!("expected a positive power of at most 1 MW, found {v}")));
            }
        }
        if self.cpu.idle_w > self.cpu.max_w {
            out.push(("cpu.idle_w".into(), "expected idle power not above max_w".into()));
        }
        if self.fans.min_w > self.fans.max_w {
            out.push(("fans.min_w".into(), "expected fan minimum power not above max_w".into()));
        }
        if !(self.fans.air_share > 0.0 && self.fans.air_share <= 1.0) {
            out.push(("fans.air_share".into(), format!("expected a share in (0, 1], found {}", self.fans.air_share)));
        }
        if !(1..=64).contains(&self.psu.count) || self.psu.rating_w <= 0.0 {
            out.push(("psu".into(), "expected 1 to 64 supplies of a positive rating".into()));
        }
        if !super::psu::PSU_CURVES.iter().any(|(n, _)| *n == self.psu.efficiency) {
            out.push(("psu.efficiency".into(), "expected \"titanium\", \"platinum\" or \"gold\"".into()));
        }
        if self.nameplate_w.is_some() && self.nameplate_source.is_none() {
            out.push(("nameplate_source".into(), "a nameplate needs its source".into()));
        }
        if self.idle_w.is_some() && self.idle_source.is_none() {
            out.push(("idle_source".into(), "an idle figure needs its source".into()));
        }
        match (&self.accelerator, self.accelerators) {
            (None, 0) => {}
            (Some(id), 1..=64) => {
                if accelerators.get(id).is_none_or(|d| d.tdp_w.is_none()) {
                    out.push(("accelerator".into(), format!("{id:?} is not a catalog accelerator with a board power")));
                }
            }
            _ => out.push(("accelerators".into(), "expected 1 to 64 with an accelerator, or 0 without (a CPU-only node)".into())),
        }
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformFile {
    platform: Vec<PlatformSpec>,
}

/// Platforms by id, in file order.
#[derive(Debug, Clone, Default)]
pub struct Platforms {
    list: Vec<PlatformSpec>,
}

impl Platforms {
    /// The catalog compiled into the binary from `assets/platforms.toml`, checked against the
    /// accelerator catalog.
    pub fn builtin(accelerators: &Catalog) -> Result<Platforms, CatalogError> {
        Platforms::parse(BUILTIN, "assets/platforms.toml", accelerators)
    }

    /// Parses and checks a platform catalog's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str, accelerators: &Catalog) -> Result<Platforms, CatalogError> {
        let file: PlatformFile =
            toml::from_str(text).map_err(|e| CatalogError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        let mut out = Platforms::default();
        for spec in file.platform {
            let fail =
                |field: String, message: String| CatalogError::Entry { origin: origin.to_string(), id: spec.id.clone(), field, message };
            if let Some((field, message)) = spec.problems(accelerators).into_iter().next() {
                return Err(fail(field, message));
            }
            if out.get(&spec.id).is_some() {
                return Err(fail("id".into(), "duplicate id".into()));
            }
            out.list.push(spec);
        }
        Ok(out)
    }

    /// The platform with this id.
    pub fn get(&self, id: &str) -> Option<&PlatformSpec> {
        self.list.iter().find(|p| p.id == id)
    }

    /// Platforms in file order.
    pub fn iter(&self) -> impl Iterator<Item = &PlatformSpec> {
        self.list.iter()
    }

    /// All ids, in file order (for "expected one of ..." messages).
    pub fn ids(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_platforms_parse_and_cover_the_issue_list() {
        let acc = Catalog::builtin().unwrap();
        let p = Platforms::builtin(&acc).expect("builtin platforms parse");
        for id in ["DGX-H100", "DGX-H800", "HGX-H20", "DGX-B200", "Atlas-800T-A2", "MLU370-X4-8card", "Hygon-DCU-8card", "CPU-2S-SPR"] {
            assert!(p.get(id).is_some(), "{id} missing");
        }
        // The datasheet maxima of the NVIDIA systems are vendor figures, not estimates.
        for (id, w) in [("DGX-H100", 10_200.0), ("DGX-H800", 10_200.0), ("DGX-B200", 14_300.0), ("DGX-A100", 6_500.0)] {
            let s = p.get(id).unwrap();
            assert_eq!(s.nameplate_w, Some(w), "{id}");
            assert!(!s.nameplate_source.as_deref().unwrap().starts_with("estimate"), "{id}");
        }
        assert!(p.get("CPU-2S-SPR").unwrap().accelerator.is_none());
    }

    #[test]
    fn bad_entries_are_refused_with_their_field() {
        let acc = Catalog::builtin().unwrap();
        let good = BUILTIN.split("\n[[platform]]\n").nth(1).unwrap();
        let one = format!("[[platform]]\n{good}");
        let e = Platforms::parse(&format!("{one}{one}"), "t", &acc).unwrap_err().to_string();
        assert!(e.contains("duplicate id"), "{e}");
        let bad = one.replace("air_share = 1.0", "air_share = 1.5");
        let e = Platforms::parse(&bad, "t", &acc).unwrap_err().to_string();
        assert!(e.contains("fans.air_share"), "{e}");
        let bad = one.replace("accelerator = \"H100-SXM\"", "accelerator = \"Ascend-910C\"");
        let e = Platforms::parse(&bad, "t", &acc).unwrap_err().to_string();
        assert!(e.contains("board power"), "{e}");
    }
}
