// Kernel bodies, included by ops_avx512.cc, ops_avx2.cc and ops_generic.cc, each compiled for its
// instruction set; everything here has internal linkage. Plain loops that the compiler vectorises.
//
// Numerics follow tfjs-backend-cpu (which computes in float64 JavaScript numbers and stores float32):
// transcendental functions are evaluated in double precision (own vectorisable exp/log, about 1e-15
// relative) and rounded once to float; + - * / and sqrt are exact float ops (as cpu's float64 op then
// float32 store); sums accumulate in double.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ops.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#ifndef SELFSUP_OPS_TABLE_NAME
#error "define SELFSUP_OPS_TABLE_NAME before including ops_impl.h"
#endif

namespace selfsup {
namespace {

inline int64_t bits_of(double x) {
  int64_t i;
  std::memcpy(&i, &x, 8);
  return i;
}
inline double double_of(int64_t i) {
  double x;
  std::memcpy(&x, &i, 8);
  return x;
}

// e^x in double, |relative error| < 1e-14 for x in [-708, 709] (clamped outside; float callers
// only need x in about [-104, 89]). NaN propagates.
inline double exp_d(double x) {
  const double clamped = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  const double shift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  const double t = clamped * 1.4426950408889634 + shift;
  const double n = t - shift;
  const double r = (clamped - n * 0.693147180369123816490) - n * 1.90821492927058770002e-10;
  double p = 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const int64_t exponent = bits_of(t) - bits_of(shift) + 1023;
  const double scale = double_of(exponent << 52);
  const double result = p * scale;
  return x != x ? x : (x > 709.0 ? HUGE_VAL : result);
}

// ln(x) in double for x > 0 (finite or inf); -inf at 0, NaN below 0 or for NaN.
inline double log_d(double x) {
  const int64_t bits = bits_of(x);
  const int64_t biased = (bits >> 52) & 0x7ff;
  double m = double_of((bits & 0xFFFFFFFFFFFFFll) | 0x3FF0000000000000ll);  // [1, 2)
  // Exponent as a double without an int64 -> double conversion (not vectorisable on AVX2).
  double e = double_of(biased | 0x4330000000000000ll) - 4503599627370496.0 - 1023.0;
  const bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  const double f = (m - 1.0) / (m + 1.0);
  const double s = f * f;
  double p = 1.0 / 17.0;
  p = p * s + 1.0 / 15.0;
  p = p * s + 1.0 / 13.0;
  p = p * s + 1.0 / 11.0;
  p = p * s + 1.0 / 9.0;
  p = p * s + 1.0 / 7.0;
  p = p * s + 1.0 / 5.0;
  p = p * s + 1.0 / 3.0;
  p = p * s + 1.0;
  const double result = e * 0.6931471805599453 + 2.0 * f * p;
  return x != x ? x : (x < 0.0 ? NAN : (x == 0.0 ? -HUGE_VAL : (x == HUGE_VAL ? x : result)));
}

template <int Op>
inline float unary_op(float xf, float p1, float p2) {
  const double x = xf;
  if constexpr (Op == kExp) return float(exp_d(x));
  if constexpr (Op == kLog) return float(log_d(x));
  if constexpr (Op == kSqrt) return std::sqrt(xf);
  if constexpr (Op == kRsqrt) return float(1.0 / std::sqrt(x));
  if constexpr (Op == kSquare) return xf * xf;
  if constexpr (Op == kNeg) return -xf;
  if constexpr (Op == kAbs) return std::fabs(xf);
  if constexpr (Op == kErf) {
    // Abramowitz & Stegun 7.1.26, as tfjs's cpu kernel (not the exact erf).
    const double v = std::fabs(x);
    const double t = 1.0 / (1.0 + 0.3275911 * v);
    const double poly = ((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592;
    const double y = 1.0 - poly * t * exp_d(-v * v);
    const double sign = x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : x);  // Math.sign (0, -0 and NaN pass)
    return float(sign * y);
  }
  if constexpr (Op == kTanh) {
    const double a = std::fabs(x);
    const double e = exp_d(2.0 * a);
    const double big = 1.0 - 2.0 / (e + 1.0);
    const double small = a * (1.0 - a * a / 3.0);
    const double t = a < 1e-5 ? small : big;
    return float(x < 0.0 ? -t : (x > 0.0 ? t : x));
  }
  if constexpr (Op == kSigmoid) return float(1.0 / (1.0 + exp_d(-x)));
  if constexpr (Op == kRelu) return x != x ? xf : (xf > 0.0f ? xf : 0.0f);
  if constexpr (Op == kRelu6) return x != x ? xf : (xf > 6.0f ? 6.0f : (xf > 0.0f ? xf : 0.0f));
  if constexpr (Op == kElu) return xf >= 0.0f ? xf : float(exp_d(x) - 1.0);
  if constexpr (Op == kLeakyRelu) return xf < 0.0f ? p1 * xf : xf;
  if constexpr (Op == kReciprocal) return 1.0f / xf;
  if constexpr (Op == kLog1p) {
    // log(1 + x) corrected for the rounding of 1 + x (u - 1 - x), except where u is 0 or infinite.
    const double u = 1.0 + x;
    const double correction = u > 0.0 && u < HUGE_VAL ? ((u - 1.0) - x) / u : 0.0;
    return float(u == 1.0 ? x : log_d(u) - correction);
  }
  if constexpr (Op == kSoftplus) {
    const double threshold = -13.942385152878742;  // ln(2^-23) + 2, as tfjs
    const double ex = exp_d(x);
    return float(x < threshold ? ex : (x > -threshold ? x : log_d(1.0 + ex)));
  }
  if constexpr (Op == kClip) return xf > p2 ? p2 : (xf < p1 ? p1 : xf);
  if constexpr (Op == kStep) return x != x ? xf : (xf > 0.0f ? 1.0f : p1);
  if constexpr (Op == kSign) return xf < 0.0f ? -1.0f : (xf > 0.0f ? 1.0f : 0.0f);
  if constexpr (Op == kExpm1) {
    const double small = x * (1.0 + x * (0.5 + x / 6.0));
    return float(std::fabs(x) < 1e-5 ? small : exp_d(x) - 1.0);
  }
  return xf;  // kCopy
}

template <int Op>
void unary_loop(const float* __restrict x, float* __restrict y, int64_t n, float p1, float p2) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) y[i] = unary_op<Op>(x[i], p1, p2);
}

void unary(int op, const float* x, float* y, int64_t n, float p1, float p2) {
  switch (op) {
#define SELFSUP_UNARY_CASE(OP) \
  case OP:                     \
    return unary_loop<OP>(x, y, n, p1, p2);
    SELFSUP_UNARY_CASE(kExp)
    SELFSUP_UNARY_CASE(kLog)
    SELFSUP_UNARY_CASE(kSqrt)
    SELFSUP_UNARY_CASE(kRsqrt)
    SELFSUP_UNARY_CASE(kSquare)
    SELFSUP_UNARY_CASE(kNeg)
    SELFSUP_UNARY_CASE(kAbs)
    SELFSUP_UNARY_CASE(kErf)
    SELFSUP_UNARY_CASE(kTanh)
    SELFSUP_UNARY_CASE(kSigmoid)
    SELFSUP_UNARY_CASE(kRelu)
    SELFSUP_UNARY_CASE(kRelu6)
    SELFSUP_UNARY_CASE(kElu)
    SELFSUP_UNARY_CASE(kLeakyRelu)
    SELFSUP_UNARY_CASE(kReciprocal)
    SELFSUP_UNARY_CASE(kLog1p)
    SELFSUP_UNARY_CASE(kSoftplus)
    SELFSUP_UNARY_CASE(kClip)
    SELFSUP_UNARY_CASE(kStep)
    SELFSUP_UNARY_CASE(kSign)
    SELFSUP_UNARY_CASE(kExpm1)
#undef SELFSUP_UNARY_CASE
    default:
      std::memmove(y, x, size_t(n) * sizeof(float));
  }
}

template <int Op>
inline float binary_op(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  if constexpr (Op == kMax) return a != a ? a : (b != b ? b : (a > b ? a : b));
  if constexpr (Op == kMin) return a != a ? a : (b != b ? b : (a < b ? a : b));
  if constexpr (Op == kSquaredDifference) {
    const float d = a - b;
    return d * d;
  }
  if constexpr (Op == kPow) return float(std::pow(double(a), double(b)));
  if constexpr (Op == kPrelu) return a < 0.0f ? b * a : a;
  return 0.0f;
}

template <int Op>
void binary_loop(const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb, float* __restrict o, int64_t n) {
  if (sa == 1 && sb == 1) {
#pragma omp simd
    for (int64_t i = 0; i < n; i++) o[i] = binary_op<Op>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
#pragma omp simd
    for (int64_t i = 0; i < n; i++) o[i] = binary_op<Op>(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
#pragma omp simd
    for (int64_t i = 0; i < n; i++) o[i] = binary_op<Op>(av, b[i]);
  } else {
    const float v = binary_op<Op>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) o[i] = v;
  }
}

void binary(int op, const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n) {
  switch (op) {
    case kAdd:
      return binary_loop<kAdd>(a, sa, b, sb, o, n);
    case kSub:
      return binary_loop<kSub>(a, sa, b, sb, o, n);
    case kMul:
      return binary_loop<kMul>(a, sa, b, sb, o, n);
    case kDiv:
      return binary_loop<kDiv>(a, sa, b, sb, o, n);
    case kMax:
      return binary_loop<kMax>(a, sa, b, sb, o, n);
    case kMin:
      return binary_loop<kMin>(a, sa, b, sb, o, n);
    case kSquaredDifference:
      return binary_loop<kSquaredDifference>(a, sa, b, sb, o, n);
    case kPow:
      return binary_loop<kPow>(a, sa, b, sb, o, n);
    case kPrelu:
      return binary_loop<kPrelu>(a, sa, b, sb, o, n);
    default:
      return;
  }
}

double reduce_range(int op, const float* __restrict x, int64_t n, float count) {
  if (op == kSum) {
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; j++) s += double(x[j]);
    return s;
  }
  if (op == kMean) {
    // tfjs's cpu mean: sum over x / count (each quotient rounded to float), summed in double.
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < n; j++) s += double(x[j] / count);
    return s;
  }
  int nan = 0;
  if (op == kReduceMax) {
    float m = -HUGE_VALF;
#pragma omp simd reduction(max : m) reduction(| : nan)
    for (int64_t j = 0; j < n; j++) {
      m = x[j] > m ? x[j] : m;
      nan |= x[j] != x[j];
    }
    return nan ? NAN : double(m);
  }
  float m = HUGE_VALF;
#pragma omp simd reduction(min : m) reduction(| : nan)
  for (int64_t j = 0; j < n; j++) {
    m = x[j] < m ? x[j] : m;
    nan |= x[j] != x[j];
  }
  return nan ? NAN : double(m);
}

void reduce_columns(int op, const float* x, int64_t rows, int64_t cols, int64_t ld, double* __restrict acc, float count) {
  for (int64_t r = 0; r < rows; r++) {
    const float* __restrict row = x + r * ld;
    if (op == kSum) {
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) acc[j] += double(row[j]);
    } else if (op == kMean) {
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) acc[j] += double(row[j] / count);
    } else if (op == kReduceMax) {
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) {
        const double v = row[j];
        acc[j] = (v > acc[j] || v != v) && acc[j] == acc[j] ? v : acc[j];
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) {
        const double v = row[j];
        acc[j] = (v < acc[j] || v != v) && acc[j] == acc[j] ? v : acc[j];
      }
    }
  }
}

// tfjs's cpu softmax: m = max(x); e = exp(x - m) (float32 subtraction, exp in double, stored
// float32); s = sum(e) in double, stored float32; y = e / s.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* __restrict in = x + r * cols;
    float* __restrict out = y + r * cols;
    float m = in[0];
    int nan = 0;
#pragma omp simd reduction(max : m) reduction(| : nan)
    for (int64_t j = 0; j < cols; j++) {
      m = in[j] > m ? in[j] : m;
      nan |= in[j] != in[j];
    }
    if (nan) m = NAN;
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < cols; j++) {
      const float e = float(exp_d(double(in[j] - m)));
      out[j] = e;
      s += double(e);
    }
    const float sf = float(s);
#pragma omp simd
    for (int64_t j = 0; j < cols; j++) out[j] = out[j] / sf;
  }
}

template <int Act>
inline float activate(float v, float alpha) {
  if constexpr (Act == kActRelu) return v != v ? v : (v > 0.0f ? v : 0.0f);
  if constexpr (Act == kActRelu6) return v != v ? v : (v > 6.0f ? 6.0f : (v > 0.0f ? v : 0.0f));
  if constexpr (Act == kActElu) return v >= 0.0f ? v : float(exp_d(double(v)) - 1.0);
  if constexpr (Act == kActLeakyRelu) return v < 0.0f ? alpha * v : v;
  if constexpr (Act == kActSigmoid) return float(1.0 / (1.0 + exp_d(-double(v))));
  return v;
}

template <int Act>
void bias_activation_loop(float* c, int64_t rows, int64_t cols, const float* bias, int bias_kind, float alpha) {
  for (int64_t r = 0; r < rows; r++) {
    float* __restrict row = c + r * cols;
    if (bias_kind == 2) {
      const float* __restrict b = bias;
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) row[j] = activate<Act>(row[j] + b[j], alpha);
    } else if (bias_kind == 3) {
      const float* __restrict b = bias + r * cols;
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) row[j] = activate<Act>(row[j] + b[j], alpha);
    } else if (bias_kind == 1) {
      const float b = bias[0];
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) row[j] = activate<Act>(row[j] + b, alpha);
    } else {
#pragma omp simd
      for (int64_t j = 0; j < cols; j++) row[j] = activate<Act>(row[j], alpha);
    }
  }
}

void bias_activation(float* c, int64_t rows, int64_t cols, const float* bias, int bias_kind, int activation, float alpha) {
  switch (activation) {
    case kActRelu:
      return bias_activation_loop<kActRelu>(c, rows, cols, bias, bias_kind, alpha);
    case kActRelu6:
      return bias_activation_loop<kActRelu6>(c, rows, cols, bias, bias_kind, alpha);
    case kActElu:
      return bias_activation_loop<kActElu>(c, rows, cols, bias, bias_kind, alpha);
    case kActLeakyRelu:
      return bias_activation_loop<kActLeakyRelu>(c, rows, cols, bias, bias_kind, alpha);
    case kActSigmoid:
      return bias_activation_loop<kActSigmoid>(c, rows, cols, bias, bias_kind, alpha);
    default:
      return bias_activation_loop<kLinear>(c, rows, cols, bias, bias_kind, alpha);
  }
}

#if defined(__AVX512F__)
// Transposes 16 rows of 16 floats in registers: afterwards r[j] holds column j.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
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
    r[e] = _mm512_shuffle_f32x4(p, s, 0x88);
    r[4 + e] = _mm512_shuffle_f32x4(q, u, 0x88);
    r[8 + e] = _mm512_shuffle_f32x4(p, s, 0xDD);
    r[12 + e] = _mm512_shuffle_f32x4(q, u, 0xDD);
  }
}
#endif

void transpose_tile(const uint32_t* in, int64_t in_stride, uint32_t* out, int64_t out_stride, int64_t rows, int64_t cols) {
  // Output rows (input columns) outermost: the output is written front to back.
  constexpr int64_t B = 16;
  for (int64_t j0 = 0; j0 < cols; j0 += B) {
    const int64_t j1 = j0 + B < cols ? j0 + B : cols;
    for (int64_t i0 = 0; i0 < rows; i0 += B) {
      const int64_t i1 = i0 + B < rows ? i0 + B : rows;
#if defined(__AVX512F__)
      if (i1 - i0 == B && j1 - j0 == B) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(reinterpret_cast<const float*>(in + (i0 + i) * in_stride + j0));
        transpose16(r);
        for (int j = 0; j < 16; j++) _mm512_storeu_ps(reinterpret_cast<float*>(out + (j0 + j) * out_stride + i0), r[j]);
        continue;
      }
#endif
      for (int64_t j = j0; j < j1; j++) {
        for (int64_t i = i0; i < i1; i++) out[j * out_stride + i] = in[i * in_stride + j];
      }
    }
  }
}

// ---- Fused kernels: LayerNorm and GELU in one pass, computing exactly what the composite
// formulas of @selfsup/backbones compute with the separate kernels above (each op rounded to float
// as that op's kernel rounds it, sums in the same order), so the fused path changes no number.
// Where the composite rounds a product before adding it (x * g + b as Multiply then Add), the loop
// lives in a function compiled without floating-point contraction (no FMA); elsewhere the code is
// that of the kernels it replaces (unary_op<kErf>, unary_op<kSigmoid>, reduce_range), contraction
// included.
#if defined(__clang__)
#define SELFSUP_NO_CONTRACT
#else
#define SELFSUP_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#endif

inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

// The mean of a row as the Mean kernel computes it: one range, or (fewer than 8 long rows) parts
// of at most 32 ranges of kGrain elements summed in order (reduce_parallel's split).
inline float row_mean(const float* x, int64_t n, float count, bool segmented) {
  if (!segmented) return float(reduce_range(kMean, x, n, count));
  const int64_t parts = min_i64((n + kGrain - 1) / kGrain, 32);
  const int64_t step = (n + parts - 1) / parts;
  double acc = 0.0;
  for (int64_t part = 0; part < parts; part++) {
    const int64_t begin = part * step, end = min_i64(n, begin + step);
    acc = acc + (begin < end ? reduce_range(kMean, x + begin, end - begin, count) : 0.0);
  }
  return float(acc);
}

// y = ((x - m) * rs) * gamma + beta, each product rounded (Sub, Multiply, Multiply, Add).
SELFSUP_NO_CONTRACT void layer_norm_affine(const float* __restrict x, float m, float rs, const float* __restrict gamma,
                                           const float* __restrict beta, float* __restrict y, int64_t dim) {
#pragma omp simd
  for (int64_t j = 0; j < dim; j++) {
    const float xhat = (x[j] - m) * rs;
    const float scaled = xhat * gamma[j];
    y[j] = scaled + beta[j];
  }
}

// The composite: mean = Mean(x); c = x - mean; var = Mean(Square(c)); rstd = Rsqrt(var + eps);
// y = (c * rstd) * gamma + beta.
void layer_norm_rows(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t dim, float eps, bool segmented, float* y,
                     float* mean, float* rstd, float* scratch) {
  const float count = float(dim);
  for (int64_t r = 0; r < rows; r++) {
    const float* __restrict xr = x + r * dim;
    float* __restrict squares = scratch;
    const float m = row_mean(xr, dim, count, segmented);
#pragma omp simd
    for (int64_t j = 0; j < dim; j++) {
      const float c = xr[j] - m;
      squares[j] = c * c;
    }
    const float variance = row_mean(squares, dim, count, segmented);
    const float rs = float(1.0 / std::sqrt(double(variance + eps)));
    mean[r] = m;
    rstd[r] = rs;
    layer_norm_affine(xr, m, rs, gamma, beta, y + r * dim, dim);
  }
}

// dx = rs * ((g - mean_g) - xhat * mean_gx), each step rounded (Sub, Multiply, Sub, Multiply).
SELFSUP_NO_CONTRACT void layer_norm_grad_dx(const float* __restrict g, const float* __restrict xhat, float mean_g, float mean_gx, float rs,
                                            float* __restrict dx, int64_t dim) {
#pragma omp simd
  for (int64_t j = 0; j < dim; j++) {
    const float centered = g[j] - mean_g;
    const float along = xhat[j] * mean_gx;
    const float difference = centered - along;
    dx[j] = rs * difference;
  }
}

// The composite's backward pass: xhat = (x - mean) * rstd (the forward's xhat, bit for bit);
// g = dy * gamma; dx = rstd * (g - Mean(g) - xhat * Mean(g * xhat)); dgamma += dy * xhat and
// dbeta += dy, row after row in double (the Sum kernel over axis 0).
void layer_norm_grad_rows(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd, int64_t rows, int64_t dim,
                          bool segmented, float* dx, double* dgamma_acc, double* dbeta_acc, float* scratch) {
  const float count = float(dim);
  float* __restrict g = scratch;
  float* __restrict xhat = scratch + dim;
  float* __restrict gx = scratch + 2 * dim;
  double* __restrict dgamma = dgamma_acc;
  double* __restrict dbeta = dbeta_acc;
  for (int64_t r = 0; r < rows; r++) {
    const float* __restrict dyr = dy + r * dim;
    const float* __restrict xr = x + r * dim;
    const float m = mean[r], rs = rstd[r];
#pragma omp simd
    for (int64_t j = 0; j < dim; j++) {
      const float xh = (xr[j] - m) * rs;
      const float gj = dyr[j] * gamma[j];
      xhat[j] = xh;
      g[j] = gj;
      gx[j] = gj * xh;
      const float dyxh = dyr[j] * xh;
      dgamma[j] += double(dyxh);
      dbeta[j] += double(dyr[j]);
    }
    const float mean_g = row_mean(g, dim, count, segmented);
    const float mean_gx = row_mean(gx, dim, count, segmented);
    layer_norm_grad_dx(g, xhat, mean_g, mean_gx, rs, dx + r * dim, dim);
  }
}

// The constants of @selfsup/backbones' gelu.ts as float32 scalars: Math.SQRT1_2, 1 / sqrt(2 pi).
constexpr double kSqrtHalf = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

// The composite: cdf = (Erf(x * SQRT1_2) + 1) * 0.5; y = x * cdf.
void gelu(const float* __restrict x, float* __restrict y, int64_t n) {
  const float k = float(kSqrtHalf);
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    const float e = unary_op<kErf>(x[i] * k, 0.0f, 0.0f);
    const float cdf = (e + 1.0f) * 0.5f;
    y[i] = x[i] * cdf;
  }
}

// Phi(x) as the forward pass computes it, and the density as the composite's backward pass:
// s = Sigmoid(Square(x) * -0.5); pdf = (s / (1 - s)) * (1 / sqrt(2 pi)).
void gelu_cdf_pdf(const float* __restrict x, float* __restrict cdf, float* __restrict pdf, int64_t n) {
  const float k = float(kSqrtHalf), c = float(kInvSqrt2Pi);
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    const float e = unary_op<kErf>(x[i] * k, 0.0f, 0.0f);
    cdf[i] = (e + 1.0f) * 0.5f;
    const float h = (x[i] * x[i]) * -0.5f;
    const float s = unary_op<kSigmoid>(h, 0.0f, 0.0f);
    const float odds = s / (1.0f - s);
    pdf[i] = odds * c;
  }
}

// dx = dy * (cdf + x * pdf), the product rounded before the sum (Multiply, Add, Multiply).
SELFSUP_NO_CONTRACT void gelu_grad_combine(const float* __restrict dy, const float* __restrict x, const float* __restrict cdf,
                                           const float* __restrict pdf, float* __restrict dx, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    const float slope = x[i] * pdf[i];
    const float derivative = cdf[i] + slope;
    dx[i] = dy[i] * derivative;
  }
}

void gelu_grad(const float* dy, const float* x, float* dx, int64_t n) {
  constexpr int64_t kChunk = 512;  // cdf and pdf of a chunk stay in L1
  float cdf[kChunk], pdf[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t len = min_i64(kChunk, n - i);
    gelu_cdf_pdf(x + i, cdf, pdf, len);
    gelu_grad_combine(dy + i, x + i, cdf, pdf, dx + i, len);
  }
}

}  // namespace

const OpsTable& SELFSUP_OPS_TABLE_NAME() {
  static const OpsTable table = {unary,          binary,          reduce_range,         reduce_columns, softmax_rows, bias_activation,
                                 transpose_tile, layer_norm_rows, layer_norm_grad_rows, gelu,           gelu_grad};
  return table;
}

}  // namespace selfsup
