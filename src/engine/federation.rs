//! Running a federation: every site is a [`Simulation`] of its own (its World, event queue,
//! sampling pipeline and output files), and all of them advance on one clock.
//!
//! ## How it works
//! The sites share the sampling ticks (one step for all) and the dispatcher's ticks (every
//! `dispatch_every`, 1 minute by default). Between two dispatcher ticks the sites do not
//! interact, so each runs its events (and its samples) up to the tick exactly as it would
//! alone. At each dispatcher tick the federation:
//! 1. reads each site's view (accelerators in service, allocated and queued, price and carbon
//!    now, PUE of the last interval);
//! 2. takes, site by site, the jobs of mobile classes drawn since the last tick and asks the
//!    dispatcher where each runs, among the sites that have its class, a WAN path from its
//!    home region and a round-trip time within its latency bound; each placement adds to the
//!    chosen site's committed load at once, so the next job of the same tick sees it;
//! 3. starts a WAN transfer for each job placed away from its home region (its dataset) and
//!    for each moved job that ended since the last tick (its result, carried home);
//! 4. advances the WAN to the next dispatcher tick and pushes each job's arrival (transfer done plus the
//!    one-way latency; at once for a job placed in its home region) into its site's queue.
//!
//! Everything runs on one thread in a fixed order (sites in file order, jobs in draw order),
//! so the outputs are byte-identical across reruns and thread counts. A site whose classes
//! cannot move (local-only, a cut WAN) never touches the dispatcher: it runs exactly as alone.

mod fold;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use super::{RunError, RunOptions, Simulation, Summary, io_at, write_json};
use crate::config::Scenario;
use crate::config::federation::{DispatcherKind, Federation};
use crate::model::compute::SiteLoad;
use crate::model::facility::FacilityModel;
use crate::model::federation::FederationSummary;
use crate::model::federation::dispatcher::{self, Ask, Candidate, Dispatcher, SiteView};
use crate::model::federation::wan::Wan;
use crate::model::grid::ledger::Ledger;
use crate::model::scheduler::Scheduling;
use crate::model::workload::{Arrivals, ClassTable, Drawn, Inbound};
use crate::output::{Kind, Marker};
use crate::time::Clock;
use crate::time::queue::Event;
use fold::fold;

/// Header of `moves.csv`.
pub const MOVES_HEADER: &str = "class,from_site,to_site,accelerators,submitted_s,dispatched_s,arrived_s,dataset_gb,transfer_s,wan_cost_cny";

/// A job placed away from its home region, until its result is home.
#[derive(Debug, Clone, Copy)]
struct Move {
    from: usize,
    to: usize,
    /// WAN direction home -> away (its result goes the other way).
    dir: usize,
    link: usize,
    mobility: usize,
    accelerators: u32,
    submit_ms: u64,
    dispatched_ms: u64,
    dataset_gb: f64,
    result_gb: f64,
}

/// A site in the loop.
struct Site<'a, W: Write + Send + Sync + 'static> {
    sim: Simulation<'a, W>,
    region: usize,
    /// Its class index for each mobility entry (None: it lacks the class).
    class_of: Vec<Option<u16>>,
    /// The mobility entry of each of its classes (None: it stays).
    mobility_of: Vec<Option<usize>>,
    kw_per_accelerator: f64,
    constant_carbon: f64,
    moved_in: u64,
    moved_out: u64,
    /// Wall time spent in this site's events and samples, s.
    wall_s: f64,
}

/// A site's federation counts at the end of the run.
#[derive(Debug, Clone, Copy)]
struct SiteCounts {
    moved_in: u64,
    moved_out: u64,
    /// Jobs placed there and not yet arrived.
    in_flight: u64,
    /// Jobs placed there that arrived.
    arrived: u64,
}

/// A finished site: its summary and its counts.
struct SiteEnd {
    summary: Summary,
    counts: SiteCounts,
}

impl<'a, W: Write + Send + Sync + 'static> Site<'a, W> {
    /// Its counts, its simulation (to finish) and its wall time.
    fn end(self) -> (SiteCounts, Simulation<'a, W>, f64) {
        let fed = &self.sim.world().resource::<Arrivals>().federated;
        let counts =
            SiteCounts { moved_in: self.moved_in, moved_out: self.moved_out, in_flight: fed.in_flight() as u64, arrived: fed.arrived };
        (counts, self.sim, self.wall_s)
    }
}

/// What the loop counted.
#[derive(Debug, Default)]
struct Counters {
    placed: u64,
    moved: u64,
    refused_for_bound: u64,
    mobile_drawn: u64,
    dispatch_delay_ms: f64,
    transfer_ms_sum: f64,
    transfer_ms_max: f64,
    delivered_moves: u64,
    routes: std::collections::BTreeMap<(usize, usize), (u64, f64, f64)>,
    link_cost: Vec<f64>,
    wan_gb: f64,
    wan_transfers: u64,
}

/// Runs a federation and writes federation.json, moves.csv, federation.resolved.toml and each
/// site's outputs under `sites/<name>/` into the existing folder `dir`.
pub fn run_federation_into(fed: &Federation, dir: &Path, opts: &RunOptions) -> Result<(FederationSummary, Vec<Summary>), RunError> {
    let sites_dir = dir.join("sites");
    std::fs::create_dir_all(&sites_dir).map_err(io_at(&sites_dir))?;
    let (scenarios, routes) = crate::model::federation::services::route(fed, fed.dispatcher);
    let mut sims = Vec::with_capacity(fed.sites.len());
    for (s, sc) in fed.sites.iter().zip(&scenarios) {
        let d = sites_dir.join(&s.name);
        std::fs::create_dir_all(&d).map_err(io_at(&d))?;
        let ts = d.join("timeseries.csv");
        let jobs = d.join("jobs.csv");
        let ts = BufWriter::with_capacity(1 << 16, File::create(&ts).map_err(io_at(&ts))?);
        let jobs = BufWriter::with_capacity(1 << 16, File::create(&jobs).map_err(io_at(&jobs))?);
        sims.push(Simulation::new(sc, ts, jobs).map_err(io_at(&d))?);
    }
    let moves_path = dir.join("moves.csv");
    let mut moves = BufWriter::new(File::create(&moves_path).map_err(io_at(&moves_path))?);
    writeln!(moves, "{MOVES_HEADER}").map_err(io_at(&moves_path))?;
    let bar = super::progress_bar(opts.progress, fed.horizon_ms);
    let kind = fed.dispatcher;
    let (sites, counters, wan) = simulate(fed, kind, sims, &mut moves, |t| bar.set_position(t / 1000)).map_err(io_at(dir))?;
    moves.flush().map_err(io_at(&moves_path))?;
    bar.finish_and_clear();
    let mut ends = Vec::with_capacity(sites.len());
    for ((s, site), sc) in fed.sites.iter().zip(sites).zip(&scenarios) {
        let d = sites_dir.join(&s.name);
        let (counts, sim, wall_s) = site.end();
        let (summary, _) = super::finish_into(sc, sim, &d, wall_s)?;
        Marker::listing(Kind::Run, &d).and_then(|m| m.write(&d).map_err(io::Error::other)).map_err(io_at(&d))?;
        ends.push(SiteEnd { summary, counts });
    }
    Marker::listing(Kind::Run, &sites_dir).and_then(|m| m.write(&sites_dir).map_err(io::Error::other)).map_err(io_at(&sites_dir))?;
    let baseline = if fed.baseline { Some(run_in_memory(fed, DispatcherKind::LocalOnly).0.totals) } else { None };
    let summary = fold(fed, &ends, &counters, &wan, baseline, &routes);
    write_json(&dir.join("federation.json"), &summary)?;
    let resolved = dir.join("federation.resolved.toml");
    std::fs::write(&resolved, crate::scenario::federation::to_toml(fed)).map_err(io_at(&resolved))?;
    Ok((summary, ends.into_iter().map(|e| e.summary).collect()))
}

/// Runs a federation with dispatcher `kind` in memory (rows discarded): for the baseline,
/// sweeps and tests. Returns the federation summary (without a baseline) and each site's.
pub fn run_in_memory(fed: &Federation, kind: DispatcherKind) -> (FederationSummary, Vec<Summary>) {
    let (scenarios, routes) = crate::model::federation::services::route(fed, kind);
    let sims = scenarios
        .iter()
        .map(|sc| match Simulation::new(sc, io::sink(), io::sink()) {
            Ok(sim) => sim,
            Err(_) => unreachable!("io::sink never fails"),
        })
        .collect();
    let Ok((sites, counters, wan)) = simulate(fed, kind, sims, &mut io::sink(), |_| {}) else { unreachable!("io::sink never fails") };
    let ends: Vec<SiteEnd> = sites
        .into_iter()
        .map(|site| {
            let (counts, sim, _) = site.end();
            match sim.finish(0.0) {
                Ok((summary, _, _, _)) => SiteEnd { summary, counts },
                Err(_) => unreachable!("io::sink never fails"),
            }
        })
        .collect();
    let summary = fold(fed, &ends, &counters, &wan, None, &routes);
    (summary, ends.into_iter().map(|e| e.summary).collect())
}

/// Prepares the sites' mobility: which of each site's classes go to the dispatcher. A class
/// moves only when it is mobile, the dispatcher is not local-only and some other site could
/// take it (it has the class and the WAN joins the regions, within the class's bound).
fn prepare<'a, W: Write + Send + Sync + 'static>(
    fed: &'a Federation,
    kind: DispatcherKind,
    sims: Vec<Simulation<'a, W>>,
) -> Vec<Site<'a, W>> {
    let labels: Vec<Vec<String>> = sims.iter().map(|s| s.world().resource::<ClassTable>().labels.clone()).collect();
    let class_of = |s: usize, m: usize| labels[s].iter().position(|l| *l == fed.classes[m].class).map(|i| i as u16);
    let mut out = Vec::with_capacity(sims.len());
    for (i, mut sim) in sims.into_iter().enumerate() {
        let site = &fed.sites[i];
        let home = site.region;
        let class_map: Vec<Option<u16>> = (0..fed.classes.len()).map(|m| class_of(i, m)).collect();
        let mobility_of: Vec<Option<usize>> = labels[i]
            .iter()
            .map(|l| {
                let m = fed.classes.iter().position(|x| &x.class == l && x.mobile)?;
                let bound = fed.classes[m].latency_bound_ms.unwrap_or(f64::INFINITY);
                let elsewhere = (0..fed.sites.len())
                    .filter(|&j| j != i && class_of(j, m).is_some())
                    .any(|j| fed.rtt_ms(home, fed.sites[j].region).is_some_and(|r| r <= bound));
                (kind != DispatcherKind::LocalOnly && elsewhere).then_some(m)
            })
            .collect();
        let sc: &Scenario = &site.scenario;
        let cap = super::capacity(sc);
        let kw = if cap.accelerators > 0 { (cap.it_design_kw - cap.it_idle_kw).max(0.0) / cap.accelerators as f64 } else { 0.0 };
        let constant_carbon = sc.emission_factor.or(sc.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh)).unwrap_or(0.0);
        {
            let mut arr = sim.world_mut().resource_mut::<Arrivals>();
            arr.federated.mobile = mobility_of.iter().map(Option::is_some).collect();
        }
        out.push(Site {
            sim,
            region: home,
            class_of: class_map,
            mobility_of,
            kw_per_accelerator: kw,
            constant_carbon,
            moved_in: 0,
            moved_out: 0,
            wall_s: 0.0,
        });
    }
    out
}

fn view<W: Write + Send + Sync + 'static>(s: &Site<W>) -> SiteView {
    let w = s.sim.world();
    let load = w.resource::<SiteLoad>();
    let ledger = w.get_resource::<Ledger>();
    let pue = w.get_resource::<FacilityModel>().map_or(1.0, |f| f.tick.pue());
    SiteView {
        in_service: load.installed,
        allocated: load.allocated,
        queued: w.resource::<Scheduling>().queued_accelerators(),
        placed: w.resource::<Arrivals>().federated.placed_accelerators,
        price_cny_per_kwh: ledger.map(|l| l.tick.price_cny_per_kwh),
        carbon_kg_per_kwh: ledger.map_or(s.constant_carbon, |l| l.tick.carbon_kg_per_kwh),
        pue: if pue.is_finite() && pue >= 1.0 { pue } else { 1.0 },
        kw_per_accelerator: s.kw_per_accelerator,
    }
}

/// Pushes an event into a site's queue.
fn push<W: Write + Send + Sync + 'static>(s: &mut Site<W>, at: u64, ev: Event) {
    s.sim.world_mut().resource_mut::<Clock>().push(at, ev);
}

type Simulated<'a, W> = (Vec<Site<'a, W>>, Counters, Wan);

fn simulate<'a, W: Write + Send + Sync + 'static>(
    fed: &'a Federation,
    kind: DispatcherKind,
    sims: Vec<Simulation<'a, W>>,
    moves_csv: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> io::Result<Simulated<'a, W>> {
    let mut sites = prepare(fed, kind, sims);
    let dispatcher: Box<dyn Dispatcher> = dispatcher::build(kind, fed.weights);
    let mut wan = Wan::new(&fed.links.iter().map(|l| l.bandwidth_gbps).collect::<Vec<_>>());
    let mut c = Counters { link_cost: vec![0.0; fed.links.len()], ..Counters::default() };
    let mut records: Vec<Option<Move>> = Vec::new();
    let mut free_records: Vec<u32> = Vec::new();
    let mut views: Vec<SiteView> = Vec::with_capacity(sites.len());
    let mut outbox: Vec<Drawn> = Vec::new();
    let mut ended: Vec<(u32, u64)> = Vec::new();
    let mut done: Vec<(u64, usize, u64)> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let any_mobile = sites.iter().any(|s| s.mobility_of.iter().any(Option::is_some));
    let horizon = fed.horizon_ms;
    if !any_mobile {
        // Nothing can move: each site runs alone, to the end.
        for s in &mut sites {
            let t0 = Instant::now();
            s.sim.run_until(horizon, &mut progress)?;
            s.wall_s += t0.elapsed().as_secs_f64();
        }
        return Ok((sites, c, wan));
    }
    let period = fed.dispatch_every_ms.max(1);
    let mut tick = period.min(horizon);
    const RESULT: u64 = 1 << 63;
    loop {
        for s in &mut sites {
            let t0 = Instant::now();
            s.sim.run_until(tick, |_| {})?;
            s.wall_s += t0.elapsed().as_secs_f64();
        }
        progress(tick);
        let next = (tick + period).min(horizon);
        views.clear();
        views.extend(sites.iter().map(view));
        // Results of moved jobs that ended since the last tick go home.
        for s in &mut sites {
            ended.append(&mut s.sim.world_mut().resource_mut::<Arrivals>().federated.ended);
        }
        for &(r, _) in &ended {
            if let Some(m) = records.get_mut(r as usize).and_then(Option::take) {
                free_records.push(r);
                if m.result_gb > 0.0 {
                    wan.start(m.dir ^ 1, m.result_gb, RESULT | r as u64);
                    let cost = m.result_gb * fed.links[m.link].cost_cny_per_gb;
                    c.link_cost[m.link] += cost;
                    c.wan_gb += m.result_gb;
                    c.wan_transfers += 1;
                }
            }
        }
        ended.clear();
        // Place the jobs drawn since the last tick.
        for h in 0..sites.len() {
            outbox.append(&mut sites[h].sim.world_mut().resource_mut::<Arrivals>().federated.outbox);
            for d in outbox.drain(..) {
                c.mobile_drawn += 1;
                let Some(m) = sites[h].mobility_of.get(d.class as usize).copied().flatten() else { continue };
                let mob = &fed.classes[m];
                let home_region = sites[h].region;
                let bound = mob.latency_bound_ms.unwrap_or(f64::INFINITY);
                candidates.clear();
                for (j, s) in sites.iter().enumerate() {
                    if s.class_of[m].is_none() {
                        continue;
                    }
                    let Some(rtt) = fed.rtt_ms(home_region, s.region) else { continue };
                    if rtt > bound {
                        continue;
                    }
                    let (transfer_s, wan_cny) = match fed.link(home_region, s.region).filter(|_| s.region != home_region) {
                        Some(l) => {
                            let dir = 2 * l + usize::from(fed.links[l].a != home_region);
                            let share = wan.bandwidth_bps(dir) / (wan.in_flight_on(dir) + 1) as f64;
                            (mob.dataset_gb * 8e9 / share + rtt / 2000.0, (mob.dataset_gb + mob.result_gb) * fed.links[l].cost_cny_per_gb)
                        }
                        None => (0.0, 0.0),
                    };
                    candidates.push(Candidate { site: j, rtt_ms: rtt, transfer_s, wan_cny });
                }
                if candidates.is_empty() {
                    c.refused_for_bound += 1;
                    continue;
                }
                let ask = Ask {
                    home: h,
                    accelerators: d.job.accelerators,
                    hours: d.job.duration_ms as f64 / 3.6e6,
                    utilization: d.job.utilization,
                };
                let to = candidates[dispatcher.choose(&ask, &candidates, &views)].site;
                c.placed += 1;
                c.dispatch_delay_ms += tick.saturating_sub(d.submit_ms) as f64;
                views[to].placed += d.job.accelerators as u64;
                let Some(class) = sites[to].class_of[m] else { continue };
                let link = fed.link(home_region, sites[to].region).filter(|_| sites[to].region != home_region);
                let record = if to == h {
                    None
                } else {
                    c.moved += 1;
                    sites[h].moved_out += 1;
                    let (dir, l) = match link {
                        Some(l) => (2 * l + usize::from(fed.links[l].a != home_region), l),
                        None => (usize::MAX, usize::MAX),
                    };
                    let mv = Move {
                        from: h,
                        to,
                        dir,
                        link: l,
                        mobility: m,
                        accelerators: d.job.accelerators,
                        submit_ms: d.submit_ms,
                        dispatched_ms: tick,
                        dataset_gb: mob.dataset_gb,
                        result_gb: if link.is_some() { mob.result_gb } else { 0.0 },
                    };
                    let r = match free_records.pop() {
                        Some(r) => {
                            records[r as usize] = Some(mv);
                            r
                        }
                        None => {
                            records.push(Some(mv));
                            (records.len() - 1) as u32
                        }
                    };
                    let e = c.routes.entry((h, to)).or_default();
                    e.0 += 1;
                    e.1 += d.job.accelerators as f64 * d.job.duration_ms as f64 / 3.6e6;
                    e.2 += mv.dataset_gb * f64::from(u8::from(link.is_some()));
                    Some(r)
                };
                let inbound = Inbound { drawn: d, class, moved: record };
                let index = sites[to].sim.world_mut().resource_mut::<Arrivals>().federated.place(inbound);
                match (record, link) {
                    (Some(r), Some(l)) if mob.dataset_gb > 0.0 => {
                        wan.start(records[r as usize].map_or(0, |x| x.dir), mob.dataset_gb, ((index as u64) << 32) | r as u64);
                        c.link_cost[l] += mob.dataset_gb * fed.links[l].cost_cny_per_gb;
                        c.wan_gb += mob.dataset_gb;
                        c.wan_transfers += 1;
                    }
                    (Some(r), l) => {
                        // Nothing to carry: it is there after one one-way latency.
                        let latency = l.map_or(0.0, |l| fed.links[l].rtt_ms / 2.0);
                        let at = tick + latency.ceil() as u64;
                        deliver(&mut sites, &records, r, index, at, fed, moves_csv, &mut c)?;
                    }
                    (None, _) => push(&mut sites[to], tick, Event::Inbound { index }),
                }
            }
        }
        // The WAN to the next tick: each finished dataset lands one one-way latency later.
        if wan.in_flight() > 0 && next > tick {
            done.clear();
            wan.advance(tick, next, &mut done);
            for &(t, dir, tag) in &done {
                if tag & RESULT != 0 {
                    continue;
                }
                let (index, r) = ((tag >> 32) as u32, (tag & 0xffff_ffff) as u32);
                let latency = fed.links[dir / 2].rtt_ms / 2.0;
                let at = t + latency.ceil() as u64;
                deliver(&mut sites, &records, r, index, at, fed, moves_csv, &mut c)?;
            }
        }
        if tick >= horizon {
            break;
        }
        tick = next;
    }
    Ok((sites, c, wan))
}

/// A moved job's data is at its site at `at`: queue its arrival and write its moves.csv row.
#[allow(clippy::too_many_arguments)]
fn deliver<W: Write + Send + Sync + 'static>(
    sites: &mut [Site<W>],
    records: &[Option<Move>],
    r: u32,
    index: u32,
    at: u64,
    fed: &Federation,
    csv: &mut dyn Write,
    c: &mut Counters,
) -> io::Result<()> {
    let Some(m) = records.get(r as usize).copied().flatten() else { return Ok(()) };
    push(&mut sites[m.to], at, Event::Inbound { index });
    sites[m.to].moved_in += 1;
    let transfer_ms = at.saturating_sub(m.submit_ms) as f64;
    c.transfer_ms_sum += transfer_ms;
    c.transfer_ms_max = c.transfer_ms_max.max(transfer_ms);
    c.delivered_moves += 1;
    let cost = if m.link == usize::MAX { 0.0 } else { (m.dataset_gb + m.result_gb) * fed.links[m.link].cost_cny_per_gb };
    writeln!(
        csv,
        "{},{},{},{},{},{},{},{},{},{:.2}",
        fed.classes[m.mobility].class,
        fed.sites[m.from].name,
        fed.sites[m.to].name,
        m.accelerators,
        m.submit_ms as f64 / 1000.0,
        m.dispatched_ms as f64 / 1000.0,
        at as f64 / 1000.0,
        m.dataset_gb,
        at.saturating_sub(m.dispatched_ms) as f64 / 1000.0,
        cost
    )
}
