//! `[cluster] node_list`: node types, racks and a hall built from a list of real nodes, and the
//! `data:` file names that point into the shared data folder.
//!
//! ## How it works
//! The list (format "alibaba-v2023": sn, cpu_milli, memory_mib, gpu, model; alibaba/clusterdata
//! cluster-trace-gpu-v2023 `openb_node_list_gpu_node.csv`) is read row by row. Each distinct
//! (model, GPU count, CPU milli, memory MiB) is one node type, named like `V100M16-8gpu-64cpu-256gib`,
//! in order of first appearance; its accelerator is the catalog entry the model maps to. The nodes
//! of a type fill racks of `rack_nodes` (the last rack of a type holds the rest) in one hall; types
//! follow each other in order of first appearance. The expansion is an ordinary
//! `[[node_types]]` / `[[halls]]` schema, so it gets every node-type default of
//! [`super::resolve`] (host CPUs, memory, NICs, PSUs). The CPU milli and memory of each type
//! are kept in [`NodeList::capacity`] for placement by shares ([`crate::model::scheduler`]).
//!
//! ## Defaults and assumptions
//! The model map is [`crate::catalog::node_lists::DEFAULT_MODELS`]:
//!
//! | model | accelerator | why |
//! |---|---|---|
//! | P100 | P100-PCIe-16GB | the list's P100 servers hold 1-2 GPUs: PCIe cards |
//! | T4 | T4 | |
//! | V100M16 / V100M32 | V100-SXM2-16GB / -32GB | most V100 servers of the list hold 4-8 GPUs: SXM2 boards \[assumption\] |
//! | A10 | A10 | |
//! | G1, G2, G3 | A10 | **\[assumption\]** the models are anonymised in the trace; A10 (150 W) is a mid-range GPU of the same generation as the named ones. Set `models = { G2 = "..." }` to change it |
//!
//! `rack_nodes` defaults to 8 servers per rack **\[assumption\]**: the list gives no racks.
//! `data:REST` names a file of the shared data folder ([`super::input`]).

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{FieldPath, ScenarioError, Source, csv_error, csv_error_at};
use super::raw::{RawCluster, RawHall, RawNodeType, RawRackGroup, RawScenario};
use crate::catalog::Catalog;
use crate::catalog::node_lists::{ASSUMED_MODELS, DEFAULT_MODELS};
use crate::config::node_list::NodeList;

/// Default nodes per rack \[assumption\]: the node list names no racks.
pub const DEFAULT_RACK_NODES: u32 = 8;

/// Default hall name.
pub const DEFAULT_HALL: &str = "cluster";

/// One distinct node design of the list.
struct Kind {
    model: String,
    gpus: u32,
    cpu_milli: u32,
    memory_mib: u32,
    nodes: u32,
}

/// Reads the node list of `c` and returns `raw` with its node types and hall filled in, and the
/// [`NodeList`] to keep in the scenario.
pub fn expand(
    raw: &RawScenario,
    c: &RawCluster,
    src: &Source,
    dir: &Path,
    catalog: &Catalog,
) -> Result<(RawScenario, NodeList), ScenarioError> {
    let p = FieldPath::root("cluster");
    if !raw.node_types.is_empty() || !raw.halls.is_empty() {
        let which = if raw.node_types.is_empty() { "halls" } else { "node_types" };
        return Err(src.error(&FieldPath::root(which), "expected either [cluster] node_list or [[node_types]] and [[halls]], not both"));
    }
    let format = c.format.clone().unwrap_or_else(|| "alibaba-v2023".to_string());
    if format != "alibaba-v2023" {
        return Err(
            src.error(&p.key("format"), format!("expected \"alibaba-v2023\" (sn, cpu_milli, memory_mib, gpu, model), found {format:?}"))
        );
    }
    let rack_nodes = c.rack_nodes.unwrap_or(DEFAULT_RACK_NODES);
    if rack_nodes == 0 {
        return Err(src.error(&p.key("rack_nodes"), "expected at least 1 node per rack"));
    }
    let hall = c.hall.clone().unwrap_or_else(|| DEFAULT_HALL.to_string());
    let mut models: BTreeMap<String, String> = DEFAULT_MODELS.iter().map(|(m, a)| (m.to_string(), a.to_string())).collect();
    for (m, id) in c.models.iter().flatten() {
        let known =
            raw.accelerators.iter().any(|a| &a.id == id) || catalog.get(id).is_some_and(|s| s.tdp_w.is_some() && s.idle_w.is_some());
        if !known {
            return Err(src.error(
                &p.key("models").key(m),
                format!("expected a catalog accelerator with board and idle power, or an [[accelerators]] id, found {id:?}"),
            ));
        }
        models.insert(m.clone(), id.clone());
    }
    let file = super::input::locate(&c.node_list, dir).map_err(|e| src.error(&p.key("node_list"), e.to_string()))?;
    let kinds = read(&file, &models)?;
    let mut out = raw.clone();
    out.cluster = None;
    let mut racks = Vec::new();
    let mut capacity = Vec::new();
    let mut type_models = Vec::new();
    for k in &kinds {
        let mut name = format!("{}-{}gpu-{}cpu-{}gib", k.model, k.gpus, k.cpu_milli.div_ceil(1000), k.memory_mib.div_ceil(1024));
        if out.node_types.iter().any(|t| t.name == name) {
            // Designs that differ below a core or a GiB: keep names unique.
            name = format!("{name}-{}m-{}mib", k.cpu_milli, k.memory_mib);
        }
        out.node_types.push(RawNodeType {
            name: name.clone(),
            accelerator: Some(models[&k.model].clone()),
            accelerators: Some(k.gpus),
            ..Default::default()
        });
        let (full, rest) = (k.nodes / rack_nodes, k.nodes % rack_nodes);
        if full > 0 {
            racks.push(RawRackGroup { count: full, nodes: rack_nodes, node_type: name.clone(), ..Default::default() });
        }
        if rest > 0 {
            racks.push(RawRackGroup { count: 1, nodes: rest, node_type: name, ..Default::default() });
        }
        capacity.push((k.cpu_milli, k.memory_mib));
        type_models.push(k.model.clone());
    }
    out.halls.push(RawHall { name: hall.clone(), racks, cooling: c.cooling.clone() });
    let assumed = ASSUMED_MODELS
        .iter()
        .filter(|m| kinds.iter().any(|k| k.model == **m) && c.models.as_ref().is_none_or(|x| !x.contains_key(**m)))
        .map(|m| m.to_string())
        .collect();
    Ok((out, NodeList { file, format, models, rack_nodes, hall, capacity, type_models, assumed }))
}

/// The most distinct node designs a list may have (the Alibaba 2023 list has 15; each becomes a
/// node type and a placement pool).
pub const MAX_DESIGNS: usize = 4096;

/// The distinct node designs of a list, in order of first appearance, with their counts.
fn read(file: &Path, models: &BTreeMap<String, String>) -> Result<Vec<Kind>, ScenarioError> {
    let mut rdr = super::input::csv_reader(file)?;
    let header: Vec<String> = rdr.headers().map_err(|e| super::input::csv_failure(file, &e, true))?.iter().map(str::to_string).collect();
    let mut cols = [0usize; 4];
    for (i, name) in ["cpu_milli", "memory_mib", "gpu", "model"].iter().enumerate() {
        cols[i] = header.iter().position(|h| h == name).ok_or_else(|| {
            csv_error(
                file,
                Some(1),
                name,
                format!(
                    "the alibaba-v2023 node list needs column {name:?}; the header has: {}",
                    super::input::header_list(header.iter().map(String::as_str))
                ),
            )
        })?;
    }
    let mut kinds: Vec<Kind> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(super::input::csv_failure(file, &e, false)),
        }
        let line = rec.position().map(|p| p.line() as usize);
        let cell = |i: usize| rec.get(cols[i]).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("").trim();
        let num = |i: usize, lo: u64, hi: u64, what: &str| -> Result<u32, ScenarioError> {
            match cell(i).parse::<u64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v as u32),
                _ => Err(csv_error_at(
                    file,
                    line,
                    cols[i] + 1,
                    &header[cols[i]],
                    format!("expected {what} from {lo} to {hi}, found {:?}", cell(i)),
                )),
            }
        };
        let cpu_milli = num(0, 1, u32::MAX as u64, "CPU thousandths of a core")?;
        let memory_mib = num(1, 1, u32::MAX as u64, "memory in MiB")?;
        let gpus = num(2, 1, 64, "a GPU count")?;
        let model = cell(3);
        if !models.contains_key(model) {
            return Err(csv_error_at(
                file,
                line,
                cols[3] + 1,
                "model",
                format!(
                    "no accelerator for GPU model {model:?}; map it in the scenario: [cluster] models = {{ {model} = \"<catalog id>\" }} (known: {})",
                    models.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let designs = kinds.len();
        match kinds.iter_mut().find(|k| k.model == model && k.gpus == gpus && k.cpu_milli == cpu_milli && k.memory_mib == memory_mib) {
            Some(k) => k.nodes += 1,
            // Each design becomes a node type and a placement pool (searched linearly here).
            None if designs >= MAX_DESIGNS => {
                return Err(csv_error(
                    file,
                    line,
                    "row",
                    format!("more than {MAX_DESIGNS} distinct node designs (model, gpu, cpu_milli, memory_mib)"),
                ));
            }
            None => kinds.push(Kind { model: model.to_string(), gpus, cpu_milli, memory_mib, nodes: 1 }),
        }
    }
    if kinds.is_empty() {
        return Err(csv_error(file, None, "rows", "expected at least one node"));
    }
    Ok(kinds)
}
