// Kernels on bool, int32 and mixed-type tensors: comparisons and logical ops (bool out), Select,
// Tile and Cast. tfjs-backend-cpu keeps bool tensors as bytes (0 or 1), int32 as int32 and
// float32 as float; these kernels read and write the same arrays. Memory-bound loops in baseline
// code, spread over the pool like the element-wise kernels of ops.cc.
#pragma once
#include <cstdint>

namespace selfsup {

/** Element types of the typed arrays these kernels take. */
enum class Elem : int { kF32 = 0, kI32, kU8 };

/** Comparisons and logical ops, numbered as in src/addon.ts (CompareOp); each writes 1 or 0. */
enum CompareOp : int { kEqual = 0, kNotEqual, kGreater, kGreaterEqual, kLess, kLessEqual, kLogicalAnd, kLogicalOr, kCompareOpCount };

/**
 * out = op(a, b) with numpy/tfjs broadcasting (out_shape is the broadcast of the two shapes),
 * a and b of element type `type`, out bytes. As JavaScript compares numbers: NaN is unequal to
 * everything, itself included, and orders with nothing; LogicalAnd is `a && b` and LogicalOr
 * `a || b` (the bytes of bool tensors).
 */
void compare_parallel(int op, Elem type, const void* a, const int64_t* a_shape, int a_rank, const void* b, const int64_t* b_shape, int b_rank,
                      uint8_t* out, const int64_t* out_shape, int out_rank);

/** out[i] = condition[i] == 1 ? t[i] : e[i] for i < n; elements of `element_bytes` (1 or 4) bytes. */
void select_parallel(const uint8_t* condition, const void* t, const void* e, void* out, int64_t n, int element_bytes);

/** out (shape[i] * reps[i] along axis i) = x (shape) repeated reps[i] times along each axis. */
void tile_parallel(const void* x, const int64_t* shape, const int64_t* reps, int rank, void* out, int element_bytes);

/**
 * out[i] = x[i] converted as tfjs-backend-cpu converts it: to float32 rounded to nearest, to int32
 * as Int32Array.from (JavaScript's ToInt32: truncation, NaN and infinities to 0, modulo 2^32), to
 * bool (bytes) as x != 0 (NaN is true).
 */
void cast_parallel(Elem from, const void* x, Elem to, void* out, int64_t n);

/**
 * out[o, i] = the index j of the largest (max) or smallest (min) x[o, j, i] of x viewed as
 * [outer, reduced, inner], as tfjs-backend-cpu's ArgMax / ArgMin: the first of equal values, a
 * later value replaces the best only when strictly greater (smaller), so NaN is chosen only as the
 * first value; 0 when reduced is 0.
 */
void arg_reduce_parallel(bool max, Elem type, const void* x, int64_t outer, int64_t reduced, int64_t inner, int32_t* out);

/** dst[0 .. n) = value. */
void fill_bytes_parallel(uint8_t* dst, int64_t n, uint8_t value);

}  // namespace selfsup
