//! The simulation: an ECS world of equipment, the event queue, and the handlers.
//!
//! ## How it works
//! [`Simulation::run`] pops events in (time, sequence) order and dispatches each to a plain
//! handler (`match`, no schedule run per event). Handlers integrate the site load up to the
//! event time first, then change it: so IT energy is exact and independent of the sampling step.
//! A scheduling pass is itself an event, queued at most once per instant after arrivals and
//! ends, so every change at one instant is seen by one pass. At each sampling tick (after the
//! events of that instant) the physics pipeline, a bevy [`Schedule`], turns the world's state
//! into a [`Sample`] row. Memory is O(equipment + live jobs): finished jobs are written out and
//! their slots reused.

mod failures;
mod network;
mod sched;
mod shares;

use std::io::Write;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::ScheduleLabel;

use super::queue::{Event, EventQueue};
use crate::metrics::{
    ClassStats, JobsSummary, JobsWriter, Percentiles, RunInfo, Sample, SampleMemo, SiteLoad, Summary, TimeseriesWriter,
    histogram::LogHistogram,
};
use crate::model::compute::{self, AcceleratorState, HallLoad, NodeLoad, Topology};
use crate::model::power::{PPM, curve_ppm};
use crate::model::scheduler::{self, Cluster, Scheduler};
use crate::model::workload::{ClassSampler, Job, JobSlot, JobState, Jobs};
use crate::scenario::Scenario;

/// The label of the sampling pipeline.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SamplePipeline;

/// Per-class constants the handlers need.
struct ClassInfo {
    priority: i32,
    estimate_factor: f64,
    device: Option<u16>,
    preemptible: bool,
}

/// A simulation in progress, writing rows to `W`.
pub struct Simulation<'a, W: Write> {
    sc: &'a Scenario,
    world: World,
    topo: Topology,
    queue: EventQueue,
    jobs: Jobs,
    cluster: Cluster,
    scheduler: Box<dyn Scheduler>,
    samplers: Vec<ClassSampler>,
    labels: Vec<String>,
    classes: Vec<ClassInfo>,
    trace_class: Vec<u16>,
    now: u64,
    schedule_pending: bool,
    started: Vec<JobSlot>,
    stats: Vec<ClassStats>,
    wait: LogHistogram,
    completion: LogHistogram,
    completed: u64,
    rejected: u64,
    events: u64,
    samples: u64,
    peak_live: u64,
    next_sample: u64,
    last_sample_ms: u64,
    done: bool,
    capped_jobs: u64,
    capped_accelerators: u64,
    throttled_accelerator_ms: u128,
    scratch_allowed: Vec<f64>,
    scratch_slots: Vec<JobSlot>,
    timeseries: TimeseriesWriter<W>,
    job_rows: JobsWriter<W>,
    durations: crate::calibrate::DurationScale,
    failures: Option<Box<crate::model::failures::FailureModel>>,
    grid: Option<crate::model::grid::ledger::Ledger>,
    net: Option<Box<crate::model::network::NetState>>,
    net_scratch: Vec<(JobSlot, f64)>,
    network_mw: i64,
    sched: sched::SchedState,
    /// Placement by shares: pods holding a share of each GPU (None: whole accelerators).
    share_pods: Option<Vec<u16>>,
}

impl<'a, W: Write> Simulation<'a, W> {
    /// Builds the world and the first events of a scenario.
    pub fn new(sc: &'a Scenario, timeseries: W, jobs_csv: W) -> std::io::Result<Self> {
        let mut world = World::new();
        let (topo, idle_mw) = compute::spawn(&mut world, sc);
        let labels = sc.class_labels();
        let installed = sc.accelerators_in_service_at(0);
        world.insert_resource(SiteLoad {
            it_power_mw: idle_mw,
            installed,
            max_it_power_mw: idle_mw,
            min_it_power_mw: idle_mw,
            ..Default::default()
        });
        world.insert_resource(Sample::default());
        world.insert_resource(SampleMemo::default());
        let mut pipeline = Schedule::new(SamplePipeline);
        // Power (per hall) -> cooling and thermal (facility) -> metrics (site row).
        pipeline.add_systems((crate::metrics::sample_halls, crate::metrics::sample_facility, crate::metrics::sample_site).chain());
        if let Some(f) = crate::model::facility::FacilityModel::new(sc) {
            world.insert_resource(f);
        }
        world.add_schedule(pipeline);

        let per_node: Vec<u32> = sc.node_types.iter().map(|n| n.accelerators).collect();
        let devices: Vec<usize> = sc.node_types.iter().map(|n| n.device).collect();
        let mut cluster = Cluster::new(&topo.pools, &per_node, &devices, topo.nodes.len(), labels.len());
        let share_trace = sc.trace.as_ref().filter(|t| t.shares());
        if let Some(t) = share_trace {
            cluster.enable_shares(shares::allocator(sc, &topo, t));
            world.resource_mut::<SiteLoad>().shares = true;
        }
        let mut scheduler = scheduler::build(&sc.scheduler, &labels, sc.accelerators());
        let deferred_ms = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        if let Some(g) = sc.coordination.as_ref().filter(|g| g.deferral.is_some()) {
            let wrapped = crate::model::grid::defer::Deferring::new(scheduler, g, sc.start, &labels, sc.step_ms, deferred_ms.clone());
            scheduler = Box::new(wrapped);
        }
        let grid = sc.coordination.clone().map(|g| crate::model::grid::ledger::Ledger::new(g, sc.start, &labels, deferred_ms));

        let classes = labels
            .iter()
            .map(|l| match (sc.classes.iter().find(|c| &c.name == l), sc.services.iter().find(|s| &s.name == l)) {
                (Some(c), _) => ClassInfo {
                    priority: c.priority,
                    estimate_factor: c.estimate_factor,
                    device: c.device.map(|d| d as u16),
                    preemptible: c.preemptible,
                },
                (None, Some(s)) => {
                    ClassInfo { priority: s.priority, estimate_factor: 1.0, device: s.device.map(|d| d as u16), preemptible: false }
                }
                (None, None) => ClassInfo { priority: 0, estimate_factor: 1.0, device: None, preemptible: false },
            })
            .collect();
        let trace_class = sc
            .trace
            .as_ref()
            .map(|t| t.labels.iter().map(|l| labels.iter().position(|x| x == l).unwrap_or(0) as u16).collect())
            .unwrap_or_default();
        let mut queue = EventQueue::default();
        let mut samplers: Vec<ClassSampler> =
            sc.classes.iter().map(|c| ClassSampler::new(c, sc.seed, sc.start.weekday()).with_demand(sc.demand.as_ref())).collect();
        for (i, s) in samplers.iter_mut().enumerate() {
            if let Some(t) = s.next_arrival(sc.horizon_ms) {
                queue.push(t, Event::Arrival { class: i as u16 });
            }
        }
        if let Some(first) = sc.trace.as_ref().and_then(|t| t.jobs.first())
            && first.submit_ms <= sc.horizon_ms
        {
            queue.push(first.submit_ms, Event::TraceArrival { index: 0 });
        }
        // Rack groups that enter service later are held out of placement until then.
        for (g, &(t, first, count)) in topo.later.iter().enumerate() {
            for n in first..first + count {
                cluster.withhold(topo.nodes[n as usize].node_type as usize, n);
            }
            if t <= sc.horizon_ms {
                queue.push(t, Event::InService { group: g as u16 });
            }
        }
        let failures = sc
            .failures
            .as_ref()
            .map(|f| Box::new(crate::model::failures::FailureModel::new(sc, f, &topo, &labels, &mut cluster, &mut queue)));
        let node_accelerators: Vec<u32> = topo.nodes.iter().map(|n| per_node[n.node_type as usize]).collect();
        let net = crate::model::network::NetState::new(sc, &labels, &node_accelerators).map(Box::new);
        let pods = net.as_ref().and_then(|n| n.fabric.as_ref()).map_or(&[][..], |f| &f.pod_of_node[..]);
        cluster.set_placement(sc.scheduler.placement, pods, sc.seed);
        let network_mw = network::add_switch_power(&mut world, &topo, net.as_deref());
        let with_net = net.is_some();
        let n = labels.len();
        let sched = sched::SchedState::new(sc, &labels, &mut queue);
        let topo_accelerators = topo.accelerators.len();
        Ok(Simulation {
            sc,
            world,
            topo,
            queue,
            jobs: Jobs::default(),
            cluster,
            scheduler,
            samplers,
            labels,
            classes,
            trace_class,
            now: 0,
            schedule_pending: false,
            started: Vec::new(),
            stats: (0..n).map(|_| ClassStats::new()).collect(),
            wait: LogHistogram::new(crate::metrics::PERCENTILE_PRECISION),
            completion: LogHistogram::new(crate::metrics::PERCENTILE_PRECISION),
            completed: 0,
            rejected: 0,
            events: 0,
            samples: 0,
            peak_live: 0,
            next_sample: sc.step_ms.min(sc.horizon_ms),
            last_sample_ms: 0,
            done: false,
            capped_jobs: 0,
            capped_accelerators: 0,
            throttled_accelerator_ms: 0,
            scratch_allowed: Vec::new(),
            scratch_slots: Vec::new(),
            timeseries: TimeseriesWriter::new(timeseries, sc.facility.is_some(), sc.coordination.is_some())?,
            job_rows: JobsWriter::with_all(
                jobs_csv,
                sc.failures.is_some(),
                sc.trace
                    .as_ref()
                    .filter(|t| t.format != crate::scenario::TraceFormat::Generic)
                    .map(|t| (t.specs.clone(), t.states.clone())),
                with_net,
            )?,
            durations: crate::calibrate::DurationScale::new(sc),
            failures,
            grid,
            net,
            net_scratch: Vec::new(),
            network_mw,
            sched,
            share_pods: share_trace.map(|_| vec![0; topo_accelerators]),
        })
    }

    /// Runs to the horizon; `progress` is called after each sample with the simulated time.
    pub fn run(&mut self, progress: impl FnMut(u64)) -> std::io::Result<()> {
        self.run_until(self.sc.horizon_ms, progress)
    }

    /// Processes every event and sample at or before `until_ms` (capped at the horizon).
    pub fn run_until(&mut self, until_ms: u64, mut progress: impl FnMut(u64)) -> std::io::Result<()> {
        let horizon = self.sc.horizon_ms;
        while !self.done {
            match self.queue.peek_time().filter(|&t| t <= self.next_sample && t <= horizon) {
                Some(t) if t > until_ms => break,
                Some(_) => {
                    let Some((t, ev)) = self.queue.pop() else { break };
                    self.now = t;
                    self.world.resource_mut::<SiteLoad>().advance(t);
                    self.events += 1;
                    self.dispatch(ev)?;
                }
                None => {
                    let t = self.next_sample;
                    if t > until_ms {
                        break;
                    }
                    self.now = t;
                    self.sample(t)?;
                    progress(t);
                    if t >= horizon {
                        self.done = true;
                    } else {
                        self.next_sample = (t + self.sc.step_ms).min(horizon);
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that the ECS equipment state, the placement core and the site aggregates agree
    /// (a full scan: for tests, never on the hot path). Returns what disagrees.
    pub fn check_invariants(&mut self) -> Result<(), String> {
        let site = self.world.resource::<SiteLoad>().clone();
        let (mut node_alloc, mut node_mw) = (0u64, 0i64);
        for load in self.world.query::<&NodeLoad>().iter(&self.world) {
            node_alloc += load.allocated as u64;
            node_mw += load.power_mw;
        }
        let (mut hall_alloc, mut hall_mw) = (0u64, 0i64);
        for h in self.world.query::<&HallLoad>().iter(&self.world) {
            hall_alloc += h.allocated;
            hall_mw += h.it_power_mw;
        }
        let held = self.world.query::<&AcceleratorState>().iter(&self.world).filter(|a| a.job.is_some()).count() as u64;
        let free = self.cluster.free_accelerators();
        let held_out = self.cluster.held_accelerators() + self.cluster.absent_accelerators();
        let checks = [
            ("allocated <= installed", site.allocated <= site.installed),
            ("site installed = design - not yet in service", site.installed + self.cluster.absent_accelerators() == self.cluster.installed),
            ("nodes' allocations sum to the site's", node_alloc == site.allocated),
            ("halls' allocations sum to the site's", hall_alloc == site.allocated),
            ("held accelerators equal allocated", held == site.allocated),
            ("placement free + allocated + out of service = installed", free + site.allocated + held_out == self.cluster.installed),
            ("nodes out of service are neither free nor allocated", self.check_held_nodes()),
            ("nodes' and switches' power sums to the site's", node_mw + self.network_mw == site.it_power_mw),
            ("halls' power sums to the site's", hall_mw == site.it_power_mw),
            ("queued count matches the scheduler", site.queued_jobs == self.scheduler.queue_len() as u64),
            ("live jobs = queued + running", self.jobs.live() as u64 == site.queued_jobs + site.running_jobs),
            ("share allocator agrees with its indexes", self.shares_consistent()),
        ];
        match checks.iter().find(|(_, ok)| !ok) {
            Some((what, _)) => Err(format!(
                "at t = {} ms: {what} fails (site allocated {}, installed {}, nodes {node_alloc}, halls {hall_alloc}, held {held}, free {free}, power site {} nodes {node_mw} halls {hall_mw})",
                self.now, site.allocated, site.installed, site.it_power_mw
            )),
            None => Ok(()),
        }
    }

    fn dispatch(&mut self, ev: Event) -> std::io::Result<()> {
        match ev {
            Event::Arrival { class } => self.on_arrival(class as usize),
            Event::TraceArrival { index } => self.on_trace_arrival(index as usize),
            Event::JobEnd { slot, generation } => {
                if self.jobs.get(slot).generation == generation {
                    self.on_job_end(slot)?;
                }
                Ok(())
            }
            Event::Schedule => {
                self.on_schedule();
                Ok(())
            }
            Event::Failure { component } => {
                self.on_failure(component as usize);
                Ok(())
            }
            Event::Repair { node } => {
                self.on_repair(node);
                Ok(())
            }
            Event::Autoscale { service } => self.on_autoscale(service as usize),
            Event::InService { group } => {
                self.on_in_service(group as usize);
                Ok(())
            }
        }
    }

    /// A rack group enters service: its nodes join placement and start drawing idle power.
    fn on_in_service(&mut self, group: usize) {
        let (_, first, count) = self.topo.later[group];
        let now = self.now;
        let mut added_mw = 0;
        let mut added = 0;
        for n in first..first + count {
            let info = self.topo.nodes[n as usize];
            let per_node = self.sc.node_types[info.node_type as usize].accelerators as u64;
            // The node drew nothing while absent: recomputing its (empty) load gives its idle power.
            added_mw += change_node_load(&mut self.world, &self.topo, info, 0, 0, true, now);
            if let Some(mut hall) = self.world.get_mut::<HallLoad>(info.hall) {
                hall.installed += per_node;
            }
            self.cluster.commission(info.node_type as usize, n);
            added += per_node;
        }
        let mut site = self.world.resource_mut::<SiteLoad>();
        site.it_power_mw += added_mw;
        site.installed += added;
        self.request_schedule();
    }

    fn request_schedule(&mut self) {
        if !self.schedule_pending {
            self.schedule_pending = true;
            self.queue.push(self.now, Event::Schedule);
        }
    }

    fn on_arrival(&mut self, class: usize) -> std::io::Result<()> {
        let d = self.samplers[class].draw();
        self.submit(class as u16, d.accelerators, d.duration_ms, d.utilization)?;
        if let Some(t) = self.samplers[class].next_arrival(self.sc.horizon_ms) {
            self.queue.push(t.max(self.now), Event::Arrival { class: class as u16 });
        }
        Ok(())
    }

    fn on_trace_arrival(&mut self, index: usize) -> std::io::Result<()> {
        let Some(trace) = self.sc.trace.as_ref() else { return Ok(()) };
        let j = trace.jobs[index];
        let request = crate::model::workload::Request {
            gpu_milli: j.gpu_milli,
            cpu_milli: j.cpu_milli,
            memory_mib: j.memory_mib,
            spec: j.spec,
            trace_line: j.line,
            trace_state: j.state,
        };
        self.submit_request(self.trace_class[j.label as usize], j.accelerators, j.duration_ms, j.utilization, request)?;
        if let Some(next) = trace.jobs.get(index + 1)
            && next.submit_ms <= self.sc.horizon_ms
        {
            self.queue.push(next.submit_ms, Event::TraceArrival { index: index as u32 + 1 });
        }
        Ok(())
    }

    fn submit(&mut self, class: u16, accelerators: u32, duration_ms: u64, utilization: f64) -> std::io::Result<Option<JobSlot>> {
        self.submit_request(class, accelerators, duration_ms, utilization, crate::model::workload::Request::default())
    }

    /// Submits a job with what it asks beyond whole accelerators (trace jobs).
    fn submit_request(
        &mut self,
        class: u16,
        accelerators: u32,
        duration_ms: u64,
        utilization: f64,
        request: crate::model::workload::Request,
    ) -> std::io::Result<Option<JobSlot>> {
        // Work-defined: the duration of its FLOPs at its ideal placement.
        let (duration_ms, flops) = self.work_duration(class, accelerators).unwrap_or((duration_ms, 0.0));
        let info = &self.classes[class as usize];
        // Calibration: the duration on the job's device, where known now (identity without).
        let duration_ms = self.durations.at_submit(info.device, duration_ms);
        let estimate_ms = ((duration_ms as f64) * info.estimate_factor).ceil().min(u64::MAX as f64 / 4.0) as u64;
        let slot = self.jobs.insert(Job {
            class,
            requested: accelerators,
            device: info.device,
            priority: info.priority,
            submit_ms: self.now,
            duration_ms,
            estimate_ms: estimate_ms.max(duration_ms),
            utilization_bp: (utilization.clamp(0.0, 1.0) * 1e4).round() as u16,
            flops,
            net_rate: 1.0,
            preemptible: info.preemptible,
            request,
            ..Default::default()
        });
        self.peak_live = self.peak_live.max(self.jobs.live() as u64);
        self.stats[class as usize].summary.submitted += 1;
        let refusal = self
            .cluster
            .never_fits(self.jobs.get(slot))
            .or_else(|| self.queue_full())
            .or_else(|| self.scheduler.admit(slot, &self.jobs, &self.cluster).err());
        if let Some(reason) = refusal {
            self.rejected += 1;
            self.stats[class as usize].summary.rejected += 1;
            self.job_rows.row(self.jobs.get(slot), &self.labels[class as usize], JobState::Rejected, None, &reason)?;
            self.jobs.remove(slot);
            return Ok(None);
        }
        self.scheduler.enqueue(slot, &self.jobs);
        self.sched.queued(accelerators, true);
        self.world.resource_mut::<SiteLoad>().queued_jobs += 1;
        self.request_schedule();
        Ok(Some(slot))
    }

    /// Why an arrival is refused when `scheduler.max_queued` jobs already wait (this bounds the
    /// memory of an overloaded run: see `engine::budget`).
    fn queue_full(&self) -> Option<String> {
        let max = self.sc.scheduler.max_queued;
        (self.world.resource::<SiteLoad>().queued_jobs >= max).then(|| format!("queue full: {max} jobs waiting (scheduler.max_queued)"))
    }

    fn on_schedule(&mut self) {
        self.schedule_pending = false;
        let mut started = std::mem::take(&mut self.started);
        started.clear();
        let mut preempted = std::mem::take(&mut self.sched.preempted);
        preempted.clear();
        self.scheduler.schedule(self.now, &mut self.cluster, &mut self.jobs, &mut started, &mut preempted);
        for &slot in &started {
            self.start(slot);
        }
        self.started = started;
        self.preempt(&preempted);
        self.sched.preempted = preempted;
    }

    fn start(&mut self, slot: JobSlot) {
        let pool = self.jobs.get(slot).pool as usize;
        let curve = self.topo.models[compute::model_index(pool, crate::scenario::CoolingKind::Air)].curve;
        let now = self.now;
        let net_rate = self.net_start(slot);
        let job = self.jobs.get_mut(slot);
        job.net_rate = net_rate;
        job.step_s = self.net.as_ref().map_or(0.0, |n| n.step_s(slot));
        job.demand_ppm = curve_ppm(curve, job.utilization_bp as f64 / 1e4);
        // A power cap in force applies from the start (DVFS cube law, as in `set_draw`).
        job.dyn_ppm = job.demand_ppm.min(self.grid.as_ref().map_or(PPM, |g| g.level_ppm));
        job.rate = if job.dyn_ppm < job.demand_ppm { (job.dyn_ppm as f64 / job.demand_ppm as f64).cbrt().max(0.01) } else { 1.0 };
        job.rate *= job.net_rate;
        job.progress_ms = 0.0;
        job.rate_since_ms = now;
        let restart = self.failures.as_ref().is_some_and(|f| f.is_restart(slot)) || job.preemptions > 0;
        // Calibration: the duration on the device it was placed on, if not known at submission.
        if !restart && let Some(ms) = self.durations.at_start(self.sc.node_types[pool].device, job.device, job.duration_ms) {
            job.duration_ms = ms;
        }
        if let Some(f) = self.failures.as_mut() {
            f.begin_attempt(slot, job, now);
        }
        self.apply_job_load(slot, true);
        self.track_demand(slot, true);
        let job = self.jobs.get(slot);
        if !restart {
            let wait = job.start_ms - job.submit_ms;
            self.wait.record(wait);
            self.stats[job.class as usize].wait.record(wait);
        }
        let end = job.start_ms.saturating_add((job.duration_ms as f64 / job.rate).ceil() as u64);
        let (generation, class, requested) = (job.generation, job.class, job.requested);
        let mut site = self.world.resource_mut::<SiteLoad>();
        site.queued_jobs -= 1;
        site.running_jobs += 1;
        self.queue.push(end, Event::JobEnd { slot, generation });
        self.sched.queued(requested, false);
        self.sched.replica_change(class, self.now, true);
    }

    /// Caps the accelerators of jobs in halls whose coolant is too warm for them, and lifts the
    /// cap when it cools: power follows the cap; speed follows the DVFS cube law (dynamic power
    /// ∝ f³, so f / f_max = (P_dyn,cap / P_dyn,demand)^(1/3)); end events are rescheduled.
    /// Scans running jobs only while some hall is limited or some job is capped.
    /// A grid power cap adds a site-wide draw level (see [`crate::model::grid`]).
    fn apply_thermal_limits(&mut self, dt_ms: u64) {
        let mut allowed = std::mem::take(&mut self.scratch_allowed);
        allowed.clear();
        if let Some(fac) = self.world.get_resource::<crate::model::facility::FacilityModel>() {
            allowed.extend_from_slice(&fac.tick.allowed_accelerator_w);
        }
        let grid_ppm = self.grid.as_ref().map_or(PPM, |g| g.level_ppm);
        if allowed.iter().all(|a| a.is_infinite()) && self.capped_jobs == 0 && grid_ppm >= PPM {
            self.scratch_allowed = allowed;
            return;
        }
        let mut slots = std::mem::take(&mut self.scratch_slots);
        self.cluster.running_slots(&mut slots);
        let (mut capped_jobs, mut capped_accelerators, mut grid_capped) = (0u64, 0u64, 0u64);
        for &slot in &slots {
            let job = self.jobs.get(slot);
            let limit = job
                .alloc
                .iter()
                .map(|(n, _)| allowed.get(self.topo.nodes[*n as usize].hall_index as usize).copied().unwrap_or(f64::INFINITY))
                .fold(f64::INFINITY, f64::min);
            let model = &self.topo.models[self.topo.nodes[job.alloc[0].0 as usize].model as usize];
            let cap_ppm = if limit.is_finite() {
                let span = model.accelerator_span_w();
                if span > 0.0 { (((limit - model.accelerator_idle_w()) / span).clamp(0.0, 1.0) * PPM as f64) as u64 } else { PPM }
            } else {
                PPM
            };
            let target = job.demand_ppm.min(cap_ppm).min(grid_ppm);
            if grid_ppm < job.demand_ppm.min(cap_ppm) {
                grid_capped += job.requested as u64;
            }
            if target < job.demand_ppm {
                capped_jobs += 1;
                capped_accelerators += job.requested as u64;
            }
            if target != job.dyn_ppm {
                self.set_draw(slot, target);
            }
        }
        self.capped_jobs = capped_jobs;
        self.capped_accelerators = capped_accelerators;
        self.throttled_accelerator_ms += capped_accelerators as u128 * dt_ms as u128;
        if let Some(g) = self.grid.as_mut() {
            g.capped_accelerator_ms += grid_capped as u128 * dt_ms as u128;
        }
        self.scratch_slots = slots;
        self.scratch_allowed = allowed;
    }

    /// Changes a running job's per-accelerator draw and speed, and reschedules its end.
    fn set_draw(&mut self, slot: JobSlot, dyn_ppm: u64) {
        let now = self.now;
        self.apply_job_load(slot, false);
        let job = self.jobs.get_mut(slot);
        job.progress_ms += (now - job.rate_since_ms) as f64 * job.rate;
        job.rate_since_ms = now;
        job.dyn_ppm = dyn_ppm;
        job.rate = if job.demand_ppm > 0 { (dyn_ppm as f64 / job.demand_ppm as f64).cbrt().max(0.01) } else { 1.0 };
        job.rate *= job.net_rate;
        let remaining = (job.duration_ms as f64 - job.progress_ms).max(0.0);
        let end = now.saturating_add((remaining / job.rate).ceil() as u64);
        job.generation = job.generation.wrapping_add(1);
        let generation = job.generation;
        self.apply_job_load(slot, true);
        self.queue.push(end, Event::JobEnd { slot, generation });
    }

    fn on_job_end(&mut self, slot: JobSlot) -> std::io::Result<()> {
        if let Some(f) = self.failures.as_mut() {
            f.end_attempt(slot, self.jobs.get_mut(slot), self.now, crate::model::failures::AttemptEnd::Completed);
        }
        self.net_stop(slot, 1.0);
        self.apply_job_load(slot, false);
        self.track_demand(slot, false);
        let job = self.jobs.get(slot);
        self.cluster.finish(slot, job);
        self.world.resource_mut::<SiteLoad>().running_jobs -= 1;
        let class = job.class as usize;
        let jct = self.now - job.submit_ms;
        self.completion.record(jct);
        let held = self.held_ms(job, self.now - job.start_ms);
        let st = &mut self.stats[class];
        st.completion.record(jct);
        sched::record_slowdown(st, jct, job.duration_ms);
        st.summary.completed += 1;
        st.accelerator_ms += held;
        self.completed += 1;
        if let Some(g) = self.grid.as_mut() {
            g.job_ended(job.class, job.submit_ms, self.now);
        }
        self.job_rows.row(job, &self.labels[class], JobState::Completed, Some(self.now), "")?;
        self.jobs.remove(slot);
        self.request_schedule();
        Ok(())
    }

    fn sample(&mut self, t: u64) -> std::io::Result<()> {
        let dt = t.saturating_sub(self.last_sample_ms);
        self.last_sample_ms = t;
        self.world.resource_mut::<SiteLoad>().advance(t);
        self.world.run_schedule(SamplePipeline);
        self.grid_tick(t, dt);
        self.apply_thermal_limits(dt);
        self.retune_network();
        self.sched.sample_fragmentation(&self.cluster, dt);
        if self.grid.as_ref().is_some_and(|g| g.cfg.deferral.is_some()) {
            // Held deferrable jobs are reconsidered at every tick.
            self.request_schedule();
        }
        // Nothing here reads removal messages; drop any so memory stays flat over long runs.
        self.world.clear_trackers();
        self.samples += 1;
        let facility = self.world.get_resource::<crate::model::facility::FacilityModel>().map(|f| (&f.tick, f.supply_temp_c()));
        let capped = self.capped_accelerators;
        self.timeseries.row(self.world.resource::<Sample>(), facility.map(|(t, s)| (t, s, capped)), self.grid.as_ref().map(|g| &g.tick))
    }

    /// Adds a starting job to (or removes an ending one from) the demand histogram of the cap.
    fn track_demand(&mut self, slot: JobSlot, add: bool) {
        let Some(g) = self.grid.as_mut() else { return };
        let job = self.jobs.get(slot);
        let Some(&(node, _)) = job.alloc.first() else { return };
        let span = self.topo.models[self.topo.nodes[node as usize].model as usize].accelerator_span_w();
        let share = if self.share_pods.is_some() { job.request.gpu_milli as f64 / 1000.0 } else { 1.0 };
        g.demand.update(job.requested as f64 * share * span, job.demand_ppm, add);
    }

    /// Books the tick in the grid ledger (battery, cost, carbon) and moves the power-cap draw
    /// level: O(1) while under the cap and unthrottled, O(demand buckets) otherwise.
    fn grid_tick(&mut self, t: u64, dt: u64) {
        let Some(g) = self.grid.as_mut() else { return };
        let it_w = self.world.resource::<Sample>().it_power_kw * 1000.0;
        let load_w = self.world.get_resource::<crate::model::facility::FacilityModel>().map_or(it_w, |f| f.tick.facility_w());
        g.step(t, dt, load_w);
        let Some(limit_w) = g.limit else {
            g.level_ppm = PPM;
            return;
        };
        // The cap acts on the power from now on: the instantaneous IT power, with the facility
        // overhead k = P / P_IT of the interval.
        let it_now_w = self.world.resource::<SiteLoad>().it_power_mw as f64 / 1e3;
        let overhead = if it_w > 0.0 { (load_w / it_w).max(1.0) } else { 1.0 };
        let load_now_w = it_now_w * overhead;
        if load_now_w <= limit_w && g.level_ppm >= PPM {
            return;
        }
        let old = g.level_ppm as f64 / PPM as f64;
        let aim_w = limit_w * (1.0 - g.cfg.cap_margin);
        let level = g.demand.level(g.demand.power_w(old) + (aim_w - load_now_w) / overhead);
        // Over the limit: lower now. Under it: rise only past the deadband (or to no cap).
        if load_now_w > limit_w || level >= 1.0 || level > old * (1.0 + g.cfg.cap_margin) {
            g.level_ppm = ((level * PPM as f64) as u64).min(PPM);
        }
    }

    /// Writes the jobs still running or queued at the horizon and folds the summary.
    pub fn finish(mut self, wall_s: f64) -> std::io::Result<(Summary, RunInfo, W, W)> {
        let horizon = self.sc.horizon_ms;
        let mut running = Vec::new();
        while let Some((_, ev)) = self.queue.pop() {
            if let Event::JobEnd { slot, generation } = ev
                && self.jobs.get(slot).generation == generation
            {
                running.push(slot);
            }
        }
        running.sort_by_key(|s| self.jobs.get(*s).id);
        self.finish_failures(&running, crate::model::failures::AttemptEnd::Horizon);
        for &slot in &running {
            let job = self.jobs.get(slot);
            self.stats[job.class as usize].accelerator_ms += self.held_ms(job, horizon - job.start_ms);
            self.job_rows.row(job, &self.labels[job.class as usize], JobState::Running, Some(horizon), "")?;
        }
        let queued = self.scheduler.drain();
        let mut queued_sorted = queued.clone();
        queued_sorted.sort_by_key(|s| self.jobs.get(*s).id);
        for &slot in &queued_sorted {
            let job = self.jobs.get(slot);
            self.job_rows.row(job, &self.labels[job.class as usize], JobState::Queued, None, "")?;
        }
        self.finish_failures(&queued, crate::model::failures::AttemptEnd::Interrupted);
        self.sched.finish_services(horizon);
        if let Some(g) = self.grid.as_mut() {
            // Deferrable jobs still running or queued at the horizon past their deadline are late too.
            for &slot in running.iter().chain(&queued) {
                let job = self.jobs.get(slot);
                g.job_ended(job.class, job.submit_ms, horizon);
            }
        }
        let load = self.world.resource::<SiteLoad>().clone();
        let (utilization, idle_capacity, energy, power) = crate::metrics::fold_utilization(&load, horizon);
        let by_class = self
            .labels
            .iter()
            .zip(&self.stats)
            .map(|(l, s)| {
                let mut c = s.summary.clone();
                c.accelerator_hours = s.accelerator_ms as f64 / 3.6e6;
                c.wait_s = Percentiles::of(&s.wait);
                c.completion_s = Percentiles::of(&s.completion);
                c.slowdown = Percentiles::of(&s.slowdown);
                c.bounded_slowdown = Percentiles::of(&s.bounded_slowdown);
                c.preempted_lost_accelerator_hours = s.preempted_lost_ms / 3.6e6;
                (l.clone(), c)
            })
            .collect();
        let summary = Summary {
            scenario: crate::metrics::ScenarioInfo {
                name: self.sc.name.clone(),
                seed: self.sc.seed,
                horizon_s: horizon as f64 / 1000.0,
                step_s: self.sc.step_ms as f64 / 1000.0,
                scheduler: self.scheduler.name().to_string(),
            },
            capacity: capacity(self.sc),
            jobs: JobsSummary {
                submitted: self.jobs.submitted(),
                completed: self.completed,
                rejected: self.rejected,
                running_at_end: running.len() as u64,
                queued_at_end: queued.len() as u64,
                wait_s: Percentiles::of(&self.wait),
                completion_s: Percentiles::of(&self.completion),
                by_class,
                preemptions: self.sched.preemptions,
                stopped: self.sched.stopped,
            },
            utilization,
            idle_capacity,
            energy,
            power,
            calibration: crate::calibrate::apply::summary_entries(self.sc),
            trace: self.sc.trace.as_ref().map(crate::metrics::TraceInfo::of),
            ..Default::default()
        };
        let mut summary = summary;
        self.fold_facility(&mut summary);
        self.fold_network(&running, &mut summary);
        summary.failures = self.failures.as_ref().map(|f| f.summary(horizon));
        summary.fragmentation = self.sched.fragmentation(horizon);
        summary.services = self.sched.services_summary(horizon);
        if let Some(g) = &self.grid {
            summary.cost = Some(g.cost());
            summary.carbon = Some(g.carbon());
            summary.battery = g.battery_summary();
        }
        let info = RunInfo {
            version: crate::VERSION.to_string(),
            events: self.events,
            samples: self.samples,
            wall_s,
            events_per_s: if wall_s > 0.0 { self.events as f64 / wall_s } else { 0.0 },
            peak_memory_mb: super::host::peak_memory_mb(),
            peak_live_jobs: self.peak_live,
            host: super::host::hostname(),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
        };
        let ts = self.timeseries.finish()?;
        let jr = self.job_rows.finish()?;
        Ok((summary, info, ts, jr))
    }

    /// Adds the facility's figures to the summary.
    fn fold_facility(&self, s: &mut Summary) {
        use crate::metrics::{GridInfo, PueSummary, Thermal};
        let Some(f) = self.world.get_resource::<crate::model::facility::FacilityModel>() else { return };
        let t = &f.totals;
        let kwh = |names: &[&str]| names.iter().map(|n| t.by_component_kwh.get(n).copied().unwrap_or(0.0)).sum::<f64>();
        let it = kwh(&["it"]);
        let cooling = kwh(&["chillers", "heat_rejection_fans", "pumps", "crah_fans", "cdu_pumps"]);
        let loss = kwh(&["ups_loss", "pdu_loss", "transformer_loss"]);
        let other = kwh(&["auxiliary"]);
        let facility = it + cooling + loss + other;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
        let by_month: std::collections::BTreeMap<String, f64> = t
            .months
            .iter()
            .filter(|(_, m)| m.it_kwh > 0.0)
            .map(|(k, m)| (format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1), m.facility_kwh / m.it_kwh))
            .collect();
        let by_hall = f.hall_names().iter().cloned().zip(t.hall_kwh.iter().map(|(it, over)| ratio(it + over, *it))).collect();
        s.pue = Some(PueSummary {
            annual: ratio(facility, it),
            min_month: if by_month.is_empty() { ratio(facility, it) } else { by_month.values().copied().fold(f64::INFINITY, f64::min) },
            max_month: if by_month.is_empty() { ratio(facility, it) } else { by_month.values().copied().fold(0.0, f64::max) },
            by_month,
            by_hall,
        });
        s.energy.facility_kwh = Some(facility);
        s.energy.cooling_kwh = Some(cooling);
        s.energy.loss_kwh = Some(loss);
        s.energy.other_kwh = Some(other);
        s.energy.by_component_kwh = Some(t.by_component_kwh.iter().map(|(k, v)| (k.to_string(), *v)).collect());
        let factor = self.sc.emission_factor.or(self.sc.grid.as_ref().map(|g| g.emission_factor_kg_per_kwh));
        if let Some(factor) = factor {
            let carbon_kg = facility * factor;
            s.carbon_t = Some(carbon_kg / 1000.0);
            s.cue_kg_per_kwh = Some(ratio(carbon_kg, it));
            let id = match (&self.sc.emission_factor, &self.sc.grid) {
                (Some(_), _) | (None, None) => "override".to_string(),
                (None, Some(g)) => g.id.clone(),
            };
            s.grid = Some(GridInfo { id, emission_factor_kg_per_kwh: factor });
        }
        s.wue_l_per_kwh = Some(if it > 0.0 { t.water_l / it } else { 0.0 });
        s.water_m3 = Some(t.water_l / 1000.0);
        s.free_cooling_hours = Some(t.free_cooling_hours[f.main_loop()]);
        s.free_cooling_hours_by_loop =
            Some([("chilled_water".to_string(), t.free_cooling_hours[0]), ("facility_water".to_string(), t.free_cooling_hours[1])].into());
        s.free_cooling_fraction = Some(if t.loop_heat_j > 0.0 { t.free_heat_j / t.loop_heat_j } else { 1.0 });
        s.thermal = Some(Thermal {
            throttled_accelerator_hours: self.throttled_accelerator_ms as f64 / 3.6e6,
            alarms: t.alarm_count,
            max_junction_c: t.max_junction_c,
        });
    }

    /// The alarms raised so far (the first rows of each kind, see [`crate::model::facility::MAX_ALARM_ROWS`]).
    pub fn alarms(&self) -> Vec<crate::model::facility::Alarm> {
        self.world.get_resource::<crate::model::facility::FacilityModel>().map(|f| f.totals.alarms.clone()).unwrap_or_default()
    }

    /// The facility's worst energy-balance error so far, W (None without a facility).
    pub fn heat_balance_error_w(&self) -> Option<f64> {
        self.world.get_resource::<crate::model::facility::FacilityModel>().map(|f| f.totals.max_heat_balance_error_w)
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The ECS world (for tests and invariant checks).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Free accelerators according to the placement core.
    pub fn free_accelerators(&self) -> u64 {
        self.cluster.free_accelerators()
    }
}

/// The `capacity` section of a scenario.
pub fn capacity(sc: &Scenario) -> crate::metrics::Capacity {
    let mut by_model = std::collections::BTreeMap::new();
    for (g, nt) in sc.racks_iter() {
        *by_model.entry(sc.devices[nt.device].spec.id.clone()).or_insert(0) += g.count as u64 * g.nodes as u64 * nt.accelerators as u64;
    }
    let peak_pflops = crate::catalog::PRECISIONS.iter().map(|p| (p.to_string(), sc.peak_pflops(p))).filter(|(_, v)| *v > 0.0).collect();
    let idle_w = compute::it_idle_w(sc);
    crate::metrics::Capacity {
        accelerators: sc.accelerators(),
        nodes: sc.nodes(),
        racks: sc.racks(),
        halls: sc.halls.len() as u64,
        peak_pflops_fp16: sc.peak_pflops("fp16"),
        peak_pflops,
        accelerators_by_model: by_model,
        it_design_kw: compute::it_design_w(sc) / 1000.0,
        it_idle_kw: idle_w / 1000.0,
    }
}

/// Applies (or removes) a job's load on its nodes, their halls, its accelerators and the site.
/// A whole-node job's requested accelerators are spread evenly over its nodes; the rest of what
/// it holds is allocated but idle. Cost: O(accelerators of the job).
fn apply_load(world: &mut World, topo: &Topology, job: &Job, add: bool, now: u64) {
    {
        let m = (job.alloc.len() as u32).max(1);
        let (base, extra) = (job.requested / m, job.requested % m);
        let mut delta_mw = 0i64;
        for (i, &(node, mask)) in job.alloc.iter().enumerate() {
            let count = mask.count_ones();
            let active = (base + u32::from((i as u32) < extra)).min(count);
            let info = topo.nodes[node as usize];
            delta_mw += change_node_load(world, topo, info, count, active as u64 * job.dyn_ppm, add, now);
            let mut bits = mask;
            let mut k = 0;
            while bits != 0 {
                let slot = bits.trailing_zeros();
                bits &= bits - 1;
                let e = topo.accelerators[(info.first_accelerator + slot) as usize];
                if let Some(mut st) = world.get_mut::<AcceleratorState>(e) {
                    *st = if add {
                        AcceleratorState { job: Some(job.id), utilization_bp: if k < active { job.utilization_bp } else { 0 } }
                    } else {
                        AcceleratorState::default()
                    };
                }
                k += 1;
            }
        }
        let mut site = world.resource_mut::<SiteLoad>();
        site.it_power_mw += delta_mw;
        let busy = job.requested as u64 * job.utilization_bp as u64;
        if add {
            site.allocated += job.allocated as u64;
            site.busy_bp += busy;
        } else {
            site.allocated -= job.allocated as u64;
            site.busy_bp -= busy;
        }
    }
}

/// Adds (or removes) `allocated` accelerators and `dyn_ppm` of dynamic draw on one node, and its
/// power change on its hall. Returns the node's power change, mW.
fn change_node_load(world: &mut World, topo: &Topology, info: compute::NodeInfo, allocated: u32, dyn_ppm: u64, add: bool, now: u64) -> i64 {
    let Some(mut load) = world.get_mut::<NodeLoad>(info.entity) else { return 0 };
    let old_mw = load.power_mw;
    if add {
        load.allocated += allocated;
        load.dyn_ppm += dyn_ppm;
    } else {
        load.allocated -= allocated;
        load.dyn_ppm -= dyn_ppm;
    }
    load.power_mw = topo.models[info.model as usize].power_mw(load.allocated, load.dyn_ppm);
    let d = load.power_mw - old_mw;
    if let Some(mut hall) = world.get_mut::<HallLoad>(info.hall) {
        hall.advance(now);
        hall.it_power_mw += d;
        if add {
            hall.allocated += allocated as u64;
        } else {
            hall.allocated -= allocated as u64;
        }
    }
    d
}
