//! A cluster built from a node list (`[cluster]`): what the list was and what its nodes hold.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A cluster built from a node list.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeList {
    /// The CSV file.
    pub file: PathBuf,
    /// Its format ("alibaba-v2023").
    pub format: String,
    /// Every model -> accelerator id used (defaults and the scenario's), sorted by model.
    pub models: BTreeMap<String, String>,
    /// Nodes per rack.
    pub rack_nodes: u32,
    /// Hall name.
    pub hall: String,
    /// Per node type, in [`super::Scenario::node_types`] order: (CPU milli, memory MiB) of one node.
    pub capacity: Vec<(u32, u32)>,
    /// Per node type: the model name of the list (what a pod's `gpu_spec` names).
    pub type_models: Vec<String>,
    /// Models of the list mapped by an assumption (anonymised models left at their default).
    pub assumed: Vec<String>,
}
