//! Civil dates for a run: the simulation starts at 00:00 local time on a given date; months
//! (for PUE by month and climate normals) and weekdays (for arrival profiles) follow the
//! proleptic Gregorian calendar (Hinnant's days-from-civil algorithm).

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;

/// A date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
}

impl Date {
    /// Parses "YYYY-MM-DD".
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let d = Date { year, month, day };
        ((1..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = self.year as i64 - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date { year: (yoe + era * 400 + i64::from(month <= 2)) as i32, month, day }
    }

    /// Day of the week, Monday = 0.
    pub fn weekday(self) -> u32 {
        (self.days() + 3).rem_euclid(7) as u32
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days in a month.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Where simulated time falls in the calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calendar {
    start_days: i64,
}

impl Calendar {
    /// A calendar starting at 00:00 on `start`.
    pub fn new(start: Date) -> Calendar {
        Calendar { start_days: start.days() }
    }

    /// The date at simulated time `t_ms`.
    pub fn date(&self, t_ms: u64) -> Date {
        Date::from_days(self.start_days + (t_ms / DAY_MS) as i64)
    }

    /// Months since January of year 0 at `t_ms` (a key that orders months).
    pub fn month_key(&self, t_ms: u64) -> i64 {
        let d = self.date(t_ms);
        d.year as i64 * 12 + d.month as i64 - 1
    }

    /// Day of the year (0-based, fractional) at `t_ms`, for climate interpolation.
    pub fn day_of_year(&self, t_ms: u64) -> f64 {
        let d = self.date(t_ms);
        let jan1 = Date { year: d.year, month: 1, day: 1 }.days();
        (self.start_days + (t_ms / DAY_MS) as i64 - jan1) as f64 + (t_ms % DAY_MS) as f64 / DAY_MS as f64
    }

    /// Day of the week at `t_ms`, Monday = 0.
    pub fn weekday(&self, t_ms: u64) -> u32 {
        self.date(t_ms).weekday()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert_eq!(Date::parse("2025-01-01").unwrap().weekday(), 2); // a Wednesday
        assert_eq!(Date::parse("2024-02-29").unwrap().days() + 1, Date::parse("2024-03-01").unwrap().days());
        assert!(Date::parse("2025-02-29").is_none() && Date::parse("2025-13-01").is_none() && Date::parse("x").is_none());
        for days in [-1000, 0, 20_000, 20_089, 100_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        let c = Calendar::new(Date::parse("2025-01-31").unwrap());
        assert_eq!(c.date(DAY_MS).to_string(), "2025-02-01");
        assert_eq!(c.month_key(DAY_MS) - c.month_key(0), 1);
        assert!((c.day_of_year(DAY_MS / 2) - 30.5).abs() < 1e-12);
    }
}
