#!/usr/bin/env bash
# CI: the children of the native and vit-step benchmarks and the PyTorch reference scripts still run
# and print their JSON line, at the smallest sizes (the webgpu benchmark's worker and the distributed
# benchmarks' children are not covered here)
# (seconds each; timings mean nothing here). The benchmarks themselves (`npm run bench`) are too long
# for CI, and a child that stopped working would otherwise only show as a "failed (...)" row:
#   - native-bench-worker.ts (npm run bench native): vit, swin, ibot, gemm and soak on native (cpu
#     when the addon is missing);
#   - vit-step-worker.ts (npm run bench vit-step) on cpu;
#   - the PyTorch side, when /usr/bin/python3 (or SELFSUP_PYTHON) imports torch: torch-reference.py
#     gemm and vit-step under torch-process-usage.py, torch-webgpu-reference.py ibot --device cpu,
#     torch-swin-reference.py swin-step, and its parity with the official Swin (fixtures/reference/swin.json.gz).
set -euo pipefail
cd "$(dirname "$0")/../.."

fail=0
# runs a command, checks that its last stdout line is a JSON object
expect_json() {
  local name=$1
  shift
  local out status=0
  out=$("$@" 2>/tmp/bench-smoke-stderr) || status=$?
  if [ "$status" -ne 0 ]; then
    echo "bench-smoke: FAIL $name (exit code $status): $(tail -3 /tmp/bench-smoke-stderr)"
    fail=1
    return
  fi
  if [[ "$(printf '%s\n' "$out" | tail -1)" != \{* ]]; then
    echo "bench-smoke: FAIL $name: no JSON line on stdout"
    fail=1
    return
  fi
  echo "bench-smoke: ok   $name"
}

tsx=(node --conditions=@selfsup/source --import tsx)
backend=native
node --conditions=@selfsup/source --import tsx -e "import('@selfsup/backend-native').then((m) => process.exit(m.isNativeAvailable() ? 0 : 1))" || backend=cpu
worker=("${tsx[@]}" scripts/bench/native-bench-worker.ts --backend "$backend" --threads 1)
shape='[{"name":"qkv forward","batch":1,"m":16,"n":24,"k":8,"transposeA":false,"transposeB":false}]'
expect_json "native-bench-worker vit ($backend)" "${worker[@]}" --mode vit --batch 2 --warmup 1 --steps 1
swin='{"arch":"swin","imageSize":16,"patchSize":2,"inChannels":1,"embedDim":16,"depths":[2,2],"headCounts":[2,4],"windowSize":4}'
expect_json "native-bench-worker swin ($backend)" "${worker[@]}" --mode swin --backbone "$swin" --batch 2 --warmup 1 --steps 1
expect_json "native-bench-worker ibot ($backend)" "${worker[@]}" --mode ibot --batch 2 --warmup 0 --steps 1
expect_json "native-bench-worker gemm ($backend)" "${worker[@]}" --mode gemm --shapes "$shape" --min-seconds 0 --max-repeats 2
expect_json "native-bench-worker soak ($backend)" "${worker[@]}" --mode soak --batch 1 --steps 2
expect_json "vit-step-worker (cpu)" "${tsx[@]}" scripts/bench/vit-step-worker.ts --backend cpu --batch 2 --warmup 0 --steps 1 --image 16 --patch 8

python=${SELFSUP_PYTHON:-/usr/bin/python3}
if "$python" -c 'import torch' 2>/dev/null; then
  expect_json "torch-reference.py gemm" "$python" scripts/bench/torch-reference.py --threads 1 gemm --shapes "$shape" --min-seconds 0 --max-repeats 2
  expect_json "torch-process-usage.py torch-reference.py vit-step" "$python" scripts/bench/torch-process-usage.py scripts/bench/torch-reference.py --threads 1 vit-step --depth 1 --image 16 --patch 8 --batch 2 --warmup 0 --steps 1
  expect_json "torch-webgpu-reference.py ibot (cpu)" "$python" scripts/bench/torch-webgpu-reference.py ibot --device cpu --threads 1 --depth 1 --image 16 --global-size 16 --local-size 8 --local-crops 2 --patch 4 --batch 2 --out-dim 64 --hidden-dim 64 --bottleneck-dim 32 --warmup 0 --steps 1
  expect_json "torch-process-usage.py torch-swin-reference.py swin-step" "$python" scripts/bench/torch-process-usage.py scripts/bench/torch-swin-reference.py --threads 1 swin-step --image 16 --patch 2 --embed-dim 16 --depths 2,2 --heads 2,4 --window 4 --batch 2 --warmup 0 --steps 1
  expect_json "torch-swin-reference.py parity (official Swin outputs)" "$python" scripts/bench/torch-swin-reference.py --threads 1 parity
else
  echo "bench-smoke: SKIPPED the PyTorch side: $python cannot import torch (apt-get install -y python3-torch libopenblas0-pthread)"
fi
exit $fail
