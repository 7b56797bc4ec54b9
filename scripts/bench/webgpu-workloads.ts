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
import { countWebgpuDispatches } from '@selfsup/backend';
import { fusedKernelSwitch } from './webgpu-fused-switch.js';
import { median } from './lib/median.js';

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
  /**
   * After each step, one more with selfsup's fused kernels switched off (the composite LayerNorm
   * and GELU formulas), A/B alternating, when the backend has fused kernels.
   */
  readonly compareComposite?: boolean;
}

/** The composite-formula steps of an A/B run ({@link StepPlan.compareComposite}). */
export interface CompositeTiming {
  readonly stepSeconds: number[];
  readonly secondsPerStep: number;
  readonly dispatchesPerStep: number | undefined;
  /** The most bytes of GPU buffers in use at once during these steps (0 off webgpu). */
  readonly peakBytesInUse: number;
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
  /** Median webgpu dispatches (GPU programs) of a timed step; undefined on other backends. */
  readonly dispatchesPerStep: number | undefined;
  /** The fused kernels the backend had registered (selfsup's WGSL LayerNorm and GELU on webgpu). */
  readonly fusedKernels: readonly string[];
  /** The same steps on the composite formulas, alternating with these, when the plan asked for it. */
  readonly composite: CompositeTiming | undefined;
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
function trackGpuMemory(): { reset(): void; peak(): number; stop(): GpuMemory } | undefined {
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
    peak: () => peak,
    stop: () => {
      manager.acquireBuffer = original;
      return { peakBytesInUse: peak, bytesAllocated: manager.numBytesAllocated };
    },
  };
}

/** A step that returns its loss, and what to dispose afterwards. */
export interface PreparedWorkload {
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

/** The model, optimizer and data of `workload`, ready to step on the active backend. */
export function prepareWorkload(workload: Workload): PreparedWorkload {
  return workload.kind === 'vit' ? prepareVit(workload) : prepareIbot(workload);
}

/** One mode's timed steps. */
interface ModeRecord {
  readonly seconds: number[];
  readonly dispatches: number[];
  peakBytesInUse: number;
}

/** The dispatches of one step on webgpu (undefined on other backends), from countWebgpuDispatches. */
async function countedStep(run: () => Promise<void>): Promise<number | undefined> {
  if (tf.getBackend() !== 'webgpu') {
    await run();
    return undefined;
  }
  const counter = countWebgpuDispatches();
  try {
    await run();
  } finally {
    counter.stop();
  }
  return counter.read().total;
}

/**
 * Runs `plan.warmup` untimed steps of `workload` on the active backend, then up to `plan.steps`
 * timed ones (stopping once `plan.maxSeconds` have passed), each until the device is idle, counting
 * each step's webgpu dispatches. With `plan.compareComposite` and fused kernels registered
 * (selfsup's WGSL LayerNorm and GELU on webgpu), every step is followed by one with those kernels
 * switched off (the composite formulas), A/B alternating in the same process; warm-up steps run in
 * both modes. `onStep` hears about every step as it ends.
 */
export async function timeWorkload(workload: Workload, plan: StepPlan, onStep: (line: string) => void = () => {}): Promise<WorkloadTiming> {
  const prepared = prepareWorkload(workload);
  const toggle = fusedKernelSwitch();
  const modes = plan.compareComposite === true && toggle.names.length > 0 ? ([true, false] as const) : ([true] as const);
  try {
    const warmupSeconds: number[] = [];
    let loss = Number.NaN;
    let tensorsAfterFirst: number | undefined;
    const memory = trackGpuMemory();
    const runOne = async (fused: boolean, record?: ModeRecord): Promise<number> => {
      toggle.set(fused);
      memory?.reset();
      const start = performance.now();
      const dispatches = await countedStep(async () => {
        loss = await prepared.step();
        await waitForDevice();
      });
      const seconds = (performance.now() - start) / 1000;
      tensorsAfterFirst ??= tf.memory().numTensors;
      if (record !== undefined) {
        record.seconds.push(seconds);
        if (dispatches !== undefined) record.dispatches.push(dispatches);
        record.peakBytesInUse = Math.max(record.peakBytesInUse, memory?.peak() ?? 0);
      }
      return seconds;
    };
    const label = (fused: boolean) => (modes.length === 1 ? '' : fused ? ' (fused kernels)' : ' (composite)');
    for (let i = 0; i < plan.warmup; i++) {
      for (const fused of modes) {
        const seconds = await runOne(fused);
        if (fused) warmupSeconds.push(seconds);
        onStep(`warm-up step ${i + 1}/${plan.warmup}${label(fused)}: ${seconds.toFixed(3)} s, loss ${loss.toFixed(4)}`);
      }
    }
    const records = new Map<boolean, ModeRecord>(modes.map((fused) => [fused, { seconds: [], dispatches: [], peakBytesInUse: 0 }]));
    let gpuMemory: GpuMemory | undefined;
    const timedStart = performance.now();
    try {
      for (let i = 0; i < plan.steps; i++) {
        for (const fused of modes) {
          const seconds = await runOne(fused, records.get(fused));
          const dispatches = records.get(fused)!.dispatches.at(-1);
          onStep(`step ${i + 1}/${plan.steps}${label(fused)}: ${seconds.toFixed(3)} s, loss ${loss.toFixed(4)}${dispatches === undefined ? '' : `, ${dispatches} dispatches`}`);
        }
        if ((performance.now() - timedStart) / 1000 >= plan.maxSeconds && i + 1 < plan.steps) {
          onStep(`stopping after ${i + 1} timed step(s)${modes.length === 1 ? '' : ' of each mode'}: --max-seconds ${plan.maxSeconds} reached`);
          break;
        }
      }
    } finally {
      const stopped = memory?.stop();
      gpuMemory = stopped === undefined ? undefined : { ...stopped, peakBytesInUse: records.get(true)!.peakBytesInUse };
      toggle.restore();
    }
    const main = records.get(true)!;
    const composite = records.get(false);
    return {
      warmupSeconds,
      stepSeconds: main.seconds,
      secondsPerStep: median(main.seconds),
      dispatchesPerStep: main.dispatches.length === 0 ? undefined : median(main.dispatches),
      fusedKernels: toggle.names,
      composite:
        composite === undefined
          ? undefined
          : { stepSeconds: composite.seconds, secondsPerStep: median(composite.seconds), dispatchesPerStep: composite.dispatches.length === 0 ? undefined : median(composite.dispatches), peakBytesInUse: composite.peakBytesInUse },
      loss,
      numTensorsGrowth: tf.memory().numTensors - (tensorsAfterFirst ?? 0),
      gpuMemory,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    toggle.restore();
    prepared.dispose();
  }
}
