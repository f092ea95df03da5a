//! Grid coordination: tariffs, batteries, power caps and deferral (the invariants of issue 8).

use crate::support::*;
use aidc::engine::Simulation;
use aidc::engine::Summary;

/// Steady work on 10 racks (160 H100): 8-accelerator jobs of 3 h arriving at 4/h (about 75 % load).
const STEADY: &str = "[[workload.classes]]\nname = \"train\"\nkind = \"fine-tune\"\nrate = \"4/h\"\nsize = { dist = \"fixed\", value = 8 }\nduration = { dist = \"fixed\", value = \"3h\" }\nutilization = { mean = 0.9 }\n";

/// Deferrable batch work beside the steady work.
const BATCH: &str = "[[workload.classes]]\nname = \"batch\"\nkind = \"batch-inference\"\nrate = \"2/h\"\nsize = { dist = \"fixed\", value = 8 }\nduration = { dist = \"fixed\", value = \"2h\" }\nutilization = { mean = 0.8 }\n";

/// Runs a small center with `classes` and a `[grid]` section (empty: none); returns the summary
/// and the timeseries and jobs CSV text.
fn run(classes: &str, grid: &str, horizon: &str) -> (Summary, String, String) {
    // Without server fans: the cap's level moves the accelerators' power, and these tests check
    // the ledger's arithmetic against it (fans, cubic in the heat, would add their own share).
    let text = format!("{}\n{grid}\n", small(10, classes, "backfill", horizon))
        .replace("accelerators = 8\n", "accelerators = 8\nfans = { max = \"0W\" }\n");
    let d = tempfile::tempdir().unwrap();
    let sc = from_text(&text, d.path()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut sim = Simulation::new(&sc, Vec::new(), Vec::new()).unwrap();
    sim.run(|_| {}).unwrap();
    let (s, _, ts, jobs) = sim.finish(0.0).unwrap();
    (s, String::from_utf8(ts).unwrap(), String::from_utf8(jobs).unwrap())
}

/// The values of a timeseries column.
fn column(ts: &str, name: &str) -> Vec<f64> {
    let mut lines = ts.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines.map(|l| l.split(',').nth(i).unwrap().parse().unwrap()).collect()
}

const BATTERY: &str = "[grid.battery]\ncapacity_kwh = 300.0\npower = \"100kW\"\nefficiency = 0.81\n";

#[test]
fn a_flat_tariff_makes_arbitrage_earn_nothing() {
    let flat = "[grid]\nprices = { valley = 0.5, flat = 0.5, peak = 0.5, critical = 0.5 }\ndemand_charge = 0.0\n";
    let (without, _, _) = run(STEADY, flat, "7d");
    let (with, _, _) = run(STEADY, &format!("{flat}{BATTERY}"), "7d");
    let (a, b) = (without.grid.cost.unwrap(), with.grid.cost.unwrap());
    let bat = with.grid.battery.unwrap();
    assert!(bat.cycles > 1.0, "the battery should work: {bat:?}");
    assert!(b.energy_cny >= a.energy_cny, "flat tariff: {} with battery < {} without", b.energy_cny, a.energy_cny);
    // The extra cost is the price of the losses, less what is still stored above the start.
    let stored_kwh = (bat.soc_end - 0.5) * 300.0;
    let expected = 0.5 * (bat.losses_kwh + stored_kwh);
    assert!((b.energy_cny - a.energy_cny - expected).abs() < 1e-3 * a.energy_cny, "{} vs {expected}", b.energy_cny - a.energy_cny);

    // With the default TOU tariff (0.308 / 0.594 / 0.88) the same battery earns.
    let tou = "[grid]\ndemand_charge = 0.0\n";
    let (without, _, _) = run(STEADY, tou, "7d");
    let (with, _, _) = run(STEADY, &format!("{tou}{BATTERY}"), "7d");
    assert!(with.grid.cost.unwrap().energy_cny < without.grid.cost.unwrap().energy_cny);
}

#[test]
fn a_battery_stays_within_its_limits_and_balances_with_losses() {
    for policy in ["arbitrage", "peak-shaving", "green"] {
        let grid =
            format!("[grid]\npv_peak = \"150kW\"\n{BATTERY}policy = \"{policy}\"\ntarget = \"120kW\"\nsoc_min = 0.2\nsoc_max = 0.8\n");
        let (s, ts, _) = run(STEADY, &grid, "5d");
        for soc in column(&ts, "battery_soc") {
            assert!((0.2 - 1e-4..=0.8 + 1e-4).contains(&soc), "{policy}: soc {soc}");
        }
        for kw in column(&ts, "battery_kw") {
            assert!(kw.abs() <= 100.0 + 1e-3, "{policy}: {kw} kW");
        }
        let b = s.grid.battery.unwrap();
        let eta = 0.81f64.sqrt();
        let stored = (b.soc_end - 0.5) * 300.0;
        assert!((eta * b.charged_kwh - b.discharged_kwh / eta - stored).abs() < 1e-6 * 300.0, "{policy}: {b:?}");
        assert!(b.losses_kwh >= -1e-9, "{policy}: {b:?}");
        assert!(b.charged_kwh > 0.0, "{policy}: never charged");
    }
}

#[test]
fn deferral_meets_every_deadline_it_can() {
    for signal in ["price", "carbon"] {
        let grid =
            format!("[grid]\npv_peak = \"100kW\"\n[grid.deferral]\nclasses = [\"batch\"]\ndeadline = \"12h\"\nsignal = \"{signal}\"\n");
        let (s, _, jobs) = run(BATCH, &grid, "4d");
        let cost = s.grid.cost.unwrap();
        assert!(cost.deferred_job_hours > 0.0, "{signal}: nothing deferred");
        assert_eq!(cost.missed_deadlines, 0, "{signal}");
        for row in jobs.lines().skip(1) {
            let f: Vec<&str> = row.split(',').collect();
            if f[11] == "completed" {
                let (submit, end): (f64, f64) = (f[5].parse().unwrap(), f[7].parse().unwrap());
                assert!(end <= submit + 12.0 * 3600.0, "{signal}: {row}");
            }
        }
    }
    // A deadline shorter than the job (2 h) cannot be met: such jobs are never held.
    let (s, _, _) = run(BATCH, "[grid]\n[grid.deferral]\nclasses = [\"batch\"]\ndeadline = \"1h\"\n", "2d");
    assert_eq!(s.grid.cost.unwrap().deferred_job_hours, 0.0);
    // Deferral to valley hours lowers the cost of the same work.
    let (plain, _, _) = run(BATCH, "[grid]\ndemand_charge = 0.0\n", "4d");
    let (deferred, _, _) = run(BATCH, "[grid]\ndemand_charge = 0.0\n[grid.deferral]\nclasses = [\"batch\"]\n", "4d");
    let (p, d) = (plain.grid.cost.unwrap(), deferred.grid.cost.unwrap());
    assert!(d.mean_price_cny_per_kwh < p.mean_price_cny_per_kwh, "{d:?} vs {p:?}");
}

/// Long jobs that fill the center in the first hour, then nothing starts for days.
const FILL: &str = "[[workload.classes]]\nname = \"train\"\nkind = \"pretrain\"\nrate = \"60/h\"\nsize = { dist = \"fixed\", value = 8 }\nduration = { dist = \"fixed\", value = \"20h\" }\nutilization = { mean = 0.9 }\n";

#[test]
fn a_cap_holds_after_one_step_and_slows_jobs() {
    // The cap is restored at every tick; only jobs started since the last tick can lift the power
    // above it, so with no new starts it is never over for two steps running.
    let (free, ts_free, _) = run(FILL, "[grid]\n", "2d");
    let peak = column(&ts_free, "grid_power_kw").iter().copied().fold(0.0, f64::max);
    let cap = (0.8 * peak).round();
    let (capped, ts, _) = run(FILL, &format!("[grid]\ncap = \"{cap}kW\"\n"), "2d");
    let power = column(&ts, "grid_power_kw");
    let over: Vec<bool> = power.iter().map(|p| *p > cap * 1.001).collect();
    assert!(over.iter().any(|o| *o) || power.iter().all(|p| *p <= cap * 1.001));
    for (i, w) in over.windows(2).enumerate() {
        assert!(!(w[0] && w[1]), "over the cap {cap} kW for two steps at rows {i}, {}: {:?}", i + 1, &power[i..i + 2]);
    }
    let c = capped.grid.cost.unwrap();
    assert!(c.capped_accelerator_hours > 0.0);
    assert!(c.peak_demand_kw <= free.grid.cost.unwrap().peak_demand_kw);
    assert!(capped.jobs.completion_s.mean > free.jobs.completion_s.mean, "capped jobs should take longer");
}

#[test]
fn cost_is_the_integral_of_price_times_grid_power() {
    let grid = format!("[grid]\npv_peak = \"80kW\"\ngreen_share = 0.3\n{BATTERY}");
    let (s, ts, _) = run(STEADY, &grid, "4d");
    let (price, power) = (column(&ts, "price_cny_per_kwh"), column(&ts, "grid_power_kw"));
    let step_h = 10.0 / 60.0;
    let integral: f64 = price.iter().zip(&power).map(|(p, w)| p * w * step_h).sum();
    let cost = s.grid.cost.unwrap();
    assert!((integral - cost.energy_cny).abs() < 1e-4 * cost.energy_cny, "{integral} vs {}", cost.energy_cny);
    let kwh: f64 = power.iter().map(|w| w * step_h).sum();
    assert!((kwh - cost.grid_kwh).abs() < 1e-4 * cost.grid_kwh);
    let carbon = s.grid.carbon.unwrap();
    assert!(carbon.net_t < carbon.location_based_t && carbon.green_share > 0.3);
}

#[test]
fn outputs_without_a_grid_section_are_unchanged() {
    let (s, ts, _) = run(STEADY, "", "1d");
    assert!(s.grid.cost.is_none() && s.grid.carbon.is_none() && s.grid.battery.is_none());
    assert!(!ts.lines().next().unwrap().contains("price_cny_per_kwh"));
}

#[test]
fn bad_grid_input_names_the_field() {
    let d = tempfile::tempdir().unwrap();
    for (grid, field) in [
        ("[grid]\nhours = \"VVV\"\n", "grid.hours"),
        ("[grid]\n[grid.battery]\ncapacity_kwh = 10.0\npower = \"5kW\"\nsoc_min = 0.9\nsoc_max = 0.5\n", "grid.battery.soc_max"),
        ("[grid]\n[grid.deferral]\nclasses = [\"nope\"]\n", "grid.deferral.classes[0]"),
    ] {
        let text = format!("{}\n{grid}", small(1, STEADY, "fifo", "1d"));
        let e = from_text(&text, d.path()).expect_err(grid).to_string();
        assert!(e.contains(field) && e.contains("test.toml"), "{e}");
    }
}

#[test]
fn demand_response_windows_from_a_csv_shed_their_power() {
    let d = tempfile::tempdir().unwrap();
    let dr = d.path().join("dr.csv");
    std::fs::write(&dr, "start_h,end_h,shed_kw\n10,14,30\n").unwrap();
    let grid = format!("[grid]\ndemand_response_file = \"{}\"\n", dr.display());
    let (s, ts, _) = run(FILL, &grid, "1d");
    let (time, power) = (column(&ts, "time_s"), column(&ts, "grid_power_kw"));
    // The window sheds from the load at its first tick (the row closing at 10 h); the rows
    // closing intervals inside it hold at most base − 30 kW.
    let base = power[time.iter().position(|t| *t == 10.0 * 3600.0).unwrap()];
    for (t, p) in time.iter().zip(&power) {
        if *t > 10.0 * 3600.0 && *t <= 14.0 * 3600.0 {
            assert!(*p <= base - 30.0 + 0.5, "at {t} s: {p} kW, base {base} kW");
        }
    }
    assert!(s.grid.cost.unwrap().capped_accelerator_hours > 0.0);
}

#[test]
fn an_hourly_carbon_file_weights_carbon_by_hour() {
    let d = tempfile::tempdir().unwrap();
    let hourly = d.path().join("hourly.csv");
    std::fs::write(&hourly, "carbon_kg_per_kwh\n0.2\n0.8\n").unwrap();
    let grid = format!("[grid]\nhourly_file = \"{}\"\n", hourly.display());
    let (s, ts, _) = run(STEADY, &grid, "2d");
    let (factor, power) = (column(&ts, "carbon_kg_per_kwh"), column(&ts, "grid_power_kw"));
    assert!(factor.iter().all(|f| *f == 0.2 || *f == 0.8));
    let kg: f64 = factor.iter().zip(&power).map(|(f, p)| f * p * 10.0 / 60.0).sum();
    let c = s.grid.carbon.unwrap();
    assert!((kg / 1000.0 - c.location_based_t).abs() < 1e-4 * c.location_based_t, "{kg} kg vs {c:?}");
}

#[test]
fn the_grid_scenarios_round_trip_through_the_resolved_file() {
    for name in ["grid-east-baseline.toml", "grid-east-aware.toml", "grid-west-baseline.toml", "grid-west-aware.toml"] {
        let sc = ready(name);
        assert!(sc.coordination.is_some(), "{name}");
        let d = tempfile::tempdir().unwrap();
        let text = aidc::scenario::unparse::to_toml(&sc);
        let mut back = from_text(&text, d.path()).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        back.file = sc.file.clone();
        assert_eq!(back, sc, "{name}");
    }
}

#[test]
fn a_seasonal_hour_pattern_replaces_the_default_in_its_months() {
    // A summer season where every hour is peak; the run starts on 1 July: every interval is
    // priced at peak (critical hours off), while the default pattern has valley hours.
    let grid = "[grid]\nprices = { valley = 0.3, flat = 0.6, peak = 0.9, critical = 1.2 }\ncritical_months = [1]\nseasons = [{ months = [6, 7, 8], hours = \"PPPPPPPPPPPPPPPPPPPPPPPP\" }]\n";
    let text = format!("{}\n{grid}\n", small(10, STEADY, "backfill", "2d")).replace("seed = 5", "seed = 5\nstart = \"2025-07-01\"");
    let d = tempfile::tempdir().unwrap();
    let sc = from_text(&text, d.path()).unwrap();
    let mut sim = Simulation::new(&sc, Vec::new(), Vec::new()).unwrap();
    sim.run(|_| {}).unwrap();
    let (_, _, summer, _) = sim.finish(0.0).unwrap();
    let summer = String::from_utf8(summer).unwrap();
    assert!(column(&summer, "price_cny_per_kwh").iter().all(|p| (*p - 0.9).abs() < 1e-9), "July is all peak");
    // In January the default pattern applies: valley hours exist.
    let (_, winter, _) = run(STEADY, grid, "2d");
    assert!(column(&winter, "price_cny_per_kwh").iter().any(|p| (*p - 0.3).abs() < 1e-9), "January has valley hours");
    // A month in two seasons is an error naming the field.
    let d = tempfile::tempdir().unwrap();
    let bad = format!(
        "{}\n[grid]\nseasons = [{{ months = [7], hours = \"{}\" }}, {{ months = [7], hours = \"{}\" }}]\n",
        small(1, STEADY, "fifo", "1d"),
        "F".repeat(24),
        "P".repeat(24)
    );
    let e = from_text(&bad, d.path()).unwrap_err().to_string();
    assert!(e.contains("grid.seasons[1].months"), "{e}");
}
