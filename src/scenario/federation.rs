//! Federation files: several sites in one file (each by `path` to an ordinary scenario, or
//! inline as `[sites.scenario]`), regions, the WAN and the classes that may move.
//!
//! A file is a federation when it has a `[federation]` table ([`is_federation`]). Each site
//! resolves exactly as a scenario of its own, with the federation's horizon, step and seed
//! written into its `[simulation]` first; an error inside an inline site names the federation
//! file, the line and the field (`sites[1].scenario.halls[0]...`). [`to_toml`] writes the
//! resolved federation back, its sites pointing at their own `scenario.resolved.toml`. The raw
//! schema, as written, is in [`raw`].

pub mod raw;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use raw::*;

use super::error::{FieldPath, ScenarioError, Seg, Source};
use super::raw::RawScenario;
use super::units::{BandwidthBps, Bytes, DurationMs};
use crate::catalog::Catalog;
use crate::config::federation::{
    DEFAULT_BANDWIDTH_GBPS, DEFAULT_COST_CNY_PER_GB, DEFAULT_DISPATCH_EVERY_MS, DEFAULT_INTRA_REGION_RTT_MS, DispatcherKind, FedSite,
    Federation, Link, Mobility, Region, Weights, default_rtt_ms,
};

/// Most sites in a federation (each is a full center in memory).
pub const MAX_SITES: usize = 64;

/// Most dispatcher ticks over the horizon (a year at 5-second ticks is 6.3 million).
pub const MAX_DISPATCH_TICKS: u64 = 10_000_000;

type R<T> = Result<T, ScenarioError>;

/// Whether a TOML text is a federation file (it has a `[federation]` table).
pub fn is_federation(text: &str) -> bool {
    toml::de::DeTable::parse(text).is_ok_and(|t| t.get_ref().contains_key("federation"))
}

/// Whether the file at `path` is a federation file (false when unreadable: the scenario loader
/// then reports why).
pub fn is_federation_file(path: &Path) -> bool {
    super::input::read_text(path, super::input::MAX_TEXT_BYTES).is_ok_and(|t| is_federation(&t))
}

/// Loads and resolves a federation file; `horizon_ms` and `seed` override the file's.
pub fn load(path: &Path, horizon_ms: Option<u64>, seed: Option<u64>) -> R<Federation> {
    let text = super::input::read_text(path, super::input::MAX_TEXT_BYTES)
        .map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    load_str(&text, path, horizon_ms, seed)
}

/// Resolves a federation text read from `path`.
pub fn load_str(text: &str, path: &Path, horizon_ms: Option<u64>, seed: Option<u64>) -> R<Federation> {
    let src = Source::new(path, text.to_string());
    let mut raw: RawFederationFile = super::parse_as(&src)?;
    if let Some(h) = horizon_ms {
        raw.federation.horizon = Some(DurationMs(h));
    }
    if let Some(s) = seed {
        raw.federation.seed = Some(s);
    }
    resolve(&raw, &src)
}

/// Resolves a parsed federation file.
pub fn resolve(raw: &RawFederationFile, src: &Source) -> R<Federation> {
    let dir = src.file.parent().map(Path::to_path_buf).unwrap_or_default();
    let f = &raw.federation;
    let root = FieldPath::root("federation");
    let name = f.name.trim();
    if !super::resolve::is_folder_name(name) {
        return Err(src.error(&root.key("name"), "expected a name of letters, digits, '-', '_' or '.' (it names the output folder)"));
    }
    if raw.sites.is_empty() {
        return Err(src.error(
            &FieldPath::root("federation"),
            "expected at least one [[sites]] entry (name and path, or an inline [sites.scenario])",
        ));
    }
    if raw.sites.len() > MAX_SITES {
        return Err(src.error(&FieldPath::root("sites").index(MAX_SITES), format!("at most {MAX_SITES} sites in one federation")));
    }
    let dispatcher = match &f.dispatcher {
        Some(d) => DispatcherKind::parse(d.trim()).map_err(|m| src.error(&root.key("dispatcher"), m))?,
        None => DispatcherKind::LeastLoaded,
    };
    let weights = resolve_weights(f.weights.as_ref(), src)?;
    let catalog = Catalog::builtin().map_err(|e| src.error(&FieldPath::default(), format!("built-in catalog: {e}")))?;

    // Sites: resolve each scenario with the federation's horizon, step and seed.
    let mut seen = BTreeMap::new();
    let mut scenarios: Vec<crate::config::Scenario> = Vec::with_capacity(raw.sites.len());
    let mut paths: Vec<Option<PathBuf>> = Vec::with_capacity(raw.sites.len());
    for (i, s) in raw.sites.iter().enumerate() {
        let at = FieldPath::root("sites").index(i);
        let n = s.name.trim();
        if !super::resolve::is_folder_name(n) {
            return Err(
                src.error(&at.key("name"), "expected a site name of letters, digits, '-', '_' or '.' (it names the site's output folder)")
            );
        }
        if seen.insert(n.to_string(), i).is_some() {
            return Err(src.error(&at.key("name"), format!("site `{n}` is named twice; expected unique names")));
        }
        let (mut site_raw, site_src, path) = match (&s.path, &s.scenario) {
            (Some(p), None) => {
                let file = dir.join(p);
                let text = super::input::read_text(&file, super::input::MAX_TEXT_BYTES)
                    .map_err(|e| src.error(&at.key("path"), format!("cannot read {}: {e}", file.display())))?;
                let site_src = Source::new(&file, text);
                let parsed: RawScenario = super::parse_as(&site_src)?;
                (parsed, Some(site_src), Some(file))
            }
            (None, Some(inline)) => ((**inline).clone(), None, None),
            _ => return Err(src.error(&at, "expected exactly one of `path` (a scenario file) or an inline [sites.scenario] table")),
        };
        let first = i == 0;
        let horizon = f.horizon.or(if first { None } else { scenarios.first().map(|sc| DurationMs(sc.horizon_ms)) });
        if let Some(h) = horizon {
            site_raw.simulation.horizon = h;
        }
        let step = f.step.or(if first { None } else { scenarios.first().map(|sc| DurationMs(sc.step_ms)) });
        if let Some(st) = step {
            site_raw.simulation.step = Some(st);
        }
        if let Some(seed) = f.seed {
            site_raw.simulation.seed = Some(seed.wrapping_add(i as u64));
        }
        let mut sc = match site_src {
            Some(ssrc) => super::resolve::resolve_with(&site_raw, &super::Overrides::default(), &ssrc, &catalog)?,
            None => resolve_inline(&site_raw, src, &at.key("scenario"), &catalog)?,
        };
        sc.name = n.to_string();
        if let Some(first) = scenarios.first()
            && (sc.horizon_ms != first.horizon_ms || sc.step_ms != first.step_ms)
        {
            return Err(
                src.error(&at, "every site runs on one clock: its horizon and step must be the first site's (set them in [federation])")
            );
        }
        scenarios.push(sc);
        paths.push(path);
    }

    // Regions: as listed, then one per site that names none.
    let mut regions = Vec::new();
    for (i, r) in raw.regions.iter().enumerate() {
        let at = FieldPath::root("regions").index(i);
        if regions.iter().any(|x: &Region| x.name == r.name) {
            return Err(src.error(&at.key("name"), format!("region `{}` is named twice", r.name)));
        }
        let (lat, lon) = match (&r.climate, r.latitude, r.longitude) {
            (_, Some(lat), Some(lon)) => (lat, lon),
            (Some(c), None, None) => climate_coordinates(c).map_err(|m| src.error(&at.key("climate"), m))?,
            _ => return Err(src.error(&at, "expected `climate` (a catalog climate that places it) or both `latitude` and `longitude`")),
        };
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(src.error(&at.key("latitude"), "expected latitude in -90..90 and longitude in -180..180 degrees"));
        }
        regions.push(Region { name: r.name.clone(), latitude: lat, longitude: lon });
    }
    let mut sites = Vec::with_capacity(scenarios.len());
    for (i, ((sc, path), s)) in scenarios.into_iter().zip(paths).zip(&raw.sites).enumerate() {
        let at = FieldPath::root("sites").index(i);
        let region = match &s.region {
            Some(r) => regions.iter().position(|x| &x.name == r).ok_or_else(|| {
                src.error(&at.key("region"), format!("unknown region `{r}`: expected one of [[regions]] ({})", names(&regions)))
            })?,
            None => {
                let Some((lat, lon)) = sc.climate.as_ref().and_then(|(_, c)| c.latitude.zip(c.longitude)) else {
                    return Err(src.error(&at.key("region"), "expected `region` (this site's climate gives no coordinates to place it)"));
                };
                if regions.iter().any(|x| x.name == sc.name) {
                    regions.iter().position(|x| x.name == sc.name).unwrap_or(0)
                } else {
                    regions.push(Region { name: sc.name.clone(), latitude: lat, longitude: lon });
                    regions.len() - 1
                }
            }
        };
        sites.push(FedSite { name: sc.name.clone(), region, scenario: sc, path });
    }

    // The WAN.
    let wan = raw.wan.clone().unwrap_or_default();
    let wan_at = FieldPath::root("wan");
    let default_bw = wan.bandwidth.map_or(DEFAULT_BANDWIDTH_GBPS, |b| b.0 / 1e9);
    if !(default_bw.is_finite() && default_bw > 0.0 && default_bw <= 1e6) {
        return Err(src.error(&wan_at.key("bandwidth"), "expected a bandwidth above 0 and at most 1Pbps"));
    }
    let default_cost = wan.cost_cny_per_gb.unwrap_or(DEFAULT_COST_CNY_PER_GB);
    if !(default_cost.is_finite() && default_cost >= 0.0) {
        return Err(src.error(&wan_at.key("cost_cny_per_gb"), "expected a price of 0 or more, CNY/GB"));
    }
    let intra = wan.intra_region_rtt_ms.unwrap_or(DEFAULT_INTRA_REGION_RTT_MS);
    if !(intra.is_finite() && (0.0..=10_000.0).contains(&intra)) {
        return Err(src.error(&wan_at.key("intra_region_rtt_ms"), "expected a round-trip time of 0 to 10,000 ms"));
    }
    let mut links: Vec<Link> = Vec::new();
    for (i, l) in wan.links.iter().enumerate() {
        let at = wan_at.key("links").index(i);
        let [a, b] = l.between.as_slice() else {
            return Err(src.error(&at.key("between"), "expected two region names, e.g. between = [\"yangtze\", \"ulanqab\"]"));
        };
        let find = |n: &String| regions.iter().position(|x| &x.name == n);
        let (Some(a), Some(b)) = (find(a), find(b)) else {
            return Err(src.error(&at.key("between"), format!("unknown region: expected names among {}", names(&regions))));
        };
        if a == b {
            return Err(src.error(&at.key("between"), "expected two different regions (within a region, wan.intra_region_rtt_ms applies)"));
        }
        if links.iter().any(|x| (x.a == a && x.b == b) || (x.a == b && x.b == a)) {
            return Err(src.error(&at.key("between"), "this pair of regions is linked twice"));
        }
        let rtt = l.rtt_ms.unwrap_or_else(|| default_rtt_ms(&regions[a], &regions[b]));
        if !(rtt.is_finite() && (0.0..=10_000.0).contains(&rtt)) {
            return Err(src.error(&at.key("rtt_ms"), "expected a round-trip time of 0 to 10,000 ms"));
        }
        let bw = l.bandwidth.map_or(default_bw, |b| b.0 / 1e9);
        if !(bw.is_finite() && bw > 0.0 && bw <= 1e6) {
            return Err(src.error(&at.key("bandwidth"), "expected a bandwidth above 0 and at most 1Pbps"));
        }
        let cost = l.cost_cny_per_gb.unwrap_or(default_cost);
        if !(cost.is_finite() && cost >= 0.0) {
            return Err(src.error(&at.key("cost_cny_per_gb"), "expected a price of 0 or more, CNY/GB"));
        }
        links.push(Link { a, b, rtt_ms: rtt, bandwidth_gbps: bw, cost_cny_per_gb: cost, defaulted: false });
    }
    if wan.default_links.unwrap_or(true) {
        for a in 0..regions.len() {
            for b in a + 1..regions.len() {
                if !links.iter().any(|x| (x.a == a && x.b == b) || (x.a == b && x.b == a)) {
                    let rtt = default_rtt_ms(&regions[a], &regions[b]);
                    links.push(Link { a, b, rtt_ms: rtt, bandwidth_gbps: default_bw, cost_cny_per_gb: default_cost, defaulted: true });
                }
            }
        }
    }

    // Mobility.
    let mut classes: Vec<Mobility> = Vec::new();
    for (i, m) in raw.classes.iter().enumerate() {
        let at = FieldPath::root("classes").index(i);
        if classes.iter().any(|x| x.class == m.name) {
            return Err(src.error(&at.key("name"), format!("class `{}` is listed twice", m.name)));
        }
        let labels = |sc: &crate::config::Scenario| -> Vec<String> {
            sc.classes.iter().map(|c| c.name.clone()).chain(sc.services.iter().map(|s| s.name.clone())).collect()
        };
        if !sites.iter().any(|s| labels(&s.scenario).contains(&m.name)) {
            let all: std::collections::BTreeSet<String> = sites.iter().flat_map(|s| labels(&s.scenario)).collect();
            return Err(src.error(
                &at.key("name"),
                format!(
                    "no site has a job class or service `{}`: expected one of {}",
                    m.name,
                    all.into_iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let gb = |b: Option<Bytes>, key: &str| -> R<f64> {
            let v = b.map_or(0.0, |b| b.0 / 1e9);
            if v.is_finite() && (0.0..=1e9).contains(&v) { Ok(v) } else { Err(src.error(&at.key(key), "expected a size of 0 to 1EB")) }
        };
        let dataset_gb = gb(m.dataset, "dataset")?;
        let result_gb = gb(m.result, "result")?;
        if let Some(b) = m.latency_bound_ms
            && !(b.is_finite() && b > 0.0)
        {
            return Err(src.error(&at.key("latency_bound_ms"), "expected a round-trip bound above 0 ms"));
        }
        if let Some(b) = m.latency_bound_ms
            && b < intra
        {
            return Err(src.error(
                &at.key("latency_bound_ms"),
                format!("{b} ms is below the round-trip time from users to a site of their own region (wan.intra_region_rtt_ms = {intra}): no site could run the class; expected at least {intra}"),
            ));
        }
        classes.push(Mobility {
            class: m.name.clone(),
            mobile: m.mobile.unwrap_or(true),
            dataset_gb,
            result_gb,
            latency_bound_ms: m.latency_bound_ms,
        });
    }
    let first = &sites[0].scenario;
    let dispatch_every_ms = f.dispatch_every.map_or(DEFAULT_DISPATCH_EVERY_MS.min(first.step_ms), |d| d.0);
    if !(1_000..=first.horizon_ms.max(1_000)).contains(&dispatch_every_ms) {
        return Err(src.error(&root.key("dispatch_every"), "expected a period of at least 1s and at most the horizon"));
    }
    // Every site stops at every dispatcher tick: bound the ticks as samples are bounded.
    let ticks = first.horizon_ms / dispatch_every_ms;
    if ticks > MAX_DISPATCH_TICKS {
        return Err(src.error(
            &root.key("dispatch_every"),
            format!(
                "{ticks} dispatcher ticks over the horizon; at most {MAX_DISPATCH_TICKS}: expected a period of at least {}s",
                first.horizon_ms.div_ceil(MAX_DISPATCH_TICKS * 1000)
            ),
        ));
    }
    Ok(Federation {
        dispatch_every_ms,
        name: name.to_string(),
        description: f.description.clone(),
        file: src.file.clone(),
        horizon_ms: first.horizon_ms,
        step_ms: first.step_ms,
        seed: f.seed.unwrap_or(first.seed),
        baseline: f.baseline.unwrap_or(dispatcher != DispatcherKind::LocalOnly) && dispatcher != DispatcherKind::LocalOnly,
        sites,
        regions,
        links,
        intra_region_rtt_ms: intra,
        classes,
        dispatcher,
        weights,
    })
}

fn names(regions: &[Region]) -> String {
    if regions.is_empty() { "none declared".to_string() } else { regions.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ") }
}

fn resolve_weights(w: Option<&RawWeights>, src: &Source) -> R<Weights> {
    let d = Weights::default();
    let Some(w) = w else { return Ok(d) };
    let at = FieldPath::root("federation").key("weights");
    let get = |v: Option<f64>, dflt: f64, key: &str| -> R<f64> {
        let v = v.unwrap_or(dflt);
        if v.is_finite() && (0.0..=1e6).contains(&v) { Ok(v) } else { Err(src.error(&at.key(key), "expected a weight of 0 or more")) }
    };
    let out =
        Weights { cost: get(w.cost, d.cost, "cost")?, carbon: get(w.carbon, d.carbon, "carbon")?, wait: get(w.wait, d.wait, "wait")? };
    if out.cost + out.carbon + out.wait <= 0.0 {
        return Err(src.error(&at, "expected at least one weight above 0"));
    }
    Ok(out)
}

fn climate_coordinates(id: &str) -> Result<(f64, f64), String> {
    let ids = crate::catalog::climates::climate_ids();
    match crate::catalog::climates::climate(id) {
        Some(Ok(c)) => c.latitude.zip(c.longitude).ok_or_else(|| format!("climate `{id}` has no coordinates; give latitude and longitude")),
        Some(Err(e)) => Err(format!("climate `{id}`: {e}")),
        None => Err(format!("unknown climate `{id}`: expected one of {}", ids.join(", "))),
    }
}

/// Resolves an inline site: its errors are located in the federation file under `at`.
fn resolve_inline(raw: &RawScenario, fed: &Source, at: &FieldPath, catalog: &Catalog) -> R<crate::config::Scenario> {
    let text = toml::to_string(raw).map_err(|e| fed.error(at, format!("cannot re-read the inline scenario: {e}")))?;
    // Relative file names of an inline site start from the federation file's folder.
    let inner = Source::new(&fed.file, text);
    super::resolve::resolve_with(raw, &super::Overrides::default(), &inner, catalog).map_err(|e| match e {
        ScenarioError::Invalid(d) => {
            let mut path = at.clone();
            path.0.extend(parse_field_path(&d.field).0);
            let mut located = fed.error(&path, d.message.clone());
            if let ScenarioError::Invalid(l) = &mut located {
                l.field = path.to_string();
            }
            located
        }
        io => io,
    })
}

/// Parses a field path as [`FieldPath`] displays it (`halls[0].racks[1].count`).
fn parse_field_path(s: &str) -> FieldPath {
    let mut out = Vec::new();
    if s == "(document)" {
        return FieldPath(out);
    }
    for part in s.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key.to_string()));
        }
        for idx in rest.split('[') {
            if let Ok(n) = idx.trim_end_matches(']').parse::<usize>() {
                out.push(Seg::Index(n));
            }
        }
    }
    FieldPath(out)
}

/// The resolved federation as TOML: every default spelled out, each site pointing at
/// `sites/<name>/scenario.resolved.toml` (so the file reproduces the run from its output
/// folder).
pub fn to_toml(f: &Federation) -> String {
    let raw = RawFederationFile {
        federation: RawFederation {
            name: f.name.clone(),
            description: f.description.clone(),
            horizon: Some(DurationMs(f.horizon_ms)),
            step: Some(DurationMs(f.step_ms)),
            dispatch_every: Some(DurationMs(f.dispatch_every_ms)),
            seed: None,
            dispatcher: Some(f.dispatcher.name().to_string()),
            weights: Some(RawWeights { cost: Some(f.weights.cost), carbon: Some(f.weights.carbon), wait: Some(f.weights.wait) }),
            baseline: Some(f.baseline),
        },
        regions: f
            .regions
            .iter()
            .map(|r| RawRegion { name: r.name.clone(), climate: None, latitude: Some(r.latitude), longitude: Some(r.longitude) })
            .collect(),
        sites: f
            .sites
            .iter()
            .map(|s| RawFedSite {
                name: s.name.clone(),
                region: Some(f.regions[s.region].name.clone()),
                path: Some(format!("sites/{}/scenario.resolved.toml", s.name)),
                scenario: None,
            })
            .collect(),
        wan: Some(RawWan {
            default_links: Some(false),
            bandwidth: None,
            cost_cny_per_gb: None,
            intra_region_rtt_ms: Some(f.intra_region_rtt_ms),
            links: f
                .links
                .iter()
                .map(|l| RawLink {
                    between: vec![f.regions[l.a].name.clone(), f.regions[l.b].name.clone()],
                    rtt_ms: Some(l.rtt_ms),
                    bandwidth: Some(BandwidthBps(l.bandwidth_gbps * 1e9)),
                    cost_cny_per_gb: Some(l.cost_cny_per_gb),
                })
                .collect(),
        }),
        classes: f
            .classes
            .iter()
            .map(|m| RawMobility {
                name: m.class.clone(),
                mobile: Some(m.mobile),
                dataset: Some(Bytes(m.dataset_gb * 1e9)),
                result: Some(Bytes(m.result_gb * 1e9)),
                latency_bound_ms: m.latency_bound_ms,
            })
            .collect(),
    };
    let header = format!("# Resolved by aidc {}: every default of {} filled in.\n\n", crate::VERSION, f.file.display());
    match toml::to_string(&raw) {
        Ok(body) => header + &body,
        Err(e) => format!("{header}# could not serialize: {e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_parse_back() {
        for s in ["halls[0].racks[1].count", "name", "workload.classes[2].rate", "a[1][2].b"] {
            assert_eq!(parse_field_path(s).to_string(), s);
        }
    }

    #[test]
    fn a_federation_is_told_by_its_table() {
        assert!(is_federation("[federation]\nname = \"x\"\n"));
        assert!(!is_federation("name = \"x\"\n[simulation]\nhorizon = \"1d\"\n"));
        assert!(!is_federation("not toml ["));
    }
}
