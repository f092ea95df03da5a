//! Catalogs read from `assets/`: accelerators, climate normals and grid emission factors.
//!
//! The built-in catalog is compiled into the binary (`include_str!`), so `aidc` runs from any
//! folder; a scenario can add or override devices inline with the same schema.

mod accelerators;
pub mod climates;

pub use accelerators::{AcceleratorSpec, Catalog, CatalogError, PRECISIONS, Precisions};
pub use climates::{ClimateSpec, GridSpec};
