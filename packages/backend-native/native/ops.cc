// Multi-threaded drivers of the kernels in ops_impl.h: broadcasting, reductions over
// [outer, reduced, inner] views, softmax rows, transposes, AddN and the fused-matmul epilogue.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "ops.h"
#include "pool.h"

namespace selfsup {

void unary_parallel(int op, const float* x, float* y, int64_t n, float p1, float p2) {
  const OpsTable& ops = ops_table();
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { ops.unary(op, x + begin, y + begin, end - begin, p1, p2); });
}

BroadcastPlan plan_broadcast(const int64_t* a_shape, int a_rank, const int64_t* b_shape, int b_rank, const int64_t* out_shape, int out_rank) {
  // Right-align both shapes to the output's rank; strides are 0 along broadcast axes.
  BroadcastPlan plan;
  int64_t stride_a = 1, stride_b = 1;
  int64_t rdims[kMaxRank], rsa[kMaxRank], rsb[kMaxRank];
  int rank = 0;
  for (int i = out_rank - 1; i >= 0; i--) {
    const int ia = i - (out_rank - a_rank), ib = i - (out_rank - b_rank);
    const int64_t da = ia >= 0 ? a_shape[ia] : 1, db = ib >= 0 ? b_shape[ib] : 1;
    const int64_t d = out_shape[i];
    if (d == 1) continue;  // size-1 output axes carry nothing
    rdims[rank] = d;
    rsa[rank] = da == 1 ? 0 : stride_a;
    rsb[rank] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
    rank++;
  }
  // rdims is innermost first; merge neighbours whose strides chain for both inputs.
  int q = 0;
  for (int i = 0; i < rank; i++) {
    if (q > 0 && rsa[i] == plan.sa[q - 1] * plan.dims[q - 1] && rsb[i] == plan.sb[q - 1] * plan.dims[q - 1]) {
      plan.dims[q - 1] *= rdims[i];
      continue;
    }
    plan.dims[q] = rdims[i];
    plan.sa[q] = rsa[i];
    plan.sb[q] = rsb[i];
    q++;
  }
  plan.rank = q;
  return plan;
}

void binary_parallel(int op, const float* a, const int64_t* a_shape, int a_rank, const float* b, const int64_t* b_shape, int b_rank,
                     float* out, const int64_t* out_shape, int out_rank) {
  const OpsTable& ops = ops_table();
  const BroadcastPlan plan = plan_broadcast(a_shape, a_rank, b_shape, b_rank, out_shape, out_rank);
  const int64_t ia = plan.inner_stride_a(), ib = plan.inner_stride_b();
  broadcast_runs(plan, [&](int64_t off_a, int64_t off_b, int64_t off_out, int64_t n) { ops.binary(op, a + off_a, ia, b + off_b, ib, out + off_out, n); });
}

void reduce_parallel(int op, const float* x, int64_t outer, int64_t reduced, int64_t inner, float* out) {
  const OpsTable& ops = ops_table();
  const float count = float(reduced);
  const int threads = pool_threads();
  const double init = op == kReduceMax ? -HUGE_VAL : (op == kReduceMin ? HUGE_VAL : 0.0);
  auto combine = [op](double acc, double v) {
    if (op == kSum || op == kMean) return acc + v;
    if (acc != acc || v != v) return double(NAN);
    return op == kReduceMax ? std::max(acc, v) : std::min(acc, v);
  };
  // How work splits never depends on the thread count, so results are the same for any count.
  (void)threads;
  if (inner == 1) {
    if (outer >= 8 || reduced * outer < 4 * kGrain) {
      const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, reduced));
      parallel_for(outer, grain, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; o++) out[o] = float(ops.reduce_range(op, x + o * reduced, reduced, count));
      });
      return;
    }
    // Few long rows: split each row into parts reduced in parallel, then combine the parts.
    const int64_t parts = std::min<int64_t>((reduced + kGrain - 1) / kGrain, 32);
    const int64_t step = (reduced + parts - 1) / parts;
    std::vector<double> partial(size_t(outer * parts), init);
    parallel_tasks(outer * parts, [&](int64_t t) {
      const int64_t o = t / parts, begin = (t % parts) * step, end = std::min(reduced, begin + step);
      if (begin < end) partial[size_t(t)] = ops.reduce_range(op, x + o * reduced + begin, end - begin, count);
    });
    for (int64_t o = 0; o < outer; o++) {
      double acc = init;
      for (int64_t part = 0; part < parts; part++) acc = combine(acc, partial[size_t(o * parts + part)]);
      out[o] = float(acc);
    }
    return;
  }
  // inner > 1: accumulate whole rows of `inner` values; split the reduced axis into parts when the
  // outer axis alone gives too few tasks.
  int64_t parts = 1;
  if (outer < 8 && reduced * inner >= 4 * kGrain) {
    parts = std::min<int64_t>(std::max<int64_t>(1, (8 + outer - 1) / outer), std::max<int64_t>(1, reduced / 8));
  }
  const int64_t step = (reduced + parts - 1) / parts;
  std::vector<double> partial(size_t(outer * parts * inner), init);
  parallel_tasks(outer * parts, [&](int64_t t) {
    const int64_t o = t / parts, begin = (t % parts) * step, end = std::min(reduced, begin + step);
    if (begin < end) ops.reduce_columns(op, x + (o * reduced + begin) * inner, end - begin, inner, inner, partial.data() + t * inner, count);
  });
  parallel_for(outer, std::max<int64_t>(1, kGrain / inner), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; o++) {
      for (int64_t j = 0; j < inner; j++) {
        double acc = partial[size_t(o * parts * inner + j)];
        for (int64_t part = 1; part < parts; part++) acc = combine(acc, partial[size_t((o * parts + part) * inner + j)]);
        out[o * inner + j] = float(acc);
      }
    }
  });
}

void softmax_parallel(const float* x, float* y, int64_t rows, int64_t cols) {
  const OpsTable& ops = ops_table();
  parallel_for(rows, std::max<int64_t>(1, kGrain / 4 / std::max<int64_t>(1, cols)),
               [&](int64_t begin, int64_t end) { ops.softmax_rows(x + begin * cols, y + begin * cols, end - begin, cols); });
}

void bias_activation_parallel(float* c, int64_t rows, int64_t cols, const float* bias, int bias_kind, int activation, float alpha) {
  const OpsTable& ops = ops_table();
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t begin, int64_t end) {
    ops.bias_activation(c + begin * cols, end - begin, cols, bias_kind == 3 ? bias + begin * cols : bias, bias_kind, activation, alpha);
  });
}

void transpose_parallel(const uint32_t* x, const int64_t* shape, const int* perm, int rank, uint32_t* out) {
  const OpsTable& ops = ops_table();
  // Drop size-1 axes, then merge input axes that stay neighbours in the output.
  int64_t total = 1;
  for (int i = 0; i < rank; i++) total *= shape[i];
  if (total == 0) return;
  int keep_index[kMaxRank];
  int kept = 0;
  for (int i = 0; i < rank; i++) keep_index[i] = shape[i] == 1 ? -1 : kept++;
  int p1[kMaxRank];
  int r1 = 0;
  for (int i = 0; i < rank; i++) {
    if (shape[perm[i]] != 1) p1[r1++] = keep_index[perm[i]];
  }
  int64_t s1[kMaxRank];
  for (int i = 0, k = 0; i < rank; i++) {
    if (shape[i] != 1) s1[k++] = shape[i];
  }
  // Group output positions whose input axes are consecutive.
  int64_t dims[kMaxRank];  // input dims after merging
  int perm2[kMaxRank];
  int group_of_input[kMaxRank];
  int groups = 0;
  int first_axis[kMaxRank];
  for (int i = 0; i < r1; i++) {
    if (i > 0 && p1[i] == p1[i - 1] + 1) continue;
    first_axis[groups++] = p1[i];
  }
  // Merged input axes ordered by their first original axis.
  int order[kMaxRank];
  for (int g = 0; g < groups; g++) order[g] = g;
  for (int i = 1; i < groups; i++) {  // insertion sort (at most kMaxRank items)
    const int item = order[i];
    int j = i - 1;
    while (j >= 0 && first_axis[order[j]] > first_axis[item]) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = item;
  }
  for (int k = 0; k < groups; k++) group_of_input[order[k]] = k;
  {
    int g = -1;
    for (int i = 0; i < r1; i++) {
      if (!(i > 0 && p1[i] == p1[i - 1] + 1)) {
        g++;
        dims[group_of_input[g]] = 1;
        perm2[g] = group_of_input[g];
      }
      dims[group_of_input[g]] *= s1[p1[i]];
    }
  }
  const int r = groups;
  if (r <= 1) {
    std::memcpy(out, x, size_t(total) * sizeof(uint32_t));
    return;
  }
  int64_t in_stride[kMaxRank], out_dims[kMaxRank], out_stride[kMaxRank];
  in_stride[r - 1] = 1;
  for (int i = r - 2; i >= 0; i--) in_stride[i] = in_stride[i + 1] * dims[i + 1];
  for (int i = 0; i < r; i++) out_dims[i] = dims[perm2[i]];
  out_stride[r - 1] = 1;
  for (int i = r - 2; i >= 0; i--) out_stride[i] = out_stride[i + 1] * out_dims[i + 1];
  if (perm2[r - 1] == r - 1) {
    // The innermost axis stays innermost: copy runs of dims[r - 1] contiguous elements.
    const int64_t run = dims[r - 1];
    const int64_t runs = total / run;
    parallel_for(runs, std::max<int64_t>(1, kGrain / run), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        int64_t rest = o, in_off = 0;
        for (int i = r - 2; i >= 0; i--) {
          const int64_t idx = rest % out_dims[i];
          rest /= out_dims[i];
          in_off += idx * in_stride[perm2[i]];
        }
        std::memcpy(out + o * run, x + in_off, size_t(run) * sizeof(uint32_t));
      }
    });
    return;
  }
  // Otherwise tile over (input axis b = perm2[r-1], which is output-innermost) x (input-innermost axis,
  // at output position q); loop over every other output axis.
  const int b_axis = perm2[r - 1];
  int q = 0;
  while (perm2[q] != r - 1) q++;
  const int64_t rows = dims[b_axis], cols = dims[r - 1];
  const int64_t rows_in_stride = in_stride[b_axis], cols_out_stride = out_stride[q];
  int other[kMaxRank];
  int others = 0;
  int64_t outer = 1;
  for (int i = 0; i < r - 1; i++) {
    if (i == q) continue;
    other[others++] = i;
    outer *= out_dims[i];
  }
  auto offsets = [&](int64_t o, int64_t& in_off, int64_t& out_off) {
    in_off = 0;
    out_off = 0;
    for (int k = others - 1; k >= 0; k--) {
      const int i = other[k];
      const int64_t idx = o % out_dims[i];
      o /= out_dims[i];
      in_off += idx * in_stride[perm2[i]];
      out_off += idx * out_stride[i];
    }
  };
  const int64_t plane = rows * cols;
  if (outer >= 2 * pool_threads() || plane * outer < 4 * kGrain) {
    parallel_for(outer, std::max<int64_t>(1, kGrain / plane), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        int64_t in_off, out_off;
        offsets(o, in_off, out_off);
        // in viewed as [rows (stride rows_in_stride), cols (stride 1)] -> out [cols (stride cols_out_stride), rows (stride 1)]
        ops.transpose_tile(x + in_off, rows_in_stride, out + out_off, cols_out_stride, rows, cols);
      }
    });
  } else {
    // Few big planes: split each plane into bands of 16 output rows (input columns), so that each
    // task writes its output rows front to back.
    const int64_t bands = (cols + 15) / 16;
    parallel_for(outer * bands, std::max<int64_t>(1, kGrain / (16 * rows)), [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; t++) {
        const int64_t o = t / bands, j0 = (t % bands) * 16;
        int64_t in_off, out_off;
        offsets(o, in_off, out_off);
        ops.transpose_tile(x + in_off + j0, rows_in_stride, out + out_off + j0 * cols_out_stride, cols_out_stride, rows,
                           std::min<int64_t>(16, cols - j0));
      }
    });
  }
}

void copy_box_parallel(const uint32_t* src, const int64_t* src_shape, const int64_t* src_begin, uint32_t* dst, const int64_t* dst_shape,
                       const int64_t* dst_begin, const int64_t* box, int rank) {
  int64_t total = 1;
  for (int i = 0; i < rank; i++) total *= box[i];
  if (total == 0) return;
  // Element strides of both arrays.
  int64_t ss[kMaxRank], ds[kMaxRank];
  {
    int64_t a = 1, b = 1;
    for (int i = rank - 1; i >= 0; i--) {
      ss[i] = a;
      ds[i] = b;
      a *= src_shape[i];
      b *= dst_shape[i];
    }
  }
  int64_t src_off = 0, dst_off = 0;
  for (int i = 0; i < rank; i++) {
    src_off += src_begin[i] * ss[i];
    dst_off += dst_begin[i] * ds[i];
  }
  // The innermost run grows while the box spans whole rows of both arrays.
  int inner_axis = rank - 1;
  int64_t run = rank > 0 ? box[rank - 1] : 1;
  while (inner_axis > 0 && box[inner_axis] == src_shape[inner_axis] && box[inner_axis] == dst_shape[inner_axis]) {
    inner_axis--;
    run *= box[inner_axis];
  }
  const int64_t runs = total / run;
  parallel_for(runs, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, run)), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; o++) {
      int64_t rest = o, s_off = src_off, d_off = dst_off;
      for (int i = inner_axis - 1; i >= 0; i--) {
        const int64_t idx = rest % box[i];
        rest /= box[i];
        s_off += idx * ss[i];
        d_off += idx * ds[i];
      }
      std::memcpy(dst + d_off, src + s_off, size_t(run) * sizeof(uint32_t));
    }
  });
}

void gather_parallel(const uint32_t* x, int64_t batch, int64_t outer, int64_t dim, int64_t slice, const int32_t* indices, int64_t n, uint32_t* out) {
  const int64_t rows = batch * outer * n;
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, slice)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t i = r % n, bo = r / n, b = bo / outer;
      const int64_t index = indices[b * n + i];
      std::memcpy(out + r * slice, x + (bo * dim + index) * slice, size_t(slice) * sizeof(uint32_t));
    }
  });
}

void fill_parallel(uint32_t* dst, int64_t n, uint32_t value) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) dst[i] = value;
  });
}

// The Mean kernel splits each row into parts when there are fewer than 8 long rows; the fused
// LayerNorm kernels sum rows the same way.
static bool segmented_rows(int64_t rows, int64_t dim) { return !(rows >= 8 || rows * dim < 4 * kGrain); }

void layer_norm_parallel(const float* x, const float* gamma, const float* beta, int64_t rows, int64_t dim, float eps, float* y, float* mean,
                         float* rstd) {
  const OpsTable& ops = ops_table();
  const bool segmented = segmented_rows(rows, dim);
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, dim)), [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(dim));
    ops.layer_norm_rows(x + begin * dim, gamma, beta, end - begin, dim, eps, segmented, y + begin * dim, mean + begin, rstd + begin,
                        scratch.data());
  });
}

void layer_norm_grad_parallel(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd, int64_t rows, int64_t dim,
                              float* dx, float* dgamma, float* dbeta) {
  const OpsTable& ops = ops_table();
  const bool segmented = segmented_rows(rows, dim);
  // The column sums (dgamma, dbeta) in the Sum kernel's parts: reduce_parallel over axis 0 of
  // [rows, dim] splits the rows into `parts` runs of `step`, sums each in double, then adds the
  // parts in order. Every part also computes its rows' dx.
  const int64_t parts = rows * dim >= 4 * kGrain ? std::min<int64_t>(8, std::max<int64_t>(1, rows / 8)) : 1;
  const int64_t step = (rows + parts - 1) / parts;
  std::vector<double> partial(size_t(parts * 2 * dim), 0.0);
  parallel_tasks(parts, [&](int64_t t) {
    const int64_t begin = t * step, end = std::min(rows, begin + step);
    if (begin >= end) return;
    std::vector<float> scratch(static_cast<size_t>(3 * dim));
    double* acc = partial.data() + t * 2 * dim;
    ops.layer_norm_grad_rows(dy + begin * dim, x + begin * dim, gamma, mean + begin, rstd + begin, end - begin, dim, segmented, dx + begin * dim,
                             acc, acc + dim, scratch.data());
  });
  for (int64_t j = 0; j < dim; j++) {
    double g = partial[size_t(j)], b = partial[size_t(dim + j)];
    for (int64_t part = 1; part < parts; part++) {
      g = g + partial[size_t(part * 2 * dim + j)];
      b = b + partial[size_t(part * 2 * dim + dim + j)];
    }
    dgamma[j] = float(g);
    dbeta[j] = float(b);
  }
}

void gelu_parallel(const float* x, float* y, int64_t n) {
  const OpsTable& ops = ops_table();
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { ops.gelu(x + begin, y + begin, end - begin); });
}

void gelu_grad_parallel(const float* dy, const float* x, float* dx, int64_t n) {
  const OpsTable& ops = ops_table();
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { ops.gelu_grad(dy + begin, x + begin, dx + begin, end - begin); });
}

void add_n_parallel(const float* const* inputs, int count, float* out, int64_t n) {
  const OpsTable& ops = ops_table();
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) {
    const int64_t len = end - begin;
    if (count == 1) {
      std::memcpy(out + begin, inputs[0] + begin, size_t(len) * sizeof(float));
      return;
    }
    ops.binary(kAdd, inputs[0] + begin, 1, inputs[1] + begin, 1, out + begin, len);
    for (int i = 2; i < count; i++) ops.binary(kAdd, out + begin, 1, inputs[i] + begin, 1, out + begin, len);
  });
}

}  // namespace selfsup
