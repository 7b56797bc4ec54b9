import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { linear } from './linear.js';
import { gelu } from './gelu.js';
import { layerNorm } from './layer-norm.js';
import { customOp } from './custom-op.js';

// Our hand-written gradients must equal autodiff through the plain formulas.
function random(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

describe('custom-gradient ops', () => {
  it('linear: value and gradients equal matMul + bias autodiff, with odd shapes', () => {
    for (const [rows, inDim, outDim] of [
      [1, 3, 5],
      [65, 7, 3],
      [197, 4, 9],
    ] as const) {
      const x = random([rows, inDim], 1);
      const w = random([inDim, outDim], 2);
      const b = random([outDim], 3);
      const dy = random([rows, outDim], 4);
      const ours = tf.grads((xx, ww, bb) => tf.sum(tf.mul(linear(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), dy)));
      const reference = tf.grads((xx, ww, bb) => tf.sum(tf.mul(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb), dy)));
      const got = ours([x, w, b]);
      const want = reference([x, w, b]);
      got.forEach((g, i) => expectClose(g, want[i]!, { rtol: 1e-5, atol: 1e-5 }, `linear grad ${i} (${rows}x${inDim}x${outDim})`));
      expectClose(linear(x as tf.Tensor2D, w as tf.Tensor2D), tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), {}, 'no-bias value');
      tf.dispose([x, w, b, dy, ...got, ...want]);
    }
  });

  it('gelu: exact erf form, value at hand-derived points and gradient equal to autodiff', () => {
    // gelu(0) = 0; gelu(1) = Phi(1) = 0.8413447; gelu(-1) = -(1 - Phi(1)) = -0.1586553
    expectClose(gelu(tf.tensor1d([0, 1, -1])), [0, 0.8413447, -0.1586553], { rtol: 1e-6, atol: 2e-7 });
    const x = random([5, 7], 5);
    const reference = (t: tf.Tensor) => tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.div(t, Math.SQRT2)), 1));
    expectClose(tf.grad((t) => tf.sum(tf.square(gelu(t))))(x), tf.grad((t) => tf.sum(tf.square(reference(t))))(x), { rtol: 1e-5, atol: 1e-6 });
  });

  it('layerNorm: biased variance, eps inside the root; gradients equal autodiff', () => {
    // rows [1, 2, 3]: mean 2, biased var 2/3, y = (x - 2) / sqrt(2/3 + eps)
    const s = Math.sqrt(2 / 3 + 1e-6);
    expectClose(
      layerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, 1e-6),
      [-1 / s, 0, 1 / s],
      { rtol: 1e-6 },
    );
    const x = random([3, 4, 6], 6);
    const g = random([6], 7) as tf.Tensor1D;
    const b = random([6], 8) as tf.Tensor1D;
    const dy = random([3, 4, 6], 9);
    const reference = (t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-6))), gg), bb);
    };
    const got = tf.grads((t, gg, bb) => tf.sum(tf.mul(layerNorm(t, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-6), dy)))([x, g, b]);
    const want = tf.grads((t, gg, bb) => tf.sum(tf.mul(reference(t, gg, bb), dy)))([x, g, b]);
    got.forEach((v, i) => expectClose(v, want[i]!, { rtol: 1e-4, atol: 1e-5 }, `layerNorm grad ${i}`));
  });

  it('customOp frees what a gradient function creates as soon as it returns', () => {
    // y = outer(inner(x)); the backward pass runs outer's gradient first. When inner's gradient
    // runs, the 20 temporaries outer's gradient made must be gone already (tfjs alone would keep
    // them until the whole backward pass ends).
    let liveInInnerGradient = -1;
    let liveBeforeOuterGradient = -1;
    const outer = customOp<[tf.Tensor]>(([x]) => ({
      value: tf.mul(x, 2),
      gradFunc: (dy) => {
        liveBeforeOuterGradient = tf.memory().numTensors;
        let t = dy;
        for (let i = 0; i < 20; i++) t = tf.add(t, 0); // temporaries, the last one returned
        return [tf.mul(t, 2)];
      },
    }));
    const inner = customOp<[tf.Tensor]>(([x]) => ({
      value: tf.mul(x, 3),
      gradFunc: (dy) => {
        liveInInnerGradient = tf.memory().numTensors;
        return [tf.mul(dy, 3)];
      },
    }));
    const x = tf.tensor1d([1, 2]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(outer(inner(t))))(x);
    expectClose(dx, [6, 6], { rtol: 0, atol: 0 }); // d/dx sum(2 * 3 x) = 6
    // Only outer's returned gradient (and tfjs's bookkeeping of it) may remain, not 20 temporaries.
    expect(liveInInnerGradient - liveBeforeOuterGradient).toBeLessThan(5);
    tf.dispose([x, dx]);
  });

  it('leak no tensors', async () => {
    const x = random([4, 3], 1);
    const w = random([3, 2], 2);
    const b = random([2], 3);
    await expectNoLeaks(() => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), 'linear');
    await expectNoLeaks(() => gelu(x), 'gelu');
    const gamma = tf.ones([3]) as tf.Tensor1D;
    const beta = tf.zeros([3]) as tf.Tensor1D;
    await expectNoLeaks(() => layerNorm(x, gamma, beta, 1e-6), 'layerNorm');
    await expectNoLeaks(() => tf.grads((a, c, d) => tf.sum(linear(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D)))([x, w, b]), 'linear grads');
    expect(tf.memory().numTensors).toBeGreaterThan(0);
    tf.dispose([x, w, b, gamma, beta]);
  });
});
