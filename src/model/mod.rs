//! The models, one folder per subsystem: compute (equipment and IT load), workload (arrivals,
//! jobs and their lifecycle), scheduler (policies and placement), facility (power chain,
//! cooling, weather), thermal (caps on jobs), grid (prices, carbon, battery, power cap),
//! network, failures and services. A subsystem owns its state as World resources and
//! components, builds itself from the scenario, handles its own events and folds its own
//! summary sections; the engine knows only events, time and the order of the subsystems.

pub mod compute;
pub mod facility;
pub mod failures;
pub mod federation;
pub mod finance;
pub mod grid;
pub mod network;
pub mod scheduler;
pub mod services;
pub mod storage;
pub mod thermal;
pub mod workload;
