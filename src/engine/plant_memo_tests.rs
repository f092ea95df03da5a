//! The facility of ready scenarios, as the engine builds it, keeping its last solve of the plant
//! ([`crate::model::facility::memo`]) against the same facility solving at every tick.

use std::path::Path;

use rand::RngExt;

use crate::model::facility::FacilityModel;
use crate::time::rng::{Rng, stream};

fn facility(name: &str) -> FacilityModel {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    let sc = crate::scenario::load(&path).expect("ready scenario loads");
    FacilityModel::new(&sc).expect("the scenario has a facility")
}

/// A model that keeps its last solve and one that forgets it before every tick see the same
/// one-second ticks (with some of 15 s): halls whose IT power holds for a while, then jumps;
/// for an hour up to 3x design, so that loops fall short of their set-point, warm up, raise
/// alarms and throttle, and cool back down. Their ticks, parts, totals, loops and alarms stay
/// identical bit for bit, while most ticks keep the solve.
#[test]
fn keeping_a_solve_whose_inputs_repeat_changes_nothing() {
    for name in ["ulanqab-coldplate.toml", "guangzhou-air.toml", "legacy-east-air.toml", "changsha-immersion.toml"] {
        let (mut kept, mut fresh) = (facility(name), facility(name));
        let halls = kept.hall_names().len();
        let design_kw = kept.it_design_w() / 1000.0 / halls as f64;
        let mut rng: Rng = stream(7, name);
        let mut it_kw = vec![0.5 * design_kw; halls];
        let (mut t_ms, mut skipped, ticks) = (0, 0, 80_000);
        for k in 0..ticks {
            if rng.random::<f64>() < 0.01 {
                let h = rng.random_range(0..halls);
                // Overloads for an hour, then loads the plant can carry.
                let top = if (5_000..8_600).contains(&k) { 6 } else { 3 };
                it_kw[h] = design_kw * [0.0, 0.3, 0.8, 1.6, 2.0, 3.0][rng.random_range(0..top)];
            }
            t_ms += if k % 997 == 0 { 15_000 } else { 1_000 };
            skipped += u32::from(kept.would_keep(t_ms, &it_kw));
            kept.step(t_ms, &it_kw);
            fresh.forget_solve();
            fresh.step(t_ms, &it_kw);
            assert_eq!(kept.exact_state(), fresh.exact_state(), "{name}: tick {k} at {t_ms} ms");
        }
        assert!(kept.totals.alarm_count > 0, "{name}: the loops never warmed past their alarm");
        assert!(skipped > ticks / 2, "{name}: only {skipped} of {ticks} ticks kept the solve");
    }
}
