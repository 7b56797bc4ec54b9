import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { ibotPatchLoss } from './ibot-patch-loss.js';

// Two images of two patches, two prototypes, student temperature 1.
//   image 0: patch 0 masked, student [0, 0] (p = [0.5, 0.5]), teacher [1, 0]: CE = ln 2
//            patch 1 not masked (its CE must not count)
//   image 1: nothing masked: counts as 0
const student = () => tf.tensor3d([[[0, 0], [5, -5]], [[1, 2], [3, 4]]]);
const teacher = () => tf.tensor3d([[[1, 0], [0, 1]], [[0, 1], [1, 0]]]);
const expected = Math.LN2 / 2; // mean over images of (ln 2 / 1, 0)

describe('ibotPatchLoss', () => {
  it('averages masked-token cross-entropies per image, then over images (hand-derived)', () => {
    tf.tidy(() => {
      const masks = tf.tensor2d([[1, 0], [0, 0]]); // [images, patches]
      expectClose(ibotPatchLoss({ studentPatch: student(), teacherPatchTargets: teacher(), masks, studentTemperature: 1 }), [expected], { rtol: 1e-6 });
      // the same mask as [images, h, w] (a 1x2 grid), as bool, and as one tensor per crop
      const grid = tf.tensor3d([[[1, 0]], [[0, 0]]]);
      expectClose(ibotPatchLoss({ studentPatch: student(), teacherPatchTargets: teacher(), masks: tf.cast(grid, 'bool'), studentTemperature: 1 }), [expected], { rtol: 1e-6 });
      const perCrop = [tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 0]])];
      expectClose(ibotPatchLoss({ studentPatch: student(), teacherPatchTargets: teacher(), masks: perCrop, studentTemperature: 1 }), [expected], { rtol: 1e-6 });
    });
  });

  it('divides by the masked count of each image', () => {
    tf.tidy(() => {
      // image 0 with both patches masked: (ln 2 + CE_1) / 2, CE_1 = -ln softmax([5, -5])_1 = 10 + ln(1 + e^-10)
      const ce1 = 10 + Math.log1p(Math.exp(-10));
      const loss = ibotPatchLoss({ studentPatch: student(), teacherPatchTargets: teacher(), masks: tf.tensor2d([[1, 1], [0, 0]]), studentTemperature: 1 });
      expectClose(loss, [(Math.LN2 + ce1) / 2 / 2], { rtol: 1e-6 });
    });
  });

  it('gives no gradient to unmasked tokens', () => {
    tf.tidy(() => {
      const grad = tf.grad((s: tf.Tensor) => ibotPatchLoss({ studentPatch: s as tf.Tensor3D, teacherPatchTargets: teacher(), masks: tf.tensor2d([[1, 0], [0, 0]]), studentTemperature: 1 }))(student());
      // only image 0 patch 0: (p - t) / images = ([0.5, 0.5] - [1, 0]) / 2 = [-0.25, 0.25]
      expectClose(grad, [-0.25, 0.25, 0, 0, 0, 0, 0, 0], { rtol: 1e-6, atol: 1e-7 });
    });
  });

  it('rejects a mask that does not match the patch grid or the images', () => {
    tf.tidy(() => {
      const base = { studentPatch: student(), teacherPatchTargets: teacher() };
      expect(() => ibotPatchLoss({ ...base, masks: tf.zeros([2, 3]) })).toThrow(/mask over the 2 patches/);
      expect(() => ibotPatchLoss({ ...base, masks: tf.zeros([2, 2, 2]) })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => ibotPatchLoss({ ...base, masks: [tf.zeros([1, 2])] })).toThrow(/expected 2 mask rows.*got 1\./);
      expect(() => ibotPatchLoss({ ...base, masks: tf.zeros([2, 2]), teacherPatchTargets: tf.zeros([2, 2, 3]) as tf.Tensor3D })).toThrow(/teacherPatchTargets/);
      expect(() => ibotPatchLoss({ ...base, masks: tf.zeros([2, 2]), studentTemperature: -1 })).toThrow(SslError);
    });
  });

  it('leaks no tensor', async () => {
    const [s, t, m] = [student(), teacher(), tf.tensor3d([[[1, 0]], [[0, 1]]])];
    await expectNoLeaks(() => ibotPatchLoss({ studentPatch: s, teacherPatchTargets: t, masks: m }));
    tf.dispose([s, t, m]);
  });
});
