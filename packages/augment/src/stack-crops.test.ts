import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@selfsup/testing';
import { stackCrops } from './stack-crops.js';

describe('stackCrops', () => {
  it('stacks each kind crop after crop and leaves the inputs alone', async () => {
    const crop = (value: number) => tf.fill([2, 1, 1, 1], value) as tf.Tensor4D;
    const views = { global: [crop(1), crop(2)], local: [crop(3)] };
    const stacked = stackCrops(views);
    expect(Array.from(await stacked.global.data())).toEqual([1, 1, 2, 2]);
    expect(Array.from(await stacked.local!.data())).toEqual([3, 3]);
    const globalOnly = stackCrops({ global: views.global, local: [] });
    expect(globalOnly.local).toBeUndefined();
    globalOnly.global.dispose();
    expect(views.global[0]!.isDisposed).toBe(false);
    await expectNoLeaks(() => stackCrops(views), 'stackCrops');
    tf.dispose([stacked.global, stacked.local!, ...views.global, ...views.local]);
  });
});
