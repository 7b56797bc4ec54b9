#!/usr/bin/env bash
# Runs selfsup's whole test suite on the webgpu backend without a GPU, then a memory soak: Dawn
# (npm `webgpu`) on its OpenGL ES backend, which Mesa's software rasteriser (llvmpipe) serves
# through a surfaceless EGL display. This checks the WebGPU code path (shaders, limits, readback,
# kernel fixes, memory), not GPU speed.
#
# What runs, with SELFSUP_TEST_BACKEND=webgpu SELFSUP_WEBGPU_BACKEND=opengles:
#   1. every test of the repository (`vitest run`): every parity test (*.parity.test.ts) and every
#      test that reads a reference fixture at the float32 tolerances stated in each test, the
#      webgpu-specific tests (backend selection, op-by-op webgpu-vs-cpu comparison, custom-gradient
#      ops, deferred expectClose, an iBOT step and DINOv2-style targets against cpu), and the rest;
#      tests read tensors with `await data()` (dataSync throws on webgpu in Node.js);
#   2. the soak (scripts/soak.ts): SELFSUP_SOAK_STEPS (default 100; 0 skips it) steps of a tiny iBOT
#      recipe through trainStep; fails when the tensor count, the bytes of the buffers in use or
#      their count grows after the warm-up, or the buffer pool does not settle. The 1000-step run is
#      recorded in docs/concepts/backends.md#gpu.
# Measured here (2 shared cores, Mesa 22.3.6 llvmpipe): the suite (1261 tests) in 163 s, the
# 100-step soak in 80 s, 4 min in all (the suite took up to 3.5 min when the machine was busy);
# well under CI's 90 minutes, so no subset is needed.
#
# Tests skipped on webgpu, with the reason each prints (vitest --reporter=verbose shows it):
#   - packages/backend/src/use-backend-webgpu.test.ts, "says what to install when Dawn finds no
#     Vulkan adapter" and "auto skips webgpu ... without a GPU": once the process runs on webgpu,
#     navigator.gpu and a device exist and the no-adapter path cannot be reached (they run in the
#     ordinary cpu suite);
#   - and, as in the ordinary suite on this machine, the tests that need Debian's Fashion-MNIST files
#     (packages/data) or a required native build (SELFSUP_REQUIRE_NATIVE, packages/backend-native).
# Tests of other backends (wasm, native, cpu kernel fixes) switch to their backend and back, and run.
#
# Needs Mesa's EGL and GL ES: installed with apt-get when missing and running as root; otherwise
# the script says so and exits 0 without testing.
#
# Usage: bash scripts/ci/webgpu-tests.sh            the whole suite, then the soak
#        bash scripts/ci/webgpu-tests.sh --subset   parity, fixture and webgpu tests only (about
#                                                   1 min), no soak: a quick check while working
set -euo pipefail
cd "$(dirname "$0")/../.."

MESA_PACKAGES=(libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri)

missing=()
for package in "${MESA_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "webgpu-tests: SKIPPED: Mesa's EGL/GL ES packages are missing (${missing[*]}) and this is not root;"
    echo "webgpu-tests: install them with: sudo apt-get install -y ${MESA_PACKAGES[*]}"
    exit 0
  fi
  echo "webgpu-tests: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MESA_PACKAGES[@]}" >/dev/null
fi

for module in webgpu @tensorflow/tfjs-backend-webgpu; do
  if [ ! -e "node_modules/$module/package.json" ]; then
    echo "webgpu-tests: node_modules/$module is missing: run npm ci first (it is a root devDependency)" >&2
    exit 1
  fi
done

export SELFSUP_TEST_BACKEND=webgpu
export SELFSUP_WEBGPU_BACKEND=opengles
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"

# The adapter, in one line, before the tests (and a clear failure if there is none).
npm run --silent example -- scripts/ci/webgpu-adapter.ts

start=$(date +%s)
if [ "${1:-}" = "--subset" ]; then
  mapfile -t parity < <(find packages/*/src -name '*.parity.test.ts' | sort)
  mapfile -t fixtures < <(grep -rl --include='*.test.ts' 'loadFixture' packages/*/src | grep -v '\.parity\.test\.ts$' | sort)
  mapfile -t webgpu_tests < <(find packages/*/src -name '*webgpu*.test.ts' | sort)
  npx vitest run "${parity[@]}" "${fixtures[@]}" "${webgpu_tests[@]}"
  echo "webgpu-tests: the subset passed in $(($(date +%s) - start)) s on the software adapter"
  exit 0
fi

npx vitest run 2>&1 | grep -v '^Warning: maxDynamic' || {
  echo "webgpu-tests: the whole suite on webgpu failed after $(($(date +%s) - start)) s (see above)"
  exit 1
}
suite=$(($(date +%s) - start))
echo "webgpu-tests: the whole suite passed on webgpu in $suite s"

steps="${SELFSUP_SOAK_STEPS:-100}"
if [ "$steps" != 0 ]; then
  soak_start=$(date +%s)
  npm run --silent soak -- --backend webgpu --steps "$steps" 2>&1 | grep -v '^Warning: maxDynamic' || {
    echo "webgpu-tests: the $steps-step soak on webgpu failed (see above)"
    exit 1
  }
  echo "webgpu-tests: the $steps-step soak held steady in $(($(date +%s) - soak_start)) s"
fi
echo "webgpu-tests: passed in $(($(date +%s) - start)) s on the software adapter (suite $suite s)"
