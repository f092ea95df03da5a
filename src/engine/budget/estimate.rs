//! The estimate of one run: memory by part and output by file, each with the scenario field
//! that drives it. The byte figures are fitted to measured peak resident memory and output
//! sizes (BENCHMARKS.md, "Resource guards").

use std::fmt::Write as _;

use super::jobs::jobs;
use super::{Limits, MEMORY_SHARE, bytes, count};
use crate::config::{NodeType, Policy, RackGroup, Scenario};
use crate::metrics::histogram::LogHistogram;
use crate::scenario::FieldPath;

const MIB: f64 = 1024.0 * 1024.0;

/// Memory of the program itself (binary, catalogs, allocator, buffers), bytes: peak resident
/// memory of `aidc run` on a one-node design, one class (8.7-8.9 MiB measured).
pub const PROGRAM_BYTES: f64 = 9.0 * MIB;
/// Memory per rack: its entity and topology entry, bytes (86 measured).
pub const RACK_BYTES: f64 = 88.0;
/// Memory per node: entity, load, topology, placement pools and indexes, bytes (218 measured).
pub const NODE_BYTES: f64 = 220.0;
/// Memory per accelerator: entity, state, topology entry, bytes (147 measured).
pub const ACCELERATOR_BYTES: f64 = 148.0;
/// Extra memory per node and per accelerator with `[failures]`, bytes (3.9 and 5.8 measured).
pub const FAILURES_BYTES: (f64, f64) = (4.0, 6.0);
/// Extra memory per node with `[network]` (pod index, accelerators per node), bytes (8.3 measured).
pub const NETWORK_NODE_BYTES: f64 = 8.0;
/// Extra memory per node and per accelerator with placement by GPU shares (alibaba-v2023
/// traces): CPU, memory, share and whole-GPU indexes per node; free share and pod count per
/// GPU, bytes (counted from the vectors of `model::scheduler::shares`).
pub const SHARES_BYTES: (f64, f64) = (24.0, 4.0);
/// Histograms per class label (wait, completion, slowdown, bounded slowdown), each of
/// [`LogHistogram::buckets`] counters.
pub const CLASS_HISTOGRAMS: f64 = 4.0;
/// Memory per live job under the list policies (fifo, backfill, priority, best-fit), bytes
/// (196 measured on a queue of 722,052 jobs, plus 12 since the queue keeps lanes: 8 bytes per
/// queued job instead of 4, and +9 MB measured on the same queue).
pub const JOB_BYTES: f64 = 212.0;
/// Memory per live job under SJF (two ordered indexes per queued job), bytes (314 measured).
pub const SJF_JOB_BYTES: f64 = 320.0;
/// Memory per node of the allocation lists of the jobs running on it, bytes.
pub const ALLOCATION_BYTES_PER_NODE: f64 = 16.0;
/// Memory per trace row: the job and its submit time while reading, bytes.
pub const TRACE_ROW_BYTES: f64 = (std::mem::size_of::<crate::config::TraceJob>() + 8) as f64;
/// Memory of one more run in parallel (its worker thread's allocator arena and stack), bytes
/// (1.6 MiB measured between one and two sweep threads).
pub const PARALLEL_RUN_BYTES: f64 = 2.0 * MIB;
/// Bytes per cell of timeseries.csv and jobs.csv, the separator included (6.0-7.0 measured on
/// classroom and bench-10k).
pub const CELL_BYTES: f64 = 7.0;
/// Timeseries columns `--report` reads back (`report::figures::TIMESERIES_COLUMNS`), 8 bytes
/// each, and bytes per job row it reads (a wait and a class index).
pub const REPORT_READ: (f64, f64) = (14.0 * 8.0, 16.0);
/// Bytes per alarm, in memory (time, kind, place) and as an alarms.csv row.
pub const ALARM_ROW_BYTES: f64 = 60.0;
/// summary.json, run.json, scenario.resolved.toml; with `--report` the page and its plots, bytes.
pub const SMALL_FILES_BYTES: (f64, f64) = (0.1 * MIB, 4.0 * MIB);

/// What a run writes and reads back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outputs {
    /// timeseries.csv, jobs.csv and the rest (false: a run in memory, as in sweeps and forecasts).
    pub files: bool,
    /// `--report`: the report reads timeseries.csv and jobs.csv back.
    pub report: bool,
}

impl Outputs {
    /// An `aidc run` (or demo) writing its files, with or without the report.
    pub fn files(report: bool) -> Outputs {
        Outputs { files: true, report }
    }
}

/// A part of the estimate, bytes, and the field that drives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Bytes.
    pub bytes: f64,
    /// The scenario field that drives it.
    pub field: FieldPath,
}

/// What a run needs, estimated before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Sampling step, ms.
    pub step_ms: u64,
    /// Horizon, ms.
    pub horizon_ms: u64,
    /// Racks.
    pub racks: u64,
    /// Nodes.
    pub nodes: u64,
    /// Accelerators.
    pub accelerators: u64,
    /// Equipment memory, driven by the heaviest rack group.
    pub equipment: Part,
    /// Class labels (synthetic classes, trace labels, services).
    pub labels: u64,
    /// Memory of the statistics per class label (and of empirical duration samples).
    pub classes: Part,
    /// Expected peak of live (queued and running) jobs.
    pub live_jobs: f64,
    /// The most live jobs any run of this scenario can hold.
    pub live_jobs_bound: f64,
    /// Memory per live job, bytes.
    pub job_bytes: f64,
    /// Memory of the jobs' node allocation lists, bytes.
    pub allocation_bytes: f64,
    /// Memory of the alarms kept for alarms.csv (at most [`crate::model::facility::MAX_ALARM_ROWS`]), bytes.
    pub alarms_bytes: f64,
    /// The field that drives the live jobs (the busiest class, the trace, or the queue cap).
    pub jobs_field: FieldPath,
    /// Trace rows kept in memory.
    pub trace_rows: u64,
    /// Memory of the trace.
    pub trace: Part,
    /// Memory of the columns `--report` reads back.
    pub report: Part,
    /// timeseries.csv rows (0 for runs in memory).
    pub samples: u64,
    /// timeseries.csv columns.
    pub columns: u64,
    /// timeseries.csv bytes.
    pub timeseries: Part,
    /// Expected jobs.csv rows (0 for runs in memory).
    pub job_rows: f64,
    /// jobs.csv bytes.
    pub jobs_csv: Part,
    /// alarms.csv and the small files, bytes.
    pub other_output_bytes: f64,
}

/// What drives the memory most: its field and a name.
pub(super) enum Driver {
    Program,
    Equipment,
    Classes,
    Jobs,
    Trace,
    Report,
}

impl Estimate {
    /// Expected peak memory of the run, bytes.
    pub fn memory_bytes(&self) -> f64 {
        PROGRAM_BYTES + self.run_bytes(self.live_jobs)
    }

    /// The most memory the run can take, bytes (live jobs at their bound, every alarm kept).
    pub fn memory_bound_bytes(&self) -> f64 {
        PROGRAM_BYTES + self.run_bytes(self.live_jobs_bound) + self.alarms_bytes
    }

    /// Memory of one run beside others in the same process (no program), at its bound, bytes.
    pub fn parallel_run_bytes(&self) -> f64 {
        PARALLEL_RUN_BYTES + self.run_bytes(self.live_jobs_bound) + self.alarms_bytes
    }

    fn run_bytes(&self, live: f64) -> f64 {
        self.equipment.bytes + self.classes.bytes + live * self.job_bytes + self.allocation_bytes + self.trace.bytes + self.report.bytes
    }

    /// Bytes written.
    pub fn output_bytes(&self) -> f64 {
        self.timeseries.bytes + self.jobs_csv.bytes + self.other_output_bytes
    }

    /// The part that drives the memory most (at the bound) and its field.
    pub(super) fn memory_driver(&self) -> (Driver, FieldPath) {
        let parts = [
            (PROGRAM_BYTES, Driver::Program, FieldPath::default()),
            (self.equipment.bytes, Driver::Equipment, self.equipment.field.clone()),
            (self.classes.bytes, Driver::Classes, self.classes.field.clone()),
            (self.live_jobs_bound * self.job_bytes, Driver::Jobs, self.jobs_field.clone()),
            (self.trace.bytes, Driver::Trace, self.trace.field.clone()),
            (self.report.bytes, Driver::Report, self.report.field.clone()),
        ];
        let mut best = (f64::NEG_INFINITY, Driver::Program, FieldPath::default());
        for p in parts {
            if p.0 > best.0 {
                best = p;
            }
        }
        (best.1, best.2)
    }

    /// The lines `aidc check` prints.
    pub fn describe(&self, limits: &Limits) -> String {
        let mut o = String::new();
        let jobs = self.live_jobs * self.job_bytes + self.allocation_bytes;
        let trace = if self.trace_rows > 0 {
            format!(", trace {} ({} rows)", bytes(self.trace.bytes), count(self.trace_rows as f64))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "memory     about {}: equipment {}, live jobs {} (about {}, at most {}), statistics of {} classes {}{trace}, program {}",
            bytes(self.memory_bytes()),
            bytes(self.equipment.bytes),
            bytes(jobs),
            count(self.live_jobs),
            count(self.live_jobs_bound),
            self.labels,
            bytes(self.classes.bytes),
            bytes(PROGRAM_BYTES)
        );
        let machine = match limits.memory {
            Some(m) => format!(
                "{} available here{}, a run may use {} ({} with --allow-large)",
                bytes(m.bytes as f64),
                if m.measured { "" } else { " (assumed: the system does not say)" },
                bytes(m.bytes as f64 * MEMORY_SHARE.0),
                bytes(m.bytes as f64 * MEMORY_SHARE.1)
            ),
            None => "the memory available is unknown".to_string(),
        };
        let _ = writeln!(o, "           at most {}; {machine}", bytes(self.memory_bound_bytes()));
        let disk = limits.disk_free.map_or(String::new(), |d| format!(", {} free on disk", bytes(d as f64)));
        let _ = writeln!(
            o,
            "outputs    about {}: timeseries.csv {} rows x {} columns ({}), jobs.csv about {} rows ({})",
            bytes(self.output_bytes()),
            count(self.samples as f64),
            self.columns,
            bytes(self.timeseries.bytes),
            count(self.job_rows),
            bytes(self.jobs_csv.bytes)
        );
        let max = bytes(limits.max_output as f64);
        let _ = writeln!(o, "           a run may write {max} (90 % of the free disk with --allow-large){disk}");
        o
    }
}

/// Estimates a run of `sc` that writes `outputs`.
pub fn estimate(sc: &Scenario, outputs: Outputs) -> Estimate {
    let shares = sc.trace.as_ref().is_some_and(|t| t.shares());
    let opt = |on: bool, b: f64| if on { b } else { 0.0 };
    let per_node = NODE_BYTES
        + opt(sc.failures.is_some(), FAILURES_BYTES.0)
        + opt(sc.network.is_some(), NETWORK_NODE_BYTES)
        + opt(shares, SHARES_BYTES.0);
    let per_accelerator = ACCELERATOR_BYTES + opt(sc.failures.is_some(), FAILURES_BYTES.1) + opt(shares, SHARES_BYTES.1);
    let group_bytes = |g: &RackGroup, nt: &NodeType| {
        g.count as f64 * (RACK_BYTES + g.nodes as f64 * (per_node + nt.accelerators as f64 * per_accelerator))
    };
    let equipment = Part { bytes: sc.racks_iter().map(|(g, nt)| group_bytes(g, nt)).sum(), field: equipment_field(sc, &group_bytes) };

    let labels = sc.class_labels().len() as u64;
    let histogram = LogHistogram::buckets(crate::metrics::PERCENTILE_PRECISION) as f64 * 8.0;
    // Empirical durations are kept by the class and by its sampler.
    let samples_kept: usize = sc
        .classes
        .iter()
        .map(|c| match &c.duration {
            crate::config::DurationDist::Empirical { values_ms, .. } => 2 * values_ms.len(),
            _ => 0,
        })
        .sum();
    let classes_field = match &sc.trace {
        Some(t) if t.labels.len() > sc.classes.len() => FieldPath::root("workload").key("trace").key("columns").key("class"),
        _ => FieldPath::root("workload").key("classes"),
    };
    let load = jobs(sc);
    let trace_rows = sc.trace.as_ref().map_or(0, |t| t.jobs.len() as u64);
    // One row per output step (`[output] timeseries_step`, the sampling step by default).
    let row_ms = sc.step_ms.max(1) * sc.output.timeseries_every.max(1);
    let samples = if outputs.files { sc.horizon_ms.div_ceil(row_ms) + 1 } else { 0 };
    let columns = timeseries_columns(sc);
    let step_field = if sc.output.timeseries_every > 1 {
        FieldPath::root("output").key("timeseries_step")
    } else {
        FieldPath::root("simulation").key("step")
    };
    let job_rows = if outputs.files { load.rows } else { 0.0 };
    let report_bytes = if outputs.report { samples as f64 * REPORT_READ.0 + job_rows * REPORT_READ.1 } else { 0.0 };
    let alarms = crate::model::facility::MAX_ALARM_ROWS as f64 * ALARM_ROW_BYTES;
    let other = opt(outputs.files, SMALL_FILES_BYTES.0 + opt(outputs.report, SMALL_FILES_BYTES.1) + opt(sc.facility.is_some(), alarms));
    Estimate {
        step_ms: sc.step_ms,
        horizon_ms: sc.horizon_ms,
        racks: sc.racks(),
        nodes: sc.nodes(),
        accelerators: sc.accelerators(),
        equipment,
        labels,
        classes: Part { bytes: (labels + 1) as f64 * CLASS_HISTOGRAMS * histogram + samples_kept as f64 * 8.0, field: classes_field },
        live_jobs: load.live,
        live_jobs_bound: load.bound,
        job_bytes: if sc.scheduler.policy.policy() == Policy::Sjf { SJF_JOB_BYTES } else { JOB_BYTES },
        allocation_bytes: sc.nodes() as f64 * ALLOCATION_BYTES_PER_NODE,
        alarms_bytes: opt(sc.facility.is_some(), alarms),
        jobs_field: load.field,
        trace_rows,
        trace: Part { bytes: trace_rows as f64 * TRACE_ROW_BYTES, field: FieldPath::root("workload").key("trace").key("file") },
        report: Part { bytes: report_bytes, field: step_field.clone() },
        samples,
        columns,
        timeseries: Part { bytes: samples as f64 * columns as f64 * CELL_BYTES, field: step_field },
        job_rows,
        jobs_csv: Part { bytes: job_rows * jobs_columns(sc) as f64 * CELL_BYTES, field: load.rows_field },
        other_output_bytes: other,
    }
}

/// The rack group whose equipment weighs most (or the node list it came from).
fn equipment_field(sc: &Scenario, bytes: &dyn Fn(&RackGroup, &NodeType) -> f64) -> FieldPath {
    if sc.node_list.is_some() {
        return FieldPath::root("cluster").key("node_list");
    }
    let mut best = (f64::NEG_INFINITY, 0, 0);
    for (h, hall) in sc.halls.iter().enumerate() {
        for (g, group) in hall.racks.iter().enumerate() {
            let b = bytes(group, &sc.node_types[group.node_type]);
            if b > best.0 {
                best = (b, h, g);
            }
        }
    }
    FieldPath::root("halls").index(best.1).key("racks").index(best.2).key("count")
}

/// Columns of timeseries.csv: those `[output]` names, else every one the scenario has.
fn timeseries_columns(sc: &Scenario) -> u64 {
    if let Some(cols) = &sc.output.timeseries_columns {
        return cols.len() as u64;
    }
    crate::metrics::registry::timeseries_header(sc.facility.is_some(), sc.coordination.is_some()).split(',').count() as u64
}

/// Columns of jobs.csv.
fn jobs_columns(sc: &Scenario) -> u64 {
    let n = |s: &str| s.split(',').count() as u64;
    let with_net = sc.network.is_some() || sc.classes.iter().any(|c| c.work.is_some());
    let traced = sc.trace.as_ref().is_some_and(|t| t.format != crate::config::TraceFormat::Generic);
    n(crate::model::workload::JOBS_HEADER)
        + u64::from(sc.failures.is_some())
        + if traced { n(crate::model::workload::JOBS_TRACE_COLUMNS) } else { 0 }
        + if with_net { 2 } else { 0 }
}
