//! What lets a tick skip solving the plant: the outdoor air held for a minute, and the inputs
//! and state of the last solve.
//!
//! ## How it works
//! - **Weather to the minute** ([`WEATHER_STEP_MS`]): the outdoor air of a tick is the weather
//!   at the start of its minute. Weather sources are hourly (a climate's synthetic hours, a
//!   measured series, an EPW file) and interpolated between hours, so within a minute the air
//!   changes by about a hundredth of a kelvin (a 15 K daily swing is 0.02 K a minute at its
//!   steepest). One minute is also EnergyPlus's shortest zone time step (Input Output Reference,
//!   "Timestep": at most 60 per hour). Runs whose step is a whole number of minutes see the
//!   weather at their ticks exactly as before; shorter steps see it per minute.
//! - **The last solve** ([`StepMemo`]): the plant's tick is a function of the outdoor air, each
//!   hall's IT power, the loops' supply temperatures before the step, and the step (through the
//!   loops' decay e^(−Δt/τ)). When all of these equal, bit for bit, those of the last solve, the
//!   tick would be the last one again. Equal supply temperatures before and after a solve mean
//!   the loops are at their fixed point, so the alarm flags (rising edges of a state that did
//!   not move) would not change either. The tick then stands and only the totals advance. At
//!   one-second sampling the plant is solved about once a minute and at the ticks where a job
//!   starts or ends.

use super::weather::{Conditions, Weather};

/// How long the outdoor air is held, ms: one minute.
pub const WEATHER_STEP_MS: u64 = 60_000;

/// The outdoor air of the current minute.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outdoor {
    /// (start of the minute, ms; its conditions), once asked.
    held: Option<(u64, Conditions)>,
}

impl Outdoor {
    /// The weather at the start of the minute of `t_ms` (asked of `weather` once per minute,
    /// at times that never decrease when `t_ms` does not).
    pub fn at(&mut self, weather: &mut Weather, t_ms: u64) -> Conditions {
        let minute = t_ms - t_ms % WEATHER_STEP_MS;
        match self.held {
            Some((m, c)) if m == minute => c,
            _ => {
                let c = weather.at(minute);
                self.held = Some((minute, c));
                c
            }
        }
    }
}

/// What the totals take from a solve besides the tick and the halls' parts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts {
    /// Each loop's plant power (chillers, fans, pumps, basin heaters), W.
    pub loop_plant_w: [f64; 2],
    /// Heat removed without chillers, W.
    pub free_heat: f64,
    /// Whether each loop ran on free cooling alone.
    pub loop_free: [bool; 2],
    /// Heat brought to the chilled water and the facility water, W.
    pub chw_load: f64,
    /// See `chw_load`.
    pub fw_load: f64,
    /// |rejected + stored − brought − chiller work|, W.
    pub balance: f64,
}

/// The inputs and starting state of the last solve, as bits (so that equal means identical).
#[derive(Debug, Clone, Default)]
pub struct StepMemo {
    /// None before the first solve.
    outdoor: Option<[u64; 4]>,
    hall_it_kw: Vec<u64>,
    supply_c: [u64; 2],
    dt_ms: u64,
}

fn bits(c: Conditions) -> [u64; 4] {
    [c.dry_bulb_c.to_bits(), c.wet_bulb_c.to_bits(), c.dew_point_c.to_bits(), c.humidity_ratio.to_bits()]
}

impl StepMemo {
    /// Whether a solve from these inputs and state would repeat the last one.
    pub fn holds(&self, outdoor: Conditions, hall_it_kw: &[f64], supply_c: [f64; 2], dt_ms: f64) -> bool {
        self.outdoor == Some(bits(outdoor))
            && self.dt_ms == dt_ms.to_bits()
            && self.supply_c == supply_c.map(f64::to_bits)
            && self.hall_it_kw.len() == hall_it_kw.len()
            && self.hall_it_kw.iter().zip(hall_it_kw).all(|(a, b)| *a == b.to_bits())
    }

    /// Remembers the inputs and starting state of the solve just made.
    pub fn remember(&mut self, outdoor: Conditions, hall_it_kw: &[f64], supply_c: [f64; 2], dt_ms: f64) {
        self.outdoor = Some(bits(outdoor));
        self.hall_it_kw.clear();
        self.hall_it_kw.extend(hall_it_kw.iter().map(|k| k.to_bits()));
        self.supply_c = supply_c.map(f64::to_bits);
        self.dt_ms = dt_ms.to_bits();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::facility::FacilityModel;
    use crate::time::rng::{Rng, stream};
    use rand::RngExt;

    fn model(name: &str) -> FacilityModel {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
        let sc = crate::scenario::load(&path).expect("ready scenario loads");
        FacilityModel::new(&sc).expect("the scenario has a facility")
    }

    /// Everything a tick leaves behind, exactly (`{:?}` writes floats in the shortest form that
    /// reads back to the same bits).
    fn state(f: &FacilityModel) -> String {
        let supply = f.loops.each_ref().map(|l| (l.supply_c.to_bits(), l.alarmed));
        format!("{:?} {:?} {:?} {:?} {supply:?} {:?}", f.tick, f.hall_parts, f.totals, f.hall_throttled, f.parts)
    }

    /// A model that keeps its last solve and one that forgets it before every tick see the same
    /// one-second ticks (with some longer ones): halls whose IT power holds for a while, then
    /// jumps; for an hour up to 3x design, so that loops fall short of their set-point, warm up, raise
    /// alarms and throttle, and cool back down. Their ticks, parts, totals, loops and alarms stay
    /// identical bit for bit, while most ticks skip the solve.
    #[test]
    fn skipping_a_solve_whose_inputs_repeat_changes_nothing() {
        for name in ["ulanqab-coldplate.toml", "guangzhou-air.toml", "legacy-east-air.toml", "changsha-immersion.toml"] {
            let (mut kept, mut fresh) = (model(name), model(name));
            let halls = kept.halls.len();
            let design_kw = kept.pdu.rating_w / 1000.0 / halls as f64;
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
                let outdoor = kept.outdoor.at(&mut kept.weather, t_ms);
                let supply = [kept.loops[0].supply_c, kept.loops[1].supply_c];
                let dt = t_ms.saturating_sub(kept.last_ms) as f64;
                skipped += u32::from(kept.memo.holds(outdoor, &it_kw, supply, dt));
                kept.step(t_ms, &it_kw);
                fresh.memo = StepMemo::default();
                fresh.step(t_ms, &it_kw);
                assert_eq!(state(&kept), state(&fresh), "{name}: tick {k} at {t_ms} ms");
            }
            assert!(kept.totals.alarm_count > 0, "{name}: the loops never warmed past their alarm");
            eprintln!("{name}: {skipped} of {ticks} ticks skipped the solve, {} alarms", kept.totals.alarm_count);
            assert!(skipped > ticks / 4, "{name}: only {skipped} of {ticks} ticks skipped the solve");
        }
    }

    #[test]
    fn the_outdoor_air_is_the_weather_at_the_start_of_the_minute() {
        let mut f = model("ulanqab-coldplate.toml");
        let mut plain = model("ulanqab-coldplate.toml");
        for t in [1_000, 59_999, 60_000, 61_000, 3_599_000, 3_600_000, 3_660_500] {
            let minute = t - t % WEATHER_STEP_MS;
            assert_eq!(f.outdoor.at(&mut f.weather, t), plain.weather.at(minute), "{t}");
        }
    }
}
