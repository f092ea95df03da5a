//! The global dispatchers: where a job that may move runs. Each sees a [`SiteView`] per site
//! (the state at the last sampling tick, plus what it placed since) and the candidate sites
//! the federation allows (the class exists there, the WAN joins the regions, the latency bound
//! holds), and picks one. The per-site schedulers then queue and start the job as any other.
//!
//! ## Rules
//! A site "has room now" when its in-service accelerators less those allocated, queued and
//! already placed there cover the job. Expected energy of a job at a site is
//! E = a x (P_design - P_idle) / N x u x d x PUE (a accelerators at utilization u for d hours;
//! the site's IT design and idle power over its N accelerators give the marginal power of one
//! busy accelerator). Ties go to the job's home site, then to the lower round-trip time, then
//! to the lower site index, so every choice is deterministic.

use crate::config::federation::{DispatcherKind, Weights};

/// A site as the dispatcher sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SiteView {
    /// Accelerators in service.
    pub in_service: u64,
    /// Accelerators allocated to running jobs.
    pub allocated: u64,
    /// Accelerators asked for by queued jobs.
    pub queued: u64,
    /// Accelerators of jobs placed here and not yet submitted (in transfer or placed this tick).
    pub placed: u64,
    /// Electricity price now, CNY/kWh (None without a `[grid]` tariff).
    pub price_cny_per_kwh: Option<f64>,
    /// Grid carbon intensity now, kg CO2/kWh.
    pub carbon_kg_per_kwh: f64,
    /// PUE over the last sampling interval (1 without a facility).
    pub pue: f64,
    /// Marginal IT power of one accelerator at full utilization, kW.
    pub kw_per_accelerator: f64,
}

impl SiteView {
    /// Accelerators committed: allocated, queued and placed.
    pub fn committed(&self) -> u64 {
        self.allocated + self.queued + self.placed
    }

    /// Whether `accelerators` more fit beside what is committed.
    pub fn has_room(&self, accelerators: u32) -> bool {
        self.committed() + accelerators as u64 <= self.in_service
    }

    /// Committed load per in-service accelerator with the job added.
    pub fn load_with(&self, accelerators: u32) -> f64 {
        (self.committed() + accelerators as u64) as f64 / self.in_service.max(1) as f64
    }

    /// Expected facility energy of a job here, kWh.
    pub fn energy_kwh(&self, job: &Ask) -> f64 {
        job.accelerators as f64 * self.kw_per_accelerator * job.utilization * job.hours * self.pue
    }
}

/// What the dispatcher knows of a job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ask {
    /// Its home site.
    pub home: usize,
    /// Accelerators.
    pub accelerators: u32,
    /// Expected run time, h.
    pub hours: f64,
    /// Utilization, 0-1.
    pub utilization: f64,
}

/// A site the job may go to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Site index.
    pub site: usize,
    /// Round-trip time from the job's users, ms.
    pub rtt_ms: f64,
    /// Expected time to carry its data there (0 at home), s.
    pub transfer_s: f64,
    /// Price of carrying its data there and its result back, CNY.
    pub wan_cny: f64,
}

/// A global dispatcher.
pub trait Dispatcher: Send {
    /// Its name in outputs.
    fn name(&self) -> &'static str;
    /// Picks one of `candidates` (never empty) for `job`; returns its position in `candidates`.
    fn choose(&self, job: &Ask, candidates: &[Candidate], sites: &[SiteView]) -> usize;
}

/// The dispatcher of a kind.
pub fn build(kind: DispatcherKind, weights: Weights) -> Box<dyn Dispatcher> {
    match kind {
        DispatcherKind::LocalOnly => Box::new(LocalOnly),
        DispatcherKind::LeastLoaded => Box::new(LeastLoaded),
        DispatcherKind::CheapestEnergy => Box::new(CheapestEnergy),
        DispatcherKind::Greenest => Box::new(Greenest),
        DispatcherKind::LatencyBounded => Box::new(Nearest),
        DispatcherKind::Weighted => Box::new(Weighted(weights)),
    }
}

/// The allowed candidate with the smallest key; ties to home, then lower RTT, then lower
/// index. None when no candidate is allowed.
fn argmin_where(job: &Ask, c: &[Candidate], allowed: impl Fn(&Candidate) -> bool, key: impl Fn(&Candidate) -> f64) -> Option<usize> {
    let rank = |x: &Candidate| (key(x), x.site != job.home, x.rtt_ms, x.site);
    let mut best: Option<(usize, (f64, bool, f64, usize))> = None;
    for (i, x) in c.iter().enumerate().filter(|(_, x)| allowed(x)) {
        let r = rank(x);
        let better =
            best.is_none_or(|(_, b)| r.0.total_cmp(&b.0).then(r.1.cmp(&b.1)).then(r.2.total_cmp(&b.2)).then(r.3.cmp(&b.3)).is_lt());
        if better {
            best = Some((i, r));
        }
    }
    best.map(|(i, _)| i)
}

/// The candidate with the smallest key (`c` is never empty).
fn argmin(job: &Ask, c: &[Candidate], key: impl Fn(&Candidate) -> f64) -> usize {
    argmin_where(job, c, |_| true, key).unwrap_or(0)
}

/// The candidate with the smallest key among those with room now, or among all when none has.
fn argmin_with_room(job: &Ask, c: &[Candidate], sites: &[SiteView], key: impl Fn(&Candidate) -> f64) -> usize {
    argmin_where(job, c, |x| sites[x.site].has_room(job.accelerators), &key).unwrap_or_else(|| argmin(job, c, &key))
}

/// Every job runs at home (the baseline); where home is not a candidate (its latency bound),
/// the nearest candidate.
struct LocalOnly;

impl Dispatcher for LocalOnly {
    fn name(&self) -> &'static str {
        "local-only"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], _: &[SiteView]) -> usize {
        c.iter().position(|x| x.site == job.home).unwrap_or_else(|| argmin(job, c, |x| x.rtt_ms))
    }
}

/// Home while it has room now (a move costs WAN traffic and time for nothing), else the least
/// committed load per in-service accelerator.
struct LeastLoaded;

impl Dispatcher for LeastLoaded {
    fn name(&self) -> &'static str {
        "least-loaded"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], sites: &[SiteView]) -> usize {
        if let Some(home) = c.iter().position(|x| x.site == job.home && sites[x.site].has_room(job.accelerators)) {
            return home;
        }
        argmin(job, c, |x| sites[x.site].load_with(job.accelerators))
    }
}

/// The least energy and WAN cost among the sites with room now (without a tariff, a site's
/// energy is priced as the dearest candidate's, so it is chosen only for room).
struct CheapestEnergy;

impl Dispatcher for CheapestEnergy {
    fn name(&self) -> &'static str {
        "cheapest-energy"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], sites: &[SiteView]) -> usize {
        let dearest = c.iter().filter_map(|x| sites[x.site].price_cny_per_kwh).fold(0.0, f64::max);
        argmin_with_room(job, c, sites, |x| {
            let s = &sites[x.site];
            s.price_cny_per_kwh.unwrap_or(dearest) * s.energy_kwh(job) + x.wan_cny
        })
    }
}

/// The least carbon (intensity now x the job's expected energy) among the sites with room now.
struct Greenest;

impl Dispatcher for Greenest {
    fn name(&self) -> &'static str {
        "greenest"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], sites: &[SiteView]) -> usize {
        argmin_with_room(job, c, sites, |x| sites[x.site].carbon_kg_per_kwh * sites[x.site].energy_kwh(job))
    }
}

/// The nearest site (lowest round-trip time from the job's users) with room now.
struct Nearest;

impl Dispatcher for Nearest {
    fn name(&self) -> &'static str {
        "latency-bounded"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], sites: &[SiteView]) -> usize {
        argmin_with_room(job, c, sites, |x| x.rtt_ms)
    }
}

/// w_cost cost / max cost + w_carbon carbon / max carbon + w_wait delay / max delay, where
/// delay = transfer + the job's run time times the site's overload (committed load above its
/// in-service accelerators, per accelerator): a proxy for queueing.
struct Weighted(Weights);

impl Dispatcher for Weighted {
    fn name(&self) -> &'static str {
        "weighted"
    }
    fn choose(&self, job: &Ask, c: &[Candidate], sites: &[SiteView]) -> usize {
        let dearest = c.iter().filter_map(|x| sites[x.site].price_cny_per_kwh).fold(0.0, f64::max);
        // (cost, carbon, delay h) of a candidate; each normalised by its largest value.
        let terms = |x: &Candidate| {
            let s = &sites[x.site];
            let kwh = s.energy_kwh(job);
            let cost = s.price_cny_per_kwh.unwrap_or(dearest) * kwh + x.wan_cny;
            let delay_h = x.transfer_s / 3600.0 + job.hours * (s.load_with(job.accelerators) - 1.0).max(0.0);
            (cost, s.carbon_kg_per_kwh * kwh, delay_h)
        };
        let (mc, mk, md) = c.iter().map(terms).fold((0.0, 0.0, 0.0), |m: (f64, f64, f64), t| (m.0.max(t.0), m.1.max(t.1), m.2.max(t.2)));
        let norm = |v: f64, m: f64| if m > 0.0 { v / m } else { 0.0 };
        let w = self.0;
        argmin(job, c, |x| {
            let t = terms(x);
            w.cost * norm(t.0, mc) + w.carbon * norm(t.1, mk) + w.wait * norm(t.2, md)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(in_service: u64, allocated: u64, price: f64, carbon: f64) -> SiteView {
        SiteView {
            in_service,
            allocated,
            queued: 0,
            placed: 0,
            price_cny_per_kwh: Some(price),
            carbon_kg_per_kwh: carbon,
            pue: 1.2,
            kw_per_accelerator: 1.0,
        }
    }

    fn cands(n: usize) -> Vec<Candidate> {
        (0..n).map(|i| Candidate { site: i, rtt_ms: 5.0 + 10.0 * i as f64, transfer_s: 0.0, wan_cny: 0.0 }).collect()
    }

    const JOB: Ask = Ask { home: 0, accelerators: 8, hours: 10.0, utilization: 1.0 };

    #[test]
    fn local_only_keeps_home() {
        let sites = [site(16, 16, 1.0, 0.5), site(64, 0, 0.3, 0.1)];
        assert_eq!(build(DispatcherKind::LocalOnly, Weights::default()).choose(&JOB, &cands(2), &sites), 0);
    }

    #[test]
    fn least_loaded_picks_the_emptier_site_and_prefers_home_on_ties() {
        let sites = [site(16, 12, 1.0, 0.5), site(64, 0, 1.0, 0.5)];
        assert_eq!(build(DispatcherKind::LeastLoaded, Weights::default()).choose(&JOB, &cands(2), &sites), 1);
        // Home with room keeps the job, even where another site is emptier.
        let roomy = [site(16, 8, 1.0, 0.5), site(64, 0, 1.0, 0.5)];
        assert_eq!(build(DispatcherKind::LeastLoaded, Weights::default()).choose(&JOB, &cands(2), &roomy), 0);
        let even = [site(16, 0, 1.0, 0.5), site(16, 0, 1.0, 0.5)];
        assert_eq!(build(DispatcherKind::LeastLoaded, Weights::default()).choose(&JOB, &cands(2), &even), 0);
    }

    #[test]
    fn cheapest_and_greenest_only_among_sites_with_room() {
        // Site 1 is cheapest and greenest but full; site 2 has room and beats home.
        let sites = [site(16, 0, 1.0, 0.6), site(16, 16, 0.2, 0.1), site(16, 0, 0.4, 0.3)];
        let c = cands(3);
        assert_eq!(build(DispatcherKind::CheapestEnergy, Weights::default()).choose(&JOB, &c, &sites), 2);
        assert_eq!(build(DispatcherKind::Greenest, Weights::default()).choose(&JOB, &c, &sites), 2);
        // WAN cost can outweigh the energy saving: 8 x 1 kW x 10 h x 1.2 = 96 kWh; 0.6 CNY/kWh
        // saved is 57.6 CNY, less than 100 CNY of traffic.
        let mut c2 = c.clone();
        c2[2].wan_cny = 100.0;
        assert_eq!(build(DispatcherKind::CheapestEnergy, Weights::default()).choose(&JOB, &c2, &sites), 0);
    }

    #[test]
    fn nearest_with_room() {
        let sites = [site(16, 16, 1.0, 0.5), site(16, 0, 1.0, 0.5), site(16, 0, 1.0, 0.5)];
        assert_eq!(build(DispatcherKind::LatencyBounded, Weights::default()).choose(&JOB, &cands(3), &sites), 1);
    }

    #[test]
    fn weighted_follows_its_weights() {
        // Site 1: cheap and green but overloaded; site 0: dear, dirty, empty.
        let mut busy = site(16, 16, 0.2, 0.1);
        busy.queued = 32;
        let sites = [site(16, 0, 1.0, 0.6), busy];
        let c = cands(2);
        let only = |cost, carbon, wait| build(DispatcherKind::Weighted, Weights { cost, carbon, wait }).choose(&JOB, &c, &sites);
        assert_eq!(only(1.0, 0.0, 0.0), 1);
        assert_eq!(only(0.0, 1.0, 0.0), 1);
        assert_eq!(only(0.0, 0.0, 1.0), 0);
    }
}
