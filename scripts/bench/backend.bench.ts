// `npm run bench backend`: GEMM throughput of the backends on the matmul shapes of one ViT-Tiny
// training step (dim 192, 65 tokens per image, batch 64, 3 heads), side by side in one process:
// tfjs cpu, wasm on 1 thread, wasm on N threads (N = SELFSUP_THREADS or the number of cores), wasm
// on N threads with tfjs-backend-wasm's own matmul kernels ("stock": without the transposed-operand
// routing that @selfsup/backend installs), and PyTorch (scripts/bench/torch-reference.py, run with
// /usr/bin/python3 when it can import torch) on 1 and N threads.
//
// Every figure is the best of several timed runs after one warm-up (peak throughput, the figure
// least disturbed by other processes on a shared machine), in GFLOP/s = 2 * batch * m * n * k / s.
// The configurations take turns over several rounds, so that a burst of load from other processes
// hits them all alike.
// The tfjs cpu and wasm kernels run synchronously, so a matMul call is timed as it returns.
//
// Also exports helpers for other benchmarks: the shape list and the timer (the torch runner is
// lib/torch-python.ts).
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defaultThreads, useBackend, type BackendName } from '@selfsup/backend';
import { installWasmMatMulKernels, uninstallWasmMatMulKernels } from '../../packages/backend/src/wasm-matmul-kernels.js';
import type { BenchContext } from './lib/bench-context.js';
import { TORCH_MISSING, describeTorch, runTorchReference, torchAvailable } from './lib/torch-python.js';

/**
 * One GEMM: C[batch?, m, n] = op(A) op(B) with op(A) [m, k] and op(B) [k, n]. A is stored [k, m]
 * when `transposeA` (B is stored [n, k] when `transposeB`), exactly like `tf.matMul`'s flags.
 */
export interface GemmShape {
  readonly name: string;
  /** Batch of independent matmuls (1: a plain 2-D matmul). */
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/**
 * The matmuls of one ViT training step: for each linear layer (qkv, proj, fc1, fc2) the forward
 * product and its two gradients (dX = dY W^T, dW = X^T dY), then the attention products per head.
 * Must stay equal to `vit_tiny_gemm_shapes` in torch-reference.py (the bench passes this list).
 */
export function vitGemmShapes(batch = 64, tokens = 65, dim = 192, heads = 3, mlpRatio = 4): GemmShape[] {
  const rows = batch * tokens;
  const headDim = dim / heads;
  const shapes: GemmShape[] = [];
  const layers: [string, number, number][] = [
    ['qkv', dim, 3 * dim],
    ['proj', dim, dim],
    ['fc1', dim, mlpRatio * dim],
    ['fc2', mlpRatio * dim, dim],
  ];
  for (const [name, k, n] of layers) {
    shapes.push({ name: `${name} forward`, batch: 1, m: rows, n, k, transposeA: false, transposeB: false });
    shapes.push({ name: `${name} dX`, batch: 1, m: rows, n: k, k: n, transposeA: false, transposeB: true });
    shapes.push({ name: `${name} dW`, batch: 1, m: k, n, k: rows, transposeA: true, transposeB: false });
  }
  const bh = batch * heads;
  shapes.push(
    { name: 'attn q@kT stored', batch: bh, m: tokens, n: tokens, k: headDim, transposeA: false, transposeB: false },
    { name: 'attn q@k^T (tB)', batch: bh, m: tokens, n: tokens, k: headDim, transposeA: false, transposeB: true },
    { name: 'attn p@v', batch: bh, m: tokens, n: headDim, k: tokens, transposeA: false, transposeB: false },
    { name: 'attn dP (tB)', batch: bh, m: tokens, n: tokens, k: headDim, transposeA: false, transposeB: true },
    { name: 'attn dV (tA)', batch: bh, m: tokens, n: headDim, k: tokens, transposeA: true, transposeB: false },
  );
  return shapes;
}

/** Floating-point operations of one GEMM. */
export function gemmFlop(shape: GemmShape): number {
  return 2 * shape.batch * shape.m * shape.n * shape.k;
}

/** Runs `fn` once to warm up, then times it until `minSeconds` or `maxRepeats`; returns the best time in seconds. */
export function timeBest(fn: () => void, minSeconds: number, maxRepeats: number, minRepeats = 2): { seconds: number; repeats: number } {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRepeats && (times.length < minRepeats || performance.now() - start < minSeconds * 1000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: Math.min(...times), repeats: times.length };
}

interface Column {
  readonly label: string;
  /** Per shape, the best throughput seen (undefined until timed). */
  readonly gflops: (number | undefined)[];
  readonly seconds: (number | undefined)[];
}

function timeOnBackend(shapes: readonly GemmShape[], minSeconds: number, maxRepeats: number): { gflops: number[]; seconds: number[] } {
  const gflops: number[] = [];
  const seconds: number[] = [];
  for (const shape of shapes) {
    const lead = shape.batch > 1 ? [shape.batch] : [];
    const a = tf.randomUniform([...lead, ...(shape.transposeA ? [shape.k, shape.m] : [shape.m, shape.k])], -1, 1, 'float32', 1);
    const b = tf.randomUniform([...lead, ...(shape.transposeB ? [shape.n, shape.k] : [shape.k, shape.n])], -1, 1, 'float32', 2);
    const timing = timeBest(
      () => tf.matMul(a, b, shape.transposeA, shape.transposeB).dispose(),
      minSeconds,
      maxRepeats,
    );
    a.dispose();
    b.dispose();
    seconds.push(timing.seconds);
    gflops.push(gemmFlop(shape) / timing.seconds / 1e9);
  }
  return { gflops, seconds };
}

/** CPU milliseconds used so far by each OS thread of this process (Linux; empty elsewhere). */
export function threadCpuMilliseconds(): Map<string, number> {
  const result = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return result;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      result.set(tid, (Number(fields[11]) + Number(fields[12])) * 10); // utime + stime, 100 ticks/s
    } catch {
      // The thread ended meanwhile.
    }
  }
  return result;
}

/**
 * How the CPU time of `repeats` runs of `fn` spreads over the process's threads: a multi-threaded
 * kernel that really splits its work shows several threads with similar shares, whatever other
 * processes do to the wall-clock time.
 */
export function threadWorkSplit(fn: () => void, repeats: number): number[] {
  const before = threadCpuMilliseconds();
  for (let i = 0; i < repeats; i++) fn();
  const after = threadCpuMilliseconds();
  return [...after]
    .map(([tid, ms]) => ms - (before.get(tid) ?? ms))
    .filter((ms) => ms >= 20)
    .sort((a, b) => b - a);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function dims(shape: GemmShape): string {
  const a = shape.transposeA ? `[${shape.k},${shape.m}]^T` : `[${shape.m},${shape.k}]`;
  const b = shape.transposeB ? `[${shape.n},${shape.k}]^T` : `[${shape.k},${shape.n}]`;
  return `${shape.batch > 1 ? `${shape.batch}x ` : ''}${a}x${b}`;
}

export default async function backendBench(context: BenchContext): Promise<void> {
  const threads = await defaultThreads();
  const allShapes = vitGemmShapes();
  const shapes = context.quick ? allShapes.filter((s) => ['qkv forward', 'fc1 dW', 'attn q@k^T (tB)'].includes(s.name)) : allShapes;
  const rounds = context.quick ? 1 : 3;
  const minSeconds = context.quick ? 0.2 : 0.5;
  const maxRepeats = context.quick ? 3 : 5;
  const previousBackend = tf.engine().backendName;

  interface Config {
    readonly label: string;
    readonly backend?: BackendName;
    readonly threads: number;
    readonly stockKernels?: boolean;
    /** Timed in the first round only (the slow cpu baseline). */
    readonly once?: boolean;
  }
  const configs: Config[] = [
    { label: 'cpu', backend: 'cpu', threads: 1, once: true },
    { label: 'wasm-1', backend: 'wasm', threads: 1 },
  ];
  if (threads > 1) configs.push({ label: `wasm-${threads}`, backend: 'wasm', threads });
  configs.push({ label: `stock-${threads}`, backend: 'wasm', threads, stockKernels: true });
  const torchThreads = threads === 1 ? [1] : [1, threads];
  if (torchAvailable()) for (const t of torchThreads) configs.push({ label: `torch-${t}`, threads: t });

  context.log(
    `GEMM GFLOP/s on the matmul shapes of a ViT-Tiny step (dim 192, 65 tokens, batch 64, 3 heads): ` +
      `best over ${rounds} round(s) of every configuration in turn (cpu: first round only), each shape warmed up then timed up to ${maxRepeats} times` +
      (context.quick ? ' (quick: 3 shapes)' : ''),
  );
  context.log(`stock-${threads}: wasm on ${threads} thread(s) with tfjs-backend-wasm's own matmul kernels (transposed operands take its scalar loop)`);
  const columns: Column[] = configs.map((c) => ({ label: c.label, gflops: shapes.map(() => undefined), seconds: shapes.map(() => undefined) }));
  const record = (column: Column, seconds: readonly number[]): void => {
    seconds.forEach((s, i) => {
      if (column.seconds[i] === undefined || s < column.seconds[i]!) {
        column.seconds[i] = s;
        column.gflops[i] = gemmFlop(shapes[i]!) / s / 1e9;
      }
    });
  };
  let tensorsBefore: number | undefined;
  let torchDescribed = false;
  for (let round = 0; round < rounds; round++) {
    for (const [index, config] of configs.entries()) {
      if (config.once === true && round > 0) continue;
      const column = columns[index]!;
      if (config.backend === undefined) {
        const result = await runTorchReference([
          '--threads',
          String(config.threads),
          'gemm',
          '--shapes',
          JSON.stringify(shapes),
          '--min-seconds',
          String(minSeconds),
          '--max-repeats',
          String(maxRepeats),
        ]);
        if (!result.ok) {
          context.log(`note: ${result.note}`);
          continue;
        }
        if (!torchDescribed) context.log(describeTorch(result.json));
        torchDescribed = true;
        record(column, ((result.json.results ?? []) as { seconds: number }[]).map((r) => r.seconds));
        continue;
      }
      const info = await useBackend(config.backend, { threads: config.threads });
      if (info.threads !== config.threads && round === 0) context.log(`note: ${config.label} runs ${info.threads} thread(s): ${info.reason}`);
      tensorsBefore ??= tf.memory().numTensors;
      if (config.stockKernels === true) uninstallWasmMatMulKernels();
      try {
        record(column, timeOnBackend(shapes, minSeconds, maxRepeats).seconds);
        if (round === 0 && config.backend === 'wasm' && config.stockKernels !== true && config.threads > 1) {
          const shape = shapes[0]!;
          const a = tf.randomUniform([shape.m, shape.k]);
          const b = tf.randomUniform([shape.k, shape.n]);
          const split = threadWorkSplit(() => tf.matMul(a, b).dispose(), 10);
          tf.dispose([a, b]);
          if (split.length > 0) {
            context.log(`${config.label}: CPU time of 10 x ${shape.name} per OS thread: ${split.map((ms) => `${ms} ms`).join(' + ')} (an even split means the threads share the work)`);
          }
        }
      } finally {
        installWasmMatMulKernels();
      }
    }
  }
  if (!torchAvailable()) context.log(`note: torch reference skipped: ${TORCH_MISSING}`);
  if (previousBackend === 'cpu' || previousBackend === null) await useBackend('cpu');
  const leaked = tf.memory().numTensors - (tensorsBefore ?? 0);
  if (leaked !== 0) context.log(`warning: ${leaked} tensor(s) leaked by the GEMM loop`);

  const wasmN = columns.find((c) => c.label === `wasm-${threads}`);
  const wasm1 = columns.find((c) => c.label === 'wasm-1');
  const torchN = columns.find((c) => c.label === `torch-${threads}`);
  const stock = columns.find((c) => c.label === `stock-${threads}`);
  const ratios: { label: string; top: Column | undefined; bottom: Column | undefined }[] = [
    { label: `wasm-${threads}/wasm-1`, top: wasmN, bottom: wasm1 },
    { label: `wasm-${threads}/stock`, top: wasmN ?? wasm1, bottom: stock },
    { label: `wasm-${threads}/torch-${threads}`, top: wasmN, bottom: torchN },
    { label: 'wasm-1/cpu', top: wasm1, bottom: columns[0] },
  ].filter((r) => r.top !== undefined && r.bottom !== undefined);

  const nameWidth = Math.max(...shapes.map((s) => s.name.length), 'all shapes (time-weighted)'.length) + 2;
  const dimsWidth = Math.max(...shapes.map((s) => dims(s).length)) + 2;
  const header =
    pad('shape', nameWidth) +
    pad('operands', dimsWidth) +
    columns.map((c) => pad(c.label, 9, true)).join('') +
    ratios.map((r) => pad(r.label, Math.max(r.label.length + 2, 9), true)).join('');
  context.log(header);
  const row = (label: string, operands: string, values: (column: Column) => number | undefined): string => {
    const cells = columns.map((c) => {
      const v = values(c);
      return pad(v === undefined ? '-' : v.toFixed(1), 9, true);
    });
    const ratioCells = ratios.map((r) => {
      const top = values(r.top!);
      const bottom = values(r.bottom!);
      return pad(top === undefined || bottom === undefined ? '-' : `${(top / bottom).toFixed(2)}x`, Math.max(r.label.length + 2, 9), true);
    });
    return pad(label, nameWidth) + pad(operands, dimsWidth) + cells.join('') + ratioCells.join('');
  };
  shapes.forEach((shape, i) => context.log(row(shape.name, dims(shape), (c) => c.gflops[i])));
  const totalFlop = shapes.reduce((sum, s) => sum + gemmFlop(s), 0);
  context.log(
    row('all shapes (time-weighted)', `${(totalFlop / 1e9).toFixed(1)} GFLOP`, (c) => {
      if (c.seconds.some((s) => s === undefined)) return undefined;
      const total = c.seconds.reduce<number>((sum, s) => sum + (s ?? 0), 0);
      return totalFlop / total / 1e9;
    }),
  );
}
