//! Catalogs of equipment read from `assets/`: today the accelerator catalog.
//!
//! The built-in catalog is compiled into the binary (`include_str!`), so `aidc` runs from any
//! folder; a scenario can add or override devices inline with the same schema.

mod accelerators;

pub use accelerators::{AcceleratorSpec, Catalog, CatalogError, PRECISIONS, Precisions};
