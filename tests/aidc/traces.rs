//! Real traces: the Alibaba GPU v2023 pod list with fractional GPU shares on its node list, the
//! Acme and Helios job logs, bad trace input, and (where the shared data folder is present) a
//! replay of the real openb_pod_list_default.csv.
//!
//! Tests that read the real data look in `$AIDC_DATA`, then `../shared/data` from the project
//! root, and are skipped with a message where it is absent.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_to_dir};
use aidc::model::compute::power::{NodePowerModel, PPM};

/// A scenario reading the node list `nodes` and the pod list `pods` of the fixtures folder.
fn alibaba(nodes: &str, pods: &str, horizon: &str, extra: &str) -> String {
    format!(
        r#"
name = "pods"
[simulation]
horizon = "{horizon}"
step = "10m"
[cluster]
node_list = "{TRACES}/{nodes}"
[workload.trace]
file = "{TRACES}/{pods}"
format = "alibaba-v2023"
utilization = 0.5
{extra}
"#
    )
}

/// Rows of a CSV file as maps from column name to cell (a real CSV parser: reasons are quoted).
fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    rdr.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[test]
fn pods_share_a_gpu_wait_for_room_and_are_rejected_with_a_reason_when_no_node_fits() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&alibaba("one_t4.csv", "pods_share.csv", "1h", ""), dir.path()).unwrap();
    let trace = sc.trace.as_ref().unwrap();
    assert_eq!(trace.skipped, vec![("never scheduled (no scheduled_time)".to_string(), 1)], "pod f never ran");
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = read_csv(&out.join("jobs.csv"));
    let by_line = |line: u32| rows.iter().find(|r| r["trace_line"] == line.to_string()).unwrap_or_else(|| panic!("line {line}"));
    // a (600) and b (400) fill the one T4 together from t = 0; c (500) waits until they end.
    for (line, start, end) in [(2, "0", "1000"), (3, "0", "1000"), (4, "1000", "2000"), (5, "10", "510")] {
        let j = by_line(line);
        assert_eq!((j["state"].as_str(), j["start_s"].as_str(), j["end_s"].as_str()), ("completed", start, end), "line {line}: {j:?}");
    }
    assert_eq!(by_line(4)["wait_s"], "990");
    assert_eq!(by_line(5)["accelerators"], "0", "d is CPU-only");
    // e asks more CPU than the node has, g a GPU model it lacks, h more GPUs than it has.
    for (line, says) in [(6, "9000 CPU milli"), (8, "V100M32"), (9, "needs 2 GPU(s)")] {
        let j = by_line(line);
        assert_eq!(j["state"], "rejected", "line {line}");
        assert!(j["reason"].contains(says), "line {line}: the reason says why: {:?}", j["reason"]);
    }
    assert_eq!(r.summary.jobs.rejected, 3);
    assert_eq!(by_line(2)["gpu_milli"], "600");
    assert_eq!(by_line(8)["gpu_spec"], "V100M32");
    assert_eq!(by_line(4)["trace_state"], "Succeeded");

    // Fractional allocation: (600 + 400 + 500) milli x 1000 s over one GPU for 3600 s.
    let s = summary_json(&out);
    let u = &s["utilization"];
    assert_eq!(u["allocation_basis"], "gpu-share");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(u["allocated_mean"].as_f64().unwrap(), 1500.0 / 3600.0), "{u}");
    assert!(close(u["occupied_mean"].as_f64().unwrap(), 2000.0 / 3600.0), "{u}");
    assert!(close(u["effective_mean"].as_f64().unwrap(), 0.5 * 1500.0 / 3600.0), "{u}");
    // Per class, GPU-hours count shares: LS held a (0.6) and c (0.5) for 1000 s each, BE b (0.4).
    let class_h = |c: &str| s["jobs"]["by_class"][c]["accelerator_hours"].as_f64().unwrap();
    assert!(close(class_h("LS"), 1100.0 / 3600.0) && close(class_h("BE"), 400.0 / 3600.0), "{}", s["jobs"]["by_class"]);

    // Energy: the GPU's dynamic power is the share-weighted sum of its pods' f(u) (linear f).
    let model = NodePowerModel::new(&sc.node_types[0], &sc.devices[sc.node_types[0].device], 1.0);
    let half = PPM / 2;
    let mw_s = model.power_mw(1, half * 600 / 1000 + half * 400 / 1000) as f64 * 1000.0
        + model.power_mw(1, half * 500 / 1000) as f64 * 1000.0
        + model.power_mw(0, 0) as f64 * 1600.0;
    let want_kwh = mw_s / 3.6e9;
    let got_kwh = s["energy"]["it_kwh"].as_f64().unwrap();
    assert!((got_kwh - want_kwh).abs() < 1e-9, "IT energy {got_kwh} kWh, expected {want_kwh} kWh");
}

#[test]
fn a_gpu_spec_restricts_pods_to_the_named_models() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&alibaba("t4_v100.csv", "pods_spec.csv", "1h", ""), dir.path()).unwrap();
    let out = dir.path().join("out");
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = read_csv(&out.join("jobs.csv"));
    // Both want the one V100M32 GPU (not the free T4): the second waits for the first.
    let waits: Vec<&str> = rows.iter().map(|r| r["wait_s"].as_str()).collect();
    assert_eq!(waits, ["0", "100"], "{rows:?}");
}

#[test]
fn the_node_list_builds_node_types_racks_and_a_hall_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&alibaba("t4_v100.csv", "pods_spec.csv", "1h", ""), dir.path()).unwrap();
    let names: Vec<&str> = sc.node_types.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["T4-1gpu-8cpu-32gib", "V100M32-1gpu-8cpu-32gib"]);
    assert_eq!(sc.devices[sc.node_types[1].device].spec.id, "V100-SXM2-32GB");
    assert_eq!(sc.devices[sc.node_types[1].device].max_w, 300.0, "V100 SXM2 board power (datasheet)");
    assert_eq!((sc.halls.len(), sc.racks(), sc.nodes(), sc.accelerators()), (1, 2, 2, 2));
    let list = sc.node_list.as_ref().unwrap();
    assert_eq!(list.capacity, [(8000, 32768), (8000, 32768)]);
    assert_round_trips(&sc, dir.path(), "resolved.toml");
}

#[test]
fn acme_and_helios_logs_import_with_their_sizes_durations_classes_and_states() {
    let dir = tempfile::tempdir().unwrap();
    let sc = |file: &str, format: &str| {
        let t = format!("[workload.trace]\nfile = \"{TRACES}/{file}\"\nformat = \"{format}\"\n");
        from_text(&small(4, &t, "backfill", "1d"), dir.path()).unwrap()
    };
    let acme = sc("acme.csv", "acme");
    let t = acme.trace.as_ref().unwrap();
    let got: Vec<(u64, u32, u64, &str, &str, u16)> = t
        .jobs
        .iter()
        .map(|j| {
            (
                j.submit_ms,
                j.accelerators,
                j.duration_ms,
                t.labels[j.label as usize].as_str(),
                t.states[j.state as usize - 1].as_str(),
                j.nodes,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, 8, 3_600_000, "Pretrain", "COMPLETED", 1),
            (300_000, 1, 120_000, "Evaluation", "FAILED", 1),
            (600_000, 16, 7_200_000, "SFT", "CANCELLED", 2)
        ]
    );
    assert_eq!(t.jobs[0].cpu_milli, 64_000);
    assert_eq!(t.skipped, [("CPU-only job (gpu_num = 0)".to_string(), 1), ("no duration".to_string(), 1)]);

    let helios = sc("helios.csv", "helios");
    let t = helios.trace.as_ref().unwrap();
    let got: Vec<(u64, u32, u64, &str)> =
        t.jobs.iter().map(|j| (j.submit_ms, j.accelerators, j.duration_ms, t.labels[j.label as usize].as_str())).collect();
    assert_eq!(got, [(0, 1, 600_000, "vc6YE"), (60_000, 8, 30_000, "vcKrW"), (180_000, 2, 3_600_000, "vcKrW")]);
    assert_eq!(t.states, ["COMPLETED", "FAILED", "CANCELLED"]);

    // A replay keeps the trace's state per job in jobs.csv.
    let out = dir.path().join("out");
    run_to_dir(&helios, &out, &RunOptions::default()).unwrap();
    let mut rows = read_csv(&out.join("jobs.csv"));
    rows.sort_by_key(|r| r["job_id"].parse::<u64>().unwrap());
    let states: Vec<(&str, &str)> = rows.iter().map(|r| (r["class"].as_str(), r["trace_state"].as_str())).collect();
    assert_eq!(states, [("vc6YE", "COMPLETED"), ("vcKrW", "FAILED"), ("vcKrW", "CANCELLED")]);
    // ... and ends each job in it, after its own duration.
    let ends: Vec<(&str, &str)> = rows.iter().map(|r| (r["state"].as_str(), r["run_s"].as_str())).collect();
    assert_eq!(ends, [("completed", "600"), ("failed", "30"), ("cancelled", "3600")]);
}

/// Runs `aidc run` on scenario text in a temporary folder; returns (exit code, stderr).
fn run_bad(text: &str, env: Option<(&str, &Path)>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let o = aidc_env(dir.path(), env.as_slice(), ["run", "bad.toml", "--out", "out"]);
    assert!(!dir.path().join("out").exists(), "a failed run writes nothing");
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code(), err)
}

#[test]
fn bad_trace_input_names_the_file_the_line_and_the_column() {
    let (code, err) = run_bad(&alibaba("one_t4.csv", "pods_bad_number.csv", "1h", ""), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("pods_bad_number.csv:3:4: num_gpu: expected a whole number"), "{err}");
    assert!(err.contains("\"two\""), "says what it found: {err}");

    let (code, err) = run_bad(&alibaba("one_t4.csv", "pods_no_times.csv", "1h", ""), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("pods_no_times.csv:1: creation_time"), "{err}");
    assert!(err.contains("creation_time, deletion_time, scheduled_time"), "names every missing column: {err}");

    let (code, err) = run_bad(&alibaba("nodes_unknown_model.csv", "pods_share.csv", "1h", ""), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("nodes_unknown_model.csv:3:5: model"), "{err}");
    assert!(err.contains("models = { X9"), "says how to map it: {err}");

    let (code, err) = run_bad(&alibaba("one_t4.csv", "pods_share.csv", "1h", "[cluster.models]\nT4 = \"T5\"\n"), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.toml:") && err.contains("cluster.models.T4"), "{err}");

    let text = alibaba("one_t4.csv", "pods_share.csv", "1h", "").replace(&format!("{TRACES}/pods_share.csv"), "data:nowhere/pods.csv");
    let empty = tempfile::tempdir().unwrap();
    let (code, err) = run_bad(&text, Some(("AIDC_DATA", empty.path())));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("workload.trace.file") && err.contains("nowhere/pods.csv"), "names the field and the file: {err}");
    assert!(err.contains("alibaba/clusterdata") && err.contains("AIDC_DATA"), "says where to get the data: {err}");

    let (code, err) = run_bad(&alibaba("one_t4.csv", "pods_share.csv", "1h", "[failures]\n"), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("failures"), "{err}");
}

/// The shared data folder, or None (with a message) where it is absent.
fn data() -> Option<PathBuf> {
    let dir = shared_data_dir().join("alibaba-gpu-v2023");
    if dir.join("openb_pod_list_default.csv").is_file() && dir.join("openb_node_list_gpu_node.csv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: the Alibaba GPU v2023 data are not in {} (set AIDC_DATA)", dir.display());
        None
    }
}

#[test]
fn the_real_alibaba_replay_keeps_every_request_and_rejects_only_pods_no_node_fits() {
    let Some(data) = data() else { return };
    let sc = ready("alibaba-openb.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let pods = read_csv(&data.join("openb_pod_list_default.csv"));
    let nodes = read_csv(&data.join("openb_node_list_gpu_node.csv"));
    let n = |m: &std::collections::HashMap<String, String>, k: &str| m[k].parse::<u64>().unwrap();
    let fits = |p: &std::collections::HashMap<String, String>| {
        nodes.iter().any(|nd| {
            n(nd, "gpu") >= n(p, "num_gpu") && n(nd, "cpu_milli") >= n(p, "cpu_milli") && n(nd, "memory_mib") >= n(p, "memory_mib")
        })
    };
    let jobs = read_csv(&out.join("jobs.csv"));
    let scheduled = pods.iter().filter(|p| !p["scheduled_time"].is_empty()).count();
    assert_eq!(jobs.len(), scheduled, "one job per pod that ever ran");
    // summary.json accounts for every row: replayed plus skipped, by reason.
    let t = r.summary.trace.as_ref().expect("a trace section");
    assert_eq!((t.format.as_str(), t.file.as_str()), ("alibaba-v2023", "openb_pod_list_default.csv"));
    assert_eq!(t.jobs as usize, scheduled);
    assert_eq!(t.jobs + t.skipped.values().sum::<u64>(), pods.len() as u64, "{:?}", t.skipped);
    let mut rejected = 0;
    for j in &jobs {
        // Line 1 is the header: pod k (0-based) is on line k + 2.
        let p = &pods[n(j, "trace_line") as usize - 2];
        let want_milli = if n(p, "num_gpu") == 0 { 0 } else { n(p, "gpu_milli") };
        let got = (n(j, "accelerators"), n(j, "gpu_milli"), n(j, "cpu_milli"), n(j, "memory_mib"));
        assert_eq!(got, (n(p, "num_gpu"), want_milli, n(p, "cpu_milli"), n(p, "memory_mib")), "{j:?} vs {p:?}");
        assert_eq!(j["submit_s"], p["creation_time"], "submitted at its creation time");
        assert_eq!(j["class"], p["qos"]);
        if j["state"] == "completed" {
            assert_eq!(n(j, "run_s"), n(p, "deletion_time") - n(p, "scheduled_time"), "{j:?}");
        }
        assert_eq!(j["state"] == "rejected", !fits(p), "rejected exactly when no node fits: {j:?}");
        rejected += u64::from(j["state"] == "rejected");
    }
    assert_eq!(r.summary.jobs.rejected, rejected);
    assert_eq!(r.summary.jobs.queued_at_end, 0, "every pod got room within the horizon");
    eprintln!(
        "alibaba-openb: {} pods, wall {:.3} s, allocated {:.4}, occupied {:.4}, rejected {}, wait p50 {} s p95 {} s",
        jobs.len(),
        r.info.wall_s,
        r.summary.utilization.allocated_mean,
        r.summary.utilization.occupied_mean.unwrap_or(0.0),
        r.summary.jobs.rejected,
        r.summary.jobs.wait_s.p50,
        r.summary.jobs.wait_s.p95
    );
}

#[test]
fn the_real_alibaba_replay_is_deterministic_and_keeps_its_invariants() {
    if data().is_none() {
        return;
    }
    let sc = ready("alibaba-openb.toml");
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        run_to_dir(&sc, &dir.path().join(name), &RunOptions::default()).unwrap();
    }
    for f in ["summary.json", "timeseries.csv", "jobs.csv"] {
        let read = |d: &str| std::fs::read(dir.path().join(d).join(f)).unwrap();
        assert_eq!(read("a"), read("b"), "{f} differs between identical runs");
    }
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    let day = 86_400_000;
    for t in (day..=sc.horizon_ms).step_by(day as usize) {
        sim.run_until(t, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_real_pods_on_one_node_of_each_design_queue_share_and_all_finish() {
    // The same pods on a cluster with one node per (model, GPUs, CPU, memory) of the real list:
    // every pod still fits some node, but they now contend, so sharing and queueing are
    // exercised on real requests.
    let Some(data) = data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data.join("openb_node_list_gpu_node.csv")).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut lines = vec![text.lines().next().unwrap().to_string()];
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if seen.insert(f[1..].join(",")) {
            lines.push(l.to_string());
        }
    }
    let nodes = dir.path().join("one_of_each.csv");
    std::fs::write(&nodes, lines.join("\n") + "\n").unwrap();
    let scenario = format!(
        "name = \"contended\"\n[simulation]\nhorizon = \"200d\"\nstep = \"1h\"\n[cluster]\nnode_list = \"{}\"\n[workload.trace]\nfile = \"{}\"\nformat = \"alibaba-v2023\"\n",
        nodes.display(),
        data.join("openb_pod_list_default.csv").display()
    );
    let sc = from_text(&scenario, dir.path()).unwrap();
    assert_eq!(sc.nodes() as usize, lines.len() - 1);
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    let day = 86_400_000;
    for t in (day..=sc.horizon_ms).step_by(day as usize) {
        sim.run_until(t, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let j = &r.summary.jobs;
    assert_eq!((j.rejected, j.queued_at_end, j.running_at_end), (0, 0, 0), "every pod fits one of the designs and finishes");
    assert!(j.wait_s.max > 0.0, "pods contend for {} GPUs and some wait: {:?}", sc.accelerators(), j.wait_s);
    let u = &r.summary.utilization;
    assert!(u.allocated_mean <= u.occupied_mean.unwrap() + 1e-12, "shares held never exceed the GPUs holding them");
    eprintln!(
        "contended: {} nodes, {} GPUs, wall {:.3} s, allocated {:.4}, occupied {:.4}, wait p50 {} s p95 {} s max {} s",
        sc.nodes(),
        sc.accelerators(),
        r.info.wall_s,
        u.allocated_mean,
        u.occupied_mean.unwrap_or(0.0),
        j.wait_s.p50,
        j.wait_s.p95,
        j.wait_s.max
    );
}

#[test]
fn cluster_section_bad_input_is_located() {
    // Both a node list and explicit halls.
    let text = alibaba("one_t4.csv", "pods_share.csv", "1h", "[[halls]]\nname = \"H\"\nracks = []\n");
    let (code, err) = run_bad(&text, None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("halls") && err.contains("not both"), "{err}");
    let text = alibaba("one_t4.csv", "pods_share.csv", "1h", "").replace("[cluster]\n", "[cluster]\nformat = \"slurm\"\n");
    let (code, err) = run_bad(&text, None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad.toml:") && err.contains("cluster.format") && err.contains("alibaba-v2023"), "{err}");
    let text = alibaba("one_t4.csv", "pods_share.csv", "1h", "").replace("[cluster]\n", "[cluster]\nrack_nodes = 0\n");
    let (code, err) = run_bad(&text, None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cluster.rack_nodes"), "{err}");
    let text = alibaba("one_t4.csv", "pods_share.csv", "1h", "").replace("format = \"alibaba-v2023\"", "format = \"borg\"");
    let (code, err) = run_bad(&text, None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("workload.trace.format") && err.contains("helios"), "{err}");
}

#[test]
fn the_real_scenario_round_trips_and_philly_runtimes_serve_as_an_empirical_duration() {
    let Some(data) = data() else { return };
    let sc = ready("alibaba-openb.toml");
    assert!(sc.node_list.as_ref().unwrap().assumed.is_empty(), "the scenario names its G1-G3 mapping");
    assert_eq!((sc.nodes(), sc.accelerators()), (1213, 6212), "the node list's 1,213 nodes and their GPUs");
    let dir = tempfile::tempdir().unwrap();
    assert_round_trips(&sc, dir.path(), "resolved.toml");

    let philly = data.join("../philly/philly_runtime.csv");
    if !philly.is_file() {
        eprintln!("skipped: no {}", philly.display());
        return;
    }
    let class = format!(
        "[[workload.classes]]\nname = \"philly\"\nkind = \"other\"\nrate = \"10/h\"\nduration = {{ dist = \"empirical\", file = \"{}\", min = \"1s\" }}\n",
        philly.display()
    );
    let sc = from_text(&small(2, &class, "backfill", "1d"), dir.path()).unwrap();
    let aidc::config::DurationDist::Empirical { values_ms, .. } = &sc.classes[0].duration else { panic!("empirical") };
    assert_eq!(values_ms.len(), 83_154, "every Philly runtime");
}

#[test]
fn anonymised_gpu_models_are_mapped_by_a_stated_assumption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g2.toml");
    std::fs::write(&path, alibaba("nodes_g2.csv", "pods_share.csv", "1h", "")).unwrap();
    let sc = aidc::scenario::load(&path).unwrap();
    let list = sc.node_list.as_ref().unwrap();
    assert_eq!(list.assumed, ["G2"]);
    assert_eq!(sc.devices[sc.node_types[0].device].spec.id, "A10");
    let o = aidc([OsStr::new("check"), path.as_os_str()]);
    let text = stdout(&o);
    assert!(text.contains("G2 are anonymised") && text.contains("G2 = A10"), "check says it is an assumption:\n{text}");
    // Naming the model removes the warning.
    std::fs::write(&path, alibaba("nodes_g2.csv", "pods_share.csv", "1h", "[cluster.models]\nG2 = \"V100-SXM2-32GB\"\n")).unwrap();
    let sc = aidc::scenario::load(&path).unwrap();
    assert!(sc.node_list.as_ref().unwrap().assumed.is_empty());
    assert_eq!(sc.devices[sc.node_types[0].device].spec.id, "V100-SXM2-32GB");
}

#[test]
fn gpu_shares_on_hand_written_halls_place_by_device_id_and_refuse_late_racks() {
    let dir = tempfile::tempdir().unwrap();
    let trace = format!("[workload.trace]\nfile = \"{TRACES}/pods_spec.csv\"\nformat = \"alibaba-v2023\"\n");
    // Without a node list, CPU and memory are not tracked and gpu_spec names device ids: no
    // H100 node is a "V100M32", so both pods are rejected with that reason.
    let sc = from_text(&small(1, &trace, "backfill", "1h"), dir.path()).unwrap();
    let out = dir.path().join("out");
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = read_csv(&out.join("jobs.csv"));
    assert!(rows.iter().all(|r| r["state"] == "rejected" && r["reason"].contains("V100M32")), "{rows:?}");
    let text = small(1, &trace, "backfill", "1h").replace("node_type = \"n8\"\n", "node_type = \"n8\"\nin_service = \"10m\"\n");
    let (code, err) = run_bad(&text, None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("in_service") && err.contains("shares"), "{err}");
}
