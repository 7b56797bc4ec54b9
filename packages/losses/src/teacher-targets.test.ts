import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { teacherTargets } from './teacher-targets.js';

describe('teacherTargets', () => {
  it('centres then sharpens: softmax((t - c) / temperature) (hand-derived)', () => {
    tf.tidy(() => {
      // ([1, 0] - [0.5, 0]) / 0.5 = [1, 0]; softmax = [e, 1] / (e + 1) = [0.7310586, 0.2689414]
      const targets = teacherTargets(tf.tensor2d([[1, 0]]), { center: tf.tensor1d([0.5, 0]), temperature: 0.5 });
      expectClose(targets, [Math.E / (Math.E + 1), 1 / (Math.E + 1)], { rtol: 1e-6 });
      // the official centre shapes [1, K] and [1, 1, K] broadcast over [B, K] and [B, N, K]
      const patch = teacherTargets(tf.tensor3d([[[1, 0], [1, 0]]]), { center: tf.tensor3d([[[0.5, 0]]]), temperature: 0.5 });
      expectClose(patch, [0.7310586, 0.2689414, 0.7310586, 0.2689414], { rtol: 1e-6 });
      // no centre: softmax([2, 0] / 2) = softmax([1, 0])
      expectClose(teacherTargets(tf.tensor1d([2, 0]), { temperature: 2 }), [0.7310586, 0.2689414], { rtol: 1e-6 });
    });
  });

  it('rejects a temperature that is not positive and a centre of another width', () => {
    tf.tidy(() => {
      const logits = tf.zeros([2, 3]);
      expect(() => teacherTargets(logits, { temperature: 0 })).toThrow(SslError);
      expect(() => teacherTargets(logits, { temperature: -0.04 })).toThrow(/temperature.*> 0/);
      expect(() => teacherTargets(logits, { temperature: 0.04, center: tf.zeros([1, 4]) })).toThrow(/center.*3 values/);
    });
  });

  it('leaks no tensor', async () => {
    const logits = tf.ones([2, 3]);
    const center = tf.zeros([1, 3]);
    await expectNoLeaks(() => teacherTargets(logits, { center, temperature: 0.04 }));
    tf.dispose([logits, center]);
  });
});
