import { describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { l2Normalize } from './l2-normalize.js';

describe('l2Normalize', () => {
  it('divides each row by its length, and leaves zero rows at zero with a finite gradient', async () => {
    const zeroRow = tf.tidy(() => {
      const x = tf.tensor2d([[3, 4], [0, 0]]);
      // [3, 4] / 5 = [0.6, 0.8]; a zero row stays 0 (divided by eps, not by 0)
      expectClose(l2Normalize(x), [0.6, 0.8, 0, 0], { rtol: 1e-6 });
      const grad = tf.grad((v: tf.Tensor) => tf.sum(l2Normalize(v)))(x);
      // d/dx sum(x / ||x||) at [3, 4] = (1 - x (x . 1) / ||x||^2) / ||x|| = ([1, 1] - [3, 4] * 7 / 25) / 5 = [0.032, -0.024]
      expectClose(tf.slice(grad, [0, 0], [1, 2]), [0.032, -0.024], { rtol: 1e-5, atol: 1e-7 });
      return tf.slice(grad, [1, 0], [1, 2]);
    });
    const zeroRowGrad = Array.from(await zeroRow.data());
    zeroRow.dispose();
    if (!zeroRowGrad.every(Number.isFinite)) throw new Error(`gradient at a zero row is not finite: ${zeroRowGrad}`);
  });

  it('leaks no tensor', async () => {
    const x = tf.tensor2d([[1, 2]]);
    await expectNoLeaks(() => l2Normalize(x));
    x.dispose();
  });
});
