//! The end of a federation run: its sites' summaries and the loop's counters folded into
//! `federation.json` ([`FederationSummary`]).
//!
//! ## How it works
//! Totals add the sites' job counts, energies, costs and carbon; the utilisation is the
//! allocated accelerator-hours over the installed ones, and the wait the mean over every started
//! job (each site's mean weighted by its count). A site's carbon is its grid ledger's
//! location-based figure, else its facility's, else its IT energy at its grid's emission factor.
//! Conservation checks that every site's jobs add up and that every mobile job drawn arrived,
//! was refused for its latency bound, or is still in flight. With a baseline (the same run
//! local-only), `vs_baseline` is this run's totals minus the baseline's.

use super::{Counters, SiteCounts, SiteEnd};
use crate::config::Scenario;
use crate::config::federation::Federation;
use crate::engine::Summary;
use crate::model::federation::wan::Wan;
use crate::model::federation::{
    Conservation, Delta, FederationInfo, FederationSummary, LinkSummary, Moves, Route, ServiceFigures, SiteFigures, Totals, WanSummary,
};

/// The totals of a run from its sites' summaries.
fn totals_of(fed: &Federation, sites: &[SiteEnd], link_cost: &[f64]) -> Totals {
    let mut t = Totals::default();
    let (mut installed_h, mut alloc_h, mut wait_sum, mut started) = (0.0, 0.0, 0.0, 0u64);
    for (s, f) in sites.iter().map(|e| &e.summary).zip(&fed.sites) {
        t.jobs_submitted += s.jobs.submitted;
        t.jobs_completed += s.jobs.completed;
        t.jobs_rejected += s.jobs.rejected;
        t.jobs_queued_at_end += s.jobs.queued_at_end;
        wait_sum += s.jobs.wait_s.mean * s.jobs.wait_s.count as f64;
        started += s.jobs.wait_s.count;
        let inst = s.idle_capacity.accelerator_hours_installed;
        installed_h += inst;
        alloc_h += s.utilization.allocated_mean * inst;
        t.idle_accelerator_hours += s.idle_capacity.accelerator_hours_unallocated;
        t.it_energy_kwh += s.energy.it_kwh;
        let fac = s.energy.facility_kwh.unwrap_or(s.energy.it_kwh);
        t.facility_energy_kwh += fac;
        if let Some(cost) = &s.grid.cost {
            t.energy_cost_cny += cost.total_cny;
            t.priced_sites += 1;
        }
        t.carbon_t += carbon_t(s, &f.scenario);
    }
    t.utilization_allocated = if installed_h > 0.0 { alloc_h / installed_h } else { 0.0 };
    t.allocated_accelerator_hours = alloc_h;
    t.wait_mean_s = if started > 0 { wait_sum / started as f64 } else { 0.0 };
    t.wan_cost_cny = link_cost.iter().sum();
    if alloc_h > 0.0 {
        t.cost_cny_per_accelerator_hour = if t.priced_sites > 0 { (t.energy_cost_cny + t.wan_cost_cny) / alloc_h } else { 0.0 };
        t.energy_cost_cny_per_accelerator_hour = if t.priced_sites > 0 { t.energy_cost_cny / alloc_h } else { 0.0 };
        t.carbon_kg_per_accelerator_hour = t.carbon_t * 1000.0 / alloc_h;
    }
    t
}

/// A site's location-based carbon, t: the grid ledger's, else the facility's, else its IT
/// energy at its grid's factor.
fn carbon_t(s: &Summary, sc: &Scenario) -> f64 {
    if let Some(k) = &s.grid.carbon {
        return k.location_based_t;
    }
    if let Some(k) = s.facility.carbon_t {
        return k;
    }
    let factor = sc.emission_factor.or(sc.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh)).unwrap_or(0.0);
    s.energy.it_kwh * factor / 1000.0
}

/// The federation summary of a finished run (`baseline`: the local-only run's totals, if any).
#[allow(clippy::too_many_arguments)]
pub(super) fn fold(
    fed: &Federation,
    sites: &[SiteEnd],
    c: &Counters,
    w: &Wan,
    baseline: Option<Totals>,
    routes: &[crate::model::federation::services::ServiceRoute],
) -> FederationSummary {
    let summaries: Vec<&Summary> = sites.iter().map(|e| &e.summary).collect();
    let totals = totals_of(fed, sites, &c.link_cost);
    let vs_baseline = baseline.as_ref().map(|b| Delta {
        jobs_completed: totals.jobs_completed as i64 - b.jobs_completed as i64,
        wait_mean_s: totals.wait_mean_s - b.wait_mean_s,
        utilization_allocated: totals.utilization_allocated - b.utilization_allocated,
        idle_accelerator_hours: totals.idle_accelerator_hours - b.idle_accelerator_hours,
        facility_energy_kwh: totals.facility_energy_kwh - b.facility_energy_kwh,
        cost_cny: (totals.energy_cost_cny + totals.wan_cost_cny) - (b.energy_cost_cny + b.wan_cost_cny),
        carbon_t: totals.carbon_t - b.carbon_t,
        cost_cny_per_accelerator_hour: totals.cost_cny_per_accelerator_hour - b.cost_cny_per_accelerator_hour,
        energy_cost_cny_per_accelerator_hour: totals.energy_cost_cny_per_accelerator_hour - b.energy_cost_cny_per_accelerator_hour,
        carbon_kg_per_accelerator_hour: totals.carbon_kg_per_accelerator_hour - b.carbon_kg_per_accelerator_hour,
    });
    let figures = fed
        .sites
        .iter()
        .zip(sites)
        .map(|(f, e)| {
            let (s, SiteCounts { moved_in, moved_out, .. }) = (&e.summary, e.counts);
            let r = &fed.regions[f.region];
            SiteFigures {
                name: f.name.clone(),
                region: r.name.clone(),
                latitude: r.latitude,
                longitude: r.longitude,
                accelerators: s.capacity.accelerators,
                jobs_submitted: s.jobs.submitted,
                jobs_completed: s.jobs.completed,
                moved_out,
                moved_in,
                utilization_allocated: s.utilization.allocated_mean,
                idle_accelerator_hours: s.idle_capacity.accelerator_hours_unallocated,
                idle_fraction: s.idle_capacity.fraction_unallocated,
                wait_p50_s: s.jobs.wait_s.p50,
                wait_p95_s: s.jobs.wait_s.p95,
                it_energy_kwh: s.energy.it_kwh,
                facility_energy_kwh: s.energy.facility_kwh.unwrap_or(s.energy.it_kwh),
                pue: s.facility.pue.as_ref().map(|p| p.annual),
                energy_cost_cny: s.grid.cost.as_ref().map(|c| c.total_cny),
                carbon_t: carbon_t(s, &f.scenario),
            }
        })
        .collect();
    let in_flight: u64 = sites.iter().map(|e| e.counts.in_flight).sum();
    let arrived: u64 = sites.iter().map(|e| e.counts.arrived).sum();
    let jobs_add_up = summaries.iter().all(|s| {
        let j = &s.jobs;
        j.submitted == j.completed + j.failed + j.cancelled + j.rejected + j.running_at_end + j.queued_at_end + j.stopped
    });
    let conservation = Conservation {
        mobile_drawn: c.mobile_drawn,
        arrived,
        refused_for_bound: c.refused_for_bound,
        in_flight,
        ok: jobs_add_up && c.mobile_drawn == arrived + c.refused_for_bound + in_flight,
    };
    let links = fed
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let t = w.link_totals(i);
            LinkSummary {
                a: fed.regions[l.a].name.clone(),
                b: fed.regions[l.b].name.clone(),
                rtt_ms: l.rtt_ms,
                bandwidth_gbps: l.bandwidth_gbps,
                gb_ab: t.gb_ab,
                gb_ba: t.gb_ba,
                busy_fraction: if fed.horizon_ms > 0 { t.busy_ms / fed.horizon_ms as f64 } else { 0.0 },
                peak_concurrent: t.peak_concurrent as u64,
                cost_cny: c.link_cost[i],
            }
        })
        .collect();
    let services = routes
        .iter()
        .map(|r| {
            let name = if r.site == r.home { r.service.clone() } else { format!("{}@{}", r.service, fed.sites[r.home].name) };
            ServiceFigures {
                site: fed.sites[r.site].name.clone(),
                slo_attainment: summaries[r.site].services.get(&name).map_or(0.0, |v| v.slo_attainment),
                service: name,
                home: fed.sites[r.home].name.clone(),
                share: r.share,
                rtt_ms: r.rtt_ms,
            }
        })
        .collect();
    FederationSummary {
        federation: FederationInfo {
            name: fed.name.clone(),
            dispatcher: fed.dispatcher.name().to_string(),
            sites: fed.sites.len() as u64,
            regions: fed.regions.len() as u64,
            links: fed.links.len() as u64,
            accelerators: fed.accelerators(),
            horizon_s: fed.horizon_ms as f64 / 1000.0,
            step_s: fed.step_ms as f64 / 1000.0,
            dispatch_every_s: fed.dispatch_every_ms as f64 / 1000.0,
        },
        totals,
        baseline,
        vs_baseline,
        sites: figures,
        moves: Moves {
            placed: c.placed,
            moved: c.moved,
            no_site_within_bound: c.refused_for_bound,
            in_flight_at_end: in_flight,
            by_route: c
                .routes
                .iter()
                .map(|(&(a, b), &(jobs, ah, gb))| Route {
                    from: fed.sites[a].name.clone(),
                    to: fed.sites[b].name.clone(),
                    jobs,
                    accelerator_hours: ah,
                    dataset_gb: gb,
                })
                .collect(),
            transfer_s_mean: if c.delivered_moves > 0 { c.transfer_ms_sum / c.delivered_moves as f64 / 1000.0 } else { 0.0 },
            transfer_s_max: c.transfer_ms_max / 1000.0,
            dispatch_delay_s_mean: if c.placed > 0 { c.dispatch_delay_ms / c.placed as f64 / 1000.0 } else { 0.0 },
        },
        wan: WanSummary { gb: c.wan_gb, cost_cny: c.link_cost.iter().sum(), transfers: c.wan_transfers, links },
        services,
        conservation,
    }
}
