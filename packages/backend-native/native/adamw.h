// SelfsupAdamW (docs/concepts/fused-kernels.md): one AdamW update of one parameter in one pass,
// computing exactly what @selfsup/optim's composite formula computes with the separate Multiply,
// Add, Sqrt, RealDiv and Sub kernels (each step one float operation, rounded as that kernel rounds
// it, no fused multiply-add). adamw.cc compiles the loop once per instruction set (adamw_impl.h).
#pragma once
#include <cstdint>

namespace selfsup {

/** The kernel's attributes as float32 (tf.scalar's rounding), in the contract's order. */
struct AdamWScalars {
  float decay, beta1, one_minus_beta1, beta2, one_minus_beta2, bias_correction2_sqrt, eps, step_size;
};

/** The inputs p, g, m, v and the outputs p', m', v' (n elements each; outputs apart from inputs). */
struct AdamWArrays {
  const float* p;
  const float* g;
  const float* m;
  const float* v;
  float* p_out;
  float* m_out;
  float* v_out;
};

/** p', m', v' for n elements, spread over the pool like the element-wise kernels. */
void adamw_parallel(const AdamWArrays& arrays, const AdamWScalars& scalars, int64_t n);

}  // namespace selfsup
