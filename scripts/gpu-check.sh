#!/usr/bin/env bash
# The GPU check, from the GPU bundle alone (npm run gpu-bundle builds it): for a borrowed GPU
# machine that has its driver, Python and PyTorch, but no Node.js, npm or Debian packages.
#
#   bash scripts/gpu-check.sh              on a GPU (Dawn's Vulkan backend on the NVIDIA driver)
#   bash scripts/gpu-check.sh --software   on a machine without a GPU: Dawn's OpenGL ES backend on
#                                          the machine's Mesa (llvmpipe), small sizes; checks the
#                                          bundle itself, measures nothing about GPUs
#   extra flags go to the check: size flags (--batch 32, --workloads vit, ...), --budget-seconds S,
#   --keep (leave the unpacked folder in place and print where it is)
#
# The bundle is SELFSUP_GPU_BUNDLE, else the folder this script sits in when it holds MANIFEST.json
# (bash .gpu-bundle/gpu-check.sh), else .gpu-bundle/ beside scripts/. It is unpacked into a new
# temporary folder: Node.js, dawn.node, the JavaScript, and the Debian loader packages with
# `dpkg -x` into that folder (nothing outside it is written); LD_LIBRARY_PATH points there.
#
# Steps: print the machine's GPU (nvidia-smi) and the Vulkan driver found, then the WebGPU adapter;
# check two training steps on the GPU against cpu (loss and gradient norm within rtol 1e-3,
# atol 1e-5); time the ViT-S/16 training step (224x224, batch 64) and the iBOT iteration on webgpu
# and in PyTorch (python3 scripts/bench/torch-webgpu-reference.py; CUDA when torch sees the GPU);
# print one JSON line with everything, also written to $OUT/gpu-check.json when OUT is set (with
# the log in $OUT/gpu-check.log). Exit 0 when the adapter was found, the check passed and every
# webgpu row ran. The whole run stays under 8 minutes (a watchdog stops it at 470 s).
set -uo pipefail

software=0
keep=0
pass=()
for arg in "$@"; do
  case "$arg" in
    --software) software=1 ;;
    --keep) keep=1 ;;
    *) pass+=("$arg") ;;
  esac
done

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${SELFSUP_GPU_BUNDLE:-}" ]; then
  bundle=$SELFSUP_GPU_BUNDLE
elif [ -f "$script_dir/MANIFEST.json" ]; then
  bundle=$script_dir
else
  bundle=$script_dir/../.gpu-bundle
fi
if [ ! -f "$bundle/MANIFEST.json" ]; then
  echo "gpu-check: no GPU bundle at $bundle (MANIFEST.json missing): build it with npm run gpu-bundle" >&2
  exit 2
fi
bundle=$(cd "$bundle" && pwd)

started=$(date +%s)
out_dir=${OUT:-}
log_file=/dev/null
if [ -n "$out_dir" ]; then
  mkdir -p "$out_dir"
  log_file=$out_dir/gpu-check.log
  : >"$log_file"
fi
say() { echo "gpu-check: $*" | tee -a "$log_file" >&2; }

# A JSON line for a failure before the check could run (the check prints its own otherwise).
fail_json() {
  local reason=${1//\"/\'}
  local line="{\"kind\":\"selfsup-gpu-check\",\"ok\":false,\"mode\":\"$([ $software = 1 ] && echo software || echo gpu)\",\"error\":\"$reason\",\"seconds\":$(($(date +%s) - started))}"
  echo "$line"
  [ -n "$out_dir" ] && echo "$line" >"$out_dir/gpu-check.json"
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/selfsup-gpu-check.XXXXXX") || fail_json "mktemp failed"
if [ "$keep" = 1 ]; then
  say "unpacked into $work (kept: --keep)"
else
  trap 'rm -rf "$work"' EXIT
fi

# --- unpack ----------------------------------------------------------------------------------
unxz_to() { # source target
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
command -v dpkg >/dev/null 2>&1 || fail_json "dpkg is not installed: it unpacks the Vulkan loader packages (dpkg -x)"
mkdir -p "$work/bin" "$work/root"
unxz_to "$bundle/node.xz" "$work/bin/node" || fail_json "could not decompress node.xz"
chmod +x "$work/bin/node"
cp -R "$bundle/app" "$work/app" || fail_json "could not copy app/"
mkdir -p "$work/app/node_modules/webgpu/dist/linux-x64"
unxz_to "$bundle/dawn.node.xz" "$work/app/node_modules/webgpu/dist/linux-x64/dawn.node" || fail_json "could not decompress dawn.node.xz"
for deb in "$bundle"/debs/*.deb; do
  dpkg -x "$deb" "$work/root" || fail_json "dpkg -x $(basename "$deb") failed"
done
libdir=$work/root/usr/lib/x86_64-linux-gnu
# Dawn's OpenGL ES backend opens libEGL.so (the development name), which libegl1 does not ship.
ln -sf libEGL.so.1 "$libdir/libEGL.so"
say "unpacked $(basename "$bundle") into $work in $(($(date +%s) - started)) s: $("$work/bin/node" --version 2>&1)"

ld_path=$libdir
# The NVIDIA driver's libraries (the Vulkan ICD's libGLX_nvidia.so.0) where a container mounts them.
for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$dir" ] && ld_path=$ld_path:$dir
done
export LD_LIBRARY_PATH=$ld_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# --- the driver ------------------------------------------------------------------------------
if [ "$software" = 1 ]; then
  export SELFSUP_WEBGPU_BACKEND=opengles
  export EGL_PLATFORM=${EGL_PLATFORM:-surfaceless}
  if ! ls /usr/share/glvnd/egl_vendor.d/*mesa*.json >/dev/null 2>&1; then
    say "no Mesa EGL vendor (/usr/share/glvnd/egl_vendor.d/50_mesa.json): the software adapter needs apt-get install libegl-mesa0 libgl1-mesa-dri"
  fi
  say "software adapter: Dawn's OpenGL ES backend on Mesa (EGL_PLATFORM=$EGL_PLATFORM)"
else
  if command -v nvidia-smi >/dev/null 2>&1; then
    say "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
  else
    say "nvidia-smi: not found"
  fi
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    # The loader's own search path first; where it holds no NVIDIA driver, the container's mount.
    default_icd=$(ls /usr/local/etc/vulkan/icd.d/nvidia*.json /usr/local/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json /usr/share/vulkan/icd.d/nvidia*.json 2>/dev/null | head -1)
    if [ -n "$default_icd" ]; then
      say "Vulkan driver: $default_icd (the loader's default search path)"
    else
      icd=""
      for candidate in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd.json; do
        [ -f "$candidate" ] && { icd=$candidate; break; }
      done
      [ -z "$icd" ] && icd=$(find /usr/local/nvidia /usr/share /etc /usr/lib /opt -maxdepth 6 -name 'nvidia_icd*.json' 2>/dev/null | head -1)
      if [ -n "$icd" ]; then
        export VK_DRIVER_FILES=$icd
        say "Vulkan driver: VK_DRIVER_FILES=$icd"
      else
        say "Vulkan driver: no nvidia_icd.json found (looked in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d, /usr/local/nvidia)"
      fi
    fi
  else
    say "Vulkan driver: VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-} (as set)"
  fi
fi

# --- the adapter, with a fallback to the driver's OpenGL ES ---------------------------------
cd "$work" || fail_json "cd $work failed"
node_run() { "$work/bin/node" "$work/app/run.mjs" "$@"; }
probe_adapter() { # the adapter alone, at most 90 s (a driver that hangs must not eat the whole run)
  if command -v timeout >/dev/null 2>&1; then timeout -k 5 90 "$work/bin/node" "$work/app/run.mjs" adapter; else node_run adapter; fi
}
if ! adapter_line=$(probe_adapter 2>>"$log_file"); then
  adapter_line=""
  # Without Vulkan, Dawn's OpenGL ES backend can still reach the GPU through the driver's EGL.
  nvidia_egl=$(ls /usr/share/glvnd/egl_vendor.d/*nvidia*.json /usr/local/nvidia/share/glvnd/egl_vendor.d/*nvidia*.json 2>/dev/null | head -1)
  if [ "$software" = 0 ] && [ -z "${SELFSUP_WEBGPU_BACKEND:-}" ] && [ -n "$nvidia_egl" ]; then
    say "no Vulkan adapter; trying Dawn's OpenGL ES backend on the driver's EGL ($nvidia_egl)"
    export SELFSUP_WEBGPU_BACKEND=opengles __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia_egl
    adapter_line=$(probe_adapter 2>>"$log_file") || adapter_line=""
  fi
fi
if [ -z "$adapter_line" ]; then
  say "no WebGPU adapter; the Vulkan loader's report follows (VK_LOADER_DEBUG=error,warn)"
  VK_LOADER_DEBUG=error,warn probe_adapter 2>&1 | tail -20 | tee -a "$log_file" >&2
fi
say "adapter: $(echo "$adapter_line" | grep -o '"summary":"[^"]*"' || echo none)"

# --- the check and the benchmark -------------------------------------------------------------
args=(gpu-check)
[ "$software" = 1 ] && args+=(--software)
[ -n "$out_dir" ] && args+=(--out "$out_dir/gpu-check.json")
left=$((460 - ($(date +%s) - started)))
[ "$software" = 0 ] && [ "$left" -lt 60 ] && fail_json "only $left s of the 460 s left after finding the adapter"
[ "$software" = 0 ] && args+=(--budget-seconds "$((left - 20))")
export SELFSUP_PYTHON=${SELFSUP_PYTHON:-python3}
say "running: node run.mjs ${args[*]} ${pass[*]+${pass[*]}} (python: $SELFSUP_PYTHON)"
watchdog=()
if [ "$software" = 0 ] && command -v timeout >/dev/null 2>&1; then watchdog=(timeout -k 5 "$left"); fi
${watchdog[@]+"${watchdog[@]}"} "$work/bin/node" "$work/app/run.mjs" "${args[@]}" ${pass[@]+"${pass[@]}"} >"$work/result.json" 2> >(tee -a "$log_file" >&2)
status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  fail_json "stopped by the watchdog after $left s"
fi
if ! grep -q '^{' "$work/result.json"; then
  fail_json "the check exited with status $status and printed no result (see the log above)"
fi
cat "$work/result.json"
say "finished in $(($(date +%s) - started)) s (exit $status)"
exit "$status"
