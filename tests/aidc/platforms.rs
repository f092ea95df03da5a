//! Server platforms and server fans (issue 13, items 1 and 2): `check` sets each node type's
//! modelled maximum beside its nameplate, and server fans follow the share of the heat their air
//! must remove.

use crate::support::*;

/// The cold-plate demo with its hall's cooling replaced by `cooling`, over 30 days.
fn demo_with(cooling: &str, dir: &std::path::Path) -> aidc::scenario::Scenario {
    let text = std::fs::read_to_string(ready_path("demo/cold-plate.toml")).unwrap();
    let text = edit(&text, "cooling = { kind = \"cold-plate\" }", cooling);
    let text = edit(&text, "horizon = \"365d\"", "horizon = \"30d\"");
    from_text(&text, dir).unwrap()
}

#[test]
fn server_fan_energy_falls_from_air_to_cold_plate_to_immersion_for_the_same_work() {
    let d = tempfile::tempdir().unwrap();
    let runs: Vec<_> = ["cooling = { kind = \"air\" }", "cooling = { kind = \"cold-plate\" }", "cooling = { kind = \"immersion\" }"]
        .iter()
        .map(|c| aidc::engine::run_in_memory(&demo_with(c, d.path())).0)
        .collect();
    let fans: Vec<f64> = runs.iter().map(|s| s.energy.server_fans_kwh).collect();
    // The same jobs ran the same accelerator-hours in all three halls.
    let work: Vec<f64> = runs.iter().map(|s| s.utilization.effective_mean).collect();
    assert!(work.iter().all(|w| (w - work[0]).abs() < 1e-12), "{work:?}");
    assert!(fans[0] > fans[1] && fans[1] > fans[2], "{fans:?}");
    assert_eq!(fans[2], 0.0, "immersed servers have no fans");
    // Cold plates take 80 % of the heat (the default capture): the fans move a fifth of the
    // air, (1/5)^3 = 0.8 % of their full power, so they run at their minimum (5 % of the maximum)
    // nearly all the time: at most a fifth of the air-cooled fans' energy.
    assert!(fans[1] < 0.2 * fans[0], "{fans:?}");
    // Fans are part of IT energy: the IT energy falls by at least most of the fan saving.
    let it: Vec<f64> = runs.iter().map(|s| s.energy.it_kwh).collect();
    assert!(it[0] - it[1] > 0.8 * (fans[0] - fans[1]), "{it:?} {fans:?}");
    assert!(fans.iter().zip(&it).all(|(f, i)| f < i));
}

#[test]
fn check_sets_the_modelled_maximum_beside_the_nameplate_and_warns_past_10_percent() {
    let d = tempfile::tempdir().unwrap();
    let text = small(1, "[[workload.classes]]\nname = \"t\"\nkind = \"debug\"\nrate = \"1/h\"\n", "fifo", "1d")
        .replace("accelerator = \"H100-SXM\"\naccelerators = 8\n", "platform = \"DGX-H100\"\n")
        + "[[node_types]]\nname = \"bare\"\naccelerator = \"H800-SXM\"\naccelerators = 8\nnameplate = \"10.2kW\"\n";
    let path = d.path().join("p.toml");
    std::fs::write(&path, &text).unwrap();
    let o = aidc(["check", s(&path)]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("node type  n8 (platform DGX-H100)"), "{out}");
    assert!(out.contains("modelled maximum 9.92 kW (every part at its maximum) vs nameplate 10.20 kW (-2.7 %)"), "{out}");
    // The bare node (defaults: switch board 11.6 % of the GPUs' board power, fans by rule) is 11 % short of
    // the DGX H800 nameplate given to it: a warning, not an error.
    let warning = out.lines().find(|l| l.contains("node type bare: modelled maximum")).unwrap_or_else(|| panic!("{out}"));
    assert!(warning.contains("differs from its nameplate 10.20 kW by -11 %"), "{warning}");
    assert!(!out.contains("node type n8: modelled maximum"), "within 10 %: no warning\n{out}");
}

#[test]
fn platform_scenarios_round_trip_through_the_resolved_form() {
    let d = tempfile::tempdir().unwrap();
    for name in ["bench-10k.toml", "changsha-immersion.toml", "shanghai-lingang.toml", "demo/cold-plate.toml"] {
        let sc = ready(name);
        assert!(sc.node_types.iter().all(|n| n.platform.is_some()), "{name} names its platform");
        assert_round_trips(&sc, d.path(), &name.replace('/', "-"));
    }
}
