//! Calibration end to end: the quick CPU suite through the binary on a host reporting a huge
//! cache (bounded working set, profile contents, round trip; no wall-clock bound: speed is in
//! BENCHMARKS.md), profiles in scenarios (job durations scale by nominal / calibrated efficiency,
//! power from a measured profile, summary.json records the profile), and "no CUDA" handling.

use std::path::Path;

use crate::support::*;
use aidc::calibrate::Profile;
use aidc::calibrate::fit::{EfficiencyCurve, PowerFit, Roofline};
use aidc::engine::{RunOptions, run_to_dir};

/// A host root whose sysfs reports a 480 MiB last-level cache, as a shared Xeon host's VM did
/// (the quick suite then took 90 s and 5.9 GB), with this machine's cpuinfo and meminfo.
fn host_reporting_a_480_mib_cache(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("fake-root");
    let cache = root.join("sys/devices/system/cpu/cpu0/cache/index3");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("size"), "491520K\n").unwrap();
    std::fs::create_dir_all(root.join("proc")).unwrap();
    for file in ["cpuinfo", "meminfo"] {
        // Read and written, not copied: procfs files report a size of 0.
        if let Ok(text) = std::fs::read(Path::new("/proc").join(file)) {
            std::fs::write(root.join("proc").join(file), text).unwrap();
        }
    }
    root
}

#[test]
fn the_quick_cpu_suite_sizes_its_arrays_within_bounds_on_a_huge_reported_cache_and_its_profile_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.json");
    let root = host_reporting_a_480_mib_cache(dir.path());
    let o = aidc_env(dir.path(), &[("AIDC_CALIBRATE_ROOT", &root)], ["calibrate", "--quick", "--out", s(&out)]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    assert!(
        text.contains("held-out kernels") && text.contains("STREAM") && text.contains("memory samples: STREAM arrays of 128 MiB"),
        "{text}"
    );
    let p = Profile::read(&out).expect("the profile reads back");
    // The working set: the reported cache is recorded, the cap chose the size, and no sample
    // held more than the quick suite's bound, whatever the cache.
    let ws = p.working_set.as_ref().expect("a CPU profile records its working set");
    assert_eq!((ws.reported_cache_bytes, ws.array_bytes, ws.limited_by.as_str()), (Some(480 << 20), 128 << 20, "cap"), "{ws:?}");
    assert!(ws.peak_sample_bytes <= aidc::calibrate::working_set::QUICK_SAMPLE_BYTES, "{ws:?}");
    assert_eq!(ws.triad.len(), 3, "the triad at a quarter, a half and the whole array: {ws:?}");
    assert!(ws.plateau.is_some() && ws.note.contains("480 MiB"), "{ws:?}");
    for s in p.samples.iter().filter(|s| s.kernel.starts_with("stream")) {
        assert!(8 * s.shape[0] as u64 <= ws.array_bytes, "{}", s.label());
    }
    for kernel in ["gemm", "stream-copy", "stream-triad", "layernorm", "softmax", "attention", "allreduce"] {
        assert!(p.samples.iter().any(|s| s.kernel == kernel), "no {kernel} sample");
    }
    for precision in ["fp64", "fp32", "fp16"] {
        let r = p.fit.roofline(precision).unwrap_or_else(|| panic!("no {precision} roofline"));
        assert!(r.sustained_flops > 0.0 && r.curve.e_max > 0.0, "{r:?}");
    }
    assert!(p.fit.memory.stream_triad_gbps > 0.0);
    assert!(p.validation.len() >= 8, "{:?}", p.validation);
    assert!(p.validation.iter().all(|v| v.measured_s > 0.0 && v.predicted_s > 0.0 && v.relative_error.is_finite()));
    assert!(p.samples.iter().all(|s| s.timing.reps >= 3 && s.timing.min_s <= s.timing.median_s && s.timing.median_s <= s.timing.max_s));
    assert!(p.fit.efficiency > 0.0 && p.fit.efficiency < 1.5);
    assert_eq!(p.power.measured, p.fit.power.is_some());
    let back: Profile = serde_json::from_str(&p.to_json()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn a_fake_host_root_that_is_not_a_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = aidc_env(dir.path(), &[("AIDC_CALIBRATE_ROOT", dir.path().join("absent"))], ["calibrate", "--quick", "--quiet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("AIDC_CALIBRATE_ROOT") && err.contains("absent"), "{err}");
    assert!(!dir.path().join("output").exists(), "nothing written");
}

#[test]
fn profiles_written_before_the_working_set_was_recorded_still_read() {
    let shipped = root().join("assets/calibration/amd-epyc-zen5-2vcpu.json");
    let p = Profile::read(&shipped).expect("the shipped profile reads");
    assert!(p.working_set.is_none() && p.fit.efficiency > 0.0);
    assert_eq!(serde_json::from_str::<Profile>(&p.to_json()).unwrap(), p, "and round-trips without the field");
}

#[test]
fn cuda_absent_is_a_clean_message_with_exit_code_2() {
    if aidc::calibrate::cuda::probe(Path::new("/")).is_ok() {
        eprintln!("skipped: a CUDA device is present");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let o = aidc_in(dir.path(), ["calibrate", "--device", "cuda", "--quiet"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no CUDA device"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A profile with known figures: attention efficiency `efficiency`, power where given.
fn synthetic_profile(efficiency: f64, power: Option<PowerFit>) -> Profile {
    let mut p = Profile { format: aidc::calibrate::profile::FORMAT, tool: "test".into(), ..Default::default() };
    p.device.kind = "cpu".into();
    p.device.model = "Test CPU 9000".into();
    p.host.cpu.vendor = "TestVendor".into();
    p.device.peak_flops.insert("fp32".into(), 2e12);
    p.device.peak_flops.insert("fp64".into(), 1e12);
    p.fit.memory.stream_triad_gbps = 100.0;
    p.fit.efficiency = efficiency;
    p.fit.reference_precision = "fp32".into();
    p.fit.rooflines.push(Roofline {
        precision: "fp32".into(),
        peak_flops: 2e12,
        curve: EfficiencyCurve { e_max: 0.9, n_half: 100.0, k: 2.0 },
        ..Default::default()
    });
    p.fit.power = power;
    p.power.measured = power.is_some();
    p
}

const FIXED_JOBS: &str = "[[workload.classes]]\nname = \"t\"\nkind = \"other\"\nrate = \"2/h\"\nsize = { dist = \"fixed\", value = 1 }\nduration = { dist = \"fixed\", value = \"1h\" }\nutilization = { mean = 0.5 }\n";

fn scenario_with(accelerator: &str, inline: &str) -> String {
    small(2, FIXED_JOBS, "fifo", "1d").replace("accelerator = \"H100-SXM\"", &format!("accelerator = \"{accelerator}\"")) + inline
}

fn run_s_of(dir: &Path, text: &str, name: &str) -> (Vec<f64>, serde_json::Value) {
    let sc = from_text(text, dir).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join(name);
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = csv_rows(&out.join("jobs.csv"));
    let col = rows[0].iter().position(|c| c == "run_s").unwrap();
    let state = rows[0].iter().position(|c| c == "state").unwrap();
    let run = rows[1..].iter().filter(|r| r[state] == "completed").map(|r| r[col].parse().unwrap()).collect();
    (run, summary_json(&out))
}

#[test]
fn a_calibrated_device_runs_jobs_in_duration_times_nominal_over_calibrated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fast.json"), synthetic_profile(0.8, None).to_json()).unwrap();
    std::fs::write(dir.path().join("slow.json"), synthetic_profile(0.25, None).to_json()).unwrap();
    let (plain, plain_summary) = run_s_of(dir.path(), &small(2, FIXED_JOBS, "fifo", "1d"), "plain");
    assert!(plain.iter().all(|s| *s == 3600.0) && !plain.is_empty());
    assert!(plain_summary.get("calibration").is_none(), "no calibration section without calibration");

    let inline = |file: &str| format!("[[accelerators]]\nid = \"H100-cal\"\nbase = \"H100-SXM\"\ncalibration = \"{file}\"\n");
    // Faster: nominal 0.40 (default) / 0.8 = 0.5 -> 30 min.
    let (fast, summary) = run_s_of(dir.path(), &scenario_with("H100-cal", &inline("fast.json")), "fast");
    assert!(!fast.is_empty() && fast.iter().all(|s| *s == 1800.0), "{fast:?}");
    let cal = &summary["calibration"][0];
    assert_eq!(cal["device"], "H100-cal");
    assert_eq!(cal["profile"], "fast.json");
    assert_eq!(cal["duration_factor"], 0.5);
    assert_eq!(cal["power_from_profile"], false);
    // Slower, with a stated nominal efficiency: 0.35 / 0.25 = 1.4 -> 84 min.
    let slow = inline("slow.json") + "nominal_efficiency = 0.35\n";
    let (slow, _) = run_s_of(dir.path(), &scenario_with("H100-cal", &slow), "slow");
    assert!(!slow.is_empty() && slow.iter().all(|s| (s - 5040.0).abs() < 1e-9), "{slow:?}");
}

#[test]
fn a_profile_of_the_device_itself_sets_its_peaks_and_measured_power() {
    let dir = tempfile::tempdir().unwrap();
    let power = PowerFit { idle_w: 40.0, busy_w: 180.0, points: 5 };
    std::fs::write(dir.path().join("host.json"), synthetic_profile(0.5, Some(power)).to_json()).unwrap();
    let text = scenario_with("host-cpu", "[[accelerators]]\nid = \"host-cpu\"\ncalibration = \"host.json\"\n");
    let sc = from_text(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let d = &sc.devices[0];
    assert_eq!((d.idle_w, d.max_w), (40.0, 180.0));
    assert_eq!(d.spec.dense_tflops.fp32, Some(2.0));
    assert_eq!(d.spec.memory_bw_gbps, Some(100.0));
    assert_eq!(d.spec.name.as_deref(), Some("Test CPU 9000"));
    let c = d.calibration.as_ref().unwrap();
    assert!(c.power_from_profile && (c.duration_factor - 0.8).abs() < 1e-12);
    // The resolved scenario loads back to the same model.
    assert_round_trips(&sc, dir.path(), "resolved.toml");
}

#[test]
fn a_profile_without_power_leaves_a_device_without_power_figures_in_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nopower.json"), synthetic_profile(0.5, None).to_json()).unwrap();
    let text = scenario_with("host-cpu", "[[accelerators]]\nid = \"host-cpu\"\ncalibration = \"nopower.json\"\n");
    let e = from_text(&text, dir.path()).unwrap_err().to_string();
    assert!(e.contains("board power"), "{e}");
    let with_power = text + "tdp_w = 200.0\nidle_w = 50.0\n";
    let sc = from_text(&with_power, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sc.devices[0].idle_w, sc.devices[0].max_w), (50.0, 200.0));
}

#[test]
fn bad_profiles_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.json"), "{\"format\": 1}").unwrap();
    let inline = |file: &str| format!("[[accelerators]]\nid = \"H100-cal\"\nbase = \"H100-SXM\"\ncalibration = \"{file}\"\n");
    for (file, want) in [("missing.json", "cannot read calibration profile"), ("junk.json", "not a profile")] {
        let e = from_text(&scenario_with("H100-cal", &inline(file)), dir.path()).unwrap_err().to_string();
        assert!(e.contains("accelerators[0].calibration") && e.contains(want), "{e}");
    }
    let bad = inline("missing.json").replace("calibration = \"missing.json\"", "nominal_efficiency = 1.5");
    let e = from_text(&scenario_with("H100-cal", &bad), dir.path()).unwrap_err().to_string();
    assert!(e.contains("nominal_efficiency"), "{e}");
}

#[test]
fn a_calibrated_device_sets_the_efficiency_of_work_defined_jobs() {
    // Work-defined: 6 N D at the device's nominal efficiency (0.40), then scaled like any duration
    // by nominal / calibrated (0.8): the job runs at 80 % of the dense BF16 peak.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fast.json"), synthetic_profile(0.8, None).to_json()).unwrap();
    let work = "[[workload.classes]]\nname = \"w\"\nkind = \"pretrain\"\nrate = \"2/h\"\nsize = { dist = \"fixed\", value = 1 }\nwork = { params = \"1B\", tokens = \"1B\" }\n";
    let text = small(2, work, "fifo", "1d").replace("accelerator = \"H100-SXM\"", "accelerator = \"H100-cal\"")
        + "[[accelerators]]\nid = \"H100-cal\"\nbase = \"H100-SXM\"\ncalibration = \"fast.json\"\n";
    let (run, summary) = run_s_of(dir.path(), &text, "work");
    let expect = 6e18 / (989.4e12 * 0.8);
    assert!(!run.is_empty() && run.iter().all(|s| (s - expect).abs() < 1e-3), "{run:?} vs {expect}");
    let mfu = summary["utilization"]["mfu_mean"].as_f64().unwrap();
    assert!((mfu - 0.8).abs() < 1e-6, "{mfu}");
}
