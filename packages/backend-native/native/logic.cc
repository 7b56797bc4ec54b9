// Comparisons, logical ops, Select, Tile and Cast (see logic.h).
#include "logic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "ops.h"
#include "pool.h"

namespace selfsup {
namespace {

template <int Op, typename T>
inline uint8_t compare_one(T a, T b) {
  if constexpr (Op == kEqual) return a == b;
  if constexpr (Op == kNotEqual) return a != b;
  if constexpr (Op == kGreater) return a > b;
  if constexpr (Op == kGreaterEqual) return a >= b;
  if constexpr (Op == kLess) return a < b;
  if constexpr (Op == kLessEqual) return a <= b;
  // JavaScript's a && b and a || b give one of the operands; stored as a byte.
  if constexpr (Op == kLogicalAnd) return uint8_t(a != T(0) ? b : a);
  if constexpr (Op == kLogicalOr) return uint8_t(a != T(0) ? a : b);
  return 0;
}

// o[i] = op(a[i * sa], b[i * sb]) for i < n, sa and sb in {0, 1}; one loop per stride pattern so
// that each vectorises.
template <int Op, typename T>
void compare_run(const T* a, int64_t sa, const T* b, int64_t sb, uint8_t* o, int64_t n) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; i++) o[i] = compare_one<Op>(a[i], b[i]);
  } else if (sa) {
    const T y = b[0];
    for (int64_t i = 0; i < n; i++) o[i] = compare_one<Op>(a[i], y);
  } else if (sb) {
    const T x = a[0];
    for (int64_t i = 0; i < n; i++) o[i] = compare_one<Op>(x, b[i]);
  } else {
    const uint8_t v = compare_one<Op>(a[0], b[0]);
    std::memset(o, v, size_t(n));
  }
}

template <typename T>
void compare_typed(int op, const T* a, const BroadcastPlan& plan, const T* b, uint8_t* out) {
  using Run = void (*)(const T*, int64_t, const T*, int64_t, uint8_t*, int64_t);
  static constexpr Run runs[kCompareOpCount] = {compare_run<kEqual, T>,   compare_run<kNotEqual, T>, compare_run<kGreater, T>,    compare_run<kGreaterEqual, T>,
                                                compare_run<kLess, T>,    compare_run<kLessEqual, T>, compare_run<kLogicalAnd, T>, compare_run<kLogicalOr, T>};
  const Run run = runs[op];
  const int64_t ia = plan.inner_stride_a(), ib = plan.inner_stride_b();
  broadcast_runs(plan, [&](int64_t off_a, int64_t off_b, int64_t off_out, int64_t n) { run(a + off_a, ia, b + off_b, ib, out + off_out, n); });
}

template <typename T>
void select_typed(const uint8_t* c, const T* t, const T* e, T* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) out[i] = c[i] == 1 ? t[i] : e[i];
  });
}

template <typename T>
void tile_typed(const T* x, const int64_t* shape, const int64_t* reps, int rank, T* out) {
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  int64_t out_dims[kMaxRank], x_strides[kMaxRank];
  int64_t total = 1, stride = 1;
  for (int i = rank - 1; i >= 0; i--) {
    out_dims[i] = shape[i] * reps[i];
    x_strides[i] = stride;
    stride *= shape[i];
    total *= out_dims[i];
  }
  if (total == 0) return;
  // Each output row (the innermost axis) is one input row repeated reps[rank - 1] times.
  const int64_t row = shape[rank - 1], out_row = out_dims[rank - 1];
  const int64_t rows = total / out_row;
  parallel_for(rows, std::max<int64_t>(1, kGrain / out_row), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      int64_t rest = r, in_off = 0;
      for (int i = rank - 2; i >= 0; i--) {
        const int64_t idx = rest % out_dims[i];
        rest /= out_dims[i];
        in_off += (idx % shape[i]) * x_strides[i];
      }
      const T* src = x + in_off;
      T* dst = out + r * out_row;
      if (row == 1) {
        const T v = src[0];
        for (int64_t j = 0; j < out_row; j++) dst[j] = v;
      } else {
        for (int64_t j = 0; j < out_row; j += row) std::memcpy(dst + j, src, size_t(row) * sizeof(T));
      }
    }
  });
}

// JavaScript's ToInt32 of a float (what Int32Array.from stores): truncated toward zero, modulo 2^32
// into [-2^31, 2^31); NaN and infinities give 0.
inline int32_t to_int32(float f) {
  if (std::fabs(f) < 2147483648.0f) return int32_t(f);
  if (!std::isfinite(f)) return 0;
  double m = std::fmod(std::trunc(double(f)), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  if (m >= 2147483648.0) m -= 4294967296.0;
  return int32_t(m);
}

template <typename From, typename To>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, uint8_t>) {
    return v != From(0) ? 1 : 0;
  } else if constexpr (std::is_same_v<To, int32_t> && std::is_same_v<From, float>) {
    return to_int32(v);
  } else {
    return To(v);
  }
}

template <typename From, typename To>
void cast_typed(const From* x, To* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) out[i] = convert<From, To>(x[i]);
  });
}

template <typename From>
void cast_from(const From* x, Elem to, void* out, int64_t n) {
  switch (to) {
    case Elem::kF32:
      return cast_typed(x, static_cast<float*>(out), n);
    case Elem::kI32:
      return cast_typed(x, static_cast<int32_t*>(out), n);
    case Elem::kU8:
      return cast_typed(x, static_cast<uint8_t*>(out), n);
  }
}

template <bool Max, typename T>
inline bool better(T v, T best) {
  if constexpr (Max) return v > best;
  return v < best;
}

template <bool Max, typename T>
void arg_reduce_typed(const T* x, int64_t outer, int64_t reduced, int64_t inner, int32_t* out) {
  if (reduced == 0) {
    std::memset(out, 0, size_t(outer * inner) * sizeof(int32_t));
    return;
  }
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / reduced), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        const T* row = x + o * reduced;
        T best = row[0];
        int32_t index = 0;
        for (int64_t j = 1; j < reduced; j++) {
          if (better<Max>(row[j], best)) {
            best = row[j];
            index = int32_t(j);
          }
        }
        out[o] = index;
      }
    });
    return;
  }
  // Columns: walk the reduced axis once per outer slice, keeping the best of every column.
  const int64_t block = 256;
  const int64_t blocks = (inner + block - 1) / block;
  parallel_for(outer * blocks, std::max<int64_t>(1, kGrain / (reduced * block)), [&](int64_t begin, int64_t end) {
    T best[block];
    for (int64_t t = begin; t < end; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * block, width = std::min(block, inner - i0);
      const T* base = x + o * reduced * inner + i0;
      int32_t* index = out + o * inner + i0;
      for (int64_t i = 0; i < width; i++) {
        best[i] = base[i];
        index[i] = 0;
      }
      for (int64_t j = 1; j < reduced; j++) {
        const T* row = base + j * inner;
        for (int64_t i = 0; i < width; i++) {
          const bool b = better<Max>(row[i], best[i]);
          best[i] = b ? row[i] : best[i];
          index[i] = b ? int32_t(j) : index[i];
        }
      }
    }
  });
}

}  // namespace

void arg_reduce_parallel(bool max, Elem type, const void* x, int64_t outer, int64_t reduced, int64_t inner, int32_t* out) {
  if (type == Elem::kF32) {
    const auto* v = static_cast<const float*>(x);
    return max ? arg_reduce_typed<true>(v, outer, reduced, inner, out) : arg_reduce_typed<false>(v, outer, reduced, inner, out);
  }
  const auto* v = static_cast<const int32_t*>(x);
  return max ? arg_reduce_typed<true>(v, outer, reduced, inner, out) : arg_reduce_typed<false>(v, outer, reduced, inner, out);
}

void compare_parallel(int op, Elem type, const void* a, const int64_t* a_shape, int a_rank, const void* b, const int64_t* b_shape, int b_rank,
                      uint8_t* out, const int64_t* out_shape, int out_rank) {
  const BroadcastPlan plan = plan_broadcast(a_shape, a_rank, b_shape, b_rank, out_shape, out_rank);
  switch (type) {
    case Elem::kF32:
      return compare_typed(op, static_cast<const float*>(a), plan, static_cast<const float*>(b), out);
    case Elem::kI32:
      return compare_typed(op, static_cast<const int32_t*>(a), plan, static_cast<const int32_t*>(b), out);
    case Elem::kU8:
      return compare_typed(op, static_cast<const uint8_t*>(a), plan, static_cast<const uint8_t*>(b), out);
  }
}

void select_parallel(const uint8_t* condition, const void* t, const void* e, void* out, int64_t n, int element_bytes) {
  if (element_bytes == 4) {
    select_typed(condition, static_cast<const uint32_t*>(t), static_cast<const uint32_t*>(e), static_cast<uint32_t*>(out), n);
  } else {
    select_typed(condition, static_cast<const uint8_t*>(t), static_cast<const uint8_t*>(e), static_cast<uint8_t*>(out), n);
  }
}

void tile_parallel(const void* x, const int64_t* shape, const int64_t* reps, int rank, void* out, int element_bytes) {
  if (element_bytes == 4) {
    tile_typed(static_cast<const uint32_t*>(x), shape, reps, rank, static_cast<uint32_t*>(out));
  } else {
    tile_typed(static_cast<const uint8_t*>(x), shape, reps, rank, static_cast<uint8_t*>(out));
  }
}

void cast_parallel(Elem from, const void* x, Elem to, void* out, int64_t n) {
  switch (from) {
    case Elem::kF32:
      return cast_from(static_cast<const float*>(x), to, out, n);
    case Elem::kI32:
      return cast_from(static_cast<const int32_t*>(x), to, out, n);
    case Elem::kU8:
      return cast_from(static_cast<const uint8_t*>(x), to, out, n);
  }
}

void fill_bytes_parallel(uint8_t* dst, int64_t n, uint8_t value) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { std::memset(dst + begin, value, size_t(end - begin)); });
}

}  // namespace selfsup
