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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::data::{Columns, at, need, num, read_json, text};
use super::figures::{Named, overlay};
use super::format::{count, duration_s, energy_kwh, fixed, pct};
use super::html::{dl, esc, figure, page, section, write_atomic};
use super::i18n::Lang;
use super::run_page::run_report;
use super::{ReportError, render_figures};

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
    let svgs = render_figures(dir, &figs)?;
    let map = map_svg(&sites, &reports, &regions, &f, lang);
    let mp = dir.join("plots").join("map.svg");
    write_atomic(&mp, map.as_bytes())?;
    let html = federation_html(&f, &sites, &reports, resolved.as_ref(), &map, &figs, &svgs, lang);
    let out = dir.join("report.html");
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

// ---------------------------------------------------------------------------------------------
// The map.

/// Width of the map, px.
const MAP_W: f64 = 960.0;
/// Height of the map area (without the legend strip), px.
const MAP_H: f64 = 600.0;
/// Height of the legend strip under the map, px.
const LEGEND_H: f64 = 140.0;
/// Radius of the largest site's circle, px.
const R_MAX: f64 = 44.0;
/// Widest arrow (the busiest route), px.
const ARROW_MAX: f64 = 12.0;

/// The most one axis of the map is stretched against the other.
const STRETCH: f64 = 1.6;

/// Colour stops of the utilization fill (YlGnBu): 0 %, 50 %, 100 %.
const STOPS: [(f64, [u8; 3]); 3] = [(0.0, [255, 255, 204]), (0.5, [65, 182, 196]), (1.0, [37, 52, 148])];

/// The fill of a utilization (fraction), as "#rrggbb"; grey when unknown.
fn util_color(u: f64) -> String {
    if !u.is_finite() {
        return "#cccccc".into();
    }
    let u = u.clamp(0.0, 1.0);
    let (a, b) = if u <= STOPS[1].0 { (STOPS[0], STOPS[1]) } else { (STOPS[1], STOPS[2]) };
    let t = (u - a.0) / (b.0 - a.0);
    let c = |i: usize| (f64::from(a.1[i]) + t * (f64::from(b.1[i]) - f64::from(a.1[i]))).round() as u8;
    format!("#{:02x}{:02x}{:02x}", c(0), c(1), c(2))
}

/// An equirectangular projection fitted to the places, with a margin. A schematic: x and y
/// are scaled to fill the box, the one at most [`STRETCH`] times the other, so a federation
/// spread north-south does not leave the width empty.
struct Projection {
    k: f64,
    sx: f64,
    sy: f64,
    uc: f64,
    vc: f64,
}

impl Projection {
    fn fit(places: &[(f64, f64)]) -> Projection {
        let pts: Vec<(f64, f64)> = places.iter().copied().filter(|(lat, lon)| lat.is_finite() && lon.is_finite()).collect();
        if pts.is_empty() {
            return Projection { k: 1.0, sx: 1.0, sy: 1.0, uc: 0.0, vc: 0.0 };
        }
        let (lat0, lat1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let k = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.2);
        let (lon0, lon1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
        // At least one degree either way, so one place (or a row of them) is not blown up.
        let du = ((lon1 - lon0) * k).max(1.0);
        let dv = (lat1 - lat0).max(1.0);
        let (mx, my) = (110.0, 80.0);
        let (sx, sy) = ((MAP_W - 2.0 * mx) / du, (MAP_H - 2.0 * my) / dv);
        let (sx, sy) = (sx.min(sy * STRETCH), sy.min(sx * STRETCH));
        Projection { k, sx, sy, uc: (lon0 + lon1) / 2.0 * k, vc: (lat0 + lat1) / 2.0 }
    }

    fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        if !(lat.is_finite() && lon.is_finite()) {
            return (MAP_W / 2.0, MAP_H / 2.0);
        }
        (MAP_W / 2.0 + (lon * self.k - self.uc) * self.sx, MAP_H / 2.0 - (lat - self.vc) * self.sy)
    }
}

/// A point of the quadratic Bézier curve p0, c, p1 at t.
fn bezier(p0: (f64, f64), c: (f64, f64), p1: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (u * u * p0.0 + 2.0 * u * t * c.0 + t * t * p1.0, u * u * p0.1 + 2.0 * u * t * c.1 + t * t * p1.1)
}

/// Whether two boxes (x0, y0, x1, y1) overlap.
fn overlaps(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Text with a white halo, so it reads over lines.
fn label(o: &mut String, x: f64, y: f64, size: f64, extra: &str, s: &str) {
    let _ = writeln!(
        o,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\"{extra}>{}</text>",
        esc(s)
    );
}

/// The schematic map as an SVG document.
fn map_svg(sites: &[Site], reports: &[bool], regions: &[Region], f: &Value, lang: Lang) -> String {
    let proj = Projection::fit(&regions.iter().map(|r| (r.lat, r.lon)).chain(sites.iter().map(|s| (s.lat, s.lon))).collect::<Vec<_>>());
    let region_xy: BTreeMap<&str, (f64, f64)> = regions.iter().map(|r| (r.name.as_str(), proj.xy(r.lat, r.lon))).collect();
    let max_acc = sites.iter().map(|s| s.accelerators).fold(0.0, f64::max);
    let radius = |acc: f64| if max_acc > 0.0 { (R_MAX * (acc.max(0.0) / max_acc).sqrt()).max(5.0) } else { 10.0 };
    // Sites of one region sit on a ring around its point.
    let mut pos: Vec<(f64, f64)> = Vec::with_capacity(sites.len());
    for (i, s) in sites.iter().enumerate() {
        let centre = region_xy.get(s.region.as_str()).copied().unwrap_or_else(|| proj.xy(s.lat, s.lon));
        let peers: Vec<usize> = (0..sites.len()).filter(|&j| sites[j].region == s.region).collect();
        if peers.len() > 1 {
            let k = peers.iter().position(|&j| j == i).unwrap_or(0) as f64;
            let ring = R_MAX * 0.9 + 8.0;
            let a = std::f64::consts::TAU * k / peers.len() as f64 - std::f64::consts::FRAC_PI_2;
            pos.push((centre.0 + ring * a.cos(), centre.1 + ring * a.sin()));
        } else {
            pos.push(centre);
        }
    }
    let index: BTreeMap<&str, usize> = sites.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let height = MAP_H + LEGEND_H;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{MAP_W}\" height=\"{height}\" viewBox=\"0 0 {MAP_W} {height}\" font-family=\"system-ui,'Segoe UI','Noto Sans','PingFang SC','Microsoft YaHei',sans-serif\" role=\"img\">"
    );
    let _ = writeln!(o, "<rect x=\"0\" y=\"0\" width=\"{MAP_W}\" height=\"{MAP_H}\" fill=\"#f7f9fc\"/>");
    // Boxes (x0, y0, x1, y1) already covered: circles, the two label lines under each, and
    // (below) the links' RTT labels. Counts on arrows are placed clear of them where they can be.
    let mut taken: Vec<(f64, f64, f64, f64)> = Vec::new();
    for (s, &(x, y)) in sites.iter().zip(&pos) {
        let r = radius(s.accelerators);
        let w = (4.5 * s.name.chars().count() as f64).max(48.0);
        taken.push((x - r, y - r, x + r, y + r));
        taken.push((x - w, y + r + 2.0, x + w, y + r + 34.0));
    }
    // WAN links.
    let _ = writeln!(o, "<g class=\"links\">");
    let links = match at(f, "wan.links") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    for l in links {
        let (Some(a), Some(b)) = (text(l, "a").and_then(|a| region_xy.get(a)), text(l, "b").and_then(|b| region_xy.get(b))) else {
            continue;
        };
        let _ = writeln!(
            o,
            "<line class=\"link\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8a94a6\" stroke-width=\"1\" stroke-dasharray=\"5 3\"/>",
            a.0, a.1, b.0, b.1
        );
        let rtt = num(l, "rtt_ms").unwrap_or(f64::NAN);
        let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        taken.push((mx - 22.0, my - 6.0, mx + 22.0, my + 6.0));
        label(&mut o, mx, my + 4.0, 11.0, " fill=\"#5a6478\"", &format!("{} ms", fixed(rtt, 1)));
    }
    let _ = writeln!(o, "</g>");
    // Regions without a site (users only).
    for r in regions.iter().filter(|r| !sites.iter().any(|s| s.region == r.name)) {
        let (x, y) = region_xy[r.name.as_str()];
        let _ = writeln!(o, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#8a94a6\"/>", x - 5.0, y - 5.0);
        label(&mut o, x, y + 20.0, 12.0, " fill=\"#5a6478\"", &r.name);
    }
    // Routes of moved jobs.
    let routes = match at(f, "moves.by_route") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    let max_jobs = routes.iter().filter_map(|r| num(r, "jobs")).fold(0.0, f64::max);
    let _ = writeln!(o, "<g class=\"routes\">");
    let mut route_labels = String::new();
    for r in routes {
        let (Some(&i), Some(&j)) = (text(r, "from").and_then(|a| index.get(a)), text(r, "to").and_then(|b| index.get(b))) else { continue };
        let jobs = num(r, "jobs").unwrap_or(0.0);
        if i == j || jobs <= 0.0 {
            continue;
        }
        let (p0, p1) = (pos[i], pos[j]);
        let d = dist(p0, p1).max(1e-6);
        let nrm = ((p0.1 - p1.1) / d, (p1.0 - p0.0) / d);
        let bend = 0.16 * d;
        let c = ((p0.0 + p1.0) / 2.0 + nrm.0 * bend, (p0.1 + p1.1) / 2.0 + nrm.1 * bend);
        let (r0, r1) = (radius(sites[i].accelerators) + 3.0, radius(sites[j].accelerators) + 3.0);
        let samples: Vec<(f64, f64)> = (0..=200).map(|k| bezier(p0, c, p1, f64::from(k) / 200.0)).collect();
        let first = samples.iter().position(|p| dist(*p, p0) > r0).unwrap_or(0);
        let last = samples.iter().rposition(|p| dist(*p, p1) > r1).unwrap_or(samples.len() - 1);
        if last <= first + 2 {
            continue;
        }
        let w = (ARROW_MAX * jobs / max_jobs).max(1.0);
        let tip = samples[last];
        let back = samples[last.saturating_sub(4).max(first)];
        let len = dist(tip, back).max(1e-6);
        let dir = ((tip.0 - back.0) / len, (tip.1 - back.1) / len);
        let head = 7.0 + 1.4 * w;
        let half = 3.5 + 0.9 * w;
        // The line stops inside the head, so a wide line does not show past the tip.
        let stop = (tip.0 - dir.0 * head * 0.8, tip.1 - dir.1 * head * 0.8);
        let mut path = String::new();
        for p in samples[first..=last].iter().filter(|p| dist(**p, tip) >= head * 0.8) {
            let _ = write!(path, "{}{:.1},{:.1}", if path.is_empty() { "M" } else { " L" }, p.0, p.1);
        }
        let _ = write!(path, " L{:.1},{:.1}", stop.0, stop.1);
        let from = &sites[i].name;
        let to = &sites[j].name;
        let title = if lang == Lang::Zh {
            format!("{from} → {to}:{} 个作业,{} 卡时", count(jobs), count(num(r, "accelerator_hours").unwrap_or(0.0)))
        } else {
            format!("{from} → {to}: {} jobs, {} accelerator-hours", count(jobs), count(num(r, "accelerator_hours").unwrap_or(0.0)))
        };
        let _ = writeln!(
            o,
            "<g class=\"route\"><title>{}</title><path d=\"{path}\" fill=\"none\" stroke=\"#e6550d\" stroke-opacity=\"0.78\" stroke-width=\"{w:.2}\" stroke-linecap=\"butt\"/>",
            esc(&title)
        );
        let base = (tip.0 - dir.0 * head, tip.1 - dir.1 * head);
        let _ = writeln!(
            o,
            "<polygon class=\"arrowhead\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"#e6550d\" fill-opacity=\"0.9\"/></g>",
            tip.0,
            tip.1,
            base.0 - dir.1 * half,
            base.1 + dir.0 * half,
            base.0 + dir.1 * half,
            base.1 - dir.0 * half
        );
        // The count goes on the visible part of the arrow, where it covers no circle, site
        // label or other count if it can.
        let text = count(jobs);
        let half_w = 3.6 * text.chars().count() as f64 + 3.0;
        let boxed = |p: (f64, f64)| (p.0 - half_w, p.1 - 8.0, p.0 + half_w, p.1 + 6.0);
        let at_share = |share: f64| samples[first + ((last - first) as f64 * share) as usize];
        let m = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
            .into_iter()
            .map(at_share)
            .find(|p| !taken.iter().any(|b| overlaps(*b, boxed(*p))))
            .unwrap_or_else(|| at_share(0.5));
        taken.push(boxed(m));
        label(&mut route_labels, m.0, m.1 + 4.0, 12.0, " fill=\"#a63603\" font-weight=\"600\"", &text);
    }
    let _ = writeln!(o, "</g>");
    // Sites.
    let _ = writeln!(o, "<g class=\"sites\">");
    for ((s, &(x, y)), has_report) in sites.iter().zip(&pos).zip(reports) {
        let r = radius(s.accelerators);
        let title = if lang == Lang::Zh {
            format!("{}({}):{} 张加速卡,利用率 {}", s.name, s.region, count(s.accelerators), pct(s.utilization))
        } else {
            format!("{} ({}): {} accelerators, utilization {}", s.name, s.region, count(s.accelerators), pct(s.utilization))
        };
        let circle = format!(
            "<circle class=\"site\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\" stroke=\"#1f2a44\" stroke-width=\"1.2\"><title>{}</title></circle>",
            util_color(s.utilization),
            esc(&title)
        );
        if *has_report {
            let _ = writeln!(o, "<a href=\"{}\">{circle}</a>", esc(&site_href(&s.name)));
        } else {
            let _ = writeln!(o, "{circle}");
        }
    }
    let _ = writeln!(o, "</g>");
    o.push_str(&route_labels);
    for (s, &(x, y)) in sites.iter().zip(&pos) {
        let r = radius(s.accelerators);
        label(&mut o, x, y + r + 15.0, 14.0, " font-weight=\"700\" fill=\"#1f2a44\"", &s.name);
        let util = format!("{} · {}", pct(s.utilization), count(s.accelerators));
        label(&mut o, x, y + r + 30.0, 12.0, " fill=\"#1f2a44\"", &util);
    }
    legend(&mut o, max_acc, max_jobs, lang);
    o.push_str("</svg>\n");
    o
}

/// The legend strip under the map, in four columns: the utilization scale, circle sizes (true
/// scale), arrows and links.
fn legend(o: &mut String, max_acc: f64, max_jobs: f64, lang: Lang) {
    let y0 = MAP_H;
    let zh = lang == Lang::Zh;
    let _ = writeln!(o, "<g class=\"legend\" font-size=\"12\" fill=\"#333\">");
    let heading = |o: &mut String, x: f64, lines: (&str, &str, &str, &str)| {
        let (a, b) = if zh { (lines.2, lines.3) } else { (lines.0, lines.1) };
        let _ = writeln!(o, "<text x=\"{x}\" y=\"{:.0}\" font-weight=\"600\">{}</text>", y0 + 18.0, esc(a));
        let _ = writeln!(o, "<text x=\"{x}\" y=\"{:.0}\">{}</text>", y0 + 33.0, esc(b));
    };
    heading(o, 20.0, ("Fill", "allocated utilization", "填色", "分配利用率"));
    let _ = writeln!(
        o,
        "<defs><linearGradient id=\"aidc-util-scale\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">{}</linearGradient></defs>",
        (0..=10)
            .map(|i| format!("<stop offset=\"{}\" stop-color=\"{}\"/>", f64::from(i) / 10.0, util_color(f64::from(i) / 10.0)))
            .collect::<String>()
    );
    let _ =
        writeln!(o, "<rect x=\"20\" y=\"{:.0}\" width=\"200\" height=\"14\" fill=\"url(#aidc-util-scale)\" stroke=\"#999\"/>", y0 + 44.0);
    for (i, t) in ["0 %", "50 %", "100 %"].iter().enumerate() {
        let anchor = ["start", "middle", "end"][i];
        let _ = writeln!(o, "<text x=\"{}\" y=\"{:.0}\" text-anchor=\"{anchor}\">{t}</text>", 20 + 100 * i, y0 + 74.0);
    }
    heading(o, 260.0, ("Circle area", "accelerators (true scale)", "圆面积", "加速卡数(实际比例)"));
    if max_acc > 0.0 {
        // The largest site and a quarter of it, on one baseline.
        let base = y0 + 44.0 + 2.0 * R_MAX;
        let mut x = 262.0;
        for share in [1.0_f64, 0.25] {
            let r = (R_MAX * share.sqrt()).max(5.0);
            let _ = writeln!(
                o,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"none\" stroke=\"#1f2a44\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + r,
                base - r,
                x + 2.0 * r + 5.0,
                base - 2.0,
                esc(&count(max_acc * share))
            );
            x += 2.0 * r + 52.0;
        }
    }
    heading(o, 500.0, ("Arrows: jobs moved", "width proportional to jobs", "箭头:迁移的作业", "宽度正比于作业数"));
    let _ = writeln!(
        o,
        "<line x1=\"500\" y1=\"{0:.0}\" x2=\"560\" y2=\"{0:.0}\" stroke=\"#e6550d\" stroke-opacity=\"0.78\" stroke-width=\"{ARROW_MAX}\"/><text x=\"568\" y=\"{1:.0}\">{2}</text>",
        y0 + 54.0,
        y0 + 58.0,
        esc(&if zh { format!("{} 个作业", count(max_jobs)) } else { format!("{} jobs", count(max_jobs)) })
    );
    let _ = writeln!(
        o,
        "<line x1=\"500\" y1=\"{0:.0}\" x2=\"560\" y2=\"{0:.0}\" stroke=\"#e6550d\" stroke-opacity=\"0.78\" stroke-width=\"1\"/><text x=\"568\" y=\"{1:.0}\">{2}</text>",
        y0 + 78.0,
        y0 + 82.0,
        esc(if zh { "最细 1 px" } else { "thinnest 1 px" })
    );
    heading(o, 740.0, ("Dashed: WAN link", "labelled with round-trip time", "虚线:广域网链路", "标注往返时延"));
    let _ = writeln!(o, "<line x1=\"740\" y1=\"{0:.0}\" x2=\"840\" y2=\"{0:.0}\" stroke=\"#8a94a6\" stroke-dasharray=\"5 3\"/>", y0 + 54.0);
    let _ = writeln!(o, "</g>");
}

// ---------------------------------------------------------------------------------------------
// The page.

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

/// The link from the federation's page to a site's report.
fn site_href(name: &str) -> String {
    format!("sites/{}/report.html", href_segment(name))
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

#[allow(clippy::too_many_arguments)]
fn federation_html(
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
    let rows: [(&str, &str, &str, Fmt, Fmt); 12] = [
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
        ("cost_cny_per_accelerator_hour", "Cost per accelerator-hour, CNY", "每卡时成本(元)", |v| fixed(v, 3), (|d| signed(d, 3))),
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
            format!("<a href=\"{}\"><strong>{}</strong></a>", esc(&site_href(&s.name)), esc(&s.name))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_pale_to_dark() {
        assert_eq!(util_color(0.0), "#ffffcc");
        assert_eq!(util_color(0.5), "#41b6c4");
        assert_eq!(util_color(1.0), "#253494");
        assert_eq!(util_color(2.0), "#253494");
        assert_eq!(util_color(f64::NAN), "#cccccc");
    }

    #[test]
    fn projection_fits_the_box_with_margins() {
        let places = [(31.0, 118.0), (41.0, 113.0), (26.0, 106.0)];
        let p = Projection::fit(&places);
        for (lat, lon) in places {
            let (x, y) = p.xy(lat, lon);
            assert!((100.0..=MAP_W - 100.0).contains(&x) && (70.0..=MAP_H - 70.0).contains(&y), "({x}, {y})");
        }
        // North is up, east is right.
        assert!(p.xy(41.0, 113.0).1 < p.xy(26.0, 106.0).1);
        assert!(p.xy(31.0, 118.0).0 > p.xy(26.0, 106.0).0);
        // One place sits in the middle.
        let one = Projection::fit(&[(30.0, 100.0)]);
        assert_eq!(one.xy(30.0, 100.0), (MAP_W / 2.0, MAP_H / 2.0));
    }

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
