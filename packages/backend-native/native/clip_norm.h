// SelfsupClipNorm (docs/concepts/fused-kernels.md): the per-parameter gradient clipping of
// @selfsup/optim's clipGradientsPerParameter in one call, computing exactly what its composite
// computes with the separate Square, Sum, Sqrt, Add, RealDiv, Less, Select and Multiply kernels.
#pragma once
#include <cstdint>

namespace selfsup {

/** The float32 constant the composite adds to the norm before dividing (tf.scalar(1e-6)). */
constexpr float kClipNormEpsilon = 1e-6f;

/**
 * g (n elements) -> clipped (n elements, apart from g) and *norm: norm = sqrt(sum(g * g)) with the
 * sum as the Sum kernel forms it (reduce_parallel's parts and the active instruction set's
 * reduce_range, in double); c = max_norm / (norm + 1e-6); clipped = g * (c < 1 ? c : 1).
 */
void clip_norm_parallel(const float* g, int64_t n, float max_norm, float* clipped, float* norm);

}  // namespace selfsup
