import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createLinearHead } from './linear-head.js';

describe('createLinearHead', () => {
  it('computes x W + b with a PyTorch [out, in] weight (hand-derived)', () => {
    const head = createLinearHead({ inDim: 2, outDim: 3, prefix: 'lm_head' });
    // PyTorch weight rows are outputs: y_o = sum_i W[o, i] x_i + b_o
    loadStateDict(
      head,
      stateDictFromRecords({
        'lm_head.weight': { shape: [3, 2], data: [1, 0, 0, 1, 1, 1] },
        'lm_head.bias': { shape: [3], data: [0.5, 0, -1] },
      }),
    );
    tf.tidy(() => {
      // x = [2, 3]: [2 + 0.5, 3 + 0, 2 + 3 - 1] = [2.5, 3, 4]; token layout [1, 1, 2] -> [1, 1, 3]
      const y = head.project(tf.tensor3d([[[2, 3]]]));
      expect(y.shape).toEqual([1, 1, 3]);
      expectClose(y, [2.5, 3, 4], { rtol: 1e-6 });
    });
    head.dispose();
  });

  it('names its parameters under the prefix and can drop the bias', async () => {
    const head = createLinearHead({ inDim: 4, outDim: 2, prefix: 'linear', bias: false, initStd: 0.01 });
    const exported = await exportStateDict(head);
    expect([...exported.keys()]).toEqual(['linear.weight']);
    expect(exported.get('linear.weight')!.shape).toEqual([2, 4]);
    head.dispose();
  });

  it('rejects features of another width', () => {
    const head = createLinearHead({ inDim: 4, outDim: 2 });
    const x = tf.zeros([3, 5]);
    expect(() => head.project(x)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    x.dispose();
    head.dispose();
  });

  it('leaks no tensor', async () => {
    const head = createLinearHead({ inDim: 4, outDim: 2 });
    const x = tf.ones([3, 4]);
    await expectNoLeaks(() => head.project(x));
    x.dispose();
    head.dispose();
  });

  it('frees its variables on dispose', () => {
    const before = tf.memory().numTensors;
    createLinearHead({ inDim: 4, outDim: 2 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
