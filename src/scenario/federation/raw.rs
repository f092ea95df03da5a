//! The raw schema of a federation file, as written: `[federation]`, `[[regions]]`, `[[sites]]`
//! (each a `path` to a scenario or an inline `[sites.scenario]`), `[wan]` with its links, and the
//! `[[classes]]` that may move.
//!
//! ## How it works
//! Plain serde structs with `deny_unknown_fields`, so a misspelt key is refused. Besides names,
//! values are optional here and take their defaults (named in each field's doc) when
//! [`super::resolve`] builds the [`crate::config::federation::Federation`]. Serializing skips
//! absent values, so [`super::to_toml`] writes only the fields it fills.

use serde::{Deserialize, Serialize};

use crate::scenario::raw::RawScenario;
use crate::scenario::units::{BandwidthBps, Bytes, DurationMs};

/// A federation file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFederationFile {
    /// Name, horizon, step, seed and dispatcher.
    pub federation: RawFederation,
    /// Regions (hubs): where sites, users and data are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RawRegion>,
    /// The sites.
    #[serde(default)]
    pub sites: Vec<RawFedSite>,
    /// The WAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wan: Option<RawWan>,
    /// Classes that may move (by label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<RawMobility>,
}

/// `[federation]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFederation {
    /// Short name; names the default output folder.
    pub name: String,
    /// What it models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Simulated span of every site [default: the first site's].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<DurationMs>,
    /// Sampling step of every site and the dispatcher's period [default: the first site's].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<DurationMs>,
    /// The dispatcher's period [default: 1 min, or the step where shorter].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_every: Option<DurationMs>,
    /// Seed: site i gets seed + i [default: each site keeps its own].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The global dispatcher [default: least-loaded].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatcher: Option<String>,
    /// Weights of the weighted dispatcher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<RawWeights>,
    /// Also run the local-only baseline [default: true unless the dispatcher is local-only].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<bool>,
}

/// `[federation.weights]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeights {
    /// Energy and WAN cost [default 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Carbon [default 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon: Option<f64>,
    /// Expected delay [default 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<f64>,
}

/// `[[regions]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    /// Name.
    pub name: String,
    /// A climate of the catalog whose coordinates place the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub climate: Option<String>,
    /// Latitude, degrees north.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude, degrees east.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// `[[sites]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFedSite {
    /// Name (its output subfolder).
    pub name: String,
    /// Its region [default: a region of its own, placed by its climate].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Its scenario file, relative to the federation file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Its scenario, inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Box<RawScenario>>,
}

/// `[wan]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWan {
    /// Join every pair of regions not listed in `links` with a distance-based link [default:
    /// true]; false with no links cuts the WAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_links: Option<bool>,
    /// Capacity of default links [default: 100Gbps].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<BandwidthBps>,
    /// Price of traffic on default links, CNY/GB [default: 0.5].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_cny_per_gb: Option<f64>,
    /// Round-trip time from users to a site of their own region, ms [default: 5].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intra_region_rtt_ms: Option<f64>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<RawLink>,
}

/// `[[wan.links]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    /// The two regions it joins.
    pub between: Vec<String>,
    /// Round-trip time, ms [default: from the distance].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// Capacity [default: the WAN's].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<BandwidthBps>,
    /// Price of traffic, CNY/GB [default: the WAN's].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_cny_per_gb: Option<f64>,
}

/// `[[classes]]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMobility {
    /// Class label (in every site that has it).
    pub name: String,
    /// Whether it may run away from home [default: true].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<bool>,
    /// Data a job reads [default: 0].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Bytes>,
    /// Data a job writes [default: 0].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Bytes>,
    /// Most round-trip time from its users to the site that runs it, ms [default: none].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_bound_ms: Option<f64>,
}
