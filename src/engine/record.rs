//! The record stage: one timeseries.csv row per sampling tick, from what the domains published
//! this tick (the site's [`Sample`], the facility's tick, the thermal stage's capped
//! accelerators, the grid's tick). Rows stream to a [`Sink`]; the columns, their units and
//! definitions are declared in [`crate::metrics::registry`], in the order written here.

use std::io::{self, Write};

use bevy_ecs::prelude::*;

use crate::config::output::OutputConfig;
use crate::metrics::csv::{Field, Row, Sink};
use crate::metrics::registry;
use crate::model::compute::sample::Sample;
use crate::model::facility::FacilityModel;
use crate::model::grid::ledger::Ledger;
use crate::model::thermal::Throttle;

/// How a column's value over one output row folds the sampling steps it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    /// The value at the row's time: a state or a running total at `time_s`.
    Last,
    /// The value of the row's first step: a price or factor "at the interval's start".
    First,
    /// The interval-weighted mean: a rate or a mean over the interval.
    Mean,
    /// The largest value: a worst case (junction temperature, throttled accelerators).
    Max,
    /// Facility power / IT power of the whole row (PUE).
    Pue,
}

/// How a column is written: an exact number of seconds, an integer, or `d` decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Secs,
    Int,
    Fixed(u32),
}

use Fold::*;
use Format::*;

/// Every timeseries.csv column in the registry's order, with its fold and format (a test
/// checks the names against the registry).
const SPEC: [(&str, Fold, Format); 26] = [
    ("time_s", Last, Secs),
    ("accelerators_allocated", Last, Int),
    ("utilization_allocated", Mean, Fixed(6)),
    ("utilization_effective", Mean, Fixed(6)),
    ("it_power_kw", Mean, Fixed(3)),
    ("it_energy_kwh", Last, Fixed(3)),
    ("queue_length", Last, Int),
    ("running_jobs", Last, Int),
    ("outdoor_db_c", Mean, Fixed(2)),
    ("outdoor_wb_c", Mean, Fixed(2)),
    ("facility_power_kw", Mean, Fixed(3)),
    ("cooling_power_kw", Mean, Fixed(3)),
    ("power_loss_kw", Mean, Fixed(3)),
    ("other_power_kw", Mean, Fixed(3)),
    ("pue", Pue, Fixed(4)),
    ("water_l_per_h", Mean, Fixed(1)),
    ("free_cooling_fraction", Mean, Fixed(4)),
    ("supply_temp_c", Mean, Fixed(2)),
    ("chilled_water_temp_c", Mean, Fixed(2)),
    ("junction_temp_c", Max, Fixed(1)),
    ("throttled_accelerators", Max, Int),
    ("price_cny_per_kwh", First, Fixed(4)),
    ("carbon_kg_per_kwh", First, Fixed(4)),
    ("grid_power_kw", Mean, Fixed(3)),
    ("battery_kw", Mean, Fixed(3)),
    ("battery_soc", Last, Fixed(4)),
];
/// Where the facility's columns start in [`SPEC`], and the grid's.
const FACILITY_AT: usize = 8;
const GRID_AT: usize = 21;
/// The index of `pue` in [`SPEC`].
const PUE_AT: usize = 14;

/// The rows' shape: which columns, and how many sampling steps per row, with the sums of the
/// row being folded. Fixed-size arrays: no allocation per tick.
struct Folding {
    /// Whether each [`SPEC`] column is written.
    on: [bool; SPEC.len()],
    /// Sampling steps per row (1: every step, written as sampled).
    every: u64,
    /// Steps folded into the pending row.
    steps: u64,
    /// ms covered by the pending row.
    span_ms: u64,
    /// The pending row's values (sums x ms for the means).
    acc: [f64; SPEC.len()],
    /// Facility and IT power x ms of the pending row, for its PUE.
    pue_parts: (f64, f64),
}

/// `timeseries.csv` (a resource). An error writing a row is kept until the engine collects it.
#[derive(Resource)]
pub struct TimeseriesWriter {
    out: Box<dyn Sink>,
    row: Row,
    /// Each column's last value written, to copy its digits when it repeats.
    last: [Field; SPEC.len()],
    error: Option<io::Error>,
    folding: Folding,
    /// Ticks recorded.
    pub rows: u64,
    /// Ticks at or before this time are not written (the warm-up), ms.
    pub after_ms: u64,
}

impl TimeseriesWriter {
    /// Writes the header: the registry's columns, with the facility's when `facility` and the
    /// grid's when `grid`, in the order [`record`] writes the values, kept to those `output`
    /// names (all by default).
    pub fn new(mut out: Box<dyn Sink>, facility: bool, grid: bool, output: &OutputConfig) -> io::Result<Self> {
        let mut on = [false; SPEC.len()];
        let present: Vec<&str> = registry::timeseries_columns(facility, grid).map(|c| c.path).collect();
        for (i, (name, _, _)) in SPEC.iter().enumerate() {
            on[i] = present.contains(name) && output.timeseries_columns.as_ref().is_none_or(|cols| cols.iter().any(|c| c == name));
        }
        let header: Vec<&str> = SPEC.iter().zip(on).filter(|(_, on)| *on).map(|((name, _, _), _)| *name).collect();
        writeln!(out, "{}", header.join(","))?;
        let folding =
            Folding { on, every: output.timeseries_every.max(1), steps: 0, span_ms: 0, acc: [0.0; SPEC.len()], pue_parts: (0.0, 0.0) };
        Ok(TimeseriesWriter { out, row: Row::default(), last: [Field::default(); SPEC.len()], error: None, folding, rows: 0, after_ms: 0 })
    }

    /// The first error writing a row, if any (taken).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Flushes and returns the sink.
    pub fn finish(mut self) -> io::Result<Box<dyn Sink>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes this tick's row (the record stage).
pub fn record(
    mut w: ResMut<TimeseriesWriter>,
    s: Res<Sample>,
    facility: Option<Res<FacilityModel>>,
    throttle: Option<Res<Throttle>>,
    grid: Option<Res<Ledger>>,
    (clock, site, finance): (
        Res<crate::time::Clock>,
        Res<crate::model::compute::SiteLoad>,
        Option<ResMut<crate::model::finance::FinanceBook>>,
    ),
) {
    // The finance book takes the interval here rather than in a system of its own: a system
    // per tick cost more than its arithmetic (BENCHMARKS.md, "Finance").
    if let Some(mut book) = finance {
        let load_w = facility.as_ref().map_or(s.it_power_kw * 1000.0, |f| f.tick.facility_w());
        book.add(clock.now_ms, clock.interval_ms, &site, load_w, grid.as_ref().map(|l| l.energy_cny()));
    }
    let w = &mut *w;
    if s.time_ms <= w.after_ms && w.after_ms > 0 {
        return;
    }
    let mut v = [0.0; SPEC.len()];
    v[..FACILITY_AT].copy_from_slice(&[
        s.time_ms as f64,
        s.accelerators_allocated as f64,
        s.utilization_allocated,
        s.utilization_effective,
        s.it_power_kw,
        s.it_energy_kwh,
        s.queue_length as f64,
        s.running_jobs as f64,
    ]);
    let mut pue_parts = (0.0, 0.0);
    if let Some(fac) = facility.as_ref() {
        let f = &fac.tick;
        v[FACILITY_AT..GRID_AT].copy_from_slice(&[
            f.outdoor.dry_bulb_c,
            f.outdoor.wet_bulb_c,
            f.facility_w() / 1000.0,
            f.cooling_w() / 1000.0,
            f.loss_w() / 1000.0,
            f.other_w() / 1000.0,
            f.pue(),
            f.water_l_per_h,
            f.free_fraction,
            fac.supply_temp_c(),
            f.chw_supply_c,
            f.junction_c,
            throttle.as_ref().map_or(0, |t| t.capped_accelerators) as f64,
        ]);
        pue_parts = (f.facility_w(), f.it_w);
    }
    if let Some(g) = grid.as_ref() {
        for (k, (x, _)) in g.tick.columns().into_iter().enumerate() {
            v[GRID_AT + k] = x;
        }
    }
    let fo = &mut w.folding;
    if fo.every > 1 {
        let dt = clock.interval_ms as f64;
        fo.fold(&v, dt, pue_parts);
        fo.steps += 1;
        if fo.steps < fo.every && s.time_ms < clock.horizon_ms {
            return;
        }
        v = fo.take();
    }
    w.rows += 1;
    let r = &mut w.row;
    r.clear();
    let mut first = true;
    for (i, (_, _, format)) in SPEC.iter().enumerate() {
        if !w.folding.on[i] {
            continue;
        }
        if !first {
            r.sep();
        }
        first = false;
        match format {
            Secs => r.secs(v[i] as u64),
            Int => r.int_column(v[i], &mut w.last[i]),
            Fixed(d) => r.fixed_column(v[i], *d, &mut w.last[i]),
        }
    }
    r.buf.push(b'\n');
    if w.error.is_none()
        && let Err(e) = w.out.write_all(&w.row.buf)
    {
        w.error = Some(e);
    }
}

impl Folding {
    /// Adds one sampling step of `dt` ms to the pending row.
    fn fold(&mut self, v: &[f64; SPEC.len()], dt: f64, (facility_w, it_w): (f64, f64)) {
        let first = self.steps == 0;
        for (i, (_, fold, _)) in SPEC.iter().enumerate() {
            let a = &mut self.acc[i];
            match fold {
                Last => *a = v[i],
                First if first => *a = v[i],
                First => {}
                Mean => *a = if first { v[i] * dt } else { *a + v[i] * dt },
                Max => *a = if first { v[i] } else { a.max(v[i]) },
                Pue => {}
            }
        }
        self.span_ms += dt as u64;
        self.pue_parts =
            if first { (facility_w * dt, it_w * dt) } else { (self.pue_parts.0 + facility_w * dt, self.pue_parts.1 + it_w * dt) };
    }

    /// The pending row's values, and a fresh pending row.
    fn take(&mut self) -> [f64; SPEC.len()] {
        let mut v = self.acc;
        let span = self.span_ms.max(1) as f64;
        for (i, (_, fold, _)) in SPEC.iter().enumerate() {
            if *fold == Mean {
                v[i] /= span;
            }
        }
        let (facility, it) = self.pue_parts;
        v[PUE_AT] = if it > 0.0 { facility / it } else { 1.0 };
        (self.steps, self.span_ms) = (0, 0);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_registry_s_in_its_order() {
        let names: Vec<&str> = registry::timeseries_columns(true, true).map(|c| c.path).collect();
        let spec: Vec<&str> = SPEC.iter().map(|c| c.0).collect();
        assert_eq!(names, spec);
        assert_eq!(SPEC[FACILITY_AT].0, "outdoor_db_c");
        assert_eq!(SPEC[GRID_AT].0, "price_cny_per_kwh");
        assert_eq!(SPEC[PUE_AT].0, "pue");
        let plain = registry::timeseries_columns(false, false).count();
        assert_eq!(plain, FACILITY_AT, "the site's columns come first");
    }
}
