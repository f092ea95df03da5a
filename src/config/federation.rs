//! A federation (`aidc run federation.toml`): several sites on one clock, the regions where
//! their users and data are, the WAN between regions, which job classes may move, and the
//! global dispatcher that places them. Resolved by [`crate::scenario::federation`].

use std::path::PathBuf;

use super::Scenario;

/// A resolved federation.
#[derive(Debug, Clone)]
pub struct Federation {
    /// Short name.
    pub name: String,
    /// What it models.
    pub description: Option<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// Simulated span of every site, ms.
    pub horizon_ms: u64,
    /// Sampling step of every site (and the dispatcher's period), ms.
    pub step_ms: u64,
    /// The dispatcher's period: jobs drawn between two of its ticks wait for the next, ms.
    pub dispatch_every_ms: u64,
    /// Seed (each site's streams are drawn from it and the site's index).
    pub seed: u64,
    /// The sites, in file order.
    pub sites: Vec<FedSite>,
    /// Regions (hubs) where sites, users and data are.
    pub regions: Vec<Region>,
    /// WAN links between regions.
    pub links: Vec<Link>,
    /// Round-trip time between a region's users and a site in the same region, ms.
    pub intra_region_rtt_ms: f64,
    /// How each class may move, by class label.
    pub classes: Vec<Mobility>,
    /// The global dispatcher.
    pub dispatcher: DispatcherKind,
    /// Weights of the `weighted` dispatcher.
    pub weights: Weights,
    /// Also run the local-only baseline and report the difference.
    pub baseline: bool,
}

/// One site of a federation: a full center.
#[derive(Debug, Clone)]
pub struct FedSite {
    /// Name (its output subfolder: `sites/<name>/`).
    pub name: String,
    /// Its region, index into [`Federation::regions`].
    pub region: usize,
    /// The center, resolved as a scenario of its own (horizon, step and seed set by the
    /// federation).
    pub scenario: Scenario,
    /// Where its scenario came from (`path = ...`), or None when written inline.
    pub path: Option<PathBuf>,
}

/// A region: a hub or city where sites, users and data are.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Name.
    pub name: String,
    /// Latitude, degrees north.
    pub latitude: f64,
    /// Longitude, degrees east.
    pub longitude: f64,
}

/// A WAN link between two regions (both directions share its capacity).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// One end, index into [`Federation::regions`].
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// Round-trip time, ms.
    pub rtt_ms: f64,
    /// Capacity shared by concurrent transfers, Gbit/s.
    pub bandwidth_gbps: f64,
    /// Price of traffic, CNY per GB carried.
    pub cost_cny_per_gb: f64,
    /// Whether the values came from the distance-based defaults.
    pub defaulted: bool,
}

/// How jobs of one class (by label, in every site that has it) may move.
#[derive(Debug, Clone, PartialEq)]
pub struct Mobility {
    /// Class label.
    pub class: String,
    /// Whether it may run away from its home site.
    pub mobile: bool,
    /// Data a job reads, carried from its home region before it can start away from home, GB.
    pub dataset_gb: f64,
    /// Data a job writes, carried back to its home region when it ends away from home, GB.
    pub result_gb: f64,
    /// Most round-trip time between its users' region and the site that runs it, ms (None: no
    /// bound).
    pub latency_bound_ms: Option<f64>,
}

/// The global dispatchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DispatcherKind {
    /// Every job runs where it arrived (the baseline).
    #[default]
    LocalOnly,
    /// The site with the least committed load per accelerator.
    LeastLoaded,
    /// The site where the job's energy (price now x its expected energy) plus its WAN traffic
    /// costs least, among those with room now.
    CheapestEnergy,
    /// The site with the lowest grid carbon intensity now, among those with room now.
    Greenest,
    /// The nearest site with room now (lowest round-trip time from the job's users).
    LatencyBounded,
    /// Weighted cost, carbon and wait.
    Weighted,
}

impl DispatcherKind {
    /// Every dispatcher, in the order of the documentation.
    pub const ALL: [DispatcherKind; 6] = [
        DispatcherKind::LocalOnly,
        DispatcherKind::LeastLoaded,
        DispatcherKind::CheapestEnergy,
        DispatcherKind::Greenest,
        DispatcherKind::LatencyBounded,
        DispatcherKind::Weighted,
    ];

    /// Name in files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            DispatcherKind::LocalOnly => "local-only",
            DispatcherKind::LeastLoaded => "least-loaded",
            DispatcherKind::CheapestEnergy => "cheapest-energy",
            DispatcherKind::Greenest => "greenest",
            DispatcherKind::LatencyBounded => "latency-bounded",
            DispatcherKind::Weighted => "weighted",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Result<DispatcherKind, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown dispatcher `{s}`: expected one of {}", Self::ALL.map(|k| k.name()).join(", ")))
    }
}

/// Weights of the `weighted` dispatcher (each term is normalised by its largest value over the
/// candidate sites, so the weights are dimensionless).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Energy and WAN cost.
    pub cost: f64,
    /// Carbon.
    pub carbon: f64,
    /// Expected delay: transfer plus queueing.
    pub wait: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { cost: 1.0, carbon: 1.0, wait: 1.0 }
    }
}

/// Default dispatcher period, ms: one minute (or the sampling step where shorter), the
/// refresh period of a typical cluster-monitoring pipeline. [assumption]
pub const DEFAULT_DISPATCH_EVERY_MS: u64 = 60_000;

/// Speed of light in standard single-mode fibre (ITU-T G.652, group index about 1.468), km/ms.
pub const FIBRE_KM_PER_MS: f64 = 204.0;

/// Route length over great-circle distance of long-haul fibre, dimensionless. [unverified:
/// typical figures of 1.3-1.6 for terrestrial routes, e.g. Bozkurt et al. 2017, "Why is the
/// Internet so slow?!", PAM]
pub const ROUTE_FACTOR: f64 = 1.5;

/// Round-trip time added by equipment (routers, DWDM, switching) on a long-haul path, ms.
/// [assumption: 1 ms; the 东数西算 plan's target for hub-to-hub RTT is 20 ms]
pub const EQUIPMENT_RTT_MS: f64 = 1.0;

/// Default capacity of a hub-to-hub link available to the federation, Gbit/s. [assumption: one
/// leased 100G wavelength]
pub const DEFAULT_BANDWIDTH_GBPS: f64 = 100.0;

/// Default price of inter-region traffic, CNY/GB. [unverified: list prices of cross-region data
/// transfer of Chinese public clouds, about 0.5-0.8 CNY/GB in 2024; a dedicated line is cheaper
/// per GB at high use]
pub const DEFAULT_COST_CNY_PER_GB: f64 = 0.5;

/// Default round-trip time from a region's users to a site in the same region, ms: the
/// "regional" tier (5 ms) of the seed reports' 1 / 5 / 20 ms latency tiers.
pub const DEFAULT_INTRA_REGION_RTT_MS: f64 = 5.0;

/// Great-circle distance between two points (haversine, mean Earth radius 6,371 km), km.
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// The default round-trip time between two regions: fibre along a route [`ROUTE_FACTOR`] times
/// the great-circle distance, both ways, plus [`EQUIPMENT_RTT_MS`], ms.
pub fn default_rtt_ms(a: &Region, b: &Region) -> f64 {
    let km = great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude);
    2.0 * km * ROUTE_FACTOR / FIBRE_KM_PER_MS + EQUIPMENT_RTT_MS
}

impl Federation {
    /// The link between two different regions, if any.
    pub fn link(&self, a: usize, b: usize) -> Option<usize> {
        self.links.iter().position(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
    }

    /// Round-trip time from users in region `from` to a site in region `to`, ms (None where no
    /// link joins them).
    pub fn rtt_ms(&self, from: usize, to: usize) -> Option<f64> {
        if from == to { Some(self.intra_region_rtt_ms) } else { self.link(from, to).map(|l| self.links[l].rtt_ms) }
    }

    /// The mobility of a class label (the default: stays home).
    pub fn mobility(&self, label: &str) -> Option<&Mobility> {
        self.classes.iter().find(|m| m.class == label)
    }

    /// Total accelerators over the sites.
    pub fn accelerators(&self) -> u64 {
        self.sites.iter().map(|s| s.scenario.accelerators()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn great_circle_of_a_known_pair() {
        // Shanghai (31.23 N, 121.47 E) to Beijing (39.90 N, 116.40 E): about 1,067 km.
        let d = great_circle_km(31.23, 121.47, 39.90, 116.40);
        assert!((d - 1067.0).abs() < 10.0, "{d}");
        assert_eq!(great_circle_km(30.0, 100.0, 30.0, 100.0), 0.0);
    }

    #[test]
    fn hub_rtt_defaults_meet_the_plan_order_of_magnitude() {
        let sh = Region { name: "sh".into(), latitude: 31.23, longitude: 121.47 };
        let ul = Region { name: "ul".into(), latitude: 41.03, longitude: 113.13 };
        let rtt = default_rtt_ms(&sh, &ul);
        // ~1,320 km: 2 x 1,320 x 1.5 / 204 + 1 = 20.4 ms.
        assert!((rtt - 20.4).abs() < 1.0, "{rtt}");
    }

    #[test]
    fn dispatcher_names_round_trip() {
        for k in DispatcherKind::ALL {
            assert_eq!(DispatcherKind::parse(k.name()), Ok(k));
        }
        assert!(DispatcherKind::parse("random").unwrap_err().contains("least-loaded"));
    }
}
