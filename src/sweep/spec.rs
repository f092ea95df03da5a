//! What a sweep varies: `PATH=VALUES` assignments, the design, and the plan file.
//!
//! ## Value syntax
//! - a list `fifo,backfill` or `1,2,4` (each item a TOML value; bare words are strings);
//! - a stepped range `a..b:step`, ends included: `28..40:4`, `0.5..0.9:0.1`, and with a unit
//!   written the same on all three parts, `28C..40C:4C`, `1/h..4/h:1/h`, `5m..20m:5m`;
//! - bounds `a..b` (random and Latin-hypercube designs only): uniform in [a, b]; integers stay
//!   integers when both ends are integers without a unit;
//! - one value `42`.
//!
//! Range values are computed as a + i·step and rounded to 9 decimals, so `0.1..0.3:0.1`
//! gives 0.1, 0.2, 0.3 and not 0.30000000000000004.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Value;

use super::SweepError;
use crate::scenario::edit::ParamPath;

/// The most values one range may expand to.
const MAX_RANGE_VALUES: f64 = 1e6;

/// Why a VALUES text does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValuesError {
    /// Nothing was written.
    #[error("expected values: a list a,b,c, a range a..b:step or bounds a..b")]
    Empty,
    /// A range end or step that is not a number.
    #[error("expected a number (with an optional unit), found {0:?}")]
    NotANumber(String),
    /// A number too large to be finite.
    #[error("expected a finite number, found {0:?}")]
    NotFinite(String),
    /// Range ends with different units.
    #[error("the range ends have different units ({0:?} and {1:?})")]
    EndUnits(String, String),
    /// A range whose end is below its start.
    #[error("the range {0} is empty: its end is below its start")]
    EmptyRange(String),
    /// A step in another unit than the range.
    #[error("the step's unit {step:?} differs from the range's {range:?}")]
    StepUnit {
        /// The step's unit.
        step: String,
        /// The range's unit.
        range: String,
    },
    /// A step of zero or less.
    #[error("expected a positive step, found {0:?}")]
    StepNotPositive(String),
    /// A range of more than a million values (`MAX_RANGE_VALUES`).
    #[error("the range {text} has {n} values; at most {max} are allowed", max = MAX_RANGE_VALUES)]
    TooMany {
        /// The range as written.
        text: String,
        /// Its number of values.
        n: f64,
    },
    /// An empty item of a list.
    #[error("empty item in the list {0:?}")]
    EmptyItem(String),
}

/// How points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Design {
    /// Every combination of the listed values (the first parameter varies slowest).
    Grid,
    /// `samples` points drawn independently and uniformly.
    Random,
    /// `samples` points in a Latin hypercube: each parameter's range cut into `samples` strata,
    /// each stratum used once (McKay, Beckman, Conover 1979).
    Lhs,
}

/// The values of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Explicit values.
    List(Vec<Value>),
    /// Bounds for sampling designs.
    Bounds {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Unit text appended to sampled numbers ("" for none).
        unit: String,
        /// Sample integers.
        integer: bool,
    },
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Where it goes.
    pub path: ParamPath,
    /// The values as written.
    pub spec: String,
    /// The values.
    pub values: Values,
}

impl Param {
    /// Parses `PATH=VALUES`.
    pub fn parse_assignment(s: &str) -> Result<Param, SweepError> {
        // The first '=' outside brackets: `classes[name=debug].rate=1/h..3/h:1/h`.
        let mut depth = 0i32;
        let at = s.char_indices().find_map(|(i, c)| {
            depth += i32::from(c == '[') - i32::from(c == ']');
            (c == '=' && depth == 0).then_some(i)
        });
        let Some((path, values)) = at.map(|i| (&s[..i], &s[i + 1..])) else {
            return Err(SweepError::Spec(format!("--set {s:?}: expected PATH=VALUES, like scheduler.policy=fifo,backfill")));
        };
        Param::new(path, values)
    }

    /// A parameter from its path and value text.
    pub fn new(path: &str, values: &str) -> Result<Param, SweepError> {
        let path = ParamPath::parse(path)?;
        let parsed = parse_values(values).map_err(|source| SweepError::Values { path: path.to_string(), source })?;
        Ok(Param { path, spec: values.trim().to_string(), values: parsed })
    }

    /// A parameter with explicit TOML values (from a plan file array).
    pub fn from_list(path: &str, values: Vec<Value>) -> Result<Param, SweepError> {
        let path = ParamPath::parse(path)?;
        if values.is_empty() {
            return Err(SweepError::Spec(format!("{path}: expected at least one value")));
        }
        let spec = values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
        Ok(Param { path, spec, values: Values::List(values) })
    }
}

/// A number with an optional unit suffix, as written.
#[derive(Debug, Clone, PartialEq)]
struct Num {
    value: f64,
    unit: String,
    integer: bool,
}

fn num(s: &str) -> Result<Num, ValuesError> {
    let t = s.trim().trim_matches('"');
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let digits = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (n, unit) = t.split_at(t.len() - body.len() + digits);
    let value: f64 = n.parse().map_err(|_| ValuesError::NotANumber(s.to_string()))?;
    if !value.is_finite() {
        return Err(ValuesError::NotFinite(s.to_string()));
    }
    Ok(Num { value, unit: unit.trim().to_string(), integer: !n.contains('.') })
}

/// Parses a VALUES text.
fn parse_values(s: &str) -> Result<Values, ValuesError> {
    let text = s.trim().to_string();
    if text.is_empty() {
        return Err(ValuesError::Empty);
    }
    if let Some((a, rest)) = text.split_once("..") {
        let (b, step) = match rest.rsplit_once(':') {
            Some((b, st)) => (b, Some(st)),
            None => (rest, None),
        };
        let (a, b) = (num(a)?, num(b)?);
        if a.unit != b.unit {
            return Err(ValuesError::EndUnits(a.unit, b.unit));
        }
        if b.value < a.value {
            return Err(ValuesError::EmptyRange(text));
        }
        let Some(step) = step else {
            let integer = a.integer && b.integer && a.unit.is_empty();
            return Ok(Values::Bounds { lo: a.value, hi: b.value, unit: a.unit, integer });
        };
        let st = num(step)?;
        if !(st.unit.is_empty() || st.unit == a.unit) {
            return Err(ValuesError::StepUnit { step: st.unit, range: a.unit });
        }
        if st.value <= 0.0 {
            return Err(ValuesError::StepNotPositive(step.to_string()));
        }
        let n = ((b.value - a.value) / st.value + 1e-9).floor() + 1.0;
        if n > MAX_RANGE_VALUES {
            return Err(ValuesError::TooMany { text, n });
        }
        let integer = a.integer && b.integer && st.integer;
        let values = (0..n as usize).map(|i| number_value(a.value + i as f64 * st.value, &a.unit, integer)).collect();
        return Ok(Values::List(values));
    }
    let mut values = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(ValuesError::EmptyItem(text));
        }
        values.push(scalar(item));
    }
    Ok(Values::List(values))
}

/// A list item as a TOML value: numbers, booleans and quoted strings as TOML reads them, anything
/// else (`fifo`, `28C`, `1/h`) as a string.
pub fn scalar(item: &str) -> Value {
    match format!("v = {item}").parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(item.to_string())),
        Err(_) => Value::String(item.to_string()),
    }
}

/// A number (rounded to 9 decimals) with its unit as a TOML value: a string when it has a unit.
pub fn number_value(x: f64, unit: &str, integer: bool) -> Value {
    if integer && unit.is_empty() {
        return Value::Integer(x.round() as i64);
    }
    let r = (x * 1e9).round() / 1e9;
    let r = if r == 0.0 { 0.0 } else { r };
    if unit.is_empty() {
        Value::Float(r)
    } else if integer {
        Value::String(format!("{}{unit}", r.round() as i64))
    } else {
        Value::String(format!("{r}{unit}"))
    }
}

/// A plan file (`--plan sweep.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// grid, random or lhs.
    pub design: Option<Design>,
    /// Points of a random or LHS design.
    pub samples: Option<usize>,
    /// Runs per point.
    pub replications: Option<u32>,
    /// Seed of the random and LHS designs.
    pub design_seed: Option<u64>,
    /// The parameters, in order.
    #[serde(default)]
    pub set: Vec<PlanParam>,
}

/// `[[set]]` of a plan file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanParam {
    /// Dotted path.
    pub path: String,
    /// A VALUES text, or an array of TOML values.
    pub values: Value,
}

impl PlanFile {
    /// Reads a plan file.
    pub fn read(path: &Path) -> Result<PlanFile, SweepError> {
        let text = crate::input::read_text(path, crate::input::MAX_TEXT_BYTES)
            .map_err(|e| SweepError::Spec(format!("--plan {}: cannot read: {e}", path.display())))?;
        Ok(crate::scenario::parse_as(&crate::scenario::Source::new(path, text))?)
    }

    /// Its parameters.
    pub fn params(&self) -> Result<Vec<Param>, SweepError> {
        self.set
            .iter()
            .map(|p| match &p.values {
                Value::String(s) => Param::new(&p.path, s),
                Value::Array(a) => Param::from_list(&p.path, a.clone()),
                other => Param::from_list(&p.path, vec![other.clone()]),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<Value> {
        match parse_values(s).unwrap() {
            Values::List(v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ranges_lists_and_units() {
        assert_eq!(list("28..40:4"), vec![Value::Integer(28), Value::Integer(32), Value::Integer(36), Value::Integer(40)]);
        assert_eq!(list("0.1..0.3:0.1"), vec![Value::Float(0.1), Value::Float(0.2), Value::Float(0.3)]);
        assert_eq!(list("1/h..3/h:1/h"), vec![Value::String("1/h".into()), Value::String("2/h".into()), Value::String("3/h".into())]);
        assert_eq!(list("28C..32C:2C").len(), 3);
        assert_eq!(list("fifo,backfill"), vec![Value::String("fifo".into()), Value::String("backfill".into())]);
        assert_eq!(list("1, 2.5, true"), vec![Value::Integer(1), Value::Float(2.5), Value::Boolean(true)]);
    }

    #[test]
    fn assignments_split_outside_brackets() {
        let p = Param::parse_assignment("w.c[name=debug].rate=1/h,2/h").unwrap();
        assert_eq!(p.path.text, "w.c[name=debug].rate");
        assert_eq!(p.spec, "1/h,2/h");
        assert!(Param::parse_assignment("w.c[name=debug].rate").is_err());
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in ["", "5..1:1", "1..5:0", "1..5:-1", "1C..5F:1C", "1..5:1x", "a..b:1", "1,,2", "0..1e12:1"] {
            assert!(parse_values(bad).is_err(), "{bad:?} should fail");
        }
        assert_eq!(parse_values("1C..5F:1C"), Err(ValuesError::EndUnits("C".into(), "F".into())));
        assert_eq!(parse_values("1..5:0").unwrap_err().to_string(), "expected a positive step, found \"0\"");
        assert!(matches!(parse_values("1..5").unwrap(), Values::Bounds { integer: true, .. }));
    }
}
