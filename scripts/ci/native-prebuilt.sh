#!/usr/bin/env bash
# CI: @selfsup/backend-native installed from packed tarballs, the way users get it from npm, in a
# project outside the workspace (plain npm, no workspace links, no source condition):
#   - the platform package's tarball holds the prebuilt binary, and the binary is portable
#     (no libstdc++ dependency, glibc <= 2.34, AVX code only in the run-time-dispatched kernels);
#   - --ignore-scripts: the prebuilt is used (npm's allowScripts cannot take the backend away);
#   - a normal install: the install script sees the prebuilt load and builds nothing;
#   - --omit=optional: no platform package, so the install script builds from source;
#   - --omit=optional --ignore-scripts, and SELFSUP_NATIVE_SKIP_BUILD=1: no binary, and the runtime
#     (nativeBinaryInfo, and useBackend('auto')'s fallback line) says why.
# Exits non-zero on the first failure. Needs the workspace installed (npm ci); builds what it packs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/selfsup-native-prebuilt.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "native-prebuilt: FAIL: $*" >&2
  exit 1
}

step "build @selfsup/backend-native (its build also builds the platform package's binary) and @selfsup/backend (turbo)"
npx turbo run build --output-logs=errors-only --filter=@selfsup/backend-native... --filter=@selfsup/backend...

step "pack"
tarballs="$work/tarballs"
mkdir -p "$tarballs"
npm pack --silent --pack-destination "$tarballs" -w @selfsup/core -w @selfsup/backend -w @selfsup/backend-native >/dev/null
# the platform package is not a workspace (see packages/backend-native/scripts/prebuilt.mjs)
npm pack --silent --pack-destination "$tarballs" ./packages/backend-native/npm/linux-x64-gnu >/dev/null
npm pack --silent --pack-destination "$tarballs" "$root/node_modules/@tensorflow/tfjs-core" >/dev/null
ls -l "$tarballs"
platform_tgz=$(ls "$tarballs"/selfsup-backend-native-linux-x64-gnu-*.tgz)
native_tgz=$(ls "$tarballs"/selfsup-backend-native-0*.tgz)

step "the platform tarball holds the prebuilt binary and nothing else; backend-native's holds what the build from source needs"
contents=$(tar -tzf "$platform_tgz" | sort | tr '\n' ' ')
[ "$contents" = "package/README.md package/package.json package/selfsup_native.node " ] ||
  [ "$contents" = "package/LICENSE package/README.md package/package.json package/selfsup_native.node " ] ||
  fail "unexpected contents of $(basename "$platform_tgz"): $contents"
native_files=$(tar -tzf "$native_tgz")
for file in scripts/install.mjs scripts/node-gyp.mjs binding.gyp native/glibc_compat.cc dist/index.js; do
  grep -qx "package/$file" <<<"$native_files" || fail "the backend-native tarball lacks $file"
done
if grep -qE '^package/(build|npm)/' <<<"$native_files"; then fail "the backend-native tarball ships build/ or npm/"; fi

step "the prebuilt binary is portable"
mkdir -p "$work/platform" && tar -xzf "$platform_tgz" -C "$work/platform"
binary="$work/platform/package/selfsup_native.node"
if command -v readelf >/dev/null && command -v objdump >/dev/null; then
  needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  echo "needs: $needed"
  case "$needed" in *libstdc++*) fail "the prebuilt links libstdc++ dynamically ($needed)" ;; esac
  newest_glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -u | tail -n 1)
  echo "newest glibc symbol: $newest_glibc"
  case "$newest_glibc" in GLIBC_2.3[5-9] | GLIBC_2.[4-9]*) fail "the prebuilt needs $newest_glibc (README promises glibc 2.34)" ;; esac
  # AVX/AVX-512 instructions only in the kernels chosen by CPU detection: ops_avx2, ops_avx512, and
  # gemm.cc's *_avx2/*_avx512 functions. Anything else with VEX code would crash on an older x86-64.
  objects="$root/packages/backend-native/npm/linux-x64-gnu/.build/build/Release"
  [ -d "$objects" ] || fail "no object files under $objects (the build leaves them)"
  while IFS= read -r object; do
    case "$(basename "$object")" in ops_avx2.o | ops_avx512.o) continue ;; esac
    offenders=$(objdump -d --no-show-raw-insn -C "$object" |
      awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 } /%[yz]mm|\tv[a-z0-9]+ / { if (fn !~ /avx2|avx512/) bad[fn] = 1 } END { for (f in bad) print f }')
    [ -z "$offenders" ] || fail "$(basename "$object") has AVX code outside the dispatched kernels: $offenders"
  done < <(find "$objects" -name '*.o')
  echo "AVX code only in the dispatched kernels"
else
  echo "readelf/objdump not found: portability checks skipped"
fi

# The consumer: a checker that reports which binary loaded and, when one did, compares a matrix
# product on the native backend with the cpu backend.
cat >"$work/check.mjs" <<'EOF'
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { NATIVE_BACKEND_NAME, nativeBinaryInfo, registerNativeBackend } from '@selfsup/backend-native';

const [expected, ...phrases] = process.argv.slice(2);
const binary = nativeBinaryInfo();
console.log(binary.source ? `native binary: ${binary.summary}` : `no native binary: ${binary.reason}`);
const fail = (message) => {
  console.error(`check: ${message}`);
  process.exit(1);
};
if ((binary.source ?? 'none') !== expected) fail(`expected ${expected}, got ${binary.source ?? 'none'}`);
for (const phrase of phrases) if (!`${binary.summary} ${binary.reason ?? ''}`.includes(phrase)) fail(`the message lacks "${phrase}"`);
if (binary.source) {
  if (!(await registerNativeBackend({ threads: 2 }))) fail('registerNativeBackend returned false');
  const product = async (backend) => {
    await tf.setBackend(backend);
    const a = tf.tensor2d(Float32Array.from({ length: 33 * 47 }, (_, i) => Math.sin(i)), [33, 47]);
    const b = tf.tensor2d(Float32Array.from({ length: 47 * 21 }, (_, i) => Math.cos(i)), [47, 21]);
    return tf.matMul(a, b).data();
  };
  const cpu = await product('cpu');
  const native = await product(NATIVE_BACKEND_NAME);
  const difference = Math.max(...cpu.map((value, i) => Math.abs(value - native[i])));
  if (!(difference < 1e-4)) fail(`native matMul differs from cpu by ${difference}`);
  console.log(`matMul [33, 47] x [47, 21] on ${tf.getBackend()} equals cpu (max difference ${difference.toExponential(1)})`);
}
EOF

# A fresh project in $work/<name>: @selfsup/backend-native and tfjs-core from the tarballs, its
# @selfsup dependencies (the platform package included, still an optional dependency) resolved to
# the tarballs through overrides; $extra adds more direct dependencies.
project() {
  local name=$1 extra=${2:-}
  local dir="$work/$name"
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "native-prebuilt-$name",
  "private": true,
  "type": "module",
  "dependencies": {
    $extra
    "@selfsup/backend-native": "file:$native_tgz",
    "@tensorflow/tfjs-core": "file:$(ls "$tarballs"/tensorflow-tfjs-core-*.tgz)"
  },
  "overrides": {
    "@selfsup/core": "file:$(ls "$tarballs"/selfsup-core-*.tgz)",
    "@selfsup/backend-native": "\$@selfsup/backend-native",
    "@selfsup/backend-native-linux-x64-gnu": "file:$platform_tgz"
  }
}
EOF
  cp "$work/check.mjs" "$dir/check.mjs"
  echo "$dir"
}

npm_install() {
  local dir=$1
  shift
  (cd "$dir" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@")
}

step "npm install --ignore-scripts: the prebuilt is used, nothing was built"
dir=$(project ignore-scripts)
npm_install "$dir" --ignore-scripts
[ -f "$dir/node_modules/@selfsup/backend-native-linux-x64-gnu/selfsup_native.node" ] || fail "the platform package was not installed"
[ ! -e "$dir/node_modules/@selfsup/backend-native/build" ] || fail "something was built although scripts were off"
(cd "$dir" && node check.mjs prebuilt "prebuilt @selfsup/backend-native-linux-x64-gnu@")

step "npm install: the install script finds the prebuilt loading and builds nothing"
dir=$(project scripts)
start=$(date +%s)
npm_install "$dir" --foreground-scripts
echo "installed in $(($(date +%s) - start)) s"
[ ! -e "$dir/node_modules/@selfsup/backend-native/build/Release" ] || fail "the install built from source although the prebuilt loads"
grep -q '"outcome": "prebuilt"' "$dir/node_modules/@selfsup/backend-native/build/install-status.json" || fail "the install did not record the prebuilt"
(cd "$dir" && node check.mjs prebuilt "prebuilt @selfsup/backend-native-linux-x64-gnu@")

step "npm install --omit=optional: no platform package, the install script builds from source"
dir=$(project omit-optional)
npm_install "$dir" --omit=optional
[ ! -e "$dir/node_modules/@selfsup/backend-native-linux-x64-gnu" ] || fail "--omit=optional installed the platform package"
if command -v c++ >/dev/null || command -v g++ >/dev/null; then
  (cd "$dir" && node check.mjs source "built from source at install (@selfsup/backend-native-linux-x64-gnu is not installed")
else
  (cd "$dir" && node check.mjs none "the build from source failed at install" "install.log")
fi

step "npm install --omit=optional --ignore-scripts: no binary, and every message says why"
dir=$(project no-binary "\"@selfsup/backend\": \"file:$(ls "$tarballs"/selfsup-backend-0*.tgz)\",")
npm_install "$dir" --omit=optional --ignore-scripts
(cd "$dir" && node check.mjs none "@selfsup/backend-native-linux-x64-gnu is not installed" "install script of @selfsup/backend-native never ran" "--ignore-scripts")
cat >"$dir/auto.mjs" <<'EOF'
import { useBackend } from '@selfsup/backend';
const info = await useBackend('auto', { threads: 1 });
console.log(`${info.name}: ${info.reason}`);
if (info.name === 'native' || !/skipped .*native \(no native binary for linux-x64-gnu: .*install script of @selfsup\/backend-native never ran/.test(info.reason)) {
  console.error("useBackend('auto') does not say why native was skipped");
  process.exit(1);
}
EOF
(cd "$dir" && node auto.mjs)

step "SELFSUP_NATIVE_SKIP_BUILD=1 npm install --omit=optional: the runtime says the build was skipped on purpose"
dir=$(project skip-build)
SELFSUP_NATIVE_SKIP_BUILD=1 npm_install "$dir" --omit=optional
(cd "$dir" && node check.mjs none "skipped on purpose (SELFSUP_NATIVE_SKIP_BUILD=1 at install)" "unset SELFSUP_NATIVE_SKIP_BUILD")

step "native-prebuilt: all checks passed"
