//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use aidc::scenario::Scenario;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads a ready scenario by file name.
pub fn ready(name: &str) -> Scenario {
    aidc::scenario::load(&root().join("scenarios").join(name)).expect("ready scenario loads")
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

/// Reads a CSV into rows of fields (header first).
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path).expect("csv readable").lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
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
