//! The event queue: a 4-ary min-heap ordered by (time, sequence). The sequence number, assigned
//! at push, breaks ties in push order, so runs are deterministic.
//!
//! ## How it works
//! Each entry's order is one `u128` key, time in the high 64 bits and sequence in the low 64, so
//! one comparison orders two entries and no two keys are equal. The keys sit in their own array,
//! apart from the events: the four children of a node are 64 contiguous bytes (one cache line when
//! aligned), so a pop reads one line per level and there are log4(n) levels, half a binary heap's.
//! At 300,000 accelerators the queue holds tens of thousands of pending job ends, and the binary
//! heap's pops were the largest single cost of the event loop (BENCHMARKS.md, "Event loop at
//! 十万卡"). Pop moves the last entry into the hole left at the root and sifts it down; push sifts up.
//!
//! Half of all events are pushed for the instant being handled (a scheduling pass after an
//! arrival or an end). Those skip the heap: an event pushed at the time of the last pop goes to a
//! FIFO. Its entries come after every heap entry of that time (which were all pushed before the
//! clock reached it, so with smaller sequence numbers) and before every later one, so pop takes
//! the heap's root while it is at that time, then the FIFO, then the heap again: the same
//! (time, sequence) order, proved against a sorted list by the property test below.

use std::collections::VecDeque;

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

/// Children per node of the heap.
const ARITY: usize = 4;

/// Pending events, earliest first.
#[derive(Debug, Default)]
pub struct EventQueue {
    /// (time << 64 | sequence) of each entry, in heap order.
    keys: Vec<u128>,
    /// The event of each entry, at the same index as its key.
    events: Vec<Event>,
    seq: u64,
    /// The time of the last pop, ms.
    now: u64,
    /// Events pushed at `now` since then, in push order.
    instant: VecDeque<Event>,
}

impl EventQueue {
    /// Schedules an event.
    pub fn push(&mut self, time_ms: u64, event: Event) {
        debug_assert!(time_ms >= self.now, "an event pushed at {time_ms} ms, before the last popped at {}", self.now);
        if time_ms == self.now {
            self.seq += 1;
            self.instant.push_back(event);
            return;
        }
        let key = (time_ms as u128) << 64 | self.seq as u128;
        self.seq += 1;
        let mut hole = self.keys.len();
        self.keys.push(key);
        self.events.push(event);
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            let pk = self.keys[parent];
            if pk <= key {
                break;
            }
            self.keys[hole] = pk;
            self.events[hole] = self.events[parent];
            hole = parent;
        }
        self.keys[hole] = key;
        self.events[hole] = event;
    }

    /// Time of the earliest event.
    pub fn peek_time(&self) -> Option<u64> {
        if self.instant.is_empty() { self.keys.first().map(|&k| (k >> 64) as u64) } else { Some(self.now) }
    }

    /// Removes the earliest event.
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        if !self.instant.is_empty() && self.keys.first().is_none_or(|&k| (k >> 64) as u64 > self.now) {
            return self.instant.pop_front().map(|e| (self.now, e));
        }
        let (&top, &event) = (self.keys.first()?, self.events.first()?);
        let (Some(key), Some(moved)) = (self.keys.pop(), self.events.pop()) else { unreachable!("keys and events pair up") };
        let n = self.keys.len();
        if n > 0 {
            let mut hole = 0;
            loop {
                let first = ARITY * hole + 1;
                if first >= n {
                    break;
                }
                let (child, ck) = match self.keys.get(first..first + ARITY) {
                    // All four children: a tournament of selects, no data-dependent branch.
                    Some(&[k0, k1, k2, k3]) => {
                        let (a, ka) = if k1 < k0 { (1, k1) } else { (0, k0) };
                        let (b, kb) = if k3 < k2 { (3, k3) } else { (2, k2) };
                        if kb < ka { (first + b, kb) } else { (first + a, ka) }
                    }
                    _ => {
                        let mut best = (first, self.keys[first]);
                        for c in first + 1..n {
                            if self.keys[c] < best.1 {
                                best = (c, self.keys[c]);
                            }
                        }
                        best
                    }
                };
                if ck >= key {
                    break;
                }
                self.keys[hole] = ck;
                self.events[hole] = self.events[child];
                hole = child;
            }
            self.keys[hole] = key;
            self.events[hole] = moved;
        }
        self.now = (top >> 64) as u64;
        Some((self.now, event))
    }

    /// Pending events.
    pub fn len(&self) -> usize {
        self.keys.len() + self.instant.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.instant.is_empty()
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

    proptest::proptest! {
        /// Any interleaving of pushes (at or after the last popped time, as the engine does) and
        /// pops yields what a sorted list by (time, push order) yields.
        #[test]
        fn pops_in_time_then_push_order(ops in proptest::collection::vec((0u8..3, 0u64..50), 1..400)) {
            let mut q = EventQueue::default();
            let mut reference: Vec<(u64, u64, u32)> = Vec::new();
            let (mut now, mut pushed) = (0u64, 0u32);
            for (op, dt) in ops {
                if op < 2 {
                    // Ties are frequent: dt is often 0 or small.
                    let t = now + dt / 10;
                    q.push(t, Event::JobEnd { slot: pushed, generation: 0 });
                    reference.push((t, pushed as u64, pushed));
                    pushed += 1;
                } else {
                    reference.sort_unstable();
                    let want = (!reference.is_empty()).then(|| reference.remove(0));
                    let got = q.pop();
                    proptest::prop_assert_eq!(got, want.map(|(t, _, slot)| (t, Event::JobEnd { slot, generation: 0 })));
                    if let Some((t, _)) = got {
                        now = t;
                    }
                }
                proptest::prop_assert_eq!(q.len(), reference.len());
                reference.sort_unstable();
                proptest::prop_assert_eq!(q.peek_time(), reference.first().map(|r| r.0));
            }
        }
    }
}
