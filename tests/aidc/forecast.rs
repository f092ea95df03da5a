//! `aidc forecast` end to end: a flat forecast under zero growth, the trigger moving earlier
//! under stronger growth, an expansion that postpones it, and bad input refused.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// Runs a classroom forecast into a temporary folder and returns forecast.json.
fn forecast(args: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fc");
    let mut all = vec!["forecast", "scenarios/classroom.toml", "--quiet", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = aidc(&all);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    let csv = std::fs::read_to_string(out.join("forecast.csv")).unwrap();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out.join("forecast.json")).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 1 + json["months"].as_u64().unwrap() as usize);
    assert!(csv.starts_with("month,start_day,demand,accelerators,utilization_allocated_p10,"));
    assert!(!Path::new(&out).join("forecast.csv.tmp").exists());
    json
}

/// The band (p10, p50, p90) of a metric in month m (0-based).
fn band(f: &Value, m: usize, metric: &str) -> (f64, f64, f64) {
    let b = &f["table"][m]["metrics"][metric];
    assert!(b.is_object(), "no {metric} in month {m}");
    (b["p10"].as_f64().unwrap(), b["p50"].as_f64().unwrap(), b["p90"].as_f64().unwrap())
}

fn trigger(f: &Value) -> Option<u64> {
    f["trigger"]["month"].as_u64()
}

#[test]
fn zero_growth_gives_a_flat_forecast_within_its_bands() {
    let f = forecast(&["--months", "6", "-n", "12", "--growth", "0"]);
    assert!(f["multipliers"].as_array().unwrap().iter().all(|x| x == 1.0));
    // Flat: every month's median lies within the typical band (the months' mean p10 and p90),
    // and the medians show no trend beyond a quarter of that band.
    for metric in ["utilization_allocated", "idle_accelerator_hours", "it_energy_kwh"] {
        let bands: Vec<(f64, f64, f64)> = (0..6).map(|m| band(&f, m, metric)).collect();
        let lo = bands.iter().map(|b| b.0).sum::<f64>() / 6.0;
        let hi = bands.iter().map(|b| b.2).sum::<f64>() / 6.0;
        for (m, b) in bands.iter().enumerate() {
            assert!(lo <= b.1 && b.1 <= hi, "{metric}: month {} median {} outside the typical band [{lo}, {hi}]", m + 1, b.1);
        }
        let first = bands[..3].iter().map(|b| b.1).sum::<f64>() / 3.0;
        let last = bands[3..].iter().map(|b| b.1).sum::<f64>() / 3.0;
        assert!((last - first).abs() < 0.25 * (hi - lo), "{metric}: medians drift from {first} to {last}");
    }
    // Idle hours and utilization agree: idle = (1 - u) x 256 accelerators x 730 h.
    let (_, u, _) = band(&f, 2, "utilization_allocated");
    let (_, idle, _) = band(&f, 2, "idle_accelerator_hours");
    assert!(idle > 0.0 && (idle - (1.0 - u) * 256.0 * 730.0).abs() < 0.05 * 256.0 * 730.0, "{idle} vs {u}");
    assert_eq!(trigger(&f), None, "the classroom keeps up with constant demand");
}

#[test]
fn stronger_growth_moves_the_trigger_earlier() {
    let slow = forecast(&["--months", "12", "-n", "6", "--growth", "5%/month"]);
    let fast = forecast(&["--months", "12", "-n", "6", "--growth", "15%/month"]);
    let (s, f) = (trigger(&slow).expect("5 %/month triggers within a year"), trigger(&fast).expect("15 %/month triggers"));
    assert!(f < s, "15 %/month triggers at month {f}, 5 %/month at {s}");
    assert!((fast["multipliers"][2].as_f64().unwrap() - 1.15f64.powi(2)).abs() < 1e-12);
}

#[test]
fn an_expansion_postpones_the_trigger() {
    let f = forecast(&["--months", "9", "-n", "6", "--growth", "10%/month", "--expand", "8@4"]);
    let x = &f["expansion"];
    let without = x["trigger_without"]["month"].as_u64().expect("10 %/month triggers without an expansion");
    assert!(trigger(&f).is_none_or(|m| m > without), "with: {:?}, without: {without}", trigger(&f));
    assert_eq!(x["accelerators_before"], 256);
    assert_eq!(x["accelerators_after"], 512);
    assert_eq!(f["table"][2]["accelerators"], 256);
    assert_eq!(f["table"][3]["accelerators"], 512);
    // One continuous run: before the expansion its IT side is the base run's, job for job
    // (the added racks are absent; the facility, sized for the final design, is not the same);
    // from it on, the backlog drains into the new racks.
    let base = forecast(&["--months", "9", "-n", "6", "--growth", "10%/month"]);
    for m in 0..3 {
        for metric in
            ["utilization_allocated", "utilization_effective", "idle_accelerator_hours", "wait_p95_s", "submitted", "it_energy_kwh"]
        {
            assert_eq!(band(&f, m, metric), band(&base, m, metric), "{metric} in month {} before the expansion", m + 1);
        }
    }
    let (_, wait_before, _) = band(&base, 3, "wait_p95_s");
    let (_, wait_after, _) = band(&f, 3, "wait_p95_s");
    assert!(wait_after < wait_before, "p95 wait in month 4: {wait_after} s with the expansion, {wait_before} s without");
    let (_, u, _) = band(&f, 3, "utilization_allocated");
    assert!(u > 0.0 && u <= 1.0, "utilization of the capacity in service: {u}");
}

#[test]
fn bad_forecast_input_exits_2() {
    for (args, what) in [
        (&["--growth", "5"][..], "--growth"),
        (&["--step", "+50%"][..], "--step"),
        (&["--expand", "0@3"][..], "--expand"),
        (&["--expand", "2@30", "--months", "6"][..], "--expand"),
        (&["--max-reject", "150%"][..], "--max-reject"),
        (&["--months", "0"][..], "--months"),
    ] {
        let mut all = vec!["forecast", "scenarios/classroom.toml", "--quiet", "--out", "/nonexistent/never"];
        all.extend_from_slice(args);
        let o = aidc(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(what), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn with_finance_the_forecast_gives_npv_and_payback_bands_and_says_whether_an_expansion_pays() {
    let d = tempfile::tempdir().unwrap();
    let run = |spread: &str, out: &str, extra: &[&str]| {
        let mut args = vec!["forecast", "scenarios/demo/payback-x4.toml", "--months", "3", "--warmup", "7d", "-n", "6", "--quiet"];
        args.extend(["--price-spread", spread, "--out"]);
        let o = d.path().join(out);
        let o = o.to_str().unwrap().to_string();
        args.push(&o);
        args.extend(extra);
        let r = aidc(&args);
        assert_ok(&r);
        read_json(&std::path::Path::new(&o).join("forecast.json"))
    };
    let width = |f: &serde_json::Value| {
        let b = &f["finance"]["npv_cny"];
        let (p10, p50, p90) = (b["p10"].as_f64().unwrap(), b["p50"].as_f64().unwrap(), b["p90"].as_f64().unwrap());
        assert!(p10 <= p50 && p50 <= p90, "{b}");
        p90 - p10
    };
    let steady = run("0", "a", &[]);
    let spread = run("50%", "b", &[]);
    assert_eq!(spread["finance"]["price_spread"], 0.5);
    // The same demand draws; lease prices varying by up to ±50 % widen the NPV band.
    assert!(width(&spread) > 2.0 * width(&steady), "{} vs {}", width(&spread), width(&steady));
    let x = run("0", "c", &["--expand", "8@2"]);
    let e = &x["finance"];
    assert!(e["expansion_pays"].is_boolean() && e["without_expansion"]["npv_cny"]["p50"].is_number(), "{e}");
    let pays = e["npv_cny"]["p50"].as_f64().unwrap() > e["without_expansion"]["npv_cny"]["p50"].as_f64().unwrap();
    assert_eq!(e["expansion_pays"].as_bool(), Some(pays));
    // Without [finance] there is no economics.
    let plain = d.path().join("p");
    assert_ok(&aidc(["forecast", "scenarios/classroom.toml", "--months", "1", "-n", "2", "--quiet", "--out", plain.to_str().unwrap()]));
    assert!(read_json(&plain.join("forecast.json"))["finance"].is_null());
}
