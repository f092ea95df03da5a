//! The record stage: one timeseries.csv row per sampling tick, from what the domains published
//! this tick (the site's [`Sample`], the facility's tick, the thermal stage's capped
//! accelerators, the grid's tick). Rows stream to a [`Sink`]; the columns, their units and
//! definitions are declared in [`crate::metrics::registry`], in the order written here.

use std::io::{self, Write};

use bevy_ecs::prelude::*;

use crate::metrics::csv::{Row, Sink};
use crate::metrics::registry;
use crate::model::compute::sample::Sample;
use crate::model::facility::FacilityModel;
use crate::model::grid::ledger::Ledger;
use crate::model::thermal::Throttle;

/// `timeseries.csv` (a resource). An error writing a row is kept until the engine collects it.
#[derive(Resource)]
pub struct TimeseriesWriter {
    out: Box<dyn Sink>,
    row: Row,
    error: Option<io::Error>,
    /// Ticks recorded.
    pub rows: u64,
    /// Ticks at or before this time are not written (the warm-up), ms.
    pub after_ms: u64,
}

impl TimeseriesWriter {
    /// Writes the header: the registry's columns, with the facility's when `facility` and the
    /// grid's when `grid`, in the order [`record`] writes the values.
    pub fn new(mut out: Box<dyn Sink>, facility: bool, grid: bool) -> io::Result<Self> {
        writeln!(out, "{}", registry::timeseries_header(facility, grid))?;
        Ok(TimeseriesWriter { out, row: Row::default(), error: None, rows: 0, after_ms: 0 })
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
    w.rows += 1;
    let r = &mut w.row;
    r.clear();
    r.secs(s.time_ms);
    r.sep();
    r.u64(s.accelerators_allocated);
    r.sep();
    r.fixed(s.utilization_allocated, 6);
    r.sep();
    r.fixed(s.utilization_effective, 6);
    r.sep();
    r.fixed(s.it_power_kw, 3);
    r.sep();
    r.fixed(s.it_energy_kwh, 3);
    r.sep();
    r.u64(s.queue_length);
    r.sep();
    r.u64(s.running_jobs);
    if let Some(fac) = facility.as_ref() {
        let f = &fac.tick;
        for (v, d) in [
            (f.outdoor.dry_bulb_c, 2),
            (f.outdoor.wet_bulb_c, 2),
            (f.facility_w() / 1000.0, 3),
            (f.cooling_w() / 1000.0, 3),
            (f.loss_w() / 1000.0, 3),
            (f.other_w() / 1000.0, 3),
            (f.pue(), 4),
            (f.water_l_per_h, 1),
            (f.free_fraction, 4),
            (fac.supply_temp_c(), 2),
            (f.chw_supply_c, 2),
            (f.junction_c, 1),
        ] {
            r.sep();
            r.fixed(v, d);
        }
        r.sep();
        r.u64(throttle.as_ref().map_or(0, |t| t.capped_accelerators));
    }
    if let Some(g) = grid.as_ref() {
        for (v, d) in g.tick.columns() {
            r.sep();
            r.fixed(v, d);
        }
    }
    r.buf.push(b'\n');
    if w.error.is_none()
        && let Err(e) = w.out.write_all(&w.row.buf)
    {
        w.error = Some(e);
    }
}
