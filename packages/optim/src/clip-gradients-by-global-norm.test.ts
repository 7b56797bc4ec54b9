import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { clipGradientsByGlobalNorm } from './clip-gradients-by-global-norm.js';

describe('clipGradientsByGlobalNorm', () => {
  it('scales all gradients by one factor, as torch.nn.utils.clip_grad_norm_', async () => {
    // ||a|| = 3 ([1, 2, 2]), ||b|| = 4: total = sqrt(9 + 16) = 5; factor = 2 / (5 + 1e-6) = 0.39999992
    const a = tf.tensor([1, 2, 2]);
    const b = tf.tensor2d([[4]]);
    const { gradients, totalNorm } = clipGradientsByGlobalNorm(new Map([['a', a], ['b', b]]), 2);
    const factor = 2 / 5.000001;
    expectClose(gradients.get('a')!, [factor, 2 * factor, 2 * factor], { atol: 1e-7, rtol: 0 });
    expectClose(gradients.get('b')!, [4 * factor], { atol: 1e-7, rtol: 0 });
    expect((await totalNorm.data())[0]).toBeCloseTo(5, 6);
    tf.dispose([...gradients.values(), totalNorm]);

    // under the limit: factor = min(10 / 5.000001, 1) = 1, values unchanged
    const loose = clipGradientsByGlobalNorm({ a, b }, 10);
    expectClose(loose.gradients.get('a')!, a, { atol: 0, rtol: 0 });
    tf.dispose([...loose.gradients.values(), loose.totalNorm, a, b]);
  });

  it('leaks nothing', async () => {
    const a = tf.tensor([1, 2, 2]);
    await expectNoLeaks(() => clipGradientsByGlobalNorm({ a }, 1), 'clipGradientsByGlobalNorm');
    a.dispose();
  });
});
