//! Demand over the months of a forecast: compound growth, customer steps and a CSV of monthly
//! multipliers, combined into one multiplier per month on every synthetic class's rate.
//!
//! multiplier(m) = (1 + g)^(m − 1) · max(0, 1 + Σ_{steps with month ≤ m} Δ) · csv(m), months
//! from 1. A relative step `+50%@6` has Δ = 0.5; an absolute step `+200/d@6` (a new customer
//! with the scenario's job mix) has Δ = 200/d divided by the scenario's total class rate.
//! The CSV holds one multiplier per line (`month,multiplier` or just `multiplier`, a header
//! allowed); months past its end keep its last value.

use std::path::Path;

use serde::Serialize;

use crate::sweep::SweepError;

/// A change of demand from a month on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// First month (1-based) it applies to.
    pub month: u32,
    /// Relative change (0.5 = +50 %), or None when given as a rate.
    pub relative: Option<f64>,
    /// Absolute change in jobs per second, or None when relative.
    pub rate_per_s: Option<f64>,
    /// As written.
    pub text: String,
}

/// The demand model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Demand {
    /// Compound growth per month (0.05 = 5 %/month).
    pub growth_per_month: f64,
    /// Steps.
    pub steps: Vec<Step>,
    /// Monthly multipliers read from a CSV, if any.
    pub csv: Option<Vec<f64>>,
}

fn spec(msg: String) -> SweepError {
    SweepError::Spec(msg)
}

/// Parses growth: `5%/month`, `5%` (per month), `60%/year` (compounded monthly) or `0`.
pub fn parse_growth(s: &str) -> Result<f64, SweepError> {
    let bad = || spec(format!("--growth {s:?}: expected a growth like \"5%/month\", \"60%/year\" or \"0\""));
    let t = s.trim();
    let (num, per) = match t.split_once('/') {
        Some((n, p)) => (n.trim(), p.trim()),
        None => (t, "month"),
    };
    let pct = num.strip_suffix('%').map(str::trim);
    let x: f64 = match pct {
        Some(p) => p.parse::<f64>().map_err(|_| bad())? / 100.0,
        None if num == "0" => 0.0,
        None => return Err(bad()),
    };
    if !x.is_finite() || x <= -1.0 {
        return Err(bad());
    }
    match per {
        "month" | "mo" | "m" => Ok(x),
        "year" | "yr" | "y" => Ok((1.0 + x).powf(1.0 / 12.0) - 1.0),
        _ => Err(bad()),
    }
}

/// Parses a step: `+50%@6`, `-20%@12`, `+200/d@6`, `+5/h@3`.
pub fn parse_step(s: &str) -> Result<Step, SweepError> {
    let bad = |why: &str| spec(format!("--step {s:?}: {why}; expected a change and a month like \"+50%@6\" or \"+200/d@6\""));
    let (change, month) = s.trim().split_once('@').ok_or_else(|| bad("no '@MONTH'"))?;
    let month: u32 = month.trim().parse().ok().filter(|m| *m >= 1).ok_or_else(|| bad("the month is not a number from 1"))?;
    let change = change.trim();
    let (sign, body) = match change.as_bytes().first() {
        Some(b'-') => (-1.0, &change[1..]),
        Some(b'+') => (1.0, &change[1..]),
        _ => (1.0, change),
    };
    if let Some(p) = body.strip_suffix('%') {
        let x: f64 = p.trim().parse().map_err(|_| bad("the percentage is not a number"))?;
        if !x.is_finite() {
            return Err(bad("the percentage is not finite"));
        }
        return Ok(Step { month, relative: Some(sign * x / 100.0), rate_per_s: None, text: s.trim().to_string() });
    }
    let rate = crate::scenario::units::parse_rate_per_s(body).map_err(|e| bad(&e.message))?;
    Ok(Step { month, relative: None, rate_per_s: Some(sign * rate), text: s.trim().to_string() })
}

/// Reads monthly multipliers from a CSV.
pub fn read_csv(path: &Path) -> Result<Vec<f64>, SweepError> {
    let text = crate::input::read_text(path, crate::input::MAX_INPUT_BYTES)
        .map_err(|e| spec(format!("--demand {}: cannot read: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split(',').map(str::trim).next_back().unwrap_or("");
        if cell.is_empty() {
            continue;
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => out.push(v),
            Ok(v) => return Err(spec(format!("{}:{}: expected a multiplier >= 0, found {v}", path.display(), i + 1))),
            Err(_) if out.is_empty() && i == 0 => {}
            Err(_) => return Err(spec(format!("{}:{}: expected a number, found {cell:?}", path.display(), i + 1))),
        }
    }
    if out.is_empty() {
        return Err(spec(format!("{}: expected at least one monthly multiplier", path.display())));
    }
    Ok(out)
}

impl Demand {
    /// One multiplier per month; `base_rate_per_s` is the scenario's total class rate.
    pub fn multipliers(&self, months: usize, base_rate_per_s: f64) -> Vec<f64> {
        (1..=months)
            .map(|m| {
                let growth = (1.0 + self.growth_per_month).powi(m as i32 - 1);
                let delta: f64 = self
                    .steps
                    .iter()
                    .filter(|s| s.month as usize <= m)
                    .map(|s| match (s.relative, s.rate_per_s) {
                        (Some(r), _) => r,
                        (None, Some(rate)) if base_rate_per_s > 0.0 => rate / base_rate_per_s,
                        _ => 0.0,
                    })
                    .sum();
                let csv = self.csv.as_ref().map_or(1.0, |v| v[(m - 1).min(v.len() - 1)]);
                growth * (1.0 + delta).max(0.0) * csv
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_and_steps_compose() {
        assert_eq!(parse_growth("5%/month").unwrap(), 0.05);
        assert!((parse_growth("60%/year").unwrap() - (1.6f64.powf(1.0 / 12.0) - 1.0)).abs() < 1e-15);
        assert!(parse_growth("5").is_err() && parse_growth("-100%").is_err() && parse_growth("5%/week").is_err());
        let d = Demand {
            growth_per_month: 0.1,
            steps: vec![parse_step("+50%@2").unwrap(), parse_step("+1/h@3").unwrap()],
            csv: Some(vec![1.0, 2.0]),
        };
        let m = d.multipliers(3, 2.0 / 3600.0);
        assert_eq!(m[0], 1.0);
        assert!((m[1] - 1.1 * 1.5 * 2.0).abs() < 1e-12);
        assert!((m[2] - 1.21 * 2.0 * 2.0).abs() < 1e-12);
        assert!(parse_step("+50%").is_err() && parse_step("+50%@0").is_err() && parse_step("+5/x@2").is_err());
    }
}
