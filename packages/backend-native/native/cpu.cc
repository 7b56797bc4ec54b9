#include "cpu.h"

#include <atomic>

namespace selfsup {
namespace {

Isa detect() {
#if SELFSUP_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
#endif
  return Isa::kGeneric;
}

std::atomic<int> active{-1};

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  int value = active.load(std::memory_order_relaxed);
  if (value < 0) {
    value = static_cast<int>(detected_isa());
    active.store(value, std::memory_order_relaxed);
  }
  return static_cast<Isa>(value);
}

Isa set_isa(Isa isa) {
  const int capped = static_cast<int>(isa) < static_cast<int>(detected_isa()) ? static_cast<int>(isa) : static_cast<int>(detected_isa());
  active.store(capped, std::memory_order_relaxed);
  return static_cast<Isa>(capped);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "generic";
  }
}

}  // namespace selfsup
