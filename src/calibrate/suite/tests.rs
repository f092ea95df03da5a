use super::*;
use crate::calibrate::fit::EfficiencyCurve;
use crate::calibrate::working_set;

fn synthetic(kernel: &str, precision: &str, shape: Vec<usize>, role: &str, w: Work, t: f64) -> Sample {
    let mut s = sample(kernel, precision, shape, Role::Fit, w, Timing::of(&[t]), None);
    s.role = role.into();
    s
}

#[test]
fn synthetic_samples_are_fitted_and_held_out_ones_predicted() {
    let peak = 2e11;
    let truth = EfficiencyCurve { e_max: 0.85, n_half: 150.0, k: 1.8 };
    let bw = 20e9;
    let mut samples = Vec::new();
    for n in [64, 128, 256, 512, 1024, 384] {
        let (w, _) = (Work { flops: 2.0 * (n * n * n) as f64, ..Default::default() }, ());
        let t = w.flops / (peak * truth.at(n as f64));
        samples.push(synthetic("gemm", "fp32", vec![n, n, n], if n == 384 { "holdout" } else { "fit" }, w, t));
    }
    // Reads at 20 GB/s, write-allocated writes at 10 GB/s, in-place writes at 40 GB/s.
    let (rbw, abw, ibw) = (bw, bw / 2.0, 2.0 * bw);
    for (kernel, role, r, w) in [
        ("stream-triad", "fit", 8e8, 4e8),
        ("stream-scale", "fit", 4e8, 4e8),
        ("stream-scale-inplace", "fit", 4e8, 4e8),
        ("stream-triad-inplace", "fit", 8e8, 4e8),
        ("layernorm", "holdout", 4e8, 4e8),
        ("allreduce", "holdout", 8e8, 8e8),
    ] {
        let work = Work { flops: 0.0, read_bytes: r, write_bytes: w };
        let in_place = kernel.ends_with("inplace") || kernel == "allreduce";
        let t = r / rbw + if in_place { w / ibw } else { w / abw };
        samples.push(synthetic(kernel, "fp64", vec![100_000_000], role, work, t));
    }
    let peaks = BTreeMap::from([("fp32".to_string(), peak)]);
    let fit = fit_samples(&samples, &peaks, "fp32");
    let m = &fit.memory;
    assert!(
        (m.read_gbps - 20.0).abs() < 1e-6 && (m.write_gbps - 10.0).abs() < 1e-6 && (m.write_in_place_gbps - 40.0).abs() < 1e-6,
        "{m:?}"
    );
    let r = fit.roofline("fp32").unwrap();
    assert!((r.curve.e_max / 0.85 - 1.0).abs() < 0.01, "{r:?}");
    let v = validate(&samples, &fit);
    assert_eq!(v.len(), 3);
    for x in &v {
        assert!(x.relative_error.abs() < 0.01, "{x:?}");
    }
}

#[test]
fn plans_hold_out_shapes_that_are_not_fitted() {
    let p = plan(true, 128 << 20, 2);
    let fitted: Vec<Kernel> = p.iter().filter(|(_, r)| *r == Role::Fit).map(|(k, _)| *k).collect();
    for (k, r) in &p {
        if *r == Role::Holdout {
            assert!(!fitted.contains(k), "{k:?} is both fitted and held out");
        }
    }
    assert!(plan(false, 128 << 20, 2).len() > p.len());
}

/// Caches a CPU or a VM may report (none, tiny, usual, a shared host's 480 MiB, absurd),
/// available memory (none known, little, this machine's size) and thread counts.
const CACHES: [Option<u64>; 6] = [None, Some(4 << 10), Some(1 << 20), Some(32 << 20), Some(480 << 20), Some(u64::MAX / 2)];
const AVAILABLE: [Option<u64>; 5] = [None, Some(0), Some(300 << 20), Some(2 << 30), Some(24 << 30)];

#[test]
fn planned_working_sets_stay_within_the_memory_bounds_whatever_the_machine_reports() {
    for quick in [true, false] {
        let budget = working_set::sample_budget_bytes(quick);
        // The suite may use 1 GB (quick) or 4 GB (full) in all: a sample takes at most a
        // little over half of it, the rest is the process and allocator slack.
        assert!(budget as f64 <= if quick { 0.55e9 } else { 2.2e9 });
        for cache in CACHES {
            for available in AVAILABLE {
                let ws = WorkingSet::plan(quick, cache, available);
                for threads in [1, 2, 64, 1024] {
                    let p = plan(quick, ws.array_bytes, threads);
                    let peak = peak_footprint_bytes(&p);
                    let case = format!("quick {quick}, cache {cache:?}, available {available:?}, {threads} threads: {ws:?}");
                    assert!(peak <= budget, "{case}: a sample holds {peak} bytes");
                    // The samples sized from the array stay within a quarter of the memory
                    // available (down to the smallest array).
                    let scaled = p.iter().filter(|(k, _)| !matches!(k, Kernel::Gemm(..) | Kernel::Attention(..)));
                    let limit = available.map_or(u64::MAX, |a| (a / 4).max(6 * working_set::MIN_ARRAY_BYTES));
                    assert!(scaled.clone().all(|(k, _)| k.footprint_bytes() <= limit), "{case}");
                    // Every shape is non-empty.
                    assert!(p.iter().all(|(k, _)| k.describe().2.iter().all(|d| *d > 0)), "{case}");
                }
            }
        }
    }
}

#[test]
fn a_shared_host_reporting_480_mib_of_cache_gets_the_suite_cap() {
    let available = Some(23 << 30);
    let quick = WorkingSet::plan(true, Some(480 << 20), available);
    assert_eq!((quick.array_bytes, quick.limited_by.as_str()), (128 << 20, "cap"), "{quick:?}");
    assert_eq!(peak_footprint_bytes(&plan(true, quick.array_bytes, 2)), 3 * (128 << 20));
    let full = WorkingSet::plan(false, Some(480 << 20), available);
    assert_eq!((full.array_bytes, full.limited_by.as_str()), (256 << 20, "cap"), "{full:?}");
    assert_eq!(peak_footprint_bytes(&plan(false, full.array_bytes, 2)), 6 * (256 << 20));
}

#[test]
fn this_machine_is_planned_within_the_bounds() {
    for quick in [true, false] {
        let ws = WorkingSet::for_host(quick, Path::new("/"));
        let p = plan(quick, ws.array_bytes, rayon::current_num_threads());
        assert!(peak_footprint_bytes(&p) <= working_set::sample_budget_bytes(quick), "{ws:?}");
    }
}

#[test]
fn the_reference_machine_keeps_the_plan_its_shipped_profile_was_measured_with() {
    // 2 vCPUs of an AMD EPYC reporting a 32 MiB L3: arrays of 4 x 32 MiB, as before the cap.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/calibration/amd-epyc-zen5-2vcpu.json");
    let profile = Profile::read(&shipped).expect("the shipped profile reads");
    assert!(profile.working_set.is_none(), "written before the working set was recorded");
    let ws = WorkingSet::plan(profile.quick, Some(32 << 20), Some(20 << 30));
    assert_eq!((ws.array_bytes, ws.limited_by.as_str()), (128 << 20, "4 x cache"));
    let planned: Vec<(&str, &str, Vec<usize>)> = plan(profile.quick, ws.array_bytes, profile.device.parallelism as usize)
        .iter()
        .filter(|(_, r)| *r != Role::Probe)
        .map(|(k, _)| k.describe())
        .collect();
    let measured: Vec<(&str, &str, Vec<usize>)> =
        profile.samples.iter().map(|s| (s.kernel.as_str(), s.precision.as_str(), s.shape.clone())).collect();
    assert_eq!(planned, measured);
}

#[test]
fn sample_budgets_share_the_time_left_and_never_exceed_their_own() {
    assert_eq!(sample_budget_s(0.2, 14.0, 0.0, 10), 0.2);
    assert_eq!(sample_budget_s(1.0, 90.0, 80.0, 20), 0.5);
    assert_eq!(sample_budget_s(1.0, 90.0, 95.0, 20), 0.0);
    assert_eq!(sample_budget_s(1.0, 90.0, 89.0, 0), 1.0);
    // Every run taking its whole budget ends the loop by the deadline.
    let (mut t, runs) = (0.0, 150);
    for k in 0..runs {
        t += sample_budget_s(1.0, 90.0, t, runs - k);
    }
    assert!(t <= 90.0 + 1e-9, "{t}");
}

#[test]
fn stream_copy_and_triad_figures_ignore_the_probes() {
    let w = Work { flops: 0.0, read_bytes: 2.0, write_bytes: 1.0 };
    let mut samples = vec![
        synthetic("stream-triad", "fp64", vec![4], "probe", w, 1.0),
        synthetic("stream-triad", "fp64", vec![16], "fit", w, 3.0),
        synthetic("stream-copy", "fp64", vec![16], "info", w, 1.5),
    ];
    samples[0].bytes = 3e9;
    samples[1].bytes = 3e9;
    samples[2].bytes = 3e9;
    let fit = fit_samples(&samples, &BTreeMap::new(), "fp32");
    assert_eq!((fit.memory.stream_triad_gbps, fit.memory.stream_copy_gbps), (1.0, 2.0));
}
