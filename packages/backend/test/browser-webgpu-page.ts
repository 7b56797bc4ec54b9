// The page of browser-webgpu.test.ts, bundled by esbuild for Chromium: selfsup's backend in a
// browser, as an app uses it (the packages a Node.js user installs; tfjs-backend-webgpu handed over
// with provideBackendPackage). It runs a tiny ViT's forward and backward pass on cpu, then on
// webgpu (navigator.gpu; selfsup's WGSL LayerNorm and GELU kernels installed by useBackend), and
// leaves what it saw in `window.selfsupResult` for the test to compare.
import * as tf from '@tensorflow/tfjs-core';
import * as webgpu from '@tensorflow/tfjs-backend-webgpu';
import { countWebgpuDispatches, provideBackendPackage, useBackend } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';

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
  /** Dispatches of the webgpu pass per kernel name. */
  readonly dispatchesByKernel?: Record<string, number>;
  /** Tensors alive after the webgpu pass minus before. */
  readonly tensorGrowth?: number;
}

/** What one forward and backward pass gives. */
export interface PassResult {
  readonly loss: number;
  readonly gradients: Record<string, number[]>;
}

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
    for (const { name, variable } of parameters) {
      const gradient = grads[variable.name];
      if (gradient !== undefined) gradients[name] = Array.from(await gradient.data());
    }
    tf.dispose([value, grads]);
    return { loss, gradients };
  } finally {
    images.dispose();
    vit.dispose();
  }
}

async function run(): Promise<BrowserWebgpuResult> {
  const hasNavigatorGpu = (navigator as { gpu?: unknown }).gpu !== undefined;
  await useBackend('cpu');
  const cpu = await forwardBackward();
  provideBackendPackage('webgpu', webgpu);
  const info = await useBackend('webgpu');
  await forwardBackward(); // compiles the shaders
  const before = tf.memory().numTensors;
  const counter = countWebgpuDispatches();
  let result: PassResult;
  try {
    result = await forwardBackward();
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
