//! Federations: several sites on one clock. A cut WAN (or a local-only dispatcher) leaves every
//! site byte-identical to running it alone; a free, instant WAN with least-loaded dispatching
//! behaves as one merged center; transfers take size over shared bandwidth plus latency, no job
//! starts before its data is there, latency-bound work stays within its bound; jobs add up.

use std::path::Path;

use crate::support::*;
use aidc::config::federation::{DispatcherKind, Federation};
use aidc::engine::federation::{run_federation_into, run_in_memory};
use aidc::engine::{RunOptions, run_to_dir};

/// A class of 8-32 accelerator jobs of about 10 h at `rate`.
fn train(rate: &str) -> String {
    format!(
        "[[workload.classes]]\nname = \"train\"\nkind = \"fine-tune\"\nrate = \"{rate}\"\nsize = {{ dist = \"power2\", min = 8, max = 32, alpha = 1.0 }}\nduration = {{ dist = \"lognormal\", median = \"10h\", sigma = 0.5, min = \"1h\", max = \"2d\" }}\n"
    )
}

/// Writes site files `name.toml` (racks of 16 H100, the train class at `rate`) into `dir`.
fn write_site(dir: &Path, name: &str, racks: u32, rate: &str, horizon: &str) {
    let text = small(racks, &train(rate), "backfill", horizon).replace("name = \"small\"", &format!("name = \"{name}\""));
    std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
}

/// A federation of the sites `a` and `b` in two regions 1,300 km apart.
fn federation(dir: &Path, dispatcher: &str, wan: &str, mobility: &str) -> Federation {
    let text = format!(
        r#"
[federation]
name = "fed"
dispatcher = "{dispatcher}"

[[regions]]
name = "east"
latitude = 31.2
longitude = 121.5

[[regions]]
name = "west"
latitude = 41.0
longitude = 113.1

[[sites]]
name = "a"
region = "east"
path = "a.toml"

[[sites]]
name = "b"
region = "west"
path = "b.toml"

{wan}

{mobility}
"#
    );
    let path = dir.join("fed.toml");
    std::fs::write(&path, &text).unwrap();
    aidc::scenario::federation::load(&path, None, None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

const MOBILE: &str = "[[classes]]\nname = \"train\"\ndataset = \"100GB\"\nresult = \"10GB\"\n";

/// Runs `fed` into `dir/out` and each site's resolved scenario alone into `dir/alone-<site>`;
/// whether every site's timeseries.csv and jobs.csv are byte-identical to its run alone.
fn same_as_alone(fed: &Federation, dir: &Path, tag: &str) -> bool {
    let out = dir.join(format!("out-{tag}"));
    std::fs::create_dir_all(&out).unwrap();
    run_federation_into(fed, &out, &RunOptions::default()).unwrap();
    fed.sites.iter().all(|s| {
        let site = out.join("sites").join(&s.name);
        let alone_sc = aidc::scenario::load(&site.join("scenario.resolved.toml")).unwrap();
        let alone = dir.join(format!("alone-{tag}-{}", s.name));
        run_to_dir(&alone_sc, &alone, &RunOptions::default()).unwrap();
        ["timeseries.csv", "jobs.csv"].iter().all(|f| std::fs::read(site.join(f)).unwrap() == std::fs::read(alone.join(f)).unwrap())
    })
}

#[test]
fn a_cut_wan_or_a_local_only_dispatcher_leaves_each_site_as_alone() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 4, "6/d", "10d");
    write_site(d.path(), "b", 4, "1/d", "10d");
    let cut = federation(d.path(), "least-loaded", "[wan]\ndefault_links = false\n", MOBILE);
    assert!(cut.links.is_empty());
    assert!(same_as_alone(&cut, d.path(), "cut"), "a site of a federation with no WAN differs from the site alone");
    let local = federation(d.path(), "local-only", "", MOBILE);
    assert_eq!(local.links.len(), 1);
    assert!(same_as_alone(&local, d.path(), "local"), "local-only dispatching changed a site");
    // The check can fail: with the WAN and a dispatcher, the overloaded site sends work away.
    let moving = federation(d.path(), "least-loaded", "", MOBILE);
    assert!(!same_as_alone(&moving, d.path(), "moving"), "least-loaded moved nothing off an overloaded site");
}

#[test]
fn least_loaded_over_a_free_instant_wan_matches_one_merged_center() {
    // Site a has all the demand (about 0.95 x its 64 accelerators), site b the same hardware and
    // none; the merged center has both halves and the demand. Over a free and instant WAN the
    // federation should deliver what the merged center does, within sampling error; kept local,
    // it delivers visibly less.
    let d = tempfile::tempdir().unwrap();
    let wan = "[wan]\nintra_region_rtt_ms = 0.0\n[[wan.links]]\nbetween = [\"east\", \"west\"]\nrtt_ms = 0.0\nbandwidth = \"1Pbps\"\ncost_cny_per_gb = 0.0\n";
    let mobile = "[[classes]]\nname = \"train\"\n";
    let (mut fed_u, mut merged_u, mut local_u) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 1..=4u64 {
        write_site(d.path(), "a", 4, "24/d", "20d");
        write_site(d.path(), "b", 4, "0/d", "20d");
        let mut fed = federation(d.path(), "least-loaded", wan, mobile);
        for (i, s) in fed.sites.iter_mut().enumerate() {
            s.scenario.seed = seed * 10 + i as u64;
        }
        let (f, _) = run_in_memory(&fed, DispatcherKind::LeastLoaded);
        assert!(f.conservation.ok, "{:?}", f.conservation);
        fed_u.push(f.totals.utilization_allocated);
        let (l, _) = run_in_memory(&fed, DispatcherKind::LocalOnly);
        local_u.push(l.totals.utilization_allocated);
        let mut merged = from_text(&small(8, &train("24/d"), "backfill", "20d"), d.path()).unwrap();
        merged.seed = seed * 10;
        merged_u.push(run_text_summary(&merged));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let diffs: Vec<f64> = fed_u.iter().zip(&merged_u).map(|(a, b)| a - b).collect();
    let md = mean(&diffs);
    let sd = (diffs.iter().map(|x| (x - md).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64).sqrt();
    let se = sd / (diffs.len() as f64).sqrt();
    let spread = merged_u.iter().map(|x| (x - mean(&merged_u)).powi(2)).sum::<f64>().sqrt();
    assert!(
        md.abs() <= (3.0 * se).max(0.02),
        "federation {fed_u:?} vs merged {merged_u:?}: mean difference {md:.4} beyond sampling error (se {se:.4}, spread {spread:.4})"
    );
    assert!(mean(&merged_u) - mean(&local_u) > 0.08, "the test cannot tell: local-only {local_u:?} is as good as merged {merged_u:?}");
}

fn run_text_summary(sc: &aidc::scenario::Scenario) -> f64 {
    aidc::engine::run_in_memory(sc).0.utilization.allocated_mean
}

#[test]
fn transfers_take_size_over_shared_bandwidth_plus_latency_and_jobs_wait_for_their_data() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 2, "12/d", "6d");
    write_site(d.path(), "b", 8, "0/d", "6d");
    // 100 GB over 10 Gbit/s: 80 s alone; one-way latency 10 ms.
    let wan = "[[wan.links]]\nbetween = [\"east\", \"west\"]\nrtt_ms = 20.0\nbandwidth = \"10Gbps\"\ncost_cny_per_gb = 0.5\n";
    let fed = federation(d.path(), "least-loaded", wan, MOBILE);
    let out = d.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let (s, _) = run_federation_into(&fed, &out, &RunOptions::default()).unwrap();
    assert!(s.moves.moved >= 5, "too few moves to test: {:?}", s.moves);
    let rows = csv_rows(&out.join("moves.csv"));
    assert_eq!(rows[0][8], "transfer_s");
    let f = |r: &Vec<String>, i: usize| r[i].parse::<f64>().unwrap();
    let transfers: Vec<f64> = rows[1..].iter().map(|r| f(r, 8)).collect();
    let alone = 80.0 + 0.010;
    assert!(transfers.iter().all(|&t| t >= alone - 1e-3), "a transfer beat size / bandwidth + latency: {transfers:?}");
    assert!(transfers.iter().any(|&t| (t - alone).abs() < 1e-3), "no transfer alone took 80.010 s: {transfers:?}");
    // Datasets go out with every moved job, results come back as the jobs end; both are priced.
    let link = &s.wan.links[0];
    assert_eq!(link.gb_ab, 100.0 * s.moves.moved as f64, "{:?}", s.wan);
    assert!(link.gb_ba > 0.0 && link.gb_ba <= 10.0 * s.moves.moved as f64, "{:?}", s.wan);
    assert!((s.wan.cost_cny - 0.5 * (link.gb_ab + link.gb_ba)).abs() < 1e-9 * s.wan.cost_cny, "{:?}", s.wan);
    // Every moved job starts at b no earlier than its data arrived (matched by class, submission
    // time and size in b's jobs.csv; submission times stay the user's).
    let jobs = csv_rows(&out.join("sites/b/jobs.csv"));
    for r in &rows[1..] {
        let (submitted, arrived, acc) = (f(r, 4), f(r, 6), &r[3]);
        let job = jobs[1..]
            .iter()
            .find(|j| j[1] == r[0] && &j[2] == acc && (f(j, 5) - submitted).abs() < 1e-3)
            .unwrap_or_else(|| panic!("moved job {r:?} not in b's jobs.csv"));
        if !job[6].is_empty() {
            assert!(f(job, 6) >= arrived - 1e-3, "job {job:?} started before its data arrived at {arrived}");
        }
    }
    assert!(s.conservation.ok, "{:?}", s.conservation);
}

#[test]
fn latency_bound_work_never_runs_outside_its_bound() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 2, "12/d", "4d");
    write_site(d.path(), "b", 8, "0/d", "4d");
    // The default link east-west has an RTT of about 20 ms: a 10 ms bound keeps jobs home.
    let bounded = "[[classes]]\nname = \"train\"\nlatency_bound_ms = 10.0\n";
    let fed = federation(d.path(), "least-loaded", "", bounded);
    assert!(fed.links[0].rtt_ms > 10.0);
    let (s, _) = run_in_memory(&fed, DispatcherKind::LeastLoaded);
    assert_eq!(s.moves.moved, 0, "{:?}", s.moves);
    // Loosened to 30 ms, the same jobs move: the bound, not the load, held them.
    let loose = "[[classes]]\nname = \"train\"\nlatency_bound_ms = 30.0\n";
    let (s, _) = run_in_memory(&federation(d.path(), "least-loaded", "", loose), DispatcherKind::LeastLoaded);
    assert!(s.moves.moved > 0);
    // A bound tighter than the users' own region could hold nowhere: refused at load.
    let tight = "[[classes]]\nname = \"train\"\nlatency_bound_ms = 1.0\n";
    std::fs::write(d.path().join("fed.toml"), std::fs::read_to_string(d.path().join("fed.toml")).unwrap().replace("30.0", "1.0")).unwrap();
    let e = aidc::scenario::federation::load(&d.path().join("fed.toml"), None, None).unwrap_err().to_string();
    assert!(e.contains("classes[0].latency_bound_ms") && e.contains("intra_region_rtt_ms"), "{tight}: {e}");
    // Every placement lies within the bound: the moves all went to b, whose RTT is 20 ms.
    assert!(s.moves.by_route.iter().all(|r| r.to == "b"));
}

#[test]
fn every_dispatcher_conserves_jobs_and_energy_and_reruns_byte_identically() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 2, "12/d", "4d");
    write_site(d.path(), "b", 4, "2/d", "4d");
    let fed = federation(d.path(), "weighted", "", MOBILE);
    for kind in aidc::config::federation::DispatcherKind::ALL {
        let (s, sites) = run_in_memory(&fed, kind);
        assert!(s.conservation.ok, "{}: {:?}", kind.name(), s.conservation);
        let it: f64 = sites.iter().map(|x| x.energy.it_kwh).sum();
        assert!((s.totals.it_energy_kwh - it).abs() < 1e-9 * it, "{}", kind.name());
        let submitted: u64 = sites.iter().map(|x| x.jobs.submitted).sum();
        assert_eq!(s.totals.jobs_submitted, submitted);
    }
    let out = |n: &str| {
        let o = d.path().join(n);
        std::fs::create_dir_all(&o).unwrap();
        run_federation_into(&fed, &o, &RunOptions::default()).unwrap();
        o
    };
    let (x, y) = (out("x"), out("y"));
    for f in ["federation.json", "moves.csv", "sites/a/timeseries.csv", "sites/a/jobs.csv", "sites/b/jobs.csv", "federation.resolved.toml"]
    {
        assert_eq!(std::fs::read(x.join(f)).unwrap(), std::fs::read(y.join(f)).unwrap(), "{f} differs between reruns");
    }
}

#[test]
fn the_resolved_federation_reruns_from_its_output_folder() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 2, "12/d", "3d");
    write_site(d.path(), "b", 4, "2/d", "3d");
    let fed = federation(d.path(), "cheapest-energy", "", MOBILE);
    let out = d.path().join("o");
    std::fs::create_dir_all(&out).unwrap();
    let (first, _) = run_federation_into(&fed, &out, &RunOptions::default()).unwrap();
    let again = aidc::scenario::federation::load(&out.join("federation.resolved.toml"), None, None).unwrap();
    let key = |f: &Federation| f.links.iter().map(|l| (l.a, l.b, l.rtt_ms, l.bandwidth_gbps, l.cost_cny_per_gb)).collect::<Vec<_>>();
    assert_eq!(key(&again), key(&fed));
    assert_eq!(again.classes, fed.classes);
    let (second, _) = run_in_memory(&again, again.dispatcher);
    assert_eq!(second.totals, first.totals);
    assert_eq!(second.moves, first.moves);
}

#[test]
fn run_and_check_accept_a_federation_and_refuse_bad_ones_with_the_field() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 2, "12/d", "2d");
    write_site(d.path(), "b", 4, "2/d", "2d");
    federation(d.path(), "least-loaded", "", MOBILE);
    let o = aidc_in(d.path(), ["run", "fed.toml", "--quiet", "--out", "o"]);
    assert_ok(&o);
    for f in ["federation.json", "moves.csv", "federation.resolved.toml", "sites/a/summary.json", "sites/b/timeseries.csv"] {
        assert!(d.path().join("o").join(f).is_file(), "{f} missing");
    }
    // The folder is aidc's: a second run replaces it.
    assert_ok(&aidc_in(d.path(), ["run", "fed.toml", "--quiet", "--out", "o"]));
    let o = aidc_in(d.path(), ["check", "fed.toml"]);
    assert_ok(&o);
    assert!(stdout(&o).contains("link east - west: RTT"), "{}", stdout(&o));
    let text = std::fs::read_to_string(d.path().join("fed.toml")).unwrap();
    for (from, to, field) in [
        ("dispatcher = \"least-loaded\"", "dispatcher = \"random\"", "federation.dispatcher"),
        ("region = \"west\"", "region = \"north\"", "sites[1].region"),
        ("name = \"train\"\ndataset", "name = \"trian\"\ndataset", "classes[0].name"),
        ("path = \"b.toml\"", "path = \"missing.toml\"", "sites[1].path"),
        ("dataset = \"100GB\"", "dataset = \"-5GB\"", "classes[0].dataset"),
    ] {
        std::fs::write(d.path().join("bad.toml"), edit(&text, from, to)).unwrap();
        let o = aidc_in(d.path(), ["run", "bad.toml", "--quiet", "--out", "bad"]);
        assert_eq!(o.status.code(), Some(2), "{to}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("bad.toml") && e.contains(field), "{to}: the error should name the file and {field}: {e}");
        assert!(!d.path().join("bad").exists(), "{to}: partial output");
    }
}

#[test]
fn an_inline_site_is_located_in_the_federation_file() {
    let d = tempfile::tempdir().unwrap();
    let site = small(2, &train("2/d"), "backfill", "2d");
    // The inline site's tables under [sites.scenario]: prefix every table header.
    let inline: String = site
        .lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("[[") {
                format!("[[sites.scenario.{rest}")
            } else if let Some(rest) = l.strip_prefix('[') {
                format!("[sites.scenario.{rest}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (head, body) = inline.split_once("[sites.scenario.simulation]").unwrap();
    let text = format!(
        "[federation]\nname = \"inl\"\n\n[[regions]]\nname = \"r\"\nclimate = \"guiyang\"\n\n[[sites]]\nname = \"one\"\nregion = \"r\"\n[sites.scenario]\n{head}\n[sites.scenario.simulation]{body}\n"
    );
    let path = d.path().join("inl.toml");
    std::fs::write(&path, &text).unwrap();
    let fed = aidc::scenario::federation::load(&path, None, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(fed.sites[0].scenario.accelerators(), 32);
    // A bad value inside the inline site: the error names the federation file, the line and the
    // field path through the site.
    let bad = edit(&text, "count = 2", "count = 0");
    std::fs::write(&path, &bad).unwrap();
    let e = aidc::scenario::federation::load(&path, None, None).unwrap_err().to_string();
    let line = line_of(&bad, "count = 0");
    assert!(e.contains("inl.toml") && e.contains("sites[0].scenario.halls[0].racks[0].count") && e.contains(&format!(":{line}:")), "{e}");
}

#[test]
fn a_mobile_service_is_served_by_the_sites_within_its_bound() {
    let d = tempfile::tempdir().unwrap();
    let svc = "[[services]]\nname = \"chat\"\npeak_rate = \"400/s\"\nreplica_rate = \"35/s\"\naccelerators = 2\n";
    write_site(d.path(), "a", 4, "1/d", "3d");
    let a = std::fs::read_to_string(d.path().join("a.toml")).unwrap();
    std::fs::write(d.path().join("a.toml"), format!("{a}{svc}")).unwrap();
    write_site(d.path(), "b", 12, "0/d", "3d");
    let within = "[[classes]]\nname = \"chat\"\nlatency_bound_ms = 30.0\n";
    let fed = federation(d.path(), "least-loaded", "", within);
    let out = d.path().join("o");
    std::fs::create_dir_all(&out).unwrap();
    let (s, sites) = run_federation_into(&fed, &out, &RunOptions::default()).unwrap();
    // Split by installed accelerators: a has 64, b 192.
    let share = |site: &str| s.services.iter().find(|x| x.site == site).map(|x| x.share).unwrap();
    assert!((share("a") - 0.25).abs() < 1e-12 && (share("b") - 0.75).abs() < 1e-12, "{:?}", s.services);
    let b = &sites[1].services["chat@a"];
    assert!(b.requests > 2.0 * sites[0].services["chat"].requests, "b serves three quarters of the requests");
    assert!(s.services.iter().all(|x| x.rtt_ms <= 30.0));
    // The split site reruns alone from its resolved scenario, the service copy included.
    let alone = aidc::scenario::load(&out.join("sites/b/scenario.resolved.toml")).unwrap();
    assert_eq!(alone.services.len(), 1);
    // Within 10 ms only home qualifies: everything stays at a; local-only also keeps it home.
    let near = "[[classes]]\nname = \"chat\"\nlatency_bound_ms = 10.0\n";
    let (s, _) = run_in_memory(&federation(d.path(), "least-loaded", "", near), DispatcherKind::LeastLoaded);
    assert_eq!(s.services.len(), 1);
    assert_eq!((s.services[0].site.as_str(), s.services[0].share), ("a", 1.0));
    let (s, _) = run_in_memory(&federation(d.path(), "least-loaded", "", within), DispatcherKind::LocalOnly);
    assert_eq!(s.services.len(), 1);
}

#[test]
fn the_east_west_demo_compares_cross_hub_with_local_only() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ew");
    let o = aidc(["demo", "east-west", "--out", s(&out)]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("东数西算") && text.contains("vs local-only: utilization +"), "{text}");
    let f = read_json(&out.join("federation.json"));
    assert_eq!(f["federation"]["sites"], 3);
    let gain = f["vs_baseline"]["utilization_allocated"].as_f64().unwrap();
    assert!(gain > 0.03, "cross-hub scheduling should recover idle capacity in the demo: {gain}");
    assert!(f["conservation"]["ok"].as_bool().unwrap());
    assert!(out.join("report.html").is_file() && out.join("sites/yangtze/report.html").is_file());
    assert!(stdout(&aidc(["demo", "--list"])).contains("east-west"));
}

#[test]
fn dispatcher_ticks_are_bounded() {
    let d = tempfile::tempdir().unwrap();
    write_site(d.path(), "a", 1, "1/d", "365d");
    write_site(d.path(), "b", 1, "1/d", "365d");
    let fed = federation(d.path(), "least-loaded", "", MOBILE);
    assert_eq!(fed.dispatch_every_ms, 60_000);
    let text =
        std::fs::read_to_string(d.path().join("fed.toml")).unwrap().replace("[federation]\n", "[federation]\ndispatch_every = \"1s\"\n");
    std::fs::write(d.path().join("fed.toml"), &text).unwrap();
    let e = aidc::scenario::federation::load(&d.path().join("fed.toml"), None, None).unwrap_err().to_string();
    assert!(e.contains("federation.dispatch_every") && e.contains("at most 10000000"), "{e}");
}
