// The kernels of ops_impl.h compiled for the baseline target (SSE2 on x86-64, NEON on arm64).
#define SELFSUP_OPS_TABLE_NAME ops_table_generic
#include "ops_impl.h"

#include "cpu.h"

namespace selfsup {

const OpsTable& ops_table() {
  switch (active_isa()) {
    case Isa::kAvx512:
      return ops_table_avx512();
    case Isa::kAvx2:
      return ops_table_avx2();
    default:
      return ops_table_generic();
  }
}

}  // namespace selfsup
