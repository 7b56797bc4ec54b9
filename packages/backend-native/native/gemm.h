// Single-precision matrix products C = op(A) op(B) on row-major storage, multi-threaded.
#pragma once
#include <cstdint>
#include <string>

namespace selfsup {

/**
 * One product C[m, n] = op(A)[m, k] op(B)[k, n]. A is stored [k, m] when trans_a (else [m, k]),
 * B is stored [n, k] when trans_b (else [k, n]); lda, ldb, ldc are row strides in elements.
 */
struct GemmProblem {
  const float* a;
  const float* b;
  float* c;
  int64_t m, n, k;
  int64_t lda, ldb, ldc;
  bool trans_a, trans_b;
};

enum class GemmEngine { kBuiltin = 0, kOpenBlas = 1 };

/**
 * A batch of products, tfjs's BatchMatMul: product i uses A number (i % batch_a) and B number
 * (i % batch_b), each stored contiguously (stride_a, stride_b elements apart), and writes C number i
 * (stride_c apart).
 */
void gemm_batched(const GemmProblem& p, int64_t batch, int64_t batch_a, int64_t batch_b, int64_t stride_a, int64_t stride_b,
                  int64_t stride_c);

/** The engine in use. */
GemmEngine gemm_engine();

/** Selects the engine; false (and no change) when OpenBLAS was asked for but cannot be loaded. */
bool set_gemm_engine(GemmEngine engine);

/** Tries to load OpenBLAS (once); true when its cblas_sgemm is usable. */
bool openblas_available();

/** Where OpenBLAS was loaded from and its configuration, or why it was not. */
std::string openblas_description();

/** Tells OpenBLAS's own thread pool how many threads to use (no-op when not loaded). */
void openblas_set_threads(int threads);

}  // namespace selfsup
