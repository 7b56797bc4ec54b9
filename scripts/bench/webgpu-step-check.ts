// Checks training steps on webgpu against the same steps on cpu, in one process: the numbers a
// step reports must agree within float32 tolerance, and the WebGPU device must report no
// validation, out-of-memory or internal error (an invalid pipeline leaves stale values behind and
// says nothing else: see the addN fix in docs/concepts/backends.md).
//
//   - `vit-step`: two ViT training steps (forward, mean(tokens ** 2), backward, AdamW): the loss and
//     the global gradient norm of each step (the second step runs on the updated weights, so it
//     checks the update too). The norm sums one squared norm per parameter with tf.addN (150
//     inputs for a depth-12 ViT: past the per-shader storage-buffer limit that broke addN).
//   - `ibot-step`: two iBOT iterations through @selfsup/train's trainStep (the configuration of
//     packages/ibot/src/ibot/ibot-train-step-webgpu.test.ts): the loss, the [CLS] and patch terms and
//     the gradient norm the step reports.
//
// Tolerance: |webgpu - cpu| <= atol + rtol * |cpu| with rtol 1e-3 and atol 1e-5, per number: a whole
// step chains hundreds of reductions, summed in another order on each backend.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@selfsup/backend';
import { createVit, type VitPresetName } from '@selfsup/backbones';
import { createRng } from '@selfsup/core';
import { createIbotPretraining } from '@selfsup/ibot';
import { createAdamW } from '@selfsup/optim';
import { stepRng, trainStep } from '@selfsup/train';

/** The tolerance of every compared number. */
export const STEP_CHECK_TOLERANCE = { rtol: 1e-3, atol: 1e-5 } as const;

/** The ViT of the `vit-step` check. */
export interface VitCheckSize {
  readonly preset: VitPresetName;
  readonly image: number;
  readonly patch: number;
  readonly batch: number;
}

/**
 * On a GPU: ViT-S/16's widths, depth and patch on 32x32 images (5 tokens), batch 2: the products
 * have ViT-S's inner sizes (384, 1152, 1536), and tfjs's single-threaded cpu side stays within seconds.
 */
export const GPU_VIT_CHECK: VitCheckSize = { preset: 'small', image: 32, patch: 16, batch: 2 };

/** On the software adapter: ViT-Tiny on 32x32 images, patch 8 (17 tokens), batch 2. */
export const SOFTWARE_VIT_CHECK: VitCheckSize = { preset: 'tiny', image: 32, patch: 8, batch: 2 };

/** One compared step. */
export interface StepCheck {
  readonly name: string;
  /** What each number is, e.g. `step 1 loss`. */
  readonly labels: string[];
  readonly cpu: number[];
  readonly webgpu: number[];
  /** max |webgpu - cpu| / (atol + rtol |cpu|): at most 1 passes. */
  readonly worstRatio: number;
  /** The label of the number with the worst ratio. */
  readonly worst: string;
  /** Errors the WebGPU device reported while the step ran. */
  readonly deviceErrors: string[];
  readonly passed: boolean;
  /** Seconds the webgpu side took (both steps, shader compilation included). */
  readonly webgpuSeconds: number;
  /** Seconds the cpu side took. */
  readonly cpuSeconds: number;
}

interface ErrorScopes {
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

const SCOPES = ['validation', 'out-of-memory', 'internal'] as const;

/** What one side of a check gave: its numbers, or the error it threw. */
interface SideResult {
  numbers: number[];
  deviceErrors: string[];
  seconds: number;
}

/**
 * Runs `fn` on `backend`; on webgpu inside error scopes, whose errors are returned. An exception
 * from `fn` becomes a device error line (and no numbers), so that the other checks still run.
 */
async function runOn(backend: 'cpu' | 'webgpu', fn: () => Promise<number[]>): Promise<SideResult> {
  await useBackend(backend);
  const device = (tf.backend() as unknown as { device?: ErrorScopes }).device;
  const scoped = typeof device?.pushErrorScope === 'function' ? device : undefined;
  for (const scope of SCOPES) scoped?.pushErrorScope(scope);
  const start = performance.now();
  const deviceErrors: string[] = [];
  let numbers: number[] = [];
  try {
    numbers = await fn();
  } catch (error) {
    deviceErrors.push(`exception: ${(error as Error)?.message ?? String(error)}`);
  }
  const seconds = (performance.now() - start) / 1000;
  if (scoped !== undefined) {
    for (const scope of [...SCOPES].reverse()) {
      const error = await scoped.popErrorScope();
      if (error !== null) deviceErrors.push(`${scope}: ${error.message}`);
    }
  }
  return { numbers, deviceErrors, seconds };
}

function compare(name: string, labels: string[], cpu: SideResult, gpu: SideResult): StepCheck {
  let worstRatio = 0;
  let worst = '';
  labels.forEach((label, i) => {
    const expected = cpu.numbers[i] ?? Number.NaN;
    const actual = gpu.numbers[i] ?? Number.NaN;
    const ratio = Number.isFinite(actual) && Number.isFinite(expected) ? Math.abs(actual - expected) / (STEP_CHECK_TOLERANCE.atol + STEP_CHECK_TOLERANCE.rtol * Math.abs(expected)) : Number.POSITIVE_INFINITY;
    if (ratio >= worstRatio) {
      worstRatio = ratio;
      worst = label;
    }
  });
  return {
    name,
    labels,
    cpu: cpu.numbers,
    webgpu: gpu.numbers,
    worstRatio,
    worst,
    deviceErrors: [...cpu.deviceErrors.map((e) => `cpu ${e}`), ...gpu.deviceErrors],
    passed: worstRatio <= 1 && gpu.deviceErrors.length === 0 && cpu.deviceErrors.length === 0,
    webgpuSeconds: gpu.seconds,
    cpuSeconds: cpu.seconds,
  };
}

/** Two ViT steps: loss and global gradient norm of each. */
async function vitSteps(size: VitCheckSize): Promise<number[]> {
  const vit = createVit({ preset: size.preset, imageSize: size.image, patchSize: size.patch, inChannels: 3, seed: 0 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const variables = parameters.map((p) => p.variable);
  const optimizer = createAdamW({ parameters, learningRate: 1e-3, weightDecay: 0.05 });
  const images = tf.randomUniform([size.batch, size.image, size.image, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const numbers: number[] = [];
  try {
    for (let iteration = 0; iteration < 2; iteration++) {
      const { value, grads } = tf.variableGrads(() => {
        const { classToken, patchTokens } = vit.encode(images, { training: true });
        return tf.div(tf.add(tf.sum(tf.square(classToken)), tf.sum(tf.square(patchTokens))), classToken.size + patchTokens.size) as tf.Scalar;
      }, variables);
      // [loss, norm]: one read per step
      const both = tf.tidy(() => tf.stack([value, tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))))]));
      optimizer.step(grads, iteration);
      numbers.push(...(await both.data()));
      tf.dispose([value, grads, both]);
    }
  } finally {
    tf.dispose(images);
    optimizer.dispose();
    vit.dispose();
  }
  return numbers;
}

/** The iBOT configuration of packages/ibot/src/ibot/ibot-train-step-webgpu.test.ts (16x16 grayscale, dim 16, depth 2). */
const IBOT_CHECK = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 2, headCount: 2 },
  head: { outDim: 32, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

/** Two iBOT iterations: loss, [CLS] term, patch term and gradient norm of each. */
async function ibotSteps(): Promise<number[]> {
  const pretraining = createIbotPretraining(IBOT_CHECK as never, 3);
  const numbers: number[] = [];
  try {
    for (let iteration = 0; iteration < 2; iteration++) {
      const rng = createRng(iteration);
      const batch = { images: Uint8Array.from({ length: 4 * 16 * 16 }, () => rng.integer(0, 256)), size: 4, height: 16, width: 16, channels: 1 };
      const result = await trainStep(pretraining.recipe, batch, {
        optimizer: pretraining.optimizer,
        gradients: pretraining.gradients,
        context: { iteration, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(0, iteration) },
      });
      numbers.push(result.loss, result.metrics.cls ?? Number.NaN, result.metrics.patch ?? Number.NaN, result.gradNorm);
    }
  } finally {
    pretraining.dispose();
  }
  return numbers;
}

/**
 * Runs the `vit-step` check (ViT of `vitSize`) and the `ibot-step` check on cpu, then on webgpu,
 * and compares them. Leaves the webgpu backend active.
 */
export async function checkStepsAgainstCpu(vitSize: VitCheckSize, log: (line: string) => void = () => {}): Promise<StepCheck[]> {
  const checks: StepCheck[] = [];
  const vitLabels = ['step 1 loss', 'step 1 gradient norm', 'step 2 loss', 'step 2 gradient norm'];
  const vitName = `vit-step (${size(vitSize)})`;
  const vitCpu = await runOn('cpu', () => vitSteps(vitSize));
  const vitGpu = await runOn('webgpu', () => vitSteps(vitSize));
  checks.push(compare(vitName, vitLabels, vitCpu, vitGpu));
  log(describeCheck(checks.at(-1)!));
  const ibotLabels = [1, 2].flatMap((s) => [`step ${s} loss`, `step ${s} cls`, `step ${s} patch`, `step ${s} gradient norm`]);
  const ibotCpu = await runOn('cpu', ibotSteps);
  const ibotGpu = await runOn('webgpu', ibotSteps);
  checks.push(compare('ibot-step (16x16 grayscale, dim 16, depth 2, batch 4)', ibotLabels, ibotCpu, ibotGpu));
  log(describeCheck(checks.at(-1)!));
  return checks;
}

function size(vit: VitCheckSize): string {
  return `ViT-${vit.preset} ${vit.image}x${vit.image} patch ${vit.patch}, batch ${vit.batch}`;
}

/** One line: passed or not, the worst number and its error relative to the tolerance. */
export function describeCheck(check: StepCheck): string {
  const i = check.labels.indexOf(check.worst);
  const pair = i >= 0 ? ` (webgpu ${check.webgpu[i]}, cpu ${check.cpu[i]})` : '';
  const errors = check.deviceErrors.length > 0 ? `; device errors: ${check.deviceErrors.join(' | ')}` : '';
  return (
    `${check.passed ? 'PASS' : 'FAIL'} ${check.name}: worst ${check.worst}${pair} at ${check.worstRatio.toFixed(3)} of the tolerance ` +
    `(rtol ${STEP_CHECK_TOLERANCE.rtol}, atol ${STEP_CHECK_TOLERANCE.atol}); webgpu ${check.webgpuSeconds.toFixed(1)} s, cpu ${check.cpuSeconds.toFixed(1)} s${errors}`
  );
}
