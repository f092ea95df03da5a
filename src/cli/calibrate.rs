//! `aidc calibrate`: run the kernel suite on the attached hardware, fit its models, validate
//! the fit on held-out kernels and write a calibration profile.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::BadInput;
use crate::calibrate::Profile;
use crate::calibrate::suite::{SuiteOptions, run_cpu};

/// Which devices to calibrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// The host CPU (always available).
    Cpu,
    /// The first NVIDIA GPU (needs a build with `--features cuda` and a CUDA driver).
    Cuda,
    /// The CPU, then the GPU where there is one.
    All,
}

/// Measure the attached hardware with real kernels and write a calibration profile.
///
/// Runs dense GEMM (fp64, fp32, fp16), STREAM copy/scale/triad, layer norm, softmax, an
/// attention block and an all-reduce among threads; fits a roofline per precision with an
/// efficiency-vs-size curve and the memory bandwidth; predicts held-out kernels and prints the
/// error of each. STREAM arrays are 4 x the last-level cache, capped (128 MiB quick, 256 MiB
/// full) and bounded by the available memory, so that the quick suite stays under 1 GB and the
/// full one under 4 GB whatever cache the CPU reports; the profile records the size and why.
/// The profile (JSON) goes to output/calibration/<host>-<device>.json or FILE; a scenario uses
/// it with `calibration = "FILE"` on an [[accelerators]] entry. An existing FILE is replaced
/// only when it is an aidc calibration profile; anything else is refused with exit code 2
/// before measuring, unless --force.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  aidc calibrate --quick\n  aidc calibrate --quick --device all --out output/calibration/lab.json")]
pub struct CalibrateArgs {
    /// The quick suite (fewer and smaller samples; about 10 s and 0.4 GB on two cores).
    #[arg(long)]
    quick: bool,
    /// Which device to measure.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
    /// The profile file [default: output/calibration/<host>-<device>.json]. With --device all,
    /// the GPU profile goes beside it with a "-cuda" suffix.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace FILE even when it is not an aidc calibration profile.
    #[arg(long)]
    force: bool,
    /// No progress bar and no table on the terminal.
    #[arg(long, short)]
    quiet: bool,
}

pub fn calibrate(a: CalibrateArgs) -> anyhow::Result<ExitCode> {
    if let Some(out) = &a.out
        && (out.as_os_str().is_empty() || out.is_dir())
    {
        return Err(BadInput(format!("--out: expected a file name, found {}", out.display())).into());
    }
    if let Some(out) = &a.out {
        // Checked before measuring, and again when written.
        check_target(out, a.force)?;
        if a.device == DeviceArg::All {
            check_target(&cuda_path(out), a.force)?;
        }
    }
    let root = facts_root()?;
    let root = root.as_path();
    if matches!(a.device, DeviceArg::Cpu | DeviceArg::All) {
        let bar = bar(!a.quiet);
        let profile = run_cpu(SuiteOptions { quick: a.quick }, root, |done, total, label| progress(&bar, done, total, label));
        bar.finish_and_clear();
        let path = a.out.clone().unwrap_or_else(|| default_path(&profile, "cpu"));
        write(&profile, &path, a.force)?;
        if !a.quiet {
            print_summary(&profile, &path);
        }
    }
    if matches!(a.device, DeviceArg::Cuda | DeviceArg::All) {
        let bar = bar(!a.quiet);
        let result = crate::calibrate::cuda::run(a.quick, |done, total, label| progress(&bar, done, total, label));
        bar.finish_and_clear();
        match result {
            Ok(profile) => {
                let path = match (&a.out, a.device) {
                    (Some(p), DeviceArg::All) => cuda_path(p),
                    (Some(p), _) => p.clone(),
                    (None, _) => default_path(&profile, "cuda"),
                };
                write(&profile, &path, a.force)?;
                if !a.quiet {
                    print_summary(&profile, &path);
                }
            }
            // Asked for CUDA only: its absence is the answer, an error the user can act on.
            Err(no) if a.device == DeviceArg::Cuda => return Err(BadInput(no.to_string()).into()),
            Err(no) => errln!("{no}; only the CPU was calibrated"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the host's facts (sysfs, procfs) are read: `/`, or for developers the folder in
/// `AIDC_CALIBRATE_ROOT`, a fake sysfs/procfs tree (e.g. a cache size a CPU might report) that
/// calibrate only reads from. Deliberately not in `--help`: it changes what the profile says
/// about the host.
pub const ROOT_ENV: &str = "AIDC_CALIBRATE_ROOT";

fn facts_root() -> anyhow::Result<PathBuf> {
    match std::env::var_os(ROOT_ENV) {
        None => Ok(PathBuf::from("/")),
        Some(r) if Path::new(&r).is_dir() => Ok(PathBuf::from(r)),
        Some(r) => Err(BadInput(format!("{ROOT_ENV}: expected a folder, found {}", Path::new(&r).display())).into()),
    }
}

fn default_path(p: &Profile, device: &str) -> PathBuf {
    let host: String = p.host.hostname.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    PathBuf::from("output/calibration").join(format!("{host}-{device}.json"))
}

/// Where the GPU profile goes with `--device all --out FILE`.
fn cuda_path(p: &Path) -> PathBuf {
    p.with_file_name(format!("{}-cuda.json", p.file_stem().map_or_else(|| "profile".into(), |s| s.to_string_lossy().into_owned())))
}

/// Whether a file is an aidc calibration profile (its `format` and `tool` fields say so).
fn is_profile(path: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Head {
        format: u32,
        tool: String,
    }
    const MAX_PROFILE_BYTES: u64 = 64 << 20;
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_PROFILE_BYTES);
    small
        && std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Head>(&t).ok())
            .is_some_and(|h| h.format > 0 && h.tool.starts_with("aidc"))
}

/// The rule of [`crate::output`] for a profile file.
fn check_target(path: &Path, force: bool) -> Result<(), crate::output::OutputError> {
    crate::output::check_file(path, "an aidc calibration profile", force, is_profile)
}

fn write(p: &Profile, path: &Path, force: bool) -> anyhow::Result<()> {
    check_target(path, force)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    // Written beside the target and renamed: a failed write leaves no half profile.
    crate::output::write_atomic(path, p.to_json().as_bytes())?;
    Ok(())
}

fn bar(show: bool) -> indicatif::ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(1);
    let style = indicatif::ProgressStyle::with_template("{spinner} calibrating [{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}

fn progress(bar: &indicatif::ProgressBar, done: usize, total: usize, label: &str) {
    bar.set_length(total as u64);
    bar.set_position(done as u64);
    bar.set_message(label.to_string());
}

/// The summary table: peaks, fitted rooflines, bandwidth, held-out errors.
fn print_summary(p: &Profile, path: &Path) {
    let d = &p.device;
    outln!("{} ({}, {} threads), {}", d.model, d.kind, d.parallelism, if p.quick { "quick suite" } else { "full suite" });
    outln!("{:<6} {:>12} {:>12} {:>12} {:>9} {:>8} {:>6}", "prec", "theory GF/s", "peak GF/s", "sustain GF/s", "e_max", "n_half", "k");
    for r in &p.fit.rooflines {
        let theory = d.theoretical_peak_flops.get(&r.precision).copied().unwrap_or(0.0);
        outln!(
            "{:<6} {:>12.1} {:>12.1} {:>12.1} {:>8.1}% {:>8.0} {:>6.2}",
            r.precision,
            theory / 1e9,
            r.peak_flops / 1e9,
            r.sustained_flops / 1e9,
            100.0 * r.curve.e_max,
            r.curve.n_half,
            r.curve.k
        );
    }
    let m = &p.fit.memory;
    outln!(
        "memory: STREAM copy {:.1} GB/s, triad {:.1} GB/s; fitted read {:.1} GB/s, write {:.1} GB/s (write-allocate), {:.1} GB/s (in place)",
        m.stream_copy_gbps,
        m.stream_triad_gbps,
        m.read_gbps,
        m.write_gbps,
        m.write_in_place_gbps
    );
    outln!(
        "efficiency for scenarios: {:.1} % of {} peak ({})",
        100.0 * p.fit.efficiency,
        p.fit.reference_precision,
        if d.kind == "cpu" { "model-FLOPs utilization of the largest attention block" } else { "sustained GEMM fraction" }
    );
    if let Some(ws) = &p.working_set {
        println!("memory samples: {}", ws.note);
    }
    match &p.fit.power {
        Some(f) => outln!("power ({}): idle {:.1} W, busy {:.1} W", p.power.note, f.idle_w, f.busy_w),
        None => outln!("power: not measured ({})", p.power.note),
    }
    outln!("held-out kernels (predicted from the fit):");
    outln!("  {:<34} {:>8} {:>12} {:>12} {:>8}", "kernel", "bound", "measured ms", "predicted ms", "error");
    for v in &p.validation {
        outln!(
            "  {:<34} {:>8} {:>12.3} {:>12.3} {:>+7.1}%",
            v.kernel,
            v.bound,
            v.measured_s * 1e3,
            v.predicted_s * 1e3,
            100.0 * v.relative_error
        );
    }
    outln!("profile: {}", path.display());
}
