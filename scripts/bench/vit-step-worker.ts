// One ViT training step, timed in a process of its own (spawned by vit-step.bench.ts, so that each
// backend's peak RSS is its own and a wasm heap abort cannot take the whole bench down):
//
//   node --conditions=@selfsup/source --import tsx scripts/bench/vit-step-worker.ts \
//     --backend wasm --threads 2 --batch 64 --steps 3 [--warmup 1] [--preset tiny] [--image 32] \
//     [--patch 4] [--attention auto|depthwise|matmul] [--profile]
//
// Builds createVit({ preset, imageSize, patchSize }), then runs warm-up + timed steps of forward
// (the loss is the mean square of every output token, [CLS] and patches, as torch-reference.py's
// vit-step), backward (tf.variableGrads) and an AdamW update (lr 1e-4, weight decay 0.05; from
// @selfsup/optim). Prints one JSON line on stdout:
//   { backend, threads, batch, steps, msPerStep (median wall time), msPerStepMin, stepMs[],
//     cpuMsPerStep (median CPU time of the process, all threads), peakRssMb, wasmHeapMb (the
//     wasm heap's size, null on other backends), numTensors, numTensorsGrowth, attentionImpl }
// On a shared machine, CPU time over wall time tells how much of a core the step really got.
// `numTensors` is the live tensor count after the last step, `numTensorsGrowth` its change since the
// end of the first step (0 when nothing leaks; null after a single step). With --profile, one more step runs under tf.profile and the
// kernels taking the most CPU time go to stderr.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { useBackend, type BackendName } from '@selfsup/backend';
import { ATTENTION_IMPL_FLAG, createVit, resolveAttentionImpl, type VitPresetName } from '@selfsup/backbones';
import { createAdamW } from '@selfsup/optim';
import { median } from './lib/median.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'tiny' },
    image: { type: 'string', default: '32' },
    patch: { type: 'string', default: '4' },
    attention: { type: 'string', default: 'auto' },
    profile: { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string, raw: string | undefined, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`vit-step-worker: --${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

const batch = positiveInteger('batch', args.batch);
const steps = positiveInteger('steps', args.steps);
const warmup = positiveInteger('warmup', args.warmup, 0);
const imageSize = positiveInteger('image', args.image);
const patchSize = positiveInteger('patch', args.patch);
const info = await useBackend(args.backend as BackendName, { threads: positiveInteger('threads', args.threads) });
process.stderr.write(`vit-step-worker: ${info.name} with ${info.threads} thread(s) (${info.reason}); batch ${batch}\n`);

// The attention formulation (see ATTENTION_IMPL_FLAG in @selfsup/backbones): auto, depthwise or matmul.
tf.env().set(ATTENTION_IMPL_FLAG, args.attention);
const vit = createVit({ preset: args.preset as VitPresetName, imageSize, patchSize, seed: 0 });
const parameters = vit.parameters().filter((p) => p.trainable);
const variables = parameters.map((p) => p.variable);
const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
// Fixed pseudo-random images (the content does not change the work done).
const images = tf.randomUniform([batch, imageSize, imageSize, vit.inChannels], -1, 1, 'float32', 1) as tf.Tensor4D;

/** Mean square of every output token: ([CLS] sum + patch sum) / (batch * tokens * dim). */
function loss(): tf.Scalar {
  const { classToken, patchTokens } = vit.encode(images, { training: true });
  const count = classToken.size + patchTokens.size;
  return tf.div(tf.add(tf.sum(tf.square(classToken)), tf.sum(tf.square(patchTokens))), count) as tf.Scalar;
}

let iteration = 0;
function step(): void {
  const { value, grads } = tf.variableGrads(loss, variables);
  optimizer.step(grads, iteration++);
  // Wait for the results (the cpu and wasm kernels run synchronously; this also covers async backends).
  value.dataSync();
  tf.dispose([value, grads]);
}

for (let i = 0; i < warmup; i++) step();
// The first step creates the optimizer's moments: count leaks from the end of the first step on.
let tensorsBefore = warmup > 0 ? tf.memory().numTensors : undefined;
const stepMs: number[] = [];
const cpuMs: number[] = [];
for (let i = 0; i < steps; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  step();
  stepMs.push(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  cpuMs.push((cpu.user + cpu.system) / 1000);
  process.stderr.write(`  step ${i + 1}/${steps}: ${(stepMs[i]! / 1000).toFixed(2)} s (CPU time of all threads ${(cpuMs[i]! / 1000).toFixed(2)} s)\n`);
  tensorsBefore ??= tf.memory().numTensors;
}
const numTensors = tf.memory().numTensors;

if (args.profile) {
  // Time kernels by the CPU time of the process rather than the wall clock, so that other processes
  // on a shared machine do not distort the split (the cpu and wasm kernels run synchronously).
  const timed = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  timed.time = async (f) => {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    return { kernelMs: (used.user + used.system) / 1000 };
  };
  const profile = await tf.profile(step);
  const backendName = tf.getBackend();
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let kernelMs = 0;
  for (const kernel of profile.kernels) {
    // Only registered kernels: custom gradients and fused ops appear as enclosing entries too.
    if (tf.getKernel(kernel.name, backendName) === undefined) continue;
    const ms = Number(await kernel.kernelTimeMs);
    kernelMs += ms;
    const key = `${kernel.name} ${JSON.stringify(kernel.inputShapes)}`;
    const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(key, entry);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  process.stderr.write(`profile: ${profile.kernels.length} kernel calls, ${kernelMs.toFixed(0)} ms of CPU time in kernels\n`);
  for (const [key, entry] of rows.slice(0, 40)) {
    process.stderr.write(`${entry.ms.toFixed(1).padStart(9)} ms ${String(entry.calls).padStart(4)}x  ${key}\n`);
  }
}

/** The size the wasm backend's heap grew to (it never shrinks; at most 4 GB), or null on other backends. */
function wasmHeapMb(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.length / 2 ** 20 : null;
}

const result = {
  backend: info.name,
  threads: info.threads,
  batch,
  steps,
  msPerStep: median(stepMs),
  msPerStepMin: Math.min(...stepMs),
  stepMs,
  cpuMsPerStep: median(cpuMs),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  wasmHeapMb: wasmHeapMb(),
  numTensors,
  // null when only one step ran in all (nothing to compare with)
  numTensorsGrowth: warmup + steps > 1 ? numTensors - tensorsBefore! : null,
  attentionImpl: `${resolveAttentionImpl()} (${ATTENTION_IMPL_FLAG}=${String(tf.env().get(ATTENTION_IMPL_FLAG))})`,
};
tf.dispose(images);
optimizer.dispose();
vit.dispose();
process.stdout.write(`${JSON.stringify(result)}\n`);
// The wasm backend's thread workers would keep the process alive.
process.exit(0);
