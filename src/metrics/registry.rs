//! The metrics registry: every key of summary.json and every column of timeseries.csv, declared
//! once with its unit, its English and Chinese label, its definition, the subsystem that
//! measures it, whether it is a metric or bookkeeping, and when it appears.
//!
//! ## How it works
//! An [`Entry`] names a path. A path segment in angle brackets is a map key that comes from the
//! data (`jobs.by_class.<class>.wait_s`, `pue.by_month.<YYYY-MM>`); `[]` marks the elements of
//! an array (`calibration[].device`). An entry of a compound [`Shape`] stands for its fields,
//! declared once for every entry of that shape ([`PERCENTILES`], [`RANGE`]): `jobs.wait_s` is
//! `jobs.wait_s.{count,mean,p50,p95,p99,max}`. [`find`] resolves a flattened key (`services.chat.
//! slo_attainment`) to its entry, [`timeseries_header`] writes the CSV header the recorder uses,
//! and [`markdown`] writes the README's metric tables.
//!
//! The consumers read from here: the report's key figures take their labels and definitions,
//! the sweep page tells metric columns from parameters with [`is_metric`], the recorder writes
//! its header with [`timeseries_header`]. Adding a metric is an entry here plus the subsystem
//! that measures it; `tests/aidc/registry.rs` runs every feature at once and fails on a key or a
//! column that is not declared, or a declared one that no run produced.

mod site;
mod summary;
mod timeseries;

use std::fmt::Write as _;

/// A text in English and Chinese (`zh` empty where there is no translation yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// Simplified Chinese.
    pub zh: &'static str,
}

impl Text {
    /// The Chinese text, or the English one where there is none.
    pub fn zh_or_en(&self) -> &'static str {
        if self.zh.is_empty() { self.en } else { self.zh }
    }
}

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A real number (JSON float; null where undefined).
    Num,
    /// A count (JSON integer).
    Int,
    /// A name.
    Str,
    /// Yes or no.
    Bool,
    /// A distribution: the fields of [`PERCENTILES`].
    Percentiles,
    /// Mean and extremes over time: the fields of [`RANGE`].
    Range,
    /// A distribution with unfinished observations: the fields of [`KAPLAN_MEIER`].
    KaplanMeier,
}

impl Shape {
    /// The fields a compound shape stands for (none for a single value).
    pub fn fields(self) -> &'static [Field] {
        match self {
            Shape::Percentiles => PERCENTILES,
            Shape::Range => RANGE,
            Shape::KaplanMeier => KAPLAN_MEIER,
            _ => &[],
        }
    }
}

/// One field of a compound shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its key under the entry's path.
    pub name: &'static str,
    /// Its unit, where it is not the entry's.
    pub unit: Option<&'static str>,
    /// What it holds.
    pub shape: Shape,
    /// What it is called, after the entry's label.
    pub label: Text,
}

const COUNT: Field = Field { name: "count", unit: Some("1"), shape: Shape::Int, label: Text { en: "count", zh: "数量" } };
const MEAN: Field = Field { name: "mean", unit: None, shape: Shape::Num, label: Text { en: "mean", zh: "平均" } };
const P50: Field = Field { name: "p50", unit: None, shape: Shape::Num, label: Text { en: "median", zh: "中位数" } };
const P95: Field = Field { name: "p95", unit: None, shape: Shape::Num, label: Text { en: "95th percentile", zh: "95 分位" } };
const P99: Field = Field { name: "p99", unit: None, shape: Shape::Num, label: Text { en: "99th percentile", zh: "99 分位" } };
const MAX: Field = Field { name: "max", unit: None, shape: Shape::Num, label: Text { en: "max", zh: "最大" } };
const MIN: Field = Field { name: "min", unit: None, shape: Shape::Num, label: Text { en: "min", zh: "最小" } };

/// The fields of a distribution ([`crate::metrics::Percentiles`]).
pub const PERCENTILES: &[Field] = &[COUNT, MEAN, P50, P95, P99, MAX];

const CENSORED: Field =
    Field { name: "censored", unit: Some("1"), shape: Shape::Int, label: Text { en: "still waiting", zh: "仍在等待" } };

/// The fields of a distribution with unfinished observations ([`crate::metrics::KaplanMeier`]):
/// null where the estimate lies beyond every finished observation.
pub const KAPLAN_MEIER: &[Field] = &[CENSORED, P50, P95, P99];

/// How a distribution is measured (the README's note on every [`Shape::Percentiles`] entry).
pub const PERCENTILES_NOTE: &str = "`count` values counted; `mean` and `max` exact; `p50`, `p95`, `p99` nearest-rank from a log histogram \
     (relative error < 0.5 %)";

/// How a Kaplan-Meier entry is measured (the README's note on every [`Shape::KaplanMeier`] entry).
pub const KAPLAN_MEIER_NOTE: &str = "`censored` observations still unfinished at the horizon; `p50`, `p95`, `p99` from the Kaplan-Meier \
     survival estimate (Kaplan & Meier 1958) over the log histogram's buckets, null where it lies beyond every finished observation";

/// The fields of a quantity over time: the mean over the horizon and the extremes held for a
/// positive time.
pub const RANGE: &[Field] = &[MEAN, MAX, MIN];

/// The subsystem that measures an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Installed capacity, IT load and utilization.
    Compute,
    /// Job classes, arrivals, traces and the job lifecycle.
    Workload,
    /// Scheduling policies and placement.
    Scheduler,
    /// Power chain, cooling plant and weather.
    Facility,
    /// Thermal limits and throttling.
    Thermal,
    /// Tariffs, carbon, on-site generation, batteries and power caps.
    Grid,
    /// The fabric, switch power and work-defined jobs.
    Network,
    /// Component failures, repairs and checkpoints.
    Failures,
    /// Autoscaled inference services.
    Services,
    /// The storage tier: checkpoint writes, restart reads, its power.
    Storage,
    /// Calibration profiles.
    Calibration,
    /// Capital, costs, revenue and cash flows.
    Finance,
    /// The run itself: time, seed, scheduler.
    Engine,
}

impl Owner {
    /// Its name (the folder under `src/model/`, or `engine` and `calibrate`).
    pub fn name(self) -> &'static str {
        match self {
            Owner::Compute => "compute",
            Owner::Workload => "workload",
            Owner::Scheduler => "scheduler",
            Owner::Facility => "facility",
            Owner::Thermal => "thermal",
            Owner::Grid => "grid",
            Owner::Network => "network",
            Owner::Failures => "failures",
            Owner::Services => "services",
            Owner::Storage => "storage",
            Owner::Calibration => "calibration",
            Owner::Finance => "finance",
            Owner::Engine => "engine",
        }
    }
}

/// When an entry appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// In every run.
    Always,
    /// With a facility model (`[facility]`, or a cooling kind other than none).
    WithFacility,
    /// With a `[grid]` section.
    WithGrid,
    /// With `[grid.battery]`.
    WithBattery,
    /// With a `[network]` section.
    WithNetwork,
    /// With work-defined jobs (a class with `work`).
    WorkDefined,
    /// With a `[failures]` section.
    WithFailures,
    /// With `[[services]]`.
    WithServices,
    /// With a `[workload.trace]`.
    WithTrace,
    /// Under placement by GPU shares (an `alibaba-v2023` trace).
    GpuShares,
    /// With an accelerator that has a calibration profile.
    WithCalibration,
    /// With a `[storage]` section.
    WithStorage,
    /// With a `[finance]` section.
    WithFinance,
}

impl When {
    /// The condition in words (README).
    pub fn describe(self) -> &'static str {
        match self {
            When::Always => "always",
            When::WithFacility => "with a facility",
            When::WithGrid => "with `[grid]`",
            When::WithBattery => "with `[grid.battery]`",
            When::WithNetwork => "with `[network]`",
            When::WorkDefined => "with work-defined jobs",
            When::WithFailures => "with `[failures]`",
            When::WithServices => "with `[[services]]`",
            When::WithTrace => "with `[workload.trace]`",
            When::GpuShares => "under GPU shares (`alibaba-v2023`)",
            When::WithCalibration => "with a calibration profile",
            When::WithStorage => "with `[storage]`",
            When::WithFinance => "with `[finance]`",
        }
    }
}

/// One summary key or timeseries column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Dotted path (summary) or column name (timeseries); `<name>` a data key, `[]` array elements.
    pub path: &'static str,
    /// What it holds.
    pub shape: Shape,
    /// Unit, one of [`UNITS`].
    pub unit: &'static str,
    /// The subsystem that measures it.
    pub owner: Owner,
    /// When it appears.
    pub when: When,
    /// A result of the run (true) or bookkeeping: names, inputs echoed, provenance (false).
    pub metric: bool,
    /// What it is called.
    pub label: Text,
    /// What it is: short enough for the report's key figures.
    pub definition: Text,
    /// More for the README: how it is computed, sources, caveats (English; may be empty).
    pub note: &'static str,
}

/// An entry that is a metric, with no note (the tables' shorthand).
const fn e(
    path: &'static str,
    shape: Shape,
    unit: &'static str,
    owner: Owner,
    when: When,
    label: (&'static str, &'static str),
    definition: (&'static str, &'static str),
) -> Entry {
    let (label, definition) = (Text { en: label.0, zh: label.1 }, Text { en: definition.0, zh: definition.1 });
    Entry { path, shape, unit, owner, when, metric: true, label, definition, note: "" }
}

impl Entry {
    /// The same with a note for the README.
    const fn note(mut self, note: &'static str) -> Entry {
        self.note = note;
        self
    }

    /// The same as bookkeeping (what ran, not what it gave).
    const fn bookkeeping(mut self) -> Entry {
        self.metric = false;
        self
    }
}

/// The units entries may have, each with its meaning.
pub const UNITS: &[(&str, &str)] = &[
    ("", "none (a name or a flag)"),
    ("1", "a count or a dimensionless ratio"),
    ("fraction", "a share between 0 and 1"),
    ("s", "seconds"),
    ("h", "hours"),
    ("job-hours", "jobs x hours"),
    ("accelerator-hours", "accelerators x hours"),
    ("kW", "kilowatts"),
    ("kWh", "kilowatt-hours"),
    ("PFLOPS", "10^15 floating-point operations per second"),
    ("degC", "degrees Celsius"),
    ("L/kWh", "litres per IT kilowatt-hour"),
    ("L/h", "litres per hour"),
    ("m3", "cubic metres"),
    ("kg CO2/kWh", "kilograms of CO2 per kilowatt-hour"),
    ("t CO2", "tonnes of CO2"),
    ("CNY", "yuan"),
    ("CNY/kWh", "yuan per kilowatt-hour"),
    ("CNY/accelerator-hour", "yuan per accelerator-hour"),
    ("CNY/PFLOP-hour", "yuan per PFLOPS x hour"),
    ("1/year", "a rate per year"),
    ("year", "years"),
    ("month", "months from the start (1 = the first)"),
];

/// Every summary.json entry, in the order of summary.json.
pub fn summary() -> impl Iterator<Item = &'static Entry> {
    summary::SECTIONS.iter().flat_map(|s| s.iter())
}

/// Every timeseries.csv column, in the order of the file.
pub fn timeseries() -> &'static [Entry] {
    timeseries::COLUMNS
}

/// The timeseries.csv columns of a run with (or without) a facility and a grid, in order.
pub fn timeseries_columns(facility: bool, grid: bool) -> impl Iterator<Item = &'static Entry> {
    timeseries::COLUMNS.iter().filter(move |c| match c.when {
        When::WithFacility => facility,
        When::WithGrid => grid,
        _ => true,
    })
}

/// The header line of timeseries.csv (without the line end).
pub fn timeseries_header(facility: bool, grid: bool) -> String {
    timeseries_columns(facility, grid).map(|c| c.path).collect::<Vec<_>>().join(",")
}

/// A summary key resolved to its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The key as asked.
    pub key: String,
    /// Its entry.
    pub entry: &'static Entry,
    /// The field of a compound entry, where the key names one.
    pub field: Option<&'static Field>,
    /// Whether the key names several values: a compound entry or a map as a whole.
    pub whole: bool,
}

impl Leaf {
    /// Its unit.
    pub fn unit(&self) -> &'static str {
        self.field.and_then(|f| f.unit).unwrap_or(self.entry.unit)
    }

    /// What it holds.
    pub fn shape(&self) -> Shape {
        self.field.map_or(self.entry.shape, |f| f.shape)
    }

    /// Its label: the entry's, then the field's ("Queue wait, median"; "排队等待 中位数").
    pub fn label(&self) -> (String, String) {
        let l = self.entry.label;
        match self.field {
            Some(f) => (format!("{}, {}", l.en, f.label.en), format!("{} {}", l.zh_or_en(), f.label.zh_or_en())),
            None => (l.en.to_string(), l.zh_or_en().to_string()),
        }
    }
}

/// Whether `name` fits the path `pattern`: literal segments equal, a `<placeholder>` any
/// non-empty key (dots included: map keys are data).
pub fn matches(pattern: &str, name: &str) -> bool {
    let (head, rest) = match pattern.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (pattern, None),
    };
    let placeholder = head.starts_with('<') && head.ends_with('>');
    match (placeholder, rest) {
        (true, None) => !name.is_empty(),
        (true, Some(rest)) => name.match_indices('.').any(|(i, _)| i > 0 && matches(rest, &name[i + 1..])),
        (false, None) => name == head,
        (false, Some(rest)) => name.strip_prefix(head).and_then(|r| r.strip_prefix('.')).is_some_and(|r| matches(rest, r)),
    }
}

/// The entry of a flattened summary key: a single value (`energy.it_kwh`), a field of a
/// compound entry (`jobs.wait_s.p95`), a compound entry as a whole (`jobs.wait_s`) or a map as a
/// whole (`failures.interruptions` for `failures.interruptions.<cause>`).
pub fn find(key: &str) -> Option<Leaf> {
    let leaf = |entry: &'static Entry, field, whole| Leaf { key: key.to_string(), entry, field, whole };
    summary().find_map(|e| {
        if matches(e.path, key) {
            return Some(leaf(e, None, !e.shape.fields().is_empty()));
        }
        let field = e.shape.fields().iter().find(|f| {
            let parent = key.strip_suffix(f.name).and_then(|k| k.strip_suffix('.'));
            parent.is_some_and(|k| matches(e.path, k))
        });
        if let Some(f) = field {
            return Some(leaf(e, Some(f), false));
        }
        let map = e.path.rsplit_once('.').filter(|(_, last)| last.starts_with('<')).map(|(m, _)| m);
        map.filter(|m| matches(m, key)).map(|_| leaf(e, None, true))
    })
}

/// Whether a flattened summary key names one value that is a metric (a result, not
/// bookkeeping; not a compound entry or a map as a whole).
pub fn is_metric(key: &str) -> bool {
    find(key).is_some_and(|l| l.entry.metric && !l.whole)
}

/// Whether a flattened summary key is declared bookkeeping (names, inputs echoed, provenance).
pub fn is_bookkeeping(key: &str) -> bool {
    find(key).is_some_and(|l| !l.entry.metric)
}

/// A Markdown table cell: pipes escaped, no line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The key column of an entry: its path, with the fields of a compound shape.
fn key_cell(e: &Entry) -> String {
    let fields = e.shape.fields();
    if fields.is_empty() {
        format!("`{}`", e.path)
    } else {
        format!("`{}.{{{}}}`", e.path, fields.iter().map(|f| f.name).collect::<Vec<_>>().join(","))
    }
}

fn unit_cell(e: &Entry) -> String {
    let extra: Vec<String> = e.shape.fields().iter().filter_map(|f| Some(format!("{}: {}", f.name, f.unit?))).collect();
    let unit = if e.unit.is_empty() { "-" } else { e.unit };
    if extra.is_empty() { unit.to_string() } else { format!("{unit} ({})", extra.join(", ")) }
}

fn definition_cell(e: &Entry) -> String {
    let mut d = e.definition.en.to_string();
    if !e.note.is_empty() {
        let _ = write!(d, "; {}", e.note);
    }
    if e.shape == Shape::Percentiles {
        let _ = write!(d, "; {PERCENTILES_NOTE}");
    }
    if e.shape == Shape::KaplanMeier {
        let _ = write!(d, "; {KAPLAN_MEIER_NOTE}");
    }
    cell(&d)
}

fn table(out: &mut String, entries: &mut dyn Iterator<Item = &Entry>) {
    out.push_str("| key | unit | name | 名称 | definition | present | subsystem |\n|---|---|---|---|---|---|---|\n");
    for e in entries {
        let owner = if e.metric { e.owner.name().to_string() } else { format!("{} (bookkeeping)", e.owner.name()) };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            key_cell(e),
            unit_cell(e),
            cell(e.label.en),
            cell(e.label.zh_or_en()),
            definition_cell(e),
            e.when.describe(),
            owner
        );
    }
}

/// The README's metric tables (summary.json, then timeseries.csv), generated from the registry.
pub fn markdown() -> String {
    let mut out = String::from(
        "#### summary.json\n\n`<name>` in a key is a map key from the data (a class, a month, a hall); `[]` the elements of a list. \
         Bookkeeping keys say what ran; every other key is a result.\n\n",
    );
    table(&mut out, &mut summary());
    out.push_str("\n#### timeseries.csv\n\nOne row per sampling step, each covering the interval that ends at `time_s`.\n\n");
    table(&mut out, &mut timeseries().iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_match_data_keys_and_literals_match_themselves() {
        assert!(matches("pue.by_month.<YYYY-MM>", "pue.by_month.2025-01"));
        assert!(matches("pue.by_hall.<hall>", "pue.by_hall.Hall 1.2"), "a hall name may hold a dot");
        assert!(matches("jobs.by_class.<class>.wait_s", "jobs.by_class.fine.tune.wait_s"));
        assert!(!matches("jobs.by_class.<class>.wait_s", "jobs.by_class.wait_s"), "a placeholder is never empty");
        assert!(!matches("energy.it_kwh", "energy.it_kwh.x"));
        assert!(!matches("energy.it_kwh", "energy"));
    }

    #[test]
    fn keys_resolve_to_entries_fields_and_maps() {
        let l = find("jobs.by_class.pretrain.wait_s.p95").expect("a class's wait percentile");
        assert_eq!((l.entry.path, l.field.map(|f| f.name), l.unit()), ("jobs.by_class.<class>.wait_s", Some("p95"), "s"));
        assert_eq!(find("jobs.wait_s.count").map(|l| l.unit()), Some("1"));
        assert_eq!(find("jobs.wait_s").map(|l| l.entry.path), Some("jobs.wait_s"));
        assert_eq!(find("failures.interruptions").map(|l| l.entry.path), Some("failures.interruptions.<cause>"));
        assert_eq!(find("services.chat.slo_attainment").map(|l| l.entry.owner), Some(Owner::Services));
        assert!(find("grid.cap").is_none() && find("scheduler.policy").is_none(), "scenario parameters are no keys");
        assert!(is_metric("pue.by_month.2025-07") && !is_metric("scenario.seed") && is_bookkeeping("scenario.seed"));
        assert!(is_metric("jobs.wait_s.mean") && !is_metric("jobs.wait_s") && !is_metric("failures.interruptions"), "one value each");
        assert_eq!(find("power.it_kw.max").map(|l| l.label().0), Some("IT power, max".to_string()));
    }

    #[test]
    fn every_entry_is_declared_once_with_a_known_unit_and_labels() {
        let all: Vec<&Entry> = summary().chain(timeseries()).collect();
        for e in &all {
            assert!(UNITS.iter().any(|u| u.0 == e.unit), "{}: unit {:?} not in UNITS", e.path, e.unit);
            assert!(!e.label.en.is_empty() && !e.label.zh.is_empty() && !e.definition.en.is_empty(), "{}: label or definition", e.path);
            assert_eq!(matches!(e.shape, Shape::Str | Shape::Bool), e.unit.is_empty(), "{}: names and flags have no unit", e.path);
        }
        // A key resolves to its own entry only: no two entries claim one key.
        let sample = |p: &str| p.replace('<', "x").replace('>', "");
        for e in summary() {
            let key = sample(e.path);
            let hits: Vec<&str> = summary().filter(|o| matches(o.path, &key)).map(|o| o.path).collect();
            assert_eq!(hits, vec![e.path], "{key}");
        }
        let mut cols: Vec<&str> = timeseries().iter().map(|c| c.path).collect();
        cols.sort_unstable();
        cols.dedup();
        assert_eq!(cols.len(), timeseries().len(), "a timeseries column declared twice");
    }

    #[test]
    fn the_percentiles_fields_are_those_of_the_summary_type() {
        let v = serde_json::to_value(crate::metrics::Percentiles::default()).expect("serializes");
        let keys: Vec<&str> = v.as_object().expect("an object").keys().map(String::as_str).collect();
        let mut fields: Vec<&str> = PERCENTILES.iter().map(|f| f.name).collect();
        fields.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn the_header_has_the_facility_then_the_grid_columns() {
        let plain = timeseries_header(false, false);
        assert!(plain.starts_with("time_s,accelerators_allocated,") && plain.ends_with(",running_jobs"));
        let all = timeseries_header(true, true);
        assert!(all.starts_with(&plain) && all.contains(",throttled_accelerators,price_cny_per_kwh,") && all.ends_with(",battery_soc"));
        assert_eq!(
            timeseries_header(false, true),
            format!("{plain},price_cny_per_kwh,carbon_kg_per_kwh,grid_power_kw,battery_kw,battery_soc")
        );
    }
}
