// Before/after speed of the native backend's fused kernels and buffer pool, measured side by side:
// every configuration runs in turn (the order rotating every round), so that other work on a
// shared machine weighs on all of them alike, and the figures are medians over the rounds.
//
//   node --conditions=@selfsup/source --import tsx scripts/bench/native-speed-ab.ts \
//     [--workloads run,vit,ibot] [--threads 1,2] [--rounds 3] [--steps 40] [--json out.json]
//
// Workloads:
//   run   the reference configuration (examples/configs/ibot-fashion-mnist.yaml) through the CLI,
//         `--steps` steps of batch 128 on Fashion-MNIST: images/s from the median step time of
//         metrics.jsonl (the first 5 steps left out); PyTorch: torch-webgpu-reference.py ibot at the
//         same sizes (ViT dim 128, depth 4, 4 heads, 28x28, patch 4, 2 global + 4 local crops, head
//         512 / 128 / 1024), 5 steps after a warm-up;
//   step  the same training step in one process (native-bench-worker.ts --mode reference, 3 steps
//         after a warm-up): wall and CPU seconds per step, against the same PyTorch iteration;
//   vit   the ViT-Tiny training step of `npm run bench native` (batch 64), against torch-reference.py;
//   ibot  the iBOT iteration of `npm run bench native` (batch 32), against torch-webgpu-reference.py.
//
// Arms: `before` is the native backend as it was before the fused kernels (SELFSUP_NATIVE_FUSED=0:
// the composite LayerNorm, GELU and linear gradients on the separate kernels; SELFSUP_NATIVE_POOL_MB
// =2048: the old default pool cap on this machine), `after` the defaults, `torch` PyTorch on the
// same number of threads. The native arms compute the same numbers (docs/concepts/fused-kernels.md).
// CPU seconds per step (process time, all threads) are the steadier figure on a shared machine;
// PyTorch's come from torch-process-usage.py's marks around each timed step.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChild, runJsonChild, tsxCommand } from './lib/child-process.js';
import { TORCH_PROCESS_USAGE_SCRIPT, TORCH_REFERENCE_SCRIPT, TORCH_WEBGPU_REFERENCE_SCRIPT, runTorchScript } from './lib/torch-python.js';
import { IBOT, VIT } from './native-bench-worker.js';
import { median } from './lib/median.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./native-bench-worker.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));

type Arm = 'before' | 'after' | 'torch';
type Workload = 'run' | 'step' | 'vit' | 'ibot';

/** One measurement: seconds per step (wall), images per step, and CPU seconds per step when known. */
interface Sample {
  readonly secondsPerStep: number;
  readonly images: number;
  readonly cpuSecondsPerStep?: number;
}

const BEFORE_ENV = { SELFSUP_NATIVE_FUSED: '0', SELFSUP_NATIVE_POOL_MB: '2048' };

function armEnv(arm: Arm): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SELFSUP_NATIVE_FUSED;
  delete env.SELFSUP_NATIVE_POOL_MB;
  return arm === 'before' ? { ...env, ...BEFORE_ENV } : env;
}

/** The reference configuration through the CLI: the median step of metrics.jsonl after 5 warm-up steps. */
async function cliRun(arm: Arm, threads: number, steps: number): Promise<Sample> {
  const out = mkdtempSync(join(tmpdir(), 'selfsup-speed-ab-'));
  try {
    const sets = ['epochs=1', `run.maxStepsPerEpoch=${steps}`, 'data.heldOut=none', 'run.knnBeforeTraining=false', 'run.plot=false', `run.threads=${threads}`, 'run.progress=none', 'run.backend=native'];
    const [node, lead] = tsxCommand(CLI);
    const result = await runChild(node, [...lead, 'pretrain', '--config', 'examples/configs/ibot-fashion-mnist.yaml', '--out', join(out, 'run'), ...sets.flatMap((s) => ['--set', s])], {
      cwd: REPO_ROOT,
      timeoutSeconds: 60 * 60,
      env: armEnv(arm),
    });
    if (result.code !== 0) throw new Error(`selfsup pretrain (${arm}, ${threads} thread(s)) failed: ${result.stderr.slice(-600)}`);
    const lines = readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { stepMs?: number; iteration?: number });
    const stepMs = lines.filter((l) => typeof l.stepMs === 'number' && (l.iteration ?? 0) >= 5).map((l) => l.stepMs!);
    return { secondsPerStep: median(stepMs) / 1000, images: 128 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A native-bench-worker measurement (vit, ibot or reference mode). */
async function workerRun(arm: Arm, mode: 'vit' | 'ibot' | 'reference', threads: number): Promise<Sample> {
  const batch = mode === 'vit' ? 64 : mode === 'ibot' ? 32 : 128;
  const [node, lead] = tsxCommand(WORKER);
  const outcome = await runJsonChild<{ secondsPerStep: number; cpuSecondsPerStep: number }>(
    node,
    [...lead, '--mode', mode, '--backend', 'native', '--threads', String(threads), '--batch', String(batch), '--warmup', '1', '--steps', '3'],
    { cwd: REPO_ROOT, timeoutSeconds: 60 * 60, env: armEnv(arm) },
  );
  if (!outcome.ok) throw new Error(`native-bench-worker ${mode} (${arm}) ${outcome.note}`);
  return { secondsPerStep: outcome.json.secondsPerStep, cpuSecondsPerStep: outcome.json.cpuSecondsPerStep, images: batch };
}

/** The process CPU time at each time.perf_counter() call of a torch script (torch-process-usage.py). */
function cpuMarks(stderr: string): number[] {
  const line = stderr.split('\n').find((l) => l.startsWith('cpuMarks='));
  return line ? line.slice('cpuMarks='.length).split(',').filter(Boolean).map(Number) : [];
}

/**
 * The median CPU seconds of the timed steps from the marks: each step is bounded by marks
 * `first + i * stride` and `first + i * stride + span`; undefined when the count is not as expected.
 */
function cpuPerStep(marks: readonly number[], expected: number, first: number, stride: number, span: number, steps: number): number | undefined {
  if (marks.length !== expected) return undefined;
  const perStep = Array.from({ length: steps }, (_, i) => marks[first + i * stride + span]! - marks[first + i * stride]!);
  return median(perStep);
}

/** The PyTorch side of each workload (under torch-process-usage.py, for its CPU time). */
async function torchRun(workload: Workload, threads: number): Promise<Sample> {
  if (workload === 'vit') {
    const model = Object.entries(VIT).flatMap(([key, value]) => [`--${key}`, String(value)]);
    const steps = 3;
    const outcome = await runTorchScript<{ vitStep?: { median?: { step?: number } } }>(
      TORCH_PROCESS_USAGE_SCRIPT,
      [TORCH_REFERENCE_SCRIPT, '--threads', String(threads), 'vit-step', ...model, '--batch', '64', '--warmup', '1', '--steps', String(steps)],
      { cwd: REPO_ROOT, timeoutSeconds: 60 * 60 },
    );
    if (!outcome.ok || outcome.json.vitStep?.median?.step === undefined) throw new Error(`torch vit-step ${outcome.ok ? 'printed no step time' : outcome.note}`);
    // four marks per step (start, forward, backward, update), the warm-up step first
    const cpu = cpuPerStep(cpuMarks(outcome.result.stderr), 4 * (1 + steps), 4, 4, 3, steps);
    return { secondsPerStep: outcome.json.vitStep.median.step, images: 64, ...(cpu !== undefined ? { cpuSecondsPerStep: cpu } : {}) };
  }
  const sizes =
    workload === 'run' || workload === 'step'
      ? { dim: 128, depth: 4, heads: 4, image: 28, patch: 4, batch: 128, 'global-crops': 2, 'global-size': 28, 'local-crops': 4, 'local-size': 16, 'out-dim': 1024, 'hidden-dim': 512, 'bottleneck-dim': 128, steps: 5 }
      : { dim: VIT.dim, depth: VIT.depth, heads: VIT.heads, image: VIT.image, patch: VIT.patch, batch: 32, 'global-crops': IBOT.globalCrops, 'global-size': IBOT.globalSize, 'local-crops': IBOT.localCrops, 'local-size': IBOT.localSize, 'out-dim': IBOT.outDim, 'hidden-dim': IBOT.hiddenDim, 'bottleneck-dim': IBOT.bottleneckDim, steps: 3 };
  const args = ['ibot', '--device', 'cpu', '--threads', String(threads), '--warmup', '1', '--max-seconds', String(24 * 60 * 60), ...Object.entries(sizes).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const outcome = await runTorchScript<{ result: { secondsPerStep: number } }>(TORCH_PROCESS_USAGE_SCRIPT, [TORCH_WEBGPU_REFERENCE_SCRIPT, ...args], {
    cwd: REPO_ROOT,
    timeoutSeconds: 60 * 60,
  });
  if (!outcome.ok) throw new Error(`torch ibot ${outcome.note}`);
  // time_steps: two marks per warm-up step, one at the start, three per timed step (start, end, the time check)
  const cpu = cpuPerStep(cpuMarks(outcome.result.stderr), 2 + 1 + 3 * sizes.steps, 3, 3, 1, sizes.steps);
  return { secondsPerStep: outcome.json.result.secondsPerStep, images: sizes.batch, ...(cpu !== undefined ? { cpuSecondsPerStep: cpu } : {}) };
}

async function measure(workload: Workload, arm: Arm, threads: number, steps: number): Promise<Sample> {
  if (arm === 'torch') return torchRun(workload, threads);
  if (workload === 'run') return cliRun(arm, threads, steps);
  return workerRun(arm, workload === 'step' ? 'reference' : workload, threads);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      workloads: { type: 'string', default: 'run,vit,ibot' },
      threads: { type: 'string', default: '1,2' },
      rounds: { type: 'string', default: '3' },
      steps: { type: 'string', default: '40' },
      arms: { type: 'string', default: 'before,after,torch' },
      json: { type: 'string' },
    },
  });
  const workloads = values.workloads!.split(',') as Workload[];
  const threadCounts = values.threads!.split(',').map(Number);
  const arms = values.arms!.split(',') as Arm[];
  const rounds = Number(values.rounds);
  const steps = Number(values.steps);
  const samples = new Map<string, Sample[]>();
  const key = (w: Workload, t: number, a: Arm) => `${w} ${t} ${a}`;
  for (let round = 0; round < rounds; round++) {
    for (const workload of workloads) {
      for (const threads of threadCounts) {
        // rotate the order every round: no arm always runs first (or right after another)
        const order = arms.map((_, i) => arms[(i + round) % arms.length]!);
        for (const arm of order) {
          const t0 = performance.now();
          const sample = await measure(workload, arm, threads, steps);
          const list = samples.get(key(workload, threads, arm)) ?? [];
          list.push(sample);
          samples.set(key(workload, threads, arm), list);
          console.error(
            `round ${round + 1}/${rounds} ${workload} ${threads} thread(s) ${arm}: ${sample.secondsPerStep.toFixed(3)} s/step, ${(sample.images / sample.secondsPerStep).toFixed(1)} images/s` +
              `${sample.cpuSecondsPerStep ? `, ${sample.cpuSecondsPerStep.toFixed(2)} CPU s/step` : ''} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
          );
        }
      }
    }
  }
  const rows: Record<string, unknown>[] = [];
  console.log(`\n${'workload'.padEnd(10)}${'threads'.padStart(8)}${'arm'.padStart(8)}${'s/step'.padStart(9)}${'images/s'.padStart(10)}${'CPU s'.padStart(8)}${'vs before'.padStart(11)}${'vs torch'.padStart(10)}${'CPU vs bef.'.padStart(12)}${'CPU vs tor.'.padStart(11)}`);
  for (const workload of workloads) {
    for (const threads of threadCounts) {
      const med = (arm: Arm) => {
        const list = samples.get(key(workload, threads, arm));
        return list ? median(list.map((s) => s.secondsPerStep)) : undefined;
      };
      for (const arm of arms) {
        const list = samples.get(key(workload, threads, arm))!;
        const s = med(arm)!;
        const cpu = list.every((x) => x.cpuSecondsPerStep !== undefined) ? median(list.map((x) => x.cpuSecondsPerStep!)) : undefined;
        // ratios per round (the arms of a round ran minutes apart, under the same load), then their median
        const pairedRatio = (other: Arm, field: 'secondsPerStep' | 'cpuSecondsPerStep' = 'secondsPerStep') => {
          const mine = samples.get(key(workload, threads, arm));
          const theirs = samples.get(key(workload, threads, other));
          if (arm === other || !mine || !theirs || mine.some((x, i) => x[field] === undefined || theirs[i]![field] === undefined)) return undefined;
          return median(mine.map((x, i) => x[field]! / theirs[i]![field]!));
        };
        const vsBefore = pairedRatio('before');
        const vsTorch = pairedRatio('torch');
        const cpuVsBefore = pairedRatio('before', 'cpuSecondsPerStep');
        const cpuVsTorch = pairedRatio('torch', 'cpuSecondsPerStep');
        rows.push({
          workload,
          threads,
          arm,
          secondsPerStep: s,
          imagesPerSecond: list[0]!.images / s,
          cpuSecondsPerStep: cpu,
          vsBefore,
          vsTorch,
          cpuVsBefore,
          cpuVsTorch,
          samples: list.map((x) => x.secondsPerStep),
          cpuSamples: list.map((x) => x.cpuSecondsPerStep ?? null),
        });
        console.log(
          `${workload.padEnd(10)}${String(threads).padStart(8)}${arm.padStart(8)}${s.toFixed(3).padStart(9)}${(list[0]!.images / s).toFixed(1).padStart(10)}${(cpu?.toFixed(2) ?? '-').padStart(8)}` +
            `${(vsBefore ? `${vsBefore.toFixed(2)}x` : '-').padStart(11)}${(vsTorch ? `${vsTorch.toFixed(2)}x` : '-').padStart(10)}` +
            `${(cpuVsBefore ? `${cpuVsBefore.toFixed(2)}x` : '-').padStart(12)}${(cpuVsTorch ? `${cpuVsTorch.toFixed(2)}x` : '-').padStart(11)}`,
        );
      }
    }
  }
  console.log(`medians over ${rounds} round(s); 'vs': wall (or CPU) seconds per step over theirs in the same round, median over the rounds (< 1x: faster).`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ rounds, steps, rows }, null, 2)}\n`);
}

await main();
