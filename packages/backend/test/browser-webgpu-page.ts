// The page of browser-webgpu.test.ts, bundled by esbuild for Chromium: selfsup's backend in a
// browser, as an app uses it (the packages a Node.js user installs; tfjs-backend-webgpu handed over
// with provideBackendPackage). It runs a tiny ViT's forward and backward pass on cpu, then on
// webgpu (navigator.gpu; selfsup's WGSL LayerNorm and GELU kernels installed by useBackend), then
// three optimizer steps (per-parameter clipping and AdamW, selfsup's WGSL SelfsupClipNorm and
// SelfsupAdamW on webgpu, the composite ops on cpu) from cpu's weights and gradients on each, and
// leaves what it saw in `window.selfsupResult` for the test to compare.
import * as tf from '@tensorflow/tfjs-core';
import * as webgpu from '@tensorflow/tfjs-backend-webgpu';
import { countWebgpuDispatches, provideBackendPackage, useBackend } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { clipGradientsPerParameter, createAdamW } from '@selfsup/optim';

/** What the page reports. */
export interface BrowserWebgpuResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly hasNavigatorGpu: boolean;
  readonly adapter?: unknown;
  readonly reason?: string;
  /** Loss and the gradient of every parameter that has one (by PyTorch name), flattened, on each backend. */
  readonly cpu?: PassResult;
  readonly webgpu?: PassResult;
  /** The optimizer steps from cpu's weights and gradients, on each backend. */
  readonly cpuSteps?: OptimizerResult;
  readonly webgpuSteps?: OptimizerResult;
  /** Dispatches of the webgpu pass and steps per kernel name. */
  readonly dispatchesByKernel?: Record<string, number>;
  /** Tensors alive after the webgpu pass and steps minus before. */
  readonly tensorGrowth?: number;
}

/** What one forward and backward pass gives. */
export interface PassResult {
  readonly loss: number;
  readonly gradients: Record<string, number[]>;
  /** The weights the gradients were taken at, with their shapes. */
  readonly weights: Record<string, { readonly shape: number[]; readonly values: number[] }>;
}

/** What the optimizer steps give. */
export interface OptimizerResult {
  /** Each step's gradient norms before clipping, in the order of the gradients. */
  readonly norms: number[][];
  /** The weights after the last step. */
  readonly weights: Record<string, number[]>;
}

/** The optimizer steps: the learning rate, the decay and each step's gradient scale (a sign change and a clip-free step among them). */
const STEP_SCALES = [1, -0.5, 0.01];
const LEARNING_RATE = 1e-2;
const WEIGHT_DECAY = 0.05;

/** The loss mean(tokens^2) of a 2-block ViT on fixed images, and the gradient of every parameter it reaches. */
async function forwardBackward(): Promise<PassResult> {
  // Same seed on both backends: the same initial weights and images.
  const vit = createVit({ imageSize: 16, patchSize: 4, inChannels: 3, embedDim: 32, depth: 2, headCount: 4, seed: 3 });
  const images = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 2 * 16 * 16 * 3), [2, 16, 16, 3])));
  try {
    const parameters = vit.parameters().filter((parameter) => parameter.trainable);
    const { value, grads } = tf.variableGrads(() => {
      const { classToken, patchTokens } = vit.encode(images as tf.Tensor4D);
      return tf.add(tf.mean(tf.square(classToken)), tf.mean(tf.square(patchTokens))) as tf.Scalar;
    }, parameters.map((parameter) => parameter.variable));
    const loss = (await value.data())[0]!;
    const gradients: Record<string, number[]> = {};
    const weights: PassResult['weights'] = {};
    for (const { name, variable } of parameters) {
      const gradient = grads[variable.name];
      if (gradient === undefined) continue;
      gradients[name] = Array.from(await gradient.data());
      weights[name] = { shape: variable.shape, values: Array.from(await variable.data()) };
    }
    tf.dispose([value, grads]);
    return { loss, gradients, weights };
  } finally {
    images.dispose();
    vit.dispose();
  }
}

/**
 * Three steps of per-parameter clipping and AdamW on the active backend, from the same weights and
 * gradients on every backend (`pass`, cpu's), so that only the optimizer kernels can differ. The
 * clipping bound is the median norm of `pass`'s gradients, so about half of them are clipped in the
 * first step.
 */
async function optimizerSteps(pass: PassResult): Promise<OptimizerResult> {
  const names = Object.keys(pass.gradients);
  const parameters = names.map((name) => {
    const { shape, values } = pass.weights[name]!;
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true, `${name}.${tf.getBackend()}`);
    initial.dispose();
    return { name, variable, trainable: true };
  });
  const normsOfPass = names.map((name) => Math.sqrt(pass.gradients[name]!.reduce((sum, g) => sum + g * g, 0))).sort((a, b) => a - b);
  const maxNorm = normsOfPass[Math.floor(normsOfPass.length / 2)]!;
  const optimizer = createAdamW({ parameters, learningRate: LEARNING_RATE, weightDecay: WEIGHT_DECAY });
  const gradients = new Map(names.map((name) => [name, tf.tensor(pass.gradients[name]!, pass.weights[name]!.shape)]));
  const norms: number[][] = [];
  try {
    for (const [iteration, scale] of STEP_SCALES.entries()) {
      const scaled = new Map([...gradients].map(([name, gradient]) => [name, tf.mul(gradient, scale)]));
      const clipped = clipGradientsPerParameter(scaled, maxNorm);
      optimizer.step(clipped.gradients, iteration);
      norms.push(Array.from(await clipped.norms.data()));
      tf.dispose([...scaled.values(), ...clipped.gradients.values(), clipped.norms]);
    }
    const weights: Record<string, number[]> = {};
    for (const { name, variable } of parameters) weights[name] = Array.from(await variable.data());
    return { norms, weights };
  } finally {
    optimizer.dispose();
    tf.dispose([...gradients.values(), ...parameters.map((parameter) => parameter.variable)]);
  }
}

async function run(): Promise<BrowserWebgpuResult> {
  const hasNavigatorGpu = (navigator as { gpu?: unknown }).gpu !== undefined;
  await useBackend('cpu');
  const cpu = await forwardBackward();
  const cpuSteps = await optimizerSteps(cpu);
  provideBackendPackage('webgpu', webgpu);
  const info = await useBackend('webgpu');
  await forwardBackward(); // compiles the shaders
  await optimizerSteps(cpu);
  const before = tf.memory().numTensors;
  const counter = countWebgpuDispatches();
  let result: PassResult;
  let webgpuSteps: OptimizerResult;
  try {
    result = await forwardBackward();
    webgpuSteps = await optimizerSteps(cpu);
  } finally {
    counter.stop();
  }
  return {
    ok: true,
    hasNavigatorGpu,
    adapter: info.adapter,
    reason: info.reason,
    cpu,
    webgpu: result,
    cpuSteps,
    webgpuSteps,
    dispatchesByKernel: Object.fromEntries(counter.read().byKernel),
    tensorGrowth: tf.memory().numTensors - before,
  };
}

const target = window as unknown as { selfsupResult?: BrowserWebgpuResult };
run().then(
  (result) => {
    target.selfsupResult = result;
  },
  (error: unknown) => {
    target.selfsupResult = { ok: false, error: (error as Error)?.stack ?? String(error), hasNavigatorGpu: (navigator as { gpu?: unknown }).gpu !== undefined };
  },
);
