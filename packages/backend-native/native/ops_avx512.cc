// The kernels of ops_impl.h compiled for AVX-512 (512-bit vectors).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu.h"
#include "ops.h"

#if SELFSUP_X86
#include <immintrin.h>
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi2,prefer-vector-width=512")
#define SELFSUP_OPS_TABLE_NAME ops_table_avx512
#include "ops_impl.h"
#pragma GCC pop_options
#else
namespace selfsup {
const OpsTable& ops_table_avx512() { return ops_table_generic(); }
}  // namespace selfsup
#endif
