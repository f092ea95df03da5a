//! Metrics of a run as flat columns, and the statistics folded over replications.
//!
//! ## How it works
//! [`leaves`] serializes a run's [`crate::engine::Summary`] to JSON and walks it in field
//! order, giving every numeric leaf a dotted name (`jobs.wait_s.p95`, `energy.it_kwh`): metrics
//! that later models add to the summary (PUE, facility energy, carbon) become columns without
//! any change here. The per-class, per-precision and per-model maps (`jobs.by_class`,
//! `capacity.peak_pflops`, `capacity.accelerators_by_model`) and the `scenario` section
//! (provenance, not results) are left out; other maps keyed by data (`pue.by_month.<YYYY-MM>`,
//! `services.<name>`, `failures.interruptions.<cause>` ...) are kept, so those columns follow the
//! scenario. Every column is a key of the [metrics registry](crate::metrics::registry).
//!
//! The confidence interval of a mean over n replications is the Student t interval
//! mean ± t(0.975, n − 1) · s / √n, s the sample standard deviation (Student 1908). t comes
//! from a table for n − 1 ≤ 30 and from the Cornish-Fisher expansion of t in terms of the
//! normal quantile beyond (Abramowitz & Stegun 26.7.5), accurate to 1e-6 there.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Summary sections left out of the metric columns.
pub const SKIPPED: [&str; 4] = ["scenario", "jobs.by_class", "capacity.peak_pflops", "capacity.accelerators_by_model"];

/// A named metric value (None where the summary holds null).
pub type Leaf = (String, Option<f64>);

/// The numeric leaves of a serializable value, in field order, minus `skip`.
pub fn leaves<T: serde::Serialize>(value: &T, skip: &[&str]) -> Vec<Leaf> {
    let mut out = Vec::new();
    let Ok(text) = serde_json::to_string(value) else { return out };
    let mut de = serde_json::Deserializer::from_str(&text);
    let _ = Walk { prefix: String::new(), skip, out: &mut out }.deserialize(&mut de);
    out
}

struct Walk<'a> {
    prefix: String,
    skip: &'a [&'a str],
    out: &'a mut Vec<Leaf>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.out.push((self.prefix, Some(v as f64)));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.out.push((self.prefix, Some(v as f64)));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.out.push((self.prefix, Some(v)));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.push((self.prefix, None));
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.prefix.is_empty() { key } else { format!("{}.{key}", self.prefix) };
            if self.skip.contains(&path.as_str()) {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Walk { prefix: path, skip: self.skip, out: &mut *self.out })?;
            }
        }
        Ok(())
    }
}

/// t(0.975, df) for df = 1..=30.
const T975: [f64; 30] = [
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985, 2.178813, 2.160369,
    2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529,
    2.051831, 2.048407, 2.045230, 2.042272,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1).
pub fn t975(df: usize) -> f64 {
    if (1..=30).contains(&df) { T975[df - 1] } else { t975_expansion(df.max(1) as f64) }
}

/// Cornish-Fisher expansion of t(0.975, n) in powers of 1/n (Abramowitz & Stegun 26.7.5).
fn t975_expansion(n: f64) -> f64 {
    let z: f64 = 1.959_963_984_540_054;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * n.powi(4))
}

/// Mean and 95 % half-width of values in order (None half-width below two values).
pub fn mean_ci95(xs: &[f64]) -> Option<(f64, Option<f64>)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return Some((mean, None));
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    Some((mean, Some(t975(xs.len() - 1) * (var / n).sqrt())))
}

/// The q-quantile of sorted values, linear between order statistics (Hyndman & Fan type 7).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
            let (lo, frac) = (h.floor() as usize, h - h.floor());
            if lo + 1 >= n { sorted[n - 1] } else { sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_meets_the_table_at_thirty() {
        let (approx, table) = (t975_expansion(30.0), T975[29]);
        assert!((approx - table).abs() < 1e-5, "{approx} vs {table}");
        assert!((t975(1000) - 1.962339).abs() < 1e-5);
        assert!(t975(31) < t975(30));
    }

    #[test]
    fn mean_and_interval_by_hand() {
        // 1, 2, 3: mean 2, s = 1, half-width 4.302653 / sqrt(3).
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m, 2.0);
        assert!((h.unwrap() - 4.302653 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(mean_ci95(&[5.0]), Some((5.0, None)));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
    }

    #[test]
    fn skipped_sections_are_registry_keys() {
        for s in SKIPPED {
            let prefix = format!("{s}.");
            assert!(crate::metrics::registry::summary().any(|e| e.path.starts_with(&prefix)), "{s} is not a section of the registry");
        }
    }

    #[test]
    fn leaves_follow_field_order_and_skip_maps() {
        let s = crate::engine::Summary::default();
        let l = leaves(&s, &SKIPPED);
        assert_eq!(l[0].0, "capacity.accelerators");
        assert!(l.iter().any(|(k, _)| k == "jobs.wait_s.p95"));
        assert!(l.iter().all(|(k, _)| !k.starts_with("scenario") && !k.contains("by_class")));
    }
}
