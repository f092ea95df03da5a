//! Networks and work-defined jobs: switch counts against the SuperPOD reference, FLOPs /
//! duration / MFU consistency, placement inside one pod beats spreading, bandwidth sharing slows
//! jobs only on oversubscribed fabrics, switch power joins IT energy, bad `[network]` and `work`
//! input, determinism.

use crate::support::*;
use aidc::engine::Simulation;
use aidc::engine::Summary;
use aidc::scenario::Scenario;

const H100_BF16: f64 = 989.4e12;

/// A center of `racks` racks of 2 nodes of 8 H100, a class and extra sections.
fn scenario(racks: u32, classes: &str, extra: &str, horizon: &str) -> Scenario {
    let text = format!("{}\n{extra}\n", small(racks, classes, "fifo", horizon));
    let dir = tempfile::tempdir().unwrap();
    from_text(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"))
}

fn run(sc: &Scenario) -> (Summary, String) {
    let mut jobs = Vec::new();
    let mut sim = Simulation::new(sc, Vec::new(), Vec::new()).unwrap();
    sim.run_until(sc.horizon_ms / 2, |_| {}).unwrap();
    sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    sim.run(|_| {}).unwrap();
    sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    let (s, _, _, j) = sim.finish(0.0).unwrap();
    jobs.extend(j);
    (s, String::from_utf8(jobs).unwrap())
}

/// (run_s, model_pflop, step_s) of completed jobs, from jobs.csv.
fn completed(jobs: &str) -> Vec<(f64, f64, f64)> {
    let mut lines = jobs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("no column {n} in {header:?}"));
    let (run, flops, step, state) = (col("run_s"), col("model_pflop"), col("step_s"), col("state"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[state] == "completed")
        .map(|r| (r[run].parse().unwrap(), r[flops].parse().unwrap(), r[step].parse().unwrap()))
        .collect()
}

const NET_1TO1: &str = r#"
[network]
fabric = "fat-tree"
tiers = 2
radix = 64
pod_nodes = 4
"#;

#[test]
fn flops_duration_and_mfu_are_consistent() {
    // One 64-accelerator job at a time, 7B on 20B tokens, no network: duration = 6 N D / (n peak mfu).
    let class = r#"
[[workload.classes]]
name = "llm"
kind = "pretrain"
rate = "1/w"
size = { dist = "fixed", value = 64 }
work = { params = "7B", tokens = "20B", precision = "bf16", mfu = 0.35 }
failed = { share = 0.0 }
cancelled = { share = 0.0 }
"#;
    let sc = scenario(8, class, "", "60d");
    let (s, jobs) = run(&sc);
    let rows = completed(&jobs);
    assert!(rows.len() >= 5, "{jobs}");
    let flops = 6.0 * 7e9 * 20e9;
    let expect_s = flops / (64.0 * H100_BF16 * 0.35);
    for (run_s, pflop, _) in &rows {
        assert!((pflop * 1e15 - flops).abs() / flops < 1e-9, "{pflop}");
        // FLOPs = duration x n x peak x mfu, within the 1 ms rounding of the duration.
        assert!((run_s - expect_s).abs() / expect_s < 1e-8, "{run_s} vs {expect_s}");
    }
    let mfu = s.utilization.mfu_mean.expect("work-defined jobs give an MFU");
    assert!((mfu - 0.35).abs() / 0.35 < 1e-6, "{mfu}");
    let pflops = s.utilization.effective_pflops.unwrap();
    assert!(pflops > 0.0 && pflops * 1e15 * sc.horizon_ms as f64 / 1000.0 >= rows.len() as f64 * flops * (1.0 - 1e-9));
    assert!(s.network.is_none(), "no [network]: no network section");
}

#[test]
fn superpod_switch_counts_match_the_reference_architecture() {
    // 4 SUs of 32 DGX H100 (8 rails) on 64-port 400G switches: 32 leaves and 16 spines (BRIEF §7).
    let text = format!(
        "{}\n[network]\nfabric = \"rail-optimized\"\n",
        small(64, "", "fifo", "1d")
            .replace("[scheduler]", "[[workload.classes]]\nname = \"d\"\nkind = \"debug\"\nrate = \"1/h\"\n[scheduler]")
    );
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let net = sc.network.as_ref().unwrap();
    let c = aidc::model::network::switch_counts(net, 128, 8).unwrap();
    assert_eq!((c.leaves, c.spines, c.cores), (32, 16, 0));
    assert_eq!(c.ports, 1024 + 2 * 32 * 32);
    // Non-blocking two-tier capacity k²/2: 2048 endpoints reach, 2049 do not.
    let mut ft = net.clone();
    ft.fabric = aidc::config::network::FabricKind::FatTree;
    assert!(aidc::model::network::switch_counts(&ft, 256, 8).is_ok());
    assert!(aidc::model::network::switch_counts(&ft, 257, 8).is_err());
    // Three tiers reach k³/4 = 65,536 endpoints.
    ft.tiers = 3;
    ft.oversubscription = vec![1.0, 1.0];
    assert!(aidc::model::network::switch_counts(&ft, 8192, 8).is_ok());
    assert!(aidc::model::network::switch_counts(&ft, 8193, 8).is_err());
    // The power joins IT: the run's IT energy holds switches x power x horizon exactly.
    let (s, _) = run(&sc);
    let n = s.network.as_ref().unwrap();
    assert_eq!((n.leaf_switches, n.spine_switches), (32, 16));
    let kw = 48.0 * 1.1 + (1024.0 + 2048.0) * 0.009;
    assert!((n.switch_power_kw - kw).abs() < 1e-9, "{}", n.switch_power_kw);
    assert!((n.energy_kwh - kw * 24.0).abs() < 1e-6);
    assert!(s.power.it_kw.min >= s.capacity.it_idle_kw + kw - 1e-3, "{:?} {} {kw}", s.power, s.capacity.it_idle_kw);
}

const COMM_HEAVY: &str = r#"
[[workload.classes]]
name = "llm"
kind = "pretrain"
rate = "2/d"
size = { dist = "fixed", value = 32 }
work = { params = "20B", tokens = "20B", batch_tokens = "1M", mfu = 0.4, overlap = 0 }
"#;

fn mean_run(jobs: &str) -> (f64, f64, usize) {
    let rows = completed(jobs);
    let n = rows.len() as f64;
    (rows.iter().map(|r| r.0).sum::<f64>() / n, rows.iter().map(|r| r.1).sum::<f64>() / n, rows.len())
}

#[test]
fn placement_inside_one_pod_beats_spreading() {
    // 8 nodes in 2 pods of 4; each 4-node job fits in one pod. A slow spine (10 ms per step).
    let net = format!("{NET_1TO1}latency = {{ spine = \"10ms\" }}\n");
    let topo = scenario(4, COMM_HEAVY, &net, "60d");
    let mut random = topo.clone();
    random.scheduler.placement = aidc::config::Placement::Random;
    let (st, jt) = run(&topo);
    let (sr, jr) = run(&random);
    let (t_topo, f_topo, n_topo) = mean_run(&jt);
    let (t_rand, f_rand, n_rand) = mean_run(&jr);
    assert!(n_topo > 10 && n_rand > 10);
    assert_eq!(f_topo, f_rand, "same FLOPs per job");
    assert!(t_rand > t_topo * 1.001, "random {t_rand} s vs topology {t_topo} s");
    let (nt, nr) = (st.network.unwrap(), sr.network.unwrap());
    assert_eq!(nt.jobs_crossing_spine, 0, "topology keeps every job inside a pod");
    assert!(nr.jobs_crossing_spine > 0 && nr.slowdown_mean > 1.0 && nt.slowdown_mean == 1.0, "{nr:?} {nt:?}");
    assert!(sr.utilization.mfu_mean.unwrap() < st.utilization.mfu_mean.unwrap());
}

#[test]
fn bandwidth_sharing_slows_jobs_only_when_oversubscribed() {
    // 6-node jobs on pods of 4 always cross the spine; two run at once on 12 nodes.
    let class = COMM_HEAVY.replace("value = 32", "value = 48").replace("2/d", "6/d").replace("\"1M\"", "\"64k\"");
    let one = scenario(6, &class, NET_1TO1, "30d");
    let over = scenario(6, &class, &NET_1TO1.replace("pod_nodes = 4", "pod_nodes = 4\noversubscription = [\"8:1\"]"), "30d");
    let (s1, j1) = run(&one);
    let (s4, j4) = run(&over);
    let (n1, n4) = (s1.network.unwrap(), s4.network.unwrap());
    assert!(n1.jobs_crossing_spine > 5 && n4.jobs_crossing_spine > 5);
    assert_eq!(n1.slowdown_mean, 1.0, "1:1 never overloads a pod's uplinks: {n1:?}");
    assert!(n4.slowdown_mean > 1.0, "8:1: {n4:?}");
    let (t1, ..) = mean_run(&j1);
    let (t4, ..) = mean_run(&j4);
    assert!(t4 > t1, "{t4} vs {t1}");
    assert!(n4.exposed_comm_fraction_mean > n1.exposed_comm_fraction_mean);
}

#[test]
fn runs_with_a_network_are_deterministic() {
    let mut sc = scenario(6, COMM_HEAVY, &NET_1TO1.replace("pod_nodes = 4", "pod_nodes = 4\noversubscription = [\"2:1\"]"), "20d");
    sc.scheduler.placement = aidc::config::Placement::Random;
    let (a, ja) = run(&sc);
    let (b, jb) = run(&sc);
    assert_eq!(ja, jb);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    match from_text(text, dir.path()) {
        Ok(_) => panic!("expected an error for\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn base(classes: &str, extra: &str) -> String {
    format!("{}\n{extra}\n", small(4, classes, "fifo", "1d"))
}

const DEBUG: &str = "[[workload.classes]]\nname = \"d\"\nkind = \"debug\"\nrate = \"1/h\"\n";

#[test]
fn bad_network_and_work_input_names_the_line_and_field() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (DEBUG, "[network]\nfabric = \"torus\"\n", "network.fabric", "\"rail-optimized\" or \"fat-tree\""),
        (DEBUG, "[network]\ntiers = 4\n", "network.tiers", "2 or 3"),
        (DEBUG, "[network]\nradix = 63\n", "network.radix", "even number"),
        (DEBUG, "[network]\noversubscription = [\"1:2\"]\n", "network.oversubscription[0]", "ratio of at least 1"),
        (DEBUG, "[network]\noversubscription = [\"1:1\", \"1:1\"]\n", "network.oversubscription", "1 ratio(s)"),
        (DEBUG, "[network]\nlink = \"400Gbit\"\n", "network.link", "bandwidth"),
        (DEBUG, "[network]\nlatency = { leaf = \"5\" }\n", "network.latency.leaf", "latency"),
        (DEBUG, "[network]\ndomain_nodes = 3\npod_nodes = 4\n", "network.domain_nodes", "dividing pod_nodes"),
        (DEBUG, "[network]\npod_nodes = 40\n", "network.pod_nodes", "at most 32 nodes"),
        (DEBUG, "[network]\nfabric = \"fat-tree\"\nradix = 8\n", "network.tiers", "use tiers = 3"),
        (DEBUG, "[network]\nspeed = \"1Tbps\"\n", "network", "unknown field"),
        (
            "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"1/d\"\nwork = { params = \"7B\", tokens = \"1T\", precision = \"fp3\" }\n",
            "",
            "workload.classes[0].work.precision",
            "no dense peak",
        ),
        (
            "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"1/d\"\nwork = { params = \"7B\" }\n",
            "",
            "workload.classes[0].work",
            "tokens",
        ),
        (
            "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"1/d\"\nduration = { dist = \"fixed\", value = \"1h\" }\nwork = { params = \"7B\", tokens = \"1T\" }\n",
            "",
            "workload.classes[0].duration",
            "either duration or work",
        ),
        (
            "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"1/d\"\nwork = { params = \"7B\", tokens = \"1T\", mfu = 1.5 }\n",
            "",
            "workload.classes[0].work.mfu",
            "(0, 1]",
        ),
        (
            "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"1/d\"\nwork = { params = \"lots\", tokens = \"1T\" }\n",
            "",
            "workload.classes[0].work.params",
            "count",
        ),
    ];
    for (classes, extra, field, msg) in cases {
        let text = base(classes, extra);
        let e = error_of(&text);
        assert!(e.contains("test.toml:") && e.contains(field) && e.contains(msg), "{field}: {e}");
        // The located line holds the field's key (or its table).
        let line: usize = e.split("test.toml:").nth(1).and_then(|r| r.split(':').next()).and_then(|l| l.parse().ok()).unwrap_or(0);
        assert!(line > 0, "{e}");
    }
    let text = base(DEBUG, "").replace("policy = \"fifo\"", "policy = \"fifo\"\nplacement = \"topology\"");
    let e = error_of(&text);
    assert!(e.contains("scheduler.placement") && e.contains("[network]"), "{e}");
    let text = base(DEBUG, "").replace("policy = \"fifo\"", "policy = \"fifo\"\nplacement = \"scatter\"");
    assert!(error_of(&text).contains("\"random\""));
}

#[test]
fn topology_placement_keeps_pod_free_counts_in_step() {
    // Pod free-node counts are kept by deltas: after a run they equal a recount.
    let sc = scenario(8, COMM_HEAVY, NET_1TO1, "10d");
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    sim.run_until(5 * 86_400_000, |_| {}).unwrap();
    sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    let (counts, recount) = sim.pod_free_recount(0);
    assert_eq!(counts, recount);
}

#[test]
fn network_and_work_round_trip_through_the_resolved_scenario() {
    let class = r#"
[[workload.classes]]
name = "w"
kind = "pretrain"
rate = "1/d"
work = { params = "7B", steps = 1000, batch = 512, seq_len = 4096, precision = "fp8", gradient_bytes = 4, overlap = 0.8 }
[[workload.classes]]
name = "serve"
kind = "batch-inference"
rate = "1/d"
work = { params = "70B", tokens = "10B" }
"#;
    let net = r#"
[network]
fabric = "fat-tree"
tiers = 3
radix = 32
nic = "200Gbps"
oversubscription = ["3:1", "2:1"]
domain_nodes = 2
latency = { domain = "1.5us", leaf = "4us", spine = "9.25us" }
switch_power = "1.6kW"
optic_power = "12W"
"#;
    let mut sc = scenario(8, class, net, "1d");
    sc.scheduler.placement = aidc::config::Placement::Random;
    let w = sc.classes[0].work.as_ref().unwrap();
    assert_eq!((w.tokens, w.batch_tokens, w.flops_per_param_token), (1000.0 * 512.0 * 4096.0, 512.0 * 4096.0, 6.0));
    assert_eq!(w.peak_flops, 1978.9e12);
    let serve = sc.classes[1].work.as_ref().unwrap();
    assert_eq!((serve.flops_per_param_token, serve.gradient_bytes), (2.0, 0.0), "inference: 2 N D, no gradients");
    let dir = tempfile::tempdir().unwrap();
    assert_round_trips(&sc, dir.path(), "resolved.toml");
}

#[test]
fn bench_10k_network_is_byte_identical_across_runs() {
    use aidc::engine::{RunOptions, run_to_dir};
    let dir = tempfile::tempdir().unwrap();
    let mut sc = ready("bench-10k-network.toml");
    sc.horizon_ms = 4 * 86_400_000;
    for name in ["a", "b"] {
        run_to_dir(&sc, &dir.path().join(name), &RunOptions::default()).unwrap();
    }
    let read = |d: &str, f: &str| std::fs::read(dir.path().join(d).join(f)).unwrap();
    for f in ["summary.json", "timeseries.csv", "jobs.csv"] {
        assert_eq!(read("a", f), read("b", f), "{f} differs between identical runs");
    }
    let jobs = String::from_utf8(read("a", "jobs.csv")).unwrap();
    assert!(jobs.lines().next().unwrap().ends_with(",interruptions,model_pflop,step_s"));
}
