//! The CPU suite: which kernels run at which sizes, which are fitted and which are held out,
//! and the assembly of the profile (samples, fit, validation).
//!
//! ## How it works
//! [`plan`] lists the samples: dense GEMM in fp64, fp32 and fp16 over square sizes (fitted)
//! and some square and non-square shapes between them (held out); STREAM kernels on arrays
//! sized by [`super::working_set`] (four times the last-level cache, capped and bounded by the
//! available memory: scale, add, triad and in-place scale and triad fitted: the read,
//! write-allocate and in-place write costs; copy reported only, as memcpy uses streaming stores;
//! the triad also on a quarter and a half of the array, to check the bandwidth's plateau);
//! softmax rows (fitted: its element rate) and a layer norm and an all-reduce among the rayon
//! threads (held out, memory-bound, sized from the same array); attention blocks (held out,
//! predicted as two GEMMs and a softmax). [`run_cpu`] makes two passes (three in the full
//! suite) over the plan and times each sample in each pass ([`super::measure`]) within a time
//! budget that shrinks where the suite would overrun its deadline ([`sample_budget_s`]), reads
//! RAPL energy around it where it can ([`super::rapl`]), fits ([`super::fit`]) and predicts
//! the held-out samples.

use std::collections::BTreeMap;
use std::path::Path;

use super::cpu::{self, Stream, Work};
use super::fit::{self, Roofline, gemm_size, median};
use super::host::{CpuFacts, cpu_facts};
use super::measure::{Timing, repetition_times};
use super::profile::*;
use super::rapl;
use super::working_set::WorkingSet;

/// Passes over the whole plan: a sample keeps the repetitions of every pass, so a burst of
/// load from another process spoils one pass of it, not its fastest repetition.
const PASSES_QUICK: usize = 2;
/// Passes of the full suite.
const PASSES_FULL: usize = 3;
/// Seconds the sample loop of the quick suite aims to end by (the suite may take 20 s on two
/// cores, issue 12): see [`sample_budget_s`].
const DEADLINE_QUICK_S: f64 = 14.0;
/// Seconds the sample loop of the full suite aims to end by (it may take 2 min).
const DEADLINE_FULL_S: f64 = 90.0;

/// How long and how much to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuiteOptions {
    /// The quick suite (fewer and smaller samples).
    pub quick: bool,
}

/// One planned sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// GEMM (precision bits, m, n, k).
    Gemm(u32, usize, usize, usize),
    /// STREAM kernel over `len` f64.
    Stream(Stream, usize),
    /// Layer norm (rows, cols).
    LayerNorm(usize, usize),
    /// Softmax (rows, cols).
    Softmax(usize, usize),
    /// Attention (seq, head).
    Attention(usize, usize),
    /// All-reduce (threads, len).
    AllReduce(usize, usize),
}

/// Role of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Used by the fit.
    Fit,
    /// Predicted from the fit and compared.
    Holdout,
    /// Reported only.
    Info,
    /// A smaller STREAM triad, to check that the bandwidth has stopped falling at the suite's
    /// array size ([`WorkingSet::conclude`]); not fitted.
    Probe,
}

fn precision_name(bits: u32) -> &'static str {
    match bits {
        64 => "fp64",
        32 => "fp32",
        _ => "fp16",
    }
}

impl Kernel {
    /// (kernel, precision, shape) as stored in a [`Sample`].
    pub fn describe(&self) -> (&'static str, &'static str, Vec<usize>) {
        match *self {
            Kernel::Gemm(b, m, n, k) => ("gemm", precision_name(b), vec![m, n, k]),
            Kernel::Stream(cpu::Stream::Copy, l) => ("stream-copy", "fp64", vec![l]),
            Kernel::Stream(cpu::Stream::Scale, l) => ("stream-scale", "fp64", vec![l]),
            Kernel::Stream(cpu::Stream::Triad, l) => ("stream-triad", "fp64", vec![l]),
            Kernel::Stream(cpu::Stream::Add, l) => ("stream-add", "fp64", vec![l]),
            Kernel::Stream(cpu::Stream::ScaleInPlace, l) => ("stream-scale-inplace", "fp64", vec![l]),
            Kernel::Stream(cpu::Stream::TriadInPlace, l) => ("stream-triad-inplace", "fp64", vec![l]),
            Kernel::LayerNorm(r, c) => ("layernorm", "fp32", vec![r, c]),
            Kernel::Softmax(r, c) => ("softmax", "fp32", vec![r, c]),
            Kernel::Attention(s, d) => ("attention", "fp32", vec![s, d]),
            Kernel::AllReduce(t, l) => ("allreduce", "fp32", vec![t, l]),
        }
    }

    /// The memory the sample holds while it runs, bytes (its inputs, outputs and scratch, as
    /// `build` allocates them).
    pub fn footprint_bytes(&self) -> u64 {
        let b = |elements: usize, bytes: usize| (elements as u64).saturating_mul(bytes as u64);
        match *self {
            Kernel::Gemm(bits, m, n, k) => b(m * k + k * n + m * n, bits as usize / 8),
            Kernel::Stream(_, len) => b(3 * len, 8),
            Kernel::LayerNorm(r, c) => b(2 * r * c, 4),
            Kernel::Softmax(r, c) => b(r * c, 4),
            Kernel::Attention(s, d) => b(4 * s * d + s * s, 4),
            Kernel::AllReduce(t, l) => b(t.max(1) * l, 4),
        }
    }
}

/// The samples of the CPU suite, in run order, with STREAM arrays of `array_bytes` each (see
/// [`super::working_set`]).
pub fn plan(quick: bool, array_bytes: u64, threads: usize) -> Vec<(Kernel, Role)> {
    use Kernel::*;
    use Role::*;
    let mut out = Vec::new();
    // From 128: below it a GEMM is too short to time well and runs on one thread.
    let mut sizes = vec![128, 256, 512, 1024];
    if !quick {
        sizes.extend([1536, 2048]);
    }
    for bits in [64, 32, 16] {
        out.extend(sizes.iter().map(|&n| (Gemm(bits, n, n, n), Fit)));
        out.push((Gemm(bits, 384, 384, 384), Holdout));
        out.push((Gemm(bits, 768, 1024, 384), Holdout));
        out.push((Gemm(bits, 320, 192, 256), Holdout));
        if !quick {
            out.push((Gemm(bits, 2048, 512, 1024), Holdout));
        }
    }
    let len = (array_bytes / 8) as usize;
    // Copy is reported only: copy_from_slice becomes memcpy, which uses streaming stores on
    // large arrays (no write-allocate), unlike the other kernels.
    out.push((Stream(cpu::Stream::Copy, len), Info));
    out.push((Stream(cpu::Stream::Triad, len / 4), Probe));
    out.push((Stream(cpu::Stream::Triad, len / 2), Probe));
    out.push((Stream(cpu::Stream::Triad, len), Fit));
    if !quick {
        out.push((Stream(cpu::Stream::Triad, 2 * len), Fit));
    }
    out.push((Stream(cpu::Stream::Scale, len), Fit));
    out.push((Stream(cpu::Stream::Add, len), Fit));
    out.push((Stream(cpu::Stream::ScaleInPlace, len), Fit));
    out.push((Stream(cpu::Stream::TriadInPlace, len), Fit));
    out.push((LayerNorm(len / 2048, 4096), Holdout));
    // One buffer per thread: on many cores the buffers are shortened so that together they
    // hold no more than the triad's three arrays.
    let t = threads.max(2);
    out.push((AllReduce(t, len.min(6 * len / t)), Holdout));
    out.push((Softmax(len / 1024, 1024), Fit));
    out.push((Softmax(len / 4096, 2048), Fit));
    out.push((Softmax(len / 2048, 4096), Holdout));
    out.push((Attention(512, 64), Holdout));
    out.push((Attention(1024, 128), Holdout));
    if !quick {
        out.push((Attention(2048, 128), Holdout));
    }
    out
}

fn build(k: Kernel) -> (Work, Box<dyn FnMut()>) {
    fn boxed<F: FnMut() + 'static>((w, f): (Work, F)) -> (Work, Box<dyn FnMut()>) {
        (w, Box::new(f))
    }
    match k {
        Kernel::Gemm(64, m, n, kk) => boxed(cpu::gemm_kernel::<f64>(m, n, kk)),
        Kernel::Gemm(32, m, n, kk) => boxed(cpu::gemm_kernel::<f32>(m, n, kk)),
        Kernel::Gemm(_, m, n, kk) => boxed(cpu::gemm_kernel::<gemm::f16>(m, n, kk)),
        Kernel::Stream(s, len) => boxed(cpu::stream_kernel(s, len)),
        Kernel::LayerNorm(r, c) => boxed(cpu::layernorm_kernel(r, c)),
        Kernel::Softmax(r, c) => boxed(cpu::softmax_kernel(r, c)),
        Kernel::Attention(s, d) => boxed(cpu::attention_kernel(s, d)),
        Kernel::AllReduce(t, l) => boxed(cpu::allreduce_kernel(t, l)),
    }
}

/// Runs the CPU suite and builds its profile. `progress(done, total, label)` is called before
/// each sample and once at the end.
pub fn run_cpu(opts: SuiteOptions, root: &Path, mut progress: impl FnMut(usize, usize, &str)) -> Profile {
    let facts = cpu_facts(root);
    let threads = rayon::current_num_threads();
    let meter = rapl::find(root);
    let (warmup, reps, budget_s) = if opts.quick { (1, 7, 0.2) } else { (2, 15, 1.0) };
    let fma_s = if opts.quick { 0.1 } else { 0.5 };
    let device = device_facts(&facts, threads, fma_s);
    let mut power_points = Vec::new();
    if let Ok(m) = &meter
        && let Some(idle) = idle_power(m, if opts.quick { 0.5 } else { 2.0 })
    {
        power_points.push((0.0, idle));
    }
    let mut working_set = WorkingSet::for_host(opts.quick, root);
    let plan = plan(opts.quick, working_set.array_bytes, threads);
    working_set.peak_sample_bytes = peak_footprint_bytes(&plan);
    let passes = if opts.quick { PASSES_QUICK } else { PASSES_FULL };
    let total = passes * plan.len();
    // Repetition times and power readings of each sample over all passes.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); plan.len()];
    let mut watts: Vec<Vec<f64>> = vec![Vec::new(); plan.len()];
    let mut works = vec![Work::default(); plan.len()];
    let deadline_s = if opts.quick { DEADLINE_QUICK_S } else { DEADLINE_FULL_S };
    let started = std::time::Instant::now();
    for pass in 0..passes {
        for (i, (kernel, _)) in plan.iter().enumerate() {
            let runs_left = total - (pass * plan.len() + i);
            let budget_s = sample_budget_s(budget_s, deadline_s, started.elapsed().as_secs_f64(), runs_left);
            let (name, precision, shape) = kernel.describe();
            let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
            progress(pass * plan.len() + i, total, &format!("{name} {precision} {}", shape.join("x")));
            let (work, mut run) = build(*kernel);
            let before = meter.as_ref().ok().and_then(|m| m.read().map(|r| (m, r, std::time::Instant::now())));
            times[i].extend(repetition_times(warmup, reps, budget_s, &mut run));
            if let Some(w) = before.and_then(|(m, r, t)| m.read().map(|after| m.joules(&r, &after) / t.elapsed().as_secs_f64())) {
                watts[i].push(w);
            }
            works[i] = work;
        }
    }
    let mut samples = Vec::with_capacity(plan.len());
    for (i, (kernel, role)) in plan.iter().enumerate() {
        let (name, precision, shape) = kernel.describe();
        let power_w = (!watts[i].is_empty()).then(|| watts[i].iter().sum::<f64>() / watts[i].len() as f64);
        let sample = sample(name, precision, shape, *role, works[i], Timing::of(&times[i]), power_w);
        if let (Some(w), "gemm") = (power_w, name)
            && let Some(peak) = device.peak_flops.get(precision)
        {
            power_points.push((sample.gflops * 1e9 / peak, w));
        }
        samples.push(sample);
    }
    progress(total, total, "fitting");
    let mut fit = fit_samples(&samples, &device.peak_flops, "fp32");
    fit.power = fit::fit_power(&power_points);
    let validation = validate(&samples, &fit);
    working_set.conclude(&samples);
    Profile {
        format: FORMAT,
        tool: format!("aidc {}", crate::VERSION),
        created: utc_now(),
        quick: opts.quick,
        host: Host {
            hostname: super::host::hostname(root),
            platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            cpu: facts,
            gpus: super::cuda::gpu_facts(),
        },
        device,
        power: match &meter {
            Ok(m) if fit.power.is_some() => PowerInfo { measured: true, note: m.source.clone() },
            Ok(m) => PowerInfo { measured: false, note: format!("{}: too few readings to fit", m.source) },
            Err(why) => PowerInfo { measured: false, note: why.to_string() },
        },
        working_set: Some(working_set),
        samples,
        fit,
        validation,
    }
}

/// The time budget of one sample's timed repetitions, s: its own `budget_s`, or less where the
/// time left before the suite's deadline, shared evenly among the sample runs left, is less.
/// On a machine fast enough nothing changes (samples end on their repetition count); on a
/// slow or busy one the suite ends near its deadline, every sample still timing its
/// [`super::measure::MIN_REPS`] repetitions.
pub fn sample_budget_s(budget_s: f64, deadline_s: f64, elapsed_s: f64, runs_left: usize) -> f64 {
    budget_s.min((deadline_s - elapsed_s).max(0.0) / runs_left.max(1) as f64)
}

/// The memory held by the largest sample of a plan, bytes.
pub fn peak_footprint_bytes(plan: &[(Kernel, Role)]) -> u64 {
    plan.iter().map(|(k, _)| k.footprint_bytes()).max().unwrap_or(0)
}

fn device_facts(facts: &CpuFacts, threads: usize, fma_s: f64) -> DeviceFacts {
    let mut d = DeviceFacts {
        kind: "cpu".into(),
        model: facts.model.clone(),
        parallelism: threads as u32,
        peak_note: "the larger of the theoretical peak (cores x GHz x FMA units x 2 x lanes) and the measured in-register FMA throughput; fp16 GEMM computes in fp32 on CPUs".into(),
        ..Default::default()
    };
    for (p, bits) in [("fp64", 64), ("fp32", 32), ("fp16", 32)] {
        let theory = facts.peak_flops(bits);
        d.theoretical_peak_flops.insert(p.into(), theory);
        let measured = if p == "fp16" { d.fma_peak_flops.get("fp32").copied() } else { cpu::fma_peak(bits, fma_s) };
        if let Some(m) = measured {
            d.fma_peak_flops.insert(p.into(), m);
        }
        d.peak_flops.insert(p.into(), theory.max(measured.unwrap_or(0.0)));
    }
    d
}

/// Mean package power over `seconds` of sleep, W.
fn idle_power(m: &rapl::EnergyMeter, seconds: f64) -> Option<f64> {
    let t = std::time::Instant::now();
    let a = m.read()?;
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    let b = m.read()?;
    Some(m.joules(&a, &b) / t.elapsed().as_secs_f64())
}

fn sample(kernel: &str, precision: &str, shape: Vec<usize>, role: Role, w: Work, timing: Timing, power_w: Option<f64>) -> Sample {
    let t = timing.median_s.max(1e-12);
    Sample {
        kernel: kernel.into(),
        precision: precision.into(),
        shape,
        role: match role {
            Role::Fit => "fit",
            Role::Holdout => "holdout",
            Role::Info => "info",
            Role::Probe => "probe",
        }
        .into(),
        flops: w.flops,
        bytes: w.bytes(),
        read_bytes: w.read_bytes,
        gflops: w.flops / t / 1e9,
        gbps: w.bytes() / t / 1e9,
        timing,
        power_w,
    }
}

/// Fits rooflines, bandwidth and softmax rate to the "fit" samples, and the efficiency to the
/// largest attention block at `reference` precision. Rates come from the fastest repetition,
/// as STREAM reports them (McCalpin): on a shared machine it is the least disturbed one.
pub fn fit_samples(samples: &[Sample], peaks: &BTreeMap<String, f64>, reference: &str) -> FitResult {
    fn fitting<'a>(samples: &'a [Sample], kernel: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        samples.iter().filter(move |s| s.role == "fit" && s.kernel == kernel)
    }
    let mut rooflines = Vec::new();
    for (precision, &peak) in peaks {
        let pts: Vec<(f64, f64)> = fitting(samples, "gemm")
            .filter(|s| &s.precision == precision)
            .map(|s| (gemm_size(s.shape[0], s.shape[1], s.shape[2]), s.flops / s.timing.min_s))
            .collect();
        if let Some(r) = Roofline::fit(precision, peak, &pts) {
            rooflines.push(r);
        }
    }
    rooflines.sort_by_key(|r| crate::catalog::PRECISIONS.iter().position(|p| *p == r.precision));
    let memory_kernels = ["stream-scale", "stream-triad", "stream-add", "stream-scale-inplace", "stream-triad-inplace"];
    let mut points: Vec<(f64, f64, f64, f64)> = memory_kernels
        .iter()
        .flat_map(|k| fitting(samples, k))
        .map(|s| {
            let (r, wa, wi) = s.traffic();
            (r, wa, wi, s.timing.min_s)
        })
        .collect();
    // A GPU profile times device copies only.
    if points.is_empty() {
        points = fitting(samples, "stream-copy").map(|s| (s.read_bytes, s.write_bytes(), 0.0, s.timing.min_s)).collect();
    }
    let [read_gbps, write_gbps, write_in_place_gbps] = fit::fit_memory(&points).map_or([0.0; 3], |c| c.map(|x| 1e-9 / x));
    let best = |kernel: &str| {
        samples
            .iter()
            .filter(|s| s.kernel == kernel && (s.role == "fit" || s.role == "info"))
            .map(|s| s.bytes / s.timing.min_s / 1e9)
            .fold(0.0, f64::max)
    };
    let memory = MemoryFit {
        read_gbps,
        write_gbps,
        write_in_place_gbps,
        stream_triad_gbps: best("stream-triad"),
        stream_copy_gbps: best("stream-copy"),
    };
    let rates: Vec<f64> = fitting(samples, "softmax").map(|s| (s.shape[0] * s.shape[1]) as f64 / s.timing.min_s).collect();
    let peak = peaks.get(reference).copied().unwrap_or(0.0);
    let efficiency = samples
        .iter()
        .filter(|s| s.kernel == "attention" && s.precision == reference)
        .max_by_key(|s| s.shape[0] * s.shape[1])
        .map_or(0.0, |s| 4.0 * (s.shape[0] * s.shape[0] * s.shape[1]) as f64 / (s.timing.min_s * peak));
    FitResult { rooflines, memory, softmax_elements_per_s: median(&rates), reference_precision: reference.into(), efficiency, power: None }
}

/// Predicted time of a sample from the fit, with what bounds it; `None` where the fit lacks a
/// needed part.
pub fn predict(s: &Sample, fit: &FitResult) -> Option<(f64, &'static str)> {
    let m = &fit.memory;
    let (rbw, wbw) = (m.read_gbps * 1e9, m.write_gbps * 1e9);
    let ibw = if m.write_in_place_gbps > 0.0 { m.write_in_place_gbps * 1e9 } else { wbw };
    let mem = |read: f64, allocated: f64, in_place: f64| (rbw > 0.0 && wbw > 0.0).then(|| read / rbw + allocated / wbw + in_place / ibw);
    let softmax = |elements: f64| {
        let rate = fit.softmax_elements_per_s;
        (rate > 0.0).then(|| (elements / rate).max(mem(4.0 * elements, 0.0, 4.0 * elements).unwrap_or(0.0)))
    };
    match s.kernel.as_str() {
        "gemm" => fit.roofline(&s.precision).map(|r| (r.gemm_s(s.shape[0], s.shape[1], s.shape[2]), "compute")),
        "stream-copy"
        | "stream-scale"
        | "stream-triad"
        | "stream-add"
        | "stream-scale-inplace"
        | "stream-triad-inplace"
        | "layernorm"
        | "allreduce" => {
            let (r, wa, wi) = s.traffic();
            mem(r, wa, wi).map(|t| (t, "memory"))
        }
        "softmax" => softmax((s.shape[0] * s.shape[1]) as f64).map(|t| (t, "compute")),
        "attention" => {
            let r = fit.roofline(&s.precision)?;
            let (gemms, (rows, cols)) = cpu::attention_parts(s.shape[0], s.shape[1]);
            let g: f64 = gemms.iter().map(|&(m, n, k)| r.gemm_s(m, n, k)).sum();
            let e = (rows * cols) as f64;
            Some((g + softmax(e)?, "mixed"))
        }
        _ => None,
    }
}

/// Predicts every held-out sample.
pub fn validate(samples: &[Sample], fit: &FitResult) -> Vec<Validation> {
    samples
        .iter()
        .filter(|s| s.role == "holdout")
        .filter_map(|s| {
            let (predicted_s, bound) = predict(s, fit)?;
            let measured_s = s.timing.min_s;
            Some(Validation {
                kernel: s.label(),
                bound: bound.into(),
                measured_s,
                predicted_s,
                relative_error: (predicted_s - measured_s) / measured_s,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
