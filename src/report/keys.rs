//! The key figures of a run, each with its definition, from summary.json read as data. Facility
//! figures (PUE, WUE, CUE, carbon, free cooling, thermal) appear only where the summary has them.
//!
//! Labels and definitions come from the [metrics registry](crate::metrics::registry); this file
//! chooses the figures, their order and how their values read. A row that shows several keys
//! ("Goodput / ETTR") joins their labels, the words they share said once ("Queue wait, median /
//! 95th percentile"), and their definitions.

use serde_json::Value;

use super::data::{at, num, text};
use super::format::{count, duration_s, energy_kwh, fixed, pct, power_kw};
use super::i18n::Lang;
use crate::metrics::registry;

/// One row of the key figures table.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    /// The summary.json key it comes from.
    pub key: &'static str,
    /// What it is called.
    pub label: String,
    /// Its value as the page shows it.
    pub value: String,
    /// How it is defined.
    pub definition: String,
}

struct Def {
    /// The row's key.
    key: &'static str,
    /// Registry keys that name the row: their labels and definitions.
    named: &'static [&'static str],
    /// Registry keys shown in parentheses: their definitions only.
    explained: &'static [&'static str],
    value: fn(&Value) -> Option<String>,
}

/// An energy in the unit of the run's largest energy (IT or facility), so that energies on one
/// page read in one unit: 3,200 kWh of cooling beside 72,600 kWh of IT is "3.2 MWh" beside
/// "72.6 MWh".
fn energy_of(s: &Value, kwh: f64) -> String {
    let big = ["energy.facility_kwh", "energy.it_kwh"].iter().filter_map(|k| num(s, k)).fold(kwh.abs(), f64::max);
    if big >= 1e4 {
        let mwh = kwh / 1e3;
        format!("{} MWh", fixed(mwh, if mwh.abs() < 10.0 { 2 } else { 1 }))
    } else {
        energy_kwh(kwh)
    }
}

fn both(s: &Value, a: &str, b: &str, f: fn(f64) -> String) -> Option<String> {
    Some(format!("{} / {}", f(num(s, a)?), f(num(s, b)?)))
}

/// A Kaplan-Meier wait percentile; where the estimate lies beyond every observed start, "> "
/// the same percentile counting queued jobs as started at the horizon (a lower bound).
fn km(s: &Value, field: &str) -> Option<String> {
    match num(s, &format!("jobs.wait_km_s.{field}")) {
        Some(v) => Some(duration_s(v)),
        None => Some(format!("> {}", duration_s(num(s, &format!("jobs.wait_incl_queued_s.{field}"))?))),
    }
}

const DEFS: &[Def] = &[
    Def {
        key: "capacity.accelerators",
        named: &["capacity.accelerators"],
        explained: &[],
        value: |s| Some(count(num(s, "capacity.accelerators")?)),
    },
    Def {
        key: "capacity.peak_pflops_fp16",
        named: &["capacity.peak_pflops_fp16"],
        explained: &[],
        value: |s| Some(format!("{} PFLOPS", fixed(num(s, "capacity.peak_pflops_fp16")?, 1))),
    },
    Def {
        key: "utilization.allocated_mean",
        named: &["utilization.allocated_mean"],
        explained: &[],
        value: |s| Some(pct(num(s, "utilization.allocated_mean")?)),
    },
    Def {
        key: "utilization.effective_mean",
        named: &["utilization.effective_mean"],
        explained: &[],
        value: |s| Some(pct(num(s, "utilization.effective_mean")?)),
    },
    Def {
        key: "idle_capacity.accelerator_hours_unallocated",
        named: &["idle_capacity.accelerator_hours_unallocated"],
        explained: &["idle_capacity.fraction_unallocated"],
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
        named: &["idle_capacity.accelerator_hours_allocated_idle"],
        explained: &["idle_capacity.fraction_allocated_idle"],
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
        named: &["jobs.submitted", "jobs.completed", "jobs.rejected"],
        explained: &[],
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
        key: "jobs.failed",
        named: &["jobs.failed", "jobs.cancelled"],
        explained: &["jobs.failed_accelerator_hours", "jobs.cancelled_accelerator_hours"],
        value: |s| {
            let lost = num(s, "jobs.failed_accelerator_hours")? + num(s, "jobs.cancelled_accelerator_hours")?;
            Some(format!(
                "{} / {} ({} accelerator-hours held)",
                count(num(s, "jobs.failed")?),
                count(num(s, "jobs.cancelled")?),
                count(lost)
            ))
        },
    },
    Def {
        key: "jobs.wait_s",
        named: &["jobs.wait_s.p50", "jobs.wait_s.p95"],
        explained: &[],
        value: |s| both(s, "jobs.wait_s.p50", "jobs.wait_s.p95", duration_s),
    },
    Def {
        key: "jobs.queued_at_end",
        named: &["jobs.queued_at_end"],
        explained: &[],
        value: |s| {
            let (queued, submitted) = (num(s, "jobs.queued_at_end")?, num(s, "jobs.submitted")?);
            let share = if submitted > 0.0 { queued / submitted } else { 0.0 };
            Some(format!("{} ({} of submitted)", count(queued), pct(share)))
        },
    },
    Def {
        key: "jobs.wait_km_s",
        named: &["jobs.wait_km_s.p50", "jobs.wait_km_s.p95"],
        explained: &["jobs.wait_incl_queued_s"],
        value: |s| {
            // Shown only where jobs were left waiting: otherwise it equals the row above.
            if num(s, "jobs.wait_km_s.censored")? == 0.0 {
                return None;
            }
            Some(format!("{} / {}", km(s, "p50")?, km(s, "p95")?))
        },
    },
    Def { key: "energy.it_kwh", named: &["energy.it_kwh"], explained: &[], value: |s| Some(energy_of(s, num(s, "energy.it_kwh")?)) },
    Def {
        key: "energy.server_fans_kwh",
        named: &["energy.server_fans_kwh"],
        explained: &[],
        value: |s| {
            let (fans, it) = (num(s, "energy.server_fans_kwh")?, num(s, "energy.it_kwh")?);
            Some(format!("{} ({:.1} %)", energy_of(s, fans), if it > 0.0 { 100.0 * fans / it } else { 0.0 }))
        },
    },
    Def {
        key: "power.it_kw",
        named: &["power.it_kw.mean", "power.it_kw.max"],
        explained: &[],
        value: |s| both(s, "power.it_kw.mean", "power.it_kw.max", power_kw),
    },
    Def {
        key: "pue.annual",
        named: &["pue.annual"],
        explained: &["pue.min_month", "pue.max_month"],
        value: |s| {
            let annual = fixed(num(s, "pue.annual")?, 3);
            Some(match (num(s, "pue.min_month"), num(s, "pue.max_month")) {
                (Some(lo), Some(hi)) => format!("{annual} ({} - {})", fixed(lo, 3), fixed(hi, 3)),
                _ => annual,
            })
        },
    },
    Def {
        key: "pue.gb40879_grade",
        named: &["pue.gb40879_grade"],
        explained: &["pue.boundary"],
        value: |s| {
            let grade = num(s, "pue.gb40879_grade")?;
            let at = text(s, "pue.boundary").unwrap_or("it-input");
            Some(if grade >= 1.0 { format!("grade {grade:.0} ({at})") } else { format!("no grade: PUE above the 1.50 limit value ({at})") })
        },
    },
    Def {
        key: "pue.meets_limit",
        named: &["pue.meets_limit"],
        explained: &["pue.limit"],
        value: |s| {
            let meets = at(s, "pue.meets_limit")?.as_bool()?;
            let limit = fixed(num(s, "pue.limit")?, 2);
            let name = text(s, "pue.limit_name").unwrap_or("scenario");
            Some(format!("PUE {} {limit} ({name})", if meets { "<=" } else { ">" }))
        },
    },
    Def {
        key: "energy.facility_kwh",
        named: &["energy.facility_kwh"],
        explained: &[],
        value: |s| Some(energy_of(s, num(s, "energy.facility_kwh")?)),
    },
    Def {
        key: "energy.cooling_kwh",
        named: &["energy.cooling_kwh"],
        explained: &[],
        value: |s| Some(energy_of(s, num(s, "energy.cooling_kwh")?)),
    },
    Def { key: "energy.loss_kwh", named: &["energy.loss_kwh"], explained: &[], value: |s| Some(energy_of(s, num(s, "energy.loss_kwh")?)) },
    Def {
        key: "wue_l_per_kwh",
        named: &["wue_l_per_kwh"],
        explained: &[],
        value: |s| Some(format!("{} L/kWh", fixed(num(s, "wue_l_per_kwh")?, 3))),
    },
    Def {
        key: "cue_kg_per_kwh",
        named: &["cue_kg_per_kwh"],
        explained: &[],
        value: |s| Some(format!("{} kg CO2/kWh", fixed(num(s, "cue_kg_per_kwh")?, 3))),
    },
    Def { key: "carbon_t", named: &["carbon_t"], explained: &[], value: |s| Some(format!("{} t CO2", fixed(num(s, "carbon_t")?, 1))) },
    Def {
        key: "free_cooling_hours",
        named: &["free_cooling_fraction", "free_cooling_hours"],
        explained: &["free_cooling_hours_by_loop.chilled_water"],
        value: |s| {
            // Both loops' hours: the main loop can run free all year while the other one's
            // chillers run (a cold-plate hall's air side).
            let loops = [
                ("facility water", "free_cooling_hours_by_loop.facility_water"),
                ("chilled water", "free_cooling_hours_by_loop.chilled_water"),
            ];
            let mut hours: Vec<String> = loops.iter().filter_map(|(name, k)| Some(format!("{name} {} h", count(num(s, k)?)))).collect();
            if hours.is_empty() {
                hours.push(format!("{} h", count(num(s, "free_cooling_hours")?)));
            }
            match num(s, "free_cooling_fraction") {
                Some(f) => Some(format!("{} / {}", pct(f), hours.join(", "))),
                None => Some(hours.join(", ")),
            }
        },
    },
    Def {
        key: "thermal.throttled_accelerator_hours",
        named: &["thermal.throttled_accelerator_hours"],
        explained: &[],
        value: |s| Some(fixed(num(s, "thermal.throttled_accelerator_hours")?, 1)),
    },
    Def {
        key: "thermal.alarms",
        named: &["thermal.alarms"],
        explained: &[],
        value: |s| match at(s, "thermal.alarms")? {
            Value::Array(a) => Some(count(a.len() as f64)),
            v => Some(count(v.as_f64()?)),
        },
    },
    Def {
        key: "failures.interruptions",
        named: &["failures.interruptions"],
        explained: &[],
        value: |s| match at(s, "failures.interruptions")? {
            Value::Object(m) => Some(count(m.values().filter_map(Value::as_f64).sum())),
            _ => None,
        },
    },
    Def {
        key: "failures.goodput",
        named: &["failures.goodput", "failures.ettr"],
        explained: &[],
        value: |s| both(s, "failures.goodput", "failures.ettr", pct),
    },
    Def {
        key: "failures.lost_accelerator_hours",
        named: &["failures.lost_accelerator_hours"],
        explained: &[],
        value: |s| Some(format!("{} accelerator-hours", count(num(s, "failures.lost_accelerator_hours")?))),
    },
    Def {
        key: "failures.availability",
        named: &["failures.availability"],
        explained: &[],
        value: |s| Some(pct(num(s, "failures.availability")?)),
    },
    Def {
        key: "utilization.mfu_mean",
        named: &["utilization.mfu_mean", "utilization.effective_pflops"],
        explained: &[],
        value: |s| Some(format!("{} / {} PFLOPS", pct(num(s, "utilization.mfu_mean")?), fixed(num(s, "utilization.effective_pflops")?, 1))),
    },
    Def {
        key: "network.switch_power_kw",
        named: &["network.switch_power_kw"],
        explained: &[],
        value: |s| {
            let n = num(s, "network.leaf_switches")? + num(s, "network.spine_switches")? + num(s, "network.core_switches")?;
            Some(format!("{} switches, {}", count(n), power_kw(num(s, "network.switch_power_kw")?)))
        },
    },
    Def {
        key: "network.exposed_comm_fraction_mean",
        named: &["network.exposed_comm_fraction_mean", "network.slowdown_mean"],
        explained: &[],
        value: |s| {
            Some(format!("{} / {}x", pct(num(s, "network.exposed_comm_fraction_mean")?), fixed(num(s, "network.slowdown_mean")?, 4)))
        },
    },
    Def {
        key: "cost.total_cny",
        named: &["cost.total_cny"],
        explained: &["cost.mean_price_cny_per_kwh"],
        value: |s| Some(format!("{} CNY ({} CNY/kWh)", count(num(s, "cost.total_cny")?), fixed(num(s, "cost.mean_price_cny_per_kwh")?, 3))),
    },
    Def {
        key: "carbon.net_t",
        named: &["carbon.location_based_t", "carbon.net_t"],
        explained: &[],
        value: |s| Some(format!("{} / {} t CO2", fixed(num(s, "carbon.location_based_t")?, 1), fixed(num(s, "carbon.net_t")?, 1))),
    },
    Def { key: "battery.cycles", named: &["battery.cycles"], explained: &[], value: |s| Some(fixed(num(s, "battery.cycles")?, 1)) },
    Def {
        key: "finance.payback_month",
        named: &["finance.payback_month"],
        explained: &[],
        value: |s| {
            num(s, "finance.analysis_years")?;
            Some(match num(s, "finance.payback_month") {
                Some(m) => format!("month {m:.0} ({} years)", fixed(m / 12.0, 1)),
                None => format!("never in {} years", fixed(num(s, "finance.analysis_years")?, 0)),
            })
        },
    },
    Def {
        key: "finance.npv_cny",
        named: &["finance.npv_cny", "finance.irr"],
        explained: &[],
        value: |s| {
            let irr = num(s, "finance.irr").map_or_else(|| "n/a".to_string(), pct);
            Some(format!("{} M CNY / {irr}", fixed(num(s, "finance.npv_cny")? / 1e6, 1)))
        },
    },
    Def {
        key: "finance.lost_revenue_cny",
        named: &["finance.revenue_cny", "finance.lost_revenue_cny"],
        explained: &[],
        value: |s| {
            Some(format!(
                "{} / {} M CNY",
                fixed(num(s, "finance.revenue_cny")? / 1e6, 1),
                fixed(num(s, "finance.lost_revenue_cny")? / 1e6, 1)
            ))
        },
    },
    Def {
        key: "finance.cost_per_accelerator_hour_cny",
        named: &["finance.cost_per_accelerator_hour_cny"],
        explained: &[],
        value: |s| Some(format!("{} CNY", fixed(num(s, "finance.cost_per_accelerator_hour_cny")?, 2))),
    },
];

/// The label of a registry key in `lang` (the key itself if the registry lacks it).
fn label_of(key: &str, lang: Lang) -> String {
    registry::find(key).map_or_else(
        || key.to_string(),
        |l| {
            let (en, zh) = l.label();
            if lang == Lang::Zh { zh } else { en }
        },
    )
}

/// Labels joined by " / ", each after the first without the words it shares with the first.
fn join_labels(labels: &[String]) -> String {
    let Some(first) = labels.first() else { return String::new() };
    let mut out = first.clone();
    for l in &labels[1..] {
        let common = first.char_indices().zip(l.chars()).take_while(|((_, a), b)| a == b).last().map_or(0, |((i, c), _)| i + c.len_utf8());
        let cut = first[..common].rfind(' ').map_or(0, |i| i + 1);
        out.push_str(" / ");
        out.push_str(&l[cut..]);
    }
    out
}

/// The row label of registry keys.
fn label(keys: &[&str], lang: Lang) -> String {
    join_labels(&keys.iter().map(|k| label_of(k, lang)).collect::<Vec<_>>())
}

/// The definitions of registry keys, each once, joined by "; ".
fn definition(named: &[&str], explained: &[&str], lang: Lang) -> String {
    let mut defs: Vec<&str> = Vec::new();
    for k in named.iter().chain(explained) {
        if let Some(l) = registry::find(k) {
            let d = if lang == Lang::Zh { l.entry.definition.zh_or_en() } else { l.entry.definition.en };
            if !defs.contains(&d) {
                defs.push(d);
            }
        }
    }
    defs.join(if lang == Lang::Zh { ";" } else { "; " })
}

/// The key figures the summary has, in report order, in `lang`.
pub fn key_figures(summary: &Value, lang: Lang) -> Vec<KeyFigure> {
    DEFS.iter()
        .filter_map(|d| {
            let mut value = (d.value)(summary)?;
            if lang == Lang::Zh {
                value = in_chinese(value);
            }
            Some(KeyFigure { key: d.key, label: label(d.named, lang), value, definition: definition(d.named, d.explained, lang) })
        })
        .collect()
}

/// A key figure's value in Chinese: the words the English values use, turned one by one.
fn in_chinese(value: String) -> String {
    let mut v = value
        .replace("accelerator-hours", "卡时")
        .replace("卡时 held)", "卡时被占用)")
        .replace("facility water ", "设施水 ")
        .replace("chilled water ", "冷冻水 ")
        .replace(" switches, ", " 台交换机，")
        .replace("M CNY", "百万元")
        .replace("n/a", "无")
        .replace("no grade: PUE above the 1.50 limit value (", "无等级：PUE 高于 1.50 限定值(");
    // "551 (27.0 % of submitted)" reads "551(占提交 27.0 %)".
    if let Some((n, share)) = v.strip_suffix(" of submitted)").and_then(|v| v.split_once(" (")) {
        v = format!("{n}(占提交 {share})");
    }
    // "grade 1 (it-input)" reads "1 级(it-input)".
    if let Some((g, at)) = v.strip_prefix("grade ").and_then(|r| r.split_once(" (")) {
        v = format!("{g} 级({at}");
    }
    // "month 40 (3.3 years)" reads "第 40 个月(3.3 年)"; "never in 10 years", "10 年内未回本".
    if let Some((m, y)) = v.strip_prefix("month ").and_then(|r| r.strip_suffix(" years)")).and_then(|r| r.split_once(" (")) {
        v = format!("第 {m} 个月({y} 年)");
    }
    if let Some(y) = v.strip_prefix("never in ").and_then(|r| r.strip_suffix(" years")) {
        v = format!("{y} 年内未回本");
    }
    v
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

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_figure_is_labelled_and_defined_by_the_registry() {
        for d in DEFS {
            for k in d.named.iter().chain(d.explained) {
                assert!(registry::find(k).is_some(), "{}: {k} is not in the metrics registry", d.key);
            }
            assert!(registry::find(d.key).is_some(), "{} is not in the metrics registry", d.key);
        }
        let row = |key: &str| DEFS.iter().find(|d| d.key == key).expect("a row");
        let wait = row("jobs.wait_s");
        assert_eq!(label(wait.named, Lang::En), "Queue wait (started jobs), median / 95th percentile");
        assert_eq!(label(wait.named, Lang::Zh), "排队等待(已启动作业) 中位数 / 95 分位");
        assert_eq!(
            definition(wait.named, wait.explained, Lang::En),
            registry::find("jobs.wait_s").unwrap().entry.definition.en,
            "said once"
        );
        assert_eq!(label(row("power.it_kw").named, Lang::En), "IT power, mean / max");
        assert_eq!(label(row("jobs.submitted").named, Lang::En), "Jobs submitted / completed / rejected");
        assert_eq!(label(row("jobs.failed").named, Lang::En), "Jobs failed / cancelled");
        assert_eq!(label(row("carbon.net_t").named, Lang::Zh), "碳排放 按地区 / 净值");
        assert_eq!(label(row("failures.goodput").named, Lang::Zh), "有效产出率 / 有效训练时间比", "no shared word, nothing left out");
    }

    #[test]
    fn chinese_values_carry_no_english_words() {
        for (en, zh) in [
            ("grade 1 (it-input)", "1 级(it-input)"),
            ("no grade: PUE above the 1.50 limit value (it-input)", "无等级：PUE 高于 1.50 限定值(it-input)"),
            ("99.0 % / facility water 2,160 h, chilled water 1,860 h", "99.0 % / 设施水 2,160 h, 冷冻水 1,860 h"),
            ("551 (27.0 % of submitted)", "551(占提交 27.0 %)"),
            ("1,361 / 277 (36,972 accelerator-hours held)", "1,361 / 277 (36,972 卡时被占用)"),
            ("month 40 (3.3 years)", "第 40 个月(3.3 年)"),
            ("never in 10 years", "10 年内未回本"),
            ("-12.5 M CNY / n/a", "-12.5 百万元 / 无"),
            ("1,200 switches, 3.2 MW", "1,200 台交换机，3.2 MW"),
        ] {
            assert_eq!(in_chinese(en.to_string()), zh);
        }
    }
}
