//! The sections of a federation's page: the totals against the baseline, the sites (each linked
//! to its own report), the routes of moved jobs, the WAN links, the services and the provenance.

use std::fmt::Write as _;

use serde_json::Value;

use super::super::data::{at, num, text};
use super::super::figures::Named;
use super::super::format::{count, duration_s, energy_kwh, fixed, pct};
use super::super::html::{dl, esc, figure, page, section};
use super::super::i18n::Lang;
use super::{Site, answer, caption, cny, data_gb, signed, signed_duration, site_href};

/// A table of cells that are HTML already (links); the columns in `numeric` are right-aligned.
fn table_html(headers: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let mut o = String::from("<table>\n<tr>");
    for h in headers {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>\n");
    for r in rows {
        o.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let cls = if numeric.contains(&i) { " class=\"n\"" } else { "" };
            let _ = write!(o, "<td{cls}>{c}</td>");
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table>\n");
    o
}

#[allow(clippy::too_many_arguments)]
pub(super) fn federation_html(
    f: &Value,
    sites: &[Site],
    reports: &[bool],
    resolved: Option<&toml::Value>,
    map: &str,
    figs: &[Named],
    svgs: &[String],
    lang: Lang,
) -> String {
    let t = lang.text();
    let name = text(f, "federation.name").unwrap_or("?");
    let mut body = String::new();
    if let Some(d) = resolved.and_then(|v| v.get("federation")).and_then(|v| v.get("description")).and_then(toml::Value::as_str) {
        let _ = writeln!(body, "<p>{}</p>", esc(d));
    }
    let map_caption = lang.pick((
        "Schematic map (positions by longitude and latitude, not to scale of any base map). Circle area is proportional to a site's accelerators and its fill to its allocated utilization; dashed lines are WAN links with their round-trip time; orange arrows are jobs moved from their home site, width proportional to the jobs (count on the arrow). Hover for details.",
        "示意图(按经纬度定位,不是底图比例)。圆面积正比于站点加速卡数,填色表示分配利用率;虚线为广域网链路及其往返时延;橙色箭头为从本地站点迁出的作业,宽度正比于作业数(箭头上标注数量)。鼠标悬停可看详情。",
    ));
    body.push_str(&section("map", lang.pick(("Sites and moves", "站点与作业迁移")), &figure("map", map, map_caption)));
    body.push_str(&totals_section(f, lang));
    let mut plots = String::new();
    for (fg, svg) in figs.iter().zip(svgs) {
        plots.push_str(&figure(&fg.name, svg, caption(&fg.name, lang)));
    }
    if figs.is_empty() {
        let _ =
            writeln!(plots, "<p class=\"note\">{}</p>", esc(lang.pick(("No site has a timeseries.csv.", "没有站点的 timeseries.csv。"))));
    }
    let _ = writeln!(plots, "<p class=\"sub\">{}</p>", esc(t.plots_note));
    body.push_str(&section("load", lang.pick(("Load by site over time", "各站点负载随时间变化")), &plots));
    body.push_str(&sites_section(sites, reports, lang));
    body.push_str(&moves_section(f, lang));
    body.push_str(&links_section(f, lang));
    body.push_str(&services_section(f, lang));
    body.push_str(&provenance_section(f, lang));
    let title = lang.titled(lang.pick(("Federation report", "多中心联合调度报告")), name);
    page(lang, &title, &answer(f, lang), &body)
}

fn totals_section(f: &Value, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let has_baseline = matches!(at(f, "baseline"), Some(Value::Object(_)));
    type Fmt = fn(f64) -> String;
    let rows: [(&str, &str, &str, Fmt, Fmt); 13] = [
        ("utilization_allocated", "Allocated utilization", "分配利用率", pct, (|d| format!("{} pts", signed(100.0 * d, 1)))),
        ("idle_accelerator_hours", "Idle accelerator-hours", "闲置卡时", count, (|d| signed(d, 0))),
        ("allocated_accelerator_hours", "Allocated accelerator-hours", "已分配卡时", count, (|d| signed(d, 0))),
        ("jobs_completed", "Jobs completed", "完成作业", count, (|d| signed(d, 0))),
        ("jobs_queued_at_end", "Jobs queued at the horizon", "结束时仍排队的作业", count, (|d| signed(d, 0))),
        ("wait_mean_s", "Mean wait of started jobs", "已启动作业平均等待", duration_s, signed_duration),
        (
            "facility_energy_kwh",
            "Facility energy",
            "设施总能耗",
            energy_kwh,
            (|d| if d > 0.0 { format!("+{}", energy_kwh(d)) } else { energy_kwh(d) }),
        ),
        ("energy_cost_cny", "Energy cost, CNY", "电费(元)", count, (|d| signed(d, 0))),
        ("wan_cost_cny", "WAN cost, CNY", "广域网费用(元)", count, (|d| signed(d, 0))),
        (
            "energy_cost_cny_per_accelerator_hour",
            "Energy cost per accelerator-hour, CNY",
            "每卡时电费(元)",
            |v| fixed(v, 3),
            (|d| signed(d, 3)),
        ),
        (
            "cost_cny_per_accelerator_hour",
            "Cost per accelerator-hour (energy and WAN), CNY",
            "每卡时成本(电费与广域网,元)",
            |v| fixed(v, 3),
            (|d| signed(d, 3)),
        ),
        ("carbon_t", "Carbon, t CO₂", "碳排放(吨 CO₂)", |v| fixed(v, 1), (|d| signed(d, 1))),
        (
            "carbon_kg_per_accelerator_hour",
            "Carbon per accelerator-hour, kg CO₂",
            "每卡时碳排放(kg CO₂)",
            |v| fixed(v, 3),
            (|d| signed(d, 3)),
        ),
    ];
    let mut out = Vec::new();
    for (key, en, zh_label, fmt, dfmt) in rows {
        let Some(now) = num(f, &format!("totals.{key}")) else { continue };
        let label = if zh { zh_label } else { en };
        if has_baseline {
            let base = num(f, &format!("baseline.{key}"));
            let change = base.map_or("-".into(), |b| dfmt(now - b));
            let change = if zh { change.replace(" pts", " 个百分点") } else { change };
            out.push(vec![esc(label), esc(&base.map_or("-".into(), fmt)), esc(&fmt(now)), esc(&change)]);
        } else {
            out.push(vec![esc(label), esc(&fmt(now))]);
        }
    }
    let dispatcher = text(f, "federation.dispatcher").unwrap_or("?");
    let cross = if zh { format!("跨枢纽调度({dispatcher})") } else { format!("cross-hub ({dispatcher})") };
    let inner = if has_baseline {
        table_html(
            &[lang.pick(("Over all sites", "全部站点")), lang.pick(("local-only", "仅本地调度")), &cross, lang.pick(("change", "变化"))],
            &out,
            &[1, 2, 3],
        )
    } else {
        table_html(&[lang.pick(("Over all sites", "全部站点")), &cross], &out, &[1])
    };
    section("totals", lang.pick(("Totals", "合计")), &inner)
}

fn sites_section(sites: &[Site], reports: &[bool], lang: Lang) -> String {
    let t = lang.text();
    let mut rows = Vec::new();
    for (s, has) in sites.iter().zip(reports) {
        let n = |k: &str| num(s.json, k).unwrap_or(f64::NAN);
        let name = if *has {
            format!("<a href=\"{}\"><strong>{}</strong></a>", esc(&site_href(&s.name, lang)), esc(&s.name))
        } else {
            format!("<strong>{}</strong> ({})", esc(&s.name), esc(t.missing))
        };
        rows.push(vec![
            format!("{name}<br><span class=\"sub\">{}</span>", esc(&s.region)),
            esc(&count(s.accelerators)),
            esc(&pct(s.utilization)),
            esc(&format!("{} ({})", count(n("idle_accelerator_hours")), pct(n("idle_fraction")))),
            esc(&format!("{} / {}", count(n("moved_in")), count(n("moved_out")))),
            esc(&format!("{} / {}", duration_s(n("wait_p50_s")), duration_s(n("wait_p95_s")))),
            esc(&num(s.json, "pue").map_or("-".into(), |p| fixed(p, 3))),
            esc(&num(s.json, "energy_cost_cny").map_or("-".into(), count)),
            esc(&fixed(n("carbon_t"), 1)),
        ]);
    }
    let headers = [
        lang.pick(("Site (report) / region", "站点(报告)/ 区域")),
        t.accelerators,
        lang.pick(("Utilization", "利用率")),
        lang.pick(("Idle accelerator-hours", "闲置卡时")),
        lang.pick(("Moved in / out", "迁入 / 迁出")),
        lang.pick(("Wait p50 / p95", "等待 中位数 / 95 分位")),
        "PUE",
        lang.pick(("Energy cost, CNY", "电费(元)")),
        lang.pick(("Carbon, t CO₂", "碳排放(吨)")),
    ];
    section("sites", lang.pick(("Sites", "站点")), &table_html(&headers, &rows, &[1, 2, 3, 4, 5, 6, 7, 8]))
}

fn moves_section(f: &Value, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let n = |k: &str| num(f, k).unwrap_or(f64::NAN);
    let mut inner = String::new();
    let items = vec![
        (lang.pick(("Mobile jobs placed", "调度器放置的可迁移作业")), esc(&count(n("moves.placed")))),
        (lang.pick(("Of those, run away from home", "其中迁往其他站点")), esc(&count(n("moves.moved")))),
        (
            lang.pick(("Refused: no site within the latency bound", "拒绝:时延约束内无可用站点")),
            esc(&count(n("moves.no_site_within_bound"))),
        ),
        (lang.pick(("In transfer at the horizon", "结束时仍在传输")), esc(&count(n("moves.in_flight_at_end")))),
        (
            lang.pick(("Submission to arrival of moved jobs, mean / longest", "迁移作业从提交到抵达,平均 / 最长")),
            esc(&format!("{} / {}", duration_s(n("moves.transfer_s_mean")), duration_s(n("moves.transfer_s_max")))),
        ),
        (lang.pick(("Mean wait for the dispatcher", "等待调度器的平均时间")), esc(&duration_s(n("moves.dispatch_delay_s_mean")))),
    ];
    inner.push_str(&dl(&items));
    let mut routes: Vec<&Value> = match at(f, "moves.by_route") {
        Some(Value::Array(a)) => a.iter().collect(),
        _ => Vec::new(),
    };
    routes.sort_by(|a, b| num(b, "jobs").unwrap_or(0.0).total_cmp(&num(a, "jobs").unwrap_or(0.0)));
    if routes.is_empty() {
        let _ = writeln!(inner, "<p>{}</p>", esc(lang.pick(("No job ran away from its home site.", "没有作业迁出本地站点。"))));
    } else {
        let rows: Vec<Vec<String>> = routes
            .iter()
            .map(|r| {
                let n = |k: &str| num(r, k).unwrap_or(f64::NAN);
                vec![
                    esc(text(r, "from").unwrap_or("?")),
                    esc(text(r, "to").unwrap_or("?")),
                    esc(&count(n("jobs"))),
                    esc(&count(n("accelerator_hours"))),
                    esc(&data_gb(n("dataset_gb"))),
                ]
            })
            .collect();
        let headers = [
            lang.pick(("From (home)", "从(本地站点)")),
            lang.pick(("To", "到")),
            lang.pick(("Jobs", "作业数")),
            lang.pick(("Accelerator-hours asked", "申请卡时")),
            lang.pick(("Datasets carried", "传输数据集")),
        ];
        inner.push_str(&table_html(&headers, &rows, &[2, 3, 4]));
    }
    if matches!(at(f, "conservation.ok"), Some(Value::Bool(false))) {
        let _ = writeln!(
            inner,
            "<p class=\"note\">{}</p>",
            esc(lang.pick((
                "Warning: jobs do not add up across the sites (federation.json, conservation).",
                "警告:各站点的作业数不守恒(见 federation.json 的 conservation)。"
            )))
        );
    }
    section("routes", if zh { "作业迁移路线" } else { "Routes of moved jobs" }, &inner)
}

fn links_section(f: &Value, lang: Lang) -> String {
    let n = |k: &str| num(f, k).unwrap_or(f64::NAN);
    let mut inner = String::new();
    let _ = writeln!(
        inner,
        "<p>{}</p>",
        esc(&if lang == Lang::Zh {
            format!("合计 {},{} 次传输,费用 {}。", data_gb(n("wan.gb")), count(n("wan.transfers")), cny(n("wan.cost_cny"), lang))
        } else {
            format!("In all {} in {} transfers, costing {}.", data_gb(n("wan.gb")), count(n("wan.transfers")), cny(n("wan.cost_cny"), lang))
        })
    );
    let links = match at(f, "wan.links") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    let rows: Vec<Vec<String>> = links
        .iter()
        .map(|l| {
            let n = |k: &str| num(l, k).unwrap_or(f64::NAN);
            let (a, b) = (text(l, "a").unwrap_or("?"), text(l, "b").unwrap_or("?"));
            vec![
                esc(&format!("{a} – {b}")),
                esc(&format!("{} ms", fixed(n("rtt_ms"), 1))),
                esc(&format!("{} Gbit/s", fixed(n("bandwidth_gbps"), 0))),
                esc(&data_gb(n("gb_ab"))),
                esc(&data_gb(n("gb_ba"))),
                esc(&format!("{} %", fixed(100.0 * n("busy_fraction"), 2))),
                esc(&count(n("peak_concurrent"))),
                esc(&count(n("cost_cny"))),
            ]
        })
        .collect();
    let headers = [
        lang.pick(("Link (regions a – b)", "链路(区域 a – b)")),
        lang.pick(("RTT", "往返时延")),
        lang.pick(("Bandwidth per direction", "单向带宽")),
        lang.pick(("Carried a → b", "a → b 流量")),
        lang.pick(("Carried b → a", "b → a 流量")),
        lang.pick(("Busy (busier direction)", "繁忙占比(较忙方向)")),
        lang.pick(("Peak transfers at once", "最大并发传输")),
        lang.pick(("Cost, CNY", "费用(元)")),
    ];
    if rows.is_empty() {
        let _ = writeln!(inner, "<p>{}</p>", esc(lang.pick(("No WAN links.", "没有广域网链路。"))));
    } else {
        inner.push_str(&table_html(&headers, &rows, &[1, 2, 3, 4, 5, 6, 7]));
    }
    section("links", lang.pick(("WAN links", "广域网链路")), &inner)
}

fn services_section(f: &Value, lang: Lang) -> String {
    let services = match at(f, "services") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    let inner = if services.is_empty() {
        format!("<p>{}</p>\n", esc(lang.pick(("No site runs an inference service.", "没有站点运行推理服务。"))))
    } else {
        let rows: Vec<Vec<String>> = services
            .iter()
            .map(|s| {
                vec![
                    esc(text(s, "site").unwrap_or("?")),
                    esc(text(s, "service").unwrap_or("?")),
                    esc(&format!("{} ms", fixed(num(s, "rtt_ms").unwrap_or(f64::NAN), 1))),
                    esc(&pct(num(s, "slo_attainment").unwrap_or(f64::NAN))),
                ]
            })
            .collect();
        let headers = [
            lang.pick(("Site", "站点")),
            lang.pick(("Service", "服务")),
            lang.pick(("RTT of its users", "用户往返时延")),
            lang.pick(("Time with p95 latency within target", "p95 时延达标时间占比")),
        ];
        table_html(&headers, &rows, &[2, 3])
    };
    section("services", lang.pick(("Inference services", "推理服务")), &inner)
}

fn provenance_section(f: &Value, lang: Lang) -> String {
    let t = lang.text();
    let n = |k: &str| num(f, k).unwrap_or(f64::NAN);
    let items = vec![
        (t.scenario, esc(text(f, "federation.name").unwrap_or("?"))),
        (
            lang.pick(("Dispatcher / period", "调度器 / 周期")),
            esc(&format!("{} / {}", text(f, "federation.dispatcher").unwrap_or("?"), duration_s(n("federation.dispatch_every_s")))),
        ),
        (t.horizon, esc(&format!("{} / {}", duration_s(n("federation.horizon_s")), duration_s(n("federation.step_s"))))),
        (
            lang.pick(("Sites, regions, WAN links", "站点、区域、广域网链路")),
            esc(&format!("{}, {}, {}", count(n("federation.sites")), count(n("federation.regions")), count(n("federation.links")))),
        ),
        (
            t.files,
            "<code>federation.json</code>, <code>moves.csv</code>, <code>federation.resolved.toml</code>, <code>sites/&lt;name&gt;/</code>"
                .into(),
        ),
        (t.reproduce, "<code>aidc run federation.resolved.toml</code>".into()),
    ];
    section("provenance", t.provenance, &dl(&items))
}
