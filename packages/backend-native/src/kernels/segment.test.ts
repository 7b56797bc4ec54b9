import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectParity, nativeReady, random, uniform } from '../../test/parity.js';
import { NATIVE_BACKEND_NAME } from '../native-backend.js';

function ids(length: number, numSegments: number, seed: number): { shape: number[]; values: Int32Array } {
  const next = random(seed);
  return { shape: [length], values: Int32Array.from({ length }, () => Math.floor(next(0, numSegments))) };
}

describe.skipIf(!nativeReady)('UnsortedSegmentSum on the native backend', () => {
  it('matches cpu on odd shapes, repeated and empty segments', async () => {
    let seed = 1;
    for (const [rows, inner, segments] of [
      [1, 1, 1],
      [3, 65, 7],
      [65, 3, 2],
      [197, 1, 300],
      [12, 0, 4],
    ] as const) {
      const shape = inner === 0 ? [rows] : [rows, inner];
      await expectParity([uniform(shape, seed++), ids(rows, segments, seed++)], (x, s) => tf.unsortedSegmentSum(x!, s! as tf.Tensor1D, segments));
    }
  });

  it('is the gradient of gather, as on cpu: a flat pick from [rows * vocabulary] and a batched token gather', async () => {
    const logits = uniform([6 * 32], 3);
    const picks = { shape: [6], values: Int32Array.from([5, 40, 70, 100, 150, 191]) };
    await expectParity([logits, picks], (x, i) => tf.grad((z: tf.Tensor) => tf.sum(tf.gather(z, i!)))(x!));
    const tokens = uniform([2, 9, 4], 4);
    const keep = { shape: [2, 3], values: Int32Array.from([0, 4, 8, 8, 1, 2]) };
    await expectParity([tokens, keep], (x, k) => tf.grad((z: tf.Tensor) => tf.sum(tf.square(tf.gather(z, k!, 1, 1))))(x!));
  });

  it('is registered as a kernel of the native backend, not the cpu one', () => {
    const native = tf.getKernel(tf.UnsortedSegmentSum, NATIVE_BACKEND_NAME);
    expect(native).toBeDefined();
    expect(native!.kernelFunc).not.toBe(tf.getKernel(tf.UnsortedSegmentSum, 'cpu')!.kernelFunc);
  });

  it('sums rows into their segments and drops out-of-range ids (hand-computed)', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      // rows [1, 2], [3, 4], [5, 6] into segments 2, 0, 2 (and a row with id 5, dropped): [[3, 4], [0, 0], [6, 8]]
      const out = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([2, 0, 2, 5], 'int32'), 3));
      expect(out.shape).toEqual([3, 2]);
      expect(Array.from(out.dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
      out.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });
});
