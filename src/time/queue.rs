//! The event queue: a binary heap ordered by (time, sequence). The sequence number, assigned at
//! push, breaks ties in push order, so runs are deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that happens at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next job of a synthetic class arrives.
    Arrival {
        /// Class index.
        class: u16,
    },
    /// The next job of the trace arrives.
    TraceArrival {
        /// Index into the trace's jobs.
        index: u32,
    },
    /// A running job ends (if `generation` is still the job's: throttling reschedules ends).
    JobEnd {
        /// Its slot.
        slot: u32,
        /// The job's end-event generation when this was scheduled.
        generation: u32,
    },
    /// Run a scheduling pass.
    Schedule,
    /// A component of class `component` (index in `Component::ALL`) fails.
    Failure {
        /// Component class index.
        component: u8,
    },
    /// One repair of a node is done.
    Repair {
        /// Global node index.
        node: u32,
    },
    /// An inference service's autoscaler acts.
    Autoscale {
        /// Service index.
        service: u16,
    },
    /// A rack group that enters service later does now.
    InService {
        /// Index into the topology's later groups.
        group: u16,
    },
    /// A running job has done its work up to its next checkpoint (if `generation` is still its
    /// checkpoint generation).
    CheckpointDue {
        /// Its slot.
        slot: u32,
        /// The job's checkpoint generation when this was scheduled.
        generation: u32,
    },
    /// An asynchronous checkpoint's copy into host memory is done.
    CheckpointCopied {
        /// Its slot.
        slot: u32,
        /// The job's checkpoint generation when this was scheduled.
        generation: u32,
    },
    /// A job placed here by a federation's dispatcher arrives.
    Inbound {
        /// Index into the site's inbox.
        index: u32,
    },
    /// The storage tier's earliest transfer ends (if `generation` is still current).
    StorageDone {
        /// The tier's schedule generation.
        generation: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    time_ms: u64,
    seq: u64,
    event: Event,
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest first.
        (other.time_ms, other.seq).cmp(&(self.time_ms, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Pending events, earliest first.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    /// Schedules an event.
    pub fn push(&mut self, time_ms: u64, event: Event) {
        self.heap.push(Entry { time_ms, seq: self.seq, event });
        self.seq += 1;
    }

    /// Time of the earliest event.
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.time_ms)
    }

    /// Removes the earliest event.
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|e| (e.time_ms, e.event))
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_then_push_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::Schedule);
        q.push(3, Event::JobEnd { slot: 1, generation: 0 });
        q.push(5, Event::JobEnd { slot: 2, generation: 0 });
        q.push(3, Event::JobEnd { slot: 3, generation: 0 });
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (3, Event::JobEnd { slot: 1, generation: 0 }),
                (3, Event::JobEnd { slot: 3, generation: 0 }),
                (5, Event::Schedule),
                (5, Event::JobEnd { slot: 2, generation: 0 })
            ]
        );
    }
}
