// SelfsupAdamW: the loop of adamw_impl.h compiled for AVX-512, AVX2 and the baseline target (as
// ops_avx512.cc, ops_avx2.cc and ops_generic.cc compile ops_impl.h), chosen by active_isa(), and
// split over the pool in ranges of kGrain elements like the element-wise kernels.
#include "adamw.h"

#include <cmath>
#include <cstdint>

#include "cpu.h"
#include "ops.h"
#include "pool.h"

#if defined(__clang__)
#define SELFSUP_ADAMW_NO_CONTRACT
#else
#define SELFSUP_ADAMW_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#endif

namespace selfsup {
namespace {

#define SELFSUP_ADAMW_NAME adamw_generic
#include "adamw_impl.h"
#undef SELFSUP_ADAMW_NAME

#if SELFSUP_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2")
#define SELFSUP_ADAMW_NAME adamw_avx2
#include "adamw_impl.h"
#undef SELFSUP_ADAMW_NAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi2,prefer-vector-width=512")
#define SELFSUP_ADAMW_NAME adamw_avx512
#include "adamw_impl.h"
#undef SELFSUP_ADAMW_NAME
#pragma GCC pop_options
#endif

using AdamWRange = void (*)(const AdamWArrays&, const AdamWScalars&, int64_t, int64_t);

AdamWRange adamw_range() {
#if SELFSUP_X86
  switch (active_isa()) {
    case Isa::kAvx512:
      return adamw_avx512;
    case Isa::kAvx2:
      return adamw_avx2;
    default:
      return adamw_generic;
  }
#else
  return adamw_generic;
#endif
}

}  // namespace

void adamw_parallel(const AdamWArrays& arrays, const AdamWScalars& scalars, int64_t n) {
  const AdamWRange range = adamw_range();
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { range(arrays, scalars, begin, end); });
}

}  // namespace selfsup
