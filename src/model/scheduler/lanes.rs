//! The queue of the list policies in lanes, so that a pass skips the jobs a class quota holds
//! back without reading them.
//!
//! ## How it works
//! Each queued job gets a sequence number: arrivals count up from the middle of the u32 range
//! and jobs put back after an interruption count down from it, so that ordering by (priority,
//! highest first; sequence) is the list order of the policy: an arrival goes after every queued
//! job of the same or higher priority, a returning job before every one of the same or lower
//! priority (without priorities, all are one level). A lane holds the queued jobs of one key in
//! sequence order: arrivals at its back, returning jobs at its front. The key is the priority,
//! and for a class with a quota also the class, the accelerators requested and the device, so
//! that every job of such a lane needs the same share of the same quota.
//!
//! A pass walks the heads of the lanes in list order through a binary heap (O(log lanes) a
//! step). Under quotas it drops a lane whose head is over its class quota for the rest of the
//! pass: its other jobs need as much of the same quota, and a pass only adds allocations. So a
//! pass reads the jobs the policy considers and one job per lane held back, not the queue.
//! Memory: one (sequence, slot) pair of 8 bytes per queued job. When the numbers run out at
//! either end (after 2^31 arrivals or returns), the queued jobs are numbered again in order,
//! centred in the range (O(queue log queue), once per (2^32 - queue) / 2 insertions at least).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use crate::model::workload::{Job, JobSlot};

/// Position in the list order: (priority, highest first; sequence).
pub type Key = (Reverse<i32>, u32);

/// After every key: a pass that read the whole queue (no job has this sequence).
pub const ALL: Key = (Reverse(i32::MIN), u32::MAX);

/// Where sequences start.
const MID: u32 = 1 << 31;

/// What a lane holds: (priority, class, accelerators, device); only the priority for a class
/// without a quota.
type LaneKey = (Reverse<i32>, u16, u32, Option<u16>);

#[derive(Debug)]
struct Lane {
    priority: i32,
    /// (sequence, slot), in sequence order.
    jobs: VecDeque<(u32, JobSlot)>,
}

/// The queued jobs of a list policy, in lanes.
#[derive(Debug)]
pub struct Lanes {
    by_priority: bool,
    /// Per class: whether it has a quota (its lanes split by request).
    split: Vec<bool>,
    lanes: Vec<Lane>,
    index: BTreeMap<LaneKey, usize>,
    /// Last sequence of an arrival, and of a returning job.
    back: u32,
    front: u32,
    len: usize,
    /// The walk of a pass: lane heads by key, each lane's position, and the head of the lane
    /// the walk is in (kept out of the heap while it stays first: one lane often holds most
    /// of the queue).
    heads: BinaryHeap<Reverse<(Key, usize)>>,
    cursor: Vec<usize>,
    current: Option<(Key, usize, JobSlot)>,
}

impl Lanes {
    /// An empty queue; `split[c]`: whether class c has a quota.
    pub fn new(by_priority: bool, split: Vec<bool>) -> Lanes {
        Lanes {
            by_priority,
            split,
            lanes: Vec::new(),
            index: BTreeMap::new(),
            back: MID,
            front: MID,
            len: 0,
            heads: BinaryHeap::new(),
            cursor: Vec::new(),
            current: None,
        }
    }

    /// An empty queue whose sequences run out after `room` arrivals or returns (to test the
    /// renumbering).
    #[cfg(test)]
    fn with_room(by_priority: bool, split: Vec<bool>, room: u32) -> Lanes {
        Lanes { back: u32::MAX - 1 - room, front: room, ..Lanes::new(by_priority, split) }
    }

    /// Jobs queued.
    pub fn len(&self) -> usize {
        self.len
    }

    fn lane_key(&self, job: &Job) -> LaneKey {
        let p = Reverse(if self.by_priority { job.priority } else { 0 });
        match self.split.get(job.class as usize) {
            Some(true) => (p, job.class, job.requested, job.device),
            _ => (p, u16::MAX, 0, None),
        }
    }

    /// Queues a job: after every queued job of the same or higher priority, or (`returning`)
    /// before every one of the same or lower priority. Returns its key, and whether the queued
    /// jobs were numbered again (their keys changed, not their order).
    pub fn insert(&mut self, slot: JobSlot, job: &Job, returning: bool) -> (Key, bool) {
        let renumber = if returning { self.front == 0 } else { self.back >= u32::MAX - 1 };
        if renumber {
            self.renumber();
        }
        let key = self.lane_key(job);
        let lane = match self.index.get(&key) {
            Some(&l) => l,
            None => {
                self.lanes.push(Lane { priority: key.0.0, jobs: VecDeque::new() });
                self.index.insert(key, self.lanes.len() - 1);
                self.lanes.len() - 1
            }
        };
        let seq = if returning {
            self.front -= 1;
            self.lanes[lane].jobs.push_front((self.front, slot));
            self.front
        } else {
            self.back += 1;
            self.lanes[lane].jobs.push_back((self.back, slot));
            self.back
        };
        self.len += 1;
        ((key.0, seq), renumber)
    }

    /// Numbers the queued jobs again in list order, around the middle of the range.
    fn renumber(&mut self) {
        let mut all: Vec<(Key, usize)> = Vec::with_capacity(self.len);
        for (l, lane) in self.lanes.iter().enumerate() {
            all.extend(lane.jobs.iter().map(|&(seq, _)| ((Reverse(lane.priority), seq), l)));
        }
        all.sort_unstable();
        // Slots are u32, so fewer than 2^32 jobs are queued: the block fits, centred.
        let start = ((u32::MAX as u64 - self.len as u64) / 2) as u32;
        let mut at = vec![0; self.lanes.len()];
        for (i, &(_, l)) in all.iter().enumerate() {
            // A lane's jobs are in sequence order: they come in order here.
            self.lanes[l].jobs[at[l]].0 = start + i as u32;
            at[l] += 1;
        }
        self.front = start;
        self.back = start + (self.len as u32).saturating_sub(1);
    }

    /// Removes a queued job; its key if it was queued.
    pub fn remove(&mut self, slot: JobSlot, job: &Job) -> Option<Key> {
        let l = *self.index.get(&self.lane_key(job))?;
        let lane = &mut self.lanes[l];
        let i = lane.jobs.iter().position(|&(_, s)| s == slot)?;
        let (seq, _) = lane.jobs.remove(i)?;
        self.len -= 1;
        Some((Reverse(lane.priority), seq))
    }

    /// Empties the queue, in list order.
    pub fn drain(&mut self) -> Vec<JobSlot> {
        let mut all: Vec<(Key, JobSlot)> = Vec::with_capacity(self.len);
        for lane in &mut self.lanes {
            all.extend(lane.jobs.drain(..).map(|(seq, s)| ((Reverse(lane.priority), seq), s)));
        }
        all.sort_unstable_by_key(|&(k, _)| k);
        self.len = 0;
        all.into_iter().map(|(_, s)| s).collect()
    }

    /// Starts a walk in list order.
    pub fn walk(&mut self) {
        self.heads.clear();
        self.cursor.clear();
        self.cursor.resize(self.lanes.len(), 0);
        for l in 0..self.lanes.len() {
            if let Some((key, l, _)) = self.head(l) {
                self.heads.push(Reverse((key, l)));
            }
        }
        self.current = None;
    }

    /// Lane l's job at its position in the walk, if any: (its key, l, its slot).
    #[inline]
    fn head(&self, l: usize) -> Option<(Key, usize, JobSlot)> {
        let lane = &self.lanes[l];
        lane.jobs.get(self.cursor[l]).map(|&(seq, slot)| ((Reverse(lane.priority), seq), l, slot))
    }

    /// The next job of the walk: (its key, its lane, its slot). Then exactly one of
    /// [`Lanes::pass_over`], [`Lanes::take`] or nothing (the lane is dropped from this walk).
    #[inline]
    pub fn next(&mut self) -> Option<(Key, usize, JobSlot)> {
        let (key, l) = match self.current.take() {
            Some((key, l, slot)) => match self.heads.peek_mut() {
                // Another lane comes first: it leaves the heap, this lane's head enters it.
                Some(mut top) if top.0 < (key, l) => std::mem::replace(&mut *top, Reverse((key, l))).0,
                _ => return Some((key, l, slot)),
            },
            None => self.heads.pop()?.0,
        };
        Some((key, l, self.lanes[l].jobs[self.cursor[l]].1))
    }

    /// The walk leaves the job it returned queued and goes on in its lane.
    #[inline]
    pub fn pass_over(&mut self, l: usize) {
        self.cursor[l] += 1;
        self.current = self.head(l);
    }

    /// The job the walk returned leaves the queue (it started).
    #[inline]
    pub fn take(&mut self, l: usize) {
        self.lanes[l].jobs.remove(self.cursor[l]);
        self.len -= 1;
        self.current = self.head(l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list order by definition: a vector with the policy's insertions.
    #[test]
    fn the_walk_and_drain_follow_the_list_order_of_the_policy() {
        use rand::RngExt;
        let mut rng = crate::time::rng::stream(9, "lanes-test");
        for (by_priority, room) in [(false, MID), (true, MID), (true, 40)] {
            let mut lanes = Lanes::with_room(by_priority, vec![true, false, true], room);
            let mut renumbered = 0;
            let mut list: Vec<(JobSlot, i32)> = Vec::new();
            let mut jobs: Vec<Job> = Vec::new();
            for _ in 0..3000 {
                let slot = jobs.len() as JobSlot;
                let class = rng.random_range(0..3);
                let job =
                    Job { class, requested: [1, 8, 16][rng.random_range(0..3)], priority: rng.random_range(0..3), ..Default::default() };
                let p = if by_priority { job.priority } else { 0 };
                match rng.random_range(0..10) {
                    0..6 => {
                        renumbered += lanes.insert(slot, &job, false).1 as u32;
                        list.insert(list.partition_point(|&(_, q)| q >= p), (slot, p));
                    }
                    6..8 => {
                        renumbered += lanes.insert(slot, &job, true).1 as u32;
                        list.insert(list.partition_point(|&(_, q)| q > p), (slot, p));
                    }
                    _ if !list.is_empty() => {
                        let (gone, _) = list.remove(rng.random_range(0..list.len()));
                        assert!(lanes.remove(gone, &jobs[gone as usize]).is_some());
                    }
                    _ => {}
                }
                jobs.push(job);
                assert_eq!(lanes.len(), list.len());
            }
            // A walk that passes over every job sees the list; one that takes every third
            // leaves the others in order.
            lanes.walk();
            let mut seen = Vec::new();
            let mut taken = Vec::new();
            while let Some((_, l, slot)) = lanes.next() {
                seen.push(slot);
                if seen.len() % 3 == 0 {
                    lanes.take(l);
                    taken.push(slot);
                } else {
                    lanes.pass_over(l);
                }
            }
            assert_eq!(seen, list.iter().map(|&(s, _)| s).collect::<Vec<_>>());
            let left: Vec<JobSlot> = list.iter().map(|&(s, _)| s).filter(|s| !taken.contains(s)).collect();
            assert_eq!(lanes.drain(), left);
            assert_eq!(renumbered > 0, room < 100, "{renumbered} renumberings with room for {room}");
        }
    }
}
