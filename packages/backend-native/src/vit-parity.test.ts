// A whole ViT training computation (forward, loss, backward through every parameter, then one SGD
// update) on the native backend against tfjs-backend-cpu. @selfsup/backbones is imported through
// the workspace without being declared: declaring it would close a dependency cycle
// (backbones -> testing -> backend -> backend-native).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createVit, gelu, layerNorm, linear } from '@selfsup/backbones';
import { NATIVE_BACKEND_NAME, registerNativeBackend } from './index.js';
import { nativeReady, uniform } from '../test/parity.js';

interface StepResult {
  loss: number;
  gradients: Map<string, Float32Array>;
  updated: Map<string, Float32Array>;
  tokens: Float32Array;
}

const IMAGES = uniform([3, 16, 16, 3], 5);
const TOKEN_MASK = Uint8Array.from({ length: 3 * 16 }, (_, i) => (i * 7) % 5 === 0 ? 1 : 0);

async function trainingStep(backend: string): Promise<StepResult> {
  await tf.setBackend(backend);
  const vit = createVit({ preset: 'tiny', embedDim: 48, depth: 2, headCount: 3, imageSize: 16, patchSize: 4, seed: 3 });
  const parameters = vit.parameters().filter((p) => p.trainable);
  const images = tf.tensor4d(IMAGES.values.slice(), IMAGES.shape as [number, number, number, number]);
  const tokenMask = tf.tensor2d(TOKEN_MASK, [3, 16], 'bool');
  const { value, grads } = tf.variableGrads(() => {
    const { classToken, patchTokens } = vit.encode(images, { training: true, tokenMask });
    // A loss that weighs every output: class-token log-softmax and squared patch tokens.
    return tf.add(tf.neg(tf.mean(tf.logSoftmax(classToken))), tf.mean(tf.square(patchTokens))) as tf.Scalar;
  }, parameters.map((p) => p.variable));
  const gradients = new Map(parameters.map((p) => [p.name, grads[p.variable.name]!.dataSync().slice() as Float32Array]));
  // One SGD update with the gradients, then the updated encoder's output.
  tf.tidy(() => {
    for (const p of parameters) p.variable.assign(tf.sub(p.variable, tf.mul(grads[p.variable.name]!, 0.1)));
  });
  const updated = new Map(parameters.map((p) => [p.name, p.variable.dataSync().slice() as Float32Array]));
  const { classToken, patchTokens } = vit.encode(images, { tokenMask });
  const result = { loss: value.dataSync()[0]!, gradients, updated, tokens: patchTokens.dataSync().slice() as Float32Array };
  tf.dispose([value, images, tokenMask, classToken, patchTokens, ...Object.values(grads)]);
  vit.dispose();
  return result;
}

/** max |a - b| <= rtol * max |b|: 1e-5 relative in the max norm of each tensor. */
function expectCloseInMaxNorm(actual: Float32Array, expected: Float32Array, label: string, rtol = 1e-5) {
  let scale = 0;
  let error = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    error = Math.max(error, Math.abs(actual[i]! - expected[i]!));
  }
  expect(error, `${label}: max error ${error} vs max |value| ${scale}`).toBeLessThanOrEqual(rtol * scale);
}

describe.skipIf(!nativeReady)('a ViT training step on the native backend', () => {
  it('gives the loss, every gradient, the updated weights and the new output of the cpu backend to 1e-5', async () => {
    const previous = tf.getBackend();
    try {
      const before = tf.memory().numTensors;
      const cpu = await trainingStep('cpu');
      const native = await trainingStep(NATIVE_BACKEND_NAME);
      expect(Math.abs(native.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.loss));
      expect([...native.gradients.keys()]).toEqual([...cpu.gradients.keys()]);
      for (const [name, g] of cpu.gradients) expectCloseInMaxNorm(native.gradients.get(name)!, g, `gradient of ${name}`);
      for (const [name, w] of cpu.updated) expectCloseInMaxNorm(native.updated.get(name)!, w, `updated ${name}`);
      expectCloseInMaxNorm(native.tokens, cpu.tokens, 'patch tokens after the update');
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend(previous);
    }
  });
});

/** Each value the same float, bit for bit (NaN equal to NaN). */
function expectIdentical(actual: Float32Array, expected: Float32Array, label: string) {
  const differing = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  expect(differing, `${label}: element ${differing} is ${actual[differing]}, expected ${expected[differing]}`).toBe(-1);
}

describe.skipIf(!nativeReady)('the fused kernels in a ViT training step on the native backend', () => {
  it('run LayerNorm and GELU in one kernel call each way, and the linear layer gradients in one, when registered', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const x = tf.randomNormal([6, 8]);
      const gamma = tf.ones([8]) as tf.Tensor1D;
      const w = tf.randomNormal([8, 5]) as tf.Tensor2D;
      const f = (z: tf.Tensor) => tf.sum(gelu(linear(layerNorm(z, gamma, gamma, 1e-6) as tf.Tensor2D, w, tf.slice(gamma, 0, 5))));
      const kernelsOf = async () => (await tf.profile(() => tf.grad(f)(x))).kernelNames;
      const fused = await kernelsOf();
      expect(fused).toEqual(expect.arrayContaining(['SelfsupLayerNorm', 'SelfsupLayerNormGrad', 'SelfsupGelu', 'SelfsupGeluGrad', 'SelfsupLinearGrad']));
      expect(fused).not.toContain('Erf');
      expect(fused).not.toContain('Transpose');
      await registerNativeBackend({ fusedKernels: false });
      const composite = await kernelsOf();
      expect(composite.filter((name) => name.startsWith('Selfsup'))).toEqual([]);
      tf.dispose([x, gamma, w]);
    } finally {
      await registerNativeBackend();
      await tf.setBackend(previous);
    }
  });

  it('change no number: loss, gradients, updated weights and outputs equal the composite path bit for bit', async () => {
    const previous = tf.getBackend();
    try {
      await registerNativeBackend({ fusedKernels: false });
      const composite = await trainingStep(NATIVE_BACKEND_NAME);
      await registerNativeBackend({ fusedKernels: true });
      const fused = await trainingStep(NATIVE_BACKEND_NAME);
      expect(fused.loss).toBe(composite.loss);
      for (const [name, g] of composite.gradients) expectIdentical(fused.gradients.get(name)!, g, `gradient of ${name}`);
      for (const [name, w] of composite.updated) expectIdentical(fused.updated.get(name)!, w, `updated ${name}`);
      expectIdentical(fused.tokens, composite.tokens, 'patch tokens after the update');
    } finally {
      await registerNativeBackend();
      await tf.setBackend(previous);
    }
  });
});
