//! Scenarios: TOML files that describe a center and its demand.
//!
//! ## How it works
//! [`load`] reads the file, deserializes it into [`raw::RawScenario`] (types and units only,
//! with the field path and span of any error), then [`resolve::resolve`] fills defaults, looks
//! up catalog devices, reads referenced files and checks every range, giving the
//! [`crate::config`] types (a [`Scenario`]) that the simulation trusts. [`unparse::to_toml`] writes a resolved scenario back with every
//! default spelled out; loading that text gives the same [`Scenario`]. [`edit`] changes a
//! document before it is resolved: swept values by path, and typed [`Overrides`].

pub mod bounds;
pub mod edit;
mod epw;
pub mod error;
pub mod failures;
pub mod federation;
pub mod finance;
pub mod grid;
pub mod input;
pub mod network;
pub mod node_list;
pub mod output;
mod overrides;
pub mod raw;
mod raw_facility;
mod raw_hardware;
mod raw_workload;
pub mod resolve;
pub mod resolve_facility;
mod resolve_hardware;
mod resolve_scheduler;
mod resolve_workload;
pub mod services;
pub mod storage;
mod trace;
mod trace_formats;
pub mod units;
pub mod unparse;

use std::path::Path;

pub use crate::config::Scenario;
pub use error::{Diagnostic, FieldPath, ScenarioError, Source};
pub use overrides::{AddedRacks, Overrides};
pub use resolve_scheduler::{DEFAULT_AGING_MS, DEFAULT_MAX_QUEUED, ignored_settings};
pub use resolve_workload::kind_defaults;

use crate::catalog::Catalog;

/// Loads, parses and resolves a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with(path, &Overrides::default())
}

/// Loads a scenario file with `overrides` applied to the document before it is resolved.
pub fn load_with(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let text = input::read_text(path, input::MAX_TEXT_BYTES).map_err(|source| ScenarioError::Io { path: path.to_path_buf(), source })?;
    load_str_with(&text, path, overrides)
}

/// Parses and resolves scenario text as if read from `path` (relative file references are taken
/// from its folder).
pub fn load_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    load_str_with(text, path, &Overrides::default())
}

/// [`load_str`] with `overrides` applied to the document before it is resolved. An error that
/// only the overrides cause (the document as written resolves) says so.
pub fn load_str_with(text: &str, path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let src = Source::new(path, text.to_string());
    let raw = parse(&src)?;
    let catalog = Catalog::builtin().map_err(|e| src.error(&FieldPath::default(), format!("built-in catalog: {e}")))?;
    match resolve::resolve_with(&raw, overrides, &src, &catalog) {
        Err(ScenarioError::Invalid(mut d)) if !overrides.is_empty() && resolve::resolve(&raw, &src, &catalog).is_ok() => {
            d.message = format!("{} (with {overrides}; the file as written is valid)", d.message);
            Err(ScenarioError::Invalid(d))
        }
        resolved => resolved,
    }
}

/// Deserializes the raw schema, mapping serde errors to located diagnostics.
pub fn parse(src: &Source) -> Result<raw::RawScenario, ScenarioError> {
    parse_as(src)
}

/// Deserializes a TOML file of any schema (a scenario, a sweep plan), mapping syntax and serde
/// errors to diagnostics located at the line, column and field.
pub fn parse_as<T: serde::de::DeserializeOwned>(src: &Source) -> Result<T, ScenarioError> {
    let de = toml::Deserializer::parse(&src.text).map_err(|e| {
        let mut msg = e.message().trim().to_string();
        // toml says "duplicate key" without the key: name it from the span.
        if let Some(key) = e.span().and_then(|s| src.text.get(s)).filter(|k| msg.starts_with("duplicate key") && !k.is_empty()) {
            msg = format!("{msg} `{}`", key.trim());
        }
        src.error_at(e.span(), "(syntax)".into(), format!("malformed TOML: {msg}"))
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = to_field_path(e.path());
        let inner = e.inner();
        let span = inner.span().or_else(|| src.span_of(&path));
        src.error_at(span, path.to_string(), inner.message().trim().to_string())
    })
}

fn to_field_path(p: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        p.iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(error::Seg::Index(*index)),
                Segment::Map { key } => Some(error::Seg::Key(key.clone())),
                Segment::Enum { variant } => Some(error::Seg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}
