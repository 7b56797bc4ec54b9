// `npm run bench native`: the native backend (@selfsup/backend-native) against wasm, cpu and
// PyTorch, side by side in one run:
//
//   1. GEMM GFLOP/s on the matmul shapes of one ViT-Tiny training step (dim 192, 65 tokens,
//      batch 64, 3 heads): native, wasm and cpu (tfjs), and PyTorch (scripts/bench/torch-reference.py);
//   2. one ViT-Tiny training step (forward + backward + AdamW; dim 192, depth 12, 32x32 RGB,
//      patch 4, batch 64): native, wasm, cpu (full run only: ~150 s a step) and PyTorch;
//   3. one full iBOT training iteration (student and teacher ViT-Tiny, shared iBOT head, 2 global
//      crops with block masks + local crops, DINO [CLS] and iBOT patch losses, AdamW, EMA teacher),
//      from @selfsup/ibot with @selfsup/train's trainStep: native and wasm (and cpu in a full run),
//      and the same iteration in PyTorch (scripts/bench/torch-webgpu-reference.py ibot --device cpu);
//   4. one Swin training step (the backbone of examples/configs/ibot-swin-fashion-mnist.yaml, batch
//      64): native and cpu (full run only) against PyTorch (scripts/bench/torch-swin-reference.py,
//      the official iBOT Swin module), one thread each (native-swin-section.ts);
//   5. a soak run: many training steps of a small ViT on native, with the tensor count and RSS.
//
// Every tfjs configuration runs in a child process (native-bench-worker.ts), so each peak RSS is
// its own and a failing backend cannot stop the bench; children start through lib/child-process.ts.
// Threads: SELFSUP_THREADS or every core, for every backend and for PyTorch. Ratios are wall times
// (or GFLOP/s) of the row over PyTorch's measured in the same run; < 1x time means faster than PyTorch.
//
// Quick mode (SELFSUP_BENCH_QUICK=1 or CI): 3 GEMM shapes, batch 16, one timed step, no cpu rows,
// a 100-step soak. SELFSUP_NATIVE_BENCH_GEMM=openblas|builtin picks the native GEMM engine;
// SELFSUP_NATIVE_BENCH_SECTIONS=vit,swin (any of gemm, vit, ibot, swin, soak) runs only those sections.
import type { BenchContext } from './lib/bench-context.js';
import {
  TORCH_PROCESS_USAGE_SCRIPT,
  TORCH_REFERENCE_SCRIPT,
  TORCH_WEBGPU_REFERENCE_SCRIPT,
  describeTorch,
  runTorchReference,
  runTorchScript,
} from './lib/torch-python.js';
import { IBOT, VIT } from './native-bench-worker.js';
import type { GemmShape } from './backend.bench.js';
import { REPO_ROOT, fmt, pad, printTimed, ratio, timedRow, torchProgress, worker, type NativeBenchRun, type TimedRow } from './native-bench-rows.js';
import { swinSection } from './native-swin-section.js';

/** PyTorch's ViT-Tiny step (torch-reference.py vit-step under torch-process-usage.py, for the peak RSS). */
async function torchVitRow(context: BenchContext, threads: number, batch: number, steps: number): Promise<TimedRow> {
  const model = Object.entries(VIT).flatMap(([key, value]) => [`--${key}`, String(value)]);
  const args = [TORCH_REFERENCE_SCRIPT, '--threads', String(threads), 'vit-step', ...model, '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
  const outcome = await runTorchScript<{ vitStep?: { median?: { step?: number } } }>(TORCH_PROCESS_USAGE_SCRIPT, args, {
    cwd: REPO_ROOT,
    timeoutSeconds: 2 * 60 * 60,
    onLine: torchProgress(context, 'PyTorch'),
  });
  if (!outcome.ok) return { label: 'PyTorch', note: outcome.note };
  const rss = /peakRssKb=(\d+)/.exec(outcome.result.stderr);
  return {
    label: 'PyTorch',
    secondsPerStep: outcome.json.vitStep?.median?.step,
    ...(rss ? { peakRssMb: Number(rss[1]) / 1024 } : {}),
    note: `torch-reference.py vit-step${threads === 1 ? ', 1 thread' : ''}`,
  };
}

/** What torch-webgpu-reference.py ibot prints on the CPU. */
interface TorchIbotOutput {
  result: { secondsPerStep: number; memory: { kind: string; peakRssBytes?: number } };
}

/** PyTorch's iBOT iteration (torch-webgpu-reference.py ibot on the CPU, the workload of the ibot worker). */
async function torchIbotRow(context: BenchContext, threads: number, batch: number, steps: number): Promise<TimedRow> {
  const args = [
    'ibot',
    ...['--device', 'cpu', '--threads', String(threads)],
    ...['--dim', String(VIT.dim), '--depth', String(VIT.depth), '--heads', String(VIT.heads), '--image', String(VIT.image), '--patch', String(VIT.patch), '--batch', String(batch)],
    ...['--global-crops', String(IBOT.globalCrops), '--global-size', String(IBOT.globalSize), '--local-crops', String(IBOT.localCrops), '--local-size', String(IBOT.localSize)],
    ...['--out-dim', String(IBOT.outDim), '--hidden-dim', String(IBOT.hiddenDim), '--bottleneck-dim', String(IBOT.bottleneckDim)],
    ...['--warmup', '1', '--steps', String(steps), '--max-seconds', String(24 * 60 * 60)],
  ];
  const outcome = await runTorchScript<TorchIbotOutput>(TORCH_WEBGPU_REFERENCE_SCRIPT, args, {
    cwd: REPO_ROOT,
    timeoutSeconds: 2 * 60 * 60,
    onLine: torchProgress(context, 'PyTorch'),
  });
  if (!outcome.ok) return { label: 'PyTorch', note: outcome.note };
  const { secondsPerStep, memory } = outcome.json.result;
  return {
    label: 'PyTorch',
    secondsPerStep,
    ...(memory.peakRssBytes !== undefined ? { peakRssMb: memory.peakRssBytes / 2 ** 20 } : {}),
    note: `torch-webgpu-reference.py ibot --device cpu${threads === 1 ? ', 1 thread' : ''}`,
  };
}

/** 1. GEMM GFLOP/s of native, wasm (and cpu) and PyTorch on the matmul shapes of a ViT-Tiny step. */
async function gemmSection(run: NativeBenchRun): Promise<void> {
  const { context, threads, gemmArgs } = run;
  const bench = await import('./backend.bench.js');
  const allShapes = bench.vitGemmShapes();
  const shapes = context.quick ? allShapes.filter((s) => ['qkv forward', 'fc1 dW', 'attn q@k^T (tB)'].includes(s.name)) : allShapes;
  const minSeconds = context.quick ? 0.2 : 0.5;
  const maxRepeats = context.quick ? 3 : 10;
  const gemmCommon = ['--mode', 'gemm', '--threads', String(threads), '--shapes', JSON.stringify(shapes), '--min-seconds', String(minSeconds), '--max-repeats', String(maxRepeats)];
  const columns: { label: string; gflops?: number[]; note?: string }[] = [];
  for (const [label, backend, extra] of [
    ['native', 'native', gemmArgs],
    ['wasm', 'wasm', []],
    ...(context.quick ? [] : [['cpu', 'cpu', ['--min-seconds', '0', '--max-repeats', '1']]]),
  ] as [string, string, readonly string[]][]) {
    const outcome = await worker(context, `gemm ${label}`, [...gemmCommon, '--backend', backend, ...extra], false);
    columns.push({ label, gflops: outcome.json?.gflops as number[] | undefined, note: outcome.note });
  }
  const torchGemm = await runTorchReference(['--threads', String(threads), 'gemm', '--shapes', JSON.stringify(shapes), '--min-seconds', String(minSeconds), '--max-repeats', String(maxRepeats)]);
  if (torchGemm.ok) {
    context.log(describeTorch(torchGemm.json));
    columns.push({ label: 'PyTorch', gflops: ((torchGemm.json.results ?? []) as { gflops: number }[]).map((r) => r.gflops) });
  } else {
    columns.push({ label: 'PyTorch', note: torchGemm.note });
  }
  for (const c of columns) if (c.note) context.log(`note: GEMM on ${c.label} ${c.note}`);
  printGemmTable(context, shapes, columns, maxRepeats, bench.gemmFlop);
}

function printGemmTable(
  context: BenchContext,
  shapes: readonly GemmShape[],
  columns: readonly { label: string; gflops?: number[] }[],
  maxRepeats: number,
  gemmFlop: (shape: GemmShape) => number,
): void {
  const nativeCol = columns[0]!;
  const torchCol = columns.find((c) => c.label === 'PyTorch');
  const wasmCol = columns.find((c) => c.label === 'wasm');
  context.log(`\nGEMM GFLOP/s on the matmul shapes of a ViT-Tiny step (best of up to ${maxRepeats} runs after a warm-up)${context.quick ? ' [quick: 3 shapes]' : ''}`);
  const nameWidth = Math.max(...shapes.map((s) => s.name.length)) + 2;
  context.log(pad('shape', nameWidth) + columns.map((c) => pad(c.label, 9, true)).join('') + pad('native/PyTorch', 16, true) + pad('native/wasm', 13, true));
  shapes.forEach((shape, i) => {
    context.log(
      pad(shape.name, nameWidth) +
        columns.map((c) => pad(fmt(c.gflops?.[i], 1), 9, true)).join('') +
        pad(ratio(nativeCol.gflops?.[i], torchCol?.gflops?.[i]), 16, true) +
        pad(ratio(nativeCol.gflops?.[i], wasmCol?.gflops?.[i]), 13, true),
    );
  });
  const totalFlop = shapes.reduce((sum, s) => sum + gemmFlop(s), 0);
  const weighted = (g?: number[]) => (g && g.length === shapes.length ? totalFlop / shapes.reduce((sum, s, i) => sum + gemmFlop(s) / g[i]!, 0) : undefined);
  context.log(
    pad('all (time-weighted)', nameWidth) +
      columns.map((c) => pad(fmt(weighted(c.gflops), 1), 9, true)).join('') +
      pad(ratio(weighted(nativeCol.gflops), weighted(torchCol?.gflops)), 16, true) +
      pad(ratio(weighted(nativeCol.gflops), weighted(wasmCol?.gflops)), 13, true),
  );
}

/** 2. The ViT-Tiny step on native, PyTorch, wasm (and cpu), then on one thread each. */
async function vitSection(run: NativeBenchRun, batch: number, steps: number): Promise<void> {
  const { context, threads, gemmArgs } = run;
  context.log(`\nViT-Tiny training step (dim 192, depth 12, 32x32x3, patch 4), batch ${batch}: forward + backward + AdamW; median of ${steps} step(s) after 1 warm-up${context.quick ? ' [quick]' : ''}`);
  const vitArgs = ['--mode', 'vit', '--threads', String(threads), '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
  const rows: TimedRow[] = [];
  rows.push(timedRow('tfjs native', await worker(context, 'vit native', [...vitArgs, '--backend', 'native', ...gemmArgs], true)));
  const torch = await torchVitRow(context, threads, batch, steps);
  rows.push(torch);
  const wasm = timedRow('tfjs wasm', await worker(context, 'vit wasm', [...vitArgs, '--backend', 'wasm'], true));
  rows.push(wasm);
  if (!context.quick) rows.push(timedRow('tfjs cpu', await worker(context, 'vit cpu', ['--mode', 'vit', '--threads', '1', '--batch', String(batch), '--warmup', '0', '--steps', '1', '--backend', 'cpu'], true)));
  printTimed(context, rows, torch, wasm);
  if (threads > 1 && !context.quick) {
    // On a machine shared with other work, threads that spin while they wait for each other (OpenMP,
    // OpenBLAS, our pool) lose their time slices to other processes, and PyTorch's two pools suffer
    // most. One thread each is the comparison such sharing cannot skew.
    context.log(`\nthe same step on one thread each (robust to other processes on the machine):`);
    const oneArgs = ['--mode', 'vit', '--threads', '1', '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
    const nativeOne = timedRow('tfjs native', await worker(context, 'vit native-1', [...oneArgs, '--backend', 'native', ...gemmArgs], true));
    const torchOne = await torchVitRow(context, 1, batch, steps);
    printTimed(context, [nativeOne, torchOne], torchOne, undefined);
  }
}

/** 3. The iBOT iteration on native, PyTorch, wasm (and cpu), then on one thread each. */
async function ibotSection(run: NativeBenchRun, batch: number, steps: number): Promise<void> {
  const { context, threads, gemmArgs } = run;
  context.log(
    `\niBOT training iteration, batch ${batch}: ViT-Tiny student + EMA teacher, shared head (${IBOT.hiddenDim} hidden, ${IBOT.bottleneckDim} bottleneck, ${IBOT.outDim} prototypes), ` +
      `${IBOT.globalCrops} global crops at ${IBOT.globalSize} with block masks + ${IBOT.localCrops} local at ${IBOT.localSize}; median of ${steps} after 1 warm-up`,
  );
  const ibotArgs = ['--mode', 'ibot', '--threads', String(threads), '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
  const rows: TimedRow[] = [];
  rows.push(timedRow('tfjs native', await worker(context, 'ibot native', [...ibotArgs, '--backend', 'native', ...gemmArgs], true)));
  const torch = await torchIbotRow(context, threads, batch, steps);
  rows.push(torch);
  // wasm and cpu take minutes per iteration here; each gets at most 20 minutes.
  const wasm = timedRow('tfjs wasm', await worker(context, 'ibot wasm', [...ibotArgs, '--backend', 'wasm'], true, 20));
  rows.push(wasm);
  if (!context.quick) rows.push(timedRow('tfjs cpu', await worker(context, 'ibot cpu', ['--mode', 'ibot', '--threads', '1', '--batch', String(batch), '--warmup', '0', '--steps', '1', '--backend', 'cpu'], true, 20)));
  printTimed(context, rows, torch, wasm);
  if (threads > 1 && !context.quick) {
    context.log(`\nthe same iteration on one thread each:`);
    const oneArgs = ['--mode', 'ibot', '--threads', '1', '--batch', String(batch), '--warmup', '1', '--steps', String(steps)];
    const nativeOne = timedRow('tfjs native', await worker(context, 'ibot native-1', [...oneArgs, '--backend', 'native', ...gemmArgs], true));
    const torchOne = await torchIbotRow(context, 1, batch, steps);
    printTimed(context, [nativeOne, torchOne], torchOne, undefined);
  }
}

/** 5. Soak: the tensor count and RSS over many ViT-Tiny steps (batch 4) on native. */
async function soakSection(run: NativeBenchRun, steps: number): Promise<void> {
  const { context, threads, gemmArgs } = run;
  const soak = await worker(context, 'soak native', ['--mode', 'soak', '--backend', 'native', '--threads', String(threads), '--batch', '4', '--steps', String(steps), ...gemmArgs], false);
  if (!soak.json) {
    context.log(`\nsoak: ${soak.note}`);
    return;
  }
  const samples = soak.json.samples as { step: number; rssMb: number; tensors: number }[];
  const first = samples[1] ?? samples[0]!;
  const last = samples.at(-1)!;
  context.log(
    `\nsoak: ${steps} ViT-Tiny steps (batch 4) on native, ${fmt(soak.json.secondsPerStep, 3)} s/step: tensors ${samples.map((s) => s.tensors).join(' ')}; ` +
      `RSS ${samples.map((s) => s.rssMb.toFixed(0)).join(' ')} MB (step ${first.step} -> ${last.step}: ${(last.rssMb - first.rssMb >= 0 ? '+' : '') + (last.rssMb - first.rssMb).toFixed(0)} MB)`,
  );
}

const SECTIONS = ['gemm', 'vit', 'ibot', 'swin', 'soak'] as const;

/** The sections SELFSUP_NATIVE_BENCH_SECTIONS names (comma-separated), or all of them. */
function selectedSections(): ReadonlySet<string> {
  const value = process.env.SELFSUP_NATIVE_BENCH_SECTIONS;
  if (value === undefined || value.trim() === '') return new Set(SECTIONS);
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`SELFSUP_NATIVE_BENCH_SECTIONS: unknown section(s) ${unknown.join(', ')}; expected a comma-separated list of ${SECTIONS.join(', ')}`);
  return new Set(names);
}

export default async function nativeBench(context: BenchContext): Promise<void> {
  const { defaultThreads } = await import('@selfsup/backend');
  const native = await import('@selfsup/backend-native');
  const threads = await defaultThreads();
  const gemm = process.env.SELFSUP_NATIVE_BENCH_GEMM;
  if (!native.isNativeAvailable()) {
    context.log(`native backend unavailable: ${native.nativeBuildInfo().reason}`);
    return;
  }
  await native.registerNativeBackend({ threads, ...(gemm ? { gemm: gemm as 'builtin' } : {}) });
  const info = native.nativeBuildInfo().addon!;
  context.log(`native: ${info.isa} (CPU supports ${info.detectedIsa}), ${info.gemm} GEMM, ${info.threads} thread(s), ${info.compiler}; OpenBLAS: ${info.openblas}`);
  context.log(`OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'} OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'}; every backend and PyTorch run ${threads} thread(s)`);

  const run: NativeBenchRun = { context, threads, gemmArgs: gemm ? ['--gemm', gemm] : [] };
  const steps = context.quick ? 1 : 3;
  const sections = selectedSections();
  if (sections.has('gemm')) await gemmSection(run);
  if (sections.has('vit')) await vitSection(run, context.quick ? 16 : 64, steps);
  if (sections.has('ibot')) await ibotSection(run, context.quick ? 8 : 32, steps);
  if (sections.has('swin')) await swinSection(run, context.quick ? 16 : 64, steps);
  if (sections.has('soak')) await soakSection(run, context.quick ? 100 : 1000);
  context.log(`'vs PyTorch' / 'vs wasm': wall time per step over theirs, measured in this run (< 1x: faster).`);
}
