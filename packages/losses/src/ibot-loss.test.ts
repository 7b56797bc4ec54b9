import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { ibotLoss } from './ibot-loss.js';
import { dinoLoss } from './dino-loss.js';
import { ibotPatchLoss } from './ibot-patch-loss.js';

function inputs() {
  // 2 global crops of 1 image, 1 local crop, 3 prototypes, 2 patches of 4 prototypes
  return {
    studentClass: tf.tensor2d([[0.1, 0.2, 0.3], [0.3, -0.2, 0.0]]),
    studentPatch: tf.tensor3d([[[0, 1, 0, 0], [1, 1, 0, 0]], [[0, 0, 0, 1], [0, 2, 0, 0]]]),
    studentLocalClass: tf.tensor2d([[0.5, 0, -0.5]]),
    teacherClassTargets: tf.tensor2d([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]),
    teacherPatchTargets: tf.tensor3d([[[0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]], [[0, 0, 0, 1], [0.5, 0.5, 0, 0]]]),
    masks: tf.tensor2d([[1, 0], [1, 1]]),
    globalCropCount: 2,
  };
}

describe('ibotLoss', () => {
  it('weights the [CLS] (DINO) loss by classWeight and the patch loss by patchWeight', () => {
    tf.tidy(() => {
      const x = inputs();
      const { classLoss, patchLoss, total } = ibotLoss({ ...x, classWeight: 0.5, patchWeight: 2 });
      const dino = dinoLoss({ studentGlobal: x.studentClass, studentLocal: x.studentLocalClass, teacherTargets: x.teacherClassTargets, globalCropCount: 2 });
      const patch = ibotPatchLoss({ studentPatch: x.studentPatch, teacherPatchTargets: x.teacherPatchTargets, masks: x.masks });
      expectClose(classLoss, tf.mul(dino, 0.5), { rtol: 1e-6 });
      expectClose(patchLoss, tf.mul(patch, 2), { rtol: 1e-6 });
      expectClose(total, tf.add(tf.mul(dino, 0.5), tf.mul(patch, 2)), { rtol: 1e-6 });
    });
  });

  it('rejects patch outputs of other images and masks of another grid', () => {
    tf.tidy(() => {
      const x = inputs();
      expect(() => ibotLoss({ ...x, studentPatch: tf.zeros([3, 2, 4]) as tf.Tensor3D })).toThrow(/studentPatch.*\[2, patches, patchDim\]/);
      expect(() => ibotLoss({ ...x, masks: tf.zeros([2, 2, 2]) })).toThrow(/mask over the 2 patches/);
      expect(() => ibotLoss({ ...x, globalCropCount: 0 })).toThrow(/globalCropCount/);
      expect(() => ibotLoss({ ...x, studentTemperature: 0 })).toThrow(/studentTemperature/);
    });
  });

  it('leaks no tensor, and none through tf.grads', async () => {
    const x = inputs();
    await expectNoLeaks(() => ibotLoss(x));
    await expectNoLeaks(() => tf.grads((s: tf.Tensor) => ibotLoss({ ...x, studentClass: s as tf.Tensor2D }).total)([x.studentClass]));
    tf.dispose(Object.values(x).filter((v) => v instanceof tf.Tensor));
  });
});
