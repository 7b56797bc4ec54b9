import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { sinkhornKnopp } from './sinkhorn-knopp.js';

describe('sinkhornKnopp', () => {
  it('alternates prototype and sample normalisation (hand-derived, one iteration)', () => {
    tf.tidy(() => {
      // exp(t / 1) = [[2, 1], [1, 1]] (samples x prototypes); total 5 -> [[.4, .2], [.2, .2]]
      // prototypes (columns here) to 1/K = 1/2: col 0 sums .6 -> [1/3, 1/6], col 1 sums .4 -> [1/4, 1/4]
      //   -> [[1/3, 1/4], [1/6, 1/4]]
      // samples (rows) to 1/B = 1/2: row 0 sums 7/12 -> [2/7, 3/14]; row 1 sums 5/12 -> [1/5, 3/10]
      // times B = 2: [[4/7, 3/7], [2/5, 3/5]]
      const logits = tf.tensor2d([[Math.LN2, 0], [0, 0]]);
      expectClose(sinkhornKnopp(logits, { temperature: 1, iterations: 1 }), [4 / 7, 3 / 7, 2 / 5, 3 / 5], { rtol: 1e-6 });
    });
  });

  it('gives rows that sum to 1 and prototypes used about equally, without overflow at low temperature', async () => {
    // exp(100 / 0.05) overflows float32; differences from the maximum stay within 2 / 0.05 = 40
    const logits = tf.tensor2d([[100, 99, 98], [99, 100, 99.5], [98.5, 99, 100], [100, 98, 99], [99, 99, 99], [98, 100, 98]]);
    const q = sinkhornKnopp(logits, { temperature: 0.05, iterations: 1000 });
    expect(Array.from(await q.data()).every(Number.isFinite)).toBe(true);
    tf.tidy(() => {
      expectClose(tf.sum(q, 1), [1, 1, 1, 1, 1, 1], { rtol: 1e-5, atol: 1e-6 });
      // after many iterations each prototype gets B / K = 2 of the batch's weight
      expectClose(tf.sum(q, 0), [2, 2, 2], { rtol: 1e-3, atol: 1e-3 });
    });
    tf.dispose([logits, q]);
  });

  it('rejects a temperature that is not positive', () => {
    tf.tidy(() => {
      expect(() => sinkhornKnopp(tf.zeros([2, 2]) as tf.Tensor2D, { temperature: 0 })).toThrow(SslError);
      expect(() => sinkhornKnopp(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D, { temperature: 1 })).toThrow(/\[samples, prototypes\]/);
    });
  });

  it('leaks no tensor', async () => {
    const x = tf.tensor2d([[1, 2], [3, 1]]);
    await expectNoLeaks(() => sinkhornKnopp(x, { temperature: 0.1 }));
    x.dispose();
  });
});
