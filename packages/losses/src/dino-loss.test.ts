import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { dinoLoss } from './dino-loss.js';

// One image, two prototypes, student temperature 0.1 (logits below are 0.1 * the natural-log ones).
//   student global crop 0: [0, 0]          -> p = [0.5, 0.5]
//   student global crop 1: 0.1 [ln 3, 0]   -> p = [0.75, 0.25]
//   student local crop:    0.1 [0, ln 3]   -> p = [0.25, 0.75]
//   teacher targets: crop 0 [1, 0], crop 1 [0.5, 0.5]
const ln3 = Math.log(3);
const studentGlobal = () => tf.tensor2d([[0, 0], [0.1 * ln3, 0]]);
const studentLocal = () => tf.tensor2d([[0, 0.1 * ln3]]);
const targets = () => tf.tensor2d([[1, 0], [0.5, 0.5]]);

describe('dinoLoss', () => {
  it('averages the cross-entropy over pairs of different views (hand-derived)', () => {
    tf.tidy(() => {
      // (q0, v1): -ln 0.75 = 0.2876821; (q1, v0): -(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2 = 0.6931472
      const globalOnly = dinoLoss({ studentGlobal: studentGlobal(), teacherTargets: targets(), globalCropCount: 2 });
      expectClose(globalOnly, [(-Math.log(0.75) + Math.LN2) / 2], { rtol: 1e-6 });
      // + (q0, local): -ln 0.25 = 1.3862944; (q1, local): -(0.5 ln 0.25 + 0.5 ln 0.75) = 0.8369882; 4 pairs
      const withLocal = dinoLoss({ studentGlobal: studentGlobal(), studentLocal: studentLocal(), teacherTargets: targets(), globalCropCount: 2 });
      expectClose(withLocal, [(-Math.log(0.75) + Math.LN2 - Math.log(0.25) - 0.5 * Math.log(0.25) - 0.5 * Math.log(0.75)) / 4], { rtol: 1e-6 });
    });
  });

  it('differentiates with respect to the student only: dL/ds_v = mean over its pairs of (p_v - t_q) / T', () => {
    tf.tidy(() => {
      const grad = tf.grad((s: tf.Tensor) => dinoLoss({ studentGlobal: s as tf.Tensor2D, teacherTargets: targets(), globalCropCount: 2 }))(studentGlobal());
      // crop 0 pairs with teacher crop 1: 0.5 * ([0.5, 0.5] - [0.5, 0.5]) / 0.1 = [0, 0]
      // crop 1 pairs with teacher crop 0: 0.5 * ([0.75, 0.25] - [1, 0]) / 0.1 = [-1.25, 1.25]
      expectClose(grad, [0, 0, -1.25, 1.25], { rtol: 1e-5, atol: 1e-6 });
    });
  });

  it('rejects mismatched crop counts and temperatures that are not positive', () => {
    tf.tidy(() => {
      const base = { studentGlobal: studentGlobal(), teacherTargets: targets(), globalCropCount: 2 };
      expect(() => dinoLoss({ ...base, globalCropCount: 3 })).toThrow(/multiple of globalCropCount \(3\)/);
      expect(() => dinoLoss({ ...base, teacherTargets: tf.zeros([4, 2]) as tf.Tensor2D })).toThrow(/teacherTargets.*\[2, 2\]/);
      expect(() => dinoLoss({ studentGlobal: tf.zeros([4, 2]) as tf.Tensor2D, teacherTargets: tf.zeros([4, 2]) as tf.Tensor2D, studentLocal: tf.zeros([3, 2]) as tf.Tensor2D, globalCropCount: 2 })).toThrow(
        /studentLocal.*multiple of the batch \(2 images/,
      );
      expect(() => dinoLoss({ ...base, studentLocal: tf.zeros([1, 3]) as tf.Tensor2D })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
      expect(() => dinoLoss({ studentGlobal: tf.zeros([1, 2]) as tf.Tensor2D, teacherTargets: tf.zeros([1, 2]) as tf.Tensor2D, globalCropCount: 1 })).toThrow(/two views/);
      expect(() => dinoLoss({ ...base, studentTemperature: 0 })).toThrow(SslError);
    });
  });

  it('leaks no tensor', async () => {
    const [g, l, t] = [studentGlobal(), studentLocal(), targets()];
    await expectNoLeaks(() => dinoLoss({ studentGlobal: g, studentLocal: l, teacherTargets: t, globalCropCount: 2 }));
    tf.dispose([g, l, t]);
  });

  it('refuses a disposed input tensor with DISPOSED, and null inputs, instead of a TypeError', () => {
    for (const key of ['studentGlobal', 'studentLocal', 'teacherTargets'] as const) {
      const inputs = { studentGlobal: studentGlobal(), studentLocal: studentLocal(), teacherTargets: targets(), globalCropCount: 2 };
      inputs[key].dispose();
      expect(() => dinoLoss(inputs)).toThrow(
        expect.objectContaining({ name: 'SslError', code: 'DISPOSED', message: expect.stringContaining(`dinoLoss(inputs.${key}): the tensor of shape`) }),
      );
      tf.dispose(Object.values(inputs).filter((v) => v instanceof tf.Tensor && !v.isDisposed));
    }
    expect(() => dinoLoss(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('dinoLoss(inputs): expected an options object') }));
  });
});
