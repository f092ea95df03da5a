//! Catalogs: accelerators, server platforms, climate normals and grid emission factors read from `assets/`, and
//! the tables of defaults a scenario falls back on (job kinds and their class defaults, PSU
//! efficiency curves, fabric equipment), each with its unit and source.
//!
//! The built-in catalog is compiled into the binary (`include_str!`), so `aidc` runs from any
//! folder; a scenario can add or override devices inline with the same schema.

mod accelerators;
pub mod classes;
pub mod climates;
pub mod failures;
pub mod finance;
pub mod network;
pub mod node_lists;
pub mod platforms;
pub mod psu;
pub mod tariffs;

pub use accelerators::{AcceleratorSpec, Catalog, CatalogError, MAX_PART_W, PRECISIONS, Precisions};
pub use classes::ClassKind;
pub use climates::{ClimateSpec, GridSpec};
pub use platforms::{PlatformSpec, Platforms};
