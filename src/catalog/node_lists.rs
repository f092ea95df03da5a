//! GPU models named by public node lists and the catalog accelerators they map to, with the
//! reasons in the table of [`crate::scenario::node_list`].

/// Default accelerator per model of the Alibaba node list (see the table of [`crate::scenario::node_list`]).
pub const DEFAULT_MODELS: [(&str, &str); 8] = [
    ("A10", "A10"),
    ("G1", "A10"),
    ("G2", "A10"),
    ("G3", "A10"),
    ("P100", "P100-PCIe-16GB"),
    ("T4", "T4"),
    ("V100M16", "V100-SXM2-16GB"),
    ("V100M32", "V100-SXM2-32GB"),
];

/// Models whose default mapping is an assumption (anonymised in the trace).
pub const ASSUMED_MODELS: [&str; 3] = ["G1", "G2", "G3"];
