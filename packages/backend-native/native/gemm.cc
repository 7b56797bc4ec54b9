// The builtin GEMM: the classic packed formulation (Goto/BLIS). op(B) is packed once into panels
// of NR columns per block of KC rows (shared by all threads); each task packs its own block of MC
// rows of op(A) into panels of MR rows and runs an MR x NR register-tiled micro-kernel over them.
// Micro-kernels exist for AVX-512 (12 x 32), AVX2 (6 x 16) and plain C++ (4 x 8).
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "cpu.h"
#include "pool.h"

#if SELFSUP_X86
#include <immintrin.h>
#endif

namespace selfsup {

// C[mr, nr] (+)= sum over kc steps of A-column x B-row; each step advances ap by a_step and bp by b_step
// elements (MR and NR for packed panels, lda and ldb when reading the operands in place).
using MicroKernel = void (*)(int64_t kc, const float* ap, int64_t a_step, const float* bp, int64_t b_step, float* c, int64_t ldc, int mr, int nr,
                             bool accumulate);

struct KernelSpec {
  int mr;
  int nr;
  MicroKernel kernel;
  /** A kernel for panels of at most nr / 2 columns (nullptr: `kernel` does them too). */
  MicroKernel half = nullptr;
};

namespace {

// ---------------------------------------------------------------------------------------------
// Micro-kernels: C[mr, nr] (+)= Ap[kc, MR]^T-panel x Bp[kc, NR]-panel, for mr <= MR, nr <= NR.

#if SELFSUP_X86
SELFSUP_TARGET_AVX512
void micro_avx512(int64_t kc, const float* ap, int64_t a_step, const float* bp, int64_t b_step, float* c, int64_t ldc, int mr, int nr,
                  bool accumulate) {
  constexpr int MR = 12;
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    c0[i] = _mm512_setzero_ps();
    c1[i] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
    _mm_prefetch(reinterpret_cast<const char*>(bp + 8 * b_step), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    ap += a_step;
    bp += b_step;
  }
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr > 16 ? __mmask16((1u << (nr - 16)) - 1) : __mmask16(0);
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m512 v0 = c0[i], v1 = c1[i];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

// The 12 x 16 variant for the last panel of a row when at most 16 columns remain (B panels stay 32
// wide; the second half is not read).
SELFSUP_TARGET_AVX512
void micro_avx512_16(int64_t kc, const float* ap, int64_t a_step, const float* bp, int64_t b_step, float* c, int64_t ldc, int mr, int nr,
                     bool accumulate) {
  constexpr int MR = 12;
  __m512 c0[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) c0[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) c0[i] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i]), b0, c0[i]);
    ap += a_step;
    bp += b_step;
  }
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m512 v0 = c0[i];
    if (accumulate) v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
    _mm512_mask_storeu_ps(row, m0, v0);
  }
}

SELFSUP_TARGET_AVX2
void micro_avx2(int64_t kc, const float* ap, int64_t a_step, const float* bp, int64_t b_step, float* c, int64_t ldc, int mr, int nr,
                bool accumulate) {
  constexpr int MR = 6;
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) {
    c0[i] = _mm256_setzero_ps();
    c1[i] = _mm256_setzero_ps();
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(ap + i);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
    ap += a_step;
    bp += b_step;
  }
  if (nr == 16) {
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      if (i >= mr) break;
      float* row = c + i * ldc;
      __m256 v0 = c0[i], v1 = c1[i];
      if (accumulate) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, v0);
      _mm256_storeu_ps(row + 8, v1);
    }
    return;
  }
  alignas(32) float tile[16];
  for (int i = 0; i < mr; i++) {
    _mm256_store_ps(tile, c0[i]);
    _mm256_store_ps(tile + 8, c1[i]);
    float* row = c + i * ldc;
    for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + tile[j] : tile[j];
  }
}
#endif

void micro_generic(int64_t kc, const float* ap, int64_t a_step, const float* bp, int64_t b_step, float* c, int64_t ldc, int mr, int nr,
                   bool accumulate) {
  constexpr int MR = 4, NR = 8;
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      const float a = ap[i];
      for (int j = 0; j < NR; j++) acc[i][j] += a * bp[j];
    }
    ap += a_step;
    bp += b_step;
  }
  for (int i = 0; i < mr; i++) {
    float* row = c + i * ldc;
    for (int j = 0; j < nr; j++) row[j] = accumulate ? row[j] + acc[i][j] : acc[i][j];
  }
}

KernelSpec kernel_spec() {
#if SELFSUP_X86
  switch (active_isa()) {
    case Isa::kAvx512:
      return {12, 32, micro_avx512, micro_avx512_16};
    case Isa::kAvx2:
      return {6, 16, micro_avx2};
    default:
      break;
  }
#endif
  return {4, 8, micro_generic};
}

// ---------------------------------------------------------------------------------------------
// Packing.

#if SELFSUP_X86
// Transposes 16 rows of 16 floats in registers: afterwards r[j] holds column j.
SELFSUP_TARGET_AVX512
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // v[g][e]: lane L holds column 4L+e of rows 4g..4g+3.
  __m512 v[4][4];
  for (int g = 0; g < 4; g++) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    v[g][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    v[g][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    v[g][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    v[g][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int e = 0; e < 4; e++) {
    const __m512 p = _mm512_shuffle_f32x4(v[0][e], v[1][e], 0x88), q = _mm512_shuffle_f32x4(v[0][e], v[1][e], 0xDD);
    const __m512 s = _mm512_shuffle_f32x4(v[2][e], v[3][e], 0x88), u = _mm512_shuffle_f32x4(v[2][e], v[3][e], 0xDD);
    r[e] = _mm512_shuffle_f32x4(p, s, 0x88);       // column e       (lane 0)
    r[4 + e] = _mm512_shuffle_f32x4(q, u, 0x88);   // column 4 + e   (lane 1)
    r[8 + e] = _mm512_shuffle_f32x4(p, s, 0xDD);   // column 8 + e   (lane 2)
    r[12 + e] = _mm512_shuffle_f32x4(q, u, 0xDD);  // column 12 + e  (lane 3)
  }
}

// dst[q * dst_stride + i] = src[i * ld + q] for i < rows (<= 16), q < depth; lanes past `rows`
// (up to `width`) are written as zeros. Used to pack row-major A and transposed B.
SELFSUP_TARGET_AVX512
void gather_transposed_avx512(const float* src, int64_t ld, int rows, int64_t depth, float* dst, int64_t dst_stride, int width) {
  const __mmask16 store_mask = __mmask16((1u << width) - 1);
  int64_t q = 0;
  for (; q + 16 <= depth; q += 16) {
    __m512 r[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_loadu_ps(src + i * ld + q) : _mm512_setzero_ps();
    transpose16(r);
    for (int j = 0; j < 16; j++) _mm512_mask_storeu_ps(dst + (q + j) * dst_stride, store_mask, r[j]);
  }
  for (; q < depth; q++) {
    float* out = dst + q * dst_stride;
    int i = 0;
    for (; i < rows; i++) out[i] = src[i * ld + q];
    for (; i < width; i++) out[i] = 0.0f;
  }
}
#endif

// Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into ceil(mc / MR) panels of [kc, MR]
// (rows past m are zero).
void pack_a(const GemmProblem& p, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int MR, float* dst) {
  for (int64_t r = 0; r < mc; r += MR) {
    const int rows = int(std::min<int64_t>(MR, mc - r));
    float* panel = dst + (r / MR) * kc * MR;
    if (p.trans_a) {
      // op(A)[i, q] = a[q * lda + i]: each depth step copies `rows` contiguous values.
      const float* src = p.a + p0 * p.lda + i0 + r;
      for (int64_t q = 0; q < kc; q++) {
        float* out = panel + q * MR;
        const float* in = src + q * p.lda;
        int i = 0;
        for (; i < rows; i++) out[i] = in[i];
        for (; i < MR; i++) out[i] = 0.0f;
      }
    } else {
      // op(A)[i, q] = a[i * lda + q]: read each row along the depth.
#if SELFSUP_X86
      if (MR == 12 && active_isa() == Isa::kAvx512) {
        gather_transposed_avx512(p.a + (i0 + r) * p.lda + p0, p.lda, rows, kc, panel, MR, MR);
        continue;
      }
#endif
      for (int i = 0; i < rows; i++) {
        const float* in = p.a + (i0 + r + i) * p.lda + p0;
        for (int64_t q = 0; q < kc; q++) panel[q * MR + i] = in[q];
      }
      for (int i = rows; i < MR; i++) {
        for (int64_t q = 0; q < kc; q++) panel[q * MR + i] = 0.0f;
      }
    }
  }
}

// Packs columns [j0, j0 + nc) and depth [p0, p0 + kc) of op(B) into ceil(nc / NR) panels of
// [kc, NR] (columns past n are zero).
void pack_b(const GemmProblem& p, int64_t j0, int64_t nc, int64_t p0, int64_t kc, int NR, float* dst) {
  for (int64_t s = 0; s < nc; s += NR) {
    const int cols = int(std::min<int64_t>(NR, nc - s));
    float* panel = dst + (s / NR) * kc * NR;
    if (!p.trans_b) {
      // op(B)[q, j] = b[q * ldb + j]: each depth step copies `cols` contiguous values.
      const float* src = p.b + p0 * p.ldb + j0 + s;
      for (int64_t q = 0; q < kc; q++) {
        float* out = panel + q * NR;
        const float* in = src + q * p.ldb;
        int j = 0;
        for (; j < cols; j++) out[j] = in[j];
        for (; j < NR; j++) out[j] = 0.0f;
      }
    } else {
      // op(B)[q, j] = b[j * ldb + q]: read each stored row along the depth.
#if SELFSUP_X86
      if (NR == 32 && active_isa() == Isa::kAvx512) {
        const float* src = p.b + (j0 + s) * p.ldb + p0;
        gather_transposed_avx512(src, p.ldb, std::min(cols, 16), kc, panel, NR, 16);
        gather_transposed_avx512(src + 16 * p.ldb, p.ldb, std::max(cols - 16, 0), kc, panel + 16, NR, 16);
        continue;
      }
#endif
      for (int j = 0; j < cols; j++) {
        const float* in = p.b + (j0 + s + j) * p.ldb + p0;
        for (int64_t q = 0; q < kc; q++) panel[q * NR + j] = in[q];
      }
      for (int j = cols; j < NR; j++) {
        for (int64_t q = 0; q < kc; q++) panel[q * NR + j] = 0.0f;
      }
    }
  }
}

// A per-thread scratch buffer, 64-byte aligned, grown on demand.
struct Scratch {
  float* data = nullptr;
  size_t capacity = 0;
  ~Scratch() { std::free(data); }
  float* get(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      capacity = std::max(floats, capacity * 2);
      data = static_cast<float*>(std::aligned_alloc(64, ((capacity * sizeof(float) + 63) / 64) * 64));
    }
    return data;
  }
};

thread_local Scratch scratch_a;
thread_local Scratch scratch_b;

constexpr int64_t kMaxKc = 256;

struct Blocking {
  int64_t k_blocks;
  int64_t kc;  // depth of every block but possibly the last
};

Blocking depth_blocking(int64_t k) {
  const int64_t blocks = (k + kMaxKc - 1) / kMaxKc;
  int64_t kc = (k + blocks - 1) / blocks;
  kc = (kc + 3) / 4 * 4;
  return {blocks, kc};
}

void zero_c(const GemmProblem& p) {
  for (int64_t i = 0; i < p.m; i++) std::memset(p.c + i * p.ldc, 0, size_t(p.n) * sizeof(float));
}

// How a task reads op(A) and op(B) for one depth block: packed panels, or in place. In place works
// when the operand already has the panel layout, one row of MR (A) or NR (B) contiguous values
// per depth step: op(A) transposed (A stored [k, m]) and op(B) not transposed, for full panels.
struct Operand {
  const float* data;  // packed block, or the operand at the block's first depth step
  int64_t step;       // elements per depth step
  bool packed;
};

// Runs the micro-kernel over rows [i0, i0 + mc) and panels [jp0, jp1) of one depth block of depth kc.
// Packed A holds rows from i0 (panel r at r / MR * kc * MR); packed B holds panels from 0.
inline void macro_block(const GemmProblem& p, const KernelSpec& spec, const Operand& a, const Operand& b, int64_t kc, int64_t i0, int64_t mc,
                        int64_t jp0, int64_t jp1, bool accumulate) {
  for (int64_t jp = jp0; jp < jp1; jp++) {
    const int64_t j = jp * spec.nr;
    const int nr = int(std::min<int64_t>(spec.nr, p.n - j));
    const float* bp = b.packed ? b.data + jp * kc * spec.nr : b.data + j;
    for (int64_t r = 0; r < mc; r += spec.mr) {
      const int mr = int(std::min<int64_t>(spec.mr, mc - r));
      const float* ap = a.packed ? a.data + (r / spec.mr) * kc * spec.mr : a.data + i0 + r;
      const MicroKernel kernel = spec.half != nullptr && nr <= spec.nr / 2 ? spec.half : spec.kernel;
      kernel(kc, ap, a.step, bp, b.step, p.c + (i0 + r) * p.ldc + j, p.ldc, mr, nr, accumulate);
    }
  }
}

// op(A) is read in place when it is stored transposed and its rows fill whole panels.
inline bool a_in_place(const GemmProblem& p, const KernelSpec& spec) { return p.trans_a && p.m % spec.mr == 0; }

// op(B) is read in place when it is not transposed and its columns fill whole panels.
inline bool b_in_place(const GemmProblem& p, const KernelSpec& spec) { return !p.trans_b && p.n % spec.nr == 0; }

// One product on the calling thread (used for the members of a batch).
void gemm_serial(const GemmProblem& p, const KernelSpec& spec) {
  if (p.m == 0 || p.n == 0) return;
  if (p.k == 0) return zero_c(p);
  const Blocking kb = depth_blocking(p.k);
  const int64_t panels_n = (p.n + spec.nr - 1) / spec.nr;
  const int64_t mc_max = int64_t(spec.mr) * 16;
  const int64_t mc_all = std::min<int64_t>(p.m, mc_max);
  const bool direct_a = a_in_place(p, spec), direct_b = b_in_place(p, spec);
  float* bp = direct_b ? nullptr : scratch_b.get(size_t(kb.kc * panels_n * spec.nr));
  float* ap = direct_a ? nullptr : scratch_a.get(size_t(kb.kc * ((mc_all + spec.mr - 1) / spec.mr) * spec.mr));
  for (int64_t p0 = 0; p0 < p.k; p0 += kb.kc) {
    const int64_t kc = std::min(kb.kc, p.k - p0);
    if (!direct_b) pack_b(p, 0, p.n, p0, kc, spec.nr, bp);
    const Operand b = direct_b ? Operand{p.b + p0 * p.ldb, p.ldb, false} : Operand{bp, spec.nr, true};
    for (int64_t i0 = 0; i0 < p.m; i0 += mc_max) {
      const int64_t mc = std::min(mc_max, p.m - i0);
      if (!direct_a) pack_a(p, i0, mc, p0, kc, spec.mr, ap);
      const Operand a = direct_a ? Operand{p.a + p0 * p.lda, p.lda, false} : Operand{ap, spec.mr, true};
      macro_block(p, spec, a, b, kc, i0, mc, 0, panels_n, p0 > 0);
    }
  }
}

// One product over the thread pool: op(B) packed once (in parallel) unless it is read in place,
// then tasks of MC rows x a range of column panels.
void gemm_parallel(const GemmProblem& p, const KernelSpec& spec) {
  if (p.m == 0 || p.n == 0) return;
  if (p.k == 0) return zero_c(p);
  const int threads = pool_threads();
  const Blocking kb = depth_blocking(p.k);
  const int64_t panels_n = (p.n + spec.nr - 1) / spec.nr;
  const int64_t padded_n = panels_n * spec.nr;
  const bool direct_a = a_in_place(p, spec), direct_b = b_in_place(p, spec);

  // Packed op(B): depth block b starts at b * kc * padded_n; panel jp of it at + jp * kc_b * NR.
  static thread_local Scratch packed_b;
  float* bp = nullptr;
  if (!direct_b) {
    bp = packed_b.get(size_t(p.k * padded_n));
    const int64_t jobs = kb.k_blocks * panels_n;
    const std::function<void(int64_t)> pack = [&](int64_t job) {
      const int64_t block = job / panels_n, jp = job % panels_n;
      const int64_t p0 = block * kb.kc, kc = std::min(kb.kc, p.k - p0);
      pack_b(p, jp * spec.nr, std::min<int64_t>(spec.nr, p.n - jp * spec.nr), p0, kc, spec.nr, bp + p0 * padded_n + jp * kc * spec.nr);
    };
    parallel_tasks(jobs, pack);
  }
  auto b_block = [&](int64_t p0) { return direct_b ? Operand{p.b + p0 * p.ldb, p.ldb, false} : Operand{bp + p0 * padded_n, spec.nr, true}; };

  // Row blocks of at most MC rows (a multiple of MR), balanced.
  const int64_t mc_max = int64_t(spec.mr) * 16;
  int64_t row_blocks = (p.m + mc_max - 1) / mc_max;
  int64_t mc = (p.m + row_blocks - 1) / row_blocks;
  mc = (mc + spec.mr - 1) / spec.mr * spec.mr;
  row_blocks = (p.m + mc - 1) / mc;
  // Split the columns too when there are few row blocks.
  int64_t col_chunks = 1;
  while (row_blocks * col_chunks < int64_t(threads) * 3 && col_chunks * 2 <= panels_n) col_chunks *= 2;
  const int64_t panels_per_chunk = (panels_n + col_chunks - 1) / col_chunks;
  col_chunks = (panels_n + panels_per_chunk - 1) / panels_per_chunk;

  if (col_chunks == 1 || direct_a) {
    // Each task packs its own rows of op(A) (they stay in its cache), or reads them in place.
    const std::function<void(int64_t)> task = [&](int64_t t) {
      const int64_t rb = t / col_chunks, cc = t % col_chunks;
      const int64_t i0 = rb * mc, rows = std::min(mc, p.m - i0);
      const int64_t jp0 = cc * panels_per_chunk, jp1 = std::min(panels_n, jp0 + panels_per_chunk);
      float* ap = direct_a ? nullptr : scratch_a.get(size_t(kb.kc * ((rows + spec.mr - 1) / spec.mr) * spec.mr));
      for (int64_t p0 = 0; p0 < p.k; p0 += kb.kc) {
        const int64_t kc = std::min(kb.kc, p.k - p0);
        if (!direct_a) pack_a(p, i0, rows, p0, kc, spec.mr, ap);
        const Operand a = direct_a ? Operand{p.a + p0 * p.lda, p.lda, false} : Operand{ap, spec.mr, true};
        macro_block(p, spec, a, b_block(p0), kc, i0, rows, jp0, jp1, p0 > 0);
      }
    };
    parallel_tasks(row_blocks * col_chunks, task);
    return;
  }
  // Few row blocks and op(A) to pack: pack it once, shared by the tasks that split the columns.
  // Row block rb of depth block b starts at b * kc * padded_m + rb * mc * kc_b.
  const int64_t padded_m = (p.m + spec.mr - 1) / spec.mr * spec.mr;
  static thread_local Scratch packed_a;
  float* ap = packed_a.get(size_t(p.k * padded_m));
  {
    const std::function<void(int64_t)> pack = [&](int64_t job) {
      const int64_t block = job / row_blocks, rb = job % row_blocks;
      const int64_t p0 = block * kb.kc, kc = std::min(kb.kc, p.k - p0);
      const int64_t i0 = rb * mc, rows = std::min(mc, p.m - i0);
      pack_a(p, i0, rows, p0, kc, spec.mr, ap + p0 * padded_m + i0 * kc);
    };
    parallel_tasks(kb.k_blocks * row_blocks, pack);
  }
  const std::function<void(int64_t)> task = [&](int64_t t) {
    const int64_t rb = t / col_chunks, cc = t % col_chunks;
    const int64_t i0 = rb * mc, rows = std::min(mc, p.m - i0);
    const int64_t jp0 = cc * panels_per_chunk, jp1 = std::min(panels_n, jp0 + panels_per_chunk);
    for (int64_t p0 = 0; p0 < p.k; p0 += kb.kc) {
      const int64_t kc = std::min(kb.kc, p.k - p0);
      macro_block(p, spec, Operand{ap + p0 * padded_m + i0 * kc, spec.mr, true}, b_block(p0), kc, i0, rows, jp0, jp1, p0 > 0);
    }
  };
  parallel_tasks(row_blocks * col_chunks, task);
}

// ---------------------------------------------------------------------------------------------
// OpenBLAS, loaded at run time (no build-time dependency): cblas_sgemm and its thread setting.

}  // namespace
}  // namespace selfsup

#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#define SELFSUP_HAVE_DLOPEN 1
#else
#define SELFSUP_HAVE_DLOPEN 0
#endif

namespace selfsup {
namespace {

using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using SetThreads = void (*)(int);
using GetString = char* (*)();

struct OpenBlas {
  bool tried = false;
  bool ok = false;
  CblasSgemm sgemm = nullptr;
  SetThreads set_threads = nullptr;
  std::string description;
};

OpenBlas& openblas() {
  static OpenBlas state;
  if (state.tried) return state;
  state.tried = true;
#if SELFSUP_HAVE_DLOPEN
  const char* override_path = std::getenv("SELFSUP_OPENBLAS_LIBRARY");
  const char* candidates[] = {override_path, "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libopenblas.dylib"};
  std::string tried;
  for (const char* name : candidates) {
    if (name == nullptr || *name == 0) continue;
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      tried += std::string(tried.empty() ? "" : ", ") + name;
      continue;
    }
    auto sgemm = reinterpret_cast<CblasSgemm>(dlsym(handle, "cblas_sgemm"));
    if (sgemm == nullptr) {
      tried += std::string(tried.empty() ? "" : ", ") + name + " (no cblas_sgemm)";
      continue;
    }
    state.sgemm = sgemm;
    state.set_threads = reinterpret_cast<SetThreads>(dlsym(handle, "openblas_set_num_threads"));
    auto config = reinterpret_cast<GetString>(dlsym(handle, "openblas_get_config"));
    auto core = reinterpret_cast<GetString>(dlsym(handle, "openblas_get_corename"));
    state.description = std::string(name) + (config ? std::string(" (") + config() + ")" : "") + (core ? std::string(", core ") + core() : "");
    state.ok = true;
    return state;
  }
  state.description = "not found (tried " + tried + ")";
#else
  state.description = "not supported on this platform";
#endif
  return state;
}

std::atomic<int> engine{int(GemmEngine::kBuiltin)};

void gemm_openblas(const GemmProblem& p) {
  if (p.m == 0 || p.n == 0) return;
  if (p.k == 0) return zero_c(p);
  constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
  openblas().sgemm(kRowMajor, p.trans_a ? kTrans : kNoTrans, p.trans_b ? kTrans : kNoTrans, int(p.m), int(p.n), int(p.k), 1.0f, p.a,
                   int(p.lda), p.b, int(p.ldb), 0.0f, p.c, int(p.ldc));
}

}  // namespace

bool openblas_available() { return openblas().ok; }

std::string openblas_description() { return openblas().description; }

void openblas_set_threads(int threads) {
  if (openblas().ok && openblas().set_threads != nullptr) openblas().set_threads(threads);
}

GemmEngine gemm_engine() { return GemmEngine(engine.load()); }

bool set_gemm_engine(GemmEngine e) {
  if (e == GemmEngine::kOpenBlas && !openblas_available()) return false;
  if (e == GemmEngine::kOpenBlas) openblas_set_threads(pool_threads());
  engine.store(int(e));
  return true;
}

void gemm_batched(const GemmProblem& p, int64_t batch, int64_t batch_a, int64_t batch_b, int64_t stride_a, int64_t stride_b,
                  int64_t stride_c) {
  if (batch <= 0) return;
  const bool use_openblas = gemm_engine() == GemmEngine::kOpenBlas;
  const KernelSpec spec = kernel_spec();
  auto member = [&](int64_t i) {
    GemmProblem q = p;
    q.a = p.a + (i % batch_a) * stride_a;
    q.b = p.b + (i % batch_b) * stride_b;
    q.c = p.c + i * stride_c;
    return q;
  };
  const double flop = 2.0 * double(p.m) * double(p.n) * double(p.k);
  // Small members spread over the threads one whole product each; large ones use every thread.
  if (batch > 1 && flop < 8e6 && pool_threads() > 1) {
    const std::function<void(int64_t)> task = [&](int64_t i) { gemm_serial(member(i), spec); };
    parallel_tasks(batch, task);
    return;
  }
  for (int64_t i = 0; i < batch; i++) {
    if (use_openblas) gemm_openblas(member(i));
    else if (flop < 2e5 || pool_threads() == 1) gemm_serial(member(i), spec);
    else gemm_parallel(member(i), spec);
  }
}

}  // namespace selfsup
