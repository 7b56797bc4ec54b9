// `npm run soak -- [--backend webgpu] [--steps 1000] [--every 50] [--warmup 100]`: a memory soak.
// Runs a tiny iBOT recipe (ViT dim 32, depth 2, heads 2, patch 4, 28x28 grayscale, batch 16, 2 global
// and 2 local crops, block masks) through `trainStep` for `--steps` steps on one backend, samples
// the tensor count and memory every `--every` steps, and fails (exit 1) when any of them grows
// after the warm-up window (`--warmup` steps: the first epoch's last-layer freeze ends at step 10,
// when AdamW makes that layer's moments). Prints one row per sample and one JSON line at the end.
//
// Measures: tf.memory().numTensors and numBytes (must stay equal to their value at the end of the
// warm-up); on webgpu also numBytesInGPU (bytes of the GPU buffers in use: tensors, uniforms,
// staging) and the buffer manager's count of buffers in use (neither may exceed its warm-up value:
// a buffer never released stays in use), and numBytesAllocatedInGPU, every buffer
// tfjs-backend-webgpu created, its free pool included. tfjs keeps released buffers in a pool keyed
// by size and never frees them; the pool grows when a new size appears (the augmentations run on
// groups of images whose sizes vary from step to step), so it may grow at a falling rate and must
// settle: over the second half of the samples after the warm-up it may grow by at most
// POOL_SETTLED_FRACTION of its size. The JS heap and the resident set are printed for information
// (the garbage collector makes them noisy), as are the pool's free buffers and distinct sizes.
//
// webgpu without a GPU: SELFSUP_WEBGPU_BACKEND=opengles EGL_PLATFORM=surfaceless (Mesa's llvmpipe,
// see docs/concepts/backends.md#gpu). scripts/ci/webgpu-tests.sh runs this soak.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { createRng } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createIbotPretraining, type IbotConfigInput, type ImageBatch } from '@selfsup/ibot';
import { stepRng, trainStep } from '@selfsup/train';

const ITERATIONS_PER_EPOCH = 10;
/** The largest growth of the GPU buffer pool over the second half of the samples after the warm-up. */
const POOL_SETTLED_FRACTION = 0.01;
const BATCH = 16;
const SIZE = 28;

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    steps: { type: 'string', default: '1000' },
    every: { type: 'string' },
    warmup: { type: 'string' },
  },
});

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`soak: --${name} must be a positive integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

const steps = positiveInteger('steps', args.steps!);
const every = positiveInteger('every', args.every ?? String(Math.max(1, Math.min(50, Math.floor(steps / 10)))));
const warmup = positiveInteger('warmup', args.warmup ?? String(Math.max(2 * ITERATIONS_PER_EPOCH, 2 * every)));
if (warmup + every > steps) {
  console.error(`soak: --warmup ${warmup} leaves no sample after it in ${steps} steps (every ${every}): raise --steps or lower --warmup`);
  process.exit(2);
}

const config: IbotConfigInput = {
  seed: 0,
  epochs: Math.ceil(steps / ITERATIONS_PER_EPOCH),
  batchSize: BATCH,
  backbone: { imageSize: SIZE, patchSize: 4, inChannels: 1, embedDim: 32, depth: 2, headCount: 2 },
  head: { outDim: 64, hiddenDim: 64, bottleneckDim: 16 },
  augmentation: { globalSize: SIZE, localSize: 12, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

/** A batch of random grayscale images, a different one per step. */
function batch(step: number): ImageBatch {
  const rng = createRng(step);
  return { images: Uint8Array.from({ length: BATCH * SIZE * SIZE }, () => rng.integer(0, 256)), size: BATCH, height: SIZE, width: SIZE, channels: 1 };
}

/** tfjs-backend-webgpu's buffer manager (not part of its typed API). */
interface BufferManager {
  getNumUsedBuffers(): number;
  getNumFreeBuffers(): number;
  readonly freeBuffers: Map<string, unknown[]>;
}

interface Sample {
  step: number;
  numTensors: number;
  numBytes: number;
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
  usedBuffers?: number;
  freeBuffers?: number;
  poolSizes?: number;
  heapUsedMiB: number;
  rssMiB: number;
  msPerStep: number;
  loss: number;
}

function sample(step: number, msPerStep: number, loss: number): Sample {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  const buffers = (tf.backend() as unknown as { bufferManager?: BufferManager }).bufferManager;
  const usage = process.memoryUsage();
  return {
    step,
    numTensors: memory.numTensors,
    numBytes: memory.numBytes,
    ...(memory.numBytesInGPU === undefined ? {} : { numBytesInGPU: memory.numBytesInGPU }),
    ...(memory.numBytesAllocatedInGPU === undefined ? {} : { numBytesAllocatedInGPU: memory.numBytesAllocatedInGPU }),
    ...(buffers ? { usedBuffers: buffers.getNumUsedBuffers(), freeBuffers: buffers.getNumFreeBuffers(), poolSizes: buffers.freeBuffers.size } : {}),
    heapUsedMiB: usage.heapUsed / 2 ** 20,
    rssMiB: usage.rss / 2 ** 20,
    msPerStep,
    loss,
  };
}

/** Measures that must equal their warm-up value, and those that must not exceed it. */
const EQUAL = ['numTensors', 'numBytes'] as const;
const NOT_ABOVE = ['numBytesInGPU', 'usedBuffers'] as const;

function problems(samples: readonly Sample[]): string[] {
  const reference = samples.find((s) => s.step >= warmup)!;
  const after = samples.filter((x) => x.step > reference.step);
  const found: string[] = [];
  const middle = after[Math.floor((after.length - 1) / 2)]!;
  const end = after.at(-1)!;
  if (middle.numBytesAllocatedInGPU !== undefined && end.numBytesAllocatedInGPU !== undefined) {
    const growth = end.numBytesAllocatedInGPU - middle.numBytesAllocatedInGPU;
    if (growth > POOL_SETTLED_FRACTION * middle.numBytesAllocatedInGPU) {
      found.push(`numBytesAllocatedInGPU grew by ${growth} bytes from step ${middle.step} to ${end.step}, more than ${POOL_SETTLED_FRACTION * 100}% of ${middle.numBytesAllocatedInGPU}: the buffer pool does not settle`);
    }
  }
  for (const s of after) {
    for (const key of EQUAL) {
      if (s[key] !== reference[key]) found.push(`${key} ${s[key]} at step ${s.step}, ${reference[key]} after the warm-up (step ${reference.step})`);
    }
    for (const key of NOT_ABOVE) {
      const value = s[key];
      const before = reference[key];
      if (value !== undefined && before !== undefined && value > before) {
        found.push(`${key} ${value} at step ${s.step}, above ${before} after the warm-up (step ${reference.step})`);
      }
    }
  }
  return found;
}

function row(s: Sample): string {
  const cells = [
    String(s.step).padStart(6),
    String(s.numTensors).padStart(8),
    String(s.numBytes).padStart(11),
    String(s.numBytesInGPU ?? '-').padStart(11),
    String(s.numBytesAllocatedInGPU ?? '-').padStart(11),
    String(s.usedBuffers ?? '-').padStart(6),
    String(s.freeBuffers ?? '-').padStart(6),
    String(s.poolSizes ?? '-').padStart(5),
    s.heapUsedMiB.toFixed(1).padStart(8),
    s.rssMiB.toFixed(0).padStart(7),
    s.msPerStep.toFixed(0).padStart(8),
    s.loss.toFixed(4).padStart(9),
  ];
  return cells.join(' ');
}

let info;
try {
  info = await useBackend(args.backend as BackendName);
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  if (args.backend === 'webgpu') console.error('soak: without a GPU, set SELFSUP_WEBGPU_BACKEND=opengles (Mesa software adapter; see docs/concepts/backends.md#gpu)');
  process.exit(1);
}
const adapter = info.adapter ? `; adapter ${info.adapter.device || info.adapter.description}${info.adapter.software ? ' (software)' : ''}` : '';
console.log(`soak: ${steps} iBOT steps on ${info.name} (${info.reason}${adapter}); ViT dim 32 depth 2, 28x28, batch ${BATCH}; sample every ${every}, warm-up ${warmup}`);
console.log('  step  tensors       bytes   gpu bytes   gpu alloc   used   free sizes  heapMiB  rssMiB  ms/step      loss');

const pretraining = createIbotPretraining(config, ITERATIONS_PER_EPOCH);
const samples: Sample[] = [];
const started = performance.now();
const cpuStarted = process.cpuUsage();
let windowStart = started;
let windowSteps = 0;
for (let iteration = 0; iteration < steps; iteration++) {
  const result = await trainStep(pretraining.recipe, batch(iteration), {
    optimizer: pretraining.optimizer,
    gradients: pretraining.gradients,
    context: { iteration, epoch: Math.floor(iteration / ITERATIONS_PER_EPOCH), iterationsPerEpoch: ITERATIONS_PER_EPOCH, rng: stepRng(0, iteration) },
  });
  windowSteps++;
  const step = iteration + 1;
  if (step % every === 0 || step === steps) {
    const now = performance.now();
    const s = sample(step, (now - windowStart) / windowSteps, result.loss);
    windowStart = now;
    windowSteps = 0;
    samples.push(s);
    console.log(row(s));
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
pretraining.dispose();

const found = problems(samples);
const reference = samples.find((s) => s.step >= warmup)!;
const last = samples.at(-1)!;
const summary = {
  backend: info.name,
  adapter: info.adapter?.device || info.adapter?.description,
  steps,
  seconds: Math.round(seconds),
  cpuSeconds: Math.round(cpuSeconds),
  warmupStep: reference.step,
  steady: found.length === 0,
  atWarmup: reference,
  atEnd: last,
};
console.log(`soak: ${JSON.stringify(summary)}`);
if (found.length > 0) {
  console.error(`soak: FAILED: memory grew after the warm-up:\n  ${found.slice(0, 10).join('\n  ')}${found.length > 10 ? `\n  ... ${found.length - 10} more` : ''}`);
  process.exit(1);
}
console.log(`soak: steady over ${steps} steps on ${info.name} in ${seconds.toFixed(0)} s (${cpuSeconds.toFixed(0)} s of CPU time; tensor count ${last.numTensors}, ${last.numBytes} bytes)`);
