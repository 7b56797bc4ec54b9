import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, expectNoLeaks, fromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { restoreTokens } from './restore-tokens.js';

interface MaeFixture {
  tokens: FixtureTensor;
  cases: { mask_ratio: number; x_masked: FixtureTensor; mask: FixtureTensor; ids_restore: number[][] }[];
}

const fixture = loadFixture<MaeFixture>('mae.json');

describe('restoreTokens', () => {
  for (const c of fixture.cases) {
    it(`undoes MAE's random masking (mask ratio ${c.mask_ratio}): kept tokens in place, the mask token elsewhere`, () => {
      tf.tidy(() => {
        const tokens = fromFixture(fixture.tokens) as tf.Tensor3D; // [B, N, D] before masking
        const [batch, patches, dim] = tokens.shape;
        const kept = fromFixture(c.x_masked) as tf.Tensor3D; // [B, K, D]
        const restore = tf.tensor2d(c.ids_restore.flat(), [batch, patches], 'int32');
        const maskToken = tf.fill([dim], 1000); // far from every token
        const restored = restoreTokens(kept, maskToken, restore);
        const removed = tf.expandDims(fromFixture(c.mask), 2); // [B, N, 1], 1 = removed
        // expected: the original token where kept, 1000 where removed
        const expected = tf.add(tf.mul(tokens, tf.sub(1, removed)), tf.mul(removed, 1000));
        expectClose(restored, expected, { rtol: 0, atol: 0 });
      });
    });
  }

  it('puts tokens back by hand-derived indices and passes gradients to kept tokens and the mask token', () => {
    tf.tidy(() => {
      // kept patches 2 then 0 of 3: list [p2, p0, mask]; ids_restore = [1, 2, 0] -> [p0, mask, p2]
      const kept = tf.tensor3d([[[20], [0]]]);
      const maskToken = tf.tensor1d([-1]);
      const restore = tf.tensor2d([[1, 2, 0]], undefined, 'int32') as tf.Tensor2D;
      expectClose(restoreTokens(kept, maskToken, restore), [0, -1, 20], { rtol: 0, atol: 0 });
      const weights = tf.tensor3d([[[1], [2], [3]]]);
      const [dKept, dMask] = tf.grads((k: tf.Tensor, m: tf.Tensor) => tf.sum(tf.mul(restoreTokens(k as tf.Tensor3D, m, restore), weights)))([kept, maskToken]);
      // p2 lands at place 2 (weight 3), p0 at place 0 (weight 1); the mask token at place 1 (weight 2)
      expectClose(dKept!, [3, 1], { rtol: 0, atol: 0 });
      expectClose(dMask!, [2], { rtol: 0, atol: 0 });
    });
  });

  it('rejects indices of another batch or dtype', () => {
    tf.tidy(() => {
      const kept = tf.zeros([2, 1, 3]) as tf.Tensor3D;
      expect(() => restoreTokens(kept, tf.zeros([3]), tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(/int32/);
      expect(() => restoreTokens(kept, tf.zeros([3]), tf.zeros([1, 4], 'int32') as tf.Tensor2D)).toThrow(/\[2, patches\]/);
      expect(() => restoreTokens(kept, tf.zeros([4]), tf.zeros([2, 4], 'int32') as tf.Tensor2D)).toThrow(/maskToken/);
    });
  });

  it('leaks no tensor', async () => {
    const kept = tf.zeros([2, 1, 3]) as tf.Tensor3D;
    const maskToken = tf.ones([1, 1, 3]);
    const restore = tf.tensor2d([[0, 1], [1, 0]], undefined, 'int32') as tf.Tensor2D;
    await expectNoLeaks(() => restoreTokens(kept, maskToken, restore));
    tf.dispose([kept, maskToken, restore]);
  });
});
