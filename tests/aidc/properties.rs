//! Property tests: random small scenarios (node shapes, two accelerator models, job classes with
//! sizes that may not fit, every policy, quotas, odd sampling steps) keep every invariant.

use aidc::engine::Simulation;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Class {
    kind: &'static str,
    rate_per_h: u32,
    size: String,
    median_min: u32,
    sigma: f64,
    util: f64,
    device: Option<&'static str>,
}

fn class() -> impl Strategy<Value = Class> {
    (
        prop::sample::select(vec!["pretrain", "fine-tune", "inference-service", "batch-inference", "evaluation", "debug", "other"]),
        1u32..60,
        prop_oneof![
            (1u32..40).prop_map(|v| format!("{{ dist = \"fixed\", value = {v} }}")),
            (0u32..4, 0u32..4, 0.0f64..2.0).prop_map(|(a, b, al)| format!(
                "{{ dist = \"power2\", min = {}, max = {}, alpha = {al} }}",
                1 << a.min(b),
                1 << (a.max(b) + 2)
            )),
            Just("{ dist = \"choice\", values = [1, 3, 8, 17], weights = [4.0, 2.0, 1.0, 0.5] }".to_string()),
        ],
        1u32..600,
        0.0f64..2.0,
        0.05f64..1.0,
        prop::option::of(prop::sample::select(vec!["H100-SXM", "Ascend-910B"])),
    )
        .prop_map(|(kind, rate_per_h, size, median_min, sigma, util, device)| Class {
            kind,
            rate_per_h,
            size,
            median_min,
            sigma,
            util,
            device,
        })
}

fn scenario(per_node: [u32; 2], racks: [u32; 2], nodes: u32, classes: &[Class], policy: &str, step_min: u32, quota: f64) -> String {
    let mut s = format!(
        "name = \"prop\"\n[simulation]\nhorizon = \"2d\"\nstep = \"{step_min}m\"\nseed = 9\n\
         [[node_types]]\nname = \"a\"\naccelerator = \"H100-SXM\"\naccelerators = {}\n\
         [[node_types]]\nname = \"b\"\naccelerator = \"Ascend-910B\"\naccelerators = {}\npower_curve = \"fan-barroso\"\n\
         [[halls]]\nname = \"h1\"\n[[halls.racks]]\ncount = {}\nnodes = {nodes}\nnode_type = \"a\"\n\
         [[halls]]\nname = \"h2\"\n[[halls.racks]]\ncount = {}\nnodes = {nodes}\nnode_type = \"b\"\n",
        per_node[0], per_node[1], racks[0], racks[1]
    );
    for (i, c) in classes.iter().enumerate() {
        s += &format!(
            "[[workload.classes]]\nname = \"c{i}\"\nkind = \"{}\"\nrate = \"{}/h\"\nsize = {}\n\
             duration = {{ dist = \"lognormal\", median = \"{}m\", sigma = {} }}\nutilization = {{ mean = {} }}\nestimate_factor = 1.5\n",
            c.kind, c.rate_per_h, c.size, c.median_min, c.sigma, c.util
        );
        if let Some(d) = c.device {
            s += &format!("accelerator = \"{d}\"\n");
        }
    }
    s += &format!("[scheduler]\npolicy = \"{policy}\"\nbackfill_depth = 8\n");
    if policy == "priority" {
        s += &format!("quotas = {{ c0 = {quota} }}\n");
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_every_invariant(
        per_node in (prop::sample::select(vec![1u32, 2, 4, 8]), prop::sample::select(vec![1u32, 4, 8, 16])),
        racks in (1u32..4, 1u32..3),
        nodes in 1u32..4,
        classes in prop::collection::vec(class(), 1..4),
        policy in prop::sample::select(vec!["fifo", "backfill", "priority"]),
        step_min in 1u32..120,
        quota in 0.05f64..1.0,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text = scenario([per_node.0, per_node.1], [racks.0, racks.1], nodes, &classes, policy, step_min, quota);
        let sc = crate::support::from_text(&text, dir.path()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let mut sim = Simulation::new(&sc, Vec::new(), Vec::new()).unwrap();
        for h in 1..=12u64 {
            sim.run_until(h * 4 * 3_600_000, |_| {}).unwrap();
            sim.check_invariants().map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let (s, _, ts, jobs) = sim.finish(0.0).unwrap();
        let j = &s.jobs;
        prop_assert_eq!(j.submitted, j.completed + j.failed + j.cancelled + j.rejected + j.running_at_end + j.queued_at_end);
        let rows = String::from_utf8(jobs).unwrap().lines().count() as u64 - 1;
        prop_assert_eq!(rows, j.submitted);
        let by_class: u64 = j.by_class.values().map(|c| c.submitted).sum();
        prop_assert_eq!(by_class, j.submitted);
        prop_assert!(s.utilization.allocated_mean <= 1.0 + 1e-12);
        prop_assert!(s.utilization.effective_mean <= s.utilization.allocated_mean + 1e-12);
        prop_assert!(s.power.it_kw.min >= s.capacity.it_idle_kw - 1e-3);
        prop_assert!(s.power.it_kw.max <= s.capacity.it_design_kw + 1e-3);
        let samples = String::from_utf8(ts).unwrap().lines().count() as u64 - 1;
        prop_assert_eq!(samples, (2 * 24 * 60u64).div_ceil(step_min as u64));
    }
}

/// A power from zero to past the 100 kW bound of one part, spread over orders of magnitude.
fn part_power() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("0W".to_string()),
        12 => (0u32..4, 1u32..10).prop_map(|(e, m)| format!("{}W", m as u64 * 10u64.pow(e))),
        1 => Just("100kW".to_string()),
        1 => prop::sample::select(vec!["100.001kW".to_string(), "5MW".to_string()]),
    ]
}

/// A scenario with the given part powers and PSU curve, cooled (air, cold plate or immersion)
/// by a plant in Wuhu.
fn powered(parts: &[String], eff: (f64, f64), cooling: &str, cpus: u32, tdp: f64) -> String {
    format!(
        "name = \"power\"\n[simulation]\nhorizon = \"1d\"\nstep = \"1h\"\nseed = 2\n[site]\nclimate = \"wuhu\"\n\
         [[accelerators]]\nid = \"x\"\nbase = \"H100-SXM\"\nidle_w = {idle}\ntdp_w = {tdp}\n\
         [[node_types]]\nname = \"n\"\naccelerator = \"x\"\naccelerators = 8\n\
         cpu = {{ count = {cpus}, idle = \"{}\", max = \"{}\" }}\nmemory_power = \"{}\"\nnic_power = \"{}\"\n\
         storage_power = \"{}\"\nother_power = \"{}\"\nfans = {{ min = \"{}\", max = \"{}\" }}\n\
         psu = {{ efficiency = [[0.1, {}], [1.0, {}]] }}\n\
         [[halls]]\nname = \"h\"\ncooling = {{ kind = \"{cooling}\" }}\n[[halls.racks]]\ncount = 2\nnodes = 2\nnode_type = \"n\"\n\
         [facility]\n[[workload.classes]]\nname = \"t\"\nkind = \"fine-tune\"\nrate = \"40/d\"\n\
         size = {{ dist = \"power2\", min = 1, max = 16, alpha = 1.0 }}\n",
        parts[0],
        parts[1],
        parts[2],
        parts[3],
        parts[4],
        parts[5],
        parts[6],
        parts[7],
        eff.0,
        eff.1,
        idle = tdp / 10.0,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Issue 12, item 5: any accepted scenario gives IT energy >= 0 and PUE >= 1, however large
    /// or small its parts' powers; parts or nodes above their bounds are refused with the field.
    #[test]
    fn any_accepted_power_gives_non_negative_energy_and_pue_of_at_least_one(
        mut parts in prop::collection::vec(part_power(), 8),
        eff in prop_oneof![4 => (0.5f64..1.0, 0.5f64..1.0), 1 => (0.01f64..1.0, 0.01f64..1.0)],
        cooling in prop::sample::select(vec!["air", "cold-plate", "immersion"]),
        cpus in prop_oneof![8 => 0u32..=4, 1 => 5u32..40],
        tdp in prop_oneof![6 => Just(700.0), 1 => prop::sample::select(vec![50e3, 100e3, 150e3])],
    ) {
        // CPU idle and fan minimum not above their maximum.
        let w = |s: &str| aidc::scenario::units::parse_power_w(s).unwrap_or(0.0);
        for (lo, hi) in [(0, 1), (6, 7)] {
            if w(&parts[lo]) > w(&parts[hi]) {
                parts.swap(lo, hi);
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let text = powered(&parts, eff, cooling, cpus, tdp);
        match crate::support::from_text(&text, tmp.path()) {
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.contains("node_types[0]") || msg.contains("accelerators[0].tdp_w"), "refused at the field: {msg}");
                prop_assert!(msg.contains("at most"), "says the bound: {msg}");
            }
            Ok(sc) => {
                let worst_w = aidc::model::compute::power::node_worst_w(&sc.node_types[0], &sc.devices[0]);
                prop_assert!(worst_w <= aidc::scenario::bounds::MAX_NODE_W);
                let (s, _) = aidc::engine::run_in_memory(&sc);
                prop_assert!(s.energy.it_kwh >= 0.0, "IT energy {} kWh", s.energy.it_kwh);
                prop_assert!(s.energy.it_kwh <= 4.0 * worst_w * 24.0 / 1000.0 * (1.0 + 1e-9), "at most 4 nodes at their worst for a day");
                let pue = s.facility.pue.expect("a facility gives a PUE");
                prop_assert!(pue.annual >= 1.0 && pue.min_month >= 1.0, "PUE {} (min month {})", pue.annual, pue.min_month);
                let facility = s.energy.facility_kwh.expect("a facility gives its energy");
                prop_assert!(facility >= s.energy.it_kwh, "facility {facility} kWh below IT {} kWh", s.energy.it_kwh);
            }
        }
    }
}
