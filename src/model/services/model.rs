//! The service model: diurnal request load, the autoscaler's target and M/M/c (Erlang C) latency.
//!
//! ## How it works
//! A service's request rate lambda(t) follows its daily profile ([`Service::load_per_s`]): a
//! sinusoid lambda = peak (m + (1 - m) (1 + cos(2 pi (h - h_peak) / 24)) / 2) with trough ratio m,
//! or 24 hourly multipliers. Every `autoscale_interval` the autoscaler sets the replica count to
//! R = clamp(ceil(lambda / (X u*)), min, max), with X the throughput of one replica and u* the
//! target utilization; new replicas are queued as jobs of the service's priority (they compete
//! with training for accelerators and, under `priority` with preemption, may preempt
//! preemptible work); surplus replicas are cancelled if still queued, else stopped, newest first.
//!
//! Latency: a replica of throughput X and mean service time S serves X S requests at once
//! (Little's law), so r running replicas are an M/M/c queue with c = round(r X S) servers of rate
//! mu = 1 / S and offered load a = lambda / mu (Erlang 1917; Kleinrock, Queueing Systems I,
//! §3.5). The probability of waiting is Erlang C,
//!   C(c, a) = B / (1 - (a / c)(1 - B)),  B = Erlang B from B_0 = 1, B_k = a B_{k-1} / (k + a B_{k-1}),
//! the wait of a delayed request is exponential with rate theta = c mu - lambda, and the
//! response time T = W + S has
//!   P(T > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)
//! (the convolution of the two exponentials; (1 + mu t) e^{-mu t} when theta = mu). The p95 is
//! the t with P(T > t) = 0.05, by bisection. With lambda >= c mu the queue is unstable: the p95
//! is infinite and the excess lambda - c mu is unmet load.
//!
//! Metrics, integrated over each autoscaler interval with the load at its midpoint and the
//! replicas running through it: SLO attainment (fraction of time p95 <= target), unmet load
//! (requests above capacity over requests offered), and, exactly at every replica start and
//! stop, replica-time (mean, peak replicas, accelerator-hours).

use serde::{Deserialize, Serialize};

use crate::config::services::Service;
use crate::model::workload::JobSlot;

/// Erlang C: the probability that a request waits in an M/M/c queue with offered load `a`
/// (erlangs); 1 when a >= c.
pub fn erlang_c(c: u64, a: f64) -> f64 {
    if c == 0 || a >= c as f64 {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

/// P(T > t) of the M/M/c response time with waiting probability `pc`, t in units of the mean
/// service time.
fn response_tail(c: u64, a: f64, pc: f64, t: f64) -> f64 {
    let theta = c as f64 - a; // in units of mu
    let mu_t = (-t).exp();
    let delayed = if (theta - 1.0).abs() < 1e-9 { (1.0 + t) * mu_t } else { (theta * mu_t - (-theta * t).exp()) / (theta - 1.0) };
    (1.0 - pc) * mu_t + pc * delayed
}

/// p95 response time of an M/M/c queue, in mean service times (infinite if unstable).
pub fn p95_response(c: u64, a: f64) -> f64 {
    if c == 0 || a >= c as f64 {
        return f64::INFINITY;
    }
    // Erlang C once (O(c)); each bisection step is then O(1).
    let pc = erlang_c(c, a);
    let (mut lo, mut hi) = (0.0, 3.0);
    while response_tail(c, a, pc, hi) > 0.05 {
        lo = hi;
        hi *= 2.0;
        if hi > 1e9 {
            return f64::INFINITY;
        }
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if response_tail(c, a, pc, mid) > 0.05 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The `services.<name>` entry of summary.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    /// Fraction of the horizon with the modelled p95 latency at or below the target.
    pub slo_attainment: f64,
    /// Time-averaged running replicas.
    pub replicas_mean: f64,
    /// Most replicas running at once.
    pub replicas_peak: u64,
    /// Accelerator-hours held by running replicas.
    pub accelerator_hours: f64,
    /// Requests offered over the horizon.
    pub requests: f64,
    /// Requests above the capacity of the running replicas over requests offered.
    pub unmet_load_fraction: f64,
    /// Time-averaged modelled p95 latency over the time it was finite, s.
    pub p95_latency_s_mean: f64,
}

/// One service's autoscaler and accounting.
#[derive(Debug)]
pub struct ServiceState {
    /// The service.
    pub cfg: Service,
    /// Its class index in the engine.
    pub class: u16,
    /// Live replicas (queued or running), oldest first.
    pub replicas: Vec<JobSlot>,
    /// Replicas running now.
    pub running: u64,
    peak: u64,
    last_ms: u64,
    last_tick_ms: u64,
    replica_ms: f64,
    slo_ok_ms: f64,
    requests: f64,
    unmet: f64,
    p95_ms_sum: f64,
    p95_finite_ms: f64,
}

impl ServiceState {
    /// A service with no replicas yet.
    pub fn new(cfg: Service, class: u16) -> ServiceState {
        ServiceState {
            cfg,
            class,
            replicas: Vec::new(),
            running: 0,
            peak: 0,
            last_ms: 0,
            last_tick_ms: 0,
            replica_ms: 0.0,
            slo_ok_ms: 0.0,
            requests: 0.0,
            unmet: 0.0,
            p95_ms_sum: 0.0,
            p95_finite_ms: 0.0,
        }
    }

    /// Integrates running replica-time to `now`; call before `running` changes.
    pub fn advance(&mut self, now: u64) {
        if now > self.last_ms {
            self.replica_ms += self.running as f64 * (now - self.last_ms) as f64;
            self.last_ms = now;
        }
    }

    /// A replica started (`+1`) or stopped (`-1`) at `now`.
    pub fn replica_change(&mut self, now: u64, started: bool) {
        self.advance(now);
        if started {
            self.running += 1;
            self.peak = self.peak.max(self.running);
        } else {
            self.running = self.running.saturating_sub(1);
        }
    }

    /// Servers of the M/M/c model for r replicas: round(r X S), at least r.
    pub fn servers(&self, replicas: u64) -> u64 {
        let per = self.cfg.replica_rate_per_s * self.cfg.service_time_ms as f64 / 1000.0;
        ((replicas as f64 * per).round() as u64).max(replicas)
    }

    /// Modelled p95 latency, ms, with `replicas` running at load `lambda` (1/s).
    pub fn p95_ms(&self, replicas: u64, lambda: f64) -> f64 {
        let s_ms = self.cfg.service_time_ms as f64;
        p95_response(self.servers(replicas), lambda * s_ms / 1000.0) * s_ms
    }

    /// Books the interval since the last tick (load at its midpoint, the replicas running now).
    pub fn book_interval(&mut self, now: u64) {
        self.advance(now);
        let dt = now.saturating_sub(self.last_tick_ms) as f64;
        if dt <= 0.0 {
            return;
        }
        let lambda = self.cfg.load_per_s((self.last_tick_ms + now) / 2);
        let p95 = self.p95_ms(self.running, lambda);
        if p95 <= self.cfg.latency_target_ms as f64 {
            self.slo_ok_ms += dt;
        }
        if p95.is_finite() {
            self.p95_ms_sum += p95 * dt;
            self.p95_finite_ms += dt;
        }
        let capacity = self.servers(self.running) as f64 * 1000.0 / self.cfg.service_time_ms as f64;
        self.requests += lambda * dt / 1000.0;
        self.unmet += (lambda - capacity).max(0.0) * dt / 1000.0;
        self.last_tick_ms = now;
    }

    /// Replicas wanted at `now`: clamp(ceil(lambda / (X u*)), min, max).
    pub fn desired(&self, now: u64) -> u64 {
        let c = &self.cfg;
        let want = (c.load_per_s(now) / (c.replica_rate_per_s * c.target_utilization)).ceil() as u64;
        want.clamp(c.min_replicas as u64, c.max_replicas as u64)
    }

    /// The summary entry at the horizon (after the last interval is booked).
    pub fn summary(&self, horizon_ms: u64) -> ServiceSummary {
        let h = horizon_ms.max(1) as f64;
        ServiceSummary {
            slo_attainment: self.slo_ok_ms / h,
            replicas_mean: self.replica_ms / h,
            replicas_peak: self.peak,
            accelerator_hours: self.replica_ms * self.cfg.accelerators as f64 / 3.6e6,
            requests: self.requests,
            unmet_load_fraction: if self.requests > 0.0 { self.unmet / self.requests } else { 0.0 },
            p95_latency_s_mean: if self.p95_finite_ms > 0.0 { self.p95_ms_sum / self.p95_finite_ms / 1000.0 } else { 0.0 },
        }
    }
}

impl Service {
    /// The lowest request rate of a day over the peak.
    pub fn trough_share(&self) -> f64 {
        match &self.hour_of_day {
            Some(h) => h.iter().copied().fold(f64::INFINITY, f64::min) / h.iter().copied().fold(0.0, f64::max),
            None => self.trough_ratio,
        }
    }

    /// Replicas that serve `load_per_s` at the target utilization, within the fewest and most
    /// (a sizing for people and estimates; the autoscaler itself also watches latency).
    pub fn replicas_for(&self, load_per_s: f64) -> f64 {
        (load_per_s / (self.replica_rate_per_s * self.target_utilization)).ceil().clamp(self.min_replicas as f64, self.max_replicas as f64)
    }

    /// Request rate at `t_ms` after the start (00:00 local), 1/s.
    pub fn load_per_s(&self, t_ms: u64) -> f64 {
        let hour = (t_ms % 86_400_000) as f64 / 3.6e6;
        match &self.hour_of_day {
            Some(v) => {
                let max = v.iter().copied().fold(0.0, f64::max);
                self.peak_rate_per_s * v[(hour as usize).min(23)] / max
            }
            None => {
                let m = self.trough_ratio;
                let phase = std::f64::consts::TAU * (hour - self.peak_hour) / 24.0;
                self.peak_rate_per_s * (m + (1.0 - m) * (1.0 + phase.cos()) / 2.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang C by its defining sum, C = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a))).
    fn erlang_c_direct(c: u64, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 0.0;
        for k in 0..c {
            sum += term;
            term *= a / (k + 1) as f64;
        }
        let top = term * c as f64 / (c as f64 - a);
        top / (sum + top)
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // M/M/1: P(wait) = rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // M/M/2: P(wait) = 2 rho^2 / (1 + rho); rho = 0.5 gives 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // The classic call-centre example, 10 agents and 8 erlangs: C = 0.409 (the Erlang C
        // table value; the defining sum below gives the same).
        assert!((erlang_c(10, 8.0) - 0.4092).abs() < 5e-4, "{}", erlang_c(10, 8.0));
        for (c, a) in [(5, 3.2), (50, 45.0), (200, 150.0)] {
            assert!((erlang_c(c, a) - erlang_c_direct(c, a)).abs() < 1e-9);
        }
        assert_eq!(erlang_c(4, 4.0), 1.0);
    }

    #[test]
    fn p95_response_matches_closed_forms() {
        // M/M/1: T ~ Exp(mu - lambda), p95 = ln 20 / (1 - rho) service times.
        let rho: f64 = 0.5;
        assert!((p95_response(1, rho) - 20f64.ln() / (1.0 - rho)).abs() < 1e-6);
        // Many servers, light load: no waiting, T ~ S ~ Exp(mu): p95 = ln 20.
        assert!((p95_response(100, 1.0) - 20f64.ln()).abs() < 1e-6);
        assert!(p95_response(3, 3.0).is_infinite());
    }
}
