//! Component classes that fail and their default failure and repair figures.
//!
//! Rates are derived from Meta's Llama 3 report (Dubey et al. 2024, "The Llama 3 Herd of Models",
//! §3.3.4, Table 5): 419 unexpected interruptions in a 54-day snapshot of pre-training on
//! 16,384 H100 GPUs (2,048 nodes of 8), i.e. 21.23 M GPU-hours and 2.654 M node-hours, about one
//! interruption every 3.1 h. Each count below is divided by the exposure of its unit
//! [rule of thumb: the report gives counts, the per-device rates are derived here].
//!
//! | class | unit | Table 5 causes (count) | default MTBF | default repair |
//! |---|---|---|---|---|
//! | `accelerator` | per accelerator | faulty GPU 148, SRAM 19, GPU system processor 17, thermal/sensor 6, silent data corruption 6 (196) | 108,000 h | 48 h [rule of thumb: swap a GPU tray] |
//! | `memory` | per accelerator | HBM3 72 | 295,000 h | 48 h [rule of thumb] |
//! | `node` | per node | host maintenance 32, SSD 3, PSU 3, chassis 2, IO board 2, CPU 2, DRAM 2 (46) | 57,700 h | 24 h [rule of thumb] |
//! | `network` | per node | switch/cable 35, NIC 7 (42) | 63,200 h | 4 h [rule of thumb: reseat or replace optics] |
//! | `software` | per node | software bug 54, NCCL watchdog 7, dependency 2 (63) | 42,100 h | 0 (the node stays up; the job restarts) |
//! | `rack` | per rack (power or cooling unit; all its nodes go down) | not in Table 5 | off | 8 h [rule of thumb] |
//!
//! Repair times are lognormal around these medians ([`crate::scenario::failures`]).

/// A component class that can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// The accelerator itself (per accelerator).
    Accelerator,
    /// Its on-package memory, HBM (per accelerator).
    Memory,
    /// The host: CPU, DRAM, disks, PSU, board (per node).
    Node,
    /// NIC, cable, optics or switch port (per node).
    Network,
    /// Software and collective timeouts: the job restarts, the node stays up (per node).
    Software,
    /// A power or cooling unit: every node of a rack goes down (per rack).
    Rack,
}

impl Component {
    /// Every class, in the order of streams, events and reports.
    pub const ALL: [Component; 6] =
        [Component::Accelerator, Component::Memory, Component::Node, Component::Network, Component::Software, Component::Rack];

    /// Name in scenario files, streams and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Component::Accelerator => "accelerator",
            Component::Memory => "memory",
            Component::Node => "node",
            Component::Network => "network",
            Component::Software => "software",
            Component::Rack => "rack",
        }
    }
}

/// Default (MTBF h, median repair h); MTBF infinite means off. See the table above.
pub fn defaults(c: Component) -> (f64, f64) {
    match c {
        Component::Accelerator => (108_000.0, 48.0),
        Component::Memory => (295_000.0, 48.0),
        Component::Node => (57_700.0, 24.0),
        Component::Network => (63_200.0, 4.0),
        Component::Software => (42_100.0, 0.0),
        Component::Rack => (f64::INFINITY, 8.0),
    }
}
