// `npm run bench webgpu [-- size flags]`: tfjs on webgpu against PyTorch on the same machine (CUDA
// when torch sees a GPU, else the CPU), side by side in one run:
//
//   - the ViT-S/16 training step at 224x224, batch 64 (forward, backward, AdamW);
//   - the iBOT iteration of native.bench.ts (ViT-Tiny student and EMA teacher, patch 4, 32x32,
//     2 global + 4 local crops, head 1024/256/2048, batch 32),
//
// each with seconds per step, GFLOP/s (the analytic FLOPs of scripts/bench/training-flops.ts over
// the median step time), peak memory, and the ratios webgpu / PyTorch. Every tfjs row runs in a
// child process (webgpu-cli.ts `worker`), PyTorch in scripts/bench/torch-webgpu-reference.py.
//
// On a machine without a GPU, run it on the software adapter with the small sizes (about a minute
// on 2 cores; the timings say nothing about a GPU):
//   SELFSUP_WEBGPU_BACKEND=opengles npm run bench webgpu -- --small
// or choose sizes: npm run bench webgpu -- --preset tiny --image 28 --batch 8 --workloads vit
// (every flag: node --conditions=@selfsup/source --import tsx scripts/bench/webgpu-cli.ts --help).
// Quick mode (SELFSUP_BENCH_QUICK=1 or CI) uses --small. On a borrowed GPU machine without Node.js,
// use the bundle instead: npm run gpu-bundle, then scripts/gpu-check.sh (docs/concepts/backends.md).
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './lib/bench-context.js';
import { runJsonChild, tsxCommand } from './lib/child-process.js';
import { TORCH_MISSING, TORCH_PYTHON, TORCH_WEBGPU_REFERENCE_SCRIPT, torchAvailable } from './lib/torch-python.js';
import { formatReports, parseSizeFlags, runWebgpuBench, type Launcher } from './webgpu-bench-run.js';

const CLI = fileURLToPath(new URL('./webgpu-cli.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export default async function webgpuBench(context: BenchContext): Promise<void> {
  // `npm run bench webgpu -- --small`: bench.ts takes argv[2] as its filter; the flags follow it.
  const flags = process.argv.slice(3);
  const sizes = parseSizeFlags(context.quick && !flags.includes('--small') ? ['--small', ...flags] : flags);
  const [node, lead] = tsxCommand(CLI);
  const cli: Launcher['cli'] = [node, ...lead];

  const adapter = await runJsonChild<{ summary: string }>(node, [...lead, 'adapter'], { cwd: REPO_ROOT, timeoutSeconds: 120 });
  if (!adapter.ok) {
    // webgpu-cli prints `webgpu-cli: <error and stack>` when the adapter cannot be had: its first line says why
    const reason = adapter.result.stderr.split('\n').find((l) => l.startsWith('webgpu-cli: '))?.slice('webgpu-cli: '.length) ?? adapter.note;
    context.log(`webgpu: no adapter, nothing to time. ${reason}`);
    context.log('On a machine without a GPU: SELFSUP_WEBGPU_BACKEND=opengles npm run bench webgpu -- --small (Mesa llvmpipe; for checking, not speed).');
    return;
  }
  context.log(`webgpu adapter: ${adapter.json.summary}`);

  const python = torchAvailable() ? TORCH_PYTHON : undefined;
  if (python === undefined) context.log(`PyTorch: not available (${TORCH_MISSING}); tfjs rows only`);
  const launcher: Launcher = { cli, python, pythonScript: TORCH_WEBGPU_REFERENCE_SCRIPT, cwd: REPO_ROOT };
  const reports = await runWebgpuBench(launcher, sizes, (line) => context.log(line));
  for (const line of formatReports(reports)) context.log(line);
}
