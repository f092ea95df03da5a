use super::*;
use crate::catalog::network::{DEFAULT_DOMAIN_BPS, DEFAULT_LATENCY_S};
use crate::config::network::{FabricKind, Network, Work};

fn net(pod_nodes: u32, domain_nodes: u32, over: f64) -> Network {
    Network {
        fabric: FabricKind::RailOptimized,
        tiers: 2,
        radix: 64,
        link_bps: 400e9,
        nic_bps: 400e9,
        oversubscription: vec![over],
        pod_nodes,
        domain_nodes,
        domain_bps: DEFAULT_DOMAIN_BPS,
        latency_s: DEFAULT_LATENCY_S,
        switch_w: 1100.0,
        optic_w: 9.0,
    }
}

fn work() -> Work {
    Work {
        params: 70e9,
        tokens: 1e12,
        batch_tokens: 4_194_304.0,
        flops_per_param_token: 6.0,
        precision: "bf16".into(),
        peak_flops: 989.4e12,
        mfu: 0.4,
        gradient_bytes: 2.0,
        overlap: 0.5,
    }
}

fn alloc(nodes: &[u32]) -> Vec<(u32, u64)> {
    nodes.iter().map(|n| (*n, 0xff)).collect()
}

#[test]
fn shapes_count_domains_pods_and_the_tier_crossed() {
    let f = Fabric::new(&net(4, 2, 1.0), &[8; 16]);
    assert_eq!(f.pod_capacity.len(), 4);
    let s = f.shape(8, &alloc(&[5]));
    assert_eq!((s.nodes, s.domains, s.pods, s.tier), (1, 1, 1, Tier::Domain));
    let s = f.shape(16, &alloc(&[4, 5]));
    assert_eq!((s.domains, s.pods, s.tier), (1, 1, Tier::Domain), "an NVL-like domain of 2 nodes");
    let s = f.shape(32, &alloc(&[4, 5, 6, 7]));
    assert_eq!((s.domains, s.pods, s.tier), (2, 1, Tier::Leaf));
    let s = f.shape(32, &alloc(&[3, 4, 9, 15]));
    assert_eq!((s.domains, s.pods, s.tier), (4, 4, Tier::Spine));
    let ideal = f.ideal_shape(48, 8);
    assert_eq!((ideal.nodes, ideal.domains, ideal.pods, ideal.tier), (6, 3, 2, Tier::Spine));
}

#[test]
fn step_time_duration_and_flops_agree() {
    let f = Fabric::new(&net(32, 1, 1.0), &[8; 128]);
    let w = work();
    let shape = f.ideal_shape(1024, 8);
    let st = step(&w, Some(&f), &shape, 1.0);
    // t_c = 6 N B / (n peak mfu).
    let tc = 6.0 * 70e9 * 4_194_304.0 / (1024.0 * 989.4e12 * 0.4);
    assert!((st.compute_s - tc).abs() / tc < 1e-12);
    // Exposed = (1 - overlap) x hierarchical all-reduce of 2 N bytes over 128 nodes of 8.
    let s_bytes = 140e9;
    let intra = collectives::Level { ranks: 8, alpha_s: 2e-6, bw_bytes_per_s: 450e9 };
    let inter = collectives::Level { ranks: 128, alpha_s: 7e-6, bw_bytes_per_s: 50e9 };
    let t = collectives::hierarchical_allreduce_s(s_bytes, intra, inter);
    assert!((st.exposed_s - 0.5 * t).abs() < 1e-12, "{} {}", st.exposed_s, t);
    // duration = FLOPs / (n peak mfu c), c = t_c / (t_c + x).
    let d = duration_s(&w, &st);
    let c = st.compute_s / st.total_s();
    let via_flops = w.flops() / (1024.0 * w.peak_flops * w.mfu * c);
    assert!((d - via_flops).abs() / d < 1e-12, "{d} {via_flops}");
    // Communication costs 10-20 % here: a 70B model at 4M tokens per step on 1,024 H100.
    assert!(c > 0.8 && c < 0.95, "{c}");
}

#[test]
fn a_placement_inside_one_pod_is_faster_than_a_spread_one_and_sharing_needs_oversubscription() {
    let w = Work { batch_tokens: 65536.0, ..work() };
    for over in [1.0, 2.0] {
        let f = Fabric::new(&net(4, 1, over), &[8; 16]);
        let inside = step(&w, Some(&f), &f.shape(32, &alloc(&[0, 1, 2, 3])), 1.0);
        let spread = step(&w, Some(&f), &f.shape(32, &alloc(&[0, 4, 8, 12])), 1.0);
        assert!(spread.total_s() > inside.total_s(), "the spine's alpha is larger");
        assert_eq!(spread.compute_s, inside.compute_s);
        // Half the cross-pod bandwidth doubles the inter-domain phase.
        let shared = step(&w, Some(&f), &f.shape(32, &alloc(&[0, 4, 8, 12])), 0.5);
        assert!(shared.total_s() > spread.total_s());
        assert!((shared.inter_s - (spread.inter_s + (spread.inter_s - 2.0 * 3.0 * 7e-6))).abs() < 1e-9);
    }
    // Pod uplink capacity in NIC-rate accelerators: a_p / o.
    assert_eq!(Fabric::new(&net(4, 1, 2.0), &[8; 16]).pod_capacity, vec![16.0; 4]);
}

#[test]
fn without_a_fabric_or_gradients_there_is_no_communication() {
    let w = work();
    let s = step(&w, None, &Shape { accelerators: 64, ..Default::default() }, 1.0);
    assert_eq!(s.exposed_s, 0.0);
    let f = Fabric::new(&net(32, 1, 1.0), &[8; 64]);
    let inference = Work { gradient_bytes: 0.0, flops_per_param_token: 2.0, ..work() };
    assert_eq!(step(&inference, Some(&f), &f.ideal_shape(64, 8), 1.0).exposed_s, 0.0);
}

#[test]
fn the_bottleneck_is_the_slowest_tier_crossed() {
    let f = Fabric::new(&net(4, 1, 2.0), &[8; 16]);
    let inside = f.shape(32, &alloc(&[0, 1, 2, 3]));
    let spread = f.shape(32, &alloc(&[0, 4, 8, 12]));
    let one = f.shape(8, &alloc(&[0]));
    assert_eq!(f.bottleneck_bps(&one, 1.0), DEFAULT_DOMAIN_BPS);
    assert_eq!(f.bottleneck_bps(&inside, 0.1), 400e9, "inside a pod: the NIC, whatever the spine does");
    assert_eq!(f.bottleneck_bps(&spread, 1.0), 400e9);
    // Static worst case across pods: NIC / oversubscription.
    assert_eq!(f.bottleneck_bps(&spread, 1.0 / f.pod_oversubscription), 200e9);
}
