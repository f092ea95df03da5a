//! Collective communication times in the alpha-beta model (Hockney 1994): sending m bytes over a
//! link costs alpha + m / B. Pure functions of (ranks n, bytes S, alpha in s, B in bytes/s).
//!
//! ## How it works
//! - Ring all-reduce (Patarasuk & Yuan 2009; NCCL): a reduce-scatter and an all-gather, each of
//!   n - 1 steps moving S / n: T = 2(n-1) alpha + 2(n-1)/n * S/B.
//! - Tree all-reduce (NCCL double binary tree, Sanders et al. 2009): a pipelined reduce up and
//!   broadcast down two trees, each carrying half the data, log2(n) steps each way:
//!   T = 2 log2(n) alpha + 2 S/B (each rank receives and sends S in total; NCCL docs, BRIEF §7).
//! - All-gather and reduce-scatter (ring): T = (n-1) alpha + (n-1)/n * S/B, S the full buffer.
//! - Hierarchical all-reduce over n ranks in domains of g (Jia et al. 2018; NCCL's NVLink + rails
//!   CollNet/PXN pattern): reduce-scatter of S inside each domain, ring all-reduce of S/g across
//!   the n/g domains (one ring per local rank, each on its own rail), all-gather of S inside the
//!   domain: T = RS_g(S) + AR_ring(n/g, S/g) + AG_g(S).
//! - NCCL bus bandwidth of an all-reduce: busbw = algbw * 2(n-1)/n, algbw = S / T.

/// Time of a ring all-reduce of `bytes` over `n` ranks, s.
pub fn ring_allreduce_s(n: u32, bytes: f64, alpha_s: f64, bw_bytes_per_s: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let n = n as f64;
    2.0 * (n - 1.0) * alpha_s + 2.0 * (n - 1.0) / n * bytes / bw_bytes_per_s
}

/// Time of a double-binary-tree all-reduce of `bytes` over `n` ranks, s.
pub fn tree_allreduce_s(n: u32, bytes: f64, alpha_s: f64, bw_bytes_per_s: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    2.0 * (n as f64).log2() * alpha_s + 2.0 * bytes / bw_bytes_per_s
}

/// Time of a ring all-gather (or reduce-scatter) of a `bytes` buffer over `n` ranks, s.
pub fn all_gather_s(n: u32, bytes: f64, alpha_s: f64, bw_bytes_per_s: f64) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let n = n as f64;
    (n - 1.0) * alpha_s + (n - 1.0) / n * bytes / bw_bytes_per_s
}

/// One level of a hierarchical collective: ranks, per-step latency (s) and bandwidth (bytes/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Ranks at this level.
    pub ranks: u32,
    /// Per-step latency, s.
    pub alpha_s: f64,
    /// Bandwidth per rank, bytes/s.
    pub bw_bytes_per_s: f64,
}

/// Time of a hierarchical all-reduce: reduce-scatter inside domains of `intra.ranks`, ring
/// all-reduce of the 1/g shard across `inter.ranks` domains, all-gather inside, s.
pub fn hierarchical_allreduce_s(bytes: f64, intra: Level, inter: Level) -> f64 {
    let g = intra.ranks.max(1);
    let rs = all_gather_s(g, bytes, intra.alpha_s, intra.bw_bytes_per_s);
    let ar = ring_allreduce_s(inter.ranks, bytes / g as f64, inter.alpha_s, inter.bw_bytes_per_s);
    2.0 * rs + ar
}

/// NCCL bus bandwidth of an all-reduce from its algorithm bandwidth S / T.
pub fn allreduce_busbw(algbw: f64, n: u32) -> f64 {
    if n <= 1 {
        return algbw;
    }
    algbw * 2.0 * (n as f64 - 1.0) / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: f64 = 1e9;

    #[test]
    fn ring_matches_the_closed_form_and_busbw_recovers_the_link() {
        // 8 ranks, 1 GB, 5 us, 50 GB/s: 2*7*5e-6 + 2*7/8 * 1/50 = 7e-5 + 0.035.
        let t = ring_allreduce_s(8, GB, 5e-6, 50.0 * GB);
        assert!((t - (7e-5 + 0.035)).abs() < 1e-12, "{t}");
        // With alpha = 0 the bus bandwidth of a ring is the link bandwidth (NCCL tests' busbw).
        for n in [2, 8, 64, 1024] {
            let t = ring_allreduce_s(n, GB, 0.0, 50.0 * GB);
            assert!((allreduce_busbw(GB / t, n) - 50.0 * GB).abs() < 1e-3, "{n}");
        }
        assert_eq!(ring_allreduce_s(1, GB, 5e-6, GB), 0.0);
    }

    #[test]
    fn tree_and_all_gather_match_their_closed_forms() {
        let t = tree_allreduce_s(1024, GB, 5e-6, 50.0 * GB);
        assert!((t - (2.0 * 10.0 * 5e-6 + 2.0 / 50.0)).abs() < 1e-12, "{t}");
        let g = all_gather_s(4, GB, 2e-6, 100.0 * GB);
        assert!((g - (3.0 * 2e-6 + 0.75 / 100.0)).abs() < 1e-12, "{g}");
        // Latency-bound regime: the tree's log n steps beat the ring's 2(n-1) for small buffers.
        assert!(tree_allreduce_s(1024, 1e3, 5e-6, 50.0 * GB) < ring_allreduce_s(1024, 1e3, 5e-6, 50.0 * GB));
    }

    #[test]
    fn hierarchical_is_the_sum_of_its_phases_and_beats_a_flat_ring() {
        let intra = Level { ranks: 8, alpha_s: 2e-6, bw_bytes_per_s: 450.0 * GB };
        let inter = Level { ranks: 16, alpha_s: 5e-6, bw_bytes_per_s: 50.0 * GB };
        let s = 10.0 * GB;
        let t = hierarchical_allreduce_s(s, intra, inter);
        let expect = 2.0 * (7.0 * 2e-6 + 7.0 / 8.0 * s / (450.0 * GB)) + (2.0 * 15.0 * 5e-6 + 2.0 * 15.0 / 16.0 * (s / 8.0) / (50.0 * GB));
        assert!((t - expect).abs() < 1e-12, "{t} {expect}");
        // A flat ring over all 128 ranks at the NIC bandwidth is several times slower (BRIEF §7).
        let flat = ring_allreduce_s(128, s, 5e-6, 50.0 * GB);
        assert!(flat / t > 3.0, "{flat} {t}");
        // One domain: only the intra phases, which together are a ring all-reduce inside it.
        let one = hierarchical_allreduce_s(s, intra, Level { ranks: 1, ..inter });
        assert!((one - ring_allreduce_s(8, s, 2e-6, 450.0 * GB)).abs() < 1e-12);
    }
}
