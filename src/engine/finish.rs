//! The end of a run: the jobs still running or queued at the horizon are written out and
//! accounted by the domains that track them, then each domain folds its summary sections.

use std::io;

use bevy_ecs::prelude::*;
use bevy_ecs::system::SystemState;

use super::dispatch::Handlers;
use super::record::TimeseriesWriter;
use super::summary::{ScenarioInfo, Summary};
use crate::config::Scenario;
use crate::metrics::Percentiles;
use crate::metrics::csv::Sink;
use crate::model::compute::SiteLoad;
use crate::model::compute::summary::{capacity, fold_utilization};
use crate::model::facility::FacilityModel;
use crate::model::failures::{AttemptEnd, FailureModel, finish_failures};
use crate::model::grid::ledger::Ledger;
use crate::model::network::NetState;
use crate::model::scheduler::{Fragmentation, Scheduling};
use crate::model::services::Services;
use crate::model::storage::Storage;
use crate::model::thermal::Throttle;
use crate::model::workload::{Censored, ClassTable, JobBook, JobSlot, JobState, Jobs, JobsSummary, JobsWriter, TraceInfo, queued_waits};
use crate::time::queue::Event;

/// Closes the run at the horizon and folds the summary; returns it with the most live jobs.
pub fn finish(world: &mut World, handlers: &mut SystemState<Handlers>, sc: &Scenario) -> io::Result<(Summary, u64)> {
    let horizon = sc.horizon_ms;
    // The measured span: the horizon less the warm-up (super::window).
    let span = horizon - sc.warmup_ms;
    let (running, queued, censored) = close_jobs(world, handlers, horizon)?;
    let site = world.resource::<SiteLoad>().clone();
    let (mut utilization, idle_capacity, mut energy, power) = fold_utilization(&site, span);
    let sched = world.resource::<Scheduling>();
    let book = world.resource::<JobBook>();
    let jobs = world.resource::<Jobs>();
    let (failed, cancelled, failed_accelerator_hours, cancelled_accelerator_hours) = book.ended_early_totals();
    let (wait_incl_queued_s, wait_km_s) = queued_waits(&book.wait, &censored.all);
    let summary_jobs = JobsSummary {
        submitted: jobs.submitted() - book.first_id,
        completed: book.completed,
        rejected: book.rejected,
        running_at_end: running.len() as u64,
        queued_at_end: queued.len() as u64,
        wait_s: Percentiles::of(&book.wait),
        wait_incl_queued_s,
        wait_km_s,
        completion_s: Percentiles::of(&book.completion),
        by_class: book.by_class(&world.resource::<ClassTable>().labels, &censored),
        preemptions: sched.preemptions,
        stopped: sched.stopped,
        failed,
        cancelled,
        failed_accelerator_hours,
        cancelled_accelerator_hours,
    };
    let scenario = ScenarioInfo {
        name: sc.name.clone(),
        seed: sc.seed,
        horizon_s: horizon as f64 / 1000.0,
        step_s: sc.step_ms as f64 / 1000.0,
        scheduler: sched.policy.name().to_string(),
        warmup_s: sc.warmup_ms as f64 / 1000.0,
    };
    let deferred_ms = sched.policy.deferred_ms();
    let peak_live = book.peak_live;
    let facility = match world.get_resource::<FacilityModel>() {
        Some(f) => {
            let throttled = world.get_resource::<Throttle>().map_or(0.0, Throttle::throttled_accelerator_hours);
            crate::model::facility::summary::fold(f, sc, throttled, &mut energy)
        }
        None => Default::default(),
    };
    let mut network = None;
    if world.contains_resource::<NetState>() {
        world.resource_scope(|world, mut net: Mut<NetState>| {
            let (section, kwh, mfu) = crate::model::network::fold(&mut net, world.resource::<Jobs>(), &running, horizon);
            if let Some((m, pflops)) = mfu {
                utilization.mfu_mean = Some(m);
                utilization.effective_pflops = Some(pflops);
            }
            energy.network_kwh = kwh;
            network = section;
        });
    }
    let storage = world.get_resource_mut::<Storage>().map(|mut s| s.summary(horizon));
    if let Some(s) = &storage {
        energy.storage_kwh = Some(s.energy_kwh);
    }
    let finance = match (world.get_resource::<crate::model::finance::FinanceBook>(), sc.finance.as_ref()) {
        (Some(book), Some(fin)) => {
            let ledger = world.get_resource::<Ledger>();
            let inputs = crate::model::finance::cash::Inputs {
                demand_cny: ledger.map(|l| l.demand_cny_by_month().collect()).unwrap_or_default(),
                grid: ledger.is_some(),
                water_m3: facility.water_m3.unwrap_or(0.0),
            };
            Some(crate::model::finance::cash::project(sc, fin, book, &inputs))
        }
        _ => None,
    };
    let compliance = finance
        .as_ref()
        .map(|_| crate::model::finance::policy::assess(sc, facility.pue.as_ref().map(|p| p.annual), utilization.allocated_mean));
    let summary = Summary {
        scenario,
        capacity: capacity(sc),
        jobs: summary_jobs,
        utilization,
        idle_capacity,
        energy,
        power,
        facility,
        grid: world.get_resource::<Ledger>().map(|g| crate::model::grid::systems::fold(g, deferred_ms)).unwrap_or_default(),
        calibration: crate::model::workload::summary_entries(sc),
        failures: world.get_resource::<FailureModel>().map(|f| f.summary(horizon)),
        storage,
        network,
        fragmentation: world.resource::<Fragmentation>().summary(span),
        services: world.get_resource::<Services>().map(|s| s.summary(horizon)).unwrap_or_default(),
        trace: sc.trace.as_ref().map(TraceInfo::of),
        compliance,
        finance,
    };
    Ok((summary, peak_live))
}

/// Writes the jobs running or queued at the horizon (each in id order) and lets failures,
/// services and the grid account them. Returns (running, queued in queue order, the waits so
/// far of the queued jobs that never started).
fn close_jobs(world: &mut World, handlers: &mut SystemState<Handlers>, horizon: u64) -> io::Result<(Vec<JobSlot>, Vec<JobSlot>, Censored)> {
    let mut h = handlers.get_mut(world).map_err(|e| io::Error::other(format!("engine: {e}")))?;
    let life = &mut h.life;
    let mut running = Vec::new();
    while let Some((_, ev)) = life.clock.events.pop() {
        if let Event::JobEnd { slot, generation } = ev
            && life.jobs.get(slot).generation == generation
        {
            running.push(slot);
        }
    }
    running.extend(crate::model::failures::through_storage::stalled(life));
    running.sort_by_key(|s| life.jobs.get(*s).id);
    finish_failures(life, &running, AttemptEnd::Horizon);
    for &slot in &running {
        let job = life.jobs.get(slot);
        life.book.stats[job.class as usize].accelerator_ms += life.load.held_ms(job, horizon - job.start_ms);
        life.rows.row(job, &life.classes.labels[job.class as usize], JobState::Running, Some(horizon), "")?;
    }
    let queued = life.sched.policy.drain();
    let waiting = queued.iter().filter(|&&slot| !life.has_started(slot)).map(|&slot| {
        let job = life.jobs.get(slot);
        (job.class, horizon - job.submit_ms)
    });
    let censored = Censored::of(life.book.stats.len(), waiting);
    let mut queued_sorted = queued.clone();
    queued_sorted.sort_by_key(|s| life.jobs.get(*s).id);
    for &slot in &queued_sorted {
        let job = life.jobs.get(slot);
        life.rows.row(job, &life.classes.labels[job.class as usize], JobState::Queued, None, "")?;
    }
    finish_failures(life, &queued, AttemptEnd::Interrupted);
    if let Some(s) = life.services.as_mut() {
        s.finish(horizon);
    }
    if let Some(g) = life.grid.as_mut() {
        // Deferrable jobs still running or queued at the horizon past their deadline are late too.
        for &slot in running.iter().chain(&queued) {
            let job = life.jobs.get(slot);
            g.job_ended(job.class, job.submit_ms, horizon);
        }
    }
    Ok((running, queued, censored))
}

/// Takes the two row writers out of the world, flushed: (timeseries.csv, jobs.csv).
pub fn sinks(world: &mut World) -> io::Result<(Box<dyn Sink>, Box<dyn Sink>)> {
    let missing = || io::Error::other("engine: a row writer is missing");
    let ts = world.remove_resource::<TimeseriesWriter>().ok_or_else(missing)?.finish()?;
    let jobs = world.remove_resource::<JobsWriter>().ok_or_else(missing)?.finish()?;
    Ok((ts, jobs))
}
