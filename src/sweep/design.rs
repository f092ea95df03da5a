//! Points of a sweep: a grid of every combination, or `samples` random or Latin-hypercube points.
//!
//! ## How it works
//! A grid enumerates the Cartesian product with the first parameter varying slowest. A random
//! design draws each coordinate uniformly; a Latin hypercube (McKay, Beckman, Conover 1979) cuts
//! each parameter's unit interval into n strata, gives each point a different stratum by a
//! random permutation, and draws uniformly within it. Listed values are picked by index
//! (⌊x·len⌋), bounds mapped to lo + x·(hi − lo). Each parameter draws from its own stream
//! `sweep/<path>` of the design seed, so adding a parameter does not move the others.

use rand::RngExt;
use toml::Value;

use super::SweepError;
use super::spec::{Design, Param, Values, number_value};
use crate::time::rng::stream;

/// The most points a plan may have.
pub const MAX_POINTS: usize = 10_000_000;

/// One point: a value per parameter, in parameter order.
pub type Point = Vec<Value>;

/// The points of a design.
pub fn points(params: &[Param], design: Design, samples: Option<usize>, seed: u64) -> Result<Vec<Point>, SweepError> {
    match design {
        Design::Grid => {
            if let Some(p) = params.iter().find(|p| matches!(p.values, Values::Bounds { .. })) {
                return Err(SweepError::Spec(format!(
                    "{}: bounds {} need --design random or lhs; a grid needs a step, like {}:STEP, or a list",
                    p.path, p.spec, p.spec
                )));
            }
            if samples.is_some() {
                return Err(SweepError::Spec("--samples applies to --design random or lhs, not to a grid".into()));
            }
            grid(params)
        }
        Design::Random | Design::Lhs => {
            let Some(n) = samples.filter(|n| (1..=MAX_POINTS).contains(n)) else {
                return Err(SweepError::Spec(format!("--design {design:?} needs --samples N (1 to {MAX_POINTS})").to_lowercase()));
            };
            Ok(sampled(params, design, n, seed))
        }
    }
}

fn list(p: &Param) -> &[Value] {
    match &p.values {
        Values::List(v) => v,
        Values::Bounds { .. } => &[],
    }
}

fn grid(params: &[Param]) -> Result<Vec<Point>, SweepError> {
    let total = params.iter().try_fold(1usize, |acc, p| acc.checked_mul(list(p).len()).filter(|n| *n <= MAX_POINTS));
    let Some(total) = total else {
        return Err(SweepError::Spec(format!("the grid has more than {MAX_POINTS} points")));
    };
    let mut out = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut point = vec![Value::Boolean(false); params.len()];
        for (k, p) in params.iter().enumerate().rev() {
            let v = list(p);
            point[k] = v[i % v.len()].clone();
            i /= v.len();
        }
        out.push(point);
    }
    Ok(out)
}

fn sampled(params: &[Param], design: Design, n: usize, seed: u64) -> Vec<Point> {
    let mut columns: Vec<Vec<Value>> = Vec::with_capacity(params.len());
    for p in params {
        let mut rng = stream(seed, &format!("sweep/{}", p.path));
        let xs: Vec<f64> = match design {
            Design::Lhs => {
                let mut strata: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    strata.swap(i, rng.random_range(0..=i));
                }
                strata.iter().map(|&s| (s as f64 + rng.random::<f64>()) / n as f64).collect()
            }
            _ => (0..n).map(|_| rng.random::<f64>()).collect(),
        };
        columns.push(xs.into_iter().map(|x| value_at(p, x)).collect());
    }
    (0..n).map(|i| columns.iter().map(|c| c[i].clone()).collect()).collect()
}

/// The value of a parameter at x in [0, 1).
fn value_at(p: &Param, x: f64) -> Value {
    match &p.values {
        Values::List(v) => v[((x * v.len() as f64) as usize).min(v.len() - 1)].clone(),
        Values::Bounds { lo, hi, unit, integer: true } => {
            let span = hi - lo + 1.0;
            number_value((lo + (x * span).floor()).min(*hi), unit, true)
        }
        Values::Bounds { lo, hi, unit, integer: false } => {
            // Six significant digits keep the values readable in sweep.csv and exact in TOML.
            let v = lo + x * (hi - lo);
            let v: f64 = format!("{v:.5e}").parse().unwrap_or(v);
            number_value(v.clamp(*lo, *hi), unit, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_varies_the_first_parameter_slowest() {
        let ps = vec![Param::new("a", "1,2").unwrap(), Param::new("b", "x,y,z").unwrap()];
        let pts = points(&ps, Design::Grid, None, 1).unwrap();
        assert_eq!(pts.len(), 6);
        assert_eq!(pts[0], vec![Value::Integer(1), Value::String("x".into())]);
        assert_eq!(pts[3], vec![Value::Integer(2), Value::String("x".into())]);
    }

    #[test]
    fn latin_hypercube_uses_every_stratum_once() {
        let ps = vec![Param::new("a", "0..10").unwrap(), Param::new("b", "0.0..1.0").unwrap()];
        let pts = points(&ps, Design::Lhs, Some(10), 7).unwrap();
        let mut a: Vec<i64> = pts.iter().map(|p| p[0].as_integer().unwrap()).collect();
        a.sort();
        assert_eq!(a.len(), 10);
        let mut strata: Vec<usize> = pts.iter().map(|p| (p[1].as_float().unwrap() * 10.0) as usize).collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
        assert_eq!(pts, points(&ps, Design::Lhs, Some(10), 7).unwrap());
    }

    #[test]
    fn grid_refuses_bounds_and_sampling_needs_samples() {
        let ps = vec![Param::new("a", "0..10").unwrap()];
        assert!(points(&ps, Design::Grid, None, 1).is_err());
        assert!(points(&ps, Design::Random, None, 1).is_err());
    }
}
