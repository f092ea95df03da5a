//! The key figures of a run, each with its definition, from summary.json read as data. Facility
//! figures (PUE, WUE, CUE, carbon, free cooling, thermal) appear only where the summary has them.

use serde_json::Value;

use super::data::{at, num};
use super::format::{count, duration_s, energy_kwh, fixed, pct, power_kw};
use super::i18n::Lang;

/// One row of the key figures table.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    /// The summary.json key it comes from.
    pub key: &'static str,
    /// What it is called.
    pub label: &'static str,
    /// Its value as the page shows it.
    pub value: String,
    /// How it is defined.
    pub definition: &'static str,
}

type Pair = (&'static str, &'static str);

struct Def {
    key: &'static str,
    label: Pair,
    definition: Pair,
    value: fn(&Value) -> Option<String>,
}

fn both(s: &Value, a: &str, b: &str, f: fn(f64) -> String) -> Option<String> {
    Some(format!("{} / {}", f(num(s, a)?), f(num(s, b)?)))
}

const DEFS: &[Def] = &[
    Def {
        key: "capacity.accelerators",
        label: ("Accelerators installed", "加速卡数量"),
        definition: ("accelerators in all halls", "所有机房中安装的加速卡总数"),
        value: |s| Some(count(num(s, "capacity.accelerators")?)),
    },
    Def {
        key: "capacity.peak_pflops_fp16",
        label: ("Compute (FP16 dense peak)", "算力(FP16 稠密峰值)"),
        definition: ("installed accelerators x catalog dense FP16 peak", "加速卡数量 × 目录中的 FP16 稠密峰值"),
        value: |s| Some(format!("{} PFLOPS", fixed(num(s, "capacity.peak_pflops_fp16")?, 1))),
    },
    Def {
        key: "utilization.allocated_mean",
        label: ("Allocation utilization", "算力分配利用率"),
        definition: ("time-weighted mean of allocated / installed accelerators", "已分配加速卡数 / 安装加速卡数 的时间加权平均"),
        value: |s| Some(pct(num(s, "utilization.allocated_mean")?)),
    },
    Def {
        key: "utilization.effective_mean",
        label: ("Effective utilization", "算力有效利用率"),
        definition: (
            "the same with each allocated accelerator weighted by its job's utilization",
            "同上,每张已分配加速卡按其作业的实际利用率加权",
        ),
        value: |s| Some(pct(num(s, "utilization.effective_mean")?)),
    },
    Def {
        key: "idle_capacity.accelerator_hours_unallocated",
        label: ("Idle capacity, unallocated", "闲置算力(未分配)"),
        definition: ("installed minus allocated accelerator-hours (share of installed)", "安装卡时减去已分配卡时(占安装卡时的比例)"),
        value: |s| {
            Some(format!(
                "{} accelerator-hours ({})",
                count(num(s, "idle_capacity.accelerator_hours_unallocated")?),
                pct(num(s, "idle_capacity.fraction_unallocated")?)
            ))
        },
    },
    Def {
        key: "idle_capacity.accelerator_hours_allocated_idle",
        label: ("Idle capacity, allocated but idle", "闲置算力(已分配未使用)"),
        definition: ("allocated minus effective accelerator-hours (share of installed)", "已分配卡时减去有效卡时(占安装卡时的比例)"),
        value: |s| {
            Some(format!(
                "{} accelerator-hours ({})",
                count(num(s, "idle_capacity.accelerator_hours_allocated_idle")?),
                pct(num(s, "idle_capacity.fraction_allocated_idle")?)
            ))
        },
    },
    Def {
        key: "jobs.submitted",
        label: ("Jobs submitted / completed / rejected", "作业 提交 / 完成 / 拒绝"),
        definition: ("within the horizon; rejected jobs can never fit or exceed a quota", "模拟时长内;被拒绝的作业无法放置或超出配额"),
        value: |s| {
            Some(format!(
                "{} / {} / {}",
                count(num(s, "jobs.submitted")?),
                count(num(s, "jobs.completed")?),
                count(num(s, "jobs.rejected")?)
            ))
        },
    },
    Def {
        key: "jobs.wait_s",
        label: ("Queue wait, median / 95th percentile", "排队等待 中位数 / 95 分位"),
        definition: ("start minus submit of every job that started", "所有已启动作业的 启动时间 − 提交时间"),
        value: |s| both(s, "jobs.wait_s.p50", "jobs.wait_s.p95", duration_s),
    },
    Def {
        key: "energy.it_kwh",
        label: ("IT energy", "IT 能耗"),
        definition: ("wall energy of all servers, integrated exactly at every load change", "所有服务器的用电量,在每次负载变化时精确积分"),
        value: |s| Some(energy_kwh(num(s, "energy.it_kwh")?)),
    },
    Def {
        key: "power.it_kw",
        label: ("IT power, mean / max", "IT 功率 平均 / 最大"),
        definition: ("the maximum is the highest level held for a positive time", "最大值为持续了一段时间的最高功率"),
        value: |s| both(s, "power.it_kw.mean", "power.it_kw.max", power_kw),
    },
    Def {
        key: "pue.annual",
        label: ("PUE", "PUE(电能利用效率)"),
        definition: (
            "facility energy / IT energy over the horizon (lowest and highest month)",
            "设施总能耗 / IT 能耗(括号内为最低和最高月份)",
        ),
        value: |s| {
            let annual = fixed(num(s, "pue.annual")?, 3);
            Some(match (num(s, "pue.min_month"), num(s, "pue.max_month")) {
                (Some(lo), Some(hi)) => format!("{annual} ({} - {})", fixed(lo, 3), fixed(hi, 3)),
                _ => annual,
            })
        },
    },
    Def {
        key: "energy.facility_kwh",
        label: ("Facility energy", "设施总能耗"),
        definition: ("IT plus cooling plus power-chain losses and other loads", "IT、制冷、配电损耗及其他负荷之和"),
        value: |s| Some(energy_kwh(num(s, "energy.facility_kwh")?)),
    },
    Def {
        key: "energy.cooling_kwh",
        label: ("Cooling energy", "制冷能耗"),
        definition: ("chillers, towers, dry coolers, pumps and fans of the plant", "冷机、冷却塔、干冷器、水泵和风机的用电"),
        value: |s| Some(energy_kwh(num(s, "energy.cooling_kwh")?)),
    },
    Def {
        key: "energy.loss_kwh",
        label: ("Power distribution losses", "配电损耗"),
        definition: ("transformers, UPS and distribution between the grid and the servers", "电网到服务器之间的变压器、UPS 和配电损耗"),
        value: |s| Some(energy_kwh(num(s, "energy.loss_kwh")?)),
    },
    Def {
        key: "wue_l_per_kwh",
        label: ("WUE", "WUE(水利用效率)"),
        definition: ("site water use / IT energy", "用水量 / IT 能耗"),
        value: |s| Some(format!("{} L/kWh", fixed(num(s, "wue_l_per_kwh")?, 3))),
    },
    Def {
        key: "cue_kg_per_kwh",
        label: ("CUE", "CUE(碳利用效率)"),
        definition: ("CO2 emissions of the facility's electricity / IT energy", "设施用电的二氧化碳排放 / IT 能耗"),
        value: |s| Some(format!("{} kg CO2/kWh", fixed(num(s, "cue_kg_per_kwh")?, 3))),
    },
    Def {
        key: "carbon_t",
        label: ("Carbon emissions", "碳排放"),
        definition: ("facility energy x grid carbon intensity", "设施总能耗 × 电网碳排放因子"),
        value: |s| Some(format!("{} t CO2", fixed(num(s, "carbon_t")?, 1))),
    },
    Def {
        key: "free_cooling_hours",
        label: ("Free-cooling hours", "自然冷却小时数"),
        definition: (
            "hours in which outdoor air or water carried the heat without chillers",
            "无需冷机、由室外空气或冷却水带走热量的小时数",
        ),
        value: |s| Some(format!("{} h", count(num(s, "free_cooling_hours")?))),
    },
    Def {
        key: "thermal.throttled_accelerator_hours",
        label: ("Throttled accelerator-hours", "降频卡时"),
        definition: ("accelerator-hours run slowed down by heat", "因过热而降频运行的卡时"),
        value: |s| Some(fixed(num(s, "thermal.throttled_accelerator_hours")?, 1)),
    },
    Def {
        key: "thermal.alarms",
        label: ("Thermal alarms", "温度告警"),
        definition: ("temperature alarms raised during the run", "运行期间触发的温度告警次数"),
        value: |s| match at(s, "thermal.alarms")? {
            Value::Array(a) => Some(count(a.len() as f64)),
            v => Some(count(v.as_f64()?)),
        },
    },
    Def {
        key: "failures.interruptions",
        label: ("Job interruptions by failures", "故障导致的作业中断"),
        definition: ("running jobs stopped by a component failure, all causes", "因部件故障而中断的运行中作业(所有原因)"),
        value: |s| match at(s, "failures.interruptions")? {
            Value::Object(m) => Some(count(m.values().filter_map(Value::as_f64).sum())),
            _ => None,
        },
    },
    Def {
        key: "failures.goodput",
        label: ("Goodput / ETTR", "有效产出率 / 有效训练时间比"),
        definition: (
            "useful / allocated accelerator-hours; ETTR also counts re-queue waits after interruptions",
            "有效卡时 / 已分配卡时;ETTR 还计入中断后重新排队的等待",
        ),
        value: |s| both(s, "failures.goodput", "failures.ettr", pct),
    },
    Def {
        key: "failures.lost_accelerator_hours",
        label: ("Lost to failures", "故障损失"),
        definition: (
            "work redone since the last checkpoint plus restart time, accelerator-hours",
            "自上次检查点以来需重做的工作加重启时间(卡时)",
        ),
        value: |s| Some(format!("{} accelerator-hours", count(num(s, "failures.lost_accelerator_hours")?))),
    },
    Def {
        key: "failures.availability",
        label: ("Availability", "可用率"),
        definition: ("in-service / production accelerator-hours (hot spares excluded)", "在役卡时 / 生产卡时(不含热备)"),
        value: |s| Some(pct(num(s, "failures.availability")?)),
    },
    Def {
        key: "utilization.mfu_mean",
        label: ("Model FLOPs utilization / delivered", "模型算力利用率(MFU) / 交付算力"),
        definition: (
            "work-defined jobs: delivered model FLOPs / (accelerators x dense peak x time held); delivered FLOPs per second",
            "按工作量定义的作业:交付的模型浮点运算量 / (加速卡数 × 稠密峰值 × 占用时间);每秒交付的模型浮点运算量",
        ),
        value: |s| Some(format!("{} / {} PFLOPS", pct(num(s, "utilization.mfu_mean")?), fixed(num(s, "utilization.effective_pflops")?, 1))),
    },
    Def {
        key: "network.switch_power_kw",
        label: ("Network switches and optics", "网络交换机与光模块"),
        definition: ("switches (leaf, spine, core) and their power, part of IT power", "交换机(叶、脊、核心)数量及其功率,计入 IT 功率"),
        value: |s| {
            let n = num(s, "network.leaf_switches")? + num(s, "network.spine_switches")? + num(s, "network.core_switches")?;
            Some(format!("{} switches, {}", count(n), power_kw(num(s, "network.switch_power_kw")?)))
        },
    },
    Def {
        key: "network.exposed_comm_fraction_mean",
        label: ("Exposed communication / placement slowdown", "暴露通信占比 / 放置导致的减速"),
        definition: (
            "share of a step spent in non-overlapped all-reduce, and step time over the ideal placement's, work-defined training jobs",
            "按工作量定义的训练作业:每步中未被重叠的 all-reduce 时间占比,以及相对理想放置的步长倍数",
        ),
        value: |s| {
            Some(format!("{} / {}x", pct(num(s, "network.exposed_comm_fraction_mean")?), fixed(num(s, "network.slowdown_mean")?, 4)))
        },
    },
    Def {
        key: "cost.total_cny",
        label: ("Electricity cost", "电费"),
        definition: (
            "energy at the time-of-use tariff plus demand charges (mean price per kWh)",
            "按分时电价计的电量电费加需量电费(括号内为平均电价)",
        ),
        value: |s| Some(format!("{} CNY ({} CNY/kWh)", count(num(s, "cost.total_cny")?), fixed(num(s, "cost.mean_price_cny_per_kwh")?, 3))),
    },
    Def {
        key: "carbon.net_t",
        label: ("Carbon, location-based / net", "碳排放 按地区 / 净值"),
        definition: (
            "grid energy x hourly intensity; net subtracts on-site and contracted green energy",
            "电网用电 × 逐时排放因子;净值扣除自发与签约绿电",
        ),
        value: |s| Some(format!("{} / {} t CO2", fixed(num(s, "carbon.location_based_t")?, 1), fixed(num(s, "carbon.net_t")?, 1))),
    },
    Def {
        key: "battery.cycles",
        label: ("Battery cycles", "储能循环次数"),
        definition: ("discharged energy / usable capacity", "放电量 / 可用容量"),
        value: |s| Some(fixed(num(s, "battery.cycles")?, 1)),
    },
];

/// The key figures the summary has, in report order, in `lang`.
pub fn key_figures(summary: &Value, lang: Lang) -> Vec<KeyFigure> {
    DEFS.iter()
        .filter_map(|d| {
            let mut value = (d.value)(summary)?;
            if lang == Lang::Zh {
                value = value.replace("accelerator-hours", "卡时");
            }
            Some(KeyFigure { key: d.key, label: lang.pick(d.label), value, definition: lang.pick(d.definition) })
        })
        .collect()
}

/// Whether the summary has any facility figure.
pub fn has_facility(summary: &Value) -> bool {
    ["pue", "energy.facility_kwh", "wue_l_per_kwh", "carbon_t"].iter().any(|k| at(summary, k).is_some())
}

#[cfg(test)]
mod failure_and_grid_tests {
    use super::*;

    #[test]
    fn failures_and_grid_figures_appear_where_the_summary_has_them() {
        let s: Value = serde_json::json!({
            "capacity": { "accelerators": 256 },
            "failures": { "interruptions": { "accelerator": 3, "node": 2 }, "goodput": 0.9, "ettr": 0.85,
                          "lost_accelerator_hours": 1234.0, "availability": 0.993 },
            "cost": { "total_cny": 352108.4, "mean_price_cny_per_kwh": 0.5578 },
            "carbon": { "location_based_t": 353.58, "net_t": 316.82 },
        });
        let f = key_figures(&s, Lang::En);
        let get = |k: &str| f.iter().find(|x| x.key == k).map(|x| x.value.clone()).unwrap_or_else(|| panic!("no {k}"));
        assert_eq!(get("failures.interruptions"), count(5.0));
        assert!(get("failures.goodput").contains(&pct(0.9)) && get("failures.goodput").contains(&pct(0.85)));
        assert!(get("cost.total_cny").contains("CNY/kWh"));
        assert!(get("carbon.net_t").contains("353.6") && get("carbon.net_t").contains("316.8"));
        assert!(f.iter().all(|x| x.key != "battery.cycles"), "no battery in the summary, no row");
        // A run without failures or grid has none of these rows.
        let plain = key_figures(&serde_json::json!({ "capacity": { "accelerators": 256 } }), Lang::En);
        assert!(plain.iter().all(|x| !x.key.starts_with("failures") && !x.key.starts_with("cost")));
    }
}

#[cfg(test)]
mod network_tests {
    use super::*;

    #[test]
    fn network_and_mfu_figures_appear_where_the_summary_has_them() {
        let s: Value = serde_json::json!({
            "utilization": { "mfu_mean": 0.371, "effective_pflops": 623.8 },
            "network": { "leaf_switches": 320, "spine_switches": 244, "core_switches": 84, "switch_power_kw": 1085.9,
                         "exposed_comm_fraction_mean": 0.036, "slowdown_mean": 1.0 },
        });
        let f = key_figures(&s, Lang::En);
        let get = |k: &str| f.iter().find(|x| x.key == k).map(|x| x.value.clone()).unwrap_or_else(|| panic!("no {k}"));
        assert!(get("utilization.mfu_mean").contains(&pct(0.371)) && get("utilization.mfu_mean").contains("623.8 PFLOPS"));
        assert!(get("network.switch_power_kw").contains(&count(648.0)));
        assert!(get("network.exposed_comm_fraction_mean").contains(&pct(0.036)));
        let plain = key_figures(&serde_json::json!({ "capacity": { "accelerators": 256 } }), Lang::En);
        assert!(plain.iter().all(|x| !x.key.starts_with("network") && x.key != "utilization.mfu_mean"));
    }
}
