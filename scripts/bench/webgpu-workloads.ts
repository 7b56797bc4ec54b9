// The two training workloads the webgpu benchmark times, on whatever backend is active:
//
//   - `vit`: one ViT training step: forward, the loss mean(tokens ** 2) over every output token,
//     backward (tf.variableGrads) and an AdamW update (lr 1e-4, weight decay 0.05), as
//     torch-webgpu-reference.py's `vit-step` (and vit-step-worker.ts);
//   - `ibot`: one iBOT iteration of @selfsup/ibot through @selfsup/train's trainStep (multi-crop
//     augmentation, block masks, EMA teacher, DINO [CLS] and iBOT patch losses, per-parameter
//     clipping, AdamW, centres), as native.bench.ts's iBOT row and torch-webgpu-reference.py's `ibot`.
//
// A step is timed until the device is idle (see waitForDevice), so the update and the EMA that a
// step leaves queued on the GPU count in that step. GPU memory on webgpu is read from
// tfjs-backend-webgpu's buffer manager: the most bytes held by live tensors and in-flight buffers at
// once (a hook on its acquireBuffer), and the bytes its buffer pool holds at the end (it keeps
// released buffers for reuse, so this is the high-water mark of what it took from the device).
import * as tf from '@tensorflow/tfjs-core';
import { createVit, type VitPresetName } from '@selfsup/backbones';
import { createRng } from '@selfsup/core';
import { createIbotPretraining } from '@selfsup/ibot';
import { createAdamW } from '@selfsup/optim';
import { stepRng, trainStep } from '@selfsup/train';

/** One ViT training step on `batch` square RGB images. */
export interface VitWorkload {
  readonly kind: 'vit';
  readonly preset: VitPresetName;
  readonly image: number;
  readonly patch: number;
  readonly batch: number;
}

/**
 * One iBOT iteration: student and EMA teacher ViTs of `preset`, a shared head, `globalCrops` crops
 * of `globalSize` with block masks (ratio 0.3 +- 0.2) and `localCrops` of `localSize`, from a batch
 * of `batch` RGB images of side `image`.
 */
export interface IbotWorkload {
  readonly kind: 'ibot';
  readonly preset: VitPresetName;
  readonly image: number;
  readonly patch: number;
  readonly batch: number;
  readonly globalCrops: number;
  readonly globalSize: number;
  readonly localCrops: number;
  readonly localSize: number;
  readonly outDim: number;
  readonly hiddenDim: number;
  readonly bottleneckDim: number;
}

export type Workload = VitWorkload | IbotWorkload;

/** How many steps to run. */
export interface StepPlan {
  /** Untimed steps first (the first one compiles the shaders). */
  readonly warmup: number;
  /** Timed steps, at most. */
  readonly steps: number;
  /** Stop timing once this many seconds of timed steps have passed (at least one step runs). */
  readonly maxSeconds: number;
}

/** GPU memory of a webgpu run, from tfjs-backend-webgpu's buffer manager. */
export interface GpuMemory {
  /** The most bytes in buffers handed out at once (tensors, uniforms, staging) during the timed steps. */
  readonly peakBytesInUse: number;
  /** The bytes of every buffer the pool holds at the end, free ones included. */
  readonly bytesAllocated: number;
}

/** What {@link timeWorkload} measured. */
export interface WorkloadTiming {
  /** Seconds of each untimed warm-up step (the first includes shader compilation). */
  readonly warmupSeconds: number[];
  /** Seconds of each timed step. */
  readonly stepSeconds: number[];
  /** Median of `stepSeconds`. */
  readonly secondsPerStep: number;
  /** The last step's loss. */
  readonly loss: number;
  /** Live tensors after the last step minus after the first (0 when nothing leaks). */
  readonly numTensorsGrowth: number;
  /** On webgpu: the buffer manager's figures; undefined on CPU backends. */
  readonly gpuMemory: GpuMemory | undefined;
  /** Peak resident memory of the process, in MB. */
  readonly peakRssMb: number;
}

/** The parts of tfjs-backend-webgpu's backend this file reads (internal API, 4.22). */
interface WebgpuBackendInternals {
  device: { queue: { onSubmittedWorkDone(): Promise<void> } };
  bufferManager: {
    numBytesUsed: number;
    numBytesAllocated: number;
    acquireBuffer(...args: unknown[]): unknown;
  };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

function webgpuInternals(): WebgpuBackendInternals | undefined {
  const backend = tf.backend() as unknown as Partial<WebgpuBackendInternals>;
  return backend.bufferManager !== undefined && typeof backend.submitQueue === 'function' && backend.device?.queue !== undefined
    ? (backend as WebgpuBackendInternals)
    : undefined;
}

/**
 * Waits until the GPU has run every command tfjs-backend-webgpu recorded so far (it batches
 * dispatches and submits them lazily). Returns at once on CPU backends, whose kernels are synchronous.
 */
export async function waitForDevice(): Promise<void> {
  const backend = webgpuInternals();
  if (backend === undefined) return;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

/** Tracks the buffer manager's bytes in use; `stop` restores its method and returns the figures. */
function trackGpuMemory(): { reset(): void; stop(): GpuMemory } | undefined {
  const backend = webgpuInternals();
  if (backend === undefined) return undefined;
  const manager = backend.bufferManager;
  const original = manager.acquireBuffer;
  let peak = manager.numBytesUsed;
  manager.acquireBuffer = function acquireBufferTracked(this: typeof manager, ...args: unknown[]) {
    const buffer = original.apply(this, args);
    if (manager.numBytesUsed > peak) peak = manager.numBytesUsed;
    return buffer;
  };
  return {
    reset: () => {
      peak = manager.numBytesUsed;
    },
    stop: () => {
      manager.acquireBuffer = original;
      return { peakBytesInUse: peak, bytesAllocated: manager.numBytesAllocated };
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A step that returns its loss, and what to dispose afterwards. */
interface PreparedWorkload {
  step(): Promise<number>;
  dispose(): void;
}

function prepareVit(workload: VitWorkload): PreparedWorkload {
  const vit = createVit({ preset: workload.preset, imageSize: workload.image, patchSize: workload.patch, inChannels: 3, seed: 0 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const variables = parameters.map((p) => p.variable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-4, weightDecay: 0.05 });
  // Fixed pseudo-random images: the content does not change the work done.
  const images = tf.randomUniform([workload.batch, workload.image, workload.image, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  let iteration = 0;
  return {
    async step() {
      const { value, grads } = tf.variableGrads(() => {
        const { classToken, patchTokens } = vit.encode(images, { training: true });
        // mean(tokens ** 2) over every output token, [CLS] and patches
        return tf.div(tf.add(tf.sum(tf.square(classToken)), tf.sum(tf.square(patchTokens))), classToken.size + patchTokens.size) as tf.Scalar;
      }, variables);
      optimizer.step(grads, iteration++);
      const loss = (await value.data())[0]!;
      tf.dispose([value, grads]);
      return loss;
    },
    dispose() {
      tf.dispose(images);
      optimizer.dispose();
      vit.dispose();
    },
  };
}

const ITERATIONS_PER_EPOCH = 1000;

function prepareIbot(workload: IbotWorkload): PreparedWorkload {
  const run = createIbotPretraining(
    {
      seed: 0,
      epochs: 10,
      batchSize: workload.batch,
      backbone: { preset: workload.preset, imageSize: workload.globalSize, patchSize: workload.patch, inChannels: 3, dropPathRate: 0 },
      head: { outDim: workload.outDim, hiddenDim: workload.hiddenDim, bottleneckDim: workload.bottleneckDim, sharedHead: true, normalizeLastLayer: true },
      augmentation: {
        globalCrops: workload.globalCrops,
        globalSize: workload.globalSize,
        localCrops: workload.localCrops,
        localSize: workload.localSize,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      masking: { shape: 'block', ratio: 0.3, variance: 0.2 },
      optimizer: { warmupEpochs: 1 },
    } as never,
    ITERATIONS_PER_EPOCH,
  );
  const rng = createRng(7);
  const images = Uint8Array.from({ length: workload.batch * workload.image * workload.image * 3 }, () => rng.integer(0, 256));
  const data = { images, size: workload.batch, height: workload.image, width: workload.image, channels: 3 };
  let iteration = 0;
  return {
    async step() {
      const result = await trainStep(run.recipe, data, {
        optimizer: run.optimizer,
        gradients: run.gradients,
        context: { iteration, epoch: Math.floor(iteration / ITERATIONS_PER_EPOCH), iterationsPerEpoch: ITERATIONS_PER_EPOCH, rng: stepRng(0, iteration) },
      });
      iteration++;
      return result.loss;
    },
    dispose() {
      run.dispose();
    },
  };
}

/**
 * Runs `plan.warmup` untimed steps of `workload` on the active backend, then up to `plan.steps`
 * timed ones (stopping once `plan.maxSeconds` have passed), each until the device is idle.
 * `onStep` hears about every step as it ends.
 */
export async function timeWorkload(workload: Workload, plan: StepPlan, onStep: (line: string) => void = () => {}): Promise<WorkloadTiming> {
  const prepared = workload.kind === 'vit' ? prepareVit(workload) : prepareIbot(workload);
  try {
    const warmupSeconds: number[] = [];
    const stepSeconds: number[] = [];
    let loss = Number.NaN;
    let tensorsAfterFirst: number | undefined;
    const runOne = async (): Promise<number> => {
      const start = performance.now();
      loss = await prepared.step();
      await waitForDevice();
      tensorsAfterFirst ??= tf.memory().numTensors;
      return (performance.now() - start) / 1000;
    };
    for (let i = 0; i < plan.warmup; i++) {
      warmupSeconds.push(await runOne());
      onStep(`warm-up step ${i + 1}/${plan.warmup}: ${warmupSeconds.at(-1)!.toFixed(3)} s, loss ${loss.toFixed(4)}`);
    }
    const memory = trackGpuMemory();
    let gpuMemory: GpuMemory | undefined;
    const timedStart = performance.now();
    try {
      for (let i = 0; i < plan.steps; i++) {
        stepSeconds.push(await runOne());
        onStep(`step ${i + 1}/${plan.steps}: ${stepSeconds.at(-1)!.toFixed(3)} s, loss ${loss.toFixed(4)}`);
        if ((performance.now() - timedStart) / 1000 >= plan.maxSeconds && i + 1 < plan.steps) {
          onStep(`stopping after ${i + 1} timed step(s): --max-seconds ${plan.maxSeconds} reached`);
          break;
        }
      }
    } finally {
      gpuMemory = memory?.stop();
    }
    return {
      warmupSeconds,
      stepSeconds,
      secondsPerStep: median(stepSeconds),
      loss,
      numTensorsGrowth: tf.memory().numTensors - (tensorsAfterFirst ?? 0),
      gpuMemory,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    prepared.dispose();
  }
}
