// The loop of SelfsupAdamW, included by adamw.cc once per instruction set (no include guard): each
// copy is compiled for its set and named SELFSUP_ADAMW_NAME. Everything here has internal linkage.
//
// The composite formula (@selfsup/optim's adamw.ts), one float operation per line, each rounded as
// the native kernel that runs it rounds it (Multiply, Add, Sqrt, RealDiv, Sub: exact float ops):
//   decayed = p * decay                       m' = (m * beta1) + (g * (1 - beta1))
//   v' = (v * beta2) + ((g * g) * (1 - beta2)) denom = (sqrt(v') / sqrt(1 - beta2^t)) + eps
//   p' = decayed - ((m' * stepSize) / denom)
// Products are rounded before they are added or subtracted: the function is compiled without
// floating-point contraction (no FMA on the AVX2 and AVX-512 builds).
#ifndef SELFSUP_ADAMW_NAME
#error "define SELFSUP_ADAMW_NAME before including adamw_impl.h"
#endif

SELFSUP_ADAMW_NO_CONTRACT void SELFSUP_ADAMW_NAME(const AdamWArrays& arrays, const AdamWScalars& s, int64_t begin, int64_t end) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  const float* __restrict p = arrays.p;
  const float* __restrict g = arrays.g;
  const float* __restrict m = arrays.m;
  const float* __restrict v = arrays.v;
  float* __restrict p_out = arrays.p_out;
  float* __restrict m_out = arrays.m_out;
  float* __restrict v_out = arrays.v_out;
  const float decay = s.decay, beta1 = s.beta1, one_minus_beta1 = s.one_minus_beta1, beta2 = s.beta2, one_minus_beta2 = s.one_minus_beta2;
  const float bias_correction2_sqrt = s.bias_correction2_sqrt, eps = s.eps, step_size = s.step_size;
#pragma omp simd
  for (int64_t i = begin; i < end; i++) {
    const float gi = g[i];
    const float decayed = p[i] * decay;
    const float m_kept = m[i] * beta1;
    const float m_added = gi * one_minus_beta1;
    const float m_next = m_kept + m_added;
    const float g_squared = gi * gi;
    const float v_kept = v[i] * beta2;
    const float v_added = g_squared * one_minus_beta2;
    const float v_next = v_kept + v_added;
    const float root = std::sqrt(v_next);
    const float corrected = root / bias_correction2_sqrt;
    const float denominator = corrected + eps;
    const float numerator = m_next * step_size;
    const float update = numerator / denominator;
    p_out[i] = decayed - update;
    m_out[i] = m_next;
    v_out[i] = v_next;
  }
}
