//! Scheduling policies, preemption and inference services on whole runs: hand-made scenarios
//! whose right answer is known, the `--scheduler` override, invariants and determinism.

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_to_dir};

const H: f64 = 3600.0;

/// One node of 8; a low-priority preemptible class and a high-priority one, fed by a trace:
/// the low job (8 accelerators, 5 h) at 0, the high job (8, 1 h) at 2.5 h.
fn preemption_scenario(dir: &std::path::Path, failures: &str) -> String {
    std::fs::write(dir.join("t.csv"), "submit,gpus,dur,class\n0,8,18000,low\n9000,8,3600,high\n").unwrap();
    format!(
        r#"
name = "preempt"
[simulation]
horizon = "1d"
step = "10m"
[[node_types]]
name = "n8"
accelerator = "H100-SXM"
accelerators = 8
[[halls]]
name = "H"
[[halls.racks]]
count = 1
nodes = 1
node_type = "n8"
[[workload.classes]]
name = "low"
kind = "batch-inference"
rate = "0/h"
priority = 0
[[workload.classes]]
name = "high"
kind = "pretrain"
rate = "0/h"
priority = 5
[workload.trace]
file = "t.csv"
columns = {{ submit = "submit", accelerators = "gpus", duration = "dur", class = "class" }}
[scheduler]
policy = "priority"
preemption = true
{failures}
"#
    )
}

/// (start_s, end_s, state) of each job id.
fn job_times(out: &std::path::Path) -> Vec<(f64, f64, String)> {
    let rows = csv_rows(&out.join("jobs.csv"));
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    let (id, s, e, st) = (col("job_id"), col("start_s"), col("end_s"), col("state"));
    let mut rows: Vec<&Vec<String>> = rows[1..].iter().collect();
    rows.sort_by_key(|r| r[id].parse::<u64>().unwrap());
    rows.iter().map(|r| (r[s].parse().unwrap_or(-1.0), r[e].parse().unwrap_or(-1.0), r[st].clone())).collect()
}

#[test]
fn priority_preempts_and_the_victim_loses_the_work_since_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing fails; checkpoints every hour of work, free and instant to restore.
    let off = "afr = 0.0";
    let failures = format!(
        "[failures]\naccelerator = {{ {off} }}\nmemory = {{ {off} }}\nnode = {{ {off} }}\nnetwork = {{ {off} }}\nsoftware = {{ {off} }}\ncheckpoint = {{ interval = \"1h\", cost = \"0s\", restart = \"0s\" }}"
    );
    let sc = from_text(&preemption_scenario(dir.path(), &failures), dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_eq!(r.summary.jobs.preemptions, 1);
    assert_eq!(r.summary.jobs.by_class["low"].preemptions, 1);
    // Preempted at 2.5 h with 2 checkpoints: 0.5 h of 8 accelerators lost.
    assert!((r.summary.jobs.by_class["low"].preempted_lost_accelerator_hours - 4.0).abs() < 1e-9);
    let t = job_times(&out);
    // The high job starts at once on the freed node; the low job resumes at 3.5 h with 3 h left.
    assert_eq!(t[1], (2.5 * H, 3.5 * H, "completed".to_string()));
    assert_eq!(t[0].1, 6.5 * H, "{t:?}");
    assert_eq!(r.summary.jobs.completed, 2);

    // Without [failures] there are no checkpoints: the whole 2.5 h attempt is lost.
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&preemption_scenario(dir.path(), ""), dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert!((r.summary.jobs.by_class["low"].preempted_lost_accelerator_hours - 20.0).abs() < 1e-9);
    assert_eq!(job_times(&out)[0].1, 8.5 * H);
    // Slowdown of the low job: (8.5 h) / 5 h.
    assert!((r.summary.jobs.by_class["low"].slowdown.max - 1.7).abs() < 0.02, "{:?}", r.summary.jobs.by_class["low"].slowdown);

    // With preemption off the high job waits for the low one to end at 5 h.
    let dir = tempfile::tempdir().unwrap();
    let text = preemption_scenario(dir.path(), "").replace("preemption = true", "preemption = false");
    let sc = from_text(&text, dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_eq!(r.summary.jobs.preemptions, 0);
    assert_eq!(job_times(&out)[1].0, 5.0 * H);
}

/// 64 H100 nodes, a diurnal service and background batch work.
fn service_scenario(policy: &str, preemption: bool) -> String {
    let classes = r#"
[[workload.classes]]
name = "batch"
kind = "batch-inference"
rate = "20/h"
size = { dist = "fixed", value = 8 }
duration = { dist = "fixed", value = "3h" }
[[services]]
name = "chat"
peak_rate = "1500/s"
trough_ratio = 0.2
peak_hour = 14
"#;
    small(32, classes, policy, "3d").replace("[scheduler]", &format!("[scheduler]\npreemption = {preemption}"))
}

#[test]
fn the_autoscaler_follows_the_diurnal_load() {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&service_scenario("priority", true), dir.path()).unwrap();
    let s = &sc.services[0];
    // Replicas wanted: ceil(lambda / (70/s x 0.7)); peak 1500/s -> 31, trough 300/s -> 7.
    let out = dir.path().join("out");
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    let mut at_peak = 0;
    let mut at_trough = 0;
    for day in 0..2u64 {
        for (hour, slot) in [(14u64, &mut at_peak), (26u64, &mut at_trough)] {
            sim.run_until((day * 24 + hour) * 3_600_000 + 60_000, |_| {}).unwrap();
            sim.check_invariants().unwrap();
            *slot = sim.running_replicas(0);
        }
    }
    assert_eq!((s.load_per_s(14 * 3_600_000) / (70.0 * 0.7)).ceil() as u64, 31);
    assert_eq!(at_peak, 31, "replicas at the 14:00 peak");
    // 02:00 is 12 h from the peak: the trough, 0.2 x 1500/s = 300/s -> ceil(300 / 49) = 7.
    assert!((s.load_per_s(2 * 3_600_000) - 300.0).abs() < 1e-9);
    assert_eq!(at_trough, 7, "replicas at 02:00");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let chat = &r.summary.services["chat"];
    assert_eq!(chat.replicas_peak, 31);
    assert!(chat.replicas_mean > 8.0 && chat.replicas_mean < 31.0, "{chat:?}");
    // Enough room: the SLO is met nearly always (misses only while a scale-up waits for capacity).
    assert!(chat.slo_attainment > 0.95, "{chat:?}");
    assert!(chat.unmet_load_fraction < 0.01, "{chat:?}");
    assert!((chat.accelerator_hours - chat.replicas_mean * 8.0 * 72.0).abs() < 1e-6);
}

#[test]
fn invariants_hold_with_preemption_and_services() {
    let dir = tempfile::tempdir().unwrap();
    // A busy cluster: the service must preempt batch work to scale up.
    let text = service_scenario("priority", true).replace("count = 32", "count = 16").replace("rate = \"20/h\"", "rate = \"30/h\"");
    let sc = from_text(&text, dir.path()).unwrap();
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    for step in 1..=72 {
        sim.run_until(step * 3_600_000, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let j = &r.summary.jobs;
    assert!(j.preemptions > 0, "the service preempted batch work");
    assert_eq!(j.submitted, j.completed + j.failed + j.cancelled + j.rejected + j.running_at_end + j.queued_at_end + j.stopped);
    let rows = csv_rows(&out.join("jobs.csv"));
    assert_eq!(rows.len() as u64 - 1, j.submitted, "one row per job");
}

/// A ready scenario with its policy overridden, as `--scheduler` does.
fn with_policy(name: &str, policy: &str) -> aidc::config::Scenario {
    let overrides = aidc::scenario::Overrides { policy: Some(aidc::config::Policy::parse(policy).unwrap()), ..Default::default() };
    aidc::scenario::load_with(&root().join("scenarios").join(name), &overrides).unwrap()
}

#[test]
fn new_policies_are_deterministic_and_conserve_jobs() {
    for policy in ["sjf", "best-fit"] {
        let sc = with_policy("classroom.toml", policy);
        let run = || {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
            (std::fs::read(out.join("summary.json")).unwrap(), std::fs::read(out.join("jobs.csv")).unwrap())
        };
        assert!(run() == run(), "{policy}: same seed, same bytes");
        let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
        for step in 1..=30 {
            sim.run_until(step * 86_400_000, |_| {}).unwrap();
            sim.check_invariants().unwrap_or_else(|e| panic!("{policy}: {e}"));
        }
    }
}

#[test]
fn sjf_shortens_the_mean_wait_of_the_classroom() {
    let dir = tempfile::tempdir().unwrap();
    let mut waits = Vec::new();
    for policy in ["backfill", "sjf"] {
        let sc = with_policy("classroom.toml", policy);
        let r = run_to_dir(&sc, &dir.path().join(policy), &RunOptions::default()).unwrap();
        waits.push(r.summary.jobs.wait_s.mean);
    }
    assert!(waits[1] < waits[0], "SJF mean wait {} s vs backfill {} s", waits[1], waits[0]);
}

#[test]
fn scheduler_flag_overrides_the_policy_and_rejects_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = ready_path("classroom.toml");
    let out = dir.path().join("o");
    let o = aidc(["run", s(&scenario), "--scheduler", "best-fit", "--quiet", "--horizon", "2d", "--out", s(&out)]);
    assert!(o.status.success(), "{}", printed(&o));
    let summary = summary_json(&out);
    assert_eq!(summary["scenario"]["scheduler"], "best-fit");
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("policy = \"best-fit\""), "{resolved}");
    let o = aidc(["run", s(&scenario), "--scheduler", "lottery", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--scheduler") && err.contains("\"sjf\"") && err.contains("\"best-fit\"") && err.contains("lottery"), "{err}");
    let help = aidc(["run", "--help"]);
    assert!(stdout(&help).contains("--scheduler sjf"));
}

#[test]
fn sweeps_accept_the_new_policy_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = aidc([
        "sweep",
        "scenarios/classroom.toml",
        "--set",
        "simulation.horizon=2d",
        "--set",
        "scheduler.policy=sjf,best-fit",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert!(csv.contains("sjf") && csv.contains("best-fit"), "{csv}");
}

#[test]
fn the_inference_mix_keeps_its_invariants_and_is_deterministic() {
    let mut sc = ready("inference-mix.toml");
    sc.horizon_ms = 4 * 86_400_000;
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    for step in 1..=16 {
        sim.run_until(step * 6 * 3_600_000, |_| {}).unwrap();
        sim.check_invariants().unwrap_or_else(|e| panic!("{e}"));
    }
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
        (r.summary.jobs.preemptions, std::fs::read(out.join("summary.json")).unwrap(), std::fs::read(out.join("jobs.csv")).unwrap())
    };
    let (a, b) = (run(), run());
    assert!(a.0 > 0, "services preempt batch work at their peak");
    assert!(a == b, "same seed, same bytes");
}
