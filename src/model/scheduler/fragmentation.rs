//! Fragmentation: free accelerators that no queued job could use, sampled at each tick.
//!
//! ## How it works
//! At each sampling tick with jobs queued, s = the smallest queued request (a multiset of queued
//! requests is kept at every enqueue and start, O(log) each: [`Scheduling::queued`]) and the
//! stranded accelerators are the free ones on nodes with fewer than min(s, n_per_node) free
//! slots, counted from the placement core's per-free-count buckets ([`Cluster::stranded_free`],
//! O(n_per_node) per pool): no queued job could use them as they are. The summary gives the
//! time average of stranded / free over the ticks with something queued and something free,
//! the stranded accelerator-hours (stranded x step) and the share of time jobs waited while
//! accelerators were free. A simplification: device constraints of queued jobs are ignored
//! (the smallest request of any device stands for all).
//!
//! [`Cluster::stranded_free`]: super::Cluster::stranded_free

use bevy_ecs::prelude::*;
use serde::{Deserialize, Serialize};

use super::Scheduling;
use crate::time::Clock;

/// The fragmentation integrals of a run (a resource).
#[derive(Resource, Debug, Default)]
pub struct Fragmentation {
    stranded_fraction_ms: f64,
    counted_ms: f64,
    stranded_acc_ms: f64,
    blocked_ms: f64,
}

/// Fragmentation over the sampling interval ending now (a system of the scheduling stage).
pub fn sample_fragmentation(clock: Res<Clock>, sched: Res<Scheduling>, mut frag: ResMut<Fragmentation>) {
    let Some(min_request) = sched.smallest_queued() else { return };
    let (stranded, free) = sched.cluster.stranded_free(min_request);
    if free == 0 {
        return;
    }
    let dt = clock.interval_ms as f64;
    frag.stranded_fraction_ms += stranded as f64 / free as f64 * dt;
    frag.counted_ms += dt;
    frag.stranded_acc_ms += stranded as f64 * dt;
    frag.blocked_ms += dt;
}

impl Fragmentation {
    /// Opens the measuring window at the end of a warm-up: the integrals restart from zero.
    pub fn open_window(&mut self) {
        *self = Fragmentation::default();
    }

    /// The `fragmentation` summary section.
    pub fn summary(&self, horizon_ms: u64) -> FragmentationSummary {
        FragmentationSummary {
            stranded_fraction_mean: if self.counted_ms > 0.0 { self.stranded_fraction_ms / self.counted_ms } else { 0.0 },
            stranded_accelerator_hours: self.stranded_acc_ms / 3.6e6,
            blocked_time_fraction: self.blocked_ms / horizon_ms.max(1) as f64,
        }
    }
}

/// `fragmentation` section: free accelerators that no queued job could use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FragmentationSummary {
    /// Time average, over sampling ticks with a queue and free accelerators, of stranded / free,
    /// where stranded = free accelerators on nodes with fewer free slots than the smallest queued
    /// request (min(request, accelerators per node)).
    pub stranded_fraction_mean: f64,
    /// Integral of stranded accelerators over the horizon, accelerator-hours.
    pub stranded_accelerator_hours: f64,
    /// Fraction of the horizon with jobs queued while accelerators were free.
    pub blocked_time_fraction: f64,
}
