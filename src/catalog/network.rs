//! Default fabric equipment: switch radix, link and NIC speeds, the fast (NVLink) domain,
//! per-step latencies and switch and optic power. Each constant names its source; the
//! `[network]` table of [`crate::scenario::network`] lists them with the other defaults.

/// Default switch radix, ports.
pub const DEFAULT_RADIX: u32 = 64;

/// Default link and NIC speed, bits/s.
pub const DEFAULT_LINK_BPS: f64 = 400e9;

/// Default scalable unit of a rail-optimized fabric, nodes (BRIEF §7).
pub const DEFAULT_SU_NODES: u32 = 32;

/// Default fast-domain bandwidth per accelerator per direction, bits/s (NVLink 4: 450 GB/s).
pub const DEFAULT_DOMAIN_BPS: f64 = 450e9 * 8.0;

/// Default per-step latencies (domain, leaf, spine), s [rule of thumb].
pub const DEFAULT_LATENCY_S: [f64; 3] = [2e-6, 5e-6, 7e-6];

/// Default switch power without optics, W [rule of thumb].
pub const DEFAULT_SWITCH_W: f64 = 1100.0;

/// Default power of the optic of one used switch port, W [rule of thumb].
pub const DEFAULT_OPTIC_W: f64 = 9.0;
