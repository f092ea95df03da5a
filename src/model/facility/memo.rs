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

/// Hooks for the engine's test of the kept solve (`engine/plant_memo_tests.rs`), which may load
/// ready scenarios where the model may not.
#[cfg(test)]
impl super::FacilityModel {
    /// The IT design power, W (for tests).
    pub(crate) fn it_design_w(&self) -> f64 {
        self.pdu.rating_w
    }

    /// Whether [`FacilityModel::step`] at `t_ms` with `hall_it_kw` would keep the last solve
    /// (for tests).
    pub(crate) fn would_keep(&mut self, t_ms: u64, hall_it_kw: &[f64]) -> bool {
        let outdoor = self.outdoor.at(&mut self.weather, t_ms);
        let dt_ms = t_ms.saturating_sub(self.last_ms) as f64;
        self.memo.holds(outdoor, hall_it_kw, [self.loops[0].supply_c, self.loops[1].supply_c], dt_ms)
    }

    /// Forgets the last solve, so that the next step solves (for tests).
    pub(crate) fn forget_solve(&mut self) {
        self.memo = StepMemo::default();
    }

    /// Everything a step leaves behind, exactly: `{:?}` writes floats in the shortest form that
    /// reads back to the same bits (for tests).
    pub(crate) fn exact_state(&self) -> String {
        let loops = self.loops.each_ref().map(|l| (l.supply_c.to_bits(), l.alarmed));
        format!("{:?} {:?} {:?} {:?} {loops:?} {:?}", self.tick, self.hall_parts, self.totals, self.hall_throttled, self.parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outdoor_air_is_the_weather_at_the_start_of_the_minute() {
        let hour = |h: f64, t: f64| (h, Conditions { dry_bulb_c: t, wet_bulb_c: t - 3.0, dew_point_c: t - 6.0, humidity_ratio: 0.005 });
        let series = || Weather::Series(vec![hour(0.0, 10.0), hour(1.0, 13.0), hour(2.0, 7.0)]);
        let (mut held, mut plain, mut outdoor) = (series(), series(), Outdoor::default());
        let mut last = None;
        for t in [1_000, 59_999, 60_000, 61_000, 3_599_000, 3_600_000, 3_660_500, 3_661_000] {
            let minute = t - t % WEATHER_STEP_MS;
            let c = outdoor.at(&mut held, t);
            assert_eq!(c, plain.at(minute), "{t}");
            if last.is_some_and(|(m, _)| m == minute) {
                assert_eq!(Some(c), last.map(|l: (u64, Conditions)| l.1), "{t}: held within its minute");
            }
            last = Some((minute, c));
        }
        assert_ne!(outdoor.at(&mut held, 1_000), outdoor.at(&mut held, 61_000), "the air moves from one minute to the next");
    }
}
