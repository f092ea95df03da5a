//! The answer a forecast page leads with, from forecast.json read as data: when the center needs
//! to expand (or that it does not within the horizon) and why, the demand assumed, the expansion
//! tried against none, and the economics where the scenario has `[finance]`.

use std::fmt::Write as _;

use serde_json::Value;

use super::data::{at, num, text};
use super::format::{count, duration_s, fixed, pct};
use super::html::{esc, table};
use super::i18n::Lang;

/// "month 9", "第 9 个月".
fn month(m: f64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("month {m:.0}"),
        Lang::Zh => format!("第 {m:.0} 个月"),
    }
}

/// A trigger object (`{month, reason}`) in words, or the "no expansion needed" sentence.
fn trigger_text(t: Option<&Value>, months: f64, lang: Lang) -> String {
    match t.and_then(|t| num(t, "month")) {
        Some(m) => {
            let reason = t.and_then(|t| text(t, "reason")).unwrap_or("");
            match lang {
                Lang::En => format!("expansion needed from {} ({reason})", month(m, lang)),
                Lang::Zh => format!("自{}起需要扩容({})", month(m, lang), reason_zh(reason)),
            }
        }
        None => match lang {
            Lang::En => format!("no expansion needed within {months:.0} months"),
            Lang::Zh => format!("{months:.0} 个月内无需扩容"),
        },
    }
}

/// A trigger's reason (forecast.json says it in English) in Chinese: its two metrics by name.
fn reason_zh(reason: &str) -> String {
    reason.replace("median queue wait", "排队等待中位数").replace("median wait", "排队等待中位数").replace("rejection rate", "拒绝率")
}

/// The demand model in words: growth, steps, a demand file, and the last month's multiplier.
fn demand_text(j: &Value, lang: Lang) -> String {
    let growth = num(j, "demand.growth_per_month").unwrap_or(0.0);
    let mut parts = vec![match lang {
        Lang::En => format!("demand grows {} per month (compounded)", pct(growth)),
        Lang::Zh => format!("需求每月增长 {}(复利)", pct(growth)),
    }];
    if let Some(Value::Array(steps)) = at(j, "demand.steps") {
        let texts: Vec<&str> = steps.iter().filter_map(|s| text(s, "text")).collect();
        if !texts.is_empty() {
            parts.push(format!("{} {}", lang.pick(("steps", "阶跃")), texts.join(", ")));
        }
    }
    if matches!(at(j, "demand.csv"), Some(Value::Array(_))) {
        parts.push(lang.pick(("monthly multipliers from a demand file", "按需求文件的月度倍数")).to_string());
    }
    if let Some(Value::Array(m)) = at(j, "multipliers")
        && let Some(last) = m.last().and_then(Value::as_f64)
    {
        parts.push(match lang {
            Lang::En => format!("month {} demand is {} times the scenario's", m.len(), fixed(last, 2)),
            Lang::Zh => format!("第 {} 个月的需求为场景的 {} 倍", m.len(), fixed(last, 2)),
        });
    }
    parts.join(if lang == Lang::Zh { ";" } else { "; " })
}

/// A band of money as "p50 (p10 to p90) M CNY".
fn money_band(b: Option<&Value>, lang: Lang) -> String {
    let m = |k: &str| b.and_then(|b| num(b, k)).map_or_else(|| "n/a".to_string(), |v| fixed(v / 1e6, 1));
    match lang {
        Lang::En => format!("{} M CNY (p10 {} to p90 {})", m("p50"), m("p10"), m("p90")),
        Lang::Zh => format!("{} 百万元(p10 {} 至 p90 {})", m("p50"), m("p10"), m("p90")),
    }
}

/// The economics rows of `finance` (and of the run without the expansion).
fn economics(f: &Value, lang: Lang) -> Vec<Vec<String>> {
    let mut rows = vec![vec![lang.pick(("Net present value", "净现值")).to_string(), money_band(at(f, "npv_cny"), lang)]];
    let payback = match num(f, "payback_month.p50") {
        Some(m) => month(m, lang),
        None => lang.pick(("never within the analysis (median)", "分析期内未回收(中位数)")).to_string(),
    };
    rows.push(vec![lang.pick(("Payback, median", "投资回收期中位数")).to_string(), payback]);
    if let Some(s) = num(f, "never_pays_share") {
        rows.push(vec![lang.pick(("Replications that never pay back", "未回收的重复运行占比")).to_string(), pct(s)]);
    }
    if let Some(irr) = num(f, "irr.p50") {
        rows.push(vec![lang.pick(("IRR, median", "内部收益率中位数")).to_string(), pct(irr)]);
    }
    if let Some(w) = at(f, "without_expansion") {
        rows.push(vec![
            lang.pick(("Net present value without the expansion", "不扩容时的净现值")).to_string(),
            money_band(at(w, "npv_cny"), lang),
        ]);
    }
    if let Some(Value::Bool(pays)) = at(f, "expansion_pays") {
        let v = match (pays, lang) {
            (true, Lang::En) => "yes: its median NPV is above the median without it",
            (false, Lang::En) => "no: its median NPV is not above the median without it",
            (true, Lang::Zh) => "是:扩容后的净现值中位数高于不扩容",
            (false, Lang::Zh) => "否:扩容后的净现值中位数不高于不扩容",
        };
        rows.push(vec![lang.pick(("Does the expansion pay?", "扩容是否划算?")).to_string(), v.to_string()]);
    }
    rows
}

/// The answer section's HTML.
pub fn answer(j: &Value, lang: Lang) -> String {
    let months = num(j, "months").unwrap_or(0.0);
    let mut o = String::new();
    let head = trigger_text(at(j, "trigger"), months, lang);
    let head = match lang {
        Lang::En => format!("{}{}.", head[..1].to_uppercase(), &head[1..]),
        Lang::Zh => format!("{head}。"),
    };
    let _ = writeln!(o, "<p class=\"note\" style=\"font-size:1.15em\"><strong>{}</strong></p>", esc(&head));
    let mut rows = vec![vec![lang.pick(("Demand assumed", "需求假设")).to_string(), demand_text(j, lang)]];
    let limits = match lang {
        Lang::En => format!(
            "the month's median queue wait (median over replications) above {}, or its rejection rate above {}",
            duration_s(num(j, "max_wait_s").unwrap_or(f64::NAN)),
            pct(num(j, "max_reject").unwrap_or(f64::NAN))
        ),
        Lang::Zh => format!(
            "当月排队等待中位数(各重复运行的中位数)超过 {},或拒绝率超过 {}",
            duration_s(num(j, "max_wait_s").unwrap_or(f64::NAN)),
            pct(num(j, "max_reject").unwrap_or(f64::NAN))
        ),
    };
    rows.push(vec![lang.pick(("Expansion is needed when", "需要扩容的判据")).to_string(), limits]);
    if let Some(e) = at(j, "expansion") {
        let (racks, at_month) = (num(e, "expansion.racks").unwrap_or(0.0), num(e, "expansion.month").unwrap_or(0.0));
        let (before, after) = (num(e, "accelerators_before").unwrap_or(0.0), num(e, "accelerators_after").unwrap_or(0.0));
        let tried = match lang {
            Lang::En => {
                format!("{} racks from {} ({} to {} accelerators)", count(racks), month(at_month, lang), count(before), count(after))
            }
            Lang::Zh => {
                format!("自{}起增加 {} 个机柜(加速卡 {} 增至 {})", month(at_month, lang), count(racks), count(before), count(after))
            }
        };
        rows.push(vec![lang.pick(("Expansion tried", "尝试的扩容")).to_string(), tried]);
        rows.push(vec![lang.pick(("Without the expansion", "不扩容")).to_string(), trigger_text(at(e, "trigger_without"), months, lang)]);
        rows.push(vec![lang.pick(("With the expansion", "扩容后")).to_string(), trigger_text(at(j, "trigger"), months, lang)]);
    }
    if let Some(f) = at(j, "finance").filter(|f| !f.is_null()) {
        rows.extend(economics(f, lang));
    }
    let n = num(j, "replications").map_or_else(String::new, count);
    rows.push(vec![lang.pick(("Replications", "重复运行次数")).to_string(), n]);
    o.push_str(&table(&[lang.pick(("Question", "问题")), lang.pick(("Answer", "结论"))], &rows, &[]));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_names_the_trigger_month_the_growth_and_both_runs() {
        let j = serde_json::json!({
            "months": 24, "replications": 20, "max_wait_s": 7200.0, "max_reject": 0.01,
            "demand": {"growth_per_month": 0.03, "steps": [{"month": 6, "text": "+50%@6"}], "csv": null},
            "multipliers": [1.0, 1.03], "trigger": {"month": 14, "reason": "median wait 3.1 h > 2 h"},
            "expansion": {"expansion": {"racks": 4, "month": 9}, "accelerators_before": 256, "accelerators_after": 384,
                          "trigger_without": {"month": 7, "reason": "median wait 2.5 h > 2 h"}},
            "finance": null
        });
        let html = answer(&j, Lang::En);
        for s in [
            "Expansion needed from month 14",
            "3.0 % per month",
            "+50%@6",
            "4 racks from month 9 (256 to 384",
            "expansion needed from month 7",
            "2.0 h",
        ] {
            assert!(html.contains(s), "{s} in {html}");
        }
        let none = answer(&serde_json::json!({"months": 12, "trigger": null}), Lang::Zh);
        assert!(none.contains("12 个月内无需扩容"), "{none}");
        let zh = answer(&j, Lang::Zh);
        assert!(zh.contains("自第 14 个月起需要扩容(排队等待中位数 3.1 h &gt; 2 h)"), "{zh}");
        assert!(!zh.contains("median"), "no English reason on the Chinese page: {zh}");
    }
}
