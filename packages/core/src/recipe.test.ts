import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SslError } from './ssl-error.js';
import { concatTargets } from './recipe.js';

describe('concatTargets', () => {
  it('concatenates every tensor field along axis 0 in order and keeps the last micro-batch\'s other fields', async () => {
    const a = { logits: tf.tensor2d([[1, 2]]), patches: tf.tensor3d([[[1], [2]]]), temperature: 0.04 };
    const b = { logits: tf.tensor2d([[3, 4], [5, 6]]), patches: tf.tensor3d([[[3], [4]], [[5], [6]]]), temperature: 0.05 };
    const merged = concatTargets([a, b]);
    expect(await merged.logits.array()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(merged.patches.shape).toEqual([3, 2, 1]);
    expect(await merged.patches.array()).toEqual([[[1], [2]], [[3], [4]], [[5], [6]]]);
    expect(merged.temperature).toBe(0.05);
    // one micro-batch: the targets themselves
    expect(concatTargets([a])).toBe(a);
    tf.dispose([a.logits, a.patches, b.logits, b.patches, merged.logits, merged.patches]);
  });

  it('refuses an empty array and tensors whose shapes past the batch axis differ, naming the field', () => {
    expect(() => concatTargets([])).toThrow(SslError);
    const a = { logits: tf.zeros([2, 3]) };
    const b = { logits: tf.zeros([2, 4]) };
    expect(() => concatTargets([a, b])).toThrow(/concatTargets\(targets\[0\]\.logits\): expected a tensor of shape \[\*, 4\].*got "?shape \[2, 3\]/);
    expect(() => concatTargets([{ logits: 1 }, b])).toThrow(/targets\[0\]\.logits/);
    tf.dispose([a.logits, b.logits]);
  });
});
