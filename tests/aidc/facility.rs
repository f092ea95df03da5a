//! Facility physics: energy balance at every tick, PUE >= 1, monotonic behaviour, the PUE bands of
//! the seed reports, thermal throttling and real weather files.

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_in_memory, run_to_dir};

/// A one-year center of 400 H100 nodes at about 70 % load in `climate` with a hall cooling and
/// extra [facility] lines.
fn center(climate: &str, cooling: &str, facility: &str, horizon: &str) -> String {
    one_hall(&OneHall {
        name: "fac",
        simulation: (horizon, "30m", 3, ""),
        site: &format!("climate = \"{climate}\""),
        node: "accelerator = \"H100-SXM\"\naccelerators = 8\nfans = { min = \"150W\", max = \"1200W\" }",
        cooling,
        racks: 100,
        classes: &pretrain_class("4/d", 64, 512, "20d"),
        facility,
    })
}

use crate::support::run_text as run;

/// A typical air-cooled chilled-water design of the last decade: 7/12 °C chilled water, constant-speed
/// CRAH fans at 8 % of the air heat, 5 K towers, COP 5.0 chillers.
const LEGACY_AIR: (&str, &str) = (
    r#"{ kind = "air", crah_fan_power = 0.08, crah_min_airflow = 1.0, air_approach = "11K" }"#,
    "chilled_water = { supply = \"7C\", delta_t = \"5K\" }\ntower = { approach = \"5K\" }\nchiller = { cop = 5.0 }",
);

#[test]
fn energy_balances_at_every_tick_and_pue_is_at_least_one() {
    let dir = tempfile::tempdir().unwrap();
    let sc = ready("wuhu-10k.toml");
    let out = dir.path().join("out");
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_timeseries_balances(&out);
    // Heat: rejected + stored in the loops = brought to the loops + chiller work, at every tick.
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    sim.run(|_| {}).unwrap();
    assert!(sim.heat_balance_error_w().unwrap() < 1e-3, "{:?}", sim.heat_balance_error_w());
}

#[test]
fn a_warmer_facility_water_set_point_gives_more_free_cooling_hours() {
    let hours: Vec<f64> = ["24C", "32C", "40C"]
        .iter()
        .map(|t| {
            let f = format!("facility_water = {{ supply = \"{t}\", rejection = \"tower\" }}");
            run(&center("shanghai", "{ kind = \"cold-plate\" }", &f, "365d")).facility.free_cooling_hours.unwrap()
        })
        .collect();
    assert!(hours[0] < hours[1] && hours[1] < hours[2], "{hours:?}");
}

#[test]
fn a_hotter_climate_gives_a_higher_pue_for_the_same_design() {
    let pue: Vec<f64> = ["ulanqab", "beijing", "shanghai", "guangzhou"]
        .iter()
        .map(|c| run(&center(c, LEGACY_AIR.0, LEGACY_AIR.1, "365d")).facility.pue.unwrap().annual)
        .collect();
    assert!(pue.windows(2).all(|w| w[0] < w[1]), "{pue:?}");
}

#[test]
fn more_load_gives_a_lower_ups_loss_fraction() {
    // The UPS loss fraction falls with load up to its optimum (BRIEF §3): compare a light and a
    // heavy month on the same center.
    let frac = |rate: &str| {
        let s = run(&center("shanghai", "{ kind = \"air\" }", "", "30d").replace("rate = \"4/d\"", rate));
        let e = s.energy.by_component_kwh.unwrap();
        e["ups_loss"] / e["it"]
    };
    let (light, heavy) = (frac("rate = \"0.2/d\""), frac("rate = \"8/d\""));
    assert!(heavy < light, "light {light}, heavy {heavy}");
}

#[test]
fn seed_report_pue_bands() {
    // BRIEF §1 / issue 3: an air-cooled chilled-water design in East China lands in 1.35-1.55.
    for c in ["shanghai", "wuhu"] {
        let p = run(&center(c, LEGACY_AIR.0, LEGACY_AIR.1, "365d")).facility.pue.unwrap().annual;
        assert!((1.35..=1.55).contains(&p), "{c}: {p}");
    }
    // A cold-plate design in a cold northern climate: at or below 1.2.
    let p = run(&center("ulanqab", "{ kind = \"cold-plate\" }", "", "365d")).facility.pue.unwrap().annual;
    assert!(p <= 1.2, "ulanqab cold plate: {p}");
    // Immersion with dry coolers (40 °C water, no chillers) and an efficient power chain: at or
    // below 1.1.
    let f = "facility_water = { supply = \"40C\", rejection = \"dry-cooler\", chillers = false }\nups = { mode = \"eco\", redundancy = \"N+1\" }";
    let p = run(&center("ulanqab", "{ kind = \"immersion\" }", f, "365d")).facility.pue.unwrap().annual;
    assert!(p <= 1.1, "immersion: {p}");
}

#[test]
fn ready_scenarios_land_where_their_comments_say() {
    let pue = |name: &str| {
        let s = run_in_memory(&ready(name)).0;
        (s.facility.pue.clone().unwrap().annual, s)
    };
    let (p, _) = pue("guangzhou-air.toml");
    assert!((1.35..=1.55).contains(&p), "guangzhou-air {p}");
    let (p, s) = pue("ulanqab-coldplate.toml");
    assert!(p <= 1.2 && s.facility.free_cooling_hours.unwrap() > 4000.0, "ulanqab {p}");
    let (p, s) = pue("changsha-immersion.toml");
    assert!(p <= 1.1, "changsha {p}");
    // Its dry coolers cannot hold 40 °C on the hottest afternoons: throttling and alarms.
    let t = s.facility.thermal.unwrap();
    assert!(t.throttled_accelerator_hours > 0.0 && t.alarms > 0);
}

#[test]
fn a_loop_that_cannot_hold_its_set_point_throttles_and_slows_jobs() {
    // Dry coolers only, 32 °C water in a Guangzhou summer: the loop drifts far above set-point.
    let f = "facility_water = { supply = \"32C\", rejection = \"dry-cooler\", chillers = false }";
    let text = center("guangzhou", "{ kind = \"cold-plate\", thermal_resistance = 0.07 }", f, "60d")
        .replace("horizon = \"60d\"", "horizon = \"60d\"\nstart = \"2025-07-01\"");
    let d = tempfile::tempdir().unwrap();
    let mut sc = from_text(&text, d.path()).unwrap();
    let with = run_to_dir(&sc, &d.path().join("hot"), &RunOptions::default()).unwrap();
    sc.facility = None;
    let without = run_to_dir(&sc, &d.path().join("it"), &RunOptions::default()).unwrap();
    let t = with.summary.facility.thermal.clone().unwrap();
    assert!(t.throttled_accelerator_hours > 100.0 && t.alarms >= 2, "{t:?}");
    let alarms = std::fs::read_to_string(d.path().join("hot/alarms.csv")).unwrap();
    assert!(alarms.contains("accelerators_throttled") && alarms.contains("supply_above_set_point"), "{alarms}");
    // Same jobs (the facility draws from its own random streams), slower and cooler.
    assert_eq!(with.summary.jobs.submitted, without.summary.jobs.submitted);
    let run_hours = |dir: &str| {
        let rows = csv_rows(&d.path().join(dir).join("jobs.csv"));
        let (id, run, st) = (0, rows[0].iter().position(|h| h == "run_s").unwrap(), rows[0].iter().position(|h| h == "state").unwrap());
        rows[1..].iter().filter(|r| r[st] == "completed").map(|r| (r[id].clone(), r[run].parse::<f64>().unwrap())).collect::<Vec<_>>()
    };
    let (hot, cool) = (run_hours("hot"), run_hours("it"));
    let common: Vec<(f64, f64)> = hot.iter().filter_map(|(id, h)| cool.iter().find(|(i, _)| i == id).map(|(_, c)| (*h, *c))).collect();
    assert!(!common.is_empty());
    assert!(common.iter().all(|(h, c)| h >= c), "a throttled job never runs faster");
    assert!(common.iter().any(|(h, c)| h > c), "some job runs slower");
    assert!(with.summary.energy.it_kwh < without.summary.energy.it_kwh);
}

#[test]
fn a_measured_weather_file_drives_the_plant() {
    let d = tempfile::tempdir().unwrap();
    // Two days: hot and humid, then cold and dry (RH column; wet-bulb by Stull).
    let mut csv = String::from("time,db,rh\n");
    for h in 0..=48 {
        let (t, rh) = if h < 24 { (33.0, 80.0) } else { (-5.0, 40.0) };
        csv += &format!("{h},{t},{rh}\n");
    }
    std::fs::write(d.path().join("w.csv"), csv).unwrap();
    let text = center("shanghai", "{ kind = \"air\" }", "", "2d").replace(
        "climate = \"shanghai\"",
        "weather_file = \"w.csv\"\nweather_columns = { time = \"time\", dry_bulb = \"db\", relative_humidity = \"rh\" }\ngrid = \"east\"",
    );
    let sc = from_text(&text, d.path()).unwrap();
    let out = d.path().join("out");
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    let rows = csv_rows(&out.join("timeseries.csv"));
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    let at = |hour: usize| &rows[hour * 2];
    assert_eq!(at(10)[col("outdoor_db_c")], "33.00");
    let wb: f64 = at(10)[col("outdoor_wb_c")].parse().unwrap();
    assert!((29.0..31.0).contains(&wb), "{wb}");
    // Cold: full free cooling; hot: none.
    assert_eq!(at(40)[col("free_cooling_fraction")], "1.0000");
    assert_eq!(at(10)[col("free_cooling_fraction")], "0.0000");
}
