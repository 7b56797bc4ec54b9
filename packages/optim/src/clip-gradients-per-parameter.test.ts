import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { clipGradientsPerParameter } from './clip-gradients-per-parameter.js';

describe('clipGradientsPerParameter', () => {
  it('scales each gradient above the limit on its own, as utils.clip_gradients', () => {
    const a = tf.tensor([3, 4]); // norm 5: c = 1 / (5 + 1e-6) < 1 -> [3, 4] / 5.000001 = [0.59999988, 0.79999984]
    const b = tf.tensor2d([[0.3, 0.4]]); // norm 0.5: c = 1 / 0.500001 > 1 -> unchanged
    const input = new Map([['a', a], ['b', b]]);
    const { gradients, norms } = clipGradientsPerParameter(input, 1);
    expect([...gradients.keys()]).toEqual(['a', 'b']);
    expectClose(gradients.get('a')!, [3 / 5.000001, 4 / 5.000001], { atol: 1e-7, rtol: 0 });
    expectClose(gradients.get('b')!, b, { atol: 0, rtol: 0 });
    expect(gradients.get('b')!.shape).toEqual([1, 2]);
    expectClose(norms, [5, 0.5], { atol: 1e-7, rtol: 0 });
    // inputs are not disposed
    expect(a.isDisposed || b.isDisposed).toBe(false);
    tf.dispose([...gradients.values(), norms, a, b]);
  });

  it('accepts a plain object and leaks nothing', async () => {
    const grads = { w: tf.tensor([1, 2, 2]) };
    await expectNoLeaks(() => clipGradientsPerParameter(grads, 0.5), 'clipGradientsPerParameter');
    const { gradients, norms } = clipGradientsPerParameter(grads, 0.5);
    // norm 3: [1, 2, 2] * 0.5 / 3.000001
    expectClose(gradients.get('w')!, [0.5 / 3.000001, 1 / 3.000001, 1 / 3.000001], { atol: 1e-7, rtol: 0 });
    tf.dispose([...gradients.values(), norms, grads.w]);
  });

  it('rejects a non-positive limit', () => {
    expect(() => clipGradientsPerParameter({}, 0)).toThrow(/maxNorm/);
  });
});
