//! The finance part of a run's report (runs with `[finance]`): the cash-flow plot from
//! finance.csv and a section with the figures and the years from summary.json.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::ReportError;
use super::data::{Columns, at, num, text};
use super::format::{fixed, pct};
use super::html::{esc, section, table};
use super::i18n::Lang;
use super::plot::{Axis, Corner, Figure, LineChart, Series};

/// The finance.csv columns the plot reads.
pub const FINANCE_COLUMNS: [&str; 3] = ["month", "cumulative_cny", "discounted_cumulative_cny"];

/// finance.csv of a run folder, if present.
pub fn read(dir: &Path) -> Result<Option<Columns>, ReportError> {
    let p = dir.join("finance.csv");
    if p.is_file() { Columns::read(&p, &FINANCE_COLUMNS).map(Some) } else { Ok(None) }
}

/// Cumulative cash flow and its discounted value by month, M CNY, over years.
pub fn cash_flow(cols: &Columns) -> Option<Figure> {
    let month = cols.get("month")?;
    let mut series = Vec::new();
    for (col, name) in [("cumulative_cny", "cumulative cash flow"), ("discounted_cumulative_cny", "discounted (NPV so far)")] {
        let v = cols.get(col)?;
        series.push(Series::line(name, month.iter().zip(v).map(|(m, c)| (m / 12.0, c / 1e6)).collect()));
    }
    let (lo, hi) = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold((0.0f64, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let pad = (hi - lo).max(1e-6) * 0.08;
    let years = month.last().copied().unwrap_or(12.0) / 12.0;
    Some(Figure::Line(LineChart {
        title: "Cumulative cash flow".into(),
        x: Axis::new("years from the start").range(0.0, years.max(1.0)),
        y: Axis::new("M CNY").range(lo - pad, hi + pad),
        series,
        legend: Corner::UpperLeft,
        ..LineChart::default()
    }))
}

/// Millions of CNY.
fn m(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{} M CNY", fixed(v / 1e6, 2)))
}

/// The finance section: headline figures, capital by item and the years (empty without `finance`).
pub fn finance_section(s: &Value, lang: Lang) -> String {
    if at(s, "finance").is_none() {
        return String::new();
    }
    let l = |en: &'static str, zh: &'static str| lang.pick((en, zh)).to_string();
    let f = |k: &str| num(s, &format!("finance.{k}"));
    let payback = f("payback_month").map_or_else(
        || l("never within the analysis", "分析期内未回收"),
        |mo| format!("{mo:.0} ({:.1} {})", mo / 12.0, lang.pick(("years", "年"))),
    );
    let rows = vec![
        vec![l("Capital cost", "建设投资"), m(f("capex_cny"))],
        vec![l("Net present value", "净现值"), m(f("npv_cny"))],
        vec![l("Internal rate of return", "内部收益率"), f("irr").map_or_else(|| "n/a".into(), pct)],
        vec![l("Payback month", "投资回收期(月)"), payback],
        vec![l("Lease revenue", "算力租赁收入"), m(f("revenue_cny"))],
        vec![l("Revenue lost to idle capacity", "闲置损失收入"), m(f("lost_revenue_cny"))],
        vec![l("Delivered share", "售出比例"), f("delivered_share").map_or_else(|| "n/a".into(), pct)],
        vec![l("Subsidies (vouchers, electricity)", "补贴(算力券、电费)"), m(f("subsidies_cny"))],
        vec![l("Operating cost", "运营成本"), m(f("opex_cny"))],
        vec![l("Income tax", "所得税"), m(f("tax_cny"))],
        vec![
            l("Levelised cost per accelerator-hour", "单位卡时平准化成本"),
            f("cost_per_accelerator_hour_cny").map_or_else(|| "n/a".into(), |c| format!("{} CNY", fixed(c, 2))),
        ],
        vec![
            l("Levelised cost per PFLOP-hour", "单位算力时平准化成本"),
            f("cost_per_pflop_hour_cny").map_or_else(|| "n/a".into(), |c| format!("{} CNY", fixed(c, 2))),
        ],
    ];
    let mut inner = table(&[lang.pick(("figure", "指标")), lang.pick(("value", "数值"))], &rows, &[1]);
    if let Some(Value::Object(items)) = at(s, "finance.capex_by_item_cny") {
        let rows: Vec<Vec<String>> = items.iter().map(|(k, v)| vec![k.clone(), m(v.as_f64())]).collect();
        let _ = writeln!(inner, "<h3>{}</h3>", esc(lang.pick(("Capital by item", "分项投资"))));
        inner.push_str(&table(&[lang.pick(("item", "项目")), lang.pick(("capital", "投资"))], &rows, &[1]));
    }
    if let Some(Value::Object(years)) = at(s, "finance.by_year") {
        let keys =
            ["revenue_cny", "lost_revenue_cny", "subsidies_cny", "opex_cny", "capex_cny", "tax_cny", "cash_flow_cny", "cumulative_cny"];
        let rows: Vec<Vec<String>> = years
            .iter()
            .map(|(y, v)| {
                std::iter::once(y.clone()).chain(keys.iter().map(|k| fixed(v[*k].as_f64().unwrap_or(f64::NAN) / 1e6, 2))).collect()
            })
            .collect();
        let _ = writeln!(inner, "<h3>{}</h3>", esc(lang.pick(("By year (M CNY)", "分年度(百万元)"))));
        let heads = [
            lang.pick(("year", "年")),
            lang.pick(("revenue", "收入")),
            lang.pick(("lost to idle", "闲置损失")),
            lang.pick(("subsidies", "补贴")),
            lang.pick(("opex", "运营成本")),
            lang.pick(("capital", "投资")),
            lang.pick(("tax", "税")),
            lang.pick(("cash flow", "净现金流")),
            lang.pick(("cumulative", "累计")),
        ];
        inner.push_str(&table(&heads, &rows, &[1, 2, 3, 4, 5, 6, 7, 8]));
    }
    if let Some(Value::Object(rules)) = at(s, "compliance") {
        let rows: Vec<Vec<String>> = rules
            .iter()
            .map(|(id, r)| {
                let n = |k: &str| r[k].as_f64().map_or_else(|| "n/a".to_string(), |v| fixed(v, 3));
                let meets = match r["meets"].as_bool() {
                    Some(true) => lang.pick(("meets", "达标")),
                    Some(false) => lang.pick(("does not meet", "未达标")),
                    None => "n/a",
                };
                vec![id.clone(), n("limit"), n("measured"), meets.to_string(), r["source"].as_str().unwrap_or("").to_string()]
            })
            .collect();
        let _ = writeln!(inner, "<h3>{}</h3>", esc(lang.pick(("Policy compliance", "政策合规"))));
        let heads = [
            lang.pick(("rule", "规则")),
            lang.pick(("limit", "限值")),
            lang.pick(("measured", "实测")),
            lang.pick(("verdict", "结论")),
            lang.pick(("source", "来源")),
        ];
        inner.push_str(&table(&heads, &rows, &[1, 2]));
    }
    if let Some(x) = text(s, "finance.extrapolation") {
        let _ = writeln!(inner, "<p class=\"note\">{}: {}</p>", esc(lang.pick(("Extrapolation", "外推方法"))), esc(x));
    }
    section("finance", lang.pick(("Does the center pay back?", "投资回报")), &inner)
}
