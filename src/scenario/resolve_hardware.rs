//! Resolving the equipment: accelerators (catalog entries, inline definitions, calibration
//! profiles), node types with their host CPUs, fans and power supplies, and halls of rack
//! groups. The defaults and their sources are in the table of [`super::resolve`].

use super::bounds;
use super::error::FieldPath;
use super::raw::*;
use super::resolve::{R, Resolver, pos_f64};
use crate::catalog::AcceleratorSpec;
use crate::catalog::psu::PSU_CURVES;
use crate::config::calibration::DeviceCalibration;
use crate::config::*;

/// The most accelerators of one node.
pub(super) const MAX_ACCELERATORS_PER_NODE: u32 = 64;
const DEFAULT_FAN_BARROSO_R: f64 = 1.4;
const DEFAULT_CPU: Cpu = Cpu { count: 2, idle_w: 90.0, max_w: 280.0, busy_utilization: 0.3 };
const DEFAULT_MEMORY_W: f64 = 74.0;
const DEFAULT_NIC_W_PER_ACCELERATOR: f64 = 20.0;
const DEFAULT_STORAGE_W: f64 = 30.0;
const DEFAULT_PSU_COUNT: u32 = 2;
/// Switch board, PCIe switches, baseboard and BMC of a node that names no platform, as a share
/// of its accelerators' board power: the 8-GPU HGX estimate of `assets/platforms.toml` (4
/// NVSwitch chips at about 100 W, 4 PCIe Gen5 switches at about 50 W, 50 W of BMC and board:
/// 650 W for 8 x 700 W of GPUs, 11.6 %), so that a PCIe server of small cards gets a small board.
const DEFAULT_OTHER_SHARE: f64 = 650.0 / 5600.0;
/// Fan power at full speed as a share of the heat of every other part at its maximum, for a
/// node that names neither a platform nor fans [rule of thumb, as `assets/platforms.toml`: the
/// airflow law P_fan / Q = dp / (rho c_p dT eta) gives 12-18 % for 750-1000 Pa, 15 K, 30-35 %].
const DEFAULT_FAN_SHARE: f64 = 0.15;
/// Fan power at minimum speed as a share of its maximum [rule of thumb: 20-30 % minimum speed
/// gives 1-3 % by the cube law, plus the fan electronics].
const DEFAULT_FAN_MIN_SHARE: f64 = 0.05;

impl Resolver<'_> {
    pub(super) fn device(&self, raw: &RawScenario, id: &str, path: &FieldPath) -> R<(AcceleratorSpec, bool, Option<DeviceCalibration>)> {
        if let Some((i, inline)) = raw.accelerators.iter().enumerate().find(|(_, a)| a.id == id) {
            let ip = FieldPath::root("accelerators").index(i);
            let mut spec = match &inline.base {
                Some(base) => match self.catalog.get(base) {
                    Some(b) => inline.over(b),
                    None => {
                        return self.err(
                            &ip.key("base"),
                            format!("unknown catalog accelerator {base:?}; expected one of {}", self.catalog.ids().join(", ")),
                        );
                    }
                },
                None => inline.clone(),
            };
            let mut calibration = None;
            if let Some(file) = &inline.calibration {
                let base = inline.base.as_deref().and_then(|b| self.catalog.get(b));
                let path = super::input::locate(file, &self.dir).map_err(|e| {
                    self.src.error(&ip.key("calibration"), e.to_string().replacen("cannot read ", "cannot read calibration profile ", 1))
                })?;
                match crate::calibrate::apply::calibrate(inline, base, &path) {
                    Ok((s, c)) => (spec, calibration) = (s, Some(c)),
                    Err(e) => return self.err(&ip.key("calibration"), e.to_string()),
                }
            }
            if let Some((field, msg)) = spec.problems().into_iter().next() {
                return self.err(&ip.key(&field), msg);
            }
            return Ok((spec, true, calibration));
        }
        match self.catalog.get(id) {
            Some(s) => Ok((s.clone(), false, None)),
            None => self.err(
                path,
                format!(
                    "unknown accelerator {id:?}; expected a catalog id ({}) or the id of an [[accelerators]] entry",
                    self.catalog.ids().join(", ")
                ),
            ),
        }
    }

    pub(super) fn node_types(&self, raw: &RawScenario) -> R<(Vec<Device>, Vec<NodeType>)> {
        for (i, a) in raw.accelerators.iter().enumerate() {
            if raw.accelerators[..i].iter().any(|b| b.id == a.id) {
                return self.err(&FieldPath::root("accelerators").index(i).key("id"), format!("duplicate accelerator id {:?}", a.id));
            }
        }
        if raw.node_types.is_empty() {
            return self.err(&FieldPath::root("node_types"), "expected at least one [[node_types]] entry");
        }
        let mut devices: Vec<Device> = Vec::new();
        let mut out = Vec::new();
        for (i, n) in raw.node_types.iter().enumerate() {
            let p = FieldPath::root("node_types").index(i);
            if n.name.trim().is_empty() || raw.node_types[..i].iter().any(|m| m.name == n.name) {
                return self.err(&p.key("name"), format!("expected a unique, non-empty node type name, found {:?}", n.name));
            }
            let plat = match &n.platform {
                None => None,
                Some(id) => match self.catalog.platforms.get(id) {
                    Some(pl) => Some(pl),
                    None => {
                        return self.err(
                            &p.key("platform"),
                            format!("unknown platform {id:?}; expected one of {}", self.catalog.platforms.ids().join(", ")),
                        );
                    }
                },
            };
            let Some(acc_id) = n.accelerator.clone().or_else(|| plat.and_then(|pl| pl.accelerator.clone())) else {
                return match plat {
                    Some(pl) => self.err(
                        &p.key("platform"),
                        format!(
                            "platform {:?} is a CPU-only node; a node type holds accelerators: name one with accelerator = \"...\"",
                            pl.id
                        ),
                    ),
                    None => self.err(&p.key("accelerator"), "expected an accelerator id (or a platform = \"...\" that has one)"),
                };
            };
            let (spec, inline, calibration) = self.device(raw, &acc_id, &p.key("accelerator"))?;
            let device = match devices.iter().position(|d| d.spec.id == spec.id) {
                Some(d) => d,
                None => {
                    let (Some(max_w), Some(idle_w)) = (spec.tdp_w, spec.idle_w) else {
                        return self.err(
                            &p.key("accelerator"),
                            format!(
                                "accelerator {:?} has no published {} figure; define it with [[accelerators]] id = \"{}-custom\", base = \"{}\", tdp_w = ..., idle_w = ...",
                                spec.id,
                                if spec.tdp_w.is_none() { "board power (tdp_w)" } else { "idle power (idle_w)" },
                                spec.id,
                                spec.id
                            ),
                        );
                    };
                    devices.push(Device { spec, inline, idle_w, max_w, calibration });
                    devices.len() - 1
                }
            };
            let accelerators = n.accelerators.or(plat.map(|pl| pl.accelerators).filter(|a| *a > 0)).unwrap_or(0);
            if accelerators == 0 || accelerators > MAX_ACCELERATORS_PER_NODE {
                return self.err(
                    &p.key("accelerators"),
                    format!("expected 1 to {MAX_ACCELERATORS_PER_NODE} accelerators per node, found {accelerators}"),
                );
            }
            let curve = match n.power_curve.as_deref().unwrap_or("linear") {
                "linear" => PowerCurve::Linear,
                "fan-barroso" => {
                    let r = n.power_curve_r.unwrap_or(DEFAULT_FAN_BARROSO_R);
                    if !(1.0..=3.0).contains(&r) {
                        return self
                            .err(&p.key("power_curve_r"), format!("expected an exponent from 1 to 3 (1.4 in Fan et al. 2007), found {r}"));
                    }
                    PowerCurve::FanBarroso { r }
                }
                other => return self.err(&p.key("power_curve"), format!("expected \"linear\" or \"fan-barroso\", found {other:?}")),
            };
            let base_cpu = plat.map_or(DEFAULT_CPU, |pl| Cpu {
                count: pl.cpu.count,
                idle_w: pl.cpu.idle_w,
                max_w: pl.cpu.max_w,
                busy_utilization: DEFAULT_CPU.busy_utilization,
            });
            let cpu = self.cpu(n.cpu.as_ref(), base_cpu, &p.key("cpu"))?;
            let w = |v: Option<crate::scenario::units::PowerW>, platform: Option<f64>, d: f64| v.map_or(platform.unwrap_or(d), |x| x.0);
            if let Some(v) = n.nameplate
                && !pos_f64(v.0)
            {
                return self.err(&p.key("nameplate"), "expected a positive power like \"10.2kW\"");
            }
            let mut nt = NodeType {
                name: n.name.clone(),
                device,
                accelerators,
                curve,
                cpu,
                memory_w: w(n.memory_power, plat.map(|pl| pl.memory.power_w), DEFAULT_MEMORY_W),
                nic_w: w(n.nic_power, plat.map(|pl| pl.nics.power_w), DEFAULT_NIC_W_PER_ACCELERATOR * accelerators as f64),
                storage_w: w(n.storage_power, plat.map(|pl| pl.storage.power_w), DEFAULT_STORAGE_W),
                other_w: w(
                    n.other_power,
                    plat.map(|pl| pl.other.power_w),
                    DEFAULT_OTHER_SHARE * devices[device].max_w * accelerators as f64,
                ),
                fans: None,
                psu: Psu { count: 1, rating_w: 1.0, curve_name: None, points: vec![] },
                platform: plat.map(|pl| pl.id.clone()),
                nameplate_w: n.nameplate.map(|x| x.0).or(plat.and_then(|pl| pl.nameplate_w)),
            };
            nt.fans = Some(self.fans(n.fans.as_ref(), plat, &nt, &devices[device], &p.key("fans"))?);
            self.part_powers(n, &nt, &p)?;
            let max_dc = crate::model::compute::power::node_max_dc_w(&nt, &devices[device]);
            let psu = match (plat, n.psu.as_ref()) {
                (Some(pl), r) => Some(RawPsu {
                    count: r.and_then(|r| r.count).or(Some(pl.psu.count)),
                    rating: r.and_then(|r| r.rating).or(Some(crate::scenario::units::PowerW(pl.psu.rating_w))),
                    efficiency: r.and_then(|r| r.efficiency.clone()).or(Some(RawPsuCurve::Named(pl.psu.efficiency.clone()))),
                }),
                (None, r) => r.cloned(),
            };
            nt.psu = self.psu(psu.as_ref(), max_dc, &p.key("psu"))?;
            let worst_w = crate::model::compute::power::node_worst_w(&nt, &devices[device]);
            if !(..=bounds::MAX_NODE_W).contains(&worst_w) {
                return self.err(
                    &p,
                    format!(
                        "one node of this type draws up to {} at the wall (every part at its maximum, the PSU at its lowest efficiency); expected at most {}, the most a node (at most a rack) may draw",
                        bounds::watts(worst_w),
                        bounds::watts(bounds::MAX_NODE_W)
                    ),
                );
            }
            out.push(nt);
        }
        Ok((devices, out))
    }

    /// Checks each part's power against [`bounds::MAX_PART_W`] (the field of the first above it).
    fn part_powers(&self, raw: &RawNodeType, nt: &NodeType, p: &FieldPath) -> R<()> {
        let fans = nt.fans.map_or((0.0, 0.0), |f| (f.min_w, f.max_w));
        let parts = [
            (p.key("cpu").key("idle"), nt.cpu.idle_w),
            (p.key("cpu").key("max"), nt.cpu.max_w),
            (p.key("memory_power"), nt.memory_w),
            (p.key(if raw.nic_power.is_some() { "nic_power" } else { "accelerators" }), nt.nic_w),
            (p.key("storage_power"), nt.storage_w),
            (p.key("other_power"), nt.other_w),
            (p.key("fans").key("min"), fans.0),
            (p.key("fans").key("max"), fans.1),
        ];
        for (path, w) in parts {
            if let Err(msg) = bounds::at_most_w(w, bounds::MAX_PART_W, "the power of one part of a node") {
                return self.err(&path, msg);
            }
        }
        Ok(())
    }

    /// A node's fans: the written fields over the platform's, or the default rule (a share of
    /// the heat of every other part at its maximum) for a node that names neither.
    fn fans(
        &self,
        raw: Option<&RawFans>,
        plat: Option<&crate::catalog::PlatformSpec>,
        nt: &NodeType,
        dev: &Device,
        p: &FieldPath,
    ) -> R<Fans> {
        let base = match plat {
            Some(pl) => Fans { min_w: pl.fans.min_w, max_w: pl.fans.max_w, air_share: pl.fans.air_share },
            None => {
                let heat = crate::model::compute::power::node_worst_w(&NodeType { fans: None, ..nt.clone() }, dev);
                // node_worst_w of a node without supplies' points is its DC load at efficiency 1.
                let max_w = DEFAULT_FAN_SHARE * heat;
                Fans { min_w: DEFAULT_FAN_MIN_SHARE * max_w, max_w, air_share: 1.0 }
            }
        };
        let Some(f) = raw else { return Ok(base) };
        let max_w = f.max.map_or(base.max_w, |x| x.0);
        let min_w = match (f.min, f.max) {
            (Some(m), _) => m.0,
            (None, Some(_)) => DEFAULT_FAN_MIN_SHARE * max_w,
            (None, None) => base.min_w,
        };
        if min_w > max_w {
            return self.err(&p.key("min"), "expected fan minimum power not above its maximum");
        }
        let air_share = f.air_share.unwrap_or(base.air_share);
        if !(air_share > 0.0 && air_share <= 1.0) {
            return self.err(&p.key("air_share"), format!("expected a share of the heat in (0, 1], found {air_share}"));
        }
        Ok(Fans { min_w, max_w, air_share })
    }

    pub(super) fn cpu(&self, raw: Option<&RawCpu>, base: Cpu, p: &FieldPath) -> R<Cpu> {
        let Some(c) = raw else { return Ok(base) };
        let cpu = Cpu {
            count: c.count.unwrap_or(base.count),
            idle_w: c.idle.map_or(base.idle_w, |x| x.0),
            max_w: c.max.map_or(base.max_w, |x| x.0),
            busy_utilization: c.busy_utilization.unwrap_or(base.busy_utilization),
        };
        if cpu.count > bounds::MAX_SOCKETS {
            return self
                .err(&p.key("count"), format!("expected at most {} CPU sockets per node, found {}", bounds::MAX_SOCKETS, cpu.count));
        }
        if cpu.idle_w > cpu.max_w {
            return self.err(&p.key("idle"), format!("expected idle power not above max ({} W), found {} W", cpu.max_w, cpu.idle_w));
        }
        if !(0.0..=1.0).contains(&cpu.busy_utilization) {
            return self.err(&p.key("busy_utilization"), format!("expected a fraction from 0 to 1, found {}", cpu.busy_utilization));
        }
        Ok(cpu)
    }

    pub(super) fn psu(&self, raw: Option<&RawPsu>, max_dc_w: f64, p: &FieldPath) -> R<Psu> {
        let count = raw.and_then(|r| r.count).unwrap_or(DEFAULT_PSU_COUNT);
        if count == 0 || count > bounds::MAX_PSUS {
            return self.err(&p.key("count"), format!("expected 1 to {} power supplies, found {count}", bounds::MAX_PSUS));
        }
        let rating_w = raw.and_then(|r| r.rating).map_or(max_dc_w, |x| x.0);
        if !pos_f64(rating_w) {
            return self.err(&p.key("rating"), "expected a positive power rating like \"3300W\"");
        }
        if let Err(msg) = bounds::at_most_w(rating_w, bounds::MAX_NODE_W, "a supply rating") {
            return self.err(&p.key("rating"), msg);
        }
        let (curve_name, points) = match raw.and_then(|r| r.efficiency.clone()) {
            None => (Some("titanium".to_string()), PSU_CURVES[0].1.to_vec()),
            Some(RawPsuCurve::Named(name)) => match PSU_CURVES.iter().find(|(n, _)| *n == name) {
                Some((n, pts)) => (Some(n.to_string()), pts.to_vec()),
                None => {
                    return self.err(
                        &p.key("efficiency"),
                        format!("expected \"titanium\", \"platinum\", \"gold\" or [[load, efficiency], ...], found {name:?}"),
                    );
                }
            },
            Some(RawPsuCurve::Points(pts)) => {
                let pts: Vec<(f64, f64)> = pts.iter().map(|[l, e]| (*l, *e)).collect();
                let ok = !pts.is_empty()
                    && pts.iter().all(|(l, e)| pos_f64(*l) && *l <= 2.0 && pos_f64(*e) && *e <= 1.0)
                    && pts.windows(2).all(|w| w[0].0 < w[1].0);
                if !ok {
                    return self.err(
                        &p.key("efficiency"),
                        "expected [[load_fraction, efficiency], ...] with load fractions increasing in (0, 2] and efficiencies in (0, 1]",
                    );
                }
                (None, pts)
            }
        };
        Ok(Psu { count, rating_w, curve_name, points })
    }

    pub(super) fn halls(&self, raw: &RawScenario, node_types: &[NodeType]) -> R<Vec<Hall>> {
        if raw.halls.is_empty() {
            return self.err(&FieldPath::root("halls"), "expected at least one [[halls]] entry");
        }
        let mut halls = Vec::new();
        for (i, h) in raw.halls.iter().enumerate() {
            let p = FieldPath::root("halls").index(i);
            if h.name.trim().is_empty() || raw.halls[..i].iter().any(|o| o.name == h.name) {
                return self.err(&p.key("name"), format!("expected a unique, non-empty hall name, found {:?}", h.name));
            }
            if h.racks.is_empty() {
                return self.err(&p.key("racks"), "expected at least one [[halls.racks]] group");
            }
            let mut racks = Vec::new();
            for (j, g) in h.racks.iter().enumerate() {
                let gp = p.key("racks").index(j);
                if g.count == 0 {
                    return self.err(&gp.key("count"), "expected a positive number of racks, found 0");
                }
                if g.nodes == 0 {
                    return self.err(&gp.key("nodes"), "expected a positive number of nodes per rack, found 0");
                }
                let Some(nt) = node_types.iter().position(|n| n.name == g.node_type) else {
                    let names: Vec<&str> = node_types.iter().map(|n| n.name.as_str()).collect();
                    return self
                        .err(&gp.key("node_type"), format!("unknown node type {:?}; expected one of {}", g.node_type, names.join(", ")));
                };
                if let Some(l) = g.power_limit
                    && !pos_f64(l.0)
                {
                    return self.err(&gp.key("power_limit"), "expected a positive rack power like \"40kW\"");
                }
                if let Some(t) = g.in_service
                    && t.0 >= raw.simulation.horizon.0
                {
                    return self.err(
                        &gp.key("in_service"),
                        format!(
                            "expected a time before the end of the run ({}), like \"90d\"",
                            crate::scenario::units::format_duration(raw.simulation.horizon.0)
                        ),
                    );
                }
                racks.push(RackGroup {
                    count: g.count,
                    nodes: g.nodes,
                    node_type: nt,
                    power_limit_w: g.power_limit.map(|x| x.0),
                    in_service_ms: g.in_service.map_or(0, |d| d.0),
                });
            }
            let cooling = super::resolve_facility::cooling(
                h.cooling.as_ref(),
                self.src,
                &p.key("cooling"),
                super::resolve_facility::era_of(raw.facility.as_ref()),
            )?;
            halls.push(Hall { name: h.name.clone(), racks, cooling });
        }
        Ok(halls)
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::model::compute::power::node_worst_w;

    /// A scenario of one node type with the given fields, resolved.
    fn node(fields: &str) -> crate::config::Scenario {
        let text = format!(
            "name = \"t\"\n[simulation]\nhorizon = \"1d\"\n[[node_types]]\nname = \"n\"\n{fields}\n\
             [[halls]]\nname = \"h\"\n[[halls.racks]]\ncount = 1\nnodes = 1\nnode_type = \"n\"\n\
             [[workload.classes]]\nname = \"c\"\nkind = \"debug\"\nrate = \"1/h\"\n"
        );
        crate::scenario::load_str(&text, std::path::Path::new("t.toml")).expect("resolves")
    }

    #[test]
    fn dgx_h100_resolves_within_5_percent_of_its_datasheet_maximum() {
        // NVIDIA DGX H100 datasheet (2023): system power usage ~10.2 kW max. The model's maximum is
        // built from the parts (GPUs at 700 W, CPUs at TDP, memory, NICs, storage, switch board,
        // fans), none of which was fitted to the 10.2 kW.
        let sc = node("platform = \"DGX-H100\"");
        let nt = &sc.node_types[0];
        let worst = node_worst_w(nt, &sc.devices[nt.device]);
        assert!((worst - 10_200.0).abs() <= 0.05 * 10_200.0, "{worst}");
        assert_eq!(nt.nameplate_w, Some(10_200.0));
    }

    #[test]
    fn every_platform_models_within_10_percent_of_its_nameplate() {
        let catalog = Catalog::builtin().unwrap();
        let mut checked = 0;
        for p in catalog.platforms.iter() {
            let Some(nameplate) = p.nameplate_w else { continue };
            // A CPU-only platform resolves with a stand-in accelerator, then counts none.
            let fields = match p.accelerator {
                Some(_) => format!("platform = \"{}\"", p.id),
                None => format!("platform = \"{}\"\naccelerator = \"T4\"\naccelerators = 1", p.id),
            };
            let sc = node(&fields);
            let mut nt = sc.node_types[0].clone();
            nt.accelerators = p.accelerators;
            let worst = node_worst_w(&nt, &sc.devices[nt.device]);
            let off = (worst - nameplate) / nameplate;
            assert!(off.abs() <= 0.10, "{}: modelled {worst:.0} W vs nameplate {nameplate} W ({:+.1} %)", p.id, 100.0 * off);
            checked += 1;
        }
        assert!(checked >= 6, "only {checked} platforms have a nameplate");
    }

    #[test]
    fn a_node_type_overrides_platform_parts_and_a_bare_node_is_not_undersized() {
        let sc = node("platform = \"DGX-H100\"\naccelerator = \"H800-SXM\"\nother_power = \"400W\"\nnameplate = \"10kW\"");
        let nt = &sc.node_types[0];
        assert_eq!(sc.devices[nt.device].spec.id, "H800-SXM");
        assert_eq!((nt.other_w, nt.memory_w, nt.nameplate_w), (400.0, 320.0, Some(10_000.0)));
        assert_eq!(nt.psu.count, 6);
        // 8 x H800 without a platform: the defaults (switch board, fans by rule) put its maximum
        // within 15 % of the DGX H800 nameplate, where it was 6.4 kW at full load before.
        let sc = node("accelerator = \"H800-SXM\"\naccelerators = 8");
        let nt = &sc.node_types[0];
        let worst = node_worst_w(nt, &sc.devices[nt.device]);
        assert!(worst > 0.85 * 10_200.0, "{worst}");
        assert!(nt.fans.is_some_and(|f| f.max_w > 900.0));
    }

    #[test]
    fn unknown_and_cpu_only_platforms_are_refused_with_their_field() {
        let text = |f: &str| {
            format!(
                "name = \"t\"\n[simulation]\nhorizon = \"1d\"\n[[node_types]]\nname = \"n\"\n{f}\n[[halls]]\nname = \"h\"\n[[halls.racks]]\ncount = 1\nnodes = 1\nnode_type = \"n\"\n[[workload.classes]]\nname = \"c\"\nkind = \"debug\"\nrate = \"1/h\"\n"
            )
        };
        let e = crate::scenario::load_str(&text("platform = \"DGX-H900\""), std::path::Path::new("t.toml")).unwrap_err().to_string();
        assert!(e.contains("node_types[0].platform") && e.contains("DGX-H100"), "{e}");
        let e = crate::scenario::load_str(&text("platform = \"CPU-2S-SPR\""), std::path::Path::new("t.toml")).unwrap_err().to_string();
        assert!(e.contains("CPU-only"), "{e}");
        let e = crate::scenario::load_str(&text("platform = \"DGX-H100\"\nfans = { air_share = 0.0 }"), std::path::Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fans.air_share"), "{e}");
    }
}
