//! Scenarios for tests: the ready ones loaded, text loaded as if it lived in a folder, a small
//! valid center to build on, and the round trip through the resolved form.

use std::path::Path;

use aidc::scenario::Scenario;

use super::ready_path;

/// Loads a ready scenario by file name.
pub fn ready(name: &str) -> Scenario {
    aidc::scenario::load(&ready_path(name)).expect("ready scenario loads")
}

/// Loads scenario text as if it lived in `dir`.
pub fn from_text(text: &str, dir: &Path) -> Result<Scenario, aidc::scenario::ScenarioError> {
    aidc::scenario::load_str(text, &dir.join("test.toml"))
}

/// A small valid scenario: `racks` racks of 2 nodes of 8 H100, with the given classes and policy.
pub fn small(racks: u32, classes: &str, policy: &str, horizon: &str) -> String {
    format!(
        r#"
name = "small"
[simulation]
horizon = "{horizon}"
step = "10m"
seed = 5
[[node_types]]
name = "n8"
accelerator = "H100-SXM"
accelerators = 8
[[halls]]
name = "H"
[[halls.racks]]
count = {racks}
nodes = 2
node_type = "n8"
{classes}
[scheduler]
policy = "{policy}"
"#
    )
}

/// Scenario `text` with `from` (which must occur exactly once) replaced by `to`.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "the scenario should hold {from:?} exactly once");
    text.replacen(from, to, 1)
}

/// Writes the resolved form of `sc` as `dir/name`, loads it back and asserts the same model
/// (the file it came from aside).
pub fn assert_round_trips(sc: &Scenario, dir: &Path, name: &str) {
    let text = aidc::scenario::unparse::to_toml(sc);
    let path = dir.join(name);
    std::fs::write(&path, &text).unwrap();
    let mut back = aidc::scenario::load(&path).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    back.file = sc.file.clone();
    assert_eq!(&back, sc, "{name}: resolved text:\n{text}");
}

/// A one-hall center with a facility, the template the facility tests share. `site` holds the
/// `[site]` lines (climate, elevation), `node` the node type's lines after its name, `classes`
/// the `[[workload.classes]]` tables and `facility` the `[facility]` lines.
pub struct OneHall<'a> {
    /// Scenario name.
    pub name: &'a str,
    /// `simulation.horizon`, `simulation.step`, `simulation.seed` and any further simulation lines.
    pub simulation: (&'a str, &'a str, u64, &'a str),
    /// `[site]` lines.
    pub site: &'a str,
    /// Node-type lines after `name = "n"`.
    pub node: &'a str,
    /// The hall's `cooling` value.
    pub cooling: &'a str,
    /// Racks of 4 nodes.
    pub racks: u32,
    /// Workload class tables.
    pub classes: &'a str,
    /// `[facility]` lines.
    pub facility: &'a str,
}

/// The scenario text of `h`.
pub fn one_hall(h: &OneHall) -> String {
    let OneHall { name, simulation: (horizon, step, seed, more), site, node, cooling, racks, classes, facility } = *h;
    format!(
        r#"
name = "{name}"
[simulation]
horizon = "{horizon}"
step = "{step}"
seed = {seed}
{more}
[site]
{site}
[[node_types]]
name = "n"
{node}
[[halls]]
name = "H"
cooling = {cooling}
[[halls.racks]]
count = {racks}
nodes = 4
node_type = "n"
{classes}
[facility]
{facility}
"#
    )
}

/// A pretraining class arriving at `rate` with jobs of `min`-`max` accelerators.
pub fn pretrain_class(rate: &str, min: u32, max: u32, longest: &str) -> String {
    format!(
        r#"[[workload.classes]]
name = "train"
kind = "pretrain"
rate = "{rate}"
size = {{ dist = "power2", min = {min}, max = {max}, alpha = 0.5 }}
duration = {{ dist = "lognormal", median = "2d", sigma = 0.8, max = "{longest}" }}"#
    )
}

/// Runs scenario text in memory (panicking with the error and the text when it does not parse).
pub fn run_text(text: &str) -> aidc::engine::Summary {
    let d = tempfile::tempdir().unwrap();
    let sc = from_text(text, d.path()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    aidc::engine::run_in_memory(&sc).0
}

/// Energy of one facility component of a run, kWh (0 when absent).
pub fn component_kwh(s: &aidc::engine::Summary, name: &str) -> f64 {
    s.energy.by_component_kwh.as_ref().and_then(|m| m.get(name).copied()).unwrap_or(0.0)
}
