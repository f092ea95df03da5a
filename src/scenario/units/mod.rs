//! Human-readable units at the edge of scenario files. Inside the simulator every
//! quantity is SI: time in integer milliseconds, power in watts, temperature in °C,
//! bandwidth in bits per second, sizes in bytes and rates in events per second.
//! Scenario files instead say `"30d"`, `"35kW"`, `"400Gbps"` or `"12/h"`; this module
//! parses those strings (rejecting anything ambiguous with a message that says what
//! was expected and what was found), formats SI values back into strings that parse
//! to the identical value, and provides serde newtypes ([`DurationMs`], [`PowerW`],
//! [`TempC`], [`BandwidthBps`], [`Bytes`], [`RatePerS`]) that scenario structs use as
//! field types. Bare numbers are refused on purpose: a unit must always be written.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A unit string that could not be parsed; the message says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct UnitError {
    /// Human-readable explanation, e.g. `expected a duration like "5m", ..., found "5x" (...)`.
    pub message: String,
}

const DURATION: &str = r#"a duration like "5m", "30d" or "250ms""#;
const POWER: &str = r#"a power like "700W", "35kW" or "1.2MW""#;
const TEMP: &str = r#"a temperature like "32C", "-5C", "300K" or "89.6F""#;
const BANDWIDTH: &str = r#"a bandwidth like "400Gbps", "100Mbps" or "3.35TB/s""#;
const BYTES: &str = r#"a size like "80GB", "80GiB" or "512MB""#;
const RATE: &str = r#"a rate like "12/h", "300/d" or "0.5/min""#;
const DELTA: &str = r#"a temperature difference like "10K" or "6C""#;
const PRESSURE: &str = r#"a pressure like "250kPa", "2.5bar" or "101325Pa""#;
const LENGTH: &str = r#"a length like "1400m", "1.4km" or "-150m""#;

/// Upper bounds of every quantity a scenario can write, whatever the field: a value above is
/// not a data center's, and the bounds keep every sum the engine forms far from overflow
/// (fields have tighter, physical bounds where they are resolved).
pub mod ceiling {
    /// 100 GW: more than any site draws (the largest power station, Three Gorges, is 22.5 GW;
    /// the largest AI campuses announced are about 5 GW).
    pub const POWER_W: f64 = 100e9;
    /// 1000 °C: far above any air, coolant or junction temperature (silicon fails near 150 °C).
    pub const TEMP_C: f64 = 1000.0;
    /// 1000 K: a temperature difference bounded like [`TEMP_C`].
    pub const DELTA_K: f64 = 1000.0;
    /// 100 MPa (1000 bar): hydraulic systems top out near 70 MPa; water loops run below 2 MPa.
    pub const PRESSURE_PA: f64 = 100e6;
    /// 10 km: above any elevation on Earth (8,849 m) and below any depth of interest.
    pub const LENGTH_M: f64 = 10e3;
    /// 10 Pbit/s: about 700 times the fastest device interface (NVLink 5, 1.8 TB/s = 14.4 Tbit/s).
    pub const BANDWIDTH_BPS: f64 = 1e16;
    /// 1 EB: more than the storage of the largest data centers.
    pub const BYTES: f64 = 1e18;
    /// 10^9 events per second: 100 times the largest request rate a service takes (1e7/s).
    pub const RATE_PER_S: f64 = 1e9;
    /// 1000 years, ms: twenty times the longest horizon (50 years); keeps every time sum of
    /// the engine below u64::MAX ms (585 million years).
    pub const DURATION_MS: u64 = 1000 * 31_536_000_000;
}

fn fail(what: &str, found: &str, detail: impl fmt::Display) -> UnitError {
    UnitError { message: format!("expected {what}, found {found:?} ({detail})") }
}

/// A string split into sign, unsigned decimal digits (validated) and unit text.
struct Split<'a> {
    neg: bool,
    int: &'a str,
    frac: &'a str,
    unit: &'a str,
}

fn split<'a>(s: &'a str, what: &str) -> Result<Split<'a>, UnitError> {
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, unit) = (&body[..end], body[end..].trim_start());
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if t.is_empty() {
        return Err(fail(what, s, "the value is empty"));
    }
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(fail(what, s, "it does not start with a number"));
    }
    if unit.is_empty() {
        return Err(fail(what, s, "the unit is missing"));
    }
    Ok(Split { neg, int, frac, unit })
}

impl Split<'_> {
    /// The number times `10^exp`, correctly rounded (one decimal-to-binary conversion).
    fn scaled(&self, exp: i32, what: &str, s: &str) -> Result<f64, UnitError> {
        let sign = if self.neg { "-" } else { "" };
        let int = if self.int.is_empty() { "0" } else { self.int };
        let frac = if self.frac.is_empty() { "0" } else { self.frac };
        let v: f64 = format!("{sign}{int}.{frac}e{exp}").parse().map_err(|_| fail(what, s, "the number is malformed"))?;
        if !v.is_finite() {
            return Err(fail(what, s, "the number is too large"));
        }
        Ok(v)
    }
}

fn unknown_unit(what: &str, s: &str, unit: &str, known: &str) -> UnitError {
    fail(what, s, format!("unknown unit {unit:?}; use {known}"))
}

/// `v` if it is at most `max` (the dimension's [`ceiling`]), else an error saying `why`.
fn at_most(v: f64, max: f64, what: &str, s: &str, why: &str) -> Result<f64, UnitError> {
    if v > max { Err(fail(what, s, why)) } else { Ok(v) }
}

fn non_negative(v: f64, what: &str, s: &str) -> Result<f64, UnitError> {
    // `-0` is accepted (it compares equal to 0) so that formatting round-trips.
    if v < 0.0 {
        Err(fail(what, s, "it must not be negative"))
    } else if !v.is_finite() {
        Err(fail(what, s, "the number is too large"))
    } else {
        Ok(v)
    }
}

/// Decimal SI prefix exponent: "" -> 0, k/K -> 3, M -> 6, G -> 9, T -> 12, P -> 15.
fn decimal_prefix(p: &str) -> Option<i32> {
    Some(match p {
        "" => 0,
        "k" | "K" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        _ => return None,
    })
}

const DURATION_UNITS: [(&str, u64); 8] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("min", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
    ("w", 604_800_000),
    ("y", 31_536_000_000),
];

/// Parses a duration such as "250ms", "90s", "5m", "5min", "1.5h", "30d", "2w" or "1y" (365 d) into milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<u64, UnitError> {
    let p = split(s, DURATION)?;
    if p.neg {
        return Err(fail(DURATION, s, "durations must not be negative"));
    }
    let Some(&(_, mult)) = DURATION_UNITS.iter().find(|(u, _)| *u == p.unit) else {
        return Err(unknown_unit(DURATION, s, p.unit, "ms, s, m, min, h, d, w or y"));
    };
    // Exact decimal arithmetic: int * mult + frac * mult / 10^k must be a whole number.
    let too_long = || fail(DURATION, s, "it is longer than u64::MAX milliseconds");
    let frac = p.frac.trim_end_matches('0');
    if frac.len() > 24 {
        return Err(fail(DURATION, s, "too many decimal places"));
    }
    let int: u128 = format!("0{}", p.int).parse().map_err(|_| too_long())?;
    let whole = int.checked_mul(u128::from(mult)).ok_or_else(too_long)?;
    let frac_num: u128 = format!("0{frac}").parse().map_err(|_| too_long())?;
    let frac_scaled = frac_num * u128::from(mult); // < 10^24 * 3.2e10, fits in u128
    let denom = 10u128.pow(frac.len() as u32);
    if !frac_scaled.is_multiple_of(denom) {
        let detail = "it is not a whole number of milliseconds";
        return Err(fail(DURATION, s, detail));
    }
    let ms = u64::try_from(whole + frac_scaled / denom).map_err(|_| too_long())?;
    if ms > ceiling::DURATION_MS {
        return Err(fail(DURATION, s, "it is longer than 1000 years"));
    }
    Ok(ms)
}

/// Formats milliseconds exactly with the largest of d, h, m, s, ms that divides evenly ("30d", "1500ms", "0s").
pub fn format_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    for (unit, mult) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms.is_multiple_of(mult) {
            return format!("{}{unit}", ms / mult);
        }
    }
    format!("{ms}ms")
}

/// Parses a non-negative power such as "700W", "35kW", "1.2MW" or "0.5GW" into watts.
pub fn parse_power_w(s: &str) -> Result<f64, UnitError> {
    let p = split(s, POWER)?;
    let Some(exp) = p.unit.strip_suffix('W').and_then(decimal_prefix) else {
        return Err(unknown_unit(POWER, s, p.unit, "W, kW, MW or GW"));
    };
    let w = non_negative(p.scaled(exp, POWER, s)?, POWER, s)?;
    at_most(w, ceiling::POWER_W, POWER, s, "it is above 100 GW, more than any data center draws")
}

/// Formats watts as "{w}W"; parsing the result gives back the identical f64.
pub fn format_power(w: f64) -> String {
    format!("{w}W")
}

/// Parses a temperature in °C ("32C", "-5C", "32°C"), kelvin ("300K") or Fahrenheit ("89.6F") into °C.
pub fn parse_temp_c(s: &str) -> Result<f64, UnitError> {
    let p = split(s, TEMP)?;
    let v = p.scaled(0, TEMP, s)?;
    let (c, floor) = match p.unit {
        "C" | "°C" => (v, -273.15),
        "K" => (v - 273.15, 0.0),
        "F" | "°F" => ((v - 32.0) * 5.0 / 9.0, -459.67),
        other => return Err(unknown_unit(TEMP, s, other, "C, °C, K or F")),
    };
    if v < floor {
        return Err(fail(TEMP, s, "it is below absolute zero"));
    }
    at_most(c.max(-273.15), ceiling::TEMP_C, TEMP, s, "it is above 1000 °C")
}

/// Formats °C as "{c}C"; parsing the result gives back the identical f64.
pub fn format_temp(c: f64) -> String {
    format!("{c}C")
}

/// Parses a bandwidth in bits/s ("400Gbps", "10bps") or bytes/s ("3.35TB/s", x8) with decimal prefixes into bits/s.
pub fn parse_bandwidth_bps(s: &str) -> Result<f64, UnitError> {
    let p = split(s, BANDWIDTH)?;
    let bits = ["bps", "b/s", "bit/s"].iter().find_map(|suf| p.unit.strip_suffix(suf)).map(|pre| (pre, 1.0));
    let bytes = p.unit.strip_suffix("B/s").map(|pre| (pre, 8.0));
    let Some((exp, factor)) = bits.or(bytes).and_then(|(pre, f)| decimal_prefix(pre).map(|e| (e, f))) else {
        let known = "bps, kbps .. Tbps or B/s, kB/s .. TB/s";
        return Err(unknown_unit(BANDWIDTH, s, p.unit, known));
    };
    let bps = non_negative(p.scaled(exp, BANDWIDTH, s)? * factor, BANDWIDTH, s)?;
    at_most(bps, ceiling::BANDWIDTH_BPS, BANDWIDTH, s, "it is above 10 Pbit/s")
}

/// Formats bits/s as "{bps}bps"; parsing the result gives back the identical f64.
pub fn format_bandwidth(bps: f64) -> String {
    format!("{bps}bps")
}

/// Parses a size with decimal ("80GB" = 80e9) or binary ("80GiB" = 80 * 2^30) prefixes into bytes.
pub fn parse_bytes(s: &str) -> Result<f64, UnitError> {
    let p = split(s, BYTES)?;
    let binary = |pre: &str| -> Option<f64> {
        let n = ["K", "M", "G", "T", "P"].iter().position(|x| *x == pre)?;
        Some(2f64.powi(10 * (n as i32 + 1)))
    };
    let scale = p.unit.strip_suffix('B').and_then(|pre| match pre.strip_suffix('i') {
        Some(bin) => binary(bin).map(|f| (0, f)),
        None => decimal_prefix(pre).map(|e| (e, 1.0)),
    });
    let Some((exp, factor)) = scale else {
        let known = "B, kB, MB, GB, TB or KiB, MiB, GiB, TiB";
        return Err(unknown_unit(BYTES, s, p.unit, known));
    };
    let b = non_negative(p.scaled(exp, BYTES, s)? * factor, BYTES, s)?;
    at_most(b, ceiling::BYTES, BYTES, s, "it is above 1 EB")
}

/// Formats bytes as "{b}B"; parsing the result gives back the identical f64.
pub fn format_bytes(b: f64) -> String {
    format!("{b}B")
}

/// Parses a non-negative rate "N/unit" ("12/h", "300/d", "0.5/min", "2/s", "1/w"; units ms, s, m, min, h, d, w, y) into events/s.
pub fn parse_rate_per_s(s: &str) -> Result<f64, UnitError> {
    let p = split(s, RATE)?;
    let unit = p.unit.strip_prefix('/').map(str::trim_start);
    let Some(&(_, ms)) = unit.and_then(|u| DURATION_UNITS.iter().find(|(x, _)| *x == u)) else {
        let known = "/ms, /s, /m, /min, /h, /d, /w or /y";
        return Err(unknown_unit(RATE, s, p.unit, known));
    };
    let n = p.scaled(0, RATE, s)?;
    // One correctly rounded operation, so "{x}/s" round-trips exactly.
    let per_s = if ms == 1 { n * 1000.0 } else { n / (ms / 1000) as f64 };
    let per_s = non_negative(per_s, RATE, s)?;
    at_most(per_s, ceiling::RATE_PER_S, RATE, s, "it is above a billion per second")
}

/// Formats events/s as "{per_s}/s"; parsing the result gives back the identical f64.
pub fn format_rate(per_s: f64) -> String {
    format!("{per_s}/s")
}

/// Parses a non-negative temperature difference ("10K", "6C": the same size of degree) into kelvin.
pub fn parse_delta_k(s: &str) -> Result<f64, UnitError> {
    let p = split(s, DELTA)?;
    match p.unit {
        "K" | "C" | "°C" => {
            let k = non_negative(p.scaled(0, DELTA, s)?, DELTA, s)?;
            at_most(k, ceiling::DELTA_K, DELTA, s, "it is above 1000 K")
        }
        other => Err(unknown_unit(DELTA, s, other, "K or C")),
    }
}

/// Formats a temperature difference as "{k}K"; parsing the result gives back the identical f64.
pub fn format_delta(k: f64) -> String {
    format!("{k}K")
}

/// Parses a non-negative pressure ("250kPa", "101325Pa", "2.5bar", "0.3MPa") into pascals.
pub fn parse_pressure_pa(s: &str) -> Result<f64, UnitError> {
    let p = split(s, PRESSURE)?;
    let exp = match p.unit {
        "bar" => 5,
        u => match u.strip_suffix("Pa").and_then(decimal_prefix) {
            Some(exp) => exp,
            None => return Err(unknown_unit(PRESSURE, s, p.unit, "Pa, kPa, MPa or bar")),
        },
    };
    let pa = non_negative(p.scaled(exp, PRESSURE, s)?, PRESSURE, s)?;
    at_most(pa, ceiling::PRESSURE_PA, PRESSURE, s, "it is above 100 MPa (1000 bar)")
}

/// Formats pascals as "{pa}Pa"; parsing the result gives back the identical f64.
pub fn format_pressure(pa: f64) -> String {
    format!("{pa}Pa")
}

/// Parses a length, which may be negative ("1400m", "1.4km", "-150m"), into metres.
pub fn parse_length_m(s: &str) -> Result<f64, UnitError> {
    let p = split(s, LENGTH)?;
    let exp = match p.unit {
        "m" => 0,
        "km" => 3,
        other => return Err(unknown_unit(LENGTH, s, other, "m or km")),
    };
    let m = p.scaled(exp, LENGTH, s)?;
    at_most(m.abs(), ceiling::LENGTH_M, LENGTH, s, "it is beyond 10 km")?;
    Ok(m)
}

/// Formats metres as "{m}m"; parsing the result gives back the identical f64.
pub fn format_length(m: f64) -> String {
    format!("{m}m")
}

/// Serde visitor shared by the newtypes: strings go through `parse`, numbers get a "write a unit" message.
struct UnitVisitor<T> {
    parse: fn(&str) -> Result<T, UnitError>,
    example: &'static str,
}

impl<T> UnitVisitor<T> {
    fn number<E: de::Error>(&self, n: impl fmt::Display) -> E {
        E::custom(format!("expected a string with a unit, like {:?}; found the number {n}", self.example))
    }
}

impl<T> Visitor<'_> for UnitVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a string with a unit, like {:?}", self.example)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(|e| E::custom(e.message))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Err(self.number(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Err(self.number(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Err(self.number(v))
    }
}

macro_rules! unit_newtype {
    ($(#[$m:meta])* $name:ident($inner:ty), $parse:ident, $format:ident, $example:literal) => {
        $(#[$m])*
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&$format(self.0))
            }
        }

        impl FromStr for $name {
            type Err = UnitError;
            fn from_str(s: &str) -> Result<Self, UnitError> {
                $parse(s).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&$format(self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(UnitVisitor {
                    parse: |s| $parse(s).map($name),
                    example: $example,
                })
            }
        }
    };
}

unit_newtype!(
    /// A duration in integer milliseconds, written in scenario files as "250ms", "5m", "30d", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    DurationMs(u64), parse_duration_ms, format_duration, "5m"
);
unit_newtype!(
    /// A power in watts, written as "700W", "35kW", "1.2MW", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    PowerW(f64), parse_power_w, format_power, "35kW"
);
unit_newtype!(
    /// A temperature in °C, written as "32C", "300K", "89.6F", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    TempC(f64), parse_temp_c, format_temp, "32C"
);
unit_newtype!(
    /// A bandwidth in bits/s, written as "400Gbps", "3.35TB/s", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    BandwidthBps(f64), parse_bandwidth_bps, format_bandwidth, "400Gbps"
);
unit_newtype!(
    /// A size in bytes, written as "80GB", "80GiB", "512MB", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    Bytes(f64), parse_bytes, format_bytes, "80GiB"
);
unit_newtype!(
    /// A rate in events per second, written as "12/h", "300/d", "2/s", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    RatePerS(f64), parse_rate_per_s, format_rate, "12/h"
);
unit_newtype!(
    /// A temperature difference in kelvin, written as "10K" or "6C".
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    DeltaK(f64), parse_delta_k, format_delta, "10K"
);
unit_newtype!(
    /// A pressure in pascals, written as "250kPa", "2.5bar", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    PressurePa(f64), parse_pressure_pa, format_pressure, "250kPa"
);
unit_newtype!(
    /// A length in metres (elevations may be negative), written as "1400m", "1.4km", ...
    #[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
    LengthM(f64), parse_length_m, format_length, "1400m"
);

#[cfg(test)]
mod tests;
