import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { checkTensor } from './check-tensor.js';
import { ibotPatchLoss } from './ibot-patch-loss.js';
import { ibotLoss } from './ibot-loss.js';
import { maeLoss } from './mae-loss.js';
import { maskedTokenCrossEntropy } from './masked-token-cross-entropy.js';
import { koleoLoss } from './koleo-loss.js';
import { sinkhornKnopp } from './sinkhorn-knopp.js';
import { teacherTargets } from './teacher-targets.js';
import { patchify, unpatchify } from './patchify.js';
import { teacherTemperatureSchedule } from './teacher-temperature-schedule.js';

/** A call of one loss: `tensors` are its tensor inputs by name, `call` runs it on them. */
interface Case {
  readonly name: string;
  readonly tensors: () => Record<string, tf.Tensor>;
  readonly call: (t: Record<string, tf.Tensor>) => unknown;
}

const cases: Case[] = [
  {
    name: 'ibotPatchLoss',
    tensors: () => ({ studentPatch: tf.zeros([2, 4, 3]), teacherPatchTargets: tf.zeros([2, 4, 3]), masks: tf.ones([2, 4]) }),
    call: (t) => ibotPatchLoss(t as never),
  },
  {
    name: 'ibotLoss',
    tensors: () => ({
      studentClass: tf.zeros([2, 3]),
      teacherClassTargets: tf.zeros([2, 3]),
      studentPatch: tf.zeros([2, 4, 3]),
      teacherPatchTargets: tf.zeros([2, 4, 3]),
      masks: tf.ones([2, 4]),
    }),
    call: (t) => ibotLoss({ ...(t as never as object), globalCropCount: 2 } as never),
  },
  {
    name: 'maeLoss',
    tensors: () => ({ images: tf.zeros([1, 4, 4, 1]), prediction: tf.zeros([1, 4, 4]), mask: tf.ones([1, 4]) }),
    call: (t) => maeLoss({ ...(t as never as object), patchSize: 2 } as never),
  },
  {
    name: 'maskedTokenCrossEntropy',
    tensors: () => ({ logits: tf.zeros([1, 2, 3]), targets: tf.zeros([1, 2], 'int32'), mask: tf.ones([1, 2]) }),
    call: (t) => maskedTokenCrossEntropy(t as never),
  },
  { name: 'koleoLoss', tensors: () => ({ features: tf.eye(3) }), call: (t) => koleoLoss(t.features as tf.Tensor2D) },
  { name: 'sinkhornKnopp', tensors: () => ({ teacherLogits: tf.zeros([2, 3]) }), call: (t) => sinkhornKnopp(t.teacherLogits as tf.Tensor2D, { temperature: 1 }) },
  {
    name: 'teacherTargets',
    tensors: () => ({ teacherLogits: tf.zeros([2, 3]), center: tf.zeros([3]) }),
    call: (t) => teacherTargets(t.teacherLogits!, { temperature: 0.04, center: t.center! }),
  },
  { name: 'patchify', tensors: () => ({ images: tf.zeros([1, 4, 4, 1]) }), call: (t) => patchify(t.images as tf.Tensor4D, 2) },
  { name: 'unpatchify', tensors: () => ({ patches: tf.zeros([1, 4, 4]) }), call: (t) => unpatchify(t.patches as tf.Tensor3D, 2) },
];

describe('loss inputs', () => {
  it('checkTensor refuses a disposed tensor with DISPOSED before its shape check', () => {
    const t = tf.zeros([2, 3]);
    t.dispose();
    expect(() => checkTensor('f(x)', t, [2, 3], '[batch, dim]')).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  for (const { name, tensors, call } of cases) {
    it(`${name} works on live inputs and refuses each disposed input tensor with DISPOSED, naming it`, () => {
      const live = tensors();
      tf.dispose(call(live) as tf.Tensor);
      for (const key of Object.keys(live)) {
        const inputs = tensors();
        inputs[key]!.dispose();
        expect(() => call(inputs)).toThrow(
          expect.objectContaining({ name: 'SslError', code: 'DISPOSED', message: expect.stringMatching(new RegExp(`^${name}\\((inputs\\.|options\\.)?${key}\\)`)) }),
        );
        tf.dispose(Object.values(inputs).filter((v) => !v.isDisposed));
      }
      tf.dispose(Object.values(live));
    });
  }

  it('the losses refuse null inputs or options with INVALID_ARGUMENT, not a TypeError', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const calls: [string, () => unknown][] = [
      ['ibotPatchLoss(inputs)', () => ibotPatchLoss(null as never)],
      ['ibotLoss(inputs)', () => ibotLoss(null as never)],
      ['maeLoss(inputs)', () => maeLoss(null as never)],
      ['maskedTokenCrossEntropy(inputs)', () => maskedTokenCrossEntropy(null as never)],
      ['koleoLoss(options)', () => koleoLoss(x, null as never)],
      ['sinkhornKnopp(options)', () => sinkhornKnopp(x, null as never)],
      ['teacherTargets(options)', () => teacherTargets(x, null as never)],
      ['teacherTemperatureSchedule(options)', () => teacherTemperatureSchedule(null as never)],
    ];
    for (const [argument, call] of calls) {
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${argument}: expected an options object`) }));
    }
    x.dispose();
  });
});
