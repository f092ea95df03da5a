//! Issue 14, air side: site elevation and pressure-aware psychrometrics, EPW weather, humidity
//! control per hall, air-side economizers, the indirect-evaporative scenario and the Prineville
//! validation case.

use crate::support::*;
use aidc::engine::{Summary, run_in_memory};

/// A one-year hall of 64 air-cooled H20 racks in `climate` with a hall cooling, extra [site] lines
/// and extra [facility] lines.
fn hall(climate: &str, site: &str, cooling: &str, facility: &str) -> String {
    one_hall(&OneHall {
        name: "air",
        simulation: ("365d", "1h", 7, ""),
        site: &format!("climate = \"{climate}\"\n{site}"),
        node: "platform = \"HGX-H20\"",
        cooling,
        racks: 64,
        classes: "[[workload.classes]]\nname = \"b\"\nkind = \"batch-inference\"\nrate = \"100/d\"",
        facility,
    })
}

use crate::support::{component_kwh as kwh, run_text as run};

fn pue(s: &Summary) -> f64 {
    s.facility.pue.as_ref().map_or(0.0, |p| p.annual)
}

/// Energy groups add up: IT + cooling + losses + other = facility, and the components sum to it.
fn assert_balance(s: &Summary) {
    let e = &s.energy;
    let (f, c, l, o) = (e.facility_kwh.unwrap(), e.cooling_kwh.unwrap(), e.loss_kwh.unwrap(), e.other_kwh.unwrap());
    assert!((e.it_kwh + c + l + o - f).abs() < 1e-6 * f, "{e:?}");
    let sum: f64 = e.by_component_kwh.as_ref().unwrap().values().sum();
    assert!((sum - f).abs() < 1e-6 * f, "{sum} vs {f}");
    assert!(pue(s) >= 1.0);
}

#[test]
fn an_air_hall_humidifies_in_a_dry_winter_and_dehumidifies_in_a_humid_summer_and_a_sealed_hall_does_neither() {
    let air = r#"{ kind = "air" }"#;
    let dry = run(&hall("ulanqab", "", air, ""));
    assert!(kwh(&dry, "humidifiers") > 0.0, "{:?}", dry.energy.by_component_kwh);
    assert_balance(&dry);
    let humid = run(&hall("guangzhou", "", air, ""));
    assert!(kwh(&humid, "reheat") > 0.0, "{:?}", humid.energy.by_component_kwh);
    assert_eq!(kwh(&humid, "humidifiers"), 0.0);
    assert_balance(&humid);
    // Sealed: no outdoor air, no humidity work; and turning it off lowers the PUE.
    let sealed = run(&hall("guangzhou", "", r#"{ kind = "air", humidity = false }"#, ""));
    assert_eq!((kwh(&sealed, "reheat"), kwh(&sealed, "humidifiers")), (0.0, 0.0));
    assert!(pue(&sealed) < pue(&humid));
    let liquid = run(&hall("ulanqab", "", r#"{ kind = "cold-plate" }"#, ""));
    assert_eq!((kwh(&liquid, "reheat"), kwh(&liquid, "humidifiers")), (0.0, 0.0));
}

#[test]
fn indirect_evaporative_cooling_saves_chiller_energy_and_uses_water() {
    let base = run(&hall("beijing", "", r#"{ kind = "air" }"#, ""));
    let iec = run(&hall("beijing", "", r#"{ kind = "air", economizer = "indirect-evaporative" }"#, ""));
    assert!(kwh(&iec, "air_economizer_fans") > 0.0);
    assert!(kwh(&iec, "chillers") < 0.5 * kwh(&base, "chillers"), "{} vs {}", kwh(&iec, "chillers"), kwh(&base, "chillers"));
    assert!(pue(&iec) < pue(&base));
    assert_balance(&iec);
    // A better exchanger removes more.
    let better = run(&hall("beijing", "", r#"{ kind = "air", economizer = "indirect-evaporative", iec_effectiveness = 0.8 }"#, ""));
    assert!(kwh(&better, "chillers") <= kwh(&iec, "chillers"));
}

#[test]
fn elevation_changes_the_wet_bulb_and_can_be_overridden() {
    // The same climate at sea level and at 1,419 m: the tower water (wet-bulb) is colder high up,
    // so chillers work less.
    let cp = r#"{ kind = "air" }"#;
    let fac = "chilled_water = { supply = \"18C\", delta_t = \"6K\" }";
    let high = run(&hall("ulanqab", "", cp, fac));
    let low = run(&hall("ulanqab", "elevation = \"0m\"", cp, fac));
    assert!(kwh(&high, "chillers") < kwh(&low, "chillers"), "{} vs {}", kwh(&high, "chillers"), kwh(&low, "chillers"));
    // Round trip of the new fields.
    let d = tempfile::tempdir().unwrap();
    let text = hall(
        "ulanqab",
        "elevation = \"1.2km\"",
        r#"{ kind = "air", economizer = "direct-evaporative", dew_point_max = "17C", humidifier_energy = 0.8 }"#,
        "",
    );
    let sc = from_text(&text, d.path()).unwrap();
    assert_eq!(sc.site_elevation_m(), 1200.0);
    assert_round_trips(&sc, d.path(), "air");
}

#[test]
fn bad_air_side_input_exits_2_naming_the_field() {
    let d = tempfile::tempdir().unwrap();
    for (site, cooling, field) in [
        ("elevation = \"9km\"", r#"{ kind = "air" }"#, "site.elevation"),
        ("elevation = 300", r#"{ kind = "air" }"#, "elevation"),
        ("", r#"{ kind = "air", economizer = "swamp" }"#, "economizer"),
        ("", r#"{ kind = "immersion", economizer = "direct" }"#, "economizer"),
        ("", r#"{ kind = "air", iec_effectiveness = 1.5 }"#, "iec_effectiveness"),
        ("", r#"{ kind = "air", dew_point_min = "16C" }"#, "dew_point_max"),
    ] {
        let text = hall("ulanqab", site, cooling, "");
        std::fs::write(d.path().join("bad.toml"), &text).unwrap();
        let o = aidc_in(d.path(), ["check", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2), "{field}: {}", printed(&o));
        assert!(stderr(&o).contains(field), "{field}: {}", stderr(&o));
    }
}

#[test]
fn an_epw_file_drives_the_weather_and_bad_rows_exit_2_naming_line_and_field() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_path("weather/tiny.epw"), d.path().join("w.epw")).unwrap();
    let text = hall("ulanqab", "weather_file = \"w.epw\"", r#"{ kind = "air", economizer = "indirect-evaporative" }"#, "")
        .replace("climate = \"ulanqab\"\n", "")
        .replace("horizon = \"365d\"", "horizon = \"4d\"");
    let sc = from_text(&text, d.path()).unwrap();
    // The elevation comes from the file's LOCATION line.
    assert_eq!(sc.site_elevation_m(), 1419.0);
    let s = run_in_memory(&sc).0;
    assert_balance(&s);
    assert!(kwh(&s, "air_economizer_fans") > 0.0);
    assert_round_trips(&sc, d.path(), "air");
    // A broken record: exit 2 naming the file, line and field.
    let good = std::fs::read_to_string(d.path().join("w.epw")).unwrap();
    let bad = good.replacen("2001,1,1,5,60", "2001,1,1,5,6O", 1);
    std::fs::write(d.path().join("w.epw"), bad).unwrap();
    std::fs::write(d.path().join("s.toml"), &text).unwrap();
    let o = aidc_in(d.path(), ["check", "s.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    let e = stderr(&o);
    assert!(e.contains("w.epw") && e.contains(":13") && e.contains("minute"), "{e}");
}

#[test]
fn ulanqab_iec_scenario_runs_with_most_heat_free() {
    let sc = ready("ulanqab-iec.toml");
    let s = run_in_memory(&sc).0;
    assert_balance(&s);
    let p = pue(&s);
    // An air hall with IEC, 2N double conversion: overhead dominated by UPS and fans.
    assert!((1.08..1.2).contains(&p), "{p}");
    assert!(kwh(&s, "humidifiers") > 0.0);
}

/// Validation: Facebook Prineville (direct evaporative), published annual PUE 1.07-1.08
/// (docs/validation/prineville-direct-evaporative.md). Tolerance: ±0.03 on PUE about 1.075.
#[test]
fn prineville_direct_evaporative_matches_its_published_pue() {
    let sc = ready("validation/prineville-direct-evaporative.toml");
    let s = run_in_memory(&sc).0;
    assert_balance(&s);
    let p = pue(&s);
    assert!((p - 1.075).abs() <= 0.03, "model PUE {p}, published 1.07-1.08");
}
