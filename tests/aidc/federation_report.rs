//! The report of a federation end to end: a week of three small sites (an overloaded east, an
//! idle west and north) run with `--report`. The page leads with the comparison against
//! local-only scheduling in the numbers of federation.json as the page formats them; its map has
//! one circle per site (area proportional to accelerators) and one arrow per route; the load
//! plots and each site's own report are written and linked; nothing is fetched from a network;
//! `aidc report DIR` rewrites the same page; Chinese works; a run without a baseline says so.

use std::fs;
use std::path::{Path, PathBuf};

use aidc::report::format::{count, pct};
use serde_json::Value;

use crate::support::*;

/// One site: `racks` racks of 2 nodes of 8 H100, pretraining jobs of 8-16 accelerators at `rate`.
fn site(name: &str, racks: u32, rate: &str) -> String {
    format!(
        r#"name = "{name}"
[simulation]
horizon = "7d"
step = "10m"
seed = 5
[[node_types]]
name = "n8"
accelerator = "H100-SXM"
accelerators = 8
[[halls]]
name = "H"
[[halls.racks]]
count = {racks}
nodes = 2
node_type = "n8"
[[workload.classes]]
name = "train"
kind = "pretrain"
rate = "{rate}"
size = {{ dist = "power2", min = 8, max = 16, alpha = 0.5 }}
duration = {{ dist = "lognormal", median = "6h", sigma = 0.8, max = "2d" }}
[scheduler]
policy = "fifo"
"#
    )
}

/// The federation: three regions placed by coordinates, one site each, training jobs may move.
fn federation(dispatcher: &str) -> String {
    format!(
        r#"[federation]
name = "tiny"
horizon = "7d"
dispatcher = "{dispatcher}"

[[regions]]
name = "coast"
latitude = 31.2
longitude = 121.5

[[regions]]
name = "desert"
latitude = 37.5
longitude = 105.2

[[regions]]
name = "steppe"
latitude = 41.0
longitude = 113.1

[[sites]]
name = "east"
region = "coast"
path = "east.toml"

[[sites]]
name = "west"
region = "desert"
path = "west.toml"

[[sites]]
name = "north"
region = "steppe"
path = "north.toml"

[[classes]]
name = "train"
dataset = "500GB"
result = "50GB"
"#
    )
}

const SITES: [&str; 3] = ["east", "west", "north"];

/// Runs the federation with `--report` into `tmp/out`; returns the output folder.
fn run(tmp: &Path, dispatcher: &str) -> PathBuf {
    fs::write(tmp.join("east.toml"), site("east", 2, "20/d")).unwrap();
    fs::write(tmp.join("west.toml"), site("west", 3, "1/d")).unwrap();
    fs::write(tmp.join("north.toml"), site("north", 2, "2/d")).unwrap();
    let fed = tmp.join("fed.toml");
    fs::write(&fed, federation(dispatcher)).unwrap();
    let out = tmp.join("out");
    let o = aidc(["run", s(&fed), "--out", s(&out), "--quiet", "--report"]);
    assert_ok(&o);
    out
}

fn num(v: &Value, path: &str) -> f64 {
    path.split('.').fold(v, |v, k| &v[k]).as_f64().unwrap_or_else(|| panic!("no number at {path}"))
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).unwrap_or_else(|| panic!("no {start:?}"));
    let j = text[i..].find(end).unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    &text[i..i + j]
}

/// The radius of the map's circle for `site` (its title starts with the site's name).
fn radius(map: &str, site: &str) -> f64 {
    let c = map
        .split("<circle class=\"site\"")
        .skip(1)
        .find(|c| c.contains(&format!("<title>{site} (")))
        .unwrap_or_else(|| panic!("no circle for {site}"));
    between(c, "r=\"", "\" ")[3..].parse().unwrap()
}

#[test]
fn page_leads_with_the_comparison_and_maps_sites_and_routes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "least-loaded");
    let f = read_json(&out.join("federation.json"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();

    // The first paragraph under the heading states the comparison, in federation.json's numbers.
    assert!(between(&html, "<h1>", "</h1>").contains("tiny"));
    let lead = between(&html, "<p class=\"sub\">", "</p>");
    assert!(lead.contains("Cross-hub scheduling (dispatcher <code>least-loaded</code>) vs local-only"), "{lead}");
    let du = 100.0 * num(&f, "vs_baseline.utilization_allocated");
    assert!(du > 0.0, "moving jobs off the overloaded site raises utilization");
    assert!(lead.contains(&format!("utilization <strong>+{du:.1} points</strong>")), "{lead}");
    assert!(lead.contains(&format!(
        "({} → {})",
        pct(num(&f, "baseline.utilization_allocated")),
        pct(num(&f, "totals.utilization_allocated"))
    )));
    let idle = num(&f, "vs_baseline.idle_accelerator_hours");
    assert!(idle < 0.0);
    assert!(lead.contains(&format!("<strong>{}</strong> accelerator-hours of idle capacity recovered", count(-idle))), "{lead}");
    assert!(lead.contains(&format!("costing {} CNY", count(num(&f, "wan.cost_cny")))), "{lead}");
    assert!(lead.contains("mean wait <strong>-"), "waits fall: {lead}");
    // No site here has a tariff or a carbon intensity: the page says so rather than print zeros.
    assert_eq!(num(&f, "totals.priced_sites"), 0.0);
    assert!(lead.contains("cost not priced") && lead.contains("no carbon counted"), "{lead}");

    // The map: one circle per site, area proportional to accelerators; one arrow per route.
    let map = between(&html, "<figure id=\"fig-map\">", "</figure>");
    assert_eq!(map.matches("<circle class=\"site\"").count(), SITES.len());
    let (east, west) = (radius(map, "east"), radius(map, "west"));
    assert!((west / east - (48.0f64 / 32.0).sqrt()).abs() < 0.01, "radii {east} {west}");
    let routes: Vec<&Value> = f["moves"]["by_route"].as_array().unwrap().iter().collect();
    assert!(routes.len() >= 2, "jobs moved along several routes");
    assert_eq!(map.matches("<g class=\"route\">").count(), routes.len());
    assert_eq!(map.matches("<polygon class=\"arrowhead\"").count(), routes.len());
    for r in &routes {
        let (from, to) = (r["from"].as_str().unwrap(), r["to"].as_str().unwrap());
        assert!(map.contains(&format!("<title>{from} → {to}: {} jobs", count(num(r, "jobs")))), "{from} -> {to}");
    }
    let links = f["wan"]["links"].as_array().unwrap();
    assert_eq!(map.matches("<line class=\"link\"").count(), links.len());
    assert!(map.contains(fs::read_to_string(out.join("plots/map.svg")).unwrap().trim_end()), "plots/map.svg is the map of the page");

    // Load plots, and each site's own report, linked.
    for p in ["sites_utilization", "sites_it_power", "sites_queue"] {
        let png = fs::read(out.join(format!("plots/{p}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{p}");
        let svg = fs::read_to_string(out.join(format!("plots/{p}.svg"))).unwrap();
        assert!(SITES.iter().all(|s| svg.contains(&format!("\n{s}\n</text>"))), "{p}: one line per site, named in the legend");
        assert!(html.contains(&format!("<figure id=\"fig-{p}\">")));
    }
    for s in SITES {
        let page = fs::read_to_string(out.join("sites").join(s).join("report.html")).unwrap();
        assert!(page.contains("<h1>"), "{s}");
        assert!(html.contains(&format!("<a href=\"sites/{s}/report.html\">")), "{s} linked");
    }

    // Self-contained: no URL but the SVG namespace, no script, no external resource.
    let bare = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!bare.contains("http://") && !bare.contains("https://"), "a URL in the page");
    assert!(!html.contains("<script") && !html.contains("src="));

    // `aidc report DIR` writes the same page again, and the sites' reports.
    fs::remove_file(out.join("report.html")).unwrap();
    fs::remove_file(out.join("sites/west/report.html")).unwrap();
    assert_ok(&aidc(["report", s(&out)]));
    assert_eq!(fs::read_to_string(out.join("report.html")).unwrap(), html);
    assert!(out.join("sites/west/report.html").is_file());

    // In Chinese, the page and the sites' reports.
    assert_ok(&aidc(["report", s(&out), "--lang", "zh"]));
    assert_eq!(fs::read_to_string(out.join("report.html")).unwrap(), html, "the English page stays");
    let zh = fs::read_to_string(out.join("report.zh.html")).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    let lead = between(&zh, "<p class=\"sub\">", "</p>");
    assert!(lead.contains("跨枢纽调度") && lead.contains(&format!("+{du:.1} 个百分点")), "{lead}");
    assert!(fs::read_to_string(out.join("sites/east/report.zh.html")).unwrap().contains("<html lang=\"zh-CN\">"));
}

#[test]
fn without_a_baseline_the_page_says_so_and_shows_the_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "local-only");
    let f = read_json(&out.join("federation.json"));
    assert!(f["baseline"].is_null());
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let lead = between(&html, "<p class=\"sub\">", "</p>");
    assert!(lead.contains("No local-only baseline in this run"), "{lead}");
    assert!(lead.contains(&format!("utilization <strong>{}</strong>", pct(num(&f, "totals.utilization_allocated")))), "{lead}");
    let map = between(&html, "<figure id=\"fig-map\">", "</figure>");
    assert_eq!(map.matches("<circle class=\"site\"").count(), SITES.len());
    assert_eq!(map.matches("<g class=\"route\">").count(), 0, "local-only moves nothing");
}

#[test]
fn a_folder_without_federation_json_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "least-loaded");
    fs::remove_file(out.join("federation.json")).unwrap();
    let o = aidc(["report", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(printed(&o).contains("federation.json"), "{}", printed(&o));
}
