import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createBatchNorm } from './batch-norm.js';

describe('createBatchNorm', () => {
  it('normalises with batch statistics in training and updates running ones as PyTorch', async () => {
    const bn = createBatchNorm({ prefix: 'mlp.1', dim: 1, eps: 0, momentum: 0.1 });
    // rows 1, 2, 3: mean 2, biased variance 2/3, unbiased variance 1
    const y = bn.apply(tf.tensor2d([[1], [2], [3]]), { training: true });
    // (x - 2) / sqrt(2/3) = [-1.2247449, 0, 1.2247449]
    expectClose(y, [-Math.sqrt(1.5), 0, Math.sqrt(1.5)], { rtol: 1e-6 });
    const state = await exportStateDict(bn.parameters());
    expectClose(state.get('mlp.1.running_mean')!.data, [0.9 * 0 + 0.1 * 2], { rtol: 1e-6 }); // 0.2
    expectClose(state.get('mlp.1.running_var')!.data, [0.9 * 1 + 0.1 * 1], { rtol: 1e-6 }); // 1
    expect(Array.from(state.get('mlp.1.num_batches_tracked')!.data)).toEqual([1]);
    // evaluation uses the running statistics: (x - 0.2) / sqrt(1)
    const z = bn.apply(tf.tensor2d([[1.2]]));
    expectClose(z, [1], { rtol: 1e-6 });
    tf.dispose([y, z]);
    bn.parameters().forEach((p) => p.variable.dispose());
  });

  it('lists the PyTorch buffers as not trainable', () => {
    const bn = createBatchNorm({ prefix: 'b', dim: 4 });
    expect(bn.parameters().map((p) => `${p.name}:${p.trainable}`)).toEqual([
      'b.weight:true',
      'b.bias:true',
      'b.running_mean:false',
      'b.running_var:false',
      'b.num_batches_tracked:false',
    ]);
    bn.parameters().forEach((p) => p.variable.dispose());
  });

  it('leaks no tensor in training or evaluation mode', async () => {
    const bn = createBatchNorm({ prefix: 'b', dim: 2 });
    const x = tf.tensor2d([[1, 2], [3, 5]]);
    await expectNoLeaks(() => bn.apply(x, { training: true }), 'training');
    await expectNoLeaks(() => bn.apply(x), 'evaluation');
    x.dispose();
    bn.parameters().forEach((p) => p.variable.dispose());
  });
});
