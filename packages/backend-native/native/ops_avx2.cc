// The kernels of ops_impl.h compiled for AVX2 + FMA (256-bit vectors).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu.h"
#include "ops.h"

#if SELFSUP_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2")
#define SELFSUP_OPS_TABLE_NAME ops_table_avx2
#include "ops_impl.h"
#pragma GCC pop_options
#else
namespace selfsup {
const OpsTable& ops_table_avx2() { return ops_table_generic(); }
}  // namespace selfsup
#endif
