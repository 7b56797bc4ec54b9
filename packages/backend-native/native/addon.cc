// Node-API bindings. Every kernel reads and writes the caller's typed arrays in place (zero copy)
// and runs synchronously on the calling thread plus the pool's workers.
#include <node_api.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "adamw.h"
#include "clip_norm.h"
#include "cpu.h"
#include "gemm.h"
#include "logic.h"
#include "ops.h"
#include "pool.h"

namespace selfsup {
namespace {

struct ArgError {
  std::string message;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info) : env_(env) {
    size_t argc = kMax;
    napi_get_cb_info(env, info, &argc, argv_, nullptr, nullptr);
    count_ = argc;
  }
  size_t count() const { return count_; }
  napi_value at(size_t i) const {
    if (i >= count_) throw ArgError{"missing argument " + std::to_string(i)};
    return argv_[i];
  }
  bool is_null(size_t i) const {
    if (i >= count_) return true;
    napi_valuetype type;
    napi_typeof(env_, argv_[i], &type);
    return type == napi_null || type == napi_undefined;
  }
  double number(size_t i) const {
    double value;
    if (napi_get_value_double(env_, at(i), &value) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " must be a number"};
    return value;
  }
  int64_t integer(size_t i) const { return int64_t(number(i)); }
  bool boolean(size_t i) const {
    bool value;
    if (napi_get_value_bool(env_, at(i), &value) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " must be a boolean"};
    return value;
  }
  std::string string(size_t i) const {
    char buffer[256];
    size_t length = 0;
    if (napi_get_value_string_utf8(env_, at(i), buffer, sizeof(buffer), &length) != napi_ok) {
      throw ArgError{"argument " + std::to_string(i) + " must be a string"};
    }
    return std::string(buffer, length);
  }
  // A typed array's data; `elements` receives its length. Float32Array unless `any32` (then any
  // typed array with 4-byte elements).
  void* typed(size_t i, size_t* elements, bool any32 = false) const {
    bool is_typed = false;
    napi_is_typedarray(env_, at(i), &is_typed);
    if (!is_typed) throw ArgError{"argument " + std::to_string(i) + " must be a typed array"};
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env_, at(i), &type, &length, &data, nullptr, nullptr);
    const bool ok = any32 ? (type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array) : type == napi_float32_array;
    if (!ok) throw ArgError{"argument " + std::to_string(i) + (any32 ? " must have 32-bit elements" : " must be a Float32Array")};
    *elements = length;
    return data;
  }
  // A Float32Array, Int32Array or Uint8Array: its element type and data; `elements` receives its length.
  void* elem(size_t i, Elem* type, size_t* elements) const {
    bool is_typed = false;
    napi_is_typedarray(env_, at(i), &is_typed);
    if (!is_typed) throw ArgError{"argument " + std::to_string(i) + " must be a typed array"};
    napi_typedarray_type t;
    void* data;
    napi_get_typedarray_info(env_, at(i), &t, elements, &data, nullptr, nullptr);
    if (t == napi_float32_array) *type = Elem::kF32;
    else if (t == napi_int32_array) *type = Elem::kI32;
    else if (t == napi_uint8_array) *type = Elem::kU8;
    else throw ArgError{"argument " + std::to_string(i) + " must be a Float32Array, Int32Array or Uint8Array"};
    return data;
  }
  float* f32(size_t i, size_t expected) const {
    size_t n;
    auto* p = static_cast<float*>(typed(i, &n));
    if (n < expected) throw ArgError{"argument " + std::to_string(i) + " holds " + std::to_string(n) + " values, needs " + std::to_string(expected)};
    return p;
  }
  std::vector<int64_t> shape(size_t i) const {
    uint32_t length = 0;
    if (napi_get_array_length(env_, at(i), &length) != napi_ok) throw ArgError{"argument " + std::to_string(i) + " must be an array"};
    if (length > uint32_t(kMaxRank)) throw ArgError{"rank above " + std::to_string(kMaxRank)};
    std::vector<int64_t> dims(length);
    for (uint32_t k = 0; k < length; k++) {
      napi_value v;
      napi_get_element(env_, at(i), k, &v);
      double d;
      napi_get_value_double(env_, v, &d);
      dims[k] = int64_t(d);
    }
    return dims;
  }

 private:
  static constexpr size_t kMax = 12;
  napi_env env_;
  napi_value argv_[kMax];
  size_t count_ = 0;
};

int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

napi_value undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, ("selfsup-native: " + e.message).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("selfsup-native: ") + e.what()).c_str());
  }
  return nullptr;
}

// matmul(a, b, out, m, n, k, transposeA, transposeB, batch, batchA, batchB)
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t m = args.integer(3), n = args.integer(4), k = args.integer(5);
    const bool ta = args.boolean(6), tb = args.boolean(7);
    const int64_t batch = args.integer(8), batch_a = args.integer(9), batch_b = args.integer(10);
    if (m < 0 || n < 0 || k < 0 || batch < 1 || batch_a < 1 || batch_b < 1) throw ArgError{"bad matmul dimensions"};
    const float* a = args.f32(0, size_t(batch_a * m * k));
    const float* b = args.f32(1, size_t(batch_b * k * n));
    float* c = args.f32(2, size_t(batch * m * n));
    GemmProblem p{a, b, c, m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
    gemm_batched(p, batch, batch_a, batch_b, m * k, k * n, m * n);
    return undefined(env);
  });
}

// biasActivation(out, rows, cols, bias | null, biasKind, activation, alpha)
napi_value BiasActivation(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t rows = args.integer(1), cols = args.integer(2);
    float* c = args.f32(0, size_t(rows * cols));
    const int kind = int(args.integer(4));
    const float* bias = nullptr;
    if (kind != 0) bias = args.f32(3, kind == 1 ? 1 : kind == 2 ? size_t(cols) : size_t(rows * cols));
    const int activation = int(args.integer(5));
    if (activation < 0 || activation >= kActivationCount) throw ArgError{"unknown activation"};
    bias_activation_parallel(c, rows, cols, bias, kind, activation, float(args.number(6)));
    return undefined(env);
  });
}

// unary(op, x, out, p1, p2)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int op = int(args.integer(0));
    if (op < 0 || op >= kUnaryOpCount) throw ArgError{"unknown unary op"};
    size_t n;
    const float* x = static_cast<const float*>(args.typed(1, &n));
    float* y = args.f32(2, n);
    unary_parallel(op, x, y, int64_t(n), args.count() > 3 ? float(args.number(3)) : 0.0f, args.count() > 4 ? float(args.number(4)) : 0.0f);
    return undefined(env);
  });
}

// binary(op, a, aShape, b, bShape, out, outShape)
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int op = int(args.integer(0));
    if (op < 0 || op >= kBinaryOpCount) throw ArgError{"unknown binary op"};
    const auto sa = args.shape(2), sb = args.shape(4), so = args.shape(6);
    const float* a = args.f32(1, size_t(product(sa)));
    const float* b = args.f32(3, size_t(product(sb)));
    float* out = args.f32(5, size_t(product(so)));
    if (sa.size() > so.size() || sb.size() > so.size()) throw ArgError{"inputs of higher rank than the output"};
    for (size_t i = 0; i < so.size(); i++) {
      const int64_t ia = int64_t(i) - int64_t(so.size() - sa.size()), ib = int64_t(i) - int64_t(so.size() - sb.size());
      const int64_t da = ia >= 0 ? sa[size_t(ia)] : 1, db = ib >= 0 ? sb[size_t(ib)] : 1;
      if ((da != 1 && da != so[i]) || (db != 1 && db != so[i])) throw ArgError{"shapes do not broadcast to the output shape"};
    }
    binary_parallel(op, a, sa.data(), int(sa.size()), b, sb.data(), int(sb.size()), out, so.data(), int(so.size()));
    return undefined(env);
  });
}

// reduce(op, x, out, outer, reduced, inner)
napi_value Reduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int op = int(args.integer(0));
    if (op < 0 || op >= kReduceOpCount) throw ArgError{"unknown reduction"};
    const int64_t outer = args.integer(3), reduced = args.integer(4), inner = args.integer(5);
    const float* x = args.f32(1, size_t(outer * reduced * inner));
    float* out = args.f32(2, size_t(outer * inner));
    reduce_parallel(op, x, outer, reduced, inner, out);
    return undefined(env);
  });
}

// softmax(x, out, rows, cols)
napi_value Softmax(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t rows = args.integer(2), cols = args.integer(3);
    const float* x = args.f32(0, size_t(rows * cols));
    float* y = args.f32(1, size_t(rows * cols));
    softmax_parallel(x, y, rows, cols);
    return undefined(env);
  });
}

// layerNorm(x, gamma, beta, y, mean, rstd, rows, dim, epsilon): SelfsupLayerNorm.
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t rows = args.integer(6), dim = args.integer(7);
    if (rows < 0 || dim < 1) throw ArgError{"layerNorm needs rows >= 0 and dim >= 1"};
    const size_t n = size_t(rows * dim);
    layer_norm_parallel(args.f32(0, n), args.f32(1, size_t(dim)), args.f32(2, size_t(dim)), rows, dim, float(args.number(8)), args.f32(3, n),
                        args.f32(4, size_t(rows)), args.f32(5, size_t(rows)));
    return undefined(env);
  });
}

// layerNormGrad(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, dim): SelfsupLayerNormGrad.
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t rows = args.integer(8), dim = args.integer(9);
    if (rows < 0 || dim < 1) throw ArgError{"layerNormGrad needs rows >= 0 and dim >= 1"};
    const size_t n = size_t(rows * dim);
    layer_norm_grad_parallel(args.f32(0, n), args.f32(1, n), args.f32(2, size_t(dim)), args.f32(3, size_t(rows)), args.f32(4, size_t(rows)), rows, dim,
                             args.f32(5, n), args.f32(6, size_t(dim)), args.f32(7, size_t(dim)));
    return undefined(env);
  });
}

// gelu(x, y): SelfsupGelu over every element of x.
napi_value Gelu(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    size_t n;
    const float* x = static_cast<const float*>(args.typed(0, &n));
    gelu_parallel(x, args.f32(1, n), int64_t(n));
    return undefined(env);
  });
}

// geluGrad(dy, x, dx): SelfsupGeluGrad over every element of x.
napi_value GeluGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    size_t n;
    const float* x = static_cast<const float*>(args.typed(1, &n));
    gelu_grad_parallel(args.f32(0, n), x, args.f32(2, n), int64_t(n));
    return undefined(env);
  });
}

// adamw(p, g, m, v, pOut, mOut, vOut, scalars): SelfsupAdamW over every element of p; scalars a
// Float32Array of the 8 attributes in the contract's order (decay, beta1, oneMinusBeta1, beta2,
// oneMinusBeta2, biasCorrection2Sqrt, eps, stepSize).
napi_value AdamW(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    size_t n;
    const float* p = static_cast<const float*>(args.typed(0, &n));
    const float* s = args.f32(7, 8);
    const AdamWScalars scalars{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
    const AdamWArrays arrays{p, args.f32(1, n), args.f32(2, n), args.f32(3, n), args.f32(4, n), args.f32(5, n), args.f32(6, n)};
    adamw_parallel(arrays, scalars, int64_t(n));
    return undefined(env);
  });
}

// clipNorm(g, clipped, norm, maxNorm): SelfsupClipNorm over every element of g; clipped as long
// as g, norm a Float32Array of 1 that receives the norm before clipping, maxNorm a number (rounded
// to float32 here, as tf.scalar rounds it).
napi_value ClipNorm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    size_t n;
    const float* g = static_cast<const float*>(args.typed(0, &n));
    float* clipped = args.f32(1, n);
    float* norm = args.f32(2, 1);
    const float max_norm = float(args.number(3));
    clip_norm_parallel(g, int64_t(n), max_norm, clipped, norm);
    return undefined(env);
  });
}

// transpose(x, out, shape, perm): 32-bit elements (float32 or int32).
napi_value Transpose(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const auto shape = args.shape(2), perm64 = args.shape(3);
    if (perm64.size() != shape.size()) throw ArgError{"perm and shape differ in length"};
    std::vector<int> perm(perm64.size());
    std::vector<bool> seen(perm64.size(), false);
    for (size_t i = 0; i < perm.size(); i++) {
      if (perm64[i] < 0 || perm64[i] >= int64_t(perm.size()) || seen[size_t(perm64[i])]) throw ArgError{"perm is not a permutation"};
      seen[size_t(perm64[i])] = true;
      perm[i] = int(perm64[i]);
    }
    size_t nx, ny;
    const auto* x = static_cast<const uint32_t*>(args.typed(0, &nx, true));
    auto* y = static_cast<uint32_t*>(args.typed(1, &ny, true));
    const int64_t total = product(shape);
    if (int64_t(nx) < total || int64_t(ny) < total) throw ArgError{"arrays shorter than the shape"};
    transpose_parallel(x, shape.data(), perm.data(), int(shape.size()), y);
    return undefined(env);
  });
}

// copyBox(src, srcShape, srcBegin, dst, dstShape, dstBegin, box): 32-bit elements.
napi_value CopyBox(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const auto src_shape = args.shape(1), src_begin = args.shape(2), dst_shape = args.shape(4), dst_begin = args.shape(5), box = args.shape(6);
    const size_t rank = box.size();
    if (src_shape.size() != rank || src_begin.size() != rank || dst_shape.size() != rank || dst_begin.size() != rank) throw ArgError{"copyBox ranks differ"};
    for (size_t i = 0; i < rank; i++) {
      if (box[i] < 0 || src_begin[i] < 0 || dst_begin[i] < 0 || src_begin[i] + box[i] > src_shape[i] || dst_begin[i] + box[i] > dst_shape[i]) {
        throw ArgError{"copyBox box out of bounds"};
      }
    }
    size_t ns, nd;
    const auto* src = static_cast<const uint32_t*>(args.typed(0, &ns, true));
    auto* dst = static_cast<uint32_t*>(args.typed(3, &nd, true));
    if (int64_t(ns) < product(src_shape) || int64_t(nd) < product(dst_shape)) throw ArgError{"copyBox arrays shorter than their shapes"};
    copy_box_parallel(src, src_shape.data(), src_begin.data(), dst, dst_shape.data(), dst_begin.data(), box.data(), int(rank));
    return undefined(env);
  });
}

// gather(x, out, batch, outer, dim, slice, indices): 32-bit elements, Int32Array indices.
napi_value Gather(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t batch = args.integer(2), outer = args.integer(3), dim = args.integer(4), slice = args.integer(5);
    size_t nx, no, ni;
    const auto* x = static_cast<const uint32_t*>(args.typed(0, &nx, true));
    auto* out = static_cast<uint32_t*>(args.typed(1, &no, true));
    napi_typedarray_type type;
    void* data;
    bool is_typed = false;
    napi_is_typedarray(env, args.at(6), &is_typed);
    if (!is_typed) throw ArgError{"gather indices must be an Int32Array"};
    napi_get_typedarray_info(env, args.at(6), &type, &ni, &data, nullptr, nullptr);
    if (type != napi_int32_array) throw ArgError{"gather indices must be an Int32Array"};
    if (batch < 1 || outer < 0 || dim < 0 || slice < 0 || int64_t(ni) % batch != 0) throw ArgError{"bad gather dimensions"};
    const int64_t n = int64_t(ni) / batch;
    if (int64_t(nx) < batch * outer * dim * slice || int64_t(no) < batch * outer * n * slice) throw ArgError{"gather arrays too short"};
    const auto* indices = static_cast<const int32_t*>(data);
    for (size_t i = 0; i < ni; i++) {
      if (indices[i] < 0 || indices[i] >= dim) throw ArgError{"gather index out of range"};
    }
    gather_parallel(x, batch, outer, dim, slice, indices, n, out);
    return undefined(env);
  });
}

// fill(dst, value): value as a float32 (Float32Array), int32 (Int32Array) or byte (Uint8Array).
napi_value Fill(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    napi_typedarray_type type;
    size_t length;
    void* data;
    bool is_typed = false;
    napi_is_typedarray(env, args.at(0), &is_typed);
    if (!is_typed) throw ArgError{"fill needs a typed array"};
    napi_get_typedarray_info(env, args.at(0), &type, &length, &data, nullptr, nullptr);
    const double value = args.number(1);
    uint32_t bits;
    if (type == napi_float32_array) {
      const float f = float(value);
      std::memcpy(&bits, &f, 4);
    } else if (type == napi_int32_array) {
      const int32_t i = int32_t(value);
      std::memcpy(&bits, &i, 4);
    } else if (type == napi_uint8_array) {
      if (!(value >= 0 && value <= 255)) throw ArgError{"fill value out of the uint8 range"};
      fill_bytes_parallel(static_cast<uint8_t*>(data), int64_t(length), uint8_t(value));
      return undefined(env);
    } else {
      throw ArgError{"fill needs a Float32Array, Int32Array or Uint8Array"};
    }
    fill_parallel(static_cast<uint32_t*>(data), int64_t(length), bits);
    return undefined(env);
  });
}

int element_bytes(Elem type) { return type == Elem::kU8 ? 1 : 4; }

// Checks that `shape` and `out_shape` broadcast (numpy/tfjs rules) to out_shape.
void check_broadcast(const std::vector<int64_t>& shape, const std::vector<int64_t>& out_shape) {
  if (shape.size() > out_shape.size()) throw ArgError{"inputs of higher rank than the output"};
  for (size_t i = 0; i < shape.size(); i++) {
    const int64_t d = shape[i], o = out_shape[i + out_shape.size() - shape.size()];
    if (d != 1 && d != o) throw ArgError{"shapes do not broadcast to the output shape"};
  }
}

// compare(op, a, aShape, b, bShape, out, outShape): a and b of one element type, out a Uint8Array.
napi_value Compare(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int op = int(args.integer(0));
    if (op < 0 || op >= kCompareOpCount) throw ArgError{"unknown comparison"};
    const auto sa = args.shape(2), sb = args.shape(4), so = args.shape(6);
    Elem ta, tb, to;
    size_t na, nb, no;
    const void* a = args.elem(1, &ta, &na);
    const void* b = args.elem(3, &tb, &nb);
    auto* out = static_cast<uint8_t*>(args.elem(5, &to, &no));
    if (ta != tb) throw ArgError{"compare inputs must have one element type"};
    if ((op == kLogicalAnd || op == kLogicalOr) && ta != Elem::kU8) throw ArgError{"logical ops take Uint8Arrays (bool)"};
    if (to != Elem::kU8) throw ArgError{"compare writes a Uint8Array"};
    if (int64_t(na) < product(sa) || int64_t(nb) < product(sb) || int64_t(no) < product(so)) throw ArgError{"compare arrays shorter than their shapes"};
    check_broadcast(sa, so);
    check_broadcast(sb, so);
    if (product(so) > 0) compare_parallel(op, ta, a, sa.data(), int(sa.size()), b, sb.data(), int(sb.size()), out, so.data(), int(so.size()));
    return undefined(env);
  });
}

// select(condition, t, e, out): condition a Uint8Array; t, e and out of one element type, as long.
napi_value Select(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    Elem tc, tt, te, to;
    size_t nc, nt, ne, no;
    const auto* condition = static_cast<const uint8_t*>(args.elem(0, &tc, &nc));
    const void* t = args.elem(1, &tt, &nt);
    const void* e = args.elem(2, &te, &ne);
    void* out = args.elem(3, &to, &no);
    if (tc != Elem::kU8) throw ArgError{"select condition must be a Uint8Array"};
    if (tt != te || tt != to) throw ArgError{"select t, e and out must have one element type"};
    if (nt < nc || ne < nc || no < nc) throw ArgError{"select arrays shorter than the condition"};
    select_parallel(condition, t, e, out, int64_t(nc), element_bytes(tt));
    return undefined(env);
  });
}

// tile(x, shape, reps, out): x and out of one element type.
napi_value Tile(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const auto shape = args.shape(1), reps = args.shape(2);
    if (reps.size() != shape.size()) throw ArgError{"tile reps and shape differ in length"};
    int64_t out_size = 1;
    for (size_t i = 0; i < shape.size(); i++) {
      if (shape[i] < 0 || reps[i] < 0) throw ArgError{"tile needs sizes and reps >= 0"};
      out_size *= shape[i] * reps[i];
    }
    Elem tx, to;
    size_t nx, no;
    const void* x = args.elem(0, &tx, &nx);
    void* out = args.elem(3, &to, &no);
    if (tx != to) throw ArgError{"tile x and out must have one element type"};
    if (int64_t(nx) < product(shape) || int64_t(no) < out_size) throw ArgError{"tile arrays shorter than their shapes"};
    if (out_size > 0) tile_parallel(x, shape.data(), reps.data(), int(shape.size()), out, element_bytes(tx));
    return undefined(env);
  });
}

// cast(x, out): converts every element of x into out (Float32Array, Int32Array or Uint8Array each).
napi_value Cast(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    Elem tx, to;
    size_t nx, no;
    const void* x = args.elem(0, &tx, &nx);
    void* out = args.elem(1, &to, &no);
    if (no < nx) throw ArgError{"cast out shorter than x"};
    cast_parallel(tx, x, to, out, int64_t(nx));
    return undefined(env);
  });
}

// argReduce(max, x, out, outer, reduced, inner): x a Float32Array or Int32Array, out an Int32Array.
napi_value ArgReduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const bool max = args.boolean(0);
    const int64_t outer = args.integer(3), reduced = args.integer(4), inner = args.integer(5);
    if (outer < 0 || reduced < 0 || inner < 0) throw ArgError{"bad argReduce dimensions"};
    Elem tx, to;
    size_t nx, no;
    const void* x = args.elem(1, &tx, &nx);
    auto* out = static_cast<int32_t*>(args.elem(2, &to, &no));
    if (tx == Elem::kU8 || to != Elem::kI32) throw ArgError{"argReduce reads a Float32Array or Int32Array into an Int32Array"};
    if (int64_t(nx) < outer * reduced * inner || int64_t(no) < outer * inner) throw ArgError{"argReduce arrays shorter than their shapes"};
    if (outer * inner > 0) arg_reduce_parallel(max, tx, x, outer, reduced, inner, out);
    return undefined(env);
  });
}

// addN([a0, a1, ...], out)
napi_value AddN(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    uint32_t count = 0;
    if (napi_get_array_length(env, args.at(0), &count) != napi_ok || count == 0) throw ArgError{"addN needs a non-empty array"};
    size_t n;
    float* out = static_cast<float*>(args.typed(1, &n));
    std::vector<const float*> inputs(count);
    for (uint32_t i = 0; i < count; i++) {
      napi_value v;
      napi_get_element(env, args.at(0), i, &v);
      bool is_typed = false;
      napi_is_typedarray(env, v, &is_typed);
      napi_typedarray_type type;
      size_t length;
      void* data;
      if (!is_typed || napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array ||
          length < n) {
        throw ArgError{"addN inputs must be Float32Arrays as long as the output"};
      }
      inputs[i] = static_cast<const float*>(data);
    }
    add_n_parallel(inputs.data(), int(count), out, int64_t(n));
    return undefined(env);
  });
}

void set_property(napi_env env, napi_value object, const char* key, napi_value value) { napi_set_named_property(env, object, key, value); }

napi_value string_value(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

napi_value number_value(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

// info(): { isa, detectedIsa, gemm, openblas, threads, hardwareThreads, compiler }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_object(env, &result);
  set_property(env, result, "isa", string_value(env, isa_name(active_isa())));
  set_property(env, result, "detectedIsa", string_value(env, isa_name(detected_isa())));
  set_property(env, result, "gemm", string_value(env, gemm_engine() == GemmEngine::kOpenBlas ? "openblas" : "builtin"));
  set_property(env, result, "openblas", string_value(env, openblas_description()));
  napi_value available;
  napi_get_boolean(env, openblas_available(), &available);
  set_property(env, result, "openblasAvailable", available);
  set_property(env, result, "threads", number_value(env, pool_threads()));
  set_property(env, result, "hardwareThreads", number_value(env, std::thread::hardware_concurrency()));
#if defined(__clang__)
  set_property(env, result, "compiler", string_value(env, std::string("clang ") + __clang_version__));
#elif defined(__GNUC__)
  set_property(env, result, "compiler", string_value(env, std::string("gcc ") + __VERSION__));
#else
  set_property(env, result, "compiler", string_value(env, "unknown"));
#endif
  return result;
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t n = args.integer(0);
    if (n < 1 || n > 1024) throw ArgError{"threads must be in [1, 1024]"};
    pool_set_threads(int(n));
    openblas_set_threads(int(n));
    return undefined(env);
  });
}

// setIsa(name) -> the instruction set now active
napi_value SetIsa(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const std::string name = args.string(0);
    Isa isa;
    if (name == "avx512") isa = Isa::kAvx512;
    else if (name == "avx2") isa = Isa::kAvx2;
    else if (name == "generic") isa = Isa::kGeneric;
    else throw ArgError{"unknown instruction set " + name};
    return string_value(env, isa_name(set_isa(isa)));
  });
}

// setGemm(name) -> true when selected
napi_value SetGemm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const std::string name = args.string(0);
    bool ok;
    if (name == "builtin") ok = set_gemm_engine(GemmEngine::kBuiltin);
    else if (name == "openblas") ok = set_gemm_engine(GemmEngine::kOpenBlas);
    else throw ArgError{"unknown gemm engine " + name};
    napi_value v;
    napi_get_boolean(env, ok, &v);
    return v;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const std::pair<const char*, napi_callback> functions[] = {
      {"matmul", Matmul},   {"biasActivation", BiasActivation}, {"unary", Unary},         {"binary", Binary},
      {"reduce", Reduce},   {"softmax", Softmax},               {"transpose", Transpose}, {"addN", AddN}, {"copyBox", CopyBox}, {"fill", Fill}, {"gather", Gather}, {"compare", Compare}, {"select", Select}, {"tile", Tile}, {"cast", Cast}, {"argReduce", ArgReduce},
      {"layerNorm", LayerNorm}, {"layerNormGrad", LayerNormGrad}, {"gelu", Gelu},               {"geluGrad", GeluGrad}, {"adamw", AdamW}, {"clipNorm", ClipNorm},
      {"info", Info},       {"setThreads", SetThreads},         {"setIsa", SetIsa},       {"setGemm", SetGemm},
  };
  for (const auto& [name, fn] : functions) {
    napi_value f;
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
    napi_set_named_property(env, exports, name, f);
  }
  return exports;
}

}  // namespace
}  // namespace selfsup

NAPI_MODULE(NODE_GYP_MODULE_NAME, selfsup::Init)
