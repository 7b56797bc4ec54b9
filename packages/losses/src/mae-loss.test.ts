import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { maeLoss } from './mae-loss.js';

describe('maeLoss', () => {
  it('averages the per-patch squared error over removed patches only (hand-derived)', () => {
    tf.tidy(() => {
      // a 1x2 one-channel image [1, 3], 1-pixel patches; prediction 0 everywhere
      const images = tf.tensor4d([1, 3], [1, 1, 2, 1]);
      const prediction = tf.zeros([1, 2, 1]) as tf.Tensor3D;
      // only patch 0 removed: (1 - 0)^2 = 1
      expectClose(maeLoss({ images, prediction, mask: tf.tensor2d([[1, 0]]), patchSize: 1 }), [1], { rtol: 1e-6 });
      // both removed: (1 + 9) / 2 = 5; the mask may be given on the [1, 2] grid
      expectClose(maeLoss({ images, prediction, mask: tf.tensor3d([[[1, 1]]]), patchSize: 1 }), [5], { rtol: 1e-6 });
      // nothing removed: 0 rather than 0 / 0
      expectClose(maeLoss({ images, prediction, mask: tf.zeros([1, 2]), patchSize: 1 }), [0], { rtol: 0, atol: 0 });
    });
  });

  it('standardises each target patch by its mean and unbiased variance with normalizePixels', () => {
    tf.tidy(() => {
      // one pixel of two channels [1, 3]: mean 2, unbiased variance (1 + 1) / 1 = 2
      // target = [-1, 1] / sqrt(2 + 1e-6); loss vs 0 = mean of squares = 1 / (2 + 1e-6)
      const images = tf.tensor4d([1, 3], [1, 1, 1, 2]);
      const loss = maeLoss({ images, prediction: tf.zeros([1, 1, 2]) as tf.Tensor3D, mask: tf.ones([1, 1]), patchSize: 1, normalizePixels: true });
      expectClose(loss, [1 / (2 + 1e-6)], { rtol: 1e-6 });
    });
  });

  it('differentiates with respect to the prediction: 2 (prediction - target) / (dim * removed)', () => {
    tf.tidy(() => {
      const images = tf.tensor4d([1, 3], [1, 1, 2, 1]);
      const mask = tf.tensor2d([[1, 0]]);
      const grad = tf.grad((p: tf.Tensor) => maeLoss({ images, prediction: p as tf.Tensor3D, mask, patchSize: 1 }))(tf.zeros([1, 2, 1]));
      expectClose(grad, [-2, 0], { rtol: 1e-6, atol: 0 });
    });
  });

  it('rejects predictions of another shape and masks of another grid', () => {
    tf.tidy(() => {
      const images = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
      const prediction = tf.zeros([2, 4, 48]) as tf.Tensor3D;
      expect(() => maeLoss({ images, prediction: tf.zeros([2, 4, 47]) as tf.Tensor3D, mask: tf.zeros([2, 4]), patchSize: 4 })).toThrow(/\[2, 4, 48\]/);
      expect(() => maeLoss({ images, prediction, mask: tf.zeros([2, 3, 3]), patchSize: 4 })).toThrow(/mask over the 4 patches/);
      // 4 patches, but on a 1x4 grid where the images have 2x2
      expect(() => maeLoss({ images, prediction, mask: tf.zeros([2, 1, 4]), patchSize: 4 })).toThrow(/\[images, 2, 2\]/);
      expect(() => maeLoss({ images, prediction, mask: tf.zeros([1, 4]), patchSize: 4 })).toThrow(/2 mask rows/);
      expect(() => maeLoss({ images, prediction, mask: tf.zeros([2, 4]), patchSize: 3 })).toThrow(/multiples of 3/);
    });
  });

  it('leaks no tensor', async () => {
    const images = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const prediction = tf.zeros([1, 4, 12]) as tf.Tensor3D;
    const mask = tf.tensor2d([[1, 0, 1, 0]]);
    await expectNoLeaks(() => maeLoss({ images, prediction, mask, patchSize: 2, normalizePixels: true }));
    tf.dispose([images, prediction, mask]);
  });
});
