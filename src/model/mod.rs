//! The models, one module per domain: compute equipment, IT power, facility (power chain,
//! cooling, weather, thermal), grid coordination (prices, carbon, battery, caps), workload and
//! scheduling.
//! A model owns its components and parameters; the engine knows only events and time.

pub mod compute;
pub mod facility;
pub mod failures;
pub mod grid;
pub mod network;
pub mod power;
pub mod scheduler;
pub mod services;
pub mod workload;
