//! Inference services across sites: a site's service whose class is mobile may run replicas in
//! every site within its latency bound of its users (the site's region), and its requests are
//! split among them. The split is static over the run: each candidate's share is its installed
//! accelerators over the candidates' (least-loaded, cheapest-energy, greenest and weighted
//! dispatchers), or all at home (local-only; latency-bounded, whose nearest site is home).
//! Each site then runs its share as an ordinary `[[services]]` entry (its own autoscaler and
//! M/M/c latency model, [`crate::model::services`]); a share away from home is named
//! `<service>@<home site>`.

use crate::config::Scenario;
use crate::config::federation::{DispatcherKind, Federation};

/// Where one service's requests go.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRoute {
    /// The service.
    pub service: String,
    /// Its home site (where its users are).
    pub home: usize,
    /// A site that serves it.
    pub site: usize,
    /// Share of its requests served there.
    pub share: f64,
    /// Round-trip time from its users to that site, ms.
    pub rtt_ms: f64,
}

/// The sites' scenarios with mobile services split by `kind`, and the routes.
pub fn route(fed: &Federation, kind: DispatcherKind) -> (Vec<Scenario>, Vec<ServiceRoute>) {
    let mut scenarios: Vec<Scenario> = fed.sites.iter().map(|s| s.scenario.clone()).collect();
    let mut routes = Vec::new();
    for (h, home) in fed.sites.iter().enumerate() {
        for (k, svc) in home.scenario.services.iter().enumerate() {
            let here = fed.rtt_ms(home.region, home.region).unwrap_or(0.0);
            let mobility = fed.mobility(&svc.name).filter(|m| m.mobile);
            let split = matches!(
                kind,
                DispatcherKind::LeastLoaded | DispatcherKind::CheapestEnergy | DispatcherKind::Greenest | DispatcherKind::Weighted
            );
            let candidates: Vec<(usize, f64)> = match mobility.filter(|_| split) {
                None => vec![(h, here)],
                Some(m) => {
                    let bound = m.latency_bound_ms.unwrap_or(f64::INFINITY);
                    (0..fed.sites.len())
                        .filter_map(|j| fed.rtt_ms(home.region, fed.sites[j].region).filter(|&r| r <= bound).map(|r| (j, r)))
                        .collect()
                }
            };
            let total: f64 = candidates.iter().map(|&(j, _)| fed.sites[j].scenario.accelerators() as f64).sum();
            for &(j, rtt) in &candidates {
                let share = if candidates.len() == 1 || total <= 0.0 {
                    1.0 / candidates.len() as f64
                } else {
                    fed.sites[j].scenario.accelerators() as f64 / total
                };
                routes.push(ServiceRoute { service: svc.name.clone(), home: h, site: j, share, rtt_ms: rtt });
                if candidates.len() == 1 {
                    continue;
                }
                if j == h {
                    scenarios[h].services[k].peak_rate_per_s = svc.peak_rate_per_s * share;
                } else {
                    let mut copy = svc.clone();
                    copy.name = format!("{}@{}", svc.name, home.name);
                    copy.peak_rate_per_s = svc.peak_rate_per_s * share;
                    copy.min_replicas = 0;
                    // The same device where the site has it; else any.
                    copy.device = svc.device.and_then(|d| {
                        let id = &home.scenario.devices[d].spec.id;
                        scenarios[j].devices.iter().position(|x| &x.spec.id == id)
                    });
                    scenarios[j].services.push(copy);
                }
            }
        }
    }
    (scenarios, routes)
}
