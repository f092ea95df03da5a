//! What a page may ask for: a scenario of the classroom set and the parameters a class plays
//! with, turned into a resolved [`Scenario`] through the same edit + resolve path as
//! `aidc sweep --set` ([`crate::scenario::edit`]): a bad value gets the same message, naming the
//! field, as the same value written in a scenario file. Then the classroom cap ([`cap`]).

use std::path::Path;

use serde::Serialize;
use toml::Value;

use crate::config::{DemandSchedule, Scenario};
use crate::scenario::Overrides;
use crate::scenario::edit::{Document, ParamPath};

/// A scenario the page offers: (id, file shown in messages, text).
pub const SCENARIOS: &[(&str, &str, &str)] = &[
    ("classroom", "scenarios/classroom.toml", include_str!("../../scenarios/classroom.toml")),
    ("demo/fifo", "scenarios/demo/fifo.toml", include_str!("../../scenarios/demo/fifo.toml")),
    ("demo/backfill", "scenarios/demo/backfill.toml", include_str!("../../scenarios/demo/backfill.toml")),
    ("demo/quotas", "scenarios/demo/quotas.toml", include_str!("../../scenarios/demo/quotas.toml")),
    ("demo/growth-today", "scenarios/demo/growth-today.toml", include_str!("../../scenarios/demo/growth-today.toml")),
    ("demo/shanghai", "scenarios/demo/shanghai.toml", include_str!("../../scenarios/demo/shanghai.toml")),
    ("demo/ulanqab", "scenarios/demo/ulanqab.toml", include_str!("../../scenarios/demo/ulanqab.toml")),
    ("demo/air", "scenarios/demo/air.toml", include_str!("../../scenarios/demo/air.toml")),
    ("demo/cold-plate", "scenarios/demo/cold-plate.toml", include_str!("../../scenarios/demo/cold-plate.toml")),
];

/// The climates a page offers as cities (assets/climates/, the real-world ones).
pub const CITIES: &[&str] = &[
    "beijing",
    "changsha",
    "chengdu",
    "chongqing",
    "guangzhou",
    "guiyang",
    "hohhot",
    "qingyang",
    "shanghai",
    "shaoguan",
    "shenzhen",
    "ulanqab",
    "wuhan",
    "wuhu",
    "zhangjiakou",
    "zhongwei",
];

/// The classroom cap: designs larger than this are refused, whatever the machine could hold.
pub const MAX_ACCELERATORS: u64 = 4096;
/// The classroom cap on the horizon, days.
pub const MAX_HORIZON_DAYS: u64 = 366;
/// The classroom cap on sampling ticks (horizon / step).
pub const MAX_SAMPLES: u64 = 110_000;
/// The largest demand multiplier a page may ask for.
pub const MAX_DEMAND: f64 = 4.0;
/// Classes of these kinds are the deferrable ones when a page asks for price-aware deferral.
const DEFERRABLE_KINDS: &[&str] = &["batch-inference", "evaluation"];

/// A refused request: the field (the scenario's, or the form's) and what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refused {
    /// The field path (`halls[0].racks[0].count`) or the form field (`demand`).
    pub field: String,
    /// The message, as the command line prints it.
    pub message: String,
}

fn refused(field: &str, message: impl Into<String>) -> Refused {
    Refused { field: field.to_string(), message: message.into() }
}

/// What a scenario of the set offers the page (GET /api/scenarios).
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    /// Its id.
    pub id: &'static str,
    /// Its file.
    pub file: &'static str,
    /// Its `description`.
    pub description: String,
    /// Its values of the form's fields, as written (absent where it says nothing).
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Whether it models a facility (cooling, set-point and city apply).
    pub facility: bool,
    /// Its deferrable classes (price-aware deferral applies when not empty).
    pub deferrable: Vec<String>,
}

/// The offers of [`SCENARIOS`].
pub fn offers() -> Vec<Offer> {
    SCENARIOS.iter().filter_map(|(id, file, text)| offer(id, file, text)).collect()
}

fn offer(id: &'static str, file: &'static str, text: &str) -> Option<Offer> {
    let t: toml::Table = text.parse().ok()?;
    let mut values = serde_json::Map::new();
    let get = |path: &[&str]| -> Option<Value> {
        let mut v = t.get(path[0])?;
        for k in &path[1..] {
            v = match k.parse::<usize>() {
                Ok(i) => v.get(i)?,
                Err(_) => v.get(*k)?,
            };
        }
        Some(v.clone())
    };
    let mut put = |name: &str, v: Option<Value>| {
        if let Some(v) = v.and_then(|v| serde_json::to_value(v).ok()) {
            values.insert(name.to_string(), v);
        }
    };
    put("policy", get(&["scheduler", "policy"]));
    put("racks", get(&["halls", "0", "racks", "0", "count"]));
    put("cooling", get(&["halls", "0", "cooling", "kind"]));
    put("city", get(&["site", "climate"]));
    put("horizon", get(&["simulation", "horizon"]));
    let facility = t.contains_key("facility");
    let liquid = get(&["halls", "0", "cooling", "kind"]).is_some_and(|k| k.as_str() != Some("air"));
    let loop_key = if liquid { "facility_water" } else { "chilled_water" };
    put("supply", get(&["facility", loop_key, "supply"]));
    Some(Offer {
        id,
        file,
        description: t.get("description").and_then(Value::as_str).unwrap_or_default().to_string(),
        values,
        facility,
        deferrable: deferrable(&t),
    })
}

fn deferrable(t: &toml::Table) -> Vec<String> {
    let classes = t.get("workload").and_then(|w| w.get("classes")).and_then(Value::as_array);
    classes
        .into_iter()
        .flatten()
        .filter(|c| c.get("kind").and_then(Value::as_str).is_some_and(|k| DEFERRABLE_KINDS.contains(&k)))
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// A request of the page: the scenario id and the form's fields (absent: as the scenario says).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    /// The scenario id of [`SCENARIOS`].
    pub scenario: String,
    /// `en` or `zh` (the report's language).
    #[serde(default)]
    pub lang: Option<String>,
    /// `scheduler.policy`.
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
    /// `halls[0].racks[0].count`.
    #[serde(default)]
    pub racks: Option<serde_json::Value>,
    /// `halls[0].cooling.kind`.
    #[serde(default)]
    pub cooling: Option<serde_json::Value>,
    /// The supply temperature of the hall's loop, °C.
    #[serde(default)]
    pub supply: Option<serde_json::Value>,
    /// `site.climate`.
    #[serde(default)]
    pub city: Option<serde_json::Value>,
    /// `simulation.horizon` (e.g. "30d").
    #[serde(default)]
    pub horizon: Option<serde_json::Value>,
    /// Demand multiplier of the synthetic classes (1 = as written).
    #[serde(default)]
    pub demand: Option<f64>,
    /// Compound demand growth, as `aidc forecast --growth` reads it ("5%/month").
    #[serde(default)]
    pub growth: Option<String>,
    /// Price-aware deferral of the deferrable classes.
    #[serde(default)]
    pub deferral: Option<bool>,
}

/// A JSON value of the form as a TOML value: the resolver checks its type and range.
fn to_toml(field: &str, v: &serde_json::Value) -> Result<Option<Value>, Refused> {
    Ok(match v {
        serde_json::Value::Null => None,
        serde_json::Value::Bool(b) => Some(Value::Boolean(*b)),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(Value::Integer(i)),
            (None, Some(f)) if f.is_finite() => Some(Value::Float(f)),
            _ => return Err(refused(field, format!("expected a number, found {n}"))),
        },
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(Value::String(s.trim().to_string())),
        _ => return Err(refused(field, "expected a number or a text")),
    })
}

/// The scenario a request asks for, resolved and within the classroom cap.
pub fn resolve(ask: &Ask) -> Result<Scenario, Refused> {
    let Some((_, file, text)) = SCENARIOS.iter().find(|(id, _, _)| *id == ask.scenario) else {
        let ids: Vec<&str> = SCENARIOS.iter().map(|s| s.0).collect();
        return Err(refused("scenario", format!("no scenario {:?}; expected one of {}", ask.scenario, ids.join(", "))));
    };
    let table: toml::Table = text.parse().map_err(|e| refused("scenario", format!("built-in scenario: {e}")))?;
    let doc = Document { path: Path::new(file).to_path_buf(), text: text.to_string(), table };
    let mut sets: Vec<(ParamPath, Value)> = Vec::new();
    let mut add = |path: &str, v: Value| {
        if let Ok(p) = ParamPath::parse(path) {
            sets.push((p, v));
        }
    };
    let liquid = |c: &Value| c.as_str().is_some_and(|k| k != "air");
    let cooling = match &ask.cooling {
        Some(c) => to_toml("cooling", c)?,
        None => None,
    };
    let hall_cooling = doc.table.get("halls").and_then(|h| h.get(0)).and_then(|h| h.get("cooling")).and_then(|c| c.get("kind")).cloned();
    let is_liquid = cooling.as_ref().or(hall_cooling.as_ref()).is_some_and(liquid);
    let facility = doc.table.get("facility");
    if let Some(c) = cooling {
        if facility.is_none() {
            return Err(refused("cooling", "this scenario models IT only (no [facility]): choose one with a facility"));
        }
        // A liquid hall needs a facility-water loop: the cold-plate demo's, where the scenario has none.
        if liquid(&c) && facility.and_then(|f| f.get("facility_water")).is_none() {
            let loop_: toml::Table = "supply = \"32C\"\ndelta_t = \"10K\"\nrejection = \"tower\"".parse().unwrap_or_default();
            add("facility.facility_water", Value::Table(loop_));
        }
        add("halls[0].cooling.kind", c);
    }
    if let Some(s) = &ask.supply {
        if facility.is_none() {
            return Err(refused("supply", "this scenario models IT only (no [facility]): choose one with a facility"));
        }
        let v = match to_toml("supply", s)? {
            Some(Value::Integer(i)) => Some(Value::String(format!("{i}C"))),
            Some(Value::Float(f)) => Some(Value::String(format!("{f}C"))),
            other => other,
        };
        if let Some(v) = v {
            add(if is_liquid { "facility.facility_water.supply" } else { "facility.chilled_water.supply" }, v);
        }
    }
    if let Some(v) = ask.policy.as_ref().map(|v| to_toml("policy", v)).transpose()?.flatten() {
        add("scheduler.policy", v);
    }
    if let Some(v) = ask.racks.as_ref().map(|v| to_toml("racks", v)).transpose()?.flatten() {
        add("halls[0].racks[0].count", v);
    }
    if let Some(v) = ask.city.as_ref().map(|v| to_toml("city", v)).transpose()?.flatten() {
        if facility.is_none() {
            return Err(refused("city", "this scenario models IT only (no [facility]): choose one with a facility"));
        }
        add("site.climate", v);
    }
    if let Some(v) = ask.horizon.as_ref().map(|v| to_toml("horizon", v)).transpose()?.flatten() {
        add("simulation.horizon", v);
    }
    if ask.deferral == Some(true) {
        let classes = deferrable(&doc.table);
        if classes.is_empty() {
            return Err(refused("deferral", "this scenario has no batch-inference or evaluation class to defer"));
        }
        let mut t = toml::Table::new();
        t.insert("classes".into(), Value::Array(classes.into_iter().map(Value::String).collect()));
        t.insert("deadline".into(), Value::String("24h".into()));
        t.insert("signal".into(), Value::String("price".into()));
        add("grid.deferral", Value::Table(t));
    }
    let refs: Vec<(&ParamPath, &Value)> = sets.iter().map(|(p, v)| (p, v)).collect();
    let edited = doc.with(&refs).map_err(|e| {
        let crate::scenario::edit::EditError::Path { path, message } = e;
        refused(&path, message)
    })?;
    let overrides = Overrides { demand: demand(ask)?, ..Overrides::default() };
    let sc = edited.resolve_with(&overrides).map_err(|e| match e {
        crate::scenario::ScenarioError::Invalid(d) => Refused { field: d.field.clone(), message: d.to_string() },
        other => refused("scenario", other.to_string()),
    })?;
    cap(&sc)?;
    Ok(sc)
}

/// The demand schedule of `demand` and `growth`: the multiplier, compounded daily at the
/// monthly growth rate (a month = 30.4375 days), over the classroom's longest horizon.
fn demand(ask: &Ask) -> Result<Option<DemandSchedule>, Refused> {
    let level = ask.demand.unwrap_or(1.0);
    if !(level.is_finite() && (0.0..=MAX_DEMAND).contains(&level)) {
        return Err(refused("demand", format!("expected a multiplier from 0 to {MAX_DEMAND}, found {level}")));
    }
    let growth = match ask.growth.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        None => 0.0,
        Some(g) => crate::forecast::demand::parse_growth(g).map_err(|e| refused("growth", e.to_string()))?,
    };
    if !(-0.5..=1.0).contains(&growth) {
        return Err(refused("growth", "expected a growth from -50%/month to 100%/month"));
    }
    if level == 1.0 && growth == 0.0 {
        return Ok(None);
    }
    let day = 86_400_000u64;
    let steps = (0..MAX_HORIZON_DAYS).map(|d| (d * day, (level * (1.0 + growth).powf(d as f64 / 30.4375)).min(MAX_DEMAND * 4.0))).collect();
    Ok(Some(DemandSchedule { steps }))
}

/// Refuses a design too large for a classroom: accelerators, horizon, sampling ticks.
pub fn cap(sc: &Scenario) -> Result<(), Refused> {
    let acc = sc.accelerators();
    if acc > MAX_ACCELERATORS {
        let msg = format!("{acc} accelerators: a classroom server runs at most {MAX_ACCELERATORS}; use `aidc run` for larger designs");
        return Err(refused("halls[0].racks[0].count", msg));
    }
    let day = 86_400_000;
    if sc.horizon_ms > MAX_HORIZON_DAYS * day {
        let msg = format!("{} days: a classroom server runs at most {MAX_HORIZON_DAYS} days", sc.horizon_ms / day);
        return Err(refused("simulation.horizon", msg));
    }
    let samples = sc.horizon_ms / sc.step_ms.max(1);
    if samples > MAX_SAMPLES {
        let msg = format!("{samples} sampling ticks: a classroom server records at most {MAX_SAMPLES}; lengthen simulation.step");
        return Err(refused("simulation.step", msg));
    }
    Ok(())
}
