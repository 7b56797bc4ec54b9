// Instruction-set selection: the best the CPU and OS support, or a lower one on request
// (tests run every kernel family on each).
#pragma once

namespace selfsup {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

/** The best instruction set this CPU supports (and this build can use). */
Isa detected_isa();

/** The instruction set kernels use now (detected_isa() unless lowered by set_isa). */
Isa active_isa();

/** Uses `isa` from now on, capped at detected_isa(); returns the instruction set now active. */
Isa set_isa(Isa isa);

const char* isa_name(Isa isa);

}  // namespace selfsup

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define SELFSUP_X86 1
#define SELFSUP_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi2")))
#define SELFSUP_TARGET_AVX2 __attribute__((target("avx2,fma,bmi2")))
#else
#define SELFSUP_X86 0
#define SELFSUP_TARGET_AVX512
#define SELFSUP_TARGET_AVX2
#endif
