//! The CUDA backend: GEMM through cuBLAS in fp64, fp32, fp16 and bf16 and device-to-device
//! copies for the memory bandwidth, with board power from NVML, behind the cargo feature
//! `cuda` (off by default).
//!
//! ## How it works
//! cudarc is built with dynamic loading: nothing of CUDA is needed to build, and the driver
//! library (`libcuda.so`) is opened at run time. cudarc panics when it cannot open a library,
//! so [`probe`] first looks for the driver library in the loader's usual folders (and, with
//! the feature, asks cudarc whether it can open it) and only then creates a context; any
//! failure is a [`NoCuda`] message, never a panic. The GEMM samples follow the CPU suite: a
//! fitted square series, held-out shapes predicted from the fitted roofline. The peak is the
//! catalog's dense figure where the GPU's name matches a catalog entry, otherwise the best
//! measured rate (noted in the profile). Power is NVML's board power (`nvmlDeviceGetPowerUsage`,
//! mW) read right after each sample's repetitions, and before any work for the idle figure.
//!
//! No GPU was reachable when this backend was written: it compiles and its "no CUDA" path is
//! tested; its measurements are untested.

use std::path::{Path, PathBuf};

/// Why the CUDA backend cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("no CUDA device: {0}")]
pub struct NoCuda(pub String);

/// File names of the CUDA driver library.
pub const DRIVER_LIBRARIES: [&str; 2] = ["libcuda.so.1", "libcuda.so"];

/// Folders the dynamic loader searches for the driver, under `root` (`/` on a real machine),
/// after those of `LD_LIBRARY_PATH`.
pub fn library_dirs(root: &Path, ld_library_path: Option<&str>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = ld_library_path.unwrap_or("").split(':').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
    for d in [
        "usr/lib/x86_64-linux-gnu",
        "usr/lib/aarch64-linux-gnu",
        "usr/lib64",
        "usr/lib",
        "usr/local/cuda/lib64",
        "usr/local/cuda/compat",
        "usr/lib/wsl/lib",
    ] {
        dirs.push(root.join(d));
    }
    dirs
}

/// The first driver library found in `dirs`.
pub fn find_driver(dirs: &[PathBuf]) -> Result<PathBuf, NoCuda> {
    dirs.iter().flat_map(|d| DRIVER_LIBRARIES.iter().map(move |n| d.join(n))).find(|p| p.exists()).ok_or_else(|| {
        NoCuda(format!("the CUDA driver library ({}) is not installed in any of {} library folders", DRIVER_LIBRARIES[0], dirs.len()))
    })
}

/// Whether the CUDA backend can run here: the driver library is present and (with the
/// feature) loadable, and a device answers. Without the feature: always [`NoCuda`].
pub fn probe(root: &Path) -> Result<(), NoCuda> {
    let dirs = library_dirs(root, std::env::var("LD_LIBRARY_PATH").ok().as_deref());
    find_driver(&dirs)?;
    backend::probe()
}

/// GPUs for the host facts of a profile (empty where CUDA cannot run).
pub fn gpu_facts() -> Vec<super::profile::GpuFacts> {
    if probe(Path::new("/")).is_err() {
        return Vec::new();
    }
    backend::gpu_facts()
}

/// Runs the CUDA suite on device 0.
pub fn run(quick: bool, progress: impl FnMut(usize, usize, &str)) -> Result<super::profile::Profile, NoCuda> {
    probe(Path::new("/"))?;
    backend::run(quick, progress)
}

#[cfg(not(feature = "cuda"))]
mod backend {
    use super::NoCuda;
    use crate::calibrate::profile::{GpuFacts, Profile};

    pub fn probe() -> Result<(), NoCuda> {
        Err(NoCuda("this aidc was built without the `cuda` feature (cargo build --release --features cuda)".into()))
    }

    pub fn gpu_facts() -> Vec<GpuFacts> {
        Vec::new()
    }

    pub fn run(_quick: bool, _progress: impl FnMut(usize, usize, &str)) -> Result<Profile, NoCuda> {
        Err(probe().unwrap_err())
    }
}

#[cfg(feature = "cuda")]
mod backend {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use cudarc::cublas::sys::cublasOperation_t::CUBLAS_OP_N;
    use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
    use cudarc::driver::{CudaContext, CudaStream, DeviceRepr, ValidAsZeroBits};

    use super::NoCuda;
    use crate::calibrate::fit;
    use crate::calibrate::measure::{Timing, time_kernel};
    use crate::calibrate::profile::*;
    use crate::calibrate::suite::{fit_samples, validate};

    fn no(e: impl std::fmt::Display) -> NoCuda {
        NoCuda(e.to_string())
    }

    pub fn probe() -> Result<(), NoCuda> {
        // SAFETY: only tries to open the library; no symbol is called.
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return Err(NoCuda("the CUDA driver library cannot be loaded".into()));
        }
        match CudaContext::device_count() {
            Ok(n) if n > 0 => Ok(()),
            Ok(_) => Err(NoCuda("the driver reports no device".into())),
            Err(e) => Err(NoCuda(format!("the driver failed to start: {e}"))),
        }
    }

    pub fn gpu_facts() -> Vec<GpuFacts> {
        let n = CudaContext::device_count().unwrap_or(0);
        let driver = nvml().and_then(|n| n.sys_driver_version().ok());
        (0..n.max(0) as usize)
            .filter_map(|i| CudaContext::new(i).ok())
            .map(|c| GpuFacts {
                model: c.name().unwrap_or_else(|_| "unknown".into()),
                driver: driver.clone(),
                compute_capability: c.compute_capability().ok().map(|(a, b)| format!("{a}.{b}")),
                memory_gb: c.total_mem().ok().map(|b| b as f64 / 1e9),
            })
            .collect()
    }

    fn nvml() -> Option<nvml_wrapper::Nvml> {
        nvml_wrapper::Nvml::init().ok()
    }

    fn power_w(nvml: Option<&nvml_wrapper::Nvml>) -> Option<f64> {
        let d = nvml?.device_by_index(0).ok()?;
        d.power_usage().ok().map(|mw| mw as f64 / 1000.0)
    }

    fn time_gemm<T>(
        stream: &Arc<CudaStream>,
        blas: &CudaBlas,
        n: (usize, usize, usize),
        one: T,
        zero: T,
        quick: bool,
    ) -> Result<Timing, NoCuda>
    where
        T: DeviceRepr + ValidAsZeroBits + Copy,
        CudaBlas: Gemm<T>,
    {
        let (m, nn, k) = n;
        let a = stream.alloc_zeros::<T>(m * k).map_err(no)?;
        let b = stream.alloc_zeros::<T>(k * nn).map_err(no)?;
        let mut c = stream.alloc_zeros::<T>(m * nn).map_err(no)?;
        // Column-major C (m x n) = A (m x k) B (k x n).
        let cfg = GemmConfig {
            transa: CUBLAS_OP_N,
            transb: CUBLAS_OP_N,
            m: m as i32,
            n: nn as i32,
            k: k as i32,
            alpha: one,
            lda: m as i32,
            ldb: k as i32,
            beta: zero,
            ldc: m as i32,
        };
        let mut failed = None;
        let timing = time_kernel(2, if quick { 10 } else { 30 }, if quick { 0.3 } else { 1.0 }, || {
            // SAFETY: the buffers have exactly the sizes the config describes.
            let r = unsafe { blas.gemm(cfg, &a, &b, &mut c) };
            if let Err(e) = r.map_err(no).and_then(|_| stream.synchronize().map_err(no)) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(timing)
    }

    pub fn run(quick: bool, mut progress: impl FnMut(usize, usize, &str)) -> Result<Profile, NoCuda> {
        let ctx = CudaContext::new(0).map_err(no)?;
        let stream = ctx.default_stream();
        let blas = CudaBlas::new(stream.clone()).map_err(no)?;
        let nvml = nvml();
        let idle = power_w(nvml.as_ref());
        let model = ctx.name().map_err(no)?;
        let sms = ctx.attribute(cudarc::driver::sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT).unwrap_or(0);
        let fit_sizes: Vec<usize> = if quick { vec![256, 512, 1024, 2048, 4096] } else { vec![256, 512, 1024, 2048, 4096, 8192] };
        let holdout = [(1536, 1536, 1536), (3072, 1024, 2048)];
        let mut plan = Vec::new();
        for p in ["fp64", "fp32", "fp16", "bf16"] {
            plan.extend(fit_sizes.iter().map(|&n| (p, (n, n, n), "fit")));
            plan.extend(holdout.iter().map(|&s| (p, s, "holdout")));
        }
        let total = plan.len() + 2;
        let mut samples = Vec::new();
        let mut power_points: Vec<(f64, f64)> = idle.map(|w| vec![(0.0, w)]).unwrap_or_default();
        let mut best: BTreeMap<String, f64> = BTreeMap::new();
        for (i, (p, shape, role)) in plan.iter().enumerate() {
            progress(i, total, &format!("gemm {p} {}x{}x{}", shape.0, shape.1, shape.2));
            let timing = match *p {
                "fp64" => time_gemm::<f64>(&stream, &blas, *shape, 1.0, 0.0, quick)?,
                "fp32" => time_gemm::<f32>(&stream, &blas, *shape, 1.0, 0.0, quick)?,
                "fp16" => time_gemm::<half::f16>(&stream, &blas, *shape, half::f16::ONE, half::f16::ZERO, quick)?,
                _ => time_gemm::<half::bf16>(&stream, &blas, *shape, half::bf16::ONE, half::bf16::ZERO, quick)?,
            };
            let bytes_per = if *p == "fp64" {
                8.0
            } else if *p == "fp32" {
                4.0
            } else {
                2.0
            };
            let (m, n, k) = *shape;
            let flops = 2.0 * (m * n * k) as f64;
            let bytes = bytes_per * (m * k + k * n + m * n) as f64;
            let gflops = flops / timing.median_s / 1e9;
            let e = best.entry(p.to_string()).or_insert(0.0);
            *e = e.max(gflops * 1e9);
            samples.push(Sample {
                kernel: "gemm".into(),
                precision: p.to_string(),
                shape: vec![m, n, k],
                role: role.to_string(),
                flops,
                bytes,
                read_bytes: bytes_per * (m * k + k * n) as f64,
                gflops,
                gbps: bytes / timing.median_s / 1e9,
                timing,
                power_w: power_w(nvml.as_ref()),
            });
        }
        let len = if quick { 1 << 28 } else { 1 << 29 };
        for (j, role) in ["fit", "holdout"].iter().enumerate() {
            progress(plan.len() + j, total, "device copy");
            let src = stream.alloc_zeros::<u8>(len >> j).map_err(no)?;
            let mut dst = stream.alloc_zeros::<u8>(len >> j).map_err(no)?;
            let timing = time_kernel(2, 20, 0.5, || {
                let _ = stream.memcpy_dtod(&src, &mut dst).and_then(|_| stream.synchronize());
            });
            let bytes = 2.0 * (len >> j) as f64;
            samples.push(Sample {
                kernel: "stream-copy".into(),
                precision: "u8".into(),
                shape: vec![len >> j],
                role: role.to_string(),
                flops: 0.0,
                bytes,
                read_bytes: bytes / 2.0,
                gflops: 0.0,
                gbps: bytes / timing.median_s / 1e9,
                timing,
                power_w: power_w(nvml.as_ref()),
            });
        }
        progress(total, total, "fitting");
        let catalog = crate::catalog::Catalog::builtin().ok();
        let entry = catalog.as_ref().and_then(|c| c.iter().find(|s| model.contains(s.id.split('-').next().unwrap_or("?"))).cloned());
        let mut peaks = BTreeMap::new();
        for (p, b) in &best {
            let cat = entry.as_ref().and_then(|e| e.dense_tflops.get(p)).map(|t| t * 1e12);
            peaks.insert(p.clone(), cat.unwrap_or(*b).max(*b));
        }
        let mut result = fit_samples(&samples, &peaks, "bf16");
        result.efficiency = result.roofline("bf16").map_or(0.0, |r| r.curve.e_max);
        for s in samples.iter().filter(|s| s.kernel == "gemm") {
            if let (Some(w), Some(peak)) = (s.power_w, peaks.get(&s.precision)) {
                power_points.push((s.gflops * 1e9 / peak, w));
            }
        }
        result.power = fit::fit_power(&power_points);
        let validation = validate(&samples, &result);
        Ok(Profile {
            format: FORMAT,
            tool: format!("aidc {}", crate::VERSION),
            created: utc_now(),
            quick,
            host: Host {
                hostname: crate::calibrate::host::hostname(std::path::Path::new("/")),
                platform: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
                cpu: crate::calibrate::host::cpu_facts(std::path::Path::new("/")),
                gpus: gpu_facts(),
            },
            device: DeviceFacts {
                kind: "cuda".into(),
                model,
                parallelism: sms as u32,
                theoretical_peak_flops: entry
                    .as_ref()
                    .map(|e| e.dense_tflops.iter().map(|(p, t)| (p.to_string(), t * 1e12)).collect())
                    .unwrap_or_default(),
                fma_peak_flops: BTreeMap::new(),
                peak_flops: peaks,
                peak_note: match &entry {
                    Some(e) => format!("catalog dense peak of {} (or the best measured rate, if higher)", e.id),
                    None => "no catalog entry matches this GPU: the best measured rate per precision".into(),
                },
            },
            power: PowerInfo {
                measured: result.power.is_some(),
                note: if nvml.is_some() { "NVML board power".into() } else { "NVML not available".into() },
            },
            // Device copies of fixed size in device memory: nothing is sized from the host.
            working_set: None,
            samples,
            fit: result,
            validation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_driver_library_is_a_clean_message() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = library_dirs(dir.path(), Some(""));
        let e = find_driver(&dirs).unwrap_err();
        assert!(e.to_string().starts_with("no CUDA device: the CUDA driver library"), "{e}");
    }

    #[test]
    fn the_driver_is_found_in_ld_library_path_first() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("opt/cuda");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join("libcuda.so.1"), b"").unwrap();
        let dirs = library_dirs(dir.path(), lib.to_str());
        assert_eq!(find_driver(&dirs).unwrap(), lib.join("libcuda.so.1"));
    }

    #[test]
    fn running_without_cuda_is_an_error_not_a_panic() {
        // On machines with a GPU and the feature this runs the suite instead; skip there.
        if probe(Path::new("/")).is_ok() {
            eprintln!("skipped: a CUDA device is present");
            return;
        }
        let e = run(true, |_, _, _| {}).unwrap_err();
        assert!(e.to_string().starts_with("no CUDA device"), "{e}");
        assert!(gpu_facts().is_empty());
    }
}
