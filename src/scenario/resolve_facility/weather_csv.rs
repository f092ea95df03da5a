//! Reading a site's weather CSV (`site.weather_file` other than EPW) into timed outdoor
//! conditions.
//!
//! ## How it works
//! The time column holds hours since the scenario's start or "YYYY-MM-DD HH:MM" stamps, strictly
//! increasing; the dry-bulb column °C, and either a wet-bulb column °C (capped at the dry-bulb)
//! or a relative-humidity column %. The humidity ratio is taken at the site's pressure (from its
//! elevation), and every bad cell is reported with its file, line and column.

use std::path::Path;

use super::R;
use crate::config::*;
use crate::model::facility::psychro;
use crate::model::facility::weather::conditions;
use crate::scenario::error::csv_error;
use crate::scenario::input;
use crate::scenario::raw::*;
use crate::time::calendar::Date;

/// Reads a weather CSV: time (hours since start or "YYYY-MM-DD HH:MM"), dry-bulb °C, and wet-bulb
/// °C or relative humidity %; the humidity at the site's pressure `p` Pa.
pub(super) fn read_weather(path: &Path, cols: &RawWeatherColumns, start: Date, p: f64) -> R<Vec<(f64, Conditions)>> {
    let mut rdr = input::csv_reader(path)?;
    let headers = rdr.headers().map_err(|e| input::csv_failure(path, &e, true))?.clone();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            csv_error(path, Some(1), name, format!("column {name:?} not found; the header has: {}", input::header_list(headers.iter())))
        })
    };
    let (tc, dc) = (find(&cols.time)?, find(&cols.dry_bulb)?);
    let (wc, rc) = match (&cols.wet_bulb, &cols.relative_humidity) {
        (Some(w), _) => (Some(find(w)?), None),
        (None, Some(r)) => (None, Some(find(r)?)),
        (None, None) => return Err(csv_error(path, Some(1), "wet_bulb", "expected a wet_bulb or a relative_humidity column")),
    };
    let start_days = start.days();
    let mut rows: Vec<(f64, Conditions)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| input::csv_failure(path, &e, false))?;
        let line = rec.position().map(|p| p.line() as usize);
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let num = |i: usize, name: &str, lo: f64, hi: f64| -> R<f64> {
            match cell(i).parse::<f64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(csv_error(path, line, name, format!("expected a number from {lo} to {hi}, found {:?}", cell(i)))),
            }
        };
        let hours = match cell(tc).parse::<f64>() {
            Ok(h) if h.is_finite() => h,
            _ => stamp_hours(cell(tc), start_days).ok_or_else(|| {
                csv_error(path, line, &cols.time, format!("expected hours or \"YYYY-MM-DD HH:MM\", found {:?}", cell(tc)))
            })?,
        };
        if rows.last().is_some_and(|(h, _)| *h >= hours) {
            return Err(csv_error(path, line, &cols.time, "expected times in increasing order"));
        }
        let db = num(dc, &cols.dry_bulb, -60.0, 60.0)?;
        let w = match (wc, rc) {
            (Some(i), _) => {
                psychro::humidity_ratio_from_wet_bulb(db, num(i, cols.wet_bulb.as_deref().unwrap_or(""), -60.0, 60.0)?.min(db), p)
            }
            (_, Some(i)) => psychro::humidity_ratio_rh(db, num(i, cols.relative_humidity.as_deref().unwrap_or(""), 0.0, 100.0)?, p),
            _ => 0.0,
        };
        rows.push((hours, conditions(db, w, p)));
    }
    if rows.len() < 2 {
        return Err(csv_error(path, None, "rows", "expected at least two weather rows"));
    }
    Ok(rows)
}

/// Hours since the start of a "YYYY-MM-DD HH:MM" (or "T") stamp.
fn stamp_hours(s: &str, start_days: i64) -> Option<f64> {
    let (date, time) = s.split_once([' ', 'T'])?;
    let d = Date::parse(date)?;
    let (h, m) = time.split_once(':')?;
    let (h, m): (f64, f64) = (h.parse().ok()?, m.get(..2).unwrap_or(m).parse().ok()?);
    Some((d.days() - start_days) as f64 * 24.0 + h + m / 60.0)
}
