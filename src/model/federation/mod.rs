//! Several sites on one clock: the WAN ([`wan`]), the global dispatchers ([`dispatcher`]) and
//! the federation's summary (`federation.json`). The engine runs the loop
//! (`crate::engine::federation`): every site advances to the dispatcher's next tick on its own
//! (sites do not interact between ticks), then the dispatcher places the jobs of mobile classes
//! drawn since the last tick, the WAN carries their data, and each lands in its site's event
//! queue when its data is there. A job's submission time stays its user's, so its wait counts
//! the dispatch delay (at most one dispatcher period) and the transfer.

pub mod dispatcher;
pub mod services;
pub mod wan;

use serde::{Deserialize, Serialize};

/// `federation.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FederationSummary {
    /// What ran.
    pub federation: FederationInfo,
    /// Totals over the sites, with this dispatcher.
    pub totals: Totals,
    /// The same federation with every job kept at home (None when not run, or when the
    /// dispatcher is local-only).
    pub baseline: Option<Totals>,
    /// This run less the baseline.
    pub vs_baseline: Option<Delta>,
    /// Each site.
    pub sites: Vec<SiteFigures>,
    /// Jobs the dispatcher placed.
    pub moves: Moves,
    /// The WAN.
    pub wan: WanSummary,
    /// Each site's inference services, with the round-trip time of their users.
    pub services: Vec<ServiceFigures>,
    /// Jobs and energy accounted across the sites.
    pub conservation: Conservation,
}

/// `federation` in federation.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FederationInfo {
    /// Name.
    pub name: String,
    /// The global dispatcher.
    pub dispatcher: String,
    /// Sites.
    pub sites: u64,
    /// Regions.
    pub regions: u64,
    /// WAN links.
    pub links: u64,
    /// Accelerators over the sites.
    pub accelerators: u64,
    /// Simulated span, s.
    pub horizon_s: f64,
    /// Sampling step, s.
    pub step_s: f64,
    /// The dispatcher's period, s.
    pub dispatch_every_s: f64,
}

/// Figures summed over the sites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Jobs submitted to the sites.
    pub jobs_submitted: u64,
    /// Jobs completed.
    pub jobs_completed: u64,
    /// Jobs refused (at a site, or with no site within their latency bound).
    pub jobs_rejected: u64,
    /// Jobs still queued at the horizon.
    pub jobs_queued_at_end: u64,
    /// Mean wait of started jobs, over all sites, s.
    pub wait_mean_s: f64,
    /// Allocated accelerator time over in-service accelerator time, over all sites.
    pub utilization_allocated: f64,
    /// In-service accelerator-hours left unallocated.
    pub idle_accelerator_hours: f64,
    /// Accelerator-hours allocated to jobs (the work delivered).
    pub allocated_accelerator_hours: f64,
    /// IT energy, kWh.
    pub it_energy_kwh: f64,
    /// Facility energy (sites without a facility count their IT energy), kWh.
    pub facility_energy_kwh: f64,
    /// Electricity cost of the sites with a `[grid]` tariff, CNY.
    pub energy_cost_cny: f64,
    /// Sites whose energy is priced (with a `[grid]` tariff).
    pub priced_sites: u64,
    /// Location-based carbon of the facility energy, t CO2.
    pub carbon_t: f64,
    /// WAN traffic price, CNY.
    pub wan_cost_cny: f64,
    /// Energy and WAN cost per allocated accelerator-hour, CNY (0 when nothing is priced).
    pub cost_cny_per_accelerator_hour: f64,
    /// Energy cost alone per allocated accelerator-hour, CNY (0 when nothing is priced).
    pub energy_cost_cny_per_accelerator_hour: f64,
    /// Carbon per allocated accelerator-hour, kg CO2.
    pub carbon_kg_per_accelerator_hour: f64,
}

/// This run less the baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// Jobs completed.
    pub jobs_completed: i64,
    /// Mean wait, s.
    pub wait_mean_s: f64,
    /// Allocated utilization, fraction.
    pub utilization_allocated: f64,
    /// Idle accelerator-hours.
    pub idle_accelerator_hours: f64,
    /// Facility energy, kWh.
    pub facility_energy_kwh: f64,
    /// Energy cost plus WAN cost, CNY.
    pub cost_cny: f64,
    /// Carbon, t CO2.
    pub carbon_t: f64,
    /// Energy and WAN cost per allocated accelerator-hour, CNY.
    pub cost_cny_per_accelerator_hour: f64,
    /// Energy cost alone per allocated accelerator-hour, CNY.
    pub energy_cost_cny_per_accelerator_hour: f64,
    /// Carbon per allocated accelerator-hour, kg CO2.
    pub carbon_kg_per_accelerator_hour: f64,
}

/// One site in federation.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteFigures {
    /// Name (outputs in `sites/<name>/`).
    pub name: String,
    /// Region.
    pub region: String,
    /// Latitude of its region, degrees north.
    pub latitude: f64,
    /// Longitude of its region, degrees east.
    pub longitude: f64,
    /// Accelerators installed.
    pub accelerators: u64,
    /// Jobs submitted there (its own and those placed there).
    pub jobs_submitted: u64,
    /// Jobs completed there.
    pub jobs_completed: u64,
    /// Jobs drawn there that the dispatcher sent elsewhere.
    pub moved_out: u64,
    /// Jobs from elsewhere that arrived there.
    pub moved_in: u64,
    /// Allocated utilization.
    pub utilization_allocated: f64,
    /// In-service accelerator-hours left unallocated.
    pub idle_accelerator_hours: f64,
    /// Idle share of in-service accelerator time.
    pub idle_fraction: f64,
    /// Median wait of started jobs, s.
    pub wait_p50_s: f64,
    /// 95th percentile wait of started jobs, s.
    pub wait_p95_s: f64,
    /// IT energy, kWh.
    pub it_energy_kwh: f64,
    /// Facility energy, kWh.
    pub facility_energy_kwh: f64,
    /// Annual PUE (None without a facility).
    pub pue: Option<f64>,
    /// Electricity cost (None without a `[grid]` tariff), CNY.
    pub energy_cost_cny: Option<f64>,
    /// Carbon, t CO2.
    pub carbon_t: f64,
}

/// `moves` in federation.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moves {
    /// Jobs of mobile classes the dispatcher placed (at home or away).
    pub placed: u64,
    /// Of those, placed away from home.
    pub moved: u64,
    /// Jobs with no site within their latency bound (refused).
    pub no_site_within_bound: u64,
    /// Placed jobs not yet at their site at the horizon (in transfer).
    pub in_flight_at_end: u64,
    /// Moved jobs by route.
    pub by_route: Vec<Route>,
    /// Time from submission to arrival at the site of moved jobs (dispatch delay plus
    /// transfer), s.
    pub transfer_s_mean: f64,
    /// The longest of those, s.
    pub transfer_s_max: f64,
    /// Mean wait for the dispatcher (submission to the next tick), s.
    pub dispatch_delay_s_mean: f64,
}

/// One route of moved jobs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Home site.
    pub from: String,
    /// Site that ran it.
    pub to: String,
    /// Jobs.
    pub jobs: u64,
    /// Accelerator-hours asked for (run time at full speed).
    pub accelerator_hours: f64,
    /// Datasets carried, GB.
    pub dataset_gb: f64,
}

/// `wan` in federation.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WanSummary {
    /// GB carried (datasets out, results back).
    pub gb: f64,
    /// Price of that traffic, CNY.
    pub cost_cny: f64,
    /// Transfers started.
    pub transfers: u64,
    /// Each link.
    pub links: Vec<LinkSummary>,
}

/// One WAN link in federation.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkSummary {
    /// One end (region).
    pub a: String,
    /// The other end.
    pub b: String,
    /// Round-trip time, ms.
    pub rtt_ms: f64,
    /// Capacity per direction, Gbit/s.
    pub bandwidth_gbps: f64,
    /// GB carried a to b.
    pub gb_ab: f64,
    /// GB carried b to a.
    pub gb_ba: f64,
    /// Share of the horizon with a transfer in flight (the busier direction).
    pub busy_fraction: f64,
    /// Most transfers in flight at once in one direction.
    pub peak_concurrent: u64,
    /// Price of its traffic, CNY.
    pub cost_cny: f64,
}

/// One site's share of an inference service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceFigures {
    /// Site that serves it.
    pub site: String,
    /// Service (as named in that site: `<service>@<home>` away from home).
    pub service: String,
    /// Its home site, where its users are.
    pub home: String,
    /// Share of its requests served at this site.
    pub share: f64,
    /// Round-trip time from its users to this site, ms.
    pub rtt_ms: f64,
    /// Share of the horizon with p95 latency within target.
    pub slo_attainment: f64,
}

/// `conservation` in federation.json: every job drawn by a mobile class is placed, refused or
/// in flight; every site's jobs add up; the totals are the sums of the sites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conservation {
    /// Jobs of mobile classes drawn at their home sites.
    pub mobile_drawn: u64,
    /// Of those, arrived at a site (submitted there, or refused by it).
    pub arrived: u64,
    /// Of those, refused for their latency bound.
    pub refused_for_bound: u64,
    /// Of those, still on the way at the horizon.
    pub in_flight: u64,
    /// Whether mobile_drawn = arrived + refused_for_bound + in_flight and every site's
    /// submitted = completed + rejected + failed + cancelled + stopped + running + queued.
    pub ok: bool,
}
