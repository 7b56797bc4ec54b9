import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { koleoLoss } from './koleo-loss.js';

describe('koleoLoss', () => {
  it('is minus the mean log distance to the nearest neighbour on the sphere (hand-derived)', async () => {
    tf.tidy(() => {
      // rows scale to a = (1, 0), b = (0, 1), c = (0.6, 0.8); dots a.b = 0, a.c = 0.6, b.c = 0.8
      // nearest: a -> c (|a - c| = sqrt 0.8), b -> c and c -> b (|b - c| = sqrt 0.4)
      const features = tf.tensor2d([[2, 0], [0, 3], [3, 4]]);
      const expected = -(0.5 * Math.log(0.8) + 2 * 0.5 * Math.log(0.4)) / 3; // eps 1e-8 changes it by ~1e-8
      expectClose(koleoLoss(features), [expected], { rtol: 1e-6 });
    });
  });

  it('has a finite gradient that pushes neighbours apart', async () => {
    const { grad, after, before } = tf.tidy(() => {
      const features = tf.tensor2d([[1, 0], [0.99, 0.141], [0, 1]]);
      const grad = tf.grad((x: tf.Tensor) => koleoLoss(x as tf.Tensor2D))(features);
      return { grad, after: koleoLoss(tf.sub(features, tf.mul(grad, 1e-3)) as tf.Tensor2D), before: koleoLoss(features) };
    });
    const values = Array.from(await grad.data());
    expect(values.every(Number.isFinite)).toBe(true);
    // a step against the gradient lowers the loss
    expect((await after.data())[0]!).toBeLessThan((await before.data())[0]!);
    tf.dispose([grad, after, before]);
  });

  it('rejects a single row', () => {
    tf.tidy(() => {
      expect(() => koleoLoss(tf.zeros([1, 4]) as tf.Tensor2D)).toThrow(/at least 2 rows/);
      expect(() => koleoLoss(tf.zeros([4]) as unknown as tf.Tensor2D)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    });
  });

  it('leaks no tensor', async () => {
    const x = tf.tensor2d([[1, 2], [3, 1], [0, 1]]);
    await expectNoLeaks(() => koleoLoss(x));
    x.dispose();
  });
});
