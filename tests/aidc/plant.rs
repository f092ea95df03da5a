//! The plant of issue 14: design era, constant- and variable-speed pumps and fans, the
//! water-side economizer present or absent, air-cooled chillers, DX CRAC units, tower basin
//! heaters; energy balance with all of them; bad input; round trips.

use crate::support::*;
use aidc::engine::{RunOptions, Simulation, run_in_memory, run_to_dir};

/// A center of 100 H100 nodes in `climate` with a hall `cooling`, `[facility]` lines and a
/// pretraining arrival `rate`.
fn hall(climate: &str, cooling: &str, facility: &str, horizon: &str, rate: &str) -> String {
    one_hall(&OneHall {
        name: "plant",
        simulation: (horizon, "30m", 5, ""),
        site: &format!("climate = \"{climate}\""),
        node: "accelerator = \"H100-SXM\"\naccelerators = 8",
        cooling,
        racks: 25,
        classes: &pretrain_class(rate, 16, 256, "20d"),
        facility,
    })
}

use crate::support::{component_kwh as kwh, run_text as run};

const AIR: &str = r#"{ kind = "air" }"#;

#[test]
fn a_legacy_hall_has_a_higher_pue_than_the_same_hall_built_today() {
    for climate in ["shanghai", "guangzhou", "ulanqab"] {
        let modern = run(&hall(climate, AIR, "", "365d", "4/d"));
        let legacy = run(&hall(climate, AIR, "era = \"legacy\"", "365d", "4/d"));
        let (m, l) = (modern.facility.pue.as_ref().unwrap().annual, legacy.facility.pue.as_ref().unwrap().annual);
        assert!(l > m + 0.05, "{climate}: legacy {l}, modern {m}");
        assert_eq!(legacy.facility.free_cooling_hours, Some(0.0), "{climate}: a legacy plant has no economizer");
    }
}

#[test]
fn without_an_economizer_the_chillers_carry_all_the_heat_all_year() {
    // Ulanqab: the modern economizer runs most of the year; without it, never.
    let with = run(&hall("ulanqab", AIR, "", "365d", "4/d"));
    let without = run(&hall("ulanqab", AIR, "chilled_water = { economizer = false }", "365d", "4/d"));
    assert!(with.facility.free_cooling_hours.unwrap() > 3000.0, "{:?}", with.facility.free_cooling_hours);
    assert_eq!(without.facility.free_cooling_hours, Some(0.0));
    assert_eq!(without.facility.free_cooling_fraction, Some(0.0));
    assert!(kwh(&without, "chillers") > 3.0 * kwh(&with, "chillers"));
}

#[test]
fn constant_speed_pumps_and_fans_draw_design_power_whatever_the_load() {
    let f = "chilled_water = { pumps = \"constant\" }";
    let c = r#"{ kind = "air", fans = "constant" }"#;
    let light = run(&hall("shanghai", c, f, "30d", "0.3/d"));
    let heavy = run(&hall("shanghai", c, f, "30d", "8/d"));
    assert!(heavy.energy.it_kwh > 1.3 * light.energy.it_kwh, "{} {}", heavy.energy.it_kwh, light.energy.it_kwh);
    for comp in ["pumps", "crah_fans"] {
        let (a, b) = (kwh(&light, comp), kwh(&heavy, comp));
        assert!(a > 0.0 && ((a - b) / b).abs() < 1e-9, "{comp}: light {a}, heavy {b}");
    }
    // Variable speed at light load draws less.
    let var = run(&hall("shanghai", AIR, "", "30d", "0.3/d"));
    assert!(kwh(&var, "pumps") < kwh(&light, "pumps") && kwh(&var, "crah_fans") < kwh(&light, "crah_fans"));
}

#[test]
fn air_cooled_chillers_use_no_water_and_more_power_than_towers() {
    let tower = run(&hall("shanghai", AIR, "", "365d", "4/d"));
    let air = run(&hall("shanghai", AIR, "chilled_water = { rejection = \"air-cooled-chiller\" }", "365d", "4/d"));
    assert_eq!(air.facility.water_m3, Some(0.0));
    assert!(tower.facility.water_m3.unwrap() > 0.0);
    assert!(air.facility.pue.as_ref().unwrap().annual > tower.facility.pue.as_ref().unwrap().annual);
    assert!(kwh(&air, "heat_rejection_fans") > 0.0);
}

#[test]
fn dx_crac_halls_send_no_heat_to_the_chilled_water() {
    let crah = run(&hall("shanghai", AIR, "era = \"legacy\"", "90d", "4/d"));
    let dx = run(&hall("shanghai", r#"{ kind = "air", unit = "crac-dx" }"#, "era = \"legacy\"", "90d", "4/d"));
    assert!(kwh(&dx, "crac_compressors") > 0.1 * dx.energy.it_kwh, "{}", kwh(&dx, "crac_compressors"));
    assert_eq!(kwh(&crah, "crac_compressors"), 0.0);
    // Only the UPS, PDU and battery losses and the white-space lighting are left on the chilled
    // water: with the legacy UPS at 2N light load about a tenth of the CRAH hall's chiller energy.
    assert!(kwh(&dx, "chillers") < 0.2 * kwh(&crah, "chillers"), "{} vs {}", kwh(&dx, "chillers"), kwh(&crah, "chillers"));
}

#[test]
fn basin_heaters_run_only_below_freezing() {
    let d = tempfile::tempdir().unwrap();
    let weather = |t: f64| {
        let mut csv = String::from("time,db,rh\n");
        for h in 0..=48 {
            csv += &format!("{h},{t},60\n");
        }
        csv
    };
    let basin = |t: f64, name: &str| {
        std::fs::write(d.path().join(name), weather(t)).unwrap();
        let text = hall("shanghai", AIR, "", "2d", "4/d").replace(
            "climate = \"shanghai\"",
            &format!(
                "weather_file = \"{name}\"\nweather_columns = {{ time = \"time\", dry_bulb = \"db\", relative_humidity = \"rh\" }}\ngrid = \"east\""
            ),
        );
        let sc = from_text(&text, d.path()).unwrap();
        kwh(&run_in_memory(&sc).0, "basin_heaters")
    };
    assert_eq!(basin(0.5, "mild.csv"), 0.0);
    let (cold, colder) = (basin(-5.0, "cold.csv"), basin(-15.0, "colder.csv"));
    assert!(cold > 0.0 && colder > 2.0 * cold, "{cold} {colder}");
}

#[test]
fn energy_balances_with_every_new_component() {
    let f = "era = \"legacy\"\nchilled_water = { rejection = \"tower\" }\nfacility_water = { rejection = \"air-cooled-chiller\", economizer = true }";
    let text = hall("ulanqab", r#"{ kind = "cold-plate", unit = "crac-dx" }"#, f, "60d", "4/d");
    let dir = tempfile::tempdir().unwrap();
    let sc = from_text(&text, dir.path()).unwrap();
    let out = dir.path().join("out");
    let r = run_to_dir(&sc, &out, &RunOptions::default()).unwrap();
    assert_timeseries_balances(&out);
    let e = &r.summary.energy;
    let sum: f64 = e.by_component_kwh.as_ref().unwrap().values().sum();
    assert!((sum - e.facility_kwh.unwrap()).abs() < 1e-6 * sum, "{sum} vs {:?}", e.facility_kwh);
    assert!(kwh(&r.summary, "crac_compressors") > 0.0 && kwh(&r.summary, "basin_heaters") > 0.0);
    let mut sim = Simulation::new(&sc, std::io::sink(), std::io::sink()).unwrap();
    sim.run(|_| {}).unwrap();
    assert!(sim.heat_balance_error_w().unwrap() < 1e-3, "{:?}", sim.heat_balance_error_w());
}

#[test]
fn the_new_fields_round_trip() {
    let f = "era = \"legacy\"\nchilled_water = { pumps = \"variable\", economizer = true }\n\
             facility_water = { rejection = \"air-cooled-chiller\" }\n\
             chiller = { min_condenser_temp = \"16C\", max_cop = 9.0 }\n\
             tower = { design_wet_bulb = \"27C\", exponent = 0.7, basin_heater = 200.0, basin_heater_setpoint = \"1C\" }\n\
             air_cooled_chiller = { cop = 3.1, condenser_approach = \"12K\", fan_power = 0.03 }";
    let text = hall("shanghai", r#"{ kind = "cold-plate", unit = "crac-dx", fans = "variable", dx_cop = 2.7 }"#, f, "2d", "4/d");
    let d = tempfile::tempdir().unwrap();
    let sc = from_text(&text, d.path()).unwrap();
    let fac = sc.facility.as_ref().unwrap();
    assert_eq!(fac.chilled_water.pumps, aidc::config::SpeedControl::Variable);
    assert_eq!(fac.facility_water.pumps, aidc::config::SpeedControl::Constant, "legacy default");
    assert!(!fac.facility_water.economizer, "legacy default");
    assert_round_trips(&sc, d.path(), "plant.toml");
    assert_round_trips(&from_text(&hall("shanghai", AIR, "", "2d", "4/d"), d.path()).unwrap(), d.path(), "modern.toml");
}

#[test]
fn bad_plant_fields_are_exit_2_naming_the_field() {
    let cases = [
        ("era = \"old\"", AIR, "facility.era"),
        ("chilled_water = { pumps = \"fast\" }", AIR, "facility.chilled_water.pumps"),
        ("chilled_water = { chillers = false, economizer = false }", AIR, "facility.chilled_water.economizer"),
        ("chilled_water = { rejection = \"air-cooled\" }", AIR, "facility.chilled_water.rejection"),
        ("chilled_water = { rejection = \"air-cooled-chiller\", chillers = false }", AIR, "facility.chilled_water.chillers"),
        ("chiller = { max_cop = 0.5 }", AIR, "facility.chiller.max_cop"),
        ("tower = { exponent = 2.0 }", AIR, "facility.tower.exponent"),
        ("air_cooled_chiller = { cop = -1.0 }", AIR, "facility.air_cooled_chiller.cop"),
        ("", r#"{ kind = "air", unit = "crac" }"#, "halls[0].cooling.unit"),
        ("", r#"{ kind = "air", fans = "slow" }"#, "halls[0].cooling.fans"),
        ("", r#"{ kind = "immersion", unit = "crac-dx" }"#, "halls[0].cooling.unit"),
    ];
    for (f, c, field) in cases {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("bad.toml"), hall("shanghai", c, f, "2d", "4/d")).unwrap();
        let o = aidc_in(d.path(), ["run", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2), "{field}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(field) && err.contains("bad.toml"), "{field}: {err}");
        assert!(!d.path().join("output").exists(), "{field}: nothing written");
    }
}

#[test]
fn validation_barclays_dc1() {
    // docs/validation/barclays-dc1.md: measured annual PUE 1.63 with constant-speed fans and pumps,
    // 1.54 after a programme that added VFDs (van Halem and Cabrera, Uptime Institute Journal).
    let sc = ready("validation/barclays-dc1.toml");
    let before = run_in_memory(&sc).0.facility.pue.unwrap().annual;
    // The model lacks bypass and recirculated air: it is below the measurement (1.45 with
    // humidity control, the legacy UPS curve and lighting), by no more than 0.23.
    assert!((1.40..=1.63).contains(&before), "model {before} against measured 1.63");
    let text = std::fs::read_to_string(ready_path("validation/barclays-dc1.toml")).unwrap();
    let vfd = edit(
        &edit(&text, "cooling = { kind = \"air\" }", "cooling = { kind = \"air\", fans = \"variable\" }"),
        "era = \"legacy\"",
        "era = \"legacy\"\nchilled_water = { pumps = \"variable\" }",
    );
    let after = run_in_memory(&from_text(&vfd, &ready_path("validation")).unwrap()).0.facility.pue.unwrap().annual;
    let saving = before - after;
    assert!((0.05..=0.15).contains(&saving), "saving {saving} against measured 0.09 (1.63 -> 1.54)");
}
