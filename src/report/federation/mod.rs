//! The report of a federation (`aidc run FEDERATION.toml`): the answer first (cross-hub
//! scheduling against the local-only baseline), a schematic map of the sites, the load of each
//! site over time, then tables of the sites, the routes of moved jobs, the WAN links and the
//! services. Each site's own run report is written into `sites/<name>/` and linked.
//!
//! ## How it works
//! federation.json is read as data by dotted key ([`super::data`]), like every report; the
//! regions' coordinates come from federation.resolved.toml where present (a region may hold
//! users and no site), otherwise from the sites. The map is an inline SVG drawn here: an
//! equirectangular projection (x = longitude x cos(mid latitude), y = latitude) fitted to the
//! bounding box of the places with a margin; circle area proportional to a site's accelerators,
//! fill by its allocated utilization; WAN links as thin lines labelled with their RTT; moved
//! jobs as curved arrows (A to B and B to A bend apart) whose width is proportional to the jobs
//! moved. The load plots overlay the sites' timeseries.csv columns, downsampled
//! ([`super::figures::overlay`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::data::{Columns, at, need, num, read_json, text};
use super::figures::{Named, overlay};
use super::format::{count, duration_s, fixed, pct};
use super::html::{esc, write_atomic};
use super::i18n::Lang;
use super::run_page::run_report;
use super::{ReportError, page_name, render_figures};

mod map;
mod page;

/// The timeseries.csv columns of each site the load plots use.
const SITE_COLUMNS: [&str; 4] = ["time_s", "utilization_allocated", "it_power_kw", "queue_length"];

/// One site as the page shows it.
struct Site<'a> {
    name: String,
    region: String,
    lat: f64,
    lon: f64,
    accelerators: f64,
    utilization: f64,
    json: &'a Value,
}

/// A place on the map: a region's name and coordinates.
#[derive(Debug, Clone, PartialEq)]
struct Region {
    name: String,
    lat: f64,
    lon: f64,
}

/// Whether a site name is safe as one folder name under sites/.
fn safe_name(n: &str) -> bool {
    !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\', '\0'])
}

fn read_sites<'a>(path: &Path, f: &'a Value) -> Result<Vec<Site<'a>>, ReportError> {
    let Some(Value::Array(list)) = at(f, "sites") else {
        return Err(ReportError::Malformed { path: path.to_path_buf(), msg: "no `sites` list".into() });
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let name = text(s, "name").unwrap_or("");
        if !safe_name(name) {
            return Err(ReportError::Malformed {
                path: path.to_path_buf(),
                msg: format!("sites[{i}].name {name:?} is not a folder name under sites/"),
            });
        }
        out.push(Site {
            name: name.to_string(),
            region: text(s, "region").unwrap_or("").to_string(),
            lat: num(s, "latitude").unwrap_or(f64::NAN),
            lon: num(s, "longitude").unwrap_or(f64::NAN),
            accelerators: num(s, "accelerators").unwrap_or(0.0),
            utilization: num(s, "utilization_allocated").unwrap_or(f64::NAN),
            json: s,
        });
    }
    Ok(out)
}

/// The regions of federation.resolved.toml, or those of the sites when it is absent.
fn read_regions(dir: &Path, sites: &[Site]) -> Result<(Vec<Region>, Option<toml::Value>), ReportError> {
    let p = dir.join("federation.resolved.toml");
    let resolved: Option<toml::Value> = if p.is_file() {
        let t = std::fs::read_to_string(&p).map_err(ReportError::read(&p))?;
        Some(toml::from_str(&t).map_err(|e| ReportError::Malformed { path: p.clone(), msg: format!("not valid TOML: {e}") })?)
    } else {
        None
    };
    let mut regions: Vec<Region> = Vec::new();
    for r in resolved.as_ref().and_then(|v| v.get("regions")).and_then(toml::Value::as_array).into_iter().flatten() {
        let f = |k: &str| r.get(k).and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64))).unwrap_or(f64::NAN);
        if let Some(name) = r.get("name").and_then(toml::Value::as_str) {
            regions.push(Region { name: name.to_string(), lat: f("latitude"), lon: f("longitude") });
        }
    }
    for s in sites {
        if !regions.iter().any(|r| r.name == s.region) {
            regions.push(Region { name: s.region.clone(), lat: s.lat, lon: s.lon });
        }
    }
    Ok((regions, resolved))
}

/// Writes `report.html` (and plots/) into a federation's output folder, and each site's own
/// report into `sites/<name>/`; returns the page's path.
pub fn federation_report(dir: &Path, lang: Lang) -> Result<PathBuf, ReportError> {
    let fp = need(dir, "federation.json", "not a federation's output folder; `aidc run FEDERATION.toml` writes it")?;
    let f = read_json(&fp)?;
    let sites = read_sites(&fp, &f)?;
    let (regions, resolved) = read_regions(dir, &sites)?;
    let mut reports = Vec::with_capacity(sites.len());
    let mut series: Vec<(String, Columns)> = Vec::new();
    for s in &sites {
        let sd = dir.join("sites").join(&s.name);
        let has = sd.join("summary.json").is_file();
        if has {
            run_report(&sd, lang)?;
        }
        reports.push(has);
        if sd.join("timeseries.csv").is_file() {
            series.push((s.name.clone(), Columns::read(&sd.join("timeseries.csv"), &SITE_COLUMNS)?));
        }
    }
    let figs = load_figures(&series);
    let svgs = render_figures(dir, &figs, lang)?;
    let map = map::map_svg(&sites, &reports, &regions, &f, lang);
    let mp = dir.join("plots").join("map.svg");
    write_atomic(&mp, map.as_bytes())?;
    let html = page::federation_html(&f, &sites, &reports, resolved.as_ref(), &map, &figs, &svgs, lang);
    let out = dir.join(page_name(lang));
    write_atomic(&out, html.as_bytes())?;
    Ok(out)
}

/// The load of each site over time, one line per site.
fn load_figures(series: &[(String, Columns)]) -> Vec<Named> {
    let runs: Vec<(&str, &Columns)> = series.iter().map(|(n, c)| (n.as_str(), c)).collect();
    let mut out = Vec::new();
    let mut add = |name: &str, fig| {
        if let Some(fig) = fig {
            out.push(Named { name: name.to_string(), fig });
        }
    };
    add("sites_utilization", overlay("Allocated utilization by site", "allocated accelerators (%)", "utilization_allocated", 100.0, &runs));
    add("sites_it_power", overlay("IT power by site", "IT power (kW)", "it_power_kw", 1.0, &runs));
    add("sites_queue", overlay("Queued jobs by site", "queued jobs", "queue_length", 1.0, &runs));
    out
}

fn caption(name: &str, lang: Lang) -> &'static str {
    lang.pick(match name {
        "sites_utilization" => (
            "Share of each site's installed accelerators allocated to jobs (means per pixel of the sampled values), one line per site.",
            "各站点已分配加速卡占安装总数的比例(每像素采样均值),每个站点一条曲线。",
        ),
        "sites_it_power" => ("IT power of each site's servers.", "各站点服务器的 IT 功率。"),
        "sites_queue" => ("Jobs waiting in each site's queue.", "各站点排队等待的作业数。"),
        _ => ("", ""),
    })
}

/// A signed number: "+1.5", "-0.2", "0.0".
fn signed(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{s}") } else { s }
}

/// A signed duration: "+12.5 min", "-3.6 d".
fn signed_duration(s: f64) -> String {
    let d = duration_s(s.abs());
    if d == "0 s" || !s.is_finite() {
        d
    } else if s < 0.0 {
        format!("-{d}")
    } else {
        format!("+{d}")
    }
}

/// A data volume in decimal units: "850.0 GB", "707.2 TB", "1.25 PB".
fn data_gb(gb: f64) -> String {
    if gb.abs() >= 1e6 {
        format!("{} PB", fixed(gb / 1e6, 2))
    } else if gb.abs() >= 1e3 {
        format!("{} TB", fixed(gb / 1e3, 1))
    } else {
        format!("{} GB", fixed(gb, 1))
    }
}

fn cny(v: f64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} CNY", count(v)),
        Lang::Zh => format!("{} 元", count(v)),
    }
}

/// Cost per accelerator-hour, three decimals.
fn cny3(v: f64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("{} CNY", fixed(v, 3)),
        Lang::Zh => format!("{} 元", fixed(v, 3)),
    }
}

/// "(a → b)".
fn from_to(a: &str, b: &str) -> String {
    format!("({a} → {b})")
}

/// The first paragraph: the comparison with local-only scheduling, or the totals when the run
/// has no baseline. HTML.
fn answer(f: &Value, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let n = |k: &str| num(f, k).unwrap_or(f64::NAN);
    let dispatcher = esc(text(f, "federation.dispatcher").unwrap_or("?"));
    let sites = n("federation.sites");
    let priced = n("totals.priced_sites");
    let wan = if zh {
        format!("广域网流量 {},费用 {}", data_gb(n("wan.gb")), cny(n("wan.cost_cny"), lang))
    } else {
        format!("WAN traffic {} costing {}", data_gb(n("wan.gb")), cny(n("wan.cost_cny"), lang))
    };
    let priced_note = if priced > 0.0 && priced < sites {
        if zh {
            format!("({} 个站点中 {} 个计价)", count(sites), count(priced))
        } else {
            format!(" ({} of {} sites priced)", count(priced), count(sites))
        }
    } else {
        String::new()
    };
    let no_carbon = lang.pick(("no carbon counted (0 t at every site)", "未计碳排放(各站点均为 0 吨)"));
    let has_baseline = matches!(at(f, "baseline"), Some(Value::Object(_))) && matches!(at(f, "vs_baseline"), Some(Value::Object(_)));
    let mut parts: Vec<String> = Vec::new();
    let head;
    if has_baseline {
        head = if zh {
            format!("跨枢纽调度(调度器 <code>{dispatcher}</code>)对比仅本地调度:")
        } else {
            format!("Cross-hub scheduling (dispatcher <code>{dispatcher}</code>) vs local-only:")
        };
        let (u0, u1) = (n("baseline.utilization_allocated"), n("totals.utilization_allocated"));
        let du = n("vs_baseline.utilization_allocated");
        parts.push(if zh {
            format!("利用率 <strong>{} 个百分点</strong>{}", signed(100.0 * du, 1), from_to(&pct(u0), &pct(u1)))
        } else {
            format!("utilization <strong>{} points</strong> {}", signed(100.0 * du, 1), from_to(&pct(u0), &pct(u1)))
        });
        let di = n("vs_baseline.idle_accelerator_hours");
        parts.push(match (zh, di <= 0.0) {
            (false, true) => format!("<strong>{}</strong> accelerator-hours of idle capacity recovered", count(-di)),
            (false, false) => format!("<strong>{}</strong> accelerator-hours more left idle", count(di)),
            (true, true) => format!("回收闲置算力 <strong>{}</strong> 卡时", count(-di)),
            (true, false) => format!("闲置算力增加 <strong>{}</strong> 卡时", count(di)),
        });
        if priced > 0.0 {
            let (c0, c1) = (n("baseline.cost_cny_per_accelerator_hour"), n("totals.cost_cny_per_accelerator_hour"));
            let dc = n("vs_baseline.cost_cny_per_accelerator_hour");
            let unit = if zh { " 元" } else { " CNY" };
            let (e0, e1) = (n("baseline.energy_cost_cny_per_accelerator_hour"), n("totals.energy_cost_cny_per_accelerator_hour"));
            let de = n("vs_baseline.energy_cost_cny_per_accelerator_hour");
            parts.push(if zh {
                format!("每卡时电费 <strong>{}{unit}</strong>{}", signed(de, 3), from_to(&cny3(e0, lang), &cny3(e1, lang)))
            } else {
                format!(
                    "energy cost per accelerator-hour <strong>{}{unit}</strong> {}",
                    signed(de, 3),
                    from_to(&cny3(e0, lang), &cny3(e1, lang))
                )
            });
            parts.push(if zh {
                format!(
                    "每卡时成本(电费与广域网) <strong>{}{unit}</strong>{}{priced_note}",
                    signed(dc, 3),
                    from_to(&cny3(c0, lang), &cny3(c1, lang))
                )
            } else {
                format!(
                    "cost per accelerator-hour (energy and WAN) <strong>{}{unit}</strong> {}{priced_note}",
                    signed(dc, 3),
                    from_to(&cny3(c0, lang), &cny3(c1, lang))
                )
            });
        } else {
            parts.push(lang.pick(("cost not priced (no site has a [grid] tariff)", "未计电费(没有站点设置 [grid] 电价)")).to_string());
        }
        let (k0, k1) = (n("baseline.carbon_kg_per_accelerator_hour"), n("totals.carbon_kg_per_accelerator_hour"));
        let dk = n("vs_baseline.carbon_kg_per_accelerator_hour");
        let kg = |v: f64| format!("{} kg", fixed(v, 3));
        parts.push(if !(n("totals.carbon_t") > 0.0 || n("baseline.carbon_t") > 0.0) {
            no_carbon.to_string()
        } else if zh {
            format!("每卡时碳排放 <strong>{} kg CO₂</strong>{}", signed(dk, 3), from_to(&kg(k0), &kg(k1)))
        } else {
            format!("carbon per accelerator-hour <strong>{} kg CO₂</strong> {}", signed(dk, 3), from_to(&kg(k0), &kg(k1)))
        });
        parts.push(wan);
        let (w0, w1) = (n("baseline.wait_mean_s"), n("totals.wait_mean_s"));
        let dw = n("vs_baseline.wait_mean_s");
        parts.push(if zh {
            format!("平均排队等待 <strong>{}</strong>{}", signed_duration(dw), from_to(&duration_s(w0), &duration_s(w1)))
        } else {
            format!("mean wait <strong>{}</strong> {}", signed_duration(dw), from_to(&duration_s(w0), &duration_s(w1)))
        });
        let dj = n("vs_baseline.jobs_completed");
        parts.push(if zh { format!("完成作业 {}", signed(dj, 0)) } else { format!("jobs completed {}", signed(dj, 0)) });
    } else {
        head = if zh {
            format!(
                "本次运行没有仅本地调度的基线(调度器 <code>{dispatcher}</code>;场景设 <code>baseline = true</code> 且调度器不是 local-only 时才运行基线)。全部站点合计:"
            )
        } else {
            format!(
                "No local-only baseline in this run (dispatcher <code>{dispatcher}</code>; the baseline runs when the federation sets <code>baseline = true</code> and its dispatcher is not local-only). Totals over the sites:"
            )
        };
        parts.push(format!("{} <strong>{}</strong>", lang.pick(("utilization", "利用率")), pct(n("totals.utilization_allocated"))));
        parts.push(if zh {
            format!("闲置算力 <strong>{}</strong> 卡时", count(n("totals.idle_accelerator_hours")))
        } else {
            format!("<strong>{}</strong> accelerator-hours idle", count(n("totals.idle_accelerator_hours")))
        });
        if priced > 0.0 {
            parts.push(format!(
                "{} <strong>{}</strong>{priced_note}",
                lang.pick(("cost per accelerator-hour (energy and WAN)", "每卡时成本(电费与广域网)")),
                cny3(n("totals.cost_cny_per_accelerator_hour"), lang)
            ));
        } else {
            parts.push(lang.pick(("cost not priced (no site has a [grid] tariff)", "未计电费(没有站点设置 [grid] 电价)")).to_string());
        }
        parts.push(if n("totals.carbon_t") > 0.0 {
            format!(
                "{} <strong>{} kg CO₂</strong>",
                lang.pick(("carbon per accelerator-hour", "每卡时碳排放")),
                fixed(n("totals.carbon_kg_per_accelerator_hour"), 3)
            )
        } else {
            no_carbon.to_string()
        });
        parts.push(wan);
        parts.push(format!("{} <strong>{}</strong>", lang.pick(("mean wait", "平均排队等待")), duration_s(n("totals.wait_mean_s"))));
        parts.push(if zh {
            format!("完成作业 {} / 提交 {}", count(n("totals.jobs_completed")), count(n("totals.jobs_submitted")))
        } else {
            format!("{} of {} jobs completed", count(n("totals.jobs_completed")), count(n("totals.jobs_submitted")))
        });
    }
    let sep = if zh { "," } else { ", " };
    let end = if zh { "。" } else { "." };
    format!("<span style=\"color:#222;font-size:1.12em\"><strong>{head}</strong> {}{end}</span>", parts.join(sep))
}

/// The link from the federation's page to a site's report.
fn site_href(name: &str, lang: Lang) -> String {
    format!("sites/{}/{}", href_segment(name), page_name(lang))
}

/// A folder name as one segment of a relative link.
fn href_segment(name: &str) -> String {
    let mut o = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            o.push(char::from(b));
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_for_people() {
        assert_eq!(data_gb(707_160.0), "707.2 TB");
        assert_eq!(data_gb(520.0), "520.0 GB");
        assert_eq!(data_gb(2_500_000.0), "2.50 PB");
        assert_eq!(signed(0.0138 * 100.0, 1), "+1.4");
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(signed_duration(-310_527.0), "-3.6 d");
        assert_eq!(href_segment("a b/é"), "a%20b%2F%C3%A9");
        assert!(!safe_name("..") && !safe_name("a/b") && safe_name("ulanqab"));
    }
}
