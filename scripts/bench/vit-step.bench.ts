// `npm run bench vit-step`: one ViT-Tiny training step (dim 192, depth 12, 3 heads, 32x32 RGB,
// patch 4, so 65 tokens; batch 64; forward + backward + AdamW update) on each installed backend,
// and the same step in PyTorch, side by side in one run:
//
//   - tfjs `cpu` (plain JavaScript; slow, so one step without warm-up),
//   - `wasm` on 1 thread, and on N threads (N = SELFSUP_THREADS or the number of cores) when N > 1,
//   - PyTorch on 1 and N threads (scripts/bench/torch-reference.py vit-step, run with Debian's
//     /usr/bin/python3 when it can import torch).
//
// Each tfjs configuration runs in a child process (vit-step-worker.ts), so that its peak RSS is its
// own and a backend that runs out of memory (the wasm heap is capped at 4 GB) cannot stop the bench.
// The table gives the median wall time per step, the CPU time per step (all threads; on a machine
// shared with other work, CPU time below wall time x threads means the step waited for a core),
// the peak RSS of the process, and the ratios of wall and CPU time to PyTorch's with as many threads.
//
// Quick mode (SELFSUP_BENCH_QUICK=1 or CI): batch 8, one warm-up step and one timed step.
// SELFSUP_VIT_STEP_BATCH overrides the batch; SELFSUP_VIT_STEP_BACKENDS (default `cpu,wasm`) picks
// the tfjs backends (the cpu step at batch 64 takes minutes).
import { fileURLToPath } from 'node:url';
import { defaultThreads } from '@selfsup/backend';
import type { BenchContext } from './lib/bench-context.js';
import { runJsonChild, tsxCommand } from './lib/child-process.js';
import { TORCH_MISSING, TORCH_PROCESS_USAGE_SCRIPT, TORCH_REFERENCE_SCRIPT, describeTorch, runTorchScript, torchAvailable } from './lib/torch-python.js';

/** The JSON line vit-step-worker.ts prints. */
interface WorkerResult {
  backend: string;
  threads: number;
  batch: number;
  steps: number;
  msPerStep: number;
  cpuMsPerStep: number;
  peakRssMb: number;
  numTensors: number;
  numTensorsGrowth: number | null;
  attentionImpl: string;
}

/** One row of the table. */
interface Row {
  label: string;
  threads: number;
  batch: number;
  steps: number;
  secondsPerStep?: number;
  cpuSecondsPerStep?: number;
  peakRssMb?: number;
  note?: string;
  torchThreads?: number;
}

const WORKER = fileURLToPath(new URL('./vit-step-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** ViT-Tiny on 32x32 RGB images with 4x4 patches. */
const MODEL = { dim: 192, depth: 12, heads: 3, image: 32, patch: 4, channels: 3 } as const;

async function runWorker(context: BenchContext, label: string, backend: string, threads: number, batch: number, warmup: number, steps: number): Promise<Row> {
  const [node, lead] = tsxCommand(WORKER);
  const args = [...lead, ...['--backend', backend, '--threads', String(threads), '--batch', String(batch), '--warmup', String(warmup), '--steps', String(steps)]];
  const outcome = await runJsonChild<WorkerResult>(node, args, { cwd: REPO_ROOT, timeoutSeconds: 60 * 60, onLine: (line) => context.log(`  [${label}] ${line}`) });
  if (!outcome.ok) return { label, threads, batch, steps, note: outcome.note };
  const json = outcome.json;
  const notes: string[] = [];
  if (json.threads !== threads) notes.push(`ran ${json.threads} thread(s)`);
  if (json.numTensorsGrowth !== null && json.numTensorsGrowth !== 0) notes.push(`tensor count grew by ${json.numTensorsGrowth} after the first step`);
  notes.push(`attention ${json.attentionImpl.split(' ')[0]}`);
  return {
    label,
    threads: json.threads,
    batch,
    steps,
    secondsPerStep: json.msPerStep / 1000,
    cpuSecondsPerStep: json.cpuMsPerStep / 1000,
    peakRssMb: json.peakRssMb,
    note: notes.join('; '),
  };
}

/** Median CPU seconds per timed step from torch-process-usage.py's marks, when they are four per step. */
function torchCpuSeconds(stderr: string, warmup: number, steps: number): number | undefined {
  const line = /cpuMarks=([\d.,]*)/.exec(stderr);
  const marks = line?.[1] ? line[1].split(',').map(Number) : [];
  if (marks.length !== 4 * (warmup + steps)) return undefined;
  const perStep = Array.from({ length: steps }, (_, i) => marks[4 * (warmup + i) + 3]! - marks[4 * (warmup + i)]!).sort((a, b) => a - b);
  return steps % 2 === 1 ? perStep[steps >> 1] : (perStep[steps / 2 - 1]! + perStep[steps / 2]!) / 2;
}

async function runTorch(context: BenchContext, threads: number, batch: number, warmup: number, steps: number): Promise<Row & { environment?: Record<string, unknown> }> {
  const label = `PyTorch`;
  const model = Object.entries(MODEL).flatMap(([key, value]) => [`--${key}`, String(value)]);
  // torch-process-usage.py reports the peak RSS and the CPU time at each of vit-step's four time marks per step
  const args = [TORCH_REFERENCE_SCRIPT, '--threads', String(threads), 'vit-step', ...model, '--batch', String(batch), '--warmup', String(warmup), '--steps', String(steps)];
  const outcome = await runTorchScript<{ environment?: Record<string, unknown>; vitStep?: { median?: { step?: number } } }>(TORCH_PROCESS_USAGE_SCRIPT, args, {
    cwd: REPO_ROOT,
    timeoutSeconds: 60 * 60,
    onLine: (line) => {
      if (!line.startsWith('peakRssKb=') && !line.startsWith('cpuMarks=')) context.log(`  [torch-${threads}] ${line}`);
    },
  });
  const seconds = outcome.ok ? outcome.json.vitStep?.median?.step : undefined;
  if (!outcome.ok || seconds === undefined) return { label, threads, batch, steps, note: outcome.ok ? 'failed (no vitStep.median.step in its JSON)' : outcome.note };
  const { json, result } = outcome;
  const rss = /peakRssKb=(\d+)/.exec(result.stderr);
  return {
    label,
    threads,
    batch,
    steps,
    secondsPerStep: seconds,
    cpuSecondsPerStep: torchCpuSeconds(result.stderr, warmup, steps),
    peakRssMb: rss ? Number(rss[1]) / 1024 : undefined,
    note: `BLAS ${String(json.environment?.blas ?? 'unknown').split(' (')[0]}`,
    ...(json.environment ? { environment: json.environment } : {}),
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export default async function vitStepBench(context: BenchContext): Promise<void> {
  const threads = await defaultThreads();
  const fromEnvironment = Number(process.env.SELFSUP_VIT_STEP_BATCH);
  const batch = Number.isInteger(fromEnvironment) && fromEnvironment > 0 ? fromEnvironment : context.quick ? 8 : 64;
  const warmup = 1;
  const steps = context.quick ? 1 : 3;
  context.log(
    `ViT-Tiny training step (dim ${MODEL.dim}, depth ${MODEL.depth}, ${MODEL.heads} heads, ${MODEL.image}x${MODEL.image}x${MODEL.channels}, ` +
      `patch ${MODEL.patch}, 65 tokens), batch ${batch}: forward + backward + AdamW; median of ${steps} step(s) after ${warmup} warm-up ` +
      `(cpu: 1 step, no warm-up)${context.quick ? ' [quick]' : ''}`,
  );

  const backends = (process.env.SELFSUP_VIT_STEP_BACKENDS ?? 'cpu,wasm').split(',').map((b) => b.trim());
  const rows: Row[] = [];
  if (backends.includes('cpu')) rows.push(await runWorker(context, 'tfjs cpu', 'cpu', 1, batch, 0, 1));
  if (backends.includes('wasm')) {
    rows.push(await runWorker(context, 'tfjs wasm', 'wasm', 1, batch, warmup, steps));
    if (threads > 1) rows.push(await runWorker(context, 'tfjs wasm', 'wasm', threads, batch, warmup, steps));
  }

  const torchRows: Row[] = [];
  if (!torchAvailable()) {
    context.log(`PyTorch: not available (${TORCH_MISSING})`);
  } else {
    for (const torchThreads of threads > 1 ? [1, threads] : [1]) {
      const row = await runTorch(context, torchThreads, batch, warmup, steps);
      if (row.environment && torchRows.length === 0) context.log(describeTorch({ environment: row.environment }));
      torchRows.push(row);
    }
  }
  const torchFor = (n: number) => torchRows.find((r) => r.threads === n && r.secondsPerStep !== undefined);

  const header = ['backend', 'threads', 's/step', 'CPU s/step', 'peak RSS', 'vs PyTorch', 'CPU vs PyTorch', '  notes'];
  const widths = [10, 8, 9, 12, 10, 12, 16, 0];
  context.log(header.map((h, i) => pad(h, widths[i]!, i > 0 && i < 7)).join(''));
  const fmt = (value: number | undefined, digits: number, unit = '') => (value === undefined ? '-' : `${value.toFixed(digits)}${unit}`);
  const ratio = (ours: number | undefined, theirs: number | undefined) => (ours === undefined || theirs === undefined ? '-' : `${(ours / theirs).toFixed(2)}x`);
  for (const row of [...rows, ...torchRows]) {
    const torch = row.label === 'PyTorch' ? undefined : torchFor(row.threads);
    context.log(
      [
        pad(row.label, widths[0]!),
        pad(String(row.threads), widths[1]!, true),
        pad(fmt(row.secondsPerStep, 2), widths[2]!, true),
        pad(fmt(row.cpuSecondsPerStep, 2), widths[3]!, true),
        pad(fmt(row.peakRssMb, 0, ' MB'), widths[4]!, true),
        pad(ratio(row.secondsPerStep, torch?.secondsPerStep), widths[5]!, true),
        pad(ratio(row.cpuSecondsPerStep, torch?.cpuSecondsPerStep), widths[6]!, true),
        `  ${row.note ?? ''}`,
      ].join(''),
    );
  }
  context.log(
    "'vs PyTorch': wall time per step over PyTorch's with the same number of threads (>1x: slower than PyTorch); " +
      "'CPU vs PyTorch': the same for CPU time, the steadier figure when other work shares the machine.",
  );
}
