//! The metrics registry against real outputs. A run with every feature on (facility, grid with a
//! power cap, deferral, PV and a battery, failures through a storage tier, a network with a work-defined class,
//! services, an Acme trace, a calibrated device, finance) and a run under GPU shares: every key of their
//! summary.json and every column of their timeseries.csv is declared in the registry with the
//! right shape, every declaration is produced by one of them, and a key appears only when its
//! declared condition holds. The README's metric tables are the registry's, generated.
//!
//! To regenerate the README's tables after changing the registry:
//! `AIDC_BLESS=1 cargo test --release --test aidc registry::`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::*;
use aidc::engine::{RunOptions, run_to_dir};
use aidc::metrics::registry::{self, Shape, When};
use serde_json::Value;

/// Every feature at once on 256 calibrated H100 for 3 days across a month end (two months of
/// PUE and demand charges); a profile `cal.json` is written into `dir`.
fn all_features(dir: &Path) -> String {
    let mut p = aidc::calibrate::Profile { format: aidc::calibrate::profile::FORMAT, tool: "test".into(), ..Default::default() };
    p.device.model = "Test device".into();
    p.fit.efficiency = 0.5;
    std::fs::write(dir.join("cal.json"), p.to_json()).unwrap();
    format!(
        r#"
name = "all-features"
[simulation]
horizon = "3d"
step = "30m"
seed = 7
start = "2025-01-30"
[site]
name = "All features"
location = "Shanghai"
climate = "shanghai"
grid = "shanghai"
[[accelerators]]
id = "H100-cal"
base = "H100-SXM"
calibration = "cal.json"
[[node_types]]
name = "n8"
accelerator = "H100-cal"
accelerators = 8
[[halls]]
name = "H"
cooling = {{ kind = "cold-plate" }}
[[halls.racks]]
count = 8
nodes = 4
node_type = "n8"
[facility]
pue_limit = "east-hub"
[[workload.classes]]
name = "llm"
kind = "pretrain"
rate = "4/d"
size = {{ dist = "fixed", value = 32 }}
work = {{ params = "7B", tokens = "5B", precision = "bf16", mfu = 0.4 }}
[[workload.classes]]
name = "batch"
kind = "batch-inference"
rate = "30/d"
size = {{ dist = "fixed", value = 8 }}
[[services]]
name = "chat"
peak_rate = "200/s"
[workload.trace]
file = "{TRACES}/acme.csv"
format = "acme"
[scheduler]
policy = "priority"
preemption = true
[network]
fabric = "rail-optimized"
[failures]
spares = 1
[storage]
[grid]
cap = "150kW"
pv_peak = "50kW"
[grid.deferral]
classes = ["batch"]
deadline = "12h"
signal = "price"
[grid.battery]
capacity_kwh = 500.0
power = "100kW"
efficiency = 0.9
policy = "arbitrage"
[finance]
voucher_share = 0.1
electricity_subsidy_cny_per_kwh = 0.05
"#
    )
}

/// Pods sharing GPUs (an Alibaba v2023 pod list on its node list): no facility, no grid.
fn gpu_shares() -> String {
    format!(
        "name = \"pods\"\n[simulation]\nhorizon = \"1h\"\nstep = \"10m\"\n[cluster]\nnode_list = \"{TRACES}/one_t4.csv\"\n\
         [workload.trace]\nfile = \"{TRACES}/pods_share.csv\"\nformat = \"alibaba-v2023\"\n"
    )
}

/// The leaves of a JSON value with dotted keys; array elements under `[]`.
fn flatten<'a>(v: &'a Value, key: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                flatten(x, if key.is_empty() { k.clone() } else { format!("{key}.{k}") }, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| flatten(x, format!("{key}[]"), out)),
        _ => out.push((key, v)),
    }
}

/// Whether a JSON value has the declared shape.
fn fits(shape: Shape, v: &Value) -> bool {
    match shape {
        Shape::Num => v.is_f64() || v.is_null(),
        Shape::Int => v.is_u64(),
        Shape::Str => v.is_string(),
        Shape::Bool => v.is_boolean(),
        Shape::Percentiles | Shape::Range | Shape::KaplanMeier => false,
    }
}

/// A run's summary.json and timeseries.csv header and rows.
fn run(text: &str, dir: &Path, name: &str) -> (Value, Vec<Vec<String>>) {
    let sc = from_text(text, dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = dir.join(name);
    run_to_dir(&sc, &out, &RunOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let summary = summary_json(&out);
    (summary, csv_rows(&out.join("timeseries.csv")))
}

/// "path" or "path.field": one declared value.
fn declared_values() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for e in registry::summary() {
        let fields = e.shape.fields();
        if fields.is_empty() {
            all.insert(e.path.to_string());
        }
        for f in fields {
            all.insert(format!("{}.{}", e.path, f.name));
        }
    }
    all
}

#[test]
fn every_key_and_column_is_declared_and_every_declaration_is_produced() {
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        ("all-features", run(&all_features(dir.path()), dir.path(), "all"), true),
        ("gpu-shares", run(&gpu_shares(), dir.path(), "pods"), false),
    ];
    let mut seen = BTreeSet::new();
    let mut columns_seen = BTreeSet::new();
    for (name, (summary, rows), full) in &runs {
        let mut leaves = Vec::new();
        flatten(summary, String::new(), &mut leaves);
        let mut entries_here = BTreeSet::new();
        for (key, v) in &leaves {
            let l = registry::find(key).unwrap_or_else(|| panic!("{name}: summary key {key} is not in the metrics registry"));
            assert!(!l.whole, "{name}: {key} is declared as several values but holds one");
            assert!(fits(l.shape(), v), "{name}: {key} = {v} is not a {:?}", l.shape());
            let value = match l.field {
                Some(f) => format!("{}.{}", l.entry.path, f.name),
                None => l.entry.path.to_string(),
            };
            seen.insert(value);
            entries_here.insert(l.entry.path);
            // A key appears only when its condition holds: the GPU-share run has a trace and
            // nothing else.
            if !full {
                assert!(
                    matches!(l.entry.when, When::Always | When::WithTrace | When::GpuShares),
                    "{name}: {key} is declared {:?}",
                    l.entry.when
                );
            }
        }
        for e in registry::summary().filter(|e| e.when == When::Always) {
            assert!(entries_here.contains(e.path), "{name}: {} is declared to appear always but is missing", e.path);
        }
        // The header is the registry's, and every row has a value per column.
        let header = rows[0].join(",");
        assert_eq!(header, registry::timeseries_header(*full, *full), "{name}");
        assert!(rows.len() > 2 && rows.iter().all(|r| r.len() == rows[0].len()), "{name}: a row with a missing or extra value");
        columns_seen.extend(rows[0].iter().cloned());
    }
    let missing: Vec<String> = declared_values().difference(&seen).cloned().collect();
    assert!(missing.is_empty(), "declared but produced by no run of this test: {missing:?}");
    let missing: Vec<&str> = registry::timeseries().iter().map(|c| c.path).filter(|c| !columns_seen.contains(*c)).collect();
    assert!(missing.is_empty(), "declared timeseries columns produced by no run: {missing:?}");
}

const BEGIN: &str = "<!-- metrics registry: begin (generated; AIDC_BLESS=1 cargo test --test aidc registry:: rewrites it) -->\n";
const END: &str = "<!-- metrics registry: end -->";

#[test]
fn the_readme_metric_tables_are_the_registry() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(BEGIN).expect("README.md has the metrics registry's begin marker") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("README.md has the metrics registry's end marker");
    let want = registry::markdown();
    if readme[start..end] == want {
        return;
    }
    if std::env::var_os("AIDC_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{}{want}{}", &readme[..start], &readme[end..])).unwrap();
        eprintln!("README.md: metric tables regenerated from the registry");
        return;
    }
    let (have, want) = (readme[start..end].lines().collect::<Vec<_>>(), want.lines().collect::<Vec<_>>());
    let first = have.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(have.len().min(want.len()));
    panic!(
        "README.md's metric tables differ from the metrics registry at their line {}:\n  README:   {}\n  registry: {}\n\
         regenerate them with AIDC_BLESS=1 cargo test --release --test aidc registry::",
        first + 1,
        have.get(first).unwrap_or(&"(end)"),
        want.get(first).unwrap_or(&"(end)")
    );
}
