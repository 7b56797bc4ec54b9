#!/usr/bin/env bash
# Runs selfsup's tests on the webgpu backend without a GPU: Dawn (npm `webgpu`) on its OpenGL ES
# backend, which Mesa's software rasteriser (llvmpipe) serves through a surfaceless EGL display.
# This checks the WebGPU code path (shaders, limits, readback, kernel fixes), not GPU speed.
#
# What runs, with SELFSUP_TEST_BACKEND=webgpu SELFSUP_WEBGPU_BACKEND=opengles:
#   - every parity test (*.parity.test.ts) and every other test that reads a reference fixture
#     (loadFixture), at the float32 tolerances stated in each test;
#   - the webgpu-specific tests (backend selection, op-by-op webgpu-vs-cpu comparison,
#     custom-gradient ops, deferred expectClose, an iBOT step against cpu), which also run in the
#     ordinary suite.
# The rest of the suite is not run here: many tests read results with dataSync(), which has no
# Node.js implementation on webgpu (see docs/concepts/backends.md#gpu).
#
# Needs Mesa's EGL and GL ES: installed with apt-get when missing and running as root; otherwise
# the script says so and exits 0 without testing.
#
# Usage: bash scripts/ci/webgpu-tests.sh          the subset above (about 40 s on 2 cores)
#        bash scripts/ci/webgpu-tests.sh --all    the whole suite on webgpu (about 6 min; tests that
#                                                 read with dataSync fail, so it is informational)
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

mapfile -t parity < <(find packages/*/src -name '*.parity.test.ts' | sort)
mapfile -t fixtures < <(grep -rl --include='*.test.ts' 'loadFixture' packages/*/src | grep -v '\.parity\.test\.ts$' | sort)
webgpu_tests=(
  packages/backend/src/use-backend-webgpu.test.ts
  packages/testing/src/webgpu-ops.test.ts
  packages/testing/src/matchers-webgpu.test.ts
  packages/backbones/src/webgpu-custom-ops.test.ts
  packages/ibot/src/ibot/ibot-train-step-webgpu.test.ts
)

start=$(date +%s)
if [ "${1:-}" = "--all" ]; then
  npx vitest run || { echo "webgpu-tests: the whole suite on webgpu failed after $(($(date +%s) - start)) s (see above)"; exit 1; }
  echo "webgpu-tests: the whole suite passed on webgpu in $(($(date +%s) - start)) s"
  exit 0
fi
npx vitest run "${parity[@]}" "${fixtures[@]}" "${webgpu_tests[@]}"
echo "webgpu-tests: passed in $(($(date +%s) - start)) s on the software adapter"
