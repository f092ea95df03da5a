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
