// The backbones' hand-written gradients (linear, LayerNorm, GELU, self-attention) on webgpu against
// cpu, values and every input's gradient, and a whole ViT block's forward and backward pass.
// Tolerances (float32, |webgpu - cpu| <= atol + rtol |cpu|): rtol 1e-4, atol 1e-5 for values and
// gradients that sum a few hundred products in a different order on each backend; the transformer
// block chains several of them, so rtol 1e-3, atol 1e-4 (still far below a wrong kernel's error).
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectWebgpuMatchesCpu, startWebgpu, uniformTensor, type HostTensor } from '@selfsup/testing';
import { linear } from './linear.js';
import { layerNorm } from './layer-norm.js';
import { gelu } from './gelu.js';
import { selfAttention } from './self-attention.js';
import { createVit } from './vit.js';

const PRODUCTS = { rtol: 1e-4, atol: 1e-5 };
const CHAINED = { rtol: 1e-3, atol: 1e-4 };

const webgpu = await startWebgpu();
const rng = createRng(7);
const u = (shape: number[], low = -1, high = 1): HostTensor => uniformTensor(rng, shape, low, high);

/** The value of `f(...inputs)` and the gradients of sum(f(...inputs) * w) for every input. */
function valueAndGrads(f: (...inputs: tf.Tensor[]) => tf.Tensor) {
  return (...all: tf.Tensor[]) => {
    const w = all[all.length - 1]!;
    const inputs = all.slice(0, -1);
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
    return [f(...inputs), value, ...grads];
  };
}

describe.skipIf(!webgpu.available)(`custom-gradient ops on webgpu match cpu (${webgpu.reason})`, () => {
  it('linear with bias: value and gradients of x, weight and bias', async () => {
    const f = valueAndGrads((x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D));
    await expectWebgpuMatchesCpu('linear', f, [u([34, 48]), u([48, 72]), u([72]), u([34, 72])], PRODUCTS);
  });

  it('linear without bias', async () => {
    const f = valueAndGrads((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D));
    await expectWebgpuMatchesCpu('linear (no bias)', f, [u([34, 48]), u([48, 24]), u([34, 24])], PRODUCTS);
  });

  it('layerNorm: value and gradients of x, gamma and beta', async () => {
    const f = valueAndGrads((x, g, b) => layerNorm(x!, g as tf.Tensor1D, b as tf.Tensor1D, 1e-6));
    await expectWebgpuMatchesCpu('layerNorm', f, [u([3, 17, 48], -3, 3), u([48], 0.5, 1.5), u([48]), u([3, 17, 48])], PRODUCTS);
  });

  it('gelu: value and gradient', async () => {
    const f = valueAndGrads((x) => gelu(x!));
    await expectWebgpuMatchesCpu('gelu', f, [u([7, 300], -5, 5), u([7, 300])], PRODUCTS);
  });

  for (const impl of ['matmul', 'depthwise'] as const) {
    it(`selfAttention (${impl}): value and gradients of x, qkv weight and bias`, async () => {
      const f = valueAndGrads((x, w, b) => selfAttention(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D, 4, { impl }));
      await expectWebgpuMatchesCpu(`selfAttention ${impl}`, f, [u([2, 17, 32]), u([32, 96], -0.3, 0.3), u([96], -0.1, 0.1), u([2, 17, 32])], PRODUCTS);
    });
  }

  it('a ViT (two blocks, masked tokens): features and the gradient of every parameter', async () => {
    const images = u([2, 16, 16, 3], 0, 1);
    const mask = { shape: [2, 16], dtype: 'bool' as const, data: Uint8Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };
    const f = (x: tf.Tensor, tokenMask: tf.Tensor) => {
      // Same seed on both backends: the same initial weights.
      const vit = createVit({ imageSize: 16, patchSize: 4, embedDim: 32, depth: 2, headCount: 4, seed: 3 });
      try {
        const variables = vit.parameters().map((parameter) => parameter.variable);
        const { value, grads } = tf.variableGrads(() => {
          const { classToken, patchTokens } = vit.encode(x as tf.Tensor4D, { tokenMask: tokenMask as tf.Tensor2D });
          return tf.add(tf.sum(tf.square(classToken)), tf.mean(tf.mul(patchTokens, patchTokens))) as tf.Scalar;
        }, variables);
        return [value, ...variables.map((variable) => grads[variable.name]!)];
      } finally {
        vit.dispose();
      }
    };
    await expectWebgpuMatchesCpu('vit', f, [images, mask], CHAINED);
  });
});
