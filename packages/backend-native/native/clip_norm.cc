// SelfsupClipNorm: built from the functions of the active instruction set's ops table that the
// composite's separate kernels run (ops_impl.h, compiled once per set by ops_avx512.cc,
// ops_avx2.cc and ops_generic.cc), split as those kernels split their work, so every step rounds
// as it does there:
//   squares = Square(g)              unary kSquare: g * g in float
//   total   = Sum(squares)           reduce_parallel's split of one row of n values: reduce_range
//                                    in double over the whole row, or (n >= 4 kGrain) over at most
//                                    32 parts summed in order, then rounded to float
//   norm    = Sqrt(total)            c = maxNorm / (norm + 1e-6)  (Add, RealDiv: float)
//   factor  = Select(Less(c, 1), c, 1)  (a NaN c fails the test: the gradient stays as it is)
//   clipped = Multiply(g, factor)    binary kMul with a broadcast scalar
// The squares exist only in one part's scratch at a time (each part squares its range, then sums
// it); the pass that multiplies reads g again once the norm is known.
#include "clip_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops.h"
#include "pool.h"

namespace selfsup {
namespace {

// The sum of the squares of x[0 .. n) as reduce_range sums the Square kernel's output.
double sum_of_squares(const OpsTable& ops, const float* x, int64_t n) {
  std::vector<float> squares(static_cast<size_t>(n));
  ops.unary(kSquare, x, squares.data(), n, 0.0f, 0.0f);
  return ops.reduce_range(kSum, squares.data(), n, float(n));
}

}  // namespace

void clip_norm_parallel(const float* g, int64_t n, float max_norm, float* clipped, float* norm) {
  const OpsTable& ops = ops_table();
  // reduce_parallel(kSum, squares, outer 1, reduced n, inner 1): the Sum kernel's split.
  double total = 0.0;
  if (n > 0) {
    if (n < 4 * kGrain) {
      total = sum_of_squares(ops, g, n);
    } else {
      const int64_t parts = std::min<int64_t>((n + kGrain - 1) / kGrain, 32);
      const int64_t step = (n + parts - 1) / parts;
      std::vector<double> partial(size_t(parts), 0.0);
      parallel_tasks(parts, [&](int64_t t) {
        const int64_t begin = t * step, end = std::min(n, begin + step);
        if (begin < end) partial[size_t(t)] = sum_of_squares(ops, g + begin, end - begin);
      });
      for (int64_t part = 0; part < parts; part++) total = total + partial[size_t(part)];
    }
  }
  const float sum = float(total);
  const float root = std::sqrt(sum);
  const float shifted = root + kClipNormEpsilon;
  const float coefficient = max_norm / shifted;
  const float factor = coefficient < 1.0f ? coefficient : 1.0f;
  *norm = root;
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { ops.binary(kMul, g + begin, 1, &factor, 0, clipped + begin, end - begin); });
}

}  // namespace selfsup
