//! The WAN: each link carries transfers in both directions, each direction a processor-sharing
//! server (its bandwidth split equally among the transfers in flight, as TCP flows sharing a
//! bottleneck do on average).
//!
//! ## Equations
//! With n transfers in flight on a direction of bandwidth B, each moves at B / n. A transfer of
//! S bits alone takes S / B; the data is at the far end one one-way latency (RTT / 2) later:
//! arrival = start + S / B_shared + RTT / 2. Transfers start only when the dispatcher runs
//! (every sampling step), so between two runs the set in flight only shrinks and
//! [`Wan::advance`] computes every completion exactly: the smallest remainder finishes first at
//! t + n r_min / B, every other remainder drops by r_min, and so on.

/// One transfer in flight.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Transfer {
    /// Bits still to send.
    remaining_bits: f64,
    /// What to do when it is done (the caller's).
    tag: u64,
}

/// One direction of a link.
#[derive(Debug, Clone, Default)]
struct Direction {
    bandwidth_bps: f64,
    active: Vec<Transfer>,
    busy_ms: f64,
    bits: f64,
    transfers: u64,
    peak: usize,
}

/// Traffic on one link over the run (both directions).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkTotals {
    /// GB carried a to b.
    pub gb_ab: f64,
    /// GB carried b to a.
    pub gb_ba: f64,
    /// Transfers started.
    pub transfers: u64,
    /// Time with at least one transfer in flight over the run, per direction (the larger), ms.
    pub busy_ms: f64,
    /// Most transfers in flight at once in one direction.
    pub peak_concurrent: usize,
}

/// The links of a federation.
#[derive(Debug, Clone, Default)]
pub struct Wan {
    /// Two directions per link: 2 l (a to b) and 2 l + 1 (b to a).
    dirs: Vec<Direction>,
}

impl Wan {
    /// A WAN of links with these bandwidths, Gbit/s.
    pub fn new(bandwidths_gbps: &[f64]) -> Wan {
        let dirs =
            bandwidths_gbps.iter().flat_map(|&g| [g, g]).map(|g| Direction { bandwidth_bps: g * 1e9, ..Default::default() }).collect();
        Wan { dirs }
    }

    /// Starts a transfer of `gb` on direction `dir` (2 link + 0 for a to b, + 1 for b to a).
    pub fn start(&mut self, dir: usize, gb: f64, tag: u64) {
        let d = &mut self.dirs[dir];
        d.active.push(Transfer { remaining_bits: gb * 8e9, tag });
        d.bits += gb * 8e9;
        d.transfers += 1;
        d.peak = d.peak.max(d.active.len());
    }

    /// Transfers in flight.
    pub fn in_flight(&self) -> usize {
        self.dirs.iter().map(|d| d.active.len()).sum()
    }

    /// Transfers in flight on direction `dir`.
    pub fn in_flight_on(&self, dir: usize) -> usize {
        self.dirs[dir].active.len()
    }

    /// Bandwidth of direction `dir`, bit/s.
    pub fn bandwidth_bps(&self, dir: usize) -> f64 {
        self.dirs[dir].bandwidth_bps
    }

    /// Moves every direction from `from_ms` to `to_ms` (no transfer starts in between) and
    /// appends each completion as (time ms, rounded up; direction; tag), in time order within a
    /// direction, directions in order.
    pub fn advance(&mut self, from_ms: u64, to_ms: u64, done: &mut Vec<(u64, usize, u64)>) {
        for (i, d) in self.dirs.iter_mut().enumerate() {
            let mut t = from_ms as f64;
            let end = to_ms as f64;
            while !d.active.is_empty() && t < end {
                let n = d.active.len() as f64;
                let rate_per_ms = d.bandwidth_bps / n / 1000.0;
                let (k, min) = d
                    .active
                    .iter()
                    .enumerate()
                    .fold((0, f64::INFINITY), |(k, m), (j, x)| if x.remaining_bits < m { (j, x.remaining_bits) } else { (k, m) });
                let finish = t + min / rate_per_ms;
                if finish > end {
                    let sent = (end - t) * rate_per_ms;
                    d.active.iter_mut().for_each(|x| x.remaining_bits -= sent);
                    d.busy_ms += end - t;
                    t = end;
                    break;
                }
                d.busy_ms += finish - t;
                d.active.iter_mut().for_each(|x| x.remaining_bits -= min);
                let tr = d.active.remove(k);
                done.push((finish.ceil() as u64, i, tr.tag));
                // Others that finish at the same instant (equal remainders).
                let mut j = 0;
                while j < d.active.len() {
                    if d.active[j].remaining_bits <= 1e-6 {
                        let tr = d.active.remove(j);
                        done.push((finish.ceil() as u64, i, tr.tag));
                    } else {
                        j += 1;
                    }
                }
                t = finish;
            }
            let _ = t;
        }
    }

    /// Traffic of link `l` so far.
    pub fn link_totals(&self, l: usize) -> LinkTotals {
        let (ab, ba) = (&self.dirs[2 * l], &self.dirs[2 * l + 1]);
        LinkTotals {
            gb_ab: ab.bits / 8e9,
            gb_ba: ba.bits / 8e9,
            transfers: ab.transfers + ba.transfers,
            busy_ms: ab.busy_ms.max(ba.busy_ms),
            peak_concurrent: ab.peak.max(ba.peak),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_transfer_takes_size_over_bandwidth() {
        // 100 GB over 100 Gbit/s: 8 s.
        let mut w = Wan::new(&[100.0]);
        w.start(0, 100.0, 7);
        let mut done = Vec::new();
        w.advance(0, 5_000, &mut done);
        assert!(done.is_empty());
        w.advance(5_000, 60_000, &mut done);
        assert_eq!(done, vec![(8_000, 0, 7)]);
        assert_eq!(w.in_flight(), 0);
        assert!((w.link_totals(0).busy_ms - 8_000.0).abs() < 1e-6);
    }

    #[test]
    fn concurrent_transfers_share_the_bandwidth() {
        // 10 GB and 30 GB together on 10 Gbit/s (1.25 GB/s): both at 0.625 GB/s until the
        // first ends at 16 s; the second has 20 GB left, alone at 1.25 GB/s: 16 s more, 32 s.
        let mut w = Wan::new(&[10.0]);
        w.start(1, 10.0, 1);
        w.start(1, 30.0, 2);
        let mut done = Vec::new();
        w.advance(0, 100_000, &mut done);
        assert_eq!(done, vec![(16_000, 1, 1), (32_000, 1, 2)]);
        // The total is what one transfer of 40 GB would take: work is conserved.
        assert_eq!(w.link_totals(0).peak_concurrent, 2);
    }

    #[test]
    fn directions_do_not_share() {
        let mut w = Wan::new(&[10.0]);
        w.start(0, 10.0, 1);
        w.start(1, 10.0, 2);
        let mut done = Vec::new();
        w.advance(0, 100_000, &mut done);
        assert_eq!(done, vec![(8_000, 0, 1), (8_000, 1, 2)]);
    }
}
