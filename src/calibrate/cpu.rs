//! The CPU kernels of the calibration suite, on every thread of the rayon pool.
//!
//! ## How it works
//! - **GEMM** C = A B (row-major, m x k times k x n) through the `gemm` crate (BLIS-style
//!   packing and AVX2/AVX-512 micro-kernels, picked at run time), so a sample measures the
//!   machine and not a naive loop. FLOPs = 2 m n k.
//! - **STREAM** copy (c = a), scale (b = s c) and triad (a = b + s c) on f64 arrays split into
//!   one chunk per task (McCalpin, "Memory bandwidth and machine balance", IEEE TCCA 1995).
//!   Bytes follow STREAM's convention (each array read or written once per element).
//! - **Layer norm** and **softmax** over rows of an f32 matrix, one row per task step (Ba et
//!   al. 2016; the softmax subtracts the row maximum first).
//! - **Attention block** S = Q K^T / sqrt(d), P = softmax(S), O = P V for one head of sequence
//!   length s and head size d (Vaswani et al. 2017), f32: two GEMMs and a softmax.
//! - **All-reduce** of one f32 buffer per thread: the vector is cut into chunks, each task sums
//!   one chunk over all buffers and writes the sum back to every buffer (a shared-memory
//!   reduce-scatter followed by an all-gather).
//!
//! Every kernel reports the bytes it reads and the bytes it writes apart: a written byte may
//! cost more than a read one (write-allocate reads the line first on many x86 cores), and the
//! fit measures the two costs ([`super::fit::fit_memory`]).

use gemm::Parallelism;
use rayon::prelude::*;

/// Floating-point work and memory traffic of one call of a kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Work {
    /// FLOPs.
    pub flops: f64,
    /// Bytes read from the arrays.
    pub read_bytes: f64,
    /// Bytes written to the arrays.
    pub write_bytes: f64,
}

impl Work {
    /// Bytes by STREAM's convention: read + written.
    pub fn bytes(&self) -> f64 {
        self.read_bytes + self.write_bytes
    }
}

/// Element types of the CPU GEMM samples.
pub trait Element: Copy + Send + Sync + 'static {
    /// Bits of one element.
    const BITS: u32;
    /// From an f32.
    fn of(x: f32) -> Self;
}

impl Element for f64 {
    const BITS: u32 = 64;
    fn of(x: f32) -> Self {
        x as f64
    }
}

impl Element for f32 {
    const BITS: u32 = 32;
    fn of(x: f32) -> Self {
        x
    }
}

impl Element for gemm::f16 {
    const BITS: u32 = 16;
    fn of(x: f32) -> Self {
        gemm::f16::from_f32(x)
    }
}

/// Deterministic values in [-0.5, 0.5): no denormals, no NaN, no constant patterns.
fn fill<T: Element>(len: usize, seed: u64) -> Vec<T> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            T::of((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
        })
        .collect()
}

/// C (m x n) = A (m x k) B (k x n), row-major, through `gemm` on all rayon threads.
///
/// # Safety of the call
/// The pointers and strides describe the three owned buffers exactly.
fn gemm_into<T: Element>(m: usize, n: usize, k: usize, a: &[T], b: &[T], c: &mut [T], beta: T) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "gemm buffers too small");
    let alpha = T::of(0.0);
    // SAFETY: row-major buffers of the asserted sizes; dst does not alias the inputs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            alpha,
            beta,
            false,
            false,
            false,
            Parallelism::Rayon(0),
        );
    }
}

/// A GEMM sample of shape m x n x k: its work and a closure that runs one call.
pub fn gemm_kernel<T: Element>(m: usize, n: usize, k: usize) -> (Work, impl FnMut()) {
    let a: Vec<T> = fill(m * k, 1);
    let b: Vec<T> = fill(k * n, 2);
    let mut c: Vec<T> = fill(m * n, 3);
    let bytes = (T::BITS / 8) as f64;
    let work = Work {
        flops: 2.0 * m as f64 * n as f64 * k as f64,
        read_bytes: bytes * (m * k + k * n) as f64,
        write_bytes: bytes * (m * n) as f64,
    };
    (work, move || gemm_into(m, n, k, &a, &b, &mut c, T::of(1.0)))
}

/// Elements per rayon task of the streaming kernels: large enough to amortise scheduling.
const CHUNK: usize = 1 << 16;

/// The STREAM kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// c = a.
    Copy,
    /// b = s c.
    Scale,
    /// a = b + s c.
    Triad,
    /// c = a + b.
    Add,
    /// a = s a, in place: every written line was just read, so no write-allocate read.
    ScaleInPlace,
    /// a = a + s b, in place.
    TriadInPlace,
}

/// A STREAM sample over arrays of `len` f64.
pub fn stream_kernel(kind: Stream, len: usize) -> (Work, impl FnMut()) {
    let mut a: Vec<f64> = fill(len, 4);
    let mut b: Vec<f64> = fill(len, 5);
    let mut c: Vec<f64> = fill(len, 6);
    let e = 8.0 * len as f64;
    let work = match kind {
        Stream::Copy => Work { flops: 0.0, read_bytes: e, write_bytes: e },
        Stream::Scale => Work { flops: len as f64, read_bytes: e, write_bytes: e },
        Stream::Triad => Work { flops: 2.0 * len as f64, read_bytes: 2.0 * e, write_bytes: e },
        Stream::Add => Work { flops: len as f64, read_bytes: 2.0 * e, write_bytes: e },
        Stream::ScaleInPlace => Work { flops: len as f64, read_bytes: e, write_bytes: e },
        Stream::TriadInPlace => Work { flops: 2.0 * len as f64, read_bytes: 2.0 * e, write_bytes: e },
    };
    let s = 3.0;
    let run = move || match kind {
        Stream::Copy => c.par_chunks_mut(CHUNK).zip(a.par_chunks(CHUNK)).for_each(|(c, a)| c.copy_from_slice(a)),
        Stream::Scale => b.par_chunks_mut(CHUNK).zip(c.par_chunks(CHUNK)).for_each(|(b, c)| {
            for (b, c) in b.iter_mut().zip(c) {
                *b = s * c;
            }
        }),
        Stream::Triad => a.par_chunks_mut(CHUNK).zip(b.par_chunks(CHUNK)).zip(c.par_chunks(CHUNK)).for_each(|((a, b), c)| {
            for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                *a = b + s * c;
            }
        }),
        Stream::Add => c.par_chunks_mut(CHUNK).zip(a.par_chunks(CHUNK)).zip(b.par_chunks(CHUNK)).for_each(|((c, a), b)| {
            for ((c, a), b) in c.iter_mut().zip(a).zip(b) {
                *c = a + b;
            }
        }),
        // Factors just below and above 1 keep the values bounded over many repetitions.
        Stream::ScaleInPlace => a.par_chunks_mut(CHUNK).for_each(|a| {
            for a in a.iter_mut() {
                *a *= 0.999_999;
            }
        }),
        Stream::TriadInPlace => a.par_chunks_mut(CHUNK).zip(b.par_chunks(CHUNK)).for_each(|(a, b)| {
            for (a, b) in a.iter_mut().zip(b) {
                *a = 0.5 * *a + 0.25 * b;
            }
        }),
    };
    (work, run)
}

/// Layer norm of each row of a rows x cols f32 matrix (no affine terms): out = (x - mean) / sd.
pub fn layernorm_kernel(rows: usize, cols: usize) -> (Work, impl FnMut()) {
    let x: Vec<f32> = fill(rows * cols, 7);
    let mut out = vec![0f32; rows * cols];
    let e = 4.0 * (rows * cols) as f64;
    // Per element: sum (1 FLOP), square and sum (2), subtract and multiply (2).
    let work = Work { flops: 5.0 * (rows * cols) as f64, read_bytes: e, write_bytes: e };
    let run = move || out.par_chunks_mut(cols).zip(x.par_chunks(cols)).for_each(|(o, x)| layernorm_row(x, o));
    (work, run)
}

/// One layer-norm row, in the widest vector instructions the CPU has (picked at run time, as
/// the `gemm` crate and the frameworks' CPU kernels do): compiled for the baseline target
/// alone, the loops below use 128-bit SSE2 and the sample measured the compiler's target, not
/// the machine (2.5x slower than the memory allows on the reference machine).
fn layernorm_row(x: &[f32], o: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked above).
            return unsafe { x86::layernorm_row_avx512(x, o) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            return unsafe { x86::layernorm_row_avx2(x, o) };
        }
    }
    layernorm_row_generic(x, o)
}

/// The portable body of [`layernorm_row`]; inlined into the target-feature variants so that
/// the compiler vectorizes it for each. One pass reads the row and accumulates the sum and the
/// sum of squares (32 lanes each, so that the reductions vectorize and are not bound by the add
/// latency), then a second pass writes it normalized: var = E[x^2] - E[x]^2, as fused
/// layer-norm kernels compute it in fp32 accumulators. (A three-pass form, mean first, then the
/// squared deviations, ran 20 % slower here: a core does not overlap its passes over the row
/// in L1 with the next row's stream from memory.)
#[inline(always)]
fn layernorm_row_generic(x: &[f32], o: &mut [f32]) {
    const L: usize = 32;
    let (mut s, mut q) = ([0f32; L], [0f32; L]);
    let mut blocks = x.chunks_exact(L);
    for b in &mut blocks {
        for i in 0..L {
            s[i] += b[i];
            q[i] += b[i] * b[i];
        }
    }
    let (mut sum, mut sq) = (s.iter().sum::<f32>(), q.iter().sum::<f32>());
    for &v in blocks.remainder() {
        sum += v;
        sq += v * v;
    }
    let n = x.len().max(1) as f32;
    let mean = sum / n;
    let rstd = 1.0 / ((sq / n - mean * mean).max(0.0) + 1e-5).sqrt();
    for (o, &v) in o.iter_mut().zip(x) {
        *o = (v - mean) * rstd;
    }
}

/// Softmax of one row in place, scaled by `scale` first.
fn softmax_row(row: &mut [f32], scale: f32) {
    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) * scale;
    let mut sum = 0f32;
    for v in row.iter_mut() {
        *v = (*v * scale - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in row.iter_mut() {
        *v *= inv;
    }
}

/// FLOPs counted per softmax element (scale, subtract, exp, add, multiply).
pub const SOFTMAX_FLOPS_PER_ELEMENT: f64 = 5.0;

/// Row-wise softmax of a rows x cols f32 matrix, in place.
pub fn softmax_kernel(rows: usize, cols: usize) -> (Work, impl FnMut()) {
    let mut x: Vec<f32> = fill(rows * cols, 8);
    let e = 4.0 * (rows * cols) as f64;
    let work = Work { flops: SOFTMAX_FLOPS_PER_ELEMENT * (rows * cols) as f64, read_bytes: e, write_bytes: e };
    let run = move || x.par_chunks_mut(cols).for_each(|r| softmax_row(r, 1.0));
    (work, run)
}

/// One attention head: S = Q K^T / sqrt(d), softmax rows, O = P V; Q, K, V are s x d, f32.
/// The work counts the two GEMMs (4 s^2 d FLOPs) and the softmax.
pub fn attention_kernel(s: usize, d: usize) -> (Work, impl FnMut()) {
    let q: Vec<f32> = fill(s * d, 9);
    let k: Vec<f32> = fill(s * d, 10);
    let v: Vec<f32> = fill(s * d, 11);
    let mut scores = vec![0f32; s * s];
    let mut out = vec![0f32; s * d];
    let scale = 1.0 / (d as f32).sqrt();
    let work = Work {
        flops: 4.0 * (s * s * d) as f64 + SOFTMAX_FLOPS_PER_ELEMENT * (s * s) as f64,
        read_bytes: 4.0 * (3 * s * d + 2 * s * s) as f64,
        write_bytes: 4.0 * (2 * s * s + s * d) as f64,
    };
    let run = move || {
        // S = Q K^T: K^T is K read with swapped strides (column stride d, row stride 1).
        // SAFETY: q is s x d, k is s x d read as d x s, scores is s x s; no aliasing.
        unsafe {
            gemm::gemm(
                s,
                s,
                d,
                scores.as_mut_ptr(),
                1,
                s as isize,
                false,
                q.as_ptr(),
                1,
                d as isize,
                k.as_ptr(),
                d as isize,
                1,
                0.0f32,
                1.0f32,
                false,
                false,
                false,
                Parallelism::Rayon(0),
            );
        }
        scores.par_chunks_mut(s).for_each(|r| softmax_row(r, scale));
        gemm_into(s, d, s, &scores, &v, &mut out, 1.0f32);
    };
    (work, run)
}

/// A GEMM shape (m, n, k).
pub type GemmShape = (usize, usize, usize);

/// The GEMM shapes and the softmax shape (rows, cols) inside an attention block.
pub fn attention_parts(s: usize, d: usize) -> ([GemmShape; 2], (usize, usize)) {
    ([(s, s, d), (s, d, s)], (s, s))
}

/// Elements of one all-reduce task: 64 KiB of f32, so a chunk of every buffer stays in L2.
const ALLREDUCE_CHUNK: usize = 1 << 14;

/// All-reduce (sum) of `threads` buffers of `len` f32, result in every buffer.
pub fn allreduce_kernel(threads: usize, len: usize) -> (Work, impl FnMut()) {
    let t = threads.max(1);
    let mut bufs: Vec<Vec<f32>> = (0..t).map(|i| fill(len, 20 + i as u64)).collect();
    let e = 4.0 * len as f64;
    // Per chunk (small enough to stay in L2): read it from every buffer, sum into the first,
    // copy the sum to the others. Memory sees t reads and t writes of each element.
    let work = Work { flops: (t - 1) as f64 * len as f64, read_bytes: e * t as f64, write_bytes: e * t as f64 };
    let chunk = ALLREDUCE_CHUNK;
    (work, move || allreduce(&mut bufs, chunk))
}

/// Sums equal-length buffers element-wise into every buffer, `chunk` elements per task.
fn allreduce(bufs: &mut [Vec<f32>], chunk: usize) {
    let mut per_chunk: Vec<Vec<&mut [f32]>> = Vec::new();
    for buf in bufs.iter_mut() {
        for (c, piece) in buf.chunks_mut(chunk.max(1)).enumerate() {
            if per_chunk.len() <= c {
                per_chunk.push(Vec::new());
            }
            per_chunk[c].push(piece);
        }
    }
    per_chunk.par_iter_mut().for_each(|pieces| {
        let (first, rest) = pieces.split_at_mut(1);
        let sum = &mut first[0];
        for other in rest.iter() {
            for (s, o) in sum.iter_mut().zip(other.iter()) {
                *s += o;
            }
        }
        for other in rest.iter_mut() {
            other.copy_from_slice(sum);
        }
    });
}

/// In-register FMA throughput of all cores, FLOP/s, for f64 (`bits` = 64) or f32 (32):
/// independent accumulator chains so that the FMA units, not their latency, limit the rate.
/// `None` where the CPU has neither AVX-512F nor AVX2 with FMA.
pub fn fma_peak(bits: u32, seconds: f64) -> Option<f64> {
    let per_thread = rayon::broadcast(|_| fma_loop(bits, seconds));
    per_thread.iter().try_fold(0.0, |acc, r| r.map(|x| acc + x))
}

#[cfg(target_arch = "x86_64")]
fn fma_loop(bits: u32, seconds: f64) -> Option<f64> {
    // The best of short windows: a window in which another process ran does not count.
    let start = std::time::Instant::now();
    let mut best: f64 = 0.0;
    let mut sink = 0.0;
    while start.elapsed().as_secs_f64() < seconds {
        let window = std::time::Instant::now();
        let (f, s) = if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was detected at run time.
            unsafe { x86::fma512(bits) }
        } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the features were detected at run time.
            unsafe { x86::fma256(bits) }
        } else {
            return None;
        };
        best = best.max(f / window.elapsed().as_secs_f64());
        sink += s;
    }
    std::hint::black_box(sink);
    Some(best)
}

#[cfg(not(target_arch = "x86_64"))]
fn fma_loop(_bits: u32, _seconds: f64) -> Option<f64> {
    None
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! FMA chains: 12 independent accumulators, enough to cover a 4-cycle latency on 2 units
    //! (Fog, "Instruction tables", 2022: FMA latency 4-5 cycles on Skylake-X and Zen 4/5).
    use std::arch::x86_64::*;

    const ITERS: usize = 1 << 16;
    const CHAINS: usize = 12;

    /// Returns (FLOPs done, a value that depends on every accumulator).
    /// [`super::layernorm_row`] in AVX-512.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn layernorm_row_avx512(x: &[f32], o: &mut [f32]) {
        super::layernorm_row_generic(x, o)
    }

    /// [`super::layernorm_row`] in AVX2 with FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn layernorm_row_avx2(x: &[f32], o: &mut [f32]) {
        super::layernorm_row_generic(x, o)
    }

    #[target_feature(enable = "avx512f")]
    pub unsafe fn fma512(bits: u32) -> (f64, f64) {
        if bits == 64 {
            let mut acc = [_mm512_set1_pd(1.0); CHAINS];
            let (x, y) = (_mm512_set1_pd(0.999_999), _mm512_set1_pd(1e-7));
            for _ in 0..ITERS {
                for a in acc.iter_mut() {
                    *a = _mm512_fmadd_pd(*a, x, y);
                }
            }
            let s: f64 = acc.iter().map(|a| _mm512_reduce_add_pd(*a)).sum();
            ((ITERS * CHAINS * 8 * 2) as f64, s)
        } else {
            let mut acc = [_mm512_set1_ps(1.0); CHAINS];
            let (x, y) = (_mm512_set1_ps(0.999_9), _mm512_set1_ps(1e-5));
            for _ in 0..ITERS {
                for a in acc.iter_mut() {
                    *a = _mm512_fmadd_ps(*a, x, y);
                }
            }
            let s: f32 = acc.iter().map(|a| _mm512_reduce_add_ps(*a)).sum();
            ((ITERS * CHAINS * 16 * 2) as f64, s as f64)
        }
    }

    /// Returns (FLOPs done, a value that depends on every accumulator).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn fma256(bits: u32) -> (f64, f64) {
        if bits == 64 {
            let mut acc = [_mm256_set1_pd(1.0); CHAINS];
            let (x, y) = (_mm256_set1_pd(0.999_999), _mm256_set1_pd(1e-7));
            for _ in 0..ITERS {
                for a in acc.iter_mut() {
                    *a = _mm256_fmadd_pd(*a, x, y);
                }
            }
            let mut out = [0f64; 4];
            let s: f64 = acc
                .iter()
                .map(|a| {
                    // SAFETY: out holds four f64.
                    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), *a) };
                    out.iter().sum::<f64>()
                })
                .sum();
            ((ITERS * CHAINS * 4 * 2) as f64, s)
        } else {
            let mut acc = [_mm256_set1_ps(1.0); CHAINS];
            let (x, y) = (_mm256_set1_ps(0.999_9), _mm256_set1_ps(1e-5));
            for _ in 0..ITERS {
                for a in acc.iter_mut() {
                    *a = _mm256_fmadd_ps(*a, x, y);
                }
            }
            let mut out = [0f32; 8];
            let s: f32 = acc
                .iter()
                .map(|a| {
                    // SAFETY: out holds eight f32.
                    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), *a) };
                    out.iter().sum::<f32>()
                })
                .sum();
            ((ITERS * CHAINS * 8 * 2) as f64, s as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_matches_a_naive_product() {
        let (m, n, k) = (7, 5, 3);
        let a: Vec<f64> = fill(m * k, 1);
        let b: Vec<f64> = fill(k * n, 2);
        let mut c = vec![0.0; m * n];
        gemm_into(m, n, k, &a, &b, &mut c, 1.0);
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                assert!((c[i * n + j] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn allreduce_leaves_the_sum_in_every_buffer() {
        let mut bufs: Vec<Vec<f32>> = (0..3).map(|i| fill(1000, 20 + i as u64)).collect();
        let want: Vec<f32> = (0..1000).map(|j| bufs.iter().map(|b| b[j]).sum()).collect();
        allreduce(&mut bufs, 64);
        for b in &bufs {
            for (x, w) in b.iter().zip(&want) {
                assert!((x - w).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let mut r = vec![1.0f32, 2.0, 3.0, -4.0];
        softmax_row(&mut r, 0.5);
        assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(r[2] > r[1] && r[1] > r[0]);
    }

    #[test]
    fn triad_reads_two_arrays_and_writes_one() {
        let (w, _) = stream_kernel(Stream::Triad, 10);
        assert_eq!((w.read_bytes, w.write_bytes, w.bytes()), (160.0, 80.0, 240.0));
    }
}
