//! The accelerator catalog: peak throughput per precision (dense and 2:4 sparse kept apart),
//! memory, board power and idle power of each device, with the source of every figure.
//!
//! The same [`AcceleratorSpec`] shape serves catalog entries (`assets/accelerators.toml`) and
//! devices a scenario defines inline; an inline device may name a catalog `base` and override
//! some of its fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../assets/accelerators.toml");

/// The precisions a catalog entry may list, in display order.
pub const PRECISIONS: [&str; 8] = ["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "fp4"];

/// Peak throughput per precision, TFLOPS (TOPS for int8). Absent means no public figure.
/// The most one part of a node (an accelerator, a CPU socket, memory, a NIC) may draw, W:
/// about four times the largest device (Cerebras CS-3, 23 kW), so that a typo in a unit is
/// refused. Every part of a node is held to it when a scenario resolves (`scenario::bounds`).
pub const MAX_PART_W: f64 = 100e3;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Precisions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp64: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp32: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tf32: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bf16: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp16: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp8: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int8: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp4: Option<f64>,
}

impl Precisions {
    /// The value for a precision name of [`PRECISIONS`].
    pub fn get(&self, precision: &str) -> Option<f64> {
        match precision {
            "fp64" => self.fp64,
            "fp32" => self.fp32,
            "tf32" => self.tf32,
            "bf16" => self.bf16,
            "fp16" => self.fp16,
            "fp8" => self.fp8,
            "int8" => self.int8,
            "fp4" => self.fp4,
            _ => None,
        }
    }

    /// Every present (precision, value) pair, in [`PRECISIONS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        PRECISIONS.iter().filter_map(|p| self.get(p).map(|v| (*p, v)))
    }

    /// Fields of `over` replace fields of `self` where present.
    fn overlay(&self, over: &Precisions) -> Precisions {
        Precisions {
            fp64: over.fp64.or(self.fp64),
            fp32: over.fp32.or(self.fp32),
            tf32: over.tf32.or(self.tf32),
            bf16: over.bf16.or(self.bf16),
            fp16: over.fp16.or(self.fp16),
            fp8: over.fp8.or(self.fp8),
            int8: over.int8.or(self.int8),
            fp4: over.fp4.or(self.fp4),
        }
    }
}

/// One accelerator model. Units are in the field names (GB, GB/s, W, TFLOPS).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceleratorSpec {
    /// Unique id used by scenarios, e.g. "H100-SXM".
    pub id: String,
    /// Inline devices only: a catalog id whose fields this entry overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Full product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// SXM5, PCIe, OAM ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_factor: Option<String>,
    /// Device memory, GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_gb: Option<f64>,
    /// HBM3, LPDDR5 ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_type: Option<String>,
    /// Memory bandwidth, GB/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bw_gbps: Option<f64>,
    /// Maximum board power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdp_w: Option<f64>,
    /// Idle power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_w: Option<f64>,
    /// Where the idle figure comes from ("estimate: ..." when estimated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_source: Option<String>,
    /// Dense peak per precision.
    #[serde(default)]
    pub dense_tflops: Precisions,
    /// 2:4 structured-sparsity peak per precision, where the vendor states one.
    #[serde(default)]
    pub sparse_tflops: Precisions,
    /// Source of the figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Inline devices only: a calibration profile (`aidc calibrate`) that sets the device's
    /// efficiency (and, without `base`, its peaks and measured power); see `calibrate::apply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    /// Fraction of dense peak at which the scenario's job durations hold (default 0.40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal_efficiency: Option<f64>,
}

impl AcceleratorSpec {
    /// This entry's fields laid over `base` (the id is this entry's; `base` itself is dropped).
    pub fn over(&self, base: &AcceleratorSpec) -> AcceleratorSpec {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        AcceleratorSpec {
            id: self.id.clone(),
            base: None,
            name: pick(&self.name, &base.name),
            vendor: pick(&self.vendor, &base.vendor),
            form_factor: pick(&self.form_factor, &base.form_factor),
            memory_gb: pick(&self.memory_gb, &base.memory_gb),
            memory_type: pick(&self.memory_type, &base.memory_type),
            memory_bw_gbps: pick(&self.memory_bw_gbps, &base.memory_bw_gbps),
            tdp_w: pick(&self.tdp_w, &base.tdp_w),
            idle_w: pick(&self.idle_w, &base.idle_w),
            idle_source: pick(&self.idle_source, &base.idle_source),
            dense_tflops: base.dense_tflops.overlay(&self.dense_tflops),
            sparse_tflops: base.sparse_tflops.overlay(&self.sparse_tflops),
            source: pick(&self.source, &base.source),
            notes: pick(&self.notes, &base.notes),
            calibration: pick(&self.calibration, &base.calibration),
            nominal_efficiency: pick(&self.nominal_efficiency, &base.nominal_efficiency),
        }
    }

    /// Problems with the numbers of this entry: each as (field, what is wrong).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        // Upper bounds: about 100 times the largest device of each figure (Cerebras WSE-3 / CS-3:
        // 44 GB on chip, 21 PB/s, 125 PFLOPS fp16 sparse, 23 kW; B200: 192 GB HBM3e), so that a
        // typo in a unit is refused; power as every part of a node.
        let mut num = |field: &str, v: Option<f64>, max: f64| {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0 && v <= max)
            {
                out.push((field.to_string(), format!("expected a positive number of at most {max}, found {v}")));
            }
        };
        num("memory_gb", self.memory_gb, 1e5);
        num("memory_bw_gbps", self.memory_bw_gbps, 1e9);
        num("tdp_w", self.tdp_w, MAX_PART_W);
        num("idle_w", self.idle_w, MAX_PART_W);
        for (p, v) in self.dense_tflops.iter() {
            num(&format!("dense_tflops.{p}"), Some(v), 1e7);
        }
        for (p, v) in self.sparse_tflops.iter() {
            num(&format!("sparse_tflops.{p}"), Some(v), 1e7);
        }
        if let Some(e) = self.nominal_efficiency
            && !(e.is_finite() && e > 0.0 && e <= 1.0)
        {
            out.push(("nominal_efficiency".into(), format!("expected a fraction of peak in (0, 1], found {e}")));
        }
        if let (Some(idle), Some(tdp)) = (self.idle_w, self.tdp_w)
            && idle >= tdp
        {
            out.push(("idle_w".into(), format!("idle power {idle} W must be below tdp_w {tdp} W")));
        }
        out
    }
}

/// A problem in a catalog file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The TOML does not match the schema.
    #[error("{origin}: {message}")]
    Parse {
        /// Which catalog.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An entry breaks a rule (duplicate id, missing source, bad number).
    #[error("{origin}: '{id}': {field}: {message}")]
    Entry {
        /// Which catalog.
        origin: String,
        /// The entry's id.
        id: String,
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    accelerator: Vec<AcceleratorSpec>,
}

/// Accelerator models by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    devices: BTreeMap<String, AcceleratorSpec>,
    order: Vec<String>,
    /// Server platforms (`assets/platforms.toml`; empty for a catalog parsed from text).
    pub platforms: super::platforms::Platforms,
}

impl Catalog {
    /// The catalog compiled into the binary from `assets/accelerators.toml`.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let mut c = Catalog::parse(BUILTIN, "assets/accelerators.toml")?;
        c.platforms = super::platforms::Platforms::builtin(&c)?;
        Ok(c)
    }

    /// Parses and checks a catalog file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| CatalogError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        let mut catalog = Catalog::default();
        for spec in file.accelerator {
            let fail = |field: &str, message: String| CatalogError::Entry {
                origin: origin.to_string(),
                id: spec.id.clone(),
                field: field.to_string(),
                message,
            };
            for (field, present) in [("name", spec.name.is_some()), ("vendor", spec.vendor.is_some()), ("source", spec.source.is_some())] {
                if !present {
                    return Err(fail(field, "every catalog entry needs it".into()));
                }
            }
            if spec.base.is_some() {
                return Err(fail("base", "only scenario devices may name a base".into()));
            }
            if spec.calibration.is_some() {
                return Err(fail("calibration", "only scenario devices may name a calibration profile".into()));
            }
            if spec.idle_w.is_some() && spec.idle_source.is_none() {
                return Err(fail("idle_source", "an idle figure needs its source".into()));
            }
            if let Some((field, message)) = spec.problems().into_iter().next() {
                return Err(fail(&field, message));
            }
            if catalog.devices.contains_key(&spec.id) {
                return Err(fail("id", "duplicate id".into()));
            }
            catalog.order.push(spec.id.clone());
            catalog.devices.insert(spec.id.clone(), spec);
        }
        Ok(catalog)
    }

    /// The device with this id.
    pub fn get(&self, id: &str) -> Option<&AcceleratorSpec> {
        self.devices.get(id)
    }

    /// Devices in file order.
    pub fn iter(&self) -> impl Iterator<Item = &AcceleratorSpec> {
        self.order.iter().filter_map(|id| self.devices.get(id))
    }

    /// All ids, in file order (for "expected one of ..." messages).
    pub fn ids(&self) -> Vec<&str> {
        self.order.iter().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_has_the_brief_devices() {
        let c = Catalog::builtin().expect("builtin catalog parses");
        for id in [
            "A100-PCIe-80GB",
            "A100-SXM-80GB",
            "A800-SXM-80GB",
            "H100-SXM",
            "H800-SXM",
            "H20",
            "B200",
            "MI100",
            "MI300X",
            "TPU-v5p",
            "Ascend-910",
            "Ascend-910B",
            "Ascend-910C",
            "Ascend-310",
            "MLU370-X4",
            "BR100",
            "Tiangai-100",
        ] {
            assert!(c.get(id).is_some(), "{id} missing");
        }
    }

    #[test]
    fn h100_dense_and_sparse_are_kept_apart() {
        // NVIDIA H100 datasheet: 989 TFLOPS dense BF16, 1,979 with sparsity (BRIEF §2).
        let c = Catalog::builtin().unwrap();
        let h = c.get("H100-SXM").unwrap();
        let dense = h.dense_tflops.fp16.unwrap();
        assert!((dense - 989.0).abs() < 2.0, "{dense}");
        let sparse = h.sparse_tflops.fp16.unwrap();
        assert!((sparse / dense - 2.0).abs() < 0.01);
        assert_eq!(h.tdp_w, Some(700.0));
        let idle = h.idle_w.unwrap();
        assert!((71.0..=75.0).contains(&idle), "{idle}");
    }

    #[test]
    fn duplicate_ids_and_missing_sources_are_rejected() {
        let one = "[[accelerator]]\nid='X'\nname='x'\nvendor='v'\nsource='s'\n";
        let dup = format!("{one}{one}");
        let e = Catalog::parse(&dup, "t").unwrap_err().to_string();
        assert!(e.contains("duplicate id"), "{e}");
        let nosrc = "[[accelerator]]\nid='X'\nname='x'\nvendor='v'\n";
        let e = Catalog::parse(nosrc, "t").unwrap_err().to_string();
        assert!(e.contains("source"), "{e}");
        let bad = "[[accelerator]]\nid='X'\nname='x'\nvendor='v'\nsource='s'\ntdp_w=-3.0\n";
        let e = Catalog::parse(bad, "t").unwrap_err().to_string();
        assert!(e.contains("tdp_w"), "{e}");
    }

    #[test]
    fn overlay_keeps_base_fields_and_takes_overrides() {
        let c = Catalog::builtin().unwrap();
        let base = c.get("H100-SXM").unwrap();
        let over = AcceleratorSpec { id: "H100-capped".into(), base: Some("H100-SXM".into()), tdp_w: Some(500.0), ..Default::default() };
        let m = over.over(base);
        assert_eq!(m.tdp_w, Some(500.0));
        assert_eq!(m.idle_w, base.idle_w);
        assert_eq!(m.dense_tflops, base.dense_tflops);
        assert_eq!(m.id, "H100-capped");
        assert!(m.base.is_none());
    }
}
