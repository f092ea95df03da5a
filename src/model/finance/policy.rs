//! The rules a Chinese center is held to, with their sources, and whether a run meets them:
//! the measured figure beside the limit (`compliance` in summary.json, with `[finance]`; the
//! design-side facts in `aidc check`).
//!
//! ## The rules
//! | id | limit | applies | source |
//! |---|---|---|---|
//! | `gb40879-limit` | PUE ≤ 1.50 | every center | GB 40879-2021 limit value (see [`crate::model::facility::grade`]) |
//! | `pue-new-large` | PUE ≤ 1.30 | new large centers | MIIT, 《新型数据中心发展三年行动计划（2021-2023年）》 (2021): new large and super-large centers below 1.3 \[unverified\] |
//! | `pue-new-large-cold` | PUE ≤ 1.25 | new large centers in cold regions | the same plan: 1.25 "or so" in severe-cold and cold regions \[unverified\]; cold = coldest monthly mean ≤ 0 °C (GB 50176-2016 thermal zoning) |
//! | `pue-new-large-2025` | PUE ≤ 1.25 | new and rebuilt large centers from 2025 | NDRC et al., 《数据中心绿色低碳发展专项行动计划》 (2024) \[unverified\] |
//! | `east-hub`, `west-hub` | PUE ≤ 1.25, ≤ 1.20 | sites in a national hub cluster (by climate id) | 东数西算 hub approvals (NDRC et al., 2022), as `pue_limit` names them \[unverified\] |
//! | `utilization` | allocated utilization ≥ 60 % | every center | the 2021 three-year plan: average utilization raised above 60 % \[unverified\] |
//! | `domestic-share` | domestic accelerators ≥ 50 % | where a province or city requires it | city 智算 plans reported around 2023-2024 (e.g. Shanghai's aim of more than half domestic compute by 2025) \[unverified: press reports, not checked against the documents\] |
//!
//! No national water-efficiency (WUE) limit is set to the author's knowledge, so none is judged;
//! `wue_l_per_kwh` stays beside them in the report. PUE is judged on the run's `pue.annual`
//! (over the horizon, not a calendar year, at the scenario's PUE boundary).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Scenario;

/// Vendors of domestic (Chinese) accelerators.
pub const DOMESTIC_VENDORS: [&str; 9] =
    ["Huawei", "Cambricon", "Biren", "Iluvatar CoreX", "Hygon", "Moore Threads", "MetaX", "Enflame", "Kunlunxin"];

/// Climate ids of sites in the national hub clusters (东数西算): east (limit 1.25) and west (1.20).
const EAST_HUB: [&str; 5] = ["zhangjiakou", "wuhu", "shaoguan", "chengdu", "chongqing"];
const WEST_HUB: [&str; 5] = ["hohhot", "ulanqab", "guiyang", "qingyang", "zhongwei"];

/// A rule judged on a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleCheck {
    /// The limit.
    pub limit: f64,
    /// What the run measured.
    pub measured: f64,
    /// Whether the measured figure is within the limit.
    pub meets: bool,
    /// What it is and where it comes from.
    pub source: String,
}

/// Share of the scenario's accelerators from domestic vendors.
pub fn domestic_share(sc: &Scenario) -> f64 {
    let total = sc.accelerators();
    if total == 0 {
        return 0.0;
    }
    let domestic: u64 = sc
        .racks_iter()
        .filter(|(_, nt)| sc.devices[nt.device].spec.vendor.as_deref().is_some_and(|v| DOMESTIC_VENDORS.contains(&v)))
        .map(|(g, nt)| g.count as u64 * g.nodes as u64 * nt.accelerators as u64)
        .sum();
    domestic as f64 / total as f64
}

/// The hub cluster of the site ("east-hub", "west-hub"), if its climate is one of theirs.
pub fn hub(sc: &Scenario) -> Option<&'static str> {
    let id = sc.climate.as_ref().map(|(_, c)| c.id.as_str())?;
    if EAST_HUB.contains(&id) {
        Some("east-hub")
    } else if WEST_HUB.contains(&id) {
        Some("west-hub")
    } else {
        None
    }
}

/// Whether the site is in a cold region: coldest monthly mean at or below 0 °C (GB 50176-2016
/// severe-cold and cold zones).
pub fn cold(sc: &Scenario) -> Option<bool> {
    sc.climate.as_ref().map(|(_, c)| c.monthly_mean_c.iter().copied().fold(f64::INFINITY, f64::min) <= 0.0)
}

/// The rules that apply to the scenario, judged on the run's figures: `pue` (None without a
/// facility) and the allocated utilization.
pub fn assess(sc: &Scenario, pue: Option<f64>, utilization: f64) -> BTreeMap<String, RuleCheck> {
    let mut out = BTreeMap::new();
    let mut add = |id: &str, limit: f64, measured: f64, at_most: bool, source: &str| {
        let meets = if at_most { measured <= limit } else { measured >= limit };
        out.insert(id.to_string(), RuleCheck { limit, measured, meets, source: source.to_string() });
    };
    if let Some(p) = pue {
        add("gb40879-limit", 1.50, p, true, "PUE at most the GB 40879-2021 limit value");
        add("pue-new-large", 1.30, p, true, "PUE of new large centers (MIIT three-year plan, 2021) [unverified]");
        if cold(sc) == Some(true) {
            add("pue-new-large-cold", 1.25, p, true, "PUE of new large centers in cold regions (MIIT three-year plan, 2021) [unverified]");
        }
        add("pue-new-large-2025", 1.25, p, true, "PUE of new and rebuilt large centers from 2025 (NDRC et al., 2024) [unverified]");
        if let Some(h) = hub(sc) {
            let limit = crate::model::facility::grade::named_limit(h).unwrap_or(1.25);
            add(h, limit, p, true, "PUE of a national hub cluster site (东数西算, 2022) [unverified]");
        }
    }
    add("utilization", 0.60, utilization, false, "allocated utilization of at least 60 % (MIIT three-year plan, 2021) [unverified]");
    add(
        "domestic-share",
        0.50,
        domestic_share(sc),
        false,
        "domestic accelerators, where a province or city requires it (city plans 2023-2024) [unverified]",
    );
    out
}
