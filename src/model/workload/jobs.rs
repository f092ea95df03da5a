//! Live jobs in a slab: a finished job's slot (and the capacity of its allocation list) is
//! reused by the next job, so steady-state job turnover allocates nothing and memory is
//! O(live jobs).

/// Index of a live job in [`Jobs`].
pub type JobSlot = u32;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting in the queue.
    Queued,
    /// Holding accelerators.
    Running,
    /// Ran to its end.
    Completed,
    /// Refused at submission.
    Rejected,
    /// A service replica stopped or cancelled by its autoscaler.
    Stopped,
    /// Ended on its own by a failure of the job itself (user error, out of memory, bad
    /// configuration), not of the hardware.
    Failed,
    /// Cancelled by its user while running.
    Cancelled,
}

impl JobState {
    /// Name in jobs.csv.
    pub fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Completed => "completed",
            JobState::Rejected => "rejected",
            JobState::Stopped => "stopped",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// How a job ends when it runs to the end of its work: a job that fails or is cancelled on its
/// own has its work cut to the point where it does (drawn per class, or its trace's duration).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum End {
    /// Completes.
    #[default]
    Complete,
    /// Fails (user error, out of memory, bad configuration).
    Fail,
    /// Is cancelled by its user.
    Cancel,
}

impl End {
    /// Its state in jobs.csv.
    pub fn state(self) -> JobState {
        match self {
            End::Complete => JobState::Completed,
            End::Fail => JobState::Failed,
            End::Cancel => JobState::Cancelled,
        }
    }

    /// The end of a trace job from its final state in the trace: Slurm's FAILED, NODE_FAIL,
    /// OUT_OF_MEMORY, TIMEOUT and Kubernetes' Failed fail; CANCELLED (Slurm also writes
    /// `CANCELLED by <uid>`) is cancelled; anything else (COMPLETED, Succeeded, a pod still
    /// Running when the trace was cut) completes.
    pub fn of_trace_state(state: &str) -> End {
        let s = state.trim().to_ascii_uppercase();
        if s.starts_with("CANCEL") {
            End::Cancel
        } else if s.contains("FAIL") || s == "OUT_OF_MEMORY" || s == "TIMEOUT" {
            End::Fail
        } else {
            End::Complete
        }
    }
}

/// What a trace job asks for beyond whole accelerators: a share of each GPU, CPU, memory and a
/// GPU model constraint (placement by shares, [`crate::model::scheduler::Shares`]), where it
/// came from in the trace, and how it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Request {
    /// Share of each accelerator, thousandths (1000 = whole).
    pub gpu_milli: u16,
    /// CPU, thousandths of a core.
    pub cpu_milli: u32,
    /// Memory, MiB.
    pub memory_mib: u32,
    /// GPU model constraint: 0 = any, else 1 + index into the trace's specs.
    pub spec: u16,
    /// 1-based line in the trace file (0: not from a trace).
    pub trace_line: u32,
    /// Final state in the trace: 0 = none, else 1 + index into the trace's states.
    pub trace_state: u16,
    /// How it ends when its work is done.
    pub end: End,
}

/// A job.
#[derive(Debug, Clone, Default)]
pub struct Job {
    /// Sequential id in submission order.
    pub id: u64,
    /// Class label index.
    pub class: u16,
    /// Accelerators asked for.
    pub requested: u32,
    /// Accelerators held (whole nodes above one node).
    pub allocated: u32,
    /// Placement pool (node type).
    pub pool: u16,
    /// Required device, if any.
    pub device: Option<u16>,
    /// Priority (higher first).
    pub priority: i32,
    /// Submission time, ms.
    pub submit_ms: u64,
    /// Start time, ms (valid when running or completed).
    pub start_ms: u64,
    /// True run time, ms.
    pub duration_ms: u64,
    /// Run time the scheduler believes, ms.
    pub estimate_ms: u64,
    /// Utilization of its requested accelerators, parts per ten thousand.
    pub utilization_bp: u16,
    /// f(u) of one busy accelerator as drawn now (capped while thermally throttled), ppm.
    pub dyn_ppm: u64,
    /// f(u) of one busy accelerator the job asks for, ppm.
    pub demand_ppm: u64,
    /// Work done at `rate_since_ms`, in ms at full speed.
    pub progress_ms: f64,
    /// Speed relative to full speed (below 1 while throttled).
    pub rate: f64,
    /// When `rate` last changed, ms.
    pub rate_since_ms: u64,
    /// Generation of the slot's end event: bumped at every (re)scheduling and kept across slot
    /// reuse, so a stale end event is recognised.
    pub generation: u32,
    /// (global node, slot mask) held.
    pub alloc: Vec<(u32, u64)>,
    /// Times a failure interrupted it.
    pub interruptions: u32,
    /// Model FLOPs of a work-defined job (0 for duration-defined jobs).
    pub flops: f64,
    /// Speed from its placement and network sharing relative to its ideal placement (1 without a
    /// network model); multiplies the thermal / power-cap speed in `rate`.
    pub net_rate: f64,
    /// Step time at its placement when it (last) started, s (work-defined jobs; 0 otherwise).
    pub step_s: f64,
    /// Whether a higher-priority job may preempt it.
    pub preemptible: bool,
    /// Times it was preempted.
    pub preemptions: u32,
    /// Shares, CPU, memory and trace origin (default for synthetic jobs).
    pub request: Request,
    /// Waiting for storage (a checkpoint or a restart read): no progress, no pending end.
    pub stalled: bool,
}

impl Job {
    /// Work done by `now`, ms at full speed (none while stalled).
    pub fn progress_at(&self, now: u64) -> f64 {
        if self.stalled { self.progress_ms } else { self.progress_ms + now.saturating_sub(self.rate_since_ms) as f64 * self.rate }
    }
}

/// The slab of live jobs (a resource).
#[derive(bevy_ecs::prelude::Resource, Debug, Default)]
pub struct Jobs {
    slots: Vec<Job>,
    free: Vec<JobSlot>,
    live: usize,
    next_id: u64,
}

impl Jobs {
    /// Stores a new job (its id is assigned here) and returns its slot.
    pub fn insert(&mut self, mut job: Job) -> JobSlot {
        job.id = self.next_id;
        self.next_id += 1;
        self.live += 1;
        match self.free.pop() {
            Some(s) => {
                let slot = &mut self.slots[s as usize];
                let mut alloc = std::mem::take(&mut slot.alloc);
                alloc.clear();
                let generation = slot.generation.wrapping_add(1);
                *slot = Job { alloc, generation, ..job };
                s
            }
            None => {
                self.slots.push(job);
                (self.slots.len() - 1) as JobSlot
            }
        }
    }

    /// Frees a slot for reuse.
    pub fn remove(&mut self, slot: JobSlot) {
        self.free.push(slot);
        self.live -= 1;
    }

    /// The job in a slot.
    pub fn get(&self, slot: JobSlot) -> &Job {
        &self.slots[slot as usize]
    }

    /// The job in a slot, mutably.
    pub fn get_mut(&mut self, slot: JobSlot) -> &mut Job {
        &mut self.slots[slot as usize]
    }

    /// Jobs alive now.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Jobs submitted so far.
    pub fn submitted(&self) -> u64 {
        self.next_id
    }

    /// Slots ever created (a bound on memory).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_states_map_to_how_jobs_end() {
        for (state, end) in [
            ("COMPLETED", End::Complete),
            ("Succeeded", End::Complete),
            ("Running", End::Complete),
            ("", End::Complete),
            ("FAILED", End::Fail),
            ("NODE_FAIL", End::Fail),
            ("OUT_OF_MEMORY", End::Fail),
            ("TIMEOUT", End::Fail),
            ("Failed", End::Fail),
            ("CANCELLED", End::Cancel),
            ("CANCELLED by 1234", End::Cancel),
            (" canceled ", End::Cancel),
        ] {
            assert_eq!(End::of_trace_state(state), end, "{state:?}");
        }
        assert_eq!(
            [End::Complete.state(), End::Fail.state(), End::Cancel.state()].map(JobState::name),
            ["completed", "failed", "cancelled"]
        );
    }
}
