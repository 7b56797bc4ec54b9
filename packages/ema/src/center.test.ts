import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks, fromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createCenter } from './center.js';

interface IbotLossFixture {
  config: { center_momentum: number; center_momentum2: number };
  inputs: { teacher_cls: FixtureTensor; teacher_patch: FixtureTensor; center: FixtureTensor; center2: FixtureTensor };
  expected: { center: FixtureTensor; center2: FixtureTensor };
}

const fixture = loadFixture<IbotLossFixture>('ibot-loss.json');

describe('createCenter', () => {
  it('gives the official updated [CLS] and patch centres (ibot-loss.json)', () => {
    const { inputs, expected, config } = fixture;
    const clsDim = inputs.center.shape[inputs.center.shape.length - 1]!;
    const patchDim = inputs.center2.shape[inputs.center2.shape.length - 1]!;
    const center = createCenter({ dim: clsDim, momentum: config.center_momentum });
    const patchCenter = createCenter({ dim: patchDim, momentum: config.center_momentum2, name: 'center2', torchShape: inputs.center2.shape });
    loadStateDict(center, stateDictFromRecords({ center: inputs.center }));
    loadStateDict(patchCenter, stateDictFromRecords({ center2: inputs.center2 }));
    const teacherCls = fromFixture(inputs.teacher_cls);
    const teacherPatch = fromFixture(inputs.teacher_patch);
    center.update(teacherCls);
    patchCenter.update(teacherPatch);
    // rtol 1e-5; atol 1e-6 for components near zero
    expectClose(center.value, expected.center.data, { rtol: 1e-5, atol: 1e-6 }, 'center');
    expectClose(patchCenter.value, expected.center2.data, { rtol: 1e-5, atol: 1e-6 }, 'center2');
    tf.dispose([teacherCls, teacherPatch]);
    center.dispose();
    patchCenter.dispose();
  });

  it('moves by (1 - m) towards the batch mean; patch outputs average every token (hand-derived)', () => {
    const center = createCenter({ dim: 2, momentum: 0.9 });
    const rows = tf.tensor2d([[1, 2], [3, 4]]);
    center.update(rows); // 0.1 * mean rows = 0.1 * [2, 3]
    expectClose(center.value, [0.2, 0.3], { rtol: 1e-6 });
    const patch = createCenter({ dim: 2, momentum: 0.5 });
    // image 0 tokens [0, 0], [2, 2] (mean [1, 1]); image 1 tokens [4, 0], [4, 0] (mean [4, 0]); mean [2.5, 0.5]
    const tokens = tf.tensor3d([[[0, 0], [2, 2]], [[4, 0], [4, 0]]]);
    patch.update(tokens);
    expectClose(patch.value, [1.25, 0.25], { rtol: 1e-6 });
    tf.dispose([rows, tokens]);
    center.dispose();
    patch.dispose();
  });

  it('can be all-reduced: summed statistics of two workers give the centre of their joint batch', () => {
    const joint = createCenter({ dim: 2 });
    const split = createCenter({ dim: 2 });
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[5, 6]]);
    const all = tf.concat([a, b]);
    joint.update(all);
    const sa = split.statistics(a);
    const sb = split.statistics(b);
    const sum = tf.add(sa.sum, sb.sum) as tf.Tensor1D; // what an all-reduce (sum) gives
    split.updateFromStatistics({ sum, count: sa.count + sb.count });
    expectClose(split.value, joint.value, { rtol: 1e-6 });
    tf.dispose([a, b, all, sa.sum, sb.sum, sum]);
    joint.dispose();
    split.dispose();
  });

  it('saves as a non-trainable buffer under its PyTorch name and shape', async () => {
    const center = createCenter({ dim: 3, name: 'center2', torchShape: [1, 1, 3] });
    const state = await exportStateDict(center);
    expect(state.get('center2')!.shape).toEqual([1, 1, 3]);
    expect(center.parameters()[0]!.trainable).toBe(false);
    expect(center.value.trainable).toBe(false);
    center.dispose();
  });

  it('rejects outputs of another width and bad options', () => {
    expect(() => createCenter({ dim: 0 })).toThrow(SslError);
    expect(() => createCenter({ dim: 3, momentum: 1.2 })).toThrow(/momentum/);
    expect(() => createCenter({ dim: 3, torchShape: [1, 4] })).toThrow(/torchShape/);
    const center = createCenter({ dim: 3 });
    const wrong = tf.zeros([2, 4]);
    expect(() => center.update(wrong)).toThrow(/\[rows, 3\]/);
    center.dispose();
    expect(() => center.update(wrong)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    wrong.dispose();
  });

  it('leaks no tensor', async () => {
    const center = createCenter({ dim: 2 });
    const rows = tf.ones([3, 2]);
    await expectNoLeaks(() => center.update(rows), 'update');
    await expectNoLeaks(() => center.statistics(rows), 'statistics');
    rows.dispose();
    center.dispose();
  });

  it('frees its buffer on dispose', () => {
    const before = tf.memory().numTensors;
    createCenter({ dim: 4 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    for (const options of [null, undefined]) {
      expect(() => createCenter(options as never)).toThrow(
        expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining('createCenter(options): expected an options object') }),
      );
    }
  });
});
