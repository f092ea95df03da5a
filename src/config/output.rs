//! What `[output]` asks of the recorders: which timeseries.csv columns, and how often a row.

/// The resolved `[output]` section (the default: every column at every sampling step).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputConfig {
    /// The timeseries.csv columns to write, in the file's order (registry order), by name;
    /// `None`: every column the scenario has.
    pub timeseries_columns: Option<Vec<String>>,
    /// One timeseries.csv row per this many sampling steps (1: every step). A row is the
    /// interval-weighted mean of the steps it covers (see the README, "Outputs").
    pub timeseries_every: u64,
}

impl Default for OutputConfig {
    /// Every column, every step.
    fn default() -> OutputConfig {
        OutputConfig { timeseries_columns: None, timeseries_every: 1 }
    }
}

impl OutputConfig {
    /// Whether this is the default (every column, every step).
    pub fn is_default(&self) -> bool {
        *self == OutputConfig::default()
    }
}
