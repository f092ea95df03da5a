//! The `[network]` section and the `work = { ... }` of job classes: raw schema (as written) and
//! resolution (SI, every default filled in).
//!
//! ## Defaults and their sources
//! | field | default | source |
//! |---|---|---|
//! | `fabric` | `"rail-optimized"` | NVIDIA DGX SuperPOD H100 reference architecture: rail-aligned compute fabric (BRIEF §7) |
//! | `tiers` | 2 | DGX SuperPOD up to 4 scalable units is a two-tier leaf/spine fabric (BRIEF §7) |
//! | `radix` | 64 ports | NVIDIA Quantum-2 QM9700: 64 ports of 400 Gb/s NDR |
//! | `link` | 400 Gbps | NDR InfiniBand / 400GbE RoCE (BRIEF §1) |
//! | `nic` | = `link`, per accelerator | DGX H100: one ConnectX-7 400G per GPU |
//! | `oversubscription` | 1:1 at every upper tier | SuperPOD compute fabric is non-blocking |
//! | `pod_nodes` | rail-optimized: 32 (one scalable unit); fat-tree: nodes below one leaf (2 tiers) or one aggregation block of k/2 leaves (3 tiers) | BRIEF §7 (SU = 32 nodes); Al-Fares et al. 2008 (k-ary fat-tree pods) |
//! | `domain_nodes` | 1 (the node's NVLink/HCCS domain); 18 for an NVL72-like rack of 4-GPU trays | NVIDIA GB200 NVL72: 18 compute trays x 4 GPUs |
//! | `domain_bandwidth` | 450 GB/s per accelerator per direction | NVLink 4 (H100): 18 links x 25 GB/s per direction = 900 GB/s bidirectional |
//! | `latency` | domain 2 us, leaf 5 us, spine 7 us (per collective step) | [rule of thumb: NCCL per-step latency of a few us within a node, plus ~1 us per switch hop and software over InfiniBand/RoCE] |
//! | `switch_power` | 1,100 W per switch without optics | [rule of thumb: a 64-port 400G switch draws ~1.5-2.0 kW with its optics] |
//! | `optic_power` | 9 W per used switch port | [rule of thumb: a 400G OSFP optic draws ~8-12 W; half of a ~17-18 W twin-port 800G OSFP] |
//!
//! `work`: FLOPs = 6 N D for training (Kaplan et al. 2020, Hoffmann et al. 2022: forward plus
//! backward), 2 N D for inference kinds; `batch_tokens` default 4M tokens per step (Llama 2,
//! Touvron et al. 2023); `gradient_bytes` 2 per parameter (bf16 gradients); `overlap` 0.5 of the
//! gradient all-reduce hidden behind the backward pass [rule of thumb]; `mfu`: the device's
//! `nominal_efficiency` (default 0.40, BRIEF §7: 35-45 % BF16 MFU on H100).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

use super::error::{FieldPath, ScenarioError, Source};
use super::units::{BandwidthBps, UnitError};
use crate::catalog::network::*;
use crate::config::network::{FabricKind, Network, Work};
use crate::model::network::leaf_down_ports;

type R<T> = Result<T, ScenarioError>;

/// Default global batch, tokens per step (Llama 2).
pub const DEFAULT_BATCH_TOKENS: f64 = 4_194_304.0;
/// Default gradient bytes per parameter (bf16).
pub const DEFAULT_GRADIENT_BYTES: f64 = 2.0;
/// Default fraction of the gradient all-reduce hidden behind compute [rule of thumb].
pub const DEFAULT_OVERLAP: f64 = 0.5;

/// The most parameters of a work-defined job's model.
pub const MAX_PARAMS: f64 = 1e15;
/// The most tokens of a work-defined job.
pub const MAX_TOKENS: f64 = 1e16;

/// The longest per-step latency, s: a switch hop is about 1 µs, a collective step tens of µs;
/// a second per step is no fabric.
pub const MAX_LATENCY_S: f64 = 1.0;

/// A latency in seconds, written "5us", "500ns" or "0.01ms".
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct LatencyS(pub f64);

/// Parses "5us", "500ns", "0.01ms" or "1s" into seconds.
pub fn parse_latency_s(s: &str) -> Result<f64, UnitError> {
    let t = s.trim();
    let units = [("ns", -9), ("us", -6), ("µs", -6), ("ms", -3), ("s", 0)];
    let bad = || UnitError { message: format!("expected a latency like \"5us\", \"500ns\" or \"0.01ms\", found {s:?}") };
    let Some((num, exp)) = units.iter().find_map(|(u, e)| t.strip_suffix(u).map(|n| (n.trim(), *e))) else {
        return Err(bad());
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    // One decimal-to-binary conversion, so that "5us" is exactly 5e-6.
    match format!("{num}e{exp}").parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(bad()),
    }
}

impl Serialize for LatencyS {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}s", self.0))
    }
}

impl<'de> Deserialize<'de> for LatencyS {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_latency_s(&s).map(LatencyS).map_err(de::Error::custom)
    }
}

/// A count written as a number or with a decimal suffix: "70B" (1e9), "1T", "4M", "8k".
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Count(pub f64);

/// Parses "70B", "1.5T", "4M", "8k" or "1000".
pub fn parse_count(s: &str) -> Result<f64, UnitError> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('B' | 'G') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v * mult),
        _ => Err(UnitError { message: format!("expected a positive count like \"70B\", \"1T\", \"4M\" or \"8192\", found {s:?}") }),
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}", self.0))
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count like \"70B\", \"1T\" or 8192")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                parse_count(v).map(Count).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                if v == 0 { Err(E::custom("expected a positive count, found 0")) } else { Ok(Count(v as f64)) }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                if v <= 0 { Err(E::custom(format!("expected a positive count, found {v}"))) } else { Ok(Count(v as f64)) }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                if v.is_finite() && v > 0.0 { Ok(Count(v)) } else { Err(E::custom(format!("expected a positive count, found {v}"))) }
            }
        }
        d.deserialize_any(V)
    }
}

/// `latency = { domain, leaf, spine }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    /// Per step inside the fast domain (NVLink/HCCS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<LatencyS>,
    /// Per step between nodes under one leaf (or rail leaves of one scalable unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf: Option<LatencyS>,
    /// Per step across pods (spine, core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine: Option<LatencyS>,
}

/// `[network]` as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// "rail-optimized" or "fat-tree".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fabric: Option<String>,
    /// Switch tiers: 2 or 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<u32>,
    /// Ports per switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radix: Option<u32>,
    /// Switch port speed, e.g. "400Gbps".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<BandwidthBps>,
    /// NIC bandwidth per accelerator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic: Option<BandwidthBps>,
    /// Downlink:uplink ratio at each upper tier (tiers - 1 entries), e.g. ["1:1"] or ["2:1", "1:1"].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversubscription: Option<Vec<String>>,
    /// Nodes per scalable unit / pod (the unit of topology-aware placement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_nodes: Option<u32>,
    /// Nodes per fast (NVLink/HCCS) domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_nodes: Option<u32>,
    /// Fast-domain bandwidth per accelerator per direction, e.g. "450GB/s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_bandwidth: Option<BandwidthBps>,
    /// Alpha (per-step) latency per tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawLatency>,
    /// Power of one switch without optics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_power: Option<super::units::PowerW>,
    /// Power of the optic of one used switch port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optic_power: Option<super::units::PowerW>,
}

fn ratio(s: &str) -> Option<f64> {
    let (a, b) = s.trim().split_once(':')?;
    let (a, b): (f64, f64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a.is_finite() && b.is_finite() && b > 0.0 && a / b >= 1.0).then_some(a / b)
}

/// Resolves `[network]` for a cluster of nodes with `nics_per_node` accelerators (the largest node).
pub fn resolve(raw: &RawNetwork, src: &Source, nodes: u64, nics_per_node: u32) -> R<Network> {
    let p = FieldPath::root("network");
    let name = raw.fabric.as_deref().unwrap_or("rail-optimized");
    let Some(fabric) = FabricKind::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k) else {
        return Err(src.error(&p.key("fabric"), format!("expected \"rail-optimized\" or \"fat-tree\", found {name:?}")));
    };
    let tiers = raw.tiers.unwrap_or(2);
    if !(2..=3).contains(&tiers) {
        return Err(src.error(&p.key("tiers"), format!("expected 2 or 3 switch tiers, found {tiers}")));
    }
    let radix = raw.radix.unwrap_or(DEFAULT_RADIX);
    if !(4..=1024).contains(&radix) || !radix.is_multiple_of(2) {
        return Err(src.error(&p.key("radix"), format!("expected an even number of ports per switch from 4 to 1024, found {radix}")));
    }
    let link_bps = raw.link.map_or(DEFAULT_LINK_BPS, |b| b.0);
    if link_bps <= 0.0 {
        return Err(src.error(&p.key("link"), "expected a link speed above zero, like \"400Gbps\""));
    }
    let nic_bps = raw.nic.map_or(link_bps, |b| b.0);
    if nic_bps <= 0.0 || nic_bps > link_bps * 1.000001 {
        return Err(src.error(&p.key("nic"), "expected a NIC bandwidth above zero and at most the link speed"));
    }
    let mut oversubscription = vec![1.0; tiers as usize - 1];
    if let Some(list) = &raw.oversubscription {
        if list.len() != tiers as usize - 1 {
            return Err(src.error(
                &p.key("oversubscription"),
                format!("expected {} ratio(s), one per upper tier, like [\"1:1\"], found {}", tiers - 1, list.len()),
            ));
        }
        for (i, s) in list.iter().enumerate() {
            match ratio(s) {
                Some(r) => oversubscription[i] = r,
                None => {
                    return Err(src.error(
                        &p.key("oversubscription").index(i),
                        format!("expected a downlink:uplink ratio of at least 1, like \"1:1\" or \"2:1\", found {s:?}"),
                    ));
                }
            }
        }
    }
    let down = leaf_down_ports(radix, oversubscription[0]);
    let default_pod = match (fabric, tiers) {
        (FabricKind::RailOptimized, _) => DEFAULT_SU_NODES,
        (FabricKind::FatTree, 2) => (down / nics_per_node.max(1)).max(1),
        (FabricKind::FatTree, _) => ((radix / 2) * down / nics_per_node.max(1)).max(1),
    };
    let pod_nodes = raw.pod_nodes.unwrap_or(default_pod);
    if pod_nodes == 0 {
        return Err(src.error(&p.key("pod_nodes"), "expected at least 1 node per pod"));
    }
    if fabric == FabricKind::RailOptimized && pod_nodes > down {
        return Err(src.error(
            &p.key("pod_nodes"),
            format!(
                "a rail leaf of {radix} ports at {} has {down} downlinks: at most {down} nodes per scalable unit",
                fmt_ratio(oversubscription[0])
            ),
        ));
    }
    let domain_nodes = raw.domain_nodes.unwrap_or(1);
    if domain_nodes == 0 || (domain_nodes > 1 && !pod_nodes.is_multiple_of(domain_nodes)) {
        return Err(
            src.error(&p.key("domain_nodes"), format!("expected at least 1 node per fast domain, dividing pod_nodes = {pod_nodes}"))
        );
    }
    let domain_bps = raw.domain_bandwidth.map_or(DEFAULT_DOMAIN_BPS, |b| b.0);
    if domain_bps <= 0.0 {
        return Err(src.error(&p.key("domain_bandwidth"), "expected a bandwidth above zero, like \"450GB/s\""));
    }
    let l = raw.latency.clone().unwrap_or_default();
    let latency_s = [
        l.domain.map_or(DEFAULT_LATENCY_S[0], |v| v.0),
        l.leaf.map_or(DEFAULT_LATENCY_S[1], |v| v.0),
        l.spine.map_or(DEFAULT_LATENCY_S[2], |v| v.0),
    ];
    for (i, (name, s)) in [("domain", l.domain), ("leaf", l.leaf), ("spine", l.spine)].into_iter().enumerate() {
        if !(..=MAX_LATENCY_S).contains(&latency_s[i]) {
            let found = s.map_or(0.0, |v| v.0);
            return Err(src.error(&p.key("latency").key(name), format!("expected a latency of at most 1 s per step, found {found} s")));
        }
    }
    let switch_w = raw.switch_power.map_or(DEFAULT_SWITCH_W, |w| w.0);
    let optic_w = raw.optic_power.map_or(DEFAULT_OPTIC_W, |w| w.0);
    let part = |key: &str, w: f64, max: f64, what: &str| super::bounds::at_most_w(w, max, what).map_err(|m| src.error(&p.key(key), m));
    part("switch_power", switch_w, super::bounds::MAX_SWITCH_W, "a switch's power without optics")?;
    part("optic_power", optic_w, super::bounds::MAX_OPTIC_W, "the power of one optic")?;
    let net = Network {
        fabric,
        tiers,
        radix,
        link_bps,
        nic_bps,
        oversubscription,
        pod_nodes,
        domain_nodes,
        domain_bps,
        latency_s,
        switch_w,
        optic_w,
    };
    let counts = crate::model::network::switch_counts(&net, nodes, nics_per_node).map_err(|e| src.error(&p.key("tiers"), e.to_string()))?;
    let fabric_w = counts.power_w(&net);
    if !(..=super::bounds::MAX_FABRIC_W).contains(&fabric_w) {
        let key = if raw.optic_power.is_some() { "optic_power" } else { "switch_power" };
        let msg = format!(
            "the fabric's {} switches and {} optics draw {}; expected at most {}",
            counts.total(),
            counts.ports,
            super::bounds::watts(fabric_w),
            super::bounds::watts(super::bounds::MAX_FABRIC_W)
        );
        return Err(src.error(&p.key(key), msg));
    }
    Ok(net)
}

fn fmt_ratio(r: f64) -> String {
    format!("{r}:1")
}

/// The resolved section written back with every default spelled out.
pub fn unparse(n: &Network) -> RawNetwork {
    RawNetwork {
        fabric: Some(n.fabric.name().to_string()),
        tiers: Some(n.tiers),
        radix: Some(n.radix),
        link: Some(BandwidthBps(n.link_bps)),
        nic: Some(BandwidthBps(n.nic_bps)),
        oversubscription: Some(n.oversubscription.iter().map(|r| fmt_ratio(*r)).collect()),
        pod_nodes: Some(n.pod_nodes),
        domain_nodes: Some(n.domain_nodes),
        domain_bandwidth: Some(BandwidthBps(n.domain_bps)),
        latency: Some(RawLatency {
            domain: Some(LatencyS(n.latency_s[0])),
            leaf: Some(LatencyS(n.latency_s[1])),
            spine: Some(LatencyS(n.latency_s[2])),
        }),
        switch_power: Some(super::units::PowerW(n.switch_w)),
        optic_power: Some(super::units::PowerW(n.optic_w)),
    }
}

/// `work = { ... }` of a job class as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWork {
    /// Model parameters, e.g. "70B".
    pub params: Count,
    /// Training (or inference) tokens, e.g. "1T"; or give `steps` (with `batch_tokens` or `batch` and `seq_len`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Count>,
    /// Optimizer steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Count>,
    /// Global batch, sequences per step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Count>,
    /// Sequence length, tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<Count>,
    /// Tokens per step (global batch x sequence length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_tokens: Option<Count>,
    /// Precision of the dense peak: "bf16", "fp8", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// Model FLOPs utilization of the compute phases (fraction of dense peak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfu: Option<f64>,
    /// Bytes per parameter of the gradient all-reduce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient_bytes: Option<f64>,
    /// Fraction of the all-reduce hidden behind compute (0-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap: Option<f64>,
}

/// Resolves a class's work on `device` (its spec); `training` for 6 N D, else 2 N D.
pub fn resolve_work(raw: &RawWork, src: &Source, p: &FieldPath, device: &crate::config::Device, training: bool) -> R<Work> {
    let tokens = match (raw.tokens, raw.steps) {
        (Some(_), Some(_)) => return Err(src.error(&p.key("steps"), "give either tokens or steps, not both")),
        (None, None) => return Err(src.error(p, "expected tokens = \"1T\" or steps = N (with batch_tokens, or batch and seq_len)")),
        (Some(t), None) => t.0,
        (None, Some(_)) => 0.0,
    };
    let batch_tokens = match (raw.batch_tokens, raw.batch, raw.seq_len) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(src.error(&p.key("batch_tokens"), "give either batch_tokens or batch and seq_len, not both"));
        }
        (Some(b), None, None) => b.0,
        (None, Some(b), Some(s)) => b.0 * s.0,
        (None, Some(_), None) => return Err(src.error(&p.key("seq_len"), "batch needs seq_len (tokens per sequence)")),
        (None, None, Some(_)) => return Err(src.error(&p.key("batch"), "seq_len needs batch (sequences per step)")),
        (None, None, None) => DEFAULT_BATCH_TOKENS,
    };
    let tokens = match raw.steps {
        Some(s) => s.0 * batch_tokens,
        None => tokens,
    };
    let precision = raw.precision.clone().unwrap_or_else(|| "bf16".to_string());
    let Some(tflops) = device.spec.dense_tflops.get(&precision).filter(|t| *t > 0.0) else {
        let known: Vec<&str> = device.spec.dense_tflops.iter().map(|(n, _)| n).collect();
        return Err(
            src.error(&p.key("precision"), format!("{} has no dense peak for {precision:?}; known: {}", device.spec.id, known.join(", ")))
        );
    };
    let mfu = raw.mfu.unwrap_or(device.spec.nominal_efficiency.unwrap_or(crate::calibrate::apply::DEFAULT_NOMINAL_EFFICIENCY));
    if !(mfu.is_finite() && mfu > 0.0 && mfu <= 1.0) {
        return Err(src.error(&p.key("mfu"), format!("expected a fraction of peak in (0, 1], found {mfu}")));
    }
    let gradient_bytes = raw.gradient_bytes.unwrap_or(if training { DEFAULT_GRADIENT_BYTES } else { 0.0 });
    if !(gradient_bytes.is_finite() && (0.0..=16.0).contains(&gradient_bytes)) {
        return Err(src.error(&p.key("gradient_bytes"), format!("expected bytes per parameter from 0 to 16, found {gradient_bytes}")));
    }
    let overlap = raw.overlap.unwrap_or(DEFAULT_OVERLAP);
    if !(overlap.is_finite() && (0.0..=1.0).contains(&overlap)) {
        return Err(src.error(&p.key("overlap"), format!("expected a fraction from 0 to 1, found {overlap}")));
    }
    // About 500 times the largest models (~2e12 parameters) and training runs (~4e13 tokens).
    if !(..=MAX_PARAMS).contains(&raw.params.0) {
        return Err(src.error(&p.key("params"), format!("expected at most {MAX_PARAMS:e} parameters, found {:e}", raw.params.0)));
    }
    if !(..=MAX_TOKENS).contains(&tokens) {
        let key = if raw.steps.is_some() { "steps" } else { "tokens" };
        return Err(src.error(&p.key(key), format!("expected at most {MAX_TOKENS:e} tokens in a job, found {tokens:e}")));
    }
    if batch_tokens > tokens {
        return Err(
            src.error(&p.key("batch_tokens"), format!("a step of {batch_tokens} tokens is more than the {tokens} tokens of the job"))
        );
    }
    Ok(Work {
        params: raw.params.0,
        tokens,
        batch_tokens,
        flops_per_param_token: if training { 6.0 } else { 2.0 },
        precision,
        peak_flops: tflops * 1e12,
        mfu,
        gradient_bytes,
        overlap,
    })
}

/// A resolved work written back (tokens and batch_tokens spelled out).
pub fn unparse_work(w: &Work) -> RawWork {
    RawWork {
        params: Count(w.params),
        tokens: Some(Count(w.tokens)),
        batch_tokens: Some(Count(w.batch_tokens)),
        precision: Some(w.precision.clone()),
        mfu: Some(w.mfu),
        gradient_bytes: Some(w.gradient_bytes),
        overlap: Some(w.overlap),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_latencies_and_ratios_parse_and_round_trip() {
        assert_eq!(parse_count("70B"), Ok(70e9));
        assert_eq!(parse_count("1T"), Ok(1e12));
        assert_eq!(parse_count("4M"), Ok(4e6));
        assert_eq!(parse_count("8192"), Ok(8192.0));
        assert!(parse_count("-3B").is_err());
        assert!(parse_count("lots").is_err());
        for v in [70e9, 1.5e12, 4_194_304.0] {
            assert_eq!(parse_count(&format!("{v}")), Ok(v));
        }
        assert_eq!(parse_latency_s("5us"), Ok(5e-6));
        assert_eq!(parse_latency_s("500ns"), Ok(500e-9));
        assert!(parse_latency_s("5").is_err());
        for v in [5e-6, 7e-6, 2e-6, 1.25e-7] {
            assert_eq!(parse_latency_s(&format!("{v}s")), Ok(v));
        }
        assert_eq!(ratio("2:1"), Some(2.0));
        assert_eq!(ratio("1:1"), Some(1.0));
        assert_eq!(ratio("1:2"), None);
        assert_eq!(ratio(&fmt_ratio(1.5)), Some(1.5));
        assert_eq!(leaf_down_ports(64, 1.0), 32);
        assert_eq!(leaf_down_ports(64, 3.0), 48);
    }
}
