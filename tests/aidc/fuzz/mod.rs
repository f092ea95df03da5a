//! Scenario and trace mutation fuzzing (issue 12, item 8).
//!
//! Seeds are the ready scenarios (`scenarios/*.toml`, `scenarios/demo/*.toml`) and the trace,
//! node-list and duration fixtures (`tests/fixtures/`, and the real files of `../shared/data`
//! where present), each with a host scenario. Every case mutates one seed
//! ([`fuzzing::mutate`]) and must keep the contract of [`fuzzing::run`]: no panic, exit code
//! 0, 1 or 2, a bad input located, no partial output folder, IT energy >= 0 and PUE >= 1.
//! Case `i` of a campaign is reproduced from `i` and the base seed alone.
//!
//! - `cargo test --release --test aidc fuzz::`: a few hundred cases in process, a sample through the
//!   binary, and every input the fuzzer ever found (`tests/fixtures/fuzz/`). No time is asserted.
//! - The long mode, `cargo test --profile fuzz --test aidc fuzz::long_campaign -- --ignored --nocapture`:
//!   `AIDC_FUZZ_CASES` scenarios (default 20,000) and `AIDC_FUZZ_TRACES` traces (default
//!   5,000) on two threads, every 25th through the binary, with a 60 s watchdog per case
//!   that counts as a failure (CPU time of the case where Linux says, so that a busy machine
//!   does not fail it; wall time elsewhere). `AIDC_FUZZ_SEED` changes the base seed. Findings are written to
//!   `target/tmp/fuzz-findings/` (a folder per case, ready to become a regression fixture).
//! - `AIDC_FUZZ_ONLY=scenario:123` (or `trace:45`) runs one case and prints where it wrote it.

mod mutate;
mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use mutate::Rng;
use run::{Case, Outcome};

use crate::support::{FIXTURES, fixture_path, root, shared_data};

/// Per-case time limit of the long mode (a failure there, never asserted in the normal run).
const WATCHDOG: Duration = Duration::from_secs(60);
/// In the normal run a case still going after this long is stopped and listed, not failed.
const QUICK_LIMIT: Duration = Duration::from_secs(30);

/// A file to mutate, with the scenario that reads it (`{FILE}` stands for the mutated file's name).
#[derive(Debug, Clone)]
struct TraceSeed {
    name: String,
    bytes: Vec<u8>,
    host: String,
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read seed {}: {e}", path.display()))
}

/// The ready scenarios, with relative file references made absolute (cases run elsewhere).
fn scenario_seeds() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["scenarios", "scenarios/demo"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .expect("scenarios folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            let mut text = String::from_utf8(read(&f)).expect("a ready scenario is UTF-8");
            // Cases run in temporary folders: `data:` names become the shared data's paths.
            if let Some(data) = shared_data() {
                text = text.replace("\"data:", &format!("\"{}/", data.display()));
            }
            out.push((format!("{dir}/{}", f.file_name().unwrap_or_default().to_string_lossy()), text));
        }
    }
    out
}

fn trace_seeds() -> Vec<TraceSeed> {
    let fx = Path::new(FIXTURES);
    let traces = fx.join("traces");
    let t = |p: &Path| p.display().to_string();
    let small = |body: &str| {
        format!(
            "name = \"fz\"\n[simulation]\nhorizon = \"2d\"\nstep = \"10m\"\n[[node_types]]\nname = \"n\"\naccelerator = \"H100-SXM\"\n\
             accelerators = 8\n[[halls]]\nname = \"h\"\n[[halls.racks]]\ncount = 4\nnodes = 2\nnode_type = \"n\"\n{body}\n"
        )
    };
    let generic = String::from_utf8(read(&fx.join("bad/trace.toml"))).expect("UTF-8").replace("trace.csv", "{FILE}");
    let pods = |nodes: &str| {
        format!(
            "name = \"fz\"\n[simulation]\nhorizon = \"2d\"\nstep = \"10m\"\n[cluster]\nnode_list = \"{nodes}\"\n\
             [workload.trace]\nfile = \"{{FILE}}\"\nformat = \"alibaba-v2023\"\nutilization = 0.5\n"
        )
    };
    let nodes = |pods: &str| {
        format!(
            "name = \"fz\"\n[simulation]\nhorizon = \"2d\"\nstep = \"10m\"\n[cluster]\nnode_list = \"{{FILE}}\"\n\
             [workload.trace]\nfile = \"{pods}\"\nformat = \"alibaba-v2023\"\nutilization = 0.5\n"
        )
    };
    let mut out = Vec::new();
    let mut add = |name: &str, path: PathBuf, host: String| out.push(TraceSeed { name: name.into(), bytes: read(&path), host });
    let mut texts: Vec<TraceSeed> = Vec::new();
    for f in ["trace_ok.csv", "trace_too_large.csv", "trace_missing_column.csv"] {
        add(f, fx.join("bad").join(f), generic.clone());
    }
    let cols = "columns = { submit = \"submit_time\", accelerators = \"gpu_num\", duration = \"duration\", class = \"type\", utilization = \"util\" }";
    add("trace_small.csv", fx.join("trace_small.csv"), small(&format!("[workload.trace]\nfile = \"{{FILE}}\"\n{cols}")));
    add("acme.csv", traces.join("acme.csv"), small("[workload.trace]\nfile = \"{FILE}\"\nformat = \"acme\""));
    add("helios.csv", traces.join("helios.csv"), small("[workload.trace]\nfile = \"{FILE}\"\nformat = \"helios\""));
    for (f, n) in [
        ("pods_share.csv", "one_t4.csv"),
        ("pods_spec.csv", "t4_v100.csv"),
        ("pods_bad_number.csv", "one_t4.csv"),
        ("pods_no_times.csv", "one_t4.csv"),
    ] {
        add(f, traces.join(f), pods(&t(&traces.join(n))));
    }
    for f in ["nodes_g2.csv", "one_t4.csv", "t4_v100.csv", "nodes_unknown_model.csv"] {
        add(f, traces.join(f), nodes(&t(&traces.join("pods_share.csv"))));
    }
    // Inputs of the facility and the grid: seeds written here (small, valid).
    let mut add_text = |name: &str, text: String, host: String| texts.push(TraceSeed { name: name.into(), bytes: text.into_bytes(), host });
    let weather: String = std::iter::once("time,db,rh\n".to_string())
        .chain((0..=48).map(|h| format!("{h},{},{}\n", if h < 24 { 33.0 } else { -5.0 }, if h < 24 { 80.0 } else { 40.0 })))
        .collect();
    let plant = "[site]\nweather_file = \"{FILE}\"\nweather_columns = { time = \"time\", dry_bulb = \"db\", relative_humidity = \"rh\" }\n\
                 grid = \"east\"\n[facility]\n[[workload.classes]]\nname = \"t\"\nkind = \"fine-tune\"\nrate = \"20/d\"";
    add_text("weather.csv", weather, small(plant));
    let classes = "[[workload.classes]]\nname = \"t\"\nkind = \"fine-tune\"\nrate = \"20/d\"\n";
    add_text(
        "hourly.csv",
        "carbon_kg_per_kwh,pv_kw\n0.2,0\n0.8,100\n0.5,50\n".into(),
        small(&format!("{classes}[grid]\nhourly_file = \"{{FILE}}\"")),
    );
    add_text(
        "demand_response.csv",
        "start_h,end_h,shed_kw\n2,4,20\n30,31.5,5\n".into(),
        small(&format!("{classes}[grid]\ncap = \"60kW\"\ndemand_response_file = \"{{FILE}}\"")),
    );
    let durations = "seconds\n60\n3600\n86400\n5\n".to_string();
    let empirical = "[[workload.classes]]\nname = \"e\"\nkind = \"other\"\nrate = \"30/h\"\n\
                     duration = { dist = \"empirical\", file = \"{FILE}\", unit = \"1s\" }";
    add_text("durations.csv", durations, small(empirical));
    if let Some(data) = shared_data() {
        let ali = data.join("alibaba-gpu-v2023");
        if ali.join("openb_pod_list_default.csv").is_file() && ali.join("openb_node_list_gpu_node.csv").is_file() {
            add("openb_pod_list_default.csv", ali.join("openb_pod_list_default.csv"), pods(&t(&ali.join("openb_node_list_gpu_node.csv"))));
            add(
                "openb_node_list_gpu_node.csv",
                ali.join("openb_node_list_gpu_node.csv"),
                nodes(&t(&ali.join("openb_pod_list_default.csv"))),
            );
        }
        let philly = data.join("philly/philly_runtime.csv");
        if philly.is_file() {
            let body = "[[workload.classes]]\nname = \"philly\"\nkind = \"other\"\nrate = \"30/h\"\n\
                        size = { dist = \"power2\", min = 1, max = 8, alpha = 1.0 }\n\
                        duration = { dist = \"empirical\", file = \"{FILE}\", unit = \"1s\", min = \"1s\", max = \"30d\" }";
            add("philly_runtime.csv", philly, small(body));
        }
    }
    out.extend(texts);
    out
}

/// Which inputs a campaign mutates.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Scenario,
    Trace,
}

/// The seeds of a campaign, loaded once.
enum Seeds {
    Scenarios(Vec<(String, String)>),
    Traces(Vec<TraceSeed>),
}

impl Seeds {
    fn load(kind: Kind) -> Seeds {
        match kind {
            Kind::Scenario => Seeds::Scenarios(scenario_seeds()),
            Kind::Trace => Seeds::Traces(trace_seeds()),
        }
    }

    /// Case `i` of the campaign with base seed `base`.
    fn case(&self, i: usize, base: u64) -> Case {
        let mut rng = Rng::new(base.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ i as u64);
        match self {
            Seeds::Scenarios(seeds) => {
                let (name, text) = &seeds[i % seeds.len()];
                let mut prefix = String::new();
                let mut text = text.clone();
                if rng.chance(1, 4) {
                    let (donor, donor_text) = &seeds[rng.below(seeds.len())];
                    let (spliced, what) = mutate::splice(&text, donor_text, &mut rng);
                    text = spliced;
                    prefix = format!("{what} from {donor}; ");
                }
                let (bytes, log) = mutate::scenario(&text, &mut rng);
                Case { label: format!("scenario:{i} {name}: {prefix}{}", log.join("; ")), scenario: bytes, files: vec![] }
            }
            Seeds::Traces(seeds) => {
                let seed = &seeds[i % seeds.len()];
                let (bytes, log) = mutate::csv(&seed.bytes, &mut rng);
                let file = format!("mutated-{}", seed.name);
                Case {
                    label: format!("trace:{i} {}: {}", seed.name, log.join("; ")),
                    scenario: seed.host.replace("{FILE}", &file).into_bytes(),
                    files: vec![(file, bytes)],
                }
            }
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// The base seed: `AIDC_FUZZ_SEED`, else 1 for the normal run and 2 for the long mode (so that
/// the long mode explores other cases).
fn base_seed(long: bool) -> u64 {
    std::env::var("AIDC_FUZZ_SEED").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(if long { 2 } else { 1 })
}

/// What a campaign saw.
#[derive(Debug, Default)]
struct Report {
    cases: usize,
    by_code: BTreeMap<i32, usize>,
    capped: BTreeMap<String, usize>,
    capped_examples: Vec<String>,
    spawned: usize,
    spawned_by_code: BTreeMap<i32, usize>,
    slowest: (f64, String),
    slowest_binary: (f64, String),
    abandoned: Vec<String>,
    findings: Vec<String>,
}

impl Report {
    fn add(&mut self, case: &Case, o: &Outcome, spawned: bool) {
        if spawned {
            self.spawned += 1;
            *self.spawned_by_code.entry(o.code).or_default() += 1;
            if o.secs > self.slowest_binary.0 {
                self.slowest_binary = (o.secs, case.label.chars().take(200).collect());
            }
        } else {
            self.cases += 1;
            *self.by_code.entry(o.code).or_default() += 1;
            if let Some(why) = &o.capped {
                *self.capped.entry(why.split(':').next().unwrap_or("").to_string()).or_default() += 1;
                if self.capped_examples.len() < 12 {
                    self.capped_examples.push(format!("{why} ({})", case.label.chars().take(120).collect::<String>()));
                }
            }
            if o.secs > self.slowest.0 {
                self.slowest = (o.secs, case.label.chars().take(200).collect());
            }
        }
        if !o.problems.is_empty() {
            let saved = save_finding(case, o);
            let label: String = case.label.chars().take(300).collect();
            self.findings.push(format!("{label}\n    {}\n    saved in {}", o.problems.join("\n    "), saved.display()));
        }
    }

    fn print(&self, title: &str, wall_s: f64) {
        println!("{title}: {} cases in {wall_s:.0} s; exits {:?}", self.cases, self.by_code);
        println!("  refused by the resource guards, or checked only (too busy for a campaign): {:?}", self.capped);
        for e in &self.capped_examples {
            println!("    {e}");
        }
        println!("  through the binary: {} cases, exits {:?}", self.spawned, self.spawned_by_code);
        println!("  slowest in process: {:.2} CPU s ({})", self.slowest.0, self.slowest.1);
        println!("  slowest through the binary: {:.2} CPU s ({})", self.slowest_binary.0, self.slowest_binary.1);
        println!("  stopped after the time limit (not a failure in the normal run): {:?}", self.abandoned);
        println!("  findings: {}", self.findings.len());
        for f in &self.findings {
            println!("  - {f}");
        }
    }
}

/// Writes a failing case where it can become a regression fixture.
fn save_finding(case: &Case, o: &Outcome) -> PathBuf {
    let id: String = case.label.split_whitespace().next().unwrap_or("case").replace(':', "-");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings").join(id);
    case.write(&dir);
    let _ = std::fs::write(dir.join("what.txt"), format!("{}\n\n{}\n", case.label, o.problems.join("\n")));
    dir
}

/// Runs `n` cases of `kind` on `threads` threads, every `spawn_every`-th also through the
/// binary; with `watchdog`, a case running longer is a finding.
fn campaign(kind: Kind, n: usize, threads: usize, spawn_every: usize, watchdog: Option<Duration>) -> Report {
    let seeds = Arc::new(Seeds::load(kind));
    let base = base_seed(watchdog.is_some());
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<(Case, Outcome, bool)>();
    let tmp = tempfile::tempdir().expect("fuzz folder");
    for w in 0..threads {
        let (seeds, next, tx) = (seeds.clone(), next.clone(), tx.clone());
        let dir = tmp.path().join(format!("w{w}"));
        let limit = watchdog.unwrap_or(QUICK_LIMIT);
        std::thread::spawn(move || {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let case = seeds.case(i, base);
                let o = run::in_process(&case, &dir.join("lib"), limit);
                let capped = o.capped.is_some() && o.code == 0;
                if tx.send((case.clone(), o, false)).is_err() {
                    break;
                }
                if capped || (spawn_every > 0 && i % spawn_every == 0) {
                    let o = run::binary(&case, &dir.join("bin"), capped, limit);
                    if tx.send((case, o, true)).is_err() {
                        break;
                    }
                }
            }
        });
    }
    drop(tx);
    let limit = watchdog.unwrap_or(QUICK_LIMIT);
    let mut report = Report::default();
    for (case, mut o, spawned) in rx {
        if o.abandoned {
            if watchdog.is_some() {
                o.problems.push(format!("ran over {} s", limit.as_secs()));
            } else {
                report.abandoned.push(case.label.chars().take(200).collect());
            }
        }
        report.add(&case, &o, spawned);
    }
    report
}

fn assert_clean(report: &Report, what: &str) {
    assert!(report.findings.is_empty(), "{what}: {} findings:\n{}", report.findings.len(), report.findings.join("\n"));
}

#[test]
fn mutated_scenarios_keep_the_contract() {
    let n = env_usize("AIDC_FUZZ_QUICK_CASES", 400);
    let started = Instant::now();
    let report = campaign(Kind::Scenario, n, 1, 20, None);
    report.print("scenario mutations", started.elapsed().as_secs_f64());
    assert_eq!(report.cases, n, "every case ran");
    let accepted = report.by_code.get(&0).copied().unwrap_or(0);
    assert!(accepted > n / 10 && accepted < n, "mutations are neither all accepted nor all refused: {:?}", report.by_code);
    assert_clean(&report, "scenario mutations");
}

#[test]
fn mutated_traces_keep_the_contract() {
    let n = env_usize("AIDC_FUZZ_QUICK_TRACES", 200);
    let started = Instant::now();
    let report = campaign(Kind::Trace, n, 1, 20, None);
    report.print("trace mutations", started.elapsed().as_secs_f64());
    assert_eq!(report.cases, n, "every case ran");
    assert_clean(&report, "trace mutations");
}

/// The trace seeds and their hosts are valid before mutation (else the fuzzer tests nothing
/// past the resolver).
#[test]
fn every_trace_seed_runs_unmutated() {
    let tmp = tempfile::tempdir().unwrap();
    for seed in trace_seeds() {
        let file = format!("seed-{}", seed.name);
        let case = Case {
            label: seed.name.clone(),
            scenario: seed.host.replace("{FILE}", &file).into_bytes(),
            files: vec![(file, seed.bytes.clone())],
        };
        let o = run::in_process(&case, tmp.path(), QUICK_LIMIT);
        // The bad-input fixtures are meant to fail; every other seed runs.
        let want = if seed.name == "trace_too_large.csv"
            || seed.name == "trace_missing_column.csv"
            || seed.name.starts_with("pods_bad")
            || seed.name.starts_with("pods_no")
            || seed.name == "nodes_unknown_model.csv"
        {
            2
        } else {
            0
        };
        assert_eq!((o.code, o.problems.clone()), (want, vec![]), "seed {}", seed.name);
    }
}

/// Every input the fuzzer found: a folder of `tests/fixtures/fuzz/` with `scenario.toml` and the
/// files it reads, and `what.txt` saying what it broke.
#[test]
fn every_input_the_fuzzer_found_keeps_the_contract() {
    let dir = fixture_path("fuzz");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&dir).map_or(vec![], |rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect());
    cases.sort();
    let tmp = tempfile::tempdir().unwrap();
    let mut findings = Vec::new();
    for c in &cases {
        let mut files = Vec::new();
        for e in std::fs::read_dir(c).unwrap().filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != "scenario.toml" && name != "what.txt" {
                files.push((name, std::fs::read(e.path()).unwrap()));
            }
        }
        let case = Case { label: c.display().to_string(), scenario: std::fs::read(c.join("scenario.toml")).unwrap(), files };
        for o in
            [run::in_process(&case, &tmp.path().join("lib"), QUICK_LIMIT), run::binary(&case, &tmp.path().join("bin"), false, QUICK_LIMIT)]
        {
            if !o.problems.is_empty() {
                findings.push(format!("{}: {}", case.label, o.problems.join("; ")));
            }
        }
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// The long campaign (see the module doc). Prints its figures; any finding fails it.
#[test]
#[ignore = "long: 20,000 scenarios and 5,000 traces; run with -- --ignored"]
fn long_campaign() {
    if let Ok(only) = std::env::var("AIDC_FUZZ_ONLY") {
        let (kind, i) = only.split_once(':').expect("AIDC_FUZZ_ONLY=scenario:N or trace:N");
        let kind = if kind == "trace" { Kind::Trace } else { Kind::Scenario };
        let case = Seeds::load(kind).case(i.parse().expect("a case number"), base_seed(true));
        let o = run::in_process(&case, &Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-one"), WATCHDOG);
        let saved = save_finding(&case, &o);
        println!("{}\n{o:?}\nwritten to {}", case.label, saved.display());
        return;
    }
    let threads = env_usize("AIDC_FUZZ_THREADS", 2);
    for (kind, var, default) in [(Kind::Scenario, "AIDC_FUZZ_CASES", 20_000), (Kind::Trace, "AIDC_FUZZ_TRACES", 5_000)] {
        let n = env_usize(var, default);
        let started = Instant::now();
        let report = campaign(kind, n, threads, 25, Some(WATCHDOG));
        report.print(&format!("long campaign, {kind:?} mutations"), started.elapsed().as_secs_f64());
        assert_eq!(report.cases, n, "{kind:?} mutations: every case ran (a worker died?)");
        assert_clean(&report, &format!("{kind:?} mutations"));
    }
}
