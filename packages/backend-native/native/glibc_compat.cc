// Linked into the portable (prebuilt) binary only, with libstdc++ linked in statically (binding.gyp,
// selfsup_portable=1). libstdc++.a's std::random_device refers to arc4random, which glibc has only
// since 2.36, and that one reference would raise the binary's minimum glibc from 2.34 to 2.36. The
// addon never makes a random_device; this definition (hidden, so it binds inside the addon only)
// keeps the reference internal and is a correct arc4random all the same: 32 bits from getentropy
// (glibc 2.25).
#include <sys/random.h>

#include <cstdint>

extern "C" __attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value = 0;
  while (getentropy(&value, sizeof value) != 0) {
  }
  return value;
}
