//! The storage tier (存力): checkpoint writes and restart reads sharing its bandwidth in time,
//! and its power.
//!
//! ## How it works
//! Writes and reads are two servers, each shared by the transfers in progress by weighted
//! processor sharing with a per-node cap: a job of n nodes moving S bytes moves S / n per
//! node, and while N nodes transfer in one direction each gets r = min(c, B / N) bytes/s,
//! with B the tier's aggregate bandwidth in that direction and c a node's client link. A
//! transfer alone takes S / min(n c, B); k equal transfers at once take k times longer once
//! k n c exceeds B. Since every active node gets the same rate, one virtual clock per
//! direction, V(t) = ∫ r dt (bytes per node served to a transfer active throughout), gives
//! every finish: a transfer started at t0 ends when V reaches V(t0) + S / n. The pending
//! finishes are a min-heap, so a start, an end or a cancel costs O(log transfers) and never a
//! scan of the jobs (Kleinrock 1967, "Time-shared systems: a theoretical treatment", for
//! processor sharing; the virtual-time formulation is that of fair queueing, Demers, Keshav
//! and Shenker, SIGCOMM 1989). One `StorageDone` event is pending at the earliest finish; a
//! change of N reschedules it under a new generation (the stale one is dropped).
//!
//! Power: the tier draws P = P_idle + (P_active - P_idle) x min(1, u_w + u_r), where
//! u = N r / B is the share of each direction's bandwidth in use (linear in load like the
//! servers of Barroso and Hölzle 2007 [simplification: reads and writes load the same disks
//! and servers]). It is IT load, spread over the halls by their nodes like the network's
//! switches, and changes only when a transfer starts or ends, so IT energy stays exact.
//! Defaults and their sources: [`crate::scenario::storage`].

mod summary;

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use bevy_ecs::prelude::*;

pub use summary::StorageSummary;

use crate::config::storage::Storage as StorageConfig;
use crate::model::compute::{ComputeLoad, HallLoad, SiteLoad, Topology};
use crate::time::queue::{Event, EventQueue};

/// Which server a transfer uses and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// A restart reads the job's last checkpoint.
    Read,
    /// A synchronous checkpoint (the job waits).
    SyncWrite,
    /// The background write of an asynchronous checkpoint.
    AsyncWrite,
}

/// A handle on a transfer in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferId {
    index: u32,
    serial: u64,
}

/// A finished transfer: its owner (a job slot) and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The job slot that started it.
    pub owner: u32,
    /// What it was.
    pub kind: Transfer,
    /// Its handle.
    pub id: TransferId,
}

/// A pending finish: (virtual time, serial, slot index), ordered totally.
#[derive(Debug, Clone, Copy)]
struct Finish(f64, u64, u32);

impl PartialEq for Finish {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Finish {}

impl PartialOrd for Finish {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Finish {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1)).then(self.2.cmp(&other.2))
    }
}

/// One direction's processor-sharing server.
#[derive(Debug)]
struct Server {
    bytes_per_s: f64,
    client_bytes_per_s: f64,
    nodes: u64,
    v: f64,
    last_ms: u64,
    heap: BinaryHeap<Reverse<Finish>>,
    moved_bytes: f64,
}

impl Server {
    fn new(bytes_per_s: f64, client_bytes_per_s: f64) -> Self {
        Server { bytes_per_s, client_bytes_per_s, nodes: 0, v: 0.0, last_ms: 0, heap: BinaryHeap::new(), moved_bytes: 0.0 }
    }

    /// Bytes/s each active node gets.
    fn rate(&self) -> f64 {
        if self.nodes == 0 { self.client_bytes_per_s } else { self.client_bytes_per_s.min(self.bytes_per_s / self.nodes as f64) }
    }

    /// Share of the aggregate bandwidth in use.
    fn utilization(&self) -> f64 {
        (self.nodes as f64 * self.rate() / self.bytes_per_s).min(1.0)
    }

    fn advance(&mut self, now: u64) {
        if now > self.last_ms {
            let dt_s = (now - self.last_ms) as f64 / 1000.0;
            if self.nodes > 0 {
                let r = self.rate();
                self.v += r * dt_s;
                self.moved_bytes += self.nodes as f64 * r * dt_s;
            }
            self.last_ms = now;
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    serial: u64,
    owner: u32,
    nodes: u32,
    kind: Transfer,
    live: bool,
}

/// The storage tier of a running simulation (a resource, present with `[storage]`).
#[derive(Resource, Debug)]
pub struct Storage {
    write: Server,
    read: Server,
    slots: Vec<Slot>,
    free: Vec<u32>,
    serial: u64,
    generation: u32,
    idle_w: f64,
    active_w: f64,
    /// Copy bandwidth of one accelerator into host memory, bytes/s.
    pub host_copy_bytes_per_s: f64,
    hall_nodes: Vec<(Entity, u64)>,
    nodes: u64,
    hall_mw: Vec<i64>,
    power_mw: i64,
    energy_mw_ms: i128,
    last_ms: u64,
    pub(crate) tally: summary::Tally,
    /// Scratch for the transfers a `StorageDone` event finishes.
    pub(crate) done: Vec<Done>,
}

impl Storage {
    /// The tier of `cfg`; its idle power joins the IT load of the halls and the site.
    pub fn build(world: &mut World, cfg: &StorageConfig) {
        let topo = world.resource::<Topology>();
        let mut per_hall = vec![0u64; topo.halls.len()];
        for n in &topo.nodes {
            per_hall[n.hall_index as usize] += 1;
        }
        let hall_nodes: Vec<(Entity, u64)> = topo.halls.iter().copied().zip(per_hall).collect();
        let nodes = topo.nodes.len().max(1) as u64;
        let mut s = Storage {
            write: Server::new(cfg.write_bytes_per_s, cfg.client_bytes_per_s),
            read: Server::new(cfg.read_bytes_per_s, cfg.client_bytes_per_s),
            slots: Vec::new(),
            free: Vec::new(),
            serial: 0,
            generation: 0,
            idle_w: cfg.idle_w,
            active_w: cfg.active_w,
            host_copy_bytes_per_s: cfg.host_copy_bytes_per_s,
            hall_mw: vec![0; hall_nodes.len()],
            hall_nodes,
            nodes,
            power_mw: 0,
            energy_mw_ms: 0,
            last_ms: 0,
            tally: summary::Tally::default(),
            done: Vec::new(),
        };
        let target = s.target_mw();
        let deltas = s.split(target);
        for (i, d) in deltas.iter().enumerate() {
            if let Some(mut h) = world.get_mut::<HallLoad>(s.hall_nodes[i].0) {
                h.it_power_mw += d;
            }
        }
        s.power_mw = target;
        let mut site = world.resource_mut::<SiteLoad>();
        site.it_power_mw += target;
        site.max_it_power_mw = site.it_power_mw;
        site.min_it_power_mw = site.it_power_mw;
        world.insert_resource(s);
    }

    /// The tier's power now, mW (part of the site's IT power).
    pub fn power_mw(&self) -> i64 {
        self.power_mw
    }

    /// Seconds a transfer of `bytes` by `nodes` nodes takes alone.
    pub fn alone_s(&self, kind: Transfer, bytes: f64, nodes: u32) -> f64 {
        let server = if kind == Transfer::Read { &self.read } else { &self.write };
        let n = nodes.max(1) as f64;
        bytes / (n * server.client_bytes_per_s).min(server.bytes_per_s)
    }

    /// Power now, W.
    fn target_mw(&self) -> i64 {
        let u = (self.write.utilization() + self.read.utilization()).min(1.0);
        ((self.idle_w + (self.active_w - self.idle_w) * u) * 1000.0).round() as i64
    }

    /// Per-hall deltas that bring the halls' storage power to `total_mw` (split by nodes; the
    /// last hall takes the rounding).
    fn split(&mut self, total_mw: i64) -> Vec<i64> {
        let last = self.hall_nodes.len().saturating_sub(1);
        let mut given = 0i64;
        let mut deltas = Vec::with_capacity(self.hall_nodes.len());
        for (i, &(_, count)) in self.hall_nodes.iter().enumerate() {
            // i128: power (<= 1e14 mW) x nodes (<= 2^24).
            let mw = if i == last { total_mw - given } else { (total_mw as i128 * count as i128 / self.nodes as i128) as i64 };
            given += mw;
            deltas.push(mw - self.hall_mw[i]);
            self.hall_mw[i] = mw;
        }
        deltas
    }

    /// Integrates the tier up to `now`.
    fn advance(&mut self, now: u64) {
        self.write.advance(now);
        self.read.advance(now);
        if now > self.last_ms {
            self.energy_mw_ms += self.power_mw as i128 * (now - self.last_ms) as i128;
            self.last_ms = now;
        }
    }

    /// Applies the power of the current transfers to the halls and the site.
    fn repower(&mut self, load: &mut ComputeLoad, now: u64) {
        let target = self.target_mw();
        if target == self.power_mw {
            return;
        }
        let deltas = self.split(target);
        for (i, d) in deltas.into_iter().enumerate() {
            if d != 0
                && let Ok(mut h) = load.halls.get_mut(self.hall_nodes[i].0)
            {
                h.advance(now);
                h.it_power_mw += d;
            }
        }
        load.site.it_power_mw += target - self.power_mw;
        self.power_mw = target;
    }

    /// Queues the `StorageDone` event at the earliest finish (a new generation).
    fn reschedule(&mut self, now: u64, queue: &mut EventQueue) {
        self.generation = self.generation.wrapping_add(1);
        let mut next: Option<u64> = None;
        for server in [&mut self.write, &mut self.read] {
            while let Some(Reverse(Finish(_, serial, index))) = server.heap.peek().copied() {
                let s = self.slots[index as usize];
                if s.live && s.serial == serial {
                    break;
                }
                server.heap.pop();
            }
            if let Some(Reverse(Finish(v, _, _))) = server.heap.peek() {
                let ms = ((v - server.v).max(0.0) / server.rate() * 1000.0).ceil();
                let at = now.saturating_add(if ms.is_finite() { ms as u64 } else { u64::MAX / 4 });
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        if let Some(at) = next {
            queue.push(at, Event::StorageDone { generation: self.generation });
        }
    }

    /// Starts a transfer of `bytes` over `nodes` nodes for job `owner`: `(bytes, nodes)`.
    pub fn start(
        &mut self,
        kind: Transfer,
        owner: u32,
        (bytes, nodes): (f64, u32),
        now: u64,
        load: &mut ComputeLoad,
        queue: &mut EventQueue,
    ) -> TransferId {
        self.advance(now);
        let nodes = nodes.max(1);
        self.serial += 1;
        let slot = Slot { serial: self.serial, owner, nodes, kind, live: true };
        let index = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let server = if kind == Transfer::Read { &mut self.read } else { &mut self.write };
        server.nodes += nodes as u64;
        server.heap.push(Reverse(Finish(server.v + bytes / nodes as f64, self.serial, index)));
        self.repower(load, now);
        self.reschedule(now, queue);
        TransferId { index, serial: self.serial }
    }

    fn release(&mut self, index: u32) {
        let s = &mut self.slots[index as usize];
        s.live = false;
        let nodes = s.nodes as u64;
        let server = if s.kind == Transfer::Read { &mut self.read } else { &mut self.write };
        server.nodes -= nodes;
        self.free.push(index);
    }

    /// Cancels a transfer in progress (its job was interrupted).
    pub fn cancel(&mut self, id: TransferId, now: u64, load: &mut ComputeLoad, queue: &mut EventQueue) {
        let s = self.slots[id.index as usize];
        if !(s.live && s.serial == id.serial) {
            return;
        }
        self.advance(now);
        self.release(id.index);
        self.repower(load, now);
        self.reschedule(now, queue);
    }

    /// A transfer goes on without its job (which ended): its finish is ignored.
    pub fn orphan(&mut self, id: TransferId) {
        let s = &mut self.slots[id.index as usize];
        if s.live && s.serial == id.serial {
            s.owner = u32::MAX;
        }
    }

    /// The `StorageDone` event: the transfers finished by `now` (those of ended jobs left out)
    /// into `out`, if `generation` is current.
    pub fn finish(&mut self, generation: u32, now: u64, load: &mut ComputeLoad, queue: &mut EventQueue, out: &mut Vec<Done>) {
        out.clear();
        if generation != self.generation {
            return;
        }
        self.advance(now);
        for w in [false, true] {
            loop {
                let server = if w { &mut self.write } else { &mut self.read };
                // A transfer within a millisecond of service of its end is done (the event
                // time was rounded up to whole ms).
                let slack = server.rate() * 1e-3 + 1e-9 * server.v.abs();
                let Some(&Reverse(Finish(v, serial, index))) = server.heap.peek() else { break };
                let s = self.slots[index as usize];
                if s.live && s.serial == serial && v > server.v + slack {
                    break;
                }
                server.heap.pop();
                if s.live && s.serial == serial {
                    self.release(index);
                    if s.owner != u32::MAX {
                        out.push(Done { owner: s.owner, kind: s.kind, id: TransferId { index, serial } });
                    }
                }
            }
        }
        self.repower(load, now);
        self.reschedule(now, queue);
    }

    /// The summary section at `horizon_ms`.
    pub fn summary(&mut self, horizon_ms: u64) -> StorageSummary {
        self.advance(horizon_ms);
        let secs = horizon_ms as f64 / 1000.0;
        let util = |s: &Server| if secs > 0.0 { s.moved_bytes / (s.bytes_per_s * secs) } else { 0.0 };
        self.tally.summary(util(&self.write), util(&self.read), self.energy_mw_ms as f64 / 3.6e12, horizon_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::Server;

    #[test]
    fn equal_transfers_share_the_bandwidth_and_a_lone_one_is_capped_by_its_link() {
        // Aggregate 100 B/s, 40 B/s per node: one node alone moves at 40 B/s.
        let mut s = Server::new(100.0, 40.0);
        s.nodes = 1;
        assert_eq!(s.rate(), 40.0);
        // Five nodes: 100 / 5 = 20 B/s each, the whole bandwidth in use.
        s.nodes = 5;
        assert_eq!(s.rate(), 20.0);
        assert_eq!(s.utilization(), 1.0);
        // The virtual clock advances by the per-node rate: 10 s at 20 B/s is 200 bytes per node.
        s.advance(10_000);
        assert!((s.v - 200.0).abs() < 1e-9 && (s.moved_bytes - 1000.0).abs() < 1e-9);
    }
}
