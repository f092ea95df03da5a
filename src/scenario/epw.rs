//! The EnergyPlus weather format (EPW) as a weather source: `site.weather_file = "x.epw"`.
//!
//! ## The format (EnergyPlus "Auxiliary Programs", Weather Converter, EPW data dictionary)
//! Eight header lines (LOCATION, DESIGN CONDITIONS, TYPICAL/EXTREME PERIODS, GROUND
//! TEMPERATURES, HOLIDAYS/DAYLIGHT SAVINGS, COMMENTS 1, COMMENTS 2, DATA PERIODS), then one row
//! per record: Year, Month, Day, Hour (1-24, the hour ending then), Minute, data-source flags,
//! dry-bulb °C, dew point °C, relative humidity %, station pressure Pa, then radiation and wind
//! fields that aidc does not use. LOCATION's tenth field is the elevation in m. Missing values
//! are written 99.9 (temperatures), 999 (humidity) and 999999 (pressure).
//!
//! ## How aidc reads it
//! The year is ignored (typical years splice months of different years): a record's time is its
//! hour of a non-leap year, hour h of an hourly file standing at h − 0.5 (the middle of the hour
//! it covers), a sub-hourly record at h − 1 + minute/60; 29 February is skipped. Times count from
//! the scenario's start date, and a full year closes on itself (its first record again 8,760 h
//! later) so that a longer horizon repeats it. The humidity is the dew point's (else the relative
//! humidity's) at the record's station pressure (else the site's, from the elevation).
//! Records must increase in time. The file is read whole within [`MAX_TEXT_BYTES`] (16 MiB:
//! a one-minute year is about 50 MB and is refused; hourly years are 1.5-2 MB).

use std::path::Path;

use super::error::{ScenarioError, csv_error};
use super::input::{MAX_TEXT_BYTES, read_text};
use crate::config::Conditions;
use crate::model::facility::psychro;
use crate::model::facility::weather::conditions;
use crate::time::calendar::Date;

/// Days before each month in a non-leap year.
const CUMULATIVE_DAYS: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/// Days of each month in a non-leap year (29 February is skipped).
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Hours of a non-leap year.
const YEAR_H: f64 = 8760.0;

/// Reads an EPW file: the weather rows (hours since `start`, conditions) and the elevation (the
/// scenario's `elevation_m` when given, else the file's).
pub fn read(path: &Path, start: Date, elevation_m: Option<f64>) -> Result<(Vec<(f64, Conditions)>, f64), ScenarioError> {
    let text = read_text(path, MAX_TEXT_BYTES).map_err(|e| csv_error(path, None, "weather_file", format!("cannot read: {e}")))?;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let err = |line: usize, field: &str, msg: String| csv_error(path, Some(line), field, msg);
    let location = lines.next().map(|(_, l)| l).unwrap_or("");
    let loc: Vec<&str> = location.split(',').collect();
    if loc.first().map(|s| s.trim()) != Some("LOCATION") {
        return Err(err(1, "LOCATION", "expected an EPW file whose first line starts with LOCATION".into()));
    }
    let (lo, hi) = psychro::ELEVATION_RANGE_M;
    let file_z = match loc.get(9).map(|s| s.trim().parse::<f64>()) {
        Some(Ok(z)) if (lo..=hi).contains(&z) => z,
        _ => {
            let found = loc.get(9).copied().unwrap_or("nothing");
            return Err(err(
                1,
                "elevation",
                format!("expected the elevation (tenth field of LOCATION) from {lo} to {hi} m, found {found:?}"),
            ));
        }
    };
    let z = elevation_m.unwrap_or(file_z);
    let site_pa = psychro::pressure_at(z);
    let mut header_end = None;
    for (n, l) in lines.by_ref() {
        if l.starts_with("DATA PERIODS") {
            header_end = Some(n);
            break;
        }
        if n >= 8 {
            return Err(err(n, "DATA PERIODS", "expected the eighth header line to be DATA PERIODS".into()));
        }
    }
    if header_end.is_none() {
        return Err(csv_error(path, None, "DATA PERIODS", "expected the header line DATA PERIODS and hourly records after it"));
    }
    let start_month = (start.month as usize).clamp(1, 12) - 1;
    // A start on 29 February counts from the 28th: the non-leap year of the file has no 29th.
    let start_h = (CUMULATIVE_DAYS[start_month] + start.day.clamp(1, MONTH_DAYS[start_month]) - 1) as f64 * 24.0;
    let mut rows: Vec<(f64, Conditions)> = Vec::new();
    for (n, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split(',').collect();
        if f.len() < 10 {
            return Err(err(n, "record", format!("expected at least 10 comma-separated fields, found {}", f.len())));
        }
        let num = |i: usize, name: &str, lo: f64, hi: f64| -> Result<f64, ScenarioError> {
            match f[i].trim().parse::<f64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(err(n, name, format!("expected a number from {lo} to {hi}, found {:?}", f[i].trim()))),
            }
        };
        let month = num(1, "month", 1.0, 12.0)? as usize;
        let day = num(2, "day", 1.0, 31.0)? as u32;
        let hour = num(3, "hour", 1.0, 24.0)?;
        let minute = num(4, "minute", 0.0, 60.0)?;
        if month == 2 && day == 29 {
            continue;
        }
        if day > MONTH_DAYS[month - 1] {
            return Err(err(n, "day", format!("expected a day of month {month} from 1 to {}, found {day}", MONTH_DAYS[month - 1])));
        }
        let in_day = if minute == 0.0 || minute == 60.0 { hour - 0.5 } else { hour - 1.0 + minute / 60.0 };
        let hours = (CUMULATIVE_DAYS[month - 1] + day - 1) as f64 * 24.0 + in_day - start_h;
        if rows.last().is_some_and(|(h, _)| *h >= hours) {
            return Err(err(n, "hour", "expected records in increasing time".into()));
        }
        let db = num(6, "dry_bulb", -70.0, 70.0)?;
        let dew_raw = f[7].trim().parse::<f64>().ok();
        let p = match f[9].trim().parse::<f64>() {
            Ok(999_999.0) => site_pa,
            Ok(v) if (31_000.0..=120_000.0).contains(&v) => v,
            _ => {
                return Err(err(
                    n,
                    "pressure",
                    format!("expected a station pressure from 31000 to 120000 Pa (or 999999), found {:?}", f[9].trim()),
                ));
            }
        };
        let w = match dew_raw {
            Some(d) if (-70.0..=70.0).contains(&d) => psychro::humidity_ratio(psychro::saturation_pressure(d.min(db)), p),
            Some(99.9) => psychro::humidity_ratio_rh(db, num(8, "relative_humidity", 0.0, 110.0)?.min(100.0), p),
            _ => return Err(err(n, "dew_point", format!("expected a dew point from -70 to 70 °C (or 99.9), found {:?}", f[7].trim()))),
        };
        rows.push((hours, conditions(db, w, p)));
    }
    let (Some(first), Some(last)) = (rows.first().copied(), rows.last().copied()) else {
        return Err(csv_error(path, None, "records", "expected at least two weather records"));
    };
    if rows.len() < 2 {
        return Err(csv_error(path, None, "records", "expected at least two weather records"));
    }
    if last.0 - first.0 >= YEAR_H - 1.0 && last.0 < first.0 + YEAR_H {
        rows.push((first.0 + YEAR_H, first.1));
    }
    Ok((rows, z))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, body: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("aidc-epw-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("w.epw");
        std::fs::write(&p, body).unwrap();
        p
    }

    const HEAD: &str = "LOCATION,Test,NM,CHN,made-up,000000,41.0,113.1,8.0,1419.0\nDESIGN CONDITIONS,0\nTYPICAL/EXTREME PERIODS,0\n\
GROUND TEMPERATURES,0\nHOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0\nCOMMENTS 1,test\nCOMMENTS 2,test\nDATA PERIODS,1,1,Data,Sunday,1/1,12/31\n";

    fn row(m: u32, d: u32, h: u32, db: f64, dew: f64, p: &str) -> String {
        format!(
            "2001,{m},{d},{h},60,?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9,{db},{dew},50,{p},0,0,0,0,0,0,0,0,0,0,180,2.0,0,0,20.0,77777,9,999999999,0,0.0,0,88,0.0,0.0,0.0\n"
        )
    }

    #[test]
    fn a_full_year_closes_on_itself_and_takes_its_elevation() {
        let mut s = HEAD.to_string();
        for doy in 0..365u32 {
            let m = CUMULATIVE_DAYS.iter().rposition(|c| *c <= doy).unwrap_or(0);
            let d = doy - CUMULATIVE_DAYS[m] + 1;
            for h in 1..=24 {
                s.push_str(&row(m as u32 + 1, d, h, 10.0 + (h as f64) * 0.1, 0.0, "85000"));
            }
        }
        let p = write("year", &s);
        let start = Date { year: 2025, month: 1, day: 1 };
        let (rows, z) = read(&p, start, None).unwrap();
        assert_eq!(z, 1419.0);
        assert_eq!(rows.len(), 8761);
        assert_eq!(rows[0].0, 0.5);
        assert_eq!(rows[8760].0, 8760.5);
        assert_eq!(rows[8760].1, rows[0].1);
        // Dew point survives the round trip through the humidity ratio at the row's pressure.
        assert!((rows[5].1.dew_point_c - 0.0).abs() < 1e-6);
        assert!(rows[5].1.wet_bulb_c < rows[5].1.dry_bulb_c);
        // A start in July counts from then; the elevation override wins.
        let (rows, z) = read(&p, Date { year: 2025, month: 7, day: 1 }, Some(100.0)).unwrap();
        assert_eq!(z, 100.0);
        assert_eq!(rows[0].0, 0.5 - 181.0 * 24.0);
    }

    #[test]
    fn bad_records_name_their_line_and_field() {
        let start = Date { year: 2025, month: 1, day: 1 };
        let text = |e: ScenarioError| e.to_string();
        let bad = format!("{HEAD}{}{}", row(1, 1, 1, 5.0, 0.0, "85000"), row(1, 1, 2, 5.0, 0.0, "8500"));
        let e = text(read(&write("p", &bad), start, None).unwrap_err());
        assert!(e.contains("10") && e.contains("pressure"), "{e}");
        let bad = format!("{HEAD}{}", row(1, 1, 1, 99.9, 0.0, "85000"));
        let e = text(read(&write("db", &bad), start, None).unwrap_err());
        assert!(e.contains('9') && e.contains("dry_bulb"), "{e}");
        let bad = format!("{HEAD}{}{}", row(1, 1, 2, 5.0, 0.0, "85000"), row(1, 1, 1, 5.0, 0.0, "85000"));
        let e = text(read(&write("order", &bad), start, None).unwrap_err());
        assert!(e.contains("increasing"), "{e}");
        let e = text(read(&write("loc", "LOCATION,x\n"), start, None).unwrap_err());
        assert!(e.contains("elevation"), "{e}");
        // A missing dew point falls back on the relative humidity; a missing pressure on the site's.
        let ok = format!("{HEAD}{}{}", row(1, 1, 1, 20.0, 99.9, "999999"), row(1, 1, 2, 20.0, 99.9, "999999"));
        let (rows, _) = read(&write("ok", &ok), start, None).unwrap();
        let w = psychro::humidity_ratio_rh(20.0, 50.0, psychro::pressure_at(1419.0));
        assert!((rows[0].1.humidity_ratio - w).abs() < 1e-12);
    }
}
