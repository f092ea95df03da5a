//! Results checked against published reference values, and replay of real traces.

use crate::support::*;
use aidc::engine::{RunOptions, run_to_dir};
use aidc::model::compute::power::NodePowerModel;

#[test]
fn frontier_it_power_matches_the_exadigit_raps_reference() {
    // ExaDigiT/RAPS, ORNL Frontier configuration (BRIEF §3): peak about 28 MW, idle about 7.3 MW
    // including network switches, which aidc adds with the network model (so idle reads lower).
    let sc = ready("frontier-raps.toml");
    let cap = aidc::engine::capacity(&sc);
    assert_eq!(cap.nodes, 9_472);
    let peak_mw = cap.it_design_kw / 1000.0;
    assert!((peak_mw - 28.0).abs() / 28.0 < 0.03, "peak {peak_mw} MW");
    let idle_mw = cap.it_idle_kw / 1000.0;
    assert!(idle_mw < 7.3 && idle_mw > 7.3 * 0.85, "idle {idle_mw} MW");
}

#[test]
fn dgx_h100_node_stays_within_its_datasheet_maximum() {
    // NVIDIA DGX H100 datasheet: 10.2 kW maximum system power.
    let sc = ready("bench-10k.toml");
    let mut nt = sc.node_types[0].clone();
    nt.cpu.busy_utilization = 1.0;
    let max_kw = NodePowerModel::new(&nt, &sc.devices[nt.device], 1.0).max_w() / 1000.0;
    assert!((0.9 * 10.2..=10.2).contains(&max_kw), "{max_kw} kW");
    // Idle: 8 H100 at 72 W (BRIEF §2) plus the host, the constant loads and fans at minimum.
    let idle_kw = NodePowerModel::new(&sc.node_types[0], &sc.devices[0], 1.0).idle_w() / 1000.0;
    assert!((2.0..3.5).contains(&idle_kw), "{idle_kw} kW");
}

#[test]
fn peak_pflops_follow_the_catalog() {
    // 256 x Ascend 910B at 376 TFLOPS FP16 (BRIEF §2) = 96.256 PFLOPS; 10,240 H100 at 989.4.
    assert!((ready("classroom.toml").peak_pflops("fp16") - 96.256).abs() < 1e-9);
    let b = ready("bench-10k.toml").peak_pflops("fp16");
    assert!((b - 10_240.0 * 0.9894).abs() < 1e-6, "{b}");
}

#[test]
fn trace_replay_starts_jobs_exactly_where_fifo_puts_them() {
    // Two nodes of 8: jobs 0 and 1 take a node each at t=100 s; job 2 (16 accelerators = both
    // nodes) waits for both: job 1 ends at 1900 s, job 0 at 3700 s; under FIFO job 3 waits
    // behind job 2, which holds both nodes until 4300 s.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_path("trace_small.csv"), dir.path().join("t.csv")).unwrap();
    let text = small(1, "", "fifo", "2h").replace(
        "[scheduler]",
        "[workload.trace]\nfile = \"t.csv\"\ncolumns = { submit = \"submit_time\", accelerators = \"gpu_num\", duration = \"duration\", class = \"type\", utilization = \"util\" }\nstart_at_zero = false\nutilization = 0.6\n[scheduler]",
    );
    let sc = from_text(&text, dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_eq!(r.summary.jobs.submitted, 4);
    let rows = csv_rows(&out.join("jobs.csv"));
    let h = &rows[0];
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let find = |id: &str| rows.iter().find(|r| r[col("job_id")] == id).unwrap().clone();
    assert_eq!(find("0")[col("start_s")], "100");
    assert_eq!(find("1")[col("end_s")], "1900");
    let j2 = find("2");
    assert_eq!((j2[col("start_s")].as_str(), j2[col("class")].as_str(), j2[col("utilization")].as_str()), ("3700", "Pretrain", "0.6000"));
    assert_eq!(find("3")[col("start_s")], "4300");
    assert_eq!(r.summary.jobs.by_class["Eval"].completed, 1);
}

#[test]
fn philly_runtimes_as_an_empirical_duration_distribution() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: no trace data (set AIDC_DATA or place shared/data beside the project)");
        return;
    };
    let file = data.join("philly/philly_runtime.csv");
    let mut runtimes: Vec<f64> = std::fs::read_to_string(&file).unwrap().lines().skip(1).filter_map(|l| l.parse().ok()).collect();
    runtimes.sort_by(f64::total_cmp);
    let file_median = runtimes[runtimes.len() / 2].max(1.0);
    let dir = tempfile::tempdir().unwrap();
    let classes = format!(
        "[[workload.classes]]\nname = \"philly\"\nkind = \"other\"\nrate = \"30/h\"\nsize = {{ dist = \"fixed\", value = 1 }}\nduration = {{ dist = \"empirical\", file = \"{}\" }}\nfailed = {{ share = 0.0 }}\ncancelled = {{ share = 0.0 }}\n",
        file.display()
    );
    // Plenty of capacity (640 accelerators): jobs never wait, so run times are the drawn ones.
    let sc = from_text(&small(40, &classes, "fifo", "60d"), dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_eq!(r.summary.jobs.wait_s.max, 0.0);
    let rows = csv_rows(&out.join("jobs.csv"));
    let run = rows[0].iter().position(|x| x == "run_s").unwrap();
    let st = rows[0].iter().position(|x| x == "state").unwrap();
    let mut sim: Vec<f64> = rows[1..].iter().filter(|r| r[st] == "completed").map(|r| r[run].parse().unwrap()).collect();
    sim.sort_by(f64::total_cmp);
    let sim_median = sim[sim.len() / 2];
    // 40,000+ draws: the median of the resample is within a few percent of the file's median
    // (completed jobs slightly favour short ones near the horizon).
    assert!(sim.len() > 30_000);
    assert!((sim_median / file_median - 1.0).abs() < 0.1, "simulated {sim_median} s vs file {file_median} s");
}
