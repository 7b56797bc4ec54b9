// Element-wise, reduction and softmax kernels. Each instruction set (AVX-512, AVX2, plain x86-64 or
// other) has its own compiled copy of ops_impl.h; ops_table() returns the one for active_isa().
// The functions here run on one thread over a range; ops.cc splits work over the pool.
#pragma once
#include <cstdint>

#include "pool.h"

namespace selfsup {

/** Unary float32 ops, numbered as in src/addon.ts (UnaryOp). */
enum UnaryOp : int {
  kExp = 0, kLog, kSqrt, kRsqrt, kSquare, kNeg, kAbs, kErf, kTanh, kSigmoid, kRelu, kRelu6, kElu, kLeakyRelu,
  kReciprocal, kLog1p, kSoftplus, kClip, kStep, kSign, kExpm1, kCopy, kUnaryOpCount
};

/** Binary float32 ops, numbered as in src/addon.ts (BinaryOp). */
enum BinaryOp : int { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDifference, kPow, kPrelu, kBinaryOpCount };

/** Reductions, numbered as in src/addon.ts (ReduceOp). */
enum ReduceOp : int { kSum = 0, kMean, kReduceMax, kReduceMin, kReduceOpCount };

/** Activations of fused matmul, numbered as in src/addon.ts (Activation). */
enum Activation : int { kLinear = 0, kActRelu, kActRelu6, kActElu, kActLeakyRelu, kActSigmoid, kActivationCount };

/**
 * Elements (or rows x columns) per task of memory-bound loops; smaller loops stay on the calling
 * thread. Reductions split long rows into parts of this size (the fused kernels follow the same
 * splits, so their sums are the separate kernels' sums).
 */
constexpr int64_t kGrain = 16384;

struct OpsTable {
  /** y[i] = f(x[i]) for i < n; p1, p2 are the op's parameters (alpha, clip bounds). */
  void (*unary)(int op, const float* x, float* y, int64_t n, float p1, float p2);
  /** o[i] = f(a[i * sa], b[i * sb]) for i < n, with sa, sb in {0, 1}. */
  void (*binary)(int op, const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n);
  /**
   * Reduces x[0 .. n) in double: the sum (of x / count for the mean), or the max / min (NaN when any
   * value is NaN; -inf / +inf when n is 0).
   */
  double (*reduce_range)(int op, const float* x, int64_t n, float count);
  /** acc[j] = combine(acc[j], x[r * ld + j]) for r < rows, j < cols (sum and mean combine in double). */
  void (*reduce_columns)(int op, const float* x, int64_t rows, int64_t cols, int64_t ld, double* acc, float count);
  /** Softmax of each row of [rows, cols], as tfjs's cpu kernel computes it. */
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t cols);
  /**
   * c[r, j] = act(c[r, j] + bias) for rows x cols (row stride cols); bias_kind 0 = none, 1 = a
   * scalar bias[0], 2 = bias[j] per column, 3 = bias[r * cols + j] (full; `bias` points at row 0).
   */
  void (*bias_activation)(float* c, int64_t rows, int64_t cols, const float* bias, int bias_kind, int activation, float alpha);
  /** out[j * out_stride + i] = in[i * in_stride + j] for i < rows, j < cols (32-bit elements). */
  void (*transpose_tile)(const uint32_t* in, int64_t in_stride, uint32_t* out, int64_t out_stride, int64_t rows, int64_t cols);
  /**
   * LayerNorm of `rows` rows of x [rows, dim] (SelfsupLayerNorm): y, and each row's mean and rstd.
   * The Mean, Sub, Square, Add, Rsqrt, Multiply and Add kernels' steps, each rounded as theirs.
   * `segmented`: sum each row in kGrain parts, as the Mean kernel does for fewer than 8 long rows.
   * `scratch` holds dim floats.
   */
  void (*layer_norm_rows)(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t dim, float eps, bool segmented,
                          float* y, float* mean, float* rstd, float* scratch);
  /**
   * The gradient of LayerNorm for `rows` rows (SelfsupLayerNormGrad): dx, and dgamma / dbeta
   * accumulated over these rows into `dgamma_acc` / `dbeta_acc` (double, row after row, as the Sum
   * kernel accumulates a column). `scratch` holds 3 * dim floats.
   */
  void (*layer_norm_grad_rows)(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd, int64_t rows,
                               int64_t dim, bool segmented, float* dx, double* dgamma_acc, double* dbeta_acc, float* scratch);
  /** y = GELU(x) for n elements (SelfsupGelu): the composite's Multiply, Erf, Add, Multiply, Multiply. */
  void (*gelu)(const float* x, float* y, int64_t n);
  /** dx = dy * GELU'(x) for n elements (SelfsupGeluGrad), as the composite's backward pass. */
  void (*gelu_grad)(const float* dy, const float* x, float* dx, int64_t n);
};

// Multi-threaded entry points (ops.cc). Shapes are row-major; ranks up to kMaxRank.
constexpr int kMaxRank = 8;

void unary_parallel(int op, const float* x, float* y, int64_t n, float p1, float p2);

/**
 * Two shapes broadcast to an output shape (numpy/tfjs rules), as loops: the output's axes of size
 * above 1, innermost first, with neighbours merged where both inputs' strides chain. Along
 * dims[0] each input's stride is 0 (broadcast) or 1.
 */
struct BroadcastPlan {
  int rank;
  int64_t dims[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  int64_t inner_stride_a() const { return rank > 0 ? sa[0] : 0; }
  int64_t inner_stride_b() const { return rank > 0 ? sb[0] : 0; }
};

/** The loops of out = op(a, b); out_shape is the broadcast of a_shape and b_shape (ranks <= kMaxRank). */
BroadcastPlan plan_broadcast(const int64_t* a_shape, int a_rank, const int64_t* b_shape, int b_rank, const int64_t* out_shape, int out_rank);

/**
 * Calls run(off_a, off_b, off_out, n) on runs of n output elements along the innermost loop
 * (input strides plan.inner_stride_a() / _b()) that together cover the output once, spread over
 * the pool: by outer rows when there are enough of them, else by slices of the innermost loop.
 */
template <typename Run>
void broadcast_runs(const BroadcastPlan& plan, Run&& run) {
  if (plan.rank == 0) {
    run(int64_t(0), int64_t(0), int64_t(0), int64_t(1));
    return;
  }
  const int rank = plan.rank;
  const int64_t inner = plan.dims[0];
  int64_t outer = 1;
  for (int i = 1; i < rank; i++) outer *= plan.dims[i];
  const int64_t ia = plan.sa[0], ib = plan.sb[0];
  auto offsets = [&](int64_t o, int64_t& off_a, int64_t& off_b) {
    off_a = 0;
    off_b = 0;
    for (int i = 1; i < rank; i++) {
      const int64_t idx = o % plan.dims[i];
      o /= plan.dims[i];
      off_a += idx * plan.sa[i];
      off_b += idx * plan.sb[i];
    }
  };
  if (outer >= 4 * pool_threads() || inner < 4 * kGrain) {
    const int64_t grain = inner >= kGrain ? 1 : kGrain / inner;
    parallel_for(outer, grain, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        int64_t off_a, off_b;
        offsets(o, off_a, off_b);
        run(off_a, off_b, o * inner, inner);
      }
    });
  } else {
    parallel_for(inner, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t o = 0; o < outer; o++) {
        int64_t off_a, off_b;
        offsets(o, off_a, off_b);
        run(off_a + begin * ia, off_b + begin * ib, o * inner + begin, end - begin);
      }
    });
  }
}

/** out = op(a, b) with numpy/tfjs broadcasting; shapes have rank <= kMaxRank, out_shape is their broadcast. */
void binary_parallel(int op, const float* a, const int64_t* a_shape, int a_rank, const float* b, const int64_t* b_shape, int b_rank,
                     float* out, const int64_t* out_shape, int out_rank);

/** x viewed as [outer, reduced, inner] -> out [outer, inner]. */
void reduce_parallel(int op, const float* x, int64_t outer, int64_t reduced, int64_t inner, float* out);

void softmax_parallel(const float* x, float* y, int64_t rows, int64_t cols);

void bias_activation_parallel(float* c, int64_t rows, int64_t cols, const float* bias, int bias_kind, int activation, float alpha);

/** out = x transposed by perm (out axis i is x axis perm[i]); 32-bit elements. */
void transpose_parallel(const uint32_t* x, const int64_t* shape, const int* perm, int rank, uint32_t* out);

/**
 * Copies the box of size `box` at `src_begin` in src (shape src_shape) to `dst_begin` in dst
 * (shape dst_shape); 32-bit elements.
 */
void copy_box_parallel(const uint32_t* src, const int64_t* src_shape, const int64_t* src_begin, uint32_t* dst, const int64_t* dst_shape,
                       const int64_t* dst_begin, const int64_t* box, int rank);

/**
 * out[b, o, i, :] = x[b, o, indices[b, i], :] with x [batch, outer, dim, slice], indices [batch, n]
 * (every index in [0, dim)), out [batch, outer, n, slice]; 32-bit elements.
 */
void gather_parallel(const uint32_t* x, int64_t batch, int64_t outer, int64_t dim, int64_t slice, const int32_t* indices, int64_t n, uint32_t* out);

/** dst[0 .. n) = value (32-bit elements). */
void fill_parallel(uint32_t* dst, int64_t n, uint32_t value);

/** SelfsupLayerNorm: x [rows, dim] -> y [rows, dim], mean [rows], rstd [rows]. */
void layer_norm_parallel(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t dim, float eps, float* y, float* mean,
                         float* rstd);

/** SelfsupLayerNormGrad: -> dx [rows, dim], dgamma [dim], dbeta [dim]. */
void layer_norm_grad_parallel(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd, int64_t rows, int64_t dim,
                              float* dx, float* dgamma, float* dbeta);

/** SelfsupGelu and SelfsupGeluGrad over n elements. */
void gelu_parallel(const float* x, float* y, int64_t n);
void gelu_grad_parallel(const float* dy, const float* x, float* dx, int64_t n);

/** out = inputs[0] + inputs[1] + ... (left to right, in float). */
void add_n_parallel(const float* const* inputs, int count, float* out, int64_t n);

const OpsTable& ops_table_avx512();
const OpsTable& ops_table_avx2();
const OpsTable& ops_table_generic();

/** The table for the active instruction set. */
const OpsTable& ops_table();

}  // namespace selfsup
