//! Numbers as a report shows them: thousands separated, percentages with one decimal, energies in
//! kWh or MWh, durations in the largest sensible unit. Tests look for these exact strings.

pub use super::plot::group_thousands;

/// A fraction as a percentage: 0.7123 -> "71.2 %".
pub fn pct(fraction: f64) -> String {
    format!("{:.1} %", 100.0 * fraction)
}

/// A count: 12345 -> "12,345".
pub fn count(v: f64) -> String {
    group_thousands(v)
}

/// A number with `decimals` decimals, thousands separated: (1234.5, 1) -> "1,234.5".
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let int: f64 = int.parse().unwrap_or(0.0);
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{}.{f}", group_thousands(int)),
        None => format!("{sign}{}", group_thousands(int)),
    }
}

/// An energy: kWh below 10,000 kWh, MWh from there: 72557 -> "72.6 MWh", 1234.5 -> "1,234 kWh".
pub fn energy_kwh(kwh: f64) -> String {
    if kwh.abs() >= 1e4 { format!("{} MWh", fixed(kwh / 1e3, 1)) } else { format!("{} kWh", fixed(kwh, 0)) }
}

/// A power: 100.84 -> "100.8 kW"; from 10 MW in MW.
pub fn power_kw(kw: f64) -> String {
    if kw.abs() >= 1e4 { format!("{} MW", fixed(kw / 1e3, 2)) } else { format!("{} kW", fixed(kw, 1)) }
}

/// A duration in seconds: "0 s", "42 s", "12.5 min", "3.4 h", "2.1 d".
pub fn duration_s(s: f64) -> String {
    if !s.is_finite() {
        "n/a".into()
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(pct(0.71234), "71.2 %");
        assert_eq!(count(1234567.0), "1,234,567");
        assert_eq!(fixed(1234.56, 1), "1,234.6");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-12.5, 1), "-12.5");
        assert_eq!(energy_kwh(72557.0), "72.6 MWh");
        assert_eq!(energy_kwh(1234.4), "1,234 kWh");
        assert_eq!(power_kw(100.84), "100.8 kW");
        assert_eq!(duration_s(5431.0), "1.5 h");
        assert_eq!(duration_s(0.0), "0 s");
    }
}
