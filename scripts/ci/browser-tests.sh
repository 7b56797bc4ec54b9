#!/usr/bin/env bash
# CI: the playground (apps/playground) in a real browser. Installs Debian's Chromium when missing (as
# root), builds the app to static files (`npm run build -w apps/playground`) and runs its tests (the
# unit tests in src/**/*.test.ts and the browser tests in test/*.browser.test.ts, playwright-core
# driving /usr/bin/chromium headless, no GPU):
#   - MAE-style trains 36 steps on wasm and 24 on WebGPU (Chromium's software adapter, SwiftShader):
#     the loss stays finite and falls, k-NN is shown, the attention canvas is painted, tf.memory()'s
#     tensor count is the same after every step, WebGPU gives wasm's losses;
#   - a checkpoint of a tiny `selfsup pretrain` run opens in the page with Node's [CLS] features (to
#     1e-4), a truncated file, a weights-only file and a checkpoint of another width are refused with a
#     message and leave the model untouched, the page trains on and saves a checkpoint that
#     `selfsup eval knn --checkpoint` evaluates and `selfsup pretrain --resume-from` continues.
# Screenshots go to $SELFSUP_ARTIFACT_DIR (default ${TMPDIR:-/tmp}/selfsup-ci-artifacts/playground). 140 to 210 s on 2
# loaded cores, most of it the WebGPU run (SwiftShader computes on the CPU: ~3 s per step there,
# ~0.05 s on wasm). Without root and without Chromium it says so and exits 0 (the tests would skip).
set -euo pipefail
cd "$(dirname "$0")/../.."

export SELFSUP_CHROMIUM="${SELFSUP_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$SELFSUP_CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-tests: SKIPPED: no Chromium at $SELFSUP_CHROMIUM and this is not root (apt-get install chromium)"
    exit 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
"$SELFSUP_CHROMIUM" --version

export SELFSUP_ARTIFACT_DIR="${SELFSUP_ARTIFACT_DIR:-${TMPDIR:-/tmp}/selfsup-ci-artifacts/playground}"
mkdir -p "$SELFSUP_ARTIFACT_DIR"
started=$(date +%s)
npm run build -w apps/playground
SELFSUP_REQUIRE_BROWSER=1 SELFSUP_PLAYGROUND_DIST="$PWD/apps/playground/dist" npm run test:browser -w apps/playground
# @selfsup/backend's own browser test: useBackend('webgpu') on navigator.gpu (SwiftShader), a tiny ViT
# forward and backward and three clipping + AdamW steps with the WGSL fused kernels against cpu in the
# page, no tensor leaks (~12 s)
SELFSUP_REQUIRE_BROWSER=1 npx vitest run --config packages/backend/test/browser-webgpu.config.ts
echo "browser-tests: passed in $(( $(date +%s) - started )) s; screenshots in $SELFSUP_ARTIFACT_DIR"
