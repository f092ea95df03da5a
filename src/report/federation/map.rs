//! The schematic map of a federation, an SVG drawn by hand: places by an equirectangular
//! projection fitted to their bounding box, sites as circles (area by accelerators, fill by
//! utilization), WAN links as dashed lines with their RTT, moved jobs as curved arrows whose
//! width is proportional to the jobs, and a legend strip under it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::super::data::{at, num, text};
use super::super::format::{count, fixed, pct};
use super::super::html::esc;
use super::super::i18n::Lang;
use super::{Region, Site, site_href};

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
pub(super) fn map_svg(sites: &[Site], reports: &[bool], regions: &[Region], f: &Value, lang: Lang) -> String {
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
            let _ = writeln!(o, "<a href=\"{}\">{circle}</a>", esc(&site_href(&s.name, lang)));
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
}
