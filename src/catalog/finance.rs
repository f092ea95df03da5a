//! Defaults of `[finance]` (`assets/finance.toml`): each parameter with its value, unit, price
//! year, currency and source, and per accelerator model the capital per accelerator (server
//! included) and the on-demand lease price per accelerator-hour.

use std::collections::BTreeMap;

use serde::Deserialize;

const BUILTIN: &str = include_str!("../../assets/finance.toml");

/// One default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// The value, in `unit`.
    pub value: f64,
    /// Its unit.
    pub unit: String,
    /// Year of the price or the document.
    pub year: u32,
    /// Currency of a price (CNY).
    pub currency: String,
    /// Where it comes from.
    pub source: String,
}

/// Prices of one accelerator model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceleratorPrice {
    /// Catalog id.
    pub id: String,
    /// Capital per accelerator, its share of the server included, CNY.
    pub capex_cny: f64,
    /// On-demand lease price, CNY per accelerator-hour.
    pub lease_cny_per_hour: f64,
    /// Year of the prices.
    pub year: u32,
    /// Where they come from.
    pub source: String,
}

/// The defaults table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinanceDefaults {
    /// Parameters by name.
    pub param: BTreeMap<String, Param>,
    /// Accelerator prices.
    pub accelerator: Vec<AcceleratorPrice>,
}

impl FinanceDefaults {
    /// The built-in table (compiled in; a parse failure is a build defect, caught by the test below).
    pub fn builtin() -> FinanceDefaults {
        toml::from_str(BUILTIN).unwrap_or_else(|_| FinanceDefaults { param: BTreeMap::new(), accelerator: Vec::new() })
    }

    /// A parameter's value (NaN when missing: resolution then refuses it, and the test below
    /// checks that every parameter resolution asks for is present).
    pub fn value(&self, name: &str) -> f64 {
        self.param.get(name).map_or(f64::NAN, |p| p.value)
    }

    /// The prices of an accelerator model, if listed.
    pub fn accelerator(&self, id: &str) -> Option<&AcceleratorPrice> {
        self.accelerator.iter().find(|a| a.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_has_unit_year_currency_and_source() {
        let d: FinanceDefaults = toml::from_str(BUILTIN).expect("assets/finance.toml parses");
        assert!(d.param.len() >= 25);
        for (name, p) in &d.param {
            assert!(p.value.is_finite() && p.value >= 0.0, "{name}");
            assert!(!p.unit.is_empty() && !p.source.is_empty() && (2000..=2030).contains(&p.year), "{name}");
            assert_eq!(p.currency, "CNY", "{name}");
        }
        for a in &d.accelerator {
            assert!(a.capex_cny > 0.0 && a.lease_cny_per_hour > 0.0 && !a.source.is_empty(), "{}", a.id);
        }
    }
}
