//! Checkpoints through the storage tier: a checkpoint alone takes size / bandwidth, concurrent
//! ones share the write bandwidth and take longer, asynchronous checkpoints stall less than
//! synchronous ones, a restart reads at the read bandwidth, and the tier's power is IT load
//! (the facility's energy balance still closes). Bad `[storage]` input: see `bad_input`.

use crate::support::*;
use aidc::engine::{Simulation, Summary};
use aidc::model::storage::StorageSummary;

/// 16 racks of 2 nodes of 8 (256 accelerators), jobs of one node running 10 h at `rate`,
/// checkpoints of `size` every hour in `mode`, failures from `failures` (empty: none), and a
/// `[storage]` tier with `storage` lines.
fn text(rate: &str, size: &str, mode: &str, failures: &str, storage: &str) -> String {
    let class = format!(
        r#"
[[workload.classes]]
name = "train"
kind = "pretrain"
rate = "{rate}"
size = {{ dist = "fixed", value = 8 }}
duration = {{ dist = "fixed", value = "10h" }}
"#
    );
    let quiet = "accelerator = { afr = 0 }\nmemory = { afr = 0 }\nnode = { afr = 0 }\nnetwork = { afr = 0 }\nsoftware = { afr = 0 }\n";
    let failures = if failures.is_empty() { quiet } else { failures };
    format!(
        "{}\n[failures]\n{failures}checkpoint = {{ interval = \"1h\", size = \"{size}\", mode = \"{mode}\" }}\n[storage]\n{storage}\n",
        small(16, &class, "fifo", "10d")
    )
}

fn run(text: &str) -> (Summary, StorageSummary) {
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_round_trips(&sc, dir.path(), "resolved.toml");
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    sim.run(|_| {}).unwrap();
    let (s, ..) = sim.finish(0.0).unwrap();
    let st = s.storage.clone().expect("a storage section");
    (s, st)
}

/// Client links of 25 GB/s per node; a tier far faster than all nodes together.
const FAST: &str = "client_bandwidth = \"25GB/s\"\nwrite_bandwidth = \"10TB/s\"\nread_bandwidth = \"10TB/s\"";

#[test]
fn a_checkpoint_alone_takes_its_size_over_the_bandwidth() {
    // 50 GB by one node at 25 GB/s: 2 s, whatever else runs (the tier outruns every node).
    let (_, st) = run(&text("20/d", "50GB", "sync", "", FAST));
    assert!(st.checkpoints > 100, "{st:?}");
    assert!((st.mean_checkpoint_write_s - 2.0).abs() < 0.002, "2 s each, found {st:?}");
    assert!((st.mean_checkpoint_stall_s - 2.0).abs() < 0.002, "a synchronous job waits for the whole write: {st:?}");
    // The tier's write bandwidth as the bound: 50 GB at 10 GB/s, below the node's 25 GB/s.
    let slow = "client_bandwidth = \"25GB/s\"\nwrite_bandwidth = \"10GB/s\"\nread_bandwidth = \"10TB/s\"";
    let (_, st) = run(&text("1/d", "50GB", "sync", "", slow));
    assert!(st.checkpoints > 50, "{st:?}");
    assert!((st.mean_checkpoint_write_s - 5.0).abs() < 0.002, "one job at a time: 5 s each, found {st:?}");
}

#[test]
fn concurrent_checkpoints_share_the_write_bandwidth() {
    // 2 TB by one node at 25 GB/s is 80 s alone; about 20 jobs running at once with a tier of
    // 25 GB/s (one node's worth) overlap their writes (load about 20 x 80 s / 1 h = 0.44) and
    // each takes longer (processor sharing: about 1 / (1 - 0.44) times).
    let shared = "client_bandwidth = \"25GB/s\"\nwrite_bandwidth = \"25GB/s\"\nread_bandwidth = \"10TB/s\"";
    let (_, alone) = run(&text("1/d", "2TB", "sync", "", shared));
    let (_, busy) = run(&text("48/d", "2TB", "sync", "", shared));
    assert!((alone.mean_checkpoint_write_s - 80.0).abs() < 0.01, "{alone:?}");
    assert!(busy.mean_checkpoint_write_s > 1.3 * alone.mean_checkpoint_write_s, "alone {alone:?}, busy {busy:?}");
    assert!(busy.write_utilization > alone.write_utilization && busy.write_utilization <= 1.0, "{busy:?}");
}

#[test]
fn asynchronous_checkpoints_stall_less_than_synchronous_ones() {
    let shared =
        "client_bandwidth = \"25GB/s\"\nwrite_bandwidth = \"50GB/s\"\nread_bandwidth = \"10TB/s\"\nhost_copy_bandwidth = \"25GB/s\"";
    let (sync_run, sync) = run(&text("48/d", "2TB", "sync", "", shared));
    let (async_run, asy) = run(&text("48/d", "2TB", "async", "", shared));
    // Async: 2 TB over 8 accelerators at 25 GB/s = 10 s of copy, whatever the tier does.
    assert!((asy.mean_checkpoint_stall_s - 10.0).abs() < 0.5, "{asy:?}");
    assert!(asy.checkpoint_stall_hours < sync.checkpoint_stall_hours, "async {asy:?}, sync {sync:?}");
    let (fs, fa) = (sync_run.failures.unwrap(), async_run.failures.unwrap());
    assert!(fa.checkpoint_accelerator_hours < fs.checkpoint_accelerator_hours, "{fa:?} vs {fs:?}");
    assert!(asy.write_utilization > 0.0, "the background writes still use the tier: {asy:?}");
}

#[test]
fn a_restart_reads_the_checkpoint_at_the_read_bandwidth() {
    // Frequent node failures; one-node jobs reading 50 GB at 25 GB/s: 2 s, the tier far faster.
    let failures = "accelerator = { afr = 0 }\nmemory = { afr = 0 }\nnode = { mtbf = \"2000h\", repair = \"1h\" }\nnetwork = { afr = 0 }\nsoftware = { afr = 0 }\n";
    let (s, st) = run(&text("20/d", "50GB", "sync", failures, FAST));
    assert!(st.restarts > 0, "interruptions restart from storage: {st:?} {:?}", s.failures);
    assert!((st.mean_restart_s - 2.0).abs() < 0.002, "{st:?}");
    // Halve the node's link: the read takes twice as long.
    let slow_client = FAST.replace("client_bandwidth = \"25GB/s\"", "client_bandwidth = \"12.5GB/s\"");
    let (_, st) = run(&text("20/d", "50GB", "sync", failures, &slow_client));
    assert!((st.mean_restart_s - 4.0).abs() < 0.002, "{st:?}");
}

#[test]
fn storage_power_is_it_energy_and_the_facility_balance_closes() {
    let classes = r#"
[[workload.classes]]
name = "train"
kind = "pretrain"
rate = "6/d"
size = { dist = "fixed", value = 8 }
duration = { dist = "fixed", value = "10h" }
"#;
    let base = format!("{}\n[site]\nclimate = \"shanghai\"\n[facility]\n", small(4, classes, "fifo", "5d"));
    let with = format!("{base}\n[storage]\ncapacity = \"1PB\"\npower_idle = \"20kW\"\npower_active = \"50kW\"\n");
    let dir = tempfile::tempdir().unwrap();
    let mut balance = Vec::new();
    let runs: Vec<Summary> = [&base, &with]
        .iter()
        .map(|t| {
            let sc = from_text(t, dir.path()).unwrap_or_else(|e| panic!("{e}"));
            let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
            sim.run(|_| {}).unwrap();
            balance.push(sim.heat_balance_error_w().expect("a facility"));
            sim.finish(0.0).unwrap().0
        })
        .collect();
    let st = runs[1].storage.clone().unwrap();
    // No failures: nothing checkpoints, the tier idles at 20 kW for 120 h.
    assert!((st.energy_kwh - 20.0 * 120.0).abs() < 1e-6, "{st:?}");
    assert_eq!(runs[1].energy.storage_kwh, Some(st.energy_kwh));
    let added = runs[1].energy.it_kwh - runs[0].energy.it_kwh;
    assert!((added - st.energy_kwh).abs() < 1e-6, "IT energy grows by the tier's energy: {added} vs {st:?}");
    assert!(balance[1] < 1.0, "the heat balance closes with storage: {} W (without: {} W)", balance[1], balance[0]);
    let facility = runs[1].energy.facility_kwh.unwrap() - runs[0].energy.facility_kwh.unwrap();
    assert!(facility > added, "the facility supplies the tier and cools it: {facility} vs {added}");
}

#[test]
fn a_work_defined_class_checkpoints_its_model_with_adam_state() {
    // 7B parameters x 14 bytes (bf16 weights + fp32 master + two fp32 Adam moments, ZeRO) = 98 GB;
    // 70B x 14 = 980 GB; a duration-defined class keeps the section's size; an explicit size wins.
    let classes = r#"
[[workload.classes]]
name = "llm"
kind = "pretrain"
rate = "1/d"
size = { dist = "fixed", value = 16 }
work = { params = "70B", tokens = "1B", precision = "bf16", mfu = 0.4 }
[[workload.classes]]
name = "small"
kind = "pretrain"
rate = "1/d"
size = { dist = "fixed", value = 16 }
work = { params = "7B", tokens = "1B", precision = "bf16", mfu = 0.4 }
[[workload.classes]]
name = "debug"
kind = "debug"
rate = "1/d"
"#;
    let text = format!(
        "{}\n[failures]\ncheckpoint = {{ size = \"10GB\" }}\n[failures.classes.small]\nsize = \"1TB\"\n[storage]\n",
        small(2, classes, "fifo", "1d")
    );
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let f = sc.failures.as_ref().unwrap();
    assert_eq!(f.checkpoint_of("llm").size_bytes, 70e9 * 14.0);
    assert_eq!(f.checkpoint_of("small").size_bytes, 1e12, "an explicit size wins over the model's");
    assert_eq!(f.checkpoint_of("debug").size_bytes, 10e9, "a duration-defined class keeps the section's size");
    assert_round_trips(&sc, dir.path(), "resolved.toml");
    // bytes_per_param scales it.
    let sc = from_text(&edit(&text, "[failures]\n", "[failures]\nbytes_per_param = 16\n"), dir.path()).unwrap();
    assert_eq!(sc.failures.as_ref().unwrap().checkpoint_of("llm").size_bytes, 70e9 * 16.0);
}
